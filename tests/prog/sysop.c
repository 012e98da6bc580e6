/*
 * sysop.c - one system call a line, its result printed, for the write
 * scenarios (in the manner of libfuse's test_syscalls.c): the errno of a
 * call is what the scenarios compare between a kernel overlay mount and
 * libunion, and shell tools hide it behind their own messages.
 *
 *   sysop OP ARG... [-- OP ARG...]...
 *
 * Prints "OP ARG...: ok" (with a result where there is one) or
 * "OP ARG...: ENAME" for each call, and exits 0 (2 on a usage error).
 *
 *   open PATH FLAGS [MODE]   FLAGS: rdonly,wronly,rdwr,creat,excl,trunc,
 *                            append,directory,nofollow,tmpfile,path,
 *                            nonblock (with commas); the descriptor is
 *                            closed again
 *   write PATH TEXT          open O_WRONLY, write TEXT at offset 0
 *   read PATH                open O_RDONLY, print the first line
 *   rename OLD NEW           renameat2 OLD NEW noreplace|exchange|0
 *   link OLD NEW             symlink TARGET PATH       unlink PATH
 *   rmdir PATH               mkdir PATH MODE           mkfifo PATH MODE
 *   truncate PATH LEN        chmod PATH MODE           chown PATH UID GID
 *   lchown PATH UID GID      utimens PATH SEC NSEC     lutimens PATH SEC NSEC
 *   access PATH r|w|x|f      stat PATH                 lstat PATH
 *   setxattr PATH NAME VALUE getxattr PATH NAME        removexattr PATH NAME
 *   lgetxattr PATH NAME
 *   statx PATH | lstatx PATH  statx following (or not) the last link:
 *                            type, mode, size and nlink, and "same" when
 *                            stat (or lstat) agrees on every field
 *   sh COMMAND               system(COMMAND), its exit status (another
 *                            process changing the view between calls)
 *   count PATH               the names in the directory PATH, counted as
 *                            cmake's kwsys counts them (errno zeroed
 *                            before opendir, read after readdir's loop:
 *                            a leftover of a call that succeeded is a
 *                            failure)
 *
 * With SYSOP_ERRNO set, errno is zeroed before each call, and a call that
 * succeeds prints the errno it left (" errno=ENAME"): the kernel's leave
 * none, and the library's must leave none either.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "config.h"
#include "errname.h"
#define PROGARGS_NAME "sysop"
#include "progargs.h"

/* Run one call; argv[0] is the op.  Prints its line. */
static void run(int argc, char **argv)
{
	const char *op = argv[0];
	char result[512] = "";
	int rc = -1;

	errno = 0;

#define NEED(n) do { if (argc != (n) + 1) usage(op); } while (0)
	if (!strcmp(op, "open")) {
		if (argc != 3 && argc != 4)
			usage(op);
		rc = open(argv[1], parse_flags(argv[2]),
			  argc == 4 ? (mode_t)strtol(argv[3], NULL, 8) : 0644);
		if (rc >= 0) {
			close(rc);
			rc = 0;
		}
	} else if (!strcmp(op, "write")) {
		NEED(2);
		rc = open(argv[1], O_WRONLY);
		if (rc >= 0) {
			int fd = rc;
			ssize_t n = write(fd, argv[2], strlen(argv[2]));

			rc = n < 0 ? -1 : 0;
			close(fd);
		}
	} else if (!strcmp(op, "read")) {
		NEED(1);
		rc = open(argv[1], O_RDONLY);
		if (rc >= 0) {
			int fd = rc;
			ssize_t n = read(fd, result + 1, 200);

			rc = n < 0 ? -1 : 0;
			if (n >= 0) {
				result[0] = ' ';
				result[n + 1] = 0;
				result[strcspn(result, "\n")] = 0;
			}
			close(fd);
		}
	} else if (!strcmp(op, "rename")) {
		NEED(2);
		rc = rename(argv[1], argv[2]);
	} else if (!strcmp(op, "renameat2")) {
		NEED(3);
#ifdef HAVE_RENAMEAT2
		unsigned int fl = 0;

		if (!strcmp(argv[3], "noreplace"))
			fl = RENAME_NOREPLACE;
		else if (!strcmp(argv[3], "exchange"))
			fl = RENAME_EXCHANGE;
		rc = renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], fl);
#else
		errno = ENOSYS;
#endif
	} else if (!strcmp(op, "link")) {
		NEED(2);
		rc = link(argv[1], argv[2]);
	} else if (!strcmp(op, "symlink")) {
		NEED(2);
		rc = symlink(argv[1], argv[2]);
	} else if (!strcmp(op, "unlink")) {
		NEED(1);
		rc = unlink(argv[1]);
	} else if (!strcmp(op, "rmdir")) {
		NEED(1);
		rc = rmdir(argv[1]);
	} else if (!strcmp(op, "mkdir")) {
		NEED(2);
		rc = mkdir(argv[1], (mode_t)strtol(argv[2], NULL, 8));
	} else if (!strcmp(op, "mkfifo")) {
		NEED(2);
		rc = mkfifo(argv[1], (mode_t)strtol(argv[2], NULL, 8));
	} else if (!strcmp(op, "truncate")) {
		NEED(2);
		rc = truncate(argv[1], strtoll(argv[2], NULL, 10));
	} else if (!strcmp(op, "chmod")) {
		NEED(2);
		rc = chmod(argv[1], (mode_t)strtol(argv[2], NULL, 8));
	} else if (!strcmp(op, "chown") || !strcmp(op, "lchown")) {
		NEED(3);
		rc = (op[0] == 'l' ? lchown : chown)(argv[1], atoi(argv[2]),
						     atoi(argv[3]));
	} else if (!strcmp(op, "utimens") || !strcmp(op, "lutimens")) {
		struct timespec ts[2];

		NEED(3);
		ts[0].tv_sec = ts[1].tv_sec = strtoll(argv[2], NULL, 10);
		ts[0].tv_nsec = ts[1].tv_nsec = strtol(argv[3], NULL, 10);
		rc = utimensat(AT_FDCWD, argv[1], ts,
			       op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0);
	} else if (!strcmp(op, "access")) {
		int mode;

		NEED(2);
		mode = argv[2][0] == 'r' ? R_OK : argv[2][0] == 'w' ? W_OK :
		       argv[2][0] == 'x' ? X_OK : F_OK;
		rc = access(argv[1], mode);
	} else if (!strcmp(op, "stat") || !strcmp(op, "lstat")) {
		struct stat st;

		NEED(1);
		rc = (op[0] == 'l' ? lstat : stat)(argv[1], &st);
		if (rc == 0) {
			snprintf(result, sizeof(result), " %c %04o",
				 type_char(st.st_mode),
				 (unsigned)(st.st_mode & 07777));
			if (!S_ISDIR(st.st_mode))
				snprintf(result + strlen(result),
					 sizeof(result) - strlen(result),
					 " size=%lld nlink=%lu",
					 (long long)st.st_size,
					 (unsigned long)st.st_nlink);
		}
	} else if (!strcmp(op, "setxattr")) {
		NEED(3);
		rc = setxattr(argv[1], argv[2], argv[3], strlen(argv[3]), 0);
	} else if (!strcmp(op, "getxattr")) {
		ssize_t n;

		NEED(2);
		n = getxattr(argv[1], argv[2], result + 1, 200);
		rc = n < 0 ? -1 : 0;
		if (n >= 0) {
			result[0] = ' ';
			result[n + 1] = 0;
		}
	} else if (!strcmp(op, "lgetxattr")) {
		ssize_t n;

		NEED(2);
		n = lgetxattr(argv[1], argv[2], result + 1, 200);
		rc = n < 0 ? -1 : 0;
		if (n >= 0) {
			result[0] = ' ';
			result[n + 1] = 0;
		}
	} else if (!strcmp(op, "statx") || !strcmp(op, "lstatx")) {
		bool l = op[0] == 'l';
		struct statx x;
		struct stat st;

		NEED(1);
		rc = statx(AT_FDCWD, argv[1],
			   AT_STATX_SYNC_AS_STAT | (l ? AT_SYMLINK_NOFOLLOW : 0),
			   STATX_MODE | STATX_NLINK | STATX_SIZE | STATX_MTIME,
			   &x);
		if (rc == 0) {
			bool same = (l ? lstat : stat)(argv[1], &st) == 0 &&
				    st.st_ino == x.stx_ino &&
				    major(st.st_dev) == x.stx_dev_major &&
				    minor(st.st_dev) == x.stx_dev_minor &&
				    st.st_mode == x.stx_mode &&
				    st.st_nlink == x.stx_nlink &&
				    st.st_size == (off_t)x.stx_size &&
				    st.st_mtim.tv_sec == x.stx_mtime.tv_sec &&
				    st.st_mtim.tv_nsec == x.stx_mtime.tv_nsec;

			snprintf(result, sizeof(result), " %c %04o",
				 type_char(x.stx_mode),
				 (unsigned)(x.stx_mode & 07777));
			if (!S_ISDIR(x.stx_mode))
				snprintf(result + strlen(result),
					 sizeof(result) - strlen(result),
					 " size=%llu",
					 (unsigned long long)x.stx_size);
			snprintf(result + strlen(result),
				 sizeof(result) - strlen(result),
				 " nlink=%u %s", (unsigned)x.stx_nlink,
				 same ? "same" : "DIFFERS");
		}
	} else if (!strcmp(op, "sh")) {
		NEED(1);
		fflush(stdout);
		rc = system(argv[1]);
		snprintf(result, sizeof(result), " %d", rc);
		rc = 0;
	} else if (!strcmp(op, "removexattr")) {
		NEED(2);
		rc = removexattr(argv[1], argv[2]);
	} else if (!strcmp(op, "count")) {
		DIR *d;
		long n = 0;

		NEED(1);
		d = opendir(argv[1]);
		if (d) {
			int e;

			while (readdir(d))
				n++;
			e = errno;
			rc = e ? -1 : 0;
			if (rc == 0)
				snprintf(result, sizeof(result), " %ld", n);
			closedir(d);
			errno = e;
		}
	} else {
		fprintf(stderr, "sysop: unknown op %s\n", op);
		exit(2);
	}
#undef NEED

	if (rc >= 0 && errno && getenv("SYSOP_ERRNO"))
		snprintf(result + strlen(result), sizeof(result) - strlen(result),
			 " errno=%s", errname(errno));
	report(argc, argv, rc < 0, result);
}

int main(int argc, char **argv)
{
	return progargs_main(argc, argv, run);
}
