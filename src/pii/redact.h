/* Redaction of tool results (DESIGN.md §6): every personal value in a JSON
 * result is replaced by its «PII:<CATEGORY>:<hex>» token.
 *
 * A member whose name is a field with a pii category (looked up in the
 * result's entity, else among every catalog field with one, so that nested
 * records and related copies such as a booking's CoworkerFullName are
 * caught) has its whole value replaced: strings, numbers (by their text),
 * arrays element by element; null, "" and booleans are kept (the catalog's
 * personal booleans are flags such as NotifyByEmail). Every other string goes through
 * the free-text detectors (pii/detect.h) and each span found is replaced.
 * Tokens already in a value are kept as they are, never tokenised again.
 *
 * Pure: the caller supplies the tokenize callback (computing the token and
 * recording it in the session's reverse map); nothing here touches the
 * database or the network. */
#ifndef NXM_PII_REDACT_H
#define NXM_PII_REDACT_H

#include <stddef.h>

#include <jansson.h>

#include "core/util.h"
#include "nexudus/catalog.h"
#include "pii/token.h"

/* Writes the NUL-terminated token of value[0..len) in category cat into
 * out[0..outsz) (outsz is NXM_PII_TOKEN_MAX); 0 or -1. The value is not
 * NUL-terminated. A redactor calls it once per distinct value (and
 * category): it must give a value the same token every time. */
typedef int (*nxm_pii_tokenize_fn)(void *arg, enum nxm_pii cat, const char *value, size_t len,
                                   char *out, size_t outsz);

struct nxm_pii_memo;

struct nxm_pii_redactor {
	nxm_pii_tokenize_fn tokenize;
	void *arg;
	/* Counts since init, for logs and tests. */
	size_t values; /* whole values replaced because of their field */
	size_t spans;  /* spans replaced inside free text */
	size_t by_category[NXM_PII_BIO + 1];
	/* Private: a buffer reused from string to string, and the tokens
	 * already given (the callback is asked once per distinct value). */
	struct nxm_buf scratch;
	struct nxm_pii_memo *memo;
};

void nxm_pii_redactor_init(struct nxm_pii_redactor *r, nxm_pii_tokenize_fn tokenize, void *arg);
/* Frees (after wiping) what the redactor holds; it may be initialised
 * again. Required after use: the redactor remembers the values it saw. */
void nxm_pii_redactor_clear(struct nxm_pii_redactor *r);

/* The category of a member called name: e's field of that name when e has
 * one (case-insensitive, as nxm_catalog_field), else the category any
 * catalog entity gives a field of that name (the first in catalog order),
 * else NXM_PII_NONE. e may be NULL. Safe from any thread. */
enum nxm_pii nxm_pii_field_category(const struct nxm_entity *e, const char *name);

/* Redacts v in place. e (may be NULL) is the entity of the records in v: v
 * itself, the elements of an array v, or the records of a Nexudus envelope
 * ({"Records": [...]}, or a mutation's {"Value": {...}, "WasSuccessful":
 * ...}); anything nested deeper is looked up by name only. -1 when the
 * callback fails or memory runs out: v is then partly redacted and must
 * not be shown. */
int nxm_pii_redact_json(const struct nxm_entity *e, json_t *v, struct nxm_pii_redactor *r);

/* Appends in[0..len) to out with each personal value the detectors find
 * replaced by its token. */
int nxm_pii_redact_text(const char *in, size_t len, struct nxm_buf *out,
                        struct nxm_pii_redactor *r);

#endif
