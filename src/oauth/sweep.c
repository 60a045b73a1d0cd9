#include "autoconfig.h"

#include <string.h>

#include "core/db.h"
#include "core/log.h"
#include "oauth/sweep.h"

static int
sweep_one(sqlite3 *db, const char *sql, time_t now, long *count)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (nxm_db_prepare(db, sql, &st) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, now) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE) {
		*count = sqlite3_changes(db);
		rc = 0;
	} else {
		nxm_log_err("%s: %s", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc;
}

int
nxm_sweep(sqlite3 *db, time_t now, struct nxm_sweep_counts *n)
{
	memset(n, 0, sizeof(*n));
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	/* Codes, MCP sessions and PII tokens first: they hang off sessions. */
	if (sweep_one(db, "DELETE FROM auth_codes WHERE expires_at < ?", now, &n->auth_codes) ==
	            -1 ||
	    sweep_one(db, "DELETE FROM mcp_sessions WHERE expires_at < ? OR ended_at IS NOT NULL",
	              now, &n->mcp_sessions) == -1 ||
	    sweep_one(db, "DELETE FROM pii_tokens WHERE expires_at < ?", now, &n->pii_tokens) ==
	            -1 ||
	    sweep_one(db, "DELETE FROM sessions WHERE expires_at < ?", now, &n->sessions) == -1 ||
	    sweep_one(db, "DELETE FROM clients WHERE expires_at < ?", now, &n->clients) == -1 ||
	    sweep_one(db, "DELETE FROM client_documents WHERE expires_at < ?", now,
	              &n->client_documents) == -1 ||
	    sweep_one(db, "DELETE FROM login_throttle WHERE expires_at < ?", now,
	              &n->login_throttle) == -1 ||
	    sweep_one(db, "DELETE FROM audit_log WHERE expires_at < ?", now, &n->audit_log) == -1) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
