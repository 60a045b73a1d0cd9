/* Fuzz target: the form and query-string decoder. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nxm_params p;
	char name[32];

	if (nxm_form_parse((const char *)data, size, &p, name, sizeof(name)) == NXM_FORM_OK) {
		/* Every decoded pair must be findable and NUL-free by construction. */
		for (size_t i = 0; i < p.n; i++)
			if (nxm_params_get(&p, p.v[i].name) != p.v[i].value)
				abort();
		nxm_params_free(&p);
	}
	return 0;
}
