/*
 * real.h - pointers to the real libc functions, one per syms.def row.
 *
 * The library reaches libc only through these (never through the names
 * it exports), so it can never intercept itself.
 */
#ifndef UN_REAL_H
#define UN_REAL_H

#include <dirent.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <utime.h>

typedef int (*un_ftw_fn)(const char *, const struct stat *, int);
typedef int (*un_ftw64_fn)(const char *, const struct stat64 *, int);
typedef int (*un_nftw_fn)(const char *, const struct stat *, int,
			  struct FTW *);
typedef int (*un_nftw64_fn)(const char *, const struct stat64 *, int,
			    struct FTW *);

#define UN_SPECIAL(ret, name, params) \
	extern ret(*real_##name) params __attribute__((visibility("hidden")));
#define UN_READ(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_READ_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_CHANGE(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_CHANGE_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_MAKE(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_MAKE_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#include "syms.def"
#undef UN_SPECIAL
#undef UN_READ
#undef UN_READ_AT
#undef UN_CHANGE
#undef UN_CHANGE_AT
#undef UN_MAKE
#undef UN_MAKE_AT

#endif /* UN_REAL_H */
