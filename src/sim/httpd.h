/* The simulator's HTTP/1.1 front: a bounded request parser and the
 * response writer. */
#ifndef NXM_SIM_HTTPD_H
#define NXM_SIM_HTTPD_H

#include <stddef.h>

#include "core/http.h"

#define SIM_HTTP_MAX_HEAD 16384
#define SIM_HTTP_MAX_BODY 1048576

enum sim_http_parse {
	SIM_HTTP_INCOMPLETE = 1, /* need more bytes */
	SIM_HTTP_OK = 0,
	SIM_HTTP_BAD = -1,         /* 400 */
	SIM_HTTP_TOO_LARGE = -2,   /* 413 or 431 */
	SIM_HTTP_UNSUPPORTED = -3, /* chunked bodies: 411 */
};

/* Parses the head in buf[0..len). On SIM_HTTP_OK, req has method, path,
 * query and headers (no body yet), *head_len is the head's size and
 * *body_len the announced Content-Length. */
enum sim_http_parse sim_http_parse_head(const char *buf, size_t len, struct nxm_request *req,
                                        size_t *head_len, size_t *body_len, int *keep_alive);
/* "HTTP/1.1 <status> <reason>", Content-Length, Connection, headers, body. */
int sim_http_write_response(struct nxm_buf *out, const struct nxm_response *resp, int keep_alive);

#endif
