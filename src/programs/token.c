/* The token program: see DESIGN.md §1 for the paths it answers. */
#include "autoconfig.h"

#include "oauth/programs.h"
#include "programs/adapter.h"

int
main(int argc, char **argv)
{
	return nxm_adapter_main(&nxm_token_program, argc, argv);
}
