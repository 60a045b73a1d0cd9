/* nexmcpctl: create keys, migrate the database and check a nexmcp installation. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <stdbool.h>
#include <time.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/config.h"
#include "core/db.h"
#include "core/keyring.h"
#include "core/log.h"
#include "nexudus/client.h"
#include "oauth/sweep.h"

static const char usage_text[] =
        "usage: nexmcpctl [-c file] command [options]\n"
        "\n"
        "Administers a nexmcp installation: the key file, the sqlite database and\n"
        "the configuration shared by the login, token and mcp FastCGI programs.\n"
        "\n"
        "Commands:\n"
        "  init [-u user]  Create the key file (mode 0600) and the database, and apply\n"
        "                  every migration. Refuses to overwrite an existing key file;\n"
        "                  an existing database is migrated. With -u, the key file, the\n"
        "                  database and its directory are given to that user, which\n"
        "                  must be the user the web server runs the programs as.\n"
        "  migrate         Apply the migrations this build carries that the database\n"
        "                  lacks. Safe to run again: it then applies nothing.\n"
        "  check [-n]      Validate the configuration, the key file (present, well\n"
        "                  formed, no access for group or others), the database schema\n"
        "                  version, and that the upstream Nexudus URL answers over HTTP.\n"
        "                  -n skips the network check.\n"
        "  sessions        List the sign-in sessions that are still valid: id, client,\n"
        "                  scope, personal data allowed or not, start and end. No\n"
        "                  e-mail address is shown: the database does not hold one.\n"
        "  revoke id|--all End one session (an id from `sessions`) or every session\n"
        "                  at once; the next /mcp request with its token gets 401.\n"
        "  sweep           Delete expired rows: sessions, codes, unused client\n"
        "                  registrations, cached client documents, MCP sessions,\n"
        "                  login throttling and old audit entries. Run it from cron.\n"
        "  help            Show this text.\n"
        "  version         Show the version.\n"
        "\n"
        "Options:\n"
        "  -c file         Configuration file. Default: $NEXMCP_CONFIG, else\n"
        "                  " NXM_DEFAULT_CONFIG ".\n"
        "  -h, --help      Show this text.\n"
        "  -V, --version   Show the version.\n"
        "\n"
        "Exit status: 0 on success, 1 when a check or an operation failed, 2 on a\n"
        "usage error.\n"
        "\n"
        "Examples:\n"
        "  nexmcpctl -c /etc/nexmcp.conf init -u www-data\n"
        "  nexmcpctl check\n";

static int
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "nexmcpctl: %s%s\nTry 'nexmcpctl --help'.\n", what, arg);
	return 2;
}

static int
load_config(const char *path, struct nxm_config *cfg)
{
	char err[NXM_CONFIG_ERRLEN];

	if (nxm_config_load(path, cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "nexmcpctl: %s\n", err);
		return -1;
	}
	return 0;
}

static int
lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		fprintf(stderr, "nexmcpctl: no such user: %s\n", name);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
give(const char *path, uid_t uid, gid_t gid)
{
	if (chown(path, uid, gid) == -1) {
		fprintf(stderr, "nexmcpctl: chown %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
migrate_db(const struct nxm_config *cfg, enum nxm_db_open_flags flags)
{
	char err[512];
	sqlite3 *db = NULL;
	int applied = 0, version = 0, rc = -1;

	if (nxm_db_open(cfg->database, flags, &db, err, sizeof(err)) == -1) {
		fprintf(stderr, "nexmcpctl: %s\n", err);
		return -1;
	}
	if (nxm_db_migrate(db, nxm_migrations, nxm_migrations_count, &applied, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "nexmcpctl: %s: migration failed: %s\n", cfg->database, err);
		goto out;
	}
	if (nxm_db_schema_version(db, &version) == -1)
		goto out;
	printf("%s: schema version %d (%d migration%s applied)\n", cfg->database, version, applied,
	       applied == 1 ? "" : "s");
	rc = 0;
out:
	nxm_db_close(db);
	return rc;
}

static int
cmd_init(const struct nxm_config *cfg, int argc, char **argv)
{
	const char *owner = NULL;
	char err[512], *dircopy = NULL;
	uid_t uid = 0;
	gid_t gid = 0;
	int c, rc = 1;

	optind = 1;
	while ((c = getopt(argc, argv, "u:")) != -1) {
		if (c != 'u')
			return usage_error("init: unknown option ", argv[optind - 1]);
		owner = optarg;
	}
	if (optind != argc)
		return usage_error("init: unexpected argument ", argv[optind]);
	if (owner != NULL && lookup_user(owner, &uid, &gid) == -1)
		return 1;
	if (access(cfg->key_file, F_OK) == 0) {
		printf("%s: key file exists, kept\n", cfg->key_file);
	} else {
		if (nxm_keyring_create(cfg->key_file, err, sizeof(err)) == -1) {
			fprintf(stderr, "nexmcpctl: %s\n", err);
			return 1;
		}
		printf("%s: key file created (mode 0600)\n", cfg->key_file);
	}
	if (migrate_db(cfg, NXM_DB_CREATE) == -1)
		return 1;
	if (owner != NULL) {
		/* sqlite writes -wal and -shm files beside the database. */
		if ((dircopy = strdup(cfg->database)) == NULL)
			goto out;
		if (give(cfg->key_file, uid, gid) == -1 || give(cfg->database, uid, gid) == -1 ||
		    give(dirname(dircopy), uid, gid) == -1)
			goto out;
		printf("key file, database and database directory now belong to %s\n", owner);
	}
	rc = 0;
out:
	free(dircopy);
	return rc;
}

static int
cmd_migrate(const struct nxm_config *cfg, int argc, char **argv)
{
	if (argc > 1)
		return usage_error("migrate: unexpected argument ", argv[1]);
	return migrate_db(cfg, NXM_DB_READWRITE) == -1 ? 1 : 0;
}

static int
report(int ok, const char *what, const char *detail)
{
	printf("%-8s %s%s%s\n", ok ? "ok" : "FAILED", what, detail[0] ? ": " : "", detail);
	return ok ? 0 : 1;
}

static int
cmd_check(const struct nxm_config *cfg, int argc, char **argv)
{
	struct nxm_keyring ring;
	char err[512], detail[600];
	sqlite3 *db = NULL;
	int c, failures = 0, offline = 0, version = 0;
	int want = nxm_db_latest_version(nxm_migrations, nxm_migrations_count);
	long status = 0;

	optind = 1;
	while ((c = getopt(argc, argv, "n")) != -1) {
		if (c != 'n')
			return usage_error("check: unknown option ", argv[optind - 1]);
		offline = 1;
	}
	if (optind != argc)
		return usage_error("check: unexpected argument ", argv[optind]);
	snprintf(detail, sizeof(detail), "%s (base URL %s, MCP URL %s)", cfg->path, cfg->base_url,
	         cfg->mcp_url);
	failures += report(1, "configuration", detail);

	if (nxm_keyring_load(cfg->key_file, &ring, err, sizeof(err)) == -1) {
		failures += report(0, "key file", err);
	} else {
		snprintf(detail, sizeof(detail), "%s (%zu key%s, current %s)", cfg->key_file,
		         ring.n, ring.n == 1 ? "" : "s", ring.keys[0].id);
		failures += report(1, "key file", detail);
		nxm_keyring_wipe(&ring);
	}

	if (nxm_db_open(cfg->database, NXM_DB_READWRITE, &db, err, sizeof(err)) == -1) {
		failures += report(0, "database", err);
	} else if (nxm_db_schema_version(db, &version) == -1 || version != want) {
		snprintf(detail, sizeof(detail),
		         "%s: schema version %d, this build needs %d (run "
		         "nexmcpctl migrate)",
		         cfg->database, version, want);
		failures += report(0, "database", detail);
	} else {
		snprintf(detail, sizeof(detail), "%s (schema version %d)", cfg->database, version);
		failures += report(1, "database", detail);
	}
	nxm_db_close(db);

	if (offline) {
		failures += report(1, "upstream", "not checked (-n)");
	} else if (nxm_nexudus_probe(cfg, &status, err, sizeof(err)) == -1) {
		failures += report(0, "upstream", err);
	} else {
		snprintf(detail, sizeof(detail), "%s answered HTTP %ld", cfg->upstream, status);
		failures += report(1, "upstream", detail);
	}
	return failures == 0 ? 0 : 1;
}

static int
open_db(const struct nxm_config *cfg, sqlite3 **db)
{
	char err[512];
	int version = 0;

	if (nxm_db_open(cfg->database, NXM_DB_READWRITE, db, err, sizeof(err)) == -1) {
		fprintf(stderr, "nexmcpctl: %s\n", err);
		return -1;
	}
	if (nxm_db_schema_version(*db, &version) == -1 ||
	    version != nxm_db_latest_version(nxm_migrations, nxm_migrations_count)) {
		fprintf(stderr, "nexmcpctl: %s: schema version %d; run nexmcpctl migrate\n",
		        cfg->database, version);
		nxm_db_close(*db);
		return -1;
	}
	return 0;
}

static void
print_time(time_t t)
{
	char buf[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		fputs(buf, stdout);
}

static int
cmd_sessions(const struct nxm_config *cfg, int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = 0, rc = 1;

	if (argc > 1)
		return usage_error("sessions: unexpected argument ", argv[1]);
	if (open_db(cfg, &db) == -1)
		return 1;
	if (nxm_db_prepare(
	            db,
	            "SELECT session_id, client_id, coalesce(client_name, ''), scope, allow_pii, "
	            "created_at, expires_at FROM sessions WHERE revoked_at IS NULL AND "
	            "expires_at > ? ORDER BY created_at",
	            &st) == -1 ||
	    sqlite3_bind_int64(st, 1, time(NULL)) != SQLITE_OK)
		goto out;
	printf("%-32s  %-20s  %-5s  %-8s  %-20s  %s\n", "SESSION", "CLIENT", "SCOPE", "PII",
	       "SIGNED IN", "ENDS");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 2);
		printf("%-32s  %-20.20s  %-5s  %-8s  ", sqlite3_column_text(st, 0),
		       name[0] ? name : (const char *)sqlite3_column_text(st, 1),
		       strstr((const char *)sqlite3_column_text(st, 3), "write") ? "write" : "read",
		       sqlite3_column_int(st, 4) ? "allowed" : "redacted");
		print_time((time_t)sqlite3_column_int64(st, 5));
		fputs("  ", stdout);
		print_time((time_t)sqlite3_column_int64(st, 6));
		putchar('\n');
		n++;
	}
	printf("%d active session%s\n", n, n == 1 ? "" : "s");
	rc = 0;
out:
	sqlite3_finalize(st);
	nxm_db_close(db);
	return rc;
}

static int
cmd_revoke(const struct nxm_config *cfg, int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool all;
	int rc = 1;

	if (argc != 2)
		return usage_error("revoke: give a session id or --all", "");
	all = strcmp(argv[1], "--all") == 0;
	if (open_db(cfg, &db) == -1)
		return 1;
	if (nxm_db_prepare(
	            db,
	            all ? "UPDATE sessions SET revoked_at = ?1, revoked_reason = 'nexmcpctl' "
	                  "WHERE revoked_at IS NULL AND ?2 IS NOT NULL"
	                : "UPDATE sessions SET revoked_at = ?1, revoked_reason = 'nexmcpctl' "
	                  "WHERE revoked_at IS NULL AND session_id = ?2",
	            &st) == -1 ||
	    sqlite3_bind_int64(st, 1, time(NULL)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, argv[1], -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		fprintf(stderr, "nexmcpctl: cannot revoke: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	printf("%d session%s revoked\n", sqlite3_changes(db), sqlite3_changes(db) == 1 ? "" : "s");
	rc = all || sqlite3_changes(db) > 0 ? 0 : 1;
out:
	sqlite3_finalize(st);
	nxm_db_close(db);
	return rc;
}

static int
cmd_sweep(const struct nxm_config *cfg, int argc, char **argv)
{
	struct nxm_sweep_counts n;
	sqlite3 *db = NULL;
	int rc;

	if (argc > 1)
		return usage_error("sweep: unexpected argument ", argv[1]);
	if (open_db(cfg, &db) == -1)
		return 1;
	rc = nxm_sweep(db, time(NULL), &n);
	if (rc == 0)
		printf("removed: %ld sessions, %ld codes, %ld MCP sessions, %ld PII tokens, %ld "
		       "clients, %ld client documents, %ld throttle entries, %ld audit entries\n",
		       n.sessions, n.auth_codes, n.mcp_sessions, n.pii_tokens, n.clients,
		       n.client_documents, n.login_throttle, n.audit_log);
	else
		fprintf(stderr, "nexmcpctl: sweep failed: %s\n", sqlite3_errmsg(db));
	nxm_db_close(db);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	const char *config = nxm_config_default_path(), *cmd;
	struct nxm_config cfg;
	int c, rc;

	nxm_log_init("nexmcpctl", NXM_LOG_WARN);
	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			puts("nexmcpctl " PACKAGE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'nexmcpctl --help'.\n");
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("", "no command given");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0) {
		puts("nexmcpctl " PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "init") != 0 && strcmp(cmd, "migrate") != 0 && strcmp(cmd, "check") != 0 &&
	    strcmp(cmd, "sessions") != 0 && strcmp(cmd, "revoke") != 0 && strcmp(cmd, "sweep") != 0)
		return usage_error("unknown command: ", cmd);
	if (load_config(config, &cfg) == -1)
		return 1;
	umask(077);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		nxm_config_free(&cfg);
		return 1;
	}
	if (strcmp(cmd, "init") == 0)
		rc = cmd_init(&cfg, argc, argv);
	else if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate(&cfg, argc, argv);
	else if (strcmp(cmd, "sessions") == 0)
		rc = cmd_sessions(&cfg, argc, argv);
	else if (strcmp(cmd, "revoke") == 0)
		rc = cmd_revoke(&cfg, argc, argv);
	else if (strcmp(cmd, "sweep") == 0)
		rc = cmd_sweep(&cfg, argc, argv);
	else
		rc = cmd_check(&cfg, argc, argv);
	nxm_config_free(&cfg);
	curl_global_cleanup();
	return rc;
}
