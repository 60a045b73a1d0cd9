/* The simulator's database: one generic table of JSON records plus the
 * accounts, tokens, settings and faults the simulator needs for itself. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/log.h"
#include "sim/sim.h"

static const char schema[] =
        "CREATE TABLE IF NOT EXISTS records ("
        " entity TEXT NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL,"
        " PRIMARY KEY (entity, id)) STRICT;"
        "CREATE TABLE IF NOT EXISTS accounts ("
        " id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, email TEXT NOT NULL UNIQUE COLLATE "
        "NOCASE,"
        " password_salt BLOB NOT NULL, password_hash BLOB NOT NULL,"
        " is_admin INTEGER NOT NULL, api_access INTEGER NOT NULL,"
        " totp_secret TEXT, roles TEXT NOT NULL) STRICT;"
        "CREATE TABLE IF NOT EXISTS tokens ("
        " token_hash BLOB PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),"
        " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
        " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER) STRICT;"
        "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
        "CREATE TABLE IF NOT EXISTS faults ("
        " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, remaining INTEGER NOT NULL,"
        " seconds INTEGER NOT NULL, delay_ms INTEGER NOT NULL, path TEXT NOT NULL) STRICT;"
        "CREATE TABLE IF NOT EXISTS request_log ("
        " at_ms INTEGER NOT NULL, token_hash BLOB NOT NULL, is_write INTEGER NOT NULL) STRICT;"
        "CREATE INDEX IF NOT EXISTS request_log_at ON request_log (token_hash, at_ms);"
        "CREATE TABLE IF NOT EXISTS seed_pii (value TEXT PRIMARY KEY) STRICT;";

int
sim_store_open(struct sim *s, const char *path, char *err, size_t errlen)
{
	char *msg = NULL;

	if (nxm_db_open(path, NXM_DB_CREATE, &s->db, err, errlen) == -1)
		return -1;
	if (sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot create the schema: %s", path,
		         msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		nxm_db_close(s->db);
		s->db = NULL;
		return -1;
	}
	return 0;
}

void
sim_store_close(struct sim *s)
{
	nxm_db_close(s->db);
	s->db = NULL;
}

static int
exec_simple(struct sim *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		nxm_log_err("%s: %s", sql, sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int
sim_store_begin(struct sim *s)
{
	return exec_simple(s, "BEGIN IMMEDIATE");
}

int
sim_store_commit(struct sim *s)
{
	return exec_simple(s, "COMMIT");
}

void
sim_store_rollback(struct sim *s)
{
	(void)exec_simple(s, "ROLLBACK");
}

json_t *
sim_record_get(struct sim *s, const struct nxm_entity *e, int64_t id)
{
	sqlite3_stmt *st = NULL;
	json_t *rec = NULL;

	if (nxm_db_prepare(s->db, "SELECT data FROM records WHERE entity = ? AND id = ?", &st) ==
	    -1)
		return NULL;
	if (sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, id) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		rec = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	return rec;
}

int
sim_record_put(struct sim *s, const struct nxm_entity *e, int64_t id, json_t *rec)
{
	sqlite3_stmt *st = NULL;
	char *text = json_dumps(rec, JSON_COMPACT);
	int rc = -1;

	if (text == NULL)
		return -1;
	if (nxm_db_prepare(s->db,
	                   "INSERT OR REPLACE INTO records (entity, id, data) VALUES (?, ?, ?)",
	                   &st) == -1)
		goto out;
	if (sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, id) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		nxm_log_err("%s %lld: %s", e->name, (long long)id, sqlite3_errmsg(s->db));
out:
	sqlite3_finalize(st);
	free(text);
	return rc;
}

int
sim_record_delete(struct sim *s, const struct nxm_entity *e, int64_t id, bool *found)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*found = false;
	if (nxm_db_prepare(s->db, "DELETE FROM records WHERE entity = ? AND id = ?", &st) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, id) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE) {
		*found = sqlite3_changes(s->db) > 0;
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

json_t *
sim_record_all(struct sim *s, const struct nxm_entity *e)
{
	sqlite3_stmt *st = NULL;
	json_t *all = json_array();
	int step;

	if (all == NULL ||
	    nxm_db_prepare(s->db, "SELECT data FROM records WHERE entity = ? ORDER BY id", &st) ==
	            -1 ||
	    sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC) != SQLITE_OK)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *rec = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		if (rec == NULL || json_array_append_new(all, rec) == -1)
			goto fail;
	}
	if (step != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return all;
fail:
	nxm_log_err("%s: %s", e->name, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	json_decref(all);
	return NULL;
}

int64_t
sim_record_next_id(struct sim *s, const struct nxm_entity *e)
{
	sqlite3_stmt *st = NULL;
	int64_t id = -1;

	/* Ids grow per entity from a base that makes them look like Nexudus's
	 * (large, never reused). */
	if (nxm_db_prepare(s->db,
	                   "SELECT coalesce(max(id), 1000000) + 1 FROM records WHERE entity = ?",
	                   &st) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

int
sim_setting_get(struct sim *s, const char *key, char *out, size_t outsz)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (nxm_db_prepare(s->db, "SELECT value FROM settings WHERE key = ?", &st) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
sim_setting_set(struct sim *s, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (nxm_db_prepare(s->db, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
	                   &st) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

void
sim_time_format(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" and with ":SS", an optional
 * fraction and an optional "Z": the forms Nexudus filters and records use. */
uint64_t
sim_rng_next(struct sim_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
sim_rng_below(struct sim_rng *r, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(sim_rng_next(r) % n);
}
