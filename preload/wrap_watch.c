/*
 * wrap_watch.c - file watching (inotify, fanotify) through the union.
 *
 * The kernel overlay tells a watcher of a merged object about the changes
 * made through the overlay.  Here a watch must be put on a real object of
 * some layer, and the union's own ways of changing the upper (copy-ups
 * staged in UPPER/.union/work, deletions recorded only in the whiteout
 * table) must be translated back into what a watcher of the merged object
 * expects.  So:
 *
 *  - A watch on a merged directory watches its upper copy, made first if
 *    the union is writable and the directory lies only in lowers (the
 *    copy-up a change in it would make: the directory alone, with its
 *    metadata).  Every name made, changed, moved or removed through the
 *    union in that directory is then a real event of that one inode, and
 *    the descriptor the kernel returns is the one the program gets.
 *  - A watch on a file of a lower watches the lower file, and waits for
 *    its copy-up: the file's upper parent directory is copied up and
 *    watched too (internally).  When the copy is renamed into place, the
 *    upper copy is watched as well, under the descriptor the program
 *    already holds; the program's own descriptors open on the lower file
 *    are re-pointed at the copy (as a copy-up by the process itself
 *    does), and one IN_MODIFY tells it that the content moved on (the
 *    change that caused the copy-up came before the new watch).  So
 *    `tail -f` follows a file that another process appends to through
 *    the union, as on the kernel overlay.
 *  - The copy-ups themselves are hidden: UPPER/.union/work is watched for
 *    IN_MOVED_FROM, and the IN_MOVED_TO with the same cookie is dropped.
 *  - A deletion that only records a whiteout is read back from the table:
 *    UPPER/.union is watched for IN_MODIFY of "whiteouts", the records
 *    appended since the last look are read, and each `w` record of a name
 *    in a watched directory that the upper does not hold (where the upper
 *    holds it, its own unlink or rename reports it) becomes an IN_DELETE
 *    of that name; a watched file so deleted gets an IN_ATTRIB (its link
 *    count dropped).
 *
 * The program reads its events with read(2): the descriptors it added
 * watches to are known (one struct winst each), and read() on one of
 * them reads the real events into a buffer of ours and hands back the
 * translated ones: internal watches' events dropped, a second real watch
 * (the upper copy of a watched file) shown under the program's
 * descriptor, events the program did not ask for (a bit an internal role
 * of the same inode asked for) dropped, and the made-up ones added in
 * order.  Events that do not fit wait for the next read.  Every other
 * read costs one load of a counter.
 *
 * fanotify_mark is translated (the object's real place; a merged
 * directory's upper copy, made where needed) but its events are not:
 * they carry descriptors whose paths are real paths.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "union_format.h"
#include "wrap.h"

/* What a real watch is for (several roles may share one inode). */
enum {
	ROLE_PROG = 1,	/* the program's watch (or the upper copy of one) */
	ROLE_PROBE = 2,	/* the upper parent of a lower file being watched */
	ROLE_META = 4,	/* UPPER/.union: appends to the whiteout table */
	ROLE_WORK = 8,	/* UPPER/.union/work: where copy-ups come from */
	ROLE_NAMES = 16, /* a watched directory's upper copy: its names */
};

#define PROBE_MASK IN_MOVED_TO
#define META_MASK (IN_MODIFY | IN_MOVED_TO)
#define WORK_MASK IN_MOVED_FROM
#define NAMES_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)

/* One real watch of an inotify instance. */
struct wrec {
	int wd;			/* the kernel's */
	int shown;		/* the one the program knows it by (ROLE_PROG) */
	uint32_t pmask;		/* the program's mask, its flags included */
	uint32_t imask;		/* what the internal roles need */
	unsigned roles;
	struct un_mount *mnt;	/* ROLE_PROG in a union: the union */
	char *real;		/* the real path watched (to set its mask) */
	char *rel;		/* ROLE_PROG in a union: the merged path, under
				   mnt's root */
	bool isdir;
	int eat_attrib;		/* the union's own changes of this directory's
				   times to come: IN_ATTRIB after a copy-up
				   in it, IN_MODIFY after a whiteout */
	int eat_modify;
	/* ROLE_NAMES: the names the upper copy holds, sorted, kept up to
	   date by its events (so a whiteout record can be told from the
	   removal of an upper name, whose own event follows it). */
	char **names;
	size_t nnames, capnames;
	/* ROLE_PROG on a file of a lower, until its copy-up: */
	bool waiting;
	int probe;		/* the real wd of the upper parent's watch */
	dev_t odev;		/* the lower file */
	ino_t oino;
};

/* What an instance watches of one union. */
struct wmnt {
	struct un_mount *mnt;
	off_t toff;		/* the table read up to here */
};

struct winst {
	int fd;
	pid_t pid;		/* the process it belongs to: a vfork child
				   shares our memory, and its closes before
				   exec are not ours */
	struct wrec *w;
	size_t nw, capw;
	struct wmnt *m;
	size_t nm;
	uint32_t cookies[16];	/* of moves out of a work directory */
	unsigned ncookie;
	struct {		/* a subdirectory's mtime moved by a whiteout
				   in it: its IN_MODIFY is the union's own */
		int wd;
		char name[NAME_MAX + 1];
	} eatname[8];
	unsigned neatname;
	int dropped[32];	/* wds whose IN_IGNORED is ours to drop */
	unsigned ndropped;
	char *out;		/* translated events not yet read */
	size_t outlen, outcap;
};

#define MAX_INST 64

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct winst *insts[MAX_INST];
static int ninst;
/* The instances' descriptors, read without the lock by read(). */
static int tracked[MAX_INST];
static int ntracked;

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

static bool is_tracked(int fd)
{
	int n = __atomic_load_n(&ntracked, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&tracked[i], __ATOMIC_RELAXED) == fd)
			return true;
	return false;
}

static struct winst *inst_find(int fd)
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

static struct winst *inst_get(int fd)
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

static bool names_has(const struct wrec *r, const char *name)
{
	bool found;

	names_pos(r, name, &found);
	return found;
}

static void names_add(struct wrec *r, const char *name)
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

static void names_del(struct wrec *r, const char *name)
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
static void names_load(struct wrec *r)
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
static uint32_t role_mask(const struct wrec *r)
{
	return (r->roles & ROLE_PROBE ? PROBE_MASK : 0) |
	       (r->roles & ROLE_META ? META_MASK : 0) |
	       (r->roles & ROLE_WORK ? WORK_MASK : 0) |
	       (r->roles & ROLE_NAMES ? NAMES_MASK : 0);
}

static void inst_free(struct winst *in)
{
	for (size_t i = 0; i < in->nw; i++)
		rec_free(&in->w[i]);
	free(in->w);
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

void un_watch_closed(int fd)
{
	if (!__atomic_load_n(&ntracked, __ATOMIC_ACQUIRE) || !is_tracked(fd))
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

static struct wrec *rec_find(struct winst *in, int wd)
{
	for (size_t i = 0; i < in->nw; i++)
		if (in->w[i].wd == wd)
			return &in->w[i];
	return NULL;
}

static struct wrec *rec_new(struct winst *in, int wd, const char *real)
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

static void rec_remove(struct winst *in, struct wrec *r)
{
	rec_free(r);
	*r = in->w[--in->nw];
}

static void dropped_add(struct winst *in, int wd)
{
	in->dropped[in->ndropped++ % 32] = wd;
}

static bool dropped_take(struct winst *in, int wd)
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
static void rec_sync(struct winst *in, struct wrec *r)
{
	uint32_t m = (r->pmask & ~(IN_MASK_ADD | IN_MASK_CREATE)) | r->imask;

	real_inotify_add_watch(in->fd, r->real, m | IN_DONT_FOLLOW);
}

/* r lost a role: remove the real watch when nothing needs it. */
static void rec_release(struct winst *in, struct wrec *r)
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
static void probe_release(struct winst *in, struct wrec *r)
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
static int add_role(struct winst *in, const char *real, unsigned role,
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

/* The union's own watches of an instance: the table and the work dir. */
static struct wmnt *mnt_watch(struct winst *in, struct un_mount *m)
{
	char path[PATH_MAX];
	struct wmnt *w;
	struct stat st;

	for (size_t i = 0; i < in->nm; i++)
		if (in->m[i].mnt == m)
			return &in->m[i];
	w = realloc(in->m, (in->nm + 1) * sizeof(*w));
	if (!w)
		return NULL;
	in->m = w;
	w = &in->m[in->nm++];
	w->mnt = m;
	w->toff = 0;
	if (snprintf(path, sizeof(path), "%s/%s/%s", m->upper,
		     UN_FMT_META_DIR, UN_FMT_TABLE) >= (int)sizeof(path))
		return w;
	if (real_stat(path, &st) == 0)
		w->toff = st.st_size;
	path[m->upper_len + 1 + strlen(UN_FMT_META_DIR)] = '\0';
	add_role(in, path, ROLE_META, META_MASK);
	strcat(path, "/" UN_FMT_WORK);
	add_role(in, path, ROLE_WORK, WORK_MASK);
	return w;
}

/* ------------------------------------------------------------------ */
/* Events handed to the program                                        */

static int out_add(struct winst *in, int wd, uint32_t mask, uint32_t cookie,
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
static void emit(struct winst *in, int wd, uint32_t mask, const char *name)
{
	uint32_t len = 0;

	if (name)
		len = (strlen(name) + 1 + sizeof(struct inotify_event) - 1) &
		      ~(uint32_t)(sizeof(struct inotify_event) - 1);
	out_add(in, wd, mask, 0, name, len);
}

/* Copy whole events that fit in buf; -EINVAL when not even one does. */
static ssize_t out_take(struct winst *in, void *buf, size_t len)
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

/* ------------------------------------------------------------------ */
/* Deletions read back from the whiteout table                         */

/* Is line (its '\n' cut off, len bytes) a whiteout record?  Its path is
   decoded in place at line + 2, a string (union_format.c's reading). */
static bool whiteout_record(char *line, size_t len)
{
	size_t pathlen;
	char op;

	if (un_fmt_rec_decode(line, len, &op, &pathlen) || op != 'w')
		return false;
	line[2 + pathlen] = '\0';
	return true;
}

static void eatname_add(struct winst *in, int wd, const char *name)
{
	unsigned i = in->neatname++ % 8;

	in->eatname[i].wd = wd;
	snprintf(in->eatname[i].name, sizeof(in->eatname[i].name), "%s",
		 name);
}

static bool eatname_take(struct winst *in, int wd, const char *name)
{
	for (unsigned i = 0; i < 8 && i < in->neatname; i++) {
		if (in->eatname[i].wd == wd &&
		    !strcmp(in->eatname[i].name, name)) {
			in->eatname[i].wd = -1;
			return true;
		}
	}
	return false;
}

/* Is rel a directory in the first lower that shows it? */
static bool lower_isdir(const struct un_mount *m, const char *rel)
{
	char real[PATH_MAX];
	struct stat st;

	for (int i = 1; i <= m->nlower; i++) {
		if (un_path_join(real, sizeof(real), un_layer_root(m, i),
				 un_layer_len(m, i), rel) < 0 ||
		    real_lstat(real, &st) < 0)
			continue;
		return S_ISDIR(st.st_mode);
	}
	return false;
}

/* A whiteout of rel was recorded.  A watched directory holding rel hears
   IN_DELETE of it, unless its upper copy holds the name (then the
   upper's own unlink or rename follows, and reports it); a watched file
   still in its lower hears IN_ATTRIB (its link count dropped).  dir.c
   then moves the directory's mtime (a lower-only name), which is no
   event of the kernel's. */
static void whiteout_seen(struct winst *in, struct un_mount *m,
			  const char *rel)
{
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	size_t dlen = slash ? (size_t)(slash - rel) : 0;
	/* the grandparent, and the name of rel's directory in it */
	size_t glen = 0;
	const char *gname = NULL;

	if (slash) {
		const char *g = slash;

		while (g > rel && g[-1] != '/')
			g--;
		gname = g;
		glen = g > rel ? (size_t)(g - 1 - rel) : 0;
	}
	for (size_t i = 0; i < in->nw; i++) {
		struct wrec *r = &in->w[i];
		uint32_t mask = IN_DELETE;

		if (!(r->roles & ROLE_PROG) || r->mnt != m || !r->rel ||
		    r->wd != r->shown)
			continue;
		if (!r->isdir) {
			if (r->waiting && !strcmp(r->rel, rel) &&
			    r->pmask & IN_ATTRIB)
				emit(in, r->shown, IN_ATTRIB, NULL);
			continue;
		}
		if (gname && strlen(r->rel) == glen &&
		    !strncmp(r->rel, rel, glen)) {
			char sub[NAME_MAX + 1];
			size_t sl = (size_t)(slash - gname);

			if (sl < sizeof(sub)) {
				memcpy(sub, gname, sl);
				sub[sl] = '\0';
				eatname_add(in, r->wd, sub);
			}
			continue;
		}
		if (strlen(r->rel) != dlen || strncmp(r->rel, rel, dlen) ||
		    !(r->roles & ROLE_NAMES) || names_has(r, name))
			continue;
		r->eat_modify++;
		if (!(r->pmask & IN_DELETE))
			continue;
		if (lower_isdir(m, rel))
			mask |= IN_ISDIR;
		emit(in, r->shown, mask, name);
	}
}

/* Read the records appended to m's table since the last look. */
static void table_read(struct winst *in, struct wmnt *w)
{
	char path[PATH_MAX], buf[8192];
	size_t have = 0;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s/%s", w->mnt->upper,
		     UN_FMT_META_DIR, UN_FMT_TABLE) >= (int)sizeof(path))
		return;
	fd = real_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		ssize_t n = pread(fd, buf + have, sizeof(buf) - 1 - have,
				  w->toff + (off_t)have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(line, '\n', buf + have - line))) {
			*nl = '\0';
			if (whiteout_record(line, (size_t)(nl - line)))
				whiteout_seen(in, w->mnt, line + 2);
			w->toff += nl + 1 - line;
			line = nl + 1;
		}
		have = buf + have - line;
		if (have == sizeof(buf) - 1) {
			/* A line longer than any record: give up on it. */
			w->toff += have;
			have = 0;
		}
		memmove(buf, line, have);
	}
	real_close(fd);
}

/* The table was rewritten (compaction): go on from its end. */
static void table_reset(struct wmnt *w)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s/%s", w->mnt->upper,
		     UN_FMT_META_DIR, UN_FMT_TABLE) < (int)sizeof(path) &&
	    real_stat(path, &st) == 0)
		w->toff = st.st_size;
}

/* ------------------------------------------------------------------ */
/* The copy-up of a watched lower file                                 */

struct repoint_ctx {
	const struct un_node *n;
	struct stat old;
};

static void repoint_one(int fd, void *arg)
{
	struct repoint_ctx *c = arg;

	un_repoint_fd(fd, c->n, &c->old);
}

/* The file n lies in the upper already: this process's descriptors still
   open on its lower copy (opened before another process copied it up)
   follow it now, as the watch does. */
static void repoint_stale(const struct un_node *n)
{
	const char *rel = un_node_rel(n);
	struct repoint_ctx c = { .n = n };
	char real[PATH_MAX];

	for (int i = 1; i <= n->mnt->nlower; i++) {
		if (un_path_join(real, sizeof(real), un_layer_root(n->mnt, i),
				 un_layer_len(n->mnt, i), rel) < 0 ||
		    real_lstat(real, &c.old) < 0)
			continue;
		if (S_ISREG(c.old.st_mode))
			un_fd_foreach_path(n->vpath, repoint_one, &c);
		return;
	}
}

/* name appeared in the upper directory watched by probe, by a copy-up:
   every waiting watch of that name follows it into the upper. */
static void probe_hit(struct winst *in, int probe, const char *name)
{
	for (size_t i = 0; i < in->nw; i++) {
		struct wrec *r = &in->w[i], *s;
		struct repoint_ctx c;
		const char *base;
		struct un_node n;
		int shown, wd;
		uint32_t pmask;

		if (!r->waiting || r->probe != probe)
			continue;
		base = strrchr(r->rel, '/');
		base = base ? base + 1 : r->rel;
		if (strcmp(base, name))
			continue;
		/* The copy is at UPPER/rel (not looked up: the writer may
		   not have told the directory caches of its new name yet). */
		n.mnt = r->mnt;
		n.layer = 0;
		if (un_path_join(n.vpath, sizeof(n.vpath), r->mnt->merged,
				 r->mnt->merged_len, r->rel) < 0 ||
		    un_path_join(n.real, sizeof(n.real), r->mnt->upper,
				 r->mnt->upper_len, r->rel) < 0 ||
		    real_lstat(n.real, &n.st) < 0 || !S_ISREG(n.st.st_mode))
			continue;
		shown = r->shown;
		pmask = r->pmask;
		memset(&c.old, 0, sizeof(c.old));
		c.old.st_dev = r->odev;
		c.old.st_ino = r->oino;
		probe_release(in, r);	/* may move the records */
		wd = real_inotify_add_watch(in->fd, n.real,
					    (pmask & ~(IN_MASK_ADD |
						       IN_MASK_CREATE)) |
						    IN_DONT_FOLLOW);
		if (wd >= 0) {
			s = rec_find(in, wd);
			if (!s)
				s = rec_new(in, wd, n.real);
			if (s) {
				s->roles |= ROLE_PROG;
				s->shown = shown;
				s->pmask = pmask;
				s->mnt = n.mnt;
			}
		}
		c.n = &n;
		un_fd_foreach_path(n.vpath, repoint_one, &c);
		if (pmask & IN_MODIFY)
			emit(in, shown, IN_MODIFY, NULL);
		i = (size_t)-1;	/* the records moved: look again */
	}
}

/* ------------------------------------------------------------------ */
/* Translation of what the kernel said                                 */

static bool cookie_take(struct winst *in, uint32_t cookie)
{
	for (unsigned i = 0; i < 16 && i < in->ncookie; i++) {
		if (in->cookies[i] == cookie && cookie) {
			in->cookies[i] = 0;
			return true;
		}
	}
	return false;
}

/* A real watch is gone: what the program hears of it. */
static void ignored(struct winst *in, struct wrec *r)
{
	int shown = r->shown, wd = r->wd;

	if (!(r->roles & ROLE_PROG)) {
		rec_remove(in, r);
		return;
	}
	if (r->waiting)
		probe_release(in, r);
	r = rec_find(in, wd);
	if (r)
		rec_remove(in, r);
	/* The program's watch ends with this one: its other real watches
	   go too, quietly. */
	for (size_t i = 0; i < in->nw; i++) {
		struct wrec *o = &in->w[i];
		int owd = o->wd;

		if (!(o->roles & ROLE_PROG) || o->shown != shown)
			continue;
		o->roles &= ~(ROLE_PROG | ROLE_NAMES);
		o->pmask = 0;
		if (o->waiting)
			probe_release(in, o);
		o = rec_find(in, owd);
		if (o)
			rec_release(in, o);
		i = (size_t)-1;
	}
	emit(in, shown, IN_IGNORED, NULL);
}

static void translate(struct winst *in, const char *raw, size_t len)
{
	for (size_t off = 0; off + sizeof(struct inotify_event) <= len;) {
		const struct inotify_event *ev = (const void *)(raw + off);
		const char *name = ev->len ? ev->name : "";
		struct wrec *r;
		bool copyup;

		off += sizeof(*ev) + ev->len;
		r = ev->wd >= 0 ? rec_find(in, ev->wd) : NULL;
		if (!r) {
			if (!(ev->mask & IN_IGNORED) ||
			    !dropped_take(in, ev->wd))
				out_add(in, ev->wd, ev->mask, ev->cookie,
					ev->name, ev->len);
			continue;
		}
		if (r->roles & ROLE_WORK && ev->mask & IN_MOVED_FROM)
			in->cookies[in->ncookie++ % 16] = ev->cookie;
		if (r->roles & ROLE_META && ev->len &&
		    !strcmp(name, UN_FMT_TABLE)) {
			for (size_t i = 0; i < in->nm; i++) {
				size_t l = in->m[i].mnt->upper_len;

				if (strncmp(r->real, in->m[i].mnt->upper, l) ||
				    strcmp(r->real + l, "/" UN_FMT_META_DIR))
					continue;
				if (ev->mask & IN_MODIFY)
					table_read(in, &in->m[i]);
				else if (ev->mask & IN_MOVED_TO)
					table_reset(&in->m[i]);
			}
		}
		if (ev->mask & IN_IGNORED) {
			ignored(in, r);
			continue;
		}
		copyup = (ev->mask & IN_MOVED_TO) &&
			 cookie_take(in, ev->cookie);
		if (r->roles & ROLE_NAMES && ev->len) {
			if (ev->mask & (IN_CREATE | IN_MOVED_TO))
				names_add(r, name);
			else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
				names_del(r, name);
		}
		if (copyup && r->roles & ROLE_PROBE) {
			int wd = r->wd;

			probe_hit(in, wd, name);
			r = rec_find(in, wd);
			if (!r)
				continue;
		}
		if (copyup && r->roles & ROLE_PROG && r->isdir) {
			/* copy_up.c puts the directory's times back. */
			r->eat_attrib++;
			continue;
		}
		if (ev->mask & IN_ATTRIB && !ev->len && r->eat_attrib > 0) {
			r->eat_attrib--;
			continue;
		}
		if (ev->mask & IN_MODIFY && !ev->len && r->eat_modify > 0) {
			r->eat_modify--;
			continue;
		}
		if (!(r->roles & ROLE_PROG) || copyup ||
		    !(ev->mask & r->pmask & IN_ALL_EVENTS))
			continue;
		if (ev->mask == (IN_MODIFY | IN_ISDIR) && ev->len &&
		    eatname_take(in, r->wd, name))
			continue;
		out_add(in, r->shown,
			ev->mask & ((r->pmask & IN_ALL_EVENTS) | ~IN_ALL_EVENTS),
			ev->cookie, ev->name, ev->len);
	}
}

/* read() of an instance's descriptor: the translated events. */
static ssize_t read_events(int fd, void *buf, size_t len)
{
	UN_SAVE_ERRNO;
	ssize_t r;

	if (!un_enter())
		return real_read(fd, buf, len);
	if (un_in_signal()) {
		/* No malloc, no lock: the events as they are. */
		r = real_read(fd, buf, len);
		un_leave();
		return r;
	}
	for (;;) {
		struct winst *in;
		size_t rsize = len < 65536 ? len : 65536;
		char *raw;
		ssize_t n;

		pthread_mutex_lock(&watch_lock);
		in = inst_find(fd);
		if (!in) {
			pthread_mutex_unlock(&watch_lock);
			r = real_read(fd, buf, len);
			break;
		}
		if (in->outlen) {
			r = out_take(in, buf, len);
			pthread_mutex_unlock(&watch_lock);
			if (r < 0)
				r = un_fail((int)r);
			else
				UN_RESTORE_ERRNO;
			break;
		}
		pthread_mutex_unlock(&watch_lock);

		raw = malloc(rsize);
		if (!raw) {
			r = un_fail(-ENOMEM);
			break;
		}
		n = real_read(fd, raw, rsize);
		if (n <= 0) {
			free(raw);
			r = n;
			break;
		}
		pthread_mutex_lock(&watch_lock);
		in = inst_find(fd);
		if (in)
			translate(in, raw, (size_t)n);
		pthread_mutex_unlock(&watch_lock);
		free(raw);
		if (!in) {
			/* Closed meanwhile. */
			r = un_fail(-EBADF);
			break;
		}
		/* Everything was ours: wait for the next (a non-blocking
		   descriptor answers EAGAIN then). */
	}
	un_leave();
	return r;
}

UN_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	if (__builtin_expect(!__atomic_load_n(&ntracked, __ATOMIC_RELAXED), 1) ||
	    un_depth > 0 || !is_tracked(fd)) {
		if (__builtin_expect(!real_read, 0))
			return syscall(SYS_read, fd, buf, len);
		return real_read(fd, buf, len);
	}
	return read_events(fd, buf, len);
}

UN_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen || !__atomic_load_n(&ntracked, __ATOMIC_RELAXED) ||
	    un_depth > 0 || !is_tracked(fd)) {
		if (__builtin_expect(!real___read_chk, 0)) {
			if (len > buflen)
				abort();	/* as __chk_fail would */
			return syscall(SYS_read, fd, buf, len);
		}
		return real___read_chk(fd, buf, len, buflen);
	}
	return read_events(fd, buf, len);
}

/* ------------------------------------------------------------------ */
/* inotify_add_watch, inotify_rm_watch                                 */

/* Is fd an instance of the anonymous inode kind ("inotify",
   "[fanotify]")?  0 yes, -EBADF no descriptor, -EINVAL another file. */
static int anon_kind(int fd, const char *kind)
{
	char link[64], target[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = real_readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -EBADF;
	target[n] = '\0';
	return !strncmp(target, "anon_inode:", 11) && !strcmp(target + 11, kind)
		       ? 0
		       : -EINVAL;
}

static bool is_inotify(int fd)
{
	return anon_kind(fd, "inotify") == 0;
}

/* Put the program's watch (mask) on the real object of n; its wd. */
static int add_prog(struct winst *in, struct un_node *n, uint32_t mask,
		    bool wait)
{
	/* Added to what an internal role of the inode may have asked. */
	uint32_t m = mask | IN_DONT_FOLLOW |
		     ((mask & IN_MASK_CREATE) ? 0 : IN_MASK_ADD);
	int wd = real_inotify_add_watch(in->fd, n->real, m);
	struct wrec *r;
	char upper[PATH_MAX];

	if (wd < 0)
		return -errno;
	r = rec_find(in, wd);
	if (!r) {
		r = rec_new(in, wd, n->real);
		if (!r) {
			real_inotify_rm_watch(in->fd, wd);
			return -ENOMEM;
		}
		r->shown = wd;
		r->pmask = mask;
	} else if (r->roles & ROLE_PROG) {
		r->pmask = (mask & IN_MASK_ADD) ? r->pmask | mask : mask;
	} else {
		r->shown = wd;
		r->pmask = mask;
	}
	r->roles |= ROLE_PROG;
	r->mnt = n->mnt;
	r->isdir = S_ISDIR(n->st.st_mode);
	if (!r->rel)
		r->rel = strdup(un_node_rel(n));
	if (r->isdir && n->layer == 0 && r->shown == r->wd &&
	    !(r->roles & ROLE_NAMES)) {
		r->roles |= ROLE_NAMES;
		r->imask = role_mask(r);
		rec_sync(in, r);
		names_load(r);
	}
	rec_sync(in, r);
	/* A secondary (the upper copy of a watched file) keeps its
	   primary's descriptor, as the kernel keeps one per inode. */
	for (size_t i = 0; i < in->nw; i++) {
		struct wrec *o = &in->w[i];

		if (o != r && o->roles & ROLE_PROG && o->shown == r->shown &&
		    o->shown != o->wd)
			o->pmask = r->pmask;
	}
	if (wait && !r->waiting && r->rel && r->shown == r->wd) {
		int probe;

		if (un_path_join(upper, sizeof(upper), n->mnt->upper,
				 n->mnt->upper_len, r->rel) < 0)
			return r->shown;
		*strrchr(upper, '/') = '\0';
		wd = r->wd;
		probe = add_role(in, upper, ROLE_PROBE, PROBE_MASK);
		r = rec_find(in, wd);
		if (probe >= 0 && r) {
			r->waiting = true;
			r->probe = probe;
			r->odev = n->st.st_dev;
			r->oino = n->st.st_ino;
		}
	}
	return r ? r->shown : wd;
}

UN_EXPORT int inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	UN_SAVE_ERRNO;
	struct un_node n;
	struct winst *in;
	bool wait = false;
	int rc;

	if (!un_enter())
		return real_inotify_add_watch(fd, path, mask);
	/* The kernel's own answers (EINVAL, EBADF) come before the lookup,
	   and before anything is copied up. */
	if (!(mask & (IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW |
		      IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE |
		      IN_ONESHOT)) || !is_inotify(fd)) {
		un_leave();
		return real_inotify_add_watch(fd, path, mask);
	}
	rc = un_lookup(AT_FDCWD, path, (mask & IN_DONT_FOLLOW) ? 0 : UN_LK_FOLLOW,
		       &n);
	if (rc > 0) {
		rc = real_inotify_add_watch(fd, n.kpath, mask);
		goto out;
	}
	if (rc == 0 && n.layer < 0)
		rc = -ENOENT;
	if (rc == 0 && (mask & IN_ONLYDIR) && !S_ISDIR(n.st.st_mode))
		rc = -ENOTDIR;
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	if (n.layer == 0 && S_ISREG(n.st.st_mode))
		repoint_stale(&n);
	if (n.layer > 0 && n.mnt->upper) {
		if (S_ISDIR(n.st.st_mode))
			un_copy_up(&n);	/* else the lower copy, as it is */
		else if (!S_ISLNK(n.st.st_mode) && un_copy_up_parent(&n) == 0)
			wait = true;
	}
	pthread_mutex_lock(&watch_lock);
	in = inst_get(fd);
	if (!in) {
		pthread_mutex_unlock(&watch_lock);
		rc = real_inotify_add_watch(fd, n.real, mask | IN_DONT_FOLLOW);
		goto out;
	}
	if (n.mnt->upper)
		mnt_watch(in, n.mnt);
	rc = add_prog(in, &n, mask, wait);
	pthread_mutex_unlock(&watch_lock);
	if (rc < 0)
		rc = un_fail(rc);
	else
		UN_RESTORE_ERRNO;
out:
	un_leave();
	return rc;
}

UN_EXPORT int inotify_rm_watch(int fd, int wd)
{
	struct winst *in;
	bool ours = false, kernel_says = false;

	if (!__atomic_load_n(&ntracked, __ATOMIC_RELAXED) || !is_tracked(fd))
		return real_inotify_rm_watch(fd, wd);
	pthread_mutex_lock(&watch_lock);
	in = inst_find(fd);
	for (size_t i = 0; in && i < in->nw; i++) {
		struct wrec *r = &in->w[i];
		int rwd = r->wd;

		if (!(r->roles & ROLE_PROG) || r->shown != wd)
			continue;
		ours = true;
		r->roles &= ~(ROLE_PROG | ROLE_NAMES);
		r->pmask = 0;
		if (r->waiting)
			probe_release(in, r);
		r = rec_find(in, rwd);
		if (!r) {
			i = (size_t)-1;
			continue;
		}
		if (rwd == wd && !r->roles) {
			/* The kernel's own IN_IGNORED is the program's. */
			real_inotify_rm_watch(fd, rwd);
			rec_remove(in, r);
			kernel_says = true;
		} else {
			rec_release(in, r);
		}
		i = (size_t)-1;
	}
	if (ours && !kernel_says)
		emit(in, wd, IN_IGNORED, NULL);
	pthread_mutex_unlock(&watch_lock);
	return ours ? 0 : real_inotify_rm_watch(fd, wd);
}

/* ------------------------------------------------------------------ */
/* fanotify_mark: the object's real place                              */

UN_EXPORT int fanotify_mark(int fd, unsigned int flags, uint64_t mask,
			    int dirfd, const char *path)
{
	struct un_node n;
	int rc;

	if (!path || !un_enter())
		return real_fanotify_mark(fd, flags, mask, dirfd, path);
	/* The kernel looks at its descriptor before the path (a bad one is
	   EBADF or EINVAL, even with a path it cannot read). */
	rc = anon_kind(fd, "[fanotify]");
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	rc = un_lookup(dirfd, path,
		       (flags & FAN_MARK_DONT_FOLLOW) ? 0 : UN_LK_FOLLOW, &n);
	if (rc > 0) {
		rc = real_fanotify_mark(fd, flags, mask, dirfd, n.kpath);
		goto out;
	}
	if (rc == 0 && n.layer < 0)
		rc = -ENOENT;
	if (rc == 0 && (flags & FAN_MARK_ONLYDIR) && !S_ISDIR(n.st.st_mode))
		rc = -ENOTDIR;
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	/* Changes in a merged directory happen in its upper copy. */
	if (S_ISDIR(n.st.st_mode) && n.layer > 0 && n.mnt->upper &&
	    !(flags & (FAN_MARK_REMOVE | FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM)))
		un_copy_up(&n);
	rc = real_fanotify_mark(fd, flags | FAN_MARK_DONT_FOLLOW, mask,
				AT_FDCWD, n.real);
out:
	un_leave();
	return rc;
}
