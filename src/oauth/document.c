#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/db.h"
#include "core/log.h"
#include "core/url.h"
#include "oauth/document.h"

bool
nxm_document_is_url(const char *client_id)
{
	return client_id != NULL && strncmp(client_id, "https://", 8) == 0;
}

static bool
v4_allowed(uint32_t a, bool loopback)
{
	uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16);

	if (b0 == 127)
		return loopback;
	return !(b0 == 0 || b0 == 10 || (b0 == 100 && (b1 & 0xc0) == 64) ||
	         (b0 == 169 && b1 == 254) || (b0 == 172 && (b1 & 0xf0) == 16) ||
	         (b0 == 192 && b1 == 168) || (b0 == 192 && b1 == 0) ||
	         (b0 == 198 && (b1 & 0xfe) == 18) || b0 >= 224);
}

bool
nxm_document_address_allowed(const struct sockaddr *sa, bool allow_loopback)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_allowed(ntohl(in->sin_addr.s_addr), allow_loopback);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;
		static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(b, v4mapped, 12) == 0)
			return v4_allowed((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
			                          (uint32_t)b[14] << 8 | b[15],
			                  allow_loopback);
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return allow_loopback;
		/* Unspecified, link-local, unique local, multicast, site-local. */
		return !(IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ||
		         IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) || (b[0] & 0xfe) == 0xfc ||
		         b[0] == 0xff || IN6_IS_ADDR_SITELOCAL(&in6->sin6_addr));
	}
	return false;
}

static const char *
find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

long
nxm_document_cache_seconds(const char *cc)
{
	const char *p;
	long v;

	if (cc == NULL)
		return NXM_DOCUMENT_CACHE_DEF;
	if (find_ci(cc, "no-store") != NULL || find_ci(cc, "no-cache") != NULL)
		return NXM_DOCUMENT_CACHE_MIN;
	if ((p = find_ci(cc, "max-age=")) == NULL)
		return NXM_DOCUMENT_CACHE_DEF;
	v = strtol(p + 8, NULL, 10);
	if (v < NXM_DOCUMENT_CACHE_MIN)
		return NXM_DOCUMENT_CACHE_MIN;
	return v > NXM_DOCUMENT_CACHE_MAX ? NXM_DOCUMENT_CACHE_MAX : v;
}

struct fetch {
	struct nxm_buf body;
	bool too_big;
	bool refused_address;
	bool allow_loopback;
	char cache_control[256];
};

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct fetch *f = ctx;

	if (f->body.len + size * n > NXM_DOCUMENT_MAX_BYTES) {
		f->too_big = true;
		return 0;
	}
	return nxm_buf_append(&f->body, p, size * n) == 0 ? size * n : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct fetch *f = ctx;
	size_t len = size * n;

	if (len > 14 && strncasecmp(p, "cache-control:", 14) == 0) {
		size_t v = len - 14;
		while (v > 0 && (p[14 + v - 1] == '\r' || p[14 + v - 1] == '\n'))
			v--;
		snprintf(f->cache_control, sizeof(f->cache_control), "%.*s", (int)v, p + 14);
	}
	return len;
}

/* Called for every address libcurl is about to connect to, after DNS: the
 * only place where the address a name really resolved to can be checked. */
static curl_socket_t
open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct fetch *f = ctx;

	if (!nxm_document_address_allowed(&addr->addr, f->allow_loopback)) {
		f->refused_address = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static int
fetch(struct nxm_app *app, const char *url, struct fetch *f, long *status)
{
	CURL *h = curl_easy_init();
	CURLcode cc;
	int rc = -1;

	*status = 0;
	if (h == NULL)
		return -1;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)NXM_DOCUMENT_TIMEOUT_S) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)NXM_DOCUMENT_TIMEOUT_S) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE, (long)NXM_DOCUMENT_MAX_BYTES) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "nexmcp/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, f) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, f) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, f) != CURLE_OK ||
	    (app->cfg.client_document_ca_file != NULL &&
	     curl_easy_setopt(h, CURLOPT_CAINFO, app->cfg.client_document_ca_file) != CURLE_OK))
		goto out;
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		nxm_log_info("client document %s: %s%s", url, curl_easy_strerror(cc),
		             f->refused_address ? " (address not allowed)"
		             : f->too_big       ? " (too large)"
		                                : "");
		rc = 1;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	rc = 0;
out:
	curl_easy_cleanup(h);
	return rc;
}

/* The document must name itself and list acceptable redirect URIs. */
static int
parse_document(const char *url, const char *text, size_t len, struct nxm_client *c)
{
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *uris, *u;
	const char *id, *name, *method, *why;
	size_t i;
	int rc = 1;

	memset(c, 0, sizeof(*c));
	if (doc == NULL || !json_is_object(doc)) {
		nxm_log_info("client document %s: not a JSON object", url);
		goto out;
	}
	id = json_string_value(json_object_get(doc, "client_id"));
	if (id == NULL || strcmp(id, url) != 0) {
		nxm_log_info("client document %s: client_id does not equal the document URL", url);
		goto out;
	}
	method = json_string_value(json_object_get(doc, "token_endpoint_auth_method"));
	if (method != NULL && strcmp(method, "none") != 0) {
		nxm_log_info("client document %s: token_endpoint_auth_method %s not supported", url,
		             method);
		goto out;
	}
	uris = json_object_get(doc, "redirect_uris");
	if (!json_is_array(uris) || json_array_size(uris) == 0 ||
	    json_array_size(uris) > NXM_CLIENT_MAX_REDIRECTS) {
		nxm_log_info("client document %s: redirect_uris missing or too many", url);
		goto out;
	}
	json_array_foreach(uris, i, u)
	{
		if (!json_is_string(u) ||
		    (why = nxm_client_redirect_problem(json_string_value(u))) != NULL) {
			nxm_log_info("client document %s: bad redirect URI", url);
			goto out;
		}
		if ((c->redirect_uris[c->nredirects] = strdup(json_string_value(u))) == NULL) {
			rc = -1;
			goto out;
		}
		c->nredirects++;
	}
	snprintf(c->client_id, sizeof(c->client_id), "%s", url);
	if ((name = json_string_value(json_object_get(doc, "client_name"))) != NULL)
		snprintf(c->client_name, sizeof(c->client_name), "%.200s", name);
	c->auth_method = NXM_AUTH_NONE;
	rc = 0;
out:
	if (rc != 0)
		nxm_client_free(c);
	json_decref(doc);
	return rc;
}

static int
cached(struct nxm_app *app, const char *url, struct nxm_client *c)
{
	sqlite3_stmt *st = NULL;
	int rc = 1;

	if (nxm_db_prepare(app->db,
	                   "SELECT document FROM client_documents WHERE url = ? AND expires_at > ?",
	                   &st) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, app->now()) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		rc = parse_document(url, (const char *)sqlite3_column_text(st, 0),
		                    (size_t)sqlite3_column_bytes(st, 0), c) == 0
		             ? 0
		             : 1;
	sqlite3_finalize(st);
	return rc;
}

static void
remember(struct nxm_app *app, const char *url, const char *text, long seconds)
{
	sqlite3_stmt *st = NULL;
	time_t now = app->now();

	if (nxm_db_prepare(app->db,
	                   "INSERT OR REPLACE INTO client_documents (url, document, fetched_at, "
	                   "expires_at) VALUES (?, ?, ?, ?)",
	                   &st) == -1)
		return;
	if (sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, now + seconds) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		nxm_log_warn("cannot cache the client document: %s", sqlite3_errmsg(app->db));
	sqlite3_finalize(st);
}

static bool
url_shape_ok(const char *url)
{
	struct nxm_url u;
	bool ok;

	if (strlen(url) > NXM_CLIENT_MAX_URI || nxm_url_parse(url, &u) == -1)
		return false;
	/* An HTTPS URL with a path, and nothing that could make two spellings
	 * name one client. */
	ok = strcmp(u.scheme, "https") == 0 && u.user == NULL && u.fragment == NULL &&
	     strcmp(u.path, "/") != 0 && strcmp(u.normalised, url) == 0;
	nxm_url_free(&u);
	return ok;
}

int
nxm_document_client(struct nxm_app *app, const char *url, struct nxm_client *c)
{
	struct fetch f = {.allow_loopback = app->cfg.client_document_allow_loopback != 0};
	long status = 0;
	int rc;

	if (!url_shape_ok(url)) {
		nxm_log_info("client_id URL refused: not a canonical HTTPS URL with a path");
		return 1;
	}
	if ((rc = cached(app, url, c)) != 1)
		return rc;
	if ((rc = fetch(app, url, &f, &status)) != 0)
		goto out;
	rc = 1;
	if (status != 200) {
		nxm_log_info("client document %s: HTTP %ld", url, status);
		goto out;
	}
	if ((rc = parse_document(url, f.body.data ? f.body.data : "", f.body.len, c)) == 0)
		remember(app, url, f.body.data,
		         nxm_document_cache_seconds(f.cache_control[0] ? f.cache_control : NULL));
out:
	nxm_buf_free(&f.body);
	return rc;
}
