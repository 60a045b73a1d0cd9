/* The Nexudus tools: a declarative table (name, description, input schema,
 * annotations, scope) over handlers that use the catalog and the upstream
 * client. */
#ifndef NXM_MCP_TOOLS_H
#define NXM_MCP_TOOLS_H

#include <stdbool.h>

#include <jansson.h>

#include "mcp/dispatch.h"

#define NXM_TOOLS_PAGE_MAX 100
/* In every tool result's _meta: whether personal data is replaced by tokens. */
#define NXM_META_PII_REDACTED "nexmcp/personalDataRedacted"

/* tools/list's "tools" array, in a fixed order. */
json_t *nxm_tools_list(void);
bool nxm_tool_exists(const char *name);
/* {argument: header name} of the tool's arguments marked x-mcp-header,
 * which 2026-07-28 clients mirror into Mcp-Param-<name> headers. */
json_t *nxm_tool_mirrored_args(const char *name);
/* A CallToolResult; sets ctx->http_status instead when the answer must be
 * an HTTP 401 or 403. */
json_t *nxm_tool_call(struct nxm_mcp_ctx *ctx, const char *name, json_t *args);

#endif
