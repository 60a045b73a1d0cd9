/* Discovery documents: RFC 8414 authorization-server metadata (also served as
 * OpenID configuration) and RFC 9728 protected-resource metadata. Both are
 * built from the configuration alone. */
#ifndef NXM_OAUTH_METADATA_H
#define NXM_OAUTH_METADATA_H

#include <stdbool.h>

#include <jansson.h>

#include "core/route.h"

#define NXM_SCOPE_READ  "nexudus:read"
#define NXM_SCOPE_WRITE "nexudus:write"

json_t *nxm_metadata_authorization_server(const struct nxm_config *cfg);
json_t *nxm_metadata_protected_resource(const struct nxm_config *cfg);
/* Whether r names this server's MCP URL (RFC 8707), with or without a
 * trailing slash (DESIGN.md §4). */
bool nxm_metadata_resource_ok(const struct nxm_config *cfg, const char *r);
/* "<base>/.well-known/oauth-protected-resource/mcp" into a fresh string. */
char *nxm_metadata_resource_url(const struct nxm_config *cfg);

void nxm_metadata_handle_as(struct nxm_app *app, const struct nxm_request *req,
                            struct nxm_response *resp);
void nxm_metadata_handle_prm(struct nxm_app *app, const struct nxm_request *req,
                             struct nxm_response *resp);

#endif
