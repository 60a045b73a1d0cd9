/* Fault injection and Nexudus's throttling, switchable per test through the
 * loopback-only /_sim/ endpoints. Faults live in the database so every
 * forked connection handler sees them. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "sim/sim.h"

static const char *const fault_kinds[] = {"throttle409", "throttle429",         "slow", "error500",
                                          "malformed",   "delete_unsuccessful", "drop"};

/* Documented limits: writes 60/minute, all requests 120/minute and
 * 5,000/hour, and no two requests within 100 ms. */
#define LIMIT_MIN_INTERVAL_MS 100
#define LIMIT_PER_MINUTE      120
#define LIMIT_WRITES_MINUTE   60
#define LIMIT_PER_HOUR        5000

struct fault {
	int64_t id;
	char kind[32];
	long long seconds;
	long long delay_ms;
};

/* Takes one use of the first matching fault; true when one applied. */
static bool
take(struct sim *s, const char *path, bool want_delete_fault, struct fault *f)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (nxm_db_prepare(s->db,
	                   "UPDATE faults SET remaining = remaining - 1 WHERE id = ("
	                   " SELECT id FROM faults WHERE remaining != 0 AND ? LIKE path || '%' AND"
	                   " ((kind = 'delete_unsuccessful') = ?) ORDER BY id LIMIT 1)"
	                   " RETURNING id, kind, seconds, delay_ms",
	                   &st) == -1)
		return false;
	if (sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int(st, 2, want_delete_fault) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		f->id = sqlite3_column_int64(st, 0);
		snprintf(f->kind, sizeof(f->kind), "%s", sqlite3_column_text(st, 1));
		f->seconds = sqlite3_column_int64(st, 2);
		f->delay_ms = sqlite3_column_int64(st, 3);
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

bool
sim_faults_take(struct sim *s, const char *kind)
{
	struct fault f;

	return strcmp(kind, "delete_unsuccessful") == 0 && take(s, "/api/", true, &f);
}

static void
throttle(struct nxm_response *resp, int status, long long seconds)
{
	char secs[32], text[96];

	snprintf(secs, sizeof(secs), "%lld", seconds);
	if (status == 409) {
		sim_reply_message(resp, 409, "You must wait before accessing this url again.");
		nxm_response_set_header(resp, "Retry-After", secs);
		return;
	}
	snprintf(text, sizeof(text), "Wait %lld seconds", seconds);
	nxm_response_text(resp, 429, "text/plain; charset=utf-8", text);
}

static long long
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static long long
count_since(struct sim *s, const unsigned char *who, long long since, bool writes_only)
{
	sqlite3_stmt *st = NULL;
	long long n = 0;

	if (nxm_db_prepare(
	            s->db,
	            "SELECT count(*) FROM request_log WHERE token_hash = ? AND at_ms > ? AND "
	            "(is_write OR NOT ?)",
	            &st) == -1)
		return 0;
	if (sqlite3_bind_blob(st, 1, who, 32, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, since) == SQLITE_OK &&
	    sqlite3_bind_int(st, 3, writes_only) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The documented rate limits, per caller (its Authorization header). */
static bool
rate_limited(struct sim *s, const struct nxm_request *req, struct nxm_response *resp)
{
	char setting[16] = "off";
	const char *auth = nxm_request_header(req, "authorization");
	unsigned char who[32];
	long long t = now_ms();
	bool write = strcmp(req->method, "GET") != 0;
	long long interval = LIMIT_MIN_INTERVAL_MS;
	sqlite3_stmt *st = NULL;

	if (sim_setting_get(s, "rate_limits", setting, sizeof(setting)) == -1 ||
	    strcmp(setting, "on") != 0)
		return false;
	if (nxm_sha256(auth ? auth : "", auth ? strlen(auth) : 0, who) == -1)
		return false;
	/* The interval is a setting so that tests need not race the clock. */
	if (sim_setting_get(s, "min_interval_ms", setting, sizeof(setting)) == 0) {
		const char *errstr;
		interval = nxm_strtonum(setting, 0, 3600000, &errstr);
		if (errstr != NULL)
			interval = LIMIT_MIN_INTERVAL_MS;
	}
	if (count_since(s, who, t - interval, false) > 0) {
		throttle(resp, 429, 1);
		return true;
	}
	if (count_since(s, who, t - 60000, false) >= LIMIT_PER_MINUTE ||
	    (write && count_since(s, who, t - 60000, true) >= LIMIT_WRITES_MINUTE)) {
		throttle(resp, 409, 60);
		return true;
	}
	if (count_since(s, who, t - 3600000, false) >= LIMIT_PER_HOUR) {
		throttle(resp, 409, 3600);
		return true;
	}
	if (nxm_db_prepare(s->db,
	                   "INSERT INTO request_log (at_ms, token_hash, is_write) VALUES (?, ?, ?)",
	                   &st) == 0) {
		if (sqlite3_bind_int64(st, 1, t) != SQLITE_OK ||
		    sqlite3_bind_blob(st, 2, who, 32, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int(st, 3, write) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
			nxm_log_warn("cannot record the request: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
	}
	return false;
}

bool
sim_faults_apply(struct sim *s, const struct nxm_request *req, struct nxm_response *resp,
                 bool *drop, unsigned *delay_ms)
{
	struct fault f;

	*drop = false;
	*delay_ms = 0;
	if (rate_limited(s, req, resp))
		return true;
	if (!take(s, req->path, false, &f))
		return false;
	if (strcmp(f.kind, "throttle409") == 0) {
		throttle(resp, 409, f.seconds);
	} else if (strcmp(f.kind, "throttle429") == 0) {
		throttle(resp, 429, f.seconds);
	} else if (strcmp(f.kind, "slow") == 0) {
		*delay_ms = (unsigned)f.delay_ms;
		return false;
	} else if (strcmp(f.kind, "error500") == 0) {
		sim_reply_message(
		        resp, 500,
		        "Ooops! There was a problem while running this action. Our team has "
		        "been notified.");
	} else if (strcmp(f.kind, "malformed") == 0) {
		nxm_response_text(resp, 200, "application/json; charset=utf-8",
		                  "{\"Records\": [{\"Id\": 1, \"Name\": \"trunc");
	} else if (strcmp(f.kind, "drop") == 0) {
		*drop = true;
	}
	return true;
}

/* ---------------------------------------------------------------- /_sim/ */

static bool
known_kind(const char *k)
{
	for (size_t i = 0; k != NULL && i < NXM_ARRAY_LEN(fault_kinds); i++)
		if (strcmp(fault_kinds[i], k) == 0)
			return true;
	return false;
}

static void
add_fault(struct sim *s, json_t *body, struct nxm_response *resp)
{
	const char *kind = json_string_value(json_object_get(body, "kind"));
	json_t *count = json_object_get(body, "count"), *secs = json_object_get(body, "seconds");
	json_t *delay = json_object_get(body, "delay_ms");
	const char *path = json_string_value(json_object_get(body, "path"));
	sqlite3_stmt *st = NULL;

	if (!known_kind(kind)) {
		nxm_response_error(
		        resp, 400, "unknown_fault",
		        "kind must be throttle409, throttle429, slow, error500, malformed, "
		        "delete_unsuccessful or drop");
		return;
	}
	if (nxm_db_prepare(s->db,
	                   "INSERT INTO faults (kind, remaining, seconds, delay_ms, path) VALUES "
	                   "(?, ?, ?, ?, ?)",
	                   &st) == -1 ||
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, json_is_integer(count) ? json_integer_value(count) : 1) !=
	            SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, json_is_integer(secs) ? json_integer_value(secs) : 1) !=
	            SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, json_is_integer(delay) ? json_integer_value(delay) : 2000) !=
	            SQLITE_OK ||
	    sqlite3_bind_text(st, 5, path ? path : "/api/", -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		nxm_response_error(resp, 500, "server_error", sqlite3_errmsg(s->db));
	else
		nxm_response_json(resp, 200, json_pack("{s:b}", "ok", 1));
	sqlite3_finalize(st);
}

static void
expire_tokens(struct sim *s, const char *email, struct nxm_response *resp)
{
	sqlite3_stmt *st = NULL;

	if (email == NULL ||
	    nxm_db_prepare(s->db,
	                   "UPDATE tokens SET expires_at = ? WHERE account_id IN (SELECT id FROM "
	                   "accounts WHERE email = ?)",
	                   &st) == -1 ||
	    sqlite3_bind_int64(st, 1, s->now() - 1) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		nxm_response_error(resp, 400, "bad_request", "email required");
	else
		nxm_response_json(resp, 200, json_pack("{s:i}", "expired", sqlite3_changes(s->db)));
	sqlite3_finalize(st);
}

/* Writes fields into a record as they are, bypassing the API's validation
 * and stamping: data that reached Nexudus some other way (tests that plant
 * canaries in every field). The record is the entity's with the given id,
 * else its first. */
static void
write_record(struct sim *s, json_t *body, struct nxm_response *resp)
{
	const struct nxm_entity *e =
	        nxm_catalog_find(json_string_value(json_object_get(body, "entity")));
	json_t *fields = json_object_get(body, "fields"), *id = json_object_get(body, "id");
	json_t *all = NULL, *rec = NULL;
	int64_t rid;

	if (e == NULL || e->module == NULL || !json_is_object(fields) ||
	    (id != NULL && !json_is_integer(id))) {
		nxm_response_error(resp, 400, "bad_request",
		                   "entity (with a module), fields (an object) and an optional id");
		return;
	}
	if (id == NULL && ((all = sim_record_all(s, e)) == NULL || json_array_size(all) == 0)) {
		nxm_response_error(resp, 404, "not_found", "the entity has no record");
		goto out;
	}
	rid = id != NULL ? json_integer_value(id)
	                 : json_integer_value(json_object_get(json_array_get(all, 0), "Id"));
	if ((rec = sim_record_get(s, e, rid)) == NULL) {
		nxm_response_error(resp, 404, "not_found", "no such record");
		goto out;
	}
	if (json_object_update(rec, fields) == -1 || sim_record_put(s, e, rid, rec) == -1)
		nxm_response_error(resp, 500, "server_error", "cannot store the record");
	else
		nxm_response_json(resp, 200, json_pack("{s:s, s:I}", "entity", e->name, "id",
		                                       (json_int_t)rid));
out:
	json_decref(all);
	json_decref(rec);
}

static bool
from_loopback(const struct nxm_request *req)
{
	return strncmp(req->remote_addr, "127.", 4) == 0 || strcmp(req->remote_addr, "::1") == 0;
}

void
sim_faults_admin(struct sim *s, const struct nxm_request *req, struct nxm_response *resp)
{
	json_t *body = NULL;
	char err[256], code[7];
	const char *p = req->path + strlen("/_sim/");

	if (!from_loopback(req)) {
		nxm_response_error(resp, 403, "forbidden",
		                   "the simulator's controls are loopback only");
		return;
	}
	if (strcmp(req->method, "POST") == 0 &&
	    (body = json_loadb((const char *)req->body, req->body_len, 0, NULL)) == NULL) {
		nxm_response_error(resp, 400, "bad_request", "JSON body expected");
		return;
	}
	if (strcmp(p, "faults") == 0 && strcmp(req->method, "POST") == 0) {
		add_fault(s, body, resp);
	} else if (strcmp(p, "faults") == 0 && strcmp(req->method, "DELETE") == 0) {
		if (sqlite3_exec(s->db, "DELETE FROM faults; DELETE FROM request_log", NULL, NULL,
		                 NULL) == SQLITE_OK)
			nxm_response_json(resp, 200, json_pack("{s:b}", "ok", 1));
		else
			nxm_response_error(resp, 500, "server_error", sqlite3_errmsg(s->db));
	} else if (strcmp(p, "settings") == 0 && strcmp(req->method, "POST") == 0) {
		const char *key;
		json_t *v;
		/* All keys are checked before any is applied: no half-applied change. */
		json_object_foreach(body, key, v)
		{
			if ((strcmp(key, "dir_convention") != 0 &&
			     strcmp(key, "rate_limits") != 0 &&
			     strcmp(key, "min_interval_ms") != 0) ||
			    !json_is_string(v)) {
				nxm_response_error(
				        resp, 400, "bad_setting",
				        "settings: dir_convention (signed|binary), rate_limits "
				        "(on|off), min_interval_ms (default 100), as strings");
				goto out;
			}
		}
		json_object_foreach(body, key, v)
		{
			if (sim_setting_set(s, key, json_string_value(v)) == -1) {
				nxm_response_error(resp, 500, "server_error",
				                   "cannot store the setting");
				goto out;
			}
		}
		nxm_response_json(resp, 200, json_pack("{s:b}", "ok", 1));
	} else if (strcmp(p, "password") == 0 && strcmp(req->method, "POST") == 0) {
		const char *email = json_string_value(json_object_get(body, "email"));
		const char *pw = json_string_value(json_object_get(body, "password"));
		if (email == NULL || pw == NULL ||
		    sim_auth_set_password(s, email, pw, err, sizeof(err)) == -1)
			nxm_response_error(resp, 400, "bad_request",
			                   "email and password of an account");
		else
			nxm_response_json(resp, 200, json_pack("{s:b}", "ok", 1));
	} else if (strcmp(p, "records") == 0 && strcmp(req->method, "POST") == 0) {
		write_record(s, body, resp);
	} else if (strcmp(p, "expire") == 0 && strcmp(req->method, "POST") == 0) {
		expire_tokens(s, json_string_value(json_object_get(body, "email")), resp);
	} else if (strncmp(p, "totp/", 5) == 0 && strcmp(req->method, "GET") == 0) {
		if (sim_auth_totp_now(s, p + 5, code) == -1)
			nxm_response_error(resp, 404, "not_found",
			                   "no two-factor account with that e-mail");
		else
			nxm_response_json(resp, 200, json_pack("{s:s}", "code", code));
	} else {
		nxm_response_error(resp, 404, "not_found", "unknown simulator control");
	}
out:
	json_decref(body);
}
