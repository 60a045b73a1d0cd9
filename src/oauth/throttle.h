/* Failed sign-ins, counted per account and per address in the shared
 * database so that every process of every program sees them. */
#ifndef NXM_OAUTH_THROTTLE_H
#define NXM_OAUTH_THROTTLE_H

#include "core/app.h"

#define NXM_THROTTLE_WINDOW      900 /* seconds */
#define NXM_THROTTLE_ACCOUNT_MAX 5
#define NXM_THROTTLE_ADDRESS_MAX 20

/* Seconds to wait before the next attempt, 0 when allowed, -1 on error. */
long nxm_throttle_wait(struct nxm_app *app, const char *email, const char *address);
void nxm_throttle_failure(struct nxm_app *app, const char *email, const char *address);
void nxm_throttle_success(struct nxm_app *app, const char *email);

#endif
