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
 * read too.  What it cannot see, like a running process that read the
 * table: an edit by hand of the table inside its first N bytes that
 * keeps their last 64, or of a slot's hash or path bytes in the index
 * that keeps them consistent (checking every slot would make the first
 * lookup linear again, which is what the index is for).
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
#define WT_IX_VERSION 1
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
	uint64_t keys_off;	/* slots_off + 16 * nslots */
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
	    n > fsize / sizeof(struct wt_ix_slot) ||
	    h->slots_off != sizeof(*h) ||
	    h->keys_off != h->slots_off + n * sizeof(struct wt_ix_slot) ||
	    h->keys_off > fsize || 2 * h->nlive > n)
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
	size = sizeof(*h) + nslots * sizeof(*slot) + keys;
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
	h->keys_off = h->slots_off + nslots * sizeof(*slot);
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
	ret = put_file(fd, path, tmp, buf, size);
	munmap(buf, size);
	return ret;
}
