/* The normal form in which the egress filter (pii/egress.h) compares text
 * with the session's personal values: symbols, each with the bytes it came
 * from.
 *
 *   - an ASCII letter, without case, or a digit: one symbol each; a byte of
 *     a multi-byte UTF-8 character: one symbol, by bits 1 to 4, which folds
 *     the case of most Latin, Greek and Cyrillic letters (and lets a few
 *     other letters pass for each other: more is replaced, never less);
 *   - any run of other characters (spaces, punctuation, control
 *     characters, escapes): one separator, dropped where it stands between
 *     two digits and holds only spaces, dashes, dots, slashes and brackets
 *     (so "+44 20 7946-0958" and "(020) 7946 0958" keep their digits
 *     together), and dropped at the start and the end;
 *   - a barrier, which no value spans: a «PII:…» token.
 *
 * Text is read at one or two levels. A value, a log line: as it is. The
 * content of a JSON string (escaped): its escapes are undone first (\u
 * escapes too, into UTF-8: answers are written in ASCII). At the level a
 * value is read at, a backslash with the character after it is one
 * separator: the escapes of JSON inside a string, as in a tool result's
 * text mirror, so a value and its copies at either level give the same
 * symbols. */
#ifndef NXM_PII_NORMAL_H
#define NXM_PII_NORMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexudus/catalog.h"

#define NXM_PII_SYM_SEP     0
#define NXM_PII_SYM_BARRIER 53

enum nxm_pii_sym_class {
	NXM_PII_CLASS_OTHER = 0, /* separators and barriers */
	NXM_PII_CLASS_DIGIT,
	NXM_PII_CLASS_ALPHA, /* letters and the bytes of other characters */
};

static inline enum nxm_pii_sym_class
nxm_pii_sym_class(unsigned char sym)
{
	return sym >= 1 && sym <= 10    ? NXM_PII_CLASS_DIGIT
	       : sym >= 11 && sym <= 52 ? NXM_PII_CLASS_ALPHA
	                                : NXM_PII_CLASS_OTHER;
}

/* The symbols of a text: n of them, the i-th spanning bytes [start[i],
 * end[i]) of the text. Arrays of cap entries; a text of len bytes has at
 * most len symbols. */
struct nxm_pii_syms {
	unsigned char *sym;
	uint32_t *start, *end;
	size_t n, cap;
};

/* Makes room for the symbols of a text of len bytes (len < 4 GiB). */
int nxm_pii_syms_reserve(struct nxm_pii_syms *y, size_t len);
void nxm_pii_syms_free(struct nxm_pii_syms *y);

/* The symbols of text[0..len) into y (y->n of them); escaped: the text is
 * the content of a JSON string. y must have room (nxm_pii_syms_reserve). */
void nxm_pii_normalize(const char *text, size_t len, bool escaped, struct nxm_pii_syms *y);

/* The patterns of a value, for the egress filter's matcher (pii/match.h),
 * each with id vid << 1 | 1 when it must stand where a word or number
 * starts and ends (fewer than 8 symbols), vid << 1 otherwise: its symbols
 * (split at tokens, long values in pieces of 256), a phone number's digits
 * without the country code, a birth date as a date in the usual orders and
 * spellings and a day either side. Nothing for what is too short to tell
 * from ordinary text (see pii/egress.h). value is NUL-terminated at len. */
struct nxm_pii_matcher;
int nxm_pii_patterns_add(struct nxm_pii_matcher *m, enum nxm_pii cat, const char *value,
                         size_t len, uint32_t vid);

#endif
