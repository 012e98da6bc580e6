/*
 * supervise_calls.c - the system calls supervised, and the answer to
 * each: the changes here, the others in their rooms (supervise_open.c,
 * _stat.c, _cwd.c, _exec.c, _sock.c).
 *
 * Every call whose path lies outside every MERGED goes on to the kernel
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  One inside is made here by name,
 * on the absolute merged path, so libunion (preloaded in this process)
 * does it: an open is then given to the process as the real descriptor
 * (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND), copied up
 * first when opened for writing; the stat family, readlink, getcwd and
 * getdents64 write their answers into the process; the changes (mkdir,
 * mknod, unlink, rmdir, rename, link, symlink, chmod, chown, the times,
 * truncate, the xattrs) return what the call returned.  A descriptor-taking change (fchmod, fchown,
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
#define ONE_PATH(dirfd, arg, empty_ok) SV_ONE_PATH(c, dirfd, arg, empty_ok)

/* ---- the changes ---------------------------------------------------- */

static struct sv_answer do_mkdir(struct sv_call *c, int dirfd, uint64_t path,
				 mode_t mode)
{
	mode_t old;
	int r;

	ONE_PATH(dirfd, path, false);
	old = sv_umask_as(c);
	r = mkdirat(c->dfd, c->path, mode);
	r = r < 0 ? -errno : 0;
	umask(old);
	return sv_ret(r);
}

static struct sv_answer do_mknod(struct sv_call *c, int dirfd, uint64_t path,
				 mode_t mode, dev_t dev)
{
	mode_t old;
	int r;

	ONE_PATH(dirfd, path, false);
	old = sv_umask_as(c);
	r = mknodat(c->dfd, c->path, mode, dev);
	r = r < 0 ? -errno : 0;
	umask(old);
	return sv_ret(r);
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
		return sv_ret(err);
	strcpy(first, c->path);
	*fd1 = c->dfd;
	inside = c->inside;
	err = sv_path(c, d2, p2, false);
	if (err == -EBADF && !inside)
		return sv_cont();	/* nothing of it can be inside */
	if (err == -EBADF) {
		/* a bad second base: the kernel looks the first path up
		   before it meets it, so the library is given it as bad */
		err = sv_read_str(c, p2, c->path, sizeof(c->path));
		if (err < 0)
			return sv_ret(err);
		c->dfd = -1;
		c->inside = true;
		return sv_ret(1);
	}
	if (err < 0)
		return sv_ret(err);
	if (!inside && !c->inside)
		return sv_cont();
	return sv_ret(1);
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
		return sv_res(renameat2(fd1, from, c->dfd, c->path, flags));
	return sv_res(renameat(fd1, from, c->dfd, c->path));
}

static struct sv_answer do_link(struct sv_call *c, int d1, uint64_t p1,
				int d2, uint64_t p2, int flags)
{
	char from[PATH_MAX];
	int fd1;
	struct sv_answer a;

	if (flags & AT_EMPTY_PATH)
		return sv_ret(-EPERM);	/* a descriptor: not followed here */
	a = two_paths(c, d1, p1, d2, p2, &fd1, from, false);
	if (a.verdict != SV_RETURN || a.val < 0)
		return a;
	return sv_res(linkat(fd1, from, c->dfd, c->path,
			  flags & AT_SYMLINK_FOLLOW));
}

static struct sv_answer do_symlink(struct sv_call *c, uint64_t target,
				   int dirfd, uint64_t path)
{
	char to[PATH_MAX];
	int err = sv_read_str(c, target, to, sizeof(to));

	if (err < 0)
		return sv_ret(err);
	ONE_PATH(dirfd, path, false);
	return sv_res(symlinkat(to, c->dfd, c->path));
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
			return sv_ret(err);
		tp = ts;
	}
	if (!ARG(1)) {		/* futimens */
		if (sv_dirs_o_path(c->req->pid, IARG(0)))
			return sv_ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path))
			return sv_cont();
		return sv_res(utimensat(AT_FDCWD, path, tp, 0));
	}
	ONE_PATH(IARG(0), ARG(1), false);
	return sv_res(utimensat(c->dfd, c->path, tp,
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
		return sv_res(utimensat(c->dfd, c->path, NULL, 0));
	if (utimbuf) {
		err = sv_read_mem(c, times, &ub, sizeof(ub));
		if (err < 0)
			return sv_ret(err);
		ts[0] = (struct timespec){ ub.actime, 0 };
		ts[1] = (struct timespec){ ub.modtime, 0 };
	} else {
		err = sv_read_mem(c, times, tv, sizeof(tv));
		if (err < 0)
			return sv_ret(err);
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return sv_ret(-EINVAL);
			ts[i] = (struct timespec){ tv[i].tv_sec,
						   tv[i].tv_usec * 1000 };
		}
	}
	return sv_res(utimensat(c->dfd, c->path, ts, 0));
}

static struct sv_answer do_xattr(struct sv_call *c, long nr)
{
	char name[XATTR_NAME_MAX + 1], path[PATH_MAX];
	char *val = NULL;
	size_t size = ARG(3);
	ssize_t n;
	int err;

	if (nr == SYS_fsetxattr || nr == SYS_fremovexattr) {
		if (sv_dirs_o_path(c->req->pid, IARG(0)))
			return sv_ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path))
			return sv_cont();
		strcpy(c->path, path);
		c->dfd = AT_FDCWD;
	} else {
		ONE_PATH(AT_FDCWD, ARG(0), false);
		if ((err = sv_enter(c)) < 0)
			return sv_ret(err);
	}
	if (nr == SYS_listxattr || nr == SYS_llistxattr)
		size = ARG(2);
	else if ((err = sv_read_str(c, ARG(1), name, sizeof(name))) < 0)
		/* a name longer than XATTR_NAME_MAX: the kernel's ERANGE */
		return sv_ret(err == -ENAMETOOLONG ? -ERANGE : err);
	/* a value too big to set is refused (E2BIG), never cut short; a
	   buffer to fill is used up to the largest value there can be */
	if (size > XATTR_SIZE_MAX &&
	    (nr == SYS_setxattr || nr == SYS_lsetxattr || nr == SYS_fsetxattr))
		return sv_ret(-E2BIG);
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	if (size) {
		val = malloc(size);
		if (!val)
			return sv_ret(-ENOMEM);
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
	return sv_ret(err);
}

struct sv_answer sv_answer_call(struct sv_call *c)
{
	long nr = c->req->data.nr;
	char path[PATH_MAX];
	int e2;

	switch (nr) {
	case SYS_open:
		return sv_answer_open(c, AT_FDCWD, ARG(0), IARG(1), (mode_t)ARG(2));
	case SYS_creat:
		return sv_answer_open(c, AT_FDCWD, ARG(0),
			       O_CREAT | O_WRONLY | O_TRUNC, (mode_t)ARG(1));
	case SYS_openat:
		return sv_answer_open(c, IARG(0), ARG(1), IARG(2), (mode_t)ARG(3));
	case SYS_stat:
		return sv_answer_stat(c, AT_FDCWD, ARG(0), ARG(1), 0);
	case SYS_lstat:
		return sv_answer_stat(c, AT_FDCWD, ARG(0), ARG(1),
			       AT_SYMLINK_NOFOLLOW);
	case SYS_newfstatat:
		return sv_answer_stat(c, IARG(0), ARG(1), ARG(2), IARG(3));
	case SYS_statx:
		return sv_answer_statx(c);
	case SYS_access:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return sv_res(faccessat(c->dfd, c->path, IARG(1), 0));
	case SYS_faccessat:
		ONE_PATH(IARG(0), ARG(1), false);
		return sv_res(faccessat(c->dfd, c->path, IARG(2), 0));
	case SYS_faccessat2:
		ONE_PATH(IARG(0), ARG(1), IARG(3) & AT_EMPTY_PATH);
		return sv_res(faccessat(c->dfd, c->path, IARG(2),
				     (IARG(3) & ~AT_EMPTY_PATH) |
					     (c->path[0] ? 0 : AT_EMPTY_PATH)));
	case SYS_readlink:
		return sv_answer_readlink(c, AT_FDCWD, ARG(0), ARG(1), (int64_t)ARG(2));
	case SYS_readlinkat:
		return sv_answer_readlink(c, IARG(0), ARG(1), ARG(2), (int64_t)ARG(3));
	case SYS_lseek:		/* SEEK_END and beyond (the filter) */
		return sv_answer_lseek(c);
	case SYS_getdents64:
		return sv_answer_getdents(c);
	case SYS_chdir:
		return sv_answer_chdir(c);
	case SYS_fchdir:
		return sv_answer_fchdir(c);
	case SYS_getcwd:
		return sv_answer_getcwd(c);
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
		return sv_res(unlinkat(c->dfd, c->path, 0));
	case SYS_rmdir:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return sv_res(unlinkat(c->dfd, c->path, AT_REMOVEDIR));
	case SYS_unlinkat:
		ONE_PATH(IARG(0), ARG(1), false);
		return sv_res(unlinkat(c->dfd, c->path,
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
		return sv_res(fchmodat(c->dfd, c->path, (mode_t)ARG(1), 0));
	case SYS_fchmodat:
		ONE_PATH(IARG(0), ARG(1), false);
		return sv_res(fchmodat(c->dfd, c->path, (mode_t)ARG(2), 0));
	case SYS_fchmod:
		if (sv_dirs_o_path(c->req->pid, IARG(0)))
			return sv_ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path)) {
			/* a directory opened here: through the library's
			   descriptor, so that it knows the new mode (the
			   search permission its walks check) */
			int sfd = sv_dirs_find(c->req->pid, IARG(0));

			if (sfd < 0)
				return sv_cont();
			return sv_res(fchmod(sfd, (mode_t)ARG(1)));
		}
		return sv_res(chmod(path, (mode_t)ARG(1)));
	case SYS_chown:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return sv_res(fchownat(c->dfd, c->path, (uid_t)ARG(1),
				    (gid_t)ARG(2), 0));
	case SYS_lchown:
		ONE_PATH(AT_FDCWD, ARG(0), false);
		return sv_res(fchownat(c->dfd, c->path, (uid_t)ARG(1),
				    (gid_t)ARG(2), AT_SYMLINK_NOFOLLOW));
	case SYS_fchownat:
		if ((IARG(4) & AT_EMPTY_PATH) && IARG(0) != AT_FDCWD) {
			int e = sv_read_str(c, ARG(1), path, sizeof(path));

			if (e < 0)
				return sv_ret(e);
			if (!path[0]) {
				if (!fd_in_lower(c, IARG(0), path))
					return sv_cont();
				return sv_res(lchown(path, (uid_t)ARG(2),
						  (gid_t)ARG(3)));
			}
		}
		ONE_PATH(IARG(0), ARG(1), false);
		return sv_res(fchownat(c->dfd, c->path, (uid_t)ARG(2),
				    (gid_t)ARG(3),
				    IARG(4) & AT_SYMLINK_NOFOLLOW));
	case SYS_fchown:
		if (sv_dirs_o_path(c->req->pid, IARG(0)))
			return sv_ret(-EBADF);
		if (!fd_in_lower(c, IARG(0), path)) {
			int sfd = sv_dirs_find(c->req->pid, IARG(0));

			if (sfd < 0)	/* as fchmod's */
				return sv_cont();
			return sv_res(fchown(sfd, (uid_t)ARG(1),
					     (gid_t)ARG(2)));
		}
		return sv_res(chown(path, (uid_t)ARG(1), (gid_t)ARG(2)));
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
			return sv_ret(e2);
		return sv_res(truncate(c->path, (off_t)ARG(1)));
	case SYS_statfs: {
		struct statfs sf;

		ONE_PATH(AT_FDCWD, ARG(0), false);
		if ((e2 = sv_enter(c)) < 0)
			return sv_ret(e2);
		if (statfs(c->path, &sf) < 0)
			return sv_ret(-errno);
		return sv_ret(sv_write_mem(c, ARG(1), &sf, sizeof(sf)));
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
		return sv_answer_exec(c, AT_FDCWD, ARG(0), ARG(1), 0);
	case SYS_execveat:
		return sv_answer_exec(c, IARG(0), ARG(1), ARG(2), IARG(4));
	case SYS_bind:
	case SYS_connect:
		return sv_answer_socket(c, nr == SYS_bind);
	case SYS_sendto:	/* with an address (the filter) */
		return sv_answer_sendto(c);
	case SYS_inotify_add_watch:
		ONE_PATH(AT_FDCWD, ARG(1), false);
		return sv_ret(-EPERM);
	case SYS_chroot:
	case SYS_swapon:
	case SYS_swapoff:
	case SYS_acct:
	case SYS_uselib:
		ONE_PATH(AT_FDCWD, ARG(0), true);
		return sv_ret(-EPERM);
	default:
		/* mount, umount2, pivot_root, fanotify_mark: never in a
		   union (and need privileges anyway) */
		return sv_ret(-EPERM);
	}
}
