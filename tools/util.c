/*
 * util.c - messages, memory, string vectors and relative paths.
 *
 * The small things every command needs.  Messages go to stderr as one
 * line, "union: ...", the way the library prints "libunion: ...".
 * Running out of memory is not worth a recovery path in a short-lived
 * command: un_xmalloc and friends end the program with status 125 (the
 * status `union run` gives its own failures).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "union.h"

static void verr(const char *fmt, va_list ap, int ret)
{
	char buf[2 * PATH_MAX + 256];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if (ret < 0)
		fprintf(stderr, "union: %s: %s\n", buf, strerror(-ret));
	else
		fprintf(stderr, "union: %s\n", buf);
}

void un_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, 0);
	va_end(ap);
}

int un_fail(int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, ret);
	va_end(ap);
	return ret;
}

static void out_of_memory(void)
{
	fputs("union: out of memory\n", stderr);
	exit(UN_EXIT_RUN_FAIL);
}

void *un_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *un_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *un_xstrdup(const char *s)
{
	return un_xstrndup(s, strlen(s));
}

char *un_xstrndup(const char *s, size_t n)
{
	char *p = un_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *un_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	return p;
}

/* ------------------------------------------------------------------ */

void un_strv_push(struct un_strv *sv, const char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		sv->v = un_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = un_xstrdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void un_strv_sort(struct un_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

bool un_strv_has(const struct un_strv *sv, const char *s)
{
	return sv->n && bsearch(&s, sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void un_strv_release(struct un_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* ------------------------------------------------------------------ */

char *un_rel_join(const char *dir, const char *name)
{
	if (!*dir)
		return un_xstrdup(name);
	return un_xasprintf("%s/%s", dir, name);
}

char *un_path_join(const char *root, const char *rel)
{
	if (!*rel)
		return un_xstrdup(root);
	if (!strcmp(root, "/"))
		return un_xasprintf("/%s", rel);
	return un_xasprintf("%s/%s", root, rel);
}

const char *un_rel_base(const char *rel)
{
	const char *s = strrchr(rel, '/');

	return s ? s + 1 : rel;
}

char *un_rel_dir(const char *rel)
{
	const char *s = strrchr(rel, '/');

	return s ? un_xstrndup(rel, s - rel) : un_xstrdup("");
}

/* Normalise an absolute path in place: "//", "." and ".." (lexically). */
static void normalise(char *p)
{
	char *r = p, *w = p;

	while (*r) {
		size_t len;
		const char *c;

		while (*r == '/')
			r++;
		if (!*r)
			break;
		c = r;
		len = strcspn(c, "/");
		r += len;
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			while (w > p && *--w != '/')
				;
			continue;
		}
		*w++ = '/';
		memmove(w, c, len);
		w += len;
	}
	if (w == p)
		*w++ = '/';
	*w = '\0';
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return true;
	return false;
}

int un_abspath(const char *in, char **out)
{
	char cwd[PATH_MAX], *p, *real;

	if (!*in)
		return -ENOENT;
	if (*in == '/') {
		p = un_xstrdup(in);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		p = un_xasprintf("%s/%s", cwd, in);
	}
	if (has_dotdot(p)) {
		real = realpath(p, NULL);
		if (real) {
			free(p);
			p = real;
		}
	}
	normalise(p);
	*out = p;
	return 0;
}

uint64_t un_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}
