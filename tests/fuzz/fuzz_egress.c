/* Fuzz target: the egress filter's normal form and matcher on any bytes.
 * The input is a few values (lines up to the first empty line) and a text
 * (the rest); the values are given to the filter as met by the request,
 * and the text is filtered as JSON and as plain text. Checked, and any
 * break aborts:
 * - symbols stay within the text, in order, and are never more than its
 *   bytes, as JSON string content and as plain text;
 * - a JSON text stays JSON (a filtered answer is still parsed by the
 *   client), filtered once or twice (a second pass may replace more, where
 *   a token now bounds a short value, never less). */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/util.h"
#include "pii/egress.h"
#include "pii/normal.h"
#include "pii/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct nxm_pii_egress_session sess = {
        .id = "fuzz", .key = (const unsigned char *)"0123456789abcdef0123456789abcdef"};

static void
check_symbols(const char *text, size_t len, bool escaped)
{
	struct nxm_pii_syms y = {0};

	if (nxm_pii_syms_reserve(&y, len) == -1)
		return;
	nxm_pii_normalize(text, len, escaped, &y);
	if (y.n > len)
		abort();
	for (size_t i = 0; i < y.n; i++)
		if (y.start[i] >= y.end[i] || y.end[i] > len ||
		    (i > 0 && y.start[i] < y.start[i - 1]))
			abort();
	nxm_pii_syms_free(&y);
}

/* The values: each line (up to 200 bytes) before the first empty one, in
 * a category picked by its first byte. */
static struct nxm_pii_seen *
values_of(const char *s, size_t len, size_t *text_at)
{
	struct nxm_pii_seen *seen = nxm_pii_seen_new();
	size_t pos = 0, n = 0;

	while (seen != NULL && pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - s) : len;
		char token[NXM_PII_TOKEN_MAX], hex[9], value[201];
		enum nxm_pii cat;
		if (end == pos) {
			pos++;
			break;
		}
		if (end - pos <= 200 && memchr(s + pos, '\0', end - pos) == NULL && n < 64) {
			cat = (enum nxm_pii)(1 + (unsigned char)s[pos] % (NXM_PII_COUNT - 1));
			snprintf(hex, sizeof(hex), "%08zx", n++);
			memcpy(value, s + pos, end - pos);
			value[end - pos] = '\0';
			if (nxm_pii_token_format(cat, hex, 8, token, sizeof(token)) == -1 ||
			    nxm_pii_seen_add(seen, cat, value, end - pos, token) == -1)
				abort();
		}
		pos = end + 1;
	}
	*text_at = pos < len ? pos : len;
	return seen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct nxm_buf body = {0}, again = {0}, out = {0};
	struct nxm_pii_seen *seen;
	size_t text_at;
	json_t *before, *after;

	if (size > 65536)
		return 0;
	check_symbols(s, size, true);
	check_symbols(s, size, false);
	if ((seen = values_of(s, size, &text_at)) == NULL)
		return 0;
	nxm_pii_egress_forget();
	if (nxm_buf_append(&body, s + text_at, size - text_at) == -1 ||
	    nxm_buf_append(&body, "", 0) == -1)
		goto out;
	before = json_loadb(s + text_at, size - text_at, 0, NULL);
	if (nxm_pii_egress_filter(NULL, &sess, seen, &body) == 0) {
		after = json_loadb((const char *)body.data, body.len, 0, NULL);
		if (before != NULL && after == NULL)
			abort();
		json_decref(after);
		if (nxm_buf_append(&again, body.data, body.len) == -1 ||
		    nxm_pii_egress_filter(NULL, &sess, seen, &again) == -1)
			goto done;
		after = json_loadb((const char *)again.data, again.len, 0, NULL);
		if (before != NULL && after == NULL)
			abort();
		json_decref(after);
	}
done:
	json_decref(before);
	if (nxm_pii_egress_text(&sess, seen, s + text_at, size - text_at, &out) == 0 &&
	    out.len > 0 && out.data == NULL)
		abort();
out:
	nxm_buf_free(&body);
	nxm_buf_free(&again);
	nxm_buf_free(&out);
	nxm_pii_seen_free(seen);
	nxm_pii_egress_forget();
	return 0;
}
