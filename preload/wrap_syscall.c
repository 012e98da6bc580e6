/*
 * wrap_syscall.c - libc's syscall() with a path-taking number.
 *
 * Programs call syscall(SYS_statx, ...), syscall(SYS_renameat2, ...) or
 * syscall(SYS_close_range, ...) where their libc lacked the function (or
 * where their runtime prefers it: libuv stats by syscall(SYS_statx)).
 * Such a call never reaches the named wrapper, so it would see, and
 * change, the real directories.  Here every number whose libc function
 * the library wraps is answered by that wrapper -- the union logic is
 * the named function's, not a copy of it -- with the result turned into
 * syscall()'s convention (-1 and errno; a count where the kernel gives
 * one).  Every other number goes to the real syscall() untouched, after
 * one switch: futex, getrandom and gettid by syscall() are hot in some
 * runtimes.
 *
 * The raw arguments are read as glibc's syscall() reads them: six longs.
 * The named wrappers take the C types; the kernel's structures that the
 * numbers take are libc's own on the 64-bit ABIs this maps (struct stat
 * for stat/newfstatat on x86_64 and aarch64, struct statx, struct
 * statfs, struct utimbuf, struct timespec/timeval).
 *
 * Passed straight through as well: a call libc makes from inside one of
 * our wrappers (the depth guard), a call from the library's own code
 * (whiteout.c issues raw calls on the table), and every call of a
 * process with no union.
 *
 * openat2: without RESOLVE_* flags it is openat with the flags and mode
 * of struct open_how (checked as the kernel checks them).  With them,
 * where the path concerns a union, RESOLVE_CACHED answers EAGAIN (as the
 * kernel does when its cache cannot answer: callers retry without it),
 * RESOLVE_NO_MAGICLINKS alone is kept by the union's lookup (no magic
 * link lies under a MERGED), and the rest answer ENOSYS, the answer of a
 * kernel without openat2 that every caller falls back from.  Newer
 * path-taking numbers that libc has no function for (the *xattrat
 * family, file_getattr/file_setattr, name_to_handle_at, open_tree)
 * answer ENOSYS too where the path concerns a union: never loose.
 */
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>
#include <linux/openat2.h>

#include "wrap.h"

/* Numbers that the headers of older systems may not name; the same on
   every architecture of the unified table (x86_64, aarch64...). */
#if defined(__x86_64__) || defined(__aarch64__)
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467
#endif
#ifndef SYS_file_getattr
#define SYS_file_getattr 468
#define SYS_file_setattr 469
#endif
#endif

/* The kernel's struct stat is libc's on these ABIs. */
#if (defined(__x86_64__) && defined(__LP64__)) || defined(__aarch64__)
#define UN_KSTAT_IS_STAT 1
#endif

static long fail(int err)
{
	errno = err;
	return -1;
}

/*
 * Does the path (relative to dirfd) concern a union: lies in one, or is
 * reached through one?  False only when the kernel would resolve it
 * exactly as given, outside every union.
 */
static bool concerns_union(int dirfd, const char *path, bool follow)
{
	struct un_node n;
	int rc;

	if (!path || !un_enter())
		return false;
	rc = un_lookup(dirfd, path, follow ? UN_LK_FOLLOW : 0, &n);
	un_leave();
	return !(rc > 0 && n.kpath == path);
}

/* The open flags openat2 knows (the kernel's VALID_OPEN_FLAGS). */
#define UN_VALID_OPEN_FLAGS                                                 \
	(O_RDONLY | O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY |       \
	 O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT |    \
	 O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |   \
	 O_PATH | O_SYNC | O_TMPFILE)
#define UN_O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)
#define UN_RESOLVE_ALL                                                      \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |    \
	 RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED)

static long do_openat2(long *a, bool *handled)
{
	int dirfd = (int)a[0];
	const char *path = (const char *)a[1];
	const unsigned char *uhow = (const unsigned char *)a[2];
	size_t size = (size_t)a[3];
	struct open_how how;

	/* The kernel's order: the size, the tail, then the fields. */
	if (size < sizeof(how))
		return fail(EINVAL);
	if (size > 4096)
		return fail(E2BIG);
	if (!uhow)
		return fail(EFAULT);
	for (size_t i = sizeof(how); i < size; i++)
		if (uhow[i])
			return fail(E2BIG);
	memcpy(&how, uhow, sizeof(how));
	if (how.flags & ~(uint64_t)(unsigned)UN_VALID_OPEN_FLAGS)
		return fail(EINVAL);
	if (how.resolve & ~(uint64_t)UN_RESOLVE_ALL)
		return fail(EINVAL);
	if (how.mode & ~(uint64_t)07777)
		return fail(EINVAL);
	if (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE)))
		return fail(EINVAL);
	if ((how.flags & O_PATH) && (how.flags & ~(uint64_t)UN_O_PATH_FLAGS))
		return fail(EINVAL);
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return fail(EINVAL);
	if (!concerns_union(dirfd, path, !(how.flags & O_NOFOLLOW))) {
		*handled = false;
		return 0;
	}
	if (how.resolve & RESOLVE_CACHED)
		return fail(EAGAIN);
	if (how.resolve & ~(uint64_t)RESOLVE_NO_MAGICLINKS)
		return fail(ENOSYS);
	return openat(dirfd, path, (int)how.flags, (mode_t)how.mode);
}

/* getcwd(2) answers the length with its NUL, not the buffer. */
static long do_getcwd(char *buf, size_t size)
{
	if (!buf)
		return fail(EFAULT);
	if (!size)
		return fail(ERANGE);
	if (!getcwd(buf, size))
		return -1;
	return (long)strlen(buf) + 1;
}

/*
 * The named wrapper of a path-taking number; true into *handled when
 * the number is one and answered here, else false (the caller passes it
 * on).
 *
 * An open of a path that concerns no union goes straight to the kernel,
 * unrecorded (fdtab discovers such a descriptor when it must): an
 * allocator opens by syscall() with its own lock held (jemalloc reads
 * /proc/sys/vm/overcommit_memory while it starts), and recording the
 * descriptor would call malloc back.
 */
static long dispatch(long nr, long *a, bool *handled)
{
	*handled = true;
	switch (nr) {
	/* ---- open ---- */
#ifdef SYS_open
	case SYS_open:
		if (!concerns_union(AT_FDCWD, (const char *)a[0],
				    !((int)a[1] & O_NOFOLLOW)))
			break;
		return open((const char *)a[0], (int)a[1], (mode_t)a[2]);
#endif
#ifdef SYS_creat
	case SYS_creat:
		if (!concerns_union(AT_FDCWD, (const char *)a[0], true))
			break;
		return creat((const char *)a[0], (mode_t)a[1]);
#endif
	case SYS_openat:
		if (!concerns_union((int)a[0], (const char *)a[1],
				    !((int)a[2] & O_NOFOLLOW)))
			break;
		return openat((int)a[0], (const char *)a[1], (int)a[2],
			      (mode_t)a[3]);
#ifdef SYS_openat2
	case SYS_openat2:
		return do_openat2(a, handled);
#endif

	/* ---- the stat family ---- */
#ifdef UN_KSTAT_IS_STAT
#ifdef SYS_stat
	case SYS_stat:
		return stat((const char *)a[0], (struct stat *)a[1]);
#endif
#ifdef SYS_lstat
	case SYS_lstat:
		return lstat((const char *)a[0], (struct stat *)a[1]);
#endif
	case SYS_fstat:
		return fstat((int)a[0], (struct stat *)a[1]);
	case SYS_newfstatat:
		return fstatat((int)a[0], (const char *)a[1],
				   (struct stat *)a[2], (int)a[3]);
	case SYS_statfs:
		return statfs((const char *)a[0], (struct statfs *)a[1]);
#endif
	case SYS_statx:
		return statx((int)a[0], (const char *)a[1], (int)a[2],
				 (unsigned)a[3], (struct statx *)a[4]);
#ifdef SYS_access
	case SYS_access:
		return access((const char *)a[0], (int)a[1]);
#endif
	case SYS_faccessat:	/* the kernel's has no flags */
		return faccessat((int)a[0], (const char *)a[1], (int)a[2],
				     0);
#ifdef SYS_faccessat2
	case SYS_faccessat2:
		return faccessat((int)a[0], (const char *)a[1], (int)a[2],
				     (int)a[3]);
#endif
#ifdef SYS_readlink
	case SYS_readlink:
		return readlink((const char *)a[0], (char *)a[1],
				    (size_t)a[2]);
#endif
	case SYS_readlinkat:
		return readlinkat((int)a[0], (const char *)a[1],
				      (char *)a[2], (size_t)a[3]);

	/* ---- names: make, remove, rename ---- */
#ifdef SYS_mkdir
	case SYS_mkdir:
		return mkdir((const char *)a[0], (mode_t)a[1]);
#endif
	case SYS_mkdirat:
		return mkdirat((int)a[0], (const char *)a[1],
				   (mode_t)a[2]);
#ifdef SYS_mknod
	case SYS_mknod:
		return mknod((const char *)a[0], (mode_t)a[1],
				 (dev_t)(unsigned)a[2]);
#endif
	case SYS_mknodat:
		return mknodat((int)a[0], (const char *)a[1],
				   (mode_t)a[2], (dev_t)(unsigned)a[3]);
#ifdef SYS_rmdir
	case SYS_rmdir:
		return rmdir((const char *)a[0]);
#endif
#ifdef SYS_unlink
	case SYS_unlink:
		return unlink((const char *)a[0]);
#endif
	case SYS_unlinkat:
		return unlinkat((int)a[0], (const char *)a[1], (int)a[2]);
#ifdef SYS_link
	case SYS_link:
		return link((const char *)a[0], (const char *)a[1]);
#endif
	case SYS_linkat:
		return linkat((int)a[0], (const char *)a[1], (int)a[2],
				  (const char *)a[3], (int)a[4]);
#ifdef SYS_symlink
	case SYS_symlink:
		return symlink((const char *)a[0], (const char *)a[1]);
#endif
	case SYS_symlinkat:
		return symlinkat((const char *)a[0], (int)a[1],
				     (const char *)a[2]);
#ifdef SYS_rename
	case SYS_rename:
		return rename((const char *)a[0], (const char *)a[1]);
#endif
#ifdef SYS_renameat
	case SYS_renameat:
		return renameat((int)a[0], (const char *)a[1], (int)a[2],
				    (const char *)a[3]);
#endif
	case SYS_renameat2:
		return renameat2((int)a[0], (const char *)a[1], (int)a[2],
				     (const char *)a[3], (unsigned)a[4]);

	/* ---- changes to existing objects ---- */
	case SYS_truncate:
		return truncate((const char *)a[0], (off_t)a[1]);
#ifdef SYS_chmod
	case SYS_chmod:
		return chmod((const char *)a[0], (mode_t)a[1]);
#endif
	case SYS_fchmodat:	/* the kernel's has no flags */
		return fchmodat((int)a[0], (const char *)a[1],
				    (mode_t)a[2], 0);
#ifdef SYS_fchmodat2
	case SYS_fchmodat2:
		return fchmodat((int)a[0], (const char *)a[1],
				    (mode_t)a[2], (int)a[3]);
#endif
	case SYS_fchmod:
		return fchmod((int)a[0], (mode_t)a[1]);
#ifdef SYS_chown
	case SYS_chown:
		return chown((const char *)a[0], (uid_t)a[1],
				 (gid_t)a[2]);
#endif
#ifdef SYS_lchown
	case SYS_lchown:
		return lchown((const char *)a[0], (uid_t)a[1],
				  (gid_t)a[2]);
#endif
	case SYS_fchownat:
		return fchownat((int)a[0], (const char *)a[1],
				    (uid_t)a[2], (gid_t)a[3], (int)a[4]);
	case SYS_fchown:
		return fchown((int)a[0], (uid_t)a[1], (gid_t)a[2]);
	case SYS_utimensat:
		return utimensat((int)a[0], (const char *)a[1],
				     (const struct timespec *)a[2],
				     (int)a[3]);
#ifdef SYS_utimes
	case SYS_utimes:
		return utimes((const char *)a[0],
				  (const struct timeval *)a[1]);
#endif
#ifdef SYS_utime
	case SYS_utime:
		return utime((const char *)a[0],
				 (const struct utimbuf *)a[1]);
#endif
#ifdef SYS_futimesat
	case SYS_futimesat:
		return futimesat((int)a[0], (const char *)a[1],
				     (const struct timeval *)a[2]);
#endif

	/* ---- extended attributes ---- */
	case SYS_setxattr:
		return setxattr((const char *)a[0], (const char *)a[1],
				    (const void *)a[2], (size_t)a[3],
				    (int)a[4]);
	case SYS_lsetxattr:
		return lsetxattr((const char *)a[0], (const char *)a[1],
				     (const void *)a[2], (size_t)a[3],
				     (int)a[4]);
	case SYS_getxattr:
		return getxattr((const char *)a[0], (const char *)a[1],
				    (void *)a[2], (size_t)a[3]);
	case SYS_lgetxattr:
		return lgetxattr((const char *)a[0], (const char *)a[1],
				     (void *)a[2], (size_t)a[3]);
	case SYS_listxattr:
		return listxattr((const char *)a[0], (char *)a[1],
				     (size_t)a[2]);
	case SYS_llistxattr:
		return llistxattr((const char *)a[0], (char *)a[1],
				      (size_t)a[2]);
	case SYS_removexattr:
		return removexattr((const char *)a[0], (const char *)a[1]);
	case SYS_lremovexattr:
		return lremovexattr((const char *)a[0],
					(const char *)a[1]);
	case SYS_fsetxattr:
		return fsetxattr((int)a[0], (const char *)a[1],
				     (const void *)a[2], (size_t)a[3],
				     (int)a[4]);
	case SYS_fremovexattr:
		return fremovexattr((int)a[0], (const char *)a[1]);

	/* ---- directories, the cwd, descriptors ---- */
	case SYS_getdents64:
		return un_getdents(true, (int)a[0], (void *)a[1],
				   (unsigned)a[2]);
#ifdef SYS_getdents
	case SYS_getdents:
		return un_getdents(false, (int)a[0], (void *)a[1],
				   (unsigned)a[2]);
#endif
	case SYS_chdir:
		return chdir((const char *)a[0]);
	case SYS_fchdir:
		return fchdir((int)a[0]);
	case SYS_getcwd:
		return do_getcwd((char *)a[0], (size_t)a[1]);
	/* The pages wrap_mem.c found readable are forgotten by these. */
	case SYS_munmap:
		return munmap((void *)a[0], (size_t)a[1]);
	case SYS_mprotect:
		return mprotect((void *)a[0], (size_t)a[1], (int)a[2]);
	case SYS_mremap:
		return (long)mremap((void *)a[0], (size_t)a[1], (size_t)a[2],
				    (int)a[3], (void *)a[4]);
	/* The library's own descriptors must survive these (wrap_fd.c),
	   and its table of merged paths must follow them. */
	case SYS_close:
		return close((int)a[0]);
#ifdef SYS_close_range
	case SYS_close_range:
		return close_range((unsigned)a[0], (unsigned)a[1],
				       (int)a[2]);
#endif
	case SYS_dup:
		return dup((int)a[0]);
#ifdef SYS_dup2
	case SYS_dup2:
		return dup2((int)a[0], (int)a[1]);
#endif
	case SYS_dup3:
		return dup3((int)a[0], (int)a[1], (int)a[2]);
	case SYS_bind:
		return bind((int)a[0], (const struct sockaddr *)a[1],
				(socklen_t)a[2]);
	case SYS_connect:
		return connect((int)a[0], (const struct sockaddr *)a[1],
				   (socklen_t)a[2]);

	/* ---- exec ---- */
	case SYS_execve:
		return execve((const char *)a[0], (char *const *)a[1],
				  (char *const *)a[2]);
	case SYS_execveat:
		return execveat((int)a[0], (const char *)a[1],
				    (char *const *)a[2], (char *const *)a[3],
				    (int)a[4]);

	/* ---- the credentials' caches (init.c, wrap_cred.c) ---- */
	/* A raw set*id changes the calling thread only (glibc's functions
	   change every thread): the uid is asked every time from then on,
	   and a staged copy's owner is never taken as known (copy_up.c). */
	case SYS_setuid:
	case SYS_setreuid:
	case SYS_setresuid:
		un_self_euid_changed(true);
		un_cred_changed_for_good();
		*handled = false;
		return 0;
	case SYS_setgid:
	case SYS_setregid:
	case SYS_setresgid:
	case SYS_setfsuid:
	case SYS_setfsgid:
		un_cred_changed_for_good();
		*handled = false;
		return 0;
	case SYS_unshare:
		if (a[0] & CLONE_NEWUSER) {
			un_self_euid_changed(true);
			un_cred_changed_for_good();
		}
		*handled = false;
		return 0;
	case SYS_setns:
		if (a[1] == 0 || (a[1] & CLONE_NEWUSER)) {
			un_self_euid_changed(true);
			un_cred_changed_for_good();
		}
		*handled = false;
		return 0;

	/* ---- path-taking numbers with no libc function to reuse ---- */
	case SYS_name_to_handle_at:
#ifdef SYS_open_tree
	case SYS_open_tree:
#endif
#ifdef SYS_setxattrat
	case SYS_setxattrat:
	case SYS_getxattrat:
	case SYS_listxattrat:
	case SYS_removexattrat:
#endif
#ifdef SYS_open_tree_attr
	case SYS_open_tree_attr:
#endif
#ifdef SYS_file_getattr
	case SYS_file_getattr:
	case SYS_file_setattr:
#endif
		if (concerns_union((int)a[0], (const char *)a[1], true))
			return fail(ENOSYS);
		*handled = false;
		return 0;
	}
	*handled = false;
	return 0;
}

/*
 * The library's own code calls syscall() too (whiteout.c makes its table
 * calls raw, some of them where the depth guard is down): a call from
 * inside libunion.so is never the program's.  The linker marks where the
 * object starts and ends.
 */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char _end[] __attribute__((visibility("hidden")));

static bool from_library(const void *ret)
{
	return (const char *)ret >= __ehdr_start && (const char *)ret < _end;
}

/*
 * Six arguments are always read, as glibc's own syscall() does (its sixth
 * from the caller's stack, whatever was passed): a caller passing fewer
 * leaves that slot to be whatever lies there.  ASan, which sees the read
 * land in an instrumented caller's redzone (the fuzzers' callers),
 * would call that an underflow; it is left uninstrumented, like libc's.
 */
__attribute__((no_sanitize_address))
UN_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6], r;
	bool handled;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (__builtin_expect(!real_syscall, 0)) {
		/* Before the library's start-up (another library's
		   constructor): start it, unless it is what is running. */
		if (un_depth == 0)
			un_init();
		if (!real_syscall)
			return fail(ENOSYS);
	}
	/* Only a process with a union, and not libc (nor the library
	   itself) calling from inside a wrapper. */
	if (un_depth > 0 || from_library(__builtin_return_address(0)))
		goto real;
	if (__builtin_expect(un_sigdepth > 0, 0)) {
		if (!__atomic_load_n(&un_active, __ATOMIC_ACQUIRE))
			goto real;
	} else {
		un_init();
		if (!un_active)
			goto real;
	}
	r = dispatch(nr, a, &handled);
	if (handled)
		return r;
real:
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
