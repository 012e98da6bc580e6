/*
 * wrap_stat.c - the stat family, old and new.
 *
 * The lookup has already lstat'ed the object in the layer that holds it,
 * so a stat of a merged path costs no further system call: the answer is
 * that lstat, with st_nlink 1 for a directory merged from several layers
 * (as the kernel reports it; gnulib's fts would otherwise take a link
 * count of 2 for "no subdirectories" and skip the lower ones).
 *
 * fstat of a descriptor opened in the union asks the kernel about the
 * real file (the same object the lookup found, so st_dev and st_ino
 * agree) and fixes st_nlink the same way.
 *
 * On x86_64 struct stat and struct stat64 are one layout, as are the
 * _STAT_VER structures of the __xstat generation; every name funnels into
 * stat_common() and fix_fstat().
 */
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "wrap.h"

_Static_assert(sizeof(struct stat) == sizeof(struct stat64),
	       "struct stat and stat64 must share a layout");

/*
 * Which entry point a stat came through.  A call that stays outside the
 * union goes to that very entry point's real function: another preloaded
 * library (fakeroot) may implement one name through another, and calling
 * a different real function would bounce between the two libraries.
 */
enum stat_kind {
	K_STAT, K_STAT64, K_LSTAT, K_LSTAT64, K_FSTATAT, K_FSTATAT64,
	K_XSTAT, K_XSTAT64, K_LXSTAT, K_LXSTAT64, K_FXSTATAT, K_FXSTATAT64,
};

/* (Inlined: each entry point's call outside, k a constant there,
   becomes the one real function's call, no switch.) */
static inline __attribute__((always_inline)) int
real_stat_call(enum stat_kind k, int ver, int dirfd, const char *path,
	       struct stat *buf, int flags)
{
	struct stat64 *b64 = (struct stat64 *)buf;

	switch (k) {
	case K_STAT:
		return real_stat(path, buf);
	case K_STAT64:
		return real_stat64(path, b64);
	case K_LSTAT:
		return real_lstat(path, buf);
	case K_LSTAT64:
		return real_lstat64(path, b64);
	case K_FSTATAT:
		return real_fstatat(dirfd, path, buf, flags);
	case K_FSTATAT64:
		return real_fstatat64(dirfd, path, b64, flags);
	case K_XSTAT:
		return real___xstat(ver, path, buf);
	case K_XSTAT64:
		return real___xstat64(ver, path, b64);
	case K_LXSTAT:
		return real___lxstat(ver, path, buf);
	case K_LXSTAT64:
		return real___lxstat64(ver, path, b64);
	case K_FXSTATAT:
		return real___fxstatat(ver, dirfd, path, buf, flags);
	case K_FXSTATAT64:
		return real___fxstatat64(ver, dirfd, path, b64, flags);
	}
	errno = ENOSYS;
	return -1;
}

/* st, the real one of the removed directory vpath: the kernel's shows
   the times of its upper copy, deleted, where it had one. */
static void dead_times_fix(const char *vpath, struct stat *st)
{
	struct timespec t[3];

	if (un_dead_times(vpath, st, t)) {
		st->st_atim = t[0];
		st->st_mtim = t[1];
		st->st_ctim = t[2];
	}
}

/* fstat's answer for a directory descriptor fd opened in a union
   (and statx's through it): nlink 1 for a directory merged from
   several layers, as it is now (the directory cache knows, mostly, at
   no system call), and the identity of its topmost lower copy where the
   upper's merges with it (one lstat: un_node_dir_origin).  Its own
   frame (fstat and statx call it).  Inside un_enter. */
static __attribute__((noinline)) void fd_dir_fix(int fd, struct stat *st)
{
	char vpath[UN_VPATH_MAX];
	bool merged_dir = false;
	struct un_node n;
	int got;

	if ((got = un_fd_get(fd, vpath, sizeof(vpath), &merged_dir)) == 0) {
		/* (A path the kernel would refuse whole, a directory
		   deeper than PATH_MAX: looked up from fd itself.) */
		int lk = un_dir_cached(vpath, &n) == 0 ? 0 :
			 strlen(vpath) < PATH_MAX ?
				 un_lookup(AT_FDCWD, vpath, 0, &n) :
				 un_lookup(fd, "", UN_LK_EMPTY, &n);

		if (lk == 0 && n.layer >= 0) {
			if (un_node_is_merged_dir(&n))
				st->st_nlink = 1;
			un_node_dir_origin(&n, &st->st_dev, &st->st_ino);
		} else if (lk == -EACCES &&
			   (merged_dir || un_fd_was_lower(fd) > 0)) {
			/* Out of reach by its whole path now (an ancestor
			   lost its x: found/99): merged as when opened, or
			   since a copy-up moved fd from a lower's copy onto
			   the upper's (user seed absent:6469). */
			st->st_nlink = 1;
		} else if ((lk == 0 || lk == -ENOENT) &&
			   un_removed_merged(vpath, st)) {
			/* Another process removed it: the kernel's
			   merged directory keeps its 1. */
			st->st_nlink = 1;
		}
	} else if (got == -ESTALE && merged_dir) {
		/* Removed, the kernel's merged directory keeps its 1. */
		dead_times_fix(vpath, st);
		st->st_nlink = 1;
	}
}

/* A lower fifo's stand-in fd answers fstat as the fifo (fifo.c).  (Its
   own frame, the node's.) */
static __attribute__((noinline)) void fd_fifo_fix(int fd, struct stat *st)
{
	struct un_node n;

	if (un_fifo_object(fd, &n, false) == 0)
		*st = n.st;
}

/* fstat's answer for a descriptor opened in a union: fd_dir_fix's for
   a directory, fd_fifo_fix's for a fifo; for a regular file in a
   process that watches lower files, the watched file's identity for its
   copy (watch_ident.c). */
static int fix_fstat(int fd, struct stat *st, int rc)
{
	if (rc != 0 ||
	    !(S_ISDIR(st->st_mode) || S_ISFIFO(st->st_mode) ||
	      (S_ISREG(st->st_mode) && un_watch_ident_on())) ||
	    !un_enter())
		return rc;
	UN_SAVE_ERRNO;
	if (S_ISREG(st->st_mode))
		un_watch_ident_fd(fd, &st->st_dev, &st->st_ino);
	else if (S_ISFIFO(st->st_mode))
		fd_fifo_fix(fd, st);
	else
		fd_dir_fix(fd, st);
	UN_RESTORE_ERRNO;
	un_leave();
	return rc;
}

/* statx(fd, "", AT_EMPTY_PATH) of a directory: fstat's answer
   (fd_dir_fix: merged as it is now, not as it was when opened; a copy-up
   through another name or the descriptor turns a lower's directory
   merged; integration/statx-empty-copied-up). */
static void statx_dir_fix(int fd, struct statx *buf)
{
	struct stat st = { 0 };

	st.st_mode = buf->stx_mode;
	st.st_nlink = buf->stx_nlink;
	st.st_dev = makedev(buf->stx_dev_major, buf->stx_dev_minor);
	st.st_ino = buf->stx_ino;
	st.st_atim.tv_sec = buf->stx_atime.tv_sec;
	st.st_atim.tv_nsec = buf->stx_atime.tv_nsec;
	st.st_mtim.tv_sec = buf->stx_mtime.tv_sec;
	st.st_mtim.tv_nsec = buf->stx_mtime.tv_nsec;
	st.st_ctim.tv_sec = buf->stx_ctime.tv_sec;
	st.st_ctim.tv_nsec = buf->stx_ctime.tv_nsec;
	UN_SAVE_ERRNO;
	fd_dir_fix(fd, &st);
	UN_RESTORE_ERRNO;
	buf->stx_nlink = (__u32)st.st_nlink;
	buf->stx_dev_major = major(st.st_dev);
	buf->stx_dev_minor = minor(st.st_dev);
	buf->stx_ino = st.st_ino;
	buf->stx_atime.tv_sec = st.st_atim.tv_sec;
	buf->stx_atime.tv_nsec = (__u32)st.st_atim.tv_nsec;
	buf->stx_mtime.tv_sec = st.st_mtim.tv_sec;
	buf->stx_mtime.tv_nsec = (__u32)st.st_mtim.tv_nsec;
	buf->stx_ctime.tv_sec = st.st_ctim.tv_sec;
	buf->stx_ctime.tv_nsec = (__u32)st.st_ctim.tv_nsec;
}

/* A removed directory that was merged keeps the nlink of 1 the kernel's
   merged directories show (path: dots alone, un_dead_dots found it). */
static bool dead_merged_self(int dirfd, const char *path)
{
	return un_dead_dots_merged(dirfd, path);
}

/* The same for statx's buf (nlink 1 too). */
static void dead_statx_fix(const char *vpath, struct statx *buf)
{
	struct timespec t[3];
	struct stat st = { .st_mode = buf->stx_mode, .st_nlink = buf->stx_nlink };

	buf->stx_nlink = 1;
	if (!un_dead_times(vpath, &st, t))
		return;
	buf->stx_atime.tv_sec = t[0].tv_sec;
	buf->stx_atime.tv_nsec = (__u32)t[0].tv_nsec;
	buf->stx_mtime.tv_sec = t[1].tv_sec;
	buf->stx_mtime.tv_nsec = (__u32)t[1].tv_nsec;
	buf->stx_ctime.tv_sec = t[2].tv_sec;
	buf->stx_ctime.tv_nsec = (__u32)t[2].tv_nsec;
}

static __attribute__((noinline)) int
stat_lookup(enum stat_kind k, int ver, int dirfd, const char *path,
	    struct stat *st, int flags)
{
	char dead[UN_VPATH_MAX];
	struct un_node n;
	int rc;

	if (!un_enter())
		return real_stat_call(k, ver, dirfd, path, st, flags);
	UN_ERRNO_IN;
	/* "" (or NULL) with AT_EMPTY_PATH: the descriptor itself. */
	if ((flags & AT_EMPTY_PATH) && un_path_empty(path) &&
	    dirfd != AT_FDCWD) {
		un_leave();
		return fix_fstat(dirfd, st,
				 real_stat_call(k, ver, dirfd, path ? path : "",
						st, flags));
	}
	/* (errno: this function's own UN_ERRNO_IN/OUT.) */
	rc = un_lookup_nosave(dirfd, path,
			      un_at_follow(flags) | un_at_empty(flags) |
				      UN_LK_STATONLY,
			      &n);
	if ((rc > 0 || rc == -ENOENT) &&
	    un_dead_dots(dirfd, path, dead, NULL)) {
		/* No change may reach a removed directory's real one (a
		   lower's), but a stat reads it as fstat does. */
		rc = real_stat_call(k, ver, dirfd, path, st, flags);
		if (rc == 0 && S_ISDIR(st->st_mode) &&
		    dead_merged_self(dirfd, path)) {
			dead_times_fix(dead, st);
			st->st_nlink = 1;
		}
	} else if (rc > 0) {
		rc = real_stat_call(k, ver, dirfd, n.kpath, st, flags);
	} else if (rc < 0) {
		rc = un_fail(rc);
	} else if (n.layer < 0) {
		rc = un_fail(-ENOENT);
	} else {
		*st = n.st;
		if (un_node_is_merged_dir(&n)) {
			st->st_nlink = 1;
			un_node_dir_origin(&n, &st->st_dev, &st->st_ino);
		} else if (n.layer == 0 && S_ISREG(n.st.st_mode) &&
			   un_watch_ident_on()) {
			un_watch_ident_node(&n, &st->st_dev, &st->st_ino);
		}
		rc = 0;
	}
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc;
}

/* A name far from every union goes straight to the kernel, before the
   lookup's stack frame (a struct un_node) is even set up.  Inlined in
   each entry point (find's fstatat of every name: the call, six
   registers saved and the switch of real_stat_call were ~25
   instructions a name, bench/README.md "Session 19 (outside19)"). */
static inline __attribute__((always_inline)) int
stat_common(enum stat_kind k, int ver, int dirfd, const char *path,
	    struct stat *st, int flags)
{
	if (dirfd >= 0 && un_fd_far(dirfd)) {
		/*
		 * Relative to a descriptor far from every union (find's
		 * fstatat of every name): the kernel first, which reads
		 * the string for us, then the test of un_far_name on it,
		 * one strchrnul (un_user_str's test of its page, strnlen
		 * and memchr were ~60 instructions a name, and a system
		 * call or two where the page was new: bench/README.md
		 * "Session 19 (outside19)").  A stat changes nothing, so
		 * a name that may lead into a union (a '..', an absolute
		 * path, "") is simply looked up after.  The kernel read
		 * the whole string when it answers 0, ENOENT or ENOTDIR
		 * (EINVAL, for one, may come before it reads): anything
		 * else is looked up too, as before.
		 */
		int saved = errno;
		int rc = real_stat_call(k, ver, dirfd, path, st, flags);

		if (rc == 0 || errno == ENOENT || errno == ENOTDIR) {
			const char *end = strchrnul(path, '/');

			if (end != path &&
			    (*end ? !un_path_has_dotdot(path) :
				    !(end - path == 2 && path[0] == '.' &&
				      path[1] == '.')))
				return rc;
		}
		errno = saved;
	}
	return stat_lookup(k, ver, dirfd, path, st, flags);
}

UN_EXPORT int stat(const char *path, struct stat *buf)
{
	return stat_common(K_STAT, 0, AT_FDCWD, path, buf, 0);
}

UN_EXPORT int stat64(const char *path, struct stat64 *buf)
{
	return stat_common(K_STAT64, 0, AT_FDCWD, path, (struct stat *)buf, 0);
}

UN_EXPORT int lstat(const char *path, struct stat *buf)
{
	return stat_common(K_LSTAT, 0, AT_FDCWD, path, buf,
			   AT_SYMLINK_NOFOLLOW);
}

UN_EXPORT int lstat64(const char *path, struct stat64 *buf)
{
	return stat_common(K_LSTAT64, 0, AT_FDCWD, path, (struct stat *)buf,
			   AT_SYMLINK_NOFOLLOW);
}

UN_EXPORT int fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
	return stat_common(K_FSTATAT, 0, dirfd, path, buf, flags);
}

UN_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *buf,
			int flags)
{
	return stat_common(K_FSTATAT64, 0, dirfd, path, (struct stat *)buf,
			   flags);
}

UN_EXPORT int fstat(int fd, struct stat *buf)
{
	return fix_fstat(fd, buf, real_fstat(fd, buf));
}

UN_EXPORT int fstat64(int fd, struct stat64 *buf)
{
	return fix_fstat(fd, (struct stat *)buf, real_fstat64(fd, buf));
}

UN_EXPORT int __xstat(int ver, const char *path, struct stat *buf)
{
	return stat_common(K_XSTAT, ver, AT_FDCWD, path, buf, 0);
}

UN_EXPORT int __xstat64(int ver, const char *path, struct stat64 *buf)
{
	return stat_common(K_XSTAT64, ver, AT_FDCWD, path, (struct stat *)buf,
			   0);
}

UN_EXPORT int __lxstat(int ver, const char *path, struct stat *buf)
{
	return stat_common(K_LXSTAT, ver, AT_FDCWD, path, buf,
			   AT_SYMLINK_NOFOLLOW);
}

UN_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *buf)
{
	return stat_common(K_LXSTAT64, ver, AT_FDCWD, path, (struct stat *)buf,
			   AT_SYMLINK_NOFOLLOW);
}

UN_EXPORT int __fxstat(int ver, int fd, struct stat *buf)
{
	return fix_fstat(fd, buf, real___fxstat(ver, fd, buf));
}

UN_EXPORT int __fxstat64(int ver, int fd, struct stat64 *buf)
{
	return fix_fstat(fd, (struct stat *)buf, real___fxstat64(ver, fd, buf));
}

UN_EXPORT int __fxstatat(int ver, int dirfd, const char *path,
			 struct stat *buf, int flags)
{
	return stat_common(K_FXSTATAT, ver, dirfd, path, buf, flags);
}

UN_EXPORT int __fxstatat64(int ver, int dirfd, const char *path,
			   struct stat64 *buf, int flags)
{
	return stat_common(K_FXSTATAT64, ver, dirfd, path, (struct stat *)buf,
			   flags);
}

/* Flags and a mask that statx takes without complaint (no EINVAL to
   give from the real call), and a buffer the library may write: the
   lookup may then answer with its own statx of the last name. */
static bool statx_plain(int flags, unsigned mask, const struct statx *buf)
{
	const int known = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
			  AT_EMPTY_PATH | AT_STATX_SYNC_TYPE;

	return !(flags & ~known) &&
	       (flags & AT_STATX_SYNC_TYPE) != AT_STATX_SYNC_TYPE &&
	       !(mask & STATX__RESERVED) && buf;
}

/* statx of a lower fifo's stand-in fd, as the fifo (fifo.c); rc, the
   real call's otherwise.  (Its own frame.) */
static __attribute__((noinline)) int statx_fifo(int fd, int flags,
						unsigned int mask,
						struct statx *buf, int rc)
{
	struct un_node n;
	UN_KBUF(kbuf);

	if (un_fifo_object(fd, &n, false) == 0)
		rc = real_statx(AT_FDCWD, un_kreal(n.real, &kbuf),
				un_fifo_held_path(n.real) ?
					flags & ~AT_SYMLINK_NOFOLLOW :
					flags | AT_SYMLINK_NOFOLLOW,
				mask, buf);
	return rc;
}

/* statx's answer for a regular file, in a process that watches lower
   files: the watched file's identity for its copy (watch_ident.c), n's
   (the lookup's) or, n NULL, fd's. */
static void statx_ident(struct statx *buf, const struct un_node *n, int fd)
{
	dev_t dev = makedev(buf->stx_dev_major, buf->stx_dev_minor);
	ino_t ino = buf->stx_ino;

	if (n)
		un_watch_ident_node(n, &dev, &ino);
	else
		un_watch_ident_fd(fd, &dev, &ino);
	buf->stx_dev_major = major(dev);
	buf->stx_dev_minor = minor(dev);
	buf->stx_ino = ino;
}

/* statx through a path (the lookup's frame, apart from the
   descriptor's own, statx's AT_EMPTY_PATH: each its own frame). */
static __attribute__((noinline)) int statx_path(int dirfd, const char *path,
						int flags, unsigned int mask,
						struct statx *buf);

UN_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
		    struct statx *buf)
{
	int rc;

	if (!un_enter())
		return real_statx(dirfd, path, flags, mask, buf);
	UN_ERRNO_IN;
	if (un_path_empty(path) && (flags & AT_EMPTY_PATH) &&
	    dirfd != AT_FDCWD) {
		rc = real_statx(dirfd, path, flags, mask, buf);
		if (rc == 0 && S_ISDIR(buf->stx_mode))
			statx_dir_fix(dirfd, buf);
		if (rc == 0 && S_ISFIFO(buf->stx_mode))
			rc = statx_fifo(dirfd, flags, mask, buf, rc);
		if (rc == 0 && S_ISREG(buf->stx_mode) && un_watch_ident_on())
			statx_ident(buf, NULL, dirfd);
	} else {
		rc = statx_path(dirfd, path, flags, mask, buf);
	}
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc;
}

static int statx_path(int dirfd, const char *path, int flags,
		      unsigned int mask, struct statx *buf)
{
	struct un_node n;
	char vpath[UN_VPATH_MAX];
	UN_KBUF(kbuf);
	int rc;

	/* The lookup's own stat of the last name is the statx asked for
	   (one call a name for ls -la), when the kernel would take the
	   flags and mask as they are; else it is asked again below. */
	n.stx = buf;
	n.stx_mask = mask;
	n.stx_flags = flags & AT_STATX_SYNC_TYPE;
	rc = un_lookup(dirfd, path,
		       un_at_follow(flags) |
			       (statx_plain(flags, mask, buf) ? UN_LK_STATX : 0),
		       &n);
	if ((rc > 0 || rc == -ENOENT) &&
	    un_dead_dots(dirfd, path, vpath, NULL)) {
		rc = real_statx(dirfd, path, flags, mask, buf);
		if (rc == 0 && S_ISDIR(buf->stx_mode) &&
		    dead_merged_self(dirfd, path))
			dead_statx_fix(vpath, buf);
	} else if (rc > 0) {
		rc = real_statx(dirfd, n.kpath, flags, mask, buf);
	} else if (rc < 0) {
		rc = un_fail(rc);
	} else if (n.layer < 0) {
		rc = un_fail(-ENOENT);
	} else if (n.stx_done) {
		rc = 0;		/* a non-directory: nlink is its own */
		if (n.layer == 0 && S_ISREG(n.st.st_mode) &&
		    un_watch_ident_on())
			statx_ident(buf, &n, -1);
	} else {
		/* n.real is the object itself: never follow it again.  (By
		   the lookup's route, or from its start when the whole
		   path is refused: found/107, user seed inplace:2237.) */
		const char *kp;
		int e0 = errno, kfd = un_node_kat(&n, &kbuf, &kp);

		flags = (flags | AT_SYMLINK_NOFOLLOW) & ~AT_EMPTY_PATH;
		rc = real_statx(kfd, kp, flags, mask, buf);
		if (rc < 0 && un_node_retry_at(&n, e0, &kbuf, &kfd, &kp))
			rc = real_statx(kfd, kp, flags, mask, buf);
		if (rc == 0 && un_node_is_merged_dir(&n)) {
			dev_t dev;
			ino_t ino;

			buf->stx_nlink = 1;
			if (un_node_dir_origin(&n, &dev, &ino)) {
				buf->stx_dev_major = major(dev);
				buf->stx_dev_minor = minor(dev);
				buf->stx_ino = ino;
			}
		} else if (rc == 0 && n.layer == 0 &&
			   S_ISREG(n.st.st_mode) && un_watch_ident_on()) {
			statx_ident(buf, &n, -1);
		}
	}
	return rc;
}

/*
 * access and friends.  As root, the kernel's answer on the object's real
 * file.  For an unprivileged user, an object of a lower counts as the
 * user's own for W_OK (DESIGN.md, Permissions): its owner bits answer.
 * A read-only union answers EROFS to W_OK, but for a fifo, socket or
 * device (they open for writing there).
 */
static __attribute__((noinline)) int un_access(int dirfd, const char *path,
						int mode, int flags)
{
	struct un_mount *dm;
	struct un_node n;
	UN_KBUF(kbuf);	/* see un_kreal */
	int rc;

	if (!un_enter())
		return real_faccessat(dirfd, path, mode, flags);
	UN_ERRNO_IN;
	rc = un_lookup(dirfd, path, un_at_follow(flags) | un_at_empty(flags),
		       &n);
	if ((rc > 0 || rc == -ENOENT) &&
	    (dm = un_dead_dots(dirfd, path, NULL, NULL))) {
		/* '.' of a removed directory: the kernel asks its dentry,
		   as stat_lookup reads it (found/95). */
		rc = (mode & W_OK) && !dm->upper
			     ? un_fail(-EROFS)
			     : real_faccessat(dirfd, path, mode, flags);
		goto out;
	}
	if (rc > 0) {
		rc = real_faccessat(dirfd, n.kpath, mode, flags);
		goto out;
	}
	if (rc < 0 || n.layer < 0) {
		rc = un_fail(rc < 0 ? rc : -ENOENT);
		goto out;
	}
	/* (sb_permission: a fifo, socket or device of a read-only mount
	   may still be written.) */
	if ((mode & W_OK) && !n.mnt->upper &&
	    (S_ISREG(n.st.st_mode) || S_ISDIR(n.st.st_mode) ||
	     S_ISLNK(n.st.st_mode))) {
		rc = un_fail(-EROFS);
		goto out;
	}
	if ((mode & W_OK) && n.layer > 0) {
		bool eff = flags & AT_EACCESS;
		uid_t uid = eff ? un_self_euid() : getuid();

		if (uid != 0 && !(n.st.st_mode & S_IWUSR)) {
			rc = un_fail(-EACCES);
			goto out;
		}
		mode &= ~W_OK;
		if (uid != 0 && (mode & (R_OK | X_OK))) {
			/* The owner bits answer, as for W_OK. */
			if (((mode & R_OK) && !(n.st.st_mode & S_IRUSR)) ||
			    ((mode & X_OK) && !(n.st.st_mode & S_IXUSR))) {
				rc = un_fail(-EACCES);
				goto out;
			}
			mode = F_OK;
		}
	}
	/* (By the lookup's route, or from its start: found/107.) */
	int e0 = errno;
	const char *kp;
	int kfd = un_node_kat(&n, &kbuf, &kp);

	rc = real_faccessat(kfd, kp, mode,
			    (flags & AT_EACCESS) | AT_SYMLINK_NOFOLLOW);
	if (rc < 0 && un_node_retry_at(&n, e0, &kbuf, &kfd, &kp))
		rc = real_faccessat(kfd, kp, mode,
				    (flags & AT_EACCESS) |
					    AT_SYMLINK_NOFOLLOW);
out:
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc;
}

UN_EXPORT int access(const char *path, int mode)
{
	return un_access(AT_FDCWD, path, mode, 0);
}

UN_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return un_access(dirfd, path, mode, flags);
}

UN_EXPORT int euidaccess(const char *path, int mode)
{
	return un_access(AT_FDCWD, path, mode, AT_EACCESS);
}

UN_EXPORT int eaccess(const char *path, int mode)
{
	return un_access(AT_FDCWD, path, mode, AT_EACCESS);
}
