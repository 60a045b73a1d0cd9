#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"
#include "pii/egress.h"
#include "pii/store.h"
#include "pii/token.h"

#define VALUE_MAX      65536
#define PENDING_MAX    1000000 /* tokens one request may issue */
#define MIRRORS        16
#define DEFAULT_BUDGET 65536

/* ---------------------------------------------------------------- token sets
 *
 * Open addressing over (category, MAC, digits): the tokens of a session, or
 * those one request issued. The first slot tried depends on the category
 * and the MAC's first 32 bits only, which is what an 8-digit token shows,
 * so every entry whose token starts like a given one lies on the same run
 * of slots: "has this value a token?" and "is this token taken?" each read
 * one run. At most half the slots are used, so a run always ends. */

struct entry {
	unsigned char mac[NXM_SHA256_LEN];
	unsigned char cat;
	unsigned char digits; /* of the entry's token; 0: a free slot */
};

struct tokset {
	struct entry *slot; /* mask + 1 of them */
	size_t n, mask;
};

static size_t
tokset_start(const struct tokset *t, enum nxm_pii cat, const unsigned char *mac)
{
	uint32_t h =
	        (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 | mac[3];

	return (size_t)((h ^ (uint32_t)cat * 0x9e3779b1u) & t->mask);
}

/* The digits of the token t holds for (cat, mac); 0 when none. */
static size_t
tokset_digits(const struct tokset *t, enum nxm_pii cat, const unsigned char *mac)
{
	if (t->slot == NULL)
		return 0;
	for (size_t i = tokset_start(t, cat, mac);; i = (i + 1) & t->mask) {
		const struct entry *e = &t->slot[i];
		if (e->digits == 0)
			return 0;
		if (e->cat == cat && memcmp(e->mac, mac, 4) == 0 &&
		    nxm_ct_equal(e->mac, mac, NXM_SHA256_LEN))
			return e->digits;
	}
}

/* Whether t holds the token of (cat, mac) with that many digits, for
 * whatever value. */
static bool
tokset_taken(const struct tokset *t, enum nxm_pii cat, const unsigned char *mac, size_t digits)
{
	if (t->slot == NULL)
		return false;
	for (size_t i = tokset_start(t, cat, mac);; i = (i + 1) & t->mask) {
		const struct entry *e = &t->slot[i];
		if (e->digits == 0)
			return false;
		if (e->cat == cat && e->digits == digits && memcmp(e->mac, mac, digits / 2) == 0)
			return true;
	}
}

static void
tokset_put(struct tokset *t, const struct entry *e)
{
	size_t i = tokset_start(t, e->cat, e->mac);

	while (t->slot[i].digits != 0)
		i = (i + 1) & t->mask;
	t->slot[i] = *e;
	t->n++;
}

static int
tokset_add(struct tokset *t, enum nxm_pii cat, const unsigned char *mac, size_t digits)
{
	struct entry e;

	if (t->slot == NULL || (t->n + 1) * 2 > t->mask + 1) {
		struct tokset bigger = {.mask = t->slot == NULL ? 1023 : 2 * t->mask + 1};
		if ((bigger.slot = calloc(bigger.mask + 1, sizeof(*bigger.slot))) == NULL) {
			nxm_log_err("out of memory");
			return -1;
		}
		for (size_t i = 0; t->slot != NULL && i <= t->mask; i++)
			if (t->slot[i].digits != 0)
				tokset_put(&bigger, &t->slot[i]);
		free(t->slot);
		*t = bigger;
	}
	memcpy(e.mac, mac, NXM_SHA256_LEN);
	e.cat = (unsigned char)cat;
	e.digits = (unsigned char)digits;
	tokset_put(t, &e);
	return 0;
}

static void
tokset_free(struct tokset *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------- mirrors
 *
 * What this process knows of a session's rows: all of them up to seq.
 * Rows never change once written, so a value found here needs no database
 * look-up, and after reading the rows past seq under the write lock the
 * mirror is the whole map. Holds MACs, never values. A few sessions are
 * kept, the least recently used making room, within a budget of tokens; a
 * session that alone exceeds it is marked and asks the database instead. */

struct mirror {
	char session[NXM_SESSION_ID_HEX + 1]; /* "": unused */
	int64_t seq;
	bool too_big;
	uint64_t used;
	struct tokset tokens;
};

static struct mirror mirrors[MIRRORS];
static uint64_t mirror_clock;
static size_t budget = DEFAULT_BUDGET, budget_used;

static void
mirror_drop(struct mirror *m)
{
	budget_used -= m->tokens.n;
	tokset_free(&m->tokens);
	m->seq = 0;
}

static struct mirror *
mirror_of(const char *session)
{
	struct mirror *m = NULL;

	for (size_t i = 0; i < MIRRORS && m == NULL; i++)
		if (strcmp(mirrors[i].session, session) == 0)
			m = &mirrors[i];
	if (m == NULL) {
		m = &mirrors[0];
		for (size_t i = 1; i < MIRRORS; i++)
			if (mirrors[i].used < m->used)
				m = &mirrors[i];
		mirror_drop(m);
		m->too_big = false;
		snprintf(m->session, sizeof(m->session), "%s", session);
	}
	m->used = ++mirror_clock;
	return m;
}

/* Room for one more token in m: the least recently used other sessions
 * give theirs up; false when m alone fills the budget. */
static bool
mirror_room(const struct mirror *m)
{
	while (budget_used + 1 > budget) {
		struct mirror *victim = NULL;
		for (size_t i = 0; i < MIRRORS; i++)
			if (&mirrors[i] != m && mirrors[i].tokens.n > 0 &&
			    (victim == NULL || mirrors[i].used < victim->used))
				victim = &mirrors[i];
		if (victim == NULL)
			return false;
		mirror_drop(victim);
	}
	return true;
}

/* Adds a token to m; 1 when m has just outgrown the budget (it is then
 * emptied and marked), 0 when added, -1 on error. */
static int
mirror_add(struct mirror *m, enum nxm_pii cat, const unsigned char *mac, size_t digits)
{
	if (!mirror_room(m)) {
		mirror_drop(m);
		m->too_big = true;
		return 1;
	}
	if (tokset_add(&m->tokens, cat, mac, digits) == -1)
		return -1;
	budget_used++;
	return 0;
}

void
nxm_pii_store_forget(void)
{
	for (size_t i = 0; i < MIRRORS; i++) {
		mirror_drop(&mirrors[i]);
		memset(&mirrors[i], 0, sizeof(mirrors[i]));
	}
}

void
nxm_pii_store_set_budget(size_t tokens)
{
	nxm_pii_store_forget();
	budget = tokens;
}

/* ---------------------------------------------------------------- the store */

struct pending {
	struct entry e;
	size_t off, len; /* of its value in values */
};

struct nxm_pii_store {
	struct nxm_app *app;
	char session[NXM_SESSION_ID_HEX + 1];
	unsigned char salt[NXM_PII_SALT_LEN];
	unsigned char key[NXM_AEAD_KEYLEN];
	time_t expires_at;
	struct nxm_pii_hasher *hasher;
	/* Holds the write lock: from the first token this request issues
	 * until close, so no other process decides tokens of this session
	 * meanwhile, and none resolves one of ours before it is written. */
	bool in_tx;
	bool db_checks; /* the session is too big for a mirror */
	bool failed;    /* could not take the lock or read the map: no new tokens */
	bool full;      /* the session's map has reached pii_max_tokens */
	int64_t base;   /* the session's last seq, read under the lock */
	struct mirror *mirror;
	sqlite3_stmt *find, *resolve;
	/* The tokens this request issued, to be recorded by close. */
	struct tokset fresh;
	struct pending *pend;
	size_t npend, cappend;
	struct nxm_buf values; /* theirs, back to back; wiped */
	struct nxm_pii_seen *seen; /* the request's, for the egress filter; may be NULL */
};

struct nxm_pii_store *
nxm_pii_store_open(struct nxm_app *app, const struct nxm_session *s)
{
	struct nxm_pii_store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		nxm_log_err("out of memory");
		return NULL;
	}
	st->app = app;
	snprintf(st->session, sizeof(st->session), "%s", s->id);
	memcpy(st->salt, s->pii_salt, sizeof(st->salt));
	memcpy(st->key, s->pii_key, sizeof(st->key));
	st->expires_at = s->expires_at;
	return st;
}

void
nxm_pii_store_set_seen(struct nxm_pii_store *st, struct nxm_pii_seen *seen)
{
	st->seen = seen;
}

bool
nxm_pii_store_full(const struct nxm_pii_store *st)
{
	return st != NULL && st->full;
}

size_t
nxm_pii_store_pending(const struct nxm_pii_store *st)
{
	return st != NULL ? st->npend : 0;
}

static void
stmt_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* The session's mirror (found again if another session took its place). */
static struct mirror *
store_mirror(struct nxm_pii_store *st)
{
	if (st->mirror == NULL || strcmp(st->mirror->session, st->session) != 0)
		st->mirror = mirror_of(st->session);
	return st->mirror;
}

/* Reads the session's rows past the mirror's seq into it. */
static int
refresh(struct nxm_pii_store *st, struct mirror *m)
{
	sqlite3_stmt *q = NULL;
	int step, rc = -1;

	if (nxm_db_prepare(st->app->db,
	                   "SELECT seq, token, value_mac FROM pii_tokens WHERE session_id = ? "
	                   "AND seq > ? ORDER BY seq",
	                   &q) == -1 ||
	    sqlite3_bind_text(q, 1, st->session, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(q, 2, m->seq) != SQLITE_OK)
		goto out;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *token = (const char *)sqlite3_column_text(q, 1);
		const void *mac = sqlite3_column_blob(q, 2);
		char expect[NXM_PII_TOKEN_MAX], name[16];
		enum nxm_pii cat = NXM_PII_NONE;
		const char *colon;
		size_t digits = 0;
		int added;

		if (token == NULL || (colon = strchr(token, ':')) == NULL ||
		    sqlite3_column_bytes(q, 2) != NXM_SHA256_LEN)
			goto bad;
		if ((size_t)(colon - token) < sizeof(name)) {
			memcpy(name, token, (size_t)(colon - token));
			name[colon - token] = '\0';
			cat = nxm_pii_from_name(name);
			digits = strlen(colon + 1);
		}
		if (cat == NXM_PII_NONE || digits < NXM_PII_TOKEN_DIGITS ||
		    digits > NXM_PII_TOKEN_DIGITS_MAX ||
		    nxm_pii_token_key(cat, mac, digits, expect, sizeof(expect)) == -1 ||
		    strcmp(expect, token) != 0)
			goto bad;
		if ((added = mirror_add(m, cat, mac, digits)) == -1)
			goto out;
		if (added == 1)
			break; /* too big: st asks the database from now on */
		m->seq = sqlite3_column_int64(q, 0);
	}
	if (m->too_big || step == SQLITE_DONE)
		rc = 0;
	else
		nxm_log_err("%s", sqlite3_errmsg(st->app->db));
	goto out;
bad:
	nxm_log_err("a row of pii_tokens does not match its MAC");
out:
	sqlite3_finalize(q);
	return rc;
}

static int last_seq(struct nxm_pii_store *st, int64_t *seq);
static int prepare_find(struct nxm_pii_store *st);

/* Whether the session may still be shown tokens: checked under the lock,
 * since it may have been revoked since the request was authenticated (its
 * rows are then deleted, and none may be added). */
static int
session_live(struct nxm_pii_store *st)
{
	sqlite3_stmt *q = NULL;
	int step, rc = -1;

	if (nxm_db_prepare(st->app->db,
	                   "SELECT 1 FROM sessions WHERE session_id = ? AND revoked_at IS NULL "
	                   "AND expires_at > ?",
	                   &q) == 0 &&
	    sqlite3_bind_text(q, 1, st->session, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(q, 2, st->app->now()) == SQLITE_OK) {
		step = sqlite3_step(q);
		if (step == SQLITE_ROW)
			rc = 0;
		else if (step == SQLITE_DONE)
			nxm_log_warn("session ended or revoked during the request: no new tokens");
		else
			nxm_log_err("%s", sqlite3_errmsg(st->app->db));
	}
	sqlite3_finalize(q);
	return rc;
}

/* Makes the session's mirror whole under the lock, or marks the session
 * too big for one without reading (and without evicting others for it). */
static int
load_mirror(struct nxm_pii_store *st, struct mirror *m)
{
	if (m->too_big)
		return 0;
	if (st->base > m->seq && (size_t)(st->base - m->seq) + m->tokens.n > budget) {
		mirror_drop(m);
		m->too_big = true;
		return 0;
	}
	if (refresh(st, m) == -1) {
		mirror_drop(m); /* partly read: read it all next time */
		return -1;
	}
	return 0;
}

/* Takes the write lock and makes the session's mirror whole, once per
 * request: before the first token this request issues. On failure the
 * lock is given back and the store refuses to issue tokens. */
static int
begin(struct nxm_pii_store *st)
{
	if (st->in_tx)
		return 0;
	if (st->failed)
		return -1;
	if (sqlite3_exec(st->app->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		nxm_log_err("cannot begin: %s", sqlite3_errmsg(st->app->db));
		st->failed = true;
		return -1;
	}
	st->in_tx = true;
	if (session_live(st) == -1 || last_seq(st, &st->base) == -1 ||
	    load_mirror(st, store_mirror(st)) == -1 ||
	    ((st->db_checks = store_mirror(st)->too_big) && prepare_find(st) == -1)) {
		sqlite3_exec(st->app->db, "ROLLBACK", NULL, NULL, NULL);
		st->in_tx = false;
		st->failed = true;
		return -1;
	}
	return 0;
}

/* The digits of the token (cat, mac) already has in this session, as far
 * as memory tells; 0 when unknown there. */
static size_t
known(struct nxm_pii_store *st, enum nxm_pii cat, const unsigned char *mac)
{
	size_t d = tokset_digits(&st->fresh, cat, mac);

	if (d != 0 || st->db_checks)
		return d;
	return tokset_digits(&store_mirror(st)->tokens, cat, mac);
}

static int
prepare_find(struct nxm_pii_store *st)
{
	return st->find != NULL
	               ? 0
	               : nxm_db_prepare(st->app->db,
	                                "SELECT value_mac FROM pii_tokens WHERE session_id = ? "
	                                "AND token = ?",
	                                &st->find);
}

/* For sessions without a mirror: 1 when key stands for mac in the table, 0
 * when it is free there, 2 when it stands for another value, -1 on error. */
static int
claimed_in_db(struct nxm_pii_store *st, const char *key, const unsigned char *mac)
{
	int step, rc = -1;

	if (sqlite3_bind_text(st->find, 1, st->session, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st->find, 2, key, -1, SQLITE_STATIC) != SQLITE_OK)
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

/* For a session too big for a mirror: the digits of the token the table
 * holds for (cat, mac) in *digits, 0 when none. Read without the lock:
 * rows never change, and a token free at some length means the value has
 * none longer. */
static int
recorded_in_db(struct nxm_pii_store *st, enum nxm_pii cat, const unsigned char *mac, size_t *digits)
{
	*digits = 0;
	if (prepare_find(st) == -1)
		return -1;
	for (size_t d = NXM_PII_TOKEN_DIGITS; d <= NXM_PII_TOKEN_DIGITS_MAX; d += 4) {
		char key[NXM_PII_TOKEN_MAX];
		int state;

		if (nxm_pii_token_key(cat, mac, d, key, sizeof(key)) == -1 ||
		    (state = claimed_in_db(st, key, mac)) == -1)
			return -1;
		if (state == 1)
			*digits = d;
		if (state != 2)
			break;
	}
	return 0;
}

static int
add_pending(struct nxm_pii_store *st, enum nxm_pii cat, const unsigned char *mac, size_t digits,
            const char *value, size_t len)
{
	struct pending *p;

	if (st->npend == st->cappend) {
		size_t cap = st->cappend == 0 ? 256 : 2 * st->cappend;
		struct pending *more;
		if (cap > PENDING_MAX || (more = realloc(st->pend, cap * sizeof(*more))) == NULL) {
			nxm_log_err("too many new tokens in one request");
			return -1;
		}
		st->pend = more;
		st->cappend = cap;
	}
	p = &st->pend[st->npend];
	memcpy(p->e.mac, mac, NXM_SHA256_LEN);
	p->e.cat = (unsigned char)cat;
	p->e.digits = (unsigned char)digits;
	p->off = st->values.len;
	p->len = len;
	if (nxm_buf_append(&st->values, value, len) == -1 ||
	    tokset_add(&st->fresh, cat, mac, digits) == -1)
		return -1;
	st->npend++;
	return 0;
}

static int64_t
max_tokens(const struct nxm_pii_store *st)
{
	long cap = st->app->cfg.pii_max_tokens;

	return cap > 0 ? cap : NXM_CONFIG_PII_MAX_TOKENS_DEFAULT;
}

/* Decides the token of a value this session has not shown yet (the lock
 * is held and the mirror whole): 8 digits unless taken by another value,
 * else 4 more at a time. Returns its digits, 0 on error. */
static size_t
issue(struct nxm_pii_store *st, enum nxm_pii cat, const unsigned char *mac, const char *value,
      size_t len)
{
	const struct mirror *m = st->db_checks ? NULL : store_mirror(st);

	/* Rows are numbered from 1 without gaps: base is how many there are. */
	if (st->base + (int64_t)st->npend >= max_tokens(st)) {
		if (!st->full)
			nxm_log_warn("the session's personal-data map is full (%lld tokens)",
			             (long long)max_tokens(st));
		st->full = true;
		return 0;
	}

	for (size_t d = NXM_PII_TOKEN_DIGITS; d <= NXM_PII_TOKEN_DIGITS_MAX; d += 4) {
		char key[NXM_PII_TOKEN_MAX];
		int state = 0;

		if (tokset_taken(&st->fresh, cat, mac, d))
			continue;
		if (m != NULL) {
			if (tokset_taken(&m->tokens, cat, mac, d))
				continue;
		} else if (nxm_pii_token_key(cat, mac, d, key, sizeof(key)) == -1 ||
		           (state = claimed_in_db(st, key, mac)) == -1) {
			return 0;
		}
		if (state == 1)
			return d; /* recorded already */
		if (state == 2)
			continue;
		return add_pending(st, cat, mac, d, value, len) == -1 ? 0 : d;
	}
	nxm_log_err("every length of a token is taken");
	return 0;
}

int
nxm_pii_store_tokenize(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out,
                       size_t outsz)
{
	struct nxm_pii_store *st = arg;
	unsigned char mac[NXM_SHA256_LEN];
	size_t digits, pending = st->npend;
	int rc = 0;

	if (len > VALUE_MAX ||
	    (st->hasher == NULL && (st->hasher = nxm_pii_hasher_new(st->salt)) == NULL) ||
	    nxm_pii_hasher_mac(st->hasher, cat, value, len, mac) == -1)
		return -1;
	/* Most values of a session are seen again and again: memory answers.
	 * A new one needs the lock and the session's latest rows first. */
	if ((digits = known(st, cat, mac)) == 0 && !st->in_tx && store_mirror(st)->too_big &&
	    recorded_in_db(st, cat, mac, &digits) == -1)
		rc = -1;
	if (rc == 0 && digits == 0 &&
	    (begin(st) == -1 || ((digits = known(st, cat, mac)) == 0 &&
	                         (digits = issue(st, cat, mac, value, len)) == 0)))
		rc = -1;
	if (rc == 0)
		rc = nxm_pii_token_of_mac(cat, mac, digits, out, outsz);
	/* A value issued now is one the answer must not show elsewhere. */
	if (rc == 0 && st->npend > pending)
		rc = nxm_pii_seen_add(st->seen, cat, value, len, out);
	nxm_wipe(mac, sizeof(mac));
	return rc;
}

/* The associated data binds a sealed value to its session and token, so a
 * row copied to another token or session does not open. */
static int
aad_for(const char *session, const char *token, char *aad, size_t aadsz)
{
	int n = snprintf(aad, aadsz, "%s|%s", session, token);

	return n < 0 || (size_t)n >= aadsz ? -1 : n;
}

static int
aad_of(const struct nxm_pii_store *st, const char *token, char *aad, size_t aadsz)
{
	return aad_for(st->session, token, aad, aadsz);
}

/* Opens a sealed value (IV, ciphertext, tag) of key's row into a malloc'ed
 * NUL-terminated *value of *len bytes (free it with nxm_str_free_secret). */
static int
open_sealed(const char *session, const unsigned char key[NXM_AEAD_KEYLEN], const char *token,
            const unsigned char *blob, size_t bloblen, char **value, size_t *len)
{
	unsigned char *pt;
	char aad[256];
	int aadlen;
	size_t n;

	if (bloblen < NXM_AEAD_IVLEN + NXM_AEAD_TAGLEN ||
	    (aadlen = aad_for(session, token, aad, sizeof(aad))) == -1)
		return -1;
	n = bloblen - NXM_AEAD_IVLEN - NXM_AEAD_TAGLEN;
	if ((pt = malloc(n + 1)) == NULL)
		return -1;
	if (nxm_aead_open(key, blob, aad, (size_t)aadlen, blob + NXM_AEAD_IVLEN, n,
	                  blob + NXM_AEAD_IVLEN + n, pt) == -1) {
		nxm_log_err("a sealed value does not open");
		free(pt);
		return -1;
	}
	pt[n] = '\0';
	*value = (char *)pt;
	*len = n;
	return 0;
}

int
nxm_pii_store_rows(struct nxm_app *app, const char *session,
                   const unsigned char key[NXM_AEAD_KEYLEN], int64_t after, nxm_pii_row_fn *fn,
                   void *arg)
{
	sqlite3_stmt *q = NULL;
	int step, rc = -1;

	if (nxm_db_prepare(app->db,
	                   "SELECT seq, token, sealed_value FROM pii_tokens WHERE session_id = ? "
	                   "AND seq > ? AND expires_at > ? ORDER BY seq",
	                   &q) == -1 ||
	    sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(q, 2, after) != SQLITE_OK ||
	    sqlite3_bind_int64(q, 3, app->now()) != SQLITE_OK)
		goto out;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *key_text = (const char *)sqlite3_column_text(q, 1);
		char token[NXM_PII_TOKEN_MAX], *value = NULL;
		size_t len;
		int cb;

		if (key_text == NULL ||
		    nxm_pii_token_from_key(key_text, token, sizeof(token)) == -1 ||
		    open_sealed(session, key, key_text, sqlite3_column_blob(q, 2),
		                (size_t)sqlite3_column_bytes(q, 2), &value, &len) == -1) {
			nxm_log_err("a row of pii_tokens does not open");
			goto out;
		}
		cb = fn(arg, sqlite3_column_int64(q, 0), token, value, len);
		nxm_str_free_secret(value);
		if (cb == -1)
			goto out;
	}
	if (step == SQLITE_DONE)
		rc = 0;
	else
		nxm_log_err("%s", sqlite3_errmsg(app->db));
out:
	sqlite3_finalize(q);
	return rc;
}

/* The session's highest seq, under the lock. */
static int
last_seq(struct nxm_pii_store *st, int64_t *seq)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;

	if (nxm_db_prepare(st->app->db,
	                   "SELECT coalesce(max(seq), 0) FROM pii_tokens WHERE session_id = ?",
	                   &q) == 0 &&
	    sqlite3_bind_text(q, 1, st->session, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(q, 0);
		rc = 0;
	} else {
		nxm_log_err("%s", sqlite3_errmsg(st->app->db));
	}
	sqlite3_finalize(q);
	return rc;
}

/* Seals one pending value into blob (IV, ciphertext, tag). The IVs of a
 * request are a random 96-bit base, drawn once, with the row's place added
 * to its last 32 bits: no two seals under the session's key share one. */
static int
seal(struct nxm_pii_store *st, struct nxm_aead_sealer *sealer,
     const unsigned char base[NXM_AEAD_IVLEN], size_t i, const char *token, unsigned char *blob)
{
	const struct pending *p = &st->pend[i];
	char aad[256];
	int aadlen;
	uint32_t c;

	memcpy(blob, base, NXM_AEAD_IVLEN);
	c = ((uint32_t)blob[8] << 24 | (uint32_t)blob[9] << 16 | (uint32_t)blob[10] << 8 |
	     blob[11]) +
	    (uint32_t)i;
	blob[8] = (unsigned char)(c >> 24);
	blob[9] = (unsigned char)(c >> 16);
	blob[10] = (unsigned char)(c >> 8);
	blob[11] = (unsigned char)c;
	return (aadlen = aad_of(st, token, aad, sizeof(aad))) == -1 ||
	                       nxm_aead_sealer_seal(sealer, blob, aad, (size_t)aadlen,
	                                            st->values.data + p->off, p->len,
	                                            blob + NXM_AEAD_IVLEN,
	                                            blob + NXM_AEAD_IVLEN + p->len) == -1
	               ? -1
	               : 0;
}

/* The order of the tokens' keys ("<CATEGORY>:<hex>"): hex digits sort as
 * the bytes they show, and a shorter token before a longer one it starts. */
static int
key_order(const void *a, const void *b)
{
	const struct entry *x = &((const struct pending *)a)->e,
	                   *y = &((const struct pending *)b)->e;
	size_t n = (x->digits < y->digits ? x->digits : y->digits) / 2;
	int c = x->cat == y->cat ? 0 : strcmp(nxm_pii_name(x->cat), nxm_pii_name(y->cat));

	if (c == 0)
		c = memcmp(x->mac, y->mac, n);
	return c != 0 ? c : (int)x->digits - (int)y->digits;
}

/* Writes the pending tokens as rows st->base + 1, + 2, ... in the order
 * of their keys, so that the index on tokens is filled leaf after leaf
 * rather than at random. */
static int
record(struct nxm_pii_store *st)
{
	unsigned char iv[NXM_AEAD_IVLEN], small[512], *blob = NULL;
	struct nxm_aead_sealer *sealer = NULL;
	sqlite3_stmt *ins = NULL;
	time_t now = st->app->now();
	int rc = -1;

	qsort(st->pend, st->npend, sizeof(*st->pend), key_order);
	if (st->npend > UINT32_MAX || nxm_random(iv, sizeof(iv)) == -1 ||
	    (sealer = nxm_aead_sealer_new(st->key)) == NULL ||
	    nxm_db_prepare(st->app->db,
	                   "INSERT INTO pii_tokens (session_id, seq, token, value_mac, "
	                   "sealed_value, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                   &ins) == -1)
		goto out;
	for (size_t i = 0; i < st->npend; i++) {
		const struct pending *p = &st->pend[i];
		size_t bloblen = NXM_AEAD_IVLEN + p->len + NXM_AEAD_TAGLEN;
		char key[NXM_PII_TOKEN_MAX];

		blob = bloblen <= sizeof(small) ? small : malloc(bloblen);
		if (blob == NULL ||
		    nxm_pii_token_key(p->e.cat, p->e.mac, p->e.digits, key, sizeof(key)) == -1 ||
		    seal(st, sealer, iv, i, key, blob) == -1)
			goto out;
		if (sqlite3_bind_text(ins, 1, st->session, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 2, st->base + 1 + (int64_t)i) != SQLITE_OK ||
		    sqlite3_bind_text(ins, 3, key, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_blob(ins, 4, p->e.mac, NXM_SHA256_LEN, SQLITE_STATIC) !=
		            SQLITE_OK ||
		    sqlite3_bind_blob(ins, 5, blob, (int)bloblen, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 6, now) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 7, st->expires_at) != SQLITE_OK ||
		    sqlite3_step(ins) != SQLITE_DONE) {
			nxm_log_err("cannot record a token: %s", sqlite3_errmsg(st->app->db));
			goto out;
		}
		stmt_done(ins);
		if (blob != small)
			free(blob);
		blob = NULL;
	}
	rc = 0;
out:
	if (blob != small)
		free(blob);
	sqlite3_finalize(ins);
	nxm_aead_sealer_free(sealer);
	return rc;
}

/* After the commit: the mirror learns this request's tokens, unless it
 * has moved on (evicted, or too big) and will read them from the table. */
static void
merge(struct nxm_pii_store *st)
{
	struct mirror *m = store_mirror(st);

	if (m->too_big || m->seq != st->base)
		return;
	for (size_t i = 0; i < st->npend; i++) {
		const struct entry *e = &st->pend[i].e;
		int added = mirror_add(m, e->cat, e->mac, e->digits);
		if (added != 0) {
			if (added == -1)
				mirror_drop(m);
			return;
		}
	}
	m->seq = st->base + (int64_t)st->npend;
}

/* After the commit: the egress filter of this process, which met these
 * values in the answer, need not read them back. */
static void
egress_recorded(struct nxm_pii_store *st)
{
	struct nxm_buf tokens = {0};

	if (!nxm_pii_egress_expects(st->session, st->base))
		return;
	for (size_t i = 0; i < st->npend; i++) {
		char token[NXM_PII_TOKEN_MAX];
		const struct entry *e = &st->pend[i].e;
		if (nxm_pii_token_of_mac(e->cat, e->mac, e->digits, token, sizeof(token)) == -1 ||
		    nxm_buf_append(&tokens, token, strlen(token) + 1) == -1)
			goto out;
	}
	nxm_pii_egress_recorded(st->session, st->base, (const char *)tokens.data, st->npend);
out:
	nxm_buf_free(&tokens);
}

int
nxm_pii_store_close(struct nxm_pii_store *st, bool commit)
{
	int rc = 0;

	if (st == NULL)
		return 0;
	sqlite3_finalize(st->find);
	sqlite3_finalize(st->resolve);
	if (st->in_tx) {
		if (commit && st->npend > 0 && record(st) == -1)
			commit = false, rc = -1;
		if (sqlite3_exec(st->app->db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			nxm_log_err("cannot %s the PII tokens: %s", commit ? "commit" : "roll back",
			            sqlite3_errmsg(st->app->db));
			sqlite3_exec(st->app->db, "ROLLBACK", NULL, NULL, NULL);
			commit = false, rc = -1;
		}
		if (commit && st->npend > 0) {
			merge(st);
			egress_recorded(st);
		}
	}
	tokset_free(&st->fresh);
	free(st->pend);
	nxm_buf_free(&st->values);
	nxm_pii_hasher_free(st->hasher);
	nxm_wipe(st, sizeof(*st));
	free(st);
	return rc;
}

/* ---------------------------------------------------------------- resolving */

/* The value of key, from the table: malloc'ed and NUL-terminated in
 * *value; 1 when the session has no such token, -1 on error. */
static int
read_value(struct nxm_pii_store *st, const char *key, char **value)
{
	int step, rc = -1;
	size_t len;

	if ((st->resolve == NULL &&
	     nxm_db_prepare(
	             st->app->db,
	             "SELECT sealed_value FROM pii_tokens WHERE session_id = ? AND token = ? "
	             "AND expires_at > ?",
	             &st->resolve) == -1) ||
	    sqlite3_bind_text(st->resolve, 1, st->session, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st->resolve, 2, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st->resolve, 3, st->app->now()) != SQLITE_OK)
		goto out;
	if ((step = sqlite3_step(st->resolve)) == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (step != SQLITE_ROW) {
		nxm_log_err("%s", sqlite3_errmsg(st->app->db));
		goto out;
	}
	if (open_sealed(st->session, st->key, key, sqlite3_column_blob(st->resolve, 0),
	                (size_t)sqlite3_column_bytes(st->resolve, 0), value, &len) == 0)
		rc = 0;
out:
	stmt_done(st->resolve);
	return rc;
}

/* As read_value, but a token not found is looked for once more after
 * waiting for the write lock: the request that showed it may have sent its
 * answer and not yet written its rows (it holds the lock until it has). */
static int
lookup(struct nxm_pii_store *st, const char *key, char **value)
{
	int rc = read_value(st, key, value);

	if (rc != 1 || st->in_tx)
		return rc;
	if (sqlite3_exec(st->app->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		nxm_log_err("cannot begin: %s", sqlite3_errmsg(st->app->db));
		return -1;
	}
	rc = read_value(st, key, value);
	if (sqlite3_exec(st->app->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		nxm_log_err("cannot end: %s", sqlite3_errmsg(st->app->db));
		sqlite3_exec(st->app->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

/* A resolved value is one the answer must not show either. */
static int
seen_resolved(struct nxm_pii_store *st, const char *tok, size_t toklen, const char *value)
{
	char token[NXM_PII_TOKEN_MAX];
	enum nxm_pii cat;

	if (st->seen == NULL)
		return 0;
	if (toklen >= sizeof(token) || nxm_pii_token_parse(tok, toklen, &cat, NULL, NULL) == -1)
		return -1;
	memcpy(token, tok, toklen);
	token[toklen] = '\0';
	return nxm_pii_seen_add(st->seen, cat, value, strlen(value), token);
}

int
nxm_pii_store_resolve(struct nxm_pii_store *st, const char *s, char **plain, char *err,
                      size_t errlen)
{
	struct nxm_buf out = {0};
	size_t len = strlen(s), pos = 0, start, end;
	char key[NXM_PII_TOKEN_MAX], *value = NULL;
	int found;

	*plain = NULL;
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
			         "current token.",
			         (int)(end - start), s + pos + start);
			goto fail;
		}
		if (nxm_buf_append(&out, s + pos, start) == -1 ||
		    nxm_buf_append(&out, value, strlen(value)) == -1 ||
		    seen_resolved(st, s + pos + start, end - start, value) == -1)
			goto fail;
		nxm_str_free_secret(value);
		value = NULL;
		pos += end;
	}
	if (nxm_buf_append(&out, s + pos, len - pos) == -1)
		goto fail;
	*plain = out.data != NULL ? out.data : strdup("");
	return *plain != NULL ? 0 : -1;
fail:
	nxm_str_free_secret(value);
	if (out.data != NULL)
		nxm_wipe(out.data, out.cap);
	nxm_buf_free(&out);
	if (err[0] == '\0')
		snprintf(err, errlen, "Out of memory resolving a personal-data token.");
	return -1;
}
