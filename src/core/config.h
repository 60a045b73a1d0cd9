/* nexmcp.conf: one flat "key = value" file shared by every program.
 * Errors name the file, the line and the key. */
#ifndef NXM_CORE_CONFIG_H
#define NXM_CORE_CONFIG_H

#include <stddef.h>

#include "core/log.h"

#define NXM_CONFIG_MAX_ORIGINS 32
#define NXM_CONFIG_ERRLEN      512
#define NXM_CONFIG_PII_MAX_TOKENS_DEFAULT 50000L

struct nxm_config {
	char *path;        /* the file it came from */
	char *base_url;    /* normalised, no trailing slash */
	char *base_path;   /* path of base_url, "" at the root */
	char *mcp_url;     /* base_url + "/mcp": the protected resource */
	char *base_origin; /* scheme://host[:port] of base_url, always an allowed Origin */
	char *database;
	char *key_file;
	char *upstream;        /* Nexudus base URL, no trailing slash */
	char *upstream_proxy;  /* NULL: no proxy, whatever the environment says */
	long session_lifetime; /* seconds */
	/* The most personal-data tokens one session may be shown (its map's
	 * rows); past it, redacted answers are refused, never sent in clear.
	 * 0 (a configuration not loaded from a file): the default. */
	long pii_max_tokens;
	char *allowed_origins[NXM_CONFIG_MAX_ORIGINS]; /* normalised origins */
	size_t n_allowed_origins;
	int allow_any_origin; /* allowed_origins = * */
	enum nxm_log_level log_level;
	/* Client ID Metadata Documents: a CA bundle to verify their servers
	 * (NULL: the system's), and, for tests only, loopback addresses. */
	char *client_document_ca_file;
	int client_document_allow_loopback;
};

/* The file named by $NEXMCP_CONFIG, else the path fixed at configure time. */
const char *nxm_config_default_path(void);
/* Returns 0, or -1 with "file:line: key: problem" in err. */
int nxm_config_load(const char *path, struct nxm_config *cfg, char *err, size_t errlen);
/* Parses "90", "90s", "30m", "8h", "2d" into seconds within [min, max]. */
int nxm_config_duration(const char *s, long min, long max, long *out);
void nxm_config_free(struct nxm_config *cfg);

#endif
