/*
 * wrap_watch.c - inotify_add_watch, inotify_rm_watch and fanotify_mark
 * through the union (watch.h has the map, and the algorithm at its
 * head): a watch goes on the real object of some layer, a merged
 * directory's upper copy made first where the union is writable; a
 * watched lower file waits for its copy-up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch.h"
#include "wrap.h"

/* ------------------------------------------------------------------ */
/* inotify_add_watch, inotify_rm_watch                                 */

/* Is fd an instance of the anonymous inode kind ("inotify",
   "[fanotify]")?  0 yes, -EBADF no descriptor, -EINVAL another file. */
static int anon_kind(int fd, const char *kind)
{
	char link[64], target[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = real_readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -EBADF;
	target[n] = '\0';
	return !strncmp(target, "anon_inode:", 11) && !strcmp(target + 11, kind)
		       ? 0
		       : -EINVAL;
}

static bool is_inotify(int fd)
{
	return anon_kind(fd, "inotify") == 0;
}

/* The object a watch or a mark goes on: un_lookup's answer (above 0:
   not in a union, n->kpath is the kernel's path), with the errors of a
   missing object and, when onlydir, of one that is not a directory. */
static int watched_lookup(int dirfd, const char *path, bool follow,
			  bool onlydir, struct un_node *n)
{
	int rc = un_lookup(dirfd, path, follow ? UN_LK_FOLLOW : 0, n);

	if (rc == 0 && n->layer < 0)
		rc = -ENOENT;
	if (rc == 0 && onlydir && !S_ISDIR(n->st.st_mode))
		rc = -ENOTDIR;
	return rc;
}

/* Put the program's watch (mask) on the real object of n; its wd. */
static int add_prog(struct winst *in, struct un_node *n, uint32_t mask,
		    bool wait)
{
	/* Added to what an internal role of the inode may have asked. */
	uint32_t m = mask | IN_DONT_FOLLOW |
		     ((mask & IN_MASK_CREATE) ? 0 : IN_MASK_ADD);
	int wd = real_inotify_add_watch(in->fd, n->real, m);
	struct wrec *r;
	char upper[PATH_MAX];

	if (wd < 0)
		return -errno;
	r = rec_find(in, wd);
	if (!r) {
		r = rec_new(in, wd, n->real);
		if (!r) {
			real_inotify_rm_watch(in->fd, wd);
			return -ENOMEM;
		}
		r->shown = wd;
		r->pmask = mask;
	} else if (r->roles & ROLE_PROG) {
		r->pmask = (mask & IN_MASK_ADD) ? r->pmask | mask : mask;
	} else {
		r->shown = wd;
		r->pmask = mask;
	}
	r->roles |= ROLE_PROG;
	r->mnt = n->mnt;
	r->isdir = S_ISDIR(n->st.st_mode);
	if (!r->rel)
		r->rel = strdup(un_node_rel(n));
	if (r->isdir && n->layer == 0 && r->shown == r->wd &&
	    !(r->roles & ROLE_NAMES)) {
		r->roles |= ROLE_NAMES;
		r->imask = role_mask(r);
		rec_sync(in, r);
		names_load(r);
	}
	rec_sync(in, r);
	/* A secondary (the upper copy of a watched file) keeps its
	   primary's descriptor, as the kernel keeps one per inode. */
	for (size_t i = 0; i < in->nw; i++) {
		struct wrec *o = &in->w[i];

		if (o != r && o->roles & ROLE_PROG && o->shown == r->shown &&
		    o->shown != o->wd)
			o->pmask = r->pmask;
	}
	if (wait && !r->waiting && r->rel && r->shown == r->wd) {
		struct stat st;
		char *slash;
		int probe, shown = r->shown;

		if (un_path_join(upper, sizeof(upper), n->mnt->upper,
				 n->mnt->upper_len, r->rel) < 0)
			return r->shown;
		slash = strrchr(upper, '/');
		*slash = '\0';
		wd = r->wd;
		probe = add_role(in, upper, ROLE_PROBE, PROBE_MASK);
		r = rec_find(in, wd);
		if (probe >= 0 && r) {
			r->waiting = true;
			r->probe = probe;
			r->odev = n->st.st_dev;
			r->oino = n->st.st_ino;
			/* A copy-up that landed between the lookup and the
			   probe's watch: its rename's event is not to come
			   (tail -f then read its lower copy for ever).  The
			   change came before the watch: no IN_MODIFY. */
			*slash = '/';
			if (real_lstat(upper, &st) == 0 && S_ISREG(st.st_mode))
				probe_hit(in, probe, slash + 1, false);
		}
		return shown;
	}
	return r ? r->shown : wd;
}

UN_EXPORT int inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	UN_SAVE_ERRNO;
	struct un_node n;
	struct winst *in;
	bool wait = false;
	int rc;

	if (!un_enter())
		return real_inotify_add_watch(fd, path, mask);
	/* The kernel's own answers (EINVAL, EBADF) come before the lookup,
	   and before anything is copied up. */
	if (!(mask & (IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW |
		      IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE |
		      IN_ONESHOT)) || !is_inotify(fd)) {
		un_leave();
		return real_inotify_add_watch(fd, path, mask);
	}
	rc = watched_lookup(AT_FDCWD, path, !(mask & IN_DONT_FOLLOW),
			    mask & IN_ONLYDIR, &n);
	if (rc > 0) {
		rc = real_inotify_add_watch(fd, n.kpath, mask);
		goto out;
	}
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	if (n.layer == 0 && S_ISREG(n.st.st_mode))
		repoint_stale(&n);
	if (n.layer > 0 && n.mnt->upper) {
		if (S_ISDIR(n.st.st_mode))
			un_copy_up(&n);	/* else the lower copy, as it is */
		else if (!S_ISLNK(n.st.st_mode) && un_copy_up_parent(&n) == 0)
			wait = true;
	}
	pthread_mutex_lock(&watch_lock);
	in = inst_get(fd);
	if (!in) {
		pthread_mutex_unlock(&watch_lock);
		rc = real_inotify_add_watch(fd, n.real, mask | IN_DONT_FOLLOW);
		goto out;
	}
	if (n.mnt->upper)
		mnt_watch(in, n.mnt);
	un_watch_ident_watched(&n);
	rc = add_prog(in, &n, mask, wait);
	pthread_mutex_unlock(&watch_lock);
	if (rc < 0)
		rc = un_fail(rc);
	else
		UN_RESTORE_ERRNO;
out:
	un_leave();
	return rc;
}

UN_EXPORT int inotify_rm_watch(int fd, int wd)
{
	struct winst *in;
	bool ours = false, kernel_says = false;

	if (!__atomic_load_n(&ntracked, __ATOMIC_RELAXED) || !is_tracked(fd))
		return real_inotify_rm_watch(fd, wd);
	pthread_mutex_lock(&watch_lock);
	in = inst_find(fd);
	for (size_t i = 0; in && i < in->nw; i++) {
		struct wrec *r = &in->w[i];
		int rwd = r->wd;

		if (!(r->roles & ROLE_PROG) || r->shown != wd)
			continue;
		ours = true;
		r->roles &= ~(ROLE_PROG | ROLE_NAMES);
		r->pmask = 0;
		if (r->waiting)
			probe_release(in, r);
		r = rec_find(in, rwd);
		if (!r) {
			i = (size_t)-1;
			continue;
		}
		if (rwd == wd && !r->roles) {
			/* The kernel's own IN_IGNORED is the program's. */
			real_inotify_rm_watch(fd, rwd);
			rec_remove(in, r);
			kernel_says = true;
		} else {
			rec_release(in, r);
		}
		i = (size_t)-1;
	}
	if (ours && !kernel_says)
		emit(in, wd, IN_IGNORED, NULL);
	pthread_mutex_unlock(&watch_lock);
	return ours ? 0 : real_inotify_rm_watch(fd, wd);
}

/* ------------------------------------------------------------------ */
/* fanotify_mark: the object's real place                              */

UN_EXPORT int fanotify_mark(int fd, unsigned int flags, uint64_t mask,
			    int dirfd, const char *path)
{
	struct un_node n;
	int rc;

	if (!path || !un_enter())
		return real_fanotify_mark(fd, flags, mask, dirfd, path);
	/* The kernel looks at its descriptor before the path (a bad one is
	   EBADF or EINVAL, even with a path it cannot read). */
	rc = anon_kind(fd, "[fanotify]");
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	rc = watched_lookup(dirfd, path, !(flags & FAN_MARK_DONT_FOLLOW),
			    flags & FAN_MARK_ONLYDIR, &n);
	if (rc > 0) {
		rc = real_fanotify_mark(fd, flags, mask, dirfd, n.kpath);
		goto out;
	}
	if (rc < 0) {
		rc = un_fail(rc);
		goto out;
	}
	/* Changes in a merged directory happen in its upper copy. */
	if (S_ISDIR(n.st.st_mode) && n.layer > 0 && n.mnt->upper &&
	    !(flags & (FAN_MARK_REMOVE | FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM)))
		un_copy_up(&n);
	rc = real_fanotify_mark(fd, flags | FAN_MARK_DONT_FOLLOW, mask,
				AT_FDCWD, n.real);
out:
	un_leave();
	return rc;
}
