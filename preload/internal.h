/*
 * internal.h - the map of libunion's rooms.
 *
 * One section per file, in the order a call travels through them:
 *
 *   real.c      pointers to the real libc functions (from syms.def)
 *   init.c      lazy, once-only start-up; fork handling; the guard that
 *               sends libc's own nested calls straight through
 *   config.c    UNION_LAYERS: parsing and the mount table
 *   whiteout.c  the whiteout table UPPER/.union/whiteouts (its rooms,
 *               wt_*.c, share wtable.h: the map, the files, the
 *               signal-safe view, the system calls; its record format
 *               is include/union_format.c, shared with the tool)
 *   fdtab.c     merged paths behind descriptors, and the merged cwd
 *   namei.c     lookup of a path through the layers
 *   readdir.c   merged directory listings (the DIR streams)
 *   copy_up.c   copying an object from a lower into the upper
 *   work_sweep.c the staged copies killed processes left (its names)
 *   fifo.c      a lower's fifo opened through a stand-in, not copied up
 *   dir.c       creation, deletion and rename in the merged view
 *   exec.c      exec: program lookup, #! lines, the child's environment
 *   exec_ldpath.c a child's LD_LIBRARY_PATH and LD_PRELOAD: merged dirs
 *               and files as their copies in the layers
 *   walk.c      glibc's internal walkers redone over the merged view
 *   wrap_*.c    the exported wrappers, grouped by family
 *               (wrap_syscall.c: libc's syscall() with a path-taking
 *               number, answered by the named wrapper; wrap_cred.c:
 *               the set*id, setfs*id and namespace calls, for the
 *               caches of the credentials: init.c, copy_up.c)
 *   dents.c     getdents64 by syscall(): the union's listing
 *   watch*.c    file watching (inotify, fanotify) over the layers:
 *               watch.h (wrap_watch.c the wrappers)
 *   newsys.h    newer libc functions made by syscall() (fewer libc
 *               versions for the loader to check)
 *
 * Conventions: internal functions return 0 (or a count) on success and
 * -errno on failure; only the exported wrappers touch errno, once, at the
 * edge.  Everything here is hidden; only syms.def rows are exported.
 */
#ifndef UN_INTERNAL_H
#define UN_INTERNAL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define UN_HIDDEN __attribute__((visibility("hidden")))
#define UN_EXPORT __attribute__((visibility("default")))

#if defined(__x86_64__)
/*
 * errno without a call of libc's __errno_location: its code lay in a
 * 64 KiB window of libc's text of its own, a page fault in every
 * shell's child on its way to exec, whose wrappers (the fork handler,
 * sigaction, open, dup2, close, execve) all keep errno (bench/README.md
 * "Session 14 (exec)").  libc's errno lies in its static TLS block, at
 * one offset from the thread pointer in every thread: learnt at the
 * first use (init.c), which a fork's child inherits.
 */
UN_HIDDEN extern long un_errno_off;
UN_HIDDEN int *un_errno_learn(void);

static inline __attribute__((always_inline)) int *un_errno_at(void)
{
	long off = __atomic_load_n(&un_errno_off, __ATOMIC_RELAXED);

	if (__builtin_expect(off == 0, 0))
		return un_errno_learn();
	return (int *)((char *)__builtin_thread_pointer() + off);
}
#undef errno
#define errno (*un_errno_at())
#endif

/*
 * The code of an exec's way, kept together at the head of .text (the
 * linker puts .text.hot.* there, after .init and .plt): a shell's forked
 * child on its way to exec (the fork wrapper's return, the fork
 * handler, sigaction, execve, the program's check, UNION_CWD) and a new
 * process's start-up (the constructor, the parse, the real functions'
 * first lookup).  A fork copies no page-table entry of a file's code,
 * so each 64 KiB of code a child first runs is a page fault there (the
 * kernel maps the pages around the one that faulted, up to 64 KiB):
 * spread over .text (exec.c, wrap_signal.c and init.c lie 100-200 KiB
 * apart) these functions cost a shell's every child three; together,
 * one (bench/README.md, "Session 10 (exec)").
 */
#define UN_EXEC_TEXT __attribute__((section(".text.hot.libunion_exec")))
/* The constants that code reads (string literals put in arrays): in
   .text's window too, not in .rodata's (one page fault more a child). */
#define UN_EXEC_RODATA __attribute__((section(".text.hot.libunion_exec_ro")))

/* The name of the reserved directory at the top of every upper. */
#define UN_META_DIR ".union"

/*
 * The lower file an upper regular file was copied from: its st_dev and
 * st_ino, recorded by the copy-up (copy_up.c stage) in this xattr of the
 * copy, as the kernel records trusted.overlay.origin.  A descriptor
 * still open on a lower file changes the upper file at its name only
 * when that is its file's copy (wrap_fd.c fd_copy_of), never another
 * file renamed over the name.  Hidden from the merged view and never
 * copied, as trusted.overlay.* (wrap_xattr.c private names).
 */
#define UN_ORIGIN_XATTR "user.libunion.origin"
struct un_origin {
	uint64_t dev, ino;
};

/*
 * The mark of a directory's copy-up copy from its staging until the
 * copy-up has looked at the table after its rename (copy_up.c
 * copy_one): one left beside a whiteout record of its name is a copy
 * that a kill stopped before its back-out (un_copy_left).  Private as
 * UN_ORIGIN_XATTR.
 */
#define UN_STAGED_XATTR "user.libunion.staged"

/* At most this many lowers in one mount (layers are kept in a bitmask). */
#define UN_MAX_LOWERS 62

/*
 * The longest merged path (and path in a layer) the library holds, with
 * its NUL (issue 11, item 9).  The kernel takes a path argument of at
 * most PATH_MAX bytes but holds a cwd or a descriptor at any depth: a
 * tree made by mkdir and chdir one level at a time goes past PATH_MAX.
 * The lookup, the merged cwd and the descriptors' paths keep up to this
 * many bytes; a layer path of PATH_MAX or more is handed to the kernel
 * relative to the real cwd (un_kreal).  Twice PATH_MAX: every lookup
 * holds a few of these on the stack.
 */
#define UN_VPATH_MAX (2 * PATH_MAX)

/* ------------------------------------------------------------------ */
/* real.c: the real libc functions, one pointer per syms.def row.      */

#include "real.h"

/* At start (the constructor): the rows whose absence the wrappers test,
   and elsewhere than x86-64 every row (real.c: the others are found
   when first called). */
UN_HIDDEN void un_real_early(void);
/* At the first wrapper: check the walk against dlsym (real.c). */
UN_HIDDEN void un_real_late(void);
/* Before a fork: find the real functions a child calls to exec. */
UN_HIDDEN void un_real_fork(void);
/* exec.c: before a fork (init.c's wrapper), what the children's execs
   can take from the parent (the real cwd's identity for UNION_CWD). */
UN_HIDDEN void un_exec_fork(void);
/* The same before a vfork (wrap_vfork.c's un_vfork_note): errno kept. */
UN_HIDDEN void un_exec_vfork(void);

/* nextsym.c: what dlsym(RTLD_NEXT, name) would answer, cheaply; NULL
   when unsure (then ask dlsym).  un_nextsym_init() first (real.c does it
   at the first lookup), un_nextsym_check() before trusting it for good
   (it asks dlsym: not from a signal handler). */
UN_HIDDEN void un_nextsym_init(void);
UN_HIDDEN void un_nextsym_check(void);
UN_HIDDEN void *un_nextsym(const char *name);
/* The path libunion.so was loaded from, when absolute (else NULL); after
   un_nextsym_init(). */
UN_HIDDEN const char *un_nextsym_self(void);
UN_HIDDEN const char *un_nextsym_self_given(void);
/* Is the walk on for this process (else un_nextsym answers NULL)? */
UN_HIDDEN bool un_nextsym_usable(void);

/* ------------------------------------------------------------------ */
/* init.c                                                               */

/* Make sure the library is initialised (idempotent, thread safe). */
UN_HIDDEN void un_init(void);

/* True when the union is active (UNION_LAYERS set and valid). */
UN_HIDDEN extern bool un_active;

/*
 * The whiteout tables are opened at the first lookup in a union, not at
 * start (init.c): un_config_match and un_config_find call
 * un_tables_need() before they answer with a mount.  NONE: nothing to
 * open (no upper, or no union: the unit tests open their own).
 */
enum { UN_TABLES_NONE, UN_TABLES_ARMED, UN_TABLES_OPENING, UN_TABLES_OPEN };
UN_HIDDEN extern int un_tables_state;
UN_HIDDEN void un_tables_open(void);

static inline void un_tables_need(void)
{
	int state = __atomic_load_n(&un_tables_state, __ATOMIC_ACQUIRE);

	if (__builtin_expect(state != UN_TABLES_OPEN &&
			     state != UN_TABLES_NONE, 0))
		un_tables_open();
}

/* The ids of this process and thread, cached (init.c): right in a
   child of any fork, and in a vfork child as its parent's. */
UN_HIDDEN pid_t un_self_pid(void);
UN_HIDDEN pid_t un_self_tid(void);
/* This process's staging names' start (work_sweep.c), in init.c's page
   that a child of any fork finds zeroed (MADV_WIPEONFORK): len 0, not
   made yet (stored last); NULL without that page. */
#define UN_STAGE_PREFIX_MAX 96
struct un_stage_cache {
	uint64_t ns;		/* the PID namespace's inode; 0: unknown */
	uint32_t len;		/* of prefix */
	char prefix[UN_STAGE_PREFIX_MAX];
};
UN_HIDDEN struct un_stage_cache *un_self_stage(void);
/* The effective uid, cached (init.c); every change of it through the
   library's wrappers calls un_self_euid_changed (wrap_cred.c), with
   for_good where the uid may change later unseen, or per thread. */
UN_HIDDEN uid_t un_self_euid(void);
UN_HIDDEN void un_self_euid_changed(bool for_good);
/* wrap_cred.c: a stamp of the process's credentials, 0 while a change
   is in flight or for good once one may have gone unseen (a raw set*id,
   a user namespace).  The same stamp, not 0, read before and after a
   system call: no wrapped set*id or setfs*id reached the kernel in
   between. */
UN_HIDDEN uint64_t un_cred_stamp(void);
UN_HIDDEN void un_cred_changed_for_good(void);

/* fork: init.c's handlers call these of the other rooms, only when a
   lock of ours may be held (see init.c). */
UN_HIDDEN void un_fork_cwd_prepare(void);
UN_HIDDEN void un_fork_cwd_parent(void);
UN_HIDDEN void un_fork_cwd_child(void);
UN_HIDDEN void un_fork_dents_child(void);
UN_HIDDEN void un_fork_popen_child(void);

/*
 * The guard, and signal handlers (issue 6).
 *
 * un_depth counts how deep this thread is inside the library.  A wrapper
 * entered while it is raised is libc (or another preloaded library, or
 * an allocator) calling an exported name back from inside one of our own
 * calls -- an allocator's readlink during our init, glibc's internals,
 * popen/system, the atfork handlers -- and goes straight to the real
 * function, as it always did.
 *
 * A signal handler is told apart by how it is entered, not by guessing:
 * the sigaction family is wrapped (wrap_signal.c) and every handler the
 * program installs runs behind a trampoline that saves un_depth, sets it
 * to 0 and raises un_sigdepth for the handler's duration.  So a handler's
 * call gets the union's view even when the interrupted code is in the
 * middle of a wrapper, and it runs in "signal mode" (un_in_signal()):
 *
 *  - no malloc or free: the interrupted code may be inside malloc (glibc's
 *    is not async-signal-safe), whether or not it is inside the library.
 *    Buffers come from the stack or un_sig_alloc (mmap); an fd record that
 *    would need one is left empty (fdtab discovers it through
 *    /proc/self/fd on demand) and a dropped one is freed later.
 *  - never wait for a lock this thread may hold: the whiteout maps are
 *    used only when current and a try-lock succeeds, else the table file
 *    is scanned (whiteout.c); the per-thread directory cache is not used
 *    (dcache.c); the cwd is read without its lock when this thread holds
 *    it, which is safe because its writers block signals (fdtab.c).
 *  - a change takes the table's flock on a descriptor of its own and
 *    appends without touching the maps; normal writers block signals while
 *    they hold the flock, so the handler never waits for its own thread.
 *
 * The hot path pays one more thread-local load and no system call;
 * signals are blocked only around rare sections (a table write, a cwd
 * change).  Handlers installed behind the library's back (a raw
 * rt_sigaction) keep the old behaviour: straight to libc while the thread
 * is inside the library.
 */
UN_HIDDEN extern __thread int un_depth;
UN_HIDDEN extern __thread int un_sigdepth;

/* A handler running through the trampoline has left by a longjmp when
   the stack is above the trampoline's frame again (see wrap_signal.c). */
UN_HIDDEN void un_sig_check_left(void);

static inline bool un_in_signal(void)
{
	return un_sigdepth > 0;
}

static inline bool un_enter(void)
{
	if (un_depth > 0)
		return false;
	if (__builtin_expect(un_sigdepth > 0, 0))
		un_sig_check_left();
	if (__builtin_expect(un_sigdepth > 0, 0)) {
		/* No pthread_once in a handler: its own thread may be in
		   init_once.  un_active is set only at the end of it. */
		if (!__atomic_load_n(&un_active, __ATOMIC_ACQUIRE))
			return false;
	} else {
		un_init();
		if (!un_active)
			return false;
	}
	un_depth++;
	return true;
}

/*
 * A relative path handed to the kernel from the real cwd, in a process
 * with threads, holds the cwd where it is until the wrapper's un_leave:
 * un_cwd_pinned is this thread's pin (un_sigdepth + 1 of the level that
 * took it, or 0), and un_cwd_chdir waits for every pin to end before it
 * moves the real cwd (fdtab.c, "Pins").  Else a call decided outside
 * every union could land in a lower's copy of the merged directory
 * another thread's chdir has just entered.
 */
UN_HIDDEN extern __thread int un_cwd_pinned;
UN_HIDDEN void un_cwd_unpin(void);
/* A handler begins (in) or ends in a thread that holds a pin (called by
   wrap_signal.c's trampoline when un_cwd_pinned): a chdir waits on for
   it, as for a thread that has not entered its call (fdtab.c). */
UN_HIDDEN void un_cwd_pin_handler(bool in);

static inline void un_leave(void)
{
	if (__builtin_expect(un_cwd_pinned != 0, 0))
		un_cwd_unpin();
	un_depth--;
}

/* Block every signal (a rare section that must not be interrupted by a
   handler that could call the library); *old keeps the mask to restore. */
#include <signal.h>
UN_HIDDEN void un_sig_block(sigset_t *old);
UN_HIDDEN void un_sig_restore(const sigset_t *old);

/* The same without a system call where it can (wrap_signal.c): the
   program's handlers are held back until the section ends, instead of
   every signal blocked.  For a short section that takes a lock a
   handler may want (the whiteout table's flock). */
struct un_sig_hold {
	bool blocked;		/* fell back to un_sig_block */
	sigset_t mask;
};
UN_HIDDEN void un_sig_hold(struct un_sig_hold *h);
UN_HIDDEN void un_sig_unhold(struct un_sig_hold *h);

/* Memory that is safe to take in signal mode too (malloc otherwise). */
UN_HIDDEN void *un_sig_alloc(size_t len);
UN_HIDDEN void un_sig_free(void *p, size_t len);

/* The absolute path of libunion.so itself (for LD_PRELOAD in children). */
UN_HIDDEN extern const char *un_self_path;
/* The relative LD_PRELOAD name un_self_path was made whole from, or NULL. */
UN_HIDDEN extern const char *un_self_given;
/* UNION_LAYERS and LD_PRELOAD as this process got them (passed on to
   children whose environment lost them). */
UN_HIDDEN extern const char *un_layers_value;
UN_HIDDEN extern const char *un_preload_value;

/* Which of the variables the library reads an environment entry
   ("NAME=value") is (init.c; by hand, no libc call: the constructor
   reads the environment with it, exec.c every entry a child gets).  Most entries leave at their first byte. */
enum un_env_var { UN_ENV_OTHER, UN_ENV_PRELOAD, UN_ENV_LAYERS, UN_ENV_CWD,
		  UN_ENV_OCI, UN_ENV_LDPATH, UN_ENV_LDPATH_SAVED,
		  UN_ENV_PRELOAD_SAVED };
UN_HIDDEN enum un_env_var un_env_var(const char *entry);

/* exec_ldpath.c: LD_LIBRARY_PATH's merged directories for a child's
   loader (UN_ENV_LDPATH: LD_LIBRARY_PATH, UN_ENV_LDPATH_SAVED:
   UNION_LD_LIBRARY_PATH, the value the program set), and LD_PRELOAD's
   merged files (UN_ENV_PRELOAD_SAVED: UNION_LD_PRELOAD).  build: the two
   entries at buf (room bytes); returns the bytes they take, 0 when the
   value names no union (the entry goes as it is), more than room when
   they did not fit (buf NULL, room 0: sizes).  restore (the
   constructor): *ld gets the saved value back, *saved leaves environ
   (the entries after it move down by one). */
UN_HIDDEN size_t un_ldpath_build(const char *value, char *buf, size_t room,
				 char **ld, char **saved);
UN_HIDDEN size_t un_ldpreload_build(const char *value, char *buf,
				    size_t room, char **ld, char **saved);
UN_HIDDEN void un_ldpath_restore(char **ld, char **saved);

/* ------------------------------------------------------------------ */
/* config.c                                                             */

struct un_wtable;

struct un_mount {
	char *merged;		/* absolute, normalised, no trailing slash */
	size_t merged_len;
	char *upper;		/* NULL: a read-only union */
	size_t upper_len;
	int nlower;
	char *lower[UN_MAX_LOWERS];
	size_t lower_len[UN_MAX_LOWERS];
	size_t root_max;	/* the longest of upper_len and lower_len */
	bool has_inner;		/* another MERGED lies below this one: a
				   walk inside must look for its root */
	struct un_wtable *wt;	/* whiteout table; NULL when read-only */
	/* Each layer's root (0 the upper, i lower i): its st_dev from the
	   start's check (config.c; 0: unknown), and what its file system
	   promises of getdents64 (readdir.c layer_fs; 0: not asked yet). */
	dev_t layer_dev[UN_MAX_LOWERS + 1];
	unsigned char layer_fs[UN_MAX_LOWERS + 1];
	/* UPPER/.union/work swept by this image (work_sweep.c): once, at
	   its first copy-up; a fork's child keeps it. */
	bool work_swept;
};

struct un_config {
	int nmount;
	struct un_mount *mount;
	bool oci_lowers;	/* UNION_OCI_LOWERS=1: lowers are extracted OCI
				   layers (.wh.NAME, .wh..wh..opq) */
	bool inplace;		/* a MERGED is, or lies in, a layer's own
				   directory (an in-place union): a path
				   outside may lead into it on disk
				   (outside_inplace.c) */
	void *arena;		/* one mapping holds the mounts and paths */
	size_t arena_len;
	char *arena_next;	/* its free part (un_config_alloc) */
};

/* The OCI whiteout prefix and opaque marker (image-spec, layer.md). */
#define UN_OCI_WH ".wh."
#define UN_OCI_OPQ ".wh..wh..opq"

UN_HIDDEN extern struct un_config un_config;

/*
 * Parse a UNION_LAYERS value into cfg.  On error returns -1 and writes a
 * one-line reason (without the "libunion: UNION_LAYERS: " prefix) into
 * err.  check_dirs: also check that every layer exists (creating a
 * missing upper).
 */
UN_HIDDEN int un_config_parse(const char *value, struct un_config *cfg,
			      bool check_dirs, char *err, size_t errlen);
UN_HIDDEN void un_config_release(struct un_config *cfg);
/* size bytes (16-aligned, zeroed, freed with cfg) from the spare room of
   cfg's mapping, or NULL when it is full: never malloc (see init.c). */
UN_HIDDEN void *un_config_alloc(struct un_config *cfg, size_t size);

/*
 * The mount whose MERGED is the longest prefix of the absolute path
 * (on a component boundary), or NULL.
 */
UN_HIDDEN struct un_mount *un_config_find(const char *abspath);
/* The same, also telling how many bytes of abspath the MERGED prefix
   takes (repeated slashes and '.' components are allowed in abspath). */
UN_HIDDEN struct un_mount *un_config_match(const char *abspath,
					   size_t *consumed);
/* Is the absolute path a proper ancestor of a MERGED, component by
   component (repeated slashes and '.' allowed; a '..' never matches)? */
UN_HIDDEN bool un_config_is_ancestor(const char *abspath);
/* Normalise an absolute path in place (repeated slashes, '.', a trailing
   slash); -1 when it is not absolute or names '..'. */
UN_HIDDEN int un_path_normalise(char *p);

/* The decimal number of digits only at *s: its value in *v and *s past
   it, or false (no digit, or more than 64 bits) with *s unmoved.  By
   hand, not strtoull: a libc function bound lazily for this alone costs
   ~1,100 instructions of ld.so (work_sweep.c's staging names,
   proc_fds.c's /proc/PID/fd/N). */
static inline bool un_dec_prefix(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*v = n;
	*s = p;
	return true;
}

/* Layer i of a mount: 0 is the upper (may be NULL), 1..nlower the lowers. */
static inline const char *un_layer_root(const struct un_mount *m, int i)
{
	return i == 0 ? m->upper : m->lower[i - 1];
}

static inline size_t un_layer_len(const struct un_mount *m, int i)
{
	return i == 0 ? m->upper_len : m->lower_len[i - 1];
}

/* ------------------------------------------------------------------ */
/* whiteout.c: the table of deleted names and opaque directories.      */

enum un_wkind {
	UN_W_NONE = 0,
	UN_W_WHITEOUT = 'w',	/* the name is deleted from the merged view */
	UN_W_OPAQUE = 'o',	/* the directory hides everything below it */
};

/* Open (creating if needed) the table of an upper. */
UN_HIDDEN int un_wtable_open(const char *upper, struct un_wtable **out);
/* The same with the handle in mem (un_wtable_mem_size(upper) zeroed
   bytes, 16-aligned, left to the caller to free), or in a mapping of
   its own when mem is NULL. */
UN_HIDDEN size_t un_wtable_mem_size(const char *upper);
UN_HIDDEN int un_wtable_open_mem(const char *upper, void *mem,
				 struct un_wtable **out);
UN_HIDDEN void un_wtable_release(struct un_wtable *wt);

/*
 * What the table says of rel (a path relative to the union's root, no
 * leading slash, "" for the root).  Cheap: no system call unless another
 * process changed the table since the last look.
 */
UN_HIDDEN enum un_wkind un_wtable_get(struct un_wtable *wt, const char *rel,
				      size_t rel_len);

/*
 * True when the table holds no record at the generation the lock file
 * announces now: un_wtable_get would answer UN_W_NONE for any path.  As
 * current as un_wtable_get (another process's change raises the
 * generation first): a caller may skip building the key of each name of
 * a listing.  Two loads, no lock, safe in a signal handler.
 */
UN_HIDDEN bool un_wtable_empty(struct un_wtable *wt);

/*
 * Does the table hide rel now: a whiteout of rel, or any record of one of
 * its ancestors (a whiteout, or an opaque directory)?  For a directory's
 * copy-up just renamed into place (copy_up.c copy_hidden): one read lock
 * for every component; two loads when the table is empty.
 */
UN_HIDDEN bool un_wtable_hides(struct un_wtable *wt, const char *rel,
			       size_t rel_len);

/* True when some record lies strictly below rel (rel/...).  A walk of
   the whole table: for the unit tests, not for a lookup. */
UN_HIDDEN bool un_wtable_has_below(struct un_wtable *wt, const char *rel,
				   size_t rel_len);

/* Record kind for rel (UN_W_NONE removes any record).  Durable on return. */
UN_HIDDEN int un_wtable_set(struct un_wtable *wt, const char *rel,
			    enum un_wkind kind);

/* Remove every record strictly below rel (after rmdir of rel). */
UN_HIDDEN int un_wtable_clear_below(struct un_wtable *wt, const char *rel);

/* A stamp that changes whenever any process changes the table or a
   directory of the upper (see dcache.c); and the bump for the latter. */
UN_HIDDEN uint64_t un_wtable_stamp(struct un_wtable *wt);
UN_HIDDEN void un_wtable_bump_dirs(struct un_wtable *wt);
UN_HIDDEN bool un_wtable_bump_dirs_own(struct un_wtable *wt, uint64_t *before,
				       uint64_t *after);
/* A counter of the names any process made in the upper, and its bump. */
UN_HIDDEN uint64_t un_wtable_names(struct un_wtable *wt);
/* Both in one call (un_wtable_stamp's answer; the names count into
   *names), and *empty: the table known empty at that moment
   (un_wtable_empty's answer). */
UN_HIDDEN uint64_t un_wtable_stamps(struct un_wtable *wt, uint64_t *names,
				    bool *empty);
UN_HIDDEN void un_wtable_bump_names(struct un_wtable *wt);
UN_HIDDEN uint64_t un_wtable_bump_names_own(struct un_wtable *wt);
/* A counter of the renames and exchanges of directories of the upper by
   any process (un_wtable_moves), and one of those and of their removals
   (rmdir) too (un_wtable_places: a descriptor's directory may have moved
   or gone).  The bumps (after the change: moves raises both, removes the
   second) answer the count of places after them (0 without a table). */
UN_HIDDEN uint64_t un_wtable_moves(struct un_wtable *wt);
UN_HIDDEN uint64_t un_wtable_places(struct un_wtable *wt);
UN_HIDDEN uint64_t un_wtable_bump_moves(struct un_wtable *wt);
UN_HIDDEN uint64_t un_wtable_bump_removes(struct un_wtable *wt);

/* fork handlers: no lock held by another thread reaches the child. */
UN_HIDDEN void un_wtable_fork_prepare(struct un_wtable *wt);
UN_HIDDEN void un_wtable_fork_parent(struct un_wtable *wt);
UN_HIDDEN void un_wtable_fork_child(struct un_wtable *wt);

/*
 * The tables' own descriptors, for wrap_fd.c (a program that closes
 * every descriptor or dup2s over ours must not take them from us):
 * is fd one of them (checked by identity, not only by number); the
 * list of them (at most max, returns the count); and, before the
 * program takes the number fd, move ours away from it.
 */
UN_HIDDEN bool un_wtable_owns_fd(int fd);
UN_HIDDEN int un_wtable_fds(int *fds, int max);
UN_HIDDEN void un_wtable_vacate_fd(int fd);

/* ------------------------------------------------------------------ */
/* fdtab.c: merged paths behind descriptors; the merged cwd.           */

/*
 * Remember that fd was opened on the merged path vpath (NULL forgets).
 * merged_dir: the object is a directory merged from several layers.
 */
UN_HIDDEN void un_fd_set(int fd, const char *vpath, bool merged_dir);
/* The same for the object a lookup found (an open's): its union m
   (n->mnt, un_config_find's answer for vpath: kept as the hint
   un_fd_get_walk would find), and for a directory the layer whose copy
   fd is open on (un_fd_mark_layer's; -1: none). */
UN_HIDDEN void un_fd_set_at(int fd, const char *vpath, bool merged_dir,
			    struct un_mount *m, int layer);
/* Copy the merged path of fd into buf; 0, or -ENOENT when fd has none,
   -EBADF when it is not open, -ESTALE (buf filled) when its directory
   was removed from the merged view since. */
UN_HIDDEN int un_fd_get(int fd, char *buf, size_t len, bool *merged_dir);
UN_HIDDEN void un_fd_forget(int fd);
/* close(fd) in two steps: before the real close, fd's record goes (a
   number being closed is looked up unrecorded; the mark returned, NULL
   when there was no record); after it, with that mark, the number is
   left unknown unless an open since (another thread's) recorded it. */
UN_HIDDEN void *un_fd_closing(int fd);
UN_HIDDEN void un_fd_closed(void *mark);
/* The same for a dup2 onto fd, a recorded number: its record is kept
   (into *kept) until the call answers, then dropped when replaced, else
   put back (the number unchanged: EBADF).  errno kept. */
UN_HIDDEN void *un_fd_replacing(int fd, void **kept);
UN_HIDDEN void un_fd_replaced(void *mark, void *kept, bool replaced);
/* The library's own descriptor fd (cwdfd.c's, fifo.c's held ones)
   closed, as close's two steps: a record fdtab.c discovered of the
   number (the program's fstat or readlink of it) goes with it, else the
   number's next holder (a pipe) would stand for that record's merged
   path (integration/cwdfd-number-reused, fifo-held-number-reused).
   errno kept. */
UN_HIDDEN void un_fd_close_own(int fd);
/* fd was opened on an object of the upper (and so stays there). */
UN_HIDDEN void un_fd_mark_upper(int fd);
UN_HIDDEN bool un_fd_in_upper(int fd);
/* fd is read by a streamed directory stream (readdir.c): a copy-up of
   its directory must not re-point it under the stream's position. */
UN_HIDDEN void un_fd_mark_stream(int fd);
UN_HIDDEN bool un_fd_is_stream(int fd);
/* A stream given up before it was returned (readdir.c fdopendir). */
UN_HIDDEN void un_fd_unmark_stream(int fd);
/* fd was opened on a lower fifo through its stand-in (fifo.c). */
UN_HIDDEN void un_fd_mark_fifo(int fd);
UN_HIDDEN bool un_fd_is_fifo(int fd);
/* fd's directory turned merged by a copy-up while fd stood away from
   offset 0: overlayfs looks again at whether a directory is merged only
   at position 0 (an lseek or a listing there: ovl_dir_reset), so its
   file answers as the one layer's until then.  un_fd_at_zero: fd stands
   at 0 in an lseek or a listing, and answers as merged from now on. */
UN_HIDDEN void un_fd_mark_one_layer(int fd);
UN_HIDDEN bool un_fd_is_one_layer(int fd);
UN_HIDDEN void un_fd_at_zero(int fd);
/* Record the layer whose copy of its directory fd is open on (after an
   open of a directory); un_fd_get_at answers it with the merged path
   (-1: unknown, or fd not a live directory of a union); and, when it
   answers -ESTALE, into *dead_at (when not NULL) the length of the
   prefix of the path that names the outermost directory removed: '..'
   from there leads back to the live parent of that one. */
UN_HIDDEN void un_fd_mark_layer(int fd, int layer);
/* The lower whose copy of its directory fd stood on before a copy-up
   moved it onto the upper's (un_fd_moving's); -1: none, or unknown (a
   rename moved its path since). */
UN_HIDDEN int un_fd_was_lower(int fd);
/* A copy-up is about to move fd, a directory's descriptor, from a
   lower's copy onto the upper's (copy_up.c repoint_fd): its layer -1
   (unknown) and the count of moves begun (un_fd_moves) one more;
   returns the old layer, was.  un_fd_moved ends it: moved, fd's layer 0
   and its was_lower was when a lower's; else its layer was again. */
UN_HIDDEN int un_fd_moving(int fd);
UN_HIDDEN void un_fd_moved(int fd, int was, bool moved);
/* The count of moves begun, every thread's; un_fd_moves_quiet: none
   begun since that count, none under way; un_fd_moves_wait: until none
   is under way (bounded).  A reader that used a descriptor as its
   layer's copy looks again when they moved meanwhile (fdtab.c, Moves). */
UN_HIDDEN unsigned long un_fd_moves(void);
/* How many times such a reader looks again at most: a process that
   moves descriptors without end keeps the last answer. */
#define UN_MOVES_ROUNDS 8
UN_HIDDEN bool un_fd_moves_quiet(unsigned long since);
UN_HIDDEN void un_fd_moves_wait(void);
/* A copy-up holds fd while it looks at it and moves it onto the copy
   (copy_up.c repoint_fd): a close of fd, or a dup2 onto it, waits
   (bounded) until un_fd_repoint_release, so that the move never lands
   on another open's number (fdtab.c, Repoints).  Returns the hold, or
   -1: fd is being closed, has no record, or no hold is free (no move
   then). */
UN_HIDDEN int un_fd_repoint_hold(int fd);
UN_HIDDEN void un_fd_repoint_release(int hold);
/* fd, open on the very copy of the directory that from stands on (an
   openat(from, ".")): from's was_lower, and its layer the upper's (the
   kernel's file of the same dentry lists the same layers). */
UN_HIDDEN void un_fd_was_lower_from(int fd, int from);
UN_HIDDEN int un_fd_get_at(int fd, char *buf, size_t len, int *layer,
			   size_t *dead_at);
/* The layers of a descriptor's directory (mask) and of its parent
   (pmask), as a lookup from it found them while the union's stamp
   (un_dcache_stamp) was stamp; set: any kept. */
struct un_fd_masks {
	uint64_t mask, pmask, stamp;
	bool set;
	size_t vlen;		/* un_fd_get_walk: the path's length */
	/* The union's count of directory moves and removals
	   (un_wtable_places) read before the descriptor was last found
	   where its path says (namei.c settle_fd), or at its open
	   (un_fd_set_at); 0 unknown.  Kept with the layers, answered when
	   they are not set too. */
	uint64_t moves;
};
/* The same, and a hint of buf's union in *m (un_config_find(buf) when
   last asked: kept with the descriptor; a walk checks it), and into *k
   (when not NULL) the layers kept with it (un_fd_masks_put: namei.c's
   walk_start, valid while the stamp is). */
UN_HIDDEN int un_fd_get_walk(int fd, char *buf, size_t len, int *layer,
			     size_t *dead_at, struct un_mount **m,
			     struct un_fd_masks *k);
UN_HIDDEN void un_fd_masks_put(int fd, const struct un_fd_masks *k);
/* un_fd_get_walk's answer for namei.c's lookup_fd_near alone: 0 only
   for a live entry in a union (its hint *m set as un_fd_get_walk sets
   it), its layers in *k (k->set: kept); -1 for anything else, which
   the walk answers (no discovery). */
UN_HIDDEN int un_fd_get_kept(int fd, char *buf, size_t len, int *layer,
			     struct un_mount **m, struct un_fd_masks *k);
/* fd is known to lie outside every union, with no MERGED below it
   (and the same recorded, for a descriptor opened relative to one).
   The first test of every wrapper given a descriptor (find's fstatat
   of every name): inline for the table's first chunk, the numbers
   below 1,024 (fdtab.c's chunk0), a load and a compare; the call was
   ~14 instructions (bench/README.md "Session 19 (outside19)"). */
struct fd_entry;
#define UN_FD_CHUNK0 1024u
UN_HIDDEN extern struct fd_entry *un_fd_chunk0[UN_FD_CHUNK0];
UN_HIDDEN extern struct fd_entry un_fd_outside;
UN_HIDDEN bool un_fd_far_high(int fd);
static inline bool un_fd_far(int fd)
{
	if ((unsigned)fd < UN_FD_CHUNK0)
		return __atomic_load_n(&un_fd_chunk0[fd], __ATOMIC_ACQUIRE) ==
		       &un_fd_outside;
	return un_fd_far_high(fd);
}
UN_HIDDEN void un_fd_set_far(int fd);
/* fd was opened outside every union on path (relative to dirfd): it is
   remembered as near (a directory some MERGED lies below, from which a
   relative lookup may enter a union) or as outside. */
UN_HIDDEN void un_fd_opened_outside(int fd, int dirfd, const char *path);
/* The real path of a near directory descriptor: 0, else -ENOENT (or
   -ENAMETOOLONG). */
UN_HIDDEN int un_fd_near(int fd, char *buf, size_t len);
/* The real path of any descriptor, from /proc/self/fd: 0, -EBADF when it
   is not open, -ENOENT when it has no path. */
UN_HIDDEN int un_fd_real(int fd, char *real, size_t size);
/* fd_deep.c: fd's real path by its '..'s (deeper than a page). */
UN_HIDDEN int un_fd_real_deep(int fd, char *real, size_t size);
UN_HIDDEN void un_fd_dup(int oldfd, int newfd);
/* un_fd_dup for an oldfd the table knows (an entry, or known outside),
   with no lookup: false (nothing done) when it has none yet. */
UN_HIDDEN bool un_fd_dup_known(int oldfd, int newfd);
/* A directory was renamed from old to new (merged paths): the
   descriptors and the cwd at or below it follow.  Two names were
   exchanged: the same both ways.  A directory was removed: descriptors
   on it and a cwd in it are dead (-ESTALE from un_fd_get/un_cwd_get);
   merged: it was merged from several layers then (fstat's nlink). */
UN_HIDDEN void un_fd_renamed(const char *old, const char *new);
UN_HIDDEN void un_fd_exchanged(const char *a, const char *b);
UN_HIDDEN void un_fd_removed(const char *vpath, bool merged);
/* The directory vpath was removed (rmdir), with copy the stat of its
   upper copy when a lower held it too (else NULL).  The kernel's dentry
   keeps that copy, deleted, and a stat of it from below (a removed cwd's
   '..') shows its times; the library's real one there is the lower's.
   A few of the last are remembered, per process. */
UN_HIDDEN void un_dead_times_set(const char *vpath, const struct stat *copy);
/* The times (atime, mtime, ctime) of the upper copy of the removed
   directory vpath, that st (its real one, a live lower's) stands for:
   false when none is remembered, or st is not a live directory. */
UN_HIDDEN bool un_dead_times(const char *vpath, const struct stat *st,
			     struct timespec t[3]);
/* fd was opened on the removed directory vpath ('.' of a removed cwd or
   descriptor): dead as un_fd_removed leaves one (dead_at and merged as
   there). */
UN_HIDDEN void un_fd_set_dead(int fd, const char *vpath, size_t dead_at,
			      bool merged);
/* This is a vfork child (or another clone sharing the memory of the
   process whose table this is, with no fork handler run): its closes
   and dups before exec are not the table's (nor the fifo pairs',
   nor the inotify instances'). */
UN_HIDDEN bool un_fd_vfork_child(void);

/* cwdfd.c: O_PATH descriptors of the merged cwd's copy in the lower
   layers 1..UN_CWDFD_LAYERS, valid at the cwd's change count seq.  get:
   the descriptor, -1 (the path answers: none could be opened at this
   count), -2 (none tried yet: un_cwdfd_open, the copy's path dir).
   drop: the cwd's record changed (fdtab.c's writer section).  owns,
   fds, vacate_fd: as fifo.c's, for wrap_fd.c. */
#define UN_CWDFD_LAYERS 8
#define UN_CWDFD_CODE_BITS 24
UN_HIDDEN extern uint64_t un_cwdfd_slots[UN_CWDFD_LAYERS];
/* (Inline: it is asked at every such lookup.  A slot: the count <<
   UN_CWDFD_CODE_BITS | its code: 0 none, 1 failed, the descriptor + 2.) */
static inline __attribute__((always_inline)) int
un_cwdfd_get(unsigned long seq, int layer)
{
	const uint64_t code = ((uint64_t)1 << UN_CWDFD_CODE_BITS) - 1;
	uint64_t v;

	if ((unsigned)layer - 1 >= UN_CWDFD_LAYERS)	/* (the upper, 0: none) */
		return -1;
	v = __atomic_load_n(&un_cwdfd_slots[layer - 1], __ATOMIC_ACQUIRE);
	if ((v & ~code) != (uint64_t)seq << UN_CWDFD_CODE_BITS || !(v & code))
		return -2;
	return (int)(v & code) - 2;	/* (1, failed: -1) */
}
/* (Not yet: fewer lookups asked the layer by path at this count than
   are worth a descriptor's three calls.) */
UN_HIDDEN bool un_cwdfd_wait(unsigned long seq, int layer);
UN_HIDDEN int un_cwdfd_open(unsigned long seq, int layer, const char *dir);
UN_HIDDEN void un_cwdfd_drop(void);
UN_HIDDEN bool un_cwdfd_owns_fd(int fd);
UN_HIDDEN int un_cwdfd_fds(int *fds, int max);
UN_HIDDEN void un_cwdfd_vacate_fd(int fd);
/* wrap_vfork.c: this thread called vfork (its child, or itself once
   resumed, until un_vforked_clear). */
UN_HIDDEN bool un_vforked(void);
UN_HIDDEN void un_vforked_clear(void);
UN_HIDDEN void un_fd_forked(void);
/* x86-64's vfork wrapper, in the caller before libc's vfork: its id. */
UN_HIDDEN void un_fd_vfork_note(void);
/* Forget every descriptor from first to last (inclusive); or, as
   un_fd_closing and un_fd_closed, around a close of them all. */
UN_HIDDEN void un_fd_forget_range(unsigned first, unsigned last);
UN_HIDDEN void un_fd_closing_range(unsigned first, unsigned last);
UN_HIDDEN void un_fd_closed_range(unsigned first, unsigned last);
/* Call fn for every descriptor whose merged path is vpath. */
UN_HIDDEN void un_fd_foreach_path(const char *vpath,
				  void (*fn)(int fd, void *arg), void *arg);

/* The merged cwd: copy into buf; 0, or -ENOENT when cwd is not merged,
   -ESTALE (buf filled) when it was removed. */
UN_HIDDEN int un_cwd_get(char *buf, size_t len);
/* The same, with the layer whose copy of that directory the real cwd is
   (-1: unknown, or not a layer's), and dead_at as un_fd_get_at's. */
UN_HIDDEN int un_cwd_get_at(char *buf, size_t len, int *layer,
			    size_t *dead_at);
/* The same, with the cwd's union (un_config_find of buf, kept with the
   cwd) and buf's length, where m and np are not NULL (both read with
   buf, in one copy). */
UN_HIDDEN int un_cwd_get_walk(char *buf, size_t len, int *layer,
			      size_t *dead_at, struct un_mount **m,
			      size_t *np, unsigned long *seq);
/* un_cwd_get_at without the layer, for exec: copied without libc's
   memcpy (exec_str.h). */
UN_HIDDEN int un_cwd_get_exec(char *buf, size_t len, size_t *dead_at);
/* The room un_cwd_get_at needs for the merged cwd at this instant (its
   length and the NUL; 1 when there is none).  Another thread's chdir
   may change it before the copy, which then answers -ERANGE. */
UN_HIDDEN size_t un_cwd_room(void);
/* The cwd's change count: it moves with every change of the merged cwd
   and of the real one the library makes or follows (chdir, fchdir, a
   copy-up's repointing), which move the real cwd while it is odd (an
   even count is answered: another thread's change is waited for).  seq
   of un_cwd_get_walk: the count its copy was taken at.  A reader that
   asks the kernel relative to the real cwd (AT_FDCWD) after that copy
   knows the real cwd was the copy's own if the count is the same after
   its calls (un_lookup, with threads, looks again when it moved). */
UN_HIDDEN unsigned long un_cwd_seq(void);
/* Has the cwd changed since seq (un_cwd_get_walk's), after the caller's
   system calls?  (An odd count, a change under way, has.)  un_cwd_count
   is the count itself (fdtab.c), read here without a call. */
UN_HIDDEN extern unsigned long un_cwd_count;
static inline bool un_cwd_moved(unsigned long seq)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&un_cwd_count, __ATOMIC_ACQUIRE) != seq;
}
/*
 * chdir to kpath (fchdir to fd when kpath is NULL) and the merged cwd
 * set to *to, one change for the other threads (see un_cwd_seq).  With
 * seq, only if the count is still *seq (the caller's kpath or *to was
 * made from the cwd then: a relative path, a removed cwd's '..'), else
 * nothing is done and 1 returned (look again).  0, or -1 and errno
 * (errno kept on success).
 */
struct un_cwd_to {
	const char *vpath;	/* the merged directory; NULL: none (the real
				   cwd is read again, and adopted when it
				   lies under a MERGED on disk) */
	int layer;		/* the layer whose copy kpath is, or -1 */
	size_t dead_at;		/* removed: as un_fd_get_at's, else 0 */
	bool dead_merged;	/* removed: it was merged then (as
				   un_dead_merged answers) */
};
UN_HIDDEN int un_cwd_chdir(const char *kpath, int fd,
			   const struct un_cwd_to *to,
			   const unsigned long *seq);
/* Pin the real cwd for the rest of this wrapper's call (see
   un_cwd_pinned): true when the count is still seq (the caller's
   decision to hand the kernel a relative path holds), false when it
   moved (unpinned: decide again). */
UN_HIDDEN bool un_cwd_pin(unsigned long seq);
/* In a fork child: only this thread's pin is left. */
UN_HIDDEN void un_cwd_forked(void);
/* Set (vpath; the real cwd now stands in its copy in layer, or -1) or
   clear (NULL) the merged cwd (the unit tests: a chdir goes through
   un_cwd_chdir). */
UN_HIDDEN void un_cwd_set(const char *vpath, int layer);
/* The removed directory that dirfd (AT_FDCWD: the cwd) holds was merged
   from several layers when it was removed: the kernel's stat of it keeps
   the nlink of 1 it had (false when live, or not known). */
UN_HIDDEN bool un_dead_merged(int dirfd);
/* Was the cwd seen alive (un_cwd_check) at m's stamp, with no change of
   the cwd since (*seq: the change count now)?  Remember that it was;
   kill it (dead_at as un_fd_get_at's; merged as un_cwd_to's)
   unless it changed since seq. */
UN_HIDDEN bool un_cwd_seen(const struct un_mount *m, uint64_t stamp,
			   unsigned long *seq);
UN_HIDDEN void un_cwd_saw(const struct un_mount *m, uint64_t stamp,
			  unsigned long seq);
UN_HIDDEN void un_cwd_kill(const char *vpath, size_t dead_at,
			   unsigned long seq, bool merged);
/* The cwd, read as vpath at count seq, was renamed by another process
   (namei.c cwd_check): it takes the merged path to unless it changed
   since; true when it did. */
UN_HIDDEN bool un_cwd_follow(const char *vpath, const char *to,
			     unsigned long seq);
/* The real cwd as last seen (kept up to date by the chdir wrappers). */
UN_HIDDEN int un_cwd_real(char *buf, size_t len);
UN_HIDDEN void un_cwd_refresh(void);
/* Take the cwd (and adopt inherited, the value of UNION_CWD at start, a
   string that outlives the process's changes to its environment) at the
   first call that asks for it, from now on (init.c, when there is a
   union). */
UN_HIDDEN void un_cwd_arm(const char *inherited);
/* True when some MERGED lies below the (real, unmerged) cwd. */
UN_HIDDEN bool un_cwd_near_union(void);

/* ------------------------------------------------------------------ */
/* namei.c: lookup through the layers.                                 */

/* Flags of un_lookup. */
#define UN_LK_FOLLOW	0x1	/* follow a symlink in the last component */
#define UN_LK_EMPTY	0x2	/* "" names dirfd itself (AT_EMPTY_PATH) */
#define UN_LK_PARENT	0x4	/* for creation: the last component may be
				   absent, its parent must be a directory */
#define UN_LK_NOFOLLOW_SLASH 0x8 /* a trailing slash does not follow a
				   last symlink (rename, unlink, rmdir) */
#define UN_LK_EXCL	0x20	/* the caller creates the last name with
				   O_EXCL: in a directory of the upper
				   alone, with no record of the name, it
				   is not looked at (layer -1; the kernel's
				   create answers EEXIST) */
#define UN_LK_NOSTAT	0x10	/* the caller reads n->st only for the
				   type: a directory the cache knows is
				   taken as it is, with no lstat (st then
				   holds S_IFDIR and zeros) */
#define UN_LK_REALONLY	0x80	/* with UN_LK_NOSTAT: the caller only
				   hands n->real to one real call, which
				   answers ENOENT itself when the name is
				   gone: the last name looked up may be
				   taken from the upper too (dcache.c's
				   memo; an upper name removed by another
				   process leaves no trace to check) */
#define UN_LK_OPENDIR	0x100	/* an open of a directory for reading
				   (O_DIRECTORY, n->open_flags set by the
				   caller): a last name that one layer
				   alone may hold is opened there with
				   O_NOFOLLOW, and the open is the
				   lookup's answer (n->open_fd, else -1):
				   no stat before it */
#define UN_LK_STATONLY	0x200	/* stat's: of a lookup that answers 0 the
				   caller reads n->st, n->layer,
				   n->dirlayers, n->mnt and a merged
				   directory's identity, never n->real nor
				   n->kpath: a name stat'ed through a
				   descriptor of its directory's copy in
				   its layer (the start's, the cwd's) may
				   leave n->real "" (namei.c
				   lookup_single) */
#define UN_LK_STATX	0x40	/* statx's: the last name is stat'ed by
				   statx(n->stx_mask, n->stx_flags) into
				   n->stx (set by the caller); n->stx_done
				   says whether n->stx holds the answer of
				   the object's own layer (never for a
				   directory: the caller asks again) */

/* The answer of a lookup under a MERGED path. */
struct un_node {
	struct un_mount *mnt;	/* the union the object lies in */
	size_t rel_off;		/* start of the part under MERGED in vpath */
	int layer;		/* layer holding the object; -1: absent */
	uint64_t dirlayers;	/* a directory: the layers that merge into it */
	uint64_t parent_dirlayers; /* the layers of its parent directory */
	bool trailing_slash;	/* the path ended in '/' */
	const char *kpath;	/* outside every union: the path to give the
				   kernel (the caller's own, or real) */
	struct stat st;		/* lstat of real, when layer >= 0 */
	int at_fd;		/* AT_FDCWD, or the descriptor (or cwd) the
				   lookup started from (see un_node_at) */
	size_t at_off;		/* then real + at_off is real's path from it */
	int start_fd;		/* the dirfd the lookup was given: a path
				   too long for the kernel goes from there
				   when it can (un_node_kat) */
	bool routed;		/* real answered EACCES by its whole path,
				   and was reached from start_fd through
				   '..' (namei.c route_again): un_node_kat
				   takes that route too */
	size_t route_top;	/* the shortest merged path the walk
				   climbed to by '..' (namei.c lk_top) */
	bool relative;		/* the lookup went from start_fd (no
				   absolute path or symlink): a route from
				   there is the kernel's way */
	struct statx *stx;	/* UN_LK_STATX: the caller's buffer, */
	unsigned stx_mask;	/* mask */
	int stx_flags;		/* and AT_STATX_SYNC_* flags */
	bool stx_done;		/* n->stx holds the object's statx */
	int open_flags;		/* UN_LK_OPENDIR: the caller's open flags */
	int open_fd;		/* and the descriptor it opened, or -1 */
	/* The two paths last (they fill a few dozen of their 8 KiB): a
	   node on the stack then writes two pages, the fields and vpath's
	   head in one, real's head in the other, where fields after each
	   path wrote a third and a fourth.  In a fork's child every page
	   first written is a fault (bench/README.md, "Session 10 (exec)"). */
	char vpath[UN_VPATH_MAX]; /* merged absolute path */
	char real[UN_VPATH_MAX]; /* the object in `layer`, or where the upper
				   would hold it */
};

/*
 * Where the kernel finds n->real most cheaply: relative to the caller's
 * descriptor (or cwd) the lookup started from, when that stands in the
 * layer holding real (a path of a component or two), else the whole
 * real path.  Returns the descriptor to use with *path.
 */
static inline int un_node_at(const struct un_node *n, const char **path)
{
	if (n->at_off == 0) {
		*path = n->real;
		return AT_FDCWD;
	}
	*path = n->real + n->at_off;
	if (!**path)
		*path = ".";	/* the start itself */
	return n->at_fd;
}

/*
 * Where a path in a layer too long for the kernel is written: buf, and
 * the descriptor opened on a directory deep in it when nothing shorter
 * reaches it (deep_open in namei.c: a piece shorter than PATH_MAX at a
 * time).  UN_KBUF declares one: the descriptor is closed when it goes out
 * of scope.  The common case pays one store and one compare.
 */
struct un_kbuf {
	int fd;			/* -1, or the descriptor path is relative to */
	char path[PATH_MAX];
};
UN_HIDDEN void un_kbuf_close(struct un_kbuf *k);
static inline void un_kbuf_done(struct un_kbuf *k)
{
	if (__builtin_expect(k->fd >= 0, 0))
		un_kbuf_close(k);
}
#define UN_KBUF(k)                                                     \
	struct un_kbuf k __attribute__((cleanup(un_kbuf_done)));        \
	k.fd = -1

/*
 * The path to give the kernel (with AT_FDCWD) for real, an absolute path
 * in some layer: real itself when shorter than PATH_MAX (the common case:
 * one strlen), else its path relative to the real cwd, through '..' where
 * it lies beside it, written into k; else, for a path at any depth (a
 * lower tree deeper than PATH_MAX copied up into the upper: issue 11,
 * item 9), /proc/self/fd/N/REST, N a descriptor on a directory deep in it
 * that k holds; real again when none of that works (the kernel then
 * answers ENAMETOOLONG).
 */
UN_HIDDEN const char *un_kreal_long(const char *real, struct un_kbuf *k);

static inline const char *un_kreal(const char *real, struct un_kbuf *k)
{
	if (__builtin_expect(strlen(real) < PATH_MAX, 1))
		return real;
	return un_kreal_long(real, k);
}

/*
 * The same for an *at call on n->real: when it is too long, relative to
 * the descriptor (or cwd) the lookup started from where that stands in
 * real's layer (rm -r's unlinkat(dirfd, name) deep in a tree), or
 * through '..' from it (fts's openat(dirfd, "..") on the way back up),
 * or through '..' from the real cwd, else relative to a descriptor on a
 * directory deep in it that k holds.  Returns the descriptor to use with
 * *path.
 */
UN_HIDDEN int un_node_kat_long(const struct un_node *n, struct un_kbuf *k,
			       const char **path);
/* The same for real relative to the descriptor fd (or AT_FDCWD) where
   it may: the descriptor to use with *path. */
UN_HIDDEN int un_kreal_at(int fd, const char *real, struct un_kbuf *k,
			  const char **path);

static inline int un_node_kat(const struct un_node *n, struct un_kbuf *k,
			      const char **path)
{
	if (__builtin_expect(strlen(n->real) < PATH_MAX && !n->routed, 1)) {
		*path = n->real;
		return AT_FDCWD;
	}
	return un_node_kat_long(n, k, path);
}

/* real (in the layer n's lookup started in) by that lookup's route from
   its start, into buf (PATH_MAX): the descriptor to use, or -1. */
UN_HIDDEN int un_node_route(const struct un_node *n, const char *real,
			    char *buf);

/* The call by un_node_kat's whole path met EACCES: from the lookup's
   start instead (namei.c)?  true with *fd and *path, errno saved. */
UN_HIDDEN bool un_node_retry_at(const struct un_node *n, int saved,
				struct un_kbuf *k, int *fd, const char **path);

/* For a call without a dirfd (mkdir, chmod...): un_node_kat's answer
   (fd, path) as one path for AT_FDCWD, /proc/self/fd/FD/PATH when fd is
   a descriptor (into k). */
UN_HIDDEN const char *un_kat_path(struct un_kbuf *k, int fd,
				  const char *path);

static inline const char *un_node_rel(const struct un_node *n)
{
	return n->vpath + n->rel_off;
}

/* A directory that more than one layer contributes to. */
static inline bool un_node_is_merged_dir(const struct un_node *n)
{
	return n->layer >= 0 && S_ISDIR(n->st.st_mode) &&
	       (n->dirlayers & (n->dirlayers - 1)) != 0;
}

/*
 * Look path up relative to dirfd (AT_FDCWD for the cwd).
 *
 * Returns 1 when the path lies outside every union: then kpath is the
 * path to give the kernel with the same dirfd (the caller's own path, or
 * an absolute path in real when a union symlink or '..' led outside).  Returns 0 when it
 * lies in a union: n describes it (layer -1 when the name is absent but
 * its parent exists).  Returns -errno on failure (ENOENT for a missing
 * parent, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES).
 */
UN_HIDDEN int un_lookup(int dirfd, const char *path, int flags,
			struct un_node *n);
/* The same, the caller's errno left as the layers' calls set it on the
   way: for a wrapper that keeps errno itself (UN_ERRNO_IN/OUT) around
   more than the lookup (stat_lookup: one save a stat, and un_lookup's
   frame gone, its dispatch a tail call). */
UN_HIDDEN int un_lookup_nosave(int dirfd, const char *path, int flags,
			       struct un_node *n);

/*
 * outside_inplace.c: un_lookup for a call that changes something.  A
 * path handed the kernel (1) that leads into a MERGED on disk (an
 * in-place union's: the lower's own directory), through a symlink
 * outside, is looked up as the merged path the kernel reaches.
 */
UN_HIDDEN int un_lookup_change(int dirfd, const char *path, int flags,
			       struct un_node *n);

/* Is the merged cwd still alive, though another process may have
   removed it?  (Kills it when not: see namei.c's cwd_check.) */
UN_HIDDEN void un_cwd_check(void);
/* This process raised m's count of places to after (un_wtable_bump_moves,
   _removes) by a change its records already follow: a descriptor
   current before it is current after it (namei.c settle_fd: no look
   through /proc for it).  Nothing when after is 0. */
UN_HIDDEN void un_moves_own(const struct un_mount *m, uint64_t after);

/* The union of the directory removed from the merged view that path
   names, relative to a removed dirfd (or cwd), with '.' and '..'
   components alone that stay in what was removed; NULL when it names
   something else.  Into vpath (UN_VPATH_MAX bytes, or NULL) its merged path,
   and into *dead_at as un_fd_get_at's.  Nothing is found in such a
   directory, but the kernel still refuses its '.' by name first
   (rename's EBUSY), and stats it and enters it. */
UN_HIDDEN struct un_mount *un_dead_self(int dirfd, const char *path,
					char *vpath, size_t *dead_at);

/* The same for a path of dots alone ('.', '..', './..'), with a cheap
   look at the path first: for callers that ask after every lookup that
   found nothing or went to the kernel (stat, open). */
UN_HIDDEN struct un_mount *un_dead_dots(int dirfd, const char *path,
					char *vpath, size_t *dead_at);

/* The removed directory that un_dead_dots finds for path was merged
   from several layers (the kernel's stat shows nlink 1): for path
   without '..', un_dead_merged's answer; for a removed ancestor reached
   by '..', whether a lower holds a directory at its name (its upper
   copy, deleted, is the rest). */
UN_HIDDEN bool un_dead_dots_merged(int dirfd, const char *path);

/* The directory vpath, which another process removed (its name leads
   nowhere now), was merged from several layers then, here the real one
   a descriptor or the cwd holds (stat): a deleted one, the upper copy,
   when a lower holds it too; a lower one when two lowers hold it or it
   holds entries (their removal copied it up first). */
UN_HIDDEN bool un_removed_merged(const char *vpath, const struct stat *here);

/* A change that copies up (chmod, chown, utimes, setxattr...) of the
   removed directory that dirfd (or the cwd) holds, path "." (no '..'):
   the kernel's answer (ENOTDIR, EIO: see namei.c), or rc when path names
   no such directory; or 0 when a directory was made at its name since
   and the removed one lies in a lower: n is then that one (layer > 0),
   for the checks the kernel makes before its copy-up, and for
   un_copy_up_dead; after which the change goes through dirfd and path
   as the caller has them. */
UN_HIDDEN int un_dead_change(int dirfd, const char *path, int rc,
			     struct un_node *n);
/*
 * The same removed directory (path '.' alone from dirfd or the cwd) as
 * the lower that holds its real one has it, whatever a change of it
 * would meet (un_dead_change's ENOTDIR, EIO): 0 with n filled, else
 * -ENOENT (the real one is no lower's).  The kernel makes its checks
 * before a copy-up on that lower object (removexattr's ENODATA,
 * setattr's and xattr's permission) before the copy-up fails.
 */
UN_HIDDEN int un_dead_lower(int dirfd, const char *path, struct un_node *n);

/*
 * The last component of path is '.' (1), '..' (2), or a name (0) (or
 * -EFAULT: path cannot be read, see un_user_str).  A
 * change of such a last component is refused by its kind (the kernel's
 * LAST_DOT and LAST_DOTDOT) once the rest of the path is walked;
 * un_lookup_dots walks it and says where that directory lies: -errno
 * when the walk fails; 0 in the union *mnt; 1 outside every union, with
 * kpath the path to give the kernel with the same dirfd (the same last
 * component, taken in the same real directory).  Never the directory
 * '..' names: at the top of a MERGED that lies outside the union, and
 * in an in-place union it holds the lower.
 */
UN_HIDDEN int un_path_last_dots(const char *path);
UN_HIDDEN int un_lookup_dots(int dirfd, const char *path,
			     struct un_mount **mnt, char *kpath, size_t size);

/*
 * Is the name at real (in a lower) an overlayfs-format whiteout
 * (character device 0/0)?
 */
static inline bool un_is_ovl_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* Does the real directory carry an overlayfs opaque xattr set to "y"? */
UN_HIDDEN bool un_is_ovl_opaque(const char *real);

/* Join root and rel into buf ("root/rel", or root when rel is ""). */
UN_HIDDEN int un_path_join(char *buf, size_t len, const char *root,
			   size_t root_len, const char *rel);

/*
 * The merged directory vpath (canonical, as fdtab keeps it) when the
 * cache knows its layers, at no system call: 0 and n filled as by
 * un_lookup but for st, which holds S_IFDIR and zeros; or -ENOENT when
 * the cache does not know it (the caller looks it up).
 */
UN_HIDDEN int un_dir_cached(const char *vpath, struct un_node *n);
/* The same in the union m, un_config_find(vpath)'s answer (fdtab's
   hint): no search for it. */
UN_HIDDEN int un_dir_cached_in(struct un_mount *m, const char *vpath,
			       struct un_node *n);
/* The same for a directory the caller knows to be of layer alone (a
   descriptor's, by fdtab), without asking the cache: 0, or -ENOENT
   when vpath is in no union. */
UN_HIDDEN int un_dir_single(const char *vpath, int layer, struct un_node *n);

/*
 * A directory's identity as the kernel gives it (ovl_getattr keeps a
 * directory's st_ino across its copy-up): one whose upper copy merges
 * with a lower's (n->dirlayers: not opaque), below the union's root,
 * answers st_dev and st_ino of its topmost lower copy.  True with *dev
 * and *ino set to those (one lstat); false, untouched, for any other
 * object or when that copy cannot be stat'ed.  n->st stays the real one:
 * the library's own identity checks compare real stats.
 */
static inline bool un_node_has_origin(const struct un_node *n)
{
	return n->layer == 0 && S_ISDIR(n->st.st_mode) &&
	       (n->dirlayers >> 1) && n->vpath[n->rel_off];
}
UN_HIDDEN bool un_node_dir_origin_of(const struct un_node *n, dev_t *dev,
				     ino_t *ino);
static inline bool un_node_dir_origin(const struct un_node *n, dev_t *dev,
				      ino_t *ino)
{
	return un_node_has_origin(n) && un_node_dir_origin_of(n, dev, ino);
}

/* Map a real path (in some layer) back to its merged path, if any. */
UN_HIDDEN int un_path_unreal(const char *real, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* dcache.c: which layers make up the directories looked up lately.     */

/* The layers of the merged directory vpath (canonical, len bytes), if
   known and still valid; 0 on a hit, -1 on a miss. */
UN_HIDDEN int un_dcache_get(struct un_mount *m, const char *vpath,
			    size_t len, uint64_t *mask, uint64_t *parentmask);
/* The same, and the union's stamp the answer holds at (*stamp, when not
   NULL): what a walk learns from it dates from then (namei.c
   walk_stamp_holds). */
UN_HIDDEN int un_dcache_get_at(struct un_mount *m, const char *vpath,
			       size_t len, uint64_t *mask,
			       uint64_t *parentmask, uint64_t *stamp);
/* The identity of the topmost lower copy of the directory vpath whose
   upper copy merges with it (un_node_dir_origin), kept with its layers
   while they are valid (a lower does not change): 0 on a hit; put: on
   the entry of its layers, if there is one. */
UN_HIDDEN int un_dcache_origin_get(struct un_mount *m, const char *vpath,
				   size_t len, dev_t *dev, ino_t *ino);
UN_HIDDEN void un_dcache_origin_put(struct un_mount *m, const char *vpath,
				    size_t len, dev_t dev, ino_t ino);
/* un_dcache_put (below) with that identity (one search, not two). */
UN_HIDDEN void un_dcache_put_origin(struct un_mount *m, const char *vpath,
				    size_t len, uint64_t mask,
				    uint64_t parentmask, uint64_t stamp,
				    dev_t dev, ino_t ino);
/* Remember a directory's layers, as computed since stamp was read. */
UN_HIDDEN uint64_t un_dcache_stamp(struct un_mount *m);
UN_HIDDEN void un_dcache_put(struct un_mount *m, const char *vpath,
			     size_t len, uint64_t mask, uint64_t parentmask,
			     uint64_t stamp);
/* The layers of the cwd (in m) at the cwd's change count seq
   (un_cwd_get_walk's) and m's stamp: kept by the thread that settled
   on it; get: 0 on a hit. */
UN_HIDDEN int un_dcache_cwd_get(const struct un_mount *m, unsigned long seq,
				uint64_t stamp, uint64_t *mask,
				uint64_t *parentmask);
UN_HIDDEN void un_dcache_cwd_put(const struct un_mount *m, unsigned long seq,
				 uint64_t stamp, uint64_t mask,
				 uint64_t parentmask);
/* The same for the directory the cwd reaches by the relative part
   (len bytes, plain names, at most UN_DCACHE_PART_MAX). */
#define UN_DCACHE_PART_MAX 128
UN_HIDDEN int un_dcache_rel_get(const struct un_mount *m, unsigned long seq,
				uint64_t stamp, const char *part, size_t len,
				uint64_t *mask, uint64_t *parentmask);
/* (With the directory's merged path, vlen bytes, and the cwd's layer.) */
UN_HIDDEN void un_dcache_rel_put(struct un_mount *m, unsigned long seq,
				 uint64_t stamp, const char *part, size_t len,
				 uint64_t mask, uint64_t parentmask,
				 const char *vpath, size_t vlen, int layer);
/* The directory rel_put kept for part at count seq (see dcache.c): its
   merged path's length, the cwd's layer, the stamp it was kept at, its
   layers and its parent's.  (One pointer for the five answers: the
   call of lookup_near's every "dir/name" passed five.) */
#define UN_DCACHE_DIR_MAX 256
struct un_rel_dir {
	size_t vlen;
	int layer;
	uint64_t stamp, mask, pmask;
};
UN_HIDDEN struct un_mount *un_dcache_rel_dir(unsigned long seq,
					     const char *part, size_t len,
					     char *buf, struct un_rel_dir *d);
/* The same for another plain part of the cwd the memo was put at, from
   the directory cache (see dcache.c). */
UN_HIDDEN struct un_mount *un_dcache_rel_near(unsigned long seq,
					      const char *part, size_t len,
					      char *buf, struct un_rel_dir *d);
/* Is either memo above one put at the cwd's count seq? */
UN_HIDDEN bool un_dcache_near(unsigned long seq);
/* A directory of m's upper was made, removed or renamed. */
UN_HIDDEN void un_dcache_changed(struct un_mount *m);
/* The same after this thread copied the directory vpath (vlen bytes)
   up: its own cache is carried over the change (dcache.c).  names0:
   the count of names made in the upper, read before the copy's rename
   (un_dcache_names_count); names_bumped: what the bump after it found
   (un_dcache_names_changed_own). */
UN_HIDDEN void un_dcache_dir_copied(struct un_mount *m, const char *vpath,
				   size_t vlen, uint64_t names0,
				   uint64_t names_bumped);
/* Drop this thread's caches (its configuration is being released). */
UN_HIDDEN void un_dcache_forget(void);
/* While on, this thread makes and fills no cache (what it has is still
   read): exec's lookups, in a process about to be replaced. */
UN_HIDDEN void un_dcache_quiet(bool on);

/*
 * The names of the upper part of merged directories listed lately, so
 * that a lookup of a name the upper lacks skips its lstat there (a miss
 * is the dearest lookup: tmpfs keeps no negative dentries).  readdir.c
 * takes a stamp before it reads the upper directory, hashes every name
 * with un_name_hash, and puts the sorted hashes (rel: the directory
 * under the union's root).  Every call that makes a name in the upper
 * calls un_dcache_names_changed after it, which drops every set of
 * every process.
 */
UN_HIDDEN uint64_t un_name_hash(const char *name, size_t len);
UN_HIDDEN uint64_t un_dcache_names_stamp(struct un_mount *m);
/* The stamp of the upper's names (valid while no name was made in the
   upper, nor a directory changed): of a names count and a stamp. */
static inline uint64_t un_names_stamp_make(uint64_t names, uint64_t stamp)
{
	return names * 0xff51afd7ed558ccdULL + stamp;
}

/* un_dcache_names_stamp's answer, and un_dcache_stamp(m) into *dirs,
   read together (a lookup's last name needs both: one call), and *empty
   (if not NULL):
   m's table known empty when they were read.  A lower name is then no
   whiteout's as of that moment, which is the lookup's: the stamps are
   read before its stats, and a lower never changes (lookup_single asks
   the table nothing, ~28 instructions a lower name).  Inline: the
   lookup's one call is the table's, ~17 instructions a stat less than
   through one of dcache.c's. */
static inline uint64_t un_dcache_stamps(struct un_mount *m, uint64_t *dirs,
					bool *empty)
{
	uint64_t names;
	bool e;

	*dirs = un_wtable_stamps(m->wt, &names, empty ? empty : &e);
	return un_names_stamp_make(names, *dirs);
}
UN_HIDDEN void un_dcache_put_names(struct un_mount *m, const char *rel,
				   uint64_t *hashes, size_t n, uint64_t stamp);
/* Is rel (dir/name under the union's root) known to be absent from the
   upper?  False when unknown.  *nstamp: the names stamp it read, for
   un_dcache_upper_missed after the upper's lstat. */
UN_HIDDEN bool un_dcache_upper_lacks(struct un_mount *m, const char *rel,
				     size_t rel_len, uint64_t *nstamp);
/* The same, against nstamp, un_dcache_names_stamp(m) as the caller
   read it lately (in the same lookup). */
UN_HIDDEN bool un_dcache_upper_lacks_at(struct un_mount *m, const char *rel,
					size_t rel_len, uint64_t nstamp);
UN_HIDDEN void un_dcache_names_changed(struct un_mount *m);
/* The count of names made in m's upper, and the bump that tells the
   count it bumped (for un_dcache_dir_copied). */
UN_HIDDEN uint64_t un_dcache_names_count(struct un_mount *m);
UN_HIDDEN uint64_t un_dcache_names_changed_own(struct un_mount *m);
/* The last regular file found in a lower, for an open for reading
   right after a stat of it (see dcache.c); get: 0 on a hit, nstamp the
   names stamp the lookup read (un_dcache_stamps). */
UN_HIDDEN void un_dcache_memo_put(struct un_mount *m, const char *vpath,
				  size_t vlen, uint64_t dirmask, int layer,
				  const struct stat *st, uint64_t stamp);
UN_HIDDEN int un_dcache_memo_get(struct un_mount *m, const char *vpath,
				 size_t vlen, uint64_t dirmask,
				 const char *rel, size_t rel_len, int *layer,
				 struct stat *st, char *real, size_t size,
				 uint64_t nstamp);
/* The upper lacked rel (dir/name) where a lower may have it, its lstat
   made after nstamp (un_dcache_names_stamp) was read: rel is remembered
   as lacking until the stamp moves (un_dcache_upper_lacks_at says so),
   and after a few misses in one directory, its upper names are read
   into a set.  Paths up to UN_DCACHE_MISS_MAX bytes are remembered, and
   only where keep says the lookup may fill the caches (not under a lift
   of the upper's way, nor past a route: namei.c lk_may_put). */
#define UN_DCACHE_MISS_MAX 256
UN_HIDDEN void un_dcache_upper_missed(struct un_mount *m, const char *rel,
				      size_t rel_len, uint64_t nstamp,
				      bool keep);
/* A stream of lower directory rel (layer alone) read to its end: its
   getdents records (len bytes; taken over), d_ino 0 in those it left out
   but the ones the table alone hid (readdir.c low_take); and rmdir's
   question: is rel known empty without reading it? */
UN_HIDDEN void un_dcache_put_lower(struct un_mount *m, const char *rel,
				   int layer, char *names, size_t len);
UN_HIDDEN bool un_dcache_known_empty(struct un_mount *m, const char *rel,
				     uint64_t dirlayers);

/* ------------------------------------------------------------------ */
/* readdir.c: merged directory streams.                                */

/* Build a merged listing for directory node n, open as fd; returns a
   DIR-like stream (struct un_dir, cast to DIR *) or NULL with errno set.
   A directory of one layer is read through fd as it goes.  fd_layer:
   the layer whose copy fd stands on (-1: none), which a merged listing
   reads through fd instead of opening that copy again; at offset 0,
   or fd_unsure: at an offset the library does not know (the program's
   descriptor: its first record tells, readdir.c layer_first). */
UN_HIDDEN DIR *un_dir_open(const struct un_node *n, int fd, int fd_layer,
			   bool fd_unsure);
/* Open the directory n for un_dir_open: the descriptor, or -1 with
   errno. */
UN_HIDDEN int un_dir_open_real(const struct un_node *n);

/* True when d is one of ours (see the magic in readdir.c). */
UN_HIDDEN bool un_dir_is_ours(const DIR *d);
/* Does off, the last record's d_off of a getdents64 read of a copy in
   layer, mark the directory's end (no read answering 0 needed)? */
UN_HIDDEN bool un_dents_end(struct un_mount *m, int layer, off64_t off);

/* ------------------------------------------------------------------ */
/* copy_up.c and dir.c: the write side.                                */

/*
 * Make sure the object n names lies in the upper: copy it up (parents
 * first) if it lies in a lower.  On return n->layer is 0 and n->real the
 * upper path.  -EROFS for a read-only union.
 */
UN_HIDDEN int un_copy_up(struct un_node *n);
/*
 * n, as un_dead_change leaves it (a removed lower directory whose name
 * holds a directory made since), is copied up over that one, as the
 * kernel's copy-up renames its copy to the name: -ENOTEMPTY when that
 * one is not empty.  The process's descriptors on the removed one and
 * its cwd there follow into the copy, and stay removed (merged, as the
 * kernel's stat shows the copied-up directory: nlink 1).
 */
UN_HIDDEN int un_copy_up_dead(struct un_node *n);

/* Re-point fd, open on the old file (stat old), at n's upper copy. */
UN_HIDDEN void un_repoint_fd(int fd, const struct un_node *n,
			     const struct stat *old);

/* Make sure the parent directory of n exists in the upper. */
UN_HIDDEN int un_copy_up_parent(struct un_node *n);

/*
 * Is the upper directory at path, met beside a whiteout record of its
 * name, a directory copy-up's copy that a kill left before its back-out
 * (UN_STAGED_XATTR)?  Then it is removed, as that back-out would have
 * (copy_up.c copy_unland), and true: the name is absent.  False for any
 * other directory, and for one that cannot be removed (a name made in
 * it): it stands.  errno kept.
 */
UN_HIDDEN bool un_copy_left(struct un_mount *m, const char *path);

/* ------------------------------------------------------------------ */
/* work_sweep.c: the staged copies killed processes left               */

/* The start of this process's staging names in UPPER/.union/work,
   "cu.BOOT.NS.PID.NONCE." (work_sweep.c says what each is), into
   prefix (UN_STAGE_PREFIX_MAX bytes, no NUL): its length.  A copy-up
   adds its count.  Made once a process; errno kept. */
UN_HIDDEN size_t un_stage_prefix(char *prefix);

/*
 * Remove from m's work directory every staged copy whose process is
 * provably dead (work_sweep.c says what proves it); never one of a live
 * process.  Once an image a mount, at its first copy-up, never in
 * signal mode (it would wait for the next copy-up out of one).  errno
 * kept.
 */
UN_HIDDEN void un_work_sweep(struct un_mount *m);
static inline void un_work_sweep_once(const struct un_mount *m)
{
	if (__builtin_expect(!__atomic_load_n(&m->work_swept,
					      __ATOMIC_RELAXED), 0) &&
	    !un_in_signal())
		un_work_sweep((struct un_mount *)m);
}

/*
 * The owner's x lifted on the upper directories on the way to rel (the
 * root's and each one's down to rel's parent) that lack it, for an
 * unprivileged user's copy-up through a descriptor (the kernel's, with
 * the mounter's credentials, needs no lookup by name): the count lifted;
 * un_upper_unlift puts the modes back.
 */
#define UN_UPPER_LIFT_MAX 32
struct un_upper_lift {
	int n;
	size_t end[UN_UPPER_LIFT_MAX];	/* each directory: path[0..end) */
	mode_t mode[UN_UPPER_LIFT_MAX];	/* its mode to put back */
	char path[PATH_MAX];
};
UN_HIDDEN int un_upper_lift(const struct un_mount *m, const char *rel,
			    struct un_upper_lift *l);
UN_HIDDEN void un_upper_unlift(struct un_upper_lift *l);
/* This thread's upper directories lifted and not yet put back (a
   lookup then puts nothing in the directory cache: namei.c). */
UN_HIDDEN extern __thread int un_upper_lifts;

/* ------------------------------------------------------------------ */
/* Small helpers shared by the wrappers.                               */

/*
 * Just before an exec that replaces the process: in a sanitizer build,
 * clear the stack's shadow.  A child of vfork shares the parent's stack
 * and shadow memory, and the library's frames it leaves behind when the
 * exec succeeds never return to unpoison their redzones; the parent
 * (often an uninstrumented shell) then calls the library again over that
 * stale poison, and ASan reported reads of live locals (a `st` just
 * filled by fstat) as stack-buffer-overflows.  Costs nothing otherwise.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
static inline void un_exec_no_return(void)
{
	__asan_handle_no_return();
}
#else
static inline void un_exec_no_return(void)
{
}
#endif

/*
 * Memory the library maps for itself and fills with pointers to the heap
 * (the configuration's arena, the tables' handles): in a sanitizer build
 * LeakSanitizer must scan it, or every map it points to looks leaked.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
static inline void un_lsan_root(void *p, size_t len)
{
	__lsan_register_root_region(p, len);
}
static inline void un_lsan_unroot(void *p, size_t len)
{
	__lsan_unregister_root_region(p, len);
}
#else
static inline void un_lsan_root(void *p, size_t len)
{
	(void)p;
	(void)len;
}
static inline void un_lsan_unroot(void *p, size_t len)
{
	(void)p;
	(void)len;
}
#endif

/*
 * wrap_mem.c: may the library read the string s the caller passed
 * (a path, an xattr name)?  Its length (strlen: the callers need it
 * anyway), or the kernel's answer for a string it cannot read: -EFAULT
 * (or -ENAMETOOLONG: no NUL in PATH_MAX bytes).  Inline, the common
 * case: a page this thread has read before, the NUL in it.
 */
#include <unistd.h>
#include "exec_str.h"
#define UN_PAGE_SIZE 4096u
UN_HIDDEN extern unsigned long un_mem_gen;
/* Pages found readable, direct-mapped by page number (one compare a
   look): a walker's names (find's, from entries malloc'ed all over its
   heap) missed a two-page memory four times in ten, a system call or two
   each. */
#define UN_MEM_SLOTS 16
UN_HIDDEN extern __thread uintptr_t un_mem_page[UN_MEM_SLOTS];
UN_HIDDEN extern __thread unsigned long un_mem_page_gen;
UN_HIDDEN ssize_t un_user_str_slow(const char *s);
/* Before a fork (init.c): learn the main heap now if still unknown, so
   that the children trust it from their first path (wrap_mem.c). */
UN_HIDDEN void un_heap_learn(void);
/*
 * The main heap, [un_heap_lo, sbrk(0)): the brk area is one mapping,
 * readable whole, where most programs keep the names they pass (find's
 * walk passed names from 1,400 heap pages, which a 16-page memory missed
 * one call in five).  UINTPTR_MAX while unknown or no longer trusted
 * (wrap_mem.c: learnt after a few misses, dropped for good by an
 * munmap, mprotect or mremap of the program that touches the heap).
 */
UN_HIDDEN extern uintptr_t un_heap_lo;
/* The same for len bytes at p (a socket address, a buffer to fill):
   0 or -EFAULT.  Not for hot paths: a system call unless both ends lie
   in pages known readable. */
UN_HIDDEN int un_user_mem(const void *p, size_t len);

/*
 * glibc's __curbrk, the break sbrk(0) answers (NULL until the first
 * brk), found before the process's first fork (real.c un_real_fork, by
 * dlsym: as a relocation it was a symbol lookup at every start, ~670
 * instructions); NULL when not sought or not found.
 */
UN_HIDDEN extern void *const *un_brk_at;

/* un_user_str's body; by_byte: with exec_str.h's loop for libc's
   strnlen, and the break read at un_brk_at where known for sbrk(0),
   whose windows of libc's text a shell's child on its way to exec
   touches for nothing else. */
static inline __attribute__((always_inline)) ssize_t
un_user_str_body(const char *s, bool by_byte)
{
	uintptr_t a = (uintptr_t)s, page = a & ~(uintptr_t)(UN_PAGE_SIZE - 1);

	if (__builtin_expect(a < UN_PAGE_SIZE, 0))
		return -EFAULT;
	if (un_mem_page[(page / UN_PAGE_SIZE) % UN_MEM_SLOTS] == page &&
	    un_mem_page_gen == __atomic_load_n(&un_mem_gen, __ATOMIC_RELAXED)) {
		size_t room = page + UN_PAGE_SIZE - a;
		size_t len = by_byte ? ex_strnlen(s, room) : strnlen(s, room);

		if (len < room)
			return (ssize_t)len;
	}
	if (a >= __atomic_load_n(&un_heap_lo, __ATOMIC_ACQUIRE)) {
		void *const *brk_at = by_byte ?
			__atomic_load_n(&un_brk_at, __ATOMIC_ACQUIRE) : NULL;
		uintptr_t top = brk_at ? (uintptr_t)*brk_at :
					 (uintptr_t)sbrk(0);

		if (a < top) {
			size_t room = top - a < PATH_MAX ? top - a : PATH_MAX;
			size_t len = by_byte ? ex_strnlen(s, room) :
					       strnlen(s, room);

			if (len < room)
				return (ssize_t)len;
		}
	}
	return un_user_str_slow(s);
}

static inline ssize_t un_user_str(const char *s)
{
	return un_user_str_body(s, false);
}

/* namei.c: does the path name a '..' component? */
UN_HIDDEN bool un_path_has_dotdot(const char *p);

/*
 * namei.c: is path an absolute path outside every MERGED, without a
 * '..' that could lead into one, and not a descriptor's magic link
 * (/proc/.../fd/N, /dev/fd/N, /dev/stdin...)?  Then un_lookup would answer "outside"
 * and hand the kernel the path as it is; asking first spares a caller
 * the lookup's frames (a
 * struct un_node's two paths, the walk's), each stack page first
 * written in a fork's child a fault.  1 when outside, 0 when un_lookup
 * must look, -errno when path cannot be read.
 */
UN_HIDDEN int un_path_outside(const char *path);
/* The same, without libc's string functions nor sbrk (exec_str.h): for
   exec in a shell's child. */
UN_HIDDEN int un_path_outside_exec(const char *path);

/*
 * The commonest call of all, tested before anything else (find's
 * fstatat of every name, the openat of every directory it walks): a
 * name relative to a descriptor known to lie far from every union,
 * without '..'.  No union can be reached from there (a symlink outside
 * is not followed into one, see namei.c): the kernel takes the call as
 * it is.  False for anything else, a string that cannot be read
 * included (the lookup answers it).
 */
static inline bool un_far_name(int dirfd, const char *path)
{
	ssize_t len;

	if (dirfd < 0 || !un_fd_far(dirfd))
		return false;
	len = un_user_str(path);
	if (len <= 0 || path[0] == '/')
		return false;
	/* One name (the commonest by far) is '..' only as a whole. */
	if (!memchr(path, '/', (size_t)len))
		return !(len == 2 && path[0] == '.' && path[1] == '.');
	return !un_path_has_dotdot(path);
}

/* Save and restore errno around bookkeeping. */
#define UN_SAVE_ERRNO int un_saved_errno_ = errno
#define UN_RESTORE_ERRNO errno = un_saved_errno_

/*
 * A wrapper that succeeds leaves the caller's errno as it found it, as
 * the system call it stands for does, whatever the library's own calls
 * failed with on the way (an lstat of a name a lower lacks, an xattr the
 * upper refuses): a program that zeroes errno before opendir and takes
 * one set after readdir's loop for a failure (cmake's kwsys) counts no
 * names otherwise.  UN_ERRNO_IN after un_enter; UN_ERRNO_OUT(ok) before
 * the return, ok when the result is a success.
 */
#define UN_ERRNO_IN                                     \
	int *const un_errno_p_ = &errno;                \
	const int un_errno_in_ = *un_errno_p_
#define UN_ERRNO_OUT(ok)                                \
	do {                                            \
		if (ok)                                 \
			*un_errno_p_ = un_errno_in_;    \
	} while (0)

#endif /* UN_INTERNAL_H */
