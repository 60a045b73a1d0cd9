/* Unit tests for src/core/route.c, driven through the real programs: the
 * route tables of token, login and mcp, served from a CGI environment and
 * a body reader over memory, as the FastCGI adapter would. */
#include "autoconfig.h"

#include "testlib.h"

#include <jansson.h>

#include "core/app.h"
#include "core/db.h"
#include "core/keyring.h"
#include "core/config.h"
#include "core/http.h"
#include "core/route.h"
#include "core/util.h"
#include "mcp/program.h"
#include "oauth/programs.h"

#define BASE "https://127.0.0.1:8443"

static const char config_text[] = "base_url = " BASE "\n"
                                  "database = /nonexistent/nexmcp.db\n"
                                  "key_file = /nonexistent/server.key\n"
                                  "allowed_origins = https://claude.ai\n";

static struct nxm_app app;

struct reader {
	const char *data;
	size_t len, pos;
	int calls;
	int fail; /* return -1 once the data runs out */
};

static ssize_t
mem_read(void *ctx, void *buf, size_t n)
{
	struct reader *r = ctx;
	size_t left = r->len - r->pos;

	r->calls++;
	if (left == 0)
		return r->fail ? -1 : 0;
	/* Short reads, as a socket gives them, must be handled by the caller. */
	if (n > left)
		n = left;
	if (n > 1000)
		n = 1000;
	memcpy(buf, r->data + r->pos, n);
	r->pos += n;
	return (ssize_t)n;
}

static time_t
test_clock(void)
{
	return time(NULL);
}

static int
load_app(struct nxm_app *a, const char *name, const char *text)
{
	char err[NXM_CONFIG_ERRLEN];
	const char *path = test_write_file(name, text, 0644);

	memset(a, 0, sizeof(*a));
	if (nxm_config_load(path, &a->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* Keys and database are not needed by the routes tested here. */
	a->ready = true;
	return 0;
}

/* The shared app gets a real key file and a migrated database in a
 * private directory, as the programs have them. */
static char dir[] = "/tmp/nxm-route-XXXXXX";

static int
setup(void **state)
{
	char path[128], err[512];
	int applied = 0;

	if (load_app(&app, "route.conf", config_text) != 0 || mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/server.key", dir);
	if (nxm_keyring_create(path, err, sizeof(err)) != 0 ||
	    nxm_keyring_load(path, &app.keys, err, sizeof(err)) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/nexmcp.db", dir);
	if (nxm_db_open(path, NXM_DB_CREATE, &app.db, err, sizeof(err)) != 0 ||
	    nxm_db_migrate(app.db, nxm_migrations, nxm_migrations_count, &applied, err,
	                   sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	app.now = test_clock;
	return 0;
}

static int
teardown(void **state)
{
	nxm_app_close(&app);
	test_remove_dir(dir);
	return 0;
}

/* Serves one request; env is a NULL-terminated list without the method and
 * URI, which are given separately. */
static void
serve_body(const struct nxm_program *prog, struct nxm_app *a, const char *method, const char *uri,
           char **extra, struct reader *r, struct nxm_response *resp)
{
	char m[64], u[512], *env[32];
	size_t n = 0;
	struct reader none = {0};

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	env[n++] = m;
	env[n++] = u;
	env[n++] = (char *)"REMOTE_ADDR=192.0.2.1";
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < NXM_ARRAY_LEN(env) - 1; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	nxm_program_serve(prog, a, env, mem_read, r != NULL ? r : &none, resp);
	assert_int_equal(none.calls, 0);
}

static void
serve(const struct nxm_program *prog, const char *method, const char *uri, char **extra,
      struct nxm_response *resp)
{
	serve_body(prog, &app, method, uri, extra, NULL, resp);
}

static json_t *
body_json(const struct nxm_response *resp)
{
	json_error_t jerr;
	json_t *o;

	assert_string_equal(nxm_response_header(resp, "Content-Type"), "application/json");
	o = json_loadb(resp->body.data, resp->body.len, 0, &jerr);
	if (o == NULL)
		fail_msg("body is not JSON: %s", jerr.text);
	assert_true(json_is_object(o));
	return o;
}

static void
assert_json_error(const struct nxm_response *resp, int status, const char *code)
{
	json_t *o;

	assert_int_equal(resp->status, status);
	o = body_json(resp);
	assert_string_equal(json_string_value(json_object_get(o, "error")), code);
	json_decref(o);
}

/* True when a comma-separated header value lists item. */
static bool
lists(const char *value, const char *item)
{
	char copy[512], *tok, *save = NULL;

	if (value == NULL)
		return false;
	snprintf(copy, sizeof(copy), "%s", value);
	for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save))
		if (strcmp(tok, item) == 0)
			return true;
	return false;
}

static void
assert_default_headers(const struct nxm_response *resp)
{
	assert_string_equal(nxm_response_header(resp, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(nxm_response_header(resp, "Referrer-Policy"), "no-referrer");
	assert_non_null(nxm_response_header(resp, "Cache-Control"));
}

static void
assert_string_array(json_t *a, const char *const *want, size_t n)
{
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(a, i)), want[i]);
}

static bool
array_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (json_is_string(v) &&
	                                strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static void
assert_no_nulls(json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		print_message("member %s\n", k);
		assert_false(json_is_null(v));
	}
}

static json_t *
get_as_metadata(const char *path)
{
	struct nxm_response resp;
	json_t *o;

	serve(&nxm_token_program, "GET", path, NULL, &resp);
	assert_int_equal(resp.status, 200);
	o = body_json(&resp);
	/* Public discovery: any origin may read it, caches may keep it briefly. */
	assert_string_equal(nxm_response_header(&resp, "Access-Control-Allow-Origin"), "*");
	assert_string_equal(nxm_response_header(&resp, "Cache-Control"), "public, max-age=300");
	assert_default_headers(&resp);
	nxm_response_free(&resp);
	return o;
}

static void
test_as_metadata(void **state)
{
	static const char *const auth_methods[] = {"none", "client_secret_basic",
	                                           "client_secret_post"};
	json_t *o = get_as_metadata("/.well-known/oauth-authorization-server");

	assert_no_nulls(o);
	/* RFC 8414 §3.3: the issuer must equal the URL the metadata came from. */
	assert_string_equal(json_string_value(json_object_get(o, "issuer")), BASE);
	assert_string_equal(json_string_value(json_object_get(o, "authorization_endpoint")),
	                    BASE "/authorize");
	assert_string_equal(json_string_value(json_object_get(o, "token_endpoint")), BASE "/token");
	assert_string_equal(json_string_value(json_object_get(o, "registration_endpoint")),
	                    BASE "/register");
	assert_string_equal(json_string_value(json_object_get(o, "revocation_endpoint")),
	                    BASE "/revoke");
	assert_true(array_has(json_object_get(o, "response_types_supported"), "code"));
	assert_true(array_has(json_object_get(o, "grant_types_supported"), "authorization_code"));
	/* MCP clients refuse a server that does not announce PKCE with S256. */
	assert_true(array_has(json_object_get(o, "code_challenge_methods_supported"), "S256"));
	assert_false(array_has(json_object_get(o, "code_challenge_methods_supported"), "plain"));
	assert_string_array(json_object_get(o, "token_endpoint_auth_methods_supported"),
	                    auth_methods, NXM_ARRAY_LEN(auth_methods));
	assert_true(array_has(json_object_get(o, "scopes_supported"), "nexudus:read"));
	assert_true(array_has(json_object_get(o, "scopes_supported"), "nexudus:write"));
	assert_true(json_is_true(json_object_get(o, "client_id_metadata_document_supported")));
	assert_true(
	        json_is_true(json_object_get(o, "authorization_response_iss_parameter_supported")));
	json_decref(o);
}

static void
test_openid_configuration(void **state)
{
	json_t *as = get_as_metadata("/.well-known/oauth-authorization-server");
	json_t *oidc = get_as_metadata("/.well-known/openid-configuration");

	/* Clients that only try the OpenID path must see the same document. */
	assert_true(json_equal(as, oidc));
	assert_string_equal(json_string_value(json_object_get(oidc, "issuer")), BASE);
	json_decref(as);
	json_decref(oidc);
}

static void
test_protected_resource_metadata(void **state)
{
	static const char *const paths[] = {
	        "/.well-known/oauth-protected-resource/mcp",
	        "/.well-known/oauth-protected-resource",
	};
	static const char *const servers[] = {BASE};

	for (size_t i = 0; i < NXM_ARRAY_LEN(paths); i++) {
		struct nxm_response resp;
		json_t *o;

		print_message("GET %s\n", paths[i]);
		serve(&nxm_token_program, "GET", paths[i], NULL, &resp);
		assert_int_equal(resp.status, 200);
		o = body_json(&resp);
		assert_no_nulls(o);
		/* RFC 9728: the resource is the URL clients call, exactly. */
		assert_string_equal(json_string_value(json_object_get(o, "resource")), BASE "/mcp");
		assert_string_array(json_object_get(o, "authorization_servers"), servers, 1);
		assert_true(array_has(json_object_get(o, "bearer_methods_supported"), "header"));
		assert_true(array_has(json_object_get(o, "scopes_supported"), "nexudus:read"));
		assert_string_equal(nxm_response_header(&resp, "Access-Control-Allow-Origin"), "*");
		json_decref(o);
		nxm_response_free(&resp);
	}
}

static void
test_head_metadata(void **state)
{
	struct nxm_response resp;

	serve(&nxm_token_program, "HEAD", "/.well-known/oauth-authorization-server", NULL, &resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 0);
	/* The headers are those GET would send. */
	assert_string_equal(nxm_response_header(&resp, "Content-Type"), "application/json");
	assert_string_equal(nxm_response_header(&resp, "Cache-Control"), "public, max-age=300");
	nxm_response_free(&resp);
}

static void
test_mcp_without_token(void **state)
{
	static const char *const methods[] = {"POST", "GET", "DELETE"};
	char *extra[] = {"CONTENT_TYPE=application/json", "CONTENT_LENGTH=2", NULL};

	for (size_t i = 0; i < NXM_ARRAY_LEN(methods); i++) {
		struct reader r = {.data = "{}", .len = 2};
		struct nxm_response resp;

		print_message("%s /mcp\n", methods[i]);
		serve_body(&nxm_mcp_program, &app, methods[i], "/mcp", extra, &r, &resp);
		assert_json_error(&resp, 401, "unauthorized");
		/* RFC 9728 §5.1: the challenge leads to the metadata; no error
		 * code when no credentials were sent (RFC 6750 §3.1). */
		assert_string_equal(nxm_response_header(&resp, "WWW-Authenticate"),
		                    "Bearer resource_metadata=\"" BASE
		                    "/.well-known/oauth-protected-resource/mcp\", "
		                    "scope=\"nexudus:read nexudus:write\"");
		assert_string_equal(nxm_response_header(&resp, "Cache-Control"), "no-store");
		assert_default_headers(&resp);
		nxm_response_free(&resp);
	}
}

static void
test_mcp_malformed_bearer(void **state)
{
	static const char *const bad[] = {
	        "HTTP_AUTHORIZATION=Bearer a b",
	        "HTTP_AUTHORIZATION=Bearer",
	        "HTTP_AUTHORIZATION=Bearer \"quoted\"",
	};

	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		char *extra[] = {(char *)bad[i], NULL};
		struct nxm_response resp;
		const char *h;

		print_message("%s\n", bad[i]);
		serve(&nxm_mcp_program, "GET", "/mcp", extra, &resp);
		assert_json_error(&resp, 401, "invalid_token");
		h = nxm_response_header(&resp, "WWW-Authenticate");
		assert_non_null(h);
		assert_true(nxm_str_has_prefix(h, "Bearer error=\"invalid_token\", "));
		assert_non_null(strstr(h, "resource_metadata=\"" BASE
		                          "/.well-known/oauth-protected-resource/mcp\""));
		nxm_response_free(&resp);
	}
}

static void
test_mcp_allowed_origin(void **state)
{
	char *extra[] = {"HTTP_ORIGIN=https://claude.ai", NULL};
	char *own[] = {"HTTP_ORIGIN=" BASE, NULL};
	struct nxm_response resp;

	/* The 401 itself must be readable by the browser client. */
	serve(&nxm_mcp_program, "GET", "/mcp", extra, &resp);
	assert_int_equal(resp.status, 401);
	assert_string_equal(nxm_response_header(&resp, "Access-Control-Allow-Origin"),
	                    "https://claude.ai");
	assert_true(lists(nxm_response_header(&resp, "Access-Control-Expose-Headers"),
	                  "WWW-Authenticate"));
	assert_true(lists(nxm_response_header(&resp, "Access-Control-Expose-Headers"),
	                  "Mcp-Session-Id"));
	assert_string_equal(nxm_response_header(&resp, "Vary"), "Origin");
	nxm_response_free(&resp);
	/* The server's own origin is always allowed. */
	serve(&nxm_mcp_program, "GET", "/mcp", own, &resp);
	assert_int_equal(resp.status, 401);
	assert_string_equal(nxm_response_header(&resp, "Access-Control-Allow-Origin"), BASE);
	nxm_response_free(&resp);
}

static void
test_mcp_preflight(void **state)
{
	char *extra[] = {
	        "HTTP_ORIGIN=https://claude.ai",
	        "HTTP_ACCESS_CONTROL_REQUEST_METHOD=POST",
	        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS=authorization, content-type, "
	        "mcp-protocol-version",
	        NULL,
	};
	struct nxm_response resp;
	const char *m, *h;

	serve(&nxm_mcp_program, "OPTIONS", "/mcp", extra, &resp);
	assert_int_equal(resp.status, 204);
	assert_int_equal(resp.body.len, 0);
	assert_string_equal(nxm_response_header(&resp, "Access-Control-Allow-Origin"),
	                    "https://claude.ai");
	m = nxm_response_header(&resp, "Access-Control-Allow-Methods");
	assert_true(lists(m, "POST"));
	assert_true(lists(m, "GET"));
	assert_true(lists(m, "DELETE"));
	assert_false(lists(m, "PUT"));
	h = nxm_response_header(&resp, "Access-Control-Allow-Headers");
	assert_true(lists(h, "Authorization"));
	assert_true(lists(h, "Content-Type"));
	assert_true(lists(h, "Mcp-Session-Id"));
	assert_true(lists(h, "Mcp-Protocol-Version"));
	assert_non_null(nxm_response_header(&resp, "Access-Control-Max-Age"));
	assert_string_equal(nxm_response_header(&resp, "Vary"), "Origin");
	/* A preflight never reaches the handler. */
	assert_null(nxm_response_header(&resp, "WWW-Authenticate"));
	nxm_response_free(&resp);
}

static void
test_mcp_foreign_origin(void **state)
{
	static const char *const origins[] = {
	        "HTTP_ORIGIN=https://evil.example",           "HTTP_ORIGIN=null",
	        "HTTP_ORIGIN=https://claude.ai.evil.example", "HTTP_ORIGIN=http://claude.ai",
	        "HTTP_ORIGIN=https://claude.ai:8443",         "HTTP_ORIGIN=https://127.0.0.1",
	};
	static const char *const methods[] = {"OPTIONS", "POST", "GET"};

	for (size_t i = 0; i < NXM_ARRAY_LEN(origins); i++) {
		for (size_t j = 0; j < NXM_ARRAY_LEN(methods); j++) {
			char *extra[] = {(char *)origins[i], "CONTENT_LENGTH=2", NULL};
			struct reader r = {.data = "{}", .len = 2};
			struct nxm_response resp;

			print_message("%s %s\n", methods[j], origins[i]);
			serve_body(&nxm_mcp_program, &app, methods[j], "/mcp", extra, &r, &resp);
			/* DNS rebinding defence: refused before any handler runs. */
			assert_json_error(&resp, 403, "forbidden_origin");
			assert_null(nxm_response_header(&resp, "Access-Control-Allow-Origin"));
			assert_null(nxm_response_header(&resp, "WWW-Authenticate"));
			nxm_response_free(&resp);
		}
	}
}

static void
test_any_origin(void **state)
{
	struct nxm_app any;
	char *extra[] = {"HTTP_ORIGIN=https://evil.example", NULL};
	char *junk[] = {"HTTP_ORIGIN=null", NULL};
	struct nxm_response resp;

	assert_int_equal(load_app(&any, "any.conf",
	                          "base_url = " BASE "\ndatabase = d\nkey_file = k\n"
	                          "allowed_origins = *\n"),
	                 0);
	serve_body(&nxm_mcp_program, &any, "GET", "/mcp", extra, NULL, &resp);
	assert_int_equal(resp.status, 401);
	assert_string_equal(nxm_response_header(&resp, "Access-Control-Allow-Origin"),
	                    "https://evil.example");
	nxm_response_free(&resp);
	/* '*' admits every origin, but not something that is not one. */
	serve_body(&nxm_mcp_program, &any, "GET", "/mcp", junk, NULL, &resp);
	assert_int_equal(resp.status, 403);
	nxm_response_free(&resp);
	nxm_config_free(&any.cfg);
}

static void
test_not_found(void **state)
{
	static const char *const paths[] = {
	        "/nope",         "/mcp", "/token/", "/.well-known/oauth-authorization-server/x",
	        "/.well-known/", "/",    "/TOKEN",
	};

	for (size_t i = 0; i < NXM_ARRAY_LEN(paths); i++) {
		struct nxm_response resp;

		print_message("GET %s\n", paths[i]);
		/* The token program does not serve /mcp: each program its own table. */
		serve(&nxm_token_program, "GET", paths[i], NULL, &resp);
		assert_json_error(&resp, 404, "not_found");
		assert_default_headers(&resp);
		assert_string_equal(nxm_response_header(&resp, "Cache-Control"), "no-store");
		nxm_response_free(&resp);
	}
}

static void
test_method_not_allowed(void **state)
{
	struct nxm_response resp;
	const char *allow;
	char *extra[] = {"CONTENT_LENGTH=5", NULL};
	struct reader r = {.data = "a=b&c", .len = 5};

	serve_body(&nxm_token_program, &app, "PUT", "/token", extra, &r, &resp);
	assert_json_error(&resp, 405, "method_not_allowed");
	allow = nxm_response_header(&resp, "Allow");
	assert_true(lists(allow, "POST"));
	assert_true(lists(allow, "OPTIONS"));
	assert_false(lists(allow, "PUT"));
	assert_false(lists(allow, "GET"));
	/* 405 is decided before the body is read. */
	assert_int_equal(r.calls, 0);
	nxm_response_free(&resp);

	serve(&nxm_token_program, "DELETE", "/.well-known/oauth-authorization-server", NULL, &resp);
	assert_json_error(&resp, 405, "method_not_allowed");
	allow = nxm_response_header(&resp, "Allow");
	assert_true(lists(allow, "GET"));
	assert_true(lists(allow, "HEAD"));
	assert_false(lists(allow, "DELETE"));
	nxm_response_free(&resp);

	/* Methods nexmcp has never heard of are 405 too, not 400 or 500. */
	serve(&nxm_token_program, "PATCH", "/token", NULL, &resp);
	assert_int_equal(resp.status, 405);
	nxm_response_free(&resp);
}

static size_t
route_limit(const struct nxm_program *prog, const char *path)
{
	for (size_t i = 0; i < prog->nroutes; i++)
		if (strcmp(prog->routes[i].path, path) == 0)
			return prog->routes[i].max_body;
	fail_msg("no route %s", path);
	return 0;
}

static void
test_body_too_large(void **state)
{
	size_t limit = route_limit(&nxm_token_program, "/token");
	char cl[64], *extra[] = {cl, "CONTENT_TYPE=application/x-www-form-urlencoded", NULL};
	char *body;
	struct reader r = {0};
	struct nxm_response resp;

	assert_true(limit > 0 && limit < NXM_REQ_MAX_BODY);
	body = malloc(limit + 1);
	assert_non_null(body);
	memset(body, 'a', limit + 1);
	r.data = body;
	r.len = limit + 1;

	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", limit + 1);
	serve_body(&nxm_token_program, &app, "POST", "/token", extra, &r, &resp);
	assert_json_error(&resp, 413, "invalid_request");
	/* Refused on the announced length, without reading a byte. */
	assert_int_equal(r.calls, 0);
	nxm_response_free(&resp);

	/* Past even the hard cap, on a route with a large limit. */
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%d", NXM_REQ_MAX_BODY + 1);
	serve_body(&nxm_mcp_program, &app, "POST", "/mcp", extra, &r, &resp);
	assert_int_equal(resp.status, 413);
	assert_int_equal(r.calls, 0);
	nxm_response_free(&resp);

	/* Exactly the limit is read in full and reaches the handler, which
	 * parses the whole form: its answer names the grant at the start and
	 * would be a malformed-form error had the padding at the end been cut. */
	memcpy(body, "grant_type=none&pad=", 20);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", limit);
	r.len = limit;
	serve_body(&nxm_token_program, &app, "POST", "/token", extra, &r, &resp);
	assert_json_error(&resp, 400, "unsupported_grant_type");
	assert_true(r.calls > 0);
	assert_int_equal(r.pos, limit);
	nxm_response_free(&resp);
	free(body);
}

static void
test_bad_content_length(void **state)
{
	char *extra[] = {"CONTENT_LENGTH=-1", NULL};
	struct reader r = {.data = "abc", .len = 3};
	struct nxm_response resp;

	serve_body(&nxm_token_program, &app, "POST", "/token", extra, &r, &resp);
	assert_json_error(&resp, 400, "invalid_request");
	assert_int_equal(r.calls, 0);
	nxm_response_free(&resp);
}

static void
test_short_body(void **state)
{
	char *extra[] = {"CONTENT_LENGTH=10", NULL};
	struct reader r = {.data = "a=bc", .len = 4};
	struct reader err = {.data = "a=bc", .len = 4, .fail = 1};
	struct nxm_response resp;

	/* The client promised 10 bytes and sent 4: never handle half a body. */
	serve_body(&nxm_token_program, &app, "POST", "/token", extra, &r, &resp);
	assert_json_error(&resp, 400, "invalid_request");
	assert_true(r.calls >= 2);
	nxm_response_free(&resp);
	serve_body(&nxm_token_program, &app, "POST", "/token", extra, &err, &resp);
	assert_json_error(&resp, 400, "invalid_request");
	nxm_response_free(&resp);
}

static void
test_not_ready(void **state)
{
	struct nxm_app broken;
	char *extra[] = {"CONTENT_LENGTH=2", NULL};
	struct reader r = {.data = "{}", .len = 2};
	struct nxm_response resp;

	memset(&broken, 0, sizeof(broken));
	snprintf(broken.error, sizeof(broken.error), "key file /etc/xyzzy.key unreadable");
	serve_body(&nxm_mcp_program, &broken, "POST", "/mcp", extra, &r, &resp);
	assert_json_error(&resp, 503, "temporarily_unavailable");
	assert_int_equal(r.calls, 0);
	/* The reason is for the log, never for the client. */
	assert_null(strstr(resp.body.data, "xyzzy"));
	assert_default_headers(&resp);
	nxm_response_free(&resp);
	serve_body(&nxm_token_program, &broken, "GET", "/.well-known/oauth-authorization-server",
	           NULL, NULL, &resp);
	assert_int_equal(resp.status, 503);
	nxm_response_free(&resp);
}

static void
test_bad_request_env(void **state)
{
	char *env[] = {"REQUEST_METHOD=get", "REQUEST_URI=/token", NULL};
	struct nxm_response resp;

	nxm_program_serve(&nxm_token_program, &app, env, mem_read, NULL, &resp);
	assert_json_error(&resp, 400, "invalid_request");
	nxm_response_free(&resp);
}

static void
assert_html_page(const struct nxm_response *resp, int status)
{
	const char *csp = nxm_response_header(resp, "Content-Security-Policy");

	assert_int_equal(resp->status, status);
	assert_string_equal(nxm_response_header(resp, "Content-Type"), "text/html; charset=utf-8");
	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'none'"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_non_null(strstr(csp, "form-action 'self'"));
	assert_string_equal(nxm_response_header(resp, "X-Frame-Options"), "DENY");
	assert_string_equal(nxm_response_header(resp, "Cache-Control"), "no-store");
	assert_non_null(strstr(resp->body.data, "<!DOCTYPE html>"));
	/* Browser pages get no CORS headers. */
	assert_null(nxm_response_header(resp, "Access-Control-Allow-Origin"));
}

static void
test_authorize_without_client_id(void **state)
{
	static const char *const uris[] = {
	        ("/authorize?response_type=code&redirect_uri=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
	         "&state=<script>x</script>"),
	        "/authorize?<script>alert(1)</script>=1&client_id=",
	        "/authorize",
	};

	for (size_t i = 0; i < NXM_ARRAY_LEN(uris); i++) {
		struct nxm_response resp;

		print_message("GET %s\n", uris[i]);
		serve(&nxm_login_program, "GET", uris[i], NULL, &resp);
		assert_html_page(&resp, 400);
		assert_non_null(strstr(resp.body.data, "no client_id"));
		/* Nothing from the query is echoed, raw or otherwise. */
		assert_null(strstr(resp.body.data, "<script"));
		assert_null(strstr(resp.body.data, "alert"));
		nxm_response_free(&resp);
	}
}

static void
test_authorize_escapes(void **state)
{
	struct nxm_response resp;

	/* A repeated parameter is named in the page, so its name must be escaped. */
	serve(&nxm_login_program, "GET", "/authorize?<script>=1&<script>=2", NULL, &resp);
	assert_html_page(&resp, 400);
	assert_null(strstr(resp.body.data, "<script>"));
	assert_non_null(strstr(resp.body.data, "&lt;script&gt;"));
	nxm_response_free(&resp);

	serve(&nxm_login_program, "GET", "/authorize?client_id=a&client_id=%22%3E%3Cb%3E", NULL,
	      &resp);
	assert_html_page(&resp, 400);
	assert_null(strstr(resp.body.data, "<b>"));
	nxm_response_free(&resp);
}

static void
test_authorize_unknown_client(void **state)
{
	struct nxm_response resp;

	serve(&nxm_login_program, "GET",
	      "/authorize?client_id=https%3A%2F%2Fevil.example%2F%3Cscript%3E&response_type=code",
	      NULL, &resp);
	assert_html_page(&resp, 400);
	assert_non_null(strstr(resp.body.data, "unknown client_id"));
	assert_null(strstr(resp.body.data, "evil.example"));
	/* Never redirected: the redirect target is not trusted yet. */
	assert_null(nxm_response_header(&resp, "Location"));
	nxm_response_free(&resp);
}

static void
test_base_path(void **state)
{
	struct nxm_app sub;
	struct nxm_response resp;
	json_t *o;

	assert_int_equal(load_app(&sub, "sub.conf",
	                          "base_url = https://example.com/nexmcp/\n"
	                          "database = d\nkey_file = k\n"),
	                 0);
	serve_body(&nxm_token_program, &sub, "GET", "/nexmcp/.well-known/oauth-protected-resource",
	           NULL, NULL, &resp);
	assert_int_equal(resp.status, 200);
	o = body_json(&resp);
	assert_string_equal(json_string_value(json_object_get(o, "resource")),
	                    "https://example.com/nexmcp/mcp");
	json_decref(o);
	nxm_response_free(&resp);
	/* Outside the base path, and a mere shared prefix, are not found. */
	serve_body(&nxm_token_program, &sub, "GET", "/.well-known/oauth-protected-resource", NULL,
	           NULL, &resp);
	assert_json_error(&resp, 404, "not_found");
	nxm_response_free(&resp);
	serve_body(&nxm_token_program, &sub, "GET", "/nexmcpX/.well-known/oauth-protected-resource",
	           NULL, NULL, &resp);
	assert_json_error(&resp, 404, "not_found");
	nxm_response_free(&resp);
	/* The challenge points at the metadata below the base path. */
	serve_body(&nxm_mcp_program, &sub, "GET", "/nexmcp/mcp", NULL, NULL, &resp);
	assert_int_equal(resp.status, 401);
	assert_non_null(strstr(nxm_response_header(&resp, "WWW-Authenticate"),
	                       "resource_metadata=\"https://example.com/nexmcp/.well-known/"
	                       "oauth-protected-resource/mcp\""));
	nxm_response_free(&resp);
	nxm_config_free(&sub.cfg);
}

static void
test_method_parse(void **state)
{
	unsigned bit = 0;

	assert_int_equal(nxm_method_parse("GET", &bit), 0);
	assert_int_equal(bit, NXM_GET);
	assert_int_equal(nxm_method_parse("OPTIONS", &bit), 0);
	assert_int_equal(bit, NXM_OPTIONS);
	assert_int_equal(nxm_method_parse("get", &bit), -1);
	assert_int_equal(nxm_method_parse("PATCH", &bit), -1);
	assert_int_equal(nxm_method_parse("", &bit), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_as_metadata),
	        cmocka_unit_test(test_openid_configuration),
	        cmocka_unit_test(test_protected_resource_metadata),
	        cmocka_unit_test(test_head_metadata),
	        cmocka_unit_test(test_mcp_without_token),
	        cmocka_unit_test(test_mcp_malformed_bearer),
	        cmocka_unit_test(test_mcp_allowed_origin),
	        cmocka_unit_test(test_mcp_preflight),
	        cmocka_unit_test(test_mcp_foreign_origin),
	        cmocka_unit_test(test_any_origin),
	        cmocka_unit_test(test_not_found),
	        cmocka_unit_test(test_method_not_allowed),
	        cmocka_unit_test(test_body_too_large),
	        cmocka_unit_test(test_bad_content_length),
	        cmocka_unit_test(test_short_body),
	        cmocka_unit_test(test_not_ready),
	        cmocka_unit_test(test_bad_request_env),
	        cmocka_unit_test(test_authorize_without_client_id),
	        cmocka_unit_test(test_authorize_escapes),
	        cmocka_unit_test(test_authorize_unknown_client),
	        cmocka_unit_test(test_base_path),
	        cmocka_unit_test(test_method_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
