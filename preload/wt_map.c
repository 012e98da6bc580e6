/*
 * wt_map.c - the whiteout table in memory: one hash map from path to kind.
 *
 * One open-addressing hash map (un_name_hash, linear probing, tombstones)
 * whose slots hold each record whole: its hash, length, kind and a
 * pointer to its path.  The path is not copied: a load reads the table
 * file into one buffer, decodes its lines in place, and the slots point
 * into it; a catch-up keeps the buffer of the lines it read in the same
 * way, and the process's own changes copy their keys into shared
 * buffers (mem_copy_key).  So loading n records costs one read, one pass over the lines and
 * n probes of an array (16 bytes a slot, the hash in the slot: a probe
 * touches no record), and no allocation per record; a load's buffer and
 * the slot array are anonymous mappings, which the first load needs (it
 * may run where malloc must not be called: see un_wtable_open).  The
 * buffers live as long as the map (a reload frees them): the memory is
 * the file's size since the last compaction, plus the slots.
 *
 * What lies below a directory (clear_below, at every rmdir) is found by
 * a walk of the map, or once those walks have cost more than it would,
 * by the map's index by directory (struct wt_index below).  wt_parse
 * replays the lines of the file (include/union_format.c decodes them)
 * into a map.  In over mode the map holds only what the table says past
 * the persistent index (wt_index.c), `-` records kept as entries of kind
 * '-' that override the index; lookups, changes, has_below and
 * clear_below use such a map with the index (whiteout.c), a compaction
 * reads the table whole first.
 *
 * Locking is the caller's: the handle's rwlock guards its map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wtable.h"

/*
 * dcache.c's hash, eight bytes a step (FNV-1a took one: ~100
 * instructions a lookup of a path five deep, one lookup in every stat
 * of a lower name).  The persistent index holds it too (wtable.h).
 */
#define key_hash wt_key_hash

/* The slot holding key, or else the slot where it would go. */
static size_t mem_slot(const struct wt_mem *m, const char *key, size_t len,
		       uint32_t h)
{
	size_t mask = m->cap - 1, i = h & mask, tomb = m->cap;

	for (;; i = (i + 1) & mask) {
		const struct wt_rec *r = &m->slot[i];

		if (!r->key)
			return tomb < m->cap ? tomb : i;
		if (r->key == WT_TOMB) {
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
	/* (A union with no whiteout at all, the commonest: no hash.) */
	if (!m->count)
		return NULL;
	return mem_find_h(m, key, len, key_hash(key, len));
}

struct wt_rec *mem_find_h(struct wt_mem *m, const char *key, size_t len,
			  uint32_t h)
{
	struct wt_rec *r;

	if (!m->count)
		return NULL;
	r = &m->slot[mem_slot(m, key, len, h)];
	return r->key && r->key != WT_TOMB ? r : NULL;
}

/* A zeroed array of cap slots, mapped: no malloc (see the head), and
   populated at once, since a load touches every page of it. */
static struct wt_rec *slots_new(size_t cap)
{
	void *p = mmap(NULL, cap * sizeof(struct wt_rec),
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void slots_free(struct wt_rec *slot, size_t cap)
{
	if (slot)
		munmap(slot, cap * sizeof(*slot));
}

/* Rehash m into cap slots (a power of two, more than its records). */
static int mem_resize(struct wt_mem *m, size_t cap)
{
	struct wt_rec *slot = slots_new(cap);
	size_t i;

	if (!slot)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		const struct wt_rec *r = &m->slot[i];
		size_t j;

		if (!r->key || r->key == WT_TOMB)
			continue;
		for (j = r->hash & (cap - 1); slot[j].key;
		     j = (j + 1) & (cap - 1))
			;
		slot[j] = *r;
	}
	slots_free(m->slot, m->cap);
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
 * full), rather than through every doubling.  A failure is left to
 * mem_grow.
 */
void mem_reserve(struct wt_mem *m, size_t n)
{
	size_t cap = 16;

	while (4 * n > 3 * cap)
		cap *= 2;
	if (cap > m->cap)
		mem_resize(m, cap);
}

/*
 * The map by directory, for clear_below: every rmdir cancels the records
 * below its directory, and a walk of every slot to find them cost 3.6M
 * instructions an rmdir beside 100,000 records (bench/README.md, "Round
 * 2: rm -rf at 100,000 files").  One node for each directory that is a
 * proper ancestor of a record (the union's root left out), in a hash of
 * its own: the count of the records strictly below it, the records whose
 * parent it is, and the nodes whose parent it is, both lists only ever
 * appended to.  An entry of the first is a record's key pointer, which
 * stands for a live record only while the map's slot for that key holds
 * that very pointer (a record taken out and set again has a new copy of
 * its key): stale entries are skipped at use, and all dropped at once
 * when their node's count falls to 0.  A node is in its parent's list
 * while its count is not 0 (`listed`).  Nodes point into records' keys,
 * which live as long as the map (mem_free drops the index with it).
 *
 * Made lazily, as a ski rental: making it costs about 600 instructions
 * a record (two levels), a walk about 13 a slot, so a process walks
 * until its walks have read WT_IDX_WALKS slots a record (what making it
 * would have cost), then makes it: a process that removes a directory
 * or two (make clean) never pays for it, and none pays more than about
 * twice what the better choice would have cost.  Only in a map of at
 * least WT_IDX_MIN records: in a smaller one, where rm -rf's own records
 * come and go, its upkeep (a probe a level of every record set or taken
 * out) costs more than the walks.  Kept up to date from then on; a
 * failed allocation drops it, and the walks come back.
 */
#define WT_IDX_MIN 8192
#define WT_IDX_WALKS 48

struct wt_ent {
	const char *key;
	size_t len;
};

struct wt_node {
	uint32_t hash;
	bool listed;		/* in its parent's sub list */
	size_t len;
	const char *key;	/* the directory's path (no NUL) */
	size_t below;		/* live records strictly below */
	struct wt_ent *ent;	/* records whose parent it is */
	size_t nent, cap_ent;
	size_t *sub;		/* nodes whose parent it is */
	size_t nsub, cap_sub;
};

struct wt_index {
	struct wt_node *node;
	size_t nnode, cap_node;
	size_t *tab;		/* node index + 1; 0: free */
	size_t tab_cap;		/* a power of two */
};

static void idx_free(struct wt_mem *m)
{
	struct wt_index *ix = m->idx;

	if (!ix)
		return;
	for (size_t i = 0; i < ix->nnode; i++) {
		free(ix->node[i].ent);
		free(ix->node[i].sub);
	}
	free(ix->node);
	free(ix->tab);
	free(ix);
	m->idx = NULL;
}

/* arr (of *cap elements of size) with room for one more than n: moved
   or not; NULL when out of memory (arr is still there). */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	ncap = *cap ? 2 * *cap : 4;
	p = realloc(arr, ncap * size);
	if (p)
		*cap = ncap;
	return p;
}

/* The tab slot of the node for key (len bytes, hash h), or the free slot
   where it would go. */
static size_t idx_slot(const struct wt_index *ix, const char *key,
		       size_t len, uint32_t h)
{
	size_t mask = ix->tab_cap - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		const struct wt_node *n;

		if (!ix->tab[i])
			return i;
		n = &ix->node[ix->tab[i] - 1];
		if (n->hash == h && n->len == len && !memcmp(n->key, key, len))
			return i;
	}
}

static int idx_rehash(struct wt_index *ix)
{
	size_t cap = ix->tab_cap ? 2 * ix->tab_cap : 64;
	size_t *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t k = 0; k < ix->nnode; k++) {
		size_t i = ix->node[k].hash & (cap - 1);

		while (tab[i])
			i = (i + 1) & (cap - 1);
		tab[i] = k + 1;
	}
	free(ix->tab);
	ix->tab = tab;
	ix->tab_cap = cap;
	return 0;
}

/* The node of the directory key (len bytes), made when make; its index,
   -1 when there is none, -ENOMEM. */
static long idx_node(struct wt_index *ix, const char *key, size_t len,
		     bool make)
{
	uint32_t h = key_hash(key, len);
	size_t i = idx_slot(ix, key, len, h);
	struct wt_node *n;

	if (ix->tab[i])
		return (long)(ix->tab[i] - 1);
	if (!make)
		return -1;
	n = grow(ix->node, &ix->cap_node, ix->nnode, sizeof(*ix->node));
	if (!n)
		return -ENOMEM;
	ix->node = n;
	n = &ix->node[ix->nnode];
	memset(n, 0, sizeof(*n));
	n->hash = h;
	n->len = len;
	n->key = key;
	ix->tab[i] = ++ix->nnode;
	if (4 * ix->nnode > 3 * ix->tab_cap && idx_rehash(ix) < 0)
		return -ENOMEM;
	return (long)(ix->nnode - 1);
}

/* A record key (len bytes) was set in the map: its ancestors count it,
   its parent lists it.  (This and idx_del are not inlined: mem_record
   and mem_del stay small where there is no index, nearly always.) */
static __attribute__((noinline)) void idx_add(struct wt_mem *m,
					       const char *key, size_t len)
{
	struct wt_index *ix = m->idx;
	long parent = -1, k;

	if (!ix)
		return;
	for (size_t p = 1; p < len; p++) {
		if (key[p] != '/')
			continue;
		k = idx_node(ix, key, p, true);
		if (k < 0)
			goto fail;
		if (ix->node[k].below++ == 0 && parent >= 0 &&
		    !ix->node[k].listed) {
			struct wt_node *pn = &ix->node[parent];
			size_t *sub = grow(pn->sub, &pn->cap_sub, pn->nsub,
					   sizeof(*pn->sub));

			if (!sub)
				goto fail;
			pn->sub = sub;
			pn->sub[pn->nsub++] = (size_t)k;
			ix->node[k].listed = true;
		}
		parent = k;
	}
	if (parent >= 0) {
		struct wt_node *pn = &ix->node[parent];
		struct wt_ent *ent;

		size_t want = pn->nent;

		/* A full list drops its stale entries (a name set and taken
		   out again and again adds one each time), and grows when
		   that leaves it more than half full: amortised, a probe or
		   two an entry. */
		if (pn->nent == pn->cap_ent && pn->nent >= 16) {
			size_t live = 0;

			for (size_t j = 0; j < pn->nent; j++) {
				struct wt_rec *r = mem_find(m, pn->ent[j].key,
							    pn->ent[j].len);

				if (r && r->key == pn->ent[j].key)
					pn->ent[live++] = pn->ent[j];
			}
			pn->nent = live;
			want = 2 * live > pn->cap_ent ? pn->cap_ent : live;
		}
		ent = grow(pn->ent, &pn->cap_ent, want, sizeof(*pn->ent));

		if (!ent)
			goto fail;
		pn->ent = ent;
		pn->ent[pn->nent].key = key;
		pn->ent[pn->nent++].len = len;
	}
	return;
fail:
	idx_free(m);
}

/* A record key (len bytes) was taken out of the map. */
static __attribute__((noinline)) void idx_del(struct wt_mem *m,
					       const char *key, size_t len)
{
	struct wt_index *ix = m->idx;

	if (!ix)
		return;
	for (size_t p = 1; p < len; p++) {
		struct wt_node *n;
		long k;

		if (key[p] != '/')
			continue;
		k = idx_node(ix, key, p, false);
		if (k < 0 || ix->node[k].below == 0) {
			idx_free(m);	/* (cannot be: walk again) */
			return;
		}
		n = &ix->node[k];
		if (--n->below > 0)
			continue;
		/* Nothing below: every entry is stale, no node listed. */
		for (size_t j = 0; j < n->nsub; j++)
			ix->node[n->sub[j]].listed = false;
		n->nsub = 0;
		n->nent = 0;
	}
}

/* Make m's index from its records. */
static void idx_build(struct wt_mem *m)
{
	struct wt_rec *r;
	size_t i;

	m->idx = calloc(1, sizeof(*m->idx));
	if (!m->idx || idx_rehash(m->idx) < 0) {
		idx_free(m);
		return;
	}
	MEM_FOREACH(m, i, r) {
		idx_add(m, r->key, r->len);
		if (!m->idx)
			return;
	}
}

/* Take r (found in m) out of the map. */
void mem_del(struct wt_mem *m, struct wt_rec *r)
{
	if (m->idx)
		idx_del(m, r->key, r->len);
	r->key = WT_TOMB;
	m->count--;
}

struct wt_buf *wt_buf_new(size_t len, bool map)
{
	size_t size = sizeof(struct wt_buf) + len + 1;
	struct wt_buf *b;

	if (map) {
		b = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (b == MAP_FAILED)
			return NULL;
		b->map_len = size;
	} else {
		b = malloc(size);
		if (!b)
			return NULL;
		b->map_len = 0;
	}
	b->next = NULL;
	return b;
}

void wt_buf_free(struct wt_buf *b)
{
	if (b->map_len)
		munmap(b, b->map_len);
	else
		free(b);
}

void mem_adopt(struct wt_mem *m, struct wt_buf *b)
{
	b->next = m->bufs;
	m->bufs = b;
}

/*
 * A copy of key (len bytes, no NUL) that lives as long as m: carved from
 * a buffer of COPY_CHUNK bytes, the newest of m's buffers of copies, so
 * that many records share one malloc.  rm -rf sets one record a file,
 * and a buffer of its own for each was 3% of its instructions.  A key
 * past a buffer's room opens the next one (left over: the old one's
 * room), one longer than COPY_CHUNK a buffer of its size.
 */
#define COPY_CHUNK 2048

static const char *mem_copy_key(struct wt_mem *m, const char *key,
				size_t len)
{
	char *at;

	if (len > m->room_left) {
		size_t size = len > COPY_CHUNK ? len : COPY_CHUNK;
		struct wt_buf *b = wt_buf_new(size, false);

		if (!b)
			return NULL;
		mem_adopt(m, b);
		m->room = b->data;
		m->room_left = size;
	}
	at = m->room;
	memcpy(at, key, len);
	m->room += len;
	m->room_left -= len;
	return at;
}

/*
 * Replay one record.  key lies in a buffer m owns, or else (copy) it is
 * the caller's and a copy is kept.
 */
static int mem_record(struct wt_mem *m, char op, const char *key,
		      size_t len, bool copy)
{
	struct wt_rec *r;
	uint32_t h;

	if (op == '-' && !m->over) {
		r = mem_find(m, key, len);
		if (r)
			mem_del(m, r);
		return 0;
	}
	if (len > WT_KEY_MAX)
		return -ENOMEM;
	h = key_hash(key, len);
	if (op == '-' && m->ix && wt_ix_get(m->ix, key, len, h) == 0) {
		/* Over mode, a path the index does not hold: no entry is
		   none, as in a full map (rm -rf's records, set and
		   cancelled, would otherwise stay, and every rmdir's walk
		   of the map read them). */
		r = mem_find_h(m, key, len, h);
		if (r) {
			m->minus -= r->kind == '-';
			mem_del(m, r);
		}
		return 0;
	}
	if (mem_grow(m) < 0)
		return -ENOMEM;
	r = &m->slot[mem_slot(m, key, len, h)];
	if (r->key && r->key != WT_TOMB) {
		m->minus += (op == '-') - (r->kind == '-');
		r->kind = (unsigned char)op;	/* the last record wins */
		return 0;
	}
	if (copy && !(key = mem_copy_key(m, key, len)))
		return -ENOMEM;
	if (!r->key)
		m->used++;
	r->hash = h;
	r->len = len;
	r->kind = (unsigned char)op;
	r->key = key;
	m->count++;
	m->minus += op == '-';
	/* (A probe of the index per path new to the map: a compaction's
	   count of the live records must not count a record twice.) */
	if (m->ix && wt_ix_get(m->ix, key, len, h) > 0)
		m->shadow++;
	if (m->idx)
		idx_add(m, key, len);
	return 0;
}

int mem_apply(struct wt_mem *m, char op, const char *key, size_t len)
{
	return mem_record(m, op, key, len, true);
}

/* Is any record strictly below rel?  A walk of the map (over mode: a `-`
   entry is no record). */
bool mem_any_below(struct wt_mem *m, const char *rel, size_t rel_len)
{
	struct wt_rec *r;
	size_t i;

	MEM_FOREACH(m, i, r)
		if (r->kind != '-' && key_below(r->key, r->len, rel, rel_len))
			return true;
	return false;
}

/* The records below rel through the index (made now if due), *rc as
   mem_index_below's; false: walk the map instead. */
static bool idx_each_below(struct wt_mem *m, const char *rel,
			   size_t rel_len,
			   int (*fn)(void *arg, size_t i, struct wt_rec *r),
			   void *arg, int *prc)
{
	struct wt_index *ix;
	size_t *stack = NULL, nstack = 0, cap = 0;
	long k;
	int rc = 0;

	if (!m->idx && m->count >= WT_IDX_MIN &&
	    m->walked >= WT_IDX_WALKS * m->count)
		idx_build(m);
	ix = m->idx;
	if (!ix || rel_len == 0)
		return false;
	*prc = 0;
	k = idx_node(ix, rel, rel_len, false);
	if (k < 0 || ix->node[k].below == 0)
		return true;
	stack = grow(NULL, &cap, 0, sizeof(*stack));
	if (!stack) {
		*prc = -ENOMEM;
		return true;
	}
	stack[nstack++] = (size_t)k;
	while (nstack > 0 && rc == 0) {
		const struct wt_node *n = &ix->node[stack[--nstack]];

		for (size_t j = 0; j < n->nent && rc == 0; j++) {
			struct wt_rec *r = mem_find(m, n->ent[j].key,
						    n->ent[j].len);

			if (r && r->key == n->ent[j].key)
				rc = fn(arg, (size_t)(r - m->slot), r);
		}
		for (size_t j = 0; j < n->nsub && rc == 0; j++) {
			size_t *more = grow(stack, &cap, nstack,
					    sizeof(*stack));

			if (!more) {
				rc = -ENOMEM;
				break;
			}
			stack = more;
			stack[nstack++] = n->sub[j];
		}
	}
	free(stack);
	*prc = rc;
	return true;
}

bool mem_index_below(struct wt_mem *m, const char *rel, size_t rel_len,
		     int (*fn)(void *arg, size_t i, struct wt_rec *r),
		     void *arg, int *rc)
{
	if (idx_each_below(m, rel, rel_len, fn, arg, rc))
		return true;
	m->walked += m->cap;	/* the caller's walk */
	return false;
}

void mem_free(struct wt_mem *m)
{
	struct wt_buf *b, *next;

	idx_free(m);
	slots_free(m->slot, m->cap);
	for (b = m->bufs; b; b = next) {
		next = b->next;
		wt_buf_free(b);
	}
	memset(m, 0, sizeof(*m));
}

/*
 * Replay the whole lines of buf (which starts at pos->off in the file,
 * and lies in a buffer m has adopted) into m, advancing pos.  Stops
 * before an unfinished last line.  On a bad line returns -EUCLEAN with
 * *why set, pos at the line before it.  buf is decoded in place, and
 * the records point into it.
 */
int wt_parse(struct wt_mem *m, char *buf, size_t len,
		    struct wt_pos *pos, const char **why)
{
	char *line = buf, *end = buf + len, *nl;
	int ret;

	for (; line < end; line = nl + 1) {
		size_t ll, keylen = 0;
		char op = 0;

		nl = memchr(line, '\n', end - line);
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
			ret = mem_record(m, op, line + 2, keylen, false);
			if (ret < 0)
				return ret;
			pos->nrec++;
		}
		pos->lineno++;
		pos->off += ll + 1;
	}
	return 0;
}
