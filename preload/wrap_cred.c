/*
 * wrap_cred.c - the calls that change the process's credentials, for the
 * caches kept of them.
 *
 * init.c keeps the effective uid (un_self_euid) rather than ask the
 * kernel on every change of a name, and copy_up.c the owner a staged
 * directory gets (un_cred_stamp below).  These are the ways a process
 * changes its own: glibc's set*id functions, which change every thread
 * (the cache is forgotten once the call has returned, before the caller
 * goes on), setfsuid and setfsgid, which change the calling thread's
 * only, and a move into another user namespace, whose map may be
 * written later by another process (the caches are given up for good,
 * before the call).  The raw numbers through syscall() are in
 * wrap_syscall.c.
 */
#include <sched.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "wrap.h"

/*
 * The credentials' stamp: a count of the changes made (the low 48 bits)
 * and of those in flight (the high 16).  Every wrapper raises both
 * before the real call and lowers the second after it, so a thread that
 * reads the same word, with nothing in flight, before and after a
 * system call knows that no wrapped change reached the kernel between
 * the two reads (a change in flight at the first read shows there; one
 * begun after it moved the count by the second).  A plain variable: a
 * fork's child inherits its parent's credentials with it; a vfork
 * child's changes move its parent's count too, which only makes the
 * parent ask again.
 */
#define CRED_INFLIGHT ((uint64_t)1 << 48)

static uint64_t cred_word;
static bool cred_never;	/* a change the wrappers cannot see: for good */

uint64_t un_cred_stamp(void)
{
	uint64_t w = __atomic_load_n(&cred_word, __ATOMIC_SEQ_CST);

	if (w >= CRED_INFLIGHT ||
	    __atomic_load_n(&cred_never, __ATOMIC_RELAXED))
		return 0;
	return w + 1;
}

void un_cred_changed_for_good(void)
{
	__atomic_store_n(&cred_never, true, __ATOMIC_SEQ_CST);
}

static void cred_begin(void)
{
	__atomic_add_fetch(&cred_word, CRED_INFLIGHT + 1, __ATOMIC_SEQ_CST);
}

/* The end of a change of the group ids or the fs ids; rc and errno are
   the call's. */
static int cred_end(int rc)
{
	__atomic_sub_fetch(&cred_word, CRED_INFLIGHT, __ATOMIC_SEQ_CST);
	return rc;
}

/* The end of a change of the uids: the effective uid is asked again. */
static int uid_end(int rc)
{
	cred_end(rc);
	un_self_euid_changed(false);
	return rc;
}

UN_EXPORT int setuid(uid_t uid)
{
	cred_begin();
	return uid_end(real_setuid(uid));
}

UN_EXPORT int seteuid(uid_t euid)
{
	cred_begin();
	return uid_end(real_seteuid(euid));
}

UN_EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	cred_begin();
	return uid_end(real_setreuid(ruid, euid));
}

UN_EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	cred_begin();
	return uid_end(real_setresuid(ruid, euid, suid));
}

UN_EXPORT int setgid(gid_t gid)
{
	cred_begin();
	return cred_end(real_setgid(gid));
}

UN_EXPORT int setegid(gid_t egid)
{
	cred_begin();
	return cred_end(real_setegid(egid));
}

UN_EXPORT int setregid(gid_t rgid, gid_t egid)
{
	cred_begin();
	return cred_end(real_setregid(rgid, egid));
}

UN_EXPORT int setresgid(gid_t rgid, gid_t egid, gid_t sgid)
{
	cred_begin();
	return cred_end(real_setresgid(rgid, egid, sgid));
}

/* The fs ids: the calling thread's only (glibc makes the system call
   alone), and they leave the effective uid alone. */
UN_EXPORT int setfsuid(uid_t fsuid)
{
	cred_begin();
	return cred_end(real_setfsuid(fsuid));
}

UN_EXPORT int setfsgid(gid_t fsgid)
{
	cred_begin();
	return cred_end(real_setfsgid(fsgid));
}

UN_EXPORT int unshare(int flags)
{
	if (flags & CLONE_NEWUSER) {
		un_self_euid_changed(true);
		un_cred_changed_for_good();
	}
	return real_unshare(flags);
}

/* nstype 0 takes any namespace, a user namespace too. */
UN_EXPORT int setns(int fd, int nstype)
{
	if (nstype == 0 || (nstype & CLONE_NEWUSER)) {
		un_self_euid_changed(true);
		un_cred_changed_for_good();
	}
	return real_setns(fd, nstype);
}
