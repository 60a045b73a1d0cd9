/* Benchmark of the redactor (not a test: timings depend on the machine).
 *
 * Builds a page of 100 coworkers as the simulator serves it (its seed, its
 * list view, the Nexudus envelope), then times, over many rounds, a plain
 * deep copy of the page and the redaction of such a copy with a tokenize
 * callback that computes each token's HMAC (no database), then as the mcp
 * program redacts: through the session's reverse map on a sqlite file, for
 * a page seen for the first time (every token recorded) and seen again
 * (every token looked up), and prints the medians. Run by `make bench`. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"
#include "core/db.h"
#include "core/util.h"
#include "pii/redact.h"
#include "pii/store.h"
#include "pii/token.h"
#include "sim/sim.h"

#define PAGE         100
#define ROUNDS       2000
#define STORE_ROUNDS 200

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
tokenize(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out, size_t outsz)
{
	return nxm_pii_hasher_token(arg, cat, value, len, NXM_PII_TOKEN_DIGITS, out, outsz);
}

/* The walk alone: every value gets the same token, without hashing. */
static int
tokenize_fixed(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out, size_t outsz)
{
	(void)arg;
	(void)value;
	(void)len;
	return nxm_pii_token_format(cat, "0123abcd", 8, out, outsz);
}

static time_t
fixed_now(void)
{
	return 1795651200; /* 2026-11-26 */
}

static json_t *
coworker_page(void)
{
	const struct nxm_entity *e = nxm_catalog_find("coworkers");
	char dir[] = "/tmp/nxm-bench-XXXXXX", path[64], err[256];
	struct sim s = {.now = fixed_now};
	json_t *all = NULL, *recs = NULL, *page = NULL;

	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/sim.db", dir);
	if (sim_store_open(&s, path, err, sizeof(err)) == -1 ||
	    sim_seed(&s, SIM_DEFAULT_SEED, fixed_now(), err, sizeof(err)) == -1 ||
	    (all = sim_record_all(&s, e)) == NULL || json_array_size(all) < PAGE ||
	    (recs = json_array()) == NULL) {
		fprintf(stderr, "bench_redact: cannot build the page: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < PAGE; i++)
		if (json_array_append_new(recs, sim_api_list_view(e, json_array_get(all, i))) == -1)
			goto out;
	page = json_pack("{s:O, s:i, s:i, s:s, s:i, s:i, s:i, s:i, s:i, s:b, s:b}", "Records", recs,
	                 "CurrentPage", 1, "CurrentPageSize", PAGE, "CurrentOrderField", "Id",
	                 "CurrentSortDirection", 1, "FirstItem", 1, "LastItem", PAGE, "TotalItems",
	                 (int)json_array_size(all), "TotalPages", 3, "HasNextPage", 1,
	                 "HasPreviousPage", 0);
out:
	json_decref(all);
	json_decref(recs);
	if (s.db != NULL)
		sim_store_close(&s);
	unlink(path);
	rmdir(dir);
	return page;
}

/* Times ROUNDS deep copies of page and the redaction of each copy with
 * the given callback, by a fresh redactor each time as for a request; the
 * medians in *copy and *redact (µs). */
static int
run(json_t *page, nxm_pii_tokenize_fn fn, void *arg, double *copy, double *redact, size_t *values,
    size_t *spans)
{
	static double copy_us[ROUNDS], redact_us[ROUNDS];
	const struct nxm_entity *e = nxm_catalog_find("coworkers");
	struct nxm_pii_redactor r;

	for (size_t i = 0; i < ROUNDS; i++) {
		double t0 = now_us(), t1, t2;
		json_t *c = json_deep_copy(page);
		int rc;
		t1 = now_us();
		nxm_pii_redactor_init(&r, fn, arg);
		rc = c != NULL ? nxm_pii_redact_json(e, c, &r) : -1;
		*values = r.values;
		*spans = r.spans;
		nxm_pii_redactor_clear(&r);
		t2 = now_us();
		json_decref(c);
		if (rc == -1) {
			fprintf(stderr, "bench_redact: redaction failed\n");
			return -1;
		}
		copy_us[i] = t1 - t0;
		redact_us[i] = t2 - t1;
	}
	*copy = median(copy_us, ROUNDS);
	*redact = median(redact_us, ROUNDS);
	return 0;
}

/* ---------------------------------------------------------------- the map */

static struct nxm_app app;

static time_t
wall_now(void)
{
	return time(NULL);
}

static int
open_map(char *dir)
{
	char path[256], err[256];
	int applied;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/nexmcp.db", dir);
	app.now = wall_now;
	if (nxm_db_open(path, NXM_DB_CREATE, &app.db, err, sizeof(err)) == -1 ||
	    nxm_db_migrate(app.db, nxm_migrations, nxm_migrations_count, &applied, err,
	                   sizeof(err)) == -1 ||
	    sqlite3_exec(app.db,
	                 "INSERT INTO clients (client_id, auth_method, metadata, created_at, "
	                 "expires_at) VALUES ('c', 'none', '{}', 0, 4000000000)",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_redact: %s\n", err);
		return -1;
	}
	return 0;
}

/* A new signed-in session, as the login program would make it. */
static int
new_session(struct nxm_session *s, unsigned n)
{
	char sql[512];

	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%032x", n);
	memset(s->pii_salt, (int)n, sizeof(s->pii_salt));
	memset(s->pii_key, (int)(n * 3), sizeof(s->pii_key));
	s->expires_at = time(NULL) + 8 * 3600;
	snprintf(sql, sizeof(sql),
	         "INSERT INTO sessions (session_id, key_id, client_id, resource, scope, allow_pii, "
	         "account_hash, upstream_token, created_at, expires_at) VALUES ('%s', 'k', 'c', "
	         "'r', 'nexudus:read', 0, x'00', x'00', 0, %lld)",
	         s->id, (long long)s->expires_at);
	return sqlite3_exec(app.db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* One request's redaction through the map: open, redact, commit. */
static double
redact_through_map(json_t *page, const struct nxm_session *s)
{
	struct nxm_pii_redactor r;
	struct nxm_pii_store *st;
	json_t *c = json_deep_copy(page);
	double t0 = now_us(), t;
	int rc = -1;

	if (c == NULL || (st = nxm_pii_store_open(&app, s)) == NULL)
		goto out;
	nxm_pii_redactor_init(&r, nxm_pii_store_tokenize, st);
	rc = nxm_pii_redact_json(nxm_catalog_find("coworkers"), c, &r);
	nxm_pii_redactor_clear(&r);
	if (nxm_pii_store_close(st, true) == -1)
		rc = -1;
out:
	t = now_us() - t0;
	json_decref(c);
	return rc == -1 ? -1 : t;
}

/* Medians (µs) of a page seen for the first time in a session and seen
 * again, through the map. */
static int
run_map(json_t *page, double *first, double *again)
{
	static double first_us[STORE_ROUNDS], again_us[STORE_ROUNDS];
	struct nxm_session s;

	for (unsigned i = 0; i < STORE_ROUNDS; i++) {
		if (new_session(&s, i + 1) == -1 ||
		    (first_us[i] = redact_through_map(page, &s)) < 0 ||
		    (again_us[i] = redact_through_map(page, &s)) < 0) {
			fprintf(stderr, "bench_redact: redaction through the map failed\n");
			return -1;
		}
	}
	*first = median(first_us, STORE_ROUNDS);
	*again = median(again_us, STORE_ROUNDS);
	return 0;
}

int
main(void)
{
	unsigned char salt[NXM_PII_SALT_LEN];
	struct nxm_pii_hasher *h = NULL;
	json_t *page = coworker_page();
	size_t bytes = 0, values = 0, spans = 0;
	double copy, hmac, fixed, hash_us, first, again;
	char dir[] = "/tmp/nxm-bench-XXXXXX", path[300];
	char *dump;
	int rc = 1;

	memset(salt, 7, sizeof(salt));
	if (page == NULL || (h = nxm_pii_hasher_new(salt)) == NULL)
		goto out;
	if ((dump = json_dumps(page, JSON_COMPACT)) != NULL)
		bytes = strlen(dump);
	free(dump);
	if (run(page, tokenize_fixed, NULL, &copy, &fixed, &values, &spans) == -1 ||
	    run(page, tokenize, h, &copy, &hmac, &values, &spans) == -1)
		goto out;
	if (open_map(dir) == -1 || run_map(page, &first, &again) == -1)
		goto out;
	/* The MAC alone, on a typical value. */
	{
		char tok[NXM_PII_TOKEN_MAX];
		double t0 = now_us();
		for (int i = 0; i < 100000; i++)
			if (nxm_pii_hasher_token(h, NXM_PII_EMAIL, "ana.lopez+cowork@example.com",
			                         28, NXM_PII_TOKEN_DIGITS, tok, sizeof(tok)) == -1)
				goto out;
		hash_us = (now_us() - t0) / 100000;
	}
	printf("page: %d coworkers as the simulator lists them, %zu bytes of JSON; per page "
	       "%zu field values and %zu free-text spans tokenised\n",
	       PAGE, bytes, values, spans);
	printf("deep copy of the page (baseline):     median %7.1f us\n", copy);
	printf("redaction, HMAC tokens:               median %7.1f us (%.1f us a record), "
	       "%.2fx the copy\n",
	       hmac, hmac / PAGE, hmac / copy);
	printf("redaction, constant token (walk only): median %6.1f us, %.2fx the copy\n", fixed,
	       fixed / copy);
	printf("one token (HMAC-SHA-256, reused key):  %.3f us\n", hash_us);
	printf("through the session's map (sqlite file), page seen again: median %7.1f us, "
	       "%.2fx the copy\n",
	       again, again / copy);
	printf("through the session's map, page seen for the first time:  median %7.1f us, "
	       "%.2fx the copy (%d sessions)\n",
	       first, first / copy, STORE_ROUNDS);
	rc = 0;
out:
	if (app.db != NULL) {
		nxm_db_close(app.db);
		snprintf(path, sizeof(path), "%s/nexmcp.db", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/nexmcp.db-wal", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/nexmcp.db-shm", dir);
		unlink(path);
		rmdir(dir);
	}
	nxm_pii_hasher_free(h);
	json_decref(page);
	return rc;
}
