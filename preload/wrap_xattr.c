/*
 * wrap_xattr.c - extended attributes in the merged view.
 *
 * overlayfs keeps its own bookkeeping in trusted.overlay.* and never
 * shows it; since Linux 6.7 a user's own trusted.overlay.NAME (one
 * overlay nested in another) is stored escaped, as
 * trusted.overlay.overlay.NAME, and shown unescaped.  The same is done
 * here: listxattr shows only the escaped names (unescaped), getxattr,
 * setxattr and removexattr of trusted.overlay.NAME use the escaped one.
 * The library's own user.libunion.* (a copy's origin) is kept the same
 * way, and user.overlay.*, where overlayfs mounted with userxattr (a
 * user's) keeps its bookkeeping.
 *
 * Changes copy the object up first, except where the kernel answers
 * before it would: user.* attributes exist only on files and
 * directories (EPERM), and removing an attribute a lower object lacks
 * is ENODATA with nothing copied.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "wrap.h"

/*
 * The private name spaces, each as escaped for a user's own names in
 * it: overlayfs's, and the library's own (internal.h UN_ORIGIN_XATTR,
 * a copy's origin, in user.* so that an unprivileged user's copy-up can
 * record it), escaped the same way.
 */
static const struct {
	const char *prefix, *escaped;
	size_t len, cut;	/* strlen(prefix), and what the escape adds */
} privs[] = {
	{ "trusted.overlay.", "trusted.overlay.overlay.", 16, 8 },
	/* A user's opaque marks (DESIGN.md reads both spaces; copy_up.c
	   never copies either): hidden and escaped as the kernel does
	   with userxattr, the mount a user's own overlay has (found/200). */
	{ "user.overlay.", "user.overlay.overlay.", 13, 8 },
	{ "user.libunion.", "user.libunion.libunion.", 14, 9 },
};
#define NPRIVS (sizeof(privs) / sizeof(privs[0]))

/* The private space name lies in (an index in privs), or -1. */
static int private_space(const char *name)
{
	for (size_t i = 0; name && i < NPRIVS; i++)
		if (!strncmp(name, privs[i].prefix, privs[i].len))
			return (int)i;
	return -1;
}

static bool private_name(const char *name)
{
	return private_space(name) >= 0;
}

/* The name as stored: trusted.overlay.X becomes trusted.overlay.overlay.X
   (and user.libunion.X user.libunion.libunion.X) */
static const char *stored_name(const char *name, char *buf, size_t len)
{
	int i = private_space(name);

	if (i < 0)
		return name;
	if ((size_t)snprintf(buf, len, "%s%s", privs[i].escaped,
			     name + privs[i].len) >= len)
		return name;
	return buf;
}

/*
 * r = call, call using kp: the node n's real path by its route
 * (un_node_kat: from the lookup's start where the whole path crosses a
 * directory the caller cannot search) and, refused by that, once more
 * from the start (un_node_retry_at), as wrap_simple.c's UN_CALL_ROUTED;
 * the xattr calls take no dirfd: /proc/self/fd/N/... (un_kat_path).
 * (User seed absent:4891, found/198: setxattr of '.' in an upper cwd
 * below a directory that lost x, EACCES where the kernel changes it.)
 */
#define XATTR_ROUTED(r, n, call)                                           \
	do {                                                               \
		UN_KBUF(kbuf);                                             \
		const char *kp;                                            \
		int kfd = un_node_kat(&(n), &kbuf, &kp), e0 = errno;       \
		kp = un_kat_path(&kbuf, kfd, kp);                          \
		(r) = (call);                                              \
		if ((r) < 0 &&                                             \
		    un_node_retry_at(&(n), e0, &kbuf, &kfd, &kp)) {        \
			kp = un_kat_path(&kbuf, kfd, kp);                  \
			(r) = (call);                                      \
		}                                                          \
	} while (0)

static ssize_t get_common(const char *path, const char *name, void *value,
			  size_t size, int lkflags)
{
	char esc[XATTR_NAME_MAX + 32];
	struct un_node n;
	ssize_t r;
	int rc;

	if (!un_enter())
		return lkflags ? real_getxattr(path, name, value, size)
			       : real_lgetxattr(path, name, value, size);
	UN_ERRNO_IN;
	/* Only the object's place is wanted: a name just stat'ed (ls -l
	   reads two attributes after its statx) is not looked at again. */
	rc = un_lookup(AT_FDCWD, path, lkflags | UN_LK_NOSTAT | UN_LK_REALONLY, &n);
	if ((rc > 0 || rc == -ENOENT) &&
	    un_dead_dots(AT_FDCWD, path, NULL, NULL)) {
		/* A removed directory: its real one, as stat reads it. */
		if (un_user_str(name) == -EFAULT)
			r = un_fail(-EFAULT);
		else
			r = real_getxattr(path,
					  stored_name(name, esc, sizeof(esc)),
					  value, size);
	} else if (rc > 0)
		r = lkflags ? real_getxattr(n.kpath, name, value, size)
			    : real_lgetxattr(n.kpath, name, value, size);
	else if (rc < 0 || n.layer < 0)
		r = un_fail(rc < 0 ? rc : -ENOENT);
	else if (un_user_str(name) == -EFAULT)	/* the name, then */
		r = un_fail(-EFAULT);
	else {
		name = stored_name(name, esc, sizeof(esc));
		XATTR_ROUTED(r, n, real_lgetxattr(kp, name, value, size));
	}
	UN_ERRNO_OUT(r >= 0);
	un_leave();
	return r;
}

/* The escaped space name lies in (an index in privs), or -1. */
static int escaped_space(const char *name)
{
	for (size_t i = 0; i < NPRIVS; i++)
		if (!strncmp(name, privs[i].escaped,
			     privs[i].len + privs[i].cut))
			return (int)i;
	return -1;
}

/* Show a list as the kernel does; the new length. */
static ssize_t filter_list(char *list, ssize_t len)
{
	char *w = list;

	for (char *r = list; r < list + len;) {
		size_t l = strlen(r) + 1;
		int i = escaped_space(r);

		if (i >= 0) {
			/* drop one "overlay." (or "libunion.") */
			size_t plen = privs[i].len, cut = privs[i].cut;

			memmove(w, r, plen);
			memmove(w + plen, r + plen + cut, l - plen - cut);
			w += l - cut;
		} else if (!private_name(r)) {
			memmove(w, r, l);
			w += l;
		}
		r += l;
	}
	return w - list;
}

/*
 * The kernel's answer for a list of r bytes read into buf (all of it:
 * the size asked for with size 0 may count private names, so the list
 * is read into room of our own to answer exactly): filtered, copied to
 * list when size allows; r itself when the read failed.
 */
static ssize_t shown_list(ssize_t r, char *buf, char *list, size_t size)
{
	if (r < 0)
		return r;
	r = filter_list(buf, r);
	if (size && (size_t)r > size)
		return un_fail(-ERANGE);
	if (size)
		memcpy(list, buf, r);
	return r;
}

/* Room for the list on the stack: most objects carry a few names. */
#define LIST_SMALL 1024

/*
 * The list of a union's object (real: its path in a layer; NULL: fd's),
 * read whole and filtered (shown_list): into LIST_SMALL bytes of the
 * stack where it fits, else into a mapping of XATTR_LIST_MAX (mmap, not
 * malloc: a signal handler may list), so that no frame holds 64 KiB (a
 * thread of 128 KiB must do every call: tests/edges/thread-stack.sh).
 */
static ssize_t read_shown(const char *real, int fd, char *list, size_t size)
{
	char small[LIST_SMALL], *big;
	int saved = errno;
	ssize_t r;

	r = real ? real_llistxattr(real, small, sizeof(small))
		 : real_flistxattr(fd, small, sizeof(small));
	if (r >= 0 || errno != ERANGE)
		return shown_list(r, small, list, size);
	/* (The system call: the munmap wrapper would forget the EFAULT
	   check's pages for nothing.) */
	big = (char *)real_syscall(SYS_mmap, NULL, XATTR_LIST_MAX,
				   PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED)
		return un_fail(-ENOMEM);
	errno = saved;
	r = real ? real_llistxattr(real, big, XATTR_LIST_MAX)
		 : real_flistxattr(fd, big, XATTR_LIST_MAX);
	r = shown_list(r, big, list, size);
	UN_SAVE_ERRNO;
	real_syscall(SYS_munmap, big, XATTR_LIST_MAX);
	UN_RESTORE_ERRNO;
	return r;
}

static ssize_t list_common(const char *path, char *list, size_t size,
			   int lkflags)
{
	struct un_node n;
	ssize_t r;
	int rc;

	if (!un_enter())
		return lkflags ? real_listxattr(path, list, size)
			       : real_llistxattr(path, list, size);
	UN_ERRNO_IN;
	rc = un_lookup(AT_FDCWD, path, lkflags | UN_LK_NOSTAT | UN_LK_REALONLY, &n);
	if ((rc > 0 || rc == -ENOENT) &&
	    un_dead_dots(AT_FDCWD, path, NULL, NULL)) {
		/* A removed directory: its real one, as stat reads it
		   ('.' and '..' alone: a directory, never a link). */
		r = read_shown(path, -1, list, size);
	} else if (rc > 0) {
		r = lkflags ? real_listxattr(n.kpath, list, size)
			    : real_llistxattr(n.kpath, list, size);
	} else if (rc < 0 || n.layer < 0) {
		r = un_fail(rc < 0 ? rc : -ENOENT);
	} else {
		XATTR_ROUTED(r, n, read_shown(kp, -1, list, size));
	}
	UN_ERRNO_OUT(r >= 0);
	un_leave();
	return r;
}

/*
 * Through a descriptor: the same names as through a path when the
 * descriptor is an object of a union, the real ones elsewhere.
 */
static __attribute__((noinline)) bool fd_in_union(int fd)
{
	/* (A union's path may be longer than PATH_MAX: a tree made one
	   level at a time; integration/long-fd-xattr-private.) */
	char vpath[UN_VPATH_MAX];
	int rc = un_fd_get(fd, vpath, sizeof(vpath), NULL);

	return (rc == 0 || rc == -ESTALE) && un_config_find(vpath);
}

const char *un_fd_xattr_name(int fd, const char *name, char *buf,
			     size_t len)
{
	const char *stored = name;

	UN_SAVE_ERRNO;
	/* (A bad name: the kernel answers it.) */
	if (un_user_str(name) != -EFAULT && private_name(name) &&
	    un_enter()) {
		if (fd_in_union(fd))
			stored = stored_name(name, buf, len);
		un_leave();
	}
	UN_RESTORE_ERRNO;
	return stored;
}

UN_EXPORT ssize_t fgetxattr(int fd, const char *name, void *value,
			    size_t size)
{
	char esc[XATTR_NAME_MAX + 32];

	return real_fgetxattr(fd, un_fd_xattr_name(fd, name, esc, sizeof(esc)),
			      value, size);
}

UN_EXPORT ssize_t flistxattr(int fd, char *list, size_t size)
{
	bool ours;

	if (!un_enter())
		return real_flistxattr(fd, list, size);
	UN_SAVE_ERRNO;
	ours = fd_in_union(fd);
	UN_RESTORE_ERRNO;
	un_leave();
	return ours ? read_shown(NULL, fd, list, size)
		    : real_flistxattr(fd, list, size);
}

/*
 * The checks the kernel makes before it would copy anything up, in its
 * order: a read-only mount (mnt_want_write), then xattr_permission --
 * user.* only on files and directories; for an unprivileged user no
 * trusted.* or security.* (EPERM), and the write permission for every
 * name outside system.*, which for a lower object is its owner's w bit
 * (DESIGN.md, Permissions) -- then the attribute to remove.
 */
static int before_change(const struct un_node *n, const char *name,
			 bool removing)
{
	if (!n->mnt->upper)
		return -EROFS;
	if (!strncmp(name, "user.", 5) && !S_ISREG(n->st.st_mode) &&
	    !S_ISDIR(n->st.st_mode))
		return -EPERM;
	if (n->layer > 0 && un_unprivileged()) {
		if (!strncmp(name, "trusted.", 8) ||
		    !strncmp(name, "security.", 9))
			return -EPERM;
		if (strncmp(name, "system.", 7) &&
		    !(n->st.st_mode & S_IWUSR))
			return -EACCES;
	}
	UN_KBUF(kbuf);	/* see un_kreal */

	if (removing && n->layer > 0 &&
	    real_lgetxattr(un_kreal(n->real, &kbuf), name, NULL, 0) < 0 &&
	    (errno == ENODATA || errno == ENOTSUP))
		return -errno;
	return 0;
}

/* The arguments, checked before the lookup or the descriptor's object
   is looked at (setxattr_copy): 0 or -errno. */
static int args_check(const char *name, size_t size, int flags,
		      bool removing)
{
	ssize_t len;

	if (!removing && (flags & ~(XATTR_CREATE | XATTR_REPLACE)))
		return -EINVAL;
	/* The name is copied in first: EFAULT, or ERANGE for one empty or
	   too long (un_user_str's ENAMETOOLONG included). */
	len = un_user_str(name);
	if (len == -EFAULT)
		return -EFAULT;
	if (len <= 0 || len > XATTR_NAME_MAX)
		return -ERANGE;
	if (!removing && size > XATTR_SIZE_MAX)
		return -E2BIG;
	return 0;
}

/*
 * fsetxattr and fremovexattr (wrap_fd.c) on a descriptor whose object
 * lies in a lower: what the kernel refuses before its overlay would copy
 * the object up, as for the path calls (a 0444 file, an absent name to
 * remove), so that a refused change copies nothing up.
 */
int un_pre_xattr(const struct un_node *n, unsigned long long change)
{
	const struct un_xattr_change *c =
		(const struct un_xattr_change *)(uintptr_t)change;
	char esc[XATTR_NAME_MAX + 32];
	int rc = args_check(c->name, c->size, c->flags, c->removing);

	if (rc < 0)
		return rc;
	if (!n->mnt->upper)
		return -EROFS;
	return before_change(n, stored_name(c->name, esc, sizeof(esc)),
			     c->removing);
}

static int change_common(const char *path, const char *name,
			 const void *value, size_t size, int flags,
			 int lkflags, bool removing)
{
	char esc[XATTR_NAME_MAX + 32];
	struct un_node n;
	bool over = false;
	int rc;

	if (!un_enter()) {
		if (removing)
			return lkflags ? real_removexattr(path, name)
				       : real_lremovexattr(path, name);
		return lkflags ? real_setxattr(path, name, value, size, flags)
			       : real_lsetxattr(path, name, value, size, flags);
	}
	UN_ERRNO_IN;
	rc = args_check(name, size, flags, removing);
	if (rc == 0)
		rc = un_lookup_change(AT_FDCWD, path, lkflags, &n);
	/* '.' of a removed lower directory: over a directory made at its
	   name since, copied up over that one (over), then changed by
	   path.  Else the copy-up fails (ENOTDIR, EIO), after the checks
	   the kernel makes before it on the lower's copy (ENODATA for an
	   attribute it lacks). */
	if (rc == -ENOENT) {
		int dead = un_dead_change(AT_FDCWD, path, rc, &n);

		if (dead == 0)
			over = true;
		else if (dead != rc && un_dead_lower(AT_FDCWD, path, &n) == 0) {
			int pre = before_change(&n, stored_name(name, esc,
							       sizeof(esc)),
						removing);

			if (pre < 0)
				dead = pre;
		}
		rc = dead;
	}
	if (rc > 0) {
		if (removing)
			rc = lkflags ? real_removexattr(n.kpath, name)
				     : real_lremovexattr(n.kpath, name);
		else
			rc = lkflags ? real_setxattr(n.kpath, name, value, size,
						     flags)
				     : real_lsetxattr(n.kpath, name, value, size,
						      flags);
		goto out;
	}
	if (rc == 0 && n.layer < 0)
		rc = -ENOENT;
	/* The mount's write access before the name is looked at (EPERM
	   for user.* on a fifo, ENODATA for an absent one). */
	if (rc == 0 && !n.mnt->upper)
		rc = -EROFS;
	if (rc == 0 && un_user_str(name) == -EFAULT)
		rc = -EFAULT;	/* nothing copied up for a name unread */
	if (rc == 0) {
		name = stored_name(name, esc, sizeof(esc));
		rc = before_change(&n, name, removing);
	}
	if (rc == 0)
		rc = over ? un_copy_up_dead(&n) : un_copy_up(&n);
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	if (over)
		rc = removing ? real_lremovexattr(path, name)
			      : real_lsetxattr(path, name, value, size, flags);
	else
		XATTR_ROUTED(rc, n,
			     removing ? real_lremovexattr(kp, name)
				      : real_lsetxattr(kp, name, value, size,
						       flags));
out:
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc;
}

UN_EXPORT ssize_t getxattr(const char *path, const char *name, void *value,
			   size_t size)
{
	return get_common(path, name, value, size, UN_LK_FOLLOW);
}

UN_EXPORT ssize_t lgetxattr(const char *path, const char *name, void *value,
			    size_t size)
{
	return get_common(path, name, value, size, 0);
}

UN_EXPORT ssize_t listxattr(const char *path, char *list, size_t size)
{
	return list_common(path, list, size, UN_LK_FOLLOW);
}

UN_EXPORT ssize_t llistxattr(const char *path, char *list, size_t size)
{
	return list_common(path, list, size, 0);
}

UN_EXPORT int setxattr(const char *path, const char *name, const void *value,
		       size_t size, int flags)
{
	return change_common(path, name, value, size, flags, UN_LK_FOLLOW,
			     false);
}

UN_EXPORT int lsetxattr(const char *path, const char *name, const void *value,
			size_t size, int flags)
{
	return change_common(path, name, value, size, flags, 0, false);
}

UN_EXPORT int removexattr(const char *path, const char *name)
{
	return change_common(path, name, NULL, 0, 0, UN_LK_FOLLOW, true);
}

UN_EXPORT int lremovexattr(const char *path, const char *name)
{
	return change_common(path, name, NULL, 0, 0, 0, true);
}
