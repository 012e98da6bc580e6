/*
 * supervise_cwd.c - chdir, fchdir and getcwd: the merged cwd kept per
 * process (struct sv_proc), as a descriptor this process holds, opened
 * through the library, while the kernel's cwd of the process cannot
 * follow it (inside MERGED); outside every MERGED the kernel moves too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervise.h"

#define ARG(i) (c->req->data.args[i])
#define IARG(i) ((int)c->req->data.args[i])

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
		return sv_ret(err);
	if (c->path[0] && chdir(c->path) < 0)
		return sv_ret(-errno);
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
		return sv_ret(-errno);
	/* its name, for the children and the prefix test; a directory
	   removed meanwhile keeps the name it was reached by */
	if (!getcwd(real, sizeof(real))) {
		if (!c->abs[0] || strlen(c->abs) >= sizeof(real)) {
			close(fd);
			return sv_ret(-ENAMETOOLONG);
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
		return sv_cont();
	}
	p->cwdfd = fd;
	return sv_ret(0);
}

struct sv_answer sv_answer_chdir(struct sv_call *c)
{
	int err = sv_path(c, AT_FDCWD, ARG(0), false);

	if (err < 0)
		return sv_ret(err);
	/* outside every MERGED the kernel moves too (when it can follow
	   the path: absolute, or from a cwd it shares) */
	return set_cwd(c, !c->inside);
}

struct sv_answer sv_answer_fchdir(struct sv_call *c)
{
	int sfd = sv_dirs_find(c->req->pid, IARG(0));
	int err = sv_fd_path(c, IARG(0), c->abs, sizeof(c->abs));

	if (sfd >= 0) {		/* opened here: the library's own */
		c->dfd = sfd;
		c->path[0] = '\0';
		return set_cwd(c, false);
	}
	if (err < 0)
		return sv_ret(err);
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

struct sv_answer sv_answer_getcwd(struct sv_call *c)
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
				return sv_ret(-errno);
		} else if (errno != EACCES ||
			   fd_merged_name(c->proc->cwdfd, buf, sizeof(buf)) < 0) {
			return sv_ret(-EACCES);
		}
	} else {
		if (strlen(c->proc->cwd) >= sizeof(buf))
			return sv_ret(-ENAMETOOLONG);
		strcpy(buf, c->proc->cwd);
	}
	len = strlen(buf) + 1;
	if (ARG(1) < len)
		return sv_ret(-ERANGE);
	err = sv_write_mem(c, ARG(0), buf, len);
	return sv_ret(err < 0 ? err : (int64_t)len);
}
