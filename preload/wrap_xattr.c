/*
 * wrap_xattr.c - reading extended attributes in the merged view.
 *
 * overlayfs keeps its own bookkeeping in trusted.overlay.* (the opaque
 * marker of a lower that was once an upper, for one) and never shows it:
 * listxattr leaves those names out and getxattr answers ENODATA.  The
 * other attributes are the object's, read where it lies.
 */
#include <string.h>
#include <sys/xattr.h>

#include "wrap.h"

#define OVL_PREFIX "trusted.overlay."

static bool private_name(const char *name)
{
	return !strncmp(name, OVL_PREFIX, sizeof(OVL_PREFIX) - 1);
}

static ssize_t get_common(const char *path, const char *name, void *value,
			  size_t size, int lkflags)
{
	struct un_node n;
	ssize_t r;
	int rc;

	if (!un_enter())
		return lkflags ? real_getxattr(path, name, value, size)
			       : real_lgetxattr(path, name, value, size);
	rc = un_lookup(AT_FDCWD, path, lkflags, &n);
	if (rc > 0)
		r = lkflags ? real_getxattr(n.kpath, name, value, size)
			    : real_lgetxattr(n.kpath, name, value, size);
	else if (rc < 0 || n.layer < 0)
		r = un_fail(rc < 0 ? rc : -ENOENT);
	else if (name && private_name(name))
		r = un_fail(-ENODATA);
	else
		r = real_lgetxattr(n.real, name, value, size);
	un_leave();
	return r;
}

/* Drop the private names from a list of size len; the new length. */
static ssize_t filter_list(char *list, ssize_t len)
{
	char *w = list;

	for (char *r = list; r < list + len;) {
		size_t l = strlen(r) + 1;

		if (!private_name(r)) {
			memmove(w, r, l);
			w += l;
		}
		r += l;
	}
	return w - list;
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
	rc = un_lookup(AT_FDCWD, path, lkflags, &n);
	if (rc > 0) {
		r = lkflags ? real_listxattr(n.kpath, list, size)
			    : real_llistxattr(n.kpath, list, size);
	} else if (rc < 0 || n.layer < 0) {
		r = un_fail(rc < 0 ? rc : -ENOENT);
	} else {
		/* The size asked for with size 0 may count private names:
		   read them into room of our own to answer exactly. */
		char buf[XATTR_LIST_MAX];

		r = real_llistxattr(n.real, buf, sizeof(buf));
		if (r >= 0) {
			r = filter_list(buf, r);
			if (size && (size_t)r > size)
				r = un_fail(-ERANGE);
			else if (size)
				memcpy(list, buf, r);
		}
	}
	un_leave();
	return r;
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
