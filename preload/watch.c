/*
 * watch.c - the state of file watching (watch.h has the map): the
 * inotify instances of this process, the real watches each holds and
 * what each is for (its roles: the program's, or one of the internal
 * ones that see copy-ups and whiteouts), the names of a watched
 * directory's upper copy, and the translated events waiting to be read.
 * All of it under watch_lock; the list of instance descriptors
 * (tracked, ntracked) is also read without it, by read() and the closes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "union_format.h"
#include "watch.h"
#include "wrap.h"

#define MAX_INST 64

pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct winst *insts[MAX_INST];
static int ninst;
/* The instances' descriptors, read without the lock by read(). */
static int tracked[MAX_INST];
int ntracked;

static void fork_prepare(void)
{
	pthread_mutex_lock(&watch_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&watch_lock);
}

static void fork_child(void)
{
	pthread_mutex_init(&watch_lock, NULL);
}

static void atfork_once(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

bool is_tracked(int fd)
{
	int n = __atomic_load_n(&ntracked, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&tracked[i], __ATOMIC_RELAXED) == fd)
			return true;
	return false;
}

struct winst *inst_find(int fd)
{
	for (int i = 0; i < ninst; i++) {
		if (insts[i]->fd == fd) {
			/* Used by a fork child (a vfork child does not read
			   events): its copy is its own now. */
			insts[i]->pid = getpid();
			return insts[i];
		}
	}
	return NULL;
}

struct winst *inst_get(int fd)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct winst *in = inst_find(fd);

	if (in || ninst == MAX_INST)
		return in;
	pthread_once(&once, atfork_once);
	in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->fd = fd;
	in->pid = getpid();
	insts[ninst++] = in;
	__atomic_store_n(&tracked[ntracked], fd, __ATOMIC_RELAXED);
	__atomic_store_n(&ntracked, ntracked + 1, __ATOMIC_RELEASE);
	return in;
}

static void names_free(struct wrec *r)
{
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	r->names = NULL;
	r->nnames = r->capnames = 0;
}

static void rec_free(struct wrec *r)
{
	free(r->real);
	free(r->rel);
	names_free(r);
}

/* Where name is, or would go, in r's sorted names. */
static size_t names_pos(const struct wrec *r, const char *name, bool *found)
{
	size_t lo = 0, hi = r->nnames;

	*found = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->names[mid], name);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool names_has(const struct wrec *r, const char *name)
{
	bool found;

	names_pos(r, name, &found);
	return found;
}

void names_add(struct wrec *r, const char *name)
{
	bool found;
	size_t i = names_pos(r, name, &found);
	char *copy;

	if (found)
		return;
	if (r->nnames == r->capnames) {
		size_t cap = r->capnames ? r->capnames * 2 : 16;
		char **n = realloc(r->names, cap * sizeof(*n));

		if (!n)
			return;
		r->names = n;
		r->capnames = cap;
	}
	copy = strdup(name);
	if (!copy)
		return;
	memmove(r->names + i + 1, r->names + i,
		(r->nnames - i) * sizeof(*r->names));
	r->names[i] = copy;
	r->nnames++;
}

void names_del(struct wrec *r, const char *name)
{
	bool found;
	size_t i = names_pos(r, name, &found);

	if (!found)
		return;
	free(r->names[i]);
	memmove(r->names + i, r->names + i + 1,
		(r->nnames - i - 1) * sizeof(*r->names));
	r->nnames--;
}

/* Read the names of r's directory (after its watch is set, so that no
   change falls between the two: one seen twice is harmless). */
void names_load(struct wrec *r)
{
	DIR *d = real_opendir(r->real);
	struct dirent64 *e;

	if (!d)
		return;
	while ((e = real_readdir64(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names_add(r, e->d_name);
	real_closedir(d);
}

/* What r's internal roles need to hear. */
uint32_t role_mask(const struct wrec *r)
{
	return (r->roles & ROLE_PROBE ? PROBE_MASK : 0) |
	       (r->roles & ROLE_META ? META_MASK : 0) |
	       (r->roles & ROLE_WORK ? WORK_MASK : 0) |
	       (r->roles & ROLE_NAMES ? NAMES_MASK : 0) |
	       (r->roles & ROLE_TABLE ? TABLE_MASK : 0);
}

static void inst_free(struct winst *in)
{
	for (size_t i = 0; i < in->nw; i++)
		rec_free(&in->w[i]);
	free(in->w);
	for (size_t i = 0; i < in->nm; i++) {
		free(in->m[i].pend);
		free(in->m[i].units);
	}
	free(in->m);
	free(in->out);
	free(in);
}

/* The program closed fd (wrap_fd.c): forget what it watched. */
static void forget_locked(int fd, pid_t self)
{
	for (int i = 0; i < ninst; i++) {
		if (insts[i]->fd != fd || insts[i]->pid != self)
			continue;
		inst_free(insts[i]);
		insts[i] = insts[--ninst];
		for (int j = 0; j < ntracked; j++) {
			if (tracked[j] != fd)
				continue;
			__atomic_store_n(&tracked[j], tracked[ntracked - 1],
					 __ATOMIC_RELAXED);
			__atomic_store_n(&ntracked, ntracked - 1,
					 __ATOMIC_RELEASE);
			break;
		}
		return;
	}
}

UN_EXEC_TEXT void un_watch_closed(int fd)
{
	if (!__atomic_load_n(&ntracked, __ATOMIC_ACQUIRE) || !is_tracked(fd) ||
	    un_fd_vfork_child())	/* the instance is the parent's */
		return;
	pthread_mutex_lock(&watch_lock);
	forget_locked(fd, getpid());
	pthread_mutex_unlock(&watch_lock);
}

void un_watch_closed_range(unsigned first, unsigned last)
{
	if (!__atomic_load_n(&ntracked, __ATOMIC_ACQUIRE))
		return;
	pid_t self = getpid();

	pthread_mutex_lock(&watch_lock);
	for (int i = ninst - 1; i >= 0; i--)
		if ((unsigned)insts[i]->fd >= first &&
		    (unsigned)insts[i]->fd <= last)
			forget_locked(insts[i]->fd, self);
	pthread_mutex_unlock(&watch_lock);
}

/* ------------------------------------------------------------------ */
/* The real watches of an instance                                     */

struct wrec *rec_find(struct winst *in, int wd)
{
	for (size_t i = 0; i < in->nw; i++)
		if (in->w[i].wd == wd)
			return &in->w[i];
	return NULL;
}

struct wrec *rec_new(struct winst *in, int wd, const char *real)
{
	struct wrec *r;

	if (in->nw == in->capw) {
		size_t cap = in->capw ? in->capw * 2 : 8;
		struct wrec *w = realloc(in->w, cap * sizeof(*w));

		if (!w)
			return NULL;
		in->w = w;
		in->capw = cap;
	}
	r = &in->w[in->nw];
	memset(r, 0, sizeof(*r));
	r->wd = wd;
	r->probe = -1;
	r->real = strdup(real);
	if (!r->real)
		return NULL;
	in->nw++;
	return r;
}

void rec_remove(struct winst *in, struct wrec *r)
{
	rec_free(r);
	*r = in->w[--in->nw];
}

static void dropped_add(struct winst *in, int wd)
{
	in->dropped[in->ndropped++ % 32] = wd;
}

bool dropped_take(struct winst *in, int wd)
{
	for (unsigned i = 0; i < 32 && i < in->ndropped; i++) {
		if (in->dropped[i] == wd) {
			in->dropped[i] = -1;
			return true;
		}
	}
	return false;
}

/* Set the kernel's mask of r to what its roles need. */
void rec_sync(struct winst *in, struct wrec *r)
{
	uint32_t m = (r->pmask & ~(IN_MASK_ADD | IN_MASK_CREATE)) | r->imask;

	real_inotify_add_watch(in->fd, r->real, m | IN_DONT_FOLLOW);
}

/* r lost a role: remove the real watch when nothing needs it. */
void rec_release(struct winst *in, struct wrec *r)
{
	r->imask = role_mask(r);
	if (!(r->roles & ROLE_NAMES))
		names_free(r);
	if (r->roles) {
		rec_sync(in, r);
		return;
	}
	real_inotify_rm_watch(in->fd, r->wd);
	dropped_add(in, r->wd);
	rec_remove(in, r);
}

/* The probe of a watched lower file is no longer needed. */
void probe_release(struct winst *in, struct wrec *r)
{
	int probe = r->probe;
	struct wrec *p;

	r->waiting = false;
	r->probe = -1;
	if (probe < 0)
		return;
	for (size_t i = 0; i < in->nw; i++)
		if (in->w[i].waiting && in->w[i].probe == probe)
			return;
	p = rec_find(in, probe);
	if (p) {
		p->roles &= ~ROLE_PROBE;
		rec_release(in, p);
	}
}

/* An internal watch with role on real (added to whatever is there). */
int add_role(struct winst *in, const char *real, unsigned role,
	     uint32_t mask)
{
	int wd = real_inotify_add_watch(in->fd, real,
					mask | IN_MASK_ADD | IN_DONT_FOLLOW);
	struct wrec *r;

	if (wd < 0)
		return -errno;
	r = rec_find(in, wd);
	if (!r && !(r = rec_new(in, wd, real))) {
		real_inotify_rm_watch(in->fd, wd);
		return -ENOMEM;
	}
	r->roles |= role;
	r->imask |= mask;
	return wd;
}

/* UPPER/.union/name of m, in path (PATH_MAX bytes); false if too long. */
bool meta_path(char *path, const struct un_mount *m, const char *name)
{
	return snprintf(path, PATH_MAX, "%s/%s/%s", m->upper, UN_FMT_META_DIR,
			name) < PATH_MAX;
}

/* Watch m's table file itself (a compaction makes a new one), and know
   which file it is: the two events of an append, UPPER/.union's and the
   file's, are never both the last one queued, so the kernel merges no
   append's event into the one before (watch_events.c counts them). */
void table_watch(struct winst *in, struct wmnt *w)
{
	char path[PATH_MAX];
	struct stat st;

	if (!meta_path(path, w->mnt, UN_FMT_TABLE))
		return;
	add_role(in, path, ROLE_TABLE, TABLE_MASK);
	if (real_stat(path, &st) == 0) {
		w->toff = st.st_size;
		w->tdev = st.st_dev;
		w->tino = st.st_ino;
	}
	w->pendoff = w->pendlen = 0;
	w->uhead = w->nunits = 0;
}

/* The union's own watches of an instance: the table and the work dir. */
struct wmnt *mnt_watch(struct winst *in, struct un_mount *m)
{
	char path[PATH_MAX];
	struct wmnt *w;

	for (size_t i = 0; i < in->nm; i++)
		if (in->m[i].mnt == m)
			return &in->m[i];
	w = realloc(in->m, (in->nm + 1) * sizeof(*w));
	if (!w)
		return NULL;
	in->m = w;
	w = &in->m[in->nm++];
	memset(w, 0, sizeof(*w));
	w->mnt = m;
	if (!meta_path(path, m, UN_FMT_WORK))
		return w;
	/* The table's watches before its size is read: no append falls
	   between the two unseen. */
	path[m->upper_len + 1 + strlen(UN_FMT_META_DIR)] = '\0';
	add_role(in, path, ROLE_META, META_MASK);
	table_watch(in, w);
	path[m->upper_len + 1 + strlen(UN_FMT_META_DIR)] = '/';
	add_role(in, path, ROLE_WORK, WORK_MASK);
	return w;
}

/* ------------------------------------------------------------------ */
/* Events handed to the program                                        */

int out_add(struct winst *in, int wd, uint32_t mask, uint32_t cookie,
	    const char *name, uint32_t namelen)
{
	size_t len = namelen;
	size_t need = sizeof(struct inotify_event) + len;
	struct inotify_event ev = { .wd = wd, .mask = mask, .cookie = cookie,
				    .len = (uint32_t)len };

	if (in->outlen + need > in->outcap) {
		size_t cap = in->outcap ? in->outcap * 2 : 4096;
		char *o;

		while (cap < in->outlen + need)
			cap *= 2;
		o = realloc(in->out, cap);
		if (!o)
			return -ENOMEM;
		in->out = o;
		in->outcap = cap;
	}
	memcpy(in->out + in->outlen, &ev, sizeof(ev));
	if (len) {
		memset(in->out + in->outlen + sizeof(ev), 0, len);
		memcpy(in->out + in->outlen + sizeof(ev), name,
		       strnlen(name, len));
	}
	in->outlen += need;
	return 0;
}

/* A made-up event (a name padded as the kernel pads it). */
void emit(struct winst *in, int wd, uint32_t mask, const char *name)
{
	uint32_t len = 0;

	if (name)
		len = (strlen(name) + 1 + sizeof(struct inotify_event) - 1) &
		      ~(uint32_t)(sizeof(struct inotify_event) - 1);
	out_add(in, wd, mask, 0, name, len);
}

/* Copy whole events that fit in buf; -EINVAL when not even one does. */
ssize_t out_take(struct winst *in, void *buf, size_t len)
{
	size_t n = 0;

	while (n < in->outlen) {
		const struct inotify_event *ev =
			(const void *)(in->out + n);
		size_t sz = sizeof(*ev) + ev->len;

		if (n + sz > len)
			break;
		n += sz;
	}
	if (n == 0)
		return -EINVAL;
	memcpy(buf, in->out, n);
	memmove(in->out, in->out + n, in->outlen - n);
	in->outlen -= n;
	return (ssize_t)n;
}
