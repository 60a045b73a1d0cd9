#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/form.h"
#include "core/header.h"
#include "core/log.h"
#include "oauth/client.h"
#include "oauth/code.h"
#include "oauth/metadata.h"
#include "oauth/session.h"
#include "oauth/token.h"

/* Both endpoints take a form; errors are OAuth JSON, never cached. */
static int
read_form(const struct nxm_request *req, struct nxm_params *form, struct nxm_response *resp)
{
	char bad[64], msg[160];
	enum nxm_form_err err;

	if (!nxm_header_content_type_is(nxm_request_header(req, "content-type"),
	                                "application/x-www-form-urlencoded")) {
		nxm_response_error(resp, 400, "invalid_request",
		                   "the body must be application/x-www-form-urlencoded");
		return -1;
	}
	err = nxm_form_parse(req->body ? (const char *)req->body : "", req->body_len, form, bad,
	                     sizeof(bad));
	if (err != NXM_FORM_OK) {
		snprintf(msg, sizeof(msg), "malformed form: %s%s%s", nxm_form_strerror(err),
		         bad[0] ? ": " : "", bad);
		nxm_response_error(resp, 400, "invalid_request", msg);
		return -1;
	}
	return 0;
}

void
nxm_token_handle(struct nxm_app *app, const struct nxm_request *req, struct nxm_response *resp)
{
	struct nxm_params form;
	struct nxm_client client;
	struct nxm_token_claims claims;
	enum nxm_code_err err;
	const char *grant, *why;
	char token[NXM_TOKEN_MAX];
	long expires_in;

	if (read_form(req, &form, resp) == -1)
		return;
	grant = nxm_params_get(&form, "grant_type");
	if (grant == NULL) {
		nxm_response_error(resp, 400, "invalid_request", "grant_type is required");
		goto out;
	}
	if (strcmp(grant, "authorization_code") != 0) {
		nxm_response_error(
		        resp, 400, "unsupported_grant_type",
		        "only authorization_code is supported (there are no refresh tokens: "
		        "sign in again when the session ends)");
		goto out;
	}
	if (nxm_client_authenticate(app, req, &form, &client, resp) == -1)
		goto out;
	if (nxm_params_get(&form, "resource") != NULL &&
	    !nxm_metadata_resource_ok(&app->cfg, nxm_params_get(&form, "resource"))) {
		nxm_response_error(resp, 400, "invalid_target",
		                   "resource must be this server's MCP URL");
		goto client;
	}
	err = nxm_code_redeem(app, nxm_params_get(&form, "code"), client.client_id,
	                      nxm_params_get(&form, "redirect_uri"),
	                      nxm_params_get(&form, "code_verifier"), &claims, &why);
	if (err == NXM_CODE_ERROR) {
		nxm_response_error(resp, 500, "server_error", "cannot redeem the code");
		goto client;
	}
	if (err != NXM_CODE_OK) {
		nxm_log_info("code refused for client %s: %s", client.client_id, why);
		nxm_response_error(resp, 400, "invalid_grant", why);
		goto client;
	}
	if (nxm_token_mint(&app->keys, &claims, token, sizeof(token)) == -1) {
		nxm_response_error(resp, 500, "server_error", "cannot issue the token");
		goto wipe;
	}
	expires_in = (long)(claims.expires_at - app->now());
	nxm_response_json(
	        resp, 200,
	        json_pack("{s:s, s:s, s:i, s:s}", "access_token", token, "token_type", "Bearer",
	                  "expires_in", (int)(expires_in > 0 ? expires_in : 0), "scope",
	                  (claims.flags & NXM_TOKEN_WRITE) ? NXM_SCOPE_READ " " NXM_SCOPE_WRITE
	                                                   : NXM_SCOPE_READ));
	nxm_response_set_header(resp, "Pragma", "no-cache");
wipe:
	nxm_wipe(token, sizeof(token));
	nxm_wipe(&claims, sizeof(claims));
client:
	nxm_client_free(&client);
out:
	nxm_params_free(&form);
}

void
nxm_revoke_handle(struct nxm_app *app, const struct nxm_request *req, struct nxm_response *resp)
{
	struct nxm_params form;
	struct nxm_client client;
	struct nxm_token_claims claims;
	struct nxm_session s;
	const char *token;

	if (read_form(req, &form, resp) == -1)
		return;
	if ((token = nxm_params_get(&form, "token")) == NULL) {
		nxm_response_error(resp, 400, "invalid_request", "token is required");
		goto out;
	}
	if (nxm_client_authenticate(app, req, &form, &client, resp) == -1)
		goto out;
	/* RFC 7009 §2.2: unknown and invalid tokens get the same 200. A token is
	 * revoked only by the client it was issued to. */
	if (nxm_token_parse(&app->keys, token, strlen(token), &claims) == NXM_TOKEN_OK) {
		enum nxm_token_err e = nxm_session_verify(app, token, strlen(token), &s);
		if (e == NXM_TOKEN_OK && strcmp(s.client_id, client.client_id) == 0)
			nxm_session_revoke(app, s.id, "revoked by the client");
		else if (e == NXM_TOKEN_OK)
			nxm_log_warn("client %s tried to revoke another client's session",
			             client.client_id);
		nxm_session_clear(&s);
		nxm_wipe(&claims, sizeof(claims));
	}
	resp->status = 200;
	nxm_response_text(resp, 200, "application/json", "{}");
	nxm_client_free(&client);
out:
	nxm_params_free(&form);
}
