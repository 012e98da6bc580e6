/*
 * fsutil.c - file-system helpers of the tool.
 *
 * Removing trees (the temporary upper of `union run`, deletions applied
 * by `union commit`), listing directories in a stable order, copying a
 * file's data, metadata and extended attributes, and writing a small
 * file whole or not at all.
 *
 * Metadata is copied as the library's copy-up copies it: the owner when
 * we may (root), the mode bits, the access and modification times, and
 * every xattr we may set, except overlayfs's own (trusted.overlay.* and
 * user.overlay.*), which describe a layer, not the file.  xattrs that
 * cannot be set for want of privilege (trusted.* as a user, user.* on a
 * symlink) are left out silently, as `cp -a` does; a security.* label
 * the destination has and the source has not is kept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "union.h"

/* Remove name in dfd (path: the same, for messages), whatever it is. */
static int remove_at(int dfd, const char *name, const char *path)
{
	struct dirent *de;
	struct stat st;
	int fd, ret = 0;
	DIR *d;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return un_fail(-errno, "cannot remove '%s'", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return un_fail(-errno, "cannot remove '%s'", path);
		return 0;
	}
	/* Our own read-only directories (a copied-up 0555) must open up.
	 * Where that fails, the removal below fails and says so. */
	if ((st.st_mode & S_IRWXU) != S_IRWXU && st.st_uid == geteuid() &&
	    fchmodat(dfd, name, (st.st_mode | S_IRWXU) & 07777, 0) < 0) {
		/* reported below */
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return un_fail(-errno, "cannot remove '%s'", path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return un_fail(-errno, "cannot remove '%s'", path);
	}
	while ((de = readdir(d))) {
		char *sub;
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = un_xasprintf("%s/%s", path, de->d_name);
		r = remove_at(dirfd(d), de->d_name, sub);
		free(sub);
		if (r < 0 && !ret)
			ret = r;
	}
	closedir(d);
	if (ret < 0)
		return ret;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return un_fail(-errno, "cannot remove '%s'", path);
	return 0;
}

int un_remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path, path);
}

int un_mkdir_p(const char *path, mode_t mode)
{
	char *buf = un_xstrdup(path);
	struct stat st;
	int ret = 0;

	for (char *s = buf + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST) {
			ret = un_fail(-errno, "cannot create '%s'", buf);
			goto out_free;
		}
		*s = c;
		if (!c)
			break;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		ret = un_fail(-ENOTDIR, "cannot create the directory '%s'",
			      path);
out_free:
	free(buf);
	return ret;
}

int un_list_dir(const char *path, struct un_strv *names)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return un_fail(-errno, "cannot read the directory '%s'", path);
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			un_strv_push(names, de->d_name);
		errno = 0;
	}
	if (errno) {
		int ret = -errno;

		closedir(d);
		return un_fail(ret, "cannot read the directory '%s'", path);
	}
	closedir(d);
	un_strv_sort(names);
	return 0;
}

void un_detach_fds(int *keep, size_t n)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	unsigned next = 3;

	for (int fd = 0; fd < 3; fd++)
		if (null >= 0 && fd != null)
			dup2(null, fd);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > next)
			close_range(next, keep[i] - 1, 0);
		if ((unsigned)keep[i] + 1 > next)
			next = keep[i] + 1;
	}
	close_range(next, ~0U, 0);
}

int un_copy_data(int from, int to, const char *what)
{
	char buf[65536];
	ssize_t n;

	/* The kernel's copy first (reflinks, no trip through user space). */
	for (;;) {
		n = copy_file_range(from, NULL, to, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			break;
	}
	if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
	    errno != EOPNOTSUPP && errno != EBADF)
		return un_fail(-errno, "cannot copy '%s'", what);
	for (;;) {
		n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return un_fail(-errno, "cannot read '%s'", what);
		if (n == 0)
			return 0;
		for (char *p = buf; n > 0;) {
			ssize_t w = write(to, p, n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return un_fail(-errno, "cannot copy '%s'",
					       what);
			p += w;
			n -= w;
		}
	}
}

/* overlayfs's bookkeeping, or the library's: a copy's origin
   (UN_FMT_ORIGIN_XATTR) or mark (UN_FMT_STAGED_XATTR), which mean
   nothing outside its upper. */
bool un_xattr_is_overlay(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) ||
	       !strncmp(name, "user.overlay.", 13) ||
	       !strcmp(name, UN_FMT_ORIGIN_XATTR) ||
	       !strcmp(name, UN_FMT_STAGED_XATTR);
}

bool un_has_ovl_opaque(const char *path)
{
	char v[4];
	ssize_t n;

	n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));
	if (n == 1 && v[0] == 'y')
		return true;
	n = lgetxattr(path, "user.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/* The names of path's xattrs (not followed). */
static int xattr_names(const char *path, struct un_strv *names)
{
	ssize_t n;
	char *buf;

	n = llistxattr(path, NULL, 0);
	if (n < 0)
		return errno == ENOTSUP ? 0 : -errno;
	buf = un_xmalloc(n + 1);
	n = llistxattr(path, buf, n);
	if (n < 0) {
		free(buf);
		return errno == ENOTSUP ? 0 : -errno;
	}
	for (char *s = buf; s < buf + n; s += strlen(s) + 1)
		un_strv_push(names, s);
	free(buf);
	un_strv_sort(names);
	return 0;
}

static bool no_privilege(int err)
{
	return err == EPERM || err == ENOTSUP || err == EACCES;
}

int un_copy_xattrs(const char *from, const char *to)
{
	struct un_strv have = { 0 }, want = { 0 };
	char *val = NULL;
	int ret;

	ret = xattr_names(from, &want);
	if (ret < 0) {
		un_fail(ret, "cannot list the xattrs of '%s'", from);
		goto out_free;
	}
	ret = xattr_names(to, &have);
	if (ret < 0) {
		un_fail(ret, "cannot list the xattrs of '%s'", to);
		goto out_free;
	}
	for (size_t i = 0; i < have.n; i++) {
		/* The security labels the system gave a new file stay. */
		if (un_xattr_is_overlay(have.v[i]) ||
		    !strncmp(have.v[i], "security.", 9) ||
		    un_strv_has(&want, have.v[i]))
			continue;
		if (lremovexattr(to, have.v[i]) < 0 && !no_privilege(errno)) {
			ret = un_fail(-errno, "cannot remove the xattr %s "
					      "of '%s'", have.v[i], to);
			goto out_free;
		}
	}
	for (size_t i = 0; i < want.n; i++) {
		ssize_t n;

		if (un_xattr_is_overlay(want.v[i]))
			continue;
		n = lgetxattr(from, want.v[i], NULL, 0);
		if (n < 0)
			continue;	/* gone meanwhile, or not ours */
		val = un_xrealloc(val, n + 1);
		n = lgetxattr(from, want.v[i], val, n);
		if (n < 0)
			continue;
		if (lsetxattr(to, want.v[i], val, n, 0) < 0 &&
		    !no_privilege(errno)) {
			ret = un_fail(-errno, "cannot set the xattr %s of '%s'",
				      want.v[i], to);
			goto out_free;
		}
	}
	ret = 0;
out_free:
	free(val);
	un_strv_release(&have);
	un_strv_release(&want);
	return ret;
}

int un_set_meta(const char *path, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	uid_t uid = st->st_uid;
	gid_t gid = st->st_gid;

	un_userns_ids(&uid, &gid);	/* (a journal's real ids) */
	if (lchown(path, uid, gid) < 0 &&
	    (un_real_euid() == 0 || errno != EPERM))
		return un_fail(-errno, "cannot change the owner of '%s'", path);
	if (!S_ISLNK(st->st_mode) && chmod(path, st->st_mode & 07777) < 0)
		return un_fail(-errno, "cannot change the mode of '%s'", path);
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return un_fail(-errno, "cannot set the times of '%s'", path);
	return 0;
}

int un_read_fd(int fd, char **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *p = un_xmalloc(cap);

	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			cap *= 2;
			p = un_xrealloc(p, cap);
		}
		n = read(fd, p + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(p);
			return err;
		}
		if (n == 0)
			break;
		used += n;
	}
	p[used] = '\0';
	*buf = p;
	*len = used;
	return 0;
}

int un_read_file(const char *path, char **buf, size_t *len)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = un_read_fd(fd, buf, len);
	close(fd);
	return ret;
}

int un_write_file_atomic(const char *path, const char *buf, size_t len)
{
	char *tmp = un_xasprintf("%s.XXXXXX", path);
	int fd, ret = 0;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = un_fail(-errno, "cannot create '%s'", tmp);
		goto out_free;
	}
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = un_fail(-errno, "cannot write '%s'", tmp);
			goto out_unlink;
		}
		buf += n;
		len -= n;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		ret = un_fail(-errno, "cannot write '%s'", tmp);
		goto out_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = un_fail(-errno, "cannot write '%s'", tmp);
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = un_fail(-errno, "cannot rename '%s' to '%s'", tmp, path);
		goto out_unlink;
	}
	goto out_free;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out_free:
	free(tmp);
	return ret;
}
