/* Personal data inside free text: e-mail addresses (EMAIL), phone numbers
 * (PHONE), IBANs and payment card numbers (FINANCIAL), street addresses
 * and post codes (ADDRESS), and birth dates written after a word about
 * birth (DOB).
 *
 * The detectors favour precision on what Nexudus text holds besides
 * personal data: dates and times (2026-11-26, 26/11/2026,
 * 2026-11-26T10:00:00Z), amounts (1,234.56, €1.200,00, 1234.50 GBP),
 * invoice numbers and ids (INV-2026-0001, 12345), decimals and years are
 * never matched, and neither is anything inside a «PII:…» token. A phone
 * number needs at least 9 digits laid out as phone numbers are; an IBAN
 * must have its country's length and a valid mod-97 check; a card number
 * 13 to 19 digits, card grouping and a valid Luhn check. An address needs
 * its street word ("221B Baker Street", "Calle de Alcalá, 45") and takes
 * the post code after it; a post code alone is taken when its layout is
 * unmistakable (British, or an American state and ZIP code); a date is a
 * birth date only a few words after "born", "birth", "DOB", "nacido"….
 *
 * Only ASCII is matched (no internationalised e-mail addresses); the input
 * may be any bytes. Nothing here allocates. */
#ifndef NXM_PII_DETECT_H
#define NXM_PII_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "nexudus/catalog.h"

struct nxm_pii_span {
	size_t start, end; /* byte offsets, end exclusive */
	enum nxm_pii cat;
};

/* A left-to-right scan of one string; the fields are private. */
struct nxm_pii_scan {
	const char *s;
	size_t len, pos;
	size_t mail_from;             /* '@' before this were looked at */
	struct nxm_pii_span mail;     /* the next e-mail address, when has_mail */
	bool has_mail, mail_searched; /* mail_searched && !has_mail: no more */
	struct nxm_pii_span place;    /* the next address or birth date, when has_place */
	bool has_place, place_searched;
};

void nxm_pii_scan_init(struct nxm_pii_scan *sc, const char *s, size_t len);
/* The next span, in order and never overlapping the previous one; false
 * at the end of the string. */
bool nxm_pii_scan_next(struct nxm_pii_scan *sc, struct nxm_pii_span *span);

/* The first address, post code or birth date at or after from (pii/place.c). */
bool nxm_pii_detect_place(const char *s, size_t len, size_t from, struct nxm_pii_span *span);

/* Up to max spans of s, in order; returns how many were stored. */
size_t nxm_pii_detect(const char *s, size_t len, struct nxm_pii_span *spans, size_t max);
/* True when s holds no byte any detector could start from (no digit, no
 * '@'): most strings, which then need no scan. */
bool nxm_pii_detect_cannot_match(const char *s, size_t len);

#endif
