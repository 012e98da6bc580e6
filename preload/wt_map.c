/*
 * wt_map.c - the whiteout table in memory: one hash map from path to kind.
 *
 * One open-addressing hash map (un_name_hash, linear probing, tombstones): a
 * slot is a pointer, a record its hash, length, kind and path in one
 * small allocation (about 50 bytes a record with the slots, so that a
 * 10k-record table costs under half a MiB).  Nothing is kept per
 * ancestor directory: only clear_below and the unit tests ask what lies
 * below a path, and they walk the map.  wt_parse replays the lines of
 * the file (wt_format.c decodes them) into a map.
 *
 * Locking is the caller's: the handle's rwlock guards its map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wtable.h"

/*
 * dcache.c's hash, eight bytes a step (FNV-1a took one: ~100
 * instructions a lookup of a path five deep, one lookup in every stat
 * of a lower name).  Only this process's map holds it.
 */
static uint32_t key_hash(const char *key, size_t len)
{
	uint64_t h = un_name_hash(key, len);

	return (uint32_t)(h ^ (h >> 32));
}

/* The slot holding key, or else the slot where it would go. */
static size_t mem_slot(const struct wt_mem *m, const char *key, size_t len,
		       uint32_t h)
{
	size_t mask = m->cap - 1, i = h & mask, tomb = m->cap;

	for (;; i = (i + 1) & mask) {
		struct wt_rec *r = m->slot[i];

		if (!r)
			return tomb < m->cap ? tomb : i;
		if (r == WT_TOMB) {
			if (tomb == m->cap)
				tomb = i;
		} else if (r->hash == h && r->len == len &&
			   !memcmp(r->key, key, len)) {
			return i;
		}
	}
}

struct wt_rec *mem_find(struct wt_mem *m, const char *key, size_t len)
{
	struct wt_rec *r;

	/* (A union with no whiteout at all, the commonest: no hash.) */
	if (!m->count)
		return NULL;
	r = m->slot[mem_slot(m, key, len, key_hash(key, len))];
	return r == WT_TOMB ? NULL : r;
}

/* Rehash m into cap slots (a power of two, more than its records). */
static int mem_resize(struct wt_mem *m, size_t cap)
{
	struct wt_rec **slot, *r;
	size_t i;

	slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		size_t j;

		r = m->slot[i];
		if (!r || r == WT_TOMB)
			continue;
		for (j = r->hash & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = r;
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	m->used = m->count;
	return 0;
}

/*
 * Room for one more: at most 3/4 of the slots used (tombstones count),
 * else rehash into a map at most half full.
 */
static int mem_grow(struct wt_mem *m)
{
	size_t cap = 16;

	if (4 * (m->used + 1) <= 3 * m->cap)
		return 0;
	while (2 * (m->count + 1) > cap)
		cap *= 2;
	return mem_resize(m, cap);
}

/*
 * Before a load of about n records: size the map once (at most 3/4
 * full), rather than through every doubling, whose freed arrays would
 * stay in the heap.  A failure is left to mem_grow.
 */
void mem_reserve(struct wt_mem *m, size_t n)
{
	size_t cap = 16;

	while (4 * n > 3 * cap)
		cap *= 2;
	if (cap > m->cap)
		mem_resize(m, cap);
}

/* Take r (found in m) out of the map and free it. */
void mem_del(struct wt_mem *m, struct wt_rec *r)
{
	size_t i = mem_slot(m, r->key, r->len, r->hash);

	m->slot[i] = WT_TOMB;
	m->count--;
	free(r);
}

/* Replay one record. */
int mem_apply(struct wt_mem *m, char op, const char *key, size_t len)
{
	struct wt_rec *r = mem_find(m, key, len);
	uint32_t h;
	size_t i;

	if (op == '-') {
		if (r)
			mem_del(m, r);
		return 0;
	}
	if (r) {
		r->kind = op;
		return 0;
	}
	if (len > UINT32_MAX || mem_grow(m) < 0)
		return -ENOMEM;
	r = malloc(sizeof(*r) + len + 1);
	if (!r)
		return -ENOMEM;
	h = key_hash(key, len);
	r->hash = h;
	r->len = len;
	r->kind = op;
	memcpy(r->key, key, len);
	r->key[len] = '\0';
	i = mem_slot(m, key, len, h);
	if (!m->slot[i])
		m->used++;
	m->slot[i] = r;
	m->count++;
	return 0;
}

/* Is key strictly below rel (rel/...; anything for rel "")? */
bool key_below(const char *key, size_t len, const char *rel,
		      size_t rel_len)
{
	return len > rel_len && (rel_len == 0 || (key[rel_len] == '/' &&
						   !memcmp(key, rel, rel_len)));
}

/* Is any record strictly below rel?  A walk of the map. */
bool mem_any_below(struct wt_mem *m, const char *rel, size_t rel_len)
{
	struct wt_rec *r;
	size_t i;

	MEM_FOREACH(m, i, r)
		if (key_below(r->key, r->len, rel, rel_len))
			return true;
	return false;
}

void mem_free(struct wt_mem *m)
{
	struct wt_rec *r;
	size_t i;

	MEM_FOREACH(m, i, r)
		free(r);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/*
 * Replay the whole lines of buf (which starts at pos->off in the file)
 * into m (NULL: only check them), advancing pos.  Stops before an
 * unfinished last line.  On a
 * bad line returns -EUCLEAN with *why set, pos at the line before it.
 * buf is decoded in place.
 */
int wt_parse(struct wt_mem *m, char *buf, size_t len,
		    struct wt_pos *pos, const char **why)
{
	size_t p = 0;
	int ret;

	while (p < len) {
		char *line = buf + p;
		char *nl = memchr(line, '\n', len - p);
		size_t ll, keylen = 0;
		char op = 0;

		if (!nl)
			break;
		ll = nl - line;
		if (pos->lineno == 0) {
			*why = un_fmt_header_invalid(line, ll);
			if (*why)
				return -EUCLEAN;
		} else {
			*why = un_fmt_rec_decode(line, ll, &op, &keylen);
			if (*why)
				return -EUCLEAN;
			ret = m ? mem_apply(m, op, line + 2, keylen) : 0;
			if (ret < 0)
				return ret;
			pos->nrec++;
		}
		pos->lineno++;
		pos->off += ll + 1;
		p += ll + 1;
	}
	return 0;
}
