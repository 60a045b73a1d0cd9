#include "autoconfig.h"

#include "core/db.h"
#include "core/log.h"
#include "oauth/session.h"
#include "oauth/throttle.h"

static long
wait_for(struct nxm_app *app, const unsigned char subject[32])
{
	sqlite3_stmt *st = NULL;
	long wait = -1;
	int step;

	if (nxm_db_prepare(app->db, "SELECT blocked_until FROM login_throttle WHERE subject = ?",
	                   &st) == -1 ||
	    sqlite3_bind_blob(st, 1, subject, 32, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	step = sqlite3_step(st);
	wait = 0;
	if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 0) > app->now())
		wait = (long)(sqlite3_column_int64(st, 0) - app->now());
	else if (step != SQLITE_ROW && step != SQLITE_DONE)
		wait = -1;
out:
	sqlite3_finalize(st);
	return wait;
}

long
nxm_throttle_wait(struct nxm_app *app, const char *email, const char *address)
{
	unsigned char a[32], b[32];
	long wa, wb;

	if (nxm_session_subject_hash(&app->keys, "account", email, a) == -1 ||
	    nxm_session_subject_hash(&app->keys, "address", address, b) == -1)
		return -1;
	if ((wa = wait_for(app, a)) < 0 || (wb = wait_for(app, b)) < 0)
		return -1;
	return wa > wb ? wa : wb;
}

static void
count(struct nxm_app *app, const unsigned char subject[32], int limit)
{
	sqlite3_stmt *st = NULL;
	time_t now = app->now();

	/* One statement: a new window starts when the old one has passed; the
	 * block starts when the count reaches the limit. */
	if (nxm_db_prepare(
	            app->db,
	            "INSERT INTO login_throttle (subject, failures, window_started_at, "
	            "blocked_until, expires_at) VALUES (?1, 1, ?2, NULL, ?2 + ?3) "
	            "ON CONFLICT (subject) DO UPDATE SET "
	            "failures = CASE WHEN window_started_at + ?3 < ?2 THEN 1 ELSE failures + 1 "
	            "END, "
	            "window_started_at = CASE WHEN window_started_at + ?3 < ?2 THEN ?2 "
	            "ELSE window_started_at END, "
	            "blocked_until = CASE WHEN (CASE WHEN window_started_at + ?3 < ?2 THEN 1 "
	            "ELSE failures + 1 END) >= ?4 THEN ?2 + ?3 ELSE blocked_until END, "
	            "expires_at = ?2 + 2 * ?3",
	            &st) == -1)
		return;
	if (sqlite3_bind_blob(st, 1, subject, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, NXM_THROTTLE_WINDOW) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, limit) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		nxm_log_err("cannot count a failed sign-in: %s", sqlite3_errmsg(app->db));
	sqlite3_finalize(st);
}

void
nxm_throttle_failure(struct nxm_app *app, const char *email, const char *address)
{
	unsigned char a[32], b[32];

	if (nxm_session_subject_hash(&app->keys, "account", email, a) == 0)
		count(app, a, NXM_THROTTLE_ACCOUNT_MAX);
	if (nxm_session_subject_hash(&app->keys, "address", address, b) == 0)
		count(app, b, NXM_THROTTLE_ADDRESS_MAX);
}

void
nxm_throttle_success(struct nxm_app *app, const char *email)
{
	unsigned char a[32];
	sqlite3_stmt *st = NULL;

	if (nxm_session_subject_hash(&app->keys, "account", email, a) == -1 ||
	    nxm_db_prepare(app->db, "DELETE FROM login_throttle WHERE subject = ?", &st) == -1)
		return;
	if (sqlite3_bind_blob(st, 1, a, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		nxm_log_warn("cannot clear the throttle: %s", sqlite3_errmsg(app->db));
	sqlite3_finalize(st);
}
