#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/log.h"
#include "mcp/dispatch.h"
#include "mcp/stateless.h"
#include "mcp/tools.h"
#include "mcp/transport.h"

#define HEADER_VALUE_MAX 1024

const char *
nxm_mcp_meta_version(json_t *msg)
{
	json_t *meta = json_object_get(json_object_get(msg, "params"), "_meta");

	return json_string_value(json_object_get(meta, NXM_MCP_META_VERSION));
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int
nxm_mcp_header_decode(const char *value, char *out, size_t outsz)
{
	static const char pre[] = "=?base64?", suf[] = "?=";
	size_t len, n;

	while (is_ows(*value))
		value++;
	len = strlen(value);
	while (len > 0 && is_ows(value[len - 1]))
		len--;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e)
			if (value[i] != '\t')
				return -1;
	if (len >= sizeof(pre) - 1 + sizeof(suf) - 1 && strncmp(value, pre, sizeof(pre) - 1) == 0 &&
	    strncmp(value + len - (sizeof(suf) - 1), suf, sizeof(suf) - 1) == 0) {
		value += sizeof(pre) - 1;
		len -= sizeof(pre) - 1 + sizeof(suf) - 1;
		if (nxm_b64_decode(value, len, out, outsz - 1, &n) == -1 ||
		    memchr(out, '\0', n) != NULL)
			return -1;
		out[n] = '\0';
		return 0;
	}
	if (len >= outsz)
		return -1;
	memcpy(out, value, len);
	out[len] = '\0';
	return 0;
}

static json_t *
mismatch(json_t *id, int *status, const char *header, const char *problem)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "Header mismatch: %s %s", header, problem);
	*status = 400;
	return nxm_jsonrpc_error(id, NXM_MCP_HEADER_MISMATCH, msg);
}

/* The body value a mirrored header stands for, as the transport renders
 * it: strings as they are, integers in decimal, booleans in lower case. */
static int
body_text(json_t *v, char *out, size_t outsz)
{
	int n;

	if (json_is_string(v))
		n = snprintf(out, outsz, "%s", json_string_value(v));
	else if (json_is_integer(v))
		n = snprintf(out, outsz, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		n = snprintf(out, outsz, "%s", json_is_true(v) ? "true" : "false");
	else
		return -1;
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* One header against its body value (NULL or JSON null: the header must be
 * absent). */
static json_t *
check_mirror(const struct nxm_request *req, json_t *id, const char *header, json_t *body,
             int *status)
{
	const char *raw = nxm_request_header(req, header);
	char hv[HEADER_VALUE_MAX], bv[HEADER_VALUE_MAX];

	if (body == NULL || json_is_null(body))
		return raw == NULL ? NULL
		                   : mismatch(id, status, header,
		                              "is sent but the body has no value for it");
	if (raw == NULL)
		return mismatch(id, status, header, "header required");
	if (nxm_mcp_header_decode(raw, hv, sizeof(hv)) == -1)
		return mismatch(id, status, header,
		                "holds characters a header may not carry, or invalid base64");
	if (body_text(body, bv, sizeof(bv)) == -1 || strcmp(hv, bv) != 0)
		return mismatch(id, status, header, "does not match the body");
	return NULL;
}

static json_t *
check_meta(json_t *msg, json_t *id, int *status)
{
	json_t *meta = json_object_get(json_object_get(msg, "params"), "_meta");

	*status = 400;
	if (!json_is_object(meta))
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_PARAMS,
		                         "params._meta is required (protocol version and client "
		                         "capabilities)");
	if (!json_is_string(json_object_get(meta, NXM_MCP_META_VERSION)))
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_PARAMS,
		                         "params._meta needs " NXM_MCP_META_VERSION);
	if (!json_is_object(json_object_get(meta, NXM_MCP_META_CAPABILITIES)))
		return nxm_jsonrpc_error(id, NXM_JSONRPC_INVALID_PARAMS,
		                         "params._meta needs " NXM_MCP_META_CAPABILITIES
		                         " (an object)");
	return NULL;
}

static json_t *
unsupported_version(json_t *id, const char *asked, int *status)
{
	json_t *err = nxm_jsonrpc_error(id, NXM_MCP_UNSUPPORTED_VERSION,
	                                "Unsupported protocol version"),
	       *supported = nxm_mcp_versions_json();

	if (err != NULL)
		json_object_set_new(
		        json_object_get(err, "error"), "data",
		        json_pack("{s:o?, s:s}", "supported", supported, "requested", asked));
	else
		json_decref(supported);
	*status = 400;
	return err;
}

/* Mcp-Param-* headers of the tool's x-mcp-header arguments. */
static json_t *
check_params(const struct nxm_request *req, json_t *id, const char *tool, json_t *args, int *status)
{
	json_t *mirrored = nxm_tool_mirrored_args(tool), *v, *err = NULL;
	const char *prop;
	char header[128];

	json_object_foreach(mirrored, prop, v)
	{
		snprintf(header, sizeof(header), "Mcp-Param-%s", json_string_value(v));
		if ((err = check_mirror(req, id, header, json_object_get(args, prop), status)) !=
		    NULL)
			break;
	}
	json_decref(mirrored);
	return err;
}

json_t *
nxm_mcp_stateless_check(const struct nxm_request *req, json_t *msg, int *status)
{
	json_t *id = json_object_get(msg, "id"), *params = json_object_get(msg, "params"), *err;
	const char *method = json_string_value(json_object_get(msg, "method"));
	const char *asked, *hv = nxm_request_header(req, "mcp-protocol-version");
	char hbuf[64];

	if ((err = check_meta(msg, id, status)) != NULL)
		return err;
	asked = nxm_mcp_meta_version(msg);
	if (hv == NULL)
		return mismatch(id, status, "MCP-Protocol-Version", "header required");
	if (nxm_mcp_header_decode(hv, hbuf, sizeof(hbuf)) == -1 || strcmp(hbuf, asked) != 0)
		return mismatch(id, status, "MCP-Protocol-Version",
		                "does not match params._meta's protocol version");
	if (!nxm_mcp_version_modern(asked))
		return unsupported_version(id, asked, status);
	if ((err = check_mirror(req, id, "Mcp-Method", json_object_get(msg, "method"), status)) !=
	    NULL)
		return err;
	if (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0)
		err = check_mirror(req, id, "Mcp-Name", json_object_get(params, "name"), status);
	else if (strcmp(method, "resources/read") == 0)
		err = check_mirror(req, id, "Mcp-Name", json_object_get(params, "uri"), status);
	if (err == NULL && strcmp(method, "tools/call") == 0 &&
	    json_is_string(json_object_get(params, "name")))
		err = check_params(req, id, json_string_value(json_object_get(params, "name")),
		                   json_object_get(params, "arguments"), status);
	return err;
}
