/* Client ID Metadata Documents: a client_id that is an HTTPS URL names a JSON
 * document describing the client. It is fetched with libcurl under strict
 * limits (HTTPS only, no redirects, 5 s, 64 KiB, no private, loopback or
 * link-local addresses after DNS resolution), validated, and cached as its
 * HTTP cache headers say, within fixed bounds. */
#ifndef NXM_OAUTH_DOCUMENT_H
#define NXM_OAUTH_DOCUMENT_H

#include <stdbool.h>
#include <sys/socket.h>

#include "core/app.h"
#include "oauth/client.h"

#define NXM_DOCUMENT_MAX_BYTES 65536
#define NXM_DOCUMENT_TIMEOUT_S 5
#define NXM_DOCUMENT_CACHE_MIN 60
#define NXM_DOCUMENT_CACHE_MAX 86400
#define NXM_DOCUMENT_CACHE_DEF 3600

/* Whether client_id is meant as a metadata document URL. */
bool nxm_document_is_url(const char *client_id);
/* 0 found and valid, 1 refused (the reason is logged), -1 server error. */
int nxm_document_client(struct nxm_app *app, const char *url, struct nxm_client *c);
/* Whether a resolved address may be contacted: public unicast only, plus
 * loopback when allow_loopback is set (tests). */
bool nxm_document_address_allowed(const struct sockaddr *sa, bool allow_loopback);
/* Seconds to cache for a Cache-Control header value (NULL when absent). */
long nxm_document_cache_seconds(const char *cache_control);

#endif
