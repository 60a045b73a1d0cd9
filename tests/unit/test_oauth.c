/* The OAuth module's pure parts: access tokens, sealing, redirect-URI rules
 * and the guards of Client ID Metadata Document fetching. */
#include "autoconfig.h"

#include "testlib.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/crypto.h"
#include "oauth/client.h"
#include "oauth/document.h"
#include "oauth/session.h"

static struct nxm_keyring ring;

static int
setup(void **state)
{
	char err[256];
	const char *path = test_write_file("oauth.key", "", 0600);

	unlink(path);
	if (nxm_keyring_create(path, err, sizeof(err)) != 0 ||
	    nxm_keyring_load(path, &ring, err, sizeof(err)) != 0)
		return -1;
	return 0;
}

static void
claims_fixture(struct nxm_token_claims *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->key_id, ring.keys[0].id, sizeof(c->key_id));
	for (int i = 0; i < NXM_SESSION_ID_BYTES; i++)
		c->session_id[i] = (unsigned char)i;
	for (int i = 0; i < NXM_TOKEN_SECRET_LEN; i++)
		c->secret[i] = (unsigned char)(0xa0 + i);
	c->expires_at = 1781481600;
	c->flags = NXM_TOKEN_WRITE;
}

static void
test_token_round_trip(void **state)
{
	struct nxm_token_claims c, d;
	char tok[NXM_TOKEN_MAX];

	claims_fixture(&c);
	assert_int_equal(nxm_token_mint(&ring, &c, tok, sizeof(tok)), 0);
	assert_true(strncmp(tok, "nxm1.", 5) == 0);
	assert_int_equal(nxm_token_parse(&ring, tok, strlen(tok), &d), NXM_TOKEN_OK);
	assert_memory_equal(d.session_id, c.session_id, sizeof(c.session_id));
	assert_memory_equal(d.secret, c.secret, sizeof(c.secret));
	assert_int_equal(d.expires_at, c.expires_at);
	assert_int_equal(d.flags, NXM_TOKEN_WRITE);
	/* Too small an output buffer fails instead of truncating. */
	assert_int_equal(nxm_token_mint(&ring, &c, tok, 100), -1);
}

/* Every single-character change is refused, by the MAC or the parser. */
static void
test_token_forgeries(void **state)
{
	struct nxm_token_claims c, d;
	char tok[NXM_TOKEN_MAX], f[NXM_TOKEN_MAX];
	size_t n;

	claims_fixture(&c);
	assert_int_equal(nxm_token_mint(&ring, &c, tok, sizeof(tok)), 0);
	n = strlen(tok);
	for (size_t i = 0; i < n; i++) {
		memcpy(f, tok, n + 1);
		f[i] = f[i] == 'A' ? 'B' : 'A';
		assert_int_not_equal(nxm_token_parse(&ring, f, n, &d), NXM_TOKEN_OK);
	}
	assert_int_equal(nxm_token_parse(&ring, tok, n - 1, &d), NXM_TOKEN_MALFORMED);
	assert_int_equal(nxm_token_parse(&ring, "nxm1.", 5, &d), NXM_TOKEN_MALFORMED);
	assert_int_equal(nxm_token_parse(&ring, "Bearer x", 8, &d), NXM_TOKEN_MALFORMED);
}

static void
test_token_other_key(void **state)
{
	struct nxm_keyring other = ring;
	struct nxm_token_claims c, d;
	char tok[NXM_TOKEN_MAX];

	claims_fixture(&c);
	assert_int_equal(nxm_token_mint(&ring, &c, tok, sizeof(tok)), 0);
	/* Same key id, different secret: a rotated or stolen id is not enough. */
	other.keys[0].secret[0] ^= 1;
	assert_int_equal(nxm_token_parse(&other, tok, strlen(tok), &d), NXM_TOKEN_BAD_SIGNATURE);
	memcpy(other.keys[0].id, "zzzzzzzz", 8);
	assert_int_equal(nxm_token_parse(&other, tok, strlen(tok), &d), NXM_TOKEN_UNKNOWN_KEY);
}

static void
test_seal(void **state)
{
	static const unsigned char secret[32] = {1, 2, 3};
	unsigned char *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0;

	assert_int_equal(
	        nxm_seal(secret, 32, "sid", 3, "info", "nexudus-token", 13, &blob, &bloblen), 0);
	assert_int_equal(bloblen, 12 + 13 + 16);
	for (size_t i = 0; i + 13 <= bloblen; i++)
		assert_false(memcmp(blob + i, "nexudus-token", 13) == 0);
	assert_int_equal(nxm_unseal(secret, 32, "sid", 3, "info", blob, bloblen, &pt, &ptlen), 0);
	assert_int_equal(ptlen, 13);
	assert_memory_equal(pt, "nexudus-token", 13);
	free(pt);
	/* Another salt (session), info or a flipped byte: nothing comes out. */
	assert_int_equal(nxm_unseal(secret, 32, "sie", 3, "info", blob, bloblen, &pt, &ptlen), -1);
	assert_int_equal(nxm_unseal(secret, 32, "sid", 3, "infp", blob, bloblen, &pt, &ptlen), -1);
	blob[15] ^= 1;
	assert_int_equal(nxm_unseal(secret, 32, "sid", 3, "info", blob, bloblen, &pt, &ptlen), -1);
	assert_int_equal(nxm_unseal(secret, 32, "sid", 3, "info", blob, 20, &pt, &ptlen), -1);
	free(blob);
}

static void
test_redirect_rules(void **state)
{
	struct nxm_client c = {0};

	assert_null(nxm_client_redirect_problem("https://claude.ai/api/mcp/auth_callback"));
	assert_null(nxm_client_redirect_problem("http://127.0.0.1:33418/callback"));
	assert_null(nxm_client_redirect_problem("http://localhost/cb"));
	assert_null(nxm_client_redirect_problem("http://[::1]:8080/cb"));
	assert_null(
	        nxm_client_redirect_problem("cursor://anysphere.cursor-retrieval/oauth/callback"));
	assert_null(nxm_client_redirect_problem(
	        "vscode://vscode.github-authentication/did-authenticate"));
	assert_non_null(nxm_client_redirect_problem("javascript:alert(1)"));
	assert_non_null(nxm_client_redirect_problem("JavaScript:alert(1)"));
	assert_non_null(nxm_client_redirect_problem("data:text/html,x"));
	assert_non_null(nxm_client_redirect_problem("vbscript:x"));
	assert_non_null(nxm_client_redirect_problem("https://app.example/cb#x"));
	assert_non_null(nxm_client_redirect_problem("http://app.example/cb"));
	assert_non_null(nxm_client_redirect_problem("https://user@app.example/cb"));
	assert_non_null(nxm_client_redirect_problem(""));

	c.redirect_uris[0] = "http://127.0.0.1:33418/callback";
	c.redirect_uris[1] = "https://app.example/cb";
	c.nredirects = 2;
	assert_true(nxm_client_redirect_allowed(&c, "https://app.example/cb"));
	assert_false(nxm_client_redirect_allowed(&c, "https://app.example/cb2"));
	assert_false(nxm_client_redirect_allowed(&c, "https://app.example:444/cb"));
	/* RFC 8252 §7.3: any port on loopback, nothing else may differ. */
	assert_true(nxm_client_redirect_allowed(&c, "http://127.0.0.1:5555/callback"));
	assert_true(nxm_client_redirect_allowed(&c, "http://127.0.0.1/callback"));
	assert_false(nxm_client_redirect_allowed(&c, "http://127.0.0.1:5555/other"));
	assert_false(nxm_client_redirect_allowed(&c, "http://localhost:5555/callback"));
	assert_false(nxm_client_redirect_allowed(&c, "http://127.0.0.1:5555/callback?x=1"));
	assert_false(nxm_client_redirect_allowed(&c, NULL));
}

static bool
allowed4(const char *ip, bool loopback)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};

	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	return nxm_document_address_allowed((struct sockaddr *)&sa, loopback);
}

static bool
allowed6(const char *ip, bool loopback)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};

	assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
	return nxm_document_address_allowed((struct sockaddr *)&sa, loopback);
}

static void
test_document_addresses(void **state)
{
	static const char *const refused4[] = {
	        "10.1.2.3",   "172.16.0.1", "172.31.255.255", "192.168.1.1",     "169.254.169.254",
	        "100.64.0.1", "0.0.0.0",    "224.0.0.1",      "255.255.255.255", "127.0.0.1"};
	static const char *const refused6[] = {
	        "::1",     "::",      "fe80::1",         "fc00::1",
	        "fd12::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"};

	for (size_t i = 0; i < sizeof(refused4) / sizeof(refused4[0]); i++)
		assert_false(allowed4(refused4[i], false));
	for (size_t i = 0; i < sizeof(refused6) / sizeof(refused6[0]); i++)
		assert_false(allowed6(refused6[i], false));
	assert_true(allowed4("93.184.216.34", false));
	assert_true(allowed4("172.32.0.1", false));
	assert_true(allowed6("2606:4700::1111", false));
	/* The test switch opens loopback, and only loopback. */
	assert_true(allowed4("127.0.0.1", true));
	assert_true(allowed6("::1", true));
	assert_false(allowed4("10.0.0.1", true));
}

static void
test_document_cache(void **state)
{
	assert_int_equal(nxm_document_cache_seconds(NULL), NXM_DOCUMENT_CACHE_DEF);
	assert_int_equal(nxm_document_cache_seconds(" public, max-age=600"), 600);
	assert_int_equal(nxm_document_cache_seconds("max-age=5"), NXM_DOCUMENT_CACHE_MIN);
	assert_int_equal(nxm_document_cache_seconds("max-age=99999999"), NXM_DOCUMENT_CACHE_MAX);
	assert_int_equal(nxm_document_cache_seconds("no-store"), NXM_DOCUMENT_CACHE_MIN);
	assert_int_equal(nxm_document_cache_seconds("private"), NXM_DOCUMENT_CACHE_DEF);
	assert_true(nxm_document_is_url("https://app.example/client.json"));
	assert_false(nxm_document_is_url("nxc_abc"));
	assert_false(nxm_document_is_url("http://app.example/client.json"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_token_round_trip), cmocka_unit_test(test_token_forgeries),
	        cmocka_unit_test(test_token_other_key),  cmocka_unit_test(test_seal),
	        cmocka_unit_test(test_redirect_rules),   cmocka_unit_test(test_document_addresses),
	        cmocka_unit_test(test_document_cache),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
