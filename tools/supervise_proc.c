/*
 * supervise_proc.c - the supervised processes, their memory and their
 * paths.
 *
 * Threads are told apart by the notification's pid (a thread id) and
 * mapped to their process (Tgid in /proc/TID/status), where the kind and
 * the cwd live.  A process first seen takes the cwd of its parent (a
 * fork copies it); one whose parent is unknown, that of the kernel
 * (/proc/PID/cwd, mapped from its layer to MERGED).  A process ends when
 * its pidfd becomes readable (the loop watches them); its threads go
 * with it.
 *
 * The cwd: a supervised chdir into MERGED cannot move the kernel's cwd
 * (the directory may exist in no single layer), so the merged cwd is
 * kept here, and a relative path is always made absolute with it.  The
 * kernel's cwd is "synced" after a chdir outside every MERGED, which
 * is let through: only then may a relative path outside every MERGED
 * go to the kernel as it is.
 *
 * A descriptor's path is /proc/PID/fd/N: a descriptor opened through
 * the supervisor points into some layer, which maps back to MERGED
 * (layers never overlap, union run checks it).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uthash.h>

#include "supervise.h"

/* ---- the layers ---------------------------------------------------- */

struct sv_mount {
	char *merged;
	char *upper;		/* NULL: none */
	int nlower;
	char **lower;
};

static struct sv_mount *mounts;
static int nmounts;

/* One '\'-escaped field of UNION_LAYERS up to one of stops. */
static char *field(const char **s, const char *stops)
{
	char *out = malloc(strlen(*s) + 1), *o = out;

	if (!out)
		return NULL;
	while (**s && !strchr(stops, **s)) {
		if (**s == '\\' && (*s)[1])
			(*s)++;
		*o++ = *(*s)++;
	}
	*o = '\0';
	return out;
}

int sv_layers_init(void)
{
	const char *s = getenv("UNION_LAYERS");

	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		struct sv_mount m = { 0 };

		m.merged = field(&s, "=;");
		if (*s++ != '=')
			return -EINVAL;
		m.upper = field(&s, ":;");
		if (m.upper && !*m.upper) {
			free(m.upper);
			m.upper = NULL;
		}
		while (*s == ':') {
			s++;
			m.lower = realloc(m.lower,
					  (m.nlower + 1) * sizeof(*m.lower));
			if (!m.lower)
				return -ENOMEM;
			m.lower[m.nlower++] = field(&s, ":;");
		}
		mounts = realloc(mounts, (nmounts + 1) * sizeof(*mounts));
		if (!mounts)
			return -ENOMEM;
		mounts[nmounts++] = m;
		if (*s == ';')
			s++;
	}
	return nmounts ? 0 : -EINVAL;
}

/* Is path a or below it? */
static bool within(const char *path, const char *a, size_t *n)
{
	*n = strlen(a);
	if (*n == 1 && a[0] == '/') {
		*n = 0;
		return true;
	}
	return !strncmp(path, a, *n) && (path[*n] == '/' || !path[*n]);
}

bool sv_inside(const char *path)
{
	size_t n;

	for (int i = 0; i < nmounts; i++)
		if (within(path, mounts[i].merged, &n))
			return true;
	return false;
}

/* Replace the prefix (n bytes) of path by to. */
static bool replace_prefix(char *path, size_t size, size_t n, const char *to)
{
	size_t tl = strlen(to), rest = strlen(path + n);

	if (tl + rest + 1 > size)
		return false;
	memmove(path + tl, path + n, rest + 1);
	memcpy(path, to, tl);
	return true;
}

bool sv_real_to_merged(char *path, size_t size)
{
	size_t n;

	for (int i = 0; i < nmounts; i++) {
		struct sv_mount *m = &mounts[i];

		if (m->upper && within(path, m->upper, &n))
			return replace_prefix(path, size, n, m->merged);
		for (int k = 0; k < m->nlower; k++)
			if (within(path, m->lower[k], &n))
				return replace_prefix(path, size, n,
						      m->merged);
	}
	return false;
}

bool sv_in_lower(const char *path)
{
	size_t n;

	for (int i = 0; i < nmounts; i++) {
		if (mounts[i].upper && within(path, mounts[i].upper, &n))
			return false;
		for (int k = 0; k < mounts[i].nlower; k++)
			if (within(path, mounts[i].lower[k], &n))
				return true;
	}
	return false;
}

/* ---- the processes ------------------------------------------------- */

struct proc_ent {
	struct sv_proc p;
	UT_hash_handle hh;
};

struct thread_ent {
	pid_t tid;
	struct proc_ent *proc;
	UT_hash_handle hh;
};

static struct proc_ent *procs;
static struct thread_ent *threads;
static const char *lib_path;
/* pidfds of processes made since the loop last looked (a first-seen
   process can bring its unseen ancestors) */
static int new_pidfds[40];
static int nnew_pidfds;

/* Tgid and PPid of a thread; -ESRCH when it is gone. */
static int thread_status(pid_t tid, pid_t *tgid, pid_t *ppid, mode_t *umask)
{
	char name[64], buf[2048], *s;
	int fd;
	ssize_t n;

	snprintf(name, sizeof(name), "/proc/%d/status", (int)tid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	if (tgid) {
		s = strstr(buf, "\nTgid:");
		*tgid = s ? (pid_t)atoi(s + 6) : tid;
	}
	if (ppid) {
		s = strstr(buf, "\nPPid:");
		*ppid = s ? (pid_t)atoi(s + 6) : 0;
	}
	if (umask) {
		s = strstr(buf, "\nUmask:");
		*umask = s ? (mode_t)strtol(s + 7, NULL, 8) : 022;
	}
	return 0;
}

mode_t sv_umask_of(pid_t tid)
{
	mode_t m = 022;

	thread_status(tid, NULL, NULL, &m);
	return m;
}

static struct proc_ent *find_proc(pid_t tgid)
{
	struct proc_ent *e;

	HASH_FIND_INT(procs, &tgid, e);
	return e;
}

/* cwdfd: a descriptor of the cwd to copy (the parent's), -1 none. */
static struct proc_ent *add_proc(pid_t tgid, const char *cwd, bool synced,
				 int cwdfd)
{
	struct proc_ent *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->p.tgid = tgid;
	e->p.cwd = strdup(cwd);
	e->p.cwd_synced = synced;
	e->p.cwdfd = -1;
	if (!synced && cwdfd >= 0)
		e->p.cwdfd = fcntl(cwdfd, F_DUPFD_CLOEXEC, 3);
	if (!synced && e->p.cwdfd < 0)
		e->p.cwdfd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	e->p.pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (e->p.pidfd >= 0 && nnew_pidfds < 40)
		new_pidfds[nnew_pidfds++] = e->p.pidfd;
	HASH_ADD_INT(procs, p.tgid, e);
	return e;
}

/*
 * The first process: the cwd it was started in, the supervisor's (the
 * library's merged cwd).  Inside a MERGED the kernel's cwd is a layer's
 * directory, not the same: not synced, and the directory held open.
 */
int sv_procs_init(const char *libpath, pid_t child, const char *cwd)
{
	lib_path = libpath;
	return add_proc(child, cwd, !sv_inside(cwd), -1) ? 0 : -ENOMEM;
}

int sv_proc_take_new_pidfd(void)
{
	return nnew_pidfds ? new_pidfds[--nnew_pidfds] : -1;
}

static void drop_proc(struct proc_ent *e)
{
	struct thread_ent *t, *tmp;

	HASH_ITER(hh, threads, t, tmp) {
		if (t->proc == e) {
			HASH_DEL(threads, t);
			free(t);
		}
	}
	HASH_DEL(procs, e);
	if (e->p.pidfd >= 0)
		close(e->p.pidfd);
	if (e->p.cwdfd >= 0)
		close(e->p.cwdfd);
	free(e->p.cwd);
	free(e);
}

void sv_proc_ended(int pidfd)
{
	struct proc_ent *e, *tmp;

	HASH_ITER(hh, procs, e, tmp) {
		if (e->p.pidfd == pidfd) {
			drop_proc(e);
			return;
		}
	}
}

/* The kernel's cwd of a process, as a merged path where it is one. */
static char *kernel_cwd(pid_t pid)
{
	char name[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(name, sizeof(name), "/proc/%d/cwd", (int)pid);
	n = readlink(name, buf, sizeof(buf) - 1);
	if (n <= 0)
		return strdup("/");
	buf[n] = '\0';
	sv_real_to_merged(buf, sizeof(buf));
	return strdup(buf);
}

/*
 * The entry of a process first seen: its parent's cwd, the parent found
 * the same way (a subshell that forks before it makes a call of its own
 * is met first through its child); depth bounds the climb.
 */
static struct proc_ent *proc_first_seen(pid_t tgid, pid_t ppid, int depth)
{
	struct proc_ent *parent = NULL;
	pid_t pptgid, grand;

	if (ppid > 1 && depth < 32) {
		parent = find_proc(ppid);
		if (!parent && thread_status(ppid, &pptgid, &grand, NULL) == 0 &&
		    pptgid == ppid)
			parent = proc_first_seen(ppid, grand, depth + 1);
	}
	if (parent)
		return add_proc(tgid, parent->p.cwd, parent->p.cwd_synced,
				parent->p.cwdfd);
	char *cwd = kernel_cwd(tgid);
	struct proc_ent *e = add_proc(tgid, cwd ? cwd : "/",
				      !cwd || !sv_inside(cwd), -1);

	free(cwd);
	return e;
}

struct sv_proc *sv_proc_of(pid_t tid)
{
	struct thread_ent *t;
	struct proc_ent *e;
	pid_t tgid, ppid;

	HASH_FIND_INT(threads, &tid, t);
	if (t)
		return &t->proc->p;
	if (thread_status(tid, &tgid, &ppid, NULL) < 0)
		return NULL;
	e = find_proc(tgid);
	if (!e) {
		/* a thread's PPid is its process's parent */
		e = proc_first_seen(tgid, ppid, 0);
		if (!e)
			return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->proc = e;
	HASH_ADD_INT(threads, tid, t);
	return &e->p;
}

void sv_proc_forget_kind(struct sv_proc *p)
{
	struct thread_ent *t, *tmp;
	struct proc_ent *e = find_proc(p->tgid);

	p->kind_known = false;
	/* exec leaves one thread, renamed to the tgid */
	HASH_ITER(hh, threads, t, tmp) {
		if (e && t->proc == e && t->tid != p->tgid) {
			HASH_DEL(threads, t);
			free(t);
		}
	}
}

/*
 * Read the process's maps: does it have the library, and where lies the
 * text of libc and of the library (for a Go program with cgo)?
 */
static bool read_maps(struct sv_proc *p, bool *has_libc)
{
	char name[64];
	char *buf = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	*has_libc = false;
	p->nlibtext = 0;
	snprintf(name, sizeof(name), "/proc/%d/maps", (int)p->tgid);
	f = fopen(name, "re");
	if (!f)
		return false;
	while (getline(&buf, &cap, f) > 0) {
		unsigned long long lo, hi;
		char perms[8];
		bool lib = strstr(buf, lib_path) != NULL;
		bool libc = strstr(buf, "/libc.so") != NULL;

		found |= lib;
		*has_libc |= libc;
		if ((lib || libc) && p->nlibtext < 4 &&
		    sscanf(buf, "%llx-%llx %7s", &lo, &hi, perms) == 3 &&
		    perms[2] == 'x') {
			p->libtext[p->nlibtext][0] = lo;
			p->libtext[p->nlibtext][1] = hi;
			p->nlibtext++;
		}
	}
	free(buf);
	fclose(f);
	return found;
}

bool sv_proc_call_is_library(const struct sv_proc *p, uint64_t ip)
{
	for (int i = 0; i < p->nlibtext; i++)
		if (ip >= p->libtext[i][0] && ip < p->libtext[i][1])
			return true;
	return false;
}

/*
 * A process is the library's when it runs a dynamic program that is not
 * Go and has the library mapped.  A dynamic program that has not mapped
 * it yet (the loader is at work) is supervised meanwhile, and looked at
 * again at its next call; any other is supervised for good (until it
 * execs).  A Go program with cgo and the library is supervised, except
 * for the calls made from libc's or the library's text (the library's
 * own, whose paths are real already): known once libc is mapped.
 */
enum sv_kind sv_proc_kind(struct sv_proc *p)
{
	char name[64];
	enum sv_elf elf;
	bool has_lib, has_libc;
	int fd;

	if (p->kind_known)
		return p->kind;
	snprintf(name, sizeof(name), "/proc/%d/exe", (int)p->tgid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	elf = fd >= 0 ? sv_elf_kind(fd) : SV_ELF_STATIC;
	if (fd >= 0)
		close(fd);
	p->kind = SV_SUPERVISED;
	if (elf == SV_ELF_STATIC) {
		p->nlibtext = 0;
		p->kind_known = true;
		return p->kind;
	}
	has_lib = read_maps(p, &has_libc);
	if (elf == SV_ELF_PLAIN) {
		p->nlibtext = 0;
		if (has_lib) {
			p->kind = SV_PRELOADED;
			p->kind_known = true;
		}
		return p->kind;
	}
	/* Go: the library's text counts only when the library is there */
	if (!has_lib)
		p->nlibtext = 0;
	p->kind_known = has_libc;
	return p->kind;
}

/* ---- memory -------------------------------------------------------- */

int sv_read_mem(const struct sv_call *c, uint64_t addr, void *buf,
		size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(c->req->pid, &local, 1, &remote, 1, 0);

	if (n != (ssize_t)len)
		return -EFAULT;
	return sv_valid(c) ? 0 : -ESRCH;
}

int sv_write_mem(const struct sv_call *c, uint64_t addr, const void *buf,
		 size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	n = process_vm_writev(c->req->pid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/*
 * A string: read page by page (a read that crosses into an unmapped page
 * fails whole), then the notification checked, so that what was read is
 * what the call was made with.
 */
int sv_read_str(const struct sv_call *c, uint64_t addr, char *buf,
		size_t size)
{
	size_t got = 0;

	if (!addr)
		return -EFAULT;
	while (got < size) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		struct iovec local, remote;
		ssize_t n;
		char *nul;

		if (chunk > size - got)
			chunk = size - got;
		local.iov_base = buf + got;
		local.iov_len = chunk;
		remote.iov_base = (void *)(uintptr_t)(addr + got);
		remote.iov_len = chunk;
		n = process_vm_readv(c->req->pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -EFAULT;
		nul = memchr(buf + got, '\0', (size_t)n);
		got += (size_t)n;
		if (nul)
			return sv_valid(c) ? 0 : -ESRCH;
	}
	return -ENAMETOOLONG;
}

/* ---- the kernel's view ------------------------------------------- */

/*
 * The library follows /proc/self/fd/N to the descriptor's merged path
 * (namei.c), as a program expects; what file the kernel has there is
 * asked of libc's own functions.
 */
static void *libc_sym(const char *name)
{
	static void *libc;

	if (!libc)
		libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	return libc ? dlsym(libc, name) : NULL;
}

ssize_t sv_kernel_fd_path(int fd, char *buf, size_t size)
{
	static ssize_t (*fn)(const char *, char *, size_t);
	char self[64];
	ssize_t n;

	if (!fn)
		fn = (ssize_t (*)(const char *, char *, size_t))libc_sym(
			"readlink");
	if (!fn || size < 2)
		return -ENOSYS;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	n = fn(self, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

int sv_kernel_reopen(int fd, int flags)
{
	static int (*fn)(const char *, int, ...);
	char self[64];
	int r;

	if (!fn)
		fn = (int (*)(const char *, int, ...))libc_sym("open");
	if (!fn)
		return -ENOSYS;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	r = fn(self, flags);
	return r < 0 ? -errno : r;
}

/* ---- fifos ---------------------------------------------------------- */

/*
 * The library opens a fifo of the union through a stand-in of its own
 * (preload/fifo.c), and answers what is asked of such a descriptor by
 * the merged fifo.  The process's descriptor shows the stand-in in
 * /proc; this table says which merged fifo it stands for, so that its
 * fstat and the changes through it (fchmod...) go to the merged fifo,
 * as the kernel's go to the overlay inode.  The last few are kept (an
 * opener thread adds too: a lock).
 */
#define NFIFOS 64
static struct {
	dev_t dev;
	ino_t ino;
	char *merged;
} fifos[NFIFOS];
static unsigned next_fifo, nfifos;
static pthread_mutex_t fifo_lock = PTHREAD_MUTEX_INITIALIZER;

/* The stand-in is known by its identity: the library renames it at a
   copy-up of its fifo (fifo.c), the descriptors keep it. */
void sv_fifo_note(pid_t tgid, int tfd, const char *merged)
{
	char name[64];
	struct stat st;
	unsigned i;

	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)tgid, tfd);
	if (!merged[0] || stat(name, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	pthread_mutex_lock(&fifo_lock);
	for (i = 0; i < NFIFOS; i++)
		if (fifos[i].merged && fifos[i].dev == st.st_dev &&
		    fifos[i].ino == st.st_ino)
			break;
	if (i == NFIFOS)
		i = next_fifo++ % NFIFOS;
	free(fifos[i].merged);
	fifos[i].dev = st.st_dev;
	fifos[i].ino = st.st_ino;
	fifos[i].merged = strdup(merged);
	nfifos++;
	pthread_mutex_unlock(&fifo_lock);
}

bool sv_fifo_merged(pid_t pid, int fd, char *out, size_t size)
{
	char name[64];
	struct stat st;
	bool found = false;

	if (!nfifos)
		return false;
	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)pid, fd);
	if (stat(name, &st) < 0 || !S_ISFIFO(st.st_mode))
		return false;
	pthread_mutex_lock(&fifo_lock);
	for (unsigned i = 0; i < NFIFOS && !found; i++) {
		if (fifos[i].merged && fifos[i].dev == st.st_dev &&
		    fifos[i].ino == st.st_ino &&
		    strlen(fifos[i].merged) < size) {
			strcpy(out, fifos[i].merged);
			found = true;
		}
	}
	pthread_mutex_unlock(&fifo_lock);
	return found;
}

/* ---- paths --------------------------------------------------------- */

int sv_fd_path(const struct sv_call *c, int fd, char *out, size_t size)
{
	char name[64];
	ssize_t n;

	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)c->req->pid, fd);
	n = readlink(name, out, size - 1);
	if (n <= 0)
		return -EBADF;
	out[n] = '\0';
	if (out[0] != '/')
		return -ENOTDIR;	/* a socket, a pipe, an anon inode */
	if (!sv_fifo_merged(c->req->pid, fd, out, size))
		sv_real_to_merged(out, size);
	return 0;
}

/* Does a ".." of the absolute path climb out of some MERGED it went
   through ("MERGED/../x")?  Then the kernel would walk the mount. */
static bool climbs_out(const char *path)
{
	char prefix[PATH_MAX], norm[PATH_MAX];

	for (const char *p = strstr(path, ".."); p; p = strstr(p + 1, "..")) {
		if ((p != path && p[-1] != '/') || (p[2] && p[2] != '/'))
			continue;
		if ((size_t)(p - path) >= sizeof(prefix))
			return true;
		memcpy(prefix, path, (size_t)(p - path));
		prefix[p - path] = '\0';
		sv_normalise(prefix, norm);
		if (sv_inside(norm))
			return true;
	}
	return false;
}

/* Collapse "//", "/./" and "/../" lexically (for the prefix test). */
void sv_normalise(const char *in, char *out)
{
	char *o = out;

	*o++ = '/';
	while (*in) {
		const char *e;
		size_t n;

		while (*in == '/')
			in++;
		e = strchrnul(in, '/');
		n = (size_t)(e - in);
		if (n == 0) {
			break;
		} else if (n == 1 && in[0] == '.') {
			/* nothing */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (o > out + 1 && o[-1] != '/')
				o--;
			if (o > out + 1)
				o--;
			while (o > out + 1 && o[-1] != '/')
				o--;
		} else {
			if (o > out + 1 && o[-1] != '/')
				*o++ = '/';
			memcpy(o, in, n);
			o += n;
		}
		in = e;
	}
	if (o > out + 1 && o[-1] == '/')
		o--;
	*o = '\0';
}

/*
 * The base a relative path is given to the library with: the process's
 * cwd held here (not synced), or this process's descriptor of the same
 * open directory.  Through it the library follows a directory renamed
 * or removed since, as the kernel follows the process's own.
 */
static int base_fd(const struct sv_call *c, int dirfd)
{
	if (dirfd == AT_FDCWD)
		return c->proc->cwd_synced ? -1 : c->proc->cwdfd;
	return sv_dirs_find(c->req->pid, dirfd);
}

int sv_path(struct sv_call *c, int dirfd, uint64_t addr, bool empty_ok)
{
	char rel[PATH_MAX];
	int ret = sv_read_str(c, addr, rel, sizeof(rel));

	if (ret < 0)
		return ret;
	return sv_path_str(c, dirfd, rel, empty_ok);
}

int sv_path_str(struct sv_call *c, int dirfd, const char *rel, bool empty_ok)
{
	char base[PATH_MAX], norm[PATH_MAX];
	int ret, bfd = -1;

	c->dfd = AT_FDCWD;
	c->relative_cwd = false;
	c->fd_only = !rel[0] && empty_ok && dirfd != AT_FDCWD;
	if (!rel[0] && !empty_ok)
		return -ENOENT;
	if (rel[0] == '/') {
		strcpy(c->abs, rel);
	} else {
		bfd = base_fd(c, dirfd);
		if (dirfd == AT_FDCWD) {
			if (strlen(c->proc->cwd) >= sizeof(base))
				return -ENAMETOOLONG;
			strcpy(base, c->proc->cwd);
			c->relative_cwd = true;
		} else {
			ret = sv_fd_path(c, dirfd, base, sizeof(base));
			if (ret == -ENOTDIR && !rel[0]) {
				/* the descriptor itself (a pipe, a socket):
				   the kernel's */
				c->inside = false;
				return 0;
			}
			if (ret < 0)
				return ret;
		}
		if (strlen(base) + strlen(rel) + 2 > sizeof(c->abs)) {
			/* too long to name whole: only from a base */
			if (bfd < 0)
				return -ENAMETOOLONG;
			c->abs[0] = '\0';
		} else {
			strcpy(c->abs, strcmp(base, "/") ? base : "");
			if (rel[0]) {
				strcat(c->abs, "/");
				strcat(c->abs, rel);
			} else if (!c->abs[0]) {
				strcpy(c->abs, "/");
			}
		}
	}
	sv_normalise(c->abs, norm);
	/* a ".." may climb out of a MERGED it went through (MERGED/..):
	   the library walks it, as the kernel walks the mount */
	c->inside = sv_inside(norm) || climbs_out(c->abs);
	/* A relative path outside MERGED may go to the kernel as it is
	   only when the kernel's cwd is the one kept here. */
	if (c->relative_cwd && !c->proc->cwd_synced)
		c->inside = true;
	if (bfd >= 0 && c->relative_cwd) {
		/* the library walks from its own cwd, made the process's:
		   its checks of a cwd (search permission of the topmost
		   copy, a removed one) are those of a preloaded process */
		if (fchdir(bfd) < 0)
			return -errno;
		c->inside = true;
		strcpy(c->path, rel[0] ? rel : ".");
	} else if (bfd >= 0) {
		/* the library walks from the base, whatever its name now
		   ("" with AT_EMPTY_PATH: the base itself) */
		c->dfd = bfd;
		c->inside = true;
		strcpy(c->path, rel);
	} else {
		strcpy(c->path, c->abs);
	}
	return 0;
}

int sv_enter(const struct sv_call *c)
{
	if (c->dfd != AT_FDCWD && fchdir(c->dfd) < 0)
		return -errno;
	return 0;
}
