/* Unit tests for src/core/url.c: parsing, origins and the base URL rules. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/url.h"
#include "core/util.h"

static void
test_parse_https(void **state)
{
	struct nxm_url u;

	assert_int_equal(nxm_url_parse("HTTPS://Example.COM/a/b?x=1&y=2#frag", &u), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.host, "example.com");
	assert_null(u.user);
	assert_null(u.port);
	assert_int_equal(u.port_num, 443);
	assert_string_equal(u.path, "/a/b");
	assert_string_equal(u.query, "x=1&y=2");
	assert_string_equal(u.fragment, "frag");
	assert_non_null(u.normalised);
	nxm_url_free(&u);
	assert_null(u.host);

	/* Hierarchical URLs always have a path. */
	assert_int_equal(nxm_url_parse("https://example.com", &u), 0);
	assert_string_equal(u.path, "/");
	assert_null(u.query);
	assert_null(u.fragment);
	nxm_url_free(&u);
}

static void
test_parse_loopback(void **state)
{
	struct nxm_url u;

	assert_int_equal(nxm_url_parse("http://127.0.0.1:8080/callback", &u), 0);
	assert_string_equal(u.scheme, "http");
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "8080");
	assert_int_equal(u.port_num, 8080);
	assert_string_equal(u.path, "/callback");
	nxm_url_free(&u);

	assert_int_equal(nxm_url_parse("http://[::1]:33418/cb?state=x", &u), 0);
	assert_string_equal(u.host, "[::1]");
	assert_string_equal(u.port, "33418");
	assert_int_equal(u.port_num, 33418);
	assert_string_equal(u.path, "/cb");
	assert_string_equal(u.query, "state=x");
	nxm_url_free(&u);

	assert_int_equal(nxm_url_parse("http://localhost/", &u), 0);
	assert_null(u.port);
	assert_int_equal(u.port_num, 80);
	nxm_url_free(&u);
}

static void
test_parse_private_scheme(void **state)
{
	struct nxm_url u;

	/* RFC 8252 §7.1 private-use schemes, as desktop clients register them. */
	assert_int_equal(nxm_url_parse("cursor://anysphere.cursor-retrieval/oauth/callback", &u),
	                 0);
	assert_string_equal(u.scheme, "cursor");
	assert_string_equal(u.host, "anysphere.cursor-retrieval");
	assert_string_equal(u.path, "/oauth/callback");
	assert_null(u.port);
	/* No default port is known for a scheme we do not speak. */
	assert_int_equal(u.port_num, 0);
	nxm_url_free(&u);
}

static void
test_parse_refused(void **state)
{
	static const char *const bad[] = {
	        "/relative/path",
	        "relative",
	        "example.com/x",
	        "//example.com/x",
	        "",
	        "https://exa mple.com/",
	        "https://example.com/a b",
	        " https://example.com/",
	        "https://example.com/\t",
	        "https://example.com/\r\nX: y",
	        "https:\\\\example.com\\",
	        "https://example.com\\@evil.com/",
	        "javascript:alert(1)",
	        "mailto:a@example.com",
	        "data:text/html,x",
	        "https://",
	        "https://example.com/\xc3\x28",
	};
	struct nxm_url u;

	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		print_message("url \"%s\"\n", bad[i]);
		assert_int_equal(nxm_url_parse(bad[i], &u), -1);
		/* Nothing allocated is left behind for the caller to free. */
		assert_null(u.scheme);
		assert_null(u.host);
		assert_null(u.normalised);
	}
	assert_int_equal(nxm_url_parse(NULL, &u), -1);
}

static void
test_parse_ports(void **state)
{
	static const char *const bad[] = {
	        "https://example.com:0/",           "https://example.com:65536/",
	        "https://example.com:-1/",          "https://example.com:abc/",
	        "https://example.com:99999999999/",
	};
	struct nxm_url u;

	assert_int_equal(nxm_url_parse("https://example.com:1/", &u), 0);
	assert_int_equal(u.port_num, 1);
	nxm_url_free(&u);
	assert_int_equal(nxm_url_parse("https://example.com:65535/", &u), 0);
	assert_int_equal(u.port_num, 65535);
	nxm_url_free(&u);
	/* An explicit default port is still reported as given. */
	assert_int_equal(nxm_url_parse("https://example.com:443/", &u), 0);
	assert_int_equal(u.port_num, 443);
	nxm_url_free(&u);
	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		print_message("url \"%s\"\n", bad[i]);
		assert_int_equal(nxm_url_parse(bad[i], &u), -1);
	}
}

static void
assert_origin(const char *url, const char *want)
{
	struct nxm_url u;
	char *o;

	print_message("origin of \"%s\"\n", url);
	assert_int_equal(nxm_url_parse(url, &u), 0);
	o = nxm_url_origin(&u);
	assert_non_null(o);
	assert_string_equal(o, want);
	free(o);
	nxm_url_free(&u);
}

static void
test_origin(void **state)
{
	assert_origin("https://Claude.AI/api/mcp/auth_callback?x=1", "https://claude.ai");
	assert_origin("https://claude.ai:443/", "https://claude.ai");
	assert_origin("https://claude.ai:8443/x", "https://claude.ai:8443");
	assert_origin("http://localhost:80/", "http://localhost");
	assert_origin("http://localhost:443/", "http://localhost:443");
	assert_origin("http://[::1]:6274/", "http://[::1]:6274");
	assert_origin("cursor://anysphere.cursor-retrieval/oauth/callback",
	              "cursor://anysphere.cursor-retrieval");
}

static void
test_loopback(void **state)
{
	static const char *const yes[] = {
	        "localhost", "127.0.0.1", "127.0.0.2", "127.255.255.254", "[::1]",
	};
	/* Names that merely look like loopback resolve wherever DNS says. */
	static const char *const no[] = {
	        "example.com",
	        "localhost.example.com",
	        "127.example.com",
	        "127.0.0.1.nip.io",
	        "128.0.0.1",
	        "0.0.0.0",
	        "[::2]",
	        "[::]",
	        "1127.0.0.1",
	        "",
	        "127.",
	        "127.0.0.256",
	};

	for (size_t i = 0; i < NXM_ARRAY_LEN(yes); i++) {
		print_message("loopback \"%s\"\n", yes[i]);
		assert_true(nxm_url_host_is_loopback(yes[i]));
	}
	for (size_t i = 0; i < NXM_ARRAY_LEN(no); i++) {
		print_message("not loopback \"%s\"\n", no[i]);
		assert_false(nxm_url_host_is_loopback(no[i]));
	}
}

static void
assert_base(const char *url, const char *want_base, const char *want_path)
{
	char *base = NULL, *path = NULL;
	const char *why = "unset";

	print_message("base \"%s\"\n", url);
	assert_int_equal(nxm_url_base(url, &base, &path, &why), 0);
	assert_null(why);
	assert_string_equal(base, want_base);
	assert_string_equal(path, want_path);
	free(base);
	free(path);
}

static void
assert_base_refused(const char *url, const char *why_part)
{
	char *base = (char *)"stale", *path = (char *)"stale";
	const char *why = NULL;

	print_message("base \"%s\"\n", url);
	assert_int_equal(nxm_url_base(url, &base, &path, &why), -1);
	assert_null(base);
	assert_null(path);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
}

static void
test_base(void **state)
{
	assert_base("https://mcp.example.com", "https://mcp.example.com", "");
	assert_base("https://mcp.example.com/", "https://mcp.example.com", "");
	assert_base("https://Mcp.Example.com:443/nexmcp", "https://mcp.example.com/nexmcp",
	            "/nexmcp");
	assert_base("https://example.com/nexmcp/", "https://example.com/nexmcp", "/nexmcp");
	assert_base("https://example.com/a/b//", "https://example.com/a/b", "/a/b");
	assert_base("https://127.0.0.1:8443", "https://127.0.0.1:8443", "");
	/* Plain http only where nothing crosses a network. */
	assert_base("http://localhost:8080/nexmcp", "http://localhost:8080/nexmcp", "/nexmcp");
	assert_base("http://127.0.0.1/", "http://127.0.0.1", "");
	assert_base("http://[::1]:8080", "http://[::1]:8080", "");
}

static void
test_base_refused(void **state)
{
	assert_base_refused("http://example.com/", "https");
	assert_base_refused("http://127.example.com/", "https");
	assert_base_refused("http://localhost.example.com/", "https");
	assert_base_refused("ftp://example.com/", "https");
	assert_base_refused("cursor://example.com/", "https");
	assert_base_refused("https://example.com/?x=1", "query");
	assert_base_refused("https://example.com/#top", "fragment");
	assert_base_refused("https://user@example.com/", "user");
	assert_base_refused("https://user:pw@example.com/", "user");
	assert_base_refused("example.com", "absolute");
	assert_base_refused("/nexmcp", "absolute");
}

/* libcurl decodes percent escapes in the host; a raw byte that is not ASCII
 * would then make a "normalised" URL that does not parse again (found by
 * fuzz_url). */
static void
test_parse_host_escapes(void **state)
{
	struct nxm_url u;
	char *base = NULL, *path = NULL;
	const char *why;

	assert_int_equal(nxm_url_parse("https://ff%FFff/x", &u), -1);
	assert_int_equal(nxm_url_parse("https://exa%6Dple.com/x", &u), 0);
	assert_string_equal(u.host, "example.com");
	nxm_url_free(&u);
	assert_int_equal(nxm_url_base("https:/FF%FFFFFFFF", &base, &path, &why), -1);
	assert_int_equal(nxm_url_parse("https://b\xc3\xa4r.example/", &u), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_https),
	        cmocka_unit_test(test_parse_loopback),
	        cmocka_unit_test(test_parse_private_scheme),
	        cmocka_unit_test(test_parse_refused),
	        cmocka_unit_test(test_parse_ports),
	        cmocka_unit_test(test_origin),
	        cmocka_unit_test(test_loopback),
	        cmocka_unit_test(test_base),
	        cmocka_unit_test(test_base_refused),
	        cmocka_unit_test(test_parse_host_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
