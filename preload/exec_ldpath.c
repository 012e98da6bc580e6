/*
 * exec_ldpath.c - a child's LD_LIBRARY_PATH and LD_PRELOAD, as its
 * loader needs them.
 *
 * The dynamic loader of an exec'd program opens the libraries it
 * searches for in LD_LIBRARY_PATH, and those LD_PRELOAD names, with its
 * own system calls, before libunion is loaded: a merged directory named
 * there (libtool's uninstalled programs and `make check`,
 * `LD_LIBRARY_PATH=$PWD/lib ./prog` in a union) held nothing for it, and
 * the program stopped with "cannot open shared object file"; a merged
 * file in LD_PRELOAD was "cannot be preloaded".  The child is given, for
 * each LD_LIBRARY_PATH entry that lies in a union, the copies of that
 * directory in the layers that merge into it, upper first, as the
 * kernel's overlay would find a library there (a library deleted in the
 * union that a lower still holds is found all the same: README's
 * differences); for each LD_PRELOAD entry that lies in a union, the
 * file's copy in the layer that holds it (the upper's after a copy-up;
 * one deleted in the union stays merged, and the loader finds nothing,
 * as it would over the kernel's overlay).
 *
 * The value the program set travels beside it, in
 * UNION_LD_LIBRARY_PATH=LD_LIBRARY_PATH=VALUE (UNION_LD_PRELOAD=
 * LD_PRELOAD=VALUE), and the library's constructor puts that entry back
 * in the variable's place (un_ldpath_restore): the program and its own
 * children see their value, and each exec expands it again from the
 * union as it is then.
 *
 * It runs in a shell's child on its way to exec (exec.c), on the
 * caller's frame: nothing allocated, libc's string functions not used
 * (exec_str.h).  Only a value that names a union costs more than a scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "internal.h"
#include "exec_str.h"

static const char ld_head[] UN_EXEC_RODATA = "LD_LIBRARY_PATH=",
		  saved_head[] UN_EXEC_RODATA = "UNION_LD_LIBRARY_PATH=",
		  pre_head[] UN_EXEC_RODATA = "LD_PRELOAD=",
		  pre_saved_head[] UN_EXEC_RODATA = "UNION_LD_PRELOAD=";

/* The loader splits LD_LIBRARY_PATH at ':' and ';' (an empty entry is
   the cwd), LD_PRELOAD at ':' and ' ' (an empty entry is none). */
UN_EXEC_TEXT static bool is_sep(char c, bool files)
{
	return files ? c == ':' || c == ' ' : c == ':' || c == ';';
}

/* The end of the entry at e: its separator or the value's NUL.  (Most
   bytes of a path are letters, above every separator: one compare
   each, where is_sep's were four; the list is scanned at every exec.) */
UN_EXEC_TEXT static const char *entry_end(const char *e, bool files)
{
	for (;; e++) {
		unsigned char c = (unsigned char)*e;

		if (c > ';')
			continue;
		if (!c || is_sep((char)c, files))
			return e;
	}
}

/* The value being written: bytes go out only while they fit, and need
   counts them all (a first pass sizes with no room at all). */
struct ld_out {
	char *p, *end;
	size_t need;
};

UN_EXEC_TEXT static void put(struct ld_out *o, const char *s, size_t len)
{
	if (o->p && (size_t)(o->end - o->p) >= len) {
		ex_memcpy(o->p, s, len);
		o->p += len;
	} else {
		o->p = NULL;	/* short: nothing more is written */
	}
	o->need += len;
}

/* The entry (len bytes at s, "" the cwd) as a NUL-terminated path in
   buf; false when it does not fit. */
UN_EXEC_TEXT static bool entry_path(const char *s, size_t len, char *buf,
				    size_t size)
{
	if (len == 0) {
		s = ".";
		len = 1;
	}
	if (len >= size)
		return false;
	ex_memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

/* Has the entry (len bytes at s) a '/'? */
UN_EXEC_TEXT static bool has_slash(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/')
			return true;
	return false;
}

/* Does the entry lie in a union, on the face of it: an absolute one
   under a MERGED as spelled (a "//" or "/./" before MERGED's end is not
   looked through), a relative one when the cwd is merged?  No system
   call, and no copy of the entry: a page of stack more would be a
   fault in each child of a shell whose LD_LIBRARY_PATH is set. */
UN_EXEC_TEXT static bool entry_in_union(const char *s, size_t len, bool files)
{
	/* (A preloaded name without '/' is searched for in the library
	   path, LD_LIBRARY_PATH's expansion included.) */
	if (len == 0 || s[0] != '/')
		return (!files || has_slash(s, len)) && un_cwd_room() > 1;
	for (int i = 0; i < un_config.nmount; i++) {
		const struct un_mount *m = &un_config.mount[i];
		size_t ml = m->merged_len;

		if (len >= ml && !ex_memcmp(s, m->merged, ml) &&
		    (len == ml || s[ml] == '/' || ml == 1))
			return true;
	}
	return false;
}

/* One entry: the copies of its merged directory, upper first, split by
   ':'; as it is when it names no directory in a union.  (Its own frame:
   a node is two pages the common exec never touches.) */
UN_EXEC_TEXT static __attribute__((noinline)) void
entry_expand(struct ld_out *o, const char *s, size_t len)
{
	char path[PATH_MAX];
	struct un_node n;
	uint64_t mask;
	bool first = true;
	const char *rel;
	size_t rlen;

	if (!entry_path(s, len, path, sizeof(path)) ||
	    un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &n) != 0 || n.layer < 0 ||
	    !S_ISDIR(n.st.st_mode)) {
		put(o, s, len);
		return;
	}
	rel = n.vpath + n.rel_off;	/* (after MERGED's '/') */
	while (*rel == '/')
		rel++;
	rlen = ex_strlen(rel);
	mask = n.dirlayers ? n.dirlayers : 1ULL << n.layer;
	for (int i = 0; i <= n.mnt->nlower; i++) {
		const char *root = un_layer_root(n.mnt, i);

		if (!((mask >> i) & 1) || !root)
			continue;
		if (!first)
			put(o, ":", 1);
		first = false;
		put(o, root, un_layer_len(n.mnt, i));
		if (rlen) {
			put(o, "/", 1);
			put(o, rel, rlen);
		}
	}
	if (first)
		put(o, s, len);
}

/* One LD_PRELOAD entry: the file's copy in the layer that holds it; as
   it is when it names no file in a union (one deleted there too: the
   loader then says what it says over the kernel's overlay). */
UN_EXEC_TEXT static __attribute__((noinline)) void
file_expand(struct ld_out *o, const char *s, size_t len)
{
	char path[PATH_MAX];
	struct un_node n;

	if (len && entry_in_union(s, len, true) &&
	    entry_path(s, len, path, sizeof(path)) &&
	    un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &n) == 0 && n.layer >= 0 &&
	    !S_ISDIR(n.st.st_mode))
		put(o, n.real, ex_strlen(n.real));
	else
		put(o, s, len);
}

/* un_ldpath_build and un_ldpreload_build: head the variable's
   "NAME=", saved_at's the saved entry's "UNION_NAME=", files the
   LD_PRELOAD kind. */
UN_EXEC_TEXT static size_t build(const char *value, char *buf, size_t room,
				 char **ld, char **saved, const char *head,
				 size_t head_len, const char *saved_name,
				 size_t saved_len, bool files)
{
	struct ld_out o = { buf, buf ? buf + room : NULL, 0 };
	char *ld_at, *saved_at;
	bool any = false;
	const char *s, *e;
	int saved_errno = errno;

	for (s = value;; s = e + 1) {
		e = entry_end(s, files);
		any = any || entry_in_union(s, (size_t)(e - s), files);
		if (any || !*e)
			break;
	}
	if (!any)
		return 0;
	ld_at = o.p;
	put(&o, head, head_len);
	for (s = value;; s = e + 1) {
		e = entry_end(s, files);
		if (files)
			file_expand(&o, s, (size_t)(e - s));
		else
			entry_expand(&o, s, (size_t)(e - s));
		if (!*e)
			break;
		put(&o, e, 1);
	}
	put(&o, "", 1);
	saved_at = o.p;
	put(&o, saved_name, saved_len);
	put(&o, head, head_len);
	put(&o, value, ex_strlen(value) + 1);
	if (o.p) {
		*ld = ld_at;
		*saved = saved_at;
	}
	errno = saved_errno;
	return o.need;
}

/*
 * value (LD_LIBRARY_PATH's, after the '=') for a child: at buf (room
 * bytes) "LD_LIBRARY_PATH=EXPANDED" and the saved entry, each with its
 * NUL, their starts in *ld and *saved.  Returns the bytes they take: 0
 * when no entry lies in a union (nothing written: the entry goes as it
 * is), more than room when they did not fit (nothing usable written;
 * buf NULL and room 0 to size).  errno kept.
 */
UN_EXEC_TEXT size_t un_ldpath_build(const char *value, char *buf, size_t room,
				    char **ld, char **saved)
{
	return build(value, buf, room, ld, saved, ld_head,
		     sizeof(ld_head) - 1, saved_head, sizeof(saved_head) - 1,
		     false);
}

/* The same of LD_PRELOAD's value: "LD_PRELOAD=EXPANDED" and
   "UNION_LD_PRELOAD=LD_PRELOAD=VALUE". */
UN_EXEC_TEXT size_t un_ldpreload_build(const char *value, char *buf,
				       size_t room, char **ld, char **saved)
{
	return build(value, buf, room, ld, saved, pre_head,
		     sizeof(pre_head) - 1, pre_saved_head,
		     sizeof(pre_saved_head) - 1, true);
}

/*
 * In the constructor: the entry at *ld (LD_LIBRARY_PATH's or
 * LD_PRELOAD's, or NULL) is the expansion an exec made, and *saved
 * (UNION_LD_LIBRARY_PATH's, UNION_LD_PRELOAD's) holds the entry the
 * parent set: that goes back in *ld's place when it is of the same
 * variable, and the saved entry leaves the environment (ld and saved
 * point into environ's array, on the initial stack; the strings stay
 * where they are, the entries after saved move down by one).
 */
UN_EXEC_TEXT void un_ldpath_restore(char **ld, char **saved)
{
	const char *value = *saved;
	size_t i = 0;

	while (*value && *value != '=')
		value++;
	if (*value)
		value++;
	if (ld) {
		/* (*ld's "NAME=" the same as the saved value's head.) */
		while ((*ld)[i] && (*ld)[i] == value[i] && (*ld)[i] != '=')
			i++;
		if ((*ld)[i] == '=' && value[i] == '=')
			*ld = (char *)value;
	}
	for (char **e = saved; e[0]; e++)
		e[0] = e[1];
}
