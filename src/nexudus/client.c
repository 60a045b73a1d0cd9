#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <curl/curl.h>

#include <jansson.h>
#include <strings.h>

#include "core/form.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "nexudus/client.h"

static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
	return size * n;
}

/* Proxy settings come from the configuration only: libcurl would otherwise
 * honour http_proxy from whatever environment the web server gave us. */
static int
set_common(CURL *h, const struct nxm_config *cfg)
{
	return curl_easy_setopt(h, CURLOPT_PROXY, cfg->upstream_proxy ? cfg->upstream_proxy : "") !=
	                               CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http") !=
	                               CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)NXM_NEXUDUS_TIMEOUT_S) !=
	                               CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	                                        (long)NXM_NEXUDUS_TIMEOUT_S) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	                       curl_easy_setopt(h, CURLOPT_USERAGENT, "nexmcp/" PACKAGE_VERSION) !=
	                               CURLE_OK
	               ? -1
	               : 0;
}

int
nxm_nexudus_probe(const struct nxm_config *cfg, long *http_status, char *err, size_t errlen)
{
	char url[2048];
	CURL *h = NULL;
	CURLcode cc;
	int rc = -1;

	*http_status = 0;
	if (snprintf(url, sizeof(url), "%s/", cfg->upstream) >= (int)sizeof(url)) {
		snprintf(err, errlen, "upstream URL too long");
		return -1;
	}
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	if (set_common(h, cfg) == -1 || curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK) {
		snprintf(err, errlen, "cannot configure libcurl");
		goto out;
	}
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", cfg->upstream, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http_status);
	rc = 0;
out:
	curl_easy_cleanup(h);
	return rc;
}

static size_t
collect(char *p, size_t size, size_t n, void *ctx)
{
	struct nxm_buf *b = ctx;

	/* Nexudus pages are small; anything past 8 MiB is not an answer. */
	if (b->len + size * n > 8u * 1024 * 1024 || nxm_buf_append(b, p, size * n) == -1)
		return 0;
	return size * n;
}

struct answer {
	long status;
	long retry_after; /* seconds, -1 when not given */
	struct nxm_buf *body;
};

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;
	size_t len = size * n;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char num[16];
		snprintf(num, sizeof(num), "%.*s", (int)(len - 12 < 15 ? len - 12 : 15), p + 12);
		a->retry_after = strtol(num, NULL, 10);
	}
	return len;
}

/* One request; a->status is 0 when no HTTP answer came. */
static int
call_ex(const struct nxm_config *cfg, const char *method, const char *url, const char *ctype,
        const char *payload, const char *bearer, struct answer *a)
{
	struct curl_slist *hdrs = NULL;
	struct nxm_buf auth = {0}, ct = {0};
	CURL *h = curl_easy_init();
	CURLcode cc;
	int rc = -1;

	a->status = 0;
	a->retry_after = -1;
	if (h == NULL)
		return -1;
	if (set_common(h, cfg) == -1 || curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, a->body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, a) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK)
		goto out;
	if ((hdrs = curl_slist_append(hdrs, "Accept: application/json")) == NULL)
		goto out;
	if (bearer != NULL) {
		if (nxm_buf_printf(&auth, "Authorization: Bearer %s", bearer) == -1 ||
		    (hdrs = curl_slist_append(hdrs, auth.data)) == NULL)
			goto out;
	}
	if (payload != NULL && (curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload) != CURLE_OK ||
	                        nxm_buf_printf(&ct, "Content-Type: %s", ctype) == -1 ||
	                        (hdrs = curl_slist_append(hdrs, ct.data)) == NULL))
		goto out;
	if (curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK)
		goto out;
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		nxm_log_warn("%s: %s", cfg->upstream, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
	rc = 0;
out:
	curl_slist_free_all(hdrs); /* the header list held the bearer token */
	nxm_buf_free(&auth);
	nxm_buf_free(&ct);
	curl_easy_cleanup(h);
	return rc;
}

static int
call(const struct nxm_config *cfg, const char *url, const char *form, const char *bearer,
     long *status, struct nxm_buf *body)
{
	struct answer a = {.body = body};
	int rc = call_ex(cfg, form ? "POST" : "GET", url, "application/x-www-form-urlencoded", form,
	                 bearer, &a);

	*status = a.status;
	return rc;
}

/* Nexudus throttles with 409 and Retry-After (documented) or with 429 and a
 * body saying "Wait N seconds" (seen); both give the wait. */
static long
throttle_wait(const struct answer *a)
{
	const char *w;

	if (a->retry_after >= 0)
		return a->retry_after;
	if (a->body->data != NULL && (w = strstr(a->body->data, "Wait ")) != NULL)
		return strtol(w + 5, NULL, 10);
	return 1;
}

int
nxm_nexudus_request(const struct nxm_config *cfg, const char *token, const char *method,
                    const char *path, json_t *payload, struct nxm_nexudus_reply *r)
{
	struct nxm_buf url = {0}, body = {0};
	struct answer a = {.body = &body};
	char *text = NULL;
	long waited = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (nxm_buf_printf(&url, "%s%s", cfg->upstream, path) == -1 ||
	    (payload != NULL && (text = json_dumps(payload, JSON_COMPACT)) == NULL))
		goto out;
	for (int attempt = 0;; attempt++) {
		nxm_buf_reset(&body);
		body.len = 0;
		if (call_ex(cfg, method, url.data, "application/json", text, token, &a) == -1) {
			snprintf(r->error, sizeof(r->error), "Nexudus could not be reached (%s)",
			         cfg->upstream);
			r->status = 0;
			rc = 0;
			goto out;
		}
		if ((a.status == 409 || a.status == 429) && attempt < NXM_NEXUDUS_RETRIES) {
			long wait = throttle_wait(&a);
			if (wait < 0)
				wait = 1;
			if (waited + wait <= NXM_NEXUDUS_RETRY_BUDGET_S) {
				nxm_log_info("Nexudus asks to wait %ld s (HTTP %ld); retrying",
				             wait, a.status);
				sleep((unsigned)wait);
				waited += wait;
				continue;
			}
		}
		break;
	}
	r->status = a.status;
	r->throttled = a.status == 409 || a.status == 429;
	r->wait_seconds = r->throttled ? throttle_wait(&a) : 0;
	if (body.len > 0)
		r->body = json_loadb(body.data, body.len, 0, NULL);
	if (body.len > 0 && r->body == NULL)
		snprintf(r->error, sizeof(r->error),
		         "Nexudus answered HTTP %ld with a body that is not JSON", a.status);
	rc = 0;
out:
	nxm_json_free_string(text);
	nxm_buf_free(&url);
	nxm_buf_free(&body);
	return rc;
}

void
nxm_nexudus_reply_clear(struct nxm_nexudus_reply *r)
{
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}

static int
append_param(struct nxm_buf *b, const char *name, const char *value)
{
	return (b->len > 0 && nxm_buf_puts(b, "&") == -1) || nxm_buf_puts(b, name) == -1 ||
	                       nxm_buf_puts(b, "=") == -1 || nxm_form_encode(b, value) == -1
	               ? -1
	               : 0;
}

static bool
mentions_two_factor(const char *s)
{
	return s != NULL && (strstr(s, "two-factor") || strstr(s, "two factor") ||
	                     strstr(s, "Two-factor") || strstr(s, "totp") || strstr(s, "2FA"));
}

static enum nxm_nexudus_signin
confirm_admin(const struct nxm_config *cfg, const char *email, struct nxm_nexudus_account *out)
{
	struct nxm_buf url = {0}, body = {0};
	enum nxm_nexudus_signin rc = NXM_SIGNIN_UPSTREAM_ERROR;
	json_t *list = NULL, *rec;
	long status = 0;
	size_t i;

	if (nxm_buf_printf(&url, "%s/api/sys/users?User_Email=", cfg->upstream) == -1 ||
	    nxm_form_encode(&url, email) == -1)
		goto out;
	if (call(cfg, url.data, NULL, out->access_token, &status, &body) == -1) {
		rc = NXM_SIGNIN_UNREACHABLE;
		goto out;
	}
	/* Nexudus refuses members (non-administrators) on the REST API. */
	if (status == 401 || status == 403) {
		rc = NXM_SIGNIN_NOT_ADMIN;
		goto out;
	}
	if (status == 409 || status == 429) {
		rc = NXM_SIGNIN_THROTTLED;
		goto out;
	}
	if (status != 200 || (list = json_loadb(body.data, body.len, 0, NULL)) == NULL)
		goto out;
	rc = NXM_SIGNIN_NOT_ADMIN;
	json_array_foreach(json_object_get(list, "Records"), i, rec)
	{
		const char *e = json_string_value(json_object_get(rec, "Email"));
		if (e == NULL || strcasecmp(e, email) != 0)
			continue;
		if (json_is_true(json_object_get(rec, "IsAdmin")) &&
		    json_is_true(json_object_get(rec, "APIAccess"))) {
			out->user_id = json_integer_value(json_object_get(rec, "Id"));
			rc = NXM_SIGNIN_OK;
		}
		break;
	}
out:
	json_decref(list);
	nxm_buf_free(&url);
	nxm_buf_free(&body);
	return rc;
}

enum nxm_nexudus_signin
nxm_nexudus_sign_in(const struct nxm_config *cfg, const char *email, const char *password,
                    const char *totp, struct nxm_nexudus_account *out)
{
	struct nxm_buf url = {0}, form = {0}, body = {0};
	enum nxm_nexudus_signin rc = NXM_SIGNIN_UPSTREAM_ERROR;
	json_t *answer = NULL;
	const char *token, *desc;
	long status = 0;

	memset(out, 0, sizeof(*out));
	if (nxm_buf_printf(&url, "%s/api/token", cfg->upstream) == -1 ||
	    append_param(&form, "grant_type", "password") == -1 ||
	    append_param(&form, "username", email) == -1 ||
	    append_param(&form, "password", password) == -1 ||
	    (totp != NULL && *totp != '\0' && append_param(&form, "totp", totp) == -1))
		goto out;
	if (call(cfg, url.data, form.data, NULL, &status, &body) == -1) {
		rc = NXM_SIGNIN_UNREACHABLE;
		goto out;
	}
	if (status == 409 || status == 429) {
		rc = NXM_SIGNIN_THROTTLED;
		goto out;
	}
	answer = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
	if (status == 400 && answer != NULL) {
		desc = json_string_value(json_object_get(answer, "error_description"));
		if (mentions_two_factor(desc))
			rc = (totp != NULL && *totp != '\0') ? NXM_SIGNIN_TOTP_WRONG
			                                     : NXM_SIGNIN_TOTP_REQUIRED;
		else
			rc = NXM_SIGNIN_BAD_CREDENTIALS;
		goto out;
	}
	if (status != 200 || answer == NULL ||
	    (token = json_string_value(json_object_get(answer, "access_token"))) == NULL) {
		nxm_log_warn("unexpected answer from %s/api/token: HTTP %ld", cfg->upstream,
		             status);
		goto out;
	}
	if ((out->access_token = strdup(token)) == NULL)
		goto out;
	rc = confirm_admin(cfg, email, out);
out:
	if (rc != NXM_SIGNIN_OK)
		nxm_nexudus_account_clear(out);
	/* The form held the password; the answer held a token. */
	nxm_buf_free(&form);
	nxm_buf_free(&body);
	nxm_buf_free(&url);
	if (answer != NULL) {
		json_object_clear(answer);
		json_decref(answer);
	}
	return rc;
}

void
nxm_nexudus_account_clear(struct nxm_nexudus_account *a)
{
	nxm_str_free_secret(a->access_token);
	memset(a, 0, sizeof(*a));
}
