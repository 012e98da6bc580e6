/*
 * init.c - start-up, once and lazily.
 *
 * What every process pays is kept to what the contract needs before
 * main: the constructor checks UNION_LAYERS, so that a malformed value
 * or a missing layer stops the program before it can do anything half
 * protected (DESIGN.md), and calls no libc function it can do without
 * (init_early).  The rest waits until a call first needs it, so that a
 * process that never
 * looks into a union (a /bin/true run from a shell in one, a compiler
 * reading /usr/include) pays little more than the loader's mapping of
 * one more object:
 *
 *  - the whiteout tables (and the lock files and UPPER/.union/work) are
 *    opened and loaded at the first lookup that lands in a union
 *    (un_config_match, config.c, calls un_tables_need); a table found
 *    corrupt then stops the process as it would have at start;
 *  - the merged cwd is taken at the first call that asks for it
 *    (fdtab.c, armed here);
 *  - the real functions are found when first called (real.c), and the
 *    walk that finds them is checked against dlsym by the first wrapper
 *    (init_late);
 *  - exec's check of the program (unwrapped.c) is made by the exec.
 *
 * Another library's constructor may call a wrapper before ours has run,
 * so every wrapper calls un_init() too, which makes it happen exactly
 * once.  While initialising, the depth guard is raised, so that
 * whatever libc does for us goes straight to the real functions.
 *
 * Initialisation never calls malloc.  A wrapper may be reached from an
 * allocator's own start-up: jemalloc reads /etc/malloc.conf (readlink)
 * with its init lock held, so a malloc from here would wait for that
 * lock forever.  The configuration and the strings kept from the
 * environment live in one anonymous mapping (config.c, keep() below);
 * the tables, opened later, live in its spare room too and build their
 * maps in anonymous mappings (wt_map.c); the real functions are
 * found by nextsym.c's walk (dlsym where it is unsure; a failed dlsym
 * mallocs for dlerror, but every row exists in the libc the library was
 * built against).
 *
 * After fork the child inherits the mount table and the whiteout tables
 * as they are.  The fork handlers of every room are called from here
 * (un_fork_*), and only when some lock may be held: a process with one
 * thread that forks from outside the library holds none, and a shell
 * forks for every command.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

bool un_active;
__thread int un_depth;
const char *un_self_path;
const char *un_self_given;
const char *un_layers_value;
#if defined(__x86_64__)
long un_errno_off;

/* (internal.h: the offset of libc's errno from the thread pointer, the
   same in every thread; 0 until learnt.) */
int *un_errno_learn(void)
{
	int *p = __errno_location();

	__atomic_store_n(&un_errno_off,
			 (long)((char *)p - (char *)__builtin_thread_pointer()),
			 __ATOMIC_RELAXED);
	return p;
}
#endif

const char *un_preload_value;
int un_tables_state;

/* How far start-up has come (see un_init). */
enum {
	INIT_NONE,
	INIT_EARLY,		/* a thread is in init_early */
	INIT_STARTED,		/* init_early done: what the constructor does */
	INIT_LATE,		/* a thread is in init_late */
	INIT_DONE,		/* init_late done too: a wrapper has run */
};
static int init_state;

/* The last of the writable segment, after .bss (segment.ld): .bss then
   lies in the file and the loader maps no memory for it.  Not zero, or
   the compiler would make it .bss of its own. */
static char segment_end __attribute__((section(".un_end"), used)) = 1;

static void die(const char *fmt, const char *what)
	__attribute__((noreturn));

/* One line on stderr, then exit 125: nothing runs half protected. */
static void die(const char *fmt, const char *what)
{
	char line[PATH_MAX + 256];
	int len = snprintf(line, sizeof(line), fmt, what);

	if (len > 0) {
		if ((size_t)len >= sizeof(line))
			len = sizeof(line) - 1;
		if (write(2, line, len) < 0)
			_exit(125);
	}
	_exit(125);
}

/*
 * The process's and the thread's ids without a system call per use:
 * glibc no longer caches getpid(), and the table's writers ask for it
 * before every record (after a fork the child must reopen the lock
 * file, whose flock it would share with its parent), copy-ups for
 * every staging name.  The process id lives in a page the kernel
 * zeroes in every child (MADV_WIPEONFORK, Linux 4.14): any fork, also
 * a raw clone() that runs no atfork handler, finds 0 there and asks
 * again.  A vfork child shares the page, and so answers its parent's
 * id: right for these uses, since it also shares the parent's memory
 * (the handles, the descriptor numbers kept there) and runs while the
 * parent waits.  Where the page cannot be had, getpid() every time.
 * The thread id is cached per thread, valid while the process id it
 * was taken under is still ours.
 *
 * The effective user id lives there too (un_self_euid below).
 */
struct self_page {
	pid_t pid;		/* 0: ask */
	/* The effective uid plus one in the low half (0: ask), a count
	   of the changes (un_self_euid_changed) in the high half. */
	uint64_t euid;
	struct un_stage_cache stage;	/* work_sweep.c's */
};

static struct self_page *self_page;	/* NULL: not yet; MAP_FAILED: none */

static struct self_page *self_page_make(void)
{
	struct self_page *p = MAP_FAILED, *none = NULL;
	int saved = errno;

#ifdef MADV_WIPEONFORK
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED && madvise(p, 4096, MADV_WIPEONFORK) != 0) {
		munmap(p, 4096);
		p = MAP_FAILED;
	}
#endif
	if (!__atomic_compare_exchange_n(&self_page, &none, p, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Another thread was first. */
		if (p != MAP_FAILED)
			munmap(p, 4096);
		p = none;
	}
	errno = saved;
	return p;
}

static inline struct self_page *self_page_get(void)
{
	struct self_page *p = __atomic_load_n(&self_page, __ATOMIC_ACQUIRE);

	if (__builtin_expect(p == NULL, 0))
		p = self_page_make();
	return p;
}

struct un_stage_cache *un_self_stage(void)
{
	struct self_page *p = self_page_get();

	return p == MAP_FAILED ? NULL : &p->stage;
}

pid_t un_self_pid(void)
{
	struct self_page *p = self_page_get();
	pid_t pid;

	if (p == MAP_FAILED)
		return getpid();
	pid = __atomic_load_n(&p->pid, __ATOMIC_RELAXED);
	if (pid == 0) {
		pid = getpid();
		__atomic_store_n(&p->pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

/*
 * The effective uid, asked on every change of a name (is the caller
 * unprivileged? DESIGN.md, Permissions), several times per copy-up.
 * It changes only by a set*id call of the process itself, or by a move
 * into another user namespace; each of those wrapped (wrap_cred.c)
 * calls un_self_euid_changed.  glibc's set*id functions change every
 * thread at once; a raw one (syscall(SYS_setuid...)) only the calling
 * thread's, and a new user namespace may get its map written later by
 * another process: after those the uid is asked every time, in this
 * process and its children (a plain variable, which forks copy).  A
 * process started in a namespace with no map yet has the overflow uid
 * (65534 by default): that answer is never kept, so the map written
 * later is seen.  A child of a fork finds the page wiped and asks
 * again (a child made with CLONE_NEWUSER has another uid).
 * The count of changes in the word makes a store lose against a change
 * made meanwhile: a thread that asked before another's setuid and
 * stores after it must not keep the old uid.
 */
#define UN_OVERFLOW_UID 65534u

static bool euid_never;		/* ask every time, for good */

/*
 * Is geteuid libc's own?  fakeroot (and pseudo) preload their own set of
 * id functions: their seteuid fakes the change and never reaches our
 * wrapper, so a faked uid is asked every time.  Found once (not in a
 * handler: dladdr takes the loader's lock); -1 not yet.
 */
static int euid_libc = -1;

static bool euid_is_libc(void)
{
	int known = __atomic_load_n(&euid_libc, __ATOMIC_RELAXED), saved;
	Dl_info info;

	if (known >= 0)
		return known;
	if (un_in_signal())
		return false;
	saved = errno;
	known = dladdr((void *)geteuid, &info) && info.dli_fname &&
		strstr(info.dli_fname, "/libc.so");
	errno = saved;
	__atomic_store_n(&euid_libc, known, __ATOMIC_RELAXED);
	return known;
}

uid_t un_self_euid(void)
{
	struct self_page *p = self_page_get();
	uint64_t w;
	uid_t uid;

	if (p == MAP_FAILED || __atomic_load_n(&euid_never, __ATOMIC_RELAXED) ||
	    !euid_is_libc())
		return geteuid();
	w = __atomic_load_n(&p->euid, __ATOMIC_ACQUIRE);
	if ((uint32_t)w != 0)
		return (uid_t)((uint32_t)w - 1);
	uid = geteuid();
	if (uid != UN_OVERFLOW_UID && uid != (uid_t)-1)
		__atomic_compare_exchange_n(&p->euid, &w,
					    (w & ~(uint64_t)UINT32_MAX) |
					    ((uint64_t)uid + 1), false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	return uid;
}

void un_self_euid_changed(bool for_good)
{
	struct self_page *p = self_page_get();
	uint64_t w;

	if (for_good)
		__atomic_store_n(&euid_never, true, __ATOMIC_RELAXED);
	if (p == MAP_FAILED)
		return;
	w = __atomic_load_n(&p->euid, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&p->euid, &w,
					    ((w >> 32) + 1) << 32, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		;
}

pid_t un_self_tid(void)
{
	static __thread pid_t tid, tid_pid;
	pid_t pid = un_self_pid();

	if (tid_pid != pid) {
		tid = (pid_t)syscall(SYS_gettid);
		tid_pid = pid;
	}
	return tid;
}

/*
 * fork: the locks of every room are taken in prepare and given back in
 * the parent and in the child.  The depth guard is raised meanwhile, so
 * that a signal handler running in between goes straight to libc rather
 * than wait for a lock its own thread holds.
 *
 * A process with one thread, forking from outside the library and not
 * from a handler, holds no lock of ours and nobody else can: then the
 * handlers touch nothing.  Every page a process writes after a fork
 * costs it a fault (the fork made it copy-on-write), in the parent and
 * in the child, and shells fork for every command.
 */
static bool fork_locked;	/* this fork took the locks */

/* fork_prepare holds the tables' state at OPENING (it was ARMED):
   fork_parent and fork_child give ARMED back. */
static bool fork_holds_tables;

static void fork_tables_release(void)
{
	if (fork_holds_tables)
		__atomic_store_n(&un_tables_state, UN_TABLES_ARMED,
				 __ATOMIC_RELEASE);
}

static void fork_prepare(void)
{
	bool lock = !__libc_single_threaded || un_depth > 0 ||
		    un_sigdepth > 0;

	if (!un_in_signal())
		un_heap_learn();
	if (fork_locked != lock)
		fork_locked = lock;	/* written only when it changes */
	if (!lock)
		return;
	un_depth++;
	/* Another thread opening the tables finishes first: the child
	   must not inherit them half made.  And none starts until the
	   fork is made: the state is held at OPENING meanwhile (a test
	   of it alone let a thread start between it and the fork, and
	   the child waited for an opening no thread of its made). */
	for (;;) {
		int state = __atomic_load_n(&un_tables_state,
					    __ATOMIC_ACQUIRE);

		if (state == UN_TABLES_OPENING) {
			sched_yield();
			continue;
		}
		fork_holds_tables = state == UN_TABLES_ARMED;
		if (!fork_holds_tables ||
		    __atomic_compare_exchange_n(&un_tables_state, &state,
						UN_TABLES_OPENING, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	un_fork_cwd_prepare();
	for (int i = 0; i < un_config.nmount; i++)
		if (un_config.mount[i].wt)
			un_wtable_fork_prepare(un_config.mount[i].wt);
}

static void fork_parent(void)
{
	if (!fork_locked)
		return;
	for (int i = un_config.nmount - 1; i >= 0; i--)
		if (un_config.mount[i].wt)
			un_wtable_fork_parent(un_config.mount[i].wt);
	un_fork_cwd_parent();
	fork_tables_release();
	un_depth--;
}

UN_EXEC_TEXT static void fork_child(void)
{
	un_fd_forked();
	un_cwd_forked();
	if (!fork_locked)
		return;
	for (int i = 0; i < un_config.nmount; i++)
		if (un_config.mount[i].wt)
			un_wtable_fork_child(un_config.mount[i].wt);
	un_fork_cwd_child();
	un_fork_dents_child();
	un_fork_popen_child();
	fork_tables_release();
	un_depth--;
}

/* The configuration's spare room, else a mapping of its own. */
UN_EXEC_TEXT static void *boot_alloc(size_t size)
{
	void *p = un_config_alloc(&un_config, size);

	if (!p) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
		else
			un_lsan_root(p, size);
	}
	return p;
}

/* Is entry "name=..."?  (By hand: see init_early.) */
UN_EXEC_TEXT static bool env_is(const char *entry, const char *name)
{
	while (*name && *entry == *name) {
		entry++;
		name++;
	}
	return !*name && *entry == '=';
}

/* (The names beside the code: a shell's child reads them before its
   exec, and .rodata's page would be one fault more there.) */
static const char env_preload[] UN_EXEC_RODATA = "LD_PRELOAD",
		  env_layers[] UN_EXEC_RODATA = "UNION_LAYERS",
		  env_cwd[] UN_EXEC_RODATA = "UNION_CWD",
		  env_oci[] UN_EXEC_RODATA = "UNION_OCI_LOWERS",
		  env_ldpath[] UN_EXEC_RODATA = "LD_LIBRARY_PATH",
		  env_ldpath_saved[] UN_EXEC_RODATA = "UNION_LD_LIBRARY_PATH",
		  env_preload_saved[] UN_EXEC_RODATA = "UNION_LD_PRELOAD";

UN_EXEC_TEXT enum un_env_var un_env_var(const char *entry)
{
	if (entry[0] == 'L') {
		if (entry[1] != 'D' || entry[2] != '_')
			return UN_ENV_OTHER;
		return env_is(entry, env_preload) ? UN_ENV_PRELOAD :
		       env_is(entry, env_ldpath)  ? UN_ENV_LDPATH :
						    UN_ENV_OTHER;
	}
	/* (UNION_, then its next letter tells which name to compare: a
	   byte at a time, none read past a shorter entry's end.) */
	if (entry[0] != 'U' || entry[1] != 'N' || entry[2] != 'I' ||
	    entry[3] != 'O' || entry[4] != 'N' || entry[5] != '_')
		return UN_ENV_OTHER;
	if (entry[6] == 'L')
		return env_is(entry, env_layers)       ? UN_ENV_LAYERS :
		       env_is(entry, env_ldpath_saved) ? UN_ENV_LDPATH_SAVED :
		       env_is(entry, env_preload_saved) ? UN_ENV_PRELOAD_SAVED :
							 UN_ENV_OTHER;
	if (entry[6] == 'C')
		return env_is(entry, env_cwd) ? UN_ENV_CWD : UN_ENV_OTHER;
	if (entry[6] == 'O')
		return env_is(entry, env_oci) ? UN_ENV_OCI : UN_ENV_OTHER;
	return UN_ENV_OTHER;
}

/* A copy of s, never freed (by hand: see init_early). */
UN_EXEC_TEXT static const char *keep(const char *s)
{
	size_t len = 0;
	char *copy;

	/* (The empty asm keeps the compiler from making this loop a call
	   to strlen.) */
	while (s[len]) {
		len++;
		__asm__("" : "+r"(len));
	}
	copy = boot_alloc(len + 1);
	if (copy)
		for (size_t i = 0; i <= len; i++)
			copy[i] = s[i];
	return copy;
}

extern char **environ;

/*
 * What the constructor does: UNION_LAYERS checked (DESIGN.md: a
 * malformed value or a missing layer stops the program before main), and
 * nothing else that can wait.  Every libc function the library first
 * calls in a process is bound then by the loader (~800 instructions and
 * a look through libc's symbol tables each), so the environment is read
 * in one pass by hand instead of by four getenv, and the real functions
 * are found when first called (real.c; the walk's check against dlsym
 * waits for the first wrapper, un_real_late).
 */
UN_EXEC_TEXT static void init_early(void)
{
	const char *layers = NULL, *preload = NULL, *cwd = NULL,
		   *oci = NULL;
	char **ldpath = NULL, **ldpath_saved = NULL, **pre = NULL,
	     **pre_saved = NULL;
	char err[PATH_MAX + 128];
	bool uppers = false;

	un_real_early();
	/* The first of each, as getenv answers. */
	for (char **e = environ; e && *e; e++) {
		switch (un_env_var(*e)) {
		case UN_ENV_LAYERS:
			if (!layers)
				layers = *e + sizeof("UNION_LAYERS");
			break;
		case UN_ENV_PRELOAD:
			if (!pre)
				pre = e;
			break;
		case UN_ENV_CWD:
			if (!cwd)
				cwd = *e + sizeof("UNION_CWD");
			break;
		case UN_ENV_OCI:
			if (!oci)
				oci = *e + sizeof("UNION_OCI_LOWERS");
			break;
		case UN_ENV_LDPATH:
			if (!ldpath)
				ldpath = e;
			break;
		case UN_ENV_LDPATH_SAVED:
			if (!ldpath_saved)
				ldpath_saved = e;
			break;
		case UN_ENV_PRELOAD_SAVED:
			if (!pre_saved)
				pre_saved = e;
			break;
		case UN_ENV_OTHER:
			break;
		}
	}
	/* The program's own LD_PRELOAD and LD_LIBRARY_PATH back
	   (exec_ldpath.c; the loader has read the expansions), with or
	   without a union.  (The entries after a saved one move down.) */
	if (pre_saved) {
		un_ldpath_restore(pre, pre_saved);
		if (pre && pre > pre_saved)
			pre--;
		if (ldpath && ldpath > pre_saved)
			ldpath--;
		if (ldpath_saved && ldpath_saved > pre_saved)
			ldpath_saved--;
	}
	if (pre)
		preload = *pre + sizeof("LD_PRELOAD");
	if (ldpath_saved)
		un_ldpath_restore(ldpath, ldpath_saved);
	if (!layers || !*layers)
		return;
	if (un_config_parse(layers, &un_config, true, err, sizeof(err)) < 0)
		die("libunion: UNION_LAYERS: %s\n", err);
	un_layers_value = keep(layers);
	if (preload)
		un_preload_value = keep(preload);
	un_config.oci_lowers = oci && oci[0] == '1' && !oci[1];
	for (int i = 0; i < un_config.nmount; i++)
		uppers = uppers || un_config.mount[i].upper;
	if (uppers)
		__atomic_store_n(&un_tables_state, UN_TABLES_ARMED,
				 __ATOMIC_RELEASE);
	/* The environment's strings lie on the initial stack, where a
	   program's unsetenv or clearenv leaves them. */
	un_cwd_arm(cwd);
	__atomic_store_n(&un_active, un_config.nmount > 0, __ATOMIC_RELEASE);
}

/* What waits for the first wrapper: the real functions' check against
   dlsym (real.c), the library's own path
   (for the children's LD_PRELOAD), the fork handlers.  Until a wrapper
   has run, no lock of ours can be held and no real function of the exec
   path is worth finding before a fork (see fork_prepare). */
static void init_late(void)
{
	un_real_late();
	un_self_path = un_nextsym_self();
	un_self_given = un_nextsym_self_given();
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* This thread is in init_early or init_late (a wrapper reached from
   there goes on without waiting for itself). */
static __thread bool init_running;

/*
 * Start-up, in two steps, each once, in whichever thread comes first,
 * the others waiting for it: the constructor takes the first
 * (un_init_early), the first wrapper the second (un_init).  Not
 * pthread_once: its end is a futex wake, a system call in every process,
 * for waiters that are almost never there.
 */
UN_EXEC_TEXT static void init_upto(int goal)
{
	int state;

	while ((state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE)) <
	       goal) {
		int next = state == INIT_NONE ? INIT_EARLY : INIT_LATE;

		if (init_running)
			return;
		if ((state != INIT_NONE && state != INIT_STARTED) ||
		    !__atomic_compare_exchange_n(&init_state, &state, next,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			sched_yield();	/* another thread is at it */
			continue;
		}
		init_running = true;
		un_depth++;
		if (next == INIT_EARLY)
			init_early();
		else
			init_late();
		un_depth--;
		init_running = false;
		__atomic_store_n(&init_state, next + 1, __ATOMIC_RELEASE);
	}
}

/*
 * fork.  The fork handlers are registered by init_late, at the first
 * wrapper of whichever thread calls into the library first; a fork made
 * meanwhile by another thread (the program's main thread, say, while
 * its new threads make their first calls) would leave the child
 * waiting for a start-up no thread of its own is making.  So a fork
 * waits for a start-up under way, and holds the state at INIT_LATE
 * until it is made, so that none begins in between (this thread is
 * marked as in it: a wrapper that another library's fork handler calls
 * goes on without waiting for itself).  The child, like the parent,
 * starts up at its next wrapper.
 */
UN_EXEC_TEXT UN_EXPORT pid_t fork(void)
{
	bool held = false;
	pid_t pid;

	for (;;) {
		int state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);

		if (init_running || state == INIT_NONE || state == INIT_DONE)
			break;
		if (state == INIT_STARTED &&
		    __atomic_compare_exchange_n(&init_state, &state, INIT_LATE,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			held = true;
			init_running = true;
			break;
		}
		sched_yield();	/* another thread is starting up */
	}
	/* Here, not in fork_prepare: it calls calloc, and an allocator
	   whose own prepare handler ran first (jemalloc linked into the
	   program) holds its locks there: the fork hung
	   (edges/alloc-jemalloc). */
	un_real_fork();
	un_exec_fork();
	pid = real_fork();
	if (held) {
		init_running = false;
		__atomic_store_n(&init_state, INIT_STARTED, __ATOMIC_RELEASE);
	}
	return pid;
}

UN_EXEC_TEXT void un_init(void)
{
	if (__builtin_expect(__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) ==
			     INIT_DONE, 1))
		return;
	init_upto(INIT_DONE);
}

/*
 * The whiteout tables of every upper, opened at the first lookup in a
 * union (un_tables_need): made where missing, checked and loaded into
 * their maps.  One thread opens them while the others wait; its
 * handlers are held back meanwhile (un_sig_hold), so that none finds
 * them half made.  A vfork child may be the one: the
 * handles are the parent's memory then, and descriptors that the parent
 * lacks are reopened at their next use, as after a program's closefrom.
 */
static void tables_open(void)
{
	char err[PATH_MAX + 128];

	for (int i = 0; i < un_config.nmount; i++) {
		struct un_mount *m = &un_config.mount[i];
		int rc;

		if (!m->upper || m->wt)
			continue;
		rc = un_wtable_open_mem(m->upper,
				un_config_alloc(&un_config,
						un_wtable_mem_size(m->upper)),
				&m->wt);
		if (rc < 0) {
			/* whiteout.c has already said which file and why;
			   a vfork child dying here leaves the parent to
			   try (and say it) again. */
			__atomic_store_n(&un_tables_state, UN_TABLES_ARMED,
					 __ATOMIC_RELEASE);
			snprintf(err, sizeof(err), "%s: %s", m->upper,
				 strerror(-rc));
			/* A chmod of MERGED itself can take the owner's
			   search permission from UPPER: the kernel's overlay
			   goes on with the mounter's credentials; a new
			   process here cannot reach UPPER/.union (a known
			   limit), so it says how to give the union back. */
			if (rc == -EACCES &&
			    real_faccessat(AT_FDCWD, m->upper, X_OK,
					   AT_EACCESS) < 0)
				die("libunion: cannot open the whiteout table of upper %s"
				    " (the upper lost its owner's search"
				    " permission, as after a chmod of MERGED"
				    " itself: chmod u+x on the upper gives the"
				    " union back)\n", err);
			die("libunion: cannot open the whiteout table of upper %s\n",
			    err);
		}
	}
}

void un_tables_open(void)
{
	int state;

	while ((state = __atomic_load_n(&un_tables_state, __ATOMIC_ACQUIRE)) !=
	       UN_TABLES_OPEN) {
		int armed = UN_TABLES_ARMED;
		struct un_sig_hold hold;

		if (state == UN_TABLES_NONE)
			return;		/* no union with an upper here */
		if (state == UN_TABLES_OPENING) {
			sched_yield();	/* another thread is at it */
			continue;
		}
		/* The depth raised and the handlers held back from before
		   the state says OPENING: a handler of this thread would
		   wait for it for ever.  (Held, not blocked: no system
		   call; one the library does not serve finds the depth
		   raised and goes straight to libc.) */
		un_depth++;
		un_sig_hold(&hold);
		if (!__atomic_compare_exchange_n(&un_tables_state, &armed,
						 UN_TABLES_OPENING, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			un_sig_unhold(&hold);
			un_depth--;
			continue;
		}
		tables_open();
		__atomic_store_n(&un_tables_state, UN_TABLES_OPEN,
				 __ATOMIC_RELEASE);
		un_sig_unhold(&hold);
		un_depth--;
	}
}

UN_EXEC_TEXT __attribute__((constructor)) static void un_constructor(void)
{
	int none = INIT_NONE;

	/* The first touch of init_state's page of .bss a write: .bss lies
	   in the file (segment.ld), so init_upto's load first mapped the
	   file's page and its exchange then copied it, two page faults in
	   every process started, where a write first is one
	   (bench/README.md "Session 19 (exec19)").  The exchange changes
	   nothing, INIT_NONE for INIT_NONE (it matches in a constructor,
	   and writes either way on x86-64). */
	__atomic_compare_exchange_n(&init_state, &none, INIT_NONE, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	init_upto(INIT_STARTED);
}
