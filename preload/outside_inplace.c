/*
 * outside_inplace.c - a change through an outside path that resolves
 * into an in-place union's MERGED.
 *
 * The lookup decides by the path's string: a path outside every MERGED
 * goes to the kernel as it is.  When a MERGED's own directory is a
 * layer's (an in-place union, `union run` without --merged: MERGED is
 * the first lower's own path; config.c any_inplace), a symlink outside
 * that leads into it takes the kernel to that directory, the LOWER:
 * `echo x >/tmp/link/f`, link -> MERGED, wrote the lower's f.  A kernel
 * overlay mounted there hides the lower, and the same path reaches the
 * merged view.
 *
 * So a call that changes something (un_lookup_change) and was told
 * "outside" asks the kernel where the path leads (an O_PATH open and
 * its /proc/self/fd link: the object itself when the last name is
 * followed and exists, else its parent directory and the last name)
 * and, when that lies in a MERGED, looks up the merged path instead.
 * No union in place: nothing more.  (A MERGED elsewhere that exists on
 * disk, a mount point, is not looked for: a change through a link there
 * lands in that directory, not in the union.)  Reads are not followed
 * so (their cost must not move): a read through such a link sees the
 * lower's content (README's limits).
 */
#include "internal.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The kernel's path of what dirfd and path lead to (oflags:
   O_DIRECTORY...) into buf, which may be path's own; 0, else -1. */
static int kernel_path(int dirfd, const char *path, int oflags, char *buf,
		       size_t size)
{
	char link[40];
	ssize_t got;
	int fd = real_openat(dirfd, path, O_PATH | O_CLOEXEC | oflags, 0);

	if (fd < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	got = real_readlink(link, buf, size);
	real_close(fd);
	if (got <= 0 || (size_t)got >= size || buf[0] != '/')
		return -1;
	buf[got] = '\0';
	return 0;
}

/*
 * un_lookup_change's second look, for a path the lookup handed the
 * kernel (rc 1).  Its own frame (a path): cold.
 */
static __attribute__((noinline, cold)) int
inplace_lookup(int dirfd, const char *path, int flags, struct un_node *n)
{
	char real[PATH_MAX];
	size_t len = strlen(path), end, cut, rl;
	int rc;
	UN_SAVE_ERRNO;

	if (len >= sizeof(real))
		goto outside;
	/* The object itself, for a call that follows its last name. */
	if ((flags & UN_LK_FOLLOW) &&
	    kernel_path(dirfd, path, 0, real, sizeof(real)) == 0) {
		if (!un_config_find(real))
			goto outside;
		goto inside;
	}
	end = len;
	while (end > 1 && path[end - 1] == '/')
		end--;
	cut = end;
	while (cut > 0 && path[cut - 1] != '/')
		cut--;
	if (cut == end ||
	    (path[cut] == '.' &&
	     (end - cut == 1 || (end - cut == 2 && path[cut + 1] == '.'))))
		goto outside;	/* '/', '.', '..': the kernel's answer */
	/*
	 * Else the parent on disk, and the last name; or, where the kernel
	 * does not find it (a directory the union made, in its upper
	 * alone), the longest leading part it finds: the rest, as the path
	 * names it, is the union's to look up.  (One buffer: the part
	 * asked is copied in again at each try.)
	 */
	for (;;) {
		if (cut == 0) {
			strcpy(real, ".");
		} else {
			memcpy(real, path, cut);
			real[cut] = '\0';
		}
		if (kernel_path(dirfd, real, O_DIRECTORY, real,
				sizeof(real)) == 0)
			break;
		if ((errno != ENOENT && errno != ENOTDIR) || cut == 0)
			goto outside;
		while (cut > 0 && path[cut - 1] == '/')
			cut--;
		if (cut == 0)
			goto outside;	/* (the root: always found) */
		while (cut > 0 && path[cut - 1] != '/')
			cut--;
	}
	rl = strlen(real);
	if (rl + 1 + (len - cut) >= sizeof(real))
		goto outside;
	if (rl > 1)
		real[rl++] = '/';
	memcpy(real + rl, path + cut, len - cut + 1);
	if (!un_config_find(real))
		goto outside;
inside:
	UN_RESTORE_ERRNO;
	rc = un_lookup(AT_FDCWD, real, flags & ~UN_LK_EMPTY, n);
	if (rc != 1)
		return rc;
	/* (Not a union's after all: the node must not keep real.) */
	return un_lookup(dirfd, path, flags, n);
outside:
	UN_RESTORE_ERRNO;
	return 1;
}

int un_lookup_change(int dirfd, const char *path, int flags,
		     struct un_node *n)
{
	int rc = un_lookup(dirfd, path, flags, n);

	if (__builtin_expect(rc != 1, 1) || !un_config.inplace || !*path)
		return rc;
	return inplace_lookup(dirfd, path, flags, n);
}
