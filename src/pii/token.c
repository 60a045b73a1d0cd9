#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/log.h"
#include "pii/token.h"

#define OPEN       "\xc2\xab" /* « */
#define CLOSE      "\xc2\xbb" /* » */
#define PREFIX     OPEN "PII:"
#define PREFIX_LEN 6
#define CLOSE_LEN  2

static bool
valid_hex(const char *hex, size_t n)
{
	if (n < NXM_PII_TOKEN_DIGITS || n > NXM_PII_TOKEN_DIGITS_MAX || n % 2 != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return true;
}

static void
to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* The category whose name is exactly s[0..n). */
static enum nxm_pii
category_of(const char *s, size_t n)
{
	for (enum nxm_pii c = NXM_PII_NAME; c < NXM_PII_COUNT; c++) {
		const char *name = nxm_pii_name(c);
		if (strlen(name) == n && memcmp(name, s, n) == 0)
			return c;
	}
	return NXM_PII_NONE;
}

int
nxm_pii_token_format(enum nxm_pii cat, const char *hex, size_t hexlen, char *out, size_t outsz)
{
	const char *name = cat == NXM_PII_NONE ? NULL : nxm_pii_name(cat);
	size_t namelen, need;

	if (name == NULL || hex == NULL || !valid_hex(hex, hexlen))
		return -1;
	namelen = strlen(name);
	need = PREFIX_LEN + namelen + 1 + hexlen + CLOSE_LEN + 1;
	if (out == NULL || outsz < need)
		return -1;
	memcpy(out, PREFIX, PREFIX_LEN);
	memcpy(out + PREFIX_LEN, name, namelen);
	out[PREFIX_LEN + namelen] = ':';
	memcpy(out + PREFIX_LEN + namelen + 1, hex, hexlen);
	memcpy(out + PREFIX_LEN + namelen + 1 + hexlen, CLOSE, CLOSE_LEN);
	out[need - 1] = '\0';
	return 0;
}

int
nxm_pii_token_parse(const char *s, size_t len, enum nxm_pii *cat, const char **hex, size_t *hexlen)
{
	const char *colon;
	enum nxm_pii c;
	size_t namelen, n;

	if (s == NULL || len < PREFIX_LEN + 1 + 1 + NXM_PII_TOKEN_DIGITS + CLOSE_LEN ||
	    memcmp(s, PREFIX, PREFIX_LEN) != 0 ||
	    memcmp(s + len - CLOSE_LEN, CLOSE, CLOSE_LEN) != 0)
		return -1;
	/* Category names are at most 9 letters: look for the colon there only. */
	n = len - PREFIX_LEN - CLOSE_LEN;
	if ((colon = memchr(s + PREFIX_LEN, ':', n < 10 ? n : 10)) == NULL)
		return -1;
	namelen = (size_t)(colon - (s + PREFIX_LEN));
	if ((c = category_of(s + PREFIX_LEN, namelen)) == NXM_PII_NONE ||
	    !valid_hex(colon + 1, n - namelen - 1))
		return -1;
	if (cat != NULL)
		*cat = c;
	if (hex != NULL)
		*hex = colon + 1;
	if (hexlen != NULL)
		*hexlen = n - namelen - 1;
	return 0;
}

/* The length of the token starting at s (which starts with PREFIX), or 0
 * when what follows is not a well-formed token. */
static size_t
token_at(const char *s, size_t len)
{
	size_t i = PREFIX_LEN, name_start = PREFIX_LEN;

	/* Names are capitals and one underscore (ID_DOC), at most 9 long. */
	while (i < len && i - name_start < 10 && ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
		i++;
	if (i >= len || s[i] != ':' || category_of(s + name_start, i - name_start) == NXM_PII_NONE)
		return 0;
	i++;
	for (size_t d = 0; i < len && d <= NXM_PII_TOKEN_DIGITS_MAX; i++, d++) {
		if ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))
			continue;
		if (len - i >= CLOSE_LEN && memcmp(s + i, CLOSE, CLOSE_LEN) == 0 &&
		    valid_hex(s + i - d, d))
			return i + CLOSE_LEN;
		return 0;
	}
	return 0;
}

size_t
nxm_pii_token_len(const char *s, size_t len)
{
	if (s == NULL || len < PREFIX_LEN || memcmp(s, PREFIX, PREFIX_LEN) != 0)
		return 0;
	return token_at(s, len);
}

bool
nxm_pii_token_find(const char *s, size_t len, size_t *start, size_t *end)
{
	const char *p = s, *limit = s + len;

	if (s == NULL)
		return false;
	while ((size_t)(limit - p) >= PREFIX_LEN &&
	       (p = memchr(p, OPEN[0], (size_t)(limit - p) - PREFIX_LEN + 1)) != NULL) {
		size_t n;
		if (memcmp(p, PREFIX, PREFIX_LEN) == 0 &&
		    (n = token_at(p, (size_t)(limit - p))) != 0) {
			if (start != NULL)
				*start = (size_t)(p - s);
			if (end != NULL)
				*end = (size_t)(p - s) + n;
			return true;
		}
		p++;
	}
	return false;
}

int
nxm_pii_token_key(enum nxm_pii cat, const unsigned char mac[NXM_SHA256_LEN], size_t hexdigits,
                  char *out, size_t outsz)
{
	const char *name = cat == NXM_PII_NONE ? NULL : nxm_pii_name(cat);
	char hex[NXM_PII_TOKEN_DIGITS_MAX + 1];
	size_t namelen;

	if (name == NULL || mac == NULL || out == NULL || hexdigits < NXM_PII_TOKEN_DIGITS ||
	    hexdigits > NXM_PII_TOKEN_DIGITS_MAX || hexdigits % 2 != 0)
		return -1;
	namelen = strlen(name);
	if (outsz < namelen + 1 + hexdigits + 1)
		return -1;
	to_hex(mac, hexdigits / 2, hex);
	memcpy(out, name, namelen);
	out[namelen] = ':';
	memcpy(out + namelen + 1, hex, hexdigits + 1);
	return 0;
}

int
nxm_pii_token_of_mac(enum nxm_pii cat, const unsigned char mac[NXM_SHA256_LEN], size_t hexdigits,
                     char *out, size_t outsz)
{
	char hex[NXM_PII_TOKEN_DIGITS_MAX + 1];

	if (mac == NULL || hexdigits < NXM_PII_TOKEN_DIGITS ||
	    hexdigits > NXM_PII_TOKEN_DIGITS_MAX || hexdigits % 2 != 0)
		return -1;
	to_hex(mac, hexdigits / 2, hex);
	return nxm_pii_token_format(cat, hex, hexdigits, out, outsz);
}

int
nxm_pii_token_from_key(const char *key, char *out, size_t outsz)
{
	const char *colon;
	enum nxm_pii cat;

	if (key == NULL || (colon = strchr(key, ':')) == NULL ||
	    (cat = category_of(key, (size_t)(colon - key))) == NXM_PII_NONE)
		return -1;
	return nxm_pii_token_format(cat, colon + 1, strlen(colon + 1), out, outsz);
}

int
nxm_pii_token_to_key(const char *tok, size_t len, char *out, size_t outsz)
{
	const char *hex;
	size_t hexlen, namelen;
	enum nxm_pii cat;

	if (nxm_pii_token_parse(tok, len, &cat, &hex, &hexlen) == -1 || out == NULL)
		return -1;
	namelen = strlen(nxm_pii_name(cat));
	if (outsz < namelen + 1 + hexlen + 1)
		return -1;
	memcpy(out, nxm_pii_name(cat), namelen);
	out[namelen] = ':';
	memcpy(out + namelen + 1, hex, hexlen);
	out[namelen + 1 + hexlen] = '\0';
	return 0;
}

struct nxm_pii_hasher {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

struct nxm_pii_hasher *
nxm_pii_hasher_new(const unsigned char salt[NXM_PII_SALT_LEN])
{
	struct nxm_pii_hasher *h = calloc(1, sizeof(*h));
	OSSL_PARAM params[2];

	if (h == NULL) {
		nxm_log_err("out of memory");
		return NULL;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	/* The key is set once; each value re-initialises with a NULL key,
	 * which restarts from the precomputed inner and outer states. */
	if ((h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (h->ctx = EVP_MAC_CTX_new(h->mac)) == NULL ||
	    EVP_MAC_init(h->ctx, salt, NXM_PII_SALT_LEN, params) != 1) {
		nxm_crypto_log_error(__func__, "cannot set up HMAC-SHA256");
		nxm_pii_hasher_free(h);
		return NULL;
	}
	return h;
}

void
nxm_pii_hasher_free(struct nxm_pii_hasher *h)
{
	if (h == NULL)
		return;
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	free(h);
}

int
nxm_pii_hasher_mac(struct nxm_pii_hasher *h, enum nxm_pii cat, const char *value, size_t len,
                   unsigned char mac[NXM_SHA256_LEN])
{
	const char *name = cat == NXM_PII_NONE ? NULL : nxm_pii_name(cat);
	static const unsigned char zero = 0;
	size_t outlen = 0;

	if (h == NULL || name == NULL || (value == NULL && len > 0))
		return -1;
	if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(h->ctx, (const unsigned char *)name, strlen(name)) != 1 ||
	    EVP_MAC_update(h->ctx, &zero, 1) != 1 ||
	    (len > 0 && EVP_MAC_update(h->ctx, (const unsigned char *)value, len) != 1) ||
	    EVP_MAC_final(h->ctx, mac, &outlen, NXM_SHA256_LEN) != 1 || outlen != NXM_SHA256_LEN) {
		nxm_crypto_log_error(__func__, "HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

int
nxm_pii_hasher_token(struct nxm_pii_hasher *h, enum nxm_pii cat, const char *value, size_t len,
                     size_t hexdigits, char *out, size_t outsz)
{
	unsigned char mac[NXM_SHA256_LEN];
	int rc;

	if (hexdigits < NXM_PII_TOKEN_DIGITS || hexdigits > NXM_PII_TOKEN_DIGITS_MAX ||
	    hexdigits % 2 != 0 || nxm_pii_hasher_mac(h, cat, value, len, mac) == -1)
		return -1;
	rc = nxm_pii_token_of_mac(cat, mac, hexdigits, out, outsz);
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

int
nxm_pii_token_compute(const unsigned char salt[NXM_PII_SALT_LEN], enum nxm_pii cat,
                      const char *value, size_t len, size_t hexdigits, char *out, size_t outsz)
{
	struct nxm_pii_hasher *h;
	int rc;

	if (salt == NULL || (h = nxm_pii_hasher_new(salt)) == NULL)
		return -1;
	rc = nxm_pii_hasher_token(h, cat, value, len, hexdigits, out, outsz);
	nxm_pii_hasher_free(h);
	return rc;
}
