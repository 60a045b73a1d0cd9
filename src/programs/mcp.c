/* The mcp program: see DESIGN.md §1 for the paths it answers. */
#include "autoconfig.h"

#include "mcp/program.h"
#include "programs/adapter.h"

int
main(int argc, char **argv)
{
	return nxm_adapter_main(&nxm_mcp_program, argc, argv);
}
