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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* Writes text to a fresh file in a private temporary directory and returns
 * its path (static storage, overwritten by the next call). */
static inline const char *
test_write_file(const char *name, const char *text, mode_t mode)
{
	static char dir[64], path[256];
	FILE *fp;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/nxm-test-XXXXXX");
		if (mkdtemp(dir) == NULL)
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
