/*
 * wrap_name.c - calls that answer with a path: readlink, realpath.
 *
 * A symlink's target is read from the layer that holds the link.  The
 * magic links of /proc (/proc/self/fd/N, /proc/self/cwd) would leak the
 * real path in some layer; for descriptors opened in a union and for a
 * merged cwd they answer the merged path instead.  realpath answers the
 * merged, symlink-free path the lookup walked.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wrap.h"

/*
 * If path is a /proc magic link of this process that we can answer in
 * the merged namespace, copy the answer into out and return 0.
 */
/* N of "fd/N" (decimal, nothing after it), or -1.  Not by sscanf: see
   newsys.h. */
static int fd_number(const char *rest)
{
	int saved = errno;
	long fd;
	char *end;

	if (strncmp(rest, "fd/", 3) || rest[3] < '0' || rest[3] > '9')
		return -1;
	fd = strtol(rest + 3, &end, 10);
	errno = saved;	/* (ERANGE: read as too big) */
	return *end || fd > INT_MAX ? -1 : (int)fd;
}

static int proc_self_link(const char *path, char *out, size_t len)
{
	char pidprefix[32];
	const char *rest = NULL;
	int fd, rc;

	if (!strncmp(path, "/proc/self/", 11))
		rest = path + 11;
	else if (!strncmp(path, "/proc/thread-self/", 18))
		rest = path + 18;
	else if (!strncmp(path, "/proc/", 6)) {
		/* Only then: getpid is a system call. */
		int n = snprintf(pidprefix, sizeof(pidprefix), "/proc/%d/",
				 (int)getpid());

		if (!strncmp(path, pidprefix, n))
			rest = path + n;
	}
	if (!rest)
		return -ENOENT;
	if (!strcmp(rest, "cwd"))
		rc = un_cwd_get(out, len);
	else if ((fd = fd_number(rest)) >= 0)
		rc = un_fd_get(fd, out, len, NULL);
	else
		return -ENOENT;
	/* A removed directory reads as the kernel shows one. */
	if (rc == -ESTALE) {
		static const char deleted[] = " (deleted)";
		size_t used = strlen(out);

		if (used + sizeof(deleted) > len)
			return -ENAMETOOLONG;
		memcpy(out + used, deleted, sizeof(deleted));
		rc = 0;
	}
	return rc;
}

static ssize_t copy_link(const char *src, char *buf, size_t len)
{
	size_t n = strlen(src);

	if (n > len)
		n = len;
	memcpy(buf, src, n);
	return (ssize_t)n;
}

static ssize_t un_readlink(int dirfd, const char *path, char *buf, size_t len)
{
	char merged[PATH_MAX];
	struct un_node n;
	ssize_t r;
	int rc;

	if (!un_enter())
		return real_readlinkat(dirfd, path, buf, len);
	UN_ERRNO_IN;
	if (un_user_str(path) >= 0 && path[0] == '/' &&
	    proc_self_link(path, merged, sizeof(merged)) == 0) {
		r = copy_link(merged, buf, len);
		goto out;
	}
	/* "" names the descriptor's own symlink (an O_PATH descriptor). */
	rc = un_lookup(dirfd, path, UN_LK_EMPTY, &n);
	/* A removed directory ('.' and '..' alone): its real one is a
	   directory, as the kernel's dentry is (EINVAL). */
	if (rc == -ENOENT && un_dead_dots(dirfd, path, NULL, NULL))
		r = real_readlinkat(dirfd, path, buf, len);
	else if (rc > 0)
		r = real_readlinkat(dirfd, n.kpath, buf, len);
	else if (rc < 0)
		r = un_fail(rc);
	else if (n.layer < 0)
		r = un_fail(-ENOENT);
	/* The lookup's lstat said what the kernel's readlink would (gcc's
	   driver asks it of its input and output files): EINVAL, or
	   ENOENT for "" (the kernel's do_readlinkat). */
	else if (!S_ISLNK(n.st.st_mode))
		r = un_fail(*path ? -EINVAL : -ENOENT);
	else {
		UN_KBUF(kbuf);	/* see un_node_kat */
		const char *kp;
		int kfd = un_node_kat(&n, &kbuf, &kp);

		r = real_readlinkat(kfd, kp, buf, len);
	}
out:
	UN_ERRNO_OUT(r >= 0);
	un_leave();
	return r;
}

UN_EXPORT ssize_t readlink(const char *path, char *buf, size_t len)
{
	return un_readlink(AT_FDCWD, path, buf, len);
}

UN_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf,
			     size_t len)
{
	return un_readlink(dirfd, path, buf, len);
}

UN_EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t len,
				 size_t buflen)
{
	if (len > buflen)
		abort();
	return un_readlink(AT_FDCWD, path, buf, len);
}

UN_EXPORT ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf,
				   size_t len, size_t buflen)
{
	if (len > buflen)
		abort();
	return un_readlink(dirfd, path, buf, len);
}

/*
 * readlink of abs, an absolute path, as the kernel's side answers the
 * readlink glibc's realpath makes (its own, not this wrapper): into buf
 * (len bytes, not terminated), the length, or -errno.  Out of line: a
 * node's two paths.
 */
static __attribute__((noinline)) ssize_t link_of(const char *abs, char *buf,
						 size_t len)
{
	struct un_node n;
	ssize_t r;
	int rc;

	if (proc_self_link(abs, buf, len) == 0)
		return (ssize_t)strlen(buf);
	rc = un_lookup(AT_FDCWD, abs, 0, &n);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		r = real_readlinkat(AT_FDCWD, n.kpath, buf, len);
	} else if (n.layer < 0) {
		return -ENOENT;
	} else if (!S_ISLNK(n.st.st_mode)) {
		return -EINVAL;	/* (as in un_readlink) */
	} else {
		UN_KBUF(kbuf);
		const char *kp;
		int kfd = un_node_kat(&n, &kbuf, &kp);

		r = real_readlinkat(kfd, kp, buf, len);
	}
	return r < 0 ? -errno : r;
}

/* Is abs (an absolute path) a directory the caller may reach (glibc's
   realpath asks "abs/" before a '.' or '..' or a last '/' after it)? 0
   or -errno. */
static __attribute__((noinline)) int dir_of(const char *abs)
{
	char dir[PATH_MAX + 1];
	struct un_node n;
	size_t len = strlen(abs);
	int rc;

	memcpy(dir, abs, len);
	memcpy(dir + len, "/", 2);
	rc = un_lookup(AT_FDCWD, dir, UN_LK_FOLLOW, &n);
	if (rc > 0)
		return real_faccessat(AT_FDCWD, n.kpath, F_OK, AT_EACCESS) < 0 ?
			       -errno : 0;
	if (rc < 0)
		return rc;
	return n.layer < 0 ? -ENOENT : 0;
}

/* Does the rest of the path after a name (end) hold a last '/', or a '.'
   or '..' component?  Then glibc's realpath asks that the name be a
   directory, whatever its readlink answered. */
static bool wants_dir(const char *end)
{
	while (*end == '/') {
		while (*end == '/')
			end++;
		if (!*end)
			return true;
		if (*end != '.')
			return false;
		end++;
		if (!*end || *end == '/' ||
		    (*end == '.' && (!end[1] || end[1] == '/')))
			return true;
	}
	return false;
}

/* out (olen bytes, an absolute path) without its last name, as glibc's
   realpath takes '..' and a symlink's own name off: the new length. */
static size_t drop_last_name(char *out, size_t olen)
{
	while (olen > 1 && out[olen - 1] != '/')
		olen--;
	if (olen > 1)
		olen--;
	out[olen] = '\0';
	return olen;
}

/*
 * realpath of path, relative, from the merged cwd (out, UN_VPATH_MAX
 * bytes: the answer is made in it; a name is added only while the whole
 * stays below PATH_MAX), as glibc's realpath makes it on the
 * kernel's overlay: from getcwd's path, each name appended and its
 * readlink asked by the whole path so far; a symlink's target spliced
 * in front of the rest; '.' dropped and '..' taking the last name off by
 * name, with no system call.  So neither the cwd's search permission
 * nor any ancestor's is asked for '..' (found/96, user seeds
 * absent:1817, inplace:1480): a walk from the cwd would.  0 or -errno.
 */
static __attribute__((noinline)) int realpath_from(char *out,
						   const char *path)
{
	char todo[PATH_MAX], link[PATH_MAX];
	size_t olen = strlen(out);
	const char *p = todo;
	int links = 0;

	if (strlen(path) >= sizeof(todo))
		return -ENAMETOOLONG;
	strcpy(todo, path);
	for (;;) {
		size_t len;
		const char *end;
		ssize_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		len = strcspn(p, "/");
		end = p + len;
		if (len == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			olen = drop_last_name(out, olen);
			p = end;
			continue;
		}
		if (olen + 1 + len >= PATH_MAX)
			return -ENAMETOOLONG;
		if (olen > 1)
			out[olen++] = '/';
		memcpy(out + olen, p, len);
		olen += len;
		out[olen] = '\0';
		n = link_of(out, link, sizeof(link) - 1);
		if (n < 0) {
			int rc = wants_dir(end) ? dir_of(out) :
				 n == -EINVAL	? 0 : (int)n;

			if (rc < 0)
				return rc;
			p = end;
			continue;
		}
		/* A symlink: its target, then the rest. */
		if (++links > 40)
			return -ELOOP;
		link[n] = '\0';
		if ((size_t)n + 1 + strlen(end) >= sizeof(todo))
			return -ENAMETOOLONG;
		memmove(todo + n, end, strlen(end) + 1);
		memcpy(todo, link, (size_t)n);
		p = todo;
		if (link[0] == '/') {
			olen = 1;	/* from the root again */
			out[olen] = '\0';
		} else {
			olen = drop_last_name(out, olen);
		}
	}
	return 0;
}

/* Does path (absolute: a dot has a byte before it) hold a "." or ".."
   component? */
static bool has_dots(const char *p)
{
	for (; (p = strchr(p, '.')); p++)
		if ((p[-1] == '/') && (p[1] == '/' || !p[1] ||
				       (p[1] == '.' && (p[2] == '/' || !p[2]))))
			return true;
	return false;
}

static char *un_realpath(const char *path, char *resolved)
{
	struct un_node n;
	char *r = NULL;
	int rc;

	if (!un_enter())
		return real_realpath(path, resolved);
	UN_ERRNO_IN;
	if (!path) {
		un_fail(-EINVAL);
		goto out;
	}
	rc = (int)un_user_str(path);
	if (rc < 0) {
		un_fail(rc);
		goto out;
	}
	/* glibc's realpath of a relative path starts from getcwd, which
	   fails (ENOENT) in a removed directory; so does this one. */
	if (path[0] != '/') {
		un_cwd_check();
		rc = un_cwd_get(n.vpath, sizeof(n.vpath));
		if (rc == -ESTALE) {
			un_fail(-ENOENT);
			goto out;
		}
		/* From a merged cwd, as glibc's (realpath_from): one
		   deeper than PATH_MAX too, whose names glibc's readlink
		   of the whole path refuses (ENAMETOOLONG) and whose '.'
		   and '..' it takes by name. */
		if (rc == 0 && *path)
			goto glibc_way;
	} else if (has_dots(path) &&
		   (un_config_is_ancestor(path) || un_config_find(path))) {
		/* Into a union, with a '.' or '..': its names by their whole
		   paths, as glibc's (a last '.' asks no search permission
		   of what precedes: user seed inplace:1480).  Without one,
		   the lookup from the root asks what glibc's readlinks ask,
		   and costs no call a name. */
		strcpy(n.vpath, "/");
		goto glibc_way;
	}
	rc = un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &n);
	if (rc > 0) {
		r = real_realpath(n.kpath, resolved);
		goto out;
	}
	if (rc < 0 || n.layer < 0) {
		un_fail(rc < 0 ? rc : -ENOENT);
		goto out;
	}
	goto long_answer;
glibc_way:
	rc = realpath_from(n.vpath, path);
	if (rc < 0) {
		un_fail(rc);
		goto out;
	}
	/* (Only '.' and '..' from a cwd deeper than PATH_MAX come here
	   with a path as long: glibc answers it when it allocates.) */
	if (!resolved)
		goto answer;
long_answer:
	if (strlen(n.vpath) >= PATH_MAX) {
		/* No room in the caller's PATH_MAX bytes, nor a readlink
		   of glibc's by such a path (a lookup below a directory
		   deeper than PATH_MAX). */
		un_fail(-ENAMETOOLONG);
		goto out;
	}
answer:
	if (resolved) {
		r = strcpy(resolved, n.vpath);
	} else {
		r = strdup(n.vpath);
		if (!r)
			un_fail(-ENOMEM);
	}
out:
	UN_ERRNO_OUT(r != NULL);
	un_leave();
	return r;
}

UN_EXPORT char *realpath(const char *path, char *resolved)
{
	return un_realpath(path, resolved);
}

UN_EXPORT char *__realpath_chk(const char *path, char *resolved,
			       size_t resolvedlen)
{
	if (resolvedlen < PATH_MAX)
		abort();
	return un_realpath(path, resolved);
}

UN_EXPORT char *canonicalize_file_name(const char *path)
{
	return un_realpath(path, NULL);
}
