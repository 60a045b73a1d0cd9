/* Lookups over the generated catalog tables (catalog_data.c).
 *
 * Plain linear scans: the catalog is 215 entities of at most 190 fields, a
 * lookup costs microseconds next to the Nexudus request it precedes, and the
 * tables stay in catalog order for listing. */
#include "autoconfig.h"

#include <limits.h>
#include <string.h>

#include "core/util.h"
#include "nexudus/catalog.h"

static const char *const pii_names[] = {
        [NXM_PII_NAME] = "NAME",           [NXM_PII_EMAIL] = "EMAIL",   [NXM_PII_PHONE] = "PHONE",
        [NXM_PII_ADDRESS] = "ADDRESS",     [NXM_PII_DOB] = "DOB",       [NXM_PII_SOCIAL] = "SOCIAL",
        [NXM_PII_FINANCIAL] = "FINANCIAL", [NXM_PII_ID_DOC] = "ID_DOC", [NXM_PII_BIO] = "BIO",
        [NXM_PII_ACCESS] = "ACCESS",
};

/* Spelled as in catalog.json, so tool output matches the documentation. */
static const char *const type_names[] = {
        [NXM_FT_STRING] = "string", [NXM_FT_BOOL] = "bool",       [NXM_FT_INT] = "int",
        [NXM_FT_LONG] = "long",     [NXM_FT_DECIMAL] = "decimal", [NXM_FT_DATETIME] = "datetime",
        [NXM_FT_ENUM] = "enum",     [NXM_FT_LIST] = "list",
};

const struct nxm_entity *
nxm_catalog_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < nxm_catalog_count; i++)
		if (nxm_str_ieq(nxm_catalog[i].name, name) ||
		    nxm_str_ieq(nxm_catalog[i].singular, name))
			return &nxm_catalog[i];
	return NULL;
}

const struct nxm_entity *
nxm_catalog_find_path(const char *module, const char *name)
{
	if (module == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < nxm_catalog_count; i++)
		if (nxm_catalog[i].module != NULL && nxm_str_ieq(nxm_catalog[i].module, module) &&
		    nxm_str_ieq(nxm_catalog[i].name, name))
			return &nxm_catalog[i];
	return NULL;
}

const struct nxm_field *
nxm_catalog_field(const struct nxm_entity *e, const char *name)
{
	if (e == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < e->nfields; i++)
		if (nxm_str_ieq(e->fields[i].name, name))
			return &e->fields[i];
	return NULL;
}

const struct nxm_enum_value *
nxm_catalog_enum_find(const struct nxm_enum_def *d, const char *name_or_number)
{
	const char *errstr;
	long long v;

	if (d == NULL || name_or_number == NULL)
		return NULL;
	/* Names first: no enum name is a number, and clients mostly send names. */
	for (size_t i = 0; i < d->nvalues; i++)
		if (nxm_str_ieq(d->values[i].name, name_or_number))
			return &d->values[i];
	v = nxm_strtonum(name_or_number, INT_MIN, INT_MAX, &errstr);
	if (errstr != NULL)
		return NULL;
	for (size_t i = 0; i < d->nvalues; i++)
		if (d->values[i].value == v)
			return &d->values[i];
	return NULL;
}

size_t
nxm_catalog_count_with_module(void)
{
	size_t n = 0;

	for (size_t i = 0; i < nxm_catalog_count; i++)
		if (nxm_catalog[i].module != NULL)
			n++;
	return n;
}

const char *
nxm_pii_name(enum nxm_pii p)
{
	if ((unsigned)p >= NXM_ARRAY_LEN(pii_names))
		return NULL;
	return pii_names[p];
}

enum nxm_pii
nxm_pii_from_name(const char *name)
{
	if (name == NULL)
		return NXM_PII_NONE;
	for (size_t i = 0; i < NXM_ARRAY_LEN(pii_names); i++)
		if (pii_names[i] != NULL && strcmp(pii_names[i], name) == 0)
			return (enum nxm_pii)i;
	return NXM_PII_NONE;
}

const char *
nxm_field_type_name(enum nxm_field_type t)
{
	if ((unsigned)t >= NXM_ARRAY_LEN(type_names))
		return NULL;
	return type_names[t];
}
