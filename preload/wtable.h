/*
 * wtable.h - what the whiteout table's rooms share (internal.h has the
 * table's interface, un_wtable_*):
 *
 *   whiteout.c   the interface: open, look up, change, fork, descriptors
 *   wt_map.c     the table in memory, a hash map from path to kind
 *   wt_file.c    the files: catch-up, the lock, appends, compaction
 *   wt_signal.c  the view a signal handler gets (no lock, no malloc)
 *   wt_sys.c     raw system calls, and the complaints on stderr
 *
 * The record format of UPPER/.union/whiteouts is include/union_format.c
 * (un_fmt_*), shared with the `union` command.  The handle (struct
 * un_wtable) is defined here, with the head of the shared lock file
 * (struct wt_gen).  The invariants that tie the handle to the files are
 * at the head of whiteout.c.
 */
#ifndef UN_WTABLE_H
#define UN_WTABLE_H

#include <pthread.h>
#include <sys/stat.h>

#include "internal.h"
#include "union_format.h"

#define WT_HEADER UN_FMT_TABLE_HEADER
#define WT_TABLE "/" UN_FMT_META_DIR "/" UN_FMT_TABLE
#define WT_TMP "/" UN_FMT_META_DIR "/" UN_FMT_TABLE_TMP
#define WT_LOCK "/" UN_FMT_META_DIR "/" UN_FMT_LOCK
#define WT_WORK "/" UN_FMT_META_DIR "/" UN_FMT_WORK
#define WT_META "/" UN_FMT_META_DIR
#define WT_INDEX "/" UN_FMT_META_DIR "/" UN_FMT_INDEX
#define WT_INDEX_TMP "/" UN_FMT_META_DIR "/" UN_FMT_INDEX_TMP

#define WT_MAGIC UN_FMT_LOCK_MAGIC
#define WT_LOCK_SIZE UN_FMT_LOCK_SIZE

/* Our descriptors live at or above this number. */
#define WT_FD_MIN 900

/* Compact when more than this many records and more than half dead. */
#define WT_COMPACT_MIN 1024

/* The persistent index (wt_index.c): made by a process that read the
   table whole and found it holds at least WT_IX_MIN records; used while
   the table has grown past it by at most WT_IX_TAIL_MIN bytes or a
   WT_IX_TAIL_DIV-th of what it covers, whichever is more. */
#define WT_IX_MIN 2048
/* The least a table of WT_IX_MIN records weighs: its header line and as
   many records of one byte's path ("w x\n").  A smaller table has no
   index of its own (wt_ix_open does not look for one). */
#define WT_IX_MIN_SIZE (sizeof(WT_HEADER) + 4 * WT_IX_MIN)
#define WT_IX_TAIL_MIN (64 * 1024)
#define WT_IX_TAIL_DIV 16

/* The head of the shared lock file: struct un_fmt_gen, and the library's
   own counters after it. */
struct wt_gen {
	char magic[8];
	uint64_t generation;	/* raised after every append */
	uint64_t epoch;		/* raised after every rewrite */
	uint64_t dirs;		/* raised after every change of a directory
				   in the upper (dcache.c); no lock */
	uint64_t names;		/* raised after every name made in a
				   directory of the upper (dcache.c) */
	uint64_t begun;		/* raised by every writer once it holds the
				   lock (see wt_write_begin) */
	/* Past struct un_fmt_gen, in the file's zeros (a library before
	   session 15 leaves it alone): */
	uint64_t moves;		/* raised after every rename or exchange
				   of a directory of the upper (namei.c
				   cwd_check: another process's cwd may
				   have moved) */
	uint64_t places;	/* raised after every rename, exchange
				   or rmdir of one (session 16; namei.c
				   settle_fd: a descriptor's directory
				   may have moved or gone, its path made
				   again) */
};

_Static_assert(offsetof(struct wt_gen, generation) ==
	       offsetof(struct un_fmt_gen, generation) &&
	       offsetof(struct wt_gen, epoch) ==
	       offsetof(struct un_fmt_gen, epoch) &&
	       offsetof(struct wt_gen, dirs) ==
	       offsetof(struct un_fmt_gen, lib) &&
	       offsetof(struct wt_gen, begun) ==
	       offsetof(struct un_fmt_gen, begun),
	       "struct wt_gen is struct un_fmt_gen");
_Static_assert(sizeof(struct wt_gen) <= WT_LOCK_SIZE,
	       "struct wt_gen lies in the lock file");

/* A writer that finds the file as its own last change left it still
   reads it (the checks against a change by hand) once in this many
   changes. */
#define WT_OWN_MAX 64

/*
 * A record, one slot of the map: path -> kind.  The path is not copied:
 * key points into one of the map's buffers (struct wt_buf), the text of
 * the table decoded in place, where it is not NUL-terminated.
 */
struct wt_rec {
	uint32_t hash;
	uint32_t len : 24;	/* WT_KEY_MAX at most */
	uint32_t kind : 8;	/* 'w' or 'o' */
	const char *key;	/* NULL: never used; WT_TOMB: removed */
};

#define WT_KEY_MAX ((1u << 24) - 1)
#define WT_TOMB ((const char *)1)

/* Memory that keys point into, freed with the map: the table file read
   at a load (mapped), the lines of a catch-up or a record of our own
   (malloc). */
struct wt_buf {
	struct wt_buf *next;
	size_t map_len;		/* the mapping's size; 0: from malloc */
	char data[];
};

struct wt_index;

/* The map: cap slots (a power of two, or 0), an anonymous mapping. */
struct wt_mem {
	struct wt_rec *slot;
	size_t cap;
	size_t count;		/* records ('-' ones too, in over mode) */
	/* Over mode: the map holds only the table past what the persistent
	   index covers, and overrides it; a `-` record is kept, kind '-'
	   (the path is none whatever the index says). */
	bool over;
	size_t minus;		/* over mode: the '-' ones among count */
	/* Over mode: the index the map overrides (to count shadow), and
	   how many of the map's paths the index holds too: the live
	   records are count - minus + (the index's) - shadow. */
	const struct wt_ix *ix;
	size_t shadow;
	size_t used;		/* records and tombstones */
	struct wt_buf *bufs;	/* newest first */
	/* The free end of the newest buffer of copied keys (mem_apply's:
	   see mem_copy_key), room_left bytes. */
	char *room;
	size_t room_left;
	/* The map by directory, made once the walks of mem_each_below
	   have cost more than making it (NULL: none), and the slots those
	   walks have read so far. */
	struct wt_index *idx;
	size_t walked;
};

/* Every record r of m, by slot index i (removing r meanwhile is safe). */
#define MEM_FOREACH(m, i, r)						\
	for ((i) = 0; (i) < (m)->cap; (i)++)				\
		if (!((r) = &(m)->slot[i])->key || (r)->key == WT_TOMB)	\
			continue;					\
		else

/* How far a replay has come. */
struct wt_pos {
	off_t off;		/* end of the last whole line */
	unsigned long lineno;	/* whole lines, the header included */
	unsigned long nrec;	/* record lines */
};

/* Identity of an open file. */
struct wt_id {
	uint64_t dev;
	uint64_t ino;
};

#define WT_TAIL 64

/* The persistent index, mapped (wt_index.c); base NULL: none. */
struct wt_ix_slot;
struct wt_ix {
	const char *base;
	size_t len;
	const struct wt_ix_slot *slot;
	uint64_t mask;		/* slots - 1 */
	const uint32_t *ord;	/* the slot numbers in path order */
	uint64_t nord;
	uint64_t keys_off;
};

/* Where the table stands at the end of what an index covers. */
struct wt_ix_at {
	struct wt_pos pos;
	uint64_t nlive;
	char tail[WT_TAIL];
	size_t tail_len;
};

struct un_wtable {
	size_t map_len;		/* the handle and its paths are one mapping
				   of this size; 0: in the caller's memory */
	char *table_path;
	char *tmp_path;
	char *lock_path;
	char *ix_path;
	char *ix_tmp_path;

	pthread_mutex_t io;
	pthread_rwlock_t rw;

	/* Under rw (written also under io). */
	struct wt_mem mem;	/* over mode while ix.base */
	struct wt_ix ix;	/* the index mem overrides, or none */

	/* Under io. */
	int tfd;		/* the table, O_RDWR | O_APPEND; -1: none */
	struct wt_id tid;
	struct wt_pos pos;
	off_t fsize;		/* size of the table at the last read */
	uint64_t epoch;		/* epoch of the file behind tfd */
	bool corrupt;		/* reported already */
	bool ix_want;		/* no usable index: write one (under the
				   flock) once the maps are the file's */
	uint64_t ix_nlive;	/* records in the index (ix.base) */
	unsigned long installs;	/* raised whenever the maps are replaced
				   (wt_install): keys met before are gone */
	/* The last bytes of the file before pos.off, as read or written:
	   catch-up checks they are still there (see wt_catch_up). */
	char tail[WT_TAIL];
	size_t tail_len;

	int lfd;		/* the lock file; -1: none */
	struct wt_id lid;
	pid_t pid;		/* the process that opened lfd */
	struct wt_gen *gen;	/* the lock file, mapped */
	struct wt_id gid;	/* identity of the mapped file */
	int lock_version;	/* of the mapped file: 1 or 2 */
	/* The writer's shortcut (version 2): own_left > 0 when the maps,
	   pos, tail and tfd are the file's as this handle's last change
	   left it, and `begun` was then own_begun.  0: read it again. */
	uint64_t own_begun;
	unsigned own_left;
	unsigned own_next;	/* own_left once this change succeeds */

	uint64_t seen_gen;	/* atomic: the generation we are current with */
	/* atomic: a generation at which the maps held no record (~0: none
	   known), published under io once they are current with it (see
	   wt_empty_publish); lookups answer from it without the locks. */
	uint64_t empty_gen;
};

/* ------------------------------------------------------------------ */
/* wt_sys.c: system calls by number (the libc names are ours to        */
/* intercept); they return 0 (or a descriptor) or -errno.              */

UN_HIDDEN int sys_open(const char *path, int flags, mode_t mode);
UN_HIDDEN void sys_close(int fd);
UN_HIDDEN int sys_fstatx(int fd, struct statx *stx);
UN_HIDDEN int sys_mkdir(const char *path, mode_t mode);
UN_HIDDEN int sys_rename(const char *from, const char *to);
UN_HIDDEN void sys_unlink(const char *path);
UN_HIDDEN int sys_ftruncate(int fd, off_t len);
/* Move fd to WT_FD_MIN or above (keeping it where it is if we cannot). */
UN_HIDDEN int fd_move_high(int fd);
UN_HIDDEN struct wt_id stx_id(const struct statx *stx);
UN_HIDDEN bool id_eq(struct wt_id a, struct wt_id b);
UN_HIDDEN int write_all(int fd, const char *buf, size_t len);
/* Read up to len bytes at off; returns the count (short at EOF). */
UN_HIDDEN ssize_t pread_all(int fd, char *buf, size_t len, off_t off);
UN_HIDDEN int flock_retry(int fd, int op);
/* One line on stderr: "libunion: <what>". */
UN_HIDDEN void wt_complain(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The maps' hash of a path (dcache.c's, folded): the persistent index
   holds it too, so it must not change without WT_IX_PROBE noticing. */
static inline uint32_t wt_key_hash(const char *key, size_t len)
{
	uint64_t h = un_name_hash(key, len);

	return (uint32_t)(h ^ (h >> 32));
}

/* ------------------------------------------------------------------ */
/* wt_index.c: the persistent index, UPPER/.union/index.                */

/* Open, check and map the index at path for the table tfd (tstx its
   statx; epoch the lock file's, loaded before tfd was opened): 0 and
   *ix, *at; -errno (-ESTALE: not usable) with nothing held. */
UN_HIDDEN int wt_ix_open(const char *path, int tfd,
			 const struct statx *tstx, uint64_t epoch,
			 struct wt_ix *ix, struct wt_ix_at *at);
UN_HIDDEN void wt_ix_close(struct wt_ix *ix);
/* What the index says of key (h: wt_key_hash of it): 'w', 'o', 0 (no
   record), -1 (damaged: read the table whole). */
UN_HIDDEN int wt_ix_get(const struct wt_ix *ix, const char *key,
			size_t len, uint32_t h);
/* fn(arg, key, len) for every record of the index strictly below rel
   (rel/...; every record for rel ""), in path order, until it returns
   non-zero: that value, else 0; -EUCLEAN: damaged (read the table
   whole).  A binary search and the run: no malloc, no system call. */
UN_HIDDEN int wt_ix_each_below(const struct wt_ix *ix, const char *rel,
			       size_t rel_len,
			       int (*fn)(void *arg, const char *key,
					 size_t len),
			       void *arg);
/* Write the index of m, a full map that is the table tid's first
   pos->off bytes (tail: their last ones), of epoch; under the flock. */
UN_HIDDEN int wt_ix_write(const char *path, const char *tmp,
			  const struct wt_mem *m, struct wt_id tid,
			  uint64_t epoch, const struct wt_pos *pos,
			  const char *tail, size_t tail_len);

/* ------------------------------------------------------------------ */
/* wt_map.c: the map (locking is the caller's).                        */

/* The record of key, or NULL; valid until the map next changes. */
UN_HIDDEN struct wt_rec *mem_find(struct wt_mem *m, const char *key,
				  size_t len);
/* The same, h being wt_key_hash(key, len). */
UN_HIDDEN struct wt_rec *mem_find_h(struct wt_mem *m, const char *key,
				    size_t len, uint32_t h);
/* Before a load of about n records: size the map once. */
UN_HIDDEN void mem_reserve(struct wt_mem *m, size_t n);
/* Take r (found in m) out of the map. */
UN_HIDDEN void mem_del(struct wt_mem *m, struct wt_rec *r);
/* Record op for key (a copy of it is kept: the caller's record). */
UN_HIDDEN int mem_apply(struct wt_mem *m, char op, const char *key,
			size_t len);
/* Is key strictly below rel (rel/...; anything for rel "")?  Inline:
   the walks of the map (clear_below, at every rmdir) call it for every
   record. */
static inline bool key_below(const char *key, size_t len, const char *rel,
			     size_t rel_len)
{
	return len > rel_len && (rel_len == 0 || (key[rel_len] == '/' &&
						   !memcmp(key, rel, rel_len)));
}
/* Is any record strictly below rel (a `-` one of over mode is none)?  A
   walk of the map. */
UN_HIDDEN bool mem_any_below(struct wt_mem *m, const char *rel,
			     size_t rel_len);
/* Through the map's index by directory (made now if due): fn(arg, i,
   r) for every record r (slot i) strictly below rel, until it returns
   non-zero (*rc: that value, else 0); fn must not change the map.
   false: no index, the caller walks the map (MEM_FOREACH, key_below). */
UN_HIDDEN bool mem_index_below(struct wt_mem *m, const char *rel,
			       size_t rel_len,
			       int (*fn)(void *arg, size_t i,
					 struct wt_rec *r),
			       void *arg, int *rc);
UN_HIDDEN void mem_free(struct wt_mem *m);
/* A buffer of len bytes for m's keys (data[len] is there too):
   mapped (never malloc: a load at start-up) or from malloc.  NULL when
   out of memory. */
UN_HIDDEN struct wt_buf *wt_buf_new(size_t len, bool map);
UN_HIDDEN void wt_buf_free(struct wt_buf *b);
/* m owns b from now on: keys replayed from it point into it. */
UN_HIDDEN void mem_adopt(struct wt_mem *m, struct wt_buf *b);
/* Replay the whole lines of buf (at pos->off in the file; a buffer m has
   adopted, its lines decoded in place and pointed at) into m, advancing
   pos; -EUCLEAN with *why on a bad line. */
UN_HIDDEN int wt_parse(struct wt_mem *m, char *buf, size_t len,
		       struct wt_pos *pos, const char **why);

/* ------------------------------------------------------------------ */
/* wt_file.c: the files.                                               */

/* Open path (O_NOFOLLOW, moved high), creating it when create;
   -EUCLEAN, said on stderr, when it is not a regular file. */
UN_HIDDEN int open_reg(const char *path, int flags, bool create);
/* statx fd and insist on a regular file. */
UN_HIDDEN int stat_reg(int fd, const char *path, struct statx *stx);
/* Root made the file fd at path: give it to UPPER/.union's owner. */
UN_HIDDEN void wt_fix_owner(int fd, const char *path);
/* Leave over mode: read the table whole (under io, and the flock or
   not); ix_want (never with the flock held): and write a new index (the
   old one was found damaged). */
UN_HIDDEN int wt_materialize(struct un_wtable *wt, bool ix_want);
/* Write the persistent index if wanted and due (under io: wt_file.c). */
UN_HIDDEN void wt_ix_build_maybe(struct un_wtable *wt);
/* Bring the maps up to date with the file (locked: we hold the flock,
   and may create, repair and start the table).  Under io. */
UN_HIDDEN int wt_sync(struct un_wtable *wt, bool locked);
/* A change, under io and the flock: raise `begun`, and bring the maps up
   to date with the file unless they are as this handle's last change
   left them (the writer's shortcut); as wt_sync. */
UN_HIDDEN int wt_sync_locked(struct un_wtable *wt);
/* The change succeeded: the maps are the file's. */
static inline void wt_own_done(struct un_wtable *wt)
{
	wt->own_left = wt->own_next;
}
/* Open (creating) and map the lock file; returns with the flock held. */
UN_HIDDEN int wt_open_lock(struct un_wtable *wt);
/* Take the flock, reopening the lock file when it is not ours. */
UN_HIDDEN int wt_lock(struct un_wtable *wt);
UN_HIDDEN void wt_unlock(struct un_wtable *wt);
/* Append whole records (under the lock); reopen once on EBADF. */
UN_HIDDEN int wt_append(struct un_wtable *wt, const char *buf, size_t len);
/* After an append of n records, len bytes in all: account for them,
   compact if due, and announce them (stale: the maps could not follow). */
UN_HIDDEN void wt_appended(struct un_wtable *wt, const char *bytes,
			   size_t len, unsigned long n, bool stale);
/* Catch up when another handle has changed the table (readers). */
UN_HIDDEN void wt_refresh(struct un_wtable *wt);
/* Under io, the maps current with generation g (or not: stale): tell
   lock-free lookups whether they are empty at g. */
static inline void wt_empty_publish(struct un_wtable *wt, uint64_t g,
				    bool stale)
{
	__atomic_store_n(&wt->empty_gen,
			 !stale && !wt->mem.count && !wt->ix.base ?
				 g : ~(uint64_t)0,
			 __ATOMIC_RELEASE);
}
/* Open the lock file and the table without the flock when both are
   whole: 1; 0 when the locked way must make, repair or report them. */
UN_HIDDEN int wt_open_fast(struct un_wtable *wt);
/* Make UPPER/.union and its work directory. */
UN_HIDDEN int wt_make_meta(const char *upper, const char *meta,
			   const char *work);

/* ------------------------------------------------------------------ */
/* wt_signal.c: the same for a signal handler (no lock, no malloc).    */

/* whiteout.c: what the maps (then the index) say of rel: 'w', 'o', '-',
   or -1 (the index is damaged).  Under rw, read. */
UN_HIDDEN int wt_kind(struct un_wtable *wt, const char *rel,
		      size_t rel_len);
/* whiteout.c: is a live record strictly below rel, in the map or (over
   mode) in the index and not cancelled by the map?  1, 0, or -EUCLEAN
   (the index is damaged).  Under rw, read; no malloc. */
UN_HIDDEN int wt_any_below(struct un_wtable *wt, const char *rel,
			   size_t rel_len);

UN_HIDDEN enum un_wkind wt_sig_get(struct un_wtable *wt, const char *rel,
				   size_t rel_len);
UN_HIDDEN bool wt_sig_has_below(struct un_wtable *wt, const char *rel,
				size_t rel_len);
UN_HIDDEN int wt_sig_set(struct un_wtable *wt, const char *rel, size_t len,
			 char op);
UN_HIDDEN int wt_sig_clear_below(struct un_wtable *wt, const char *rel,
				 size_t len);

#endif /* UN_WTABLE_H */
