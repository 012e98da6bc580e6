/*
 * relstat.c - what a lookup in a lower layer costs the kernel by the
 * layer's whole path against a descriptor of the cwd's copy there
 * (bench/README.md "Session 16 (cwdfd)").
 *
 * Build: cc -O2 -o relstat bench/relstat.c
 * Use:   relstat MODE DIR NAMES
 *   abs  lstat("DIR/name") of each name (what libunion did for a name
 *        relative to a merged cwd that lives in another layer)
 *   fd   fstatat(fd of DIR opened O_PATH, name, AT_SYMLINK_NOFOLLOW)
 *        (what it does since session 16)
 *   rel  chdir(DIR), then lstat("name"): through the library when DIR
 *        is a merged directory (LD_PRELOAD)
 *   none the names read alone (the floor to take off)
 * NAMES: a file of relative names, one a line (git ls-files' output);
 * at most 20,000 of at most 127 bytes.  Prints found/names on stderr.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char names[20000][128];

int main(int argc, char **argv)
{
	char buf[4096];
	struct stat st;
	long ok = 0;
	int n = 0, fd;
	FILE *f;

	if (argc != 4 || !(f = fopen(argv[3], "r"))) {
		fprintf(stderr, "usage: relstat abs|fd|rel|none DIR NAMES\n");
		return 2;
	}
	while (n < 20000 && fgets(names[n], sizeof(names[n]), f)) {
		names[n][strcspn(names[n], "\n")] = '\0';
		n++;
	}
	fclose(f);
	fd = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (!strcmp(argv[1], "rel") && chdir(argv[2]) != 0)) {
		perror(argv[2]);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (!strcmp(argv[1], "none")) {
			ok++;
		} else if (!strcmp(argv[1], "abs")) {
			if (snprintf(buf, sizeof(buf), "%s/%s", argv[2],
				     names[i]) < (int)sizeof(buf))
				ok += lstat(buf, &st) == 0;
		} else if (!strcmp(argv[1], "rel")) {
			ok += lstat(names[i], &st) == 0;
		} else {
			ok += fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0;
		}
	}
	fprintf(stderr, "%ld/%d\n", ok, n);
	return 0;
}
