/*
 * badptrs.c - every wrapped call that takes a path (or another string the
 * kernel reads: an xattr name, a socket address), given a pointer the
 * kernel cannot read.  The kernel answers EFAULT; libc's own functions
 * answer what they answer (some crash on NULL themselves).  Each call runs
 * in a child, so a crash is reported and the rest still runs; the
 * scenario (tests/edges/bad-pointers.sh) compares the transcript with the
 * same program run without libunion.
 *
 *   badptrs [--list]     --list: the names of the calls covered
 *
 * Run in a directory holding a file "f" and a directory "d" (both under
 * MERGED for the libunion run).  Kinds of bad pointer:
 *   null      NULL
 *   one       (char *)1
 *   unmapped  the start of a page just unmapped (a hole kept: see
 *             unmap_keep_hole)
 *   stale     a page that held a good path, used once, then unmapped
 *             (what a cache of good pages must forget)
 *   cross     a string that runs from the end of a good page into an
 *             unmapped one with no NUL before it
 *   heapend   a heap page above the break, released by sbrk after good
 *             paths were read from it and its neighbours (the library
 *             trusts the heap below sbrk(0): it must look again)
 *   heapprot  a heap page made PROT_NONE after the same (mprotect of
 *             the heap: the library must stop trusting the heap)
 *   ahead     the page after one that held a good path, used once (the
 *             library reads the pages after it too, and trusts them),
 *             then unmapped
 * These last kinds are tried with a few calls only (heap_call).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "errname.h"

extern char **environ;

/* Old-ABI entry points that newer headers no longer declare. */
extern int __xstat(int, const char *, struct stat *);
extern int __xstat64(int, const char *, struct stat64 *);
extern int __lxstat(int, const char *, struct stat *);
extern int __lxstat64(int, const char *, struct stat64 *);
extern int __fxstatat(int, int, const char *, struct stat *, int);
extern int __fxstatat64(int, int, const char *, struct stat64 *, int);
extern int __xmknod(int, const char *, mode_t, dev_t *);
extern int __xmknodat(int, int, const char *, mode_t, dev_t *);
extern int __open_2(const char *, int);
extern int __open64_2(const char *, int);
extern int __openat_2(int, const char *, int);
extern int __openat64_2(int, const char *, int);
extern ssize_t __readlink_chk(const char *, char *, size_t, size_t);
extern ssize_t __readlinkat_chk(int, const char *, char *, size_t, size_t);
extern char *__realpath_chk(const char *, char *, size_t);
extern int lchmod(const char *, mode_t);

static struct stat st;
static struct stat64 st64;
static struct statx stx;
static struct statfs sfs;
static struct statfs64 sfs64;
static struct statvfs svfs;
static struct statvfs64 svfs64;
static char buf[8192];
static dev_t dev0;
static struct dirent **nl;
static struct dirent64 **nl64;
static const struct timeval tv[2];
static const struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
static const struct utimbuf ub = { 1, 1 };

static int nofn(const char *a, const struct stat *b, int c)
{
	(void)a; (void)b; (void)c;
	return 0;
}
static int nofn64(const char *a, const struct stat64 *b, int c)
{
	(void)a; (void)b; (void)c;
	return 0;
}
static int nnofn(const char *a, const struct stat *b, int c, struct FTW *f)
{
	(void)a; (void)b; (void)c; (void)f;
	return 0;
}
static int nnofn64(const char *a, const struct stat64 *b, int c,
		   struct FTW *f)
{
	(void)a; (void)b; (void)c; (void)f;
	return 0;
}

static long ptr_rc(const void *p)
{
	return p ? 0 : -1;
}

/* A call's result: -1 with errno on failure.  (posix_spawn returns its
   error: made into the same form.) */
static long spawn_rc(int e)
{
	if (!e)
		return 0;
	errno = e;
	return -1;
}

/* Socket addresses: a bad pointer as the whole address. */
static long sock_call(const char *p, int connect_)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	long rc;

	rc = connect_ ? connect(s, (const struct sockaddr *)p,
				sizeof(struct sockaddr_un))
		      : bind(s, (const struct sockaddr *)p,
			     sizeof(struct sockaddr_un));
	close(s);
	return rc;
}

/* Datagrams with an address: a bad pointer as the address (sendto, a
   msghdr's name) or as the msghdr itself. */
static long sock_send(const char *p, int how)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = { .msg_name = (void *)p,
			    .msg_namelen = sizeof(struct sockaddr_un),
			    .msg_iov = &iov, .msg_iovlen = 1 };
	long rc;

	if (how == 0)
		rc = sendto(s, "x", 1, 0, (const struct sockaddr *)p,
			    sizeof(struct sockaddr_un));
	else
		rc = sendmsg(s, how == 1 ? &m : (const struct msghdr *)p, 0);
	close(s);
	return rc;
}

/* A template: a writable bad pointer. */
/* One inotify and one fanotify instance for the watch calls (fanotify
   needs CAP_SYS_ADMIN: as nobody its -1 makes the call's EBADF, with and
   without the library alike). */
static int inotify_fd(void)
{
	static int fd = -2;

	if (fd == -2)
		fd = inotify_init1(IN_CLOEXEC);
	return fd;
}

static int fanotify_fd(void)
{
	static int fd = -2;

	if (fd == -2)
		fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	return fd;
}

#define T(p) ((char *)(p))

/* Every row: a name, and the call with the bad pointer p (d: a
   descriptor of the directory the program runs in). */
#define CALLS(X)                                                              \
	X(open, open(p, O_RDONLY))                                            \
	X(open64, open64(p, O_RDONLY))                                        \
	X(open_creat, open(p, O_WRONLY | O_CREAT, 0644))                      \
	X(openat, openat(d, p, O_RDONLY))                                     \
	X(openat64, openat64(d, p, O_RDONLY))                                 \
	X(__open_2, __open_2(p, O_RDONLY))                                    \
	X(__open64_2, __open64_2(p, O_RDONLY))                                \
	X(__openat_2, __openat_2(d, p, O_RDONLY))                             \
	X(__openat64_2, __openat64_2(d, p, O_RDONLY))                         \
	X(creat, creat(p, 0644))                                              \
	X(creat64, creat64(p, 0644))                                          \
	X(fopen, ptr_rc(fopen(p, "r")))                                       \
	X(fopen64, ptr_rc(fopen64(p, "r")))                                   \
	X(freopen, ptr_rc(freopen(p, "r", fopen("f", "r"))))                  \
	X(freopen64, ptr_rc(freopen64(p, "r", fopen("f", "r"))))              \
	X(stat, stat(p, &st))                                                 \
	X(stat64, stat64(p, &st64))                                           \
	X(lstat, lstat(p, &st))                                               \
	X(lstat64, lstat64(p, &st64))                                         \
	X(fstatat, fstatat(d, p, &st, 0))                                     \
	X(fstatat64, fstatat64(d, p, &st64, 0))                               \
	X(__xstat, __xstat(1, p, &st))                                        \
	X(__xstat64, __xstat64(1, p, &st64))                                  \
	X(__lxstat, __lxstat(1, p, &st))                                      \
	X(__lxstat64, __lxstat64(1, p, &st64))                                \
	X(__fxstatat, __fxstatat(1, d, p, &st, 0))                            \
	X(__fxstatat64, __fxstatat64(1, d, p, &st64, 0))                      \
	X(statx, statx(d, p, 0, STATX_BASIC_STATS, &stx))                     \
	X(access, access(p, F_OK))                                            \
	X(faccessat, faccessat(d, p, F_OK, 0))                                \
	X(euidaccess, euidaccess(p, F_OK))                                    \
	X(eaccess, eaccess(p, F_OK))                                          \
	X(getxattr, getxattr(p, "user.x", buf, sizeof(buf)))                  \
	X(lgetxattr, lgetxattr(p, "user.x", buf, sizeof(buf)))                \
	X(listxattr, listxattr(p, buf, sizeof(buf)))                          \
	X(llistxattr, llistxattr(p, buf, sizeof(buf)))                        \
	X(getxattr_name, getxattr("f", p, buf, sizeof(buf)))                  \
	X(lgetxattr_name, lgetxattr("f", p, buf, sizeof(buf)))                \
	X(pathconf, pathconf(p, _PC_NAME_MAX))                                \
	X(statfs, statfs(p, &sfs))                                            \
	X(statfs64, statfs64(p, &sfs64))                                      \
	X(statvfs, statvfs(p, &svfs))                                         \
	X(statvfs64, statvfs64(p, &svfs64))                                   \
	X(readlink, readlink(p, buf, sizeof(buf)))                            \
	X(readlinkat, readlinkat(d, p, buf, sizeof(buf)))                     \
	X(__readlink_chk, __readlink_chk(p, buf, 100, sizeof(buf)))           \
	X(__readlinkat_chk, __readlinkat_chk(d, p, buf, 100, sizeof(buf)))    \
	X(realpath, ptr_rc(realpath(p, buf)))                                 \
	X(__realpath_chk, ptr_rc(__realpath_chk(p, buf, sizeof(buf))))        \
	X(canonicalize_file_name, ptr_rc(canonicalize_file_name(p)))          \
	X(chdir, chdir(p))                                                    \
	X(opendir, ptr_rc(opendir(p)))                                        \
	X(scandir, scandir(p, &nl, NULL, NULL))                              \
	X(scandir64, scandir64(p, &nl64, NULL, NULL))                          \
	X(scandirat, scandirat(d, p, &nl, NULL, NULL))                       \
	X(scandirat64, scandirat64(d, p, &nl64, NULL, NULL))                   \
	X(ftw, ftw(p, nofn, 4))                                               \
	X(ftw64, ftw64(p, nofn64, 4))                                         \
	X(nftw, nftw(p, nnofn, 4, 0))                                         \
	X(nftw64, nftw64(p, nnofn64, 4, 0))                                   \
	X(fts_open, ptr_rc(fts_open((char *[]){ T(p), NULL }, FTS_PHYSICAL,   \
				    NULL)))                                   \
	X(fts64_open, ptr_rc(fts64_open((char *[]){ T(p), NULL },            \
					FTS_PHYSICAL, NULL)))                 \
	X(glob, glob(p, 0, NULL, &(glob_t){ 0 }))                             \
	X(glob64, glob64(p, 0, NULL, &(glob64_t){ 0 }))                       \
	X(execve, execve(p, (char *[]){ T("x"), NULL }, environ))             \
	X(execv, execv(p, (char *[]){ T("x"), NULL }))                        \
	X(execvp, execvp(p, (char *[]){ T("x"), NULL }))                      \
	X(execvpe, execvpe(p, (char *[]){ T("x"), NULL }, environ))           \
	X(execl, execl(p, "x", (char *)NULL))                                 \
	X(execle, execle(p, "x", (char *)NULL, environ))                      \
	X(execlp, execlp(p, "x", (char *)NULL))                               \
	X(execveat, execveat(d, p, (char *[]){ T("x"), NULL }, environ, 0))   \
	X(posix_spawn, spawn_rc(posix_spawn(&(pid_t){ 0 }, p, NULL, NULL,     \
					    (char *[]){ T("x"), NULL },       \
					    environ)))                        \
	X(posix_spawnp, spawn_rc(posix_spawnp(&(pid_t){ 0 }, p, NULL, NULL,   \
					      (char *[]){ T("x"), NULL },     \
					      environ)))                      \
	X(truncate, truncate(p, 0))                                           \
	X(truncate64, truncate64(p, 0))                                       \
	X(chmod, chmod(p, 0644))                                              \
	X(lchmod, lchmod(p, 0644))                                            \
	X(fchmodat, fchmodat(d, p, 0644, 0))                                  \
	X(chown, chown(p, -1, -1))                                            \
	X(lchown, lchown(p, -1, -1))                                          \
	X(fchownat, fchownat(d, p, -1, -1, 0))                                \
	X(utime, utime(p, &ub))                                               \
	X(utimes, utimes(p, tv))                                              \
	X(lutimes, lutimes(p, tv))                                            \
	X(futimesat, futimesat(d, p, tv))                                     \
	X(utimensat, utimensat(d, p, ts, 0))                                  \
	X(setxattr, setxattr(p, "user.x", "v", 1, 0))                         \
	X(lsetxattr, lsetxattr(p, "user.x", "v", 1, 0))                       \
	X(removexattr, removexattr(p, "user.x"))                              \
	X(lremovexattr, lremovexattr(p, "user.x"))                            \
	X(inotify_add_watch, inotify_add_watch(inotify_fd(), p, IN_MODIFY))    \
	X(fanotify_mark, fanotify_mark(fanotify_fd(), FAN_MARK_ADD, FAN_MODIFY, \
				       d, p))                                 \
	X(setxattr_name, setxattr("f", p, "v", 1, 0))                         \
	X(lsetxattr_name, lsetxattr("f", p, "v", 1, 0))                       \
	X(removexattr_name, removexattr("f", p))                              \
	X(lremovexattr_name, lremovexattr("f", p))                            \
	X(fsetxattr_name, fsetxattr(open("f", O_RDONLY), p, "v", 1, 0))       \
	X(fremovexattr_name, fremovexattr(open("f", O_RDONLY), p))            \
	X(fgetxattr_name, fgetxattr(open("f", O_RDONLY), p, NULL, 0))         \
	X(mkdir, mkdir(p, 0755))                                              \
	X(mkdirat, mkdirat(d, p, 0755))                                       \
	X(mknod, mknod(p, S_IFIFO | 0644, 0))                                 \
	X(mknodat, mknodat(d, p, S_IFIFO | 0644, 0))                          \
	X(__xmknod, __xmknod(0, p, S_IFIFO | 0644, &dev0))                    \
	X(__xmknodat, __xmknodat(0, d, p, S_IFIFO | 0644, &dev0))             \
	X(mkfifo, mkfifo(p, 0644))                                            \
	X(mkfifoat, mkfifoat(d, p, 0644))                                     \
	X(symlink, symlink("t", p))                                           \
	X(symlink_target, symlink(p, "newlink"))                              \
	X(symlinkat, symlinkat("t", d, p))                                    \
	X(symlinkat_target, symlinkat(p, d, "newlink"))                       \
	X(link_old, link(p, "newlink"))                                       \
	X(link_new, link("f", p))                                             \
	X(linkat_old, linkat(d, p, d, "newlink", 0))                          \
	X(linkat_new, linkat(d, "f", d, p, 0))                                \
	X(mkstemp, mkstemp(T(p)))                                             \
	X(mkstemp64, mkstemp64(T(p)))                                         \
	X(mkostemp, mkostemp(T(p), 0))                                        \
	X(mkostemp64, mkostemp64(T(p), 0))                                    \
	X(mkstemps, mkstemps(T(p), 0))                                        \
	X(mkstemps64, mkstemps64(T(p), 0))                                    \
	X(mkostemps, mkostemps(T(p), 0, 0))                                   \
	X(mkostemps64, mkostemps64(T(p), 0, 0))                               \
	X(mkdtemp, ptr_rc(mkdtemp(T(p))))                                     \
	X(bind, sock_call(p, 0))                                              \
	X(connect, sock_call(p, 1))                                           \
	X(sendto, sock_send(p, 0))                                            \
	X(sendmsg_name, sock_send(p, 1))                                      \
	X(sendmsg, sock_send(p, 2))                                           \
	X(unlink, unlink(p))                                                  \
	X(unlinkat, unlinkat(d, p, 0))                                        \
	X(unlinkat_dir, unlinkat(d, p, AT_REMOVEDIR))                         \
	X(rmdir, rmdir(p))                                                    \
	X(remove, remove(p))                                                  \
	X(rename_old, rename(p, "newname"))                                   \
	X(rename_new, rename("f", p))                                         \
	X(renameat_old, renameat(d, p, d, "newname"))                         \
	X(renameat_new, renameat(d, "f", d, p))                               \
	X(renameat2_old, renameat2(d, p, d, "newname", 0))                    \
	X(renameat2_new, renameat2(d, "f", d, p, 0))                          \
	X(dlopen, ptr_rc(dlopen(p, RTLD_NOW)))                                \
	X(getcwd_buf, ptr_rc(getcwd(T(p), 4096)))                             \
	X(readlink_buf, readlink("d", T(p), 100))

#define FN(name, expr)                                                        \
	static long c_##name(const char *p, int d)                            \
	{                                                                     \
		(void)d;                                                      \
		return (long)(expr);                                          \
	}
CALLS(FN)

static const struct {
	const char *name;
	long (*fn)(const char *p, int d);
} calls[] = {
#define ROW(name, expr) { #name, c_##name },
	CALLS(ROW)
};

/* NULL is a good argument to a few (dlopen: the program; getcwd: make a
   buffer; readlink of a directory never writes it). */
static int null_ok(const char *name)
{
	return !strcmp(name, "dlopen") || !strcmp(name, "getcwd_buf");
}

static long pagesz;

/*
 * Unmap len bytes at p and keep the hole a hole: a PROT_NONE mapping in
 * it, so that no later mmap (glibc's posix_spawn maps its child's stack,
 * the library a page of its own) lands there and makes the pointer read
 * as a string of zeros on one side only.  The kernel answers EFAULT for
 * it as for nothing mapped; the library saw the munmap, so "stale" still
 * tests that it forgets a page it had found readable.
 */
static void unmap_keep_hole(char *p, size_t len)
{
	if (munmap(p, len) < 0 ||
	    mmap(p, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		 0) != p)
		abort();
}

static char *unmapped_page(void)
{
	char *p = mmap(NULL, pagesz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	unmap_keep_hole(p, pagesz);
	return p;
}

/* A page that held "f" and was stat'ed through, then unmapped. */
static char *stale_page(void)
{
	char *p = mmap(NULL, pagesz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	strcpy(p, "f");
	stat(p, &st);
	access(p, F_OK);
	unmap_keep_hole(p, pagesz);
	return p;
}

/* The second of three pages: "f" in the first was stat'ed through
   (which finds the next ones readable too), then the second unmapped,
   and "f" written at its start before. */
static char *ahead_page(void)
{
	char *p = mmap(NULL, 3 * pagesz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	strcpy(p, "f");
	strcpy(p + pagesz, "f");
	stat(p, &st);
	unmap_keep_hole(p + pagesz, pagesz);
	return p + pagesz;
}

/* Four bytes at the end of a good page, the next page unmapped. */
static char *crossing(void)
{
	char *p = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	memset(p, 'a', pagesz);
	stat(p + pagesz - 8, &st);	/* (ENAMETOOLONG or EFAULT) */
	unmap_keep_hole(p + pagesz, pagesz);
	return p + pagesz - 4;
}

/*
 * 32 pages of heap above malloc's, grown with sbrk, a good path stat'ed
 * from each, the last first: enough misses for the library to learn the
 * heap, and its memory of pages left holding the low 16 only.
 */
#define HEAP_PAGES 32
static char *heap_pages(void)
{
	uintptr_t cur = (uintptr_t)sbrk(0);
	char *p;

	if (cur % pagesz && sbrk(pagesz - cur % pagesz) == (void *)-1)
		abort();
	p = sbrk(HEAP_PAGES * pagesz);
	if (p == (void *)-1)
		abort();
	for (int i = HEAP_PAGES - 1; i >= 0; i--) {
		strcpy(p + i * pagesz, "f");
		stat(p + i * pagesz, &st);
	}
	return p;
}

/* The upper half released: a page there (its slot in the library's
   memory holds a low page). */
static char *heap_end(void)
{
	char *p = heap_pages();

	if (sbrk(-(HEAP_PAGES / 2) * pagesz) == (void *)-1)
		abort();
	return p + (HEAP_PAGES / 2 + 4) * pagesz;
}

static char *heap_prot(void)
{
	char *p = heap_pages() + (HEAP_PAGES / 2 + 4) * pagesz;

	if (mprotect(p, pagesz, PROT_NONE) < 0)
		abort();
	return p;
}

static int heap_call(const char *name)
{
	static const char *const some[] = { "stat", "lstat", "fstatat",
		"open", "openat", "access", "chdir", "mkdir", "unlink",
		"execve", "getcwd_buf", "connect" };

	for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++)
		if (!strcmp(name, some[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *kinds[] = { "null", "one", "unmapped", "stale",
				       "cross", "heapend", "heapprot",
				       "ahead" };
	int d;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesz = sysconf(_SC_PAGESIZE);
	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			printf("%s\n", calls[i].name);
		return 0;
	}
	d = open(".", O_RDONLY | O_DIRECTORY);
	if (d < 0) {
		perror("badptrs: .");
		return 2;
	}
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			const char *kind = kinds[k];
			pid_t pid;
			int status;

			if (k == 0 && null_ok(calls[i].name))
				continue;
			if (k >= 5 && !heap_call(calls[i].name))
				continue;
			fflush(stdout);
			pid = fork();
			if (pid < 0)
				abort();
			if (pid == 0) {
				const char *p = NULL;
				long rc;

				if (k == 1)
					p = (const char *)1;
				else if (k == 2)
					p = unmapped_page();
				else if (k == 3)
					p = stale_page();
				else if (k == 4)
					p = crossing();
				else if (k == 5)
					p = heap_end();
				else if (k == 6)
					p = heap_prot();
				else if (k == 7)
					p = ahead_page();
				__asm__("" : "+r"(p));
				errno = 0;
				rc = calls[i].fn(p, d);
				printf("%s(%s): %s\n", calls[i].name, kind,
				       rc < 0 ? errname(errno) : "ok");
				_exit(0);
			}
			if (waitpid(pid, &status, 0) != pid)
				abort();
			if (WIFSIGNALED(status))
				printf("%s(%s): crashed\n", calls[i].name,
				       kind);
		}
	}
	return 0;
}
