/* Unit tests for the egress filter: the matcher (src/pii/match.c) against
 * a plain search, the normal form (src/pii/normal.c), and the filter
 * (src/pii/egress.c) over answers as the mcp program writes them: a value
 * is caught in a result's strings and in its JSON text mirror, in another
 * case, spelling or layout, next to other characters, as a phone number
 * without its country code, as a birth date written otherwise, inside a
 * long note; what must not match (short values inside words, place names,
 * tokens) is left; and the session's map on a sqlite file is read. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/db.h"
#include "core/util.h"
#include "pii/egress.h"
#include "pii/match.h"
#include "pii/normal.h"
#include "pii/store.h"
#include "pii/token.h"

#define LQ "\xc2\xab"
#define RQ "\xc2\xbb"

/* ---------------------------------------------------------------- matcher */

struct found {
	size_t n;
	size_t end[4096], len[4096];
	uint32_t id[4096];
};

static struct found *cur;
static size_t cur_pos;

static int
collect(void *arg, size_t len, uint32_t id)
{
	struct found *f = arg;

	assert_true(f->n < 4096);
	f->end[f->n] = cur_pos;
	f->len[f->n] = len;
	f->id[f->n++] = id;
	return 0;
}

static uint32_t rng = 12345;

static unsigned
next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 16) & 0x7fff;
}

/* Random patterns over a small alphabet, so that they overlap and nest;
 * every occurrence the automaton reports is one a plain search finds, and
 * none is missed. */
static void
test_matcher_against_search(void **state)
{
	(void)state;
	for (int round = 0; round < 50; round++) {
		struct nxm_pii_matcher m;
		unsigned char pats[40][8], text[600];
		size_t plen[40], np = 1 + next_rand() % 40, expected = 0;
		struct found *f = calloc(1, sizeof(*f));
		uint32_t st = 0;

		assert_non_null(f);
		nxm_pii_matcher_init(&m);
		for (size_t p = 0; p < np; p++) {
			plen[p] = 1 + next_rand() % 6;
			for (size_t i = 0; i < plen[p]; i++)
				pats[p][i] = (unsigned char)(next_rand() % 4);
			assert_int_equal(nxm_pii_matcher_add(&m, pats[p], plen[p], (uint32_t)p), 0);
		}
		assert_int_equal(nxm_pii_matcher_build(&m), 0);
		for (size_t i = 0; i < sizeof(text); i++)
			text[i] = (unsigned char)(next_rand() % 5);
		cur = f;
		for (size_t i = 0; i < sizeof(text); i++) {
			st = nxm_pii_matcher_step(&m, st, text[i]);
			cur_pos = i + 1;
			if (nxm_pii_matcher_has_output(&m, st))
				nxm_pii_matcher_outputs(&m, st, collect, f);
		}
		/* Distinct patterns ending at each position, by a plain search. */
		for (size_t end = 1; end <= sizeof(text); end++) {
			for (size_t p = 0; p < np; p++) {
				bool dup = false, hit;
				for (size_t q = 0; q < p && !dup; q++)
					dup = plen[q] == plen[p] && memcmp(pats[q], pats[p], plen[p]) == 0;
				if (dup || plen[p] > end)
					continue;
				hit = memcmp(text + end - plen[p], pats[p], plen[p]) == 0;
				if (!hit)
					continue;
				expected++;
				bool seen = false;
				for (size_t k = 0; k < f->n && !seen; k++)
					seen = f->end[k] == end && f->len[k] == plen[p] &&
					       memcmp(pats[f->id[k]], pats[p], plen[p]) == 0;
				assert_true(seen);
			}
		}
		assert_int_equal(f->n, expected);
		nxm_pii_matcher_clear(&m);
		free(f);
	}
}

static void
test_matcher_limits(void **state)
{
	struct nxm_pii_matcher m;
	unsigned char big[NXM_PII_PATTERN_MAX + 1] = {0}, bad = NXM_PII_SYMBOLS;

	(void)state;
	nxm_pii_matcher_init(&m);
	assert_int_equal(nxm_pii_matcher_add(&m, big, 0, 1), -1);
	assert_int_equal(nxm_pii_matcher_add(&m, big, sizeof(big), 1), -1);
	assert_int_equal(nxm_pii_matcher_add(&m, &bad, 1, 1), -1);
	assert_int_equal(nxm_pii_matcher_add(&m, big, NXM_PII_PATTERN_MAX, 1), 0);
	/* No patterns at all still builds, and matches nothing. */
	nxm_pii_matcher_clear(&m);
	assert_int_equal(nxm_pii_matcher_build(&m), 0);
	assert_int_equal(nxm_pii_matcher_step(&m, 0, 3), 0);
	assert_false(nxm_pii_matcher_has_output(&m, 0));
	nxm_pii_matcher_clear(&m);
}

/* ---------------------------------------------------------------- normal form */

/* The symbols of text as a string: letters and digits as themselves
 * (lower case), '_' for a separator, '|' for a barrier, '~' for any byte
 * of a multi-byte character. escaped: text is a JSON string's content. */
static void
spelled(const char *text, bool escaped, char *out, size_t outsz)
{
	struct nxm_pii_syms y = {0};
	size_t o = 0;

	assert_int_equal(nxm_pii_syms_reserve(&y, strlen(text)), 0);
	nxm_pii_normalize(text, strlen(text), escaped, &y);
	assert_true(y.n <= strlen(text));
	for (size_t i = 0; i < y.n && o + 1 < outsz; i++) {
		unsigned char c = y.sym[i];
		assert_true(y.start[i] < y.end[i] && y.end[i] <= strlen(text));
		if (i > 0)
			assert_true(y.start[i] >= y.start[i - 1]);
		out[o++] = c == NXM_PII_SYM_SEP       ? '_'
		           : c == NXM_PII_SYM_BARRIER ? '|'
		           : c <= 10                  ? (char)('0' + c - 1)
		           : c <= 36                  ? (char)('a' + c - 11)
		                                      : '~';
	}
	out[o] = '\0';
	nxm_pii_syms_free(&y);
}

static void
test_normal_form(void **state)
{
	static const struct {
		const char *in;
		bool escaped;
		const char *want;
	} cases[] = {
	        {"Ana  Li", false, "ana_li"},
	        {"  Ana, Li. ", false, "ana_li"},
	        {"ANA.LI@Example.COM", false, "ana_li_example_com"},
	        {"+44 20 7946-0958", false, "442079460958"},
	        {"(020) 7946 0958 ext. 42", false, "02079460958_ext_42"},
	        {"1985-03-14T00:00:00Z", false, "19850314t00_00_00z"},
	        {"14/03/1985", false, "14031985"},
	        {"1,234", false, "1_234"},
	        {"Amélie", false, "am~~lie"},
	        {"AMÉLIE", false, "am~~lie"},
	        {"x " LQ "PII:NAME:0123abcd" RQ " y", false, "x|y"},
	        {LQ "PII:NAME:0123abcd" RQ "y", false, "y"},
	        {"line1\\nline2", false, "line1_line2"},
	        {"say \\\"hi\\\"", false, "say_hi"},
	        /* A JSON string's content: escapes undone, at both levels. */
	        {"He said \\\"hi\\\"\\nto Ana", true, "he_said_hi_to_ana"},
	        {"{\\\"Notes\\\":\\\"l1\\\\nl2 \\\\\\\"q\\\\\\\"\\\"}", true, "notes_l1_l2_q"},
	        {"\\u0041na", true, "ana"},
	        {"Am\\u00e9lie", true, "am~~lie"},
	        {"x \\u00abPII:NAME:0123abcd\\u00bb y", true, "x|y"},
	        {"x \\u00abPII:NAME:zz\\u00bb", true, "x_~~pii_name_zz~~"},
	        {"\\ud83d\\ude00!", true, "~~~~"},
	        {"\\ud83d!", true, ""},
	        {"tail\\", true, "tail"},
	        {"", true, ""},
	};
	char got[256];

	(void)state;
	for (size_t i = 0; i < NXM_ARRAY_LEN(cases); i++) {
		spelled(cases[i].in, cases[i].escaped, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: wanted %s, got %s", cases[i].in, cases[i].want, got);
	}
}

/* ---------------------------------------------------------------- filter */

static const struct nxm_pii_egress_session sess = {.id = "egress-test-session",
                                                   .key = (const unsigned char *)"0123456789"
                                                                                 "0123456789"
                                                                                 "012345678901"};

/* A token for value in category cat: made up, the filter only copies it. */
static void
token(enum nxm_pii cat, unsigned n, char *out, size_t outsz)
{
	char hex[9];

	snprintf(hex, sizeof(hex), "%08x", n);
	assert_int_equal(nxm_pii_token_format(cat, hex, 8, out, outsz), 0);
}

static struct nxm_pii_seen *
seen_of(const char *const *values, const enum nxm_pii *cats, size_t n)
{
	struct nxm_pii_seen *seen = nxm_pii_seen_new();
	char tok[NXM_PII_TOKEN_MAX];

	assert_non_null(seen);
	for (size_t i = 0; i < n; i++) {
		token(cats[i], (unsigned)i + 1, tok, sizeof(tok));
		assert_int_equal(nxm_pii_seen_add(seen, cats[i], values[i], strlen(values[i]), tok),
		                 0);
	}
	return seen;
}

/* A tool result as the mcp program writes it: structuredContent holding
 * text, and the same as a JSON text mirror. */
static char *
answer_with(const char *text)
{
	json_t *sc = json_pack("{s:s}", "Notes", text), *r;
	char *mirror = json_dumps(sc, JSON_COMPACT), *out;

	r = json_pack("{s:s, s:i, s:{s:[{s:s, s:s}], s:o}}", "jsonrpc", "2.0", "id", 1, "result",
	              "content", "type", "text", "text", mirror, "structuredContent", sc);
	/* As nxm_response_json writes it: every non-ASCII character escaped
	 * (the mirror itself holds them as they are). */
	out = json_dumps(r, JSON_COMPACT | JSON_ENSURE_ASCII);
	free(mirror);
	json_decref(r);
	return out;
}

/* The answer carrying text, filtered; the result's own Notes, decoded. */
static char *
filtered(struct nxm_pii_seen *seen, const char *text, char *notes, size_t notessz)
{
	char *raw = answer_with(text), *out;
	struct nxm_buf body = {0};
	json_t *v, *mirror;

	assert_int_equal(nxm_buf_puts(&body, raw), 0);
	free(raw);
	assert_int_equal(nxm_pii_egress_filter(NULL, &sess, seen, &body), 0);
	v = json_loadb((const char *)body.data, body.len, 0, NULL);
	assert_non_null(v); /* still JSON */
	snprintf(notes, notessz, "%s",
	         json_string_value(json_object_get(
	                 json_object_get(json_object_get(v, "result"), "structuredContent"),
	                 "Notes")));
	/* The mirror was filtered alike. */
	mirror = json_loads(json_string_value(json_object_get(
	                            json_array_get(json_object_get(json_object_get(v, "result"),
	                                                           "content"),
	                                           0),
	                            "text")),
	                    0, NULL);
	assert_non_null(mirror);
	assert_string_equal(json_string_value(json_object_get(mirror, "Notes")), notes);
	json_decref(mirror);
	json_decref(v);
	out = strndup((const char *)body.data, body.len);
	nxm_buf_free(&body);
	return out;
}

static void
test_filter_cases(void **state)
{
	static const char *const values[] = {
	        "ana.li@example.com",
	        "Ana Li",
	        "+44 20 7946 0958",
	        "1985-03-14T00:00:00Z",
	        "London",
	        "12 Baker Street",
	        "Mr",
	        "He said \"hi\"\nand left",
	        "Barclays",
	        "07700 900123",
	        "Amélie Nguyễn",
	};
	static const enum nxm_pii cats[] = {
	        NXM_PII_EMAIL,   NXM_PII_NAME, NXM_PII_PHONE, NXM_PII_DOB,       NXM_PII_ADDRESS,
	        NXM_PII_ADDRESS, NXM_PII_NAME, NXM_PII_BIO,   NXM_PII_FINANCIAL, NXM_PII_PHONE,
	        NXM_PII_NAME,
	};
	static const struct {
		const char *in, *want;
	} cases[] = {
	        /* Whole, in other case, next to other characters. */
	        {"mail ana.li@example.com now", "mail <1> now"},
	        {"mail ANA.LI@EXAMPLE.COM", "mail <1>"},
	        {"x ana.li@example.com9", "x <1>9"},
	        {"(ana.li@example.com)", "(<1>)"},
	        /* Short values stand on their own, longer ones anywhere. */
	        {"Ana Li, Ana  LI and ana-li", "<2>, <2> and <2>"},
	        {"Banana Lime", "Banana Lime"},
	        {"Ana Lix", "Ana Lix"},
	        /* Phones by their digits, national forms too. */
	        {"call 020 7946 0958", "call <3>"},
	        {"call 02079460958x", "call <3>x"},
	        {"call +44 (0)20 7946-0958", "call +44 (<3>"},
	        {"call 2079460958", "call <3>"},
	        {"mobile 07700 900 123 or 0770090012399", "mobile <10> or <10>99"},
	        /* Birth dates, as dates. */
	        {"born 14 March 1985.", "born <4>."},
	        {"born March 14, 1985", "born <4>"},
	        {"born 14/03/1985", "born <4>"},
	        {"local 1985-03-13T23:00:00", "local <4>T23:00:00"},
	        {"dob 1985-03-14T00:00:00Z", "dob <4>"},
	        /* Place and bank names, and what is too short, are left. */
	        {"Demo Coworking London, Barclays", "Demo Coworking London, Barclays"},
	        {"Mr Smith at 12 Baker Street", "Mr Smith at <6>"},
	        /* Quotes and line breaks, as JSON escapes them at each level. */
	        {"note: He said \"hi\"\nand left!", "note: <8>!"},
	        /* Characters the answer escapes. */
	        {"for AMÉLIE NGUYỄN.", "for <11>."},
	        /* A token is never looked into. */
	        {"see " LQ "PII:NAME:0badc0de" RQ, "see " LQ "PII:NAME:0badc0de" RQ},
	};
	struct nxm_pii_seen *seen = seen_of(values, cats, NXM_ARRAY_LEN(values));
	char notes[512], want[512], tok[NXM_PII_TOKEN_MAX];

	(void)state;
	nxm_pii_egress_forget();
	for (size_t i = 0; i < NXM_ARRAY_LEN(cases); i++) {
		size_t o = 0;
		char *body;
		/* <n> is the token of value n. */
		for (const char *p = cases[i].in == NULL ? "" : cases[i].want; *p != '\0';) {
			if (*p == '<') {
				unsigned n = (unsigned)strtoul(p + 1, NULL, 10);
				token(cats[n - 1], n, tok, sizeof(tok));
				o += (size_t)snprintf(want + o, sizeof(want) - o, "%s", tok);
				p = strchr(p, '>') + 1;
			} else {
				want[o++] = *p++;
			}
		}
		want[o] = '\0';
		body = filtered(seen, cases[i].in, notes, sizeof(notes));
		if (strcmp(notes, want) != 0)
			fail_msg("%s: wanted %s, got %s", cases[i].in, want, notes);
		free(body);
	}
	nxm_pii_seen_free(seen);
	nxm_pii_egress_forget();
}

/* A long note spread over other text: every piece of it is replaced. */
static void
test_long_value(void **state)
{
	char note[1400], text[1600], notes[4096];
	const char *values[1];
	enum nxm_pii cats[1] = {NXM_PII_BIO};
	struct nxm_pii_seen *seen;
	size_t o = 0;
	char *body;

	(void)state;
	for (int i = 0; o + 40 < sizeof(note); i++)
		o += (size_t)snprintf(note + o, sizeof(note) - o, "word%d private detail %d; ", i,
		                      i * 7);
	values[0] = note;
	seen = seen_of(values, cats, 1);
	snprintf(text, sizeof(text), "copied: %s", note);
	body = filtered(seen, text, notes, sizeof(notes));
	assert_null(strstr(notes, "private detail"));
	assert_non_null(strstr(notes, LQ "PII:BIO:00000001" RQ));
	free(body);
	nxm_pii_seen_free(seen);
	nxm_pii_egress_forget();
}

/* What one session found clean says nothing of another's values. */
static void
test_sessions_apart(void **state)
{
	static const struct nxm_pii_egress_session a = {.id = "session-a", .key = (const unsigned char *)"k"},
	                                           b = {.id = "session-b", .key = (const unsigned char *)"k"};
	const char *text = "{\"Notes\":\"call zoe.quinn@example.net today\"}";
	const char *values[] = {"zoe.quinn@example.net"};
	enum nxm_pii cats[] = {NXM_PII_EMAIL};
	struct nxm_pii_seen *seen = seen_of(values, cats, 1);
	struct nxm_buf body = {0};

	(void)state;
	nxm_pii_egress_forget();
	/* b knows the value, and has found another answer clean. */
	assert_int_equal(nxm_buf_puts(&body, "{\"x\":\"nothing here at all\"}"), 0);
	assert_int_equal(nxm_pii_egress_filter(NULL, &b, seen, &body), 0);
	/* a, which does not, finds the text clean, twice. */
	for (int i = 0; i < 2; i++) {
		nxm_buf_reset(&body);
		assert_int_equal(nxm_buf_puts(&body, text), 0);
		assert_int_equal(nxm_pii_egress_filter(NULL, &a, NULL, &body), 0);
		assert_non_null(strstr((const char *)body.data, "zoe.quinn"));
	}
	/* b does not take a's word for it. */
	for (int i = 0; i < 2; i++) {
		nxm_buf_reset(&body);
		assert_int_equal(nxm_buf_puts(&body, text), 0);
		assert_int_equal(nxm_pii_egress_filter(NULL, &b, NULL, &body), 0);
		assert_null(strstr((const char *)body.data, "zoe.quinn"));
	}
	nxm_buf_free(&body);
	nxm_pii_seen_free(seen);
	nxm_pii_egress_forget();
}

/* The values of the session's map, issued through the store on a sqlite
 * file, are known without being met in the request. */
static time_t
fixed_now(void)
{
	return 1800000000;
}

static void
test_session_map(void **state)
{
	struct nxm_app app = {.now = fixed_now};
	struct nxm_session s = {.expires_at = 1800000000 + 3600};
	struct nxm_pii_egress_session es;
	struct nxm_pii_store *st;
	struct nxm_buf body = {0};
	char err[256], tok[NXM_PII_TOKEN_MAX], sql[512];
	const char *path = test_write_file("egress.db", "", 0600);
	int applied;

	(void)state;
	unlink(path);
	assert_int_equal(nxm_db_open(path, NXM_DB_CREATE, &app.db, err, sizeof(err)), 0);
	assert_int_equal(nxm_db_migrate(app.db, nxm_migrations, nxm_migrations_count, &applied, err,
	                                sizeof(err)),
	                 0);
	snprintf(s.id, sizeof(s.id), "%s", "00112233445566778899aabbccddeeff");
	memset(s.pii_salt, 7, sizeof(s.pii_salt));
	memset(s.pii_key, 9, sizeof(s.pii_key));
	assert_int_equal(sqlite3_exec(app.db,
	                              "INSERT INTO clients (client_id, auth_method, metadata, "
	                              "created_at, expires_at) VALUES ('c', 'none', '{}', 0, "
	                              "4000000000)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	snprintf(sql, sizeof(sql),
	         "INSERT INTO sessions (session_id, key_id, client_id, resource, scope, allow_pii, "
	         "account_hash, upstream_token, created_at, expires_at) VALUES ('%s', 'k', 'c', "
	         "'https://x/mcp', 'nexudus:read', 0, x'00', x'00', 1800000000, %lld)",
	         s.id, (long long)s.expires_at);
	assert_int_equal(sqlite3_exec(app.db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_non_null(st = nxm_pii_store_open(&app, &s));
	assert_int_equal(nxm_pii_store_tokenize(st, NXM_PII_EMAIL, "zoe@example.net", 15, tok,
	                                        sizeof(tok)),
	                 0);
	assert_int_equal(nxm_pii_store_close(st, true), 0);
	es.id = s.id;
	es.key = s.pii_key;
	nxm_pii_egress_forget();
	assert_int_equal(nxm_buf_puts(&body, "{\"error\":\"no such member: Zoe@Example.net\"}"), 0);
	assert_int_equal(nxm_pii_egress_filter(&app, &es, NULL, &body), 0);
	assert_non_null(strstr((const char *)body.data, tok));
	assert_null(strstr((const char *)body.data, "xample"));
	/* Under another key the rows do not open: nothing is sent. */
	memset(s.pii_key, 1, sizeof(s.pii_key));
	nxm_pii_egress_forget();
	assert_int_equal(nxm_pii_egress_filter(&app, &es, NULL, &body), -1);
	nxm_buf_free(&body);
	nxm_pii_egress_forget();
	nxm_db_close(app.db);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_matcher_against_search),
	        cmocka_unit_test(test_matcher_limits),
	        cmocka_unit_test(test_normal_form),
	        cmocka_unit_test(test_filter_cases),
	        cmocka_unit_test(test_long_value),
	        cmocka_unit_test(test_sessions_apart),
	        cmocka_unit_test(test_session_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
