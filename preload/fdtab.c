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
 * pointer to an immutable entry, swapped atomically; the old entry is
 * freed by whoever swapped it out.  (A thread that closes a descriptor
 * another thread is using as a dirfd races in the kernel too.)
 *
 * The cwd: when the process's cwd is a merged directory, un_cwd holds
 * its merged path and the real cwd is the directory's topmost layer.
 * Relative paths are then looked up from the merged path.  Across exec
 * the merged cwd travels in UNION_CWD ("dev:ino:path" of the real cwd, so
 * a child that changed directory before exec does not adopt a stale one).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CHUNK_BITS 10
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define NCHUNKS 1024u

struct fd_entry {
	bool merged_dir;
	bool upper;		/* opened on an object of the upper: a change
				   through it never needs a copy-up */
	bool stream;		/* read by a streamed DIR (readdir.c): never
				   re-pointed under it */
	bool dead;		/* its directory was removed from the merged
				   view: nothing can be found in it */
	bool fifo;		/* a lower fifo's stand-in (fifo.c) */
	char vpath[];
};

static struct fd_entry **chunks[NCHUNKS];

static struct fd_entry **slot(int fd, bool create)
{
	unsigned c, i;
	struct fd_entry **chunk;

	if (fd < 0 || (unsigned)fd >= CHUNK_SIZE * NCHUNKS)
		return NULL;
	c = (unsigned)fd >> CHUNK_BITS;
	i = (unsigned)fd & (CHUNK_SIZE - 1);
	chunk = __atomic_load_n(&chunks[c], __ATOMIC_ACQUIRE);
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
static struct fd_entry outside_entry;
#define OUTSIDE (&outside_entry)

static void release(struct fd_entry *e)
{
	if (e != OUTSIDE)
		free(e);
}

static void put(int fd, struct fd_entry *e)
{
	struct fd_entry **s = slot(fd, e != NULL);

	if (!s) {
		release(e);
		return;
	}
	release(__atomic_exchange_n(s, e, __ATOMIC_ACQ_REL));
}

void un_fd_set_outside(int fd)
{
	put(fd, OUTSIDE);
}

/*
 * A descriptor we have not seen open: if /proc/self/fd shows it on an
 * object of some layer, it stands for that object's merged path (a
 * directory descriptor a parent passed across exec, say).
 */
static struct fd_entry *discover(int fd)
{
	char proc[64], real[PATH_MAX], merged[PATH_MAX];
	struct un_node n;
	ssize_t len;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	len = real_readlink(proc, real, sizeof(real) - 1);
	if (len < 0 && errno == ENOENT)
		return NULL;	/* not open: the caller answers EBADF */
	if (len <= 0 || real[0] != '/') {
		put(fd, OUTSIDE);
		return OUTSIDE;
	}
	real[len] = '\0';
	if (un_path_unreal(real, merged, sizeof(merged)) < 0 ||
	    un_lookup(AT_FDCWD, merged, 0, &n) != 0 || n.layer < 0) {
		put(fd, OUTSIDE);
		return OUTSIDE;
	}
	un_fd_set(fd, merged, un_node_is_merged_dir(&n));
	struct fd_entry **s = slot(fd, false);

	return s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : OUTSIDE;
}

void un_fd_set(int fd, const char *vpath, bool merged_dir)
{
	struct fd_entry *e = NULL;

	if (vpath) {
		size_t len = strlen(vpath);

		e = malloc(sizeof(*e) + len + 1);
		if (!e)
			return;
		e->merged_dir = merged_dir;
		e->upper = false;
		e->stream = false;
		e->dead = false;
		e->fifo = false;
		memcpy(e->vpath, vpath, len + 1);
	}
	put(fd, e);
}

/* The entry of fd when it has one in a union (none for OUTSIDE). */
static struct fd_entry *entry_of(int fd)
{
	struct fd_entry **s = slot(fd, false);
	struct fd_entry *e = s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : NULL;

	return e == OUTSIDE ? NULL : e;
}

/* The flags below are set once on an entry and never cleared. */
#define FD_FLAG(mark, test, field)					\
	void mark(int fd)						\
	{								\
		struct fd_entry *e = entry_of(fd);			\
									\
		if (e)							\
			__atomic_store_n(&e->field, true, __ATOMIC_RELEASE); \
	}								\
	bool test(int fd)						\
	{								\
		struct fd_entry *e = entry_of(fd);			\
									\
		return e && __atomic_load_n(&e->field, __ATOMIC_ACQUIRE); \
	}

FD_FLAG(un_fd_mark_upper, un_fd_in_upper, upper)
FD_FLAG(un_fd_mark_stream, un_fd_is_stream, stream)
FD_FLAG(un_fd_mark_fifo, un_fd_is_fifo, fifo)

void un_fd_forget(int fd)
{
	struct fd_entry **s = slot(fd, false);

	if (s && __atomic_load_n(s, __ATOMIC_RELAXED))
		put(fd, NULL);
}

int un_fd_get(int fd, char *buf, size_t len, bool *merged_dir)
{
	struct fd_entry **s = slot(fd, false);
	struct fd_entry *e = s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : NULL;
	size_t n;

	if (fd < 0 || !un_active)
		return -ENOENT;
	if (!e) {
		e = discover(fd);
		if (!e)
			return -EBADF;
	}
	if (e == OUTSIDE)
		return -ENOENT;
	n = strlen(e->vpath);
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, e->vpath, n + 1);
	if (merged_dir)
		*merged_dir = e->merged_dir;
	return __atomic_load_n(&e->dead, __ATOMIC_ACQUIRE) ? -ESTALE : 0;
}

/* The new number shares the old one's open file: the same entry, with
   every flag (never the re-discovery of an unknown number). */
void un_fd_dup(int oldfd, int newfd)
{
	char buf[PATH_MAX];
	int rc = un_fd_get(oldfd, buf, sizeof(buf), NULL);
	struct fd_entry *e = entry_of(oldfd), *copy;
	size_t size;

	if ((rc != 0 && rc != -ESTALE) || !e) {
		un_fd_forget(newfd);
		return;
	}
	size = sizeof(*e) + strlen(buf) + 1;
	copy = malloc(size);
	if (!copy) {
		un_fd_forget(newfd);
		return;
	}
	memcpy(copy, e, sizeof(*e));
	memcpy(copy->vpath, buf, size - sizeof(*e));
	put(newfd, copy);
}
void un_fd_forget_range(unsigned first, unsigned last)
{
	for (unsigned c = first >> CHUNK_BITS; c < NCHUNKS; c++) {
		struct fd_entry **chunk = __atomic_load_n(&chunks[c],
							  __ATOMIC_ACQUIRE);

		if ((c << CHUNK_BITS) > last)
			break;
		if (!chunk)
			continue;
		for (unsigned i = 0; i < CHUNK_SIZE; i++) {
			unsigned fd = (c << CHUNK_BITS) | i;

			if (fd >= first && fd <= last && chunk[i])
				release(__atomic_exchange_n(&chunk[i], NULL,
							    __ATOMIC_ACQ_REL));
		}
	}
}

void un_fd_foreach_path(const char *vpath, void (*fn)(int fd, void *arg),
			void *arg)
{
	for (unsigned c = 0; c < NCHUNKS; c++) {
		struct fd_entry **chunk = __atomic_load_n(&chunks[c],
							  __ATOMIC_ACQUIRE);

		if (!chunk)
			continue;
		for (unsigned i = 0; i < CHUNK_SIZE; i++) {
			struct fd_entry *e = __atomic_load_n(&chunk[i],
							     __ATOMIC_ACQUIRE);

			if (e && e != OUTSIDE && !strcmp(e->vpath, vpath))
				fn((int)((c << CHUNK_BITS) | i), arg);
		}
	}
}

/* The path new + (path - old), when path is old or lies below it. */
static char *moved(const char *path, const char *old, const char *new)
{
	size_t ol = strlen(old), nl = strlen(new), pl = strlen(path);
	char *s;

	if (strncmp(path, old, ol) || (path[ol] != '/' && path[ol] != '\0'))
		return NULL;
	s = malloc(nl + pl - ol + 1);
	if (s) {
		memcpy(s, new, nl);
		memcpy(s + nl, path + ol, pl - ol + 1);
	}
	return s;
}

/*
 * The kernel's descriptors and cwd hold the object, not its name: after
 * a rename of a directory (or an exchange of two names) the descriptors
 * at or below it answer for the new place, and after an rmdir nothing
 * can be found in it.  Ours hold merged paths, so they are moved along.
 */
enum moving { MOVE_RENAME, MOVE_EXCHANGE, MOVE_REMOVE };

static void cwd_move(const char *a, const char *b, enum moving how);

/* The new entry for e after the change, or NULL when e stays as it is. */
static struct fd_entry *after_move(const struct fd_entry *e, const char *a,
				   const char *b, enum moving how)
{
	char *p = NULL;
	struct fd_entry *fresh;
	size_t len;

	if (how == MOVE_REMOVE) {
		if (strcmp(e->vpath, a) || e->dead)
			return NULL;
		len = strlen(e->vpath);
	} else {
		p = moved(e->vpath, a, b);
		if (!p && how == MOVE_EXCHANGE)
			p = moved(e->vpath, b, a);
		if (!p)
			return NULL;
		len = strlen(p);
	}
	fresh = malloc(sizeof(*fresh) + len + 1);
	if (fresh) {
		memcpy(fresh, e, sizeof(*fresh));
		memcpy(fresh->vpath, p ? p : e->vpath, len + 1);
		if (how == MOVE_REMOVE)
			fresh->dead = true;
	}
	free(p);
	return fresh;
}

static void fds_move(const char *a, const char *b, enum moving how)
{
	for (unsigned c = 0; c < NCHUNKS; c++) {
		struct fd_entry **chunk = __atomic_load_n(&chunks[c],
							  __ATOMIC_ACQUIRE);

		if (!chunk)
			continue;
		for (unsigned i = 0; i < CHUNK_SIZE; i++) {
			struct fd_entry *e = __atomic_load_n(&chunk[i],
							     __ATOMIC_ACQUIRE);
			struct fd_entry *fresh;

			if (!e || e == OUTSIDE ||
			    !(fresh = after_move(e, a, b, how)))
				continue;
			put((int)((c << CHUNK_BITS) | i), fresh);
		}
	}
	cwd_move(a, b, how);
}

void un_fd_renamed(const char *old, const char *new)
{
	fds_move(old, new, MOVE_RENAME);
}

void un_fd_exchanged(const char *a, const char *b)
{
	fds_move(a, b, MOVE_EXCHANGE);
}

void un_fd_removed(const char *vpath)
{
	fds_move(vpath, NULL, MOVE_REMOVE);
}

/* ---- the cwd ---- */

static pthread_mutex_t cwd_lock = PTHREAD_MUTEX_INITIALIZER;


static char *cwd_merged;	/* merged path of the cwd, or NULL */
static bool cwd_dead;		/* cwd_merged was removed (see fds_move) */
static char *cwd_real;		/* the real cwd as last seen */

/* The cwd follows a rename or exchange of itself or of a directory
   above it, and dies with an rmdir of itself. */
static void cwd_move(const char *a, const char *b, enum moving how)
{
	pthread_mutex_lock(&cwd_lock);
	if (cwd_merged && how == MOVE_REMOVE) {
		if (!strcmp(cwd_merged, a))
			cwd_dead = true;
	} else if (cwd_merged) {
		char *p = moved(cwd_merged, a, b);

		if (!p && how == MOVE_EXCHANGE)
			p = moved(cwd_merged, b, a);
		if (p) {
			free(cwd_merged);
			cwd_merged = p;
		}
	}
	pthread_mutex_unlock(&cwd_lock);
}
static bool cwd_near;		/* some MERGED lies below the real cwd */

bool un_cwd_near_union(void)
{
	return __atomic_load_n(&cwd_near, __ATOMIC_RELAXED);
}

/* Does some MERGED lie under the directory real? */
static bool near_union(const char *real)
{
	return real && un_config_is_ancestor(real, strlen(real));
}

static int copy_out(const char *s, char *buf, size_t len)
{
	size_t n;

	if (!s)
		return -ENOENT;
	n = strlen(s);
	if (n >= len)
		return -ERANGE;
	memcpy(buf, s, n + 1);
	return 0;
}

int un_cwd_get(char *buf, size_t len)
{
	int rc;

	pthread_mutex_lock(&cwd_lock);
	rc = copy_out(cwd_merged, buf, len);
	if (rc == 0 && cwd_dead)
		rc = -ESTALE;
	pthread_mutex_unlock(&cwd_lock);
	return rc;
}

int un_cwd_real(char *buf, size_t len)
{
	int rc;

	pthread_mutex_lock(&cwd_lock);
	rc = copy_out(cwd_real, buf, len);
	pthread_mutex_unlock(&cwd_lock);
	return rc;
}

void un_cwd_set(const char *vpath)
{
	char *fresh = vpath ? strdup(vpath) : NULL;

	pthread_mutex_lock(&cwd_lock);
	free(cwd_merged);
	cwd_merged = fresh;
	cwd_dead = false;
	pthread_mutex_unlock(&cwd_lock);
	if (!vpath)
		un_cwd_refresh();
}

void un_cwd_set_dead(const char *vpath)
{
	un_cwd_set(vpath);
	pthread_mutex_lock(&cwd_lock);
	cwd_dead = cwd_merged != NULL;
	pthread_mutex_unlock(&cwd_lock);
}

/* The UNION_CWD an exec'd parent left us, if it names our real cwd
   ("DEV:INO:PATH", or "DEV:INO:-PATH" for a removed directory). */
static char *inherited_cwd(bool *dead)
{
	const char *v = getenv("UNION_CWD");
	unsigned long long dev, ino;
	int off = 0;
	struct stat st;

	if (!v || sscanf(v, "%llu:%llu:%n", &dev, &ino, &off) != 2 || !off)
		return NULL;
	if (real_stat(".", &st) < 0 || st.st_dev != dev || st.st_ino != ino)
		return NULL;
	*dead = v[off] == '-';
	off += *dead;
	if (v[off] != '/' || !un_config_find(v + off))
		return NULL;
	return strdup(v + off);
}

/*
 * Re-read the real cwd after a chdir we did not translate; at start-up
 * also adopt the merged cwd (from UNION_CWD, or because the real cwd
 * lies lexically under a MERGED, as with an in-place union).
 */
void un_cwd_refresh(void)
{
	char buf[PATH_MAX];
	char *real = real_getcwd(buf, sizeof(buf)) ? strdup(buf) : NULL;
	char *merged = NULL;
	static bool started;
	bool dead = false;

	if (!started) {
		started = true;
		merged = inherited_cwd(&dead);
	}
	/* A real cwd under a MERGED (an in-place union, or a MERGED that
	   exists on disk) is that merged directory. */
	if (!merged && real && un_config_find(real))
		merged = strdup(real);
	pthread_mutex_lock(&cwd_lock);
	free(cwd_real);
	cwd_real = real;
	__atomic_store_n(&cwd_near, near_union(real), __ATOMIC_RELAXED);
	if (merged) {
		free(cwd_merged);
		cwd_merged = merged;
		cwd_dead = dead;
	}
	pthread_mutex_unlock(&cwd_lock);
}

/* A child of fork must not inherit a held lock. */
static void cwd_fork_prepare(void)
{
	un_depth++;	/* see init.c's fork_prepare */
	pthread_mutex_lock(&cwd_lock);
}

static void cwd_fork_parent(void)
{
	pthread_mutex_unlock(&cwd_lock);
	un_depth--;
}

static void cwd_fork_child(void)
{
	pthread_mutex_init(&cwd_lock, NULL);
	un_depth--;
}

__attribute__((constructor)) static void fdtab_setup(void)
{
	pthread_atfork(cwd_fork_prepare, cwd_fork_parent, cwd_fork_child);
}
