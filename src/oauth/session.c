#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "oauth/metadata.h"
#include "oauth/session.h"

#define PAYLOAD_LEN   (1 + NXM_KEY_ID_LEN + NXM_SESSION_ID_BYTES + NXM_TOKEN_SECRET_LEN + 8 + 1)
#define TOKEN_VERSION 1
#define UPSTREAM_INFO "nexmcp upstream token v1"
#define PII_SALT_INFO "nexmcp pii salt v1"
#define PII_KEY_INFO  "nexmcp pii map v1"

void
nxm_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
mac_of(const struct nxm_key *key, const char *signed_part, size_t n, unsigned char mac[32])
{
	return nxm_hmac_sha256(key->secret, sizeof(key->secret), signed_part, n, mac);
}

int
nxm_token_mint(const struct nxm_keyring *ring, const struct nxm_token_claims *c, char *out,
               size_t outsz)
{
	unsigned char p[PAYLOAD_LEN], mac[32];
	const struct nxm_key *key = nxm_keyring_find(ring, c->key_id);
	size_t o = 0, plen;
	int rc = -1;

	if (key == NULL)
		return -1;
	p[o++] = TOKEN_VERSION;
	memcpy(p + o, c->key_id, NXM_KEY_ID_LEN);
	o += NXM_KEY_ID_LEN;
	memcpy(p + o, c->session_id, NXM_SESSION_ID_BYTES);
	o += NXM_SESSION_ID_BYTES;
	memcpy(p + o, c->secret, NXM_TOKEN_SECRET_LEN);
	o += NXM_TOKEN_SECRET_LEN;
	for (int i = 7; i >= 0; i--)
		p[o++] = (unsigned char)(((uint64_t)c->expires_at >> (8 * i)) & 0xff);
	p[o++] = (unsigned char)c->flags;
	if (outsz < sizeof(NXM_TOKEN_PREFIX))
		goto out;
	memcpy(out, NXM_TOKEN_PREFIX, sizeof(NXM_TOKEN_PREFIX));
	plen = strlen(out);
	if (nxm_b64url_encode(p, sizeof(p), out + plen, outsz - plen) == -1)
		goto out;
	plen = strlen(out);
	if (mac_of(key, out, plen, mac) == -1 || plen + 2 >= outsz)
		goto out;
	out[plen] = '.';
	if (nxm_b64url_encode(mac, sizeof(mac), out + plen + 1, outsz - plen - 1) == -1)
		goto out;
	rc = 0;
out:
	nxm_wipe(p, sizeof(p));
	return rc;
}

enum nxm_token_err
nxm_token_parse(const struct nxm_keyring *ring, const char *token, size_t len,
                struct nxm_token_claims *c)
{
	unsigned char p[PAYLOAD_LEN + 3], mac[32], want[32];
	const size_t pre = sizeof(NXM_TOKEN_PREFIX) - 1;
	const char *dot;
	const struct nxm_key *key;
	size_t plen = 0, maclen = 0, o = 0;
	enum nxm_token_err err = NXM_TOKEN_MALFORMED;

	memset(c, 0, sizeof(*c));
	if (len > NXM_TOKEN_MAX || len < pre || memcmp(token, NXM_TOKEN_PREFIX, pre) != 0)
		return NXM_TOKEN_MALFORMED;
	dot = memchr(token + pre, '.', len - pre);
	if (dot == NULL ||
	    nxm_b64url_decode(token + pre, (size_t)(dot - token - (ptrdiff_t)pre), p, sizeof(p),
	                      &plen) == -1 ||
	    plen != PAYLOAD_LEN ||
	    nxm_b64url_decode(dot + 1, len - (size_t)(dot + 1 - token), mac, sizeof(mac),
	                      &maclen) == -1 ||
	    maclen != sizeof(mac) || p[0] != TOKEN_VERSION)
		goto out;
	o = 1;
	memcpy(c->key_id, p + o, NXM_KEY_ID_LEN);
	c->key_id[NXM_KEY_ID_LEN] = '\0';
	o += NXM_KEY_ID_LEN;
	if ((key = nxm_keyring_find(ring, c->key_id)) == NULL) {
		err = NXM_TOKEN_UNKNOWN_KEY;
		goto out;
	}
	if (mac_of(key, token, (size_t)(dot - token), want) == -1) {
		err = NXM_TOKEN_SERVER_ERROR;
		goto out;
	}
	if (!nxm_ct_equal(want, mac, sizeof(mac))) {
		err = NXM_TOKEN_BAD_SIGNATURE;
		goto out;
	}
	memcpy(c->session_id, p + o, NXM_SESSION_ID_BYTES);
	o += NXM_SESSION_ID_BYTES;
	memcpy(c->secret, p + o, NXM_TOKEN_SECRET_LEN);
	o += NXM_TOKEN_SECRET_LEN;
	for (int i = 0; i < 8; i++)
		c->expires_at = (time_t)(((uint64_t)c->expires_at << 8) | p[o++]);
	c->flags = p[o];
	err = NXM_TOKEN_OK;
out:
	nxm_wipe(p, sizeof(p));
	if (err != NXM_TOKEN_OK)
		nxm_wipe(c, sizeof(*c));
	return err;
}

const char *
nxm_token_strerror(enum nxm_token_err err)
{
	switch (err) {
	case NXM_TOKEN_OK:
		return "valid";
	case NXM_TOKEN_MALFORMED:
		return "malformed token";
	case NXM_TOKEN_UNKNOWN_KEY:
		return "token signed with an unknown key";
	case NXM_TOKEN_BAD_SIGNATURE:
		return "token signature does not verify";
	case NXM_TOKEN_EXPIRED:
		return "session expired; sign in again";
	case NXM_TOKEN_UNKNOWN_SESSION:
		return "no such session";
	case NXM_TOKEN_REVOKED:
		return "session revoked; sign in again";
	case NXM_TOKEN_SERVER_ERROR:
		return "server error";
	}
	return "invalid token";
}

static int
derive_key(const unsigned char *secret, size_t secretlen, const void *salt, size_t saltlen,
           const char *info, unsigned char key[NXM_AEAD_KEYLEN])
{
	return nxm_hkdf_sha256(salt, saltlen, secret, secretlen, info, strlen(info), key,
	                       NXM_AEAD_KEYLEN);
}

int
nxm_seal(const unsigned char *secret, size_t secretlen, const void *salt, size_t saltlen,
         const char *info, const void *pt, size_t ptlen, unsigned char **blob, size_t *bloblen)
{
	unsigned char key[NXM_AEAD_KEYLEN];
	unsigned char *b = NULL;
	int rc = -1;

	*blob = NULL;
	if (ptlen > 65536 || (b = malloc(NXM_AEAD_IVLEN + ptlen + NXM_AEAD_TAGLEN)) == NULL)
		return -1;
	if (derive_key(secret, secretlen, salt, saltlen, info, key) == -1 ||
	    nxm_random(b, NXM_AEAD_IVLEN) == -1 ||
	    nxm_aead_seal(key, b, salt, saltlen, pt, ptlen, b + NXM_AEAD_IVLEN,
	                  b + NXM_AEAD_IVLEN + ptlen) == -1)
		goto out;
	*blob = b;
	*bloblen = NXM_AEAD_IVLEN + ptlen + NXM_AEAD_TAGLEN;
	b = NULL;
	rc = 0;
out:
	free(b);
	nxm_wipe(key, sizeof(key));
	return rc;
}

int
nxm_unseal(const unsigned char *secret, size_t secretlen, const void *salt, size_t saltlen,
           const char *info, const unsigned char *blob, size_t bloblen, unsigned char **pt,
           size_t *ptlen)
{
	unsigned char key[NXM_AEAD_KEYLEN];
	unsigned char *p = NULL;
	size_t n;
	int rc = -1;

	*pt = NULL;
	if (bloblen < NXM_AEAD_IVLEN + NXM_AEAD_TAGLEN)
		return -1;
	n = bloblen - NXM_AEAD_IVLEN - NXM_AEAD_TAGLEN;
	if ((p = malloc(n + 1)) == NULL)
		return -1;
	if (derive_key(secret, secretlen, salt, saltlen, info, key) == -1 ||
	    nxm_aead_open(key, blob, salt, saltlen, blob + NXM_AEAD_IVLEN, n,
	                  blob + NXM_AEAD_IVLEN + n, p) == -1)
		goto out;
	p[n] = '\0';
	*pt = p;
	*ptlen = n;
	p = NULL;
	rc = 0;
out:
	free(p);
	nxm_wipe(key, sizeof(key));
	return rc;
}

int
nxm_session_subject_hash(const struct nxm_keyring *ring, const char *kind, const char *value,
                         unsigned char out[32])
{
	struct nxm_buf b = {0};
	int rc = -1;

	/* Lower case: e-mail addresses are matched case-insensitively. */
	if (nxm_buf_printf(&b, "%s:", kind) == -1)
		goto out;
	for (const char *p = value; *p != '\0'; p++) {
		char ch = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
		if (nxm_buf_append(&b, &ch, 1) == -1)
			goto out;
	}
	rc = nxm_hmac_sha256(ring->keys[0].secret, NXM_KEY_LEN, b.data, b.len, out);
out:
	nxm_buf_free(&b);
	return rc;
}

int
nxm_session_create(struct nxm_app *app, const struct nxm_session_new *in,
                   unsigned char secret[NXM_TOKEN_SECRET_LEN],
                   unsigned char id[NXM_SESSION_ID_BYTES])
{
	unsigned char secret_hash[32], account_hash[32], *sealed = NULL;
	char idhex[NXM_SESSION_ID_HEX + 1];
	size_t sealedlen = 0;
	sqlite3_stmt *st = NULL;
	time_t now = app->now();
	int rc = -1;

	if (nxm_random(secret, NXM_TOKEN_SECRET_LEN) == -1 ||
	    nxm_random(id, NXM_SESSION_ID_BYTES) == -1 ||
	    nxm_sha256(secret, NXM_TOKEN_SECRET_LEN, secret_hash) == -1 ||
	    nxm_session_subject_hash(&app->keys, "account", in->account, account_hash) == -1 ||
	    nxm_seal(secret, NXM_TOKEN_SECRET_LEN, id, NXM_SESSION_ID_BYTES, UPSTREAM_INFO,
	             in->upstream_token, strlen(in->upstream_token), &sealed, &sealedlen) == -1)
		goto out;
	nxm_hex(id, NXM_SESSION_ID_BYTES, idhex);
	if (nxm_db_prepare(
	            app->db,
	            "INSERT INTO sessions (session_id, secret_hash, key_id, client_id, "
	            "client_name, resource, scope, allow_pii, account_hash, upstream_user_id, "
	            "upstream_token, created_at, expires_at) "
	            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	            &st) == -1)
		goto out;
	if (sqlite3_bind_text(st, 1, idhex, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, secret_hash, sizeof(secret_hash), SQLITE_STATIC) !=
	            SQLITE_OK ||
	    sqlite3_bind_text(st, 3, app->keys.keys[0].id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, in->client_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (in->client_name ? sqlite3_bind_text(st, 5, in->client_name, -1, SQLITE_STATIC)
	                     : sqlite3_bind_null(st, 5)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, in->resource, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 7,
	                      in->can_write ? NXM_SCOPE_READ " " NXM_SCOPE_WRITE : NXM_SCOPE_READ,
	                      -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 8, in->allow_pii) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 9, account_hash, sizeof(account_hash), SQLITE_STATIC) !=
	            SQLITE_OK ||
	    sqlite3_bind_int64(st, 10, in->upstream_user_id) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 11, sealed, (int)sealedlen, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 12, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 13, now + app->cfg.session_lifetime) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		nxm_log_err("cannot store the session: %s", sqlite3_errmsg(app->db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	free(sealed);
	if (rc != 0)
		nxm_wipe(secret, NXM_TOKEN_SECRET_LEN);
	return rc;
}

int
nxm_session_revoke(struct nxm_app *app, const char *session_id_hex, const char *reason)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (nxm_db_prepare(app->db,
	                   "UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
	                   "WHERE session_id = ? AND revoked_at IS NULL",
	                   &st) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, app->now()) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, session_id_hex, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		nxm_log_err("cannot revoke: %s", sqlite3_errmsg(app->db));
	sqlite3_finalize(st);
	return rc;
}

enum nxm_token_err
nxm_session_verify(struct nxm_app *app, const char *token, size_t len, struct nxm_session *s)
{
	struct nxm_token_claims c;
	unsigned char hash[32], *plain = NULL;
	size_t plainlen = 0;
	sqlite3_stmt *st = NULL;
	enum nxm_token_err err;
	time_t now = app->now();
	int step;

	memset(s, 0, sizeof(*s));
	if ((err = nxm_token_parse(&app->keys, token, len, &c)) != NXM_TOKEN_OK)
		return err;
	if (c.expires_at <= now) {
		err = NXM_TOKEN_EXPIRED;
		goto out;
	}
	nxm_hex(c.session_id, sizeof(c.session_id), s->id);
	err = NXM_TOKEN_SERVER_ERROR;
	if (nxm_sha256(c.secret, sizeof(c.secret), hash) == -1 ||
	    nxm_db_prepare(app->db,
	                   "SELECT secret_hash, client_id, resource, scope, allow_pii, created_at, "
	                   "expires_at, revoked_at, upstream_user_id, upstream_token FROM sessions "
	                   "WHERE session_id = ?",
	                   &st) == -1 ||
	    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	if ((step = sqlite3_step(st)) != SQLITE_ROW) {
		err = step == SQLITE_DONE ? NXM_TOKEN_UNKNOWN_SESSION : NXM_TOKEN_SERVER_ERROR;
		goto out;
	}
	/* A token minted for this session carries its secret; anything else is a
	 * forgery that got past the MAC, i.e. a leaked key. */
	if (sqlite3_column_bytes(st, 0) != 32 ||
	    !nxm_ct_equal(sqlite3_column_blob(st, 0), hash, 32)) {
		err = NXM_TOKEN_UNKNOWN_SESSION;
		goto out;
	}
	if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
		err = NXM_TOKEN_REVOKED;
		goto out;
	}
	s->expires_at = (time_t)sqlite3_column_int64(st, 6);
	if (s->expires_at <= now) {
		err = NXM_TOKEN_EXPIRED;
		goto out;
	}
	snprintf(s->client_id, sizeof(s->client_id), "%s", sqlite3_column_text(st, 1));
	snprintf(s->resource, sizeof(s->resource), "%s", sqlite3_column_text(st, 2));
	s->can_write = strstr((const char *)sqlite3_column_text(st, 3), NXM_SCOPE_WRITE) != NULL;
	s->allow_pii = sqlite3_column_int(st, 4) != 0;
	s->created_at = (time_t)sqlite3_column_int64(st, 5);
	s->upstream_user_id = sqlite3_column_int64(st, 8);
	if (s->can_write != ((c.flags & NXM_TOKEN_WRITE) != 0) ||
	    s->allow_pii != ((c.flags & NXM_TOKEN_ALLOW_PII) != 0)) {
		nxm_log_err("session %s: token flags differ from the session row", s->id);
		goto out;
	}
	if (nxm_unseal(c.secret, sizeof(c.secret), c.session_id, sizeof(c.session_id),
	               UPSTREAM_INFO, sqlite3_column_blob(st, 9),
	               (size_t)sqlite3_column_bytes(st, 9), &plain, &plainlen) == -1) {
		nxm_log_err("session %s: cannot unseal the upstream token", s->id);
		goto out;
	}
	s->upstream_token = (char *)plain;
	if (nxm_hkdf_sha256(c.session_id, sizeof(c.session_id), c.secret, sizeof(c.secret),
	                    PII_SALT_INFO, strlen(PII_SALT_INFO), s->pii_salt,
	                    sizeof(s->pii_salt)) == -1 ||
	    nxm_hkdf_sha256(c.session_id, sizeof(c.session_id), c.secret, sizeof(c.secret),
	                    PII_KEY_INFO, strlen(PII_KEY_INFO), s->pii_key,
	                    sizeof(s->pii_key)) == -1) {
		nxm_log_err("session %s: cannot derive the redaction keys", s->id);
		goto out;
	}
	err = NXM_TOKEN_OK;
out:
	sqlite3_finalize(st);
	nxm_wipe(&c, sizeof(c));
	if (err != NXM_TOKEN_OK) {
		char id[sizeof(s->id)];
		memcpy(id, s->id, sizeof(id));
		nxm_session_clear(s);
		memcpy(s->id, id, sizeof(id)); /* kept so the caller can log it */
	}
	return err;
}

void
nxm_session_clear(struct nxm_session *s)
{
	nxm_str_free_secret(s->upstream_token);
	nxm_wipe(s, sizeof(*s));
}
