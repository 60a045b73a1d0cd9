/* Unit tests for src/pii/redact.c: the field table, the JSON walk
 * (records, envelopes, nested records, related copies, collections), free
 * text, values already tokenised, callback failures, and the whole of the
 * simulator's seed redacted with no personal value left. */
#include "autoconfig.h"

#include <strings.h>

#include "testlib.h"

#include "core/util.h"
#include "nexudus/catalog.h"
#include "pii/redact.h"
#include "pii/token.h"
#include "sim/sim.h"

#define LQ "\xc2\xab"
#define RQ "\xc2\xbb"

/* A stand-in for the session's token store: a token from an FNV hash of
 * the category and value (deterministic, so tests can predict it), and a
 * count of calls. */
struct fake {
	size_t calls;
	int fail_at; /* fail on that call (1-based); 0: never */
	int junk;    /* 1: write text that is no token; 2: a token of another category */
	char last[256];
};

static void
fake_token(enum nxm_pii cat, const char *value, size_t len, char *out, size_t outsz)
{
	uint32_t h = 2166136261u;
	char hex[9];

	for (const char *p = nxm_pii_name(cat); *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)value[i]) * 16777619u;
	snprintf(hex, sizeof(hex), "%08x", h);
	if (nxm_pii_token_format(cat, hex, 8, out, outsz) == -1)
		abort();
}

static int
fake_tokenize(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out, size_t outsz)
{
	struct fake *f = arg;

	f->calls++;
	snprintf(f->last, sizeof(f->last), "%.*s", (int)len, value);
	if (f->fail_at != 0 && f->calls == (size_t)f->fail_at)
		return -1;
	if (f->junk == 1) {
		snprintf(out, outsz, "%.*s", (int)len, value);
		return 0;
	}
	fake_token(f->junk == 2 ? NXM_PII_BIO : cat, value, len, out, outsz);
	if (f->junk == 2 && cat == NXM_PII_BIO)
		fake_token(NXM_PII_NAME, value, len, out, outsz);
	return 0;
}

static const char *
tok(enum nxm_pii cat, const char *value)
{
	static char buf[4][NXM_PII_TOKEN_MAX];
	static int n;
	char *out = buf[n++ % 4];

	fake_token(cat, value, strlen(value), out, NXM_PII_TOKEN_MAX);
	return out;
}

static const char *
str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static json_t *
parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (v == NULL)
		fail_msg("bad JSON in a test: %s", err.text);
	return v;
}

/* The category of name as a copy of another entity's personal field. */
static enum nxm_pii
copy_category(const char *name)
{
	for (size_t k = 0; k < nxm_catalog_count; k++) {
		const struct nxm_entity *e = &nxm_catalog[k];
		size_t n = e->singular != NULL ? strlen(e->singular) : 0;
		if (n == 0 || strncasecmp(name, e->singular, n) != 0)
			continue;
		for (size_t j = 0; j < e->nfields; j++)
			if (e->fields[j].pii != NXM_PII_NONE &&
			    strcasecmp(name + n, e->fields[j].name) == 0)
				return e->fields[j].pii;
	}
	return NXM_PII_NONE;
}

static enum nxm_pii
cls(const char *entity, bool personal, const char *name, bool *by_default)
{
	return nxm_pii_classify(entity != NULL ? nxm_catalog_find(entity) : NULL, personal, name,
	                        by_default);
}

static void
test_classify(void **state)
{
	size_t checked = 0, personal = 0;
	bool dflt;

	(void)state;
	/* A member's own fields, by the catalog, in any case. */
	assert_int_equal(cls("coworkers", false, "FullName", &dflt), NXM_PII_NAME);
	assert_false(dflt);
	assert_int_equal(cls("coworkers", false, "fullname", NULL), NXM_PII_NAME);
	assert_int_equal(cls("coworkers", false, "DateOfBirth", NULL), NXM_PII_DOB);
	assert_int_equal(cls("coworkers", false, "Gender", NULL), NXM_PII_BIO);
	assert_int_equal(cls("coworkers", false, "BankAccount", NULL), NXM_PII_FINANCIAL);
	assert_int_equal(cls("coworkers", false, "AccessPincode", NULL), NXM_PII_ACCESS);
	assert_int_equal(cls("coworkers", false, "KeyFobNumber", NULL), NXM_PII_ACCESS);
	assert_int_equal(cls("coworkers", false, "Latitude", NULL), NXM_PII_ADDRESS);
	assert_int_equal(cls("coworkers", false, "ReferenceNumber", &dflt), NXM_PII_NONE);
	assert_false(dflt);
	assert_int_equal(cls("coworkeridentitychecks", false, "IdentityDocumentNumber", NULL),
	                 NXM_PII_ID_DOC);
	assert_int_equal(cls("coworkeridentitychecks", false, "IdentityDocumentIssuedBy", NULL),
	                 NXM_PII_ID_DOC);
	assert_int_equal(cls("coworkerinvoices", false, "BillToTaxIDNumber", NULL),
	                 NXM_PII_FINANCIAL);
	assert_int_equal(cls("coworkerinvoices", false, "BillToBankAccount", NULL),
	                 NXM_PII_FINANCIAL);
	assert_int_equal(cls("coworkerinvoices", false, "InvoiceNumber", NULL), NXM_PII_NONE);
	/* What every record carries. */
	assert_int_equal(cls("coworkers", false, "Id", NULL), NXM_PII_NONE);
	assert_int_equal(cls("resources", false, "UpdatedBy", NULL), NXM_PII_NAME);
	assert_int_equal(cls(NULL, false, "UniqueId", NULL), NXM_PII_NONE);
	/* Local twins: as their base field, where the catalog lists none. */
	assert_int_equal(cls("coworkers", false, "DateOfBirthLocal", &dflt), NXM_PII_DOB);
	assert_false(dflt);
	assert_int_equal(cls("coworkers", false, "CreatedOnLocal", NULL), NXM_PII_NONE);
	assert_int_equal(cls("bookings", false, "FromTimeLocal", NULL), NXM_PII_NONE);
	assert_int_equal(cls(NULL, true, "DateOfBirthLocal", NULL), NXM_PII_DOB);
	/* Related copies, from other entities' fields. */
	assert_int_equal(cls(NULL, false, "CoworkerFullName", NULL), NXM_PII_NAME);
	assert_int_equal(cls("coworkers", false, "CoworkerFullName", NULL), NXM_PII_NAME);
	assert_int_equal(cls(NULL, false, "BillToName", NULL), NXM_PII_NAME);
	assert_int_equal(cls("bookings", false, "CoworkerMobilePhone", NULL), NXM_PII_PHONE);
	assert_int_equal(cls("bookings", false, "ResourceName", NULL), NXM_PII_NONE);
	/* Default-deny: in a record that holds personal data, what the
	 * catalog does not know is withheld; what it classifies as not
	 * personal elsewhere is not. */
	assert_int_equal(cls("coworkers", false, "NoSuchField", &dflt), NXM_PII_DEFAULT);
	assert_true(dflt);
	assert_int_equal(cls("bookings", false, "SomethingNew", &dflt), NXM_PII_DEFAULT);
	assert_true(dflt);
	assert_int_equal(cls("coworkers", false, "CurrencyCode", &dflt), NXM_PII_NONE);
	assert_false(dflt);
	assert_int_equal(cls(NULL, true, "NoSuchField", &dflt), NXM_PII_DEFAULT);
	assert_true(dflt);
	assert_int_equal(cls(NULL, true, "Name", &dflt), NXM_PII_BIO);
	assert_false(dflt);
	/* Outside such records a name counts only when no entity says it is
	 * not personal ("Name" is a resource's too). */
	assert_int_equal(cls("resources", false, "Name", NULL), NXM_PII_NONE);
	assert_int_equal(cls("resources", false, "NoSuchField", &dflt), NXM_PII_NONE);
	assert_false(dflt);
	assert_int_equal(cls(NULL, false, "Name", NULL), NXM_PII_NONE);
	assert_int_equal(cls(NULL, false, "Email", NULL), NXM_PII_EMAIL);
	assert_int_equal(cls(NULL, false, "Notes", NULL), NXM_PII_BIO);
	assert_int_equal(cls(NULL, false, "NoSuchField", NULL), NXM_PII_NONE);
	assert_int_equal(cls(NULL, false, NULL, NULL), NXM_PII_NONE);
	assert_int_equal(cls(NULL, true, "", NULL), NXM_PII_NONE);
	/* Every field of every entity: its own classification, unless it is
	 * a copy of a personal field; and every string field of an entity
	 * that holds personal data is classified (the build checks it). */
	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		for (size_t j = 0; j < e->nfields; j++) {
			const struct nxm_field *f = nxm_catalog_field(e, e->fields[j].name);
			enum nxm_pii copy = copy_category(e->fields[j].name);
			assert_int_equal(nxm_pii_classify(e, false, e->fields[j].name, &dflt),
			                 f->pii != NXM_PII_NONE ? f->pii : copy);
			assert_false(dflt);
			if (e->personal && (f->type == NXM_FT_STRING || f->type == NXM_FT_UNKNOWN))
				assert_true(f->pii != NXM_PII_NONE ||
				            (f->flags & NXM_FF_NOT_PERSONAL));
			checked++;
		}
		personal += e->personal;
	}
	assert_int_equal(checked, 4437);
	assert_true(personal > 100);
	assert_true(nxm_catalog_find("coworkers")->personal);
	assert_true(nxm_catalog_find("bookings")->personal);
	assert_false(nxm_catalog_find("resources")->personal);
	/* An entity from outside the catalog is looked up by its own fields. */
	{
		static const struct nxm_field fields[] = {
		        {.name = "Phone", .type = NXM_FT_STRING, .pii = NXM_PII_NONE}};
		const struct nxm_entity local = {
		        .name = "things", .singular = "Thing", .fields = fields, .nfields = 1};
		assert_int_equal(nxm_pii_classify(&local, false, "Phone", NULL), NXM_PII_NONE);
		assert_int_equal(nxm_pii_classify(&local, false, "Email", NULL), NXM_PII_EMAIL);
		assert_int_equal(nxm_pii_classify(&local, true, "Other", NULL), NXM_PII_DEFAULT);
	}
}

static void
test_record(void **state)
{
	const struct nxm_entity *cw = nxm_catalog_find("coworkers");
	struct fake f = {0};
	struct nxm_pii_redactor r;
	json_t *rec = parse(
	        "{\"Id\": 1414812345, \"FullName\": \"Amélie Nguyễn\", \"Salutation\": \"Ms\","
	        " \"Email\": \"amelie.nguyen+cowork@example.com\", \"MobilePhone\": \"+44 7700 "
	        "900123\", \"LandLine\": \"(020) 7946 0958 ext. 42\", \"DateOfBirth\": "
	        "\"1984-03-07T00:00:00Z\", \"Gender\": 2, \"BankAccount\": \"GB26 NWBK 1234 5678 "
	        "9012 34\", \"Notes\": \"Prefers a@b.example.com, on 07700 900 123\","
	        " \"CompanyName\": \"\", \"Twitter\": null, \"Active\": true, \"Archived\": false,"
	        " \"CreatedOn\": \"2026-11-26T10:00:00Z\", \"UpdatedBy\": "
	        "\"admin@demo.nexudus.test\","
	        " \"RegistrationDate\": \"2025-01-15T10:00:00Z\", \"InvoicingBusinessId\": 12,"
	        " \"CoworkerType\": 1, \"Businesses\": [1, 2],"
	        " \"Teams\": [{\"Id\": 5, \"Name\": \"Ops\", \"MemberAliases\": [\"Ana López\","
	        " \"Søren Müller\"]}]}");

	(void)state;
	nxm_pii_redactor_init(&r, fake_tokenize, &f);
	assert_int_equal(nxm_pii_redact_json(cw, rec, &r), 0);
	assert_string_equal(str(rec, "FullName"), tok(NXM_PII_NAME, "Amélie Nguyễn"));
	assert_string_equal(str(rec, "Salutation"), tok(NXM_PII_NAME, "Ms"));
	assert_string_equal(str(rec, "Email"),
	                    tok(NXM_PII_EMAIL, "amelie.nguyen+cowork@example.com"));
	assert_string_equal(str(rec, "MobilePhone"), tok(NXM_PII_PHONE, "+44 7700 900123"));
	assert_string_equal(str(rec, "LandLine"), tok(NXM_PII_PHONE, "(020) 7946 0958 ext. 42"));
	assert_string_equal(str(rec, "DateOfBirth"), tok(NXM_PII_DOB, "1984-03-07T00:00:00Z"));
	/* An enum's number becomes the token of its text. */
	assert_string_equal(str(rec, "Gender"), tok(NXM_PII_BIO, "2"));
	/* A field's value is replaced whole, checksum or not. */
	assert_string_equal(str(rec, "BankAccount"),
	                    tok(NXM_PII_FINANCIAL, "GB26 NWBK 1234 5678 9012 34"));
	/* Free-text fields with a category are replaced whole too. */
	assert_string_equal(str(rec, "Notes"),
	                    tok(NXM_PII_BIO, "Prefers a@b.example.com, on 07700 900 123"));
	/* Who changed the record last. */
	assert_string_equal(str(rec, "UpdatedBy"), tok(NXM_PII_NAME, "admin@demo.nexudus.test"));
	/* Left alone: empty, null, booleans, ids, dates, numbers. */
	assert_string_equal(str(rec, "CompanyName"), "");
	assert_true(json_is_null(json_object_get(rec, "Twitter")));
	assert_true(json_is_true(json_object_get(rec, "Active")));
	assert_true(json_is_false(json_object_get(rec, "Archived")));
	assert_int_equal(json_integer_value(json_object_get(rec, "Id")), 1414812345);
	assert_int_equal(json_integer_value(json_object_get(rec, "CoworkerType")), 1);
	assert_string_equal(str(rec, "CreatedOn"), "2026-11-26T10:00:00Z");
	assert_string_equal(str(rec, "RegistrationDate"), "2025-01-15T10:00:00Z");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(rec, "Businesses"), 1)),
	                 2);
	/* A nested record of another entity, inside a member's: by name, and
	 * withheld by default when the catalog does not know the name; lists
	 * element by element; numbers of unknown members kept. */
	{
		json_t *team = json_array_get(json_object_get(rec, "Teams"), 0),
		       *names = json_object_get(team, "MemberAliases");
		assert_string_equal(str(team, "Name"), tok(NXM_PII_BIO, "Ops"));
		assert_int_equal(json_integer_value(json_object_get(team, "Id")), 5);
		assert_int_equal(json_array_size(names), 2);
		assert_string_equal(json_string_value(json_array_get(names, 0)),
		                    tok(NXM_PII_DEFAULT, "Ana López"));
		assert_string_equal(json_string_value(json_array_get(names, 1)),
		                    tok(NXM_PII_DEFAULT, "Søren Müller"));
	}
	assert_int_equal(r.values, 13);
	assert_int_equal(r.by_default, 1);
	assert_int_equal(r.spans, 0);
	assert_int_equal(f.calls, 13);
	assert_int_equal(r.by_category[NXM_PII_NAME], 3);
	assert_int_equal(r.by_category[NXM_PII_EMAIL], 1);
	assert_int_equal(r.by_category[NXM_PII_PHONE], 2);

	/* Redacting again changes nothing and calls nothing. */
	{
		char *before = json_dumps(rec, JSON_SORT_KEYS), *after;
		f.calls = 0;
		assert_int_equal(nxm_pii_redact_json(cw, rec, &r), 0);
		after = json_dumps(rec, JSON_SORT_KEYS);
		assert_string_equal(before, after);
		assert_int_equal(f.calls, 0);
		free(before);
		free(after);
	}
	nxm_pii_redactor_clear(&r);
	json_decref(rec);
}

/* Related copies on other entities' records, with no entity given. */
static void
test_related_copies(void **state)
{
	struct fake f = {0};
	struct nxm_pii_redactor r;
	json_t *v = parse(
	        "[{\"Id\": 7, \"ResourceName\": \"Boardroom (London)\", \"CoworkerFullName\": "
	        "\"Siobhán O'Brien\", \"CoworkerMobilePhone\": \"07700 900 321\", \"FromTime\": "
	        "\"2026-11-26T09:00:00Z\", \"Notes\": \"Needs a projector; call 07700 123 456 if "
	        "late.\"},"
	        " {\"InvoiceNumber\": \"INV-GBP-10001\", \"BillToName\": \"Kestrel Legal\", "
	        "\"BillToAddress\": \"12 Baker Street\", \"TotalAmount\": 1234.5, "
	        "\"CurrencyCode\": "
	        "\"GBP\", \"DueDate\": \"2026-12-26T00:00:00Z\", \"CoworkerBillingEmail\": "
	        "\"accounts.57@billing.example.com\"}]");

	(void)state;
	nxm_pii_redactor_init(&r, fake_tokenize, &f);
	assert_int_equal(nxm_pii_redact_json(NULL, v, &r), 0);
	{
		json_t *b = json_array_get(v, 0), *inv = json_array_get(v, 1);
		assert_string_equal(str(b, "ResourceName"), "Boardroom (London)");
		assert_string_equal(str(b, "CoworkerFullName"),
		                    tok(NXM_PII_NAME, "Siobhán O'Brien"));
		assert_string_equal(str(b, "CoworkerMobilePhone"),
		                    tok(NXM_PII_PHONE, "07700 900 321"));
		assert_string_equal(str(b, "FromTime"), "2026-11-26T09:00:00Z");
		assert_string_equal(
		        str(b, "Notes"),
		        tok(NXM_PII_BIO, "Needs a projector; call 07700 123 456 if late."));
		assert_string_equal(str(inv, "InvoiceNumber"), "INV-GBP-10001");
		assert_string_equal(str(inv, "BillToName"), tok(NXM_PII_NAME, "Kestrel Legal"));
		assert_string_equal(str(inv, "BillToAddress"),
		                    tok(NXM_PII_ADDRESS, "12 Baker Street"));
		assert_true(json_real_value(json_object_get(inv, "TotalAmount")) == 1234.5);
		assert_string_equal(str(inv, "CurrencyCode"), "GBP");
		assert_string_equal(str(inv, "DueDate"), "2026-12-26T00:00:00Z");
		assert_string_equal(str(inv, "CoworkerBillingEmail"),
		                    tok(NXM_PII_EMAIL, "accounts.57@billing.example.com"));
	}
	nxm_pii_redactor_clear(&r);
	json_decref(v);
}

static void
test_envelopes(void **state)
{
	const struct nxm_entity *biz = nxm_catalog_find("businesses"),
	                        *cw = nxm_catalog_find("coworkers");
	struct fake f = {0};
	struct nxm_pii_redactor r;
	json_t *list = parse(
	        "{\"Records\": [{\"Name\": \"Demo Coworking London\", \"Postcode\": \"EC1M 5RF\","
	        " \"Phone\": \"+44 20 7946 0123\", \"Address\": \"12 Clerkenwell Road\","
	        " \"Owner\": {\"Name\": \"Dana Admin\", \"FullName\": \"Dana Admin\"}}],"
	        " \"CurrentPage\": 1, \"CurrentOrderField\": \"Name\", \"TotalItems\": 1,"
	        " \"HasNextPage\": false}");
	json_t *mutation = parse("{\"Status\": 200, \"Message\": \"Coworker was successfully "
	                         "updated.\", \"Value\": {\"Id\": 5, \"Email\": \"x@example.com\"},"
	                         " \"WasSuccessful\": true, \"Errors\": null}");
	json_t *invalid = parse(
	        "{\"Status\": 400, \"Message\": \"Email is not valid\", \"Value\": null,"
	        " \"Errors\": [{\"AttemptedValue\": \"not-an-email@@example.com\", \"Message\":"
	        " \"The e-mail x.y+z@example.org is already used by a member (07700 900 123)\","
	        " \"PropertyName\": \"Email\"}, {\"AttemptedValue\": 12, \"Message\": \"bad\","
	        " \"PropertyName\": \"Gender\"}], \"WasSuccessful\": false}");
	json_t *rec, *owner, *err;

	(void)state;
	nxm_pii_redactor_init(&r, fake_tokenize, &f);
	assert_int_equal(nxm_pii_redact_json(biz, list, &r), 0);
	rec = json_array_get(json_object_get(list, "Records"), 0);
	owner = json_object_get(rec, "Owner");
	/* The envelope's records are businesses: their Name is classified as
	 * not personal. A record nested in one that holds personal data is
	 * looked up by name, and "Name" is personal in some entities. */
	assert_string_equal(str(rec, "Name"), "Demo Coworking London");
	assert_string_equal(str(rec, "Postcode"), tok(NXM_PII_ADDRESS, "EC1M 5RF"));
	assert_string_equal(str(rec, "Phone"), tok(NXM_PII_PHONE, "+44 20 7946 0123"));
	assert_string_equal(str(rec, "Address"), tok(NXM_PII_ADDRESS, "12 Clerkenwell Road"));
	assert_string_equal(str(owner, "Name"), tok(NXM_PII_BIO, "Dana Admin"));
	assert_string_equal(str(owner, "FullName"), tok(NXM_PII_NAME, "Dana Admin"));
	assert_string_equal(str(list, "CurrentOrderField"), "Name");
	assert_int_equal(json_integer_value(json_object_get(list, "TotalItems")), 1);

	/* Without the entity, outside any such record, an ambiguous name is
	 * free text. */
	json_object_set_new(rec, "Name", json_string("Demo Coworking London"));
	assert_int_equal(nxm_pii_redact_json(NULL, list, &r), 0);
	assert_string_equal(str(rec, "Name"), "Demo Coworking London");

	assert_int_equal(nxm_pii_redact_json(cw, mutation, &r), 0);
	assert_string_equal(str(json_object_get(mutation, "Value"), "Email"),
	                    tok(NXM_PII_EMAIL, "x@example.com"));
	assert_string_equal(str(mutation, "Message"), "Coworker was successfully updated.");

	/* Validation errors: an AttemptedValue is the value of the field its
	 * PropertyName names, redacted as that field is (it may be a value a
	 * token stood for); messages are free text. */
	assert_int_equal(nxm_pii_redact_json(cw, invalid, &r), 0);
	err = json_array_get(json_object_get(invalid, "Errors"), 0);
	assert_string_equal(str(err, "AttemptedValue"),
	                    tok(NXM_PII_EMAIL, "not-an-email@@example.com"));
	{
		char want[512];
		snprintf(want, sizeof(want), "The e-mail %s is already used by a member (%s)",
		         tok(NXM_PII_EMAIL, "x.y+z@example.org"),
		         tok(NXM_PII_PHONE, "07700 900 123"));
		assert_string_equal(str(err, "Message"), want);
	}
	assert_string_equal(str(err, "PropertyName"), "Email");
	err = json_array_get(json_object_get(invalid, "Errors"), 1);
	assert_string_equal(str(err, "AttemptedValue"), tok(NXM_PII_BIO, "12"));
	assert_string_equal(str(invalid, "Message"), "Email is not valid");
	json_decref(list);
	json_decref(mutation);
	json_decref(invalid);
	nxm_pii_redactor_clear(&r);
}

static void
test_tokens_kept(void **state)
{
	const struct nxm_entity *cw = nxm_catalog_find("coworkers");
	const char *t = LQ "PII:NAME:0123abcd" RQ;
	struct fake f = {0};
	struct nxm_pii_redactor r;
	char text[256], want[512];
	json_t *rec;

	(void)state;
	snprintf(text, sizeof(text),
	         "{\"FullName\": \"%s\", \"Email\": \"%s\", \"CompanyName\": \"%s & Sons\","
	         " \"ReferenceNumber\": \"Ask %s at x@example.com\", \"NickName\": \" %s \"}",
	         t, LQ "PII:EMAIL:00112233445566" RQ, t, t, t);
	rec = parse(text);
	nxm_pii_redactor_init(&r, fake_tokenize, &f);
	assert_int_equal(nxm_pii_redact_json(cw, rec, &r), 0);
	/* Exactly a token: left alone, whatever its category or length. */
	assert_string_equal(str(rec, "FullName"), t);
	assert_string_equal(str(rec, "Email"), LQ "PII:EMAIL:00112233445566" RQ);
	/* Around spaces only: kept as they are too. */
	snprintf(want, sizeof(want), " %s ", t);
	assert_string_equal(str(rec, "NickName"), want);
	/* A token inside a personal value: the text around it is tokenised,
	 * the token kept. */
	snprintf(want, sizeof(want), "%s%s", t, tok(NXM_PII_NAME, " & Sons"));
	assert_string_equal(str(rec, "CompanyName"), want);
	/* Inside free text: never tokenised again. */
	snprintf(want, sizeof(want), "Ask %s at %s", t, tok(NXM_PII_EMAIL, "x@example.com"));
	assert_string_equal(str(rec, "ReferenceNumber"), want);
	assert_int_equal(f.calls, 2);
	nxm_pii_redactor_clear(&r);
	json_decref(rec);
}

static void
test_text(void **state)
{
	struct fake f = {0};
	struct nxm_pii_redactor r;
	struct nxm_buf out = {0};
	const char *in = "Email jose.garcia+cowork@example.com, mobile +34 612 345 678; due "
	                 "2026-11-26, total €1.200,00 (INV-2026-0001).";
	char want[512];

	(void)state;
	nxm_pii_redactor_init(&r, fake_tokenize, &f);
	assert_int_equal(nxm_buf_puts(&out, ">"), 0);
	assert_int_equal(nxm_pii_redact_text(in, strlen(in), &out, &r), 0);
	snprintf(want, sizeof(want),
	         ">Email %s, mobile %s; due 2026-11-26, total €1.200,00 (INV-2026-0001).",
	         tok(NXM_PII_EMAIL, "jose.garcia+cowork@example.com"),
	         tok(NXM_PII_PHONE, "+34 612 345 678"));
	assert_string_equal(out.data, want);
	assert_int_equal(out.len, strlen(want));
	assert_int_equal(r.spans, 2);
	/* Text with nothing personal is copied as it is; empty text too. */
	nxm_buf_reset(&out);
	assert_int_equal(nxm_pii_redact_text("Hot desk (10:00-12:00)", 22, &out, &r), 0);
	assert_string_equal(out.data, "Hot desk (10:00-12:00)");
	nxm_buf_reset(&out);
	assert_int_equal(nxm_pii_redact_text("", 0, &out, &r), 0);
	assert_non_null(out.data);
	assert_string_equal(out.data, "");
	/* The length bounds the input. */
	nxm_buf_reset(&out);
	assert_int_equal(nxm_pii_redact_text("x@example.com", 9, &out, &r), 0);
	assert_string_equal(out.data, "x@example");
	assert_int_equal(r.spans, 2);
	nxm_buf_free(&out);
	nxm_pii_redactor_clear(&r);
}

static void
test_callback_errors(void **state)
{
	const struct nxm_entity *cw = nxm_catalog_find("coworkers");
	struct nxm_pii_redactor r;
	struct nxm_buf out = {0};
	struct fake f = {0};
	json_t *rec;

	(void)state;
	/* A failing callback fails the whole redaction, at any point. */
	for (int at = 1; at <= 3; at++) {
		f = (struct fake){.fail_at = at};
		rec = parse(
		        "{\"FullName\": \"Ana\", \"Gender\": 1, \"UpdatedBy\": \"a@example.com\"}");
		nxm_pii_redactor_init(&r, fake_tokenize, &f);
		assert_int_equal(nxm_pii_redact_json(cw, rec, &r), -1);
		nxm_pii_redactor_clear(&r);
		json_decref(rec);
	}
	f = (struct fake){.fail_at = 1};
	nxm_pii_redactor_init(&r, fake_tokenize, &f);
	assert_int_equal(nxm_pii_redact_text("a@example.com", 13, &out, &r), -1);
	nxm_pii_redactor_clear(&r);
	/* A callback that writes anything but a token of the category asked
	 * for is an error, not a pass-through. */
	for (int junk = 1; junk <= 2; junk++) {
		f = (struct fake){.junk = junk};
		nxm_pii_redactor_init(&r, fake_tokenize, &f);
		rec = parse("{\"FullName\": \"Ana\"}");
		assert_int_equal(nxm_pii_redact_json(cw, rec, &r), -1);
		json_decref(rec);
		nxm_buf_reset(&out);
		assert_int_equal(nxm_pii_redact_text("a@example.com", 13, &out, &r), -1);
		nxm_pii_redactor_clear(&r);
	}
	/* No callback at all. */
	nxm_pii_redactor_init(&r, NULL, NULL);
	rec = parse("{\"FullName\": \"Ana\"}");
	assert_int_equal(nxm_pii_redact_json(cw, rec, &r), -1);
	assert_int_equal(nxm_pii_redact_json(cw, NULL, &r), -1);
	json_decref(rec);
	nxm_buf_free(&out);
	nxm_pii_redactor_clear(&r);
}

static time_t
fixed_now(void)
{
	return 1795651200; /* 2026-11-26T00:00:00Z */
}

/* Adds to vals every personal value of rec the redaction must remove: its
 * fields with a category (long enough not to occur by chance) and
 * UpdatedBy. Copies: the redaction changes strings in place. */
static void
personal_values(const struct nxm_entity *e, json_t *rec, json_t *vals)
{
	for (size_t i = 0; i < e->nfields; i++) {
		json_t *v = json_object_get(rec, e->fields[i].name);
		if (e->fields[i].pii != NXM_PII_NONE && json_is_string(v) &&
		    json_string_length(v) >= 4)
			json_array_append_new(vals, json_string(json_string_value(v)));
	}
	if (json_is_string(json_object_get(rec, "UpdatedBy")))
		json_array_append_new(vals, json_string(str(rec, "UpdatedBy")));
}

/* text with its tokens cut out, so that a value is not found by chance in
 * a token's hex ("10012" in «PII:PHONE:54d10012»). */
static char *
without_tokens(const char *text)
{
	struct nxm_buf out = {0};
	size_t len = strlen(text), pos = 0, start, end;

	while (nxm_pii_token_find(text + pos, len - pos, &start, &end)) {
		assert_int_equal(nxm_buf_append(&out, text + pos, start), 0);
		assert_int_equal(nxm_buf_puts(&out, "<token>"), 0);
		pos += end;
	}
	assert_int_equal(nxm_buf_append(&out, text + pos, len - pos), 0);
	return out.data;
}

/* Every record of every entity the simulator seeds, redacted with its
 * entity and with none: no personal value may be left in the output. */
static void
test_seed(void **state)
{
	char dir[] = "/tmp/nxm-test-pii-XXXXXX", path[64], err[256];
	struct sim s = {.now = fixed_now};
	struct fake f = {0};
	struct nxm_pii_redactor r;
	size_t records = 0, values = 0, notes = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sim.db", dir);
	assert_int_equal(sim_store_open(&s, path, err, sizeof(err)), 0);
	assert_int_equal(sim_seed(&s, SIM_DEFAULT_SEED, fixed_now(), err, sizeof(err)), 0);
	nxm_pii_redactor_init(&r, fake_tokenize, &f);
	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		json_t *all, *rec;
		size_t k;
		if (e->module == NULL || (all = sim_record_all(&s, e)) == NULL)
			continue;
		json_array_foreach(all, k, rec)
		{
			json_t *vals = json_array(), *strings = json_array(),
			       *unknown = json_object(), *v;
			const char *key;
			size_t j;
			personal_values(e, rec, vals);
			/* The same members under names the catalog does not
			 * know: in a record that holds personal data, every
			 * string is withheld. */
			json_object_foreach(rec, key, v)
			{
				char name[256];
				snprintf(name, sizeof(name), "Unknown%s", key);
				json_object_set_new(unknown, name, json_deep_copy(v));
				if (json_is_string(v) && json_string_length(v) >= 4)
					json_array_append_new(
					        strings, json_string(json_string_value(v)));
			}
			for (int pass = 0; pass < 2; pass++) {
				json_t *page = json_pack("{s:[O], s:i}", "Records",
				                         pass ? unknown : rec, "TotalItems", 1);
				char *dump, *text;
				assert_int_equal(nxm_pii_redact_json(e, page, &r), 0);
				dump = json_dumps(page, JSON_COMPACT);
				assert_non_null(dump);
				text = without_tokens(dump);
				free(dump);
				dump = text;
				json_array_foreach(pass ? strings : vals, j, v)
				{
					if (strstr(dump, json_string_value(v)) != NULL)
						fail_msg("%s%s: \"%s\" left in %s", e->name,
						         pass ? " (unknown names)" : "",
						         json_string_value(v), dump);
				}
				free(dump);
				json_decref(page);
				if (!e->personal)
					break;
			}
			values += json_array_size(vals);
			records++;
			json_decref(vals);
			json_decref(strings);
			json_decref(unknown);
		}
		json_decref(all);
	}
	/* The e-mail addresses and phone numbers of staff notes, and any
	 * notes written as plain text, through the free-text detectors. */
	{
		sqlite3_stmt *st;
		assert_int_equal(
		        sqlite3_prepare_v2(s.db, "SELECT value FROM seed_pii", -1, &st, NULL),
		        SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(st, 0);
			char text[512];
			struct nxm_buf out = {0};
			/* A written date is a birth date after a word about
			 * birth; the rest stands anywhere. */
			bool date = v[0] >= '1' && v[0] <= '9' && strchr(v, '@') == NULL &&
			            strpbrk(v, "JFMASOND") != NULL && strlen(v) < 20;
			snprintf(text, sizeof(text), "%s %s, thanks.",
			         date ? "Reach them, born" : "Reach them at", v);
			assert_int_equal(nxm_pii_redact_text(text, strlen(text), &out, &r), 0);
			if (strstr(out.data, v) != NULL ||
			    strncmp(out.data + (date ? 17 : 14), LQ "PII:", 6) != 0)
				fail_msg("\"%s\" not redacted: %s", v, out.data);
			nxm_buf_free(&out);
			notes++;
		}
		sqlite3_finalize(st);
	}
	/* The seed has what the test means to check. */
	assert_true(records > 2000);
	assert_true(values > 8000);
	assert_true(notes >= 600);
	nxm_pii_redactor_clear(&r);
	sim_store_close(&s);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_classify),  cmocka_unit_test(test_record),
	        cmocka_unit_test(test_related_copies),  cmocka_unit_test(test_envelopes),
	        cmocka_unit_test(test_tokens_kept),     cmocka_unit_test(test_text),
	        cmocka_unit_test(test_callback_errors), cmocka_unit_test(test_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
