/* Fuzz target: the redaction core on any bytes. The input goes through the
 * token parser and finder, the free-text detectors and nxm_pii_redact_text,
 * and, when it is JSON, nxm_pii_redact_json; each is checked for the
 * properties callers rely on, and any break aborts:
 * - spans are in bounds, in order, disjoint, never cut a UTF-8 character
 *   and never overlap a token;
 * - a found token parses, a parsed token formats back to itself;
 * - redacting keeps every token of the input and adds one per span, keeps
 *   valid UTF-8 text valid, and redacting the result again changes
 *   nothing. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/util.h"
#include "nexudus/catalog.h"
#include "pii/detect.h"
#include "pii/redact.h"
#include "pii/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A deterministic stand-in for the session's token store; arg, when not
 * NULL, counts the calls. */
static int
tokenize(void *arg, enum nxm_pii cat, const char *value, size_t len, char *out, size_t outsz)
{
	uint32_t h = 2166136261u;
	char hex[9];

	if (arg != NULL)
		(*(size_t *)arg)++;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)value[i]) * 16777619u;
	snprintf(hex, sizeof(hex), "%08x", h ^ (uint32_t)cat);
	return nxm_pii_token_format(cat, hex, 8, out, outsz);
}

static size_t
count_tokens(const char *s, size_t len)
{
	size_t n = 0, pos = 0, start, end;

	while (nxm_pii_token_find(s + pos, len - pos, &start, &end)) {
		if (start >= end || pos + end > len ||
		    nxm_pii_token_parse(s + pos + start, end - start, NULL, NULL, NULL) == -1)
			abort();
		pos += end;
		n++;
	}
	return n;
}

static void
check_tokens(const char *s, size_t len)
{
	enum nxm_pii cat;
	const char *hex;
	size_t hexlen;

	if (nxm_pii_token_parse(s, len, &cat, &hex, &hexlen) == 0) {
		char again[NXM_PII_TOKEN_MAX], key[NXM_PII_TOKEN_MAX];
		if (nxm_pii_token_format(cat, hex, hexlen, again, sizeof(again)) == -1 ||
		    strlen(again) != len || memcmp(again, s, len) != 0 ||
		    nxm_pii_token_to_key(s, len, key, sizeof(key)) == -1 ||
		    nxm_pii_token_from_key(key, again, sizeof(again)) == -1 ||
		    memcmp(again, s, len) != 0 || nxm_pii_token_len(s, len) != len)
			abort();
	}
	for (size_t i = 0; i < len; i++) {
		size_t n = nxm_pii_token_len(s + i, len - i);
		if (n != 0 &&
		    (i + n > len || nxm_pii_token_parse(s + i, n, NULL, NULL, NULL) == -1))
			abort();
	}
}

static void
check_spans(const char *s, size_t len)
{
	struct nxm_pii_scan sc;
	struct nxm_pii_span span;
	size_t last = 0;

	nxm_pii_scan_init(&sc, s, len);
	while (nxm_pii_scan_next(&sc, &span)) {
		size_t start, end;
		/* Spans never cut a UTF-8 character: they start on none of
		 * its continuation bytes, and one that ends on a byte of a
		 * character ends on its last. */
		if (span.start < last || span.start >= span.end || span.end > len ||
		    ((unsigned char)s[span.start] & 0xc0) == 0x80 ||
		    ((unsigned char)s[span.end - 1] >= 0x80 && span.end < len &&
		     ((unsigned char)s[span.end] & 0xc0) == 0x80) ||
		    (span.cat != NXM_PII_EMAIL && span.cat != NXM_PII_PHONE &&
		     span.cat != NXM_PII_FINANCIAL && span.cat != NXM_PII_ADDRESS &&
		     span.cat != NXM_PII_DOB))
			abort();
		/* No token inside or across the span's edges. */
		for (size_t p = span.start > 90 ? span.start - 90 : 0; p < span.end; p++)
			if (nxm_pii_token_find(s + p, len - p, &start, &end) && start == 0 &&
			    p + end > span.start)
				abort();
		last = span.end;
	}
}

static void
check_redact_text(const char *s, size_t len)
{
	struct nxm_pii_redactor r;
	struct nxm_buf out = {0}, again = {0};

	nxm_pii_redactor_init(&r, tokenize, NULL);
	if (nxm_pii_redact_text(s, len, &out, &r) == -1 || out.data == NULL ||
	    count_tokens(out.data, out.len) != count_tokens(s, len) + r.spans ||
	    (nxm_utf8_valid_text((const unsigned char *)s, len) &&
	     !nxm_utf8_valid_text((const unsigned char *)out.data, out.len)))
		abort();
	/* Redacted text has nothing left to redact. */
	r.spans = 0;
	if (nxm_pii_redact_text(out.data, out.len, &again, &r) == -1 || r.spans != 0 ||
	    again.len != out.len || memcmp(again.data, out.data, out.len) != 0)
		abort();
	nxm_buf_free(&out);
	nxm_buf_free(&again);
	nxm_pii_redactor_clear(&r);
}

static void
check_redact_json(const char *s, size_t len)
{
	const struct nxm_entity *entities[] = {NULL, nxm_catalog_find("coworkers"),
	                                       nxm_catalog_find("businesses")};
	json_t *v = json_loadb(s, len, JSON_DECODE_ANY, NULL);

	if (v == NULL)
		return;
	for (size_t i = 0; i < NXM_ARRAY_LEN(entities); i++) {
		struct nxm_pii_redactor r;
		json_t *copy = json_deep_copy(v);
		char *once, *twice;
		size_t calls = 0;
		nxm_pii_redactor_init(&r, tokenize, NULL);
		if (copy == NULL || nxm_pii_redact_json(entities[i], copy, &r) == -1)
			abort();
		/* Strings stay valid (jansson checks when encoding), and
		 * redacting again changes nothing and asks for no token. */
		if ((once = json_dumps(copy, JSON_ENCODE_ANY | JSON_SORT_KEYS)) == NULL)
			abort();
		nxm_pii_redactor_clear(&r);
		nxm_pii_redactor_init(&r, tokenize, &calls);
		if (nxm_pii_redact_json(entities[i], copy, &r) == -1 || calls != 0 ||
		    (twice = json_dumps(copy, JSON_ENCODE_ANY | JSON_SORT_KEYS)) == NULL ||
		    strcmp(once, twice) != 0)
			abort();
		free(once);
		free(twice);
		nxm_pii_redactor_clear(&r);
		json_decref(copy);
	}
	json_decref(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	check_tokens(s, size);
	check_spans(s, size);
	check_redact_text(s, size);
	check_redact_json(s, size);
	return 0;
}
