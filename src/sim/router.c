/* One request in, one response out: /api/token, /api/<module>/<entity>…
 * and the loopback-only /_sim/ controls. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "sim/sim.h"

void
sim_handle(struct sim *s, const struct nxm_request *req, struct nxm_response *resp, bool *drop,
           unsigned *delay_ms)
{
	char module[64], name[128];
	const char *p = req->path, *slash, *rest;
	const struct nxm_entity *e;

	*drop = false;
	*delay_ms = 0;
	nxm_response_init(resp);
	if (strncmp(p, "/_sim/", 6) == 0) {
		sim_faults_admin(s, req, resp);
		return;
	}
	if (strncmp(p, "/api/", 5) != 0) {
		sim_reply_message(resp, 404,
		                  "No HTTP resource was found that matches the request URI.");
		return;
	}
	if (sim_faults_apply(s, req, resp, drop, delay_ms))
		return;
	if (strcmp(p, "/api/token") == 0) {
		sim_auth_token(s, req, resp);
		return;
	}
	if (sim_auth_check(s, req, resp) == -1)
		return;
	p += 5;
	if ((slash = strchr(p, '/')) == NULL || (size_t)(slash - p) >= sizeof(module))
		goto not_found;
	snprintf(module, sizeof(module), "%.*s", (int)(slash - p), p);
	p = slash + 1;
	slash = strchr(p, '/');
	rest = slash != NULL ? slash + 1 : "";
	if ((size_t)((slash ? slash : p + strlen(p)) - p) >= sizeof(name))
		goto not_found;
	snprintf(name, sizeof(name), "%.*s", (int)((slash ? slash : p + strlen(p)) - p), p);
	if ((e = nxm_catalog_find_path(module, name)) == NULL || strchr(rest, '/') != NULL)
		goto not_found;
	sim_api_entity(s, e, rest, req, resp);
	return;
not_found:
	sim_reply_message(resp, 404, "No HTTP resource was found that matches the request URI.");
}
