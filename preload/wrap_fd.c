/*
 * wrap_fd.c - keeping fdtab in step with the descriptors, and changes
 * made through a descriptor.
 *
 * close, dup and friends only forward and update the table.  A change
 * through a descriptor that was opened read-only on a lower file
 * (fchmod, fchown, futimens, fsetxattr...) must not reach the lower: the
 * file is copied up first, which re-points the process's descriptors on
 * it at the upper copy (copy_up.c), and the change then lands there.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "wrap.h"

UN_EXPORT int close(int fd)
{
	int rc = real_close(fd);

	if (un_depth == 0) {
		UN_SAVE_ERRNO;
		un_fd_forget(fd);
		UN_RESTORE_ERRNO;
	}
	return rc;
}

UN_EXPORT int fclose(FILE *f)
{
	int fd = f ? fileno(f) : -1;
	int rc = real_fclose(f);

	if (fd >= 0 && un_depth == 0) {
		UN_SAVE_ERRNO;
		un_fd_forget(fd);
		UN_RESTORE_ERRNO;
	}
	return rc;
}

UN_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	int rc;

	if (!real_close_range) {
		errno = ENOSYS;
		return -1;
	}
	rc = real_close_range(first, last, flags);
	if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		un_fd_forget_range(first, last);
	return rc;
}

UN_EXPORT void closefrom(int lowfd)
{
	if (real_closefrom)
		real_closefrom(lowfd);
	if (lowfd >= 0)
		un_fd_forget_range((unsigned)lowfd, ~0u);
}

UN_EXPORT int dup(int fd)
{
	int nfd = real_dup(fd);

	if (nfd >= 0) {
		UN_SAVE_ERRNO;
		un_fd_dup(fd, nfd);
		UN_RESTORE_ERRNO;
	}
	return nfd;
}

UN_EXPORT int dup2(int fd, int fd2)
{
	int nfd = real_dup2(fd, fd2);

	if (nfd >= 0 && nfd != fd) {
		UN_SAVE_ERRNO;
		un_fd_dup(fd, nfd);
		UN_RESTORE_ERRNO;
	}
	return nfd;
}

UN_EXPORT int dup3(int fd, int fd2, int flags)
{
	int nfd = real_dup3(fd, fd2, flags);

	if (nfd >= 0) {
		UN_SAVE_ERRNO;
		un_fd_dup(fd, nfd);
		UN_RESTORE_ERRNO;
	}
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

	if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
		UN_SAVE_ERRNO;
		un_fd_dup(fd, rc);
		UN_RESTORE_ERRNO;
	}
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
	return fcntl_common(real_fcntl64 ? real_fcntl64 : real_fcntl, fd, cmd,
			    arg);
}

/*
 * Before a change through fd: if fd was opened in a union on an object
 * that still lies in a lower, copy it up (which re-points fd).
 * Returns 0, or -errno (EROFS in a read-only union).
 */
static int fd_copy_up(int fd)
{
	char vpath[PATH_MAX];
	struct un_node n;
	int rc;

	if (un_fd_get(fd, vpath, sizeof(vpath), NULL) < 0)
		return 0;
	rc = un_lookup(AT_FDCWD, vpath, 0, &n);
	if (rc != 0 || n.layer <= 0)
		return rc < 0 ? rc : 0;
	rc = un_copy_up(&n);
	if (rc < 0)
		return rc;
	/* The copy-up re-pointed fd; never let a change reach the lower. */
	struct stat st;

	if (real_fstat(fd, &st) < 0)
		return -errno;
	if (st.st_dev != n.st.st_dev || st.st_ino != n.st.st_ino)
		return -EIO;
	return 0;
}

/* Before a change through fd: 0 to go on, or -errno. */
static int fd_prepare(int fd)
{
	int rc;

	if (!un_enter())
		return 0;
	rc = fd_copy_up(fd);
	un_leave();
	return rc;
}

UN_EXPORT int fchmod(int fd, mode_t mode)
{
	int rc = fd_prepare(fd);

	return rc < 0 ? un_fail(rc) : real_fchmod(fd, mode);
}

UN_EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	int rc = fd_prepare(fd);

	return rc < 0 ? un_fail(rc) : real_fchown(fd, uid, gid);
}

UN_EXPORT int futimens(int fd, const struct timespec times[2])
{
	int rc = fd_prepare(fd);

	return rc < 0 ? un_fail(rc) : real_futimens(fd, times);
}

UN_EXPORT int futimes(int fd, const struct timeval times[2])
{
	int rc = fd_prepare(fd);

	return rc < 0 ? un_fail(rc) : real_futimes(fd, times);
}

UN_EXPORT int fsetxattr(int fd, const char *name, const void *value,
			size_t size, int flags)
{
	int rc = fd_prepare(fd);

	return rc < 0 ? un_fail(rc)
		      : real_fsetxattr(fd, name, value, size, flags);
}

UN_EXPORT int fremovexattr(int fd, const char *name)
{
	int rc = fd_prepare(fd);

	return rc < 0 ? un_fail(rc) : real_fremovexattr(fd, name);
}
