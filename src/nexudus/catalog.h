/* The Nexudus entity catalog: every REST entity with its module, operations,
 * fields and enum values, compiled in from src/nexudus/catalog.json (see
 * catalog.md for what each key means and where the facts come from).
 *
 * The tables themselves are generated at build time into catalog_data.c by
 * build-aux/catalog-gen, so the programs need no data file at run time and a
 * malformed catalog fails the build rather than a request. Everything here is
 * read-only and safe to share between threads. */
#ifndef NXM_NEXUDUS_CATALOG_H
#define NXM_NEXUDUS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

/* NXM_FT_UNKNOWN: the catalog gives no type (its "type" is null). */
enum nxm_field_type {
	NXM_FT_UNKNOWN = 0,
	NXM_FT_STRING,
	NXM_FT_BOOL,
	NXM_FT_INT,
	NXM_FT_LONG,
	NXM_FT_DECIMAL,
	NXM_FT_DATETIME,
	NXM_FT_ENUM,
	NXM_FT_LIST
};

/* The redaction categories of the hosted Nexudus MCP server, and ACCESS
 * (PINs, key fobs, access codes, credentials), which it lacks. */
enum nxm_pii {
	NXM_PII_NONE = 0,
	NXM_PII_NAME,
	NXM_PII_EMAIL,
	NXM_PII_PHONE,
	NXM_PII_ADDRESS,
	NXM_PII_DOB,
	NXM_PII_SOCIAL,
	NXM_PII_FINANCIAL,
	NXM_PII_ID_DOC,
	NXM_PII_BIO,
	NXM_PII_ACCESS,
	NXM_PII_COUNT /* not a category: the number of enum values */
};

enum nxm_field_flag {
	NXM_FF_REQUIRED = 1u << 0, /* required_on_create */
	NXM_FF_FILTERABLE = 1u << 1,
	NXM_FF_RANGE = 1u << 2, /* range_filter */
	NXM_FF_IN_CREATE = 1u << 3,
	NXM_FF_IN_UPDATE = 1u << 4,
	NXM_FF_COLLECTION = 1u << 5, /* list_field: omitted from list results */
	NXM_FF_KEY = 1u << 6,
	NXM_FF_NAME_INFERRED = 1u << 7,
	NXM_FF_FROM_RESPONSE = 1u << 8,  /* from_response_schema */
	NXM_FF_NOT_IN_RESPONSE = 1u << 9, /* in_response_schema: false */
	NXM_FF_NOT_PERSONAL = 1u << 10    /* pii "NONE": classified as holding no personal data */
};

enum nxm_op {
	NXM_OP_LIST = 1u << 0,
	NXM_OP_GET = 1u << 1,
	NXM_OP_CREATE = 1u << 2,
	NXM_OP_UPDATE = 1u << 3,
	NXM_OP_DELETE = 1u << 4
};

struct nxm_enum_value {
	int value;
	const char *name;
};

struct nxm_enum_def {
	const char *name;
	const struct nxm_enum_value *values;
	size_t nvalues;
};

struct nxm_field {
	const char *name;
	enum nxm_field_type type;
	unsigned flags;
	enum nxm_pii pii;
	const struct nxm_enum_def *enumdef /* NULL when none or no value table */;
	const char *const *children /* inline_children, NULL-terminated, or NULL */;
};

struct nxm_entity {
	const char *name /* "coworkers" */;
	const char *singular /* "Coworker" */;
	const char *module /* NULL when unknown */;
	const char *path /* "/api/spaces/coworkers" or NULL */;
	unsigned ops;
	bool has_commands;
	/* Holds personal data: a field has a pii category, or refers to a
	 * person (catalog.json's person_references). Every string field of
	 * such an entity is classified, a category or NXM_FF_NOT_PERSONAL. */
	bool personal;
	const struct nxm_field *fields;
	size_t nfields;
	const struct nxm_enum_def *enums;
	size_t nenums;
};

extern const struct nxm_entity nxm_catalog[]; /* all 215, in catalog order */
extern const size_t nxm_catalog_count;

/* Lookups (ASCII case-insensitive): by collection name ("coworkers") or singular ("Coworker"). */
const struct nxm_entity *nxm_catalog_find(const char *name);
/* By REST module and collection name, as in /api/<module>/<name>; NULL for entities without a
 * module. */
const struct nxm_entity *nxm_catalog_find_path(const char *module, const char *name);
/* Case-insensitive. A few entities list the same property twice in different case
 * (businessdomains DomainUrl and DomainURL); the first, in catalog order, wins. */
const struct nxm_field *nxm_catalog_field(const struct nxm_entity *e, const char *name);
/* By name (case-insensitive) or decimal value; NULL when d is NULL or nothing matches. */
const struct nxm_enum_value *nxm_catalog_enum_find(const struct nxm_enum_def *d,
                                                   const char *name_or_number);
size_t nxm_catalog_count_with_module(void); /* 208 */
const char *nxm_pii_name(enum nxm_pii p);   /* "NAME", …, NULL for NONE */
/* The reverse of nxm_pii_name, exact case as in «PII:NAME:…» tokens; NXM_PII_NONE when unknown. */
enum nxm_pii nxm_pii_from_name(const char *name);
/* "string", "bool", … as spelled in catalog.json; NULL for NXM_FT_UNKNOWN. */
const char *nxm_field_type_name(enum nxm_field_type t);

#endif
