/*
 * walkers.c - what glibc's directory walkers see of a tree.
 *
 * Usage: walkers DIR
 *
 * Runs scandir, scandirat, nftw (FTW_PHYS, and FTW_PHYS|FTW_DEPTH), ftw,
 * fts (FTS_PHYSICAL and FTS_LOGICAL) and glob over DIR and prints one line
 * for each thing they report, with paths relative to DIR ("." for DIR
 * itself).  glibc runs these walkers on its internal opendir/readdir/stat,
 * which is why libunion has walkers of its own; the integration tests run
 * this program over a kernel overlay mount and over libunion's view of the
 * same layers and compare the outputs.  So a line depends only on names,
 * kinds and levels, never on inode numbers, times or the order readdir
 * gives (the lines are sorted before they are printed).
 *
 * ftw follows links and walks a directory reached twice (through a link)
 * only the first time, so which path it reports depends on the order of
 * readdir: its lines name each entry by its resolved path instead.  A
 * walk that fails (ftw meets a link loop) prints only its result and
 * errno, since how far it got depends on the order too.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errname.h"

static const char *root; /* DIR without trailing slashes */
static size_t root_len;
static char *root_real; /* realpath(DIR), for ftw; NULL if it failed */

/* The output, sorted before it is printed. */
static char **lines;
static size_t nlines, cap;

static void add(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		perror("vasprintf");
		exit(2);
	}
	va_end(ap);
	if (nlines == cap) {
		cap = cap ? 2 * cap : 256;
		lines = realloc(lines, cap * sizeof(*lines));
		if (!lines) {
			perror("realloc");
			exit(2);
		}
	}
	lines[nlines++] = s;
}

/* Forget the lines from mark on (a walk that failed half way). */
static void drop_from(size_t mark)
{
	while (nlines > mark)
		free(lines[--nlines]);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* path relative to DIR. */
static const char *rel(const char *path)
{
	if (!strcmp(path, root))
		return ".";
	if (!strncmp(path, root, root_len) &&
	    (path[root_len] == '/' || root[root_len - 1] == '/'))
		return path + root_len + (path[root_len] == '/');
	return path;
}

static char dtype(unsigned char t)
{
	switch (t) {
	case DT_REG:
		return 'f';
	case DT_DIR:
		return 'd';
	case DT_LNK:
		return 'l';
	case DT_UNKNOWN:
		return '?';
	default:
		return 'o';
	}
}

/* ---- scandir ---------------------------------------------------- */

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void report_scan(const char *tag, struct dirent **list, int n)
{
	int i, sorted = 1;

	if (n < 0) {
		add("%s ret -1 %s", tag, errname(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		add("%s %c %s", tag, dtype(list[i]->d_type), list[i]->d_name);
		if (i > 0 && strcoll(list[i - 1]->d_name, list[i]->d_name) > 0)
			sorted = 0;
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	add("%s count %d%s", tag, n, sorted ? "" : " UNSORTED");
}

static void do_scandir(void)
{
	struct dirent **list;
	int n, fd;

	n = scandir(root, &list, NULL, alphasort);
	report_scan("scandir", list, n);

	n = scandir(root, &list, no_dots, alphasort);
	report_scan("scandir-sel", list, n);

	fd = open(root, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		add("scandirat open %s", errname(errno));
		return;
	}
	n = scandirat(fd, ".", &list, NULL, alphasort);
	report_scan("scandirat", list, n);
	close(fd);
}

/* ---- nftw and ftw ----------------------------------------------- */

static const char *ftw_tag;

static const char *ftw_kind(int flag)
{
	switch (flag) {
	case FTW_F:
		return "F";
	case FTW_D:
		return "D";
	case FTW_DNR:
		return "DNR";
	case FTW_NS:
		return "NS";
	case FTW_SL:
		return "SL";
	case FTW_DP:
		return "DP";
	case FTW_SLN:
		return "SLN";
	default:
		return "?";
	}
}

static int on_nftw(const char *path, const struct stat *st, int flag,
		   struct FTW *f)
{
	const char *base = strrchr(path, '/');

	(void)st;
	base = base && base[1] ? base + 1 : path;
	add("%s %s %d %s%s", ftw_tag, ftw_kind(flag), f->level, rel(path),
	    strcmp(path + f->base, base) ? " BADBASE" : "");
	return 0;
}

/* realpath(path) relative to realpath(DIR); NULL when it fails. */
static char *resolve(const char *path)
{
	size_t n = root_real ? strlen(root_real) : 0;
	char *real, *r;

	real = root_real ? realpath(path, NULL) : NULL;
	if (!real)
		return NULL;
	if (!strcmp(real, root_real))
		r = strdup(".");
	else if (!strncmp(real, root_real, n) && real[n] == '/')
		r = strdup(real + n + 1);
	else
		r = strdup(real);
	free(real);
	return r;
}

/*
 * An entry named by its resolved path (a directory ftw reaches through a
 * link and by its own name is walked once, under whichever name readdir
 * gives first), or by its resolved parent and its name when it does not
 * resolve (a dangling link).
 */
static int on_ftw(const char *path, const struct stat *st, int flag)
{
	char *r = resolve(path), *parent, *slash;

	(void)st;
	if (r) {
		add("ftw %s %s", ftw_kind(flag), r);
		free(r);
		return 0;
	}
	parent = strdup(path);
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		r = resolve(*parent ? parent : "/");
	}
	if (r && !strcmp(r, "."))
		add("ftw %s %s", ftw_kind(flag), slash + 1);
	else if (r)
		add("ftw %s %s/%s", ftw_kind(flag), r, slash + 1);
	else
		add("ftw %s %s (%s)", ftw_kind(flag), rel(path),
		    errname(errno));
	free(r);
	free(parent);
	return 0;
}

static void do_ftw(void)
{
	size_t mark;
	int ret;

	ftw_tag = "nftw";
	mark = nlines;
	ret = nftw(root, on_nftw, 16, FTW_PHYS);
	if (ret) {
		drop_from(mark);
		add("nftw ret %d %s", ret, errname(errno));
	}

	ftw_tag = "nftw-depth";
	mark = nlines;
	ret = nftw(root, on_nftw, 16, FTW_PHYS | FTW_DEPTH);
	if (ret) {
		drop_from(mark);
		add("nftw-depth ret %d %s", ret, errname(errno));
	}

	mark = nlines;
	ret = ftw(root, on_ftw, 16);
	if (ret) {
		drop_from(mark);
		add("ftw ret %d %s", ret, errname(errno));
	}
}

/* ---- fts -------------------------------------------------------- */

static const char *fts_kind(int info)
{
	switch (info) {
	case FTS_D:
		return "D";
	case FTS_DC:
		return "DC";
	case FTS_DEFAULT:
		return "DEFAULT";
	case FTS_DNR:
		return "DNR";
	case FTS_DOT:
		return "DOT";
	case FTS_DP:
		return "DP";
	case FTS_ERR:
		return "ERR";
	case FTS_F:
		return "F";
	case FTS_INIT:
		return "INIT";
	case FTS_NS:
		return "NS";
	case FTS_NSOK:
		return "NSOK";
	case FTS_SL:
		return "SL";
	case FTS_SLNONE:
		return "SLNONE";
	default:
		return "?";
	}
}

static void do_fts(const char *tag, int options)
{
	char *paths[] = {(char *)root, NULL};
	char extra[64];
	FTSENT *e;
	FTS *fts;

	fts = fts_open(paths, options, NULL);
	if (!fts) {
		add("%s open %s", tag, errname(errno));
		return;
	}
	while ((e = fts_read(fts))) {
		const char *slash = strrchr(e->fts_path, '/');
		const char *name = slash ? slash + 1 : e->fts_path;
		int bad = 0;

		if (e->fts_level > 0 && strcmp(name, e->fts_name))
			bad = 1;
		if (e->fts_namelen != strlen(e->fts_name) ||
		    e->fts_pathlen != strlen(e->fts_path) ||
		    e->fts_parent->fts_level != e->fts_level - 1)
			bad = 1;
		extra[0] = '\0';
		if (e->fts_info == FTS_DC)
			snprintf(extra, sizeof(extra), " cycle %d",
				 e->fts_cycle->fts_level);
		else if (e->fts_errno)
			snprintf(extra, sizeof(extra), " %s",
				 errname(e->fts_errno));
		add("%s %s %d %s%s%s", tag, fts_kind(e->fts_info), e->fts_level,
		    rel(e->fts_path), extra, bad ? " BADENTRY" : "");
	}
	if (errno)
		add("%s read %s", tag, errname(errno));
	if (fts_close(fts))
		add("%s close %s", tag, errname(errno));
}

/* ---- glob ------------------------------------------------------- */

static void do_glob(const char *tag, const char *suffix, int flags)
{
	char *pattern;
	glob_t g;
	size_t i;
	int ret;

	if (asprintf(&pattern, "%s%s", root, suffix) < 0)
		exit(2);
	ret = glob(pattern, flags, NULL, &g);
	if (ret == GLOB_NOMATCH) {
		add("%s nomatch", tag);
	} else if (ret) {
		add("%s ret %d", tag, ret);
	} else {
		for (i = 0; i < g.gl_pathc; i++)
			add("%s %s", tag, rel(g.gl_pathv[i]));
	}
	if (ret == 0 || ret == GLOB_NOMATCH)
		globfree(&g);
	free(pattern);
}

int main(int argc, char **argv)
{
	char *dir;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = strdup(argv[1]);
	root_len = strlen(dir);
	while (root_len > 1 && dir[root_len - 1] == '/')
		dir[--root_len] = '\0';
	root = dir;
	/* Only ftw's lines need it; a failure shows in the output. */
	root_real = realpath(root, NULL);
	if (!root_real)
		add("realpath %s", errname(errno));

	do_scandir();
	do_ftw();
	do_fts("fts-phys", FTS_PHYSICAL);
	do_fts("fts-logical", FTS_LOGICAL);
	do_glob("glob", "/*", GLOB_MARK);
	do_glob("glob2", "/*/*", 0);

	qsort(lines, nlines, sizeof(*lines), cmp_lines);
	for (i = 0; i < nlines; i++)
		puts(lines[i]);
	return 0;
}
