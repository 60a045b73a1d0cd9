#include "autoconfig.h"

#include "core/util.h"
#include "mcp/transport.h"
#include "mcp/program.h"

#define MCP_BODY_MAX 1048576

static const struct nxm_route mcp_routes[] = {
        {"/mcp", NXM_POST | NXM_GET | NXM_DELETE, NXM_CORS_ORIGIN, MCP_BODY_MAX,
         nxm_mcp_transport_handle},
};

const struct nxm_program nxm_mcp_program = {
        "nexmcp-mcp",
        mcp_routes,
        NXM_ARRAY_LEN(mcp_routes),
        NXM_APP_NEEDS_DB | NXM_APP_NEEDS_KEYS,
};
