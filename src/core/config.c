#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "core/config.h"
#include "core/header.h"
#include "core/url.h"
#include "core/util.h"

#define SESSION_LIFETIME_DEFAULT (8L * 3600)
#define SESSION_LIFETIME_MIN     60L
#define SESSION_LIFETIME_MAX     (7L * 86400)
#define PII_MAX_TOKENS_MIN       100L
#define PII_MAX_TOKENS_MAX       10000000L
#define UPSTREAM_DEFAULT         "https://spaces.nexudus.com"

struct loader {
	struct nxm_config *cfg;
	FILE *fp;
	const char *path;
	int line;
	int failed;
	unsigned seen;
	char *err;
	size_t errlen;
};

enum key_bit {
	SEEN_BASE_URL = 1u << 0,
	SEEN_DATABASE = 1u << 1,
	SEEN_KEY_FILE = 1u << 2,
	SEEN_UPSTREAM = 1u << 3,
	SEEN_LIFETIME = 1u << 4,
	SEEN_LOG_LEVEL = 1u << 5,
	SEEN_PROXY = 1u << 6,
	SEEN_DOC_CA = 1u << 7,
	SEEN_DOC_LOOPBACK = 1u << 8,
	SEEN_PII_MAX = 1u << 9,
};

const char *
nxm_config_default_path(void)
{
	const char *env = getenv("NEXMCP_CONFIG");

	return (env != NULL && *env != '\0') ? env : NXM_DEFAULT_CONFIG;
}

static int
fail(struct loader *l, const char *key, const char *msg)
{
	if (!l->failed) {
		snprintf(l->err, l->errlen, "%s:%d: %s: %s", l->path, l->line, key, msg);
		l->failed = 1;
	}
	return 0;
}

int
nxm_config_duration(const char *s, long min, long max, long *out)
{
	char num[32];
	size_t n = strlen(s);
	long long mult = 1, v;
	const char *errstr;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's':
		mult = 1;
		num[n - 1] = '\0';
		break;
	case 'm':
		mult = 60;
		num[n - 1] = '\0';
		break;
	case 'h':
		mult = 3600;
		num[n - 1] = '\0';
		break;
	case 'd':
		mult = 86400;
		num[n - 1] = '\0';
		break;
	default:
		break;
	}
	v = nxm_strtonum(num, 0, max, &errstr);
	if (errstr != NULL || v > max / mult || v * mult < min)
		return -1;
	*out = (long)(v * mult);
	return 0;
}

static int
set_once(struct loader *l, unsigned bit, const char *key)
{
	if (l->seen & bit)
		return fail(l, key, "given twice"), -1;
	l->seen |= bit;
	return 0;
}

static int
set_string(struct loader *l, char **dst, unsigned bit, const char *key, const char *value)
{
	if (set_once(l, bit, key) == -1)
		return 0;
	if (*value == '\0')
		return fail(l, key, "empty value");
	if ((*dst = strdup(value)) == NULL)
		return fail(l, key, "out of memory");
	return 1;
}

static int
set_url(struct loader *l, char **dst, unsigned bit, const char *key, const char *value)
{
	char *base = NULL, *path = NULL;
	const char *why;

	if (set_once(l, bit, key) == -1)
		return 0;
	if (nxm_url_base(value, &base, &path, &why) == -1)
		return fail(l, key, why);
	free(path);
	*dst = base;
	return 1;
}

static int
add_origins(struct loader *l, const char *key, const char *value)
{
	char *copy = strdup(value), *tok, *save = NULL;
	int ok = 1;

	if (copy == NULL)
		return fail(l, key, "out of memory");
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t,", &save)) {
		char origin[512];
		struct nxm_config *c = l->cfg;

		if (strcmp(tok, "*") == 0) {
			c->allow_any_origin = 1;
			continue;
		}
		if (nxm_header_origin(tok, origin, sizeof(origin)) != NXM_HDR_OK) {
			char msg[300];
			snprintf(msg, sizeof(msg), "not an origin (scheme://host[:port]): %.200s",
			         tok);
			ok = fail(l, key, msg);
			break;
		}
		if (c->n_allowed_origins >= NXM_CONFIG_MAX_ORIGINS) {
			ok = fail(l, key, "too many origins");
			break;
		}
		if ((c->allowed_origins[c->n_allowed_origins] = strdup(origin)) == NULL) {
			ok = fail(l, key, "out of memory");
			break;
		}
		c->n_allowed_origins++;
	}
	free(copy);
	return ok;
}

static int
on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct loader *l = user;
	struct nxm_config *c = l->cfg;

	if (l->failed)
		return 0;
	if (section != NULL && *section != '\0')
		return fail(l, section, "sections are not used in nexmcp.conf");
	if (strcmp(key, "base_url") == 0)
		return set_url(l, &c->base_url, SEEN_BASE_URL, key, value);
	if (strcmp(key, "database") == 0)
		return set_string(l, &c->database, SEEN_DATABASE, key, value);
	if (strcmp(key, "key_file") == 0)
		return set_string(l, &c->key_file, SEEN_KEY_FILE, key, value);
	if (strcmp(key, "upstream") == 0)
		return set_url(l, &c->upstream, SEEN_UPSTREAM, key, value);
	if (strcmp(key, "upstream_proxy") == 0)
		return set_string(l, &c->upstream_proxy, SEEN_PROXY, key, value);
	if (strcmp(key, "client_document_ca_file") == 0)
		return set_string(l, &c->client_document_ca_file, SEEN_DOC_CA, key, value);
	if (strcmp(key, "client_document_allow_loopback") == 0) {
		if (set_once(l, SEEN_DOC_LOOPBACK, key) == -1)
			return 0;
		if (strcmp(value, "yes") == 0)
			c->client_document_allow_loopback = 1;
		else if (strcmp(value, "no") != 0)
			return fail(l, key, "expected yes or no");
		return 1;
	}
	if (strcmp(key, "allowed_origins") == 0)
		return add_origins(l, key, value);
	if (strcmp(key, "session_lifetime") == 0) {
		if (set_once(l, SEEN_LIFETIME, key) == -1)
			return 0;
		if (nxm_config_duration(value, SESSION_LIFETIME_MIN, SESSION_LIFETIME_MAX,
		                        &c->session_lifetime) == -1)
			return fail(l, key,
			            "expected a duration between 60s and 7d, such as 28800, 480m "
			            "or 8h");
		return 1;
	}
	if (strcmp(key, "pii_max_tokens") == 0) {
		const char *errstr = NULL;
		if (set_once(l, SEEN_PII_MAX, key) == -1)
			return 0;
		c->pii_max_tokens = (long)nxm_strtonum(value, PII_MAX_TOKENS_MIN,
		                                       PII_MAX_TOKENS_MAX, &errstr);
		if (errstr != NULL)
			return fail(l, key, "expected a whole number between 100 and 10000000");
		return 1;
	}
	if (strcmp(key, "log_level") == 0) {
		if (set_once(l, SEEN_LOG_LEVEL, key) == -1)
			return 0;
		if (nxm_log_level_parse(value, &c->log_level) == -1)
			return fail(l, key, "expected error, warn, info or debug");
		return 1;
	}
	return fail(l, key, "unknown key");
}

/* inih hands us one line per call; counting them here gives the line number
 * of each entry, and lines longer than inih's buffer are refused instead of
 * being split into two. */
static char *
read_line(char *str, int num, void *stream)
{
	struct loader *l = stream;
	size_t n;

	if (l->failed || fgets(str, num, l->fp) == NULL)
		return NULL;
	l->line++;
	n = strlen(str);
	if (n > 0 && str[n - 1] != '\n' && !feof(l->fp)) {
		fail(l, "(line)", "line too long");
		return NULL;
	}
	return str;
}

static int
finish(struct loader *l)
{
	struct nxm_config *c = l->cfg;
	const char *missing = NULL;
	const char *why;
	char *base = NULL;
	struct nxm_url u;

	if (!(l->seen & SEEN_BASE_URL))
		missing = "base_url";
	else if (!(l->seen & SEEN_DATABASE))
		missing = "database";
	else if (!(l->seen & SEEN_KEY_FILE))
		missing = "key_file";
	if (missing != NULL) {
		snprintf(l->err, l->errlen, "%s: %s: required key missing", l->path, missing);
		return -1;
	}
	if (nxm_url_base(c->base_url, &base, &c->base_path, &why) == -1) {
		snprintf(l->err, l->errlen, "%s: base_url: %s", l->path, why);
		return -1;
	}
	free(base);
	if (nxm_url_parse(c->base_url, &u) == -1 || (c->base_origin = nxm_url_origin(&u)) == NULL) {
		nxm_url_free(&u);
		snprintf(l->err, l->errlen, "%s: base_url: cannot derive its origin", l->path);
		return -1;
	}
	nxm_url_free(&u);
	if ((c->mcp_url = malloc(strlen(c->base_url) + 5)) == NULL)
		return -1;
	snprintf(c->mcp_url, strlen(c->base_url) + 5, "%s/mcp", c->base_url);
	if (c->upstream == NULL && (c->upstream = strdup(UPSTREAM_DEFAULT)) == NULL)
		return -1;
	return 0;
}

int
nxm_config_load(const char *path, struct nxm_config *cfg, char *err, size_t errlen)
{
	struct loader l = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
	int rc = -1, irc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->session_lifetime = SESSION_LIFETIME_DEFAULT;
	cfg->pii_max_tokens = NXM_CONFIG_PII_MAX_TOKENS_DEFAULT;
	cfg->log_level = NXM_LOG_INFO;
	if (errlen > 0)
		err[0] = '\0';
	if ((cfg->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if ((l.fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	irc = ini_parse_stream(read_line, &l, on_entry, &l);
	if (!l.failed && irc != 0) {
		/* inih's own syntax errors: a line without '=' and the like. */
		snprintf(err, errlen, "%s:%d: syntax error (expected key = value)", path,
		         irc > 0 ? irc : l.line);
		goto out;
	}
	if (l.failed || ferror(l.fp))
		goto out;
	rc = finish(&l);
out:
	if (l.fp != NULL)
		fclose(l.fp);
	if (rc != 0)
		nxm_config_free(cfg);
	return rc;
}

void
nxm_config_free(struct nxm_config *cfg)
{
	free(cfg->path);
	free(cfg->base_url);
	free(cfg->base_path);
	free(cfg->mcp_url);
	free(cfg->base_origin);
	free(cfg->database);
	free(cfg->key_file);
	free(cfg->upstream);
	free(cfg->upstream_proxy);
	free(cfg->client_document_ca_file);
	for (size_t i = 0; i < cfg->n_allowed_origins; i++)
		free(cfg->allowed_origins[i]);
	memset(cfg, 0, sizeof(*cfg));
}
