/* Streamable HTTP on /mcp (revisions 2025-03-26, 2025-06-18, 2025-11-25):
 * header rules, initialize and version negotiation, Mcp-Session-Id,
 * batches where the revision has them, notifications answered with 202. */
#ifndef NXM_MCP_TRANSPORT_H
#define NXM_MCP_TRANSPORT_H

#include <stdbool.h>

#include "core/route.h"

#define NXM_MCP_LATEST_VERSION  "2025-11-25"
#define NXM_MCP_DEFAULT_VERSION "2025-03-26" /* no MCP-Protocol-Version header */

bool nxm_mcp_version_supported(const char *v);
void nxm_mcp_transport_handle(struct nxm_app *app, const struct nxm_request *req,
                              struct nxm_response *resp);

#endif
