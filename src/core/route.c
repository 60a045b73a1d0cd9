#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/header.h"
#include "core/log.h"
#include "core/route.h"

#define CORS_ALLOW_HEADERS                                                                         \
	"Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, "              \
	"Mcp-Method, Mcp-Name, Mcp-Param-Entity, Last-Event-ID"
#define CORS_EXPOSE_HEADERS "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate"
#define CORS_MAX_AGE        "600"

static const struct {
	const char *name;
	unsigned bit;
} methods[] = {
        {"GET", NXM_GET}, {"HEAD", NXM_HEAD},     {"POST", NXM_POST},
        {"PUT", NXM_PUT}, {"DELETE", NXM_DELETE}, {"OPTIONS", NXM_OPTIONS},
};

int
nxm_method_parse(const char *s, unsigned *bit)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(methods); i++) {
		if (strcmp(s, methods[i].name) == 0) {
			*bit = methods[i].bit;
			return 0;
		}
	}
	return -1;
}

static unsigned
route_methods(const struct nxm_route *r)
{
	unsigned m = r->methods | NXM_OPTIONS;

	if (m & NXM_GET)
		m |= NXM_HEAD;
	return m;
}

static int
allow_list(unsigned m, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NXM_ARRAY_LEN(methods); i++) {
		int n;
		if (!(m & methods[i].bit))
			continue;
		n = snprintf(out + o, outsz - o, "%s%s", o ? ", " : "", methods[i].name);
		if (n < 0 || (size_t)n >= outsz - o)
			return -1;
		o += (size_t)n;
	}
	return 0;
}

static bool
method_allowed(const struct nxm_route *r, const char *method)
{
	unsigned m = 0;

	return nxm_method_parse(method, &m) == 0 && (route_methods(r) & m) != 0;
}

static const struct nxm_route *
route_find(const struct nxm_program *prog, const char *path)
{
	for (size_t i = 0; i < prog->nroutes; i++)
		if (strcmp(prog->routes[i].path, path) == 0)
			return &prog->routes[i];
	return NULL;
}

bool
nxm_route_origin_allowed(const struct nxm_app *app, const char *origin_header)
{
	char origin[512];

	if (origin_header == NULL)
		return true; /* not a browser: nothing to rebind */
	if (nxm_header_origin(origin_header, origin, sizeof(origin)) != NXM_HDR_OK)
		return false;
	if (app->cfg.allow_any_origin || strcmp(app->cfg.base_origin, origin) == 0)
		return true;
	for (size_t i = 0; i < app->cfg.n_allowed_origins; i++)
		if (strcmp(app->cfg.allowed_origins[i], origin) == 0)
			return true;
	return false;
}

static int
set_cors(const struct nxm_route *r, struct nxm_app *app, const struct nxm_request *req,
         struct nxm_response *resp)
{
	const char *origin = nxm_request_header(req, "origin");

	switch (r->cors) {
	case NXM_CORS_NONE:
		return 0;
	case NXM_CORS_PUBLIC:
		return nxm_response_set_header(resp, "Access-Control-Allow-Origin", "*") == -1 ||
		                       nxm_response_set_header(resp,
		                                               "Access-Control-Expose-Headers",
		                                               CORS_EXPOSE_HEADERS) == -1
		               ? -1
		               : 0;
	case NXM_CORS_ORIGIN:
		if (origin == NULL || !nxm_route_origin_allowed(app, origin))
			return nxm_response_set_header(resp, "Vary", "Origin");
		return nxm_response_set_header(resp, "Access-Control-Allow-Origin", origin) == -1 ||
		                       nxm_response_set_header(resp, "Vary", "Origin") == -1 ||
		                       nxm_response_set_header(resp,
		                                               "Access-Control-Expose-Headers",
		                                               CORS_EXPOSE_HEADERS) == -1
		               ? -1
		               : 0;
	}
	return -1;
}

static void
preflight(const struct nxm_route *r, struct nxm_response *resp)
{
	char allow[128];

	if (allow_list(route_methods(r), allow, sizeof(allow)) == -1 ||
	    nxm_response_set_header(resp, "Access-Control-Allow-Methods", allow) == -1 ||
	    nxm_response_set_header(resp, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS) ==
	            -1 ||
	    nxm_response_set_header(resp, "Access-Control-Max-Age", CORS_MAX_AGE) == -1 ||
	    nxm_response_set_header(resp, "Allow", allow) == -1) {
		nxm_response_error(resp, 500, "server_error", "cannot build the preflight answer");
		return;
	}
	resp->status = 204;
	nxm_buf_reset(&resp->body);
}

void
nxm_route_dispatch(const struct nxm_program *prog, struct nxm_app *app,
                   const struct nxm_request *req, struct nxm_response *resp)
{
	const struct nxm_route *r = route_find(prog, req->path);
	char msg[256], allow[128];
	unsigned m = 0;

	if (r == NULL) {
		nxm_response_error(resp, 404, "not_found", "no such endpoint");
		return;
	}
	if (!method_allowed(r, req->method)) {
		snprintf(msg, sizeof(msg), "%s does not accept this method", r->path);
		if (allow_list(route_methods(r), allow, sizeof(allow)) == 0)
			nxm_response_set_header(resp, "Allow", allow);
		nxm_response_error(resp, 405, "method_not_allowed", msg);
		set_cors(r, app, req, resp);
		return;
	}
	if (r->cors == NXM_CORS_ORIGIN &&
	    !nxm_route_origin_allowed(app, nxm_request_header(req, "origin"))) {
		nxm_log_info("refused origin on %s", r->path);
		nxm_response_error(
		        resp, 403, "forbidden_origin",
		        "this Origin is not allowed; add it to allowed_origins in nexmcp.conf");
		return;
	}
	if (nxm_method_parse(req->method, &m) == 0 && m == NXM_OPTIONS)
		preflight(r, resp);
	else
		r->handler(app, req, resp);
	if (set_cors(r, app, req, resp) == -1)
		nxm_response_error(resp, 500, "server_error", "cannot build the CORS headers");
}

static int
read_body(struct nxm_request *req, size_t len, nxm_read_fn *fn, void *ctx)
{
	size_t got = 0;

	if (len == 0)
		return 0;
	if ((req->body = malloc(len + 1)) == NULL)
		return -1;
	while (got < len) {
		ssize_t n = fn(ctx, req->body + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	req->body[len] = '\0';
	req->body_len = len;
	return 0;
}

static void
default_headers(struct nxm_response *resp)
{
	if (nxm_response_header(resp, "Cache-Control") == NULL)
		nxm_response_set_header(resp, "Cache-Control", "no-store");
	nxm_response_set_header(resp, "X-Content-Type-Options", "nosniff");
	nxm_response_set_header(resp, "Referrer-Policy", "no-referrer");
}

void
nxm_program_serve(const struct nxm_program *prog, struct nxm_app *app, char *const *envp,
                  nxm_read_fn *fn, void *ctx, struct nxm_response *resp)
{
	struct nxm_request req;
	const struct nxm_route *r;
	enum nxm_request_err err;
	size_t len = 0;

	memset(&req, 0, sizeof(req));
	nxm_response_init(resp);
	if (!app->ready) {
		nxm_log_err("%s: not ready: %s", prog->name, app->error);
		nxm_response_error(resp, 503, "temporarily_unavailable",
		                   "nexmcp is not configured correctly; the server log says why");
		goto out;
	}
	err = nxm_request_from_env(&req, envp, app->cfg.base_path);
	switch (err) {
	case NXM_REQ_OK:
		break;
	case NXM_REQ_NOMEM:
		nxm_response_error(resp, 500, "server_error", "out of memory");
		goto out;
	case NXM_REQ_BAD:
		nxm_response_error(resp, 400, "invalid_request", "malformed request");
		goto out;
	case NXM_REQ_NOT_BELOW:
		nxm_response_error(resp, 404, "not_found", "no such endpoint");
		goto out;
	case NXM_REQ_TOO_LARGE:
		nxm_response_error(resp, 413, "invalid_request", "request body too large");
		goto out;
	case NXM_REQ_TOO_MANY:
		nxm_response_error(resp, 431, "invalid_request", "request headers too large");
		goto out;
	}
	r = route_find(prog, req.path);
	if (r == NULL || !method_allowed(r, req.method) ||
	    (r->cors == NXM_CORS_ORIGIN &&
	     !nxm_route_origin_allowed(app, nxm_request_header(&req, "origin")))) {
		/* 404, 405 and a refused Origin are decided without reading the body. */
		nxm_route_dispatch(prog, app, &req, resp);
		goto out;
	}
	err = nxm_request_content_length(envp, r->max_body, &len);
	if (err == NXM_REQ_TOO_LARGE) {
		nxm_response_error(resp, 413, "invalid_request", "request body too large");
		goto out;
	}
	if (err != NXM_REQ_OK) {
		nxm_response_error(resp, 400, "invalid_request", "malformed Content-Length");
		goto out;
	}
	if (read_body(&req, len, fn, ctx) == -1) {
		nxm_log_warn("%s: short request body", prog->name);
		nxm_response_error(resp, 400, "invalid_request",
		                   "request body shorter than announced");
		goto out;
	}
	nxm_route_dispatch(prog, app, &req, resp);
	if (strcmp(req.method, "HEAD") == 0)
		nxm_buf_reset(&resp->body);
out:
	default_headers(resp);
	nxm_request_free(&req);
}
