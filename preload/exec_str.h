/*
 * exec_str.h - the string work of a shell's child on its way to exec,
 * without libc's string functions.
 *
 * libc's strlen, strnlen, strchr, stpcpy, memcpy and memmove (their
 * evex/avx512 variants, ~40 KiB of libc's text) and its sbrk and
 * syscall lie in 64 KiB fault-around windows that a shell's child
 * touches for nothing else: each window the child's exec path first
 * runs is a page fault in every child (bench/README.md "Session 16
 * (exec)").  These loops are short (paths, a few dozen environment
 * entries) and run there only: every other caller keeps libc's.
 *
 * The empty asm in each loop keeps gcc from turning it back into a
 * call of the very function (loop distribution makes memcpy of a copy
 * loop; clang recognises strlen).
 */
#ifndef UN_EXEC_STR_H
#define UN_EXEC_STR_H

#include <stddef.h>

static inline __attribute__((always_inline)) size_t ex_strnlen(const char *s,
							     size_t max)
{
	size_t n = 0;

	while (n < max && s[n]) {
		n++;
		__asm__("" : "+r"(n));
	}
	return n;
}

static inline __attribute__((always_inline)) size_t ex_strlen(const char *s)
{
	size_t n = 0;

	while (s[n]) {
		n++;
		__asm__("" : "+r"(n));
	}
	return n;
}

/* A forward copy: also memmove's where dst lies below src. */
static inline __attribute__((always_inline)) void *ex_memcpy(void *dst,
							   const void *src,
							   size_t n)
{
	char *d = dst;
	const char *s = src;

	for (size_t i = 0; i < n; i++) {
		d[i] = s[i];
		__asm__("" : "+r"(d));
	}
	return dst;
}

static inline __attribute__((always_inline)) char *ex_stpcpy(char *d,
							   const char *s)
{
	while ((*d = *s)) {
		d++;
		s++;
		__asm__("" : "+r"(d));
	}
	return d;
}

static inline __attribute__((always_inline)) int ex_memcmp(const void *a,
							 const void *b,
							 size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static inline __attribute__((always_inline)) const char *
ex_strchr(const char *s, char c)
{
	for (;; s++) {
		if (*s == c)
			return s;
		if (!*s)
			return NULL;
	}
}

#endif
