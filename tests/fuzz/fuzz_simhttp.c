/* Fuzz target: the simulator's HTTP/1.1 request-head parser. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nxm_request req;
	size_t head = 0, body = 0;
	int keep = 0;

	if (sim_http_parse_head((const char *)data, size, &req, &head, &body, &keep) ==
	    SIM_HTTP_OK) {
		/* A parsed head lies inside the input and names a path. */
		if (head > size || req.path == NULL || req.method == NULL ||
		    body > SIM_HTTP_MAX_BODY)
			abort();
		nxm_request_free(&req);
	}
	return 0;
}
