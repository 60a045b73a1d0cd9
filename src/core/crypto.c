#include "autoconfig.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "core/crypto.h"
#include "core/log.h"

void
nxm_crypto_log_error(const char *func, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "no OpenSSL error queued";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	nxm_log(NXM_LOG_ERROR, func, "%s: %s", what, buf);
	ERR_clear_error();
}

int
nxm_random(void *buf, size_t n)
{
	if (n > (size_t)INT_MAX || RAND_bytes(buf, (int)n) != 1) {
		nxm_crypto_log_error(__func__, "RAND_bytes failed");
		return -1;
	}
	return 0;
}

static const char b64url_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
nxm_b64url_encoded_len(size_t n)
{
	return (n / 3) * 4 + ((n % 3) ? (n % 3) + 1 : 0);
}

int
nxm_b64url_encode(const void *in, size_t n, char *out, size_t outsz)
{
	const unsigned char *p = in;
	size_t o = 0, i;

	if (n > (SIZE_MAX / 4) * 3 - 3 || nxm_b64url_encoded_len(n) >= outsz)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned long v =
		        ((unsigned long)p[i] << 16) | ((unsigned long)p[i + 1] << 8) | p[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (n - i == 1) {
		unsigned long v = (unsigned long)p[i] << 16;
		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
	} else if (n - i == 2) {
		unsigned long v = ((unsigned long)p[i] << 16) | ((unsigned long)p[i + 1] << 8);
		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return 0;
}

static int
b64_value(const char *alphabet, char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(alphabet, c);
	return p == NULL ? -1 : (int)(p - alphabet);
}

/* Shared by both alphabets: unpadded input of n characters. */
static int
b64_decode_unpadded(const char *alphabet, const char *in, size_t n, unsigned char *out,
                    size_t outsz, size_t *outlen)
{
	size_t need = (n / 4) * 3 + ((n % 4) ? (n % 4) - 1 : 0);
	unsigned long acc = 0;
	size_t o = 0;
	int bits = 0;

	if (n % 4 == 1 || need > outsz)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value(alphabet, in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	/* Leftover bits must be zero, or two strings would decode alike. */
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0) {
		nxm_wipe(out, o);
		return -1;
	}
	*outlen = o;
	return 0;
}

int
nxm_b64url_decode(const char *in, size_t n, void *out, size_t outsz, size_t *outlen)
{
	return b64_decode_unpadded(b64url_alphabet, in, n, out, outsz, outlen);
}

int
nxm_b64_decode(const char *in, size_t n, void *out, size_t outsz, size_t *outlen)
{
	size_t pad = 0;

	if (n % 4 != 0)
		return -1;
	while (pad < 2 && n > pad && in[n - 1 - pad] == '=')
		pad++;
	return b64_decode_unpadded(b64_alphabet, in, n - pad, out, outsz, outlen);
}

int
nxm_sha256(const void *msg, size_t n, unsigned char out[NXM_SHA256_LEN])
{
	unsigned int len = 0;

	if (EVP_Digest(msg, n, out, &len, EVP_sha256(), NULL) != 1 || len != NXM_SHA256_LEN) {
		nxm_crypto_log_error(__func__, "EVP_Digest failed");
		return -1;
	}
	return 0;
}

int
nxm_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
                unsigned char out[NXM_SHA256_LEN])
{
	size_t len = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, msg, n, out, NXM_SHA256_LEN,
	              &len) == NULL ||
	    len != NXM_SHA256_LEN) {
		nxm_crypto_log_error(__func__, "EVP_Q_mac failed");
		return -1;
	}
	return 0;
}

int
nxm_hkdf_sha256(const void *salt, size_t saltlen, const void *ikm, size_t ikmlen, const void *info,
                size_t infolen, unsigned char *out, size_t outlen)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[5], *p = params;
	static const unsigned char empty[1];
	int rc = -1;

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (kdf == NULL || (ctx = EVP_KDF_CTX_new(kdf)) == NULL) {
		nxm_crypto_log_error(__func__, "cannot create HKDF context");
		goto out;
	}
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
	/* An absent salt is HashLen zero bytes (RFC 5869 §2.2); OpenSSL does that
	 * when the parameter is left out, but rejects a zero-length one. */
	if (saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
		                                         saltlen);
	*p++ = OSSL_PARAM_construct_octet_string(
	        OSSL_KDF_PARAM_INFO, infolen > 0 ? (void *)info : (void *)empty, infolen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) != 1) {
		nxm_crypto_log_error(__func__, "EVP_KDF_derive failed");
		goto out;
	}
	rc = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* One message on a context that has the key: only the IV is set here, so
 * the key schedule is computed once per context. */
static int
aead_step(EVP_CIPHER_CTX *ctx, int enc, const unsigned char *iv, const void *aad, size_t aadlen,
          const void *in, size_t inlen, unsigned char *out, unsigned char *tag)
{
	int len = 0;

	if (inlen > (size_t)INT_MAX || aadlen > (size_t)INT_MAX)
		return -1;
	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, enc) != 1)
		goto fail;
	if (aadlen > 0 && EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aadlen) != 1)
		goto fail;
	if (inlen > 0 && EVP_CipherUpdate(ctx, out, &len, in, (int)inlen) != 1)
		goto fail;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, NXM_AEAD_TAGLEN, tag) != 1)
		goto fail;
	if (EVP_CipherFinal_ex(ctx, out + (inlen > 0 ? len : 0), &len) != 1) {
		/* A tag mismatch is an expected outcome, not a server error. */
		if (!enc) {
			ERR_clear_error();
			nxm_wipe(out, inlen);
			return -1;
		}
		goto fail;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, NXM_AEAD_TAGLEN, tag) != 1)
		goto fail;
	return 0;
fail:
	nxm_crypto_log_error(__func__, enc ? "encryption failed" : "decryption failed");
	return -1;
}

static EVP_CIPHER_CTX *
aead_ctx(const unsigned char *key, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx == NULL || EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL, enc) != 1) {
		nxm_crypto_log_error(__func__, "cannot initialise AES-256-GCM");
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int
aead_run(int enc, const unsigned char *key, const unsigned char *iv, const void *aad, size_t aadlen,
         const void *in, size_t inlen, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = aead_ctx(key, enc);
	int rc = ctx != NULL ? aead_step(ctx, enc, iv, aad, aadlen, in, inlen, out, tag) : -1;

	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
nxm_aead_seal(const unsigned char key[NXM_AEAD_KEYLEN], const unsigned char iv[NXM_AEAD_IVLEN],
              const void *aad, size_t aadlen, const void *pt, size_t ptlen, unsigned char *ct,
              unsigned char tag[NXM_AEAD_TAGLEN])
{
	return aead_run(1, key, iv, aad, aadlen, pt, ptlen, ct, tag);
}

int
nxm_aead_open(const unsigned char key[NXM_AEAD_KEYLEN], const unsigned char iv[NXM_AEAD_IVLEN],
              const void *aad, size_t aadlen, const void *ct, size_t ctlen,
              const unsigned char tag[NXM_AEAD_TAGLEN], unsigned char *pt)
{
	return aead_run(0, key, iv, aad, aadlen, ct, ctlen, pt, (unsigned char *)tag);
}

struct nxm_aead_sealer {
	EVP_CIPHER_CTX *ctx;
};

struct nxm_aead_sealer *
nxm_aead_sealer_new(const unsigned char key[NXM_AEAD_KEYLEN])
{
	struct nxm_aead_sealer *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->ctx = aead_ctx(key, 1)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

int
nxm_aead_sealer_seal(struct nxm_aead_sealer *s, const unsigned char iv[NXM_AEAD_IVLEN],
                     const void *aad, size_t aadlen, const void *pt, size_t ptlen,
                     unsigned char *ct, unsigned char tag[NXM_AEAD_TAGLEN])
{
	return aead_step(s->ctx, 1, iv, aad, aadlen, pt, ptlen, ct, tag);
}

void
nxm_aead_sealer_free(struct nxm_aead_sealer *s)
{
	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->ctx); /* OpenSSL cleanses the key schedule */
	free(s);
}

bool
nxm_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
nxm_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}
