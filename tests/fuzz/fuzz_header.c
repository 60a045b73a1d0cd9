/* Fuzz target: Authorization (Bearer, Basic), Accept, Content-Type, Origin. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/header.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = nxm_strndup((const char *)data, size), *id = NULL, *secret = NULL;
	char type[64], charset[32], origin[256];
	const char *tok;
	size_t len;

	if (s == NULL)
		return 0;
	if (nxm_header_bearer(s, &tok, &len) == NXM_HDR_OK &&
	    (tok < s || tok + len > s + strlen(s)))
		abort();
	if (nxm_header_basic(s, &id, &secret) == NXM_HDR_OK && (id == NULL || secret == NULL))
		abort();
	free(id);
	free(secret);
	(void)nxm_header_accepts(s, "application/json");
	(void)nxm_header_accepts(s, "text/event-stream");
	(void)nxm_header_content_type(s, type, sizeof(type), charset, sizeof(charset));
	(void)nxm_header_content_type_is(s, "application/json");
	(void)nxm_header_origin(s, origin, sizeof(origin));
	free(s);
	return 0;
}
