/* Unit tests for src/nexudus/catalog.c and the tables generated from
 * src/nexudus/catalog.json. The expected values were read off catalog.json;
 * when the catalog is updated, these are the facts to recheck. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/util.h"
#include "nexudus/catalog.h"

static const struct nxm_entity *
must_find(const char *name)
{
	const struct nxm_entity *e = nxm_catalog_find(name);

	assert_non_null(e);
	return e;
}

static const struct nxm_field *
must_field(const struct nxm_entity *e, const char *name)
{
	const struct nxm_field *f = nxm_catalog_field(e, name);

	assert_non_null(f);
	return f;
}

static void
test_counts(void **state)
{
	/* Entities without a module: catalog.md, "Known gaps". */
	static const char *const no_module[] = {
	        "aichannelsessions",
	        "communitymessagereads",
	        "communitythreadreads",
	        "proactiveactionconfigs",
	        "proposedactions",
	        "recordcreationworkflows",
	        "recordcreationworkflowversions",
	};
	size_t nfields = 0, nwithout = 0;

	assert_int_equal(nxm_catalog_count, 215);
	assert_int_equal(nxm_catalog_count_with_module(), 208);
	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		nfields += e->nfields;
		if (e->module != NULL) {
			assert_non_null(e->path);
			continue;
		}
		assert_null(e->path);
		assert_true(nwithout < NXM_ARRAY_LEN(no_module));
		assert_string_equal(e->name, no_module[nwithout]);
		nwithout++;
	}
	assert_int_equal(nwithout, NXM_ARRAY_LEN(no_module));
	assert_int_equal(nfields, 4437);
	/* Catalog order is kept. */
	assert_string_equal(nxm_catalog[0].name, "accesstokens");
	assert_string_equal(nxm_catalog[nxm_catalog_count - 1].name, "workspaces");
}

static void
test_coworkers(void **state)
{
	const struct nxm_entity *e = must_find("coworkers");
	const struct nxm_field *f;

	assert_string_equal(e->name, "coworkers");
	assert_string_equal(e->singular, "Coworker");
	assert_string_equal(e->module, "spaces");
	assert_string_equal(e->path, "/api/spaces/coworkers");
	assert_int_equal(e->ops, NXM_OP_LIST | NXM_OP_GET | NXM_OP_CREATE | NXM_OP_UPDATE);
	assert_false(e->ops & NXM_OP_DELETE);
	assert_true(e->has_commands);
	assert_int_equal(e->nfields, 190);
	assert_int_equal(e->nenums, 10);

	f = must_field(e, "FullName");
	assert_int_equal(f->type, NXM_FT_STRING);
	assert_true(f->flags & NXM_FF_REQUIRED);
	assert_true(f->flags & NXM_FF_FILTERABLE);
	assert_int_equal(f->pii, NXM_PII_NAME);
	assert_null(f->enumdef);
	assert_null(f->children);

	f = must_field(e, "Email");
	assert_int_equal(f->pii, NXM_PII_EMAIL);

	f = must_field(e, "Businesses");
	assert_int_equal(f->type, NXM_FT_LIST);
	assert_true(f->flags & NXM_FF_COLLECTION);
	assert_false(f->flags & NXM_FF_FILTERABLE);

	/* Field lookups ignore case, as the entity lookups do. */
	assert_ptr_equal(nxm_catalog_field(e, "fullname"), must_field(e, "FullName"));
	/* City was renamed to the documented CityName; the old name is gone. */
	assert_non_null(nxm_catalog_field(e, "CityName"));
	assert_null(nxm_catalog_field(e, "City"));
	/* No type in the catalog, and that stays visible. */
	f = must_field(e, "Id");
	assert_int_equal(f->type, NXM_FT_UNKNOWN);
	assert_true(f->flags & NXM_FF_KEY);
	assert_null(nxm_field_type_name(f->type));
}

static void
test_coworker_enum(void **state)
{
	const struct nxm_entity *e = must_find("coworkers");
	const struct nxm_field *f = must_field(e, "CoworkerType");
	const struct nxm_enum_def *d = f->enumdef;
	const struct nxm_enum_value *v;

	assert_int_equal(f->type, NXM_FT_ENUM);
	assert_non_null(d);
	assert_string_equal(d->name, "CoworkerType");
	assert_int_equal(d->nvalues, 2);
	assert_int_equal(d->values[0].value, 1);
	assert_string_equal(d->values[0].name, "Individual");
	assert_int_equal(d->values[1].value, 2);
	assert_string_equal(d->values[1].name, "Company");
	/* The field's table is one of the entity's own. */
	assert_true(d >= e->enums && d < e->enums + e->nenums);

	v = nxm_catalog_enum_find(d, "company");
	assert_non_null(v);
	assert_int_equal(v->value, 2);
	assert_ptr_equal(nxm_catalog_enum_find(d, "2"), v);
	assert_ptr_equal(nxm_catalog_enum_find(d, "COMPANY"), v);
	assert_int_equal(nxm_catalog_enum_find(d, "1")->value, 1);
	assert_null(nxm_catalog_enum_find(d, "3"));
	assert_null(nxm_catalog_enum_find(d, "0"));
	assert_null(nxm_catalog_enum_find(d, "Companies"));
	/* Decimal only, whole string: what nxm_strtonum accepts. */
	assert_null(nxm_catalog_enum_find(d, " 2"));
	assert_null(nxm_catalog_enum_find(d, "+2"));
	assert_null(nxm_catalog_enum_find(d, "2x"));
	assert_null(nxm_catalog_enum_find(d, "0x2"));
	assert_null(nxm_catalog_enum_find(d, ""));
	assert_null(nxm_catalog_enum_find(d, "99999999999999999999"));
	assert_null(nxm_catalog_enum_find(d, NULL));
	assert_null(nxm_catalog_enum_find(NULL, "2"));

	/* An enum field whose values no source gave: typed, but no table. */
	f = must_field(e, "RegularPaymentProvider");
	assert_int_equal(f->type, NXM_FT_ENUM);
	assert_null(f->enumdef);
}

static void
test_businesses_bookings(void **state)
{
	const struct nxm_entity *e = must_find("businesses");
	const struct nxm_field *f;

	assert_string_equal(e->module, "sys");
	assert_int_equal(e->ops, NXM_OP_LIST | NXM_OP_GET | NXM_OP_UPDATE);

	e = must_find("bookings");
	assert_string_equal(e->path, "/api/spaces/bookings");
	f = must_field(e, "FromTime");
	assert_int_equal(f->type, NXM_FT_DATETIME);
	assert_true(f->flags & NXM_FF_RANGE);
	assert_true(f->flags & NXM_FF_REQUIRED);
	assert_true(f->flags & NXM_FF_FILTERABLE);
}

static void
test_inline_children(void **state)
{
	const struct nxm_entity *e = must_find("bookings");
	const struct nxm_field *f = must_field(e, "BookingProducts");
	size_t n = 0, total = 0;

	assert_int_equal(f->type, NXM_FT_LIST);
	assert_non_null(f->children);
	assert_string_equal(f->children[0], "ProductId");
	assert_string_equal(f->children[1], "Quantity");
	assert_string_equal(f->children[2], "InvoiceInMinutes");
	assert_null(f->children[3]);

	f = must_field(must_find("resources"), "TimeSlots");
	assert_non_null(f->children);
	while (f->children[n] != NULL)
		n++;
	assert_int_equal(n, 3);
	assert_string_equal(f->children[2], "ToTime");

	/* Seven fields in the whole catalog carry children, all of them lists. */
	for (size_t i = 0; i < nxm_catalog_count; i++)
		for (size_t j = 0; j < nxm_catalog[i].nfields; j++)
			if (nxm_catalog[i].fields[j].children != NULL) {
				assert_int_equal(nxm_catalog[i].fields[j].type, NXM_FT_LIST);
				assert_non_null(nxm_catalog[i].fields[j].children[0]);
				total++;
			}
	assert_int_equal(total, 7);
}

static void
test_response_flags(void **state)
{
	const struct nxm_entity *e = must_find("bookingnotes");
	const struct nxm_field *f;

	/* Added from the documented schema: no CLI option, so no create,
	 * update or filter flags. */
	f = must_field(e, "UniqueId");
	assert_int_equal(f->flags & (NXM_FF_FROM_RESPONSE | NXM_FF_IN_CREATE | NXM_FF_IN_UPDATE |
	                             NXM_FF_FILTERABLE | NXM_FF_NAME_INFERRED),
	                 NXM_FF_FROM_RESPONSE);
	/* Write-only: absent from the whole documented schema. */
	f = must_field(e, "AddedBy");
	assert_true(f->flags & NXM_FF_NOT_IN_RESPONSE);
	assert_false(f->flags & NXM_FF_FROM_RESPONSE);
	/* An inferred name (PascalCase of --business-id, not seen in any docs page). */
	f = must_field(must_find("accesstokens"), "BusinessId");
	assert_true(f->flags & NXM_FF_NAME_INFERRED);
	assert_int_equal(f->type, NXM_FT_LONG);
}

static void
test_find(void **state)
{
	const struct nxm_entity *e = must_find("coworkers");

	/* By singular, in any case. */
	assert_ptr_equal(nxm_catalog_find("Coworker"), e);
	assert_ptr_equal(nxm_catalog_find("coworker"), e);
	assert_ptr_equal(nxm_catalog_find("COWORKERS"), e);
	assert_ptr_equal(nxm_catalog_find("CoworkerInvoice"), nxm_catalog_find("coworkerinvoices"));

	e = nxm_catalog_find_path("billing", "coworkerinvoices");
	assert_non_null(e);
	assert_string_equal(e->name, "coworkerinvoices");
	assert_string_equal(e->path, "/api/billing/coworkerinvoices");
	assert_int_equal(e->ops, NXM_OP_LIST | NXM_OP_GET | NXM_OP_UPDATE);
	assert_ptr_equal(nxm_catalog_find_path("spaces", "coworkers"),
	                 nxm_catalog_find("Coworker"));
	/* The module must be the entity's own; the singular is not a path. */
	assert_null(nxm_catalog_find_path("spaces", "coworkerinvoices"));
	assert_null(nxm_catalog_find_path("billing", "CoworkerInvoice"));
	/* accesstokens' alternative module (security) is not used for paths. */
	assert_non_null(nxm_catalog_find_path("spaces", "accesstokens"));
	assert_null(nxm_catalog_find_path("security", "accesstokens"));

	/* Entities without a module: found by name, never by path. */
	e = must_find("proposedactions");
	assert_null(e->module);
	assert_null(nxm_catalog_find_path("", "proposedactions"));
	assert_null(nxm_catalog_find_path(NULL, "proposedactions"));

	assert_null(nxm_catalog_find("nosuchentities"));
	assert_null(nxm_catalog_find(""));
	assert_null(nxm_catalog_find("coworkers "));
	assert_null(nxm_catalog_find(NULL));
	assert_null(nxm_catalog_find_path("spaces", "nosuchentities"));
	assert_null(nxm_catalog_find_path("nosuchmodule", "coworkers"));
	assert_null(nxm_catalog_find_path("spaces", NULL));
	assert_null(nxm_catalog_field(must_find("coworkers"), "NoSuchField"));
	assert_null(nxm_catalog_field(must_find("coworkers"), ""));
	assert_null(nxm_catalog_field(must_find("coworkers"), NULL));
	assert_null(nxm_catalog_field(NULL, "FullName"));
}

/* Paths are exactly /api/<module>/<name> and every entity has at least the
 * list and get operations. */
static void
test_paths_and_ops(void **state)
{
	char want[256];

	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		assert_true(e->ops & NXM_OP_LIST);
		assert_true(e->ops & NXM_OP_GET);
		assert_int_equal(e->ops & ~0x1fu, 0);
		assert_ptr_equal(nxm_catalog_find(e->name), e);
		assert_ptr_equal(nxm_catalog_find(e->singular), e);
		if (e->module == NULL)
			continue;
		assert_true(snprintf(want, sizeof(want), "/api/%s/%s", e->module, e->name) <
		            (int)sizeof(want));
		assert_string_equal(e->path, want);
		assert_ptr_equal(nxm_catalog_find_path(e->module, e->name), e);
	}
}

/* Field names should be unique per entity, ignoring case. The catalog has a
 * few pairs that differ only in case (a CLI-derived name beside the
 * documented key field); they are listed here so that a new one fails. */
static void
test_unique_field_names(void **state)
{
	static const char *const known[] = {
	        "businessdomains.DomainURL",
	        "businessredirections.SourceURL",
	        "businessredirections.DestinationURL",
	};
	char seen[128];
	size_t ndup = 0;

	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		for (size_t j = 0; j < e->nfields; j++) {
			const struct nxm_field *f = &e->fields[j];
			assert_non_null(f->name);
			assert_true(f->name[0] != '\0');
			/* The lookup finds the first; anything else is a duplicate. */
			if (nxm_catalog_field(e, f->name) == f)
				continue;
			snprintf(seen, sizeof(seen), "%s.%s", e->name, f->name);
			print_message("duplicate field (case-insensitive): %s, also %s\n", seen,
			              nxm_catalog_field(e, f->name)->name);
			assert_true(ndup < NXM_ARRAY_LEN(known));
			assert_string_equal(seen, known[ndup]);
			ndup++;
		}
	}
	assert_int_equal(ndup, NXM_ARRAY_LEN(known));
	/* Which one a lookup returns: the first, the CLI-derived typed one. */
	assert_int_equal(must_field(must_find("businessdomains"), "domainurl")->type,
	                 NXM_FT_STRING);
}

/* Every enum-typed field either has no table or resolves to a non-empty one
 * of its own entity; only enum fields carry tables. */
static void
test_enum_fields_resolve(void **state)
{
	size_t with = 0, without = 0;

	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		for (size_t j = 0; j < e->nfields; j++) {
			const struct nxm_field *f = &e->fields[j];
			const struct nxm_enum_def *d = f->enumdef;
			if (f->type != NXM_FT_ENUM) {
				assert_null(d);
				continue;
			}
			if (d == NULL) {
				without++;
				continue;
			}
			with++;
			assert_true(d >= e->enums && d < e->enums + e->nenums);
			assert_string_equal(d->name, f->name);
			assert_non_null(d->values);
			assert_true(d->nvalues > 0);
			for (size_t k = 0; k < d->nvalues; k++) {
				char num[16];
				assert_non_null(d->values[k].name);
				assert_ptr_equal(nxm_catalog_enum_find(d, d->values[k].name),
				                 &d->values[k]);
				snprintf(num, sizeof(num), "%d", d->values[k].value);
				assert_ptr_equal(nxm_catalog_enum_find(d, num), &d->values[k]);
			}
		}
	}
	/* catalog.md: "40 enum fields have no value table". */
	assert_int_equal(without, 40);
	assert_int_equal(with, 114);
}

static void
test_pii_names(void **state)
{
	static const char *const names[] = {
	        "NAME",      "EMAIL",  "PHONE", "ADDRESS", "DOB",    "SOCIAL",
	        "FINANCIAL", "ID_DOC", "BIO",   "ACCESS",
	};
	size_t counts[NXM_PII_COUNT] = {0}, not_personal = 0, personal = 0;

	assert_int_equal(NXM_ARRAY_LEN(names), NXM_PII_COUNT - 1);
	assert_null(nxm_pii_name(NXM_PII_NONE));
	assert_null(nxm_pii_name(NXM_PII_COUNT));
	for (int p = NXM_PII_NAME; p < NXM_PII_COUNT; p++) {
		const char *n = nxm_pii_name((enum nxm_pii)p);
		assert_non_null(n);
		assert_string_equal(n, names[p - 1]);
		assert_int_equal(nxm_pii_from_name(n), p);
	}
	assert_int_equal(nxm_pii_from_name("name"), NXM_PII_NONE);
	assert_int_equal(nxm_pii_from_name("NONE"), NXM_PII_NONE);
	assert_int_equal(nxm_pii_from_name(""), NXM_PII_NONE);
	assert_int_equal(nxm_pii_from_name(NULL), NXM_PII_NONE);

	/* The catalog's own classification, as counted in catalog.json
	 * (jq '[.entities[].fields[].pii] | group_by(.) | map([.[0], length])'). */
	for (size_t i = 0; i < nxm_catalog_count; i++) {
		for (size_t j = 0; j < nxm_catalog[i].nfields; j++) {
			const struct nxm_field *f = &nxm_catalog[i].fields[j];
			assert_true(f->pii < NXM_PII_COUNT);
			/* "NONE" is no category. */
			assert_true(!(f->flags & NXM_FF_NOT_PERSONAL) || f->pii == NXM_PII_NONE);
			counts[f->pii]++;
			not_personal += (f->flags & NXM_FF_NOT_PERSONAL) != 0;
		}
		personal += nxm_catalog[i].personal;
	}
	assert_int_equal(counts[NXM_PII_NAME], 206);
	assert_int_equal(counts[NXM_PII_EMAIL], 60);
	assert_int_equal(counts[NXM_PII_BIO], 185);
	assert_int_equal(counts[NXM_PII_ID_DOC], 11);
	assert_int_equal(counts[NXM_PII_ACCESS], 57);
	assert_int_equal(not_personal, 777);
	assert_int_equal(personal, 109);
}

static void
test_type_names(void **state)
{
	static const char *const names[] = {
	        "string", "bool", "int", "long", "decimal", "datetime", "enum", "list",
	};

	assert_null(nxm_field_type_name(NXM_FT_UNKNOWN));
	assert_null(nxm_field_type_name((enum nxm_field_type)(NXM_FT_LIST + 1)));
	for (int t = NXM_FT_STRING; t <= NXM_FT_LIST; t++)
		assert_string_equal(nxm_field_type_name((enum nxm_field_type)t), names[t - 1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_counts),
	        cmocka_unit_test(test_coworkers),
	        cmocka_unit_test(test_coworker_enum),
	        cmocka_unit_test(test_businesses_bookings),
	        cmocka_unit_test(test_inline_children),
	        cmocka_unit_test(test_response_flags),
	        cmocka_unit_test(test_find),
	        cmocka_unit_test(test_paths_and_ops),
	        cmocka_unit_test(test_unique_field_names),
	        cmocka_unit_test(test_enum_fields_resolve),
	        cmocka_unit_test(test_pii_names),
	        cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
