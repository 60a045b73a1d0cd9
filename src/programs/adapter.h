/* The one piece of code that talks to libfcgi: an FCGX_Accept_r loop when
 * started by a web server as FastCGI, one request from the environment and
 * stdin when started as plain CGI. */
#ifndef NXM_PROGRAMS_ADAPTER_H
#define NXM_PROGRAMS_ADAPTER_H

#include "core/route.h"

int nxm_adapter_main(const struct nxm_program *prog, int argc, char **argv);

#endif
