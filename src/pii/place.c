/* Street addresses, post codes and written-out birth dates inside free text
 * (pii/detect.h). Only the layouts that say what they are are taken: a
 * number and capitalised words ending in a street word ("221B Baker
 * Street", "350 Broadway"), a Spanish street word, words and a number
 * ("Calle de Alcalá, 45"), each with the post code after it when one
 * follows (", London NW1 6XE", ", 28014 Madrid", ", New York, NY 10012");
 * a British post code or an American state and ZIP code anywhere; and a
 * date within a few words after a word about birth ("born", "date of
 * birth:", "nacido el"). A lone five-digit number is never a post code
 * here: it is an amount or an id far more often. */
#include "autoconfig.h"

#include <string.h>
#include <strings.h>

#include "pii/detect.h"
#include "pii/token.h"

#define WORDS_MAX  5  /* words of a street's name */
#define BIRTH_GAP  24 /* bytes between a birth word and its date */
#define CITY_WORDS 3  /* words of a city between an address and its post code */

static bool
digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
letter(unsigned char c)
{
	return upper(c) || (c >= 'a' && c <= 'z') || c >= 0x80;
}

static unsigned char
at(const char *s, size_t len, size_t i)
{
	return i < len ? (unsigned char)s[i] : 0;
}

/* Whether s[i] starts a word: nothing alphanumeric right before it. */
static bool
word_start(const char *s, size_t i)
{
	return i == 0 || !(letter((unsigned char)s[i - 1]) || digit((unsigned char)s[i - 1]));
}

static bool
word_end(const char *s, size_t len, size_t i)
{
	return i >= len || !(letter((unsigned char)s[i]) || digit((unsigned char)s[i]));
}

/* The end of the run of letters at s[i] (i when there is none). */
static size_t
letters_end(const char *s, size_t len, size_t i)
{
	while (i < len && (letter((unsigned char)s[i]) || s[i] == '\'' || s[i] == '-'))
		i++;
	return i;
}

static size_t
digits_end(const char *s, size_t len, size_t i)
{
	while (i < len && digit((unsigned char)s[i]))
		i++;
	return i;
}

static size_t
spaces_end(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

/* Whether s[i..] starts with word, ASCII case ignored (bounded by len). */
static bool
starts(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);

	return i <= len && len - i >= n && strncasecmp(s + i, word, n) == 0;
}

/* Whether s[a..b) is one of list, ASCII case ignored. */
static bool
one_of(const char *s, size_t a, size_t b, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == b - a && strncasecmp(s + a, *list, b - a) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- post codes */

static const char *const us_states[] = {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
        "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
        "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
        "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", NULL};

/* A British post code at s[i] ("EC1M 5RF", "M1 1AE"): its end, or 0. */
static size_t
uk_postcode(const char *s, size_t len, size_t i)
{
	size_t p = i, k;

	if (!word_start(s, i))
		return 0;
	for (k = 0; k < 2 && upper(at(s, len, p)); k++)
		p++;
	if (k == 0 || !digit(at(s, len, p)))
		return 0;
	p++;
	if (upper(at(s, len, p)) || digit(at(s, len, p)))
		p++;
	if (at(s, len, p) == ' ')
		p++;
	if (!digit(at(s, len, p)) || !upper(at(s, len, p + 1)) || !upper(at(s, len, p + 2)) ||
	    !word_end(s, len, p + 3))
		return 0;
	return p + 3;
}

/* An American state and ZIP code at s[i] ("NY 10012", "CA 94105-1234"). */
static size_t
us_zip(const char *s, size_t len, size_t i)
{
	size_t p;

	if (!word_start(s, i) || !upper(at(s, len, i)) || !upper(at(s, len, i + 1)) ||
	    at(s, len, i + 2) != ' ' || !one_of(s, i, i + 2, us_states))
		return 0;
	p = i + 3;
	if (digits_end(s, len, p) != p + 5)
		return 0;
	p += 5;
	if (at(s, len, p) == '-' && digits_end(s, len, p + 1) == p + 5)
		p += 5;
	return word_end(s, len, p) ? p : 0;
}

/* A five-digit post code at s[i] (Spain's, after an address). */
static size_t
five_digits(const char *s, size_t len, size_t i)
{
	return word_start(s, i) && digits_end(s, len, i) == i + 5 && word_end(s, len, i + 5)
	               ? i + 5
	               : 0;
}

/* After an address ending at e: ", [City words][,] <post code>" extends it. */
static size_t
with_postcode(const char *s, size_t len, size_t e)
{
	size_t p = e, end;

	if (at(s, len, p) == ',')
		p++;
	p = spaces_end(s, len, p);
	for (int w = 0; w <= CITY_WORDS; w++) {
		if ((end = uk_postcode(s, len, p)) != 0 || (end = us_zip(s, len, p)) != 0 ||
		    (end = five_digits(s, len, p)) != 0)
			return end;
		/* A word of the city ("London", "New York,"). */
		if (!upper(at(s, len, p)) || letters_end(s, len, p) == p)
			break;
		p = letters_end(s, len, p);
		if (at(s, len, p) == ',')
			p++;
		p = spaces_end(s, len, p);
	}
	return e;
}

/* ---------------------------------------------------------------- streets */

static const char *const street_words[] = {
        "Street", "St",      "Road",     "Rd",      "Avenue", "Ave",    "Lane",
        "Ln",     "Drive",   "Dr",       "Boulevard", "Blvd", "Way",    "Place",
        "Pl",     "Court",   "Ct",       "Square",  "Sq",     "Terrace", "Close",
        "Crescent", "Gardens", "Parkway", "Highway", "Hwy",   "Row",    "Mews",
        "Walk",   "Broadway", NULL};

static const char *const calle_words[] = {
        "Calle", "C/", "Avenida", "Avda", "Av", "Paseo", "Plaza", "Pza", "Carrera", "Camino",
        "Ronda", "Travesía", "Glorieta", "Rambla", "Carretera", "Ctra", NULL};

static const char *const joining_words[] = {"de", "del", "la", "las", "los", "el", "y", NULL};

/* Whether s[i] follows a number (or a token), a few spaces or punctuation
 * apart: the last group of a longer number ("4111 1101 1111 ST", "900 1,1
 * ST") is no house number. */
static bool
after_number(const char *s, size_t i)
{
	size_t k = i;

	while (k > 0 && i - k < 3 && strchr(" -,./", s[k - 1]) != NULL && s[k - 1] != '\0')
		k--;
	if (k == i || k == 0)
		return false;
	/* A token may stand for such a number. */
	return digit((unsigned char)s[k - 1]) ||
	       (k >= 2 && (unsigned char)s[k - 2] == 0xc2 && (unsigned char)s[k - 1] == 0xbb);
}

/* "221B Baker Street" at s[i]: its end, or 0. */
static size_t
english_street(const char *s, size_t len, size_t i)
{
	size_t p = digits_end(s, len, i), w;

	if (!word_start(s, i) || p == i || p - i > 5 || after_number(s, i))
		return 0;
	if (upper(at(s, len, p)) && word_end(s, len, p + 1))
		p++; /* 221B */
	for (int n = 0; n < WORDS_MAX; n++) {
		size_t q = spaces_end(s, len, p);
		/* Words apart: "1ST" is no street, "21st" an ordinal. */
		if (q == p || q >= len || !upper((unsigned char)s[q]) ||
		    (w = letters_end(s, len, q)) == q)
			return 0;
		p = q;
		if (!word_end(s, len, w))
			return 0;
		/* "Ave." takes its dot; "St.42" is no street. */
		if (one_of(s, p, w, street_words))
			return at(s, len, w) != '.' ? w : word_end(s, len, w + 1) ? w + 1 : 0;
		p = w;
	}
	return 0;
}

/* "Calle de Alcalá, 45" at s[i]: its end, or 0. */
static size_t
spanish_street(const char *s, size_t len, size_t i)
{
	size_t p = letters_end(s, len, i), w, words = 0;

	if (at(s, len, p) == '/' || at(s, len, p) == '.')
		p++;
	if (!word_start(s, i) || !upper(at(s, len, i)) || !one_of(s, i, p, calle_words))
		return 0;
	/* Words apart, each two letters or more: capitalised ones, and "de",
	 * "la"… between them. */
	for (int n = 0; n < WORDS_MAX + 2; n++) {
		size_t q = spaces_end(s, len, p);
		if (q >= len || (q == p && s[p - 1] != '/') || (w = letters_end(s, len, q)) < q + 2 ||
		    !word_end(s, len, w))
			break;
		if (upper((unsigned char)s[q]))
			words++;
		else if (!one_of(s, q, w, joining_words))
			break;
		p = w;
	}
	if (words == 0)
		return 0;
	if (at(s, len, p) == ',')
		p++;
	if (at(s, len, p) != ' ')
		return 0;
	p = spaces_end(s, len, p);
	if (starts(s, len, p, "n\xc2\xba"))
		p = spaces_end(s, len, p + 3);
	w = digits_end(s, len, p);
	if (w == p || w - p > 4)
		return 0;
	return word_end(s, len, w) ? w : 0;
}

/* ---------------------------------------------------------------- birth dates */

static const char *const birth_words[] = {"born", "birth", "birthday", "birthdate",
                                          "dob", "nacido", "nacida", "nacimiento",
                                          "cumpleaños", NULL};

static const char *const months[] = {
        "January", "February", "March",   "April",   "May",      "June",     "July",
        "August",  "September", "October", "November", "December", "Jan",      "Feb",
        "Mar",     "Apr",      "Jun",     "Jul",     "Aug",      "Sep",      "Sept",
        "Oct",     "Nov",      "Dec",     "enero",   "febrero",  "marzo",    "abril",
        "mayo",    "junio",    "julio",   "agosto",  "septiembre", "octubre", "noviembre",
        "diciembre", NULL};

static bool
year_at(const char *s, size_t len, size_t p)
{
	return digits_end(s, len, p) == p + 4 && (s[p] == '1' || s[p] == '2') &&
	       word_end(s, len, p + 4);
}

/* A day (1 or 2 digits, "14th") at s[p]: its end, or 0. */
static size_t
day_at(const char *s, size_t len, size_t p)
{
	size_t e = digits_end(s, len, p);

	if (e == p || e - p > 2)
		return 0;
	if (starts(s, len, e, "st") || starts(s, len, e, "nd") || starts(s, len, e, "rd") ||
	    starts(s, len, e, "th"))
		e += 2;
	return word_end(s, len, e) ? e : 0;
}

/* A date at s[p] in a way people write one: its end, or 0. */
static size_t
date_at(const char *s, size_t len, size_t p)
{
	size_t e, m;

	/* 14/03/1985, 14-03-1985, 14.03.1985, 1985-03-14 */
	if ((e = digits_end(s, len, p)) > p && e - p <= 4) {
		char sep = (char)at(s, len, e);
		size_t f = digits_end(s, len, e + 1);
		if ((sep == '/' || sep == '-' || sep == '.') && f > e + 1 && f - e - 1 <= 2 &&
		    at(s, len, f) == sep) {
			size_t g = digits_end(s, len, f + 1);
			if ((e - p <= 2 && g - f - 1 == 4) || (e - p == 4 && g - f - 1 <= 2 && g > f + 1))
				return word_end(s, len, g) ? g : 0;
		}
	}
	/* 14 March 1985, 14 de marzo de 1985 */
	if ((e = day_at(s, len, p)) != 0) {
		size_t q = spaces_end(s, len, e);
		if (starts(s, len, q, "de "))
			q += 3;
		if ((m = letters_end(s, len, q)) > q && one_of(s, q, m, months)) {
			q = spaces_end(s, len, at(s, len, m) == ',' ? m + 1 : m);
			if (starts(s, len, q, "de "))
				q += 3;
			if (year_at(s, len, q))
				return q + 4;
		}
	}
	/* March 14, 1985 */
	if ((m = letters_end(s, len, p)) > p && one_of(s, p, m, months)) {
		size_t q = spaces_end(s, len, m);
		if ((e = day_at(s, len, q)) != 0) {
			q = spaces_end(s, len, at(s, len, e) == ',' ? e + 1 : e);
			if (year_at(s, len, q))
				return q + 4;
		}
	}
	return 0;
}

/* A date within BIRTH_GAP bytes after the birth word ending at e. */
static bool
birth_date(const char *s, size_t len, size_t e, struct nxm_pii_span *span)
{
	for (size_t p = e; p < len && p - e <= BIRTH_GAP; p++) {
		size_t end;
		/* The first date after the word is the birth date: one already
		 * a token was taken. */
		if ((unsigned char)s[p] == 0xc2 && nxm_pii_token_len(s + p, len - p) > 0)
			return false;
		if (!word_start(s, p) || (end = date_at(s, len, p)) == 0)
			continue;
		span->start = p;
		span->end = end;
		span->cat = NXM_PII_DOB;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- the scan */

bool
nxm_pii_detect_place(const char *s, size_t len, size_t from, struct nxm_pii_span *span)
{
	struct nxm_pii_span birth = {0};
	bool has_birth = false;

	/* A birth word's date starts after it: an address found before that
	 * date comes first. */
	for (size_t i = from; i < len && (!has_birth || i < birth.start); i++) {
		unsigned char c = (unsigned char)s[i];
		size_t end = 0, w;

		/* A token's words ("DOB") are none of the text's. */
		if (c == 0xc2 && (w = nxm_pii_token_len(s + i, len - i)) > 0) {
			i += w - 1;
			continue;
		}
		if (!word_start(s, i))
			continue;
		if (digit(c)) {
			end = english_street(s, len, i);
			if (end != 0)
				end = with_postcode(s, len, end);
		} else if (upper(c)) {
			if ((end = spanish_street(s, len, i)) != 0)
				end = with_postcode(s, len, end);
			else if ((end = uk_postcode(s, len, i)) == 0)
				end = us_zip(s, len, i);
		}
		if (end != 0) {
			span->start = i;
			span->end = end;
			span->cat = NXM_PII_ADDRESS;
			return true;
		}
		if (!has_birth && letter(c) && (w = letters_end(s, len, i)) > i &&
		    one_of(s, i, w, birth_words) && birth_date(s, len, w, &birth))
			has_birth = true;
	}
	if (has_birth)
		*span = birth;
	return has_birth;
}
