/* Benchmark of the redactor (not a test: timings depend on the machine).
 *
 * Builds a page of 100 coworkers as the simulator serves it (its seed, its
 * list view, the Nexudus envelope), then times, round after round so that
 * a busy machine slows every case alike:
 *   - a plain deep copy of the page: the baseline;
 *   - redaction of a copy with a constant token (the walk alone), and with
 *     each token's HMAC (no database);
 *   - redaction as the mcp program does it, through the session's reverse
 *     map on a sqlite file: a page seen for the first time in a new session
 *     (every token new), until the answer is ready, then the recording the
 *     program does while sending it; and the same page seen again.
 * It prints each case's median and the median of its per-round ratio to
 * the baseline. Run by `make bench`; "bench_redact map" runs only the map
 * cases, for a profiler. */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"
#include "core/db.h"
#include "core/util.h"
#include "pii/egress.h"
#include "pii/redact.h"
#include "pii/store.h"
#include "pii/token.h"
#include "sim/sim.h"

#define PAGE   100
#define ROUNDS 400

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

/* The answer the mcp program sends for a result: structuredContent and
 * its JSON text mirror, written as nxm_response_json writes it. */
static int
answer_body(json_t *result, struct nxm_buf *body)
{
	char *mirror = json_dumps(result, JSON_COMPACT), *text = NULL;
	json_t *r;
	int rc = -1;

	r = json_pack("{s:s, s:i, s:{s:[{s:s, s:s}], s:O, s:b}}", "jsonrpc", "2.0", "id", 1,
	              "result", "content", "type", "text", "text", mirror ? mirror : "",
	              "structuredContent", result, "isError", 0);
	if (r != NULL && (text = json_dumps(r, JSON_COMPACT | JSON_ENSURE_ASCII)) != NULL &&
	    nxm_buf_puts(body, text) == 0)
		rc = 0;
	free(text);
	free(mirror);
	json_decref(r);
	return rc;
}

/* One request's redaction of a copy of page, as the mcp program does it:
 * open the store, redact, write the answer and pass it through the egress
 * filter (it is then ready to send), close (which the program runs while
 * sending: it records the new tokens). The times in *answer (redaction),
 * *egress and *record (µs), the tokens recorded in *recorded, the answer's
 * size in *answer_bytes. */
static int
redact_through_map(json_t *page, const struct nxm_session *s, double *answer, double *egress,
                   double *record, size_t *recorded, size_t *answer_bytes)
{
	const struct nxm_pii_egress_session es = {.id = s->id, .key = s->pii_key};
	struct nxm_pii_seen *seen = nxm_pii_seen_new();
	struct nxm_pii_redactor r;
	struct nxm_pii_store *st = NULL;
	struct nxm_buf body = {0};
	json_t *c = json_deep_copy(page);
	double t0 = now_us(), t1, t2;
	int rc = -1;

	if (c == NULL || seen == NULL || (st = nxm_pii_store_open(&app, s)) == NULL)
		goto out;
	nxm_pii_store_set_seen(st, seen);
	nxm_pii_redactor_init(&r, nxm_pii_store_tokenize, st);
	rc = nxm_pii_redact_json(nxm_catalog_find("coworkers"), c, &r);
	nxm_pii_redactor_clear(&r);
	t1 = now_us();
	if (rc == -1 || answer_body(c, &body) == -1)
		goto out;
	t2 = now_us();
	rc = nxm_pii_egress_filter(&app, &es, seen, &body);
	*egress = now_us() - t2;
	*answer_bytes = body.len;
	*recorded = nxm_pii_store_pending(st);
	nxm_pii_store_set_seen(st, NULL);
	t2 = now_us();
	if (nxm_pii_store_close(st, true) == -1)
		rc = -1;
	st = NULL;
	*answer = t1 - t0;
	*record = now_us() - t2;
out:
	nxm_pii_store_close(st, false);
	nxm_pii_seen_free(seen);
	nxm_buf_free(&body);
	json_decref(c);
	return rc;
}

/* Redaction of a copy of page with fn, by a fresh redactor as for a
 * request: its time (µs), -1 on failure. */
static double
redact_copy(json_t *page, nxm_pii_tokenize_fn fn, void *arg, size_t *values, size_t *spans)
{
	struct nxm_pii_redactor r;
	json_t *c = json_deep_copy(page);
	double t0 = now_us(), t;
	int rc;

	nxm_pii_redactor_init(&r, fn, arg);
	rc = c != NULL ? nxm_pii_redact_json(nxm_catalog_find("coworkers"), c, &r) : -1;
	*values = r.values;
	*spans = r.spans;
	nxm_pii_redactor_clear(&r);
	t = now_us() - t0;
	json_decref(c);
	return rc == -1 ? -1 : t;
}

enum bench_case {
	COPY,
	WALK,
	HMAC,
	FIRST,
	FIRST_EGRESS,
	FIRST_READY,
	RECORD,
	AGAIN,
	AGAIN_EGRESS,
	AGAIN_READY,
	NCASES
};

static const char *const case_name[NCASES] = {
        [COPY] = "deep copy of the page (baseline)",
        [WALK] = "redaction, constant token (the walk alone)",
        [HMAC] = "redaction, HMAC tokens, no map",
        [FIRST] = "first sight: redaction through the map",
        [FIRST_EGRESS] = "first sight: egress filter of the answer",
        [FIRST_READY] = "first sight: both, until the answer is ready",
        [RECORD] = "  then, while the answer is sent, recording the new tokens",
        [AGAIN] = "seen again: redaction through the map",
        [AGAIN_EGRESS] = "seen again: egress filter of the answer",
        [AGAIN_READY] = "seen again: both, until the answer is ready",
};

static double us[NCASES][ROUNDS], ratio[NCASES][ROUNDS];

/* One round of every case (only the map's when map_only). */
static int
one_round(json_t *page, struct nxm_pii_hasher *h, unsigned i, bool map_only, size_t *values,
          size_t *spans, size_t *recorded, size_t *answer_bytes)
{
	struct nxm_session s;
	double t0 = now_us();
	json_t *c = json_deep_copy(page);
	size_t again_recorded;
	double unused;

	us[COPY][i] = now_us() - t0;
	json_decref(c);
	if (c == NULL || new_session(&s, i + 1) == -1)
		return -1;
	if (!map_only &&
	    ((us[WALK][i] = redact_copy(page, tokenize_fixed, NULL, values, spans)) < 0 ||
	     (us[HMAC][i] = redact_copy(page, tokenize, h, values, spans)) < 0))
		return -1;
	if (redact_through_map(page, &s, &us[FIRST][i], &us[FIRST_EGRESS][i], &us[RECORD][i],
	                       recorded, answer_bytes) == -1 ||
	    redact_through_map(page, &s, &us[AGAIN][i], &us[AGAIN_EGRESS][i], &unused,
	                       &again_recorded, answer_bytes) == -1 ||
	    again_recorded != 0) {
		fprintf(stderr, "bench_redact: redaction through the map failed\n");
		return -1;
	}
	us[FIRST_READY][i] = us[FIRST][i] + us[FIRST_EGRESS][i];
	us[AGAIN_READY][i] = us[AGAIN][i] + us[AGAIN_EGRESS][i];
	for (int k = 0; k < NCASES; k++)
		ratio[k][i] = us[k][i] / us[COPY][i];
	return 0;
}

int
main(int argc, char **argv)
{
	bool map_only = argc > 1 && strcmp(argv[1], "map") == 0;
	unsigned char salt[NXM_PII_SALT_LEN];
	struct nxm_pii_hasher *h = NULL;
	json_t *page = coworker_page();
	size_t bytes = 0, values = 0, spans = 0, recorded = 0, answer_bytes = 0;
	char dir[] = "/tmp/nxm-bench-XXXXXX", path[300];
	char *dump;
	int rc = 1;

	memset(salt, 7, sizeof(salt));
	if (page == NULL || (h = nxm_pii_hasher_new(salt)) == NULL || open_map(dir) == -1)
		goto out;
	if ((dump = json_dumps(page, JSON_COMPACT)) != NULL)
		bytes = strlen(dump);
	free(dump);
	for (unsigned i = 0; i < ROUNDS; i++)
		if (one_round(page, h, i, map_only, &values, &spans, &recorded, &answer_bytes) == -1)
			goto out;
	printf("page: %d coworkers as the simulator lists them, %zu bytes of JSON; %zu field "
	       "values and %zu free-text spans tokenised, %zu distinct tokens recorded; the "
	       "redacted answer (structuredContent and its text mirror) %zu bytes\n",
	       PAGE, bytes, values, spans, recorded, answer_bytes);
	printf("%-60s %10s %12s\n", "median of 400 rounds", "us", "x baseline");
	for (int k = 0; k < NCASES; k++) {
		if (map_only && (k == WALK || k == HMAC))
			continue;
		printf("%-60s %10.1f %12.2f\n", case_name[k], median(us[k], ROUNDS),
		       median(ratio[k], ROUNDS));
	}
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
