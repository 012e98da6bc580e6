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
 * The kernel also maps the ids inside the xattrs that hold some (a POSIX
 * ACL's entries, a file capability's root), so export asks the oracle
 * for those values as well, read through its /proc/self/fd link.
 * The oracle's end is the command's (EOF on its socket).
 *
 * Set-id bits read as they are.  A mode set inside (convert putting back
 * what its journal notes) is set by the owner as outside: the set-group-
 * ID bit stays where the user is in the group (the supplementary groups
 * stay; only setgroups(2) is denied), and an unmapped owner or group
 * cannot be named there, so the journal's chown leaves it as it is
 * (un_userns_ids).  trusted.* xattrs stay out of reach, as outside.
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
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/limits.h>

#include "union.h"

static struct {
	bool active;
	uid_t uid;		/* the caller's, outside */
	gid_t gid;
	int oracle;		/* the socket to the oracle */
} ns = { .oracle = -1 };

/*
 * A question to the oracle (one datagram, a descriptor attached): 's'
 * (the owner and group), or 'x' and an xattr's name.  Its answer: an
 * errno, then the two ids or the value.
 */
struct question {
	char op;
	char name[XATTR_NAME_MAX + 1];
};

struct answer {
	int32_t err;
	union {
		uint32_t ids[2];
		char value[XATTR_SIZE_MAX];
	};
};

static void answer(int fd, const struct question *q, size_t qlen,
		   struct answer *a, size_t *alen)
{
	char proc[64];
	struct stat st;
	ssize_t n;

	*alen = sizeof(a->err);
	a->err = EINVAL;
	if (q->op == 's') {
		if (fstat(fd, &st) < 0) {
			a->err = errno;
			return;
		}
		a->err = 0;
		a->ids[0] = st.st_uid;
		a->ids[1] = st.st_gid;
		*alen += sizeof(a->ids);
	} else if (q->op == 'x' && qlen > 1 && !q->name[qlen - 2]) {
		/* (An O_PATH descriptor reads no xattr; its /proc link
		   reaches the inode without a search of its directory.) */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		n = getxattr(proc, q->name, a->value, sizeof(a->value));
		a->err = n < 0 ? errno : 0;
		if (n > 0)
			*alen += n;
	}
}

static void __attribute__((noreturn)) oracle(int sock)
{
	static struct answer a;

	un_detach_fds(&sock, 1);
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct question q;
		struct iovec iov = { &q, sizeof(q) };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		size_t alen = sizeof(a.err);
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
		a.err = EBADF;
		if (fd >= 0) {
			answer(fd, &q, n, &a, &alen);
			close(fd);
		}
		if (send(sock, &a, alen, MSG_NOSIGNAL) < 0)
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

/*
 * Ask the oracle q (qlen bytes) about path: the length of its answer
 * (after a->err), or -errno (said, what says what was asked).
 */
static ssize_t ask(const char *path, const struct question *q, size_t qlen,
		   struct answer *a, const char *what)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)q, qlen };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return un_fail(-errno, "cannot read %s of '%s'", what, path);
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
	if (n == (ssize_t)qlen) {
		do
			n = recv(ns.oracle, a, sizeof(*a), 0);
		while (n < 0 && errno == EINTR);
	}
	if (n < (ssize_t)sizeof(a->err))
		return un_fail(n < 0 ? -errno : -EIO, "cannot read %s of "
			       "'%s': the helper outside the user namespace "
			       "is gone", what, path);
	if (a->err)
		return un_fail(-a->err, "cannot read %s of '%s'", what, path);
	return n - sizeof(a->err);
}

int un_userns_real_ids(const char *path, struct stat *st)
{
	struct question q = { .op = 's' };
	struct answer *a;
	ssize_t n;

	if (!ns.active || (st->st_uid == 0 && st->st_gid == 0)) {
		if (ns.active) {
			st->st_uid = ns.uid;
			st->st_gid = ns.gid;
		}
		return 0;
	}
	a = un_xmalloc(sizeof(*a));
	n = ask(path, &q, 1, a, "the owner");
	if (n >= 0 && n != sizeof(a->ids))
		n = un_fail(-EIO, "cannot read the owner of '%s'", path);
	if (n >= 0) {
		st->st_uid = a->ids[0];
		st->st_gid = a->ids[1];
	}
	free(a);
	return n < 0 ? n : 0;
}

bool un_userns_xattr_has_ids(const char *name)
{
	return ns.active && (!strcmp(name, "system.posix_acl_access") ||
			     !strcmp(name, "system.posix_acl_default") ||
			     !strcmp(name, "security.capability"));
}

ssize_t un_userns_getxattr(const char *path, const char *name, char **val)
{
	struct question q = { .op = 'x' };
	size_t len = strlen(name);
	struct answer *a;
	ssize_t n;

	if (len >= sizeof(q.name))
		return un_fail(-ERANGE, "cannot read the xattr %s of '%s'",
			       name, path);
	memcpy(q.name, name, len + 1);
	a = un_xmalloc(sizeof(*a));
	n = ask(path, &q, 1 + len + 1, a, "an xattr");
	if (n >= 0) {
		*val = un_xrealloc(*val, n + 1);
		memcpy(*val, a->value, n);
	}
	free(a);
	return n;
}

void un_userns_ids(uid_t *uid, gid_t *gid)
{
	if (!ns.active)
		return;
	*uid = *uid == ns.uid ? 0 : (uid_t)-1;
	*gid = *gid == ns.gid ? 0 : (gid_t)-1;
}
