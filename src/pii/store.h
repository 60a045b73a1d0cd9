/* The session's reverse map of personal-data tokens (table pii_tokens):
 * issuing a token for a value, as the redactor's callback, and resolving
 * tokens the assistant passes back in tool arguments. Values are sealed
 * under the session's pii_key, so the database alone reveals none. */
#ifndef NXM_PII_STORE_H
#define NXM_PII_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/app.h"
#include "nexudus/catalog.h"
#include "oauth/session.h"

struct nxm_pii_store;

/* One per request; writes happen in one transaction, committed by
 * nxm_pii_store_close. NULL on error. */
struct nxm_pii_store *nxm_pii_store_open(struct nxm_app *app, const struct nxm_session *s);
/* Commits (or rolls back when commit is false) and frees. -1 when the
 * commit failed: then the tokens issued may not resolve later. */
int nxm_pii_store_close(struct nxm_pii_store *st, bool commit);

/* The token for value (NUL-terminated, in out), issued and recorded if new.
 * Same value and category, same token, for the whole session; a token
 * already standing for another value is lengthened, never shared. Has the
 * signature of the redactor's tokenize callback (arg is the store). */
int nxm_pii_store_tokenize(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out,
                           size_t outsz);

/* Forgets which tokens this process knows are recorded (they are then
 * looked up again): after a rollback, and for tests that edit the table. */
void nxm_pii_store_forget(void);

/* Replaces, in place, every token found in the strings of v (object
 * values, array elements, at any depth; also inside longer strings) by the
 * value it stands for. -1 with a message in err when a token is not one
 * this session issued (from another session, expired, or made up): such a
 * token must never reach Nexudus. */
int nxm_pii_store_resolve_json(struct nxm_pii_store *st, json_t *v, char *err, size_t errlen);

#endif
