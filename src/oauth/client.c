#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/header.h"
#include "core/json.h"
#include "core/log.h"
#include "core/url.h"
#include "oauth/client.h"
#include "oauth/document.h"

static const char *const forbidden_schemes[] = {"javascript", "data", "vbscript", "file", "blob",
                                                "about",      "ftp",  "ws",       "wss"};

const char *
nxm_client_redirect_problem(const char *uri)
{
	struct nxm_url u;
	const char *why = NULL;

	if (uri == NULL || *uri == '\0')
		return "empty redirect URI";
	if (strlen(uri) > NXM_CLIENT_MAX_URI)
		return "redirect URI too long";
	/* Checked on the raw text too: "javascript:" has no authority, so it may
	 * not even parse. */
	for (size_t i = 0; i < NXM_ARRAY_LEN(forbidden_schemes); i++) {
		size_t n = strlen(forbidden_schemes[i]);
		if (strncasecmp(uri, forbidden_schemes[i], n) == 0 && uri[n] == ':')
			return "this redirect URI scheme is not allowed";
	}
	if (strchr(uri, '#') != NULL)
		return "redirect URIs must not contain a fragment";
	if (nxm_url_parse(uri, &u) == -1)
		return "not an absolute URI";
	if (u.user != NULL)
		why = "redirect URIs must not contain user information";
	else if (strcmp(u.scheme, "http") == 0 && !nxm_url_host_is_loopback(u.host))
		why = "http redirect URIs are allowed only on a loopback host (127.0.0.1, "
		      "localhost, [::1])";
	else if (strcmp(u.scheme, "https") != 0 && strcmp(u.scheme, "http") != 0 &&
	         strchr(u.scheme, '.') == NULL && strlen(u.scheme) < 3)
		why = "unrecognised redirect URI scheme";
	nxm_url_free(&u);
	return why;
}

static bool
loopback_match(const char *registered, const char *given)
{
	struct nxm_url a, b;
	bool ok = false;

	if (nxm_url_parse(registered, &a) == -1)
		return false;
	if (nxm_url_parse(given, &b) == 0) {
		ok = strcmp(a.scheme, "http") == 0 && strcmp(b.scheme, "http") == 0 &&
		     nxm_url_host_is_loopback(a.host) && strcmp(a.host, b.host) == 0 &&
		     strcmp(a.path, b.path) == 0 &&
		     ((a.query == NULL && b.query == NULL) ||
		      (a.query != NULL && b.query != NULL && strcmp(a.query, b.query) == 0)) &&
		     b.fragment == NULL && b.user == NULL;
		nxm_url_free(&b);
	}
	nxm_url_free(&a);
	return ok;
}

bool
nxm_client_redirect_allowed(const struct nxm_client *c, const char *uri)
{
	if (uri == NULL)
		return false;
	for (size_t i = 0; i < c->nredirects; i++)
		if (strcmp(c->redirect_uris[i], uri) == 0 ||
		    loopback_match(c->redirect_uris[i], uri))
			return true;
	return false;
}

void
nxm_client_free(struct nxm_client *c)
{
	for (size_t i = 0; i < c->nredirects; i++)
		free(c->redirect_uris[i]);
	memset(c, 0, sizeof(*c));
}

static int
method_parse(const char *s, enum nxm_client_auth_method *m)
{
	if (strcmp(s, "none") == 0)
		*m = NXM_AUTH_NONE;
	else if (strcmp(s, "client_secret_basic") == 0)
		*m = NXM_AUTH_SECRET_BASIC;
	else if (strcmp(s, "client_secret_post") == 0)
		*m = NXM_AUTH_SECRET_POST;
	else
		return -1;
	return 0;
}

static const char *
method_name(enum nxm_client_auth_method m)
{
	return m == NXM_AUTH_NONE           ? "none"
	       : m == NXM_AUTH_SECRET_BASIC ? "client_secret_basic"
	                                    : "client_secret_post";
}

int
nxm_client_lookup(struct nxm_app *app, const char *client_id, struct nxm_client *c)
{
	sqlite3_stmt *st = NULL;
	json_t *meta = NULL, *uris, *u;
	size_t i;
	int rc = -1, step;

	memset(c, 0, sizeof(*c));
	if (client_id == NULL || strlen(client_id) > NXM_CLIENT_MAX_URI)
		return 1;
	if (nxm_document_is_url(client_id))
		return nxm_document_client(app, client_id, c);
	if (nxm_db_prepare(app->db,
	                   "SELECT auth_method, secret_hash, client_name, metadata FROM clients "
	                   "WHERE client_id = ? AND expires_at > ?",
	                   &st) == -1 ||
	    sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, app->now()) != SQLITE_OK)
		goto out;
	if ((step = sqlite3_step(st)) == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (step != SQLITE_ROW ||
	    method_parse((const char *)sqlite3_column_text(st, 0), &c->auth_method) == -1)
		goto out;
	snprintf(c->client_id, sizeof(c->client_id), "%s", client_id);
	if (sqlite3_column_bytes(st, 1) == 32)
		memcpy(c->secret_hash, sqlite3_column_blob(st, 1), 32);
	if (sqlite3_column_type(st, 2) == SQLITE_TEXT)
		snprintf(c->client_name, sizeof(c->client_name), "%s", sqlite3_column_text(st, 2));
	if ((meta = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL)) == NULL)
		goto out;
	uris = json_object_get(meta, "redirect_uris");
	json_array_foreach(uris, i, u)
	{
		if (c->nredirects >= NXM_CLIENT_MAX_REDIRECTS || !json_is_string(u))
			break;
		if ((c->redirect_uris[c->nredirects] = strdup(json_string_value(u))) == NULL)
			goto out;
		c->nredirects++;
	}
	rc = 0;
out:
	if (rc == -1)
		nxm_log_err("cannot read client: %s", sqlite3_errmsg(app->db));
	if (rc != 0)
		nxm_client_free(c);
	json_decref(meta);
	sqlite3_finalize(st);
	return rc;
}

void
nxm_client_touch(struct nxm_app *app, const char *client_id)
{
	sqlite3_stmt *st = NULL;

	if (nxm_db_prepare(app->db,
	                   "UPDATE clients SET last_used_at = ?1, expires_at = ?1 + ?2 "
	                   "WHERE client_id = ?3",
	                   &st) == -1)
		return;
	if (sqlite3_bind_int64(st, 1, app->now()) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, NXM_CLIENT_USED_LIFETIME) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, client_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		nxm_log_warn("cannot mark client used: %s", sqlite3_errmsg(app->db));
	sqlite3_finalize(st);
}

static void
invalid_client(struct nxm_response *resp, const char *why)
{
	nxm_response_error(resp, 401, "invalid_client", why);
	nxm_response_set_header(resp, "WWW-Authenticate", "Basic realm=\"nexmcp\"");
}

int
nxm_client_authenticate(struct nxm_app *app, const struct nxm_request *req,
                        const struct nxm_params *form, struct nxm_client *c,
                        struct nxm_response *resp)
{
	const char *auth = nxm_request_header(req, "authorization");
	const char *form_id = nxm_params_get(form, "client_id");
	const char *form_secret = nxm_params_get(form, "client_secret");
	char *basic_id = NULL, *basic_secret = NULL;
	const char *id, *secret = NULL;
	unsigned char hash[32];
	enum nxm_client_auth_method used = NXM_AUTH_NONE;
	int rc = -1, found;

	memset(c, 0, sizeof(*c));
	if (auth != NULL && nxm_header_basic(auth, &basic_id, &basic_secret) == NXM_HDR_OK) {
		used = NXM_AUTH_SECRET_BASIC;
		id = basic_id;
		secret = basic_secret;
		if (form_id != NULL && strcmp(form_id, id) != 0) {
			invalid_client(resp, "client_id differs from the authenticated client");
			goto out;
		}
	} else if (auth != NULL && form_secret == NULL) {
		invalid_client(resp, "unsupported or malformed Authorization header");
		goto out;
	} else {
		id = form_id;
		if (form_secret != NULL) {
			used = NXM_AUTH_SECRET_POST;
			secret = form_secret;
		}
	}
	if (id == NULL) {
		invalid_client(resp, "client_id is required");
		goto out;
	}
	if ((found = nxm_client_lookup(app, id, c)) != 0) {
		if (found == -1)
			nxm_response_error(resp, 500, "server_error",
			                   "cannot read the client registry");
		else
			invalid_client(resp, "unknown client_id; register the client again");
		goto out;
	}
	if (c->auth_method != used) {
		char msg[128];
		snprintf(msg, sizeof(msg), "this client must authenticate with %s",
		         method_name(c->auth_method));
		invalid_client(resp, msg);
		goto out;
	}
	if (used != NXM_AUTH_NONE && (nxm_sha256(secret, strlen(secret), hash) == -1 ||
	                              !nxm_ct_equal(hash, c->secret_hash, 32))) {
		invalid_client(resp, "client authentication failed");
		goto out;
	}
	rc = 0;
out:
	free(basic_id);
	nxm_str_free_secret(basic_secret);
	if (rc != 0)
		nxm_client_free(c);
	return rc;
}

/* ---------------------------------------------------------------- /register */

static void
register_error(struct nxm_response *resp, const char *code, const char *why)
{
	nxm_response_error(resp, 400, code, why);
}

/* Checks an optional array of strings against the values we support. */
static int
check_list(json_t *body, const char *key, const char *const *allowed, size_t nallowed,
           const char *must_have, json_t **out)
{
	json_t *v = json_object_get(body, key), *item;
	size_t i;
	bool has = false;

	*out = NULL;
	if (v == NULL) {
		*out = json_pack("[s]", must_have);
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 8)
		return -1;
	json_array_foreach(v, i, item)
	{
		bool ok = false;
		if (!json_is_string(item))
			return -1;
		for (size_t k = 0; k < nallowed; k++)
			ok = ok || strcmp(json_string_value(item), allowed[k]) == 0;
		if (!ok)
			return -1;
		has = has || strcmp(json_string_value(item), must_have) == 0;
	}
	if (!has)
		return -1;
	/* We issue no refresh tokens: what we grant is authorization_code only. */
	*out = json_pack("[s]", must_have);
	return 0;
}

void
nxm_client_handle_register(struct nxm_app *app, const struct nxm_request *req,
                           struct nxm_response *resp)
{
	static const char *const grants[] = {"authorization_code", "refresh_token"};
	static const char *const rtypes[] = {"code"};
	json_t *body = NULL, *uris, *u, *grant_types = NULL, *response_types = NULL, *stored = NULL;
	json_t *answer = NULL, *name;
	enum nxm_client_auth_method method = NXM_AUTH_SECRET_BASIC;
	unsigned char raw[16], secret_raw[32], secret_hash[32];
	char client_id[40], secret[64] = "";
	const char *why, *m;
	sqlite3_stmt *st = NULL;
	char *meta = NULL;
	time_t now = app->now();
	size_t i;

	if (!nxm_header_content_type_is(nxm_request_header(req, "content-type"),
	                                "application/json")) {
		register_error(resp, "invalid_client_metadata",
		               "the body must be application/json");
		return;
	}
	if ((body = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES,
	                       NULL)) == NULL ||
	    !json_is_object(body)) {
		register_error(resp, "invalid_client_metadata", "the body is not a JSON object");
		goto out;
	}
	uris = json_object_get(body, "redirect_uris");
	if (!json_is_array(uris) || json_array_size(uris) == 0) {
		register_error(resp, "invalid_redirect_uri", "redirect_uris is required");
		goto out;
	}
	if (json_array_size(uris) > NXM_CLIENT_MAX_REDIRECTS) {
		register_error(resp, "invalid_redirect_uri", "at most 10 redirect_uris");
		goto out;
	}
	json_array_foreach(uris, i, u)
	{
		if (!json_is_string(u)) {
			register_error(resp, "invalid_redirect_uri",
			               "redirect_uris must be strings");
			goto out;
		}
		if ((why = nxm_client_redirect_problem(json_string_value(u))) != NULL) {
			register_error(resp, "invalid_redirect_uri", why);
			goto out;
		}
	}
	if ((m = json_string_value(json_object_get(body, "token_endpoint_auth_method"))) != NULL &&
	    method_parse(m, &method) == -1) {
		register_error(resp, "invalid_client_metadata",
		               "token_endpoint_auth_method must be none, client_secret_basic or "
		               "client_secret_post");
		goto out;
	}
	if (check_list(body, "grant_types", grants, NXM_ARRAY_LEN(grants), "authorization_code",
	               &grant_types) == -1) {
		register_error(
		        resp, "invalid_client_metadata",
		        "grant_types must include authorization_code (refresh_token is ignored)");
		goto out;
	}
	if (check_list(body, "response_types", rtypes, NXM_ARRAY_LEN(rtypes), "code",
	               &response_types) == -1) {
		register_error(resp, "invalid_client_metadata",
		               "response_types must be [\"code\"]");
		goto out;
	}
	name = json_object_get(body, "client_name");
	if (name != NULL &&
	    (!json_is_string(name) || json_string_length(name) > NXM_CLIENT_MAX_NAME)) {
		register_error(resp, "invalid_client_metadata",
		               "client_name must be a short string");
		goto out;
	}
	if (nxm_random(raw, sizeof(raw)) == -1)
		goto fail;
	memcpy(client_id, "nxc_", 4);
	if (nxm_b64url_encode(raw, sizeof(raw), client_id + 4, sizeof(client_id) - 4) == -1)
		goto fail;
	if (method != NXM_AUTH_NONE &&
	    (nxm_random(secret_raw, sizeof(secret_raw)) == -1 ||
	     nxm_b64url_encode(secret_raw, sizeof(secret_raw), secret, sizeof(secret)) == -1 ||
	     nxm_sha256(secret, strlen(secret), secret_hash) == -1))
		goto fail;
	stored = json_pack("{s:O, s:O, s:O}", "redirect_uris", uris, "grant_types", grant_types,
	                   "response_types", response_types);
	if (stored == NULL || (meta = json_dumps(stored, JSON_COMPACT)) == NULL)
		goto fail;
	if (nxm_db_prepare(app->db,
	                   "INSERT INTO clients (client_id, secret_hash, auth_method, client_name, "
	                   "metadata, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                   &st) == -1 ||
	    sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (method == NXM_AUTH_NONE
	             ? sqlite3_bind_null(st, 2)
	             : sqlite3_bind_blob(st, 2, secret_hash, 32, SQLITE_STATIC)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, method_name(method), -1, SQLITE_STATIC) != SQLITE_OK ||
	    (name ? sqlite3_bind_text(st, 4, json_string_value(name), -1, SQLITE_STATIC)
	          : sqlite3_bind_null(st, 4)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, meta, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, now + NXM_CLIENT_UNUSED_LIFETIME) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		nxm_log_err("cannot store the client: %s", sqlite3_errmsg(app->db));
		goto fail;
	}
	answer = json_pack("{s:s, s:O, s:O, s:O, s:s, s:I}", "client_id", client_id,
	                   "redirect_uris", uris, "grant_types", grant_types, "response_types",
	                   response_types, "token_endpoint_auth_method", method_name(method),
	                   "client_id_issued_at", (json_int_t)now);
	if (answer != NULL && name != NULL)
		json_object_set(answer, "client_name", name);
	if (answer != NULL && method != NXM_AUTH_NONE) {
		json_object_set_new(answer, "client_secret", json_string(secret));
		json_object_set_new(answer, "client_secret_expires_at", json_integer(0));
	}
	nxm_log_info("registered client %s (%s)", client_id, method_name(method));
	nxm_response_json(resp, 201, answer);
	goto out;
fail:
	nxm_response_error(resp, 500, "server_error", "cannot register the client");
out:
	sqlite3_finalize(st);
	nxm_json_free_string(meta);
	nxm_wipe(secret, sizeof(secret));
	nxm_wipe(secret_raw, sizeof(secret_raw));
	json_decref(stored);
	json_decref(grant_types);
	json_decref(response_types);
	json_decref(body);
}
