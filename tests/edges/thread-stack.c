/*
 * thread-stack.c - the library's deepest calls (a copy-up by rename, by
 * append, a listing, lists of attribute names, removals) from a thread whose stack is only as big
 * as argv[2] KiB: a wrapper that grows its frames past what README.md
 * promises crashes here (SIGSEGV on the guard page).
 *
 *   thread-stack MERGED KIB
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *merged;
static int failures;

static void check(const char *what, int rc)
{
	if (rc < 0) {
		fprintf(stderr, "thread-stack: %s: %s\n", what, strerror(errno));
		failures++;
	}
}

static void *calls(void *arg)
{
	char a[256], b[256], d[256], list[256];
	struct stat st;
	DIR *dir;
	int fd;

	(void)arg;
	snprintf(a, sizeof(a), "%s/dir/file", merged);
	snprintf(b, sizeof(b), "%s/dir/renamed", merged);
	snprintf(d, sizeof(d), "%s/dir/sub", merged);
	check("stat", stat(a, &st));
	/* (A union's list of attribute names is read whole, then filtered:
	   it must not take XATTR_LIST_MAX of the stack.) */
	check("listxattr", (int)listxattr(a, list, sizeof(list)));
	fd = open(merged, O_RDONLY | O_DIRECTORY);
	check("open of the root", fd);
	if (fd >= 0) {
		check("flistxattr", (int)flistxattr(fd, list, sizeof(list)));
		close(fd);
	}
	fd = open(a, O_WRONLY | O_APPEND);
	check("open for append", fd);
	if (fd >= 0) {
		check("write", (int)write(fd, "more\n", 5));
		close(fd);
	}
	check("rename", rename(a, b));
	check("mkdir", mkdir(d, 0755));
	dir = opendir(merged);
	if (!dir)
		check("opendir", -1);
	else {
		while (readdir(dir))
			;
		closedir(dir);
	}
	check("rmdir", rmdir(d));
	check("unlink", unlink(b));
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;

	if (argc != 3) {
		fprintf(stderr, "usage: thread-stack MERGED KIB\n");
		return 2;
	}
	merged = argv[1];
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, (size_t)atoi(argv[2]) * 1024) ||
	    pthread_create(&t, &attr, calls, NULL)) {
		fprintf(stderr, "thread-stack: no thread of %s KiB\n", argv[2]);
		return 2;
	}
	pthread_join(t, NULL);
	puts(failures ? "failed" : "ok");
	return failures ? 1 : 0;
}
