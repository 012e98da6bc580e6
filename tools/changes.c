/*
 * changes.c - the walk over what an upper changes.
 *
 * An upper changes its lowers in three ways: the objects it holds
 * (added, or replacing what the lowers show), the whiteouts (records
 * 'w' of the table, or overlayfs's 0/0 devices) and the opaque
 * directories (records 'o'; also an upper directory whose lowers hold no
 * directory at that name, since nothing of theirs shows below it then).
 * diff, export and commit all need these in tree order, parents before
 * children, which is what un_changes_walk gives:
 *
 *	dir_pre(D)
 *	whiteout(D/n)    for each whiteout directly in D, by name
 *	object(D/n)      for each other non-directory of the upper in D,
 *	walk(D/n)        and each subdirectory, by name
 *	dir_post(D)
 *
 * The directories walked are those of the upper, and those of the
 * lowers that hold records without being in the upper (the library
 * records a deletion without copying the parent directory up); such a
 * directory is walked only while the union shows it as a directory.
 * For every path the walk says what the lowers alone show there
 * (before), so a callback can tell added from changed, and whether a
 * whiteout hides anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "union.h"

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

/* A directory that holds records, with the names below it that do. */
struct rec_dir {
	UT_hash_handle hh;
	struct un_strv kids;
	char path[];
};

struct walk {
	struct un_changes *c;
	const struct un_walk_ops *ops;
	void *arg;
	struct rec_dir *dirs;
};

int un_changes_open(const char *upper_arg, const struct un_strv *lowers,
		    const char *merged, struct un_changes *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	ret = un_layers_for(upper_arg, lowers, merged, &c->ly);
	if (ret < 0)
		return ret;
	ret = un_table_load(c->ly.upper, &c->tbl);
	if (ret < 0) {
		un_layers_release(&c->ly);
		return ret;
	}
	un_view_lowers(&c->lowers, &c->ly);
	un_view_union(&c->merged, &c->ly, c->tbl);
	return 0;
}

void un_changes_release(struct un_changes *c)
{
	un_lend_close(&c->lend);
	un_table_release(c->tbl);
	un_layers_release(&c->ly);
	memset(c, 0, sizeof(*c));
}

static struct rec_dir *rec_dir_get(struct rec_dir **dirs, const char *path,
				   size_t len, bool create)
{
	struct rec_dir *d;

	HASH_FIND(hh, *dirs, path, len, d);
	if (d || !create)
		return d;
	d = un_xmalloc(sizeof(*d) + len + 1);
	memset(&d->kids, 0, sizeof(d->kids));
	memcpy(d->path, path, len);
	d->path[len] = '\0';
	HASH_ADD_KEYPTR(hh, *dirs, d->path, len, d);
	if (!d->hh.tbl) {
		un_err("out of memory");
		exit(UN_EXIT_RUN_FAIL);
	}
	return d;
}

/* Index the records by directory: each ancestor knows its child. */
static void index_records(struct walk *w)
{
	const struct un_rec *recs;
	size_t n = un_table_records(w->c->tbl, &recs);

	for (size_t i = 0; i < n; i++) {
		const char *p = recs[i].path;
		size_t start = 0;

		for (size_t j = 0;; j++) {
			struct rec_dir *d;
			char *name;

			if (p[j] != '/' && p[j] != '\0')
				continue;
			d = rec_dir_get(&w->dirs, p, start ? start - 1 : 0,
					true);
			name = un_xstrndup(p + start, j - start);
			un_strv_push(&d->kids, name);
			free(name);
			if (!p[j])
				break;
			start = j + 1;
		}
	}
}

static void rec_dirs_free(struct rec_dir **dirs)
{
	struct rec_dir *d, *dt;

	HASH_ITER(hh, *dirs, d, dt) {
		HASH_DEL(*dirs, d);
		un_strv_release(&d->kids);
		free(d);
	}
}

/* The sorted, unique union of two sorted vectors. */
static void merge_names(const struct un_strv *a, const struct un_strv *b,
			struct un_strv *out)
{
	size_t i = 0, j = 0;

	while (i < a->n || j < b->n) {
		int cmp = i == a->n ? 1 : j == b->n ? -1 :
			  strcmp(a->v[i], b->v[j]);
		const char *s = cmp <= 0 ? a->v[i] : b->v[j];

		if (!out->n || strcmp(out->v[out->n - 1], s))
			un_strv_push(out, s);
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			j++;
	}
}

static int call(int (*fn)(void *, const struct un_entry *), void *arg,
		const struct un_entry *e)
{
	return fn ? fn(arg, e) : 0;
}

/* Fill e for the path rel, an object of the upper when st is given. */
static int entry_init(struct walk *w, struct un_entry *e, const char *rel,
		      const char *upper_path, const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->rel = rel;
	e->upper_path = upper_path;
	if (st) {
		e->in_upper = true;
		e->st = *st;
	}
	e->record = *rel ? un_table_get(w->c->tbl, rel) : UN_REC_NONE;
	return un_view_lookup(&w->c->lowers, rel, &e->before);
}

static int walk_dir(struct walk *w, const char *rel, const char *upper_path,
		    const struct stat *st);

/* One name of a directory, in the second pass (not a whiteout). */
static int walk_child(struct walk *w, const char *rel, bool in_upper,
		      const char *upper_path)
{
	struct un_entry e;
	struct un_obj o;
	struct stat st;
	int ret;

	if (!in_upper) {
		/* A directory of the lowers with records below it. */
		ret = un_view_lookup(&w->c->merged, rel, &o);
		if (ret < 0 || !un_obj_is_dir(&o) || o.layer == 0)
			return ret;
		return walk_dir(w, rel, NULL, NULL);
	}
	if (lstat(upper_path, &st) < 0)
		return un_fail(-errno, "cannot read '%s'", upper_path);
	if (un_is_whiteout_dev(&st))
		return 0;
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, rel, upper_path, &st);
	ret = entry_init(w, &e, rel, upper_path, &st);
	if (ret < 0)
		return ret;
	return call(w->ops->object, w->arg, &e);
}

/* One name of a directory, in the first pass: is it a whiteout? */
static int walk_whiteout(struct walk *w, const char *rel, bool in_upper,
			 const char *upper_path)
{
	struct un_entry e;
	struct stat st;
	int ret;

	if (in_upper) {
		if (lstat(upper_path, &st) < 0)
			return un_fail(-errno, "cannot read '%s'", upper_path);
		if (!un_is_whiteout_dev(&st))
			return 0;
		ret = entry_init(w, &e, rel, upper_path, &st);
		e.dev_whiteout = true;
	} else {
		if (un_table_get(w->c->tbl, rel) != UN_REC_WHITEOUT)
			return 0;
		ret = entry_init(w, &e, rel, NULL, NULL);
	}
	if (ret < 0)
		return ret;
	return call(w->ops->whiteout, w->arg, &e);
}

/*
 * Walk the directory rel: of the upper when st is given, else of the
 * lowers (for its records).
 */
static int walk_dir(struct walk *w, const char *rel, const char *upper_path,
		    const struct stat *st)
{
	struct un_strv up = { 0 }, kids = { 0 }, names = { 0 };
	struct rec_dir *rd;
	struct un_entry e;
	int ret, lent = 0;

	ret = entry_init(w, &e, rel, upper_path, st);
	if (ret < 0)
		return ret;
	e.opaque = st && *rel && (e.record != UN_REC_NONE ||
				  !un_obj_is_dir(&e.before));
	ret = call(w->ops->dir_pre, w->arg, &e);
	if (ret)
		return ret;

	if (st) {
		/* A directory of the user's own that the user may not list
		   or search (chmod 600 in the view) is opened for the time of
		   its walk (e.st keeps what the union shows). */
		lent = un_lend(&w->c->lend, upper_path, st, S_IRUSR | S_IXUSR);
		ret = lent < 0 ? lent : un_list_dir(upper_path, &up);
		if (ret < 0)
			goto out_free;
	}
	rd = rec_dir_get(&w->dirs, rel, strlen(rel), false);
	if (rd) {
		for (size_t i = 0; i < rd->kids.n; i++)
			un_strv_push(&kids, rd->kids.v[i]);
		un_strv_sort(&kids);
	}
	merge_names(&up, &kids, &names);

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < names.n; i++) {
			bool in_upper = un_strv_has(&up, names.v[i]);
			char *crel, *cpath = NULL;

			if (!*rel && !strcmp(names.v[i], UN_FMT_META_DIR))
				continue;
			crel = un_rel_join(rel, names.v[i]);
			if (in_upper)
				cpath = un_path_join(upper_path, names.v[i]);
			if (pass == 0)
				ret = walk_whiteout(w, crel, in_upper, cpath);
			else
				ret = walk_child(w, crel, in_upper, cpath);
			free(crel);
			free(cpath);
			if (ret)
				goto out_free;
		}
	}
	ret = call(w->ops->dir_post, w->arg, &e);
out_free:
	if (lent > 0 && un_lend_return(&w->c->lend) < 0 && ret == 0)
		ret = -EIO;
	un_strv_release(&up);
	un_strv_release(&kids);
	un_strv_release(&names);
	return ret;
}

int un_changes_walk(struct un_changes *c, const struct un_walk_ops *ops,
		    void *arg)
{
	struct walk w = { .c = c, .ops = ops, .arg = arg };
	struct stat st;
	int ret;

	if (lstat(c->ly.upper, &st) < 0)
		return un_fail(-errno, "cannot read '%s'", c->ly.upper);
	index_records(&w);
	ret = walk_dir(&w, "", c->ly.upper, &st);
	rec_dirs_free(&w.dirs);
	return ret;
}
