#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "pii/match.h"
#include "pii/normal.h"
#include "pii/token.h"

#define PIECE    256 /* symbols of one pattern of a long value */
#define ANYWHERE 8   /* symbols from which a pattern needs no boundary */

/* A decoded control character (\n, \u0001): a separator. */
#define CONTROL 0x01

int
nxm_pii_syms_reserve(struct nxm_pii_syms *y, size_t len)
{
	size_t cap = len + 1;

	if (cap <= y->cap)
		return 0;
	if (len >= UINT32_MAX)
		return -1;
	nxm_pii_syms_free(y);
	y->sym = malloc(cap);
	y->start = malloc(cap * sizeof(*y->start));
	y->end = malloc(cap * sizeof(*y->end));
	if (y->sym == NULL || y->start == NULL || y->end == NULL) {
		nxm_pii_syms_free(y);
		return -1;
	}
	y->cap = cap;
	return 0;
}

void
nxm_pii_syms_free(struct nxm_pii_syms *y)
{
	/* The symbols spell personal values. */
	if (y->sym != NULL)
		memset(y->sym, 0, y->cap);
	free(y->sym);
	free(y->start);
	free(y->end);
	memset(y, 0, sizeof(*y));
}

/* ---------------------------------------------------------------- decoding */

static int
hex4(const unsigned char *s, size_t len, size_t i, unsigned *v)
{
	*v = 0;
	if (i + 4 > len)
		return -1;
	for (size_t k = i; k < i + 4; k++) {
		unsigned char c = s[k];
		unsigned h = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
		                                    : 16u;
		if (h == 16)
			return -1;
		*v = *v << 4 | h;
	}
	return 0;
}

/* UTF-8 of code point v in out; its length. */
static size_t
utf8(unsigned v, unsigned char out[4])
{
	if (v < 0x80) {
		out[0] = (unsigned char)v;
		return 1;
	}
	if (v < 0x800) {
		out[0] = (unsigned char)(0xc0 | v >> 6);
		out[1] = (unsigned char)(0x80 | (v & 0x3f));
		return 2;
	}
	if (v < 0x10000) {
		out[0] = (unsigned char)(0xe0 | v >> 12);
		out[1] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (v & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | v >> 18);
	out[1] = (unsigned char)(0x80 | (v >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (v & 0x3f));
	return 4;
}

/* The \u escape at s[i]: its code point's UTF-8 in out (a surrogate pair
 * together; control characters and lone surrogates as CONTROL), its
 * length in *took; 0 when it is malformed. */
static size_t
unicode_escape(const unsigned char *s, size_t len, size_t i, unsigned char out[4], size_t *took)
{
	unsigned v, lo;

	if (hex4(s, len, i + 2, &v) == -1)
		return 0;
	*took = 6;
	if (v >= 0xd800 && v < 0xdc00 && i + 12 <= len && s[i + 6] == '\\' && s[i + 7] == 'u' &&
	    hex4(s, len, i + 8, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
		*took = 12;
		v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
	} else if ((v >= 0xd800 && v < 0xe000) || v < 0x20) {
		v = CONTROL;
	}
	return utf8(v, out);
}

/* The first level: the character at s[i], its bytes in out (one to four)
 * and the bytes of s it took. In the content of a JSON string, escapes are
 * undone; a malformed one stands for its backslash. */
static size_t
level1(const unsigned char *s, size_t len, size_t i, bool escaped, unsigned char out[4],
       size_t *took)
{
	size_t n;

	*took = 1;
	out[0] = s[i];
	if (!escaped || s[i] != '\\' || i + 1 >= len)
		return 1;
	switch (s[i + 1]) {
	case '"':
	case '\\':
	case '/':
		out[0] = s[i + 1];
		*took = 2;
		return 1;
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		out[0] = CONTROL;
		*took = 2;
		return 1;
	case 'u':
		if ((n = unicode_escape(s, len, i, out, took)) > 0)
			return n;
		break;
	default:
		break;
	}
	out[0] = '\\';
	return 1;
}

/* The length of the '«' or '»' (second byte 0xab or 0xbb) at s[i], raw
 * (2 bytes) or, in a JSON string, escaped (6 bytes); 0 when there is none. */
static size_t
guillemet(const unsigned char *s, size_t len, size_t i, bool escaped, unsigned char which)
{
	if (i + 1 < len && s[i] == 0xc2 && s[i + 1] == which)
		return 2;
	if (escaped && i + 6 <= len && s[i] == '\\' && s[i + 1] == 'u' && s[i + 2] == '0' &&
	    s[i + 3] == '0' && (s[i + 4] | 0x20) == (which == 0xab ? 'a' : 'b') &&
	    (s[i + 5] | 0x20) == 'b')
		return 6;
	return 0;
}

/* The bytes of s taken by the «PII:…» token at s[i], 0 when there is none.
 * What is between the guillemets is ASCII that JSON does not escape. */
static size_t
token_at(const unsigned char *s, size_t len, size_t i, bool escaped)
{
	unsigned char text[NXM_PII_TOKEN_MAX];
	size_t open = guillemet(s, len, i, escaped, 0xab), j, close;

	if (open == 0)
		return 0;
	for (j = i + open; j < len && j - i < NXM_PII_TOKEN_MAX; j++) {
		unsigned char c = s[j];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') ||
		      c == '_' || c == ':'))
			break;
	}
	if ((close = guillemet(s, len, j, escaped, 0xbb)) == 0 ||
	    j - (i + open) + 4 > sizeof(text))
		return 0;
	text[0] = 0xc2;
	text[1] = 0xab;
	memcpy(text + 2, s + i + open, j - (i + open));
	text[j - (i + open) + 2] = 0xc2;
	text[j - (i + open) + 3] = 0xbb;
	if (nxm_pii_token_parse((const char *)text, j - (i + open) + 4, NULL, NULL, NULL) == -1)
		return 0;
	return j + close - i;
}

/* ---------------------------------------------------------------- symbols */

/* What is being written: the arrays are the caller's, restrict so that
 * writing a symbol does not make the compiler read the rest again. */
struct out {
	unsigned char *restrict sym;
	uint32_t *restrict start, *restrict end;
	size_t n;
	unsigned char last; /* the last symbol given: BARRIER at the start */
	bool sep, joins;    /* a separator waits for the next symbol */
	uint32_t sep_start, sep_end;
};

static inline void
put(struct out *o, unsigned char sym, size_t start, size_t end)
{
	o->sym[o->n] = sym;
	o->start[o->n] = (uint32_t)start;
	o->end[o->n] = (uint32_t)end;
	o->n++;
}

static inline void
give(struct out *o, unsigned char sym, size_t start, size_t end)
{
	if (o->sep) {
		o->sep = false;
		if (!(o->joins && nxm_pii_sym_class(o->last) == NXM_PII_CLASS_DIGIT &&
		      nxm_pii_sym_class(sym) == NXM_PII_CLASS_DIGIT))
			put(o, NXM_PII_SYM_SEP, o->sep_start, o->sep_end);
	}
	put(o, sym, start, end);
	o->last = sym;
}

static void
barrier(struct out *o, size_t start, size_t end)
{
	o->sep = false;
	if (o->last != NXM_PII_SYM_BARRIER)
		put(o, NXM_PII_SYM_BARRIER, start, end);
	o->last = NXM_PII_SYM_BARRIER;
}

/* The separators that may stand between the digits of one number. */
static inline bool
joins_digits(unsigned c)
{
	return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

static inline void
separator(struct out *o, bool joins, size_t start, size_t end)
{
	/* None at the start: no value starts with one. */
	if (o->last == NXM_PII_SYM_BARRIER)
		return;
	if (!o->sep) {
		o->sep = true;
		o->joins = true;
		o->sep_start = (uint32_t)start;
	}
	o->joins = o->joins && joins;
	o->sep_end = (uint32_t)end;
}

/* One character (an ASCII byte, or a byte of a decoded character) spanning
 * [start, end). */
static inline void
character(struct out *o, unsigned c, size_t start, size_t end)
{
	unsigned d = c - '0', l = (c | 0x20) - 'a';

	if (d < 10)
		give(o, (unsigned char)(1 + d), start, end);
	else if (l < 26 && c < 0x80)
		give(o, (unsigned char)(11 + l), start, end);
	else if (c >= 0x80)
		/* Bits 1 to 4: the case of Latin-1 letters is bit 5 of their
		 * last byte, that of most other Latin, Greek and Cyrillic
		 * letters bit 0. */
		give(o, (unsigned char)(37 + ((c & 31) >> 1)), start, end);
	else
		separator(o, joins_digits(c), start, end);
}

/* What is not a plain ASCII character: a token, an escape, a backslash,
 * a byte of a multi-byte character. Returns where the next one starts. */
static size_t
special(const unsigned char *s, size_t len, size_t i, bool escaped, struct out *o)
{
	unsigned char ch[4], next[4];
	size_t took, took2, k, tl;

	if ((tl = token_at(s, len, i, escaped)) > 0) {
		barrier(o, i, i + tl);
		return i + tl;
	}
	k = level1(s, len, i, escaped, ch, &took);
	if (k == 1 && ch[0] == '\\') {
		/* The second level: a backslash and what follows is one
		 * escape, one separator. */
		size_t j = i + took;
		if (j < len && level1(s, len, j, escaped, next, &took2) == 1 && next[0] != '\0' &&
		    strchr("\\\"/bfnrtu", next[0]) != NULL)
			took += took2;
		separator(o, false, i, i + took);
		return i + took;
	}
	for (size_t q = 0; q < k; q++)
		character(o, ch[q], i, i + took);
	return i + took;
}

void
nxm_pii_normalize(const char *text, size_t len, bool escaped, struct nxm_pii_syms *y)
{
	const unsigned char *s = (const unsigned char *)text;
	struct out o = {.sym = y->sym, .start = y->start, .end = y->end, .last = NXM_PII_SYM_BARRIER};
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		if (c < 0x80 && c != '\\') {
			character(&o, c, i, i + 1);
			i++;
		} else {
			i = special(s, len, i, escaped, &o);
		}
	}
	y->n = o.n;
}

/* ---------------------------------------------------------------- patterns */

struct piece {
	unsigned char s[PIECE];
	size_t n;
};

/* Adds p (no separator at either end) as a pattern of value vid, unless it
 * is too short to tell from ordinary text. */
static int
add_piece(struct nxm_pii_matcher *m, const struct piece *p, enum nxm_pii cat, uint32_t vid)
{
	size_t digits = 0, letters = 0;

	for (size_t i = 0; i < p->n; i++) {
		enum nxm_pii_sym_class c = nxm_pii_sym_class(p->s[i]);
		digits += c == NXM_PII_CLASS_DIGIT;
		letters += c == NXM_PII_CLASS_ALPHA;
	}
	if (digits + letters < 4 || (letters == 0 && digits < 6))
		return 0;
	/* One short word is an ordinary word too (a first name, a city, a
	 * plan's name); place and bank names name locations and companies. */
	if (digits == 0 && digits + letters == p->n && p->n < 10)
		return 0;
	if ((cat == NXM_PII_ADDRESS || cat == NXM_PII_FINANCIAL) && digits == 0)
		return 0;
	return nxm_pii_matcher_add(m, p->s, p->n, vid << 1 | (p->n < ANYWHERE));
}

/* The symbols of a value (plain text). */
static int
symbols(const char *text, size_t len, struct nxm_pii_syms *y)
{
	if (nxm_pii_syms_reserve(y, len) == -1)
		return -1;
	nxm_pii_normalize(text, len, false, y);
	return 0;
}

/* The patterns of text: its symbols, split at barriers and into pieces. */
static int
add_text(struct nxm_pii_matcher *m, const char *text, size_t len, enum nxm_pii cat, uint32_t vid)
{
	struct nxm_pii_syms y = {0};
	struct piece p = {.n = 0};
	int rc = -1;

	if (symbols(text, len, &y) == -1)
		goto out;
	for (size_t i = 0; i <= y.n; i++) {
		bool cut = i == y.n || y.sym[i] == NXM_PII_SYM_BARRIER || p.n == PIECE;
		if (cut) {
			while (p.n > 0 && p.s[p.n - 1] == NXM_PII_SYM_SEP)
				p.n--;
			if (p.n > 0 && add_piece(m, &p, cat, vid) == -1)
				goto out;
			p.n = 0;
		}
		if (i < y.n && y.sym[i] != NXM_PII_SYM_BARRIER &&
		    (p.n > 0 || y.sym[i] != NXM_PII_SYM_SEP))
			p.s[p.n++] = y.sym[i];
	}
	rc = 0;
out:
	nxm_pii_syms_free(&y);
	return rc;
}

/* A phone number by its digits alone, and without its country code: the
 * longest run of digits (an extension apart), and when the number is
 * written internationally, that run less one to three digits, with and
 * without a trunk 0. */
static int
add_phone(struct nxm_pii_matcher *m, const char *value, size_t len, uint32_t vid)
{
	struct nxm_pii_syms y = {0};
	struct piece run = {.n = 0}, best = {.n = 0}, v;
	size_t i = 0;
	bool intl;
	int rc = -1;

	while (i < len && value[i] == ' ')
		i++;
	intl = (i < len && value[i] == '+') || (i + 1 < len && value[i] == '0' && value[i + 1] == '0');
	if (symbols(value, len, &y) == -1)
		goto out;
	for (i = 0; i <= y.n; i++) {
		if (i < y.n && nxm_pii_sym_class(y.sym[i]) == NXM_PII_CLASS_DIGIT && run.n < PIECE) {
			run.s[run.n++] = y.sym[i];
			continue;
		}
		if (run.n > best.n)
			best = run;
		run.n = 0;
	}
	rc = 0;
	if (best.n < 9)
		goto out;
	if (add_piece(m, &best, NXM_PII_PHONE, vid) == -1)
		goto fail;
	for (size_t drop = 1; intl && drop <= 3 && best.n - drop >= 9; drop++) {
		v.n = best.n - drop;
		memcpy(v.s, best.s + drop, v.n);
		if (add_piece(m, &v, NXM_PII_PHONE, vid) == -1)
			goto fail;
		v.s[0] = 1; /* '0' */
		memcpy(v.s + 1, best.s + drop, best.n - drop);
		v.n = best.n - drop + 1;
		if (add_piece(m, &v, NXM_PII_PHONE, vid) == -1)
			goto fail;
	}
	goto out;
fail:
	rc = -1;
out:
	nxm_pii_syms_free(&y);
	return rc;
}

/* A birth date as a date: year-month-day a day either side (a "…Local"
 * twin shifted by the location's zone), day-month-year, month-day-year,
 * and written out with the month's name. value is NUL-terminated. */
static int
add_date(struct nxm_pii_matcher *m, const char *value, uint32_t vid)
{
	static const char *const months[] = {"January",   "February", "March",    "April",
	                                      "May",       "June",     "July",     "August",
	                                      "September", "October",  "November", "December"};
	char forms[8][64];
	time_t t;
	struct tm tm;

	if (nxm_time_parse_utc(value, &t) == -1)
		return 0;
	for (int d = -1; d <= 1; d++) {
		time_t u = t + (time_t)d * 86400;
		if (gmtime_r(&u, &tm) == NULL)
			return -1;
		snprintf(forms[0], sizeof(forms[0]), "%04d%02d%02d", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday);
		if (add_text(m, forms[0], strlen(forms[0]), NXM_PII_DOB, vid) == -1)
			return -1;
	}
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	{
		const char *mon = months[tm.tm_mon];
		int y = tm.tm_year + 1900, mo = tm.tm_mon + 1, day = tm.tm_mday;
		/* "March 14 1985" joins 14 and 1985; "March 14, 1985" does not. */
		snprintf(forms[0], sizeof(forms[0]), "%02d%02d%04d", day, mo, y);
		snprintf(forms[1], sizeof(forms[1]), "%02d%02d%04d", mo, day, y);
		snprintf(forms[2], sizeof(forms[2]), "%d %s %04d", day, mon, y);
		snprintf(forms[3], sizeof(forms[3]), "%s %d %04d", mon, day, y);
		snprintf(forms[4], sizeof(forms[4]), "%s %d, %04d", mon, day, y);
		snprintf(forms[5], sizeof(forms[5]), "%d %.3s %04d", day, mon, y);
		snprintf(forms[6], sizeof(forms[6]), "%.3s %d %04d", mon, day, y);
		snprintf(forms[7], sizeof(forms[7]), "%.3s %d, %04d", mon, day, y);
		for (size_t i = 0; i < NXM_ARRAY_LEN(forms); i++)
			if (add_text(m, forms[i], strlen(forms[i]), NXM_PII_DOB, vid) == -1)
				return -1;
	}
	return 0;
}

int
nxm_pii_patterns_add(struct nxm_pii_matcher *m, enum nxm_pii cat, const char *value, size_t len,
                     uint32_t vid)
{
	if (add_text(m, value, len, cat, vid) == -1)
		return -1;
	if (cat == NXM_PII_PHONE)
		return add_phone(m, value, len, vid);
	if (cat == NXM_PII_DOB)
		return add_date(m, value, vid);
	return 0;
}
