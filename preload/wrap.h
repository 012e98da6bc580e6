/*
 * wrap.h - what every wrapper file shares: the edge where internal
 * -errno results become errno, and small translators of *at flags.
 */
#ifndef UN_WRAP_H
#define UN_WRAP_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"

/* Set errno from an internal -errno result; the wrapper's -1. */
static inline int un_fail(int rc)
{
	errno = -rc;
	return -1;
}

/*
 * glibc declares some path parameters nonnull that the kernel accepts as
 * NULL (utimensat); launder the pointer so the test is not optimised out.
 */
static inline const char *un_launder(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/*
 * NULL or "": the forms AT_EMPTY_PATH gives to the descriptor itself.
 * A string the library may not read is neither (its lookup answers
 * EFAULT, see un_user_str).
 */
static inline bool un_path_empty(const char *p)
{
	p = un_launder(p);
	return !p || un_user_str(p) == 0;
}

/* The lookup flags an *at call's flags ask for. */
static inline int un_at_follow(int flags)
{
	return (flags & AT_SYMLINK_NOFOLLOW) ? 0 : UN_LK_FOLLOW;
}

static inline int un_at_empty(int flags)
{
	return (flags & AT_EMPTY_PATH) ? UN_LK_EMPTY : 0;
}

/* Post-processing hooks of UN_READ rows. */
static inline void un_fix_none(const struct un_node *n, int unused)
{
	(void)n;
	(void)unused;
}

/* True when the caller may treat objects of lower layers as their own
 * (an unprivileged user; see DESIGN.md, Permissions). */
static inline bool un_unprivileged(void)
{
	return un_self_euid() != 0;
}

/* dir.c: creation bookkeeping shared by the wrappers. */
UN_HIDDEN int un_make_prepare(struct un_node *n, bool isdir);
UN_HIDDEN void un_make_done(struct un_node *n, bool isdir);
UN_HIDDEN int un_make_dots(int dirfd, const char *path, struct un_node *n);

/* mounts.c: open a mount table (/proc/self/mountinfo...) with the
   unions listed as overlay mounts; -ENOENT when path is not one. */
UN_HIDDEN int un_mounts_open(const char *path, int flags);

/* wrap_simple.c: a chown the kernel refuses before it would copy n up
   (an unprivileged caller's chown_ok and chgrp_ok: EPERM, or EROFS in a
   read-only union); 0 to go on.  ids is UN_IDS(uid, gid); n NULL: 0. */
#define UN_IDS(uid, gid) \
	(((unsigned long long)(uid_t)(uid) << 32) | (gid_t)(gid))
UN_HIDDEN int un_pre_chown(const struct un_node *n, unsigned long long ids);

/* wrap_xattr.c: an xattr change the kernel refuses before it would copy
   n up (fsetxattr, fremovexattr); change is (uintptr_t) a pointer to
   struct un_xattr_change.  0 to go on, or -errno. */
struct un_xattr_change {
	const char *name;
	size_t size;
	int flags;
	bool removing;
};
UN_HIDDEN int un_pre_xattr(const struct un_node *n, unsigned long long change);
/* The xattr name to give the kernel for fd: a user's trusted.overlay.X
   escaped (buf) when fd is an object of a union, as through a path. */
UN_HIDDEN const char *un_fd_xattr_name(int fd, const char *name, char *buf,
				       size_t len);

/* vfs_utimes refuses a bad nanosecond count after the lookup, before
   it would change (and the overlay copy up) anything. */
static inline bool un_nsec_bad(long nsec)
{
	return nsec != UTIME_NOW && nsec != UTIME_OMIT &&
	       (nsec < 0 || nsec > 999999999);
}

/* wrap_fd.c: before a change through fd, copy its object up if it lies
   in a lower (fd is re-pointed); 0 or -errno. */
UN_HIDDEN int un_fd_copy_up(int fd);

/* fifo.c: open the fifo n through its stand-in (fd or -errno);
   the fifo behind a descriptor so opened (0, n filled), 1 when fd is not
   one, or -errno (named: for a change, -EISDIR or -EIO where the kernel's
   copy-up of it fails so). */
UN_HIDDEN int un_fifo_open(const struct un_node *n, int flags);
UN_HIDDEN int un_fifo_object(int fd, struct un_node *n, bool named);
/* Copy up the fifo un_fifo_object(named) gave, to its name even where
   the name now shows something else (as the kernel): 0 or -errno. */
UN_HIDDEN int un_fifo_copy_up(struct un_node *n);
/* A lower fifo (stat old) was copied up (stat copy, at path): its
   stand-in, held or not, becomes the copy's, and so do the process's
   O_PATH descriptors of it. */
UN_HIDDEN void un_fifo_copied_up(const struct un_mount *m,
				 const struct stat *old,
				 const struct stat *copy, const char *path);
/* Is real (un_fifo_object's n->real) the /proc path of the O_PATH
   descriptor of an unlinked fifo?  Then calls on it must follow it. */
UN_HIDDEN bool un_fifo_held_path(const char *real);
/* Point n->real at the /proc path of fd's O_PATH descriptor, when that
   holds n's fifo (n->st): 0, or -EACCES. */
UN_HIDDEN int un_fifo_held(int fd, struct un_node *n);
/* The O_PATH descriptors paired with stand-in descriptors (fifo.c): the
   stand-in fd was closed (or the range); fd was dup'ed to nfd; is fd
   one of them; the list of them (at most max, the count); the program
   takes the number fd: move ours away. */
UN_HIDDEN void un_fifo_forget(int fd);
UN_HIDDEN void un_fifo_forget_range(unsigned first, unsigned last);
UN_HIDDEN void un_fifo_dup(int fd, int nfd);
UN_HIDDEN bool un_fifo_owns_fd(int fd);
UN_HIDDEN int un_fifo_fds(int *fds, int max);
UN_HIDDEN void un_fifo_vacate_fd(int fd);

/* wrap_fd.c: is fd one of the library's own descriptors (the depth
   guard not asked)? */
UN_HIDDEN bool un_lib_owns_fd(int fd);

/* proc_fds.c: is path (outside every union) /proc/self/fd, fdinfo, or
   the same of this process by its pid, thread-self or a task?  Then
   readdir.c lists it without the names un_proc_fd_hidden says are the
   library's descriptors.  (The first test inline: a directory outside
   every union pays a compare or two.) */
UN_HIDDEN bool un_proc_fd_dir_slow(const char *path);
UN_HIDDEN bool un_proc_fd_hidden(const char *name);
static inline bool un_proc_fd_dir(const char *path)
{
	/* (Byte by byte: no call, and most paths part at the second.) */
	return __builtin_expect(path[0] == '/' && path[1] == 'p' &&
					path[2] == 'r' && path[3] == 'o' &&
					path[4] == 'c' && path[5] == '/',
				0) &&
	       un_proc_fd_dir_slow(path);
}

/* wrap_open.c: open a merged path (the common body of the open family). */
UN_HIDDEN int un_open(int dirfd, const char *path, int flags, mode_t mode);

/*
 * exec.c: the environment a child needs to stay in the union, built in
 * caller-provided room (entries pointers, bytes of strings).
 */
UN_HIDDEN void un_exec_env_size(char *const envp[], size_t *entries,
				size_t *bytes);
UN_HIDDEN void un_exec_env(char *const envp[], char **env, char *buf,
			   size_t bytes);

/*
 * unwrapped.c: 0 when the program at real may run, or -EPERM (after one
 * line on stderr) when LD_PRELOAD cannot follow it (static, setuid).  A
 * static or Go program is run under the supervisor instead where there
 * is one (argv: the arguments it gets): then it does not return.
 */
UN_HIDDEN int un_exec_check(const char *real, const char *shown,
			    bool in_union, char *const argv[],
			    char *const envp[]);
/* The same for a path outside every union: -ENOENT or -ENOTDIR, without
   the exec, when nothing is there. */
UN_HIDDEN int un_exec_check_outside(const char *real, const char *shown,
				    char *const argv[], char *const envp[]);

/*
 * Whether the program at real is a dynamic one that passed the check
 * before, unchanged since (one stat): it may run without the check.
 * un_exec_memo_fork, before a fork: what the children found is taken
 * into this process's memory, which the next children read.
 */
UN_HIDDEN bool un_exec_known(const char *real);
/* The same for a program the lookup has just stat'ed (a regular file:
   its lstat is its stat), without a stat of its own. */
UN_HIDDEN bool un_exec_known_st(const struct stat *st);
UN_HIDDEN void un_exec_memo_fork(void);

/*
 * The same in two steps, for a caller that reads the file's start
 * itself (exec.c: its #! line), so that the program is opened and read
 * once: un_exec_head_read opens real and reads its first bytes into h
 * (h->fd -1 when it cannot be opened: the exec will say why);
 * un_exec_check_head checks the program h holds, and closes h->fd.
 */
struct un_exec_head {
	int fd;
	size_t n;			/* bytes of the file in buf */
	unsigned char buf[1024];
};
UN_HIDDEN void un_exec_head_read(const char *real, struct un_exec_head *h);
UN_HIDDEN int un_exec_check_head(struct un_exec_head *h, const char *real,
				 const char *shown, bool in_union,
				 char *const argv[], char *const envp[]);

/*
 * supervised.c: execute the supervisor ($UNION_SUPERVISOR, from envp or
 * ours) on the program at real; returns -errno only when it cannot
 * (-ENOENT: there is no supervisor), 1 without executing anything when
 * this process runs under the supervisor already (the program will too:
 * the filter is inherited, and one supervisor is all a process tree may
 * have).
 */
UN_HIDDEN int un_exec_supervised(const char *real, char *const argv[],
				 char *const envp[]);

/*
 * dents.c: getdents64 (is64) or the old getdents on fd, for syscall():
 * the union's listing of a directory of a union, the kernel's elsewhere;
 * the bytes written, or -1 and errno.
 */
UN_HIDDEN long un_getdents(bool is64, int fd, void *buf, unsigned int count);
/* The program closed fd: the listing un_getdents kept for it goes. */
UN_HIDDEN void un_dents_forget(int fd);

/* wrap_watch.c: the program closed fd (or fds first..last): forget the
   inotify instance it was, if it was one we translate. */
UN_HIDDEN void un_watch_closed(int fd);
UN_HIDDEN void un_watch_closed_range(unsigned first, unsigned last);

/* watch_ident.c: in a process that watches a lower regular file, its
   upper copies answer the lower file's st_dev/st_ino (tail -F takes a
   changed identity for a replaced file).  un_watch_ident_on: any kept
   (one load); _node, _fd: *dev and *ino set to the lower file's when n
   (fd) is the copy of one kept, else untouched (one getxattr);
   _watched: the program's watch goes on n (under watch_lock). */
extern UN_HIDDEN int un_watch_nident;
static inline bool un_watch_ident_on(void)
{
	return __atomic_load_n(&un_watch_nident, __ATOMIC_RELAXED) != 0;
}
UN_HIDDEN void un_watch_ident_watched(const struct un_node *n);
UN_HIDDEN __attribute__((noinline)) void
un_watch_ident_node(const struct un_node *n, dev_t *dev, ino_t *ino);
UN_HIDDEN void un_watch_ident_fd(int fd, dev_t *dev, ino_t *ino);

#endif /* UN_WRAP_H */
