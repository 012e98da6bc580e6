/*
 * wrap_cwd.c - the current directory inside a union.
 *
 * chdir into a merged directory changes the real cwd to the directory's
 * topmost layer and remembers the merged path (fdtab.c), which getcwd
 * then answers; relative paths are looked up from it.  A MERGED that does
 * not exist on disk works the same.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wrap.h"

UN_EXPORT int chdir(const char *path)
{
	struct un_node n;
	int rc;

	char dead[UN_VPATH_MAX];
	size_t dead_at;

	if (!un_enter())
		return real_chdir(path);
	/* A path the kernel cannot read: its EFAULT, before the checks
	   below read it. */
	rc = (int)un_user_str(path);
	if (rc < 0) {
		rc = un_fail(rc);
		un_leave();
		return rc;
	}
	if (path[0] != '/')
		un_cwd_check();	/* (another process may have removed it) */
	/* Into a removed directory ('.' or '..' of a removed one): the
	   real one's own '..' is its real parent; the cwd stays dead. */
	if (un_dead_self(AT_FDCWD, path, dead, &dead_at)) {
		/* (Without '..' it is the same removed directory.) */
		bool merged = un_dead_dots_merged(AT_FDCWD, path);

		rc = real_chdir(path);
		if (rc == 0)
			un_cwd_set_dead(dead, dead_at, merged);
		un_leave();
		return rc;
	}
	rc = un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &n);
	if (rc > 0) {
		rc = real_chdir(n.kpath);
		if (rc == 0)
			un_cwd_set(NULL, -1);
	} else if (rc < 0 || n.layer < 0) {
		rc = un_fail(rc < 0 ? rc : -ENOENT);
	} else if (!S_ISDIR(n.st.st_mode)) {
		rc = un_fail(-ENOTDIR);
	} else {
		UN_KBUF(kbuf);

		rc = real_chdir(un_kreal(n.real, &kbuf));
		if (rc == 0)
			un_cwd_set(n.vpath, n.layer);
	}
	un_leave();
	return rc;
}

UN_EXPORT int fchdir(int fd)
{
	char vpath[UN_VPATH_MAX];
	int rc = real_fchdir(fd);

	if (rc == 0 && un_enter()) {
		UN_SAVE_ERRNO;
		int layer;
		size_t dead_at = 0;
		int got = un_fd_get_at(fd, vpath, sizeof(vpath), &layer,
				       &dead_at);

		if (got == 0)
			un_cwd_set(vpath, layer);
		else if (got == -ESTALE)
			un_cwd_set_dead(vpath, dead_at, un_dead_merged(fd));
		else
			un_cwd_set(NULL, -1);
		UN_RESTORE_ERRNO;
		un_leave();
	}
	return rc;
}

static char *cwd_into(char *buf, size_t size)
{
	char merged[UN_VPATH_MAX];
	size_t len;
	int rc;

	un_cwd_check();	/* (another process may have removed it) */
	rc = un_cwd_get(merged, sizeof(merged));

	if (rc == -ESTALE) {
		errno = ENOENT;	/* the kernel's getcwd in a removed directory */
		return NULL;
	}
	if (rc < 0)
		return real_getcwd(buf, size);
	len = strlen(merged) + 1;
	if (!buf) {
		buf = malloc(size > len ? size : len);
		if (!buf)
			return NULL;
	} else if (size == 0) {
		errno = EINVAL;
		return NULL;
	} else if (size < len) {
		errno = ERANGE;
		return NULL;
	} else if (un_user_mem(buf, len) < 0) {
		errno = EFAULT;	/* as the kernel's copy_to_user */
		return NULL;
	}
	memcpy(buf, merged, len);
	return buf;
}

UN_EXPORT char *getcwd(char *buf, size_t size)
{
	char *r;

	if (!un_enter())
		return real_getcwd(buf, size);
	r = cwd_into(buf, size);
	un_leave();
	return r;
}

UN_EXPORT char *__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	if (size > buflen)
		abort();
	return getcwd(buf, size);
}

UN_EXPORT char *get_current_dir_name(void)
{
	char *r;

	if (!un_enter())
		return real_get_current_dir_name();
	r = cwd_into(NULL, 0);
	un_leave();
	return r;
}

UN_EXPORT char *getwd(char *buf)
{
	char *r;

	if (!un_enter())
		return real_getwd(buf);
	r = cwd_into(buf, PATH_MAX);
	un_leave();
	return r;
}
