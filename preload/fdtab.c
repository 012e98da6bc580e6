/*
 * fdtab.c - the merged paths behind descriptors, and the merged cwd.
 *
 * The *at calls, fchdir, fdopendir and readlink("/proc/self/fd/N") need
 * to know which merged path a descriptor was opened on; the kernel only
 * knows the real file in some layer.  Every open made through a union
 * records its merged path here; close, dup and friends keep the table in
 * step.
 *
 * The table has two levels (1024 chunks of 1024 slots) so that readers
 * never see it move: a chunk, once published, stays.  A slot holds a
 * pointer to an entry, swapped atomically; the numbers a dup made share
 * one entry (reference-counted, copied before one number's flags
 * change), and the last slot to let it go frees it (later: see
 * "deferred").  (A thread that closes a descriptor
 * another thread is using as a dirfd races in the kernel too.)
 *
 * The cwd: when the process's cwd is a merged directory, un_cwd holds
 * its merged path and the real cwd is the directory's topmost layer.
 * Relative paths are then looked up from the merged path.  Across exec
 * the merged cwd travels in UNION_CWD ("dev:ino:path" of the real cwd, so
 * a child that changed directory before exec does not adopt a stale one).
 *
 * Signal handlers (signal mode, see internal.h) must not malloc or free:
 * there a new record is left empty (the descriptor is discovered through
 * /proc/self/fd when it is next needed), and an entry swapped out is put
 * on a lock-free list that the next ordinary call frees.  The cwd lives in
 * fixed buffers under a seqlock: readers take no lock, they copy and
 * copy again when the sequence count was odd (a writer at work) or moved;
 * writers, rare, hold cwd_lock and block signals while the count is odd,
 * so no handler of theirs reads a count that cannot move.  cwd_moves,
 * which looks before it writes, holds the lock: a handler that finds its
 * own thread holding it (cwd_held) writes without it.  chdir and fchdir
 * move the real cwd inside the writer's section (un_cwd_chdir), so that
 * a lookup that reads the merged cwd and then asks the kernel relative
 * to the real one (namei.c) knows by the count, read again after its
 * system calls, whether they may have seen another directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "exec_str.h"

#define CHUNK_BITS 10
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define NCHUNKS 1024u

struct fd_entry {
	struct fd_entry *next_free;	/* on the deferred list */
	/* The slots that hold it (atomic): a dup shares its number's
	   entry (refs_get), a close drops a reference, and the last one
	   defers it (release).  A change of one number's fields copies a
	   shared entry first (entry_own): the numbers' marks stay their
	   own, as when each had its copy. */
	unsigned long refs;
	unsigned cap;		/* the bytes allocated (entry_alloc) */
	bool merged_dir;
	bool upper;		/* opened on an object of the upper: a change
				   through it never needs a copy-up */
	bool stream;		/* read by a streamed DIR (readdir.c): never
				   re-pointed under it */
	bool dead;		/* its directory was removed from the merged
				   view: nothing can be found in it */
	unsigned short dead_at;	/* then the length of the prefix of vpath
				   that names the outermost directory
				   removed ('..' leads back to the live
				   parent of that one) */
	bool fifo;		/* a lower fifo's stand-in (fifo.c) */
	bool one_layer;		/* un_fd_mark_one_layer (internal.h) */
	signed char layer;	/* a directory: the layer whose copy the
				   descriptor is open on; -1 unknown */
	signed char was_lower;	/* a directory a copy-up moved from a
				   lower's copy onto the upper's (layer
				   0): that lower; -1 none */
	bool near;		/* not in a union: a directory outside with a
				   MERGED below it, vpath its real path (a
				   relative lookup from it may enter one) */
	/* atomic: un_config_find(vpath), found at the first lookup from
	   the descriptor (NULL: not yet), for the next ones (~90
	   instructions each).  Only a hint: the walk checks it. */
	struct un_mount *m;
	/* The layers of the directory and of its parent, as a lookup from
	   the descriptor found them while the union's stamp was kstamp
	   (kset: any found): valid as long as the stamp is (dcache.c's
	   rule), read and written under the sequence count kseq (odd: being
	   written). */
	unsigned long kseq;
	uint64_t kmask, kpmask, kstamp;
	uint64_t kmoves;	/* (struct un_fd_masks's moves, the count
				   of places; also set by un_fd_set_at,
				   kset or not) */
	bool kset;
	char vpath[];
};

/*
 * The first chunk (descriptors 0-1023, all most processes have) is not
 * allocated: a shell's child that records its redirection's descriptor
 * (put of /dev/null's OUTSIDE) wrote a calloc'd chunk and the heap's
 * header, three page faults, where this costs the one page of .bss
 * written (bench/README.md "Session 12 (exec)").  chunks[0] stays NULL.
 */
struct fd_entry *un_fd_chunk0[CHUNK_SIZE];	/* (internal.h: un_fd_far) */
#define chunk0 un_fd_chunk0
_Static_assert(CHUNK_SIZE == UN_FD_CHUNK0, "internal.h's un_fd_far reads chunk0");
static struct fd_entry **chunks[NCHUNKS];

/* The chunk of index c, or NULL (none yet). */
static inline struct fd_entry **chunk_get(unsigned c)
{
	return c ? __atomic_load_n(&chunks[c], __ATOMIC_ACQUIRE) : chunk0;
}

UN_EXEC_TEXT static struct fd_entry **slot(int fd, bool create)
{
	unsigned c, i;
	struct fd_entry **chunk;

	if (fd < 0 || (unsigned)fd >= CHUNK_SIZE * NCHUNKS)
		return NULL;
	c = (unsigned)fd >> CHUNK_BITS;
	i = (unsigned)fd & (CHUNK_SIZE - 1);
	chunk = chunk_get(c);
	if (!chunk) {
		struct fd_entry **fresh, **expected = NULL;

		if (!create)
			return NULL;
		fresh = calloc(CHUNK_SIZE, sizeof(*fresh));
		if (!fresh)
			return NULL;
		if (!__atomic_compare_exchange_n(&chunks[c], &expected, fresh,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			free(fresh);
			chunk = expected;
		} else {
			chunk = fresh;
		}
	}
	return &chunk[i];
}

/*
 * A descriptor known to lie outside every union (opened on an outside
 * path, or found so once).  An empty slot means "never seen": such a
 * descriptor (inherited across exec, made by a call we do not wrap) is
 * looked at once through /proc/self/fd.
 */
struct fd_entry un_fd_outside;	/* (internal.h: un_fd_far) */
#define OUTSIDE (&un_fd_outside)

/*
 * discover's answer, never put in a slot, for a descriptor that may be
 * a union's but cannot be placed: a file deeper than a page (/proc's
 * link unread, no '..' to climb) on a layer's file system.  un_fd_get
 * answers -ENAMETOOLONG for it, which every change refuses: taken for
 * one outside, a change would reach a lower's file.
 */
static struct fd_entry unknown_entry = { .near = true };
#define UNKNOWN (&unknown_entry)

/*
 * The slot of a number being closed (un_fd_closing to un_fd_closed):
 * its record is gone before the number is free, so that another
 * thread's open of the number, once free, keeps the record it puts;
 * one using the number meanwhile looks it up without recording
 * (fd_get, as in signal mode), which would outlive the number.
 */
static struct fd_entry closing_entry = { .near = true };
#define CLOSING (&closing_entry)

/* An entry that stands for a merged path (not OUTSIDE, not near; UNKNOWN
   and CLOSING are marked near, so that this hot test stays two). */
static bool in_union(const struct fd_entry *e)
{
	return e && e != OUTSIDE && !e->near;
}

/*
 * Readers take entries without a lock, so an entry swapped out of its
 * slot may still be in a reader's hands: another thread's (a close racing
 * a lookup through the same number, or an rmdir moving every entry), or
 * the thread a handler interrupted.  Nothing is freed at once: swapped-out
 * entries wait on a list, and the list is freed only when no reader is
 * inside (every read of entries is counted in `readers`).  A reader that
 * begins after an entry left its slot cannot find it; one that began
 * before is counted, so the list waits for it.
 */
static struct fd_entry *deferred;
static unsigned long readers;

static void read_begin(void)
{
	__atomic_add_fetch(&readers, 1, __ATOMIC_SEQ_CST);
}

static void read_end(void)
{
	__atomic_sub_fetch(&readers, 1, __ATOMIC_SEQ_CST);
}

/* Put the list first..last (linked by next_free) on the deferred list. */
static void defer(struct fd_entry *first, struct fd_entry *last)
{
	last->next_free = __atomic_load_n(&deferred, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&deferred, &last->next_free, first,
					    true, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED))
		;
}

/*
 * One entry freed last, kept for the next one made (atomic; taken and
 * given by exchange, so no two threads ever hold it): find opens a
 * directory, dups it, and closes the numbers before it opens the next,
 * each open's malloc followed by the last close's free (~130
 * instructions).  Sizes are rounded up (ENTRY_ROUND) so that the next
 * path, of about the same length, fits.  Never in signal mode (neither
 * is malloc).
 */
static struct fd_entry *spare;
#define ENTRY_ROUND 64u
#define ENTRY_MIN 256u

/* An entry with room for a path of len bytes (its cap set, nothing
   else), or NULL. */
static struct fd_entry *entry_alloc(size_t len)
{
	size_t need = sizeof(struct fd_entry) + len + 1, cap;
	struct fd_entry *e = __atomic_load_n(&spare, __ATOMIC_RELAXED) ?
		__atomic_exchange_n(&spare, NULL, __ATOMIC_ACQUIRE) : NULL;

	if (e && e->cap >= need)
		return e;
	free(e);
	cap = need < ENTRY_MIN ? ENTRY_MIN :
	      (need + ENTRY_ROUND - 1) & ~(size_t)(ENTRY_ROUND - 1);
	if (cap > UINT_MAX)
		return NULL;
	e = malloc(cap);
	if (e)
		e->cap = (unsigned)cap;
	return e;
}

/* e, which no slot and no reader holds, kept as the spare or freed. */
static void entry_free(struct fd_entry *e)
{
	struct fd_entry *none = NULL;

	if (!__atomic_compare_exchange_n(&spare, &none, e, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		free(e);
}

/* A slot let go of e: the last one defers it. */
UN_EXEC_TEXT static void release(struct fd_entry *e)
{
	if (e && e != OUTSIDE && e != CLOSING &&
	    __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		defer(e, e);
}

/* One more reference to e, read from a slot inside read_begin/read_end;
   false when its last slot let go of it meanwhile (it is deferred: no
   slot may take it again). */
static bool refs_get(struct fd_entry *e)
{
	unsigned long n = __atomic_load_n(&e->refs, __ATOMIC_ACQUIRE);

	while (n)
		if (__atomic_compare_exchange_n(&e->refs, &n, n + 1, true,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* Free the deferred entries if no reader can hold one (never in signal
   mode: free is not async-signal-safe). */
UN_EXEC_TEXT static void free_deferred(void)
{
	struct fd_entry *e, *last;

	if (!__atomic_load_n(&deferred, __ATOMIC_RELAXED) || un_in_signal() ||
	    __atomic_load_n(&readers, __ATOMIC_SEQ_CST))
		return;
	e = __atomic_exchange_n(&deferred, NULL, __ATOMIC_SEQ_CST);
	if (!e)
		return;
	if (__atomic_load_n(&readers, __ATOMIC_SEQ_CST)) {
		/* A reader came in meanwhile: it may hold one of them. */
		for (last = e; last->next_free; last = last->next_free)
			;
		defer(e, last);
		return;
	}
	while (e) {
		struct fd_entry *next = e->next_free;

		entry_free(e);
		e = next;
	}
}

/*
 * The process a vfork child's table belongs to: a vfork child shares
 * the table until its exec, and its closes must not empty the parent's
 * (0: unknown, no test).  On x86-64 the vfork wrapper notes the
 * caller's id before libc's vfork runs (un_fd_vfork_note); elsewhere it
 * is taken when the first entry is put, and again in a fork child.
 * Taken at the put, it cost a getpid in every shell's child that
 * records its redirection (bench/README.md "Session 12 (exec)").
 */
static pid_t table_pid;

void un_fd_vfork_note(void)
{
	__atomic_store_n(&table_pid, un_self_pid(), __ATOMIC_RELAXED);
}

bool un_fd_vfork_child(void)
{
	pid_t owner = __atomic_load_n(&table_pid, __ATOMIC_RELAXED);

	/* (No getpid unless this thread called vfork: wrap_vfork.c.) */
	if (!owner || !un_vforked())
		return false;
	if (getpid() == owner) {
		un_vforked_clear();	/* the parent, resumed */
		return false;
	}
	return true;
}

/*
 * One past the highest number that ever held an entry in a union: the
 * walks over every descriptor (an rmdir's, a copy-up's: un_fd_removed,
 * un_fd_foreach_path) stop there instead of reading a whole chunk of
 * 1,024 slots.  rm -rf holds a handful of low numbers and made such a
 * walk at every rmdir and every directory copy-up (a fifth of its
 * instructions).  It only grows: a number's entry may be put after a
 * walker read the mark, but then the walker could as well have read its
 * slot before the put, which the walks already allow.
 */
static unsigned fd_top;

UN_EXEC_TEXT static void top_raise(int fd)
{
	unsigned want = (unsigned)fd + 1,
		 cur = __atomic_load_n(&fd_top, __ATOMIC_RELAXED);

	while (cur < want &&
	       !__atomic_compare_exchange_n(&fd_top, &cur, want, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/* The walks' bound: no number at or past it holds an entry in a union. */
static unsigned top_get(void)
{
	return __atomic_load_n(&fd_top, __ATOMIC_ACQUIRE);
}

UN_EXEC_TEXT static void put(int fd, struct fd_entry *e)
{
#if !defined(__x86_64__)
	if (e && __builtin_expect(!__atomic_load_n(&table_pid,
						   __ATOMIC_RELAXED), 0))
		__atomic_store_n(&table_pid, getpid(), __ATOMIC_RELAXED);
#endif
	/* (Before the slot is published: see fd_top.) */
	if (in_union(e) && fd >= 0)
		top_raise(fd);
	/* No chunk is allocated in signal mode (nor is e ever one there
	   but OUTSIDE, which may then go unrecorded). */
	struct fd_entry **s = slot(fd, e != NULL && !un_in_signal());

	if (!s) {
		release(e);
		return;
	}
	release(__atomic_exchange_n(s, e, __ATOMIC_ACQ_REL));
	free_deferred();
}

/* un_fd_far past the first chunk. */
bool un_fd_far_high(int fd)
{
	struct fd_entry **chunk;

	/* (slot() by hand: this runs before every call of a walker
	   outside.)  No reader count: OUTSIDE is never freed. */
	if ((unsigned)fd >= CHUNK_SIZE * NCHUNKS)
		return false;
	chunk = chunk_get((unsigned)fd >> CHUNK_BITS);
	return chunk && __atomic_load_n(&chunk[fd & (CHUNK_SIZE - 1)],
					__ATOMIC_ACQUIRE) == OUTSIDE;
}

void un_fd_set_far(int fd)
{
	put(fd, OUTSIDE);
}

int un_fd_real(int fd, char *real, size_t size)
{
	char proc[64];
	ssize_t len;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	len = real_readlink(proc, real, size - 1);
	if (len < 0 && errno == ENOENT)
		return -EBADF;
	if (len < 0 && errno == ENAMETOOLONG)
		return -ENAMETOOLONG;	/* deeper than a page */
	if (len <= 0 || real[0] != '/')
		return -ENOENT;
	real[len] = '\0';
	return 0;
}

/*
 * A descriptor we have not seen open: if /proc/self/fd shows it on an
 * object of some layer, it stands for that object's merged path (a
 * directory descriptor a parent passed across exec, say).  Into merged
 * (PATH_MAX bytes): 0, -ENOENT when it lies outside every union, 1 when
 * it is a directory outside with a MERGED below it (merged: its real
 * path), 2 when it is a directory of a layer that the union no longer
 * shows (merged: the path it had; a file there is 0), -EBADF when it is
 * not open.
 */
static int discover_path(int fd, char *merged, bool *merged_dir)
{
	char real[PATH_MAX];
	struct un_node n;
	int rc = un_fd_real(fd, real, sizeof(real));

	if (rc < 0)
		return rc;
	if (un_path_unreal(real, merged, PATH_MAX) < 0) {
		if (!un_config_is_ancestor(real))
			return -ENOENT;
		strcpy(merged, real);
		return 1;
	}
	if (un_lookup(AT_FDCWD, merged, 0, &n) != 0 || n.layer < 0) {
		struct stat st;

		/* A layer's object that the union no longer shows (removed by
		   another process before this one knew the descriptor:
		   inherited across exec, or a thread's close dropping another
		   thread's new record) is never outside, else a change
		   through it would reach the layer's own, a lower's: a
		   directory removed (a create through it ENOENT), a file
		   the merged path's, as a known descriptor's record.  A
		   file of no name (O_TMPFILE's, or unlinked) is in no
		   layer's tree: left outside, so that linkat can name it. */
		if (real_fstat(fd, &st) < 0)
			return -ENOENT;
		if (S_ISDIR(st.st_mode))
			return 2;
		return st.st_nlink ? 0 : -ENOENT;
	}
	*merged_dir = un_node_is_merged_dir(&n);
	return 0;
}

static struct fd_entry *raw_entry(int fd)
{
	struct fd_entry **s = slot(fd, false);

	return s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : NULL;
}

static void set_near(int fd, const char *real)
{
	size_t len = strlen(real);
	struct fd_entry *e = NULL;

	/* No malloc in signal mode: left unknown, discovered when used. */
	if (!un_in_signal())
		e = entry_alloc(len);
	if (e) {
		unsigned cap = e->cap;

		memset(e, 0, sizeof(*e));
		e->cap = cap;
		e->refs = 1;
		e->near = true;
		memcpy(e->vpath, real, len + 1);
	}
	put(fd, e);
}

/* Is dev the file system of some union's layer? */
static bool on_layer_dev(dev_t dev)
{
	for (int i = 0; i < un_config.nmount; i++) {
		const struct un_mount *m = &un_config.mount[i];

		for (int l = 0; l <= m->nlower; l++)
			if (m->layer_dev[l] == dev || !m->layer_dev[l])
				return true;	/* (0: unknown) */
	}
	return false;
}

/*
 * discover's descriptor deeper than a page (/proc's link unread): a
 * directory's real path by its '..'s (fd_deep.c), recorded as the
 * merged path it stands for, then looked up from itself (as readdir.c
 * fdopendir_deep).  A file has no '..' to climb: UNKNOWN on a layer's
 * file system.  Its own frame (the buffers); cold: a rare depth.
 */
static __attribute__((noinline, cold)) struct fd_entry *discover_deep(int fd)
{
	char real[UN_VPATH_MAX], merged[UN_VPATH_MAX];
	struct fd_entry *e;
	struct un_node n;
	struct stat st;

	if (real_fstat(fd, &st) < 0)
		goto outside;
	/* (One of no name, O_TMPFILE's or unlinked, is no lower's.) */
	if (!S_ISDIR(st.st_mode)) {
		if (st.st_nlink && on_layer_dev(st.st_dev))
			return UNKNOWN;
		goto outside;
	}
	if (un_fd_real_deep(fd, real, sizeof(real)) < 0 ||
	    un_path_unreal(real, merged, sizeof(merged)) < 0)
		goto outside;
	/* (Recorded first: the lookup from fd reads the record; none, out
	   of memory, and it would come back here.) */
	un_fd_set(fd, merged, false);
	if (!raw_entry(fd))
		goto outside;
	/* A layer's directory the union no longer shows is never outside
	   (discover_path's case): dead, a create through it ENOENT. */
	if (un_lookup(fd, "", UN_LK_EMPTY, &n) != 0 || n.layer < 0)
		un_fd_set_dead(fd, merged, strlen(merged), false);
	else
		un_fd_set(fd, merged, un_node_is_merged_dir(&n));
	e = raw_entry(fd);
	return e ? e : OUTSIDE;
outside:
	put(fd, OUTSIDE);
	return OUTSIDE;
}

/* The same, recorded (not in signal mode: the caller copes with NULL). */
static struct fd_entry *discover(int fd)
{
	char merged[PATH_MAX];
	bool merged_dir = false;
	int rc = discover_path(fd, merged, &merged_dir);
	struct fd_entry *e;

	if (rc == -EBADF)
		return NULL;	/* not open: the caller answers EBADF */
	if (rc == -ENAMETOOLONG)
		return discover_deep(fd);
	if (rc < 0) {
		put(fd, OUTSIDE);
		return OUTSIDE;
	}
	if (rc == 1)
		set_near(fd, merged);
	else if (rc == 2)
		un_fd_set_dead(fd, merged, strlen(merged), false);
	else
		un_fd_set(fd, merged, merged_dir);
	e = raw_entry(fd);
	return e ? e : OUTSIDE;
}

/* un_fd_opened_outside's case of a path that may lie near a union: its
   own frame, with the path's buffer. */
static __attribute__((noinline)) void opened_near(int fd, int dirfd,
						  const char *path)
{
	char buf[PATH_MAX];
	const char *abs = path;

	/* Every open outside comes here: an absolute path is tested where
	   it lies, a relative one joined only to a near base. */
	if (path[0] != '/') {
		int rc = dirfd != AT_FDCWD ? un_fd_near(dirfd, buf, sizeof(buf)) :
			 un_cwd_near_union() ? un_cwd_real(buf, sizeof(buf)) :
					       -ENOENT;
		size_t base;

		if (rc < 0)
			goto far;
		base = strlen(buf);
		if (base + 1 + strlen(path) >= sizeof(buf))
			goto far;
		buf[base] = '/';
		strcpy(buf + base + 1, path);
		abs = buf;
	}
	if (!un_config_is_ancestor(abs) || strlen(abs) >= sizeof(buf))
		goto far;
	if (abs != buf)
		strcpy(buf, abs);
	if (un_path_normalise(buf) == 0) {
		set_near(fd, buf);
		return;
	}
far:
	put(fd, OUTSIDE);
}

UN_EXEC_TEXT void un_fd_opened_outside(int fd, int dirfd, const char *path)
{
	/* The commonest, an absolute path far from every union (a shell's
	   child opening /dev/null before its exec), records its entry
	   without the buffer's 4 KiB below the caller's frame: a stack
	   page first written in a fork's child is a page fault.  (And with
	   put's code in UN_EXEC_TEXT: a window of code less there.) */
	if (path[0] == '/' && !un_config_is_ancestor(path)) {
		put(fd, OUTSIDE);
		return;
	}
	opened_near(fd, dirfd, path);
}

/* A fresh entry for vpath (NULL when out of memory). */
static struct fd_entry *entry_new(const char *vpath, bool merged_dir)
{
	size_t len = strlen(vpath);
	struct fd_entry *e = entry_alloc(len);

	if (!e)
		return NULL;
	e->refs = 1;
	e->merged_dir = merged_dir;
	e->upper = false;
	e->stream = false;
	e->dead = false;
	e->dead_at = 0;
	e->fifo = false;
	e->one_layer = false;
	e->near = false;
	e->layer = -1;
	e->was_lower = -1;
	e->m = NULL;
	e->kseq = 0;
	e->kset = false;
	memcpy(e->vpath, vpath, len + 1);
	return e;
}

void un_fd_set(int fd, const char *vpath, bool merged_dir)
{
	struct fd_entry *e = NULL;

	/* In signal mode the slot is emptied: discovered when next used. */
	if (vpath && !un_in_signal()) {
		e = entry_new(vpath, merged_dir);
		if (!e)
			return;
	}
	put(fd, e);
}

void un_fd_set_at(int fd, const char *vpath, bool merged_dir,
		  struct un_mount *m, int layer)
{
	struct fd_entry *e = NULL;

	if (!un_in_signal()) {
		e = entry_new(vpath, merged_dir);
		if (!e)
			return;
		e->m = m;
		e->layer = (signed char)layer;
		/* (namei.c settle_fd: a directory moved or removed since
		   is looked for; read after the open, so a change during
		   it is not) */
		e->kmoves = m ? un_wtable_places(m->wt) : 0;
	}
	put(fd, e);
}

void un_fd_set_dead(int fd, const char *vpath, size_t dead_at,
		    bool merged_dir)
{
	struct fd_entry *e = NULL;

	if (!dead_at || dead_at > strlen(vpath) || dead_at > USHRT_MAX)
		return;
	if (!un_in_signal()) {
		e = entry_new(vpath, merged_dir);
		if (!e)
			return;
		e->dead = true;
		e->dead_at = (unsigned short)dead_at;
	}
	put(fd, e);
}

/* The entry of fd when it has one in a union (none for OUTSIDE). */
static struct fd_entry *entry_of(int fd)
{
	struct fd_entry *e = raw_entry(fd);

	return in_union(e) ? e : NULL;
}

/* A copy of e for one slot alone (NULL when out of memory; never in
   signal mode).  Its kept layers start unset: e's may be being written
   (kseq odd), which a copy would keep odd for ever. */
static struct fd_entry *entry_copy(const struct fd_entry *e)
{
	size_t len = strlen(e->vpath);
	struct fd_entry *copy = entry_alloc(len);
	unsigned cap;

	if (!copy)
		return NULL;
	cap = copy->cap;
	memcpy(copy, e, sizeof(*e) + len + 1);
	copy->cap = cap;
	copy->refs = 1;
	copy->kseq = 0;
	copy->kset = false;
	return copy;
}

/*
 * e, fd's entry in a union (entry_of's, inside read_begin/read_end), as
 * fd's own for a change of its fields: an entry another number shares
 * since a dup is first copied into fd's slot (entry_unshare).  NULL:
 * the slot changed meanwhile (another thread's close or dup2 of fd: a
 * race in the kernel too), or no memory; in signal mode a shared entry
 * leaves fd's slot empty instead (no malloc there: discovered when next
 * used, as every record made in a handler is).
 */
static __attribute__((noinline)) struct fd_entry *
entry_unshare(int fd, struct fd_entry *e)
{
	struct fd_entry **s = slot(fd, false), *copy = NULL;
	int tries = 8;

	if (!s)
		return NULL;
	do {
		if (!un_in_signal()) {
			copy = entry_copy(e);
			if (!copy)
				return NULL;
		}
		if (__atomic_compare_exchange_n(s, &e, copy, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			release(e);
			return copy;
		}
		if (copy)
			entry_free(copy);	/* (never published) */
		/* e is the slot's now: another thread's copy for its own
		   mark of fd (taken as ours: the marks add up), or a close
		   or dup2 of fd (a race in the kernel too: NULL). */
		if (!in_union(e))
			return NULL;
		if (__atomic_load_n(&e->refs, __ATOMIC_ACQUIRE) == 1)
			return e;
	} while (--tries);
	return NULL;
}

static inline struct fd_entry *entry_own(int fd, struct fd_entry *e)
{
	if (__atomic_load_n(&e->refs, __ATOMIC_ACQUIRE) == 1)
		return e;
	return entry_unshare(fd, e);
}

/* The flags below are set once on an entry and never cleared (but
   one_layer, by un_fd_at_zero). */
#define FD_FLAG(mark, test, field)					\
	void mark(int fd)						\
	{								\
		struct fd_entry *e;					\
									\
		read_begin();						\
		e = entry_of(fd);					\
		/* (Copied only when shared and not set yet.) */	\
		if (e && !__atomic_load_n(&e->field, __ATOMIC_ACQUIRE) && \
		    (e = entry_own(fd, e)))				\
			__atomic_store_n(&e->field, true, __ATOMIC_RELEASE); \
		read_end();						\
	}								\
	bool test(int fd)						\
	{								\
		struct fd_entry *e;					\
		bool set;						\
									\
		read_begin();						\
		e = entry_of(fd);					\
		set = e && __atomic_load_n(&e->field, __ATOMIC_ACQUIRE); \
		read_end();						\
		return set;						\
	}

FD_FLAG(un_fd_mark_upper, un_fd_in_upper, upper)
FD_FLAG(un_fd_mark_stream, un_fd_is_stream, stream)
FD_FLAG(un_fd_mark_fifo, un_fd_is_fifo, fifo)

/* Whether any descriptor was ever marked one_layer: un_fd_at_zero, on
   every listing's first read, costs nothing before. */
static bool any_one_layer;

void un_fd_mark_one_layer(int fd)
{
	struct fd_entry *e;

	__atomic_store_n(&any_one_layer, true, __ATOMIC_RELEASE);
	read_begin();
	e = entry_of(fd);
	if (e && !__atomic_load_n(&e->one_layer, __ATOMIC_ACQUIRE) &&
	    (e = entry_own(fd, e)))
		__atomic_store_n(&e->one_layer, true, __ATOMIC_RELEASE);
	read_end();
}

bool un_fd_is_one_layer(int fd)
{
	struct fd_entry *e;
	bool set;

	if (!__atomic_load_n(&any_one_layer, __ATOMIC_ACQUIRE))
		return false;
	read_begin();
	e = entry_of(fd);
	set = e && __atomic_load_n(&e->one_layer, __ATOMIC_ACQUIRE);
	read_end();
	return set;
}

void un_fd_at_zero(int fd)
{
	struct fd_entry *e;

	if (!__atomic_load_n(&any_one_layer, __ATOMIC_ACQUIRE))
		return;
	read_begin();
	e = entry_of(fd);
	if (e && __atomic_load_n(&e->one_layer, __ATOMIC_ACQUIRE) &&
	    (e = entry_own(fd, e)))
		__atomic_store_n(&e->one_layer, false, __ATOMIC_RELEASE);
	read_end();
}

void un_fd_mark_layer(int fd, int layer)
{
	struct fd_entry *e;

	read_begin();
	e = entry_of(fd);
	/* (Copied only when shared and changed.) */
	if (e && __atomic_load_n(&e->layer, __ATOMIC_ACQUIRE) != layer)
		e = entry_own(fd, e);
	else
		e = NULL;	/* (nothing changes) */
	if (e)
		__atomic_store_n(&e->layer, (signed char)layer,
				 __ATOMIC_RELEASE);
	read_end();
}

/*
 * Moves.  A copy-up re-points a process's descriptors of the directory it
 * copied (copy_up.c repoint_fd): dup3 of the upper's copy onto the
 * number, then the record's layer 0.  A thread that read the record's
 * layer (a lower's) before and uses the descriptor as that layer's copy
 * after the dup3 reads the upper's copy as the lower's: a listing shows
 * the upper's names alone ([] or the one name being made), a name the
 * lower holds is not found (stress/run-ci, race.py seed 1;
 * integration/held-dir-copyup-race).  So the record says "unknown" (-1:
 * every copy by its path) from before the dup3 until the move's end,
 * fd_moves counts the moves begun and fd_moves_done those ended: a
 * reader that used a descriptor as a layer's copy looks again when a
 * move began meanwhile (namei.c lookup_threads, wrap_open.c), or was
 * under way at its start (readdir.c fdopendir: a stream reads fd
 * whatever its record says).  The layer's store comes before the
 * count's, so a reader that read the count first and then the old layer
 * sees the count move at its check.  A stream's mark (un_fd_mark_stream:
 * never moved under it) and a move pass each other as in Dekker's: the
 * move counts, then looks at the mark; fdopendir marks, then (after a
 * full fence) looks at the count: one of the two sees the other.
 */
static unsigned long fd_moves, fd_moves_done;

unsigned long un_fd_moves(void)
{
	return __atomic_load_n(&fd_moves, __ATOMIC_SEQ_CST);
}

bool un_fd_moves_quiet(unsigned long since)
{
	return __atomic_load_n(&fd_moves, __ATOMIC_SEQ_CST) == since &&
	       __atomic_load_n(&fd_moves_done, __ATOMIC_SEQ_CST) == since;
}

/* This thread is between un_fd_moving and un_fd_moved (a handler's
   call then must not wait for its own move). */
static __thread bool fd_moving_here;

/*
 * The longest a thread waits for another's move or repoint to end, in
 * seconds: as the cwd's drain (fdtab.c Pins), since the other thread
 * may be stopped in a handler that waits for this one.
 */
#define FD_WAIT_MAX_S 2

/* One step of a bounded wait begun at *t0 (0: not yet read): yields,
   and says false once FD_WAIT_MAX_S have passed.  (sched_yield, no
   sleep: no cancellation point inside the library.) */
static bool fd_wait_on(struct timespec *t0)
{
	struct timespec t;

	if (!t0->tv_sec && !t0->tv_nsec)
		clock_gettime(CLOCK_MONOTONIC, t0);
	sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec - t0->tv_sec < FD_WAIT_MAX_S;
}

void un_fd_moves_wait(void)
{
	struct timespec t0 = { 0, 0 };

	if (fd_moving_here)
		return;
	while (__atomic_load_n(&fd_moves_done, __ATOMIC_SEQ_CST) !=
	       __atomic_load_n(&fd_moves, __ATOMIC_SEQ_CST))
		if (!fd_wait_on(&t0))
			return;
}

/*
 * Repoints.  repoint_fd looks at a number (fstat: the lower's file?)
 * and then dup3s the copy onto it: two calls, between which another
 * thread may close the number and an open take it again; the dup3 then
 * replaces that open's descriptor (another thread's file, perhaps one
 * it writes, pointed at the copy: proved with the dup3 held 3 ms,
 * integration/held-dir-copyup-race).  So a repoint holds the number
 * from before its look to after its dup3, and a close waits for it: the
 * repoint writes the number in `repoint_held`, then reads its slot,
 * which must still hold a record; a close (un_fd_closing, close_range's
 * and dup2's onto a recorded number) changes the slot first, then looks
 * for the number there and waits while it is held.  Dekker's, every
 * access sequentially consistent: one of the two sees the other.  (A
 * number whose slot is empty is closed without a look: a repoint needs
 * a record.  Left open: a lookup through the number that discovers its
 * record from /proc during such a close gives a repoint one to hold.)
 * Slots hold the number + 1 (0: free); when all are taken the repoint
 * is skipped, the descriptor left on the lower's file.
 */
#define REPOINT_HOLDS 16
static int repoint_held[REPOINT_HOLDS];	/* (.un_big: segment.ld) */
static unsigned repoint_holds;		/* slots taken, a close's quick test */
static __thread int repoint_held_here;	/* this thread's slot + 1 (0: none) */

int un_fd_repoint_hold(int fd)
{
	struct fd_entry **s = slot(fd, false);
	int h;

	if (!s || repoint_held_here)
		return -1;
	__atomic_add_fetch(&repoint_holds, 1, __ATOMIC_SEQ_CST);
	for (h = 0; h < REPOINT_HOLDS; h++) {
		int none = 0;

		if (__atomic_compare_exchange_n(&repoint_held[h], &none, fd + 1,
						false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			break;
	}
	if (h == REPOINT_HOLDS) {
		__atomic_sub_fetch(&repoint_holds, 1, __ATOMIC_SEQ_CST);
		return -1;
	}
	repoint_held_here = h + 1;
	if (!in_union(__atomic_load_n(s, __ATOMIC_SEQ_CST))) {
		un_fd_repoint_release(h);	/* (closing, or closed) */
		return -1;
	}
	return h;
}

void un_fd_repoint_release(int h)
{
	__atomic_store_n(&repoint_held[h], 0, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&repoint_holds, 1, __ATOMIC_SEQ_CST);
	repoint_held_here = 0;
}

/* After their slots changed: until no other thread holds a number of
   [first, last] for a repoint (bounded). */
UN_EXEC_TEXT static void repoint_wait(unsigned first, unsigned last)
{
	struct timespec t0 = { 0, 0 };
	bool held;

	if (!__atomic_load_n(&repoint_holds, __ATOMIC_SEQ_CST))
		return;
	do {
		held = false;
		for (int h = 0; h < REPOINT_HOLDS && !held; h++) {
			unsigned fd1 = (unsigned)__atomic_load_n(
				&repoint_held[h], __ATOMIC_SEQ_CST);

			/* (Not this thread's own: a handler's close.) */
			held = fd1 && fd1 - 1 >= first && fd1 - 1 <= last &&
			       h + 1 != repoint_held_here;
		}
	} while (held && fd_wait_on(&t0));
}

int un_fd_moving(int fd)
{
	struct fd_entry *e;
	int was = -1;

	read_begin();
	e = entry_of(fd);
	if (e && (e = entry_own(fd, e)))
		was = __atomic_exchange_n(&e->layer, (signed char)-1,
					  __ATOMIC_SEQ_CST);
	read_end();
	fd_moving_here = true;
	__atomic_add_fetch(&fd_moves, 1, __ATOMIC_SEQ_CST);
	return was;
}

void un_fd_moved(int fd, int was, bool moved)
{
	struct fd_entry *e;

	read_begin();
	e = entry_of(fd);
	if (e && (e = entry_own(fd, e))) {
		/* (First: upper_dir_was_lower reads it once the layer is
		   0.) */
		if (moved && was > 0)
			__atomic_store_n(&e->was_lower, (signed char)was,
					 __ATOMIC_RELEASE);
		__atomic_store_n(&e->layer, (signed char)(moved ? 0 : was),
				 __ATOMIC_RELEASE);
	}
	read_end();
	__atomic_add_fetch(&fd_moves_done, 1, __ATOMIC_SEQ_CST);
	fd_moving_here = false;
}

void un_fd_unmark_stream(int fd)
{
	struct fd_entry *e;

	read_begin();
	e = entry_of(fd);
	if (e && __atomic_load_n(&e->stream, __ATOMIC_ACQUIRE) &&
	    (e = entry_own(fd, e)))
		__atomic_store_n(&e->stream, false, __ATOMIC_RELEASE);
	read_end();
}

void un_fd_was_lower_from(int fd, int from)
{
	int was = un_fd_was_lower(from);
	struct fd_entry *e;

	if (was <= 0)
		return;
	read_begin();
	e = entry_of(fd);
	if (e)
		e = entry_own(fd, e);
	if (e) {
		__atomic_store_n(&e->layer, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&e->was_lower, (signed char)was,
				 __ATOMIC_RELEASE);
	}
	read_end();
}

int un_fd_was_lower(int fd)
{
	struct fd_entry *e;
	int was;

	read_begin();
	e = entry_of(fd);
	was = e ? __atomic_load_n(&e->was_lower, __ATOMIC_ACQUIRE) : -1;
	read_end();
	return was;
}

UN_EXEC_TEXT void un_fd_forget(int fd)
{
	struct fd_entry **s = slot(fd, false);

	/* (The vfork test, a getpid, only where an entry would go: most
	   closes are of numbers the table does not hold.) */
	if (s && __atomic_load_n(s, __ATOMIC_RELAXED) &&
	    !un_fd_vfork_child()) {
		release(__atomic_exchange_n(s, NULL, __ATOMIC_ACQ_REL));
		free_deferred();
	}
}

static int fd_get(int fd, char *buf, size_t len, bool *merged_dir,
		  size_t *dead_at, struct fd_entry **ep, size_t *np);

UN_EXEC_TEXT void *un_fd_closing(int fd)
{
	struct fd_entry **chunk, **s;

	/* (As un_fd_forget: a slot never written stays unwritten, a page
	   of .bss a shell's child does not touch.  slot() by hand, as
	   un_fd_far: every close comes here.) */
	if ((unsigned)fd >= CHUNK_SIZE * NCHUNKS ||
	    !(chunk = chunk_get((unsigned)fd >> CHUNK_BITS)))
		return NULL;
	s = &chunk[fd & (CHUNK_SIZE - 1)];
	if (!__atomic_load_n(s, __ATOMIC_RELAXED) || un_fd_vfork_child())
		return NULL;
	release(__atomic_exchange_n(s, CLOSING, __ATOMIC_SEQ_CST));
	repoint_wait((unsigned)fd, (unsigned)fd);
	free_deferred();
	return s;
}

UN_EXEC_TEXT void *un_fd_replacing(int fd, void **kept)
{
	struct fd_entry **s = slot(fd, false);

	*kept = NULL;
	if (!s || !in_union(__atomic_load_n(s, __ATOMIC_RELAXED)) ||
	    un_fd_vfork_child())
		return NULL;
	*kept = __atomic_exchange_n(s, CLOSING, __ATOMIC_SEQ_CST);
	repoint_wait((unsigned)fd, (unsigned)fd);
	return s;
}

UN_EXEC_TEXT void un_fd_closed(void *mark)
{
	struct fd_entry **s = mark, *e = CLOSING;

	/* (Another thread's open of the number, free since the close, put
	   its own record: kept.  Read first: a locked exchange writes the
	   slot's page even when it fails.) */
	if (s && __atomic_load_n(s, __ATOMIC_RELAXED) == CLOSING)
		__atomic_compare_exchange_n(s, &e, NULL, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

UN_EXEC_TEXT void un_fd_replaced(void *mark, void *kept, bool replaced)
{
	struct fd_entry **s = mark, *e = CLOSING;

	if (!s)
		return;
	/* (Put back only where no other thread's call changed the slot
	   since: a race in the kernel too.) */
	if (!replaced &&
	    __atomic_compare_exchange_n(s, &e, kept, false, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED))
		return;
	UN_SAVE_ERRNO;
	un_fd_closed(mark);
	release(kept);
	free_deferred();
	UN_RESTORE_ERRNO;
}

UN_EXEC_TEXT void un_fd_close_own(int fd)
{
	void *mark;

	UN_SAVE_ERRNO;
	mark = un_fd_closing(fd);
	real_close(fd);
	un_fd_closed(mark);
	UN_RESTORE_ERRNO;
}

int un_fd_get(int fd, char *buf, size_t len, bool *merged_dir)
{
	int rc;

	read_begin();
	rc = fd_get(fd, buf, len, merged_dir, NULL, NULL, NULL);
	read_end();
	return rc;
}

int un_fd_get_at(int fd, char *buf, size_t len, int *layer, size_t *dead_at)
{
	return un_fd_get_walk(fd, buf, len, layer, dead_at, NULL, NULL);
}

/* e's kept layers into k (not set when none, or being written). */
static void masks_read(struct fd_entry *e, struct un_fd_masks *k)
{
	unsigned long seq = __atomic_load_n(&e->kseq, __ATOMIC_ACQUIRE);

	k->set = false;
	k->moves = 0;
	if (seq & 1)
		return;
	k->set = __atomic_load_n(&e->kset, __ATOMIC_RELAXED);
	k->mask = __atomic_load_n(&e->kmask, __ATOMIC_RELAXED);
	k->pmask = __atomic_load_n(&e->kpmask, __ATOMIC_RELAXED);
	k->stamp = __atomic_load_n(&e->kstamp, __ATOMIC_RELAXED);
	k->moves = __atomic_load_n(&e->kmoves, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&e->kseq, __ATOMIC_RELAXED) != seq)
		k->set = false;
}

int un_fd_get_walk(int fd, char *buf, size_t len, int *layer,
		   size_t *dead_at, struct un_mount **m, struct un_fd_masks *k)
{
	struct fd_entry *e;
	size_t n = 0;
	int rc;

	read_begin();
	/* (The entry whose path it copied: the slot may hold another by
	   now, a move's or another thread's close and open.) */
	rc = fd_get(fd, buf, len, NULL, dead_at, &e, &n);
	if (rc != 0)
		e = NULL;
	*layer = e ? __atomic_load_n(&e->layer, __ATOMIC_ACQUIRE) : -1;
	if (m) {
		*m = e ? __atomic_load_n(&e->m, __ATOMIC_ACQUIRE) : NULL;
		if (e && !*m) {
			*m = un_config_find(buf);
			__atomic_store_n(&e->m, *m, __ATOMIC_RELEASE);
		}
	}
	if (k) {
		k->set = false;
		k->moves = 0;
		k->vlen = n;
		if (e)
			masks_read(e, k);
	}
	read_end();
	return rc;
}

int un_fd_get_kept(int fd, char *buf, size_t len, int *layer,
		   struct un_mount **m, struct un_fd_masks *k)
{
	struct fd_entry **chunk, *e;
	size_t n;
	int rc = -1;

	/* (slot() by hand, as un_fd_far: find's fstatat of every name.) */
	if ((unsigned)fd >= CHUNK_SIZE * NCHUNKS || !un_active)
		return -1;
	read_begin();
	chunk = chunk_get((unsigned)fd >> CHUNK_BITS);
	e = chunk ? __atomic_load_n(&chunk[fd & (CHUNK_SIZE - 1)],
				    __ATOMIC_ACQUIRE) : NULL;
	if (in_union(e) && !__atomic_load_n(&e->dead, __ATOMIC_ACQUIRE) &&
	    (n = strlen(e->vpath)) < len) {
		memcpy(buf, e->vpath, n + 1);
		/* (The hint as un_fd_get_walk sets it: fts dups each
		   directory it opened before any lookup from it.) */
		*m = __atomic_load_n(&e->m, __ATOMIC_ACQUIRE);
		if (!*m) {
			*m = un_config_find(buf);
			__atomic_store_n(&e->m, *m, __ATOMIC_RELEASE);
		}
		*layer = __atomic_load_n(&e->layer, __ATOMIC_ACQUIRE);
		k->vlen = n;
		masks_read(e, k);
		rc = *m ? 0 : -1;
	}
	read_end();
	return rc;
}

void un_fd_masks_put(int fd, const struct un_fd_masks *k)
{
	struct fd_entry *e;
	unsigned long seq;

	read_begin();
	e = entry_of(fd);
	/* (A writer already at it: this one gives way.) */
	if (e && !((seq = __atomic_load_n(&e->kseq, __ATOMIC_RELAXED)) & 1) &&
	    __atomic_compare_exchange_n(&e->kseq, &seq, seq + 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		__atomic_store_n(&e->kmask, k->mask, __ATOMIC_RELAXED);
		__atomic_store_n(&e->kpmask, k->pmask, __ATOMIC_RELAXED);
		__atomic_store_n(&e->kstamp, k->stamp, __ATOMIC_RELAXED);
		__atomic_store_n(&e->kmoves, k->moves, __ATOMIC_RELAXED);
		__atomic_store_n(&e->kset, true, __ATOMIC_RELAXED);
		__atomic_store_n(&e->kseq, seq + 2, __ATOMIC_RELEASE);
	}
	read_end();
}

static int fd_get(int fd, char *buf, size_t len, bool *merged_dir,
		  size_t *dead_at, struct fd_entry **ep, size_t *np)
{
	struct fd_entry **s = slot(fd, false);
	struct fd_entry *e = s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : NULL;
	size_t n;

	if (ep)
		*ep = NULL;	/* (none: no record, or discovered unkept) */
	if (fd < 0 || !un_active)
		return -ENOENT;
	if ((!e && un_in_signal()) || e == CLOSING) {
		char merged[PATH_MAX];
		bool md = false;
		int rc = discover_path(fd, merged, &md);

		/* Deeper than a page: unknown here, never outside (a
		   change through it would reach a layer's object, a
		   lower's: the callers refuse it). */
		if (rc == -ENAMETOOLONG)
			return rc;
		if (rc < 0)
			return rc;
		if (rc == 1)
			return -ENOENT;		/* outside */
		n = strlen(merged);
		if (n >= len)
			return -ENAMETOOLONG;
		memcpy(buf, merged, n + 1);
		if (merged_dir)
			*merged_dir = md;
		if (np)
			*np = n;
		if (rc == 2 && dead_at)
			*dead_at = n;
		return rc == 2 ? -ESTALE : 0;
	}
	if (!e) {
		e = discover(fd);
		if (!e)
			return -EBADF;
		if (e == UNKNOWN)
			return -ENAMETOOLONG;
	}
	if (!in_union(e))
		return -ENOENT;
	n = strlen(e->vpath);
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, e->vpath, n + 1);
	if (merged_dir)
		*merged_dir = e->merged_dir;
	if (ep)
		*ep = e;
	if (np)
		*np = n;
	/* (An entry's fields never change once dead: a dead one is
	   replaced, not changed.) */
	if (!__atomic_load_n(&e->dead, __ATOMIC_ACQUIRE))
		return 0;
	if (dead_at)
		*dead_at = e->dead_at;
	return -ESTALE;
}

int un_fd_near(int fd, char *buf, size_t len)
{
	struct fd_entry *e;
	int rc = -ENOENT;

	read_begin();
	e = raw_entry(fd);
	if (!e && !un_in_signal())
		e = discover(fd);
	if (e && e != OUTSIDE && e != UNKNOWN && e != CLOSING && e->near) {
		rc = -ENAMETOOLONG;
		if (strlen(e->vpath) < len) {
			strcpy(buf, e->vpath);
			rc = 0;
		}
	}
	read_end();
	return rc;
}

/* The new number shares the old one's open file: the same entry, with
   every flag, shared until either number's fields change (entry_own).
   One known to lie outside stays known (find's fts dups every directory
   it reads: left unknown, each would cost a readlink and a lookup). */
/* oldfd's entry, discovered when it has none yet (NULL: none). */
static __attribute__((noinline)) struct fd_entry *dup_discover(int oldfd)
{
	char buf[UN_VPATH_MAX];

	(void)fd_get(oldfd, buf, sizeof(buf), NULL, NULL, NULL, NULL);
	return raw_entry(oldfd);
}

/* oldfd's entry e (NULL: none) into newfd's slot, inside read_begin and
   read_end.  A known entry is shared, a reference more: fts dups every
   directory it reads and closes the dups soon after (a copy and its
   free were ~300 instructions a dup and its close).  In signal mode
   too: no allocation. */
static void dup_put(struct fd_entry *e, int newfd)
{
	struct fd_entry *copy = NULL;

	/* (CLOSING, a number being closed, has no references: left
	   unknown, never copied.) */
	if (e == OUTSIDE)
		copy = OUTSIDE;
	else if (e && refs_get(e))
		copy = e;
	else if (e && e != CLOSING && !un_in_signal())
		copy = entry_copy(e);	/* (its last slot let it go) */
	put(newfd, copy);
}

UN_EXEC_TEXT bool un_fd_dup_known(int oldfd, int newfd)
{
	struct fd_entry *e;

	read_begin();
	e = raw_entry(oldfd);
	if (e)
		dup_put(e, newfd);
	read_end();
	return e != NULL;
}

UN_EXEC_TEXT void un_fd_dup(int oldfd, int newfd)
{
	struct fd_entry *e;

	read_begin();
	e = raw_entry(oldfd);
	if (!e)
		e = dup_discover(oldfd);
	dup_put(e, newfd);
	read_end();
}

/* Every slot from first to last: to NULL (forget), to CLOSING (a
   recorded one: closing), or from CLOSING to NULL (closed: an open
   since, another thread's, keeps its record). */
enum range_op { RANGE_FORGET, RANGE_CLOSING, RANGE_CLOSED };

static void range_do(unsigned first, unsigned last, enum range_op op)
{
	for (unsigned c = first >> CHUNK_BITS; c < NCHUNKS; c++) {
		struct fd_entry **chunk = chunk_get(c);

		if ((c << CHUNK_BITS) > last)
			break;
		if (!chunk)
			continue;
		for (unsigned i = 0; i < CHUNK_SIZE; i++) {
			unsigned fd = (c << CHUNK_BITS) | i;
			struct fd_entry *e = CLOSING;

			if (fd < first || fd > last || !chunk[i])
				continue;
			if (op == RANGE_CLOSED)
				__atomic_compare_exchange_n(
				    &chunk[i], &e, NULL, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
			else
				release(__atomic_exchange_n(
				    &chunk[i], op == RANGE_CLOSING ? CLOSING : NULL,
				    __ATOMIC_SEQ_CST));
		}
	}
}

void un_fd_forget_range(unsigned first, unsigned last)
{
	range_do(first, last, RANGE_FORGET);
}

void un_fd_closing_range(unsigned first, unsigned last)
{
	range_do(first, last, RANGE_CLOSING);
	repoint_wait(first, last);
}

void un_fd_closed_range(unsigned first, unsigned last)
{
	range_do(first, last, RANGE_CLOSED);
}

void un_fd_foreach_path(const char *vpath, void (*fn)(int fd, void *arg),
			void *arg)
{
	unsigned top = top_get();

	read_begin();
	for (unsigned c = 0; c < NCHUNKS && (c << CHUNK_BITS) < top; c++) {
		struct fd_entry **chunk = chunk_get(c);

		if (!chunk)
			continue;
		for (unsigned i = 0;
		     i < CHUNK_SIZE && ((c << CHUNK_BITS) | i) < top; i++) {
			struct fd_entry *e = __atomic_load_n(&chunk[i],
							     __ATOMIC_ACQUIRE);

			if (in_union(e) && !strcmp(e->vpath, vpath))
				fn((int)((c << CHUNK_BITS) | i), arg);
		}
	}
	read_end();
}

/* Into out (UN_VPATH_MAX bytes), the path new + (path - old), when path is
   old or lies below it; false otherwise (or when it would not fit). */
static bool moved(const char *path, const char *old, const char *new,
		  char *out)
{
	size_t ol = strlen(old), nl = strlen(new), pl = strlen(path);

	if (strncmp(path, old, ol) || (path[ol] != '/' && path[ol] != '\0'))
		return false;
	if (nl + pl - ol >= UN_VPATH_MAX)
		return false;
	memcpy(out, new, nl);
	memcpy(out + nl, path + ol, pl - ol + 1);
	return true;
}

/*
 * The kernel's descriptors and cwd hold the object, not its name: after
 * a rename of a directory (or an exchange of two names) the descriptors
 * at or below it answer for the new place, and after an rmdir nothing
 * can be found in it.  Ours hold merged paths, so they are moved along.
 */
enum moving { MOVE_RENAME, MOVE_EXCHANGE, MOVE_REMOVE };

static void cwd_move(const char *a, const char *b, enum moving how,
		     bool merged);

/*
 * Into p and *dead_at, the new path of a descriptor or the cwd (vpath,
 * dead_at as fd_entry has them) after the change; false when it stays.
 *
 * A removal kills what lies at or below the directory removed (below
 * it only what another process emptied), and moves the dead part of a
 * dead one up to it.  A rename or an exchange moves a live one, and
 * a dead one only when it names a live directory above the dead part:
 * a name at or below that part now names another directory (rm -r d;
 * mkdir d), which the dead one must not follow.
 */
static bool moving(const char *vpath, size_t dead_at, const char *a,
		   const char *b, enum moving how, char *p, size_t *new_at)
{
	size_t al = strlen(a);

	if (how == MOVE_REMOVE) {
		if (!moved(vpath, a, a, p) || (dead_at && dead_at <= al))
			return false;
		*new_at = al;
		return true;
	}
	if (dead_at && al >= dead_at &&
	    (how != MOVE_EXCHANGE || strlen(b) >= dead_at))
		return false;
	if (moved(vpath, a, b, p)) {
		if (dead_at && dead_at > al)
			*new_at = dead_at - al + strlen(b);
		return !dead_at || dead_at > al;
	}
	if (how == MOVE_EXCHANGE && moved(vpath, b, a, p)) {
		if (dead_at && dead_at > strlen(b))
			*new_at = dead_at - strlen(b) + al;
		return !dead_at || dead_at > strlen(b);
	}
	return false;
}

static bool after_move(const struct fd_entry *e, const char *a,
		       const char *b, enum moving how, char *p,
		       size_t *dead_at)
{
	*dead_at = e->dead ? e->dead_at : 0;
	return moving(e->vpath, *dead_at, a, b, how, p, dead_at);
}

/* merged: a directory removed was merged from several layers then. */
static void fds_move(const char *a, const char *b, enum moving how,
		     bool merged)
{
	unsigned top = top_get();

	read_begin();
	for (unsigned c = 0; c < NCHUNKS && (c << CHUNK_BITS) < top; c++) {
		struct fd_entry **chunk = chunk_get(c);

		if (!chunk)
			continue;
		for (unsigned i = 0;
		     i < CHUNK_SIZE && ((c << CHUNK_BITS) | i) < top; i++) {
			struct fd_entry *e = __atomic_load_n(&chunk[i],
							     __ATOMIC_ACQUIRE);
			struct fd_entry *fresh = NULL;
			char p[UN_VPATH_MAX];
			size_t len, dead_at;

			if (!in_union(e) ||
			    !after_move(e, a, b, how, p, &dead_at))
				continue;
			/* In signal mode the slot is emptied instead
			   (discovered again when next used). */
			len = strlen(p);
			if (!un_in_signal())
				fresh = entry_alloc(len);
			if (fresh) {
				unsigned cap = fresh->cap;

				memcpy(fresh, e, sizeof(*fresh));
				memcpy(fresh->vpath, p, len + 1);
				fresh->cap = cap;
				fresh->refs = 1;	/* (this slot's) */
				fresh->kseq = 0;
				fresh->m = NULL;	/* (another path) */
				fresh->kset = false;
				/* Its layer is forgotten, but the upper's:
				   a rename moves names within the upper
				   alone (a merged or lower directory
				   answers EXDEV), and a lookup from it then
				   goes from the descriptor, asking nothing
				   above it as the kernel (user seed
				   inplace:4689, found/197: an exchange,
				   then the new parent lost x). */
				if (how == MOVE_REMOVE || e->layer != 0)
					fresh->layer = -1;
				fresh->was_lower = -1;
				fresh->dead = dead_at != 0;
				fresh->dead_at = (unsigned short)dead_at;
				/* What fstat of it answers (wrap_stat.c). */
				if (how == MOVE_REMOVE && !strcmp(p, a))
					fresh->merged_dir = merged;
			}
			put((int)((c << CHUNK_BITS) | i), fresh);
		}
	}
	read_end();
	free_deferred();
	cwd_move(a, b, how, merged);
}

void un_fd_renamed(const char *old, const char *new)
{
	fds_move(old, new, MOVE_RENAME, false);
}

void un_fd_exchanged(const char *a, const char *b)
{
	fds_move(a, b, MOVE_EXCHANGE, false);
}

void un_fd_removed(const char *vpath, bool merged)
{
	fds_move(vpath, NULL, MOVE_REMOVE, merged);
}

/* The times of the last removed directories that had an upper copy over
   a lower (un_dead_times_set), the newest replacing the oldest.  Made at
   the first such removal: as a static array, its 64 KiB of .bss were most
   of what the loader maps for the library in every process (bench/README.md
   "Session 11 (exec)"). */
#define DEAD_TIMES 8
static struct dead_time {
	char vpath[UN_VPATH_MAX];	/* "" for a free slot */
	struct timespec t[3];
} *dead_times;
static unsigned dead_times_next;
static pthread_mutex_t dead_times_lock = PTHREAD_MUTEX_INITIALIZER;

void un_dead_times_set(const char *vpath, const struct stat *copy)
{
	size_t len = strlen(vpath);
	int i, slot = -1;

	/* (Not in a handler: a stat's times are all it would miss.) */
	if (un_in_signal() || len >= UN_VPATH_MAX)
		return;
	pthread_mutex_lock(&dead_times_lock);
	if (!dead_times && copy)
		dead_times = calloc(DEAD_TIMES, sizeof(*dead_times));
	if (!dead_times) {
		pthread_mutex_unlock(&dead_times_lock);
		return;		/* nothing to forget, or no memory */
	}
	for (i = 0; i < DEAD_TIMES; i++)
		if (strcmp(dead_times[i].vpath, vpath) == 0)
			slot = i;
	if (!copy) {
		if (slot >= 0)
			dead_times[slot].vpath[0] = '\0';
	} else {
		if (slot < 0)
			slot = (int)(dead_times_next++ % DEAD_TIMES);
		memcpy(dead_times[slot].vpath, vpath, len + 1);
		dead_times[slot].t[0] = copy->st_atim;
		dead_times[slot].t[1] = copy->st_mtim;
		dead_times[slot].t[2] = copy->st_ctim;
	}
	pthread_mutex_unlock(&dead_times_lock);
}

bool un_dead_times(const char *vpath, const struct stat *st,
		   struct timespec t[3])
{
	bool found = false;

	/* (A deleted real one is the copy itself, changed since maybe.) */
	if (!S_ISDIR(st->st_mode) || st->st_nlink == 0 || !*vpath ||
	    un_in_signal() ||
	    !__atomic_load_n(&dead_times_next, __ATOMIC_RELAXED))
		return false;
	pthread_mutex_lock(&dead_times_lock);
	for (int i = 0; dead_times && i < DEAD_TIMES && !found; i++)
		if (strcmp(dead_times[i].vpath, vpath) == 0) {
			memcpy(t, dead_times[i].t, sizeof(dead_times[i].t));
			found = true;
		}
	pthread_mutex_unlock(&dead_times_lock);
	return found;
}

/* ---- the cwd ---- */

static pthread_mutex_t cwd_lock = PTHREAD_MUTEX_INITIALIZER;
/* This thread holds cwd_lock as a reader (or in fork's prepare). */
static __thread int cwd_held;
/* A sequence count: odd while a writer changes the buffers below (and
   chdir the real cwd: un_cwd_chdir), raised to the next even number
   when it is done.  Readers (cwd_read) take no lock: they copy, and
   copy again when the count was odd or moved. */
unsigned long un_cwd_count;	/* (namei.c reads it: un_cwd_moved) */

static char cwd_merged[UN_VPATH_MAX]; /* merged path of the cwd, or "" */
static size_t cwd_merged_len;	/* strlen(cwd_merged) */
/* un_config_find(cwd_merged), kept with it (the configuration is fixed
   once parsed): a relative lookup needs the cwd's union, ~90
   instructions to find again at every one. */
static struct un_mount *cwd_mnt;
static size_t cwd_dead_at;	/* cwd_merged was removed: as fd_entry's
				   dead_at (see moving), else 0 */
static int cwd_layer = -1;	/* the layer whose copy of cwd_merged the
				   real cwd is, or -1 */
static bool cwd_dead_merged;	/* cwd_merged, removed, was merged from
				   several layers then (stat's nlink) */
static char cwd_real[UN_VPATH_MAX];	/* the real cwd last seen, or "" */
static bool cwd_near;		/* some MERGED lies below the real cwd */

/*
 * A writer's section: this thread's handlers held back (un_sig_hold:
 * no system call unless one comes; every signal blocked once the
 * program installed an SA_RESETHAND handler), so that no handler of
 * this thread runs while the count is odd (a reader in it would wait
 * for ever) or while it holds the lock.  A handler the program
 * installed without the library (a raw rt_sigaction) is not held; it
 * runs the wrappers' calls straight through, the section being inside
 * one (un_depth).  A handler that changes the cwd while its own thread
 * holds the lock (cwd_moves) writes without it: the other threads are
 * kept out by the lock its thread holds, and the reader it interrupted
 * sees un_cwd_count move and looks again.  seq0: the count before this
 * write (even).  (Blocking cost two system calls a section: every chdir,
 * and each process's first look at its cwd.)
 */
struct cwd_wsect {
	struct un_sig_hold hold;
	bool locked, held;
	unsigned long seq0;
};

/* The section's lock, and this thread's handlers held back. */
static void cwd_wlock(struct cwd_wsect *w)
{
	w->locked = !(un_in_signal() && cwd_held);
	/* Before the union is active (start-up) no handler reads the cwd. */
	w->held = __atomic_load_n(&un_active, __ATOMIC_ACQUIRE);
	if (w->held)
		un_sig_hold(&w->hold);
	if (w->locked)
		pthread_mutex_lock(&cwd_lock);
}

/* The count made odd, once the section's lock is held. */
static void cwd_wodd(struct cwd_wsect *w)
{
	/* Odd before any store to the buffers (the fence keeps them after
	   it): a reader that copies meanwhile copies again. */
	w->seq0 = __atomic_load_n(&un_cwd_count, __ATOMIC_RELAXED);
	__atomic_store_n(&un_cwd_count, w->seq0 + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* (see cwd_drain) */
}

static void cwd_wbegin_raw(struct cwd_wsect *w)
{
	cwd_wlock(w);
	cwd_wodd(w);
}

/*
 * Pins.  A lookup that hands the kernel a path relative to the real cwd
 * (namei.c lookup_threads: a cwd outside every union) decided so from
 * the cwd at count seq; another thread's chdir into a merged directory
 * between that decision and the system call would send the call into
 * the real cwd the chdir made, a layer's copy (a lower's: open O_CREAT,
 * mkdir, unlink, rename there change a lower).  So the lookup pins the
 * cwd (un_cwd_pin, with threads only): cwd_flying counts the pins of
 * every thread, and a writer that moves the real cwd (un_cwd_chdir)
 * raises cwd_draining, waits for cwd_flying to drain, makes the count
 * odd, and only then lowers cwd_draining and moves the real cwd.  A pin
 * is taken by raising cwd_flying first, then reading cwd_draining and
 * the count (all sequentially consistent): either the writer sees the
 * pin and waits for it, or the pin sees the writer (draining, or the
 * count moved) and is given up, the lookup deciding again once the
 * writer is done.  The count stays even while the writer drains: a
 * thread that holds a pin and looks up a second path in the same call
 * (rename's two) reads the cwd without waiting for the writer that
 * waits for it.
 */
static unsigned long cwd_flying;	/* pins held, every thread's */
static int cwd_draining;		/* a writer waits for them */
__thread int un_cwd_pinned;

/*
 * Who holds the pins: a pin records its thread's id in a free slot of
 * cwd_pin_tid before it counts in cwd_flying (so that a writer that
 * sees the pin sees its thread), and clears it when it ends; a pin that
 * finds no free slot counts in cwd_unslotted instead.  cwd_pin_slot is
 * this thread's slot + 1, -1 for a pin counted apart, 0 for none.  The
 * writer past its bound looks at the threads (cwd_drain_more).
 */
#define CWD_PIN_SLOTS 16	/* (a power of 2) */
/* In a slot's id: its thread runs a handler while pinned.  (Thread ids
   stay below 2^22, the kernel's PID_MAX_LIMIT.) */
#define CWD_PIN_IN_HANDLER 0x40000000
static pid_t cwd_pin_tid[CWD_PIN_SLOTS];	/* (.un_big: segment.ld) */
static unsigned long cwd_unslotted;
static __thread signed char cwd_pin_slot;
/* This thread's id, read once (un_self_tid's check of the pid costs a
   pin a third more); a fork's child forgets its parent's (un_cwd_forked). */
static __thread pid_t cwd_tid;

static pid_t cwd_self_tid(void)
{
	if (__builtin_expect(!cwd_tid, 0))
		cwd_tid = (pid_t)syscall(SYS_gettid);
	return cwd_tid;
}

/*
 * The writer's wait is bounded (CWD_DRAIN_NS): a call may block inside
 * the kernel (an open of a fifo until a writer comes, a lock, a slow
 * filesystem), and the thread that would unblock it may be the one that
 * changes directory.  Such a call has resolved its path before it
 * blocks, so going on past the bound misplaces nothing.  But a pinned
 * thread kept off the processor for longer than the bound (a machine
 * loaded far beyond its cores), or stopped at its call's entry by a
 * tracer, has not started its call yet: from the new cwd it would land
 * in a lower's copy.  So past the bound the writer looks at each pinned
 * thread's state in /proc/self/task/TID/stat (cwd_pin_waits): it waits
 * on while one is runnable (R) or stopped in a trace (t), which have
 * not entered their call or are entering it, and goes on once every
 * one is asleep in the kernel (S, D: inside its call, whose path the
 * kernel resolved from the old cwd when the call began).  A pin
 * counted apart (no free slot) cannot be looked at: the writer waits
 * for it to the cap.  The cap (CWD_DRAIN_CAP_NS) ends the wait anyway:
 * a thread may stay runnable or stopped while pinned for ever (a
 * handler that loops or waits for the chdir's thread, a debugger's
 * breakpoint), and the chdir must not hang on it; 2 s is far beyond
 * any scheduling delay of a live machine (a thread waits its turn
 * behind the others runnable: tens of milliseconds at a load of 20 on
 * 2 cores), and short enough that a stuck chdir shows as slow, not
 * hung.  Each chdir pays the bound while a blocked call lasts.
 *
 * A pinned thread asleep before its call rather than in it: in a signal
 * handler that came between the lookup and the call (a program's
 * handler that sleeps; integration/chdir-pinned-thread-handler-sleeps)
 * is told apart: the trampoline marks the pin's slot while the handler
 * runs (un_cwd_pin_handler: CWD_PIN_IN_HANDLER in the slot's id), and
 * the writer waits on for a marked pin whatever its state, to the cap.
 * What it still leaves: a handler that waits for the chdir's own thread
 * (the cap ends the wait, and the call then runs from the new cwd: XFAIL
 * integration/chdir-pinned-thread-in-handler), a handler that leaves by
 * longjmp and makes relative calls after (its pin ends at the
 * interrupted call's un_leave), and a sleep on a lock of the library's
 * between the lookup and the call (none on the outside path: the
 * wrapper calls the kernel next; a fault on the path's page is inside
 * the call, before its resolution).
 */
#define CWD_DRAIN_NS 20000000L
#define CWD_DRAIN_CAP_NS 2000000000LL

static long long cwd_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * Whether the writer past its bound waits on for thread tid's pin: its
 * state (the field after the command's ")" in /proc/self/task/TID/stat)
 * R or t.  A thread that has gone (ENOENT: it left while pinned, or the
 * id is another process's, a fork's parent's) frees its slot.  Raw calls
 * and no allocation: the writer may be a signal handler.  (Its own
 * frame: the buffers.)
 */
static __attribute__((noinline)) bool cwd_pin_waits(int slot, pid_t tid)
{
	char path[48] = "/proc/self/task/", buf[96];
	char digits[12];
	const char *close;
	size_t at = strlen(path);
	int n = 0, fd;
	ssize_t len;

	do
		digits[n++] = (char)('0' + tid % 10);
	while ((tid /= 10) > 0);
	while (n > 0)
		path[at++] = digits[--n];
	memcpy(path + at, "/stat", 6);
	fd = real_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH) {
			pid_t was = cwd_pin_tid[slot];

			/* (Unless a new pin took the slot meanwhile.) */
			if (was)
				__atomic_compare_exchange_n(&cwd_pin_tid[slot],
					&was, 0, false, __ATOMIC_SEQ_CST,
					__ATOMIC_RELAXED);
			return false;
		}
		return true;	/* cannot tell: wait (to the cap) */
	}
	len = real_read(fd, buf, sizeof(buf));
	real_close(fd);
	if (len <= 0)
		return true;
	/* (The command is at most 15 characters: its ")" in the buffer.) */
	close = memrchr(buf, ')', (size_t)len);
	if (!close || close + 2 >= buf + len)
		return true;
	return close[2] == 'R' || close[2] == 't';
}

/* Past the bound: whether a pin still keeps the writer (thread me). */
static bool cwd_drain_more(pid_t me)
{
	bool wait = false;

	if (__atomic_load_n(&cwd_unslotted, __ATOMIC_SEQ_CST))
		return true;
	for (int i = 0; i < CWD_PIN_SLOTS; i++) {
		pid_t tid = __atomic_load_n(&cwd_pin_tid[i], __ATOMIC_SEQ_CST);

		/* (Every slot looked at: the ones of threads gone freed.) */
		if (tid & CWD_PIN_IN_HANDLER) {
			if ((tid & ~CWD_PIN_IN_HANDLER) != me)
				wait = true;
		} else if (tid > 0 && tid != me && cwd_pin_waits(i, tid)) {
			wait = true;
		}
	}
	return wait;
}

/* Inside the section's lock, before cwd_wodd; cwd_undrain after it.
   A writer in a thread that holds a pin itself (a handler's chdir, a
   copy-up's repointing inside a pinned call) does not wait for it. */
static void cwd_drain(void)
{
	unsigned long own;
	long long end = 0, cap = 0;
	int saved;

	/* One thread: no pin of another (a pin of its own is not waited
	   for); no cost. */
	if (__libc_single_threaded)
		return;
	/* A vfork child's chdir moves its own cwd, not the parent's: no
	   pin of the parent's threads is its concern (and the slots it
	   would look at are the parent's, whose threads are not in the
	   child's /proc/self/task). */
	if (un_fd_vfork_child())
		return;
	own = un_cwd_pinned ? 1 : 0;
	__atomic_store_n(&cwd_draining, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cwd_flying, __ATOMIC_SEQ_CST) <= own)
		return;
	saved = errno;
	while (__atomic_load_n(&cwd_flying, __ATOMIC_SEQ_CST) > own) {
		long long now = cwd_now_ns();

		if (!end) {
			end = now + CWD_DRAIN_NS;
			cap = now + CWD_DRAIN_CAP_NS;
		} else if (now >= end &&
			   (now >= cap || !cwd_drain_more(cwd_self_tid()))) {
			break;
		}
		sched_yield();
	}
	errno = saved;
}

static void cwd_undrain(void)
{
	if (!__libc_single_threaded && !un_fd_vfork_child())
		__atomic_store_n(&cwd_draining, 0, __ATOMIC_SEQ_CST);
}

/* A slot for this thread's pin, before the pin counts: its index + 1,
   or -1 when every slot is taken (the pin counted apart).  Starting at
   the thread's own slot (tid % CWD_PIN_SLOTS), one store in general. */
static int cwd_slot_take(void)
{
	pid_t tid = cwd_self_tid();
	unsigned first = (unsigned)tid;

	for (unsigned k = 0; k < CWD_PIN_SLOTS; k++) {
		unsigned i = (first + k) & (CWD_PIN_SLOTS - 1);
		pid_t free_ = 0;

		if (__atomic_compare_exchange_n(&cwd_pin_tid[i], &free_, tid,
						false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return (int)i + 1;
	}
	__atomic_add_fetch(&cwd_unslotted, 1, __ATOMIC_SEQ_CST);
	return -1;
}

/* (A writer that still sees the slot taken waits a little longer: the
   store needs no fence.) */
static void cwd_slot_give(int slot)
{
	if (slot > 0)
		__atomic_store_n(&cwd_pin_tid[slot - 1], 0, __ATOMIC_RELEASE);
	else if (slot < 0)
		__atomic_sub_fetch(&cwd_unslotted, 1, __ATOMIC_SEQ_CST);
}

bool un_cwd_pin(unsigned long seq)
{
	int slot;

	/*
	 * Outside a wrapper (un_depth 0) no un_leave would end the pin.  A
	 * thread that holds one already (an earlier lookup of this call, or
	 * the call its handler interrupted) keeps the writers waiting: the
	 * count still tells whether its decision holds.
	 */
	if (un_cwd_pinned || un_depth <= 0)
		return !un_cwd_moved(seq);
	/*
	 * A vfork child has a cwd of its own (no CLONE_FS): no chdir of
	 * the parent's threads moves it, and a pin it took before a
	 * successful exec would never be ended in the memory it shares
	 * with the parent (every chdir there would wait the bound).
	 */
	if (un_fd_vfork_child())
		return true;
	slot = cwd_slot_take();
	__atomic_add_fetch(&cwd_flying, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&cwd_draining, __ATOMIC_SEQ_CST) &&
	    __atomic_load_n(&un_cwd_count, __ATOMIC_SEQ_CST) == seq) {
		/* (The slot noted after the pin: a handler that comes in
		   between takes no pin of its own, which would overwrite
		   it.) */
		un_cwd_pinned = un_sigdepth + 1;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		cwd_pin_slot = (signed char)slot;
		return true;
	}
	__atomic_sub_fetch(&cwd_flying, 1, __ATOMIC_SEQ_CST);
	cwd_slot_give(slot);
	/* The writer is at work: its move over before the next look. */
	while (__atomic_load_n(&cwd_draining, __ATOMIC_ACQUIRE))
		sched_yield();
	return false;
}

void un_cwd_pin_handler(bool in)
{
	int slot = cwd_pin_slot;

	if (slot <= 0)
		return;
	if (in)
		__atomic_or_fetch(&cwd_pin_tid[slot - 1], CWD_PIN_IN_HANDLER,
				  __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&cwd_pin_tid[slot - 1], ~CWD_PIN_IN_HANDLER,
				   __ATOMIC_SEQ_CST);
}

void un_cwd_unpin(void)
{
	int slot;

	/* A pin of a handler's call stays until that call's un_leave; one
	   left behind by a handler that left by longjmp (a deeper level)
	   ends at the interrupted code's. */
	if (un_cwd_pinned < un_sigdepth + 1)
		return;
	/* (The slot taken from this thread's note before the pin ends: a
	   handler's pin after that notes its own, and gives it back.) */
	slot = cwd_pin_slot;
	cwd_pin_slot = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	un_cwd_pinned = 0;
	cwd_slot_give(slot);
	__atomic_sub_fetch(&cwd_flying, 1, __ATOMIC_SEQ_CST);
}

/* (Written only when they change: in a fork's child of a process with
   one thread they hold these values already, and a first write to
   their page is a page fault in every child: bench/README.md "Session
   12 (exec)".) */
UN_EXEC_TEXT void un_cwd_forked(void)
{
	unsigned long flying = un_cwd_pinned ? 1 : 0;

	if (__atomic_load_n(&cwd_flying, __ATOMIC_RELAXED) != flying)
		__atomic_store_n(&cwd_flying, flying, __ATOMIC_RELAXED);
	if (__atomic_load_n(&cwd_draining, __ATOMIC_RELAXED))
		__atomic_store_n(&cwd_draining, 0, __ATOMIC_RELAXED);
	/* The slots hold the parent's threads, left as they are (their
	   page, .un_big's, not touched in every child): no pin of the
	   child's counts them (cwd_flying), and a writer past its bound
	   frees each, absent from the child's /proc/self/task.  The
	   child's own pin (if any) is the writer's own, no slot needed. */
	if (__atomic_load_n(&cwd_unslotted, __ATOMIC_RELAXED))
		__atomic_store_n(&cwd_unslotted, 0, __ATOMIC_RELAXED);
	if (cwd_pin_slot)
		cwd_pin_slot = 0;
	if (cwd_tid)
		cwd_tid = 0;
}

/* The end of the section; to the count seq0 + 2 after a change, back to
   seq0 when nothing changed (a reader's copy at seq0 is still good: a
   count moved for nothing would send every lookup under way round
   again). */
static void cwd_wend_at(struct cwd_wsect *w, unsigned long seq)
{
	__atomic_store_n(&un_cwd_count, seq, __ATOMIC_RELEASE);
	if (w->locked)
		pthread_mutex_unlock(&cwd_lock);
	if (w->held)
		un_sig_unhold(&w->hold);
}

static void cwd_wend(struct cwd_wsect *w)
{
	/* (The count still odd: the lower copies' descriptors of the cwd
	   left are closed before any lookup can take the new count.) */
	un_cwdfd_drop();
	cwd_wend_at(w, w->seq0 + 2);
}

/*
 * The cwd is taken when a call first asks for it, not at start: most
 * processes started from a shell in a union (a /bin/true) never do.
 * init.c arms this; until then (no union, the unit tests) the buffers
 * hold what un_cwd_refresh and un_cwd_set put there.  The take reads the
 * real cwd (and UNION_CWD) outside the lock and stores what it found
 * under it, unless another thread took the cwd meanwhile.
 */
enum { CWD_NONE, CWD_ARMED, CWD_TAKEN };
static int cwd_state;
/* UNION_CWD as the process started with it: a program may clear its
   environment (env -i) before it first asks for the cwd. */
static const char *cwd_inherited;

static void cwd_adopt(bool first);

UN_EXEC_TEXT void un_cwd_arm(const char *inherited)
{
	cwd_inherited = inherited;
	__atomic_store_n(&cwd_state, CWD_ARMED, __ATOMIC_RELEASE);
}

/* Take the cwd if it is still to be taken: true when this call did. */
static inline bool cwd_need(void)
{
	if (__builtin_expect(__atomic_load_n(&cwd_state, __ATOMIC_ACQUIRE) !=
			     CWD_ARMED, 1))
		return false;
	cwd_adopt(true);
	return true;
}

static void cwd_wbegin(struct cwd_wsect *w)
{
	cwd_need();
	cwd_wbegin_raw(w);
}

/* Copy s (one of the buffers above) into buf: 0, -ENOENT when empty;
   with it, when asked, the layer of the real cwd, cwd_dead_at, and the
   count the copy was taken at.  Inlined in its callers (their NULLs
   folded away: ~30 instructions a relative lookup); by_byte: copied by
   exec_str.h's loop, not libc's memcpy (un_cwd_get_exec). */
static inline __attribute__((always_inline)) int
cwd_read(const char *s, char *buf, size_t len, int *layer, size_t *dead_at,
	 struct un_mount **m, size_t *np, unsigned long *seqp, bool by_byte)
{
	unsigned long seq;
	size_t n;
	int rc;

	cwd_need();
	/*
	 * A seqlock's read, no lock (a mutex cost ~60 instructions a
	 * relative lookup once git has threads): the copy is kept when the
	 * count was even before it and the same after.  The copy may race
	 * a writer; it stays in bounds (n is checked against len, and each
	 * buffer is UN_VPATH_MAX bytes with a NUL kept at its end) and is
	 * thrown away.  An odd count is a writer of another thread at work
	 * (a writer blocks this thread's handlers): wait for it.  Tested by
	 * tests/edges/cwd-threads.
	 */
	for (;;) {
		seq = __atomic_load_n(&un_cwd_count, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			sched_yield();
			continue;
		}
		n = s == cwd_merged ? cwd_merged_len :
				      strnlen(s, UN_VPATH_MAX);
		if (n >= UN_VPATH_MAX)
			n = 0;		/* torn: thrown away below */
		if (n == 0)
			rc = -ENOENT;
		else if (n >= len)
			rc = -ERANGE;
		else {
			if (by_byte)
				ex_memcpy(buf, s, n);
			else
				memcpy(buf, s, n);
			buf[n] = '\0';
			rc = 0;
		}
		if (layer)
			*layer = cwd_layer;
		if (dead_at)
			*dead_at = cwd_dead_at;
		if (m)
			*m = cwd_mnt;
		if (np)
			*np = n;
		/* (The copy's loads before the count's second load.) */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (seq == __atomic_load_n(&un_cwd_count, __ATOMIC_RELAXED))
			break;
	}
	if (seqp)
		*seqp = seq;
	return rc;
}

/* Set a buffer to s (NULL: empty). */
static void cwd_store(char *dst, const char *s)
{
	size_t n = s ? strnlen(s, UN_VPATH_MAX - 1) : 0;

	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
}

/* Set cwd_merged to s (NULL: clear it), with its length and union. */
static void cwd_merged_store(const char *s)
{
	cwd_store(cwd_merged, s);
	cwd_merged_len = strlen(cwd_merged);
	cwd_mnt = cwd_merged[0] ? un_config_find(cwd_merged) : NULL;
}

/*
 * Would the change move the cwd (its new path into p)?  A reader's look,
 * taken as cwd_read takes one: nearly every rmdir and rename leaves the
 * cwd where it is (rm -rf removes directories below it), and a writer's
 * section costs two sigprocmask calls and makes the next relative lookup
 * check the cwd again (un_cwd_count moves).  A handler that changed the cwd
 * meanwhile sends the caller the writer's way, which looks again.
 */
static bool cwd_moves(const char *a, const char *b, enum moving how,
		      char *p)
{
	struct un_sig_hold hold;
	bool locked, moves;
	unsigned long seq;
	size_t dead_at;

	cwd_need();
	locked = !(un_in_signal() && cwd_held) && !__libc_single_threaded;
	if (locked) {
		/* Handlers held back (no system call): one that came between
		   the lock and cwd_held++ (or cwd_held-- and the unlock) and
		   changed the cwd would take the lock its own thread holds
		   (cwd_wlock) and wait for ever. */
		un_sig_hold(&hold);
		pthread_mutex_lock(&cwd_lock);
		cwd_held++;
	}
	seq = __atomic_load_n(&un_cwd_count, __ATOMIC_ACQUIRE);
	dead_at = cwd_dead_at;
	moves = cwd_merged[0] &&
		moving(cwd_merged, dead_at, a, b, how, p, &dead_at);
	if (__atomic_load_n(&un_cwd_count, __ATOMIC_ACQUIRE) != seq)
		moves = true;
	if (locked) {
		cwd_held--;
		pthread_mutex_unlock(&cwd_lock);
		un_sig_unhold(&hold);
	}
	return moves;
}

/* The cwd follows a rename or exchange of itself or of a directory
   above it, and dies with an rmdir of itself (merged: as
   un_fd_removed's). */
static void cwd_move(const char *a, const char *b, enum moving how,
		     bool merged)
{
	char p[UN_VPATH_MAX];
	struct cwd_wsect w;

	size_t dead_at;

	if (!cwd_moves(a, b, how, p))
		return;
	cwd_wbegin(&w);
	dead_at = cwd_dead_at;
	if (cwd_merged[0] &&
	    moving(cwd_merged, dead_at, a, b, how, p, &dead_at)) {
		cwd_merged_store(p);
		cwd_dead_at = dead_at;
		cwd_dead_merged = how == MOVE_REMOVE && merged &&
				  !strcmp(p, a);
		/* A lower directory renamed is a new one; the upper's
		   stays (fds_move). */
		if (how == MOVE_REMOVE || cwd_layer != 0)
			cwd_layer = -1;
	}
	cwd_wend(&w);
}

/* The cwd as last seen alive by un_cwd_check (namei.c): at the change
   count un_cwd_count, while the stamp of its union was cwd_seen_stamp. */
static const struct un_mount *cwd_seen_m;
static uint64_t cwd_seen_stamp;
static unsigned long cwd_seen_seq;

bool un_cwd_seen(const struct un_mount *m, uint64_t stamp,
		 unsigned long *seq)
{
	cwd_need();
	*seq = __atomic_load_n(&un_cwd_count, __ATOMIC_ACQUIRE);
	/* (An odd count: a change under way; un_cwd_saw's triple with it
	   never matches, un_cwd_kill's compare neither.) */
	return __atomic_load_n(&cwd_seen_m, __ATOMIC_RELAXED) == m &&
	       __atomic_load_n(&cwd_seen_stamp, __ATOMIC_RELAXED) == stamp &&
	       __atomic_load_n(&cwd_seen_seq, __ATOMIC_RELAXED) == *seq;
}

void un_cwd_saw(const struct un_mount *m, uint64_t stamp, unsigned long seq)
{
	/* (Racing writers leave at worst a stale triple: one more look.) */
	__atomic_store_n(&cwd_seen_seq, ~0UL, __ATOMIC_RELAXED);
	__atomic_store_n(&cwd_seen_m, m, __ATOMIC_RELAXED);
	__atomic_store_n(&cwd_seen_stamp, stamp, __ATOMIC_RELAXED);
	__atomic_store_n(&cwd_seen_seq, seq, __ATOMIC_RELEASE);
}

void un_cwd_kill(const char *vpath, size_t dead_at, unsigned long seq,
		 bool merged)
{
	struct cwd_wsect w;

	cwd_wbegin(&w);
	/* (The count before this write: unchanged since the caller's look.) */
	if (w.seq0 == seq &&
	    !cwd_dead_at && !strcmp(cwd_merged, vpath) &&
	    dead_at && dead_at <= strlen(vpath)) {
		cwd_dead_at = dead_at;
		cwd_dead_merged = merged;
		cwd_layer = -1;
	}
	cwd_wend(&w);
}

bool un_cwd_follow(const char *vpath, const char *to, unsigned long seq)
{
	struct cwd_wsect w;
	bool done = false;

	if (strlen(to) >= UN_VPATH_MAX)
		return false;
	cwd_wbegin(&w);
	/* (The layer stays the upper's: the directory itself moved.) */
	if (w.seq0 == seq && !cwd_dead_at && cwd_layer == 0 &&
	    !strcmp(cwd_merged, vpath)) {
		cwd_merged_store(to);
		done = true;
	}
	cwd_wend(&w);
	return done;
}

bool un_cwd_near_union(void)
{
	cwd_need();
	return __atomic_load_n(&cwd_near, __ATOMIC_RELAXED);
}

/* Does some MERGED lie under the directory real? */
static bool near_union(const char *real)
{
	return real && un_config_is_ancestor(real);
}

UN_EXEC_TEXT int un_cwd_get_at(char *buf, size_t len, int *layer, size_t *dead_at)
{
	return un_cwd_get_walk(buf, len, layer, dead_at, NULL, NULL, NULL);
}

UN_EXEC_TEXT int un_cwd_get_walk(char *buf, size_t len, int *layer, size_t *dead_at,
		    struct un_mount **m, size_t *np, unsigned long *seq)
{
	size_t dead;
	int rc = cwd_read(cwd_merged, buf, len, layer, &dead, m, np, seq,
			  false);

	if (rc == 0 && dead) {
		rc = -ESTALE;
		if (dead_at)
			*dead_at = dead;
	}
	if (rc != 0 && layer)
		*layer = -1;
	return rc;
}

UN_EXEC_TEXT int un_cwd_get_exec(char *buf, size_t len, size_t *dead_at)
{
	size_t dead;
	int rc = cwd_read(cwd_merged, buf, len, NULL, &dead, NULL, NULL, NULL,
			  true);

	if (rc == 0 && dead) {
		rc = -ESTALE;
		*dead_at = dead;
	}
	return rc;
}

UN_EXEC_TEXT unsigned long un_cwd_seq(void)
{
	unsigned long seq;

	cwd_need();
	/* (After the caller's system calls: see internal.h.) */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	while ((seq = __atomic_load_n(&un_cwd_count, __ATOMIC_ACQUIRE)) & 1)
		sched_yield();	/* another thread's writer (as cwd_read) */
	return seq;
}

UN_EXEC_TEXT size_t un_cwd_room(void)
{
	cwd_need();
	/* (The length kept with the path: no libc strnlen on exec's way,
	   exec_str.h.  Read without the count, as the path was: a chdir
	   meanwhile makes the copy answer -ERANGE.) */
	return __atomic_load_n(&cwd_merged_len, __ATOMIC_RELAXED) + 1;
}

int un_cwd_get(char *buf, size_t len)
{
	return un_cwd_get_at(buf, len, NULL, NULL);
}

int un_cwd_real(char *buf, size_t len)
{
	return cwd_read(cwd_real, buf, len, NULL, NULL, NULL, NULL, NULL,
			false);
}

void un_cwd_set(const char *vpath, int layer)
{
	struct cwd_wsect w;

	if (vpath && strlen(vpath) >= UN_VPATH_MAX)
		vpath = NULL;
	cwd_wbegin(&w);
	cwd_merged_store(vpath);
	cwd_dead_at = 0;
	cwd_dead_merged = false;
	cwd_layer = vpath ? layer : -1;
	cwd_wend(&w);
	if (!vpath)
		un_cwd_refresh();
}

bool un_dead_merged(int dirfd)
{
	char vpath[UN_VPATH_MAX];
	bool merged = false;

	if (dirfd != AT_FDCWD)
		return un_fd_get(dirfd, vpath, sizeof(vpath), &merged) ==
			       -ESTALE && merged;
	return un_cwd_get(vpath, sizeof(vpath)) == -ESTALE &&
	       __atomic_load_n(&cwd_dead_merged, __ATOMIC_RELAXED);
}

/* The decimal number at *s that a ':' ends (exec.c writes them):
   *s moved past the ':', or false.  Not by sscanf, which would make the
   library need one more libc version (newsys.h says what that costs);
   a number too big reads as ULLONG_MAX, which no caller accepts. */
static bool number_colon(const char **s, unsigned long long *v)
{
	const char *p = *s;
	unsigned long long n = 0;

	/* (By hand, not strtoull: a libc function the process would bind
	   lazily for this alone, ~1,100 instructions of ld.so.) */
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		n = n > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : n * 10 + (*p - '0');
	if (*p != ':')
		return false;
	*v = n;
	*s = p + 1;
	return true;
}

static int real_layer(const char *merged, const char *real);
static const char *inherited_moved(const char *v, const struct un_mount *m,
				   char *buf, size_t len, int *layer);

/* The UNION_CWD an exec'd parent left us, if it names our real cwd
   ("DEV:INO:PATH"; for a removed directory "DEV:INO:-PATH", or
   "DEV:INO:-N:PATH" when the directory removed is PATH's first N bytes,
   an ancestor of it: see moving).  *m: its union; *stamp: the union's
   stamp read before the look that found the real cwd alive, and
   *nlink 1 if so (0: deleted), for cwd_adopt.  The look: the real cwd
   read into buf (*real, NULL when the kernel could not say; *looked:
   it was read here), and when that is a layer's copy of PATH, that is
   all (a cwd the kernel still names by that path after the stamp's
   read is PATH in that layer, and alive: getcwd fails for a removed
   one); else a stat of "." must find DEV and INO. */
static const char *inherited_cwd(size_t *dead_at, struct un_mount **m,
				 uint64_t *stamp, nlink_t *nlink, char *buf,
				 size_t len, const char **real, bool *looked,
				 int *layer)
{
	const char *v = __atomic_load_n(&cwd_state, __ATOMIC_ACQUIRE) ==
			CWD_NONE ? getenv("UNION_CWD") : cwd_inherited;
	unsigned long long dev, ino, n;
	struct stat st;

	*looked = false;
	if (!v || !number_colon(&v, &dev) || !number_colon(&v, &ino))
		return NULL;
	*dead_at = 0;
	if (*v == '-') {
		v++;
		if (*v >= '0' && *v <= '9') {
			if (!number_colon(&v, &n) || n > UINT_MAX)
				return NULL;
			*dead_at = n;
		}
		if (!*dead_at)
			*dead_at = strlen(v);
	}
	if (*v != '/' || *dead_at > strlen(v) || !(*m = un_config_find(v)))
		return NULL;
	/* (The union found first: its tables are open, and a look after
	   the stamp's read tells the cwd alive at that stamp.) */
	*stamp = (*m)->wt ? un_wtable_stamp((*m)->wt) : 0;
	*real = real_getcwd(buf, len) ? buf : NULL;
	*looked = true;
	if (!*dead_at && *real && (*layer = real_layer(v, *real)) >= 0) {
		*nlink = 1;
		return v;
	}
	if (real_stat(".", &st) < 0 || st.st_dev != dev || st.st_ino != ino)
		return NULL;
	*nlink = st.st_nlink;
	if (!*dead_at && *real && st.st_nlink)
		v = inherited_moved(v, *m, buf, len, layer);
	return v;
}

/*
 * The parent's cwd v, alive, that the real cwd real (in buf, len bytes)
 * is no layer's copy of: another process renamed it, or an ancestor,
 * since the parent last looked (`mv "$PWD" x && touch here`).  When real
 * lies under m's upper (not its .union), the merged path it stands for,
 * written after real in buf, and *layer 0; else v.
 * (integration/cwd-renamed-by-child)
 */
static const char *inherited_moved(const char *v, const struct un_mount *m,
				   char *buf, size_t len, int *layer)
{
	size_t ul = m->upper_len, rl, at;
	const char *meta;

	if (!m->upper || strncmp(buf, m->upper, ul) || buf[ul] != '/')
		return v;
	meta = buf + ul + 1;
	if (!strncmp(meta, UN_META_DIR, sizeof(UN_META_DIR) - 1) &&
	    (!meta[sizeof(UN_META_DIR) - 1] ||
	     meta[sizeof(UN_META_DIR) - 1] == '/'))
		return v;
	rl = strlen(buf + ul);
	at = ul + rl + 1;
	if (at + m->merged_len + rl >= len)
		return v;
	memcpy(buf + at, m->merged, m->merged_len);
	memcpy(buf + at + m->merged_len, buf + ul, rl + 1);
	if (un_config_find(buf + at) != m)
		return v;	/* an inner union's */
	*layer = 0;
	return buf + at;
}

/*
 * The layer whose copy of the merged directory merged the real directory
 * real is, or -1.  Wanted where a cwd inherited across exec lies deeper
 * than PATH_MAX: no whole path in a layer reaches it, and un_kreal then
 * hands the kernel paths relative to the real cwd, which it must know
 * the layer of.  (glibc's getcwd reads a real cwd that deep by walking
 * its '..'s, a rare cost.)
 */
static int real_layer(const char *merged, const char *real)
{
	struct un_mount *m = un_config_find(merged);
	const char *rel;

	if (!m)
		return -1;
	rel = merged + m->merged_len;
	rel += *rel == '/';
	for (int i = 0; i <= m->nlower; i++) {
		const char *root = un_layer_root(m, i);
		size_t len = un_layer_len(m, i);

		if (root && !strncmp(real, root, len) &&
		    (*rel ? real[len] == '/' && !strcmp(real + len + 1, rel)
			  : !real[len]))
			return i;
	}
	return -1;
}

/*
 * Read the real cwd, and adopt the merged cwd it stands for: at the
 * first look (first) the one UNION_CWD names, or, then and later, the
 * real cwd itself when it lies lexically under a MERGED (an in-place
 * union, or a MERGED that exists on disk).  The first look stores
 * nothing when another thread's came first.
 */
static void cwd_adopt(bool first)
{
	char buf[UN_VPATH_MAX];
	const char *real = NULL;
	const char *merged = NULL;
	struct un_mount *m = NULL;
	size_t dead_at = 0;
	uint64_t stamp = 0;
	nlink_t nlink = 0;
	struct cwd_wsect w;
	bool near, saw = false, looked = false, dead_merged = false;
	int layer = -1;

	if (first && !(merged = inherited_cwd(&dead_at, &m, &stamp, &nlink,
					      buf, sizeof(buf), &real, &looked,
					      &layer)))
		m = NULL;
	/* A removed cwd inherited: merged when it was removed, as
	   namei.c's cwd_check tells it in the process that found it dead
	   (UNION_CWD does not say), for stat's nlink of 1 (wrap_stat.c). */
	if (merged && dead_at) {
		struct stat here = { .st_nlink = nlink };

		dead_merged = un_removed_merged(merged, &here);
	}
	if (!looked)
		real = real_getcwd(buf, sizeof(buf)) ? buf : NULL;
	if (!merged && real && un_config_find(real))
		merged = real;
	if (merged && !dead_at && real && layer < 0)
		layer = real_layer(merged, real);
	near = near_union(real);
	cwd_wbegin_raw(&w);
	if (!first || __atomic_load_n(&cwd_state, __ATOMIC_ACQUIRE) !=
		      CWD_TAKEN) {
		cwd_store(cwd_real, real);
		__atomic_store_n(&cwd_near, near, __ATOMIC_RELAXED);
		if (merged) {
			cwd_merged_store(merged);
			cwd_dead_at = dead_at;
			cwd_dead_merged = dead_merged;
			cwd_layer = layer;	/* -1: unknown, full paths */
		}
		if (__atomic_load_n(&cwd_state, __ATOMIC_RELAXED) ==
		    CWD_ARMED)
			__atomic_store_n(&cwd_state, CWD_TAKEN,
					 __ATOMIC_RELEASE);
		/* An inherited cwd in the upper, found not deleted by the
		   stat after the stamp's read, is what namei.c's cwd_check
		   would find at that stamp with the same stat: seen alive
		   (a lower's copy still needs its walk there). */
		saw = m && m->wt && layer == 0 && nlink > 0;
	}
	cwd_wend(&w);
	if (saw)
		un_cwd_saw(m, stamp, w.seq0 + 2);
}

/*
 * In a writer's section, after the real cwd moved outside every merged
 * directory the caller knows of: read it into cwd_real and adopt what it
 * stands for (as cwd_adopt after the first look), by the system call
 * itself (glibc's getcwd may walk '..' with opendir, malloc under the
 * lock).  False when the kernel could not say (deeper than a page, or
 * removed): cwd_real is then empty, and the caller looks with
 * cwd_adopt once the section is over.
 */
static bool cwd_reread(void)
{
	int saved = errno;
	long n = real_syscall(SYS_getcwd, cwd_real, sizeof(cwd_real));
	bool got = n > 0 && cwd_real[0] == '/';
	const char *real = got ? cwd_real : NULL;

	errno = saved;
	if (!got)
		cwd_real[0] = '\0';
	__atomic_store_n(&cwd_near, near_union(real), __ATOMIC_RELAXED);
	cwd_merged_store(real && un_config_find(real) ? real : NULL);
	cwd_layer = cwd_merged[0] ? real_layer(cwd_merged, cwd_real) : -1;
	cwd_dead_at = 0;
	cwd_dead_merged = false;
	return got;
}

int un_cwd_chdir(const char *kpath, int fd, const struct un_cwd_to *to,
		 const unsigned long *seq)
{
	static const struct un_cwd_to none = { NULL, -1, 0, false };
	struct cwd_wsect w;
	int saved = errno, rc, err;
	bool known = true;

	if (to->vpath && (strlen(to->vpath) >= UN_VPATH_MAX ||
			  to->dead_at > strlen(to->vpath)))
		to = &none;	/* (not one the buffers can hold) */
	cwd_need();
	cwd_wlock(&w);
	cwd_drain();	/* the relative calls in flight first (see Pins) */
	cwd_wodd(&w);
	cwd_undrain();
	if (seq && w.seq0 != *seq) {
		cwd_wend_at(&w, w.seq0);
		errno = saved;
		return 1;	/* moved since the caller looked */
	}
	rc = kpath ? real_chdir(kpath) : real_fchdir(fd);
	if (rc < 0) {
		err = errno;
		cwd_wend_at(&w, w.seq0);	/* the kernel moved nothing */
		errno = err;
		return -1;
	}
	if (!to->vpath) {
		known = cwd_reread();
	} else {
		cwd_merged_store(to->vpath);
		cwd_dead_at = to->dead_at;
		cwd_dead_merged = to->dead_at && to->dead_merged;
		cwd_layer = to->dead_at ? -1 : to->layer;
	}
	cwd_wend(&w);
	if (!known)
		cwd_adopt(false);
	errno = saved;
	return 0;
}

/*
 * Re-read the real cwd after a chdir we did not translate (the first
 * call also adopts the merged cwd: see cwd_adopt).
 */
void un_cwd_refresh(void)
{
	static bool started;
	bool first;

	if (cwd_need())
		return;		/* that was the first look */
	first = !started && __atomic_load_n(&cwd_state, __ATOMIC_ACQUIRE) ==
			    CWD_NONE;
	started = true;
	cwd_adopt(first);
}

/* A child of fork must not inherit a held lock.  A handler that runs
   meanwhile reads without it (the buffers do not change under fork).
   Called by init.c's fork handlers, only when a lock may be held. */
void un_fork_cwd_prepare(void)
{
	pthread_mutex_lock(&cwd_lock);
	cwd_held++;
}

void un_fork_cwd_parent(void)
{
	cwd_held--;
	pthread_mutex_unlock(&cwd_lock);
}

/* In every fork child (init.c's handler, whether or not a lock was
   held): the table is now this process's own.  A shell's child that
   closed its descriptors with closefrom would otherwise keep its
   parent's entries for them, taken for a vfork child's.  (x86-64: a
   fork child is no vfork child, whatever flag its thread inherited from
   a parent that vforked and has not tested it since.) */
UN_EXEC_TEXT void un_fd_forked(void)
{
#if defined(__x86_64__)
	if (un_vforked())
		un_vforked_clear();
#else
	if (__atomic_load_n(&table_pid, __ATOMIC_RELAXED))
		__atomic_store_n(&table_pid, getpid(), __ATOMIC_RELAXED);
#endif
}

void un_fork_cwd_child(void)
{
	/* Only this thread goes on, and it was reading no entry. */
	__atomic_store_n(&readers, 0, __ATOMIC_SEQ_CST);
	/* (A move another thread had under way never ends here.) */
	__atomic_store_n(&fd_moves_done, fd_moves, __ATOMIC_SEQ_CST);
	/* (Nor a repoint: its numbers are free here.) */
	for (int h = 0; h < REPOINT_HOLDS; h++)
		if (h + 1 != repoint_held_here)
			__atomic_store_n(&repoint_held[h], 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&repoint_holds, repoint_held_here ? 1 : 0,
			 __ATOMIC_SEQ_CST);
	cwd_held--;
	pthread_mutex_init(&cwd_lock, NULL);
}
