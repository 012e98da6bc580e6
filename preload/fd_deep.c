/*
 * fd_deep.c - the real path of a directory descriptor deeper than a page.
 *
 * fdtab.c learns what a descriptor it never saw opened (one inherited
 * across exec) stands for from /proc/self/fd's link.  The kernel cannot
 * read that link for a path longer than a page (readlink answers
 * ENAMETOOLONG), which a tree made one level at a time reaches: a shell
 * whose cwd lies there hands its children a descriptor that deep.  Such
 * a directory's path is then made as glibc's getcwd makes it from the
 * cwd: up its '..'s to the root, naming each directory by the entry of
 * its parent that has its device and inode.  A rare cost (a listing of
 * each ancestor), once per descriptor.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/*
 * The name in the directory pfd of the entry that is (dev, ino), into
 * name (NAME_MAX + 1 bytes).  A d_ino equal to ino is checked by a stat
 * (a mount point's d_ino is the covered directory's); none found, every
 * directory entry is stat'ed.  0, or -1.
 */
static int name_in(int pfd, dev_t dev, ino_t ino, char *name)
{
	char buf[2048] __attribute__((aligned(8)));
	struct stat st;

	for (int pass = 0; pass < 2; pass++) {
		long got;

		if (real_lseek(pfd, 0, SEEK_SET) < 0)
			return -1;
		while ((got = real_syscall(SYS_getdents64, pfd, buf,
					   sizeof(buf))) > 0) {
			for (long pos = 0; pos < got;) {
				struct dirent64 *e =
				    (struct dirent64 *)(buf + pos);
				const char *nm = e->d_name;

				pos += e->d_reclen;
				if (nm[0] == '.' &&
				    (!nm[1] || (nm[1] == '.' && !nm[2])))
					continue;
				if (pass == 0 ? e->d_ino != ino
					      : e->d_type != DT_DIR &&
						    e->d_type != DT_UNKNOWN)
					continue;
				if (real_fstatat(pfd, nm, &st,
						 AT_SYMLINK_NOFOLLOW) == 0 &&
				    st.st_dev == dev && st.st_ino == ino) {
					strcpy(name, nm);
					return 0;
				}
			}
		}
		if (got < 0)
			return -1;
	}
	return -1;
}

/*
 * Into real (size bytes), the absolute path of the directory fd, made
 * from its '..'s.  0, or -errno (-ENAMETOOLONG when it does not fit).
 * Not in signal mode (it opens a descriptor per level).
 */
int un_fd_real_deep(int fd, char *real, size_t size)
{
	char name[NAME_MAX + 1];
	size_t pos = size - 1;
	struct stat st, pst;
	int cur, par, err = 0, saved = errno;

	real[pos] = '\0';
	cur = real_openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (cur < 0) {
		err = -errno;
		errno = saved;
		return err;
	}
	for (;;) {
		size_t len;

		if (real_fstat(cur, &st) < 0) {
			err = -errno;
			break;
		}
		par = real_openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				  0);
		if (par < 0) {
			err = -errno;
			break;
		}
		real_close(cur);
		cur = par;
		if (real_fstat(par, &pst) < 0) {
			err = -errno;
			break;
		}
		if (pst.st_dev == st.st_dev && pst.st_ino == st.st_ino)
			break; /* the root */
		if (name_in(par, st.st_dev, st.st_ino, name) < 0) {
			err = -ENOENT;
			break;
		}
		len = strlen(name);
		if (pos < len + 2) {
			err = -ENAMETOOLONG;
			break;
		}
		pos -= len;
		memcpy(real + pos, name, len);
		real[--pos] = '/';
	}
	real_close(cur);
	errno = saved;
	if (err)
		return err;
	if (pos == size - 1)
		real[--pos] = '/';
	memmove(real, real + pos, size - pos);
	return 0;
}
