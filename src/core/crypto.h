/* Cryptographic helpers over OpenSSL 3. Every function returns 0 on success
 * and -1 on failure (logged with its cause); none of them logs key material. */
#ifndef NXM_CORE_CRYPTO_H
#define NXM_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define NXM_SHA256_LEN  32
#define NXM_AEAD_KEYLEN 32
#define NXM_AEAD_IVLEN  12
#define NXM_AEAD_TAGLEN 16

int nxm_random(void *buf, size_t n);

/* base64url without padding (RFC 4648 §5). encoded_len excludes the NUL. */
size_t nxm_b64url_encoded_len(size_t n);
int nxm_b64url_encode(const void *in, size_t n, char *out, size_t outsz);
/* Strict: rejects padding, characters outside the alphabet, a length of
 * 1 mod 4 and non-zero trailing bits, so every input has one encoding. */
int nxm_b64url_decode(const char *in, size_t n, void *out, size_t outsz, size_t *outlen);
/* Standard base64 with padding, as HTTP Basic authentication uses it. */
int nxm_b64_decode(const char *in, size_t n, void *out, size_t outsz, size_t *outlen);

int nxm_sha256(const void *msg, size_t n, unsigned char out[NXM_SHA256_LEN]);
int nxm_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
                    unsigned char out[NXM_SHA256_LEN]);
/* RFC 5869 HKDF with SHA-256: extract then expand into out[0..outlen). */
int nxm_hkdf_sha256(const void *salt, size_t saltlen, const void *ikm, size_t ikmlen,
                    const void *info, size_t infolen, unsigned char *out, size_t outlen);

/* AES-256-GCM with a 96-bit IV and a 128-bit tag; ct has ptlen bytes. */
int nxm_aead_seal(const unsigned char key[NXM_AEAD_KEYLEN], const unsigned char iv[NXM_AEAD_IVLEN],
                  const void *aad, size_t aadlen, const void *pt, size_t ptlen, unsigned char *ct,
                  unsigned char tag[NXM_AEAD_TAGLEN]);
/* Returns -1 when the tag does not verify; pt is wiped in that case. */
int nxm_aead_open(const unsigned char key[NXM_AEAD_KEYLEN], const unsigned char iv[NXM_AEAD_IVLEN],
                  const void *aad, size_t aadlen, const void *ct, size_t ctlen,
                  const unsigned char tag[NXM_AEAD_TAGLEN], unsigned char *pt);

/* Many seals under one key: the key schedule is computed once. */
struct nxm_aead_sealer;
struct nxm_aead_sealer *nxm_aead_sealer_new(const unsigned char key[NXM_AEAD_KEYLEN]);
int nxm_aead_sealer_seal(struct nxm_aead_sealer *s, const unsigned char iv[NXM_AEAD_IVLEN],
                         const void *aad, size_t aadlen, const void *pt, size_t ptlen,
                         unsigned char *ct, unsigned char tag[NXM_AEAD_TAGLEN]);
void nxm_aead_sealer_free(struct nxm_aead_sealer *s);

/* Constant-time equality of two equal-length buffers. */
bool nxm_ct_equal(const void *a, const void *b, size_t n);
/* Logs what failed, with OpenSSL's queued error, under func's name, and
 * clears the queue. */
void nxm_crypto_log_error(const char *func, const char *what);
/* Wipes memory in a way the compiler may not remove. */
void nxm_wipe(void *p, size_t n);

#endif
