/* Fuzz target: base64url decoding must be canonical: whatever decodes must
 * encode back to the same text. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char out[4096];
	char back[8192];
	size_t n = 0;

	if (size > 4096)
		return 0;
	if (nxm_b64url_decode((const char *)data, size, out, sizeof(out), &n) == 0) {
		if (nxm_b64url_encode(out, n, back, sizeof(back)) != 0 || strlen(back) != size ||
		    memcmp(back, data, size) != 0)
			abort();
	}
	(void)nxm_b64_decode((const char *)data, size, out, sizeof(out), &n);
	return 0;
}
