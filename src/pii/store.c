#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"
#include "pii/store.h"
#include "pii/token.h"

#define VALUE_MAX 65536

struct nxm_pii_store {
	struct nxm_app *app;
	const struct nxm_session *s;
	struct nxm_pii_hasher *hasher;
	sqlite3_stmt *find, *insert, *resolve;
	bool in_tx;
	/* IVs of this request's seals: a random 96-bit base drawn once, its
	 * last 32 bits counting, so no two seals under the session's key share
	 * an IV without a system call per value. */
	unsigned char iv[NXM_AEAD_IVLEN];
	uint32_t sealed;
};

static void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

struct nxm_pii_store *
nxm_pii_store_open(struct nxm_app *app, const struct nxm_session *s)
{
	struct nxm_pii_store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		nxm_log_err("out of memory");
		return NULL;
	}
	st->app = app;
	st->s = s;
	return st;
}

/* Statements are made on first use: most calls of a session that shows
 * personal data never touch the map. */
static int
ready(struct nxm_pii_store *st)
{
	if (st->find != NULL)
		return 0;
	/* One transaction for the whole request: a page's thousands of
	 * look-ups and inserts then share one lock and one commit. */
	if (!st->in_tx) {
		if (sqlite3_exec(st->app->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			nxm_log_err("cannot begin: %s", sqlite3_errmsg(st->app->db));
			return -1;
		}
		st->in_tx = true;
	}
	if (nxm_random(st->iv, sizeof(st->iv)) == -1 ||
	    nxm_db_prepare(st->app->db,
	                   "SELECT value_mac FROM pii_tokens WHERE session_id = ? AND token = ?",
	                   &st->find) == -1 ||
	    nxm_db_prepare(st->app->db,
	                   "INSERT INTO pii_tokens (session_id, token, value_mac, sealed_value, "
	                   "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) "
	                   "ON CONFLICT (session_id, token) DO NOTHING",
	                   &st->insert) == -1 ||
	    nxm_db_prepare(st->app->db,
	                   "SELECT sealed_value FROM pii_tokens WHERE session_id = ? AND token = ? "
	                   "AND expires_at > ?",
	                   &st->resolve) == -1) {
		sqlite3_finalize(st->find);
		sqlite3_finalize(st->insert);
		sqlite3_finalize(st->resolve);
		st->find = st->insert = st->resolve = NULL;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- known
 *
 * What this process has recorded or found in the map: for a session and a
 * value's MAC, how many digits its token has. Rows of pii_tokens never
 * change once written, so a value seen again (the assistant lists the same
 * members all day) needs no database look-up. Holds no value; a lost entry
 * only costs a look-up. */

/* 65,536 entries of 49 bytes, 3 MiB at most: a few pages of members
 * without evictions. Half the MAC tells two values apart as surely as all
 * of it. */
#define KNOWN_SLOTS   65536
#define KNOWN_MAC_LEN 16

struct known {
	char session[NXM_SESSION_ID_HEX];
	unsigned char mac[KNOWN_MAC_LEN];
	unsigned char digits; /* 0: free */
};

static struct known known[KNOWN_SLOTS];

static struct known *
known_slot(const char *session, const unsigned char mac[NXM_SHA256_LEN])
{
	uint32_t h =
	        (uint32_t)mac[4] << 24 | (uint32_t)mac[5] << 16 | (uint32_t)mac[6] << 8 | mac[7];

	for (size_t i = 0; i < NXM_SESSION_ID_HEX; i++)
		h = h * 31 + (unsigned char)session[i];
	return &known[h % KNOWN_SLOTS];
}

static size_t
known_digits(const char *session, const unsigned char mac[NXM_SHA256_LEN])
{
	const struct known *k = known_slot(session, mac);

	if (k->digits == 0 || memcmp(k->session, session, NXM_SESSION_ID_HEX) != 0 ||
	    memcmp(k->mac, mac, KNOWN_MAC_LEN) != 0)
		return 0;
	return k->digits;
}

static void
known_add(const char *session, const unsigned char mac[NXM_SHA256_LEN], size_t digits)
{
	struct known *k = known_slot(session, mac);

	memcpy(k->session, session, NXM_SESSION_ID_HEX);
	memcpy(k->mac, mac, KNOWN_MAC_LEN);
	k->digits = (unsigned char)digits;
}

void
nxm_pii_store_forget(void)
{
	nxm_wipe(known, sizeof(known));
}

int
nxm_pii_store_close(struct nxm_pii_store *st, bool commit)
{
	int rc = 0;

	if (st == NULL)
		return 0;
	sqlite3_finalize(st->find);
	sqlite3_finalize(st->insert);
	sqlite3_finalize(st->resolve);
	if (st->in_tx && sqlite3_exec(st->app->db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL,
	                              NULL) != SQLITE_OK) {
		nxm_log_err("cannot %s the PII tokens: %s", commit ? "commit" : "roll back",
		            sqlite3_errmsg(st->app->db));
		sqlite3_exec(st->app->db, "ROLLBACK", NULL, NULL, NULL);
		rc = -1;
	}
	if (st->in_tx && (!commit || rc == -1))
		nxm_pii_store_forget(); /* entries of this request name rows that are not there */
	nxm_pii_hasher_free(st->hasher);
	free(st);
	return rc;
}

/* 1 when token stands for mac, 0 when it is free, 2 when it stands for
 * another value, -1 on error. */
static int
token_state(struct nxm_pii_store *st, const char *token, const unsigned char mac[NXM_SHA256_LEN])
{
	int step, rc = -1;

	if (sqlite3_bind_text(st->find, 1, st->s->id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st->find, 2, token, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	step = sqlite3_step(st->find);
	if (step == SQLITE_DONE)
		rc = 0;
	else if (step == SQLITE_ROW)
		rc = sqlite3_column_bytes(st->find, 0) == NXM_SHA256_LEN &&
		                     nxm_ct_equal(sqlite3_column_blob(st->find, 0), mac,
		                                  NXM_SHA256_LEN)
		             ? 1
		             : 2;
out:
	if (rc == -1)
		nxm_log_err("%s", sqlite3_errmsg(st->app->db));
	stmt_done(st->find);
	return rc;
}

/* The associated data binds a sealed value to its session and token, so a
 * row copied to another token or session does not open. */
static int
aad_of(const struct nxm_pii_store *st, const char *token, char *aad, size_t aadsz)
{
	int n = snprintf(aad, aadsz, "%s|%s", st->s->id, token);

	return n < 0 || (size_t)n >= aadsz ? -1 : n;
}

/* The next IV: the base with the count added to its last 32 bits. */
static int
next_iv(struct nxm_pii_store *st, unsigned char iv[NXM_AEAD_IVLEN])
{
	uint32_t c;

	if (st->sealed == UINT32_MAX)
		return -1;
	memcpy(iv, st->iv, NXM_AEAD_IVLEN);
	c = ((uint32_t)iv[8] << 24 | (uint32_t)iv[9] << 16 | (uint32_t)iv[10] << 8 | iv[11]) +
	    st->sealed++;
	iv[8] = (unsigned char)(c >> 24);
	iv[9] = (unsigned char)(c >> 16);
	iv[10] = (unsigned char)(c >> 8);
	iv[11] = (unsigned char)c;
	return 0;
}

/* Records token for value unless the session has it already: 1 when
 * recorded, 0 when the token was there (for this value or another), -1 on
 * error. */
static int
record(struct nxm_pii_store *st, const char *token, const unsigned char mac[NXM_SHA256_LEN],
       const char *value, size_t len)
{
	unsigned char small[512], *blob = small;
	char aad[256];
	int aadlen, rc = -1;
	size_t bloblen = NXM_AEAD_IVLEN + len + NXM_AEAD_TAGLEN;

	if (bloblen > sizeof(small) && (blob = malloc(bloblen)) == NULL)
		goto out;
	if ((aadlen = aad_of(st, token, aad, sizeof(aad))) == -1 || next_iv(st, blob) == -1 ||
	    nxm_aead_seal(st->s->pii_key, blob, aad, (size_t)aadlen, value, len,
	                  blob + NXM_AEAD_IVLEN, blob + NXM_AEAD_IVLEN + len) == -1)
		goto out;
	if (sqlite3_bind_text(st->insert, 1, st->s->id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st->insert, 2, token, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st->insert, 3, mac, NXM_SHA256_LEN, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st->insert, 4, blob, (int)bloblen, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st->insert, 5, st->app->now()) != SQLITE_OK ||
	    sqlite3_bind_int64(st->insert, 6, st->s->expires_at) != SQLITE_OK ||
	    sqlite3_step(st->insert) != SQLITE_DONE) {
		nxm_log_err("cannot record a token: %s", sqlite3_errmsg(st->app->db));
		goto out;
	}
	rc = sqlite3_changes(st->app->db) == 1 ? 1 : 0;
out:
	stmt_done(st->insert);
	if (blob != small)
		free(blob);
	return rc;
}

int
nxm_pii_store_tokenize(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out,
                       size_t outsz)
{
	struct nxm_pii_store *st = arg;
	unsigned char mac[NXM_SHA256_LEN];
	char token[NXM_PII_TOKEN_MAX];
	size_t digits;
	int state = -1;

	if (len > VALUE_MAX ||
	    (st->hasher == NULL && (st->hasher = nxm_pii_hasher_new(st->s->pii_salt)) == NULL) ||
	    nxm_pii_hasher_mac(st->hasher, cat, value, len, mac) == -1)
		return -1;
	if ((digits = known_digits(st->s->id, mac)) != 0)
		return nxm_pii_token_key(cat, mac, digits, token, sizeof(token)) == -1 ||
		                       nxm_pii_token_from_key(token, out, outsz) == -1
		               ? -1
		               : 0;
	if (ready(st) == -1)
		return -1;
	/* The 8-digit token is the first 32 bits of the MAC; on a collision
	 * inside the session, more of the MAC is used. */
	for (digits = NXM_PII_TOKEN_DIGITS; digits <= 2 * NXM_SHA256_LEN; digits += 4) {
		int added;
		/* Recording first: a value seen for the first time (every value
		 * of a new page) then costs one statement, not two. */
		if (nxm_pii_token_key(cat, mac, digits, token, sizeof(token)) == -1 ||
		    (added = record(st, token, mac, value, len)) == -1)
			return -1;
		if (added == 1) {
			state = 1;
			break;
		}
		if ((state = token_state(st, token, mac)) == -1 || state == 0)
			return -1;
		if (state == 1)
			break;
	}
	if (state == 2 || nxm_pii_token_from_key(token, out, outsz) == -1)
		return -1;
	/* A row recorded here is known once the transaction commits; the
	 * commit failing ends the process's trust in it (see close). */
	known_add(st->s->id, mac, digits);
	return 0;
}

/* The value token stands for, malloc'ed and NUL-terminated; 1 when the
 * session has no such token, -1 on error. */
static int
lookup(struct nxm_pii_store *st, const char *token, char **value)
{
	unsigned char *pt = NULL;
	const unsigned char *blob;
	char aad[256];
	int aadlen, step, rc = -1;
	size_t bloblen, len;

	if (ready(st) == -1 || (aadlen = aad_of(st, token, aad, sizeof(aad))) == -1 ||
	    sqlite3_bind_text(st->resolve, 1, st->s->id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st->resolve, 2, token, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st->resolve, 3, st->app->now()) != SQLITE_OK)
		goto out;
	if ((step = sqlite3_step(st->resolve)) == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (step != SQLITE_ROW)
		goto out;
	blob = sqlite3_column_blob(st->resolve, 0);
	bloblen = (size_t)sqlite3_column_bytes(st->resolve, 0);
	if (bloblen < NXM_AEAD_IVLEN + NXM_AEAD_TAGLEN)
		goto out;
	len = bloblen - NXM_AEAD_IVLEN - NXM_AEAD_TAGLEN;
	if ((pt = malloc(len + 1)) == NULL ||
	    nxm_aead_open(st->s->pii_key, blob, aad, (size_t)aadlen, blob + NXM_AEAD_IVLEN, len,
	                  blob + NXM_AEAD_IVLEN + len, pt) == -1) {
		nxm_log_err("a sealed value does not open");
		goto out;
	}
	pt[len] = '\0';
	*value = (char *)pt;
	pt = NULL;
	rc = 0;
out:
	stmt_done(st->resolve);
	free(pt);
	return rc;
}

/* s with every token replaced; NULL with err set when a token is unknown. */
static char *
resolve_string(struct nxm_pii_store *st, const char *s, char *err, size_t errlen)
{
	struct nxm_buf out = {0};
	size_t len = strlen(s), pos = 0, start, end;
	char key[NXM_PII_TOKEN_MAX], *value = NULL;
	int found;

	err[0] = '\0';
	while (nxm_pii_token_find(s + pos, len - pos, &start, &end)) {
		if (nxm_pii_token_to_key(s + pos + start, end - start, key, sizeof(key)) == -1 ||
		    (found = lookup(st, key, &value)) == -1) {
			snprintf(err, errlen, "Internal error resolving a personal-data token.");
			goto fail;
		}
		if (found == 1) {
			snprintf(err, errlen,
			         "Unknown personal-data token %.*s: tokens are valid only in the "
			         "session that showed them, until it ends. Search again to get a "
			         "current token, or give the value itself.",
			         (int)(end - start), s + pos + start);
			goto fail;
		}
		if (nxm_buf_append(&out, s + pos, start) == -1 ||
		    nxm_buf_append(&out, value, strlen(value)) == -1)
			goto fail;
		nxm_str_free_secret(value);
		value = NULL;
		pos += end;
	}
	if (nxm_buf_append(&out, s + pos, len - pos) == -1)
		goto fail;
	return out.data != NULL ? out.data : strdup("");
fail:
	nxm_str_free_secret(value);
	nxm_buf_free(&out);
	if (err[0] == '\0')
		snprintf(err, errlen, "Out of memory resolving a personal-data token.");
	return NULL;
}

/* A string of v with its tokens resolved: *out is NULL when it has none. */
static int
resolve_item(struct nxm_pii_store *st, json_t *item, json_t **out, char *err, size_t errlen)
{
	size_t start, end;
	char *plain;

	*out = NULL;
	if (!nxm_pii_token_find(json_string_value(item), json_string_length(item), &start, &end))
		return 0;
	if ((plain = resolve_string(st, json_string_value(item), err, errlen)) == NULL)
		return -1;
	*out = json_string(plain);
	nxm_str_free_secret(plain);
	return *out != NULL ? 0 : -1;
}

int
nxm_pii_store_resolve_json(struct nxm_pii_store *st, json_t *v, char *err, size_t errlen)
{
	const char *key;
	json_t *item, *plain;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, item)
		{
			if (!json_is_string(item)) {
				if (nxm_pii_store_resolve_json(st, item, err, errlen) == -1)
					return -1;
			} else if (resolve_item(st, item, &plain, err, errlen) == -1 ||
			           (plain != NULL && json_object_set_new(v, key, plain) == -1)) {
				return -1;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
		{
			if (!json_is_string(item)) {
				if (nxm_pii_store_resolve_json(st, item, err, errlen) == -1)
					return -1;
			} else if (resolve_item(st, item, &plain, err, errlen) == -1 ||
			           (plain != NULL && json_array_set_new(v, i, plain) == -1)) {
				return -1;
			}
		}
	}
	return 0;
}
