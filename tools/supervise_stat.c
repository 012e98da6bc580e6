/*
 * supervise_stat.c - stat, lstat, newfstatat, statx and readlink(at) of
 * a path inside MERGED: made here by the library, the answer written
 * into the process (process_vm_writev).  One of a descriptor's own
 * object (AT_EMPTY_PATH) that the library cannot name (removed) is the
 * kernel's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise.h"

#define ARG(i) (c->req->data.args[i])
#define IARG(i) ((int)c->req->data.args[i])

/* The *at flags for c->path: AT_EMPTY_PATH for a base's own object. */
static int at_flags(const struct sv_call *c, int flags)
{
	return (flags & AT_SYMLINK_NOFOLLOW) | (c->path[0] ? 0 : AT_EMPTY_PATH);
}

struct sv_answer sv_answer_stat(struct sv_call *c, int dirfd, uint64_t path,
				uint64_t buf, int flags)
{
	struct stat st;
	int err = sv_path(c, dirfd, path, flags & AT_EMPTY_PATH);

	if (err < 0)
		return sv_ret(err);
	if (!c->inside)
		return sv_cont();
	if (fstatat(c->dfd, c->path, &st, at_flags(c, flags)) < 0)
		return c->fd_only ? sv_cont() : sv_ret(-errno);
	return sv_ret(sv_write_mem(c, buf, &st, sizeof(st)));
}

struct sv_answer sv_answer_statx(struct sv_call *c)
{
	struct statx stx;
	int flags = IARG(2);
	int err = sv_path(c, IARG(0), ARG(1), flags & AT_EMPTY_PATH);

	if (err < 0)
		return sv_ret(err);
	if (!c->inside)
		return sv_cont();
	if (statx(c->dfd, c->path,
		  (flags & ~AT_EMPTY_PATH) | at_flags(c, 0),
		  (unsigned)ARG(3), &stx) < 0)
		return c->fd_only ? sv_cont() : sv_ret(-errno);
	return sv_ret(sv_write_mem(c, ARG(4), &stx, sizeof(stx)));
}

struct sv_answer sv_answer_readlink(struct sv_call *c, int dirfd,
				    uint64_t path, uint64_t buf, int64_t size)
{
	char out[PATH_MAX];
	ssize_t n;
	int err = sv_path(c, dirfd, path, true);

	if (err < 0)
		return sv_ret(err);
	if (!c->inside)
		return sv_cont();
	if ((int)size <= 0)
		return sv_ret(-EINVAL);
	n = readlinkat(c->dfd, c->path, out,
		     (size_t)size < sizeof(out) ? (size_t)size : sizeof(out));
	if (n < 0)
		return sv_ret(-errno);
	err = sv_write_mem(c, buf, out, (size_t)n);
	return sv_ret(err < 0 ? err : n);
}
