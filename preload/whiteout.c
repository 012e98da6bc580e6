/*
 * whiteout.c - the whiteout table UPPER/.union/whiteouts.
 *
 * The table records every path deleted from the merged view (a whiteout)
 * and every directory that hides the lowers below it (opaque).  Paths
 * are relative to the union's root: no leading '/', components joined
 * by single '/', never "." or "..".  The file's format, and what a
 * writer of it must do, are at the head of include/union_format.c, which
 * reads and writes the records for the library and the `union` command.
 *
 * This file is the table's interface (internal.h, un_wtable_*); its
 * rooms share wtable.h:
 *
 *   wt_map.c     the table in memory
 *   wt_file.c    the files: catch-up, the lock, appends, compaction
 *   wt_index.c   the persistent index UPPER/.union/index
 *   wt_signal.c  the view a signal handler gets
 *   wt_sys.c     raw system calls, and the complaints on stderr
 *
 * How a process uses it
 * ---------------------
 *
 * In memory the table is one open-addressing hash map from path to kind
 * (wt_map.c), built when the table is opened, at the process's first
 * lookup in the union (see un_wtable_open).  A lookup costs no system
 * call: it compares the
 * mapped generation with the one this handle last caught up with, and
 * only when they differ does it read the file again, from the byte where
 * it stopped last time, and replay the new lines.  When the epoch has
 * moved as well, the file was rewritten and is loaded from scratch
 * (wt_file.c).
 *
 * The first load of a big table goes through the persistent index
 * (wt_index.c) when a usable one is there: the index is mapped, and only
 * the table past it is replayed, into a map in over mode that overrides
 * it; lookups ask the map, then the index, and so does a change (whose
 * record goes to the map).  has_below and clear_below (every rmdir) take
 * the records below a directory from the map and from the index's run
 * of paths in order (wt_ix_each_below), those the map cancelled left
 * out.  A compaction first reads the table whole (wt_materialize), as
 * does a call that finds the index damaged.  The first process that
 * reads a big table whole writes the index.
 *
 * Invariants:
 *  - pos.off is the end of the last whole line consumed; the in-memory
 *    maps are exactly the replay of the file's first pos.off bytes.
 *  - The generation is raised only under the lock, after the append it
 *    announces is complete.  A reader loads the generation before it
 *    reads the file, so having read the file it has at least every
 *    change that generation announced; a half-written line of a
 *    concurrent writer has no '\n' yet and is left for the next look.
 *  - A writer, holding the lock, first catches up with the file (the
 *    epoch tells it when the file it holds was replaced), repairs an
 *    unfinished tail, then appends; nothing else writes meanwhile, so
 *    after its own append it is current with the new generation.
 *  - Every writer raises `begun` in the lock file once it holds the
 *    lock, before it touches the table file.  A handle whose last change
 *    succeeded and that finds `begun` (and the epoch) as that change
 *    left them skips the catch-up: nobody has touched the file since
 *    (wt_sync_locked; a lock file of version 2 only).
 *  - The rename of a compaction precedes the epoch bump, so a reader
 *    that sees the new epoch opens the new file; one that still holds
 *    the old file reads a complete, equivalent table from it.  A writer
 *    also checks that the file it holds still has a link (a rename over
 *    it leaves none), and bumps the epoch itself for a compaction killed
 *    between rename and bump.
 *  - A record is in the page cache when set returns: a kill -9 cannot
 *    lose it.  Records are not fsynced one by one (only compaction
 *    fsyncs, before its rename).
 *
 * Threads: `io` (a mutex) serialises everything that touches the files
 * and the read position; `rw` (a rwlock) guards the maps, and is held
 * for writing only while lines are replayed into them.  Processes: the
 * flock; after a fork the child reopens the lock file, since a flock
 * belongs to the open file description that parent and child share.
 *
 * Signal handlers (signal mode, see internal.h) take neither lock and
 * never malloc: wt_signal.c answers and changes the table for them.
 *
 * These files run inside the preloaded library: open, close, stat,
 * mkdir, rename, unlink, fcntl and ftruncate are reached by raw system
 * calls (wt_sys.c), never through the intercepted libc names.  Our
 * descriptors are close-on-exec and moved above WT_FD_MIN, out of the
 * way of programs that dup2 onto low numbers; a program that closes them
 * anyway (closefrom) gets them reopened at the next use.  A reader
 * keeps none (wt_open_fast): the lock file is mapped, the table read;
 * a catch-up opens the table again, a change the lock file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wtable.h"

/* Copy upper then suffix to *at, advancing it past the NUL. */
static char *path_put(char **at, const char *upper, size_t len,
		      const char *suffix)
{
	char *p = *at;
	size_t ls = strlen(suffix);

	memcpy(p, upper, len);
	memcpy(p + len, suffix, ls + 1);
	*at += len + ls + 1;
	return p;
}

/*
 * Open an upper's table: make UPPER/.union, the lock file and the table
 * where missing, and load the table (a corrupt one is refused here, at
 * start).  Tables are opened at a process's first lookup in a union
 * (init.c), which needs the maps at once: reading the file once, to
 * check and build in one pass, costs less than a check now and a build
 * at the first lookup.  A process that never looks under MERGED never
 * pays for either.
 *
 * No malloc: this runs at start-up, which a wrapper called from inside
 * an allocator's initialisation may trigger.  The handle and its paths
 * live in one anonymous mapping; the load reads into another, and its
 * map's slots are a third (wt_map.c).
 */
size_t un_wtable_mem_size(const char *upper)
{
	return sizeof(struct un_wtable) +
	       7 * (strlen(upper) + strlen(WT_TMP) + 1);
}

int un_wtable_open(const char *upper, struct un_wtable **out)
{
	return un_wtable_open_mem(upper, NULL, out);
}

int un_wtable_open_mem(const char *upper, void *mem, struct un_wtable **out)
{
	size_t len = strlen(upper), size = un_wtable_mem_size(upper);
	struct un_wtable *wt = mem;
	char *at, *meta, *work;
	int saved = errno;
	int ret;

	if (len + strlen(WT_TMP) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!wt) {
		wt = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (wt == MAP_FAILED)
			return -ENOMEM;
		un_lsan_root(wt, size);
		wt->map_len = size;
	}
	wt->tfd = wt->lfd = -1;
	wt->seen_gen = wt->empty_gen = ~(uint64_t)0;
	/* (The static initialisers: pthread_mutex_init and
	   pthread_rwlock_init would be two libc functions more for every
	   process to bind lazily, ~1,100 instructions of ld.so each.) */
	wt->io = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	wt->rw = (pthread_rwlock_t)PTHREAD_RWLOCK_INITIALIZER;
	at = (char *)(wt + 1);
	wt->table_path = path_put(&at, upper, len, WT_TABLE);
	wt->tmp_path = path_put(&at, upper, len, WT_TMP);
	wt->lock_path = path_put(&at, upper, len, WT_LOCK);
	wt->ix_path = path_put(&at, upper, len, WT_INDEX);
	wt->ix_tmp_path = path_put(&at, upper, len, WT_INDEX_TMP);
	meta = path_put(&at, upper, len, WT_META);
	work = path_put(&at, upper, len, WT_WORK);

	/* UPPER/.union may exist without work/: the union tool keeps its
	   own files there.  Whoever makes the table makes work/ too; a
	   table that exists had it made, and a copy-up that finds it
	   missing since makes it again (copy_up.c work_make): no mkdir
	   answering EEXIST at every process's start. */
	if (wt_open_fast(wt))
		goto out_done;	/* (which left the maps current) */
	ret = wt_make_meta(upper, meta, work);
	if (ret < 0)
		goto out_fail;
	ret = wt_open_lock(wt);
	if (ret < 0)
		goto out_fail;
	wt->epoch = ~(uint64_t)0;	/* nothing loaded: wt_sync loads */
	ret = wt_sync_locked(wt);	/* (may repair: raises `begun`) */
	if (ret == 0) {
		/* Under the flock: nobody appends meanwhile. */
		uint64_t g = __atomic_load_n(&wt->gen->generation,
					     __ATOMIC_ACQUIRE);

		__atomic_store_n(&wt->seen_gen, g, __ATOMIC_RELEASE);
		wt_empty_publish(wt, g, false);
	}
	wt_unlock(wt);
	if (ret < 0)
		goto out_fail;
	wt_ix_build_maybe(wt);	/* (takes the flock again: not ours now) */
out_done:
	*out = wt;
	errno = saved;
	return 0;

out_fail:
	un_wtable_release(wt);
	errno = saved;
	return ret;
}

void un_wtable_release(struct un_wtable *wt)
{
	if (!wt)
		return;
	if (wt->gen)
		munmap(wt->gen, WT_LOCK_SIZE);
	sys_close(wt->lfd);
	sys_close(wt->tfd);
	mem_free(&wt->mem);
	wt_ix_close(&wt->ix);
	pthread_rwlock_destroy(&wt->rw);
	pthread_mutex_destroy(&wt->io);
	if (wt->map_len) {
		un_lsan_unroot(wt, wt->map_len);
		munmap(wt, wt->map_len);
	}
}

/*
 * Are the maps known empty at the generation the lock file announces?
 * The commonest union has no whiteout at all, and every lookup of a
 * lower name asks: two loads, where the refresh check and the read lock
 * cost ~130 instructions.  empty_gen is published only under io with
 * maps current with that generation (wt_empty_publish); a change of
 * another process raises the generation first, so the answer is the
 * table's at the moment of the first load.
 */
static inline bool wt_known_empty(struct un_wtable *wt)
{
	return wt->gen &&
	       __atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE) ==
		       __atomic_load_n(&wt->empty_gen, __ATOMIC_ACQUIRE);
}

/*
 * Read-lock the maps, current with the file; false in signal mode, where
 * wt_signal.c answers without the locks.
 */
static bool wt_read_lock(struct un_wtable *wt)
{
	if (un_in_signal())
		return false;
	wt_refresh(wt);
	pthread_rwlock_rdlock(&wt->rw);
	return true;
}

bool un_wtable_empty(struct un_wtable *wt)
{
	return !wt || wt_known_empty(wt);
}

int wt_kind(struct un_wtable *wt, const char *rel, size_t rel_len)
{
	struct wt_rec *r;
	uint32_t h;

	if (!wt->ix.base) {
		r = mem_find(&wt->mem, rel, rel_len);
		return r ? r->kind : '-';
	}
	/* (One hash for the map and the index.) */
	h = wt_key_hash(rel, rel_len);
	r = mem_find_h(&wt->mem, rel, rel_len, h);
	return r ? r->kind : wt_ix_get(&wt->ix, rel, rel_len, h);
}

/*
 * Leave over mode (read the table whole), for what the index cannot
 * answer; ix_want: it was found damaged, write a new one.  false when
 * the maps are still in over mode (out of memory, say).
 */
static bool wt_go_full(struct un_wtable *wt, bool ix_want)
{
	int cancel;
	bool full;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_mutex_lock(&wt->io);
	if (wt->ix.base)
		wt_materialize(wt, ix_want);
	full = !wt->ix.base;
	pthread_mutex_unlock(&wt->io);
	pthread_setcancelstate(cancel, NULL);
	return full;
}

enum un_wkind un_wtable_get(struct un_wtable *wt, const char *rel,
			    size_t rel_len)
{
	int kind;

	if (!wt || wt_known_empty(wt))
		return UN_W_NONE;
	if (!wt_read_lock(wt))
		return wt_sig_get(wt, rel, rel_len);
	kind = wt_kind(wt, rel, rel_len);
	pthread_rwlock_unlock(&wt->rw);
	if (kind < 0) {
		/* A damaged index: never trusted; the table read whole. */
		int saved = errno;

		wt_go_full(wt, true);
		errno = saved;
		if (!wt_read_lock(wt))
			return wt_sig_get(wt, rel, rel_len);
		kind = wt_kind(wt, rel, rel_len);
		pthread_rwlock_unlock(&wt->rw);
		if (kind < 0)
			return wt_sig_get(wt, rel, rel_len);
	}
	return kind == 'w' || kind == 'o' ? (enum un_wkind)kind : UN_W_NONE;
}

/* un_wtable_hides by un_wtable_get's, component by component: in a
   signal handler, or with a damaged index. */
static bool hides_slow(struct un_wtable *wt, const char *rel, size_t len)
{
	if (un_wtable_get(wt, rel, len) == UN_W_WHITEOUT)
		return true;
	for (const char *slash; (slash = memrchr(rel, '/', len));) {
		len = slash - rel;
		if (un_wtable_get(wt, rel, len) != UN_W_NONE)
			return true;
	}
	return false;
}

bool un_wtable_hides(struct un_wtable *wt, const char *rel, size_t rel_len)
{
	size_t len = rel_len;
	int kind;

	if (!wt || wt_known_empty(wt))
		return false;
	if (!wt_read_lock(wt))
		return hides_slow(wt, rel, rel_len);
	/* rel itself: a whiteout; an ancestor: any record. */
	for (bool self = true;; self = false) {
		const char *slash;

		kind = wt_kind(wt, rel, len);
		if (kind < 0)
			break;	/* a damaged index */
		if (kind == 'w' || (!self && kind == 'o')) {
			pthread_rwlock_unlock(&wt->rw);
			return true;
		}
		slash = memrchr(rel, '/', len);
		if (!slash) {
			pthread_rwlock_unlock(&wt->rw);
			return false;
		}
		len = slash - rel;
	}
	pthread_rwlock_unlock(&wt->rw);
	return hides_slow(wt, rel, rel_len);
}

/* An index record the map has no entry for is live (one it has is the
   map's to say: a `-` entry cancelled it). */
static int ix_live(void *arg, const char *key, size_t len)
{
	return !mem_find(arg, key, len);
}

int wt_any_below(struct un_wtable *wt, const char *rel, size_t rel_len)
{
	if (mem_any_below(&wt->mem, rel, rel_len))
		return 1;
	if (!wt->ix.base)
		return 0;
	return wt_ix_each_below(&wt->ix, rel, rel_len, ix_live, &wt->mem);
}

bool un_wtable_has_below(struct un_wtable *wt, const char *rel,
			 size_t rel_len)
{
	int below;

	if (!wt || wt_known_empty(wt))
		return false;
	if (!wt_read_lock(wt))
		return wt_sig_has_below(wt, rel, rel_len);
	below = wt_any_below(wt, rel, rel_len);
	pthread_rwlock_unlock(&wt->rw);
	if (below < 0) {
		/* A damaged index: never trusted; the table read whole.
		   (Were that to fail, the scan of the file answers.) */
		int saved = errno;

		wt_go_full(wt, true);
		errno = saved;
		if (!wt_read_lock(wt))
			return wt_sig_has_below(wt, rel, rel_len);
		below = wt_any_below(wt, rel, rel_len);
		pthread_rwlock_unlock(&wt->rw);
		if (below < 0)
			return wt_sig_has_below(wt, rel, rel_len);
	}
	return below > 0;
}

/* A change ends: the flock, then io, let go. */
static void wt_write_end(struct un_wtable *wt)
{
	wt_unlock(wt);
	pthread_mutex_unlock(&wt->io);
}

/*
 * A change begins: io, then the flock, then the maps caught up with the
 * file (which the flock lets us repair).  0 with both held, else -errno
 * with neither.
 */
static int wt_write_begin(struct un_wtable *wt)
{
	int ret;

	pthread_mutex_lock(&wt->io);
	/* The catch-up below may take in lines whose generation a killed
	   writer never raised, and this change may be none: the maps may
	   then differ from the file at the announced generation, and
	   lookups take the locks until the next one (wt_appended). */
	__atomic_store_n(&wt->empty_gen, ~(uint64_t)0, __ATOMIC_RELEASE);
	ret = wt_lock(wt);
	if (ret < 0) {
		pthread_mutex_unlock(&wt->io);
		return ret;
	}
	ret = wt_sync_locked(wt);
	if (ret < 0)
		wt_write_end(wt);
	return ret;
}

static int wtable_set(struct un_wtable *wt, const char *rel,
		      enum un_wkind kind)
{
	size_t len = strlen(rel), n;
	char op, *line;
	int saved = errno;
	int cur, ret;

	if (kind != UN_W_NONE && kind != UN_W_WHITEOUT && kind != UN_W_OPAQUE)
		return -EINVAL;
	if (un_fmt_path_invalid(rel, len))
		return -EINVAL;
	if (!wt)
		return -EROFS;
	op = kind == UN_W_NONE ? '-' : (char)kind;
	if (un_in_signal())
		return wt_sig_set(wt, rel, len, op);
	line = malloc(un_fmt_rec_max(len));
	if (!line)
		return -ENOMEM;
	n = un_fmt_rec_encode(line, op, rel, len);

	ret = wt_write_begin(wt);
	if (ret < 0)
		goto out_free;
	/* (Through the index in over mode; a damaged one: read it all.) */
	cur = wt_kind(wt, rel, len);
	if (cur < 0) {
		ret = wt_materialize(wt, false);
		cur = ret < 0 || wt->ix.base ? -1 : wt_kind(wt, rel, len);
		if (cur < 0) {
			ret = ret < 0 ? ret : -EIO;
			goto out_end;
		}
	}
	if ((cur == 'w' || cur == 'o' ? cur : '-') == op) {
		wt_own_done(wt);
		goto out_end;	/* already so: nothing to write */
	}

	ret = wt_append(wt, line, n);
	if (ret < 0)
		goto out_end;
	pthread_rwlock_wrlock(&wt->rw);
	ret = mem_apply(&wt->mem, op, rel, len);
	pthread_rwlock_unlock(&wt->rw);
	wt_appended(wt, line, n, 1, ret < 0);
	if (ret == 0)
		wt_own_done(wt);
	ret = 0;

out_end:
	wt_write_end(wt);
out_free:
	free(line);
	errno = saved;
	return ret;
}

/* A record clear_below cancels: its slot in the map (SIZE_MAX: in the
   index) and its path (in the map's buffers or the index). */
struct below_at {
	size_t i;
	const char *key;
	size_t len;
};

/* The records clear_below cancels: their `-` lines, and where they are. */
struct below {
	char *buf;
	size_t cap, used;
	struct below_at at_local[64];
	struct below_at *at;	/* at_local, or from malloc */
	size_t at_cap;
	unsigned long n;
	struct wt_mem *m;
};

static void below_init(struct below *b, struct wt_mem *m)
{
	b->buf = NULL;
	b->cap = b->used = 0;
	b->at = b->at_local;
	b->at_cap = sizeof(b->at_local) / sizeof(b->at_local[0]);
	b->n = 0;
	b->m = m;
}

static void below_free(struct below *b)
{
	free(b->buf);
	if (b->at != b->at_local)
		free(b->at);
}

static int below_key(struct below *b, size_t i, const char *key, size_t len)
{
	size_t need = un_fmt_rec_max(len);

	if (b->used + need > b->cap) {
		size_t ncap = 2 * (b->used + need);
		char *nbuf = realloc(b->buf, ncap);

		if (!nbuf)
			return -ENOMEM;
		b->buf = nbuf;
		b->cap = ncap;
	}
	if (b->n == b->at_cap) {
		size_t ncap = 2 * b->at_cap;
		struct below_at *nat = b->at == b->at_local ?
				      malloc(ncap * sizeof(*b->at)) :
				      realloc(b->at, ncap * sizeof(*b->at));

		if (!nat)
			return -ENOMEM;
		if (b->at == b->at_local)
			memcpy(nat, b->at_local, sizeof(b->at_local));
		b->at = nat;
		b->at_cap = ncap;
	}
	b->used += un_fmt_rec_encode(b->buf + b->used, '-', key, len);
	b->at[b->n++] = (struct below_at){ i, key, len };
	return 0;
}

/* A record of the map below the directory (over mode: a `-` entry is
   none). */
static inline int below_add(void *arg, size_t i, struct wt_rec *r)
{
	if (r->kind == '-')
		return 0;
	return below_key(arg, i, r->key, r->len);
}

/* A record of the index below it, unless the map has the path (then
   below_add took it, or it was cancelled). */
static int below_ix_add(void *arg, const char *key, size_t len)
{
	struct below *b = arg;

	if (mem_find(b->m, key, len))
		return 0;
	return below_key(b, SIZE_MAX, key, len);
}

/* Find the records below rel (len bytes): in the map, and in over mode
   in the index too.  Under io and the flock. */
static int below_find(struct un_wtable *wt, struct below *b,
		      const char *rel, size_t len)
{
	struct wt_rec *r;
	size_t i;
	int ret;

	/* (Under io, which every change of the map holds: the index
	   mem_index_below may make is the writers' alone.) */
	if (!mem_index_below(&wt->mem, rel, len, below_add, b, &ret)) {
		ret = 0;
		MEM_FOREACH(&wt->mem, i, r) {
			if (key_below(r->key, r->len, rel, len) &&
			    (ret = below_add(b, i, r)) < 0)
				break;
		}
	}
	if (ret == 0 && wt->ix.base)
		ret = wt_ix_each_below(&wt->ix, rel, len, below_ix_add, b);
	return ret;
}

static int wtable_clear_below(struct un_wtable *wt, const char *rel)
{
	size_t len = strlen(rel), i;
	struct wt_rec *r, *slot0;
	struct below b;
	struct wt_buf *bufs0;
	size_t cap0;
	unsigned long installs0;
	bool over, stale = false;
	int saved = errno;
	int ret;

	if (len > 0 && un_fmt_path_invalid(rel, len))
		return -EINVAL;
	if (!wt)
		return -EROFS;
	if (un_in_signal())
		return wt_sig_clear_below(wt, rel, len);

	below_init(&b, &wt->mem);
	ret = wt_write_begin(wt);
	if (ret < 0)
		goto out_restore;
	ret = below_find(wt, &b, rel, len);
	if (ret == -EUCLEAN && wt->ix.base) {
		/* A damaged index: the table read whole (under the flock:
		   no new index now), and the map alone asked again. */
		below_free(&b);
		below_init(&b, &wt->mem);
		ret = wt_materialize(wt, false);
		if (ret == 0 && wt->ix.base)
			ret = -EIO;
		if (ret == 0)
			ret = below_find(wt, &b, rel, len);
	}
	if (ret < 0)
		goto out_end;
	if (b.n == 0) {
		wt_own_done(wt);
		goto out_end;
	}

	/* One write for all: the lines are whole even if we die midway. */
	slot0 = wt->mem.slot;
	cap0 = wt->mem.cap;
	bufs0 = wt->mem.bufs;
	installs0 = wt->installs;
	over = wt->ix.base != NULL;
	ret = wt_append(wt, b.buf, b.used);
	if (ret < 0)
		goto out_end;
	pthread_rwlock_wrlock(&wt->rw);
	if (over) {
		/*
		 * Over mode: each record becomes a `-` entry of the map,
		 * which overrides the index.  The keys found lie in the
		 * map's buffers and the index, both alive unless wt_append
		 * had to reopen the table and the maps were loaded again:
		 * then (or out of memory) the maps are stale, and the next
		 * call loads them again from the file, which has the lines.
		 */
		stale = wt->installs != installs0;
		for (i = 0; i < b.n && !stale; i++)
			stale = mem_apply(&wt->mem, '-', b.at[i].key,
					  b.at[i].len) < 0;
		pthread_rwlock_unlock(&wt->rw);
		wt_appended(wt, b.buf, b.used, b.n, stale);
		if (!stale)
			wt_own_done(wt);
		goto out_end;
	}
	/*
	 * Take out the slots found above rather than scanning the whole map
	 * again: every rmdir of rm -rf comes here, and a second pass over a
	 * map of 100,000 records made each one cost 2x what it must.  The
	 * slots are where they were unless wt_append reopened the table
	 * (a reload or a catch-up adopts a new buffer, a rehash moves the
	 * slots): then scan as before.
	 */
	if (wt->mem.slot == slot0 && wt->mem.cap == cap0 &&
	    wt->mem.bufs == bufs0) {
		for (i = 0; i < b.n; i++)
			mem_del(&wt->mem, &wt->mem.slot[b.at[i].i]);
	} else {
		MEM_FOREACH(&wt->mem, i, r)
			if (key_below(r->key, r->len, rel, len))
				mem_del(&wt->mem, r);
	}
	pthread_rwlock_unlock(&wt->rw);
	wt_appended(wt, b.buf, b.used, b.n, false);
	wt_own_done(wt);

out_end:
	wt_write_end(wt);
	below_free(&b);
out_restore:
	errno = saved;
	return ret;
}

/*
 * fork: a child must not inherit a lock another thread held.  The
 * prepare handler takes both locks (in the order set() takes them), so
 * the tables are consistent at the fork; the parent releases them and
 * the child starts with fresh ones.
 */
void un_wtable_fork_prepare(struct un_wtable *wt)
{
	pthread_mutex_lock(&wt->io);
	pthread_rwlock_wrlock(&wt->rw);
}

void un_wtable_fork_parent(struct un_wtable *wt)
{
	pthread_rwlock_unlock(&wt->rw);
	pthread_mutex_unlock(&wt->io);
}

void un_wtable_fork_child(struct un_wtable *wt)
{
	pthread_mutex_init(&wt->io, NULL);
	pthread_rwlock_init(&wt->rw, NULL);
}

/*
 * A stamp of everything that can change which layers make up a merged
 * directory: the table's epoch, and the count of directory changes,
 * which dir.c also raises after every record that can hide, reveal or
 * make opaque a directory.  Not the generation: the whiteout of a file
 * (every unlink of rm -rf) changes no directory.  No system call.
 * Never 0 (but after 2^64 changes): 0 stands for layers that never
 * change (a union without an upper; a walk's root: namei.c
 * walk_stamp_holds).  A fresh lock file's, epoch and count 0, was 0
 * too: a walk in a new union took the first copy-up's change for none
 * and put a directory's old layers with the new stamp
 * (integration/held-dir-copyup-race under load: "lib0 listdir: ['k']",
 * the first iteration alone).
 */
static uint64_t stamp_make(uint64_t epoch, uint64_t dirs)
{
	return epoch * 0x9e3779b97f4a7c15ULL + dirs + 1;
}

uint64_t un_wtable_stamp(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	return stamp_make(__atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE),
			  __atomic_load_n(&wt->gen->dirs, __ATOMIC_ACQUIRE));
}

/* Tell every process of the union that a directory of the upper changed. */
void un_wtable_bump_dirs(struct un_wtable *wt)
{
	if (wt && wt->gen)
		__atomic_add_fetch(&wt->gen->dirs, 1, __ATOMIC_SEQ_CST);
}

/*
 * The same, and the stamp just before and just after this bump (no
 * other change in between), for a caller that carries its own cache
 * over its own change; false when they cannot be told (no table, or a
 * rewrite of the table at that moment).
 */
bool un_wtable_bump_dirs_own(struct un_wtable *wt, uint64_t *before,
			     uint64_t *after)
{
	uint64_t e, d;

	if (!wt || !wt->gen)
		return false;
	e = __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE);
	d = __atomic_fetch_add(&wt->gen->dirs, 1, __ATOMIC_SEQ_CST);
	*before = stamp_make(e, d);
	*after = stamp_make(e, d + 1);
	return __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE) == e;
}

/* The count of names made in the upper, and its bump (dcache.c). */
uint64_t un_wtable_names(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	return __atomic_load_n(&wt->gen->names, __ATOMIC_ACQUIRE);
}

/* un_wtable_stamp's and un_wtable_names' loads in one call, in the same
   order as un_dcache_stamps made them (the stamp, then the count), and
   the table's emptiness (un_wtable_empty) after them. */
uint64_t un_wtable_stamps(struct un_wtable *wt, uint64_t *names, bool *empty)
{
	struct wt_gen *g = wt ? wt->gen : NULL;
	uint64_t stamp;

	if (!g) {
		*names = 0;
		*empty = !wt;
		return 0;
	}
	stamp = stamp_make(__atomic_load_n(&g->epoch, __ATOMIC_ACQUIRE),
			   __atomic_load_n(&g->dirs, __ATOMIC_ACQUIRE));
	*names = __atomic_load_n(&g->names, __ATOMIC_ACQUIRE);
	*empty = __atomic_load_n(&g->generation, __ATOMIC_ACQUIRE) ==
		 __atomic_load_n(&wt->empty_gen, __ATOMIC_ACQUIRE);
	return stamp;
}

void un_wtable_bump_names(struct un_wtable *wt)
{
	if (wt && wt->gen)
		__atomic_add_fetch(&wt->gen->names, 1, __ATOMIC_SEQ_CST);
}

uint64_t un_wtable_moves(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	return __atomic_load_n(&wt->gen->moves, __ATOMIC_ACQUIRE);
}

uint64_t un_wtable_places(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	return __atomic_load_n(&wt->gen->places, __ATOMIC_ACQUIRE);
}

uint64_t un_wtable_bump_moves(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	__atomic_add_fetch(&wt->gen->moves, 1, __ATOMIC_SEQ_CST);
	return __atomic_add_fetch(&wt->gen->places, 1, __ATOMIC_SEQ_CST);
}

uint64_t un_wtable_bump_removes(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	return __atomic_add_fetch(&wt->gen->places, 1, __ATOMIC_SEQ_CST);
}

/* The same, telling the count it bumped (~0 without a table). */
uint64_t un_wtable_bump_names_own(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return ~(uint64_t)0;
	return __atomic_fetch_add(&wt->gen->names, 1, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------------ */
/* The table's descriptors against the program's close and dup2        */
/* (wrap_fd.c): a program that closes every descriptor, or dup2s onto  */
/* the numbers we hold, must neither lose us our files nor have us use */
/* its own (we would flock, and unlock, the program's file).           */

/* Under io: is fd the table's or the lock file's descriptor, by number
   and by identity?  1 the table, 2 the lock file, 0 neither. */
static int wt_fd_which(struct un_wtable *wt, int fd)
{
	struct statx stx;

	if (fd < 0 || (fd != wt->tfd && fd != wt->lfd))
		return 0;
	if (sys_fstatx(fd, &stx) < 0)
		return 0;
	if (fd == wt->tfd && id_eq(stx_id(&stx), wt->tid))
		return 1;
	if (fd == wt->lfd && id_eq(stx_id(&stx), wt->lid))
		return 2;
	return 0;
}

/* Take io; in signal mode only if it is free (false otherwise). */
static bool wt_io_lock(struct un_wtable *wt)
{
	if (!un_in_signal()) {
		pthread_mutex_lock(&wt->io);
		return true;
	}
	return pthread_mutex_trylock(&wt->io) == 0;
}

/* Cheap, without a lock: could fd be one of wt's?  (A racy hint.) */
static bool wt_fd_maybe(struct un_wtable *wt, int fd)
{
	return wt && (__atomic_load_n(&wt->tfd, __ATOMIC_RELAXED) == fd ||
		      __atomic_load_n(&wt->lfd, __ATOMIC_RELAXED) == fd);
}

UN_EXEC_TEXT bool un_wtable_owns_fd(int fd)
{
	for (int i = 0; i < un_config.nmount; i++) {
		struct un_wtable *wt = un_config.mount[i].wt;
		int which;

		if (!wt_fd_maybe(wt, fd))
			continue;
		/* A handler cannot wait for io (its thread may hold it): the
		   number alone answers then. */
		if (!wt_io_lock(wt))
			return true;
		which = wt_fd_which(wt, fd);
		pthread_mutex_unlock(&wt->io);
		if (which)
			return true;
	}
	return false;
}

int un_wtable_fds(int *fds, int max)
{
	int n = 0;

	for (int i = 0; i < un_config.nmount; i++) {
		struct un_wtable *wt = un_config.mount[i].wt;

		if (!wt)
			continue;
		if (!wt_io_lock(wt)) {
			/* A handler: the numbers, unchecked. */
			if (n < max && wt->tfd >= 0)
				fds[n++] = wt->tfd;
			if (n < max && wt->lfd >= 0)
				fds[n++] = wt->lfd;
			continue;
		}
		if (n < max && wt_fd_which(wt, wt->tfd) == 1)
			fds[n++] = wt->tfd;
		if (n < max && wt_fd_which(wt, wt->lfd) == 2)
			fds[n++] = wt->lfd;
		pthread_mutex_unlock(&wt->io);
	}
	return n;
}

/*
 * The program is about to take the number fd (dup2 onto it): if it is
 * ours, move our file to another number first.  The open file
 * description moves with it, and so does a flock on it.  Where no number
 * is free we let it go: the next use reopens it.
 */
void un_wtable_vacate_fd(int fd)
{
	for (int i = 0; i < un_config.nmount; i++) {
		struct un_wtable *wt = un_config.mount[i].wt;
		long nfd;
		int which;

		if (!wt_fd_maybe(wt, fd))
			continue;
		if (!wt_io_lock(wt))
			continue;	/* a handler: the next use reopens it */
		which = wt_fd_which(wt, fd);
		if (which) {
			nfd = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, WT_FD_MIN);
			if (nfd < 0 || nfd == fd)
				nfd = -1;
			sys_close(fd);
			if (which == 1)
				__atomic_store_n(&wt->tfd, (int)nfd,
						 __ATOMIC_RELAXED);
			else
				__atomic_store_n(&wt->lfd, (int)nfd,
						 __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&wt->io);
	}
}

/*
 * The writers hold the table's mutex and its flock across write() and
 * pread(), both cancellation points: a thread cancelled there would leave
 * every other thread and process of the union waiting.  Cancellation
 * waits until the record is written.  Signals wait too (a rare section,
 * two system calls): a handler that changed the union would otherwise
 * wait for the flock its own thread holds.  They are held back without
 * a system call (un_sig_hold), not blocked.  below: clear every record
 * below rel, else record kind for rel.
 */
static int wt_change(struct un_wtable *wt, const char *rel,
		     enum un_wkind kind, bool below)
{
	struct un_sig_hold hold;
	int cancel, rc;

	if (un_in_signal())
		return below ? wtable_clear_below(wt, rel) :
			       wtable_set(wt, rel, kind);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	un_sig_hold(&hold);
	rc = below ? wtable_clear_below(wt, rel) : wtable_set(wt, rel, kind);
	un_sig_unhold(&hold);
	pthread_setcancelstate(cancel, NULL);
	return rc;
}

int un_wtable_set(struct un_wtable *wt, const char *rel, enum un_wkind kind)
{
	return wt_change(wt, rel, kind, false);
}

int un_wtable_clear_below(struct un_wtable *wt, const char *rel)
{
	return wt_change(wt, rel, UN_W_NONE, true);
}
