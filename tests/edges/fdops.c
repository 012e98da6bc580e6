/*
 * fdops.c - programs that close or overwrite every descriptor, and
 * descriptors handed across exec (issue 6).
 *
 *   fdops closerange M     close_range(3, ~0U, 0), then union work
 *   fdops closefrom M      closefrom(3), then union work
 *   fdops closeloop M      close() of every descriptor from 3 up to the
 *                          limit, then union work
 *   fdops dup2high M FILE  FILE opened and flock'ed, dup2'ed over
 *                          900..1023 (where libunion keeps its own), then
 *                          union work; FILE must stay untouched, the
 *                          descriptors FILE's, the flock held
 *   fdops dup2lib M        dup2 of /dev/null over each of libunion's own
 *                          descriptors (found in /proc/self/fd), then
 *                          union work; the program's dup2 must hold
 *   fdops fifohold M       open the lower fifo M/pf, copy it up (chmod),
 *                          close every other descriptor (close_range),
 *                          dup2 /dev/null over the library's O_PATH
 *                          descriptor of the fifo, unlink M/pf: fchmod
 *                          through the fifo's descriptor still changes
 *                          the unlinked fifo (fstat: mode, link count
 *                          0), and the program's dup2 holds, after the
 *                          close of the fifo's descriptor too
 *   fdops inherit M DIR    open M/DIR, clear close-on-exec, exec
 *                          `fdops child FD M DIR` (the union continues
 *                          across the exec)
 *   fdops child FD M DIR   use the inherited descriptor: openat a lower
 *                          file, create a file, fstatat, readlink
 *   fdops inheritfile M FILE   open M/FILE read-only, exec
 *                          `fdops filechild FD PATH`, which fchmods it:
 *                          the change must reach the merged file, not
 *                          the lower
 *
 * The union work deletes M/gone-<mode> (a lower file), creates
 * M/new-<mode> and reads M/keep; the modes that close or dup2 over the
 * library's descriptors first delete M/pre-<mode> (a lower file), to
 * have it hold its writer's.  Prints "ok: ..." and "FAIL: ..." lines;
 * exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

static int failures;

static void say(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

/* The union work after the descriptors were clobbered. */
static void union_work(const char *M, const char *mode)
{
	char p[PATH_MAX], buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/keep", M);
	fd = open(p, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n >= 0)
		buf[n] = '\0';
	say(n > 0 && !strcmp(buf, "keep\n"), "%s: read M/keep (%s)", mode,
	    n < 0 ? errname(errno) : "read");

	snprintf(p, sizeof(p), "%s/gone-%s", M, mode);
	if (unlink(p) < 0)
		say(false, "%s: unlink M/gone-%s: %s", mode, mode,
		    errname(errno));
	else
		say(lstat(p, &st) < 0 && errno == ENOENT,
		    "%s: M/gone-%s deleted and gone from the view", mode, mode);

	snprintf(p, sizeof(p), "%s/new-%s", M, mode);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "new\n", 4) != 4)
		say(false, "%s: create M/new-%s: %s", mode, mode,
		    errname(errno));
	else
		say(true, "%s: created M/new-%s", mode, mode);
	if (fd >= 0)
		close(fd);
}

static int max_fd(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 65536)
		return 65536;
	return (int)rl.rlim_cur;
}

/* The descriptors whose raw /proc/self/fd link (the kernel's, not the
   union's: readlink of /proc/self/fd is translated) contains one of the
   needles, or ends in it when whole is set.  The directory is opened and
   read by raw system calls: the library leaves its own descriptors out
   of a program's listing of /proc/self/fd (proc_fds.c), and these are
   the ones looked for. */
static int fds_to(const char *const *needles, bool whole, int *out, int max)
{
	int n = 0, dfd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[8192];
	long got;

	while (dfd >= 0 && n < max &&
	       (got = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got && n < max;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			char link[PATH_MAX], target[PATH_MAX];
			ssize_t len;
			int fd = atoi(e->d_name);

			off += e->d_reclen;
			if (e->d_name[0] == '.' || fd == dfd)
				continue;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			len = syscall(SYS_readlinkat, AT_FDCWD, link, target,
				      sizeof(target) - 1);
			if (len < 0)
				continue;
			target[len] = '\0';
			for (const char *const *k = needles; *k; k++) {
				size_t kl = strlen(*k);
				bool hit = whole ? (size_t)len >= kl &&
							   !strcmp(target + len - kl, *k)
						 : strstr(target, *k) != NULL;

				if (hit) {
					out[n++] = fd;
					break;
				}
			}
		}
	}
	if (dfd >= 0)
		syscall(SYS_close, dfd);
	return n;
}

/* libunion's descriptors: its whiteout table and lock file. */
static int lib_fds(int *out, int max)
{
	static const char *const lib_files[] = {
		"/.union/whiteouts", "/.union/lock", NULL
	};

	return fds_to(lib_files, false, out, max);
}

static void show_fds(const char *when, const int *fds, int n, char *out,
		     size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += snprintf(out + off, len - off, " %d", fds[i]);
	printf("info: libunion's descriptors %s:%s\n", when, out);
}

static int do_close(const char *M, const char *mode)
{
	int libfd[16], nlib = lib_fds(libfd, 16);
	char before[256], after[256];

	show_fds("before", libfd, nlib, before, sizeof(before));
	if (!strcmp(mode, "closerange")) {
		if (close_range(3, ~0U, 0) < 0)
			say(false, "close_range: %s", errname(errno));
	} else if (!strcmp(mode, "closefrom")) {
		closefrom(3);
	} else {
		int max = max_fd();

		for (int fd = 3; fd < max; fd++)
			close(fd);
	}
	nlib = lib_fds(libfd, 16);
	show_fds("after", libfd, nlib, after, sizeof(after));
	say(before[0] && !strcmp(before, after),
	    "%s: libunion's own descriptors survive (before:%s, after:%s)",
	    mode, before, after);
	union_work(M, mode);
	return failures ? 1 : 0;
}

static int do_dup2high(const char *M, const char *file)
{
	struct stat want, st;
	int fd = open(file, O_RDWR | O_APPEND);
	int lost = 0;
	pid_t pid;
	int status;

	if (fd < 0 || fstat(fd, &want) < 0 || flock(fd, LOCK_EX) < 0) {
		say(false, "open/flock %s: %s", file, errname(errno));
		return 1;
	}
	for (int i = 900; i < 1024; i++)
		if (dup2(fd, i) != i)
			say(false, "dup2(%d, %d): %s", fd, i, errname(errno));
	union_work(M, "dup2high");

	for (int i = 900; i < 1024; i++)
		if (fstat(i, &st) < 0 || st.st_ino != want.st_ino ||
		    st.st_dev != want.st_dev)
			lost++;
	say(!lost,
	    "the program's descriptors 900..1023 still hold its file "
	    "(%d of 124 changed under it)",
	    lost);
	if (fstat(fd, &st) == 0)
		say(st.st_size == 0,
		    "the program's file holds %lld bytes "
		    "(the library wrote nothing into it)",
		    (long long)st.st_size);

	/* The program's flock is still held: another open file
	   description cannot take it. */
	pid = fork();
	if (pid == 0) {
		int f = open(file, O_RDONLY);

		if (f < 0)
			_exit(2);
		_exit(flock(f, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK
			  ? 0
			  : 1);
	}
	waitpid(pid, &status, 0);
	say(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the program's flock on its file is still held after the union "
	    "work (another description %s it)",
	    WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "could take"
							  : "could not take");
	return failures ? 1 : 0;
}

static int do_dup2lib(const char *M)
{
	int libfd[16], nlib = lib_fds(libfd, 16);
	int null = open("/dev/null", O_RDWR);
	struct stat nst, st;

	if (nlib == 0) {
		say(false, "no descriptor of libunion found in /proc/self/fd "
			   "(is the union active?)");
		return 1;
	}
	fstat(null, &nst);
	for (int i = 0; i < nlib; i++) {
		if (dup2(null, libfd[i]) != libfd[i])
			say(false, "dup2(null, %d): %s", libfd[i],
			    errname(errno));
	}
	union_work(M, "dup2lib");
	for (int i = 0; i < nlib; i++) {
		bool same = fstat(libfd[i], &st) == 0 &&
			    st.st_ino == nst.st_ino && st.st_dev == nst.st_dev;

		say(same, "descriptor %d is still the program's /dev/null",
		    libfd[i]);
	}
	return failures ? 1 : 0;
}

static int do_inherit(char **argv, const char *M, const char *dir)
{
	char p[PATH_MAX], fdstr[16];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", M, dir);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		say(false, "open %s: %s", p, errname(errno));
		return 1;
	}
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	execl("/proc/self/exe", argv[0], "child", fdstr, M, dir, (char *)NULL);
	say(false, "exec: %s", errname(errno));
	return 1;
}

static int do_child(int fd, const char *M, const char *dir)
{
	char buf[PATH_MAX], link[64], want[PATH_MAX];
	struct stat st;
	ssize_t n;
	int f, rc, e;

	/* a file only a lower holds */
	f = openat(fd, "lowerfile", O_RDONLY);
	e = errno;
	n = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;
	if (n >= 0)
		buf[n] = '\0';
	say(n > 0 && !strcmp(buf, "in the lower\n"),
	    "openat(inherited fd, a lower file): %s",
	    f < 0   ? errname(e)
	    : n > 0 ? "read it"
		    : "empty");
	if (f >= 0)
		close(f);
	/* a file only the upper holds */
	rc = fstatat(fd, "upperfile", &st, 0);
	e = errno;
	say(rc == 0, "fstatat(inherited fd, an upper file): %s",
	    rc ? errname(e) : "found");
	/* a deleted name stays deleted */
	rc = fstatat(fd, "deleted", &st, 0);
	e = errno;
	say(rc < 0 && e == ENOENT, "fstatat(inherited fd, a deleted name): %s",
	    rc ? errname(e) : "found (the whiteout is not seen)");
	/* a new file goes to the upper */
	f = openat(fd, "created-by-child", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	e = errno;
	say(f >= 0, "openat(inherited fd, a new file, O_CREAT): %s",
	    f < 0 ? errname(e) : "created");
	if (f >= 0) {
		if (write(f, "child\n", 6) != 6)
			say(false, "write: %s", errname(errno));
		close(f);
	}
	/* unlinkat of a lower file */
	rc = unlinkat(fd, "lowerfile2", 0);
	e = errno;
	say(rc == 0, "unlinkat(inherited fd, a lower file): %s",
	    rc ? errname(e) : "done");
	/* the merged path behind the descriptor */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n >= 0)
		buf[n] = '\0';
	snprintf(want, sizeof(want), "%s/%s", M, dir);
	say(n > 0 && !strcmp(buf, want),
	    "readlink(/proc/self/fd/N) of the "
	    "inherited fd: %s",
	    n < 0 ? "error" : buf);
	return failures ? 1 : 0;
}

/* A read-only descriptor on a lower file, changed after an exec. */
static int do_inheritfile(char **argv, const char *M, const char *file)
{
	char p[PATH_MAX], fdstr[16];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", M, file);
	fd = open(p, O_RDONLY);
	if (fd < 0) {
		say(false, "open %s: %s", p, errname(errno));
		return 1;
	}
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	execl("/proc/self/exe", argv[0], "filechild", fdstr, p, (char *)NULL);
	say(false, "exec: %s", errname(errno));
	return 1;
}

static int do_filechild(int fd, const char *path)
{
	struct stat st;
	int rc = fchmod(fd, 0600), e = errno;

	say(rc == 0, "fchmod(inherited read-only fd on a lower file): %s",
	    rc ? errname(e) : "done");
	rc = stat(path, &st);
	say(rc == 0 && (st.st_mode & 07777) == 0600,
	    "the merged file shows mode 0600 afterwards (%o)",
	    rc ? 0 : (unsigned)(st.st_mode & 07777));
	return failures ? 1 : 0;
}

static int do_fifohold(const char *M)
{
	char path[PATH_MAX];
	int fd, null, obj[4], nobj;
	struct stat st, nst;
	bool ok;

	snprintf(path, sizeof(path), "%s/pf", M);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || chmod(path, 0600) < 0) {
		say(false, "open/chmod %s: %s", path, errname(errno));
		return 1;
	}
	if (close_range((unsigned)fd + 1, ~0U, 0) < 0 ||
	    (fd > 3 && close_range(3, (unsigned)fd - 1, 0) < 0))
		say(false, "close_range: %s", errname(errno));
	/* the fifo's copy: its link reads as the merged name, as the
	   program's own descriptor's does */
	nobj = fds_to((const char *const[]){ path, NULL }, true, obj, 4);
	for (int i = 0; i < nobj; i++)
		if (obj[i] == fd)
			obj[i--] = obj[--nobj];
	say(nobj == 1, "one O_PATH descriptor of the fifo's copy survives "
		       "close_range (%d)", nobj);
	null = open("/dev/null", O_RDWR);
	fstat(null, &nst);
	for (int i = 0; i < nobj; i++)
		if (dup2(null, obj[i]) != obj[i])
			say(false, "dup2(null, %d): %s", obj[i],
			    errname(errno));
	if (unlink(path) < 0)
		say(false, "unlink %s: %s", path, errname(errno));
	errno = 0;
	ok = fchmod(fd, 0640) == 0;
	say(ok, "fchmod of the unlinked fifo%s%s", ok ? "" : ": ",
	    ok ? "" : errname(errno));
	memset(&st, 0, sizeof(st));
	ok = fstat(fd, &st) == 0;
	say(ok && (st.st_mode & 07777) == 0640 && st.st_nlink == 0,
	    "fstat: the unlinked fifo, mode 0640 (%o), link count 0 (%ld)",
	    (unsigned)(st.st_mode & 07777), (long)st.st_nlink);
	close(fd);
	for (int i = 0; i < nobj; i++)
		say(fstat(obj[i], &st) == 0 && st.st_ino == nst.st_ino &&
			    st.st_dev == nst.st_dev,
		    "descriptor %d is still the program's /dev/null", obj[i]);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		goto usage;
	/* libunion opens its table at a process's first look into the
	   union, not at start, and keeps no descriptor of a reader's (the
	   lock file is mapped, the table read): delete M/pre-<mode> (a
	   lower file), so that there are a writer's descriptors of its own
	   for the program to close or dup2 over. */
	if (!strcmp(argv[1], "closerange") || !strcmp(argv[1], "closefrom") ||
	    !strcmp(argv[1], "closeloop") || !strcmp(argv[1], "dup2lib") ||
	    !strcmp(argv[1], "dup2high")) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/pre-%s", argv[2], argv[1]);
		if (unlink(p) < 0)
			say(false, "unlink %s: %s", p, errname(errno));
	}
	if (!strcmp(argv[1], "closerange") || !strcmp(argv[1], "closefrom") ||
	    !strcmp(argv[1], "closeloop"))
		return do_close(argv[2], argv[1]);
	if (!strcmp(argv[1], "dup2high") && argc > 3)
		return do_dup2high(argv[2], argv[3]);
	if (!strcmp(argv[1], "dup2lib"))
		return do_dup2lib(argv[2]);
	if (!strcmp(argv[1], "fifohold"))
		return do_fifohold(argv[2]);
	if (!strcmp(argv[1], "inherit") && argc > 3)
		return do_inherit(argv, argv[2], argv[3]);
	if (!strcmp(argv[1], "inheritfile") && argc > 3)
		return do_inheritfile(argv, argv[2], argv[3]);
	if (!strcmp(argv[1], "filechild") && argc > 3)
		return do_filechild(atoi(argv[2]), argv[3]);
	if (!strcmp(argv[1], "child") && argc > 4)
		return do_child(atoi(argv[2]), argv[3], argv[4]);
usage:
	fprintf(stderr, "usage: fdops closerange|closefrom|closeloop|dup2lib|"
			"fifohold M"
			" | dup2high M FILE | inherit M DIR\n");
	return 2;
}
