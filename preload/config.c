/*
 * config.c - UNION_LAYERS: parsing and the mount table.
 *
 *   UNION_LAYERS := mount (';' mount)*
 *   mount        := MERGED '=' [UPPER] ':' LOWER (':' LOWER)*
 *
 * '\' escapes '\', ':', ';' and '=' inside a path.  Paths are absolute;
 * they are normalised lexically (repeated slashes, '.' and a trailing
 * slash removed; '..' refused, since a layer named through '..' is almost
 * certainly a mistake).  Layers must exist (a missing upper is created);
 * MERGED need not.  The mounts are kept sorted by decreasing length of
 * MERGED, so that the first prefix match is the longest (nested mounts).
 *
 * Invariant: after a successful parse every path is absolute, has no
 * trailing slash (except "/" itself), and every layer is a directory.
 *
 * Memory: the parse never calls malloc.  It may run from a wrapper that
 * an allocator's own start-up reached (jemalloc reads /etc/malloc.conf
 * with its init lock held), where a malloc deadlocks.  Everything lives
 * in one anonymous mapping sized from the value before parsing: the
 * mounts (at most one more than the ';'s) and the unescaped paths (each
 * no longer than its text in the value), with room left over that
 * un_config_alloc hands out (the whiteout table handles, the copies of
 * the environment init.c keeps): one page, one fault, in the usual case
 * (the first parse's is the library's own: first_arena below).
 *
 * The parse runs in the constructor of every process (init.c), most of
 * which never look into the union: a valid value is parsed by hand,
 * without the libc string functions, each of which the loader would bind
 * at its first call (~800 instructions).  The only calls are the
 * mapping and a stat of each layer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct un_config un_config;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* The reason is printed as one line: a newline (or another control
	   byte) quoted from a path would break it (found by fuzz_config). */
	for (char *c = err; errlen && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

/* Bytes kept spare in the arena for un_config_alloc, at the least. */
#define UN_CONFIG_SPARE 1024

/* The arena of one parse: a bump allocator over one anonymous mapping. */
struct arena {
	char *next;
};

/*
 * The first parse's arena, where the value fits: 4 KiB of the library's
 * own data, which the loader maps with it anyway, so that no process
 * pays an mmap of its own (one system call of every exec under the
 * library).  In .data, not .bss: .data's pages are written by the
 * loader already (its relocations of the real_* pointers, its zeroing
 * of .bss's first part), so the parse's writes cost no page fault; in
 * .bss a page-aligned array moved the variables the start-up writes
 * (un_config, init.c's) out of that first part, three faults more.  A
 * larger value, or a second configuration alive beside the first (the
 * unit tests), is given a mapping.  Zero whenever free, as a fresh
 * mapping is.
 */
static char first_arena[4096] __attribute__((section(".data"), aligned(64)));
static bool first_arena_busy;

/* Is c (not NUL) one of set?  strchr, by hand (see the head). */
UN_EXEC_TEXT static bool in_set(char c, const char *set)
{
	for (; *set; set++)
		if (c == *set)
			return true;
	return false;
}

/*
 * Cut the next field off *sp at an unescaped delimiter from delims,
 * unescaping into the arena.  *sp advances past the delimiter (or to
 * the end); *delim receives the delimiter found ('\0' at the end).
 */
UN_EXEC_TEXT static int next_field(const char **sp, const char *delims, struct arena *a,
		      char **out, char *delim, char *err, size_t errlen)
{
	const char *s = *sp;
	char *buf = a->next;
	size_t n = 0;

	for (; *s; s++) {
		/* Most bytes are none of the four that mean something. */
		if (*s != '\\' && *s != ':' && *s != ';' && *s != '=') {
			buf[n++] = *s;
			continue;
		}
		if (in_set(*s, delims))
			break;
		/* DESIGN.md: a backslash escapes a backslash, ':', ';' or
		   '=' inside a path, and those four appear there only
		   escaped; any other reading would guess at what was meant. */
		if (*s == '\\') {
			if (!s[1]) {
				set_err(err, errlen,
					"dangling '\\' at the end of the value");
				return -1;
			}
			if (!in_set(s[1], "\\:;=")) {
				set_err(err, errlen,
					"'\\%c': '\\' escapes only '\\', ':', "
					"';' and '='", s[1]);
				return -1;
			}
			s++;
		} else if (in_set(*s, ":;=")) {
			set_err(err, errlen,
				"unescaped '%c' inside a path (write '\\%c')",
				*s, *s);
			return -1;
		}
		buf[n++] = *s;
	}
	buf[n] = '\0';
	a->next += n + 1;	/* the arena is sized for every field */
	*delim = *s;
	*sp = *s ? s + 1 : s;
	*out = buf;
	return 0;
}

/* un_path_normalise, answering the length of the result (or -1). */
UN_EXEC_TEXT static ssize_t normalise(char *p)
{
	char *r = p, *w = p;

	if (*p != '/')
		return -1;
	while (*r) {
		while (*r == '/')
			r++;
		if (!*r)
			break;
		const char *c = r;
		size_t len = 0;

		while (c[len] && c[len] != '/')
			len++;
		r += len;
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return -1;
		/* The component moves down or stays (w <= c): by hand
		   (see the head). */
		*w++ = '/';
		for (size_t i = 0; i < len; i++)
			*w++ = c[i];
	}
	if (w == p)
		*w++ = '/';
	*w = '\0';
	return w - p;
}

int un_path_normalise(char *p)
{
	return normalise(p) < 0 ? -1 : 0;
}

/* Absolute, no '..': normalised in place, its length answered (or -1,
   the reason in err). */
UN_EXEC_TEXT static ssize_t check_path(char *p, const char *role, char *err,
			  size_t errlen)
{
	if (*p != '/') {
		set_err(err, errlen, "%s '%s' is not an absolute path", role,
			p);
		return -1;
	}
	for (const char *c = p + 1; *c; c++) {
		if (c[-1] == '/' && c[0] == '.' && c[1] == '.' &&
		    (c[2] == '/' || !c[2])) {
			set_err(err, errlen, "%s '%s' must not contain '..'",
				role, p);
			return -1;
		}
	}
	return normalise(p);	/* absolute, without '..': cannot fail */
}

/* mkdir -p for a missing upper. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *s = buf + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (real_mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = c;
			if (!c)
				break;
		}
	}
	return 0;
}

UN_EXEC_TEXT static int check_dir(const char *path, const char *role, bool create,
		     dev_t *dev, char *err, size_t errlen)
{
	struct stat st;

	if (real_stat(path, &st) < 0) {
		int e = errno;

		if (e == ENOENT && create) {
			int rc = make_dirs(path);

			if (rc == 0)
				return 0;
			set_err(err, errlen, "cannot create %s '%s': %s", role,
				path, strerror(-rc));
			return -1;
		}
		if (e == ENOENT)
			set_err(err, errlen, "%s '%s' does not exist", role,
				path);
		else
			set_err(err, errlen, "%s '%s': %s", role, path,
				strerror(e));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "%s '%s' is not a directory", role, path);
		return -1;
	}
	*dev = st.st_dev;
	return 0;
}

/* The delimiters of a mount's fields, in .text's window with the parse
   (UN_EXEC_RODATA): as literals in .rodata they were a page fault of
   their own in every process's start-up. */
static const char to_merged[] UN_EXEC_RODATA = "=;",
		  to_layer[] UN_EXEC_RODATA = ":;";

UN_EXEC_TEXT static int parse_mount(const char **sp, struct arena *a, struct un_mount *m,
		       bool check_dirs, char *end_delim, char *err,
		       size_t errlen)
{
	char delim;
	char *field;
	ssize_t len;

	/* *m is in the arena's fresh mapping: zero already. */
	if (next_field(sp, to_merged, a, &m->merged, &delim, err, errlen) < 0)
		return -1;
	if (!*m->merged) {
		set_err(err, errlen, delim == ';' || !delim ?
			"empty mount (nothing between ';')" :
			"empty MERGED path before '='");
		return -1;
	}
	if (delim != '=') {
		set_err(err, errlen, "mount '%s' has no '=' (MERGED=UPPER:LOWER)",
			m->merged);
		return -1;
	}
	len = check_path(m->merged, "merged", err, errlen);
	if (len < 0)
		return -1;
	m->merged_len = (size_t)len;

	if (next_field(sp, to_layer, a, &field, &delim, err, errlen) < 0)
		return -1;
	if (*field) {
		len = check_path(field, "upper", err, errlen);
		if (len < 0)
			return -1;
		m->upper = field;
		m->upper_len = (size_t)len;
		m->root_max = m->upper_len;
	}
	if (delim != ':') {
		set_err(err, errlen, "mount '%s' has no lower (MERGED=UPPER:LOWER)",
			m->merged);
		return -1;
	}
	do {
		if (next_field(sp, to_layer, a, &field, &delim, err, errlen) < 0)
			return -1;
		if (!*field) {
			set_err(err, errlen, "mount '%s' has an empty lower",
				m->merged);
			return -1;
		}
		if (m->nlower == UN_MAX_LOWERS) {
			set_err(err, errlen, "mount '%s' has more than %d lowers",
				m->merged, UN_MAX_LOWERS);
			return -1;
		}
		m->lower[m->nlower++] = field;
		len = check_path(field, "lower", err, errlen);
		if (len < 0)
			return -1;
		m->lower_len[m->nlower - 1] = (size_t)len;
		if (m->lower_len[m->nlower - 1] > m->root_max)
			m->root_max = m->lower_len[m->nlower - 1];
	} while (delim == ':');
	*end_delim = delim;

	if (check_dirs) {
		for (int i = 0; i < m->nlower; i++)
			if (check_dir(m->lower[i], "lower", false,
				      &m->layer_dev[i + 1], err, errlen) < 0)
				return -1;
		if (m->upper && check_dir(m->upper, "upper", true,
					  &m->layer_dev[0], err, errlen) < 0)
			return -1;
	}
	return 0;
}

/*
 * Longest MERGED first.  An insertion sort: a handful of mounts, and
 * glibc's qsort may malloc (and asks the kernel for the memory size).
 */
UN_EXEC_TEXT static void sort_by_merged_len(struct un_mount *mount, int n)
{
	for (int i = 1; i < n; i++) {
		struct un_mount m = mount[i];
		int j = i;

		for (; j > 0 && mount[j - 1].merged_len < m.merged_len; j--)
			mount[j] = mount[j - 1];
		mount[j] = m;
	}
}

/* Is a path (absolute, normalised) within dir, or dir itself?  (By
   exec_str.h's byte loop: it runs at every start, where a libc string
   function would be one more lazy binding; edges/lazy-bind.) */
UN_EXEC_TEXT static bool path_within(const char *path, size_t plen,
				     const char *dir, size_t dlen)
{
	return plen >= dlen && !ex_memcmp(path, dir, dlen) &&
	       (dlen == 1 || path[dlen] == '/' || path[dlen] == '\0');
}

/*
 * Does some MERGED lie in (or is) a layer's own directory, of any
 * mount: an in-place union (`union run` without --merged), whose
 * MERGED's directory on disk a symlink outside may lead to
 * (outside_inplace.c)?  Strings only: no system call at the start.
 */
UN_EXEC_TEXT static bool any_inplace(const struct un_config *cfg)
{
	for (int i = 0; i < cfg->nmount; i++) {
		const struct un_mount *m = &cfg->mount[i];

		for (int j = 0; j < cfg->nmount; j++) {
			const struct un_mount *o = &cfg->mount[j];

			if (o->upper && path_within(m->merged, m->merged_len,
						    o->upper, o->upper_len))
				return true;
			for (int l = 0; l < o->nlower; l++)
				if (path_within(m->merged, m->merged_len,
						o->lower[l], o->lower_len[l]))
					return true;
		}
	}
	return false;
}

UN_EXEC_TEXT int un_config_parse(const char *value, struct un_config *cfg, bool check_dirs,
		    char *err, size_t errlen)
{
	const char *s = value;
	struct arena a;
	size_t len, maxmount = 1, size;
	char delim = ';';
	void *map;

	memset(cfg, 0, sizeof(*cfg));
	if (!value || !*value)
		return 0;
	for (s = value; *s; s++)
		maxmount += *s == ';';
	len = (size_t)(s - value);
	/* Every field unescapes to at most its own text plus a NUL, and
	   there are fewer fields than bytes plus one.  The rest of the
	   last page, and at least UN_CONFIG_SPARE bytes, is spare. */
	size = maxmount * sizeof(struct un_mount) + 2 * (len + 1) +
	       UN_CONFIG_SPARE;
	size = (size + 4095) & ~(size_t)4095;
	if (size <= sizeof(first_arena) &&
	    !__atomic_exchange_n(&first_arena_busy, true, __ATOMIC_ACQ_REL)) {
		map = first_arena;
		size = sizeof(first_arena);
	} else {
		map = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED) {
			set_err(err, errlen, "out of memory");
			return -1;
		}
		un_lsan_root(map, size);
	}
	cfg->arena = map;
	cfg->arena_len = size;
	cfg->mount = map;
	a.next = (char *)map + maxmount * sizeof(struct un_mount);
	s = value;
	while (delim == ';') {
		if (!*s) {
			set_err(err, errlen, "empty mount after the last ';'");
			goto out_release;
		}
		if (parse_mount(&s, &a, &cfg->mount[cfg->nmount++], check_dirs,
				&delim, err, errlen) < 0)
			goto out_release;
	}
	for (int i = 0; i < cfg->nmount; i++)
		for (int j = i + 1; j < cfg->nmount; j++)
			if (!strcmp(cfg->mount[i].merged,
				    cfg->mount[j].merged)) {
				set_err(err, errlen,
					"merged '%s' is given twice",
					cfg->mount[i].merged);
				goto out_release;
			}
	sort_by_merged_len(cfg->mount, cfg->nmount);
	/* A walk inside a union looks for a nested MERGED's root only
	   where one lies below (un_lookup: most unions hold none). */
	for (int i = 0; i < cfg->nmount; i++) {
		struct un_mount *m = &cfg->mount[i];

		for (int j = 0; j < cfg->nmount; j++) {
			const struct un_mount *o = &cfg->mount[j];

			if (j != i && o->merged_len > m->merged_len &&
			    !strncmp(o->merged, m->merged, m->merged_len) &&
			    (m->merged_len == 1 ||
			     o->merged[m->merged_len] == '/'))
				m->has_inner = true;
		}
	}
	cfg->inplace = any_inplace(cfg);
	cfg->arena_next = a.next;
	return 0;

out_release:
	un_config_release(cfg);
	return -1;
}

UN_EXEC_TEXT void *un_config_alloc(struct un_config *cfg, size_t size)
{
	char *end = (char *)cfg->arena + cfg->arena_len;
	char *p = (char *)(((uintptr_t)cfg->arena_next + 15) & ~(uintptr_t)15);

	if (!cfg->arena_next || size > (size_t)(end - p))
		return NULL;
	cfg->arena_next = p + size;
	return p;
}

void un_config_release(struct un_config *cfg)
{
	un_dcache_forget();
	for (int i = 0; i < cfg->nmount; i++)
		if (cfg->mount[i].wt)
			un_wtable_release(cfg->mount[i].wt);
	if (cfg->arena == first_arena) {
		memset(first_arena, 0, sizeof(first_arena));
		__atomic_store_n(&first_arena_busy, false, __ATOMIC_RELEASE);
	} else if (cfg->arena) {
		un_lsan_unroot(cfg->arena, cfg->arena_len);
		munmap(cfg->arena, cfg->arena_len);
	}
	memset(cfg, 0, sizeof(*cfg));
}

/* Past the slashes and '.' components at p. */
UN_EXEC_TEXT static const char *skip_seps(const char *p)
{
	for (;;) {
		while (*p == '/')
			p++;
		if (p[0] != '.' || (p[1] != '/' && p[1] != '\0'))
			return p;
		p++;
	}
}

/*
 * Does the absolute path start with MERGED of m, component by component
 * (repeated slashes and '.' components allowed)?  Returns how much of
 * path that prefix takes (up to the next component), or 0.  Every path a
 * process names runs through here: byte by byte, leaving at the first
 * difference, with no call.
 */
UN_EXEC_TEXT static size_t prefix_len(const char *path, const struct un_mount *m)
{
	const char *p = path, *q = m->merged;
	size_t len = m->merged_len, i = 0;

	if (*p != '/')
		return 0;
	/* The walk's own paths are canonical and mostly lie in the union:
	   MERGED as it is spelled, at one pass.  MERGED is normalised: a
	   path that differs from it at a byte that starts no repeated
	   slash nor '.' component differs by its names (gcc's driver
	   names ~500 paths outside, each compared twice before). */
	if (len > 1) {
		while (i < len && p[i] == q[i])
			i++;
		if (i == len)
			return p[len] == '/' || !p[len] ?
				       (size_t)(skip_seps(p + len) - path) : 0;
		if (p[i] != '/' && p[i] != '.')
			return 0;
	}
	for (;;) {
		while (*q == '/')
			q++;
		p = skip_seps(p);
		if (!*q)
			return p - path;
		while (*q && *q != '/') {
			if (*p != *q)
				return 0;
			p++;
			q++;
		}
		if (*p != '/' && *p != '\0')
			return 0;
	}
}

UN_EXEC_TEXT struct un_mount *un_config_match(const char *abspath, size_t *consumed)
{
	for (int i = 0; i < un_config.nmount; i++) {
		struct un_mount *m = &un_config.mount[i];
		size_t len = prefix_len(abspath, m);

		if (len) {
			if (consumed)
				*consumed = len;
			/* The first lookup in a union opens the tables
			   (init.c): from here on the mount is used. */
			un_tables_need();
			return m;
		}
	}
	return NULL;
}

UN_EXEC_TEXT struct un_mount *un_config_find(const char *abspath)
{
	return un_config_match(abspath, NULL);
}

bool un_config_is_ancestor(const char *abspath)
{
	if (*abspath != '/')
		return false;
	for (int i = 0; i < un_config.nmount; i++) {
		const char *p = abspath, *q = un_config.mount[i].merged;

		for (;;) {
			while (*q == '/')
				q++;
			p = skip_seps(p);
			if (!*q)
				break;		/* MERGED itself or below it */
			if (!*p)
				return true;	/* MERGED goes on below */
			while (*q && *q != '/' && *p == *q) {
				p++;
				q++;
			}
			if ((*q && *q != '/') || (*p && *p != '/'))
				break;		/* another name */
		}
	}
	return false;
}

