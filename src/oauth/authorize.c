#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/form.h"
#include "core/html.h"
#include "core/log.h"
#include "oauth/authorize.h"

/* Errors about the client or its redirect URI are shown to the person at the
 * browser and never redirected (RFC 6749 §4.1.2.1): the redirect target is
 * exactly what cannot be trusted yet. */
static void
error_page(struct nxm_app *app, struct nxm_response *resp, int status, const char *message)
{
	char css[2048];

	snprintf(css, sizeof(css), "%s/static/nexmcp.css", app->cfg.base_path);
	if (nxm_html_page(resp, status, "Cannot sign in", message, css) == -1)
		nxm_response_error(resp, 500, "server_error", "cannot render the page");
}

void
nxm_authorize_handle(struct nxm_app *app, const struct nxm_request *req, struct nxm_response *resp)
{
	struct nxm_params params;
	enum nxm_form_err err;
	char bad[64], msg[256];
	const char *client_id;

	err = nxm_form_parse(req->query, strlen(req->query), &params, bad, sizeof(bad));
	if (err != NXM_FORM_OK) {
		snprintf(msg, sizeof(msg),
		         "The sign-in link is damaged (%s%s%s). Start the connection again from "
		         "your "
		         "AI assistant.",
		         nxm_form_strerror(err), bad[0] ? ": " : "", bad);
		error_page(app, resp, 400, msg);
		return;
	}
	client_id = nxm_params_get(&params, "client_id");
	if (client_id == NULL || *client_id == '\0') {
		error_page(
		        app, resp, 400,
		        "The application that sent you here did not say who it is (no client_id). "
		        "Start the connection again from your AI assistant.");
	} else {
		/* Client registration arrives with the OAuth server; until then no
		 * client is known, so none may start a sign-in. */
		error_page(app, resp, 400,
		           "The application that sent you here is not registered with this server "
		           "(unknown client_id). Remove the connector from your AI assistant and "
		           "add it "
		           "again.");
	}
	nxm_params_free(&params);
}
