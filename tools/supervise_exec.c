/*
 * supervise_exec.c - execve and execveat of a program inside MERGED: the
 * kernel's where it finds the file the union shows at the same path,
 * else through a descriptor put into the process, its path string
 * rewritten (below), or refused, saying why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "supervise.h"

#define ARG(i) (c->req->data.args[i])
#define IARG(i) ((int)c->req->data.args[i])
#define ONE_PATH(dirfd, arg, empty_ok) SV_ONE_PATH(c, dirfd, arg, empty_ok)

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
struct sv_answer sv_answer_exec(struct sv_call *c, int dirfd, uint64_t path,
				uint64_t argv, int flags)
{
	char real[PATH_MAX];
	int fd, err;

	if ((flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		err = sv_path(c, dirfd, path, true);
		if (err < 0)
			return sv_ret(err);
	} else {
		ONE_PATH(dirfd, path, false);
	}
	if (!c->inside || c->fd_only)
		return sv_cont();
	fd = openat(c->dfd, c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sv_ret(-errno);
	if (sv_kernel_fd_path(fd, real, sizeof(real)) <= 0) {
		close(fd);
		return sv_ret(-EACCES);
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
			return sv_cont();
		}
	}
	if (faccessat(c->dfd, c->path, X_OK, 0) < 0) {
		err = -errno;
		close(fd);
		return sv_ret(err);
	}
	err = exec_by_fd(c, fd, path, argv);
	close(fd);
	if (!err)
		return sv_cont();
	sv_err("cannot run %s: the union shows it from %s, and the path "
	       "string the program gave cannot be replaced by the file's "
	       "(shorter than /dev/fd/NNN, or not writable)",
	       c->abs[0] ? c->abs : c->path, real);
	return sv_ret(-EPERM);
}
