/* The simulator's own pieces: TOTP (RFC 6238), the HTTP head parser, time
 * parsing and the deterministic generator. */
#include "autoconfig.h"

#include "testlib.h"

#include "sim/httpd.h"
#include "sim/sim.h"

/* RFC 6238 appendix B, SHA-1: the 8-digit values' last 6 digits. */
static void
test_totp_rfc6238(void **state)
{
	static const unsigned char key[] = "12345678901234567890";
	static const struct {
		uint64_t t;
		const char *code;
	} v[] = {{59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
	         {1234567890, "005924"}, {2000000000, "279037"}, {20000000000ULL, "353130"}};
	char out[7];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(sim_totp_code(key, 20, v[i].t / 30, out), 0);
		assert_string_equal(out, v[i].code);
	}
}

static void
test_http_parse_ok(void **state)
{
	static const char in[] = "POST /api/token?x=1 HTTP/1.1\r\nHost: a\r\n"
	                         "Content-Type: application/x-www-form-urlencoded\r\n"
	                         "content-length: 5\r\n\r\nhello";
	struct nxm_request req;
	size_t head, body;
	int keep;

	assert_int_equal(sim_http_parse_head(in, sizeof(in) - 1, &req, &head, &body, &keep),
	                 SIM_HTTP_OK);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.path, "/api/token");
	assert_string_equal(req.query, "x=1");
	assert_string_equal(nxm_request_header(&req, "Content-Type"),
	                    "application/x-www-form-urlencoded");
	assert_int_equal(body, 5);
	assert_int_equal(head, sizeof(in) - 1 - 5);
	assert_true(keep);
	nxm_request_free(&req);
}

static void
test_http_parse_errors(void **state)
{
	struct nxm_request req;
	size_t head, body;
	int keep;
	char big[SIM_HTTP_MAX_HEAD + 64];

	assert_int_equal(
	        sim_http_parse_head("GET / HTTP/1.1\r\nHost: a\r\n", 25, &req, &head, &body, &keep),
	        SIM_HTTP_INCOMPLETE);
	assert_int_equal(
	        sim_http_parse_head("get / HTTP/1.1\r\n\r\n", 18, &req, &head, &body, &keep),
	        SIM_HTTP_BAD);
	assert_int_equal(
	        sim_http_parse_head("GET x HTTP/1.1\r\n\r\n", 18, &req, &head, &body, &keep),
	        SIM_HTTP_BAD);
	assert_int_equal(
	        sim_http_parse_head("GET / HTTP/2.0\r\n\r\n", 18, &req, &head, &body, &keep),
	        SIM_HTTP_BAD);
	assert_int_equal(sim_http_parse_head("GET / HTTP/1.1\r\nNo colon\r\n\r\n", 28, &req, &head,
	                                     &body, &keep),
	                 SIM_HTTP_BAD);
	assert_int_equal(sim_http_parse_head("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 38,
	                                     &req, &head, &body, &keep),
	                 SIM_HTTP_BAD);
	assert_int_equal(sim_http_parse_head("GET / HTTP/1.1\r\nContent-Length: 9999999\r\n\r\n",
	                                     43, &req, &head, &body, &keep),
	                 SIM_HTTP_TOO_LARGE);
	assert_int_equal(
	        sim_http_parse_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 47,
	                            &req, &head, &body, &keep),
	        SIM_HTTP_UNSUPPORTED);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	assert_int_equal(sim_http_parse_head(big, sizeof(big), &req, &head, &body, &keep),
	                 SIM_HTTP_TOO_LARGE);
	assert_int_equal(
	        sim_http_parse_head("GET / HTTP/1.0\r\n\r\n", 18, &req, &head, &body, &keep),
	        SIM_HTTP_OK);
	assert_false(keep); /* HTTP/1.0 closes unless asked otherwise */
	nxm_request_free(&req);
}

static void
test_time_parse(void **state)
{
	time_t t;
	char out[32];

	assert_int_equal(nxm_time_parse_utc("2026-06-15", &t), 0);
	assert_int_equal(t, 1781481600);
	assert_int_equal(nxm_time_parse_utc("2026-06-15T09:30", &t), 0);
	assert_int_equal(t, 1781481600 + 9 * 3600 + 1800);
	assert_int_equal(nxm_time_parse_utc("2026-06-15T09:30:15.123Z", &t), 0);
	assert_int_equal(t, 1781481600 + 9 * 3600 + 1815);
	sim_time_format(t, out);
	assert_string_equal(out, "2026-06-15T09:30:15Z");
	assert_int_equal(nxm_time_parse_utc("2026-06-15T09", &t), -1);
	assert_int_equal(nxm_time_parse_utc("15/06/2026", &t), -1);
	assert_int_equal(nxm_time_parse_utc("2026-06-15Zjunk", &t), -1);
}

static void
test_rng_deterministic(void **state)
{
	struct sim_rng a = {42}, b = {42}, c = {43};
	int same = 1, differ = 0;

	for (int i = 0; i < 100; i++) {
		uint64_t x = sim_rng_next(&a), y = sim_rng_next(&b), z = sim_rng_next(&c);
		same &= x == y;
		differ |= x != z;
	}
	assert_true(same);
	assert_true(differ);
	for (int i = 0; i < 1000; i++)
		assert_true(sim_rng_below(&a, 7) < 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_totp_rfc6238),      cmocka_unit_test(test_http_parse_ok),
	        cmocka_unit_test(test_http_parse_errors), cmocka_unit_test(test_time_parse),
	        cmocka_unit_test(test_rng_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
