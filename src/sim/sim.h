/* The Nexudus simulator: the REST surface of spaces.nexudus.com served from
 * a local sqlite database, for tests and demos. It shares only the core
 * library and the catalog with the gateway it stands in front of.
 *
 * It is a small standalone HTTP/1.1 server on loopback rather than a
 * FastCGI program: it plays a remote API, so the gateway reaches it through
 * an upstream URL exactly as it reaches Nexudus, and it needs no web-server
 * configuration of its own. Each connection is served by a forked child, so
 * an injected slow answer delays only its own caller. */
#ifndef NXM_SIM_H
#define NXM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/http.h"
#include "nexudus/catalog.h"

#define SIM_TOKEN_LIFETIME   604799 /* what Nexudus answers: about 7 days */
#define SIM_PAGE_SIZE_MAX    1000
#define SIM_PAGE_SIZE_DEF    25
#define SIM_DEFAULT_SEED     42
#define SIM_DEMO_ADMIN_EMAIL "admin@demo.nexudus.test"
#define SIM_DEMO_PASSWORD    "demo-password-2026"
#define SIM_TOTP_SECRET      "JBSWY3DPEHPK3PXP"

struct sim {
	sqlite3 *db;
	time_t (*now)(void);
	/* The account behind the current request, once authenticated. */
	int64_t account_id;
	char account_email[256];
	char account_roles[512];
};

/* A deterministic generator (splitmix64) for the seed data. */
struct sim_rng {
	uint64_t state;
};

uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n). */
uint32_t sim_rng_below(struct sim_rng *r, uint32_t n);

/* store.c: the simulator's own database. */
int sim_store_open(struct sim *s, const char *path, char *err, size_t errlen);
void sim_store_close(struct sim *s);
int sim_store_begin(struct sim *s);
int sim_store_commit(struct sim *s);
void sim_store_rollback(struct sim *s);
/* Records are JSON objects keyed by (entity, Id). */
json_t *sim_record_get(struct sim *s, const struct nxm_entity *e, int64_t id);
int sim_record_put(struct sim *s, const struct nxm_entity *e, int64_t id, json_t *rec);
int sim_record_delete(struct sim *s, const struct nxm_entity *e, int64_t id, bool *found);
/* Every record of an entity, ordered by Id (new array). */
json_t *sim_record_all(struct sim *s, const struct nxm_entity *e);
int64_t sim_record_next_id(struct sim *s, const struct nxm_entity *e);
int sim_setting_get(struct sim *s, const char *key, char *out, size_t outsz);
int sim_setting_set(struct sim *s, const char *key, const char *value);

/* Times in Nexudus's format: "2026-11-26T14:05:00Z". */
void sim_time_format(time_t t, char out[32]);

/* auth.c: /api/token and bearer checks. */
void sim_auth_token(struct sim *s, const struct nxm_request *req, struct nxm_response *resp);
/* 0 when the bearer token is good and the account may call the API;
 * otherwise the 401 is already in resp. */
int sim_auth_check(struct sim *s, const struct nxm_request *req, struct nxm_response *resp);
/* Whether the signed-in account's roles allow "<Singular>-<Op>". */
bool sim_auth_allows(const struct sim *s, const struct nxm_entity *e, const char *op);
int sim_auth_set_password(struct sim *s, const char *email, const char *password, char *err,
                          size_t errlen);
int sim_auth_add_account(struct sim *s, int64_t user_id, const char *email, const char *password,
                         bool is_admin, bool api_access, const char *totp_secret,
                         const char *roles);
/* The current RFC 6238 code for an account with two-factor, for tests. */
int sim_auth_totp_now(struct sim *s, const char *email, char out[7]);
int sim_totp_code(const unsigned char *key, size_t keylen, uint64_t counter, char out[7]);

/* api.c: the generic entity endpoints. */
void sim_api_entity(struct sim *s, const struct nxm_entity *e, const char *rest,
                    const struct nxm_request *req, struct nxm_response *resp);
/* Adds Id, UniqueId, CreatedOn, UpdatedOn, UpdatedBy, IsNew, SystemId and
 * the …Local twins of every time field; copies the names of referenced
 * records (CoworkerId → CoworkerFullName …). rng, when given, makes the
 * UniqueId deterministic (seeding). */
int sim_api_stamp(struct sim *s, const struct nxm_entity *e, json_t *rec, int64_t id, bool creating,
                  time_t when, const char *by, struct sim_rng *rng);
/* Time-zone offset, in minutes, of a SimpleTimeZoneId the simulator knows. */
int sim_timezone_offset(long long zone_id);
/* Fields of a list record: collection fields removed (new reference). */
json_t *sim_api_list_view(const struct nxm_entity *e, json_t *rec);

/* faults.c: injected faults, throttling and rate limits. */
/* Returns true when a fault answered (resp filled); *drop asks the server to
 * close the connection without an answer; *delay_ms to wait first. */
bool sim_faults_apply(struct sim *s, const struct nxm_request *req, struct nxm_response *resp,
                      bool *drop, unsigned *delay_ms);
void sim_faults_admin(struct sim *s, const struct nxm_request *req, struct nxm_response *resp);
/* For DELETE: the "200 with WasSuccessful false" fault. */
bool sim_faults_take(struct sim *s, const char *kind);

/* seed.c */
int sim_seed(struct sim *s, uint64_t seed, time_t anchor, char *err, size_t errlen);
/* Prints every seeded personal value, one per line. */
int sim_list_pii(struct sim *s, FILE *out);

/* router.c: one request in, one response out. */
void sim_handle(struct sim *s, const struct nxm_request *req, struct nxm_response *resp, bool *drop,
                unsigned *delay_ms);

/* Nexudus's envelopes. */
int sim_reply_message(struct nxm_response *resp, int status, const char *message);
int sim_reply_mutation(struct nxm_response *resp, const char *message, json_t *value);
int sim_reply_validation(struct nxm_response *resp, json_t *errors);

#endif
