/*
 * convert.c - `union convert`: between libunion's table and overlayfs's
 * on-disk whiteouts.
 *
 *	union convert --to-overlay [--userxattr] [-l DIR]... UPPER
 *	union convert --from-overlay [-l DIR]... [-m PATH] UPPER
 *
 * Kernel overlayfs (and fuse-overlayfs) keep a deletion as a character
 * device 0/0 at the deleted name in the upper, and an opaque directory as
 * the xattr trusted.overlay.opaque=y (user.overlay.opaque with the
 * userxattr mount option); libunion keeps both as records of its table,
 * UPPER/.union/whiteouts.  Everything else in an upper is the same, so
 * converting the records converts the upper:
 *
 * --to-overlay: each 'w' record becomes a 0/0 device (mknod; Linux lets
 * any user make this one since 5.8), each 'o' record the opaque xattr
 * (trusted.*: root; --userxattr: user.overlay.opaque), after
 * making the missing parent directories with the metadata the union
 * showed for them.  The library's record of each copy's lower file (the
 * xattr user.libunion.origin) is removed: a kernel overlay would show it
 * as any user.* xattr.  Then UPPER/.union is removed: a kernel overlay
 * would show it as a directory of the merged view.  Nothing is changed
 * unless the privileges are there (probed first).
 *
 * --from-overlay: each 0/0 device in the upper becomes a 'w' record and
 * each directory with either opaque xattr set to "y" an 'o' record; the
 * records are appended first (creating the table if need be), then the
 * devices and the xattrs are removed, so that an interrupted run can be
 * run again.  With --lower, UPPER/.union/layers is written too.
 *
 * Both keep the times of the directories they touch (the merged view
 * shows the upper's), noted first in UPPER/.union/convert-meta
 * (journal.c): a run killed leaves them changed, the next puts them back
 * before anything else.  The kernel's other xattrs (origin, impure) are
 * left alone; a redirect or a metacopy (features that are off by default)
 * is reported, since libunion has no equivalent.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "union.h"

static const char convert_usage[] =
	"usage: union convert --to-overlay [--userxattr] [-l|--lower DIR]... "
	"UPPER\n"
	"       union convert --from-overlay [-l|--lower DIR]... "
	"[-m|--merged PATH] UPPER\n";

/*
 * Directories whose times must be put back at the end; each noted in the
 * journal (journal.c) too, before it is changed, for a rerun after a kill.
 */
struct touched {
	char **path;
	struct stat *st;
	size_t n;
	char *journal;		/* UPPER/.union/convert-meta */
	const struct un_lend *lend;	/* --from-overlay's lends, or NULL */
};

/* Note path, whose times to put back are st's. */
static int touch_note_st(struct touched *t, const char *path,
			 const struct stat *st)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->path[i], path))
			return 0;
	if (un_journal_note(t->journal, path, st) < 0)
		return -EIO;
	t->path = un_xrealloc(t->path, (t->n + 1) * sizeof(*t->path));
	t->st = un_xrealloc(t->st, (t->n + 1) * sizeof(*t->st));
	t->path[t->n] = un_xstrdup(path);
	t->st[t->n] = *st;
	t->n++;
	return 0;
}

static int touch_note(struct touched *t, const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	/* A directory lent u+rwx (--from-overlay, lend.c) is noted with
	   its own mode: a rerun after a kill puts back what the user had
	   (before session 19 a 0600 directory came back 0700). */
	un_lend_unlent(t->lend, path, &st);
	return touch_note_st(t, path, &st);
}

static int touch_restore(struct touched *t)
{
	int ret = 0;

	for (size_t i = t->n; i-- > 0;) {
		struct timespec ts[2] = { t->st[i].st_atim, t->st[i].st_mtim };

		if (utimensat(AT_FDCWD, t->path[i], ts,
			      AT_SYMLINK_NOFOLLOW) < 0 && !ret)
			ret = un_fail(-errno, "cannot set the times of '%s'",
				      t->path[i]);
		free(t->path[i]);
	}
	free(t->path);
	free(t->st);
	t->path = NULL;
	t->st = NULL;
	t->n = 0;
	return ret;
}

/*
 * For the tests, UNION_TEST_CONVERT_ABORT=N kills the command (SIGKILL)
 * after its N-th change (a record made a device or an xattr, or back).
 */
static void step_done(void)
{
	static unsigned long steps, abort_after;
	static bool read_env;

	if (!read_env) {
		const char *v = getenv("UNION_TEST_CONVERT_ABORT");

		abort_after = v ? strtoul(v, NULL, 10) : 0;
		read_env = true;
	}
	if (abort_after && ++steps == abort_after)
		raise(SIGKILL);
}

/* ------------------------------------------------------------------ */
/* --to-overlay                                                         */

/* Can we make what the records need?  Probed in UPPER/.union. */
static int probe(const char *meta, bool dev, const char *xattr)
{
	char *p = un_xasprintf("%s/convert-probe", meta);
	int ret = 0;

	if (dev) {
		unlink(p);
		if (mknod(p, S_IFCHR, 0) < 0) {
			ret = -errno;
			un_fail(ret, "convert --to-overlay: cannot make the "
				"whiteout devices (character devices 0/0)");
			goto out_free;
		}
		unlink(p);
	}
	if (xattr) {
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			ret = un_fail(-errno, "cannot create '%s'", p);
			goto out_free;
		}
		if (lsetxattr(p, xattr, "y", 1, 0) < 0) {
			ret = -errno;
			un_fail(ret, "convert --to-overlay: cannot set %s%s",
				xattr, strncmp(xattr, "trusted.", 8) ? "" :
				" (this needs root; --userxattr uses "
				"user.overlay.opaque)");
		}
		rmdir(p);
	}
out_free:
	free(p);
	return ret;
}

/*
 * Make the missing directories above rel in the upper, as the union
 * showed them.  Returns 1 when a non-directory of the upper is in the
 * way, or the union (v) shows no directory there (the record is hidden,
 * nothing to do).
 */
static int make_parents(const struct un_view *v, const char *upper,
			const char *rel, struct touched *made)
{
	char *buf = un_xstrdup(rel);
	struct stat st;
	int ret = 0;

	for (char *s = buf; (s = strchr(s, '/')); s++) {
		char *p;
		struct un_obj o;

		*s = '\0';
		p = un_path_join(upper, buf);
		if (lstat(p, &st) == 0) {
			ret = S_ISDIR(st.st_mode) ? 0 : 1;
		} else if (errno != ENOENT) {
			ret = un_fail(-errno, "cannot read '%s'", p);
		} else {
			ret = v ? un_view_lookup(v, buf, &o) : 0;
			/* A parent the union does not show: the record
			   hides nothing (an unlink's whiteout that landed
			   after another process removed its directory:
			   tests/integration/unlink-parent-removed-race). */
			if (ret == 0 && v && !un_obj_is_dir(&o))
				ret = 1;
			/* Its parent's times change, and it is made 0700
			   first: both noted before. */
			if (ret == 0) {
				char *pp = un_xstrndup(p, strrchr(p, '/') - p);

				ret = touch_note(made, pp);
				free(pp);
			}
			if (ret == 0 && v && un_obj_is_dir(&o) &&
			    un_journal_note(made->journal, p, &o.st) < 0)
				ret = -EIO;
			if (ret == 0 && mkdir(p, 0700) < 0)
				ret = un_fail(-errno, "cannot create '%s'", p);
			if (ret == 0 && v && un_obj_is_dir(&o)) {
				ret = un_set_meta(p, &o.st);
				if (ret == 0)
					ret = touch_note(made, p);
			} else if (ret == 0) {
				chmod(p, 0755);
			}
		}
		free(p);
		*s = '/';
		if (ret)
			break;
	}
	free(buf);
	return ret;
}

/*
 * Remove the xattr name (UN_FMT_ORIGIN_XATTR, UN_FMT_STAGED_XATTR) from
 * p (stat st).  A user.* xattr asks
 * write permission of its file: a copy of the user's own without it
 * (0444) is given u+w for the removal, and its mode back (its ctime
 * moves, as by the removal itself; not its mtime).
 */
static int strip_origin(const char *p, const struct stat *st,
			const char *name, const char *journal)
{
	int err;

	if (lremovexattr(p, name) == 0 || errno == ENODATA ||
	    errno == ENOTSUP)
		return 0;
	err = errno;
	if (err == EACCES && st->st_uid == geteuid()) {
		if (lgetxattr(p, name, NULL, 0) < 0 &&
		    errno == ENODATA)
			return 0;
		if (un_journal_note(journal, p, st) < 0)
			return -EIO;
		if (chmod(p, (st->st_mode & 07777) | S_IWUSR) == 0) {
			err = lremovexattr(p, name) == 0 ?
				      0 : errno;
			if (chmod(p, st->st_mode & 07777) < 0 && !err)
				err = errno;
			if (!err || err == ENODATA)
				return 0;
		}
	}
	return un_fail(-err, "cannot remove the xattr %s of '%s'", name,
		       p);
}

/* strip_origin on every file and directory below rel in the upper. */
static int strip_origins(const char *upper, const char *rel,
			 const char *journal)
{
	char *dir = un_path_join(upper, rel);
	struct un_strv names = { 0 };
	int ret;

	ret = un_list_dir(dir, &names);
	for (size_t i = 0; ret == 0 && i < names.n; i++) {
		char *crel, *p;
		struct stat st;

		if (!*rel && !strcmp(names.v[i], UN_FMT_META_DIR))
			continue;
		crel = un_rel_join(rel, names.v[i]);
		p = un_path_join(dir, names.v[i]);
		if (lstat(p, &st) < 0) {
			ret = un_fail(-errno, "cannot read '%s'", p);
		} else if (S_ISDIR(st.st_mode)) {
			/* One of the user's own that the user may not
			   read, search or change (chmod 500 in the view)
			   is opened for the time of its walk. */
			bool lift = geteuid() && st.st_uid == geteuid() &&
				    (st.st_mode & 0700) != 0700;

			if (lift && un_journal_note(journal, p, &st) < 0)
				ret = -EIO;
			if (ret == 0 && lift &&
			    chmod(p, (st.st_mode & 07777) | 0700) < 0)
				ret = un_fail(-errno, "cannot change the mode "
						      "of '%s'", p);
			if (ret == 0)
				ret = strip_origin(p, &st,
						   UN_FMT_ORIGIN_XATTR,
						   journal);
			/* (A killed copy-up's mark: copy_up.c.) */
			if (ret == 0)
				ret = strip_origin(p, &st,
						   UN_FMT_STAGED_XATTR,
						   journal);
			if (ret == 0)
				ret = strip_origins(upper, crel, journal);
			if (lift && chmod(p, st.st_mode & 07777) < 0 && !ret)
				ret = un_fail(-errno, "cannot change the mode "
						      "of '%s'", p);
		} else if (S_ISREG(st.st_mode)) {
			ret = strip_origin(p, &st, UN_FMT_ORIGIN_XATTR,
					   journal);
		}
		free(p);
		free(crel);
	}
	un_strv_release(&names);
	free(dir);
	return ret;
}

static int to_overlay(struct un_changes *c, bool have_layers,
		      const char *opaque_xattr, char *journal)
{
	const struct un_rec *recs;
	struct touched t = { .journal = journal };
	char *meta = un_path_join(c->ly.upper, UN_FMT_META_DIR);
	bool want_dev = false, want_xattr = false;
	struct stat rst;
	size_t n = un_table_records(c->tbl, &recs);
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		if (recs[i].kind == UN_REC_WHITEOUT)
			want_dev = true;
		else
			want_xattr = true;
	}
	/* (The journal's directory, for an upper the library never used.) */
	ret = un_mkdir_p(meta, 0700);
	if (ret < 0)
		goto out_free;
	if (n) {
		ret = probe(meta, want_dev, want_xattr ? opaque_xattr : NULL);
		if (ret < 0)
			goto out_free;
	}

	for (size_t i = 0; i < n; i++) {
		char *p = un_path_join(c->ly.upper, recs[i].path);
		char *dir = un_rel_dir(recs[i].path);
		char *dp = un_path_join(c->ly.upper, dir);
		struct stat st;

		ret = make_parents(have_layers ? &c->merged : NULL,
				   c->ly.upper, recs[i].path, &t);
		if (ret == 1) {
			ret = 0;
			goto next;
		}
		if (ret == 0)
			ret = touch_note(&t, dp);
		if (ret < 0)
			goto next;
		if (lstat(p, &st) < 0 && errno == ENOENT) {
			if (recs[i].kind == UN_REC_OPAQUE) {
				un_err("warning: the opaque directory '%s' is "
				       "not in the upper", p);
				goto next;
			}
			if (mknod(p, S_IFCHR, makedev(0, 0)) < 0)
				ret = un_fail(-errno, "cannot make the "
						      "whiteout '%s'", p);
		} else if (lstat(p, &st) < 0) {
			ret = un_fail(-errno, "cannot read '%s'", p);
		} else if (S_ISDIR(st.st_mode)) {
			/* 'o', or 'w' over an upper directory: opaque. */
			if (lsetxattr(p, opaque_xattr, "y", 1, 0) < 0)
				ret = un_fail(-errno, "cannot set %s on '%s'",
					      opaque_xattr, p);
		}
		/* Anything else there hides the lowers already. */
		if (ret == 0)
			step_done();
next:
		free(dp);
		free(dir);
		free(p);
		if (ret < 0)
			break;
	}
	if (touch_restore(&t) < 0 && ret == 0)
		ret = -EIO;
	if (ret == 0)
		ret = strip_origins(c->ly.upper, "", journal);
	/* (The journal goes with UPPER/.union, whose removal changes the
	   root's times: they are the merged root's, put back after.) */
	if (ret == 0 && lstat(c->ly.upper, &rst) < 0)
		ret = un_fail(-errno, "cannot read '%s'", c->ly.upper);
	if (ret == 0)
		ret = un_remove_tree(meta);
	if (ret == 0) {
		struct timespec ts[2] = { rst.st_atim, rst.st_mtim };

		if (utimensat(AT_FDCWD, c->ly.upper, ts,
			      AT_SYMLINK_NOFOLLOW) < 0)
			ret = un_fail(-errno, "cannot set the times of '%s'",
				      c->ly.upper);
	}
out_free:
	free(meta);
	return ret;
}

/* ------------------------------------------------------------------ */
/* --from-overlay                                                       */

struct found {
	struct un_rec *recs;
	size_t n;
};

static void found_add(struct found *f, const char *rel, char kind)
{
	f->recs = un_xrealloc(f->recs, (f->n + 1) * sizeof(*f->recs));
	f->recs[f->n].path = un_xstrdup(rel);
	f->recs[f->n].kind = kind;
	f->n++;
}

static void check_features(const char *path)
{
	if (lgetxattr(path, "trusted.overlay.redirect", NULL, 0) >= 0 ||
	    lgetxattr(path, "user.overlay.redirect", NULL, 0) >= 0)
		un_err("warning: '%s' is a renamed directory (overlay "
		       "redirect): libunion shows it without its lower "
		       "content", path);
	if (lgetxattr(path, "trusted.overlay.metacopy", NULL, 0) >= 0 ||
	    lgetxattr(path, "user.overlay.metacopy", NULL, 0) >= 0)
		un_err("warning: '%s' is a metadata-only copy (overlay "
		       "metacopy): its data is in a lower, not here", path);
}

/*
 * Find the whiteouts and opaque directories below rel in the upper.  A
 * directory of the user's own without u+rwx (chmod 600 in the view) is
 * lent it (lend.c) for the rest of the run: the scan searches it, the
 * conversion removes devices from it.
 */
static int scan(const char *upper, const char *rel, struct found *f,
		struct un_lend *lend)
{
	char *dir = un_path_join(upper, rel);
	struct un_strv names = { 0 };
	int ret;

	ret = un_list_dir(dir, &names);
	for (size_t i = 0; ret == 0 && i < names.n; i++) {
		char *crel = un_rel_join(rel, names.v[i]);
		char *p = un_path_join(dir, names.v[i]);
		struct stat st;

		if (!*rel && !strcmp(names.v[i], UN_FMT_META_DIR))
			goto next;
		if (lstat(p, &st) < 0) {
			ret = un_fail(-errno, "cannot read '%s'", p);
			goto next;
		}
		check_features(p);
		if (un_is_whiteout_dev(&st)) {
			found_add(f, crel, UN_REC_WHITEOUT);
		} else if (S_ISDIR(st.st_mode)) {
			if (un_has_ovl_opaque(p))
				found_add(f, crel, UN_REC_OPAQUE);
			ret = un_lend(lend, p, &st, S_IRWXU);
			if (ret >= 0)
				ret = scan(upper, crel, f, lend);
		}
next:
		free(p);
		free(crel);
	}
	un_strv_release(&names);
	free(dir);
	return ret;
}

static int from_overlay(const char *upper, struct un_table *tbl,
			char *journal, const struct stat *root,
			struct un_lend *lend)
{
	struct touched t = { .journal = journal, .lend = lend };
	struct found f = { 0 };
	int ret;

	/* (The upper's root itself, lent as any directory.) */
	ret = un_lend(lend, upper, root, S_IRWXU);
	if (ret >= 0)
		ret = scan(upper, "", &f, lend);
	if (ret == 0)
		ret = un_table_append(tbl, f.recs, f.n);
	/* The root's times before UPPER/.union was made (the merged
	   root's), put back at the end (noted once the journal's
	   directory is there: a kill before loses them). */
	if (ret == 0)
		ret = touch_note_st(&t, upper, root);
	for (size_t i = 0; ret == 0 && i < f.n; i++) {
		char *p = un_path_join(upper, f.recs[i].path);
		char *dir = un_rel_dir(f.recs[i].path);
		char *dp = un_path_join(upper, dir);

		ret = touch_note(&t, dp);
		if (ret == 0 && f.recs[i].kind == UN_REC_WHITEOUT) {
			if (unlink(p) < 0 && errno != ENOENT)
				ret = un_fail(-errno, "cannot remove '%s'", p);
		} else if (ret == 0) {
			ret = touch_note(&t, p);
			/* (An ordinary user may not touch trusted.*, and
			   cannot have set it: EPERM is "not there".) */
			if (ret == 0 &&
			    lremovexattr(p, "trusted.overlay.opaque") < 0 &&
			    errno != ENODATA && errno != ENOTSUP &&
			    !(errno == EPERM && un_real_euid() != 0))
				ret = un_fail(-errno, "cannot remove the "
					      "opaque xattr of '%s'", p);
			if (lremovexattr(p, "user.overlay.opaque") < 0 &&
			    errno != ENODATA && errno != ENOTSUP && !ret)
				ret = un_fail(-errno, "cannot remove the "
					      "opaque xattr of '%s'", p);
		}
		free(dp);
		free(dir);
		free(p);
		if (ret == 0)
			step_done();
	}
	if (touch_restore(&t) < 0 && ret == 0)
		ret = -EIO;
	if (ret == 0 && unlink(journal) < 0 && errno != ENOENT)
		ret = un_fail(-errno, "cannot remove '%s'", journal);
	if (un_lend_close(lend) < 0 && ret == 0)
		ret = -EIO;
	for (size_t i = 0; i < f.n; i++)
		free(f.recs[i].path);
	free(f.recs);
	return ret;
}

/* ------------------------------------------------------------------ */

struct convert_args {
	int dir;		/* 't' (to overlay) or 'f' (from), 0: not yet */
	bool userxattr;
};

static int convert_opt(int opt, void *arg)
{
	struct convert_args *v = arg;

	if (opt == 'x') {
		v->userxattr = true;
		return 0;
	}
	if (v->dir && v->dir != opt) {
		un_err("convert: --to-overlay or --from-overlay, not both");
		return -1;
	}
	v->dir = opt;
	return 0;
}

static int convert_check(void *arg)
{
	struct convert_args *v = arg;

	if (v->dir)
		return -1;
	fputs(convert_usage, stderr);
	return UN_EXIT_USAGE;
}

int un_cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to-overlay", no_argument, NULL, 't' },
		{ "from-overlay", no_argument, NULL, 'f' },
		{ "userxattr", no_argument, NULL, 'x' },
		{ "lower", required_argument, NULL, 'l' },
		{ "merged", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct un_cmd_opts cmd = {
		.name = "convert",
		.usage = convert_usage,
		.shortopts = ":l:m:h",
		.longopts = opts,
		.opt = convert_opt,
		.check = convert_check,
	};
	struct un_upper_args a = { 0 };
	struct convert_args v = { 0 };
	const char *upper_arg;
	struct un_changes c = { 0 };
	struct un_table *tbl = NULL;
	struct un_lend lend = { 0 };
	bool have_layers, made_meta;
	char *upper = NULL, *lp, *journal = NULL;
	int status;
	struct stat st, root_st, pre_st;

	status = un_upper_args_parse(argc, argv, &cmd, &v, &a);
	if (status >= 0)
		goto out_free;
	upper_arg = a.upper;
	status = UN_EXIT_FAIL;
	/* --from-overlay reads (and changes) a user's upper as diff does:
	   from a user namespace where it can (userns.c), else lending. */
	if (v.dir == 'f' && un_userns_enter() < 0)
		goto out_free;

	/* The layers are needed only for the metadata of new parents. */
	if (un_abspath(upper_arg, &upper) < 0 || stat(upper, &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		un_err("upper '%s' is not a directory", upper_arg);
		goto out_free;
	}
	lp = un_xasprintf("%s/%s/%s", upper, UN_FMT_META_DIR, UN_FMT_LAYERS);
	have_layers = a.lowers.n || lstat(lp, &st) == 0;
	free(lp);
	/* (An upper of the kernel's, --from-overlay: UPPER/.union made
	   first, where the lock is taken and a lent mode noted; the
	   root's times from before, which are the merged root's.) */
	lp = un_path_join(upper, UN_FMT_META_DIR);
	made_meta = v.dir == 'f' && lstat(lp, &st) < 0 && errno == ENOENT;
	if (made_meta && (lstat(upper, &pre_st) < 0 ||
			  un_mkdir_p(lp, 0700) < 0)) {
		free(lp);
		goto out_free;
	}
	free(lp);
	/* The upper locked (lend.c), a run killed: its changes to metadata
	   put back first. */
	journal = un_xasprintf("%s/%s/%s", upper, UN_FMT_META_DIR,
			       UN_JOURNAL_CONVERT);
	if (un_lend_open(&lend, upper) < 0 || un_journal_replay(journal) < 0 ||
	    lstat(upper, &root_st) < 0)
		goto out_free;
	if (made_meta) {
		root_st.st_atim = pre_st.st_atim;
		root_st.st_mtim = pre_st.st_mtim;
	}

	if (v.dir == 't') {
		if (have_layers) {
			if (un_changes_open(upper_arg, &a.lowers, a.merged,
					    &c) < 0)
				goto out_free;
		} else {
			c.ly.upper = un_xstrdup(upper);
			if (un_table_load(upper, &c.tbl) < 0)
				goto out_release;
		}
		if (to_overlay(&c, have_layers, v.userxattr ?
				"user.overlay.opaque" :
				"trusted.overlay.opaque", journal) == 0)
			status = 0;
		goto out_release;
	}

	if (a.lowers.n) {
		if (un_layers_for(upper_arg, &a.lowers, a.merged, &c.ly) < 0 ||
		    un_layers_write(&c.ly) < 0)
			goto out_release;
	}
	if (un_table_load(upper, &tbl) < 0)
		goto out_release;
	lend.may = true;	/* lends for the run: scan() */
	if (from_overlay(upper, tbl, journal, &root_st, &lend) == 0)
		status = 0;
out_release:
	un_table_release(tbl);
	un_changes_release(&c);
out_free:
	un_lend_close(&lend);
	free(journal);
	free(upper);
	un_strv_release(&a.lowers);
	return status;
}
