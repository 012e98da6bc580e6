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
 * Nothing is kept per ancestor directory: only clear_below and the unit
 * tests ask what lies below a path, and they walk the map.  wt_parse
 * replays the lines of the file (include/union_format.c decodes them)
 * into a map.
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
	struct wt_rec *r;

	/* (A union with no whiteout at all, the commonest: no hash.) */
	if (!m->count)
		return NULL;
	r = &m->slot[mem_slot(m, key, len, key_hash(key, len))];
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

/* Take r (found in m) out of the map. */
void mem_del(struct wt_mem *m, struct wt_rec *r)
{
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

	if (op == '-') {
		r = mem_find(m, key, len);
		if (r)
			mem_del(m, r);
		return 0;
	}
	if (len > WT_KEY_MAX || mem_grow(m) < 0)
		return -ENOMEM;
	h = key_hash(key, len);
	r = &m->slot[mem_slot(m, key, len, h)];
	if (r->key && r->key != WT_TOMB) {
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
	return 0;
}

int mem_apply(struct wt_mem *m, char op, const char *key, size_t len)
{
	return mem_record(m, op, key, len, true);
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
	struct wt_buf *b, *next;

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
