/* jansson's wiping allocator: installed by nxm_json_init, and every way a
 * program makes and frees jansson memory goes through it in pairs (under
 * AddressSanitizer a block freed by the wrong allocator is an error). */
#include "autoconfig.h"

#include "testlib.h"

#include <jansson.h>

#include "core/json.h"

static const char doc[] =
        "{\"access_token\":\"nxm1.c2VjcmV0.bWFj\",\"list\":[1,\"two\",{\"k\":null}],"
        "\"nested\":{\"a\":{\"b\":\"Zoë\"}}}";

/* Parses, edits, copies, dumps and frees, as the programs do. */
static void
exercise(void)
{
	json_error_t err;
	json_t *v = json_loads(doc, JSON_REJECT_DUPLICATES, &err), *copy;
	char *text;

	assert_non_null(v);
	assert_int_equal(json_object_set_new(v, "added", json_string("«PII:NAME:0123abcd»")), 0);
	assert_int_equal(json_string_setn(json_object_get(v, "access_token"), "x", 1), 0);
	copy = json_deep_copy(v);
	assert_non_null(copy);
	assert_true(json_equal(v, copy));
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"access_token\":\"x\""));
	nxm_json_free_string(text);
	nxm_json_free_string(NULL);
	json_decref(copy);
	json_decref(v);
}

static void
test_default_allocator(void **state)
{
	json_malloc_t m = NULL;

	json_get_alloc_funcs(&m, NULL);
	assert_ptr_equal(m, malloc);
	exercise();
}

static void
test_wiping_allocator(void **state)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;

	nxm_json_init();
	json_get_alloc_funcs(&m, &f);
	assert_ptr_not_equal(m, malloc);
	assert_ptr_not_equal(f, free);
	exercise();
	/* A block keeps malloc's alignment behind its size header. */
	for (size_t n = 1; n < 100; n += 7) {
		void *p = m(n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		memset(p, 0xa5, n);
		f(p);
	}
	assert_null(m(SIZE_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_default_allocator),
	        cmocka_unit_test(test_wiping_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
