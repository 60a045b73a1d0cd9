#include "autoconfig.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/log.h"
#include "pii/detect.h"
#include "pii/redact.h"

/* ---------------------------------------------------------------- field table
 *
 * Looking a member up with nxm_catalog_field is a linear scan of up to 190
 * fields; a 100-record page has thousands of members. So the categories
 * are put once into an open-addressing table keyed by (entity, lower-case
 * name): slot entity 0 holds the category any entity gives that name, and
 * entity i + 1 the category nxm_catalog[i] gives it. Only names some
 * entity marks personal are entered: for every other name the answer is
 * NXM_PII_NONE whatever the entity. */

#define TABLE_SIZE 16384 /* more than twice the catalog's 4,437 fields and their copies */

struct slot {
	const char *name; /* NULL: free */
	uint32_t hash;
	uint16_t entity;
	unsigned char pii;
};

static struct slot table[TABLE_SIZE];
static bool table_ok;
/* A first sieve, since most member names are not personal: bit (last
 * letter & 31) of quick[length][first letter & 31] is set when a personal
 * name of that length starts and ends so. Names of 64 bytes and more
 * always go to the table. */
static uint32_t quick[64][32];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* FNV-1a over the lower-case name. */
static uint32_t
name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ lower(*p)) * 16777619u;
	return h;
}

static size_t
slot_index(uint32_t hash, uint16_t entity)
{
	return (size_t)((hash ^ (uint32_t)entity * 0x9e3779b1u) & (TABLE_SIZE - 1));
}

static struct slot *
table_find(const char *name, uint32_t hash, uint16_t entity)
{
	for (size_t i = slot_index(hash, entity), n = 0; n < TABLE_SIZE;
	     i = (i + 1) & (TABLE_SIZE - 1), n++) {
		struct slot *s = &table[i];
		if (s->name == NULL)
			return NULL;
		if (s->hash == hash && s->entity == entity && nxm_str_ieq(s->name, name))
			return s;
	}
	return NULL;
}

/* Adds a slot unless the name is there already (the first, in catalog
 * order, wins, as with nxm_catalog_field). */
static int
table_add(const char *name, uint32_t hash, uint16_t entity, enum nxm_pii pii)
{
	static size_t used;

	if (table_find(name, hash, entity) != NULL)
		return 0;
	if (used >= TABLE_SIZE / 2)
		return -1;
	for (size_t i = slot_index(hash, entity);; i = (i + 1) & (TABLE_SIZE - 1)) {
		if (table[i].name == NULL) {
			table[i] = (struct slot){name, hash, entity, (unsigned char)pii};
			used++;
			return 0;
		}
	}
}

/* Nexudus copies a referenced record's fields under the referenced
 * entity's name (a booking's CoworkerFullName, an event's BusinessAddress),
 * and the catalog does not always mark the copy. "<Singular><Field>" of a
 * personal field is personal wherever it appears, even in an entity that
 * lists it unmarked: it is added to the names looked up when an entity has
 * no entry of its own, after those entries are made. */
#define COPIES_MAX    2048
#define COPY_NAME_MAX 64
static char copies[COPIES_MAX][COPY_NAME_MAX];

static int
add_copies(void)
{
	size_t used = 0;

	for (size_t e = 0; e < nxm_catalog_count; e++)
		for (size_t f = 0; f < nxm_catalog[e].nfields; f++) {
			const struct nxm_field *fd = &nxm_catalog[e].fields[f];
			char *name = copies[used];
			int n;

			if (fd->pii == NXM_PII_NONE || nxm_catalog[e].singular == NULL)
				continue;
			n = snprintf(name, COPY_NAME_MAX, "%s%s", nxm_catalog[e].singular,
			             fd->name);
			if (n <= 0 || n >= COPY_NAME_MAX)
				continue;
			if (table_find(name, name_hash(name), 0) != NULL)
				continue;
			if (used >= COPIES_MAX ||
			    table_add(name, name_hash(name), 0, fd->pii) == -1)
				return -1;
			quick[n][lower((unsigned char)name[0]) & 31] |=
			        1u << (lower((unsigned char)name[n - 1]) & 31);
			used++;
		}
	return 0;
}

static void
table_build(void)
{
	if (nxm_catalog_count >= UINT16_MAX)
		goto fail;
	for (size_t e = 0; e < nxm_catalog_count; e++)
		for (size_t f = 0; f < nxm_catalog[e].nfields; f++) {
			const struct nxm_field *fd = &nxm_catalog[e].fields[f];
			size_t n = strlen(fd->name);
			if (fd->pii == NXM_PII_NONE || n == 0)
				continue;
			if (table_add(fd->name, name_hash(fd->name), 0, fd->pii) == -1)
				goto fail;
			if (n < 64)
				quick[n][lower((unsigned char)fd->name[0]) & 31] |=
				        1u << (lower((unsigned char)fd->name[n - 1]) & 31);
		}
	for (size_t e = 0; e < nxm_catalog_count; e++)
		for (size_t f = 0; f < nxm_catalog[e].nfields; f++) {
			const struct nxm_field *fd = &nxm_catalog[e].fields[f];
			uint32_t h = name_hash(fd->name);
			if (table_find(fd->name, h, 0) != NULL &&
			    table_add(fd->name, h, (uint16_t)(e + 1), fd->pii) == -1)
				goto fail;
		}
	if (add_copies() == -1)
		goto fail;
	table_ok = true;
	return;
fail:
	nxm_log_err("the field table is too small for the catalog: using the slow lookups");
}

/* The index + 1 of e in nxm_catalog, 0 when e is not one of its entries. */
static uint16_t
entity_number(const struct nxm_entity *e)
{
	uintptr_t p = (uintptr_t)e, base = (uintptr_t)nxm_catalog;

	if (e == NULL || p < base || p >= base + nxm_catalog_count * sizeof(nxm_catalog[0]) ||
	    (p - base) % sizeof(nxm_catalog[0]) != 0)
		return 0;
	return (uint16_t)((p - base) / sizeof(nxm_catalog[0]) + 1);
}

static enum nxm_pii
slow_category(const struct nxm_entity *e, const char *name)
{
	const struct nxm_field *f = nxm_catalog_field(e, name);

	if (f != NULL)
		return f->pii;
	for (size_t i = 0; i < nxm_catalog_count; i++)
		if ((f = nxm_catalog_field(&nxm_catalog[i], name)) != NULL &&
		    f->pii != NXM_PII_NONE)
			return f->pii;
	return NXM_PII_NONE;
}

enum nxm_pii
nxm_pii_field_category(const struct nxm_entity *e, const char *name)
{
	const struct slot *s;
	uint16_t num;
	uint32_t h;
	size_t n;

	if (name == NULL || pthread_once(&table_once, table_build) != 0 || !table_ok)
		return name == NULL ? NXM_PII_NONE : slow_category(e, name);
	n = strlen(name);
	if (n == 0 || (n < 64 && !(quick[n][lower((unsigned char)name[0]) & 31] >>
	                                   (lower((unsigned char)name[n - 1]) & 31) &
	                           1)))
		return NXM_PII_NONE;
	h = name_hash(name);
	if ((s = table_find(name, h, 0)) == NULL)
		return NXM_PII_NONE;
	if (e == NULL)
		return (enum nxm_pii)s->pii;
	if ((num = entity_number(e)) == 0) {
		/* An entity from outside the catalog (tests): its own fields. */
		const struct nxm_field *f = nxm_catalog_field(e, name);
		return f != NULL ? f->pii : (enum nxm_pii)s->pii;
	}
	if ((s = table_find(name, h, num)) != NULL || (s = table_find(name, h, 0)) != NULL)
		return (enum nxm_pii)s->pii;
	return NXM_PII_NONE;
}

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
	/* Valid UTF-8 by construction: spans start and end on ASCII bytes. */
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

static int redact_value(struct nxm_pii_redactor *r, json_t *v, const struct nxm_entity *scope);
static int redact_whole_array(struct nxm_pii_redactor *r, json_t *a, enum nxm_pii cat);

/* The value of a member with a category; *repl is set when the value must
 * be replaced by another JSON value (numbers and booleans). */
static int
redact_whole(struct nxm_pii_redactor *r, json_t *v, enum nxm_pii cat, json_t **repl)
{
	*repl = NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return redact_whole_string(r, v, cat);
	case JSON_INTEGER:
	case JSON_REAL:
		return (*repl = scalar_token(r, v, cat)) != NULL ? 0 : -1;
	case JSON_ARRAY:
		return redact_whole_array(r, v, cat);
	case JSON_OBJECT:
		return redact_value(r, v, NULL);
	default:
		/* null, and booleans: the catalog's personal booleans are
		 * flags (NotifyByEmail, SendOnboardingFormByEmail) that hold
		 * no value of anyone's. */
		return 0;
	}
}

static int
redact_whole_array(struct nxm_pii_redactor *r, json_t *a, enum nxm_pii cat)
{
	json_t *el, *repl;
	size_t i;

	json_array_foreach(a, i, el)
	{
		if (redact_whole(r, el, cat, &repl) == -1 ||
		    (repl != NULL && json_array_set_new(a, i, repl) == -1))
			return -1;
	}
	return 0;
}

/* Member key of object o, of value m, in a record of entity scope. */
static int
redact_member(struct nxm_pii_redactor *r, json_t *o, const char *key, json_t *m,
              const struct nxm_entity *scope)
{
	enum nxm_pii cat;
	json_t *repl;

	/* Nothing to do whatever the name: most members of a Nexudus record
	 * are unset. */
	if (json_is_null(m) || json_is_boolean(m))
		return 0;
	if ((cat = nxm_pii_field_category(scope, key)) != NXM_PII_NONE) {
		/* Replacing an existing key's value keeps an iteration over o
		 * valid. */
		if (redact_whole(r, m, cat, &repl) == -1 ||
		    (repl != NULL && json_object_set_new(o, key, repl) == -1))
			return -1;
		return 0;
	}
	/* Nested records are of other entities: looked up by name only. */
	return redact_value(r, m, NULL);
}

static int
redact_value(struct nxm_pii_redactor *r, json_t *v, const struct nxm_entity *scope)
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
			if (redact_value(r, m, scope) == -1)
				return -1;
		}
		return 0;
	case JSON_OBJECT:
		json_object_foreach(v, key, m)
		{
			if (redact_member(r, v, key, m, scope) == -1)
				return -1;
		}
		return 0;
	default:
		return 0;
	}
}

int
nxm_pii_redact_json(const struct nxm_entity *e, json_t *v, struct nxm_pii_redactor *r)
{
	json_t *records, *value, *m;
	const char *key;

	if (v == NULL || r == NULL)
		return -1;
	if (e != NULL && json_is_object(v)) {
		records = json_object_get(v, "Records");
		value = json_object_get(v, "Value");
		if (!json_is_array(records))
			records = NULL;
		if (!json_is_object(value) || json_object_get(v, "WasSuccessful") == NULL)
			value = NULL;
		if (records != NULL || value != NULL) {
			/* An envelope: its own members are not the entity's
			 * fields, its records are. */
			json_object_foreach(v, key, m)
			{
				if (m == records || m == value
				            ? redact_value(r, m, e) == -1
				            : redact_member(r, v, key, m, NULL) == -1)
					return -1;
			}
			return 0;
		}
	}
	return redact_value(r, v, e);
}
