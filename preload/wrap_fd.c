/*
 * wrap_fd.c - keeping fdtab in step with the descriptors, and changes
 * made through a descriptor.
 *
 * close, dup and friends forward and update the table.  They also keep
 * the library's own descriptors (the whiteout table and its lock file,
 * high numbers, close-on-exec) from the program: close() of one of them
 * fails with EBADF, as for a number the program never opened;
 * close_range() and closefrom() close around them; dup2() and dup3()
 * onto one of them first move ours to another number, so the program
 * gets the number it asked for.  Calls made from inside the library
 * (the depth guard raised) are not filtered.  A change
 * through a descriptor that was opened read-only on a lower file
 * (fchmod, fchown, futimens, fsetxattr...) must not reach the lower: the
 * file is copied up first, which re-points the process's descriptors on
 * it at the upper copy (copy_up.c), and the change then lands there.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "wrap.h"

UN_EXEC_TEXT bool un_lib_owns_fd(int fd)
{
	if (fd < 0)
		return false;
	un_init();
	/* (No table opened yet: the library holds no table descriptor;
	   a fifo's held descriptors need no table.) */
	return un_active &&
	       (un_fifo_owns_fd(fd) || un_cwdfd_owns_fd(fd) ||
		(__atomic_load_n(&un_tables_state, __ATOMIC_ACQUIRE) !=
			 UN_TABLES_ARMED &&
		 un_wtable_owns_fd(fd)));
}

/* Is fd one of the library's own descriptors (for a program's call)? */
UN_EXEC_TEXT static bool lib_fd(int fd)
{
	return un_depth == 0 && un_lib_owns_fd(fd);
}

/*
 * What the library keeps of fd goes BEFORE the real close: once the
 * number is free, another thread's open may take it and record its
 * own, which a forget after the close would drop (the record then
 * rediscovered from /proc, and any misreading of it would touch a
 * lower).  fd's record is marked closing meanwhile (un_fd_closing);
 * after the close it is left unknown unless such an open recorded the
 * number (un_fd_closed).  The kernel frees the number whatever close
 * answers (EINTR included); one not open (EBADF) had nothing to keep.
 */
UN_EXEC_TEXT static inline void *closing(int fd)
{
	void *mark;

	UN_SAVE_ERRNO;
	mark = un_fd_closing(fd);
	un_fifo_forget(fd);
	un_watch_closed(fd);
	un_dents_forget(fd);
	UN_RESTORE_ERRNO;
	return mark;
}

UN_EXEC_TEXT UN_EXPORT int close(int fd)
{
	void *mark;
	int rc;

	if (lib_fd(fd)) {
		errno = EBADF;
		return -1;
	}
	if (un_depth > 0 || fd < 0)
		return real_close(fd);
	mark = closing(fd);
	rc = real_close(fd);
	un_fd_closed(mark);	/* (errno untouched) */
	return rc;
}

UN_EXPORT int fclose(FILE *f)
{
	int fd = f ? fileno(f) : -1;
	void *mark;
	int rc;

	if (fd < 0 || un_depth > 0)
		return real_fclose(f);
	mark = closing(fd);
	rc = real_fclose(f);
	un_fd_closed(mark);
	return rc;
}

/* The library's descriptors within [first, last], sorted; the count. */
#define UN_MAX_LIB_FDS 64

static int lib_fds_in(unsigned first, unsigned last, int *fds)
{
	int all[UN_MAX_LIB_FDS], n, k = 0;

	if (un_depth > 0)
		return 0;
	un_init();
	if (!un_active)
		return 0;
	n = un_wtable_fds(all, UN_MAX_LIB_FDS);
	n += un_fifo_fds(all + n, UN_MAX_LIB_FDS - n);
	n += un_cwdfd_fds(all + n, UN_MAX_LIB_FDS - n);
	for (int i = 0; i < n; i++) {
		int j = k;

		if ((unsigned)all[i] < first || (unsigned)all[i] > last)
			continue;
		while (j > 0 && fds[j - 1] > all[i]) {
			fds[j] = fds[j - 1];
			j--;
		}
		fds[j] = all[i];
		k++;
	}
	return k;
}

/*
 * close_range over [first, last] less the library's own descriptors
 * (which are close-on-exec already, so CLOSE_RANGE_CLOEXEC may cover
 * them).  Returns 0 or -errno.
 */
static int close_range_around(unsigned first, unsigned last, int flags)
{
	int fds[UN_MAX_LIB_FDS], n = 0;
	unsigned from = first;

	if (first <= last && !(flags & CLOSE_RANGE_CLOEXEC))
		n = lib_fds_in(first, last, fds);
	for (int i = 0; i < n; i++) {
		unsigned fd = (unsigned)fds[i];

		if (fd > from && real_close_range(from, fd - 1, flags) < 0)
			return -errno;
		from = fd + 1;
	}
	if ((n == 0 || from <= last) && real_close_range(from, last, flags) < 0)
		return -errno;
	return 0;
}

UN_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	/* (Python's subprocess closes in a vfork child: the table is the
	   parent's.)  The records go before the numbers are free, as
	   close's; a call the kernel refuses (EINVAL: first past last, an
	   unknown flag) closes nothing and keeps them. */
	bool closes = !(flags & CLOSE_RANGE_CLOEXEC) && first <= last &&
		      !(flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) &&
		      !un_fd_vfork_child();
	int rc;

	if (closes)
		un_fd_closing_range(first, last);
	rc = close_range_around(first, last, flags);
	if (closes) {
		un_fd_closed_range(first, last);
		/* (After: a fifo's held descriptors are ours, which
		   close_range_around steps around.) */
		un_fifo_forget_range(first, last);
		un_watch_closed_range(first, last);
	}
	if (rc < 0)
		return un_fail(rc);
	return 0;
}

UN_EXPORT void closefrom(int lowfd)
{
	bool child;

	if (lowfd < 0)
		lowfd = 0;
	child = un_fd_vfork_child();
	/* (The records before the numbers are free, as close's.) */
	if (!child)
		un_fd_closing_range((unsigned)lowfd, ~0u);
	/* Around our own descriptors where close_range works; where it
	   does not, libc's closefrom (ours are then reopened at the next
	   use: whiteout.c notices). */
	if (close_range_around((unsigned)lowfd, ~0u, 0) < 0) {
		real_closefrom(lowfd);
		un_cwdfd_drop();	/* (closed: opened again when asked) */
	}
	if (child)
		return;
	un_fd_closed_range((unsigned)lowfd, ~0u);
	un_fifo_forget_range((unsigned)lowfd, ~0u);
	un_watch_closed_range((unsigned)lowfd, ~0u);
}

/* fd's table entry for nfd too (a lookup inside the library when the
   table has none yet). */
UN_EXEC_TEXT static void dup_entry(int fd, int nfd)
{
	/* A vfork child's dup2 (Python's subprocess dups the child's
	   stdio there) changes its own descriptors, not the parent's
	   whose table it shares.  (getpid leaves errno.) */
	if (un_fd_vfork_child())
		return;
	UN_SAVE_ERRNO;
	if (un_fd_far(fd)) {
		/* One known outside (fts's dup of every directory it
		   reads, outside every union: find over /usr), the
		   commonest: its copy needs no reader count (OUTSIDE is
		   never freed), ~80 instructions a dup less. */
		un_fd_set_far(nfd);
		un_fifo_dup(fd, nfd);	/* (nfd may have been a stand-in) */
	} else if (un_depth > 0) {
		/* (Inside the library: no lookup; one known outside alone
		   is copied, above.) */
	} else if (un_fd_dup_known(fd, nfd)) {
		/* fts dups every directory it reads: a known entry (or one
		   known outside) needs no lookup, so no un_enter. */
		un_fifo_dup(fd, nfd);	/* (nfd may have been a stand-in) */
	} else if (un_enter()) {
		un_fd_dup(fd, nfd);
		un_fifo_dup(fd, nfd);
		un_leave();
	}
	UN_RESTORE_ERRNO;
}

UN_EXPORT int dup(int fd)
{
	int nfd = real_dup(fd);

	if (nfd >= 0)
		dup_entry(fd, nfd);
	return nfd;
}

/* Before the program takes the number fd2: move ours away from it. */
UN_EXEC_TEXT static void vacate(int fd, int fd2)
{
	/* (Not in a vfork child: the numbers recorded are the parent's,
	   whose descriptor stays; the child's goes at its exec.) */
	if (fd != fd2 && lib_fd(fd2) && !un_fd_vfork_child()) {
		un_wtable_vacate_fd(fd2);
		un_fifo_vacate_fd(fd2);
		un_cwdfd_vacate_fd(fd2);
	}
	if (fd != fd2)
		un_watch_closed(fd2);	/* an inotify instance there ends */
}

/* A dup2 onto a recorded number replaces its file as a close would:
   its record is marked closing meanwhile (a copy-up's move of the
   number waits: fdtab.c, Repoints). */
UN_EXEC_TEXT UN_EXPORT int dup2(int fd, int fd2)
{
	void *mark = NULL, *kept = NULL;
	int nfd;

	vacate(fd, fd2);
	if (fd != fd2)
		mark = un_fd_replacing(fd2, &kept);
	nfd = real_dup2(fd, fd2);
	un_fd_replaced(mark, kept, nfd >= 0);

	if (nfd >= 0 && nfd != fd)
		dup_entry(fd, nfd);
	return nfd;
}

UN_EXPORT int dup3(int fd, int fd2, int flags)
{
	void *mark = NULL, *kept = NULL;
	int nfd;

	vacate(fd, fd2);
	if (fd != fd2)
		mark = un_fd_replacing(fd2, &kept);
	nfd = real_dup3(fd, fd2, flags);
	un_fd_replaced(mark, kept, nfd >= 0);

	if (nfd >= 0)
		dup_entry(fd, nfd);
	return nfd;
}

/*
 * fcntl's third argument is an int, a long or a pointer by command; on
 * x86_64 all travel in one register, so it is forwarded as a uintptr_t.
 */
static int fcntl_common(int (*fn)(int, int, ...), int fd, int cmd,
			uintptr_t arg)
{
	int rc = fn(fd, cmd, arg);

	if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		dup_entry(fd, rc);
	return rc;
}

UN_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	uintptr_t arg;

	va_start(ap, cmd);
	arg = va_arg(ap, uintptr_t);
	va_end(ap);
	return fcntl_common(real_fcntl, fd, cmd, arg);
}

UN_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	uintptr_t arg;

	va_start(ap, cmd);
	arg = va_arg(ap, uintptr_t);
	va_end(ap);
	return fcntl_common(real_fcntl64, fd, cmd, arg);
}

/* The lower whose copy at n's name is the object st describes, its
   path left in real; 0 when none is.  (A lower never changes: a name
   removed or replaced in the union still holds its object there.) */
static int fd_lower_layer(const struct un_node *n, const struct stat *st,
			  char *real, size_t len)
{
	struct stat ls;

	for (int i = 1; i <= n->mnt->nlower; i++) {
		if (un_path_join(real, len, un_layer_root(n->mnt, i),
				 un_layer_len(n->mnt, i), un_node_rel(n)) == 0 &&
		    real_lstat(real, &ls) == 0 && ls.st_dev == st->st_dev &&
		    ls.st_ino == st->st_ino)
			return i;
	}
	return 0;
}

/*
 * Is the upper regular file n names the copy of st's lower file?  Its
 * recorded origin tells (internal.h UN_ORIGIN_XATTR), as the kernel's
 * trusted.overlay.origin does: another file of the same size and mtime
 * renamed over the name is not (the kernel then answers EEXIST), and a
 * copy changed since still is.  A copy without a readable origin (made
 * before origins were recorded, by other means, or in an upper whose
 * file system takes no user.* xattr: tmpfs before Linux 6.6) is judged
 * as before: the copy only while it still has the original's size and
 * mtime.  (Not inlined: its 4 KiB buffer.)
 */
static __attribute__((noinline)) bool fd_copy_of(const struct un_node *n,
						 const struct stat *st)
{
	struct un_origin o;
	UN_KBUF(kbuf);	/* see un_kreal */
	ssize_t got;

	if (!S_ISREG(n->st.st_mode))
		return false;
	UN_SAVE_ERRNO;
	got = real_lgetxattr(un_kreal(n->real, &kbuf), UN_ORIGIN_XATTR, &o,
			     sizeof(o));
	UN_RESTORE_ERRNO;
	if (got == (ssize_t)sizeof(o))
		return o.dev == (uint64_t)st->st_dev &&
		       o.ino == (uint64_t)st->st_ino;
	return n->st.st_size == st->st_size &&
	       n->st.st_mtim.tv_sec == st->st_mtim.tv_sec &&
	       n->st.st_mtim.tv_nsec == st->st_mtim.tv_nsec;
}

/* Is st the object of a lower at n's name?  (Not inlined: its 4 KiB
   buffer, never in a frame with fd_copy_of's.) */
static __attribute__((noinline)) bool fd_in_lower(const struct un_node *n,
						  const struct stat *st)
{
	char real[PATH_MAX];

	return fd_lower_layer(n, st, real, sizeof(real)) > 0;
}

/* Is st (a descriptor's file) the object n names, in the layer that
   holds it now or in a lower (its original, before a copy-up)? */
static bool fd_is_of(const struct un_node *n, const struct stat *st)
{
	if (st->st_dev == n->st.st_dev && st->st_ino == n->st.st_ino)
		return true;
	if (n->layer == 0 && S_ISREG(st->st_mode) && !fd_copy_of(n, st))
		return false;
	return fd_in_lower(n, st);
}

/* A change through fd, open on a removed lower directory: the kernel's
   answer, or 0 once that is copied up over a directory made at its name
   since (which re-points fd).  (Apart: its node is taken only here.) */
static __attribute__((noinline)) int fd_copy_up_dead(int fd)
{
	struct un_node n;
	int rc = un_dead_change(fd, ".", -ENOENT, &n);

	return rc < 0 ? rc : un_copy_up_dead(&n);
}

/* un_fd_copy_up, once fd's name is looked up (n). */
static int fd_copy_up_node(int fd, struct un_node *n)
{
	struct stat st;
	int rc;

	if (real_fstat(fd, &st) < 0)
		return -errno;
	/* A directory whose name is gone: another process removed it (a
	   lower or merged one cannot be renamed).  The kernel changes its
	   upper copy, deleted: here the real one, or one made again
	   (un_dead_change and un_copy_up_dead, as for one this process
	   removed; ENOTDIR where it had none). */
	if (n->layer < 0 && S_ISDIR(st.st_mode)) {
		if (st.st_nlink == 0)
			return 0;
		un_fd_removed(n->vpath, un_removed_merged(n->vpath, &st));
		return fd_copy_up_dead(fd);
	}
	/* The name is gone, or now names another object: the descriptor's
	   file can no longer be copied up, and a change through it could
	   only reach a lower (the kernel answers EEXIST too). */
	if (n->layer < 0 || !fd_is_of(n, &st))
		return -EEXIST;
	if (n->layer > 0) {
		rc = un_copy_up(n);
		if (rc < 0)
			return rc;
	}
	/* The copy-up re-pointed fd.  If another process made the copy, fd
	   may still be open on the lower file: re-point it now.  Never let
	   a change through it reach a lower. */
	if (real_fstat(fd, &st) < 0)
		return -errno;
	if (st.st_dev != n->st.st_dev || st.st_ino != n->st.st_ino) {
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			return 0;	/* a descriptor of something else */
		un_repoint_fd(fd, n, &st);
		if (real_fstat(fd, &st) < 0)
			return -errno;
		if (st.st_dev != n->st.st_dev || st.st_ino != n->st.st_ino)
			return -EIO;
	}
	return 0;
}

/* un_fd_copy_up of fd, whose merged path is vpath. */
static int fd_copy_up_name(int fd, const char *vpath)
{
	struct un_node n;
	int rc = un_lookup(AT_FDCWD, vpath, 0, &n);

	if (rc == 0)
		rc = fd_copy_up_node(fd, &n);
	return rc > 0 ? 0 : rc;
}

/*
 * fd_copy_up_deep's object other than a directory, whose merged path
 * vpath is PATH_MAX bytes or more: looked up from a descriptor on a
 * directory above it, opened on the copy of the path's leading piece
 * shorter than PATH_MAX and recorded for the while (no lookup takes the
 * whole path).  Any failure refuses the change: never the lower's copy.
 */
static __attribute__((noinline, cold)) int fd_copy_up_deep_name(int fd,
								 char *vpath)
{
	char *cut = vpath + PATH_MAX - 1;
	UN_KBUF(kbuf);	/* the piece's copy may be deeper than PATH_MAX */
	struct un_node n;
	const char *kp;
	int rc, dfd, kfd;

	/* The last '/' that leaves a piece shorter than PATH_MAX. */
	while (cut > vpath && *cut != '/')
		cut--;
	if (cut == vpath)
		return -ENAMETOOLONG;
	*cut = '\0';
	rc = un_lookup(AT_FDCWD, vpath, UN_LK_FOLLOW, &n);
	if (rc != 0 || n.layer < 0 || !S_ISDIR(n.st.st_mode))
		return rc < 0 ? rc : -ENAMETOOLONG;
	kfd = un_node_kat(&n, &kbuf, &kp);
	dfd = real_openat(kfd, kp, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return -ENAMETOOLONG;
	un_fd_set(dfd, vpath, un_node_is_merged_dir(&n));
	un_fd_mark_layer(dfd, n.layer);
	rc = un_lookup(dfd, cut + 1, 0, &n);
	if (rc == 0)
		rc = fd_copy_up_node(fd, &n);
	real_close(dfd);
	un_fd_forget(dfd);
	return rc > 0 ? -ENAMETOOLONG : rc;
}

/*
 * un_fd_copy_up of a descriptor whose merged path is PATH_MAX bytes or
 * more (a tree made one level at a time).  Taken for one outside every
 * union, the change went through it to the lower's copy it stands on.
 * A directory is looked up from itself, as readdir.c's fdopendir_deep;
 * another object by its name (fd_copy_up_deep_name).  Cold: a rare
 * depth.
 */
static __attribute__((noinline, cold)) int fd_copy_up_deep(int fd)
{
	char vpath[UN_VPATH_MAX];
	struct un_node n;
	struct stat st;
	int rc;

	if (real_fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return un_fd_get(fd, vpath, sizeof(vpath), NULL) == 0 ?
			       fd_copy_up_deep_name(fd, vpath) :
			       -ENAMETOOLONG;
	rc = un_lookup(fd, "", UN_LK_EMPTY, &n);
	if (rc == 0)
		rc = fd_copy_up_node(fd, &n);
	return rc > 0 ? -ENAMETOOLONG : rc;
}

/*
 * A change through a descriptor, whose merged path is vpath, met rc.
 * The kernel makes such a change through the object it holds, looking
 * no name up, and copies up with the mounter's credentials; the library
 * finds the object again by its name and copies up as the user, who may
 * since have taken the owner's x from an upper directory above it
 * (chmod 600 of a merged directory): EACCES, never the kernel's answer
 * here.  Then the upper's directories on the way are made searchable
 * (un_upper_lift) for another try, until the caller puts them back with
 * un_upper_unlift: true.  False when there is nothing to try again.
 */
static bool fd_lift(int rc, const char *vpath, struct un_upper_lift *lift)
{
	struct un_mount *m;

	if (rc != -EACCES || !un_unprivileged() ||
	    !(m = un_config_find(vpath)) || strlen(vpath) <= m->merged_len)
		return false;
	return un_upper_lift(m, vpath + m->merged_len + (m->merged_len > 1),
			     lift) > 0;
}

/*
 * Before a change through fd: if fd was opened in a union on an object
 * that still lies in a lower, copy it up (which re-points fd).
 * Returns 0, or -errno (EROFS in a read-only union).
 */
int un_fd_copy_up(int fd)
{
	char vpath[PATH_MAX];
	struct un_upper_lift lift;
	int rc;

	if (un_fd_in_upper(fd))
		return 0;
	rc = un_fd_get(fd, vpath, sizeof(vpath), NULL);
	if (rc == -ESTALE) {
		struct stat st;

		/* A removed directory: a change reaches it only where the
		   real one is gone too (it was the upper's), never a lower. */
		if (real_fstat(fd, &st) == 0 && st.st_nlink == 0)
			return 0;
		return fd_copy_up_dead(fd);
	}
	if (rc == -ENAMETOOLONG)
		return fd_copy_up_deep(fd);
	if (rc < 0)
		return 0;
	rc = fd_copy_up_name(fd, vpath);
	if (fd_lift(rc, vpath, &lift)) {
		rc = fd_copy_up_name(fd, vpath);
		un_upper_unlift(&lift);
	}
	return rc;
}

/*
 * n, fd's name looked up: true when fd's object lies in a lower, n then
 * its node.  The name may be gone since, or hold another object (the
 * change will answer EEXIST): the kernel's checks come before that,
 * made on the object fd holds, its lower's copy (an fsetxattr of a
 * 0400 file: EACCES; an fremovexattr of a name it lacks: ENODATA).
 */
static bool fd_lower_node(struct un_node *n, const struct stat *st)
{
	int layer;

	if (n->layer >= 0 && fd_is_of(n, st))
		return n->layer > 0;
	layer = fd_lower_layer(n, st, n->real, sizeof(n->real));
	if (!layer)
		return false;
	n->layer = layer;
	n->st = *st;
	return true;
}

/*
 * The checks (wrap_simple.c's un_pre_*) the kernel makes before it would
 * copy fd's object up, on fd's object in a lower (fd_lower_node): 0 to
 * go on, or the -errno to answer with nothing copied.
 */
static int fd_pre(int fd, int (*pre)(const struct un_node *,
				     unsigned long long),
		  unsigned long long prearg)
{
	char vpath[PATH_MAX];
	struct un_upper_lift lift;
	struct un_node n;
	struct stat st;
	bool lifted;
	int rc;

	if (un_fd_in_upper(fd))
		return 0;
	rc = un_fd_get(fd, vpath, sizeof(vpath), NULL);
	/* A removed lower directory that un_fd_copy_up would copy up over
	   a directory made at its name since: the same checks first; and
	   where its copy-up must fail (ENOTDIR, EIO), the checks the
	   kernel makes before it, on the lower's copy. */
	if (rc == -ESTALE)
		return un_dead_change(fd, ".", -ENOENT, &n) == 0 ||
				       un_dead_lower(fd, ".", &n) == 0 ?
			       pre(&n, prearg) : 0;
	if (rc)
		return 0;
	rc = un_lookup(AT_FDCWD, vpath, 0, &n);
	lifted = fd_lift(rc, vpath, &lift);
	if (lifted)
		rc = un_lookup(AT_FDCWD, vpath, 0, &n);
	if (rc == 0 && real_fstat(fd, &st) == 0 && fd_lower_node(&n, &st))
		rc = pre(&n, prearg);
	else
		rc = 0;
	if (lifted)
		un_upper_unlift(&lift);
	return rc;
}

/*
 * Before a change through fd: 0 to go on through fd, or -errno; 1 when
 * the change must go to the path left in `to` instead: fd is a lower
 * fifo's stand-in (fifo.c), and the change belongs to the fifo, now
 * copied up, as the kernel's goes to the overlay inode; 2 the same, but
 * `to` is a /proc path to follow (the fifo was unlinked since: its
 * O_PATH descriptor's, fifo.c).
 */
static int fd_prepare(int fd, char *to, size_t len,
		      int (*pre)(const struct un_node *, unsigned long long),
		      unsigned long long prearg)
{
	char vpath[PATH_MAX];
	struct un_upper_lift lift;
	bool lifted = false;
	struct un_node n;
	int rc, fl;

	/* A descriptor outside every union, or opened on an object of the
	   upper (not a fifo's stand-in), has nothing to copy up: the call
	   goes to the kernel as it is (an O_PATH one gets its EBADF there).
	   tar x makes three such changes to every file it writes. */
	if (un_fd_far(fd) || (un_fd_in_upper(fd) && !un_fd_is_fifo(fd)))
		return 0;
	/* The kernel refuses every change through an O_PATH descriptor
	   (fdget: EBADF) before its overlay would copy anything up. */
	fl = real_fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_PATH))
		return -EBADF;
	if (!un_enter())
		return 0;
	/* (rc is the answer: errno stays the caller's, wrap.h's edge
	   sets it.) */
	UN_SAVE_ERRNO;
	rc = un_fifo_object(fd, &n, true);
	/* A directory above the fifo lost its owner's x (fd_lift): the
	   change goes, once the way is lifted, to the fifo's O_PATH
	   descriptor (fifo.c), which needs no way. */
	if (rc == -EACCES &&
	    un_fd_get(fd, vpath, sizeof(vpath), NULL) == 0 &&
	    (lifted = fd_lift(rc, vpath, &lift)))
		rc = un_fifo_object(fd, &n, true);
	if (rc == 0 && pre)
		rc = pre(&n, prearg);
	if (rc == 0) {
		rc = un_fifo_copy_up(&n);
		if (rc == 0 && lifted && !un_fifo_held_path(n.real))
			rc = un_fifo_held(fd, &n);
		if (rc == 0 && strlen(n.real) >= len)
			rc = -ENAMETOOLONG;
		if (rc == 0) {
			strcpy(to, n.real);
			rc = un_fifo_held_path(to) ? 2 : 1;
		}
	} else if (rc > 0) {
		rc = pre ? fd_pre(fd, pre, prearg) : 0;
		if (rc == 0)
			rc = un_fd_copy_up(fd);
	}
	if (lifted)
		un_upper_unlift(&lift);
	UN_RESTORE_ERRNO;
	un_leave();
	return rc;
}

/* The mode or owner of a directory changed through fd (r: the call's
   answer): the directory caches of every process drop what they know
   of its search permission (as wrap_simple.c's un_perm_changed; the old
   mode unknown here, unless the directory is searchable by all). */
static int fd_perm_changed(int fd, int r, bool owner)
{
	char vpath[PATH_MAX];
	struct un_mount *m;
	struct stat st;
	int layer;

	if (r < 0 || !un_enter())
		return r;
	UN_SAVE_ERRNO;
	/* (A layer is known for a directory's descriptor alone.) */
	if (un_fd_get_at(fd, vpath, sizeof(vpath), &layer, NULL) == 0 &&
	    layer >= 0 && (m = un_config_find(vpath)) && m->wt &&
	    real_fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (owner || (st.st_mode & 0111) != 0111))
		un_dcache_changed(m);
	UN_RESTORE_ERRNO;
	un_leave();
	return r;
}

UN_EXPORT int fchmod(int fd, mode_t mode)
{
	char to[PATH_MAX];
	int rc = fd_prepare(fd, to, sizeof(to), NULL, 0);

	if (rc >= 1)	/* (fchmodat follows a /proc path) */
		return real_fchmodat(AT_FDCWD, to, mode, 0);
	return fd_perm_changed(fd, rc < 0 ? un_fail(rc) :
					    real_fchmod(fd, mode), false);
}

UN_EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	char to[PATH_MAX];
	int rc = fd_prepare(fd, to, sizeof(to), un_pre_chown,
			    UN_IDS(uid, gid));

	if (rc == 2)
		return real_chown(to, uid, gid);
	if (rc == 1)
		return real_lchown(to, uid, gid);
	return fd_perm_changed(fd, rc < 0 ? un_fail(rc) :
					    real_fchown(fd, uid, gid), true);
}

UN_EXPORT int futimens(int fd, const struct timespec times[2])
{
	char to[PATH_MAX];
	int rc;

	/* The kernel answers these before it looks at fd: nothing to
	   change (0, even through an O_PATH descriptor), or EINVAL. */
	if (times && ((times[0].tv_nsec == UTIME_OMIT &&
		       times[1].tv_nsec == UTIME_OMIT) ||
		      un_nsec_bad(times[0].tv_nsec) ||
		      un_nsec_bad(times[1].tv_nsec)))
		return real_futimens(fd, times);
	rc = fd_prepare(fd, to, sizeof(to), NULL, 0);

	if (rc >= 1)
		return real_utimensat(AT_FDCWD, to, times,
				      rc == 1 ? AT_SYMLINK_NOFOLLOW : 0);
	return rc < 0 ? un_fail(rc) : real_futimens(fd, times);
}

UN_EXPORT int futimes(int fd, const struct timeval times[2])
{
	char to[PATH_MAX];
	int rc;

	/* glibc refuses a bad microsecond count before any call (EINVAL). */
	if (times && (times[0].tv_usec < 0 || times[0].tv_usec >= 1000000 ||
		      times[1].tv_usec < 0 || times[1].tv_usec >= 1000000))
		return real_futimes(fd, times);
	rc = fd_prepare(fd, to, sizeof(to), NULL, 0);

	if (rc == 2)
		return real_utimes(to, times);
	if (rc == 1)
		return real_lutimes(to, times);
	return rc < 0 ? un_fail(rc) : real_futimes(fd, times);
}

UN_EXPORT int fsetxattr(int fd, const char *name, const void *value,
			size_t size, int flags)
{
	struct un_xattr_change c = { name, size, flags, false };
	char to[PATH_MAX], esc[XATTR_NAME_MAX + 32];
	int rc = fd_prepare(fd, to, sizeof(to), un_pre_xattr,
			    (uintptr_t)&c);

	name = un_fd_xattr_name(fd, name, esc, sizeof(esc));
	if (rc == 2)
		return real_setxattr(to, name, value, size, flags);
	if (rc == 1)
		return real_lsetxattr(to, name, value, size, flags);
	return rc < 0 ? un_fail(rc)
		      : real_fsetxattr(fd, name, value, size, flags);
}

UN_EXPORT int fremovexattr(int fd, const char *name)
{
	struct un_xattr_change c = { name, 0, 0, true };
	char to[PATH_MAX], esc[XATTR_NAME_MAX + 32];
	int rc = fd_prepare(fd, to, sizeof(to), un_pre_xattr,
			    (uintptr_t)&c);

	name = un_fd_xattr_name(fd, name, esc, sizeof(esc));
	if (rc == 2)
		return real_removexattr(to, name);
	if (rc == 1)
		return real_lremovexattr(to, name);
	return rc < 0 ? un_fail(rc) : real_fremovexattr(fd, name);
}

/*
 * lseek on a merged directory.  The descriptor is the real directory of
 * one layer, whose file system answers SEEK_END (ext4's htree end, say);
 * overlayfs keeps its own position in a merged directory's listing and
 * takes only SEEK_SET and SEEK_CUR (EINVAL otherwise).  A directory one
 * layer holds alone is the real one in both.  SEEK_SET and SEEK_CUR go
 * straight through: they are the common case and cost nothing here.
 */
static __attribute__((noinline)) bool seek_refused(int fd, int whence)
{
	bool merged_dir = false;
	char vpath[UN_VPATH_MAX];	/* (deeper than PATH_MAX too) */
	struct un_node n;
	struct stat st;
	int rc;

	if (whence == SEEK_SET || whence == SEEK_CUR || !un_enter())
		return false;
	/* Merged when opened, or since (a copy-up of a lower directory
	   makes it so, and the kernel's listing turns merged with it).  A
	   removed directory keeps what it was (and a removed lower one
	   copied up over a directory made at its name turned merged:
	   un_copy_up_dead), as the kernel's dentry keeps its layers. */
	rc = un_fd_get(fd, vpath, sizeof(vpath), &merged_dir);
	/* Copied up while it stood away from 0, the kernel's file answers
	   as the one layer's until it stands at 0 (un_fd_mark_one_layer). */
	if (rc == 0 || rc == -ESTALE) {
		if (un_fd_is_one_layer(fd)) {
			if (real_lseek(fd, 0, SEEK_CUR) != 0)
				rc = -EAGAIN;
			else
				un_fd_at_zero(fd);
		}
	}
	if (rc < 0 && rc != -ESTALE)
		merged_dir = false;
	else if (!merged_dir && real_fstat(fd, &st) == 0 &&
		 S_ISDIR(st.st_mode))
		merged_dir = (strlen(vpath) < PATH_MAX ?
				      un_lookup(AT_FDCWD, vpath, 0, &n) :
				      un_lookup(fd, "", UN_LK_EMPTY, &n)) == 0 &&
			     un_node_is_merged_dir(&n);
	/* A descriptor the kernel seeks in at all (an O_PATH one is
	   EBADF first: the real call says so). */
	if (merged_dir && real_lseek(fd, 0, SEEK_CUR) < 0)
		merged_dir = false;
	un_leave();
	return merged_dir;
}

UN_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR &&
	    seek_refused(fd, whence)) {
		errno = EINVAL;
		return -1;
	}
	return real_lseek(fd, off, whence);
}

UN_EXPORT off64_t lseek64(int fd, off64_t off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR &&
	    seek_refused(fd, whence)) {
		errno = EINVAL;
		return -1;
	}
	return real_lseek64(fd, off, whence);
}
