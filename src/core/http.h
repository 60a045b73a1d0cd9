/* The request and response values every handler works on. They know nothing
 * of FastCGI: the adapters in src/programs fill a request from the CGI
 * environment and write the response back, and unit tests build them by hand. */
#ifndef NXM_CORE_HTTP_H
#define NXM_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/util.h"

#define NXM_REQ_MAX_HEADERS  64
#define NXM_REQ_MAX_HEADER   8192 /* one header value */
#define NXM_REQ_MAX_URI      8192
#define NXM_REQ_MAX_BODY     1048576 /* hard cap; routes set lower ones */
#define NXM_RESP_MAX_HEADERS 32

struct nxm_header {
	char *name; /* lower case, '-' separated: "content-type" */
	char *value;
};

struct nxm_request {
	char *method;
	char *path;  /* below the configured base path, starts with '/' */
	char *query; /* raw query string without '?', never NULL */
	struct nxm_header headers[NXM_REQ_MAX_HEADERS];
	size_t nheaders;
	unsigned char *body;
	size_t body_len;
	char *remote_addr;
};

/* Work a handler leaves for after its response has been sent. */
typedef void nxm_deferred_fn(void *arg);

struct nxm_response {
	int status;
	struct nxm_header headers[NXM_RESP_MAX_HEADERS];
	size_t nheaders;
	struct nxm_buf body;
	nxm_deferred_fn *deferred;
	void *deferred_arg;
};

enum nxm_request_err {
	NXM_REQ_OK = 0,
	NXM_REQ_NOMEM,
	NXM_REQ_BAD,       /* malformed CGI variables: 400 */
	NXM_REQ_NOT_BELOW, /* path outside the base path: 404 */
	NXM_REQ_TOO_LARGE, /* body over the limit: 413 */
	NXM_REQ_TOO_MANY,  /* too many or too long headers: 431 */
};

/* Builds a request from a CGI environment (REQUEST_METHOD, REQUEST_URI or
 * SCRIPT_NAME+PATH_INFO, QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH, HTTP_*,
 * REMOTE_ADDR). base_path ("" or "/prefix") is stripped from the path. The
 * body is not read here; see nxm_request_content_length. */
enum nxm_request_err nxm_request_from_env(struct nxm_request *req, char *const *envp,
                                          const char *base_path);
/* Validates CONTENT_LENGTH: absent means 0; anything else must be a plain
 * decimal no greater than max. */
enum nxm_request_err nxm_request_content_length(char *const *envp, size_t max, size_t *len);
int nxm_request_add_header(struct nxm_request *req, const char *name, const char *value);
/* Case-insensitive lookup; NULL when absent. */
const char *nxm_request_header(const struct nxm_request *req, const char *name);
void nxm_request_free(struct nxm_request *req);

void nxm_response_init(struct nxm_response *resp);
/* Sets (replaces) a header. Refuses CR, LF and NUL in names and values. */
int nxm_response_set_header(struct nxm_response *resp, const char *name, const char *value);
const char *nxm_response_header(const struct nxm_response *resp, const char *name);
/* Body from a JSON value (reference stolen), Content-Type application/json. */
int nxm_response_json(struct nxm_response *resp, int status, json_t *body);
/* {"error": code, "error_description": description} with the given status. */
int nxm_response_error(struct nxm_response *resp, int status, const char *code,
                       const char *description);
int nxm_response_text(struct nxm_response *resp, int status, const char *content_type,
                      const char *body);
/* Leaves fn(arg) for the adapter: work the answer need not wait for
 * (recording what it showed). It may run while the response is being
 * sent, on another thread, and is done before the next request. One per
 * response: -1 when one is already set (fn is then not run). */
int nxm_response_defer(struct nxm_response *resp, nxm_deferred_fn *fn, void *arg);
/* Runs the deferred work, if any, once, here and now; nxm_response_free
 * does it when nobody did. */
void nxm_response_run_deferred(struct nxm_response *resp);
/* Detaches the deferred work, for the adapter to run: *fn is NULL when
 * there is none. */
void nxm_response_take_deferred(struct nxm_response *resp, nxm_deferred_fn **fn, void **arg);
/* Appends "Name: value\r\n" for every header. */
int nxm_response_append_headers(const struct nxm_response *resp, struct nxm_buf *out);
/* Writes "Status:" and headers, a blank line and the body, CGI style. */
int nxm_response_serialize(const struct nxm_response *resp, struct nxm_buf *out);
void nxm_response_free(struct nxm_response *resp);
const char *nxm_http_reason(int status);

#endif
