#include "autoconfig.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/log.h"
#include "pii/detect.h"
#include "pii/redact.h"

/* ---------------------------------------------------------------- memo
 *
 * A page repeats values (a member's name as FullName and BillingName, the
 * city of every member of a location): about a third of a coworker page.
 * Each repeat would cost the callback a MAC and a look-up in the session's
 * map, so the tokens of one redactor's values are remembered. */

#define MEMO_SLOTS     1024
#define MEMO_VALUE_MAX 128

struct memo_slot {
	uint64_t hash; /* 0: free */
	uint32_t off;  /* in the arena: the value, then its token */
	uint16_t len;
	unsigned char cat, toklen;
};

struct nxm_pii_memo {
	size_t used;
	struct nxm_buf arena;
	struct memo_slot slots[MEMO_SLOTS];
};

static uint64_t
memo_hash(enum nxm_pii cat, const char *value, size_t len)
{
	uint64_t h = 14695981039346656037u ^ (uint64_t)cat;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)value[i]) * 1099511628211u;
	return h != 0 ? h : 1;
}

/* The slot of the value, or the free slot where it goes. */
static struct memo_slot *
memo_find(struct nxm_pii_memo *m, uint64_t h, enum nxm_pii cat, const char *value, size_t len)
{
	for (size_t i = h & (MEMO_SLOTS - 1);; i = (i + 1) & (MEMO_SLOTS - 1)) {
		struct memo_slot *s = &m->slots[i];
		if (s->hash == 0 || (s->hash == h && s->cat == cat && s->len == len &&
		                     memcmp(m->arena.data + s->off, value, len) == 0))
			return s;
	}
}

/* Remembers a token; a full memo or a failed allocation only means the
 * next repeat asks the callback again. */
static void
memo_add(struct nxm_pii_memo *m, struct memo_slot *s, uint64_t h, enum nxm_pii cat,
         const char *value, size_t len, const char *tok, size_t toklen)
{
	size_t off = m->arena.len;

	if (m->used >= MEMO_SLOTS * 3 / 4 || off > UINT32_MAX - 512 ||
	    nxm_buf_append(&m->arena, value, len) == -1 ||
	    nxm_buf_append(&m->arena, tok, toklen) == -1) {
		m->arena.len = off;
		return;
	}
	*s = (struct memo_slot){h, (uint32_t)off, (uint16_t)len, (unsigned char)cat,
	                        (unsigned char)toklen};
	m->used++;
}

/* ---------------------------------------------------------------- redaction */

void
nxm_pii_redactor_init(struct nxm_pii_redactor *r, nxm_pii_tokenize_fn tokenize, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->tokenize = tokenize;
	r->arg = arg;
}

void
nxm_pii_redactor_clear(struct nxm_pii_redactor *r)
{
	nxm_buf_free(&r->scratch);
	if (r->memo != NULL) {
		nxm_buf_free(&r->memo->arena);
		nxm_wipe(r->memo, sizeof(*r->memo));
		free(r->memo);
		r->memo = NULL;
	}
}

/* The token of a value, checked: a callback that wrote anything but a
 * token of the asked category would let text through unredacted. */
static int
token_of(struct nxm_pii_redactor *r, enum nxm_pii cat, const char *value, size_t len,
         char tok[NXM_PII_TOKEN_MAX], size_t *toklen)
{
	struct memo_slot *slot = NULL;
	enum nxm_pii got;
	uint64_t h = 0;
	size_t n;

	if (r->tokenize == NULL)
		return -1;
	if (len <= MEMO_VALUE_MAX && r->memo == NULL)
		r->memo = calloc(1, sizeof(*r->memo)); /* NULL: no memo, no harm */
	if (len <= MEMO_VALUE_MAX && r->memo != NULL) {
		h = memo_hash(cat, value, len);
		slot = memo_find(r->memo, h, cat, value, len);
		if (slot->hash != 0) {
			memcpy(tok, r->memo->arena.data + slot->off + len, slot->toklen);
			tok[slot->toklen] = '\0';
			*toklen = slot->toklen;
			r->by_category[cat]++;
			return 0;
		}
	}
	tok[0] = '\0';
	if (r->tokenize(r->arg, cat, value, len, tok, NXM_PII_TOKEN_MAX) == -1)
		return -1;
	n = strnlen(tok, NXM_PII_TOKEN_MAX);
	if (n == NXM_PII_TOKEN_MAX || nxm_pii_token_parse(tok, n, &got, NULL, NULL) == -1 ||
	    got != cat) {
		nxm_log_err("the tokenizer returned no %s token", nxm_pii_name(cat));
		return -1;
	}
	if (slot != NULL)
		memo_add(r->memo, slot, h, cat, value, len, tok, n);
	r->by_category[cat]++;
	*toklen = n;
	return 0;
}

static int
append_token(struct nxm_pii_redactor *r, enum nxm_pii cat, const char *value, size_t len,
             struct nxm_buf *out)
{
	char tok[NXM_PII_TOKEN_MAX];
	size_t n;

	if (token_of(r, cat, value, len, tok, &n) == -1 || nxm_buf_append(out, tok, n) == -1)
		return -1;
	return 0;
}

int
nxm_pii_redact_text(const char *in, size_t len, struct nxm_buf *out, struct nxm_pii_redactor *r)
{
	struct nxm_pii_scan sc;
	struct nxm_pii_span span;
	size_t pos = 0;

	if (in == NULL && len > 0)
		return -1;
	if (!nxm_pii_detect_cannot_match(in, len)) {
		nxm_pii_scan_init(&sc, in, len);
		while (nxm_pii_scan_next(&sc, &span)) {
			if (nxm_buf_append(out, in + pos, span.start - pos) == -1 ||
			    append_token(r, span.cat, in + span.start, span.end - span.start,
			                 out) == -1)
				return -1;
			r->spans++;
			pos = span.end;
		}
	}
	/* Always append, even nothing: out must end up a valid string. */
	return nxm_buf_append(out, in + pos, len - pos);
}

/* Free text: replaced only when a detector finds something. */
static int
redact_string(struct nxm_pii_redactor *r, json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	struct nxm_pii_scan sc;
	struct nxm_pii_span span;

	if (nxm_pii_detect_cannot_match(s, len))
		return 0;
	nxm_pii_scan_init(&sc, s, len);
	if (!nxm_pii_scan_next(&sc, &span))
		return 0;
	nxm_buf_reset(&r->scratch);
	/* The scan already found the first span: go on from there. */
	for (size_t pos = 0;;) {
		if (nxm_buf_append(&r->scratch, s + pos, span.start - pos) == -1 ||
		    append_token(r, span.cat, s + span.start, span.end - span.start, &r->scratch) ==
		            -1)
			return -1;
		r->spans++;
		pos = span.end;
		if (!nxm_pii_scan_next(&sc, &span)) {
			if (nxm_buf_append(&r->scratch, s + pos, len - pos) == -1)
				return -1;
			break;
		}
	}
	/* Valid UTF-8 by construction: spans never cut a character. */
	return json_string_setn_nocheck(v, r->scratch.data, r->scratch.len) == 0 ? 0 : -1;
}

static bool
only_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* The whole of a personal field's string. Tokens in it are kept; the text
 * around them is tokenised piece by piece, so no token ends up inside
 * another's value. */
static int
redact_whole_string(struct nxm_pii_redactor *r, json_t *v, enum nxm_pii cat)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), pos = 0, start, end;
	bool changed = false;

	if (len == 0)
		return 0;
	if (!nxm_pii_token_find(s, len, &start, &end)) {
		char tok[NXM_PII_TOKEN_MAX];
		size_t n;
		if (token_of(r, cat, s, len, tok, &n) == -1)
			return -1;
		r->values++;
		return json_string_setn_nocheck(v, tok, n) == 0 ? 0 : -1;
	}
	if (start == 0 && end == len)
		return 0;
	nxm_buf_reset(&r->scratch);
	for (;;) {
		size_t seg = start - pos;
		if (seg > 0 && only_space(s + pos, seg)) {
			if (nxm_buf_append(&r->scratch, s + pos, seg) == -1)
				return -1;
		} else if (seg > 0) {
			if (append_token(r, cat, s + pos, seg, &r->scratch) == -1)
				return -1;
			changed = true;
		}
		if (start == len)
			break;
		if (nxm_buf_append(&r->scratch, s + start, end - start) == -1)
			return -1;
		pos = end;
		if (!nxm_pii_token_find(s + pos, len - pos, &start, &end)) {
			start = end = len;
		} else {
			start += pos;
			end += pos;
		}
	}
	if (!changed)
		return 0; /* tokens and spaces only */
	r->values++;
	return json_string_setn_nocheck(v, r->scratch.data, r->scratch.len) == 0 ? 0 : -1;
}

/* A number of a personal field (Gender's enum value): the token of its
 * text. */
static json_t *
scalar_token(struct nxm_pii_redactor *r, json_t *v, enum nxm_pii cat)
{
	char text[64], tok[NXM_PII_TOKEN_MAX];
	size_t n;
	int len;

	if (json_is_integer(v))
		len = snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		len = snprintf(text, sizeof(text), "%.17g", json_real_value(v));
	if (len < 0 || (size_t)len >= sizeof(text) ||
	    token_of(r, cat, text, (size_t)len, tok, &n) == -1)
		return NULL;
	r->values++;
	return json_stringn_nocheck(tok, n);
}

/* Where a value sits: the entity of the record it belongs to (NULL for a
 * nested record or an answer of our own), and whether that record holds
 * personal data, so that what the catalog does not know is withheld. */
struct scope {
	const struct nxm_entity *e;
	bool personal;
};

static int redact_value(struct nxm_pii_redactor *r, json_t *v, struct scope sc);
static int redact_whole_array(struct nxm_pii_redactor *r, json_t *a, enum nxm_pii cat,
                              bool strings_only, struct scope inner);

/* The value of a member with a category; *repl is set when the value must
 * be replaced by another JSON value (numbers and booleans). A member
 * withheld only by default-deny (strings_only) keeps its numbers: a
 * string field nobody classified may hold anything, a count may not. */
static int
redact_whole(struct nxm_pii_redactor *r, json_t *v, enum nxm_pii cat, bool strings_only,
             struct scope inner, json_t **repl)
{
	*repl = NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return redact_whole_string(r, v, cat);
	case JSON_INTEGER:
	case JSON_REAL:
		if (strings_only)
			return 0;
		return (*repl = scalar_token(r, v, cat)) != NULL ? 0 : -1;
	case JSON_ARRAY:
		return redact_whole_array(r, v, cat, strings_only, inner);
	case JSON_OBJECT:
		return redact_value(r, v, inner);
	default:
		/* null, and booleans: the catalog's personal booleans are
		 * flags (NotifyByEmail, SendOnboardingFormByEmail) that hold
		 * no value of anyone's. */
		return 0;
	}
}

static int
redact_whole_array(struct nxm_pii_redactor *r, json_t *a, enum nxm_pii cat, bool strings_only,
                   struct scope inner)
{
	json_t *el, *repl;
	size_t i;

	json_array_foreach(a, i, el)
	{
		if (redact_whole(r, el, cat, strings_only, inner, &repl) == -1 ||
		    (repl != NULL && json_array_set_new(a, i, repl) == -1))
			return -1;
	}
	return 0;
}

/* Member key of object o, of value m, in a record of scope sc. */
static int
redact_member(struct nxm_pii_redactor *r, json_t *o, const char *key, json_t *m,
              struct scope sc)
{
	/* Records nested in this one are of other entities, but inside a
	 * record that holds personal data they are withheld by default too. */
	struct scope inner = {NULL, sc.personal};
	enum nxm_pii cat;
	bool by_default;
	json_t *repl;

	/* Nothing to do whatever the name: most members of a Nexudus record
	 * are unset. */
	if (json_is_null(m) || json_is_boolean(m))
		return 0;
	if ((cat = nxm_pii_classify(sc.e, sc.personal, key, &by_default)) != NXM_PII_NONE) {
		if (by_default)
			r->by_default++;
		/* Replacing an existing key's value keeps an iteration over o
		 * valid. */
		if (redact_whole(r, m, cat, by_default, inner, &repl) == -1 ||
		    (repl != NULL && json_object_set_new(o, key, repl) == -1))
			return -1;
		return 0;
	}
	return redact_value(r, m, inner);
}

static int
redact_value(struct nxm_pii_redactor *r, json_t *v, struct scope sc)
{
	const char *key;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return redact_string(r, v);
	case JSON_ARRAY:
		json_array_foreach(v, i, m)
		{
			if (redact_value(r, m, sc) == -1)
				return -1;
		}
		return 0;
	case JSON_OBJECT:
		json_object_foreach(v, key, m)
		{
			if (redact_member(r, v, key, m, sc) == -1)
				return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* Nexudus's validation errors, [{PropertyName, AttemptedValue, Message}]:
 * the value attempted is the named field's, and is redacted as that field
 * is; the rest is free text. */
static int
redact_errors(struct nxm_pii_redactor *r, json_t *errors, struct scope sc)
{
	const struct scope outside = {NULL, false};
	json_t *err, *repl;
	size_t i;

	if (!json_is_array(errors))
		return redact_value(r, errors, outside);
	json_array_foreach(errors, i, err)
	{
		const char *property = json_string_value(json_object_get(err, "PropertyName"));
		json_t *attempted = json_object_get(err, "AttemptedValue");
		enum nxm_pii cat;
		bool by_default;
		const char *key;
		json_t *m;

		if (!json_is_object(err)) {
			if (redact_value(r, err, outside) == -1)
				return -1;
			continue;
		}
		json_object_foreach(err, key, m)
		{
			if (m == attempted && property != NULL &&
			    (cat = nxm_pii_classify(sc.e, sc.personal, property, &by_default)) !=
			            NXM_PII_NONE) {
				if (redact_whole(r, m, cat, by_default, outside, &repl) == -1 ||
				    (repl != NULL && json_object_set_new(err, key, repl) == -1))
					return -1;
			} else if (redact_value(r, m, outside) == -1) {
				return -1;
			}
		}
	}
	return 0;
}

int
nxm_pii_redact_json(const struct nxm_entity *e, json_t *v, struct nxm_pii_redactor *r)
{
	const struct scope records_scope = {e, e != NULL && e->personal}, outside = {NULL, false};
	json_t *records, *value, *m;
	const char *key;

	if (v == NULL || r == NULL)
		return -1;
	if (e != NULL && json_is_object(v)) {
		records = json_object_get(v, "Records");
		value = json_object_get(v, "Value");
		if (!json_is_array(records))
			records = NULL;
		if (!json_is_object(value))
			value = NULL;
		/* A list's, or a mutation's answer (Value is null when it
		 * failed). */
		if (records != NULL || json_is_boolean(json_object_get(v, "WasSuccessful"))) {
			/* An envelope: its own members are not the entity's
			 * fields, its records are. */
			json_object_foreach(v, key, m)
			{
				if (m == records || m == value
				            ? redact_value(r, m, records_scope) == -1
				        : strcmp(key, "Errors") == 0
				                ? redact_errors(r, m, records_scope) == -1
				                : redact_value(r, m, outside) == -1)
					return -1;
			}
			return 0;
		}
	}
	return redact_value(r, v, e != NULL ? records_scope : outside);
}
