#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "core/log.h"
#include "nexudus/client.h"

static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
	return size * n;
}

/* Proxy settings come from the configuration only: libcurl would otherwise
 * honour http_proxy from whatever environment the web server gave us. */
static int
set_common(CURL *h, const struct nxm_config *cfg)
{
	return curl_easy_setopt(h, CURLOPT_PROXY, cfg->upstream_proxy ? cfg->upstream_proxy : "") !=
	                               CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http") !=
	                               CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)NXM_NEXUDUS_TIMEOUT_S) !=
	                               CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	                                        (long)NXM_NEXUDUS_TIMEOUT_S) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_USERAGENT, "nexmcp/" PACKAGE_VERSION) !=
	                               CURLE_OK
	               ? -1
	               : 0;
}

int
nxm_nexudus_probe(const struct nxm_config *cfg, long *http_status, char *err, size_t errlen)
{
	char url[2048];
	CURL *h = NULL;
	CURLcode cc;
	int rc = -1;

	*http_status = 0;
	if (snprintf(url, sizeof(url), "%s/", cfg->upstream) >= (int)sizeof(url)) {
		snprintf(err, errlen, "upstream URL too long");
		return -1;
	}
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	if (set_common(h, cfg) == -1 || curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK) {
		snprintf(err, errlen, "cannot configure libcurl");
		goto out;
	}
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", cfg->upstream, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http_status);
	rc = 0;
out:
	curl_easy_cleanup(h);
	return rc;
}
