/*
 * whiteout.c - the whiteout table UPPER/.union/whiteouts.
 *
 * The table records every path deleted from the merged view (a whiteout)
 * and every directory that hides the lowers below it (opaque).  Paths
 * are relative to the union's root: no leading '/', components joined
 * by single '/', never "." or "..".
 *
 * File format, version 1 (UPPER/.union/whiteouts)
 * -----------------------------------------------
 *
 * A text file of lines, each ended by '\n' (0x0a).  The first line is
 * exactly
 *
 *	libunion-whiteouts 1
 *
 * Every following line is one record, `<op> <path>`: a one-byte
 * operation, one space (0x20), the escaped path:
 *
 *	w <path>	path is deleted (a whiteout)
 *	o <path>	path is an opaque directory
 *	- <path>	cancel any earlier record of path
 *
 * Reading replays the records in order; a later record of a path
 * replaces the earlier one, so the table is what remains at the end.
 * A path appears at most once in the result.  Escaping: every byte of
 * the path outside 0x21..0x7e, and the backslash itself, is written as
 * `\xHH`, two lowercase hexadecimal digits (a space is `\x20`, a
 * newline `\x0a`, a backslash `\x5c`); every other byte stands for
 * itself.  Readers accept `\xHH` for any byte but no other escape.  A
 * decoded path must be non-empty, must not hold a NUL byte, start or
 * end with '/', or hold an empty, "." or ".." component.
 *
 * A last line without its '\n' is a write that a kill cut short: readers
 * ignore it, and the next writer truncates the file back to the end of
 * the last whole line before it appends.  An empty file (or one whose
 * only content is such an unfinished line) is an empty table.  Anything
 * else that does not follow this grammar (another header, another
 * version, an unknown operation, a bad escape, an invalid path, a blank
 * line) makes the whole file corrupt: libunion then refuses to use the
 * union rather than guess.
 *
 * Writers (processes of the union; a tool that writes must do the same)
 * hold flock(LOCK_EX) on UPPER/.union/lock while they append, append
 * whole records with O_APPEND, and then add one to the generation
 * counter described below.  A rewrite (compaction) writes the live
 * records to UPPER/.union/whiteouts.tmp, fsyncs it, renames it over the
 * table and adds one to the epoch counter, all under the same lock.
 *
 * UPPER/.union/lock is a file of 4096 bytes; it starts with, in host byte
 * order, struct wt_gen below: the magic "UNWTGEN1", a 64-bit generation
 * counter and a 64-bit epoch counter.  Each process maps it shared.
 *
 * How a process uses it
 * ---------------------
 *
 * In memory the table is a uthash map from path to kind, plus a second
 * map counting, for every proper ancestor directory of every record,
 * the records below it, so that has_below is a single lookup.  A lookup
 * costs no system call: it compares the mapped generation with the one
 * this handle last caught up with, and only when they differ does it
 * read the file again, from the byte where it stopped last time, and
 * replay the new lines.  When the epoch has moved as well, the file was
 * rewritten and is loaded from scratch.
 *
 * Invariants:
 *  - pos.off is the end of the last whole line consumed; the in-memory
 *    maps are exactly the replay of the file's first pos.off bytes.
 *  - The generation is raised only under the lock, after the append it
 *    announces is complete.  A reader loads the generation before it
 *    reads the file, so having read the file it has at least every
 *    change that generation announced; a half-written line of a
 *    concurrent writer has no '\n' yet and is left for the next look.
 *  - A writer, holding the lock, first catches up with the file (the
 *    epoch tells it when the file it holds was replaced), repairs an
 *    unfinished tail, then appends; nothing else writes meanwhile, so
 *    after its own append it is current with the new generation.
 *  - The rename of a compaction precedes the epoch bump, so a reader
 *    that sees the new epoch opens the new file; one that still holds
 *    the old file reads a complete, equivalent table from it.  A writer
 *    also checks that the path still names the file it holds, and bumps
 *    the epoch itself for a compaction killed between rename and bump.
 *  - A record is in the page cache when set returns: a kill -9 cannot
 *    lose it.  Records are not fsynced one by one (only compaction
 *    fsyncs, before its rename).
 *
 * Threads: `io` (a mutex) serialises everything that touches the files
 * and the read position; `rw` (a rwlock) guards the maps, and is held
 * for writing only while lines are replayed into them.  Processes: the
 * flock; after a fork the child reopens the lock file, since a flock
 * belongs to the open file description that parent and child share.
 *
 * This file runs inside the preloaded library: open, close, stat, mkdir,
 * rename, unlink, fcntl and ftruncate are reached by raw system calls,
 * never through the intercepted libc names.  Our descriptors are
 * close-on-exec and moved above WT_FD_MIN, out of the way of programs
 * that dup2 onto low numbers; a program that closes them anyway
 * (closefrom) gets them reopened at the next use.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* Out of memory inside uthash: fail the insertion, never exit. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#define WT_HEADER "libunion-whiteouts 1"
#define WT_HEADER_NAME "libunion-whiteouts "
#define WT_TABLE "/" UN_META_DIR "/whiteouts"
#define WT_TMP "/" UN_META_DIR "/whiteouts.tmp"
#define WT_LOCK "/" UN_META_DIR "/lock"
#define WT_WORK "/" UN_META_DIR "/work"
#define WT_META "/" UN_META_DIR

#define WT_MAGIC "UNWTGEN1"
#define WT_LOCK_SIZE 4096

/* Our descriptors live at or above this number. */
#define WT_FD_MIN 900

/* Compact when more than this many records and more than half dead. */
#define WT_COMPACT_MIN 1024

/* The head of the shared lock file. */
struct wt_gen {
	char magic[8];
	uint64_t generation;	/* raised after every append */
	uint64_t epoch;		/* raised after every rewrite */
	uint64_t dirs;		/* raised after every change of a directory
				   in the upper (dcache.c); no lock */
	uint64_t names;		/* raised after every name made in a
				   directory of the upper (dcache.c) */
};

/* A record: path -> kind. */
struct wt_rec {
	UT_hash_handle hh;
	size_t len;
	char kind;
	char key[];
};

/* An ancestor directory of records, with their number. */
struct wt_anc {
	UT_hash_handle hh;
	size_t len;
	unsigned long refs;
	char key[];
};

struct wt_mem {
	struct wt_rec *recs;
	struct wt_anc *anc;
};

/* How far a replay has come. */
struct wt_pos {
	off_t off;		/* end of the last whole line */
	unsigned long lineno;	/* whole lines, the header included */
	unsigned long nrec;	/* record lines */
};

/* Identity of an open file. */
struct wt_id {
	uint64_t dev;
	uint64_t ino;
};

struct un_wtable {
	char *table_path;
	char *tmp_path;
	char *lock_path;

	pthread_mutex_t io;
	pthread_rwlock_t rw;

	/* Under rw (written also under io). */
	struct wt_mem mem;

	/* Under io. */
	int tfd;		/* the table, O_RDWR | O_APPEND; -1: none */
	struct wt_id tid;
	struct wt_pos pos;
	off_t fsize;		/* size of the table at the last read */
	uint64_t epoch;		/* epoch of the file behind tfd */
	bool corrupt;		/* reported already */

	int lfd;		/* the lock file; -1: none */
	struct wt_id lid;
	pid_t pid;		/* the process that opened lfd */
	struct wt_gen *gen;	/* the lock file, mapped */
	struct wt_id gid;	/* identity of the mapped file */

	uint64_t seen_gen;	/* atomic: the generation we are current with */
};

/* ------------------------------------------------------------------ */
/* System calls by number: the libc names are ours to intercept.      */

static int sys_open(const char *path, int flags, mode_t mode)
{
	long r = syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, mode);

	return r < 0 ? -errno : (int)r;
}

static void sys_close(int fd)
{
	if (fd >= 0)
		syscall(SYS_close, fd);
}

static int sys_fstatx(int fd, struct statx *stx)
{
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH,
		    STATX_TYPE | STATX_INO | STATX_SIZE, stx) < 0)
		return -errno;
	return 0;
}

static int sys_statx(const char *path, struct statx *stx)
{
	if (syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
		    STATX_TYPE | STATX_INO, stx) < 0)
		return -errno;
	return 0;
}

static int sys_mkdir(const char *path, mode_t mode)
{
	return syscall(SYS_mkdirat, AT_FDCWD, path, mode) < 0 ? -errno : 0;
}

static int sys_rename(const char *from, const char *to)
{
#ifdef SYS_renameat
	long r = syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
#else
	long r = syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0);
#endif
	return r < 0 ? -errno : 0;
}

static void sys_unlink(const char *path)
{
	syscall(SYS_unlinkat, AT_FDCWD, path, 0);
}

static int sys_ftruncate(int fd, off_t len)
{
	return syscall(SYS_ftruncate, fd, len) < 0 ? -errno : 0;
}

/* Move fd to WT_FD_MIN or above (keeping it where it is if we cannot). */
static int fd_move_high(int fd)
{
	long nfd;

	if (fd >= WT_FD_MIN)
		return fd;
	nfd = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, WT_FD_MIN);
	if (nfd < 0)
		return fd;
	sys_close(fd);
	return (int)nfd;
}

static struct wt_id stx_id(const struct statx *stx)
{
	struct wt_id id = {
		.dev = ((uint64_t)stx->stx_dev_major << 32) |
		       stx->stx_dev_minor,
		.ino = stx->stx_ino,
	};

	return id;
}

static bool id_eq(struct wt_id a, struct wt_id b)
{
	return a.dev == b.dev && a.ino == b.ino;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Read up to len bytes at off; returns the count (short at EOF). */
static ssize_t pread_all(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static int flock_retry(int fd, int op)
{
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* One line on stderr: "libunion: <what>". */
static void wt_complain(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void wt_complain(const char *fmt, ...)
{
	char buf[PATH_MAX + 256];
	va_list ap;
	int n;

	memcpy(buf, "libunion: ", 10);
	va_start(ap, fmt);
	n = vsnprintf(buf + 10, sizeof(buf) - 11, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 10;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	write_all(STDERR_FILENO, buf, n);
}

static void wt_complain_line(const struct un_wtable *wt, unsigned long line,
			     const char *why)
{
	wt_complain("%s: corrupt at line %lu: %s", wt->table_path, line, why);
}

/* ------------------------------------------------------------------ */
/* Paths and escaping.                                                 */

/* NULL when rel is a valid record path, else why not. */
static const char *path_invalid(const char *rel, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return "empty path";
	if (rel[0] == '/')
		return "path starts with '/'";
	while (i <= len) {
		size_t start = i;

		while (i < len && rel[i] != '/') {
			if (rel[i] == '\0')
				return "NUL byte in path";
			i++;
		}
		if (i == start)
			return "empty path component";
		if (rel[start] == '.' && (i - start == 1 ||
		    (i - start == 2 && rel[start + 1] == '.')))
			return "'.' or '..' in path";
		i++;
	}
	return NULL;
}

static bool must_escape(unsigned char c)
{
	return c < 0x21 || c > 0x7e || c == '\\';
}

/* Longest encoding of a record of a path of len bytes. */
static size_t rec_max(size_t len)
{
	return 4 * len + 3;
}

/* Write "<op> <escaped path>\n" at out; returns its length. */
static size_t rec_encode(char *out, char op, const char *key, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	size_t i;

	*p++ = op;
	*p++ = ' ';
	for (i = 0; i < len; i++) {
		unsigned char c = key[i];

		if (must_escape(c)) {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else {
			*p++ = c;
		}
	}
	*p++ = '\n';
	return p - out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Parse one record line (without its '\n'), decoding the path in place
 * at line + 2.  Returns NULL, or why the line is bad.
 */
static const char *rec_decode(char *line, size_t len, char *op,
			      size_t *keylen)
{
	char *out = line + 2;
	size_t i;

	if (len == 0)
		return "empty line";
	if (line[0] != 'w' && line[0] != 'o' && line[0] != '-')
		return "unknown operation";
	if (len < 2 || line[1] != ' ')
		return "no space after the operation";
	for (i = 2; i < len; i++) {
		unsigned char c = line[i];
		int hi, lo;

		if (c == '\\') {
			if (i + 3 >= len || line[i + 1] != 'x')
				return "bad escape";
			hi = hexval(line[i + 2]);
			lo = hexval(line[i + 3]);
			if (hi < 0 || lo < 0)
				return "bad escape";
			*out++ = (char)(hi << 4 | lo);
			i += 3;
		} else if (must_escape(c)) {
			return "unescaped space or control byte";
		} else {
			*out++ = c;
		}
	}
	*op = line[0];
	*keylen = out - (line + 2);
	return path_invalid(line + 2, *keylen);
}

/* NULL when line (without its '\n') is our header, else why not. */
static const char *header_invalid(const char *line, size_t len)
{
	size_t name = strlen(WT_HEADER_NAME);

	if (len == strlen(WT_HEADER) && memcmp(line, WT_HEADER, len) == 0)
		return NULL;
	if (len > name && memcmp(line, WT_HEADER_NAME, name) == 0)
		return "unsupported version";
	return "not a libunion-whiteouts header";
}

/* ------------------------------------------------------------------ */
/* The maps.                                                           */

static struct wt_rec *mem_find(struct wt_mem *m, const char *key, size_t len)
{
	struct wt_rec *r;

	HASH_FIND(hh, m->recs, key, len, r);
	return r;
}

static struct wt_anc *anc_find(struct wt_mem *m, const char *key, size_t len)
{
	struct wt_anc *a;

	HASH_FIND(hh, m->anc, key, len, a);
	return a;
}

/* Drop a reference from each ancestor key[0..i), key[i] == '/', i < lim. */
static void anc_put(struct wt_mem *m, const char *key, size_t lim)
{
	size_t i;

	for (i = 0; i < lim; i++) {
		struct wt_anc *a;

		if (key[i] != '/')
			continue;
		a = anc_find(m, key, i);
		if (a && --a->refs == 0) {
			HASH_DEL(m->anc, a);
			free(a);
		}
	}
}

/* Take one reference on every proper ancestor of key ("" excepted). */
static int anc_get(struct wt_mem *m, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		struct wt_anc *a;

		if (key[i] != '/')
			continue;
		a = anc_find(m, key, i);
		if (a) {
			a->refs++;
			continue;
		}
		a = malloc(sizeof(*a) + i + 1);
		if (!a)
			goto out_undo;
		a->len = i;
		a->refs = 1;
		memcpy(a->key, key, i);
		a->key[i] = '\0';
		HASH_ADD_KEYPTR(hh, m->anc, a->key, a->len, a);
		if (!a->hh.tbl) {
			free(a);
			goto out_undo;
		}
	}
	return 0;

out_undo:
	anc_put(m, key, i);
	return -ENOMEM;
}

/* Replay one record. */
static int mem_apply(struct wt_mem *m, char op, const char *key, size_t len)
{
	struct wt_rec *r = mem_find(m, key, len);

	if (op == '-') {
		if (r) {
			HASH_DEL(m->recs, r);
			anc_put(m, key, len);
			free(r);
		}
		return 0;
	}
	if (r) {
		r->kind = op;
		return 0;
	}
	r = malloc(sizeof(*r) + len + 1);
	if (!r)
		return -ENOMEM;
	r->len = len;
	r->kind = op;
	memcpy(r->key, key, len);
	r->key[len] = '\0';
	HASH_ADD_KEYPTR(hh, m->recs, r->key, r->len, r);
	if (!r->hh.tbl) {
		free(r);
		return -ENOMEM;
	}
	if (anc_get(m, key, len) < 0) {
		HASH_DEL(m->recs, r);
		free(r);
		return -ENOMEM;
	}
	return 0;
}

static void mem_free(struct wt_mem *m)
{
	struct wt_rec *r, *rt;
	struct wt_anc *a, *at;

	HASH_ITER(hh, m->recs, r, rt) {
		HASH_DEL(m->recs, r);
		free(r);
	}
	HASH_ITER(hh, m->anc, a, at) {
		HASH_DEL(m->anc, a);
		free(a);
	}
}

/*
 * Replay the whole lines of buf (which starts at pos->off in the file)
 * into m, advancing pos.  Stops before an unfinished last line.  On a
 * bad line returns -EUCLEAN with *why set, pos at the line before it.
 * buf is decoded in place.
 */
static int wt_parse(struct wt_mem *m, char *buf, size_t len,
		    struct wt_pos *pos, const char **why)
{
	size_t p = 0;
	int ret;

	while (p < len) {
		char *line = buf + p;
		char *nl = memchr(line, '\n', len - p);
		size_t ll, keylen = 0;
		char op = 0;

		if (!nl)
			break;
		ll = nl - line;
		if (pos->lineno == 0) {
			*why = header_invalid(line, ll);
			if (*why)
				return -EUCLEAN;
		} else {
			*why = rec_decode(line, ll, &op, &keylen);
			if (*why)
				return -EUCLEAN;
			ret = mem_apply(m, op, line + 2, keylen);
			if (ret < 0)
				return ret;
			pos->nrec++;
		}
		pos->lineno++;
		pos->off += ll + 1;
		p += ll + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The files.                                                          */

/* Open path, creating it (O_EXCL, tolerating EEXIST) when create. */
static int open_reg(const char *path, int flags, bool create)
{
	int fd = -EEXIST;

	flags |= O_NOFOLLOW;
	if (create)
		fd = sys_open(path, flags | O_CREAT | O_EXCL, 0644);
	if (fd == -EEXIST)
		fd = sys_open(path, flags, 0);
	if (fd == -EISDIR || fd == -ELOOP) {
		wt_complain("%s: not a regular file", path);
		return -EUCLEAN;
	}
	if (fd < 0)
		return fd;
	return fd_move_high(fd);
}

/* statx fd and insist on a regular file. */
static int stat_reg(int fd, const char *path, struct statx *stx)
{
	int ret = sys_fstatx(fd, stx);

	if (ret < 0)
		return ret;
	if (!S_ISREG(stx->stx_mode)) {
		wt_complain("%s: not a regular file", path);
		return -EUCLEAN;
	}
	return 0;
}

/* Read [off, size) of fd into a new buffer; *got is the count read. */
static int read_range(int fd, off_t off, off_t size, char **buf, size_t *got)
{
	size_t len = size - off;
	ssize_t n;

	*buf = malloc(len ? len : 1);
	if (!*buf)
		return -ENOMEM;
	n = pread_all(fd, *buf, len, off);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return n;
	}
	*got = n;
	return 0;
}

/*
 * Load the table from scratch from a fresh descriptor (epoch: the epoch
 * loaded before opening).  On failure the old state stays.
 */
static int wt_reload(struct un_wtable *wt, bool create, uint64_t epoch)
{
	struct wt_mem m = { NULL, NULL }, old;
	struct wt_pos pos = { 0, 0, 0 };
	struct statx stx;
	const char *why = NULL;
	char *buf = NULL;
	size_t got = 0;
	int fd, ret;

	fd = open_reg(wt->table_path, O_RDWR | O_APPEND, create);
	if (fd < 0)
		return fd;
	ret = stat_reg(fd, wt->table_path, &stx);
	if (ret < 0)
		goto out_close;
	ret = read_range(fd, 0, stx.stx_size, &buf, &got);
	if (ret < 0)
		goto out_close;
	ret = wt_parse(&m, buf, got, &pos, &why);
	free(buf);
	if (ret < 0) {
		if (ret == -EUCLEAN && !wt->corrupt)
			wt_complain_line(wt, pos.lineno + 1, why);
		if (ret == -EUCLEAN)
			wt->corrupt = true;
		mem_free(&m);
		goto out_close;
	}

	pthread_rwlock_wrlock(&wt->rw);
	old = wt->mem;
	wt->mem = m;
	pthread_rwlock_unlock(&wt->rw);
	mem_free(&old);

	sys_close(wt->tfd);
	wt->tfd = fd;
	wt->tid = stx_id(&stx);
	wt->pos = pos;
	wt->fsize = got;
	wt->epoch = epoch;
	wt->corrupt = false;
	return 0;

out_close:
	sys_close(fd);
	return ret;
}

/* Replay what was appended since pos.off (or reload when we must). */
static int wt_catch_up(struct un_wtable *wt, bool create, uint64_t epoch)
{
	struct statx stx;
	const char *why = NULL;
	char *buf;
	size_t got = 0;
	int ret;

	ret = sys_fstatx(wt->tfd, &stx);
	if (ret == -EBADF || (!ret && !id_eq(stx_id(&stx), wt->tid))) {
		/* Closed, or the number reused, behind our back. */
		wt->tfd = -1;
		return wt_reload(wt, create, epoch);
	}
	if (ret < 0)
		return ret;
	if ((off_t)stx.stx_size < wt->pos.off)
		return wt_reload(wt, create, epoch);
	wt->fsize = stx.stx_size;
	if ((off_t)stx.stx_size == wt->pos.off)
		return 0;

	ret = read_range(wt->tfd, wt->pos.off, stx.stx_size, &buf, &got);
	if (ret < 0)
		return ret;
	wt->fsize = wt->pos.off + got;
	pthread_rwlock_wrlock(&wt->rw);
	ret = wt_parse(&wt->mem, buf, got, &wt->pos, &why);
	pthread_rwlock_unlock(&wt->rw);
	free(buf);
	if (ret == -EUCLEAN) {
		if (!wt->corrupt)
			wt_complain_line(wt, wt->pos.lineno + 1, why);
		wt->corrupt = true;
	} else if (ret < 0) {
		/* Out of memory half-way: start afresh next time. */
		wt->epoch = ~(uint64_t)0;
	}
	return ret;
}

/*
 * Under the lock: is the table at its path another file than ours, though
 * the epoch says it was not rewritten?  That is a compaction killed
 * between its rename and its epoch bump.
 */
static bool wt_replaced(struct un_wtable *wt)
{
	struct statx stx;

	if (sys_statx(wt->table_path, &stx) < 0)
		return true;
	return !id_eq(stx_id(&stx), wt->tid);
}

/*
 * Bring the maps up to date with the file.  locked: we hold the flock,
 * so we may also create the table, cut an unfinished tail and write
 * the header of an empty table.  Under io.
 */
static int wt_sync(struct un_wtable *wt, bool locked)
{
	uint64_t epoch = __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE);
	int ret;

	if (wt->tfd >= 0 && epoch == wt->epoch && locked && wt_replaced(wt)) {
		/* Announce the rewrite its author could not. */
		epoch = __atomic_add_fetch(&wt->gen->epoch, 1,
					   __ATOMIC_SEQ_CST);
	}
	if (wt->tfd < 0 || epoch != wt->epoch)
		ret = wt_reload(wt, locked, epoch);
	else
		ret = wt_catch_up(wt, locked, epoch);
	if (ret < 0 || !locked)
		return ret;

	if (wt->fsize > wt->pos.off) {
		/* Nobody else writes now: the tail is a killed append. */
		ret = sys_ftruncate(wt->tfd, wt->pos.off);
		if (ret < 0)
			return ret;
		wt->fsize = wt->pos.off;
	}
	if (wt->pos.off == 0) {
		ret = write_all(wt->tfd, WT_HEADER "\n", strlen(WT_HEADER) + 1);
		if (ret < 0)
			return ret;
		wt->pos.off = wt->fsize = strlen(WT_HEADER) + 1;
		wt->pos.lineno = 1;
	}
	return 0;
}

/*
 * Open (creating) and map the lock file; returns with the flock held.
 * A file shorter than a page is one whose creator was killed before it
 * finished: complete it, under the lock.
 */
static int wt_open_lock(struct un_wtable *wt)
{
	struct wt_gen head = { .generation = 0 };
	struct wt_gen *map;
	struct statx stx;
	struct wt_id id;
	char have[sizeof(head)];
	ssize_t n;
	int fd, ret;

	memcpy(head.magic, WT_MAGIC, sizeof(head.magic));
	fd = open_reg(wt->lock_path, O_RDWR, true);
	if (fd < 0)
		return fd;
	ret = stat_reg(fd, wt->lock_path, &stx);
	if (ret < 0)
		goto out_close;
	id = stx_id(&stx);
	ret = flock_retry(fd, LOCK_EX);
	if (ret < 0)
		goto out_close;
	ret = sys_fstatx(fd, &stx);
	if (ret < 0)
		goto out_unlock;

	if (stx.stx_size < WT_LOCK_SIZE) {
		n = pread_all(fd, have, sizeof(have), 0);
		if (n < 0) {
			ret = n;
			goto out_unlock;
		}
		if (memcmp(have, &head, n) != 0)
			goto out_corrupt;
		ret = -EIO;
		if (pwrite(fd, &head, sizeof(head), 0) == sizeof(head))
			ret = sys_ftruncate(fd, WT_LOCK_SIZE);
		if (ret < 0)
			goto out_unlock;
	}

	if (!wt->gen || !id_eq(id, wt->gid)) {
		map = mmap(NULL, WT_LOCK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			ret = -errno;
			goto out_unlock;
		}
		if (memcmp(map->magic, WT_MAGIC, 8) != 0) {
			munmap(map, WT_LOCK_SIZE);
			goto out_corrupt;
		}
		if (wt->gen)
			munmap(wt->gen, WT_LOCK_SIZE);
		wt->gen = map;
		wt->gid = id;
	}
	wt->lfd = fd;
	wt->lid = id;
	wt->pid = getpid();
	return 0;

out_corrupt:
	wt_complain("%s: not a libunion lock file", wt->lock_path);
	ret = -EUCLEAN;
out_unlock:
	flock(fd, LOCK_UN);
out_close:
	sys_close(fd);
	return ret;
}

/* Take the flock, reopening the lock file when it is not ours. */
static int wt_lock(struct un_wtable *wt)
{
	struct statx stx;
	int ret;

	if (wt->pid != getpid()) {
		/* A fork: the description, and so the flock, is shared. */
		sys_close(wt->lfd);
		wt->lfd = -1;
		return wt_open_lock(wt);
	}
	ret = flock_retry(wt->lfd, LOCK_EX);
	if (ret == -EBADF) {
		wt->lfd = -1;
		return wt_open_lock(wt);
	}
	if (ret < 0)
		return ret;
	ret = sys_fstatx(wt->lfd, &stx);
	if (ret == -EBADF || (!ret && !id_eq(stx_id(&stx), wt->lid))) {
		/* The number was closed and reused: not our file. */
		if (!ret)
			flock(wt->lfd, LOCK_UN);
		wt->lfd = -1;
		return wt_open_lock(wt);
	}
	return ret;
}

static void wt_unlock(struct un_wtable *wt)
{
	flock(wt->lfd, LOCK_UN);
}

/* Append whole records (under the lock); reopen once on EBADF. */
static int wt_append(struct un_wtable *wt, const char *buf, size_t len)
{
	int ret = write_all(wt->tfd, buf, len);

	if (ret == -EBADF) {
		wt->tfd = -1;
		ret = wt_sync(wt, true);
		if (ret == 0)
			ret = write_all(wt->tfd, buf, len);
	}
	return ret;
}

/*
 * Rewrite the table with only its live records when most of its lines
 * are dead.  Under the lock, with the maps current.  A failure leaves
 * the old file, which is still right.
 */
static int wt_compact(struct un_wtable *wt)
{
	unsigned long nlive = HASH_COUNT(wt->mem.recs);
	size_t cap = 65536, used = 0;
	struct statx stx;
	struct wt_rec *r, *rt;
	char *buf;
	int fd, ret;

	if (wt->pos.nrec <= WT_COMPACT_MIN || wt->pos.nrec <= 2 * nlive)
		return 0;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	fd = sys_open(wt->tmp_path,
		      O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ret = fd;
		goto out_free;
	}
	fd = fd_move_high(fd);

	used = strlen(WT_HEADER) + 1;
	memcpy(buf, WT_HEADER "\n", used);
	HASH_ITER(hh, wt->mem.recs, r, rt) {
		size_t need = rec_max(r->len);

		if (used + need > cap) {
			ret = write_all(fd, buf, used);
			if (ret < 0)
				goto out_unlink;
			used = 0;
		}
		if (need > cap) {
			char *nbuf = realloc(buf, need);

			if (!nbuf) {
				ret = -ENOMEM;
				goto out_unlink;
			}
			buf = nbuf;
			cap = need;
		}
		used += rec_encode(buf + used, r->kind, r->key, r->len);
	}
	ret = write_all(fd, buf, used);
	if (ret < 0)
		goto out_unlink;
	if (fsync(fd) < 0) {
		ret = -errno;
		goto out_unlink;
	}
	ret = sys_fstatx(fd, &stx);
	if (ret < 0)
		goto out_unlink;
	ret = sys_rename(wt->tmp_path, wt->table_path);
	if (ret < 0)
		goto out_unlink;

	wt->epoch = __atomic_add_fetch(&wt->gen->epoch, 1, __ATOMIC_SEQ_CST);
	sys_close(wt->tfd);
	wt->tfd = fd;
	wt->tid = stx_id(&stx);
	wt->pos.off = wt->fsize = stx.stx_size;
	wt->pos.lineno = 1 + nlive;
	wt->pos.nrec = nlive;
	free(buf);
	return 0;

out_unlink:
	sys_unlink(wt->tmp_path);
	sys_close(fd);
out_free:
	free(buf);
	return ret;
}

/*
 * After an append of n records, len bytes in all: account for them,
 * compact if due, and announce them.  stale: the maps could not follow
 * (out of memory), so do not compact from them, and reload next time.
 */
static void wt_appended(struct un_wtable *wt, size_t len, unsigned long n,
			bool stale)
{
	uint64_t g;

	wt->pos.off += len;
	wt->fsize = wt->pos.off;
	wt->pos.lineno += n;
	wt->pos.nrec += n;
	if (stale)
		wt->epoch = ~(uint64_t)0;
	else
		wt_compact(wt);
	g = __atomic_add_fetch(&wt->gen->generation, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&wt->seen_gen, stale ? 0 : g, __ATOMIC_RELEASE);
}

/* Catch up when another handle has changed the table (readers). */
static void wt_refresh(struct un_wtable *wt)
{
	uint64_t g;
	int saved = errno;
	int ret;

	if (__atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&wt->seen_gen, __ATOMIC_ACQUIRE))
		return;

	int cancel;

	/* No cancellation point may leave the lock held (pread is one). */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_mutex_lock(&wt->io);
	g = __atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE);
	if (g != wt->seen_gen) {
		ret = wt_sync(wt, false);
		/* A corrupt table is reported once, not retried per lookup. */
		if (ret == 0 || ret == -EUCLEAN)
			__atomic_store_n(&wt->seen_gen, g, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&wt->io);
	pthread_setcancelstate(cancel, NULL);
	errno = saved;
}

/* ------------------------------------------------------------------ */
/* The API.                                                            */

static char *path_cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	if (la + lb >= PATH_MAX)
		return NULL;
	p = malloc(la + lb + 1);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

int un_wtable_open(const char *upper, struct un_wtable **out)
{
	struct un_wtable *wt;
	char *meta = NULL, *work = NULL;
	int saved = errno;
	int ret;

	wt = calloc(1, sizeof(*wt));
	if (!wt)
		return -ENOMEM;
	wt->tfd = wt->lfd = -1;
	pthread_mutex_init(&wt->io, NULL);
	pthread_rwlock_init(&wt->rw, NULL);

	ret = -ENAMETOOLONG;
	meta = path_cat(upper, WT_META);
	work = path_cat(upper, WT_WORK);
	wt->table_path = path_cat(upper, WT_TABLE);
	wt->tmp_path = path_cat(upper, WT_TMP);
	wt->lock_path = path_cat(upper, WT_LOCK);
	if (!meta || !work || !wt->table_path || !wt->tmp_path ||
	    !wt->lock_path)
		goto out_fail;

	ret = sys_mkdir(meta, 0755);
	if (ret < 0 && ret != -EEXIST)
		goto out_fail;
	ret = sys_mkdir(work, 0755);
	if (ret < 0 && ret != -EEXIST)
		goto out_fail;

	ret = wt_open_lock(wt);
	if (ret < 0)
		goto out_fail;
	ret = wt_sync(wt, true);
	wt->seen_gen = __atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE);
	wt_unlock(wt);
	if (ret < 0)
		goto out_fail;

	free(meta);
	free(work);
	*out = wt;
	errno = saved;
	return 0;

out_fail:
	free(meta);
	free(work);
	un_wtable_release(wt);
	errno = saved;
	return ret;
}

void un_wtable_release(struct un_wtable *wt)
{
	if (!wt)
		return;
	if (wt->gen)
		munmap(wt->gen, WT_LOCK_SIZE);
	sys_close(wt->lfd);
	sys_close(wt->tfd);
	mem_free(&wt->mem);
	pthread_rwlock_destroy(&wt->rw);
	pthread_mutex_destroy(&wt->io);
	free(wt->table_path);
	free(wt->tmp_path);
	free(wt->lock_path);
	free(wt);
}

enum un_wkind un_wtable_get(struct un_wtable *wt, const char *rel,
			    size_t rel_len)
{
	enum un_wkind kind = UN_W_NONE;
	struct wt_rec *r;

	if (!wt)
		return UN_W_NONE;
	wt_refresh(wt);
	pthread_rwlock_rdlock(&wt->rw);
	r = mem_find(&wt->mem, rel, rel_len);
	if (r)
		kind = (enum un_wkind)r->kind;
	pthread_rwlock_unlock(&wt->rw);
	return kind;
}

bool un_wtable_has_below(struct un_wtable *wt, const char *rel,
			 size_t rel_len)
{
	bool below;

	if (!wt)
		return false;
	wt_refresh(wt);
	pthread_rwlock_rdlock(&wt->rw);
	if (rel_len == 0)
		below = wt->mem.recs != NULL;
	else
		below = anc_find(&wt->mem, rel, rel_len) != NULL;
	pthread_rwlock_unlock(&wt->rw);
	return below;
}

static int wtable_set(struct un_wtable *wt, const char *rel,
		      enum un_wkind kind)
{
	size_t len = strlen(rel), n;
	char op, *line;
	struct wt_rec *r;
	int saved = errno;
	int ret;

	if (kind != UN_W_NONE && kind != UN_W_WHITEOUT && kind != UN_W_OPAQUE)
		return -EINVAL;
	if (path_invalid(rel, len))
		return -EINVAL;
	if (!wt)
		return -EROFS;
	op = kind == UN_W_NONE ? '-' : (char)kind;
	line = malloc(rec_max(len));
	if (!line)
		return -ENOMEM;
	n = rec_encode(line, op, rel, len);

	pthread_mutex_lock(&wt->io);
	ret = wt_lock(wt);
	if (ret < 0)
		goto out_unlock_io;
	ret = wt_sync(wt, true);
	if (ret < 0)
		goto out_unlock;
	r = mem_find(&wt->mem, rel, len);
	if ((r ? r->kind : '-') == op)
		goto out_unlock;	/* already so: nothing to write */

	ret = wt_append(wt, line, n);
	if (ret < 0)
		goto out_unlock;
	pthread_rwlock_wrlock(&wt->rw);
	ret = mem_apply(&wt->mem, op, rel, len);
	pthread_rwlock_unlock(&wt->rw);
	wt_appended(wt, n, 1, ret < 0);
	ret = 0;

out_unlock:
	wt_unlock(wt);
out_unlock_io:
	pthread_mutex_unlock(&wt->io);
	free(line);
	errno = saved;
	return ret;
}

static int wtable_clear_below(struct un_wtable *wt, const char *rel)
{
	size_t len = strlen(rel), cap = 0, used = 0;
	struct wt_rec *r, *rt;
	unsigned long n = 0;
	char *buf = NULL;
	int saved = errno;
	int ret;

	if (len > 0 && path_invalid(rel, len))
		return -EINVAL;
	if (!wt)
		return -EROFS;

	pthread_mutex_lock(&wt->io);
	ret = wt_lock(wt);
	if (ret < 0)
		goto out_unlock_io;
	ret = wt_sync(wt, true);
	if (ret < 0)
		goto out_unlock;
	if (len > 0 && !anc_find(&wt->mem, rel, len))
		goto out_unlock;	/* nothing below */

	HASH_ITER(hh, wt->mem.recs, r, rt) {
		size_t need = rec_max(r->len);

		if (r->len <= len || (len > 0 && (r->key[len] != '/' ||
						  memcmp(r->key, rel, len))))
			continue;
		if (used + need > cap) {
			size_t ncap = 2 * (used + need);
			char *nbuf = realloc(buf, ncap);

			if (!nbuf) {
				ret = -ENOMEM;
				goto out_unlock;
			}
			buf = nbuf;
			cap = ncap;
		}
		used += rec_encode(buf + used, '-', r->key, r->len);
		n++;
	}
	if (n == 0)
		goto out_unlock;

	/* One write for all: the lines are whole even if we die midway. */
	ret = wt_append(wt, buf, used);
	if (ret < 0)
		goto out_unlock;
	pthread_rwlock_wrlock(&wt->rw);
	HASH_ITER(hh, wt->mem.recs, r, rt) {
		if (r->len <= len || (len > 0 && (r->key[len] != '/' ||
						  memcmp(r->key, rel, len))))
			continue;
		HASH_DEL(wt->mem.recs, r);
		anc_put(&wt->mem, r->key, r->len);
		free(r);
	}
	pthread_rwlock_unlock(&wt->rw);
	wt_appended(wt, used, n, false);

out_unlock:
	wt_unlock(wt);
out_unlock_io:
	pthread_mutex_unlock(&wt->io);
	free(buf);
	errno = saved;
	return ret;
}

/*
 * fork: a child must not inherit a lock another thread held.  The
 * prepare handler takes both locks (in the order set() takes them), so
 * the tables are consistent at the fork; the parent releases them and
 * the child starts with fresh ones.
 */
void un_wtable_fork_prepare(struct un_wtable *wt)
{
	pthread_mutex_lock(&wt->io);
	pthread_rwlock_wrlock(&wt->rw);
}

void un_wtable_fork_parent(struct un_wtable *wt)
{
	pthread_rwlock_unlock(&wt->rw);
	pthread_mutex_unlock(&wt->io);
}

void un_wtable_fork_child(struct un_wtable *wt)
{
	pthread_mutex_init(&wt->io, NULL);
	pthread_rwlock_init(&wt->rw, NULL);
}

/*
 * A stamp of everything that can change which layers make up a merged
 * directory: the table's epoch, and the count of directory changes,
 * which dir.c also raises after every record that can hide, reveal or
 * make opaque a directory.  Not the generation: the whiteout of a file
 * (every unlink of rm -rf) changes no directory.  No system call.
 */
uint64_t un_wtable_stamp(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	return __atomic_load_n(&wt->gen->epoch, __ATOMIC_ACQUIRE) *
		       0x9e3779b97f4a7c15ULL +
	       __atomic_load_n(&wt->gen->dirs, __ATOMIC_ACQUIRE);
}

/* Tell every process of the union that a directory of the upper changed. */
void un_wtable_bump_dirs(struct un_wtable *wt)
{
	if (wt && wt->gen)
		__atomic_add_fetch(&wt->gen->dirs, 1, __ATOMIC_SEQ_CST);
}

/* The count of names made in the upper, and its bump (dcache.c). */
uint64_t un_wtable_names(struct un_wtable *wt)
{
	if (!wt || !wt->gen)
		return 0;
	return __atomic_load_n(&wt->gen->names, __ATOMIC_ACQUIRE);
}

void un_wtable_bump_names(struct un_wtable *wt)
{
	if (wt && wt->gen)
		__atomic_add_fetch(&wt->gen->names, 1, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------------ */
/* The table's descriptors against the program's close and dup2        */
/* (wrap_fd.c): a program that closes every descriptor, or dup2s onto  */
/* the numbers we hold, must neither lose us our files nor have us use */
/* its own (we would flock, and unlock, the program's file).           */

/* Under io: is fd the table's or the lock file's descriptor, by number
   and by identity?  1 the table, 2 the lock file, 0 neither. */
static int wt_fd_which(struct un_wtable *wt, int fd)
{
	struct statx stx;

	if (fd < 0 || (fd != wt->tfd && fd != wt->lfd))
		return 0;
	if (sys_fstatx(fd, &stx) < 0)
		return 0;
	if (fd == wt->tfd && id_eq(stx_id(&stx), wt->tid))
		return 1;
	if (fd == wt->lfd && id_eq(stx_id(&stx), wt->lid))
		return 2;
	return 0;
}

/* Cheap, without a lock: could fd be one of wt's?  (A racy hint.) */
static bool wt_fd_maybe(struct un_wtable *wt, int fd)
{
	return wt && (__atomic_load_n(&wt->tfd, __ATOMIC_RELAXED) == fd ||
		      __atomic_load_n(&wt->lfd, __ATOMIC_RELAXED) == fd);
}

bool un_wtable_owns_fd(int fd)
{
	for (int i = 0; i < un_config.nmount; i++) {
		struct un_wtable *wt = un_config.mount[i].wt;
		int which;

		if (!wt_fd_maybe(wt, fd))
			continue;
		pthread_mutex_lock(&wt->io);
		which = wt_fd_which(wt, fd);
		pthread_mutex_unlock(&wt->io);
		if (which)
			return true;
	}
	return false;
}

int un_wtable_fds(int *fds, int max)
{
	int n = 0;

	for (int i = 0; i < un_config.nmount; i++) {
		struct un_wtable *wt = un_config.mount[i].wt;

		if (!wt)
			continue;
		pthread_mutex_lock(&wt->io);
		if (n < max && wt_fd_which(wt, wt->tfd) == 1)
			fds[n++] = wt->tfd;
		if (n < max && wt_fd_which(wt, wt->lfd) == 2)
			fds[n++] = wt->lfd;
		pthread_mutex_unlock(&wt->io);
	}
	return n;
}

/*
 * The program is about to take the number fd (dup2 onto it): if it is
 * ours, move our file to another number first.  The open file
 * description moves with it, and so does a flock on it.  Where no number
 * is free we let it go: the next use reopens it.
 */
void un_wtable_vacate_fd(int fd)
{
	for (int i = 0; i < un_config.nmount; i++) {
		struct un_wtable *wt = un_config.mount[i].wt;
		long nfd;
		int which;

		if (!wt_fd_maybe(wt, fd))
			continue;
		pthread_mutex_lock(&wt->io);
		which = wt_fd_which(wt, fd);
		if (which) {
			nfd = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, WT_FD_MIN);
			if (nfd < 0 || nfd == fd)
				nfd = -1;
			sys_close(fd);
			if (which == 1)
				__atomic_store_n(&wt->tfd, (int)nfd,
						 __ATOMIC_RELAXED);
			else
				__atomic_store_n(&wt->lfd, (int)nfd,
						 __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&wt->io);
	}
}

/*
 * The writers hold the table's mutex and its flock across write() and
 * pread(), both cancellation points: a thread cancelled there would leave
 * every other thread and process of the union waiting.  Cancellation
 * waits until the record is written.
 */
int un_wtable_set(struct un_wtable *wt, const char *rel, enum un_wkind kind)
{
	int cancel, rc;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	rc = wtable_set(wt, rel, kind);
	pthread_setcancelstate(cancel, NULL);
	return rc;
}

int un_wtable_clear_below(struct un_wtable *wt, const char *rel)
{
	int cancel, rc;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	rc = wtable_clear_below(wt, rel);
	pthread_setcancelstate(cancel, NULL);
	return rc;
}
