/* POST /api/token as Nexudus answers it (an OWIN password grant with an
 * optional two-factor code, and refresh tokens), and the bearer check every
 * API call goes through. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/form.h"
#include "core/header.h"
#include "core/log.h"
#include "sim/sim.h"

#define TOKEN_BYTES 32
#define TOTP_STEP   30

static const char denied[] = "Authorization has been denied for this request.";

static int
grant_error(struct nxm_response *resp, const char *error, const char *description)
{
	return nxm_response_error(resp, 400, error, description);
}

static int
password_hash(const unsigned char *salt, size_t saltlen, const char *password,
              unsigned char out[NXM_SHA256_LEN])
{
	return nxm_hmac_sha256(salt, saltlen, password, strlen(password), out);
}

int
sim_auth_add_account(struct sim *s, int64_t user_id, const char *email, const char *password,
                     bool is_admin, bool api_access, const char *totp_secret, const char *roles)
{
	unsigned char salt[16], hash[NXM_SHA256_LEN];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (nxm_random(salt, sizeof(salt)) == -1 ||
	    password_hash(salt, sizeof(salt), password, hash) == -1)
		return -1;
	if (nxm_db_prepare(
	            s->db,
	            "INSERT INTO accounts (user_id, email, password_salt, password_hash, "
	            "is_admin, api_access, totp_secret, roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	            &st) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, user_id) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_blob(st, 3, salt, sizeof(salt), SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_blob(st, 4, hash, sizeof(hash), SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int(st, 5, is_admin) == SQLITE_OK &&
	    sqlite3_bind_int(st, 6, api_access) == SQLITE_OK &&
	    (totp_secret ? sqlite3_bind_text(st, 7, totp_secret, -1, SQLITE_STATIC)
	                 : sqlite3_bind_null(st, 7)) == SQLITE_OK &&
	    sqlite3_bind_text(st, 8, roles, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		nxm_log_err("%s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	nxm_wipe(hash, sizeof(hash));
	return rc;
}

/* RFC 4648 base32, as authenticator apps take TOTP secrets. */
static int
base32_decode(const char *in, unsigned char *out, size_t outsz, size_t *outlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned long acc = 0;
	int bits = 0;
	size_t o = 0;

	for (const char *p = in; *p != '\0' && *p != '='; p++) {
		const char *v = strchr(alphabet, *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		if (v == NULL || *p == '\0')
			return -1;
		acc = (acc << 5) | (unsigned long)(v - alphabet);
		bits += 5;
		if (bits >= 8) {
			if (o >= outsz)
				return -1;
			bits -= 8;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	*outlen = o;
	return 0;
}

int
sim_totp_code(const unsigned char *key, size_t keylen, uint64_t counter, char out[7])
{
	unsigned char msg[8], mac[20];
	size_t maclen = 0;
	uint32_t bin;
	int off;

	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, keylen, msg, sizeof(msg), mac,
	              sizeof(mac), &maclen) == NULL ||
	    maclen != sizeof(mac))
		return -1;
	off = mac[19] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	      ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	snprintf(out, 7, "%06u", (unsigned)(bin % 1000000));
	return 0;
}

/* Accepts the code of the current step and of the one before, as
 * authenticator apps and servers usually do for clock drift. */
static bool
totp_ok(struct sim *s, const char *secret, const char *code)
{
	unsigned char key[64];
	size_t keylen = 0;
	uint64_t step = (uint64_t)s->now() / TOTP_STEP;
	char want[7];
	bool ok = false;

	if (code == NULL || strlen(code) != 6 ||
	    base32_decode(secret, key, sizeof(key), &keylen) == -1)
		return false;
	for (int d = 0; d <= 1 && !ok; d++)
		if (sim_totp_code(key, keylen, step - (uint64_t)d, want) == 0 &&
		    nxm_ct_equal(want, code, 6))
			ok = true;
	nxm_wipe(key, sizeof(key));
	return ok;
}

int
sim_auth_totp_now(struct sim *s, const char *email, char out[7])
{
	sqlite3_stmt *st = NULL;
	unsigned char key[64];
	size_t keylen = 0;
	int rc = -1;

	if (nxm_db_prepare(s->db, "SELECT totp_secret FROM accounts WHERE email = ?", &st) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT &&
	    base32_decode((const char *)sqlite3_column_text(st, 0), key, sizeof(key), &keylen) == 0)
		rc = sim_totp_code(key, keylen, (uint64_t)s->now() / TOTP_STEP, out);
	sqlite3_finalize(st);
	return rc;
}

static int
store_token(struct sim *s, int64_t account, const char *kind, long lifetime, char *out,
            size_t outsz)
{
	unsigned char raw[TOKEN_BYTES], hash[NXM_SHA256_LEN];
	sqlite3_stmt *st = NULL;
	time_t now = s->now();
	int rc = -1;

	if (nxm_random(raw, sizeof(raw)) == -1 ||
	    nxm_b64url_encode(raw, sizeof(raw), out, outsz) == -1 ||
	    nxm_sha256(out, strlen(out), hash) == -1)
		goto out;
	if (nxm_db_prepare(
	            s->db,
	            "INSERT INTO tokens (token_hash, kind, account_id, created_at, expires_at) "
	            "VALUES (?, ?, ?, ?, ?)",
	            &st) == -1)
		goto out;
	if (sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 3, account) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 4, now) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 5, now + lifetime) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
out:
	sqlite3_finalize(st);
	nxm_wipe(raw, sizeof(raw));
	return rc;
}

static void
issue_tokens(struct sim *s, int64_t account, struct nxm_response *resp)
{
	char access[64], refresh[64];

	if (store_token(s, account, "access", SIM_TOKEN_LIFETIME, access, sizeof(access)) == -1 ||
	    store_token(s, account, "refresh", 30L * 86400, refresh, sizeof(refresh)) == -1) {
		nxm_response_error(resp, 500, "server_error", "cannot issue a token");
		return;
	}
	nxm_response_json(resp, 200,
	                  json_pack("{s:s, s:s, s:i, s:s}", "access_token", access, "token_type",
	                            "bearer", "expires_in", SIM_TOKEN_LIFETIME, "refresh_token",
	                            refresh));
	nxm_response_set_header(resp, "Cache-Control", "no-cache");
	nxm_wipe(access, sizeof(access));
	nxm_wipe(refresh, sizeof(refresh));
}

static void
password_grant(struct sim *s, const struct nxm_params *p, struct nxm_response *resp)
{
	const char *user = nxm_params_get(p, "username"), *pass = nxm_params_get(p, "password");
	unsigned char hash[NXM_SHA256_LEN];
	sqlite3_stmt *st = NULL;
	bool ok = false;
	int64_t account = 0;
	char secret[128] = "";

	if (user == NULL || pass == NULL) {
		grant_error(resp, "invalid_grant", "The user name or password is incorrect.");
		return;
	}
	if (nxm_db_prepare(s->db,
	                   "SELECT id, password_salt, password_hash, totp_secret FROM accounts "
	                   "WHERE email = ?",
	                   &st) == -1)
		goto fail;
	if (sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 2) == NXM_SHA256_LEN &&
	    password_hash(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), pass,
	                  hash) == 0) {
		ok = nxm_ct_equal(hash, sqlite3_column_blob(st, 2), NXM_SHA256_LEN);
		account = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 3) == SQLITE_TEXT)
			snprintf(secret, sizeof(secret), "%s", sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	nxm_wipe(hash, sizeof(hash));
	if (!ok) {
		grant_error(resp, "invalid_grant", "The user name or password is incorrect.");
		return;
	}
	if (secret[0] != '\0') {
		const char *code = nxm_params_get(p, "totp");
		if (code == NULL || *code == '\0') {
			grant_error(resp, "invalid_grant",
			            "This account uses two-factor authentication: a totp code is "
			            "required.");
			return;
		}
		if (!totp_ok(s, secret, code)) {
			grant_error(resp, "invalid_grant",
			            "The two-factor authentication code is not valid.");
			return;
		}
	}
	issue_tokens(s, account, resp);
	return;
fail:
	nxm_response_error(resp, 500, "server_error", "database error");
}

/* A refresh token works once: using it revokes it and issues a new pair. */
static void
refresh_grant(struct sim *s, const struct nxm_params *p, struct nxm_response *resp)
{
	const char *token = nxm_params_get(p, "refresh_token");
	unsigned char hash[NXM_SHA256_LEN];
	sqlite3_stmt *st = NULL;
	int64_t account = 0;

	if (token == NULL || nxm_sha256(token, strlen(token), hash) == -1) {
		grant_error(resp, "invalid_grant", "The refresh token is invalid.");
		return;
	}
	if (nxm_db_prepare(
	            s->db,
	            "UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND kind = 'refresh' "
	            "AND revoked_at IS NULL AND expires_at > ? RETURNING account_id",
	            &st) == -1) {
		nxm_response_error(resp, 500, "server_error", "database error");
		return;
	}
	if (sqlite3_bind_int64(st, 1, s->now()) == SQLITE_OK &&
	    sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 3, s->now()) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		account = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (account == 0) {
		grant_error(resp, "invalid_grant", "The refresh token is invalid.");
		return;
	}
	issue_tokens(s, account, resp);
}

void
sim_auth_token(struct sim *s, const struct nxm_request *req, struct nxm_response *resp)
{
	struct nxm_params p;
	const char *grant;

	if (strcmp(req->method, "POST") != 0) {
		sim_reply_message(resp, 405,
		                  "The requested resource does not support http method.");
		return;
	}
	/* OWIN reads the grant from a form only; a JSON body has no grant_type. */
	if (!nxm_header_content_type_is(nxm_request_header(req, "content-type"),
	                                "application/x-www-form-urlencoded") ||
	    nxm_form_parse((const char *)req->body, req->body_len, &p, NULL, 0) != NXM_FORM_OK) {
		grant_error(resp, "unsupported_grant_type", NULL);
		return;
	}
	grant = nxm_params_get(&p, "grant_type");
	if (grant != NULL && strcmp(grant, "password") == 0)
		password_grant(s, &p, resp);
	else if (grant != NULL && strcmp(grant, "refresh_token") == 0)
		refresh_grant(s, &p, resp);
	else
		grant_error(resp, "unsupported_grant_type", NULL);
	nxm_params_free(&p);
}

int
sim_auth_check(struct sim *s, const struct nxm_request *req, struct nxm_response *resp)
{
	unsigned char hash[NXM_SHA256_LEN];
	const char *token;
	size_t len;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	s->account_id = 0;
	if (nxm_header_bearer(nxm_request_header(req, "authorization"), &token, &len) !=
	            NXM_HDR_OK ||
	    nxm_sha256(token, len, hash) == -1)
		goto out;
	if (nxm_db_prepare(s->db,
	                   "SELECT a.id, a.email, a.roles, a.is_admin, a.api_access FROM tokens t "
	                   "JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ? AND "
	                   "t.kind = 'access' AND t.revoked_at IS NULL AND t.expires_at > ?",
	                   &st) == -1)
		goto out;
	if (sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, s->now()) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 3) && sqlite3_column_int(st, 4)) {
		s->account_id = sqlite3_column_int64(st, 0);
		snprintf(s->account_email, sizeof(s->account_email), "%s",
		         sqlite3_column_text(st, 1));
		snprintf(s->account_roles, sizeof(s->account_roles), "%s",
		         sqlite3_column_text(st, 2));
		ok = true;
	}
out:
	sqlite3_finalize(st);
	if (!ok)
		sim_reply_message(resp, 401, denied);
	return ok ? 0 : -1;
}

bool
sim_auth_allows(const struct sim *s, const struct nxm_entity *e, const char *op)
{
	char roles[sizeof(s->account_roles)], *tok, *save = NULL, want[160], any[32];

	snprintf(roles, sizeof(roles), "%s", s->account_roles);
	snprintf(want, sizeof(want), "%s-%s", e->singular, op);
	snprintf(any, sizeof(any), "*-%s", op);
	for (tok = strtok_r(roles, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, "*") == 0 || strcmp(tok, any) == 0 || strcasecmp(tok, want) == 0)
			return true;
	return false;
}

int
sim_auth_set_password(struct sim *s, const char *email, const char *password, char *err,
                      size_t errlen)
{
	unsigned char salt[16], hash[NXM_SHA256_LEN];
	sqlite3_stmt *st = NULL;
	int64_t account = 0;
	int rc = -1;

	if (nxm_random(salt, sizeof(salt)) == -1 ||
	    password_hash(salt, sizeof(salt), password, hash) == -1)
		return -1;
	if (sim_store_begin(s) == -1)
		return -1;
	if (nxm_db_prepare(
	            s->db,
	            "UPDATE accounts SET password_salt = ?, password_hash = ? WHERE email = ? "
	            "RETURNING id",
	            &st) == -1)
		goto out;
	if (sqlite3_bind_blob(st, 1, salt, sizeof(salt), SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, email, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		account = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (account == 0) {
		snprintf(err, errlen, "no account %s", email);
		goto out;
	}
	/* As on Nexudus, a new password ends every session of the account. */
	if (nxm_db_prepare(
	            s->db,
	            "UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
	            &st) == -1 ||
	    sqlite3_bind_int64(st, 1, s->now()) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc == 0)
		rc = sim_store_commit(s);
	else
		sim_store_rollback(s);
	nxm_wipe(hash, sizeof(hash));
	return rc;
}
