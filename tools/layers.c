/*
 * layers.c - UPPER/.union/layers: the union an upper belongs to.
 *
 * `union run` writes it each time it runs a command over an upper, so
 * that diff, export, commit and convert need only the upper afterwards.
 * The library does not write it.  Format, version 1 (see also
 * include/union_format.h):
 *
 *	libunion-layers 1
 *	merged <path>
 *	lower <path>
 *	lower <path>
 *
 * '\n'-terminated lines; exactly one `merged` line and one or more
 * `lower` lines, top lower first; paths absolute and escaped as in the
 * whiteout table (\xHH for every byte outside 0x21..0x7e and for '\').
 * Anything else is an error: the file is small, written whole (a
 * temporary file renamed over it), and never appended to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "union.h"

#define LAYERS_MAX 62

void un_layers_release(struct un_layers *ly)
{
	free(ly->merged);
	free(ly->upper);
	for (int i = 0; i < ly->nlower; i++)
		free(ly->lower[i]);
	free(ly->lower);
	memset(ly, 0, sizeof(*ly));
}

/* Parse one "<key> <escaped path>" line into a fresh path. */
static const char *parse_path(const char *line, size_t len, char **out)
{
	size_t plen;

	if (un_unescape(line, len, out, &plen) < 0)
		return "bad escape or unescaped byte";
	if (plen != strlen(*out)) {
		free(*out);
		return "NUL byte in path";
	}
	if ((*out)[0] != '/') {
		free(*out);
		return "path is not absolute";
	}
	return NULL;
}

static const char *parse(char *buf, size_t len, struct un_layers *ly,
			 unsigned long *lineno)
{
	size_t p = 0;
	const char *why;

	*lineno = 0;
	while (p < len) {
		char *line = buf + p, *nl = memchr(line, '\n', len - p);
		size_t ll;
		char *path;

		++*lineno;
		if (!nl)
			return "last line without its newline";
		ll = nl - line;
		p += ll + 1;
		if (*lineno == 1) {
			if (ll != strlen(UN_FMT_LAYERS_HEADER) ||
			    memcmp(line, UN_FMT_LAYERS_HEADER, ll))
				return "not a libunion-layers 1 header";
			continue;
		}
		if (ll > 7 && !memcmp(line, "merged ", 7)) {
			if (ly->merged)
				return "a second merged line";
			why = parse_path(line + 7, ll - 7, &path);
			if (why)
				return why;
			ly->merged = path;
		} else if (ll > 6 && !memcmp(line, "lower ", 6)) {
			if (ly->nlower == LAYERS_MAX)
				return "too many lowers";
			why = parse_path(line + 6, ll - 6, &path);
			if (why)
				return why;
			ly->lower = un_xrealloc(ly->lower, (ly->nlower + 1) *
							   sizeof(*ly->lower));
			ly->lower[ly->nlower++] = path;
		} else {
			return "neither a merged nor a lower line";
		}
	}
	if (*lineno == 0)
		return "empty file";
	++*lineno;
	if (!ly->merged)
		return "no merged line";
	if (!ly->nlower)
		return "no lower line";
	return NULL;
}

int un_layers_read(const char *upper, struct un_layers *ly)
{
	char *path = un_xasprintf("%s/%s/%s", upper, UN_FMT_META_DIR,
				  UN_FMT_LAYERS);
	unsigned long lineno;
	const char *why;
	size_t len;
	char *buf;
	int ret;

	memset(ly, 0, sizeof(*ly));
	ret = un_read_file(path, &buf, &len);
	if (ret == -ENOENT) {
		un_err("%s does not exist: the upper was not used with "
		       "'union run' (name its lowers with --lower)", path);
		goto out_free;
	}
	if (ret < 0) {
		un_fail(ret, "cannot read '%s'", path);
		goto out_free;
	}
	why = parse(buf, len, ly, &lineno);
	free(buf);
	if (why) {
		un_err("%s: corrupt at line %lu: %s", path, lineno, why);
		un_layers_release(ly);
		ret = -EUCLEAN;
		goto out_free;
	}
	ly->upper = un_xstrdup(upper);
out_free:
	free(path);
	return ret;
}

int un_layers_write(const struct un_layers *ly)
{
	char *meta = un_xasprintf("%s/%s", ly->upper, UN_FMT_META_DIR);
	char *path = un_xasprintf("%s/%s", meta, UN_FMT_LAYERS);
	char *text, *e;
	int ret;

	if (mkdir(meta, 0755) < 0 && errno != EEXIST) {
		ret = un_fail(-errno, "cannot create '%s'", meta);
		goto out_free;
	}
	e = un_escape(ly->merged, strlen(ly->merged));
	text = un_xasprintf("%s\nmerged %s\n", UN_FMT_LAYERS_HEADER, e);
	free(e);
	for (int i = 0; i < ly->nlower; i++) {
		char *t;

		e = un_escape(ly->lower[i], strlen(ly->lower[i]));
		t = un_xasprintf("%slower %s\n", text, e);
		free(e);
		free(text);
		text = t;
	}
	ret = un_write_file_atomic(path, text, strlen(text));
	free(text);
out_free:
	free(path);
	free(meta);
	return ret;
}

/* The absolute form of a directory given on the command line. */
static int dir_arg(const char *arg, const char *role, char **out)
{
	struct stat st;
	int ret = un_abspath(arg, out);

	if (ret < 0)
		return un_fail(ret, "%s '%s'", role, arg);
	if (stat(*out, &st) < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			un_err("%s '%s' does not exist", role, arg);
		else
			un_fail(ret, "%s '%s'", role, arg);
		goto out_free;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		un_err("%s '%s' is not a directory", role, arg);
		goto out_free;
	}
	return 0;
out_free:
	free(*out);
	*out = NULL;
	return ret;
}

int un_layers_for(const char *upper_arg, const struct un_strv *lowers,
		  const char *merged, struct un_layers *ly)
{
	struct un_layers file = { 0 };
	char *upper;
	int ret;

	memset(ly, 0, sizeof(*ly));
	ret = dir_arg(upper_arg, "upper", &upper);
	if (ret < 0)
		return ret;
	if (!lowers->n) {
		ret = un_layers_read(upper, ly);
		free(upper);
		if (ret == 0 && merged) {
			free(ly->merged);
			ret = un_abspath(merged, &ly->merged);
			if (ret < 0)
				un_fail(ret, "merged '%s'", merged);
		}
		return ret;
	}

	if ((int)lowers->n > LAYERS_MAX) {
		free(upper);
		un_err("at most %d lowers", LAYERS_MAX);
		return -E2BIG;
	}
	ly->upper = upper;
	ly->lower = un_xmalloc(lowers->n * sizeof(*ly->lower));
	for (size_t i = 0; i < lowers->n; i++) {
		ret = dir_arg(lowers->v[i], "lower", &ly->lower[i]);
		if (ret < 0)
			goto out_release;
		ly->nlower++;
	}
	if (merged) {
		ret = un_abspath(merged, &ly->merged);
		if (ret < 0) {
			un_fail(ret, "merged '%s'", merged);
			goto out_release;
		}
	} else {
		struct stat st;
		char *p = un_xasprintf("%s/%s/%s", upper, UN_FMT_META_DIR,
				       UN_FMT_LAYERS);

		/* The file's MERGED when there is one, quietly. */
		if (stat(p, &st) == 0 && un_layers_read(upper, &file) == 0) {
			ly->merged = file.merged;
			file.merged = NULL;
			un_layers_release(&file);
		} else {
			ly->merged = un_xstrdup(ly->lower[0]);
		}
		free(p);
	}
	return 0;

out_release:
	un_layers_release(ly);
	return ret;
}

char *un_layers_spec(const struct un_layers *ly)
{
	char *m = un_escape_spec(ly->merged), *u = un_escape_spec(ly->upper);
	char *spec = un_xasprintf("%s=%s", m, u);

	free(m);
	free(u);
	for (int i = 0; i < ly->nlower; i++) {
		char *l = un_escape_spec(ly->lower[i]);
		char *t = un_xasprintf("%s:%s", spec, l);

		free(l);
		free(spec);
		spec = t;
	}
	return spec;
}

char *un_layers_merged_path(const struct un_layers *ly, const char *rel)
{
	return un_path_join(ly->merged, rel);
}
