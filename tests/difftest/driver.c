/*
 * driver.c - the operation player of the differential tester.
 *
 * The same list of operations is played once over a kernel overlay mount
 * and once under libunion; difftest.py compares what this program prints.
 * Every call goes through libc (so that LD_PRELOAD sees it), and every
 * result is printed in a form that does not depend on which of the two
 * answered: no inode or device numbers, no descriptor numbers, times only
 * where a test set them (see fmt_time).
 *
 *   driver [-r ROOT]... [FILE] play the operations of FILE (default stdin)
 *   driver --list ROOT...      print the tree under each ROOT
 *
 * An operation is one line of space-separated words: the name, then the
 * arguments.  Each line read prints exactly one line,
 *
 *	<the operation line> => <result>
 *
 * where the result is `ok`, a value, or `-1 ENAME` (the errno's name).
 * Descriptors live in numbered slots 0..15 (`S` below); `cwd` as a
 * directory slot (`D`) means AT_FDCWD.
 *
 *   open S PATH FLAGS MODE       FLAGS: rdonly,wronly,rdwr,creat,excl,trunc,
 *                                append,directory,nofollow,path (comma list)
 *   openat S D PATH FLAGS MODE   creat S PATH MODE     close S
 *   read S N                     pread S N OFF         fdcat S
 *   write S N SEED               pwrite S N OFF SEED   lseek S OFF set|cur|end
 *   ftruncate S LEN              fstat S               fchdir S
 *   fchmod S MODE                fchown S UID GID      futimens S ATIME MTIME
 *   fsetxattr S NAME VALUE FL    fremovexattr S NAME   fdls S
 *   flock S sh|ex|shnb|exnb|un
 *   readall PATH                 append PATH N SEED    truncate PATH LEN
 *   unlink PATH   rmdir PATH     mkdir PATH MODE       mkfifo PATH MODE
 *   rename OLD NEW               renameat2 OLD NEW 0|noreplace|exchange
 *   renameat D OLD D NEW         unlinkat D PATH 0|removedir
 *   mkdirat D PATH MODE          symlink TARGET PATH   symlinkat TARGET D PATH
 *   readlink PATH                readlinkat D PATH     link OLD NEW
 *   linkat D OLD D NEW 0|follow  chmod PATH MODE       fchmodat D PATH MODE FL
 *   chown PATH UID GID           lchown PATH UID GID   fchownat D PATH U G FL
 *   utimensat D PATH ATIME MTIME 0|nofollow   (a time: SEC.NSEC, now, omit)
 *   setxattr PATH NAME VALUE 0|create|replace (lsetxattr the same)
 *   getxattr PATH NAME   lgetxattr PATH NAME   listxattr PATH   llistxattr PATH
 *   removexattr PATH NAME        lremovexattr PATH NAME
 *   stat PATH   lstat PATH       fstatat D PATH 0|nofollow
 *   statx D PATH 0|nofollow      access PATH f|rwx    faccessat D PATH f|rwx FL
 *   ls PATH       lsseek PATH    chdir PATH           getcwd
 *   realpath PATH                inocheck PATH
 *   vfork-close S                vfork-dup2 S S2  (made by a vfork child,
 *                                which then exits: the driver's stay)
 *
 * With -r, a path argument that leaves every ROOT (a relative path is
 * joined to getcwd(), then `.` and `..` are taken lexically) is not used:
 * the operation prints `ESCAPES`.  Outside the merged roots the two runs
 * see different directories (a mount point or none), so the tester keeps
 * to the roots even when a chdir failed or went through a symlink.
 *
 * Every open adds O_NONBLOCK, so that a FIFO never blocks the player.
 *
 * FL for the *at calls: 0, nofollow, eaccess, removedir, follow (one).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "../prog/oflags.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define NSLOTS 16
#define MAXARGS 16

/* Times at or after this are "new" (set by the clock during the run);
 * before it they were set on purpose by the layers or by an operation. */
#define OLD_TIME_LIMIT 1500000000L

static int slots[NSLOTS];
/* The cwd as getcwd last gave it, for the escape guard once it is removed */
static char last_cwd[PATH_MAX];
/* The path each slot was opened on, absolute ("" when not known: openat
   from a descriptor): after fchdir into a removed directory, getcwd
   fails and the escape guard judges from this, not from the cwd before
   (which once let `../../../b` from a dead directory under the root
   reach above every root as if it named one below). */
static char slot_path[NSLOTS][PATH_MAX];
static const char *roots[8];
static int nroots;
static char out[1 << 16];
static size_t outlen;

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void put(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (outlen >= sizeof(out) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + outlen, sizeof(out) - outlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		outlen += (size_t)n < sizeof(out) - outlen ? (size_t)n :
			  sizeof(out) - outlen - 1;
}

static const char *ename(int e)
{
	const char *s = strerrorname_np(e);
	static char buf[32];

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static void put_err(void)
{
	put("-1 %s", ename(errno));
}

/* An int result: `ok` for 0, the value otherwise, or the errno. */
static void put_rc(long rc)
{
	if (rc < 0)
		put_err();
	else if (rc == 0)
		put("ok");
	else
		put("%ld", rc);
}

/* FNV-1a, 64 bits: enough to tell contents apart. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static char type_char(mode_t m)
{
	return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' :
	       S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' :
	       S_ISSOCK(m) ? 's' : '?';
}

static char dtype_char(unsigned char t)
{
	switch (t) {
	case DT_REG: return 'f';
	case DT_DIR: return 'd';
	case DT_LNK: return 'l';
	case DT_CHR: return 'c';
	case DT_BLK: return 'b';
	case DT_FIFO: return 'p';
	case DT_SOCK: return 's';
	case DT_UNKNOWN: return 'u';
	}
	return '?';
}

static void put_time(long sec, long nsec)
{
	if (sec >= OLD_TIME_LIMIT)
		put("new");
	else
		put("%ld.%09ld", sec, nsec);
}

/* The fields of a stat that must match the kernel's. */
static void put_statfields(mode_t mode, long nlink, long uid, long gid,
			   long long size, long msec, long mnsec,
			   unsigned rmaj, unsigned rmin)
{
	put("%c %04o %ld:%ld", type_char(mode), (unsigned)(mode & 07777), uid,
	    gid);
	if (!S_ISDIR(mode))
		put(" size=%lld", size);
	put(" nlink=%ld", nlink);
	if (S_ISCHR(mode) || S_ISBLK(mode))
		put(" rdev=%u:%u", rmaj, rmin);
	put(" mtime=");
	put_time(msec, mnsec);
}

static void put_stat(const struct stat *st)
{
	put_statfields(st->st_mode, (long)st->st_nlink, (long)st->st_uid,
		       (long)st->st_gid, (long long)st->st_size,
		       (long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		       major(st->st_rdev), minor(st->st_rdev));
}

static void put_escaped(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			put("%c", c);
		else
			put("\\x%02x", c);
	}
}

/* ------------------------------------------------------------------ */
/* Arguments */

static int bad;

static int arg_slot(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n < 0 || n >= NSLOTS) {
		bad = 1;
		return 0;
	}
	return (int)n;
}

static int arg_fd(const char *s)
{
	return slots[arg_slot(s)];
}

static int arg_dirfd(const char *s)
{
	if (strcmp(s, "cwd") == 0)
		return AT_FDCWD;
	return arg_fd(s);
}

static long long arg_num(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 0);

	if (*end)
		bad = 1;
	return n;
}

static mode_t arg_mode(const char *s)
{
	char *end;
	long n = strtol(s, &end, 8);

	if (*end)
		bad = 1;
	return (mode_t)n;
}

/* An unknown name makes the op a bad one (the driver goes on). */
static int arg_oflags(const char *s)
{
	char unknown[64];
	int flags = oflags_parse(s, unknown, sizeof(unknown));

	if (flags < 0) {
		bad = 1;
		return 0;
	}
	return flags;
}

static int arg_atflags(const char *s)
{
	if (strcmp(s, "0") == 0)
		return 0;
	if (strcmp(s, "nofollow") == 0)
		return AT_SYMLINK_NOFOLLOW;
	if (strcmp(s, "follow") == 0)
		return AT_SYMLINK_FOLLOW;
	if (strcmp(s, "eaccess") == 0)
		return AT_EACCESS;
	if (strcmp(s, "removedir") == 0)
		return AT_REMOVEDIR;
	bad = 1;
	return 0;
}

static int arg_amode(const char *s)
{
	int m = 0;

	if (strcmp(s, "f") == 0)
		return F_OK;
	for (; *s; s++) {
		if (*s == 'r')
			m |= R_OK;
		else if (*s == 'w')
			m |= W_OK;
		else if (*s == 'x')
			m |= X_OK;
		else
			bad = 1;
	}
	return m;
}

static struct timespec arg_time(const char *s)
{
	struct timespec ts = { 0, 0 };
	char *end;

	if (strcmp(s, "now") == 0) {
		ts.tv_nsec = UTIME_NOW;
		return ts;
	}
	if (strcmp(s, "omit") == 0) {
		ts.tv_nsec = UTIME_OMIT;
		return ts;
	}
	ts.tv_sec = strtol(s, &end, 10);
	if (*end == '.')
		ts.tv_nsec = strtol(end + 1, &end, 10);
	if (*end)
		bad = 1;
	return ts;
}

static int arg_xflags(const char *s)
{
	if (strcmp(s, "create") == 0)
		return XATTR_CREATE;
	if (strcmp(s, "replace") == 0)
		return XATTR_REPLACE;
	if (strcmp(s, "0") != 0)
		bad = 1;
	return 0;
}

/* The bytes an operation writes: a function of SEED and the position. */
static char *gen_data(size_t n, long seed)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789\n";
	char *buf = malloc(n ? n : 1);
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = abc[(size_t)(seed * 7 + (long)i) % (sizeof(abc) - 1)];
	return buf;
}

/* ------------------------------------------------------------------ */
/* Reading and listing */

/* Read FD to its end: `n=SIZE h=HASH`. */
static void put_readall(int fd)
{
	char buf[65536];
	uint64_t h = FNV_INIT;
	long long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, (size_t)n);
		total += n;
	}
	if (n < 0) {
		put_err();
		return;
	}
	put("n=%lld h=%016llx", total, (unsigned long long)h);
}

struct ent {
	char *name;
	unsigned char dtype;
	ino_t dino;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name,
		      ((const struct ent *)b)->name);
}

/* Read a directory stream whole, sorted by name; NULL and errno on error. */
static struct ent *read_dir(DIR *d, size_t *count)
{
	struct ent *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = realloc(v, cap * sizeof(*v));
		}
		v[n].name = strdup(de->d_name);
		v[n].dtype = de->d_type;
		v[n].dino = de->d_ino;
		n++;
		errno = 0;
	}
	if (errno) {
		int e = errno;
		size_t i;

		for (i = 0; i < n; i++)
			free(v[i].name);
		free(v);
		errno = e;
		return NULL;
	}
	if (n)
		qsort(v, n, sizeof(*v), ent_cmp);
	*count = n;
	return v ? v : calloc(1, sizeof(*v));
}

static void free_ents(struct ent *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* `name:T ...`, each entry checked against fstatat on the stream's fd:
 * `!ino` when d_ino is not st_ino, `!type` when d_type is not the type. */
static void put_dir(DIR *d)
{
	struct ent *v;
	size_t n, i;

	v = read_dir(d, &n);
	if (!v) {
		put_err();
		return;
	}
	put("[");
	for (i = 0; i < n; i++) {
		struct stat st;

		put("%s%s:%c", i ? " " : "", v[i].name, dtype_char(v[i].dtype));
		if (fstatat(dirfd(d), v[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			put("!stat=%s", ename(errno));
			continue;
		}
		if (st.st_ino != v[i].dino)
			put("!ino");
		if (v[i].dtype != DT_UNKNOWN &&
		    dtype_char(v[i].dtype) != type_char(st.st_mode))
			put("!type");
	}
	put("]");
	free_ents(v, n);
}

static int xname_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The xattr names of a list, sorted; with values when PATH is given. */
static void put_xattrs(const char *list, ssize_t len, const char *path,
		       int nofollow)
{
	const char *names[256];
	size_t n = 0, i;
	const char *p;

	for (p = list; p < list + len && n < 256; p += strlen(p) + 1)
		names[n++] = p;
	qsort(names, n, sizeof(names[0]), xname_cmp);
	put("[");
	for (i = 0; i < n; i++) {
		put("%s%s", i ? " " : "", names[i]);
		if (path) {
			char val[4096];
			ssize_t vl = nofollow ?
				lgetxattr(path, names[i], val, sizeof(val)) :
				getxattr(path, names[i], val, sizeof(val));

			put("=");
			if (vl < 0)
				put("!%s", ename(errno));
			else
				put_escaped(val, (size_t)vl);
		}
	}
	put("]");
}

/* ------------------------------------------------------------------ */
/* The tree listing (--list) */

static void list_entry(const char *path, const char *rel, const struct ent *e);

static void list_tree(const char *path, const char *rel)
{
	DIR *d = opendir(path);
	struct ent *v;
	size_t n, i;

	if (!d) {
		printf("%s/ opendir %s\n", rel, ename(errno));
		return;
	}
	v = read_dir(d, &n);
	if (!v) {
		printf("%s/ readdir %s\n", rel, ename(errno));
		closedir(d);
		return;
	}
	for (i = 0; i < n; i++) {
		char *cp, *cr;

		if (asprintf(&cp, "%s/%s", path, v[i].name) < 0 ||
		    asprintf(&cr, "%s/%s", rel, v[i].name) < 0)
			abort();
		{
			struct stat st;

			/* the d_ino and d_type checks against the stream */
			if (fstatat(dirfd(d), v[i].name, &st,
				    AT_SYMLINK_NOFOLLOW) == 0) {
				if (st.st_ino != v[i].dino)
					printf("%s !dino\n", cr);
				if (v[i].dtype != DT_UNKNOWN &&
				    dtype_char(v[i].dtype) != type_char(st.st_mode))
					printf("%s !dtype %c\n", cr,
					       dtype_char(v[i].dtype));
			}
		}
		list_entry(cp, cr, &v[i]);
		free(cp);
		free(cr);
	}
	free_ents(v, n);
	closedir(d);
}

static void list_entry(const char *path, const char *rel, const struct ent *e)
{
	struct stat st;
	char buf[PATH_MAX];
	ssize_t n;

	(void)e;
	outlen = 0;
	if (lstat(path, &st) < 0) {
		printf("%s lstat %s\n", rel, ename(errno));
		return;
	}
	put("%s ", rel);
	put_stat(&st);
	if (S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW);

		put(" ");
		if (fd < 0) {
			put("open=%s", ename(errno));
		} else {
			put_readall(fd);
			close(fd);
		}
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, buf, sizeof(buf));
		put(" -> ");
		if (n < 0)
			put("!%s", ename(errno));
		else
			put_escaped(buf, (size_t)n);
	}
	n = llistxattr(path, buf, sizeof(buf));
	if (n < 0) {
		put(" xattrs=!%s", ename(errno));
	} else if (n > 0) {
		put(" xattrs=");
		put_xattrs(buf, n, path, 1);
	}
	printf("%s\n", out);
	if (S_ISDIR(st.st_mode))
		list_tree(path, rel);
}

static int do_list(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		printf("== %d\n", i);
		list_entry(argv[i], ".", NULL);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* inocheck: stat, lstat, fstatat, statx, fstat and the parent's d_ino of
 * one name must agree on the inode (and all but d_ino on the device). */

static int is_root(const char *path);

static void do_inocheck(const char *path)
{
	struct stat a, b;
	struct statx sx;
	int fd;

	if (lstat(path, &a) < 0) {
		put_err();
		return;
	}
	put("%c", type_char(a.st_mode));
	if (fstatat(AT_FDCWD, path, &b, AT_SYMLINK_NOFOLLOW) < 0)
		put(" fstatat=%s", ename(errno));
	else if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		put(" fstatat-differs");
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS,
		  &sx) < 0)
		put(" statx=%s", ename(errno));
	else if (sx.stx_ino != a.st_ino ||
		 makedev(sx.stx_dev_major, sx.stx_dev_minor) != a.st_dev)
		put(" statx-differs");
	if (!S_ISLNK(a.st_mode)) {
		if (stat(path, &b) < 0)
			put(" stat=%s", ename(errno));
		else if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			put(" stat-differs");
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0) {
			put(" open=%s", ename(errno));
		} else {
			if (fstat(fd, &b) < 0)
				put(" fstat=%s", ename(errno));
			else if (a.st_ino != b.st_ino || a.st_dev != b.st_dev ||
				 a.st_size != b.st_size ||
				 a.st_mtim.tv_sec != b.st_mtim.tv_sec ||
				 a.st_mtim.tv_nsec != b.st_mtim.tv_nsec)
				put(" fstat-differs");
			close(fd);
		}
	}
	/* the entry in its parent's listing (not for a root: its parent
	 * is outside the union, and lists the covered directory or none) */
	if (!is_root(path)) {
		char dir[PATH_MAX], *slash;
		const char *base;
		DIR *d;

		struct stat named;
		ino_t want = a.st_ino;

		snprintf(dir, sizeof(dir), "%s", path);
		while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
			dir[strlen(dir) - 1] = 0;
		/* The entry is the name itself: with a trailing slash the
		 * path went through a symlink there to its target. */
		if (strcmp(dir, path) && lstat(dir, &named) == 0)
			want = named.st_ino;
		slash = strrchr(dir, '/');
		if (!slash) {
			base = dir;
			d = opendir(".");
		} else {
			*slash = 0;
			base = slash + 1;
			d = opendir(slash == dir ? "/" : dir);
		}
		if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
			if (d)
				closedir(d);
			d = NULL;
		}
		if (d) {
			struct dirent *de;
			int seen = 0;

			while ((de = readdir(d)))
				if (strcmp(de->d_name, base) == 0) {
					seen++;
					if (de->d_ino != want)
						put(" dino-differs");
				}
			if (seen != 1)
				put(" listed=%d", seen);
			closedir(d);
		}
	}
	put(" ok");
}

/* ------------------------------------------------------------------ */
/* The escape guard */

/* Whether PATH, made absolute with the cwd and normalised lexically, is a
 * root or lies below one.  Without roots, everything is inside. */
static int inside_roots(const char *path)
{
	char buf[2 * PATH_MAX + 2], *comp[PATH_MAX / 2], *save = NULL, *tok;
	char norm[2 * PATH_MAX + 2];
	int n = 0, i;
	size_t len = 0;

	if (!nroots)
		return 1;
	if (path[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", path);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd))) {
			/* a removed cwd: the guard judges from the path it
			 * had (both sides alike), so that `..` and relative
			 * calls from it are played */
			if (errno != ENOENT || !last_cwd[0])
				return 0;
			snprintf(cwd, sizeof(cwd), "%s", last_cwd);
		}
		snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
	}
	for (tok = strtok_r(buf, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		comp[n++] = tok;
	}
	norm[0] = 0;
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(norm + len, sizeof(norm) - len, "/%s",
					comp[i]);
	for (i = 0; i < nroots; i++) {
		size_t rl = strlen(roots[i]);

		if (strncmp(norm, roots[i], rl) == 0 &&
		    (norm[rl] == 0 || norm[rl] == '/'))
			return 1;
	}
	return 0;
}

/* Whether PATH names one of the roots itself. */
static int is_root(const char *path)
{
	char *r = realpath(path, NULL);
	int i, yes = 0;

	if (!r)
		return 0;
	for (i = 0; i < nroots; i++)
		if (strcmp(r, roots[i]) == 0)
			yes = 1;
	free(r);
	return yes;
}

/* Whether the operation follows a symlink at the end of its (first)
 * path. */
static int follows(int ac, char **av)
{
	static const char *const yes[] = {
		"readall", "append", "truncate", "chmod", "chown", "setxattr",
		"getxattr", "listxattr", "removexattr", "stat", "access", "ls",
		"chdir", "realpath", "lsseek", NULL,
	};
	static const char *const flagged[] = { /* unless the flags say so */
		"fstatat", "statx", "utimensat", "fchownat", "faccessat",
		"fchmodat", NULL,
	};
	const char *op = av[0];
	int i;

	for (i = 0; yes[i]; i++)
		if (strcmp(op, yes[i]) == 0)
			return 1;
	for (i = 0; flagged[i]; i++)
		if (strcmp(op, flagged[i]) == 0)
			return strcmp(av[ac - 1], "nofollow") != 0;
	if (strcmp(op, "open") == 0 || strcmp(op, "openat") == 0)
		return !strstr(av[ac - 2], "nofollow");
	if (strcmp(op, "creat") == 0)
		return 1;
	if (strcmp(op, "linkat") == 0)
		return strcmp(av[ac - 1], "follow") == 0;
	return 0;
}

/* realpath(PATH), or, where that fails because the cwd was removed
 * (glibc's realpath starts from getcwd), what an O_PATH descriptor of
 * PATH stands on (the kernel walks from a removed cwd: `..` of it, then
 * a symlink `..` made there, lead out of MERGED: root seed absent:3252).
 * NULL when PATH leads nowhere. */
static char *resolved(const char *path)
{
	char link[64], buf[PATH_MAX];
	char *r = realpath(path, NULL);
	ssize_t n;
	int fd;

	if (r || errno != ENOENT || path[0] == '/')
		return r;
#ifdef DIFFTEST_STATIC
	/* Built -static, the driver runs under the seccomp supervisor,
	 * which answers /proc/self/fd's link with the layer's own path
	 * (outside MERGED): realpath alone, as before session 13. */
	return NULL;
#endif
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = 0;
	return strdup(buf);
}

/* PATH, a dangling symlink the operation follows (a create through it
 * makes its target): whether that target's directory stays inside the
 * roots (lexically, then through symlinks).  Root seed absent:4594 at
 * --ops 120: `open 4 MERGED/n1 wronly,creat` through n1 -> ../../b made
 * a file beside the layers on the kernel's side, which the libunion
 * side's guard then found there (ESCAPES on that side alone). */
static int dangling_inside(const char *path)
{
	char t[PATH_MAX], full[2 * PATH_MAX + 2], *r, *slash;
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	int ok = 1;

	if (n <= 0)
		return 1;	/* no symlink: nothing made elsewhere */
	t[n] = 0;
	if (t[0] == '/') {
		snprintf(full, sizeof(full), "%s", t);
	} else {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = 0;
		else
			*slash = 0;
		snprintf(full, sizeof(full), "%s/%s", dir, t);
	}
	if (!inside_roots(full))
		return 0;
	slash = strrchr(full, '/');
	if (slash && slash != full) {
		*slash = 0;
		r = resolved(full);
		if (r) {
			ok = inside_roots(r);
			free(r);
		}
	}
	return ok;
}

/* Whether PATH, resolved through symlinks (realpath: its directory, and
 * the whole path when the operation follows the last component), stays
 * inside the roots.  A symlink to `..` at the top of MERGED, or one that
 * a rename moved up, would otherwise reach the directory that holds
 * MERGED, which differs between the runs (a mount point or nothing). */
static int resolves_inside(const char *path, int follow)
{
	char dir[PATH_MAX], *r, *slash;
	size_t len;
	int ok = 1;

	if (!nroots)
		return 1;
	snprintf(dir, sizeof(dir), "%s", path);
	len = strlen(dir);
	if (len > 1 && dir[len - 1] == '/')
		follow = 1;
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = 0;
	/* MERGED itself: its parent is outside, but the operation is on
	 * MERGED (rename, rmdir, open, stat...), which both sides must
	 * answer alike */
	if (is_root(dir))
		return 1;
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	r = resolved(dir);
	if (r) {
		ok = inside_roots(r);
		free(r);
	}
	if (ok && follow) {
		r = resolved(path);
		if (r) {
			ok = inside_roots(r);
			free(r);
		} else if (errno == ENOENT) {
			ok = dangling_inside(path);
		}
	}
	return ok;
}

/* Keep the cwd while getcwd answers (it fails once the cwd is removed). */
/* Record where slot s was opened: path (relative to the cwd, or to the
   cwd the guard last knew in a removed one), or unknown (NULL). */
static void remember_slot(int s, const char *path)
{
	char cwd[PATH_MAX];

	slot_path[s][0] = '\0';
	if (!path)
		return;
	if (path[0] == '/')
		snprintf(slot_path[s], sizeof(slot_path[s]), "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		snprintf(slot_path[s], sizeof(slot_path[s]), "%.*s/%s",
			 PATH_MAX / 2, cwd, path);
	else if (errno == ENOENT && last_cwd[0])
		snprintf(slot_path[s], sizeof(slot_path[s]), "%.*s/%s",
			 PATH_MAX / 2, last_cwd, path);
}

static void remember_cwd(void)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)))
		snprintf(last_cwd, sizeof(last_cwd), "%s", cwd);
}

/* Whether PATH is a root followed by a last component `..` or `.` (and
 * slashes): `ROOT/..` names the directory that holds MERGED, but an
 * operation on the name itself (rmdir, unlink, rename, link, mkdir...) must
 * answer as the kernel does (EBUSY, ENOTEMPTY, EEXIST...) without touching
 * it (issue 11, item 1). */
static int is_top_dots(const char *path)
{
	char buf[PATH_MAX];
	size_t len;
	char *slash;
	int i;

	snprintf(buf, sizeof(buf), "%s", path);
	len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = 0;
	slash = strrchr(buf, '/');
	if (!slash || (strcmp(slash, "/..") != 0 && strcmp(slash, "/.") != 0))
		return 0;
	*slash = 0;
	for (i = 0; i < nroots; i++)
		if (strcmp(buf, roots[i]) == 0)
			return 1;
	return 0;
}

/* The operations that act on a name (never follow it nor open it) and may
 * name `ROOT/..` (see is_top_dots). */
static int name_op(const char *op)
{
	static const char *const ops[] = {
		"rmdir", "unlink", "rename", "renameat2", "renameat", "unlinkat",
		"mkdir", "mkdirat", "mkfifo", "symlink", "symlinkat", "link",
		"linkat", NULL,
	};
	int i;

	for (i = 0; ops[i]; i++)
		if (strcmp(op, ops[i]) == 0)
			return 1;
	return 0;
}

/* The argument positions that are paths (relative to the cwd). */
static int escapes(int ac, char **av)
{
	static const struct {
		const char *op;
		int a, b; /* argument indexes, 0 for none */
		int dirfd_a, dirfd_b; /* the dirfd argument of each, or 0 */
	} tab[] = {
		{ "open", 2, 0, 0, 0 }, { "openat", 3, 0, 2, 0 },
		{ "creat", 2, 0, 0, 0 }, { "readall", 1, 0, 0, 0 },
		{ "append", 1, 0, 0, 0 }, { "truncate", 1, 0, 0, 0 },
		{ "unlink", 1, 0, 0, 0 }, { "rmdir", 1, 0, 0, 0 },
		{ "mkdir", 1, 0, 0, 0 }, { "mkfifo", 1, 0, 0, 0 },
		{ "rename", 1, 2, 0, 0 }, { "renameat2", 1, 2, 0, 0 },
		{ "renameat", 2, 4, 1, 3 }, { "unlinkat", 2, 0, 1, 0 },
		{ "mkdirat", 2, 0, 1, 0 }, { "symlink", 2, 0, 0, 0 },
		{ "symlinkat", 3, 0, 2, 0 }, { "readlink", 1, 0, 0, 0 },
		{ "readlinkat", 2, 0, 1, 0 }, { "link", 1, 2, 0, 0 },
		{ "linkat", 2, 4, 1, 3 }, { "chmod", 1, 0, 0, 0 },
		{ "fchmodat", 2, 0, 1, 0 }, { "chown", 1, 0, 0, 0 },
		{ "lchown", 1, 0, 0, 0 }, { "fchownat", 2, 0, 1, 0 },
		{ "utimensat", 2, 0, 1, 0 }, { "setxattr", 1, 0, 0, 0 },
		{ "lsetxattr", 1, 0, 0, 0 }, { "getxattr", 1, 0, 0, 0 },
		{ "lgetxattr", 1, 0, 0, 0 }, { "listxattr", 1, 0, 0, 0 },
		{ "llistxattr", 1, 0, 0, 0 }, { "removexattr", 1, 0, 0, 0 },
		{ "lremovexattr", 1, 0, 0, 0 }, { "stat", 1, 0, 0, 0 },
		{ "lstat", 1, 0, 0, 0 }, { "fstatat", 2, 0, 1, 0 },
		{ "statx", 2, 0, 1, 0 }, { "access", 1, 0, 0, 0 },
		{ "faccessat", 2, 0, 1, 0 }, { "ls", 1, 0, 0, 0 },
		{ "chdir", 1, 0, 0, 0 }, { "realpath", 1, 0, 0, 0 },
		{ "lsseek", 1, 0, 0, 0 },
		{ "inocheck", 1, 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(av[0], tab[i].op) != 0)
			continue;
		if (tab[i].a && tab[i].a < ac &&
		    !(name_op(av[0]) && is_top_dots(av[tab[i].a])) &&
		    (!tab[i].dirfd_a || strcmp(av[tab[i].dirfd_a], "cwd") == 0) &&
		    (!inside_roots(av[tab[i].a]) ||
		     !resolves_inside(av[tab[i].a], follows(ac, av))))
			return 1;
		if (tab[i].b && tab[i].b < ac &&
		    !(name_op(av[0]) && is_top_dots(av[tab[i].b])) &&
		    (!tab[i].dirfd_b || strcmp(av[tab[i].dirfd_b], "cwd") == 0) &&
		    (!inside_roots(av[tab[i].b]) ||
		     !resolves_inside(av[tab[i].b], 0)))
			return 1;
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* lsseek: telldir before each entry, then seekdir back to the middle one
 * and rewinddir must give the same entries again (the order is the
 * stream's own, so only the count and the checks are printed). */

static void do_lsseek(const char *path)
{
	DIR *d = opendir(path);
	char *names[512];
	long pos[512];
	struct dirent *de;
	int n = 0, i, k, seek_ok = 1, rewind_ok = 1, gone = 0;
	struct stat st;

	if (!d) {
		put_err();
		return;
	}
	for (;;) {
		long p = telldir(d);

		de = readdir(d);
		if (!de || n == 512)
			break;
		pos[n] = p;
		names[n++] = strdup(de->d_name);
		/* a whiteout that the kernel lists (see ls): not counted */
		if (de->d_type == DT_CHR &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			gone++;
	}
	for (k = n / 2; n > 0 && k < n; k += (n - k + 1) / 2 + 1) {
		seekdir(d, pos[k]);
		de = readdir(d);
		if (!de || strcmp(de->d_name, names[k]) != 0)
			seek_ok = 0;
	}
	rewinddir(d);
	for (i = 0; i < n; i++) {
		de = readdir(d);
		if (!de || strcmp(de->d_name, names[i]) != 0) {
			rewind_ok = 0;
			break;
		}
	}
	if (readdir(d))
		rewind_ok = 0;
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	put("n=%d seekdir=%s rewinddir=%s", n - 2 /* . and .. */ - gone,
	    seek_ok ? "ok" : "BAD", rewind_ok ? "ok" : "BAD");
}

/* ------------------------------------------------------------------ */
/* The operations */

static void do_op(int ac, char **av)
{
	const char *op = av[0];
	struct stat st;
	char buf[PATH_MAX + 1];
	ssize_t n;
	long rc;

#define NEED(k)                          \
	do {                             \
		if (ac != (k) + 1) {     \
			put("BADARGS");  \
			return;          \
		}                        \
	} while (0)
#define IS(s) (strcmp(op, (s)) == 0)

	if (IS("open") || IS("openat") || IS("creat")) {
		int s, fd;

		if (IS("open")) {
			NEED(4);
			s = arg_slot(av[1]);
			fd = open(av[2], arg_oflags(av[3]) | O_NONBLOCK,
				  arg_mode(av[4]));
		} else if (IS("openat")) {
			NEED(5);
			s = arg_slot(av[1]);
			fd = openat(arg_dirfd(av[2]), av[3],
				    arg_oflags(av[4]) | O_NONBLOCK,
				    arg_mode(av[5]));
		} else {
			NEED(3);
			s = arg_slot(av[1]);
			fd = creat(av[2], arg_mode(av[3]));
		}
		if (slots[s] >= 0) {
			int err = errno;	/* the open's, for put_rc */

			close(slots[s]);
			errno = err;
		}
		slots[s] = fd;
		remember_slot(s, IS("openat") ? NULL : av[2]);
		put_rc(fd < 0 ? -1 : 0);
	} else if (IS("close")) {
		int s;

		NEED(1);
		s = arg_slot(av[1]);
		put_rc(close(slots[s]));
		slots[s] = -1;
	} else if (IS("vfork-close") || IS("vfork-dup2")) {
		/* The close or dup2 made in a vfork child, which shares the
		   driver's memory (the library's table) but not its
		   descriptors: the driver's stay as they were. */
		pid_t pid;
		int st;

		NEED(IS("vfork-close") ? 1 : 2);
		{
			int a = arg_fd(av[1]);
			int b = IS("vfork-dup2") ? arg_fd(av[2]) : -1;

			pid = vfork();
			if (pid == 0) {
				if (b >= 0)
					dup2(a, b);
				else
					close(a);
				_exit(0);
			}
		}
		put_rc(pid < 0 || waitpid(pid, &st, 0) < 0 ? -1 : 0);
	} else if (IS("read") || IS("pread")) {
		size_t len;
		char *p;

		NEED(IS("read") ? 2 : 3);
		len = (size_t)arg_num(av[2]);
		if (len > (1 << 20))
			len = 1 << 20;
		p = malloc(len ? len : 1);
		n = IS("read") ? read(arg_fd(av[1]), p, len) :
				 pread(arg_fd(av[1]), p, len, arg_num(av[3]));
		if (n < 0)
			put_err();
		else
			put("n=%zd h=%016llx", n,
			    (unsigned long long)fnv(FNV_INIT, p, (size_t)n));
		free(p);
	} else if (IS("fdcat")) {
		int fd;

		NEED(1);
		/* the whole file from offset 0, not moving the offset */
		fd = arg_fd(av[1]);
		{
			char b[65536];
			uint64_t h = FNV_INIT;
			long long off = 0;

			while ((n = pread(fd, b, sizeof(b), off)) > 0) {
				h = fnv(h, b, (size_t)n);
				off += n;
			}
			if (n < 0)
				put_err();
			else
				put("n=%lld h=%016llx", off,
				    (unsigned long long)h);
		}
	} else if (IS("write") || IS("pwrite")) {
		size_t len;
		char *p;

		NEED(IS("write") ? 3 : 4);
		len = (size_t)arg_num(av[2]);
		if (len > (1 << 20))
			len = 1 << 20;
		p = gen_data(len, (long)arg_num(av[IS("write") ? 3 : 4]));
		n = IS("write") ? write(arg_fd(av[1]), p, len) :
				  pwrite(arg_fd(av[1]), p, len, arg_num(av[3]));
		free(p);
		if (n < 0)
			put_err();
		else
			put("n=%zd", n);
	} else if (IS("lseek")) {
		int wh;

		NEED(3);
		wh = strcmp(av[3], "set") == 0 ? SEEK_SET :
		     strcmp(av[3], "cur") == 0 ? SEEK_CUR : SEEK_END;
		rc = (long)lseek(arg_fd(av[1]), arg_num(av[2]), wh);
		if (rc < 0)
			put_err();
		else
			put("%ld", rc);
	} else if (IS("ftruncate")) {
		NEED(2);
		put_rc(ftruncate(arg_fd(av[1]), arg_num(av[2])));
	} else if (IS("fstat")) {
		NEED(1);
		if (fstat(arg_fd(av[1]), &st) < 0)
			put_err();
		else
			put_stat(&st);
	} else if (IS("fchdir")) {
		char cwd[PATH_MAX];
		int rc;

		NEED(1);
		rc = fchdir(arg_fd(av[1]));
		if (rc == 0 && !getcwd(cwd, sizeof(cwd)))
			snprintf(last_cwd, sizeof(last_cwd), "%s",
				 slot_path[arg_slot(av[1])]);
		put_rc(rc);
	} else if (IS("fchmod")) {
		NEED(2);
		put_rc(fchmod(arg_fd(av[1]), arg_mode(av[2])));
	} else if (IS("fchown")) {
		NEED(3);
		put_rc(fchown(arg_fd(av[1]), (uid_t)arg_num(av[2]),
			      (gid_t)arg_num(av[3])));
	} else if (IS("futimens")) {
		struct timespec ts[2];

		NEED(3);
		ts[0] = arg_time(av[2]);
		ts[1] = arg_time(av[3]);
		put_rc(futimens(arg_fd(av[1]), ts));
	} else if (IS("fsetxattr")) {
		NEED(4);
		put_rc(fsetxattr(arg_fd(av[1]), av[2], av[3], strlen(av[3]),
				 arg_xflags(av[4])));
	} else if (IS("fremovexattr")) {
		NEED(2);
		put_rc(fremovexattr(arg_fd(av[1]), av[2]));
	} else if (IS("flock")) {
		static const struct { const char *name; int op; } how[] = {
			{ "sh", LOCK_SH }, { "ex", LOCK_EX },
			{ "shnb", LOCK_SH | LOCK_NB }, { "exnb", LOCK_EX | LOCK_NB },
			{ "un", LOCK_UN },
		};
		size_t i;

		NEED(2);
		for (i = 0; i < sizeof(how) / sizeof(how[0]); i++)
			if (strcmp(av[2], how[i].name) == 0)
				break;
		if (i == sizeof(how) / sizeof(how[0])) {
			put("BADARGS");
			return;
		}
		/* (every lock is this process's: a blocking one that would
		   wait is the alarm's EINTR) */
		put_rc(flock(arg_fd(av[1]), how[i].op));
	} else if (IS("fdls")) {
		int fd;
		DIR *d;

		NEED(1);
		fd = dup(arg_fd(av[1]));
		if (fd < 0) {
			put_err();
			return;
		}
		d = fdopendir(fd);
		if (!d) {
			put_err();
			close(fd);
			return;
		}
		rewinddir(d);
		put_dir(d);
		closedir(d);
	} else if (IS("readall")) {
		int fd;

		NEED(1);
		fd = open(av[1], O_RDONLY | O_NONBLOCK);
		if (fd < 0) {
			put_err();
			return;
		}
		put_readall(fd);
		close(fd);
	} else if (IS("append")) {
		size_t len;
		char *p;
		int fd;

		NEED(3);
		fd = open(av[1], O_WRONLY | O_APPEND | O_NONBLOCK);
		if (fd < 0) {
			put_err();
			return;
		}
		len = (size_t)arg_num(av[2]);
		p = gen_data(len, (long)arg_num(av[3]));
		n = write(fd, p, len);
		free(p);
		if (n < 0)
			put_err();
		else
			put("n=%zd", n);
		close(fd);
	} else if (IS("truncate")) {
		NEED(2);
		put_rc(truncate(av[1], arg_num(av[2])));
	} else if (IS("unlink")) {
		NEED(1);
		put_rc(unlink(av[1]));
	} else if (IS("rmdir")) {
		NEED(1);
		put_rc(rmdir(av[1]));
	} else if (IS("mkdir")) {
		NEED(2);
		put_rc(mkdir(av[1], arg_mode(av[2])));
	} else if (IS("mkfifo")) {
		NEED(2);
		put_rc(mkfifo(av[1], arg_mode(av[2])));
	} else if (IS("rename")) {
		NEED(2);
		put_rc(rename(av[1], av[2]));
	} else if (IS("renameat2")) {
		unsigned fl = 0;

		NEED(3);
		if (strcmp(av[3], "noreplace") == 0)
			fl = RENAME_NOREPLACE;
		else if (strcmp(av[3], "exchange") == 0)
			fl = RENAME_EXCHANGE;
		else if (strcmp(av[3], "0") != 0)
			bad = 1;
		put_rc(renameat2(AT_FDCWD, av[1], AT_FDCWD, av[2], fl));
	} else if (IS("renameat")) {
		NEED(4);
		put_rc(renameat(arg_dirfd(av[1]), av[2], arg_dirfd(av[3]),
				av[4]));
	} else if (IS("unlinkat")) {
		NEED(3);
		put_rc(unlinkat(arg_dirfd(av[1]), av[2], arg_atflags(av[3])));
	} else if (IS("mkdirat")) {
		NEED(3);
		put_rc(mkdirat(arg_dirfd(av[1]), av[2], arg_mode(av[3])));
	} else if (IS("symlink")) {
		NEED(2);
		put_rc(symlink(av[1], av[2]));
	} else if (IS("symlinkat")) {
		NEED(3);
		put_rc(symlinkat(av[1], arg_dirfd(av[2]), av[3]));
	} else if (IS("readlink") || IS("readlinkat")) {
		if (IS("readlink")) {
			NEED(1);
			n = readlink(av[1], buf, sizeof(buf) - 1);
		} else {
			NEED(2);
			n = readlinkat(arg_dirfd(av[1]), av[2], buf,
				       sizeof(buf) - 1);
		}
		if (n < 0) {
			put_err();
		} else {
			put("-> ");
			put_escaped(buf, (size_t)n);
		}
	} else if (IS("link")) {
		NEED(2);
		put_rc(link(av[1], av[2]));
	} else if (IS("linkat")) {
		NEED(5);
		put_rc(linkat(arg_dirfd(av[1]), av[2], arg_dirfd(av[3]), av[4],
			      arg_atflags(av[5])));
	} else if (IS("chmod")) {
		NEED(2);
		put_rc(chmod(av[1], arg_mode(av[2])));
	} else if (IS("fchmodat")) {
		NEED(4);
		put_rc(fchmodat(arg_dirfd(av[1]), av[2], arg_mode(av[3]),
				arg_atflags(av[4])));
	} else if (IS("chown") || IS("lchown")) {
		NEED(3);
		put_rc((IS("chown") ? chown : lchown)(
			av[1], (uid_t)arg_num(av[2]), (gid_t)arg_num(av[3])));
	} else if (IS("fchownat")) {
		NEED(5);
		put_rc(fchownat(arg_dirfd(av[1]), av[2], (uid_t)arg_num(av[3]),
				(gid_t)arg_num(av[4]), arg_atflags(av[5])));
	} else if (IS("utimensat")) {
		struct timespec ts[2];

		NEED(5);
		ts[0] = arg_time(av[3]);
		ts[1] = arg_time(av[4]);
		put_rc(utimensat(arg_dirfd(av[1]), av[2], ts,
				 arg_atflags(av[5])));
	} else if (IS("setxattr") || IS("lsetxattr")) {
		NEED(4);
		put_rc((IS("setxattr") ? setxattr : lsetxattr)(
			av[1], av[2], av[3], strlen(av[3]), arg_xflags(av[4])));
	} else if (IS("getxattr") || IS("lgetxattr")) {
		NEED(2);
		n = (IS("getxattr") ? getxattr : lgetxattr)(av[1], av[2], buf,
							     sizeof(buf));
		if (n < 0) {
			put_err();
		} else {
			put("= ");
			put_escaped(buf, (size_t)n);
		}
	} else if (IS("listxattr") || IS("llistxattr")) {
		NEED(1);
		n = (IS("listxattr") ? listxattr : llistxattr)(av[1], buf,
							       sizeof(buf));
		if (n < 0)
			put_err();
		else
			put_xattrs(buf, n, NULL, 0);
	} else if (IS("removexattr") || IS("lremovexattr")) {
		NEED(2);
		put_rc((IS("removexattr") ? removexattr : lremovexattr)(av[1],
									av[2]));
	} else if (IS("stat") || IS("lstat")) {
		NEED(1);
		if ((IS("stat") ? stat : lstat)(av[1], &st) < 0)
			put_err();
		else
			put_stat(&st);
	} else if (IS("fstatat")) {
		NEED(3);
		if (fstatat(arg_dirfd(av[1]), av[2], &st, arg_atflags(av[3])) < 0)
			put_err();
		else
			put_stat(&st);
	} else if (IS("statx")) {
		struct statx sx;

		NEED(3);
		if (statx(arg_dirfd(av[1]), av[2], arg_atflags(av[3]),
			  STATX_BASIC_STATS, &sx) < 0) {
			put_err();
		} else {
			put_statfields(sx.stx_mode, (long)sx.stx_nlink,
				       (long)sx.stx_uid, (long)sx.stx_gid,
				       (long long)sx.stx_size,
				       (long)sx.stx_mtime.tv_sec,
				       (long)sx.stx_mtime.tv_nsec,
				       sx.stx_rdev_major, sx.stx_rdev_minor);
			if ((sx.stx_mask & STATX_BASIC_STATS) !=
			    STATX_BASIC_STATS)
				put(" mask=%x", sx.stx_mask & STATX_BASIC_STATS);
		}
	} else if (IS("access")) {
		NEED(2);
		put_rc(access(av[1], arg_amode(av[2])));
	} else if (IS("faccessat")) {
		NEED(4);
		put_rc(faccessat(arg_dirfd(av[1]), av[2], arg_amode(av[3]),
				 arg_atflags(av[4])));
	} else if (IS("ls")) {
		DIR *d;

		NEED(1);
		d = opendir(av[1]);
		if (!d) {
			put_err();
			return;
		}
		put_dir(d);
		closedir(d);
	} else if (IS("lsseek")) {
		NEED(1);
		do_lsseek(av[1]);
	} else if (IS("chdir")) {
		NEED(1);
		put_rc(chdir(av[1]));
	} else if (IS("getcwd")) {
		NEED(0);
		if (!getcwd(buf, sizeof(buf)))
			put_err();
		else
			put("%s", buf);
	} else if (IS("realpath")) {
		char *r;

		NEED(1);
		r = realpath(av[1], NULL);
		if (!r) {
			put_err();
		} else {
			put("%s", r);
			free(r);
		}
	} else if (IS("inocheck")) {
		NEED(1);
		do_inocheck(av[1]);
	} else {
		put("UNKNOWN-OP");
	}
#undef NEED
#undef IS
}

/* SIGALRM only interrupts: a call that blocks (creat of a FIFO opens it
 * without O_NONBLOCK and waits for a reader) answers EINTR on both sides
 * instead of ending the player by the harness's timeout. */
static void on_alarm(int sig)
{
	(void)sig;
}

static int do_ops(FILE *f)
{

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, f)) >= 0) {
		char *av[MAXARGS + 1], *save = NULL, *copy, *tok;
		int ac = 0;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		copy = strdup(line);
		for (tok = strtok_r(copy, " ", &save); tok && ac < MAXARGS;
		     tok = strtok_r(NULL, " ", &save))
			av[ac++] = tok;
		av[ac] = NULL;
		outlen = 0;
		out[0] = 0;
		bad = 0;
		remember_cwd();
		if (ac == 0) {
			put("EMPTY");
		} else if (escapes(ac, av)) {
			put("ESCAPES");
		} else {
			int saved = errno;

			/* A call that succeeds leaves errno as it was: a
			 * program that sets errno to 0 before opendir and
			 * readdir reads a leftover as a failure (cmake's
			 * kwsys counts no names then). */
			errno = 0;
			alarm(2);
			do_op(ac, av);
			alarm(0);
			if (errno && strncmp(out, "-1 ", 3) != 0)
				put(" errno=%s", ename(errno));
			errno = saved;
		}
		if (bad)
			put(" BADARGS");
		printf("%s => %s\n", line, out);
		fflush(stdout);
		free(copy);
	}
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *f = stdin;
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < NSLOTS; i++)
		slots[i] = -1;
	if (argc >= 2 && strcmp(argv[1], "--list") == 0)
		return do_list(argc - 2, argv + 2);
	for (i = 1; i + 1 < argc && strcmp(argv[i], "-r") == 0; i += 2)
		if (nroots < 8)
			roots[nroots++] = argv[i + 1];
	if (i < argc) {
		f = fopen(argv[i], "r");
		if (!f) {
			fprintf(stderr, "driver: %s: %s\n", argv[i],
				strerror(errno));
			return 2;
		}
	}
	return do_ops(f);
}
