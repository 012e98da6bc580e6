/*
 * mounts.c - the mount table, as a process in the union would see it.
 *
 * A union is a mount to its processes, so /proc/self/mountinfo and
 * /proc/mounts (and /etc/mtab, a link to the latter) list each MERGED as
 * an overlay mount, after the real entries; df, findmnt and mountpoint
 * then see it as they see a kernel overlay mount.  An open for reading of
 * one of those files is answered with an anonymous file holding the real
 * content and those lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "newsys.h"
#include "wrap.h"

enum table_kind { NOT_A_TABLE, MOUNTINFO, MOUNTS };

static enum table_kind kind_of(const char *path)
{
	const char *rest;
	char pid[32];
	int n;

	/* Every open of an absolute path outside comes here: one test for
	   the paths not under /proc or /etc. */
	if (path[0] != '/' || (path[1] != 'p' && path[1] != 'e'))
		return NOT_A_TABLE;
	if (!strcmp(path, "/proc/mounts") || !strcmp(path, "/etc/mtab"))
		return MOUNTS;
	if (!strncmp(path, "/proc/self/", 11))
		rest = path + 11;
	else if (!strncmp(path, "/proc/thread-self/", 18))
		rest = path + 18;
	/* "/proc/" first: getpid is a system call, and most paths are not
	   under /proc at all. */
	else if (!strncmp(path, "/proc/", 6) &&
		 (n = snprintf(pid, sizeof(pid), "/proc/%d/", (int)getpid())) >
			 0 &&
		 !strncmp(path, pid, n))
		rest = path + n;
	else
		return NOT_A_TABLE;
	if (!strcmp(rest, "mountinfo"))
		return MOUNTINFO;
	if (!strcmp(rest, "mounts"))
		return MOUNTS;
	return NOT_A_TABLE;
}

/* A path as the mount tables write it: space, tab, newline and
   backslash octal-escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			fprintf(f, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

static void put_options(FILE *f, const struct un_mount *m)
{
	fputs(m->upper ? "rw" : "ro", f);
	fputs(",lowerdir=", f);
	for (int i = 0; i < m->nlower; i++) {
		if (i)
			fputc(':', f);
		put_escaped(f, m->lower[i]);
	}
	if (m->upper) {
		fputs(",upperdir=", f);
		put_escaped(f, m->upper);
		fputs(",workdir=", f);
		put_escaped(f, m->upper);
		fputs("/" UN_META_DIR "/work", f);
	}
}

static void put_lines(FILE *f, enum table_kind kind)
{
	/* Shortest MERGED first, so that nested unions come after. */
	for (int i = un_config.nmount - 1; i >= 0; i--) {
		const struct un_mount *m = &un_config.mount[i];
		const char *root = m->upper ? m->upper : m->lower[0];
		struct stat st;

		if (real_stat(root, &st) < 0)
			continue;
		if (kind == MOUNTINFO) {
			fprintf(f, "%d 1 %u:%u / ", 100000 + i,
				major(st.st_dev), minor(st.st_dev));
			put_escaped(f, m->merged);
			fputs(m->upper ? " rw,relatime" : " ro,relatime", f);
			fputs(" - overlay overlay ", f);
			put_options(f, m);
			fputc('\n', f);
		} else {
			fputs("overlay ", f);
			put_escaped(f, m->merged);
			fputs(" overlay ", f);
			put_options(f, m);
			fputs(" 0 0\n", f);
		}
	}
}

/* The table at path, copied into a memfd with the unions added.  (Kept
   out of un_mounts_open, which every open runs: its buffer is stack that
   the common case need not touch.) */
static __attribute__((noinline)) int open_table(const char *path, int flags,
						enum table_kind kind)
{
	char buf[8192];
	ssize_t n;
	int in, out;
	FILE *f;

	in = real_open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = un_memfd_create("mounts", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (out < 0) {
		n = -errno;
		real_close(in);
		return n;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	real_close(in);
	/* fdopen of a dup, so that fclose leaves out open. */
	f = fdopen(real_dup(out), "w");
	if (f) {
		put_lines(f, kind);
		real_fclose(f);
	}
	lseek(out, 0, SEEK_SET);
	return out;
}

UN_EXEC_TEXT int un_mounts_open(const char *path, int flags)
{
	enum table_kind kind;

	if ((flags & O_ACCMODE) != O_RDONLY || !path ||
	    (kind = kind_of(path)) == NOT_A_TABLE)
		return -ENOENT;
	return open_table(path, flags, kind);
}
