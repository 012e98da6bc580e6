/*
 * diff.c - `union diff`: what an upper changes, as `docker diff` prints it.
 *
 *	union diff [--json] [-l DIR]... [-m PATH] UPPER
 *
 * One line a path, `<kind> <MERGED/path>`, sorted by path (byte order):
 *
 *   A  added: the upper holds it and the lowers show nothing there; the
 *      whole content of an added directory is added too;
 *   C  changed: the upper holds it and the lowers show something there
 *      (of any type).  A directory counts as changed when its type, mode
 *      or modification time differ from the lowers', when it is opaque,
 *      or when a name directly inside it is added or deleted (as docker
 *      reports the parent of a change); a directory the upper holds only
 *      to host a changed file deeper down is not listed;
 *   D  deleted: the lowers show it and the union does not, through a
 *      whiteout, or because an opaque directory of the upper hides it.
 *      Only the top of a deleted tree is listed.
 *
 * Inside an opaque directory a name the lowers also show is C, not A:
 * what counts is the lowers' view, not the layer's own history.  With
 * --json the same list is a JSON array of {"path": ..., "kind": ...}.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "union.h"

static const char diff_usage[] =
	"usage: union diff [--json] [-l|--lower DIR]... [-m|--merged PATH] "
	"UPPER\n";

struct change {
	char *rel;
	char kind;
};

struct diff {
	struct un_changes *c;
	struct change *v;
	size_t n, cap;
};

static void add(struct diff *d, const char *rel, char kind)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->v = un_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n].rel = un_xstrdup(rel);
	d->v[d->n].kind = kind;
	d->n++;
}

static bool same_dir_meta(const struct stat *a, const struct stat *b)
{
	return a->st_mode == b->st_mode &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int dir_pre(void *arg, const struct un_entry *e)
{
	struct diff *d = arg;

	if (!*e->rel || !e->in_upper)
		return 0;
	if (e->before.layer < 0)
		add(d, e->rel, 'A');
	else if (e->opaque || !same_dir_meta(&e->st, &e->before.st))
		add(d, e->rel, 'C');
	return 0;
}

static int object(void *arg, const struct un_entry *e)
{
	add(arg, e->rel, e->before.layer < 0 ? 'A' : 'C');
	return 0;
}

static int whiteout(void *arg, const struct un_entry *e)
{
	if (e->before.layer >= 0)
		add(arg, e->rel, 'D');
	return 0;
}

/* An opaque directory: what the lowers showed in it and it no longer has. */
static int dir_post(void *arg, const struct un_entry *e)
{
	struct un_strv names = { 0 };
	struct diff *d = arg;
	int ret;

	if (!e->in_upper || !e->opaque || !un_obj_is_dir(&e->before))
		return 0;
	ret = un_view_list(&d->c->lowers, e->rel, &e->before, &names);
	for (size_t i = 0; ret == 0 && i < names.n; i++) {
		char *rel = un_rel_join(e->rel, names.v[i]);
		char *up = un_path_join(e->upper_path, names.v[i]);
		struct stat st;

		if (lstat(up, &st) < 0 && errno == ENOENT)
			add(d, rel, 'D');
		free(up);
		free(rel);
	}
	un_strv_release(&names);
	return ret;
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->rel,
		      ((const struct change *)b)->rel);
}

static struct change *find(struct diff *d, const char *rel)
{
	struct change key = { .rel = (char *)rel };

	return bsearch(&key, d->v, d->n, sizeof(*d->v), by_rel);
}

/* Sort, drop repeats, and list the parent of each addition or deletion. */
static void finish(struct diff *d)
{
	size_t n, w = 0;

	qsort(d->v, d->n, sizeof(*d->v), by_rel);
	for (size_t i = 0; i < d->n; i++) {
		if (w && !strcmp(d->v[w - 1].rel, d->v[i].rel)) {
			free(d->v[i].rel);
			continue;
		}
		d->v[w++] = d->v[i];
	}
	d->n = n = w;
	for (size_t i = 0; i < n; i++) {
		char *parent;

		if (d->v[i].kind == 'C')
			continue;
		parent = un_rel_dir(d->v[i].rel);
		if (*parent && !find(d, parent)) {
			/* find() sees the sorted first n; then the rest. */
			bool seen = false;

			for (size_t j = n; j < d->n && !seen; j++)
				seen = !strcmp(d->v[j].rel, parent);
			if (!seen)
				add(d, parent, 'C');
		}
		free(parent);
	}
	qsort(d->v, d->n, sizeof(*d->v), by_rel);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print(const struct diff *d, bool json)
{
	if (json)
		fputs(d->n ? "[\n" : "[]\n", stdout);
	for (size_t i = 0; i < d->n; i++) {
		char *p = un_layers_merged_path(&d->c->ly, d->v[i].rel);

		if (json) {
			fputs("  {\"path\": ", stdout);
			json_string(p);
			printf(", \"kind\": \"%c\"}%s\n", d->v[i].kind,
			       i + 1 < d->n ? "," : "");
		} else {
			printf("%c %s\n", d->v[i].kind, p);
		}
		free(p);
	}
	if (json && d->n)
		fputs("]\n", stdout);
}

static int diff_opt(int opt, void *arg)
{
	bool *json = arg;

	(void)opt;		/* 'j', its only one */
	*json = true;
	return 0;
}

int un_cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "lower", required_argument, NULL, 'l' },
		{ "merged", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct un_cmd_opts cmd = {
		.name = "diff",
		.usage = diff_usage,
		.shortopts = ":l:m:h",
		.longopts = opts,
		.opt = diff_opt,
		.userns = true,
	};
	static const struct un_walk_ops ops = {
		.dir_pre = dir_pre,
		.whiteout = whiteout,
		.object = object,
		.dir_post = dir_post,
	};
	struct un_changes c;
	struct diff d = { .c = &c };
	bool json = false;
	int status;

	status = un_upper_changes_open(argc, argv, &cmd, &json, &c);
	if (status >= 0)
		return status;
	status = UN_EXIT_FAIL;
	c.lend.may = true;	/* a reading command: lend.c */
	if (un_changes_walk(&c, &ops, &d) == 0) {
		finish(&d);
		print(&d, json);
		status = fflush(stdout) == 0 ? 0 : UN_EXIT_FAIL;
		if (status)
			un_fail(-errno, "cannot write the output");
	}
	for (size_t i = 0; i < d.n; i++)
		free(d.v[i].rel);
	free(d.v);
	un_changes_release(&c);
	return status;
}
