/*
 * dir.c - creation, deletion, links and rename in the merged view.
 *
 * As overlayfs's dir.c, with whiteouts kept in the table (whiteout.c)
 * instead of character devices:
 *
 *   - a new name is made in the upper, its parents copied up first; a
 *     whiteout record of that name is dropped, and a directory made where
 *     a lower directory was deleted becomes opaque ('o');
 *   - deleting a name that some lower shows records a whiteout ('w');
 *     a directory is deleted only when nothing in it is visible;
 *   - rename moves files (copied up first) and directories that lie only
 *     in the upper; a directory with lower contents answers EXDEV, as
 *     the kernel does without redirect_dir, and mv falls back to copying.
 *
 * Crash order: a table record that hides something is written before
 * the upper changes, and one that reveals something after, so that a
 * process killed between the two leaves the merged view as it was before
 * the call or as it is after it.  (A 'w' record with an upper directory
 * of the same name reads as opaque: lookup never looks below it.)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wrap.h"

/* Does a lower show the name n (were the upper not to have it)?  With
   !ask_table: does a lower hold it, whatever the table says? */
static __attribute__((noinline)) bool lower_holds(const struct un_node *n,
						 bool ask_table)
{
	uint64_t mask = n->parent_dirlayers & ~(uint64_t)1;
	const char *rel = un_node_rel(n);
	char real[UN_VPATH_MAX];
	UN_KBUF(kbuf);	/* real may be deeper than PATH_MAX */
	struct stat st;

	if (n->layer > 0)
		return true;
	if (!mask)
		return false;
	if (ask_table && n->mnt->wt &&
	    un_wtable_get(n->mnt->wt, rel, strlen(rel)) == UN_W_WHITEOUT)
		return false;
	for (int i = 1; i <= n->mnt->nlower; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		if (un_path_join(real, sizeof(real), un_layer_root(n->mnt, i),
				 un_layer_len(n->mnt, i), rel) < 0)
			continue;
		if (real_lstat(un_kreal(real, &kbuf), &st) < 0)
			continue;
		return !un_is_ovl_whiteout(&st);
	}
	return false;
}

static bool lower_shows(const struct un_node *n)
{
	return lower_holds(n, true);
}

/*
 * Write a record for n.  The directory caches of every process (dcache.c)
 * do not follow the table's every append, only the changes that can make
 * or unmake a directory or change its layers: so every record but the
 * whiteout of an existing non-directory (the common unlink, rm -rf's
 * every file) announces itself, after it is written.
 */
static int table_set(struct un_node *n, enum un_wkind kind)
{
	int rc;

	if (!n->mnt->wt)
		return kind == UN_W_NONE ? 0 : -EROFS;
	rc = un_wtable_set(n->mnt->wt, un_node_rel(n), kind);
	if (rc == 0 && (kind != UN_W_WHITEOUT || n->layer < 0 ||
			S_ISDIR(n->st.st_mode)))
		un_dcache_changed(n->mnt);
	return rc;
}

static enum un_wkind table_get(const struct un_node *n)
{
	const char *rel = un_node_rel(n);

	if (!n->mnt->wt)
		return UN_W_NONE;
	return un_wtable_get(n->mnt->wt, rel, strlen(rel));
}

/*
 * May an unprivileged user make or remove a name in n's merged parent?
 * The kernel checks the overlay directory, whose mode is that of its
 * topmost copy; lower objects count as the user's own, so the owner's w
 * and x bits decide there (DESIGN.md, Permissions).  Asked before
 * anything is copied up, so that a refused change copies nothing, and
 * for changes that reach no real directory (a whiteout is a record).
 */
static int may_change_parent(const struct un_node *n)
{
	const mode_t wx = S_IWUSR | S_IXUSR;
	char parent[UN_VPATH_MAX];
	UN_KBUF(kbuf);	/* parent may be deeper than PATH_MAX */
	struct stat st;
	char *slash;
	int top;

	if (!un_unprivileged() || !n->parent_dirlayers)
		return 0;
	top = __builtin_ctzll(n->parent_dirlayers);
	if (top > n->mnt->nlower ||
	    un_path_join(parent, sizeof(parent), un_layer_root(n->mnt, top),
			 un_layer_len(n->mnt, top), un_node_rel(n)) < 0)
		return 0;
	slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	if (top == 0) {	/* the upper's copy is the user's: ask the kernel */
		char route[PATH_MAX];
		int fd;

		if (real_faccessat(AT_FDCWD, un_kreal(parent, &kbuf),
				   W_OK | X_OK, AT_EACCESS) == 0)
			return 0;
		/* (By the lookup's route when an ancestor refused the
		   whole path: user seed absent:1648, found/107.) */
		if (errno != EACCES ||
		    (fd = un_node_route(n, parent, route)) == -1)
			return -errno;
		return real_faccessat(fd, route, W_OK | X_OK, AT_EACCESS) < 0 ?
			       -errno : 0;
	}
	if (real_stat(un_kreal(parent, &kbuf), &st) < 0)
		return -errno;
	return (st.st_mode & wx) == wx ? 0 : -EACCES;
}

int un_make_prepare(struct un_node *n, bool isdir)
{
	/* filename_create's order: an existing name, a trailing slash
	   (only mkdir takes one), then a read-only union. */
	if (n->layer >= 0)
		return -EEXIST;
	if (!isdir && n->trailing_slash)
		return -ENOENT;
	if (!n->mnt->upper)
		return -EROFS;
	if (!(n->parent_dirlayers & 1)) {
		/* The parent's copy-up must not outrun its permission. */
		int rc = may_change_parent(n);

		if (rc < 0)
			return rc;
	}
	return un_copy_up_parent(n);
}

void un_make_done(struct un_node *n, bool isdir)
{
	enum un_wkind was = table_get(n);

	UN_SAVE_ERRNO;
	un_dcache_names_changed(n->mnt);
	if (isdir && (was == UN_W_WHITEOUT || lower_shows(n)))
		table_set(n, UN_W_OPAQUE);
	else if (was != UN_W_NONE)
		table_set(n, UN_W_NONE);
	UN_RESTORE_ERRNO;
}

/*
 * A new name of '.' or '..' (mkdir, mknod, symlink...): it exists, once
 * the walk to the directory it is taken in succeeds.  -EEXIST in a union;
 * outside, 1 with n->kpath the path for the kernel to answer.
 */
static struct un_mount *dead_parent(int dirfd, const char *path);

int un_make_dots(int dirfd, const char *path, struct un_node *n)
{
	struct un_mount *m;
	int rc;

	rc = un_lookup_dots(dirfd, path, &m, n->real, sizeof(n->real));
	/* (Taken in a removed directory, the last '.' or '..' is looked
	   up no more than in a live one: filename_create's EEXIST.) */
	if (rc == 0 || (rc == -ENOENT && dead_parent(dirfd, path)))
		return -EEXIST;
	n->kpath = n->real;
	return rc;
}

/*
 * A whiteout changes its directory, as the kernel's whiteout device
 * does: the parent is copied up (done by the caller) and its mtime and
 * ctime move to now.
 */
static void touch_parent(const struct un_node *n)
{
	struct timespec times[2] = { { .tv_nsec = UTIME_OMIT },
				     { .tv_nsec = UTIME_NOW } };
	char parent[UN_VPATH_MAX];
	UN_KBUF(kbuf);	/* parent may be deeper than PATH_MAX */
	char *slash;

	if (un_path_join(parent, sizeof(parent), n->mnt->upper,
			 n->mnt->upper_len, un_node_rel(n)) < 0)
		return;
	slash = strrchr(parent, '/');
	if (!slash)
		return;
	*slash = '\0';
	real_utimensat(AT_FDCWD, un_kreal(parent, &kbuf), times, 0);
}

/* ---- emptiness of a merged directory ---- */

/* Is anything visible in the directory n?  0 empty, -ENOTEMPTY, -errno. */
static int read_empty(struct un_node *n)
{
	DIR *d;
	struct dirent64 *e;
	int fd, rc = 0;

	fd = un_dir_open_real(n);
	if (fd < 0)
		return -errno;
	d = un_dir_open(n, fd, n->layer, false);
	if (!d) {
		rc = -errno;
		real_close(fd);
		return rc;
	}
	while ((e = readdir64(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			rc = -ENOTEMPTY;
			break;
		}
	}
	closedir(d);
	return rc;
}

/* The same, as the kernel reads it with the mounter's credentials: an
   unprivileged user who took the owner's r or x from the upper copy
   (chmod 0 of a merged directory) has them lifted while it is read.  (A
   lower's own mode is never changed.) */
/* (Not inlined: its frame of paths is taken only when called; a
   thread's calls must fit in 128 KiB of stack: edges/thread-stack.) */
static __attribute__((noinline)) int check_empty(struct un_node *n)
{
	const mode_t rx = S_IRUSR | S_IXUSR;
	mode_t mode = n->st.st_mode & 07777;
	int rc = read_empty(n);
	const char *kp;
	UN_KBUF(kbuf);

	if (rc != -EACCES || n->layer != 0 || (mode & rx) == rx ||
	    !un_unprivileged())
		return rc;
	kp = un_kreal(n->real, &kbuf);
	if (real_chmod(kp, mode | rx) < 0)
		return rc;
	rc = read_empty(n);
	real_chmod(kp, mode);
	/* What was cached meanwhile saw the lifted mode. */
	un_dcache_changed(n->mnt);
	return rc;
}

/* ---- unlink, rmdir ---- */

/*
 * rmdir or unlink of a union's root: a mount point, whose parent lies
 * outside.  may_delete asks for write and search permission on that real
 * parent first (EACCES for a user who may not write it), then the mount
 * point is busy (rmdir) or a directory (unlink).
 */
static int remove_root(const struct un_node *n, bool isdir)
{
	char parent[PATH_MAX];
	char *slash;

	if (!isdir && n->trailing_slash)
		return -EISDIR;	/* unlink("dir/"): before any permission */
	memcpy(parent, n->vpath, strlen(n->vpath) + 1);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (real_faccessat(AT_FDCWD, parent, W_OK | X_OK,
				   AT_EACCESS) < 0 &&
		    (errno == EACCES || errno == EPERM || errno == EROFS))
			return -errno;
	}
	return isdir ? -EBUSY : -EISDIR;
}

/*
 * rmdir of a directory that only a lower had at the lookup, its whiteout
 * written: a copy-up begun before (its lookup found the lower directory:
 * mv into it) may have renamed its copy into the upper since.  That copy
 * is removed as the rmdir of an upper copy removes it (the kernel's rmdir
 * takes whatever directory is at the name): one a name was made in since
 * is the kernel's ENOTEMPTY, the whiteout taken back.  The copy-up looks
 * at the table after its rename (copy_up.c, copy_hidden): each side
 * changes, then looks at the other's change, a fence between, so that
 * one of the two sees the other (integration/copyup-parent-removed-race).
 * Out of line: its path.
 */
static __attribute__((noinline)) int copy_landed(struct un_node *n)
{
	char upper[UN_VPATH_MAX];
	UN_KBUF(kbuf);	/* upper may be deeper than PATH_MAX */
	const char *kp;
	struct stat st;
	int rc;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (un_path_join(upper, sizeof(upper), n->mnt->upper,
			 n->mnt->upper_len, un_node_rel(n)) < 0)
		return 0;
	kp = un_kreal(upper, &kbuf);
	if (real_lstat(kp, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (real_rmdir(kp) == 0 || errno == ENOENT) {
		un_dcache_changed(n->mnt);
		return 0;
	}
	rc = -errno;
	if (table_get(n) == UN_W_WHITEOUT)
		table_set(n, UN_W_NONE);
	return rc;
}

static int remove_node(int dirfd, const char *path, bool isdir)
{
	struct un_node n;
	enum un_wkind kind;
	uint64_t moved = 0;	/* the count of moves this rmdir raised */
	bool lower;
	int rc, dots;

	/* In the kernel's order: the path, '.' and '..', the root (a mount
	   point), a read-only union, the name, its type, its contents.
	   '.' and '..' are refused by their kind wherever they lead: "$M/.."
	   names the directory that holds MERGED (in an in-place union, the
	   one that holds the lower), which no call here may remove. */
	dots = un_path_last_dots(path);
	if (dots < 0)
		return dots;
	if (dots) {
		struct un_mount *m;

		rc = un_lookup_dots(dirfd, path, &m, n.real, sizeof(n.real));
		/* Taken in a removed directory, as un_make_dots: refused
		   by its kind as in a live one (do_rmdir, do_unlinkat). */
		if (rc == -ENOENT && dead_parent(dirfd, path))
			rc = 0;
		if (rc < 0)
			return rc;
		if (rc > 0) {
			rc = real_unlinkat(dirfd, n.real,
					   isdir ? AT_REMOVEDIR : 0);
			return rc < 0 ? -errno : 0;
		}
		if (!isdir)
			return -EISDIR;
		return dots == 1 ? -EINVAL : -ENOTEMPTY;
	}
	/* (The name's own type is judged below, in the kernel's order: a
	   slash after a file is not the lookup's ENOTDIR here.) */
	rc = un_lookup_change(dirfd, path, UN_LK_NOFOLLOW_SLASH | UN_LK_PARENT,
			      &n);
	if (rc > 0) {
		rc = isdir ? real_unlinkat(dirfd, n.kpath, AT_REMOVEDIR)
			   : real_unlinkat(dirfd, n.kpath, 0);
		return rc < 0 ? -errno : 0;
	}
	if (rc < 0)
		return rc;
	/* The union's root is a mount point: its parent lies outside, on
	   a mount that may well be writable. */
	if (n.layer >= 0 && !*un_node_rel(&n))
		return remove_root(&n, isdir);
	/* do_unlinkat, do_rmdir: the mount's write access first, then the
	   name (absent; a slash after a non-directory), then may_delete:
	   permission on the parent before the victim's type. */
	if (!n.mnt->upper)
		return -EROFS;
	if (n.layer < 0)
		return -ENOENT;
	if (!isdir && n.trailing_slash)
		return S_ISDIR(n.st.st_mode) ? -EISDIR : -ENOTDIR;
	lower = lower_shows(&n);
	/* may_delete: permission on the parent before the victim's type and
	   contents; a file of the upper alone is checked by the kernel's
	   unlink. */
	if (n.layer > 0 || lower || isdir || S_ISDIR(n.st.st_mode)) {
		rc = may_change_parent(&n);
		if (rc < 0)
			return rc;
	}
	if (!isdir && S_ISDIR(n.st.st_mode))
		return -EISDIR;
	if (isdir && !S_ISDIR(n.st.st_mode))
		return -ENOTDIR;
	/* A directory of the upper alone is the upper's rmdir to refuse
	   (ENOTEMPTY): read for emptiness, a 0000 one would be EACCES. */
	if (isdir && n.dirlayers != 1 &&
	    !un_dcache_known_empty(n.mnt, un_node_rel(&n), n.dirlayers)) {
		rc = check_empty(&n);
		if (rc < 0)
			return rc;
	}
	if (lower) {
		rc = un_copy_up_parent(&n);
		if (rc < 0)
			return rc;
		rc = table_set(&n, UN_W_WHITEOUT);
		if (rc < 0)
			return rc;
		if (isdir && n.layer > 0 && (rc = copy_landed(&n)) < 0)
			return rc;
	}
	if (n.layer == 0) {
		UN_KBUF(kbuf);
		const char *kp;
		int kfd = un_node_kat(&n, &kbuf, &kp);

		rc = real_unlinkat(kfd, kp, isdir ? AT_REMOVEDIR : 0);
		/* A copy-up's own copy, met by the lookup, that the copy-up
		   removed again on meeting the whiteout (copy_up.c,
		   copy_unland): the directory is gone, as asked. */
		if (rc < 0 && isdir && lower && errno == ENOENT)
			rc = 0;
		if (rc < 0) {
			rc = -errno;
			if (lower)
				table_set(&n, table_get(&n) == UN_W_WHITEOUT ?
						      UN_W_OPAQUE : UN_W_NONE);
			return rc;
		}
		/* A directory gone from the upper: the caches of every
		   process may still hold its layers (a file may take its
		   name next); another's descriptor on it must not follow
		   its path to a directory made there next (the count of
		   removals, before the stamp: namei.c settle_fd). */
		if (isdir) {
			moved = un_wtable_bump_removes(n.mnt->wt);
			un_dcache_changed(n.mnt);
		}
	}
	if (lower && n.layer > 0)
		touch_parent(&n);
	/* The records below a deleted directory go: the table holds only
	   what the merged view needs (union diff and export read it). */
	if (isdir && n.mnt->wt)
		un_wtable_clear_below(n.mnt->wt, un_node_rel(&n));
	if (isdir) {
		un_fd_removed(n.vpath, un_node_is_merged_dir(&n));
		un_dead_times_set(n.vpath, lower && n.layer == 0 ? &n.st : NULL);
		un_moves_own(n.mnt, moved);
	}
	/* A stale record goes; but a whiteout beside the upper's object
	   (a change killed between its record and its real change: unlink
	   and rename write the whiteout first) hides a lower's name now
	   that the object is gone: kept (tests/stress/crash.py;
	   integration/crash-unlink-killed-record). */
	if (!lower && (kind = table_get(&n)) != UN_W_NONE &&
	    !(kind == UN_W_WHITEOUT && n.layer == 0 && lower_holds(&n, false)))
		table_set(&n, UN_W_NONE);
	return 0;
}

static int remove_entered(int dirfd, const char *path, bool isdir)
{
	int rc;

	if (!un_enter())
		return isdir ? real_unlinkat(dirfd, path, AT_REMOVEDIR)
			     : real_unlinkat(dirfd, path, 0);
	UN_ERRNO_IN;
	rc = remove_node(dirfd, path, isdir);
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc < 0 ? un_fail(rc) : 0;
}

UN_EXPORT int unlink(const char *path)
{
	return remove_entered(AT_FDCWD, path, false);
}

UN_EXPORT int rmdir(const char *path)
{
	return remove_entered(AT_FDCWD, path, true);
}

UN_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	if (flags & ~AT_REMOVEDIR) {
		errno = EINVAL;
		return -1;
	}
	return remove_entered(dirfd, path, flags & AT_REMOVEDIR);
}

UN_EXPORT int remove(const char *path)
{
	int rc = remove_entered(AT_FDCWD, path, false);

	if (rc < 0 && errno == EISDIR)
		rc = remove_entered(AT_FDCWD, path, true);
	return rc;
}

/* ---- link ---- */

/*
 * The parent of a name that lies outside every union, when the other
 * name of a link or rename lies inside one.  The kernel resolves both
 * parents before it compares their mounts: a missing parent is ENOENT
 * (and a parent that is no directory ENOTDIR) rather than EXDEV.
 */
static int outside_parent(int dirfd, const char *kpath)
{
	char parent[PATH_MAX];
	size_t len = strlen(kpath);
	struct stat st;

	while (len > 1 && kpath[len - 1] == '/')
		len--;
	while (len > 0 && kpath[len - 1] != '/')
		len--;
	if (len == 0)
		return 0;	/* the name lies in dirfd itself */
	if (len >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, kpath, len);
	parent[len] = '\0';
	if (real_fstatat(dirfd, parent, &st, 0) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Both names known, one inside a union and the other outside: EXDEV
   unless the outside name's parent cannot be resolved. */
static int cross_mount(int olddirfd, int orc, const struct un_node *o,
		       int newdirfd, int rc, const struct un_node *n)
{
	int err = 0;

	if (orc > 0)
		err = outside_parent(olddirfd, o->kpath);
	if (err == 0 && rc > 0)
		err = outside_parent(newdirfd, n->kpath);
	return err < 0 ? err : -EXDEV;
}

static int link_nodes(int olddirfd, const char *oldpath, int newdirfd,
		      const char *newpath, int flags)
{
	struct un_node o, n;
	struct un_mount *odead;
	int rc, orc;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	/* The object of a descriptor (an O_TMPFILE given a name, say): copied
	   up if it lies in a lower, then linked into the upper. */
	if ((flags & AT_EMPTY_PATH) && oldpath && !*oldpath) {
		rc = un_lookup_change(newdirfd, newpath, UN_LK_PARENT, &n);
		if (rc > 0) {
			char vpath[PATH_MAX];
			int in = un_fd_get(olddirfd, vpath, sizeof(vpath), NULL);

			/* A union's object never gets a name outside it (one
			   whose merged path is PATH_MAX bytes or more, or
			   deeper than a page and unplaced, neither: a lower's
			   file linked out; integration/long-fd-link-out). */
			if (in == 0 || in == -ESTALE || in == -ENAMETOOLONG)
				return cross_mount(AT_FDCWD, 0, &n, newdirfd,
						   rc, &n);
			rc = real_linkat(olddirfd, oldpath, newdirfd, n.kpath,
					 flags);
			return rc < 0 ? -errno : 0;
		}
		if (rc < 0)
			return rc;
		rc = un_fd_copy_up(olddirfd);
		if (rc < 0)
			return rc;
		rc = un_make_prepare(&n, false);
		if (rc < 0)
			return rc;
		if (real_linkat(olddirfd, oldpath, AT_FDCWD, n.real, flags) < 0)
			return -errno;
		un_make_done(&n, false);
		return 0;
	}
	/* (The old name through a link into an in-place union is the
	   union's too: the kernel's EXDEV else.) */
	orc = un_lookup_change(olddirfd, oldpath,
			       ((flags & AT_SYMLINK_FOLLOW) ? UN_LK_FOLLOW : 0) |
				       ((flags & AT_EMPTY_PATH) ? UN_LK_EMPTY : 0),
			       &o);
	/* An old name of '.' and '..' that stays in a removed directory:
	   the kernel's lookup finds it as a live one (nothing is looked up
	   in it), the new name's checks come next, and vfs_link refuses a
	   directory last (EPERM).  Here the lookup finds nothing, or the
	   real one when it was the upper's (deleted too). */
	odead = (orc == -ENOENT || orc > 0) ?
			un_dead_dots(olddirfd, oldpath, NULL, NULL) : NULL;
	if (odead) {
		orc = 0;
		o.mnt = odead;
		o.layer = 0;
		o.st.st_mode = S_IFDIR;
	}
	if (orc < 0)
		return orc;
	if (orc == 0 && o.layer < 0)
		return -ENOENT;	/* the old name first, as the kernel */
	/* A new name of '.' or '..' exists (filename_create), wherever the
	   walk to it leads: never a link made at the name '..' stands for. */
	rc = un_path_last_dots(newpath);
	if (rc < 0)
		return rc;
	if (rc) {
		struct un_mount *m;

		rc = un_lookup_dots(newdirfd, newpath, &m, n.real,
				    sizeof(n.real));
		/* Taken in a removed directory, as un_make_dots. */
		if (rc == -ENOENT && dead_parent(newdirfd, newpath))
			rc = 0;
		if (rc < 0)
			return rc;
		if (orc > 0 && rc > 0) {
			rc = real_linkat(olddirfd, o.kpath, newdirfd, n.real,
					 flags);
			return rc < 0 ? -errno : 0;
		}
		if (orc > 0 && real_fstatat(olddirfd, o.kpath, &o.st,
					    (flags & AT_SYMLINK_FOLLOW) ? 0 :
						    AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		return -EEXIST;
	}
	rc = un_lookup_change(newdirfd, newpath, UN_LK_PARENT, &n);
	/* An old name outside every union is the kernel's to find, and it
	   finds it before it looks at the new name (filename_lookup, then
	   filename_create): ask it here unless it links the two itself. */
	if (orc > 0 && rc <= 0 &&
	    real_fstatat(olddirfd, o.kpath, &o.st,
			 (flags & AT_SYMLINK_FOLLOW) ? 0 :
						       AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (rc < 0)
		return rc;
	/* /proc/self/fd/N of a descriptor the union does not know (an
	   O_TMPFILE of the upper): the kernel finds its file. */
	if (orc > 0 && rc == 0 && !strncmp(oldpath, "/proc/", 6)) {
		rc = un_make_prepare(&n, false);
		if (rc < 0)
			return rc;
		if (real_linkat(olddirfd, o.kpath, AT_FDCWD, n.real, flags) < 0)
			return -errno;
		un_make_done(&n, false);
		return 0;
	}
	if (orc > 0 && rc > 0) {
		rc = real_linkat(olddirfd, o.kpath, newdirfd, n.kpath, flags);
		return rc < 0 ? -errno : 0;
	}
	if (orc == 0 && o.layer < 0)
		return -ENOENT;
	/* The new name's checks come first (filename_create: its parent,
	   an existing name, a trailing slash, a read-only union), then the
	   mounts, then the old object's (vfs_link). */
	if (rc > 0) {
		struct stat st;
		int err = outside_parent(newdirfd, n.kpath);

		if (err < 0)
			return err;
		if (real_fstatat(newdirfd, n.kpath, &st,
				 AT_SYMLINK_NOFOLLOW) == 0)
			return -EEXIST;
	} else if (n.layer >= 0) {
		return -EEXIST;
	}
	if (n.trailing_slash)
		return -ENOENT;
	if (rc == 0 && !n.mnt->upper)
		return -EROFS;
	if (orc > 0 || rc > 0 || o.mnt != n.mnt)
		return cross_mount(olddirfd, orc, &o, newdirfd, rc, &n);
	/* vfs_link: may_create on the new parent, then the old object's
	   type. */
	rc = may_change_parent(&n);
	if (rc < 0)
		return rc;
	if (S_ISDIR(o.st.st_mode))
		return -EPERM;
	rc = un_copy_up(&o);
	if (rc < 0)
		return rc;
	rc = un_make_prepare(&n, false);
	if (rc < 0)
		return rc;
	/* Either may lie deeper than PATH_MAX (un_node_kat). */
	UN_KBUF(okbuf);
	UN_KBUF(nkbuf);
	const char *okp, *nkp;
	int okfd = un_node_kat(&o, &okbuf, &okp);
	int nkfd = un_node_kat(&n, &nkbuf, &nkp);

	if (real_linkat(okfd, okp, nkfd, nkp, 0) < 0)
		return -errno;
	un_make_done(&n, false);
	return 0;
}

UN_EXPORT int linkat(int olddirfd, const char *oldpath, int newdirfd,
		     const char *newpath, int flags)
{
	int rc;

	if (!un_enter())
		return real_linkat(olddirfd, oldpath, newdirfd, newpath, flags);
	UN_ERRNO_IN;
	rc = link_nodes(olddirfd, oldpath, newdirfd, newpath, flags);
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc < 0 ? un_fail(rc) : 0;
}

UN_EXPORT int link(const char *oldpath, const char *newpath)
{
	return linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

/* ---- rename ---- */

/* May the caller write the directory n (a lower one counts as theirs,
   DESIGN.md, Permissions)?  A directory that changes parent needs it,
   for its '..' (vfs_rename, before overlayfs's own EXDEV). */
static int may_write_dir(const struct un_node *n)
{
	if (!un_unprivileged())
		return 0;
	if (n->layer == 0)
		return real_faccessat(AT_FDCWD, n->real, W_OK, AT_EACCESS) < 0 ?
			       -errno : 0;
	return (n->st.st_mode & S_IWUSR) ? 0 : -EACCES;
}

/* Do the merged names a and b lie in different directories? */
static bool other_parent(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa - a != sb - b || strncmp(a, b, (size_t)(sa - a));
}

/* A directory that lies (also) in a lower cannot move: EXDEV. */
static bool dir_pinned(const struct un_node *n)
{
	return S_ISDIR(n->st.st_mode) &&
	       (n->layer > 0 || (n->dirlayers & ~(uint64_t)1));
}

/* The union of the removed directory that holds path's last component
   (path relative to a removed dirfd, the directories before its last
   component '.' and '..' alone that stay in what was removed), else
   NULL.  The kernel finds such a parent as it does a live one: only a
   name looked up in it is absent. */
static struct un_mount *dead_parent(int dirfd, const char *path)
{
	char dir[PATH_MAX];
	ssize_t slen = un_user_str(path);
	size_t len;

	if (slen <= 0 || (size_t)slen >= sizeof(dir))
		return NULL;
	len = (size_t)slen;
	while (len > 0 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	if (len == 0) {
		if (path[0] == '/')
			return NULL;	/* "/" itself */
		return un_dead_self(dirfd, ".", NULL, NULL);
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	return un_dead_self(dirfd, dir, NULL, NULL);
}

/*
 * One name of a rename whose other name may be taken in a removed
 * directory, as far as the kernel's filename_parentat goes: *mnt the
 * union that holds the directory its last component is taken in (NULL
 * outside every union: the parent of a union's root is outside too; the
 * removed directory's union when that is one).  Returns un_lookup's
 * answer (0 when removed), n filled as it fills it.  A last '.' or '..'
 * is looked up only as far as that directory (see rename_nodes).
 */
static int rename_parent(int dirfd, const char *path, int dots,
			 struct un_mount **mnt, struct un_node *n)
{
	int rc;

	*mnt = dead_parent(dirfd, path);
	if (*mnt) {
		/* The parent's walk starts with may_lookup on the removed
		   directory the path is relative to. */
		if (real_faccessat(dirfd, ".", X_OK, AT_EACCESS) < 0 &&
		    errno == EACCES)
			return -EACCES;
		return 0;
	}
	if (dots < 0)
		return dots;
	if (dots) {
		rc = un_lookup_dots(dirfd, path, mnt, n->real,
				    sizeof(n->real));
		n->kpath = n->real;
		return rc;
	}
	rc = un_lookup_change(dirfd, path, UN_LK_PARENT, n);
	if (rc < 0)
		return rc;
	*mnt = rc > 0 || !*un_node_rel(n) ? NULL : n->mnt;
	return rc;
}

/*
 * rename where a name is taken in a removed directory (a removed cwd or
 * descriptor, or '.' and '..' of one): the kernel finds both parents as
 * it does live ones (EBADF, ENOTDIR...), compares their mounts, refuses
 * a '.' or '..' and a read-only mount, then looks the names up: a name
 * in a removed directory is ENOENT (lookup_one_qstr_excl: IS_DEADDIR),
 * before any check of the other's object.
 */
static int rename_dead(int olddirfd, const char *oldpath, int odots,
		       int newdirfd, const char *newpath, int ndots,
		       unsigned int flags)
{
	struct un_mount *om, *nm;
	struct un_node o, n;
	int orc, rc;

	orc = rename_parent(olddirfd, oldpath, odots, &om, &o);
	if (orc < 0)
		return orc;
	rc = rename_parent(newdirfd, newpath, ndots, &nm, &n);
	if (rc < 0)
		return rc;
	if (om != nm || !om)
		return cross_mount(olddirfd, orc, &o, newdirfd, rc, &n);
	if (odots > 0)
		return -EBUSY;
	if (ndots > 0)
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	return om->upper ? -ENOENT : -EROFS;
}

/* One name of a rename, as un_lookup's answer; dots is
   un_path_last_dots(path) (its error passed on): a last '.' or '..' is
   looked up only as far as the directory it is taken in. */
static int rename_lookup(int dirfd, const char *path, int dots,
			 struct un_node *n)
{
	int rc;

	if (dots < 0)
		return dots;
	if (!dots)
		return un_lookup_change(dirfd, path, UN_LK_PARENT, n);
	rc = un_lookup_dots(dirfd, path, &n->mnt, n->real, sizeof(n->real));
	n->kpath = n->real;
	return rc;
}

/*
 * The rename itself, by both nodes' kernel paths (un_node_kat); when that
 * is refused (EACCES: an ancestor above a cwd or dirfd lost its x, after
 * the copy-ups lifted and put back its mode), again with each name from
 * its lookup's start, as the kernel asks nothing above it
 * (un_node_retry_at; user seed absent:7770, found/252).
 */
static int rename_real(const struct un_node *o, const struct un_node *n,
		       unsigned int flags)
{
	UN_KBUF(okbuf);	/* see un_node_kat */
	UN_KBUF(nkbuf);
	const char *okp, *nkp;
	int okfd = un_node_kat(o, &okbuf, &okp);
	int nkfd = un_node_kat(n, &nkbuf, &nkp), e0 = errno;
	bool oretry, nretry;

	if (real_renameat2(okfd, okp, nkfd, nkp, flags) == 0)
		return 0;
	if (errno != EACCES)
		return -errno;
	oretry = un_node_retry_at(o, e0, &okbuf, &okfd, &okp);
	errno = EACCES;
	nretry = un_node_retry_at(n, e0, &nkbuf, &nkfd, &nkp);
	if (!oretry && !nretry)
		return -EACCES;
	return real_renameat2(okfd, okp, nkfd, nkp, flags) < 0 ? -errno : 0;
}

static int rename_nodes(int olddirfd, const char *oldpath, int newdirfd,
			const char *newpath, unsigned int flags)
{
	struct un_node o, n;
	bool old_lower, exchange = flags & RENAME_EXCHANGE;
	uint64_t moved = 0;	/* the count of moves this rename raised */
	int rc, orc, odots, ndots;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;	/* RENAME_WHITEOUT: overlayfs refuses it */
	if ((flags & RENAME_NOREPLACE) && exchange)
		return -EINVAL;
	/* (Only a last '.' or '..' reaches the kernel's EBUSY before the
	   lookups that a removed directory fails.) */
	odots = un_path_last_dots(oldpath);
	ndots = un_path_last_dots(newpath);
	if ((odots > 0 || ndots > 0) &&
	    (dead_parent(olddirfd, oldpath) ||
	     dead_parent(newdirfd, newpath)))
		return rename_dead(olddirfd, oldpath, odots, newdirfd, newpath,
				   ndots, flags);
	/* Both names are looked up without following a last symlink, and
	   may be absent; the checks then come in the kernel's order.  A
	   last '.' or '..' is looked up only as far as the directory it is
	   taken in (never the object it names: see remove_node).  A lookup
	   answers ENOENT for a name taken in a removed directory, which the
	   kernel finds only after both parents. */
	orc = rename_lookup(olddirfd, oldpath, odots, &o);
	if (orc == -ENOENT && dead_parent(olddirfd, oldpath))
		return rename_dead(olddirfd, oldpath, odots, newdirfd, newpath,
				   ndots, flags);
	if (orc < 0)
		return orc;
	rc = rename_lookup(newdirfd, newpath, ndots, &n);
	if (rc == -ENOENT && dead_parent(newdirfd, newpath))
		return rename_dead(olddirfd, oldpath, odots, newdirfd, newpath,
				   ndots, flags);
	/* An old name outside every union (a symlink led it out) is the
	   kernel's to find, and its parent is found before the new name's
	   (filename_parentat of each, in that order). */
	if (rc < 0 && orc > 0) {
		int err = outside_parent(olddirfd, o.kpath);

		if (err < 0)
			return err;
	}
	if (rc < 0)
		return rc;
	if (orc > 0 && rc > 0) {
		rc = real_renameat2(olddirfd, o.kpath, newdirfd, n.kpath, flags);
		return rc < 0 ? -errno : 0;
	}
	/* The kernel compares the mounts of the two parents first.  The
	   parent of a union's root lies outside (another mount), unless the
	   name was '.' or '..' of a directory inside. */
	if (orc > 0 || rc > 0 || o.mnt != n.mnt)
		return cross_mount(olddirfd, orc, &o, newdirfd, rc, &n);
	bool oout = !odots && !*un_node_rel(&o);
	bool nout = !ndots && !*un_node_rel(&n);

	if (oout != nout)
		return -EXDEV;
	/* '.' and '..' are refused before their objects are looked at; a
	   new name of '.' or '..' exists, which RENAME_NOREPLACE names. */
	if (odots)
		return -EBUSY;
	if (ndots)
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (oout && nout)	/* the root onto itself */
		return (flags & RENAME_NOREPLACE) ? -EEXIST : 0;
	if (!o.mnt->upper)
		return -EROFS;
	if (o.layer < 0)
		return -ENOENT;
	if (n.layer >= 0 && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (exchange && n.layer < 0)
		return -ENOENT;
	if (!S_ISDIR(o.st.st_mode) &&
	    (o.trailing_slash || (!exchange && n.trailing_slash)))
		return -ENOTDIR;
	if (exchange && n.layer >= 0 && !S_ISDIR(n.st.st_mode) &&
	    n.trailing_slash)
		return -ENOTDIR;
	/* The old directory an ancestor of the new name, or the reverse. */
	size_t ol = strlen(o.vpath), nl = strlen(n.vpath);

	if (ol < nl && !strncmp(n.vpath, o.vpath, ol) && n.vpath[ol] == '/')
		return -EINVAL;
	if (nl < ol && !strncmp(o.vpath, n.vpath, nl) && o.vpath[nl] == '/')
		return exchange ? -EINVAL : -ENOTEMPTY;
	if (!strcmp(o.vpath, n.vpath))
		return 0;
	/* Two names of one object: nothing to do, before any permission
	   is asked (vfs_rename's source == target).  The overlay shares an
	   inode between an upper file's hard links; a lower's it does not
	   (index=off: each name its own inode until copied up). */
	if (o.layer == 0 && n.layer == 0 && o.st.st_dev == n.st.st_dev &&
	    o.st.st_ino == n.st.st_ino)
		return 0;
	/* Both parents, before anything is copied up. */
	rc = may_change_parent(&o);
	if (rc == 0)
		rc = may_change_parent(&n);
	if (rc < 0)
		return rc;
	if (n.layer >= 0 && !exchange) {
		if (S_ISDIR(o.st.st_mode) && !S_ISDIR(n.st.st_mode))
			return -ENOTDIR;
		if (!S_ISDIR(o.st.st_mode) && S_ISDIR(n.st.st_mode))
			return -EISDIR;
	}
	if (other_parent(o.vpath, n.vpath)) {
		if (S_ISDIR(o.st.st_mode) && (rc = may_write_dir(&o)) < 0)
			return rc;
		if (exchange && S_ISDIR(n.st.st_mode) &&
		    (rc = may_write_dir(&n)) < 0)
			return rc;
	}
	/* overlayfs's own checks: directories with lower parts stay. */
	if (dir_pinned(&o) || (exchange && dir_pinned(&n)))
		return -EXDEV;
	if (n.layer >= 0 && !exchange && S_ISDIR(n.st.st_mode)) {
		rc = check_empty(&n);
		if (rc < 0)
			return rc;
	}

	old_lower = lower_shows(&o);
	rc = un_copy_up(&o);
	if (rc < 0)
		return rc;
	if (exchange) {
		bool o_hides = S_ISDIR(o.st.st_mode) && lower_shows(&n);
		bool n_hides = S_ISDIR(n.st.st_mode) && lower_shows(&o);

		rc = un_copy_up(&n);
		if (rc < 0)
			return rc;
		/* A directory moved where a lower shows the name hides it. */
		if (o_hides && (rc = table_set(&n, UN_W_OPAQUE)) < 0)
			return rc;
		if (n_hides && (rc = table_set(&o, UN_W_OPAQUE)) < 0)
			return rc;
		rc = rename_real(&o, &n, RENAME_EXCHANGE);
		if (rc < 0)
			return rc;
		un_dcache_names_changed(o.mnt);
		if (!S_ISDIR(n.st.st_mode) && table_get(&o) == UN_W_OPAQUE)
			table_set(&o, UN_W_NONE);
		if (!S_ISDIR(o.st.st_mode) && table_get(&n) == UN_W_OPAQUE)
			table_set(&n, UN_W_NONE);
		/* (moves before the stamp: who sees the stamp move sees
		   moves move; namei.c cwd_check) */
		if (S_ISDIR(o.st.st_mode) || S_ISDIR(n.st.st_mode)) {
			moved = un_wtable_bump_moves(o.mnt->wt);
			un_dcache_changed(o.mnt);
		}
		un_fd_exchanged(o.vpath, n.vpath);
		un_moves_own(o.mnt, moved);
		return 0;
	}
	if (n.layer < 0) {
		rc = un_make_prepare(&n, S_ISDIR(o.st.st_mode));
		if (rc < 0)
			return rc;
	} else {
		rc = un_copy_up_parent(&n);
		if (rc < 0)
			return rc;
		/* The target is replaced in the upper, never in a lower. */
		rc = un_path_join(n.real, sizeof(n.real), n.mnt->upper,
				  n.mnt->upper_len, un_node_rel(&n));
		if (rc < 0)
			return rc;
	}
	/* Hide first: the new directory opaque, the old name whited out. */
	if (S_ISDIR(o.st.st_mode) && (table_get(&n) == UN_W_WHITEOUT ||
				      lower_shows(&n))) {
		rc = table_set(&n, UN_W_OPAQUE);
		if (rc < 0)
			return rc;
	}
	if (old_lower) {
		rc = table_set(&o, UN_W_WHITEOUT);
		if (rc < 0)
			return rc;
	}
	rc = rename_real(&o, &n, flags & RENAME_NOREPLACE);
	if (rc < 0) {
		if (old_lower)
			table_set(&o, UN_W_NONE);
		return rc;
	}
	un_dcache_names_changed(o.mnt);
	/* After the change, so no process caches the old layers anew. */
	if (S_ISDIR(o.st.st_mode)) {
		moved = un_wtable_bump_moves(o.mnt->wt);
		un_dcache_changed(o.mnt);
	}
	/* A directory replaced at the new name is gone; the descriptors
	   (and the cwd) on the moved object follow it. */
	if (n.layer >= 0 && S_ISDIR(n.st.st_mode)) {
		un_fd_removed(n.vpath, un_node_is_merged_dir(&n));
		un_dead_times_set(n.vpath, n.layer == 0 &&
						   un_node_is_merged_dir(&n) ?
						   &n.st : NULL);
	}
	un_fd_renamed(o.vpath, n.vpath);
	un_moves_own(o.mnt, moved);
	/* Then reveal: the new name no longer whited out. */
	if (!S_ISDIR(o.st.st_mode) && table_get(&n) != UN_W_NONE)
		table_set(&n, UN_W_NONE);
	if (!old_lower && table_get(&o) == UN_W_OPAQUE)
		table_set(&o, UN_W_NONE);
	return 0;
}

UN_EXPORT int renameat2(int olddirfd, const char *oldpath, int newdirfd,
			const char *newpath, unsigned int flags)
{
	int rc;

	if (!un_enter())
		return real_renameat2(olddirfd, oldpath, newdirfd, newpath,
				      flags);
	UN_ERRNO_IN;
	rc = rename_nodes(olddirfd, oldpath, newdirfd, newpath, flags);
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc < 0 ? un_fail(rc) : 0;
}

UN_EXPORT int renameat(int olddirfd, const char *oldpath, int newdirfd,
		       const char *newpath)
{
	return renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

UN_EXPORT int rename(const char *oldpath, const char *newpath)
{
	return renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

/* ---- utimensat: a NULL path names dirfd itself ---- */

UN_EXPORT int utimensat(int dirfd, const char *path,
			const struct timespec times[2], int flags)
{
	struct un_node n;
	int rc;

	/* glibc's utimensat refuses a NULL path (its futimens does not
	   come through here). */
	if (!un_launder(path))
		return un_fail(-EINVAL);
	/* Nothing to change: the kernel answers before any lookup. */
	if (times && times[0].tv_nsec == UTIME_OMIT &&
	    times[1].tv_nsec == UTIME_OMIT &&
	    !(flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return 0;
	if (!un_enter())
		return real_utimensat(dirfd, path, times, flags);
	UN_ERRNO_IN;
	rc = un_lookup_change(dirfd, path,
			      un_at_follow(flags) | un_at_empty(flags), &n);
	/* "" with AT_EMPTY_PATH names dirfd's own object: copied up first
	   where it lies in a lower (EROFS in a read-only union). */
	if (rc > 0 && !*n.kpath) {
		rc = un_fd_copy_up(dirfd);
		rc = rc < 0 ? un_fail(rc)
			    : real_utimensat(dirfd, "", times, flags);
	} else if (rc > 0)
		rc = real_utimensat(dirfd, n.kpath, times, flags);
	else if (rc == -ENOENT && !(rc = un_dead_change(dirfd, path, rc, &n))) {
		/* '.' of a removed lower directory, a directory made at
		   its name since (wrap_simple.c's UN_CHANGE_BODY) */
		if (times && (un_nsec_bad(times[0].tv_nsec) ||
			      un_nsec_bad(times[1].tv_nsec)))
			rc = un_fail(-EINVAL);
		else if ((rc = un_copy_up_dead(&n)) < 0)
			rc = un_fail(rc);
		else
			rc = real_utimensat(dirfd, path, times, flags);
	} else if (rc < 0)
		rc = un_fail(rc);
	else if (n.layer < 0)
		rc = un_fail(-ENOENT);
	else if (times && (un_nsec_bad(times[0].tv_nsec) ||
			   un_nsec_bad(times[1].tv_nsec)))
		rc = un_fail(-EINVAL);
	else if ((rc = un_copy_up(&n)) < 0)
		rc = un_fail(rc);
	else {
		UN_KBUF(kbuf);	/* see un_node_kat */
		const char *kp;
		int kfd = un_node_kat(&n, &kbuf, &kp);

		rc = real_utimensat(kfd, kp, times, AT_SYMLINK_NOFOLLOW);
	}
	UN_ERRNO_OUT(rc >= 0);
	un_leave();
	return rc;
}

/* futimesat: glibc's, over the utimensat above (a NULL path names dirfd
   itself, as futimes). */
UN_EXPORT int futimesat(int dirfd, const char *path,
			const struct timeval times[2])
{
	struct timespec ts[2];

	if (!un_launder(path))
		return futimes(dirfd, times);
	if (!times)
		return utimensat(dirfd, path, NULL, 0);
	for (int i = 0; i < 2; i++) {
		if (times[i].tv_usec < 0 || times[i].tv_usec >= 1000000) {
			errno = EINVAL;
			return -1;
		}
		ts[i].tv_sec = times[i].tv_sec;
		ts[i].tv_nsec = times[i].tv_usec * 1000;
	}
	return utimensat(dirfd, path, ts, 0);
}
