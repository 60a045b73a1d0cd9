/* What a program needs to answer requests: its configuration, the server
 * keys and the database, opened once per process. */
#ifndef NXM_CORE_APP_H
#define NXM_CORE_APP_H

#include <stdbool.h>
#include <time.h>

#include <sqlite3.h>

#include "core/config.h"
#include "core/keyring.h"

enum nxm_app_needs {
	NXM_APP_NEEDS_CONFIG = 0,
	NXM_APP_NEEDS_KEYS = 1u << 0,
	NXM_APP_NEEDS_DB = 1u << 1,
};

struct nxm_app {
	struct nxm_config cfg;
	struct nxm_keyring keys;
	sqlite3 *db;
	bool ready;          /* false: every request answers 503 */
	char error[512];     /* why it is not ready; logged, never sent */
	time_t (*now)(void); /* replaceable clock for tests */
};

/* Loads what `needs` asks for. On failure the app is not ready and error
 * says why; the caller keeps serving 503s rather than crash-looping. */
int nxm_app_open(struct nxm_app *app, const char *config_path, unsigned needs);
void nxm_app_close(struct nxm_app *app);

#endif
