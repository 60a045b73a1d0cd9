/* A multi-pattern matcher (Aho–Corasick) over a small alphabet of symbols,
 * for the egress filter (pii/egress.h): every pattern occurring in a text
 * is found in one pass, at a cost that grows with the text, not with the
 * number of patterns.
 *
 * Patterns are added, then built into the automaton (a trie with failure
 * and output links; the root's transitions dense); adding more afterwards
 * needs another build. Scanning is a step per symbol from a state, inline
 * below, and the walk of the state's outputs. Symbols are below
 * NXM_PII_SYMBOLS; the caller gives them their meaning. */
#ifndef NXM_PII_MATCH_H
#define NXM_PII_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NXM_PII_SYMBOLS 54
/* The most symbols in one pattern. */
#define NXM_PII_PATTERN_MAX 512

struct nxm_pii_matcher {
	/* Private. Nodes 0 .. nnodes - 1, the root is 0. */
	uint32_t *fail, *dict, *first, *out; /* out: id + 1, 0 for none */
	uint16_t *depth, *nedges;
	unsigned char *edge_sym;
	uint32_t *edge_to;
	uint32_t root[NXM_PII_SYMBOLS];
	size_t nnodes;
	/* The patterns added, for the next build. */
	unsigned char *syms;
	size_t nsyms, capsyms;
	struct nxm_pii_pattern *pats;
	size_t npats, cappats;
	bool built;
};

void nxm_pii_matcher_init(struct nxm_pii_matcher *m);
void nxm_pii_matcher_clear(struct nxm_pii_matcher *m);
/* Adds a pattern of 1 to NXM_PII_PATTERN_MAX symbols with the caller's id;
 * patterns of the same symbols keep the first id. */
int nxm_pii_matcher_add(struct nxm_pii_matcher *m, const unsigned char *sym, size_t n,
                        uint32_t id);
size_t nxm_pii_matcher_count(const struct nxm_pii_matcher *m);
/* Adds every pattern of src to dst (to be built), and clears src. */
int nxm_pii_matcher_merge(struct nxm_pii_matcher *dst, struct nxm_pii_matcher *src);
/* Builds the automaton from every pattern added so far. */
int nxm_pii_matcher_build(struct nxm_pii_matcher *m);

/* The state after symbol c from state s (0: the start). */
static inline uint32_t
nxm_pii_matcher_step(const struct nxm_pii_matcher *m, uint32_t s, unsigned char c)
{
	while (s != 0) {
		const unsigned char *e = m->edge_sym + m->first[s], *end = e + m->nedges[s];
		for (; e < end; e++)
			if (*e == c)
				return m->edge_to[e - m->edge_sym];
		s = m->fail[s];
	}
	return m->root[c];
}

/* Calls fn(arg, length, id) for every pattern that ends at state s,
 * longest first; stops at fn's first non-zero return and returns it. */
typedef int nxm_pii_match_fn(void *arg, size_t len, uint32_t id);
int nxm_pii_matcher_outputs(const struct nxm_pii_matcher *m, uint32_t s, nxm_pii_match_fn *fn,
                            void *arg);
/* Whether state s ends a pattern (cheap: most states end none). */
static inline bool
nxm_pii_matcher_has_output(const struct nxm_pii_matcher *m, uint32_t s)
{
	return m->out[s] != 0 || m->dict[s] != 0;
}

#endif
