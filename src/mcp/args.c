#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "mcp/args.h"
#include "pii/redact.h"
#include "pii/store.h"
#include "pii/token.h"

static bool
redacting(const struct nxm_mcp_ctx *ctx)
{
	return !ctx->session->allow_pii;
}

/* Whether a string anywhere in v (member names included) holds a token. */
static bool
has_token(json_t *v)
{
	size_t start, end, i;
	const char *key;
	json_t *m;

	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return nxm_pii_token_find(json_string_value(v), json_string_length(v), &start,
		                          &end);
	case JSON_ARRAY:
		json_array_foreach(v, i, m) if (has_token(m)) return true;
		return false;
	case JSON_OBJECT:
		json_object_foreach(v, key, m)
		{
			if (nxm_pii_token_find(key, strlen(key), &start, &end) || has_token(m))
				return true;
		}
		return false;
	default:
		return false;
	}
}

static int
resolve(struct nxm_mcp_ctx *ctx, const char *s, char **plain, char *err, size_t errlen)
{
	if (ctx->pii == NULL) {
		snprintf(err, errlen, "Internal error: the personal-data map is not open.");
		return -1;
	}
	return nxm_pii_store_resolve(ctx->pii, s, plain, err, errlen);
}

/* A token where no personal value belongs: -1, with the field's name. */
static int
refuse_token(const struct nxm_entity *e, const char *field, char *err, size_t errlen)
{
	snprintf(err, errlen,
	         "%s.%s holds no personal data, so a personal-data token cannot stand there: "
	         "tokens go back only into personal fields.",
	         e->name, field);
	return -1;
}

/* The text Nexudus is sent for a filter value; NULL for a value that is
 * none of text, a number or a boolean. */
static const char *
filter_text(json_t *v, char *num, size_t numsz)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return snprintf(num, numsz, "%lld", (long long)json_integer_value(v)), num;
	if (json_is_real(v))
		return snprintf(num, numsz, "%g", json_real_value(v)), num;
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

/* In a session with redaction on, a filter on a personal field: only what
 * cannot be guessed a little at a time. */
static int
personal_filter_allowed(const struct nxm_entity *e, const struct nxm_field *f,
                        enum nxm_args_bound bound, bool token, char *err, size_t errlen)
{
	if (bound != NXM_ARGS_EQUAL) {
		snprintf(err, errlen,
		         "Personal data is redacted in this session, so %s.%s (personal data) "
		         "cannot bound a range: a range would reveal its values a little at a "
		         "time. Filter it by a token this session showed, or by a whole value.",
		         e->name, f->name);
		return -1;
	}
	if (!token && f->type != NXM_FT_STRING && f->type != NXM_FT_UNKNOWN) {
		snprintf(err, errlen,
		         "Personal data is redacted in this session, and %s.%s (personal data) "
		         "has too few possible values to be filtered by a value given in clear: "
		         "filter it by a token this session showed.",
		         e->name, f->name);
		return -1;
	}
	return 0;
}

int
nxm_args_filters(struct nxm_mcp_ctx *ctx, const struct nxm_entity *e, json_t *obj,
                 enum nxm_args_bound bound, struct nxm_buf *q, struct nxm_args_exact *exact,
                 char *err, size_t errlen)
{
	static const char *const prefix[] = {
	        [NXM_ARGS_EQUAL] = "", [NXM_ARGS_FROM] = "from_", [NXM_ARGS_TO] = "to_"};
	const char *key;
	json_t *v;

	if (obj == NULL)
		return 0;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "filters, from and to are objects of {Field: value}.");
		return -1;
	}
	json_object_foreach(obj, key, v)
	{
		const struct nxm_field *f = nxm_catalog_field(e, key);
		char num[64], *plain = NULL;
		const char *text;
		bool token, personal;
		int rc;

		if (f == NULL) {
			snprintf(err, errlen,
			         "%s has no field '%.60s'; nexudus_describe_entity lists its "
			         "fields.",
			         e->name, key);
			return -1;
		}
		if (bound != NXM_ARGS_EQUAL && !(f->flags & NXM_FF_RANGE) &&
		    f->type != NXM_FT_DATETIME) {
			snprintf(err, errlen, "%s.%s cannot be used as a range.", e->name, f->name);
			return -1;
		}
		if ((text = filter_text(v, num, sizeof(num))) == NULL) {
			snprintf(err, errlen,
			         "The value for %s must be text, a number or true/false.", f->name);
			return -1;
		}
		token = json_is_string(v) && has_token(v);
		personal = nxm_pii_classify(e, false, f->name, NULL) != NXM_PII_NONE;
		if (token && !personal)
			return refuse_token(e, f->name, err, errlen);
		if (personal && redacting(ctx) &&
		    (personal_filter_allowed(e, f, bound, token, err, errlen) == -1))
			return -1;
		if (personal && redacting(ctx) && exact->n == NXM_ARGS_EXACT_MAX) {
			snprintf(err, errlen, "At most %d filters on personal fields.",
			         NXM_ARGS_EXACT_MAX);
			return -1;
		}
		if ((token ? resolve(ctx, text, &plain, err, errlen)
		           : (plain = strdup(text)) != NULL ? 0 : -1) == -1) {
			if (err[0] == '\0')
				snprintf(err, errlen, "Out of memory preparing the search.");
			return -1;
		}
		rc = nxm_buf_printf(q, "&%s%s_%s=", prefix[bound], e->singular, f->name) == -1 ||
		                     nxm_form_encode(q, plain) == -1
		             ? -1
		             : 0;
		if (rc == 0 && personal && redacting(ctx)) {
			exact->field[exact->n] = f;
			exact->value[exact->n++] = plain;
		} else {
			nxm_str_free_secret(plain);
		}
		if (rc == -1) {
			snprintf(err, errlen, "Out of memory preparing the search.");
			return -1;
		}
	}
	return 0;
}

bool
nxm_args_order_allowed(struct nxm_mcp_ctx *ctx, const struct nxm_entity *e, const char *field,
                       char *err, size_t errlen)
{
	if (!redacting(ctx) || nxm_pii_classify(e, false, field, NULL) == NXM_PII_NONE)
		return true;
	snprintf(err, errlen,
	         "Personal data is redacted in this session, so a list cannot be ordered by "
	         "%s.%s (personal data): the order would reveal how its values compare. Order "
	         "by Id, CreatedOn or a field that holds no personal data.",
	         e->name, field);
	return false;
}

/* Whether member m of a record is, as text, the whole of want (ASCII case
 * ignored). */
static bool
matches(json_t *m, const char *want)
{
	char num[64];
	const char *text = filter_text(m, num, sizeof(num));

	return text != NULL && nxm_str_ieq(text, want);
}

static bool
matches_all(json_t *rec, const struct nxm_args_exact *exact)
{
	for (size_t i = 0; i < exact->n; i++)
		if (!matches(json_object_get(rec, exact->field[i]->name), exact->value[i]))
			return false;
	return true;
}

int
nxm_args_keep_exact(json_t *envelope, const struct nxm_args_exact *exact)
{
	static const char *const unknown[] = {"TotalPages", "FirstItem", "LastItem"};
	json_t *records = json_object_get(envelope, "Records"), *kept, *rec;
	char note[512];
	size_t i, o;

	if (exact->n == 0)
		return 0;
	if (!json_is_array(records) || (kept = json_array()) == NULL)
		return -1;
	json_array_foreach(records, i, rec)
	{
		if (matches_all(rec, exact) && json_array_append(kept, rec) == -1) {
			json_decref(kept);
			return -1;
		}
	}
	o = (size_t)snprintf(note, sizeof(note),
	                     "Personal data is redacted in this session, so filters on "
	                     "personal fields (");
	for (i = 0; i < exact->n && o < sizeof(note); i++)
		o += (size_t)snprintf(note + o, sizeof(note) - o, "%s%s", i ? ", " : "",
		                      exact->field[i]->name);
	if (o < sizeof(note))
		snprintf(note + o, sizeof(note) - o,
		         ") match the whole value, in any case: these are the records of this "
		         "page of Nexudus's results that do. HasNextPage says whether Nexudus "
		         "has more pages to check.");
	if (json_object_set_new(envelope, "Records", kept) == -1 ||
	    json_object_set_new(envelope, "CurrentPageSize", json_integer((json_int_t)json_array_size(kept))) == -1 ||
	    json_object_set_new(envelope, "ExactMatchNote", json_string(note)) == -1)
		return -1;
	/* Nexudus counted what contains the values, which is not what
	 * matches them: the total is known only when this is all there is. */
	if (json_integer_value(json_object_get(envelope, "CurrentPage")) == 1 &&
	    !json_is_true(json_object_get(envelope, "HasNextPage")))
		json_object_set_new(envelope, "TotalItems",
		                    json_integer((json_int_t)json_array_size(kept)));
	else
		json_object_set_new(envelope, "TotalItems", json_null());
	for (i = 0; i < NXM_ARRAY_LEN(unknown); i++)
		if (json_object_get(envelope, unknown[i]) != NULL)
			json_object_set_new(envelope, unknown[i], json_null());
	return 0;
}

void
nxm_args_exact_clear(struct nxm_args_exact *exact)
{
	for (size_t i = 0; i < exact->n; i++)
		nxm_str_free_secret(exact->value[i]);
	memset(exact, 0, sizeof(*exact));
}

/* Resolves, in place, the tokens of every string in v (a copy). */
static int
resolve_in(struct nxm_mcp_ctx *ctx, json_t *v, char *err, size_t errlen)
{
	const char *key;
	char *plain;
	json_t *m;
	size_t i;
	int rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (!has_token(v))
			return 0;
		if (resolve(ctx, json_string_value(v), &plain, err, errlen) == -1)
			return -1;
		rc = json_string_set(v, plain);
		nxm_str_free_secret(plain);
		return rc;
	case JSON_ARRAY:
		json_array_foreach(v, i, m) if (resolve_in(ctx, m, err, errlen) == -1) return -1;
		return 0;
	case JSON_OBJECT:
		json_object_foreach(v, key, m) if (resolve_in(ctx, m, err, errlen) == -1) return -1;
		return 0;
	default:
		return 0;
	}
}

json_t *
nxm_args_fields(struct nxm_mcp_ctx *ctx, const struct nxm_entity *e, json_t *fields, char *err,
                size_t errlen)
{
	json_t *copy = json_deep_copy(fields), *v;
	const char *key;

	if (copy == NULL) {
		snprintf(err, errlen, "Out of memory preparing the record.");
		return NULL;
	}
	json_object_foreach(copy, key, v)
	{
		const struct nxm_field *f = nxm_catalog_field(e, key);

		if (!has_token(v))
			continue;
		if (f == NULL || nxm_pii_classify(e, false, f->name, NULL) == NXM_PII_NONE) {
			refuse_token(e, f != NULL ? f->name : key, err, errlen);
			goto fail;
		}
		if (resolve_in(ctx, v, err, errlen) == -1)
			goto fail;
	}
	return copy;
fail:
	json_decref(copy);
	return NULL;
}

int
nxm_args_no_tokens(json_t *v, const char *what, char *err, size_t errlen)
{
	if (!has_token(v))
		return 0;
	snprintf(err, errlen,
	         "A personal-data token cannot stand in %s: tokens go back only into personal "
	         "fields of filters and records.",
	         what);
	return -1;
}
