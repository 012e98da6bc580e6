/*
 * table.c - the whiteout table, UPPER/.union/whiteouts, from the tool.
 *
 * The tool's own reader and writer of the library's table (the grammar
 * and the locking are fixed at the head of include/union_format.c, whose
 * code checks, encodes and decodes the records here as in the library;
 * the constants are in include/union_format.h):
 *
 *	libunion-whiteouts 1
 *	w <escaped path>	a whiteout
 *	o <escaped path>	an opaque directory
 *	- <escaped path>	cancel the earlier record of the path
 *
 * Reading replays the records in order into a map from path to kind; a
 * last line without its '\n' is an append cut short and is ignored; any
 * other departure from the grammar makes the file corrupt, and the tool
 * stops with the file and the line rather than guess.  A missing table
 * is an empty one.  Readers take no lock: whole lines are all they use.
 *
 * Writers do what the library's writers do, so that the processes of a
 * union that is in use see the change at their next call:
 *
 *  1. take flock(LOCK_EX) on UPPER/.union/lock, creating it (4096 bytes
 *     that start with "UNWTGEN2", a 64-bit generation and a 64-bit
 *     epoch, the library's two counters and `begun`; a file of version 1,
 *     "UNWTGEN1", is used as it is) or completing one whose creator died,
 *     and add one to `begun` before anything else;
 *  2. read the table again (others may have written since we loaded it),
 *     cut an unfinished last line, write the header into an empty file;
 *  3. append whole records in one write with O_APPEND, or, for a
 *     rewrite, write the live records to whiteouts.tmp, fsync it, rename
 *     it over the table, add one to the epoch and remove the library's
 *     index of the table (UPPER/.union/index, a cache of the old file);
 *  4. add one to the generation (readers compare it first), unlock.
 *
 * The counters are changed through a shared mapping with atomic adds,
 * as the library changes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "union.h"

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

struct rec_node {
	UT_hash_handle hh;
	char kind;
	char path[];
};

struct un_table {
	char *meta;		/* UPPER/.union */
	char *path;		/* the table */
	char *tmp_path;
	char *lock_path;
	struct rec_node *recs;	/* the live records */
	struct un_rec *sorted;	/* cache of un_table_records */
	size_t nsorted;
	bool sorted_ok;
};

/* A write in progress: the lock held, the table open. */
struct table_txn {
	int lfd;
	struct un_fmt_gen *gen;
	int tfd;
	off_t end;		/* end of the last whole line */
};

static void recs_free(struct rec_node **recs)
{
	struct rec_node *r, *rt;

	HASH_ITER(hh, *recs, r, rt) {
		HASH_DEL(*recs, r);
		free(r);
	}
}

static void recs_apply(struct rec_node **recs, char op, const char *path,
		       size_t len)
{
	struct rec_node *r;

	HASH_FIND(hh, *recs, path, len, r);
	if (op == '-') {
		if (r) {
			HASH_DEL(*recs, r);
			free(r);
		}
		return;
	}
	if (r) {
		r->kind = op;
		return;
	}
	r = un_xmalloc(sizeof(*r) + len + 1);
	r->kind = op;
	memcpy(r->path, path, len);
	r->path[len] = '\0';
	HASH_ADD_KEYPTR(hh, *recs, r->path, len, r);
	if (!r->hh.tbl) {
		un_err("out of memory");
		exit(UN_EXIT_RUN_FAIL);
	}
}

/*
 * Replay the whole lines of buf into recs (decoding them in place).
 * *end: the end of the last whole line.  Returns NULL, or why line
 * *lineno is bad.
 */
static const char *parse(char *buf, size_t len, struct rec_node **recs,
			 size_t *end, unsigned long *lineno)
{
	size_t p = 0;

	*lineno = 0;
	*end = 0;
	while (p < len) {
		char *line = buf + p, *nl = memchr(line, '\n', len - p);
		const char *why;
		size_t ll, plen;
		char op;

		if (!nl)
			break;		/* an append cut short */
		ll = nl - line;
		++*lineno;
		if (*lineno == 1) {
			why = un_fmt_header_invalid(line, ll);
		} else {
			why = un_fmt_rec_decode(line, ll, &op, &plen);
			if (!why)
				recs_apply(recs, op, line + 2, plen);
		}
		if (why)
			return why;
		p += ll + 1;
		*end = p;
	}
	return NULL;
}

/* The whole content of fd, from offset 0. */
static int read_fd(int fd, char **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *p = un_xmalloc(cap);

	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			cap *= 2;
			p = un_xrealloc(p, cap);
		}
		n = pread(fd, p + used, cap - used - 1, used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(p);
			return -errno;
		}
		if (n == 0)
			break;
		used += n;
	}
	p[used] = '\0';
	*buf = p;
	*len = used;
	return 0;
}

/* Read the table from fd (or the path when fd < 0) into fresh records. */
static int load(struct un_table *t, int fd, struct rec_node **recs,
		size_t *end)
{
	unsigned long lineno;
	const char *why;
	char *buf;
	size_t len;
	int ret;

	if (fd >= 0)
		ret = read_fd(fd, &buf, &len);
	else
		ret = un_read_file(t->path, &buf, &len);
	if (ret == -ENOENT && fd < 0) {
		*end = 0;
		return 0;
	}
	if (ret < 0)
		return un_fail(ret, "cannot read '%s'", t->path);
	why = parse(buf, len, recs, end, &lineno);
	free(buf);
	if (why) {
		recs_free(recs);
		un_err("%s: corrupt at line %lu: %s", t->path, lineno, why);
		return -EUCLEAN;
	}
	return 0;
}

int un_table_load(const char *upper, struct un_table **out)
{
	struct un_table *t = un_xmalloc(sizeof(*t));
	size_t end;
	int ret;

	memset(t, 0, sizeof(*t));
	t->meta = un_xasprintf("%s/%s", upper, UN_FMT_META_DIR);
	t->path = un_xasprintf("%s/%s", t->meta, UN_FMT_TABLE);
	t->tmp_path = un_xasprintf("%s/%s", t->meta, UN_FMT_TABLE_TMP);
	t->lock_path = un_xasprintf("%s/%s", t->meta, UN_FMT_LOCK);
	ret = load(t, -1, &t->recs, &end);
	if (ret < 0) {
		un_table_release(t);
		return ret;
	}
	*out = t;
	return 0;
}

void un_table_release(struct un_table *t)
{
	if (!t)
		return;
	recs_free(&t->recs);
	free(t->sorted);
	free(t->meta);
	free(t->path);
	free(t->tmp_path);
	free(t->lock_path);
	free(t);
}

enum un_kind un_table_get(const struct un_table *t, const char *rel)
{
	struct rec_node *r;

	HASH_FIND(hh, t->recs, rel, strlen(rel), r);
	return r ? (enum un_kind)r->kind : UN_REC_NONE;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct un_rec *)a)->path,
		      ((const struct un_rec *)b)->path);
}

size_t un_table_records(struct un_table *t, const struct un_rec **recs)
{
	struct rec_node *r, *rt;
	size_t n = 0;

	if (!t->sorted_ok) {
		free(t->sorted);
		t->nsorted = HASH_COUNT(t->recs);
		t->sorted = un_xmalloc(t->nsorted * sizeof(*t->sorted));
		HASH_ITER(hh, t->recs, r, rt) {
			t->sorted[n].path = r->path;
			t->sorted[n].kind = r->kind;
			n++;
		}
		qsort(t->sorted, t->nsorted, sizeof(*t->sorted), by_path);
		t->sorted_ok = true;
	}
	*recs = t->sorted;
	return t->nsorted;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                             */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Step 1: the lock file, created or completed, locked and mapped. */
static int lock_open(struct un_table *t, struct table_txn *x)
{
	struct un_fmt_gen head = { .generation = 0 }, head1 = head;
	const struct un_fmt_gen *want = &head;
	char have[sizeof(head)];
	struct stat st;
	ssize_t n;
	int ret;

	memcpy(head.magic, UN_FMT_LOCK_MAGIC, sizeof(head.magic));
	memcpy(head1.magic, UN_FMT_LOCK_MAGIC_V1, sizeof(head1.magic));
	if (mkdir(t->meta, 0755) < 0 && errno != EEXIST)
		return un_fail(-errno, "cannot create '%s'", t->meta);
	x->lfd = open(t->lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		      0644);
	if (x->lfd < 0)
		return un_fail(-errno, "cannot open '%s'", t->lock_path);
	while (flock(x->lfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ret = un_fail(-errno, "cannot lock '%s'", t->lock_path);
			goto out_close;
		}
	}
	if (fstat(x->lfd, &st) < 0) {
		ret = un_fail(-errno, "cannot read '%s'", t->lock_path);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EUCLEAN;
		un_err("'%s' is not a libunion lock file", t->lock_path);
		goto out_close;
	}
	if (st.st_size < UN_FMT_LOCK_SIZE) {
		/* A creator killed before it finished: complete it. */
		/* (Its creator's version, where it got as far as the
		   magic; the library does the same.) */
		n = pread(x->lfd, have, sizeof(have), 0);
		if (n >= 8 && !memcmp(have, &head1, n))
			want = &head1;
		if (n < 0 || memcmp(have, want, n)) {
			ret = -EUCLEAN;
			un_err("'%s' is not a libunion lock file",
			       t->lock_path);
			goto out_close;
		}
		if (pwrite(x->lfd, want, sizeof(*want), 0) != sizeof(*want) ||
		    ftruncate(x->lfd, UN_FMT_LOCK_SIZE) < 0) {
			ret = un_fail(-errno, "cannot write '%s'",
				      t->lock_path);
			goto out_close;
		}
	}
	x->gen = mmap(NULL, UN_FMT_LOCK_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED, x->lfd, 0);
	if (x->gen == MAP_FAILED) {
		ret = un_fail(-errno, "cannot map '%s'", t->lock_path);
		goto out_close;
	}
	if (!un_fmt_lock_version(x->gen->magic)) {
		munmap(x->gen, UN_FMT_LOCK_SIZE);
		ret = -EUCLEAN;
		un_err("'%s' is not a libunion lock file", t->lock_path);
		goto out_close;
	}
	/* Before the table changes: the library's writers then read it
	   again (union_format.c). */
	__atomic_add_fetch(&x->gen->begun, 1, __ATOMIC_SEQ_CST);
	return 0;

out_close:
	close(x->lfd);	/* releases the flock */
	return ret;
}

/* Step 2: the table as it is now, under the lock. */
static int txn_begin(struct un_table *t, struct table_txn *x)
{
	struct rec_node *fresh = NULL;
	struct stat st;
	size_t end;
	int ret;

	ret = lock_open(t, x);
	if (ret < 0)
		return ret;
	x->tfd = open(t->path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW |
				       O_CLOEXEC, 0644);
	if (x->tfd < 0) {
		ret = un_fail(-errno, "cannot open '%s'", t->path);
		goto out_unlock;
	}
	ret = load(t, x->tfd, &fresh, &end);
	if (ret < 0)
		goto out_close;
	recs_free(&t->recs);
	t->recs = fresh;
	t->sorted_ok = false;
	if (fstat(x->tfd, &st) < 0) {
		ret = un_fail(-errno, "cannot read '%s'", t->path);
		goto out_close;
	}
	if (st.st_size > (off_t)end && ftruncate(x->tfd, end) < 0) {
		ret = un_fail(-errno, "cannot repair '%s'", t->path);
		goto out_close;
	}
	if (end == 0) {
		ret = write_all(x->tfd, UN_FMT_TABLE_HEADER "\n",
				strlen(UN_FMT_TABLE_HEADER) + 1);
		if (ret < 0) {
			un_fail(ret, "cannot write '%s'", t->path);
			goto out_close;
		}
		end = strlen(UN_FMT_TABLE_HEADER) + 1;
	}
	x->end = end;
	return 0;

out_close:
	close(x->tfd);
out_unlock:
	munmap(x->gen, UN_FMT_LOCK_SIZE);
	close(x->lfd);
	return ret;
}

/* Step 4: announce, unlock. */
static void txn_end(struct table_txn *x, bool changed)
{
	if (changed)
		__atomic_add_fetch(&x->gen->generation, 1, __ATOMIC_SEQ_CST);
	close(x->tfd);
	munmap(x->gen, UN_FMT_LOCK_SIZE);
	close(x->lfd);
}

/* Append the encoding of one record to *buf. */
static void encode(char **buf, size_t *used, size_t *cap, char op,
		   const char *path)
{
	size_t len = strlen(path), n = un_fmt_rec_max(len);

	if (*used + n > *cap) {
		*cap = 2 * (*used + n);
		*buf = un_xrealloc(*buf, *cap);
	}
	*used += un_fmt_rec_encode(*buf + *used, op, path, len);
}

int un_table_append(struct un_table *t, const struct un_rec *recs, size_t n)
{
	struct table_txn x;
	size_t used = 0, cap = 0;
	char *buf = NULL;
	int ret;

	for (size_t i = 0; i < n; i++) {
		const char *why = un_fmt_path_invalid(recs[i].path,
						      strlen(recs[i].path));

		if (why) {
			un_err("cannot record '%s': %s", recs[i].path, why);
			return -EINVAL;
		}
		encode(&buf, &used, &cap, recs[i].kind, recs[i].path);
	}
	if (!n)
		return 0;
	ret = txn_begin(t, &x);
	if (ret < 0)
		goto out_free;
	/* One write for all: the lines are whole even if we die midway. */
	ret = write_all(x.tfd, buf, used);
	if (ret < 0) {
		un_fail(ret, "cannot write '%s'", t->path);
		/* Take back what was written; if even that fails, the
		 * write's error above is the one to report. */
		if (ftruncate(x.tfd, x.end) < 0) {
			/* already reported */
		}
		txn_end(&x, false);
		goto out_free;
	}
	for (size_t i = 0; i < n; i++)
		recs_apply(&t->recs, recs[i].kind, recs[i].path,
			   strlen(recs[i].path));
	t->sorted_ok = false;
	txn_end(&x, true);
out_free:
	free(buf);
	return ret;
}

int un_table_rewrite(struct un_table *t, bool keep)
{
	const struct un_rec *recs;
	struct table_txn x;
	size_t n, used = 0, cap = 0;
	char *buf = NULL;
	int fd, ret;

	ret = txn_begin(t, &x);
	if (ret < 0)
		return ret;
	if (!keep) {
		recs_free(&t->recs);
		t->sorted_ok = false;
	}
	n = un_table_records(t, &recs);
	cap = strlen(UN_FMT_TABLE_HEADER) + 1;
	buf = un_xmalloc(cap);
	memcpy(buf, UN_FMT_TABLE_HEADER "\n", cap);
	used = cap;
	for (size_t i = 0; i < n; i++)
		encode(&buf, &used, &cap, recs[i].kind, recs[i].path);

	fd = open(t->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
				       O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = un_fail(-errno, "cannot create '%s'", t->tmp_path);
		goto out_end;
	}
	ret = write_all(fd, buf, used);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(t->tmp_path, t->path) < 0)
		ret = -errno;
	if (ret < 0) {
		un_fail(ret, "cannot rewrite '%s'", t->path);
		unlink(t->tmp_path);
		goto out_end;
	}
	__atomic_add_fetch(&x.gen->epoch, 1, __ATOMIC_SEQ_CST);
	/* The library's index of the old table: its inode makes it
	   foreign already; take it away rather than leave it. */
	char *ix = un_xasprintf("%s/%s", t->meta, UN_FMT_INDEX);

	unlink(ix);
	free(ix);
out_end:
	txn_end(&x, ret == 0);
	free(buf);
	return ret;
}
