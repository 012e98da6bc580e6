/*
 * check_wtindex.c - unit tests of wt_index.c, the whiteout table's
 * persistent index (UPPER/.union/index), and of its use by the handle.
 *
 * Each test makes a table of NREC records by hand (more than WT_IX_MIN,
 * so that the first handle that reads it whole writes the index), then
 * opens handles on it, standing for processes: one that opens after the
 * index was written maps it (wt->ix.base) and must answer exactly what
 * the table says, whatever was done to the table or to the index
 * between the two.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "wtable.h"
#include "union_format.h"
#include "unit.h"

#define NREC 5000
#define HEADER "libunion-whiteouts 1\n"

static char basedir[32];
static char tmpdir[64];

static const char *upath(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, rel);
	return p;
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	rm_tree(tmpdir);
}

/* Record i's path: d<i % 50>/s<i % 7>/f<i>. */
static const char *rec(int i)
{
	static char buf[4][64];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, 64, "d%d/s%d/f%d", i % 50, i % 7, i);
	return p;
}

/* The table of NREC records: every third opaque, the others whiteouts;
   then `-` records of those divisible by 10. */
static void make_table(void)
{
	FILE *f;

	mkdir(upath(".union"), 0755);
	f = fopen(upath(".union/whiteouts"), "w");
	ck_assert_ptr_nonnull(f);
	fputs(HEADER, f);
	for (int i = 0; i < NREC; i++)
		fprintf(f, "%c %s\n", i % 3 ? 'w' : 'o', rec(i));
	for (int i = 0; i < NREC; i += 10)
		fprintf(f, "- %s\n", rec(i));
	ck_assert_int_eq(fclose(f), 0);
}

static enum un_wkind want(int i)
{
	if (i % 10 == 0)
		return UN_W_NONE;
	return i % 3 ? UN_W_WHITEOUT : UN_W_OPAQUE;
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

static bool exists(const char *rel)
{
	struct stat st;

	return stat(upath(rel), &st) == 0;
}

/* Every record as make_table wrote it, and a few names of none. */
static void check_all(struct un_wtable *wt)
{
	for (int i = 0; i < NREC; i++)
		ck_assert_msg(get(wt, rec(i)) == want(i), "record %d", i);
	ck_assert_int_eq(get(wt, "d1"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "d1/s1"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "nothing/at/all"), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(NREC + 1)), UN_W_NONE);
}

/* A first handle (which writes the index) let go. */
static void make_indexed_after_table(void)
{
	struct un_wtable *wt;

	wt = open_ok();
	ck_assert_ptr_null(wt->ix.base);
	check_all(wt);
	un_wtable_release(wt);
	ck_assert(exists(".union/index"));
	ck_assert(!exists(".union/index.tmp"));
}

/* The table made, a first handle (which writes the index) let go. */
static void make_indexed(void)
{
	make_table();
	make_indexed_after_table();
}

/* A handle opened now: through the index (want_ix) or not. */
static struct un_wtable *open_mode(bool want_ix)
{
	struct un_wtable *wt = open_ok();

	ck_assert_msg(!!wt->ix.base == want_ix, "index %s",
		      wt->ix.base ? "used" : "not used");
	return wt;
}

static size_t count_lines(void)
{
	char buf[4096];
	size_t lines = 0;
	ssize_t n;
	int fd = open(upath(".union/whiteouts"), O_RDONLY);

	ck_assert_int_ge(fd, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

static void append(const char *text)
{
	int fd = open(upath(".union/whiteouts"), O_WRONLY | O_APPEND);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Raise the lock file's counter (0 generation, 1 epoch). */
static void bump(int which)
{
	uint64_t v;
	int fd = open(upath(".union/lock"), O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 8, 8 + 8 * which), 8);
	v++;
	ck_assert_int_eq(pwrite(fd, &v, 8, 8 + 8 * which), 8);
	close(fd);
}

/* ------------------------------------------------------------------ */

START_TEST(index_made_and_used)
{
	struct un_wtable *wt;

	make_indexed();
	wt = open_mode(true);
	check_all(wt);
	/* Not rewritten by a reader that found it good. */
	un_wtable_release(wt);
}
END_TEST

START_TEST(index_small_table_none)
{
	struct un_wtable *wt;

	mkdir(upath(".union"), 0755);
	wt = open_ok();
	ck_assert_int_eq(un_wtable_set(wt, "a/b", UN_W_WHITEOUT), 0);
	un_wtable_release(wt);
	wt = open_ok();
	ck_assert_int_eq(get(wt, "a/b"), UN_W_WHITEOUT);
	un_wtable_release(wt);
	ck_assert(!exists(".union/index"));
}
END_TEST

/* Appended past the index by another process, before and after the
   handle mapped it: new records seen, `-` records override it. */
START_TEST(index_then_appended)
{
	struct un_wtable *wt, *w2;

	make_indexed();
	append("w new/one\n- d1/s1/f1\no d2/s2/f2\n");
	bump(0);
	wt = open_mode(true);
	ck_assert_int_eq(get(wt, "new/one"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(2)), UN_W_OPAQUE);
	ck_assert_int_eq(get(wt, rec(3)), want(3));
	/* Another handle (a writer) changes it meanwhile. */
	w2 = open_mode(true);
	ck_assert_int_eq(un_wtable_set(w2, rec(4), UN_W_NONE), 0);
	ck_assert_ptr_nonnull(w2->ix.base);	/* a writer through it too */
	ck_assert_int_eq(un_wtable_set(w2, "new/two", UN_W_OPAQUE), 0);
	ck_assert_int_eq(un_wtable_set(w2, "new/one", UN_W_NONE), 0);
	ck_assert_int_eq(get(wt, rec(4)), UN_W_NONE);
	ck_assert_int_eq(get(wt, "new/two"), UN_W_OPAQUE);
	ck_assert_int_eq(get(wt, "new/one"), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(5)), want(5));
	ck_assert_ptr_nonnull(wt->ix.base);
	un_wtable_release(w2);
	un_wtable_release(wt);
}
END_TEST

/* A writer through the index removes most records: the compaction is
   due, and made from the table read whole, never from its map of what
   lies past the index. */
START_TEST(index_writer_compacts)
{
	struct un_wtable *wt;
	int n = 0;

	make_indexed();
	wt = open_mode(true);
	for (int i = 0; i < NREC; i++)
		if (i % 10 && i % 9) {
			ck_assert_int_eq(un_wtable_set(wt, rec(i), UN_W_NONE),
					 0);
			n++;
		}
	ck_assert_int_eq(un_wtable_set(wt, "last/one", UN_W_OPAQUE), 0);
	/* (Compacted: the dead lines are gone.) */
	ck_assert_uint_lt(count_lines(), NREC);
	ck_assert_ptr_null(wt->ix.base);
	un_wtable_release(wt);
	ck_assert(!exists(".union/index"));
	wt = open_ok();
	for (int i = 0; i < NREC; i++)
		ck_assert_msg(get(wt, rec(i)) == (i % 10 && i % 9 ?
						   UN_W_NONE : want(i)),
			      "record %d", i);
	ck_assert_int_eq(get(wt, "last/one"), UN_W_OPAQUE);
	un_wtable_release(wt);
	ck_assert_int_gt(n, 1000);
}
END_TEST

/* The table rewritten (a compaction, the tool): the old index is of
   another file, ignored, and a new one is written. */
START_TEST(index_table_rewritten)
{
	struct un_wtable *wt;
	make_indexed();
	/* Keep the old index: a rewrite that forgot to remove it. */
	ck_assert_int_eq(link(upath(".union/index"), upath("old-index")), 0);
	{
		FILE *f = fopen(upath(".union/whiteouts.tmp"), "w");

		ck_assert_ptr_nonnull(f);
		fputs(HEADER "w only/this\n", f);
		ck_assert_int_eq(fclose(f), 0);
	}
	ck_assert_int_eq(rename(upath(".union/whiteouts.tmp"),
				upath(".union/whiteouts")), 0);
	bump(1);
	bump(0);
	wt = open_mode(false);
	ck_assert_int_eq(get(wt, "only/this"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	un_wtable_release(wt);
	/* The same with the epoch left alone (a rewrite by hand). */
	ck_assert_int_eq(rename(upath("old-index"), upath(".union/index")), 0);
	wt = open_mode(false);
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	un_wtable_release(wt);
}
END_TEST

/* A copy of the table, its first record changed, renamed over it by
   hand: same size, same last bytes, same epoch; another inode. */
START_TEST(index_table_replaced_same_end)
{
	struct un_wtable *wt;
	size_t n = 0;
	char *buf = malloc(1 << 20);
	int fd;

	make_indexed();
	fd = open(upath(".union/whiteouts"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	for (ssize_t r; (r = read(fd, buf + n, (1 << 20) - n)) > 0;)
		n += r;
	close(fd);
	/* The first record, "o d0/s0/f0" (cancelled later), becomes a
	   whiteout of d0/s0/f9, a name the index does not hold. */
	ck_assert(!memcmp(buf + strlen(HEADER), "o d0/s0/f0\n", 11));
	memcpy(buf + strlen(HEADER), "w d0/s0/f9\n", 11);
	fd = open(upath("new"), O_WRONLY | O_CREAT, 0644);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
	ck_assert_int_eq(rename(upath("new"), upath(".union/whiteouts")), 0);
	wt = open_mode(false);
	ck_assert_int_eq(get(wt, "d0/s0/f9"), UN_W_WHITEOUT);
	un_wtable_release(wt);
	free(buf);
}
END_TEST

/* A handle holding the index when another compacts: it follows. */
START_TEST(index_compacted_under_reader)
{
	struct un_wtable *wt, *w2;

	make_indexed();
	wt = open_mode(true);
	w2 = open_ok();
	/* Enough `-` records to compact: most records dead. */
	/* Every record dead: the table is compacted. */
	ck_assert_int_eq(un_wtable_clear_below(w2, ""), 0);
	ck_assert_int_eq(un_wtable_set(w2, "after/compact", UN_W_WHITEOUT),
			 0);
	ck_assert(count_lines() < 10);
	ck_assert_int_eq(get(wt, rec(7)), UN_W_NONE);
	ck_assert_int_eq(get(wt, "after/compact"), UN_W_WHITEOUT);
	un_wtable_release(w2);
	un_wtable_release(wt);
	wt = open_ok();
	ck_assert_int_eq(get(wt, rec(7)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(9)), UN_W_NONE);
	ck_assert_int_eq(get(wt, "after/compact"), UN_W_WHITEOUT);
	un_wtable_release(wt);
}
END_TEST

/* The table cut short, or changed in place keeping its size: the index
   does not match its bytes any more. */
START_TEST(index_table_edited_in_place)
{
	struct un_wtable *wt;
	struct stat st;
	int fd;

	make_indexed();
	ck_assert_int_eq(stat(upath(".union/whiteouts"), &st), 0);
	/* The last record "- d49/s..." becomes a whiteout of another name
	   of the same length. */
	fd = open(upath(".union/whiteouts"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "w", 1, st.st_size - 15), 1);
	close(fd);
	wt = open_mode(false);
	un_wtable_release(wt);
	/* Cut short to the header and records appended back past the old
	   size: the tail before the index's end differs. */
	ck_assert_int_eq(truncate(upath(".union/whiteouts"), 0), 0);
	fd = open(upath(".union/whiteouts"), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, HEADER, strlen(HEADER)),
			 (ssize_t)strlen(HEADER));
	for (off_t n = strlen(HEADER); n < st.st_size + 100; n += 10)
		ck_assert_int_eq(write(fd, "w x/12345\n", 10), 10);
	close(fd);
	wt = open_mode(false);
	ck_assert_int_eq(get(wt, "x/12345"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	un_wtable_release(wt);
}
END_TEST

/* Damage done to the index by hand: ignored, never trusted. */
static void damage(off_t at, const char *bytes, size_t n)
{
	int fd = open(upath(".union/index"), O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, bytes, n, at), (ssize_t)n);
	close(fd);
}

START_TEST(index_damaged)
{
	struct un_wtable *wt;
	struct stat st;
	static const struct {
		off_t at;		/* < 0: from the end */
		const char *bytes;
	} cases[] = {
		{ 0, "UNWTIDX9" },	/* the magic */
		{ 8, "\3" },		/* the version */
		{ 40, "\1" },		/* the epoch (the check, too) */
		{ 100, "\xff" },	/* inside the header: the check */
		{ 400, "\xff\xff\xff\xff\xff\xff\xff\xff" },	/* a slot */
		{ -3, "zzz" },		/* a path's bytes */
	};

	make_indexed();
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *save;
		size_t n = strlen(cases[c].bytes);
		off_t at;
		int fd;

		ck_assert_int_eq(stat(upath(".union/index"), &st), 0);
		at = cases[c].at < 0 ? st.st_size + cases[c].at : cases[c].at;
		save = malloc(n);
		fd = open(upath(".union/index"), O_RDONLY);
		ck_assert_int_eq(pread(fd, save, n, at), (ssize_t)n);
		close(fd);
		damage(at, cases[c].bytes, n);
		wt = open_ok();
		check_all(wt);
		un_wtable_release(wt);
		/* Put it back (or the next case tests a rebuilt one). */
		ck_assert_int_eq(unlink(upath(".union/index")), 0);
		wt = open_ok();		/* writes it again */
		un_wtable_release(wt);
		free(save);
	}
	/* Truncated, garbage, empty, a directory. */
	ck_assert_int_eq(truncate(upath(".union/index"), 1000), 0);
	wt = open_mode(false);
	check_all(wt);
	un_wtable_release(wt);
	ck_assert_int_eq(truncate(upath(".union/index"), 0), 0);
	wt = open_mode(false);
	un_wtable_release(wt);
	{
		char junk[8192];
		int fd;

		memset(junk, 'w', sizeof(junk));
		fd = open(upath(".union/index"), O_WRONLY | O_TRUNC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, junk, sizeof(junk)),
				 (ssize_t)sizeof(junk));
		close(fd);
		wt = open_mode(false);
		check_all(wt);
		un_wtable_release(wt);
		unlink(upath(".union/index"));
	}
	ck_assert_int_eq(mkdir(upath(".union/index"), 0755), 0);
	wt = open_mode(false);
	check_all(wt);
	un_wtable_release(wt);
}
END_TEST

/* has_below and clear_below see the records the index holds. */
START_TEST(index_below)
{
	struct un_wtable *wt;

	make_indexed();
	wt = open_mode(true);
	ck_assert(un_wtable_has_below(wt, "d3", 2));
	ck_assert(!un_wtable_has_below(wt, "zz", 2));
	un_wtable_release(wt);
	wt = open_mode(true);
	ck_assert_int_eq(un_wtable_clear_below(wt, "d3"), 0);
	ck_assert_int_eq(get(wt, rec(3)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(53)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(4)), want(4));
	un_wtable_release(wt);
	wt = open_mode(true);
	ck_assert(!un_wtable_has_below(wt, "d3", 2));
	ck_assert_int_eq(get(wt, rec(3)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(53)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(4)), want(4));
	un_wtable_release(wt);
}
END_TEST

/* The format: wt_ix_get's answers, and a slot found damaged. */
START_TEST(index_format_get)
{
	struct un_wtable *wt;
	struct wt_ix ix;
	struct wt_ix_at at;
	struct statx stx;
	int tfd;

	make_indexed();
	wt = open_mode(true);
	ix = wt->ix;
	for (int i = 0; i < NREC; i++) {
		int k = wt_ix_get(&ix, rec(i), strlen(rec(i)),
				  wt_key_hash(rec(i), strlen(rec(i))));

		ck_assert_int_eq(k, want(i) == UN_W_NONE ? 0 : (int)want(i));
	}
	un_wtable_release(wt);
	/* Opened by hand: where it ends in the table. */
	tfd = open(upath(".union/whiteouts"), O_RDONLY);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(statx(tfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS,
			       &stx), 0);
	ck_assert_int_eq(wt_ix_open(upath(".union/index"), tfd, &stx, 0, &ix,
				    &at), 0);
	ck_assert_int_eq(at.pos.off, stx.stx_size);
	ck_assert_int_eq(at.pos.nrec, NREC + NREC / 10);
	ck_assert_int_eq(at.nlive, NREC - NREC / 10);
	wt_ix_close(&ix);
	/* Another epoch: foreign. */
	ck_assert_int_eq(wt_ix_open(upath(".union/index"), tfd, &stx, 1, &ix,
				    &at), -ESTALE);
	close(tfd);
}
END_TEST

/* kill -9 while the index is written: at worst index.tmp is left, never
   read; a new writer replaces it. */
START_TEST(index_tmp_left)
{
	struct un_wtable *wt;
	int fd;

	make_table();
	fd = open(upath(".union/index.tmp"), O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "UNWTIDX1", 8), 8);
	close(fd);
	ck_assert_int_eq(rename(upath(".union/index.tmp"),
				upath(".union/index")), 0);
	fd = open(upath(".union/index.tmp"), O_WRONLY | O_CREAT, 0644);
	close(fd);
	wt = open_mode(false);	/* a half index: ignored, and replaced */
	check_all(wt);
	un_wtable_release(wt);
	ck_assert(!exists(".union/index.tmp"));
	wt = open_mode(true);
	check_all(wt);
	un_wtable_release(wt);
}
END_TEST

/* Another process churns the table (records set and cancelled: it is
   compacted again and again, the index removed and written again) while
   this one opens handles through whatever index there is and keeps one
   open: the records nobody touches always read right. */
START_TEST(index_concurrent_churn)
{
	struct un_wtable *keep, *wt;
	pid_t pid;
	int status;

	make_indexed();
	keep = open_mode(true);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct un_wtable *w = NULL;
		char name[32];

		if (un_wtable_open(tmpdir, &w) < 0)
			_exit(2);
		for (int k = 0; k < 2500; k++) {
			snprintf(name, sizeof(name), "churn/%d", k);
			if (un_wtable_set(w, name, UN_W_WHITEOUT) < 0 ||
			    un_wtable_set(w, name, UN_W_NONE) < 0)
				_exit(3);
		}
		un_wtable_release(w);
		_exit(0);
	}
	for (int round = 0; waitpid(pid, &status, WNOHANG) == 0; round++) {
		wt = open_ok();
		for (int i = round % 7; i < NREC; i += 97) {
			ck_assert_msg(get(wt, rec(i)) == want(i),
				      "round %d, record %d", round, i);
			ck_assert_msg(get(keep, rec(i)) == want(i),
				      "round %d, record %d (kept)", round, i);
		}
		un_wtable_release(wt);
	}
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_all(keep);
	un_wtable_release(keep);
	wt = open_ok();
	check_all(wt);
	ck_assert_int_eq(get(wt, "churn/7"), UN_W_NONE);
	un_wtable_release(wt);
}
END_TEST

/* A signal handler (signal mode: no malloc, no lock of ours) opens the
   table through the index, asks it and changes it; it never writes an
   index (that is left to an ordinary call). */
START_TEST(index_signal_mode)
{
	struct un_wtable *wt, *w2;

	make_table();
	un_sigdepth = 1;
	wt = open_mode(false);
	un_sigdepth = 0;
	ck_assert(!exists(".union/index"));
	un_wtable_release(wt);
	wt = open_ok();		/* (writes it) */
	un_wtable_release(wt);
	ck_assert(exists(".union/index"));

	un_sigdepth = 1;
	wt = open_mode(true);
	check_all(wt);
	ck_assert(un_wtable_has_below(wt, "d3", 2));
	ck_assert(!un_wtable_has_below(wt, "zz", 2));
	ck_assert_int_eq(un_wtable_set(wt, rec(1), UN_W_NONE), 0);
	ck_assert_int_eq(un_wtable_set(wt, "sig/new", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	ck_assert_int_eq(get(wt, "sig/new"), UN_W_WHITEOUT);
	un_sigdepth = 0;
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	ck_assert_int_eq(get(wt, "sig/new"), UN_W_WHITEOUT);
	ck_assert_ptr_nonnull(wt->ix.base);
	un_sigdepth = 1;
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);	/* (the maps now) */
	ck_assert_int_eq(get(wt, rec(2)), want(2));
	un_sigdepth = 0;
	w2 = open_mode(true);
	ck_assert_int_eq(get(w2, rec(1)), UN_W_NONE);
	ck_assert_int_eq(get(w2, "sig/new"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(w2, rec(2)), want(2));
	un_wtable_release(w2);
	un_wtable_release(wt);
}
END_TEST

/* clear_below's append finds the table's descriptor closed behind its
   back: the reopen loads the maps again (through the index), and the
   records found before must not be applied to them (their keys are
   gone): the maps are loaded again from the file. */
START_TEST(index_clear_below_fd_closed)
{
	struct un_wtable *wt;

	make_indexed();
	wt = open_mode(true);
	ck_assert_int_eq(un_wtable_clear_below(wt, "zz"), 0);
	ck_assert_ptr_nonnull(wt->ix.base);	/* (version 2: no full read) */
	ck_assert_int_eq(un_wtable_clear_below(wt, "zy"), 0);
	close(wt->tfd);
	ck_assert_int_eq(un_wtable_clear_below(wt, "d3"), 0);
	ck_assert_int_eq(get(wt, rec(3)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(53)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(4)), want(4));
	ck_assert(!un_wtable_has_below(wt, "d3", 2));
	un_wtable_release(wt);
	wt = open_ok();
	ck_assert_int_eq(get(wt, rec(3)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(4)), want(4));
	un_wtable_release(wt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Version 2: the paths in order, has_below and clear_below through it. */

/* Paths whose bytes sort around '/' ('-' and '.' before it, '0' after),
   long shared prefixes crossing the sort's 8-byte steps, and one-record
   directories. */
#define EXTRA "w a/1\nw a/b/c\no a-b/c\nw a.b/c\nw a0/c\nw only/one\n" \
	"w pair/x\nw pair/y\no aaaaaaaaaaaaaaaaaaaa/1\n" \
	"w aaaaaaaaaaaaaaaaaaaa/2\nw aaaaaaaaaaaaaaaaaaaab/1\n" \
	"w aaaaaaaaaaaaaaaaaaaa/22222222/x\nw aaaaaaaaaaaaaaaa\n"

static void make_indexed_extra(void)
{
	make_table();
	append(EXTRA);
	make_indexed_after_table();
}

static bool below(struct un_wtable *wt, const char *rel)
{
	return un_wtable_has_below(wt, rel, strlen(rel));
}

/* What wt_ix_each_below lists: their count, in strict order (else the
   test fails). */
struct walk {
	size_t n;
	char prev[64];
	size_t plen;
};

static int walk_one(void *arg, const char *key, size_t len)
{
	struct walk *w = arg;
	size_t m = len < w->plen ? len : w->plen;
	int c = memcmp(w->prev, key, m);

	ck_assert_uint_lt(len, sizeof(w->prev));
	ck_assert_msg(w->n == 0 || c < 0 || (c == 0 && w->plen < len),
		      "out of order: %.*s after %.*s", (int)len, key,
		      (int)w->plen, w->prev);
	memcpy(w->prev, key, len);
	w->plen = len;
	w->n++;
	return 0;
}

static size_t walk_count(const struct wt_ix *ix, const char *rel)
{
	struct walk w = { 0 };

	ck_assert_int_eq(wt_ix_each_below(ix, rel, strlen(rel), walk_one, &w),
			 0);
	return w.n;
}

/* The order written, and the runs below directories. */
START_TEST(index_v2_order)
{
	struct un_wtable *wt;
	size_t live = 0;

	make_indexed_extra();
	wt = open_mode(true);
	for (int i = 0; i < NREC; i++)
		live += want(i) != UN_W_NONE;
	ck_assert_uint_eq(wt->ix.nord, live + 13);
	ck_assert_uint_eq(walk_count(&wt->ix, ""), live + 13);
	ck_assert_uint_eq(walk_count(&wt->ix, "a"), 2);
	ck_assert_uint_eq(walk_count(&wt->ix, "a/b"), 1);
	ck_assert_uint_eq(walk_count(&wt->ix, "a/b/c"), 0);
	ck_assert_uint_eq(walk_count(&wt->ix, "a-b"), 1);
	ck_assert_uint_eq(walk_count(&wt->ix, "a0"), 1);
	ck_assert_uint_eq(walk_count(&wt->ix, "aaaaaaaaaaaaaaaaaaaa"), 3);
	ck_assert_uint_eq(walk_count(&wt->ix, "aaaaaaaaaaaaaaaa"), 0);
	ck_assert_uint_eq(walk_count(&wt->ix, "aaaaaaaaaaaaaaaaaaaab"), 1);
	ck_assert_uint_eq(walk_count(&wt->ix, "d3"), 100);
	ck_assert_uint_eq(walk_count(&wt->ix, "d3/s3"), 15);
	ck_assert_uint_eq(walk_count(&wt->ix, "d"), 0);
	ck_assert_uint_eq(walk_count(&wt->ix, "zzz"), 0);
	un_wtable_release(wt);
}
END_TEST

/* has_below and clear_below through the index and the map past it,
   never reading the table whole (the handle stays in over mode). */
START_TEST(index_v2_below)
{
	struct un_wtable *wt;
	size_t lines;

	make_indexed_extra();
	wt = open_mode(true);
	ck_assert(below(wt, "a"));
	ck_assert(below(wt, "a/b"));
	ck_assert(!below(wt, "a/b/c"));
	ck_assert(!below(wt, "a/1"));
	ck_assert(below(wt, "a-b"));
	ck_assert(below(wt, "a.b"));
	ck_assert(below(wt, "a0"));
	ck_assert(!below(wt, "b"));
	ck_assert(!below(wt, "on"));
	ck_assert(below(wt, "only"));
	ck_assert(below(wt, ""));
	ck_assert(below(wt, "d3/s3"));
	ck_assert(!below(wt, "d3/s"));
	ck_assert(!below(wt, "aaaaaaaaaaaaaaaa"));
	ck_assert_ptr_nonnull(wt->ix.base);
	/* Another process cancels some and adds others past the index. */
	append("- only/one\n- pair/x\nw fresh/dir/x\n- a0/c\nw a0/c\n");
	bump(0);
	ck_assert(!below(wt, "only"));
	ck_assert(below(wt, "pair"));
	ck_assert(below(wt, "fresh"));
	ck_assert(below(wt, "fresh/dir"));
	ck_assert(below(wt, "a0"));
	ck_assert_ptr_nonnull(wt->ix.base);

	ck_assert_int_eq(un_wtable_clear_below(wt, "a"), 0);
	ck_assert_int_eq(get(wt, "a/1"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "a/b/c"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "a-b/c"), UN_W_OPAQUE);
	ck_assert_int_eq(get(wt, "a.b/c"), UN_W_WHITEOUT);
	ck_assert_int_eq(get(wt, "a0/c"), UN_W_WHITEOUT);
	ck_assert(!below(wt, "a"));
	ck_assert(below(wt, "a-b"));
	/* Only the live ones get a `-` line: pair/x was cancelled. */
	lines = count_lines();
	ck_assert_int_eq(un_wtable_clear_below(wt, "pair"), 0);
	ck_assert_uint_eq(count_lines(), lines + 1);
	ck_assert_int_eq(get(wt, "pair/y"), UN_W_NONE);
	ck_assert(!below(wt, "pair"));
	ck_assert_int_eq(un_wtable_clear_below(wt, "fresh"), 0);
	ck_assert_int_eq(get(wt, "fresh/dir/x"), UN_W_NONE);
	ck_assert_int_eq(un_wtable_clear_below(wt, "d3"), 0);
	ck_assert(!below(wt, "d3"));
	ck_assert(below(wt, "d33"));
	ck_assert_int_eq(get(wt, rec(33)), want(33));
	ck_assert_int_eq(get(wt, rec(53)), UN_W_NONE);
	lines = count_lines();
	ck_assert_int_eq(un_wtable_clear_below(wt, "d3"), 0);
	ck_assert_uint_eq(count_lines(), lines);	/* nothing left */
	ck_assert_ptr_nonnull(wt->ix.base);
	un_wtable_release(wt);

	/* Another process, through the index: the same. */
	wt = open_mode(true);
	ck_assert(!below(wt, "a"));
	ck_assert(!below(wt, "pair"));
	ck_assert(!below(wt, "fresh"));
	ck_assert(!below(wt, "only"));
	ck_assert(!below(wt, "d3"));
	ck_assert(below(wt, "a-b"));
	ck_assert(below(wt, "d33"));
	ck_assert_int_eq(get(wt, "a0/c"), UN_W_WHITEOUT);
	for (int i = 0; i < NREC; i++)
		ck_assert_msg(get(wt, rec(i)) == (i % 50 == 3 ? UN_W_NONE :
						   want(i)), "record %d", i);
	un_wtable_release(wt);
}
END_TEST

/* rmdirs through the index cancel most records: the compaction is due
   by the exact count of the live ones (the map's paths the index holds
   too counted once), and made from the table read whole. */
START_TEST(index_v2_clear_compacts)
{
	struct un_wtable *wt;
	char dir[8];
	int d;

	make_indexed();
	wt = open_mode(true);
	for (d = 0; d < 20 && wt->ix.base; d++) {
		snprintf(dir, sizeof(dir), "d%d", d);
		ck_assert_int_eq(un_wtable_clear_below(wt, dir), 0);
	}
	/* 4,500 live of 5,500 lines, 100 live in each of d1-d9, d11...:
	   dead past half with 12 of them cancelled, at d13. */
	ck_assert_int_eq(d, 14);
	ck_assert_ptr_null(wt->ix.base);
	ck_assert(!exists(".union/index"));
	ck_assert_uint_eq(count_lines(), 1 + NREC - NREC / 10 - 12 * 100);
	for (int i = 0; i < NREC; i++)
		ck_assert_msg(get(wt, rec(i)) == (i % 50 < 14 ? UN_W_NONE :
						   want(i)), "record %d", i);
	un_wtable_release(wt);
}
END_TEST

/* Over mode keeps a `-` entry only for a path the index holds: records
   set and cancelled past the index (rm -rf's) leave the map as it was,
   which every rmdir walks. */
START_TEST(index_v2_map_small)
{
	struct un_wtable *wt;
	size_t c0;

	make_indexed();
	wt = open_mode(true);
	c0 = wt->mem.count;
	ck_assert_int_eq(un_wtable_set(wt, "tmp/a", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "tmp/b/c", UN_W_OPAQUE), 0);
	ck_assert_uint_eq(wt->mem.count, c0 + 2);
	ck_assert_int_eq(un_wtable_clear_below(wt, "tmp"), 0);
	ck_assert_int_eq(un_wtable_set(wt, "tmp2", UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(wt, "tmp2", UN_W_NONE), 0);
	ck_assert_uint_eq(wt->mem.count, c0);
	ck_assert_uint_eq(wt->mem.minus, 0);
	ck_assert_uint_eq(wt->mem.shadow, 0);
	ck_assert_int_eq(get(wt, "tmp/a"), UN_W_NONE);
	ck_assert_int_eq(get(wt, "tmp/b/c"), UN_W_NONE);
	/* A path the index holds: its `-` stays, shadowing it. */
	ck_assert_int_eq(un_wtable_set(wt, rec(1), UN_W_NONE), 0);
	ck_assert_uint_eq(wt->mem.count, c0 + 1);
	ck_assert_uint_eq(wt->mem.minus, 1);
	ck_assert_uint_eq(wt->mem.shadow, 1);
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	ck_assert_ptr_nonnull(wt->ix.base);
	un_wtable_release(wt);
	wt = open_mode(true);		/* (the same, replayed) */
	ck_assert_uint_eq(wt->mem.count, c0 + 1);
	ck_assert_int_eq(get(wt, "tmp/a"), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(1)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(2)), want(2));
	un_wtable_release(wt);
}
END_TEST

/* The index's header field at off (a uint64_t). */
static uint64_t head_u64(off_t off)
{
	uint64_t v;
	int fd = open(upath(".union/index"), O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 8, off), 8);
	close(fd);
	return v;
}

#define HEAD_NSLOTS 80
#define HEAD_ORD 96
#define HEAD_SIZE 208

/* The order damaged: a slot number out of range, two entries swapped.
   Never trusted: the table read whole, the answers right. */
START_TEST(index_v2_order_damaged)
{
	struct un_wtable *wt;
	uint64_t ord_off, nslots, nord;
	uint32_t bad = 0xffffffff, e[2];
	int fd;

	make_indexed();
	ord_off = head_u64(HEAD_ORD);
	nslots = head_u64(HEAD_NSLOTS);
	ck_assert_uint_eq(ord_off, HEAD_SIZE + 16 * nslots);
	nord = head_u64(72);
	damage(ord_off + 4 * (nord / 2), (const char *)&bad, 4);
	wt = open_mode(true);
	ck_assert(below(wt, "d3"));
	ck_assert_ptr_null(wt->ix.base);	/* found damaged */
	un_wtable_release(wt);
	wt = open_mode(true);			/* (written again) */
	ck_assert_int_eq(un_wtable_clear_below(wt, "d3"), 0);
	un_wtable_release(wt);
	unlink(upath(".union/index"));
	wt = open_ok();				/* (written again) */
	un_wtable_release(wt);

	/* Two entries of d4's run swapped: the run is out of order. */
	ord_off = head_u64(HEAD_ORD);
	nord = head_u64(72);
	fd = open(upath(".union/index"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (uint64_t k = 0; k + 1 < nord; k++) {
		struct { uint32_t hash, meta; uint64_t off; } sl;
		char path[8];
		uint32_t s;

		ck_assert_int_eq(pread(fd, &s, 4, ord_off + 4 * k), 4);
		ck_assert_int_eq(pread(fd, &sl, 16, HEAD_SIZE + 16 * s), 16);
		ck_assert_int_eq(pread(fd, path, 3, sl.off), 3);
		if (memcmp(path, "d4/", 3))
			continue;
		ck_assert_int_eq(pread(fd, e, 8, ord_off + 4 * k), 8);
		s = e[0];
		e[0] = e[1];
		e[1] = s;
		ck_assert_int_eq(pwrite(fd, e, 8, ord_off + 4 * k), 8);
		break;
	}
	close(fd);
	wt = open_mode(true);
	ck_assert_int_eq(un_wtable_clear_below(wt, "d4"), 0);
	ck_assert_ptr_null(wt->ix.base);	/* found damaged */
	ck_assert_int_eq(get(wt, rec(4)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(54)), UN_W_NONE);
	ck_assert_int_eq(get(wt, rec(5)), want(5));
	un_wtable_release(wt);
	wt = open_ok();
	ck_assert(!below(wt, "d4"));
	ck_assert(!below(wt, "d3"));
	ck_assert(below(wt, "d5"));
	un_wtable_release(wt);
}
END_TEST

/* An index of version 1, whole and consistent (its header's hash made
   again): ignored, never misread, and replaced by one of version 2. */
START_TEST(index_v1_ignored)
{
	struct un_wtable *wt;
	char head[HEAD_SIZE];
	uint32_t v1 = 1;
	uint64_t check;
	int fd;

	make_indexed();
	fd = open(upath(".union/index"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, head, sizeof(head), 0), HEAD_SIZE);
	memcpy(head + 8, &v1, 4);
	check = un_name_hash(head, HEAD_SIZE - 8);
	memcpy(head + HEAD_SIZE - 8, &check, 8);
	ck_assert_int_eq(pwrite(fd, head, sizeof(head), 0), HEAD_SIZE);
	close(fd);
	wt = open_mode(false);
	check_all(wt);
	un_wtable_release(wt);
	ck_assert_uint_eq((uint32_t)head_u64(8), 2);	/* written again */
	wt = open_mode(true);
	check_all(wt);
	un_wtable_release(wt);
	/* The hash made again is what the library checks: the same header
	   with version 2 is taken. */
	fd = open(upath(".union/index"), O_RDONLY);
	ck_assert_int_eq(pread(fd, head, sizeof(head), 0), HEAD_SIZE);
	close(fd);
	check = un_name_hash(head, HEAD_SIZE - 8);
	ck_assert(!memcmp(head + HEAD_SIZE - 8, &check, 8));
}
END_TEST

static Suite *wtindex_suite(void)
{
	Suite *s = suite_create("wtindex");
	TCase *tc = tcase_create("index");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, index_made_and_used);
	tcase_add_test(tc, index_small_table_none);
	tcase_add_test(tc, index_then_appended);
	tcase_add_test(tc, index_table_rewritten);
	tcase_add_test(tc, index_writer_compacts);
	tcase_add_test(tc, index_table_replaced_same_end);
	tcase_add_test(tc, index_compacted_under_reader);
	tcase_add_test(tc, index_table_edited_in_place);
	tcase_add_test(tc, index_damaged);
	tcase_add_test(tc, index_below);
	tcase_add_test(tc, index_format_get);
	tcase_add_test(tc, index_tmp_left);
	tcase_add_test(tc, index_concurrent_churn);
	tcase_add_test(tc, index_signal_mode);
	tcase_add_test(tc, index_clear_below_fd_closed);
	tcase_add_test(tc, index_v2_order);
	tcase_add_test(tc, index_v2_below);
	tcase_add_test(tc, index_v2_order_damaged);
	tcase_add_test(tc, index_v2_clear_compacts);
	tcase_add_test(tc, index_v2_map_small);
	tcase_add_test(tc, index_v1_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(wtindex_suite(), basedir, sizeof(basedir), "wtindex");
}
