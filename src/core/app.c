#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/db.h"
#include "core/log.h"

static time_t
wall_clock(void)
{
	return time(NULL);
}

static int
check_schema(struct nxm_app *app)
{
	int have = 0, want = nxm_db_latest_version(nxm_migrations, nxm_migrations_count);

	if (nxm_db_schema_version(app->db, &have) == -1) {
		snprintf(app->error, sizeof(app->error), "%s: cannot read schema version",
		         app->cfg.database);
		return -1;
	}
	if (have != want) {
		snprintf(app->error, sizeof(app->error),
		         "%s: schema version %d, this build needs %d: run nexmcpctl migrate",
		         app->cfg.database, have, want);
		return -1;
	}
	return 0;
}

int
nxm_app_open(struct nxm_app *app, const char *config_path, unsigned needs)
{
	memset(app, 0, sizeof(*app));
	app->now = wall_clock;
	if (nxm_config_load(config_path, &app->cfg, app->error, sizeof(app->error)) == -1)
		goto fail;
	nxm_log_set_level(app->cfg.log_level);
	if ((needs & NXM_APP_NEEDS_KEYS) &&
	    nxm_keyring_load(app->cfg.key_file, &app->keys, app->error, sizeof(app->error)) == -1)
		goto fail;
	if (needs & NXM_APP_NEEDS_DB) {
		if (nxm_db_open(app->cfg.database, NXM_DB_READWRITE, &app->db, app->error,
		                sizeof(app->error)) == -1 ||
		    check_schema(app) == -1)
			goto fail;
	}
	app->ready = true;
	return 0;
fail:
	nxm_log_err("not ready: %s", app->error);
	return -1;
}

void
nxm_app_close(struct nxm_app *app)
{
	nxm_db_close(app->db);
	app->db = NULL;
	nxm_keyring_wipe(&app->keys);
	nxm_config_free(&app->cfg);
	app->ready = false;
}
