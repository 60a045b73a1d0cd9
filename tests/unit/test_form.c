/* Unit tests for src/core/form.c: the strict form and query decoder. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/form.h"
#include "core/util.h"

static enum nxm_form_err
parse(const char *s, struct nxm_params *p, char *err_name, size_t err_name_size)
{
	return nxm_form_parse(s, strlen(s), p, err_name, err_name_size);
}

static void
assert_parse_fails(const char *s, enum nxm_form_err want)
{
	struct nxm_params p;
	char name[64];

	print_message("parsing \"%s\"\n", s);
	assert_int_equal(parse(s, &p, name, sizeof(name)), want);
	/* A failed parse leaves nothing half-built behind. */
	assert_int_equal(p.n, 0);
	assert_null(nxm_params_get(&p, "a"));
}

static void
test_decode_basic(void **state)
{
	struct nxm_params p;

	assert_int_equal(parse("grant_type=authorization_code&code=abc.DEF-123_~&x=", &p, NULL, 0),
	                 NXM_FORM_OK);
	assert_int_equal(p.n, 3);
	assert_string_equal(nxm_params_get(&p, "grant_type"), "authorization_code");
	assert_string_equal(nxm_params_get(&p, "code"), "abc.DEF-123_~");
	assert_string_equal(nxm_params_get(&p, "x"), "");
	assert_null(nxm_params_get(&p, "missing"));
	/* Names are case-sensitive. */
	assert_null(nxm_params_get(&p, "CODE"));
	/* Order is preserved. */
	assert_string_equal(p.v[0].name, "grant_type");
	assert_string_equal(p.v[2].name, "x");
	nxm_params_free(&p);
	assert_int_equal(p.n, 0);
}

static void
test_decode_escapes(void **state)
{
	struct nxm_params p;

	assert_int_equal(
	        parse("a=hello+world&b=1%2B1%3d2&c=K%C3%a4se&d%20e=%26%3D%25", &p, NULL, 0),
	        NXM_FORM_OK);
	assert_int_equal(p.n, 4);
	/* '+' is a space, but an encoded %2B is a literal plus. */
	assert_string_equal(nxm_params_get(&p, "a"), "hello world");
	assert_string_equal(nxm_params_get(&p, "b"), "1+1=2");
	assert_string_equal(nxm_params_get(&p, "c"), "K\xc3\xa4se");
	/* Names are decoded too, and escaped separators stay data. */
	assert_string_equal(nxm_params_get(&p, "d e"), "&=%");
	nxm_params_free(&p);

	/* Multi-line text from a textarea keeps its tab, CR and LF. */
	assert_int_equal(parse("m=one%0D%0Atwo%09x", &p, NULL, 0), NXM_FORM_OK);
	assert_string_equal(nxm_params_get(&p, "m"), "one\r\ntwo\tx");
	nxm_params_free(&p);
}

static void
test_decode_shapes(void **state)
{
	struct nxm_params p;

	/* A name without '=' has an empty value; only the first '=' splits. */
	assert_int_equal(parse("flag&k=v=w", &p, NULL, 0), NXM_FORM_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(nxm_params_get(&p, "flag"), "");
	assert_string_equal(nxm_params_get(&p, "k"), "v=w");
	nxm_params_free(&p);

	/* Empty segments are skipped wherever they appear. */
	assert_int_equal(parse("&&a=1&&b=2&", &p, NULL, 0), NXM_FORM_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(nxm_params_get(&p, "a"), "1");
	assert_string_equal(nxm_params_get(&p, "b"), "2");
	nxm_params_free(&p);

	assert_int_equal(parse("", &p, NULL, 0), NXM_FORM_OK);
	assert_int_equal(p.n, 0);
	nxm_params_free(&p);

	/* The length bounds the input: bytes past it are not read. */
	assert_int_equal(nxm_form_parse("a=1&b=2", 3, &p, NULL, 0), NXM_FORM_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(nxm_params_get(&p, "a"), "1");
	nxm_params_free(&p);
}

static void
test_bad_escapes(void **state)
{
	assert_parse_fails("a=%zz", NXM_FORM_BAD_ESCAPE);
	assert_parse_fails("a=%", NXM_FORM_BAD_ESCAPE);
	assert_parse_fails("a=%4", NXM_FORM_BAD_ESCAPE);
	assert_parse_fails("a=%4g", NXM_FORM_BAD_ESCAPE);
	assert_parse_fails("a=%g4", NXM_FORM_BAD_ESCAPE);
	assert_parse_fails("a=1&b%=2", NXM_FORM_BAD_ESCAPE);
	/* A truncated escape must not swallow the separator that follows. */
	assert_parse_fails("a=%4&b=1", NXM_FORM_BAD_ESCAPE);
}

static void
test_bad_chars(void **state)
{
	struct nxm_params p;
	char s[] = "a=x\x01y";

	assert_parse_fails("a=%00", NXM_FORM_BAD_CHAR);
	assert_parse_fails("a%00b=1", NXM_FORM_BAD_CHAR);
	assert_parse_fails("a=%1b", NXM_FORM_BAD_CHAR);
	assert_parse_fails("a=%7F", NXM_FORM_BAD_CHAR);
	assert_parse_fails(s, NXM_FORM_BAD_CHAR);
	/* A raw NUL inside the given length is refused, not a terminator. */
	assert_int_equal(nxm_form_parse("a=b\0c", 5, &p, NULL, 0), NXM_FORM_BAD_CHAR);
	assert_int_equal(p.n, 0);
	/* Invalid UTF-8, encoded or raw. */
	assert_parse_fails("a=%C3%28", NXM_FORM_BAD_CHAR);
	assert_parse_fails("a=%C0%AF", NXM_FORM_BAD_CHAR);
	assert_parse_fails("a=%ED%A0%80", NXM_FORM_BAD_CHAR);
	assert_parse_fails("a=\xff", NXM_FORM_BAD_CHAR);
	assert_parse_fails("a=%C3", NXM_FORM_BAD_CHAR);
}

static void
test_empty_name(void **state)
{
	assert_parse_fails("=x", NXM_FORM_EMPTY_NAME);
	assert_parse_fails("a=1&=x", NXM_FORM_EMPTY_NAME);
	assert_parse_fails("=", NXM_FORM_EMPTY_NAME);
}

static void
test_duplicate(void **state)
{
	struct nxm_params p;
	char name[64];

	memset(name, 'z', sizeof(name));
	assert_int_equal(parse("client_id=a&state=s&client_id=b", &p, name, sizeof(name)),
	                 NXM_FORM_DUPLICATE);
	assert_int_equal(p.n, 0);
	assert_string_equal(name, "client_id");
	/* A repeat is a repeat whatever its spelling on the wire. */
	assert_int_equal(parse("ab=1&%61b=2", &p, name, sizeof(name)), NXM_FORM_DUPLICATE);
	assert_string_equal(name, "ab");
	assert_int_equal(parse("flag&flag=", &p, name, sizeof(name)), NXM_FORM_DUPLICATE);
	/* The reported name is truncated to the buffer. */
	assert_int_equal(parse("longname=1&longname=2", &p, name, 5), NXM_FORM_DUPLICATE);
	assert_string_equal(name, "long");
	/* Only printable ASCII reaches error messages. */
	assert_int_equal(parse("a%C3%A4%0a%3E=1&a%C3%A4%0a%3E=2", &p, name, sizeof(name)),
	                 NXM_FORM_DUPLICATE);
	assert_string_equal(name, "a??"
	                          "?>");
}

static void
test_err_name(void **state)
{
	struct nxm_params p;
	char name[64];

	/* A bad value names its parameter, never the value itself. */
	assert_int_equal(parse("ok=1&redirect_uri=%zz", &p, name, sizeof(name)),
	                 NXM_FORM_BAD_ESCAPE);
	assert_string_equal(name, "redirect_uri");
	assert_int_equal(parse("password=%00secret", &p, name, sizeof(name)), NXM_FORM_BAD_CHAR);
	assert_string_equal(name, "password");
	assert_null(strstr(name, "secret"));
	/* A stale name from an earlier call must not survive. */
	assert_int_equal(parse("%zz=1", &p, name, sizeof(name)), NXM_FORM_BAD_ESCAPE);
	assert_string_equal(name, "");
	assert_int_equal(parse("a=1", &p, name, sizeof(name)), NXM_FORM_OK);
	assert_string_equal(name, "");
	nxm_params_free(&p);
}

static void
test_too_many(void **state)
{
	struct nxm_buf b = {0};
	struct nxm_params p;

	for (int i = 0; i < NXM_FORM_MAX_PARAMS; i++)
		assert_int_equal(nxm_buf_printf(&b, "%sp%d=%d", i ? "&" : "", i, i), 0);
	assert_int_equal(nxm_form_parse(b.data, b.len, &p, NULL, 0), NXM_FORM_OK);
	assert_int_equal(p.n, NXM_FORM_MAX_PARAMS);
	assert_string_equal(nxm_params_get(&p, "p63"), "63");
	nxm_params_free(&p);
	assert_int_equal(nxm_buf_puts(&b, "&p64=64"), 0);
	assert_int_equal(nxm_form_parse(b.data, b.len, &p, NULL, 0), NXM_FORM_TOO_MANY);
	assert_int_equal(p.n, 0);
	nxm_buf_free(&b);
}

static void
test_too_long(void **state)
{
	struct nxm_params p;
	size_t n = NXM_FORM_MAX_LEN + 1;
	char *s = malloc(n + 1);

	assert_non_null(s);
	memcpy(s, "a=", 2);
	memset(s + 2, 'x', n - 2);
	s[n] = '\0';
	assert_int_equal(nxm_form_parse(s, n, &p, NULL, 0), NXM_FORM_TOO_LONG);
	assert_int_equal(p.n, 0);
	/* Exactly the limit is still fine. */
	assert_int_equal(nxm_form_parse(s, n - 1, &p, NULL, 0), NXM_FORM_OK);
	assert_int_equal(strlen(nxm_params_get(&p, "a")), NXM_FORM_MAX_LEN - 2);
	nxm_params_free(&p);
	free(s);
}

static void
test_long_name(void **state)
{
	char s[NXM_FORM_MAX_NAME + 8];
	struct nxm_params p;

	memset(s, 'n', NXM_FORM_MAX_NAME);
	strcpy(s + NXM_FORM_MAX_NAME, "=1");
	assert_int_equal(parse(s, &p, NULL, 0), NXM_FORM_OK);
	assert_int_equal(p.n, 1);
	nxm_params_free(&p);
	memset(s, 'n', NXM_FORM_MAX_NAME + 1);
	strcpy(s + NXM_FORM_MAX_NAME + 1, "=1");
	assert_int_equal(parse(s, &p, NULL, 0), NXM_FORM_TOO_LONG);
	/* Without '=' the whole segment is the name. */
	s[NXM_FORM_MAX_NAME + 1] = '\0';
	assert_int_equal(parse(s, &p, NULL, 0), NXM_FORM_TOO_LONG);
}

static void
test_encode(void **state)
{
	static const char *const samples[] = {
	        "plain-._~AZaz09",
	        "a b+c&d=e%f/g?h#i",
	        "https://claude.ai/api/mcp/auth_callback?x=1&y=2",
	        "K\xc3\xa4se \xe2\x82\xac \xf0\x9f\x98\x80",
	        "\t\r\n",
	        "",
	};
	struct nxm_buf b = {0};
	struct nxm_params p;

	assert_int_equal(nxm_form_encode(&b, "a b+c/\xc3\xa4~"), 0);
	assert_string_equal(b.data, "a%20b%2Bc%2F%C3%A4~");
	for (size_t i = 0; i < NXM_ARRAY_LEN(samples); i++) {
		nxm_buf_reset(&b);
		assert_int_equal(nxm_buf_puts(&b, "v="), 0);
		assert_int_equal(nxm_form_encode(&b, samples[i]), 0);
		/* Nothing that a query or form could misread survives encoding. */
		assert_null(strpbrk(b.data + 2, "&=+ ?#/\r\n\t"));
		assert_int_equal(nxm_form_parse(b.data, b.len, &p, NULL, 0), NXM_FORM_OK);
		assert_string_equal(nxm_params_get(&p, "v"), samples[i]);
		nxm_params_free(&p);
	}
	nxm_buf_free(&b);
}

static void
test_strerror(void **state)
{
	assert_string_equal(nxm_form_strerror(NXM_FORM_DUPLICATE), "parameter repeated");
	assert_string_not_equal(nxm_form_strerror(NXM_FORM_BAD_CHAR),
	                        nxm_form_strerror(NXM_FORM_BAD_ESCAPE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_decode_basic),  cmocka_unit_test(test_decode_escapes),
	        cmocka_unit_test(test_decode_shapes), cmocka_unit_test(test_bad_escapes),
	        cmocka_unit_test(test_bad_chars),     cmocka_unit_test(test_empty_name),
	        cmocka_unit_test(test_duplicate),     cmocka_unit_test(test_err_name),
	        cmocka_unit_test(test_too_many),      cmocka_unit_test(test_too_long),
	        cmocka_unit_test(test_long_name),     cmocka_unit_test(test_encode),
	        cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
