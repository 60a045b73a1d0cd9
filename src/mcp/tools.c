#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/form.h"
#include "core/json.h"
#include "core/log.h"
#include "mcp/args.h"
#include "mcp/tools.h"
#include "nexudus/catalog.h"
#include "nexudus/client.h"
#include "oauth/metadata.h"
#include "pii/redact.h"
#include "pii/store.h"

struct tool;
struct specialist;
typedef json_t *tool_fn(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen);
/* A tool that is data over the generic list: spec (and join) are its
 * mappings. They are also read when the input schema is built: an argument
 * mapped onto a catalog field with enum values gets them as its enum. */
typedef json_t *mapped_fn(struct nxm_mcp_ctx *ctx, const struct specialist *spec,
                          const struct specialist *join, json_t *args, char *err, size_t errlen);

/* A specialist tool is data: friendly arguments mapped onto nexudus_list's
 * filters and ranges for one entity. */
enum map_kind {
	MAP_FILTER, /* filters[field] = argument */
	MAP_FROM,   /* from[field] = argument */
	MAP_TO,     /* to[field] = argument */
};

struct arg_map {
	const char *arg;
	enum map_kind kind;
	const char *field;
};

struct specialist {
	const char *entity;
	const char *order_by;
	const char *dir;
	struct arg_map maps[6];
	/* Fixed filters, "Field=value", always applied. */
	const char *fixed[3];
	/* Dates that default to today (UTC) when the argument is absent. */
	const char *today_from;
	const char *now_to_if; /* argument that, when true, bounds field <= now */
	const char *now_to_field;
};

struct tool {
	bool returns_records; /* Nexudus data that may hold personal data */
	const char *name;
	const char *title;
	const char *description;
	const char *schema; /* JSON Schema of the arguments */
	bool read_only, destructive, idempotent, open_world;
	bool needs_write;
	tool_fn *run;          /* NULL for specialist tools, */
	mapped_fn *run_mapped; /* which run over their mappings: */
	const struct specialist *spec;
	const struct specialist *join; /* a second list joined with spec's, or NULL */
};

/* ---------------------------------------------------------------- helpers */

static unsigned
edit_distance(const char *a, const char *b)
{
	unsigned row[64], n = (unsigned)strlen(b) < 63 ? (unsigned)strlen(b) : 63;

	for (unsigned j = 0; j <= n; j++)
		row[j] = j;
	for (const char *p = a; *p != '\0'; p++) {
		unsigned prev = row[0]++;
		for (unsigned j = 1; j <= n; j++) {
			unsigned cur = row[j];
			unsigned sub = prev + ((*p | 32) != (b[j - 1] | 32));
			unsigned best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = best < sub ? best : sub;
			prev = cur;
		}
	}
	return row[n];
}

/* "Unknown entity coworker; did you mean coworkers, coworkerinvoices?" */
static void
suggest_entity(const char *given, char *err, size_t errlen)
{
	const char *best[3] = {NULL, NULL, NULL};
	unsigned dist[3] = {~0u, ~0u, ~0u};

	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		unsigned d;
		if (e->module == NULL)
			continue;
		d = edit_distance(given, e->name);
		for (int k = 0; k < 3; k++) {
			if (d < dist[k]) {
				for (int m = 2; m > k; m--) {
					dist[m] = dist[m - 1];
					best[m] = best[m - 1];
				}
				dist[k] = d;
				best[k] = e->name;
				break;
			}
		}
	}
	snprintf(err, errlen,
	         "Unknown entity '%.60s'. Closest: %s, %s, %s. Call nexudus_list_entities for all "
	         "of them.",
	         given, best[0] ? best[0] : "-", best[1] ? best[1] : "-", best[2] ? best[2] : "-");
}

static const struct nxm_entity *
entity_arg(json_t *args, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(args, "entity"));
	const struct nxm_entity *e;

	if (name == NULL) {
		snprintf(err, errlen, "Give the entity, for example \"coworkers\".");
		return NULL;
	}
	if ((e = nxm_catalog_find(name)) == NULL || e->module == NULL) {
		suggest_entity(name, err, errlen);
		return NULL;
	}
	return e;
}

static bool
op_allowed(const struct nxm_entity *e, unsigned op, const char *what, char *err, size_t errlen)
{
	if (e->ops & op)
		return true;
	snprintf(err, errlen,
	         "Nexudus does not allow %s on %s (it supports: %s%s%s%s%s). Nothing was sent.",
	         what, e->name, e->ops & NXM_OP_LIST ? "list " : "",
	         e->ops & NXM_OP_GET ? "get " : "", e->ops & NXM_OP_CREATE ? "create " : "",
	         e->ops & NXM_OP_UPDATE ? "update " : "", e->ops & NXM_OP_DELETE ? "delete" : "");
	return false;
}

static int
id_arg(json_t *args, long long *id, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, "id");

	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		snprintf(err, errlen, "Give the record's Id as a positive whole number.");
		return -1;
	}
	*id = json_integer_value(v);
	return 0;
}

/* Turns an upstream reply into either a result value or an error text; on a
 * 401 it ends the session and asks the transport for an HTTP 401. */
static json_t *
upstream_result(struct nxm_mcp_ctx *ctx, struct nxm_nexudus_reply *r, char *err, size_t errlen)
{
	json_t *body = r->body;

	if (r->status == 401) {
		nxm_session_revoke(ctx->app, ctx->session->id, "Nexudus refused the token");
		ctx->http_status = 401;
		return NULL;
	}
	if (r->status == 0) {
		snprintf(err, errlen, "%s. Try again in a moment.", r->error);
		return NULL;
	}
	if (r->throttled) {
		snprintf(err, errlen,
		         "Nexudus is throttling requests (HTTP %ld) and asks to wait %ld seconds; "
		         "wait "
		         "that long before trying again, and avoid parallel calls.",
		         r->status, r->wait_seconds);
		return NULL;
	}
	if (r->status >= 500) {
		snprintf(err, errlen,
		         "Nexudus failed with HTTP %ld (%s). This is on Nexudus's side; try again "
		         "later.",
		         r->status,
		         json_string_value(json_object_get(body, "Message"))
		                 ? json_string_value(json_object_get(body, "Message"))
		                 : "no message");
		return NULL;
	}
	if (r->status == 404) {
		snprintf(err, errlen, "Not found (HTTP 404): check the Id with nexudus_list.");
		return NULL;
	}
	if (body == NULL) {
		snprintf(err, errlen, "%s",
		         r->error[0] ? r->error : "Nexudus gave an empty answer.");
		return NULL;
	}
	if (r->status >= 400 || json_is_false(json_object_get(body, "WasSuccessful"))) {
		json_t *errors = json_object_get(body, "Errors"), *e;
		size_t i, o;
		o = (size_t)snprintf(err, errlen, "Nexudus refused it (HTTP %ld): %s", r->status,
		                     json_string_value(json_object_get(body, "Message"))
		                             ? json_string_value(json_object_get(body, "Message"))
		                             : "no message");
		json_array_foreach(errors, i, e)
		{
			if (o >= errlen)
				break;
			o += (size_t)snprintf(err + o, errlen - o, "%s %s: %s",
			                      i == 0 ? " Fix:" : ";",
			                      json_string_value(json_object_get(e, "PropertyName")),
			                      json_string_value(json_object_get(e, "Message")));
		}
		return NULL;
	}
	return json_incref(body);
}

/* ---------------------------------------------------------------- tools */

static json_t *
ops_array(const struct nxm_entity *e)
{
	json_t *a = json_array();

	if (e->ops & NXM_OP_LIST)
		json_array_append_new(a, json_string("list"));
	if (e->ops & NXM_OP_GET)
		json_array_append_new(a, json_string("get"));
	if (e->ops & NXM_OP_CREATE)
		json_array_append_new(a, json_string("create"));
	if (e->ops & NXM_OP_UPDATE)
		json_array_append_new(a, json_string("update"));
	if (e->ops & NXM_OP_DELETE)
		json_array_append_new(a, json_string("delete"));
	return a;
}

static json_t *
run_list_entities(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	json_t *list = json_array();

	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		if (e->module != NULL)
			json_array_append_new(list,
			                      json_pack("{s:s, s:s, s:s, s:o, s:b}", "name",
			                                e->name, "singular", e->singular, "module",
			                                e->module, "operations", ops_array(e),
			                                "has_commands", e->has_commands));
	}
	return json_pack("{s:o, s:I}", "entities", list, "count",
	                 (json_int_t)json_array_size(list));
}

static json_t *
run_describe(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	json_t *fields;

	if (e == NULL)
		return NULL;
	fields = json_array();
	for (size_t i = 0; i < e->nfields; i++) {
		const struct nxm_field *f = &e->fields[i];
		json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b}", "name", f->name, "type",
		                      nxm_field_type_name(f->type) ? nxm_field_type_name(f->type)
		                                                   : "unknown",
		                      "required_on_create", (f->flags & NXM_FF_REQUIRED) != 0,
		                      "filterable", (f->flags & NXM_FF_FILTERABLE) != 0,
		                      "range_filter", (f->flags & NXM_FF_RANGE) != 0, "only_in_get",
		                      (f->flags & NXM_FF_COLLECTION) != 0);
		if (f->pii != NXM_PII_NONE)
			json_object_set_new(o, "pii", json_string(nxm_pii_name(f->pii)));
		if (f->enumdef != NULL) {
			json_t *vals = json_array();
			for (size_t k = 0; k < f->enumdef->nvalues; k++)
				json_array_append_new(vals,
				                      json_pack("{s:i, s:s}", "value",
				                                f->enumdef->values[k].value, "name",
				                                f->enumdef->values[k].name));
			json_object_set_new(o, "enum", vals);
		}
		json_array_append_new(fields, o);
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:b, s:o}", "name", e->name, "singular", e->singular,
	                 "path", e->path, "operations", ops_array(e), "has_commands",
	                 e->has_commands, "fields", fields);
}

static json_t *
simple_call(struct nxm_mcp_ctx *ctx, const char *method, const char *path, json_t *payload,
            char *err, size_t errlen)
{
	struct nxm_nexudus_reply r;
	json_t *out;

	if (nxm_nexudus_request(&ctx->app->cfg, ctx->session->upstream_token, method, path, payload,
	                        &r) == -1) {
		snprintf(err, errlen, "Internal error preparing the request.");
		return NULL;
	}
	out = upstream_result(ctx, &r, err, errlen);
	nxm_nexudus_reply_clear(&r);
	return out;
}

static json_t *
run_list(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	struct nxm_buf q = {0}, filters = {0};
	struct nxm_args_exact exact = {0};
	json_t *page = json_object_get(args, "page"), *size = json_object_get(args, "size");
	const char *order = json_string_value(json_object_get(args, "orderBy"));
	const char *dir = json_string_value(json_object_get(args, "dir"));
	json_t *out = NULL;
	long long p = json_is_integer(page) ? json_integer_value(page) : 1;
	long long n = json_is_integer(size) ? json_integer_value(size) : 25;

	if (e == NULL || !op_allowed(e, NXM_OP_LIST, "listing", err, errlen))
		return NULL;
	if (p < 1 || n < 1 || n > NXM_TOOLS_PAGE_MAX) {
		snprintf(err, errlen, "page starts at 1 and size is between 1 and %d.",
		         NXM_TOOLS_PAGE_MAX);
		return NULL;
	}
	if (order != NULL && nxm_catalog_field(e, order) == NULL && strcmp(order, "Id") != 0 &&
	    strcmp(order, "CreatedOn") != 0 && strcmp(order, "UpdatedOn") != 0) {
		snprintf(err, errlen, "%s has no field '%.60s' to order by.", e->name, order);
		return NULL;
	}
	if ((order != NULL && !nxm_args_order_allowed(ctx, e, order, err, errlen)) ||
	    nxm_args_filters(ctx, e, json_object_get(args, "filters"), NXM_ARGS_EQUAL, &filters,
	                     &exact, err, errlen) == -1 ||
	    nxm_args_filters(ctx, e, json_object_get(args, "from"), NXM_ARGS_FROM, &filters,
	                     &exact, err, errlen) == -1 ||
	    nxm_args_filters(ctx, e, json_object_get(args, "to"), NXM_ARGS_TO, &filters, &exact,
	                     err, errlen) == -1)
		goto out;
	/* Whole-value filters are checked on what Nexudus returns: a full
	 * page of candidates each time. */
	if (exact.n > 0)
		n = NXM_TOOLS_PAGE_MAX;
	if (nxm_buf_printf(&q, "%s?page=%lld&size=%lld", e->path, p, n) == -1 ||
	    (order != NULL && nxm_buf_printf(&q, "&orderBy=%s", order) == -1) ||
	    (dir != NULL && strcmp(dir, "desc") == 0 && nxm_buf_puts(&q, "&dir=-1") == -1) ||
	    (filters.len > 0 && nxm_buf_append(&q, filters.data, filters.len) == -1)) {
		snprintf(err, errlen, "Out of memory preparing the search.");
		goto out;
	}
	out = simple_call(ctx, "GET", q.data, NULL, err, errlen);
	if (out != NULL && nxm_args_keep_exact(out, &exact) == -1) {
		json_decref(out);
		out = NULL;
		snprintf(err, errlen, "Nexudus answered the list without records.");
	}
out:
	nxm_args_exact_clear(&exact);
	/* The query holds the values tokens stood for. */
	if (q.data != NULL)
		nxm_wipe(q.data, q.cap);
	if (filters.data != NULL)
		nxm_wipe(filters.data, filters.cap);
	nxm_buf_free(&q);
	nxm_buf_free(&filters);
	return out;
}

static json_t *
run_get(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	char path[512];
	long long id;

	if (e == NULL || !op_allowed(e, NXM_OP_GET, "reading one record", err, errlen) ||
	    id_arg(args, &id, err, errlen) == -1)
		return NULL;
	snprintf(path, sizeof(path), "%s/%lld", e->path, id);
	return simple_call(ctx, "GET", path, NULL, err, errlen);
}

static int
fields_arg(const struct nxm_entity *e, json_t *args, json_t **fields, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	*fields = json_object_get(args, "fields");
	if (!json_is_object(*fields)) {
		snprintf(err, errlen, "Give fields as an object of {Field: value}.");
		return -1;
	}
	json_object_foreach(*fields, key, v)
	{
		const struct nxm_field *f = nxm_catalog_field(e, key);
		if (f == NULL && strcmp(key, "Id") != 0) {
			snprintf(err, errlen,
			         "%s has no field '%.60s'; nexudus_describe_entity lists its "
			         "fields.",
			         e->name, key);
			return -1;
		}
		if (f != NULL && f->enumdef != NULL && json_is_string(v) &&
		    nxm_catalog_enum_find(f->enumdef, json_string_value(v)) == NULL) {
			snprintf(err, errlen,
			         "'%.40s' is not a value of %s.%s; see nexudus_describe_entity.",
			         json_string_value(v), e->name, f->name);
			return -1;
		}
	}
	return 0;
}

static json_t *
run_create(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	json_t *fields, *payload, *out;

	if (e == NULL || !op_allowed(e, NXM_OP_CREATE, "creating records", err, errlen) ||
	    fields_arg(e, args, &fields, err, errlen) == -1 ||
	    (payload = nxm_args_fields(ctx, e, fields, err, errlen)) == NULL)
		return NULL;
	out = simple_call(ctx, "POST", e->path, payload, err, errlen);
	json_decref(payload);
	return out;
}

/* Nexudus's PUT replaces the whole record, so the current record is read and
 * the caller's fields merged into it: what the caller did not name stays. */
static json_t *
run_update(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	json_t *fields, *payload, *current, *out;
	char path[512];
	long long id;

	if (e == NULL || !op_allowed(e, NXM_OP_UPDATE, "updating records", err, errlen) ||
	    id_arg(args, &id, err, errlen) == -1 || fields_arg(e, args, &fields, err, errlen) == -1 ||
	    (payload = nxm_args_fields(ctx, e, fields, err, errlen)) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%lld", e->path, id);
	if ((current = simple_call(ctx, "GET", path, NULL, err, errlen)) == NULL) {
		json_decref(payload);
		return NULL;
	}
	json_object_update(current, payload);
	json_decref(payload);
	json_object_set_new(current, "Id", json_integer(id));
	out = simple_call(ctx, "PUT", e->path, current, err, errlen);
	json_decref(current);
	return out;
}

static json_t *
run_delete(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	char path[512];
	long long id;

	if (e == NULL ||
	    !op_allowed(e, NXM_OP_DELETE, "deleting records (look for a command instead)", err,
	                errlen) ||
	    id_arg(args, &id, err, errlen) == -1)
		return NULL;
	snprintf(path, sizeof(path), "%s/%lld", e->path, id);
	return simple_call(ctx, "DELETE", path, NULL, err, errlen);
}

static json_t *
run_whoami(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	json_t *biz = simple_call(ctx, "GET", "/api/sys/businesses?size=100", NULL, err, errlen);
	json_t *locations = json_array(), *rec;
	size_t i;
	char expires[32];
	struct tm tm;

	if (biz == NULL) {
		json_decref(locations);
		return NULL;
	}
	json_array_foreach(json_object_get(biz, "Records"), i, rec) json_array_append_new(
	        locations, json_pack("{s:O?, s:O?, s:O?, s:O?}", "Id", json_object_get(rec, "Id"),
	                             "Name", json_object_get(rec, "Name"), "CurrencyCode",
	                             json_object_get(rec, "CurrencyCode"), "SimpleTimeZoneId",
	                             json_object_get(rec, "SimpleTimeZoneId")));
	json_decref(biz);
	gmtime_r(&ctx->session->expires_at, &tm);
	strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:I, s:s, s:b, s:s, s:o}", "nexudus_user_id",
	                 (json_int_t)ctx->session->upstream_user_id, "scope",
	                 ctx->session->can_write ? NXM_SCOPE_READ " " NXM_SCOPE_WRITE
	                                         : NXM_SCOPE_READ,
	                 "personal_data_visible", ctx->session->allow_pii, "session_expires_at",
	                 expires, "locations", locations);
}

static json_t *
run_reauthenticate(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	if (nxm_session_revoke(ctx->app, ctx->session->id, "reauthenticate tool") == -1) {
		snprintf(err, errlen, "Could not end the session.");
		return NULL;
	}
	return json_pack("{s:b, s:s}", "revoked", 1, "next",
	                 "The session has ended. The next request will be refused and your client "
	                 "will open the Nexudus sign-in page again.");
}

static json_t *
run_pii_setting(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	return json_pack("{s:b, s:s}", "personal_data_visible", ctx->session->allow_pii,
	                 "how_to_change",
	                 "The choice is signed into this session and cannot change mid-session. To "
	                 "change it, "
	                 "call nexudus_reauthenticate, sign in again, and tick (or leave unticked) "
	                 "\"Allow the AI "
	                 "assistant to see member personal data\" on the sign-in page.");
}

/* An argument mapped onto an enum field is given by name (the schema lists
 * the names); Nexudus stores and filters enums by number, so the number is
 * what goes upstream. */
static int
add_mapped(json_t *obj, const struct nxm_entity *e, const char *field, json_t *v)
{
	const struct nxm_field *f = e != NULL ? nxm_catalog_field(e, field) : NULL;
	const struct nxm_enum_value *ev;

	if (f != NULL && f->enumdef != NULL && json_is_string(v) &&
	    (ev = nxm_catalog_enum_find(f->enumdef, json_string_value(v))) != NULL)
		return json_object_set_new(obj, field, json_integer(ev->value));
	return json_object_set(obj, field, v);
}

static json_t *
run_specialist(struct nxm_mcp_ctx *ctx, const struct specialist *sp, json_t *args, char *err,
               size_t errlen)
{
	const struct nxm_entity *e = nxm_catalog_find(sp->entity);
	json_t *list_args = json_pack("{s:s, s:{}, s:{}, s:{}}", "entity", sp->entity, "filters",
	                              "from", "to"),
	       *out;
	char today[32], now[32];
	time_t t = ctx->app->now();
	struct tm tm;

	if (list_args == NULL)
		goto fail;
	gmtime_r(&t, &tm);
	strftime(today, sizeof(today), "%Y-%m-%dT00:00", &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M", &tm);
	for (size_t i = 0; i < NXM_ARRAY_LEN(sp->maps) && sp->maps[i].arg != NULL; i++) {
		json_t *v = json_object_get(args, sp->maps[i].arg);
		const char *bucket = sp->maps[i].kind == MAP_FILTER ? "filters"
		                     : sp->maps[i].kind == MAP_FROM ? "from"
		                                                    : "to";
		if (v != NULL &&
		    add_mapped(json_object_get(list_args, bucket), e, sp->maps[i].field, v) == -1)
			goto fail;
	}
	for (size_t i = 0; i < NXM_ARRAY_LEN(sp->fixed) && sp->fixed[i] != NULL; i++) {
		const char *eq = strchr(sp->fixed[i], '=');
		char field[64];
		snprintf(field, sizeof(field), "%.*s", (int)(eq - sp->fixed[i]), sp->fixed[i]);
		json_object_set_new(json_object_get(list_args, "filters"), field,
		                    json_string(eq + 1));
	}
	if (sp->today_from != NULL &&
	    json_object_get(json_object_get(list_args, "from"), sp->today_from) == NULL)
		json_object_set_new(json_object_get(list_args, "from"), sp->today_from,
		                    json_string(today));
	if (sp->now_to_if != NULL && json_is_true(json_object_get(args, sp->now_to_if)))
		json_object_set_new(json_object_get(list_args, "to"), sp->now_to_field,
		                    json_string(now));
	/* With redaction on, a list is not ordered by a personal field. */
	if (sp->order_by != NULL &&
	    (ctx->session->allow_pii || nxm_pii_classify(e, false, sp->order_by, NULL) == NXM_PII_NONE))
		json_object_set_new(list_args, "orderBy", json_string(sp->order_by));
	if (sp->dir != NULL)
		json_object_set_new(list_args, "dir", json_string(sp->dir));
	if (json_object_get(args, "page") != NULL)
		json_object_set(list_args, "page", json_object_get(args, "page"));
	if (json_object_get(args, "size") != NULL)
		json_object_set(list_args, "size", json_object_get(args, "size"));
	out = run_list(ctx, list_args, err, errlen);
	json_decref(list_args);
	return out;
fail:
	json_decref(list_args);
	snprintf(err, errlen, "Internal error preparing the search.");
	return NULL;
}

static json_t *
run_mapped_list(struct nxm_mcp_ctx *ctx, const struct specialist *spec,
                const struct specialist *join, json_t *args, char *err, size_t errlen)
{
	return run_specialist(ctx, spec, args, err, errlen);
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM", optionally with ":SS", a fraction and
 * "Z": the forms the tools document and the form of Nexudus's own times.
 * Always UTC. */
/* Reads up to max_pages full pages through a mapping, appending the records
 * to into; *more says that Nexudus had more than that. */
static int
collect_pages(struct nxm_mcp_ctx *ctx, const struct specialist *sp, json_t *args, int max_pages,
              json_t *into, bool *more, char *err, size_t errlen)
{
	json_t *page_args = json_copy(args), *env;
	int rc = -1;

	*more = false;
	if (page_args == NULL ||
	    json_object_set_new(page_args, "size", json_integer(NXM_TOOLS_PAGE_MAX)) == -1) {
		snprintf(err, errlen, "Internal error preparing the search.");
		goto out;
	}
	for (int page = 1; page <= max_pages; page++) {
		if (json_object_set_new(page_args, "page", json_integer(page)) == -1) {
			snprintf(err, errlen, "Internal error preparing the search.");
			goto out;
		}
		if ((env = run_specialist(ctx, sp, page_args, err, errlen)) == NULL)
			goto out;
		if (json_array_extend(into, json_object_get(env, "Records")) == -1) {
			json_decref(env);
			snprintf(err, errlen, "Nexudus answered a %s list without records.",
			         sp->entity);
			goto out;
		}
		*more = json_is_true(json_object_get(env, "HasNextPage"));
		json_decref(env);
		if (!*more)
			break;
	}
	rc = 0;
out:
	json_decref(page_args);
	return rc;
}

/* json_array_append_new that also fails on a NULL value (a failed pack). */
static int
append_new(json_t *array, json_t *v)
{
	return v == NULL ? -1 : json_array_append_new(array, v);
}

/* The overlapping bookings of one resource. The upstream range filters
 * include their bounds, so a booking that ends exactly when the window starts
 * (or starts when it ends) comes back and is dropped here. A time that does
 * not parse counts as overlapping: a false "booked" is safer than a false
 * "free". */
static json_t *
overlapping(json_t *bookings, json_t *resource_id, time_t from, time_t to)
{
	json_t *list = json_array(), *b;
	size_t i;

	json_array_foreach(bookings, i, b)
	{
		json_t *bf = json_object_get(b, "FromTime"), *bt = json_object_get(b, "ToTime");
		time_t f, t;

		if (list == NULL)
			break;
		if (!json_equal(json_object_get(b, "ResourceId"), resource_id))
			continue;
		if (nxm_time_parse_utc(json_string_value(bf), &f) == 0 &&
		    nxm_time_parse_utc(json_string_value(bt), &t) == 0 && !(f < to && t > from))
			continue;
		if (append_new(list, json_pack("{s:O?, s:O?, s:O?}", "Id", json_object_get(b, "Id"),
		                               "FromTime", bf, "ToTime", bt)) == -1) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

#define AVAIL_RESOURCE_PAGES 5  /* 500 resources */
#define AVAIL_BOOKING_PAGES  10 /* 1,000 bookings */

/* spec lists the resources, join the bookings that overlap the window
 * (FromTime <= to and ToTime >= from); the answer is the difference. */
static json_t *
run_availability(struct nxm_mcp_ctx *ctx, const struct specialist *spec,
                 const struct specialist *join, json_t *args, char *err, size_t errlen)
{
	const char *from = json_string_value(json_object_get(args, "from")),
	           *to = json_string_value(json_object_get(args, "to"));
	json_t *rid = json_object_get(args, "resource_id"), *r, *out = NULL;
	json_t *resources = json_array(), *bookings = json_array(), *free_list = json_array(),
	       *booked = json_array();
	bool more_resources = false, more_bookings = false;
	time_t t_from, t_to;
	char note[512];
	size_t i;

	if (resources == NULL || bookings == NULL || free_list == NULL || booked == NULL) {
		snprintf(err, errlen, "Internal error preparing the search.");
		goto out;
	}
	if (nxm_time_parse_utc(from, &t_from) == -1 || nxm_time_parse_utc(to, &t_to) == -1) {
		snprintf(err, errlen,
		         "from and to are UTC dates or times: YYYY-MM-DD or YYYY-MM-DDTHH:MM.");
		goto out;
	}
	if (t_to <= t_from) {
		snprintf(err, errlen, "to must be later than from.");
		goto out;
	}
	for (size_t m = 0;
	     rid != NULL && m < NXM_ARRAY_LEN(spec->maps) && spec->maps[m].arg != NULL; m++) {
		if (json_object_get(args, spec->maps[m].arg) != NULL) {
			snprintf(err, errlen,
			         "Give either resource_id or the filters that pick resources (%s), "
			         "not both.",
			         spec->maps[m].arg);
			goto out;
		}
	}
	if (rid != NULL) {
		/* One resource: read it by Id rather than searching for it. */
		json_t *get_args = json_pack("{s:s, s:O}", "entity", spec->entity, "id", rid);
		r = get_args != NULL ? run_get(ctx, get_args, err, errlen) : NULL;
		json_decref(get_args);
		if (append_new(resources, r) == -1)
			goto out;
	} else if (collect_pages(ctx, spec, args, AVAIL_RESOURCE_PAGES, resources, &more_resources,
	                         err, errlen) == -1)
		goto out;
	if (collect_pages(ctx, join, args, AVAIL_BOOKING_PAGES, bookings, &more_bookings, err,
	                  errlen) == -1)
		goto out;
	json_array_foreach(resources, i, r)
	{
		json_t *id = json_object_get(r, "Id"),
		       *hits = overlapping(bookings, id, t_from, t_to), *entry;
		entry = json_pack("{s:O?, s:O?, s:O?}", "Id", id, "Name",
		                  json_object_get(r, "Name"), "BusinessId",
		                  json_object_get(r, "BusinessId"));
		if (hits == NULL || entry == NULL) {
			json_decref(hits);
			json_decref(entry);
			snprintf(err, errlen, "Internal error building the answer.");
			goto out;
		}
		if (json_array_size(hits) == 0) {
			json_decref(hits);
			if (json_array_append_new(free_list, entry) == -1)
				goto out;
		} else if (json_object_set_new(entry, "bookings", hits) == -1 ||
		           json_array_append_new(booked, entry) == -1)
			goto out;
	}
	if (more_resources)
		snprintf(note, sizeof(note),
		         "More than %d resources match: only the first %d (by name) were checked. "
		         "Narrow them with location_id or a resource type.",
		         AVAIL_RESOURCE_PAGES * NXM_TOOLS_PAGE_MAX,
		         AVAIL_RESOURCE_PAGES * NXM_TOOLS_PAGE_MAX);
	else
		note[0] = '\0';
	if (more_bookings)
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
		         "%sThe window holds more than %d bookings and only the first %d were "
		         "read, so a resource listed as free may be booked: use a shorter window.",
		         note[0] ? " " : "", AVAIL_BOOKING_PAGES * NXM_TOOLS_PAGE_MAX,
		         AVAIL_BOOKING_PAGES * NXM_TOOLS_PAGE_MAX);
	if (note[0] == '\0')
		snprintf(
		        note, sizeof(note),
		        "Booked means at least one booking overlaps the window; a resource that "
		        "takes several bookings at once (Allocation above 1) may still have room.");
	out = json_pack("{s:s, s:s, s:O, s:O, s:I, s:I, s:b, s:s}", "from", from, "to", to, "free",
	                free_list, "booked", booked, "resources_checked",
	                (json_int_t)json_array_size(resources), "bookings_checked",
	                (json_int_t)json_array_size(bookings), "truncated",
	                more_resources || more_bookings, "note", note);
	if (out == NULL)
		snprintf(err, errlen, "Internal error building the answer.");
out:
	json_decref(resources);
	json_decref(bookings);
	json_decref(free_list);
	json_decref(booked);
	return out;
}

static json_t *
run_list_commands(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	char path[512];

	if (e == NULL)
		return NULL;
	if (!e->has_commands) {
		snprintf(err, errlen, "%s has no commands; use nexudus_update or nexudus_delete.",
		         e->name);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/commands", e->path);
	return simple_call(ctx, "GET", path, NULL, err, errlen);
}

static json_t *
run_run_command(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	json_t *key = json_object_get(args, "key"), *ids = json_object_get(args, "ids");
	json_t *params = json_object_get(args, "parameters"), *body, *out, *id;
	char path[512];
	size_t i;

	if (e == NULL)
		return NULL;
	if (!e->has_commands) {
		snprintf(err, errlen, "%s has no commands.", e->name);
		return NULL;
	}
	if (!json_is_string(key) || !json_is_array(ids) || json_array_size(ids) == 0) {
		snprintf(err, errlen,
		         "Give key (from nexudus_list_commands) and ids (a list of record Ids).");
		return NULL;
	}
	json_array_foreach(ids, i, id) if (!json_is_integer(id))
	{
		snprintf(err, errlen, "ids must be whole numbers.");
		return NULL;
	}
	if (nxm_args_no_tokens(key, "a command's key", err, errlen) == -1 ||
	    nxm_args_no_tokens(params, "a command's parameters", err, errlen) == -1)
		return NULL;
	body = json_pack("{s:O, s:O, s:O}", "Key", key, "Ids", ids, "Parameters",
	                 json_is_array(params) ? params : json_array());
	if (!json_is_array(params))
		json_decref(json_object_get(body, "Parameters")); /* the empty array packed above */
	snprintf(path, sizeof(path), "%s/runcommand", e->path);
	out = simple_call(ctx, "POST", path, body, err, errlen);
	json_decref(body);
	return out;
}

static json_t *
run_skill_guide(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	return json_pack(
	        "{s:s}", "guide",
	        "Working with Nexudus through nexmcp. 1. Find the entity: nexudus_list_entities "
	        "(coworkers are members and contacts, bookings are room and desk bookings, "
	        "coworkerinvoices are invoices, checkins are arrivals, businesses are locations). "
	        "2. Learn its fields: nexudus_describe_entity, before filtering or writing. 3. "
	        "Search "
	        "with nexudus_list: filters match text fields by substring, from/to bound dates "
	        "(YYYY-MM-DDTHH:MM, UTC) and numbers; results come in pages (size up to 100). When "
	        "personal data is redacted, personal values are «PII:…» tokens: pass a token back "
	        "in a filter or a field that holds personal data and it stands for its value; "
	        "such filters match whole values only, and ranges and ordering on personal fields "
	        "are refused. 4. "
	        "Read "
	        "one record with nexudus_get for the fields lists omit. 5. Write with "
	        "nexudus_create, "
	        "nexudus_update (only the fields you name change) and nexudus_delete; some "
	        "entities cannot be deleted directly and have a command instead "
	        "(nexudus_list_commands, nexudus_run_command). Confirm destructive actions with "
	        "the "
	        "user. Call tools one at a time: Nexudus throttles bursts. nexudus_whoami tells "
	        "which "
	        "locations this account administers.");
}

static const struct {
	const char *entity;
	const char *note;
} entity_notes[] = {
        {"coworkers", "Members and contacts. CoworkerType 1 is an individual, 2 a company. They "
                      "cannot be deleted directly: use the COWORKER_DELETE command."},
        {"bookings", "Room and desk bookings. FromTime and ToTime are UTC; FromTimeLocal is the "
                     "location's time. Use from/to on FromTime for a date range."},
        {"coworkerinvoices", "Invoices: read and update only. Paid=false finds unpaid ones; add "
                             "to DueDate=now for overdue ones."},
        {"checkins", "Arrivals; ToTime is empty while the member is still in."},
        {"businesses", "The locations: list, read and update only."},
};

static json_t *
run_entity_guide(struct nxm_mcp_ctx *ctx, json_t *args, char *err, size_t errlen)
{
	const struct nxm_entity *e = entity_arg(args, err, errlen);
	json_t *required, *filters, *ranges;
	const char *note = "";

	if (e == NULL)
		return NULL;
	required = json_array();
	filters = json_array();
	ranges = json_array();
	for (size_t i = 0; i < e->nfields; i++) {
		const struct nxm_field *f = &e->fields[i];
		if (f->flags & NXM_FF_REQUIRED)
			json_array_append_new(required, json_string(f->name));
		if (f->flags & NXM_FF_FILTERABLE)
			json_array_append_new(filters, json_string(f->name));
		if (f->flags & NXM_FF_RANGE)
			json_array_append_new(ranges, json_string(f->name));
	}
	for (size_t i = 0; i < NXM_ARRAY_LEN(entity_notes); i++)
		if (strcmp(entity_notes[i].entity, e->name) == 0)
			note = entity_notes[i].note;
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:s}", "entity", e->name, "operations",
	                 ops_array(e), "required_on_create", required, "filters", filters,
	                 "range_filters", ranges, "has_commands", e->has_commands, "notes", note);
}

static const struct specialist find_members = {
        "coworkers",
        "FullName",
        NULL,
        {{"name", MAP_FILTER, "FullName"},
         {"email", MAP_FILTER, "Email"},
         {"active", MAP_FILTER, "Active"},
         {"company", MAP_FILTER, "CompanyName"}},
        {NULL},
        NULL,
        NULL,
        NULL,
};
static const struct specialist bookings_between = {
        "bookings",
        "FromTime",
        NULL,
        {{"from", MAP_FROM, "FromTime"},
         {"to", MAP_TO, "FromTime"},
         {"resource_id", MAP_FILTER, "ResourceId"},
         {"member_id", MAP_FILTER, "CoworkerId"},
         {"resource_name", MAP_FILTER, "ResourceName"}},
        {NULL},
        NULL,
        NULL,
        NULL,
};
static const struct specialist unpaid_invoices = {
        "coworkerinvoices",
        "DueDate",
        NULL,
        {{"member_id", MAP_FILTER, "CoworkerId"}, {"location_id", MAP_FILTER, "BusinessId"}},
        {"Paid=false", "Void=false"},
        NULL,
        "overdue_only",
        "DueDate",
};
static const struct specialist todays_checkins = {
        "checkins",
        "FromTime",
        NULL,
        {{"location_id", MAP_FILTER, "BusinessId"}, {"member_id", MAP_FILTER, "CoworkerId"}},
        {NULL},
        "FromTime",
        NULL,
        NULL,
};

/* Resource availability: the resources, then the bookings that overlap the
 * window; run_availability computes the difference. */
static const struct specialist availability_resources = {
        "resources",
        "Name",
        NULL,
        {{"location_id", MAP_FILTER, "BusinessId"},
         {"resource_type", MAP_FILTER, "SystemResourceType"},
         {"resource_type_id", MAP_FILTER, "ResourceTypeId"}},
        {"Archived=false"},
        NULL,
        NULL,
        NULL,
};
static const struct specialist availability_bookings = {
        "bookings",
        "FromTime",
        NULL,
        {{"from", MAP_FROM, "ToTime"},
         {"to", MAP_TO, "FromTime"},
         {"resource_id", MAP_FILTER, "ResourceId"}},
        {NULL},
        NULL,
        NULL,
        NULL,
};

/* Its enum (every entity name) is added when the schema is built, from the
 * catalog; x-mcp-header asks clients of revision 2026-07-28 to mirror the
 * argument into the Mcp-Param-Entity request header. */
#define ENTITY_PROP                                                                                \
	"\"entity\":{\"type\":\"string\",\"x-mcp-header\":\"Entity\",\"description\":\"Entity "    \
	"name, e.g. coworkers, bookings, coworkerinvoices (see nexudus_list_entities)\"}"
#define ID_PROP "\"id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"The record's Id\"}"
#define FIELDS_PROP                                                                                \
	"\"fields\":{\"type\":\"object\",\"description\":\"{Field: value} using the field names "  \
	"of nexudus_describe_entity\"}"

static const struct tool tools[] = {
        {false, "nexudus_list_entities", "List Nexudus entity types",
         "Lists every Nexudus entity type the tools work on (208), with the operations each "
         "supports. Use it to find the right entity name.",
         "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}", true, false,
         true, false, false, run_list_entities, NULL, NULL, NULL},
        {false, "nexudus_describe_entity", "Describe a Nexudus entity",
         "Shows an entity's fields (type, required on create, filterable, range filters, enum "
         "values, personal-data category) and supported operations. Call it before filtering, "
         "creating or updating.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP "},\"required\":[\"entity\"],"
         "\"additionalProperties\":false}",
         true, false, true, false, false, run_describe, NULL, NULL, NULL},
        {true, "nexudus_list", "Search Nexudus records",
         "Lists records of an entity, filtered and paged. filters matches fields ({\"FullName\": "
         "\"Ana\"} matches names containing Ana; when personal data is redacted, a personal field "
         "matches a token or a whole value only); from/to bound date or number fields. Lists omit "
         "collection fields that nexudus_get returns.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP ","
         "\"filters\":{\"type\":\"object\"},\"from\":{\"type\":\"object\"},\"to\":{\"type\":"
         "\"object\"},"
         "\"page\":{\"type\":\"integer\",\"minimum\":1},\"size\":{\"type\":\"integer\",\"minimum\":"
         "1,\"maximum\":100},"
         "\"orderBy\":{\"type\":\"string\"},\"dir\":{\"type\":\"string\",\"enum\":[\"asc\","
         "\"desc\"]}},"
         "\"required\":[\"entity\"],\"additionalProperties\":false}",
         true, false, true, true, false, run_list, NULL, NULL, NULL},
        {true, "nexudus_get", "Get one Nexudus record",
         "Reads one record by Id, including the collection fields lists leave out.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP "," ID_PROP "},"
         "\"required\":[\"entity\",\"id\"],\"additionalProperties\":false}",
         true, false, true, true, false, run_get, NULL, NULL, NULL},
        {true, "nexudus_create", "Create a Nexudus record",
         "Creates a record. Required fields are listed by nexudus_describe_entity; Nexudus's "
         "validation messages come back if something is missing.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP "," FIELDS_PROP "},"
         "\"required\":[\"entity\",\"fields\"],\"additionalProperties\":false}",
         false, false, false, true, true, run_create, NULL, NULL, NULL},
        {true, "nexudus_update", "Update a Nexudus record",
         "Changes the given fields of a record and keeps all others (the current record is read "
         "and merged before the update).",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP "," ID_PROP "," FIELDS_PROP "},"
         "\"required\":[\"entity\",\"id\",\"fields\"],\"additionalProperties\":false}",
         false, false, true, true, true, run_update, NULL, NULL, NULL},
        {true, "nexudus_delete", "Delete a Nexudus record",
         "Deletes a record by Id. This cannot be undone: confirm with the user first.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP "," ID_PROP "},"
         "\"required\":[\"entity\",\"id\"],\"additionalProperties\":false}",
         false, true, true, true, true, run_delete, NULL, NULL, NULL},
        {false, "nexudus_whoami", "Who am I",
         "The signed-in administrator's Nexudus user Id, the locations (businesses) they "
         "administer with currency and time zone, the session's scope, personal-data setting and "
         "expiry.",
         "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}", true, false,
         true, true, false, run_whoami, NULL, NULL, NULL},
        {false, "nexudus_change_pii_redaction_setting", "How to change the personal-data setting",
         "Explains how to show or hide members' personal data: the choice is made at sign-in.",
         "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}", true, false,
         true, false, false, run_pii_setting, NULL, NULL, NULL},
        {false, "nexudus_reauthenticate", "Sign in again",
         "Ends this session so the client signs in again (to change account, scope or the "
         "personal-data setting).",
         "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}", false, true,
         true, false, false, run_reauthenticate, NULL, NULL, NULL},
        {true, "nexudus_list_commands", "List an entity's commands",
         "Lists the special operations of an entity (archive, check in, delete a member, ...) "
         "with their keys, for nexudus_run_command.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP "},\"required\":[\"entity\"],"
         "\"additionalProperties\":false}",
         true, false, true, true, false, run_list_commands, NULL, NULL, NULL},
        {true, "nexudus_run_command", "Run an entity command",
         "Runs a command (a key from nexudus_list_commands) on one or more records. Some "
         "commands delete or archive: confirm with the user first.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP ",\"key\":{\"type\":\"string\"},"
         "\"ids\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1},"
         "\"parameters\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},"
         "\"required\":[\"entity\",\"key\",\"ids\"],\"additionalProperties\":false}",
         false, true, false, true, true, run_run_command, NULL, NULL, NULL},
        {false, "nexudus_get_skill_guide", "How to use these tools",
         "A short guide to working with Nexudus through these tools: which entity holds what, "
         "and the order to call tools in.",
         "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}", true, false,
         true, false, false, run_skill_guide, NULL, NULL, NULL},
        {false, "nexudus_get_entity_guide", "Guide to one entity",
         "What an entity is for, its required fields, filters and range filters, and notes for "
         "the main entities.",
         "{\"type\":\"object\",\"properties\":{" ENTITY_PROP "},\"required\":[\"entity\"],"
         "\"additionalProperties\":false}",
         true, false, true, false, false, run_entity_guide, NULL, NULL, NULL},
        {true, "nexudus_find_members", "Find members",
         "Finds members and contacts by part of their name, e-mail or company (a token or the "
         "whole value when personal data is redacted), or by whether they are active.",
         "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"email\":{\"type\":"
         "\"string\"},"
         "\"company\":{\"type\":\"string\"},\"active\":{\"type\":\"boolean\"},"
         "\"page\":{\"type\":\"integer\",\"minimum\":1},\"size\":{\"type\":\"integer\",\"minimum\":"
         "1,\"maximum\":100}},"
         "\"additionalProperties\":false}",
         true, false, true, true, false, NULL, run_mapped_list, &find_members, NULL},
        {true, "nexudus_bookings_between", "Bookings in a date range",
         "Bookings starting between two dates (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC), optionally "
         "for one resource (by Id or name) or one member.",
         "{\"type\":\"object\",\"properties\":{\"from\":{\"type\":\"string\"},\"to\":{\"type\":"
         "\"string\"},"
         "\"resource_id\":{\"type\":\"integer\"},\"resource_name\":{\"type\":\"string\"},"
         "\"member_id\":{\"type\":\"integer\"},\"page\":{\"type\":\"integer\",\"minimum\":1},"
         "\"size\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}},\"required\":[\"from\","
         "\"to\"],"
         "\"additionalProperties\":false}",
         true, false, true, true, false, NULL, run_mapped_list, &bookings_between, NULL},
        {true, "nexudus_unpaid_invoices", "Unpaid invoices",
         "Invoices not paid (and not void), optionally only overdue ones, for one member or "
         "location; earliest due first.",
         "{\"type\":\"object\",\"properties\":{\"overdue_only\":{\"type\":\"boolean\"},"
         "\"member_id\":{\"type\":\"integer\"},\"location_id\":{\"type\":\"integer\"},"
         "\"page\":{\"type\":\"integer\",\"minimum\":1},\"size\":{\"type\":\"integer\",\"minimum\":"
         "1,\"maximum\":100}},"
         "\"additionalProperties\":false}",
         true, false, true, true, false, NULL, run_mapped_list, &unpaid_invoices, NULL},
        {true, "nexudus_todays_checkins", "Today's check-ins",
         "Who has checked in today (UTC), optionally at one location; ToTime is empty for those "
         "still in.",
         "{\"type\":\"object\",\"properties\":{\"location_id\":{\"type\":\"integer\"},"
         "\"member_id\":{\"type\":\"integer\"},\"page\":{\"type\":\"integer\",\"minimum\":1},"
         "\"size\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}},\"additionalProperties\":"
         "false}",
         true, false, true, true, false, NULL, run_mapped_list, &todays_checkins, NULL},
        {true, "nexudus_resource_availability", "Resource availability",
         "Which resources (rooms, desks, offices) are free for a whole time window and which are "
         "booked, with the overlapping bookings. from and to are UTC: YYYY-MM-DD (midnight at "
         "the start of that day) or YYYY-MM-DDTHH:MM. Optionally one location, one resource "
         "type, or one resource by Id.",
         "{\"type\":\"object\",\"properties\":{\"from\":{\"type\":\"string\",\"description\":"
         "\"Start of the window (UTC)\"},\"to\":{\"type\":\"string\",\"description\":\"End of "
         "the window (UTC)\"},\"location_id\":{\"type\":\"integer\",\"minimum\":1,"
         "\"description\":\"A location's Id (see nexudus_whoami)\"},\"resource_type\":{"
         "\"type\":\"string\",\"description\":\"The kind of resource\"},\"resource_type_id\":{"
         "\"type\":\"integer\",\"minimum\":1,\"description\":\"A resourcetypes Id\"},"
         "\"resource_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"Check only "
         "this resource\"}},\"required\":[\"from\",\"to\"],\"additionalProperties\":false}",
         true, false, true, true, false, NULL, run_availability, &availability_resources,
         &availability_bookings},
};

/* outputSchema for the tools whose result has a fixed shape (MCP: their
 * structuredContent must conform). The tools that hand back Nexudus's own
 * envelopes, whose fields depend on the entity, have none. */
#define STR  "{\"type\":\"string\"}"
#define BOOL "{\"type\":\"boolean\"}"
#define STRS "{\"type\":\"array\",\"items\":" STR "}"
#define INT  "{\"type\":\"integer\"}"
#define RESOURCE                                                                                   \
	"{\"type\":\"object\",\"properties\":{\"Id\":" INT ",\"Name\":{\"type\":[\"string\","      \
	"\"null\"]},\"BusinessId\":{\"type\":[\"integer\",\"null\"]}},\"required\":[\"Id\","       \
	"\"Name\",\"BusinessId\"]}"
static const struct {
	const char *tool;
	const char *schema;
} output_schemas[] = {
        {"nexudus_list_entities",
         "{\"type\":\"object\",\"properties\":{\"entities\":{\"type\":\"array\",\"items\":{"
         "\"type\":\"object\",\"properties\":{\"name\":" STR ",\"singular\":" STR ",\"module\":" STR
         ",\"operations\":" STRS ",\"has_commands\":" BOOL "},\"required\":[\"name\",\"singular\","
         "\"module\",\"operations\",\"has_commands\"]}},\"count\":{\"type\":\"integer\"}},"
         "\"required\":[\"entities\",\"count\"]}"},
        {"nexudus_describe_entity",
         "{\"type\":\"object\",\"properties\":{\"name\":" STR ",\"singular\":" STR ",\"path\":" STR
         ",\"operations\":" STRS ",\"has_commands\":" BOOL
         ",\"fields\":{\"type\":\"array\",\"items\":{"
         "\"type\":\"object\",\"properties\":{\"name\":" STR ",\"type\":" STR
         "},\"required\":[\"name\","
         "\"type\"]}}},\"required\":[\"name\",\"singular\",\"path\",\"operations\",\"has_"
         "commands\","
         "\"fields\"]}"},
        {"nexudus_whoami",
         "{\"type\":\"object\",\"properties\":{\"nexudus_user_id\":{\"type\":\"integer\"},"
         "\"scope\":" STR ",\"personal_data_visible\":" BOOL ",\"session_expires_at\":" STR
         ",\"locations\":{\"type\":"
         "\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"nexudus_user_id\",\"scope\","
         "\"personal_data_visible\",\"session_expires_at\",\"locations\"]}"},
        {"nexudus_change_pii_redaction_setting",
         "{\"type\":\"object\",\"properties\":{\"personal_data_visible\":" BOOL
         ",\"how_to_change\":" STR "},\"required\":[\"personal_data_visible\",\"how_to_change\"]}"},
        {"nexudus_reauthenticate", "{\"type\":\"object\",\"properties\":{\"revoked\":" BOOL
                                   ",\"next\":" STR "},\"required\":["
                                   "\"revoked\",\"next\"]}"},
        {"nexudus_get_skill_guide",
         "{\"type\":\"object\",\"properties\":{\"guide\":" STR "},\"required\":[\"guide\"]}"},
        {"nexudus_resource_availability",
         "{\"type\":\"object\",\"properties\":{\"from\":" STR ",\"to\":" STR
         ",\"free\":{\"type\":\"array\",\"items\":" RESOURCE "},\"booked\":{\"type\":"
         "\"array\",\"items\":{\"allOf\":[" RESOURCE ",{\"type\":\"object\",\"properties\":{"
         "\"bookings\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"object\","
         "\"properties\":{\"Id\":" INT ",\"FromTime\":" STR ",\"ToTime\":" STR "},"
         "\"required\":[\"Id\",\"FromTime\",\"ToTime\"]}}},\"required\":[\"bookings\"]}]}},"
         "\"resources_checked\":" INT ",\"bookings_checked\":" INT ",\"truncated\":" BOOL
         ",\"note\":" STR "},\"required\":[\"from\",\"to\",\"free\",\"booked\","
         "\"resources_checked\",\"bookings_checked\",\"truncated\",\"note\"]}"},
        {"nexudus_get_entity_guide",
         "{\"type\":\"object\",\"properties\":{\"entity\":" STR ",\"operations\":" STRS
         ",\"required_on_create\":" STRS ",\"filters\":" STRS ",\"range_filters\":" STRS
         ",\"has_commands\":" BOOL ",\"notes\":" STR "},\"required\":[\"entity\",\"operations\","
         "\"required_on_create\",\"filters\",\"range_filters\",\"has_commands\",\"notes\"]}"},
};

static const char *
output_schema(const char *tool)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(output_schemas); i++)
		if (strcmp(output_schemas[i].tool, tool) == 0)
			return output_schemas[i].schema;
	return NULL;
}

static const struct tool *
find_tool(const char *name)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(tools); i++)
		if (strcmp(tools[i].name, name) == 0)
			return &tools[i];
	return NULL;
}

bool
nxm_tool_exists(const char *name)
{
	return find_tool(name) != NULL;
}

/* The names of an enum definition, in catalog order. */
static json_t *
enum_names(const struct nxm_enum_def *d)
{
	json_t *names = json_array();

	for (size_t i = 0; names != NULL && i < d->nvalues; i++)
		if (json_array_append_new(names, json_string(d->values[i].name)) == -1) {
			json_decref(names);
			names = NULL;
		}
	return names;
}

/* Every entity the tools reach (those with a REST module), in catalog order. */
static json_t *
entity_names(void)
{
	json_t *names = json_array();

	for (size_t i = 0; names != NULL && i < nxm_catalog_count; i++)
		if (nxm_catalog[i].module != NULL &&
		    json_array_append_new(names, json_string(nxm_catalog[i].name)) == -1) {
			json_decref(names);
			names = NULL;
		}
	return names;
}

/* What the table's schema text cannot say by itself: the enums that come
 * from the catalog. An `entity` property gets every entity name; an
 * argument that a mapping sends to a field with enum values gets their
 * names. */
static int
add_catalog_enums(const struct tool *t, json_t *schema)
{
	json_t *props = json_object_get(schema, "properties"), *p;

	if ((p = json_object_get(props, "entity")) != NULL &&
	    json_object_set_new(p, "enum", entity_names()) == -1)
		return -1;
	for (int s = 0; s < 2; s++) {
		const struct specialist *sp = s == 0 ? t->spec : t->join;
		const struct nxm_entity *e = sp != NULL ? nxm_catalog_find(sp->entity) : NULL;
		for (size_t i = 0;
		     e != NULL && i < NXM_ARRAY_LEN(sp->maps) && sp->maps[i].arg != NULL; i++) {
			const struct nxm_field *f = nxm_catalog_field(e, sp->maps[i].field);
			p = json_object_get(props, sp->maps[i].arg);
			if (p == NULL || f == NULL || f->enumdef == NULL ||
			    json_object_get(p, "enum") != NULL)
				continue;
			if (json_object_set_new(p, "enum", enum_names(f->enumdef)) == -1)
				return -1;
		}
	}
	return 0;
}

/* Each tool's schemas, parsed (and completed from the catalog) once per
 * process on first use and then shared: a FastCGI process answers many
 * tools/list and tools/call requests. Nothing changes them once built. */
struct tool_schemas {
	json_t *input, *output;
};
static struct tool_schemas schema_cache[NXM_ARRAY_LEN(tools)];

static const struct tool_schemas *
schemas_of(const struct tool *t)
{
	struct tool_schemas *c = &schema_cache[t - tools];
	const char *out = output_schema(t->name);
	json_t *input, *output = NULL;
	json_error_t jerr;

	if (c->input != NULL)
		return c;
	if ((input = json_loads(t->schema, 0, &jerr)) == NULL) {
		nxm_log_err("tool %s: invalid input schema: %s", t->name, jerr.text);
		return NULL;
	}
	if (add_catalog_enums(t, input) == -1) {
		nxm_log_err("tool %s: cannot add the catalog's enums", t->name);
		goto fail;
	}
	if (out != NULL && (output = json_loads(out, 0, &jerr)) == NULL) {
		nxm_log_err("tool %s: invalid output schema: %s", t->name, jerr.text);
		goto fail;
	}
	c->input = input;
	c->output = output;
	return c;
fail:
	json_decref(input);
	return NULL;
}

json_t *
nxm_tools_list(void)
{
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < NXM_ARRAY_LEN(tools); i++) {
		const struct tool *t = &tools[i];
		const struct tool_schemas *sc = schemas_of(t);
		json_t *entry;

		if (sc == NULL) {
			json_decref(list);
			return NULL;
		}
		entry = json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:b, s:b, s:b, s:b}}", "name",
		                  t->name, "title", t->title, "description", t->description,
		                  "inputSchema", sc->input, "annotations", "title", t->title,
		                  "readOnlyHint", t->read_only, "destructiveHint", t->destructive,
		                  "idempotentHint", t->idempotent, "openWorldHint", t->open_world);
		if (entry == NULL || (sc->output != NULL &&
		                      json_object_set(entry, "outputSchema", sc->output) == -1)) {
			json_decref(entry);
			entry = NULL;
		}
		/* json_array_append_new releases entry when it fails. */
		if (entry == NULL || json_array_append_new(list, entry) == -1) {
			nxm_log_err("tool %s: cannot describe it", t->name);
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

json_t *
nxm_tool_mirrored_args(const char *name)
{
	const struct tool *t = find_tool(name);
	const struct tool_schemas *sc = t != NULL ? schemas_of(t) : NULL;
	json_t *out = json_object(), *p, *h;
	const char *key;

	if (sc == NULL || out == NULL)
		return out;
	json_object_foreach(json_object_get(sc->input, "properties"), key, p)
	{
		if (json_is_string(h = json_object_get(p, "x-mcp-header")))
			json_object_set(out, key, h);
	}
	return out;
}

static json_t *
text_result(json_t *structured, const char *error)
{
	char *text;
	json_t *r;

	if (error != NULL)
		return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", error,
		                 "isError", 1);
	/* UTF-8 as it is: a model reading the text sees «PII:…» tokens, not
	 * escapes it would have to undo before passing them back. */
	text = json_dumps(structured, JSON_COMPACT);
	/* structuredContent is an object; lists and scalars are wrapped. */
	if (!json_is_object(structured))
		structured = json_pack("{s:o}", "result", structured);
	r = json_pack("{s:[{s:s, s:s}], s:o, s:b}", "content", "type", "text", "text",
	              text ? text : "", "structuredContent", structured, "isError", 0);
	nxm_json_free_string(text);
	return r;
}

static bool
type_matches(const char *type, json_t *v)
{
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "object") == 0)
		return json_is_object(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	return true;
}

/* "Argument 'x' has a value that is not allowed; use one of: a, b, c." */
static void
enum_refusal(const char *key, json_t *allowed, char *err, size_t errlen)
{
	size_t o = (size_t)snprintf(
	        err, errlen, "Argument '%s' has a value that is not allowed; use one of:", key);
	json_t *e;
	size_t k;

	json_array_foreach(allowed, k, e)
	{
		if (o >= errlen)
			break;
		o += (size_t)snprintf(err + o, errlen - o, "%s %s", k == 0 ? "" : ",",
		                      json_string_value(e) ? json_string_value(e) : "?");
	}
	if (o < errlen)
		snprintf(err + o, errlen - o, ".");
}

/* The subset of JSON Schema our input schemas use: properties with type,
 * enum, minimum and maximum; required; additionalProperties false. Checked
 * here so that a client that skips validation still gets a clear answer. */
static int
check_args(const struct tool *t, json_t *args, char *err, size_t errlen)
{
	const struct tool_schemas *sc = schemas_of(t);
	json_t *props, *req, *v;
	const char *key;
	size_t i;

	if (sc == NULL) {
		snprintf(err, errlen, "Internal error: the tool's schema is invalid.");
		return -1;
	}
	props = json_object_get(sc->input, "properties");
	json_object_foreach(args, key, v)
	{
		json_t *p = json_object_get(props, key), *en, *lim;
		const char *type;
		if (p == NULL) {
			snprintf(err, errlen, "Unknown argument '%.40s' for %s.", key, t->name);
			return -1;
		}
		type = json_string_value(json_object_get(p, "type"));
		if (type != NULL && !type_matches(type, v)) {
			snprintf(err, errlen, "Argument '%s' must be of type %s.", key, type);
			return -1;
		}
		if (strcmp(key, "entity") == 0 && json_is_string(v)) {
			/* The enum lists the collection names; the singular and any
			 * case are accepted too, as they always were. What the
			 * catalog does not know gets the closest names instead of
			 * a list of 208. */
			const struct nxm_entity *e = nxm_catalog_find(json_string_value(v));
			if (e == NULL || e->module == NULL) {
				suggest_entity(json_string_value(v), err, errlen);
				return -1;
			}
		} else if ((en = json_object_get(p, "enum")) != NULL) {
			bool found = false;
			json_t *e;
			size_t k;
			json_array_foreach(en, k, e) found = found || json_equal(e, v);
			if (!found) {
				enum_refusal(key, en, err, errlen);
				return -1;
			}
		}
		if (json_is_integer(v) && (lim = json_object_get(p, "minimum")) != NULL &&
		    json_integer_value(v) < json_integer_value(lim)) {
			snprintf(err, errlen, "Argument '%s' must be at least %lld.", key,
			         (long long)json_integer_value(lim));
			return -1;
		}
		if (json_is_integer(v) && (lim = json_object_get(p, "maximum")) != NULL &&
		    json_integer_value(v) > json_integer_value(lim)) {
			snprintf(err, errlen, "Argument '%s' must be at most %lld.", key,
			         (long long)json_integer_value(lim));
			return -1;
		}
	}
	req = json_object_get(sc->input, "required");
	json_array_foreach(req, i, v)
	{
		if (json_object_get(args, json_string_value(v)) == NULL) {
			snprintf(err, errlen, "Missing argument '%s' for %s.", json_string_value(v),
			         t->name);
			return -1;
		}
	}
	return 0;
}

/* The entity whose catalog fields tell which members of the result hold
 * personal data; NULL lets the redactor go by field names alone. */
static const struct nxm_entity *
result_entity(const struct tool *t, json_t *args)
{
	/* What describes the catalog, and an entity's list of commands, holds
	 * no record of the entity. */
	if (!t->returns_records || t->run == run_list_commands)
		return NULL;
	if (t->spec != NULL && t->join == NULL)
		return nxm_catalog_find(t->spec->entity);
	return json_is_string(json_object_get(args, "entity"))
	               ? nxm_catalog_find(json_string_value(json_object_get(args, "entity")))
	               : NULL;
}

/* With redaction on, the result's personal data becomes the session's
 * tokens: the records (by catalog category and by detector) and an error
 * message, which may echo what Nexudus was sent. -1 when that failed: the
 * caller then answers without the result. */
static int
redact(struct nxm_pii_store *store, const struct nxm_entity *e, json_t *out, char *err,
       size_t errlen)
{
	struct nxm_pii_redactor r;
	struct nxm_buf text = {0};
	int rc = -1;

	nxm_pii_redactor_init(&r, nxm_pii_store_tokenize, store);
	if (out != NULL) {
		rc = nxm_pii_redact_json(e, out, &r);
		goto done;
	}
	if (nxm_pii_redact_text(err, strlen(err), &text, &r) == -1)
		goto done;
	snprintf(err, errlen, "%s", text.data != NULL ? text.data : "");
	rc = 0;
done:
	nxm_buf_free(&text);
	nxm_pii_redactor_clear(&r);
	return rc;
}

static json_t *
with_redaction_flag(json_t *result, bool redacted)
{
	if (result != NULL &&
	    json_object_set_new(result, "_meta",
	                        json_pack("{s:b}", NXM_META_PII_REDACTED, redacted)) == -1) {
		json_decref(result);
		return NULL;
	}
	return result;
}

json_t *
nxm_tool_call(struct nxm_mcp_ctx *ctx, const char *name, json_t *args)
{
	const struct tool *t = find_tool(name);
	const bool redacting = !ctx->session->allow_pii;
	struct nxm_pii_store *store;
	char err[1024] = "";
	json_t *out = NULL, *empty = NULL, *result = NULL;
	bool ok = false;

	if (t == NULL)
		return NULL;
	if (t->needs_write && !ctx->session->can_write) {
		ctx->http_status = 403;
		return NULL;
	}
	if (args == NULL)
		args = empty = json_object();
	if (ctx->pii == NULL && (ctx->pii = nxm_pii_store_open(ctx->app, ctx->session)) == NULL) {
		snprintf(err, sizeof(err), "Internal error: cannot open the personal-data map.");
		goto answer;
	}
	store = ctx->pii;
	nxm_pii_store_set_seen(store, ctx->seen);
	/* Arguments are checked as the client sent them; tokens become their
	 * values only where the Nexudus request is built (mcp/args.h), so no
	 * refusal can quote a value a token stands for. */
	if (check_args(t, args, err, sizeof(err)) == -1)
		goto redact;
	out = t->run != NULL ? t->run(ctx, args, err, sizeof(err))
	                     : t->run_mapped(ctx, t->spec, t->join, args, err, sizeof(err));
	if (ctx->http_status != 0)
		goto done;
	if (out == NULL && err[0] == '\0')
		snprintf(err, sizeof(err), "The tool failed.");
redact:
	/* Error messages too: they may echo an argument or what Nexudus was
	 * sent. */
	if (redacting && redact(store, result_entity(t, args), out, err, sizeof(err)) == -1) {
		json_decref(out);
		out = NULL;
		if (nxm_pii_store_full(store))
			snprintf(err, sizeof(err),
			         "This session has been shown %ld personal values as tokens, the "
			         "most one session may (pii_max_tokens), so this result, which "
			         "holds new ones, is withheld. Ask for fewer records (a smaller "
			         "size, narrower filters), or sign in again to start a new "
			         "session.",
			         ctx->app->cfg.pii_max_tokens > 0 ? ctx->app->cfg.pii_max_tokens
			                                          : NXM_CONFIG_PII_MAX_TOKENS_DEFAULT);
		else
			snprintf(err, sizeof(err), "Internal error: the result could not be "
			                           "redacted, so it is withheld.");
	}
answer:
	result = with_redaction_flag(text_result(out, out == NULL ? err : NULL), redacting);
	out = NULL;
	ok = true;
done:
	if (!ok)
		json_decref(out);
	json_decref(empty);
	return result;
}
