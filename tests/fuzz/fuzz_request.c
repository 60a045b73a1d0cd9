/* Fuzz target: building a request from a CGI environment. The input is a
 * list of NUL-separated "NAME=value" entries, as a web server would pass. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *env[129];
	struct nxm_request req;
	size_t n = 0, start = 0, len = 0;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i <= size && n < 128; i++) {
		if (copy[i] == '\0') {
			if (i > start)
				env[n++] = copy + start;
			start = i + 1;
		}
	}
	env[n] = NULL;
	if (nxm_request_from_env(&req, env, "/base") == NXM_REQ_OK) {
		if (req.path[0] != '/')
			abort();
		nxm_request_free(&req);
	}
	(void)nxm_request_content_length(env, 65536, &len);
	free(copy);
	return 0;
}
