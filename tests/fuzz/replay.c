/*
 * replay.c - a main for the fuzz targets without libFuzzer.
 *
 * Built with the ordinary compiler and linked with one target, it feeds
 * the target every file named on the command line (a directory: every
 * file in it, in name order).  With no argument it replays the target's
 * committed inputs, FUZZ_SRCDIR/corpus/FUZZ_NAME and
 * FUZZ_SRCDIR/regress/FUZZ_NAME: that is the test make check runs, so
 * that a crash once found stays fixed on machines without clang.
 *
 * A target that finds a misreading aborts (fuzz.h); the test then fails.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Targets that need set-up define it; the others get this weak one. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *grown = realloc(buf, cap ? 2 * cap : 4096);

			if (!grown) {
				fprintf(stderr, "replay: out of memory\n");
				free(buf);
				fclose(f);
				return -1;
			}
			buf = grown;
			cap = cap ? 2 * cap : 4096;
		}
		size_t n = fread(buf + len, 1, cap - len, f);

		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	/* Say which input is running: an abort names it in the log. */
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replay path (a file or a directory of files); returns the count, or
   -1.  missing_ok: a directory that does not exist counts 0. */
static int replay_path(const char *path, int missing_ok)
{
	struct dirent **names;
	struct stat st;
	int n, count = 0;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) < 0 ? -1 : 1;
	n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX];

		if (names[i]->d_name[0] != '.' && count >= 0) {
			snprintf(file, sizeof(file), "%s/%s", path,
				 names[i]->d_name);
			if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
				count = replay_file(file) < 0 ? -1 : count + 1;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	int total = 0, n;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			n = replay_path(argv[i], 0);
			if (n < 0)
				return 1;
			total += n;
		}
	} else {
#if defined(FUZZ_SRCDIR) && defined(FUZZ_NAME)
		static const char *const kinds[] = { "corpus", "regress" };

		for (int i = 0; i < 2; i++) {
			char dir[PATH_MAX];

			snprintf(dir, sizeof(dir), "%s/%s/%s", FUZZ_SRCDIR,
				 kinds[i], FUZZ_NAME);
			n = replay_path(dir, i == 1);
			if (n < 0)
				return 1;
			total += n;
		}
#else
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
#endif
	}
	if (total == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	printf("replay: %d inputs, no crash and no misreading\n", total);
	return 0;
}
