#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/http.h"
#include "core/json.h"
#include "core/log.h"

static void
header_free(struct nxm_header *h)
{
	free(h->name);
	/* Header values include Authorization and cookies. */
	nxm_str_free_secret(h->value);
	h->name = h->value = NULL;
}

static bool
header_text_ok(const char *s, bool name)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n' || *p == 0x7f)
			return false;
		if (*p < 0x20 && *p != '\t')
			return false;
		if (name && (*p == ':' || *p == ' ' || *p == '\t' || *p >= 0x80))
			return false;
	}
	return true;
}

/* CGI names HTTP_ACCEPT_LANGUAGE become accept-language. */
static char *
cgi_to_header_name(const char *cgi, size_t n)
{
	char *s = nxm_strndup(cgi, n);

	if (s == NULL)
		return NULL;
	for (char *p = s; *p != '\0'; p++) {
		if (*p == '_')
			*p = '-';
		else if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	}
	return s;
}

int
nxm_request_add_header(struct nxm_request *req, const char *name, const char *value)
{
	struct nxm_header *h;

	if (req->nheaders >= NXM_REQ_MAX_HEADERS || strlen(value) > NXM_REQ_MAX_HEADER)
		return -1;
	h = &req->headers[req->nheaders];
	h->name = cgi_to_header_name(name, strlen(name));
	h->value = strdup(value);
	if (h->name == NULL || h->value == NULL) {
		header_free(h);
		return -1;
	}
	req->nheaders++;
	return 0;
}

const char *
nxm_request_header(const struct nxm_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (nxm_str_ieq(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

static const char *
env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

enum nxm_request_err
nxm_request_content_length(char *const *envp, size_t max, size_t *len)
{
	const char *cl = env_get(envp, "CONTENT_LENGTH"), *errstr;
	long long v;

	*len = 0;
	if (cl == NULL || *cl == '\0')
		return NXM_REQ_OK;
	v = nxm_strtonum(cl, 0, (long long)NXM_REQ_MAX_BODY, &errstr);
	if (errstr != NULL)
		return strcmp(errstr, "too large") == 0 ? NXM_REQ_TOO_LARGE : NXM_REQ_BAD;
	if ((size_t)v > max)
		return NXM_REQ_TOO_LARGE;
	*len = (size_t)v;
	return NXM_REQ_OK;
}

/* The path comes from REQUEST_URI, which both lighttpd and Apache set to what
 * the client sent, so rewrites and script aliases do not change routing. */
static enum nxm_request_err
request_path(struct nxm_request *req, char *const *envp, const char *base_path)
{
	const char *uri = env_get(envp, "REQUEST_URI"), *q;
	size_t blen = strlen(base_path), n;
	struct nxm_buf b = {0};

	if (uri != NULL) {
		if (strlen(uri) > NXM_REQ_MAX_URI)
			return NXM_REQ_TOO_MANY;
		q = strchr(uri, '?');
		n = q != NULL ? (size_t)(q - uri) : strlen(uri);
		if (nxm_buf_append(&b, uri, n) == -1)
			return NXM_REQ_NOMEM;
	} else {
		const char *sn = env_get(envp, "SCRIPT_NAME"), *pi = env_get(envp, "PATH_INFO");
		if (nxm_buf_puts(&b, sn ? sn : "") == -1 || nxm_buf_puts(&b, pi ? pi : "") == -1) {
			nxm_buf_free(&b);
			return NXM_REQ_NOMEM;
		}
	}
	if (b.len == 0 || b.data[0] != '/' ||
	    !nxm_utf8_valid_text((unsigned char *)b.data, b.len)) {
		nxm_buf_free(&b);
		return NXM_REQ_BAD;
	}
	if (blen > 0 && (strncmp(b.data, base_path, blen) != 0 ||
	                 (b.data[blen] != '/' && b.data[blen] != '\0'))) {
		nxm_buf_free(&b);
		return NXM_REQ_NOT_BELOW;
	}
	req->path = strdup(b.data[blen] == '\0' ? "/" : b.data + blen);
	nxm_buf_free(&b);
	return req->path == NULL ? NXM_REQ_NOMEM : NXM_REQ_OK;
}

enum nxm_request_err
nxm_request_from_env(struct nxm_request *req, char *const *envp, const char *base_path)
{
	const char *method = env_get(envp, "REQUEST_METHOD");
	const char *query = env_get(envp, "QUERY_STRING");
	const char *remote = env_get(envp, "REMOTE_ADDR");
	const char *ct = env_get(envp, "CONTENT_TYPE");
	enum nxm_request_err err;

	memset(req, 0, sizeof(*req));
	if (method == NULL || *method == '\0' || strlen(method) > 16)
		return NXM_REQ_BAD;
	for (const char *p = method; *p != '\0'; p++)
		if (*p < 'A' || *p > 'Z')
			return NXM_REQ_BAD;
	if ((err = request_path(req, envp, base_path)) != NXM_REQ_OK)
		goto fail;
	err = NXM_REQ_NOMEM;
	req->method = strdup(method);
	/* QUERY_STRING is what servers set; REQUEST_URI serves when it is absent. */
	if (query == NULL) {
		const char *uri = env_get(envp, "REQUEST_URI");
		const char *q = uri != NULL ? strchr(uri, '?') : NULL;
		query = q != NULL ? q + 1 : "";
	}
	req->query = strdup(query);
	req->remote_addr = strdup(remote != NULL ? remote : "");
	if (req->method == NULL || req->query == NULL || req->remote_addr == NULL)
		goto fail;
	if (strlen(req->query) > NXM_REQ_MAX_URI) {
		err = NXM_REQ_TOO_MANY;
		goto fail;
	}
	if (ct != NULL && nxm_request_add_header(req, "CONTENT_TYPE", ct) == -1) {
		err = NXM_REQ_TOO_MANY;
		goto fail;
	}
	for (char *const *e = envp; e != NULL && *e != NULL; e++) {
		const char *eq;
		char *name;
		int rc;

		if (strncmp(*e, "HTTP_", 5) != 0 || (eq = strchr(*e, '=')) == NULL || eq == *e + 5)
			continue;
		/* Apache passes the header as HTTP_AUTHORIZATION only with
		 * CGIPassAuth; both spellings end up as "authorization". */
		if ((name = nxm_strndup(*e + 5, (size_t)(eq - *e - 5))) == NULL)
			goto fail;
		rc = nxm_request_header(req, name) == NULL
		             ? nxm_request_add_header(req, name, eq + 1)
		             : 0;
		free(name);
		if (rc == -1) {
			err = NXM_REQ_TOO_MANY;
			goto fail;
		}
	}
	return NXM_REQ_OK;
fail:
	nxm_request_free(req);
	return err;
}

void
nxm_request_free(struct nxm_request *req)
{
	free(req->method);
	free(req->path);
	free(req->query);
	free(req->remote_addr);
	for (size_t i = 0; i < req->nheaders; i++)
		header_free(&req->headers[i]);
	if (req->body != NULL) {
		/* Bodies carry passwords and codes. */
		nxm_wipe(req->body, req->body_len);
		free(req->body);
	}
	memset(req, 0, sizeof(*req));
}

void
nxm_response_init(struct nxm_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
}

int
nxm_response_set_header(struct nxm_response *resp, const char *name, const char *value)
{
	struct nxm_header *h = NULL;
	char *v;

	if (!header_text_ok(name, true) || !header_text_ok(value, false) || *name == '\0') {
		nxm_log_err("refusing header %s with control characters", name);
		return -1;
	}
	for (size_t i = 0; i < resp->nheaders; i++)
		if (nxm_str_ieq(resp->headers[i].name, name))
			h = &resp->headers[i];
	if ((v = strdup(value)) == NULL)
		return -1;
	if (h != NULL) {
		nxm_str_free_secret(h->value);
		h->value = v;
		return 0;
	}
	if (resp->nheaders >= NXM_RESP_MAX_HEADERS) {
		free(v);
		nxm_log_err("too many response headers");
		return -1;
	}
	h = &resp->headers[resp->nheaders];
	if ((h->name = strdup(name)) == NULL) {
		free(v);
		return -1;
	}
	h->value = v;
	resp->nheaders++;
	return 0;
}

const char *
nxm_response_header(const struct nxm_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (nxm_str_ieq(resp->headers[i].name, name))
			return resp->headers[i].value;
	return NULL;
}

int
nxm_response_text(struct nxm_response *resp, int status, const char *content_type, const char *body)
{
	resp->status = status;
	nxm_buf_reset(&resp->body);
	if (nxm_response_set_header(resp, "Content-Type", content_type) == -1 ||
	    nxm_buf_puts(&resp->body, body) == -1)
		return -1;
	return 0;
}

int
nxm_response_json(struct nxm_response *resp, int status, json_t *body)
{
	char *s = NULL;
	int rc = -1;

	if (body == NULL) {
		nxm_log_err("no JSON value (out of memory)");
		goto out;
	}
	s = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s == NULL) {
		nxm_log_err("json_dumps failed");
		goto out;
	}
	rc = nxm_response_text(resp, status, "application/json", s);
out:
	nxm_json_free_string(s);
	json_decref(body);
	return rc;
}

int
nxm_response_error(struct nxm_response *resp, int status, const char *code, const char *description)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "error", json_string(code)) == -1 ||
	    (description != NULL &&
	     json_object_set_new(o, "error_description", json_string(description)) == -1)) {
		json_decref(o);
		return -1;
	}
	return nxm_response_json(resp, status, o);
}

const char *
nxm_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Unknown";
	}
}

int
nxm_response_append_headers(const struct nxm_response *resp, struct nxm_buf *out)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (nxm_buf_printf(out, "%s: %s\r\n", resp->headers[i].name,
		                   resp->headers[i].value) == -1)
			return -1;
	return 0;
}

int
nxm_response_serialize(const struct nxm_response *resp, struct nxm_buf *out)
{
	if (nxm_buf_printf(out, "Status: %d %s\r\n", resp->status, nxm_http_reason(resp->status)) ==
	            -1 ||
	    nxm_response_append_headers(resp, out) == -1 || nxm_buf_puts(out, "\r\n") == -1)
		return -1;
	return nxm_buf_append(out, resp->body.data != NULL ? resp->body.data : "", resp->body.len);
}

int
nxm_response_defer(struct nxm_response *resp, nxm_deferred_fn *fn, void *arg)
{
	if (resp->deferred != NULL) {
		nxm_log_err("the response already has deferred work");
		return -1;
	}
	resp->deferred = fn;
	resp->deferred_arg = arg;
	return 0;
}

void
nxm_response_run_deferred(struct nxm_response *resp)
{
	nxm_deferred_fn *fn = resp->deferred;

	resp->deferred = NULL;
	if (fn != NULL)
		fn(resp->deferred_arg);
	resp->deferred_arg = NULL;
}

void
nxm_response_take_deferred(struct nxm_response *resp, nxm_deferred_fn **fn, void **arg)
{
	*fn = resp->deferred;
	*arg = resp->deferred_arg;
	resp->deferred = NULL;
	resp->deferred_arg = NULL;
}

void
nxm_response_free(struct nxm_response *resp)
{
	nxm_response_run_deferred(resp);
	for (size_t i = 0; i < resp->nheaders; i++)
		header_free(&resp->headers[i]);
	nxm_buf_free(&resp->body);
	memset(resp, 0, sizeof(*resp));
}
