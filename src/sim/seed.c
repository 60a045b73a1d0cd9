/* The demo space: three locations, their resources, plans and products, a
 * few hundred members with realistic and varied personal data, bookings,
 * check-ins and invoices around an anchor day, and a few records of every
 * other entity. Everything comes from one splitmix64 stream, so a seed and
 * an anchor always give the same data. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sim/sim.h"

#define N_COWORKERS 300
#define N_BOOKINGS  600
#define N_CHECKINS  300
#define N_INVOICES  400
#define N_GENERIC   3

static const char *const first_names[] = {
        "Olivia", "Liam",     "Amélie", "José",      "Zoë",   "Łukasz", "Siobhán", "Søren",
        "Aisha",  "Mateo",    "Chloé",  "Hiroshi",   "Priya", "Björn",  "Fatima",  "Noah",
        "Inès",   "Diego",    "Mei",    "Oluwaseun", "Ana",   "Kwame",  "Élodie",  "Rafael",
        "Ingrid", "Tomás",    "Yasmin", "Dmitri",    "Leila", "Conor",  "Lucía",   "Arjun",
        "Freya",  "Mohammed", "Sofía",  "Jürgen",    "Nadia", "Pedro",  "Hannah",  "Thanh",
};
static const char *const last_names[] = {
        "Smith",   "García", "Müller",    "O'Brien",   "Nguyễn", "Kowalski",     "Rossi", "Dubois",
        "Okafor",  "Tanaka", "Fernández", "Johansson", "Patel",  "Hernández",    "Novak", "Schmidt",
        "Martín",  "Kim",    "Moreau",    "Adeyemi",   "López",  "Andersen",     "Walsh", "Costa",
        "Ivanova", "Haddad", "Murphy",    "Sánchez",   "Chen",   "Van der Berg", "Silva", "Brennan",
};
static const char *const companies[] = {
        "Brightwave Studio", "Nordlys Analytics", "Café Numérique",  "Quantum Loom Ltd",
        "Atlas & Finch LLP", "Verde Robotics SL", "Hudson Pixel Co", "Kestrel Legal",
        "Lumen Health",      "Orbital Kitchens",  "Papel y Tinta",   "Blue Heron Design",
        "Sabre Logistics",   "Tidewater Films",   "Mosaic Ventures", "Greystone Audit",
};
static const char *const banks[] = {"Barclays", "Banco Santander", "Chase",  "Monzo",
                                    "BBVA",     "Citibank",        "Lloyds", "CaixaBank"};
struct location {
	const char *name, *city, *country, *currency, *street, *postcode, *phone_prefix;
	long long currency_id, country_id, zone;
	int64_t id;
};

static struct location locations[] = {
        {"Demo Coworking London", "London", "United Kingdom", "GBP", "Clerkenwell Road", "EC1M 5RF",
         "uk", 826, 235, 1, 0},
        {"Demo Coworking Madrid", "Madrid", "Spain", "EUR", "Calle de Alcalá", "28014", "es", 978,
         209, 2, 0},
        {"Demo Coworking New York", "New York", "United States", "USD", "Broadway", "10012", "us",
         840, 236, 3, 0},
};

struct seeder {
	struct sim *s;
	struct sim_rng rng;
	time_t anchor;
	int64_t coworkers[N_COWORKERS];
	int coworker_loc[N_COWORKERS];
	int64_t resources[32];
	int resource_loc[32];
	size_t nresources;
	int64_t tariffs[16];
	size_t ntariffs;
	char err[256];
};

static const char *
pick(struct seeder *sd, const char *const *list, size_t n)
{
	return list[sim_rng_below(&sd->rng, (uint32_t)n)];
}
#define PICK(sd, list) pick((sd), (list), NXM_ARRAY_LEN(list))

/* Lower-case ASCII for e-mail local parts: "Łukasz Müller" → "lukasz.muller". */
static void
ascii_slug(const char *in, char *out, size_t outsz)
{
	static const struct {
		const char *utf8, *ascii;
	} map[] = {{"á", "a"}, {"à", "a"}, {"é", "e"}, {"è", "e"}, {"ë", "e"},
	           {"í", "i"}, {"ó", "o"}, {"ö", "o"}, {"ø", "o"}, {"ú", "u"},
	           {"ü", "u"}, {"ñ", "n"}, {"ç", "c"}, {"Ł", "l"}, {"ł", "l"},
	           {"Ø", "o"}, {"Ö", "o"}, {"É", "e"}, {"ễ", "e"}, {"ß", "ss"}};
	size_t o = 0;

	for (const char *p = in; *p != '\0' && o + 3 < outsz;) {
		bool done = false;
		for (size_t i = 0; i < NXM_ARRAY_LEN(map) && !done; i++) {
			size_t l = strlen(map[i].utf8);
			if (strncmp(p, map[i].utf8, l) == 0) {
				o += (size_t)snprintf(out + o, outsz - o, "%s", map[i].ascii);
				p += l;
				done = true;
			}
		}
		if (done)
			continue;
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			out[o++] = *p;
		else if (*p >= 'A' && *p <= 'Z')
			out[o++] = (char)(*p + 32);
		else if (*p == ' ')
			out[o++] = '.';
		p++;
	}
	out[o] = '\0';
}

static void
phone(struct seeder *sd, const char *country, bool mobile, char *out, size_t outsz)
{
	unsigned a = sim_rng_below(&sd->rng, 1000), b = sim_rng_below(&sd->rng, 10000);
	unsigned style = sim_rng_below(&sd->rng, 3);

	if (strcmp(country, "uk") == 0) {
		if (mobile)
			snprintf(out, outsz, style ? "+44 7700 %03u%03u" : "07700 %03u %03u", a,
			         b % 1000);
		else
			snprintf(out, outsz,
			         style == 2 ? "(020) 7946 %04u ext. %u" : "+44 20 7946 %04u", b,
			         a % 90 + 10);
	} else if (strcmp(country, "es") == 0) {
		if (style)
			snprintf(out, outsz, "+34 6%02u %03u %03u", a % 100, b % 1000, a);
		else
			snprintf(out, outsz, "91 %03u %02u %02u", a, b % 100, (b / 100) % 100);
	} else {
		snprintf(out, outsz,
		         style == 0   ? "(212) 555-%04u"
		         : style == 1 ? "+1 212-555-%04u"
		                      : "212.555.%04u x%u",
		         b, a % 900 + 100);
	}
}

static void
tax_number(struct seeder *sd, int loc, char *out, size_t outsz)
{
	unsigned long long a = sim_rng_next(&sd->rng) % 1000000000ULL;
	unsigned long long b = sim_rng_next(&sd->rng) % 10000000ULL;

	if (loc == 0)
		snprintf(out, outsz, "GB%09llu", a);
	else if (loc == 1)
		snprintf(out, outsz, "ES%08lluX", a % 100000000ULL);
	else
		snprintf(out, outsz, "%02llu-%07llu", a % 100, b);
}

/* Free text that mentions an e-mail address and a phone number, as staff
 * notes do. */
static void
note_text(struct seeder *sd, const char *mail, const char *tel, char *out, size_t outsz)
{
	switch (sim_rng_below(&sd->rng, 4)) {
	case 0:
		snprintf(out, outsz, "Prefers to be contacted at %s or on %s after 10am.", mail,
		         tel);
		break;
	case 1:
		snprintf(out, outsz, "Billing questions go to %s; urgent issues: call %s.", mail,
		         tel);
		break;
	case 2:
		snprintf(out, outsz, "Asked for a locker. Reach them at %s / %s.", mail, tel);
		break;
	default:
		snprintf(out, outsz, "Referral from a member. Email %s, mobile %s.", mail, tel);
		break;
	}
}

static void
iban(struct seeder *sd, const char *country, char *out, size_t outsz)
{
	unsigned long long n = sim_rng_next(&sd->rng) % 100000000000000ULL;

	if (strcmp(country, "uk") == 0)
		snprintf(out, outsz, "GB%02u NWBK %04llu %04llu %04llu %02llu",
		         sim_rng_below(&sd->rng, 90) + 10, n % 10000, (n / 10000) % 10000,
		         (n / 100000000) % 10000, (n / 1000) % 100);
	else if (strcmp(country, "es") == 0)
		snprintf(out, outsz, "ES%02u 2100 %04llu %02llu %010llu",
		         sim_rng_below(&sd->rng, 90) + 10, n % 10000, n % 100, n % 10000000000ULL);
	else
		snprintf(out, outsz, "%09llu", n % 1000000000ULL);
}

/* Personal data inside free text, which no field's category reveals. */
static int
pii_note(struct seeder *sd, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(sd->s->db, "INSERT OR IGNORE INTO seed_pii (value) VALUES (?)", -1,
	                       &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static int
put(struct seeder *sd, const char *entity, json_t *rec, time_t created, int64_t *id_out)
{
	const struct nxm_entity *e = nxm_catalog_find(entity);
	int64_t id;
	int rc = -1;

	if (e == NULL || rec == NULL) {
		snprintf(sd->err, sizeof(sd->err), "%s: not in the catalog", entity);
		goto out;
	}
	/* Fill what the record does not set with the catalog's defaults. */
	for (size_t i = 0; i < e->nfields; i++) {
		const struct nxm_field *f = &e->fields[i];
		if (json_object_get(rec, f->name) != NULL)
			continue;
		json_object_set_new(rec, f->name,
		                    f->type == NXM_FT_BOOL   ? json_false()
		                    : f->type == NXM_FT_LIST ? json_array()
		                                             : json_null());
	}
	if ((id = sim_record_next_id(sd->s, e)) < 0 ||
	    sim_api_stamp(sd->s, e, rec, id, true, created, "admin@demo.nexudus.test", &sd->rng) ==
	            -1 ||
	    sim_record_put(sd->s, e, id, rec) == -1) {
		snprintf(sd->err, sizeof(sd->err), "%s: cannot store", entity);
		goto out;
	}
	if (id_out != NULL)
		*id_out = id;
	rc = 0;
out:
	json_decref(rec);
	return rc;
}

static time_t
days(struct seeder *sd, int d, int hour, int minute)
{
	return sd->anchor + (time_t)d * 86400 + hour * 3600 + minute * 60;
}

static json_t *
when(time_t t)
{
	char buf[32];

	sim_time_format(t, buf);
	return json_string(buf);
}

static int
seed_locations(struct seeder *sd)
{
	static const char *const room_types[] = {"Meeting room", "Hot desk", "Private office"};

	for (size_t l = 0; l < NXM_ARRAY_LEN(locations); l++) {
		struct location *loc = &locations[l];
		char addr[128], tel[64];
		int64_t types[3];

		snprintf(addr, sizeof(addr), "%u %s, %s %s", sim_rng_below(&sd->rng, 200) + 1,
		         loc->street, loc->city, loc->postcode);
		phone(sd, loc->phone_prefix, false, tel, sizeof(tel));
		if (put(sd, "businesses",
		        json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:s, s:b}", "Name",
		                  loc->name, "Address", addr, "Phone", tel, "CountryName",
		                  loc->country, "CountryId", (json_int_t)loc->country_id,
		                  "CurrencyCode", loc->currency, "CurrencyId",
		                  (json_int_t)loc->currency_id, "SimpleTimeZoneId",
		                  (json_int_t)loc->zone, "WebContact", "hello@demo.nexudus.test",
		                  "Suspended", 0),
		        days(sd, -400, 9, 0), &loc->id) == -1)
			return -1;
		for (size_t t = 0; t < 3; t++)
			if (put(sd, "resourcetypes",
			        json_pack("{s:I, s:s}", "BusinessId", (json_int_t)loc->id, "Name",
			                  room_types[t]),
			        days(sd, -390, 9, 0), &types[t]) == -1)
				return -1;
		for (int r = 0; r < 8 && sd->nresources < NXM_ARRAY_LEN(sd->resources); r++) {
			static const char *const rooms[] = {
			        "Boardroom", "Studio",  "Phone booth 1", "Phone booth 2",
			        "Desk A1",   "Desk A2", "Office 101",    "Office 102"};
			size_t t = r < 4 ? 0 : r < 6 ? 1 : 2;
			char name[96];
			snprintf(name, sizeof(name), "%s (%s)", rooms[r], loc->city);
			if (put(sd, "resources",
			        json_pack("{s:I, s:s, s:i, s:I, s:i, s:i, s:b, s:b, s:b}",
			                  "BusinessId", (json_int_t)loc->id, "Name", name,
			                  "SystemResourceType", 1, "ResourceTypeId",
			                  (json_int_t)types[t], "DisplayOrder", r, "Allocation",
			                  t == 0 ? 12 - r * 2 : 1, "Visible", 1, "Projector",
			                  r == 0, "Internet", 1),
			        days(sd, -380, 9, 0), &sd->resources[sd->nresources]) == -1)
				return -1;
			sd->resource_loc[sd->nresources++] = (int)l;
		}
		for (int t = 0; t < 3 && sd->ntariffs < NXM_ARRAY_LEN(sd->tariffs); t++) {
			static const char *const plans[] = {"Hot desk monthly", "Dedicated desk",
			                                    "Private office"};
			static const double prices[] = {199.0, 349.0, 899.0};
			if (put(sd, "tariffs",
			        json_pack("{s:I, s:s, s:i, s:f, s:I, s:s, s:i, s:i, s:b}",
			                  "BusinessId", (json_int_t)loc->id, "Name", plans[t],
			                  "SystemTariffType", 1, "Price", prices[t], "CurrencyId",
			                  (json_int_t)loc->currency_id, "CurrencyCode",
			                  loc->currency, "CancellationPeriod", 30, "DisplayOrder",
			                  t, "Visible", 1),
			        days(sd, -380, 9, 0), &sd->tariffs[sd->ntariffs++]) == -1)
				return -1;
		}
		for (int p = 0; p < 4; p++) {
			static const char *const items[] = {"Day pass", "Coffee card",
			                                    "Locker (monthly)", "Printing credit"};
			static const double prices[] = {25.0, 30.0, 15.0, 10.0};
			if (put(sd, "products",
			        json_pack("{s:I, s:s, s:i, s:s, s:i, s:f, s:I, s:s, s:i, s:b}",
			                  "BusinessId", (json_int_t)loc->id, "Name", items[p],
			                  "SystemProductType", 1, "Description", items[p],
			                  "DisplayOrder", p, "Price", prices[p], "CurrencyId",
			                  (json_int_t)loc->currency_id, "CurrencyCode",
			                  loc->currency, "AvailableAs", 1, "Visible", 1),
			        days(sd, -380, 9, 0), NULL) == -1)
				return -1;
		}
	}
	return 0;
}

/* The fields the catalog requires of a member that the demo data has no
 * story for, so that a seeded member can be updated as it is. */
static json_t *
coworker_required(json_t *rec, long long country_id)
{
	static const char *const days_of_week[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
	                                           "Friday", "Saturday", "Sunday"};
	char name[32];

	if (rec == NULL)
		return NULL;
	json_object_set_new(rec, "CountryId", json_integer(country_id));
	json_object_set_new(rec, "TaxRateType", json_integer(1)); /* Default */
	for (size_t d = 0; d < 7; d++) {
		snprintf(name, sizeof(name), "%sAttendance", days_of_week[d]);
		/* WorkingFromOffice on weekdays, NotWorking at the weekend. */
		json_object_set_new(rec, name, json_integer(d < 5 ? 1 : 4));
	}
	return rec;
}

static int
seed_coworkers(struct seeder *sd)
{
	for (int i = 0; i < N_COWORKERS; i++) {
		int l = (int)sim_rng_below(&sd->rng, NXM_ARRAY_LEN(locations));
		struct location *loc = &locations[l];
		const char *first = PICK(sd, first_names), *last = PICK(sd, last_names);
		bool company = sim_rng_below(&sd->rng, 5) == 0;
		char full[128], slug[128], email[192], billing[192], mobile[64], land[64],
		        addr[160];
		char dob[32], twitter[96], linkedin[160], github[96], tax[32], bank[64], notes[512];
		char note_mail[192], note_phone[64], summary[256];
		const char *company_name = PICK(sd, companies);
		unsigned tag = sim_rng_below(&sd->rng, 4);

		snprintf(full, sizeof(full), "%s %s", first, last);
		ascii_slug(full, slug, sizeof(slug));
		/* Some addresses carry "+" tags, as real members' do. */
		if (tag == 0)
			snprintf(email, sizeof(email), "%s+cowork@example.com", slug);
		else
			snprintf(email, sizeof(email), "%s%d@%s", slug, i,
			         tag == 1   ? "example.org"
			         : tag == 2 ? "mail.example.net"
			                    : "example.com");
		snprintf(billing, sizeof(billing), "accounts.%d@%s", i,
		         company ? "billing.example.com" : "example.com");
		phone(sd, loc->phone_prefix, true, mobile, sizeof(mobile));
		phone(sd, loc->phone_prefix, false, land, sizeof(land));
		snprintf(addr, sizeof(addr), "%u %s", sim_rng_below(&sd->rng, 300) + 1,
		         l == 0   ? "Baker Street"
		         : l == 1 ? "Calle Mayor"
		                  : "Bleecker Street");
		snprintf(dob, sizeof(dob), "%04u-%02u-%02uT00:00:00Z",
		         1955 + sim_rng_below(&sd->rng, 50), sim_rng_below(&sd->rng, 12) + 1,
		         sim_rng_below(&sd->rng, 28) + 1);
		snprintf(twitter, sizeof(twitter), "@%.20s%u", slug, sim_rng_below(&sd->rng, 100));
		snprintf(linkedin, sizeof(linkedin), "https://www.linkedin.com/in/%s-%u", slug, i);
		snprintf(github, sizeof(github), "https://github.com/%.30s%u", slug, i);
		tax_number(sd, l, tax, sizeof(tax));
		iban(sd, loc->phone_prefix, bank, sizeof(bank));
		snprintf(note_mail, sizeof(note_mail), "%s.%s@private.example.net", slug,
		         l == 0   ? "uk"
		         : l == 1 ? "es"
		                  : "us");
		phone(sd, loc->phone_prefix, true, note_phone, sizeof(note_phone));
		note_text(sd, note_mail, note_phone, notes, sizeof(notes));
		snprintf(summary, sizeof(summary), "%s works on %s at %s.", first,
		         company ? "operations" : "freelance projects", company_name);
		if (put(sd, "coworkers",
		        coworker_required(
		                json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, "
		                          "s:s, "
		                          "s:s, s:s,"
		                          " s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:b, s:I, "
		                          "s:o, "
		                          "s:s, s:s}",
		                          "CoworkerType", company ? 2 : 1, "FullName", full,
		                          "Email", email, "MobilePhone", mobile, "LandLine", land,
		                          "Address", addr, "PostCode", loc->postcode, "CityName",
		                          loc->city, "DateOfBirth", dob, "SimpleTimeZoneId",
		                          (json_int_t)loc->zone, "CompanyName",
		                          company ? company_name : "", "Twitter", twitter,
		                          "Linkedin", linkedin, "Github", github, "BillingEmail",
		                          billing, "BillingName", company ? company_name : full,
		                          "TaxIdNumber", tax, "BankName", PICK(sd, banks),
		                          "BankAccount", bank, "Notes", notes, "ProfileSummary",
		                          summary, "Gender", (int)sim_rng_below(&sd->rng, 5) + 1,
		                          "Active", sim_rng_below(&sd->rng, 10) != 0, "Archived", 0,
		                          "InvoicingBusinessId", (json_int_t)loc->id,
		                          "RegistrationDate",
		                          when(days(sd, -(int)sim_rng_below(&sd->rng, 700), 10, 0)),
		                          "Salutation", sim_rng_below(&sd->rng, 2) ? "Ms" : "Mr",
		                          "NickName", first),
		                loc->country_id),
		        days(sd, -(int)sim_rng_below(&sd->rng, 700) - 1, 9, 30),
		        &sd->coworkers[i]) == -1)
			return -1;
		sd->coworker_loc[i] = l;
		/* The notes' e-mail and phone are personal data too. */
		if (pii_note(sd, note_mail) == -1 || pii_note(sd, note_phone) == -1)
			return -1;
	}
	return 0;
}

/* The description of invoice i: on some, a postal address or a birth date
 * in free text, in a field the catalog classifies as not personal (a
 * description of what is billed), which only the free-text detectors
 * catch. Made from i alone, so the seed's random draws stay as they are. */
static int
invoice_note(struct seeder *sd, int i, char *out, size_t outsz)
{
	static const char *const months[] = {"January", "February", "March",     "April",
	                                      "May",     "June",     "July",      "August",
	                                      "September", "October", "November", "December"};
	char what[160];

	out[0] = '\0';
	switch (i % 9) {
	case 0:
		/* London, New York, Madrid in turn; the address as the
		 * detectors span it (a Spanish one ends at its post code). */
		if (i % 27 == 0)
			snprintf(what, sizeof(what), "%d Baker Street, London NW1 6XE", 1 + i % 200);
		else if (i % 27 == 9)
			snprintf(what, sizeof(what), "%d Bleecker Street, New York, NY 10014",
			         1 + i % 200);
		else
			snprintf(what, sizeof(what), "Calle Mayor %d, 28013", 1 + i % 90);
		snprintf(out, outsz, "Paper copy posted to %s%s.", what,
		         i % 27 == 18 ? " Madrid" : "");
		return pii_note(sd, what);
	case 4:
		snprintf(what, sizeof(what), "%d %s %d", 1 + i % 28, months[i % 12], 1950 + i % 50);
		snprintf(out, outsz, "Birthday discount: member born %s.", what);
		return pii_note(sd, what);
	default:
		return 0;
	}
}

static int
seed_activity(struct seeder *sd)
{
	for (int i = 0; i < N_BOOKINGS; i++) {
		size_t r = sim_rng_below(&sd->rng, (uint32_t)sd->nresources);
		int c = (int)sim_rng_below(&sd->rng, N_COWORKERS),
		    d = (int)sim_rng_below(&sd->rng, 120) - 60;
		int h = 8 + (int)sim_rng_below(&sd->rng, 9),
		    len = 1 + (int)sim_rng_below(&sd->rng, 3);
		bool noted = sim_rng_below(&sd->rng, 6) == 0;
		char note[256], tel[64];

		phone(sd, locations[sd->resource_loc[r]].phone_prefix, true, tel, sizeof(tel));
		snprintf(note, sizeof(note), "Needs a projector; call %s if late.", tel);
		if (noted && pii_note(sd, tel) == -1)
			return -1;
		if (put(sd, "bookings",
		        json_pack("{s:I, s:I, s:o, s:o, s:s?, s:i, s:i, s:b, s:b}", "ResourceId",
		                  (json_int_t)sd->resources[r], "CoworkerId",
		                  (json_int_t)sd->coworkers[c], "FromTime", when(days(sd, d, h, 0)),
		                  "ToTime", when(days(sd, d, h + len, 0)), "Notes",
		                  noted ? note : NULL, "Repeats", 1, "WhichBookingsToUpdate", 1,
		                  "Tentative", sim_rng_below(&sd->rng, 10) == 0, "Online",
		                  sim_rng_below(&sd->rng, 2)),
		        days(sd, d - 7, 12, 0), NULL) == -1)
			return -1;
	}
	for (int i = 0; i < N_CHECKINS; i++) {
		int c = (int)sim_rng_below(&sd->rng, N_COWORKERS),
		    d = -(int)sim_rng_below(&sd->rng, 30);
		int h = 8 + (int)sim_rng_below(&sd->rng, 4);
		/* Today's check-ins are still open. */
		json_t *to = d == 0 ? json_null()
		                    : when(days(sd, d, h + 4 + (int)sim_rng_below(&sd->rng, 5), 0));
		if (put(sd, "checkins",
		        json_pack("{s:I, s:I, s:o, s:o, s:i}", "CoworkerId",
		                  (json_int_t)sd->coworkers[c], "BusinessId",
		                  (json_int_t)locations[sd->coworker_loc[c]].id, "FromTime",
		                  when(days(sd, d, h, 15)), "ToTime", to, "Source", 1),
		        days(sd, d, h, 15), NULL) == -1)
			return -1;
	}
	for (int i = 0; i < N_INVOICES; i++) {
		int c = (int)sim_rng_below(&sd->rng, N_COWORKERS),
		    d = -(int)sim_rng_below(&sd->rng, 180);
		struct location *loc = &locations[sd->coworker_loc[c]];
		double total = (double)(50 + sim_rng_below(&sd->rng, 1200));
		unsigned state = sim_rng_below(&sd->rng, 10); /* paid, unpaid, overdue */
		bool paid = state < 6;
		char number[32], note[256];

		snprintf(number, sizeof(number), "INV-%s-%05d", loc->currency, 10000 + i);
		if (invoice_note(sd, i, note, sizeof(note)) == -1)
			return -1;
		if (put(sd, "coworkerinvoices",
		        json_pack("{s:I, s:I, s:s, s:f, s:f, s:b, s:o, s:o, s:o, s:b, s:b, s:s, "
		                  "s:I, s:o, s:s?}",
		                  "CoworkerId", (json_int_t)sd->coworkers[c], "BusinessId",
		                  (json_int_t)loc->id, "InvoiceNumber", number, "TotalAmount",
		                  total, "PaidAmount", paid ? total : 0.0, "Paid", paid, "DueDate",
		                  when(days(sd, paid || state == 6 ? d + 30 : d + 14, 0, 0)),
		                  "InvoiceFromDate", when(days(sd, d - 30, 0, 0)), "InvoiceToDate",
		                  when(days(sd, d, 0, 0)), "Draft", 0, "Void", 0, "CurrencyCode",
		                  loc->currency, "CurrencyId", (json_int_t)loc->currency_id,
		                  "PaidOn", paid ? when(days(sd, d + 3, 11, 0)) : json_null(),
		                  "Description", note[0] != '\0' ? note : NULL),
		        days(sd, d, 6, 0), NULL) == -1)
			return -1;
	}
	return 0;
}

/* Accounts: the demo administrator, one with two-factor, a member (not an
 * administrator) and an administrator who may not delete. */
static int
seed_accounts(struct seeder *sd)
{
	static const struct {
		const char *email, *name, *roles, *totp;
		bool admin;
	} accounts[] = {
	        {SIM_DEMO_ADMIN_EMAIL, "Dana Admin", "*", NULL, true},
	        {"twofactor@demo.nexudus.test", "Toby Twofactor", "*", SIM_TOTP_SECRET, true},
	        {"member@demo.nexudus.test", "Mia Member", "", NULL, false},
	        {"limited@demo.nexudus.test", "Lee Limited", "*-List *-Read *-Create *-Edit", NULL,
	         true},
	};

	for (size_t i = 0; i < NXM_ARRAY_LEN(accounts); i++) {
		int64_t uid;
		if (put(sd, "users",
		        json_pack("{s:s, s:s, s:i, s:s, s:i, s:b, s:b, s:b, s:b, s:I}", "FullName",
		                  accounts[i].name, "Email", accounts[i].email, "Language", 1,
		                  "PasswordSalt", "", "LastHelpVisited", 0, "IsAdmin",
		                  accounts[i].admin, "APIAccess", accounts[i].admin, "Active", 1,
		                  "TwoFactorEnabled", accounts[i].totp != NULL, "DefaultBusinessId",
		                  (json_int_t)locations[0].id),
		        days(sd, -500, 9, 0), &uid) == -1)
			return -1;
		if (sim_auth_add_account(sd->s, uid, accounts[i].email, SIM_DEMO_PASSWORD,
		                         accounts[i].admin, accounts[i].admin, accounts[i].totp,
		                         accounts[i].roles) == -1) {
			snprintf(sd->err, sizeof(sd->err), "cannot create account %s",
			         accounts[i].email);
			return -1;
		}
	}
	return 0;
}

static json_t *
generic_value(struct seeder *sd, const struct nxm_entity *e, const struct nxm_field *f, int n)
{
	char buf[192], slug[64];
	const char *first = PICK(sd, first_names), *last = PICK(sd, last_names);

	switch (f->pii) {
	case NXM_PII_NAME:
		snprintf(buf, sizeof(buf), "%s %s", first, last);
		return json_string(buf);
	case NXM_PII_EMAIL:
		snprintf(buf, sizeof(buf), "%s %s", first, last);
		ascii_slug(buf, slug, sizeof(slug));
		snprintf(buf, sizeof(buf), "%s.%s%d@example.org", slug, e->name, n);
		return json_string(buf);
	case NXM_PII_PHONE:
		phone(sd, "uk", true, buf, sizeof(buf));
		return json_string(buf);
	case NXM_PII_ADDRESS:
		snprintf(buf, sizeof(buf), "%u Sample Street", sim_rng_below(&sd->rng, 200) + 1);
		return json_string(buf);
	case NXM_PII_DOB:
		/* A birth date, not one of the activity timestamps below: those
		 * are not personal, and must not be mistaken for one. */
		snprintf(buf, sizeof(buf), "%d-%02d-%02dT00:00:00Z", 1970 + (n * 7) % 30,
		         1 + n % 12, 1 + (n * 3) % 28);
		return json_string(buf);
	default:
		break;
	}
	switch (f->type) {
	case NXM_FT_STRING:
		snprintf(buf, sizeof(buf), "%s %s %d", e->singular, f->name, n);
		return json_string(buf);
	case NXM_FT_BOOL:
		return json_boolean(n % 2);
	case NXM_FT_INT:
	case NXM_FT_LONG:
		return json_integer(n);
	case NXM_FT_DECIMAL:
		return json_real(10.0 * n);
	case NXM_FT_DATETIME:
		return when(days(sd, n, 9, 0));
	case NXM_FT_ENUM:
		return json_integer(f->enumdef && f->enumdef->nvalues ? f->enumdef->values[0].value
		                                                      : 1);
	case NXM_FT_LIST:
		return json_array();
	default:
		return json_null();
	}
}

/* A few records of every other entity, so that every list answers with data. */
static int
seed_generic(struct seeder *sd)
{
	static const char *const done[] = {
	        "businesses", "resourcetypes", "resources", "tariffs",          "products",
	        "coworkers",  "bookings",      "checkins",  "coworkerinvoices", "users"};

	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		bool skip = e->module == NULL;
		for (size_t k = 0; k < NXM_ARRAY_LEN(done) && !skip; k++)
			skip = strcmp(done[k], e->name) == 0;
		if (skip)
			continue;
		for (int n = 1; n <= N_GENERIC; n++) {
			json_t *rec = json_object();
			for (size_t j = 0; j < e->nfields; j++) {
				const struct nxm_field *f = &e->fields[j];
				if (strcmp(f->name, "BusinessId") == 0)
					json_object_set_new(rec, f->name,
					                    json_integer(locations[n % 3].id));
				else if (strcmp(f->name, "CoworkerId") == 0)
					json_object_set_new(rec, f->name,
					                    json_integer(sd->coworkers[n]));
				else if ((f->flags & NXM_FF_REQUIRED) || f->pii != NXM_PII_NONE ||
				         strcmp(f->name, "Name") == 0)
					json_object_set_new(rec, f->name,
					                    generic_value(sd, e, f, n));
			}
			if (put(sd, e->name, rec, days(sd, -100 + n, 9, 0), NULL) == -1)
				return -1;
		}
	}
	return 0;
}

int
sim_seed(struct sim *s, uint64_t seed, time_t anchor, char *err, size_t errlen)
{
	struct seeder *sd = calloc(1, sizeof(*sd));
	int rc = -1;

	if (sd == NULL)
		return -1;
	sd->s = s;
	sd->rng.state = seed;
	sd->anchor = anchor;
	if (sim_store_begin(s) == -1)
		goto out;
	if (sqlite3_exec(s->db,
	                 "DELETE FROM records; DELETE FROM tokens; DELETE FROM accounts; "
	                 "DELETE FROM settings; DELETE FROM faults; DELETE FROM request_log; "
	                 "DELETE FROM seed_pii",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    seed_locations(sd) == -1 || seed_coworkers(sd) == -1 || seed_activity(sd) == -1 ||
	    seed_accounts(sd) == -1 || seed_generic(sd) == -1) {
		snprintf(err, errlen, "%s", sd->err[0] ? sd->err : sqlite3_errmsg(s->db));
		sim_store_rollback(s);
		goto out;
	}
	rc = sim_store_commit(s);
out:
	free(sd);
	return rc;
}

static int
collect(sqlite3 *db, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.pii (v) VALUES (?)", -1, &st,
	                       NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int
sim_list_pii(struct sim *s, FILE *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_exec(s->db, "CREATE TEMP TABLE IF NOT EXISTS pii (v TEXT PRIMARY KEY)", NULL,
	                 NULL, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < nxm_catalog_count; i++) {
		const struct nxm_entity *e = &nxm_catalog[i];
		json_t *all, *rec;
		size_t k;

		if (e->module == NULL || (all = sim_record_all(s, e)) == NULL)
			continue;
		json_array_foreach(all, k, rec)
		{
			json_t *by = json_object_get(rec, "UpdatedBy");
			if (json_is_string(by))
				collect(s->db, json_string_value(by));
			for (size_t j = 0; j < e->nfields; j++) {
				json_t *v = json_object_get(rec, e->fields[j].name);
				/* A date is personal only as a birth date: the
				 * catalog's EMAIL on LastWelcomeEmail (a timestamp)
				 * comes from the field's name. */
				if (e->fields[j].pii != NXM_PII_NONE && json_is_string(v) &&
				    json_string_length(v) > 0 &&
				    (e->fields[j].type != NXM_FT_DATETIME ||
				     e->fields[j].pii == NXM_PII_DOB))
					collect(s->db, json_string_value(v));
			}
		}
		json_decref(all);
	}
	if (sqlite3_exec(s->db, "INSERT OR IGNORE INTO temp.pii SELECT value FROM seed_pii", NULL,
	                 NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT v FROM temp.pii ORDER BY v", -1, &st, NULL) !=
	            SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "%s\n", sqlite3_column_text(st, 0));
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
