/* The route tables of the login and token programs. */
#ifndef NXM_OAUTH_PROGRAMS_H
#define NXM_OAUTH_PROGRAMS_H

#include "core/route.h"

extern const struct nxm_program nxm_login_program;
extern const struct nxm_program nxm_token_program;

#endif
