/* Replays every file of a fuzz target's corpus through the target, so make
 * check catches regressions on inputs the fuzzer once found interesting,
 * with whatever sanitizers the build has. */
#include "autoconfig.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	int rc = -1;

	if (fp == NULL)
		return -1;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0)
		goto out;
	/* A heap copy of exactly n bytes lets ASan see reads past the end. */
	if ((buf = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		goto out;
	if (n > 0 && fread(buf, 1, (size_t)n, fp) != (size_t)n)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	rc = 0;
out:
	free(buf);
	fclose(fp);
	return rc;
}

int
main(void)
{
	char dir[4096], path[8192];
	struct dirent *e;
	DIR *d;
	int count = 0;

	snprintf(dir, sizeof(dir), "%s/%s", FUZZ_CORPUS_DIR, FUZZ_NAME);
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (replay_file(path) == -1) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			closedir(d);
			return 1;
		}
		count++;
	}
	closedir(d);
	printf("replayed %d inputs from %s\n", count, dir);
	/* An empty corpus would make this test pass without testing anything. */
	return count > 0 ? 0 : 1;
}
