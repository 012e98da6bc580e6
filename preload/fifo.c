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
 *
 * A read-only union has no upper to hold stand-ins, yet the kernel opens
 * its fifos (a read-only mount refuses writing to regular files,
 * directories and symlinks only) and never moves the lower fifo's times.
 * Its stand-ins live in a directory of the calling user's own, outside
 * every layer: RUN/libunion/fifo/DEV-INO-MOUNT, where RUN is the user's
 * runtime directory /run/user/UID when it is theirs, or else the
 * directory is /tmp/libunion-UID; it is made 0700 and used only while
 * it is a real directory owned by the user that others may not write
 * (a name another user planted in /tmp is refused, EACCES).  MOUNT
 * tells the unions apart (a hash of MERGED and the lowers), as two
 * kernel mounts of one lower have two overlay inodes.  Chosen by the
 * uid alone, not by the environment, so that every process of that user
 * meets there; processes of different users do not (in the kernel they
 * do).  A change through such a descriptor answers EROFS, as the
 * kernel's (fd_prepare: the copy-up of the fifo refuses).
 *
 * The kernel's descriptor holds its overlay inode, and so the upper
 * fifo, even once every name of it is gone (a copy-up, then unlink): a
 * change through it lands on that unlinked fifo, and fstat shows it.
 * The stand-in names the object only by its identity, which no name
 * leads to any more.  So each stand-in descriptor the process opens is
 * paired with an O_PATH descriptor of the fifo itself (held[], a small
 * lock-free table: fifos are few), kept high and close-on-exec and
 * hidden from the program as the whiteout table's are (wrap_fd.c), and
 * re-pointed at the copy when this process copies the fifo up (or finds
 * another process's copy by its name).  It is used only for a fifo that
 * no name shows and whose link count is 0, so never for a lower's.  A
 * descriptor inherited across exec, or one beyond the table, has none:
 * there the change answers ENOENT, as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wrap.h"

#define UN_FIFO_DIR UN_META_DIR "/fifo"

/* Held O_PATH descriptors: slot i pairs the stand-in descriptor
   held[i].fd1 - 1 (0: a free slot, -1: being filled or emptied) with
   held[i].obj, the fifo it opened. */
#define FIFO_HELD 64
#define FIFO_FD_MIN 900	/* where the library's own descriptors live */
static struct {
	int fd1;
	int obj;
} held[FIFO_HELD];
static int nheld;	/* slots in use: 0 makes every look free */

/* The O_PATH descriptor paired with the stand-in descriptor fd, or -1. */
UN_EXEC_TEXT static int held_obj(int fd)
{
	if (fd < 0 || !__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return -1;	/* (fd + 1 == 0 marks an empty slot) */
	for (int i = 0; i < FIFO_HELD; i++)
		if (__atomic_load_n(&held[i].fd1, __ATOMIC_ACQUIRE) == fd + 1)
			return held[i].obj;
	return -1;
}

/* Pair fd with obj (closed when there is no room). */
static void held_add(int fd, int obj)
{
	for (int i = 0; i < FIFO_HELD; i++) {
		int free_ = 0;

		if (__atomic_compare_exchange_n(&held[i].fd1, &free_, -1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			held[i].obj = obj;
			__atomic_add_fetch(&nheld, 1, __ATOMIC_RELEASE);
			__atomic_store_n(&held[i].fd1, fd + 1, __ATOMIC_RELEASE);
			return;
		}
	}
	real_close(obj);
}

/* The O_PATH descriptor of path, high and close-on-exec, or -1. */
static int open_obj(const char *path)
{
	int fd = real_open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), nfd;

	if (fd < 0 || fd >= FIFO_FD_MIN)
		return fd;
	nfd = real_fcntl(fd, F_DUPFD_CLOEXEC, FIFO_FD_MIN);
	real_close(fd);
	return nfd;
}

UN_EXEC_TEXT void un_fifo_forget(int fd)
{
	/* (fd + 1 of close(-1) is 0, the mark of an empty slot.) */
	if (fd < 0 || !__atomic_load_n(&nheld, __ATOMIC_ACQUIRE) ||
	    un_fd_vfork_child())	/* the pair is the parent's */
		return;
	for (int i = 0; i < FIFO_HELD; i++) {
		int fd1 = fd + 1;

		if (__atomic_compare_exchange_n(&held[i].fd1, &fd1, -1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			/* (fdtab.c's record of the number too) */
			un_fd_close_own(held[i].obj);
			__atomic_sub_fetch(&nheld, 1, __ATOMIC_RELEASE);
			__atomic_store_n(&held[i].fd1, 0, __ATOMIC_RELEASE);
		}
	}
}

void un_fifo_forget_range(unsigned first, unsigned last)
{
	if (!__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < FIFO_HELD; i++) {
		int fd1 = __atomic_load_n(&held[i].fd1, __ATOMIC_ACQUIRE);

		if (fd1 > 0 && (unsigned)(fd1 - 1) >= first &&
		    (unsigned)(fd1 - 1) <= last)
			un_fifo_forget(fd1 - 1);
	}
}

UN_EXEC_TEXT void un_fifo_dup(int fd, int nfd)
{
	int obj;

	if (nfd == fd)
		return;
	un_fifo_forget(nfd);	/* dup2 over a stand-in closed it */
	obj = held_obj(fd);
	if (obj >= 0) {
		obj = real_fcntl(obj, F_DUPFD_CLOEXEC, FIFO_FD_MIN);
		if (obj >= 0)
			held_add(nfd, obj);
	}
}

UN_EXEC_TEXT bool un_fifo_owns_fd(int fd)
{
	if (!__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return false;
	for (int i = 0; i < FIFO_HELD; i++)
		if (__atomic_load_n(&held[i].fd1, __ATOMIC_ACQUIRE) > 0 &&
		    held[i].obj == fd)
			return true;
	return false;
}

int un_fifo_fds(int *fds, int max)
{
	int n = 0;

	if (!__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return 0;
	for (int i = 0; i < FIFO_HELD && n < max; i++)
		if (__atomic_load_n(&held[i].fd1, __ATOMIC_ACQUIRE) > 0)
			fds[n++] = held[i].obj;
	return n;
}

UN_EXEC_TEXT void un_fifo_vacate_fd(int fd)
{
	if (!__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < FIFO_HELD; i++) {
		if (__atomic_load_n(&held[i].fd1, __ATOMIC_ACQUIRE) > 0 &&
		    held[i].obj == fd) {
			int nfd = real_fcntl(fd, F_DUPFD_CLOEXEC,
					     FIFO_FD_MIN);

			/* (No number free: the pair is forgotten.) */
			if (nfd < 0 || nfd == fd)
				un_fifo_forget(
					__atomic_load_n(&held[i].fd1,
							__ATOMIC_ACQUIRE) - 1);
			else {
				held[i].obj = nfd;
				un_fd_close_own(fd);
			}
		}
	}
}

/* Point the held descriptor obj at the fifo at path (a copy of the one
   it holds), keeping its number. */
static void held_repoint(int obj, const char *path)
{
	int nfd = real_open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (nfd < 0)
		return;
	real_dup3(nfd, obj, O_CLOEXEC);
	real_close(nfd);
}

/* The stand-in's name for the fifo of identity st (not made). */
static int stand_in_name(const struct un_mount *m, const struct stat *st,
			 char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s/" UN_FIFO_DIR "/%llx-%llx", m->upper,
			 (unsigned long long)st->st_dev,
			 (unsigned long long)st->st_ino);

	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* mkdir dir with mode, or find it there: 0 or -errno. */
static int make_dir(const char *dir, mode_t mode)
{
	if (real_mkdir(dir, mode) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

/* Is dir a real directory of the caller's (euid) that no one else may
   write? */
static bool own_dir(const char *dir, uid_t uid)
{
	struct stat st;

	return real_lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == uid && !(st.st_mode & 022);
}

/* The directory of a read-only union's stand-ins (made if needed), in
   buf: see the head of this file. */
static int private_dir(char *buf, size_t len)
{
	uid_t uid = un_self_euid();
	int w, rc;

	w = snprintf(buf, len, "/run/user/%u", (unsigned)uid);
	if (w > 0 && (size_t)w < len && own_dir(buf, uid))
		w = snprintf(buf, len, "/run/user/%u/libunion", (unsigned)uid);
	else
		w = snprintf(buf, len, "/tmp/libunion-%u", (unsigned)uid);
	if (w < 0 || (size_t)w + sizeof("/fifo") > len)
		return -ENAMETOOLONG;
	rc = make_dir(buf, 0700);
	if (rc < 0)
		return rc;
	if (!own_dir(buf, uid))
		return -EACCES;
	strcpy(buf + w, "/fifo");
	rc = make_dir(buf, 0700);
	if (rc < 0)
		return rc;
	return own_dir(buf, uid) ? 0 : -EACCES;
}

/* Which union (FNV-1a of MERGED and the lowers): two kernel mounts of
   one lower fifo are two fifos. */
static unsigned long long mount_key(const struct un_mount *m)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (int l = -1; l < m->nlower; l++) {
		const char *s = l < 0 ? m->merged : m->lower[l];

		do {
			h ^= (unsigned char)*s;
			h *= 0x100000001b3ULL;
		} while (*s++);
	}
	return h;
}

/* The stand-in of the fifo n (made if needed); its path in buf. */
static int stand_in(const struct un_node *n, char *buf, size_t len)
{
	struct stat st;
	mode_t mode;
	int w;

	if (n->mnt->upper) {
		w = snprintf(buf, len, "%s/" UN_FIFO_DIR, n->mnt->upper);
		if (w < 0 || (size_t)w >= len)
			return -ENAMETOOLONG;
		/* Every user of the union may meet there: the directory
		   is sticky and open to all, as /tmp. */
		if (real_mkdir(buf, 01777) == 0)
			real_chmod(buf, 01777);
		else if (errno != EEXIST)
			return -errno;
		w = stand_in_name(n->mnt, &n->st, buf, len);
		if (w < 0)
			return w;
		mode = 0666;
	} else {
		size_t dlen;

		w = private_dir(buf, len);
		if (w < 0)
			return w;
		dlen = strlen(buf);
		w = snprintf(buf + dlen, len - dlen, "/%llx-%llx-%llx",
			     (unsigned long long)n->st.st_dev,
			     (unsigned long long)n->st.st_ino,
			     mount_key(n->mnt));
		if (w < 0 || (size_t)w >= len - dlen)
			return -ENAMETOOLONG;
		mode = 0600;
	}
	if (real_mkfifo(buf, mode) == 0)
		real_chmod(buf, mode);	/* whatever the umask */
	else if (errno != EEXIST)
		return -errno;
	if (real_lstat(buf, &st) < 0)
		return -errno;
	return S_ISFIFO(st.st_mode) ? 0 : -EEXIST;
}

void un_fifo_copied_up(const struct un_mount *m, const struct stat *old,
		       const struct stat *copy, const char *path)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct stat st;

	if (stand_in_name(m, old, from, sizeof(from)) == 0 &&
	    stand_in_name(m, copy, to, sizeof(to)) == 0)
		real_rename(from, to);	/* none yet (ENOENT): nothing held */
	/* This process's own descriptors of the fifo follow its copy. */
	if (!__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < FIFO_HELD; i++)
		if (__atomic_load_n(&held[i].fd1, __ATOMIC_ACQUIRE) > 0 &&
		    real_fstat(held[i].obj, &st) == 0 &&
		    st.st_dev == old->st_dev && st.st_ino == old->st_ino)
			held_repoint(held[i].obj, path);
}

int un_fifo_open(const struct un_node *n, int flags)
{
	char path[PATH_MAX];
	int fd, rc;

	/* The lower fifo's permissions decide, as for a lower file: reading
	   where the lower lets the caller; writing, for an unprivileged
	   user, by the owner's bits (DESIGN.md, Permissions).  O_TRUNC asks
	   for write permission even with O_RDONLY: the kernel adds
	   MAY_WRITE for it before may_open, which then drops the
	   truncation itself for a fifo, not the check. */
	if ((flags & O_ACCMODE) != O_WRONLY &&
	    real_faccessat(AT_FDCWD, n->real, R_OK, AT_EACCESS) < 0)
		return -errno;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) {
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
	un_fifo_forget(fd);	/* (a number closed behind our back) */
	if (n->mnt->upper) {
		int obj = open_obj(n->real);

		if (obj >= 0)
			held_add(fd, obj);
	}
	return fd;
}

/* The identity of the fifo whose stand-in fd is open on, which its
   name carries: 0, or -ENOENT. */
static int stand_in_id(int fd, unsigned long long *dev,
		       unsigned long long *ino)
{
	char proc[64], stand[PATH_MAX], *end, *after;
	const char *base;
	ssize_t len;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	len = real_readlink(proc, stand, sizeof(stand) - 1);
	if (len <= 0)
		return -ENOENT;
	stand[len] = '\0';
	base = strrchr(stand, '/');
	/* Read by hand, not by sscanf: see newsys.h.  (Our own names:
	   no number in them overflows.) */
	if (!base)
		return -ENOENT;
	*dev = strtoull(base + 1, &end, 16);
	if (end == base + 1 || *end != '-')
		return -ENOENT;
	*ino = strtoull(end + 1, &after, 16);
	if (after == end + 1)
		return -ENOENT;
	return 0;
}

/* The fifo behind the stand-in fd, found by its identity at n's place
   in some layer: n filled, or -ENOENT. */
static int lower_fifo(int fd, struct un_node *n)
{
	unsigned long long dev, ino;

	if (stand_in_id(fd, &dev, &ino) < 0)
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

/* Does the name show the very fifo that fd is open on (and not a fifo
   made there since)?  Then fd's held descriptor follows it (another
   process copied it up). */
static bool is_its_fifo(int fd, const struct un_node *n)
{
	unsigned long long dev, ino;
	struct stat st;
	int obj;

	if (!S_ISFIFO(n->st.st_mode) || stand_in_id(fd, &dev, &ino) < 0 ||
	    n->st.st_dev != dev || n->st.st_ino != ino)
		return false;
	obj = held_obj(fd);
	if (obj >= 0 && real_fstat(obj, &st) == 0 &&
	    (st.st_dev != dev || st.st_ino != ino))
		held_repoint(obj, n->real);
	return true;
}

/* The fifo fd's held descriptor holds, when it is the one fd's stand-in
   stands for (and, when unlinked, a fifo no name shows: so never a
   lower's): n's st, and for real the /proc path of that descriptor;
   or -ENOENT. */
static int held_fifo(int fd, struct un_node *n, bool unlinked)
{
	unsigned long long dev, ino;
	int obj = held_obj(fd);
	struct stat st;

	if (obj < 0 || stand_in_id(fd, &dev, &ino) < 0 ||
	    real_fstat(obj, &st) < 0 || st.st_dev != dev ||
	    st.st_ino != ino || !S_ISFIFO(st.st_mode) ||
	    (unlinked && st.st_nlink != 0))
		return -ENOENT;
	snprintf(n->real, sizeof(n->real), "/proc/self/fd/%d", obj);
	n->st = st;
	n->layer = 0;
	n->at_off = 0;
	return 0;
}

/*
 * The fifo behind the stand-in fd when no name shows it any more: the
 * upper's, unlinked (link count 0), which fd's held descriptor still
 * holds.  n filled (real is the held descriptor's /proc path, which
 * un_fifo_held_path tells), or -ENOENT.
 */
static int unlinked_fifo(int fd, struct un_node *n)
{
	return n->mnt && n->mnt->upper ? held_fifo(fd, n, true) : -ENOENT;
}

bool un_fifo_held_path(const char *real)
{
	return !strncmp(real, "/proc/self/fd/", 14);
}

int un_fifo_held(int fd, struct un_node *n)
{
	int obj = held_obj(fd);
	struct stat st;

	if (obj < 0 || real_fstat(obj, &st) < 0 ||
	    st.st_dev != n->st.st_dev || st.st_ino != n->st.st_ino)
		return -EACCES;
	snprintf(n->real, sizeof(n->real), "/proc/self/fd/%d", obj);
	n->at_off = 0;
	return 0;
}


int un_fifo_object(int fd, struct un_node *n, bool named)
{
	char vpath[PATH_MAX];
	bool dir;
	int rc;

	if (!un_fd_is_fifo(fd))
		return 1;
	rc = un_fd_get(fd, vpath, sizeof(vpath), NULL);
	if (rc < 0)
		return rc;
	rc = un_lookup(AT_FDCWD, vpath, UN_LK_PARENT, n);
	if (rc > 0)
		return -ENOENT;
	/* (A change: the kernel's copy-up of a fifo whose directory was
	   removed fails so.) */
	/* A directory on the way lost its owner's x since: what fd holds
	   answers a look (fstat), as the kernel's overlay inode does; a
	   change is tried again with the way lifted (wrap_fd.c). */
	if (rc == -EACCES && !named && held_fifo(fd, n, false) == 0)
		return 0;
	if (rc < 0)
		return named && rc == -ENOENT ? -EIO : rc;
	if (n->layer >= 0 && is_its_fifo(fd, n))
		return 0;
	/* The name gone from the merged view, or another object there: the
	   kernel's descriptor keeps its inode, whose attributes are still
	   the lower fifo's, which is still there.  A change (named) copies
	   it up all the same, as the kernel's does, to the name it had
	   (un_fifo_copy_up): the kernel stages a fifo's copy in its work
	   directory and renames it over whatever non-directory holds the
	   name, a whiteout included, so the name shows the fifo again. */
	dir = n->layer >= 0 && S_ISDIR(n->st.st_mode);
	rc = lower_fifo(fd, n);
	if (rc < 0)
		return unlinked_fifo(fd, n);
	if (!named)
		return rc;
	if (n->layer == 0)
		return -ENOENT;	/* (not reached: the name held it) */
	return dir ? -EISDIR : 0;
}

int un_fifo_copy_up(struct un_node *n)
{
	char upper[PATH_MAX];
	struct stat st;
	int rc;

	if (n->layer <= 0)
		return un_copy_up(n);
	/* What the name shows instead of the fifo (after an unlink, a
	   rename or a new object made there), in the upper: replaced, as
	   the kernel's rename replaces it; the whiteout of the name, a
	   record here, dropped. */
	if (n->mnt->upper &&
	    un_path_join(upper, sizeof(upper), n->mnt->upper,
			 n->mnt->upper_len, un_node_rel(n)) == 0 &&
	    real_lstat(upper, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (real_unlink(upper) < 0)
			return -errno;
	}
	rc = un_copy_up(n);
	if (rc == 0)
		un_make_done(n, false);
	return rc;
}
