/*
 * userns.c - union diff, export and convert --from-overlay read an
 * ordinary user's upper from inside a user namespace of their own.
 *
 * The upper may hold a directory its owner made unsearchable (0600,
 * 0000: `chmod 600 d` in the view); the kernel's overlay reads it with
 * the mounter's credentials, the user's command could not.  Where the
 * kernel lets us, the command unshares a user namespace that maps the
 * caller's uid and gid to 0: it then holds CAP_DAC_READ_SEARCH and
 * CAP_DAC_OVERRIDE over every inode whose owner and group are the
 * caller's, and reads the user's own 0600 directories and 0000 files
 * without changing a mode (lend.c, which lends u+rx to them and so shows
 * the lent mode to the union's other processes, is the fallback where
 * unshare fails: a seccomp'd container, max_user_namespaces=0, a
 * threaded caller).  Another owner's inode is not covered: reading it is
 * what it was outside.
 *
 * Inside, ids are the namespace's: the caller's appear as 0, every other
 * as the overflow id (65534), and a file written in it belongs to the
 * caller outside.  What the commands report or note (a layer's owners,
 * a journal's) must be the real ids, so an "oracle" forked before the
 * unshare stays outside: given a descriptor (O_PATH) of an object with
 * an unmapped owner or group, passed by SCM_RIGHTS, it answers the ids
 * fstat gives outside.  An upper of the user's own needs no question.
 * The oracle's end is the command's (EOF on its socket).
 *
 * Not entered as root (who reads regardless), nor with
 * UNION_TEST_NO_USERNS set (the tests' way to take the fallback).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "union.h"

static struct {
	bool active;
	uid_t uid;		/* the caller's, outside */
	gid_t gid;
	int oracle;		/* the socket to the oracle */
} ns = { .oracle = -1 };

/* The oracle's answer: an errno, or the ids fstat gave outside. */
struct owner {
	int32_t err;
	uint32_t uid, gid;
};

static void __attribute__((noreturn)) oracle(int sock)
{
	un_detach_fds(&sock, 1);
	for (;;) {
		char c, cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &c, 1 };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		struct owner o = { .err = EBADF };
		struct stat st;
		ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		int fd = -1;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		cm = CMSG_FIRSTHDR(&m);
		if (cm && cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		if (fd >= 0 && fstat(fd, &st) == 0) {
			o.err = 0;
			o.uid = st.st_uid;
			o.gid = st.st_gid;
		} else if (fd >= 0) {
			o.err = errno;
		}
		if (fd >= 0)
			close(fd);
		if (send(sock, &o, sizeof(o), MSG_NOSIGNAL) < 0)
			_exit(0);
	}
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(text), n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n != len) {
		int err = n < 0 ? errno : EIO;

		close(fd);
		return -err;
	}
	return close(fd) < 0 ? -errno : 0;
}

int un_userns_enter(void)
{
	int sv[2], ret;
	pid_t pid;
	char map[64];

	if (ns.active || geteuid() == 0 || getenv("UNION_TEST_NO_USERNS"))
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	if (pid == 0) {
		close(sv[0]);
		oracle(sv[1]);
	}
	close(sv[1]);
	ns.uid = geteuid();
	ns.gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0) {
		/* EPERM, EINVAL, ENOSPC, ENOSYS: lend.c does it. */
		close(sv[0]);
		waitpid(pid, NULL, 0);
		return 0;
	}
	/* In a namespace without a map nothing is ours any more: a failure
	   now cannot go back, and fails the command. */
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)ns.uid);
	ret = write_file("/proc/self/uid_map", map);
	if (ret == 0)
		ret = write_file("/proc/self/setgroups", "deny\n");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)ns.gid);
	if (ret == 0)
		ret = write_file("/proc/self/gid_map", map);
	if (ret < 0) {
		close(sv[0]);
		return un_fail(ret, "cannot map the user namespace's ids");
	}
	ns.oracle = sv[0];
	ns.active = true;
	return 1;
}

bool un_userns_active(void)
{
	return ns.active;
}

bool un_userns_covers(const struct stat *st)
{
	return ns.active && st->st_uid == 0 && st->st_gid == 0;
}

uid_t un_real_euid(void)
{
	return ns.active ? ns.uid : geteuid();
}

int un_userns_real_ids(const char *path, struct stat *st)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	struct owner o;
	ssize_t n;
	int fd;

	if (!ns.active || (st->st_uid == 0 && st->st_gid == 0)) {
		if (ns.active) {
			st->st_uid = ns.uid;
			st->st_gid = ns.gid;
		}
		return 0;
	}
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return un_fail(-errno, "cannot read the owner of '%s'", path);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(ns.oracle, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n == 1) {
		do
			n = recv(ns.oracle, &o, sizeof(o), 0);
		while (n < 0 && errno == EINTR);
	}
	if (n != sizeof(o))
		return un_fail(n < 0 ? -errno : -EIO, "cannot read the owner "
			       "of '%s': the helper outside the user "
			       "namespace is gone", path);
	if (o.err)
		return un_fail(-o.err, "cannot read the owner of '%s'", path);
	st->st_uid = o.uid;
	st->st_gid = o.gid;
	return 0;
}

void un_userns_ids(uid_t *uid, gid_t *gid)
{
	if (!ns.active)
		return;
	*uid = *uid == ns.uid ? 0 : (uid_t)-1;
	*gid = *gid == ns.gid ? 0 : (gid_t)-1;
}
