/* Fuzz target: URL parsing, origin serialisation and base URL validation. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = nxm_strndup((const char *)data, size), *base = NULL, *path = NULL, *origin;
	struct nxm_url u;
	const char *why;

	if (s == NULL)
		return 0;
	if (nxm_url_parse(s, &u) == 0) {
		origin = nxm_url_origin(&u);
		free(origin);
		nxm_url_free(&u);
	}
	if (nxm_url_base(s, &base, &path, &why) == 0) {
		/* A normalised base must itself be a valid base. */
		char *b2 = NULL, *p2 = NULL;
		if (nxm_url_base(base, &b2, &p2, &why) != 0 || strcmp(base, b2) != 0)
			abort();
		free(b2);
		free(p2);
	}
	free(base);
	free(path);
	free(s);
	return 0;
}
