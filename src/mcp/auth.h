/* Bearer authentication of /mcp requests and the RFC 6750 / RFC 9728
 * challenge that sends clients to the protected-resource metadata. */
#ifndef NXM_MCP_AUTH_H
#define NXM_MCP_AUTH_H

#include "core/route.h"
#include "oauth/session.h"

/* Answers 401 with WWW-Authenticate: Bearer resource_metadata="…" and, when
 * error is not NULL, error="…" and error_description="…"; 403 when error is
 * insufficient_scope. The challenge always names both scopes. */
void nxm_mcp_challenge(struct nxm_app *app, struct nxm_response *resp, const char *error,
                       const char *description);

/* Verifies the bearer token into s (cleared by the caller with
 * nxm_session_clear); on failure resp holds the 401 and -1 is returned. */
int nxm_mcp_authenticate(struct nxm_app *app, const struct nxm_request *req,
                         struct nxm_response *resp, struct nxm_session *s);

#endif
