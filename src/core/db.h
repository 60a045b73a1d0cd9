/* The shared sqlite database: WAL mode so readers never wait for the writer,
 * a busy timeout so concurrent FastCGI processes queue instead of failing,
 * and numbered migrations compiled in from sql/NNN_*.sql. */
#ifndef NXM_CORE_DB_H
#define NXM_CORE_DB_H

#include <stddef.h>

#include <sqlite3.h>

#define NXM_DB_BUSY_TIMEOUT_MS 5000

enum nxm_db_open_flags {
	NXM_DB_READWRITE = 0,
	NXM_DB_CREATE = 1,
};

struct nxm_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Generated from sql/ at build time. */
extern const struct nxm_migration nxm_migrations[];
extern const size_t nxm_migrations_count;

int nxm_db_open(const char *path, enum nxm_db_open_flags flags, sqlite3 **db, char *err,
                size_t errlen);
void nxm_db_close(sqlite3 *db);
/* The highest applied migration, 0 for a database without schema_version. */
int nxm_db_schema_version(sqlite3 *db, int *version);
int nxm_db_latest_version(const struct nxm_migration *m, size_t n);
/* Applies, each in its own transaction, every migration newer than the
 * database; *applied counts them. Running it again applies nothing. */
int nxm_db_migrate(sqlite3 *db, const struct nxm_migration *m, size_t n, int *applied, char *err,
                   size_t errlen);
/* Prepares a statement, logging the cause on failure. */
int nxm_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);

#endif
