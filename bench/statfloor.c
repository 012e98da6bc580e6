/*
 * statfloor.c - the least a union library must do for a stat under
 * MERGED, as a preload of its own: the floor that issue 13's "a stat
 * at most 1.15x the layer's" is measured against (bench/README.md
 * "Session 12 (lookup)").
 *
 * It answers stat(), lstat() and fstatat() of names under one MERGED
 * whose every directory one layer holds, doing what libunion cannot do
 * without and nothing else:
 *
 *   - the prefix test (absolute: MERGED's bytes compared; relative:
 *     the cwd's record read under a sequence count, its merged path
 *     copied, as libunion's cwd_read does; a descriptor: its record);
 *   - one hash probe: the parent directory's merged path hashed eight
 *     bytes a step and compared with a table entry (its layers), the
 *     entry's stamp compared with a shared counter;
 *   - the layer's own call: relative to the cwd or the descriptor when
 *     it stands in that layer, else the layer's whole path (joined).
 *
 * Build: cc -O2 -shared -fPIC -o statfloor.so bench/statfloor.c -ldl
 * Use:   STATFLOOR="MERGED=LAYER" LD_PRELOAD=./statfloor.so micro stat ...
 *        (the cwd, when it lies under MERGED, is given as MERGED/... in
 *        STATFLOOR_CWD and must be the process's real cwd's counterpart
 *        in LAYER; a descriptor opened on LAYER/D is taken as MERGED/D;
 *        STATFLOOR_DIRS: the merged directories the warm cache holds,
 *        separated by ':')
 * Not a library: no whiteouts, no second layer, no errors of its own.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VMAX 8192

static char merged[VMAX], layer[VMAX];
static size_t merged_len, layer_len;
static char cwd_v[VMAX];
static size_t cwd_len;
static unsigned long cwd_count;	/* even: stable */
static uint64_t stamp_shared;	/* what a change of any process moves */

struct ent {
	uint64_t hash, stamp, mask;
	size_t len;
	char path[256];
};
static struct ent table[256];

static int (*real_fstatat)(int, const char *, struct stat *, int);

static uint64_t hash8(const char *s, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	uint64_t h = len * k, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (len) {
		w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * k;
	}
	h ^= h >> 32;
	return h * 0xff51afd7ed558ccdULL;
}

static void put(const char *dir, size_t len)
{
	uint64_t h = hash8(dir, len);
	struct ent *e = &table[h & 255];

	if (len >= sizeof(e->path))
		return;
	e->hash = h;
	e->len = len;
	e->stamp = stamp_shared;
	e->mask = 2;
	memcpy(e->path, dir, len);
}

__attribute__((constructor)) static void floor_init(void)
{
	const char *c = getenv("STATFLOOR"), *eq, *cw = getenv("STATFLOOR_CWD");

	real_fstatat = (int (*)(int, const char *, struct stat *, int))
		dlsym(RTLD_NEXT, "fstatat");
	if (!c || !(eq = strchr(c, '=')))
		return;
	merged_len = (size_t)(eq - c);
	memcpy(merged, c, merged_len);
	layer_len = strlen(eq + 1);
	memcpy(layer, eq + 1, layer_len);
	if (cw) {
		cwd_len = strlen(cw);
		memcpy(cwd_v, cw, cwd_len);
	}
	/* The directories the benchmark asks about, known as a warm cache
	   knows them. */
	if (getenv("STATFLOOR_DIRS")) {
		char *d = strdup(getenv("STATFLOOR_DIRS")), *s, *save;

		for (s = strtok_r(d, ":", &save); s; s = strtok_r(NULL, ":", &save))
			put(s, strlen(s));
	}
}

/* A descriptor's merged path, as libunion's table keeps it (found once
   through /proc, as libunion finds a descriptor it did not open). */
static char *fd_v[1024];
static size_t fd_len[1024];

static int fd_record(int fd)
{
	char link[64], real[VMAX];
	ssize_t n;

	if (fd_v[fd])
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n < 0 || (size_t)n < layer_len || memcmp(real, layer, layer_len))
		return 0;
	real[n] = '\0';
	fd_v[fd] = malloc(VMAX);
	fd_len[fd] = merged_len + (size_t)n - layer_len;
	memcpy(fd_v[fd], merged, merged_len);
	memcpy(fd_v[fd] + merged_len, real + layer_len, (size_t)n - layer_len + 1);
	return 1;
}

/* One probe: the layers of the merged directory dir (len bytes). */
static int probe(const char *dir, size_t len)
{
	uint64_t h = hash8(dir, len);
	struct ent *e = &table[h & 255];

	if (e->hash != h || e->len != len || memcmp(e->path, dir, len) ||
	    e->stamp != __atomic_load_n(&stamp_shared, __ATOMIC_ACQUIRE))
		return -1;
	return (int)__builtin_ctzll(e->mask);
}

static int floor_stat(int dirfd, const char *path, struct stat *st, int flags)
{
	char v[VMAX], real[VMAX];
	size_t vlen, plen = strlen(path);
	const char *slash;
	unsigned long seq;

	if (path[0] == '/') {
		if (plen <= merged_len || memcmp(path, merged, merged_len) ||
		    path[merged_len] != '/')
			return real_fstatat(dirfd, path, st, flags);
		memcpy(v, path, plen + 1);
		vlen = plen;
	} else if (dirfd == AT_FDCWD && cwd_len) {
		do {
			seq = __atomic_load_n(&cwd_count, __ATOMIC_ACQUIRE);
			memcpy(v, cwd_v, cwd_len);
			vlen = cwd_len;
		} while (seq != __atomic_load_n(&cwd_count, __ATOMIC_ACQUIRE));
		v[vlen++] = '/';
		memcpy(v + vlen, path, plen + 1);
		vlen += plen;
	} else if (dirfd >= 0 && dirfd < 1024 && fd_record(dirfd)) {
		vlen = fd_len[dirfd];
		memcpy(v, fd_v[dirfd], vlen);
		v[vlen++] = '/';
		memcpy(v + vlen, path, plen + 1);
		vlen += plen;
	} else {
		return real_fstatat(dirfd, path, st, flags);
	}
	slash = memrchr(v, '/', vlen);
	if (probe(v, (size_t)(slash - v)) < 0)
		return real_fstatat(dirfd, path, st, flags);	/* (cold) */
	if (path[0] != '/' && !strchr(path, '/'))
		return real_fstatat(dirfd, path, st, flags);	/* in the layer */
	memcpy(real, layer, layer_len);
	memcpy(real + layer_len, v + merged_len, vlen - merged_len + 1);
	return real_fstatat(AT_FDCWD, real, st, flags);
}

__attribute__((visibility("default"))) int stat(const char *p, struct stat *st)
{
	return floor_stat(AT_FDCWD, p, st, 0);
}

__attribute__((visibility("default"))) int lstat(const char *p, struct stat *st)
{
	return floor_stat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW);
}

__attribute__((visibility("default"))) int fstatat(int fd, const char *p,
						  struct stat *st, int flags)
{
	return floor_stat(fd, p, st, flags);
}
