/* Removal of expired rows: every temporary table has an expiry column
 * (docs/storage.md), and this is what honours it. */
#ifndef NXM_OAUTH_SWEEP_H
#define NXM_OAUTH_SWEEP_H

#include <sqlite3.h>
#include <time.h>

struct nxm_sweep_counts {
	long clients, client_documents, sessions, auth_codes, mcp_sessions, pii_tokens, login_throttle,
	        audit_log;
};

/* One transaction; returns 0 or -1. */
int nxm_sweep(sqlite3 *db, time_t now, struct nxm_sweep_counts *n);

#endif
