#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "sim/httpd.h"

static const char *
find_crlfcrlf(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
		    buf[i + 3] == '\n')
			return buf + i;
	return NULL;
}

static int
parse_request_line(const char *line, size_t n, struct nxm_request *req, int *http11)
{
	const char *sp1 = memchr(line, ' ', n), *sp2, *q;
	size_t tlen;

	if (sp1 == NULL || sp1 == line || sp1 - line > 16)
		return -1;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return -1;
	if ((size_t)(line + n - sp2 - 1) != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	*http11 = sp2[8] == '1';
	for (const char *p = line; p < sp1; p++)
		if (*p < 'A' || *p > 'Z')
			return -1;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (sp1[1] != '/')
		return -1;
	for (const char *p = sp1 + 1; p < sp2; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return -1;
	q = memchr(sp1 + 1, '?', tlen);
	req->method = nxm_strndup(line, (size_t)(sp1 - line));
	req->path = nxm_strndup(sp1 + 1, q ? (size_t)(q - sp1 - 1) : tlen);
	req->query = q ? nxm_strndup(q + 1, (size_t)(sp2 - q - 1)) : strdup("");
	return (req->method && req->path && req->query) ? 0 : -1;
}

enum sim_http_parse
sim_http_parse_head(const char *buf, size_t len, struct nxm_request *req, size_t *head_len,
                    size_t *body_len, int *keep_alive)
{
	const char *end = find_crlfcrlf(buf, len), *line, *next;
	enum sim_http_parse rc = SIM_HTTP_BAD;
	int http11 = 0;
	const char *cl = NULL, *conn;

	memset(req, 0, sizeof(*req));
	*body_len = 0;
	if (end == NULL)
		return len >= SIM_HTTP_MAX_HEAD ? SIM_HTTP_TOO_LARGE : SIM_HTTP_INCOMPLETE;
	*head_len = (size_t)(end - buf) + 4;
	if (*head_len > SIM_HTTP_MAX_HEAD)
		return SIM_HTTP_TOO_LARGE;
	next = memchr(buf, '\r', (size_t)(end - buf) + 1);
	if (next == NULL || parse_request_line(buf, (size_t)(next - buf), req, &http11) == -1)
		goto fail;
	for (line = next + 2; line < end; line = next + 2) {
		const char *colon, *v, *ve;
		char *name = NULL, *value = NULL;
		int added;

		next = memchr(line, '\r', (size_t)(end - line) + 1);
		if (next == NULL || next[1] != '\n')
			goto fail;
		colon = memchr(line, ':', (size_t)(next - line));
		if (colon == NULL || colon == line)
			goto fail;
		for (const char *p = line; p < colon; p++)
			if (*p <= 0x20 || *p >= 0x7f)
				goto fail;
		for (v = colon + 1; v < next && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = next; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		for (const char *p = v; p < ve; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t')
				goto fail;
		name = nxm_strndup(line, (size_t)(colon - line));
		value = nxm_strndup(v, (size_t)(ve - v));
		/* Header names are case-insensitive; the request keeps them lower case
		 * with dashes, as the CGI adapter does. */
		for (char *p = name; p != NULL && *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		added = (name != NULL && value != NULL) ? nxm_request_add_header(req, name, value)
		                                        : -1;
		free(name);
		free(value);
		if (added == -1) {
			rc = SIM_HTTP_TOO_LARGE;
			goto fail;
		}
	}
	if (nxm_request_header(req, "transfer-encoding") != NULL) {
		rc = SIM_HTTP_UNSUPPORTED;
		goto fail;
	}
	if ((cl = nxm_request_header(req, "content-length")) != NULL) {
		const char *errstr;
		long long n = nxm_strtonum(cl, 0, SIM_HTTP_MAX_BODY, &errstr);
		if (errstr != NULL) {
			rc = strcmp(errstr, "too large") == 0 ? SIM_HTTP_TOO_LARGE : SIM_HTTP_BAD;
			goto fail;
		}
		*body_len = (size_t)n;
	}
	conn = nxm_request_header(req, "connection");
	*keep_alive = conn != NULL ? strcasecmp(conn, "close") != 0 : http11;
	return SIM_HTTP_OK;
fail:
	nxm_request_free(req);
	return rc;
}

int
sim_http_write_response(struct nxm_buf *out, const struct nxm_response *resp, int keep_alive)
{
	if (nxm_buf_printf(out, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: %s\r\n",
	                   resp->status, nxm_http_reason(resp->status), resp->body.len,
	                   keep_alive ? "keep-alive" : "close") == -1)
		return -1;
	if (nxm_response_append_headers(resp, out) == -1)
		return -1;
	if (nxm_buf_puts(out, "\r\n") == -1)
		return -1;
	return resp->body.len > 0 ? nxm_buf_append(out, resp->body.data, resp->body.len) : 0;
}
