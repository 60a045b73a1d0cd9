/* Fuzz target: nexmcp.conf parsing (through a temporary file, as in use). */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/nxm-fuzz-config-XXXXXX", err[NXM_CONFIG_ERRLEN];
	struct nxm_config cfg;
	int fd = mkstemp(path);

	if (fd == -1)
		return 0;
	if (write(fd, data, size) == (ssize_t)size &&
	    nxm_config_load(path, &cfg, err, sizeof(err)) == 0)
		nxm_config_free(&cfg);
	close(fd);
	unlink(path);
	return 0;
}
