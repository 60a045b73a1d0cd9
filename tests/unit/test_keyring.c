/* Unit tests for src/core/keyring.c: the server key file. */
#include "autoconfig.h"

#include "testlib.h"

#include <errno.h>

#include "core/crypto.h"
#include "core/keyring.h"
#include "core/util.h"

/* 32 bytes 0x00..0x1f, base64url: a secret whose value the tests can check. */
#define SECRET_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
/* 32 bytes of 0xff. */
#define SECRET_B "__________________________________________8"

static char tmpdir[64];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nxm-keyring-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* Loads a key file written with the given text and mode; expects failure
 * with err containing each of the given fragments. */
static void
assert_load_fails(const char *text, mode_t mode, const char *frag1, const char *frag2)
{
	struct nxm_keyring ring;
	char err[512] = "";
	const char *path = test_write_file("bad.key", text, mode);

	memset(&ring, 0xa5, sizeof(ring));
	assert_int_equal(nxm_keyring_load(path, &ring, err, sizeof(err)), -1);
	print_message("error: %s\n", err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, frag1));
	if (frag2 != NULL)
		assert_non_null(strstr(err, frag2));
	/* Nothing of a half-read key file stays in memory. */
	assert_int_equal(ring.n, 0);
	for (size_t i = 0; i < sizeof(ring.keys[0].secret); i++)
		assert_int_equal(ring.keys[0].secret[i], 0);
}

static void
test_create_then_load(void **state)
{
	struct nxm_keyring ring;
	struct stat st;
	char err[512] = "";
	const char *path = tmp_path("server.key");
	unsigned char zero[NXM_KEY_LEN];

	assert_int_equal(nxm_keyring_create(path, err, sizeof(err)), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(nxm_keyring_load(path, &ring, err, sizeof(err)), 0);
	assert_int_equal(ring.n, 1);
	assert_int_equal(strlen(ring.keys[0].id), NXM_KEY_ID_LEN);
	assert_int_equal(strspn(ring.keys[0].id,
	                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                        "0123456789-_"),
	                 NXM_KEY_ID_LEN);
	memset(zero, 0, sizeof(zero));
	assert_memory_not_equal(ring.keys[0].secret, zero, sizeof(zero));
	assert_ptr_equal(nxm_keyring_find(&ring, ring.keys[0].id), &ring.keys[0]);
	nxm_keyring_wipe(&ring);
	assert_int_equal(ring.n, 0);
	assert_memory_equal(ring.keys[0].secret, zero, sizeof(zero));
}

static void
test_create_is_random(void **state)
{
	struct nxm_keyring a, b;
	char err[512];

	assert_int_equal(nxm_keyring_create(tmp_path("a.key"), err, sizeof(err)), 0);
	assert_int_equal(nxm_keyring_create(tmp_path("b.key"), err, sizeof(err)), 0);
	assert_int_equal(nxm_keyring_load(tmp_path("a.key"), &a, err, sizeof(err)), 0);
	assert_int_equal(nxm_keyring_load(tmp_path("b.key"), &b, err, sizeof(err)), 0);
	assert_string_not_equal(a.keys[0].id, b.keys[0].id);
	assert_memory_not_equal(a.keys[0].secret, b.keys[0].secret, NXM_KEY_LEN);
	nxm_keyring_wipe(&a);
	nxm_keyring_wipe(&b);
}

static void
test_create_refuses_overwrite(void **state)
{
	struct nxm_keyring before, after;
	char err[512] = "";
	const char *path = tmp_path("once.key");

	assert_int_equal(nxm_keyring_create(path, err, sizeof(err)), 0);
	assert_int_equal(nxm_keyring_load(path, &before, err, sizeof(err)), 0);
	assert_int_equal(nxm_keyring_create(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(EEXIST)));
	/* The existing key survives: overwriting it would log everyone out. */
	assert_int_equal(nxm_keyring_load(path, &after, err, sizeof(err)), 0);
	assert_string_equal(before.keys[0].id, after.keys[0].id);
	assert_memory_equal(before.keys[0].secret, after.keys[0].secret, NXM_KEY_LEN);
	nxm_keyring_wipe(&before);
	nxm_keyring_wipe(&after);
}

static void
test_create_refuses_symlink(void **state)
{
	char err[512] = "";
	const char *target = strdup(tmp_path("target"));
	const char *link = tmp_path("link.key");
	struct stat st;

	assert_non_null(target);
	/* A dangling link must not be followed to create its target. */
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(nxm_keyring_create(link, err, sizeof(err)), -1);
	assert_int_equal(stat(target, &st), -1);
	free((void *)target);
}

static void
test_load_valid(void **state)
{
	struct nxm_keyring ring;
	char err[512] = "";
	const char *path = test_write_file("two.key",
	                                   "# comment\n"
	                                   "\n"
	                                   "nxk1 key-A_01 " SECRET_A "\n"
	                                   "nxk1\tkeyB0002\t" SECRET_B "\n",
	                                   0600);
	unsigned char want[NXM_KEY_LEN];

	assert_int_equal(nxm_keyring_load(path, &ring, err, sizeof(err)), 0);
	assert_int_equal(ring.n, 2);
	/* File order is kept: the first key signs. */
	assert_string_equal(ring.keys[0].id, "key-A_01");
	assert_string_equal(ring.keys[1].id, "keyB0002");
	for (int i = 0; i < NXM_KEY_LEN; i++)
		want[i] = (unsigned char)i;
	assert_memory_equal(ring.keys[0].secret, want, NXM_KEY_LEN);
	memset(want, 0xff, sizeof(want));
	assert_memory_equal(ring.keys[1].secret, want, NXM_KEY_LEN);
	assert_ptr_equal(nxm_keyring_find(&ring, "keyB0002"), &ring.keys[1]);
	assert_ptr_equal(nxm_keyring_find(&ring, "key-A_01"), &ring.keys[0]);
	assert_null(nxm_keyring_find(&ring, "keyB000"));
	assert_null(nxm_keyring_find(&ring, "keyb0002"));
	assert_null(nxm_keyring_find(&ring, ""));
	nxm_keyring_wipe(&ring);
}

static void
test_load_mode(void **state)
{
	static const char text[] = "nxk1 abcdefgh " SECRET_A "\n";

	assert_load_fails(text, 0640, "chmod 600", "640");
	assert_load_fails(text, 0604, "chmod 600", "604");
	assert_load_fails(text, 0660, "chmod 600", NULL);
	assert_load_fails(text, 0601, "chmod 600", NULL);
	assert_load_fails(text, 0620, "chmod 600", NULL);
}

static void
test_load_read_only_ok(void **state)
{
	struct nxm_keyring ring;
	char err[512];
	const char *path = test_write_file("ro.key", "nxk1 abcdefgh " SECRET_A "\n", 0400);

	/* Owner-only read is the tightest sensible mode and must work. */
	assert_int_equal(nxm_keyring_load(path, &ring, err, sizeof(err)), 0);
	assert_int_equal(ring.n, 1);
	nxm_keyring_wipe(&ring);
}

static void
test_load_symlink(void **state)
{
	struct nxm_keyring ring;
	char err[512] = "";
	const char *real =
	        strdup(test_write_file("real.key", "nxk1 abcdefgh " SECRET_A "\n", 0600));
	const char *link = tmp_path("via-link.key");

	assert_non_null(real);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(nxm_keyring_load(link, &ring, err, sizeof(err)), -1);
	assert_non_null(strstr(err, link));
	assert_int_equal(ring.n, 0);
	/* The target itself loads, so the link is what was refused. */
	assert_int_equal(nxm_keyring_load(real, &ring, err, sizeof(err)), 0);
	nxm_keyring_wipe(&ring);
	free((void *)real);
}

static void
test_load_not_regular(void **state)
{
	struct nxm_keyring ring;
	char err[512] = "";

	assert_int_equal(nxm_keyring_load(tmpdir, &ring, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(nxm_keyring_load(tmp_path("absent.key"), &ring, err, sizeof(err)), -1);
	assert_non_null(strstr(err, strerror(ENOENT)));
}

static void
test_load_malformed(void **state)
{
	/* Each names the line, counting comments and blank lines. */
	assert_load_fails("nxk1 abcdefgh\n", 0600, ":1: malformed key line", NULL);
	assert_load_fails("# server key\n\nnxk1 abcdefgh " SECRET_A " extra\n", 0600,
	                  ":3: malformed key line", NULL);
	assert_load_fails("nxk2 abcdefgh " SECRET_A "\n", 0600, ":1: malformed", NULL);
	assert_load_fails("NXK1 abcdefgh " SECRET_A "\n", 0600, ":1: malformed", NULL);
	assert_load_fails(" nxk1x abcdefgh " SECRET_A "\n", 0600, ":1: malformed", NULL);
	/* Identifiers are exactly 8 base64url characters. */
	assert_load_fails("nxk1 abcdefg " SECRET_A "\n", 0600, ":1: malformed", NULL);
	assert_load_fails("nxk1 abcdefghi " SECRET_A "\n", 0600, ":1: malformed", NULL);
	assert_load_fails("nxk1 abcd+fgh " SECRET_A "\n", 0600, ":1: malformed", NULL);
	/* Secrets are exactly 32 bytes of strict base64url. */
	assert_load_fails("nxk1 abcdefgh AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", 0600,
	                  ":1: malformed", NULL);
	assert_load_fails("nxk1 abcdefgh AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", 0600,
	                  ":1: malformed", NULL);
	assert_load_fails("nxk1 abcdefgh " SECRET_A "=\n", 0600, ":1: malformed", NULL);
	assert_load_fails("nxk1 abcdefgh AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9\n", 0600,
	                  ":1: malformed", NULL);
	assert_load_fails("nxk1 abcdefgh " SECRET_A "\nnxk1 short " SECRET_B "\n", 0600,
	                  ":2: malformed", NULL);
}

static void
test_load_too_many(void **state)
{
	struct nxm_keyring ring;
	struct nxm_buf b = {0};
	char err[512];
	const char *path;

	for (int i = 0; i < NXM_KEYRING_MAX; i++)
		assert_int_equal(nxm_buf_printf(&b, "nxk1 key%05d %s\n", i, SECRET_A), 0);
	path = test_write_file("eight.key", b.data, 0600);
	assert_int_equal(nxm_keyring_load(path, &ring, err, sizeof(err)), 0);
	assert_int_equal(ring.n, NXM_KEYRING_MAX);
	assert_ptr_equal(nxm_keyring_find(&ring, "key00007"), &ring.keys[7]);
	nxm_keyring_wipe(&ring);
	assert_int_equal(nxm_buf_printf(&b, "nxk1 key%05d %s\n", 8, SECRET_B), 0);
	assert_load_fails(b.data, 0600, ":9: more than 8 keys", NULL);
	nxm_buf_free(&b);
}

static void
test_load_empty(void **state)
{
	assert_load_fails("", 0600, "no key in key file", NULL);
	assert_load_fails("# only a comment\n\n", 0600, "no key in key file", NULL);
}

static void
test_load_too_large(void **state)
{
	struct nxm_buf b = {0};

	/* Comments alone can make a file too large to be a key file. */
	while (b.len <= NXM_KEYFILE_MAX)
		assert_int_equal(nxm_buf_puts(&b, "# padding padding padding padding\n"), 0);
	assert_load_fails(b.data, 0600, "too large", NULL);
	nxm_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_then_load),
	        cmocka_unit_test(test_create_is_random),
	        cmocka_unit_test(test_create_refuses_overwrite),
	        cmocka_unit_test(test_create_refuses_symlink),
	        cmocka_unit_test(test_load_valid),
	        cmocka_unit_test(test_load_mode),
	        cmocka_unit_test(test_load_read_only_ok),
	        cmocka_unit_test(test_load_symlink),
	        cmocka_unit_test(test_load_not_regular),
	        cmocka_unit_test(test_load_malformed),
	        cmocka_unit_test(test_load_too_many),
	        cmocka_unit_test(test_load_empty),
	        cmocka_unit_test(test_load_too_large),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
