/* The MCP layer without HTTP: JSON-RPC validation, dispatch, the tool table
 * and argument checking, scope enforcement. Tools that call Nexudus are
 * exercised end to end by tests/integration/oauth.sh. */
#include "autoconfig.h"

#include "testlib.h"

#include "mcp/dispatch.h"
#include "mcp/tools.h"
#include "mcp/transport.h"
#include "nexudus/catalog.h"

static struct nxm_session session;
static struct nxm_mcp_ctx ctx;

static int
setup(void **state)
{
	memset(&session, 0, sizeof(session));
	session.can_write = false;
	session.allow_pii = true;
	ctx.session = &session;
	ctx.protocol_version = "2025-11-25";
	return 0;
}

static json_t *
call(const char *text)
{
	json_t *msg = json_loads(text, 0, NULL), *out;

	assert_non_null(msg);
	ctx.http_status = 0;
	out = nxm_mcp_dispatch(&ctx, msg);
	nxm_mcp_ctx_release(&ctx, NULL);
	json_decref(msg);
	return out;
}

static int
error_code(json_t *r)
{
	return (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static void
test_jsonrpc_kind(void **state)
{
	static const struct {
		const char *text;
		int kind;
	} cases[] = {
	        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 1},
	        {"{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\",\"params\":{}}", 1},
	        {"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", 0},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", 0},
	        {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", -1},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", -1},
	        {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", -1},
	        {"{\"id\":1,\"method\":\"ping\"}", -1},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", -1},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}", -1},
	        {"{\"jsonrpc\":\"2.0\",\"id\":1}", -1},
	        {"[1]", -1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *m = json_loads(cases[i].text, 0, NULL);
		assert_non_null(m);
		assert_int_equal(nxm_jsonrpc_kind(m), cases[i].kind);
		json_decref(m);
	}
}

static void
test_dispatch_basics(void **state)
{
	json_t *r;

	r = call("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
	assert_true(json_is_object(json_object_get(r, "result")));
	json_decref(r);
	assert_null(call("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}");
	assert_int_equal(error_code(r), NXM_JSONRPC_METHOD_NOT_FOUND);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
	         "list\",\"params\":{\"cursor\":\"x\"}}");
	assert_int_equal(error_code(r), NXM_JSONRPC_INVALID_PARAMS);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/"
	         "setLevel\",\"params\":{\"level\":\"loud\"}}");
	assert_int_equal(error_code(r), NXM_JSONRPC_INVALID_PARAMS);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/"
	         "setLevel\",\"params\":{\"level\":\"debug\"}}");
	assert_non_null(json_object_get(r, "result"));
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
	assert_int_equal(error_code(r), NXM_JSONRPC_INVALID_REQUEST);
	json_decref(r);
}

static void
test_versions(void **state)
{
	assert_true(nxm_mcp_version_supported("2025-11-25"));
	assert_true(nxm_mcp_version_supported("2025-06-18"));
	assert_true(nxm_mcp_version_supported("2025-03-26"));
	assert_false(nxm_mcp_version_supported("2024-11-05"));
	assert_false(nxm_mcp_version_supported(""));
	assert_false(nxm_mcp_version_supported(NULL));
	/* 2026-07-28 is served without initialize. */
	assert_false(nxm_mcp_version_supported("2026-07-28"));
	assert_true(nxm_mcp_version_modern("2026-07-28"));
	assert_false(nxm_mcp_version_modern("2025-11-25"));
	assert_false(nxm_mcp_version_modern(NULL));
}

/* 2026-07-28: discover, resultType and serverInfo on every result, caching
 * hints on lists, the removed methods gone. */
static void
test_modern_dispatch(void **state)
{
	json_t *r, *res, *v;
	size_t i;
	bool has_modern = false, has_legacy = false;

	ctx.modern = true;
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{}}");
	res = json_object_get(r, "result");
	assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
	json_array_foreach(json_object_get(res, "supportedVersions"), i, v)
	{
		has_modern |= strcmp(json_string_value(v), "2026-07-28") == 0;
		has_legacy |= strcmp(json_string_value(v), "2025-11-25") == 0;
	}
	assert_true(has_modern && has_legacy);
	assert_true(json_is_object(json_object_get(json_object_get(res, "capabilities"), "tools")));
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(json_object_get(res, "_meta"),
	                                            "io.modelcontextprotocol/serverInfo"),
	                            "name")),
	                    "nexmcp");
	assert_true(json_integer_value(json_object_get(res, "ttlMs")) > 0);
	assert_string_equal(json_string_value(json_object_get(res, "cacheScope")), "public");
	json_decref(r);

	r = call("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}");
	res = json_object_get(r, "result");
	assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
	assert_true(json_is_integer(json_object_get(res, "ttlMs")));
	assert_string_equal(json_string_value(json_object_get(res, "cacheScope")), "public");
	assert_null(json_object_get(res, "nextCursor"));
	json_decref(r);

	r = call("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
	         "\"name\":\"nexudus_get_skill_guide\"}}");
	res = json_object_get(r, "result");
	assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
	assert_non_null(json_object_get(json_object_get(res, "_meta"),
	                                "io.modelcontextprotocol/serverInfo"));
	assert_true(json_is_false(json_object_get(res, "isError")));
	json_decref(r);

	for (i = 0; i < 3; i++) {
		static const char *const removed[] = {"ping", "logging/setLevel", "initialize"};
		char text[160];
		snprintf(text, sizeof(text),
		         "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"%s\",\"params\":{}}",
		         removed[i]);
		r = call(text);
		assert_int_equal(error_code(r), NXM_JSONRPC_METHOD_NOT_FOUND);
		json_decref(r);
	}
	ctx.modern = false;
	/* The legacy revisions have no server/discover and no resultType. */
	r = call("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"server/discover\"}");
	assert_int_equal(error_code(r), NXM_JSONRPC_METHOD_NOT_FOUND);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\"}");
	assert_null(json_object_get(json_object_get(r, "result"), "resultType"));
	json_decref(r);
}

/* Paging with a small page: the cursors walk every tool once, in order. */
static void
test_tools_paging(void **state)
{
	json_t *all = nxm_tools_list(), *params = json_object(), *page;
	const char *error;
	size_t seen = 0;

	assert_non_null(all);
	for (;;) {
		json_t *tools, *next, *t;
		size_t i;
		page = nxm_mcp_tools_page(params, 5, &error);
		assert_non_null(page);
		tools = json_object_get(page, "tools");
		assert_true(json_array_size(tools) <= 5);
		json_array_foreach(tools, i, t)
		        assert_true(json_equal(t, json_array_get(all, seen++)));
		next = json_object_get(page, "nextCursor");
		if (next == NULL) {
			json_decref(page);
			break;
		}
		json_object_set(params, "cursor", next);
		json_decref(page);
	}
	assert_int_equal(seen, json_array_size(all));
	static const char *const bad[] = {"x",           "",       "dG9vbHM6MA", "dG9vbHM6OTk5",
	                                  "dG9vbHM6LTE", "Zm9vOjE"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_set_new(params, "cursor", json_string(bad[i]));
		assert_null(nxm_mcp_tools_page(params, 5, &error));
		assert_non_null(strstr(error, "cursor"));
	}
	json_object_set_new(params, "cursor", json_integer(5));
	assert_null(nxm_mcp_tools_page(params, 5, &error));
	json_decref(params);
	json_decref(all);
}

static void
test_tools_list(void **state)
{
	json_t *tools = nxm_tools_list(), *t, *prev = NULL;
	size_t i;

	assert_non_null(tools);
	assert_true(json_array_size(tools) >= 18);
	json_array_foreach(tools, i, t)
	{
		json_t *schema = json_object_get(t, "inputSchema"),
		       *ann = json_object_get(t, "annotations");
		assert_true(json_is_string(json_object_get(t, "name")));
		assert_true(json_string_length(json_object_get(t, "description")) > 20);
		assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
		assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
		assert_true(json_is_boolean(json_object_get(ann, "readOnlyHint")));
		assert_true(json_is_boolean(json_object_get(ann, "destructiveHint")));
		assert_true(json_is_boolean(json_object_get(ann, "idempotentHint")));
		assert_true(json_is_boolean(json_object_get(ann, "openWorldHint")));
		/* A read-only tool is never destructive. */
		if (json_is_true(json_object_get(ann, "readOnlyHint")))
			assert_true(json_is_false(json_object_get(ann, "destructiveHint")));
		assert_ptr_not_equal(t, prev);
		prev = t;
	}
	json_decref(tools);
}

static json_t *
tool(const char *name, const char *args)
{
	json_t *a = json_loads(args, 0, NULL), *r;

	assert_non_null(a);
	ctx.http_status = 0;
	r = nxm_tool_call(&ctx, name, a);
	nxm_mcp_ctx_release(&ctx, NULL);
	json_decref(a);
	return r;
}

static const char *
tool_text(json_t *r)
{
	return json_string_value(
	        json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
}

static void
test_local_tools(void **state)
{
	json_t *r = tool("nexudus_list_entities", "{}");

	assert_true(json_is_false(json_object_get(r, "isError")));
	assert_int_equal(json_integer_value(
	                         json_object_get(json_object_get(r, "structuredContent"), "count")),
	                 208);
	json_decref(r);
	r = tool("nexudus_describe_entity", "{\"entity\":\"Coworker\"}");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(r, "structuredContent"), "name")),
	        "coworkers");
	json_decref(r);
	r = tool("nexudus_describe_entity", "{\"entity\":\"bokings\"}");
	assert_true(json_is_true(json_object_get(r, "isError")));
	assert_non_null(strstr(tool_text(r), "bookings"));
	json_decref(r);
	r = tool("nexudus_get_entity_guide", "{\"entity\":\"coworkers\"}");
	assert_non_null(strstr(json_string_value(json_object_get(
	                               json_object_get(r, "structuredContent"), "notes")),
	                       "COWORKER_DELETE"));
	json_decref(r);
}

static void
test_argument_checks(void **state)
{
	static const struct {
		const char *tool, *args, *expect;
	} cases[] = {
	        {"nexudus_describe_entity", "{}", "Missing argument 'entity'"},
	        {"nexudus_describe_entity", "{\"entity\":3}", "type string"},
	        {"nexudus_list_entities", "{\"x\":1}", "Unknown argument 'x'"},
	        {"nexudus_list", "{\"entity\":\"coworkers\",\"size\":101}", "at most 100"},
	        {"nexudus_list", "{\"entity\":\"coworkers\",\"page\":0}", "at least 1"},
	        {"nexudus_list", "{\"entity\":\"coworkers\",\"dir\":\"up\"}", "not allowed"},
	        {"nexudus_get", "{\"entity\":\"coworkers\"}", "Missing argument 'id'"},
	        {"nexudus_bookings_between", "{\"from\":\"2026-01-01\"}", "Missing argument 'to'"},
	        {"nexudus_list", "{\"entity\":\"coworkers\",\"filters\":{\"Nope\":1}}", "no field"},
	        {"nexudus_get", "{\"entity\":\"businesses\",\"id\":-1}", "at least 1"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = tool(cases[i].tool, cases[i].args);
		assert_non_null(r);
		assert_true(json_is_true(json_object_get(r, "isError")));
		if (strstr(tool_text(r), cases[i].expect) == NULL)
			fail_msg("%s %s: '%s' lacks '%s'", cases[i].tool, cases[i].args,
			         tool_text(r), cases[i].expect);
		json_decref(r);
	}
}

static void
test_scope_and_redaction(void **state)
{
	json_t *r;

	/* A read-only session: writes become an HTTP 403, before anything else. */
	r = tool("nexudus_delete", "{\"entity\":\"bookings\",\"id\":1}");
	assert_null(r);
	assert_int_equal(ctx.http_status, 403);
	/* Operations the entity lacks are refused before any Nexudus call (the
	 * test has no upstream: reaching it would fail differently). */
	session.can_write = true;
	r = tool("nexudus_delete", "{\"entity\":\"coworkers\",\"id\":1}");
	assert_true(json_is_true(json_object_get(r, "isError")));
	assert_non_null(strstr(tool_text(r), "does not allow"));
	json_decref(r);
	/* Every result says whether personal data is redacted (the redaction
	 * itself: test_pii_*, tests/integration/pii.sh). */
	r = tool("nexudus_list_entities", "{}");
	assert_true(
	        json_is_false(json_object_get(json_object_get(r, "_meta"), NXM_META_PII_REDACTED)));
	json_decref(r);
	session.allow_pii = false;
	r = tool("nexudus_list_entities", "{}");
	assert_true(json_is_false(json_object_get(r, "isError")));
	assert_true(
	        json_is_true(json_object_get(json_object_get(r, "_meta"), NXM_META_PII_REDACTED)));
	json_decref(r);
	session.allow_pii = true;
	session.can_write = false;
}

static bool
json_type_is(const char *type, json_t *v)
{
	return (strcmp(type, "string") == 0 && json_is_string(v)) ||
	       (strcmp(type, "boolean") == 0 && json_is_boolean(v)) ||
	       (strcmp(type, "integer") == 0 && json_is_integer(v)) ||
	       (strcmp(type, "array") == 0 && json_is_array(v)) ||
	       (strcmp(type, "object") == 0 && json_is_object(v));
}

/* Every tool with an outputSchema that can run here answers with
 * structuredContent that has each required key, with the declared type. */
static void
test_output_schemas(void **state)
{
	static const struct {
		const char *tool, *args;
	} runs[] = {
	        {"nexudus_list_entities", "{}"},
	        {"nexudus_describe_entity", "{\"entity\":\"bookings\"}"},
	        {"nexudus_get_skill_guide", "{}"},
	        {"nexudus_get_entity_guide", "{\"entity\":\"coworkers\"}"},
	        {"nexudus_change_pii_redaction_setting", "{}"},
	};
	json_t *list = nxm_tools_list(), *t;
	size_t i, with_schema = 0;

	json_array_foreach(list, i, t)
	{
		json_t *out = json_object_get(t, "outputSchema");
		if (out != NULL) {
			with_schema++;
			assert_string_equal(json_string_value(json_object_get(out, "type")),
			                    "object");
		}
	}
	assert_true(with_schema >= 8);
	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		json_t *schema = NULL, *r, *sc, *req, *key;
		size_t j;
		json_array_foreach(list, i,
		                   t) if (strcmp(json_string_value(json_object_get(t, "name")),
		                                 runs[k].tool) == 0) schema =
		        json_object_get(t, "outputSchema");
		assert_non_null(schema);
		r = tool(runs[k].tool, runs[k].args);
		sc = json_object_get(r, "structuredContent");
		assert_non_null(sc);
		req = json_object_get(schema, "required");
		json_array_foreach(req, j, key)
		{
			const char *name = json_string_value(key);
			json_t *prop = json_object_get(json_object_get(schema, "properties"), name);
			if (json_object_get(sc, name) == NULL)
				fail_msg("%s: structuredContent lacks %s", runs[k].tool, name);
			if (!json_type_is(json_string_value(json_object_get(prop, "type")),
			                  json_object_get(sc, name)))
				fail_msg("%s: %s has the wrong type", runs[k].tool, name);
		}
		json_decref(r);
	}
	json_decref(list);
}

static json_t *
tool_entry(json_t *list, const char *name)
{
	json_t *t;
	size_t i;

	json_array_foreach(list, i, t) if (strcmp(json_string_value(json_object_get(t, "name")),
	                                          name) == 0) return t;
	fail_msg("no tool %s", name);
	return NULL;
}

/* One property of a tool's input schema. */
static json_t *
prop(json_t *list, const char *tool_name, const char *name)
{
	return json_object_get(
	        json_object_get(json_object_get(tool_entry(list, tool_name), "inputSchema"),
	                        "properties"),
	        name);
}

/* Every `entity` argument lists the catalog's entities (those with a REST
 * module, in catalog order) and asks 2026-07-28 clients for the
 * Mcp-Param-Entity header. */
static void
test_entity_enums(void **state)
{
	static const char *const generic[] = {
	        "nexudus_describe_entity", "nexudus_list",        "nexudus_get",
	        "nexudus_create",          "nexudus_update",      "nexudus_delete",
	        "nexudus_list_commands",   "nexudus_run_command", "nexudus_get_entity_guide"};
	json_t *list = nxm_tools_list(), *t;
	size_t i, with_entity = 0;

	assert_non_null(list);
	assert_int_equal(nxm_catalog_count_with_module(), 208);
	for (size_t g = 0; g < sizeof(generic) / sizeof(generic[0]); g++)
		assert_non_null(prop(list, generic[g], "entity"));
	json_array_foreach(list, i, t)
	{
		json_t *p = json_object_get(
		        json_object_get(json_object_get(t, "inputSchema"), "properties"), "entity");
		json_t *en = json_object_get(p, "enum");
		size_t k = 0;
		if (p == NULL)
			continue;
		with_entity++;
		assert_string_equal(json_string_value(json_object_get(p, "x-mcp-header")),
		                    "Entity");
		assert_int_equal(json_array_size(en), 208);
		for (size_t c = 0; c < nxm_catalog_count; c++) {
			if (nxm_catalog[c].module == NULL)
				continue;
			assert_string_equal(json_string_value(json_array_get(en, k)),
			                    nxm_catalog[c].name);
			k++;
		}
		assert_int_equal(k, 208);
	}
	assert_int_equal(with_entity, sizeof(generic) / sizeof(generic[0]));
	json_decref(list);
}

/* The schemas are built once: a second tools/list shares them, and releasing
 * the first list leaves the second intact. */
static void
test_schema_cache(void **state)
{
	json_t *a = nxm_tools_list(), *b = nxm_tools_list(), *r;
	size_t i;

	assert_non_null(a);
	assert_non_null(b);
	assert_true(json_equal(a, b));
	for (i = 0; i < json_array_size(a); i++) {
		assert_ptr_not_equal(json_array_get(a, i), json_array_get(b, i));
		assert_ptr_equal(json_object_get(json_array_get(a, i), "inputSchema"),
		                 json_object_get(json_array_get(b, i), "inputSchema"));
	}
	json_decref(a);
	r = tool("nexudus_list", "{\"entity\":\"coworkers\",\"size\":0}");
	assert_non_null(strstr(tool_text(r), "at least 1"));
	json_decref(r);
	assert_int_equal(json_array_size(json_object_get(prop(b, "nexudus_get", "entity"), "enum")),
	                 208);
	json_decref(b);
}

/* An entity the catalog does not know is refused with the closest names, not
 * with the 208 of the enum; the singular and other cases still resolve. */
static void
test_unknown_entity(void **state)
{
	const struct nxm_entity *no_module = NULL;
	json_t *r;
	char args[256];

	r = tool("nexudus_list", "{\"entity\":\"cowrkers\"}");
	assert_true(json_is_true(json_object_get(r, "isError")));
	assert_non_null(strstr(tool_text(r), "Unknown entity 'cowrkers'. Closest: coworkers"));
	json_decref(r);
	r = tool("nexudus_get", "{\"entity\":\"bokings\",\"id\":1}");
	assert_non_null(strstr(tool_text(r), "Closest: bookings"));
	json_decref(r);
	r = tool("nexudus_get_entity_guide", "{\"entity\":\"BOOKING\"}");
	assert_true(json_is_false(json_object_get(r, "isError")));
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(r, "structuredContent"), "entity")),
	                    "bookings");
	json_decref(r);
	/* Catalog entries without a REST module are not in the enum either. */
	for (size_t i = 0; i < nxm_catalog_count && no_module == NULL; i++)
		if (nxm_catalog[i].module == NULL)
			no_module = &nxm_catalog[i];
	assert_non_null(no_module);
	snprintf(args, sizeof(args), "{\"entity\":\"%s\"}", no_module->name);
	r = tool("nexudus_describe_entity", args);
	assert_true(json_is_true(json_object_get(r, "isError")));
	assert_non_null(strstr(tool_text(r), "Unknown entity"));
	json_decref(r);
}

/* A specialist argument mapped onto a catalog enum field carries that
 * field's values as its enum, and the check holds callers to them. */
static void
test_specialist_enums(void **state)
{
	const struct nxm_field *f =
	        nxm_catalog_field(nxm_catalog_find("resources"), "SystemResourceType");
	json_t *list = nxm_tools_list(), *en, *r;

	assert_non_null(f);
	assert_non_null(f->enumdef);
	en = json_object_get(prop(list, "nexudus_resource_availability", "resource_type"), "enum");
	assert_int_equal(json_array_size(en), f->enumdef->nvalues);
	for (size_t i = 0; i < f->enumdef->nvalues; i++)
		assert_string_equal(json_string_value(json_array_get(en, i)),
		                    f->enumdef->values[i].name);
	/* Parameters mapped onto fields without enum values get none. */
	assert_non_null(prop(list, "nexudus_resource_availability", "location_id"));
	assert_null(json_object_get(prop(list, "nexudus_resource_availability", "location_id"),
	                            "enum"));
	json_decref(list);
	r = tool("nexudus_resource_availability",
	         "{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"resource_type\":\"Spaceship\"}");
	assert_true(json_is_true(json_object_get(r, "isError")));
	assert_non_null(strstr(tool_text(r), "'resource_type' has a value that is not allowed"));
	assert_non_null(strstr(tool_text(r), "MeetingRoom, HotDesk"));
	json_decref(r);
	/* A listed value passes the check (the run then stops on the window,
	 * before any Nexudus call). */
	r = tool("nexudus_resource_availability",
	         "{\"from\":\"2026-01-02\",\"to\":\"2026-01-01\",\"resource_type\":\"HotDesk\"}");
	assert_true(json_is_true(json_object_get(r, "isError")));
	assert_non_null(strstr(tool_text(r), "later than from"));
	json_decref(r);
}

/* nexudus_resource_availability refuses what it cannot answer before it
 * calls Nexudus (the test has no upstream: reaching it would crash). */
static void
test_availability_arguments(void **state)
{
	static const struct {
		const char *args, *expect;
	} cases[] = {
	        {"{}", "Missing argument 'from'"},
	        {"{\"from\":\"2026-01-01\"}", "Missing argument 'to'"},
	        {"{\"to\":\"2026-01-01\"}", "Missing argument 'from'"},
	        {"{\"from\":20260101,\"to\":\"2026-01-02\"}", "'from' must be of type string"},
	        {"{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"location_id\":\"3\"}",
	         "'location_id' must be of type integer"},
	        {"{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"resource_id\":0}",
	         "'resource_id' must be at least 1"},
	        {"{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"colour\":\"red\"}",
	         "Unknown argument 'colour'"},
	        {"{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"entity\":\"bookings\"}",
	         "Unknown argument 'entity'"},
	        {"{\"from\":\"yesterday\",\"to\":\"2026-01-02\"}", "YYYY-MM-DD"},
	        {"{\"from\":\"2026-01-01\",\"to\":\"2026-01-02T25:00\"}", "YYYY-MM-DD"},
	        {"{\"from\":\"2026-01-01T10:00x\",\"to\":\"2026-01-02\"}", "YYYY-MM-DD"},
	        {"{\"from\":\"2026-01-02\",\"to\":\"2026-01-01\"}", "later than from"},
	        {"{\"from\":\"2026-01-01T10:00\",\"to\":\"2026-01-01T10:00:00Z\"}",
	         "later than from"},
	        {"{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"resource_id\":4,"
	         "\"location_id\":2}",
	         "not both"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = tool("nexudus_resource_availability", cases[i].args);
		assert_non_null(r);
		assert_true(json_is_true(json_object_get(r, "isError")));
		if (strstr(tool_text(r), cases[i].expect) == NULL)
			fail_msg("%s: '%s' lacks '%s'", cases[i].args, tool_text(r),
			         cases[i].expect);
		json_decref(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_jsonrpc_kind),
	        cmocka_unit_test(test_dispatch_basics),
	        cmocka_unit_test(test_versions),
	        cmocka_unit_test(test_modern_dispatch),
	        cmocka_unit_test(test_tools_paging),
	        cmocka_unit_test(test_tools_list),
	        cmocka_unit_test(test_local_tools),
	        cmocka_unit_test(test_argument_checks),
	        cmocka_unit_test(test_scope_and_redaction),
	        cmocka_unit_test(test_output_schemas),
	        cmocka_unit_test(test_entity_enums),
	        cmocka_unit_test(test_schema_cache),
	        cmocka_unit_test(test_unknown_entity),
	        cmocka_unit_test(test_specialist_enums),
	        cmocka_unit_test(test_availability_arguments),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
