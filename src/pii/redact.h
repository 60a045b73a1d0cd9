/* Redaction of tool results (DESIGN.md §6): every personal value in a JSON
 * result is replaced by its «PII:<CATEGORY>:<hex>» token.
 *
 * A member classified personal (nxm_pii_classify: the catalog's category
 * of the result's entity's field, a related copy such as a booking's
 * CoworkerFullName, a "…Local" twin, or default-deny for what the catalog
 * does not know in a record that holds personal data) has its whole value
 * replaced: strings, numbers (by their text), arrays element by element;
 * null, "" and booleans are kept (the catalog's personal booleans are
 * flags such as NotifyByEmail). Every other string goes through the
 * free-text detectors (pii/detect.h) and each span found is replaced.
 * Tokens already in a value are kept as they are, never tokenised again.
 *
 * Pure: the caller supplies the tokenize callback (computing the token and
 * recording it in the session's reverse map); nothing here touches the
 * database or the network. */
#ifndef NXM_PII_REDACT_H
#define NXM_PII_REDACT_H

#include <stdbool.h>
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
	size_t by_default; /* of those, members the catalog does not know */
	size_t by_category[NXM_PII_COUNT];
	/* Private: a buffer reused from string to string, and the tokens
	 * already given (the callback is asked once per distinct value). */
	struct nxm_buf scratch;
	struct nxm_pii_memo *memo;
};

void nxm_pii_redactor_init(struct nxm_pii_redactor *r, nxm_pii_tokenize_fn tokenize, void *arg);
/* Frees (after wiping) what the redactor holds; it may be initialised
 * again. Required after use: the redactor remembers the values it saw. */
void nxm_pii_redactor_clear(struct nxm_pii_redactor *r);

/* The category given to what a record member holds: NXM_PII_DEFAULT for
 * what default-deny withholds. */
#define NXM_PII_DEFAULT NXM_PII_BIO

/* The category of a member called name in a record of entity e (NULL: a
 * nested record, or an answer of our own), NXM_PII_NONE when it is free
 * text. In order: e's own field (case-insensitive, as nxm_catalog_field),
 * unless it is a copy of a personal field ("<Singular><Field>", such as a
 * booking's CoworkerFullName); the members every record carries (Id, …,
 * UpdatedBy); a "<Field>Local" twin as its Field; a copy; then, in a record
 * that holds personal data (personal, or e->personal), the category the
 * catalog gives the name elsewhere, NXM_PII_NONE when the catalog classifies
 * it only as not personal, else NXM_PII_DEFAULT with *by_default set
 * (default-deny: for strings only); outside such records, a name is
 * personal by itself only when no entity classifies it as not personal.
 * by_default may be NULL. Safe from any thread. */
enum nxm_pii nxm_pii_classify(const struct nxm_entity *e, bool personal, const char *name,
                              bool *by_default);

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
