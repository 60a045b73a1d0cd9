#include "autoconfig.h"

#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "mcp/dispatch.h"
#include "mcp/tools.h"

json_t *
nxm_jsonrpc_error(json_t *id, int code, const char *message)
{
	return json_pack("{s:s, s:O?, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
	                 "error", "code", code, "message", message);
}

static json_t *
result(json_t *id, json_t *res)
{
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", res);
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
set_level(json_t *id, json_t *params)
{
	const char *level = json_string_value(json_object_get(params, "level"));

	for (size_t i = 0; level != NULL && i < NXM_ARRAY_LEN(log_levels); i++)
		if (strcmp(level, log_levels[i]) == 0)
			return result(id, json_object());
	return nxm_jsonrpc_error(
	        id, NXM_JSONRPC_INVALID_PARAMS,
	        "level must be one of debug, info, notice, warning, error, critical, "
	        "alert, emergency");
}

/* All tools fit one page; a cursor we never issued is refused. */
static json_t *
tools_list(json_t *id, json_t *params)
{
	json_t *cursor = json_object_get(params, "cursor"), *tools;

	if (cursor != NULL && !json_is_null(cursor))
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_PARAMS, "unknown cursor");
	if ((tools = nxm_tools_list()) == NULL)
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INTERNAL_ERROR, "cannot list the tools");
	return result(id, json_pack("{s:o}", "tools", tools));
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
	return result(id, res);
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
	if (strcmp(method, "ping") == 0)
		return result(id, json_object());
	if (strcmp(method, "tools/list") == 0)
		return tools_list(id, params);
	if (strcmp(method, "tools/call") == 0)
		return tools_call(ctx, id, params);
	if (strcmp(method, "logging/setLevel") == 0)
		return set_level(id, params);
	if (strcmp(method, "initialize") == 0)
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_REQUEST,
		                         "this MCP session is already initialized");
	nxm_log_debug("unknown method %s", method);
	return nxm_jsonrpc_error(id, NXM_JSONRPC_METHOD_NOT_FOUND, "method not found");
}
