/* The 2026-07-28 request rules: per-request _meta, the headers that mirror
 * the body (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*) and
 * their base64 form, unsupported versions. */
#include "autoconfig.h"

#include "testlib.h"

#include "mcp/dispatch.h"
#include "mcp/stateless.h"

#define META                                                                                       \
	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                   \
	"\"io.modelcontextprotocol/clientCapabilities\":{}}"

/* Runs the check on body with headers given as "Name: value" strings;
 * returns the error code (0 when the request may be dispatched). */
static int
check(const char *body, int *status, const char *const *headers)
{
	struct nxm_request req;
	json_t *msg = json_loads(body, 0, NULL), *err;
	int code = 0;

	assert_non_null(msg);
	memset(&req, 0, sizeof(req));
	for (size_t i = 0; headers[i] != NULL; i++) {
		char name[64];
		const char *colon = strchr(headers[i], ':');
		assert_non_null(colon);
		snprintf(name, sizeof(name), "%.*s", (int)(colon - headers[i]), headers[i]);
		assert_int_equal(nxm_request_add_header(&req, name, colon + 1), 0);
	}
	*status = 0;
	if ((err = nxm_mcp_stateless_check(&req, msg, status)) != NULL) {
		code = (int)json_integer_value(
		        json_object_get(json_object_get(err, "error"), "code"));
		/* Errors answer the request's id. */
		assert_true(json_equal(json_object_get(err, "id"), json_object_get(msg, "id")));
		json_decref(err);
	}
	json_decref(msg);
	nxm_request_free(&req);
	return code;
}

static void
test_meta(void **state)
{
	const char *const h[] = {"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: server/discover",
	                         NULL};
	int status;

	assert_int_equal(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\","
	                       "\"params\":{" META "}}",
	                       &status, h),
	                 0);
	assert_int_equal(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\","
	                       "\"params\":{}}",
	                       &status, h),
	                 NXM_JSONRPC_INVALID_PARAMS);
	assert_int_equal(status, 400);
	assert_int_equal(
	        check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}", &status, h),
	        NXM_JSONRPC_INVALID_PARAMS);
	/* clientCapabilities is required, clientInfo is not. */
	assert_int_equal(check("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\","
	                       "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	                       "\"2026-07-28\"}}}",
	                       &status, h),
	                 NXM_JSONRPC_INVALID_PARAMS);
	assert_int_equal(
	        check("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\","
	              "\"params\":{\"_meta\":{\"io.modelcontextprotocol/clientCapabilities\""
	              ":{}}}}",
	              &status, h),
	        NXM_JSONRPC_INVALID_PARAMS);
	assert_int_equal(
	        check("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\","
	              "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	              "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":[]}}}",
	              &status, h),
	        NXM_JSONRPC_INVALID_PARAMS);
}

static void
test_version_header(void **state)
{
	const char *const none[] = {"Mcp-Method: server/discover", NULL};
	const char *const other[] = {"MCP-Protocol-Version: 2025-11-25",
	                             "Mcp-Method: server/discover", NULL};
	const char *const bogus[] = {"MCP-Protocol-Version: 1900-01-01",
	                             "Mcp-Method: server/discover", NULL};
	const char *const spaced[] = {"MCP-Protocol-Version:  2026-07-28 ",
	                              "Mcp-Method: server/discover", NULL};
	const char *body = "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"server/discover\","
	                   "\"params\":{" META "}}";
	int status;

	assert_int_equal(check(body, &status, none), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(status, 400);
	assert_int_equal(check(body, &status, other), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(body, &status, spaced), 0);
	/* Header and _meta agree on a version we do not speak. */
	assert_int_equal(
	        check("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"server/discover\","
	              "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	              "\"1900-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
	              &status, bogus),
	        NXM_MCP_UNSUPPORTED_VERSION);
	assert_int_equal(status, 400);
}

static void
test_unsupported_version_data(void **state)
{
	struct nxm_request req;
	json_t *msg = json_loads(
	               "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\","
	               "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	               "\"2030-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
	               0, NULL),
	       *err, *data, *v;
	int status;
	size_t i;

	memset(&req, 0, sizeof(req));
	assert_int_equal(nxm_request_add_header(&req, "MCP-Protocol-Version", "2030-01-01"), 0);
	assert_int_equal(nxm_request_add_header(&req, "Mcp-Method", "tools/list"), 0);
	err = nxm_mcp_stateless_check(&req, msg, &status);
	assert_non_null(err);
	data = json_object_get(json_object_get(err, "error"), "data");
	assert_string_equal(json_string_value(json_object_get(data, "requested")), "2030-01-01");
	assert_true(json_array_size(json_object_get(data, "supported")) >= 2);
	json_array_foreach(json_object_get(data, "supported"), i, v) assert_true(json_is_string(v));
	assert_string_equal(
	        json_string_value(json_array_get(json_object_get(data, "supported"), 0)),
	        "2026-07-28");
	json_decref(err);
	json_decref(msg);
	nxm_request_free(&req);
}

static void
test_method_and_name(void **state)
{
	const char *list =
	        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META "}}";
	const char *call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	                   "\"name\":\"nexudus_whoami\",\"arguments\":{}," META "}}";
	const char *const ok[] = {"MCP-Protocol-Version: 2026-07-28", "mcp-method: tools/list",
	                          NULL};
	const char *const upper[] = {"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: TOOLS/LIST",
	                             NULL};
	const char *const wrong[] = {"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: prompts/list",
	                             NULL};
	const char *const missing[] = {"MCP-Protocol-Version: 2026-07-28", NULL};
	const char *const name_ok[] = {"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: tools/call",
	                               "Mcp-Name:   nexudus_whoami  ", NULL};
	const char *const name_b64[] = {"MCP-Protocol-Version: 2026-07-28",
	                                "Mcp-Method: tools/call",
	                                "Mcp-Name: =?base64?bmV4dWR1c193aG9hbWk=?=", NULL};
	const char *const name_wrong[] = {"MCP-Protocol-Version: 2026-07-28",
	                                  "Mcp-Method: tools/call", "Mcp-Name: nexudus_list", NULL};
	const char *const name_missing[] = {"MCP-Protocol-Version: 2026-07-28",
	                                    "Mcp-Method: tools/call", NULL};
	int status;

	assert_int_equal(check(list, &status, ok), 0);
	assert_int_equal(check(list, &status, upper), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(list, &status, wrong), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(list, &status, missing), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(status, 400);
	assert_int_equal(check(call, &status, name_ok), 0);
	assert_int_equal(check(call, &status, name_b64), 0);
	assert_int_equal(check(call, &status, name_wrong), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(call, &status, name_missing), NXM_MCP_HEADER_MISMATCH);
}

static void
test_param_headers(void **state)
{
	const char *call = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{"
	                   "\"name\":\"nexudus_get\",\"arguments\":{\"entity\":\"coworkers\","
	                   "\"id\":5}," META "}}";
	const char *no_entity =
	        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\","
	        "\"params\":{\"name\":\"nexudus_get\",\"arguments\":{\"id\":5}," META "}}";
#define H3 "MCP-Protocol-Version: 2026-07-28", "Mcp-Method: tools/call", "Mcp-Name: nexudus_get"
	const char *const plain[] = {H3, "Mcp-Param-Entity: coworkers", NULL};
	const char *const b64[] = {H3, "Mcp-Param-Entity: =?base64?Y293b3JrZXJz?=", NULL};
	const char *const other[] = {H3, "Mcp-Param-Entity: bookings", NULL};
	const char *const absent[] = {H3, NULL};
	const char *const bad_pad[] = {H3, "Mcp-Param-Entity: =?base64?Y293b3JrZXJz?=x", NULL};
	const char *const bad_chars[] = {H3, "Mcp-Param-Entity: =?base64?Y29!b3JrZXJz?=", NULL};
	const char *const short_pad[] = {H3, "Mcp-Param-Entity: =?base64?SGVsbG8?=", NULL};
	/* Without both markers the value is literal, not base64. */
	const char *const literal[] = {H3, "Mcp-Param-Entity: =?base64?Y293b3JrZXJz", NULL};
	int status;

	assert_int_equal(check(call, &status, plain), 0);
	assert_int_equal(check(call, &status, b64), 0);
	assert_int_equal(check(call, &status, other), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(call, &status, absent), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(call, &status, bad_pad), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(call, &status, bad_chars), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(call, &status, short_pad), NXM_MCP_HEADER_MISMATCH);
	assert_int_equal(check(call, &status, literal), NXM_MCP_HEADER_MISMATCH);
	/* No value in the body: the header must not be expected... */
	assert_int_equal(check(no_entity, &status, absent), 0);
	/* ...nor sent. */
	assert_int_equal(check(no_entity, &status, plain), NXM_MCP_HEADER_MISMATCH);
#undef H3
}

static void
test_header_decode(void **state)
{
	char out[64];

	assert_int_equal(nxm_mcp_header_decode("  us-west1\t", out, sizeof(out)), 0);
	assert_string_equal(out, "us-west1");
	assert_int_equal(nxm_mcp_header_decode("=?base64?SGVsbG8sIOS4lueVjA==?=", out, sizeof(out)),
	                 0);
	assert_string_equal(out, "Hello, \xe4\xb8\x96\xe7\x95\x8c");
	assert_int_equal(
	        nxm_mcp_header_decode("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=", out, sizeof(out)), 0);
	assert_string_equal(out, "=?base64?literal?=");
	assert_int_equal(nxm_mcp_header_decode("a\x01b", out, sizeof(out)), -1);
	assert_int_equal(nxm_mcp_header_decode("caf\xc3\xa9", out, sizeof(out)), -1);
	/* A NUL hidden in base64 could make two values compare equal. */
	assert_int_equal(nxm_mcp_header_decode("=?base64?YQBi?=", out, sizeof(out)), -1);
	assert_int_equal(nxm_mcp_header_decode("0123456789", out, 8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_meta),
	        cmocka_unit_test(test_version_header),
	        cmocka_unit_test(test_unsupported_version_data),
	        cmocka_unit_test(test_method_and_name),
	        cmocka_unit_test(test_param_headers),
	        cmocka_unit_test(test_header_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
