#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/db.h"
#include "core/log.h"

static int
exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
nxm_db_open(const char *path, enum nxm_db_open_flags flags, sqlite3 **db, char *err, size_t errlen)
{
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	char why[256];

	*db = NULL;
	if (flags & NXM_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, db, oflags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		         *db != NULL ? sqlite3_errmsg(*db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(*db, 1);
	if (sqlite3_busy_timeout(*db, NXM_DB_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    exec(*db, "PRAGMA journal_mode=WAL", why, sizeof(why)) == -1 ||
	    exec(*db, "PRAGMA foreign_keys=ON", why, sizeof(why)) == -1 ||
	    exec(*db, "PRAGMA synchronous=NORMAL", why, sizeof(why)) == -1 ||
	    exec(*db, "PRAGMA trusted_schema=OFF", why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: cannot configure database: %s", path, why);
		goto fail;
	}
	return 0;
fail:
	sqlite3_close_v2(*db);
	*db = NULL;
	return -1;
}

void
nxm_db_close(sqlite3 *db)
{
	if (db != NULL && sqlite3_close_v2(db) != SQLITE_OK)
		nxm_log_err("sqlite3_close_v2: %s", sqlite3_errmsg(db));
}

int
nxm_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		nxm_log_err("cannot prepare statement: %s", sqlite3_errmsg(db));
		*st = NULL;
		return -1;
	}
	return 0;
}

int
nxm_db_schema_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	*version = 0;
	if (nxm_db_prepare(db,
	                   "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
	                   "name = 'schema_version'",
	                   &st) == -1)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	if (sqlite3_column_int(st, 0) == 0) {
		rc = 0;
		goto out;
	}
	sqlite3_finalize(st);
	if (nxm_db_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version", &st) == -1)
		goto out;
	if ((step = sqlite3_step(st)) != SQLITE_ROW) {
		nxm_log_err("reading schema_version: %s", sqlite3_errmsg(db));
		goto out;
	}
	*version = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
nxm_db_latest_version(const struct nxm_migration *m, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		if (m[i].version > v)
			v = m[i].version;
	return v;
}

static int
record_version(sqlite3 *db, const struct nxm_migration *m)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (nxm_db_prepare(
	            db, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
	            &st) == -1)
		return -1;
	if (sqlite3_bind_int(st, 1, m->version) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL)) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* One migration in one IMMEDIATE transaction: the version is read again under
 * the write lock, so two admin tools racing apply it once. */
static int
apply_one(sqlite3 *db, const struct nxm_migration *m, int *applied, char *err, size_t errlen)
{
	int current;

	if (exec(db, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if (nxm_db_schema_version(db, &current) == -1) {
		snprintf(err, errlen, "cannot read schema version");
		goto rollback;
	}
	if (current >= m->version) {
		exec(db, "ROLLBACK", err, errlen);
		return 0;
	}
	if (exec(db, m->sql, err, errlen) == -1)
		goto rollback;
	if (record_version(db, m) == -1) {
		snprintf(err, errlen, "cannot record version: %s", sqlite3_errmsg(db));
		goto rollback;
	}
	if (exec(db, "COMMIT", err, errlen) == -1)
		goto rollback;
	(*applied)++;
	return 0;
rollback : {
	char ignored[64];
	exec(db, "ROLLBACK", ignored, sizeof(ignored));
}
	return -1;
}

int
nxm_db_migrate(sqlite3 *db, const struct nxm_migration *m, size_t n, int *applied, char *err,
               size_t errlen)
{
	char why[512];

	*applied = 0;
	/* Checked before touching the database: a broken list must not leave a
	 * schema that some of it was applied to. */
	for (size_t i = 1; i < n; i++) {
		if (m[i].version <= m[i - 1].version) {
			snprintf(err, errlen, "%s: migrations out of order", m[i].name);
			return -1;
		}
	}
	if (exec(db,
	         "CREATE TABLE IF NOT EXISTS schema_version ("
	         "version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
	         "applied_at INTEGER NOT NULL) STRICT",
	         why, sizeof(why)) == -1) {
		snprintf(err, errlen, "schema_version: %s", why);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (apply_one(db, &m[i], applied, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: %s", m[i].name, why);
			return -1;
		}
	}
	return 0;
}
