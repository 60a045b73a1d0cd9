/* Streamable HTTP on /mcp. The stateless revision 2026-07-28 (per-request
 * _meta, mirrored headers, no session) and the initialize-era revisions
 * 2025-03-26, 2025-06-18, 2025-11-25 (version negotiation, Mcp-Session-Id,
 * batches where the revision has them), on one endpoint: the era is chosen
 * per request. Notifications are answered with 202. */
#ifndef NXM_MCP_TRANSPORT_H
#define NXM_MCP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/route.h"

#define NXM_MCP_LATEST_VERSION  "2025-11-25"
#define NXM_MCP_DEFAULT_VERSION "2025-03-26" /* no MCP-Protocol-Version header */

/* Every revision served, newest first (server/discover's list). */
json_t *nxm_mcp_versions_json(void);
/* A stateless revision (2026-07-28). */
bool nxm_mcp_version_modern(const char *v);
/* An initialize-era revision. */
bool nxm_mcp_version_supported(const char *v);
void nxm_mcp_transport_handle(struct nxm_app *app, const struct nxm_request *req,
                              struct nxm_response *resp);

#endif
