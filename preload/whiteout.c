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
 * In memory the table is one open-addressing hash map from path to kind:
 * a slot is a pointer, a record its hash, length, kind and path in one
 * small allocation (about 50 bytes a record with the slots, so that a
 * 10k-record table costs under half a MiB).  Nothing is kept per
 * ancestor directory: only clear_below and the unit tests ask what lies
 * below a path, and they walk the map.  The map is built at the first lookup, not at open
 * (see un_wtable_open).  A lookup
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
 * Signal handlers (signal mode, see internal.h) take neither lock and
 * never malloc.  A lookup uses the maps when they are current and a
 * try-lock of `rw` succeeds (it fails while a writer, perhaps the very
 * thread the handler interrupted, replays into them); otherwise it reads
 * the answer from the file itself, mapped, by a scan (wt_scan_*).  A
 * change takes the flock on a descriptor of its own (a new open file
 * description, so it excludes this process's other threads too), repairs
 * an unfinished tail, appends and raises the generation; the maps catch
 * up at the next ordinary lookup.  Ordinary writers block signals while
 * they hold the flock, so a handler never waits for its own thread.
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
#include <signal.h>
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
	uint32_t hash;
	uint32_t len;
	char kind;
	char key[];
};

/* The map: cap slots (a power of two, or 0), each NULL (never used),
   WT_TOMB (a removed record) or a record. */
struct wt_mem {
	struct wt_rec **slot;
	size_t cap;
	size_t count;		/* records */
	size_t used;		/* records and tombstones */
};

#define WT_TOMB ((struct wt_rec *)1)

/* Every record r of m, by slot index i (removing r meanwhile is safe). */
#define MEM_FOREACH(m, i, r)						\
	for ((i) = 0; (i) < (m)->cap; (i)++)				\
		if (((r) = (m)->slot[i]) == NULL || (r) == WT_TOMB)	\
			continue;					\
		else

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

#define WT_TAIL 64

struct un_wtable {
	size_t map_len;		/* the handle and its paths are one mapping
				   of this size; 0: in the caller's memory */
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
	/* The last bytes of the file before pos.off, as read or written:
	   catch-up checks they are still there (see wt_catch_up). */
	char tail[WT_TAIL];
	size_t tail_len;
	bool check_only;	/* the first load: check the file, build no
				   maps (see un_wtable_open) */

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

/* FNV-1a. */
static uint32_t key_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h;
}

/* The slot holding key, or else the slot where it would go. */
static size_t mem_slot(const struct wt_mem *m, const char *key, size_t len,
		       uint32_t h)
{
	size_t mask = m->cap - 1, i = h & mask, tomb = m->cap;

	for (;; i = (i + 1) & mask) {
		struct wt_rec *r = m->slot[i];

		if (!r)
			return tomb < m->cap ? tomb : i;
		if (r == WT_TOMB) {
			if (tomb == m->cap)
				tomb = i;
		} else if (r->hash == h && r->len == len &&
			   !memcmp(r->key, key, len)) {
			return i;
		}
	}
}

static struct wt_rec *mem_find(struct wt_mem *m, const char *key, size_t len)
{
	struct wt_rec *r;

	if (!m->cap)
		return NULL;
	r = m->slot[mem_slot(m, key, len, key_hash(key, len))];
	return r == WT_TOMB ? NULL : r;
}

/* Rehash m into cap slots (a power of two, more than its records). */
static int mem_resize(struct wt_mem *m, size_t cap)
{
	struct wt_rec **slot, *r;
	size_t i;

	slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		size_t j;

		r = m->slot[i];
		if (!r || r == WT_TOMB)
			continue;
		for (j = r->hash & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = r;
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	m->used = m->count;
	return 0;
}

/*
 * Room for one more: at most 3/4 of the slots used (tombstones count),
 * else rehash into a map at most half full.
 */
static int mem_grow(struct wt_mem *m)
{
	size_t cap = 16;

	if (4 * (m->used + 1) <= 3 * m->cap)
		return 0;
	while (2 * (m->count + 1) > cap)
		cap *= 2;
	return mem_resize(m, cap);
}

/*
 * Before a load of about n records: size the map once (at most 3/4
 * full), rather than through every doubling, whose freed arrays would
 * stay in the heap.  A failure is left to mem_grow.
 */
static void mem_reserve(struct wt_mem *m, size_t n)
{
	size_t cap = 16;

	while (4 * n > 3 * cap)
		cap *= 2;
	if (cap > m->cap)
		mem_resize(m, cap);
}

/* Take r (found in m) out of the map and free it. */
static void mem_del(struct wt_mem *m, struct wt_rec *r)
{
	size_t i = mem_slot(m, r->key, r->len, r->hash);

	m->slot[i] = WT_TOMB;
	m->count--;
	free(r);
}

/* Replay one record. */
static int mem_apply(struct wt_mem *m, char op, const char *key, size_t len)
{
	struct wt_rec *r = mem_find(m, key, len);
	uint32_t h;
	size_t i;

	if (op == '-') {
		if (r)
			mem_del(m, r);
		return 0;
	}
	if (r) {
		r->kind = op;
		return 0;
	}
	if (len > UINT32_MAX || mem_grow(m) < 0)
		return -ENOMEM;
	r = malloc(sizeof(*r) + len + 1);
	if (!r)
		return -ENOMEM;
	h = key_hash(key, len);
	r->hash = h;
	r->len = len;
	r->kind = op;
	memcpy(r->key, key, len);
	r->key[len] = '\0';
	i = mem_slot(m, key, len, h);
	if (!m->slot[i])
		m->used++;
	m->slot[i] = r;
	m->count++;
	return 0;
}

/* Is key strictly below rel (rel/...; anything for rel "")? */
static bool key_below(const char *key, size_t len, const char *rel,
		      size_t rel_len)
{
	return len > rel_len && (rel_len == 0 || (key[rel_len] == '/' &&
						   !memcmp(key, rel, rel_len)));
}

/* Is any record strictly below rel?  A walk of the map. */
static bool mem_any_below(struct wt_mem *m, const char *rel, size_t rel_len)
{
	struct wt_rec *r;
	size_t i;

	MEM_FOREACH(m, i, r)
		if (key_below(r->key, r->len, rel, rel_len))
			return true;
	return false;
}

static void mem_free(struct wt_mem *m)
{
	struct wt_rec *r;
	size_t i;

	MEM_FOREACH(m, i, r)
		free(r);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/*
 * Replay the whole lines of buf (which starts at pos->off in the file)
 * into m (NULL: only check them), advancing pos.  Stops before an
 * unfinished last line.  On a
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
			ret = m ? mem_apply(m, op, line + 2, keylen) : 0;
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

/* Root made the file fd at path: give it to the owner of its directory
   (UPPER/.union, which wt_make_meta gave to the upper's owner). */
static void wt_fix_owner(int fd, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct statx stx;

	if (geteuid() != 0 || !slash || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	if (syscall(SYS_statx, AT_FDCWD, dir, 0, STATX_UID | STATX_GID,
		    &stx) == 0)
		syscall(SYS_fchown, fd, stx.stx_uid, stx.stx_gid);
}

/*
 * Open path, creating it (O_EXCL, tolerating EEXIST) when create.  The
 * file nearly always exists: try that first, one system call.
 */
static int open_reg(const char *path, int flags, bool create)
{
	int fd;

	flags |= O_NOFOLLOW;
	fd = sys_open(path, flags, 0);
	if (fd == -ENOENT && create) {
		fd = sys_open(path, flags | O_CREAT | O_EXCL, 0644);
		if (fd >= 0)
			wt_fix_owner(fd, path);
		if (fd == -EEXIST)
			fd = sys_open(path, flags, 0);
	}
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

/* n more bytes of the file were read or written at the end of what we
   know: keep its last WT_TAIL bytes. */
static void tail_feed(struct un_wtable *wt, const char *bytes, size_t n)
{
	if (n >= WT_TAIL) {
		memcpy(wt->tail, bytes + n - WT_TAIL, WT_TAIL);
		wt->tail_len = WT_TAIL;
		return;
	}
	if (wt->tail_len + n > WT_TAIL) {
		size_t drop = wt->tail_len + n - WT_TAIL;

		memmove(wt->tail, wt->tail + drop, wt->tail_len - drop);
		wt->tail_len -= drop;
	}
	memcpy(wt->tail + wt->tail_len, bytes, n);
	wt->tail_len += n;
}

/*
 * wt_parse decodes the lines of its buffer in place: before it does, keep
 * the last WT_TAIL bytes of the buffer's whole lines (what a successful
 * parse consumes), to feed the tail with afterwards.
 */
struct tail_copy {
	char bytes[WT_TAIL];
	size_t len;
	size_t end;		/* the end of the buffer's last whole line */
};

static void tail_save(struct tail_copy *t, const char *buf, size_t len)
{
	const char *nl = len ? memrchr(buf, '\n', len) : NULL;

	t->end = nl ? (size_t)(nl - buf) + 1 : 0;
	t->len = t->end < WT_TAIL ? t->end : WT_TAIL;
	memcpy(t->bytes, buf + t->end - t->len, t->len);
}

/* After the parse consumed `consumed` bytes of that buffer. */
static void tail_parsed(struct un_wtable *wt, const struct tail_copy *t,
			size_t consumed)
{
	if (consumed == t->end)
		tail_feed(wt, t->bytes, t->len);
	else
		wt->tail_len = 0;	/* a corrupt line: refused anyway */
}

/*
 * Are the bytes before our read position still those we read?  Writers
 * only append (and cut a killed append beyond every complete record); a
 * rewrite comes as a new file under a new epoch.  A file cut short or
 * changed in place under a running process (by hand, or by a tool that
 * ignored the lock) would otherwise go unseen when its size comes out
 * the same, and the records it lost would silently stay in our maps.
 */
static bool tail_intact(struct un_wtable *wt, off_t size)
{
	char now[WT_TAIL];

	if (size < wt->pos.off)
		return false;
	if (wt->tail_len == 0)
		return true;
	return pread_all(wt->tfd, now, wt->tail_len,
			 wt->pos.off - (off_t)wt->tail_len) ==
		       (ssize_t)wt->tail_len &&
	       !memcmp(now, wt->tail, wt->tail_len);
}

/*
 * The same into an anonymous mapping (*maplen bytes, to munmap): the
 * first load, which may run where malloc must not be called.
 */
static int read_range_map(int fd, off_t size, char **buf, size_t *maplen,
			  size_t *got)
{
	size_t len = size ? size : 1;
	ssize_t n;
	void *map;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	n = pread_all(fd, map, size, 0);
	if (n < 0) {
		munmap(map, len);
		return n;
	}
	*buf = map;
	*maplen = len;
	*got = n;
	return 0;
}

/*
 * Load the table from scratch from a fresh descriptor (epoch: the epoch
 * loaded before opening).  On failure the old state stays.
 */
static int wt_reload(struct un_wtable *wt, bool create, uint64_t epoch)
{
	struct wt_mem m = { .slot = NULL }, old;
	struct wt_pos pos = { 0, 0, 0 };
	struct statx stx;
	const char *why = NULL;
	char *buf = NULL;
	size_t got = 0, maplen = 0;
	int fd, ret;

	fd = open_reg(wt->table_path, O_RDWR | O_APPEND, create);
	if (fd < 0)
		return fd;
	ret = stat_reg(fd, wt->table_path, &stx);
	if (ret < 0)
		goto out_close;
	if (wt->check_only)
		ret = read_range_map(fd, stx.stx_size, &buf, &maplen, &got);
	else
		ret = read_range(fd, 0, stx.stx_size, &buf, &got);
	if (ret < 0)
		goto out_close;
	struct tail_copy saved;

	if (!wt->check_only) {
		size_t lines = 0;

		for (char *p = buf; (p = memchr(p, '\n', buf + got - p)); p++)
			lines++;
		mem_reserve(&m, lines);
	}
	tail_save(&saved, buf, got);
	ret = wt_parse(wt->check_only ? NULL : &m, buf, got, &pos, &why);
	if (wt->check_only)
		munmap(buf, maplen);
	else
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
	wt->tail_len = 0;
	tail_parsed(wt, &saved, pos.off);
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
	if (!tail_intact(wt, (off_t)stx.stx_size)) {
		if (!wt->corrupt)
			wt_complain("%s: cut short or changed in place under a "
				    "running process (records it held may be "
				    "lost); refusing changes until it is "
				    "repaired", wt->table_path);
		wt->corrupt = true;
		return -EUCLEAN;
	}
	wt->fsize = stx.stx_size;
	if ((off_t)stx.stx_size == wt->pos.off)
		return 0;

	off_t from = wt->pos.off;
	struct tail_copy saved;

	ret = read_range(wt->tfd, wt->pos.off, stx.stx_size, &buf, &got);
	if (ret < 0)
		return ret;
	wt->fsize = wt->pos.off + got;
	tail_save(&saved, buf, got);
	pthread_rwlock_wrlock(&wt->rw);
	ret = wt_parse(&wt->mem, buf, got, &wt->pos, &why);
	pthread_rwlock_unlock(&wt->rw);
	tail_parsed(wt, &saved, wt->pos.off - from);
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
		wt->tail_len = 0;
		tail_feed(wt, WT_HEADER "\n", strlen(WT_HEADER) + 1);
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
	unsigned long nlive = wt->mem.count;
	size_t cap = 65536, used = 0;
	struct statx stx;
	struct wt_rec *r;
	size_t i;
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
	MEM_FOREACH(&wt->mem, i, r) {
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
	wt->tail_len = 0;	/* buf holds the file's last `used` bytes */
	tail_feed(wt, buf, used);
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
static void wt_appended(struct un_wtable *wt, const char *bytes, size_t len,
			unsigned long n, bool stale)
{
	uint64_t g;

	tail_feed(wt, bytes, len);
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
/* Signal mode: no lock of this process, no malloc (see the top).      */

/* Decode the escaped path enc (enclen bytes) into out (cap bytes), without
   touching enc; its length, or -1 when it is bad or does not fit. */
static long key_decode(const char *enc, size_t enclen, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < enclen; i++) {
		int c = (unsigned char)enc[i];

		if (c == '\\') {
			int hi, lo;

			if (i + 3 >= enclen || enc[i + 1] != 'x')
				return -1;
			hi = hexval(enc[i + 2]);
			lo = hexval(enc[i + 3]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 3;
		} else if (must_escape((unsigned char)c)) {
			return -1;
		}
		if (n >= cap)
			return -1;
		out[n++] = (char)c;
	}
	return (long)n;
}

/* The table file, mapped read-only for a scan. */
struct wt_view {
	const char *p;
	size_t len;
};

/* Map fd's file (the whole lines only matter to the scans). */
static int view_map(int fd, struct wt_view *v)
{
	struct statx stx;
	void *p;
	int ret = sys_fstatx(fd, &stx);

	if (ret < 0)
		return ret;
	v->p = NULL;
	v->len = stx.stx_size;
	if (v->len == 0)
		return 0;
	p = mmap(NULL, v->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	v->p = p;
	return 0;
}

static void view_unmap(struct wt_view *v)
{
	if (v->p)
		munmap((void *)v->p, v->len);
}

/* The next whole record line at *off (past the header): its op and the
   escaped path (enc, enclen).  false at the end, or at a line that
   breaks the grammar (what follows it is not trusted either). */
static bool view_next(const struct wt_view *v, size_t *off, char *op,
		      const char **enc, size_t *enclen)
{
	const char *line, *nl;

	if (*off == 0) {
		nl = v->p ? memchr(v->p, '\n', v->len) : NULL;
		if (!nl || header_invalid(v->p, nl - v->p))
			return false;
		*off = nl - v->p + 1;
	}
	if (*off >= v->len)
		return false;
	line = v->p + *off;
	nl = memchr(line, '\n', v->len - *off);
	if (!nl || nl - line < 3 || line[1] != ' ' ||
	    (line[0] != 'w' && line[0] != 'o' && line[0] != '-'))
		return false;
	*op = line[0];
	*enc = line + 2;
	*enclen = nl - line - 2;
	*off = nl - v->p + 1;
	return true;
}

/* Is the escaped path enc the path key (len bytes)? */
static bool enc_is(const char *enc, size_t enclen, const char *key,
		   size_t len, char *tmp)
{
	long n;

	if (!memchr(enc, '\\', enclen))
		return enclen == len && memcmp(enc, key, len) == 0;
	n = key_decode(enc, enclen, tmp, PATH_MAX);
	return n == (long)len && memcmp(tmp, key, len) == 0;
}

/* What the mapped table says of key: the last record of it wins. */
static char view_kind(const struct wt_view *v, const char *key, size_t len)
{
	char tmp[PATH_MAX], op, kind = '-';
	const char *enc;
	size_t enclen, off = 0;

	while (view_next(v, &off, &op, &enc, &enclen))
		if (enc_is(enc, enclen, key, len, tmp))
			kind = op;
	return kind;
}

/*
 * Call fn for each path strictly below rel ("" : every path) whose last
 * record is live; stops when fn returns true.  Quadratic in the records
 * below rel, which is fine for a path taken only by signal handlers.
 */
static bool view_each_below(const struct wt_view *v, const char *rel,
			    size_t rel_len,
			    bool (*fn)(const char *key, size_t len, void *arg),
			    void *arg)
{
	char key[PATH_MAX], tmp[PATH_MAX], op, op2;
	const char *enc, *enc2;
	size_t enclen, enclen2, off = 0;

	while (view_next(v, &off, &op, &enc, &enclen)) {
		size_t later = off;
		bool live = true;
		long n;

		if (op == '-')
			continue;
		n = key_decode(enc, enclen, key, sizeof(key));
		if (n <= (long)rel_len || (rel_len > 0 &&
		    (key[rel_len] != '/' || memcmp(key, rel, rel_len))))
			continue;
		while (live && view_next(v, &later, &op2, &enc2, &enclen2))
			if (enc_is(enc2, enclen2, key, n, tmp))
				live = false;
		if (live && fn(key, n, arg))
			return true;
	}
	return false;
}

static bool found_one(const char *key, size_t len, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	return true;
}

/* Map the table at its path (a fresh descriptor: ours may be mid-use). */
static int wt_sig_view(struct un_wtable *wt, struct wt_view *v)
{
	int fd = sys_open(wt->table_path, O_RDONLY | O_NOFOLLOW, 0);
	int ret;

	if (fd < 0)
		return fd;
	ret = view_map(fd, v);
	sys_close(fd);
	return ret;
}

/* May the maps answer a handler?  Then they are read-locked. */
static bool wt_sig_maps(struct un_wtable *wt)
{
	if (!wt->gen || __atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&wt->seen_gen, __ATOMIC_ACQUIRE))
		return false;
	return pthread_rwlock_tryrdlock(&wt->rw) == 0;
}

static enum un_wkind wt_sig_get(struct un_wtable *wt, const char *rel,
				size_t rel_len)
{
	enum un_wkind kind = UN_W_NONE;
	struct wt_view v;
	int saved = errno;

	if (wt_sig_maps(wt)) {
		struct wt_rec *r = mem_find(&wt->mem, rel, rel_len);

		if (r)
			kind = (enum un_wkind)r->kind;
		pthread_rwlock_unlock(&wt->rw);
		return kind;
	}
	if (wt_sig_view(wt, &v) == 0) {
		char op = view_kind(&v, rel, rel_len);

		if (op != '-')
			kind = (enum un_wkind)op;
		view_unmap(&v);
	}
	errno = saved;
	return kind;
}

static bool wt_sig_has_below(struct un_wtable *wt, const char *rel,
			     size_t rel_len)
{
	struct wt_view v;
	bool below = false;
	int saved = errno;

	if (wt_sig_maps(wt)) {
		below = mem_any_below(&wt->mem, rel, rel_len);
		pthread_rwlock_unlock(&wt->rw);
		return below;
	}
	if (wt_sig_view(wt, &v) == 0) {
		below = view_each_below(&v, rel, rel_len, found_one, NULL);
		view_unmap(&v);
	}
	errno = saved;
	return below;
}

/* A handler's writer: the flock on a descriptor of its own, and the table
   opened afresh, repaired and ready for appends (a header written). */
struct wt_sig_writer {
	int lfd, tfd;
};

static int wt_sig_begin(struct un_wtable *wt, struct wt_sig_writer *w)
{
	struct statx stx;
	char tail[256];
	off_t size, end;
	int ret;

	w->tfd = -1;
	w->lfd = sys_open(wt->lock_path, O_RDWR | O_NOFOLLOW, 0);
	if (w->lfd < 0)
		return w->lfd;
	ret = flock_retry(w->lfd, LOCK_EX);
	if (ret < 0)
		goto out_close;
	w->tfd = open_reg(wt->table_path, O_RDWR | O_APPEND, true);
	if (w->tfd < 0) {
		ret = w->tfd;
		goto out_close;
	}
	ret = stat_reg(w->tfd, wt->table_path, &stx);
	if (ret < 0)
		goto out_close;
	/* A killed append left a line without its '\n': cut it. */
	size = end = stx.stx_size;
	while (end > 0) {
		size_t chunk = end < (off_t)sizeof(tail) ? (size_t)end :
							    sizeof(tail);
		ssize_t n = pread_all(w->tfd, tail, chunk, end - chunk);
		char *nl;

		if (n != (ssize_t)chunk) {
			ret = n < 0 ? (int)n : -EIO;
			goto out_close;
		}
		nl = memrchr(tail, '\n', chunk);
		if (nl) {
			end = end - chunk + (nl - tail) + 1;
			break;
		}
		end -= chunk;
	}
	if (end < size && (ret = sys_ftruncate(w->tfd, end)) < 0)
		goto out_close;
	if (end == 0)
		ret = write_all(w->tfd, WT_HEADER "\n", strlen(WT_HEADER) + 1);
	if (ret < 0)
		goto out_close;
	return 0;

out_close:
	sys_close(w->tfd);
	sys_close(w->lfd);
	return ret;
}

/* Announce what was appended (the maps catch up at the next ordinary
   lookup: the generation differs from seen_gen), and let go. */
static void wt_sig_end(struct un_wtable *wt, struct wt_sig_writer *w,
		       bool appended)
{
	if (appended && wt->gen)
		__atomic_add_fetch(&wt->gen->generation, 1, __ATOMIC_SEQ_CST);
	sys_close(w->tfd);
	sys_close(w->lfd);	/* drops the flock */
}

static int wt_sig_set(struct un_wtable *wt, const char *rel, size_t len,
		      char op)
{
	struct wt_sig_writer w;
	struct wt_view v;
	char *line;
	size_t n, cap = rec_max(len);
	int ret;

	line = un_sig_alloc(cap);
	if (!line)
		return -ENOMEM;
	n = rec_encode(line, op, rel, len);
	ret = wt_sig_begin(wt, &w);
	if (ret < 0)
		goto out_free;
	if (view_map(w.tfd, &v) == 0) {
		bool same = view_kind(&v, rel, len) == op;

		view_unmap(&v);
		if (same)
			goto out_end;	/* already so */
	}
	ret = write_all(w.tfd, line, n);
out_end:
	wt_sig_end(wt, &w, ret == 0);
out_free:
	un_sig_free(line, cap);
	return ret;
}

struct wt_sig_clear {
	int fd;
	int ret;
	char line[4 * PATH_MAX + 3];
};

static bool clear_one(const char *key, size_t len, void *arg)
{
	struct wt_sig_clear *c = arg;

	if (rec_max(len) > sizeof(c->line)) {
		c->ret = -ENAMETOOLONG;
		return true;
	}
	c->ret = write_all(c->fd, c->line, rec_encode(c->line, '-', key, len));
	return c->ret < 0;
}

static int wt_sig_clear_below(struct un_wtable *wt, const char *rel,
			      size_t len)
{
	struct wt_sig_writer w;
	struct wt_sig_clear *c;
	struct wt_view v;
	int ret;

	c = un_sig_alloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = wt_sig_begin(wt, &w);
	if (ret < 0)
		goto out_free;
	ret = view_map(w.tfd, &v);
	if (ret == 0) {
		/* One '-' record a line: each line is whole if we die. */
		c->fd = w.tfd;
		c->ret = 0;
		view_each_below(&v, rel, len, clear_one, c);
		view_unmap(&v);
		ret = c->ret;
	}
	wt_sig_end(wt, &w, true);
out_free:
	un_sig_free(c, sizeof(*c));
	return ret;
}

/* ------------------------------------------------------------------ */
/* The API.                                                            */

/*
 * Check the whole lines of the table (fd, size bytes) without building
 * maps; pos as wt_parse leaves it.  A small table is read onto the
 * stack, a larger one into an anonymous mapping (never malloc).
 */
static int wt_check(int fd, off_t size, struct wt_pos *pos)
{
	char small[2048], *buf = small;
	const char *why = NULL;
	size_t len = size, maplen = 0;
	ssize_t n;
	int ret;

	if (len > sizeof(small)) {
		ret = read_range_map(fd, size, &buf, &maplen, &len);
		if (ret < 0)
			return ret;
	} else {
		n = pread_all(fd, buf, len, 0);
		if (n < 0)
			return n;
		len = n;
	}
	ret = wt_parse(NULL, buf, len, pos, &why);
	if (maplen)
		munmap(buf, maplen);
	return ret;
}

/*
 * The usual start: the lock file and the table exist and are whole.
 * Readers need no flock, so open, map and check them without it (the
 * flock is for writers, and for repairing).  1: done; 0: something is
 * missing, short, unfinished or wrong, and nothing is left open: take
 * the locked way, which makes, repairs or reports it.
 */
static int wt_open_fast(struct un_wtable *wt)
{
	struct wt_pos pos = { 0, 0, 0 };
	struct statx stx, tstx;
	struct wt_gen *map;
	int lfd, tfd;

	/* Quietly: the locked way says what is wrong, once. */
	lfd = sys_open(wt->lock_path, O_RDWR | O_NOFOLLOW, 0);
	if (lfd < 0)
		return 0;
	lfd = fd_move_high(lfd);
	if (sys_fstatx(lfd, &stx) < 0 || !S_ISREG(stx.stx_mode) ||
	    stx.stx_size < WT_LOCK_SIZE)
		goto out_close_lock;
	map = mmap(NULL, WT_LOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   lfd, 0);
	if (map == MAP_FAILED)
		goto out_close_lock;
	if (memcmp(map->magic, WT_MAGIC, 8) != 0)
		goto out_unmap;
	tfd = sys_open(wt->table_path, O_RDWR | O_APPEND | O_NOFOLLOW, 0);
	if (tfd < 0)
		goto out_unmap;
	tfd = fd_move_high(tfd);
	if (sys_fstatx(tfd, &tstx) < 0 || !S_ISREG(tstx.stx_mode) ||
	    wt_check(tfd, tstx.stx_size, &pos) < 0 || pos.off == 0 ||
	    pos.off != (off_t)tstx.stx_size)
		goto out_close_table;

	wt->lfd = lfd;
	wt->lid = wt->gid = stx_id(&stx);
	wt->gen = map;
	wt->pid = getpid();
	wt->tfd = tfd;
	wt->tid = stx_id(&tstx);
	wt->pos = pos;
	wt->fsize = pos.off;
	return 1;

out_close_table:
	sys_close(tfd);
out_unmap:
	munmap(map, WT_LOCK_SIZE);
out_close_lock:
	sys_close(lfd);
	return 0;
}

/*
 * Make UPPER/.union and its work directory.  Making .union changes the
 * upper root's times, which are the merged root's: put them back, so
 * that the merged root looks as the kernel's would.  The upper's owner
 * owns the metadata, whoever made it (root running a tool in someone's
 * union, say); the lock file and the table follow in wt_fix_owner.
 */
static int wt_make_meta(const char *upper, const char *meta,
			const char *work)
{
	struct statx before;
	bool fresh;
	int ret;

	fresh = syscall(SYS_statx, AT_FDCWD, upper, 0,
			STATX_UID | STATX_GID | STATX_ATIME | STATX_MTIME,
			&before) == 0;
	ret = sys_mkdir(meta, 0755);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	fresh = fresh && ret == 0;
	ret = sys_mkdir(work, 0755);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	if (fresh) {
		struct timespec times[2] = {
			{ before.stx_atime.tv_sec, before.stx_atime.tv_nsec },
			{ before.stx_mtime.tv_sec, before.stx_mtime.tv_nsec },
		};

		if (geteuid() == 0) {
			syscall(SYS_fchownat, AT_FDCWD, meta, before.stx_uid,
				before.stx_gid, AT_SYMLINK_NOFOLLOW);
			syscall(SYS_fchownat, AT_FDCWD, work, before.stx_uid,
				before.stx_gid, AT_SYMLINK_NOFOLLOW);
		}
		syscall(SYS_utimensat, AT_FDCWD, upper, times, 0);
	}
	return 0;
}

/* Copy upper then suffix to *at, advancing it past the NUL. */
static char *path_put(char **at, const char *upper, size_t len,
		      const char *suffix)
{
	char *p = *at;
	size_t ls = strlen(suffix);

	memcpy(p, upper, len);
	memcpy(p + len, suffix, ls + 1);
	*at += len + ls + 1;
	return p;
}

/*
 * Open an upper's table: make UPPER/.union, the lock file and the table
 * where missing, and check the table (a corrupt one is refused here, at
 * start).  The maps are not built yet: the first lookup or change builds
 * them (the epoch and generation seen are left impossible, so that the
 * first look reloads).  A process that never looks under MERGED never
 * pays for them.
 *
 * No malloc: this runs at start-up, which a wrapper called from inside
 * an allocator's initialisation may trigger.  The handle and its paths
 * live in one anonymous mapping; the check reads into another.
 */
size_t un_wtable_mem_size(const char *upper)
{
	return sizeof(struct un_wtable) +
	       5 * (strlen(upper) + strlen(WT_TMP) + 1);
}

int un_wtable_open(const char *upper, struct un_wtable **out)
{
	return un_wtable_open_mem(upper, NULL, out);
}

int un_wtable_open_mem(const char *upper, void *mem, struct un_wtable **out)
{
	size_t len = strlen(upper), size = un_wtable_mem_size(upper);
	struct un_wtable *wt = mem;
	char *at, *meta, *work;
	int saved = errno;
	int ret;

	if (len + strlen(WT_TMP) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!wt) {
		wt = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (wt == MAP_FAILED)
			return -ENOMEM;
		un_lsan_root(wt, size);
		wt->map_len = size;
	}
	wt->tfd = wt->lfd = -1;
	pthread_mutex_init(&wt->io, NULL);
	pthread_rwlock_init(&wt->rw, NULL);
	at = (char *)(wt + 1);
	wt->table_path = path_put(&at, upper, len, WT_TABLE);
	wt->tmp_path = path_put(&at, upper, len, WT_TMP);
	wt->lock_path = path_put(&at, upper, len, WT_LOCK);
	meta = path_put(&at, upper, len, WT_META);
	work = path_put(&at, upper, len, WT_WORK);

	/* UPPER/.union may exist without work/: the union tool keeps its
	   own files there.  Copy-ups need it, so make it either way. */
	if (wt_open_fast(wt)) {
		ret = sys_mkdir(work, 0755);
		if (ret < 0 && ret != -EEXIST)
			goto out_fail;
		goto out_lazy;
	}
	ret = wt_make_meta(upper, meta, work);
	if (ret < 0)
		goto out_fail;
	ret = wt_open_lock(wt);
	if (ret < 0)
		goto out_fail;
	wt->check_only = true;
	ret = wt_sync(wt, true);
	wt->check_only = false;
	wt_unlock(wt);
	if (ret < 0)
		goto out_fail;
out_lazy:
	/* Nothing is in the maps: make the first look load them. */
	wt->epoch = ~(uint64_t)0;
	wt->seen_gen = ~(uint64_t)0;

	*out = wt;
	errno = saved;
	return 0;

out_fail:
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
	if (wt->map_len) {
		un_lsan_unroot(wt, wt->map_len);
		munmap(wt, wt->map_len);
	}
}

enum un_wkind un_wtable_get(struct un_wtable *wt, const char *rel,
			    size_t rel_len)
{
	enum un_wkind kind = UN_W_NONE;
	struct wt_rec *r;

	if (!wt)
		return UN_W_NONE;
	if (un_in_signal())
		return wt_sig_get(wt, rel, rel_len);
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
	if (un_in_signal())
		return wt_sig_has_below(wt, rel, rel_len);
	wt_refresh(wt);
	pthread_rwlock_rdlock(&wt->rw);
	below = mem_any_below(&wt->mem, rel, rel_len);
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
	if (un_in_signal())
		return wt_sig_set(wt, rel, len, op);
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
	wt_appended(wt, line, n, 1, ret < 0);
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
	size_t len = strlen(rel), cap = 0, used = 0, i;
	struct wt_rec *r;
	unsigned long n = 0;
	char *buf = NULL;
	int saved = errno;
	int ret;

	if (len > 0 && path_invalid(rel, len))
		return -EINVAL;
	if (!wt)
		return -EROFS;
	if (un_in_signal())
		return wt_sig_clear_below(wt, rel, len);

	pthread_mutex_lock(&wt->io);
	ret = wt_lock(wt);
	if (ret < 0)
		goto out_unlock_io;
	ret = wt_sync(wt, true);
	if (ret < 0)
		goto out_unlock;

	MEM_FOREACH(&wt->mem, i, r) {
		size_t need = rec_max(r->len);

		if (!key_below(r->key, r->len, rel, len))
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
	MEM_FOREACH(&wt->mem, i, r)
		if (key_below(r->key, r->len, rel, len))
			mem_del(&wt->mem, r);
	pthread_rwlock_unlock(&wt->rw);
	wt_appended(wt, buf, used, n, false);

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

/* Take io; in signal mode only if it is free (false otherwise). */
static bool wt_io_lock(struct un_wtable *wt)
{
	if (!un_in_signal()) {
		pthread_mutex_lock(&wt->io);
		return true;
	}
	return pthread_mutex_trylock(&wt->io) == 0;
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
		/* A handler cannot wait for io (its thread may hold it): the
		   number alone answers then. */
		if (!wt_io_lock(wt))
			return true;
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
		if (!wt_io_lock(wt)) {
			/* A handler: the numbers, unchecked. */
			if (n < max && wt->tfd >= 0)
				fds[n++] = wt->tfd;
			if (n < max && wt->lfd >= 0)
				fds[n++] = wt->lfd;
			continue;
		}
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
		if (!wt_io_lock(wt))
			continue;	/* a handler: the next use reopens it */
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
 * waits until the record is written.  Signals wait too (a rare section,
 * two system calls): a handler that changed the union would otherwise
 * wait for the flock its own thread holds.
 */
int un_wtable_set(struct un_wtable *wt, const char *rel, enum un_wkind kind)
{
	int cancel, rc;
	sigset_t mask;

	if (un_in_signal())
		return wtable_set(wt, rel, kind);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	un_sig_block(&mask);
	rc = wtable_set(wt, rel, kind);
	un_sig_restore(&mask);
	pthread_setcancelstate(cancel, NULL);
	return rc;
}

int un_wtable_clear_below(struct un_wtable *wt, const char *rel)
{
	int cancel, rc;
	sigset_t mask;

	if (un_in_signal())
		return wtable_clear_below(wt, rel);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	un_sig_block(&mask);
	rc = wtable_clear_below(wt, rel);
	un_sig_restore(&mask);
	pthread_setcancelstate(cancel, NULL);
	return rc;
}
