/*
 * wt_signal.c - the whiteout table for signal handlers.
 *
 * Signal handlers (signal mode, see internal.h) take neither lock of
 * this process and never malloc.  A lookup uses the maps when they are
 * current and a try-lock of `rw` succeeds (it fails while a writer,
 * perhaps the very thread the handler interrupted, replays into them);
 * otherwise it reads the answer from the file itself, mapped, by a scan
 * (the view_* functions).  A change takes the flock on a descriptor of
 * its own (a new open file description, so it excludes this process's
 * other threads too), repairs an unfinished tail, appends and raises the
 * generation; the maps catch up at the next ordinary lookup.  Ordinary
 * writers block signals while they hold the flock, so a handler never
 * waits for its own thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wtable.h"

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
		if (!nl || un_fmt_header_invalid(v->p, nl - v->p))
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
	size_t n;

	if (!memchr(enc, '\\', enclen))
		return enclen == len && memcmp(enc, key, len) == 0;
	return !un_fmt_unescape(enc, enclen, tmp, UN_VPATH_MAX, &n) &&
	       n == len &&
	       memcmp(tmp, key, len) == 0;
}

/* What the mapped table says of key: the last record of it wins. */
static char view_kind(const struct wt_view *v, const char *key, size_t len)
{
	/* A key may be as long as a merged path (issue 11, item 9). */
	char tmp[UN_VPATH_MAX], op, kind = '-';
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
	char key[UN_VPATH_MAX], tmp[UN_VPATH_MAX], op, op2;
	const char *enc, *enc2;
	size_t enclen, enclen2, off = 0;

	while (view_next(v, &off, &op, &enc, &enclen)) {
		size_t later = off;
		bool live = true;
		size_t n;

		if (op == '-' ||
		    un_fmt_unescape(enc, enclen, key, sizeof(key), &n))
			continue;
		if (n <= rel_len || (rel_len > 0 &&
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

/* May the maps (and the index they override) answer a handler?  Then
   they are read-locked. */
static bool wt_sig_maps(struct un_wtable *wt)
{
	if (!wt->gen || __atomic_load_n(&wt->gen->generation, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&wt->seen_gen, __ATOMIC_ACQUIRE))
		return false;
	return pthread_rwlock_tryrdlock(&wt->rw) == 0;
}

enum un_wkind wt_sig_get(struct un_wtable *wt, const char *rel,
				size_t rel_len)
{
	enum un_wkind kind = UN_W_NONE;
	struct wt_view v;
	int saved = errno;

	if (wt_sig_maps(wt)) {
		int k = wt_kind(wt, rel, rel_len);

		pthread_rwlock_unlock(&wt->rw);
		if (k >= 0)	/* (-1: a damaged index; the file answers) */
			return k == 'w' || k == 'o' ? (enum un_wkind)k :
						      UN_W_NONE;
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

bool wt_sig_has_below(struct un_wtable *wt, const char *rel,
			     size_t rel_len)
{
	struct wt_view v;
	bool below = false;
	int saved = errno;

	if (wt_sig_maps(wt)) {
		int any = wt_any_below(wt, rel, rel_len);

		pthread_rwlock_unlock(&wt->rw);
		if (any >= 0)	/* (-EUCLEAN: a damaged index; the file) */
			return any > 0;
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
	/* Before any change of the file (wt_sync_locked). */
	if (wt->gen)
		__atomic_add_fetch(&wt->gen->begun, 1, __ATOMIC_SEQ_CST);
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

int wt_sig_set(struct un_wtable *wt, const char *rel, size_t len,
		      char op)
{
	struct wt_sig_writer w;
	struct wt_view v;
	char *line;
	size_t n, cap = un_fmt_rec_max(len);
	int ret;

	line = un_sig_alloc(cap);
	if (!line)
		return -ENOMEM;
	n = un_fmt_rec_encode(line, op, rel, len);
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
	char line[4 * UN_VPATH_MAX + 3];
};

static bool clear_one(const char *key, size_t len, void *arg)
{
	struct wt_sig_clear *c = arg;

	if (un_fmt_rec_max(len) > sizeof(c->line)) {
		c->ret = -ENAMETOOLONG;
		return true;
	}
	c->ret = write_all(c->fd, c->line,
			   un_fmt_rec_encode(c->line, '-', key, len));
	return c->ret < 0;
}

int wt_sig_clear_below(struct un_wtable *wt, const char *rel,
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
