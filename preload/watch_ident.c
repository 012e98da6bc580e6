/*
 * watch_ident.c - a watched lower file keeps its identity, in the
 * watcher, across its copy-up.
 *
 * A copy-up gives a file a new st_ino (DESIGN.md; the kernel overlay
 * keeps the lower's on one file system).  A watcher that follows a file
 * by name remembers the st_dev/st_ino it saw and compares them with a
 * fresh open of the name at each check: `tail -F` took another process's
 * copy-up for a replacement ("has been replaced;  following new file",
 * the whole file again), `tail -f` at its start for a file "replaced"
 * (and then polled its old descriptor, on the lower copy, for ever).
 * Whenever a check fell after the copy-up: tail's start once its
 * watches are set (the CI's flake), an IN_ATTRIB of the file, an event
 * naming it.  So, in a process that watches (inotify_add_watch) a lower
 * regular file, the upper copies of that file answer stat, fstat and
 * statx with the lower file's st_dev and st_ino: the copy's recorded
 * origin (internal.h UN_ORIGIN_XATTR) names it.  As the kernel, only
 * for a lower file of one link (two links copied up are two files).
 *
 * The identities are kept for the life of the process (a watch removed
 * leaves its file's: the identity the process saw stays); a few slots,
 * written under watch_lock, read without a lock (stat in a signal
 * handler), one counter load a stat of an upper regular file when none
 * is kept.  A copy without a readable origin (an upper that takes no
 * user.* xattr) keeps its own identity, as before.  Listings' d_ino are
 * not changed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/xattr.h>

#include "watch.h"
#include "wrap.h"

#define MAX_IDENT 32

/* (On the heap, made at the first: .bss keeps its small variables on
   two pages, tests/edges/data-small-together.  Set before the count.) */
static struct un_origin *watch_idents;
int un_watch_nident;

/* Keep dev/ino (a watched lower file's); under watch_lock. */
static void ident_add(uint64_t dev, uint64_t ino)
{
	int n = un_watch_nident;

	for (int i = 0; i < n; i++)
		if (watch_idents[i].dev == dev && watch_idents[i].ino == ino)
			return;
	if (n == MAX_IDENT)
		return;
	if (!watch_idents) {
		if (un_in_signal())
			return;
		watch_idents = calloc(MAX_IDENT, sizeof(*watch_idents));
		if (!watch_idents)
			return;
	}
	watch_idents[n].dev = dev;
	watch_idents[n].ino = ino;
	__atomic_store_n(&un_watch_nident, n + 1, __ATOMIC_RELEASE);
}

static bool ident_kept(const struct un_origin *o)
{
	int n = __atomic_load_n(&un_watch_nident, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (watch_idents[i].dev == o->dev &&
		    watch_idents[i].ino == o->ino)
			return true;
	return false;
}

/* got bytes of an origin read into o: the watched lower file's
   identity into *dev, *ino when it is one kept. */
static void ident_answer(ssize_t got, const struct un_origin *o, dev_t *dev,
			 ino_t *ino)
{
	if (got == (ssize_t)sizeof(*o) && ident_kept(o)) {
		*dev = (dev_t)o->dev;
		*ino = (ino_t)o->ino;
	}
}

/* The program's watch goes on n, a regular file (under watch_lock): a
   lower file of one link is kept; an upper copy, its origin (the
   copy-up came before the watch). */
__attribute__((noinline)) void
un_watch_ident_watched(const struct un_node *n)
{
	struct un_origin o;
	UN_KBUF(kbuf);	/* see un_kreal */

	if (!S_ISREG(n->st.st_mode) || !n->mnt->upper)
		return;
	if (n->layer > 0) {
		if (n->st.st_nlink == 1)
			ident_add(n->st.st_dev, n->st.st_ino);
		return;
	}
	UN_SAVE_ERRNO;
	if (real_lgetxattr(un_kreal(n->real, &kbuf), UN_ORIGIN_XATTR, &o,
			   sizeof(o)) == (ssize_t)sizeof(o))
		ident_add(o.dev, o.ino);
	UN_RESTORE_ERRNO;
}

void un_watch_ident_node(const struct un_node *n, dev_t *dev, ino_t *ino)
{
	struct un_origin o;
	UN_KBUF(kbuf);	/* see un_kreal */
	ssize_t got;

	UN_SAVE_ERRNO;
	got = real_lgetxattr(un_kreal(n->real, &kbuf), UN_ORIGIN_XATTR, &o,
			     sizeof(o));
	UN_RESTORE_ERRNO;
	ident_answer(got, &o, dev, ino);
}

void un_watch_ident_fd(int fd, dev_t *dev, ino_t *ino)
{
	struct un_origin o;
	ssize_t got;

	UN_SAVE_ERRNO;
	got = real_fgetxattr(fd, UN_ORIGIN_XATTR, &o, sizeof(o));
	UN_RESTORE_ERRNO;
	ident_answer(got, &o, dev, ino);
}
