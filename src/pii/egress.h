/* The egress filter (DESIGN.md §6, layer 3): the last step before an answer
 * of a session with redaction on leaves /mcp. Every personal value the
 * session knows (behind any token it issued, or met in this request) is
 * replaced by its token wherever it appears in the bytes, so a new tool, a
 * new error message or a field the catalog misclassified cannot carry one
 * out.
 *
 * Values are compared in a normal form (pii/normal.h): letters without
 * case, any run of spaces and punctuation as one separator, digits joined
 * across the spaces, dashes, dots, slashes and brackets between them
 * (phone numbers, dates), JSON string escapes undone, at the two levels
 * where tool results carry text (a result's strings, and the JSON text of
 * its mirror). A phone number also matches by its digits without the
 * country code, with or without a trunk 0; a birth date as a date in the
 * usual orders and spellings and a day either side (the "…Local" shift).
 * Values of 8 symbols or more match anywhere, even inside a longer word or
 * number; shorter ones where a word or number starts and ends. Not
 * matched: values under 4 letters or digits, numbers under 6 digits, a
 * single word under 10 letters (a first name, a city, a plan's name: the
 * words of ordinary text too), and addresses and financial values without
 * a digit (place and bank names, which name locations and companies too).
 *
 * The values are read from the session's map (pii_tokens, opened with its
 * key) and kept per process for a few sessions, as patterns of a
 * multi-pattern matcher (pii/match.h) whose cost grows with the answer's
 * size, not with the number of values. */
#ifndef NXM_PII_EGRESS_H
#define NXM_PII_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/crypto.h"
#include "core/util.h"
#include "nexudus/catalog.h"

/* The values one request met that the session's map may not hold yet:
 * those it issued tokens for (recorded after the answer) and those it
 * resolved. */
struct nxm_pii_seen;

struct nxm_pii_seen *nxm_pii_seen_new(void);
/* Wipes and frees; NULL is a no-op. */
void nxm_pii_seen_free(struct nxm_pii_seen *seen);
/* NULL seen is a no-op. */
int nxm_pii_seen_add(struct nxm_pii_seen *seen, enum nxm_pii cat, const char *value, size_t len,
                     const char *token);

/* Whose answer it is: the session's id and the key of its map. */
struct nxm_pii_egress_session {
	const char *id;
	const unsigned char *key; /* NXM_AEAD_KEYLEN bytes */
};

/* Replaces, in body (a JSON text), every value the session knows by its
 * token. -1 when that could not be done (the map could not be read, no
 * memory): the body must then not be sent. With app NULL the session's map
 * is not read: only what the process holds and seen count (tests). */
int nxm_pii_egress_filter(struct nxm_app *app, const struct nxm_pii_egress_session *s,
                          const struct nxm_pii_seen *seen, struct nxm_buf *body);
/* The same over plain text (a log line): out gets text with the values
 * replaced. Uses the values this process already holds for the session
 * and seen, without reading the map. */
int nxm_pii_egress_text(const struct nxm_pii_egress_session *s, const struct nxm_pii_seen *seen,
                        const char *text, size_t len, struct nxm_buf *out);

/* For the session's map (pii/store.c), once it has recorded rows base + 1
 * … base + n for the tokens listed (NUL-terminated, back to back): when
 * this process holds the session's values up to row base (_expects) and
 * these already, it need not read those rows back. */
bool nxm_pii_egress_expects(const char *session, int64_t base);
void nxm_pii_egress_recorded(const char *session, int64_t base, const char *tokens, size_t n);

/* Forgets every session's values (tests); and the budget, in symbols of
 * patterns over all sessions, past which a session's values are not kept
 * between requests (they are then read again for each answer). */
void nxm_pii_egress_forget(void);
void nxm_pii_egress_set_budget(size_t symbols);

#endif
