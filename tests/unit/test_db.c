/* Unit tests for src/core/db.c: connection settings and migrations. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/db.h"
#include "core/util.h"

static char tmpdir[64];
static char dbpath[128];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nxm-db-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/nexmcp.db", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test starts from no database file at all. */
static int
fresh(void **state)
{
	char p[160];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

static sqlite3 *
open_new(void)
{
	sqlite3 *db = NULL;
	char err[512] = "";

	assert_int_equal(nxm_db_open(dbpath, NXM_DB_CREATE, &db, err, sizeof(err)), 0);
	assert_non_null(db);
	return db;
}

/* The first column of the first row, as text, into a static buffer. */
static const char *
query_text(sqlite3 *db, const char *sql)
{
	static char out[256];
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static int
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every schema object's SQL, in a stable order, as one string. */
static char *
schema_dump(sqlite3 *db)
{
	struct nxm_buf b = {0};
	sqlite3_stmt *st = NULL;

	assert_int_equal(
	        sqlite3_prepare_v2(db,
	                           "SELECT type, name, coalesce(sql, '') FROM sqlite_schema "
	                           "ORDER BY name",
	                           -1, &st, NULL),
	        SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		assert_int_equal(nxm_buf_printf(&b, "%s %s: %s\n", sqlite3_column_text(st, 0),
		                                sqlite3_column_text(st, 1),
		                                sqlite3_column_text(st, 2)),
		                 0);
	sqlite3_finalize(st);
	assert_non_null(b.data);
	return b.data;
}

static void
test_open_settings(void **state)
{
	sqlite3 *db = open_new();

	/* WAL lets readers proceed while a FastCGI process writes. */
	assert_string_equal(query_text(db, "PRAGMA journal_mode"), "wal");
	assert_int_equal(query_int(db, "PRAGMA busy_timeout"), NXM_DB_BUSY_TIMEOUT_MS);
	assert_int_equal(query_int(db, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA trusted_schema"), 0);
	/* NORMAL is 1: durable enough with WAL, without an fsync per commit. */
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 1);
	nxm_db_close(db);
	assert_int_equal(access(dbpath, F_OK), 0);
}

static void
test_open_missing_without_create(void **state)
{
	sqlite3 *db = (sqlite3 *)1;
	char err[512] = "";

	assert_int_equal(nxm_db_open(dbpath, NXM_DB_READWRITE, &db, err, sizeof(err)), -1);
	assert_null(db);
	assert_non_null(strstr(err, dbpath));
	assert_non_null(strstr(err, "cannot open database"));
	/* A typo in database= must not silently create an empty database. */
	assert_int_equal(access(dbpath, F_OK), -1);
}

static void
test_open_existing_without_create(void **state)
{
	sqlite3 *db = open_new();
	char err[512] = "";

	nxm_db_close(db);
	assert_int_equal(nxm_db_open(dbpath, NXM_DB_READWRITE, &db, err, sizeof(err)), 0);
	assert_string_equal(query_text(db, "PRAGMA journal_mode"), "wal");
	nxm_db_close(db);
}

static void
test_migrate_real(void **state)
{
	sqlite3 *db = open_new();
	char err[512] = "", *before, *after;
	int version = -1, applied = -1, latest;

	assert_true(nxm_migrations_count > 0);
	latest = nxm_db_latest_version(nxm_migrations, nxm_migrations_count);
	assert_true(latest >= 1);
	assert_int_equal(nxm_db_schema_version(db, &version), 0);
	assert_int_equal(version, 0);

	assert_int_equal(nxm_db_migrate(db, nxm_migrations, nxm_migrations_count, &applied, err,
	                                sizeof(err)),
	                 0);
	assert_int_equal(applied, (int)nxm_migrations_count);
	assert_int_equal(nxm_db_schema_version(db, &version), 0);
	assert_int_equal(version, latest);
	/* Every migration is recorded by version and name. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM schema_version"),
	                 (int)nxm_migrations_count);
	assert_string_equal(
	        query_text(db, "SELECT name FROM schema_version ORDER BY version LIMIT 1"),
	        nxm_migrations[0].name);
	/* The real schema is there and enforces its checks. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'clients'"),
	                 1);
	before = schema_dump(db);

	/* Again: nothing to do, and nothing touched. */
	applied = -1;
	assert_int_equal(nxm_db_migrate(db, nxm_migrations, nxm_migrations_count, &applied, err,
	                                sizeof(err)),
	                 0);
	assert_int_equal(applied, 0);
	assert_int_equal(nxm_db_schema_version(db, &version), 0);
	assert_int_equal(version, latest);
	after = schema_dump(db);
	assert_string_equal(before, after);
	free(before);
	free(after);
	nxm_db_close(db);
}

static void
test_migrate_failure_rolls_back(void **state)
{
	static const struct nxm_migration m[] = {
	        {1, "001_first", "CREATE TABLE first (x INTEGER);"},
	        {2, "002_broken", "CREATE TABLE second (y INTEGER); CREATE TABEL oops (z);"},
	        {3, "003_never", "CREATE TABLE third (z INTEGER);"},
	};
	sqlite3 *db = open_new();
	char err[512] = "", *before, *after;
	int version = -1, applied = -1;

	assert_int_equal(nxm_db_migrate(db, m, 1, &applied, err, sizeof(err)), 0);
	assert_int_equal(applied, 1);
	before = schema_dump(db);

	assert_int_equal(nxm_db_migrate(db, m, NXM_ARRAY_LEN(m), &applied, err, sizeof(err)), -1);
	print_message("error: %s\n", err);
	/* The error names the migration that failed, and why. */
	assert_true(nxm_str_has_prefix(err, "002_broken: "));
	assert_non_null(strstr(err, "syntax error"));
	assert_int_equal(applied, 0);
	assert_int_equal(nxm_db_schema_version(db, &version), 0);
	assert_int_equal(version, 1);
	/* The statement before the failing one is rolled back too. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'second'"),
	                 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'third'"),
	                 0);
	after = schema_dump(db);
	assert_string_equal(before, after);
	/* No transaction is left open for the next caller. */
	assert_int_equal(sqlite3_get_autocommit(db), 1);
	free(before);
	free(after);
	nxm_db_close(db);
}

static void
test_migrate_out_of_order(void **state)
{
	static const struct nxm_migration backwards[] = {
	        {2, "002_second", "CREATE TABLE second (y INTEGER);"},
	        {1, "001_first", "CREATE TABLE first (x INTEGER);"},
	};
	static const struct nxm_migration twice[] = {
	        {1, "001_first", "CREATE TABLE first (x INTEGER);"},
	        {1, "001_again", "CREATE TABLE again (x INTEGER);"},
	};
	sqlite3 *db = open_new();
	char err[512] = "";
	int version = -1, applied = -1;

	assert_int_equal(nxm_db_migrate(db, backwards, 2, &applied, err, sizeof(err)), -1);
	print_message("error: %s\n", err);
	assert_non_null(strstr(err, "001_first"));
	assert_non_null(strstr(err, "out of order"));
	/* A broken migration list is refused before anything is applied. */
	assert_int_equal(applied, 0);
	assert_int_equal(nxm_db_schema_version(db, &version), 0);
	assert_int_equal(version, 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'second'"),
	                 0);

	assert_int_equal(nxm_db_migrate(db, twice, 2, &applied, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "001_again"));
	assert_int_equal(applied, 0);
	assert_int_equal(nxm_db_schema_version(db, &version), 0);
	assert_int_equal(version, 0);
	nxm_db_close(db);
}

static void
test_migrate_incremental(void **state)
{
	static const struct nxm_migration m[] = {
	        {1, "001_first", "CREATE TABLE first (x INTEGER);"},
	        {2, "002_second", "CREATE TABLE second (y INTEGER);"},
	        {5, "005_fifth", "CREATE TABLE fifth (z INTEGER);"},
	};
	sqlite3 *db = open_new();
	char err[512] = "";
	int version = -1, applied = -1;

	assert_int_equal(nxm_db_latest_version(m, NXM_ARRAY_LEN(m)), 5);
	assert_int_equal(nxm_db_latest_version(m, 0), 0);
	assert_int_equal(nxm_db_migrate(db, m, 2, &applied, err, sizeof(err)), 0);
	assert_int_equal(applied, 2);
	/* A newer build applies only what is new; gaps in numbering are fine. */
	assert_int_equal(nxm_db_migrate(db, m, NXM_ARRAY_LEN(m), &applied, err, sizeof(err)), 0);
	assert_int_equal(applied, 1);
	assert_int_equal(nxm_db_schema_version(db, &version), 0);
	assert_int_equal(version, 5);
	nxm_db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_open_settings, fresh),
	        cmocka_unit_test_setup(test_open_missing_without_create, fresh),
	        cmocka_unit_test_setup(test_open_existing_without_create, fresh),
	        cmocka_unit_test_setup(test_migrate_real, fresh),
	        cmocka_unit_test_setup(test_migrate_failure_rolls_back, fresh),
	        cmocka_unit_test_setup(test_migrate_out_of_order, fresh),
	        cmocka_unit_test_setup(test_migrate_incremental, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
