/* Unit tests for src/core/util.c: bounded integers, buffers, strings, UTF-8. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/util.h"

static void
test_strtonum_valid(void **state)
{
	const char *errstr = "unset";

	assert_int_equal(nxm_strtonum("0", 0, 10, &errstr), 0);
	assert_null(errstr);
	assert_int_equal(nxm_strtonum("10", 0, 10, &errstr), 10);
	assert_null(errstr);
	assert_int_equal(nxm_strtonum("-5", -10, 10, &errstr), -5);
	assert_null(errstr);
	assert_true(nxm_strtonum("9223372036854775807", 0, 9223372036854775807LL, &errstr) ==
	            9223372036854775807LL);
	assert_null(errstr);
	/* Leading zeros are still decimal, never octal. */
	assert_int_equal(nxm_strtonum("010", 0, 100, &errstr), 10);
	assert_null(errstr);
}

static void
test_strtonum_invalid(void **state)
{
	/* strtoll alone would accept the first four. */
	static const char *const bad[] = {
	        "+5", " 5", "\t5", "5 ", "5x", "0x10", "", "-", "--5", "- 5", "1e3", "5.0",
	};
	const char *errstr;

	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		errstr = NULL;
		assert_int_equal(nxm_strtonum(bad[i], -100, 100, &errstr), 0);
		assert_non_null(errstr);
		assert_string_equal(errstr, "invalid");
	}
	errstr = NULL;
	assert_int_equal(nxm_strtonum(NULL, 0, 1, &errstr), 0);
	assert_string_equal(errstr, "invalid");
	/* min > max is a caller bug and must not pass silently. */
	errstr = NULL;
	assert_int_equal(nxm_strtonum("5", 10, 1, &errstr), 0);
	assert_string_equal(errstr, "invalid");
}

static void
test_strtonum_range(void **state)
{
	const char *errstr;

	assert_int_equal(nxm_strtonum("11", 0, 10, &errstr), 0);
	assert_string_equal(errstr, "too large");
	assert_int_equal(nxm_strtonum("-1", 0, 10, &errstr), 0);
	assert_string_equal(errstr, "too small");
	/* Past what long long holds: strtoll saturates and sets ERANGE. */
	assert_int_equal(nxm_strtonum("9223372036854775808", 0, 9223372036854775807LL, &errstr), 0);
	assert_string_equal(errstr, "too large");
	assert_int_equal(nxm_strtonum("99999999999999999999999", 0, 10, &errstr), 0);
	assert_string_equal(errstr, "too large");
	assert_int_equal(
	        nxm_strtonum("-9223372036854775809", -9223372036854775807LL - 1, 0, &errstr), 0);
	assert_string_equal(errstr, "too small");
}

static void
test_buf_append_growth(void **state)
{
	struct nxm_buf b = {0};
	char chunk[100];

	memset(chunk, 'x', sizeof(chunk));
	/* Enough appends to force several reallocations past the first block. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(nxm_buf_append(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 5000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[5000], '\0');
	assert_int_equal(strlen(b.data), 5000);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.data[i], 'x');
	nxm_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
test_buf_binary_and_empty(void **state)
{
	struct nxm_buf b = {0};

	/* An empty append still gives a terminated, usable string. */
	assert_int_equal(nxm_buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(nxm_buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	nxm_buf_free(&b);
}

static void
test_buf_printf(void **state)
{
	struct nxm_buf b = {0};
	char big[1000];

	assert_int_equal(nxm_buf_puts(&b, "n="), 0);
	assert_int_equal(nxm_buf_printf(&b, "%d/%s", 42, "x"), 0);
	assert_string_equal(b.data, "n=42/x");
	assert_int_equal(b.len, 6);
	/* Longer than the buffer at hand: printf must grow, not truncate. */
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(nxm_buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 6 + 2 + 999);
	assert_int_equal(strlen(b.data), b.len);
	assert_int_equal(b.data[6], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_memory_equal(b.data, "n=42/x[yyy", 10);
	nxm_buf_free(&b);
}

static void
test_buf_reset(void **state)
{
	struct nxm_buf b = {0};

	assert_int_equal(nxm_buf_puts(&b, "secret"), 0);
	nxm_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	/* The old bytes are wiped, not just hidden behind a NUL. */
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(b.data[i], '\0');
	assert_int_equal(nxm_buf_puts(&b, "ab"), 0);
	assert_string_equal(b.data, "ab");
	assert_int_equal(b.len, 2);
	nxm_buf_free(&b);
	/* Reset of a never-used buffer must not crash. */
	nxm_buf_reset(&b);
	assert_int_equal(b.len, 0);
}

static void
test_str_ieq(void **state)
{
	assert_true(nxm_str_ieq("Content-Type", "content-type"));
	assert_true(nxm_str_ieq("", ""));
	assert_true(nxm_str_ieq("ABC", "abc"));
	assert_false(nxm_str_ieq("abc", "abd"));
	/* A prefix is not equality. */
	assert_false(nxm_str_ieq("abc", "abcd"));
	assert_false(nxm_str_ieq("abcd", "abc"));
	/* '@' and '`' differ from letters by 32 but are not their case pair. */
	assert_false(nxm_str_ieq("@", "`"));
	assert_false(nxm_str_ieq("[", "{"));
	/* ASCII only: no locale folding of Latin-1 bytes. */
	assert_false(nxm_str_ieq("\xc4", "\xe4"));
}

static void
test_str_helpers(void **state)
{
	char *s;

	assert_true(nxm_str_has_prefix("/mcp/x", "/mcp"));
	assert_false(nxm_str_has_prefix("/mc", "/mcp"));
	s = nxm_strndup("abcdef", 3);
	assert_non_null(s);
	assert_string_equal(s, "abc");
	nxm_str_free_secret(s);
	nxm_str_free_secret(NULL);
}

#define U(s) nxm_utf8_valid_text((const unsigned char *)(s), sizeof(s) - 1)

static void
test_utf8_valid(void **state)
{
	assert_true(U(""));
	assert_true(U("plain ASCII ~"));
	assert_true(U("tab\there\r\nnext line"));
	assert_true(U("K\xc3\xa4se, cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"));
	assert_true(U("\xe2\x82\xac"));             /* U+20AC */
	assert_true(U("\xf0\x9f\x98\x80"));         /* U+1F600 */
	assert_true(U("\xc2\x80"));                 /* U+0080, smallest 2-byte */
	assert_true(U("\xe0\xa0\x80"));             /* U+0800, smallest 3-byte */
	assert_true(U("\xf0\x90\x80\x80"));         /* U+10000, smallest 4-byte */
	assert_true(U("\xf4\x8f\xbf\xbf"));         /* U+10FFFF, the last one */
	assert_true(U("\xed\x9f\xbf\xee\x80\x80")); /* U+D7FF and U+E000 around surrogates */
}

static void
test_utf8_invalid(void **state)
{
	/* Overlong encodings would let "/" or NUL hide from byte checks. */
	assert_false(U("\xc0\xaf"));
	assert_false(U("\xc1\xbf"));
	assert_false(U("\xe0\x80\xaf"));
	assert_false(U("\xe0\x9f\xbf"));
	assert_false(U("\xf0\x80\x80\xaf"));
	assert_false(U("\xf0\x8f\xbf\xbf"));
	/* UTF-16 surrogates. */
	assert_false(U("\xed\xa0\x80"));
	assert_false(U("\xed\xbf\xbf"));
	/* Beyond U+10FFFF. */
	assert_false(U("\xf4\x90\x80\x80"));
	assert_false(U("\xf5\x80\x80\x80"));
	assert_false(U("\xff"));
	/* Truncated sequences, at the end and in the middle. */
	assert_false(U("\xc3"));
	assert_false(U("a\xe2\x82"));
	assert_false(U("\xf0\x9f\x98"));
	assert_false(U("\xe2\x82z"));
	/* Lone continuation bytes. */
	assert_false(U("\x80"));
	assert_false(U("a\xbf"));
	/* Controls other than tab, CR and LF. */
	assert_false(U("a\0b"));
	assert_false(U("\x01"));
	assert_false(U("\x1b[31m"));
	assert_false(U("\x7f"));
	assert_false(U("\x0b"));
	assert_false(U("\x0c"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_strtonum_valid),
	        cmocka_unit_test(test_strtonum_invalid),
	        cmocka_unit_test(test_strtonum_range),
	        cmocka_unit_test(test_buf_append_growth),
	        cmocka_unit_test(test_buf_binary_and_empty),
	        cmocka_unit_test(test_buf_printf),
	        cmocka_unit_test(test_buf_reset),
	        cmocka_unit_test(test_str_ieq),
	        cmocka_unit_test(test_str_helpers),
	        cmocka_unit_test(test_utf8_valid),
	        cmocka_unit_test(test_utf8_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
