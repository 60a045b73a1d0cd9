/* Strict parsers for the request headers nexmcp acts on. Each takes the raw
 * header value and refuses anything over NXM_HEADER_MAX_LEN. */
#ifndef NXM_CORE_HEADER_H
#define NXM_CORE_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#define NXM_HEADER_MAX_LEN   4096
#define NXM_HEADER_MAX_ITEMS 32
#define NXM_BEARER_MAX_LEN   2048

enum nxm_header_err {
	NXM_HDR_OK = 0,
	NXM_HDR_ABSENT,
	NXM_HDR_TOO_LONG,
	NXM_HDR_MALFORMED,
	NXM_HDR_WRONG_SCHEME,
	NXM_HDR_NOMEM,
};

/* Authorization: Bearer <token68> (RFC 6750 §2.1). The scheme is matched
 * case-insensitively; on success token and len point into value. */
enum nxm_header_err nxm_header_bearer(const char *value, const char **token, size_t *len);

/* Authorization: Basic <base64(id:secret)> with both halves form-decoded as
 * RFC 6749 §2.3.1 requires. Caller frees both (the secret with a wipe). */
enum nxm_header_err nxm_header_basic(const char *value, char **id, char **secret);

/* True when the Accept header admits the media type (exact, type/any or any,
 * with q > 0). A missing header accepts everything. Malformed → false. */
bool nxm_header_accepts(const char *accept, const char *media_type);

/* Content-Type: splits "type/subtype; charset=x" into the lower-cased media
 * type and the charset (empty when absent). */
enum nxm_header_err nxm_header_content_type(const char *value, char *type, size_t typesz,
                                            char *charset, size_t charsetsz);
/* True when value names media_type and, if a charset is given, it is UTF-8. */
bool nxm_header_content_type_is(const char *value, const char *media_type);

/* Origin (RFC 6454): a serialised origin "scheme://host[:port]". Writes the
 * normalised form (lower case, default port dropped) into out. "null" is
 * malformed for our purposes: no allowed origin can equal it. */
enum nxm_header_err nxm_header_origin(const char *value, char *out, size_t outsz);

const char *nxm_header_strerror(enum nxm_header_err err);

#endif
