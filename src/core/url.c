#include "autoconfig.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/url.h"
#include "core/util.h"

static char *
part(CURLU *h, CURLUPart what, unsigned flags)
{
	char *v = NULL, *copy;

	if (curl_url_get(h, what, &v, flags) != CURLUE_OK)
		return NULL;
	copy = strdup(v);
	curl_free(v);
	return copy;
}

static void
lower(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static bool
host_chars_ok(const char *h)
{
	bool v6 = h[0] == '[';

	for (const char *p = h; *p != '\0'; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_')
			continue;
		if (v6 && (c == ':' || (p == h && c == '[') || (p[1] == '\0' && c == ']')))
			continue;
		return false;
	}
	return true;
}

static unsigned
default_port(const char *scheme)
{
	if (strcmp(scheme, "https") == 0)
		return 443;
	if (strcmp(scheme, "http") == 0)
		return 80;
	return 0;
}

int
nxm_url_parse(const char *s, struct nxm_url *u)
{
	CURLU *h = NULL;
	int rc = -1;

	memset(u, 0, sizeof(*u));
	if (s == NULL || strlen(s) > 8192 ||
	    !nxm_utf8_valid_text((const unsigned char *)s, strlen(s)))
		return -1;
	for (const char *p = s; *p != '\0'; p++)
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\\')
			return -1;
	if ((h = curl_url()) == NULL)
		return -1;
	/* No guessing a scheme, no default scheme: the URL must say it. */
	if (curl_url_set(h, CURLUPART_URL, s, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		goto out;
	u->scheme = part(h, CURLUPART_SCHEME, 0);
	u->host = part(h, CURLUPART_HOST, 0);
	if (u->scheme == NULL || u->host == NULL || *u->host == '\0')
		goto out;
	lower(u->scheme);
	lower(u->host);
	/* libcurl percent-decodes the host: "%FF" would come back as a raw byte.
	 * Hosts are names, addresses or bracketed IPv6 literals, in ASCII. */
	if (!host_chars_ok(u->host))
		goto out;
	u->user = part(h, CURLUPART_USER, 0);
	u->port = part(h, CURLUPART_PORT, 0);
	u->path = part(h, CURLUPART_PATH, 0);
	u->query = part(h, CURLUPART_QUERY, 0);
	u->fragment = part(h, CURLUPART_FRAGMENT, 0);
	u->normalised = part(h, CURLUPART_URL, 0);
	if (u->path == NULL || u->normalised == NULL)
		goto out;
	u->port_num = default_port(u->scheme);
	if (u->port != NULL) {
		const char *errstr;
		u->port_num = (unsigned)nxm_strtonum(u->port, 1, 65535, &errstr);
		if (errstr != NULL)
			goto out;
	}
	rc = 0;
out:
	curl_url_cleanup(h);
	if (rc != 0)
		nxm_url_free(u);
	return rc;
}

void
nxm_url_free(struct nxm_url *u)
{
	free(u->scheme);
	free(u->user);
	free(u->host);
	free(u->port);
	free(u->path);
	free(u->query);
	free(u->fragment);
	free(u->normalised);
	memset(u, 0, sizeof(*u));
}

char *
nxm_url_origin(const struct nxm_url *u)
{
	struct nxm_buf b = {0};

	if (nxm_buf_printf(&b, "%s://%s", u->scheme, u->host) == -1)
		goto fail;
	if (u->port_num != 0 && u->port_num != default_port(u->scheme) &&
	    nxm_buf_printf(&b, ":%u", u->port_num) == -1)
		goto fail;
	return b.data;
fail:
	nxm_buf_free(&b);
	return NULL;
}

bool
nxm_url_host_is_loopback(const char *host)
{
	struct in_addr a;

	/* Only a literal 127.0.0.0/8 address: a name such as "127.example.com"
	 * resolves wherever its owner wants. */
	if (inet_pton(AF_INET, host, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127;
	return strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0;
}

int
nxm_url_base(const char *s, char **base, char **path, const char **why)
{
	struct nxm_url u;
	struct nxm_buf b = {0};
	char *origin = NULL;
	size_t plen;
	int rc = -1;

	*base = *path = NULL;
	*why = "not an absolute URL";
	if (nxm_url_parse(s, &u) == -1)
		return -1;
	if (strcmp(u.scheme, "https") != 0 &&
	    !(strcmp(u.scheme, "http") == 0 && nxm_url_host_is_loopback(u.host))) {
		*why = "must be https (plain http only on a loopback host)";
		goto out;
	}
	if (u.user != NULL || u.query != NULL || u.fragment != NULL) {
		*why = "must not carry user information, a query or a fragment";
		goto out;
	}
	if ((origin = nxm_url_origin(&u)) == NULL)
		goto out;
	plen = strlen(u.path);
	while (plen > 0 && u.path[plen - 1] == '/')
		plen--;
	if (nxm_buf_puts(&b, origin) == -1 || nxm_buf_append(&b, u.path, plen) == -1)
		goto out;
	if ((*path = nxm_strndup(u.path, plen)) == NULL)
		goto out;
	*base = b.data;
	b.data = NULL;
	*why = NULL;
	rc = 0;
out:
	nxm_buf_free(&b);
	free(origin);
	nxm_url_free(&u);
	return rc;
}
