#include "autoconfig.h"

#include <string.h>
#include <strings.h>

#include "pii/detect.h"
#include "pii/token.h"

/* Phone numbers are parsed as groups of digits with their separators, at
 * most MAX_GROUPS of at most MAX_GROUP_DIGITS digits. */
#define MAX_GROUPS       8
#define MAX_GROUP_DIGITS 19

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || is_upper(c);
}

static bool
is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* The characters of an e-mail address's local part we match: the usual
 * ones, not every one RFC 5322 allows (quotes, slashes and braces appear
 * around addresses in text far more often than inside them). */
static bool
is_local(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static unsigned char
at(const char *s, size_t len, size_t i)
{
	return i < len ? (unsigned char)s[i] : 0;
}

/* ---------------------------------------------------------------- e-mail */

/* The end of the domain starting at s[i], or 0 when there is no valid one:
 * at least two labels, the last all letters and at least two long. A
 * trailing dot (the end of a sentence) is left out. */
static size_t
domain_end(const char *s, size_t len, size_t i)
{
	size_t p = i, good = 0;
	int labels = 0;

	for (;;) {
		size_t ls = p;
		bool alpha = true;
		while (p < len && (is_alnum((unsigned char)s[p]) || s[p] == '-')) {
			alpha = alpha && is_alpha((unsigned char)s[p]);
			p++;
		}
		if (p == ls || p - ls > 63 || s[ls] == '-' || s[p - 1] == '-')
			break;
		labels++;
		if (labels >= 2 && alpha && p - ls >= 2 && p - i <= 253)
			good = p;
		if (p + 1 < len && s[p] == '.' && is_alnum((unsigned char)s[p + 1]))
			p++;
		else
			break;
	}
	return good;
}

/* The next e-mail address at or after sc->pos. */
static void
find_mail(struct nxm_pii_scan *sc)
{
	const char *s = sc->s;
	size_t len = sc->len, from = sc->mail_from > sc->pos ? sc->mail_from : sc->pos;
	const char *p;

	sc->has_mail = false;
	sc->mail_searched = true;
	while (from < len && (p = memchr(s + from, '@', len - from)) != NULL) {
		size_t a = (size_t)(p - s), k = a, end;
		while (k > sc->pos && is_local((unsigned char)s[k - 1]))
			k--;
		while (k < a && s[k] == '.')
			k++;
		from = a + 1;
		if (k < a && (end = domain_end(s, len, a + 1)) != 0) {
			sc->mail.start = k;
			sc->mail.end = end;
			sc->mail.cat = NXM_PII_EMAIL;
			sc->has_mail = true;
			break;
		}
	}
	sc->mail_from = from;
}

/* ---------------------------------------------------------------- IBAN */

static const struct {
	char cc[3];
	unsigned char len;
} iban_lengths[] = {
        {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
        {"BG", 22}, {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28},
        {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24},
        {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18},
        {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23},
        {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32},
        {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22},
        {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
        {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24},
        {"SC", 31}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28},
        {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

static size_t
iban_length(const char *cc)
{
	for (size_t i = 0; i < sizeof(iban_lengths) / sizeof(iban_lengths[0]); i++)
		if (iban_lengths[i].cc[0] == cc[0] && iban_lengths[i].cc[1] == cc[1])
			return iban_lengths[i].len;
	return 0;
}

/* ISO 13616: the country code and check digits moved to the end, letters
 * as 10 to 35, the whole number mod 97 is 1. */
static bool
iban_checks(const char *iban, size_t n)
{
	unsigned r = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)iban[(k + 4) % n];
		r = is_digit(c) ? (r * 10 + (c - '0')) % 97 : (r * 100 + (c - 'A' + 10)) % 97;
	}
	return r == 1;
}

/* Reads up to max letters and digits from s[p], single spaces allowed
 * between them; returns how many, *end after the last. */
static size_t
read_alnum(const char *s, size_t len, size_t p, size_t max, char *buf, size_t *end)
{
	size_t n = 0;

	while (n < max && p < len) {
		unsigned char c = (unsigned char)s[p];
		if (c == ' ' && n > 0 && s[p - 1] != ' ' &&
		    (is_upper(at(s, len, p + 1)) || is_digit(at(s, len, p + 1)))) {
			p++;
			continue;
		}
		if (!is_upper(c) && !is_digit(c))
			break;
		if (buf != NULL)
			buf[n] = (char)c;
		n++;
		p++;
	}
	*end = p;
	return n;
}

/* An IBAN starting at s[i], printed compact or grouped by single spaces:
 * 1 when there is one, ending at *end; -1 when there is something of an
 * IBAN's shape and length with a wrong check, ending at *end; 0
 * otherwise. */
static int
iban_at(const char *s, size_t len, size_t i, size_t *end)
{
	char buf[34];
	size_t want;

	if ((i > 0 && (is_alnum((unsigned char)s[i - 1]) || s[i - 1] == '_')) ||
	    !is_upper(at(s, len, i + 1)) || !is_digit(at(s, len, i + 2)) ||
	    !is_digit(at(s, len, i + 3)))
		return 0;
	if ((want = iban_length(s + i)) == 0 || read_alnum(s, len, i, want, buf, end) != want ||
	    (*end < len && (is_alnum((unsigned char)s[*end]) || s[*end] == '_')))
		return 0;
	return iban_checks(buf, want) ? 1 : -1;
}

/* ---------------------------------------------------------------- numbers */

struct run {
	size_t start, end; /* end: after the last group (and its ')') */
	int n, digits;
	size_t gs[MAX_GROUPS], ge[MAX_GROUPS], gend[MAX_GROUPS]; /* gend: after its ')' */
	unsigned char sep[MAX_GROUPS]; /* before group k: ' ', '-', '.' or 0 */
	bool paren[MAX_GROUPS];
	bool plus;
};

static size_t
glen(const struct run *r, int k)
{
	return r->ge[k] - r->gs[k];
}

/* Reads the groups of digits from s[i]: "+44 (0)20 7946 0958", "(212)
 * 555-0123", "212.555.0123". The run stops before a ninth group or a group
 * longer than any number; -1 when the first is. Else 0, with r->n == 0
 * when there are no digits. */
static int
parse_run(const char *s, size_t len, size_t i, struct run *r)
{
	size_t p = i;
	unsigned char pending = 0;
	bool had_paren = false;

	memset(r, 0, sizeof(*r));
	r->start = i;
	if (at(s, len, p) == '+') {
		r->plus = true;
		p++;
	}
	for (;;) {
		size_t q = p, gs;
		bool open = false;
		unsigned char c;

		if (!had_paren && at(s, len, q) == '(') {
			open = true;
			q++;
		}
		gs = q;
		while (q < len && is_digit((unsigned char)s[q]) && q - gs <= MAX_GROUP_DIGITS)
			q++;
		if (q - gs > MAX_GROUP_DIGITS)
			return r->n == 0 ? -1 : 0;
		if (q == gs || r->n == MAX_GROUPS)
			break;
		if (open) {
			if (at(s, len, q) != ')')
				break; /* an unclosed bracket ends the number before it */
			had_paren = true;
		}
		r->gs[r->n] = gs;
		r->ge[r->n] = q;
		r->paren[r->n] = open;
		r->sep[r->n] = pending;
		r->digits += (int)(q - gs);
		if (open)
			q++;
		r->gend[r->n] = q;
		r->end = q;
		r->n++;
		/* One separator, then digits or an opening bracket. Right
		 * after a bracket the next group may follow directly. */
		c = at(s, len, q);
		pending = 0;
		if (c == ' ' || c == '-' || c == '.') {
			pending = c;
			q++;
		}
		c = at(s, len, q);
		if (is_digit(c) ? (pending != 0 || open)
		                : (c == '(' && !had_paren && is_digit(at(s, len, q + 1)))) {
			p = q;
			continue;
		}
		break;
	}
	return 0;
}

static bool
currency_code(const char *s)
{
	static const char codes[][4] = {"EUR", "GBP", "USD", "CHF", "JPY", "AUD", "CAD", "SEK",
	                                "NOK", "DKK", "PLN", "CZK", "HUF", "INR", "CNY", "MXN",
	                                "BRL", "ZAR", "AED", "SGD", "HKD", "NZD", "TRY", "ILS"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (memcmp(s, codes[i], 3) == 0)
			return true;
	return false;
}

/* A currency sign or code ending right before s[i], maybe with a space. */
static bool
currency_before(const char *s, size_t i)
{
	if (i > 0 && s[i - 1] == ' ')
		i--;
	if (i >= 1 && s[i - 1] == '$')
		return true;
	if (i >= 2 &&
	    (memcmp(s + i - 2, "\xc2\xa3", 2) == 0 || memcmp(s + i - 2, "\xc2\xa5", 2) == 0))
		return true; /* £ ¥ */
	if (i >= 3 && memcmp(s + i - 3, "\xe2\x82\xac", 3) == 0)
		return true; /* € */
	/* Not the end of a word or of an e-mail address ("x@y.EUR"). */
	return i >= 3 && currency_code(s + i - 3) &&
	       (i == 3 || !(is_local((unsigned char)s[i - 4]) || s[i - 4] == '@'));
}

/* A currency sign or code starting at s[i], maybe after a space. */
static bool
currency_after(const char *s, size_t len, size_t i)
{
	if (at(s, len, i) == ' ')
		i++;
	if (at(s, len, i) == '$')
		return true;
	if (len - i >= 2 &&
	    (memcmp(s + i, "\xc2\xa3", 2) == 0 || memcmp(s + i, "\xc2\xa5", 2) == 0))
		return true;
	if (len - i >= 3 && memcmp(s + i, "\xe2\x82\xac", 3) == 0)
		return true;
	/* Not the start of a word or of an e-mail address ("EUR.x@y.com"),
	 * but maybe of a sentence's end ("… 901 EUR."). */
	if (len - i < 3 || !currency_code(s + i))
		return false;
	i += 3;
	if (at(s, len, i) == '.')
		i++;
	return !is_local(at(s, len, i)) && at(s, len, i) != '@';
}

/* Whether a number may start at s[i]: not inside a word or another number
 * ("INV-2026-0001", "v1.2", "#123", "$100"). A '+' or '(' starts a number
 * wherever it is ("Tel+44 …"). Nothing before s[i - 1] may decide: it may
 * be the end of a span, replaced by a token when the text is redacted. */
static bool
number_may_start(const char *s, size_t i)
{
	unsigned char p;

	if (i == 0 || s[i] == '+' || s[i] == '(')
		return true;
	p = (unsigned char)s[i - 1];
	/* After a colon ("Tel:07700 900123"), whatever precedes it: it may be
	 * a span's end. Times ("10:30") are too short for phone numbers. */
	return !(is_alnum(p) || p == '_' || p == '-' || p == '.' || p == ',' || p == '/' ||
	         p == '#' || p == '@' || p == '&' || p == '$' || p == '\\' || p == '%' ||
	         p == '*' || p == ')');
}

enum context {
	CTX_OK,
	CTX_GLUED, /* a letter or '@': maybe the last group is not ours */
	CTX_NOT    /* a decimal part, a longer id, a percentage, a currency: not a number we want */
};

/* What follows a number ending at s[e]. Only s[e] and, after a
 * character no span starts after, s[e + 1] are looked at: what follows may
 * be the next span, replaced by a token when the text is redacted (a time's
 * colon, "10:30", is therefore not looked through). */
static enum context
right_context(const char *s, size_t len, size_t e)
{
	unsigned char c = at(s, len, e), d = at(s, len, e + 1);

	if (e >= len)
		return CTX_OK;
	if (is_alnum(c) || c == '_' || c == '@')
		return CTX_GLUED;
	if (((c == '.' || c == ',' || c == '-' || c == '/') && is_digit(d)) || c == '%' ||
	    currency_after(s, len, e))
		return CTX_NOT;
	return CTX_OK;
}

/* The end of a phone extension after a number ending at s[e] (" ext. 12",
 * " x123", "#12" is not one), or 0. */
static size_t
extension_end(const char *s, size_t len, size_t e)
{
	static const char *const words[] = {"extension", "ext.", "ext", "x"};
	size_t q = e, d;

	if (at(s, len, q) == ' ')
		q++;
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t n = strlen(words[w]);
		if (len - q < n || strncasecmp(s + q, words[w], n) != 0)
			continue;
		q += n;
		if (at(s, len, q) == ' ')
			q++;
		for (d = q; d < len && d - q < 6 && is_digit((unsigned char)s[d]);)
			d++;
		if (d == q || right_context(s, len, d) != CTX_OK)
			return 0;
		return d;
	}
	return 0;
}

static bool
luhn(const char *s, const struct run *r)
{
	unsigned sum = 0, k = 0;

	for (int g = r->n - 1; g >= 0; g--)
		for (size_t i = r->ge[g]; i > r->gs[g]; i--, k++) {
			unsigned v = (unsigned)(s[i - 1] - '0');
			if (k % 2 == 1)
				v = v * 2 > 9 ? v * 2 - 9 : v * 2;
			sum += v;
		}
	return sum % 10 == 0;
}

/* Laid out as card numbers are: 13 to 19 digits, compact, in fours
 * ("4111 1111 1111 1111") or as American Express and Diners print them
 * (4-6-5, 4-6-4). */
static bool
card_layout(const struct run *r)
{
	if (r->plus || r->digits < 13 || r->digits > 19)
		return false;
	for (int k = 0; k < r->n; k++)
		if (r->paren[k] || (k > 1 && r->sep[k] != r->sep[1]) ||
		    (k > 0 && r->sep[k] != ' ' && r->sep[k] != '-'))
			return false;
	if (r->n > 1) {
		bool fours = true;
		for (int k = 0; k < r->n - 1; k++)
			fours = fours && glen(r, k) == 4;
		if (!(fours && glen(r, r->n - 1) <= 4) &&
		    !(r->n == 3 && glen(r, 0) == 4 && glen(r, 1) == 6 &&
		      (glen(r, 2) == 5 || glen(r, 2) == 4)))
			return false;
	}
	return true;
}

/* A card number: the layout, a first digit of the card networks (2 to 6)
 * and a valid Luhn check. */
static bool
is_card(const char *s, const struct run *r)
{
	return card_layout(r) && s[r->gs[0]] >= '2' && s[r->gs[0]] <= '6' && luhn(s, r);
}

/* Groups k to k + 2 read as a date: 2026-11-26, 26.11.2026, 11-26-2026. */
static bool
has_date_at(const struct run *r, int k)
{
	size_t a, b, c;

	if (k + 2 >= r->n || r->sep[k + 1] != r->sep[k + 2] ||
	    (r->sep[k + 1] != '-' && r->sep[k + 1] != '.'))
		return false;
	a = glen(r, k);
	b = glen(r, k + 1);
	c = glen(r, k + 2);
	return (a == 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && c == 4);
}

static bool
has_date(const struct run *r)
{
	for (int k = 0; k + 2 < r->n; k++)
		if (has_date_at(r, k))
			return true;
	return false;
}

static bool
is_phone(const char *s, const struct run *r)
{
	bool dash = false, dot = false;
	int k0;

	if (r->digits < 9 || r->digits > 15 || has_date(r))
		return false;
	/* Without separators only "+447700900123" and national numbers with
	 * a trunk 0 ("07700900123"): other digit strings are ids. */
	if (r->n == 1)
		return !r->paren[0] &&
		       (r->plus || (s[r->gs[0]] == '0' && r->digits >= 10 && r->digits <= 11));
	for (int k = 0; k < r->n; k++) {
		/* One-digit groups are country codes ("+1 212") and trunk
		 * prefixes ("(0)20"); elsewhere they are lists of numbers. */
		if ((glen(r, k) == 1 && !(k == 0 && r->plus) && !r->paren[k]) || glen(r, k) > 8)
			return false;
		/* Brackets hold an area code or trunk prefix: first, or
		 * right after the country code. */
		if (r->paren[k] && k > (r->plus ? 1 : 0))
			return false;
		dash = dash || r->sep[k] == '-';
		dot = dot || r->sep[k] == '.';
	}
	/* "10 20 30 40": numbers of two digits are a phone number only with a
	 * country code or a trunk 0 ("06 12 34 56 78"); "91 123 45 67" has a
	 * longer group. */
	if (!r->plus && !r->paren[0] && s[r->gs[0]] != '0') {
		bool pairs = true;
		for (int k = 0; k < r->n; k++)
			pairs = pairs && glen(r, k) <= 2;
		if (pairs)
			return false;
	}
	if (!dot)
		return true;
	/* Dots only as in 212.555.0123, maybe after "+1 ": otherwise they are
	 * versions, addresses and thousands. */
	k0 = r->plus && r->sep[1] == ' ' ? 1 : 0;
	return !dash && r->n - k0 == 3 && glen(r, k0) == 3 && glen(r, k0 + 1) == 3 &&
	       glen(r, k0 + 2) == 4 && r->sep[k0 + 1] == '.' && r->sep[k0 + 2] == '.' &&
	       !r->paren[k0];
}

/* A phone or card number starting at s[i]: the longest one among the run
 * of groups there and its prefixes that end before a space or a bracket
 * ("07700 900 123 7am", "+44 20 7946 0958 4567 8901 234"). Another number
 * can start only there, so choosing among the prefixes makes the result
 * the same once a later span is replaced by its token: redacting redacted
 * text changes nothing. For the same reason the caller passes as len the
 * start of the next e-mail address.
 *
 * When there is none, *skip is where the scan goes on: past the whole run
 * when no part of it may be one (an amount, a card number's layout with a
 * wrong check), else the next byte, so a number after a date is found. */
static bool
number_at(const char *s, size_t len, size_t i, struct nxm_pii_span *span, size_t *skip)
{
	unsigned char c = (unsigned char)s[i], d = at(s, len, i + 1);
	struct run r;
	int all;

	*skip = i + 1;
	if (!(is_digit(c) || (c == '+' && (is_digit(d) || d == '(')) ||
	      (c == '(' && is_digit(d))) ||
	    !number_may_start(s, i) || parse_run(s, len, i, &r) == -1 || r.n == 0)
		return false;
	if (currency_before(s, i) || (card_layout(&r) && !is_card(s, &r))) {
		*skip = r.end;
		return false;
	}
	for (all = r.n; r.n > 0; r.n--) {
		size_t ext, end;
		enum context ctx;

		if (r.n < all && r.sep[r.n] != ' ' && !r.paren[r.n])
			continue;
		r.end = r.gend[r.n - 1];
		r.digits = 0;
		for (int k = 0; k < r.n; k++)
			r.digits += (int)glen(&r, k);
		ext = extension_end(s, len, r.end);
		end = ext != 0 ? ext : r.end;
		ctx = ext != 0 ? CTX_OK : right_context(s, len, end);
		if (ctx == CTX_NOT) {
			/* Only the whole run can end so: a prefix ends before
			 * a space and a digit. */
			*skip = r.gend[all - 1];
			return false;
		}
		if (ctx == CTX_GLUED)
			continue;
		if (is_card(s, &r))
			span->cat = NXM_PII_FINANCIAL;
		else if (is_phone(s, &r))
			span->cat = NXM_PII_PHONE;
		else
			continue;
		span->start = i;
		span->end = end;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- scan */

void
nxm_pii_scan_init(struct nxm_pii_scan *sc, const char *s, size_t len)
{
	memset(sc, 0, sizeof(*sc));
	sc->s = s;
	sc->len = s != NULL ? len : 0;
}

/* E-mail addresses, IBANs, card and phone numbers. */
static bool
next_number_or_mail(struct nxm_pii_scan *sc, struct nxm_pii_span *span)
{
	const char *s = sc->s;
	size_t len = sc->len, limit, i, skip, n;
	int iban;

	if (sc->pos >= len)
		return false;
	if (!sc->mail_searched || (sc->has_mail && sc->mail.start < sc->pos))
		find_mail(sc);
	limit = sc->has_mail ? sc->mail.start : len;
	for (i = sc->pos; i < limit; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xc2 && (n = nxm_pii_token_len(s + i, len - i)) != 0) {
			i += n - 1;
			continue;
		}
		if (is_upper(c) && (iban = iban_at(s, limit, i, &span->end)) != 0) {
			if (iban == 1) {
				span->start = i;
				span->cat = NXM_PII_FINANCIAL;
				goto found;
			}
			/* Not an account number, nor are the digits in it
			 * phone numbers. */
			i = span->end - 1;
			continue;
		}
		if ((is_digit(c) || c == '+' || c == '(') && number_at(s, limit, i, span, &skip))
			goto found;
		if (is_digit(c) || c == '+' || c == '(')
			i = skip - 1;
	}
	if (!sc->has_mail) {
		sc->pos = len;
		return false;
	}
	*span = sc->mail;
found:
	sc->pos = span->end;
	/* The number detectors were given the next e-mail address's start
	 * as the end of the text, so their spans stop before it; once the
	 * address itself is taken, the next one is looked for. */
	if (sc->has_mail && sc->mail.start < sc->pos)
		sc->mail_searched = false;
	return true;
}

/* Those, and addresses and birth dates (pii/place.c), whichever starts
 * first. */
bool
nxm_pii_scan_next(struct nxm_pii_scan *sc, struct nxm_pii_span *span)
{
	struct nxm_pii_scan before;
	size_t from = sc->pos;
	bool found;

	if (from >= sc->len)
		return false;
	if (!sc->place_searched || (sc->has_place && sc->place.start < from)) {
		sc->has_place = nxm_pii_detect_place(sc->s, sc->len, from, &sc->place);
		sc->place_searched = true;
	}
	before = *sc;
	found = next_number_or_mail(sc, span);
	if (sc->has_place && (!found || sc->place.start < span->start)) {
		/* The other span is not taken: as if it had not been looked
		 * for. */
		*span = sc->place;
		*sc = before;
		sc->pos = span->end;
		sc->has_place = false;
		sc->place_searched = false;
		/* An address that overlapped it: looked for again from here. */
		if (sc->has_mail && sc->mail.start < sc->pos) {
			sc->mail_searched = false;
			sc->mail_from = sc->pos;
		}
		return true;
	}
	return found;
}

size_t
nxm_pii_detect(const char *s, size_t len, struct nxm_pii_span *spans, size_t max)
{
	struct nxm_pii_scan sc;
	size_t n = 0;

	nxm_pii_scan_init(&sc, s, len);
	while (n < max && nxm_pii_scan_next(&sc, &spans[n]))
		n++;
	return n;
}

bool
nxm_pii_detect_cannot_match(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_digit((unsigned char)s[i]) || s[i] == '@')
			return false;
	return true;
}
