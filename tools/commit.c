/*
 * commit.c - `union commit`: apply an upper's changes to the top lower.
 *
 *	union commit [-l DIR]... [-m PATH] UPPER
 *
 * Afterwards the top lower, seen under the lowers below it, is what the
 * union showed, and the upper is empty (UPPER/.union stays, with an
 * empty table).  The walk of changes.c gives the changes in tree order;
 * each one is applied to the top lower (TOP) and then removed from the
 * upper, so that at every instant the union shows what it showed before
 * (the upper's copy hides TOP's until TOP holds the same):
 *
 *   - a file, symlink, device or fifo: made as TOP/dir/.union-commit-H
 *     (H a hash of its name) with the upper's data, owner (when we may),
 *     mode, times and xattrs, then renamed over TOP/dir/name; a
 *     directory in the way is first renamed aside (.union-aside-H) and
 *     removed after.  Then the upper's copy is unlinked.  A second name
 *     of a file with several links in the upper becomes a hard link;
 *   - a whiteout: TOP's object is removed (rm -rf).  When a lower below
 *     still shows the name, TOP gets overlayfs's whiteout there, a 0/0
 *     character device (which the library and the kernel both read, and
 *     which Linux lets any user make since 5.8); where that is refused,
 *     the name is removed from each lower below that shows it.  Then the
 *     record (or device) goes;
 *   - a directory: made in TOP if missing (a non-directory there is
 *     removed).  An opaque one is emptied in TOP, and when lowers below
 *     would still show names in it, TOP's directory gets the opaque
 *     xattr (trusted.overlay.opaque as root, user.overlay.opaque
 *     otherwise; or, failing that, those names are removed from the
 *     lowers below); then its record goes.  Its owner, mode, times and
 *     xattrs are set after its content, and the upper's directory is
 *     removed once empty.  The upper's root gives TOP's root its owner,
 *     mode and times (they are what the merged root showed).
 *
 * With UNION_OCI_LOWERS=1 the lowers are extracted OCI layers (view.c):
 * TOP gets OCI markers instead, `.wh.NAME` and `.wh..wh..opq`.
 *
 * Every step can be done again: interrupted (a kill, a full disk), the
 * command run again finds what is left in the upper and finishes it.
 * UPPER/.union/commit marks a commit under way (and names TOP).  Nothing
 * may use the union meanwhile.  The directories' metadata the command
 * changes for its work is noted first in UPPER/.union/commit-meta
 * (journal.c), and put back by the rerun before it reads the upper.
 *
 * For the tests, UNION_TEST_COMMIT_ABORT=N kills the command (SIGKILL)
 * after its N-th step.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "union.h"

static const char commit_usage[] =
	"usage: union commit [-l|--lower DIR]... [-m|--merged PATH] UPPER\n";

struct link_done {
	dev_t dev;
	ino_t ino;
	char *path;		/* its name in TOP */
};

struct commit {
	struct un_changes *c;
	const char *top;
	char *journal;		/* UPPER/.union/commit-meta: journal.c */
	struct link_done *links;
	size_t nlinks;
	unsigned long steps;
	unsigned long abort_after;
};

/* One change applied and gone from the upper. */
static void step_done(struct commit *k)
{
	k->steps++;
	if (k->abort_after && k->steps == k->abort_after)
		raise(SIGKILL);
}

static int cancel_record(struct commit *k, const char *rel)
{
	struct un_rec r = { .path = (char *)rel, .kind = '-' };

	if (un_table_get(k->c->tbl, rel) == UN_REC_NONE)
		return 0;
	return un_table_append(k->c->tbl, &r, 1);
}

/* The change at rel is applied and gone from the upper: its record too. */
static int applied(struct commit *k, const char *rel)
{
	int ret = cancel_record(k, rel);

	if (ret == 0)
		step_done(k);
	return ret;
}

/*
 * Remove an applied object from the upper, keeping the times of its
 * directory: they are what the union shows for it, and what TOP's
 * directory gets at the end (also after an interrupted run).
 */
static int upper_remove(const char *path, bool dir)
{
	char *parent = un_xstrndup(path, strrchr(path, '/') - path);
	struct stat st;
	int ret = 0, have = lstat(parent, &st) == 0;

	if ((dir ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		ret = un_fail(-errno, "cannot remove '%s'", path);
	if (have) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		utimensat(AT_FDCWD, parent, ts, AT_SYMLINK_NOFOLLOW);
	}
	free(parent);
	return ret;
}

/* Let us write into a directory of ours whatever its mode (reset later). */
static void open_up(const char *path, const struct stat *st)
{
	if ((st->st_mode & S_IRWXU) != S_IRWXU && st->st_uid == geteuid())
		chmod(path, (st->st_mode | S_IRWXU) & 07777);
}

/* Remove rel from each lower that shows it, until none does. */
static int remove_from_lowers(struct commit *k, const char *rel)
{
	struct un_obj o;
	int ret;

	for (int i = 0; i <= k->c->lowers.nlayer; i++) {
		ret = un_view_lookup(&k->c->lowers, rel, &o);
		if (ret < 0 || o.layer < 0)
			return ret;
		ret = un_remove_tree(o.real);
		if (ret < 0)
			return ret;
	}
	un_err("cannot delete '%s' from the lowers", rel);
	return -EIO;
}

/*
 * An OCI layer's marker (UNION_OCI_LOWERS=1: TOP is one): an empty file
 * dir/name, 0 when it exists already.
 */
static int oci_marker(const char *dir, const char *name)
{
	char *p = un_xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0644);
	int ret = 0;

	if (fd < 0 && errno != EEXIST)
		ret = un_fail(-errno, "cannot create '%s'", p);
	if (fd >= 0)
		close(fd);
	free(p);
	return ret;
}

/*
 * OCI layers: TOP/dir/name now holds the union's object, so TOP's own
 * whiteout of name, if any, goes (an unpacker applying TOP's tar would
 * delete the object again where the marker comes after it).  It hid
 * name below: a directory takes `.wh..wh..opq` first, to go on hiding.
 */
static int oci_unwhite(const char *tp, bool dir)
{
	const char *slash = strrchr(tp, '/');
	char *wh = un_xasprintf("%.*s/.wh.%s", (int)(slash - tp), tp,
				slash + 1);
	struct stat st;
	int ret = 0;

	if (lstat(wh, &st) < 0)
		goto out_free;
	if (dir)
		ret = oci_marker(tp, ".wh..wh..opq");
	if (ret == 0 && unlink(wh) < 0 && errno != ENOENT)
		ret = un_fail(-errno, "cannot remove '%s'", wh);
out_free:
	free(wh);
	return ret;
}

/* After TOP/rel was removed: hide what the lowers below still show. */
static int hide_below(struct commit *k, const char *rel, const char *tp)
{
	struct un_obj o;
	int ret;

	ret = un_view_lookup(&k->c->lowers, rel, &o);
	if (ret < 0 || o.layer < 0)
		return ret;
	if (un_oci_lowers()) {
		/* As the layers are written: TOP/dir/.wh.name. */
		char *dir = un_xstrndup(tp, strrchr(tp, '/') - tp);
		char *name = un_xasprintf(".wh.%s", strrchr(tp, '/') + 1);

		ret = oci_marker(dir, name);
		free(name);
		free(dir);
		return ret;
	}
	if (mknod(tp, S_IFCHR, 0) == 0)
		return 0;
	if (errno != EPERM)
		return un_fail(-errno, "cannot make the whiteout '%s'", tp);
	return remove_from_lowers(k, rel);
}

/* TOP's directory rel, just emptied: hide what the lowers below show in it. */
static int make_opaque(struct commit *k, const char *rel, const char *tp)
{
	struct un_strv names = { 0 };
	struct un_obj o;
	int ret;

	ret = un_view_lookup(&k->c->lowers, rel, &o);
	if (ret < 0 || !un_obj_is_dir(&o))
		return ret;
	ret = un_view_list(&k->c->lowers, rel, &o, &names);
	if (ret < 0 || !names.n)
		goto out_free;
	if (un_oci_lowers()) {
		ret = oci_marker(tp, ".wh..wh..opq");
		goto out_free;
	}
	if (lsetxattr(tp, geteuid() == 0 ? "trusted.overlay.opaque" :
					   "user.overlay.opaque",
		      "y", 1, 0) == 0)
		goto out_free;
	for (size_t i = 0; i < names.n; i++) {
		char *child = un_rel_join(rel, names.v[i]);

		ret = remove_from_lowers(k, child);
		free(child);
		if (ret < 0)
			break;
	}
out_free:
	un_strv_release(&names);
	return ret;
}

/* Remove everything in the directory path. */
static int empty_dir(const char *path)
{
	struct un_strv names = { 0 };
	int ret = un_list_dir(path, &names);

	for (size_t i = 0; ret == 0 && i < names.n; i++) {
		char *p = un_path_join(path, names.v[i]);

		ret = un_remove_tree(p);
		free(p);
	}
	un_strv_release(&names);
	return ret;
}

static int dir_pre(void *arg, const struct un_entry *e)
{
	struct commit *k = arg;
	struct stat st;
	char *tp;
	int ret = 0;

	/* What this directory shows, noted before we change it (its mode
	   for our work, its times by the changes in it, TOP's made with
	   u+rwx): a rerun after a kill puts it back first. */
	if (e->in_upper &&
	    un_journal_note(k->journal, e->upper_path, &e->st) < 0)
		return -EIO;
	if (!*e->rel)
		return 0;
	if (e->in_upper)
		open_up(e->upper_path, &e->st);
	tp = un_path_join(k->top, e->rel);
	if (un_journal_note(k->journal, tp, e->in_upper ? &e->st :
							 &e->before.st) < 0) {
		ret = -EIO;
		goto out_free;
	}
	if (lstat(tp, &st) == 0 && !S_ISDIR(st.st_mode)) {
		ret = un_remove_tree(tp);
		if (ret < 0)
			goto out_free;
	}
	if (lstat(tp, &st) < 0) {
		mode_t mode = e->in_upper ? e->st.st_mode :
					    e->before.st.st_mode;

		if (mkdir(tp, (mode | S_IRWXU) & 07777) < 0) {
			ret = un_fail(-errno, "cannot create '%s'", tp);
			goto out_free;
		}
	} else {
		open_up(tp, &st);
	}
	if (!e->in_upper || !e->opaque)
		goto out_oci;

	ret = empty_dir(tp);
	if (ret == 0)
		ret = make_opaque(k, e->rel, tp);
	if (ret == 0)
		ret = cancel_record(k, e->rel);
	if (ret == 0 && e->record != UN_REC_NONE)
		step_done(k);
out_oci:
	if (ret == 0 && un_oci_lowers())
		ret = oci_unwhite(tp, true);
out_free:
	free(tp);
	return ret;
}

static int whiteout(void *arg, const struct un_entry *e)
{
	struct commit *k = arg;
	char *tp = un_path_join(k->top, e->rel);
	int ret = 0;

	if (e->before.layer >= 0) {
		ret = un_remove_tree(tp);
		if (ret == 0)
			ret = hide_below(k, e->rel, tp);
		if (ret < 0)
			goto out_free;
	}
	if (e->dev_whiteout) {
		ret = upper_remove(e->upper_path, false);
		if (ret < 0)
			goto out_free;
	}
	ret = applied(k, e->rel);
out_free:
	free(tp);
	return ret;
}

/* Make tmp a copy of the upper's non-directory e. */
static int make_copy(struct commit *k, const struct un_entry *e,
		     const char *tmp)
{
	char target[PATH_MAX];
	int in, outfd, ret;
	ssize_t n;

	if (S_ISREG(e->st.st_mode)) {
		for (size_t i = 0; e->st.st_nlink > 1 && i < k->nlinks; i++) {
			if (k->links[i].dev != e->st.st_dev ||
			    k->links[i].ino != e->st.st_ino)
				continue;
			if (link(k->links[i].path, tmp) == 0)
				return 0;
			break;	/* gone, or elsewhere: copy it again */
		}
		in = open(e->upper_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return un_fail(-errno, "cannot read '%s'",
				       e->upper_path);
		outfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					  O_CLOEXEC, 0600);
		if (outfd < 0) {
			ret = un_fail(-errno, "cannot create '%s'", tmp);
			close(in);
			return ret;
		}
		ret = un_copy_data(in, outfd, e->upper_path);
		if (ret == 0 && fsync(outfd) < 0)
			ret = un_fail(-errno, "cannot write '%s'", tmp);
		close(in);
		if (close(outfd) < 0 && ret == 0)
			ret = un_fail(-errno, "cannot write '%s'", tmp);
		if (ret < 0)
			return ret;
	} else if (S_ISLNK(e->st.st_mode)) {
		n = readlink(e->upper_path, target, sizeof(target) - 1);
		if (n < 0)
			return un_fail(-errno, "cannot read '%s'",
				       e->upper_path);
		target[n] = '\0';
		if (symlink(target, tmp) < 0)
			return un_fail(-errno, "cannot create '%s'", tmp);
	} else {
		if (mknod(tmp, (e->st.st_mode & S_IFMT) | 0600,
			  e->st.st_rdev) < 0)
			return un_fail(-errno, "cannot create '%s'", tmp);
	}
	ret = un_set_meta(tmp, &e->st);
	if (ret == 0)
		ret = un_copy_xattrs(e->upper_path, tmp);
	return ret;
}

static void remember_link(struct commit *k, const struct stat *st,
			  const char *path)
{
	struct link_done *l;

	if (!S_ISREG(st->st_mode) || st->st_nlink < 2)
		return;
	k->links = un_xrealloc(k->links, (k->nlinks + 1) * sizeof(*k->links));
	l = &k->links[k->nlinks++];
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	l->path = un_xstrdup(path);
}

/*
 * The staging names of an object (rel), hidden from the union by
 * whiteout records while they may stand in TOP (kind 'w'), or shown
 * again (kind '-') once they are gone.  A kill leaves the records: the
 * rerun's walk takes them as whiteouts, removing what they hide from
 * TOP and then the records.
 */
static int staging_records(struct commit *k, const char *dir, uint64_t h,
			   char kind)
{
	char *t = un_xasprintf(".union-commit-%016llx", (unsigned long long)h);
	char *a = un_xasprintf(".union-aside-%016llx", (unsigned long long)h);
	struct un_rec r[2] = {
		{ .path = un_rel_join(dir, t), .kind = kind },
		{ .path = un_rel_join(dir, a), .kind = kind },
	};
	int ret = un_table_append(k->c->tbl, r, 2);

	free(r[0].path);
	free(r[1].path);
	free(a);
	free(t);
	return ret;
}

static int object(void *arg, const struct un_entry *e)
{
	struct commit *k = arg;
	char *dir = un_rel_dir(e->rel);
	char *tdir = un_path_join(k->top, dir);
	char *tp = un_path_join(k->top, e->rel);
	uint64_t h = un_hash(un_rel_base(e->rel));
	char *tmp = un_xasprintf("%s/.union-commit-%016llx", tdir,
				 (unsigned long long)h);
	char *aside = un_xasprintf("%s/.union-aside-%016llx", tdir,
				   (unsigned long long)h);
	int ret;

	/* Hidden before they are made: a kill must not leave them in
	   the union's view (they are TOP's until the rerun). */
	ret = staging_records(k, dir, h, UN_REC_WHITEOUT);
	if (ret < 0)
		goto out_free;
	/* What an interrupted run may have left. */
	ret = un_remove_tree(tmp);
	if (ret == 0)
		ret = un_remove_tree(aside);
	if (ret == 0)
		ret = make_copy(k, e, tmp);
	if (ret < 0)
		goto out_unlink;
	if (rename(tmp, tp) < 0) {
		if (errno != EISDIR && errno != ENOTEMPTY && errno != EEXIST) {
			ret = un_fail(-errno, "cannot rename '%s' to '%s'", tmp,
				      tp);
			goto out_unlink;
		}
		if (rename(tp, aside) < 0 || rename(tmp, tp) < 0) {
			ret = un_fail(-errno, "cannot replace '%s'", tp);
			goto out_unlink;
		}
		ret = un_remove_tree(aside);
		if (ret < 0)
			goto out_free;
	}
	remember_link(k, &e->st, tp);
	if (un_oci_lowers()) {
		ret = oci_unwhite(tp, false);
		if (ret < 0)
			goto out_free;
	}
	ret = staging_records(k, dir, h, '-');
	if (ret < 0)
		goto out_free;
	ret = upper_remove(e->upper_path, false);
	if (ret < 0)
		goto out_free;
	ret = applied(k, e->rel);
	goto out_free;

out_unlink:
	unlink(tmp);
out_free:
	free(aside);
	free(tmp);
	free(tp);
	free(tdir);
	free(dir);
	return ret;
}

static int dir_post(void *arg, const struct un_entry *e)
{
	struct commit *k = arg;
	char *tp;
	int ret;

	if (!*e->rel) {
		/* The merged root showed the upper's root. */
		return un_set_meta(k->top, &e->st);
	}
	tp = un_path_join(k->top, e->rel);
	if (!e->in_upper) {
		/* Only whiteouts below: as it was, times included. */
		ret = un_set_meta(tp, &e->before.st);
		goto out_free;
	}
	ret = un_set_meta(tp, &e->st);
	if (ret == 0)
		ret = un_copy_xattrs(e->upper_path, tp);
	if (ret < 0)
		goto out_free;
	ret = upper_remove(e->upper_path, true);
	if (ret < 0)
		goto out_free;
	step_done(k);
out_free:
	free(tp);
	return ret;
}

static int write_marker(struct commit *k)
{
	char *path = un_xasprintf("%s/%s/%s", k->c->ly.upper, UN_FMT_META_DIR,
				  UN_FMT_COMMIT);
	char *e = un_escape(k->top, strlen(k->top));
	char *text = un_xasprintf("%s\nlower %s\n", UN_FMT_COMMIT_HEADER, e);
	struct stat st;
	int ret;

	if (lstat(path, &st) == 0)
		un_err("finishing an interrupted commit of %s", k->c->ly.upper);
	ret = un_write_file_atomic(path, text, strlen(text));
	free(text);
	free(e);
	free(path);
	return ret;
}

/*
 * An interrupted commit (its marker there): put back the metadata it
 * changed and noted, before anything of the upper is read.  Without the
 * marker a journal is from a commit that finished all but its removal.
 */
static int replay_journal(struct commit *k)
{
	char *path = un_xasprintf("%s/%s/%s", k->c->ly.upper, UN_FMT_META_DIR,
				  UN_FMT_COMMIT);
	struct stat st;
	int ret;

	if (lstat(path, &st) == 0)
		ret = un_journal_replay(k->journal);
	else if (unlink(k->journal) < 0 && errno != ENOENT)
		ret = un_fail(-errno, "cannot remove '%s'", k->journal);
	else
		ret = 0;
	free(path);
	return ret;
}

static int remove_marker(struct commit *k)
{
	char *path = un_xasprintf("%s/%s/%s", k->c->ly.upper, UN_FMT_META_DIR,
				  UN_FMT_COMMIT);
	int ret = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		ret = un_fail(-errno, "cannot remove '%s'", path);
	free(path);
	return ret;
}

int un_cmd_commit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "merged", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct un_cmd_opts cmd = {
		.name = "commit",
		.usage = commit_usage,
		.shortopts = ":l:m:h",
		.longopts = opts,
	};
	static const struct un_walk_ops ops = {
		.dir_pre = dir_pre,
		.whiteout = whiteout,
		.object = object,
		.dir_post = dir_post,
	};
	const char *abort_after;
	struct commit k = { 0 };
	struct un_changes c;
	int status;

	status = un_upper_changes_open(argc, argv, &cmd, NULL, &c);
	if (status >= 0)
		return status;
	status = UN_EXIT_FAIL;
	k.c = &c;
	k.top = c.ly.lower[0];
	k.journal = un_xasprintf("%s/%s/%s", c.ly.upper, UN_FMT_META_DIR,
				 UN_JOURNAL_COMMIT);
	abort_after = getenv("UNION_TEST_COMMIT_ABORT");
	if (abort_after)
		k.abort_after = strtoul(abort_after, NULL, 10);

	if (replay_journal(&k) < 0 || write_marker(&k) < 0)
		goto out_release;
	if (un_changes_walk(&c, &ops, &k) != 0)
		goto out_release;
	/* The journal before the marker: without the marker, a journal
	   left is stale (replay_journal). */
	if (un_table_rewrite(c.tbl, false) < 0 ||
	    (unlink(k.journal) < 0 && errno != ENOENT) ||
	    remove_marker(&k) < 0)
		goto out_release;
	status = 0;
out_release:
	for (size_t i = 0; i < k.nlinks; i++)
		free(k.links[i].path);
	free(k.links);
	free(k.journal);
	un_changes_release(&c);
	return status;
}
