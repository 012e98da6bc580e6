/*
 * supervise.h - the map of union-supervise, the seccomp supervisor.
 *
 * A program that LD_PRELOAD cannot reach (static, or Go) runs under a
 * seccomp filter that sends its path-taking system calls to this
 * process as user notifications.  This process runs with libunion
 * preloaded, so it answers each call by making the same call by name:
 * the library's own lookup, copy-up, whiteout table and merged listings
 * do the work, there is no second implementation of them here.
 *
 *   supervise.c        main: the filter, the child, the loop
 *   supervise_proc.c   the supervised processes: thread -> process,
 *                      their kind (supervised or preloaded), their
 *                      merged cwd; reading and writing their memory;
 *                      turning their path arguments into merged paths
 *   supervise_calls.c  the table of calls, the answer to each (the
 *                      changes: mkdir, unlink, rename, chmod...)
 *   supervise_open.c   open, getdents64 of what was opened
 *   supervise_stat.c   the stat family, readlink
 *   supervise_cwd.c    chdir, fchdir, getcwd
 *   supervise_exec.c   execve, execveat
 *   supervise_sock.c   bind, connect, sendto of unix sockets by path
 *   supervise_block.c  opens and connects that may wait, in threads
 *   supervise_elf.c    what kind of program an executable is
 *
 * Conventions as in the rest of tools/: 0 or -errno.
 */
#ifndef UN_SUPERVISE_H
#define UN_SUPERVISE_H

#include <errno.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ------------------------------------------------------------------ */
/* supervise.c                                                          */

/* The listener and the notification being answered. */
struct sv_call {
	int listener;
	struct seccomp_notif *req;
	struct sv_proc *proc;
	/* a path argument, once read and resolved */
	char abs[PATH_MAX];	/* absolute merged path ("" when longer
				   than PATH_MAX; then dfd is a base) */
	/* What the library is given: path relative to dfd, this
	   process's descriptor of the process's directory (opened here
	   through the library, so that the library follows it even when
	   it was removed), or AT_FDCWD with path == abs, or relative to
	   this process's cwd, made the process's (sv_path fchdir()s). */
	int dfd;
	char path[PATH_MAX];
	bool inside;		/* within some MERGED (lexically) */
	bool relative_cwd;	/* relative to the cwd */
	bool fd_only;		/* empty, AT_EMPTY_PATH: the descriptor's
				   own object (fstat): by its merged path,
				   else (removed) the kernel's */
};

/* How a notification is answered. */
enum sv_verdict {
	SV_CONTINUE,		/* let the kernel do it */
	SV_RETURN,		/* return val (>= 0) or the error -val */
	SV_SENT,		/* answered already (ADDFD with SEND) */
};

struct sv_answer {
	enum sv_verdict verdict;
	int64_t val;
};

/* Is the notification still pending (the memory read is then valid)? */
bool sv_valid(const struct sv_call *c);

/* Say it on stderr, "union-supervise: ...". */
void sv_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */
/* supervise_proc.c                                                     */

enum sv_kind {
	SV_SUPERVISED,		/* its calls are answered here */
	SV_PRELOADED,		/* libunion is in it: continue every call */
};

struct sv_proc {
	pid_t tgid;
	enum sv_kind kind;
	bool kind_known;
	char *cwd;		/* merged cwd, absolute */
	bool cwd_synced;	/* the kernel's cwd is the same directory */
	int cwdfd;		/* when not synced: this process's descriptor
				   of that cwd (O_PATH, through the library) */
	int pidfd;		/* readable when the process has ended */
	/* A Go program with cgo that has the library: the text of libc
	   and of the library, whose calls are the library's own (already
	   through the union) and go on to the kernel. */
	int nlibtext;
	uint64_t libtext[4][2];
};

/* Does the call come from the library's or libc's code? */
bool sv_proc_call_is_library(const struct sv_proc *p, uint64_t ip);

/* The mounts of UNION_LAYERS (merged, upper, lowers). */
int sv_layers_init(void);
/* Is the (absolute, normalised) path within some MERGED? */
bool sv_inside(const char *path);
/* Map a real path (of a layer) to its merged path, in place; false
   when it lies in no layer. */
bool sv_real_to_merged(char *path, size_t size);
/* Does the real path lie in a lower layer (not an upper)? */
bool sv_in_lower(const char *path);

/* The library's file name, to know a preloaded process by its maps. */
int sv_procs_init(const char *libpath, pid_t child, const char *cwd);
/* The process of a thread (made on first sight); NULL if it is gone. */
struct sv_proc *sv_proc_of(pid_t tid);
/* Its kind, worked out when unknown. */
enum sv_kind sv_proc_kind(struct sv_proc *p);
/* Forget its kind (after an exec). */
void sv_proc_forget_kind(struct sv_proc *p);
/* A process's pidfd became readable: drop it. */
void sv_proc_ended(int pidfd);
/* The pidfd of a newly made process, for the loop to watch; -1 none. */
int sv_proc_take_new_pidfd(void);
/* The umask of a thread (022 when unreadable). */
mode_t sv_umask_of(pid_t tid);

/* Copy the NUL-terminated string at addr in the target into buf. */
int sv_read_str(const struct sv_call *c, uint64_t addr, char *buf,
		size_t size);
int sv_read_mem(const struct sv_call *c, uint64_t addr, void *buf,
		size_t len);
int sv_write_mem(const struct sv_call *c, uint64_t addr, const void *buf,
		 size_t len);
/*
 * The path argument at addr, relative to dirfd (AT_FDCWD: the cwd),
 * into c->path (absolute) and c->inside.  An empty path is -ENOENT
 * unless empty_ok.
 */
int sv_path(struct sv_call *c, int dirfd, uint64_t addr, bool empty_ok);
/* The same, of a path already read (rel, shorter than PATH_MAX). */
int sv_path_str(struct sv_call *c, int dirfd, const char *rel, bool empty_ok);
/* The real path the kernel has behind this process's descriptor fd
   (not the library's merged name of it); its length or -errno. */
ssize_t sv_kernel_fd_path(int fd, char *buf, size_t size);
/* That real file opened anew with flags (not through the library). */
int sv_kernel_reopen(int fd, int flags);
/* Collapse "//", "/./" and "/../" of an absolute path lexically into
   out (PATH_MAX). */
void sv_normalise(const char *in, char *out);
/* Make dfd (when not AT_FDCWD) this process's cwd, so that a call
   without an *at form can be given c->path; 0 or -errno. */
int sv_enter(const struct sv_call *c);
/* The merged (or real, outside every layer) path behind fd of the
   target; -EBADF when none. */
int sv_fd_path(const struct sv_call *c, int fd, char *out, size_t size);

/* ------------------------------------------------------------------ */
/* The answers (every supervise_*.c that answers a call)                */

static inline struct sv_answer sv_cont(void)
{
	return (struct sv_answer){ SV_CONTINUE, 0 };
}

static inline struct sv_answer sv_ret(int64_t v)
{
	return (struct sv_answer){ SV_RETURN, v };
}

/* -errno of a libc call's failure, else its result. */
static inline struct sv_answer sv_res(int64_t r)
{
	return sv_ret(r < 0 ? -errno : r);
}

/* Run with the process's umask (a creation); gives the old one back. */
static inline mode_t sv_umask_as(const struct sv_call *c)
{
	return umask(sv_umask_of(c->req->pid));
}

/* One path argument into c; outside MERGED, the kernel's. */
#define SV_ONE_PATH(c, dirfd, arg, empty_ok)                             \
	do {                                                             \
		int e_ = sv_path((c), (dirfd), (arg), (empty_ok));       \
		if (e_ < 0)                                              \
			return sv_ret(e_);                               \
		if (!(c)->inside)                                        \
			return sv_cont();                                \
	} while (0)

/* ------------------------------------------------------------------ */
/* supervise_calls.c: the table of calls, the changes                   */

/* The system calls sent here (SECCOMP_RET_USER_NOTIF). */
extern const int sv_notified[];
extern const size_t sv_notified_n;
/* The ones refused in the filter itself (ENOSYS: libc falls back). */
extern const int sv_enosys[];
extern const size_t sv_enosys_n;

struct sv_answer sv_answer_call(struct sv_call *c);

/* ------------------------------------------------------------------ */
/* supervise_open.c                                                     */

/* open, openat, creat */
struct sv_answer sv_answer_open(struct sv_call *c, int dirfd, uint64_t path,
				int flags, mode_t mode);
/* getdents64 of a directory opened through the union */
struct sv_answer sv_answer_getdents(struct sv_call *c);
/* lseek past SEEK_CUR of a directory opened through the union */
struct sv_answer sv_answer_lseek(struct sv_call *c);
/* This process's descriptor of the target's directory descriptor tfd
   (the same open file, opened here); -1 when there is none. */
int sv_dirs_find(pid_t pid, int tfd);
/* Was the target's tfd given for an O_PATH open? */
bool sv_dirs_o_path(pid_t pid, int tfd);

/* ------------------------------------------------------------------ */
/* supervise_stat.c                                                     */

struct sv_answer sv_answer_stat(struct sv_call *c, int dirfd, uint64_t path,
				uint64_t buf, int flags);
struct sv_answer sv_answer_statx(struct sv_call *c);
struct sv_answer sv_answer_readlink(struct sv_call *c, int dirfd,
				    uint64_t path, uint64_t buf,
				    int64_t size);

/* ------------------------------------------------------------------ */
/* supervise_cwd.c                                                      */

struct sv_answer sv_answer_chdir(struct sv_call *c);
struct sv_answer sv_answer_fchdir(struct sv_call *c);
struct sv_answer sv_answer_getcwd(struct sv_call *c);

/* ------------------------------------------------------------------ */
/* supervise_exec.c                                                     */

struct sv_answer sv_answer_exec(struct sv_call *c, int dirfd, uint64_t path,
				uint64_t argv, int flags);

/* A fifo's stand-in (the real file a descriptor of the target opened
   here shows in /proc) and the merged fifo it stands for. */
void sv_fifo_note(pid_t tgid, int tfd, const char *merged);
/* The merged fifo of the target's descriptor fd when it is such a
   stand-in, into out; false if not. */
bool sv_fifo_merged(pid_t pid, int fd, char *out, size_t size);

/* ------------------------------------------------------------------ */
/* supervise_sock.c                                                     */

/* bind (create) or connect of a unix socket named by a path. */
struct sv_answer sv_answer_socket(struct sv_call *c, bool create);
/* sendto with an address: a datagram to a unix socket named by a
   path. */
struct sv_answer sv_answer_sendto(struct sv_call *c);

/* ------------------------------------------------------------------ */
/* supervise_block.c                                                    */

/* Would opening c's path with flags wait (a fifo, blocking)? */
bool sv_may_block(const struct sv_call *c, int flags);
/* Open c's path in a thread of its own, which answers; 0, or -EAGAIN
   when no thread can be had (then open it here). */
int sv_open_blocking(const struct sv_call *c, int flags, mode_t mode);
/* Look at the waiting opens (interrupt those whose process has a
   signal to take or is gone); how many still wait. */
int sv_block_tick(void);
struct sockaddr_un;
/* Could connecting the socket wait (blocking, not a datagram one)? */
bool sv_connect_may_block(int sock);
/* Connect sock (this process's copy of the target's socket) to addr in
   a thread, which answers, then closes sock and dirfd (the directory
   addr names by /proc/self/fd, or -1); 0, or -EAGAIN when no thread can
   be had (nothing taken: connect here). */
int sv_connect_blocking(const struct sv_call *c, int sock,
			const struct sockaddr_un *addr, socklen_t len,
			int dirfd);
/* The same for a datagram that waits for room at the receiver: sent
   (the data, malloc'd, then freed) by the thread, which answers the
   number of bytes; flags are the process's. */
int sv_send_blocking(const struct sv_call *c, int sock,
		     const struct sockaddr_un *addr, socklen_t len,
		     int dirfd, void *data, size_t dlen, int flags);
#define SV_BLOCK_TICK_MS 20

/* ------------------------------------------------------------------ */
/* supervise_elf.c                                                      */

enum sv_elf {
	SV_ELF_PLAIN,		/* dynamic, file calls through libc */
	SV_ELF_STATIC,		/* no program interpreter */
	SV_ELF_GO,		/* a Go program: raw system calls */
};

enum sv_elf sv_elf_kind(int fd);

#endif
