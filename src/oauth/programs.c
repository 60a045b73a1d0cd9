#include "autoconfig.h"

#include "core/util.h"
#include "oauth/authorize.h"
#include "oauth/metadata.h"
#include "oauth/programs.h"

#define FORM_BODY_MAX 16384
#define JSON_BODY_MAX 65536

/* Registration, token exchange and revocation come with the OAuth server;
 * until then they say so plainly instead of pretending. */
static void
not_available(struct nxm_app *app, const struct nxm_request *req, struct nxm_response *resp)
{
	nxm_response_error(resp, 501, "temporarily_unavailable",
	                   "this endpoint is not available in this build of nexmcp");
}

static const struct nxm_route token_routes[] = {
        {"/.well-known/oauth-authorization-server", NXM_GET, NXM_CORS_PUBLIC, 0,
         nxm_metadata_handle_as},
        {"/.well-known/openid-configuration", NXM_GET, NXM_CORS_PUBLIC, 0, nxm_metadata_handle_as},
        {"/.well-known/oauth-protected-resource", NXM_GET, NXM_CORS_PUBLIC, 0,
         nxm_metadata_handle_prm},
        {"/.well-known/oauth-protected-resource/mcp", NXM_GET, NXM_CORS_PUBLIC, 0,
         nxm_metadata_handle_prm},
        {"/register", NXM_POST, NXM_CORS_PUBLIC, JSON_BODY_MAX, not_available},
        {"/token", NXM_POST, NXM_CORS_PUBLIC, FORM_BODY_MAX, not_available},
        {"/revoke", NXM_POST, NXM_CORS_PUBLIC, FORM_BODY_MAX, not_available},
};

static const struct nxm_route login_routes[] = {
        {"/authorize", NXM_GET | NXM_POST, NXM_CORS_NONE, FORM_BODY_MAX, nxm_authorize_handle},
};

const struct nxm_program nxm_token_program = {
        "nexmcp-token",
        token_routes,
        NXM_ARRAY_LEN(token_routes),
        NXM_APP_NEEDS_DB,
};

const struct nxm_program nxm_login_program = {
        "nexmcp-login",
        login_routes,
        NXM_ARRAY_LEN(login_routes),
        NXM_APP_NEEDS_DB | NXM_APP_NEEDS_KEYS,
};
