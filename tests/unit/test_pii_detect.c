/* Unit tests for src/pii/detect.c: what each free-text detector finds, and
 * above all what it must leave alone (dates, times, amounts, ids, tokens).
 * Each case lists the spans expected, as "CATEGORY:text" joined by " | ". */
#include "autoconfig.h"

#include "testlib.h"

#include "core/util.h"
#include "pii/detect.h"

struct detect_case {
	const char *in, *want;
};

/* The spans of in, as "CATEGORY:text | …" ("" for none). */
static void
spans_of(const char *in, char *out, size_t outsz)
{
	struct nxm_pii_span spans[32];
	size_t n = nxm_pii_detect(in, strlen(in), spans, NXM_ARRAY_LEN(spans)), o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		assert_true(spans[i].start < spans[i].end);
		assert_true(spans[i].end <= strlen(in));
		if (i > 0)
			assert_true(spans[i].start >= spans[i - 1].end);
		o += (size_t)snprintf(out + o, outsz - o, "%s%s:%.*s", i ? " | " : "",
		                      nxm_pii_name(spans[i].cat),
		                      (int)(spans[i].end - spans[i].start), in + spans[i].start);
		assert_true(o < outsz);
	}
}

static void
check_cases(const struct detect_case *cases, size_t n)
{
	char got[1024];
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		spans_of(cases[i].in, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0) {
			print_error("input:    \"%s\"\nexpected: \"%s\"\ngot:      \"%s\"\n",
			            cases[i].in, cases[i].want, got);
			bad++;
		}
	}
	if (bad > 0)
		fail_msg("%d of %zu cases differ", bad, n);
}

static void
test_email(void **state)
{
	static const struct detect_case cases[] = {
	        {"admin@demo.nexudus.test", "EMAIL:admin@demo.nexudus.test"},
	        {"jose.garcia+cowork@example.com", "EMAIL:jose.garcia+cowork@example.com"},
	        {"Write to lukasz.muller12@mail.example.net.",
	         "EMAIL:lukasz.muller12@mail.example.net"},
	        {"<a_b-c%d@sub.domain.example.co.uk>", "EMAIL:a_b-c%d@sub.domain.example.co.uk"},
	        {"mailto:x@y.io?subject=hi", "EMAIL:x@y.io"},
	        {"(ana@example.org), (bo@example.org)",
	         "EMAIL:ana@example.org | EMAIL:bo@example.org"},
	        {"UPPER.Case@Example.COM", "EMAIL:UPPER.Case@Example.COM"},
	        {".dots.@example.com", "EMAIL:dots.@example.com"},
	        {"a@b@example.com", "EMAIL:b@example.com"},
	        {"by 12345@numbers.example.com", "EMAIL:12345@numbers.example.com"},
	        {"x@xn--bcher-kva.example", "EMAIL:x@xn--bcher-kva.example"},
	        /* Not addresses. */
	        {"@olivia12", ""},
	        {"user@localhost", ""},
	        {"user@example.c", ""},
	        {"user@example.123", ""},
	        {"user@-example.com", ""},
	        {"user@.com", ""},
	        {"a @ example.com", ""},
	        {"José@example.com", ""}, /* ASCII only: nothing before '@' is matched */
	        {"price@10", ""},
	        {"https://www.linkedin.com/in/olivia-smith-12", ""},
	};

	(void)state;
	check_cases(cases, NXM_ARRAY_LEN(cases));
}

/* Every phone format the simulator's seed generates, in the notes it writes. */
static void
test_phone_seed_formats(void **state)
{
	static const struct detect_case cases[] = {
	        {"+44 7700 012345", "PHONE:+44 7700 012345"},
	        {"07700 900 123", "PHONE:07700 900 123"},
	        {"(020) 7946 0958 ext. 42", "PHONE:(020) 7946 0958 ext. 42"},
	        {"+44 20 7946 0958", "PHONE:+44 20 7946 0958"},
	        {"+34 612 345 678", "PHONE:+34 612 345 678"},
	        {"91 123 45 67", "PHONE:91 123 45 67"},
	        {"(212) 555-0123", "PHONE:(212) 555-0123"},
	        {"+1 212-555-0123", "PHONE:+1 212-555-0123"},
	        {"212.555.0123 x123", "PHONE:212.555.0123 x123"},
	        {"Prefers to be contacted at olivia.smith.uk@private.example.net or on +44 7700 "
	         "123456 after 10am.",
	         "EMAIL:olivia.smith.uk@private.example.net | PHONE:+44 7700 123456"},
	        {"Billing questions go to ana.kim.es@private.example.net; urgent issues: call +34 "
	         "655 102 655.",
	         "EMAIL:ana.kim.es@private.example.net | PHONE:+34 655 102 655"},
	        {"Asked for a locker. Reach them at a.b.us@private.example.net / 212.555.5188 "
	         "x416.",
	         "EMAIL:a.b.us@private.example.net | PHONE:212.555.5188 x416"},
	        {"Referral from a member. Email x.y.us@private.example.net, mobile (212) 555-3466.",
	         "EMAIL:x.y.us@private.example.net | PHONE:(212) 555-3466"},
	        {"Needs a projector; call 07700 123 456 if late.", "PHONE:07700 123 456"},
	};

	(void)state;
	check_cases(cases, NXM_ARRAY_LEN(cases));
}

static void
test_phone_shapes(void **state)
{
	static const struct detect_case cases[] = {
	        {"+447700900123", "PHONE:+447700900123"},
	        {"07700900123", "PHONE:07700900123"},
	        {"Tel:07700 900123", "PHONE:07700 900123"},
	        /* After an IBAN and a colon as after any colon. */
	        {"1 0418 10000:37090 10005.", "PHONE:0418 10000 | PHONE:37090 10005"},
	        {"GB82 WEST 1234 5698 7654 32:132 1234 5698 7654 3,",
	         "FINANCIAL:GB82 WEST 1234 5698 7654 32 | PHONE:132 1234 5698 7654"},
	        {"Tel: +44 (0)20 7946 0958", "PHONE:+44 (0)20 7946 0958"},
	        {"020-7946-0958", "PHONE:020-7946-0958"},
	        {"212-555-0123x45", "PHONE:212-555-0123x45"},
	        {"(212) 555-0123 extension 7", "PHONE:(212) 555-0123 extension 7"},
	        {"+1 (212) 555-0123", "PHONE:+1 (212) 555-0123"},
	        {"06 12 34 56 78", "PHONE:06 12 34 56 78"},
	        {"0044 20 7946 0958", "PHONE:0044 20 7946 0958"},
	        {"+49 30 901820", "PHONE:+49 30 901820"},
	        {"call +44 7700 900123 10am", "PHONE:+44 7700 900123"},
	        {"\"07700 900123\"", "PHONE:07700 900123"},
	        {"[+34 612 345 678]", "PHONE:+34 612 345 678"},
	        {"from 2026-11-26 07700 123 456", "PHONE:07700 123 456"},
	        {"07700 123 456 7@example.com", "PHONE:07700 123 456 | EMAIL:7@example.com"},
	        {"Móvil: 612 345 678", "PHONE:612 345 678"},
	        /* Too few digits, or not laid out as phones are. */
	        {"555-0123", ""},
	        {"7946 0958", ""},
	        {"+44", ""},
	        {"( 212) 555-0123", ""},
	        {"10 20 30 40 50", ""},
	        {"1 2 3 4 5 6 7 8 9", ""},
	        {"1234567890", ""}, /* an id, not a phone: no trunk 0, no + */
	        {"Tel+44 7700 900123", "PHONE:+44 7700 900123"},
	        {"x@example.com+44 7700 900123", "EMAIL:x@example.com | PHONE:+44 7700 900123"},
	        /* What may be replaced by a token does not decide. */
	        {"07700 900 123(020) 7946 0958", "PHONE:07700 900 123 | PHONE:(020) 7946 0958"},
	        {"0418 4502 0005 133dmin@example.com",
	         "PHONE:0418 4502 0005 | EMAIL:133dmin@example.com"},
	        {"07700 900 123 4.5@example.com", "PHONE:07700 900 123 | EMAIL:4.5@example.com"},
	        {"12 345 678 901 EUR@example.com", "PHONE:12 345 678 901 | EMAIL:EUR@example.com"},
	        {"1.212.555.0123", ""},
	        {"212.555.01234", ""},
	        /* Too many digits for one number: the longest phone number
	         * ending before a space, then what follows. */
	        {"+44 7700 900123 4567 8901 234", "PHONE:+44 7700 900123 | PHONE:4567 8901 234"},
	        {"07700 900 123 212-555-0123", "PHONE:07700 900 123 | PHONE:212-555-0123"},
	        {"1000946 0158 5ext. 11", "PHONE:1000946 0158"},
	        {"07700 900 123 4", "PHONE:07700 900 123"},
	        {"x@example.com(020) 7946 0958", "EMAIL:x@example.com | PHONE:(020) 7946 0958"},
	};

	(void)state;
	check_cases(cases, NXM_ARRAY_LEN(cases));
}

/* What looks a little like a phone or card number and must be left alone. */
static void
test_not_personal(void **state)
{
	static const char *const clean[] = {
	        "2026-11-26",
	        "26/11/2026",
	        "11/26/2026",
	        "26.11.2026",
	        "2026-11-26T10:00:00Z",
	        "2026-11-26T10:00:00.000+01:00",
	        "2026-11-26 10:00",
	        "2026-11-26 10:00:00",
	        "from 2026-11-26 10:00 to 2026-11-26 12:00",
	        "10:00-12:00",
	        "at 10:30 12:45",
	        "2026-11-26T10:00:00 2026-11-27T10:00:00",
	        "09:30 - 17:30",
	        "1,234.56",
	        "1.234,56",
	        "€1.200,00",
	        "€ 1 200 000",
	        "£1,200,000.00",
	        "$ 1 234 567 890",
	        "1234.50 GBP",
	        "12 345 678 901 EUR",
	        "It costs 12 345 678 901 EUR.",
	        "(EUR 12 345 678 901)",
	        "123 456 789 €",
	        "1 234 567,89",
	        "100 000 000 000,00",
	        "12 345 678,90 EUR",
	        "INV-2026-0001",
	        "INV-GBP-10001",
	        "#123456789",
	        "Id 1414812345 not found",
	        "12345",
	        "3.14159265358979",
	        "1999",
	        "0.000000001",
	        "99.5%",
	        "100 200 300 400%",
	        "192.168.1.100",
	        "10.0.0.1:8080",
	        "v1.2.3",
	        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
	        "12345678-1234-5678-9abc-def012345678",
	        "https://example.com/items/123456789012",
	        "GB262872467",
	        "ES12345678X",
	        "GB83 WEST 1234 5698 7654 32", /* an IBAN's shape, a wrong check */
	        "4111 1111 1111 1112",         /* a card's shape, a wrong check */
	        "Coworker 123 456 789a",
	        "Hot desk monthly",
	        "",
	        "\xc2\xabPII:PHONE:12345678\xc2\xbb",
	        "\xc2\xabPII:NAME:123456789012\xc2\xbb x",
	        "\xc2\xabPII:EMAIL:0123456789012345\xc2\xbb",
	        "\xc2\xabPII:FINANCIAL:4111111111111111\xc2\xbb",
	};
	char got[1024];

	(void)state;
	for (size_t i = 0; i < NXM_ARRAY_LEN(clean); i++) {
		spans_of(clean[i], got, sizeof(got));
		if (got[0] != '\0')
			fail_msg("\"%s\": found \"%s\"", clean[i], got);
	}
}

static void
test_financial(void **state)
{
	static const struct detect_case cases[] = {
	        {"GB82 WEST 1234 5698 7654 32", "FINANCIAL:GB82 WEST 1234 5698 7654 32"},
	        {"IBAN GB82WEST12345698765432.", "FINANCIAL:GB82WEST12345698765432"},
	        {"ES91 2100 0418 4502 0005 1332", "FINANCIAL:ES91 2100 0418 4502 0005 1332"},
	        {"DE89 3704 0044 0532 0130 00 is mine", "FINANCIAL:DE89 3704 0044 0532 0130 00"},
	        {"4111 1111 1111 1111", "FINANCIAL:4111 1111 1111 1111"},
	        {"4111-1111-1111-1111", "FINANCIAL:4111-1111-1111-1111"},
	        {"card 4111111111111111 exp 12/28", "FINANCIAL:4111111111111111"},
	        {"3782 822463 10005", "FINANCIAL:3782 822463 10005"},
	        {"5555 5555 5555 4444; 07700 900123",
	         "FINANCIAL:5555 5555 5555 4444 | PHONE:07700 900123"},
	        /* An IBAN needs its country's length. */
	        {"GB82 WEST 1234 5698 7654 3", ""},
	        {"GB82 WEST 1234 5698 7654 321", ""},
	        {"XX82 WEST 1234 5698 7654 32", ""},
	        {"AGB82WEST12345698765432", ""},
	        /* A card number is not a phone number and needs a card's first digit. */
	        {"9111 1111 1111 1111", ""},
	        {"card: 4111 1111 1111 1111.", "FINANCIAL:4111 1111 1111 1111"},
	};

	(void)state;
	check_cases(cases, NXM_ARRAY_LEN(cases));
}

static void
test_tokens_left_alone(void **state)
{
	static const struct detect_case cases[] = {
	        {"\xc2\xabPII:EMAIL:1a2b3c4d\xc2\xbb and x@example.com", "EMAIL:x@example.com"},
	        {"call \xc2\xabPII:PHONE:1a2b3c4d\xc2\xbb or 07700 900 123", "PHONE:07700 900 123"},
	        /* Digits right around a token are not glued into a number. */
	        {"\xc2\xabPII:NAME:012345678901\xc2\xbb"
	         "07700 900 123",
	         "PHONE:07700 900 123"},
	        /* A malformed token (odd length) is ordinary text. */
	        {"\xc2\xabPII:PHONE:07700900123\xc2\xbb", "PHONE:07700900123"},
	        {"\xc2\xabPII:PHONE:+447700900123\xc2\xbb", "PHONE:+447700900123"},
	};

	(void)state;
	check_cases(cases, NXM_ARRAY_LEN(cases));
}

static void
test_addresses(void **state)
{
	static const struct detect_case cases[] = {
	        /* Street addresses, with the post code after them. */
	        {"Lives at 221B Baker Street, London NW1 6XE.",
	         "ADDRESS:221B Baker Street, London NW1 6XE"},
	        {"Ship to 12 Clerkenwell Road, London EC1M 5RF",
	         "ADDRESS:12 Clerkenwell Road, London EC1M 5RF"},
	        {"Home: 350 Bleecker Street, New York, NY 10014 (buzz 3)",
	         "ADDRESS:350 Bleecker Street, New York, NY 10014"},
	        {"Office at 350 Broadway, floor 4", "ADDRESS:350 Broadway"},
	        {"1600 Pennsylvania Ave. NW", "ADDRESS:1600 Pennsylvania Ave."},
	        {"Escribir a Calle Mayor 12, 28013 Madrid", "ADDRESS:Calle Mayor 12, 28013"},
	        {"en Calle de Alcalá, 45", "ADDRESS:Calle de Alcalá, 45"},
	        {"Avenida de la Constitución nº 3", "ADDRESS:Avenida de la Constitución nº 3"},
	        /* Post codes whose layout says what they are. */
	        {"postcode SW1A 1AA please", "ADDRESS:SW1A 1AA"},
	        {"M1 1AE", "ADDRESS:M1 1AE"},
	        {"zip CA 94105-1234", "ADDRESS:CA 94105-1234"},
	        /* Birth dates after a word about birth. */
	        {"Born 14 March 1985 in Leeds.", "DOB:14 March 1985"},
	        {"date of birth: 03/14/1985", "DOB:03/14/1985"},
	        {"DOB 1985-03-14", "DOB:1985-03-14"},
	        {"birthday on March 14th, 1985!", "DOB:March 14th, 1985"},
	        {"nacida el 14 de marzo de 1985", "DOB:14 de marzo de 1985"},
	        /* With the other detectors. */
	        {"Mail a@b.example.com, 12 Baker Street, tel 07700 900 123",
	         "EMAIL:a@b.example.com | ADDRESS:12 Baker Street | PHONE:07700 900 123"},
	};
	static const struct detect_case not_personal[] = {
	        /* Numbers, rooms, plans and dates that are not addresses. */
	        {"Invoice 28014 for 350 GBP", ""},
	        {"Desk 12 Studio, Room 4", ""},
	        {"2 Hot desk monthly plans", ""},
	        {"12 Meeting Rooms booked", ""},
	        {"Calle Mayor is closed", ""},
	        {"Booked on 14 March 2026", ""},
	        {"Starts 2026-03-14, ends 2026-04-14", ""},
	        {"born to run at 10:00", ""},
	        {"CA 9410", ""},
	        {"EC1M5 RF", ""},
	        {"NY 100123", ""},
	};

	(void)state;
	check_cases(cases, NXM_ARRAY_LEN(cases));
	check_cases(not_personal, NXM_ARRAY_LEN(not_personal));
}

static void
test_scan_api(void **state)
{
	const char *s = "a@example.com b@example.com +44 7700 900123 c@example.com";
	struct nxm_pii_span spans[2], span;
	struct nxm_pii_scan sc;
	size_t n = 0;

	(void)state;
	/* nxm_pii_detect stops at max. */
	assert_int_equal(nxm_pii_detect(s, strlen(s), spans, 2), 2);
	assert_int_equal(spans[1].start, 14);
	assert_int_equal(nxm_pii_detect(s, strlen(s), spans, 0), 0);
	nxm_pii_scan_init(&sc, s, strlen(s));
	while (nxm_pii_scan_next(&sc, &span))
		n++;
	assert_int_equal(n, 4);
	assert_false(nxm_pii_scan_next(&sc, &span));
	/* The length given bounds everything: a prefix finds less. */
	assert_int_equal(nxm_pii_detect(s, 12, spans, 2), 1);
	assert_int_equal(spans[0].end, 12);                   /* "a@example.co" */
	assert_int_equal(nxm_pii_detect(s, 11, spans, 2), 0); /* "a@example.c" */
	nxm_pii_scan_init(&sc, NULL, 5);
	assert_false(nxm_pii_scan_next(&sc, &span));
	assert_true(nxm_pii_detect_cannot_match("Hot desk monthly (London)", 25));
	assert_false(nxm_pii_detect_cannot_match("Desk 2", 6));
	assert_false(nxm_pii_detect_cannot_match("a@b", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_email),        cmocka_unit_test(test_phone_seed_formats),
	        cmocka_unit_test(test_phone_shapes), cmocka_unit_test(test_not_personal),
	        cmocka_unit_test(test_financial),    cmocka_unit_test(test_tokens_left_alone),
	        cmocka_unit_test(test_addresses),    cmocka_unit_test(test_scan_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
