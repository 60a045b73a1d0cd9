/* The route table of the mcp program. */
#ifndef NXM_MCP_PROGRAM_H
#define NXM_MCP_PROGRAM_H

#include "core/route.h"

extern const struct nxm_program nxm_mcp_program;

#endif
