/* Unit tests for src/core/http.c: requests from CGI environments and
 * responses back to the web server. */
#include "autoconfig.h"

#include "testlib.h"

#include <jansson.h>

#include "core/http.h"
#include "core/util.h"

static void
test_request_basic(void **state)
{
	char *env[] = {
	        "GATEWAY_INTERFACE=CGI/1.1",
	        "REQUEST_METHOD=POST",
	        "REQUEST_URI=/nexmcp/mcp?session=1&x=%20",
	        "QUERY_STRING=session=1&x=%20",
	        "SCRIPT_NAME=/nexmcp/cgi-bin/mcp.fcgi",
	        "CONTENT_TYPE=application/json",
	        "CONTENT_LENGTH=17",
	        "HTTP_ACCEPT=application/json, text/event-stream",
	        "HTTP_MCP_SESSION_ID=abc123",
	        "HTTP_AUTHORIZATION=Bearer tok",
	        "REMOTE_ADDR=192.0.2.7",
	        "PATH=/usr/bin",
	        NULL,
	};
	struct nxm_request req;

	assert_int_equal(nxm_request_from_env(&req, env, "/nexmcp"), NXM_REQ_OK);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.path, "/mcp");
	assert_string_equal(req.query, "session=1&x=%20");
	assert_string_equal(req.remote_addr, "192.0.2.7");
	/* CGI names become the lower-case, dashed header names. */
	assert_string_equal(nxm_request_header(&req, "content-type"), "application/json");
	assert_string_equal(nxm_request_header(&req, "accept"),
	                    "application/json, text/event-stream");
	assert_string_equal(nxm_request_header(&req, "mcp-session-id"), "abc123");
	assert_string_equal(nxm_request_header(&req, "authorization"), "Bearer tok");
	/* Lookups ignore case, as header names do. */
	assert_string_equal(nxm_request_header(&req, "Mcp-Session-Id"), "abc123");
	/* Only headers become headers: not CONTENT_LENGTH, not PATH. */
	assert_int_equal(req.nheaders, 4);
	assert_null(nxm_request_header(&req, "path"));
	assert_null(nxm_request_header(&req, "mcp_session_id"));
	for (size_t i = 0; i < req.nheaders; i++)
		assert_null(strpbrk(req.headers[i].name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"));
	/* The body is read elsewhere. */
	assert_null(req.body);
	assert_int_equal(req.body_len, 0);
	nxm_request_free(&req);
	assert_null(req.method);
	assert_int_equal(req.nheaders, 0);
}

static void
assert_path(const char *uri, const char *base, const char *want)
{
	char uribuf[256];
	char *env[] = {"REQUEST_METHOD=GET", uribuf, NULL};
	struct nxm_request req;

	snprintf(uribuf, sizeof(uribuf), "REQUEST_URI=%s", uri);
	print_message("uri \"%s\", base \"%s\"\n", uri, base);
	assert_int_equal(nxm_request_from_env(&req, env, base), NXM_REQ_OK);
	assert_string_equal(req.path, want);
	nxm_request_free(&req);
}

static void
assert_path_err(const char *uri, const char *base, enum nxm_request_err want)
{
	char uribuf[256];
	char *env[] = {"REQUEST_METHOD=GET", uribuf, NULL};
	struct nxm_request req;

	snprintf(uribuf, sizeof(uribuf), "REQUEST_URI=%s", uri);
	print_message("uri \"%s\", base \"%s\"\n", uri, base);
	assert_int_equal(nxm_request_from_env(&req, env, base), want);
	assert_null(req.path);
	assert_null(req.method);
}

static void
test_request_path(void **state)
{
	assert_path("/mcp", "", "/mcp");
	assert_path("/mcp?x=1", "", "/mcp");
	assert_path("/", "", "/");
	assert_path("/nexmcp/mcp", "/nexmcp", "/mcp");
	assert_path("/nexmcp/mcp?a=/nexmcp", "/nexmcp", "/mcp");
	assert_path("/nexmcp/.well-known/oauth-protected-resource/mcp", "/nexmcp",
	            "/.well-known/oauth-protected-resource/mcp");
	assert_path("/nexmcp", "/nexmcp", "/");
	assert_path("/nexmcp?x=1", "/nexmcp", "/");
	assert_path("/nexmcp/", "/nexmcp", "/");
	/* A shared prefix is not being below the base. */
	assert_path_err("/nexmcpX/mcp", "/nexmcp", NXM_REQ_NOT_BELOW);
	assert_path_err("/nexmc", "/nexmcp", NXM_REQ_NOT_BELOW);
	assert_path_err("/other/mcp", "/nexmcp", NXM_REQ_NOT_BELOW);
	assert_path_err("/NEXMCP/mcp", "/nexmcp", NXM_REQ_NOT_BELOW);
	/* Not a path at all. */
	assert_path_err("mcp", "", NXM_REQ_BAD);
	assert_path_err("*", "", NXM_REQ_BAD);
	assert_path_err("http://example.com/mcp", "", NXM_REQ_BAD);
	assert_path_err("", "", NXM_REQ_BAD);
	assert_path_err("?x=1", "", NXM_REQ_BAD);
	assert_path_err("/a\x01", "", NXM_REQ_BAD);
	assert_path_err("/a\xc3\x28", "", NXM_REQ_BAD);
}

static void
test_request_script_name_fallback(void **state)
{
	char *env[] = {
	        "REQUEST_METHOD=GET",
	        "SCRIPT_NAME=/nexmcp",
	        "PATH_INFO=/.well-known/oauth-authorization-server",
	        NULL,
	};
	char *env_root[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/token", NULL};
	char *env_none[] = {"REQUEST_METHOD=GET", NULL};
	struct nxm_request req;

	assert_int_equal(nxm_request_from_env(&req, env, "/nexmcp"), NXM_REQ_OK);
	assert_string_equal(req.path, "/.well-known/oauth-authorization-server");
	/* No query anywhere means an empty one, never NULL. */
	assert_non_null(req.query);
	assert_string_equal(req.query, "");
	assert_string_equal(req.remote_addr, "");
	nxm_request_free(&req);
	assert_int_equal(nxm_request_from_env(&req, env_root, ""), NXM_REQ_OK);
	assert_string_equal(req.path, "/token");
	nxm_request_free(&req);
	assert_int_equal(nxm_request_from_env(&req, env_none, ""), NXM_REQ_BAD);
}

static void
test_request_query(void **state)
{
	char *env_qs[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/a?from=uri", "QUERY_STRING=from=qs",
	                  NULL};
	char *env_uri[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/a?from=uri&b=%3F?", NULL};
	char *env_empty[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/a?", NULL};
	char *env_blank_qs[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/a?x=1", "QUERY_STRING=", NULL};
	struct nxm_request req;

	/* QUERY_STRING is what the server decided; it wins. */
	assert_int_equal(nxm_request_from_env(&req, env_qs, ""), NXM_REQ_OK);
	assert_string_equal(req.query, "from=qs");
	nxm_request_free(&req);
	/* Without it, everything after the first '?' of REQUEST_URI. */
	assert_int_equal(nxm_request_from_env(&req, env_uri, ""), NXM_REQ_OK);
	assert_string_equal(req.query, "from=uri&b=%3F?");
	assert_string_equal(req.path, "/a");
	nxm_request_free(&req);
	assert_int_equal(nxm_request_from_env(&req, env_empty, ""), NXM_REQ_OK);
	assert_string_equal(req.query, "");
	nxm_request_free(&req);
	/* A present but empty QUERY_STRING is still the server's answer. */
	assert_int_equal(nxm_request_from_env(&req, env_blank_qs, ""), NXM_REQ_OK);
	assert_string_equal(req.query, "");
	nxm_request_free(&req);
}

static void
test_request_method(void **state)
{
	static const char *const bad[] = {
	        "REQUEST_METHOD=get", "REQUEST_METHOD=Post",    "REQUEST_METHOD=",
	        "REQUEST_METHOD=G T", "REQUEST_METHOD=GET\r\n", "REQUEST_METHOD=ABCDEFGHIJKLMNOPQ",
	};
	char *env[] = {NULL, "REQUEST_URI=/mcp", NULL};
	char *env_none[] = {"REQUEST_URI=/mcp", NULL};
	struct nxm_request req;

	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		env[0] = (char *)bad[i];
		print_message("%s\n", bad[i]);
		assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_BAD);
		assert_null(req.method);
	}
	assert_int_equal(nxm_request_from_env(&req, env_none, ""), NXM_REQ_BAD);
	/* Unknown but well-formed methods are routing's business (405). */
	env[0] = (char *)"REQUEST_METHOD=PATCH";
	assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_OK);
	assert_string_equal(req.method, "PATCH");
	nxm_request_free(&req);
}

static void
test_request_headers_limit(void **state)
{
	char *env[NXM_REQ_MAX_HEADERS + 8], names[NXM_REQ_MAX_HEADERS + 1][32];
	struct nxm_request req;
	size_t n = 0;

	env[n++] = (char *)"REQUEST_METHOD=GET";
	env[n++] = (char *)"REQUEST_URI=/";
	for (int i = 0; i < NXM_REQ_MAX_HEADERS; i++) {
		snprintf(names[i], sizeof(names[i]), "HTTP_X_H%d=%d", i, i);
		env[n++] = names[i];
	}
	env[n] = NULL;
	assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_OK);
	assert_int_equal(req.nheaders, NXM_REQ_MAX_HEADERS);
	assert_string_equal(nxm_request_header(&req, "x-h63"), "63");
	nxm_request_free(&req);
	/* One more, and the request is refused rather than truncated. */
	snprintf(names[NXM_REQ_MAX_HEADERS], sizeof(names[0]), "HTTP_X_LAST=1");
	env[n++] = names[NXM_REQ_MAX_HEADERS];
	env[n] = NULL;
	assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_TOO_MANY);
	assert_int_equal(req.nheaders, 0);
	/* CONTENT_TYPE counts as a header too. */
	env[n - 1] = (char *)"CONTENT_TYPE=text/plain";
	assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_TOO_MANY);
}

static void
test_request_header_too_long(void **state)
{
	struct nxm_buf b = {0};
	char *env[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/", NULL, NULL};
	struct nxm_request req;

	assert_int_equal(nxm_buf_puts(&b, "HTTP_COOKIE="), 0);
	for (int i = 0; i < NXM_REQ_MAX_HEADER; i++)
		assert_int_equal(nxm_buf_append(&b, "c", 1), 0);
	env[2] = b.data;
	assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_OK);
	assert_int_equal(strlen(nxm_request_header(&req, "cookie")), NXM_REQ_MAX_HEADER);
	nxm_request_free(&req);
	assert_int_equal(nxm_buf_append(&b, "c", 1), 0);
	env[2] = b.data;
	assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_TOO_MANY);
	nxm_buf_free(&b);
}

static void
test_request_duplicate_header(void **state)
{
	/* Apache can pass Authorization twice under CGIPassAuth; first wins. */
	char *env[] = {"REQUEST_METHOD=GET",
	               "REQUEST_URI=/",
	               "HTTP_AUTHORIZATION=Bearer one",
	               "HTTP_AUTHORIZATION=Bearer two",
	               "HTTP_=empty-name",
	               NULL};
	struct nxm_request req;

	assert_int_equal(nxm_request_from_env(&req, env, ""), NXM_REQ_OK);
	assert_int_equal(req.nheaders, 1);
	assert_string_equal(nxm_request_header(&req, "authorization"), "Bearer one");
	nxm_request_free(&req);
}

static void
assert_cl(const char *value, size_t max, enum nxm_request_err want, size_t want_len)
{
	char buf[128];
	char *env[] = {"REQUEST_METHOD=POST", buf, NULL};
	size_t len = 12345;

	snprintf(buf, sizeof(buf), "CONTENT_LENGTH=%s", value);
	print_message("CONTENT_LENGTH=%s max %zu\n", value, max);
	assert_int_equal(nxm_request_content_length(env, max, &len), want);
	assert_int_equal(len, want_len);
}

static void
test_content_length(void **state)
{
	char *env[] = {"REQUEST_METHOD=GET", NULL};
	size_t len = 12345;

	assert_int_equal(nxm_request_content_length(env, 100, &len), NXM_REQ_OK);
	assert_int_equal(len, 0);
	assert_cl("", 100, NXM_REQ_OK, 0);
	assert_cl("0", 100, NXM_REQ_OK, 0);
	assert_cl("17", 100, NXM_REQ_OK, 17);
	assert_cl("100", 100, NXM_REQ_OK, 100);
	assert_cl("101", 100, NXM_REQ_TOO_LARGE, 0);
	assert_cl("1048577", 2000000, NXM_REQ_TOO_LARGE, 0);
	assert_cl("99999999999999999999999", 100, NXM_REQ_TOO_LARGE, 0);
	assert_cl("abc", 100, NXM_REQ_BAD, 0);
	assert_cl("-1", 100, NXM_REQ_BAD, 0);
	assert_cl("+5", 100, NXM_REQ_BAD, 0);
	assert_cl(" 5", 100, NXM_REQ_BAD, 0);
	assert_cl("5 ", 100, NXM_REQ_BAD, 0);
	assert_cl("0x10", 100, NXM_REQ_BAD, 0);
	assert_cl("1e2", 100, NXM_REQ_BAD, 0);
}

static void
test_response_headers(void **state)
{
	struct nxm_response resp;

	nxm_response_init(&resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(nxm_response_set_header(&resp, "Content-Type", "text/plain"), 0);
	assert_int_equal(nxm_response_set_header(&resp, "X-A", "1"), 0);
	/* Setting again replaces, whatever the case of the name. */
	assert_int_equal(nxm_response_set_header(&resp, "content-type", "application/json"), 0);
	assert_int_equal(resp.nheaders, 2);
	assert_string_equal(nxm_response_header(&resp, "Content-Type"), "application/json");
	assert_string_equal(nxm_response_header(&resp, "x-a"), "1");
	assert_null(nxm_response_header(&resp, "X-B"));
	/* Tabs and UTF-8 are fine in values. */
	assert_int_equal(nxm_response_set_header(&resp, "X-Tab", "a\tb \xc3\xa4"), 0);

	/* Response splitting: CR, LF and NUL never reach the wire. */
	assert_int_equal(nxm_response_set_header(&resp, "X-Evil", "a\r\nSet-Cookie: x=1"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "X-Evil", "a\nb"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "X-Evil", "a\rb"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "X-Evil", "a\x01"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "X-Evil", "a\x7f"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "X-Evil:", "a"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "Set-Cookie: x", "a"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "X Evil", "a"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "X-Evil\r\n", "a"), -1);
	assert_int_equal(nxm_response_set_header(&resp, "", "a"), -1);
	assert_null(nxm_response_header(&resp, "X-Evil"));
	/* A refused replacement leaves the old value. */
	assert_int_equal(nxm_response_set_header(&resp, "X-A", "bad\n"), -1);
	assert_string_equal(nxm_response_header(&resp, "X-A"), "1");
	assert_int_equal(resp.nheaders, 3);
	nxm_response_free(&resp);
}

static void
test_response_too_many_headers(void **state)
{
	struct nxm_response resp;
	char name[32];

	nxm_response_init(&resp);
	for (int i = 0; i < NXM_RESP_MAX_HEADERS; i++) {
		snprintf(name, sizeof(name), "X-%d", i);
		assert_int_equal(nxm_response_set_header(&resp, name, "v"), 0);
	}
	assert_int_equal(nxm_response_set_header(&resp, "X-One-Too-Many", "v"), -1);
	/* Replacing an existing one still works when full. */
	assert_int_equal(nxm_response_set_header(&resp, "X-0", "w"), 0);
	assert_string_equal(nxm_response_header(&resp, "X-0"), "w");
	nxm_response_free(&resp);
}

static void
test_response_serialize(void **state)
{
	static const char want[] = "Status: 404 Not Found\r\n"
	                           "Content-Type: text/plain; charset=utf-8\r\n"
	                           "Cache-Control: no-store\r\n"
	                           "\r\n"
	                           "no such thing\n";
	struct nxm_response resp;
	struct nxm_buf out = {0};

	nxm_response_init(&resp);
	assert_int_equal(
	        nxm_response_text(&resp, 404, "text/plain; charset=utf-8", "no such thing\n"), 0);
	assert_int_equal(nxm_response_set_header(&resp, "Cache-Control", "no-store"), 0);
	assert_int_equal(nxm_response_serialize(&resp, &out), 0);
	assert_int_equal(out.len, sizeof(want) - 1);
	assert_string_equal(out.data, want);
	nxm_buf_free(&out);
	nxm_response_free(&resp);

	/* No headers and no body at all. */
	nxm_response_init(&resp);
	resp.status = 204;
	assert_int_equal(nxm_response_serialize(&resp, &out), 0);
	assert_string_equal(out.data, "Status: 204 No Content\r\n\r\n");
	nxm_buf_free(&out);
	nxm_response_free(&resp);

	/* Bodies are bytes: an embedded NUL is written, not a terminator. */
	nxm_response_init(&resp);
	assert_int_equal(nxm_buf_append(&resp.body, "a\0b", 3), 0);
	assert_int_equal(nxm_response_serialize(&resp, &out), 0);
	assert_int_equal(out.len, strlen("Status: 200 OK\r\n\r\n") + 3);
	assert_memory_equal(out.data, "Status: 200 OK\r\n\r\na\0b", out.len);
	nxm_buf_free(&out);
	nxm_response_free(&resp);
}

static void
test_response_text_replaces_body(void **state)
{
	struct nxm_response resp;

	nxm_response_init(&resp);
	assert_int_equal(nxm_response_text(&resp, 200, "text/plain", "first, longer body"), 0);
	assert_int_equal(nxm_response_text(&resp, 500, "text/plain", "second"), 0);
	assert_int_equal(resp.status, 500);
	assert_string_equal(resp.body.data, "second");
	assert_int_equal(resp.body.len, 6);
	nxm_response_free(&resp);
}

static void
test_response_error(void **state)
{
	struct nxm_response resp;
	json_error_t jerr;
	json_t *o;

	nxm_response_init(&resp);
	assert_int_equal(nxm_response_error(&resp, 400, "invalid_request",
	                                    "bad \"redirect_uri\" \xc3\xa4 </script>"),
	                 0);
	assert_int_equal(resp.status, 400);
	assert_string_equal(nxm_response_header(&resp, "Content-Type"), "application/json");
	/* Compact and ASCII-only: safe in any transport. */
	assert_null(strchr(resp.body.data, '\n'));
	for (size_t i = 0; i < resp.body.len; i++)
		assert_true((unsigned char)resp.body.data[i] < 0x80);
	o = json_loadb(resp.body.data, resp.body.len, 0, &jerr);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 2);
	assert_string_equal(json_string_value(json_object_get(o, "error")), "invalid_request");
	assert_string_equal(json_string_value(json_object_get(o, "error_description")),
	                    "bad \"redirect_uri\" \xc3\xa4 </script>");
	json_decref(o);

	/* Without a description there is no error_description member. */
	assert_int_equal(nxm_response_error(&resp, 401, "invalid_token", NULL), 0);
	assert_int_equal(resp.status, 401);
	assert_string_equal(resp.body.data, "{\"error\":\"invalid_token\"}");
	nxm_response_free(&resp);
}

static void
test_response_json(void **state)
{
	struct nxm_response resp;

	nxm_response_init(&resp);
	assert_int_equal(nxm_response_json(&resp, 201, json_pack("{s:i}", "n", 1)), 0);
	assert_int_equal(resp.status, 201);
	assert_string_equal(resp.body.data, "{\"n\":1}");
	/* A NULL value (a failed json_pack) is an error, not an empty 200. */
	assert_int_equal(nxm_response_json(&resp, 200, NULL), -1);
	nxm_response_free(&resp);
}

static int deferred_runs;

static void
count_run(void *arg)
{
	deferred_runs += *(int *)arg;
}

/* Deferred work runs once: when the adapter says the response is out, or
 * when the response is freed without that. */
static void
test_response_defer(void **state)
{
	struct nxm_response resp;
	int one = 1, ten = 10;

	deferred_runs = 0;
	nxm_response_init(&resp);
	assert_int_equal(nxm_response_defer(&resp, count_run, &one), 0);
	assert_int_equal(nxm_response_defer(&resp, count_run, &ten), -1);
	assert_int_equal(deferred_runs, 0);
	nxm_response_run_deferred(&resp);
	assert_int_equal(deferred_runs, 1);
	nxm_response_run_deferred(&resp);
	nxm_response_free(&resp);
	assert_int_equal(deferred_runs, 1);
	nxm_response_init(&resp);
	assert_int_equal(nxm_response_defer(&resp, count_run, &ten), 0);
	nxm_response_free(&resp);
	assert_int_equal(deferred_runs, 11);
}

static void
test_reason(void **state)
{
	assert_string_equal(nxm_http_reason(200), "OK");
	assert_string_equal(nxm_http_reason(401), "Unauthorized");
	assert_string_equal(nxm_http_reason(413), "Content Too Large");
	assert_string_equal(nxm_http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(nxm_http_reason(503), "Service Unavailable");
	assert_string_equal(nxm_http_reason(299), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_request_basic),
	        cmocka_unit_test(test_request_path),
	        cmocka_unit_test(test_request_script_name_fallback),
	        cmocka_unit_test(test_request_query),
	        cmocka_unit_test(test_request_method),
	        cmocka_unit_test(test_request_headers_limit),
	        cmocka_unit_test(test_request_header_too_long),
	        cmocka_unit_test(test_request_duplicate_header),
	        cmocka_unit_test(test_content_length),
	        cmocka_unit_test(test_response_headers),
	        cmocka_unit_test(test_response_too_many_headers),
	        cmocka_unit_test(test_response_serialize),
	        cmocka_unit_test(test_response_text_replaces_body),
	        cmocka_unit_test(test_response_error),
	        cmocka_unit_test(test_response_json),
	        cmocka_unit_test(test_response_defer),
	        cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
