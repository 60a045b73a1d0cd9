/* jansson's memory: every block it frees is wiped first. Parsed requests
 * and built responses carry access tokens, client secrets, the Nexudus
 * token and, once resolved, members' personal data; none of it is left
 * behind in freed memory. */
#ifndef NXM_CORE_JSON_H
#define NXM_CORE_JSON_H

#include <stdbool.h>

/* Installs the wiping free. Blocks stay malloc's, so it may be called at
 * any time; false where the C library cannot tell a block's size (jansson
 * then frees without wiping). */
bool nxm_json_init(void);
/* Frees, wiped, a string jansson made (json_dumps). */
void nxm_json_free_string(char *s);

#endif
