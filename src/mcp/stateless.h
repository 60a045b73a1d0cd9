/* Request rules of the stateless revision (2026-07-28): the per-request
 * _meta fields and the HTTP headers that mirror the body (MCP-Protocol-
 * Version, Mcp-Method, Mcp-Name, Mcp-Param-*), so that a proxy routing on
 * a header and this server acting on the body cannot disagree. */
#ifndef NXM_MCP_STATELESS_H
#define NXM_MCP_STATELESS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/http.h"

#define NXM_MCP_META_VERSION      "io.modelcontextprotocol/protocolVersion"
#define NXM_MCP_META_CAPABILITIES "io.modelcontextprotocol/clientCapabilities"
#define NXM_MCP_META_CLIENT_INFO  "io.modelcontextprotocol/clientInfo"

/* The version a request asks for in params._meta, or NULL. */
const char *nxm_mcp_meta_version(json_t *msg);
/* Checks a request (kind 1) against the rules. Returns NULL when it may be
 * dispatched, else the JSON-RPC error to send with *status (400). */
json_t *nxm_mcp_stateless_check(const struct nxm_request *req, json_t *msg, int *status);
/* An Mcp-Name / Mcp-Param-* value as the body value it stands for: OWS
 * trimmed, the =?base64?…?= form decoded strictly. -1 when the value holds
 * characters a header may not carry or is not valid base64. */
int nxm_mcp_header_decode(const char *value, char *out, size_t outsz);

#endif
