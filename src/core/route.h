/* Routing shared by the three programs: a program is a table of routes, and
 * nxm_program_serve turns a CGI environment plus a body reader into a
 * response. Method checks, 404/405, CORS preflights, origin checks, body
 * limits and the default security headers live here, once. */
#ifndef NXM_CORE_ROUTE_H
#define NXM_CORE_ROUTE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/app.h"
#include "core/http.h"

enum nxm_method {
	NXM_GET = 1u << 0,
	NXM_POST = 1u << 1,
	NXM_DELETE = 1u << 2,
	NXM_PUT = 1u << 3,
	NXM_OPTIONS = 1u << 4,
	NXM_HEAD = 1u << 5,
};

enum nxm_cors {
	NXM_CORS_NONE,   /* pages for the browser itself: no CORS headers */
	NXM_CORS_PUBLIC, /* metadata, token, register, revoke: any origin, no cookies */
	NXM_CORS_ORIGIN, /* /mcp: Origin must be allowed (DNS rebinding defence) */
};

typedef void nxm_handler(struct nxm_app *app, const struct nxm_request *req,
                         struct nxm_response *resp);

struct nxm_route {
	const char *path;
	unsigned methods; /* OPTIONS is implied; HEAD follows GET */
	enum nxm_cors cors;
	size_t max_body;
	nxm_handler *handler;
};

struct nxm_program {
	const char *name;
	const struct nxm_route *routes;
	size_t nroutes;
	unsigned needs; /* enum nxm_app_needs */
};

/* Reads up to n body bytes; returns the count, 0 at end, -1 on error. */
typedef ssize_t nxm_read_fn(void *ctx, void *buf, size_t n);

void nxm_program_serve(const struct nxm_program *prog, struct nxm_app *app, char *const *envp,
                       nxm_read_fn *read_body, void *read_ctx, struct nxm_response *resp);
/* Dispatch of an already-built request (unit tests use it directly). */
void nxm_route_dispatch(const struct nxm_program *prog, struct nxm_app *app,
                        const struct nxm_request *req, struct nxm_response *resp);
/* True when the request's Origin (if any) may call NXM_CORS_ORIGIN routes. */
bool nxm_route_origin_allowed(const struct nxm_app *app, const char *origin_header);
int nxm_method_parse(const char *s, unsigned *bit);

#endif
