/* The upstream Nexudus REST client (libcurl). This first piece only probes
 * reachability for `nexmcpctl check`. */
#ifndef NXM_NEXUDUS_CLIENT_H
#define NXM_NEXUDUS_CLIENT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/config.h"

#define NXM_NEXUDUS_TIMEOUT_S 5

/* Sends GET <upstream>/ and reports the HTTP
 * status. Any HTTP answer means reachable; returns -1 with the cause in err
 * when none came (DNS, TCP, TLS, timeout). */
int nxm_nexudus_probe(const struct nxm_config *cfg, long *http_status, char *err, size_t errlen);

#endif

#define NXM_NEXUDUS_RETRIES        3
#define NXM_NEXUDUS_RETRY_BUDGET_S 10

struct nxm_nexudus_reply {
	long status;       /* 0: no HTTP answer (error says why) */
	json_t *body;      /* parsed JSON, NULL when none or not JSON */
	bool throttled;    /* 409 or 429 after the retries */
	long wait_seconds; /* what Nexudus asked for, when throttled */
	char error[256];
};

/* One REST call (path starting with /api/), JSON in and out, throttling
 * answers retried within NXM_NEXUDUS_RETRIES tries and
 * NXM_NEXUDUS_RETRY_BUDGET_S seconds of waiting. Returns -1 only on local
 * failures; every upstream outcome is in r. */
int nxm_nexudus_request(const struct nxm_config *cfg, const char *token, const char *method,
                        const char *path, json_t *payload, struct nxm_nexudus_reply *r);
void nxm_nexudus_reply_clear(struct nxm_nexudus_reply *r);

enum nxm_nexudus_signin {
	NXM_SIGNIN_OK = 0,
	NXM_SIGNIN_BAD_CREDENTIALS,
	NXM_SIGNIN_TOTP_REQUIRED,
	NXM_SIGNIN_TOTP_WRONG,
	NXM_SIGNIN_NOT_ADMIN,
	NXM_SIGNIN_THROTTLED,
	NXM_SIGNIN_UNREACHABLE,
	NXM_SIGNIN_UPSTREAM_ERROR,
};

struct nxm_nexudus_account {
	char *access_token; /* wiped by nxm_nexudus_account_clear */
	int64_t user_id;
};

/* POST /api/token (password grant, with the two-factor code when given),
 * then GET /api/sys/users?User_Email=… to confirm an administrator with API
 * access. The password is only sent, never kept. */
enum nxm_nexudus_signin nxm_nexudus_sign_in(const struct nxm_config *cfg, const char *email,
                                            const char *password, const char *totp,
                                            struct nxm_nexudus_account *out);
void nxm_nexudus_account_clear(struct nxm_nexudus_account *a);
