/* Tool arguments bound for Nexudus: list filters and ranges, record field
 * values, command parameters, and the personal-data tokens in them
 * (DESIGN.md §6).
 *
 * Tools validate and word their refusals on the arguments as the client
 * sent them; a token becomes its value only here, as the upstream request
 * is built, and only where a personal value belongs (a filter or a field
 * that holds personal data), so a resolved value never reaches a message
 * and cannot be laundered through a field that is shown in clear.
 *
 * In a session with redaction on, what could confirm a guess one character
 * at a time is refused or narrowed: a filter on a personal field matches
 * the whole value only (Nexudus matches substrings, so the records it
 * returns are checked here), ranges and ordering on personal fields are
 * refused, and a personal field whose values are few (an enum, a date, a
 * number) is filtered by token only. */
#ifndef NXM_MCP_ARGS_H
#define NXM_MCP_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/util.h"
#include "mcp/dispatch.h"
#include "nexudus/catalog.h"

#define NXM_ARGS_EXACT_MAX 8

/* The filters a list must match whole, checked on what Nexudus returns. */
struct nxm_args_exact {
	const struct nxm_field *field[NXM_ARGS_EXACT_MAX];
	char *value[NXM_ARGS_EXACT_MAX]; /* resolved: wiped and freed by clear */
	size_t n;
};

enum nxm_args_bound {
	NXM_ARGS_EQUAL, /* filters: <Singular>_<Field>=value */
	NXM_ARGS_FROM,  /* from_<Singular>_<Field> */
	NXM_ARGS_TO,    /* to_<Singular>_<Field> */
};

/* Appends "&<prefix><Singular>_<Field>=value" to q for every member of obj
 * ({Field: value}; NULL: none), resolving tokens. Filters that must match
 * whole are added to exact. -1 with err set on a refusal. */
int nxm_args_filters(struct nxm_mcp_ctx *ctx, const struct nxm_entity *e, json_t *obj,
                     enum nxm_args_bound bound, struct nxm_buf *q, struct nxm_args_exact *exact,
                     char *err, size_t errlen);
/* Whether a list may be ordered by field (redaction on: not by a personal
 * one); false with err set. */
bool nxm_args_order_allowed(struct nxm_mcp_ctx *ctx, const struct nxm_entity *e,
                            const char *field, char *err, size_t errlen);
/* Keeps, of the records of a list envelope, those that match every exact
 * filter, and rewrites the envelope's counts to say what it then holds. */
int nxm_args_keep_exact(json_t *envelope, const struct nxm_args_exact *exact);
void nxm_args_exact_clear(struct nxm_args_exact *exact);

/* A copy of a record's {Field: value} with tokens resolved, for a create
 * or an update; NULL with err set when a token stands in a field that
 * holds no personal data, or is unknown. */
json_t *nxm_args_fields(struct nxm_mcp_ctx *ctx, const struct nxm_entity *e, json_t *fields,
                        char *err, size_t errlen);
/* -1 with err set when v holds a token anywhere: what that argument names
 * is no field, so no personal value belongs there. */
int nxm_args_no_tokens(json_t *v, const char *what, char *err, size_t errlen);

#endif
