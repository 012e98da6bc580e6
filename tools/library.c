/*
 * library.c - finding libunion.so, and checking that it loads.
 *
 * Where the library is, in this order:
 *
 *   1. $UNION_LIBRARY, when set and not empty;
 *   2. the build tree, when this program runs from it: the directory of
 *      /proc/self/exe, then ../preload/.libs/libunion.so (an uninstalled
 *      `union` uses the library built beside it, never an older
 *      installed one);
 *   3. the private directory it was installed in, UN_PKGLIBDIR (the
 *      Makefile passes $(pkglibdir), $(libdir)/libunion).
 *
 * A preload that the dynamic loader cannot load is not fatal to the
 * program: ld.so prints a warning and runs it without the library, that
 * is, on the real directories.  So before anything runs in the union the
 * library is loaded once in a child process (dlopen with RTLD_NOW: the
 * file, its class and machine, its dependencies and symbols), with
 * UNION_LAYERS unset so that its initialisation does nothing; the child
 * exits at once, and the tool itself never has the library mapped.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "union.h"

#ifndef UN_PKGLIBDIR
#define UN_PKGLIBDIR "/usr/local/lib/libunion"
#endif
#define LIB_NAME "libunion.so"

/* The library beside the build tree this program runs from, if any. */
static char *from_build_tree(void)
{
	char exe[PATH_MAX], *slash, *cand, *real;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	cand = un_xasprintf("%s/../preload/.libs/%s", exe, LIB_NAME);
	real = realpath(cand, NULL);
	free(cand);
	return real;
}

int un_library_find(char **path)
{
	const char *env = getenv("UNION_LIBRARY");
	char *p;
	int ret;

	if (env && *env) {
		ret = un_abspath(env, &p);
		if (ret < 0)
			return un_fail(ret, "UNION_LIBRARY '%s'", env);
		if (access(p, R_OK) < 0) {
			ret = un_fail(-errno, "UNION_LIBRARY '%s'", env);
			free(p);
			return ret;
		}
		*path = p;
		return 0;
	}
	p = from_build_tree();
	if (p) {
		*path = p;
		return 0;
	}
	p = un_xasprintf("%s/%s", UN_PKGLIBDIR, LIB_NAME);
	if (access(p, R_OK) == 0) {
		*path = p;
		return 0;
	}
	un_err("cannot find %s: it is not in %s (set UNION_LIBRARY to "
	       "its path)", LIB_NAME, UN_PKGLIBDIR);
	free(p);
	return -ENOENT;
}

int un_library_check(const char *path)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return un_fail(-errno, "cannot fork");
	if (pid == 0) {
		unsetenv("UNION_LAYERS");
		if (!dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
			fprintf(stderr, "union: the library '%s' does not "
					"load: %s\n", path, dlerror());
			fflush(stderr);
			_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return un_fail(-errno, "cannot wait for a child");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!WIFEXITED(status))
		un_err("the library '%s' does not load: the test load died "
		       "of signal %d", path, WTERMSIG(status));
	return -ELIBBAD;
}
