#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/form.h"
#include "core/header.h"
#include "core/url.h"
#include "core/util.h"

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_token68_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-._~+/", c) != NULL);
}

/* Splits "<scheme> <credentials>" and checks the scheme name. */
static enum nxm_header_err
auth_credentials(const char *value, const char *scheme, const char **cred, size_t *len)
{
	size_t slen = strlen(scheme), n, end;

	if (value == NULL)
		return NXM_HDR_ABSENT;
	n = strnlen(value, NXM_HEADER_MAX_LEN + 1);
	if (n > NXM_HEADER_MAX_LEN)
		return NXM_HDR_TOO_LONG;
	for (size_t i = 0; i < slen; i++) {
		char a = value[i], b = scheme[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b + 32);
		if (a != b)
			return (a == '\0' || is_tchar(value[i])) ? NXM_HDR_WRONG_SCHEME
			                                         : NXM_HDR_MALFORMED;
	}
	if (value[slen] != ' ')
		return is_tchar(value[slen]) ? NXM_HDR_WRONG_SCHEME : NXM_HDR_MALFORMED;
	value += slen;
	while (*value == ' ')
		value++;
	end = strlen(value);
	while (end > 0 && is_ows(value[end - 1]))
		end--;
	if (end == 0)
		return NXM_HDR_MALFORMED;
	*cred = value;
	*len = end;
	return NXM_HDR_OK;
}

enum nxm_header_err
nxm_header_bearer(const char *value, const char **token, size_t *len)
{
	enum nxm_header_err err;
	const char *t;
	size_t n, i = 0;

	if ((err = auth_credentials(value, "Bearer", &t, &n)) != NXM_HDR_OK)
		return err;
	if (n > NXM_BEARER_MAX_LEN)
		return NXM_HDR_TOO_LONG;
	/* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
	while (i < n && is_token68_char(t[i]))
		i++;
	if (i == 0)
		return NXM_HDR_MALFORMED;
	while (i < n && t[i] == '=')
		i++;
	if (i != n)
		return NXM_HDR_MALFORMED;
	*token = t;
	*len = n;
	return NXM_HDR_OK;
}

static enum nxm_header_err
form_decode_one(const char *s, size_t n, char **out)
{
	struct nxm_buf b = {0};
	struct nxm_params p;
	enum nxm_header_err err = NXM_HDR_MALFORMED;

	*out = NULL;
	/* A raw '&' would split "v=<s>" into two parameters and silently drop
	 * the rest of the id or secret; encoded, it is %26. */
	if (memchr(s, '&', n) != NULL)
		return NXM_HDR_MALFORMED;
	/* Reuse the form decoder on "v=<s>" so both paths share one decoder. */
	if (nxm_buf_puts(&b, "v=") == -1 || nxm_buf_append(&b, s, n) == -1) {
		nxm_buf_free(&b);
		return NXM_HDR_NOMEM;
	}
	if (nxm_form_parse(b.data, b.len, &p, NULL, 0) == NXM_FORM_OK) {
		const char *v = nxm_params_get(&p, "v");
		*out = strdup(v != NULL ? v : "");
		err = *out != NULL ? NXM_HDR_OK : NXM_HDR_NOMEM;
		nxm_params_free(&p);
	}
	nxm_buf_free(&b);
	return err;
}

enum nxm_header_err
nxm_header_basic(const char *value, char **id, char **secret)
{
	unsigned char raw[NXM_HEADER_MAX_LEN];
	enum nxm_header_err err;
	const char *c;
	char *colon;
	size_t n, rawlen = 0;

	*id = *secret = NULL;
	if ((err = auth_credentials(value, "Basic", &c, &n)) != NXM_HDR_OK)
		return err;
	if (nxm_b64_decode(c, n, raw, sizeof(raw) - 1, &rawlen) == -1)
		return NXM_HDR_MALFORMED;
	raw[rawlen] = '\0';
	err = NXM_HDR_MALFORMED;
	if (memchr(raw, '\0', rawlen) != NULL || (colon = strchr((char *)raw, ':')) == NULL)
		goto out;
	if ((err = form_decode_one((char *)raw, (size_t)(colon - (char *)raw), id)) != NXM_HDR_OK)
		goto out;
	if ((err = form_decode_one(colon + 1, strlen(colon + 1), secret)) != NXM_HDR_OK)
		goto out;
	if (**id == '\0') {
		err = NXM_HDR_MALFORMED;
		goto out;
	}
	err = NXM_HDR_OK;
out:
	nxm_wipe(raw, sizeof(raw));
	if (err != NXM_HDR_OK) {
		free(*id);
		nxm_str_free_secret(*secret);
		*id = *secret = NULL;
	}
	return err;
}

/* Copies s[0..n) lower-cased and trimmed into out; false if it does not fit. */
static bool
copy_lower_trim(const char *s, size_t n, char *out, size_t outsz)
{
	while (n > 0 && is_ows(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_ows(s[n - 1]))
		n--;
	if (n >= outsz)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	out[n] = '\0';
	return true;
}

static bool
valid_media_type(const char *t)
{
	const char *slash = strchr(t, '/');

	if (slash == NULL || slash == t || slash[1] == '\0')
		return false;
	for (const char *p = t; *p != '\0'; p++)
		if (p != slash && !is_tchar(*p))
			return false;
	return true;
}

/* q-value per RFC 9110 §12.4.2: "0", "0.ddd", "1", "1.000". */
static int
parse_qvalue(const char *s, int *q)
{
	int v = 0, digits = 0;

	if (s[0] != '0' && s[0] != '1')
		return -1;
	v = (s[0] - '0') * 1000;
	if (s[1] == '\0') {
		*q = v;
		return 0;
	}
	if (s[1] != '.')
		return -1;
	for (const char *p = s + 2; *p != '\0'; p++, digits++) {
		if (*p < '0' || *p > '9' || digits >= 3)
			return -1;
		v += (*p - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
	}
	if (v > 1000)
		return -1;
	*q = v;
	return 0;
}

bool
nxm_header_accepts(const char *accept, const char *media_type)
{
	char type[128], want[128], param[64];
	const char *p, *end;
	int items = 0, best = -1, best_spec = -1;

	if (accept == NULL)
		return true;
	if (strnlen(accept, NXM_HEADER_MAX_LEN + 1) > NXM_HEADER_MAX_LEN ||
	    !copy_lower_trim(media_type, strlen(media_type), want, sizeof(want)))
		return false;
	for (p = accept; *p != '\0'; p = *end ? end + 1 : end) {
		const char *semi;
		int q = 1000, spec;

		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (++items > NXM_HEADER_MAX_ITEMS)
			return false;
		semi = memchr(p, ';', (size_t)(end - p));
		if (!copy_lower_trim(p, (size_t)((semi ? semi : end) - p), type, sizeof(type)))
			return false;
		if (type[0] == '\0')
			continue; /* empty list elements are allowed (RFC 9110 §5.6.1) */
		if (!valid_media_type(type))
			return false;
		while (semi != NULL && semi < end) {
			const char *next = memchr(semi + 1, ';', (size_t)(end - semi - 1));
			if (!copy_lower_trim(semi + 1, (size_t)((next ? next : end) - semi - 1),
			                     param, sizeof(param)))
				return false;
			if (strncmp(param, "q=", 2) == 0 && parse_qvalue(param + 2, &q) == -1)
				return false;
			semi = next;
		}
		/* The most specific matching range decides (RFC 9110 §12.5.1). */
		if (strcmp(type, want) == 0)
			spec = 3;
		else if (strcmp(type, "*/*") == 0)
			spec = 1;
		else if (strlen(type) > 2 && strcmp(type + strlen(type) - 2, "/*") == 0 &&
		         strncmp(type, want, strlen(type) - 1) == 0)
			spec = 2;
		else
			continue;
		if (spec > best_spec) {
			best_spec = spec;
			best = q;
		}
	}
	return best > 0;
}

enum nxm_header_err
nxm_header_content_type(const char *value, char *type, size_t typesz, char *charset,
                        size_t charsetsz)
{
	const char *semi, *p;
	char param[128];

	if (value == NULL)
		return NXM_HDR_ABSENT;
	if (strnlen(value, NXM_HEADER_MAX_LEN + 1) > NXM_HEADER_MAX_LEN)
		return NXM_HDR_TOO_LONG;
	semi = strchr(value, ';');
	if (!copy_lower_trim(value, semi ? (size_t)(semi - value) : strlen(value), type, typesz) ||
	    !valid_media_type(type))
		return NXM_HDR_MALFORMED;
	if (charsetsz > 0)
		charset[0] = '\0';
	for (p = semi; p != NULL;) {
		const char *next = strchr(p + 1, ';');
		size_t n = next ? (size_t)(next - p - 1) : strlen(p + 1);
		char *eq;

		if (!copy_lower_trim(p + 1, n, param, sizeof(param)))
			return NXM_HDR_MALFORMED;
		if (param[0] != '\0') {
			if ((eq = strchr(param, '=')) == NULL || eq == param)
				return NXM_HDR_MALFORMED;
			if (strncmp(param, "charset=", 8) == 0) {
				char *v = eq + 1;
				size_t vl = strlen(v);
				if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
					v[vl - 1] = '\0';
					v++;
				}
				if (strlen(v) >= charsetsz || *v == '\0')
					return NXM_HDR_MALFORMED;
				memcpy(charset, v, strlen(v) + 1);
			}
		}
		p = next;
	}
	return NXM_HDR_OK;
}

bool
nxm_header_content_type_is(const char *value, const char *media_type)
{
	char type[128], charset[32];

	if (nxm_header_content_type(value, type, sizeof(type), charset, sizeof(charset)) !=
	    NXM_HDR_OK)
		return false;
	if (!nxm_str_ieq(type, media_type))
		return false;
	return charset[0] == '\0' || strcmp(charset, "utf-8") == 0 || strcmp(charset, "utf8") == 0;
}

enum nxm_header_err
nxm_header_origin(const char *value, char *out, size_t outsz)
{
	struct nxm_url u;
	enum nxm_header_err err = NXM_HDR_MALFORMED;
	char *origin = NULL;

	if (value == NULL)
		return NXM_HDR_ABSENT;
	if (strnlen(value, NXM_HEADER_MAX_LEN + 1) > NXM_HEADER_MAX_LEN)
		return NXM_HDR_TOO_LONG;
	if (nxm_url_parse(value, &u) != 0)
		return NXM_HDR_MALFORMED;
	/* A serialised origin has nothing after the authority. */
	if (u.user != NULL || u.query != NULL || u.fragment != NULL ||
	    (u.path != NULL && strcmp(u.path, "/") != 0) || value[strlen(value) - 1] == '/')
		goto out;
	if ((origin = nxm_url_origin(&u)) == NULL)
		goto out;
	if (strlen(origin) >= outsz) {
		err = NXM_HDR_TOO_LONG;
		goto out;
	}
	memcpy(out, origin, strlen(origin) + 1);
	err = NXM_HDR_OK;
out:
	free(origin);
	nxm_url_free(&u);
	return err;
}

const char *
nxm_header_strerror(enum nxm_header_err err)
{
	switch (err) {
	case NXM_HDR_OK:
		return "no error";
	case NXM_HDR_ABSENT:
		return "header absent";
	case NXM_HDR_TOO_LONG:
		return "header too long";
	case NXM_HDR_MALFORMED:
		return "header malformed";
	case NXM_HDR_WRONG_SCHEME:
		return "wrong authentication scheme";
	case NXM_HDR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}
