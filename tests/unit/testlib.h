/* Shared by the unit tests: cmocka plus a few helpers. */
#ifndef NXM_TESTLIB_H
#define NXM_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* Removes a directory of files (one level: what the tests make). */
static inline void
test_remove_dir(const char *dir)
{
	char path[512];
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static char test_dir[64];

static inline void
test_remove_test_dir(void)
{
	test_remove_dir(test_dir);
}

/* Writes text to a fresh file in a private temporary directory, removed
 * with what it holds when the test program exits, and returns its path
 * (static storage, overwritten by the next call). */
static inline const char *
test_write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	char *dir = test_dir;
	FILE *fp;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(test_dir), "/tmp/nxm-test-XXXXXX");
		if (mkdtemp(dir) == NULL || atexit(test_remove_test_dir) != 0)
			abort();
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	if (chmod(path, mode) != 0)
		abort();
	return path;
}

/* Hex string to bytes; returns the length. */
static inline size_t
test_unhex(const char *hex, unsigned char *out, size_t outsz)
{
	size_t n = strlen(hex) / 2;

	if (n > outsz)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (unsigned char)v;
	}
	return n;
}

#endif
