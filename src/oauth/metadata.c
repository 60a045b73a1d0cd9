#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "oauth/metadata.h"

/* Discovery documents change only with the configuration. */
#define METADATA_CACHE_CONTROL "public, max-age=300"

static json_t *
endpoint(const struct nxm_config *cfg, const char *suffix)
{
	struct nxm_buf url = {0};
	json_t *s = NULL;

	if (nxm_buf_puts(&url, cfg->base_url) == 0 && nxm_buf_puts(&url, suffix) == 0)
		s = json_string(url.data);
	nxm_buf_free(&url);
	return s;
}

static json_t *
scopes(void)
{
	return json_pack("[ss]", NXM_SCOPE_READ, NXM_SCOPE_WRITE);
}

json_t *
nxm_metadata_authorization_server(const struct nxm_config *cfg)
{
	json_t *auth_methods =
	        json_pack("[sss]", "none", "client_secret_basic", "client_secret_post");

	return json_pack(
	        "{s:s, s:o, s:o, s:o, s:o, s:[s], s:[s], s:[s], s:o*, s:O*, s:o*, "
	        "s:b, s:b, s:[s]}",
	        "issuer", cfg->base_url, "authorization_endpoint", endpoint(cfg, "/authorize"),
	        "token_endpoint", endpoint(cfg, "/token"), "registration_endpoint",
	        endpoint(cfg, "/register"), "revocation_endpoint", endpoint(cfg, "/revoke"),
	        "response_types_supported", "code", "grant_types_supported", "authorization_code",
	        "code_challenge_methods_supported", "S256", "token_endpoint_auth_methods_supported",
	        auth_methods, "revocation_endpoint_auth_methods_supported", auth_methods,
	        "scopes_supported", scopes(), "client_id_metadata_document_supported", 1,
	        "authorization_response_iss_parameter_supported", 1, "response_modes_supported",
	        "query");
}

json_t *
nxm_metadata_protected_resource(const struct nxm_config *cfg)
{
	return json_pack("{s:s, s:[s], s:o*, s:[s], s:s}", "resource", cfg->mcp_url,
	                 "authorization_servers", cfg->base_url, "scopes_supported", scopes(),
	                 "bearer_methods_supported", "header", "resource_name",
	                 "nexmcp: Nexudus tools for AI assistants");
}

bool
nxm_metadata_resource_ok(const struct nxm_config *cfg, const char *r)
{
	size_t n = strlen(cfg->mcp_url);

	return strncmp(r, cfg->mcp_url, n) == 0 &&
	       (r[n] == '\0' || (r[n] == '/' && r[n + 1] == '\0'));
}

char *
nxm_metadata_resource_url(const struct nxm_config *cfg)
{
	static const char suffix[] = "/.well-known/oauth-protected-resource/mcp";
	size_t n = strlen(cfg->base_url) + sizeof(suffix);
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s%s", cfg->base_url, suffix);
	return s;
}

static void
serve(struct nxm_response *resp, json_t *doc)
{
	if (doc == NULL) {
		nxm_log_err("cannot build the metadata document");
		nxm_response_error(resp, 500, "server_error", "cannot build the metadata document");
		return;
	}
	if (nxm_response_json(resp, 200, doc) == 0)
		nxm_response_set_header(resp, "Cache-Control", METADATA_CACHE_CONTROL);
}

void
nxm_metadata_handle_as(struct nxm_app *app, const struct nxm_request *req,
                       struct nxm_response *resp)
{
	serve(resp, nxm_metadata_authorization_server(&app->cfg));
}

void
nxm_metadata_handle_prm(struct nxm_app *app, const struct nxm_request *req,
                        struct nxm_response *resp)
{
	serve(resp, nxm_metadata_protected_resource(&app->cfg));
}
