/* Unit tests for src/pii/token.c: the «PII:<CATEGORY>:<hex>» format, its
 * strict parser, finding tokens inside text, keys, and the salted MAC. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/crypto.h"
#include "core/util.h"
#include "pii/token.h"

#define LQ "\xc2\xab"
#define RQ "\xc2\xbb"

static void
salt_of(unsigned char salt[NXM_PII_SALT_LEN], unsigned char first)
{
	for (int i = 0; i < NXM_PII_SALT_LEN; i++)
		salt[i] = (unsigned char)(first + i);
}

static void
test_format(void **state)
{
	char out[NXM_PII_TOKEN_MAX];
	const char *hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	(void)state;
	assert_int_equal(nxm_pii_token_format(NXM_PII_NAME, "1a2b3c4d", 8, out, sizeof(out)), 0);
	assert_string_equal(out, LQ "PII:NAME:1a2b3c4d" RQ);
	assert_int_equal(nxm_pii_token_format(NXM_PII_ID_DOC, "00ff00ff00", 10, out, sizeof(out)),
	                 0);
	assert_string_equal(out, LQ "PII:ID_DOC:00ff00ff00" RQ);
	/* The longest token fits NXM_PII_TOKEN_MAX. */
	assert_int_equal(nxm_pii_token_format(NXM_PII_FINANCIAL, hex64, 64, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 6 + 9 + 1 + 64 + 2);
	/* Every category by its catalog name. */
	for (enum nxm_pii c = NXM_PII_NAME; c <= NXM_PII_BIO; c++) {
		char want[64];
		assert_int_equal(nxm_pii_token_format(c, "deadbeef", 8, out, sizeof(out)), 0);
		snprintf(want, sizeof(want), LQ "PII:%s:deadbeef" RQ, nxm_pii_name(c));
		assert_string_equal(out, want);
	}
	/* Refused: no category, bad hex, too small a buffer. */
	assert_int_equal(nxm_pii_token_format(NXM_PII_NONE, "deadbeef", 8, out, sizeof(out)), -1);
	assert_int_equal(nxm_pii_token_format((enum nxm_pii)99, "deadbeef", 8, out, sizeof(out)),
	                 -1);
	assert_int_equal(nxm_pii_token_format(NXM_PII_NAME, "DEADBEEF", 8, out, sizeof(out)), -1);
	assert_int_equal(nxm_pii_token_format(NXM_PII_NAME, "deadbee", 7, out, sizeof(out)), -1);
	assert_int_equal(nxm_pii_token_format(NXM_PII_NAME, "deadbe", 6, out, sizeof(out)), -1);
	assert_int_equal(nxm_pii_token_format(NXM_PII_NAME, "deadbeeg", 8, out, sizeof(out)), -1);
	/* «PII:NAME:deadbeef» is 21 bytes, and its NUL. */
	assert_int_equal(nxm_pii_token_format(NXM_PII_NAME, "deadbeef", 8, out, 21), -1);
	assert_int_equal(nxm_pii_token_format(NXM_PII_NAME, "deadbeef", 8, out, 22), 0);
	assert_int_equal(strlen(out), 21);
}

static void
test_parse(void **state)
{
	static const char *const bad[] = {
	        "PII:NAME:1a2b3c4d",    /* no guillemets */
	        LQ "PII:NAME:1a2b3c4d", /* no closing one */
	        "PII:NAME:1a2b3c4d" RQ, /* no opening one */
	        "\xab"
	        "PII:NAME:1a2b3c4d" RQ,                              /* half a guillemet */
	        LQ "PII:FOO:1a2b3c4d" RQ,                            /* unknown category */
	        LQ "PII:name:1a2b3c4d" RQ,                           /* category in lower case */
	        LQ "PII:NONE:1a2b3c4d" RQ,                           /* not a category */
	        LQ "PII:NAME:1A2B3C4D" RQ,                           /* upper-case hex */
	        LQ "PII:NAME:1a2b3c4" RQ,                            /* odd length */
	        LQ "PII:NAME:1a2b3c" RQ,                             /* too short */
	        LQ "PII:NAME:1a2b3c4g" RQ,                           /* not hex */
	        LQ "PII:NAME:" RQ,                                   /* no digits */
	        LQ "PII:NAME::1a2b3c4d" RQ,                          /* two colons */
	        LQ "PII:NAME 1a2b3c4d" RQ,                           /* no colon */
	        LQ "pii:NAME:1a2b3c4d" RQ,                           /* prefix in lower case */
	        LQ " PII:NAME:1a2b3c4d" RQ,                          /* a space */
	        LQ "PII:NAME:1a2b3c4d" RQ " ",                       /* trailing text */
	        " " LQ "PII:NAME:1a2b3c4d" RQ,                       /* leading text */
	        LQ "PII:NAME:1a2b3c4d " RQ,                          /* a space before the end */
	        LQ "PII:NAME:1a2b3c4d" RQ LQ "PII:NAME:1a2b3c4d" RQ, /* two tokens */
	        LQ "PII:NAME:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00" RQ,
	        "",
	};
	const char *hex;
	size_t hexlen;
	enum nxm_pii cat;
	const char *t = LQ "PII:EMAIL:00aa11bb22cc" RQ;

	(void)state;
	assert_int_equal(nxm_pii_token_parse(t, strlen(t), &cat, &hex, &hexlen), 0);
	assert_int_equal(cat, NXM_PII_EMAIL);
	assert_int_equal(hexlen, 12);
	assert_memory_equal(hex, "00aa11bb22cc", 12);
	assert_ptr_equal(hex, t + 6 + 6);
	/* Optional outputs. */
	assert_int_equal(nxm_pii_token_parse(t, strlen(t), NULL, NULL, NULL), 0);
	/* The length given is what counts, not a NUL. */
	assert_int_equal(nxm_pii_token_parse(t, strlen(t) - 1, &cat, NULL, NULL), -1);
	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++)
		if (nxm_pii_token_parse(bad[i], strlen(bad[i]), &cat, NULL, NULL) != -1)
			fail_msg("accepted malformed token #%zu", i);
	assert_int_equal(nxm_pii_token_parse(NULL, 0, &cat, NULL, NULL), -1);
	/* Round trip through format for every category and length. */
	for (enum nxm_pii c = NXM_PII_NAME; c <= NXM_PII_BIO; c++)
		for (size_t n = 8; n <= 64; n += 2) {
			char hexin[65], out[NXM_PII_TOKEN_MAX];
			for (size_t i = 0; i < n; i++)
				hexin[i] = "0123456789abcdef"[(i * 7 + c) % 16];
			assert_int_equal(nxm_pii_token_format(c, hexin, n, out, sizeof(out)), 0);
			assert_int_equal(nxm_pii_token_parse(out, strlen(out), &cat, &hex, &hexlen),
			                 0);
			assert_int_equal(cat, c);
			assert_int_equal(hexlen, n);
			assert_memory_equal(hex, hexin, n);
			assert_int_equal(nxm_pii_token_len(out, strlen(out)), strlen(out));
		}
}

static void
test_find(void **state)
{
	const char *s = "Call " LQ "PII:NAME:1a2b3c4d" RQ " on " LQ "PII:PHONE:0011223344" RQ ".";
	const char *junk = LQ "PII:NAME:XYZ" RQ " " LQ "PII:NAME" LQ "PII:BIO:cafebabe" RQ;
	size_t start, end, pos;

	(void)state;
	assert_true(nxm_pii_token_find(s, strlen(s), &start, &end));
	assert_int_equal(start, 5);
	assert_int_equal(end, 5 + 6 + 5 + 8 + 2);
	pos = end;
	assert_true(nxm_pii_token_find(s + pos, strlen(s) - pos, &start, &end));
	assert_int_equal(nxm_pii_token_parse(s + pos + start, end - start, NULL, NULL, NULL), 0);
	assert_memory_equal(s + pos + start + 6, "PHONE:0011223344", 16);
	pos += end;
	assert_false(nxm_pii_token_find(s + pos, strlen(s) - pos, &start, &end));
	/* Malformed look-alikes are skipped; a well-formed token after them is found. */
	assert_true(nxm_pii_token_find(junk, strlen(junk), &start, &end));
	assert_int_equal(end, strlen(junk));
	assert_int_equal(nxm_pii_token_parse(junk + start, end - start, NULL, NULL, NULL), 0);
	/* A token cut short by the length is not found. */
	assert_false(nxm_pii_token_find(s, 5 + 10, &start, &end));
	assert_false(nxm_pii_token_find(s, 5 + 6 + 5 + 8 + 1, &start, &end));
	assert_true(nxm_pii_token_find(s, 5 + 6 + 5 + 8 + 2, &start, &end));
	assert_false(nxm_pii_token_find("", 0, &start, &end));
	assert_false(nxm_pii_token_find("no tokens at all", 16, &start, &end));
	assert_false(nxm_pii_token_find(LQ LQ RQ RQ, 8, &start, &end));
	/* nxm_pii_token_len only at the very start. */
	assert_int_equal(nxm_pii_token_len(s, strlen(s)), 0);
	assert_int_equal(nxm_pii_token_len(s + 5, strlen(s) - 5), 6 + 5 + 8 + 2);
}

static void
test_keys(void **state)
{
	unsigned char mac[NXM_SHA256_LEN];
	char key[NXM_PII_TOKEN_MAX], tok[NXM_PII_TOKEN_MAX], back[NXM_PII_TOKEN_MAX];

	(void)state;
	for (int i = 0; i < NXM_SHA256_LEN; i++)
		mac[i] = (unsigned char)(0xf0 + i);
	assert_int_equal(nxm_pii_token_key(NXM_PII_PHONE, mac, 8, key, sizeof(key)), 0);
	assert_string_equal(key, "PHONE:f0f1f2f3");
	assert_int_equal(nxm_pii_token_key(NXM_PII_PHONE, mac, 12, key, sizeof(key)), 0);
	assert_string_equal(key, "PHONE:f0f1f2f3f4f5");
	assert_int_equal(nxm_pii_token_from_key(key, tok, sizeof(tok)), 0);
	assert_string_equal(tok, LQ "PII:PHONE:f0f1f2f3f4f5" RQ);
	assert_int_equal(nxm_pii_token_to_key(tok, strlen(tok), back, sizeof(back)), 0);
	assert_string_equal(back, key);
	assert_int_equal(nxm_pii_token_key(NXM_PII_PHONE, mac, 64, key, sizeof(key)), 0);
	assert_int_equal(strlen(key), 6 + 64);
	/* Refused lengths and names. */
	assert_int_equal(nxm_pii_token_key(NXM_PII_PHONE, mac, 6, key, sizeof(key)), -1);
	assert_int_equal(nxm_pii_token_key(NXM_PII_PHONE, mac, 9, key, sizeof(key)), -1);
	assert_int_equal(nxm_pii_token_key(NXM_PII_PHONE, mac, 66, key, sizeof(key)), -1);
	assert_int_equal(nxm_pii_token_key(NXM_PII_NONE, mac, 8, key, sizeof(key)), -1);
	assert_int_equal(nxm_pii_token_key(NXM_PII_PHONE, mac, 8, key, 14), -1);
	assert_int_equal(nxm_pii_token_from_key("PHONE:F0F1F2F3", tok, sizeof(tok)), -1);
	assert_int_equal(nxm_pii_token_from_key("TELEPHONE:f0f1f2f3", tok, sizeof(tok)), -1);
	assert_int_equal(nxm_pii_token_from_key("f0f1f2f3", tok, sizeof(tok)), -1);
	assert_int_equal(nxm_pii_token_to_key("PHONE:f0f1f2f3", 14, back, sizeof(back)), -1);
}

/* The token is the start of HMAC-SHA256(salt, category ‖ 0x00 ‖ value),
 * checked here against the core HMAC (itself tested on RFC 4231's
 * vectors) and one value computed with `openssl dgst -sha256 -mac HMAC`. */
static void
test_compute(void **state)
{
	unsigned char salt[NXM_PII_SALT_LEN], other[NXM_PII_SALT_LEN], mac[NXM_SHA256_LEN];
	char a[NXM_PII_TOKEN_MAX], b[NXM_PII_TOKEN_MAX], want[NXM_PII_TOKEN_MAX], msg[128];
	const char *name = "Amélie Dubois";
	struct nxm_pii_hasher *h;

	(void)state;
	salt_of(salt, 0);
	salt_of(other, 1);
	assert_int_equal(
	        nxm_pii_token_compute(salt, NXM_PII_NAME, name, strlen(name), 8, a, sizeof(a)), 0);
	assert_string_equal(a, LQ "PII:NAME:43ffc794" RQ);
	assert_int_equal(
	        nxm_pii_token_compute(salt, NXM_PII_NAME, name, strlen(name), 16, a, sizeof(a)), 0);
	assert_string_equal(a, LQ "PII:NAME:43ffc79441d213df" RQ);

	/* The same through a reusable hasher, many times over: the reused
	 * context must restart from the key every time. */
	assert_non_null(h = nxm_pii_hasher_new(salt));
	for (int i = 0; i < 50; i++) {
		char v[64];
		int n = snprintf(v, sizeof(v), "member%d+tag@example.com", i);
		memcpy(msg, "EMAIL\0", 6);
		memcpy(msg + 6, v, (size_t)n);
		assert_int_equal(nxm_hmac_sha256(salt, sizeof(salt), msg, 6 + (size_t)n, mac), 0);
		assert_int_equal(nxm_pii_token_key(NXM_PII_EMAIL, mac, 8, want, sizeof(want)), 0);
		assert_int_equal(nxm_pii_token_from_key(want, b, sizeof(b)), 0);
		assert_int_equal(
		        nxm_pii_hasher_token(h, NXM_PII_EMAIL, v, (size_t)n, 8, a, sizeof(a)), 0);
		assert_string_equal(a, b);
		/* Deterministic: the same value, the same token. */
		assert_int_equal(
		        nxm_pii_hasher_token(h, NXM_PII_EMAIL, v, (size_t)n, 8, b, sizeof(b)), 0);
		assert_string_equal(a, b);
		assert_int_equal(nxm_pii_hasher_mac(h, NXM_PII_EMAIL, v, (size_t)n, mac), 0);
		assert_int_equal(nxm_pii_token_key(NXM_PII_EMAIL, mac, 8, want, sizeof(want)), 0);
		assert_memory_equal(a + 6, want, strlen(want));
	}
	/* Another salt (another session), another token; another category, too. */
	assert_int_equal(nxm_pii_hasher_token(h, NXM_PII_NAME, name, strlen(name), 8, a, sizeof(a)),
	                 0);
	assert_int_equal(
	        nxm_pii_token_compute(other, NXM_PII_NAME, name, strlen(name), 8, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(nxm_pii_hasher_token(h, NXM_PII_BIO, name, strlen(name), 8, b, sizeof(b)),
	                 0);
	assert_string_not_equal(a + 6 + 5, b + 6 + 4);
	/* The category is part of the MAC input, separated from the value:
	 * ("NAME", "x") and ("NAM", "Ex") must not collide. */
	assert_int_equal(nxm_pii_hasher_mac(h, NXM_PII_NAME, "", 0, mac), 0);
	memcpy(msg, "NAME\0", 5);
	assert_int_equal(nxm_hmac_sha256(salt, sizeof(salt), msg, 5, (unsigned char *)want), 0);
	assert_memory_equal(mac, want, NXM_SHA256_LEN);
	/* Refused. */
	assert_int_equal(nxm_pii_hasher_token(h, NXM_PII_NONE, "x", 1, 8, a, sizeof(a)), -1);
	assert_int_equal(nxm_pii_hasher_token(h, NXM_PII_NAME, "x", 1, 7, a, sizeof(a)), -1);
	assert_int_equal(nxm_pii_hasher_token(h, NXM_PII_NAME, "x", 1, 66, a, sizeof(a)), -1);
	assert_int_equal(nxm_pii_hasher_token(h, NXM_PII_NAME, "x", 1, 8, a, 10), -1);
	assert_int_equal(nxm_pii_hasher_token(NULL, NXM_PII_NAME, "x", 1, 8, a, sizeof(a)), -1);
	nxm_pii_hasher_free(h);
	nxm_pii_hasher_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_format),  cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_find),    cmocka_unit_test(test_keys),
	        cmocka_unit_test(test_compute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
