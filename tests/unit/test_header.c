/* Unit tests for src/core/header.c: Authorization, Accept, Content-Type and
 * Origin parsing. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/crypto.h"
#include "core/header.h"
#include "core/util.h"

static void
assert_bearer(const char *value, const char *want)
{
	const char *tok = NULL;
	size_t len = 0;

	print_message("bearer \"%s\"\n", value);
	assert_int_equal(nxm_header_bearer(value, &tok, &len), NXM_HDR_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(tok, want, len);
	/* The token points into the header value, not a copy. */
	assert_true(tok >= value && tok + len <= value + strlen(value));
}

static void
assert_bearer_err(const char *value, enum nxm_header_err want)
{
	const char *tok = NULL;
	size_t len = 0;

	print_message("bearer \"%s\"\n", value != NULL ? value : "(null)");
	assert_int_equal(nxm_header_bearer(value, &tok, &len), want);
}

static void
test_bearer_ok(void **state)
{
	assert_bearer("Bearer abc.DEF-123_~+/", "abc.DEF-123_~+/");
	assert_bearer("bearer abc", "abc");
	assert_bearer("BEARER abc", "abc");
	assert_bearer("bEaReR abc", "abc");
	assert_bearer("Bearer    abc", "abc");
	assert_bearer("Bearer abc  \t", "abc");
	/* token68 allows trailing '=' padding. */
	assert_bearer("Bearer abc=", "abc=");
	assert_bearer("Bearer abc==", "abc==");
}

static void
test_bearer_refused(void **state)
{
	char *big;

	assert_bearer_err(NULL, NXM_HDR_ABSENT);
	assert_bearer_err("Bearer", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer ", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer    ", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer a b", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer a,b", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer a\"b", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer a=b", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer =abc", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer ===", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer ab\xc3\xa4", NXM_HDR_MALFORMED);
	assert_bearer_err("Bearer ab\x01", NXM_HDR_MALFORMED);
	/* RFC 6750 §2.1: exactly one SP after the scheme, at least. */
	assert_bearer_err("Bearer\tabc", NXM_HDR_MALFORMED);
	assert_bearer_err(" Bearer abc", NXM_HDR_MALFORMED);
	/* Another scheme is not a malformed bearer header. */
	assert_bearer_err("Basic x", NXM_HDR_WRONG_SCHEME);
	assert_bearer_err("Basic dXNlcjpwYXNz", NXM_HDR_WRONG_SCHEME);
	assert_bearer_err("Bearerx abc", NXM_HDR_WRONG_SCHEME);
	assert_bearer_err("DPoP abc", NXM_HDR_WRONG_SCHEME);

	/* A token over NXM_BEARER_MAX_LEN, and a header over the hard cap. */
	big = malloc(NXM_HEADER_MAX_LEN + 16);
	assert_non_null(big);
	memcpy(big, "Bearer ", 7);
	memset(big + 7, 'a', NXM_BEARER_MAX_LEN);
	big[7 + NXM_BEARER_MAX_LEN] = '\0';
	assert_bearer_err(big, NXM_HDR_OK);
	big[7 + NXM_BEARER_MAX_LEN] = 'a';
	big[7 + NXM_BEARER_MAX_LEN + 1] = '\0';
	assert_bearer_err(big, NXM_HDR_TOO_LONG);
	memset(big + 7, 'a', NXM_HEADER_MAX_LEN);
	big[7 + NXM_HEADER_MAX_LEN] = '\0';
	assert_bearer_err(big, NXM_HDR_TOO_LONG);
	free(big);
}

/* "Basic " + base64(raw), standard alphabet with padding. */
static char *
basic_header(const char *raw)
{
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)raw;
	size_t n = strlen(raw);
	struct nxm_buf b = {0};

	assert_int_equal(nxm_buf_puts(&b, "Basic "), 0);
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = alphabet[(v >> 18) & 63];
		q[1] = alphabet[(v >> 12) & 63];
		q[2] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? alphabet[v & 63] : '=';
		assert_int_equal(nxm_buf_append(&b, q, 4), 0);
	}
	return b.data;
}

static void
assert_basic(const char *raw, const char *want_id, const char *want_secret)
{
	char *h = basic_header(raw), *id = NULL, *secret = NULL;

	print_message("basic \"%s\" (%s)\n", raw, h);
	assert_int_equal(nxm_header_basic(h, &id, &secret), NXM_HDR_OK);
	assert_string_equal(id, want_id);
	assert_string_equal(secret, want_secret);
	free(id);
	nxm_str_free_secret(secret);
	free(h);
}

static void
assert_basic_err(const char *value, enum nxm_header_err want)
{
	char *id = (char *)"stale", *secret = (char *)"stale";

	print_message("basic \"%s\"\n", value != NULL ? value : "(null)");
	assert_int_equal(nxm_header_basic(value, &id, &secret), want);
	assert_null(id);
	assert_null(secret);
}

static void
assert_basic_raw_err(const char *raw)
{
	char *h = basic_header(raw);

	assert_basic_err(h, NXM_HDR_MALFORMED);
	free(h);
}

static void
test_basic(void **state)
{
	char *h, *id, *secret;

	assert_basic("client:secret", "client", "secret");
	/* RFC 6749 §2.3.1: both halves are form-encoded before base64. */
	assert_basic("client%3Aid:se+cr%2Bet%21", "client:id", "se cr+et!");
	assert_basic("K%C3%A4se:x", "K\xc3\xa4se", "x");
	/* Only the first colon splits; an empty secret is the client's business. */
	assert_basic("id:a:b", "id", "a:b");
	assert_basic("id:", "id", "");
	assert_basic("id:a=b%26c", "id", "a=b&c");
	/* Scheme case and extra spaces, as for Bearer. */
	h = basic_header("a:b");
	memcpy(h, "bAsIc", 5);
	assert_int_equal(nxm_header_basic(h, &id, &secret), NXM_HDR_OK);
	assert_string_equal(id, "a");
	free(id);
	nxm_str_free_secret(secret);
	free(h);
}

static void
test_basic_refused(void **state)
{
	assert_basic_err(NULL, NXM_HDR_ABSENT);
	assert_basic_err("Bearer abc", NXM_HDR_WRONG_SCHEME);
	assert_basic_err("Basic", NXM_HDR_MALFORMED);
	assert_basic_err("Basic !!!!", NXM_HDR_MALFORMED);
	/* Unpadded and url-alphabet base64 are not what RFC 7617 specifies. */
	assert_basic_err("Basic YTpiYw", NXM_HDR_MALFORMED);
	assert_basic_err("Basic YT-_", NXM_HDR_MALFORMED);
	assert_basic_raw_err("no-colon-here");
	assert_basic_raw_err(":secret");
	assert_basic_raw_err("%zz:secret");
	assert_basic_raw_err("id:%00");
	assert_basic_raw_err("id:%C3%28");
	/* A raw '&' is a form separator: a decoder that split on it would
	 * silently drop the rest of the secret. */
	assert_basic_raw_err("id:abc&rest=1");
	assert_basic_raw_err("id:abc&v=1");
	assert_basic_raw_err("i&d:abc");
}

static void
test_basic_nul(void **state)
{
	/* "a\0b:c" hides a NUL that would cut the id short. */
	assert_basic_err("Basic YQBiOmM=", NXM_HDR_MALFORMED);
}

static void
test_accepts_basic(void **state)
{
	/* An absent header accepts everything (RFC 9110 §12.5.1). */
	assert_true(nxm_header_accepts(NULL, "application/json"));
	assert_true(nxm_header_accepts("application/json, text/event-stream", "application/json"));
	assert_true(nxm_header_accepts("application/json, text/event-stream", "text/event-stream"));
	assert_false(nxm_header_accepts("application/json, text/event-stream", "text/html"));
	assert_false(nxm_header_accepts("application/json", "text/event-stream"));
	assert_true(nxm_header_accepts("Application/JSON", "application/json"));
	assert_true(nxm_header_accepts("application/json", "Application/Json"));
	assert_true(
	        nxm_header_accepts("  application/json  ;  charset=utf-8 ", "application/json"));
	assert_true(nxm_header_accepts("text/html,,application/json,", "application/json"));
	/* A prefix of the subtype is not a match. */
	assert_false(nxm_header_accepts("application/js", "application/json"));
	assert_false(nxm_header_accepts("application/jsonx", "application/json"));
}

static void
test_accepts_wildcards(void **state)
{
	assert_true(nxm_header_accepts("*/*", "application/json"));
	assert_true(nxm_header_accepts("*/*", "text/event-stream"));
	assert_true(nxm_header_accepts("application/*", "application/json"));
	assert_false(nxm_header_accepts("application/*", "text/event-stream"));
	/* A type that merely shares a prefix with ours is no wildcard match. */
	assert_false(nxm_header_accepts("app/*", "application/json"));
	assert_false(nxm_header_accepts("text/*", "text-x/plain"));
}

static void
test_accepts_q(void **state)
{
	assert_true(nxm_header_accepts("application/json;q=0.5", "application/json"));
	assert_true(nxm_header_accepts("application/json; q=1.000", "application/json"));
	assert_true(nxm_header_accepts("application/json;q=0.001", "application/json"));
	assert_false(nxm_header_accepts("application/json;q=0", "application/json"));
	assert_false(nxm_header_accepts("application/json;q=0.000", "application/json"));
	/* q=0 excludes even where a full wildcard would admit. */
	assert_false(nxm_header_accepts("application/json;q=0, */*", "application/json"));
	assert_true(nxm_header_accepts("application/json;q=0, */*", "text/html"));
	/* The most specific range decides, wherever it stands in the list. */
	assert_false(nxm_header_accepts("*/*;q=1, application/json;q=0", "application/json"));
	assert_false(nxm_header_accepts("*/*, application/*;q=0", "application/json"));
	assert_true(nxm_header_accepts("*/*;q=0, application/*;q=0.1", "application/json"));
	assert_true(nxm_header_accepts("application/*;q=0, application/json", "application/json"));
	assert_false(nxm_header_accepts("*/*;q=0", "application/json"));
}

static void
test_accepts_malformed(void **state)
{
	static const char *const bad[] = {
	        "application/json;q=2",
	        "application/json;q=1.5",
	        "application/json;q=1.001",
	        "application/json;q=0.1234",
	        "application/json;q=abc",
	        "application/json;q=",
	        "application/json;q=.5",
	        "application/json;q=-0",
	        "json",
	        "/json",
	        "application/",
	        "application/js on",
	        "appli\"cation/json",
	        "application/json, garbage",
	        "\xc3\xa4/json",
	};
	struct nxm_buf b = {0};

	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		print_message("accept \"%s\"\n", bad[i]);
		assert_false(nxm_header_accepts(bad[i], "application/json"));
	}
	/* 32 items are fine, a 33rd refuses the whole header. */
	for (int i = 0; i < NXM_HEADER_MAX_ITEMS - 1; i++)
		assert_int_equal(nxm_buf_printf(&b, "text/x%d, ", i), 0);
	assert_int_equal(nxm_buf_puts(&b, "application/json"), 0);
	assert_true(nxm_header_accepts(b.data, "application/json"));
	nxm_buf_reset(&b);
	for (int i = 0; i < NXM_HEADER_MAX_ITEMS; i++)
		assert_int_equal(nxm_buf_printf(&b, "text/x%d, ", i), 0);
	assert_int_equal(nxm_buf_puts(&b, "application/json"), 0);
	assert_false(nxm_header_accepts(b.data, "application/json"));
	nxm_buf_free(&b);
}

static void
test_content_type(void **state)
{
	char type[64], cs[32];

	assert_int_equal(
	        nxm_header_content_type("application/json", type, sizeof(type), cs, sizeof(cs)),
	        NXM_HDR_OK);
	assert_string_equal(type, "application/json");
	assert_string_equal(cs, "");
	assert_int_equal(nxm_header_content_type("Application/JSON; Charset=UTF-8", type,
	                                         sizeof(type), cs, sizeof(cs)),
	                 NXM_HDR_OK);
	assert_string_equal(type, "application/json");
	assert_string_equal(cs, "utf-8");
	assert_int_equal(nxm_header_content_type("text/plain;foo=bar; charset=\"utf-8\" ", type,
	                                         sizeof(type), cs, sizeof(cs)),
	                 NXM_HDR_OK);
	assert_string_equal(type, "text/plain");
	assert_string_equal(cs, "utf-8");
	assert_int_equal(nxm_header_content_type("application/x-www-form-urlencoded;", type,
	                                         sizeof(type), cs, sizeof(cs)),
	                 NXM_HDR_OK);
	assert_string_equal(type, "application/x-www-form-urlencoded");
}

static void
test_content_type_refused(void **state)
{
	static const char *const bad[] = {
	        "application",
	        "application/",
	        "/json",
	        "",
	        "application/json; charset",
	        "application/json; =x",
	        "application/json; charset=",
	        "application/json; charset=\"\"",
	        "appli cation/json",
	        "application/json, text/plain",
	};
	char type[64], cs[8];

	assert_int_equal(nxm_header_content_type(NULL, type, sizeof(type), cs, sizeof(cs)),
	                 NXM_HDR_ABSENT);
	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		print_message("content-type \"%s\"\n", bad[i]);
		assert_int_equal(
		        nxm_header_content_type(bad[i], type, sizeof(type), cs, sizeof(cs)),
		        NXM_HDR_MALFORMED);
	}
	/* Values that do not fit the caller's buffers are refused, not cut. */
	assert_int_equal(nxm_header_content_type("application/json; charset=verylongcharset", type,
	                                         sizeof(type), cs, sizeof(cs)),
	                 NXM_HDR_MALFORMED);
	assert_int_equal(nxm_header_content_type("application/json", type, 8, cs, sizeof(cs)),
	                 NXM_HDR_MALFORMED);
}

static void
test_content_type_is(void **state)
{
	assert_true(nxm_header_content_type_is("application/json", "application/json"));
	assert_true(
	        nxm_header_content_type_is("application/json; charset=utf-8", "application/json"));
	assert_true(nxm_header_content_type_is("APPLICATION/JSON;CHARSET=\"UTF-8\"",
	                                       "application/json"));
	assert_true(
	        nxm_header_content_type_is("application/json; charset=utf8", "application/json"));
	assert_false(
	        nxm_header_content_type_is("application/json; charset=latin1", "application/json"));
	assert_false(
	        nxm_header_content_type_is("application/json; charset=utf-16", "application/json"));
	assert_false(nxm_header_content_type_is("text/json", "application/json"));
	assert_false(nxm_header_content_type_is("application/jsonx", "application/json"));
	assert_false(nxm_header_content_type_is(NULL, "application/json"));
	assert_false(nxm_header_content_type_is("application", "application/json"));
}

static void
assert_origin(const char *value, const char *want)
{
	char out[256];

	print_message("origin \"%s\"\n", value);
	memset(out, 0, sizeof(out));
	assert_int_equal(nxm_header_origin(value, out, sizeof(out)), NXM_HDR_OK);
	assert_string_equal(out, want);
}

static void
test_origin(void **state)
{
	assert_origin("https://claude.ai", "https://claude.ai");
	assert_origin("HTTPS://Claude.AI:443", "https://claude.ai");
	assert_origin("http://localhost:80", "http://localhost");
	assert_origin("https://claude.ai:8443", "https://claude.ai:8443");
	assert_origin("http://127.0.0.1:6274", "http://127.0.0.1:6274");
	assert_origin("http://[::1]:3000", "http://[::1]:3000");
	/* 443 is only the default for https. */
	assert_origin("http://example.com:443", "http://example.com:443");
}

static void
test_origin_refused(void **state)
{
	static const char *const bad[] = {
	        "null",
	        "claude.ai",
	        "https://",
	        "https://claude.ai/",
	        "https://claude.ai/path",
	        "https://claude.ai?x=1",
	        "https://claude.ai#x",
	        "https://user@claude.ai",
	        "https://user:pw@claude.ai",
	        "https://claude.ai /",
	        "https://claude.ai:99999",
	        "",
	        "//claude.ai",
	};
	char out[256];

	assert_int_equal(nxm_header_origin(NULL, out, sizeof(out)), NXM_HDR_ABSENT);
	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		print_message("origin \"%s\"\n", bad[i]);
		assert_int_equal(nxm_header_origin(bad[i], out, sizeof(out)), NXM_HDR_MALFORMED);
	}
	assert_int_equal(nxm_header_origin("https://claude.ai", out, 10), NXM_HDR_TOO_LONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bearer_ok),
	        cmocka_unit_test(test_bearer_refused),
	        cmocka_unit_test(test_basic),
	        cmocka_unit_test(test_basic_refused),
	        cmocka_unit_test(test_basic_nul),
	        cmocka_unit_test(test_accepts_basic),
	        cmocka_unit_test(test_accepts_wildcards),
	        cmocka_unit_test(test_accepts_q),
	        cmocka_unit_test(test_accepts_malformed),
	        cmocka_unit_test(test_content_type),
	        cmocka_unit_test(test_content_type_refused),
	        cmocka_unit_test(test_content_type_is),
	        cmocka_unit_test(test_origin),
	        cmocka_unit_test(test_origin_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
