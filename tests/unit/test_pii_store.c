/* The session's reverse map of personal-data tokens on a real sqlite file:
 * same value same token, other sessions other tokens, tokens resolved in
 * arguments (whole or inside text), unknown, foreign, expired and revoked
 * tokens refused, collisions lengthened (from memory, and from the table
 * when a session outgrows the memory budget), tokens another process
 * recorded, a token resolved while the request that issued it is still
 * recording, rows kept across migration 005, and nothing readable in the
 * table. */
#include "autoconfig.h"

#include "testlib.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "core/db.h"
#include "core/util.h"
#include "pii/store.h"
#include "pii/token.h"

static struct nxm_app app;
static struct nxm_session s1, s2;
static char db_path[256];
static time_t clock_now = 1800000000;

static time_t
fake_now(void)
{
	return clock_now;
}

static void
make_session(struct nxm_session *s, const char *id, unsigned char fill)
{
	char sql[512];

	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	memset(s->pii_salt, fill, sizeof(s->pii_salt));
	memset(s->pii_key, fill ^ 0x5a, sizeof(s->pii_key));
	s->expires_at = clock_now + 8 * 3600;
	snprintf(sql, sizeof(sql),
	         "INSERT INTO sessions (session_id, key_id, client_id, resource, scope, allow_pii, "
	         "account_hash, upstream_token, created_at, expires_at) VALUES ('%s', 'k', 'c', "
	         "'https://x/mcp', 'nexudus:read', 0, x'00', x'00', %lld, %lld)",
	         id, (long long)clock_now, (long long)s->expires_at);
	assert_int_equal(sqlite3_exec(app.db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static int
setup(void **state)
{
	char err[256];
	int applied;
	const char *path = test_write_file("pii.db", "", 0600);

	snprintf(db_path, sizeof(db_path), "%s", path);
	unlink(path);
	assert_int_equal(nxm_db_open(path, NXM_DB_CREATE, &app.db, err, sizeof(err)), 0);
	assert_int_equal(nxm_db_migrate(app.db, nxm_migrations, nxm_migrations_count, &applied, err,
	                                sizeof(err)),
	                 0);
	app.now = fake_now;
	assert_int_equal(sqlite3_exec(app.db,
	                              "INSERT INTO clients (client_id, auth_method, metadata, "
	                              "created_at, expires_at) VALUES ('c', 'none', '{}', 0, "
	                              "4000000000)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	make_session(&s1, "0123456789abcdef0123456789abcdef", 0x11);
	make_session(&s2, "fedcba9876543210fedcba9876543210", 0x22);
	return 0;
}

static int
teardown(void **state)
{
	nxm_db_close(app.db);
	return 0;
}

/* Issues the token of value in session s, committed. */
static void
tokenize(const struct nxm_session *s, enum nxm_pii cat, const char *value, char *out, size_t outsz)
{
	struct nxm_pii_store *st = nxm_pii_store_open(&app, s);

	assert_non_null(st);
	assert_int_equal(nxm_pii_store_tokenize(st, cat, value, strlen(value), out, outsz), 0);
	assert_int_equal(nxm_pii_store_close(st, true), 0);
}

/* Every string of v (at any depth) with its tokens resolved, in place. */
static int
resolve_json(struct nxm_pii_store *st, json_t *v, char *err, size_t errlen)
{
	const char *key;
	char *plain;
	json_t *m;
	size_t i;
	int rc;

	if (json_is_string(v)) {
		if (nxm_pii_store_resolve(st, json_string_value(v), &plain, err, errlen) == -1)
			return -1;
		rc = json_string_set(v, plain);
		nxm_str_free_secret(plain);
		return rc;
	}
	json_object_foreach(v, key, m) if (resolve_json(st, m, err, errlen) == -1) return -1;
	json_array_foreach(v, i, m) if (resolve_json(st, m, err, errlen) == -1) return -1;
	return 0;
}

/* Resolves the tokens of json text in session s; returns the result (NULL
 * when refused, with the message in err). */
static json_t *
resolve(const struct nxm_session *s, const char *text, char *err, size_t errlen)
{
	struct nxm_pii_store *st = nxm_pii_store_open(&app, s);
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(st);
	assert_non_null(v);
	if (resolve_json(st, v, err, errlen) == -1) {
		json_decref(v);
		v = NULL;
	}
	assert_int_equal(nxm_pii_store_close(st, true), 0);
	return v;
}

static void
test_same_value_same_token(void **state)
{
	char a[128], b[128], c[128], d[128], e[128];

	tokenize(&s1, NXM_PII_NAME, "José Núñez", a, sizeof(a));
	tokenize(&s1, NXM_PII_NAME, "José Núñez", b, sizeof(b));
	tokenize(&s1, NXM_PII_NAME, "Jose Nunez", c, sizeof(c));
	tokenize(&s1, NXM_PII_EMAIL, "José Núñez", d, sizeof(d));
	tokenize(&s2, NXM_PII_NAME, "José Núñez", e, sizeof(e));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d); /* the category is part of the hash */
	assert_string_not_equal(a, e); /* another session, another token */
	assert_non_null(strstr(a, "«PII:NAME:"));
	assert_non_null(strstr(d, "«PII:EMAIL:"));
	assert_int_equal(strlen(a), strlen("«PII:NAME:") + 8 + strlen("»"));
}

static void
test_resolve(void **state)
{
	char name[128], phone[128], text[1024], err[512];
	json_t *v;

	tokenize(&s1, NXM_PII_NAME, "Zoë O'Brien", name, sizeof(name));
	tokenize(&s1, NXM_PII_PHONE, "+44 20 7946 0018", phone, sizeof(phone));
	snprintf(text, sizeof(text),
	         "{\"filters\":{\"FullName\":\"%s\"},\"fields\":{\"Notes\":\"call %s or %s\"},"
	         "\"ids\":[1,2],\"parameters\":[{\"Value\":\"%s\"}],\"n\":3}",
	         name, phone, name, phone);
	v = resolve(&s1, text, err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(v, "filters"), "FullName")),
	        "Zoë O'Brien");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(v, "fields"), "Notes")),
	        "call +44 20 7946 0018 or Zoë O'Brien");
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(v, "parameters"), 0), "Value")),
	                    "+44 20 7946 0018");
	assert_int_equal(json_integer_value(json_object_get(v, "n")), 3);
	json_decref(v);
	/* Text without tokens is left alone, guillemets and all. */
	v = resolve(&s1, "{\"q\":\"«quoted» PII:NAME:12345678\"}", err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "q")),
	                    "«quoted» PII:NAME:12345678");
	json_decref(v);
}

static void
test_refusals(void **state)
{
	char other[128], text[512], err[512];
	json_t *v;

	v = resolve(&s1, "{\"name\":\"«PII:NAME:0badc0de»\"}", err, sizeof(err));
	assert_null(v);
	assert_non_null(strstr(err, "Unknown personal-data token «PII:NAME:0badc0de»"));
	/* A token of another session is as unknown as a made-up one. */
	tokenize(&s2, NXM_PII_EMAIL, "ana+desk@example.org", other, sizeof(other));
	snprintf(text, sizeof(text), "{\"fields\":{\"Email\":\"%s\"}}", other);
	assert_null(resolve(&s1, text, err, sizeof(err)));
	assert_non_null(strstr(err, "Unknown personal-data token"));
	v = resolve(&s2, text, err, sizeof(err));
	assert_non_null(v);
	json_decref(v);
	/* Expired with the session. */
	clock_now += 9 * 3600;
	assert_null(resolve(&s2, text, err, sizeof(err)));
	clock_now -= 9 * 3600;
}

/* A token's key ("<CATEGORY>:<hex>"), as the table stores it. */
static void
key_of(const char *tok, char *key, size_t keysz)
{
	assert_int_equal(nxm_pii_token_to_key(tok, strlen(tok), key, keysz), 0);
}

/* Makes the token key of session sid stand for another value: one whose
 * MAC starts with the same 32 bits (so the row stays consistent). */
static void
give_away(const char *sid, const char *key)
{
	unsigned char mac[32];
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_prepare_v2(app.db,
	                                    "SELECT value_mac FROM pii_tokens WHERE session_id = ? "
	                                    "AND token = ?",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(q, 0), 32);
	memcpy(mac, sqlite3_column_blob(q, 0), 32);
	sqlite3_finalize(q);
	memset(mac + 4, 0, sizeof(mac) - 4);
	assert_int_equal(
	        sqlite3_prepare_v2(app.db,
	                           "UPDATE pii_tokens SET value_mac = ? WHERE session_id = "
	                           "? AND token = ?",
	                           -1, &q, NULL),
	        SQLITE_OK);
	sqlite3_bind_blob(q, 1, mac, sizeof(mac), SQLITE_STATIC);
	sqlite3_bind_text(q, 2, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(app.db), 1);
	sqlite3_finalize(q);
}

static void
test_collision_lengthens(void **state)
{
	char first[128], again[128], text[512], err[512], key[128];
	json_t *v;

	tokenize(&s1, NXM_PII_PHONE, "07700 900123", first, sizeof(first));
	/* Make the 8-digit token stand for another value. */
	key_of(first, key, sizeof(key));
	give_away(s1.id, key);
	/* The process remembers the token it recorded... */
	tokenize(&s1, NXM_PII_PHONE, "07700 900123", again, sizeof(again));
	assert_string_equal(first, again);
	/* ...and once it forgets, finds the token taken by another value. */
	nxm_pii_store_forget();
	tokenize(&s1, NXM_PII_PHONE, "07700 900123", again, sizeof(again));
	assert_string_not_equal(first, again);
	assert_true(strlen(again) > strlen(first));
	/* The longer token extends the shorter one: both come from one MAC. */
	assert_memory_equal(first, again, strlen(first) - strlen("»"));
	snprintf(text, sizeof(text), "{\"p\":\"%s\"}", again);
	v = resolve(&s1, text, err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "p")), "07700 900123");
	json_decref(v);
}

static bool
contains(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; hay != NULL && i + k <= n; i++)
		if (memcmp((const char *)hay + i, needle, k) == 0)
			return true;
	return false;
}

static void
test_table_reveals_nothing(void **state)
{
	char tok[128], text[512], err[512];
	sqlite3_stmt *st;
	int n = 0;

	tokenize(&s1, NXM_PII_FINANCIAL, "GB82WEST12345698765432", tok, sizeof(tok));
	assert_int_equal(sqlite3_prepare_v2(app.db,
	                                    "SELECT token, value_mac, sealed_value FROM "
	                                    "pii_tokens",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < 3; c++) {
			const void *p = sqlite3_column_blob(st, c);
			int len = sqlite3_column_bytes(st, c);
			assert_false(contains(p, (size_t)len, "GB82WEST"));
			assert_false(contains(p, (size_t)len, "Zo\xc3\xab"));
		}
		n++;
	}
	sqlite3_finalize(st);
	assert_true(n >= 5);
	/* A sealed value moved onto another token does not open. */
	assert_int_equal(
	        sqlite3_exec(app.db,
	                     "UPDATE pii_tokens SET sealed_value = (SELECT sealed_value FROM "
	                     "pii_tokens WHERE token LIKE 'NAME:%' LIMIT 1) WHERE token LIKE "
	                     "'FINANCIAL:%'",
	                     NULL, NULL, NULL),
	        SQLITE_OK);
	snprintf(text, sizeof(text), "{\"iban\":\"%s\"}", tok);
	assert_null(resolve(&s1, text, err, sizeof(err)));
}

/* ------------------------------------------------------------ processes
 *
 * The mcp program runs as several FastCGI processes on one database. A
 * forked child with its own connection, and its own copy of what the
 * process knows, stands for another one. It reports by exit status, as
 * cmocka's assertions belong to the parent. */

static int
child_open(struct nxm_app *a)
{
	char err[256];

	memset(a, 0, sizeof(*a));
	a->now = fake_now;
	return nxm_db_open(db_path, NXM_DB_READWRITE, &a->db, err, sizeof(err));
}

/* In a child: the token of value in session s, issued and recorded there,
 * written to fd. */
static pid_t
child_tokenize(const struct nxm_session *s, enum nxm_pii cat, const char *value, int fd)
{
	pid_t pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		struct nxm_app a;
		struct nxm_pii_store *st;
		char tok[128];
		int ok = child_open(&a) == 0 && (st = nxm_pii_store_open(&a, s)) != NULL &&
		         nxm_pii_store_tokenize(st, cat, value, strlen(value), tok, sizeof(tok)) ==
		                 0 &&
		         nxm_pii_store_close(st, true) == 0 &&
		         nxm_write_all(fd, tok, strlen(tok) + 1) == 0;
		_exit(ok ? 0 : 1);
	}
	return pid;
}

static int
child_status(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
test_other_process(void **state)
{
	char here[128], there[128] = "", again[128];
	int fds[2];

	/* This process knows the session (its mirror holds a token)... */
	tokenize(&s1, NXM_PII_NAME, "Íñigo Zubizarreta", here, sizeof(here));
	/* ...another one issues a token for a value this one never saw... */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(
	        child_status(child_tokenize(&s1, NXM_PII_EMAIL, "inigo@example.eus", fds[1])), 0);
	assert_true(read(fds[0], there, sizeof(there) - 1) > 0);
	close(fds[0]);
	close(fds[1]);
	assert_non_null(strstr(there, "«PII:EMAIL:"));
	/* ...and this one, meeting the value, reads the other's row and gives
	 * the same token rather than recording a second. */
	tokenize(&s1, NXM_PII_EMAIL, "inigo@example.eus", again, sizeof(again));
	assert_string_equal(again, there);
	tokenize(&s1, NXM_PII_NAME, "Íñigo Zubizarreta", again, sizeof(again));
	assert_string_equal(again, here);
}

/* A child that reads a token from fd, then resolves "call <token>" in
 * session s: exit 0 when that gives "call " and want. Forked before the
 * parent takes the write lock: a child must not inherit sqlite's record of
 * locks its parent holds. */
static pid_t
child_resolve(const struct nxm_session *s, int fd, const char *want)
{
	pid_t pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		struct nxm_app a;
		struct nxm_pii_store *st = NULL;
		char tok[128] = "", text[256], expect[128], err[512];
		json_t *v = NULL;
		ssize_t n;
		int ok;

		nxm_pii_store_forget();
		n = read(fd, tok, sizeof(tok) - 1);
		snprintf(text, sizeof(text), "{\"q\":\"call %s\"}", tok);
		snprintf(expect, sizeof(expect), "call %s", want);
		ok = n > 0 && (v = json_loads(text, 0, NULL)) != NULL && child_open(&a) == 0 &&
		     (st = nxm_pii_store_open(&a, s)) != NULL &&
		     resolve_json(st, v, err, sizeof(err)) == 0 &&
		     strcmp(json_string_value(json_object_get(v, "q")), expect) == 0;
		nxm_pii_store_close(st, true);
		_exit(ok ? 0 : 1);
	}
	return pid;
}

static void
test_resolved_while_recording(void **state)
{
	struct nxm_pii_store *st;
	char tok[128];
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = child_resolve(&s1, fds[0], "+34 944 000 111");
	/* The request has issued a token and answered, and is about to write
	 * its rows (the mcp program writes them after the answer is out). */
	st = nxm_pii_store_open(&app, &s1);
	assert_non_null(st);
	assert_int_equal(
	        nxm_pii_store_tokenize(st, NXM_PII_PHONE, "+34 944 000 111", 15, tok, sizeof(tok)),
	        0);
	assert_int_equal(nxm_pii_store_pending(st), 1);
	/* A request in another process passes the token back meanwhile: it
	 * must wait for the rows, not call the token unknown. */
	assert_int_equal(nxm_write_all(fds[1], tok, strlen(tok)), 0);
	usleep(300000);
	assert_int_equal(nxm_pii_store_close(st, true), 0);
	assert_int_equal(child_status(pid), 0);
	close(fds[0]);
	close(fds[1]);
}

static void
test_over_budget(void **state)
{
	char first[20][128], again[128], text[512], err[512], value[64], key[128];
	struct nxm_pii_store *st;
	json_t *v;

	/* A session with more tokens than the process keeps in memory is
	 * served from the table: same tokens, collisions still lengthened. */
	nxm_pii_store_set_budget(8);
	st = nxm_pii_store_open(&app, &s2);
	assert_non_null(st);
	for (int i = 0; i < 20; i++) {
		snprintf(value, sizeof(value), "Member Number %d", i);
		assert_int_equal(nxm_pii_store_tokenize(st, NXM_PII_NAME, value, strlen(value),
		                                        first[i], sizeof(first[i])),
		                 0);
	}
	assert_int_equal(nxm_pii_store_close(st, true), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(value, sizeof(value), "Member Number %d", i);
		tokenize(&s2, NXM_PII_NAME, value, again, sizeof(again));
		assert_string_equal(again, first[i]);
	}
	/* Values it has shown are read without the write lock: another
	 * process holding it (longer than the busy timeout) does not stop
	 * them. */
	{
		int fds[2];
		char ready;
		pid_t holder;

		assert_int_equal(pipe(fds), 0);
		holder = fork();
		assert_true(holder != -1);
		if (holder == 0) {
			struct nxm_app a;
			int ok = child_open(&a) == 0 &&
			         sqlite3_exec(a.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
			                 SQLITE_OK &&
			         write(fds[1], "x", 1) == 1;
			sleep(30);
			_exit(ok ? 0 : 1);
		}
		assert_int_equal(read(fds[0], &ready, 1), 1);
		snprintf(value, sizeof(value), "Member Number %d", 11);
		tokenize(&s2, NXM_PII_NAME, value, again, sizeof(again));
		assert_string_equal(again, first[11]);
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		close(fds[0]);
		close(fds[1]);
	}
	/* Member 3's token now stands for another value. */
	key_of(first[3], key, sizeof(key));
	give_away(s2.id, key);
	tokenize(&s2, NXM_PII_NAME, "Member Number 3", again, sizeof(again));
	assert_true(strlen(again) > strlen(first[3]));
	snprintf(text, sizeof(text), "{\"a\":\"%s\",\"b\":\"%s\"}", first[7], again);
	v = resolve(&s2, text, err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "a")), "Member Number 7");
	assert_string_equal(json_string_value(json_object_get(v, "b")), "Member Number 3");
	json_decref(v);
	nxm_pii_store_set_budget(65536);
}

/* How many rows of pii_tokens session sid has. */
static int
rows_of(const char *sid)
{
	sqlite3_stmt *q;
	int n;

	assert_int_equal(sqlite3_prepare_v2(app.db,
	                                    "SELECT count(*) FROM pii_tokens WHERE session_id = ?",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* The session's map holds at most pii_max_tokens: past it no token is
 * issued (the store says why), and the values shown so far keep theirs. */
static void
test_cap(void **state)
{
	struct nxm_session s4;
	struct nxm_pii_store *st;
	char tok[128], first[128], value[32];

	(void)state;
	make_session(&s4, "c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4", 0x44);
	app.cfg.pii_max_tokens = 100;
	assert_non_null(st = nxm_pii_store_open(&app, &s4));
	for (int i = 0; i < 100; i++) {
		snprintf(value, sizeof(value), "member%03d@example.com", i);
		assert_int_equal(nxm_pii_store_tokenize(st, NXM_PII_EMAIL, value, strlen(value),
		                                        i == 0 ? first : tok, sizeof(tok)),
		                 0);
	}
	assert_false(nxm_pii_store_full(st));
	assert_int_equal(nxm_pii_store_close(st, true), 0);
	assert_non_null(st = nxm_pii_store_open(&app, &s4));
	assert_int_equal(nxm_pii_store_tokenize(st, NXM_PII_EMAIL, "one@more.example", 16, tok,
	                                        sizeof(tok)),
	                 -1);
	assert_true(nxm_pii_store_full(st));
	assert_int_equal(nxm_pii_store_tokenize(st, NXM_PII_EMAIL, "member000@example.com", 21, tok,
	                                        sizeof(tok)),
	                 0);
	assert_string_equal(tok, first);
	assert_int_equal(nxm_pii_store_close(st, true), 0);
	assert_int_equal(rows_of(s4.id), 100);
	app.cfg.pii_max_tokens = 0;
}

static void
test_revoked(void **state)
{
	char tok[128], text[256], err[512];
	struct nxm_session s3;
	json_t *v;

	make_session(&s3, "00000000000000000000000000000003", 0x33);
	tokenize(&s3, NXM_PII_ADDRESS, "Calle Mayor 1, Madrid", tok, sizeof(tok));
	snprintf(text, sizeof(text), "{\"q\":\"%s\"}", tok);
	v = resolve(&s3, text, err, sizeof(err));
	assert_non_null(v);
	json_decref(v);
	/* Revoking the session deletes its values at once. */
	assert_int_equal(sqlite3_exec(app.db,
	                              "UPDATE sessions SET revoked_at = 1, revoked_reason = 'test' "
	                              "WHERE session_id = '00000000000000000000000000000003'",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(rows_of(s3.id), 0);
	assert_null(resolve(&s3, text, err, sizeof(err)));
	/* A request that was authenticated before the revocation issues no
	 * new token after it (its rows would outlive the revocation). */
	{
		struct nxm_pii_store *st = nxm_pii_store_open(&app, &s3);
		assert_non_null(st);
		assert_int_equal(nxm_pii_store_tokenize(st, NXM_PII_ADDRESS, "Calle Nueva 2", 13,
		                                        tok, sizeof(tok)),
		                 -1);
		assert_int_equal(nxm_pii_store_close(st, true), 0);
	}
	assert_int_equal(rows_of(s3.id), 0);
}

/* Several processes issuing tokens for one session at once, each request
 * a page of values from a shared pool in its own order: every value gets
 * one token whichever process met it first, no token stands for two
 * values, and the rows are numbered 1..n without a gap. */
#define RACERS      4
#define RACE_POOL   300
#define RACE_ROUNDS 12
#define RACE_PAGE   60

static void
race_value(unsigned i, char *out, size_t outsz)
{
	snprintf(out, outsz, "racer.%u@example.org", i);
}

static pid_t
child_race(const struct nxm_session *s, unsigned seed, int fd)
{
	pid_t pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		struct nxm_app a;
		int ok = child_open(&a) == 0;

		nxm_pii_store_forget();
		srand(seed);
		for (int r = 0; ok && r < RACE_ROUNDS; r++) {
			struct nxm_pii_store *st = nxm_pii_store_open(&a, s);
			ok = st != NULL;
			for (int k = 0; ok && k < RACE_PAGE; k++) {
				unsigned i = (unsigned)rand() % RACE_POOL;
				char value[64], tok[128], line[256];
				race_value(i, value, sizeof(value));
				ok = nxm_pii_store_tokenize(st, NXM_PII_EMAIL, value, strlen(value),
				                            tok, sizeof(tok)) == 0;
				snprintf(line, sizeof(line), "%u %s\n", i, tok);
				ok = ok && nxm_write_all(fd, line, strlen(line)) == 0;
			}
			ok = nxm_pii_store_close(st, ok) == 0 && ok;
		}
		_exit(ok ? 0 : 1);
	}
	return pid;
}

static void
test_processes_race(void **state)
{
	static char seen[RACE_POOL][128];
	struct nxm_session s4;
	char path[300], line[256], tok[128];
	pid_t pid[RACERS];
	sqlite3_stmt *q;
	unsigned i, n = 0;
	FILE *f;
	int fd;

	make_session(&s4, "00000000000000000000000000000004", 0x44);
	snprintf(path, sizeof(path), "%s.race", db_path);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0600);
	assert_true(fd != -1);
	for (int c = 0; c < RACERS; c++)
		pid[c] = child_race(&s4, (unsigned)c + 1, fd);
	for (int c = 0; c < RACERS; c++)
		assert_int_equal(child_status(pid[c]), 0);
	close(fd);
	memset(seen, 0, sizeof(seen));
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		assert_int_equal(sscanf(line, "%u %127s", &i, tok), 2);
		assert_true(i < RACE_POOL);
		if (seen[i][0] == '\0') {
			snprintf(seen[i], sizeof(seen[i]), "%s", tok);
			n++;
		}
		assert_string_equal(seen[i], tok); /* one token per value */
	}
	fclose(f);
	unlink(path);
	for (unsigned x = 0; x < RACE_POOL; x++)
		for (unsigned y = x + 1; seen[x][0] != '\0' && y < RACE_POOL; y++)
			assert_true(seen[y][0] == '\0' || strcmp(seen[x], seen[y]) != 0);
	assert_int_equal(sqlite3_prepare_v2(app.db,
	                                    "SELECT count(*), min(seq), max(seq), count(DISTINCT "
	                                    "token) FROM pii_tokens WHERE session_id = ?",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(q, 1, s4.id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), n);
	assert_int_equal(sqlite3_column_int(q, 1), 1);
	assert_int_equal(sqlite3_column_int(q, 2), n);
	assert_int_equal(sqlite3_column_int(q, 3), n);
	sqlite3_finalize(q);
	assert_true(n > RACE_POOL / 2);
}

/* A database made before migration 005 keeps its tokens: they are
 * numbered and still resolve. */
static void
test_migration_keeps_rows(void **state)
{
	struct nxm_app old = {.now = fake_now};
	const char *path = test_write_file("pii-004.db", "", 0600);
	char tok[128], text[256], err[512];
	struct nxm_pii_store *st;
	sqlite3_stmt *q;
	size_t upto4 = 0;
	int applied;
	json_t *v;

	while (upto4 < nxm_migrations_count && nxm_migrations[upto4].version <= 4)
		upto4++;
	unlink(path);
	assert_int_equal(nxm_db_open(path, NXM_DB_CREATE, &old.db, err, sizeof(err)), 0);
	assert_int_equal(nxm_db_migrate(old.db, nxm_migrations, upto4, &applied, err, sizeof(err)),
	                 0);
	assert_int_equal(
	        sqlite3_exec(
	                old.db,
	                "INSERT INTO clients (client_id, auth_method, metadata, created_at, "
	                "expires_at) VALUES ('c', 'none', '{}', 0, 4000000000);"
	                "INSERT INTO sessions (session_id, key_id, client_id, resource, scope, "
	                "allow_pii, account_hash, upstream_token, created_at, expires_at) VALUES "
	                "('0123456789abcdef0123456789abcdef', 'k', 'c', 'r', 'nexudus:read', 0, "
	                "x'00', x'00', 1800000000, 1800028800)",
	                NULL, NULL, NULL),
	        SQLITE_OK);
	/* The 004 table, filled by hand as the old store did: the sealed value
	 * is what this store seals, so the token is issued here on the current
	 * schema of another file and its row copied over. */
	tokenize(&s1, NXM_PII_SOCIAL, "@inigo_z", tok, sizeof(tok));
	{
		char key[128];
		sqlite3_stmt *src;
		key_of(tok, key, sizeof(key));
		assert_int_equal(
		        sqlite3_prepare_v2(app.db,
		                           "SELECT value_mac, sealed_value FROM pii_tokens "
		                           "WHERE session_id = ? AND token = ?",
		                           -1, &src, NULL),
		        SQLITE_OK);
		sqlite3_bind_text(src, 1, s1.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(src, 2, key, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(src), SQLITE_ROW);
		assert_int_equal(
		        sqlite3_prepare_v2(old.db,
		                           "INSERT INTO pii_tokens (session_id, token, "
		                           "value_mac, sealed_value, created_at, expires_at) "
		                           "VALUES (?, ?, ?, ?, 1800000000, 1800028800)",
		                           -1, &q, NULL),
		        SQLITE_OK);
		sqlite3_bind_text(q, 1, s1.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 3, sqlite3_column_blob(src, 0), sqlite3_column_bytes(src, 0),
		                  SQLITE_TRANSIENT);
		sqlite3_bind_blob(q, 4, sqlite3_column_blob(src, 1), sqlite3_column_bytes(src, 1),
		                  SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(q), SQLITE_DONE);
		sqlite3_finalize(q);
		sqlite3_finalize(src);
	}
	assert_int_equal(nxm_db_migrate(old.db, nxm_migrations, nxm_migrations_count, &applied, err,
	                                sizeof(err)),
	                 0);
	assert_true(applied >= 1);
	assert_int_equal(sqlite3_prepare_v2(old.db, "SELECT seq FROM pii_tokens", -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	nxm_pii_store_forget();
	st = nxm_pii_store_open(&old, &s1);
	assert_non_null(st);
	snprintf(text, sizeof(text), "{\"q\":\"%s\"}", tok);
	v = json_loads(text, 0, NULL);
	assert_int_equal(resolve_json(st, v, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(v, "q")), "@inigo_z");
	json_decref(v);
	/* ...and the numbering goes on from there. */
	assert_int_equal(nxm_pii_store_tokenize(st, NXM_PII_SOCIAL, "@other", 6, tok, sizeof(tok)),
	                 0);
	assert_int_equal(nxm_pii_store_close(st, true), 0);
	assert_int_equal(sqlite3_prepare_v2(old.db, "SELECT max(seq), count(*) FROM pii_tokens", -1,
	                                    &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 2);
	assert_int_equal(sqlite3_column_int(q, 1), 2);
	sqlite3_finalize(q);
	nxm_db_close(old.db);
	nxm_pii_store_forget();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_value_same_token),
	        cmocka_unit_test(test_resolve),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_collision_lengthens),
	        cmocka_unit_test(test_other_process),
	        cmocka_unit_test(test_resolved_while_recording),
	        cmocka_unit_test(test_over_budget),
	        cmocka_unit_test(test_cap),
	        cmocka_unit_test(test_revoked),
	        cmocka_unit_test(test_processes_race),
	        cmocka_unit_test(test_migration_keeps_rows),
	        cmocka_unit_test(test_table_reveals_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
