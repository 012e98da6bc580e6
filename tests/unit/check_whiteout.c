/*
 * check_whiteout.c - unit tests of whiteout.c, the whiteout table.
 *
 * Each test works in its own directory made by mkdtemp under /tmp (in
 * one base directory per run), used as the upper; the table is
 * UPPER/.union/whiteouts.  Several handles opened on one upper stand for
 * several processes of one union; real processes (fork) and threads
 * test the concurrency.  Names follow unionmount-testsuite's
 * operation-precondition style.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "wtable.h"
#include "union_format.h"
#include "unit.h"

#define HEADER "libunion-whiteouts 1\n"

/*
 * main makes basedir and removes it at the end, also after failures
 * (Check skips the teardown of a failed test).
 */
static char basedir[32];
static char tmpdir[64];

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

static const char *upath(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, rel);
	return p;
}

static const char *table_path(void)
{
	return upath(".union/whiteouts");
}

/* A test's own directory (mkdtemp) inside the run's base directory. */
static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	rm_tree(tmpdir);
}

/* The whole content of a file (NUL-terminated too); NULL if absent. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = 2 * (n + 4096 + 1);
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = read(fd, buf + n, 4096);
		ck_assert_int_ge(r, 0);
		n += r;
	} while (r > 0);
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void spew(const char *path, const char *data, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void assert_table(const char *expect, size_t len)
{
	size_t n;
	char *got = slurp(table_path(), &n);

	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(n, len);
	ck_assert(memcmp(got, expect, len) == 0);
	free(got);
}

#define ASSERT_TABLE(lit) assert_table(lit, sizeof(lit) - 1)

static size_t count_lines(const char *path)
{
	size_t n, i, lines = 0;
	char *buf = slurp(path, &n);

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	free(buf);
	return lines;
}

/* The counters of the lock file: 0 generation, 1 epoch, 4 begun. */
#define BEGUN 4

static uint64_t counter(int which)
{
	uint64_t v = 0;
	int fd = open(upath(".union/lock"), O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 8, 8 + 8 * which), 8);
	close(fd);
	return v;
}

/*
 * The version of the lock file a test runs with (the loop tests run
 * with both: _i 0 is version 2, made by the first open; 1 is version 1,
 * made here first, as a library of before 2026-12-06 made it).
 */
static int lock_version;

static void use_version(int i)
{
	lock_version = i ? 1 : 2;
	if (lock_version == 1) {
		char head[4096] = "UNWTGEN1";
		int fd;

		ck_assert_int_eq(mkdir(upath(".union"), 0755), 0);
		fd = open(upath(".union/lock"), O_WRONLY | O_CREAT | O_EXCL,
			  0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, head, sizeof(head)),
				 (ssize_t)sizeof(head));
		close(fd);
	}
}

/* What a writer of the lock file's version does once it holds the lock,
   before it touches the table (a test then plays the rest of it, or its
   death, by hand): raise `begun` (version 2). */
static void writer_begins(void)
{
	uint64_t v;
	int fd;

	if (lock_version == 1)
		return;
	fd = open(upath(".union/lock"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 8, 8 + 8 * BEGUN), 8);
	v++;
	ck_assert_int_eq(pwrite(fd, &v, 8, 8 + 8 * BEGUN), 8);
	close(fd);
}

/* A compaction that dies after its rename, before its epoch bump: the
   table at the path is rewritten (text, len bytes), the epoch is not. */
static void compaction_dies_before_epoch(const char *text, size_t len)
{
	writer_begins();
	spew(upath(".union/whiteouts.tmp"), text, len, O_TRUNC);
	ck_assert_int_eq(rename(upath(".union/whiteouts.tmp"), table_path()),
			 0);
	ck_assert_uint_eq(counter(1), 0);
}

static struct un_wtable *open_ok(void)
{
	struct un_wtable *wt = NULL;

	ck_assert_int_eq(un_wtable_open(tmpdir, &wt), 0);
	ck_assert_ptr_nonnull(wt);
	return wt;
}

static enum un_wkind get(struct un_wtable *wt, const char *rel)
{
	return un_wtable_get(wt, rel, strlen(rel));
}

static bool below(struct un_wtable *wt, const char *rel)
{
	return un_wtable_has_below(wt, rel, strlen(rel));
}

/* Send stderr to a file until capture_end, which returns what came. */
static int saved_stderr = -1;

static void capture_begin(void)
{
	int fd = open(upath("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *capture_end(void)
{
	char *text;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	text = slurp(upath("stderr.txt"), NULL);
	ck_assert_ptr_nonnull(text);
	unlink(upath("stderr.txt"));
	return text;
}

/* Descriptors of this process open on files in .union. */
static int our_fds(int *fds, int max)
{
	char link[64], target[PATH_MAX];
	const char *meta = upath(".union/");
	int fd, n = 0;
	ssize_t len;

	for (fd = 0; fd < 4096 && n < max; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strncmp(target, meta, strlen(meta)) == 0)
			fds[n++] = fd;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Opening.                                                            */

START_TEST(open_fresh)
{
	struct un_wtable *wt = open_ok();
	struct stat st;
	char *lock;
	size_t len;

	ck_assert_int_eq(stat(upath(".union"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat(upath(".union/work"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ASSERT_TABLE(HEADER);
	lock = slurp(upath(".union/lock"), &len);
	ck_assert_uint_eq(len, 4096);
	ck_assert(memcmp(lock, "UNWTGEN2", 8) == 0);
	free(lock);
	ck_assert_uint_eq(counter(0), 0);
	ck_assert_uint_eq(counter(1), 0);
	ck_assert_int_eq(get(wt, "a"), UN_W_NONE);
	ck_assert(!below(wt, ""));
	un_wtable_release(wt);

	/* Again, over what is there now. */
	wt = open_ok();
	ASSERT_TABLE(HEADER);
	un_wtable_release(wt);
}
END_TEST

/* A fresh table's stamp is not 0, which stands for layers that never
   change (namei.c walk_stamp_holds): a walk in a new union took the
   first directory change for none. */
START_TEST(stamp_fresh_not_zero)
{
	struct un_wtable *wt = open_ok();
	uint64_t fresh = un_wtable_stamp(wt), before, after;

	ck_assert_uint_ne(fresh, 0);
	ck_assert(un_wtable_bump_dirs_own(wt, &before, &after));
	ck_assert_uint_eq(before, fresh);
	ck_assert_uint_ne(after, fresh);
	ck_assert_uint_ne(after, 0);
	ck_assert_uint_eq(un_wtable_stamp(wt), after);
	un_wtable_release(wt);
	ck_assert_uint_eq(un_wtable_stamp(NULL), 0);
}
END_TEST

START_TEST(open_empty_table)
{
	struct un_wtable *wt;

	ck_assert_int_eq(mkdir(upath(".union"), 0755), 0);
	spew(table_path(), "", 0, O_TRUNC);
	wt = open_ok();
	ASSERT_TABLE(HEADER);
	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_WHITEOUT), 0);
	ASSERT_TABLE(HEADER "w a\n");
	un_wtable_release(wt);
}
END_TEST

/* The creator was killed while it wrote the header. */
START_TEST(open_unfinished_header)
{
	struct un_wtable *wt;

	ck_assert_int_eq(mkdir(upath(".union"), 0755), 0);
	spew(table_path(), "libunion-whit", 13, O_TRUNC);
	wt = open_ok();
	ck_assert_int_eq(get(wt, "libunion-whit"), UN_W_NONE);
	ck_assert(!below(wt, ""));
	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_WHITEOUT), 0);
	ASSERT_TABLE(HEADER "w a\n");
	un_wtable_release(wt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* set and get.                                                        */

START_TEST(set_plain)
{
	struct un_wtable *wt = open_ok();

	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "a/b", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "d", UN_W_OPAQUE), 0);
	ck_assert_int_eq(get(wt, "a"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, "a/b"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, "d"), UN_W_OPAQUE);
	ck_assert_int_eq(get(wt, "b"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "a/"), UN_W_NONE);
	ck_assert_int_eq(get(wt, ""), UN_W_NONE);
	/* rel_len bounds the name: no NUL needed. */
	ck_assert_int_eq(un_wtable_get(wt, "a/b/c", 3), UN_W_WHITEOUT);
	ck_assert_int_eq(un_wtable_get(wt, "dx", 1), UN_W_OPAQUE);
	ASSERT_TABLE(HEADER "w a\nw a/b\no d\n");

	/* A different kind replaces the record. */
	ck_assert_int_eq(un_wtable_set(wt, "d", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(wt, "d"), UN_W_WHITEOUT);
	ASSERT_TABLE(HEADER "w a\nw a/b\no d\nw d\n");
	ck_assert_uint_eq(counter(0), 4);
	un_wtable_release(wt);
}
END_TEST

static const char *const odd_names[] = {
	"new\nline", "back\\slash", "sp ace", "\xff\xfe", "tab\there",
	"dir/\001ctl", "x\x7f", "\\x41", "caf\xc3\xa9",
};

START_TEST(set_odd_names)
{
	struct un_wtable *wt = open_ok();
	size_t i;

	for (i = 0; i < sizeof(odd_names) / sizeof(*odd_names); i++)
		ck_assert_int_eq(un_wtable_set(wt, odd_names[i],
					       UN_W_WHITEOUT), 0);
	for (i = 0; i < sizeof(odd_names) / sizeof(*odd_names); i++)
		ck_assert_int_eq(get(wt, odd_names[i]), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, "new"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "A"), UN_W_NONE);
	ASSERT_TABLE(HEADER
		     "w new\\x0aline\n"
		     "w back\\x5cslash\n"
		     "w sp\\x20ace\n"
		     "w \\xff\\xfe\n"
		     "w tab\\x09here\n"
		     "w dir/\\x01ctl\n"
		     "w x\\x7f\n"
		     "w \\x5cx41\n"
		     "w caf\\xc3\\xa9\n");
	un_wtable_release(wt);

	wt = open_ok();
	for (i = 0; i < sizeof(odd_names) / sizeof(*odd_names); i++)
		ck_assert_int_eq(get(wt, odd_names[i]), UN_W_WHITEOUT);
	ck_assert(below(wt, "dir"));
	un_wtable_release(wt);
}
END_TEST

/* Keys longer than a buffer of copies (2 KiB, wt_map.c) between short
   ones: each is kept whole, in the map and in the file. */
START_TEST(set_long_keys)
{
	struct un_wtable *wt = open_ok();
	static char key[3][5200];
	static const size_t lens[3] = { 2047, 3000, 5100 };
	int i, k, round;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < (int)lens[k]; i++)
			key[k][i] = i % 100 == 99 ? '/' : (char)('a' + (i + k) % 26);
		key[k][lens[k] - 1] = 'z';
		key[k][lens[k]] = '\0';
	}
	for (i = 0; i < 40; i++) {
		char p[32];

		snprintf(p, sizeof(p), "short/f%d", i);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT), 0);
		if (i % 14 == 0)
			ck_assert_int_eq(un_wtable_set(wt, key[i / 14],
						       UN_W_WHITEOUT), 0);
	}
	for (round = 0; round < 2; round++) {
		for (k = 0; k < 3; k++)
			ck_assert_int_eq(get(wt, key[k]), UN_W_WHITEOUT);
		for (i = 0; i < 40; i++) {
			char p[32];

			snprintf(p, sizeof(p), "short/f%d", i);
			ck_assert_int_eq(get(wt, p), UN_W_WHITEOUT);
		}
		un_wtable_release(wt);
		wt = open_ok();		/* the file says the same */
	}
	un_wtable_release(wt);
}
END_TEST

START_TEST(set_none)
{
	struct un_wtable *wt = open_ok();

	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_NONE), 0);
	ck_assert_int_eq(get(wt, "a"), UN_W_NONE);
	ASSERT_TABLE(HEADER "w a\n- a\n");
	ck_assert_uint_eq(counter(0), 2);

	/* Nothing to change: nothing written, nobody woken. */
	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_NONE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "zz", UN_W_NONE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "b", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "b", UN_W_OPAQUE), 0);
	ASSERT_TABLE(HEADER "w a\n- a\no b\n");
	ck_assert_uint_eq(counter(0), 3);
	un_wtable_release(wt);

	wt = open_ok();
	ck_assert_int_eq(get(wt, "a"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "b"), UN_W_OPAQUE);
	un_wtable_release(wt);
}
END_TEST

START_TEST(set_invalid)
{
	static const char *const bad[] = {
		"", "/a", "a/", "a//b", ".", "..", "a/.", "a/../b", "./a",
	};
	struct un_wtable *wt = open_ok();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_int_eq(un_wtable_set(wt, bad[i], UN_W_WHITEOUT),
				 -EINVAL);
	ck_assert_int_eq(un_wtable_set(wt, "a", (enum un_wkind)'x'), -EINVAL);
	ck_assert_int_eq(un_wtable_clear_below(wt, "a/"), -EINVAL);
	/* Dots inside a name are fine. */
	ck_assert_int_eq(un_wtable_set(wt, "...", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, ".a/b..", UN_W_WHITEOUT), 0);
	ASSERT_TABLE(HEADER "w ...\nw .a/b..\n");
	un_wtable_release(wt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* has_below and clear_below.                                          */

START_TEST(has_below_ancestors)
{
	struct un_wtable *wt = open_ok();

	ck_assert_int_eq(un_wtable_set(wt, "a/b/c", UN_W_WHITEOUT), 0);
	ck_assert(below(wt, ""));
	ck_assert(below(wt, "a"));
	ck_assert(below(wt, "a/b"));
	ck_assert(!below(wt, "a/b/c"));
	ck_assert(!below(wt, "a/bc"));
	ck_assert(!below(wt, "b"));
	ck_assert(un_wtable_has_below(wt, "a/x", 1));

	/* Two records share the ancestors. */
	ck_assert_int_eq(un_wtable_set(wt, "a/d", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "a/b/c", UN_W_NONE), 0);
	ck_assert(below(wt, "a"));
	ck_assert(!below(wt, "a/b"));
	ck_assert_int_eq(un_wtable_set(wt, "a/d", UN_W_NONE), 0);
	ck_assert(!below(wt, "a"));
	ck_assert(!below(wt, ""));

	/* The record itself is not below itself. */
	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_OPAQUE), 0);
	ck_assert(!below(wt, "a"));
	ck_assert(below(wt, ""));
	un_wtable_release(wt);
}
END_TEST

/* Many records below and beside, with tombstones between them: every
   one below goes (the slots the scan found are the ones taken out), none
   beside, in the map and in the file. */
START_TEST(clear_below_many)
{
	struct un_wtable *wt = open_ok();
	char p[32];
	int i;

	for (i = 0; i < 600; i++) {
		snprintf(p, sizeof(p), "d/s%d/f%d", i % 7, i);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT), 0);
		snprintf(p, sizeof(p), "e/f%d", i);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT), 0);
		if (i % 5 == 0)
			ck_assert_int_eq(un_wtable_set(wt, p, UN_W_NONE), 0);
	}
	ck_assert_int_eq(un_wtable_clear_below(wt, "d/s3"), 0);
	ck_assert(!below(wt, "d/s3"));
	ck_assert(below(wt, "d/s4"));
	ck_assert_int_eq(un_wtable_clear_below(wt, "d"), 0);
	for (i = 0; i < 2; i++) {
		int j;

		ck_assert(!below(wt, "d"));
		for (j = 0; j < 600; j++) {
			snprintf(p, sizeof(p), "d/s%d/f%d", j % 7, j);
			ck_assert_int_eq(get(wt, p), UN_W_NONE);
			snprintf(p, sizeof(p), "e/f%d", j);
			ck_assert_int_eq(get(wt, p), j % 5 ? UN_W_WHITEOUT :
					 UN_W_NONE);
		}
		un_wtable_release(wt);
		wt = open_ok();		/* the file says the same */
	}
	un_wtable_release(wt);
}
END_TEST

/* The table's descriptor closed behind the handle (a raw close) just
   before an rmdir, and the file replaced by a copy (a new inode, as a
   compaction killed before its epoch bump leaves it): clear_below's
   append reopens and reloads the table, which moves every slot, so the
   records below go by a second scan of the new map, not by the slots
   the first scan found there.  (Fewer than WT_OWN_MAX changes: each is
   its writer's shortcut, which reads nothing before the append that
   finds the number closed.) */
START_TEST(clear_below_table_closed)
{
	struct un_wtable *wt = open_ok();
	struct wt_rec *slot0;
	char p[32];
	int i, round;

	/* Dead lines first: the reload sizes its map by the file's lines,
	   so the slots of the records differ from the map built change by
	   change (taking out the first scan's slots would miss them). */
	for (i = 0; i < 20; i++) {
		snprintf(p, sizeof(p), "x/f%d", i);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT), 0);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_NONE), 0);
	}
	for (i = 0; i < 8; i++) {
		snprintf(p, sizeof(p), "d/s%d/f%d", i % 3, i);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT), 0);
		snprintf(p, sizeof(p), "e/f%d", i);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT), 0);
	}
	ck_assert_int_eq(un_wtable_set(wt, "d", UN_W_OPAQUE), 0);
	slot0 = wt->mem.slot;
	ck_assert_int_ge(wt->tfd, 0);
	ck_assert_int_eq(close(wt->tfd), 0);
	{
		size_t len;
		char *copy = slurp(upath(".union/whiteouts"), &len);

		spew(upath(".union/copy"), copy, len, O_TRUNC);
		free(copy);
		ck_assert_int_eq(rename(upath(".union/copy"),
					upath(".union/whiteouts")), 0);
	}
	ck_assert_int_eq(un_wtable_clear_below(wt, "d"), 0);
	/* Reloaded (not the map the scan walked): the fallback ran. */
	ck_assert_ptr_ne(wt->mem.slot, slot0);
	for (round = 0; round < 2; round++) {
		ck_assert(!below(wt, "d"));
		ck_assert(below(wt, "e"));
		ck_assert_int_eq(get(wt, "d"), UN_W_OPAQUE);
		for (i = 0; i < 8; i++) {
			snprintf(p, sizeof(p), "d/s%d/f%d", i % 3, i);
			ck_assert_int_eq(get(wt, p), UN_W_NONE);
			snprintf(p, sizeof(p), "e/f%d", i);
			ck_assert_int_eq(get(wt, p), UN_W_WHITEOUT);
		}
		un_wtable_release(wt);
		wt = open_ok();		/* the file says the same */
	}
	un_wtable_release(wt);
}
END_TEST

/*
 * rm -rf's order beside a big table: 40 directories of 6 subdirectories
 * of 8 files, all whited out, then each subdirectory and each directory
 * cleared in turn, some files set again after their directory's clear
 * (a key taken out and set again), some taken out one by one.  Past
 * WT_IDX_MIN records and WT_IDX_WALKS slots walked a record (about 30
 * clears here) the map's index by directory answers clear_below
 * (wt_map.c): the same records must go as by the
 * walk, which a model of the expected kinds checks after every clear,
 * and the file says the same to a fresh handle.
 */
#define IX_D 40
#define IX_S 6
#define IX_F 8
#define IX_OTHER 9000	/* past WT_IDX_MIN with the tree's */

static enum un_wkind ix_model[IX_D][IX_S][IX_F];

static void ix_check(struct un_wtable *wt)
{
	char p[64];

	for (int d = 0; d < IX_D; d++)
		for (int s = 0; s < IX_S; s++)
			for (int f = 0; f < IX_F; f++) {
				snprintf(p, sizeof(p), "t/d%d/s%d/f%d", d, s, f);
				ck_assert_msg(get(wt, p) == ix_model[d][s][f],
					      "%s: %d, not %d", p, get(wt, p),
					      ix_model[d][s][f]);
			}
}

START_TEST(clear_below_index)
{
	struct un_wtable *wt = open_ok();
	bool indexed = false;
	char p[64];

	for (int i = 0; i < IX_OTHER; i++) {
		snprintf(p, sizeof(p), "other/g%d", i);
		ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT), 0);
	}
	for (int d = 0; d < IX_D; d++)
		for (int s = 0; s < IX_S; s++)
			for (int f = 0; f < IX_F; f++) {
				snprintf(p, sizeof(p), "t/d%d/s%d/f%d", d, s, f);
				ck_assert_int_eq(un_wtable_set(wt, p,
							       UN_W_WHITEOUT), 0);
				ix_model[d][s][f] = UN_W_WHITEOUT;
			}
	for (int d = 0; d < IX_D; d++) {
		for (int s = 0; s < IX_S; s++) {
			snprintf(p, sizeof(p), "t/d%d/s%d/f0", d, s);
			if (s == 1) {	/* one taken out alone first */
				ck_assert_int_eq(un_wtable_set(wt, p,
							       UN_W_NONE), 0);
				ix_model[d][s][0] = UN_W_NONE;
			}
			snprintf(p, sizeof(p), "t/d%d/s%d", d, s);
			ck_assert_int_eq(un_wtable_clear_below(wt, p), 0);
			indexed |= wt->mem.idx != NULL;
			for (int f = 0; f < IX_F; f++)
				ix_model[d][s][f] = UN_W_NONE;
			ck_assert_int_eq(un_wtable_set(wt, p, UN_W_WHITEOUT),
					 0);
			if (s == 2) {	/* set again below a cleared one */
				snprintf(p, sizeof(p), "t/d%d/s%d/f3", d, s);
				ck_assert_int_eq(un_wtable_set(wt, p,
							       UN_W_OPAQUE), 0);
				ix_model[d][s][3] = UN_W_OPAQUE;
			}
		}
		if (d % 3 == 0)
			ix_check(wt);
		snprintf(p, sizeof(p), "t/d%d", d);
		ck_assert_int_eq(un_wtable_clear_below(wt, p), 0);
		indexed |= wt->mem.idx != NULL;
		for (int s = 0; s < IX_S; s++) {
			snprintf(p, sizeof(p), "t/d%d/s%d", d, s);
			ck_assert_int_eq(get(wt, p), UN_W_NONE);
			for (int f = 0; f < IX_F; f++)
				ix_model[d][s][f] = UN_W_NONE;
		}
		if (d % 3 == 0)
			ix_check(wt);
	}
	ck_assert_msg(indexed, "the index was never made");
	ix_check(wt);
	ck_assert(!below(wt, "t"));
	ck_assert(below(wt, "other"));
	un_wtable_release(wt);
	wt = open_ok();		/* the file says the same */
	ix_check(wt);
	ck_assert(!below(wt, "t"));
	snprintf(p, sizeof(p), "other/g%d", IX_OTHER - 1);
	ck_assert_int_eq(get(wt, p), UN_W_WHITEOUT);
	un_wtable_release(wt);
}
END_TEST

START_TEST(clear_below_dir)
{
	struct un_wtable *wt = open_ok();

	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "a/x", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "a/y/z", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "a/y", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "ab/q", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "b", UN_W_WHITEOUT), 0);
	ck_assert_uint_eq(counter(0), 6);

	ck_assert_int_eq(un_wtable_clear_below(wt, "a"), 0);
	ck_assert_uint_eq(counter(0), 7);
	ck_assert_int_eq(get(wt, "a"), UN_W_OPAQUE);
	ck_assert_int_eq(get(wt, "a/x"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "a/y"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "a/y/z"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "ab/q"), UN_W_WHITEOUT);
	ck_assert(!below(wt, "a"));
	ck_assert(below(wt, "ab"));
	ck_assert_uint_eq(count_lines(table_path()), 1 + 6 + 3);

	/* Nothing below: nothing written. */
	ck_assert_int_eq(un_wtable_clear_below(wt, "a"), 0);
	ck_assert_int_eq(un_wtable_clear_below(wt, "nothere"), 0);
	ck_assert_uint_eq(counter(0), 7);
	ck_assert_uint_eq(count_lines(table_path()), 1 + 6 + 3);

	/* The root: everything goes. */
	ck_assert_int_eq(un_wtable_clear_below(wt, ""), 0);
	ck_assert(!below(wt, ""));
	ck_assert_int_eq(get(wt, "a"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "b"), UN_W_NONE);
	un_wtable_release(wt);

	wt = open_ok();
	ck_assert(!below(wt, ""));
	un_wtable_release(wt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Persistence and other handles.                                      */

START_TEST(reopen_persist)
{
	struct un_wtable *wt = open_ok();

	ck_assert_int_eq(un_wtable_set(wt, "x", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "d", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "d/e/f", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "g", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "g", UN_W_NONE), 0);
	un_wtable_release(wt);

	wt = open_ok();
	ck_assert_int_eq(get(wt, "x"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, "d"), UN_W_OPAQUE);
	ck_assert_int_eq(get(wt, "d/e/f"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, "g"), UN_W_NONE);
	ck_assert(below(wt, "d/e"));
	ck_assert(!below(wt, "x"));
	un_wtable_release(wt);
}
END_TEST

START_TEST(generation_other_handle)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok();

	ck_assert_int_eq(get(w2, "a"), UN_W_NONE);
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w2, "a"), UN_W_WHITEOUT);

	ck_assert_int_eq(un_wtable_set(w2, "p/q", UN_W_OPAQUE), 0);
	ck_assert(below(w1, "p"));
	ck_assert_int_eq(get(w1, "p/q"), UN_W_OPAQUE);

	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_NONE), 0);
	ck_assert_int_eq(get(w2, "a"), UN_W_NONE);

	ck_assert_int_eq(un_wtable_clear_below(w1, "p"), 0);
	ck_assert(!below(w2, "p"));
	ck_assert_int_eq(get(w2, "p/q"), UN_W_NONE);
	ck_assert_uint_eq(counter(0), 4);
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/*
 * An empty table is answered without the locks (the generation at which
 * the maps were last seen empty).  A record appended without its
 * generation (a writer killed between its append and the bump) is taken
 * in by the next change's catch-up, even a change that writes nothing:
 * lookups must answer from the maps then, not from the old emptiness.
 */
START_TEST(empty_then_unannounced_line)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok();
	char line[64];
	size_t n;

	ck_assert_int_eq(get(w1, "a"), UN_W_NONE);
	ck_assert(!below(w1, ""));
	n = un_fmt_rec_encode(line, 'w', "a", 1);
	spew(table_path(), line, n, O_APPEND);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_NONE), 0);
	ck_assert_int_eq(get(w1, "a"), UN_W_WHITEOUT);
	ck_assert(below(w1, ""));
	/* Another handle's change, announced: seen through the emptiness. */
	ck_assert_int_eq(get(w2, "c"), UN_W_NONE);
	ck_assert_int_eq(un_wtable_set(w1, "c", UN_W_OPAQUE), 0);
	ck_assert_int_eq(get(w2, "c"), UN_W_OPAQUE);
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/*
 * A line a running handle has already read, changed in place behind the
 * lock (by hand): the handle's next change that reads the file is
 * refused with EUCLEAN and a line naming the table, rather than going
 * on from maps the file no longer backs; a fresh handle reads the file
 * whole and objects too.  With a lock file of version 1 that is w1's
 * next change.  With version 2, w1 (whose own change was the last)
 * skips the read; w2 reads, and its attempt, a writer's, sends w1 the
 * full way too.
 */
START_TEST(generation_changed_in_place)
{
	struct un_wtable *w1, *w2, *w3;
	char *err;
	int fd;

	use_version(_i);
	w1 = open_ok();
	w2 = open_ok();
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w2, "a"), UN_W_WHITEOUT);

	fd = open(table_path(), O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "x", 1, strlen(HEADER)), 1);
	close(fd);

	capture_begin();
	if (lock_version == 2)
		ck_assert_int_eq(un_wtable_set(w2, "b", UN_W_WHITEOUT),
				 -EUCLEAN);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), -EUCLEAN);
	err = capture_end();
	ck_assert_ptr_nonnull(strstr(err, table_path()));
	ck_assert_ptr_nonnull(strstr(err, "changed in place"));
	free(err);
	/* What it had read stands (nothing dropped, nothing invented). */
	ck_assert_int_eq(get(w1, "a"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w1, "b"), UN_W_NONE);

	capture_begin();
	ck_assert_int_eq(un_wtable_open(tmpdir, &w3), -EUCLEAN);
	err = capture_end();
	ck_assert_ptr_nonnull(strstr(err, "corrupt at line 2: "));
	free(err);
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/*
 * The same size, other bytes: the file cut short by a record and another
 * record appended by a fresh handle (which takes the cut line for a
 * killed append).  The running handle's catch-up sees the change.
 */
START_TEST(generation_cut_and_refilled)
{
	struct un_wtable *w1 = open_ok(), *w2;
	char *err;

	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(truncate(table_path(), strlen(HEADER) + 3), 0);
	capture_begin();
	w2 = open_ok();
	ck_assert_int_eq(un_wtable_set(w2, "d", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "e", UN_W_WHITEOUT), -EUCLEAN);
	err = capture_end();
	ck_assert_ptr_nonnull(strstr(err, table_path()));
	free(err);
	ck_assert_int_eq(get(w1, "a"), UN_W_WHITEOUT);
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The writer's shortcut (wt_sync_locked): a handle whose own change was */
/* the last one skips reading the table again.                         */

/*
 * Another handle's change in between (it raised `begun`) is read before
 * w1 appends: its record is in w1's maps (a cancel of it is written,
 * not taken for "already so"), and w1's append lands after it.
 */
START_TEST(own_other_append)
{
	struct un_wtable *w1, *w2, *w3;
	uint64_t b;

	use_version(_i);
	w1 = open_ok();
	w2 = open_ok();
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	b = counter(BEGUN);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	ck_assert_uint_eq(counter(BEGUN), b + 1);
	ck_assert_int_eq(un_wtable_set(w2, "c", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "d", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "c", UN_W_NONE), 0);
	ASSERT_TABLE(HEADER "w a\nw b\nw c\nw d\n- c\n");
	ck_assert_int_eq(get(w1, "c"), UN_W_NONE);
	ck_assert_int_eq(get(w2, "c"), UN_W_NONE);
	ck_assert_int_eq(get(w2, "d"), UN_W_WHITEOUT);
	w3 = open_ok();
	ck_assert_int_eq(get(w3, "c"), UN_W_NONE);
	ck_assert_int_eq(get(w3, "b"), UN_W_WHITEOUT);
	un_wtable_release(w1);
	un_wtable_release(w2);
	un_wtable_release(w3);
}
END_TEST

static void sig_mode(bool on);

/* A handler's change (its own writer, wt_signal.c) between two of the
   handle's ordinary ones is read as another handle's would be. */
START_TEST(own_signal_writer)
{
	struct un_wtable *w1 = open_ok();

	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	sig_mode(true);
	ck_assert_int_eq(un_wtable_set(w1, "s", UN_W_WHITEOUT), 0);
	sig_mode(false);
	ck_assert_int_eq(un_wtable_set(w1, "t", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "s", UN_W_NONE), 0);
	ASSERT_TABLE(HEADER "w a\nw b\nw s\nw t\n- s\n");
	un_wtable_release(w1);
}
END_TEST

/*
 * The table cut short by hand (no writer's lock, nothing announced): a
 * handle on the shortcut appends unawares, but reads the file whole
 * within WT_OWN_MAX + 1 changes, finds it shorter than what it wrote,
 * and refuses from then on.  With version 1 the very next change reads
 * the file.
 */
START_TEST(own_full_read_bounded)
{
	struct un_wtable *w1;
	char name[32], *err;
	int k, rc = 0;

	use_version(_i);
	w1 = open_ok();
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(truncate(table_path(), strlen(HEADER) + 4), 0);
	capture_begin();
	for (k = 0; k <= WT_OWN_MAX + 1; k++) {
		snprintf(name, sizeof(name), "n%d", k);
		rc = un_wtable_set(w1, name, UN_W_WHITEOUT);
		if (rc != 0)
			break;
	}
	err = capture_end();
	ck_assert_int_eq(rc, -EUCLEAN);
	ck_assert_int_le(k, lock_version == 1 ? 0 : WT_OWN_MAX);
	ck_assert_ptr_nonnull(strstr(err, "cut short"));
	free(err);
	un_wtable_release(w1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Compaction.                                                         */

START_TEST(compact_dead_lines)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok(), *w3;
	char name[32];
	struct stat st;
	int i;

	ck_assert_int_eq(un_wtable_set(w2, "keep/me", UN_W_OPAQUE), 0);
	for (i = 0; i < 700; i++) {
		snprintf(name, sizeof(name), "d%d/f%d", i % 7, i);
		ck_assert_int_eq(un_wtable_set(w1, name, UN_W_WHITEOUT), 0);
	}
	ck_assert_int_eq(get(w2, "d3/f3"), UN_W_WHITEOUT);
	ck_assert_uint_eq(counter(1), 0);
	for (i = 0; i < 650; i++) {
		snprintf(name, sizeof(name), "d%d/f%d", i % 7, i);
		ck_assert_int_eq(un_wtable_set(w1, name, UN_W_NONE), 0);
	}
	/* Rewritten at least once: far fewer lines than 1 + 1 + 1350. */
	ck_assert_uint_ge(counter(1), 1);
	ck_assert_uint_lt(count_lines(table_path()), 1000);
	ck_assert_int_ne(stat(upath(".union/whiteouts.tmp"), &st), 0);

	/* w2 loaded the old file: it must notice the rewrite. */
	for (i = 0; i < 700; i++) {
		snprintf(name, sizeof(name), "d%d/f%d", i % 7, i);
		ck_assert_int_eq(get(w2, name),
				 i < 650 ? UN_W_NONE : UN_W_WHITEOUT);
	}
	ck_assert_int_eq(get(w2, "keep/me"), UN_W_OPAQUE);
	ck_assert(below(w2, "keep"));
	ck_assert(below(w2, "d0"));

	/* Writing through a handle that last read the old file. */
	w3 = open_ok();
	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "e/%d", i);
		ck_assert_int_eq(un_wtable_set(w3, name, UN_W_WHITEOUT), 0);
		ck_assert_int_eq(un_wtable_set(w3, name, UN_W_NONE), 0);
	}
	ck_assert_uint_ge(counter(1), 2);
	ck_assert_int_eq(un_wtable_set(w1, "last", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w2, "last2", UN_W_WHITEOUT), 0);
	un_wtable_release(w3);

	w3 = open_ok();
	for (i = 0; i < 700; i++) {
		snprintf(name, sizeof(name), "d%d/f%d", i % 7, i);
		ck_assert_int_eq(get(w3, name),
				 i < 650 ? UN_W_NONE : UN_W_WHITEOUT);
		ck_assert_int_eq(get(w2, name), get(w1, name));
	}
	ck_assert(!below(w3, "e"));
	ck_assert(!below(w1, "e"));
	ck_assert_int_eq(get(w3, "keep/me"), UN_W_OPAQUE);
	ck_assert_int_eq(get(w3, "last"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w1, "last2"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w2, "last"), UN_W_WHITEOUT);
	un_wtable_release(w1);
	un_wtable_release(w2);
	un_wtable_release(w3);
}
END_TEST

/*
 * A compaction killed after its rename, before its epoch bump: the next
 * writer must notice and append to the new file, not the unlinked one.
 */
START_TEST(compact_killed_before_epoch)
{
	struct un_wtable *w1, *w2;
	static const char rewritten[] = HEADER "w a\no d\n";

	use_version(_i);
	w1 = open_ok();
	w2 = open_ok();
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_NONE), 0);
	ck_assert_int_eq(un_wtable_set(w1, "d", UN_W_OPAQUE), 0);
	ck_assert_int_eq(get(w2, "d"), UN_W_OPAQUE);

	compaction_dies_before_epoch(rewritten, sizeof(rewritten) - 1);

	ck_assert_int_eq(un_wtable_set(w1, "e", UN_W_WHITEOUT), 0);
	ASSERT_TABLE(HEADER "w a\no d\nw e\n");
	ck_assert_uint_eq(counter(1), 1);
	ck_assert_int_eq(get(w2, "e"), UN_W_WHITEOUT);
	ck_assert_int_eq(un_wtable_set(w2, "f", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w1, "f"), UN_W_WHITEOUT);
	ASSERT_TABLE(HEADER "w a\no d\nw e\nw f\n");
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/*
 * The same, the next writer a handle opened the reader's way (it keeps
 * no descriptor of the table, wt_open_fast): its reopen finds another
 * file at the path, bumps the epoch as a held descriptor without a link
 * would, and the handle still holding the unlinked file moves too.
 */
START_TEST(compact_killed_before_epoch_reader)
{
	struct un_wtable *w1, *w2;
	static const char rewritten[] = HEADER "w a\no d\n";

	use_version(_i);
	w1 = open_ok();
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_NONE), 0);
	ck_assert_int_eq(un_wtable_set(w1, "d", UN_W_OPAQUE), 0);
	w2 = open_ok();
	ck_assert_int_lt(w2->tfd, 0);
	ck_assert_int_eq(get(w2, "d"), UN_W_OPAQUE);

	compaction_dies_before_epoch(rewritten, sizeof(rewritten) - 1);

	ck_assert_int_eq(un_wtable_set(w2, "e", UN_W_WHITEOUT), 0);
	ASSERT_TABLE(HEADER "w a\no d\nw e\n");
	ck_assert_uint_eq(counter(1), 1);
	ck_assert_int_eq(get(w1, "e"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w1, "d"), UN_W_OPAQUE);
	ck_assert_int_eq(un_wtable_set(w1, "f", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w2, "f"), UN_W_WHITEOUT);
	ASSERT_TABLE(HEADER "w a\no d\nw e\nw f\n");
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Unfinished writes and corruption.                                   */

START_TEST(unfinished_last_line)
{
	struct un_wtable *w1, *w2;

	use_version(_i);
	w1 = open_ok();
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	writer_begins();
	spew(table_path(), "w foo", 5, O_APPEND);

	/* Another process starting now ignores it. */
	w2 = open_ok();
	ck_assert_int_eq(get(w2, "foo"), UN_W_NONE);
	ck_assert_int_eq(get(w2, "a"), UN_W_WHITEOUT);
	un_wtable_release(w2);

	/* Killed again; the next append cuts it off first. */
	writer_begins();
	spew(table_path(), "w foo", 5, O_APPEND);
	ck_assert_int_eq(get(w1, "foo"), UN_W_NONE);
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	ASSERT_TABLE(HEADER "w a\nw b\n");

	writer_begins();
	spew(table_path(), "w foo", 5, O_APPEND);
	ck_assert_int_eq(un_wtable_clear_below(w1, ""), 0);
	/* The cancellations come in the map's order, whichever it is. */
	{
		size_t n;
		char *got = slurp(table_path(), &n);

		ck_assert_ptr_nonnull(got);
		ck_assert_msg(
			(n == sizeof(HEADER "w a\nw b\n- a\n- b\n") - 1) &&
			(!memcmp(got, HEADER "w a\nw b\n- a\n- b\n", n) ||
			 !memcmp(got, HEADER "w a\nw b\n- b\n- a\n", n)),
			"table: %.*s", (int)n, got);
		free(got);
	}
	un_wtable_release(w1);

	w2 = open_ok();
	ck_assert_int_eq(get(w2, "foo"), UN_W_NONE);
	ck_assert(!below(w2, ""));
	un_wtable_release(w2);
}
END_TEST

struct corrupt_case {
	const char *text;
	unsigned long line;
	const char *why;
};

static const struct corrupt_case corrupt_cases[] = {
	{ "libunion-whiteouts 2\n", 1, "unsupported version" },
	{ "hello\nw a\n", 1, "not a libunion-whiteouts header" },
	{ "\n", 1, "not a libunion-whiteouts header" },
	{ "w a\n", 1, "not a libunion-whiteouts header" },
	{ HEADER "w a\nx foo\n", 3, "unknown operation" },
	{ HEADER "w a\nW foo\n", 3, "unknown operation" },
	{ HEADER "w a\nw b\\q\n", 3, "bad escape" },
	{ HEADER "w a\nw b\\xZZ\n", 3, "bad escape" },
	{ HEADER "w a\nw b\\xAB\n", 3, "bad escape" },
	{ HEADER "w a\nw b\\x4\n", 3, "bad escape" },
	{ HEADER "w a\nw b\\\n", 3, "bad escape" },
	{ HEADER "w \n", 2, "empty path" },
	{ HEADER "w\n", 2, "no space after the operation" },
	{ HEADER "wa\n", 2, "no space after the operation" },
	{ HEADER "\n", 2, "empty line" },
	{ HEADER "w /a\n", 2, "path starts with '/'" },
	{ HEADER "w a/../b\n", 2, "'.' or '..' in path" },
	{ HEADER "w .\n", 2, "'.' or '..' in path" },
	{ HEADER "w a//b\n", 2, "empty path component" },
	{ HEADER "w a/\n", 2, "empty path component" },
	{ HEADER "w a b\n", 2, "unescaped space or control byte" },
	{ HEADER "w a\r\n", 2, "unescaped space or control byte" },
	{ HEADER "w \xc3\xa9\n", 2, "unescaped space or control byte" },
	{ HEADER "w a\\x00b\n", 2, "NUL byte in path" },
	/* A bad line is bad even as the (unfinished) last one of a file. */
	{ HEADER "x a\nw b", 2, "unknown operation" },
};

START_TEST(corrupt_open)
{
	const struct corrupt_case *c = &corrupt_cases[_i];
	struct un_wtable *wt = NULL;
	char expect[PATH_MAX + 256];
	char *err, *after;

	ck_assert_int_eq(mkdir(upath(".union"), 0755), 0);
	spew(table_path(), c->text, strlen(c->text), O_TRUNC);
	capture_begin();
	ck_assert_int_eq(un_wtable_open(tmpdir, &wt), -EUCLEAN);
	err = capture_end();
	snprintf(expect, sizeof(expect),
		 "libunion: %s: corrupt at line %lu: %s\n", table_path(),
		 c->line, c->why);
	ck_assert_str_eq(err, expect);
	free(err);

	/* Left as it was for a human to look at. */
	after = slurp(table_path(), NULL);
	ck_assert_str_eq(after, c->text);
	free(after);
}
END_TEST

/* Garbage appended by another program while we run (one that takes
   the lock as a writer must, version 2: a program that does not is seen
   at the next full read, own_full_read_bounded). */
START_TEST(corrupt_append)
{
	struct un_wtable *w1, *w2;
	char expect[PATH_MAX + 256];
	char *err;

	use_version(_i);
	w1 = open_ok();
	w2 = open_ok();
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w2, "a"), UN_W_WHITEOUT);
	writer_begins();
	spew(table_path(), "? b\n", 4, O_APPEND);

	capture_begin();
	ck_assert_int_eq(un_wtable_set(w1, "c", UN_W_WHITEOUT), -EUCLEAN);
	ck_assert_int_eq(un_wtable_set(w1, "c", UN_W_WHITEOUT), -EUCLEAN);
	ck_assert_int_eq(un_wtable_clear_below(w2, ""), -EUCLEAN);
	ck_assert_int_eq(get(w1, "a"), UN_W_WHITEOUT);
	err = capture_end();
	/* One line per handle, not one per call. */
	snprintf(expect, sizeof(expect),
		 "libunion: %s: corrupt at line 3: unknown operation\n"
		 "libunion: %s: corrupt at line 3: unknown operation\n",
		 table_path(), table_path());
	ck_assert_str_eq(err, expect);
	free(err);
	ASSERT_TABLE(HEADER "w a\n? b\n");
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

START_TEST(corrupt_table_dir)
{
	struct un_wtable *wt = NULL;
	char expect[PATH_MAX + 64];
	char *err;

	ck_assert_int_eq(mkdir(upath(".union"), 0755), 0);
	ck_assert_int_eq(mkdir(table_path(), 0755), 0);
	capture_begin();
	ck_assert_int_eq(un_wtable_open(tmpdir, &wt), -EUCLEAN);
	err = capture_end();
	snprintf(expect, sizeof(expect), "libunion: %s: not a regular file\n",
		 table_path());
	ck_assert_str_eq(err, expect);
	free(err);
}
END_TEST

START_TEST(corrupt_lock)
{
	struct un_wtable *wt = NULL;
	char expect[PATH_MAX + 64], junk[4096];
	char *err;

	ck_assert_int_eq(mkdir(upath(".union"), 0755), 0);
	ck_assert_int_eq(mkdir(upath(".union/lock"), 0755), 0);
	capture_begin();
	ck_assert_int_eq(un_wtable_open(tmpdir, &wt), -EUCLEAN);
	err = capture_end();
	snprintf(expect, sizeof(expect), "libunion: %s: not a regular file\n",
		 upath(".union/lock"));
	ck_assert_str_eq(err, expect);
	free(err);

	ck_assert_int_eq(rmdir(upath(".union/lock")), 0);
	memset(junk, 'j', sizeof(junk));
	spew(upath(".union/lock"), junk, sizeof(junk), O_TRUNC);
	capture_begin();
	ck_assert_int_eq(un_wtable_open(tmpdir, &wt), -EUCLEAN);
	err = capture_end();
	snprintf(expect, sizeof(expect),
		 "libunion: %s: not a libunion lock file\n",
		 upath(".union/lock"));
	ck_assert_str_eq(err, expect);
	free(err);

	/* A lock file cut short by a kill is completed, in its
	   creator's version where it shows (version 2 where not). */
	spew(upath(".union/lock"), "UNWT", 4, O_TRUNC);
	wt = open_ok();
	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_WHITEOUT), 0);
	ck_assert_uint_eq(counter(0), 1);
	un_wtable_release(wt);
	err = slurp(upath(".union/lock"), NULL);
	ck_assert(memcmp(err, "UNWTGEN2", 8) == 0);
	free(err);
	spew(upath(".union/lock"), "UNWTGEN1\0\0", 10, O_TRUNC);
	wt = open_ok();
	ck_assert_int_eq(un_wtable_set(wt, "b", UN_W_WHITEOUT), 0);
	un_wtable_release(wt);
	err = slurp(upath(".union/lock"), NULL);
	ck_assert(memcmp(err, "UNWTGEN1", 8) == 0);
	free(err);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Descriptors.                                                        */

START_TEST(fds_high_cloexec)
{
	struct un_wtable *wt = open_ok();
	struct rlimit rl;
	int fds[8], n, i;

	n = our_fds(fds, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	for (i = 0; i < n; i++) {
		if (rl.rlim_cur > 1000)
			ck_assert_int_ge(fds[i], 900);
		ck_assert_int_eq(fcntl(fds[i], F_GETFD) & FD_CLOEXEC,
				 FD_CLOEXEC);
	}
	un_wtable_release(wt);
	ck_assert_int_eq(our_fds(fds, 8), 0);
}
END_TEST

/* The table's descriptor closed behind the handle, the file the same:
   the next change opens it again and goes on from where it was (no
   reload). */
START_TEST(table_closed_reopened)
{
	struct un_wtable *wt = open_ok();
	unsigned long installs;

	ck_assert_int_eq(un_wtable_set(wt, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_ge(wt->tfd, 0);
	ck_assert_int_eq(close(wt->tfd), 0);
	installs = wt->installs;
	ck_assert_int_eq(un_wtable_set(wt, "b", UN_W_WHITEOUT), 0);
	ck_assert_uint_eq(wt->installs, installs);
	ck_assert_int_eq(get(wt, "a"), UN_W_WHITEOUT);
	ASSERT_TABLE(HEADER "w a\nw b\n");
	un_wtable_release(wt);
}
END_TEST

/* A reader's open (the table there already) keeps no descriptor: the
   lock file is mapped, the table read; a catch-up opens the table
   again, the first change the lock file, under its flock. */
START_TEST(fds_reader_keeps_none)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok();
	int fds[8];

	ck_assert_int_eq(our_fds(fds, 8), 2);	/* w1's, which made them */
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w2, "a"), UN_W_WHITEOUT);	/* (catch-up) */
	ck_assert_int_eq(our_fds(fds, 8), 3);
	ck_assert_int_eq(un_wtable_set(w2, "b", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(our_fds(fds, 8), 4);
	ck_assert_int_eq(get(w1, "b"), UN_W_WHITEOUT);
	ASSERT_TABLE(HEADER "w a\nw b\n");
	un_wtable_release(w1);
	un_wtable_release(w2);
	ck_assert_int_eq(our_fds(fds, 8), 0);
}
END_TEST

/* A program closes everything it did not open (closefrom). */
START_TEST(fds_closed_behind)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok();
	int fds[8], n, i;

	n = our_fds(fds, 8);
	ck_assert_int_eq(n, 2);	/* (w2 is a reader: it keeps none) */
	for (i = 0; i < n; i++)
		close(fds[i]);
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w2, "a"), UN_W_WHITEOUT);
	ck_assert_int_eq(un_wtable_set(w2, "b", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w1, "b"), UN_W_WHITEOUT);
	ck_assert_int_eq(our_fds(fds, 8), 4);
	ASSERT_TABLE(HEADER "w a\nw b\n");
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/* ... and then opens other files that get the same numbers. */
START_TEST(fds_reused_behind)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok();
	static char junk[65536];
	int fds[8], n, i, other;
	char *after;
	size_t len;

	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	n = our_fds(fds, 8);
	ck_assert_int_eq(n, 2);	/* (w2 is a reader: it keeps none) */
	memset(junk, 'j', sizeof(junk));
	spew(upath("other"), junk, sizeof(junk), O_TRUNC);
	other = open(upath("other"), O_RDWR | O_APPEND);
	ck_assert_int_ge(other, 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(dup2(other, fds[i]), fds[i]);
	close(other);

	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w2, "b"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w2, "a"), UN_W_WHITEOUT);
	ck_assert_int_eq(un_wtable_set(w2, "c", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(w1, "c"), UN_W_WHITEOUT);
	ASSERT_TABLE(HEADER "w a\nw b\nw c\n");
	/* The program's descriptors and file are still the program's. */
	for (i = 0; i < n; i++)
		ck_assert_int_ge(fcntl(fds[i], F_GETFD), 0);
	after = slurp(upath("other"), &len);
	ck_assert_uint_eq(len, sizeof(junk));
	ck_assert(memcmp(after, junk, len) == 0);
	free(after);
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Concurrency.                                                        */

#define NCHILD 8
#define NPERCHILD 200

/*
 * Processes of one union (make -j): half use the handle inherited over
 * fork, half open their own; all start together.
 */
START_TEST(concurrent_processes)
{
	struct un_wtable *wt = open_ok(), *fresh;
	int go[2], status, i, j, count;
	pid_t pid[NCHILD];
	char name[64];

	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < NCHILD; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			struct un_wtable *mine = wt;
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(2);
			if (i % 2 && un_wtable_open(tmpdir, &mine) < 0)
				_exit(3);
			for (j = 0; j < NPERCHILD; j++) {
				snprintf(name, sizeof(name), "c%d/f%d", i, j);
				if (un_wtable_set(mine, name,
						  UN_W_WHITEOUT) < 0)
					_exit(4);
			}
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < NCHILD; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}

	ck_assert_uint_eq(count_lines(table_path()), 1 + NCHILD * NPERCHILD);
	ck_assert_uint_eq(counter(0), NCHILD * NPERCHILD);
	fresh = open_ok();
	count = 0;
	for (i = 0; i < NCHILD; i++) {
		for (j = 0; j < NPERCHILD; j++) {
			snprintf(name, sizeof(name), "c%d/f%d", i, j);
			count += get(fresh, name) == UN_W_WHITEOUT;
			ck_assert_int_eq(get(wt, name), UN_W_WHITEOUT);
		}
		snprintf(name, sizeof(name), "c%d", i);
		ck_assert(below(wt, name));
	}
	ck_assert_int_eq(count, NCHILD * NPERCHILD);
	un_wtable_release(fresh);
	un_wtable_release(wt);
}
END_TEST

#define NWRITER 4
#define NREADER 3
#define NPERTHREAD 300

struct thread_arg {
	struct un_wtable *wt;
	int id;
	int *done;
	int bad;
};

static void *writer(void *p)
{
	struct thread_arg *a = p;
	char name[64];
	int j;

	for (j = 0; j < NPERTHREAD; j++) {
		snprintf(name, sizeof(name), "t%d/f%d", a->id, j);
		if (un_wtable_set(a->wt, name, UN_W_WHITEOUT) < 0)
			a->bad = 1;
		/* Churn, for compactions under the readers' feet. */
		snprintf(name, sizeof(name), "tmp/%d/%d", a->id, j);
		if (un_wtable_set(a->wt, name, UN_W_OPAQUE) < 0 ||
		    un_wtable_set(a->wt, name, UN_W_NONE) < 0)
			a->bad = 1;
	}
	return NULL;
}

/*
 * Each writer adds its records in order and never removes them, so what
 * a reader sees of one writer is a prefix, and it never shrinks.
 */
static void *reader(void *p)
{
	struct thread_arg *a = p;
	int prev[NWRITER] = { 0 };
	char name[64];
	int t, j;

	while (!__atomic_load_n(a->done, __ATOMIC_ACQUIRE)) {
		for (t = 0; t < NWRITER; t++) {
			for (j = 0; j < NPERTHREAD; j++) {
				snprintf(name, sizeof(name), "t%d/f%d", t, j);
				if (get(a->wt, name) != UN_W_WHITEOUT)
					break;
			}
			if (j < prev[t])
				a->bad = 1;
			prev[t] = j;
			snprintf(name, sizeof(name), "t%d", t);
			if (j > 0 && !below(a->wt, name))
				a->bad = 1;
		}
	}
	return NULL;
}

/* Threads of one process: writers on one handle, readers on another. */
START_TEST(concurrent_threads)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok();
	struct thread_arg wa[NWRITER], ra[NREADER];
	pthread_t wt[NWRITER], rt[NREADER];
	int done = 0, i, j;
	char name[64];

	for (i = 0; i < NREADER; i++) {
		ra[i] = (struct thread_arg){ w2, i, &done, 0 };
		ck_assert_int_eq(pthread_create(&rt[i], NULL, reader, &ra[i]),
				 0);
	}
	for (i = 0; i < NWRITER; i++) {
		wa[i] = (struct thread_arg){ w1, i, &done, 0 };
		ck_assert_int_eq(pthread_create(&wt[i], NULL, writer, &wa[i]),
				 0);
	}
	for (i = 0; i < NWRITER; i++) {
		ck_assert_int_eq(pthread_join(wt[i], NULL), 0);
		ck_assert_int_eq(wa[i].bad, 0);
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NREADER; i++) {
		ck_assert_int_eq(pthread_join(rt[i], NULL), 0);
		ck_assert_int_eq(ra[i].bad, 0);
	}

	ck_assert_uint_ge(counter(1), 1);
	for (i = 0; i < NWRITER; i++) {
		for (j = 0; j < NPERTHREAD; j++) {
			snprintf(name, sizeof(name), "t%d/f%d", i, j);
			ck_assert_int_eq(get(w2, name), UN_W_WHITEOUT);
			ck_assert_int_eq(get(w1, name), UN_W_WHITEOUT);
		}
	}
	ck_assert(!below(w2, "tmp"));
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Signal mode: what a signal handler's call sees and does (no lock of */
/* this process, no malloc; see whiteout.c).                           */

static void sig_mode(bool on)
{
	un_sigdepth = on ? 1 : 0;
}

/* A handle whose maps are behind (another handle changed the table)
   answers a handler from the file, as the maps would. */
START_TEST(sig_scan_when_behind)
{
	struct un_wtable *w1 = open_ok(), *w2 = open_ok();
	size_t i;

	ck_assert_int_eq(un_wtable_set(w1, "a/b/c", UN_W_WHITEOUT), 0);
	for (i = 0; i < sizeof(odd_names) / sizeof(*odd_names); i++)
		ck_assert_int_eq(un_wtable_set(w2, odd_names[i],
					       UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w2, "a/b/c", UN_W_NONE), 0);
	ck_assert_int_eq(un_wtable_set(w2, "a/d", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(w2, "x", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w2, "x", UN_W_NONE), 0);

	sig_mode(true);
	for (i = 0; i < sizeof(odd_names) / sizeof(*odd_names); i++)
		ck_assert_int_eq(get(w1, odd_names[i]), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w1, "a/b/c"), UN_W_NONE);
	ck_assert_int_eq(get(w1, "a/d"), UN_W_OPAQUE);
	ck_assert_int_eq(get(w1, "x"), UN_W_NONE);
	ck_assert_int_eq(get(w1, "A"), UN_W_NONE);
	ck_assert(below(w1, ""));
	ck_assert(below(w1, "a"));
	ck_assert(!below(w1, "a/b"));
	ck_assert(below(w1, "dir"));
	ck_assert(!below(w1, "x"));
	sig_mode(false);

	/* The same answers from the maps, once caught up. */
	ck_assert_int_eq(get(w1, "a/d"), UN_W_OPAQUE);
	sig_mode(true);
	ck_assert_int_eq(get(w1, "a/d"), UN_W_OPAQUE);
	ck_assert(!below(w1, "a/b"));
	sig_mode(false);
	un_wtable_release(w1);
	un_wtable_release(w2);
}
END_TEST

/* A handler's changes: appended whole, read back at once, and caught up
   with by the maps and by other handles. */
START_TEST(sig_changes)
{
	struct un_wtable *w1 = open_ok(), *w2;

	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_WHITEOUT), 0);
	spew(table_path(), "w foo", 5, O_APPEND);	/* a killed append */

	sig_mode(true);
	ck_assert_int_eq(un_wtable_set(w1, "d/x", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "d/x", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "d/y", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(w1, "sp ace", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(w1, "a", UN_W_NONE), 0);
	ck_assert_int_eq(un_wtable_set(w1, "/bad", UN_W_WHITEOUT), -EINVAL);
	ck_assert_int_eq(get(w1, "d/x"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w1, "sp ace"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w1, "a"), UN_W_NONE);
	ck_assert_int_eq(get(w1, "foo"), UN_W_NONE);
	ck_assert(below(w1, "d"));
	ck_assert_int_eq(un_wtable_clear_below(w1, "d"), 0);
	ck_assert(!below(w1, "d"));
	ck_assert_int_eq(get(w1, "d/y"), UN_W_NONE);
	sig_mode(false);

	ASSERT_TABLE(HEADER "w a\nw d/x\no d/y\nw sp\\x20ace\n- a\n"
			    "- d/x\n- d/y\n");
	ck_assert_int_eq(get(w1, "a"), UN_W_NONE);
	ck_assert_int_eq(get(w1, "sp ace"), UN_W_WHITEOUT);
	ck_assert(!below(w1, "d"));
	ck_assert_int_eq(un_wtable_set(w1, "b", UN_W_WHITEOUT), 0);
	w2 = open_ok();
	ck_assert_int_eq(get(w2, "sp ace"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w2, "b"), UN_W_WHITEOUT);
	ck_assert(!below(w2, "d"));
	un_wtable_release(w2);
	un_wtable_release(w1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Loading: the map built from the file (wt_map.c) against a model.    */

#define POOL 600

/* The model: the kind of each path of a pool, the last record's. */
struct model {
	char path[POOL][48];
	char kind[POOL];	/* 0: none */
};

static void model_init(struct model *mo)
{
	for (int i = 0; i < POOL; i++) {
		/* Escaped bytes (space, backslash, newline, UTF-8) in some,
		   and paths that are prefixes of others. */
		switch (i % 6) {
		case 0:
			if (i / 6 < 40)
				snprintf(mo->path[i], 48, "d%d", i / 6);
			else
				snprintf(mo->path[i], 48, "d%d/e%d", i % 40, i);
			break;
		case 1:
			snprintf(mo->path[i], 48, "sp ace%d/x\\y", i);
			break;
		case 2:
			snprintf(mo->path[i], 48, "nl\n%d/\xc3\xa9", i);
			break;
		default:
			snprintf(mo->path[i], 48, "d%d/f%d", i % 40, i);
		}
		mo->kind[i] = 0;
	}
}

static const char model_ops[] = { 'w', 'o', '-' };

/* n random records (seed: the state of rand_r) as table lines. */
static char *model_lines(struct model *mo, unsigned int *seed, int n,
			 size_t *len)
{
	char *buf = malloc((size_t)n * un_fmt_rec_max(48));
	size_t used = 0;

	ck_assert_ptr_nonnull(buf);
	for (int k = 0; k < n; k++) {
		int i = rand_r(seed) % POOL;
		char op = model_ops[rand_r(seed) % 3];

		used += un_fmt_rec_encode(buf + used, op, mo->path[i],
					  strlen(mo->path[i]));
		mo->kind[i] = op == '-' ? 0 : op;
	}
	*len = used;
	return buf;
}

/* wt answers as the model does, for every path and every d<N> below. */
static void model_check(struct un_wtable *wt, const struct model *mo,
			const char *when)
{
	for (int i = 0; i < POOL; i++) {
		char want = mo->kind[i];

		ck_assert_msg(un_wtable_get(wt, mo->path[i],
					    strlen(mo->path[i])) ==
			      (want ? (enum un_wkind)want : UN_W_NONE),
			      "%s: path %d", when, i);
	}
	for (int d = 0; d < 40; d++) {
		char dir[16];
		bool want = false;
		size_t dl = snprintf(dir, sizeof(dir), "d%d", d);

		for (int i = 0; i < POOL; i++)
			want |= mo->kind[i] && strlen(mo->path[i]) > dl &&
				!memcmp(mo->path[i], dir, dl) &&
				mo->path[i][dl] == '/';
		ck_assert_msg(below(wt, dir) == want, "%s: below d%d", when, d);
	}
}

/*
 * A table of a few thousand records, read whole by a new handle, read in
 * pieces by a running one (records of another handle, caught up), read
 * again by the locked way (an unfinished tail to cut) and after a
 * compaction: every answer is the last record's of its path.
 */
START_TEST(load_matches_model)
{
	static struct model mo;
	struct un_wtable *w1, *w2, *w3;
	unsigned int seed = 13;
	char *lines;
	size_t len;

	model_init(&mo);
	/* The files made whole: the next open takes the quick way. */
	un_wtable_release(open_ok());
	lines = model_lines(&mo, &seed, 4000, &len);
	spew(table_path(), lines, len, O_APPEND);
	free(lines);

	w1 = open_ok();
	model_check(w1, &mo, "first load");

	/* Another handle's changes, announced: w1 catches up in pieces. */
	w2 = open_ok();
	for (int round = 0; round < 10; round++) {
		for (int k = 0; k < 30; k++) {
			int i = rand_r(&seed) % POOL;
			char op = model_ops[rand_r(&seed) % 3];

			ck_assert_int_eq(un_wtable_set(w2, mo.path[i],
				op == '-' ? UN_W_NONE : (enum un_wkind)op), 0);
			mo.kind[i] = op == '-' ? 0 : op;
		}
		model_check(w1, &mo, "caught up");
	}
	model_check(w2, &mo, "the writer");

	/* An unfinished line: a new handle takes the locked way. */
	spew(table_path(), "w unfinished", 12, O_APPEND);
	w3 = open_ok();
	model_check(w3, &mo, "locked load");
	ck_assert_int_eq(get(w3, "unfinished"), UN_W_NONE);
	un_wtable_release(w3);

	/* Most records dead: a compaction, which w1 notices. */
	for (int i = 0; i < POOL; i++)
		if (i % 5) {
			ck_assert_int_eq(un_wtable_set(w2, mo.path[i],
						       UN_W_NONE), 0);
			mo.kind[i] = 0;
		}
	ck_assert_uint_ge(counter(1), 1);
	model_check(w1, &mo, "after compaction");
	w3 = open_ok();
	model_check(w3, &mo, "load of the compacted table");
	un_wtable_release(w3);
	un_wtable_release(w2);
	un_wtable_release(w1);
}
END_TEST

/*
 * un_fmt_escape takes eight bytes a step while none needs escaping:
 * the same output as byte by byte, for every byte value at every place
 * of strings of 1 to 24 bytes about a word's edges, and the escape
 * decodes back.
 */
START_TEST(escape_words_as_bytes)
{
	static const char hex[] = "0123456789abcdef";
	/* (The lengths about a word's edges: a word, one, two, three.) */
	static const size_t lens[] = { 1, 7, 8, 9, 15, 16, 17, 23, 24 };
	char in[24], want[4 * 24], got[4 * 24], back[24];
	size_t len, at, n, m, blen;

	for (size_t k = 0; k < sizeof(lens) / sizeof(*lens); k++)
		for (len = lens[k], at = 0; at < len; at++)
			for (int c = 0; c < 256; c++) {
				memset(in, 'a' + (int)(len % 26), len);
				in[at] = (char)c;
				for (n = 0, m = 0; m < len; m++) {
					unsigned char b = in[m];

					if (b < 0x21 || b > 0x7e || b == '\\') {
						want[n++] = '\\';
						want[n++] = 'x';
						want[n++] = hex[b >> 4];
						want[n++] = hex[b & 15];
					} else {
						want[n++] = (char)b;
					}
				}
				/* (No ck_assert a case: each is a write
				   of its place to Check's log.) */
				m = un_fmt_escape(got, in, len);
				if (m != n || memcmp(got, want, n) ||
				    un_fmt_unescape(got, m, back, sizeof(back),
						    &blen) ||
				    blen != len || memcmp(back, in, len))
					ck_abort_msg("escape of byte %#x at %zu "
						     "of %zu bytes: %zu bytes "
						     "out, want %zu", c, at,
						     len, m, n);
			}
}
END_TEST

/*
 * A record's path is checked in one pass when it holds no backslash
 * (union_format.c): the same verdict, and the same reason, as the long
 * way (un_fmt_unescape, then un_fmt_path_invalid), for every path of up
 * to 5 bytes over an alphabet of the bytes that matter.
 */
START_TEST(decode_plain_as_long_way)
{
	static const char alpha[] = { 'a', '/', '.', ' ', '\\', 'x', '5',
				      '\x7f', '\x80' };
	const size_t na = sizeof(alpha);
	char line[16], ref[16];
	size_t total = 1;

	for (int len = 0; len <= 5; len++, total *= na) {
		for (size_t code = 0; code < total; code++) {
			const char *why, *want;
			size_t n = 0, wn = 0, c = code;
			char op = 0;

			line[0] = 'w';
			line[1] = ' ';
			for (int k = 0; k < len; k++, c /= na)
				line[2 + k] = alpha[c % na];
			memcpy(ref, line + 2, len);
			want = un_fmt_unescape(ref, len, ref, len, &wn);
			if (!want)
				want = un_fmt_path_invalid(ref, wn);
			why = un_fmt_rec_decode(line, 2 + len, &op, &n);
			ck_assert_msg(why == want ||
				      (why && want && !strcmp(why, want)),
				      "'%.*s': %s, the long way %s", len,
				      line + 2, why ? why : "ok",
				      want ? want : "ok");
			if (!why) {
				ck_assert_uint_eq(n, wn);
				ck_assert(!memcmp(line + 2, ref, n));
				ck_assert_int_eq(op, 'w');
			}
		}
	}
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *whiteout_suite(void)
{
	Suite *s = suite_create("whiteout");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_fresh);
	tcase_add_test(tc, stamp_fresh_not_zero);
	tcase_add_test(tc, open_empty_table);
	tcase_add_test(tc, open_unfinished_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, set_plain);
	tcase_add_test(tc, set_odd_names);
	tcase_add_test(tc, set_long_keys);
	tcase_add_test(tc, set_none);
	tcase_add_test(tc, set_invalid);
	tcase_add_test(tc, has_below_ancestors);
	tcase_add_test(tc, clear_below_dir);
	tcase_add_test(tc, clear_below_many);
	tcase_add_test(tc, clear_below_table_closed);
	tcase_add_test(tc, clear_below_index);
	tcase_add_test(tc, reopen_persist);
	suite_add_tcase(s, tc);

	tc = tcase_create("generation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, generation_other_handle);
	tcase_add_test(tc, empty_then_unannounced_line);
	tcase_add_loop_test(tc, generation_changed_in_place, 0, 2);
	tcase_add_loop_test(tc, own_other_append, 0, 2);
	tcase_add_test(tc, own_signal_writer);
	tcase_add_loop_test(tc, own_full_read_bounded, 0, 2);
	tcase_add_test(tc, generation_cut_and_refilled);
	tcase_add_test(tc, compact_dead_lines);
	tcase_add_loop_test(tc, compact_killed_before_epoch, 0, 2);
	tcase_add_loop_test(tc, compact_killed_before_epoch_reader, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, load_matches_model);
	tcase_add_test(tc, decode_plain_as_long_way);
	tcase_add_test(tc, escape_words_as_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("damage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, unfinished_last_line, 0, 2);
	tcase_add_loop_test(tc, corrupt_open, 0,
			    sizeof(corrupt_cases) / sizeof(*corrupt_cases));
	tcase_add_loop_test(tc, corrupt_append, 0, 2);
	tcase_add_test(tc, corrupt_table_dir);
	tcase_add_test(tc, corrupt_lock);
	suite_add_tcase(s, tc);

	tc = tcase_create("fds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fds_high_cloexec);
	tcase_add_test(tc, fds_reader_keeps_none);
	tcase_add_test(tc, table_closed_reopened);
	tcase_add_test(tc, fds_closed_behind);
	tcase_add_test(tc, fds_reused_behind);
	suite_add_tcase(s, tc);

	tc = tcase_create("signal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sig_scan_when_behind);
	tcase_add_test(tc, sig_changes);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrent");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, concurrent_processes);
	tcase_add_test(tc, concurrent_threads);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return unit_main(whiteout_suite(), basedir, sizeof(basedir), "whiteout");
}
