/*
 * dents.c - getdents64 (and the old getdents) by syscall() on a
 * descriptor of a union's directory.
 *
 * The records are those of the library's own directory streams
 * (readdir.c): the descriptor's directory is opened again relative to
 * itself (openat(fd, ".")) and listed with fdopendir and readdir64, the
 * exported wrappers, so a merged directory gives the merged names with
 * whiteouts and UPPER/.union left out, and the d_ino that stat gives.
 * The listing is taken whole when the descriptor stands at offset 0 (its
 * first read, or a rewind: overlayfs likewise builds a merged listing
 * once per open or rewind) and kept per descriptor; the position in it
 * is the descriptor's own file offset, which each call moves by lseek,
 * so d_off of the k-th record is k + 1 and a program that seeks to a
 * d_off it was given finds its place again.  A listing is dropped when
 * its descriptor is closed (close, fclose; a close_range or a close in a
 * signal handler or vfork child leaves it), when its number is listed
 * again on another directory, or rewound.
 *
 * Descriptors outside every union go to the kernel untouched; one whose
 * directory was removed from the merged view answers ENOENT, as the
 * kernel's getdents of a dead directory does.  In a signal handler (no
 * malloc there) the real call answers: a listing only reads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wrap.h"

struct dent {
	uint64_t ino;
	unsigned char type;
	unsigned short len;
	size_t name;		/* offset in the listing's names */
};

struct dents {
	struct dents *next;
	int fd;
	dev_t dev;		/* the directory fd was on when listed */
	ino_t ino;
	size_t n;
	struct dent *ents;
	/* every name, NUL after each, in one buffer (no malloc a name) */
	char *names;
	size_t names_len, names_cap;
};

/* (Written under lists_lock; un_dents_forget reads the head without
   it, to pass by at once when no listing is kept.) */
static struct dents *lists;
static pthread_mutex_t lists_lock = PTHREAD_MUTEX_INITIALIZER;

/* A child of fork must not inherit the lock held (init.c's fork
   handlers call this when a lock may be). */
void un_fork_dents_child(void)
{
	pthread_mutex_init(&lists_lock, NULL);
}

static void dents_free(struct dents *l)
{
	if (!l)
		return;
	free(l->names);
	free(l->ents);
	free(l);
}

/* The whole listing of the directory fd is on, through the union. */
static int dents_build(int fd, const struct stat *st, struct dents **out)
{
	struct dents *l = calloc(1, sizeof(*l));
	struct stat dst;
	struct dirent64 *e;
	size_t cap = 0;
	int dfd, rc = 0;
	DIR *d;

	if (!l)
		return -ENOMEM;
	l->fd = fd;
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == EACCES) {
		/* "." needs search permission, which listing does not (a
		   directory of mode 0600): opened again by the name the
		   library gives the descriptor (namei.c, /proc/self/fd/N) */
		char self[64];

		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		dfd = open(self, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dfd < 0) {
		rc = -errno;
		goto out_free;
	}
	/* (A copy-up's move of fd from a lower's copy: dfd's listing is
	   merged with that lower's as fd's is; readdir.c
	   upper_dir_was_lower.  dfd is fd's very copy.) */
	if (un_fd_was_lower(fd) > 0 && real_fstat(dfd, &dst) == 0 &&
	    dst.st_dev == st->st_dev && dst.st_ino == st->st_ino)
		un_fd_was_lower_from(dfd, fd);
	d = fdopendir(dfd);
	if (!d) {
		rc = -errno;
		close(dfd);
		goto out_free;
	}
	errno = 0;
	while ((e = readdir64(d))) {
		if (l->n == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			struct dent *grown = realloc(l->ents,
						     ncap * sizeof(*grown));

			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			l->ents = grown;
			cap = ncap;
		}
		size_t len = strlen(e->d_name);

		if (l->names_len + len + 1 > l->names_cap) {
			size_t ncap = l->names_cap ? 2 * l->names_cap : 1024;
			char *grown;

			while (ncap < l->names_len + len + 1)
				ncap *= 2;
			grown = realloc(l->names, ncap);
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			l->names = grown;
			l->names_cap = ncap;
		}
		memcpy(l->names + l->names_len, e->d_name, len + 1);
		l->ents[l->n].name = l->names_len;
		l->names_len += len + 1;
		l->ents[l->n].len = len;
		l->ents[l->n].ino = e->d_ino;
		l->ents[l->n].type = e->d_type;
		l->n++;
		errno = 0;
	}
	if (!e && errno && rc == 0)
		rc = -errno;
	closedir(d);
	if (rc == 0) {
		*out = l;
		return 0;
	}
out_free:
	dents_free(l);
	return rc;
}

/* The kernel's records, from entry *pos on, into buf: the bytes. */
static size_t dents_fill(bool is64, const struct dents *l, size_t *pos,
			 char *buf, size_t count)
{
	size_t used = 0;

	for (; *pos < l->n; (*pos)++) {
		const struct dent *e = &l->ents[*pos];
		size_t reclen;

		if (is64) {
			struct dirent64 r;

			reclen = (offsetof(struct dirent64, d_name) + e->len +
				  1 + 7) & ~(size_t)7;
			if (used + reclen > count)
				break;
			r.d_ino = e->ino;
			r.d_off = (off64_t)(*pos + 1);
			r.d_reclen = reclen;
			r.d_type = e->type;
			memset(buf + used, 0, reclen);
			memcpy(buf + used, &r, offsetof(struct dirent64, d_name));
			memcpy(buf + used + offsetof(struct dirent64, d_name),
			       l->names + e->name, e->len);
		} else {
			/* struct linux_dirent: ino, off, reclen, the name,
			   its NUL, and the type in the record's last byte. */
			unsigned long ino = e->ino, off = *pos + 1;
			unsigned short rl;
			size_t name_off = 2 * sizeof(long) + sizeof(rl);

			reclen = (name_off + e->len + 2 + sizeof(long) - 1) &
				 ~(sizeof(long) - 1);
			if (used + reclen > count)
				break;
			rl = reclen;
			memset(buf + used, 0, reclen);
			memcpy(buf + used, &ino, sizeof(ino));
			memcpy(buf + used + sizeof(long), &off, sizeof(off));
			memcpy(buf + used + 2 * sizeof(long), &rl, sizeof(rl));
			memcpy(buf + used + name_off, l->names + e->name, e->len);
			buf[used + reclen - 1] = (char)e->type;
		}
		used += reclen;
	}
	return used;
}

UN_EXEC_TEXT void un_dents_forget(int fd)
{
	struct dents **pp, *l = NULL;

	/* (No free and no lock in a handler or in a vfork child, whose
	   parent's memory this is: the number's next listing replaces it.) */
	if (!__atomic_load_n(&lists, __ATOMIC_ACQUIRE) || un_in_signal() ||
	    un_fd_vfork_child())
		return;
	pthread_mutex_lock(&lists_lock);
	for (pp = &lists; *pp; pp = &(*pp)->next)
		if ((*pp)->fd == fd) {
			l = *pp;
			__atomic_store_n(pp, l->next, __ATOMIC_RELAXED);
			break;
		}
	pthread_mutex_unlock(&lists_lock);
	dents_free(l);
}

static long fail(int err)
{
	errno = err;
	return -1;
}

long un_getdents(bool is64, int fd, void *buf, unsigned int count)
{
	struct dents *l, **pp, *fresh = NULL, *old = NULL;
	char vpath[PATH_MAX];
	struct stat st;
	size_t pos, used;
	off_t off;
	int rc, fl;

	if (un_in_signal() || !un_enter())
		goto real;
	rc = un_fd_get(fd, vpath, sizeof(vpath), NULL);
	un_leave();
	if (rc == -ESTALE)
		return fail(ENOENT);
	/* (ENAMETOOLONG: a union's directory whose merged path does not
	   fit vpath, deeper than PATH_MAX; listed through the union as
	   any other, fdopendir's way.) */
	if (rc < 0 && rc != -ENAMETOOLONG)
		goto real;
	/* The kernel's own answers for what is no readable directory. */
	fl = real_fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH))
		return fail(EBADF);
	if (real_fstat(fd, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return fail(ENOTDIR);
	off = real_lseek(fd, 0, SEEK_CUR);
	if (off < 0)
		return -1;
	if (off == 0)
		un_fd_at_zero(fd);	/* (overlayfs's ovl_dir_reset) */

	pthread_mutex_lock(&lists_lock);
	for (l = lists; l && l->fd != fd; l = l->next)
		;
	if (!l || off == 0 || l->dev != st.st_dev || l->ino != st.st_ino) {
		pthread_mutex_unlock(&lists_lock);
		rc = dents_build(fd, &st, &fresh);
		if (rc < 0)
			return fail(-rc);
		pthread_mutex_lock(&lists_lock);
		for (pp = &lists; *pp && (*pp)->fd != fd; pp = &(*pp)->next)
			;
		if (*pp) {
			old = *pp;
			__atomic_store_n(pp, old->next, __ATOMIC_RELAXED);
		}
		fresh->next = lists;
		__atomic_store_n(&lists, fresh, __ATOMIC_RELEASE);
		l = fresh;
	}
	pos = (size_t)off;
	used = dents_fill(is64, l, &pos, buf, count);
	if (used == 0 && pos < l->n) {
		pthread_mutex_unlock(&lists_lock);
		dents_free(old);
		return fail(EINVAL);	/* not even one record fits */
	}
	pthread_mutex_unlock(&lists_lock);
	dents_free(old);
	if (pos != (size_t)off && real_lseek(fd, (off_t)pos, SEEK_SET) < 0)
		return -1;
	return (long)used;

real:
#ifdef SYS_getdents
	if (!is64)
		return real_syscall(SYS_getdents, fd, buf, count);
#endif
	return real_syscall(SYS_getdents64, fd, buf, count);
}
