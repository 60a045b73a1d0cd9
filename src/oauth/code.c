#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "oauth/code.h"
#include "oauth/metadata.h"

#define CODE_INFO "nexmcp code v1"

int
nxm_code_issue(struct nxm_app *app, const unsigned char sid[NXM_SESSION_ID_BYTES],
               const unsigned char secret[NXM_TOKEN_SECRET_LEN], const char *client_id,
               const char *redirect_uri, const char *challenge, char *code, size_t codesz)
{
	unsigned char raw[32], hash[32], *sealed = NULL;
	char sidhex[NXM_SESSION_ID_HEX + 1];
	size_t sealedlen = 0;
	sqlite3_stmt *st = NULL;
	time_t now = app->now();
	int rc = -1;

	if (nxm_random(raw, sizeof(raw)) == -1 ||
	    nxm_b64url_encode(raw, sizeof(raw), code, codesz) == -1 ||
	    nxm_sha256(code, strlen(code), hash) == -1 ||
	    nxm_seal((const unsigned char *)code, strlen(code), hash, sizeof(hash), CODE_INFO,
	             secret, NXM_TOKEN_SECRET_LEN, &sealed, &sealedlen) == -1)
		goto out;
	nxm_hex(sid, NXM_SESSION_ID_BYTES, sidhex);
	if (nxm_db_prepare(
	            app->db,
	            "INSERT INTO auth_codes (code_hash, session_id, client_id, redirect_uri, "
	            "code_challenge, created_at, expires_at, sealed_secret) "
	            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	            &st) == -1 ||
	    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, sidhex, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, client_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, redirect_uri, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, challenge, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, now + NXM_CODE_LIFETIME) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 8, sealed, (int)sealedlen, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		nxm_log_err("cannot store the code: %s", sqlite3_errmsg(app->db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	free(sealed);
	nxm_wipe(raw, sizeof(raw));
	if (rc != 0)
		nxm_wipe(code, codesz);
	return rc;
}

bool
nxm_pkce_string_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 43 || n > 128)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~'))
			return false;
	return true;
}

static bool
pkce_ok(const char *verifier, const char *challenge)
{
	unsigned char digest[32];
	char want[64];

	if (!nxm_pkce_string_ok(verifier))
		return false;
	if (nxm_sha256(verifier, strlen(verifier), digest) == -1 ||
	    nxm_b64url_encode(digest, sizeof(digest), want, sizeof(want)) == -1)
		return false;
	return strlen(challenge) == strlen(want) && nxm_ct_equal(want, challenge, strlen(want));
}

enum nxm_code_err
nxm_code_redeem(struct nxm_app *app, const char *code, const char *client_id,
                const char *redirect_uri, const char *verifier, struct nxm_token_claims *claims,
                const char **why)
{
	unsigned char hash[32], *secret = NULL, sid[NXM_SESSION_ID_BYTES];
	size_t secretlen = 0;
	sqlite3_stmt *st = NULL;
	enum nxm_code_err err = NXM_CODE_ERROR;
	char sidhex[NXM_SESSION_ID_HEX + 1] = "";
	const char *scope;
	int step, allow_pii = 0;
	time_t now = app->now(), expires = 0;

	*why = "invalid authorization code";
	memset(claims, 0, sizeof(*claims));
	if (code == NULL || strlen(code) != 43 || nxm_sha256(code, strlen(code), hash) == -1)
		return NXM_CODE_UNKNOWN;
	if (nxm_db_prepare(app->db, "BEGIN IMMEDIATE", &st) == -1 ||
	    sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return NXM_CODE_ERROR;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (nxm_db_prepare(
	            app->db,
	            "SELECT c.session_id, c.client_id, c.redirect_uri, c.code_challenge, "
	            "c.expires_at, c.used_at, c.sealed_secret, s.scope, s.allow_pii, s.expires_at "
	            "FROM auth_codes c JOIN sessions s ON s.session_id = c.session_id "
	            "WHERE c.code_hash = ?",
	            &st) == -1 ||
	    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	if ((step = sqlite3_step(st)) != SQLITE_ROW) {
		err = step == SQLITE_DONE ? NXM_CODE_UNKNOWN : NXM_CODE_ERROR;
		goto out;
	}
	snprintf(sidhex, sizeof(sidhex), "%s", sqlite3_column_text(st, 0));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		/* RFC 6749 §4.1.2: a code used twice revokes what it produced. */
		err = NXM_CODE_REPLAYED;
		*why = "authorization code already used; its session is revoked";
		goto out;
	}
	if (sqlite3_column_int64(st, 4) <= now) {
		err = NXM_CODE_EXPIRED;
		*why = "authorization code expired";
		goto out;
	}
	err = NXM_CODE_MISMATCH;
	if (client_id == NULL || strcmp(client_id, (const char *)sqlite3_column_text(st, 1)) != 0) {
		*why = "authorization code was issued to another client";
		goto out;
	}
	if (redirect_uri == NULL ||
	    strcmp(redirect_uri, (const char *)sqlite3_column_text(st, 2)) != 0) {
		*why = "redirect_uri differs from the authorization request";
		goto out;
	}
	if (!pkce_ok(verifier, (const char *)sqlite3_column_text(st, 3))) {
		*why = "code_verifier does not match the code_challenge";
		goto out;
	}
	err = NXM_CODE_ERROR;
	if (nxm_unseal((const unsigned char *)code, strlen(code), hash, sizeof(hash), CODE_INFO,
	               sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6), &secret,
	               &secretlen) == -1 ||
	    secretlen != NXM_TOKEN_SECRET_LEN)
		goto out;
	scope = (const char *)sqlite3_column_text(st, 7);
	allow_pii = sqlite3_column_int(st, 8);
	expires = (time_t)sqlite3_column_int64(st, 9);
	memcpy(claims->secret, secret, NXM_TOKEN_SECRET_LEN);
	claims->flags = (strstr(scope, NXM_SCOPE_WRITE) ? NXM_TOKEN_WRITE : 0) |
	                (allow_pii ? NXM_TOKEN_ALLOW_PII : 0);
	claims->expires_at = expires;
	snprintf(claims->key_id, sizeof(claims->key_id), "%s", app->keys.keys[0].id);
	for (size_t i = 0; i < NXM_SESSION_ID_BYTES; i++) {
		unsigned v;
		if (sscanf(sidhex + 2 * i, "%2x", &v) != 1)
			goto out;
		sid[i] = (unsigned char)v;
	}
	memcpy(claims->session_id, sid, sizeof(sid));
	err = NXM_CODE_OK;
out:
	sqlite3_finalize(st);
	st = NULL;
	if (err == NXM_CODE_OK || err == NXM_CODE_REPLAYED || err == NXM_CODE_MISMATCH) {
		/* Consumed whatever happened, so a guessed verifier gets one try. */
		if (nxm_db_prepare(app->db,
		                   "UPDATE auth_codes SET used_at = ? WHERE code_hash = ? AND "
		                   "used_at IS NULL",
		                   &st) == 0) {
			if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
			    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC) != SQLITE_OK ||
			    sqlite3_step(st) != SQLITE_DONE)
				err = NXM_CODE_ERROR;
			sqlite3_finalize(st);
		}
	}
	if (err == NXM_CODE_REPLAYED && nxm_session_revoke(app, sidhex, "code replayed") == -1)
		err = NXM_CODE_ERROR;
	if (nxm_db_prepare(app->db, err == NXM_CODE_ERROR ? "ROLLBACK" : "COMMIT", &st) == 0) {
		if (sqlite3_step(st) != SQLITE_DONE && err == NXM_CODE_OK)
			err = NXM_CODE_ERROR;
		sqlite3_finalize(st);
	}
	if (secret != NULL) {
		nxm_wipe(secret, secretlen);
		free(secret);
	}
	if (err != NXM_CODE_OK)
		nxm_wipe(claims, sizeof(*claims));
	return err;
}
