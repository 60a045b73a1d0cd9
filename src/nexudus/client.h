/* The upstream Nexudus REST client (libcurl). This first piece only probes
 * reachability for `nexmcpctl check`. */
#ifndef NXM_NEXUDUS_CLIENT_H
#define NXM_NEXUDUS_CLIENT_H

#include <stddef.h>

#include "core/config.h"

#define NXM_NEXUDUS_TIMEOUT_S 5

/* Sends GET <upstream>/ and reports the HTTP
 * status. Any HTTP answer means reachable; returns -1 with the cause in err
 * when none came (DNS, TCP, TLS, timeout). */
int nxm_nexudus_probe(const struct nxm_config *cfg, long *http_status, char *err, size_t errlen);

#endif
