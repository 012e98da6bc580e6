/*
 * init.c - start-up, once and lazily.
 *
 * The constructor runs un_init() before main, so that a malformed
 * UNION_LAYERS stops the program before it can do anything half
 * protected.  But another library's constructor may call a wrapper
 * before ours has run, so every wrapper calls un_init() too; a
 * pthread_once makes it happen exactly once.  While initialising, the
 * depth guard is raised, so that whatever libc does for us goes straight
 * to the real functions.
 *
 * Initialisation never calls malloc.  A wrapper may be reached from an
 * allocator's own start-up: jemalloc reads /etc/malloc.conf (readlink)
 * with its init lock held, so a malloc from here would wait for that
 * lock forever.  The configuration and the strings kept from the
 * environment live in one anonymous mapping (config.c, keep() below); the
 * whiteout tables are checked at start but their maps are built at the
 * first lookup (whiteout.c); the real functions are all found by dlsym
 * (a failed dlsym mallocs for dlerror, but every row exists in the libc
 * the library was built against).  Only the merged cwd (fdtab.c), which
 * allocates, waits: when un_init runs before our constructor it is
 * taken by the constructor, under the guard.
 *
 * After fork the child inherits the mount table and the whiteout tables
 * as they are; their locks are reinitialised by their own atfork
 * handlers (whiteout.c, fdtab.c).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <unistd.h>

#include "internal.h"

bool un_active;
__thread int un_depth;
const char *un_self_path;
const char *un_layers_value;
const char *un_preload_value;

static pthread_once_t un_once = PTHREAD_ONCE_INIT;
static bool un_initialised;
static bool un_constructed;	/* our constructor has started */
static bool un_cwd_pending;	/* the merged cwd is still to be taken */

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

static void find_self(void)
{
	Dl_info info;

	if (dladdr((void *)&un_init, &info) && info.dli_fname &&
	    info.dli_fname[0] == '/')
		un_self_path = info.dli_fname;
}

/*
 * fork: the table locks are taken in prepare and given back in the parent
 * and in the child.  The depth guard is raised meanwhile, so that a
 * signal handler running in between goes straight to libc rather than
 * wait for a lock its own thread holds.
 *
 * A process with one thread, forking from outside the library, holds no
 * table lock and nobody else can: then the handlers touch nothing.  Every
 * page a process writes after a fork costs it a fault (the fork made it
 * copy-on-write), and shells fork for every command.
 */
static bool fork_locked;	/* this fork took the locks */

static void fork_prepare(void)
{
	bool lock = !__libc_single_threaded || un_depth > 0;

	un_depth++;
	if (fork_locked != lock)
		fork_locked = lock;	/* written only when it changes */
	if (!lock)
		return;
	for (int i = 0; i < un_config.nmount; i++)
		if (un_config.mount[i].wt)
			un_wtable_fork_prepare(un_config.mount[i].wt);
}

static void fork_parent(void)
{
	if (fork_locked)
		for (int i = un_config.nmount - 1; i >= 0; i--)
			if (un_config.mount[i].wt)
				un_wtable_fork_parent(un_config.mount[i].wt);
	un_depth--;
}

static void fork_child(void)
{
	if (fork_locked)
		for (int i = 0; i < un_config.nmount; i++)
			if (un_config.mount[i].wt)
				un_wtable_fork_child(un_config.mount[i].wt);
	un_depth--;
}

/* The configuration's spare room, else a mapping of its own. */
static void *boot_alloc(size_t size)
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

/* Copies of a and b (b may be NULL), never freed. */
static void keep(const char *a, const char *b, const char **ka,
		 const char **kb)
{
	size_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
	char *map = boot_alloc(la + lb);

	if (!map)
		return;
	*ka = memcpy(map, a, la);
	if (b)
		*kb = memcpy(map + la, b, lb);
}

static void init_once(void)
{
	const char *value;
	char err[PATH_MAX + 128];

	un_depth++;
	un_real_init();
	find_self();

	value = getenv("UNION_LAYERS");
	if (!value || !*value)
		goto out;
	if (un_config_parse(value, &un_config, true, err, sizeof(err)) < 0)
		die("libunion: UNION_LAYERS: %s\n", err);
	keep(value, getenv("LD_PRELOAD"), &un_layers_value, &un_preload_value);
	value = getenv("UNION_OCI_LOWERS");
	un_config.oci_lowers = value && !strcmp(value, "1");

	for (int i = 0; i < un_config.nmount; i++) {
		struct un_mount *m = &un_config.mount[i];
		int rc;

		if (!m->upper)
			continue;
		rc = un_wtable_open_mem(m->upper,
				un_config_alloc(&un_config,
						un_wtable_mem_size(m->upper)),
				&m->wt);
		if (rc < 0) {
			/* whiteout.c has already said which file and why */
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
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	if (__atomic_load_n(&un_constructed, __ATOMIC_ACQUIRE))
		un_cwd_refresh();
	else
		un_cwd_pending = true;
	un_active = un_config.nmount > 0;
out:
	__atomic_store_n(&un_initialised, true, __ATOMIC_RELEASE);
	un_depth--;
}

void un_init(void)
{
	if (__atomic_load_n(&un_initialised, __ATOMIC_ACQUIRE))
		return;
	pthread_once(&un_once, init_once);
}

__attribute__((constructor)) static void un_constructor(void)
{
	__atomic_store_n(&un_constructed, true, __ATOMIC_RELEASE);
	un_init();
	if (un_cwd_pending) {
		/* un_init ran early, from another library's calls. */
		un_cwd_pending = false;
		un_depth++;
		un_cwd_refresh();
		un_depth--;
	}
}
