/*
 * wt_index.c - UPPER/.union/index, the whiteout table's persistent index.
 *
 * A process's first lookup in a union used to read and replay the whole
 * table (~490 instructions a record: 49M for 100,000 records).  The
 * index is a derived cache of the table's first N bytes: a hash of the
 * live records, ready to be mapped and probed, so that a process maps
 * it, checks it in a constant number of system calls, and replays only
 * the table past N (a small map of its own, which keeps `-` records as
 * "none" entries that override the index: wt_map.c's over mode).  The
 * table stays the truth; nothing but the library reads the index.
 *
 * The file, host byte order:
 *
 *   struct wt_ix_head   magic "UNWTIDX1", the version, the identity of
 *                       the table it was made from (device, inode, the
 *                       lock file's epoch), N and the line and record
 *                       counts at N, the last (up to) 64 bytes of the
 *                       table before N, the hash of a fixed string (the
 *                       hash function is the library's: another build
 *                       with another hash is told apart), the geometry,
 *                       the file's own size, and a hash of all the above
 *   nslots slots        struct wt_ix_slot: the key's hash, length and
 *                       kind, and the offset of its path in the file;
 *                       linear probing, at most half full; meta 0: free
 *   nlive slot numbers  (uint32_t, padded to 8 bytes) the slots in the
 *                       order of their paths (bytes compared unsigned, a
 *                       prefix first): the records below a directory D
 *                       are those whose path starts with "D/", one run
 *                       of this array, found by a binary search
 *                       (version 2; has_below and clear_below, at every
 *                       rmdir, without reading the table)
 *   the paths           decoded, not NUL-terminated, back to back
 *
 * It is ignored (the table is read whole) when it is missing, of another
 * version or hash, of another table (device, inode, epoch), longer or
 * shorter than it says, when the table is shorter than N or its bytes
 * before N do not end as the index says, or when the table has grown
 * more than WT_IX_TAIL_MAX past N (the process that then reads the
 * table whole writes a new one).  A slot found damaged at a lookup (an
 * offset outside the file, a kind that is none, a path whose hash is not
 * its slot's, a probe that never ends) sends the process to the full
 * read too, and so does a walk below a directory that meets a slot
 * number out of range or a run out of order.  What it cannot see, like
 * a running process that read the table: an edit by hand of the table
 * inside its first N bytes that keeps their last 64, of a slot's hash
 * or path bytes in the index that keeps them consistent, or of the
 * order that its binary search steps over (checking every slot would
 * make the first lookup linear again, which is what the index is for).
 *
 * Written only by a process that holds the table's flock, with its map
 * current with the whole file (wt_file.c, wt_ix_build_maybe): into
 * index.tmp, fdatasync'ed, renamed over the index (a kill -9 leaves the
 * old one or the new one; a half-written index.tmp is never read).  A
 * compaction and the tool's rewrite remove it (the table's new inode
 * would make it foreign anyway).
 *
 * Truncation under a mapping.  The index is mapped, and a lookup reads
 * its pages: a file cut short under a mapping raises SIGBUS at the
 * first touch past the new end.  Its size is checked against the size
 * the header says right before the mapping is made, and the library
 * never shortens or rewrites an index in place (a new one is renamed
 * over: the mapped inode lives on, unlinked, unchanged; the tool unlinks
 * it).  Only a truncation by hand of UPPER/.union/index while a process
 * has it mapped can raise SIGBUS, as cutting a shared library a process
 * runs would; the files under UPPER/.union are the library's own, and
 * the alternative, reading the index into memory, is a copy of all of
 * it at every process's first lookup: linear again.
 *
 * No malloc here: the index is opened by a process's first load, which
 * may run where malloc must not (un_wtable_open); the writer's buffer
 * is an anonymous mapping too.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wtable.h"

#define WT_IX_MAGIC "UNWTIDX1"
/* 2: the slot numbers in path order (an index of version 1 has none:
   ignored, and written again by the process that reads the table). */
#define WT_IX_VERSION 2
/* key_hash of this string is in every header: an index made by a
   library whose hash differs is another library's. */
#define WT_IX_PROBE "libunion index probe/a/b.c"

struct wt_ix_head {
	char magic[8];
	uint32_t version;
	uint32_t head_size;	/* sizeof(struct wt_ix_head) */
	uint64_t probe;		/* wt_key_hash(WT_IX_PROBE) */
	uint64_t dev, ino;	/* the table's */
	uint64_t epoch;		/* the lock file's, when it was made */
	uint64_t covered;	/* N: the table's bytes it holds */
	uint64_t lineno;	/* whole lines in them, the header's too */
	uint64_t nrec;		/* record lines in them */
	uint64_t nlive;		/* records in the slots */
	uint64_t nslots;	/* a power of two, more than 2 * nlive */
	uint64_t slots_off;	/* head_size */
	uint64_t ord_off;	/* slots_off + 16 * nslots */
	uint64_t keys_off;	/* ord_off + ORD_SIZE(nlive) */
	uint64_t zero;		/* (the slots stay 16-byte aligned) */
	uint64_t size;		/* of the whole file */
	uint64_t tail_len;	/* min(covered, WT_TAIL) */
	char tail[WT_TAIL];	/* the table's last bytes before N */
	uint64_t check;		/* hash of every byte above */
};

struct wt_ix_slot {
	uint32_t hash;		/* wt_key_hash of the path */
	uint32_t meta;		/* len << 8 | kind ('w' or 'o'); 0: free */
	uint64_t off;		/* of the path, from the file's start */
};

_Static_assert(sizeof(struct wt_ix_slot) == 16, "16-byte slots");
_Static_assert(sizeof(struct wt_ix_head) % 16 == 0, "aligned slots");

/* The bytes of n slot numbers in path order, padded to 8. */
#define ORD_SIZE(n) (((n) * sizeof(uint32_t) + 7) & ~(uint64_t)7)

static uint64_t head_check(const struct wt_ix_head *h)
{
	return un_name_hash((const char *)h, offsetof(struct wt_ix_head,
						       check));
}

/* Is h a whole header of this version and hash function, its geometry
   within a file of fsize bytes? */
static bool head_sane(const struct wt_ix_head *h, uint64_t fsize)
{
	uint64_t n = h->nslots;

	if (memcmp(h->magic, WT_IX_MAGIC, 8) || h->version != WT_IX_VERSION ||
	    h->head_size != sizeof(*h) || h->check != head_check(h) ||
	    h->probe != wt_key_hash(WT_IX_PROBE, strlen(WT_IX_PROBE)))
		return false;
	if (h->size != fsize || n < 16 || (n & (n - 1)) ||
	    n > (uint64_t)1 << 32 ||	/* (slot numbers are 32-bit) */
	    n > fsize / sizeof(struct wt_ix_slot) ||
	    h->slots_off != sizeof(*h) || 2 * h->nlive > n ||
	    h->ord_off != h->slots_off + n * sizeof(struct wt_ix_slot) ||
	    h->keys_off != h->ord_off + ORD_SIZE(h->nlive) ||
	    h->keys_off > fsize || h->zero)
		return false;
	return h->lineno == h->nrec + 1 &&
	       h->tail_len == (h->covered < WT_TAIL ? h->covered : WT_TAIL) &&
	       h->covered >= strlen(WT_HEADER) + 1;
}

int wt_ix_open(const char *path, int tfd, const struct statx *tstx,
	       uint64_t epoch, struct wt_ix *ix, struct wt_ix_at *at)
{
	struct wt_ix_head h;
	struct statx stx;
	char now[WT_TAIL];
	struct wt_id tid = stx_id(tstx);
	void *p;
	int fd, ret;

	/* Only a table once read whole with WT_IX_MIN records had one
	   written, and a table only grows until a compaction, which
	   removes it: nearly every process's start would otherwise pay an
	   open answering ENOENT.  (A usable index skipped costs only the
	   whole read: it is a cache.) */
	if (tstx->stx_size < WT_IX_MIN_SIZE)
		return -ENOENT;
	fd = sys_open(path, O_RDONLY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	ret = sys_fstatx(fd, &stx);
	if (ret < 0)
		goto out_close;
	ret = -ESTALE;
	if (!S_ISREG(stx.stx_mode) || stx.stx_size < sizeof(h) ||
	    pread_all(fd, (char *)&h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    !head_sane(&h, stx.stx_size))
		goto out_close;
	/* Of this table, as it is now. */
	if (h.dev != tid.dev || h.ino != tid.ino || h.epoch != epoch ||
	    h.covered > tstx->stx_size ||
	    pread_all(tfd, now, h.tail_len, h.covered - h.tail_len) !=
		    (ssize_t)h.tail_len ||
	    memcmp(now, h.tail, h.tail_len))
		goto out_close;
	/* Too far behind: replaying the rest would cost more than the
	   index saves, and a full read writes a new one. */
	if (tstx->stx_size - h.covered > WT_IX_TAIL_MIN &&
	    tstx->stx_size - h.covered > h.covered / WT_IX_TAIL_DIV)
		goto out_close;
	/* (The size was checked just above: see the head on SIGBUS.) */
	p = mmap(NULL, h.size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out_close;
	}
	sys_close(fd);
	/* A lookup touches a page or two at random: no readahead, and no
	   huge page (a probe would map 2 MiB of the file, all counted in
	   the process's RSS). */
	madvise(p, h.size, MADV_RANDOM);
	madvise(p, h.size, MADV_NOHUGEPAGE);
	ix->base = p;
	ix->len = h.size;
	ix->slot = (const struct wt_ix_slot *)((const char *)p + h.slots_off);
	ix->mask = h.nslots - 1;
	ix->ord = (const uint32_t *)((const char *)p + h.ord_off);
	ix->nord = h.nlive;
	ix->keys_off = h.keys_off;
	at->pos.off = h.covered;
	at->pos.lineno = h.lineno;
	at->pos.nrec = h.nrec;
	at->nlive = h.nlive;
	memcpy(at->tail, h.tail, h.tail_len);
	at->tail_len = h.tail_len;
	return 0;

out_close:
	sys_close(fd);
	return ret;
}

void wt_ix_close(struct wt_ix *ix)
{
	if (ix->base)
		munmap((void *)ix->base, ix->len);
	memset(ix, 0, sizeof(*ix));
}

int wt_ix_get(const struct wt_ix *ix, const char *key, size_t len,
	      uint32_t h)
{
	uint64_t i = h & ix->mask;

	for (uint64_t n = 0; n <= ix->mask; n++, i = (i + 1) & ix->mask) {
		const struct wt_ix_slot *s = &ix->slot[i];
		uint32_t slen = s->meta >> 8, kind = s->meta & 0xff;

		if (!s->meta)
			return 0;
		if (s->hash != h)
			continue;
		if (s->off < ix->keys_off || s->off > ix->len ||
		    slen > ix->len - s->off || (kind != 'w' && kind != 'o'))
			return -1;
		if (slen == len && !memcmp(ix->base + s->off, key, len))
			return (int)kind;
		/* The same hash, another path: a collision, or a path
		   changed under its slot. */
		if (wt_key_hash(ix->base + s->off, slen) != h)
			return -1;
	}
	return -1;	/* no free slot: not one of ours */
}

/* The path of slot number s, *len its length; NULL: the slot is
   damaged (free, of no kind, or pointing outside the file). */
static const char *ix_path(const struct wt_ix *ix, uint64_t s, size_t *len)
{
	const struct wt_ix_slot *sl;
	uint32_t kind;

	if (s > ix->mask)
		return NULL;
	sl = &ix->slot[s];
	*len = sl->meta >> 8;
	kind = sl->meta & 0xff;
	if ((kind != 'w' && kind != 'o') || sl->off < ix->keys_off ||
	    sl->off > ix->len || *len > ix->len - sl->off || !*len)
		return NULL;
	return ix->base + sl->off;
}

/* Where key lies against the paths strictly below rel ("rel/..."), in
   path order: < 0 before them, 0 one of them, > 0 after them. */
static int below_cmp(const char *key, size_t len, const char *rel,
		     size_t rel_len)
{
	int c = memcmp(key, rel, len < rel_len ? len : rel_len);

	if (c)
		return c;
	if (len <= rel_len)
		return -1;	/* rel itself, or a prefix of it */
	return (int)(unsigned char)key[rel_len] - '/';
}

int wt_ix_each_below(const struct wt_ix *ix, const char *rel,
		     size_t rel_len,
		     int (*fn)(void *arg, const char *key, size_t len),
		     void *arg)
{
	const char *key, *prev = NULL;
	size_t lo = 0, hi = ix->nord, len, plen = 0;
	int rc;

	/* The first path not before rel's: rel "" holds them all. */
	while (rel_len && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		key = ix_path(ix, ix->ord[mid], &len);
		if (!key)
			return -EUCLEAN;
		if (below_cmp(key, len, rel, rel_len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->nord; lo++, prev = key, plen = len) {
		key = ix_path(ix, ix->ord[lo], &len);
		if (!key)
			return -EUCLEAN;
		if (rel_len && below_cmp(key, len, rel, rel_len) != 0)
			break;
		/* The run must be in order (a sign, not a proof, that the
		   array was not changed by hand: the binary search trusted
		   it). */
		if (prev) {
			int c = memcmp(prev, key, plen < len ? plen : len);

			if (c > 0 || (c == 0 && plen >= len))
				return -EUCLEAN;
		}
		rc = fn(arg, key, len);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The writer's sort of the paths (no malloc: scratch from mmap).  A
 * multikey sort eight bytes at a time: the elements of a group (paths
 * equal in their first `depth` bytes) are sorted by their next eight
 * bytes as a big-endian number (0 past the end: a path sorts before its
 * extensions), and each run of equal numbers whose last byte is not 0
 * (so both paths go on) is a group of depth + 8.  At 100,000 paths like
 * "d/sub<i>/file<j>" that is three rounds of integer sorts, where a
 * sort comparing whole paths with memcmp cost about 5x more.
 */
struct ord_el {
	uint64_t k;		/* the 8 bytes at the group's depth */
	uint64_t slot;
};

struct ord_group {
	uint64_t at, n, depth;
};

static uint64_t chunk_at(const char *key, size_t len, uint64_t depth)
{
	uint64_t k = 0;

	if (depth + 8 <= len) {
		memcpy(&k, key + depth, 8);
		return __builtin_bswap64(k);
	}
	for (uint64_t i = 0; i < 8; i++)
		k = k << 8 | (depth + i < len ?
			      (unsigned char)key[depth + i] : 0);
	return k;
}

static void el_swap(struct ord_el *a, struct ord_el *b)
{
	struct ord_el t = *a;

	*a = *b;
	*b = t;
}

/* Heapsort, for a quicksort gone too deep (keys chosen to defeat it). */
static void el_sift(struct ord_el *e, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			return;
		if (c + 1 < n && e[c + 1].k > e[c].k)
			c++;
		if (e[i].k >= e[c].k)
			return;
		el_swap(&e[i], &e[c]);
		i = c;
	}
}

static void el_heapsort(struct ord_el *e, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		el_sift(e, i, n);
	for (size_t i = n; i-- > 1;) {
		el_swap(&e[0], &e[i]);
		el_sift(e, 0, i);
	}
}

/* Sort e[0..n) by k: quicksort, insertion sort below 16, heapsort past
   a depth of limit. */
static void el_sort(struct ord_el *e, size_t n, unsigned limit)
{
	while (n > 16) {
		size_t i, j, m = n / 2;
		uint64_t p;

		if (limit-- == 0) {
			el_heapsort(e, n);
			return;
		}
		/* Median of three to e[m], then Hoare's partition. */
		if (e[m].k < e[0].k)
			el_swap(&e[m], &e[0]);
		if (e[n - 1].k < e[m].k) {
			el_swap(&e[n - 1], &e[m]);
			if (e[m].k < e[0].k)
				el_swap(&e[m], &e[0]);
		}
		p = e[m].k;
		i = 0;
		j = n - 1;
		for (;;) {
			while (e[i].k < p)
				i++;
			while (e[j].k > p)
				j--;
			if (i >= j)
				break;
			el_swap(&e[i], &e[j]);
			i++;
			j--;
		}
		/* e[0..j] <= p <= e[j+1..n): the smaller side first. */
		if (j + 1 < n - j - 1) {
			el_sort(e, j + 1, limit);
			e += j + 1;
			n -= j + 1;
		} else {
			el_sort(e + j + 1, n - j - 1, limit);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct ord_el t = e[i];
		size_t j = i;

		for (; j > 0 && e[j - 1].k > t.k; j--)
			e[j] = e[j - 1];
		e[j] = t;
	}
}

/* Fill ord with the n used slots of slot (nslots, paths in buf) in path
   order.  -ENOMEM: no scratch. */
static int ord_make(const char *buf, const struct wt_ix_slot *slot,
		    uint64_t nslots, uint32_t *ord, uint64_t n)
{
	size_t size = n * sizeof(struct ord_el) +
		      (n / 2 + 1) * sizeof(struct ord_group);
	struct ord_el *e;
	struct ord_group *st;
	uint64_t k = 0, top = 0;

	if (n == 0)
		return 0;
	e = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e == MAP_FAILED)
		return -ENOMEM;
	st = (struct ord_group *)(e + n);
	for (uint64_t s = 0; s < nslots; s++)
		if (slot[s].meta)
			e[k++].slot = s;
	/* Groups pending are disjoint runs of two or more: n / 2 at most. */
	st[top++] = (struct ord_group){ 0, n, 0 };
	while (top > 0) {
		struct ord_group g = st[--top];
		struct ord_el *ge = e + g.at;
		unsigned limit = 0;

		for (uint64_t i = 0; i < g.n; i++) {
			const struct wt_ix_slot *sl = &slot[ge[i].slot];

			ge[i].k = chunk_at(buf + sl->off, sl->meta >> 8,
					   g.depth);
		}
		for (uint64_t m = g.n; m > 1; m >>= 1)
			limit += 2;
		el_sort(ge, g.n, limit);
		for (uint64_t i = 0, j; i < g.n; i = j) {
			for (j = i + 1; j < g.n && ge[j].k == ge[i].k; j++)
				;
			if (j - i > 1 && (ge[i].k & 0xff))
				st[top++] = (struct ord_group){ g.at + i, j - i,
								g.depth + 8 };
		}
	}
	for (uint64_t i = 0; i < n; i++)
		ord[i] = (uint32_t)e[i].slot;
	munmap(e, size);
	return 0;
}

/* Write n bytes at p to fd (tmp), synced, and rename tmp to path. */
static int put_file(int fd, const char *path, const char *tmp,
		    const char *p, size_t n)
{
	int ret = write_all(fd, p, n);

	if (ret == 0 && fdatasync(fd) < 0)
		ret = -errno;
	sys_close(fd);
	if (ret == 0)
		ret = sys_rename(tmp, path);
	if (ret < 0)
		sys_unlink(tmp);
	return ret;
}

int wt_ix_write(const char *path, const char *tmp, const struct wt_mem *m,
		struct wt_id tid, uint64_t epoch, const struct wt_pos *pos,
		const char *tail, size_t tail_len)
{
	const struct wt_rec *r;
	struct wt_ix_head *h;
	struct wt_ix_slot *slot;
	uint64_t nslots = 16, keys = 0, at;
	size_t i, size;
	char *buf;
	int fd, ret;

	if (tail_len != (pos->off < WT_TAIL ? (size_t)pos->off : WT_TAIL))
		return -EINVAL;
	while (nslots < 2 * m->count + 2)
		nslots *= 2;
	if (nslots > (uint64_t)1 << 32)
		return -EFBIG;
	MEM_FOREACH(m, i, r) {
		if (r->kind != 'w' && r->kind != 'o')
			return -EINVAL;		/* (a full map has no '-') */
		keys += r->len;
	}
	/* First the file: a user who may not write UPPER/.union finds out
	   before the work. */
	fd = sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return fd;
	fd = fd_move_high(fd);
	wt_fix_owner(fd, tmp);
	size = sizeof(*h) + nslots * sizeof(*slot) + ORD_SIZE(m->count) +
	       keys;
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		sys_close(fd);
		sys_unlink(tmp);
		return -ENOMEM;
	}
	h = (struct wt_ix_head *)buf;
	memcpy(h->magic, WT_IX_MAGIC, 8);
	h->version = WT_IX_VERSION;
	h->head_size = sizeof(*h);
	h->probe = wt_key_hash(WT_IX_PROBE, strlen(WT_IX_PROBE));
	h->dev = tid.dev;
	h->ino = tid.ino;
	h->epoch = epoch;
	h->covered = pos->off;
	h->lineno = pos->lineno;
	h->nrec = pos->nrec;
	h->nlive = m->count;
	h->nslots = nslots;
	h->slots_off = sizeof(*h);
	h->ord_off = h->slots_off + nslots * sizeof(*slot);
	h->keys_off = h->ord_off + ORD_SIZE(m->count);
	h->size = size;
	h->tail_len = tail_len;
	memcpy(h->tail, tail, tail_len);
	h->check = head_check(h);
	slot = (struct wt_ix_slot *)(buf + h->slots_off);
	at = h->keys_off;
	MEM_FOREACH(m, i, r) {
		uint64_t j = r->hash & (nslots - 1);

		while (slot[j].meta)
			j = (j + 1) & (nslots - 1);
		slot[j].hash = r->hash;
		slot[j].meta = (uint32_t)r->len << 8 | r->kind;
		slot[j].off = at;
		memcpy(buf + at, r->key, r->len);
		at += r->len;
	}
	ret = ord_make(buf, slot, nslots, (uint32_t *)(buf + h->ord_off),
		       m->count);
	if (ret < 0) {
		sys_close(fd);
		sys_unlink(tmp);
		munmap(buf, size);
		return ret;
	}
	ret = put_file(fd, path, tmp, buf, size);
	munmap(buf, size);
	return ret;
}
