/*
 * watch_events.c - what the kernel said, translated for the program
 * (watch.h has the map; the algorithm is at its head): read(2) of an
 * instance's descriptor reads the real events and hands back the
 * translated ones; deletions recorded only in the whiteout table are read
 * back from it; a watched lower file's copy-up moves its watch, and this
 * process's descriptors, to the upper copy.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "union_format.h"
#include "watch.h"
#include "wrap.h"

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
void repoint_stale(const struct un_node *n)
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
