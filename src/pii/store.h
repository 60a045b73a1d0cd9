/* The session's reverse map of personal-data tokens (table pii_tokens):
 * issuing a token for a value, as the redactor's callback, and resolving
 * tokens the assistant passes back in tool arguments. Values are sealed
 * under the session's pii_key, so the database alone reveals none.
 *
 * A store serves one request. Tokens are decided in memory: the process
 * keeps, per session, the tokens recorded so far (read from the table, a
 * session's new rows only, once the store holds the write lock), so a page
 * of new values costs no database look-up per value. The new rows are
 * written by nxm_pii_store_close, which the mcp program runs while its
 * answer is being sent (FastCGI) or before (CGI): the write lock, taken
 * before the first new token was decided, makes any request that passes
 * one of those tokens back wait for them (see
 * nxm_pii_store_resolve_json). */
#ifndef NXM_PII_STORE_H
#define NXM_PII_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/app.h"
#include "core/crypto.h"
#include "nexudus/catalog.h"
#include "oauth/session.h"

struct nxm_pii_store;

/* One per request. Copies what it needs of s (which may then be cleared).
 * NULL on error. */
struct nxm_pii_store *nxm_pii_store_open(struct nxm_app *app, const struct nxm_session *s);
struct nxm_pii_seen;
/* The request's record of the values it issued tokens for and resolved,
 * for its egress filter (pii/egress.h); NULL: none. */
void nxm_pii_store_set_seen(struct nxm_pii_store *st, struct nxm_pii_seen *seen);
/* Records the tokens issued (when commit is true) and ends the
 * transaction, then frees and wipes. -1 when recording failed: the tokens
 * issued then do not resolve (the assistant is told so when it passes one
 * back). NULL is a no-op. */
int nxm_pii_store_close(struct nxm_pii_store *st, bool commit);
/* Whether a token was refused because the session's map holds
 * pii_max_tokens already (nxm_pii_store_tokenize failed for that). */
bool nxm_pii_store_full(const struct nxm_pii_store *st);
/* The number of tokens this request issued that close will record. */
size_t nxm_pii_store_pending(const struct nxm_pii_store *st);

/* The token for value (NUL-terminated, in out). Same value and category,
 * same token, for the whole session; a token already standing for another
 * value is lengthened, never shared. Has the signature of the redactor's
 * tokenize callback (arg is the store). */
int nxm_pii_store_tokenize(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out,
                           size_t outsz);

/* s with every token in it (well-formed «PII:…» text, also inside longer
 * text) replaced by the value it stands for, in *plain (malloc'ed; free it
 * with nxm_str_free_secret). -1 with a message in err when a token is not
 * one this session issued (from another session, expired, or made up):
 * such a token must never reach Nexudus. A token not found is looked for
 * again once the write lock is free, in case the request that issued it is
 * still recording it. */
int nxm_pii_store_resolve(struct nxm_pii_store *st, const char *s, char **plain, char *err,
                          size_t errlen);

/* Calls fn(arg, seq, token, value, len) for every live row of session's
 * map past seq after, in order, with the value opened under key (wiped
 * after the call); -1 when a row does not open, the table cannot be read,
 * or fn returns -1. For the egress filter, which must know every value
 * the session has a token for. */
typedef int nxm_pii_row_fn(void *arg, int64_t seq, const char *token, const char *value,
                           size_t len);
int nxm_pii_store_rows(struct nxm_app *app, const char *session,
                       const unsigned char key[NXM_AEAD_KEYLEN], int64_t after,
                       nxm_pii_row_fn *fn, void *arg);

/* Forgets what this process knows of every session's tokens (they are then
 * read again): for tests that edit the table behind its back. */
void nxm_pii_store_forget(void);
/* How many tokens, over all sessions, the process keeps in memory (65,536
 * by default: tables of about 9 MiB at most, as they are kept at most half
 * full); a session that alone needs more is served by database look-ups.
 * For tests. */
void nxm_pii_store_set_budget(size_t tokens);

#endif
