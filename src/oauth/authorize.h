/* /authorize: the browser-facing start of the authorization code flow. */
#ifndef NXM_OAUTH_AUTHORIZE_H
#define NXM_OAUTH_AUTHORIZE_H

#include "core/route.h"

void nxm_authorize_handle(struct nxm_app *app, const struct nxm_request *req,
                          struct nxm_response *resp);

#endif
