/*
 * proc_fds.c - listings of the process's own /proc/.../fd without the
 * library's descriptors.
 *
 * The library keeps a few descriptors of its own (the whiteout table and
 * its lock file, cwdfd.c's O_PATH descriptors, fifo.c's held ones; high
 * numbers, 900 and up, close-on-exec), which a kernel overlay would not
 * give the process.  A program that lists its own descriptors (`ls -l
 * /proc/self/fd`, python's os.listdir, a closefrom emulation, an lsof)
 * must not see them: close() of one already fails with EBADF, as for a
 * number never opened (wrap_fd.c), so the listing agrees with it.
 *
 * opendir of a directory outside every union hands it to libc, unless
 * un_proc_fd_dir says it is one of these (a compare of six bytes on
 * that path); readdir.c then streams it, leaving out every name
 * un_proc_fd_hidden says is the library's.  Not covered: a listing of
 * such a directory through a descriptor (fdopendir, getdents64 by the
 * program, os.listdir(fd)), a relative path to it, /proc/PID/fd of
 * another process of the union (its library's numbers are its own),
 * and the names that stat, readlink or open of /proc/self/fd/N still
 * answer for a number the program guessed.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wrap.h"

/* Skip the decimal number at *p: its value, or -1 (none, or more than
   an int holds). */
static long parse_num(const char **p)
{
	uint64_t v;

	return un_dec_prefix(p, &v) && v <= INT_MAX ? (long)v : -1;
}

/* Does p start with the component c (then a '/' or its end)? */
static bool component(const char **p, const char *c)
{
	size_t len = strlen(c);

	if (strncmp(*p, c, len) || ((*p)[len] && (*p)[len] != '/'))
		return false;
	*p += len;
	return true;
}

bool un_proc_fd_dir_slow(const char *path)
{
	const char *p = path + 6;	/* after "/proc/" */

	if (!component(&p, "self") && !component(&p, "thread-self")) {
		if (parse_num(&p) != (long)un_self_pid() || (*p && *p != '/'))
			return false;
	}
	/* /proc/PID/task/TID: a thread of ours (every TID listed there
	   is). */
	if (*p == '/' && !strncmp(p, "/task/", 6)) {
		p += 6;
		if (parse_num(&p) < 0 || (*p && *p != '/'))
			return false;
	}
	if (*p++ != '/')
		return false;
	if (!component(&p, "fd") && !component(&p, "fdinfo"))
		return false;
	while (*p == '/')
		p++;
	return !*p;
}

bool un_proc_fd_hidden(const char *name)
{
	const char *p = name;
	long fd = parse_num(&p);

	return fd >= 0 && !*p && un_lib_owns_fd((int)fd);
}
