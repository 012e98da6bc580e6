/*
 * watch.h - what the rooms of file watching share (inotify, fanotify):
 *
 *   watch.c         the state: inotify instances (struct winst), their
 *                   real watches (struct wrec) and roles, the names of a
 *                   watched directory's upper copy, the events waiting for
 *                   the program; the closes wrap_fd.c reports
 *   watch_events.c  what the kernel said, translated: read(2) of an
 *                   instance, deletions read back from the whiteout
 *                   table, the copy-up of a watched lower file followed
 *   watch_ident.c   a watched lower file's st_dev/st_ino, kept on its
 *                   copies in the watcher (tail -F compares them)
 *   wrap_watch.c    inotify_add_watch, inotify_rm_watch, fanotify_mark
 *
 * Everything here is used under watch_lock, but ntracked and is_tracked,
 * which read() and the closes consult without it.
 *
 * The algorithm.
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
 *    the union, as on the kernel overlay.  A copy that landed before
 *    the probe's watch is followed when the probe is set (no event of
 *    it is to come); in the watcher the copy answers stat with the
 *    lower file's identity (watch_ident.c).
 *  - The copy-ups themselves are hidden: UPPER/.union/work is watched for
 *    IN_MOVED_FROM, and the IN_MOVED_TO with the same cookie is dropped.
 *  - A deletion that only records a whiteout is read back from the table:
 *    UPPER/.union is watched for IN_MODIFY of "whiteouts", and each `w`
 *    record of a name in a watched directory that the upper does not
 *    hold (where the upper holds it, its own unlink or rename reports
 *    it) becomes an IN_DELETE of that name; a watched file so deleted
 *    gets an IN_ATTRIB (its link count dropped).
 *    A record must be judged where its append's event stands in the
 *    queue (the names the upper held then, the events before and after
 *    it), not when the program reads: a late reader finds in the table
 *    the records of changes whose events are still to come (a rename's
 *    copy-up, the next unlink).  So the records are read under the
 *    table's flock (no append is then between its write and its event)
 *    after the kernel's queue is taken in whole: every record read has
 *    its event among those held, one append one event (the table file
 *    is watched too, so that two appends' events are never the same as
 *    the last one queued, which the kernel would merge), and the records
 *    are dealt out to those events in order (watch_events.c, "Appends
 *    dealt out to their events").
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
#ifndef UN_WATCH_H
#define UN_WATCH_H

#include <pthread.h>
#include <stdint.h>
#include <sys/inotify.h>

#include "internal.h"

/* What a real watch is for (several roles may share one inode). */
enum {
	ROLE_PROG = 1,	/* the program's watch (or the upper copy of one) */
	ROLE_PROBE = 2,	/* the upper parent of a lower file being watched */
	ROLE_META = 4,	/* UPPER/.union: appends to the whiteout table */
	ROLE_WORK = 8,	/* UPPER/.union/work: where copy-ups come from */
	ROLE_NAMES = 16, /* a watched directory's upper copy: its names */
	ROLE_TABLE = 32, /* UPPER/.union/whiteouts itself: see META */
};

#define PROBE_MASK IN_MOVED_TO
#define META_MASK (IN_MODIFY | IN_MOVED_TO)
#define WORK_MASK IN_MOVED_FROM
#define NAMES_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)
/* IN_CLOSE_NOWRITE: the bell (watch_events.c, bell()) */
#define TABLE_MASK (IN_MODIFY | IN_CLOSE_NOWRITE)

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
	dev_t tdev;		/* the table file read (a compaction */
	ino_t tino;		/*   replaces it) */
	/* Records read, not yet dealt with: whole lines, and how many of
	   them each of the appends' events still to come takes. */
	char *pend;
	size_t pendoff, pendlen, pendcap;
	unsigned *units;
	size_t uhead, nunits, ucap;
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

extern UN_HIDDEN pthread_mutex_t watch_lock;
/* How many instances there are (read without the lock). */
extern UN_HIDDEN int ntracked;

/* watch.c: the instances */
UN_HIDDEN bool is_tracked(int fd);
UN_HIDDEN struct winst *inst_find(int fd);
UN_HIDDEN struct winst *inst_get(int fd);

/* watch.c: the names of a watched directory's upper copy (ROLE_NAMES) */
UN_HIDDEN bool names_has(const struct wrec *r, const char *name);
UN_HIDDEN void names_add(struct wrec *r, const char *name);
UN_HIDDEN void names_del(struct wrec *r, const char *name);
UN_HIDDEN void names_load(struct wrec *r);

/* watch.c: the real watches of an instance */
UN_HIDDEN struct wrec *rec_find(struct winst *in, int wd);
UN_HIDDEN struct wrec *rec_new(struct winst *in, int wd, const char *real);
UN_HIDDEN void rec_remove(struct winst *in, struct wrec *r);
UN_HIDDEN bool dropped_take(struct winst *in, int wd);
UN_HIDDEN void rec_sync(struct winst *in, struct wrec *r);
UN_HIDDEN void rec_release(struct winst *in, struct wrec *r);
UN_HIDDEN void probe_release(struct winst *in, struct wrec *r);
UN_HIDDEN int add_role(struct winst *in, const char *real, unsigned role,
		       uint32_t mask);
UN_HIDDEN struct wmnt *mnt_watch(struct winst *in, struct un_mount *m);
UN_HIDDEN void table_watch(struct winst *in, struct wmnt *w);
UN_HIDDEN bool meta_path(char *path, const struct un_mount *m,
			 const char *name);
/* What r's internal roles need to hear. */
UN_HIDDEN uint32_t role_mask(const struct wrec *r);

/* watch.c: events handed to the program */
UN_HIDDEN int out_add(struct winst *in, int wd, uint32_t mask, uint32_t cookie,
		      const char *name, uint32_t namelen);
UN_HIDDEN void emit(struct winst *in, int wd, uint32_t mask, const char *name);
UN_HIDDEN ssize_t out_take(struct winst *in, void *buf, size_t len);

/* watch_events.c: this process's descriptors on the lower copy of n,
   which lies in the upper already, follow it there. */
UN_HIDDEN void repoint_stale(const struct un_node *n);
UN_HIDDEN void probe_hit(struct winst *in, int probe, const char *name,
			 bool modify);

#endif
