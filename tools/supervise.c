/*
 * supervise.c - union-supervise: run a program that LD_PRELOAD cannot
 * reach (a static program, a Go program) inside the union.
 *
 *	union-supervise PROGRAM ARGV0 [ARG]...
 *
 * Run with libunion preloaded and UNION_LAYERS set (the library's exec
 * starts it so, where it would otherwise refuse the program; see
 * preload/unwrapped.c).  PROGRAM is opened through the union, so it may
 * be a merged path.
 *
 * The child sets PR_SET_NO_NEW_PRIVS, installs a seccomp filter that
 * returns SECCOMP_RET_USER_NOTIF for the path-taking system calls
 * (supervise_calls.c lists them), hands the listener to this process
 * over a socket pair (SCM_RIGHTS) and executes the program; the filter
 * stays with it and every thread and child it makes.  This process
 * answers the notifications one by one (supervise_calls.c) until no
 * process holds the filter any more, and exits as the program did.
 *
 * No root, no namespace, no ptrace: seccomp user notification (Linux
 * 5.0) with SECCOMP_IOCTL_NOTIF_ADDFD and SECCOMP_ADDFD_FLAG_SEND (5.14)
 * and pidfd_open (5.3).  Where the kernel lacks one, the program is not
 * run (status 126), with a message naming what is missing.
 *
 * A process under the filter that has the library (a dynamic program
 * started from a supervised one, with LD_PRELOAD in its environment)
 * still sends its calls here, and every one is let through at once
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE): the library has already put its
 * paths through the union.  It pays a round trip per path call; the
 * processes started outside the supervised tree pay nothing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervise.h"

extern char **environ;

static int listener_fd = -1;
static volatile sig_atomic_t child_pid;

void sv_err(const char *fmt, ...)
{
	char line[PATH_MAX + 512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "union-supervise: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(2, line, (size_t)n) < 0)
		return;
}

bool sv_valid(const struct sv_call *c)
{
	uint64_t id = c->req->id;

	return ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* ---- the filter ---------------------------------------------------- */

#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))

/*
 * The filter: the architecture, the x32 numbers refused, lseek sent
 * only with a whence past SEEK_CUR (SEEK_SET and SEEK_CUR are the hot
 * ones, and the same on a layer's directory as on a merged one), sendto
 * only with an address, then
 * one comparison a call sent (sv_notified) or refused (sv_enosys).
 */
static struct sock_filter *build_filter(size_t *len)
{
	size_t n = sv_notified_n + sv_enosys_n, head = 13, i = 0;
	size_t total = head + n + 3;
	size_t allow = head + n, notif = allow + 1, enosys = allow + 2;
	struct sock_filter *f = calloc(total, sizeof(*f));

	if (!f)
		return NULL;
	f[i++] = STMT(BPF_LD | BPF_W | BPF_ABS,
		      offsetof(struct seccomp_data, arch));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      AUDIT_ARCH_X86_64, 1, 0);
	f[i++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[i++] = STMT(BPF_LD | BPF_W | BPF_ABS,
		      offsetof(struct seccomp_data, nr));
	/* the x32 numbers: not followed, so refused */
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
					    0x40000000,
					    (uint8_t)(enosys - i - 1), 0);
	i++;
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      SYS_lseek, 0, 2);
	/* whence: the low half of args[2] (x86_64 is little-endian) */
	f[i++] = STMT(BPF_LD | BPF_W | BPF_ABS,
		      offsetof(struct seccomp_data, args[2]));
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K,
					    SEEK_CUR, (uint8_t)(notif - i - 1),
					    (uint8_t)(allow - i - 1));
	i++;
	/* sendto: only with an address (args[4], both halves); without
	   one (a connected socket: the hot case) never */
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      SYS_sendto, 0, 4);
	f[i++] = STMT(BPF_LD | BPF_W | BPF_ABS,
		      offsetof(struct seccomp_data, args[4]));
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0,
					    (uint8_t)(notif - i - 1));
	i++;
	f[i++] = STMT(BPF_LD | BPF_W | BPF_ABS,
		      offsetof(struct seccomp_data, args[4]) + 4);
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0,
					    (uint8_t)(allow - i - 1),
					    (uint8_t)(notif - i - 1));
	i++;
	for (size_t k = 0; k < sv_notified_n; k++, i++)
		f[i] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)sv_notified[k],
			(uint8_t)(notif - i - 1), 0);
	for (size_t k = 0; k < sv_enosys_n; k++, i++)
		f[i] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)sv_enosys[k],
			(uint8_t)(enosys - i - 1), 0);
	f[i++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[i++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	f[i++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	*len = i;
	return f;
}

/* ---- the child ----------------------------------------------------- */

static int send_fd(int sock, int fd)
{
	char data = 0;
	struct iovec iov = { &data, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { &data, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	int fd;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * Install the filter and execute the program.  execveat is libc's own,
 * not the library's (which would refuse the program): it is looked up
 * in libc itself.  The exec is the first call sent to the supervisor,
 * from a process that has the library: let through.
 */
static void child(int sock, int progfd, char **argv)
{
	typedef int (*execveat_fn)(int, const char *, char *const[],
				   char *const[], int);
	struct sock_fprog prog;
	struct sock_filter *f;
	execveat_fn real_execveat = NULL;
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	size_t len;
	int fd;

	if (libc)
		real_execveat = (execveat_fn)dlsym(libc, "execveat");
	f = build_filter(&len);
	if (!real_execveat || !f) {
		sv_err("cannot find libc's execveat");
		_exit(126);
	}
	prog.len = (unsigned short)len;
	prog.filter = f;
	/* the mark by which the library knows a supervised process (see
	   preload/supervised.c) */
	setenv("UNION_SUPERVISED", "1", 1);
	/* ldd's variable, which the library renamed for this process
	   (its loader would have listed our libraries and exited), back
	   for the program: a loader run as one (`ld.so PROG`). */
	const char *trace = getenv("UNION_SUPERVISED_LD_TRACE_LOADED_OBJECTS");
	if (trace) {
		setenv("LD_TRACE_LOADED_OBJECTS", trace, 1);
		unsetenv("UNION_SUPERVISED_LD_TRACE_LOADED_OBJECTS");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		sv_err("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		_exit(126);
	}
	/* Once the supervisor has a call, a signal must not interrupt it
	   half done (a file created, then the call restarted by SA_RESTART
	   and failing with EEXIST): only a fatal signal ends the wait
	   (WAIT_KILLABLE_RECV, Linux 5.19; without it, as before). */
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER |
				  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			  &prog);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0) {
		if (errno == EBUSY)
			sv_err("this process runs under a supervisor already");
		else
			sv_err("this kernel cannot supervise a program "
			       "(seccomp user notification, Linux 5.0): %s",
			       strerror(errno));
		_exit(126);
	}
	if (send_fd(sock, fd) < 0)
		_exit(126);
	close(fd);
	close(sock);
	real_execveat(progfd, "", argv, environ, AT_EMPTY_PATH);
	sv_err("%s: %s", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* ---- the loop ------------------------------------------------------ */

static void respond(int listener, struct seccomp_notif_resp *resp,
		    uint64_t id, struct sv_answer a)
{
	resp->id = id;
	resp->flags = 0;
	resp->val = 0;
	resp->error = 0;
	if (a.verdict == SV_SENT)
		return;
	if (a.verdict == SV_CONTINUE)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (a.val < 0)
		resp->error = (int32_t)a.val;
	else
		resp->val = a.val;
	/* ENOENT: the call was interrupted (a signal), or its thread died */
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

static void answer(int listener, struct seccomp_notif *req,
		   struct seccomp_notif_resp *resp)
{
	struct sv_call c = { .listener = listener, .req = req,
			      .dfd = AT_FDCWD };
	struct sv_answer a = { SV_CONTINUE, 0 };
	bool exec = req->data.nr == SYS_execve ||
		    req->data.nr == SYS_execveat;

	c.proc = sv_proc_of((pid_t)req->pid);
	if (!c.proc)
		a = (struct sv_answer){ SV_RETURN, -ESRCH };
	else if (sv_proc_kind(c.proc) == SV_SUPERVISED &&
		 !sv_proc_call_is_library(c.proc,
					  req->data.instruction_pointer))
		a = sv_answer_call(&c);
	if (c.proc && exec && a.verdict == SV_CONTINUE)
		sv_proc_forget_kind(c.proc);
	respond(listener, resp, req->id, a);
}

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int loop(int listener, pid_t pid)
{
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	int ep, status = 0, fd;
	bool reaped = false;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return sv_err("SECCOMP_GET_NOTIF_SIZES: %s", strerror(errno)),
		       125;
	req = calloc(1, sizes.seccomp_notif > sizeof(*req) ?
				sizes.seccomp_notif : sizeof(*req));
	resp = calloc(1, sizes.seccomp_notif_resp > sizeof(*resp) ?
				 sizes.seccomp_notif_resp : sizeof(*resp));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!req || !resp || ep < 0)
		return sv_err("cannot start: %s", strerror(errno)), 125;
	watch(ep, listener);
	for (;;) {
		struct epoll_event evs[16];
		int n;

		while ((fd = sv_proc_take_new_pidfd()) >= 0)
			watch(ep, fd);
		/* while opens wait in their threads, look at them often */
		n = epoll_wait(ep, evs, 16,
			       sv_block_tick() ? SV_BLOCK_TICK_MS : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd != listener) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				if (!reaped &&
				    waitpid(pid, &status, WNOHANG) == pid)
					reaped = true;
				sv_proc_ended(fd);
				continue;
			}
			if (evs[i].events & EPOLLIN) {
				memset(req, 0, sizes.seccomp_notif);
				if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV,
					  req) == 0)
					answer(listener, req, resp);
			} else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
				goto done;	/* no process left */
			}
		}
	}
done:
	while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The library's file, as this process has it mapped. */
static const char *library_path(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "open");
	Dl_info info;

	if (!sym || !dladdr(sym, &info) || !info.dli_fname ||
	    !strstr(info.dli_fname, "libunion"))
		return NULL;
	return info.dli_fname;
}

int main(int argc, char **argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction fwd = { .sa_handler = forward };
	const char *lib;
	char cwd[PATH_MAX];
	int sv[2], progfd, listener;
	pid_t pid;

	if (argc < 3) {
		fputs("usage: union-supervise PROGRAM ARGV0 [ARG]...\n",
		      stderr);
		return 125;
	}
	lib = library_path();
	if (!lib || sv_layers_init() < 0) {
		sv_err("needs libunion preloaded and UNION_LAYERS set");
		return 125;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	progfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (progfd < 0) {
		sv_err("%s: %s", argv[1], strerror(errno));
		return errno == ENOENT ? 127 : 126;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sv_err("socketpair: %s", strerror(errno)), 125;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return sv_err("fork: %s", strerror(errno)), 125;
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], progfd, argv + 2);
	}
	close(sv[1]);
	close(progfd);
	child_pid = pid;
	listener = recv_fd(sv[0]);
	close(sv[0]);
	if (listener < 0) {
		int status = 0;

		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 126;
	}
	listener_fd = listener;
	sigemptyset(&ign.sa_mask);
	sigemptyset(&fwd.sa_mask);
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
	if (sv_procs_init(lib, pid, cwd) < 0)
		return sv_err("out of memory"), 125;
	return loop(listener, pid);
}
