/* /authorize: the browser-facing start of the authorization code flow.
 * GET validates the request and shows the login page; POST checks the form,
 * signs in at Nexudus, creates the session and its single-use code, and
 * sends the browser back to the client. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/form.h"
#include "core/header.h"
#include "core/html.h"
#include "core/log.h"
#include "core/url.h"
#include "nexudus/client.h"
#include "oauth/authorize.h"
#include "oauth/client.h"
#include "oauth/code.h"
#include "oauth/metadata.h"
#include "oauth/session.h"
#include "oauth/throttle.h"

#define CSRF_LIFETIME 1800

extern const char nxm_login_template[];

struct authz {
	struct nxm_client client;
	const char *redirect_uri;
	const char *state;
	const char *code_challenge;
	const char *scope;
	const char *resource;
	bool want_write;
};

static void
error_page(struct nxm_app *app, struct nxm_response *resp, int status, const char *message)
{
	struct nxm_buf css = {0};

	if (nxm_buf_printf(&css, "%s/static/nexmcp.css", app->cfg.base_path) == -1 ||
	    nxm_html_page(resp, status, "Cannot sign in", message, css.data) == -1)
		nxm_response_error(resp, 500, "server_error", "cannot render the page");
	nxm_buf_free(&css);
}

/* Errors once the client and its redirect URI are trusted go back to it
 * (RFC 6749 §4.1.2.1), with iss (RFC 9207). */
static void
redirect(struct nxm_app *app, const struct authz *a, struct nxm_response *resp, const char *k1,
         const char *v1, const char *k2, const char *v2)
{
	struct nxm_buf loc = {0};
	const char *sep = strchr(a->redirect_uri, '?') ? "&" : "?";

	if (nxm_buf_printf(&loc, "%s%s%s=", a->redirect_uri, sep, k1) == -1 ||
	    nxm_form_encode(&loc, v1) == -1 ||
	    (k2 != NULL &&
	     (nxm_buf_printf(&loc, "&%s=", k2) == -1 || nxm_form_encode(&loc, v2) == -1)) ||
	    (a->state != NULL &&
	     (nxm_buf_puts(&loc, "&state=") == -1 || nxm_form_encode(&loc, a->state) == -1)) ||
	    nxm_buf_puts(&loc, "&iss=") == -1 || nxm_form_encode(&loc, app->cfg.base_url) == -1) {
		nxm_response_error(resp, 500, "server_error", "cannot build the redirect");
		goto out;
	}
	resp->status = 302;
	nxm_buf_reset(&resp->body);
	nxm_response_set_header(resp, "Location", loc.data);
	nxm_response_set_header(resp, "Cache-Control", "no-store");
out:
	nxm_buf_free(&loc);
}

/* Validates the authorization request. On failure resp holds the answer:
 * an error page for client and redirect problems, a redirect otherwise. */
static int
validate(struct nxm_app *app, const struct nxm_params *p, struct authz *a,
         struct nxm_response *resp)
{
	const char *client_id = nxm_params_get(p, "client_id"), *tok;
	char scopes[512], *save = NULL;
	int found;

	memset(a, 0, sizeof(*a));
	if (client_id == NULL || *client_id == '\0') {
		error_page(
		        app, resp, 400,
		        "The application that sent you here did not say who it is (no client_id). "
		        "Start the connection again from your AI assistant.");
		return -1;
	}
	if ((found = nxm_client_lookup(app, client_id, &a->client)) != 0) {
		error_page(
		        app, resp, found == -1 ? 500 : 400,
		        found == -1
		                ? "The server could not read its client registry. Try again later."
		                : "The application that sent you here is not registered with this "
		                  "server (unknown client_id). Remove the connector from your AI "
		                  "assistant and add it again.");
		return -1;
	}
	a->redirect_uri = nxm_params_get(p, "redirect_uri");
	if (a->redirect_uri == NULL && a->client.nredirects == 1)
		a->redirect_uri = a->client.redirect_uris[0];
	if (!nxm_client_redirect_allowed(&a->client, a->redirect_uri)) {
		error_page(app, resp, 400,
		           "The address this sign-in would return to is not one the application "
		           "registered (redirect_uri mismatch), so the sign-in was stopped.");
		goto fail;
	}
	a->state = nxm_params_get(p, "state");
	a->code_challenge = nxm_params_get(p, "code_challenge");
	a->scope = nxm_params_get(p, "scope");
	a->resource = nxm_params_get(p, "resource");
	if (nxm_params_get(p, "response_type") == NULL ||
	    strcmp(nxm_params_get(p, "response_type"), "code") != 0) {
		redirect(app, a, resp, "error", "unsupported_response_type", "error_description",
		         "response_type must be code");
		goto fail;
	}
	if (!nxm_pkce_string_ok(a->code_challenge) ||
	    nxm_params_get(p, "code_challenge_method") == NULL ||
	    strcmp(nxm_params_get(p, "code_challenge_method"), "S256") != 0) {
		redirect(app, a, resp, "error", "invalid_request", "error_description",
		         "PKCE is required: code_challenge with code_challenge_method S256");
		goto fail;
	}
	if (a->resource != NULL && !nxm_metadata_resource_ok(&app->cfg, a->resource)) {
		redirect(app, a, resp, "error", "invalid_target", "error_description",
		         "resource must be this server's MCP URL");
		goto fail;
	}
	a->want_write = true;
	if (a->scope != NULL && *a->scope != '\0') {
		a->want_write = false;
		snprintf(scopes, sizeof(scopes), "%s", a->scope);
		for (tok = strtok_r(scopes, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, NXM_SCOPE_WRITE) == 0)
				a->want_write = true;
			else if (strcmp(tok, NXM_SCOPE_READ) != 0) {
				redirect(app, a, resp, "error", "invalid_scope",
				         "error_description",
				         "scopes are nexudus:read and nexudus:write");
				goto fail;
			}
		}
	}
	return 0;
fail:
	nxm_client_free(&a->client);
	return -1;
}

/* The CSRF token binds the form to this authorization request and expires:
 * "<issued-at>.<b64url HMAC(server key, the request's parameters)>". */
static int
csrf_mac(struct nxm_app *app, const struct authz *a, long long issued, char out[64])
{
	struct nxm_buf b = {0};
	unsigned char mac[32];
	int rc = -1;

	if (nxm_buf_printf(&b, "csrf|%lld|%s|%s|%s|%s|%s|%s", issued, a->client.client_id,
	                   a->redirect_uri, a->state ? a->state : "", a->code_challenge,
	                   a->scope ? a->scope : "", a->resource ? a->resource : "") == -1 ||
	    nxm_hmac_sha256(app->keys.keys[0].secret, NXM_KEY_LEN, b.data, b.len, mac) == -1 ||
	    nxm_b64url_encode(mac, sizeof(mac), out, 64) == -1)
		goto out;
	rc = 0;
out:
	nxm_buf_free(&b);
	return rc;
}

static bool
csrf_ok(struct nxm_app *app, const struct authz *a, const char *token)
{
	char want[64];
	const char *dot = token ? strchr(token, '.') : NULL, *errstr;
	char num[24];
	long long issued;

	if (dot == NULL || (size_t)(dot - token) >= sizeof(num))
		return false;
	snprintf(num, sizeof(num), "%.*s", (int)(dot - token), token);
	issued = nxm_strtonum(num, 0, (long long)app->now(), &errstr);
	if (errstr != NULL || app->now() - issued > CSRF_LIFETIME ||
	    csrf_mac(app, a, issued, want) == -1)
		return false;
	return strlen(dot + 1) == strlen(want) && nxm_ct_equal(dot + 1, want, strlen(want));
}

static int
hidden(struct nxm_buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	if (nxm_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name) == -1 ||
	    nxm_html_escape(b, value) == -1 || nxm_buf_puts(b, "\">\n") == -1)
		return -1;
	return 0;
}

/* Fills {{name}} placeholders; values are escaped except the pieces of
 * markup this file builds itself. */
static int
render_template(struct nxm_buf *out, const char *tpl, const char *const *keys,
                const char *const *values, const bool *raw, size_t n)
{
	const char *p = tpl, *open;

	while ((open = strstr(p, "{{")) != NULL) {
		const char *close = strstr(open, "}}");
		size_t k;
		if (close == NULL)
			break;
		if (nxm_buf_append(out, p, (size_t)(open - p)) == -1)
			return -1;
		for (k = 0; k < n; k++)
			if (strlen(keys[k]) == (size_t)(close - open - 2) &&
			    strncmp(open + 2, keys[k], strlen(keys[k])) == 0)
				break;
		if (k < n &&
		    (raw[k] ? nxm_buf_puts(out, values[k]) : nxm_html_escape(out, values[k])) == -1)
			return -1;
		p = close + 2;
	}
	return nxm_buf_puts(out, p);
}

static void
render_form(struct nxm_app *app, const struct authz *a, const char *email, const char *message,
            bool ask_totp, const struct nxm_params *form, int status, struct nxm_response *resp)
{
	struct nxm_buf hid = {0}, err = {0}, totp = {0}, css = {0}, action = {0}, lifetime = {0};
	struct nxm_url ru;
	char csrf[96], mac[64];
	const char *host = "the application";
	long long now = (long long)app->now();
	bool parsed = nxm_url_parse(a->redirect_uri, &ru) == 0;

	if (parsed)
		host = ru.host;
	nxm_buf_reset(&resp->body);
	if (csrf_mac(app, a, now, mac) == -1)
		goto fail;
	snprintf(csrf, sizeof(csrf), "%lld.%s", now, mac);
	if (hidden(&hid, "client_id", a->client.client_id) == -1 ||
	    hidden(&hid, "redirect_uri", a->redirect_uri) == -1 ||
	    hidden(&hid, "response_type", "code") == -1 || hidden(&hid, "state", a->state) == -1 ||
	    hidden(&hid, "code_challenge", a->code_challenge) == -1 ||
	    hidden(&hid, "code_challenge_method", "S256") == -1 ||
	    hidden(&hid, "scope", a->scope) == -1 || hidden(&hid, "resource", a->resource) == -1 ||
	    hidden(&hid, "csrf", csrf) == -1)
		goto fail;
	if (message != NULL &&
	    (nxm_buf_puts(&err, "<p class=\"error\" role=\"alert\">") == -1 ||
	     nxm_html_escape(&err, message) == -1 || nxm_buf_puts(&err, "</p>") == -1))
		goto fail;
	if (ask_totp &&
	    nxm_buf_puts(&totp,
	                 "<label for=\"totp\">Two-factor code</label>\n"
	                 "<input id=\"totp\" name=\"totp\" type=\"text\" inputmode=\"numeric\" "
	                 "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" required>") == -1)
		goto fail;
	if (nxm_buf_printf(&css, "%s/static/nexmcp.css", app->cfg.base_path) == -1 ||
	    nxm_buf_printf(&action, "%s/authorize", app->cfg.base_path) == -1 ||
	    nxm_buf_printf(
	            &lifetime, app->cfg.session_lifetime % 3600 == 0 ? "%ld hours" : "%ld minutes",
	            app->cfg.session_lifetime % 3600 == 0 ? app->cfg.session_lifetime / 3600
	                                                  : app->cfg.session_lifetime / 60) == -1)
		goto fail;
	{
		/* A retry keeps the choices made: an unticked read-only box on
		 * the second try would silently widen the session. */
		const char *pii = form && nxm_params_get(form, "allow_pii") ? " checked" : "";
		const char *ro = form && nxm_params_get(form, "read_only") ? " checked" : "";
		const char *keys[] = {"css",
		                      "client_name",
		                      "redirect_host",
		                      "error",
		                      "action",
		                      "hidden",
		                      "email",
		                      "totp",
		                      "lifetime",
		                      "allow_pii_checked",
		                      "read_only_checked"};
		const char *values[] = {css.data,
		                        a->client.client_name[0] ? a->client.client_name
		                                                 : "An application",
		                        host,
		                        err.data ? err.data : "",
		                        action.data,
		                        hid.data,
		                        email ? email : "",
		                        totp.data ? totp.data : "",
		                        lifetime.data,
		                        pii,
		                        ro};
		const bool raw[] = {false, false, false, true, false, true,
		                    false, true,  false, true, true};
		if (render_template(&resp->body, nxm_login_template, keys, values, raw,
		                    NXM_ARRAY_LEN(keys)) == -1)
			goto fail;
	}
	resp->status = status;
	if (nxm_html_headers(resp) == -1 || nxm_html_headers_form(resp) == -1)
		goto fail;
	goto out;
fail:
	nxm_response_error(resp, 500, "server_error", "cannot render the login page");
out:
	if (parsed)
		nxm_url_free(&ru);
	nxm_buf_free(&hid);
	nxm_buf_free(&err);
	nxm_buf_free(&totp);
	nxm_buf_free(&css);
	nxm_buf_free(&action);
	nxm_buf_free(&lifetime);
}

static void
render(struct nxm_app *app, const struct authz *a, const char *email, const char *message,
       bool ask_totp, int status, struct nxm_response *resp)
{
	render_form(app, a, email, message, ask_totp, NULL, status, resp);
}

static const char *
signin_message(enum nxm_nexudus_signin r)
{
	switch (r) {
	case NXM_SIGNIN_BAD_CREDENTIALS:
		return "The e-mail or password is not right. Check them and try again.";
	case NXM_SIGNIN_TOTP_REQUIRED:
		return "Your account uses two-factor authentication: enter the code from your "
		       "authenticator app.";
	case NXM_SIGNIN_TOTP_WRONG:
		return "That two-factor code is not right or has expired. Enter the current code.";
	case NXM_SIGNIN_NOT_ADMIN:
		return "This account is not a Nexudus administrator with API access. Only "
		       "administrators can connect an AI assistant.";
	case NXM_SIGNIN_THROTTLED:
		return "Nexudus is asking us to slow down. Wait a minute and try again.";
	case NXM_SIGNIN_UNREACHABLE:
		return "Nexudus could not be reached. Try again in a moment.";
	case NXM_SIGNIN_UPSTREAM_ERROR:
		return "Nexudus gave an unexpected answer. Try again in a moment.";
	case NXM_SIGNIN_OK:
		break;
	}
	return "Sign-in failed.";
}

static void
handle_post(struct nxm_app *app, const struct nxm_params *form, struct authz *a,
            const struct nxm_request *req, struct nxm_response *resp)
{
	const char *email = nxm_params_get(form, "email"),
	           *password = nxm_params_get(form, "password");
	const char *totp = nxm_params_get(form, "totp"),
	           *check = nxm_params_get(form, "disclaimer");
	struct nxm_nexudus_account acct = {0};
	struct nxm_session_new sn = {0};
	enum nxm_nexudus_signin r;
	unsigned char secret[NXM_TOKEN_SECRET_LEN], sid[NXM_SESSION_ID_BYTES];
	char code[64], msg[200];
	bool write;
	long wait;

	if (!csrf_ok(app, a, nxm_params_get(form, "csrf"))) {
		render_form(app, a, email,
		            "This sign-in form has expired or did not come from this page. "
		            "Please sign in again.",
		            false, form, 400, resp);
		return;
	}
	if (email == NULL || *email == '\0' || password == NULL || *password == '\0') {
		render_form(app, a, email, "Enter your Nexudus e-mail and password.", false, form,
		            400, resp);
		return;
	}
	if (check == NULL || strcmp(check, "on") != 0) {
		render_form(app, a, email, "Tick the responsibility disclaimer to continue.",
		            totp != NULL, form, 400, resp);
		return;
	}
	if ((wait = nxm_throttle_wait(app, email, req->remote_addr)) != 0) {
		snprintf(msg, sizeof(msg),
		         "Too many failed attempts. Wait %ld minute%s and try again.",
		         wait < 0 ? 15 : (wait + 59) / 60, (wait + 59) / 60 == 1 ? "" : "s");
		render_form(app, a, email, msg, false, form, 429, resp);
		if (wait > 0) {
			snprintf(msg, sizeof(msg), "%ld", wait);
			nxm_response_set_header(resp, "Retry-After", msg);
		}
		return;
	}
	r = nxm_nexudus_sign_in(&app->cfg, email, password, totp, &acct);
	if (r != NXM_SIGNIN_OK) {
		if (r == NXM_SIGNIN_BAD_CREDENTIALS || r == NXM_SIGNIN_TOTP_WRONG ||
		    r == NXM_SIGNIN_NOT_ADMIN)
			nxm_throttle_failure(app, email, req->remote_addr);
		nxm_log_info("sign-in refused for client %s: %d", a->client.client_id, (int)r);
		render_form(app, a, email, signin_message(r),
		            r == NXM_SIGNIN_TOTP_REQUIRED || r == NXM_SIGNIN_TOTP_WRONG ||
		                    (totp != NULL && *totp != '\0'),
		            form,
		            r == NXM_SIGNIN_UNREACHABLE || r == NXM_SIGNIN_UPSTREAM_ERROR ? 502
		                                                                          : 400,
		            resp);
		return;
	}
	nxm_throttle_success(app, email);
	/* A read-only sign-in caps the scope whatever the client asked. */
	write = a->want_write && nxm_params_get(form, "read_only") == NULL;
	sn.client_id = a->client.client_id;
	sn.client_name = a->client.client_name[0] ? a->client.client_name : NULL;
	sn.resource = app->cfg.mcp_url;
	sn.can_write = write;
	sn.allow_pii = nxm_params_get(form, "allow_pii") != NULL &&
	               strcmp(nxm_params_get(form, "allow_pii"), "on") == 0;
	sn.account = email;
	sn.upstream_user_id = acct.user_id;
	sn.upstream_token = acct.access_token;
	if (nxm_session_create(app, &sn, secret, sid) == -1 ||
	    nxm_code_issue(app, sid, secret, a->client.client_id, a->redirect_uri,
	                   a->code_challenge, code, sizeof(code)) == -1) {
		render_form(app, a, email, "The server could not create your session. Try again.",
		            false, form, 500, resp);
		goto out;
	}
	nxm_client_touch(app, a->client.client_id);
	nxm_log_info("signed in: client %s, scope %s, personal data %s", a->client.client_id,
	             write ? "write" : "read", sn.allow_pii ? "allowed" : "redacted");
	redirect(app, a, resp, "code", code, NULL, NULL);
out:
	nxm_wipe(secret, sizeof(secret));
	nxm_wipe(code, sizeof(code));
	nxm_nexudus_account_clear(&acct);
}

void
nxm_authorize_handle(struct nxm_app *app, const struct nxm_request *req, struct nxm_response *resp)
{
	struct nxm_params params;
	struct authz a;
	enum nxm_form_err err;
	char bad[64], msg[256];
	bool post = strcmp(req->method, "POST") == 0;
	const char *src = post ? (const char *)req->body : req->query;
	size_t len = post ? req->body_len : strlen(req->query);

	if (post && !nxm_header_content_type_is(nxm_request_header(req, "content-type"),
	                                        "application/x-www-form-urlencoded")) {
		error_page(app, resp, 415, "The sign-in form was not sent as a form. Start again.");
		return;
	}
	err = nxm_form_parse(src ? src : "", len, &params, bad, sizeof(bad));
	if (err != NXM_FORM_OK) {
		snprintf(msg, sizeof(msg),
		         "The sign-in link is damaged (%s%s%s). Start the connection again from "
		         "your "
		         "AI assistant.",
		         nxm_form_strerror(err), bad[0] ? ": " : "", bad);
		error_page(app, resp, 400, msg);
		return;
	}
	if (validate(app, &params, &a, resp) == 0) {
		if (post)
			handle_post(app, &params, &a, req, resp);
		else
			render(app, &a, NULL, NULL, false, 200, resp);
		nxm_client_free(&a.client);
	}
	nxm_params_free(&params);
}
