/*
 * supervise_sock.c - bind, connect and sendto of unix sockets named by
 * a path in a union.
 *
 * The filter cannot read a sockaddr, so every bind and connect of a
 * supervised process comes here.  One that is not AF_UNIX, is unnamed
 * (autobind) or abstract, or names a path outside every MERGED goes on
 * to the kernel.  Else the call is made here, by name, so the library
 * (preloaded in this process) finds the socket file (connect) or
 * creates it in the upper, its directories copied up (bind), as for a
 * preloaded program (preload/wrap_open.c, "AF_UNIX sockets named in a
 * union"): on this process's copy of the process's socket, taken with
 * pidfd_getfd (Linux 5.6; the same open file, so the process's socket
 * is the one bound or connected).  pidfd_getfd needs what ptrace would
 * (PTRACE_MODE_ATTACH_REALCREDS): the supervisor has the process's uid
 * and is its ancestor, so Yama's ptrace_scope 1 allows it too; a
 * process made undumpable is refused (EPERM, said).
 *
 * A connect that may wait (a blocking stream socket: a listener whose
 * backlog is full makes it wait for an accept) is first tried here with
 * the socket's send timeout, which bounds that wait, at its shortest (a
 * tick); when the listener is full it fails so, unconnected, and is
 * made again in a thread of its own, as a fifo's open
 * (supervise_block.c), so the loop goes on and a signal interrupts it
 * as it would the kernel's.  (A thread for every connect would cost a
 * millisecond each on a busy machine; the try costs two setsockopt.)
 *
 * A datagram sent with an address (sendto: the filter sends only those
 * with one) to a unix datagram socket named by a path inside MERGED is
 * sent from here likewise, the data read from the process (the kernel's
 * for another family, socket type, or a path outside); one that would
 * wait for room at the receiver is sent by a thread.  The receiver's
 * SCM_CREDENTIALS then name this process's pid (uid and gid are the
 * same).
 *
 * The socket's own name (getsockname, accept, getpeername) is the real
 * path of the layer, as for a preloaded program; sendmsg with an address
 * is not seen (docs/SUPERVISE.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervise.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define ARG(i) (c->req->data.args[i])
#define IARG(i) ((int)c->req->data.args[i])

/*
 * The address the library is given for c->path: the path itself when
 * it fits sun_path (and is absolute, when another thread is to use it:
 * this process's cwd moves on), else its directory opened here through
 * the library and named /proc/self/fd/N/NAME (the library follows
 * such a name to the directory's merged path); *dirfd is then N, for
 * the caller to close.  0 or -errno.
 */
static int library_addr(const struct sv_call *c, bool elsewhere,
			struct sockaddr_un *out, socklen_t *len, int *dirfd)
{
	const char *slash = strrchr(c->path, '/');
	char dir[PATH_MAX];
	size_t n;

	*dirfd = -1;
	memset(out, 0, sizeof(*out));
	out->sun_family = AF_UNIX;
	if (strlen(c->path) < sizeof(out->sun_path) &&
	    (c->path[0] == '/' || !elsewhere)) {
		strcpy(out->sun_path, c->path);
	} else {
		if (!slash)
			strcpy(dir, ".");
		else if (slash == c->path)
			strcpy(dir, "/");
		else
			snprintf(dir, sizeof(dir), "%.*s",
				 (int)(slash - c->path), c->path);
		*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*dirfd < 0)
			return -errno;
		n = (size_t)snprintf(out->sun_path, sizeof(out->sun_path),
				     "/proc/self/fd/%d/%s", *dirfd,
				     slash ? slash + 1 : c->path);
		if (n >= sizeof(out->sun_path)) {
			close(*dirfd);
			*dirfd = -1;
			return -ENAMETOOLONG;
		}
	}
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(out->sun_path) + 1);
	return 0;
}

/*
 * Connect sock, waiting at most a tick: -EAGAIN, nothing done, when the
 * listener's backlog is full (then the thread connects).  The process
 * could see the short timeout only by asking for it (getsockopt) in
 * another thread meanwhile.
 */
static int connect_briefly(int sock, const struct sockaddr_un *addr,
			   socklen_t len)
{
	struct timeval old, tick = { 0, 1 };
	socklen_t olen = sizeof(old);
	int r, err;

	if (getsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &old, &olen) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tick,
		       sizeof(tick)) < 0)
		return -EAGAIN;
	r = connect(sock, (const struct sockaddr *)addr, len);
	err = r < 0 ? -errno : 0;
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &old, sizeof(old));
	return err;
}

/*
 * The unix path the address at ARG(ai), of length ARG(ai + 1), names,
 * into c (c->path, c->inside): 0 inside a MERGED, 1 for the kernel
 * (unnamed, abstract, another family, a length or pointer the kernel
 * refuses, outside every MERGED), or -errno to answer.
 */
static int unix_target(struct sv_call *c, int ai)
{
	struct sockaddr_un sa;
	char name[sizeof(sa.sun_path) + 1];
	socklen_t len = (socklen_t)ARG(ai + 1);
	size_t plen;
	int err;

	if (!ARG(ai) || len <= offsetof(struct sockaddr_un, sun_path) ||
	    len > sizeof(sa))
		return 1;
	memset(&sa, 0, sizeof(sa));
	if (sv_read_mem(c, ARG(ai), &sa, len) < 0)
		return 1;
	if (sa.sun_family != AF_UNIX || sa.sun_path[0] == '\0')
		return 1;
	plen = len - offsetof(struct sockaddr_un, sun_path);
	memcpy(name, sa.sun_path, plen);
	name[plen] = '\0';
	err = sv_path_str(c, AT_FDCWD, name, false);
	if (err < 0)
		return err;
	return c->inside ? 0 : 1;
}

/*
 * This process's copy of the process's unix socket ARG(0) (pidfd_getfd:
 * the same open file) into *sock: 0, 1 for the kernel (no such
 * descriptor, not a unix socket), or -errno to answer.
 */
static int take_socket(struct sv_call *c, const char *what, int *sock)
{
	int domain = 0, err;
	socklen_t olen = sizeof(domain);

	*sock = -1;
	errno = ESRCH;	/* no pidfd: the process could not be followed */
	if (c->proc->pidfd >= 0)
		*sock = (int)syscall(SYS_pidfd_getfd, c->proc->pidfd, IARG(0),
				     0);
	if (*sock < 0 && errno == EBADF && c->proc->pidfd >= 0)
		return 1;	/* no such descriptor: the kernel's EBADF */
	if (*sock < 0) {
		err = errno;
		sv_err("cannot %s a socket in the union for process %d "
		       "(pidfd_getfd: %s)", what, (int)c->proc->tgid,
		       strerror(err));
		return -EPERM;	/* never loose in the layers */
	}
	/* not a socket, or not a unix one: the kernel's answer, before
	   anything is made in the union */
	if (getsockopt(*sock, SOL_SOCKET, SO_DOMAIN, &domain, &olen) < 0 ||
	    domain != AF_UNIX) {
		close(*sock);
		*sock = -1;
		return 1;
	}
	return 0;
}

struct sv_answer sv_answer_socket(struct sv_call *c, bool create)
{
	struct sockaddr_un addr;
	socklen_t alen;
	int sock, dirfd, r, err;
	bool wait;
	mode_t old;

	err = unix_target(c, 1);
	if (err)
		return err > 0 ? sv_cont() : sv_ret(err);
	err = take_socket(c, create ? "bind" : "connect", &sock);
	if (err)
		return err > 0 ? sv_cont() : sv_ret(err);
	if (!sv_valid(c)) {
		close(sock);
		return sv_ret(-EINTR);	/* gone meanwhile: not answered */
	}
	wait = !create && sv_connect_may_block(sock);
	err = library_addr(c, wait, &addr, &alen, &dirfd);
	if (err < 0) {
		close(sock);
		return sv_ret(err);
	}
	if (wait) {
		r = connect_briefly(sock, &addr, alen);
		if (r == -EAGAIN &&
		    sv_connect_blocking(c, sock, &addr, alen, dirfd) == 0)
			return (struct sv_answer){ SV_SENT, 0 };
		if (r == -EAGAIN)	/* no thread to be had: wait here */
			r = connect(sock, (struct sockaddr *)&addr, alen) < 0 ?
				    -errno : 0;
	} else if (create) {
		/* the socket file's mode is the process's umask's (and the
		   socket's own mode's: the same socket); the loop's umask
		   is no other thread's (supervise_block.c unshares it) */
		old = umask(sv_umask_of(c->req->pid));
		r = bind(sock, (struct sockaddr *)&addr, alen) < 0 ? -errno : 0;
		umask(old);
	} else {
		r = connect(sock, (struct sockaddr *)&addr, alen) < 0 ? -errno
								       : 0;
	}
	close(sock);
	if (dirfd >= 0)
		close(dirfd);
	return sv_ret(r);
}

/* The most a datagram can hold (a unix socket's send buffer cannot
   exceed twice net.core.wmem_max; the kernel says EMSGSIZE beyond). */
#define SV_DGRAM_MAX (64u << 20)

struct sv_answer sv_answer_sendto(struct sv_call *c)
{
	struct sockaddr_un addr;
	socklen_t alen;
	size_t n = (size_t)ARG(2);
	int sock, dirfd, err, type = 0, fl, flags = IARG(3);
	socklen_t tlen = sizeof(type);
	ssize_t r;
	char *data;

	err = unix_target(c, 4);
	if (err)
		return err > 0 ? sv_cont() : sv_ret(err);
	err = take_socket(c, "send on", &sock);
	if (err)
		return err > 0 ? sv_cont() : sv_ret(err);
	/* a stream or seqpacket socket never looks the address up
	   (EISCONN, EOPNOTSUPP...): the kernel's */
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_DGRAM || n > SV_DGRAM_MAX) {
		close(sock);
		return type == SOCK_DGRAM ? sv_ret(-EMSGSIZE) : sv_cont();
	}
	data = malloc(n ? n : 1);
	if (!data) {
		close(sock);
		return sv_ret(-ENOMEM);
	}
	if (n && sv_read_mem(c, ARG(1), data, n) < 0) {
		free(data);
		close(sock);
		return sv_ret(-EFAULT);
	}
	if (!sv_valid(c)) {
		free(data);
		close(sock);
		return sv_ret(-EINTR);	/* gone meanwhile: not answered */
	}
	err = library_addr(c, true, &addr, &alen, &dirfd);
	if (err < 0) {
		free(data);
		close(sock);
		return sv_ret(err);
	}
	/* never wait here: a receiver whose queue is full makes a
	   blocking sender wait, in a thread then (as a connect) */
	r = sendto(sock, data, n, flags | MSG_DONTWAIT,
		   (struct sockaddr *)&addr, alen);
	err = r < 0 ? errno : 0;
	fl = fcntl(sock, F_GETFL);
	if (r < 0 && err == EAGAIN && !(flags & MSG_DONTWAIT) && fl >= 0 &&
	    !(fl & O_NONBLOCK) &&
	    sv_send_blocking(c, sock, &addr, alen, dirfd, data, n,
			     flags) == 0)
		return (struct sv_answer){ SV_SENT, 0 };
	if (r < 0 && err == EAGAIN && !(flags & MSG_DONTWAIT) && fl >= 0 &&
	    !(fl & O_NONBLOCK)) {	/* no thread to be had: wait here */
		r = sendto(sock, data, n, flags, (struct sockaddr *)&addr,
			   alen);
		err = r < 0 ? errno : 0;
	}
	free(data);
	close(sock);
	if (dirfd >= 0)
		close(dirfd);
	return sv_ret(r < 0 ? -err : r);
}
