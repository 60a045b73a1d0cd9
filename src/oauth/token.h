/* /token (authorization_code grant only) and /revoke (RFC 7009). */
#ifndef NXM_OAUTH_TOKEN_H
#define NXM_OAUTH_TOKEN_H

#include "core/route.h"

void nxm_token_handle(struct nxm_app *app, const struct nxm_request *req,
                      struct nxm_response *resp);
void nxm_revoke_handle(struct nxm_app *app, const struct nxm_request *req,
                       struct nxm_response *resp);

#endif
