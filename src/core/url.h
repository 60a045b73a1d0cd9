/* URL parsing and normalisation through libcurl's URL API (curl_url), so the
 * server and its HTTP client agree on what a URL means. */
#ifndef NXM_CORE_URL_H
#define NXM_CORE_URL_H

#include <stdbool.h>

struct nxm_url {
	char *scheme;      /* lower case */
	char *user;        /* NULL when absent; userinfo is refused by most callers */
	char *host;        /* lower case; IPv6 in brackets */
	char *port;        /* NULL when absent */
	unsigned port_num; /* explicit or the scheme's default, 0 if none */
	char *path;        /* at least "/" for hierarchical URLs */
	char *query;       /* NULL when absent */
	char *fragment;    /* NULL when absent */
	char *normalised;  /* the whole URL as libcurl re-serialises it */
};

/* Parses an absolute URL. Non-web schemes ("cursor://cb") are accepted so
 * that redirect URIs can use private-use schemes. Returns 0 or -1. */
int nxm_url_parse(const char *s, struct nxm_url *u);
void nxm_url_free(struct nxm_url *u);
/* "scheme://host[:port]" with the default port left out. Caller frees. */
char *nxm_url_origin(const struct nxm_url *u);
bool nxm_url_host_is_loopback(const char *host);

/* Validates the public base URL: https (or http on a loopback host), no
 * userinfo, query or fragment. *base is normalised without a trailing slash
 * and *path is its path without a trailing slash ("" at the root). */
int nxm_url_base(const char *s, char **base, char **path, const char **why);

#endif
