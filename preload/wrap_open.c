/*
 * wrap_open.c - the open family, stdio opens, temporary files, sockets.
 *
 * un_open() is the one body behind open, openat, creat, their 64 and
 * fortify twins, fopen and freopen:
 *
 *   - absent name with O_CREAT: created in the upper (parents copied up
 *     first); a whiteout of that name is dropped;
 *   - opened for writing (O_WRONLY, O_RDWR, or O_TRUNC even with
 *     O_RDONLY): copied up first, then the upper copy is opened;
 *   - otherwise the object is opened where it lies.
 *
 * The descriptor is recorded in fdtab with its merged path, so that *at
 * calls, fchdir and /proc/self/fd/N answer in the merged namespace.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/un.h>
#include <unistd.h>

#include "newsys.h"
#include "wrap.h"

/*
 * A removed directory opened by '.' (or '..' of a removed one) from a
 * removed cwd or descriptor: for writing (or O_CREAT) the kernel says
 * EISDIR, as of any directory; for reading it opens it (its listing is
 * empty, its fstat the removed directory's).  The real one opens, and the
 * descriptor is dead as one open on it before its removal (nothing is
 * found in it, no change reaches a lower's real one).  -ENOENT when path
 * names no such directory.
 */
/* (Not inlined: its frame of paths is taken only when called; a
   thread's calls must fit in 128 KiB of stack: edges/thread-stack.) */
static __attribute__((noinline)) int open_dead(int dirfd, const char *path,
						int flags, mode_t mode,
						bool writing)
{
	char vpath[UN_VPATH_MAX];
	size_t dead_at;
	bool merged;
	int fd;

	if (!un_dead_dots(dirfd, path, vpath, &dead_at))
		return -ENOENT;
	if (writing)
		return -EISDIR;
	merged = un_dead_dots_merged(dirfd, path);
	fd = real_openat(dirfd, path, flags, mode);
	if (fd < 0)
		return -errno;
	un_fd_set_dead(fd, vpath, dead_at, merged);
	return fd;
}

/*
 * The body, for a caller already inside the library.  cached: a
 * directory the cache knows may be taken without a stat (UN_LK_NOSTAT);
 * when it turns out gone (a layer changed behind the library's back),
 * the open is tried again with a proper lookup.
 */
static int open_lookup(int dirfd, const char *path, int flags, mode_t mode,
		       bool cached)
{
	bool creat = flags & O_CREAT;
	bool excl = creat && (flags & O_EXCL);
	bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
	bool writing = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	/* (An unreadable path reads as "": the lookup answers EFAULT.) */
	ssize_t slen = path ? un_user_str(path) : 0;
	size_t plen = slen > 0 ? (size_t)slen : 0;
	/* O_CREAT with a trailing slash is EISDIR before any following. */
	bool slash = plen > 1 && path[plen - 1] == '/';
	/* A path in a layer too long for the kernel: see un_kreal. */
	UN_KBUF(kbuf);
	/* An open for reading needs no stat of a directory the cache knows
	   (find and tar open every directory they walk). */
	int lk = ((flags & O_NOFOLLOW) || excl || (creat && slash) ?
			  0 : UN_LK_FOLLOW) |
		 (creat ? UN_LK_PARENT : 0) | (excl ? UN_LK_EXCL : 0) |
		 (cached && !creat && !tmpfile && !writing ? UN_LK_NOSTAT : 0);
	struct un_node n;
	const char *real;
	int fd, rc, at;
	/* An O_CREAT whose name another process removed or renamed away
	   between the lookup and the open (or the copy-up): the kernel's
	   open finds or makes the name at once, never ENOENT; here the
	   name is looked up again (absent now: made, a whiteout dropped).
	   A loop, not a call: the frame holds a node of paths.  Bounded:
	   a name made and removed without end by others is the kernel's
	   ENOENT never, ours after 64.  (tests/stress/race.py found it,
	   integration/open-creat-vanished-race.) */
	int vanished = 0;
	/* Another thread's copy-up moved a directory's descriptor between
	   the lookup and the open (fdtab.c, Moves): an open relative to
	   dirfd as a lower's copy reached the upper's, which lacks the
	   name (ENOENT where the kernel opens it), or opened the upper's
	   directory under the lower's layer.  Looked up again: moves
	   holds the count the lookup began at; moved bounds the rounds. */
	unsigned long moves;
	int moved = 0;

	if (creat && (flags & O_DIRECTORY) && !tmpfile)
		return un_fail(-EINVAL);	/* as Linux since 6.4 */
	/* A directory opened for reading that the cache does not know is
	   looked up by the open itself where one layer alone may hold it
	   (namei.c open_single: find opens every directory it walks). */
	if ((lk & UN_LK_NOSTAT) && (flags & O_DIRECTORY) && !(flags & O_PATH)) {
		lk |= UN_LK_OPENDIR;
		n.open_flags = flags;
	}
again:
	/* (Read only where another thread may move: un_fd_moves is a
	   call, on every open.) */
	moves = __libc_single_threaded ? 0 : un_fd_moves();
	rc = creat || writing ? un_lookup_change(dirfd, path, lk, &n)
			      : un_lookup(dirfd, path, lk, &n);
	if ((rc > 0 || rc == -ENOENT) && !tmpfile) {
		fd = open_dead(dirfd, path, flags, mode, creat || writing);
		if (fd != -ENOENT)
			return fd < 0 ? un_fail(fd) : fd;
	}
	if (rc > 0) {
		/* The mount tables list the unions as overlay mounts. */
		if (path[0] == '/' && (fd = un_mounts_open(path, flags)) != -ENOENT)
			return fd < 0 ? un_fail(fd) : fd;
		fd = real_openat(dirfd, n.kpath, flags, mode);
		if (fd >= 0)
			un_fd_opened_outside(fd, dirfd, n.kpath);
		return fd;
	}
	if (rc < 0)
		return un_fail(rc);

	/* O_CREAT with a trailing slash: EISDIR, whatever is there. */
	if (creat && n.trailing_slash)
		return un_fail(-EISDIR);
	if (n.open_fd >= 0) {
		/* Opened by the lookup: a directory of one layer. */
		un_fd_set_at(n.open_fd, n.vpath, false, n.mnt, n.layer);
		return n.open_fd;
	}
	if (n.layer < 0) {
		if (!creat || tmpfile)
			return un_fail(-ENOENT);
		rc = un_make_prepare(&n, false);
		if (rc < 0)
			return un_fail(rc);
		const char *kp;
		int kfd = un_node_kat(&n, &kbuf, &kp), e0 = errno;

		fd = real_openat(kfd, kp, flags, mode);
		/* (From the lookup's start when the whole path is refused:
		   found/104.) */
		if (fd < 0 && un_node_retry_at(&n, e0, &kbuf, &kfd, &kp))
			fd = real_openat(kfd, kp, flags, mode);
		if (fd < 0)
			return fd;
		un_make_done(&n, false);
		un_fd_set(fd, n.vpath, false);
		un_fd_mark_upper(fd);
		return fd;
	}
	if (excl)
		return un_fail(-EEXIST);
	if (creat && S_ISDIR(n.st.st_mode))
		return un_fail(-EISDIR);
	/* Errors the kernel gives before it would copy anything up. */
	if ((flags & O_DIRECTORY) && !S_ISDIR(n.st.st_mode) && !tmpfile &&
	    !S_ISLNK(n.st.st_mode))
		return un_fail(-ENOTDIR);
	if (tmpfile) {
		if (!S_ISDIR(n.st.st_mode))
			return un_fail(-ENOTDIR);
		if (!n.mnt->upper)
			return un_fail(-EROFS);
		rc = un_copy_up(&n);
		if (rc < 0)
			return un_fail(rc);
		return real_openat(AT_FDCWD, un_kreal(n.real, &kbuf), flags,
				   mode);
	}
	if (writing && !(flags & O_PATH) && !S_ISLNK(n.st.st_mode)) {
		if (S_ISDIR(n.st.st_mode))
			return un_fail(-EISDIR);
		/* A read-only mount refuses writing to its regular files
		   only (sb_permission): a fifo, socket or device still
		   opens for writing (a fifo through a stand-in outside
		   the lowers, below). */
		if (!n.mnt->upper && S_ISREG(n.st.st_mode))
			return un_fail(-EROFS);
		/* may_open before the copy-up: the owner's w bit of a
		   lower file (DESIGN.md, Permissions), and reading where
		   the lower lets the caller, so that a refused open copies
		   nothing (an empty file needs no reading to copy). */
		if (n.layer > 0 && un_unprivileged() &&
		    S_ISREG(n.st.st_mode) &&
		    (!(n.st.st_mode & S_IWUSR) ||
		     ((flags & O_ACCMODE) != O_WRONLY &&
		      real_faccessat(AT_FDCWD, un_kreal(n.real, &kbuf), R_OK,
				     AT_EACCESS) < 0)))
			return un_fail(-EACCES);
		if (S_ISREG(n.st.st_mode)) {
			rc = un_copy_up(&n);
			/* (Its copy removed by another process before the
			   copy-up looked at it: vanished.) */
			if (rc == -ENOENT && creat && vanished++ < 64)
				goto again;
			if (rc < 0)
				return un_fail(rc);
		}
	}
	/* A fifo opens through its stand-in: never the layer's own, whose
	   times a write would move, and no copy-up (fifo.c); in a
	   read-only union too, for reading as well (the readers meet the
	   writers there). */
	if (S_ISFIFO(n.st.st_mode) && n.layer >= 0 && !(flags & O_PATH)) {
		fd = un_fifo_open(&n, flags);
		return fd < 0 ? un_fail(fd) : fd;
	}
	at = un_node_at(&n, &real);
	/* The whole real path: it may be too long; and where the lookup
	   started from the cwd, another thread's chdir may have moved the
	   real cwd since (fdtab.c un_cwd_chdir). */
	if (!n.at_off || (at == AT_FDCWD && !__libc_single_threaded))
		at = un_node_kat(&n, &kbuf, &real);
	fd = real_openat(at, real, flags & ~(O_CREAT | O_EXCL), mode);
	if (fd < 0 && errno == ENOENT && (lk & UN_LK_NOSTAT) &&
	    S_ISDIR(n.st.st_mode) && !n.st.st_ino)
		return open_lookup(dirfd, path, flags, mode, false);
	if (fd < 0 && errno == ENOENT && creat && vanished++ < 64)
		goto again;	/* (see vanished) */
	if (at >= 0 && (fd < 0 || S_ISDIR(n.st.st_mode)) &&
	    !__libc_single_threaded && un_fd_moves() != moves &&
	    moved++ < UN_MOVES_ROUNDS) {
		if (fd >= 0)
			real_close(fd);
		goto again;	/* (see moves) */
	}
	if (fd >= 0) {
		/* (The union kept as the record's hint: the first lookup
		   through fd, fts's fstatat of a directory's first name,
		   would look for it again, ~150 instructions.) */
		un_fd_set_at(fd, n.vpath, un_node_is_merged_dir(&n), n.mnt,
			     S_ISDIR(n.st.st_mode) ? n.layer : -1);
		if (!S_ISDIR(n.st.st_mode) && n.layer == 0)
			un_fd_mark_upper(fd);
	}
	return fd;
}

/* Does an open change something (create, write, truncate)?  A path
   outside that leads into an in-place union is then its
   (outside_inplace.c). */
UN_EXEC_TEXT static inline bool open_changes(int flags)
{
	return (flags & (O_CREAT | O_TRUNC)) || (flags & O_ACCMODE) != O_RDONLY;
}

/*
 * An absolute path outside every MERGED (a shell's child redirecting
 * to /dev/null, a compiler reading /usr/include): what open_lookup does
 * for it, without its frame and the lookup's (un_path_outside).  False
 * when path is not one.
 */
UN_EXEC_TEXT static bool open_outside(int dirfd, const char *path, int flags,
			 mode_t mode, int *fd)
{
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return false;	/* open_lookup's EINVAL */
	if (un_config.inplace && open_changes(flags))
		return false;	/* (un_lookup_change's) */
	if (un_path_outside(path) <= 0)
		return false;
	/* The mount tables list the unions as overlay mounts. */
	*fd = un_mounts_open(path, flags);
	if (*fd != -ENOENT) {
		*fd = *fd < 0 ? un_fail(*fd) : *fd;
		return true;
	}
	*fd = real_openat(dirfd, path, flags, mode);
	if (*fd >= 0)
		un_fd_opened_outside(*fd, dirfd, path);
	return true;
}

UN_EXEC_TEXT static int open_entered(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;

	if (open_outside(dirfd, path, flags, mode, &fd))
		return fd;
	return open_lookup(dirfd, path, flags, mode, true);
}

UN_EXEC_TEXT int un_open(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;

	if (un_far_name(dirfd, path) &&
	    !(un_config.inplace && open_changes(flags))) {
		/* What is opened there lies far from every union too. */
		fd = real_openat(dirfd, path, flags, mode);
		if (fd >= 0)
			un_fd_set_far(fd);
		return fd;
	}
	if (!un_enter())
		return real_openat(dirfd, path, flags, mode);
	UN_ERRNO_IN;
	fd = open_entered(dirfd, path, flags, mode);
	UN_ERRNO_OUT(fd >= 0);
	un_leave();
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return va_arg(ap, mode_t);
	return 0;
}

UN_EXEC_TEXT UN_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return un_open(AT_FDCWD, path, flags, mode);
}

UN_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return un_open(AT_FDCWD, path, flags | O_LARGEFILE, mode);
}

UN_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return un_open(dirfd, path, flags, mode);
}

UN_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return un_open(dirfd, path, flags | O_LARGEFILE, mode);
}

UN_EXPORT int __open_2(const char *path, int flags)
{
	return un_open(AT_FDCWD, path, flags, 0);
}

UN_EXPORT int __open64_2(const char *path, int flags)
{
	return un_open(AT_FDCWD, path, flags | O_LARGEFILE, 0);
}

UN_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return un_open(dirfd, path, flags, 0);
}

UN_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return un_open(dirfd, path, flags | O_LARGEFILE, 0);
}

UN_EXPORT int creat(const char *path, mode_t mode)
{
	return un_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

UN_EXPORT int creat64(const char *path, mode_t mode)
{
	return un_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC | O_LARGEFILE,
		       mode);
}

/* The open flags of an fopen mode string; -1 for a bad mode. */
static int fopen_flags(const char *mode)
{
	int flags;

	switch (mode[0]) {
	case 'r':
		flags = O_RDONLY;
		break;
	case 'w':
		flags = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		return -1;
	}
	for (const char *m = mode + 1; *m && *m != ','; m++) {
		if (*m == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (*m == 'x')
			flags |= O_EXCL;
		else if (*m == 'e')
			flags |= O_CLOEXEC;
	}
	return flags;
}

static FILE *fopen_common(const char *path, const char *mode)
{
	int flags = fopen_flags(mode);
	FILE *f;
	int fd;

	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = open_entered(AT_FDCWD, path, flags | O_LARGEFILE, 0666);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (!f) {
		UN_SAVE_ERRNO;
		real_close(fd);
		un_fd_forget(fd);
		UN_RESTORE_ERRNO;
	}
	return f;
}

UN_EXPORT FILE *fopen(const char *path, const char *mode)
{
	FILE *f;

	if (!un_enter())
		return real_fopen(path, mode);
	UN_ERRNO_IN;
	f = fopen_common(path, mode);
	UN_ERRNO_OUT(f != NULL);
	un_leave();
	return f;
}

UN_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return fopen(path, mode);
}

/* freopen's stream nfd stands for the merged path of fd (which may be
   longer than PATH_MAX: a tree made one level at a time).  Else its
   number's old record goes (libc kept the number: the stream's old
   file's record, /dev/null's OUTSIDE say, would send a change to the
   lower's file), and the number is looked at afresh.  Its own frame. */
static __attribute__((noinline)) void freopen_record(int fd, int nfd)
{
	char vpath[UN_VPATH_MAX];

	if (un_fd_get(fd, vpath, sizeof(vpath), NULL) == 0)
		un_fd_set(nfd, vpath, false);
	else
		un_fd_forget(nfd);
}

/*
 * freopen: open the merged path ourselves, then let libc reopen the
 * stream on that very file through /proc/self/fd, so it keeps its
 * descriptor number and its buffering rules.
 */
UN_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	char proc[64];
	void *mark;
	int flags, fd;
	FILE *f;

	if (!path || !un_enter())
		return real_freopen(path, mode, stream);
	flags = fopen_flags(mode);
	if (flags < 0) {
		un_leave();
		errno = EINVAL;
		return NULL;
	}
	fd = open_entered(AT_FDCWD, path, flags | O_LARGEFILE, 0666);
	if (fd < 0) {
		un_leave();
		return NULL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	f = real_freopen(proc, mode, stream);
	UN_SAVE_ERRNO;
	if (f)
		freopen_record(fd, fileno(f));
	mark = un_fd_closing(fd);	/* (as close: wrap_fd.c) */
	real_close(fd);
	un_fd_closed(mark);
	UN_RESTORE_ERRNO;
	un_leave();
	return f;
}

UN_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	return freopen(path, mode, stream);
}

/* ---- temporary files ---- */

static const char tmpl_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* Fill the six X's before suffixlen with random letters. */
static int fill_template(char *tmpl, int suffixlen)
{
	size_t len = strlen(tmpl);
	unsigned char rnd[6];

	if (suffixlen < 0 || len < 6 + (size_t)suffixlen ||
	    memcmp(tmpl + len - suffixlen - 6, "XXXXXX", 6))
		return -EINVAL;
	if (un_getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EAGAIN;
	for (int i = 0; i < 6; i++)
		tmpl[len - suffixlen - 6 + i] =
			tmpl_chars[rnd[i] % (sizeof(tmpl_chars) - 1)];
	return 0;
}

/*
 * Is the directory of tmpl in a union (0: then we make the name), or
 * outside (1), or not there at all (-errno)?
 */
static int template_in_union(const char *tmpl)
{
	struct un_node n;

	return un_lookup_change(AT_FDCWD, tmpl, UN_LK_PARENT, &n);
}

static int mkstemp_common(char *tmpl, int suffixlen, int flags)
{
	char saved[PATH_MAX];
	int fd, rc;

	if (!un_enter())
		return real_mkostemps(tmpl, suffixlen, flags);
	UN_ERRNO_IN;
	rc = template_in_union(tmpl);
	if (rc != 0) {
		fd = rc > 0 ? real_mkostemps(tmpl, suffixlen, flags)
			    : un_fail(rc);
		goto out;
	}
	if (strlen(tmpl) >= sizeof(saved)) {
		fd = un_fail(-ENAMETOOLONG);
		goto out;
	}
	strcpy(saved, tmpl);
	for (int tries = 0; tries < 1000; tries++) {
		strcpy(tmpl, saved);
		rc = fill_template(tmpl, suffixlen);
		if (rc < 0) {
			fd = un_fail(rc);
			goto out;
		}
		fd = open_entered(AT_FDCWD, tmpl,
				  (flags & ~O_ACCMODE) | O_RDWR | O_CREAT |
					  O_EXCL,
				  0600);
		if (fd >= 0 || errno != EEXIST)
			goto out;
	}
	fd = un_fail(-EEXIST);
out:
	UN_ERRNO_OUT(fd >= 0);
	un_leave();
	return fd;
}

UN_EXPORT int mkstemp(char *tmpl)
{
	return mkstemp_common(tmpl, 0, 0);
}

UN_EXPORT int mkstemp64(char *tmpl)
{
	return mkstemp_common(tmpl, 0, O_LARGEFILE);
}

UN_EXPORT int mkostemp(char *tmpl, int flags)
{
	return mkstemp_common(tmpl, 0, flags);
}

UN_EXPORT int mkostemp64(char *tmpl, int flags)
{
	return mkstemp_common(tmpl, 0, flags | O_LARGEFILE);
}

UN_EXPORT int mkstemps(char *tmpl, int suffixlen)
{
	return mkstemp_common(tmpl, suffixlen, 0);
}

UN_EXPORT int mkstemps64(char *tmpl, int suffixlen)
{
	return mkstemp_common(tmpl, suffixlen, O_LARGEFILE);
}

UN_EXPORT int mkostemps(char *tmpl, int suffixlen, int flags)
{
	return mkstemp_common(tmpl, suffixlen, flags);
}

UN_EXPORT int mkostemps64(char *tmpl, int suffixlen, int flags)
{
	return mkstemp_common(tmpl, suffixlen, flags | O_LARGEFILE);
}

UN_EXPORT char *mkdtemp(char *tmpl)
{
	char saved[PATH_MAX];
	char *ret = NULL;
	int rc;

	if (!un_enter())
		return real_mkdtemp(tmpl);
	UN_ERRNO_IN;
	rc = template_in_union(tmpl);
	if (rc != 0) {
		if (rc > 0)
			ret = real_mkdtemp(tmpl);
		else
			un_fail(rc);
		goto out;
	}
	if (strlen(tmpl) >= sizeof(saved)) {
		un_fail(-ENAMETOOLONG);
		goto out;
	}
	strcpy(saved, tmpl);
	for (int tries = 0; tries < 1000; tries++) {
		struct un_node n;

		strcpy(tmpl, saved);
		rc = fill_template(tmpl, 0);
		if (rc == 0)
			rc = un_lookup_change(AT_FDCWD, tmpl, UN_LK_PARENT,
					      &n);
		if (rc == 0)
			rc = un_make_prepare(&n, true);
		if (rc == -EEXIST)
			continue;
		if (rc < 0) {
			un_fail(rc);
			goto out;
		}
		if (real_mkdir(n.real, 0700) == 0) {
			un_make_done(&n, true);
			ret = tmpl;
			goto out;
		}
		if (errno != EEXIST)
			goto out;
	}
	un_fail(-EEXIST);
out:
	UN_ERRNO_OUT(ret != NULL);
	un_leave();
	return ret;
}

/* tmpfile: glibc makes it in P_tmpdir; only a union there needs us. */
static FILE *tmpfile_common(void)
{
	FILE *f;
	int fd;

	if (!un_enter())
		return real_tmpfile();
	if (template_in_union(P_tmpdir "/x") != 0) {
		f = real_tmpfile();
		goto out;
	}
	f = NULL;
	fd = open_entered(AT_FDCWD, P_tmpdir, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0) {
		char tmpl[] = P_tmpdir "/tmpfXXXXXX";

		un_leave();
		fd = mkstemp(tmpl);
		if (fd >= 0)
			unlink(tmpl);
		un_enter();
	}
	if (fd >= 0) {
		f = fdopen(fd, "w+");
		if (!f)
			real_close(fd);
	}
out:
	un_leave();
	return f;
}

UN_EXPORT FILE *tmpfile(void)
{
	return tmpfile_common();
}

UN_EXPORT FILE *tmpfile64(void)
{
	return tmpfile_common();
}

/* ---- AF_UNIX sockets named in a union ---- */

/*
 * The address to give the kernel for a socket path in a union.  The
 * real path may not fit sun_path; then it goes through a descriptor of
 * its directory (/proc/self/fd/N/name), closed by the caller (*dirfd).
 */
static int socket_addr(const struct sockaddr_un *in, socklen_t len,
		       bool create, struct sockaddr_un *out, socklen_t *outlen,
		       int *dirfd, struct un_mount **mnt)
{
	char path[sizeof(in->sun_path) + 1];
	size_t plen = len - offsetof(struct sockaddr_un, sun_path);
	struct un_node n;
	int rc;

	*dirfd = -1;
	if (plen == 0 || in->sun_path[0] == '\0' || plen > sizeof(in->sun_path))
		return 1;	/* unnamed or abstract */
	memcpy(path, in->sun_path, plen);
	path[plen] = '\0';
	rc = create ? un_lookup_change(AT_FDCWD, path, UN_LK_PARENT, &n)
		    : un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &n);
	if (rc != 0)
		return rc;
	*mnt = n.mnt;
	if (create) {
		rc = un_make_prepare(&n, false);
		if (rc == -EEXIST)
			return -EADDRINUSE;	/* bind's word for it */
		if (rc < 0)
			return rc;
	} else if (n.layer < 0) {
		return -ENOENT;
	} else if (n.layer > 0 && !S_ISSOCK(n.st.st_mode) &&
		   (S_ISREG(n.st.st_mode) || S_ISDIR(n.st.st_mode))) {
		/* Not a socket, in a lower.  The kernel asks for write
		   permission first, which overlayfs asks of a lower file or
		   directory as read permission (it would be copied up):
		   the real one's w bits would say EACCES where it says
		   ECONNREFUSED. */
		UN_KBUF(kbuf);

		return real_faccessat(AT_FDCWD, un_kreal(n.real, &kbuf), R_OK,
				      AT_EACCESS) < 0 ? -EACCES : -ECONNREFUSED;
	}
	memset(out, 0, sizeof(*out));
	out->sun_family = AF_UNIX;
	if (strlen(n.real) < sizeof(out->sun_path)) {
		strcpy(out->sun_path, n.real);
	} else {
		char *slash = strrchr(n.real, '/');

		*slash = '\0';
		*dirfd = real_open(n.real, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*dirfd < 0)
			return -errno;
		if ((size_t)snprintf(out->sun_path, sizeof(out->sun_path),
				     "/proc/self/fd/%d/%s", *dirfd,
				     slash + 1) >= sizeof(out->sun_path)) {
			real_close(*dirfd);
			*dirfd = -1;
			return -ENAMETOOLONG;
		}
		*slash = '/';
	}
	*outlen = offsetof(struct sockaddr_un, sun_path) + strlen(out->sun_path) + 1;
	return 0;
}

static int socket_call(int fd, const struct sockaddr *addr, socklen_t len,
		       bool create)
{
	struct sockaddr_un real_addr;
	socklen_t real_len;
	struct un_mount *mnt = NULL;
	int dirfd, rc;

	if (!un_enter())
		return create ? real_bind(fd, addr, len)
			      : real_connect(fd, addr, len);
	if (!addr || un_user_mem(addr, len) < 0 ||
	    addr->sa_family != AF_UNIX) {
		rc = create ? real_bind(fd, addr, len) : real_connect(fd, addr, len);
		goto out;
	}
	rc = socket_addr((const struct sockaddr_un *)addr, len, create,
			 &real_addr, &real_len, &dirfd, &mnt);
	if (rc > 0) {
		rc = create ? real_bind(fd, addr, len) : real_connect(fd, addr, len);
		goto out;
	}
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	rc = create ? real_bind(fd, (struct sockaddr *)&real_addr, real_len)
		    : real_connect(fd, (struct sockaddr *)&real_addr, real_len);
	UN_SAVE_ERRNO;
	if (create && rc == 0 && mnt)
		un_dcache_names_changed(mnt);	/* the socket's name */
	if (dirfd >= 0)
		real_close(dirfd);
	UN_RESTORE_ERRNO;
out:
	un_leave();
	return rc;
}

UN_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	return socket_call(fd, addr, len, true);
}

UN_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return socket_call(fd, addr, len, false);
}

/*
 * A datagram sent with an address (sendto, sendmsg) to a socket named by
 * a path goes, as a connect, to the topmost socket file the union shows
 * (ENOENT where it shows none).  The usual calls pay nothing: no address
 * (a connected socket) goes straight to libc, and so does another family
 * or a socket that is not a datagram one (the kernel never looks such an
 * address up: EISCONN, EOPNOTSUPP...).  The data is never looked at.
 * 1 when the kernel is to have the address as it is, 0 with *out (and
 * *dirfd, closed by the caller), or -errno.
 */
static int datagram_addr(int fd, const struct sockaddr *addr, socklen_t len,
			 struct sockaddr_un *out, socklen_t *outlen, int *dirfd)
{
	struct un_mount *mnt = NULL;
	int type = 0;
	socklen_t tlen = sizeof(type);

	*dirfd = -1;
	if (len <= offsetof(struct sockaddr_un, sun_path) ||
	    un_user_mem(addr, len) < 0 || addr->sa_family != AF_UNIX)
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_DGRAM)
		return 1;	/* not a socket, or the address is ignored */
	return socket_addr((const struct sockaddr_un *)addr, len, false, out,
			   outlen, dirfd, &mnt);
}

/* How sendto and sendmsg end: the socket file's directory, which
   datagram_addr opened for a long path (-1 else), closed without a
   change of errno. */
static ssize_t datagram_done(ssize_t r, int dirfd)
{
	UN_SAVE_ERRNO;

	if (dirfd >= 0)
		real_close(dirfd);
	UN_RESTORE_ERRNO;
	un_leave();
	return r;
}

UN_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			 const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_un real_addr;
	socklen_t real_len;
	ssize_t r;
	int dirfd, rc;

	if (!addr || !un_enter())
		return real_sendto(fd, buf, n, flags, addr, len);
	rc = datagram_addr(fd, addr, len, &real_addr, &real_len, &dirfd);
	if (rc > 0)
		r = real_sendto(fd, buf, n, flags, addr, len);
	else if (rc < 0)
		r = un_fail(rc);
	else
		r = real_sendto(fd, buf, n, flags,
				(struct sockaddr *)&real_addr, real_len);
	return datagram_done(r, dirfd);
}

UN_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct sockaddr_un real_addr;
	struct msghdr m;
	ssize_t r;
	int dirfd = -1, rc;

	if (!msg || !un_enter())
		return real_sendmsg(fd, msg, flags);
	if (un_user_mem(msg, sizeof(*msg)) < 0 || !msg->msg_name)
		rc = 1;	/* EFAULT, or no address: the kernel's */
	else
		rc = datagram_addr(fd, msg->msg_name, msg->msg_namelen, &real_addr,
			   &m.msg_namelen, &dirfd);
	if (rc > 0) {
		r = real_sendmsg(fd, msg, flags);
	} else if (rc < 0) {
		r = un_fail(rc);
	} else {
		/* the caller's header is const: a copy with the real name */
		socklen_t namelen = m.msg_namelen;

		m = *msg;
		m.msg_name = &real_addr;
		m.msg_namelen = namelen;
		r = real_sendmsg(fd, &m, flags);
	}
	return datagram_done(r, dirfd);
}
