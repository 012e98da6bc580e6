/*
 * work_sweep.c - the staged copies that killed processes left in
 * UPPER/.union/work.
 *
 * A copy-up stages its copy there and renames it into place (copy_up.c);
 * a process killed in between (SIGKILL, the OOM killer, a crash) leaves
 * the copy behind, a whole file's worth, which nothing reads.  The
 * kernel empties its own work directory at mount time; the library has
 * no mount, so each image sweeps once a mount, at its first copy-up
 * (before staging its own), out of signal mode: one directory listing a
 * process that copies up, none for the others.  (The table's compaction
 * would be rarer, but it may run in a handler and never runs in a union
 * with few removals; a `union` command would leave a union that no one
 * runs commands on to fill the disk.)
 *
 * The hard part is never to remove the staging of a LIVE process, which
 * would fail its copy-up (its rename finds nothing).  So a staging's
 * name says who made it (un_stage_prefix, then copy_up.c's count):
 *
 *	cu.BOOT.NS.PID.NONCE.N
 *
 * BOOT: the first 64 bits of /proc/sys/kernel/random/boot_id, which the
 * kernel draws anew at each boot and which every PID namespace reads
 * the same; NS: the inode of the maker's PID namespace
 * (/proc/self/ns/pid; 0: unknown); PID: its process id in that
 * namespace; NONCE: the CLOCK_BOOTTIME nanosecond of its first copy-up,
 * so that a process given a dead one's PID never makes a name the dead
 * one left (the copy-up's O_EXCL would fail, and a sweeper that found
 * the dead one's name dead would remove the new one's); N: a count.
 * A staging is removed only when one of these proves its maker dead:
 *
 *  - BOOT differs from ours (both known), and the staging's ctime lies
 *    before this boot (now's CLOCK_REALTIME less CLOCK_BOOTTIME): it
 *    was made by a process of an earlier boot, and no process outlives
 *    a boot -- but one checkpointed and restored since (CRIU) would
 *    carry the old id in its names, which the ctime tells apart: its
 *    stagings made since the restore are younger than the boot.  (The
 *    upper is changed by the processes of one kernel, as an overlay
 *    mount's: a second machine sharing it over a network file system
 *    has another boot id.)
 *  - BOOT and NS are ours, and kill(PID, 0) fails ESRCH: no process has
 *    that id in our namespace.  A namespace's inode is unique among the
 *    living ones, so a name carrying ours was made in ours, or in a dead
 *    one given its number since, whose processes are all dead.  (A PID
 *    reused by another process keeps a dead one's staging: a leak, never
 *    a loss; EPERM says the process lives.)  A name of ANOTHER namespace
 *    (a container beside the host, two `unshare -p` sandboxes) is never
 *    judged by its PID: that process is invisible to kill() here.
 *  - Its ctime lies more than UN_SWEEP_MARGIN before this boot: a
 *    staging is changed last by its maker, so a ctime before the boot
 *    was stamped by a process of an earlier boot.  The margin stands
 *    for a clock stepped forward since (an RTC kept in local time, set
 *    right by NTP at boot): only a step bigger than it could make a
 *    live staging's ctime look older than the boot.  This is the only
 *    proof for the names of session 16 and before (cu.PID.TID.N, no
 *    boot, no namespace), and for a name whose BOOT or NS was unknown
 *    to its maker.
 *
 * Any other name in the work directory is not ours: left alone.  Two
 * gaps: a vfork child shares its parent's memory, so its stagings carry
 * the parent's PID (were the parent killed while the child, which runs
 * on, copies up, a sweep could take the child's staging); a process
 * restored by CRIU after a boot with a staging made before its
 * checkpoint would lose it (its ctime is old).
 *
 * A staged directory is a tree (it may hold names made in it): removed
 * with *at calls relative to the work directory's descriptor, never
 * following a symlink, as the user (the upper is theirs), without
 * recursion (threads of 128 KiB stacks).  Two sweepers racing on one
 * tree each take ENOENT for done.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "real.h"

#define UN_SWEEP_MARGIN (24 * 3600)	/* seconds: see above */
#define SWEEP_BUF 1024			/* a getdents64 read */
#define TREE_PASSES 65536		/* bounds a tree's removal */

/* The boot id's first 64 bits (0: unknown); a fork's child keeps it. */
static uint64_t boot_word;
static bool boot_known;

/* The first 16 hex digits of s (others skipped), or 0. */
static uint64_t hex64(const char *s, size_t len)
{
	uint64_t v = 0;
	int n = 0;

	for (size_t i = 0; i < len && n < 16; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			continue;
		v = v << 4 | (uint64_t)d;
		n++;
	}
	return n == 16 ? v : 0;
}

static uint64_t boot_id(void)
{
	char buf[64];
	long fd, n = -1;

	if (__atomic_load_n(&boot_known, __ATOMIC_ACQUIRE))
		return boot_word;
	fd = real_syscall(SYS_openat, AT_FDCWD,
			  "/proc/sys/kernel/random/boot_id",
			  O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = real_syscall(SYS_read, fd, buf, sizeof(buf));
		real_syscall(SYS_close, fd);
	}
	/* (Unknown stays unknown for this image: not asked again.) */
	__atomic_store_n(&boot_word, n > 0 ? hex64(buf, (size_t)n) : 0,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&boot_known, true, __ATOMIC_RELEASE);
	return boot_word;
}

/* The inode of this process's PID namespace, 0 when /proc cannot say.
   /proc/self is this process in any procfs that shows it, whichever
   namespace the procfs belongs to; one that does not show it fails. */
static uint64_t pid_ns(void)
{
	char buf[64], *end;
	ssize_t n = real_readlink("/proc/self/ns/pid", buf, sizeof(buf) - 1);
	uint64_t v;

	if (n < 7)
		return 0;
	buf[n] = '\0';
	if (strncmp(buf, "pid:[", 5) != 0)
		return 0;
	errno = 0;
	v = strtoull(buf + 5, &end, 10);
	return errno || *end != ']' || end[1] ? 0 : v;
}

/* Who stages: this boot, the PID namespace (0: unknown). */
struct stage_id {
	uint64_t boot, ns;
};

/*
 * The prefix made, into c (when the process has no page: each time).
 * Two threads at their first copy-up at once may each make one, with
 * nonces apart: each names with its own, and the names stay unique (the
 * count is the process's).
 */
static __attribute__((noinline)) size_t stage_make(struct un_stage_cache *c,
						   char *prefix)
{
	struct un_stage_cache made;
	struct timespec t;
	uint64_t nonce;
	int n;

	made.ns = pid_ns();
	clock_gettime(CLOCK_BOOTTIME, &t);
	nonce = ((uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec) | 1;
	n = snprintf(made.prefix, sizeof(made.prefix),
		     "cu.%016" PRIx64 ".%" PRIu64 ".%d.%016" PRIx64 ".",
		     boot_id(), made.ns, (int)un_self_pid(), nonce);
	made.len = n > 0 && (size_t)n < sizeof(made.prefix) ? (uint32_t)n : 0;
	memcpy(prefix, made.prefix, made.len);
	if (c && made.len) {
		memcpy(c->prefix, made.prefix, made.len);
		c->ns = made.ns;
		__atomic_store_n(&c->len, made.len, __ATOMIC_RELEASE);
	}
	return made.len;
}

size_t un_stage_prefix(char *prefix)
{
	struct un_stage_cache *c = un_self_stage();
	uint32_t len = c ? __atomic_load_n(&c->len, __ATOMIC_ACQUIRE) : 0;
	int saved;

	if (__builtin_expect(len != 0, 1)) {
		memcpy(prefix, c->prefix, len);
		return len;
	}
	saved = errno;
	len = stage_make(c, prefix);
	errno = saved;
	return len;
}

/* Who we are, as our staging names say. */
static void stage_me(struct stage_id *me)
{
	struct un_stage_cache *c = un_self_stage();
	char prefix[UN_STAGE_PREFIX_MAX];

	me->boot = boot_id();
	if (c && (__atomic_load_n(&c->len, __ATOMIC_ACQUIRE) ||
		  un_stage_prefix(prefix)))
		me->ns = c->ns;
	else
		me->ns = pid_ns();
}

/* Sixteen hex digits up to the next '.'. */
static bool hex_field(const char **s, uint64_t *v)
{
	const char *p = *s;

	for (int i = 0; i < 16; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	*v = hex64(p, 16);
	*s = p + 16;
	return true;
}

static bool dot(const char **s)
{
	return *(*s)++ == '.';
}

/* What a name in the work directory says of its maker. */
enum verdict {
	KEEP,
	DEAD,
	BEFORE_BOOT,	/* if its ctime is before this boot */
	BY_AGE		/* if its ctime is a margin before this boot */
};

static enum verdict judge(const char *name, const struct stage_id *me)
{
	const char *p = name + 3;
	uint64_t a, b, c, d, e;

	if (strncmp(name, "cu.", 3) != 0)
		return KEEP;	/* not ours */
	/* Session 16 and before: cu.PID.TID.N. */
	if (un_dec_prefix(&p, &a) && dot(&p) && un_dec_prefix(&p, &b) && dot(&p) &&
	    un_dec_prefix(&p, &c) && !*p)
		return BY_AGE;
	p = name + 3;
	if (!(hex_field(&p, &a) && dot(&p) && un_dec_prefix(&p, &b) && dot(&p) &&
	      un_dec_prefix(&p, &c) && dot(&p) && hex_field(&p, &d) && dot(&p) &&
	      un_dec_prefix(&p, &e) && !*p))
		return KEEP;	/* not ours */
	if (a && me->boot && a != me->boot)
		return BEFORE_BOOT;	/* made in another boot */
	if (a && a == me->boot && b && b == me->ns && c > 0 &&
	    c <= INT32_MAX && real_syscall(SYS_kill, (pid_t)c, 0) < 0 &&
	    errno == ESRCH)
		return DEAD;	/* no such process in our namespace */
	return BY_AGE;
}

/*
 * Empty the directory fd (just opened): its non-directories unlinked, its empty
 * directories removed.  1 with the name of a directory that is not
 * empty in sub (the caller goes into it), 0 when fd is empty now, or
 * -errno.
 */
static int empty_level(int fd, char *buf, char sub[NAME_MAX + 1])
{
	long got;

	while ((got = real_syscall(SYS_getdents64, fd, buf, SWEEP_BUF)) > 0) {
		for (long pos = 0; pos < got;) {
			struct dirent64 *e = (struct dirent64 *)(buf + pos);
			const char *n = e->d_name;
			unsigned char type = e->d_type;
			struct stat st;

			pos += e->d_reclen;
			if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
				continue;
			if (type == DT_UNKNOWN) {
				if (real_fstatat(fd, n, &st,
						 AT_SYMLINK_NOFOLLOW) < 0) {
					if (errno == ENOENT)
						continue;
					return -errno;
				}
				type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
			}
			if (real_unlinkat(fd, n,
					  type == DT_DIR ? AT_REMOVEDIR : 0) == 0 ||
			    errno == ENOENT)
				continue;
			if (type == DT_DIR &&
			    (errno == ENOTEMPTY || errno == EEXIST)) {
				memcpy(sub, n, strlen(n) + 1);
				return 1;
			}
			return -errno;
		}
	}
	return got < 0 ? -errno : 0;
}

/* Remove the tree name of the directory wfd: each pass goes down to a
   directory whose subdirectories are all empty and empties it; the next
   removes it. */
static int remove_tree(int wfd, const char *name, char *buf)
{
	char sub[NAME_MAX + 1];

	for (int pass = 0; pass < TREE_PASSES; pass++) {
		int fd, nfd, r;

		if (real_unlinkat(wfd, name, AT_REMOVEDIR) == 0 ||
		    errno == ENOENT)
			return 0;
		if (errno != ENOTEMPTY && errno != EEXIST)
			return -errno;
		fd = real_openat(wfd, name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : -errno;
		while ((r = empty_level(fd, buf, sub)) > 0) {
			nfd = real_openat(fd, sub, O_RDONLY | O_DIRECTORY |
						   O_NOFOLLOW | O_CLOEXEC);
			r = nfd < 0 && errno != ENOENT ? -errno : 0;
			real_syscall(SYS_close, fd);
			fd = nfd;
			if (fd < 0)
				break;	/* (r == 0: another sweeper's) */
		}
		if (fd >= 0)
			real_syscall(SYS_close, fd);
		if (r < 0)
			return r;
	}
	return -ELOOP;
}

/* The work directory of m, open (O_NOFOLLOW), or -1.  Out of line: the
   path's frame is gone before the walk's. */
static __attribute__((noinline)) int work_open(const struct un_mount *m)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/" UN_META_DIR "/work",
			 m->upper);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return real_open(path,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void sweep_dir(struct un_mount *m, int wfd)
{
	char buf[SWEEP_BUF], tbuf[SWEEP_BUF];
	struct stage_id me;
	struct timespec real, boot;
	time_t booted;
	long got;

	stage_me(&me);
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	booted = real.tv_sec - boot.tv_sec;
	while ((got = real_syscall(SYS_getdents64, wfd, buf, SWEEP_BUF)) > 0) {
		off64_t last = 0;

		for (long pos = 0; pos < got;) {
			struct dirent64 *e = (struct dirent64 *)(buf + pos);
			enum verdict v = judge(e->d_name, &me);
			struct stat st;

			pos += e->d_reclen;
			last = e->d_off;
			if (v == KEEP)
				continue;
			if (real_fstatat(wfd, e->d_name, &st,
					 AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if ((v == BY_AGE &&
			     st.st_ctim.tv_sec >= booted - UN_SWEEP_MARGIN) ||
			    (v == BEFORE_BOOT && st.st_ctim.tv_sec >= booted))
				continue;
			if (S_ISDIR(st.st_mode))
				(void)remove_tree(wfd, e->d_name, tbuf);
			else
				real_unlinkat(wfd, e->d_name, 0);
		}
		if (un_dents_end(m, 0, last))
			break;
	}
}

__attribute__((noinline, cold)) void un_work_sweep(struct un_mount *m)
{
	int saved = errno, wfd;

	if (__atomic_exchange_n(&m->work_swept, true, __ATOMIC_ACQ_REL))
		return;		/* (another thread's, or done) */
	wfd = work_open(m);
	if (wfd >= 0) {
		sweep_dir(m, wfd);
		real_syscall(SYS_close, wfd);
	}
	errno = saved;
}
