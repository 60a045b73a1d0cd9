/* OAuth clients: dynamic registration (RFC 7591), lookup, redirect-URI
 * rules and client authentication at the token and revocation endpoints. */
#ifndef NXM_OAUTH_CLIENT_H
#define NXM_OAUTH_CLIENT_H

#include <stdbool.h>

#include "core/form.h"
#include "core/route.h"

#define NXM_CLIENT_MAX_REDIRECTS   10
#define NXM_CLIENT_MAX_URI         2048
#define NXM_CLIENT_MAX_NAME        200
#define NXM_CLIENT_UNUSED_LIFETIME (30L * 86400)
#define NXM_CLIENT_USED_LIFETIME   (180L * 86400)

enum nxm_client_auth_method {
	NXM_AUTH_NONE,
	NXM_AUTH_SECRET_BASIC,
	NXM_AUTH_SECRET_POST,
};

struct nxm_client {
	char client_id[NXM_CLIENT_MAX_URI + 1];
	char client_name[NXM_CLIENT_MAX_NAME * 4 + 1];
	enum nxm_client_auth_method auth_method;
	unsigned char secret_hash[32];
	char *redirect_uris[NXM_CLIENT_MAX_REDIRECTS];
	size_t nredirects;
};

/* Registration-time rules for one redirect URI: https, http on a loopback
 * host, or a private-use scheme; never javascript:, data:, vbscript:, file:
 * or a fragment. Returns NULL when acceptable, else the reason. */
const char *nxm_client_redirect_problem(const char *uri);
/* Authorization-time match: exact, except that loopback http URIs match on
 * any port (RFC 8252 §7.3). */
bool nxm_client_redirect_allowed(const struct nxm_client *c, const char *uri);

/* 0 found, 1 unknown, -1 error. */
int nxm_client_lookup(struct nxm_app *app, const char *client_id, struct nxm_client *c);
/* Marks the registration used, which extends its life. */
void nxm_client_touch(struct nxm_app *app, const char *client_id);
void nxm_client_free(struct nxm_client *c);

/* Authenticates the client of a token or revocation request: Basic header,
 * client_secret in the form, or a bare client_id for public clients. On
 * failure fills resp with invalid_client (401, WWW-Authenticate). */
int nxm_client_authenticate(struct nxm_app *app, const struct nxm_request *req,
                            const struct nxm_params *form, struct nxm_client *c,
                            struct nxm_response *resp);

/* POST /register */
void nxm_client_handle_register(struct nxm_app *app, const struct nxm_request *req,
                                struct nxm_response *resp);

#endif
