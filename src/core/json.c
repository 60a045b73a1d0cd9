#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/crypto.h"
#include "core/json.h"

/* jansson's free gets no size, so each block starts with its own, in a
 * header as wide as malloc's alignment so the value keeps that alignment. */
union header {
	size_t size;
	max_align_t align;
};

static void *
wiping_malloc(size_t n)
{
	union header *h;

	if (n > SIZE_MAX - sizeof(*h) || (h = malloc(sizeof(*h) + n)) == NULL)
		return NULL;
	h->size = n;
	return h + 1;
}

static void
wiping_free(void *p)
{
	union header *h;

	if (p == NULL)
		return;
	h = (union header *)p - 1;
	nxm_wipe(p, h->size);
	free(h);
}

void
nxm_json_init(void)
{
	json_set_alloc_funcs(wiping_malloc, wiping_free);
}

void
nxm_json_free_string(char *s)
{
	json_free_t f = NULL;

	if (s == NULL)
		return;
	json_get_alloc_funcs(NULL, &f);
	if (f != wiping_free)
		nxm_wipe(s, strlen(s));
	f(s);
}
