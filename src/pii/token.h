/* Personal-data tokens: the text «PII:<CATEGORY>:<hex>» that stands for a
 * personal value in what the assistant sees (DESIGN.md §6).
 *
 * The guillemets are U+00AB and U+00BB in UTF-8. CATEGORY is one of the
 * names of nxm_pii_name() (NAME … BIO) and hex is lowercase, an even number
 * of digits from 8 to 64: 8 normally, more when a session meets two values
 * whose first 32 bits collide. The hex is the start of HMAC-SHA-256 under
 * the session's PII salt of the category name, a zero byte and the value,
 * so a value keeps its token for the whole session and gets another one in
 * another session.
 *
 * The "key" of a token is "<CATEGORY>:<hex>", the form pii_tokens stores
 * (plain ASCII, see docs/storage.md). */
#ifndef NXM_PII_TOKEN_H
#define NXM_PII_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/crypto.h"
#include "nexudus/catalog.h"

#define NXM_PII_SALT_LEN         32
#define NXM_PII_TOKEN_DIGITS     8  /* hex digits of a token that collides with nothing */
#define NXM_PII_TOKEN_DIGITS_MAX 64 /* all of the MAC */
/* Room for the longest token and its NUL: «PII:FINANCIAL:<64 hex>» is 83 bytes. */
#define NXM_PII_TOKEN_MAX 96

/* A token from its parts; hex must be valid (lowercase, even, 8 to 64
 * digits) and cat a category. out gets the NUL-terminated token. */
int nxm_pii_token_format(enum nxm_pii cat, const char *hex, size_t hexlen, char *out, size_t outsz);
/* Strict: s[0..len) must be exactly one well-formed token. On success *cat
 * is its category and *hex, *hexlen point at its digits inside s. Either
 * of hex and hexlen may be NULL. */
int nxm_pii_token_parse(const char *s, size_t len, enum nxm_pii *cat, const char **hex,
                        size_t *hexlen);
/* The first well-formed token inside s[0..len): true with its offsets
 * [*start, *end) when there is one. Malformed look-alikes are skipped. */
bool nxm_pii_token_find(const char *s, size_t len, size_t *start, size_t *end);
/* The length of the well-formed token s starts with, 0 when it starts with none. */
size_t nxm_pii_token_len(const char *s, size_t len);

/* Keys: "<CATEGORY>:<hex>". */
int nxm_pii_token_key(enum nxm_pii cat, const unsigned char mac[NXM_SHA256_LEN], size_t hexdigits,
                      char *out, size_t outsz);
/* The token whose hex is the first hexdigits/2 bytes of mac. */
int nxm_pii_token_of_mac(enum nxm_pii cat, const unsigned char mac[NXM_SHA256_LEN],
                         size_t hexdigits, char *out, size_t outsz);
/* The token of a key (key NUL-terminated), and the key of a token
 * (strict, as nxm_pii_token_parse). */
int nxm_pii_token_from_key(const char *key, char *out, size_t outsz);
int nxm_pii_token_to_key(const char *tok, size_t len, char *out, size_t outsz);

/* The MAC of one session's values. The salt's key schedule is computed once
 * here, so each value costs only its own hashing: create one per request,
 * not one per value. Not thread-safe: one per thread. */
struct nxm_pii_hasher;

struct nxm_pii_hasher *nxm_pii_hasher_new(const unsigned char salt[NXM_PII_SALT_LEN]);
void nxm_pii_hasher_free(struct nxm_pii_hasher *h);
/* HMAC-SHA-256 under the salt of (category name, 0x00, value). */
int nxm_pii_hasher_mac(struct nxm_pii_hasher *h, enum nxm_pii cat, const char *value, size_t len,
                       unsigned char mac[NXM_SHA256_LEN]);
/* The token of a value: the first hexdigits/2 bytes of its MAC. */
int nxm_pii_hasher_token(struct nxm_pii_hasher *h, enum nxm_pii cat, const char *value, size_t len,
                         size_t hexdigits, char *out, size_t outsz);
/* The same in one call, for a single value (it sets up a hasher each time). */
int nxm_pii_token_compute(const unsigned char salt[NXM_PII_SALT_LEN], enum nxm_pii cat,
                          const char *value, size_t len, size_t hexdigits, char *out, size_t outsz);

#endif
