#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/log.h"
#include "pii/egress.h"
#include "pii/match.h"
#include "pii/normal.h"
#include "pii/store.h"
#include "pii/token.h"

#define SESSIONS       8
#define RECENT         512 /* clean strings a session looks at first */
#define DEFAULT_BUDGET (1u << 20) /* symbols: about 30 MiB of automata */

/* ---------------------------------------------------------------- values
 *
 * The values met by one request, and those a process keeps for a session:
 * for each, its token; a value's patterns carry its number. */

struct values {
	struct nxm_buf tokens; /* NUL-terminated, back to back */
	uint32_t *off;         /* of each value's token in tokens */
	size_t n, cap;
	uint64_t *set; /* hashes of the tokens held (0: free), to add each once */
	size_t setcap;
};

static void
values_free(struct values *v)
{
	nxm_buf_free(&v->tokens);
	free(v->off);
	free(v->set);
	memset(v, 0, sizeof(*v));
}

static const char *
values_token(const struct values *v, size_t i)
{
	return (const char *)v->tokens.data + v->off[i];
}

static uint64_t
token_hash(const char *t)
{
	uint64_t h = 14695981039346656037u;

	for (; *t != '\0'; t++)
		h = (h ^ (unsigned char)*t) * 1099511628211u;
	return h != 0 ? h : 1;
}

/* Whether v holds token already; else, with room, *slot is where it goes. */
static bool
values_has(const struct values *v, const char *token, uint64_t h, size_t *slot)
{
	for (size_t i = h & (v->setcap - 1);; i = (i + 1) & (v->setcap - 1)) {
		if (v->set[i] == 0) {
			*slot = i;
			return false;
		}
		/* An entry is the hash's high bits and the value's number + 1. */
		if ((v->set[i] >> 24) == (h >> 24) &&
		    strcmp(values_token(v, (v->set[i] & 0xffffff) - 1), token) == 0)
			return true;
	}
}

static int
set_grow(struct values *v)
{
	size_t cap = v->setcap == 0 ? 1024 : 2 * v->setcap;
	uint64_t *set = calloc(cap, sizeof(*set));

	if (set == NULL)
		return -1;
	for (size_t i = 0; i < v->setcap; i++) {
		size_t j;
		if (v->set[i] == 0)
			continue;
		for (j = token_hash(values_token(v, (v->set[i] & 0xffffff) - 1)) & (cap - 1);
		     set[j] != 0;
		     j = (j + 1) & (cap - 1))
			;
		set[j] = v->set[i];
	}
	free(v->set);
	v->set = set;
	v->setcap = cap;
	return 0;
}

/* Adds token; *added is false when v had it. Its number is v->n - 1. */
static int
values_add(struct values *v, const char *token, bool *added)
{
	uint64_t h = token_hash(token);
	size_t slot, off = v->tokens.len;

	*added = false;
	if (v->n >= 0xfffffe)
		return -1;
	if ((v->n + 1) * 2 > v->setcap && set_grow(v) == -1)
		return -1;
	if (values_has(v, token, h, &slot))
		return 0;
	if (v->n == v->cap) {
		size_t cap = v->cap == 0 ? 256 : 2 * v->cap;
		uint32_t *o = realloc(v->off, cap * sizeof(*o));
		if (o == NULL)
			return -1;
		v->off = o;
		v->cap = cap;
	}
	if (off > UINT32_MAX - NXM_PII_TOKEN_MAX ||
	    nxm_buf_append(&v->tokens, token, strlen(token) + 1) == -1)
		return -1;
	v->off[v->n] = (uint32_t)off;
	v->set[slot] = (h >> 24) << 24 | (v->n + 1);
	v->n++;
	*added = true;
	return 0;
}

/* ---------------------------------------------------------------- sessions
 *
 * What a process keeps of a session: its values as patterns, up to the
 * row seq of its map it has read. Evicted least recently used first, and
 * wiped: the patterns spell the values. */

struct known {
	char session[72]; /* "": unused */
	int64_t seq;
	uint64_t used;
	struct values v;
	/* The patterns: most in m[0], rebuilt when m[1], the latest, grows to
	 * a quarter of its size, so a request that meets a few new values
	 * rebuilds only the few (the two are scanned together). */
	struct nxm_pii_matcher m[2];
	/* Strings of answers found free of the values, by keyed hash, since
	 * the patterns last changed: an answer seen again is not scanned
	 * again. */
	uint64_t *clean;
	size_t nclean;
	/* A few recent ones, looked at before the table: an answer's member
	 * names repeat record after record. */
	uint64_t recent[RECENT];
};

static struct known known[SESSIONS];
static uint64_t clock_used;
static size_t budget = DEFAULT_BUDGET;

static void
known_drop(struct known *k)
{
	values_free(&k->v);
	nxm_pii_matcher_clear(&k->m[0]);
	nxm_pii_matcher_clear(&k->m[1]);
	free(k->clean);
	memset(k, 0, sizeof(*k));
}

void
nxm_pii_egress_forget(void)
{
	for (size_t i = 0; i < SESSIONS; i++)
		known_drop(&known[i]);
}

void
nxm_pii_egress_set_budget(size_t symbols)
{
	nxm_pii_egress_forget();
	budget = symbols;
}

static struct known *
known_find(const char *session)
{
	for (size_t i = 0; i < SESSIONS; i++)
		if (known[i].session[0] != '\0' && strcmp(known[i].session, session) == 0)
			return &known[i];
	return NULL;
}

static struct known *
known_of(const char *session)
{
	struct known *k = known_find(session);

	if (k == NULL) {
		k = &known[0];
		for (size_t i = 1; i < SESSIONS; i++)
			if (known[i].used < k->used)
				k = &known[i];
		known_drop(k);
		snprintf(k->session, sizeof(k->session), "%s", session);
	}
	k->used = ++clock_used;
	return k;
}

static size_t
known_symbols(const struct known *k)
{
	return k->m[0].nsyms + k->m[1].nsyms;
}

/* Sessions other than k give up their patterns while the total is over
 * the budget. */
static void
known_budget(const struct known *k)
{
	size_t total = 0;

	for (size_t i = 0; i < SESSIONS; i++)
		total += known_symbols(&known[i]);
	while (total > budget) {
		struct known *victim = NULL;
		for (size_t i = 0; i < SESSIONS; i++)
			if (&known[i] != k && known[i].session[0] != '\0' &&
			    (victim == NULL || known[i].used < victim->used))
				victim = &known[i];
		if (victim == NULL)
			return;
		total -= known_symbols(victim);
		known_drop(victim);
	}
}

static int
known_add(struct known *k, const char *token, const char *value, size_t len)
{
	enum nxm_pii cat;
	bool added;

	if (nxm_pii_token_parse(token, strlen(token), &cat, NULL, NULL) == -1 ||
	    values_add(&k->v, token, &added) == -1)
		return -1;
	return added ? nxm_pii_patterns_add(&k->m[1], cat, value, len, (uint32_t)(k->v.n - 1)) : 0;
}

static int
add_row(void *arg, int64_t seq, const char *token, const char *value, size_t len)
{
	struct known *k = arg;

	k->seq = seq;
	return known_add(k, token, value, len);
}

bool
nxm_pii_egress_expects(const char *session, int64_t base)
{
	const struct known *k = known_find(session);

	return k != NULL && k->seq == base;
}

void
nxm_pii_egress_recorded(const char *session, int64_t base, const char *tokens, size_t n)
{
	struct known *k = known_find(session);
	const char *t = tokens;
	size_t slot;

	if (k == NULL || k->seq != base || k->v.setcap == 0)
		return;
	for (size_t i = 0; i < n; i++, t += strlen(t) + 1)
		if (!values_has(&k->v, t, token_hash(t), &slot))
			return;
	k->seq = base + (int64_t)n;
}

/* ---------------------------------------------------------------- seen */

struct nxm_pii_seen {
	struct nxm_buf tokens, values; /* NUL-terminated, back to back; wiped */
	size_t n;
};

struct nxm_pii_seen *
nxm_pii_seen_new(void)
{
	return calloc(1, sizeof(struct nxm_pii_seen));
}

void
nxm_pii_seen_free(struct nxm_pii_seen *seen)
{
	if (seen == NULL)
		return;
	if (seen->values.data != NULL)
		nxm_wipe(seen->values.data, seen->values.cap);
	nxm_buf_free(&seen->values);
	nxm_buf_free(&seen->tokens);
	free(seen);
}

int
nxm_pii_seen_add(struct nxm_pii_seen *seen, enum nxm_pii cat, const char *value, size_t len,
                 const char *token)
{
	enum nxm_pii got;

	if (seen == NULL)
		return 0;
	if (nxm_pii_token_parse(token, strlen(token), &got, NULL, NULL) == -1 || got != cat ||
	    memchr(value, '\0', len) != NULL)
		return -1;
	if (nxm_buf_append(&seen->tokens, token, strlen(token) + 1) == -1 ||
	    nxm_buf_append(&seen->values, value, len) == -1 ||
	    nxm_buf_append(&seen->values, "", 1) == -1)
		return -1;
	seen->n++;
	return 0;
}

static int
known_add_seen(struct known *k, const struct nxm_pii_seen *seen)
{
	const char *t, *v;

	if (seen == NULL)
		return 0;
	t = (const char *)seen->tokens.data;
	v = (const char *)seen->values.data;
	for (size_t i = 0; i < seen->n; i++) {
		size_t vl = strlen(v);
		if (known_add(k, t, v, vl) == -1)
			return -1;
		t += strlen(t) + 1;
		v += vl + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- scanning */

#define CLEAN_SLOTS 32768 /* per session: 256 KiB */

static uint64_t seed[2];
static bool seeded;

/* A keyed 64-bit hash of a string, so that no one who does not know the
 * process's key can make a string pass for one found clean. */
static uint64_t
mix(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 r = (unsigned __int128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	a ^= b;
	a *= 0xff51afd7ed558ccdull;
	return a ^ a >> 33;
#endif
}

static uint64_t
string_hash(const unsigned char *s, size_t len)
{
	uint64_t h = seed[0] ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix(h ^ w, seed[1] ^ 0x9e3779b97f4a7c15ull);
	}
	for (w = 0; i < len; i++)
		w = w << 8 | s[i];
	h = mix(h ^ w, seed[1] ^ 0xa0761d6478bd642full);
	return mix(h, 0xe7037ed1a0b428dbull) | 1;
}

static bool
clean_has(struct known *k, uint64_t h)
{
	if (k->clean == NULL)
		return false;
	if (k->recent[h % RECENT] == h)
		return true;
	for (size_t i = h & (CLEAN_SLOTS - 1);; i = (i + 1) & (CLEAN_SLOTS - 1)) {
		if (k->clean[i] == 0)
			return false;
		if (k->clean[i] == h) {
			k->recent[h % RECENT] = h;
			return true;
		}
	}
}

static void
clean_add(struct known *k, uint64_t h)
{
	size_t i;

	if (k->clean == NULL && (k->clean = calloc(CLEAN_SLOTS, sizeof(*k->clean))) == NULL)
		return; /* no memo: strings are scanned again */
	if (k->nclean >= CLEAN_SLOTS / 2) {
		memset(k->clean, 0, CLEAN_SLOTS * sizeof(*k->clean));
		memset(k->recent, 0, sizeof(k->recent));
		k->nclean = 0;
	}
	for (i = h & (CLEAN_SLOTS - 1); k->clean[i] != 0 && k->clean[i] != h;
	     i = (i + 1) & (CLEAN_SLOTS - 1))
		;
	if (k->clean[i] == 0)
		k->nclean++;
	k->clean[i] = h;
}

struct hit {
	size_t start, end;
	uint32_t vid;
};

struct hits {
	struct hit *h;
	size_t n, cap;
	/* Where the symbols are: their text's offset in the answer. */
	const struct nxm_pii_syms *y;
	size_t base, at;
	int failed;
};

static int
on_match(void *arg, size_t len, uint32_t id)
{
	struct hits *hs = arg;
	const struct nxm_pii_syms *y = hs->y;
	size_t spos = hs->at + 1 - len;

	/* A short value must stand on its own: not inside a word or number. */
	if ((id & 1) &&
	    ((spos > 0 && nxm_pii_sym_class(y->sym[spos - 1]) == nxm_pii_sym_class(y->sym[spos])) ||
	     (hs->at + 1 < y->n &&
	      nxm_pii_sym_class(y->sym[hs->at + 1]) == nxm_pii_sym_class(y->sym[hs->at]))))
		return 0;
	if (hs->n == hs->cap) {
		size_t cap = hs->cap == 0 ? 64 : 2 * hs->cap;
		struct hit *p = realloc(hs->h, cap * sizeof(*p));
		if (p == NULL) {
			hs->failed = 1;
			return 1;
		}
		hs->h = p;
		hs->cap = cap;
	}
	hs->h[hs->n++] = (struct hit){hs->base + y->start[spos], hs->base + y->end[hs->at], id >> 1};
	return 0;
}

/* The matches of the session's values in the symbols y of a text that
 * starts at base in the answer, added to hs. */
static int
scan(const struct known *k, const struct nxm_pii_syms *y, size_t base, struct hits *hs)
{
	hs->y = y;
	hs->base = base;
	for (int t = 0; t < 2; t++) {
		const struct nxm_pii_matcher *m = &k->m[t];
		uint32_t state = 0;
		if (nxm_pii_matcher_count(m) == 0)
			continue;
		for (size_t i = 0; i < y->n; i++) {
			state = nxm_pii_matcher_step(m, state, y->sym[i]);
			if (nxm_pii_matcher_has_output(m, state)) {
				hs->at = i;
				nxm_pii_matcher_outputs(m, state, on_match, hs);
			}
		}
	}
	return hs->failed ? -1 : 0;
}

static int
hit_order(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

/* text with the hits, leftmost longest and not overlapping, replaced by
 * their values' tokens. */
static int
replace(struct hits *hs, const struct values *v, const char *text, size_t len,
        struct nxm_buf *out)
{
	size_t pos = 0;

	qsort(hs->h, hs->n, sizeof(*hs->h), hit_order);
	for (size_t i = 0; i < hs->n; i++) {
		const struct hit *h = &hs->h[i];
		if (h->start < pos)
			continue;
		if (nxm_buf_append(out, text + pos, h->start - pos) == -1 ||
		    nxm_buf_puts(out, values_token(v, h->vid)) == -1)
			return -1;
		pos = h->end;
	}
	return nxm_buf_append(out, text + pos, len - pos);
}

/* The end of the JSON string whose content starts at s[i]: the offset of
 * its closing quote, the first not escaped (len when there is none). */
static size_t
string_end(const char *s, size_t len, size_t i)
{
	for (;;) {
		const char *q = memchr(s + i, '"', len - i);
		size_t j, bs = 0;
		if (q == NULL)
			return len;
		j = (size_t)(q - s);
		while (j - bs > i && s[j - bs - 1] == '\\')
			bs++;
		if (bs % 2 == 0)
			return j;
		i = j + 1;
	}
}

/* The next quote at or after s[i] outside strings; len when none. */
static size_t
next_quote(const char *s, size_t len, size_t i)
{
	const char *q = i < len ? memchr(s + i, '"', len - i) : NULL;

	return q != NULL ? (size_t)(q - s) : len;
}

/* The matches in every string of a JSON text; a string of fewer bytes than
 * the shortest pattern has symbols, or one found clean before, is not
 * scanned. */
/* The symbols of the string being scanned: kept from answer to answer
 * (its symbols wiped after each string), up to a size. */
static struct nxm_pii_syms scratch;
#define SCRATCH_KEEP (1u << 20)

static int
scan_json(struct known *k, const char *text, size_t len, struct hits *hs)
{
	size_t i = 0;
	int rc = -1;

	while ((i = next_quote(text, len, i)) < len) {
		size_t a = i + 1, b = string_end(text, len, a), before = hs->n;
		uint64_t h;
		i = b + 1;
		if (b - a < 4)
			continue;
		h = string_hash((const unsigned char *)text + a, b - a);
		if (clean_has(k, h))
			continue;
		if (nxm_pii_syms_reserve(&scratch, b - a) == -1)
			goto out;
		nxm_pii_normalize(text + a, b - a, true, &scratch);
		rc = scan(k, &scratch, a, hs);
		memset(scratch.sym, 0, scratch.n);
		if (rc == -1)
			goto out;
		rc = -1;
		if (hs->n == before)
			clean_add(k, h);
	}
	rc = 0;
out:
	if (scratch.cap > SCRATCH_KEEP)
		nxm_pii_syms_free(&scratch);
	return rc;
}

/* ---------------------------------------------------------------- filter */

/* Brings k up to date with seen, rebuilding what changed (and forgetting
 * what it found clean) when patterns were added: m[1], or both when m[1]
 * has grown to a quarter of m[0]. before: m[1]'s count before the rows. */
static int
known_update(struct known *k, const struct nxm_pii_seen *seen, size_t before)
{
	if (known_add_seen(k, seen) == -1)
		return -1;
	if (k->m[0].built && k->m[1].built && nxm_pii_matcher_count(&k->m[1]) == before)
		return 0;
	k->nclean = 0;
	if (k->clean != NULL)
		memset(k->clean, 0, CLEAN_SLOTS * sizeof(*k->clean));
	memset(k->recent, 0, sizeof(k->recent));
	if (!k->m[0].built || k->m[1].nsyms * 4 > k->m[0].nsyms) {
		if (nxm_pii_matcher_merge(&k->m[0], &k->m[1]) == -1 ||
		    nxm_pii_matcher_build(&k->m[0]) == -1)
			return -1;
	}
	return nxm_pii_matcher_build(&k->m[1]);
}

/* The session's values, brought up to date: its map's new rows (when app
 * is given) and what this request met. */
static struct known *
session_values(struct nxm_app *app, const struct nxm_pii_egress_session *s,
               const struct nxm_pii_seen *seen)
{
	struct known *k = known_of(s->id);
	size_t before = nxm_pii_matcher_count(&k->m[1]);

	if (!seeded) {
		if (nxm_random(seed, sizeof(seed)) == -1) {
			known_drop(k);
			return NULL;
		}
		seeded = true;
	}
	if ((app != NULL && nxm_pii_store_rows(app, s->id, s->key, k->seq, add_row, k) == -1) ||
	    known_update(k, seen, before) == -1) {
		known_drop(k);
		return NULL;
	}
	known_budget(k);
	return k;
}

/* text with the session's values replaced, in out, when it holds any. */
static int
filter(struct known *k, const char *text, size_t len, bool json, struct nxm_buf *out,
       bool *changed)
{
	struct hits hs = {0};
	struct nxm_pii_syms y = {0};
	int rc = -1;

	*changed = false;
	if (json) {
		if (scan_json(k, text, len, &hs) == -1)
			goto out;
	} else if (nxm_pii_syms_reserve(&y, len) == -1) {
		goto out;
	} else {
		nxm_pii_normalize(text, len, false, &y);
		if (scan(k, &y, 0, &hs) == -1)
			goto out;
	}
	if (hs.n > 0) {
		if (replace(&hs, &k->v, text, len, out) == -1)
			goto out;
		*changed = true;
	}
	rc = 0;
out:
	nxm_pii_syms_free(&y);
	free(hs.h);
	return rc;
}

int
nxm_pii_egress_filter(struct nxm_app *app, const struct nxm_pii_egress_session *s,
                      const struct nxm_pii_seen *seen, struct nxm_buf *body)
{
	struct nxm_buf out = {0};
	struct known *k;
	bool changed;
	int rc = -1;

	if ((k = session_values(app, s, seen)) == NULL) {
		nxm_log_err("cannot read the session's personal values");
		return -1;
	}
	if (filter(k, (const char *)body->data, body->len, true, &out, &changed) == -1) {
		nxm_log_err("out of memory filtering an answer");
		goto out;
	}
	if (changed) {
		/* The answer before filtering held personal values. */
		if (body->data != NULL)
			nxm_wipe(body->data, body->cap);
		nxm_buf_free(body);
		*body = out;
		out = (struct nxm_buf){0};
	}
	rc = 0;
out:
	/* A session too big to keep is read again for each answer. */
	if (known_symbols(k) > budget)
		known_drop(k);
	nxm_buf_free(&out);
	return rc;
}

int
nxm_pii_egress_text(const struct nxm_pii_egress_session *s, const struct nxm_pii_seen *seen,
                    const char *text, size_t len, struct nxm_buf *out)
{
	struct known tmp = {.seq = 0}, *k = known_find(s->id);
	bool changed = false;
	int rc = -1;

	/* Only what the process holds already: a log line reads no table. */
	if (k == NULL)
		k = &tmp;
	if (known_update(k, seen, nxm_pii_matcher_count(&k->m[1])) == -1 ||
	    filter(k, text, len, false, out, &changed) == -1) {
		if (k != &tmp)
			known_drop(k);
		goto out;
	}
	rc = changed ? 0 : nxm_buf_append(out, text, len);
out:
	if (k == &tmp)
		known_drop(&tmp);
	return rc;
}
