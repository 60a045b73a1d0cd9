/* The session's reverse map of personal-data tokens on a real sqlite file:
 * same value same token, other sessions other tokens, tokens resolved in
 * arguments (whole or inside text), unknown, foreign and expired tokens
 * refused, collisions lengthened, and nothing readable in the table. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/db.h"
#include "pii/store.h"

static struct nxm_app app;
static struct nxm_session s1, s2;
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

/* Resolves the tokens of json text in session s; returns the result (NULL
 * when refused, with the message in err). */
static json_t *
resolve(const struct nxm_session *s, const char *text, char *err, size_t errlen)
{
	struct nxm_pii_store *st = nxm_pii_store_open(&app, s);
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(st);
	assert_non_null(v);
	if (nxm_pii_store_resolve_json(st, v, err, errlen) == -1) {
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

static void
test_collision_lengthens(void **state)
{
	char first[128], again[128], text[512], err[512];
	json_t *v;

	tokenize(&s1, NXM_PII_PHONE, "07700 900123", first, sizeof(first));
	/* Make the 8-digit token stand for another value. */
	assert_int_equal(sqlite3_exec(app.db,
	                              "UPDATE pii_tokens SET value_mac = zeroblob(32) WHERE "
	                              "session_id = '0123456789abcdef0123456789abcdef' AND token "
	                              "LIKE 'PHONE:%' AND length(token) = 14",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_true(sqlite3_changes(app.db) >= 1);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_value_same_token),
	        cmocka_unit_test(test_resolve),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_collision_lengthens),
	        cmocka_unit_test(test_table_reveals_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
