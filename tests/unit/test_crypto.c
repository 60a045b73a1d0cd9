/* Unit tests for src/core/crypto.c against the published test vectors. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/crypto.h"
#include "core/util.h"

static void
assert_hex(const unsigned char *got, size_t n, const char *hex)
{
	unsigned char want[512];
	size_t wn = test_unhex(hex, want, sizeof(want));

	assert_int_equal(n, wn);
	assert_memory_equal(got, want, wn);
}

/* RFC 4231 §4. */
struct hmac_vector {
	const char *name;
	unsigned char key[131];
	size_t keylen;
	const char *data;
	size_t datalen;
	const char *mac;
};

static void
test_hmac_rfc4231(void **state)
{
	static const char dd[] = "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
	                         "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
	                         "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
	                         "\xdd\xdd";
	static const char cd[] = "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
	                         "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
	                         "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
	                         "\xcd\xcd";
	static const char tc6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char tc7[] = "This is a test using a larger than block-size key and a larger "
	                          "than block-size data. The key needs to be hashed before being "
	                          "used by the HMAC algorithm.";
	struct hmac_vector v[6];
	unsigned char out[NXM_SHA256_LEN];

	memset(v, 0, sizeof(v));
	v[0] = (struct hmac_vector){
	        .name = "1",
	        .keylen = 20,
	        .data = "Hi There",
	        .datalen = 8,
	        .mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"};
	memset(v[0].key, 0x0b, 20);
	v[1] = (struct hmac_vector){
	        .name = "2",
	        .keylen = 4,
	        .data = "what do ya want for nothing?",
	        .datalen = 28,
	        .mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"};
	memcpy(v[1].key, "Jefe", 4);
	v[2] = (struct hmac_vector){
	        .name = "3",
	        .keylen = 20,
	        .data = dd,
	        .datalen = 50,
	        .mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"};
	memset(v[2].key, 0xaa, 20);
	v[3] = (struct hmac_vector){
	        .name = "4",
	        .keylen = 25,
	        .data = cd,
	        .datalen = 50,
	        .mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"};
	for (int i = 0; i < 25; i++)
		v[3].key[i] = (unsigned char)(i + 1);
	/* Keys longer than the block size are hashed first. */
	v[4] = (struct hmac_vector){
	        .name = "6",
	        .keylen = 131,
	        .data = tc6,
	        .datalen = sizeof(tc6) - 1,
	        .mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"};
	memset(v[4].key, 0xaa, 131);
	v[5] = (struct hmac_vector){
	        .name = "7",
	        .keylen = 131,
	        .data = tc7,
	        .datalen = sizeof(tc7) - 1,
	        .mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"};
	memset(v[5].key, 0xaa, 131);

	for (size_t i = 0; i < NXM_ARRAY_LEN(v); i++) {
		print_message("RFC 4231 test case %s\n", v[i].name);
		memset(out, 0, sizeof(out));
		assert_int_equal(
		        nxm_hmac_sha256(v[i].key, v[i].keylen, v[i].data, v[i].datalen, out), 0);
		assert_hex(out, sizeof(out), v[i].mac);
	}
}

static void
test_hmac_rfc4231_truncated(void **state)
{
	unsigned char key[20], out[NXM_SHA256_LEN];

	/* Test case 5 publishes only the first 128 bits. */
	memset(key, 0x0c, sizeof(key));
	assert_int_equal(nxm_hmac_sha256(key, sizeof(key), "Test With Truncation", 20, out), 0);
	assert_hex(out, 16, "a3b6167473100ee06e0c796c2955552b");
}

static void
test_hkdf_rfc5869(void **state)
{
	unsigned char ikm[80], salt[80], info[80], okm[82];

	/* Test case 1. */
	memset(ikm, 0x0b, 22);
	for (int i = 0; i < 13; i++)
		salt[i] = (unsigned char)i;
	for (int i = 0; i < 10; i++)
		info[i] = (unsigned char)(0xf0 + i);
	assert_int_equal(nxm_hkdf_sha256(salt, 13, ikm, 22, info, 10, okm, 42), 0);
	assert_hex(okm, 42,
	           "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887"
	           "185865");

	/* Test case 2: longer inputs, output past two hash blocks. */
	for (int i = 0; i < 80; i++) {
		ikm[i] = (unsigned char)i;
		salt[i] = (unsigned char)(0x60 + i);
		info[i] = (unsigned char)(0xb0 + i);
	}
	assert_int_equal(nxm_hkdf_sha256(salt, 80, ikm, 80, info, 80, okm, 82), 0);
	assert_hex(
	        okm, 82,
	        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac78272"
	        "71cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f"
	        "1d87");

	/* Test case 3: empty salt and info, which OpenSSL handles specially. */
	memset(ikm, 0x0b, 22);
	assert_int_equal(nxm_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, okm, 42), 0);
	assert_hex(okm, 42,
	           "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b6"
	           "1a96c8");
	/* An explicit zero-length salt must mean the same as an absent one. */
	memset(okm, 0, sizeof(okm));
	assert_int_equal(nxm_hkdf_sha256("", 0, ikm, 22, "", 0, okm, 42), 0);
	assert_hex(okm, 42,
	           "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b6"
	           "1a96c8");
}

static void
test_hkdf_too_long(void **state)
{
	static unsigned char okm[255 * 32 + 1];
	unsigned char ikm[22];

	/* RFC 5869 caps L at 255 * HashLen. */
	memset(ikm, 0x0b, sizeof(ikm));
	assert_int_equal(nxm_hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, okm, 255 * 32), 0);
	assert_int_equal(nxm_hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, okm, sizeof(okm)), -1);
}

/* McGrew & Viega, "The Galois/Counter Mode of Operation", AES-256 cases. */
struct gcm_vector {
	const char *name, *key, *iv, *pt, *aad, *ct, *tag;
};

static const char gcm_k15[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
static const char gcm_p15[] = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                              "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
static const char gcm_c15[] = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                              "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

static const struct gcm_vector gcm_vectors[] = {
        {"13", "0000000000000000000000000000000000000000000000000000000000000000",
         "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
        {"14", "0000000000000000000000000000000000000000000000000000000000000000",
         "000000000000000000000000", "00000000000000000000000000000000", "",
         "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
        {"15", gcm_k15, "cafebabefacedbaddecaf888", gcm_p15, "", gcm_c15,
         "b094dac5d93471bdec1a502270e3cc6c"},
        {"16", gcm_k15, "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
         "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
         "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
         "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
         "76fc6ece0f4e1768cddf8853bb2d551b"},
};

struct gcm_case {
	unsigned char key[32], iv[12], pt[64], aad[32], ct[64], tag[16];
	size_t ptlen, aadlen;
};

static void
gcm_load(const struct gcm_vector *v, struct gcm_case *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(test_unhex(v->key, c->key, sizeof(c->key)), 32);
	assert_int_equal(test_unhex(v->iv, c->iv, sizeof(c->iv)), 12);
	c->ptlen = test_unhex(v->pt, c->pt, sizeof(c->pt));
	c->aadlen = test_unhex(v->aad, c->aad, sizeof(c->aad));
	assert_int_equal(test_unhex(v->ct, c->ct, sizeof(c->ct)), c->ptlen);
	assert_int_equal(test_unhex(v->tag, c->tag, sizeof(c->tag)), 16);
}

static void
test_aead_seal_vectors(void **state)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(gcm_vectors); i++) {
		struct gcm_case c;
		unsigned char ct[64], tag[16];

		print_message("GCM test case %s\n", gcm_vectors[i].name);
		gcm_load(&gcm_vectors[i], &c);
		memset(ct, 0, sizeof(ct));
		memset(tag, 0, sizeof(tag));
		assert_int_equal(
		        nxm_aead_seal(c.key, c.iv, c.aad, c.aadlen, c.pt, c.ptlen, ct, tag), 0);
		if (c.ptlen > 0)
			assert_memory_equal(ct, c.ct, c.ptlen);
		assert_memory_equal(tag, c.tag, 16);
	}
}

/* A sealer keeps the key schedule across messages: each message sealed
 * through it, again and again and under other IVs, is what a one-shot seal
 * gives. */
static void
test_aead_sealer(void **state)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(gcm_vectors); i++) {
		struct gcm_case c;
		struct nxm_aead_sealer *s;
		unsigned char ct[64], tag[16], ct1[64], tag1[16], iv[12];

		gcm_load(&gcm_vectors[i], &c);
		s = nxm_aead_sealer_new(c.key);
		assert_non_null(s);
		for (int round = 0; round < 3; round++) {
			memset(ct, 0, sizeof(ct));
			assert_int_equal(nxm_aead_sealer_seal(s, c.iv, c.aad, c.aadlen, c.pt,
			                                      c.ptlen, ct, tag),
			                 0);
			if (c.ptlen > 0)
				assert_memory_equal(ct, c.ct, c.ptlen);
			assert_memory_equal(tag, c.tag, 16);
			memcpy(iv, c.iv, sizeof(iv));
			iv[11] ^= (unsigned char)(round + 1);
			assert_int_equal(nxm_aead_sealer_seal(s, iv, c.aad, c.aadlen, c.pt, c.ptlen,
			                                      ct, tag),
			                 0);
			assert_int_equal(
			        nxm_aead_seal(c.key, iv, c.aad, c.aadlen, c.pt, c.ptlen, ct1, tag1),
			        0);
			if (c.ptlen > 0)
				assert_memory_equal(ct, ct1, c.ptlen);
			assert_memory_equal(tag, tag1, 16);
			assert_memory_not_equal(tag, c.tag, 16);
		}
		nxm_aead_sealer_free(s);
	}
	nxm_aead_sealer_free(NULL);
}

static void
test_aead_open_vectors(void **state)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(gcm_vectors); i++) {
		struct gcm_case c;
		unsigned char pt[64];

		print_message("GCM test case %s\n", gcm_vectors[i].name);
		gcm_load(&gcm_vectors[i], &c);
		memset(pt, 0xee, sizeof(pt));
		assert_int_equal(
		        nxm_aead_open(c.key, c.iv, c.aad, c.aadlen, c.ct, c.ptlen, c.tag, pt), 0);
		if (c.ptlen > 0)
			assert_memory_equal(pt, c.pt, c.ptlen);
	}
}

static void
assert_open_fails(const struct gcm_case *c, const unsigned char *ct, const unsigned char *tag,
                  const unsigned char *aad)
{
	unsigned char pt[64];

	memset(pt, 0xee, sizeof(pt));
	assert_int_equal(nxm_aead_open(c->key, c->iv, aad, c->aadlen, ct, c->ptlen, tag, pt), -1);
	/* No unauthenticated plaintext may be left for a careless caller. */
	for (size_t i = 0; i < c->ptlen; i++)
		assert_int_equal(pt[i], 0);
}

static void
test_aead_open_tamper(void **state)
{
	struct gcm_case c;
	unsigned char buf[64];

	/* Case 16 has ciphertext, tag and AAD, so every part can be flipped. */
	gcm_load(&gcm_vectors[3], &c);
	for (size_t i = 0; i < c.ptlen; i++) {
		memcpy(buf, c.ct, c.ptlen);
		buf[i] ^= 0x01;
		assert_open_fails(&c, buf, c.tag, c.aad);
	}
	for (size_t i = 0; i < 16; i++) {
		memcpy(buf, c.tag, 16);
		buf[i] ^= 0x80;
		assert_open_fails(&c, c.ct, buf, c.aad);
	}
	for (size_t i = 0; i < c.aadlen; i++) {
		memcpy(buf, c.aad, c.aadlen);
		buf[i] ^= 0x40;
		assert_open_fails(&c, c.ct, c.tag, buf);
	}
	/* A different IV must not verify either. */
	c.iv[11] ^= 1;
	assert_open_fails(&c, c.ct, c.tag, c.aad);
}

static void
test_aead_round_trip(void **state)
{
	unsigned char key[32], iv[12], ct[100], tag[16], pt[100];
	const char msg[] = "a session secret that must survive the round trip intact";

	assert_int_equal(nxm_random(key, sizeof(key)), 0);
	assert_int_equal(nxm_random(iv, sizeof(iv)), 0);
	assert_int_equal(nxm_aead_seal(key, iv, "ctx", 3, msg, sizeof(msg), ct, tag), 0);
	assert_memory_not_equal(ct, msg, sizeof(msg));
	assert_int_equal(nxm_aead_open(key, iv, "ctx", 3, ct, sizeof(msg), tag, pt), 0);
	assert_memory_equal(pt, msg, sizeof(msg));
	/* The AAD binds the context: same bytes, other label, no plaintext. */
	assert_int_equal(nxm_aead_open(key, iv, "cty", 3, ct, sizeof(msg), tag, pt), -1);
	/* Dropping the AAD entirely must not verify either. */
	assert_int_equal(nxm_aead_open(key, iv, NULL, 0, ct, sizeof(msg), tag, pt), -1);
}

static void
test_sha256(void **state)
{
	unsigned char out[NXM_SHA256_LEN];

	assert_int_equal(nxm_sha256("abc", 3, out), 0);
	assert_hex(out, sizeof(out),
	           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(nxm_sha256("", 0, out), 0);
	assert_hex(out, sizeof(out),
	           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_b64url_round_trip(void **state)
{
	unsigned char in[64], out[64];
	char enc[100];

	for (size_t n = 0; n <= 64; n++) {
		size_t outlen = 999;

		for (size_t i = 0; i < n; i++)
			in[i] = (unsigned char)(i * 37 + n * 11 + 0xf0);
		assert_int_equal(nxm_b64url_encode(in, n, enc, sizeof(enc)), 0);
		assert_int_equal(strlen(enc), nxm_b64url_encoded_len(n));
		/* Unpadded and url-safe: none of '=', '+', '/'. */
		assert_null(strpbrk(enc, "=+/"));
		assert_int_equal(nxm_b64url_decode(enc, strlen(enc), out, sizeof(out), &outlen), 0);
		assert_int_equal(outlen, n);
		if (n > 0)
			assert_memory_equal(out, in, n);
	}
}

static void
test_b64url_rfc4648(void **state)
{
	static const struct {
		const char *raw, *enc;
	} v[] = {
	        {"", ""},
	        {"f", "Zg"},
	        {"fo", "Zm8"},
	        {"foo", "Zm9v"},
	        {"foob", "Zm9vYg"},
	        {"fooba", "Zm9vYmE"},
	        {"foobar", "Zm9vYmFy"},
	        /* Where the url alphabet differs from the standard one. */
	        {"\xfb\xef\xbe", "----"},
	        {"\xff\xff\xff", "____"},
	        {"\xfb\xff", "-_8"},
	};
	char enc[32];
	unsigned char dec[32];
	size_t n;

	for (size_t i = 0; i < NXM_ARRAY_LEN(v); i++) {
		size_t rawlen = strlen(v[i].raw);

		assert_int_equal(nxm_b64url_encode(v[i].raw, rawlen, enc, sizeof(enc)), 0);
		assert_string_equal(enc, v[i].enc);
		assert_int_equal(
		        nxm_b64url_decode(v[i].enc, strlen(v[i].enc), dec, sizeof(dec), &n), 0);
		assert_int_equal(n, rawlen);
		assert_memory_equal(dec, v[i].raw, rawlen);
	}
}

static void
test_b64url_strict(void **state)
{
	static const char *const bad[] = {
	        "Zg==", "Zm8=",  "Zg=",            /* padding */
	        "++++", "////",  "Zm9v+A", "a/bc", /* standard alphabet */
	        "Z",    "Zm9vY", "AAAAA",          /* length 1 mod 4 */
	        "AB",   "AAB",   "Zh",     "Zm9",  /* non-zero trailing bits */
	        "Zm 9", "Zm\n9", "Zm.v",   "\xc3\xa4\xc3\xa4",
	};
	unsigned char out[64];
	size_t n;

	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		print_message("refusing \"%s\"\n", bad[i]);
		assert_int_equal(nxm_b64url_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n),
		                 -1);
	}
	/* The canonical twins of the trailing-bit cases do decode. */
	assert_int_equal(nxm_b64url_decode("AA", 2, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(nxm_b64url_decode("Zg", 2, out, sizeof(out), &n), 0);
	assert_int_equal(out[0], 'f');
	/* An embedded NUL must not end the input early or decode as 'A'. */
	assert_int_equal(nxm_b64url_decode("Zm\0v", 4, out, sizeof(out), &n), -1);
	assert_int_equal(nxm_b64url_decode("AAA\0", 4, out, sizeof(out), &n), -1);
}

static void
test_b64url_buffer_sizes(void **state)
{
	unsigned char out[3];
	char enc[5];
	size_t n = 0;

	/* "Zm9v" needs exactly 3 bytes. */
	assert_int_equal(nxm_b64url_decode("Zm9v", 4, out, 2, &n), -1);
	assert_int_equal(nxm_b64url_decode("Zm9v", 4, out, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "foo", 3);
	assert_int_equal(nxm_b64url_decode("Zm9vYg", 6, out, 3, &n), -1);
	/* Encoding needs room for the NUL as well. */
	assert_int_equal(nxm_b64url_encode("foo", 3, enc, 4), -1);
	assert_int_equal(nxm_b64url_encode("foo", 3, enc, 5), 0);
	assert_string_equal(enc, "Zm9v");
	assert_int_equal(nxm_b64url_encoded_len(0), 0);
	assert_int_equal(nxm_b64url_encoded_len(1), 2);
	assert_int_equal(nxm_b64url_encoded_len(2), 3);
	assert_int_equal(nxm_b64url_encoded_len(32), 43);
}

static void
test_b64_padded(void **state)
{
	unsigned char out[32];
	size_t n;

	assert_int_equal(nxm_b64_decode("Zm9vYg==", 8, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "foob", 4);
	assert_int_equal(nxm_b64_decode("Zm9vYmE=", 8, out, sizeof(out), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(nxm_b64_decode("Zm9vYmFy", 8, out, sizeof(out), &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(nxm_b64_decode("", 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
	/* The standard alphabet, not the url one. */
	assert_int_equal(nxm_b64_decode("+/8=", 4, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\xfb\xff", 2);
	assert_int_equal(nxm_b64_decode("-_8=", 4, out, sizeof(out), &n), -1);
	/* Padding is required and only at the end. */
	assert_int_equal(nxm_b64_decode("Zm9vYg", 6, out, sizeof(out), &n), -1);
	assert_int_equal(nxm_b64_decode("Zg=A", 4, out, sizeof(out), &n), -1);
	assert_int_equal(nxm_b64_decode("Z===", 4, out, sizeof(out), &n), -1);
	assert_int_equal(nxm_b64_decode("====", 4, out, sizeof(out), &n), -1);
	assert_int_equal(nxm_b64_decode("Zh==", 4, out, sizeof(out), &n), -1);
	assert_int_equal(nxm_b64_decode("Zm9vYg==", 8, out, 3, &n), -1);
}

static void
test_ct_equal(void **state)
{
	unsigned char a[32], b[32];

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(nxm_ct_equal(a, b, sizeof(a)));
	/* A difference anywhere counts, including the first and last bytes. */
	b[31] ^= 1;
	assert_false(nxm_ct_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	b[0] ^= 0x80;
	assert_false(nxm_ct_equal(a, b, sizeof(a)));
	/* Only the first n bytes are compared. */
	assert_true(nxm_ct_equal("abcX", "abcY", 3));
	assert_true(nxm_ct_equal("x", "y", 0));
}

static void
test_random(void **state)
{
	unsigned char a[32], b[32], zero[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(nxm_random(a, sizeof(a)), 0);
	assert_int_equal(nxm_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
}

static void
test_wipe(void **state)
{
	char s[8] = "secret";

	nxm_wipe(s, sizeof(s));
	for (size_t i = 0; i < sizeof(s); i++)
		assert_int_equal(s[i], 0);
	nxm_wipe(NULL, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hmac_rfc4231),
	        cmocka_unit_test(test_hmac_rfc4231_truncated),
	        cmocka_unit_test(test_hkdf_rfc5869),
	        cmocka_unit_test(test_hkdf_too_long),
	        cmocka_unit_test(test_aead_seal_vectors),
	        cmocka_unit_test(test_aead_sealer),
	        cmocka_unit_test(test_aead_open_vectors),
	        cmocka_unit_test(test_aead_open_tamper),
	        cmocka_unit_test(test_aead_round_trip),
	        cmocka_unit_test(test_sha256),
	        cmocka_unit_test(test_b64url_round_trip),
	        cmocka_unit_test(test_b64url_rfc4648),
	        cmocka_unit_test(test_b64url_strict),
	        cmocka_unit_test(test_b64url_buffer_sizes),
	        cmocka_unit_test(test_b64_padded),
	        cmocka_unit_test(test_ct_equal),
	        cmocka_unit_test(test_random),
	        cmocka_unit_test(test_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
