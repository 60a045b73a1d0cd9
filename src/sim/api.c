/* The generic entity endpoints, driven by the catalog: list, get, get
 * several, create, update (full replace), delete, commands and runcommand,
 * each only where the catalog allows it, with Nexudus's envelopes. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/crypto.h"
#include "core/form.h"
#include "core/log.h"
#include "sim/sim.h"

static const char *const system_fields[] = {"Id",        "UniqueId",       "CreatedOn",
                                            "UpdatedOn", "UpdatedBy",      "IsNew",
                                            "SystemId",  "CreatedOnLocal", "UpdatedOnLocal"};

static const struct {
	long long id;
	const char *name;
	int offset_min;
} timezones[] = {
        {1, "GMT Standard Time", 0},
        {2, "Romance Standard Time", 60},
        {3, "Eastern Standard Time", -300},
        {4, "AUS Eastern Standard Time", 600},
};

int
sim_timezone_offset(long long zone_id)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(timezones); i++)
		if (timezones[i].id == zone_id)
			return timezones[i].offset_min;
	return 0;
}

static bool
is_system_field(const char *name)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(system_fields); i++)
		if (strcasecmp(system_fields[i], name) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- replies */

int
sim_reply_message(struct nxm_response *resp, int status, const char *message)
{
	return nxm_response_json(resp, status, json_pack("{s:s}", "Message", message));
}

int
sim_reply_mutation(struct nxm_response *resp, const char *message, json_t *value)
{
	char now[32];

	sim_time_format(time(NULL), now);
	return nxm_response_json(resp, 200,
	                         json_pack("{s:i, s:s, s:o, s:b, s:n, s:n, s:s, s:n, s:b}",
	                                   "Status", 200, "Message", message, "Value",
	                                   value ? value : json_null(), "OpenInWindow", 0,
	                                   "Redirect", "JavaScript", "UpdatedOn", now, "Errors",
	                                   "WasSuccessful", 1));
}

int
sim_reply_validation(struct nxm_response *resp, json_t *errors)
{
	json_t *first = json_array_get(errors, 0);
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", json_string_value(json_object_get(first, "Message")));
	return nxm_response_json(resp, 400,
	                         json_pack("{s:i, s:s, s:n, s:o, s:b}", "Status", 400, "Message",
	                                   msg, "Value", "Errors", errors, "WasSuccessful", 0));
}

static int
add_error(json_t *errors, const char *field, json_t *attempted, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s: %s", field, what);
	return json_array_append_new(errors,
	                             json_pack("{s:O?, s:s, s:s}", "AttemptedValue", attempted,
	                                       "Message", msg, "PropertyName", field));
}

static void
not_supported(struct nxm_response *resp, const char *method)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "The requested resource does not support http method '%s'.",
	         method);
	sim_reply_message(resp, 405, msg);
}

static void
denied(struct nxm_response *resp)
{
	sim_reply_message(resp, 401, "Authorization has been denied for this request.");
}

/* ---------------------------------------------------------------- records */

json_t *
sim_api_list_view(const struct nxm_entity *e, json_t *rec)
{
	json_t *view = json_copy(rec);

	for (size_t i = 0; view != NULL && i < e->nfields; i++)
		if (e->fields[i].flags & NXM_FF_COLLECTION)
			json_object_del(view, e->fields[i].name);
	return view;
}

static void
uuid_from(unsigned char b[16], char out[37])
{
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}

static int
local_offset(struct sim *s, json_t *rec)
{
	const struct nxm_entity *biz = nxm_catalog_find("businesses");
	json_t *b, *zone = json_object_get(rec, "SimpleTimeZoneId");
	int off = 0;

	if (json_is_integer(zone))
		return sim_timezone_offset(json_integer_value(zone));
	if (biz == NULL || !json_is_integer(json_object_get(rec, "BusinessId")))
		return 0;
	if ((b = sim_record_get(s, biz, json_integer_value(json_object_get(rec, "BusinessId")))) !=
	    NULL) {
		off = sim_timezone_offset(
		        json_integer_value(json_object_get(b, "SimpleTimeZoneId")));
		json_decref(b);
	}
	return off;
}

static void
set_local_twin(json_t *rec, const char *name, int offset_min)
{
	char twin[160], local[32];
	json_t *v = json_object_get(rec, name);
	time_t t;

	snprintf(twin, sizeof(twin), "%sLocal", name);
	if (!json_is_string(v) || nxm_time_parse_utc(json_string_value(v), &t) == -1) {
		json_object_set_new(rec, twin, json_null());
		return;
	}
	sim_time_format(t + (time_t)offset_min * 60, local);
	local[strlen(local) - 1] = '\0'; /* local times carry no 'Z' */
	json_object_set_new(rec, twin, json_string(local));
}

/* CoworkerId → CoworkerFullName, CoworkerEmail …; BusinessId → BusinessName. */
static void
copy_references(struct sim *s, const struct nxm_entity *e, json_t *rec)
{
	for (size_t i = 0; i < e->nfields; i++) {
		const char *f = e->fields[i].name;
		size_t n = strlen(f);
		char ref[128];
		const struct nxm_entity *re;
		json_t *id, *target;

		if (n <= 2 || n >= sizeof(ref) || strcmp(f + n - 2, "Id") != 0)
			continue;
		snprintf(ref, sizeof(ref), "%.*s", (int)(n - 2), f);
		id = json_object_get(rec, f);
		if (!json_is_integer(id) || (re = nxm_catalog_find(ref)) == NULL || re == e)
			continue;
		if ((target = sim_record_get(s, re, json_integer_value(id))) == NULL)
			continue;
		for (size_t j = 0; j < e->nfields; j++) {
			const char *g = e->fields[j].name;
			json_t *v;
			if (j == i || strncmp(g, ref, strlen(ref)) != 0 || g[strlen(ref)] == '\0')
				continue;
			if ((v = json_object_get(target, g + strlen(ref))) != NULL &&
			    !json_is_array(v))
				json_object_set(rec, g, v);
		}
		json_decref(target);
	}
}

int
sim_api_stamp(struct sim *s, const struct nxm_entity *e, json_t *rec, int64_t id, bool creating,
              time_t when, const char *by, struct sim_rng *rng)
{
	char now[32], uuid[37];
	unsigned char raw[16];
	int off;

	sim_time_format(when, now);
	json_object_set_new(rec, "Id", json_integer(id));
	if (creating) {
		if (rng != NULL) {
			uint64_t a = sim_rng_next(rng), b = sim_rng_next(rng);
			memcpy(raw, &a, 8);
			memcpy(raw + 8, &b, 8);
		} else if (nxm_random(raw, sizeof(raw)) == -1) {
			return -1;
		}
		uuid_from(raw, uuid);
		json_object_set_new(rec, "UniqueId", json_string(uuid));
		json_object_set_new(rec, "CreatedOn", json_string(now));
	}
	json_object_set_new(rec, "UpdatedOn", json_string(now));
	json_object_set_new(rec, "UpdatedBy", json_string(by));
	json_object_set_new(rec, "IsNew", json_false());
	if (json_object_get(rec, "SystemId") == NULL)
		json_object_set_new(rec, "SystemId", json_null());
	copy_references(s, e, rec);
	off = local_offset(s, rec);
	set_local_twin(rec, "CreatedOn", off);
	set_local_twin(rec, "UpdatedOn", off);
	for (size_t i = 0; i < e->nfields; i++)
		if (e->fields[i].type == NXM_FT_DATETIME &&
		    !(e->fields[i].flags & NXM_FF_COLLECTION))
			set_local_twin(rec, e->fields[i].name, off);
	return 0;
}

/* ---------------------------------------------------------------- validation */

static bool
valid_type(const struct nxm_field *f, json_t *v)
{
	time_t t;

	if (json_is_null(v))
		return true;
	switch (f->type) {
	case NXM_FT_STRING:
		return json_is_string(v);
	case NXM_FT_BOOL:
		return json_is_boolean(v);
	case NXM_FT_INT:
	case NXM_FT_LONG:
		return json_is_integer(v);
	case NXM_FT_DECIMAL:
		return json_is_number(v);
	case NXM_FT_DATETIME:
		return json_is_string(v) && nxm_time_parse_utc(json_string_value(v), &t) == 0;
	case NXM_FT_ENUM:
		return json_is_integer(v) || json_is_string(v);
	case NXM_FT_LIST:
		return json_is_array(v);
	case NXM_FT_UNKNOWN:
		return true;
	}
	return true;
}

static const char *
type_expectation(const struct nxm_field *f)
{
	switch (f->type) {
	case NXM_FT_STRING:
		return "must be a string";
	case NXM_FT_BOOL:
		return "must be true or false";
	case NXM_FT_INT:
	case NXM_FT_LONG:
		return "must be a whole number";
	case NXM_FT_DECIMAL:
		return "must be a number";
	case NXM_FT_DATETIME:
		return "must be a date and time such as 2026-01-31T09:00:00Z";
	case NXM_FT_LIST:
		return "must be a list";
	default:
		return "has the wrong type";
	}
}

static bool
empty_value(json_t *v)
{
	return v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0);
}

/* Checks body against the entity; fills rec with every writable field
 * (absent optional ones cleared, as a full replace does). */
static int
build_record(const struct nxm_entity *e, json_t *body, bool creating, json_t *rec, json_t *errors)
{
	for (size_t i = 0; i < e->nfields; i++) {
		const struct nxm_field *f = &e->fields[i];
		json_t *v = json_object_get(body, f->name);

		if (is_system_field(f->name))
			continue;
		if (!creating && !(f->flags & NXM_FF_IN_UPDATE) && (f->flags & NXM_FF_IN_CREATE) &&
		    v == NULL)
			continue; /* create-only fields keep their value */
		if ((f->flags & NXM_FF_REQUIRED) && empty_value(v)) {
			add_error(errors, f->name, v, "is a required field");
			continue;
		}
		if (v != NULL && !valid_type(f, v)) {
			add_error(errors, f->name, v, type_expectation(f));
			continue;
		}
		if (v != NULL && !json_is_null(v) && f->type == NXM_FT_ENUM && f->enumdef != NULL) {
			const struct nxm_enum_value *ev;
			char num[32];
			if (json_is_integer(v)) {
				snprintf(num, sizeof(num), "%lld",
				         (long long)json_integer_value(v));
				ev = nxm_catalog_enum_find(f->enumdef, num);
			} else {
				ev = nxm_catalog_enum_find(f->enumdef, json_string_value(v));
			}
			if (ev == NULL) {
				add_error(errors, f->name, v, "is not one of the allowed values");
				continue;
			}
			json_object_set_new(rec, f->name, json_integer(ev->value));
			continue;
		}
		if (v != NULL)
			json_object_set(rec, f->name, v);
		else if (f->type == NXM_FT_BOOL)
			json_object_set_new(rec, f->name, json_false());
		else
			json_object_set_new(rec, f->name,
			                    f->type == NXM_FT_LIST ? json_array() : json_null());
	}
	return json_array_size(errors) == 0 ? 0 : -1;
}

static json_t *
parse_body(const struct nxm_request *req, struct nxm_response *resp)
{
	json_t *body;

	if (req->body_len == 0 ||
	    (body = json_loadb((const char *)req->body, req->body_len, 0, NULL)) == NULL) {
		sim_reply_message(resp, 400, "The request is invalid.");
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		sim_reply_message(resp, 400, "The request is invalid.");
		return NULL;
	}
	return body;
}

/* ---------------------------------------------------------------- create, update, delete */

/* Stamps and stores a record in one transaction and answers with Nexudus's
 * mutation envelope; id 0 creates a new record. */
static void
save_and_reply(struct sim *s, const struct nxm_entity *e, json_t *rec, int64_t id,
               struct nxm_response *resp)
{
	bool creating = id == 0;
	char msg[200];

	if (sim_store_begin(s) == -1)
		goto fail;
	if ((creating && (id = sim_record_next_id(s, e)) < 0) ||
	    sim_api_stamp(s, e, rec, id, creating, s->now(), s->account_email, NULL) == -1 ||
	    sim_record_put(s, e, id, rec) == -1 || sim_store_commit(s) == -1) {
		sim_store_rollback(s);
		goto fail;
	}
	snprintf(msg, sizeof(msg), "%s was successfully %s.", e->singular,
	         creating ? "created" : "updated");
	sim_reply_mutation(resp, msg, json_pack("{s:I}", "Id", (json_int_t)id));
	return;
fail:
	sim_reply_message(resp, 500, "Ooops! There was a problem while running this action.");
}

static void
do_create(struct sim *s, const struct nxm_entity *e, const struct nxm_request *req,
          struct nxm_response *resp)
{
	json_t *body = parse_body(req, resp), *rec = NULL, *errors = json_array();

	if (body == NULL)
		goto out;
	rec = json_object();
	if (build_record(e, body, true, rec, errors) == -1) {
		sim_reply_validation(resp, errors);
		errors = NULL;
		goto out;
	}
	save_and_reply(s, e, rec, 0, resp);
out:
	json_decref(body);
	json_decref(rec);
	json_decref(errors);
}

static void
do_update(struct sim *s, const struct nxm_entity *e, const struct nxm_request *req,
          struct nxm_response *resp)
{
	json_t *body = parse_body(req, resp), *old = NULL, *rec = NULL, *errors = json_array();
	json_t *idv;
	int64_t id;

	if (body == NULL)
		goto out;
	idv = json_object_get(body, "Id");
	if (!json_is_integer(idv) || json_integer_value(idv) <= 0) {
		add_error(errors, "Id", idv, "is a required field");
		sim_reply_validation(resp, errors);
		errors = NULL;
		goto out;
	}
	id = json_integer_value(idv);
	if ((old = sim_record_get(s, e, id)) == NULL) {
		sim_reply_message(resp, 404, "The record was not found.");
		goto out;
	}
	/* Full replace: start from the stored record only for what the body
	 * cannot change (identity, creation, create-only fields). */
	rec = json_copy(old);
	if (build_record(e, body, false, rec, errors) == -1) {
		sim_reply_validation(resp, errors);
		errors = NULL;
		goto out;
	}
	save_and_reply(s, e, rec, id, resp);
out:
	json_decref(body);
	json_decref(old);
	json_decref(rec);
	json_decref(errors);
}

static int
parse_id(const char *s, int64_t *id)
{
	const char *errstr;

	*id = nxm_strtonum(s, 1, INT64_MAX, &errstr);
	return errstr == NULL ? 0 : -1;
}

static void
do_delete(struct sim *s, const struct nxm_entity *e, int64_t id, struct nxm_response *resp)
{
	char msg[200];
	bool found = false;
	json_t *rec = sim_record_get(s, e, id);

	if (rec == NULL) {
		sim_reply_message(resp, 404, "The record was not found.");
		return;
	}
	json_decref(rec);
	/* Observed on Nexudus: a 200 whose envelope says it did not happen. */
	if (sim_faults_take(s, "delete_unsuccessful")) {
		snprintf(msg, sizeof(msg), "%s could not be deleted.", e->singular);
		nxm_response_json(resp, 200,
		                  json_pack("{s:i, s:s, s:n, s:n, s:b}", "Status", 200, "Message",
		                            msg, "Value", "Errors", "WasSuccessful", 0));
		return;
	}
	if (sim_record_delete(s, e, id, &found) == -1) {
		sim_reply_message(resp, 500,
		                  "Ooops! There was a problem while running this action.");
		return;
	}
	snprintf(msg, sizeof(msg), "%s was successfully deleted.", e->singular);
	sim_reply_mutation(resp, msg, json_pack("{s:I}", "Id", (json_int_t)id));
}

/* ---------------------------------------------------------------- list */

enum filter_kind { FILTER_EQ, FILTER_FROM, FILTER_TO };

/* "Coworker_FullName" → FullName; "Booking_Resource_Name" → ResourceName;
 * "CoworkerInvoice_Coworker" → CoworkerId. */
static const struct nxm_field *
filter_field(const struct nxm_entity *e, const char *param, enum filter_kind *kind)
{
	char name[160];
	size_t sl = strlen(e->singular), o = 0;
	const struct nxm_field *f;

	*kind = FILTER_EQ;
	if (strncasecmp(param, "from_", 5) == 0) {
		*kind = FILTER_FROM;
		param += 5;
	} else if (strncasecmp(param, "to_", 3) == 0) {
		*kind = FILTER_TO;
		param += 3;
	}
	if (strncasecmp(param, e->singular, sl) != 0 || param[sl] != '_')
		return NULL;
	for (const char *p = param + sl + 1; *p != '\0' && o + 3 < sizeof(name); p++)
		if (*p != '_')
			name[o++] = *p;
	name[o] = '\0';
	if (o == 0)
		return NULL;
	if ((f = nxm_catalog_field(e, name)) != NULL)
		return f;
	snprintf(name + o, sizeof(name) - o, "Id");
	return nxm_catalog_field(e, name);
}

static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

static bool
matches(const struct nxm_field *f, enum filter_kind kind, json_t *v, const char *want)
{
	time_t a, b;
	char num[64];

	if (kind != FILTER_EQ) {
		if (f->type == NXM_FT_DATETIME) {
			if (!json_is_string(v) ||
			    nxm_time_parse_utc(json_string_value(v), &a) == -1 ||
			    nxm_time_parse_utc(want, &b) == -1)
				return false;
			return kind == FILTER_FROM ? a >= b : a <= b;
		}
		if (!json_is_number(v))
			return false;
		return kind == FILTER_FROM ? json_number_value(v) >= strtod(want, NULL)
		                           : json_number_value(v) <= strtod(want, NULL);
	}
	if (json_is_string(v))
		return contains_ci(json_string_value(v), want);
	if (json_is_boolean(v))
		return strcasecmp(want, json_is_true(v) ? "true" : "false") == 0;
	if (json_is_integer(v)) {
		if (f->type == NXM_FT_ENUM && f->enumdef != NULL) {
			const struct nxm_enum_value *ev = nxm_catalog_enum_find(f->enumdef, want);
			return ev != NULL && ev->value == json_integer_value(v);
		}
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return strcmp(num, want) == 0;
	}
	if (json_is_real(v))
		return json_real_value(v) == strtod(want, NULL);
	return false;
}

struct sort_ctx {
	const char *field;
	int dir;
};

static struct sort_ctx sort_ctx;

static int
compare_values(json_t *a, json_t *b)
{
	if (json_is_null(a) || a == NULL)
		return (json_is_null(b) || b == NULL) ? 0 : -1;
	if (json_is_null(b) || b == NULL)
		return 1;
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) < json_number_value(b)   ? -1
		       : json_number_value(a) > json_number_value(b) ? 1
		                                                     : 0;
	if (json_is_string(a) && json_is_string(b))
		return strcasecmp(json_string_value(a), json_string_value(b));
	if (json_is_boolean(a) && json_is_boolean(b))
		return json_is_true(a) - json_is_true(b);
	return 0;
}

static int
compare_records(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = compare_values(json_object_get(a, sort_ctx.field),
	                       json_object_get(b, sort_ctx.field));

	if (c == 0) /* stable by Id, so pages never overlap */
		c = compare_values(json_object_get(a, "Id"), json_object_get(b, "Id"));
	return c * sort_ctx.dir;
}

/* dir is documented two ways: 1 ascending / -1 descending, and 0 ascending /
 * 1 descending. The setting "dir_convention" picks which one the simulator
 * follows ("signed", the default, or "binary") so the gateway can be tested
 * against both. */
static int
sort_direction(struct sim *s, const char *dir, int *reported)
{
	char conv[32] = "signed";
	const char *errstr;
	long long v;

	(void)sim_setting_get(s, "dir_convention", conv, sizeof(conv));
	if (dir == NULL) {
		*reported = strcmp(conv, "binary") == 0 ? 0 : 1;
		return 1;
	}
	v = nxm_strtonum(dir, -1, 1, &errstr);
	if (errstr != NULL)
		v = strcmp(conv, "binary") == 0 ? 0 : 1;
	*reported = (int)v;
	if (strcmp(conv, "binary") == 0)
		return v == 1 ? -1 : 1;
	return v == -1 ? -1 : 1;
}

static long long
int_param(const struct nxm_params *p, const char *name, long long def, long long min, long long max)
{
	const char *v = nxm_params_get(p, name), *errstr;
	long long n;

	if (v == NULL)
		return def;
	n = nxm_strtonum(v, min, max, &errstr);
	return errstr != NULL ? def : n;
}

/* "?id=[1,2,3]": several records by id. */
static int
parse_id_list(const char *s, int64_t *ids, size_t max, size_t *n)
{
	char buf[2048], *tok, *save = NULL;
	size_t len = strlen(s);

	*n = 0;
	if (len < 2 || len >= sizeof(buf) || s[0] != '[' || s[len - 1] != ']')
		return -1;
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (*n >= max || parse_id(tok, &ids[*n]) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

static void
do_list(struct sim *s, const struct nxm_entity *e, const struct nxm_request *req,
        struct nxm_response *resp)
{
	struct nxm_params p;
	json_t *all = NULL, *records = NULL, *page_recs = NULL;
	json_t **v = NULL;
	size_t n = 0, total, first, last;
	long long page, size, pages;
	const char *order, *idlist;
	const struct nxm_field *of;
	int reported;
	int64_t ids[100];
	size_t nids = 0;

	if (nxm_form_parse(req->query, strlen(req->query), &p, NULL, 0) != NXM_FORM_OK) {
		sim_reply_message(resp, 400, "The request is invalid.");
		return;
	}
	if ((idlist = nxm_params_get(&p, "id")) != NULL &&
	    parse_id_list(idlist, ids, NXM_ARRAY_LEN(ids), &nids) == -1) {
		sim_reply_message(resp, 400, "The request is invalid: id must look like [1,2,3].");
		goto out;
	}
	if ((all = sim_record_all(s, e)) == NULL) {
		sim_reply_message(resp, 500,
		                  "Ooops! There was a problem while running this action.");
		goto out;
	}
	if ((v = calloc(json_array_size(all) + 1, sizeof(*v))) == NULL)
		goto out;
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *rec = json_array_get(all, i);
		bool keep = true;

		if (idlist != NULL) {
			keep = false;
			for (size_t k = 0; k < nids; k++)
				keep = keep ||
				       json_integer_value(json_object_get(rec, "Id")) == ids[k];
		}
		for (size_t k = 0; keep && k < p.n; k++) {
			enum filter_kind kind;
			const struct nxm_field *f = filter_field(e, p.v[k].name, &kind);
			if (f != NULL)
				keep = matches(f, kind, json_object_get(rec, f->name),
				               p.v[k].value);
		}
		if (keep)
			v[n++] = rec;
	}
	order = nxm_params_get(&p, "orderBy");
	of = order != NULL ? nxm_catalog_field(e, order) : NULL;
	sort_ctx.field = of != NULL                                  ? of->name
	                 : (order != NULL && is_system_field(order)) ? order
	                                                             : "Id";
	sort_ctx.dir = sort_direction(s, nxm_params_get(&p, "dir"), &reported);
	qsort(v, n, sizeof(*v), compare_records);

	/* Only page and size page; PageNumber and PageSize are ignored, as on
	 * Nexudus. */
	page = int_param(&p, "page", 1, 1, 1000000);
	size = int_param(&p, "size", SIM_PAGE_SIZE_DEF, 1, SIM_PAGE_SIZE_MAX);
	total = n;
	pages = (long long)((total + (size_t)size - 1) / (size_t)size);
	first = (size_t)((page - 1) * size);
	last = first + (size_t)size < total ? first + (size_t)size : total;
	page_recs = json_array();
	for (size_t i = first; i < last; i++)
		json_array_append_new(page_recs, sim_api_list_view(e, v[i]));
	nxm_response_json(resp, 200,
	                  json_pack("{s:o, s:I, s:I, s:s, s:i, s:I, s:I, s:I, s:I, s:b, s:b}",
	                            "Records", page_recs, "CurrentPage", (json_int_t)page,
	                            "CurrentPageSize", (json_int_t)size, "CurrentOrderField",
	                            sort_ctx.field, "CurrentSortDirection", reported, "FirstItem",
	                            (json_int_t)(first < last ? first + 1 : 0), "LastItem",
	                            (json_int_t)last, "TotalItems", (json_int_t)total, "TotalPages",
	                            (json_int_t)pages, "HasNextPage",
	                            page<pages, "HasPreviousPage", page> 1 && total > 0));
	page_recs = NULL;
out:
	free(v);
	json_decref(all);
	json_decref(records);
	json_decref(page_recs);
	nxm_params_free(&p);
}

/* ---------------------------------------------------------------- commands */

enum command_action { ACT_DELETE, ACT_SET_TRUE, ACT_SET_FALSE, ACT_SET_NOW, ACT_CLEAR };

struct sim_command {
	const char *entity;
	const char *key;
	const char *name;
	enum command_action action;
	const char *field;
};

/* Nexudus's command list is not in the catalog; these are the commands the
 * documentation and the hosted server mention, each with a visible effect. */
static const struct sim_command commands[] = {
        {"coworkers", "COWORKER_DELETE", "Delete the contact or member", ACT_DELETE, NULL},
        {"coworkers", "COWORKER_ARCHIVE", "Archive the contact or member", ACT_SET_TRUE,
         "Archived"},
        {"coworkers", "COWORKER_UNARCHIVE", "Restore an archived contact or member", ACT_SET_FALSE,
         "Archived"},
        {"bookings", "BOOKING_CHECK_IN", "Mark the booking as checked in", ACT_SET_NOW,
         "CheckedInAt"},
        {"bookings", "BOOKING_UNDO_CHECK_IN", "Clear the booking's check-in", ACT_CLEAR,
         "CheckedInAt"},
        {"checkins", "CHECKIN_CHECK_OUT", "End the check-in now", ACT_SET_NOW, "ToTime"},
        {"visitors", "VISITOR_CHECK_IN", "Mark the visitor as arrived", ACT_SET_NOW, "CheckedInAt"},
        {"resources", "RESOURCE_ARCHIVE", "Archive the resource", ACT_SET_TRUE, "Archived"},
        {"resources", "RESOURCE_UNARCHIVE", "Restore an archived resource", ACT_SET_FALSE,
         "Archived"},
        {"products", "PRODUCT_ARCHIVE", "Archive the product", ACT_SET_TRUE, "Archived"},
        {"products", "PRODUCT_UNARCHIVE", "Restore an archived product", ACT_SET_FALSE, "Archived"},
        {"timepasses", "TIMEPASS_ARCHIVE", "Archive the pass", ACT_SET_TRUE, "Archived"},
};

static void
do_commands(const struct nxm_entity *e, struct nxm_response *resp)
{
	json_t *list = json_array();

	for (size_t i = 0; i < NXM_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].entity, e->name) == 0)
			json_array_append_new(list,
			                      json_pack("{s:s, s:s, s:b, s:[]}", "Key",
			                                commands[i].key, "Name", commands[i].name,
			                                "RequiresParameters", 0, "Parameters"));
	nxm_response_json(resp, 200, list);
}

static int
apply_command(struct sim *s, const struct nxm_entity *e, const struct sim_command *c, int64_t id)
{
	json_t *rec = sim_record_get(s, e, id);
	char now[32];
	bool found;
	int rc = -1;

	if (rec == NULL)
		return -1;
	sim_time_format(s->now(), now);
	switch (c->action) {
	case ACT_DELETE:
		rc = sim_record_delete(s, e, id, &found);
		goto out;
	case ACT_SET_TRUE:
		json_object_set_new(rec, c->field, json_true());
		break;
	case ACT_SET_FALSE:
		json_object_set_new(rec, c->field, json_false());
		break;
	case ACT_SET_NOW:
		json_object_set_new(rec, c->field, json_string(now));
		break;
	case ACT_CLEAR:
		json_object_set_new(rec, c->field, json_null());
		break;
	}
	if (sim_api_stamp(s, e, rec, id, false, s->now(), s->account_email, NULL) == 0)
		rc = sim_record_put(s, e, id, rec);
out:
	json_decref(rec);
	return rc;
}

static void
do_runcommand(struct sim *s, const struct nxm_entity *e, const struct nxm_request *req,
              struct nxm_response *resp)
{
	json_t *body = parse_body(req, resp), *ids, *errors = json_array(), *idv;
	const struct sim_command *c = NULL;
	const char *key;
	size_t i;

	if (body == NULL)
		goto out;
	key = json_string_value(json_object_get(body, "Key"));
	for (i = 0; key != NULL && i < NXM_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].entity, e->name) == 0 && strcmp(commands[i].key, key) == 0)
			c = &commands[i];
	if (c == NULL) {
		add_error(errors, "Key", json_object_get(body, "Key"),
		          "is not a command of this entity");
		sim_reply_validation(resp, errors);
		errors = NULL;
		goto out;
	}
	ids = json_object_get(body, "Ids");
	if (!json_is_array(ids) || json_array_size(ids) == 0) {
		add_error(errors, "Ids", ids, "is a required field");
		sim_reply_validation(resp, errors);
		errors = NULL;
		goto out;
	}
	json_array_foreach(ids, i, idv)
	{
		json_t *rec;
		if (!json_is_integer(idv) ||
		    (rec = sim_record_get(s, e, json_integer_value(idv))) == NULL) {
			add_error(errors, "Ids", idv, "is not the Id of an existing record");
			continue;
		}
		json_decref(rec);
	}
	if (json_array_size(errors) > 0) {
		sim_reply_validation(resp, errors);
		errors = NULL;
		goto out;
	}
	if (sim_store_begin(s) == -1)
		goto fail;
	json_array_foreach(ids, i, idv)
	{
		if (apply_command(s, e, c, json_integer_value(idv)) == -1) {
			sim_store_rollback(s);
			goto fail;
		}
	}
	if (sim_store_commit(s) == -1)
		goto fail;
	sim_reply_mutation(resp, "The command was run successfully.",
	                   json_pack("{s:O}", "Ids", ids));
	goto out;
fail:
	sim_reply_message(resp, 500, "Ooops! There was a problem while running this action.");
out:
	json_decref(body);
	json_decref(errors);
}

/* ---------------------------------------------------------------- dispatch */

static void
do_get(struct sim *s, const struct nxm_entity *e, int64_t id, struct nxm_response *resp)
{
	json_t *rec = sim_record_get(s, e, id);

	if (rec == NULL) {
		sim_reply_message(resp, 404, "The record was not found.");
		return;
	}
	nxm_response_json(resp, 200, rec);
}

/* Checks the catalog's operations, then the account's roles. */
static bool
permitted(struct sim *s, const struct nxm_entity *e, unsigned op, const char *role,
          const char *method, struct nxm_response *resp)
{
	if (!(e->ops & op)) {
		not_supported(resp, method);
		return false;
	}
	if (!sim_auth_allows(s, e, role)) {
		denied(resp);
		return false;
	}
	return true;
}

void
sim_api_entity(struct sim *s, const struct nxm_entity *e, const char *rest,
               const struct nxm_request *req, struct nxm_response *resp)
{
	const char *m = req->method;
	int64_t id;

	if (*rest == '\0') {
		if (strcmp(m, "GET") == 0) {
			if (permitted(s, e, NXM_OP_LIST, "List", m, resp))
				do_list(s, e, req, resp);
		} else if (strcmp(m, "POST") == 0) {
			if (permitted(s, e, NXM_OP_CREATE, "Create", m, resp))
				do_create(s, e, req, resp);
		} else if (strcmp(m, "PUT") == 0) {
			if (permitted(s, e, NXM_OP_UPDATE, "Edit", m, resp))
				do_update(s, e, req, resp);
		} else {
			not_supported(resp, m);
		}
		return;
	}
	if (strcmp(rest, "commands") == 0 || strcmp(rest, "runcommand") == 0) {
		bool get = strcmp(rest, "commands") == 0;
		if (!e->has_commands) {
			sim_reply_message(
			        resp, 404,
			        "No HTTP resource was found that matches the request URI.");
		} else if (strcmp(m, get ? "GET" : "POST") != 0) {
			not_supported(resp, m);
		} else if (!sim_auth_allows(s, e, get ? "List" : "Edit")) {
			denied(resp);
		} else if (get) {
			do_commands(e, resp);
		} else {
			do_runcommand(s, e, req, resp);
		}
		return;
	}
	if (parse_id(rest, &id) == -1) {
		sim_reply_message(resp, 404,
		                  "No HTTP resource was found that matches the request URI.");
		return;
	}
	if (strcmp(m, "GET") == 0) {
		if (permitted(s, e, NXM_OP_GET, "Read", m, resp))
			do_get(s, e, id, resp);
	} else if (strcmp(m, "DELETE") == 0) {
		if (permitted(s, e, NXM_OP_DELETE, "Delete", m, resp))
			do_delete(s, e, id, resp);
	} else {
		not_supported(resp, m);
	}
}
