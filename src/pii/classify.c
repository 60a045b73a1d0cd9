/* Which members of a tool result hold personal data (DESIGN.md §6, layer
 * 1): the catalog's classification of each entity's fields, their copies
 * under a related entity's name, their "…Local" twins, and default-deny
 * for what the catalog does not know in a record that holds personal data.
 *
 * Looking a member up with nxm_catalog_field is a linear scan of up to 190
 * fields, and a 100-record page has thousands of members, so the catalog
 * is put once into an open-addressing table keyed by (entity, lower-case
 * name): entity i + 1 holds nxm_catalog[i]'s own fields, entity 0 what the
 * whole catalog says of a name (its first category, whether some entity
 * classifies it as not personal, and the category of a copy). */
#include "autoconfig.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "pii/redact.h"

/* More than twice the catalog's 4,437 fields, the names they share and
 * their copies. */
#define TABLE_SIZE    32768
#define COPY_NAME_MAX 64

enum slot_flag {
	SLOT_CLEAR = 1u << 0, /* a field of that name is classified as not personal */
};

struct slot {
	const char *name; /* NULL: free */
	uint32_t hash;
	uint16_t entity;
	unsigned char cat;      /* the first category given to the name */
	unsigned char copy_cat; /* entity 0: the category of the copy it names */
	unsigned char flags;
};

static struct slot *table;
static size_t used;
/* The copies' names ("<Singular><Field>"), which the catalog does not hold. */
static char (*copy_names)[COPY_NAME_MAX];
static size_t ncopies;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* Members every Nexudus record carries, whatever its entity. UpdatedBy
 * names the person who last changed the record. */
static const struct {
	const char *name;
	enum nxm_pii cat;
} record_members[] = {
        {"Id", NXM_PII_NONE},        {"UniqueId", NXM_PII_NONE}, {"CreatedOn", NXM_PII_NONE},
        {"UpdatedOn", NXM_PII_NONE}, {"IsNew", NXM_PII_NONE},    {"SystemId", NXM_PII_NONE},
        {"UpdatedBy", NXM_PII_NAME},
};

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

/* The slot of (entity, name), new and zeroed but for its key when there
 * was none; NULL when the table is full. */
static struct slot *
table_get(const char *name, uint16_t entity, bool *fresh)
{
	uint32_t h = name_hash(name);
	struct slot *s = table_find(name, h, entity);
	size_t i;

	*fresh = s == NULL;
	if (s != NULL)
		return s;
	if (used >= TABLE_SIZE / 2)
		return NULL;
	for (i = slot_index(h, entity); table[i].name != NULL; i = (i + 1) & (TABLE_SIZE - 1))
		;
	table[i] = (struct slot){.name = name, .hash = h, .entity = entity};
	used++;
	return &table[i];
}

/* What a field tells of its name, catalog-wide; the first category wins. */
static int
add_global(const char *name, const struct nxm_field *f, bool copy)
{
	bool fresh;
	struct slot *g = table_get(name, 0, &fresh);

	if (g == NULL)
		return -1;
	if (copy && g->copy_cat == NXM_PII_NONE)
		g->copy_cat = (unsigned char)f->pii;
	else if (!copy && g->cat == NXM_PII_NONE)
		g->cat = (unsigned char)f->pii;
	if (!copy && (f->flags & NXM_FF_NOT_PERSONAL))
		g->flags |= SLOT_CLEAR;
	return 0;
}

/* Nexudus copies a referenced record's fields under the referenced
 * entity's name (a booking's CoworkerFullName, an event's
 * BusinessAddress): "<Singular><Field>" is classified as Field is. */
static int
add_copies(const struct nxm_entity *e)
{
	for (size_t f = 0; f < e->nfields; f++) {
		const struct nxm_field *fd = &e->fields[f];
		int n;

		if (fd->pii == NXM_PII_NONE || e->singular == NULL)
			continue;
		if (ncopies >= 4096)
			return -1;
		n = snprintf(copy_names[ncopies], COPY_NAME_MAX, "%s%s", e->singular, fd->name);
		if (n <= 0 || n >= COPY_NAME_MAX)
			continue;
		if (add_global(copy_names[ncopies++], fd, true) == -1)
			return -1;
	}
	return 0;
}

static void
table_build(void)
{
	bool fresh;

	if (nxm_catalog_count >= UINT16_MAX ||
	    (table = calloc(TABLE_SIZE, sizeof(*table))) == NULL ||
	    (copy_names = calloc(4096, sizeof(*copy_names))) == NULL)
		goto fail;
	for (size_t e = 0; e < nxm_catalog_count; e++) {
		for (size_t f = 0; f < nxm_catalog[e].nfields; f++) {
			const struct nxm_field *fd = &nxm_catalog[e].fields[f];
			struct slot *s = table_get(fd->name, (uint16_t)(e + 1), &fresh);
			if (s == NULL || add_global(fd->name, fd, false) == -1)
				goto fail;
			/* Names that differ only in case: the first wins, as
			 * with nxm_catalog_field. */
			if (!fresh)
				continue;
			s->cat = (unsigned char)fd->pii;
			s->flags = (fd->flags & NXM_FF_NOT_PERSONAL) ? SLOT_CLEAR : 0;
		}
		if (add_copies(&nxm_catalog[e]) == -1)
			goto fail;
	}
	return;
fail:
	nxm_log_err("the classification table is too small for the catalog");
	free(table);
	table = NULL;
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

/* e's own field called name, as a slot: from the table, or, for an entity
 * from outside the catalog (tests), from its fields. */
static bool
own_field(const struct nxm_entity *e, const char *name, uint32_t h, struct slot *out)
{
	uint16_t num = entity_number(e);
	const struct nxm_field *f;
	const struct slot *s;

	if (num != 0) {
		if ((s = table_find(name, h, num)) == NULL)
			return false;
		*out = *s;
		return true;
	}
	if ((f = nxm_catalog_field(e, name)) == NULL)
		return false;
	out->cat = (unsigned char)f->pii;
	out->flags = (f->flags & NXM_FF_NOT_PERSONAL) ? SLOT_CLEAR : 0;
	return true;
}

static enum nxm_pii
classify(const struct nxm_entity *e, bool personal, const char *name, bool *by_default,
         int depth)
{
	const struct slot *g;
	struct slot own;
	size_t n = strlen(name);
	uint32_t h;

	if (n == 0)
		return NXM_PII_NONE;
	h = name_hash(name);
	g = table_find(name, h, 0);
	if (e != NULL && own_field(e, name, h, &own)) {
		if (own.cat != NXM_PII_NONE)
			return (enum nxm_pii)own.cat;
		/* A copy of a personal field is personal even where an entity
		 * lists it unmarked. */
		return g != NULL ? (enum nxm_pii)g->copy_cat : NXM_PII_NONE;
	}
	for (size_t i = 0; i < NXM_ARRAY_LEN(record_members); i++)
		if (nxm_str_ieq(record_members[i].name, name))
			return record_members[i].cat;
	/* "FromTimeLocal" is FromTime in the location's time. */
	if (depth == 0 && n > 5 && nxm_str_ieq(name + n - 5, "Local")) {
		char base[COPY_NAME_MAX];
		if (n - 5 < sizeof(base)) {
			memcpy(base, name, n - 5);
			base[n - 5] = '\0';
			return classify(e, personal, base, by_default, depth + 1);
		}
	}
	if (g != NULL && g->copy_cat != NXM_PII_NONE)
		return (enum nxm_pii)g->copy_cat;
	if (personal) {
		if (g != NULL && g->cat != NXM_PII_NONE)
			return (enum nxm_pii)g->cat;
		if (g != NULL && (g->flags & SLOT_CLEAR))
			return NXM_PII_NONE;
		*by_default = true;
		return NXM_PII_DEFAULT;
	}
	/* Outside such a record, a name is personal by itself only when no
	 * entity says otherwise ("Name" is a resource's too). */
	if (g != NULL && !(g->flags & SLOT_CLEAR))
		return (enum nxm_pii)g->cat;
	return NXM_PII_NONE;
}

enum nxm_pii
nxm_pii_classify(const struct nxm_entity *e, bool personal, const char *name, bool *by_default)
{
	bool dflt = false;
	enum nxm_pii cat;

	if (by_default != NULL)
		*by_default = false;
	if (name == NULL)
		return NXM_PII_NONE;
	if (pthread_once(&table_once, table_build) != 0 || table == NULL) {
		/* Without the table nothing can be told apart: everything a
		 * record holds is withheld. */
		if (by_default != NULL)
			*by_default = true;
		return NXM_PII_DEFAULT;
	}
	cat = classify(e, personal || (e != NULL && e->personal), name, &dflt, 0);
	if (by_default != NULL)
		*by_default = dflt;
	return cat;
}
