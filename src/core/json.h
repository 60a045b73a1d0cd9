/* jansson's memory: every block it frees is wiped first. Parsed requests
 * and built responses carry access tokens, client secrets, the Nexudus
 * token and, once resolved, members' personal data; none of it is left
 * behind in freed memory. */
#ifndef NXM_CORE_JSON_H
#define NXM_CORE_JSON_H

/* Installs the wiping allocator. Call once, before any jansson value is
 * made (jansson must free a value with the allocator that made it). */
void nxm_json_init(void);
/* Frees, wiped, a string jansson made (json_dumps): it comes from
 * jansson's allocator, so free() is not the way, whichever is installed. */
void nxm_json_free_string(char *s);

#endif
