/*
 * walk.c - glibc's directory walkers, redone over the merged view.
 *
 * scandir, scandirat, ftw, nftw, the fts_* family and glob (and their 64
 * twins) never reach the exported opendir, readdir or stat: glibc calls its
 * own hidden aliases from inside them.  A program walking a tree under
 * MERGED with them would see the bare upper (or the lower it happens to
 * stand on), never the union.  So libunion exports walkers of its own.
 *
 * They are written over the public names (opendir, fdopendir, readdir64,
 * closedir, dirfd, stat64, lstat64, openat, open, close, chdir, fchdir,
 * getcwd), which libunion itself exports: a call made from here goes the
 * way a call from the program goes, through the wrappers and so through
 * the union.  Nothing here enters the depth guard; the walkers behave as
 * ordinary code using the public API, and the user's callbacks run at
 * depth 0 like the rest of the program.
 *
 * glob is the exception: glibc's glob takes its directory functions from
 * the caller under GLOB_ALTDIRFUNC, so the real glob is called with small
 * adapters over the public functions plugged in.  The glob_t stays
 * glibc's, so globfree needs no wrapper.
 *
 * The reference is glibc 2.36 (io/ftw.c, io/fts.c, dirent/scandir*):
 * same callbacks in the same cases, same errno, same struct contents.
 * Where this code differs, on purpose:
 *
 *   - fts never changes the cwd, as if FTS_NOCHDIR were always given:
 *     every entry carries its own full path in fts_path, and fts_accpath
 *     is the same string (the API allows it; the path stays valid for as
 *     long as the entry does, which glibc's shared buffer does not).  What
 *     a chdir-mode walk would do differently (a directory that can be read
 *     but not searched shows no entries) is reproduced by a stat of
 *     "dir/.", which needs the same search permission as chdir.
 *   - nftw reads each directory whole before it descends, so only one
 *     stream is open at a time and nopenfd is not needed; with FTW_CHDIR
 *     each level keeps its stream open to fchdir back to.
 *   - The walkers use full paths (fts, and nftw without FTW_CHDIR).  Where
 *     glibc goes on below PATH_MAX's depth (nftw and ftw always, by its
 *     streams' descriptors; fts unless FTS_NOCHDIR or FTS_LOGICAL, by
 *     chdir), a path of PATH_MAX bytes or more is looked up in pieces
 *     (un_walk_at), so the walk reports the same entries; where glibc
 *     stops (fts's no-chdir walks, a root that long), the whole path
 *     fails with ENAMETOOLONG here too.  But fts_accpath is the whole
 *     path, which the caller cannot use that deep (glibc's is the name
 *     relative to the cwd it moved to).  The union's merged paths are
 *     bounded (UN_VPATH_MAX), so no walk goes deeper than that.
 *   - nftw with FTW_DEPTH hands the root "/" to its FTW_DP callback as
 *     "/" (glibc hands it "").
 *   - nftw with FTW_CHDIR reports a failure to return to the caller's
 *     cwd at the end (glibc ignores it).
 *
 * The 64 twins share one implementation: on LP64 glibc (x86_64, aarch64)
 * struct stat and stat64, dirent and dirent64, FTS and FTS64, FTSENT and
 * FTSENT64 have the same layout, which the asserts below check field by
 * field.  The code is written once over the 64 types, and the plain names
 * are casts around it (as glibc itself aliases them on these machines).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <search.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* One implementation for both twins: check that the layouts agree.    */

#define UN_SAME_FIELD(a, b, f)                                                 \
	_Static_assert(offsetof(a, f) == offsetof(b, f) &&                     \
			   sizeof(((a *)0)->f) == sizeof(((b *)0)->f),         \
		       #a " and " #b " differ in " #f)
#define UN_SAME_SIZE(a, b)                                                     \
	_Static_assert(sizeof(a) == sizeof(b) && _Alignof(a) == _Alignof(b),   \
		       #a " and " #b " differ in size")

UN_SAME_SIZE(struct stat, struct stat64);
UN_SAME_FIELD(struct stat, struct stat64, st_dev);
UN_SAME_FIELD(struct stat, struct stat64, st_ino);
UN_SAME_FIELD(struct stat, struct stat64, st_nlink);
UN_SAME_FIELD(struct stat, struct stat64, st_mode);
UN_SAME_FIELD(struct stat, struct stat64, st_uid);
UN_SAME_FIELD(struct stat, struct stat64, st_gid);
UN_SAME_FIELD(struct stat, struct stat64, st_rdev);
UN_SAME_FIELD(struct stat, struct stat64, st_size);
UN_SAME_FIELD(struct stat, struct stat64, st_blksize);
UN_SAME_FIELD(struct stat, struct stat64, st_blocks);
UN_SAME_FIELD(struct stat, struct stat64, st_atim);
UN_SAME_FIELD(struct stat, struct stat64, st_mtim);
UN_SAME_FIELD(struct stat, struct stat64, st_ctim);

UN_SAME_SIZE(struct dirent, struct dirent64);
UN_SAME_FIELD(struct dirent, struct dirent64, d_ino);
UN_SAME_FIELD(struct dirent, struct dirent64, d_off);
UN_SAME_FIELD(struct dirent, struct dirent64, d_reclen);
UN_SAME_FIELD(struct dirent, struct dirent64, d_type);
UN_SAME_FIELD(struct dirent, struct dirent64, d_name);

UN_SAME_SIZE(FTS, FTS64);
UN_SAME_FIELD(FTS, FTS64, fts_cur);
UN_SAME_FIELD(FTS, FTS64, fts_child);
UN_SAME_FIELD(FTS, FTS64, fts_array);
UN_SAME_FIELD(FTS, FTS64, fts_dev);
UN_SAME_FIELD(FTS, FTS64, fts_path);
UN_SAME_FIELD(FTS, FTS64, fts_rfd);
UN_SAME_FIELD(FTS, FTS64, fts_pathlen);
UN_SAME_FIELD(FTS, FTS64, fts_nitems);
UN_SAME_FIELD(FTS, FTS64, fts_compar);
UN_SAME_FIELD(FTS, FTS64, fts_options);

UN_SAME_SIZE(FTSENT, FTSENT64);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_cycle);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_parent);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_link);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_number);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_pointer);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_accpath);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_path);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_errno);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_symfd);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_pathlen);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_namelen);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_ino);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_dev);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_nlink);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_level);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_info);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_flags);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_instr);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_statp);
UN_SAME_FIELD(FTSENT, FTSENT64, fts_name);

/* "." or ".." */
static inline bool un_is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* Close a stream without letting closedir disturb errno. */
static void un_closedir_quiet(DIR *d)
{
	int err = errno;

	closedir(d);
	errno = err;
}

/* ------------------------------------------------------------------ */
/* scandir, scandirat                                                   */

typedef int (*un_sel64_fn)(const struct dirent64 *);
typedef int (*un_cmp64_fn)(const struct dirent64 **, const struct dirent64 **);

/*
 * The caller's comparison for the sort under way in this thread.  qsort_r
 * would pass it as an argument, but would make the library need one more
 * libc version (GLIBC_2.8), which the loader checks in every process that
 * loads it; a comparison that sorts again (a scandir inside it) saves
 * and restores it.
 */
static __thread const void *sort_arg;

static void sort_with(void *base, size_t n, size_t size,
		      int (*cmp)(const void *, const void *), const void *arg)
{
	const void *outer = sort_arg;

	sort_arg = arg;
	qsort(base, n, size, cmp);
	sort_arg = outer;
}

static int un_scan_cmp(const void *a, const void *b)
{
	un_cmp64_fn cmp = *(const un_cmp64_fn *)sort_arg;

	return cmp((const struct dirent64 **)a, (const struct dirent64 **)b);
}

/* A malloc'd copy of d, sized to its name. */
static struct dirent64 *un_dirent_dup(const struct dirent64 *d)
{
	size_t namelen = strlen(d->d_name);
	size_t size = offsetof(struct dirent64, d_name) + namelen + 1;
	struct dirent64 *copy;

	size = (size + _Alignof(struct dirent64) - 1) &
	       ~(_Alignof(struct dirent64) - 1);
	copy = malloc(size);
	if (!copy)
		return NULL;
	copy->d_ino = d->d_ino;
	copy->d_off = d->d_off;
	copy->d_reclen = size;
	copy->d_type = d->d_type;
	memcpy(copy->d_name, d->d_name, namelen + 1);
	return copy;
}

/*
 * The shared tail of the scandirs: read d to its end, keep what sel
 * selects, sort with cmp, close d.  As glibc's: -1 with errno when d is
 * NULL or when readdir or an allocation fails (then nothing is left
 * allocated); otherwise the count, with the caller's errno untouched.
 */
static int un_scan(DIR *d, struct dirent64 ***list, un_sel64_fn sel,
		   un_cmp64_fn cmp)
{
	int saved_errno = errno;
	struct dirent64 **v = NULL, **nv, *e;
	size_t n = 0, cap = 0;
	int err = 0;

	if (!d)
		return -1;
	for (;;) {
		errno = 0;
		e = readdir64(d);
		if (!e) {
			err = errno;
			break;
		}
		if (sel && !sel(e))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 10;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				err = ENOMEM;
				break;
			}
			v = nv;
		}
		v[n] = un_dirent_dup(e);
		if (!v[n]) {
			err = ENOMEM;
			break;
		}
		n++;
	}
	if (!err && n > INT_MAX)
		err = EOVERFLOW;
	if (err)
		goto out_free;

	closedir(d);
	if (cmp && n > 1)
		sort_with(v, n, sizeof(*v), un_scan_cmp, &cmp);
	*list = v;
	errno = saved_errno;
	return (int)n;

out_free:
	while (n > 0)
		free(v[--n]);
	free(v);
	closedir(d);
	errno = err;
	return -1;
}

/* Open the directory path relative to dfd, as glibc's opendirat. */
static DIR *un_opendirat(int dfd, const char *path)
{
	DIR *d;
	int fd;

	if (dfd == AT_FDCWD)
		return opendir(path);
	fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return d;
}

UN_EXPORT int scandirat64(int dfd, const char *path, struct dirent64 ***list,
			  int (*sel)(const struct dirent64 *),
			  int (*cmp)(const struct dirent64 **,
				     const struct dirent64 **))
{
	return un_scan(un_opendirat(dfd, path), list, sel, cmp);
}

UN_EXPORT int scandir64(const char *path, struct dirent64 ***list,
			int (*sel)(const struct dirent64 *),
			int (*cmp)(const struct dirent64 **,
				   const struct dirent64 **))
{
	return un_scan(opendir(path), list, sel, cmp);
}

UN_EXPORT int scandirat(int dfd, const char *path, struct dirent ***list,
			int (*sel)(const struct dirent *),
			int (*cmp)(const struct dirent **,
				   const struct dirent **))
{
	return un_scan(un_opendirat(dfd, path), (struct dirent64 ***)list,
		       (un_sel64_fn)sel, (un_cmp64_fn)cmp);
}

UN_EXPORT int scandir(const char *path, struct dirent ***list,
		      int (*sel)(const struct dirent *),
		      int (*cmp)(const struct dirent **,
				 const struct dirent **))
{
	return un_scan(opendir(path), (struct dirent64 ***)list,
		       (un_sel64_fn)sel, (un_cmp64_fn)cmp);
}

/* ------------------------------------------------------------------ */
/* Paths longer than PATH_MAX                                           */

/*
 * glibc's nftw, and its fts unless FTS_NOCHDIR, go on below PATH_MAX's
 * depth: they look an entry up from its directory's descriptor (or from
 * the cwd they moved to), never by its whole path.  These walkers keep
 * whole paths, and look such a path up in steps: un_walk_at opens the
 * directories along path in pieces shorter than PATH_MAX, each from the
 * last.  A path shorter than PATH_MAX (every walk's usual case) costs
 * nothing more than the comparison.
 *
 * Returns the directory to look up from (AT_FDCWD for a short path, else
 * a descriptor the caller closes) and sets *rest to what is left of path
 * to look up there; -1 with errno on failure.  path is written to (a NUL
 * in turn at each step's end, put back), never changed.
 */
static int un_walk_at(char *path, size_t len, const char **rest)
{
	int fd = AT_FDCWD, nfd, err;
	char *p = path, *slash;

	while (len >= PATH_MAX) {
		/* The last '/' that leaves a piece shorter than PATH_MAX. */
		slash = p + PATH_MAX - 1;
		while (slash > p && *slash != '/')
			slash--;
		if (slash == p) {
			err = ENAMETOOLONG;
			goto fail;
		}
		*slash = '\0';
		/* O_PATH: a directory that can be searched but not read. */
		nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
		if (nfd < 0) {
			err = errno;
			goto fail;
		}
		if (fd != AT_FDCWD)
			close(fd);
		fd = nfd;
		while (*slash == '/')
			slash++;
		len -= slash - p;
		p = slash;
	}
	*rest = *p ? p : ".";
	return fd;
fail:
	if (fd != AT_FDCWD)
		close(fd);
	errno = err;
	return -1;
}

/* Close what un_walk_at opened, errno kept. */
static void un_walk_at_done(int fd)
{
	int err = errno;

	if (fd != AT_FDCWD)
		close(fd);
	errno = err;
}

/* un_walk_stat's path of PATH_MAX bytes or more. */
static __attribute__((noinline)) int
un_walk_stat_deep(char *path, size_t len, struct stat64 *st, bool follow)
{
	const char *rest;
	int fd, ret;

	fd = un_walk_at(path, len, &rest);
	if (fd == -1)
		return -1;
	ret = fstatat64(fd, rest, st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
	un_walk_at_done(fd);
	return ret;
}

/* stat64 (follow) or lstat64 of path (len bytes), whatever its length. */
static inline int un_walk_stat(char *path, size_t len, struct stat64 *st,
			       bool follow)
{
	if (len < PATH_MAX)
		return follow ? stat64(path, st) : lstat64(path, st);
	return un_walk_stat_deep(path, len, st, follow);
}

/* un_walk_opendir's path of PATH_MAX bytes or more. */
static __attribute__((noinline)) DIR *un_walk_opendir_deep(char *path,
							   size_t len)
{
	const char *rest;
	DIR *d;
	int fd;

	fd = un_walk_at(path, len, &rest);
	if (fd == -1)
		return NULL;
	d = un_opendirat(fd, rest);
	un_walk_at_done(fd);
	return d;
}

/* opendir of path (len bytes), whatever its length. */
static inline DIR *un_walk_opendir(char *path, size_t len)
{
	return len < PATH_MAX ? opendir(path) : un_walk_opendir_deep(path, len);
}

/* ------------------------------------------------------------------ */
/* ftw, nftw                                                            */

#define UN_NFTW_FLAGS                                                          \
	(FTW_PHYS | FTW_MOUNT | FTW_CHDIR | FTW_DEPTH | FTW_ACTIONRETVAL)

/* The state of one ftw or nftw call. */
struct un_walk {
	bool is_nftw;	     /* which callback: nftw's or ftw's */
	un_ftw64_fn ftw;     /* ftw's callback */
	un_nftw64_fn nftw;   /* nftw's callback */
	int flags;	     /* nftw's FTW_* flags (0 for ftw) */
	char *path;	     /* the name handed to the callback */
	size_t size;	     /* allocated size of path */
	struct FTW ftw_info; /* base and level of path */
	dev_t dev;	     /* device of the root, for FTW_MOUNT */
	void *seen;	     /* tsearch tree of the directories walked */
};

/* A directory already walked (logical walks visit each one once). */
struct un_walk_seen {
	dev_t dev;
	ino64_t ino;
};

static int un_walk_seen_cmp(const void *a, const void *b)
{
	const struct un_walk_seen *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return 0;
}

static bool un_walk_was_seen(struct un_walk *w, const struct stat64 *st)
{
	struct un_walk_seen key = {.dev = st->st_dev, .ino = st->st_ino};

	return tfind(&key, &w->seen, un_walk_seen_cmp) != NULL;
}

static int un_walk_remember(struct un_walk *w, const struct stat64 *st)
{
	struct un_walk_seen *s = malloc(sizeof(*s));

	if (!s)
		return -1;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	if (!tsearch(s, &w->seen, un_walk_seen_cmp)) {
		free(s);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/*
 * ftw knows fewer kinds than nftw: a link it cannot follow is FTW_NS,
 * and without FTW_DEPTH or FTW_PHYS it never meets FTW_SL or FTW_DP.
 */
static int un_ftw_kind(int kind)
{
	if (kind == FTW_SL)
		return FTW_F;
	if (kind == FTW_DP)
		return FTW_D;
	if (kind == FTW_SLN)
		return FTW_NS;
	return kind;
}

/* Report w->path to the user's callback. */
static int un_walk_call(struct un_walk *w, const struct stat64 *st, int kind)
{
	struct FTW info = w->ftw_info;

	if (w->is_nftw)
		return w->nftw(w->path, st, kind, &info);
	return w->ftw(w->path, st, un_ftw_kind(kind));
}

/* Make room for need bytes in w->path. */
static int un_walk_reserve(struct un_walk *w, size_t need)
{
	char *p;

	if (need <= w->size)
		return 0;
	p = realloc(w->path, 2 * need);
	if (!p)
		return -1;
	w->path = p;
	w->size = 2 * need;
	return 0;
}

/*
 * Read what is left of the stream d into a list of NUL-terminated
 * names ended by an empty one, leaving out "." and "..".
 */
static int un_read_names(DIR *d, char **out)
{
	size_t len = 0, cap = 256, n;
	struct dirent64 *e;
	char *buf, *nb;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while ((e = readdir64(d))) {
		if (un_is_dot(e->d_name))
			continue;
		n = strlen(e->d_name) + 1;
		if (len + n + 1 > cap) {
			cap = 2 * (len + n + 1);
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		memcpy(buf + len, e->d_name, n);
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int un_walk_entry(struct un_walk *w, const char *name, int dfd);

/*
 * Walk the directory w->path (whose stat is st): report it, then each of
 * its entries, then (FTW_DEPTH) report it again.  With FTW_CHDIR the cwd
 * is the directory's parent on entry and parent_fd (-1 at the root) is
 * where to return.  Returns 0 to go on, or what stops the walk: -1 with
 * errno, or a callback's value.
 */
static int un_walk_dir(struct un_walk *w, const struct stat64 *st,
		       int parent_fd)
{
	bool do_chdir = w->flags & FTW_CHDIR;
	int prev_base = w->ftw_info.base;
	size_t dirlen = strlen(w->path), end;
	const char *name = w->path;
	char *names = NULL, *n;
	int ret, fd = -1;
	DIR *d;

	if (do_chdir) {
		name = w->path + w->ftw_info.base;
		if (!*name)
			name = ".";
		d = opendir(name);
	} else {
		d = un_walk_opendir(w->path, dirlen);
	}
	if (!d) {
		if (errno == EACCES)
			return un_walk_call(w, st, FTW_DNR);
		return -1;
	}

	/* As in glibc, the preorder report comes before the reading. */
	if (!(w->flags & FTW_DEPTH)) {
		ret = un_walk_call(w, st, FTW_D);
		if (ret)
			goto out;
	}
	if (do_chdir) {
		fd = dirfd(d);
		if (fchdir(fd) < 0) {
			ret = -1;
			goto out;
		}
	}
	ret = un_read_names(d, &names);
	if (ret < 0) {
		errno = -ret;
		ret = -1;
		goto out;
	}
	/* Without FTW_CHDIR nothing needs the stream any more. */
	if (!do_chdir) {
		un_closedir_quiet(d);
		d = NULL;
	}

	/* The entries' names go after "dir/" (the buffer has room). */
	end = dirlen;
	if (w->path[end - 1] != '/')
		w->path[end++] = '/';
	w->ftw_info.base = end;
	w->ftw_info.level++;
	for (n = names; *n; n += strlen(n) + 1) {
		ret = un_walk_entry(w, n, fd);
		if (ret)
			break;
	}
	if ((w->flags & FTW_ACTIONRETVAL) && ret == FTW_SKIP_SIBLINGS)
		ret = 0;
	w->ftw_info.level--;
	w->ftw_info.base = prev_base;
	w->path[dirlen] = '\0';

	if (ret == 0 && (w->flags & FTW_DEPTH))
		ret = un_walk_call(w, st, FTW_DP);

	/* Back to the parent, unless the walk stops here. */
	if (do_chdir && parent_fd >= 0 &&
	    (ret == 0 ||
	     ((w->flags & FTW_ACTIONRETVAL) && ret != -1 && ret != FTW_STOP))) {
		if (fchdir(parent_fd) < 0 &&
		    chdir(w->ftw_info.base == 1 ? "/" : "..") < 0)
			ret = -1;
	}
out:
	if (d)
		un_closedir_quiet(d);
	free(names);
	return ret;
}

/*
 * Stat the entry name of the directory being walked (whose descriptor is
 * dfd with FTW_CHDIR), classify it and report it, or walk it if it is a
 * directory.
 */
static int un_walk_entry(struct un_walk *w, const char *name, int dfd)
{
	bool phys = w->flags & FTW_PHYS;
	size_t len = strlen(name);
	char *path;
	struct stat64 st;
	int kind, ret = 0;

	if (un_walk_reserve(w, w->ftw_info.base + len + 2) < 0)
		return -1;
	memcpy(w->path + w->ftw_info.base, name, len + 1);
	path = w->path;
	if (w->flags & FTW_CHDIR)
		path += w->ftw_info.base;
	else
		len += w->ftw_info.base;

	if (un_walk_stat(path, len, &st, !phys) < 0) {
		if (errno != EACCES && errno != ENOENT)
			return -1;
		if (!phys && un_walk_stat(path, len, &st, false) == 0 &&
		    S_ISLNK(st.st_mode)) {
			kind = FTW_SLN;
		} else {
			memset(&st, 0, sizeof(st));
			kind = FTW_NS;
		}
	} else if (S_ISDIR(st.st_mode)) {
		kind = FTW_D;
	} else if (S_ISLNK(st.st_mode)) {
		kind = FTW_SL;
	} else {
		kind = FTW_F;
	}

	if (kind == FTW_NS || !(w->flags & FTW_MOUNT) || st.st_dev == w->dev) {
		if (kind != FTW_D)
			ret = un_walk_call(w, &st, kind);
		else if (phys)
			ret = un_walk_dir(w, &st, dfd);
		else if (!un_walk_was_seen(w, &st) &&
			 (ret = un_walk_remember(w, &st)) == 0)
			ret = un_walk_dir(w, &st, dfd);
	}
	if ((w->flags & FTW_ACTIONRETVAL) && ret == FTW_SKIP_SUBTREE)
		ret = 0;
	return ret;
}

/*
 * Stat the root w->path, and report it or walk it.  With FTW_CHDIR, go
 * to the directory that holds the root first and come back at the end.
 */
static int un_walk_root(struct un_walk *w)
{
	bool do_chdir = w->flags & FTW_CHDIR;
	bool phys = w->flags & FTW_PHYS;
	int ret = 0, cwdfd = -1, err;
	const char *name = w->path;
	char *cwd = NULL;
	struct stat64 st;

	if (do_chdir) {
		int base = w->ftw_info.base;

		cwdfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cwdfd < 0) {
			/* A cwd that can be searched but not read. */
			if (errno == EACCES)
				cwd = getcwd(NULL, 0);
			if (!cwd)
				return -1;
		}
		if (base == 1) {
			ret = chdir("/");
		} else if (base > 1) {
			char c = w->path[base - 1];

			w->path[base - 1] = '\0';
			ret = chdir(w->path);
			w->path[base - 1] = c;
		}
		name = w->path + base;
		if (!*name)
			name = ".";
	}

	if (ret == 0) {
		if ((phys ? lstat64(name, &st) : stat64(name, &st)) < 0) {
			if (!phys && errno == ENOENT &&
			    lstat64(name, &st) == 0 && S_ISLNK(st.st_mode))
				ret = un_walk_call(w, &st, FTW_SLN);
			else
				ret = -1;
		} else if (S_ISDIR(st.st_mode)) {
			w->dev = st.st_dev;
			if (!phys)
				ret = un_walk_remember(w, &st);
			if (ret == 0)
				ret = un_walk_dir(w, &st, -1);
		} else {
			ret = un_walk_call(
			    w, &st, S_ISLNK(st.st_mode) ? FTW_SL : FTW_F);
		}
		if ((w->flags & FTW_ACTIONRETVAL) &&
		    (ret == FTW_SKIP_SUBTREE || ret == FTW_SKIP_SIBLINGS))
			ret = 0;
	}

	/*
	 * Back to where the caller was.  glibc ignores a failure here; it
	 * is reported (-1 with errno) when the walk itself went well.
	 */
	err = errno;
	if (cwdfd >= 0) {
		if (fchdir(cwdfd) < 0 && ret == 0) {
			ret = -1;
			err = errno;
		}
		close(cwdfd);
	} else if (cwd) {
		if (chdir(cwd) < 0 && ret == 0) {
			ret = -1;
			err = errno;
		}
		free(cwd);
	}
	errno = err;
	return ret;
}

/* The common entry of ftw and nftw. */
static int un_walk(const char *root, struct un_walk *w)
{
	size_t len;
	char *cp;
	int ret, err;

	/* glibc's walkers read the root at once; we answer EFAULT. */
	if (un_user_str(root) == -EFAULT) {
		errno = EFAULT;
		return -1;
	}
	len = strlen(root);
	if (!len) {
		errno = ENOENT;
		return -1;
	}
	w->size = 2 * len > PATH_MAX ? 2 * len : PATH_MAX;
	w->path = malloc(w->size);
	if (!w->path)
		return -1;
	memcpy(w->path, root, len + 1);

	/* Strip trailing slashes (not the root's own); find the base. */
	cp = w->path + len;
	while (cp > w->path + 1 && cp[-1] == '/')
		--cp;
	*cp = '\0';
	while (cp > w->path && cp[-1] != '/')
		--cp;
	w->ftw_info.base = cp - w->path;
	w->ftw_info.level = 0;
	w->seen = NULL;

	ret = un_walk_root(w);

	err = errno;
	tdestroy(w->seen, free);
	free(w->path);
	errno = err;
	return ret;
}

UN_EXPORT int nftw64(const char *path, un_nftw64_fn fn, int nopenfd, int flags)
{
	struct un_walk w = {.is_nftw = true, .nftw = fn, .flags = flags};

	(void)nopenfd;
	if (flags & ~UN_NFTW_FLAGS) {
		errno = EINVAL;
		return -1;
	}
	return un_walk(path, &w);
}

UN_EXPORT int nftw(const char *path, un_nftw_fn fn, int nopenfd, int flags)
{
	return nftw64(path, (un_nftw64_fn)fn, nopenfd, flags);
}

UN_EXPORT int ftw64(const char *path, un_ftw64_fn fn, int nopenfd)
{
	struct un_walk w = {.is_nftw = false, .ftw = fn, .flags = 0};

	(void)nopenfd;
	return un_walk(path, &w);
}

UN_EXPORT int ftw(const char *path, un_ftw_fn fn, int nopenfd)
{
	return ftw64(path, (un_ftw64_fn)fn, nopenfd);
}

/* ------------------------------------------------------------------ */
/* fts                                                                  */

typedef int (*un_fts_cmp_fn)(const FTSENT64 **, const FTSENT64 **);

/* An fts stream: glibc's FTS64 first, then what this file adds. */
struct un_fts {
	FTS64 pub;	   /* glibc's stream, what the caller holds */
	un_fts_cmp_fn cmp; /* the caller's compar, or NULL */
	bool chdir_mode;   /* the caller let fts change directories */
};

/* What un_fts_build builds for (glibc's BCHILD, BNAMES, BREAD). */
enum un_fts_build {
	UN_FTS_CHILD, /* fts_children */
	UN_FTS_NAMES, /* fts_children, names only */
	UN_FTS_READ,  /* fts_read */
};

#define UN_FTS_ISSET(sp, opt) ((sp)->pub.fts_options & (opt))
#define UN_FTS_SET(sp, opt) ((sp)->pub.fts_options |= (opt))
#define UN_FTS_CLR(sp, opt) ((sp)->pub.fts_options &= ~(opt))

/* The length of p's path that a child's path starts with (no "//"). */
static size_t un_fts_dirlen(const FTSENT64 *p)
{
	size_t len = p->fts_pathlen;

	return len && p->fts_path[len - 1] == '/' ? len - 1 : len;
}

/*
 * A new entry named name, in one allocation: the FTSENT64 with its name,
 * the stat buffer, then the path (parent's path "/" name, or the name
 * itself for a root).  NULL with errno on failure.
 */
static FTSENT64 *un_fts_alloc(const char *name, size_t namelen,
			      const FTSENT64 *parent)
{
	size_t dirlen = parent ? un_fts_dirlen(parent) : 0;
	size_t pathlen = parent ? dirlen + 1 + namelen : namelen;
	size_t head = offsetof(FTSENT64, fts_name) + namelen + 1;
	size_t align = _Alignof(struct stat64);
	FTSENT64 *p;
	char *path;

	if (pathlen >= USHRT_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (head < sizeof(FTSENT64))
		head = sizeof(FTSENT64);
	head = (head + align - 1) & ~(align - 1);
	p = malloc(head + sizeof(struct stat64) + pathlen + 1);
	if (!p)
		return NULL;
	memset(p, 0, head + sizeof(struct stat64));
	memcpy(p->fts_name, name, namelen);
	p->fts_name[namelen] = '\0';
	p->fts_namelen = namelen;
	p->fts_statp = (struct stat64 *)((char *)p + head);

	path = (char *)p + head + sizeof(struct stat64);
	if (parent) {
		memcpy(path, parent->fts_path, dirlen);
		path[dirlen] = '/';
		memcpy(path + dirlen + 1, name, namelen + 1);
	} else {
		memcpy(path, name, namelen + 1);
	}
	p->fts_path = p->fts_accpath = path;
	p->fts_pathlen = pathlen;
	p->fts_symfd = -1;
	p->fts_instr = FTS_NOINSTR;
	return p;
}

static void un_fts_lfree(FTSENT64 *head)
{
	FTSENT64 *p;

	while ((p = head)) {
		head = head->fts_link;
		free(p);
	}
}

/*
 * stat64 (follow) or lstat64 of path, p's or a path below it.  In chdir
 * mode glibc looks p up from its parent, where the walk went: p's whole
 * path may be PATH_MAX or longer, but never a root's (glibc's fails too).
 */
static inline int un_fts_lstat(const struct un_fts *sp, const FTSENT64 *p,
			       char *path, size_t len, struct stat64 *sb,
			       bool follow)
{
	if (len >= PATH_MAX && sp->chdir_mode && p->fts_level > FTS_ROOTLEVEL)
		return un_walk_stat_deep(path, len, sb, follow);
	return follow ? stat64(path, sb) : lstat64(path, sb);
}

/*
 * Stat p (following a link for a logical walk or when follow is set) and
 * classify it; a directory also gets its device, inode and link count and
 * is checked against its ancestors for a cycle.
 */
static unsigned short un_fts_stat(struct un_fts *sp, FTSENT64 *p, bool follow)
{
	struct stat64 *sb = p->fts_statp;
	FTSENT64 *t;
	int err;

	if (UN_FTS_ISSET(sp, FTS_LOGICAL) || follow) {
		if (un_fts_lstat(sp, p, p->fts_accpath, p->fts_pathlen, sb,
				 true) < 0) {
			err = errno;
			if (un_fts_lstat(sp, p, p->fts_accpath, p->fts_pathlen,
					 sb, false) == 0) {
				errno = 0;
				return FTS_SLNONE;
			}
			p->fts_errno = err;
			goto out_none;
		}
	} else if (un_fts_lstat(sp, p, p->fts_accpath, p->fts_pathlen, sb,
				false) < 0) {
		p->fts_errno = errno;
		goto out_none;
	}

	p->fts_dev = sb->st_dev;
	p->fts_ino = sb->st_ino;
	p->fts_nlink = sb->st_nlink;
	if (S_ISDIR(sb->st_mode)) {
		if (un_is_dot(p->fts_name))
			return FTS_DOT;
		for (t = p->fts_parent; t->fts_level >= FTS_ROOTLEVEL;
		     t = t->fts_parent) {
			if (t->fts_ino == p->fts_ino &&
			    t->fts_dev == p->fts_dev) {
				p->fts_cycle = t;
				return FTS_DC;
			}
		}
		return FTS_D;
	}
	if (S_ISLNK(sb->st_mode))
		return FTS_SL;
	if (S_ISREG(sb->st_mode))
		return FTS_F;
	return FTS_DEFAULT;

out_none:
	memset(sb, 0, sizeof(*sb));
	return FTS_NS;
}

static int un_fts_cmp(const void *a, const void *b)
{
	const struct un_fts *sp = sort_arg;

	return sp->cmp((const FTSENT64 **)a, (const FTSENT64 **)b);
}

/*
 * Sort the list head of nitems entries with the caller's compar, in the
 * stream's array; unsorted when the array cannot grow (as glibc).
 */
static FTSENT64 *un_fts_sort(struct un_fts *sp, FTSENT64 *head, int nitems)
{
	FTSENT64 **a, *p;
	int i;

	if (nitems > sp->pub.fts_nitems) {
		a = realloc(sp->pub.fts_array, (nitems + 40) * sizeof(*a));
		if (!a)
			return head;
		sp->pub.fts_array = a;
		sp->pub.fts_nitems = nitems + 40;
	}
	a = sp->pub.fts_array;
	for (i = 0, p = head; p; p = p->fts_link)
		a[i++] = p;
	sort_with(a, nitems, sizeof(*a), un_fts_cmp, sp);
	for (i = 0; i < nitems - 1; i++)
		a[i]->fts_link = a[i + 1];
	a[nitems - 1]->fts_link = NULL;
	return a[0];
}

/*
 * Could a chdir-mode fts enter directory p?  It needs search permission,
 * which a stat of "p/." asks for as well.  0, or -1 with errno.
 */
static int un_fts_enter_check(const struct un_fts *sp, const FTSENT64 *p)
{
	size_t len = un_fts_dirlen(p);
	struct stat64 st;
	char *path;
	int ret, err;

	path = malloc(len + 3);
	if (!path)
		return -1;
	memcpy(path, p->fts_path, len);
	memcpy(path + len, "/.", 3);
	ret = un_fts_lstat(sp, p, path, len + 2, &st, true);
	err = errno;
	free(path);
	errno = err;
	return ret < 0 ? -1 : 0;
}

/*
 * Read the directory sp->pub.fts_cur into a list of entries (sorted if
 * the caller gave compar), glibc's fts_build.  NULL when there is none:
 * for fts_read, fts_info then says why (FTS_DNR, FTS_DP; FTS_ERR with
 * FTS_STOP set on a fatal error).
 */
static FTSENT64 *un_fts_build(struct un_fts *sp, enum un_fts_build type)
{
	FTSENT64 *cur = sp->pub.fts_cur, *head = NULL, *tail = NULL, *p;
	bool nostat = false;
	struct dirent64 *e;
	int nitems = 0, cderr = 0, err;
	long nlinks;
	DIR *d;

	if (sp->chdir_mode && cur->fts_level > FTS_ROOTLEVEL)
		d = un_walk_opendir(cur->fts_path, cur->fts_pathlen);
	else
		d = opendir(cur->fts_accpath);
	if (!d) {
		if (type == UN_FTS_READ) {
			cur->fts_info = FTS_DNR;
			cur->fts_errno = errno;
		}
		return NULL;
	}

	/*
	 * nlinks: how many subdirectories may remain when cheating on stat
	 * (FTS_NOSTAT in a physical walk trusts the link count and d_type),
	 * 0 for no stat at all, -1 to stat everything.
	 */
	if (type == UN_FTS_NAMES) {
		nlinks = 0;
	} else if (UN_FTS_ISSET(sp, FTS_NOSTAT) &&
		   UN_FTS_ISSET(sp, FTS_PHYSICAL)) {
		nlinks = (long)cur->fts_nlink -
			 (UN_FTS_ISSET(sp, FTS_SEEDOT) ? 0 : 2);
		if (nlinks < 0)
			nlinks = -1;
		nostat = true;
	} else {
		nlinks = -1;
	}

	/* Where glibc would chdir in and fail, it reads no entries. */
	if (sp->chdir_mode && (nlinks || type == UN_FTS_READ) &&
	    un_fts_enter_check(sp, cur) < 0) {
		cderr = errno;
		if (nlinks && type == UN_FTS_READ)
			cur->fts_errno = cderr;
		cur->fts_flags |= FTS_DONTCHDIR;
		closedir(d);
		d = NULL;
	}

	while (d && (e = readdir64(d))) {
		if (!UN_FTS_ISSET(sp, FTS_SEEDOT) && un_is_dot(e->d_name))
			continue;
		p = un_fts_alloc(e->d_name, strlen(e->d_name), cur);
		if (!p) {
			err = errno;
			un_fts_lfree(head);
			closedir(d);
			cur->fts_info = FTS_ERR;
			UN_FTS_SET(sp, FTS_STOP);
			errno = err;
			return NULL;
		}
		p->fts_level = cur->fts_level + 1;
		p->fts_parent = cur;
		if (nlinks == 0 || (nostat && e->d_type != DT_DIR &&
				    e->d_type != DT_UNKNOWN)) {
			p->fts_info = FTS_NSOK;
		} else {
			p->fts_info = un_fts_stat(sp, p, false);
			if (nlinks > 0 &&
			    (p->fts_info == FTS_D || p->fts_info == FTS_DC ||
			     p->fts_info == FTS_DOT))
				nlinks--;
		}
		if (tail)
			tail->fts_link = p;
		else
			head = p;
		tail = p;
		nitems++;
	}
	if (d)
		un_closedir_quiet(d);

	if (!nitems) {
		if (type == UN_FTS_READ)
			cur->fts_info = FTS_DP;
		errno = cderr;
		return NULL;
	}
	if (sp->cmp && nitems > 1)
		head = un_fts_sort(sp, head, nitems);
	return head;
}

/* Make root p current: its name becomes its last component. */
static void un_fts_load(struct un_fts *sp, FTSENT64 *p)
{
	char *cp = strrchr(p->fts_name, '/');

	if (cp && (cp != p->fts_name || cp[1])) {
		size_t len = strlen(++cp);

		memmove(p->fts_name, cp, len + 1);
		p->fts_namelen = len;
	}
	p->fts_accpath = p->fts_path;
	sp->pub.fts_dev = p->fts_dev;
}

static FTS64 *un_fts_open(char *const *argv, int options, un_fts_cmp_fn cmp)
{
	FTSENT64 *parent, *root = NULL, *last = NULL, *p, *cur;
	struct un_fts *sp;
	int nitems = 0, err;
	size_t len;

	if (options & ~FTS_OPTIONMASK) {
		errno = EINVAL;
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->pub.fts_compar = (int (*)(const void *, const void *))cmp;
	sp->pub.fts_options = options;
	sp->pub.fts_rfd = -1;
	sp->cmp = cmp;
	/* Logical walks never change directories, in glibc either. */
	if (UN_FTS_ISSET(sp, FTS_LOGICAL))
		UN_FTS_SET(sp, FTS_NOCHDIR);
	sp->chdir_mode = !UN_FTS_ISSET(sp, FTS_NOCHDIR);

	parent = un_fts_alloc("", 0, NULL);
	if (!parent)
		goto out_free;
	parent->fts_level = FTS_ROOTPARENTLEVEL;

	for (; *argv; argv++, nitems++) {
		len = strlen(*argv);
		if (!len) {
			errno = ENOENT;
			goto out_free_roots;
		}
		p = un_fts_alloc(*argv, len, NULL);
		if (!p)
			goto out_free_roots;
		p->fts_level = FTS_ROOTLEVEL;
		p->fts_parent = parent;
		p->fts_info =
		    un_fts_stat(sp, p, UN_FTS_ISSET(sp, FTS_COMFOLLOW));
		/* "." and ".." given as roots are plain directories. */
		if (p->fts_info == FTS_DOT)
			p->fts_info = FTS_D;
		if (cmp) {
			p->fts_link = root;
			root = p;
		} else {
			if (last)
				last->fts_link = p;
			else
				root = p;
			last = p;
		}
	}
	if (cmp && nitems > 1)
		root = un_fts_sort(sp, root, nitems);

	/*
	 * The current node starts as a dummy "before the roots" (FTS_INIT),
	 * so fts_read moves on to the first root and fts_children lists
	 * the roots.
	 */
	cur = un_fts_alloc("", 0, NULL);
	if (!cur)
		goto out_free_roots;
	cur->fts_level = FTS_ROOTLEVEL;
	cur->fts_parent = parent;
	cur->fts_link = root;
	cur->fts_info = FTS_INIT;
	sp->pub.fts_cur = cur;
	return &sp->pub;

out_free_roots:
	err = errno;
	un_fts_lfree(root);
	free(parent);
	free(sp->pub.fts_array);
	errno = err;
out_free:
	free(sp);
	return NULL;
}

static FTSENT64 *un_fts_read(struct un_fts *sp)
{
	FTSENT64 *p = sp->pub.fts_cur, *tmp;
	int instr;

	if (!p || UN_FTS_ISSET(sp, FTS_STOP))
		return NULL;

	instr = p->fts_instr;
	p->fts_instr = FTS_NOINSTR;

	/* Any kind of node may be visited again: re-stat it. */
	if (instr == FTS_AGAIN) {
		p->fts_info = un_fts_stat(sp, p, false);
		return p;
	}
	/* Follow a link the caller asked to follow. */
	if (instr == FTS_FOLLOW &&
	    (p->fts_info == FTS_SL || p->fts_info == FTS_SLNONE)) {
		p->fts_info = un_fts_stat(sp, p, true);
		return p;
	}

	/* A directory seen in preorder: descend into it. */
	if (p->fts_info == FTS_D) {
		/* Skipped, or across a mount point: straight to postorder. */
		if (instr == FTS_SKIP || (UN_FTS_ISSET(sp, FTS_XDEV) &&
					  p->fts_dev != sp->pub.fts_dev)) {
			un_fts_lfree(sp->pub.fts_child);
			sp->pub.fts_child = NULL;
			p->fts_info = FTS_DP;
			return p;
		}
		/* fts_children read only the names: read it again. */
		if (sp->pub.fts_child && UN_FTS_ISSET(sp, FTS_NAMEONLY)) {
			UN_FTS_CLR(sp, FTS_NAMEONLY);
			un_fts_lfree(sp->pub.fts_child);
			sp->pub.fts_child = NULL;
		}
		if (sp->pub.fts_child) {
			/* Read by fts_children: glibc's chdir in may fail. */
			if (sp->chdir_mode && un_fts_enter_check(sp, p) < 0) {
				p->fts_errno = errno;
				p->fts_flags |= FTS_DONTCHDIR;
			}
		} else {
			sp->pub.fts_child = un_fts_build(sp, UN_FTS_READ);
			if (!sp->pub.fts_child) {
				if (UN_FTS_ISSET(sp, FTS_STOP))
					return NULL;
				return p;
			}
		}
		p = sp->pub.fts_child;
		sp->pub.fts_child = NULL;
		sp->pub.fts_cur = p;
		return p;
	}

	/* Move on to the next node on this level. */
next:
	tmp = p;
	p = p->fts_link;
	if (p) {
		sp->pub.fts_cur = p;
		free(tmp);
		if (p->fts_level == FTS_ROOTLEVEL) {
			un_fts_load(sp, p);
			return p;
		}
		if (p->fts_instr == FTS_SKIP)
			goto next;
		if (p->fts_instr == FTS_FOLLOW) {
			p->fts_info = un_fts_stat(sp, p, true);
			p->fts_instr = FTS_NOINSTR;
		}
		return p;
	}

	/* No more on this level: up to the parent, in postorder. */
	p = tmp->fts_parent;
	sp->pub.fts_cur = p;
	free(tmp);
	if (p->fts_level == FTS_ROOTPARENTLEVEL) {
		/* Done; errno 0 tells the end from an error. */
		free(p);
		sp->pub.fts_cur = NULL;
		errno = 0;
		return NULL;
	}
	p->fts_info = p->fts_errno ? FTS_ERR : FTS_DP;
	return p;
}

static FTSENT64 *un_fts_children(struct un_fts *sp, int instr)
{
	FTSENT64 *p = sp->pub.fts_cur;
	enum un_fts_build type = UN_FTS_CHILD;

	if (instr != 0 && instr != FTS_NAMEONLY) {
		errno = EINVAL;
		return NULL;
	}
	/* errno 0 tells an empty directory from an error. */
	errno = 0;
	if (!p || UN_FTS_ISSET(sp, FTS_STOP))
		return NULL;
	/* Before the first fts_read: the roots. */
	if (p->fts_info == FTS_INIT)
		return p->fts_link;
	if (p->fts_info != FTS_D)
		return NULL;

	un_fts_lfree(sp->pub.fts_child);
	sp->pub.fts_child = NULL;
	if (instr == FTS_NAMEONLY) {
		UN_FTS_SET(sp, FTS_NAMEONLY);
		type = UN_FTS_NAMES;
	}
	sp->pub.fts_child = un_fts_build(sp, type);
	return sp->pub.fts_child;
}

static int un_fts_set(FTSENT64 *p, int instr)
{
	if (instr != 0 && instr != FTS_AGAIN && instr != FTS_FOLLOW &&
	    instr != FTS_NOINSTR && instr != FTS_SKIP) {
		errno = EINVAL;
		return 1;
	}
	p->fts_instr = instr;
	return 0;
}

/*
 * Free the stream: from the current node on, each node and its later
 * siblings, then the parent (earlier nodes were freed as they were
 * passed), up to the roots' parent; then the children list and the
 * sort array.
 */
static int un_fts_close(struct un_fts *sp)
{
	FTSENT64 *p = sp->pub.fts_cur, *freep;

	if (p) {
		while (p && p->fts_level >= FTS_ROOTLEVEL) {
			freep = p;
			p = p->fts_link ? p->fts_link : p->fts_parent;
			free(freep);
		}
		free(p);
	}
	un_fts_lfree(sp->pub.fts_child);
	free(sp->pub.fts_array);
	free(sp);
	return 0;
}

UN_EXPORT FTS64 *fts64_open(char *const *paths, int options,
			    int (*cmp)(const FTSENT64 **, const FTSENT64 **))
{
	return un_fts_open(paths, options, cmp);
}

UN_EXPORT FTSENT64 *fts64_read(FTS64 *fts)
{
	return un_fts_read((struct un_fts *)fts);
}

UN_EXPORT FTSENT64 *fts64_children(FTS64 *fts, int options)
{
	return un_fts_children((struct un_fts *)fts, options);
}

UN_EXPORT int fts64_set(FTS64 *fts, FTSENT64 *ent, int options)
{
	(void)fts;
	return un_fts_set(ent, options);
}

UN_EXPORT int fts64_close(FTS64 *fts)
{
	return un_fts_close((struct un_fts *)fts);
}

UN_EXPORT FTS *fts_open(char *const *paths, int options,
			int (*cmp)(const FTSENT **, const FTSENT **))
{
	return (FTS *)un_fts_open(paths, options, (un_fts_cmp_fn)cmp);
}

UN_EXPORT FTSENT *fts_read(FTS *fts)
{
	return (FTSENT *)un_fts_read((struct un_fts *)fts);
}

UN_EXPORT FTSENT *fts_children(FTS *fts, int options)
{
	return (FTSENT *)un_fts_children((struct un_fts *)fts, options);
}

UN_EXPORT int fts_set(FTS *fts, FTSENT *ent, int options)
{
	(void)fts;
	return un_fts_set((FTSENT64 *)ent, options);
}

UN_EXPORT int fts_close(FTS *fts)
{
	return un_fts_close((struct un_fts *)fts);
}

/* ------------------------------------------------------------------ */
/* glob: the real one, with our directory functions                    */

static void *un_gl_opendir(const char *path)
{
	return opendir(path);
}

static void un_gl_closedir(void *d)
{
	closedir(d);
}

static struct dirent *un_gl_readdir(void *d)
{
	return readdir(d);
}

static struct dirent64 *un_gl_readdir64(void *d)
{
	return readdir64(d);
}

static int un_gl_stat(const char *restrict path, struct stat *restrict st)
{
	return stat64(path, (struct stat64 *)st);
}

static int un_gl_lstat(const char *restrict path, struct stat *restrict st)
{
	return lstat64(path, (struct stat64 *)st);
}

static int un_gl_stat64(const char *restrict path, struct stat64 *restrict st)
{
	return stat64(path, st);
}

static int un_gl_lstat64(const char *restrict path, struct stat64 *restrict st)
{
	return lstat64(path, st);
}

/*
 * A caller that brings its own directory functions (GLOB_ALTDIRFUNC)
 * gets the real glob untouched.  Otherwise ours go in, and the flag is
 * taken out of gl_flags again afterwards so the caller sees what glibc
 * would have left.
 */
UN_EXPORT int glob(const char *pattern, int flags,
		   int (*errfunc)(const char *, int), glob_t *pglob)
{
	int ret;

	un_init();
	if (flags & GLOB_ALTDIRFUNC)
		return real_glob(pattern, flags, errfunc, pglob);

	pglob->gl_opendir = un_gl_opendir;
	pglob->gl_readdir = un_gl_readdir;
	pglob->gl_closedir = un_gl_closedir;
	pglob->gl_stat = un_gl_stat;
	pglob->gl_lstat = un_gl_lstat;
	ret = real_glob(pattern, flags | GLOB_ALTDIRFUNC, errfunc, pglob);
	pglob->gl_flags &= ~GLOB_ALTDIRFUNC;
	return ret;
}

UN_EXPORT int glob64(const char *pattern, int flags,
		     int (*errfunc)(const char *, int), glob64_t *pglob)
{
	int ret;

	un_init();
	if (flags & GLOB_ALTDIRFUNC)
		return real_glob64(pattern, flags, errfunc, pglob);

	pglob->gl_opendir = un_gl_opendir;
	pglob->gl_readdir = un_gl_readdir64;
	pglob->gl_closedir = un_gl_closedir;
	pglob->gl_stat = un_gl_stat64;
	pglob->gl_lstat = un_gl_lstat64;
	ret = real_glob64(pattern, flags | GLOB_ALTDIRFUNC, errfunc, pglob);
	pglob->gl_flags &= ~GLOB_ALTDIRFUNC;
	return ret;
}
