/*
 * wt_file.c - the whiteout table's files: UPPER/.union/whiteouts and
 * UPPER/.union/lock, opened, checked, caught up with, locked, appended
 * to and compacted.
 *
 * A lookup costs no system call: it compares the generation in the
 * mapped lock file with the one this handle last caught up with
 * (seen_gen), and only when they differ does wt_refresh read the file
 * again, from the byte where it stopped last time, and replay the new
 * lines (wt_catch_up).  When the epoch has moved as well, the file was
 * rewritten and is loaded from scratch (wt_reload).  A writer takes the
 * flock (wt_lock), catches up and repairs (wt_sync), appends
 * (wt_append) and announces (wt_appended), which may compact.  The
 * invariants these keep are at the head of whiteout.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wtable.h"

static void wt_complain_line(const struct un_wtable *wt, unsigned long line,
			     const char *why)
{
	wt_complain("%s: corrupt at line %lu: %s", wt->table_path, line, why);
}

/* Root made the file fd at path: give it to the owner of its directory
   (UPPER/.union, which wt_make_meta gave to the upper's owner). */
void wt_fix_owner(int fd, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct statx stx;

	if (un_self_euid() != 0 || !slash || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	if (syscall(SYS_statx, AT_FDCWD, dir, 0, STATX_UID | STATX_GID,
		    &stx) == 0)
		syscall(SYS_fchown, fd, stx.stx_uid, stx.stx_gid);
}

/*
 * Open path, creating it (O_EXCL, tolerating EEXIST) when create.  The
 * file nearly always exists: try that first, one system call.
 */
int open_reg(const char *path, int flags, bool create)
{
	int fd;

	flags |= O_NOFOLLOW;
	fd = sys_open(path, flags, 0);
	if (fd == -ENOENT && create) {
		fd = sys_open(path, flags | O_CREAT | O_EXCL, 0644);
		if (fd >= 0)
			wt_fix_owner(fd, path);
		if (fd == -EEXIST)
			fd = sys_open(path, flags, 0);
	}
	if (fd == -EISDIR || fd == -ELOOP) {
		wt_complain("%s: not a regular file", path);
		return -EUCLEAN;
	}
	if (fd < 0)
		return fd;
	return fd_move_high(fd);
}

/* statx fd and insist on a regular file. */
int stat_reg(int fd, const char *path, struct statx *stx)
{
	int ret = sys_fstatx(fd, stx);

	if (ret < 0)
		return ret;
	if (!S_ISREG(stx->stx_mode)) {
		wt_complain("%s: not a regular file", path);
		return -EUCLEAN;
	}
	return 0;
}

/*
 * Read [off, size) of fd into a new buffer for the map's keys (map: an
 * anonymous mapping, never malloc); *got is the count read.
 */
static int read_range(int fd, off_t off, off_t size, bool map,
		      struct wt_buf **out, size_t *got)
{
	struct wt_buf *b = wt_buf_new(size - off, map);
	ssize_t n;

	if (!b)
		return -ENOMEM;
	n = pread_all(fd, b->data, size - off, off);
	if (n < 0) {
		wt_buf_free(b);
		return n;
	}
	*out = b;
	*got = n;
	return 0;
}

/* n more bytes of the file were read or written at the end of what we
   know: keep its last WT_TAIL bytes. */
static void tail_feed(struct un_wtable *wt, const char *bytes, size_t n)
{
	if (n >= WT_TAIL) {
		memcpy(wt->tail, bytes + n - WT_TAIL, WT_TAIL);
		wt->tail_len = WT_TAIL;
		return;
	}
	if (wt->tail_len + n > WT_TAIL) {
		size_t drop = wt->tail_len + n - WT_TAIL;

		memmove(wt->tail, wt->tail + drop, wt->tail_len - drop);
		wt->tail_len -= drop;
	}
	memcpy(wt->tail + wt->tail_len, bytes, n);
	wt->tail_len += n;
}

/*
 * wt_parse decodes the lines of its buffer in place: before it does, keep
 * the last WT_TAIL bytes of the buffer's whole lines (what a successful
 * parse consumes), to feed the tail with afterwards.
 */
struct tail_copy {
	char bytes[WT_TAIL];
	size_t len;
	size_t end;		/* the end of the buffer's last whole line */
};

static void tail_save(struct tail_copy *t, const char *buf, size_t len)
{
	const char *nl = len ? memrchr(buf, '\n', len) : NULL;

	t->end = nl ? (size_t)(nl - buf) + 1 : 0;
	t->len = t->end < WT_TAIL ? t->end : WT_TAIL;
	memcpy(t->bytes, buf + t->end - t->len, t->len);
}

/* After the parse consumed `consumed` bytes of that buffer. */
static void tail_parsed(struct un_wtable *wt, const struct tail_copy *t,
			size_t consumed)
{
	if (consumed == t->end)
		tail_feed(wt, t->bytes, t->len);
	else
		wt->tail_len = 0;	/* a corrupt line: refused anyway */
}

/*
 * Are the bytes before our read position still those we read?  Writers
 * only append (and cut a killed append beyond every complete record); a
 * rewrite comes as a new file under a new epoch.  A file cut short or
 * changed in place under a running process (by hand, or by a tool that
 * ignored the lock) would otherwise go unseen when its size comes out
 * the same, and the records it lost would silently stay in our maps.
 */
static bool tail_intact(struct un_wtable *wt, off_t size)
{
	char now[WT_TAIL];

	if (size < wt->pos.off)
		return false;
	if (wt->tail_len == 0)
		return true;
	return pread_all(wt->tfd, now, wt->tail_len,
			 wt->pos.off - (off_t)wt->tail_len) ==
		       (ssize_t)wt->tail_len &&
	       !memcmp(now, wt->tail, wt->tail_len);
}

/* A table read and replayed from scratch, not yet the handle's: the
   whole of it, or (ix.base) an index and the table past it. */
struct wt_load {
	struct wt_mem mem;
	struct wt_pos pos;
	struct tail_copy tail;	/* of what was read */
	size_t got;		/* bytes of the file known (read or indexed) */
	struct wt_ix ix;
	struct wt_ix_at at;	/* where the index ends */
	bool ix_want;		/* no usable index: make one */
};

/*
 * Read the table (fd, size bytes) and replay it into ld->mem: one read
 * into a mapping, one pass over the lines.  No malloc: the first load
 * runs at start-up.  On failure ld->mem is freed, and ld->pos is at the
 * line before a bad one (-EUCLEAN, *why set).
 */
static int wt_load(int fd, off_t size, struct wt_load *ld, const char **why)
{
	char small[128];
	struct wt_buf *b = NULL;
	size_t lines = 0;
	ssize_t n;
	int ret;

	memset(ld, 0, sizeof(*ld));
	ld->ix_want = true;
	if (size < (off_t)sizeof(small)) {
		/* A table of no record, the commonest, is a header (the first
		   line) and maybe an unfinished line: nothing to keep, so no
		   mapping. */
		n = pread_all(fd, small, size, 0);
		if (n < 0)
			return n;
		char *nl = memchr(small, '\n', n);

		if (!nl || !memchr(nl + 1, '\n', small + n - nl - 1)) {
			ld->got = n;
			tail_save(&ld->tail, small, n);
			return wt_parse(&ld->mem, small, n, &ld->pos, why);
		}
	}
	ret = read_range(fd, 0, size, true, &b, &ld->got);
	if (ret < 0)
		return ret;
	mem_adopt(&ld->mem, b);
	for (char *p = b->data; (p = memchr(p, '\n', b->data + ld->got - p));
	     p++)
		lines++;
	if (lines > 1)		/* records past the header */
		mem_reserve(&ld->mem, lines - 1);
	tail_save(&ld->tail, b->data, ld->got);
	ret = wt_parse(&ld->mem, b->data, ld->got, &ld->pos, why);
	/* An empty table (the commonest) keeps nothing mapped. */
	if (ret < 0 || !ld->mem.count)
		mem_free(&ld->mem);
	return ret;
}

/*
 * Load through the persistent index when there is a usable one: map it,
 * and replay only the table past it, into a map in over mode.  Else read
 * the table whole (wt_load), and say that an index is wanted.  No malloc
 * either way.  epoch: the lock file's, loaded before fd was opened.
 */
static int wt_load_ix(struct un_wtable *wt, int fd, const struct statx *stx,
		      uint64_t epoch, struct wt_load *ld, const char **why)
{
	struct wt_ix ix;
	struct wt_ix_at at;
	struct wt_buf *b = NULL;
	size_t got = 0;
	int ret;

	if (wt_ix_open(wt->ix_path, fd, stx, epoch, &ix, &at) < 0)
		return wt_load(fd, stx->stx_size, ld, why);
	memset(ld, 0, sizeof(*ld));
	ld->mem.over = true;
	ld->ix = ix;
	ld->at = at;
	ld->pos = at.pos;
	ld->mem.ix = &ld->ix;	/* (wt_install points it at the handle's) */
	if ((off_t)stx->stx_size > at.pos.off) {
		ret = read_range(fd, at.pos.off, stx->stx_size, true, &b,
				 &got);
		if (ret < 0)
			goto out_fail;
		mem_adopt(&ld->mem, b);
		tail_save(&ld->tail, b->data, got);
		ret = wt_parse(&ld->mem, b->data, got, &ld->pos, why);
		if (ret < 0)
			goto out_fail;
	}
	ld->got = at.pos.off + got;
	return 0;

out_fail:
	mem_free(&ld->mem);
	wt_ix_close(&ld->ix);
	return ret;
}

/* Make ld the handle's (under io): the maps, and the file fd behind
   them, of the given epoch.  shared: other threads may read the maps
   (not while the handle is being opened: wt_open_fast). */
static void wt_install(struct un_wtable *wt, struct wt_load *ld, int fd,
		       const struct statx *stx, uint64_t epoch, bool shared)
{
	struct wt_mem old;
	struct wt_ix oldix;

	if (shared)
		pthread_rwlock_wrlock(&wt->rw);
	old = wt->mem;
	oldix = wt->ix;
	wt->mem = ld->mem;
	wt->ix = ld->ix;
	wt->mem.ix = wt->ix.base ? &wt->ix : NULL;
	if (shared)
		pthread_rwlock_unlock(&wt->rw);
	mem_free(&old);
	wt_ix_close(&oldix);

	if (wt->tfd != fd)
		sys_close(wt->tfd);
	wt->tfd = fd;
	wt->tid = stx_id(stx);
	wt->pos = ld->pos;
	wt->tail_len = 0;
	if (ld->ix.base)
		tail_feed(wt, ld->at.tail, ld->at.tail_len);
	tail_parsed(wt, &ld->tail, ld->pos.off - ld->at.pos.off);
	wt->fsize = ld->got;
	wt->epoch = epoch;
	wt->corrupt = false;
	wt->ix_want = ld->ix_want;
	wt->ix_nlive = ld->at.nlive;
	wt->installs++;
}

/*
 * The lock file's descriptor, for a handle that mapped the file without
 * keeping one (wt_open_fast: a reader needs only the mapping, and most
 * processes never write): open it again, the file still the one mapped.
 * 0, or -errno with nothing kept.
 */
static int wt_lfd_get(struct un_wtable *wt)
{
	struct statx stx;
	int fd;

	if (wt->lfd >= 0)
		return 0;
	fd = open_reg(wt->lock_path, O_RDWR, false);
	if (fd < 0)
		return fd;
	if (sys_fstatx(fd, &stx) < 0 || !id_eq(stx_id(&stx), wt->gid)) {
		sys_close(fd);
		return -ESTALE;
	}
	wt->lfd = fd;
	wt->lid = wt->gid;
	return 0;
}

/*
 * The maps were read whole and no usable index was found (ix_want):
 * when the table is big enough for the index to pay, write one, if the
 * flock is free (a reader does not wait for writers) and, under it, the
 * file is still exactly what the maps hold (nobody appended since, no
 * killed append's tail, the same inode and epoch, the bytes before our
 * position intact).  Its cost, about a fifth of the full read it
 * follows, is paid once by the first process that reads a big table
 * whole; the processes after it map the index.  Under io (or before
 * the handle is anyone else's); never in signal mode.
 */
void wt_ix_build_maybe(struct un_wtable *wt)
{
	struct un_sig_hold hold;
	struct statx stx;
	int ret;

	if (!wt->ix_want || wt->ix.base || wt->corrupt ||
	    wt->mem.count < WT_IX_MIN || un_in_signal() ||
	    wt->pid != un_self_pid() || wt_lfd_get(wt) < 0)
		return;
	/* The flock is held across the index's writing, and a reader's
	   catch-up (wt_refresh) comes here with no section of its own: a
	   handler of this thread that changed the union would wait for
	   it for ever (its flock is on a descriptor of its own,
	   wt_signal.c).  Held back meanwhile, as around the writers'
	   (whiteout.c wt_change); once per table read whole. */
	un_sig_hold(&hold);
	/* Our lock file's descriptor, still (a program may close ours). */
	if (sys_fstatx(wt->lfd, &stx) < 0 || !id_eq(stx_id(&stx), wt->lid) ||
	    flock(wt->lfd, LOCK_EX | LOCK_NB) < 0) {
		un_sig_unhold(&hold);
		return;
	}
	ret = sys_fstatx(wt->tfd, &stx);
	if (ret == 0 && id_eq(stx_id(&stx), wt->tid) && stx.stx_nlink > 0 &&
	    (off_t)stx.stx_size == wt->pos.off && wt->fsize == wt->pos.off &&
	    __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE) == wt->epoch &&
	    tail_intact(wt, stx.stx_size)) {
		/* Once, made or not (a user who cannot write UPPER/.union
		   must not pay for a failed attempt at every catch-up). */
		wt_ix_write(wt->ix_path, wt->ix_tmp_path, &wt->mem, wt->tid,
			    wt->epoch, &wt->pos, wt->tail, wt->tail_len);
		wt->ix_want = false;
	}
	flock(wt->lfd, LOCK_UN);
	un_sig_unhold(&hold);
}

/*
 * Load the table from scratch from a fresh descriptor (epoch: the epoch
 * loaded before opening), through the index when use_ix.  On failure
 * the old state stays.
 */
static int wt_reload(struct un_wtable *wt, bool create, uint64_t epoch,
		     bool use_ix)
{
	struct wt_load ld;
	struct statx stx;
	const char *why = NULL;
	int fd, ret;

	fd = open_reg(wt->table_path, O_RDWR | O_APPEND, create);
	if (fd < 0)
		return fd;
	ret = stat_reg(fd, wt->table_path, &stx);
	if (ret < 0)
		goto out_close;
	ret = use_ix ? wt_load_ix(wt, fd, &stx, epoch, &ld, &why) :
		       wt_load(fd, stx.stx_size, &ld, &why);
	if (ret < 0) {
		if (ret == -EUCLEAN && !wt->corrupt)
			wt_complain_line(wt, ld.pos.lineno + 1, why);
		if (ret == -EUCLEAN)
			wt->corrupt = true;
		goto out_close;
	}
	wt_install(wt, &ld, fd, &stx, epoch, true);
	return 0;

out_close:
	sys_close(fd);
	return ret;
}

int wt_materialize(struct un_wtable *wt, bool ix_want)
{
	int ret = wt_reload(wt, false,
			    __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE),
			    false);

	if (ret == 0) {
		wt->ix_want = ix_want;
		wt_ix_build_maybe(wt);
	}
	return ret;
}

/* Replay what was appended since pos.off (or reload when we must);
   ret and stx: wt_sync's fstatx of tfd. */
static int wt_catch_up(struct un_wtable *wt, bool create, uint64_t epoch,
		       int ret, const struct statx *pstx)
{
	struct statx stx = *pstx;
	const char *why = NULL;
	struct wt_buf *buf = NULL;
	size_t got = 0;

	if (ret == -EBADF || (!ret && !id_eq(stx_id(&stx), wt->tid))) {
		/* Closed, or the number reused, behind our back. */
		wt->tfd = -1;
		return wt_reload(wt, create, epoch, true);
	}
	if (ret < 0)
		return ret;
	if (!tail_intact(wt, (off_t)stx.stx_size)) {
		if (!wt->corrupt)
			wt_complain("%s: cut short or changed in place under a "
				    "running process (records it held may be "
				    "lost); refusing changes until it is "
				    "repaired", wt->table_path);
		wt->corrupt = true;
		return -EUCLEAN;
	}
	wt->fsize = stx.stx_size;
	if ((off_t)stx.stx_size == wt->pos.off)
		return 0;

	off_t from = wt->pos.off;
	struct tail_copy saved;

	ret = read_range(wt->tfd, wt->pos.off, stx.stx_size, false, &buf,
			 &got);
	if (ret < 0)
		return ret;
	wt->fsize = wt->pos.off + got;
	tail_save(&saved, buf->data, got);
	pthread_rwlock_wrlock(&wt->rw);
	/* The records replayed point into buf: the map keeps it. */
	mem_adopt(&wt->mem, buf);
	ret = wt_parse(&wt->mem, buf->data, got, &wt->pos, &why);
	pthread_rwlock_unlock(&wt->rw);
	tail_parsed(wt, &saved, wt->pos.off - from);
	if (ret == -EUCLEAN) {
		if (!wt->corrupt)
			wt_complain_line(wt, wt->pos.lineno + 1, why);
		wt->corrupt = true;
	} else if (ret < 0) {
		/* Out of memory half-way: start afresh next time. */
		wt->epoch = ~(uint64_t)0;
	}
	return ret;
}

/*
 * The table's descriptor, for a handle that read the file and kept none
 * (wt_open_fast, or one closed behind our back): open it again, the
 * file at the path still the one read.  0; -ESTALE when another file is
 * there, else -errno; nothing kept on failure.
 */
static int wt_tfd_reopen(struct un_wtable *wt)
{
	struct statx stx;
	int fd = open_reg(wt->table_path, O_RDWR | O_APPEND, false);

	if (fd < 0)
		return fd;
	if (sys_fstatx(fd, &stx) < 0 || !id_eq(stx_id(&stx), wt->tid)) {
		sys_close(fd);
		return -ESTALE;
	}
	wt->tfd = fd;
	return 0;
}

/*
 * Bring the maps up to date with the file.  locked: we hold the flock,
 * so we may also create the table, cut an unfinished tail and write
 * the header of an empty table.  Under io.
 */
int wt_sync(struct un_wtable *wt, bool locked)
{
	uint64_t epoch = __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE);
	struct statx stx;
	bool held;
	int ret = 0;

	if (wt->tfd < 0 && epoch == wt->epoch) {
		/* The file read is no longer at its path (another file, or
		   none), though the epoch says it was not rewritten: as a
		   held descriptor found without a link below. */
		ret = wt_tfd_reopen(wt);
		if (locked && (ret == -ESTALE || ret == -ENOENT))
			epoch = __atomic_add_fetch(&wt->gen->epoch, 1,
						   __ATOMIC_SEQ_CST);
		ret = 0;
	}
	held = wt->tfd >= 0 && epoch == wt->epoch;
	if (held) {
		/* One fstatx answers both questions: is the number still our
		   table (wt_catch_up), and is our table still the one at its
		   path, though the epoch says it was not rewritten?  A
		   rewrite renames another file over it, which leaves ours
		   with no link: a compaction killed between its rename and
		   its epoch bump (or a table removed by hand).  Under the
		   lock, announce the rewrite its author could not. */
		ret = sys_fstatx(wt->tfd, &stx);
		if (locked && ret == 0 && id_eq(stx_id(&stx), wt->tid) &&
		    stx.stx_nlink == 0)
			epoch = __atomic_add_fetch(&wt->gen->epoch, 1,
						   __ATOMIC_SEQ_CST);
	}
	if (!held || epoch != wt->epoch)
		/* (Through the index, a writer too: its changes go to the
		   over map, and what needs the table whole reads it.) */
		ret = wt_reload(wt, locked, epoch, true);
	else
		ret = wt_catch_up(wt, locked, epoch, ret, &stx);
	if (ret == 0 && !locked)
		wt_ix_build_maybe(wt);
	if (ret < 0 || !locked)
		return ret;

	if (wt->fsize > wt->pos.off) {
		/* Nobody else writes now: the tail is a killed append. */
		ret = sys_ftruncate(wt->tfd, wt->pos.off);
		if (ret < 0)
			return ret;
		wt->fsize = wt->pos.off;
	}
	if (wt->pos.off == 0) {
		ret = write_all(wt->tfd, WT_HEADER "\n", strlen(WT_HEADER) + 1);
		if (ret < 0)
			return ret;
		wt->tail_len = 0;
		tail_feed(wt, WT_HEADER "\n", strlen(WT_HEADER) + 1);
		wt->pos.off = wt->fsize = strlen(WT_HEADER) + 1;
		wt->pos.lineno = 1;
	}
	return 0;
}

/*
 * A change begins, under io and the flock.  Every writer raises `begun`
 * before it changes the table file (union_format.c), so a handle that
 * finds the counter where its own last change left it, and the epoch
 * too, knows that no writer has appended, cut, repaired or rewritten
 * the file since, not even one killed half-way: its maps, read position
 * and tail are the file's, and the fstatx and pread of wt_sync (three
 * system calls with the lock file's own check, two without) are not
 * needed.  Only a lock file of version 2 says so: a writer of version 1
 * leaves `begun` alone.  What no writer announces (a change by hand) is
 * looked for by the full catch-up, which the shortcut gives way to once
 * in WT_OWN_MAX + 1 changes, and whenever another writer came between.
 * The lock file's own check (wt_lock) stays: our numbers are guarded
 * by the wrappers (wrap_fd.c); a program that closes them behind those
 * with raw system calls closes both, and the reopened lock file sends
 * the next change the full way.
 */
int wt_sync_locked(struct un_wtable *wt)
{
	uint64_t epoch = __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE);
	bool own = wt->own_left > 0 && wt->lock_version == 2 &&
		   wt->tfd >= 0 && !wt->corrupt && epoch == wt->epoch &&
		   !wt->ix.base &&
		   __atomic_load_n(&wt->gen->begun, __ATOMIC_ACQUIRE) ==
			   wt->own_begun;

	wt->own_next = own ? wt->own_left - 1 : WT_OWN_MAX;
	wt->own_left = 0;
	wt->own_begun = __atomic_add_fetch(&wt->gen->begun, 1,
					   __ATOMIC_SEQ_CST);
	return own ? 0 : wt_sync(wt, true);
}

/*
 * Open (creating) and map the lock file; returns with the flock held.
 * A file shorter than a page is one whose creator was killed before it
 * finished: complete it, under the lock.
 */
int wt_open_lock(struct un_wtable *wt)
{
	struct wt_gen head = { .generation = 0 }, head1 = { .generation = 0 };
	struct wt_gen *map;
	struct statx stx;
	struct wt_id id;
	char have[sizeof(head)];
	ssize_t n;
	int fd, ret;

	memcpy(head.magic, WT_MAGIC, sizeof(head.magic));
	memcpy(head1.magic, UN_FMT_LOCK_MAGIC_V1, sizeof(head1.magic));
	/* Whatever this handle knew of the file, it reads it again. */
	wt->own_left = 0;
	fd = open_reg(wt->lock_path, O_RDWR, true);
	if (fd < 0)
		return fd;
	ret = stat_reg(fd, wt->lock_path, &stx);
	if (ret < 0)
		goto out_close;
	id = stx_id(&stx);
	ret = flock_retry(fd, LOCK_EX);
	if (ret < 0)
		goto out_close;
	ret = sys_fstatx(fd, &stx);
	if (ret < 0)
		goto out_unlock;

	if (stx.stx_size < WT_LOCK_SIZE) {
		n = pread_all(fd, have, sizeof(have), 0);
		if (n < 0) {
			ret = n;
			goto out_unlock;
		}
		/* (A creator of version 1 that got as far as its magic:
		   its version stays.  Before that, nobody used the file.) */
		const struct wt_gen *want = &head;

		if (memcmp(have, &head, n) != 0) {
			if (n < 8 || memcmp(have, &head1, n) != 0)
				goto out_corrupt;
			want = &head1;
		}
		ret = -EIO;
		if (pwrite(fd, want, sizeof(*want), 0) == sizeof(*want))
			ret = sys_ftruncate(fd, WT_LOCK_SIZE);
		if (ret < 0)
			goto out_unlock;
	}

	if (!wt->gen || !id_eq(id, wt->gid)) {
		map = mmap(NULL, WT_LOCK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			ret = -errno;
			goto out_unlock;
		}
		if (!un_fmt_lock_version(map->magic)) {
			munmap(map, WT_LOCK_SIZE);
			goto out_corrupt;
		}
		wt->lock_version = un_fmt_lock_version(map->magic);
		/* Another file's generations: nothing is known of them. */
		__atomic_store_n(&wt->empty_gen, ~(uint64_t)0,
				 __ATOMIC_RELEASE);
		if (wt->gen)
			munmap(wt->gen, WT_LOCK_SIZE);
		wt->gen = map;
		wt->gid = id;
	}
	wt->lfd = fd;
	wt->lid = id;
	wt->pid = un_self_pid();
	return 0;

out_corrupt:
	wt_complain("%s: not a libunion lock file", wt->lock_path);
	ret = -EUCLEAN;
out_unlock:
	flock(fd, LOCK_UN);
out_close:
	sys_close(fd);
	return ret;
}

/* Take the flock, reopening the lock file when it is not ours. */
int wt_lock(struct un_wtable *wt)
{
	struct statx stx;
	int ret;

	if (wt->pid != un_self_pid()) {
		/* A fork: the description, and so the flock, is shared. */
		sys_close(wt->lfd);
		wt->lfd = -1;
		return wt_open_lock(wt);
	}
	if (wt->lfd < 0)	/* (a reader's handle: wt_open_fast) */
		return wt_open_lock(wt);
	ret = flock_retry(wt->lfd, LOCK_EX);
	if (ret == -EBADF) {
		wt->lfd = -1;
		return wt_open_lock(wt);
	}
	if (ret < 0)
		return ret;
	ret = sys_fstatx(wt->lfd, &stx);
	if (ret == -EBADF || (!ret && !id_eq(stx_id(&stx), wt->lid))) {
		/* The number was closed and reused: not our file. */
		if (!ret)
			flock(wt->lfd, LOCK_UN);
		wt->lfd = -1;
		return wt_open_lock(wt);
	}
	return ret;
}

void wt_unlock(struct un_wtable *wt)
{
	flock(wt->lfd, LOCK_UN);
}

/* Append whole records (under the lock); reopen once on EBADF. */
int wt_append(struct un_wtable *wt, const char *buf, size_t len)
{
	int ret = write_all(wt->tfd, buf, len);

	if (ret == -EBADF) {
		bool full = !wt->ix.base;

		wt->tfd = -1;
		ret = wt_sync(wt, true);
		/* (A map read whole stays so: clear_below found its records
		   in it, and takes them out of it after this append.) */
		if (ret == 0 && full && wt->ix.base)
			ret = wt_materialize(wt, false);
		if (ret == 0)
			ret = write_all(wt->tfd, buf, len);
	}
	return ret;
}

/*
 * Rewrite the table with only its live records when most of its lines
 * are dead.  Under the lock, with the maps current.  A failure leaves
 * the old file, which is still right.
 */
static int wt_compact(struct un_wtable *wt)
{
	unsigned long nlive = wt->mem.count;
	size_t cap = 65536, used = 0;
	struct statx stx;
	struct wt_rec *r;
	size_t i;
	char *buf;
	int fd, ret;

	if (wt->ix.base) {
		/*
		 * In over mode the map is only what lies past the index:
		 * never written out as the table.  The live records are
		 * the map's and those of the index the map does not hold
		 * (shadow: the map's paths the index holds too); when they
		 * are less than half the lines, the table read whole (under
		 * the lock: it is what the map would be) is compacted.
		 */
		nlive = nlive - wt->mem.minus + wt->ix_nlive -
			(wt->mem.shadow < wt->ix_nlive ? wt->mem.shadow :
							 wt->ix_nlive);
		if (wt->pos.nrec <= WT_COMPACT_MIN ||
		    wt->pos.nrec <= 2 * nlive)
			return 0;
		if (wt_materialize(wt, false) < 0 || wt->ix.base)
			return -EAGAIN;
		nlive = wt->mem.count;
	}
	if (wt->pos.nrec <= WT_COMPACT_MIN || wt->pos.nrec <= 2 * nlive)
		return 0;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	fd = sys_open(wt->tmp_path,
		      O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ret = fd;
		goto out_free;
	}
	fd = fd_move_high(fd);

	used = strlen(WT_HEADER) + 1;
	memcpy(buf, WT_HEADER "\n", used);
	MEM_FOREACH(&wt->mem, i, r) {
		size_t need = un_fmt_rec_max(r->len);

		if (used + need > cap) {
			ret = write_all(fd, buf, used);
			if (ret < 0)
				goto out_unlink;
			used = 0;
		}
		if (need > cap) {
			char *nbuf = realloc(buf, need);

			if (!nbuf) {
				ret = -ENOMEM;
				goto out_unlink;
			}
			buf = nbuf;
			cap = need;
		}
		used += un_fmt_rec_encode(buf + used, r->kind, r->key, r->len);
	}
	ret = write_all(fd, buf, used);
	if (ret < 0)
		goto out_unlink;
	if (fsync(fd) < 0) {
		ret = -errno;
		goto out_unlink;
	}
	ret = sys_fstatx(fd, &stx);
	if (ret < 0)
		goto out_unlink;
	ret = sys_rename(wt->tmp_path, wt->table_path);
	if (ret < 0)
		goto out_unlink;

	wt->epoch = __atomic_add_fetch(&wt->gen->epoch, 1, __ATOMIC_SEQ_CST);
	/* The index was the old file's (its inode tells it anyway). */
	sys_unlink(wt->ix_path);
	sys_close(wt->tfd);
	wt->tfd = fd;
	wt->tid = stx_id(&stx);
	wt->pos.off = wt->fsize = stx.stx_size;
	wt->pos.lineno = 1 + nlive;
	wt->pos.nrec = nlive;
	wt->tail_len = 0;	/* buf holds the file's last `used` bytes */
	tail_feed(wt, buf, used);
	free(buf);
	return 0;

out_unlink:
	sys_unlink(wt->tmp_path);
	sys_close(fd);
out_free:
	free(buf);
	return ret;
}

/*
 * After an append of n records, len bytes in all: account for them,
 * compact if due, and announce them.  stale: the maps could not follow
 * (out of memory), so do not compact from them, and reload next time.
 */
void wt_appended(struct un_wtable *wt, const char *bytes, size_t len,
			unsigned long n, bool stale)
{
	uint64_t g;

	tail_feed(wt, bytes, len);
	wt->pos.off += len;
	wt->fsize = wt->pos.off;
	wt->pos.lineno += n;
	wt->pos.nrec += n;
	if (stale)
		wt->epoch = ~(uint64_t)0;
	else
		wt_compact(wt);
	g = __atomic_add_fetch(&wt->gen->generation, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&wt->seen_gen, stale ? 0 : g, __ATOMIC_RELEASE);
	wt_empty_publish(wt, g, stale);
}

/* Catch up when another handle has changed the table (readers). */
void wt_refresh(struct un_wtable *wt)
{
	uint64_t g;
	int saved = errno;
	int ret;

	if (__atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&wt->seen_gen, __ATOMIC_ACQUIRE))
		return;

	int cancel;

	/* No cancellation point may leave the lock held (pread is one). */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_mutex_lock(&wt->io);
	g = __atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE);
	if (g != wt->seen_gen) {
		ret = wt_sync(wt, false);
		/* A corrupt table is reported once, not retried per lookup. */
		if (ret == 0 || ret == -EUCLEAN) {
			__atomic_store_n(&wt->seen_gen, g, __ATOMIC_RELEASE);
			wt_empty_publish(wt, g, false);
		}
	}
	pthread_mutex_unlock(&wt->io);
	pthread_setcancelstate(cancel, NULL);
	errno = saved;
}

/*
 * The usual start: the lock file and the table exist and are whole.
 * Readers need no flock, so open, map and load them without it (the
 * flock is for writers, and for repairing), the maps current with the
 * generation loaded before the read.  1: done; 0: something is missing,
 * short, unfinished or wrong, and nothing is left open: take the locked
 * way, which makes, repairs or reports it.
 *
 * No descriptor is kept: the lock file's mapping is all a reader uses
 * until the generation moves, and most processes (a compiler's) never
 * write.  Closing each costs one call where moving it out of the
 * program's way (fd_move_high) costs two; a writer opens the lock file
 * again (wt_lock, through wt_open_lock), and so does the index's writer
 * (wt_lfd_get); a catch-up opens the table again (wt_sync).
 */
int wt_open_fast(struct un_wtable *wt)
{
	struct statx stx, tstx;
	struct wt_load ld;
	struct wt_gen *map;
	const char *why = NULL;
	uint64_t epoch, gen;
	int lfd, tfd;

	/* Quietly: the locked way says what is wrong, once. */
	lfd = sys_open(wt->lock_path, O_RDWR | O_NOFOLLOW, 0);
	if (lfd < 0)
		return 0;
	if (sys_fstatx(lfd, &stx) < 0 || !S_ISREG(stx.stx_mode) ||
	    stx.stx_size < WT_LOCK_SIZE)
		goto out_close_lock;
	map = mmap(NULL, WT_LOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   lfd, 0);
	if (map == MAP_FAILED)
		goto out_close_lock;
	if (!un_fmt_lock_version(map->magic))
		goto out_unmap;
	/* Before the read: it holds at least what these announce (the
	   invariants at the head of whiteout.c). */
	epoch = __atomic_load_n(&map->epoch, __ATOMIC_ACQUIRE);
	gen = __atomic_load_n(&map->generation, __ATOMIC_ACQUIRE);
	tfd = sys_open(wt->table_path, O_RDWR | O_APPEND | O_NOFOLLOW, 0);
	if (tfd < 0)
		goto out_unmap;
	if (sys_fstatx(tfd, &tstx) < 0 || !S_ISREG(tstx.stx_mode))
		goto out_close_table;
	/* A big table's read (and its index's making) takes a while: out
	   of the way of the program's dup2 onto low numbers meanwhile. */
	if (tstx.stx_size >= WT_IX_MIN_SIZE)
		tfd = fd_move_high(tfd);
	if (wt_load_ix(wt, tfd, &tstx, epoch, &ld, &why) < 0)
		goto out_close_table;
	if (ld.pos.off == 0 || ld.pos.off != (off_t)tstx.stx_size) {
		mem_free(&ld.mem);
		wt_ix_close(&ld.ix);
		goto out_close_table;
	}

	sys_close(lfd);
	wt->lfd = -1;
	wt->gid = stx_id(&stx);
	wt->gen = map;
	wt->lock_version = un_fmt_lock_version(map->magic);
	wt->own_left = 0;
	wt->pid = un_self_pid();
	/* (Not the rwlock: the handle is no one else's yet, and a
	   process whose table stays empty never binds its functions.) */
	wt_install(wt, &ld, tfd, &tstx, epoch, false);
	__atomic_store_n(&wt->seen_gen, gen, __ATOMIC_RELEASE);
	wt_empty_publish(wt, gen, false);
	wt_ix_build_maybe(wt);
	/* Not the table's either: read, it is needed again only when the
	   generation moves (wt_sync opens it again then, as the file
	   read).  Its close costs one call where moving it out of the
	   program's way cost two. */
	sys_close(wt->tfd);
	wt->tfd = -1;
	return 1;

out_close_table:
	sys_close(tfd);
out_unmap:
	munmap(map, WT_LOCK_SIZE);
out_close_lock:
	sys_close(lfd);
	return 0;
}

/*
 * Make UPPER/.union and its work directory.  Making .union changes the
 * upper root's times, which are the merged root's: put them back, so
 * that the merged root looks as the kernel's would.  The upper's owner
 * owns the metadata, whoever made it (root running a tool in someone's
 * union, say); the lock file and the table follow in wt_fix_owner.
 */
int wt_make_meta(const char *upper, const char *meta,
			const char *work)
{
	struct statx before;
	bool fresh;
	int ret;

	fresh = syscall(SYS_statx, AT_FDCWD, upper, 0,
			STATX_UID | STATX_GID | STATX_ATIME | STATX_MTIME,
			&before) == 0;
	ret = sys_mkdir(meta, 0755);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	fresh = fresh && ret == 0;
	ret = sys_mkdir(work, 0755);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	if (fresh) {
		struct timespec times[2] = {
			{ before.stx_atime.tv_sec, before.stx_atime.tv_nsec },
			{ before.stx_mtime.tv_sec, before.stx_mtime.tv_nsec },
		};

		if (un_self_euid() == 0) {
			syscall(SYS_fchownat, AT_FDCWD, meta, before.stx_uid,
				before.stx_gid, AT_SYMLINK_NOFOLLOW);
			syscall(SYS_fchownat, AT_FDCWD, work, before.stx_uid,
				before.stx_gid, AT_SYMLINK_NOFOLLOW);
		}
		syscall(SYS_utimensat, AT_FDCWD, upper, times, 0);
	}
	return 0;
}
