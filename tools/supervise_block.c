/*
 * supervise_block.c - opens that may block (a fifo), and connects that
 * may (a unix stream socket, blocking, to a listener whose backlog is
 * full), each in a thread of its own.
 *
 * The loop answers one notification at a time.  An open of a fifo
 * without O_NONBLOCK waits in the kernel for the other end; made by the
 * loop itself it would stop every supervised process (the one that is
 * to open the other end among them: a deadlock).  So such an open is
 * handed to a thread, which makes it by name (through the library, on a
 * copy of the base descriptor: the loop may close its own meanwhile),
 * injects the descriptor and answers; the loop goes on.  A connect
 * likewise: the thread connects this process's copy of the socket
 * (pidfd_getfd: the same open file) by the name the loop made for it,
 * and answers.
 *
 * Under SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV a signal does not
 * interrupt the waiting process once its call is received: the kernel
 * would have interrupted its open.  So while a thread waits, the loop
 * looks at its process every SV_BLOCK_TICK_MS: when the waiting thread
 * has a signal it can take (pending, not blocked, not ignored), the
 * thread's open is interrupted (SIGUSR2, a handler without SA_RESTART)
 * and the call answered -ERESTARTSYS, which the kernel turns, as for
 * its own interrupted open, into EINTR or a restart by the handler's
 * SA_RESTART.  When the call is gone (the process killed), the open is
 * interrupted and nothing answered.
 *
 * The umask: the loop makes each creation with the process's umask,
 * set around the call (umask is the whole process's: its fs struct,
 * shared by its threads).  So each thread here first takes an fs
 * struct of its own (unshare(CLONE_FS)) and the umask of the process
 * whose call it makes: the loop's umask, set for another process's
 * open, mkdir or bind meanwhile, can never be the one a thread's open
 * creates with (what the library creates for it included), nor a
 * thread's the loop's.  (The cwd is copied too; the threads use their
 * own descriptors as bases.)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervise.h"

#ifndef ERESTARTSYS
#define ERESTARTSYS 512		/* the kernel's, never seen by a process */
#endif

enum { FREE, WAITING, STOP_SIGNAL, STOP_GONE, OPENED, DONE };

struct opener {
	_Atomic int state;
	pthread_t th;
	int listener;
	uint64_t id;
	pid_t tid, tgid;
	int dfd;
	int flags;
	mode_t mode;
	mode_t umask;	/* the process's, read by the loop */
	char path[PATH_MAX];
	char abs[PATH_MAX];
	/* a connect: the socket (this process's copy), its address;
	   -1 for an open */
	int sock;
	struct sockaddr_un addr;
	socklen_t addrlen;
	/* a sendto: its data (malloc'd), length and flags; NULL for a
	   connect */
	void *data;
	size_t dlen;
	int sflags;
};

#define NOPENERS 32
static struct opener openers[NOPENERS];
static bool handler_set;

static void on_usr2(int sig)
{
	(void)sig;
}

static void send_resp(const struct opener *o, int64_t val)
{
	struct seccomp_notif_resp resp = { .id = o->id };

	if (val < 0)
		resp.error = (int32_t)val;
	else
		resp.val = val;
	ioctl(o->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* A connect: as an open, but the answer is 0 (the socket is the
   process's own open file, connected); a sendto: the bytes sent. */
static void *run_connect(struct opener *o)
{
	sigset_t usr2;
	int r, err, st;

	if (o->data)
		r = (int)sendto(o->sock, o->data, o->dlen, o->sflags,
				(struct sockaddr *)&o->addr, o->addrlen);
	else
		r = connect(o->sock, (struct sockaddr *)&o->addr, o->addrlen);
	err = errno;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	st = atomic_exchange(&o->state, OPENED);
	if (r < 0 && err == EINTR && st == STOP_SIGNAL)
		send_resp(o, -ERESTARTSYS);
	else if (st != STOP_GONE)
		send_resp(o, r < 0 ? -err : r);
	free(o->data);
	o->data = NULL;
	close(o->sock);
	if (o->dfd >= 0)
		close(o->dfd);
	atomic_store(&o->state, DONE);
	return NULL;
}

static void *run(void *arg)
{
	struct opener *o = arg;
	struct seccomp_notif_addfd add = { 0 };
	int sfd, tfd, err, st;

	sigset_t usr2;

	/* an fs struct (umask) of this thread's own: see the top */
	if (unshare(CLONE_FS) < 0) {
		sfd = -1;
		err = errno;	/* ENOMEM: answered, never the wrong mode */
	} else {
		umask(o->umask);
		if (o->sock >= 0)
			return run_connect(o);
		sfd = openat(o->dfd, o->path, o->flags | O_CLOEXEC, o->mode);
		err = errno;
	}
	/* From here on not interrupted: SIGUSR2 would cut short ADDFD's
	   wait for the process to take the descriptor (it would not get
	   it, and the fifo's end would close under the other side). */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	st = atomic_exchange(&o->state, OPENED);
	if (sfd < 0 && err == EINTR && st == STOP_SIGNAL) {
		send_resp(o, -ERESTARTSYS);
	} else if (sfd < 0) {
		if (st != STOP_GONE)
			send_resp(o, -err);
	} else {
		add.id = o->id;
		add.flags = SECCOMP_ADDFD_FLAG_SEND;
		add.srcfd = (uint32_t)sfd;
		add.newfd_flags = o->flags & O_CLOEXEC;
		tfd = ioctl(o->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
		if (tfd >= 0)
			sv_fifo_note(o->tgid, tfd, o->abs);
		close(sfd);
	}
	if (o->sock >= 0) {	/* unshare failed: nothing done */
		free(o->data);
		o->data = NULL;
		close(o->sock);
	}
	if (o->dfd >= 0)
		close(o->dfd);
	atomic_store(&o->state, DONE);
	return NULL;
}

bool sv_may_block(const struct sv_call *c, int flags)
{
	struct stat st;

	if (flags & (O_NONBLOCK | O_PATH))
		return false;
	if (fstatat(c->dfd, c->path, &st,
		    flags & O_NOFOLLOW ? AT_SYMLINK_NOFOLLOW : 0) < 0)
		return false;
	return S_ISFIFO(st.st_mode);
}

/* A free opener, the handler set; NULL when all are taken. */
static struct opener *take_opener(void)
{
	if (!handler_set) {
		struct sigaction sa = { .sa_handler = on_usr2 };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR2, &sa, NULL);	/* no SA_RESTART */
		handler_set = true;
	}
	sv_block_tick();	/* frees the finished ones */
	for (int i = 0; i < NOPENERS; i++)
		if (atomic_load(&openers[i].state) == FREE)
			return &openers[i];
	return NULL;
}

/* Start o's thread; 0, or -EAGAIN (o freed). */
static int start(struct opener *o)
{
	atomic_store(&o->state, WAITING);
	/* joinable: its id stays valid for pthread_kill until joined */
	if (pthread_create(&o->th, NULL, run, o)) {
		atomic_store(&o->state, FREE);
		return -EAGAIN;
	}
	return 0;
}

int sv_open_blocking(const struct sv_call *c, int flags, mode_t mode)
{
	struct opener *o = take_opener();

	if (!o)
		return -EAGAIN;	/* the caller opens it itself */
	o->sock = -1;
	o->data = NULL;
	o->listener = c->listener;
	o->id = c->req->id;
	o->tid = (pid_t)c->req->pid;
	o->tgid = c->proc->tgid;
	o->flags = flags;
	o->mode = mode;
	o->umask = sv_umask_of(o->tid);
	strcpy(o->path, c->path);
	strcpy(o->abs, c->abs);
	/* the loop's cwd (a relative path from the process's cwd) moves
	   on: the thread has its own copy of the base */
	o->dfd = AT_FDCWD;
	if (c->dfd != AT_FDCWD)
		o->dfd = fcntl(c->dfd, F_DUPFD_CLOEXEC, 3);
	else if (c->path[0] != '/' && c->proc->cwdfd >= 0)
		o->dfd = fcntl(c->proc->cwdfd, F_DUPFD_CLOEXEC, 3);
	else if (c->path[0] != '/')
		return -EAGAIN;
	if (o->dfd < 0 && o->dfd != AT_FDCWD)
		return -errno;
	if (start(o) < 0) {
		if (o->dfd != AT_FDCWD)
			close(o->dfd);
		return -EAGAIN;
	}
	return 0;
}

bool sv_connect_may_block(int sock)
{
	int type = 0, fl = fcntl(sock, F_GETFL);
	socklen_t len = sizeof(type);

	if (fl < 0 || (fl & O_NONBLOCK))
		return false;	/* EAGAIN at once, as the kernel's */
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return false;
	return type != SOCK_DGRAM;
}

/* A connect (data NULL) or a sendto of sock in a thread. */
static int start_sock(const struct sv_call *c, int sock,
		      const struct sockaddr_un *addr, socklen_t len,
		      int dirfd, void *data, size_t dlen, int flags)
{
	struct opener *o = take_opener();

	if (!o)
		return -EAGAIN;	/* the caller does it itself */
	o->listener = c->listener;
	o->id = c->req->id;
	o->tid = (pid_t)c->req->pid;
	o->tgid = c->proc->tgid;
	o->sock = sock;
	o->umask = sv_umask_of(o->tid);
	o->addr = *addr;
	o->addrlen = len;
	o->dfd = dirfd;
	o->data = data;
	o->dlen = dlen;
	o->sflags = flags;
	return start(o);
}

int sv_connect_blocking(const struct sv_call *c, int sock,
			const struct sockaddr_un *addr, socklen_t len,
			int dirfd)
{
	return start_sock(c, sock, addr, len, dirfd, NULL, 0, 0);
}

int sv_send_blocking(const struct sv_call *c, int sock,
		     const struct sockaddr_un *addr, socklen_t len,
		     int dirfd, void *data, size_t dlen, int flags)
{
	return start_sock(c, sock, addr, len, dirfd, data, dlen, flags);
}

/* A signal the thread can take now: pending, not blocked, not
   ignored (its own or its process's). */
static bool signal_waits(pid_t tgid, pid_t tid)
{
	char name[80], buf[4096], *s;
	unsigned long long pnd = 0, shd = 0, blk = 0, ign = 0;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "/proc/%d/task/%d/status", (int)tgid,
		 (int)tid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if ((s = strstr(buf, "\nSigPnd:")))
		pnd = strtoull(s + 8, NULL, 16);
	if ((s = strstr(buf, "\nShdPnd:")))
		shd = strtoull(s + 8, NULL, 16);
	if ((s = strstr(buf, "\nSigBlk:")))
		blk = strtoull(s + 8, NULL, 16);
	if ((s = strstr(buf, "\nSigIgn:")))
		ign = strtoull(s + 8, NULL, 16);
	return ((pnd | shd) & ~blk & ~ign) != 0;
}

int sv_block_tick(void)
{
	int waiting = 0;

	for (int i = 0; i < NOPENERS; i++) {
		struct opener *o = &openers[i];
		int want, expect = WAITING;
		uint64_t id = o->id;

		switch (atomic_load(&o->state)) {
		case FREE:
			continue;
		case DONE:
			pthread_join(o->th, NULL);
			atomic_store(&o->state, FREE);
			continue;
		case OPENED:
			waiting++;
			continue;
		case STOP_SIGNAL:
		case STOP_GONE:
			/* again: the first may have come before its open */
			waiting++;
			pthread_kill(o->th, SIGUSR2);
			continue;
		default:
			break;
		}
		waiting++;
		if (ioctl(o->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			want = STOP_GONE;
		else if (signal_waits(o->tgid, o->tid))
			want = STOP_SIGNAL;
		else
			continue;
		if (atomic_compare_exchange_strong(&o->state, &expect, want))
			pthread_kill(o->th, SIGUSR2);
	}
	return waiting;
}
