/*
 * wt_sys.c - the whiteout table's system calls, and its complaints.
 *
 * The table's rooms (whiteout.c and wt_*.c) run inside the preloaded
 * library: open, close, stat, mkdir, rename, unlink, fcntl and ftruncate
 * are reached here by raw system calls, never through the intercepted
 * libc names.  Every descriptor opened here is close-on-exec; a table's
 * own are moved above WT_FD_MIN, out of the way of programs that dup2
 * onto low numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wtable.h"

int sys_open(const char *path, int flags, mode_t mode)
{
	long r = syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, mode);

	return r < 0 ? -errno : (int)r;
}

void sys_close(int fd)
{
	if (fd >= 0)
		syscall(SYS_close, fd);
}

int sys_fstatx(int fd, struct statx *stx)
{
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH,
		    STATX_TYPE | STATX_INO | STATX_SIZE | STATX_NLINK, stx) < 0)
		return -errno;
	return 0;
}

int sys_mkdir(const char *path, mode_t mode)
{
	return syscall(SYS_mkdirat, AT_FDCWD, path, mode) < 0 ? -errno : 0;
}

int sys_rename(const char *from, const char *to)
{
#ifdef SYS_renameat
	long r = syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
#else
	long r = syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0);
#endif
	return r < 0 ? -errno : 0;
}

void sys_unlink(const char *path)
{
	syscall(SYS_unlinkat, AT_FDCWD, path, 0);
}

int sys_ftruncate(int fd, off_t len)
{
	return syscall(SYS_ftruncate, fd, len) < 0 ? -errno : 0;
}

/* Move fd to WT_FD_MIN or above (keeping it where it is if we cannot). */
int fd_move_high(int fd)
{
	long nfd;

	if (fd >= WT_FD_MIN)
		return fd;
	nfd = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, WT_FD_MIN);
	if (nfd < 0)
		return fd;
	sys_close(fd);
	return (int)nfd;
}

struct wt_id stx_id(const struct statx *stx)
{
	struct wt_id id = {
		.dev = ((uint64_t)stx->stx_dev_major << 32) |
		       stx->stx_dev_minor,
		.ino = stx->stx_ino,
	};

	return id;
}

bool id_eq(struct wt_id a, struct wt_id b)
{
	return a.dev == b.dev && a.ino == b.ino;
}

int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Read up to len bytes at off; returns the count (short at EOF). */
ssize_t pread_all(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		/* (By number: pread would be one more libc function for
		   every process to bind lazily at the table's open.) */
		ssize_t n = syscall(SYS_pread64, fd, buf + got, len - got,
				    off + got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int flock_retry(int fd, int op)
{
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* One line on stderr: "libunion: <what>". */
void wt_complain(const char *fmt, ...)
{
	char buf[PATH_MAX + 256];
	va_list ap;
	int n;

	memcpy(buf, "libunion: ", 10);
	va_start(ap, fmt);
	n = vsnprintf(buf + 10, sizeof(buf) - 11, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 10;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	write_all(STDERR_FILENO, buf, n);
}
