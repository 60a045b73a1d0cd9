/* Strict decoder for application/x-www-form-urlencoded bodies and query
 * strings. OAuth forbids repeating a parameter (RFC 6749 §3.1), so a repeat
 * is an error rather than a silent last-wins. */
#ifndef NXM_CORE_FORM_H
#define NXM_CORE_FORM_H

#include <stddef.h>

#include "core/util.h"

#define NXM_FORM_MAX_LEN    65536
#define NXM_FORM_MAX_PARAMS 64
#define NXM_FORM_MAX_NAME   128

enum nxm_form_err {
	NXM_FORM_OK = 0,
	NXM_FORM_NOMEM,
	NXM_FORM_TOO_LONG,
	NXM_FORM_TOO_MANY,
	NXM_FORM_BAD_ESCAPE, /* '%' not followed by two hex digits */
	NXM_FORM_BAD_CHAR,   /* NUL, control character or invalid UTF-8 after decoding */
	NXM_FORM_EMPTY_NAME,
	NXM_FORM_DUPLICATE,
};

struct nxm_param {
	char *name;
	char *value;
};

struct nxm_params {
	struct nxm_param v[NXM_FORM_MAX_PARAMS];
	size_t n;
};

/* Decodes s[0..len). On error, *out is empty and the failing parameter's
 * name, when known, is left in err_name (truncated, never a value). */
enum nxm_form_err nxm_form_parse(const char *s, size_t len, struct nxm_params *out, char *err_name,
                                 size_t err_name_size);
const char *nxm_params_get(const struct nxm_params *p, const char *name);
/* Wipes every value: forms carry passwords. */
void nxm_params_free(struct nxm_params *p);
const char *nxm_form_strerror(enum nxm_form_err err);

/* Percent-encodes s for a query component (RFC 3986 unreserved kept). */
int nxm_form_encode(struct nxm_buf *out, const char *s);

#endif
