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
	char *dumped;
	json_t *v;

	assert_true(nxm_json_init()); /* Debian's C library tells block sizes */
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, malloc);
	assert_ptr_not_equal(f, free);
	exercise();
	/* Blocks stay malloc's: what jansson hands out may go to free(). */
	v = json_pack("{s:s}", "secret", "s3cr3t");
	assert_non_null(v);
	dumped = json_dumps(v, JSON_COMPACT);
	assert_non_null(dumped);
	free(dumped);
	json_decref(v);
	for (size_t n = 1; n < 100; n += 7) {
		void *p = m(n);
		assert_non_null(p);
		memset(p, 0xa5, n);
		f(p);
	}
	f(NULL);
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
