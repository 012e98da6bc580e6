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

/*
 * chdir's work in a union: 0, -1 and errno, or 1 when another thread
 * changed the cwd while path was looked up from it (un_cwd_chdir): look
 * again.  The real chdir and the merged path's store are one change for
 * the other threads' lookups (tests/integration/chdir-threads-layers).
 */
static int chdir_union(const char *path)
{
	struct un_cwd_to to = { NULL, -1, 0, false };
	const unsigned long *check = NULL;
	unsigned long seq = 0;
	const char *kpath;
	struct un_node n;
	int rc, kfd;

	char dead[UN_VPATH_MAX];
	size_t dead_at;
	UN_KBUF(kbuf);

	if (path[0] != '/') {
		un_cwd_check();	/* (another process may have removed it) */
		seq = un_cwd_seq();	/* the cwd path is looked up from */
		check = &seq;
	}
	/* Into a removed directory ('.' or '..' of a removed one): the
	   real one's own '..' is its real parent; the cwd stays dead. */
	if (un_dead_self(AT_FDCWD, path, dead, &dead_at)) {
		/* (Without '..' it is the same removed directory.) */
		to.vpath = dead;
		to.dead_at = dead_at;
		to.dead_merged = un_dead_dots_merged(AT_FDCWD, path);
		return un_cwd_chdir(path, -1, &to, check);
	}
	rc = un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &n);
	if (rc > 0) {
		/* A relative kpath is guarded by check: the lookup's pin of
		   the cwd (internal.h un_cwd_pinned) is not wanted, and held
		   while un_cwd_chdir waits for the lock of another thread's
		   chdir, which waits for the pin, it would hold both up for
		   the wait's bound (fdtab.c cwd_drain). */
		if (un_cwd_pinned)
			un_cwd_unpin();
		return un_cwd_chdir(n.kpath, -1, &to, check);
	}
	if (rc < 0 || n.layer < 0)
		return un_fail(rc < 0 ? rc : -ENOENT);
	if (!S_ISDIR(n.st.st_mode))
		return un_fail(-ENOTDIR);
	if (!check && strlen(n.real) >= PATH_MAX) {
		seq = un_cwd_seq();	/* un_kreal's path from the real cwd */
		check = &seq;
	}
	/* (By the lookup's route when the whole path is refused: from
	   the cwd, through '..'; found/103.) */
	kfd = un_node_kat(&n, &kbuf, &kpath);
	kpath = un_kat_path(&kbuf, kfd, kpath);
	to.vpath = n.vpath;
	to.layer = n.layer;
	return un_cwd_chdir(kpath, -1, &to, check);
}

UN_EXPORT int chdir(const char *path)
{
	int rc;

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
	UN_SAVE_ERRNO;
	while ((rc = chdir_union(path)) > 0)
		UN_RESTORE_ERRNO;
	if (rc == 0)
		UN_RESTORE_ERRNO;
	un_leave();
	return rc;
}

UN_EXPORT int fchdir(int fd)
{
	struct un_cwd_to to = { NULL, -1, 0, false };
	char vpath[UN_VPATH_MAX];
	int got, rc;

	if (!un_enter())
		return real_fchdir(fd);
	UN_SAVE_ERRNO;
	/* Where fd stands, then the move to it with the record (a thread
	   that closes fd meanwhile races as it would in the kernel). */
	got = un_fd_get_at(fd, vpath, sizeof(vpath), &to.layer, &to.dead_at);
	if (got == 0 || got == -ESTALE)
		to.vpath = vpath;
	if (got == -ESTALE)
		to.dead_merged = un_dead_merged(fd);
	else
		to.dead_at = 0;
	UN_RESTORE_ERRNO;
	rc = un_cwd_chdir(NULL, fd, &to, NULL);
	un_leave();
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
	UN_ERRNO_IN;
	r = cwd_into(buf, size);
	UN_ERRNO_OUT(r != NULL);
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
	UN_ERRNO_IN;
	r = cwd_into(NULL, 0);
	UN_ERRNO_OUT(r != NULL);
	un_leave();
	return r;
}

UN_EXPORT char *getwd(char *buf)
{
	char *r;

	if (!un_enter())
		return real_getwd(buf);
	UN_ERRNO_IN;
	r = cwd_into(buf, PATH_MAX);
	UN_ERRNO_OUT(r != NULL);
	un_leave();
	return r;
}
