/*
 * copy_up.c - copying an object from a lower into the upper.
 *
 * As overlayfs's copy_up.c: parents first, then the object.  Each object
 * is made under UPPER/.union/work/ with a unique name, given its content
 * (reflink, else copy_file_range over the data segments so holes stay
 * holes, else read/write), its xattrs, its owner (where the user may
 * change it), mode and times, and only then renamed into place.  So the
 * upper never shows a partial file, whatever kills the process.
 *
 * The kernel copies up with the mounter's credentials, so the upper's
 * own permission bits never stop a copy-up that the checks on the merged
 * objects let through (DESIGN.md, Permissions): a directory is staged
 * writable and given its mode once in place, and an upper directory
 * that a copy must enter without the owner's w and x bits has them lifted
 * for the rename and put back (the upper is the user's own).
 *
 * Two processes copying up the same object race to the final rename: a
 * non-directory goes in with RENAME_NOREPLACE, a directory's rename fails
 * when the target exists; the loser drops its staged copy and takes the
 * winner's.  Either way the caller sees a whole copy.
 *
 * Afterwards, the process's descriptors that were open on the lower file
 * are re-pointed at the upper copy, with the same flags and offset (what
 * the kernel does, for this process; DESIGN.md lists the difference for
 * other processes).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "newsys.h"
#include "wrap.h"

/* A fresh name under UPPER/.union/work, which says who made it: a
   sweep removes it once that is provably dead (work_sweep.c).  (No
   snprintf: ~1,900 instructions a copy-up.) */
static int work_name(const struct un_mount *m, char *buf, size_t len)
{
	static unsigned long counter;
	static const char work[] = "/" UN_META_DIR "/work/";
	unsigned long c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	char digits[24], *d = digits + sizeof(digits);
	size_t at = m->upper_len, plen, dlen;

	do
		*--d = (char)('0' + c % 10);
	while ((c /= 10) != 0);
	dlen = (size_t)(digits + sizeof(digits) - d);
	if (at + sizeof(work) - 1 + UN_STAGE_PREFIX_MAX + dlen >= len)
		return -ENAMETOOLONG;
	memcpy(buf, m->upper, at);
	memcpy(buf + at, work, sizeof(work) - 1);
	at += sizeof(work) - 1;
	plen = un_stage_prefix(buf + at);
	if (plen == 0)
		return -ENAMETOOLONG;	/* (never: the prefix fits) */
	at += plen;
	memcpy(buf + at, d, dlen);
	buf[at + dlen] = '\0';
	return 0;
}

/*
 * Make m's work directory, which a staging found missing.  Only the
 * process that makes a table makes it too (wt_make_meta); the others
 * open the table without a mkdir that would answer EEXIST at every
 * start, so one removed since (by hand: the kernel's work directory is
 * the mount's business alone) is made again here, at the first
 * copy-up that needs it, owned as wt_make_meta gives it: by the owner
 * of UPPER/.union.  0 when made here.  Out of line: its two paths would
 * otherwise sit in copy_one's frame on every copy-up (tests/edges/
 * thread-stack: a copy-up by append from a thread of 128 KiB).
 */
static __attribute__((noinline)) int work_make(const struct un_mount *m)
{
	char meta[PATH_MAX], work[PATH_MAX];
	struct stat st;
	int n;

	n = snprintf(meta, sizeof(meta), "%s/" UN_META_DIR, m->upper);
	if (n < 0 || (size_t)n + sizeof("/work") > sizeof(meta))
		return -ENAMETOOLONG;
	memcpy(work, meta, n);
	memcpy(work + n, "/work", sizeof("/work"));
	if (real_mkdir(work, 0755) < 0)
		return -errno;
	if (un_self_euid() == 0 && real_lstat(meta, &st) == 0)
		real_lchown(work, st.st_uid, st.st_gid);
	return 0;
}

/* Is this xattr overlayfs's own bookkeeping (never copied)? */
static bool private_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) ||
	       !strncmp(name, "user.overlay.", 13) ||
	       !strcmp(name, UN_ORIGIN_XATTR) ||
	       !strcmp(name, UN_STAGED_XATTR);
}

/*
 * Copy the xattrs of src to dst (both paths; symlinks not followed).
 * Those the user may not set (trusted.*, security.* unprivileged) are
 * skipped, as the kernel skips what it cannot copy.
 */
static int copy_xattrs(const char *src, const char *dst)
{
	char *names = NULL, *value = NULL;
	ssize_t len, vlen, cap;
	int rc = 0;

	len = real_llistxattr(src, NULL, 0);
	if (len <= 0)
		return len < 0 && errno != ENOTSUP ? -errno : 0;
	/* un_sig_alloc: a signal handler's copy-up must not malloc. */
	cap = len;
	names = un_sig_alloc(cap);
	value = un_sig_alloc(XATTR_SIZE_MAX);
	if (!names || !value) {
		rc = -ENOMEM;
		goto out_free;
	}
	len = real_llistxattr(src, names, cap);
	if (len < 0) {
		rc = -errno;
		goto out_free;
	}
	for (char *name = names; name < names + len;
	     name += strlen(name) + 1) {
		if (private_xattr(name))
			continue;
		vlen = real_lgetxattr(src, name, value, XATTR_SIZE_MAX);
		/* An attribute the user may not read (user.* of an object
		   without read permission) is not dropped in silence: the
		   copy fails, DESIGN.md's one difference. */
		if (vlen < 0 && errno == EACCES) {
			rc = -EACCES;
			goto out_free;
		}
		if (vlen < 0)
			continue;
		if (real_lsetxattr(dst, name, value, vlen, 0) < 0 &&
		    errno != EPERM && errno != ENOTSUP && errno != EACCES) {
			rc = -errno;
			goto out_free;
		}
	}
out_free:
	un_sig_free(names, cap);
	un_sig_free(value, XATTR_SIZE_MAX);
	return rc;
}

/* Copy len bytes at off from in to out by read and write, where the
   kernel cannot copy between them (another filesystem, an old kernel).
   The buffer comes from the heap (un_sig_alloc: a mapping in signal
   mode), never the stack: a copy-up runs below a wrapper's lookup
   frames, in threads of 128 KiB stacks too (tests/edges/thread-stack). */
#define PLAIN_BUF ((size_t)1 << 16)
static int copy_plain(int in, int out, off_t off, off_t len)
{
	char *buf = un_sig_alloc(PLAIN_BUF);
	off_t done = 0;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (done < len) {
		size_t want = len - done < (off_t)PLAIN_BUF ?
				      (size_t)(len - done) : PLAIN_BUF;
		ssize_t r = pread(in, buf, want, off + done);

		if (r <= 0) {
			rc = r < 0 ? -errno : 0;
			break;
		}
		for (ssize_t w = 0; w < r;) {
			ssize_t k = pwrite(out, buf + w, r - w, off + done + w);

			if (k < 0) {
				rc = -errno;
				goto out;
			}
			w += k;
		}
		done += r;
	}
out:
	un_sig_free(buf, PLAIN_BUF);
	return rc;
}

/* Copy len bytes at off from in to out, by the fastest means. */
static int copy_range(int in, int out, off_t off, off_t len)
{
	off_t done = 0;

	while (done < len) {
		loff_t ioff = off + done, ooff = off + done;
		ssize_t n = un_copy_file_range(in, &ioff, out, &ooff,
					    (size_t)(len - done), 0);

		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
		    errno != EOPNOTSUPP)
			return -errno;
		return copy_plain(in, out, off + done, len - done);
	}
	return 0;
}

/* The content of a regular file: a reflink, or its data segments. */
static int copy_data(int in, int out, off_t size)
{
	off_t data, hole;
	int rc;

	if (size == 0)
		return 0;
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	for (data = 0; data < size; data = hole) {
		data = lseek(in, data, SEEK_DATA);
		if (data < 0) {
			if (errno == ENXIO)
				break;	/* only a hole is left */
			/* No SEEK_DATA: one segment, the whole file. */
			data = 0;
			hole = size;
		} else {
			hole = lseek(in, data, SEEK_HOLE);
			if (hole < 0)
				hole = size;
		}
		rc = copy_range(in, out, data, hole - data);
		if (rc < 0)
			return rc;
	}
	if (ftruncate(out, size) < 0)
		return -errno;
	return 0;
}

/*
 * The mode a staged copy of st gets before its rename into place: a
 * directory moved to another parent must be writable by the mover
 * (the kernel's rename checks it), so an unprivileged user's staged
 * directory keeps the owner's w and x until it is in place.
 */
static mode_t staged_mode(const struct stat *st)
{
	mode_t mode = st->st_mode & 07777;

	if (S_ISDIR(st->st_mode) && un_unprivileged())
		mode |= S_IWUSR | S_IXUSR;
	return mode;
}

/*
 * The owner a directory staged in a union's work directory gets: the
 * fsuid, and the fsgid or the work directory's group (set-group-ID, a
 * grpid mount), as its file system decides; learnt by an lstat of one
 * staged directory, per thread (a setfsuid changes one thread's), and
 * kept while the credentials' stamp (wrap_cred.c) stays the one it was
 * learnt under.  A staged directory whose lower has that owner needs no
 * lchown: tar x as the lowers' owner made one per directory copied up.
 * Directories only: an lchown of a file drops security.capability,
 * which a staged copy was just given.  (Not learnt in a handler, which
 * may have interrupted the thread's own store, nor in a vfork child,
 * which runs on its parent's thread's memory.)
 */
struct staged_owner {
	const struct un_mount *m;
	uint64_t stamp;	/* un_cred_stamp when learnt; 0: nothing */
	uid_t uid;
	gid_t gid;
};

static __thread struct staged_owner staged_owner;

/* Has the directory dst, staged for st by mkdir between two reads of
   the credentials' stamp (the first is stamp), st's owner already? */
static bool staged_owner_matches(const struct un_mount *m, uint64_t stamp,
				 const char *dst, const struct stat *st)
{
	struct staged_owner *o = &staged_owner;
	struct stat cur;

	if (!m || !S_ISDIR(st->st_mode) || stamp == 0 ||
	    un_cred_stamp() != stamp)
		return false;
	if (__atomic_load_n(&o->stamp, __ATOMIC_RELAXED) == stamp &&
	    o->m == m)
		return o->uid == st->st_uid && o->gid == st->st_gid;
	if (real_lstat(dst, &cur) < 0)
		return false;
	if (!un_in_signal() && !un_vforked()) {
		__atomic_store_n(&o->stamp, 0, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		o->m = m;
		o->uid = cur.st_uid;
		o->gid = cur.st_gid;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		__atomic_store_n(&o->stamp, stamp, __ATOMIC_RELAXED);
	}
	return cur.st_uid == st->st_uid && cur.st_gid == st->st_gid;
}

/* Owner (where allowed), mode and times of st onto the staged path;
   owned: the path has st's owner already. */
static int copy_attrs(const char *dst, const struct stat *st, bool owned)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };

	if (!owned && real_lchown(dst, st->st_uid, st->st_gid) < 0 &&
	    errno != EPERM)
		return -errno;
	if (!S_ISLNK(st->st_mode) &&
	    real_fchmodat(AT_FDCWD, dst, staged_mode(st), 0) < 0)
		return -errno;
	if (real_utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Stage a copy of src (stat st; a path for the kernel, see un_kreal) at
   work, in m's work directory (NULL: the owner is not looked at). */
static int stage(const struct un_mount *m, const char *src,
		 const struct stat *st, const char *work)
{
	int in = -1, out = -1, rc = 0;
	uint64_t stamp = 0;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		/* An empty file needs no reading: one its owner may not
		   read is copied up all the same (DESIGN.md). */
		if (st->st_size > 0) {
			in = real_open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (in < 0)
				return -errno;
		}
		out = real_open(work, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				0600);
		if (out < 0) {
			rc = -errno;
			goto out_close;
		}
		rc = copy_data(in, out, st->st_size);
		break;
	case S_IFDIR:
		stamp = un_cred_stamp();
		if (real_mkdir(work, 0700) < 0)
			return -errno;
		break;
	case S_IFLNK: {
		char target[PATH_MAX];
		ssize_t n = real_readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (real_symlink(target, work) < 0)
			return -errno;
		break;
	}
	default:
		if (real_mknod(work, st->st_mode & (S_IFMT | 0600),
			       st->st_rdev) < 0)
			return -errno;
		break;
	}
	if (rc == 0)
		rc = copy_xattrs(src, work);
	/* The copy's origin (internal.h UN_ORIGIN_XATTR), set while the
	   copy is still 0600: where the upper's file system takes no
	   user.* xattr, none, and a change through a descriptor of the
	   lower file left open elsewhere fails (wrap_fd.c fd_copy_of). */
	if (rc == 0 && out >= 0) {
		struct un_origin o = { st->st_dev, st->st_ino };

		real_fsetxattr(out, UN_ORIGIN_XATTR, &o, sizeof(o), 0);
	}
	if (rc == 0)
		rc = copy_attrs(work, st,
				staged_owner_matches(m, stamp, work, st));
out_close:
	if (in >= 0)
		real_close(in);
	if (out >= 0)
		real_close(out);
	return rc;
}

static void unstage(const char *work, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		real_rmdir(work);
	else
		real_unlink(work);
}

/* An upper directory whose owner's w and x bits were lifted. */
struct lift {
	bool lifted;
	mode_t mode;	/* the mode to put back */
};

/*
 * Let the library rename into the upper directory dir (stat st, or NULL
 * to look): an unprivileged user who lacks the owner's w or x bits there
 * gets them until unlift_dir.  The checks against the merged directory
 * were made before (dir.c, wrap_open.c); the kernel writes its upper with
 * the mounter's credentials.
 */
static void lift_dir(const char *dir, const struct stat *st, struct lift *l)
{
	const mode_t wx = S_IWUSR | S_IXUSR;
	struct stat cur;

	l->lifted = false;
	if (!un_unprivileged())
		return;
	if (!st) {
		if (real_lstat(dir, &cur) < 0)
			return;
		st = &cur;
	}
	if (!S_ISDIR(st->st_mode) || (st->st_mode & wx) == wx)
		return;
	l->mode = st->st_mode & 07777;
	l->lifted = real_chmod(dir, l->mode | wx) == 0;
}

static void unlift_dir(const char *dir, const struct lift *l)
{
	if (l->lifted)
		real_chmod(dir, l->mode);
}

/*
 * Search permission on the way to rel's upper copy, for a copy-up that
 * the kernel makes through an object it holds (a descriptor's), with
 * the mounter's credentials and no lookup by name: an unprivileged
 * user who took the owner's x from an upper directory above it (chmod
 * 600 of a merged directory) could no longer reach the place.  The
 * owner's x of the upper's root and of each upper directory on the way
 * to rel's parent is lifted where it lacks (the upper is the user's
 * own), and un_upper_unlift puts every mode back, deepest first.
 * Returns how many were lifted (0: nothing to put back).
 */
/* This thread's upper directories lifted by un_upper_lift, not yet put
   back: a copy made meanwhile lies where the user may not search. */
__thread int un_upper_lifts;

int un_upper_lift(const struct un_mount *m, const char *rel,
		  struct un_upper_lift *l)
{
	struct stat st;
	size_t len, end;
	int n = 0;

	l->n = 0;
	if (!m->upper || !un_unprivileged() ||
	    un_path_join(l->path, sizeof(l->path), m->upper, m->upper_len,
			 rel) < 0)
		return 0;
	len = strlen(l->path);
	/* The root, then each directory below it, rel's parent last. */
	for (end = m->upper_len; end < len && n < UN_UPPER_LIFT_MAX;) {
		char save = l->path[end];

		l->path[end] = '\0';
		if (real_lstat(l->path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			l->path[end] = save;
			break;	/* the upper has no more of the way */
		}
		if (!(st.st_mode & S_IXUSR) && st.st_uid == un_self_euid() &&
		    real_chmod(l->path, (st.st_mode & 07777) | S_IXUSR) == 0) {
			l->end[n] = end;
			l->mode[n] = st.st_mode & 07777;
			l->n = ++n;
		}
		l->path[end] = save;
		while (++end < len && l->path[end] != '/')
			;
	}
	un_upper_lifts += n;
	return n;
}

void un_upper_unlift(struct un_upper_lift *l)
{
	un_upper_lifts -= l->n;
	while (l->n > 0) {
		int i = --l->n;
		char save = l->path[l->end[i]];

		l->path[l->end[i]] = '\0';
		real_chmod(l->path, l->mode[i]);
		l->path[l->end[i]] = save;
	}
}

/* The directory dst, staged for st, gets st's own mode, the owner's w
   and x lifted for its staging (staged_mode). */
static int dir_mode(const char *dst, const struct stat *st)
{
	if (S_ISDIR(st->st_mode) && staged_mode(st) != (st->st_mode & 07777) &&
	    real_chmod(dst, st->st_mode & 07777) < 0)
		return -errno;
	return 0;
}

/* Rename the staged copy work (of st) to dst, entering parent (stat
   pst, NULL when unknown) as unlift_dir allows; 0 or -errno.  dst and
   parent are paths for the kernel (un_kreal).  over: a directory may
   replace the empty directory at dst (un_copy_up_dead); otherwise
   nothing is replaced: two processes copying up one directory at once
   each stage an empty copy, and the later rename would put its own
   over the first one's, which the first has entered and may already
   hold open (a create in it then fails with ENOENT: make -j2's `as`,
   integration/copyup-dir-race). */
static int rename_in(const char *work, const struct stat *st,
		     const char *dst, bool over, const char *parent,
		     const struct stat *pst, bool *lifted, bool marked)
{
	struct lift lift = { false, 0 };
	int rc;

	/* Another process of the union may put the parent's mode back
	   between our lift and our rename (it lifted it too): again. */
	for (int tries = 0;; tries++) {
		if (parent) {
			lift_dir(parent, tries ? NULL : pst, &lift);
			*lifted |= lift.lifted;
		}
		if (over && S_ISDIR(st->st_mode))
			rc = real_rename(work, dst) < 0 ? -errno : 0;
		else
			rc = real_renameat2(AT_FDCWD, work, AT_FDCWD, dst,
					    RENAME_NOREPLACE) < 0 ? -errno : 0;
		if (parent)
			unlift_dir(parent, &lift);
		if (rc != -EACCES || !parent || !un_unprivileged() ||
		    tries == 3)
			break;
	}
	/* A directory staged writable gets its own mode once in place (a
	   kill in between leaves it with the owner's w and x); marked: once
	   its mark is gone (unmark). */
	if (rc == 0 && !marked)
		rc = dir_mode(dst, st);
	return rc;
}

/* The directory dst (a path in m's upper) was copied up by this thread:
   cached layers are stale, this thread's for dst's merged path only.
   (Not inlined: its 8 KiB path would stay in copy_one's frame.) */
static __attribute__((noinline)) void dir_copied(const struct un_mount *m,
						  const char *dst,
						  uint64_t names0,
						  uint64_t names_bumped)
{
	char vpath[UN_VPATH_MAX];
	const char *rel = dst + m->upper_len;
	/* (A MERGED of "/" adds nothing before rel's slash.) */
	size_t mlen = m->merged_len == 1 ? 0 : m->merged_len, rlen;

	if (strncmp(dst, m->upper, m->upper_len) != 0 || *rel != '/' ||
	    mlen + (rlen = strlen(rel)) >= sizeof(vpath)) {
		un_dcache_changed((struct un_mount *)m);
		return;
	}
	memcpy(vpath, m->merged, mlen);
	memcpy(vpath + mlen, rel, rlen + 1);
	un_dcache_dir_copied((struct un_mount *)m, vpath, mlen + rlen, names0,
			     names_bumped);
}

/*
 * Is the directory dst (a path in m's upper), just renamed into place by
 * a copy-up, one the merged view no longer shows: a whiteout of it, or a
 * record of an ancestor (an opaque directory, or one whose whiteout was
 * written while its upper copy stands), in the table now?  A copy-up
 * begun before another process's rmdir of the lower directory (its
 * lookup found it) may land after the whiteout: the rmdir, having
 * written its record, looks for a copy in the upper and removes one it
 * finds (dir.c, copy_landed); a copy renamed in after that look is met
 * here.  Each side changes, then looks at the other's change, a fence
 * between: at least one of them sees the other
 * (integration/copyup-parent-removed-race).  Two loads when the table
 * is empty.
 */
static bool copy_hidden(const struct un_mount *m, const char *dst)
{
	const char *rel = dst + m->upper_len + 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!m->wt || un_wtable_empty(m->wt) ||
	    strncmp(dst, m->upper, m->upper_len) != 0 ||
	    dst[m->upper_len] != '/')
		return false;
	return un_wtable_hides(m->wt, rel, strlen(rel));
}

/*
 * The directory copy this thread renamed to dst (kd for the kernel; ws:
 * its stat when staged) is hidden by a removal since (copy_hidden):
 * removed again, when it is still ours and empty.  -ENOENT: the copy is
 * gone (the caller's lookup named a directory since removed, as the
 * kernel answers a call into a removed one); 0: it stands (a name was
 * made in it meanwhile, by a process that took it for its own copy-up:
 * never removed).  (Were our copy removed and an empty directory made
 * at its name between the lstat and the rmdir, that one would go: the
 * rmdir takes nothing that is in a directory.)  Out of line: rare.
 */
static __attribute__((noinline, cold)) int copy_unland(
	struct un_mount *m, const char *kd, const struct stat *ws,
	const char *kp, const struct stat *pst)
{
	struct lift lift = { false, 0 };
	struct stat cur;
	int rc = -ENOENT;	/* removed by the rmdir, or not ours */

	if (real_lstat(kd, &cur) == 0 && cur.st_dev == ws->st_dev &&
	    cur.st_ino == ws->st_ino) {
		/* (Into the parent as the rename went: rename_in.) */
		if (kp)
			lift_dir(kp, pst, &lift);
		if (real_rmdir(kd) < 0 && errno != ENOENT)
			rc = 0;
		if (kp)
			unlift_dir(kp, &lift);
	}
	/* (The upper had it a while: every process's cached layers.) */
	un_dcache_changed(m);
	return rc;
}

/*
 * Copy src (stat st) to dst in the upper of m.  Returns 0 when dst holds
 * a whole copy afterwards (ours, or a racing process's; over: ours,
 * renamed over the empty directory dst).  ppst: NULL, or the stat of
 * the lower directory whose copy this thread just renamed into place as
 * dst's parent (*ours set): the copy has its mode and times (copy_attrs,
 * rename_in), so the parent needs no lstat for the times to put back.
 * ours (may be NULL): set when dst is our own copy, not a racer's.
 */
static int copy_one(const struct un_mount *m, const char *src,
		    const struct stat *st, const char *dst, bool over,
		    const struct stat *ppst, bool *ours)
{
	char work[PATH_MAX];
	int rc;
	/* src, dst and its parent may lie deeper than PATH_MAX (a lower
	   tree made one level at a time): the kernel is given each by a
	   path it takes (un_kreal).  work is always short. */
	UN_KBUF(ksrc);
	UN_KBUF(kdst);
	UN_KBUF(kparent);

	if (ours)
		*ours = false;
	un_work_sweep_once(m);
	rc = work_name(m, work, sizeof(work));
	if (rc < 0)
		return rc;
	rc = stage(m, un_kreal(src, &ksrc), st, work);
	/* (ENOENT from the source too: again only when the work directory
	   was missing, so that nothing was staged in it.) */
	if (rc == -ENOENT && work_make(m) == 0)
		rc = stage(m, un_kreal(src, &ksrc), st, work);
	if (rc < 0)
		goto out_unstage;
	/* A copy-up leaves the parent's times as they were (the kernel's
	   ovl_copy_up_one does the same): it changes no merged name. */
	char parent[UN_VPATH_MAX];
	const char *kp = NULL, *kd = un_kreal(dst, &kdst);
	struct stat pst;
	bool have_parent = false;
	char *slash;

	memcpy(parent, dst, strlen(dst) + 1);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		kp = un_kreal(parent, &kparent);
		if (ppst) {
			pst = *ppst;
			have_parent = true;
		} else {
			have_parent = real_lstat(kp, &pst) == 0;
		}
	}
	/* (Before the rename: see un_dcache_dir_copied.) */
	uint64_t names0 = un_dcache_names_count((struct un_mount *)m);

	bool lifted = un_upper_lifts > 0;
	/* A directory's copy: its inode, for copy_unland to know it. */
	bool check = S_ISDIR(st->st_mode) && !over && m->wt;
	struct stat ws;

	if (check && real_lstat(work, &ws) < 0) {
		rc = -errno;
		goto out_unstage;
	}
	/* Marked until it has looked at the table after its rename: a
	   kill in between leaves a copy that a lookup finding it beside a
	   whiteout removes (un_copy_left; without user xattrs, none: the
	   copy then reads as an opaque directory). */
	bool marked = check &&
		      real_lsetxattr(work, UN_STAGED_XATTR, "", 0, 0) == 0;

	rc = rename_in(work, st, kd, over, have_parent ? kp : NULL,
		       have_parent ? &pst : NULL, &lifted, marked);
	if (rc == 0 && check && copy_hidden(m, dst)) {
		rc = copy_unland((struct un_mount *)m, kd, &ws,
				 have_parent ? kp : NULL,
				 have_parent ? &pst : NULL);
		if (rc < 0) {
			if (have_parent) {
				struct timespec t[2] = { pst.st_atim,
							 pst.st_mtim };

				real_utimensat(AT_FDCWD, kp, t,
					       AT_SYMLINK_NOFOLLOW);
			}
			return rc;
		}
	}
	if (rc == 0 && marked) {
		real_lremovexattr(kd, UN_STAGED_XATTR);
		rc = dir_mode(kd, st);
	}
	/* over: the rename replaces a directory made at dst since its
	   removal (un_copy_up_dead); one not empty is the caller's
	   answer. */
	if ((rc == -EEXIST || rc == -ENOTEMPTY) && !over) {
		struct stat cur;

		/* Another process won the race; its copy stands.  The
		   winner bumps the directory count only after its rename:
		   a directory's copy, met here before that, must not leave
		   this process's cached layers of it standing. */
		if (real_lstat(kd, &cur) == 0 &&
		    (cur.st_mode & S_IFMT) == (st->st_mode & S_IFMT)) {
			rc = 0;
			if (S_ISDIR(st->st_mode))
				un_dcache_changed((struct un_mount *)m);
		}
		goto out_unstage;
	}
	if (rc == 0) {
		/* The upper gained a name (dcache.c); a directory: cached
		   layers are stale. */
		uint64_t bumped =
			un_dcache_names_changed_own((struct un_mount *)m);

		/* (A copy the user could not have reached without a lift
		   gets no name set: a lookup must meet its refusal,
		   found/105.) */
		if (S_ISDIR(st->st_mode))
			dir_copied(m, dst, lifted ? ~(uint64_t)0 : names0,
				   bumped);
		if (have_parent) {
			struct timespec times[2] = { pst.st_atim, pst.st_mtim };

			real_utimensat(AT_FDCWD, kp, times,
				       AT_SYMLINK_NOFOLLOW);
		}
		if (ours)
			*ours = true;
		return 0;
	}
out_unstage:
	unstage(work, st);
	return rc;
}

__attribute__((noinline, cold)) bool un_copy_left(struct un_mount *m,
						   const char *path)
{
	UN_KBUF(kbuf);
	const char *kp = un_kreal(path, &kbuf);
	int saved = errno;
	bool gone = real_lgetxattr(kp, UN_STAGED_XATTR, NULL, 0) >= 0 &&
		    (real_rmdir(kp) == 0 || errno == ENOENT);

	if (gone)
		un_dcache_changed(m);
	errno = saved;
	return gone;
}

static void repoint_dir_fds(struct un_mount *m, const char *rel,
			    const struct stat *old, const char *upper);

/*
 * The topmost lower of rel's parent (vparent, its merged path, vplen
 * bytes), when the directory cache knows that the upper lacks it and
 * holds its own parent (the common case of tar x: a file into a lower
 * directory whose parent was copied up before): copy_up_parents then
 * needs no lstat of the upper's parent and ancestors, nor of the lowers
 * above that one.  The cache is put only by walks that guessed nothing
 * past an EACCES, and is stale once any process changed a directory of
 * the upper; a copy racing in between is met at the rename, as after an
 * lstat.  0: not known.
 */
static int parent_known_lower(struct un_mount *m, const char *vparent,
			      size_t vplen)
{
	uint64_t mask, pmask;

	if (!vparent || !vplen ||
	    un_dcache_get(m, vparent, vplen, &mask, &pmask) != 0 ||
	    (mask & 1) || !(pmask & 1) || !mask)
		return 0;
	return __builtin_ctzll(mask);
}

/* Make the directories of rel's parent exist in the upper; vpath:
   rel's merged path, of which rel is the tail (or NULL). */
static int copy_up_parents(struct un_mount *m, const char *rel,
			   const char *vpath)
{
	char dst[UN_VPATH_MAX], src[UN_VPATH_MAX];
	UN_KBUF(kbuf);	/* dst or src too long for the kernel */
	const char *slash = strrchr(rel, '/');
	size_t plen, start;
	struct stat st, prev;
	bool have_prev = false;	/* prev: the lower of the copy just made */
	int rc, known;

	if (!slash)
		return 0;	/* the parent is the union's root */
	plen = slash - rel;
	rc = un_path_join(dst, sizeof(dst), m->upper, m->upper_len, "");
	if (rc < 0)
		return rc;
	if (m->upper_len + 1 + plen >= sizeof(dst))
		return -ENAMETOOLONG;
	dst[m->upper_len] = '/';
	memcpy(dst + m->upper_len + 1, rel, plen);
	dst[m->upper_len + 1 + plen] = '\0';
	known = parent_known_lower(m, vpath,
				   vpath ? (size_t)(rel - vpath) + plen : 0);
	if (known > 0) {
		/* Only the parent is to make. */
		const char *pslash = memrchr(rel, '/', plen);

		start = pslash ? (size_t)(pslash - rel) + 1 : 0;
		goto make;
	}
	if (real_lstat(un_kreal(dst, &kbuf), &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	/* Only a directory known absent is made: one the user cannot
	   reach (EACCES) may be there, and a staged copy renamed over it
	   (an empty directory) would replace it. */
	if (errno != ENOENT)
		return -errno;

	/* Find the deepest ancestor the upper has, then go down. */
	start = 0;
	for (size_t i = plen; i > 0; i--) {
		if (rel[i] != '/' || i == plen)
			continue;
		dst[m->upper_len + 1 + i] = '\0';
		bool have = real_lstat(un_kreal(dst, &kbuf), &st) == 0;
		int err = errno;

		dst[m->upper_len + 1 + i] = '/';
		if (have) {
			start = i + 1;
			break;
		}
		if (err != ENOENT)
			return -err;
	}
make:
	for (size_t i = start; i <= plen; i++) {
		if (i < plen && rel[i] != '/')
			continue;
		/* rel[0..i) is the next directory to make. */
		char sub[UN_VPATH_MAX];
		int l, found = -1;

		memcpy(sub, rel, i);
		sub[i] = '\0';
		/* (The lowers above the known one hold no directory
		   there; below it, one may: the cache's answer is only
		   taken where the lstat finds it.) */
		for (l = i == plen && known > 0 ? known : 1; l <= m->nlower;
		     l++) {
			if (un_path_join(src, sizeof(src), un_layer_root(m, l),
					 un_layer_len(m, l), sub) < 0)
				return -ENAMETOOLONG;
			if (real_lstat(un_kreal(src, &kbuf), &st) == 0 &&
			    S_ISDIR(st.st_mode)) {
				found = l;
				break;
			}
		}
		if (found < 0)
			return -ENOENT;
		dst[m->upper_len + 1 + i] = '\0';
		/* The directory made one step up is this one's parent: tar x
		   into a lower tree copies a chain of them at once. */
		bool ours;

		rc = copy_one(m, src, &st, dst, false,
			      have_prev ? &prev : NULL, &ours);
		if (rc == 0)
			repoint_dir_fds(m, sub, &st, dst);
		prev = st;
		have_prev = rc == 0 && ours;
		if (i < plen)
			dst[m->upper_len + 1 + i] = '/';
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * A copy-up (fn) that met EACCES in the upper as an unprivileged user:
 * an upper directory on the way lost its owner's x (chmod 600 of a
 * merged directory), where the kernel copies up with the mounter's
 * credentials, its checks made on the merged view (the caller's, before
 * the copy-up: the lookup from its start, may_change_parent).  Again
 * with the upper's way to n lifted (un_upper_lift, as wrap_fd.c's
 * fd_lift), then put back.  Out of line: the lift's path is 4 KiB.
 */
static __attribute__((noinline, cold)) int copy_up_lifted(
	struct un_node *n, int (*fn)(struct un_node *))
{
	struct un_upper_lift l;
	int rc;

	if (un_upper_lift(n->mnt, un_node_rel(n), &l) == 0)
		return -EACCES;
	rc = fn(n);
	un_upper_unlift(&l);
	return rc;
}

static int copy_up_parent_node(struct un_node *n)
{
	return copy_up_parents(n->mnt, un_node_rel(n), n->vpath);
}

int un_copy_up_parent(struct un_node *n)
{
	int rc;

	if (!n->mnt->upper)
		return -EROFS;
	if (n->parent_dirlayers & 1)
		return 0;	/* the parent is in the upper already */
	rc = copy_up_parent_node(n);
	if (rc == -EACCES && un_unprivileged())
		rc = copy_up_lifted(n, copy_up_parent_node);
	return rc;
}

struct repoint {
	dev_t dev;
	ino_t ino;
	const char *upper;
};

/* The flock the open file behind fd holds (a "FLOCK" line of
   /proc/self/fdinfo/N: the kernel lists there the flocks of that open
   file): LOCK_SH, LOCK_EX, or 0.  (Its own frame: the buffer.) */
static __attribute__((noinline)) int fd_flock_held(int fd)
{
	char proc[40], buf[1024];
	const char *l;
	ssize_t n;
	int pfd;

	snprintf(proc, sizeof(proc), "/proc/self/fdinfo/%d", fd);
	pfd = real_open(proc, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return 0;
	n = real_read(pfd, buf, sizeof(buf) - 1);
	real_close(pfd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (l = strstr(buf, "lock:"); l; l = strstr(l + 5, "lock:")) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);

		if (!memmem(l, len, "FLOCK", 5))
			continue;
		return memmem(l, len, "WRITE", 5) ? LOCK_EX : LOCK_SH;
	}
	return 0;
}

/* repoint_fd's work, fd held. */
static void repoint_held_fd(int fd, const struct repoint *r)
{
	struct stat st;
	int flags, fdflags, nfd, lock, was = -1;
	off_t off;

	if (real_fstat(fd, &st) < 0 || st.st_dev != r->dev ||
	    st.st_ino != r->ino)
		return;
	/* A streamed listing reads on from the lower directory: its
	   position means nothing in the upper copy. */
	if (S_ISDIR(st.st_mode) && un_fd_is_stream(fd))
		return;
	flags = real_fcntl(fd, F_GETFL);
	fdflags = real_fcntl(fd, F_GETFD);
	off = lseek(fd, 0, SEEK_CUR);
	if (flags < 0 || fdflags < 0)
		return;
	UN_KBUF(kbuf);
	nfd = real_open(un_kreal(r->upper, &kbuf),
			(flags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_CLOEXEC);
	if (nfd < 0)
		return;
	if (off >= 0)
		lseek(nfd, off, SEEK_SET);
	/* A flock held through fd goes with it to the copy (the kernel's
	   is on the overlay inode, one across the copy-up): taken on the
	   new open file before the old one closes, without waiting (one
	   another process took on the copy meanwhile stays theirs).  Not
	   a process's fcntl locks, nor another process's descriptors
	   (README's differences; integration/flock-across-copy-up). */
	lock = fd_flock_held(fd);
	if (lock)
		(void)flock(nfd, lock | LOCK_NB);
	/* A directory's record says "no layer known" while the number
	   changes files under it, and the move is counted: another
	   thread's listing or lookup through fd meanwhile reads every copy
	   by its path, or looks again (fdtab.c, Moves). */
	if (S_ISDIR(st.st_mode)) {
		was = un_fd_moving(fd);
		/* (Looked at again after the count: a stream marked since
		   the look above either shows here or sees the count.) */
		if (un_fd_is_stream(fd)) {
			un_fd_moved(fd, was, false);
			real_close(nfd);
			return;
		}
	}
	/* From now on fd is the upper's: a change through it needs no
	   copy-up, even once its name is gone. */
	if (real_dup3(nfd, fd, (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) >= 0) {
		if (S_ISDIR(st.st_mode)) {
			un_fd_moved(fd, was, true);
			/* The kernel's file goes on answering as the one
			   layer's until it stands at 0 again. */
			if (off > 0)
				un_fd_mark_one_layer(fd);
		} else {
			un_fd_mark_upper(fd);
		}
	} else if (S_ISDIR(st.st_mode)) {
		un_fd_moved(fd, was, false);	/* (fd still the lower's) */
	}
	real_close(nfd);
}

/* Re-point fd at the upper copy if it is open on the old lower file.
   The number is held from the look to the move: another thread's
   close of it waits, so that the move never lands on a number an open
   took since (fdtab.c, Repoints). */
static void repoint_fd(int fd, void *arg)
{
	int hold = un_fd_repoint_hold(fd);

	if (hold < 0)
		return;
	repoint_held_fd(fd, arg);
	un_fd_repoint_release(hold);
}

/* A cwd in the directory vpath just copied up follows it as the
   descriptors do: the kernel's cwd is the merged directory, whose real
   one is now the upper's copy (what "." shows once it is removed). */
/* (Not inlined: its frame of paths is taken only when called; a
   thread's calls must fit in 128 KiB of stack: edges/thread-stack.) */
static __attribute__((noinline)) void repoint_cwd(const char *vpath,
						 const struct repoint *r)
{
	char cwd[UN_VPATH_MAX];
	struct stat st;
	UN_KBUF(kbuf);
	/* (No move when another thread's chdir came after the look.) */
	unsigned long seq = un_cwd_seq();

	if (un_cwd_get(cwd, sizeof(cwd)) != 0 || strcmp(cwd, vpath) ||
	    real_fstatat(AT_FDCWD, ".", &st, 0) < 0 ||
	    st.st_dev != r->dev || st.st_ino != r->ino)
		return;
	(void)un_cwd_chdir(un_kreal(r->upper, &kbuf), -1,
			   &(struct un_cwd_to){ vpath, 0, 0, false }, &seq);
}

/* A directory rel of m was copied up (as a parent of another copy-up):
   the process's descriptors and cwd on it follow, as overlayfs's do. */
static void repoint_dir_fds(struct un_mount *m, const char *rel,
			    const struct stat *old, const char *upper)
{
	char vpath[UN_VPATH_MAX];
	struct repoint rp = { old->st_dev, old->st_ino, upper };

	if (un_path_join(vpath, sizeof(vpath), m->merged, m->merged_len,
			 rel) == 0) {
		un_fd_foreach_path(vpath, repoint_fd, &rp);
		repoint_cwd(vpath, &rp);
	}
}

void un_repoint_fd(int fd, const struct un_node *n, const struct stat *old)
{
	struct repoint rp = { old->st_dev, old->st_ino, n->real };

	repoint_fd(fd, &rp);
}

/* un_copy_up's work; n is changed only once the copy stands (its
   caller may try again: copy_up_lifted). */
static int copy_up_node(struct un_node *n)
{
	struct repoint rp;
	struct stat old, st;
	char dst[UN_VPATH_MAX];
	UN_KBUF(kbuf);
	int rc;

	if (n->layer == 0)
		return 0;
	if (n->layer < 0)
		return -ENOENT;
	if (!n->mnt->upper)
		return -EROFS;
	rc = (n->parent_dirlayers & 1) ? 0 : copy_up_parent_node(n);
	if (rc < 0)
		return rc;
	rc = un_path_join(dst, sizeof(dst), n->mnt->upper, n->mnt->upper_len,
			  un_node_rel(n));
	if (rc < 0)
		return rc;
	old = n->st;
	rc = copy_one(n->mnt, n->real, &n->st, dst, false, NULL, NULL);
	if (rc < 0)
		return rc;
	if (real_lstat(un_kreal(dst, &kbuf), &st) < 0)
		return -errno;
	memcpy(n->real, dst, strlen(dst) + 1);
	n->at_off = 0;	/* real is no longer below the lookup's start */
	n->st = st;
	n->layer = 0;
	n->dirlayers |= 1;
	n->parent_dirlayers |= 1;

	if (S_ISFIFO(old.st_mode))
		un_fifo_copied_up(n->mnt, &old, &n->st, n->real);
	if (!S_ISLNK(old.st_mode)) {
		rp.dev = old.st_dev;
		rp.ino = old.st_ino;
		rp.upper = n->real;
		un_fd_foreach_path(n->vpath, repoint_fd, &rp);
		if (S_ISDIR(old.st_mode))
			repoint_cwd(n->vpath, &rp);
	}
	return 0;
}

int un_copy_up(struct un_node *n)
{
	UN_SAVE_ERRNO;
	int rc = copy_up_node(n);

	if (rc == -EACCES && un_unprivileged() && n->layer > 0)
		rc = copy_up_lifted(n, copy_up_node);
	/* (An xattr the upper refuses, a name probed: not the caller's
	   errno, as un_lookup's.) */
	UN_RESTORE_ERRNO;
	return rc;
}

/* A descriptor on a removed directory just copied up (un_copy_up_dead)
   follows into the copy, and stays removed. */
struct repoint_dead {
	struct repoint rp;
	const char *vpath;
	dev_t dev;	/* the copy's */
	ino_t ino;
};

static void repoint_dead_fd(int fd, void *arg)
{
	const struct repoint_dead *d = arg;
	struct stat st;

	repoint_fd(fd, (void *)&d->rp);
	if (real_fstat(fd, &st) == 0 && st.st_dev == d->dev &&
	    st.st_ino == d->ino) {
		bool one_layer = un_fd_is_one_layer(fd);

		un_fd_set_dead(fd, d->vpath, strlen(d->vpath), true);
		if (one_layer)
			un_fd_mark_one_layer(fd);
	}
}

static __attribute__((noinline)) void repoint_dead_cwd(
	const struct repoint_dead *d)
{
	char cwd[UN_VPATH_MAX];
	struct stat st;
	size_t at;
	UN_KBUF(kbuf);
	unsigned long seq = un_cwd_seq();	/* (as repoint_cwd's) */

	if (un_cwd_get_at(cwd, sizeof(cwd), NULL, &at) != -ESTALE ||
	    strcmp(cwd, d->vpath) || at != strlen(cwd) ||
	    real_stat(".", &st) < 0 || st.st_dev != d->rp.dev ||
	    st.st_ino != d->rp.ino)
		return;
	(void)un_cwd_chdir(un_kreal(d->rp.upper, &kbuf), -1,
			   &(struct un_cwd_to){ d->vpath, -1, at, true },
			   &seq);
}

/* Remove dst, a copy un_copy_up_dead made of a removed directory, its
   parent's times kept (the kernel's deleted copy moved none). */
static void remove_copy(struct un_mount *m, const char *dst)
{
	char parent[UN_VPATH_MAX];
	char *slash;
	struct stat pst;
	UN_KBUF(kbuf);
	UN_KBUF(kparent);
	bool have_parent = false;

	memcpy(parent, dst, strlen(dst) + 1);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		have_parent = real_lstat(un_kreal(parent, &kparent), &pst) == 0;
	}
	(void)real_rmdir(un_kreal(dst, &kbuf));
	if (have_parent) {
		struct timespec times[2] = { pst.st_atim, pst.st_mtim };

		real_utimensat(AT_FDCWD, un_kreal(parent, &kparent), times,
			       AT_SYMLINK_NOFOLLOW);
	}
	un_dcache_changed(m);
}

int un_copy_up_dead(struct un_node *n)
{
	char dst[UN_VPATH_MAX];
	const char *rel = un_node_rel(n);
	struct repoint_dead d;
	struct stat now;
	UN_KBUF(kbuf);
	bool gone;
	int rc;

	if (n->layer == 0)
		return 0;	/* copied up before */
	rc = un_path_join(dst, sizeof(dst), n->mnt->upper, n->mnt->upper_len,
			  rel);
	if (rc < 0)
		return rc;
	/* No directory made at its name since, only the whiteout of its
	   removal (namei.c's had_copy): the copy stands for the one the
	   kernel's dentry keeps, deleted; it is removed once descriptors
	   and cwd are in it, the whiteout kept. */
	gone = n->mnt->wt && un_wtable_get(n->mnt->wt, rel, strlen(rel)) ==
				     UN_W_WHITEOUT;
	rc = copy_one(n->mnt, n->real, &n->st, dst, true, NULL, NULL);
	if (rc < 0)
		return rc;
	/* The copy is no opaque directory (the kernel's has only its
	   origin): the one made at its name was. */
	if (!gone && n->mnt->wt &&
	    un_wtable_get(n->mnt->wt, rel, strlen(rel)) != UN_W_NONE &&
	    un_wtable_set(n->mnt->wt, rel, UN_W_NONE) == 0)
		un_dcache_changed(n->mnt);
	if (real_lstat(un_kreal(dst, &kbuf), &now) < 0)
		return 0;	/* (another process's doing) */
	d.rp.dev = n->st.st_dev;
	d.rp.ino = n->st.st_ino;
	d.rp.upper = dst;
	d.vpath = n->vpath;
	d.dev = now.st_dev;
	d.ino = now.st_ino;
	un_fd_foreach_path(n->vpath, repoint_dead_fd, &d);
	repoint_dead_cwd(&d);
	if (gone)
		remove_copy(n->mnt, dst);
	return 0;
}
