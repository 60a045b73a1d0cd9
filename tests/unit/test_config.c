/* Unit tests for src/core/config.c: nexmcp.conf loading and its errors. */
#include "autoconfig.h"

#include "testlib.h"

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"

#define REQUIRED                                                                                   \
	"base_url = https://mcp.example.com/nexmcp/\n"                                             \
	"database = /var/lib/nexmcp/nexmcp.db\n"                                                   \
	"key_file = /etc/nexmcp/server.key\n"

static void
test_full_file(void **state)
{
	static const char text[] = "# every key nexmcp.conf knows\n"
	                           "\n"
	                           "base_url = https://MCP.Example.com:443/nexmcp/\n"
	                           "database = /var/lib/nexmcp/nexmcp.db\n"
	                           "key_file = /etc/nexmcp/server.key\n"
	                           "upstream = https://coworking.spaces.nexudus.com/\n"
	                           "upstream_proxy = http://proxy.internal:3128\n"
	                           "session_lifetime = 8h\n"
	                           "pii_max_tokens = 1200\n"
	                           "log_level = debug\n"
	                           "allowed_origins = HTTPS://Claude.AI:443, https://chatgpt.com\n"
	                           "; a second line adds to the first\n"
	                           "allowed_origins = http://localhost:6274\n";
	struct nxm_config cfg;
	char err[NXM_CONFIG_ERRLEN];
	const char *path = test_write_file("full.conf", text, 0644);

	assert_int_equal(nxm_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.base_url, "https://mcp.example.com/nexmcp");
	assert_string_equal(cfg.base_path, "/nexmcp");
	assert_string_equal(cfg.mcp_url, "https://mcp.example.com/nexmcp/mcp");
	assert_string_equal(cfg.database, "/var/lib/nexmcp/nexmcp.db");
	assert_string_equal(cfg.key_file, "/etc/nexmcp/server.key");
	assert_string_equal(cfg.upstream, "https://coworking.spaces.nexudus.com");
	assert_string_equal(cfg.upstream_proxy, "http://proxy.internal:3128");
	assert_int_equal(cfg.session_lifetime, 28800);
	assert_int_equal(cfg.pii_max_tokens, 1200);
	assert_int_equal(cfg.log_level, NXM_LOG_DEBUG);
	assert_int_equal(cfg.n_allowed_origins, 3);
	assert_string_equal(cfg.allowed_origins[0], "https://claude.ai");
	assert_string_equal(cfg.allowed_origins[1], "https://chatgpt.com");
	assert_string_equal(cfg.allowed_origins[2], "http://localhost:6274");
	assert_false(cfg.allow_any_origin);
	nxm_config_free(&cfg);
	assert_null(cfg.base_url);
	assert_int_equal(cfg.n_allowed_origins, 0);
}

static void
test_defaults(void **state)
{
	struct nxm_config cfg;
	char err[NXM_CONFIG_ERRLEN];
	const char *path = test_write_file("min.conf", REQUIRED, 0644);

	assert_int_equal(nxm_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.upstream, "https://spaces.nexudus.com");
	assert_null(cfg.upstream_proxy);
	assert_int_equal(cfg.session_lifetime, 8 * 3600);
	assert_int_equal(cfg.pii_max_tokens, 50000);
	assert_int_equal(cfg.log_level, NXM_LOG_INFO);
	assert_int_equal(cfg.n_allowed_origins, 0);
	assert_false(cfg.allow_any_origin);
	nxm_config_free(&cfg);
}

static void
test_root_base_url(void **state)
{
	struct nxm_config cfg;
	char err[NXM_CONFIG_ERRLEN];
	const char *path = test_write_file("root.conf",
	                                   "base_url = https://127.0.0.1:8443\n"
	                                   "database = db\nkey_file = key\n"
	                                   "allowed_origins = *\n",
	                                   0644);

	assert_int_equal(nxm_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.base_url, "https://127.0.0.1:8443");
	assert_string_equal(cfg.base_path, "");
	assert_string_equal(cfg.mcp_url, "https://127.0.0.1:8443/mcp");
	assert_true(cfg.allow_any_origin);
	assert_int_equal(cfg.n_allowed_origins, 0);
	nxm_config_free(&cfg);
}

/* Loads text, expects failure, and checks the whole message. */
static void
assert_load_error(const char *text, const char *want_fmt, int line)
{
	struct nxm_config cfg;
	char err[NXM_CONFIG_ERRLEN], want[NXM_CONFIG_ERRLEN];
	const char *path = test_write_file("bad.conf", text, 0644);

	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(nxm_config_load(path, &cfg, err, sizeof(err)), -1);
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, want_fmt);
	else
		snprintf(want, sizeof(want), "%s: %s", path, want_fmt);
	assert_string_equal(err, want);
	/* A failed load leaves nothing for the caller to free. */
	assert_null(cfg.base_url);
	assert_null(cfg.path);
	assert_int_equal(cfg.n_allowed_origins, 0);
}

static void
test_unknown_key(void **state)
{
	assert_load_error(REQUIRED "\nbase_ur1 = https://x.example\n", "base_ur1: unknown key", 5);
}

static void
test_repeated_key(void **state)
{
	assert_load_error(REQUIRED "database = /tmp/other.db\n", "database: given twice", 4);
	assert_load_error("log_level = info\n" REQUIRED "log_level = warn\n",
	                  "log_level: given twice", 5);
	assert_load_error("session_lifetime = 1h\nsession_lifetime = 1h\n" REQUIRED,
	                  "session_lifetime: given twice", 2);
}

static void
test_bad_base_url(void **state)
{
	assert_load_error("database = db\nbase_url = http://mcp.example.com/\nkey_file = k\n",
	                  "base_url: must be https (plain http only on a loopback host)", 2);
	assert_load_error("base_url = https://mcp.example.com/?x=1\ndatabase = db\nkey_file = k\n",
	                  "base_url: must not carry user information, a query or a fragment", 1);
	assert_load_error("base_url = mcp.example.com\ndatabase = db\nkey_file = k\n",
	                  "base_url: not an absolute URL", 1);
	assert_load_error(REQUIRED "upstream = http://spaces.nexudus.com\n",
	                  "upstream: must be https (plain http only on a loopback host)", 4);
}

static void
test_bad_values(void **state)
{
	assert_load_error(REQUIRED "session_lifetime = 8 hours\n",
	                  "session_lifetime: expected a duration between 60s and 7d, such as "
	                  "28800, 480m or 8h",
	                  4);
	assert_load_error(REQUIRED "session_lifetime = 30s\n",
	                  "session_lifetime: expected a duration between 60s and 7d, such as "
	                  "28800, 480m or 8h",
	                  4);
	assert_load_error(REQUIRED "pii_max_tokens = 99\n",
	                  "pii_max_tokens: expected a whole number between 100 and 10000000", 4);
	assert_load_error(REQUIRED "pii_max_tokens = 5e4\n",
	                  "pii_max_tokens: expected a whole number between 100 and 10000000", 4);
	assert_load_error(REQUIRED "log_level = verbose\n",
	                  "log_level: expected error, warn, info or debug", 4);
	assert_load_error(
	        REQUIRED "allowed_origins = https://claude.ai/\n",
	        "allowed_origins: not an origin (scheme://host[:port]): https://claude.ai/", 4);
	assert_load_error(REQUIRED "upstream_proxy =\n", "upstream_proxy: empty value", 4);
}

static void
test_missing_key(void **state)
{
	/* No line to name: the key is missing from the whole file. */
	assert_load_error("base_url = https://x.example\ndatabase = db\n",
	                  "key_file: required key missing", 0);
	assert_load_error("database = db\nkey_file = k\n", "base_url: required key missing", 0);
	assert_load_error("base_url = https://x.example\nkey_file = k\n",
	                  "database: required key missing", 0);
	assert_load_error("", "base_url: required key missing", 0);
}

static void
test_sections(void **state)
{
	assert_load_error("base_url = https://x.example\n[nexmcp]\ndatabase = db\nkey_file = k\n",
	                  "nexmcp: sections are not used in nexmcp.conf", 3);
}

static void
test_syntax_error(void **state)
{
	assert_load_error(REQUIRED "# fine\nthis line has no equals sign\n",
	                  "syntax error (expected key = value)", 5);
	assert_load_error("log_level debug\n" REQUIRED, "syntax error (expected key = value)", 1);
}

static void
test_missing_file(void **state)
{
	struct nxm_config cfg;
	char err[NXM_CONFIG_ERRLEN];

	assert_int_equal(nxm_config_load("/nonexistent/nexmcp.conf", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "/nonexistent/nexmcp.conf: cannot open: No such file or directory");
}

static void
test_too_many_origins(void **state)
{
	char text[4096];
	size_t o;

	o = (size_t)snprintf(text, sizeof(text), "%s", REQUIRED);
	for (int i = 0; i <= NXM_CONFIG_MAX_ORIGINS; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		                      "allowed_origins = https://o%d.example\n", i);
	assert_load_error(text, "allowed_origins: too many origins", 4 + NXM_CONFIG_MAX_ORIGINS);
}

static void
test_duration(void **state)
{
	static const struct {
		const char *s;
		long want;
	} good[] = {
	        {"90", 90}, {"90s", 90},    {"30m", 1800},    {"8h", 28800}, {"2d", 172800},
	        {"60", 60}, {"7d", 604800}, {"168h", 604800}, {"1m", 60},    {"604800", 604800},
	};
	static const char *const bad[] = {
	        "",
	        "h",
	        "59",
	        "59s",
	        "8d",
	        "169h",
	        "604801",
	        "-1h",
	        "+1h",
	        " 8h",
	        "8h ",
	        "8H",
	        "1.5h",
	        "8x",
	        "0x10",
	        "99999999999999999999d",
	        "9223372036854775807d",
	        "1hh",
	};
	long v;

	for (size_t i = 0; i < NXM_ARRAY_LEN(good); i++) {
		print_message("duration \"%s\"\n", good[i].s);
		v = -1;
		assert_int_equal(nxm_config_duration(good[i].s, 60, 7 * 86400, &v), 0);
		assert_int_equal(v, good[i].want);
	}
	for (size_t i = 0; i < NXM_ARRAY_LEN(bad); i++) {
		print_message("duration \"%s\"\n", bad[i]);
		v = -1;
		assert_int_equal(nxm_config_duration(bad[i], 60, 7 * 86400, &v), -1);
		/* A refused value leaves the output alone. */
		assert_int_equal(v, -1);
	}
	/* Bounds are the caller's, not fixed ones. */
	assert_int_equal(nxm_config_duration("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(nxm_config_duration("1m", 0, 59, &v), -1);
}

static void
test_default_path(void **state)
{
	assert_int_equal(setenv("NEXMCP_CONFIG", "/etc/elsewhere.conf", 1), 0);
	assert_string_equal(nxm_config_default_path(), "/etc/elsewhere.conf");
	/* An empty variable is not a path. */
	assert_int_equal(setenv("NEXMCP_CONFIG", "", 1), 0);
	assert_string_equal(nxm_config_default_path(), NXM_DEFAULT_CONFIG);
	assert_int_equal(unsetenv("NEXMCP_CONFIG"), 0);
	assert_string_equal(nxm_config_default_path(), NXM_DEFAULT_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_full_file),     cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_root_base_url), cmocka_unit_test(test_unknown_key),
	        cmocka_unit_test(test_repeated_key),  cmocka_unit_test(test_bad_base_url),
	        cmocka_unit_test(test_bad_values),    cmocka_unit_test(test_missing_key),
	        cmocka_unit_test(test_sections),      cmocka_unit_test(test_syntax_error),
	        cmocka_unit_test(test_missing_file),  cmocka_unit_test(test_too_many_origins),
	        cmocka_unit_test(test_duration),      cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
