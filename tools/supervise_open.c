/*
 * supervise_open.c - open, openat and creat of a path inside MERGED, and
 * getdents64 of a directory opened so.
 *
 * The open is made here by name, so the library (preloaded in this
 * process) does it (copied up first when for writing, with the
 * process's umask), and the real descriptor is given to the process
 * with SECCOMP_IOCTL_NOTIF_ADDFD and SECCOMP_ADDFD_FLAG_SEND.  A
 * directory opened so stays open here too, for getdents64 (the
 * library's merged listing of the same open file) and for the *at
 * calls relative to it (sv_dirs_find).  A fifo that may wait is opened
 * in a thread (supervise_block.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervise.h"

#define ARG(i) (c->req->data.args[i])
#define IARG(i) ((int)c->req->data.args[i])

/* ---- directory descriptors, for getdents64 ------------------------- */

/*
 * A directory opened here stays open here too: the process's descriptor
 * shares the open file with ours, and the library lists a merged
 * directory on our descriptor (its offset is the shared one).  Which of
 * ours is which of the process's is asked of the kernel (kcmp), so a
 * dup, a fork or a reused number cannot mislead it.
 *
 * When the library copies the directory up (a file made in it), it
 * re-points its descriptors of it at the upper copy (dup3 over the same
 * number, copy_up.c), as overlayfs's follow: ours then lists and walks
 * the merged directory right, but is no longer the process's open
 * file.  So a second descriptor of the same open file is kept (kfd, a
 * dup the library does not know: syscall(), which it passes through),
 * to know the process's descriptor by and to carry its offset.
 */
struct dirent_fd {
	pid_t tgid;
	int tfd;
	int sfd;	/* the library's (may be re-pointed) */
	int kfd;	/* the process's open file; -1 when no dup was had */
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

/* Our descriptor of the process's open file. */
static int kernel_fd(const struct dirent_fd *d)
{
	return d->kfd >= 0 ? d->kfd : d->sfd;
}

static const struct dirent_fd *dirs_entry(pid_t pid, int tfd)
{
	for (size_t i = ndirs; i-- > 0;)
		if (same_file(pid, tfd, kernel_fd(&dirs[i])))
			return &dirs[i];
	return NULL;
}

/* Close ours of the directories no process holds any more. */
static void dirs_collect(void)
{
	size_t k = 0;

	for (size_t i = 0; i < ndirs; i++) {
		if (same_file(dirs[i].tgid, dirs[i].tfd,
			      kernel_fd(&dirs[i]))) {
			dirs[k++] = dirs[i];
			continue;
		}
		close(dirs[i].sfd);
		if (dirs[i].kfd >= 0)
			syscall(SYS_close, dirs[i].kfd);
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
	dirs[ndirs++] = (struct dirent_fd){
		tgid, tfd, sfd,
		(int)syscall(SYS_fcntl, sfd, F_DUPFD_CLOEXEC, 3), o_path
	};
}

/*
 * Was the target's tfd given for an O_PATH open?  The kernel refuses
 * what such a descriptor cannot do (EBADF: fchmod, fchown, futimens,
 * the f*xattr calls, getdents64), and the read descriptor given in its
 * place could: those are answered EBADF here (read and write are not
 * seen: the difference docs/SUPERVISE.md names).
 */
bool sv_dirs_o_path(pid_t pid, int tfd)
{
	const struct dirent_fd *d = dirs_entry(pid, tfd);

	return d && d->o_path;
}

int sv_dirs_find(pid_t pid, int tfd)
{
	const struct dirent_fd *d = dirs_entry(pid, tfd);

	return d ? d->sfd : -1;
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

struct sv_answer sv_answer_open(struct sv_call *c, int dirfd, uint64_t path,
				int flags, mode_t mode)
{
	struct seccomp_notif_addfd add = { 0 };
	struct stat st;
	int sfd, tfd, err;
	mode_t old;

	err = sv_path(c, dirfd, path, false);
	if (err < 0)
		return sv_ret(err);
	if (!c->inside)
		return sv_cont();
	if (sv_may_block(c, flags) && sv_open_blocking(c, flags, mode) == 0)
		return (struct sv_answer){ SV_SENT, 0 };
	old = sv_umask_as(c);
	sfd = openat(c->dfd, c->path, flags | O_CLOEXEC, mode);
	err = errno;
	umask(old);
	if (sfd < 0)
		return sv_ret(-err);
	if (flags & O_PATH) {
		int fd = o_path_stand_in(c, sfd);

		close(sfd);
		if (fd == -ECHILD)
			return sv_cont();
		if (fd < 0)
			return sv_ret(fd);
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
		return sv_ret(err == ENOENT ? -EINTR : -err);
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

struct sv_answer sv_answer_getdents(struct sv_call *c)
{
	size_t count = ARG(2) < (1u << 20) ? ARG(2) : (1u << 20);
	const struct dirent_fd *d = dirs_entry(c->req->pid, IARG(0));
	bool moved;
	char *buf;
	long n;
	int err;

	if (!d)
		return sv_cont();	/* not opened through the union */
	if (d->o_path)
		return sv_ret(-EBADF);
	buf = malloc(count ? count : 1);
	if (!buf)
		return sv_ret(-ENOMEM);
	/* re-pointed: the library reads on from the process's offset,
	   which then moves as the library's does (raw lseek: the kernel
	   offsets, not the library's view of them) */
	moved = d->kfd >= 0 && !same_file(getpid(), d->kfd, d->sfd);
	if (moved)
		syscall(SYS_lseek, d->sfd,
			syscall(SYS_lseek, d->kfd, 0, SEEK_CUR), SEEK_SET);
	n = syscall(SYS_getdents64, d->sfd, buf, count);
	if (n < 0) {
		err = -errno;
		free(buf);
		return sv_ret(err);
	}
	if (moved)
		syscall(SYS_lseek, d->kfd,
			syscall(SYS_lseek, d->sfd, 0, SEEK_CUR), SEEK_SET);
	err = sv_write_mem(c, ARG(1), buf, (size_t)n);
	free(buf);
	return sv_ret(err < 0 ? err : n);
}

/*
 * lseek with SEEK_END, SEEK_DATA or SEEK_HOLE (the filter sends no
 * other) of a directory opened here: the library's, which refuses them
 * on a merged directory as overlayfs does (EINVAL) where the layer's
 * file system would answer its own; the offset it sets is the
 * process's.  Any other descriptor: the kernel's.
 */
struct sv_answer sv_answer_lseek(struct sv_call *c)
{
	const struct dirent_fd *d = dirs_entry(c->req->pid, IARG(0));
	off_t r;

	if (!d)
		return sv_cont();
	if (d->o_path)
		return sv_ret(-EBADF);
	r = lseek(d->sfd, (off_t)ARG(1), IARG(2));
	if (r < 0)
		return sv_ret(-errno);
	if (d->kfd >= 0 && !same_file(getpid(), d->kfd, d->sfd))
		syscall(SYS_lseek, d->kfd, r, SEEK_SET);
	return sv_ret(r);
}
