#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/form.h"
#include "core/util.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one component into a fresh string; '+' is a space. */
static enum nxm_form_err
decode_component(const char *s, size_t n, char **out)
{
	char *d = malloc(n + 1);
	size_t o = 0;

	*out = NULL;
	if (d == NULL)
		return NXM_FORM_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (n - i < 3) {
				nxm_wipe(d, o);
				free(d);
				return NXM_FORM_BAD_ESCAPE;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				nxm_wipe(d, o);
				free(d);
				return NXM_FORM_BAD_ESCAPE;
			}
			d[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+') {
			d[o++] = ' ';
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	if (!nxm_utf8_valid_text((unsigned char *)d, o)) {
		nxm_wipe(d, o);
		free(d);
		return NXM_FORM_BAD_CHAR;
	}
	*out = d;
	return NXM_FORM_OK;
}

static void
copy_name(char *dst, size_t dstsz, const char *name)
{
	if (dstsz == 0)
		return;
	dst[0] = '\0';
	if (name == NULL)
		return;
	/* Only printable ASCII is echoed back into error messages. */
	size_t o = 0;
	for (const char *p = name; *p != '\0' && o + 1 < dstsz; p++)
		dst[o++] = (*p > 0x20 && *p < 0x7f) ? *p : '?';
	dst[o] = '\0';
}

enum nxm_form_err
nxm_form_parse(const char *s, size_t len, struct nxm_params *out, char *err_name,
               size_t err_name_size)
{
	enum nxm_form_err err = NXM_FORM_OK;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	copy_name(err_name, err_name_size, NULL);
	if (len > NXM_FORM_MAX_LEN)
		return NXM_FORM_TOO_LONG;
	while (i < len) {
		size_t start = i, eq = SIZE_MAX, end;
		char *name = NULL, *value = NULL;

		while (i < len && s[i] != '&') {
			if (s[i] == '=' && eq == SIZE_MAX)
				eq = i;
			i++;
		}
		end = i++;
		if (end == start)
			continue; /* "a=1&&b=2" and a trailing '&' are harmless */
		if (eq == SIZE_MAX)
			eq = end;
		if (eq == start) {
			err = NXM_FORM_EMPTY_NAME;
			goto fail;
		}
		if (eq - start > NXM_FORM_MAX_NAME) {
			err = NXM_FORM_TOO_LONG;
			goto fail;
		}
		if (out->n >= NXM_FORM_MAX_PARAMS) {
			err = NXM_FORM_TOO_MANY;
			goto fail;
		}
		if ((err = decode_component(s + start, eq - start, &name)) != NXM_FORM_OK)
			goto fail;
		if (*name == '\0') {
			free(name);
			err = NXM_FORM_EMPTY_NAME;
			goto fail;
		}
		if (nxm_params_get(out, name) != NULL) {
			copy_name(err_name, err_name_size, name);
			free(name);
			err = NXM_FORM_DUPLICATE;
			goto fail;
		}
		err = eq < end ? decode_component(s + eq + 1, end - eq - 1, &value)
		               : decode_component("", 0, &value);
		if (err != NXM_FORM_OK) {
			copy_name(err_name, err_name_size, name);
			free(name);
			goto fail;
		}
		out->v[out->n].name = name;
		out->v[out->n].value = value;
		out->n++;
	}
	return NXM_FORM_OK;
fail:
	nxm_params_free(out);
	return err;
}

const char *
nxm_params_get(const struct nxm_params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return p->v[i].value;
	return NULL;
}

void
nxm_params_free(struct nxm_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		nxm_str_free_secret(p->v[i].value);
	}
	memset(p, 0, sizeof(*p));
}

const char *
nxm_form_strerror(enum nxm_form_err err)
{
	switch (err) {
	case NXM_FORM_OK:
		return "no error";
	case NXM_FORM_NOMEM:
		return "out of memory";
	case NXM_FORM_TOO_LONG:
		return "parameters too long";
	case NXM_FORM_TOO_MANY:
		return "too many parameters";
	case NXM_FORM_BAD_ESCAPE:
		return "malformed percent-encoding";
	case NXM_FORM_BAD_CHAR:
		return "control character or invalid UTF-8";
	case NXM_FORM_EMPTY_NAME:
		return "parameter without a name";
	case NXM_FORM_DUPLICATE:
		return "parameter repeated";
	}
	return "unknown error";
}

int
nxm_form_encode(struct nxm_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		char esc[3];
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			if (nxm_buf_append(out, p, 1) == -1)
				return -1;
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		if (nxm_buf_append(out, esc, 3) == -1)
			return -1;
	}
	return 0;
}
