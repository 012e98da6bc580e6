/*
 * supervise_calls.c - the answer to each supervised system call.
 *
 * Every call whose path lies outside every MERGED goes on to the kernel
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  One inside is made here by name,
 * on the absolute merged path, so libunion (preloaded in this process)
 * does it: an open is then given to the process as the real descriptor
 * (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND), copied up
 * first when opened for writing; the stat family, readlink, getcwd and
 * getdents64 write their answers into the process; the changes return
 * what the call returned.  A descriptor-taking change (fchmod, fchown,
 * utimensat on a descriptor, fsetxattr, fremovexattr) on a file of a
 * lower is made on its merged path, so that it is copied up rather than
 * changed in the lower.  Calls that take a path and are not answered
 * here fail inside MERGED (EPERM): never loose on the real directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "supervise.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

const int sv_notified[] = {
	SYS_open, SYS_openat, SYS_creat,
	SYS_stat, SYS_lstat, SYS_newfstatat, SYS_statx,
	SYS_access, SYS_faccessat, SYS_faccessat2,
	SYS_readlink, SYS_readlinkat,
	SYS_getdents64,
	SYS_chdir, SYS_fchdir, SYS_getcwd,
	SYS_mkdir, SYS_mkdirat, SYS_mknod, SYS_mknodat,
	SYS_unlink, SYS_unlinkat, SYS_rmdir,
	SYS_rename, SYS_renameat, SYS_renameat2,
	SYS_link, SYS_linkat, SYS_symlink, SYS_symlinkat,
	SYS_chmod, SYS_fchmod, SYS_fchmodat,
	SYS_chown, SYS_lchown, SYS_fchown, SYS_fchownat,
	SYS_utime, SYS_utimes, SYS_futimesat, SYS_utimensat,
	SYS_truncate, SYS_statfs,
	SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr,
	SYS_getxattr, SYS_lgetxattr, SYS_listxattr, SYS_llistxattr,
	SYS_removexattr, SYS_lremovexattr, SYS_fremovexattr,
	SYS_execve, SYS_execveat,
	SYS_bind, SYS_connect,	/* supervise_sock.c */
	/* refused inside MERGED */
	SYS_inotify_add_watch, SYS_chroot, SYS_mount, SYS_umount2,
	SYS_pivot_root, SYS_swapon, SYS_swapoff, SYS_acct, SYS_uselib,
	SYS_fanotify_mark,
};
const size_t sv_notified_n = sizeof(sv_notified) / sizeof(sv_notified[0]);

/* libc falls back from these to the ones above */
/* (numbers newer than the headers may know: the xattr *at calls of
   Linux 6.13, open_tree_attr 6.15, file_getattr/file_setattr 6.17) */
const int sv_enosys[] = {
	SYS_openat2, SYS_getdents, SYS_fchmodat2,
	SYS_name_to_handle_at, SYS_open_by_handle_at,
	SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsmount,
	SYS_mount_setattr,
	463 /* setxattrat */, 464 /* getxattrat */, 465 /* listxattrat */,
	466 /* removexattrat */, 467 /* open_tree_attr */,
	468 /* file_getattr */, 469 /* file_setattr */,
};
const size_t sv_enosys_n = sizeof(sv_enosys) / sizeof(sv_enosys[0]);

#define ARG(i) (c->req->data.args[i])
#define IARG(i) ((int)c->req->data.args[i])

static struct sv_answer cont(void)
{
	return (struct sv_answer){ SV_CONTINUE, 0 };
}

static struct sv_answer ret(int64_t v)
{
	return (struct sv_answer){ SV_RETURN, v };
}

/* -errno of a libc call's failure, else its result. */
static struct sv_answer res(int64_t r)
{
	return ret(r < 0 ? -errno : r);
}

/* ---- directory descriptors, for getdents64 ------------------------- */

/*
 * A directory opened here stays open here too: the process's descriptor
 * shares the open file with ours, and the library lists a merged
 * directory on our descriptor (its offset is the shared one).  Which of
 * ours is which of the process's is asked of the kernel (kcmp), so a
 * dup, a fork or a reused number cannot mislead it.
 */
struct dirent_fd {
	pid_t tgid;
	int tfd;
	int sfd;
	bool o_path;	/* given for an O_PATH open (o_path_stand_in) */
};

static struct dirent_fd *dirs;
static size_t ndirs, capdirs;

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

static bool same_file(pid_t pid, int tfd, int sfd)
{
	return syscall(SYS_kcmp, pid, getpid(), KCMP_FILE, tfd, sfd) == 0;
}

/* Close ours of the directories no process holds any more. */
static void dirs_collect(void)
{
	size_t k = 0;

	for (size_t i = 0; i < ndirs; i++) {
		if (same_file(dirs[i].tgid, dirs[i].tfd, dirs[i].sfd))
			dirs[k++] = dirs[i];
		else
			close(dirs[i].sfd);
	}
	ndirs = k;
}

static void dirs_add(pid_t tgid, int tfd, int sfd, bool o_path)
{
	if (ndirs == capdirs) {
		dirs_collect();
		if (ndirs == capdirs) {
			capdirs = capdirs ? 2 * capdirs : 64;
			dirs = realloc(dirs, capdirs * sizeof(*dirs));
			if (!dirs) {
				sv_err("out of memory");
				exit(125);
			}
		}
	}
	dirs[ndirs++] = (struct dirent_fd){ tgid, tfd, sfd, o_path };
}

/*
 * Was the target's tfd given for an O_PATH open?  The kernel refuses
 * what such a descriptor cannot do (EBADF: fchmod, fchown, futimens,
 * the f*xattr calls, getdents64), and the read descriptor given in its
 * place could: those are answered EBADF here (read and write are not
 * seen: the difference docs/SUPERVISE.md names).
 */
static bool o_path_fd(pid_t pid, int tfd)
{
	for (size_t i = ndirs; i-- > 0;)
		if (dirs[i].o_path && same_file(pid, tfd, dirs[i].sfd))
			return true;
	return false;
}

int sv_dirs_find(pid_t pid, int tfd)
{
	for (size_t i = ndirs; i-- > 0;)
		if (same_file(pid, tfd, dirs[i].sfd))
			return dirs[i].sfd;
	return -1;
}

/* ---- the calls ----------------------------------------------------- */

/* Run with the process's umask (a creation). */
static mode_t umask_as(const struct sv_call *c)
{
	return umask(sv_umask_of(c->req->pid));
}

/*
 * The kernel hands over no O_PATH descriptor (ADDFD takes the file with
 * fget(), which refuses them).  Where the kernel finds the same file at
 * the path the process gave (a lower in place), the kernel opens it;
 * else a regular file or a directory is given opened for reading (a
 * descriptor that can also read: the difference is said in
 * docs/SUPERVISE.md); anything else is refused.
 */
static int o_path_stand_in(struct sv_call *c, int sfd)
{
	char real[PATH_MAX];
	struct stat st;

	if (sv_kernel_fd_path(sfd, real, sizeof(real)) > 0 &&
	    c->dfd == AT_FDCWD && !c->relative_cwd && !strcmp(real, c->abs))
		return -ECHILD;		/* the kernel's */
	if (fstat(sfd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -EOPNOTSUPP;
	return sv_kernel_reopen(sfd, O_RDONLY | O_CLOEXEC | O_NOCTTY |
				     (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
}

static struct sv_answer do_open(struct sv_call *c, int dirfd, uint64_t path,
				int flags, mode_t mode)
{
	struct seccomp_notif_addfd add = { 0 };
	struct stat st;
	int sfd, tfd, err;
	mode_t old;

	err = sv_path(c, dirfd, path, false);
	if (err < 0)
		return ret(err);
	if (!c->inside)
		return cont();
	if (sv_may_block(c, flags) && sv_open_blocking(c, flags, mode) == 0)
		return (struct sv_answer){ SV_SENT, 0 };
	old = umask_as(c);
	sfd = openat(c->dfd, c->path, flags | O_CLOEXEC, mode);
	err = errno;
	umask(old);
	if (sfd < 0)
		return ret(-err);
	if (flags & O_PATH) {
		int fd = o_path_stand_in(c, sfd);

		close(sfd);
		if (fd == -ECHILD)
			return cont();
		if (fd < 0)
			return ret(fd);
		sfd = fd;
	}
	add.id = c->req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (uint32_t)sfd;
	add.newfd_flags = flags & O_CLOEXEC;
	tfd = ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	if (tfd < 0) {	/* ENOENT: the call was interrupted meanwhile */
		err = errno;
		close(sfd);
		return ret(err == ENOENT ? -EINTR : -err);
	}
	if (fstat(sfd, &st) == 0 && (S_ISDIR(st.st_mode) || (flags & O_PATH))) {
		dirs_add(c->proc->tgid, tfd, sfd, flags & O_PATH);
		return (struct sv_answer){ SV_SENT, 0 };
	}
	if (S_ISFIFO(st.st_mode))
		sv_fifo_note(c->proc->tgid, tfd, c->abs);
	close(sfd);
	return (struct sv_answer){ SV_SENT, 0 };
}

/* The *at flags for c->path: AT_EMPTY_PATH for a base's own object. */
static int at_flags(const struct sv_call *c, int flags)
{
	return (flags & AT_SYMLINK_NOFOLLOW) | (c->path[0] ? 0 : AT_EMPTY_PATH);
}

static struct sv_answer do_stat(struct sv_call *c, int dirfd, uint64_t path,
				uint64_t buf, int flags)
{
	struct stat st;
	int err = sv_path(c, dirfd, path, flags & AT_EMPTY_PATH);

	if (err < 0)
		return ret(err);
	if (!c->inside)
		return cont();
	if (fstatat(c->dfd, c->path, &st, at_flags(c, flags)) < 0)
		return c->fd_only ? cont() : ret(-errno);
	return ret(sv_write_mem(c, buf, &st, sizeof(st)));
}

static struct sv_answer do_statx(struct sv_call *c)
{
	struct statx stx;
	int flags = IARG(2);
	int err = sv_path(c, IARG(0), ARG(1), flags & AT_EMPTY_PATH);

	if (err < 0)
		return ret(err);
	if (!c->inside)
		return cont();
	if (statx(c->dfd, c->path,
		  (flags & ~AT_EMPTY_PATH) | at_flags(c, 0),
		  (unsigned)ARG(3), &stx) < 0)
		return c->fd_only ? cont() : ret(-errno);
	return ret(sv_write_mem(c, ARG(4), &stx, sizeof(stx)));
}

static struct sv_answer do_readlink(struct sv_call *c, int dirfd,
				    uint64_t path, uint64_t buf, int64_t size)
{
	char out[PATH_MAX];
	ssize_t n;
	int err = sv_path(c, dirfd, path, true);

	if (err < 0)
		return ret(err);
	if (!c->inside)
		return cont();
	if ((int)size <= 0)
		return ret(-EINVAL);
	n = readlinkat(c->dfd, c->path, out,
		     (size_t)size < sizeof(out) ? (size_t)size : sizeof(out));
	if (n < 0)
		return ret(-errno);
	err = sv_write_mem(c, buf, out, (size_t)n);
	return ret(err < 0 ? err : n);
}

static struct sv_answer do_getdents(struct sv_call *c)
{
	size_t count = ARG(2) < (1u << 20) ? ARG(2) : (1u << 20);
	int sfd = sv_dirs_find(c->req->pid, IARG(0));
	char *buf;
	long n;
	int err;

	if (sfd < 0)
		return cont();	/* not opened through the union */
	if (o_path_fd(c->req->pid, IARG(0)))
		return ret(-EBADF);
	buf = malloc(count ? count : 1);
	if (!buf)
		return ret(-ENOMEM);
	n = syscall(SYS_getdents64, sfd, buf, count);
	if (n < 0) {
		err = -errno;
		free(buf);
		return ret(err);
	}
	err = sv_write_mem(c, ARG(1), buf, (size_t)n);
	free(buf);
	return ret(err < 0 ? err : n);
}

/*
 * Make c's directory the process's cwd, after the checks chdir makes
 * (made here by the library, which then holds the directory: one
 * removed later stays the process's cwd, as in the kernel).  Outside
 * every MERGED, when the kernel can follow, the kernel's chdir too.
 */
static struct sv_answer set_cwd(struct sv_call *c, bool kernel_follows)
{
	struct sv_proc *p = c->proc;
	char real[PATH_MAX];
	int fd, err = sv_enter(c);

	if (err < 0)
		return ret(err);
	if (c->path[0] && chdir(c->path) < 0)
		return ret(-errno);
	/*
	 * Held as the library holds a descriptor: a copy of the base (an
	 * fchdir: it knows what was removed of it), else opened by the
	 * merged name; "." only when the directory has no name any more
	 * (an unknown descriptor is named by its real path).
	 */
	if (!c->path[0])
		fd = fcntl(c->dfd, F_DUPFD_CLOEXEC, 3);
	else if (getcwd(real, sizeof(real)))
		fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	else
		fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ret(-errno);
	/* its name, for the children and the prefix test; a directory
	   removed meanwhile keeps the name it was reached by */
	if (!getcwd(real, sizeof(real))) {
		if (!c->abs[0] || strlen(c->abs) >= sizeof(real)) {
			close(fd);
			return ret(-ENAMETOOLONG);
		}
		strcpy(real, c->abs);
	}
	free(p->cwd);
	p->cwd = strdup(real);
	if (p->cwdfd >= 0)
		close(p->cwdfd);
	p->cwdfd = -1;
	p->cwd_synced = kernel_follows;
	if (kernel_follows) {
		close(fd);
		return cont();
	}
	p->cwdfd = fd;
	return ret(0);
}

static struct sv_answer do_chdir(struct sv_call *c)
{
	int err = sv_path(c, AT_FDCWD, ARG(0), false);

	if (err < 0)
		return ret(err);
	/* outside every MERGED the kernel moves too (when it can follow
	   the path: absolute, or from a cwd it shares) */
	return set_cwd(c, !c->inside);
}

static struct sv_answer do_fchdir(struct sv_call *c)
{
	int sfd = sv_dirs_find(c->req->pid, IARG(0));
	int err = sv_fd_path(c, IARG(0), c->abs, sizeof(c->abs));

	if (sfd >= 0) {		/* opened here: the library's own */
		c->dfd = sfd;
		c->path[0] = '\0';
		return set_cwd(c, false);
	}
	if (err < 0)
		return ret(err);
	c->dfd = AT_FDCWD;
	strcpy(c->path, c->abs);
	return set_cwd(c, !sv_inside(c->abs));
}

/* The library's (merged) name of this process's descriptor fd. */
static int fd_merged_name(int fd, char *buf, size_t size)
{
	char self[64];
	ssize_t n;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	n = readlink(self, buf, size - 1);
	if (n <= 0 || buf[0] != '/')
		return -1;
	buf[n] = '\0';
	return 0;
}

static struct sv_answer do_getcwd(struct sv_call *c)
{
	char buf[PATH_MAX];
	size_t len;
	int err;

	if (c->proc->cwdfd >= 0 && !c->proc->cwd_synced) {
		/* the library's name of it (ENOENT once removed, as the
		   kernel's); the kernel names a cwd whose search permission
		   was taken since, where fchdir fails: then by the library's
		   name of the descriptor */
		if (fchdir(c->proc->cwdfd) == 0) {
			if (!getcwd(buf, sizeof(buf)))
				return ret(-errno);
		} else if (errno != EACCES ||
			   fd_merged_name(c->proc->cwdfd, buf, sizeof(buf)) < 0) {
			return ret(-EACCES);
		}
	} else {
		if (strlen(c->proc->cwd) >= sizeof(buf))
			return ret(-ENAMETOOLONG);
		strcpy(buf, c->proc->cwd);
	}
	len = strlen(buf) + 1;
	if (ARG(1) < len)
		return ret(-ERANGE);
	err = sv_write_mem(c, ARG(0), buf, len);
	return ret(err < 0 ? err : (int64_t)len);
}

/* One path argument, then fn on it; outside MERGED, the kernel. */
#define ONE_PATH(dirfd, arg, empty_ok)                                   \
	do {                                                             \
		int e_ = sv_path(c, (dirfd), (arg), (empty_ok));         \
		if (e_ < 0)                                              \
			return ret(e_);                                  \
		if (!c->inside)                                          \
			return cont();                                   \
	} while (0)

static struct sv_answer do_mkdir(struct sv_call *c, int dirfd, uint64_t path,
				 mode_t mode)
{
	mode_t old;
	int r;

	ONE_PATH(dirfd, path, false);
	old = umask_as(c);
	r = mkdirat(c->dfd, c->path, mode);
	r = r < 0 ? -errno : 0;
	umask(old);
	return ret(r);
}

static struct sv_answer do_mknod(struct sv_call *c, int dirfd, uint64_t path,
				 mode_t mode, dev_t dev)
{
	mode_t old;
	int r;

	ONE_PATH(dirfd, path, false);
	old = umask_as(c);
	r = mknodat(c->dfd, c->path, mode, dev);
	r = r < 0 ? -errno : 0;
	umask(old);
	return ret(r);
}

/* Two paths (rename, link): either inside, the library does it; the
   first is left in *d1 and first. */
static struct sv_answer two_paths(struct sv_call *c, int d1, uint64_t p1,
				  int d2, uint64_t p2, int *fd1, char *first,
				  bool empty_ok)
{
	bool inside;
	int err = sv_path(c, d1, p1, empty_ok);

	if (err < 0)
		return ret(err);
	strcpy(first, c->path);
	*fd1 = c->dfd;
	inside = c->inside;
	err = sv_path(c, d2, p2, false);
	if (err == -EBADF && !inside)
		return cont();	/* nothing of it can be inside */
	if (err == -EBADF) {
		/* a bad second base: the kernel looks the first path up
		   before it meets it, so the library is given it as bad */
		err = sv_read_str(c, p2, c->path, sizeof(c->path));
		if (err < 0)
			return ret(err);
		c->dfd = -1;
		c->inside = true;
		return ret(1);
	}
	if (err < 0)
		return ret(err);
	if (!inside && !c->inside)
		return cont();
	return ret(1);
}

static struct sv_answer do_rename(struct sv_call *c, int d1, uint64_t p1,
				  int d2, uint64_t p2, unsigned flags)
{
	char from[PATH_MAX];
	int fd1;
	struct sv_answer a = two_paths(c, d1, p1, d2, p2, &fd1, from, false);

	if (a.verdict != SV_RETURN || a.val < 0)
		return a;
	if (flags)
		return res(renameat2(fd1, from, c->dfd, c->path, flags));
	return res(renameat(fd1, from, c->dfd, c->path));
}

static struct sv_answer do_link(struct sv_call *c, int d1, uint64_t p1,
				int d2, uint64_t p2, int flags)
{
	char from[PATH_MAX];
	int fd1;
	struct sv_answer a;

	if (flags & AT_EMPTY_PATH)
		return ret(-EPERM);	/* a descriptor: not followed here */
	a = two_paths(c, d1, p1, d2, p2, &fd1, from, false);
	if (a.verdict != SV_RETURN || a.val < 0)
		return a;
	return res(linkat(fd1, from, c->dfd, c->path,
			  flags & AT_SYMLINK_FOLLOW));
}

static struct sv_answer do_symlink(struct sv_call *c, uint64_t target,
				   int dirfd, uint64_t path)
{
	char to[PATH_MAX];
	int err = sv_read_str(c, target, to, sizeof(to));

	if (err < 0)
		return ret(err);
	ONE_PATH(dirfd, path, false);
	return res(symlinkat(to, c->dfd, c->path));
}

/*
 * A change through a descriptor: on a file of a lower, made on the
 * merged path (copied up; the process's descriptor keeps the lower file,
 * as a descriptor of another process does after a copy-up); else the
 * kernel's.  *path gets the merged path.
 */
static bool fd_in_lower(struct sv_call *c, int fd, char *path)
{
	char name[64], real[PATH_MAX];
	ssize_t n;

	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)c->req->pid, fd);
	n = readlink(name, real, sizeof(real) - 1);
	if (n <= 0)
		return false;
	real[n] = '\0';
	if (sv_fifo_merged(c->req->pid, fd, path, PATH_MAX))
		return true;	/* a fifo's stand-in: the merged fifo */
	if (!sv_in_lower(real))
		return false;
	strcpy(path, real);
	return sv_real_to_merged(path, PATH_MAX);
}

static struct sv_answer do_utimens(struct sv_call *c)
{
	struct timespec ts[2], *tp = NULL;
	char path[PATH_MAX];
	int flags = IARG(3);
	int err;

	if (ARG(2)) {
		err = sv_read_mem(c, ARG(2), ts, sizeof(ts));
		if (err < 0)
			return ret(err);
		tp = ts;
	}
	if (!ARG(1)) {		/* futimens */
		if (o_path_fd(c->req->pid, IARG(0)))
			return ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path))
			return cont();
		return res(utimensat(AT_FDCWD, path, tp, 0));
	}
	ONE_PATH(IARG(0), ARG(1), false);
	return res(utimensat(c->dfd, c->path, tp,
			     flags & AT_SYMLINK_NOFOLLOW));
}

/* utime, utimes, futimesat: as utimensat (microseconds checked as the
   kernel checks them). */
static struct sv_answer do_utimes(struct sv_call *c, int dirfd, uint64_t path,
				  uint64_t times, bool utimbuf)
{
	struct timespec ts[2];
	struct timeval tv[2];
	struct utimbuf ub;
	int err;

	ONE_PATH(dirfd, path, false);
	if (!times)
		return res(utimensat(c->dfd, c->path, NULL, 0));
	if (utimbuf) {
		err = sv_read_mem(c, times, &ub, sizeof(ub));
		if (err < 0)
			return ret(err);
		ts[0] = (struct timespec){ ub.actime, 0 };
		ts[1] = (struct timespec){ ub.modtime, 0 };
	} else {
		err = sv_read_mem(c, times, tv, sizeof(tv));
		if (err < 0)
			return ret(err);
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return ret(-EINVAL);
			ts[i] = (struct timespec){ tv[i].tv_sec,
						   tv[i].tv_usec * 1000 };
		}
	}
	return res(utimensat(c->dfd, c->path, ts, 0));
}

static struct sv_answer do_xattr(struct sv_call *c, long nr)
{
	char name[XATTR_NAME_MAX + 1], path[PATH_MAX];
	char *val = NULL;
	size_t size = ARG(3);
	ssize_t n;
	int err;

	if (nr == SYS_fsetxattr || nr == SYS_fremovexattr) {
		if (o_path_fd(c->req->pid, IARG(0)))
			return ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path))
			return cont();
		strcpy(c->path, path);
		c->dfd = AT_FDCWD;
	} else {
		ONE_PATH(AT_FDCWD, ARG(0), false);
		if ((err = sv_enter(c)) < 0)
			return ret(err);
	}
	if (nr == SYS_listxattr || nr == SYS_llistxattr)
		size = ARG(2);
	else if ((err = sv_read_str(c, ARG(1), name, sizeof(name))) < 0)
		/* a name longer than XATTR_NAME_MAX: the kernel's ERANGE */
		return ret(err == -ENAMETOOLONG ? -ERANGE : err);
	/* a value too big to set is refused (E2BIG), never cut short; a
	   buffer to fill is used up to the largest value there can be */
	if (size > XATTR_SIZE_MAX &&
	    (nr == SYS_setxattr || nr == SYS_lsetxattr || nr == SYS_fsetxattr))
		return ret(-E2BIG);
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	if (size) {
		val = malloc(size);
		if (!val)
			return ret(-ENOMEM);
	}
	switch (nr) {
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_fsetxattr:
		err = sv_read_mem(c, ARG(2), val, size);
		if (err < 0)
			break;
		n = (nr == SYS_lsetxattr ? lsetxattr : setxattr)(
			c->path, name, val, size, IARG(4));
		err = n < 0 ? -errno : 0;
		break;
	case SYS_removexattr:
	case SYS_lremovexattr:
	case SYS_fremovexattr:
		n = (nr == SYS_lremovexattr ? lremovexattr : removexattr)(
			c->path, name);
		err = n < 0 ? -errno : 0;
		break;
	case SYS_getxattr:
	case SYS_lgetxattr:
		n = (nr == SYS_lgetxattr ? lgetxattr : getxattr)(
			c->path, name, val, size);
		err = n < 0 ? -errno : 0;
		if (n > 0 && size)
			err = sv_write_mem(c, ARG(2), val, (size_t)n);
		if (!err)
			err = (int)n;
		break;
	default:	/* listxattr, llistxattr */
		n = (nr == SYS_llistxattr ? llistxattr : listxattr)(
			c->path, val, size);
		err = n < 0 ? -errno : 0;
		if (n > 0 && size)
			err = sv_write_mem(c, ARG(1), val, (size_t)n);
		if (!err)
			err = (int)n;
		break;
	}
	free(val);
	return ret(err);
}

/*
 * An exec of a program the kernel would not find at the process's path
 * (in the upper, or MERGED not in place): the real file, as the library
 * opened it, is put into the process as a descriptor (ADDFD without
 * SEND), and the path string the process passed is overwritten, through
 * /proc/PID/mem (as a debugger writes: read-only strings too), with
 * "/dev/fd/N"; then the kernel makes the exec.  The descriptor is
 * close-on-exec for an ELF program (the kernel has it open by then);
 * an interpreter needs to open its script by that name, so a script's
 * stays open in the new program.  When argv[0] is that same string (as
 * in execv(p, argv) with argv[0] == p), the original is first copied
 * below the thread's stack pointer (past the red zone: memory the
 * thread does not use across the call; the pointer is read from
 * /proc/PID/syscall) and argv[0] pointed at the copy, so the program
 * still sees its name.  Refused (0 < return) when the string is too
 * short to hold the new name or the memory cannot be written.
 */
static int copy_argv0(struct sv_call *c, int mfd, uint64_t argv,
		      const char *orig)
{
	char name[64], buf[512];
	unsigned long long sp = 0;
	uint64_t at;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "/proc/%d/syscall", (int)c->req->pid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	if (sscanf(buf, "%*s %*s %*s %*s %*s %*s %*s %llx", &sp) != 1 ||
	    sp < 4096 + PATH_MAX)
		return 1;
	at = (sp - 256 - strlen(orig) - 1) & ~(uint64_t)15;
	if (pwrite(mfd, orig, strlen(orig) + 1, (off_t)at) !=
		    (ssize_t)strlen(orig) + 1 ||
	    pwrite(mfd, &at, sizeof(at), (off_t)argv) != sizeof(at))
		return 1;
	return 0;
}

static int exec_by_fd(struct sv_call *c, int fd, uint64_t addr,
		      uint64_t argv)
{
	struct seccomp_notif_addfd add = { 0 };
	char name[32], mem[64], head[4] = { 0 };
	uint64_t argv0 = 0;
	size_t len;
	int tfd, mfd, err = 1;

	if (sv_read_str(c, addr, c->path, sizeof(c->path)) < 0)
		return 1;
	len = strlen(c->path);
	if (argv && sv_read_mem(c, argv, &argv0, sizeof(argv0)) < 0)
		return 1;
	if (len < sizeof("/dev/fd/NNN") - 1 || access("/dev/fd/", X_OK) < 0)
		return 1;
	snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)c->req->pid);
	mfd = open(mem, O_RDWR | O_CLOEXEC);
	if (mfd < 0)
		return 1;
	if (argv && argv0 == addr && copy_argv0(c, mfd, argv, c->path))
		goto out;
	add.id = c->req->id;
	add.srcfd = (uint32_t)fd;
	if (pread(fd, head, sizeof(head), 0) == 4 && !memcmp(head, "\177ELF", 4))
		add.newfd_flags = O_CLOEXEC;
	tfd = ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	if (tfd < 0 || tfd > 999)
		goto out;
	snprintf(name, sizeof(name), "/dev/fd/%d", tfd);
	if (pwrite(mfd, name, strlen(name) + 1, (off_t)addr) ==
	    (ssize_t)strlen(name) + 1)
		err = sv_valid(c) ? 0 : 1;
out:
	close(mfd);
	return err;
}

/*
 * exec: the kernel finds the program by the path the process gave.
 * Outside every MERGED that is the right one; inside, when the file the
 * union shows there is the one the kernel finds at the same path (a
 * lower in place under MERGED, not changed in the upper).  Else through
 * a descriptor (exec_by_fd), or refused, saying why.  A descriptor
 * (fexecve) is the real file already.
 */
static struct sv_answer do_exec(struct sv_call *c, int dirfd, uint64_t path,
				uint64_t argv, int flags)
{
	char real[PATH_MAX];
	int fd, err;

	if ((flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		err = sv_path(c, dirfd, path, true);
		if (err < 0)
			return ret(err);
	} else {
		ONE_PATH(dirfd, path, false);
	}
	if (!c->inside || c->fd_only)
		return cont();
	fd = openat(c->dfd, c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ret(-errno);
	if (sv_kernel_fd_path(fd, real, sizeof(real)) <= 0) {
		close(fd);
		return ret(-EACCES);
	}
	if (c->dfd == AT_FDCWD && !c->relative_cwd) {
		char norm[PATH_MAX];

		sv_normalise(c->abs, norm);
		/* "dir/../prog" outside every MERGED (it came here only if
		   no ".." climbs out of one: sv_path) is the kernel's too;
		   inside, its directories may be in no single layer */
		if (!strcmp(real, c->abs) ||
		    (!strcmp(real, norm) && !sv_inside(norm))) {
			close(fd);
			return cont();
		}
	}
	if (faccessat(c->dfd, c->path, X_OK, 0) < 0) {
		err = -errno;
		close(fd);
		return ret(err);
	}
	err = exec_by_fd(c, fd, path, argv);
	close(fd);
	if (!err)
		return cont();
	sv_err("cannot run %s: the union shows it from %s, and the path "
	       "string the program gave cannot be replaced by the file's "
	       "(shorter than /dev/fd/NNN, or not writable)",
	       c->abs[0] ? c->abs : c->path, real);
	return ret(-EPERM);
}

struct sv_answer sv_answer_call(struct sv_call *c)
{
	long nr = c->req->data.nr;
	char path[PATH_MAX];
	int e2;

	switch (nr) {
	case SYS_open:
		return do_open(c, AT_FDCWD, ARG(0), IARG(1), (mode_t)ARG(2));
	case SYS_creat:
		return do_open(c, AT_FDCWD, ARG(0),
			       O_CREAT | O_WRONLY | O_TRUNC, (mode_t)ARG(1));
	case SYS_openat:
		return do_open(c, IARG(0), ARG(1), IARG(2), (mode_t)ARG(3));
	case SYS_stat:
		return do_stat(c, AT_FDCWD, ARG(0), ARG(1), 0);
	case SYS_lstat:
		return do_stat(c, AT_FDCWD, ARG(0), ARG(1),
			       AT_SYMLINK_NOFOLLOW);
	case SYS_newfstatat:
		return do_stat(c, IARG(0), ARG(1), ARG(2), IARG(3));
	case SYS_statx:
		return do_statx(c);
	case SYS_access:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return res(faccessat(c->dfd, c->path, IARG(1), 0));
	case SYS_faccessat:
		ONE_PATH(IARG(0), ARG(1), false);
		return res(faccessat(c->dfd, c->path, IARG(2), 0));
	case SYS_faccessat2:
		ONE_PATH(IARG(0), ARG(1), IARG(3) & AT_EMPTY_PATH);
		return res(faccessat(c->dfd, c->path, IARG(2),
				     (IARG(3) & ~AT_EMPTY_PATH) |
					     (c->path[0] ? 0 : AT_EMPTY_PATH)));
	case SYS_readlink:
		return do_readlink(c, AT_FDCWD, ARG(0), ARG(1), (int64_t)ARG(2));
	case SYS_readlinkat:
		return do_readlink(c, IARG(0), ARG(1), ARG(2), (int64_t)ARG(3));
	case SYS_getdents64:
		return do_getdents(c);
	case SYS_chdir:
		return do_chdir(c);
	case SYS_fchdir:
		return do_fchdir(c);
	case SYS_getcwd:
		return do_getcwd(c);
	case SYS_mkdir:
		return do_mkdir(c, AT_FDCWD, ARG(0), (mode_t)ARG(1));
	case SYS_mkdirat:
		return do_mkdir(c, IARG(0), ARG(1), (mode_t)ARG(2));
	case SYS_mknod:
		return do_mknod(c, AT_FDCWD, ARG(0), (mode_t)ARG(1),
				(dev_t)ARG(2));
	case SYS_mknodat:
		return do_mknod(c, IARG(0), ARG(1), (mode_t)ARG(2),
				(dev_t)ARG(3));
	case SYS_unlink:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return res(unlinkat(c->dfd, c->path, 0));
	case SYS_rmdir:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return res(unlinkat(c->dfd, c->path, AT_REMOVEDIR));
	case SYS_unlinkat:
		ONE_PATH(IARG(0), ARG(1), false);
		return res(unlinkat(c->dfd, c->path,
				    IARG(2) & AT_REMOVEDIR));
	case SYS_rename:
		return do_rename(c, AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0);
	case SYS_renameat:
		return do_rename(c, IARG(0), ARG(1), IARG(2), ARG(3), 0);
	case SYS_renameat2:
		return do_rename(c, IARG(0), ARG(1), IARG(2), ARG(3),
				 (unsigned)ARG(4));
	case SYS_link:
		return do_link(c, AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0);
	case SYS_linkat:
		return do_link(c, IARG(0), ARG(1), IARG(2), ARG(3), IARG(4));
	case SYS_symlink:
		return do_symlink(c, ARG(0), AT_FDCWD, ARG(1));
	case SYS_symlinkat:
		return do_symlink(c, ARG(0), IARG(1), ARG(2));
	case SYS_chmod:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return res(fchmodat(c->dfd, c->path, (mode_t)ARG(1), 0));
	case SYS_fchmodat:
		ONE_PATH(IARG(0), ARG(1), false);
		return res(fchmodat(c->dfd, c->path, (mode_t)ARG(2), 0));
	case SYS_fchmod:
		if (o_path_fd(c->req->pid, IARG(0)))
			return ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path))
			return cont();
		return res(chmod(path, (mode_t)ARG(1)));
	case SYS_chown:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return res(fchownat(c->dfd, c->path, (uid_t)ARG(1),
				    (gid_t)ARG(2), 0));
	case SYS_lchown:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return res(fchownat(c->dfd, c->path, (uid_t)ARG(1),
				    (gid_t)ARG(2), AT_SYMLINK_NOFOLLOW));
	case SYS_fchownat:
		if ((IARG(4) & AT_EMPTY_PATH) && IARG(0) != AT_FDCWD) {
			int e = sv_read_str(c, ARG(1), path, sizeof(path));

			if (e < 0)
				return ret(e);
			if (!path[0]) {
				if (!fd_in_lower(c, IARG(0), path))
					return cont();
				return res(lchown(path, (uid_t)ARG(2),
						  (gid_t)ARG(3)));
			}
		}
		ONE_PATH(IARG(0), ARG(1), false);
		return res(fchownat(c->dfd, c->path, (uid_t)ARG(2),
				    (gid_t)ARG(3),
				    IARG(4) & AT_SYMLINK_NOFOLLOW));
	case SYS_fchown:
		if (o_path_fd(c->req->pid, IARG(0)))
			return ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path))
			return cont();
		return res(chown(path, (uid_t)ARG(1), (gid_t)ARG(2)));
	case SYS_utimensat:
		return do_utimens(c);
	case SYS_utime:
		return do_utimes(c, AT_FDCWD, ARG(0), ARG(1), true);
	case SYS_utimes:
		return do_utimes(c, AT_FDCWD, ARG(0), ARG(1), false);
	case SYS_futimesat:
		return do_utimes(c, IARG(0), ARG(1), ARG(2), false);
	case SYS_truncate:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		if ((e2 = sv_enter(c)) < 0)
			return ret(e2);
		return res(truncate(c->path, (off_t)ARG(1)));
	case SYS_statfs: {
		struct statfs sf;

		ONE_PATH(AT_FDCWD, ARG(0), false);
		if ((e2 = sv_enter(c)) < 0)
			return ret(e2);
		if (statfs(c->path, &sf) < 0)
			return ret(-errno);
		return ret(sv_write_mem(c, ARG(1), &sf, sizeof(sf)));
	}
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_fsetxattr:
	case SYS_getxattr:
	case SYS_lgetxattr:
	case SYS_listxattr:
	case SYS_llistxattr:
	case SYS_removexattr:
	case SYS_lremovexattr:
	case SYS_fremovexattr:
		return do_xattr(c, nr);
	case SYS_execve:
		return do_exec(c, AT_FDCWD, ARG(0), ARG(1), 0);
	case SYS_execveat:
		return do_exec(c, IARG(0), ARG(1), ARG(2), IARG(4));
	case SYS_bind:
	case SYS_connect:
		return sv_answer_socket(c, nr == SYS_bind);
	case SYS_inotify_add_watch:
		ONE_PATH(AT_FDCWD, ARG(1), false);
		return ret(-EPERM);
	case SYS_chroot:
	case SYS_swapon:
	case SYS_swapoff:
	case SYS_acct:
	case SYS_uselib:
		ONE_PATH(AT_FDCWD, ARG(0), true);
		return ret(-EPERM);
	default:
		/* mount, umount2, pivot_root, fanotify_mark: never in a
		   union (and need privileges anyway) */
		return ret(-EPERM);
	}
}
