#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/header.h"
#include "core/log.h"
#include "mcp/auth.h"
#include "oauth/metadata.h"
#include "oauth/session.h"

void
nxm_mcp_challenge(struct nxm_app *app, struct nxm_response *resp, const char *error,
                  const char *description)
{
	struct nxm_buf h = {0};
	char *prm = nxm_metadata_resource_url(&app->cfg);
	int rc = -1;

	/* Quoted-string values: ours never contain '"' or '\\'. */
	if (prm == NULL || nxm_buf_puts(&h, "Bearer ") == -1)
		goto out;
	if (error != NULL && nxm_buf_printf(&h, "error=\"%s\", error_description=\"%s\", ", error,
	                                    description) == -1)
		goto out;
	if (nxm_buf_printf(&h, "resource_metadata=\"%s\", scope=\"%s %s\"", prm, NXM_SCOPE_READ,
	                   NXM_SCOPE_WRITE) == -1)
		goto out;
	rc = nxm_response_error(
	        resp, error != NULL && strcmp(error, "insufficient_scope") == 0 ? 403 : 401,
	        error != NULL ? error : "unauthorized",
	        description != NULL ? description : "this endpoint needs a bearer token");
	if (rc == 0)
		rc = nxm_response_set_header(resp, "WWW-Authenticate", h.data);
out:
	if (rc == -1)
		nxm_response_error(resp, 500, "server_error", "cannot build the challenge");
	free(prm);
	nxm_buf_free(&h);
}

int
nxm_mcp_authenticate(struct nxm_app *app, const struct nxm_request *req, struct nxm_response *resp,
                     struct nxm_session *s)
{
	const char *auth = nxm_request_header(req, "authorization"), *token;
	enum nxm_token_err err;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (auth == NULL) {
		nxm_mcp_challenge(app, resp, NULL, NULL);
		return -1;
	}
	if (nxm_header_bearer(auth, &token, &len) != NXM_HDR_OK) {
		nxm_mcp_challenge(app, resp, "invalid_token", "malformed Authorization header");
		return -1;
	}
	err = nxm_session_verify(app, token, len, s);
	if (err == NXM_TOKEN_SERVER_ERROR) {
		nxm_response_error(resp, 500, "server_error", "cannot check the token");
		return -1;
	}
	if (err != NXM_TOKEN_OK) {
		nxm_log_info("refused a bearer token: %s", nxm_token_strerror(err));
		nxm_mcp_challenge(app, resp, "invalid_token",
		                  err == NXM_TOKEN_EXPIRED || err == NXM_TOKEN_REVOKED
		                          ? nxm_token_strerror(err)
		                          : "token not recognised");
		return -1;
	}
	return 0;
}
