#include "autoconfig.h"

#include <string.h>

#include "core/crypto.h"
#include "core/log.h"
#include "core/util.h"
#include "mcp/dispatch.h"
#include "mcp/tools.h"
#include "mcp/transport.h"

json_t *
nxm_jsonrpc_error(json_t *id, int code, const char *message)
{
	return json_pack("{s:s, s:O?, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
	                 "error", "code", code, "message", message);
}

static void
record_tokens(void *store)
{
	nxm_pii_store_close(store, true);
}

int
nxm_mcp_ctx_release(struct nxm_mcp_ctx *ctx, struct nxm_response *resp)
{
	int rc = 0;

	/* The record of what the request met ends with the request; the
	 * store, closed after it, must not reach it. */
	if (ctx->pii != NULL)
		nxm_pii_store_set_seen(ctx->pii, NULL);
	/* Recording a page of new tokens costs more than redacting it, and
	 * the answer does not need it: the store holds the write lock until
	 * it is done, which is what a request passing those tokens back
	 * waits for. */
	if (ctx->pii != NULL &&
	    (resp == NULL || nxm_response_defer(resp, record_tokens, ctx->pii) == -1))
		rc = nxm_pii_store_close(ctx->pii, true);
	ctx->pii = NULL;
	return rc;
}

static json_t *
server_info(void)
{
	return json_pack("{s:s, s:s, s:s}", "name", "nexmcp", "title", "Nexudus (nexmcp)",
	                 "version", PACKAGE_VERSION);
}

/* 2026-07-28 results say they are complete (no multi-round trip here) and
 * name the server, since no initialize told the client who we are. */
static json_t *
result(const struct nxm_mcp_ctx *ctx, json_t *id, json_t *res)
{
	json_t *meta;

	if (res == NULL)
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INTERNAL_ERROR, "out of memory");
	if (ctx->modern) {
		if ((meta = json_object_get(res, "_meta")) == NULL) {
			meta = json_object();
			json_object_set_new(res, "_meta", meta);
		}
		if (json_object_set_new(res, "resultType", json_string("complete")) == -1 ||
		    !json_is_object(meta) ||
		    json_object_set_new(meta, NXM_MCP_META_SERVER_INFO, server_info()) == -1) {
			json_decref(res);
			return nxm_jsonrpc_error(id, NXM_JSONRPC_INTERNAL_ERROR, "out of memory");
		}
	}
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", res);
}

/* Caching hints (2026-07-28): the tool list and the server's description
 * are the same for every user and change only with an upgrade. */
static json_t *
cacheable(const struct nxm_mcp_ctx *ctx, json_t *res)
{
	if (res != NULL && ctx->modern &&
	    (json_object_set_new(res, "ttlMs", json_integer(NXM_MCP_LIST_TTL_MS)) == -1 ||
	     json_object_set_new(res, "cacheScope", json_string("public")) == -1)) {
		json_decref(res);
		return NULL;
	}
	return res;
}

int
nxm_jsonrpc_kind(json_t *msg)
{
	json_t *v = json_object_get(msg, "jsonrpc"), *id = json_object_get(msg, "id");
	json_t *method = json_object_get(msg, "method"), *params = json_object_get(msg, "params");

	if (!json_is_object(msg) || !json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
		return -1;
	/* MCP ids are strings or integers, never null. */
	if (id != NULL && !json_is_string(id) && !json_is_integer(id))
		return -1;
	if (method == NULL)
		return (id != NULL &&
		        (json_object_get(msg, "result") || json_object_get(msg, "error")))
		               ? 0
		               : -1;
	if (!json_is_string(method) || (params != NULL && !json_is_object(params)))
		return -1;
	return id != NULL ? 1 : 0;
}

static const char *const log_levels[] = {"debug", "info",     "notice", "warning",
                                         "error", "critical", "alert",  "emergency"};

static json_t *
set_level(const struct nxm_mcp_ctx *ctx, json_t *id, json_t *params)
{
	const char *level = json_string_value(json_object_get(params, "level"));

	for (size_t i = 0; level != NULL && i < NXM_ARRAY_LEN(log_levels); i++)
		if (strcmp(level, log_levels[i]) == 0)
			return result(ctx, id, json_object());
	return nxm_jsonrpc_error(
	        id, NXM_JSONRPC_INVALID_PARAMS,
	        "level must be one of debug, info, notice, warning, error, critical, "
	        "alert, emergency");
}

/* A cursor is the base64url of "tools:<offset>": opaque to clients, and one
 * we never issued does not decode to an offset inside the list. */
static int
cursor_encode(size_t offset, char *out, size_t outsz)
{
	char raw[32];
	int n = snprintf(raw, sizeof(raw), "tools:%zu", offset);

	return n < 0 || (size_t)n >= sizeof(raw) ? -1
	                                         : nxm_b64url_encode(raw, (size_t)n, out, outsz);
}

static int
cursor_decode(const char *cursor, size_t total, size_t *offset)
{
	char raw[32];
	const char *errstr = NULL;
	size_t len;
	long long v;

	if (strlen(cursor) > 40 ||
	    nxm_b64url_decode(cursor, strlen(cursor), raw, sizeof(raw) - 1, &len) == -1)
		return -1;
	raw[len] = '\0';
	if (strncmp(raw, "tools:", 6) != 0)
		return -1;
	v = nxm_strtonum(raw + 6, 1, (long long)total - 1, &errstr);
	if (errstr != NULL)
		return -1;
	*offset = (size_t)v;
	return 0;
}

json_t *
nxm_mcp_tools_page(json_t *params, size_t page_size, const char **error)
{
	json_t *cursor = json_object_get(params, "cursor"), *all, *page = NULL, *res;
	size_t offset = 0, total;
	char next[64];

	*error = "cannot list the tools";
	if ((all = nxm_tools_list()) == NULL)
		return NULL;
	total = json_array_size(all);
	if (cursor != NULL && !json_is_null(cursor) &&
	    (!json_is_string(cursor) ||
	     cursor_decode(json_string_value(cursor), total, &offset) == -1)) {
		*error = "invalid cursor: pass back a nextCursor from tools/list, or none";
		goto fail;
	}
	if ((page = json_array()) == NULL)
		goto fail;
	for (size_t i = offset; i < total && i < offset + page_size; i++)
		if (json_array_append(page, json_array_get(all, i)) == -1)
			goto fail;
	if ((res = json_pack("{s:o}", "tools", page)) == NULL) {
		page = NULL;
		goto fail;
	}
	page = NULL;
	if (offset + page_size < total &&
	    (cursor_encode(offset + page_size, next, sizeof(next)) == -1 ||
	     json_object_set_new(res, "nextCursor", json_string(next)) == -1)) {
		json_decref(res);
		goto fail;
	}
	json_decref(all);
	return res;
fail:
	json_decref(page);
	json_decref(all);
	return NULL;
}

static json_t *
tools_list(const struct nxm_mcp_ctx *ctx, json_t *id, json_t *params)
{
	const char *error;
	json_t *res = nxm_mcp_tools_page(params, NXM_MCP_TOOLS_PAGE, &error);

	if (res == NULL)
		return nxm_jsonrpc_error(id,
		                         json_object_get(params, "cursor") != NULL
		                                 ? NXM_JSONRPC_INVALID_PARAMS
		                                 : NXM_JSONRPC_INTERNAL_ERROR,
		                         error);
	return result(ctx, id, cacheable(ctx, res));
}

static json_t *
discover(const struct nxm_mcp_ctx *ctx, json_t *id)
{
	json_t *versions = nxm_mcp_versions_json();

	return result(ctx, id,
	              cacheable(ctx, json_pack("{s:o, s:{s:{s:b}}, s:s}", "supportedVersions",
	                                       versions, "capabilities", "tools", "listChanged", 0,
	                                       "instructions", NXM_MCP_INSTRUCTIONS)));
}

static json_t *
tools_call(struct nxm_mcp_ctx *ctx, json_t *id, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *args = json_object_get(params, "arguments"), *res;

	if (name == NULL || (args != NULL && !json_is_object(args)))
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_PARAMS,
		                         "tools/call needs name and an arguments object");
	if (!nxm_tool_exists(name))
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_PARAMS, "unknown tool");
	res = nxm_tool_call(ctx, name, args);
	if (ctx->http_status != 0) {
		json_decref(res);
		return NULL;
	}
	if (res == NULL)
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INTERNAL_ERROR, "the tool failed");
	return result(ctx, id, res);
}

/* Methods of the legacy revisions that 2026-07-28 removed. */
static json_t *
legacy_only(struct nxm_mcp_ctx *ctx, json_t *id, const char *method, json_t *params)
{
	if (strcmp(method, "ping") == 0)
		return result(ctx, id, json_object());
	if (strcmp(method, "logging/setLevel") == 0)
		return set_level(ctx, id, params);
	if (strcmp(method, "initialize") == 0)
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_REQUEST,
		                         "this MCP session is already initialized");
	return nxm_jsonrpc_error(id, NXM_JSONRPC_METHOD_NOT_FOUND, "method not found");
}

json_t *
nxm_mcp_dispatch(struct nxm_mcp_ctx *ctx, json_t *msg)
{
	json_t *id = json_object_get(msg, "id"), *params = json_object_get(msg, "params");
	const char *method;
	int kind = nxm_jsonrpc_kind(msg);

	if (kind == -1)
		return nxm_jsonrpc_error(json_is_string(id) || json_is_integer(id) ? id : NULL,
		                         NXM_JSONRPC_INVALID_REQUEST,
		                         "not a valid JSON-RPC 2.0 message");
	if (kind == 0)
		return NULL;
	method = json_string_value(json_object_get(msg, "method"));
	if (strcmp(method, "tools/list") == 0)
		return tools_list(ctx, id, params);
	if (strcmp(method, "tools/call") == 0)
		return tools_call(ctx, id, params);
	if (ctx->modern) {
		if (strcmp(method, "server/discover") == 0)
			return discover(ctx, id);
		nxm_log_debug("unknown method %.64s", method);
		return nxm_jsonrpc_error(id, NXM_JSONRPC_METHOD_NOT_FOUND, "method not found");
	}
	return legacy_only(ctx, id, method, params);
}
