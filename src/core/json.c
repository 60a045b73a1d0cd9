#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include <jansson.h>

#include "core/crypto.h"
#include "core/json.h"

#ifdef HAVE_MALLOC_USABLE_SIZE
/* Plain malloc blocks, so a string jansson hands out (json_dumps) may
 * still be given to free(); jansson's own frees wipe the whole block. */
static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	nxm_wipe(p, malloc_usable_size(p));
	free(p);
}
#endif

bool
nxm_json_init(void)
{
#ifdef HAVE_MALLOC_USABLE_SIZE
	json_set_alloc_funcs(malloc, wiping_free);
	return true;
#else
	return false;
#endif
}

void
nxm_json_free_string(char *s)
{
	if (s == NULL)
		return;
	nxm_wipe(s, strlen(s));
	free(s);
}
