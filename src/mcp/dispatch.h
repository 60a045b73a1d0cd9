/* JSON-RPC 2.0 for MCP: message validation and the method table. */
#ifndef NXM_MCP_DISPATCH_H
#define NXM_MCP_DISPATCH_H

#include <jansson.h>

#include "core/app.h"
#include "oauth/session.h"

#define NXM_JSONRPC_PARSE_ERROR      -32700
#define NXM_JSONRPC_INVALID_REQUEST  -32600
#define NXM_JSONRPC_METHOD_NOT_FOUND -32601
#define NXM_JSONRPC_INVALID_PARAMS   -32602
#define NXM_JSONRPC_INTERNAL_ERROR   -32603

struct nxm_mcp_ctx {
	struct nxm_app *app;
	const struct nxm_session *session; /* the signed-in session */
	const char *protocol_version;
	/* Set by a tool when the answer must be an HTTP error rather than a
	 * result: 401 (Nexudus refused the token) or 403 (scope). */
	int http_status;
};

/* An error response for id (NULL: "id": null). */
json_t *nxm_jsonrpc_error(json_t *id, int code, const char *message);
/* Handles one message. Returns the response to send, or NULL when the
 * message is a notification or a response (nothing to answer). */
json_t *nxm_mcp_dispatch(struct nxm_mcp_ctx *ctx, json_t *msg);
/* 1 request, 0 notification or response, -1 not a valid JSON-RPC message. */
int nxm_jsonrpc_kind(json_t *msg);

#endif
