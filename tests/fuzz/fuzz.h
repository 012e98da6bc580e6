/*
 * fuzz.h - what the fuzz targets of tests/fuzz share.
 *
 * Each target defines LLVMFuzzerTestOneInput(), the libFuzzer entry
 * point.  The same source is built twice: by clang with -fsanitize=fuzzer
 * (tests/fuzz/run.sh), and by the ordinary compiler with replay.c as its
 * main (make check), which feeds it every stored input.
 *
 * A target reports a misreading with FUZZ_CHECK, which prints what was
 * expected and aborts: libFuzzer saves the input as a crash, and the
 * replay fails.
 */
#ifndef UN_FUZZ_H
#define UN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ftw.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s: ",       \
				__FILE__, __LINE__, #cond);                \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

/* A cursor over the input, for the targets that build a structure from
   it: bytes past the end read as 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline unsigned fuzz_byte(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* A number in [0, n) (n <= 256). */
static inline unsigned fuzz_pick(struct fuzz_in *in, unsigned n)
{
	return fuzz_byte(in) % n;
}

/* Remove the tree at dir (the layers a target built); errors ignored. */
static inline int fuzz_rm_one(const char *path, const struct stat *st,
			      int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static inline void fuzz_rm_tree(const char *dir)
{
	nftw(dir, fuzz_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

#endif /* UN_FUZZ_H */
