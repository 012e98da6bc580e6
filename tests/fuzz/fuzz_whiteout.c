/*
 * fuzz_whiteout.c - the whiteout table's reader (preload/whiteout.c)
 * against a model of the format, version 1, as the head of
 * include/union_format.c defines it.
 *
 * The input is written as UPPER/.union/whiteouts of a scratch upper and
 * opened with un_wtable_open(), which reads it the way every process of
 * a union does.  Then:
 *  - a table the model finds corrupt is refused (-EUCLEAN) with one line
 *    on stderr naming the table and the first bad line's number;
 *  - a table the model reads is accepted, and un_wtable_get() answers
 *    the model's kind for every path the input names (cancelled ones
 *    included), un_wtable_has_below() true exactly where a live record
 *    lies below;
 *  - an unfinished last line (no '\n') is ignored and cut off the file,
 *    and an empty table gets its header.
 *
 * The reader's complaint goes to stderr: it is captured in a memfd for
 * the check.  Should the reader crash meanwhile, a sanitizer's report
 * would land there too; the death callback copies it back to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "fuzz.h"

#define HEADER "libunion-whiteouts 1"

static char upper[PATH_MAX];
static char table[PATH_MAX];
static int capture_fd = -1;	/* the memfd stderr goes to meanwhile */
static int saved_stderr = -1;	/* the real stderr while captured */

/* Declared weak: present only in sanitizer builds. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void capture_start(void)
{
	if (ftruncate(capture_fd, 0) < 0 || lseek(capture_fd, 0, SEEK_SET) < 0)
		abort();
	saved_stderr = dup(STDERR_FILENO);
	dup2(capture_fd, STDERR_FILENO);
}

/* Restore stderr; the captured text (NUL-terminated) into buf. */
static void capture_stop(char *buf, size_t size)
{
	ssize_t n;

	if (saved_stderr < 0)
		return;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	n = pread(capture_fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static void on_death(void)
{
	char buf[65536];

	if (saved_stderr < 0)
		return;
	capture_stop(buf, sizeof(buf));
	fputs(buf, stderr);
}

static void cleanup(void)
{
	if (upper[0])
		fuzz_rm_tree(upper);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char base[128];
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	snprintf(base, sizeof(base), "%s/libunion-fuzz-wt.XXXXXX", tmp);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(upper, sizeof(upper), "%s", base);
	snprintf(table, sizeof(table), "%s/.union", base);
	if (mkdir(table, 0755) < 0) {
		perror(table);
		exit(1);
	}
	snprintf(table, sizeof(table), "%s/.union/whiteouts", base);
	atexit(cleanup);
	capture_fd = memfd_create("fuzz-stderr", MFD_CLOEXEC);
	if (capture_fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(on_death);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The model: the format read straight from its description.           */

struct mrec {
	char *key;
	size_t len;
	char kind;		/* 'w', 'o', or 0 when cancelled */
};

struct mtable {
	struct mrec *rec;
	int n;
	long bad_line;		/* 0, or the first bad line (from 1) */
	size_t whole;		/* bytes up to the end of the last whole line */
};

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode an escaped path into out; its length, or -1 when bad. */
static long decode(const uint8_t *s, size_t len, char *out)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\') {
			if (len - i < 4 || s[i + 1] != 'x' || hex(s[i + 2]) < 0 ||
			    hex(s[i + 3]) < 0)
				return -1;
			out[w++] = (char)(hex(s[i + 2]) * 16 + hex(s[i + 3]));
			i += 3;
		} else if (s[i] < 0x21 || s[i] > 0x7e) {
			return -1;
		} else {
			out[w++] = (char)s[i];
		}
	}
	return (long)w;
}

/* A record path: not empty; no NUL; no leading, trailing or doubled
   '/'; no "." or ".." component. */
static bool path_ok(const char *p, size_t len)
{
	size_t start = 0;

	if (!len || memchr(p, '\0', len))
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		size_t cl = i - start;

		if (cl == 0 || (cl == 1 && p[start] == '.') ||
		    (cl == 2 && p[start] == '.' && p[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

static struct mrec *mfind(struct mtable *t, const char *key, size_t len)
{
	for (int i = 0; i < t->n; i++)
		if (t->rec[i].len == len && !memcmp(t->rec[i].key, key, len))
			return &t->rec[i];
	return NULL;
}

static void model_read(const uint8_t *d, size_t size, struct mtable *t)
{
	size_t off = 0;
	long line = 0;
	char *buf = malloc(size + 1);

	memset(t, 0, sizeof(*t));
	t->rec = calloc(size / 2 + 1, sizeof(*t->rec));
	while (off < size) {
		const uint8_t *nl = memchr(d + off, '\n', size - off);
		size_t ll;

		if (!nl)
			break;		/* an unfinished line: ignored */
		ll = nl - (d + off);
		line++;
		if (line == 1) {
			if (ll != strlen(HEADER) || memcmp(d + off, HEADER, ll))
				goto bad;
		} else {
			long kl;

			if (ll < 2 || !d[off] || !strchr("wo-", d[off]) ||
			    d[off + 1] != ' ')
				goto bad;
			kl = decode(d + off + 2, ll - 2, buf);
			if (kl < 0 || !path_ok(buf, kl))
				goto bad;
			struct mrec *r = mfind(t, buf, kl);

			if (!r) {
				r = &t->rec[t->n++];
				r->key = malloc(kl + 1);
				memcpy(r->key, buf, kl);
				r->len = kl;
			}
			r->kind = d[off] == '-' ? 0 : (char)d[off];
		}
		off += ll + 1;
	}
	t->whole = off;
	free(buf);
	return;
bad:
	t->bad_line = line;
	free(buf);
}

static void model_free(struct mtable *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->rec[i].key);
	free(t->rec);
}

/* Does a live record lie strictly below key (len bytes; "" the root)? */
static bool model_below(struct mtable *t, const char *key, size_t len)
{
	for (int i = 0; i < t->n; i++) {
		const struct mrec *r = &t->rec[i];

		if (r->kind && r->len > len &&
		    (len == 0 ||
		     (!memcmp(r->key, key, len) && r->key[len] == '/')))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */

static void write_table(const uint8_t *data, size_t size)
{
	int fd = open(table, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	FUZZ_CHECK(fd >= 0, "open %s: %s", table, strerror(errno));
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "write %s",
		   table);
	close(fd);
}

static void check_accepted(struct un_wtable *wt, struct mtable *t)
{
	struct stat st;

	FUZZ_CHECK(stat(table, &st) == 0, "stat %s", table);
	if (t->whole == 0)
		FUZZ_CHECK(st.st_size == (off_t)strlen(HEADER) + 1,
			   "an empty table is %ld bytes, not a header",
			   (long)st.st_size);
	else
		FUZZ_CHECK(st.st_size == (off_t)t->whole,
			   "the table is %ld bytes, its whole lines %zu",
			   (long)st.st_size, t->whole);

	FUZZ_CHECK(un_wtable_has_below(wt, "", 0) == model_below(t, "", 0),
		   "has_below of the root");
	for (int i = 0; i < t->n; i++) {
		const struct mrec *r = &t->rec[i];
		enum un_wkind k = un_wtable_get(wt, r->key, r->len);

		FUZZ_CHECK((char)k == r->kind,
			   "record '%.*s' is '%c', the model '%c'",
			   (int)r->len, r->key, k ? (char)k : '-',
			   r->kind ? r->kind : '-');
		FUZZ_CHECK(un_wtable_has_below(wt, r->key, r->len) ==
				   model_below(t, r->key, r->len),
			   "has_below '%.*s'", (int)r->len, r->key);
		/* Every ancestor of a live record has one below it. */
		for (size_t j = 1; r->kind && j < r->len; j++) {
			if (r->key[j] != '/')
				continue;
			FUZZ_CHECK(un_wtable_has_below(wt, r->key, j),
				   "nothing below '%.*s', an ancestor of '%.*s'",
				   (int)j, r->key, (int)r->len, r->key);
			if (!mfind(t, r->key, j))
				FUZZ_CHECK(!un_wtable_get(wt, r->key, j),
					   "ancestor '%.*s' has a record",
					   (int)j, r->key);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct un_wtable *wt = NULL;
	struct mtable t;
	char said[4096], want[PATH_MAX + 64];
	int rc;

	if (size > 4096)
		return 0;
	write_table(data, size);
	model_read(data, size, &t);

	capture_start();
	rc = un_wtable_open(upper, &wt);
	capture_stop(said, sizeof(said));

	if (t.bad_line) {
		FUZZ_CHECK(rc == -EUCLEAN,
			   "a table bad at line %ld opened (%d)", t.bad_line,
			   rc);
		snprintf(want, sizeof(want),
			 "libunion: %s: corrupt at line %ld: ", table,
			 t.bad_line);
		FUZZ_CHECK(!strncmp(said, want, strlen(want)),
			   "a table bad at line %ld, stderr says: '%s'",
			   t.bad_line, said);
		FUZZ_CHECK(strchr(said, '\n') == said + strlen(said) - 1,
			   "not one line: '%s'", said);
	} else {
		FUZZ_CHECK(rc == 0, "a good table refused (%d): %s", rc, said);
		FUZZ_CHECK(!said[0], "a good table, yet stderr says '%s'",
			   said);
		check_accepted(wt, &t);
	}
	un_wtable_release(wt);
	model_free(&t);
	return 0;
}
