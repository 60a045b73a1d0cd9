/* catalog-gen: turns src/nexudus/catalog.json into the static tables of
 * src/nexudus/catalog_data.c, so the programs carry the entity catalog and
 * need no data file at run time.
 *
 * Usage: catalog-gen CATALOG.json OUTPUT.c
 *
 * The catalog is checked strictly against the keys catalog.md documents: an
 * unknown key, type, PII category or operation, a dangling enum reference, a
 * duplicate name, or a string field of an entity that holds personal data
 * left unclassified stops the build with a message naming the entity and
 * the field. A quiet fallback would instead ship a gateway that filters, redacts
 * or validates the wrong thing. On failure the output file is removed, and
 * the make rule writes to a temporary name anyway, so no partial table is
 * ever taken for up to date.
 *
 * Build-time only: it is never installed and links nothing but jansson. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* For the enum and flag values only, so they are defined in one place. */
#include "nexudus/catalog.h"

struct ctx {
	const char *path;
	FILE *out;
	size_t ei;         /* entity index */
	const char *ename; /* NULL until the entity's name is known */
	size_t fi;         /* field index */
	const char *fname; /* NULL outside a field */
	bool in_field;
	json_t *person_refs; /* the top level's person_references */
	bool personal;       /* the current entity holds personal data */
};

struct name_map {
	const char *json;
	const char *c;
};

static const struct name_map types[] = {
        {"string", "NXM_FT_STRING"}, {"bool", "NXM_FT_BOOL"},       {"int", "NXM_FT_INT"},
        {"long", "NXM_FT_LONG"},     {"decimal", "NXM_FT_DECIMAL"}, {"datetime", "NXM_FT_DATETIME"},
        {"enum", "NXM_FT_ENUM"},     {"list", "NXM_FT_LIST"},
};

static const struct name_map piis[] = {
        {"NAME", "NXM_PII_NAME"},
        {"EMAIL", "NXM_PII_EMAIL"},
        {"PHONE", "NXM_PII_PHONE"},
        {"ADDRESS", "NXM_PII_ADDRESS"},
        {"DOB", "NXM_PII_DOB"},
        {"SOCIAL", "NXM_PII_SOCIAL"},
        {"FINANCIAL", "NXM_PII_FINANCIAL"},
        {"ID_DOC", "NXM_PII_ID_DOC"},
        {"BIO", "NXM_PII_BIO"},
        {"ACCESS", "NXM_PII_ACCESS"},
        /* Classified: holds no personal data (with NXM_FF_NOT_PERSONAL). */
        {"NONE", "NXM_PII_NONE"},
};

static const struct {
	const char *json;
	unsigned op;
} ops[] = {
        {"list", NXM_OP_LIST},     {"get", NXM_OP_GET},       {"create", NXM_OP_CREATE},
        {"update", NXM_OP_UPDATE}, {"delete", NXM_OP_DELETE},
};

/* The boolean field keys that every field must carry, and their flags. */
static const struct {
	const char *json;
	unsigned flag;
} field_bools[] = {
        {"required_on_create", NXM_FF_REQUIRED},
        {"filterable", NXM_FF_FILTERABLE},
        {"range_filter", NXM_FF_RANGE},
        {"in_create", NXM_FF_IN_CREATE},
        {"in_update", NXM_FF_IN_UPDATE},
        {"list_field", NXM_FF_COLLECTION},
        {"key_field", NXM_FF_KEY},
        {"name_inferred", NXM_FF_NAME_INFERRED},
};

/* Every key catalog.md documents. Keys we do not turn into C are still listed,
 * so that a new key in the data is noticed here rather than silently dropped. */
static const char *const top_keys[] = {"source", "person_references", "entities", NULL};
static const char *const entity_keys[] = {
        "name",          "singular",
        "module",        "path",
        "module_source", "module_alternatives",
        "operations",    "has_commands",
        "fields_source", "fields_source_coverage",
        "fields",        "enums",
        "source_commit", NULL,
};
static const char *const field_keys[] = {
        "name",
        "option",
        "type",
        "required_on_create",
        "filterable",
        "range_filter",
        "list_field",
        "in_create",
        "in_update",
        "key_field",
        "pii",
        "enum",
        "name_inferred",
        "name_basis",
        "schema_type",
        "from_response_schema",
        "in_response_schema",
        "renamed_from",
        "inline_children",
        NULL,
};
static const char *const enum_value_keys[] = {"value", "name", NULL};

static void fail(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fail(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "catalog-gen: %s: ", c->path);
	if (c->ename != NULL)
		fprintf(stderr, "entity \"%s\": ", c->ename);
	else if (c->ei != (size_t)-1)
		fprintf(stderr, "entity #%zu: ", c->ei);
	if (c->in_field) {
		if (c->fname != NULL)
			fprintf(stderr, "field \"%s\": ", c->fname);
		else
			fprintf(stderr, "field #%zu: ", c->fi);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ASCII only: the catalog's lookups are, and the locale must not matter. */
static bool
str_ieq(const char *a, const char *b)
{
	unsigned char x, y;

	do {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return false;
	} while (x != '\0');
	return true;
}

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static const char *
map_lookup(const struct name_map *m, size_t n, const char *json)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].json, json) == 0)
			return m[i].c;
	return NULL;
}

static int
check_keys(const struct ctx *c, json_t *obj, const char *const *allowed, const char *what)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		fail(c, "%s is not an object", what);
		return -1;
	}
	json_object_foreach(obj, key, v)
	{
		if (!in_list(allowed, key)) {
			fail(c, "unknown %s key \"%s\"", what, key);
			return -1;
		}
	}
	return 0;
}

/* A required key holding a non-empty string, or null when nullable. */
static int
get_string(const struct ctx *c, json_t *obj, const char *key, bool nullable, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL) {
		fail(c, "missing key \"%s\"", key);
		return -1;
	}
	if (json_is_null(v) && nullable)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		fail(c, "\"%s\" must be a non-empty string%s", key, nullable ? " or null" : "");
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int
get_bool(const struct ctx *c, json_t *obj, const char *key, bool optional, bool *out)
{
	json_t *v = json_object_get(obj, key);

	*out = false;
	if (v == NULL && optional)
		return 0;
	if (v == NULL) {
		fail(c, "missing key \"%s\"", key);
		return -1;
	}
	if (!json_is_boolean(v)) {
		fail(c, "\"%s\" must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* A C string literal. Octal escapes are always three digits so they never
 * swallow a following digit; '?' is escaped because -std=c11 enables
 * trigraphs. */
static void
put_str(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("NULL", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '?')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(out, "\\%03o", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static int
emit_enums(struct ctx *c, json_t *enums)
{
	const char *key, *name, *oname;
	json_t *vals, *ev, *other;
	size_t k = 0, i, j;
	json_int_t n;

	if (!json_is_object(enums)) {
		fail(c, "\"enums\" is not an object");
		return -1;
	}
	json_object_foreach(enums, key, vals)
	{
		if (*key == '\0') {
			fail(c, "enum table with an empty name");
			return -1;
		}
		if (!json_is_array(vals) || json_array_size(vals) == 0) {
			fail(c, "enum table \"%s\" is not a non-empty array", key);
			return -1;
		}
		json_array_foreach(vals, i, ev)
		{
			if (check_keys(c, ev, enum_value_keys, "enum value") == -1 ||
			    get_string(c, ev, "name", false, &name) == -1)
				return -1;
			if (!json_is_integer(json_object_get(ev, "value")) ||
			    (n = json_integer_value(json_object_get(ev, "value"))) < INT_MIN ||
			    n > INT_MAX) {
				fail(c, "enum \"%s\" value \"%s\": value is not an int", key, name);
				return -1;
			}
			/* Lookups go by name or by number; either must be unambiguous. */
			for (j = 0; j < i; j++) {
				other = json_array_get(vals, j);
				oname = json_string_value(json_object_get(other, "name"));
				if (str_ieq(oname, name) ||
				    json_integer_value(json_object_get(other, "value")) == n) {
					fail(c,
					     "enum \"%s\": \"%s\" and \"%s\" share a name or value",
					     key, oname, name);
					return -1;
				}
			}
		}
		fprintf(c->out, "static const struct nxm_enum_value ev%zu_%zu[] = {", c->ei, k);
		json_array_foreach(vals, i, ev)
		{
			fprintf(c->out, "%s{%" JSON_INTEGER_FORMAT ", ", i ? ", " : "",
			        json_integer_value(json_object_get(ev, "value")));
			put_str(c->out, json_string_value(json_object_get(ev, "name")));
			fputc('}', c->out);
		}
		fputs("};\n", c->out);
		k++;
	}
	if (k == 0)
		return 0;
	fprintf(c->out, "static const struct nxm_enum_def en%zu[] = {\n", c->ei);
	k = 0;
	json_object_foreach(enums, key, vals)
	{
		fputc('\t', c->out);
		fputc('{', c->out);
		put_str(c->out, key);
		fprintf(c->out, ", ev%zu_%zu, %zu},\n", c->ei, k, json_array_size(vals));
		k++;
	}
	fputs("};\n", c->out);
	return 0;
}

/* Position of the named table in the entity's enums, in the order emitted. */
static long
enum_index(json_t *enums, const char *name)
{
	const char *key;
	json_t *v;
	long k = 0;

	json_object_foreach(enums, key, v)
	{
		if (strcmp(key, name) == 0)
			return k;
		k++;
	}
	return -1;
}

static int
check_string_array(const struct ctx *c, json_t *obj, const char *key, bool optional)
{
	json_t *a = json_object_get(obj, key), *v;
	size_t i;

	if (a == NULL && optional)
		return 0;
	if (!json_is_array(a) || json_array_size(a) == 0) {
		fail(c, "\"%s\" must be a non-empty array", key);
		return -1;
	}
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			fail(c, "\"%s\"[%zu] must be a non-empty string", key, i);
			return -1;
		}
	}
	return 0;
}

/* Unclassified (NULL) and "NONE" are alike: no category. */
static bool
same_category(const char *a, const char *b)
{
	if (a != NULL && strcmp(a, "NONE") == 0)
		a = NULL;
	if (b != NULL && strcmp(b, "NONE") == 0)
		b = NULL;
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Redaction is default-deny (catalog.md, "Personal data"): in an entity
 * that holds personal data, a string field (or one of unknown type) whose
 * classification is missing would be a field nobody decided about, so it
 * stops the build. A "<Field>Local" twin holds its base field's value in
 * local time and must be classified as it is. */
static int
check_classified(const struct ctx *c, json_t *f, json_t *fields, const char *pii)
{
	const char *type = json_string_value(json_object_get(f, "type"));
	size_t n = strlen(c->fname), i;
	json_t *other;

	if (c->personal && pii == NULL && (type == NULL || strcmp(type, "string") == 0)) {
		fail(c, "not classified: the entity holds personal data, so set \"pii\" to a "
		        "category or to \"NONE\"");
		return -1;
	}
	if (n <= 5 || strcmp(c->fname + n - 5, "Local") != 0)
		return 0;
	json_array_foreach(fields, i, other)
	{
		const char *name = json_string_value(json_object_get(other, "name"));
		if (name == NULL || strlen(name) != n - 5 || strncmp(name, c->fname, n - 5) != 0)
			continue;
		if (!same_category(json_string_value(json_object_get(other, "pii")), pii)) {
			fail(c, "classified unlike %s, the field it is the local-time twin of",
			     name);
			return -1;
		}
	}
	return 0;
}

/* Whether an entity holds personal data: a field with a category, or a
 * field that refers to a person. ACCESS alone does not count: rooms,
 * sensors and integrations hold access codes and secrets too. */
static bool
holds_personal_data(const struct ctx *c, json_t *fields)
{
	json_t *f, *ref;
	size_t i, k;

	json_array_foreach(fields, i, f)
	{
		const char *pii = json_string_value(json_object_get(f, "pii"));
		const char *name = json_string_value(json_object_get(f, "name"));
		if (pii != NULL && strcmp(pii, "NONE") != 0 && strcmp(pii, "ACCESS") != 0)
			return true;
		json_array_foreach(c->person_refs, k, ref)
		{
			if (name != NULL && strcmp(json_string_value(ref), name) == 0)
				return true;
		}
	}
	return false;
}

/* Checks one field and works out its line of the fields table. */
static int
check_field(struct ctx *c, json_t *f, json_t *enums, json_t *fields, unsigned *flags,
            const char **ctype, const char **cpii, long *eidx)
{
	const char *s, *oname;
	bool b;
	size_t j;

	/* The name first, so that every later message can give it. */
	if (!json_is_object(f)) {
		fail(c, "not an object");
		return -1;
	}
	if (get_string(c, f, "name", false, &c->fname) == -1 ||
	    check_keys(c, f, field_keys, "field") == -1)
		return -1;
	/* Exact duplicates are errors; names that differ only in case do occur
	 * in the data (businessdomains DomainUrl, DomainURL) and are kept. */
	for (j = 0; j < c->fi; j++) {
		oname = json_string_value(json_object_get(json_array_get(fields, j), "name"));
		if (strcmp(oname, c->fname) == 0) {
			fail(c, "duplicate field name");
			return -1;
		}
	}
	if (get_string(c, f, "option", true, &s) == -1 ||
	    get_string(c, f, "name_basis", false, &s) == -1 ||
	    (json_object_get(f, "schema_type") != NULL &&
	     get_string(c, f, "schema_type", false, &s) == -1) ||
	    check_string_array(c, f, "renamed_from", true) == -1 ||
	    check_string_array(c, f, "inline_children", true) == -1)
		return -1;

	*flags = 0;
	for (size_t i = 0; i < sizeof(field_bools) / sizeof(field_bools[0]); i++) {
		if (get_bool(c, f, field_bools[i].json, false, &b) == -1)
			return -1;
		if (b)
			*flags |= field_bools[i].flag;
	}
	if (get_bool(c, f, "from_response_schema", true, &b) == -1)
		return -1;
	if (b)
		*flags |= NXM_FF_FROM_RESPONSE;
	if (json_object_get(f, "in_response_schema") != NULL) {
		if (get_bool(c, f, "in_response_schema", false, &b) == -1)
			return -1;
		if (!b)
			*flags |= NXM_FF_NOT_IN_RESPONSE;
	}

	if (get_string(c, f, "type", true, &s) == -1)
		return -1;
	*ctype = "NXM_FT_UNKNOWN";
	if (s != NULL &&
	    (*ctype = map_lookup(types, sizeof(types) / sizeof(types[0]), s)) == NULL) {
		fail(c, "unknown type \"%s\"", s);
		return -1;
	}

	if (get_string(c, f, "pii", true, &s) == -1)
		return -1;
	*cpii = "NXM_PII_NONE";
	if (s != NULL && (*cpii = map_lookup(piis, sizeof(piis) / sizeof(piis[0]), s)) == NULL) {
		fail(c, "unknown pii category \"%s\"", s);
		return -1;
	}
	if (s != NULL && strcmp(s, "NONE") == 0)
		*flags |= NXM_FF_NOT_PERSONAL;
	if (check_classified(c, f, fields, s) == -1)
		return -1;

	/* A null enum on an enum-typed field is normal (no value table is
	 * known); a reference from any other type, or to a missing table, is
	 * not. */
	if (get_string(c, f, "enum", true, &s) == -1)
		return -1;
	*eidx = -1;
	if (s != NULL) {
		if (strcmp(*ctype, "NXM_FT_ENUM") != 0) {
			fail(c, "enum \"%s\" on a field that is not of type enum", s);
			return -1;
		}
		if ((*eidx = enum_index(enums, s)) == -1) {
			fail(c, "enum \"%s\" is not in the entity's enums", s);
			return -1;
		}
	}
	return 0;
}

static int
emit_fields(struct ctx *c, json_t *fields, json_t *enums)
{
	const char *ctype, *cpii;
	unsigned *flags = NULL;
	const char **types_c = NULL, **piis_c = NULL;
	long *eidx = NULL;
	json_t *f, *kids, *kid;
	size_t n, i, k;
	int rc = -1;

	if (!json_is_array(fields)) {
		fail(c, "\"fields\" is not an array");
		return -1;
	}
	if ((n = json_array_size(fields)) == 0)
		return 0;
	flags = calloc(n, sizeof(*flags));
	types_c = calloc(n, sizeof(*types_c));
	piis_c = calloc(n, sizeof(*piis_c));
	eidx = calloc(n, sizeof(*eidx));
	if (flags == NULL || types_c == NULL || piis_c == NULL || eidx == NULL) {
		fail(c, "out of memory");
		goto out;
	}
	c->in_field = true;
	json_array_foreach(fields, i, f)
	{
		c->fi = i;
		c->fname = NULL;
		if (check_field(c, f, enums, fields, &flags[i], &ctype, &cpii, &eidx[i]) == -1)
			goto out;
		types_c[i] = ctype;
		piis_c[i] = cpii;
		if ((kids = json_object_get(f, "inline_children")) == NULL)
			continue;
		fprintf(c->out, "static const char *const ch%zu_%zu[] = {", c->ei, i);
		json_array_foreach(kids, k, kid)
		{
			put_str(c->out, json_string_value(kid));
			fputs(", ", c->out);
		}
		fputs("NULL};\n", c->out);
	}
	c->in_field = false;
	c->fname = NULL;

	fprintf(c->out, "static const struct nxm_field fl%zu[] = {\n", c->ei);
	json_array_foreach(fields, i, f)
	{
		fputs("\t{", c->out);
		put_str(c->out, json_string_value(json_object_get(f, "name")));
		fprintf(c->out, ", %s, 0x%03x, %s, ", types_c[i], flags[i], piis_c[i]);
		if (eidx[i] == -1)
			fputs("NULL, ", c->out);
		else
			fprintf(c->out, "&en%zu[%ld], ", c->ei, eidx[i]);
		if (json_object_get(f, "inline_children") == NULL)
			fputs("NULL},\n", c->out);
		else
			fprintf(c->out, "ch%zu_%zu},\n", c->ei, i);
	}
	fputs("};\n", c->out);
	rc = 0;
out:
	free(flags);
	free(types_c);
	free(piis_c);
	free(eidx);
	return rc;
}

static int
check_ops(struct ctx *c, json_t *e, unsigned *mask)
{
	json_t *a = json_object_get(e, "operations"), *v;
	unsigned bit;
	size_t i, j;

	*mask = 0;
	if (!json_is_array(a)) {
		fail(c, "\"operations\" is not an array");
		return -1;
	}
	json_array_foreach(a, i, v)
	{
		bit = 0;
		for (j = 0; json_is_string(v) && j < sizeof(ops) / sizeof(ops[0]); j++)
			if (strcmp(json_string_value(v), ops[j].json) == 0)
				bit = ops[j].op;
		if (bit == 0) {
			fail(c, "unknown operation \"%s\"",
			     json_is_string(v) ? json_string_value(v) : "(not a string)");
			return -1;
		}
		if (*mask & bit) {
			fail(c, "operation \"%s\" listed twice", json_string_value(v));
			return -1;
		}
		*mask |= bit;
	}
	return 0;
}

/* The name or singular of entity e that is also one of entity o's, or NULL. */
static const char *
clash(json_t *e, json_t *o)
{
	const char *a[2], *b[2];

	a[0] = json_string_value(json_object_get(e, "name"));
	a[1] = json_string_value(json_object_get(e, "singular"));
	b[0] = json_string_value(json_object_get(o, "name"));
	b[1] = json_string_value(json_object_get(o, "singular"));
	for (int x = 0; x < 2; x++)
		for (int y = 0; y < 2; y++)
			if (str_ieq(a[x], b[y]))
				return a[x];
	return NULL;
}

/* The lookups take a collection or a singular name, case-insensitively, so
 * all of them together must be distinct. Runs after every entity's names
 * were checked to be strings. */
static int
check_unique(struct ctx *c, json_t *entities)
{
	const char *dup;
	json_t *e, *o;
	size_t i, j;

	json_array_foreach(entities, i, e)
	{
		c->ei = i;
		c->ename = json_string_value(json_object_get(e, "name"));
		if (str_ieq(c->ename, json_string_value(json_object_get(e, "singular")))) {
			fail(c, "name and singular are the same");
			return -1;
		}
		for (j = 0; j < i; j++) {
			o = json_array_get(entities, j);
			if ((dup = clash(e, o)) != NULL) {
				fail(c,
				     "duplicate entity name: \"%s\" is also a name of entity "
				     "\"%s\"",
				     dup, json_string_value(json_object_get(o, "name")));
				return -1;
			}
		}
	}
	return 0;
}

static int
emit_entity(struct ctx *c, json_t *e, unsigned *opmask)
{
	const char *s, *module, *path;
	char want[512];
	bool b;

	if (!json_is_object(e)) {
		fail(c, "not an object");
		return -1;
	}
	if (get_string(c, e, "name", false, &c->ename) == -1 ||
	    check_keys(c, e, entity_keys, "entity") == -1 ||
	    get_string(c, e, "singular", false, &s) == -1 ||
	    get_string(c, e, "module", true, &module) == -1 ||
	    get_string(c, e, "path", true, &path) == -1 ||
	    get_string(c, e, "module_source", true, &s) == -1 ||
	    get_string(c, e, "source_commit", false, &s) == -1 ||
	    get_bool(c, e, "has_commands", false, &b) == -1 || check_ops(c, e, opmask) == -1)
		return -1;
	if (json_object_get(e, "module_alternatives") != NULL &&
	    !json_is_array(json_object_get(e, "module_alternatives"))) {
		fail(c, "\"module_alternatives\" is not an array");
		return -1;
	}
	/* Lookups by path rely on path being exactly /api/<module>/<name>. */
	if ((module == NULL) != (path == NULL)) {
		fail(c, "module and path must both be set or both be null");
		return -1;
	}
	if (module != NULL) {
		if (snprintf(want, sizeof(want), "/api/%s/%s", module, c->ename) >=
		    (int)sizeof(want)) {
			fail(c, "module or name too long");
			return -1;
		}
		if (strcmp(path, want) != 0) {
			fail(c, "path \"%s\" is not \"%s\"", path, want);
			return -1;
		}
	}
	c->personal = json_is_array(json_object_get(e, "fields")) &&
	              holds_personal_data(c, json_object_get(e, "fields"));
	if (emit_enums(c, json_object_get(e, "enums")) == -1 ||
	    emit_fields(c, json_object_get(e, "fields"), json_object_get(e, "enums")) == -1)
		return -1;
	return 0;
}

static int
generate(struct ctx *c, json_t *root)
{
	json_t *entities, *e;
	unsigned *opmask = NULL;
	bool *personal = NULL;
	const char *src;
	size_t n, i, nf, nen;
	int rc = -1;

	c->ei = (size_t)-1;
	if (check_keys(c, root, top_keys, "top-level") == -1 ||
	    get_string(c, root, "source", false, &src) == -1)
		return -1;
	c->person_refs = json_object_get(root, "person_references");
	if (check_string_array(c, root, "person_references", false) == -1)
		return -1;
	entities = json_object_get(root, "entities");
	if (!json_is_array(entities) || (n = json_array_size(entities)) == 0) {
		fail(c, "\"entities\" must be a non-empty array");
		return -1;
	}
	if ((opmask = calloc(n, sizeof(*opmask))) == NULL ||
	    (personal = calloc(n, sizeof(*personal))) == NULL) {
		fail(c, "out of memory");
		return -1;
	}

	fputs("/* Generated by build-aux/catalog-gen from src/nexudus/catalog.json: do not edit.\n"
	      " * Source: ",
	      c->out);
	/* Inside a comment: keep it from closing early. */
	for (const char *p = src; *p != '\0'; p++)
		fputc((*p == '*' || (unsigned char)*p < 0x20) ? '_' : *p, c->out);
	fputs("\n * Field flags and operations are the bit values of enum nxm_field_flag and\n"
	      " * enum nxm_op in catalog.h. */\n"
	      "#include \"nexudus/catalog.h\"\n\n",
	      c->out);

	json_array_foreach(entities, i, e)
	{
		c->ei = i;
		c->ename = NULL;
		if (emit_entity(c, e, &opmask[i]) == -1)
			goto out;
		personal[i] = c->personal;
	}
	if (check_unique(c, entities) == -1)
		goto out;
	c->ename = NULL;
	c->ei = (size_t)-1;

	fputs("\nconst struct nxm_entity nxm_catalog[] = {\n", c->out);
	json_array_foreach(entities, i, e)
	{
		nf = json_array_size(json_object_get(e, "fields"));
		nen = json_object_size(json_object_get(e, "enums"));
		fputs("\t{.name = ", c->out);
		put_str(c->out, json_string_value(json_object_get(e, "name")));
		fputs(", .singular = ", c->out);
		put_str(c->out, json_string_value(json_object_get(e, "singular")));
		fputs(", .module = ", c->out);
		put_str(c->out, json_string_value(json_object_get(e, "module")));
		fputs(", .path = ", c->out);
		put_str(c->out, json_string_value(json_object_get(e, "path")));
		fprintf(c->out, ", .ops = 0x%02x, .has_commands = %s, .personal = %s", opmask[i],
		        json_is_true(json_object_get(e, "has_commands")) ? "true" : "false",
		        personal[i] ? "true" : "false");
		if (nf > 0)
			fprintf(c->out, ", .fields = fl%zu, .nfields = %zu", i, nf);
		if (nen > 0)
			fprintf(c->out, ", .enums = en%zu, .nenums = %zu", i, nen);
		fputs("},\n", c->out);
	}
	fprintf(c->out, "};\nconst size_t nxm_catalog_count = %zu;\n", n);
	rc = 0;
out:
	free(opmask);
	free(personal);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct ctx c = {.ei = (size_t)-1};
	json_error_t jerr;
	json_t *root = NULL;
	const char *outpath;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: catalog-gen CATALOG.json OUTPUT.c\n");
		return 2;
	}
	c.path = argv[1];
	outpath = argv[2];
	/* A repeated key would otherwise silently keep only the last value. */
	if ((root = json_load_file(c.path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		/* jansson has no position for errors such as a missing file. */
		if (jerr.line > 0)
			fprintf(stderr, "catalog-gen: %s:%d:%d: %s\n", c.path, jerr.line,
			        jerr.column, jerr.text);
		else
			fprintf(stderr, "catalog-gen: %s\n", jerr.text);
		return 1;
	}
	if ((c.out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "catalog-gen: %s: %s\n", outpath, strerror(errno));
		goto out;
	}
	if (generate(&c, root) == -1)
		goto out;
	/* Write errors stick to the stream; one check here covers every fputs. */
	if (ferror(c.out)) {
		fprintf(stderr, "catalog-gen: %s: write error\n", outpath);
		goto out;
	}
	rc = 0;
out:
	if (c.out != NULL && fclose(c.out) != 0 && rc == 0) {
		fprintf(stderr, "catalog-gen: %s: write error\n", outpath);
		rc = 1;
	}
	/* Never leave a half-written table for make to take as up to date. */
	if (rc != 0 && c.out != NULL && unlink(outpath) != 0)
		fprintf(stderr, "catalog-gen: %s: cannot remove\n", outpath);
	json_decref(root);
	return rc;
}
