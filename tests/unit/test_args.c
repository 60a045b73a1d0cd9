/* Unit tests for src/mcp/args.c without a store: what a filter becomes in
 * the query, which filters must match whole in a redacted session and how
 * a list's envelope is then rewritten, and what is refused before any
 * token is resolved (tokens where no personal value belongs, ranges,
 * ordering and clear values of few-valued fields on personal fields). */
#include "autoconfig.h"

#include "testlib.h"

#include "core/util.h"
#include "mcp/args.h"
#include "nexudus/catalog.h"

#define TOK "\xc2\xabPII:NAME:0123abcd\xc2\xbb"

static struct nxm_session session;
static struct nxm_mcp_ctx ctx = {.session = &session};

static json_t *
parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

/* The query for filters (a JSON object) in a session with redaction on or
 * off; NULL with err set on a refusal. */
static char *
query(bool redacted, enum nxm_args_bound bound, const char *filters, struct nxm_args_exact *exact,
      char *err, size_t errlen)
{
	const struct nxm_entity *cw = nxm_catalog_find("coworkers");
	struct nxm_buf q = {0};
	json_t *f = parse(filters);
	int rc;

	session.allow_pii = !redacted;
	err[0] = '\0';
	rc = nxm_args_filters(&ctx, cw, f, bound, &q, exact, err, errlen);
	json_decref(f);
	if (rc == -1) {
		nxm_buf_free(&q);
		return NULL;
	}
	return q.data != NULL ? (char *)q.data : strdup("");
}

static void
test_filters(void **state)
{
	struct nxm_args_exact exact = {0};
	char err[512], *q;

	(void)state;
	/* Unredacted: as sent, nothing to check afterwards. */
	q = query(false, NXM_ARGS_EQUAL, "{\"FullName\": \"Ana L\", \"Active\": true}", &exact, err,
	          sizeof(err));
	assert_string_equal(q, "&Coworker_FullName=Ana%20L&Coworker_Active=true");
	assert_int_equal(exact.n, 0);
	free(q);
	/* Redacted: a personal field is matched whole afterwards, another is
	 * not. */
	q = query(true, NXM_ARGS_EQUAL, "{\"Email\": \"Ana@Example.com\", \"ReferenceNumber\": \"R1\"}",
	          &exact, err, sizeof(err));
	assert_non_null(q);
	assert_int_equal(exact.n, 1);
	assert_string_equal(exact.field[0]->name, "Email");
	assert_string_equal(exact.value[0], "Ana@Example.com");
	free(q);
	nxm_args_exact_clear(&exact);
	assert_int_equal(exact.n, 0);
	/* Refused, each with the reason, before anything is resolved. */
	static const struct {
		bool redacted;
		enum nxm_args_bound bound;
		const char *filters, *why;
	} refused[] = {
	        {true, NXM_ARGS_EQUAL, "{\"ReferenceNumber\": \"x" TOK "\"}", "holds no personal data"},
	        {false, NXM_ARGS_EQUAL, "{\"PurchaseOrder\": \"" TOK "\"}", "holds no personal data"},
	        {true, NXM_ARGS_FROM, "{\"DateOfBirth\": \"1980-01-01\"}", "cannot bound a range"},
	        {true, NXM_ARGS_EQUAL, "{\"Gender\": 1}", "too few possible values"},
	        {true, NXM_ARGS_EQUAL, "{\"DateOfBirth\": \"1980-01-01\"}", "too few possible values"},
	        {false, NXM_ARGS_EQUAL, "{\"NoSuchField\": 1}", "has no field 'NoSuchField'"},
	        {false, NXM_ARGS_FROM, "{\"FullName\": \"a\"}", "cannot be used as a range"},
	        {false, NXM_ARGS_EQUAL, "{\"FullName\": [1]}", "must be text, a number"},
	        {false, NXM_ARGS_EQUAL, "[1]", "are objects"},
	};
	for (size_t i = 0; i < NXM_ARRAY_LEN(refused); i++) {
		q = query(refused[i].redacted, refused[i].bound, refused[i].filters, &exact, err,
		          sizeof(err));
		if (q != NULL || strstr(err, refused[i].why) == NULL)
			fail_msg("%s: wanted a refusal with '%s', got '%s'", refused[i].filters,
			         refused[i].why, err);
		/* The message quotes no value of the argument but a field's
		 * name it did not recognise. */
		assert_null(strstr(err, "PII:NAME"));
		nxm_args_exact_clear(&exact);
	}
	/* Unredacted, the same range is fine. */
	q = query(false, NXM_ARGS_FROM, "{\"DateOfBirth\": \"1980-01-01\"}", &exact, err, sizeof(err));
	assert_string_equal(q, "&from_Coworker_DateOfBirth=1980-01-01");
	free(q);
}

static void
test_order(void **state)
{
	const struct nxm_entity *cw = nxm_catalog_find("coworkers");
	char err[512];

	(void)state;
	session.allow_pii = false;
	assert_false(nxm_args_order_allowed(&ctx, cw, "FullName", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot be ordered by coworkers.FullName"));
	assert_true(nxm_args_order_allowed(&ctx, cw, "Id", err, sizeof(err)));
	assert_true(nxm_args_order_allowed(&ctx, cw, "ReferenceNumber", err, sizeof(err)));
	session.allow_pii = true;
	assert_true(nxm_args_order_allowed(&ctx, cw, "FullName", err, sizeof(err)));
}

static void
test_keep_exact(void **state)
{
	const struct nxm_entity *cw = nxm_catalog_find("coworkers");
	struct nxm_args_exact exact = {.n = 1};
	json_t *env;

	(void)state;
	exact.field[0] = nxm_catalog_field(cw, "FullName");
	exact.value[0] = strdup("ana li");
	env = parse("{\"Records\": [{\"Id\": 1, \"FullName\": \"Ana Li\"}, {\"Id\": 2, \"FullName\":"
	            " \"Ana Lilian\"}, {\"Id\": 3}, {\"Id\": 4, \"FullName\": \"ANA LI\"}],"
	            " \"CurrentPage\": 1, \"CurrentPageSize\": 4, \"TotalItems\": 57, \"TotalPages\": "
	            "3, \"FirstItem\": 1, \"LastItem\": 4, \"HasNextPage\": false}");
	assert_int_equal(nxm_args_keep_exact(env, &exact), 0);
	assert_int_equal(json_array_size(json_object_get(env, "Records")), 2);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(json_object_get(env, "Records"), 1), "Id")),
	                 4);
	/* Nexudus's count of what contains the value is gone: the page is all
	 * there is, so the total is what matched. */
	assert_int_equal(json_integer_value(json_object_get(env, "TotalItems")), 2);
	assert_int_equal(json_integer_value(json_object_get(env, "CurrentPageSize")), 2);
	assert_true(json_is_null(json_object_get(env, "TotalPages")));
	assert_non_null(strstr(json_string_value(json_object_get(env, "ExactMatchNote")),
	                       "FullName"));
	/* More pages: the total is unknown. */
	json_object_set_new(env, "HasNextPage", json_true());
	assert_int_equal(nxm_args_keep_exact(env, &exact), 0);
	assert_true(json_is_null(json_object_get(env, "TotalItems")));
	/* Not a list: refused. */
	json_object_del(env, "Records");
	assert_int_equal(nxm_args_keep_exact(env, &exact), -1);
	json_decref(env);
	nxm_args_exact_clear(&exact);
}

static void
test_fields_and_commands(void **state)
{
	const struct nxm_entity *cw = nxm_catalog_find("coworkers");
	json_t *fields, *out, *params;
	char err[512] = "";

	(void)state;
	session.allow_pii = false;
	/* Without tokens, a copy as sent. */
	fields = parse("{\"FullName\": \"Ana\", \"ReferenceNumber\": \"R1\"}");
	out = nxm_args_fields(&ctx, cw, fields, err, sizeof(err));
	assert_non_null(out);
	assert_true(json_equal(out, fields) && out != fields);
	json_decref(out);
	json_decref(fields);
	/* A token, even inside an object or an array, in a field that holds
	 * no personal data: refused, naming the field only. */
	for (int i = 0; i < 3; i++) {
		static const char *const cases[] = {
		        "{\"ReferenceNumber\": \"a" TOK "9\"}",
		        "{\"PurchaseOrder\": [\"x\", \"" TOK "\"]}",
		        "{\"NoSuchField\": {\"k\": \"" TOK "\"}}",
		};
		fields = parse(cases[i]);
		assert_null(nxm_args_fields(&ctx, cw, fields, err, sizeof(err)));
		assert_non_null(strstr(err, "holds no personal data"));
		assert_null(strstr(err, "PII:"));
		json_decref(fields);
	}
	params = parse("[{\"Name\": \"x\", \"Value\": \"" TOK "\"}]");
	assert_int_equal(nxm_args_no_tokens(params, "a command's parameters", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a command's parameters"));
	json_decref(params);
	/* An argument not given holds none. */
	assert_int_equal(nxm_args_no_tokens(NULL, "a command's parameters", err, sizeof(err)), 0);
	params = parse("[{\"Name\": \"x\", \"Value\": \"PII:NAME:0123abcd\"}]");
	assert_int_equal(nxm_args_no_tokens(params, "a command's parameters", err, sizeof(err)), 0);
	json_decref(params);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_filters),
	        cmocka_unit_test(test_order),
	        cmocka_unit_test(test_keep_exact),
	        cmocka_unit_test(test_fields_and_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
