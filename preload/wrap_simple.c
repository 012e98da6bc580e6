/*
 * wrap_simple.c - the wrappers generated from syms.def's template rows.
 *
 * Each template is one pattern of the overlay (read an object where it
 * lies; copy it up and change it; make a new name in the upper).  In a
 * row's args, the parameter names `path` and `dirfd` are rebound, in an
 * inner block, to the translated path and descriptor before the real
 * function is called, so each row reads like the call it forwards.
 */
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "wrap.h"

/*
 * The checks the kernel makes before it would copy anything up; each
 * returns 0 to go on, or the -errno to answer with nothing copied.
 */
static int un_pre_none(const struct un_node *n, int unused)
{
	(void)n;
	(void)unused;
	return 0;
}

/* n is NULL for the checks made before the lookup. */
static int un_pre_truncate(const struct un_node *n, off_t len)
{
	if (len < 0)
		return -EINVAL;
	if (!n)
		return 0;
	if (S_ISDIR(n->st.st_mode))
		return -EISDIR;
	if (!S_ISREG(n->st.st_mode))
		return -EINVAL;
	/* vfs_truncate's order: a read-only mount, then the permission,
	   which for a lower file is its owner's w bit (DESIGN.md). */
	if (!n->mnt->upper)
		return -EROFS;
	if (n->layer > 0 && un_unprivileged() && !(n->st.st_mode & S_IWUSR))
		return -EACCES;
	return 0;
}

/*
 * chmod: fchmodat takes only AT_SYMLINK_NOFOLLOW, and glibc answers
 * EOPNOTSUPP for a symlink named with it (lchmod too) before any change.
 */
static int un_pre_chmod(const struct un_node *n, int flags)
{
	if (!n)
		return (flags & ~AT_SYMLINK_NOFOLLOW) ? -EINVAL : 0;
	return S_ISLNK(n->st.st_mode) ? -EOPNOTSUPP : 0;
}

/* Is gid the caller's (effective or supplementary)?  Unsure: yes. */
static bool in_group(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (gid == getegid())
		return true;
	n = getgroups(256, groups);
	if (n < 0)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * chown of a lower object by an unprivileged user, who owns it as far
 * as the union goes: the kernel's chown_ok and chgrp_ok (EPERM, after a
 * read-only mount's EROFS), before anything is copied up.  A group the
 * object keeps counts only where its owner is the caller already.
 */
int un_pre_chown(const struct un_node *n, unsigned long long ids)
{
	uid_t uid = (uid_t)(ids >> 32);
	gid_t gid = (gid_t)ids;

	if (!n || n->layer <= 0 || !un_unprivileged())
		return 0;
	if (!n->mnt->upper)
		return -EROFS;
	if (uid != (uid_t)-1 && uid != un_self_euid())
		return -EPERM;
	if (gid != (gid_t)-1 && !in_group(gid) &&
	    !(n->st.st_uid == un_self_euid() && n->st.st_gid == gid))
		return -EPERM;
	return 0;
}

/*
 * statfs of a merged path: the filesystem of the layer that holds the
 * object, named overlayfs (as the kernel's mount answers), read-only in
 * a union without an upper.
 */
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

_Static_assert(sizeof(struct statfs) == sizeof(struct statfs64),
	       "struct statfs and statfs64 must share a layout");
_Static_assert(sizeof(struct statvfs) == sizeof(struct statvfs64),
	       "struct statvfs and statvfs64 must share a layout");

static void un_fix_statfs(const struct un_node *n, struct statfs *buf)
{
	buf->f_type = OVERLAYFS_SUPER_MAGIC;
	if (!n->mnt->upper)
		buf->f_flags |= ST_RDONLY;
}

static void un_fix_statvfs(const struct un_node *n, struct statvfs *buf)
{
	if (!n->mnt->upper)
		buf->f_flag |= ST_RDONLY;
}

#define UN_SPECIAL(ret, name, params)

/* The mode or owner of a directory (n->st before) changed: when search
   permission may be less than it was, the directory caches of every
   process drop what they know (what they hold was found with it).  A
   mode that only grows (tar x: mkdir 0700, then chmod 0755) keeps them. */
static void un_perm_changed(struct un_node *n, const char *call)
{
	struct stat st;

	if ((strstr(call, "chmod") || strstr(call, "chown")) &&
	    (real_lstat(n->real, &st) < 0 ||
	     (n->st.st_mode & ~st.st_mode & 0111) ||
	     n->st.st_uid != st.st_uid || n->st.st_gid != st.st_gid))
		un_dcache_changed(n->mnt);
}

#define UN_READ(ret, name, params, path, args, lkflags, fix, fixarg)        \
	UN_EXPORT ret name params                                          \
	{                                                                  \
		struct un_node un_n;                                       \
		ret un_r;                                                  \
		int un_rc;                                                 \
		if (!un_enter())                                           \
			return real_##name args;                           \
		UN_ERRNO_IN;                                               \
		un_rc = un_lookup(AT_FDCWD, path, lkflags, &un_n);         \
		if (un_rc > 0) {                                           \
			const char *path = un_n.kpath;                     \
			un_r = real_##name args;                           \
		} else if (un_rc < 0) {                                    \
			un_r = un_fail(un_rc);                             \
		} else if (un_n.layer < 0) {                               \
			un_r = un_fail(-ENOENT);                           \
		} else {                                                   \
			UN_KBUF(un_kbuf);                                  \
			const char *path = un_kreal(un_n.real, &un_kbuf);  \
			un_r = real_##name args;                           \
			if (un_r >= 0)                                     \
				fix(&un_n, fixarg);                        \
		}                                                          \
		UN_ERRNO_OUT(un_r >= 0);                                   \
		un_leave();                                                \
		return un_r;                                               \
	}

/*
 * The real call on the node un_n, into un_r: by the node's route
 * (un_node_kat: from the lookup's start where the whole path crosses a
 * directory the caller cannot search) and, refused by that, made once
 * more from the start (un_node_retry_at).  rebind_dirfd points path,
 * or the wrapper's own dirfd, at what un_node_kat gave.
 */
#define UN_CALL_ROUTED(name, args, rebind_dirfd)                           \
	UN_KBUF(un_kbuf);                                                  \
	const char *un_kp;                                                 \
	int un_kfd = un_node_kat(&un_n, &un_kbuf, &un_kp);                 \
	(void)un_kfd; /* AT_FDCWD without a dirfd */                       \
	rebind_dirfd                                                       \
	const char *path = un_kp;                                          \
	int un_e0 = errno;                                                 \
	un_r = real_##name args;                                           \
	if (un_r < 0 &&                                                    \
	    un_node_retry_at(&un_n, un_e0, &un_kbuf, &un_kfd, &un_kp)) {   \
		rebind_dirfd                                               \
		const char *path = un_kp;                                  \
		un_r = real_##name args;                                   \
	}

#define UN_CHANGE_BODY(ret, name, dirfd_lookup, path, args, lkflags,       \
		       rebind_dirfd, pre, prearg)                          \
	{                                                                  \
		struct un_node un_n;                                       \
		ret un_r;                                                  \
		int un_rc, un_dead = 0, un_pre;                            \
		if (!un_enter())                                           \
			return real_##name args;                           \
		UN_ERRNO_IN;                                               \
		un_rc = pre(NULL, prearg);                                 \
		if (un_rc == 0)                                            \
			un_rc = un_lookup_change(dirfd_lookup, path,       \
						 lkflags, &un_n);          \
		if (un_rc > 0 && !*un_n.kpath &&                           \
		    (un_rc = un_fd_copy_up(dirfd_lookup)) < 0) {           \
			un_r = un_fail(un_rc);                             \
		} else if (un_rc > 0 || (un_rc == 0 && !*un_n.kpath)) {    \
			const char *path = un_n.kpath;                     \
			un_r = real_##name args;                           \
		} else if (un_rc == -ENOENT &&                             \
			   !(un_rc = un_dead = un_dead_change(             \
				     dirfd_lookup, path, un_rc, &un_n))) { \
			/* '.' of a removed lower directory, a directory   \
			   made at its name since: copied up over that     \
			   one, then changed through dirfd and path. */    \
			if ((un_rc = pre(&un_n, prearg)) < 0 ||            \
			    (un_rc = un_copy_up_dead(&un_n)) < 0)          \
				un_r = un_fail(un_rc);                     \
			else                                               \
				un_r = real_##name args;                   \
		} else if (un_rc < 0) {                                    \
			/* A removed directory whose copy-up fails         \
			   (ENOTDIR, EIO): the checks before it first, on  \
			   its lower's copy (truncate's EISDIR, chown's    \
			   EPERM). */                                      \
			if (un_dead < 0 && un_dead != -ENOENT &&           \
			    un_dead_lower(dirfd_lookup, path, &un_n) == 0 && \
			    (un_pre = pre(&un_n, prearg)) < 0)             \
				un_rc = un_pre;                            \
			un_r = un_fail(un_rc);                             \
		} else if (un_n.layer < 0) {                               \
			un_r = un_fail(-ENOENT);                           \
		} else if ((un_rc = pre(&un_n, prearg)) < 0 ||             \
			   (un_rc = un_copy_up(&un_n)) < 0) {              \
			un_r = un_fail(un_rc);                             \
		} else {                                                   \
			UN_CALL_ROUTED(name, args, rebind_dirfd)           \
			if (un_r >= 0 && S_ISDIR(un_n.st.st_mode))         \
				un_perm_changed(&un_n, #name);             \
		}                                                          \
		UN_ERRNO_OUT(un_r >= 0);                                   \
		un_leave();                                                \
		return un_r;                                               \
	}

#define UN_CHANGE(ret, name, params, path, args, lkflags, pre, prearg)     \
	UN_EXPORT ret name params UN_CHANGE_BODY(                          \
		ret, name, AT_FDCWD, path, args, lkflags,                  \
		un_kp = un_kat_path(&un_kbuf, un_kfd, un_kp);, pre, prearg)

#define UN_CHANGE_AT(ret, name, params, dirfd, path, args, lkflags, pre,   \
		     prearg)                                               \
	UN_EXPORT ret name params UN_CHANGE_BODY(                          \
		ret, name, dirfd, path, args, lkflags,                     \
		int dirfd = un_kfd; (void)dirfd;, pre, prearg)

#define UN_MAKE_BODY(ret, name, dirfd_lookup, path, args, isdir,           \
		     rebind_dirfd)                                         \
	{                                                                  \
		struct un_node un_n;                                       \
		ret un_r;                                                  \
		int un_rc;                                                 \
		if (!un_enter())                                           \
			return real_##name args;                           \
		UN_ERRNO_IN;                                               \
		un_rc = un_path_last_dots(path);                          \
		if (un_rc > 0)                                             \
			un_rc = un_make_dots(dirfd_lookup, path, &un_n);   \
		else if (un_rc == 0)                                       \
			un_rc = un_lookup_change(dirfd_lookup, path,       \
						 UN_LK_PARENT, &un_n);     \
		if (un_rc > 0) {                                           \
			const char *path = un_n.kpath;                     \
			un_r = real_##name args;                           \
		} else if (un_rc < 0) {                                    \
			un_r = un_fail(un_rc);                             \
		} else if ((un_rc = un_make_prepare(&un_n, isdir)) < 0) {  \
			un_r = un_fail(un_rc);                             \
		} else {                                                   \
			UN_CALL_ROUTED(name, args, rebind_dirfd)           \
			if (un_r == 0)                                     \
				un_make_done(&un_n, isdir);                \
		}                                                          \
		UN_ERRNO_OUT(un_r >= 0);                                   \
		un_leave();                                                \
		return un_r;                                               \
	}

#define UN_MAKE(ret, name, params, path, args, isdir)                      \
	UN_EXPORT ret name params UN_MAKE_BODY(                            \
		ret, name, AT_FDCWD, path, args, isdir,                    \
		un_kp = un_kat_path(&un_kbuf, un_kfd, un_kp);)

#define UN_MAKE_AT(ret, name, params, dirfd, path, args, isdir)            \
	UN_EXPORT ret name params UN_MAKE_BODY(                            \
		ret, name, dirfd, path, args, isdir,                       \
		int dirfd = un_kfd; (void)dirfd;)

/* Template rows without a dirfd leave UN_READ_AT unused so far. */
#define UN_READ_AT(...)

#include "syms.def"
