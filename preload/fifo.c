/*
 * fifo.c - a lower's fifo, opened without copying it up.
 *
 * In the kernel's overlay the readers and writers of a fifo meet in the
 * overlay inode: the lower fifo is never opened, its times never move,
 * and nothing is copied up.  Here the processes of a union must meet in
 * some real fifo.  Opening the lower one would let every write move its
 * mtime (pipe_write updates the inode's times): a change to a lower.
 * Copying it up on open would show (the parent directory becomes merged,
 * st_ino changes, the write time shows).
 *
 * So a lower fifo is opened through a stand-in: a fifo in the upper's
 * metadata directory, UPPER/.union/fifo/DEV-INO (the lower fifo's
 * identity), made on first use by any process of the union, so that all
 * of them meet there.  The descriptor is marked in fdtab; what is asked
 * of the descriptor itself (fstat, statx with AT_EMPTY_PATH, fchmod and
 * the other changes through it) is answered by the merged object, as the
 * kernel answers by its overlay inode: un_fifo_object() gives it.
 *
 * A fifo of the upper opens through a stand-in too (keyed by the upper
 * fifo's identity): the kernel's pipe lives in the overlay inode, so a
 * write never moves the times that stat shows, of an upper fifo either.
 * When a lower fifo is copied up (a chmod, say) its stand-in is renamed
 * to the copy's: the descriptors held on it, in any process, and every
 * later open of the copy meet in one fifo, as in the kernel, where the
 * overlay inode outlives the copy-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wrap.h"

#define UN_FIFO_DIR UN_META_DIR "/fifo"

/* The stand-in's name for the fifo of identity st (not made). */
static int stand_in_name(const struct un_mount *m, const struct stat *st,
			 char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s/" UN_FIFO_DIR "/%llx-%llx", m->upper,
			 (unsigned long long)st->st_dev,
			 (unsigned long long)st->st_ino);

	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* The stand-in of the fifo n (made if needed); its path in buf. */
static int stand_in(const struct un_node *n, char *buf, size_t len)
{
	struct stat st;
	int w;

	w = snprintf(buf, len, "%s/" UN_FIFO_DIR, n->mnt->upper);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	/* Every user of the union may meet there: the directory is
	   sticky and open to all, as /tmp. */
	if (real_mkdir(buf, 01777) == 0)
		real_chmod(buf, 01777);
	else if (errno != EEXIST)
		return -errno;
	w = stand_in_name(n->mnt, &n->st, buf, len);
	if (w < 0)
		return w;
	if (real_mkfifo(buf, 0666) == 0)
		real_chmod(buf, 0666);	/* whatever the umask */
	else if (errno != EEXIST)
		return -errno;
	if (real_lstat(buf, &st) < 0)
		return -errno;
	return S_ISFIFO(st.st_mode) ? 0 : -EEXIST;
}

void un_fifo_copied_up(const struct un_mount *m, const struct stat *old,
		       const struct stat *copy)
{
	char from[PATH_MAX], to[PATH_MAX];

	if (stand_in_name(m, old, from, sizeof(from)) == 0 &&
	    stand_in_name(m, copy, to, sizeof(to)) == 0)
		real_rename(from, to);	/* none yet (ENOENT): nothing held */
}

int un_fifo_open(const struct un_node *n, int flags)
{
	char path[PATH_MAX];
	int fd, rc;

	/* The lower fifo's permissions decide, as for a lower file: reading
	   where the lower lets the caller; writing, for an unprivileged
	   user, by the owner's bits (DESIGN.md, Permissions). */
	if ((flags & O_ACCMODE) != O_WRONLY &&
	    real_faccessat(AT_FDCWD, n->real, R_OK, AT_EACCESS) < 0)
		return -errno;
	if ((flags & O_ACCMODE) != O_RDONLY) {
		if (un_unprivileged() ? !(n->st.st_mode & S_IWUSR)
				      : real_faccessat(AT_FDCWD, n->real, W_OK,
						       AT_EACCESS) < 0)
			return -EACCES;
	}
	rc = stand_in(n, path, sizeof(path));
	if (rc < 0)
		return rc;
	fd = real_open(path, flags & ~(O_CREAT | O_EXCL | O_TRUNC), 0);
	if (fd < 0)
		return -errno;
	un_fd_set(fd, n->vpath, false);
	un_fd_mark_fifo(fd);
	return fd;
}

/* The fifo behind the stand-in fd, found by the identity its name
   carries, at n's place in some layer: n filled, or -ENOENT. */
static int lower_fifo(int fd, struct un_node *n)
{
	char proc[64], stand[PATH_MAX];
	unsigned long long dev, ino;
	const char *base;
	ssize_t len;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	len = real_readlink(proc, stand, sizeof(stand) - 1);
	if (len <= 0)
		return -ENOENT;
	stand[len] = '\0';
	base = strrchr(stand, '/');
	if (!base || sscanf(base + 1, "%llx-%llx", &dev, &ino) != 2)
		return -ENOENT;
	n->at_off = 0;
	for (int l = n->mnt->upper ? 0 : 1; l <= n->mnt->nlower; l++) {
		if (un_path_join(n->real, sizeof(n->real), un_layer_root(n->mnt, l),
				 un_layer_len(n->mnt, l), un_node_rel(n)) < 0 ||
		    real_lstat(n->real, &n->st) < 0)
			continue;
		if (n->st.st_dev == dev && n->st.st_ino == ino) {
			n->layer = l;
			return 0;
		}
	}
	return -ENOENT;
}

int un_fifo_object(int fd, struct un_node *n, bool named)
{
	char vpath[PATH_MAX];
	int rc;

	if (!un_fd_is_fifo(fd))
		return 1;
	rc = un_fd_get(fd, vpath, sizeof(vpath), NULL);
	if (rc < 0)
		return rc;
	rc = un_lookup(AT_FDCWD, vpath, UN_LK_PARENT, n);
	if (rc > 0)
		return -ENOENT;
	if (rc < 0)
		return rc;
	if (n->layer >= 0 && S_ISFIFO(n->st.st_mode))
		return 0;
	/* The name gone from the merged view, or another object there: the
	   kernel's descriptor keeps its inode, whose attributes are still
	   the lower fifo's, which is still there.  A change must not copy it
	   up there (named: the caller would change it by name). */
	return named ? -ENOENT : lower_fifo(fd, n);
}
