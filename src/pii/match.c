#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/log.h"
#include "core/util.h"
#include "pii/match.h"

struct nxm_pii_pattern {
	size_t off;
	uint16_t len;
	uint32_t id;
};

void
nxm_pii_matcher_init(struct nxm_pii_matcher *m)
{
	memset(m, 0, sizeof(*m));
}

static void
free_automaton(struct nxm_pii_matcher *m)
{
	free(m->fail);
	free(m->dict);
	free(m->first);
	free(m->out);
	free(m->depth);
	free(m->nedges);
	free(m->edge_sym);
	free(m->edge_to);
	m->fail = m->dict = m->first = m->out = m->edge_to = NULL;
	m->depth = m->nedges = NULL;
	m->edge_sym = NULL;
	memset(m->root, 0, sizeof(m->root));
	m->nnodes = 0;
	m->built = false;
}

void
nxm_pii_matcher_clear(struct nxm_pii_matcher *m)
{
	free_automaton(m);
	/* The patterns are personal values in another spelling. */
	if (m->syms != NULL)
		nxm_wipe(m->syms, m->capsyms);
	free(m->syms);
	free(m->pats);
	memset(m, 0, sizeof(*m));
}

static int
grow_patterns(struct nxm_pii_matcher *m)
{
	size_t n = m->cappats == 0 ? 256 : 2 * m->cappats;
	struct nxm_pii_pattern *q;

	if (m->npats < m->cappats)
		return 0;
	if (n > SIZE_MAX / sizeof(*q) || (q = realloc(m->pats, n * sizeof(*q))) == NULL)
		return -1;
	m->pats = q;
	m->cappats = n;
	return 0;
}

int
nxm_pii_matcher_add(struct nxm_pii_matcher *m, const unsigned char *sym, size_t n, uint32_t id)
{
	size_t old = m->capsyms;
	unsigned char *before = m->syms;

	if (n == 0 || n > NXM_PII_PATTERN_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sym[i] >= NXM_PII_SYMBOLS)
			return -1;
	/* A grown arena must not leave the old copy of the values behind. */
	if (m->nsyms + n > m->capsyms) {
		unsigned char *q;
		size_t cap = old == 0 ? 4096 : old;
		while (cap < m->nsyms + n)
			cap *= 2;
		if ((q = malloc(cap)) == NULL)
			return -1;
		if (before != NULL) {
			memcpy(q, before, m->nsyms);
			nxm_wipe(before, old);
			free(before);
		}
		m->syms = q;
		m->capsyms = cap;
	}
	if (grow_patterns(m) == -1)
		return -1;
	memcpy(m->syms + m->nsyms, sym, n);
	m->pats[m->npats++] = (struct nxm_pii_pattern){m->nsyms, (uint16_t)n, id};
	m->nsyms += n;
	m->built = false;
	return 0;
}

int
nxm_pii_matcher_merge(struct nxm_pii_matcher *dst, struct nxm_pii_matcher *src)
{
	for (size_t p = 0; p < src->npats; p++)
		if (nxm_pii_matcher_add(dst, src->syms + src->pats[p].off, src->pats[p].len,
		                        src->pats[p].id) == -1)
			return -1;
	nxm_pii_matcher_clear(src);
	return 0;
}

size_t
nxm_pii_matcher_count(const struct nxm_pii_matcher *m)
{
	return m->npats;
}

/* ---------------------------------------------------------------- build
 *
 * The trie is grown with a child list per node (first child, next
 * sibling), then laid out in breadth-first order with each node's edges
 * contiguous and sorted, which is also the order the failure links are
 * computed in. */

struct trie {
	uint32_t *child, *sibling, *out;
	uint16_t *depth;
	unsigned char *sym;
	size_t n, cap;
};

static void
trie_free(struct trie *t)
{
	free(t->child);
	free(t->sibling);
	free(t->out);
	free(t->depth);
	free(t->sym);
	memset(t, 0, sizeof(*t));
}

static int
trie_node(struct trie *t, unsigned char sym, uint16_t depth, uint32_t *node)
{
	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 1024 : 2 * t->cap;
		uint32_t *c = realloc(t->child, cap * sizeof(*c)), *s, *o;
		uint16_t *d;
		unsigned char *y;
		if (c != NULL)
			t->child = c;
		s = c != NULL ? realloc(t->sibling, cap * sizeof(*s)) : NULL;
		if (s != NULL)
			t->sibling = s;
		o = s != NULL ? realloc(t->out, cap * sizeof(*o)) : NULL;
		if (o != NULL)
			t->out = o;
		d = o != NULL ? realloc(t->depth, cap * sizeof(*d)) : NULL;
		if (d != NULL)
			t->depth = d;
		y = d != NULL ? realloc(t->sym, cap) : NULL;
		if (y == NULL)
			return -1;
		t->sym = y;
		t->cap = cap;
	}
	t->child[t->n] = t->sibling[t->n] = t->out[t->n] = 0;
	t->depth[t->n] = depth;
	t->sym[t->n] = sym;
	*node = (uint32_t)t->n++;
	return 0;
}

/* The child of node u on sym, added when absent. */
static int
trie_child(struct trie *t, uint32_t u, unsigned char sym, uint32_t *v)
{
	uint32_t c;

	for (c = t->child[u]; c != 0; c = t->sibling[c])
		if (t->sym[c] == sym) {
			*v = c;
			return 0;
		}
	if (trie_node(t, sym, (uint16_t)(t->depth[u] + 1), &c) == -1)
		return -1;
	t->sibling[c] = t->child[u];
	t->child[u] = c;
	*v = c;
	return 0;
}

static int
trie_fill(struct trie *t, const struct nxm_pii_matcher *m)
{
	uint32_t root;

	if (trie_node(t, 0, 0, &root) == -1)
		return -1;
	for (size_t p = 0; p < m->npats; p++) {
		uint32_t u = root;
		for (size_t i = 0; i < m->pats[p].len; i++)
			if (trie_child(t, u, m->syms[m->pats[p].off + i], &u) == -1)
				return -1;
		if (t->out[u] == 0)
			t->out[u] = m->pats[p].id + 1;
	}
	return 0;
}

static int
alloc_automaton(struct nxm_pii_matcher *m, size_t n)
{
	m->fail = calloc(n, sizeof(*m->fail));
	m->dict = calloc(n, sizeof(*m->dict));
	m->first = calloc(n, sizeof(*m->first));
	m->out = calloc(n, sizeof(*m->out));
	m->depth = calloc(n, sizeof(*m->depth));
	m->nedges = calloc(n, sizeof(*m->nedges));
	m->edge_sym = calloc(n, 1);
	m->edge_to = calloc(n, sizeof(*m->edge_to));
	m->nnodes = n;
	return m->fail && m->dict && m->first && m->out && m->depth && m->nedges && m->edge_sym &&
	                       m->edge_to
	               ? 0
	               : -1;
}

/* Lays the trie out breadth first: order[i] is the trie node of automaton
 * node i, and each node's children get consecutive numbers, sorted. */
static int
lay_out(struct nxm_pii_matcher *m, const struct trie *t, uint32_t *order, uint32_t *number)
{
	size_t head = 0, tail = 1;

	order[0] = 0;
	number[0] = 0;
	while (head < tail) {
		uint32_t u = order[head], i = (uint32_t)head++;
		uint32_t kids[NXM_PII_SYMBOLS];
		size_t nk = 0;

		for (uint32_t c = t->child[u]; c != 0 && nk < NXM_PII_SYMBOLS; c = t->sibling[c])
			kids[nk++] = c;
		/* Insertion sort by symbol: at most NXM_PII_SYMBOLS. */
		for (size_t a = 1; a < nk; a++)
			for (size_t b = a; b > 0 && t->sym[kids[b - 1]] > t->sym[kids[b]]; b--) {
				uint32_t x = kids[b];
				kids[b] = kids[b - 1];
				kids[b - 1] = x;
			}
		m->first[i] = (uint32_t)tail - 1; /* edges are numbered as their targets, less one */
		m->nedges[i] = (uint16_t)nk;
		m->out[i] = t->out[u];
		m->depth[i] = t->depth[u];
		for (size_t k = 0; k < nk; k++) {
			order[tail] = kids[k];
			number[kids[k]] = (uint32_t)tail;
			m->edge_sym[tail - 1] = t->sym[kids[k]];
			m->edge_to[tail - 1] = (uint32_t)tail;
			tail++;
		}
	}
	return tail == t->n ? 0 : -1;
}

/* Failure and output links, breadth first: a node's fail is the longest
 * proper suffix of its string that is in the trie. */
static void
link(struct nxm_pii_matcher *m)
{
	for (size_t k = 0; k < m->nedges[0]; k++)
		m->root[m->edge_sym[m->first[0] + k]] = m->edge_to[m->first[0] + k];
	for (size_t u = 0; u < m->nnodes; u++) {
		for (size_t k = 0; k < m->nedges[u]; k++) {
			uint32_t v = m->edge_to[m->first[u] + k];
			unsigned char c = m->edge_sym[m->first[u] + k];
			uint32_t f = u == 0 ? 0 : nxm_pii_matcher_step(m, m->fail[u], c);
			m->fail[v] = f == v ? 0 : f;
			m->dict[v] = m->out[m->fail[v]] != 0 ? m->fail[v] : m->dict[m->fail[v]];
		}
	}
}

int
nxm_pii_matcher_build(struct nxm_pii_matcher *m)
{
	struct trie t = {0};
	uint32_t *order = NULL, *number = NULL;
	int rc = -1;

	free_automaton(m);
	if (trie_fill(&t, m) == -1 || alloc_automaton(m, t.n) == -1 ||
	    (order = calloc(t.n, sizeof(*order))) == NULL ||
	    (number = calloc(t.n, sizeof(*number))) == NULL || lay_out(m, &t, order, number) == -1)
		goto out;
	link(m);
	m->built = true;
	rc = 0;
out:
	if (rc == -1) {
		nxm_log_err("out of memory building the matcher of %zu patterns", m->npats);
		free_automaton(m);
	}
	free(order);
	free(number);
	trie_free(&t);
	return rc;
}

int
nxm_pii_matcher_outputs(const struct nxm_pii_matcher *m, uint32_t s, nxm_pii_match_fn *fn,
                        void *arg)
{
	int rc;

	if (m->out[s] == 0)
		s = m->dict[s];
	for (; s != 0; s = m->dict[s])
		if ((rc = fn(arg, m->depth[s], m->out[s] - 1)) != 0)
			return rc;
	return 0;
}
