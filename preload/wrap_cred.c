/*
 * wrap_cred.c - the calls that change the effective uid, for its cache.
 *
 * init.c keeps the effective uid (un_self_euid) rather than ask the
 * kernel on every change of a name.  These are the ways a process
 * changes its own: glibc's set*id functions, which change every thread
 * (the cache is forgotten once the call has returned, before the caller
 * goes on), and a move into another user namespace, whose map may be
 * written later by another process (the cache is given up for good,
 * before the call).  The raw numbers through syscall() are in
 * wrap_syscall.c.  setfsuid and the group ids leave the effective uid
 * alone.
 */
#include <sched.h>
#include <unistd.h>

#include "wrap.h"

/* Forget the uid after a set*id call; errno is the call's. */
static int changed(int rc)
{
	un_self_euid_changed(false);
	return rc;
}

UN_EXPORT int setuid(uid_t uid)
{
	return changed(real_setuid(uid));
}

UN_EXPORT int seteuid(uid_t euid)
{
	return changed(real_seteuid(euid));
}

UN_EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	return changed(real_setreuid(ruid, euid));
}

UN_EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	return changed(real_setresuid(ruid, euid, suid));
}

UN_EXPORT int unshare(int flags)
{
	if (flags & CLONE_NEWUSER)
		un_self_euid_changed(true);
	return real_unshare(flags);
}

/* nstype 0 takes any namespace, a user namespace too. */
UN_EXPORT int setns(int fd, int nstype)
{
	if (nstype == 0 || (nstype & CLONE_NEWUSER))
		un_self_euid_changed(true);
	return real_setns(fd, nstype);
}
