/*
 * pathprobe.c - the path calls of a program, printed, for read-fortify.
 *
 *   pathprobe DIR NAME...
 *
 * For each NAME, does on DIR/NAME what ordinary programs do (open and
 * read, open with flags known only at run time, stat, lstat, fstatat on a
 * directory descriptor, fstat of the open descriptor, readlink, realpath,
 * access; for a directory opendir/readdir, chdir and getcwd) and prints
 * the results without inode or device numbers, only whether the numbers
 * that must agree do.  The build system compiles it twice: plainly, and
 * with -D_FILE_OFFSET_BITS=64 -D_FORTIFY_SOURCE=2 -O2, where glibc's
 * headers turn these calls into other symbols (stat64, __open_2,
 * __realpath_chk, __getcwd_chk, __readlink_chk...) that the library must
 * interpose as well.  Both must print the same as a kernel overlay mount.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errname.h"

static const char *dir;
static size_t dirlen;

/* Print a path with DIR replaced by "DIR" (the harness normalises too). */
static void put_path(const char *p)
{
	if (strncmp(p, dir, dirlen) == 0 && (p[dirlen] == '/' || !p[dirlen]))
		printf("DIR%s", p + dirlen);
	else
		fputs(p, stdout);
}

static char type_char(mode_t m)
{
	if (S_ISREG(m)) return 'f';
	if (S_ISDIR(m)) return 'd';
	if (S_ISLNK(m)) return 'l';
	if (S_ISCHR(m)) return 'c';
	if (S_ISBLK(m)) return 'b';
	if (S_ISFIFO(m)) return 'p';
	if (S_ISSOCK(m)) return 's';
	return '?';
}

static void put_stat(const char *what, const struct stat *st)
{
	printf("  %s: %c %04o", what, type_char(st->st_mode),
	       (unsigned)(st->st_mode & 07777));
	if (!S_ISDIR(st->st_mode))
		printf(" size=%lld nlink=%lu", (long long)st->st_size,
		       (unsigned long)st->st_nlink);
	putchar('\n');
}

static const char *dtype_name(unsigned char t)
{
	switch (t) {
	case DT_REG: return "f";
	case DT_DIR: return "d";
	case DT_LNK: return "l";
	case DT_CHR: return "c";
	case DT_UNKNOWN: return "?";
	default: return "other";
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* opendir/readdir: names sorted, with d_type, and d_ino checked. */
static void probe_readdir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char *lines[1024];
	size_t n = 0, i;

	if (!d) {
		printf("  opendir: %s\n", errname(errno));
		return;
	}
	while ((e = readdir(d)) && n < 1024) {
		struct stat st;
		const char *ino = "d_ino=st_ino";
		char *line;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			ino = errname(errno);
		else if (st.st_ino != e->d_ino && strcmp(e->d_name, "..") != 0)
			ino = "d_ino!=st_ino";
		else if (e->d_type != DT_UNKNOWN &&
			 strcmp(dtype_name(e->d_type),
				(char[]){type_char(st.st_mode), 0}) != 0)
			ino = "d_type!=st_mode";
		if (asprintf(&line, "%s %s %s", e->d_name,
			     dtype_name(e->d_type), ino) < 0)
			exit(2);
		lines[n++] = line;
	}
	closedir(d);
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	printf("  readdir: %zu entries\n", n);
	for (i = 0; i < n; i++) {
		printf("    %s\n", lines[i]);
		free(lines[i]);
	}
}

static void probe(int dfd, const char *name)
{
	char path[PATH_MAX], buf[PATH_MAX], lbuf[256];
	struct stat st, lst, ast, fst;
	volatile int rflags = O_RDONLY;	/* not a constant: __open_2 */
	/* Sizes unknown at compile time: __readlink_chk, __getcwd_chk. */
	volatile size_t lsize = sizeof(lbuf) - 1, bsize = sizeof(buf);
	int fd, have_st, have_lst;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	printf("%s\n", name);

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("  open: %s\n", errname(errno));
	} else {
		n = read(fd, lbuf, sizeof(lbuf) - 1);
		if (n < 0) {
			printf("  read: %s\n", errname(errno));
		} else {
			lbuf[n] = 0;
			lbuf[strcspn(lbuf, "\n")] = 0;
			printf("  read: \"%s\"\n", lbuf);
		}
		close(fd);
	}

	fd = open(path, rflags);
	printf("  open(runtime flags): %s\n", fd < 0 ? errname(errno) : "ok");

	have_st = stat(path, &st) == 0;
	if (have_st)
		put_stat("stat", &st);
	else
		printf("  stat: %s\n", errname(errno));

	have_lst = lstat(path, &lst) == 0;
	if (have_lst)
		put_stat("lstat", &lst);
	else
		printf("  lstat: %s\n", errname(errno));

	if (fstatat(dfd, name, &ast, AT_SYMLINK_NOFOLLOW) < 0)
		printf("  fstatat: %s\n", errname(errno));
	else
		printf("  fstatat: %c, %s\n", type_char(ast.st_mode),
		       have_lst && ast.st_ino == lst.st_ino &&
				       ast.st_dev == lst.st_dev
			       ? "same object as lstat"
			       : "NOT the object lstat gave");

	if (fd >= 0) {
		if (fstat(fd, &fst) < 0)
			printf("  fstat: %s\n", errname(errno));
		else
			printf("  fstat: %c, %s\n", type_char(fst.st_mode),
			       have_st && fst.st_ino == st.st_ino &&
					       fst.st_dev == st.st_dev &&
					       fst.st_size == st.st_size
				       ? "same object as stat"
				       : "NOT the object stat gave");
		close(fd);
	}

	n = readlink(path, lbuf, lsize);
	if (n < 0) {
		printf("  readlink: %s\n", errname(errno));
	} else {
		lbuf[n] = 0;
		printf("  readlink: ");
		put_path(lbuf);
		putchar('\n');
	}

	if (!realpath(path, buf)) {
		printf("  realpath: %s\n", errname(errno));
	} else {
		printf("  realpath: ");
		put_path(buf);
		putchar('\n');
	}

	printf("  access(R_OK): %s\n",
	       access(path, R_OK) == 0 ? "ok" : errname(errno));

	if (have_st && S_ISDIR(st.st_mode)) {
		int here = open(".", O_RDONLY | O_DIRECTORY);

		probe_readdir(path);
		if (chdir(path) < 0) {
			printf("  chdir: %s\n", errname(errno));
		} else if (!getcwd(buf, bsize)) {
			printf("  getcwd: %s\n", errname(errno));
		} else {
			struct stat dot;

			printf("  getcwd: ");
			put_path(buf);
			putchar('\n');
			if (stat(".", &dot) < 0)
				printf("  stat(.): %s\n", errname(errno));
			else
				printf("  stat(.): %s\n",
				       dot.st_ino == st.st_ino &&
						       dot.st_dev == st.st_dev
					       ? "the directory itself"
					       : "NOT the directory");
			fd = open("..", O_RDONLY | O_DIRECTORY);
			printf("  open(..): %s\n",
			       fd < 0 ? errname(errno) : "ok");
			if (fd >= 0)
				close(fd);
		}
		if (here >= 0) {
			if (fchdir(here) < 0)
				exit(2);
			close(here);
		}
	}
}

int main(int argc, char **argv)
{
	int dfd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: pathprobe DIR NAME...\n");
		return 2;
	}
	dir = argv[1];
	dirlen = strlen(dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		printf("open(DIR): %s\n", errname(errno));
	for (i = 2; i < argc; i++)
		probe(dfd, argv[i]);
	if (dfd >= 0)
		close(dfd);
	return 0;
}
