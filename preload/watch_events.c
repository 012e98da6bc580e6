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
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
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

/* ------------------------------------------------------------------ */
/* Appends dealt out to their events                                   */

/*
 * Every append to the table is one write(2), and its IN_MODIFY is queued
 * by that write before the writer lets the table's flock go.  So, under
 * the flock (shared: no append is then half done), with the kernel's
 * queue taken in whole, the records past toff are exactly the appends
 * whose events are among those held: the first is the event being
 * translated, the others come later in the batch.  Each event takes its
 * own append's records, and they are judged there, after the events
 * queued before it (a rename's copy-up that put the name in the upper)
 * and before those after it (the rename itself).
 *
 * An append is one record, but for dir.c's clearing of the records
 * below a removed directory, which writes its `-` lines at once, right
 * after the directory's whiteout: `-` lines below the path of the `w` or
 * `o` line before them go together (files made again over whiteouts are
 * `-` lines too, one append each).  `-` lines make no event for the
 * program, but how many appends they were says which event the next `w`
 * line is.
 */

/* A batch of real events, which a deal may lengthen (the queue's rest). */
struct batch {
	char *buf;
	size_t len, cap;
};

/* Take in what the kernel's queue holds now, after b's events. */
static void batch_drain(struct winst *in, struct batch *b)
{
	int avail = 0;
	ssize_t n;

	if (ioctl(in->fd, FIONREAD, &avail) < 0 || avail <= 0)
		return;
	if (b->len + (size_t)avail > b->cap) {
		size_t cap = b->len + (size_t)avail;
		char *nb = realloc(b->buf, cap);

		if (!nb)
			return;
		b->buf = nb;
		b->cap = cap;
	}
	n = real_read(in->fd, b->buf + b->len, (size_t)avail);
	if (n > 0)
		b->len += (size_t)n;
}

/*
 * Events held here (translated, or taken from the queue by a deal) are
 * not seen by poll(2) on the descriptor: while some wait, an event of
 * ours must wait in the kernel's queue too.  Opening and closing the
 * table for reading is one (IN_CLOSE_NOWRITE of its ROLE_TABLE watch),
 * dropped when read.  A deal's reading of the table rings it after the
 * queue was taken in; read() rings it when what it hands back leaves
 * some behind.
 */
static void bell(struct winst *in)
{
	char path[PATH_MAX];
	int avail = 0, fd;

	if (!in->nm || (ioctl(in->fd, FIONREAD, &avail) == 0 && avail > 0) ||
	    !meta_path(path, in->m[0].mnt, UN_FMT_TABLE))
		return;
	fd = real_open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		real_close(fd);
}

/* Is ev an append to the table that UPPER/.union's watch meta hears? */
static bool is_append(const struct inotify_event *ev, int meta)
{
	return ev->wd == meta && ev->mask & IN_MODIFY && ev->len &&
	       !strcmp(ev->name, UN_FMT_TABLE);
}

static bool pend_add(struct wmnt *w, const char *line, size_t len)
{
	if (w->pendlen + len + 1 > w->pendcap) {
		size_t cap = 2 * (w->pendlen + len + 1);
		char *p;

		if (w->pendoff) {	/* what was dealt with goes first */
			memmove(w->pend, w->pend + w->pendoff,
				w->pendlen - w->pendoff);
			w->pendlen -= w->pendoff;
			w->pendoff = 0;
		}
		p = realloc(w->pend, cap);
		if (!p)
			return false;
		w->pend = p;
		w->pendcap = cap;
	}
	memcpy(w->pend + w->pendlen, line, len);
	w->pend[w->pendlen + len] = '\n';
	w->pendlen += len + 1;
	return true;
}

static bool unit_add(struct wmnt *w, unsigned lines)
{
	if (w->uhead == w->nunits)
		w->uhead = w->nunits = 0;
	if (w->nunits == w->ucap) {
		size_t cap = w->ucap ? 2 * w->ucap : 16;
		unsigned *u;

		if (w->uhead) {
			memmove(w->units, w->units + w->uhead,
				(w->nunits - w->uhead) * sizeof(*u));
			w->nunits -= w->uhead;
			w->uhead = 0;
		}
		u = realloc(w->units, cap * sizeof(*u));
		if (!u)
			return false;
		w->units = u;
		w->ucap = cap;
	}
	w->units[w->nunits++] = lines;
	return true;
}

/* The table was rewritten (compaction), or this is not the file read:
   what was read of the old one is dropped, and reading goes on from the
   new one's end (its appends before this moment are not told). */
static void table_reset(struct winst *in, struct wmnt *w)
{
	table_watch(in, w);
}

/* UPPER/.union heard a file renamed to the table's name: a compaction,
   unless the file read already is that one (seen by table_event). */
static void table_moved(struct winst *in, struct wmnt *w)
{
	char path[PATH_MAX];
	struct stat st;

	if (meta_path(path, w->mnt, UN_FMT_TABLE) &&
	    real_stat(path, &st) == 0 && st.st_dev == w->tdev &&
	    st.st_ino == w->tino)
		return;
	table_reset(in, w);
}

/* Read the whole records past w->toff of the table open at fd. */
static void table_read(int fd, struct wmnt *w)
{
	char buf[8192];
	size_t have = 0;

	for (;;) {
		ssize_t n = pread(fd, buf + have, sizeof(buf) - 1 - have,
				  w->toff + (off_t)have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		while ((nl = memchr(line, '\n', buf + have - line))) {
			pend_add(w, line, (size_t)(nl - line));
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
}

/* How many of the lines of w->pend not yet dealt with each of the nev
   appends took (see the head of this part). */
static void deal(struct wmnt *w, size_t nev)
{
	const char *dir = NULL;	/* the last `w`/`o` line's path (raw:
				   the escaping keeps prefixes) */
	size_t dlen = 0, i, next;
	bool clearing = false;

	w->uhead = w->nunits = 0;
	for (i = w->pendoff; i < w->pendlen; i = next) {
		const char *line = w->pend + i;
		const char *nl = memchr(line, '\n', w->pendlen - i);
		size_t len = (size_t)(nl - line);
		bool below = len > 2 && line[0] == '-' && line[1] == ' ' &&
			     dir && len > 2 + dlen &&
			     !memcmp(line + 2, dir, dlen) &&
			     line[2 + dlen] == '/';

		next = i + len + 1;
		if (below && clearing) {
			w->units[w->nunits - 1]++;	/* the same append */
			continue;
		}
		if (!unit_add(w, 1))
			return;
		/* dir.c writes the clearing below a removed directory at
		   once, right after the directory's own whiteout. */
		clearing = below;
		if (len > 2 && line[1] == ' ' &&
		    (line[0] == 'w' || line[0] == 'o')) {
			dir = line + 2;
			dlen = len - 2;
		} else if (!below) {
			dir = NULL;
		}
	}
	/* More appends than events (an append made before the watch was,
	   a lost event): the last event takes the rest. */
	while (w->nunits > nev && w->nunits > 1) {
		w->nunits--;
		w->units[w->nunits - 1] += w->units[w->nunits];
	}
	/* Fewer (appends lost to a compaction): the others take none. */
	while (w->nunits < nev && unit_add(w, 0))
		;
}

/*
 * The append of w's table at b->buf + at (heard by UPPER/.union's watch
 * meta) is being translated: its own records.  When none are dealt out
 * yet, read them under the flock, with the queue's rest in the batch.
 */
static void table_event(struct winst *in, struct wmnt *w, struct batch *b,
			size_t at, int meta)
{
	char path[PATH_MAX];
	size_t nev = 0, off;
	unsigned take;
	int fd, lfd;
	struct stat st;

	if (w->uhead == w->nunits) {
		if (!meta_path(path, w->mnt, UN_FMT_LOCK))
			return;
		lfd = real_open(path, O_RDONLY | O_CLOEXEC);
		if (lfd >= 0 && flock(lfd, LOCK_SH) < 0) {
			real_close(lfd);
			lfd = -1;
		}
		batch_drain(in, b);
		/* Opened after the drain: its close rings the bell. */
		fd = meta_path(path, w->mnt, UN_FMT_TABLE) ?
			     real_open(path, O_RDONLY | O_CLOEXEC) : -1;
		if (fd >= 0 && real_fstat(fd, &st) == 0 &&
		    (st.st_dev != w->tdev || st.st_ino != w->tino))
			table_reset(in, w);
		else if (fd >= 0)
			table_read(fd, w);
		if (fd >= 0)
			real_close(fd);
		if (lfd >= 0)
			real_close(lfd);	/* drops the flock */
		for (off = at; off + sizeof(struct inotify_event) <= b->len;) {
			const struct inotify_event *ev =
				(const void *)(b->buf + off);

			nev += is_append(ev, meta);
			off += sizeof(*ev) + ev->len;
		}
		deal(w, nev);
		if (w->uhead == w->nunits)
			return;
	}
	take = w->units[w->uhead++];
	while (take-- > 0 && w->pendoff < w->pendlen) {
		char *line = w->pend + w->pendoff;
		char *nl = memchr(line, '\n', w->pendlen - w->pendoff);
		size_t len = (size_t)(nl - line);

		w->pendoff += len + 1;
		*nl = '\0';
		if (whiteout_record(line, len))
			whiteout_seen(in, w->mnt, line + 2);
	}
	if (w->pendoff == w->pendlen)
		w->pendoff = w->pendlen = 0;
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
   every waiting watch of that name follows it into the upper, and hears
   an IN_MODIFY (the change that made the copy) when modify. */
void probe_hit(struct winst *in, int probe, const char *name, bool modify)
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
		if (modify && (pmask & IN_MODIFY))
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

/* The table of a union whose UPPER/.union r watches, or NULL. */
static struct wmnt *meta_mnt(struct winst *in, const struct wrec *r)
{
	for (size_t i = 0; i < in->nm; i++) {
		size_t l = in->m[i].mnt->upper_len;

		if (!strncmp(r->real, in->m[i].mnt->upper, l) &&
		    !strcmp(r->real + l, "/" UN_FMT_META_DIR))
			return &in->m[i];
	}
	return NULL;
}

static void translate(struct winst *in, struct batch *b)
{
	for (size_t off = 0; off + sizeof(struct inotify_event) <= b->len;) {
		const struct inotify_event *ev = (const void *)(b->buf + off);
		const char *name = ev->len ? ev->name : "";
		size_t at = off;
		struct wmnt *w;
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
		    !strcmp(name, UN_FMT_TABLE) && (w = meta_mnt(in, r))) {
			int wd = r->wd;

			if (ev->mask & IN_MODIFY)
				table_event(in, w, b, at, wd);
			else if (ev->mask & IN_MOVED_TO)
				table_moved(in, w);
			/* The batch may have grown (moved), and the records
			   too (a reset watches the new table file). */
			ev = (const void *)(b->buf + at);
			name = ev->len ? ev->name : "";
			r = rec_find(in, wd);
			if (!r)
				continue;
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

			probe_hit(in, wd, name, true);
			r = rec_find(in, wd);
			if (!r)
				continue;
		}
		if (copyup && r->roles & ROLE_PROG && r->isdir) {
			/* copy_up.c puts the directory's times back; a
			   copied-up directory's staging mark is taken off
			   after its rename (copy_up.c UN_STAGED_XATTR): an
			   IN_ATTRIB of that name the program never caused. */
			r->eat_attrib++;
			if (ev->mask & IN_ISDIR)
				eatname_add(in, r->wd, name);
			continue;
		}
		if (ev->mask == (IN_ATTRIB | IN_ISDIR) && ev->len &&
		    eatname_take(in, r->wd, name))
			continue;
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
	/* A deal counts the appends of this batch only: one not met (its
	   watch went meanwhile) leaves its lines to the next deal. */
	for (size_t i = 0; i < in->nm; i++)
		in->m[i].uhead = in->m[i].nunits = 0;
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
		struct un_sig_hold hold;
		struct batch b;
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
			if (in->outlen)
				bell(in);
			pthread_mutex_unlock(&watch_lock);
			if (r < 0)
				r = un_fail((int)r);
			else
				UN_RESTORE_ERRNO;
			break;
		}
		pthread_mutex_unlock(&watch_lock);

		b.buf = malloc(rsize);
		if (!b.buf) {
			r = un_fail(-ENOMEM);
			break;
		}
		b.cap = rsize;
		n = real_read(fd, b.buf, rsize);
		if (n <= 0) {
			free(b.buf);
			r = n;
			break;
		}
		b.len = (size_t)n;
		/* Handlers held back (no system call): table_event holds a
		   LOCK_SH on the table's lock file, which a handler's change
		   of the union (its flock, wt_signal.c) would wait for for
		   ever (edges/procs-sigwatch). */
		un_sig_hold(&hold);
		pthread_mutex_lock(&watch_lock);
		in = inst_find(fd);
		if (in)
			translate(in, &b);
		pthread_mutex_unlock(&watch_lock);
		un_sig_unhold(&hold);
		free(b.buf);
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
