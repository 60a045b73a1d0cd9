#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/header.h"
#include "core/log.h"
#include "mcp/auth.h"
#include "mcp/dispatch.h"
#include "mcp/stateless.h"
#include "mcp/tools.h"
#include "mcp/transport.h"
#include "pii/egress.h"

/* Newest first; the first NXM_MCP_MODERN_COUNT are stateless revisions,
 * the rest are negotiated by initialize. */
static const char *const versions[] = {"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"};
#define NXM_MCP_MODERN_COUNT 1

json_t *
nxm_mcp_versions_json(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < NXM_ARRAY_LEN(versions); i++)
		if (json_array_append_new(a, json_string(versions[i])) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

bool
nxm_mcp_version_modern(const char *v)
{
	for (size_t i = 0; v != NULL && i < NXM_MCP_MODERN_COUNT; i++)
		if (strcmp(v, versions[i]) == 0)
			return true;
	return false;
}

bool
nxm_mcp_version_supported(const char *v)
{
	for (size_t i = NXM_MCP_MODERN_COUNT; v != NULL && i < NXM_ARRAY_LEN(versions); i++)
		if (strcmp(v, versions[i]) == 0)
			return true;
	return false;
}

static void
rpc_error(struct nxm_response *resp, int status, int code, const char *message)
{
	nxm_response_json(resp, status, nxm_jsonrpc_error(NULL, code, message));
}

static int
create_mcp_session(struct nxm_app *app, const struct nxm_session *s, const char *version,
                   const char *client_name, char out[64])
{
	unsigned char raw[32];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	/* Visible ASCII as the transport requires: base64url of 256 random bits. */
	if (nxm_random(raw, sizeof(raw)) == -1 ||
	    nxm_b64url_encode(raw, sizeof(raw), out, 64) == -1)
		return -1;
	if (nxm_db_prepare(
	            app->db,
	            "INSERT INTO mcp_sessions (mcp_session_id, session_id, protocol_version, "
	            "client_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
	            &st) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, s->id, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC) == SQLITE_OK &&
	    (client_name ? sqlite3_bind_text(st, 4, client_name, -1, SQLITE_STATIC)
	                 : sqlite3_bind_null(st, 4)) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 5, app->now()) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 6, s->expires_at) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		nxm_log_err("cannot store the MCP session: %s", sqlite3_errmsg(app->db));
	sqlite3_finalize(st);
	return rc;
}

/* 0 live (version filled), 1 unknown or ended, -1 error. A session id from
 * another sign-in is as unknown as a made-up one. */
static int
find_mcp_session(struct nxm_app *app, const struct nxm_session *s, const char *id, char *version,
                 size_t versionsz)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if (strlen(id) > 128 ||
	    nxm_db_prepare(app->db,
	                   "SELECT protocol_version FROM mcp_sessions WHERE mcp_session_id = ? AND "
	                   "session_id = ? AND ended_at IS NULL AND expires_at > ?",
	                   &st) == -1)
		return strlen(id) > 128 ? 1 : -1;
	if (sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, s->id, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 3, app->now()) == SQLITE_OK) {
		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			snprintf(version, versionsz, "%s", sqlite3_column_text(st, 0));
			rc = 0;
		} else if (step == SQLITE_DONE) {
			rc = 1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static void
end_mcp_session(struct nxm_app *app, const struct nxm_session *s, const char *id,
                struct nxm_response *resp)
{
	sqlite3_stmt *st = NULL;

	if (nxm_db_prepare(app->db,
	                   "UPDATE mcp_sessions SET ended_at = ? WHERE mcp_session_id = ? AND "
	                   "session_id = ? AND ended_at IS NULL",
	                   &st) == -1 ||
	    sqlite3_bind_int64(st, 1, app->now()) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, s->id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		rpc_error(resp, 500, NXM_JSONRPC_INTERNAL_ERROR, "cannot end the session");
	} else if (sqlite3_changes(app->db) == 0) {
		rpc_error(resp, 404, NXM_JSONRPC_INVALID_REQUEST, "unknown or ended MCP session");
	} else {
		resp->status = 204;
		nxm_buf_reset(&resp->body);
	}
	sqlite3_finalize(st);
}

static void
initialize(struct nxm_app *app, const struct nxm_session *s, json_t *msg, struct nxm_response *resp)
{
	json_t *params = json_object_get(msg, "params"), *id = json_object_get(msg, "id");
	const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
	const char *client =
	        json_string_value(json_object_get(json_object_get(params, "clientInfo"), "name"));
	const char *version;
	char sid[64];

	if (!json_is_object(params) || asked == NULL) {
		nxm_response_json(resp, 200,
		                  nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_PARAMS,
		                                    "initialize needs params.protocolVersion"));
		return;
	}
	/* Negotiation: the client's revision when we speak it, else our latest. */
	version = nxm_mcp_version_supported(asked) ? asked : NXM_MCP_LATEST_VERSION;
	if (create_mcp_session(app, s, version, client, sid) == -1) {
		rpc_error(resp, 500, NXM_JSONRPC_INTERNAL_ERROR, "cannot create the MCP session");
		return;
	}
	nxm_response_json(
	        resp, 200,
	        json_pack("{s:s, s:O, s:{s:s, s:{s:{s:b}, s:{}}, s:{s:s, s:s, s:s}, s:s}}",
	                  "jsonrpc", "2.0", "id", id, "result", "protocolVersion", version,
	                  "capabilities", "tools", "listChanged", 0, "logging", "serverInfo",
	                  "name", "nexmcp", "title", "Nexudus (nexmcp)", "version", PACKAGE_VERSION,
	                  "instructions", NXM_MCP_INSTRUCTIONS));
	nxm_response_set_header(resp, "Mcp-Session-Id", sid);
}

/* A tool found the session unusable (Nexudus refused its token) or
 * under-scoped: an HTTP answer clients act on, never a tool result. */
static void
http_failure(struct nxm_app *app, const struct nxm_mcp_ctx *ctx, struct nxm_response *resp)
{
	if (ctx->http_status == 403)
		nxm_mcp_challenge(
		        app, resp, "insufficient_scope",
		        "this session is read-only; sign in again without read-only to write");
	else
		nxm_mcp_challenge(app, resp, "invalid_token",
		                  "Nexudus refused the session's token (password changed or token "
		                  "revoked); sign in again");
}

/* The era a POST belongs to. 2026-07-28 requests say their version in
 * params._meta; a version header that is none of the initialize-era ones,
 * on a request outside any MCP session, is also answered the 2026-07-28 way
 * (an unknown version then gets the error listing the ones we speak). */
static bool
is_modern(const struct nxm_request *req, json_t *body)
{
	const char *hv = nxm_request_header(req, "mcp-protocol-version");

	if (hv != NULL && nxm_mcp_version_supported(hv))
		return false;
	if (nxm_mcp_version_modern(hv) || nxm_mcp_meta_version(body) != NULL)
		return true;
	return hv != NULL && nxm_request_header(req, "mcp-session-id") == NULL;
}

static void
answer(struct nxm_app *app, struct nxm_mcp_ctx *ctx, json_t *body, json_t *out,
       struct nxm_response *resp)
{
	int code = json_integer_value(json_object_get(json_object_get(out, "error"), "code"));

	if (ctx->http_status != 0) {
		http_failure(app, ctx, resp);
		json_decref(out);
	} else if (out == NULL) {
		resp->status = 202; /* notifications and responses */
	} else if (nxm_jsonrpc_kind(body) == -1) {
		nxm_response_json(resp, 400, out);
	} else if (ctx->modern && code == NXM_JSONRPC_METHOD_NOT_FOUND) {
		/* 2026-07-28: lets a client tell a missing method from a
		 * missing endpoint. */
		nxm_response_json(resp, 404, out);
	} else {
		nxm_response_json(resp, 200, out);
	}
}

/* 2026-07-28: no session, every request self-describing. */
static void
post_modern(struct nxm_app *app, const struct nxm_session *s, struct nxm_pii_seen *seen,
            const struct nxm_request *req, json_t *body, struct nxm_response *resp)
{
	struct nxm_mcp_ctx ctx = {.app = app, .session = s, .modern = true, .seen = seen};
	json_t *err;
	int status = 400;

	if (json_is_array(body)) {
		rpc_error(resp, 400, NXM_JSONRPC_INVALID_REQUEST,
		          "batches are not part of this protocol revision");
		return;
	}
	if (nxm_jsonrpc_kind(body) == 1 &&
	    (err = nxm_mcp_stateless_check(req, body, &status)) != NULL) {
		nxm_response_json(resp, status, err);
		return;
	}
	ctx.protocol_version = nxm_mcp_meta_version(body);
	answer(app, &ctx, body, nxm_mcp_dispatch(&ctx, body), resp);
	nxm_mcp_ctx_release(&ctx, resp);
}

/* The last answer of a batch showed tokens that could not be recorded
 * (they would not resolve): it becomes a tool error, as a single call's
 * would have. */
static void
withhold_last(json_t *out)
{
	json_t *last = json_array_get(out, json_array_size(out) - 1);

	if (json_object_get(json_object_get(last, "result"), "_meta") == NULL)
		return;
	json_object_set_new(
	        last, "result",
	        json_pack("{s:[{s:s, s:s}], s:b, s:{s:b}}", "content", "type", "text", "text",
	                  "Internal error: the personal-data tokens of this result could not be "
	                  "recorded, so it is withheld; call the tool again.",
	                  "isError", 1, "_meta", NXM_META_PII_REDACTED, 1));
}

static void
post_batch(struct nxm_app *app, struct nxm_mcp_ctx *ctx, const char *version, json_t *body,
           struct nxm_response *resp)
{
	json_t *out, *msg;
	size_t i;

	/* Batches exist in the 2025-03-26 revision only. */
	if (strcmp(version, "2025-03-26") != 0 || json_array_size(body) == 0) {
		rpc_error(resp, 400, NXM_JSONRPC_INVALID_REQUEST,
		          json_array_size(body) == 0
		                  ? "empty batch"
		                  : "batches are not part of this protocol revision");
		return;
	}
	out = json_array();
	json_array_foreach(body, i, msg)
	{
		json_t *r;
		/* The tokens an earlier call issued are recorded now: their
		 * write lock must not be held through this call's Nexudus
		 * request. Only the last call's wait for the answer to be out. */
		if (nxm_mcp_ctx_release(ctx, NULL) == -1)
			withhold_last(out);
		r = nxm_mcp_dispatch(ctx, msg);
		if (ctx->http_status != 0) {
			json_decref(r);
			json_decref(out);
			http_failure(app, ctx, resp);
			return;
		}
		if (r != NULL)
			json_array_append_new(out, r);
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		resp->status = 202;
		return;
	}
	nxm_response_json(resp, 200, out);
}

/* 2025-03-26 to 2025-11-25: initialize, then Mcp-Session-Id on each POST. */
static void
post_legacy(struct nxm_app *app, const struct nxm_session *s, struct nxm_pii_seen *seen,
            const struct nxm_request *req, json_t *body, struct nxm_response *resp)
{
	const char *sid = nxm_request_header(req, "mcp-session-id");
	const char *hv = nxm_request_header(req, "mcp-protocol-version");
	struct nxm_mcp_ctx ctx = {.app = app, .session = s, .seen = seen};
	char version[32];
	int found;

	if (json_is_object(body) && json_is_string(json_object_get(body, "method")) &&
	    strcmp(json_string_value(json_object_get(body, "method")), "initialize") == 0) {
		if (nxm_jsonrpc_kind(body) != 1)
			rpc_error(resp, 400, NXM_JSONRPC_INVALID_REQUEST,
			          "initialize must be a request");
		else
			initialize(app, s, body, resp);
		return;
	}
	if (sid == NULL) {
		rpc_error(resp, 400, NXM_JSONRPC_INVALID_REQUEST,
		          "Mcp-Session-Id header required (send initialize first)");
		return;
	}
	if ((found = find_mcp_session(app, s, sid, version, sizeof(version))) != 0) {
		if (found == -1)
			rpc_error(resp, 500, NXM_JSONRPC_INTERNAL_ERROR,
			          "cannot read the MCP session");
		else
			rpc_error(resp, 404, NXM_JSONRPC_INVALID_REQUEST,
			          "unknown or ended MCP session: initialize again");
		return;
	}
	if (hv != NULL && !nxm_mcp_version_supported(hv)) {
		rpc_error(resp, 400, NXM_JSONRPC_INVALID_REQUEST,
		          "unsupported MCP-Protocol-Version");
		return;
	}
	ctx.protocol_version = hv != NULL ? hv : NXM_MCP_DEFAULT_VERSION;
	if (json_is_array(body))
		post_batch(app, &ctx, version, body, resp);
	else
		answer(app, &ctx, body, nxm_mcp_dispatch(&ctx, body), resp);
	nxm_mcp_ctx_release(&ctx, resp);
}

static void
post(struct nxm_app *app, const struct nxm_session *s, struct nxm_pii_seen *seen,
     const struct nxm_request *req, struct nxm_response *resp)
{
	const char *accept = nxm_request_header(req, "accept");
	json_t *body;
	json_error_t jerr;

	if (accept == NULL || !nxm_header_accepts(accept, "application/json") ||
	    !nxm_header_accepts(accept, "text/event-stream")) {
		rpc_error(resp, 406, NXM_JSONRPC_INVALID_REQUEST,
		          "Accept must list application/json and text/event-stream");
		return;
	}
	if (!nxm_header_content_type_is(nxm_request_header(req, "content-type"),
	                                "application/json")) {
		rpc_error(resp, 415, NXM_JSONRPC_INVALID_REQUEST,
		          "Content-Type must be application/json");
		return;
	}
	if ((body = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES,
	                       &jerr)) == NULL) {
		rpc_error(resp, 400, NXM_JSONRPC_PARSE_ERROR, "the body is not valid JSON");
		return;
	}
	if (is_modern(req, body))
		post_modern(app, s, seen, req, body, resp);
	else
		post_legacy(app, s, seen, req, body, resp);
	json_decref(body);
}

/* With redaction on, the last step of every answer: no value the session
 * knows leaves in clear (pii/egress.h). An answer that cannot be checked is
 * not sent. */
static void
egress(struct nxm_app *app, const struct nxm_session *s, const struct nxm_pii_seen *seen,
       struct nxm_response *resp)
{
	const struct nxm_pii_egress_session es = {.id = s->id, .key = s->pii_key};

	if (resp->body.len == 0 || nxm_pii_egress_filter(app, &es, seen, &resp->body) == 0)
		return;
	rpc_error(resp, 500, NXM_JSONRPC_INTERNAL_ERROR,
	          "the answer could not be checked for personal data, so it is withheld; try "
	          "again");
}

struct log_context {
	struct nxm_pii_egress_session es;
	const struct nxm_pii_seen *seen;
};

/* Log lines of a request with redaction on, as its answer. */
static int
log_filter(void *arg, const char *msg, size_t len, struct nxm_buf *out)
{
	const struct log_context *lc = arg;

	return nxm_pii_egress_text(&lc->es, lc->seen, msg, len, out);
}

void
nxm_mcp_transport_handle(struct nxm_app *app, const struct nxm_request *req,
                         struct nxm_response *resp)
{
	struct nxm_pii_seen *seen = NULL;
	struct log_context lc;
	struct nxm_session s;

	if (nxm_mcp_authenticate(app, req, resp, &s) != 0)
		return;
	if (!s.allow_pii && (seen = nxm_pii_seen_new()) == NULL) {
		rpc_error(resp, 500, NXM_JSONRPC_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	if (!s.allow_pii) {
		lc = (struct log_context){{.id = s.id, .key = s.pii_key}, seen};
		nxm_log_set_filter(log_filter, &lc);
	}
	if (strcmp(req->method, "POST") == 0) {
		post(app, &s, seen, req, resp);
	} else if (strcmp(req->method, "DELETE") == 0) {
		const char *sid = nxm_request_header(req, "mcp-session-id");
		if (sid == NULL)
			rpc_error(resp, 400, NXM_JSONRPC_INVALID_REQUEST,
			          "Mcp-Session-Id header required");
		else
			end_mcp_session(app, &s, sid, resp);
	} else {
		/* No server-initiated stream: GET is not offered (the transport
		 * allows 405 here). */
		rpc_error(resp, 405, NXM_JSONRPC_INVALID_REQUEST, "GET streams are not offered");
		nxm_response_set_header(resp, "Allow", "POST, DELETE, OPTIONS");
	}
	if (!s.allow_pii)
		egress(app, &s, seen, resp);
out:
	nxm_log_set_filter(NULL, NULL);
	nxm_pii_seen_free(seen);
	nxm_session_clear(&s);
}
