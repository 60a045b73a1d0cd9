/* Authorization codes: 256-bit, stored as SHA-256, single use, 60 s, bound
 * to the client, the redirect URI and the PKCE challenge. The session's
 * token secret rides along sealed under a key derived from the code. */
#ifndef NXM_OAUTH_CODE_H
#define NXM_OAUTH_CODE_H

#include <stdbool.h>

#include "core/app.h"
#include "oauth/session.h"

#define NXM_CODE_LIFETIME 60

enum nxm_code_err {
	NXM_CODE_OK = 0,
	NXM_CODE_UNKNOWN, /* never issued, expired and swept, or malformed */
	NXM_CODE_EXPIRED,
	NXM_CODE_REPLAYED, /* used before: its session is revoked */
	NXM_CODE_MISMATCH, /* client, redirect URI or PKCE verifier differ */
	NXM_CODE_ERROR,
};

/* RFC 7636 §4.1: 43 to 128 unreserved characters, for both the challenge
 * (S256 gives 43) and the verifier. */
bool nxm_pkce_string_ok(const char *s);

int nxm_code_issue(struct nxm_app *app, const unsigned char sid[NXM_SESSION_ID_BYTES],
                   const unsigned char secret[NXM_TOKEN_SECRET_LEN], const char *client_id,
                   const char *redirect_uri, const char *challenge, char *code, size_t codesz);
/* Checks and consumes a code; on success fills the token claims. *why says
 * which binding failed, for the error description. */
enum nxm_code_err nxm_code_redeem(struct nxm_app *app, const char *code, const char *client_id,
                                  const char *redirect_uri, const char *verifier,
                                  struct nxm_token_claims *claims, const char **why);

#endif
