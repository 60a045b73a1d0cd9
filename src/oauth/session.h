/* Sign-in sessions and the access tokens that name them (docs/storage.md).
 *
 * Token: "nxm1." b64url(payload) "." b64url(HMAC-SHA256(key, "nxm1." b64url(payload)))
 * payload: version (1) | key id (8) | session id (16) | secret (32) |
 *          expiry (8, big-endian Unix seconds) | flags (1: write, PII allowed)
 *
 * The database keeps SHA-256(secret), never the secret; the Nexudus token is
 * sealed under a key derived from the secret, so neither the database nor the
 * client's token alone yields a Nexudus credential. */
#ifndef NXM_OAUTH_SESSION_H
#define NXM_OAUTH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/app.h"
#include "core/keyring.h"

#define NXM_TOKEN_PREFIX     "nxm1."
#define NXM_SESSION_ID_BYTES 16
#define NXM_SESSION_ID_HEX   (2 * NXM_SESSION_ID_BYTES)
#define NXM_TOKEN_SECRET_LEN 32
#define NXM_TOKEN_MAX        256

enum nxm_token_flag {
	NXM_TOKEN_WRITE = 1u << 0,
	NXM_TOKEN_ALLOW_PII = 1u << 1,
};

enum nxm_token_err {
	NXM_TOKEN_OK = 0,
	NXM_TOKEN_MALFORMED,
	NXM_TOKEN_UNKNOWN_KEY,
	NXM_TOKEN_BAD_SIGNATURE,
	NXM_TOKEN_EXPIRED,
	NXM_TOKEN_UNKNOWN_SESSION,
	NXM_TOKEN_REVOKED,
	NXM_TOKEN_SERVER_ERROR,
};

struct nxm_token_claims {
	char key_id[NXM_KEY_ID_LEN + 1];
	unsigned char session_id[NXM_SESSION_ID_BYTES];
	unsigned char secret[NXM_TOKEN_SECRET_LEN];
	time_t expires_at;
	unsigned flags;
};

struct nxm_session {
	char id[NXM_SESSION_ID_HEX + 1];
	char client_id[256];
	char resource[512];
	bool can_write;
	bool allow_pii;
	time_t created_at;
	time_t expires_at;
	int64_t upstream_user_id;
	char *upstream_token; /* decrypted; wiped by nxm_session_clear */
	/* Personal-data redaction, derived from the access token's secret (which
	 * the database never holds): the HMAC salt of the tokens and the key that
	 * seals their values in pii_tokens. Wiped by nxm_session_clear. */
	unsigned char pii_salt[32];
	unsigned char pii_key[32];
};

/* What the login page knows when it creates a session. */
struct nxm_session_new {
	const char *client_id;
	const char *client_name;
	const char *resource;
	bool can_write;
	bool allow_pii;
	const char *account; /* e-mail: only its keyed hash is stored */
	int64_t upstream_user_id;
	const char *upstream_token; /* sealed before it is stored */
};

int nxm_token_mint(const struct nxm_keyring *ring, const struct nxm_token_claims *c, char *out,
                   size_t outsz);
/* Structure and signature only; no clock, no database. */
enum nxm_token_err nxm_token_parse(const struct nxm_keyring *ring, const char *token, size_t len,
                                   struct nxm_token_claims *c);
/* The whole check an /mcp request goes through: signature, expiry, the
 * session row (present, not revoked, not expired, secret hash, scope and PII
 * choice as signed), then the Nexudus token unsealed into s. */
enum nxm_token_err nxm_session_verify(struct nxm_app *app, const char *token, size_t len,
                                      struct nxm_session *s);
const char *nxm_token_strerror(enum nxm_token_err err);

/* Creates the session row; fills its new secret and id for the code. */
int nxm_session_create(struct nxm_app *app, const struct nxm_session_new *in,
                       unsigned char secret[NXM_TOKEN_SECRET_LEN],
                       unsigned char id[NXM_SESSION_ID_BYTES]);
int nxm_session_revoke(struct nxm_app *app, const char *session_id_hex, const char *reason);
void nxm_session_clear(struct nxm_session *s);

/* Keyed hash of an identifier of a person (an e-mail, an address), so the
 * database can group by it without holding it. */
int nxm_session_subject_hash(const struct nxm_keyring *ring, const char *kind, const char *value,
                             unsigned char out[32]);

/* AES-256-GCM under HKDF-SHA256(secret, salt, info); blob = iv | ct | tag. */
int nxm_seal(const unsigned char *secret, size_t secretlen, const void *salt, size_t saltlen,
             const char *info, const void *pt, size_t ptlen, unsigned char **blob, size_t *bloblen);
int nxm_unseal(const unsigned char *secret, size_t secretlen, const void *salt, size_t saltlen,
               const char *info, const unsigned char *blob, size_t bloblen, unsigned char **pt,
               size_t *ptlen);

void nxm_hex(const unsigned char *in, size_t n, char *out);

#endif
