#include "autoconfig.h"

#include "core/util.h"
#include "oauth/authorize.h"
#include "oauth/client.h"
#include "oauth/metadata.h"
#include "oauth/programs.h"
#include "oauth/token.h"

#define FORM_BODY_MAX 16384
#define JSON_BODY_MAX 65536

static const struct nxm_route token_routes[] = {
        {"/.well-known/oauth-authorization-server", NXM_GET, NXM_CORS_PUBLIC, 0,
         nxm_metadata_handle_as},
        {"/.well-known/openid-configuration", NXM_GET, NXM_CORS_PUBLIC, 0, nxm_metadata_handle_as},
        {"/.well-known/oauth-protected-resource", NXM_GET, NXM_CORS_PUBLIC, 0,
         nxm_metadata_handle_prm},
        {"/.well-known/oauth-protected-resource/mcp", NXM_GET, NXM_CORS_PUBLIC, 0,
         nxm_metadata_handle_prm},
        {"/register", NXM_POST, NXM_CORS_PUBLIC, JSON_BODY_MAX, nxm_client_handle_register},
        {"/token", NXM_POST, NXM_CORS_PUBLIC, FORM_BODY_MAX, nxm_token_handle},
        {"/revoke", NXM_POST, NXM_CORS_PUBLIC, FORM_BODY_MAX, nxm_revoke_handle},
};

static const struct nxm_route login_routes[] = {
        {"/authorize", NXM_GET | NXM_POST, NXM_CORS_NONE, FORM_BODY_MAX, nxm_authorize_handle},
};

const struct nxm_program nxm_token_program = {
        "nexmcp-token",
        token_routes,
        NXM_ARRAY_LEN(token_routes),
        NXM_APP_NEEDS_DB | NXM_APP_NEEDS_KEYS,
};

const struct nxm_program nxm_login_program = {
        "nexmcp-login",
        login_routes,
        NXM_ARRAY_LEN(login_routes),
        NXM_APP_NEEDS_DB | NXM_APP_NEEDS_KEYS,
};
