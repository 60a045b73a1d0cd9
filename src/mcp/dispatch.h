/* JSON-RPC 2.0 for MCP: message validation and the method table of both
 * eras (the initialize-based revisions and the stateless 2026-07-28). */
#ifndef NXM_MCP_DISPATCH_H
#define NXM_MCP_DISPATCH_H

#include <stdbool.h>

#include <jansson.h>

#include "core/app.h"
#include "core/http.h"
#include "oauth/session.h"
#include "pii/egress.h"
#include "pii/store.h"

#define NXM_JSONRPC_PARSE_ERROR      -32700
#define NXM_JSONRPC_INVALID_REQUEST  -32600
#define NXM_JSONRPC_METHOD_NOT_FOUND -32601
#define NXM_JSONRPC_INVALID_PARAMS   -32602
#define NXM_JSONRPC_INTERNAL_ERROR   -32603
/* Codes the MCP specification (2026-07-28) defines. */
#define NXM_MCP_HEADER_MISMATCH     -32020
#define NXM_MCP_UNSUPPORTED_VERSION -32022

#define NXM_MCP_META_SERVER_INFO "io.modelcontextprotocol/serverInfo"
#define NXM_MCP_INSTRUCTIONS     "Tools for the signed-in administrator's Nexudus account."
/* Tools per tools/list page: all of them today, so clients that read one
 * page see every tool; the cursor keeps the list growable. */
#define NXM_MCP_TOOLS_PAGE  64
#define NXM_MCP_LIST_TTL_MS 3600000

struct nxm_mcp_ctx {
	struct nxm_app *app;
	const struct nxm_session *session; /* the signed-in session */
	const char *protocol_version;
	bool modern; /* 2026-07-28: stateless, results carry resultType */
	/* Set by a tool when the answer must be an HTTP error rather than a
	 * result: 401 (Nexudus refused the token) or 403 (scope). */
	int http_status;
	/* The session's personal-data map for this request, opened by the
	 * first tool call; see nxm_mcp_ctx_release. */
	struct nxm_pii_store *pii;
	/* With redaction on, the values the request met, for the egress
	 * filter (pii/egress.h); NULL otherwise. */
	struct nxm_pii_seen *seen;
};

/* Ends the request's use of ctx: the tokens its tool calls issued are
 * recorded beside or after sending resp (see pii/store.h), or now when
 * resp is NULL; then -1 when recording failed (the tokens shown will not
 * resolve). */
int nxm_mcp_ctx_release(struct nxm_mcp_ctx *ctx, struct nxm_response *resp);

/* An error response for id (NULL: "id": null). */
json_t *nxm_jsonrpc_error(json_t *id, int code, const char *message);
/* Handles one message. Returns the response to send, or NULL when the
 * message is a notification or a response (nothing to answer). */
json_t *nxm_mcp_dispatch(struct nxm_mcp_ctx *ctx, json_t *msg);
/* 1 request, 0 notification or response, -1 not a valid JSON-RPC message. */
int nxm_jsonrpc_kind(json_t *msg);
/* One page of tools/list ({tools, nextCursor?}) from params.cursor; NULL
 * with *error set for a cursor we did not issue. */
json_t *nxm_mcp_tools_page(json_t *params, size_t page_size, const char **error);

#endif
