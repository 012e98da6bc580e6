/*
 * readdir.c - directory streams of the merged view.
 *
 * A directory of a union is listed in one of two ways:
 *
 *   - merged: more than one layer makes it up.  The listing is built
 *     once, at opendir (as overlayfs builds its readdir cache): the
 *     upper's names, then each lower's in order, each name once (an
 *     open-addressing set over one arena of names), leaving out
 *     whiteouts (the table's, and character devices 0/0 in a lower,
 *     which also hide the name below) and UPPER/.union.  Each entry
 *     keeps the d_ino and d_type of the layer that shows it, so d_ino
 *     equals what stat answers for the name.  telldir is an index into
 *     the listing.
 *
 *   - streamed: one layer makes it up.  Its copy is read as it goes,
 *     by getdents64 on the descriptor (as glibc's readdir reads, without
 *     the fstat that glibc's opendir and fdopendir make), dropping only
 *     what must not be seen (a whiteout device, a table whiteout, .union
 *     at the root).  telldir is the d_off of the last entry read, seekdir
 *     and rewinddir an lseek, as glibc's.
 *
 * Every DIR * the program gets from a union is a struct un_dir, marked
 * by a magic number at its start; a DIR * of libc's own (a directory
 * outside every union) goes to the real functions untouched.
 */
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wrap.h"

#define UN_DIR_MAGIC 0x5249444e4f494e55ULL /* "UNIONDIR" */

/* getdents64's buffer (glibc's readdir reads 32 KiB at a time too). */
#define LAYER_BUF 32768

struct un_dent {
	ino_t ino;
	unsigned char type;
	long order;		/* place in the listing (see build_merged) */
	size_t name;		/* offset of its name in un_dir's names */
};

/*
 * A name build_merged has seen, one of its set's entries (seen_set).
 * The name itself is in the listing's arena, which may move as it
 * grows: hence an offset.
 */
struct seen {
	uint64_t hash;		/* un_name_hash */
	uint32_t name;		/* in the arena */
	int32_t idx;		/* its entry, or -1 when hidden */
	uint16_t len;
	/* d_type in the upper's copy and in the lower's, for a directory
	   of those two layers (NO_TYPE: absent there; see put_subdirs) */
	unsigned char type_up, type_low;
	/* The table's record of an upper subdirectory's name, read when
	   the upper was listed (NO_TYPE: not read) */
	unsigned char rec;
	/* Hidden by an OCI whiteout (.wh.NAME) of this layer, before the
	   layer's own NAME was read (NO_TYPE: not so): the marker hides
	   NAME in the layers below only, so that NAME still shows. */
	unsigned char oci_layer;
};

#define NO_TYPE 0xff

/* The set's first slots and entries, in the listing's block after its
   getdents64 buffer (un_dir_open): a directory of up to SEEN_FIRST / 2
   names needs no malloc for them, and only the slots are zeroed. */
#define SEEN_FIRST 256
#define SEEN_ROOM (SEEN_FIRST * sizeof(uint32_t) + \
		   SEEN_FIRST / 2 * sizeof(struct seen))

struct un_dir {
	uint64_t magic;
	int fd;			/* the real directory, for dirfd() */
	bool streamed;		/* one layer's copy, read as it goes */
	bool proc_fds;		/* streamed: /proc/self/fd (proc_fds.c) */
	bool fd_read;		/* merged: fd's copy was read through fd */
	struct un_mount *mnt;
	bool at_root;		/* the union's root: hide .union */
	int layer;		/* streamed: the layer listed */
	struct un_dent *ents;	/* merged: the listing */
	size_t nents, pos;
	/* merged: every name seen (hidden ones too), NUL after each, in
	   one buffer: no malloc per name */
	char *names;
	size_t names_len, names_cap;
	char *rel;		/* the directory under the union's root */
	/* streamed: fd's records, LAYER_BUF bytes read at a time */
	char *buf;
	size_t blen, bpos;
	bool end;		/* buf's last record is the end (un_dents_end) */
	ino_t dotdot_ino;	/* streamed: ".."'s d_ino, 0: the layer's */
	off64_t filepos;	/* telldir: d_off of the last entry read */
	/* Streamed from a lower, read from its start: the records so far
	   (the getdents buffers, as next_entry left them) for
	   un_dcache_put_lower at the end; NULL once that cannot be
	   (seekdir, out of memory, put already). */
	char *low;
	size_t low_len, low_cap;
	bool low_off;		/* read in a signal handler: no malloc, no put */
	/* low is kept only if the first record read is "." (the program's
	   descriptor, on a file system of FS_DOTS_FIRST: un_dir_open) */
	bool low_check;
	size_t block_size;	/* its block's bytes (0: dead_dir's) */
	struct dirent64 out;	/* what readdir returns */
	char name_room[NAME_MAX + 1];
};

bool un_dir_is_ours(const DIR *d)
{
	return d && ((const struct un_dir *)d)->magic == UN_DIR_MAGIC;
}

/* The table's record of d's name e.  Out of hidden_by: its key's
   buffer (UN_VPATH_MAX) is a frame too large for the path of every name
   of a listing. */
static __attribute__((noinline)) enum un_wkind table_record(
	struct un_dir *d, const struct dirent64 *e)
{
	char buf[UN_VPATH_MAX];	/* rel may be deeper than PATH_MAX */
	size_t rl = strlen(d->rel);
	size_t nl = strlen(e->d_name);

	if (rl + 1 + nl >= sizeof(buf))
		return UN_W_NONE;
	memcpy(buf, d->rel, rl);
	if (rl)
		buf[rl++] = '/';
	memcpy(buf + rl, e->d_name, nl + 1);
	return un_wtable_get(d->mnt->wt, buf, rl + nl);
}

/* Does the table's record of d's name e make it a whiteout?  (A 0/0
   device too, maybe: then the listing holds a name that needs no
   record, and rmdir reads.) */
static bool table_hides(struct un_dir *d, const struct dirent64 *e)
{
	return table_record(d, e) == UN_W_WHITEOUT;
}

/* Is d's name e, a character device or of no type in layer's copy, the
   kernel's whiteout (a 0/0 device)? */
static __attribute__((noinline)) bool device_hides(struct un_dir *d,
						   int layer,
						   const struct dirent64 *e)
{
	char buf[UN_VPATH_MAX];
	const char *root = un_layer_root(d->mnt, layer);
	size_t ll = un_layer_len(d->mnt, layer);
	const char *rel = d->rel;
	struct stat st;
	UN_KBUF(kbuf);

	return snprintf(buf, sizeof(buf), "%.*s%s%s/%s", (int)ll, root,
			*rel ? "/" : "", rel, e->d_name) < (int)sizeof(buf) &&
	       real_lstat(un_kreal(buf, &kbuf), &st) == 0 &&
	       un_is_ovl_whiteout(&st);
}

/* Is name (in d's directory, seen in layer) a whiteout that hides it?
   *table: hidden by a record of the table alone (may be NULL).  The
   table's key is built only when the table holds a record now
   (un_wtable_empty: another process's whiteout raises the generation,
   and the next name asks again; tests/integration
   readdir-whiteout-concurrent). */
static bool hidden_by(struct un_dir *d, int layer, const struct dirent64 *e,
		      bool *table)
{
	if (d->at_root && !strcmp(e->d_name, UN_META_DIR))
		return true;
	if (layer > 0 && un_config.oci_lowers &&
	    !strncmp(e->d_name, UN_OCI_WH, sizeof(UN_OCI_WH) - 1))
		return true;
	if (layer > 0 && !un_wtable_empty(d->mnt->wt) && table_hides(d, e)) {
		if (table)
			*table = true;
		return true;
	}
	if (e->d_type == DT_CHR || e->d_type == DT_UNKNOWN)
		return device_hides(d, layer, e);
	return false;
}

static bool hidden(struct un_dir *d, int layer, const struct dirent64 *e)
{
	return hidden_by(d, layer, e, NULL);
}

/* Is d's name e, a directory in the upper's copy realdir beside a
   whiteout record of its name, a killed copy-up's copy (gone now:
   un_copy_left)?  Out of line: its path. */
static __attribute__((noinline, cold)) bool copy_left(
	struct un_dir *d, const char *realdir, const struct dirent64 *e)
{
	char buf[UN_VPATH_MAX];

	return snprintf(buf, sizeof(buf), "%s/%s", realdir, e->d_name) <
		       (int)sizeof(buf) &&
	       un_copy_left(d->mnt, buf);
}

/* The table's record of d's name e, which s holds: read again unless
   the upper's listing read it. */
static enum un_wkind seen_record(struct un_dir *d, const struct seen *s,
				 const struct dirent64 *e)
{
	return s->rec != NO_TYPE ? (enum un_wkind)s->rec : table_record(d, e);
}

/* Copy name (len bytes, a NUL added) to d's arena: its offset, or -1. */
static ssize_t arena_add(struct un_dir *d, const char *name, size_t len)
{
	size_t off = d->names_len;

	if (d->names_len + len + 1 > d->names_cap) {
		size_t ncap = d->names_cap ? d->names_cap * 2 : 1024;
		char *grown;

		while (ncap < d->names_len + len + 1)
			ncap *= 2;
		grown = realloc(d->names, ncap);
		if (!grown)
			return -1;
		d->names = grown;
		d->names_cap = ncap;
	}
	memcpy(d->names + off, name, len);
	d->names[off + len] = '\0';
	d->names_len += len + 1;
	return (ssize_t)off;
}

/*
 * The names build_merged has seen: an open-addressing table of 4-byte
 * slots (0: free, else an entry's index + 1) over the entries in the
 * order they came, at most half as many as slots.
 */
struct seen_set {
	uint32_t *slot;		/* mask + 1 slots, a power of two */
	struct seen *ent;	/* (mask + 1) / 2 of them */
	size_t mask, used;
	bool own;		/* slot and ent malloc'd (grown) */
};

static void seen_init(struct seen_set *set, char *room)
{
	set->slot = (uint32_t *)room;
	set->ent = (struct seen *)(room + SEEN_FIRST * sizeof(uint32_t));
	set->mask = SEEN_FIRST - 1;
	set->used = 0;
	set->own = false;
	memset(set->slot, 0, SEEN_FIRST * sizeof(uint32_t));
}

static void seen_free(struct seen_set *set)
{
	if (set->own) {
		free(set->slot);
		free(set->ent);
	}
}

/* Double the set's slots and entries. */
static int seen_grow(struct seen_set *set)
{
	size_t n = (set->mask + 1) * 2;
	uint32_t *slot = n < UINT32_MAX ? calloc(n, sizeof(*slot)) : NULL;
	struct seen *ent = slot ? malloc(n / 2 * sizeof(*ent)) : NULL;

	if (!ent) {
		free(slot);
		return -ENOMEM;
	}
	memcpy(ent, set->ent, set->used * sizeof(*ent));
	for (size_t k = 0; k < set->used; k++) {
		size_t j;

		for (j = ent[k].hash & (n - 1); slot[j]; j = (j + 1) & (n - 1))
			;
		slot[j] = (uint32_t)k + 1;
	}
	seen_free(set);
	set->slot = slot;
	set->ent = ent;
	set->mask = n - 1;
	set->own = true;
	return 0;
}

/*
 * The name (len bytes, hash its un_name_hash) in the set: found, or
 * added (*added, idx -1, the name copied to d's arena); NULL when out
 * of memory.
 */
static struct seen *seen_get(struct seen_set *set, struct un_dir *d,
			     const char *name, size_t len, uint64_t hash,
			     bool *added)
{
	struct seen *s;
	size_t i;
	ssize_t off;

	*added = false;
	for (i = hash & set->mask; set->slot[i]; i = (i + 1) & set->mask) {
		s = &set->ent[set->slot[i] - 1];
		if (s->hash == hash && s->len == len &&
		    !memcmp(d->names + s->name, name, len))
			return s;
	}
	if (2 * (set->used + 1) > set->mask + 1) {
		if (seen_grow(set) < 0)
			return NULL;
		for (i = hash & set->mask; set->slot[i];
		     i = (i + 1) & set->mask)
			;
	}
	off = arena_add(d, name, len);
	if (off < 0 || (size_t)off > UINT32_MAX || len > NAME_MAX)
		return NULL;
	set->slot[i] = (uint32_t)set->used + 1;
	s = &set->ent[set->used];
	s->hash = hash;
	s->name = (uint32_t)off;
	s->len = (uint16_t)len;
	s->idx = -1;
	s->type_up = s->type_low = s->rec = s->oci_layer = NO_TYPE;
	set->used++;
	*added = true;
	return s;
}

/* Add the entry of the name at offset name in d's arena. */
static int add_entry(struct un_dir *d, size_t *cap, size_t name, ino_t ino,
		     unsigned char type)
{
	if (d->nents == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct un_dent *grown = realloc(d->ents, ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		d->ents = grown;
		*cap = ncap;
	}
	d->ents[d->nents].name = name;
	d->ents[d->nents].ino = ino;
	d->ents[d->nents].type = type;
	d->ents[d->nents].order = -1;
	d->nents++;
	return 0;
}

/*
 * Put d's entries in their order: each entry's order is its place, a
 * permutation of 0..nents-1 (build_merged), followed cycle by cycle
 * (n swaps at most, where qsort made n log n calls of a comparison).
 */
static void put_in_order(struct un_dir *d)
{
	for (size_t k = 0; k < d->nents; k++)
		while ((size_t)d->ents[k].order != k) {
			size_t to = (size_t)d->ents[k].order;
			struct un_dent t = d->ents[to];

			d->ents[to] = d->ents[k];
			d->ents[k] = t;
		}
}

/*
 * One layer's copy of a merged directory, read by getdents64 itself:
 * opendir would add an fstat (and a 32 KiB DIR) for each layer, and the
 * copy the caller's descriptor stands on is read through that
 * descriptor, not opened again (bench/README.md "Session 9 (walks)").
 */
struct layer_read {
	int fd;
	bool own;		/* opened here: closed by layer_done */
	bool started;		/* getdents64 answered once */
	/* The caller's descriptor at an offset not known to be 0: its
	   first record must be "." (see layer_first), else it is rewound. */
	bool check_dot;
	char *buf;		/* LAYER_BUF bytes */
	size_t len, pos;
	int err;		/* getdents64's errno, once it failed */
	/* the last read ended at the directory's end (un_dents_end) */
	bool end;
	struct un_mount *mnt;
	int layer;
	const char *realdir;
	struct un_kbuf *kbuf;
};

/*
 * What a layer's file system promises of getdents64 (layer_fs), on a
 * copy that lies on the layer root's own device (the caller checks
 * st_dev: a mount inside a layer may be of another kind):
 *
 *   FS_DOTS_FIRST: "." is the first record, at offset 0, and comes
 *   nowhere else (dir_emit_dots of tmpfs and btrfs; xfs keeps "." and
 *   ".." first in its first block).  Not ext4: a hashed directory (any
 *   with dir_index) gives "." at its hash's place.
 *
 *   FS_EOD64, FS_EOD32: the last record of a read that reached the
 *   end carries a mark no name's offset can be (un_dents_end): ext4
 *   and btrfs INT64_MAX, tmpfs INT32_MAX.
 *
 * One statfs of the layer's root a process, at its first merged
 * listing; kept in the mount (0 until asked).
 *
 * (A short read is never taken for the end, on any file system: the
 * kernel's filldir64 stops after the first record whenever a signal is
 * pending, so a program taking signals gets short reads mid-directory;
 * edges/procs-signal lost names when it was.)
 */
#define FS_KNOWN 1
#define FS_DOTS_FIRST 2
#define FS_EOD32 4		/* see un_dents_end */
#define FS_EOD64 8

static unsigned layer_fs(struct un_mount *m, int i)
{
	unsigned char f = __atomic_load_n(&m->layer_fs[i], __ATOMIC_RELAXED);

	if (!f) {
		struct statfs sf;
		int saved = errno;

		f = FS_KNOWN;
		if (m->layer_dev[i] &&
		    real_syscall(SYS_statfs, un_layer_root(m, i), &sf) == 0) {
			switch (sf.f_type) {
			case TMPFS_MAGIC:
				f |= FS_DOTS_FIRST | FS_EOD32;
				break;
			case BTRFS_SUPER_MAGIC:
				f |= FS_DOTS_FIRST | FS_EOD64;
				break;
			case XFS_SUPER_MAGIC:
				f |= FS_DOTS_FIRST;
				break;
			case EXT4_SUPER_MAGIC:
				f |= FS_EOD64;
				break;
			}
		}
		errno = saved;
		__atomic_store_n(&m->layer_fs[i], f, __ATOMIC_RELAXED);
	}
	return f;
}

/*
 * Does off, the d_off of the last record a getdents64 gave for d's copy
 * in layer, say that read reached the directory's end?  The kernel
 * writes the file's position after the read there (fs/readdir.c), and
 * some file systems move it at the end to a mark no entry can hold:
 * ext4's hashed directories (every directory of one block or more on a
 * file system with dir_index: EXT4_HTREE_EOF_64BIT, a hash ext4 never
 * gives a name) and btrfs (LLONG_MAX) use INT64_MAX; tmpfs of recent
 * kernels (libfs's directory offsets, seen on 6.18) uses INT32_MAX.  A
 * tmpfs name's own position counts the names made in the directory
 * from 2 (older kernels: its place), so only a directory that saw 2^31
 * creations could hold a name there.  Then the read that would answer
 * 0 is not made: a listing costs one getdents64 a layer, as the kernel
 * overlay's own reading (a read cut short by a signal, see layer_fs,
 * leaves the position at the next name, never at the mark).  Anything
 * else (ext2's or an unhashed ext4 directory's byte offsets, xfs)
 * takes the read to 0 as before.  The mark is trusted only on the file
 * systems named (the layer root's, by layer_fs): a FUSE or network file
 * system's offsets are whatever its server gives, and a name missed
 * there would be missed by every copy, archive or removal made through
 * the union.  (A mount of another kind inside a layer is taken for the
 * root's kind, as for FS_DOTS_FIRST.)
 */
bool un_dents_end(struct un_mount *m, int layer, off64_t off)
{
	if ((off != INT64_MAX && off != INT32_MAX) || !m || layer < 0)
		return false;
	return layer_fs(m, layer) & (off == INT64_MAX ? FS_EOD64 : FS_EOD32);
}

static int layer_open(struct layer_read *r)
{
	r->own = true;
	r->fd = real_open(un_kreal(r->realdir, r->kbuf),
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return r->fd < 0 ? -errno : 0;
}

/* Open the copy of d's directory in layer i: fd when it stands there
   (fd_layer; fd_unsure: maybe not at offset 0), else by its real path
   realdir.  fs: layer_fs's answer for that copy (0: none). */
static int layer_begin(struct layer_read *r, const char *realdir,
		       struct un_kbuf *kbuf, int fd, bool fd_here,
		       bool fd_unsure, unsigned fs, char *buf)
{
	r->buf = buf;
	r->len = r->pos = 0;
	r->err = 0;
	r->started = false;
	r->end = false;
	r->check_dot = fd_here && fd_unsure && (fs & FS_DOTS_FIRST);
	r->realdir = realdir;
	r->kbuf = kbuf;
	/* (Rewound where its first record cannot tell: the caller's
	   descriptor is read through only at offset 0.) */
	if (!fd_here || (fd_unsure && !r->check_dot &&
			 real_lseek(fd, 0, SEEK_SET) != 0))
		return layer_open(r);
	r->own = false;
	r->fd = fd;
	return 0;
}

/*
 * The first read through the caller's descriptor, whose offset the
 * library does not know (fdopendir: the program may have read it).
 * Rewinding it first (lseek) would cost a call in every fts walk, which
 * opens, fstats and fdopendirs a fresh descriptor; where "." comes
 * first and nowhere else (FS_DOTS_FIRST) the first record tells
 * instead: "." means the read began at 0.  Anything else (another
 * name, nothing at all: read to its end already) rewinds it and reads
 * again.
 */
static long layer_first(struct layer_read *r, long got)
{
	if (got > 0 &&
	    !strcmp(((struct dirent64 *)r->buf)->d_name, "."))
		return got;
	if (real_lseek(r->fd, 0, SEEK_SET) != 0)
		return -1;
	return real_syscall(SYS_getdents64, r->fd, r->buf, LAYER_BUF);
}

static struct dirent64 *layer_next(struct layer_read *r)
{
	struct dirent64 *e;

	do {
		if (r->pos >= r->len) {
			long got;

			if (r->end)
				return NULL;
			got = real_syscall(SYS_getdents64, r->fd, r->buf,
					   LAYER_BUF);
			if (r->check_dot && !r->started && got >= 0)
				got = layer_first(r, got);

			/* The caller's descriptor may not be readable
			   (O_PATH: the kernel's fdopendir takes it, its
			   readdir fails): the copy is then opened by its
			   path, as before. */
			if (got < 0 && !r->own && !r->started) {
				if (layer_open(r) < 0) {
					r->err = errno;
					return NULL;
				}
				got = real_syscall(SYS_getdents64, r->fd,
						   r->buf, LAYER_BUF);
			}
			r->started = true;
			if (got <= 0) {
				if (got < 0)
					r->err = errno;
				return NULL;
			}
			r->len = (size_t)got;
			r->pos = 0;
		}
		e = (struct dirent64 *)(r->buf + r->pos);
		r->pos += e->d_reclen;
		if (r->pos >= r->len)
			r->end = un_dents_end(r->mnt, r->layer, e->d_off);
	} while (!e->d_ino);	/* (skipped by glibc's readdir too) */
	return e;
}

static void layer_done(struct layer_read *r)
{
	if (r->own && r->fd >= 0)
		real_close(r->fd);
}

/*
 * Must the upper's copy of d (n) be asked for search permission before
 * its names are remembered?  Not when its owner is the caller and has
 * x: the owner's bits answer alone (an ACL's owner entry is them), and
 * n->st is that copy's own (fd_layer 0: stat'ed by the lookup or
 * through the descriptor the listing reads).
 */
static bool upper_searchable(const struct un_node *n, int fd_layer)
{
	return fd_layer == 0 && n->layer == 0 && n->st.st_ino &&
	       n->st.st_uid == un_self_euid() && (n->st.st_mode & S_IXUSR);
}

/* May the caller search d's copy in layer lower?  (nlow: the names it
   would let put_subdirs tell; one is not worth the call.) */
static __attribute__((noinline)) bool lower_searchable(struct un_dir *d,
						       int lower, size_t nlow)
{
	char realdir[UN_VPATH_MAX];
	UN_KBUF(kbuf);
	int saved = errno;
	bool ok;

	if (un_self_euid() == 0)
		return true;
	if (nlow < 2 || un_path_join(realdir, sizeof(realdir),
				     un_layer_root(d->mnt, lower),
				     un_layer_len(d->mnt, lower), d->rel) < 0)
		return false;
	ok = real_faccessat(AT_FDCWD, un_kreal(realdir, &kbuf), X_OK,
			    AT_EACCESS) == 0;
	errno = saved;
	return ok;
}

/*
 * The subdirectories of d (the upper and one lower, n's dirlayers),
 * told to the directory cache with their layers, as lookup_component
 * would find them from the two listings just read (names and d_type):
 * the lookup that follows a listing (fts's fstatat and openat of each
 * subdirectory, ls -R, git's untracked walk) then stats one layer, not
 * each.  Only what the listings prove: a name whose type is unknown
 * (DT_UNKNOWN) in either layer, or a device in the upper (a whiteout,
 * maybe), is left to the lookup.  The table's records: an opaque upper
 * copy has the upper alone; a whiteout hides the lower's (hidden names
 * have no entry).  A lower's copy counts only where the lookup's lstat
 * below it would not be refused (EACCES makes the lookup guess): for
 * root, or when the lower copy of d is searchable (one faccessat, made
 * only for two such names or more: it saves their lstats).  stamp:
 * un_dcache_stamp before the layers were read (any change of a
 * directory of the upper or of the table since, and the entries are
 * not taken).
 */
/* (noinline: its two paths are not on build_merged's frame while that
   looks up the parent) */
static __attribute__((noinline)) void put_subdirs(struct un_dir *d,
						  const struct un_node *n,
						  const struct seen_set *set,
						  int lower, uint64_t stamp)
{
	uint64_t low = (uint64_t)1 << lower;
	int lower_ok = -1;	/* the lower's copy searchable: asked once */
	char vpath[UN_VPATH_MAX], key[UN_VPATH_MAX];
	size_t vl = strlen(n->vpath), rl = strlen(d->rel), nlow = 0;

	if (vl && n->vpath[vl - 1] == '/')
		vl--;		/* (a MERGED of "/") */
	if (vl + 1 >= sizeof(vpath) || rl + 1 >= sizeof(key))
		return;
	memcpy(vpath, n->vpath, vl);
	vpath[vl++] = '/';
	memcpy(key, d->rel, rl);
	if (rl)
		key[rl++] = '/';
	for (size_t i = 0; i < set->used; i++)
		nlow += set->ent[i].idx >= 0 && set->ent[i].type_low == DT_DIR;
	for (size_t i = 0; i < set->used; i++) {
		const struct seen *e = &set->ent[i];
		const char *name = d->names + e->name;
		uint64_t mask;
		bool with_low;

		if (e->idx < 0 || vl + e->len >= sizeof(vpath) ||
		    rl + e->len >= sizeof(key) ||
		    (name[0] == '.' && (e->len == 1 ||
					(e->len == 2 && name[1] == '.'))))
			continue;
		if (e->type_up == DT_DIR) {
			mask = 1;
			if (e->type_low == DT_UNKNOWN)
				continue;
			/* (A record, opaque or whiteout, ends the lookup at
			   the upper: no stat of the lower's copy.) */
			with_low = e->type_low == DT_DIR &&
				   (!d->mnt->wt ||
				    (memcpy(key + rl, name, e->len),
				     un_wtable_get(d->mnt->wt, key,
						   rl + e->len) == UN_W_NONE));
		} else if (e->type_up == NO_TYPE && e->type_low == DT_DIR) {
			mask = 0;
			with_low = true;
		} else {
			continue;
		}
		if (with_low) {
			if (lower_ok < 0)
				lower_ok = lower_searchable(d, lower, nlow);
			if (!lower_ok)
				continue;
			mask |= low;
		}
		memcpy(vpath + vl, name, e->len + 1);
		/* (With the identity of its lower copy where the upper's
		   merges with it: its d_ino is that copy's, build_merged;
		   its device the lower root's, when config.c knows it.) */
		if ((mask & 1) && with_low && d->mnt->layer_dev[lower])
			un_dcache_put_origin(d->mnt, vpath, vl + e->len, mask,
					     n->dirlayers, stamp,
					     d->mnt->layer_dev[lower],
					     d->ents[e->idx].ino);
		else
			un_dcache_put(d->mnt, vpath, vl + e->len, mask,
				      n->dirlayers, stamp);
	}
}

/*
 * Build the listing of a directory merged from several layers, in the
 * kernel's order (ovl_dir_read_merged): every name the bottom layer has
 * comes in the bottom layer's order ("." and ".." included), then the
 * rest of the top layer's, then what the layers in between add.  Each
 * name is taken from the topmost layer that has it; a whiteout takes the
 * name too, so nothing below shows it.  fd_layer: the layer whose copy
 * d->fd stands on (-1: none), read through it; fd_unsure: maybe not at
 * offset 0 (layer_first).
 */
static int build_merged(struct un_dir *d, const struct un_node *n,
			int fd_layer, bool fd_unsure)
{
	struct seen_set set;
	struct seen *s;
	bool added;
	size_t cap = 0;
	int order[UN_MAX_LOWERS + 2], nlayers = 0;
	long bottom_pos = 0, rest_pos = 0;
	char realdir[UN_VPATH_MAX], up[UN_VPATH_MAX];
	UN_KBUF(kbuf);	/* realdir too long for the kernel */
	struct un_node parent;
	char *buf = d->buf;	/* (un_dir_open's, LAYER_BUF bytes) */
	int rc = 0;
	/* The upper and one lower: the subdirectories' layers are told to
	   the directory cache (put_subdirs), when there are some. */
	bool subdirs = false, upper_ok = false;
	size_t ndirs = 0;
	uint64_t dstamp = 0;

	seen_init(&set, d->buf + LAYER_BUF);
	for (int i = 0; i <= d->mnt->nlower; i++)
		if (n->dirlayers & ((uint64_t)1 << i))
			order[nlayers++] = i;
	if (nlayers == 2 && order[0] == 0 && !un_config.oci_lowers &&
	    !un_in_signal()) {
		subdirs = true;
		dstamp = un_dcache_stamp(d->mnt);
	}

	/* "." and "..", with the inode numbers stat gives for them.  Below
	   the root, a directory the upper holds has its parent there too,
	   topmost, and the upper's own ".." says its inode number.  Just
	   below the root, the kernel gives the topmost copy's own ".." (it
	   recomputes no root's number): a lower root's where the upper
	   lacks the directory.  Else vpath is free of symlinks: its parent
	   is vpath less its last name (no '..' to walk, with its search
	   permission check), or, PATH_MAX bytes or more (no lookup's
	   path), '..' from d->fd. */
	bool dotdot_from_top = d->rel[0] &&
			       ((n->dirlayers & 1) || !strchr(d->rel, '/'));
	/* The identity of a directory whose upper copy merges with a
	   lower's is its topmost lower copy's (un_node_dir_origin): "."
	   and the subdirectories of the upper and a lower take d_ino from
	   that lower's listing, ".." of a parent merged so likewise when
	   that lower is the parent's topmost one, else from a lookup of the
	   parent.  (The union's root keeps its upper's, as the kernel's.) */
	bool dot_low = nlayers > 1 && order[0] == 0 && d->rel[0];
	bool dotdot_low = false;
	/* (a lower's copy searchable: asked once a layer) */
	int low_ok_layer = -1;
	bool low_ok = false;

	if (dotdot_from_top && (n->dirlayers & 1) && strchr(d->rel, '/')) {
		uint64_t pl = n->parent_dirlayers >> 1;

		if (!n->parent_dirlayers ||
		    (pl && (nlayers < 2 ||
			    __builtin_ctzll(pl) + 1 != order[1])))
			dotdot_from_top = false;	/* looked up */
		else
			dotdot_low = pl != 0;
	}

	parent.st.st_ino = n->st.st_ino;
	if (!dotdot_from_top) {
		size_t vlen = strlen(n->vpath);
		int prc;

		memcpy(up, n->vpath, vlen + 1);
		*strrchr(up, '/') = '\0';
		if (vlen >= PATH_MAX && d->fd >= 0)
			prc = un_lookup(d->fd, "..", UN_LK_FOLLOW, &parent);
		else
			prc = un_lookup(AT_FDCWD, *up ? up : "/",
					UN_LK_FOLLOW, &parent);
		if (prc < 0 || (parent.mnt && parent.layer < 0))
			parent.st.st_ino = n->st.st_ino;
		else if (!parent.mnt &&
			 real_stat(parent.kpath, &parent.st) < 0)
			parent.st.st_ino = n->st.st_ino;
		else if (parent.mnt)
			un_node_dir_origin(&parent, &parent.st.st_dev,
					   &parent.st.st_ino);
	}

	for (int k = 0; k < nlayers; k++) {
		int i = order[k];
		bool bottom = k == nlayers - 1;
		struct layer_read r;
		struct dirent64 *e;
		/* The upper's names, for the lookups that follow a listing
		   (dcache.c); NULL once out of memory. */
		uint64_t *names = NULL, stamp = 0;
		size_t nnames = 0, names_cap = 0;

		if (i == 0) {
			stamp = un_dcache_names_stamp(d->mnt);
			names_cap = 64;
			names = malloc(names_cap * sizeof(*names));
		}

		if (un_path_join(realdir, sizeof(realdir),
				 un_layer_root(d->mnt, i),
				 un_layer_len(d->mnt, i), d->rel) < 0) {
			rc = -ENAMETOOLONG;
			free(names);
			goto out;
		}
		/* A short read is the end where the copy is known to lie on
		   its layer root's device: the root itself, or the copy n->st
		   is of (its topmost, which fd then stands on). */
		bool known_dev = !*d->rel ||
				 (i == fd_layer && i == n->layer &&
				  n->st.st_ino &&
				  n->st.st_dev == d->mnt->layer_dev[i]);

		r.mnt = d->mnt;
		r.layer = i;
		rc = layer_begin(&r, realdir, &kbuf, d->fd, i == fd_layer,
				 fd_unsure, known_dev ? layer_fs(d->mnt, i) : 0,
				 buf);
		if (rc < 0) {
			free(names);
			goto out;
		}
		while ((e = layer_next(&r))) {
			size_t nl = strlen(e->d_name);
			bool dot = !strcmp(e->d_name, ".");
			bool dotdot = !strcmp(e->d_name, "..");
			uint64_t h = un_name_hash(e->d_name, nl);

			if (dotdot && k == 0 && dotdot_from_top)
				parent.st.st_ino = e->d_ino;

			if (names && nnames == names_cap) {
				uint64_t *grown = realloc(names, 2 * names_cap *
							  sizeof(*names));

				if (!grown) {
					free(names);
					names = NULL;
				} else {
					names = grown;
					names_cap *= 2;
				}
			}
			if (names && !dot && !dotdot)
				names[nnames++] = h;

			/* An OCI whiteout .wh.NAME takes NAME from below. */
			if (i > 0 && un_config.oci_lowers && !dot && !dotdot &&
			    !strncmp(e->d_name, UN_OCI_WH,
				     sizeof(UN_OCI_WH) - 1) &&
			    strcmp(e->d_name, UN_OCI_OPQ)) {
				const char *name = e->d_name +
						   sizeof(UN_OCI_WH) - 1;
				size_t wl = strlen(name);

				s = seen_get(&set, d, name, wl,
					     un_name_hash(name, wl), &added);
				if (!s) {
					rc = -ENOMEM;
					break;
				}
				if (added)
					s->oci_layer = (unsigned char)i;
			}
			s = seen_get(&set, d, e->d_name, nl, h, &added);
			if (!s) {
				rc = -ENOMEM;
				break;
			}
			/* The layer's own NAME beside its .wh.NAME, read
			   after it: the first to hold it, it shows (as a
			   lookup finds it: namei.c; session 17). */
			if (!added && s->oci_layer == (unsigned char)i) {
				s->oci_layer = NO_TYPE;
				added = true;
			}
			/* A name shown from above: "." and ".." (see
			   dot_low), or a subdirectory of the upper that this
			   lower, the first below to hold the name, merges
			   into. */
			if (!added && s->idx >= 0 && i > 0) {
				if (dot || dotdot) {
					if (k == 1 && (dot ? dot_low : dotdot_low))
						d->ents[s->idx].ino = e->d_ino;
				} else if (s->type_up == DT_DIR &&
					   s->type_low == NO_TYPE &&
					   e->d_type == DT_DIR &&
					   (un_wtable_empty(d->mnt->wt) ||
					    seen_record(d, s, e) == UN_W_NONE)) {
					if (low_ok_layer != i) {
						low_ok = lower_searchable(d, i,
									  2);
						low_ok_layer = i;
					}
					if (low_ok)
						d->ents[s->idx].ino = e->d_ino;
				}
			}
			if (i == 0)
				s->type_up = e->d_type;
			else
				s->type_low = e->d_type;
			ndirs += e->d_type == DT_DIR && !dot && !dotdot;
			/* The upper's subdirectory beside a whiteout: a
			   killed copy-up's, maybe.  (The record is kept for
			   the lower's copy of the name, below: one look at
			   the table for a merged subdirectory, as before.) */
			if (__builtin_expect(e->d_type == DT_DIR, 0) &&
			    i == 0 && added && nlayers > 1 && !dot &&
			    !dotdot && !un_wtable_empty(d->mnt->wt) &&
			    (s->rec = table_record(d, e)) == UN_W_WHITEOUT &&
			    copy_left(d, realdir, e))
				continue;
			if (added && (dot || dotdot || !hidden(d, i, e))) {
				s->idx = (ssize_t)d->nents;
				rc = add_entry(d, &cap, s->name,
					       dot ? n->st.st_ino :
					       dotdot ? parent.st.st_ino :
							e->d_ino,
					       dot || dotdot ? DT_DIR :
							       e->d_type);
				if (rc < 0)
					break;
			}
			/* (Once: a name read twice, the directory changing
			   under getdents64, keeps its first place.) */
			if (bottom && s->idx >= 0 && d->ents[s->idx].order < 0)
				d->ents[s->idx].order = bottom_pos++;
		}
		layer_done(&r);
		if (rc == 0 && r.err)
			rc = -r.err;
		/* (Only where a lookup would search the upper's copy: a
		   name skipped there must not be found in a lower.  The
		   subdirectories' layers likewise: the cache's answer skips
		   the topmost copy's search permission for a name of the
		   lower alone.) */
		if (i == 0 && rc == 0 && (names || subdirs))
			upper_ok = upper_searchable(n, fd_layer) ||
				   real_faccessat(AT_FDCWD,
						  un_kreal(realdir, &kbuf),
						  X_OK, AT_EACCESS) == 0;
		/* (Nor after a route past a refusal: n->routed, see
		   namei.c lk_routes0.) */
		if (i == 0 && n->routed)
			upper_ok = false;
		if (names && rc == 0 && upper_ok)
			un_dcache_put_names(d->mnt, d->rel, names, nnames, stamp);
		else
			free(names);
		if (rc < 0)
			goto out;
	}
	/* The bottom layer's names took places 0..bottom_pos-1; the rest
	   follow in the order they were added. */
	for (size_t k = 0; k < d->nents; k++)
		if (d->ents[k].order < 0)
			d->ents[k].order = bottom_pos + rest_pos++;
	/* (Before put_in_order: the set's idx are the entries' places.) */
	if (subdirs && ndirs && upper_ok)
		put_subdirs(d, n, &set, order[1], dstamp);
	put_in_order(d);
out:
	seen_free(&set);
	return rc;
}

int un_dir_open_real(const struct un_node *n)
{
	UN_KBUF(kbuf);
	const char *p;
	/* From where the lookup started when it may (its ancestors in the
	   layer may be unsearchable: found/103), as wrap_open.c's open. */
	int at = un_node_at(n, &p);

	if (!n->at_off || (at == AT_FDCWD && !__libc_single_threaded))
		at = un_node_kat(n, &kbuf, &p);
	/* (glibc's opendir's flags.) */
	return real_openat(at, p,
			   O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);
}

/*
 * One block a listing: the stream, getdents64's buffer (a merged
 * listing's reading of each layer uses it too), build_merged's first
 * seen_set, the directory's path under the union's root (PATH_MAX
 * bytes of room at least).  The last block closed is kept for the next
 * listing, of any thread (taken and given back by an atomic exchange):
 * a walk then makes no malloc and free of ~41 KiB a directory.  Only
 * the header is zeroed: out and name_room are written before read.
 */
#define BLOCK_BASE (sizeof(struct un_dir) + LAYER_BUF + SEEN_ROOM)

/*
 * ".." of a directory of one layer (rel, n->layer) whose parent is
 * merged: the parent's identity is its topmost lower copy's (or its
 * topmost copy's, without the upper: un_node_dir_origin), which the
 * layer's own ".." says only when it is that copy.  0 when the layer's
 * answers, or the parent's layers are unknown (n->parent_dirlayers 0)
 * or its copy cannot be stat'ed; else its st_ino (one lstat).  Just
 * below the root, the layer's own (as build_merged's).
 */
static __attribute__((noinline)) ino_t streamed_dotdot(const struct un_node *n,
							const char *rel)
{
	uint64_t pl = n->parent_dirlayers;
	char buf[UN_VPATH_MAX];
	const char *slash = strrchr(rel, '/');
	UN_KBUF(kbuf);
	struct stat st;
	int layer, e0 = errno;
	size_t ll;

	if (!slash || (pl & (pl - 1)) == 0 || n->layer < 0)
		return 0;
	layer = (pl & 1) ? __builtin_ctzll(pl >> 1) + 1 : __builtin_ctzll(pl);
	ll = un_layer_len(n->mnt, layer);
	if (layer == n->layer || ll + 1 + (size_t)(slash - rel) >= sizeof(buf))
		return 0;
	memcpy(buf, un_layer_root(n->mnt, layer), ll);
	buf[ll] = '/';
	memcpy(buf + ll + 1, rel, (size_t)(slash - rel));
	buf[ll + 1 + (slash - rel)] = '\0';
	if (real_lstat(un_kreal(buf, &kbuf), &st) < 0 || !S_ISDIR(st.st_mode)) {
		errno = e0;
		return 0;
	}
	return st.st_ino;
}

static struct un_dir *spare_block;

static struct un_dir *block_get(size_t rl)
{
	size_t want = BLOCK_BASE + (rl > PATH_MAX ? rl : PATH_MAX);
	struct un_dir *d = __atomic_exchange_n(&spare_block, NULL,
					       __ATOMIC_ACQUIRE);

	if (!d || d->block_size < want) {
		free(d);
		d = malloc(want);
		if (!d)
			return NULL;
	} else {
		want = d->block_size;
	}
	memset(d, 0, offsetof(struct un_dir, out));
	d->block_size = want;
	return d;
}

static void block_put(struct un_dir *d)
{
	if (d->block_size)
		d = __atomic_exchange_n(&spare_block, d, __ATOMIC_ACQ_REL);
	free(d);
}

DIR *un_dir_open(const struct un_node *n, int fd, int fd_layer,
		 bool fd_unsure)
{
	const char *rel = un_node_rel(n);
	size_t rl = strlen(rel) + 1;
	bool merged = un_node_is_merged_dir(n);
	struct un_dir *d = block_get(rl);
	int rc;
	uint64_t pl = n->parent_dirlayers;
	/* (its parent merged: streamed_dotdot) */
	ino_t dotdot = merged || !(pl & (pl - 1)) ? 0 : streamed_dotdot(n, rel);

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->magic = UN_DIR_MAGIC;
	d->fd = fd;
	d->mnt = n->mnt;
	d->at_root = !*rel;
	d->layer = n->layer;
	d->buf = (char *)(d + 1);
	d->rel = d->buf + LAYER_BUF + SEEN_ROOM;
	memcpy(d->rel, rel, rl);
	if (merged) {
		rc = build_merged(d, n, fd_layer, fd_unsure);
		if (rc < 0)
			goto out_free;
		d->fd_read = fd_layer >= 0;
	} else {
		/* The stream owns fd from now on (closedir closes it). */
		d->streamed = true;
		d->dotdot_ino = dotdot;
		un_fd_mark_stream(fd);
		/* A lower's names, for rmdir's emptiness (dcache.c): read
		   from the start (fd_layer < 0: a descriptor the program
		   gave, fts's, which may have been read already).  Where
		   "." comes first and only there (the layer's file system:
		   FS_DOTS_FIRST), the first record tells, as for a merged
		   listing (layer_first), instead of an lseek a directory.
		   (The layer root's kind, not the copy's: a mount of a kind
		   that gives "." elsewhere inside a lower, its descriptor
		   moved by the program to just before its "." first, would
		   keep a partial list; the kernel overlay never looks into
		   a mount inside a layer at all.) */
		if (d->layer > 0 && d->mnt->upper && d->mnt->wt && *d->rel &&
		    !un_in_signal()) {
			if (fd_layer < 0 &&
			    (layer_fs(d->mnt, d->layer) & FS_DOTS_FIRST))
				d->low_check = true;
			if (fd_layer >= 0 || d->low_check ||
			    real_lseek(fd, 0, SEEK_CUR) == 0)
				d->low = malloc(d->low_cap = 1024);
		}
	}
	return (DIR *)d;

out_free:
	free(d->ents);
	free(d->names);
	block_put(d);
	errno = -rc;
	return NULL;
}

/* Open the merged directory n (or take the descriptor the lookup
   opened), or answer -errno. */
static DIR *open_node(struct un_node *n)
{
	DIR *d;
	int fd;

	if (n->layer < 0) {
		errno = ENOENT;
		return NULL;
	}
	if (!S_ISDIR(n->st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	fd = n->open_fd >= 0 ? n->open_fd : un_dir_open_real(n);
	if (fd < 0)
		return NULL;
	/* Looked up without a stat (UN_LK_NOSTAT): a merged listing wants
	   the inode number of "." */
	if (un_node_is_merged_dir(n) && !n->st.st_ino &&
	    real_fstat(fd, &n->st) < 0) {
		UN_SAVE_ERRNO;
		real_close(fd);
		UN_RESTORE_ERRNO;
		return NULL;
	}
	un_fd_set_at(fd, n->vpath, un_node_is_merged_dir(n), n->mnt,
		     n->layer);
	d = un_dir_open(n, fd, n->layer, false);
	if (!d) {
		UN_SAVE_ERRNO;
		un_fd_forget(fd);
		real_close(fd);
		UN_RESTORE_ERRNO;
		return NULL;
	}
	return d;
}

/*
 * The cwd was deleted from the merged view (rm -r of the directory a
 * shell stands in): like the kernel's dead directory, "." lists nothing.
 */
static DIR *dead_dir(int fd)
{
	struct un_dir *d = calloc(1, sizeof(*d));

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->magic = UN_DIR_MAGIC;
	d->fd = fd;
	return (DIR *)d;
}

/* path: '.', or '..' of a removed cwd that names a removed directory. */
static DIR *open_dead_cwd(const char *path)
{
	char merged[PATH_MAX];
	DIR *d;
	int fd;

	int rc = un_cwd_get(merged, sizeof(merged));

	if (rc < 0 && rc != -ESTALE) {
		errno = ENOENT;
		return NULL;
	}
	fd = real_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = dead_dir(fd);
	if (!d)
		real_close(fd);
	return d;
}

/*
 * The process's own /proc/self/fd (or fdinfo): a stream of it without
 * the library's descriptors (proc_fds.c; next_proc_fd).  No union's:
 * mnt stays NULL.
 */
static __attribute__((noinline, cold)) DIR *open_proc_fds(const char *path)
{
	struct un_dir *d;
	int fd = real_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	d = block_get(0);
	if (!d) {
		real_close(fd);
		errno = ENOMEM;
		return NULL;
	}
	d->magic = UN_DIR_MAGIC;
	d->fd = fd;
	d->streamed = true;
	d->proc_fds = true;
	d->layer = -1;
	d->buf = (char *)(d + 1);
	d->rel = d->buf + LAYER_BUF + SEEN_ROOM;
	return (DIR *)d;
}

UN_EXPORT DIR *opendir(const char *path)
{
	struct un_node n;
	DIR *d;
	int rc;

	if (!un_enter())
		return real_opendir(path);
	UN_ERRNO_IN;
	/* (A directory of one layer the cache does not know is looked up
	   by its open: namei.c open_single.) */
	n.open_flags = O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC;
	rc = un_lookup(AT_FDCWD, path,
		       UN_LK_FOLLOW | UN_LK_NOSTAT | UN_LK_OPENDIR, &n);
	if (rc > 0) {
		d = un_proc_fd_dir(n.kpath) ? open_proc_fds(n.kpath) :
					      real_opendir(n.kpath);
	} else if (rc == -ENOENT && (!strcmp(path, ".") ||
				     un_dead_dots(AT_FDCWD, path, NULL, NULL))) {
		d = open_dead_cwd(path);
	} else if (rc < 0) {
		d = (un_fail(rc), NULL);
	} else {
		d = open_node(&n);
		/* A directory the cache knew, gone behind the library's back
		   (a layer changed): a proper lookup. */
		if (!d && errno == ENOENT && !n.st.st_ino &&
		    un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &n) == 0)
			d = open_node(&n);
	}
	UN_ERRNO_OUT(d != NULL);
	un_leave();
	return d;
}

/*
 * The layer whose copy of the merged directory n the caller's fd stands
 * on (fdtab's layer), for build_merged to read it whole through fd
 * (glibc's readdir on the kernel's overlay moves that offset too; its
 * offset is checked there, layer_first); -1 when n is of one layer or
 * fd stands nowhere known.
 */
static int fd_listing_layer(const struct un_node *n, int layer)
{
	if (!un_node_is_merged_dir(n) || layer < 0 ||
	    !((n->dirlayers >> layer) & 1))
		return -1;
	return layer;
}

/*
 * Is the directory n, which fdtab recorded as of one lower at its open
 * and whose path cannot be looked up now (EACCES: a merged directory
 * above it lost the owner's x), still that lower's alone?  The kernel
 * lists such a directory through the file it holds (no lookup) and
 * looks again only for an upper copy (ovl_dir_reset at offset 0); the
 * lowers never change, so only the upper and the table can have moved.
 * No record of the table on its way (a whiteout: it or a directory
 * above it was removed; opaque: made again, the lowers below hidden),
 * and no copy in the upper, reached with the upper's way lifted as a
 * copy-up through a descriptor does (copy_up.c un_upper_lift; any other
 * answer than ENOENT keeps the caller's error).  Out of line: the
 * lift's path is 4 KiB; cold: a listing below an unsearchable place.
 */
static __attribute__((noinline, cold)) bool lower_dir_alone(
	const struct un_node *n)
{
	const struct un_mount *m = n->mnt;
	const char *rel = un_node_rel(n);
	size_t len = strlen(rel);
	struct un_upper_lift l;
	struct stat st;
	int saved = errno;	/* (fdopendir succeeds with it) */
	bool absent;

	for (size_t i = 1; m->wt && i <= len; i++)
		if ((i == len || rel[i] == '/') &&
		    un_wtable_get(m->wt, rel, i) != UN_W_NONE)
			return false;
	if (!m->upper)
		return true;	/* a read-only union: nothing copies up */
	if (!len || un_path_join(l.path, sizeof(l.path), m->upper,
				 m->upper_len, rel) < 0)
		return false;
	un_upper_lift(m, rel, &l);	/* (the same l.path) */
	absent = real_lstat(l.path, &st) < 0 && errno == ENOENT;
	un_upper_unlift(&l);
	errno = saved;
	return absent;
}

/*
 * Does the lower's copy at path (of the merged directory rel, len long)
 * hold no name that the table leaves in the merged view?  Then the
 * upper's copy alone lists as the kernel's merged listing.  Read raw
 * (no stream, no allocation); any doubt (an error, a long name, a
 * lower's own whiteout) counts as a name.  path is used up.
 */
static bool lower_adds_nothing(const struct un_mount *m, const char *rel,
			       size_t len, char *path)
{
	char buf[2048] __attribute__((aligned(8)));
	int dfd = real_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
					  O_NOFOLLOW);
	bool nothing = dfd >= 0;
	long got;

	while (nothing &&
	       (got = real_syscall(SYS_getdents64, dfd, buf, sizeof(buf))) != 0) {
		nothing = got > 0;
		for (long pos = 0; nothing && pos < got;) {
			struct dirent64 *e = (struct dirent64 *)(buf + pos);
			const char *name = e->d_name;
			size_t nl = strlen(name);

			pos += e->d_reclen;
			if (name[0] == '.' &&
			    (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			if (!m->wt || len + 1 + nl >= PATH_MAX) {
				nothing = false;
				break;
			}
			memcpy(path, rel, len);
			path[len] = '/';
			memcpy(path + len + 1, name, nl + 1);
			nothing = un_wtable_get(m->wt, path, len + 1 + nl) !=
				  UN_W_NONE;
		}
	}
	if (dfd >= 0)
		real_close(dfd);
	return nothing;
}

/* What layer_path_dirs finds on the way to a layer's copy. */
enum path_dirs {
	PATH_DIRS_ALL,		/* every name a directory, the last too */
	PATH_DIRS_MISSING,	/* a name missing (ENOENT, ENOTDIR) */
	PATH_DIRS_NOT_DIR,	/* a name no directory (a file, a symlink,
				   a lower's whiteout): it hides the rest */
	PATH_DIRS_REFUSED,	/* an lstat refused otherwise (errno) */
};

/* path, a layer's root (root bytes) and a relative path below it: each
   name from the root on lstat'ed in turn (upper_dir_alone, lowers_below:
   as a lookup walks a layer).  path is whole again for PATH_DIRS_ALL,
   cut at the name that stopped the walk otherwise. */
static enum path_dirs layer_path_dirs(char *path, size_t root)
{
	struct stat st;

	for (size_t end = root + 1;; end++) {
		char save = path[end];

		if (save != '/' && save != '\0')
			continue;
		path[end] = '\0';
		if (real_lstat(path, &st) < 0)
			return errno == ENOENT || errno == ENOTDIR ?
				PATH_DIRS_MISSING : PATH_DIRS_REFUSED;
		if (!S_ISDIR(st.st_mode))
			return PATH_DIRS_NOT_DIR;
		if (!save)
			return PATH_DIRS_ALL;
		path[end] = save;
	}
}

/*
 * Is the directory n, which fdtab recorded as of one layer at its open
 * and now as the upper's (layer 0), still of the upper alone?  A copy-up
 * since may have moved a descriptor of a lower's copy onto the upper's
 * (copy_up.c repoint_fd): the kernel then lists it merged, and the
 * upper's names alone would be fewer.  The lowers' copies are reached
 * by their paths (a chmod through the merged view changes only upper
 * copies): none there, or none with a name left in the merged view
 * (lower_adds_nothing), or the lowers hidden by a record of the table on
 * the way (any kind hides the lowers' names, as in a lookup: an upper
 * directory moved onto a removed name keeps its whiteout record).  Any other answer than ENOENT or ENOTDIR keeps the caller's
 * error.  Out of line: a path of 4 KiB; cold, as lower_dir_alone.
 */
static __attribute__((noinline, cold)) bool upper_dir_alone(
	const struct un_node *n)
{
	const struct un_mount *m = n->mnt;
	const char *rel = un_node_rel(n);
	size_t len = strlen(rel);
	char path[PATH_MAX];
	int saved = errno;	/* (fdopendir succeeds with it) */
	bool alone = true, hidden = false;

	for (size_t i = 1; m->wt && i <= len; i++)
		if ((i == len || rel[i] == '/') &&
		    un_wtable_get(m->wt, rel, i) != UN_W_NONE)
			return true;
	/* Each lower in order, each directory on the way: a name missing
	   leaves the layer out; one that is no directory (a file, a
	   symlink, a lower's whiteout) hides it and every lower below. */
	for (int i = 1; alone && !hidden && len && i <= m->nlower; i++) {
		size_t root = un_layer_len(m, i);

		if (un_path_join(path, sizeof(path), un_layer_root(m, i),
				 root, rel) < 0) {
			alone = false;
			break;
		}
		switch (layer_path_dirs(path, root)) {
		case PATH_DIRS_MISSING:
			break;
		case PATH_DIRS_REFUSED:
			alone = false;
			break;
		case PATH_DIRS_NOT_DIR:
			hidden = true;
			break;
		case PATH_DIRS_ALL:
			alone = lower_adds_nothing(m, rel, len, path);
			break;
		}
	}
	errno = saved;
	return alone;
}

/*
 * The directory n, as upper_dir_alone's, whose lowers add names: was fd
 * moved onto the upper's copy by a copy-up from a lower's copy (fdtab's
 * was_lower), the kernel's file lists that copy merged with the upper's
 * (its dentry keeps the lower it was found with; ovl_dir_reset at 0).
 * n becomes of both: build_merged reads the upper's copy through fd and
 * the lower's by its path, which the lowers' modes leave open as they
 * were (a chmod through the merged view changes upper copies only);
 * where it is not, the listing fails, never shows fewer names.
 */
/*
 * upper_dir_was_lower's lowers below the lower was, which the kernel's
 * dentry holds too, as a lookup finds them: each lower in order whose
 * copy is a directory, until an opaque one (was's own included) or one
 * where a name on the way is no directory (a file, a lower's whiteout);
 * a copy the caller may not reach is taken (the listing then fails,
 * never shows fewer names).  Their bits into n->dirlayers.  (User seed
 * absent:5054: a descriptor of a directory of two lowers, copied up,
 * listed after the MERGED root lost x: the upper's names and the first
 * lower's only, where the kernel lists the second's too.)  Out of line:
 * a path of 4 KiB; cold.
 */
static __attribute__((noinline, cold)) void lowers_below(struct un_node *n,
							 int was)
{
	const struct un_mount *m = n->mnt;
	const char *rel = un_node_rel(n);
	size_t len = strlen(rel);
	char path[PATH_MAX];
	int saved = errno;

	if (!len || un_config.oci_lowers ||
	    un_path_join(path, sizeof(path), un_layer_root(m, was),
			 un_layer_len(m, was), rel) < 0 ||
	    un_is_ovl_opaque(path))
		goto out;
	for (int i = was + 1; i <= m->nlower; i++) {
		size_t root = un_layer_len(m, i);
		bool dir = false, stop = false;

		if (un_path_join(path, sizeof(path), un_layer_root(m, i),
				 root, rel) < 0)
			break;
		switch (layer_path_dirs(path, root)) {
		case PATH_DIRS_MISSING:
			break;
		case PATH_DIRS_REFUSED:	/* (taken: its read will say) */
			dir = stop = true;
			break;
		case PATH_DIRS_NOT_DIR:
			stop = true;
			break;
		case PATH_DIRS_ALL:
			dir = true;
			break;
		}
		if (dir)
			n->dirlayers |= (uint64_t)1 << i;
		if (stop || (dir && un_is_ovl_opaque(path)))
			break;
	}
out:
	errno = saved;
}

static bool upper_dir_was_lower(struct un_node *n, int fd)
{
	int was = un_fd_was_lower(fd);

	if (was <= 0 || was > n->mnt->nlower)
		return false;
	n->dirlayers |= (uint64_t)1 << was;
	lowers_below(n, was);
	return true;
}

/*
 * fdopendir of a descriptor whose merged path is PATH_MAX bytes or more
 * (a tree made one level at a time, which fts walks by descriptors):
 * that path is no lookup's (the kernel refuses it whole), so the
 * directory is looked up from the descriptor itself ("", as a name
 * below it is), and listed merged as any other.  Before, the record's
 * path did not fit fdopendir's buffer and the real fdopendir listed the
 * one copy fd stands on: find lost a lower's names there.  n is the
 * caller's (no second node on the stack); cold: a rare depth.
 */
static __attribute__((noinline, cold)) DIR *fdopendir_deep(int fd,
							   struct un_node *n)
{
	int layer, rc;

	/* (fd's layer, with its path into n->vpath, which the lookup
	   writes again.) */
	rc = un_fd_get_at(fd, n->vpath, sizeof(n->vpath), &layer, NULL);
	if (rc == 0)
		rc = un_lookup(fd, "", UN_LK_EMPTY, n);
	if (rc == -ESTALE || rc == -ENOENT || rc == -ENOTDIR ||
	    (rc == 0 && n->layer < 0))
		/* Removed from the merged view: the kernel's dead
		   directory lists nothing (as fdopendir below). */
		return real_fcntl(fd, F_GETFD) < 0 ? (un_fail(-EBADF), NULL)
						   : dead_dir(fd);
	if (rc > 0)
		return real_fdopendir(fd);	/* (outside: never, but safe) */
	if (rc < 0)
		return (un_fail(rc), NULL);
	if (!S_ISDIR(n->st.st_mode))
		return (un_fail(-ENOTDIR), NULL);
	return un_dir_open(n, fd, fd_listing_layer(n, layer), true);
}

/* fdopendir's lookup, its own frame (a node, a path). */
static __attribute__((noinline)) DIR *fdopendir_node(int fd)
{
	char vpath[PATH_MAX];
	struct un_mount *m = NULL;
	struct un_node n;
	DIR *d;
	int rc, layer;

	/* (With the record's hint of its union: the open that made it
	   keeps it, un_fd_set_at.) */
	rc = un_fd_get_walk(fd, vpath, sizeof(vpath), &layer, NULL, &m, NULL);
	if (rc == -ENAMETOOLONG) {
		d = fdopendir_deep(fd, &n);
		goto out;
	}
	if (rc < 0 && rc != -ESTALE) {
		d = real_fdopendir(fd);
		goto out;
	}
	if (rc == 0 && un_dir_cached_in(m, vpath, &n) == 0 &&
	    ((!un_node_is_merged_dir(&n) && layer >= 0) ||
	     real_fstat(fd, &n.st) == 0)) {
		/* A directory the cache knows: a stream of one layer needs
		   no stat when fd was opened on a directory (fdtab knows
		   its layer: no fstat, no fcntl, where glibc's fdopendir
		   makes both), a merged listing only the inode number of
		   ".", which fd gives. */
		d = S_ISDIR(n.st.st_mode) ?
			    un_dir_open(&n, fd, fd_listing_layer(&n, layer),
					true) :
			    (un_fail(-ENOTDIR), NULL);
		goto out;
	}
	if (rc == 0)
		rc = un_lookup(AT_FDCWD, vpath, 0, &n);
	/* A path that cannot be looked up now (EACCES: a chmod took the
	   caller's search permission from a directory above, the MERGED
	   root itself maybe; ELOOP, ENAMETOOLONG, ENOMEM) is no removed
	   directory: listing nothing would be a wrong answer a program
	   acts on (a backup that copies nothing).  The kernel's overlay,
	   with the mounter's credentials, still lists it.  A directory of
	   the upper alone (as fdtab recorded it at its open: the lowers
	   never change, so it stays of one layer, but for a descriptor a
	   copy-up moved onto the upper's copy: upper_dir_alone) is listed
	   through fd, its whole listing; so is one of a lower alone (the
	   same), while no upper copy or record of the table says
	   otherwise (lower_dir_alone); one a copy-up moved from a lower's
	   copy onto the upper's, merged with that lower's copy
	   (upper_dir_was_lower); another merged one needs its copies by
	   their paths, refused too: the error, never fewer names (README
	   "Known limits"). */
	if (rc < 0 && rc != -ESTALE && rc != -ENOENT && rc != -ENOTDIR) {
		bool merged = true;

		if (layer >= 0 &&
		    un_fd_get(fd, vpath, sizeof(vpath), &merged) == 0 &&
		    /* (Merged at its open, by an openat(".") of one a
		       copy-up moved: dents.c.) */
		    (!merged || (layer == 0 && un_fd_was_lower(fd) > 0)) &&
		    un_dir_single(vpath, layer, &n) == 0 &&
		    real_fstat(fd, &n.st) == 0 && S_ISDIR(n.st.st_mode) &&
		    (layer == 0 ? upper_dir_alone(&n) ||
					  upper_dir_was_lower(&n, fd) :
				  rc == -EACCES && lower_dir_alone(&n)))
			d = un_dir_open(&n, fd, fd_listing_layer(&n, layer),
					true);
		else
			d = (un_fail(rc), NULL);
		goto out;
	}
	if (rc != 0 || n.layer < 0) {
		/* The directory was deleted from the merged view: like the
		   kernel's dead directory, it lists nothing. */
		d = real_fcntl(fd, F_GETFD) < 0 ? (un_fail(-EBADF), NULL)
						: dead_dir(fd);
		goto out;
	}
	if (!S_ISDIR(n.st.st_mode)) {
		d = (un_fail(-ENOTDIR), NULL);
		goto out;
	}
	d = un_dir_open(&n, fd, fd_listing_layer(&n, layer), true);
out:
	return d;
}

/* The memory of a stream of ours (closedir's, once fd is closed). */
static void dir_free(struct un_dir *d)
{
	free(d->ents);
	free(d->names);
	free(d->low);	/* (buf and rel are in d's own block) */
	d->magic = 0;
	block_put(d);
}

/* A stream of ours given up before fdopendir returned it: fd left open
   and no longer marked streamed. */
static void dir_discard(struct un_dir *d)
{
	if (d->streamed)
		un_fd_unmark_stream(d->fd);
	dir_free(d);
}

/*
 * fdopendir_node's stream, unless another thread's copy-up moved a
 * descriptor of a directory meanwhile, or was moving one as it began
 * (fdtab.c, Moves): fd's record said a lower's copy while fd was the
 * upper's already, and the listing read the upper's names alone as the
 * lower's (stress/run-ci, race.py seed 1: "ls lib/g => ['u6', 'y'] not
 * listed").  Then it is built again once the move ended, the record
 * settled (UN_MOVES_ROUNDS at most).  The fence: a streamed one's mark
 * (un_dir_open) before the count's read, as repoint_fd counts before it
 * reads the mark.
 */
static __attribute__((noinline)) DIR *fdopendir_lookup(int fd)
{
	unsigned long moves;
	DIR *d;

	if (!un_enter())
		return real_fdopendir(fd);
	UN_ERRNO_IN;
	for (int round = 0;; round++) {
		moves = un_fd_moves();
		d = fdopendir_node(fd);
		if (!d || __libc_single_threaded || !un_dir_is_ours(d) ||
		    round == UN_MOVES_ROUNDS)
			break;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__builtin_expect(un_fd_moves_quiet(moves), 1))
			break;
		dir_discard((struct un_dir *)d);
		un_fd_moves_wait();
	}
	UN_ERRNO_OUT(d != NULL);
	un_leave();
	return d;
}

UN_EXPORT DIR *fdopendir(int fd)
{
	/* A descriptor known to lie far from every union (find's fts
	   opens each directory, then fdopendir): libc's stream, as the
	   lookup would answer, without its frame nor the record's copy
	   (~170 instructions a call). */
	if (un_fd_far(fd))
		return real_fdopendir(fd);
	return fdopendir_lookup(fd);
}

/* The lower names of a stream read from its start (see struct un_dir). */
static void low_drop(struct un_dir *d)
{
	if (un_in_signal()) {
		d->low_off = true;	/* (closedir frees it) */
		return;
	}
	free(d->low);
	d->low = NULL;
}

/*
 * d's buffer, every record of it read (next_entry), added to the lower's
 * records at once, as it is: next_entry set d_ino 0 in the records it
 * leaves out (a whiteout device, .union, an OCI whiteout), as in those it
 * skips, and the reader of the list (dcache.c un_dcache_known_empty)
 * skips those, "." and "..".  One copy of the buffer, not one of each
 * name: git status lists each of its ~1,000 directories to the end, and
 * a strlen and a memcpy a name cost ~50 instructions (~0.8M a run,
 * bench/README.md "Session 17 (git)").  Then the buffer counts as taken
 * (blen 0).
 */
static void low_take(struct un_dir *d)
{
	size_t blen = d->blen;

	d->blen = d->bpos = 0;
	if (!d->low || d->low_off)
		return;
	if (un_in_signal()) {
		d->low_off = true;	/* (closedir frees it) */
		return;
	}
	if (d->low_len + blen > d->low_cap) {
		int saved = errno;	/* (readdir's caller reads it) */
		size_t cap = 2 * d->low_cap + blen;
		/* (A huge directory is read again at its rmdir.) */
		char *grown = d->low_cap < 65536 ? realloc(d->low, cap) : NULL;

		errno = saved;
		if (!grown) {
			low_drop(d);
			return;
		}
		d->low = grown;
		d->low_cap = cap;
	}
	memcpy(d->low + d->low_len, d->buf, blen);
	d->low_len += blen;
}

/* The stream's end: hand the records to the cache (which takes them). */
static void low_end(struct un_dir *d)
{
	int saved = errno;

	if (d->low && !d->low_off && !un_in_signal()) {
		un_dcache_put_lower(d->mnt, d->rel, d->layer, d->low,
				    d->low_len);
		d->low = NULL;
	}
	low_drop(d);
	errno = saved;
}

/*
 * A name of d's stream that hidden_by cannot hide, told without its
 * call (find, git status and du read ~16,000 names of the medium tree
 * through it): '.' and '..', and below the root any name but a device
 * or one of no type, in the upper or in a lower while the table is
 * empty and no OCI lowers are configured.
 */
static inline bool plain_shown(const struct un_dir *d,
			       const struct dirent64 *e)
{
	const char *nm = e->d_name;

	if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
		return true;
	return !d->at_root && e->d_type != DT_CHR &&
	       e->d_type != DT_UNKNOWN &&
	       (d->layer == 0 ||
		(!un_config.oci_lowers && un_wtable_empty(d->mnt->wt)));
}

/* The next name of a /proc/self/fd stream that is not the library's. */
static __attribute__((noinline)) struct dirent64 *next_proc_fd(
	struct un_dir *d)
{
	for (;;) {
		struct dirent64 *e;

		if (d->bpos >= d->blen) {
			int saved = errno;
			long got = real_syscall(SYS_getdents64, d->fd, d->buf,
						LAYER_BUF);

			if (got <= 0) {
				if (got == 0)
					errno = saved;
				return NULL;
			}
			d->blen = (size_t)got;
			d->bpos = 0;
		}
		e = (struct dirent64 *)(d->buf + d->bpos);
		d->bpos += e->d_reclen;
		d->filepos = e->d_off;
		if (e->d_ino && !un_proc_fd_hidden(e->d_name))
			return e;
	}
}

/* The next visible entry of d, or NULL at the end. */
static struct dirent64 *next_entry(struct un_dir *d)
{
	if (__builtin_expect(d->proc_fds, 0))
		return next_proc_fd(d);
	if (!d->streamed) {
		struct un_dent *e;

		if (d->pos >= d->nents)
			return NULL;
		e = &d->ents[d->pos++];
		d->out.d_ino = e->ino;
		d->out.d_off = (off64_t)d->pos;
		d->out.d_type = e->type;
		d->out.d_reclen = sizeof(d->out);
		strcpy(d->out.d_name, d->names + e->name);
		return &d->out;
	}
	for (;;) {
		struct dirent64 *e;

		if (d->bpos >= d->blen) {
			int saved = errno;
			long got;

			if (d->blen)
				low_take(d);
			/* (At the end mark the read that answers 0 is not
			   made; a readdir after the end makes it.) */
			got = d->end ? 0 :
				       real_syscall(SYS_getdents64, d->fd,
						    d->buf, LAYER_BUF);

			/* As glibc's readdir: ENOENT (a directory removed
			   since) is the end, and the end leaves errno as
			   it was. */
			if (got < 0 && errno == ENOENT)
				got = 0;
			if (got <= 0) {
				int err = errno;

				d->end = false;
				/* (Nothing read at all: maybe not from the
				   start.) */
				if (got == 0 && !d->low_check)
					low_end(d);
				else
					low_drop(d);
				errno = got == 0 ? saved : err;
				return NULL;
			}
			d->blen = (size_t)got;
			d->bpos = 0;
		}
		e = (struct dirent64 *)(d->buf + d->bpos);
		d->bpos += e->d_reclen;
		d->filepos = e->d_off;
		if (d->bpos >= d->blen)
			d->end = un_dents_end(d->mnt, d->layer, e->d_off);
		if (d->low_check) {
			d->low_check = false;
			if (strcmp(e->d_name, "."))
				low_drop(d);
		}
		if (!e->d_ino)
			continue;	/* (skipped by glibc's readdir too) */
		if (e->d_name[0] == '.' && d->dotdot_ino &&
		    e->d_name[1] == '.' && !e->d_name[2])
			e->d_ino = d->dotdot_ino;
		if (!plain_shown(d, e)) {
			bool table = false;

			if (hidden_by(d, d->layer, e, &table)) {
				/* (Not a lower name for rmdir either unless
				   the table hides it: low_take.) */
				if (!table)
					e->d_ino = 0;
				continue;
			}
		}
		return e;
	}
}

_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64),
	       "struct dirent and dirent64 must share a layout");

/* A union's stream's next name: out of readdir64, whose stream of a
   directory outside (find's every name) is then a compare and a jump;
   inlined, next_entry's registers were saved and restored around
   that jump too (~16 instructions a name, bench/README.md "Session 19
   (outside19)"). */
static __attribute__((noinline)) struct dirent64 *next_of_ours(DIR *dir)
{
	struct dirent64 *e;

	un_depth++;
	e = next_entry((struct un_dir *)dir);
	un_depth--;
	return e;
}

UN_EXPORT struct dirent64 *readdir64(DIR *dir)
{
	if (!un_dir_is_ours(dir))
		return real_readdir64(dir);
	return next_of_ours(dir);
}

UN_EXPORT struct dirent *readdir(DIR *dir)
{
	return (struct dirent *)readdir64(dir);
}

/* readdir_r is deprecated, but programs still call it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
UN_EXPORT int readdir64_r(DIR *dir, struct dirent64 *entry,
			  struct dirent64 **result)
{
	struct dirent64 *e;
	int saved = errno;

	if (!un_dir_is_ours(dir))
		return real_readdir64_r(dir, entry, result);
	errno = 0;
	e = readdir64(dir);
	if (!e) {
		int err = errno;

		*result = NULL;
		errno = saved;
		return err;
	}
	memcpy(entry, e, offsetof(struct dirent64, d_name) +
				 strlen(e->d_name) + 1);
	*result = entry;
	errno = saved;
	return 0;
}

UN_EXPORT int readdir_r(DIR *dir, struct dirent *entry, struct dirent **result)
{
	return readdir64_r(dir, (struct dirent64 *)entry,
			   (struct dirent64 **)result);
}

#pragma GCC diagnostic pop

UN_EXPORT void rewinddir(DIR *dir)
{
	struct un_dir *d = (struct un_dir *)dir;

	if (!un_dir_is_ours(dir)) {
		real_rewinddir(dir);
		return;
	}
	/* (A merged listing that read fd leaves it at offset 0 too, as
	   glibc's rewinddir does: a dup of fd shares it, CPython's
	   listdir(fd) counts on it.) */
	if (d->streamed || d->fd_read)
		real_lseek(d->fd, 0, SEEK_SET);
	if (d->streamed) {
		d->blen = d->bpos = 0;
		d->end = false;
		d->filepos = 0;
	}
	d->pos = 0;
	low_drop(d);	/* (what was read stays read: not from the start) */
}

UN_EXPORT long telldir(DIR *dir)
{
	struct un_dir *d = (struct un_dir *)dir;

	if (!un_dir_is_ours(dir))
		return real_telldir(dir);
	return d->streamed ? (long)d->filepos : (long)d->pos;
}

UN_EXPORT void seekdir(DIR *dir, long pos)
{
	struct un_dir *d = (struct un_dir *)dir;

	if (!un_dir_is_ours(dir)) {
		real_seekdir(dir, pos);
		return;
	}
	low_drop(d);
	if (d->streamed) {
		(void)real_lseek(d->fd, pos, SEEK_SET);
		d->blen = d->bpos = 0;
		d->end = false;
		d->filepos = pos;
	} else if (pos >= 0 && (size_t)pos <= d->nents)
		d->pos = (size_t)pos;
}

UN_EXPORT int dirfd(DIR *dir)
{
	if (!un_dir_is_ours(dir))
		return real_dirfd(dir);
	return ((struct un_dir *)dir)->fd;
}

UN_EXPORT int closedir(DIR *dir)
{
	struct un_dir *d = (struct un_dir *)dir;
	void *mark;
	int rc;

	if (!un_dir_is_ours(dir))
		return real_closedir(dir);
	mark = un_fd_closing(d->fd);	/* (as close: wrap_fd.c) */
	rc = real_close(d->fd);
	un_fd_closed(mark);
	dir_free(d);
	return rc;
}
