/*
 * rawsys.c - every path-taking system call made through libc's syscall(),
 * never through the named function, one a line, its result printed: the
 * scenario (tests/integration/syscall-raw-lower.sh) compares what it
 * prints over a kernel overlay mount and under libunion.
 *
 *   rawsys OP ARG... [-- OP ARG...]...
 *
 * Prints "OP ARG...: ok[ RESULT]" or "OP ARG...: ENAME" for each call.
 * Modes are octal.  Descriptors are opened and closed by syscall() too.
 *
 *   open|openat PATH FLAGS [MODE]   creat PATH MODE
 *   openat2 PATH FLAGS MODE RESOLVE (RESOLVE: 0, beneath, cached,
 *                                    nomagic, nosymlinks)
 *   read PATH                       write PATH TEXT (O_WRONLY|O_TRUNC)
 *   stat|lstat|fstat|statfs PATH    fstatat PATH [nofollow|empty]
 *   statx PATH [nofollow]           mtime PATH
 *   access PATH r|w|x|f             faccessat PATH r|w|x|f
 *   faccessat2 PATH r|w|x|f [eaccess|nofollow]
 *   readlink|readlinkat PATH        mkdir|mkdirat PATH MODE
 *   mknod|mknodat PATH MODE (a fifo) rmdir|unlink PATH
 *   unlinkat PATH [removedir]       link|linkat|symlink|symlinkat A B
 *   rename|renameat A B             renameat2 A B 0|noreplace|exchange
 *   truncate PATH LEN               chmod|fchmodat|fchmod PATH MODE
 *   fchmodat2 PATH MODE [nofollow]  chown|lchown|fchownat|fchown PATH U G
 *   utimensat PATH SEC [nofollow]   utimes|utime|futimesat PATH SEC
 *   setxattr|lsetxattr PATH NAME VALUE   getxattr|lgetxattr PATH NAME
 *   listxattr|llistxattr PATH       removexattr|lremovexattr PATH NAME
 *   getdents64|getdents DIR BUFSIZE (names sorted, with d_type; d_ino
 *                                    checked against stat; a rewind and
 *                                    a seek to a d_off checked)
 *   chdir DIR REL                   (then getcwd and a stat of REL)
 *   execve|execveat PROG ARG...     (in a child; its status)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>
#include <linux/openat2.h>

#include "errname.h"
#define PROGARGS_NAME "rawsys"
#include "progargs.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

extern char **environ;

static int amode(const char *s)
{
	return s[0] == 'r' ? R_OK : s[0] == 'w' ? W_OK : s[0] == 'x' ? X_OK :
	       F_OK;
}

static long mode_of(const char *s)
{
	return strtol(s, NULL, 8);
}

/* What a stat shows that both views must agree on. */
static void describe(char *out, size_t len, mode_t mode, long long size,
		     unsigned long nlink, unsigned uid, unsigned gid)
{
	const char *own = getenv("UN_SHOW_OWNER");
	int n = snprintf(out, len, " %c %04o", type_char(mode),
			 (unsigned)(mode & 07777));

	if (!S_ISDIR(mode))
		n += snprintf(out + n, len - n, " size=%lld nlink=%lu", size,
			      nlink);
	if (!own || !strcmp(own, "1"))
		snprintf(out + n, len - n, " %u:%u", uid, gid);
}

static long open_rd(const char *path, int extra)
{
	return syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | extra, 0);
}

struct ent {
	char name[256];
	unsigned char type;
	unsigned long long ino;
	long long off;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name,
		      ((const struct ent *)b)->name);
}

/* Read every record of fd with getdents64 or getdents; -1 and errno. */
static int read_dents(bool is64, int fd, size_t bufsize, struct ent *ents,
		      int max)
{
	char *buf = malloc(bufsize);
	int n = 0;

	for (;;) {
		long got = syscall(is64 ? SYS_getdents64 : SYS_getdents, fd,
				   buf, bufsize);

		if (got < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return -1;
		}
		if (got == 0)
			break;
		for (long off = 0; off < got && n < max;) {
			struct ent *e = &ents[n];
			unsigned short reclen;

			if (is64) {
				struct dirent64 *d = (void *)(buf + off);

				reclen = d->d_reclen;
				e->ino = d->d_ino;
				e->off = d->d_off;
				e->type = d->d_type;
				snprintf(e->name, sizeof(e->name), "%s",
					 d->d_name);
			} else {
				unsigned long ino, doff;

				memcpy(&ino, buf + off, sizeof(ino));
				memcpy(&doff, buf + off + sizeof(long),
				       sizeof(doff));
				memcpy(&reclen, buf + off + 2 * sizeof(long),
				       sizeof(reclen));
				e->ino = ino;
				e->off = (long long)doff;
				snprintf(e->name, sizeof(e->name), "%s",
					 buf + off + 2 * sizeof(long) + 2);
				e->type = buf[off + reclen - 1];
			}
			off += reclen;
			n++;
		}
		if (n == max)
			break;
	}
	free(buf);
	return n;
}

static void list_dir(bool is64, const char *path, size_t bufsize,
		     char *result, size_t len)
{
	static struct ent ents[512], again[512];
	long fd = open_rd(path, O_DIRECTORY);
	int n, m, bad = 0;
	size_t used = 0;

	if (fd < 0) {
		snprintf(result, len, " open: %s", errname(errno));
		return;
	}
	n = read_dents(is64, fd, bufsize, ents, 512);
	if (n < 0) {
		snprintf(result, len, " %s", errname(errno));
		syscall(SYS_close, fd);
		return;
	}
	/* A rewind lists the same; a seek to the second record's d_off
	   goes on from the third. */
	lseek(fd, 0, SEEK_SET);
	m = read_dents(is64, fd, bufsize, again, 512);
	if (m != n)
		bad |= 1;
	if (n >= 3) {
		struct ent third;

		lseek(fd, ents[1].off, SEEK_SET);
		if (read_dents(is64, fd, 4096, &third, 1) < 1 ||
		    strcmp(third.name, ents[2].name))
			bad |= 2;
	}
	/* d_ino is what stat gives (but for . and .., as the kernel's
	   overlay gives them). */
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (!strcmp(ents[i].name, ".") || !strcmp(ents[i].name, ".."))
			continue;
		if (syscall(SYS_newfstatat, fd, ents[i].name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_ino != ents[i].ino) {
			bad |= 4;
			fprintf(stderr, "rawsys: d_ino of %s: %llu, stat %llu\n",
				ents[i].name, ents[i].ino,
				(unsigned long long)st.st_ino);
		}
	}
	syscall(SYS_close, fd);
	qsort(ents, n, sizeof(ents[0]), by_name);
	for (int i = 0; i < n && used + 300 < len; i++)
		used += snprintf(result + used, len - used, " %s/%d",
				 ents[i].name, ents[i].type);
	snprintf(result + used, len - used, "%s%s%s",
		 bad & 1 ? " [rewind differs]" : "",
		 bad & 2 ? " [seek to d_off differs]" : "",
		 bad & 4 ? " [d_ino differs from stat]" : "");
}

static long run_child(bool at, char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (at)
			syscall(SYS_execveat, AT_FDCWD, argv[0], argv,
				environ, 0);
		else
			syscall(SYS_execve, argv[0], argv, environ);
		printf("exec: %s\n", errname(errno));
		fflush(stdout);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run one call; argv[0] is the op.  Prints its line. */
static void run(int argc, char **argv)
{
	const char *op = argv[0];
	char result[8192] = "";
	long rc = -1;

#define NEED(n) do { if (argc != (n) + 1) usage(op); } while (0)
#define NEED2(a, b) do { if (argc != (a) + 1 && argc != (b) + 1) usage(op); } while (0)
#define IS(s) (!strcmp(op, s))
	if (IS("open") || IS("openat")) {
		NEED2(2, 3);
		rc = IS("open") ?
		     syscall(SYS_open, argv[1], parse_flags(argv[2]),
			     argc == 4 ? mode_of(argv[3]) : 0644) :
		     syscall(SYS_openat, AT_FDCWD, argv[1],
			     parse_flags(argv[2]),
			     argc == 4 ? mode_of(argv[3]) : 0644);
		if (rc >= 0)
			rc = syscall(SYS_close, rc);
	} else if (IS("openat2")) {
		struct open_how how = { 0 };

		NEED(4);
		how.flags = parse_flags(argv[2]);
		how.mode = mode_of(argv[3]);
		how.resolve = !strcmp(argv[4], "beneath") ? RESOLVE_BENEATH :
			      !strcmp(argv[4], "cached") ? RESOLVE_CACHED :
			      !strcmp(argv[4], "nomagic") ?
			      RESOLVE_NO_MAGICLINKS :
			      !strcmp(argv[4], "nosymlinks") ?
			      RESOLVE_NO_SYMLINKS : 0;
		rc = syscall(SYS_openat2, AT_FDCWD, argv[1], &how,
			     sizeof(how));
		if (rc >= 0)
			rc = syscall(SYS_close, rc);
	} else if (IS("creat")) {
		NEED(2);
		rc = syscall(SYS_creat, argv[1], mode_of(argv[2]));
		if (rc >= 0)
			rc = syscall(SYS_close, rc);
	} else if (IS("read")) {
		NEED(1);
		rc = open_rd(argv[1], 0);
		if (rc >= 0) {
			long fd = rc, n = read(fd, result + 1, 200);

			rc = n < 0 ? -1 : 0;
			if (n >= 0) {
				result[0] = ' ';
				result[n + 1] = 0;
				result[strcspn(result, "\n")] = 0;
			}
			syscall(SYS_close, fd);
		}
	} else if (IS("write")) {
		NEED(2);
		rc = syscall(SYS_openat, AT_FDCWD, argv[1], O_WRONLY | O_TRUNC,
			     0);
		if (rc >= 0) {
			long fd = rc;

			rc = write(fd, argv[2], strlen(argv[2])) < 0 ? -1 : 0;
			syscall(SYS_close, fd);
		}
	} else if (IS("stat") || IS("lstat") || IS("fstat") ||
		   IS("fstatat")) {
		struct stat st;

		if (IS("fstatat"))
			NEED2(1, 2);
		else
			NEED(1);
		if (IS("stat")) {
			rc = syscall(SYS_stat, argv[1], &st);
		} else if (IS("lstat")) {
			rc = syscall(SYS_lstat, argv[1], &st);
		} else if (IS("fstat")) {
			rc = open_rd(argv[1], 0);
			if (rc >= 0) {
				long fd = rc;

				rc = syscall(SYS_fstat, fd, &st);
				syscall(SYS_close, fd);
			}
		} else {
			int fl = argc < 3 ? 0 :
				 !strcmp(argv[2], "nofollow") ?
				 AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;

			rc = syscall(SYS_newfstatat, AT_FDCWD, argv[1], &st,
				     fl);
		}
		if (rc == 0)
			describe(result, sizeof(result), st.st_mode,
				 st.st_size, st.st_nlink, st.st_uid,
				 st.st_gid);
	} else if (IS("statx")) {
		struct statx sx;

		NEED2(1, 2);
		rc = syscall(SYS_statx, AT_FDCWD, argv[1],
			     argc == 3 ? AT_SYMLINK_NOFOLLOW : 0,
			     STATX_BASIC_STATS, &sx);
		if (rc == 0)
			describe(result, sizeof(result), sx.stx_mode,
				 sx.stx_size, sx.stx_nlink, sx.stx_uid,
				 sx.stx_gid);
	} else if (IS("mtime")) {
		struct stat st;

		NEED(1);
		rc = syscall(SYS_lstat, argv[1], &st);
		if (rc == 0)
			snprintf(result, sizeof(result), " %lld",
				 (long long)st.st_mtime);
	} else if (IS("statfs")) {
		struct statfs sf;

		NEED(1);
		rc = syscall(SYS_statfs, argv[1], &sf);
	} else if (IS("access")) {
		NEED(2);
		rc = syscall(SYS_access, argv[1], amode(argv[2]));
	} else if (IS("faccessat")) {
		NEED(2);
		rc = syscall(SYS_faccessat, AT_FDCWD, argv[1], amode(argv[2]));
	} else if (IS("faccessat2")) {
		NEED2(2, 3);
		rc = syscall(SYS_faccessat2, AT_FDCWD, argv[1], amode(argv[2]),
			     argc < 4 ? 0 : !strcmp(argv[3], "eaccess") ?
			     AT_EACCESS : AT_SYMLINK_NOFOLLOW);
	} else if (IS("readlink") || IS("readlinkat")) {
		NEED(1);
		rc = IS("readlink") ?
		     syscall(SYS_readlink, argv[1], result + 1, 200) :
		     syscall(SYS_readlinkat, AT_FDCWD, argv[1], result + 1,
			     200);
		if (rc >= 0) {
			result[0] = ' ';
			result[rc + 1] = 0;
			rc = 0;
		}
	} else if (IS("mkdir")) {
		NEED(2);
		rc = syscall(SYS_mkdir, argv[1], mode_of(argv[2]));
	} else if (IS("mkdirat")) {
		NEED(2);
		rc = syscall(SYS_mkdirat, AT_FDCWD, argv[1], mode_of(argv[2]));
	} else if (IS("mknod")) {
		NEED(2);
		rc = syscall(SYS_mknod, argv[1], S_IFIFO | mode_of(argv[2]), 0);
	} else if (IS("mknodat")) {
		NEED(2);
		rc = syscall(SYS_mknodat, AT_FDCWD, argv[1],
			     S_IFIFO | mode_of(argv[2]), 0);
	} else if (IS("rmdir")) {
		NEED(1);
		rc = syscall(SYS_rmdir, argv[1]);
	} else if (IS("unlink")) {
		NEED(1);
		rc = syscall(SYS_unlink, argv[1]);
	} else if (IS("unlinkat")) {
		NEED2(1, 2);
		rc = syscall(SYS_unlinkat, AT_FDCWD, argv[1],
			     argc == 3 ? AT_REMOVEDIR : 0);
	} else if (IS("link")) {
		NEED(2);
		rc = syscall(SYS_link, argv[1], argv[2]);
	} else if (IS("linkat")) {
		NEED(2);
		rc = syscall(SYS_linkat, AT_FDCWD, argv[1], AT_FDCWD, argv[2],
			     0);
	} else if (IS("symlink")) {
		NEED(2);
		rc = syscall(SYS_symlink, argv[1], argv[2]);
	} else if (IS("symlinkat")) {
		NEED(2);
		rc = syscall(SYS_symlinkat, argv[1], AT_FDCWD, argv[2]);
	} else if (IS("rename")) {
		NEED(2);
		rc = syscall(SYS_rename, argv[1], argv[2]);
	} else if (IS("renameat")) {
		NEED(2);
		rc = syscall(SYS_renameat, AT_FDCWD, argv[1], AT_FDCWD,
			     argv[2]);
	} else if (IS("renameat2")) {
		NEED(3);
		rc = syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD,
			     argv[2],
			     !strcmp(argv[3], "noreplace") ? RENAME_NOREPLACE :
			     !strcmp(argv[3], "exchange") ? RENAME_EXCHANGE :
							    0);
	} else if (IS("truncate")) {
		NEED(2);
		rc = syscall(SYS_truncate, argv[1], atol(argv[2]));
	} else if (IS("chmod")) {
		NEED(2);
		rc = syscall(SYS_chmod, argv[1], mode_of(argv[2]));
	} else if (IS("fchmodat")) {
		NEED(2);
		rc = syscall(SYS_fchmodat, AT_FDCWD, argv[1], mode_of(argv[2]));
	} else if (IS("fchmodat2")) {
		NEED2(2, 3);
		rc = syscall(SYS_fchmodat2, AT_FDCWD, argv[1], mode_of(argv[2]),
			     argc == 4 ? AT_SYMLINK_NOFOLLOW : 0);
	} else if (IS("fchmod") || IS("fchown")) {
		if (IS("fchmod"))
			NEED(2);
		else
			NEED(3);
		/* Through a descriptor opened for reading: a lower file is
		   copied up all the same. */
		rc = open_rd(argv[1], 0);
		if (rc >= 0) {
			long fd = rc;

			rc = IS("fchmod") ?
			     syscall(SYS_fchmod, fd, mode_of(argv[2])) :
			     syscall(SYS_fchown, fd, atoi(argv[2]),
				     atoi(argv[3]));
			syscall(SYS_close, fd);
		}
	} else if (IS("chown") || IS("lchown")) {
		NEED(3);
		rc = syscall(IS("chown") ? SYS_chown : SYS_lchown, argv[1],
			     atoi(argv[2]), atoi(argv[3]));
	} else if (IS("fchownat")) {
		NEED(3);
		rc = syscall(SYS_fchownat, AT_FDCWD, argv[1], atoi(argv[2]),
			     atoi(argv[3]), 0);
	} else if (IS("utimensat")) {
		struct timespec ts[2];

		NEED2(2, 3);
		ts[0].tv_sec = ts[1].tv_sec = atol(argv[2]);
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		rc = syscall(SYS_utimensat, AT_FDCWD, argv[1], ts,
			     argc == 4 ? AT_SYMLINK_NOFOLLOW : 0);
	} else if (IS("utimes") || IS("futimesat")) {
		struct timeval tv[2];

		NEED(2);
		tv[0].tv_sec = tv[1].tv_sec = atol(argv[2]);
		tv[0].tv_usec = tv[1].tv_usec = 0;
		rc = IS("utimes") ? syscall(SYS_utimes, argv[1], tv) :
		     syscall(SYS_futimesat, AT_FDCWD, argv[1], tv);
	} else if (IS("utime")) {
		struct utimbuf ub;

		NEED(2);
		ub.actime = ub.modtime = atol(argv[2]);
		rc = syscall(SYS_utime, argv[1], &ub);
	} else if (IS("setxattr") || IS("lsetxattr")) {
		NEED(3);
		rc = syscall(IS("setxattr") ? SYS_setxattr : SYS_lsetxattr,
			     argv[1], argv[2], argv[3], strlen(argv[3]), 0);
	} else if (IS("getxattr") || IS("lgetxattr")) {
		NEED(2);
		rc = syscall(IS("getxattr") ? SYS_getxattr : SYS_lgetxattr,
			     argv[1], argv[2], result + 1, 200);
		if (rc >= 0) {
			result[0] = ' ';
			result[rc + 1] = 0;
			rc = 0;
		}
	} else if (IS("listxattr") || IS("llistxattr")) {
		char list[4096];

		NEED(1);
		rc = syscall(IS("listxattr") ? SYS_listxattr : SYS_llistxattr,
			     argv[1], list, sizeof(list));
		if (rc >= 0) {
			size_t used = 0;

			/* user.* names only: the kernel's own are not the
			   point here */
			for (long o = 0; o < rc; o += strlen(list + o) + 1)
				if (!strncmp(list + o, "user.", 5))
					used += snprintf(result + used,
							 sizeof(result) - used,
							 " %s", list + o);
			rc = 0;
		}
	} else if (IS("removexattr") || IS("lremovexattr")) {
		NEED(2);
		rc = syscall(IS("removexattr") ? SYS_removexattr :
						 SYS_lremovexattr,
			     argv[1], argv[2]);
	} else if (IS("getdents64") || IS("getdents")) {
		NEED(2);
		list_dir(IS("getdents64"), argv[1], atoi(argv[2]), result,
			 sizeof(result));
		rc = 0;
	} else if (IS("chdir")) {
		char cwd[4096];
		struct stat st;

		NEED(2);
		rc = syscall(SYS_chdir, argv[1]);
		if (rc == 0) {
			long n = syscall(SYS_getcwd, cwd, sizeof(cwd));

			if (n < 0)
				snprintf(result, sizeof(result), " getcwd: %s",
					 errname(errno));
			else if (syscall(SYS_lstat, argv[2], &st) < 0)
				snprintf(result, sizeof(result),
					 " cwd=%s (%ld) %s: %s", cwd, n,
					 argv[2], errname(errno));
			else
				snprintf(result, sizeof(result),
					 " cwd=%s (%ld) %s: %c", cwd, n,
					 argv[2], type_char(st.st_mode));
		}
	} else if (IS("execve") || IS("execveat")) {
		if (argc < 2)
			usage(op);
		rc = run_child(IS("execveat"), argv + 1);
		if (rc >= 0) {
			snprintf(result, sizeof(result), " status %ld", rc);
			rc = 0;
		}
	} else {
		fprintf(stderr, "rawsys: unknown op %s\n", op);
		exit(2);
	}
#undef NEED
#undef NEED2
#undef IS

	report(argc, argv, rc < 0, result);
}

int main(int argc, char **argv)
{
	return progargs_main(argc, argv, run);
}
