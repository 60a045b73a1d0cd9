/* Fuzz target: a /mcp POST without the network. The input is header lines
 * ("Name: value"), an empty line, then the JSON body; the headers go
 * through the 2026-07-28 checks (header decoding, _meta, mirroring) and the
 * body through JSON-RPC validation and the dispatch of the methods that do
 * not call Nexudus. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "mcp/dispatch.h"
#include "mcp/stateless.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
add_headers(struct nxm_request *req, char *text)
{
	char *line, *save = NULL, *colon, out[256];

	for (line = strtok_r(text, "\n", &save); line != NULL && req->nheaders < 16;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		(void)nxm_mcp_header_decode(colon + 1, out, sizeof(out));
		if (nxm_request_add_header(req, line, colon + 1) == -1)
			return;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nxm_session session = {.can_write = false, .allow_pii = false};
	struct nxm_mcp_ctx ctx = {.session = &session, .modern = true};
	struct nxm_request req;
	char *s = nxm_strndup((const char *)data, size), *body;
	json_t *msg = NULL, *out;
	const char *method;
	int status;

	if (s == NULL)
		return 0;
	memset(&req, 0, sizeof(req));
	if ((body = strstr(s, "\n\n")) != NULL) {
		*body = '\0';
		body += 2;
		add_headers(&req, s);
	} else {
		body = s;
	}
	if ((msg = json_loads(body, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		goto out;
	ctx.modern = nxm_mcp_meta_version(msg) != NULL;
	if (ctx.modern && nxm_jsonrpc_kind(msg) == 1 &&
	    (out = nxm_mcp_stateless_check(&req, msg, &status)) != NULL) {
		if (status != 400)
			abort();
		json_decref(out);
		goto out;
	}
	/* tools/call reaches Nexudus; the transport suites cover it. */
	method = json_string_value(json_object_get(msg, "method"));
	if (method != NULL && strcmp(method, "tools/call") == 0)
		goto out;
	json_decref(nxm_mcp_dispatch(&ctx, msg));
	nxm_mcp_ctx_release(&ctx, NULL);
out:
	json_decref(msg);
	nxm_request_free(&req);
	free(s);
	return 0;
}
