/*
 * badcalls.c - calls with odd arguments, their results printed one a
 * line, for the bad-input scenarios (issue 6): the transcript is compared
 * between a kernel overlay mount and libunion (tests/lib.sh), so it
 * prints errno names and stable facts (types, modes, sizes, contents),
 * never inode numbers.
 *
 *   badcalls nullempty M DIR FILE LINK
 *        NULL and "" paths to stat, lstat, open, unlink, rmdir, mkdir,
 *        the *at calls with and without AT_EMPTY_PATH, on descriptors of
 *        the merged directory M/DIR, the lower file M/FILE and the
 *        symlink M/LINK
 *   badcalls pathmax M
 *        paths of PATH_MAX - 1 and PATH_MAX bytes under M
 *   badcalls long PATH
 *        stat, open, readdir and a create beside the deep PATH
 *   badcalls opath M FILE DIR LINK
 *        O_PATH opens of a merged file, directory and symlink, and what
 *        may be done with them
 *   badcalls tmpfile M DIR
 *        O_TMPFILE in M/DIR, then linkat (AT_EMPTY_PATH and
 *        /proc/self/fd) to give it a name
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

/* Launder a pointer so that the compiler keeps a NULL argument. */
static const char *launder(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static char type_char(mode_t m)
{
	return S_ISREG(m)    ? 'f'
	       : S_ISDIR(m)  ? 'd'
	       : S_ISLNK(m)  ? 'l'
	       : S_ISCHR(m)  ? 'c'
	       : S_ISFIFO(m) ? 'p'
			     : '?';
}

/* "ok" with a description of st, or the errno's name. */
static void res_stat(const char *what, int rc, const struct stat *st)
{
	if (rc < 0)
		printf("%s: %s\n", what, errname(errno));
	else if (S_ISDIR(st->st_mode))
		printf("%s: ok %c %o\n", what, type_char(st->st_mode),
		       st->st_mode & 07777);
	else
		printf("%s: ok %c %o size=%lld\n", what, type_char(st->st_mode),
		       st->st_mode & 07777, (long long)st->st_size);
}

static void res(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: %s\n", what, errname(errno));
	else
		printf("%s: ok\n", what);
}

/* An open's result: ok (and the descriptor closed) or the errno. */
static void res_open(const char *what, int fd)
{
	res(what, fd);
	if (fd >= 0)
		close(fd);
}

/*
 * Run a statement in a child, so that a call that crashes the process
 * (a NULL path dereferenced) is reported as such and the rest still runs.
 */
#define GUARDED(label, ...)                                                    \
	do {                                                                   \
		pid_t pid_;                                                    \
		int st_;                                                       \
                                                                               \
		fflush(stdout);                                                \
		pid_ = fork();                                                 \
		if (pid_ == 0) {                                               \
			__VA_ARGS__;                                           \
			fflush(stdout);                                        \
			_exit(0);                                              \
		}                                                              \
		if (pid_ > 0 && waitpid(pid_, &st_, 0) == pid_ &&              \
		    WIFSIGNALED(st_))                                          \
			printf("%s: crashed (signal %d)\n", label,             \
			       WTERMSIG(st_));                                 \
	} while (0)

static char *cat(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0)
		abort();
	return p;
}

static void show_file(const char *what, const char *path)
{
	char buf[128];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (n < 0) {
		printf("%s: %s\n", what, errname(errno));
	} else {
		buf[n] = '\0';
		printf("%s: \"%.*s\"\n", what, (int)strcspn(buf, "\n"), buf);
	}
	if (fd >= 0)
		close(fd);
}

static int do_nullempty(const char *M, const char *dir, const char *file,
			const char *lnk)
{
	const char *null = launder(NULL);
	char *d = cat(M, dir), *f = cat(M, file), *l = cat(M, lnk);
	struct stat st;
	struct statx stx;
	int dfd, ffd, lfd;

	errno = 0;
	GUARDED("stat(NULL)", res_stat("stat(NULL)", stat(null, &st), &st));
	GUARDED("lstat(NULL)", res_stat("lstat(NULL)", lstat(null, &st), &st));
	GUARDED("open(NULL)", res_open("open(NULL)", open(null, O_RDONLY)));
	GUARDED("open(NULL, O_CREAT)",
		res_open("open(NULL, O_CREAT)",
			 open(null, O_WRONLY | O_CREAT, 0644)));
	GUARDED("unlink(NULL)", res("unlink(NULL)", unlink(null)));
	GUARDED("rmdir(NULL)", res("rmdir(NULL)", rmdir(null)));
	GUARDED("mkdir(NULL)", res("mkdir(NULL)", mkdir(null, 0755)));
	GUARDED("access(NULL)", res("access(NULL)", access(null, F_OK)));
	GUARDED("chdir(NULL)", res("chdir(NULL)", chdir(null)));
	GUARDED("fstatat(AT_FDCWD, NULL, 0)",
		res_stat("fstatat(AT_FDCWD, NULL, 0)",
			 fstatat(AT_FDCWD, null, &st, 0), &st));

	GUARDED("stat(\"\")", res_stat("stat(\"\")", stat("", &st), &st));
	GUARDED("lstat(\"\")", res_stat("lstat(\"\")", lstat("", &st), &st));
	GUARDED("open(\"\")", res_open("open(\"\")", open("", O_RDONLY)));
	GUARDED("open(\"\", O_CREAT)",
		res_open("open(\"\", O_CREAT)",
			 open("", O_WRONLY | O_CREAT, 0644)));
	GUARDED("unlink(\"\")", res("unlink(\"\")", unlink("")));
	GUARDED("rmdir(\"\")", res("rmdir(\"\")", rmdir("")));
	GUARDED("mkdir(\"\")", res("mkdir(\"\")", mkdir("", 0755)));
	GUARDED("access(\"\")", res("access(\"\")", access("", F_OK)));
	GUARDED("chdir(\"\")", res("chdir(\"\")", chdir("")));
	GUARDED("truncate(\"\")", res("truncate(\"\")", truncate("", 0)));
	GUARDED("rename(\"\", M/x)",
		res("rename(\"\", M/x)", rename("", cat(M, "x"))));
	GUARDED("rename(M/FILE, \"\")",
		res("rename(M/FILE, \"\")", rename(f, "")));
	GUARDED("link(M/FILE, \"\")", res("link(M/FILE, \"\")", link(f, "")));
	GUARDED("symlink(\"\", M/emptylink)",
		res("symlink(\"\", M/emptylink)",
		    symlink("", cat(M, "emptylink"))));

	dfd = open(d, O_RDONLY | O_DIRECTORY);
	ffd = open(f, O_RDONLY);
	lfd = open(l, O_PATH | O_NOFOLLOW);
	if (dfd < 0 || ffd < 0 || lfd < 0) {
		printf("setup: %s\n", errname(errno));
		return 1;
	}
	GUARDED(
	    "fstatat(dirfd, \"\", 0)",
	    res_stat("fstatat(dirfd, \"\", 0)", fstatat(dfd, "", &st, 0), &st));
	GUARDED("fstatat(dirfd, \"\", AT_EMPTY_PATH)",
		res_stat("fstatat(dirfd, \"\", AT_EMPTY_PATH)",
			 fstatat(dfd, "", &st, AT_EMPTY_PATH), &st));
	GUARDED("fstatat(filefd, \"\", AT_EMPTY_PATH)",
		res_stat("fstatat(filefd, \"\", AT_EMPTY_PATH)",
			 fstatat(ffd, "", &st, AT_EMPTY_PATH), &st));
	GUARDED(
	    "fstatat(linkfd, \"\", AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW)",
	    res_stat("fstatat(linkfd, \"\", AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW)",
		     fstatat(lfd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW),
		     &st));
	GUARDED("fstatat(AT_FDCWD, \"\", AT_EMPTY_PATH) (the cwd)",
		res_stat("fstatat(AT_FDCWD, \"\", AT_EMPTY_PATH) (the cwd)",
			 fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH), &st));
	GUARDED("statx", {
		int rc = statx(ffd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx);

		if (rc < 0)
			printf("statx(filefd, \"\", AT_EMPTY_PATH): %s\n",
			       errname(errno));
		else
			printf("statx(filefd, \"\", AT_EMPTY_PATH): ok %c %o "
			       "size=%lld\n",
			       type_char(stx.stx_mode), stx.stx_mode & 07777,
			       (long long)stx.stx_size);
		rc = statx(ffd, null, AT_EMPTY_PATH, STATX_BASIC_STATS, &stx);
		if (rc < 0)
			printf("statx(filefd, NULL, AT_EMPTY_PATH): %s\n",
			       errname(errno));
		else
			printf("statx(filefd, NULL, AT_EMPTY_PATH): ok %c %o "
			       "size=%lld\n",
			       type_char(stx.stx_mode), stx.stx_mode & 07777,
			       (long long)stx.stx_size);
	});
	GUARDED("fstatat(filefd, NULL, AT_EMPTY_PATH)",
		res_stat("fstatat(filefd, NULL, AT_EMPTY_PATH)",
			 fstatat(ffd, null, &st, AT_EMPTY_PATH), &st));
	GUARDED("openat(dirfd, \"\")",
		res_open("openat(dirfd, \"\")", openat(dfd, "", O_RDONLY)));
	GUARDED("unlinkat(dirfd, \"\", 0)",
		res("unlinkat(dirfd, \"\", 0)", unlinkat(dfd, "", 0)));
	GUARDED("unlinkat(dirfd, \"\", AT_REMOVEDIR)",
		res("unlinkat(dirfd, \"\", AT_REMOVEDIR)",
		    unlinkat(dfd, "", AT_REMOVEDIR)));
	GUARDED("mkdirat(dirfd, \"\")",
		res("mkdirat(dirfd, \"\")", mkdirat(dfd, "", 0755)));
	GUARDED("faccessat(filefd, \"\", AT_EMPTY_PATH)",
		res("faccessat(filefd, \"\", AT_EMPTY_PATH)",
		    faccessat(ffd, "", F_OK, AT_EMPTY_PATH)));
	{
		char buf[PATH_MAX];
		ssize_t n = readlinkat(lfd, "", buf, sizeof(buf) - 1);

		if (n < 0)
			printf("readlinkat(linkfd, \"\"): %s\n",
			       errname(errno));
		else
			printf("readlinkat(linkfd, \"\"): ok %.*s\n", (int)n,
			       buf);
	}
	GUARDED("fchownat(filefd, \"\", same owner, AT_EMPTY_PATH)",
		res("fchownat(filefd, \"\", same owner, AT_EMPTY_PATH)",
		    fchownat(ffd, "", (uid_t)-1, (gid_t)-1, AT_EMPTY_PATH)));
	GUARDED(
	    "linkat(filefd, \"\", M/DIR/linked, AT_EMPTY_PATH)",
	    res("linkat(filefd, \"\", M/DIR/linked, AT_EMPTY_PATH)",
		linkat(ffd, "", AT_FDCWD, cat(d, "linked"), AT_EMPTY_PATH)));
	GUARDED("linkat(filefd, \"\", M/DIR/linked2, 0)",
		res("linkat(filefd, \"\", M/DIR/linked2, 0)",
		    linkat(ffd, "", AT_FDCWD, cat(d, "linked2"), 0)));
	res_stat("stat(M/DIR/linked)", stat(cat(d, "linked"), &st), &st);
	res_stat("stat(M/FILE) afterwards", stat(f, &st), &st);
	return 0;
}

/* A path of exactly len bytes under M: components of up to 200 bytes. */
static char *path_of(const char *M, size_t len)
{
	char *p = malloc(len + 1);
	size_t n = strlen(M);
	char c = 'a';

	memcpy(p, M, n);
	while (n < len) {
		size_t k = len - n - 1;

		if (k > 200)
			k = 200;
		if (k == 0) { /* no room for "/x": lengthen the last one */
			p[n++] = c;
			continue;
		}
		p[n++] = '/';
		memset(p + n, c++, k);
		n += k;
	}
	p[len] = '\0';
	return p;
}

static int do_pathmax(const char *M)
{
	size_t lens[] = {PATH_MAX - 1, PATH_MAX, PATH_MAX + 10};
	struct stat st;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *p = path_of(M, lens[i]);
		char what[64];

		if (strlen(p) != lens[i]) {
			printf("path_of: wrong length\n");
			return 1;
		}
		snprintf(what, sizeof(what), "stat(%zu bytes)", lens[i]);
		res_stat(what, stat(p, &st), &st);
		snprintf(what, sizeof(what), "open(%zu bytes)", lens[i]);
		res_open(what, open(p, O_RDONLY));
		snprintf(what, sizeof(what), "open(%zu bytes, O_CREAT)",
			 lens[i]);
		res_open(what, open(p, O_WRONLY | O_CREAT, 0644));
		snprintf(what, sizeof(what), "unlink(%zu bytes)", lens[i]);
		res(what, unlink(p));
		snprintf(what, sizeof(what), "mkdir(%zu bytes)", lens[i]);
		res(what, mkdir(p, 0755));
		snprintf(what, sizeof(what), "chdir(%zu bytes)", lens[i]);
		res(what, chdir(p));
		free(p);
	}
	/* A component of 255 bytes is fine, of 256 is not. */
	for (size_t k = 255; k <= 256; k++) {
		char name[300], *p;
		char what[64];

		memset(name, 'n', k);
		name[k] = '\0';
		p = cat(M, name);
		snprintf(what, sizeof(what), "create(%zu-byte name)", k);
		res_open(what, open(p, O_WRONLY | O_CREAT, 0644));
		snprintf(what, sizeof(what), "stat(%zu-byte name)", k);
		res_stat(what, stat(p, &st), &st);
		snprintf(what, sizeof(what), "unlink(%zu-byte name)", k);
		res(what, unlink(p));
		free(p);
	}
	return 0;
}

/* A deep path that is short in the view, long in the layers. */
static int do_long(const char *path)
{
	char *dir = strdup(path), *slash = strrchr(dir, '/');
	struct stat st;
	DIR *d;

	res_stat("stat(deep file)", stat(path, &st), &st);
	show_file("read(deep file)", path);
	*slash = '\0';
	d = opendir(dir);
	if (!d) {
		printf("opendir(deep dir): %s\n", errname(errno));
	} else {
		struct dirent *e;
		int n = 0;

		while ((e = readdir(d)))
			n++;
		closedir(d);
		printf("opendir(deep dir): ok, %d entries\n", n);
	}
	res_open("create beside the deep file",
		 open(cat(dir, "new"), O_WRONLY | O_CREAT, 0644));
	res("unlink(deep file)", unlink(path));
	res_stat("stat(deep file) after unlink", stat(path, &st), &st);
	res("chdir(deep dir)", chdir(dir));
	{
		char buf[PATH_MAX];

		printf("getcwd in the deep dir: %s\n",
		       getcwd(buf, sizeof(buf)) ? "ok" : errname(errno));
	}
	res_stat("stat(\"new\") from the deep cwd", stat("new", &st), &st);
	return 0;
}

static int do_opath(const char *M, const char *file, const char *dir,
		    const char *lnk)
{
	char *f = cat(M, file), *d = cat(M, dir), *l = cat(M, lnk);
	struct stat st;
	char buf[PATH_MAX];
	int fd, dfd, lfd, rfd;

	fd = open(f, O_PATH);
	res("open(M/FILE, O_PATH)", fd);
	res_stat("fstat(O_PATH file)", fstat(fd, &st), &st);
	res("read(O_PATH file)", read(fd, buf, 1));
	res("fchmod(O_PATH file)", fchmod(fd, 0600));
	/* reopening through /proc/self/fd: read-only */
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	rfd = open(buf, O_RDONLY);
	res("open(/proc/self/fd/N of O_PATH file, O_RDONLY)", rfd);
	if (rfd >= 0) {
		char c[64];
		ssize_t n = read(rfd, c, sizeof(c) - 1);

		printf("  read: \"%.*s\"\n", n > 0 ? (int)strcspn(c, "\n") : 0,
		       c);
		close(rfd);
	}
	close(fd);

	dfd = open(d, O_PATH | O_DIRECTORY);
	res("open(M/DIR, O_PATH|O_DIRECTORY)", dfd);
	res_stat("fstat(O_PATH dir)", fstat(dfd, &st), &st);
	res_stat("fstatat(O_PATH dir, \"lowerfile\")",
		 fstatat(dfd, "lowerfile", &st, 0), &st);
	rfd = openat(dfd, "lowerfile", O_RDONLY);
	res("openat(O_PATH dir, \"lowerfile\", O_RDONLY)", rfd);
	if (rfd >= 0)
		close(rfd);
	res("fchdir(O_PATH dir)", fchdir(dfd));
	printf("getcwd after fchdir: %s\n",
	       getcwd(buf, sizeof(buf))
		   ? (strcmp(buf, d) ? "another path" : "M/DIR")
		   : errname(errno));
	res_stat("stat(\"lowerfile\") from there", stat("lowerfile", &st), &st);
	close(dfd);

	lfd = open(l, O_PATH | O_NOFOLLOW);
	res("open(M/LINK, O_PATH|O_NOFOLLOW)", lfd);
	res_stat("fstat(O_PATH symlink)", fstat(lfd, &st), &st);
	{
		ssize_t n = readlinkat(lfd, "", buf, sizeof(buf) - 1);

		if (n < 0)
			printf("readlinkat(O_PATH symlink, \"\"): %s\n",
			       errname(errno));
		else
			printf("readlinkat(O_PATH symlink, \"\"): ok %.*s\n",
			       (int)n, buf);
	}
	close(lfd);
	lfd = open(l, O_PATH);
	res("open(M/LINK, O_PATH) (followed)", lfd);
	res_stat("fstat(O_PATH, followed)", fstat(lfd, &st), &st);
	return 0;
}

static int do_tmpfile(const char *M, const char *dir)
{
	char *d = cat(M, dir), buf[PATH_MAX];
	struct stat st;
	int fd;

	fd = open(d, O_TMPFILE | O_RDWR, 0640);
	res("open(M/DIR, O_TMPFILE|O_RDWR)", fd);
	if (fd < 0)
		return 0;
	res("write", write(fd, "tmp data\n", 9));
	res_stat("fstat(tmpfile)", fstat(fd, &st), &st);
	printf("tmpfile nlink: %lu\n", (unsigned long)st.st_nlink);
	res("linkat(fd, \"\", M/DIR/named, AT_EMPTY_PATH)",
	    linkat(fd, "", AT_FDCWD, cat(d, "named"), AT_EMPTY_PATH));
	show_file("M/DIR/named", cat(d, "named"));
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	res("linkat(/proc/self/fd/N, M/DIR/named2, AT_SYMLINK_FOLLOW)",
	    linkat(AT_FDCWD, buf, AT_FDCWD, cat(d, "named2"),
		   AT_SYMLINK_FOLLOW));
	show_file("M/DIR/named2", cat(d, "named2"));
	res_stat("stat(M/DIR/named)", stat(cat(d, "named"), &st), &st);
	printf("named nlink: %lu\n", (unsigned long)st.st_nlink);
	close(fd);

	fd = open(d, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	res("open(M/DIR, O_TMPFILE|O_EXCL)", fd);
	if (fd >= 0) {
		snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
		res("linkat of an O_EXCL tmpfile",
		    linkat(AT_FDCWD, buf, AT_FDCWD, cat(d, "never"),
			   AT_SYMLINK_FOLLOW));
		close(fd);
	}
	res("open(M/FILE-not-dir, O_TMPFILE)",
	    open(cat(d, "named"), O_TMPFILE | O_RDWR, 0600));
	res("open(M/missing, O_TMPFILE)",
	    open(cat(M, "missing-dir"), O_TMPFILE | O_RDWR, 0600));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "nullempty"))
		return do_nullempty(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 3 && !strcmp(argv[1], "pathmax"))
		return do_pathmax(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "long"))
		return do_long(argv[2]);
	if (argc >= 6 && !strcmp(argv[1], "opath"))
		return do_opath(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 4 && !strcmp(argv[1], "tmpfile"))
		return do_tmpfile(argv[2], argv[3]);
	fprintf(stderr, "usage: badcalls nullempty|pathmax|long|opath|tmpfile "
			"...\n");
	return 2;
}
