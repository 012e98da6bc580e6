/*
 * ctor-lib.c - a shared library whose constructor calls wrapped functions
 * on merged paths, built at run time by early-ctor.sh.  Preloaded beside
 * libunion in either order, its constructor may run before libunion's:
 * the wrappers must initialise the library on their first call.
 *
 * It looks at $CTOR_M/f (a lower file, "from the lower") and $CTOR_M and
 * prints what it saw on stderr, one "ctor: ..." line each.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const char *what, int ok)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "ctor: %s: %s\n", what,
			 ok ? "ok" : "FAILED");

	if (write(2, line, n) < 0)
		_exit(3);
}

__attribute__((constructor)) static void ctor_lib_init(void)
{
	const char *m = getenv("CTOR_M");
	char path[4096], buf[64];
	struct stat st;
	DIR *d;
	int fd, found = 0;
	ssize_t n;

	if (!m)
		return;
	snprintf(path, sizeof(path), "%s/f", m);
	say("stat M/f", stat(path, &st) == 0 && st.st_size == 15);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	say("read M/f", n == 15 && !memcmp(buf, "from the lower\n", 15));
	d = opendir(m);
	if (d) {
		struct dirent *e;

		while ((e = readdir(d)))
			if (!strcmp(e->d_name, "f"))
				found = 1;
		closedir(d);
	}
	say("readdir M", found);
	snprintf(path, sizeof(path), "%s/made-by-ctor", m);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	say("create M/made-by-ctor", fd >= 0);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/gone", m);
	say("unlink M/gone", unlink(path) == 0);
}
