/*
 * check_namei.c - unit tests of namei.c: un_lookup() over real layers.
 *
 * Every test builds its own tree in a directory made by mkdtemp under
 * /tmp (T below):
 *
 *   T/u        the upper            (layer 0, bit 0x1)
 *   T/l1       the first lower      (layer 1, bit 0x2)
 *   T/l2       the second lower     (layer 2, bit 0x4)
 *   T/m        MERGED (not created on disk unless a test says so)
 *
 * and sets un_config itself with un_config_parse(), opening the whiteout
 * table of every upper.  The wrappers stay inactive (un_active is never
 * set): the test's own open/mkdir/symlink calls go straight to libc, and
 * un_lookup is called directly.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"
#include "unit.h"

static char T[128];

#define B_UP 0x1u
#define B_L1 0x2u
#define B_L2 0x4u

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

/* T/rel, in one of several rotating buffers. */
static const char *P(const char *rel)
{
	static char buf[16][PATH_MAX];
	static int next;
	char *p = buf[next++ % 16];

	snprintf(p, PATH_MAX, "%s/%s", T, rel);
	return p;
}

/* printf into one of several rotating buffers. */
static const char *F(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *F(const char *fmt, ...)
{
	static char buf[8][PATH_MAX + 64];
	static int next;
	char *p = buf[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(buf[0]), fmt, ap);
	va_end(ap);
	return p;
}

/* mkdir -p T/rel */
static void mkd(const char *rel)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", P(rel));
	for (char *s = buf + strlen(T) + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST,
				      "mkdir %s: %s", buf, strerror(errno));
			*s = c;
			if (!c)
				break;
		}
	}
}

/* A file T/rel holding content (its parent made first). */
static void mkf(const char *rel, const char *content)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkd(dir);
	}
	fd = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", P(rel), strerror(errno));
	ck_assert_int_eq(write(fd, content, strlen(content)),
			 (ssize_t)strlen(content));
	close(fd);
}

/* A symlink T/rel -> target. */
static void mkl(const char *target, const char *rel)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkd(dir);
	}
	ck_assert_msg(symlink(target, P(rel)) == 0, "symlink %s: %s", P(rel),
		      strerror(errno));
}

/* The content of a real file (short files only). */
static const char *slurp(const char *path)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, p, sizeof(buf[0]) - 1);
	ck_assert_int_ge(n, 0);
	p[n] = '\0';
	close(fd);
	return p;
}

/* Make un_config from value (T is %1$s) and open the whiteout tables. */
static void use(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void use(const char *fmt, ...)
{
	char value[4 * PATH_MAX];
	char err[PATH_MAX + 256] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	un_config_release(&un_config);
	ck_assert_msg(un_config_parse(value, &un_config, true, err,
				      sizeof(err)) == 0,
		      "UNION_LAYERS=%s: %s", value, err);
	for (int i = 0; i < un_config.nmount; i++) {
		struct un_mount *m = &un_config.mount[i];
		int rc;

		if (!m->upper)
			continue;
		rc = un_wtable_open(m->upper, &m->wt);
		ck_assert_msg(rc == 0, "un_wtable_open(%s): %s", m->upper,
			      strerror(-rc));
	}
	/* the cwd's idea of "near a union" depends on the table */
	un_cwd_set(NULL, -1);
}

/* The standard union: T/m = T/u : T/l1 : T/l2. */
static void use_std(void)
{
	use("%1$s/m=%1$s/u:%1$s/l1:%1$s/l2", T);
}

static struct un_mount *mnt_of(const char *merged)
{
	for (int i = 0; i < un_config.nmount; i++)
		if (!strcmp(un_config.mount[i].merged, merged))
			return &un_config.mount[i];
	ck_abort_msg("no mount %s", merged);
	return NULL;
}

static int lk(const char *path, int flags, struct un_node *n)
{
	memset(n, 0x5a, sizeof(*n));
	return un_lookup(AT_FDCWD, path, flags, n);
}

/*
 * n (from a lookup that returned 0) names vpath in layer at real.
 */
static void expect_node(const struct un_node *n, int layer, const char *real,
			const char *vpath)
{
	ck_assert_ptr_nonnull(n->mnt);
	ck_assert_int_eq(n->layer, layer);
	ck_assert_str_eq(n->vpath, vpath);
	ck_assert_str_eq(n->real, real);
	ck_assert_ptr_eq(n->kpath, n->real);
	/* rel_off: the part of vpath under MERGED */
	const struct un_mount *m = n->mnt;

	ck_assert_int_eq(strncmp(n->vpath, m->merged, m->merged_len), 0);
	if (strlen(n->vpath) == m->merged_len)
		ck_assert_str_eq(un_node_rel(n), "");
	else if (m->merged_len == 1)
		ck_assert_str_eq(un_node_rel(n), n->vpath + 1);
	else
		ck_assert_str_eq(un_node_rel(n), n->vpath + m->merged_len + 1);
	if (layer >= 0) {
		struct stat st;

		ck_assert_int_eq(lstat(real, &st), 0);
		ck_assert_uint_eq(st.st_ino, n->st.st_ino);
		ck_assert_uint_eq(st.st_dev, n->st.st_dev);
	}
}

static bool am_root(void)
{
	return geteuid() == 0;
}

#define SKIP(...)                                                          \
	do {                                                               \
		fprintf(stderr, "\n*** SKIPPED %s: ", __func__);           \
		fprintf(stderr, __VA_ARGS__);                              \
		fprintf(stderr, " ***\n\n");                               \
		return;                                                    \
	} while (0)

/*
 * Every test's T lies in one base directory that main() makes and removes,
 * so that the directories of failed tests (whose child exits without the
 * teardown) go too.
 */
static char base[64];

static void remove_tmp(void)
{
	if (!T[0])
		return;
	if (chdir("/") < 0)
		perror("chdir /");
	rm_tree(T);
	T[0] = '\0';
}

static void setup(void)
{
	un_real_early();
	un_real_late();
	snprintf(T, sizeof(T), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(T));
	mkd("u");
	mkd("l1");
	mkd("l2");
	memset(&un_config, 0, sizeof(un_config));
}

static void teardown(void)
{
	un_cwd_set(NULL, -1);
	if (chdir("/") < 0)
		perror("chdir /");
	un_config_release(&un_config);
	remove_tmp();
}

/* ------------------------------------------------------------------ */
/* Where a name lies.                                                  */

START_TEST(test_lookup_file_only_in_upper)
{
	struct un_node n;

	mkf("u/f", "upper");
	use_std();
	ck_assert_int_eq(lk(P("m/f"), 0, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
	ck_assert_ptr_eq(n.mnt, &un_config.mount[0]);
	ck_assert_str_eq(un_node_rel(&n), "f");
	ck_assert(S_ISREG(n.st.st_mode));
	ck_assert_uint_eq(n.parent_dirlayers, B_UP | B_L1 | B_L2);
	ck_assert(!n.trailing_slash);
	ck_assert(!un_node_is_merged_dir(&n));
}
END_TEST

START_TEST(test_lookup_file_only_in_lower)
{
	struct un_node n;

	mkf("l1/f", "lower1");
	use_std();
	ck_assert_int_eq(lk(P("m/f"), 0, &n), 0);
	expect_node(&n, 1, P("l1/f"), P("m/f"));
	ck_assert_str_eq(slurp(n.real), "lower1");
	ck_assert_uint_eq(n.st.st_size, 6);
}
END_TEST

START_TEST(test_lookup_file_only_in_second_lower)
{
	struct un_node n;

	mkf("l2/d/f", "lower2");
	use_std();
	ck_assert_int_eq(lk(P("m/d/f"), 0, &n), 0);
	expect_node(&n, 2, P("l2/d/f"), P("m/d/f"));
	ck_assert_uint_eq(n.parent_dirlayers, B_L2);
}
END_TEST

START_TEST(test_lookup_file_in_upper_and_lower_upper_wins)
{
	struct un_node n;

	mkf("u/f", "upper!");
	mkf("l1/f", "lower1 longer");
	mkf("l2/f", "lower2");
	use_std();
	ck_assert_int_eq(lk(P("m/f"), 0, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
	ck_assert_str_eq(slurp(n.real), "upper!");
	ck_assert_uint_eq(n.st.st_size, 6);
}
END_TEST

START_TEST(test_lookup_absent_name_points_into_upper)
{
	struct un_node n;

	mkd("l1/d");
	use_std();
	ck_assert_int_eq(lk(P("m/nope"), 0, &n), 0);
	expect_node(&n, -1, P("u/nope"), P("m/nope"));
	ck_assert_uint_eq(n.parent_dirlayers, B_UP | B_L1 | B_L2);
	ck_assert_uint_eq(n.dirlayers, 0);
	/* absent under a directory that only a lower has */
	ck_assert_int_eq(lk(P("m/d/nope"), UN_LK_FOLLOW, &n), 0);
	expect_node(&n, -1, P("u/d/nope"), P("m/d/nope"));
	ck_assert_uint_eq(n.parent_dirlayers, B_L1);
}
END_TEST

START_TEST(test_lookup_absent_name_read_only_union)
{
	struct un_node n;

	use("%1$s/m=:%1$s/l1", T);
	ck_assert_int_eq(lk(P("m/nope"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_str_eq(n.vpath, P("m/nope"));
	ck_assert_str_eq(n.real, "");
}
END_TEST

START_TEST(test_lookup_missing_parent_enoent)
{
	struct un_node n;

	use_std();
	ck_assert_int_eq(lk(P("m/nodir/f"), 0, &n), -ENOENT);
	ck_assert_int_eq(lk(P("m/nodir/f"), UN_LK_FOLLOW, &n), -ENOENT);
	ck_assert_int_eq(lk(P("m/a/b/c"), 0, &n), -ENOENT);
}
END_TEST

START_TEST(test_lookup_file_used_as_directory_enotdir)
{
	struct un_node n;

	mkf("l1/f", "x");
	mkf("u/g", "x");
	use_std();
	ck_assert_int_eq(lk(P("m/f/x"), 0, &n), -ENOTDIR);
	ck_assert_int_eq(lk(P("m/g/x"), 0, &n), -ENOTDIR);
	ck_assert_int_eq(lk(P("m/f/x/y"), 0, &n), -ENOTDIR);
	ck_assert_int_eq(lk(P("m/f/."), 0, &n), -ENOTDIR);
	ck_assert_int_eq(lk(P("m/f/.."), 0, &n), -ENOTDIR);
}
END_TEST

START_TEST(test_lookup_merged_root_is_merged_dir)
{
	struct un_node n;

	use_std();
	ck_assert_int_eq(lk(P("m"), 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
	ck_assert(S_ISDIR(n.st.st_mode));
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1 | B_L2);
	ck_assert(un_node_is_merged_dir(&n));
}
END_TEST

START_TEST(test_lookup_merged_dir_upper_and_lower)
{
	struct un_node n;

	mkd("u/d");
	mkf("l1/d/lf", "lf");
	use_std();
	ck_assert_int_eq(lk(P("m/d"), 0, &n), 0);
	expect_node(&n, 0, P("u/d"), P("m/d"));
	ck_assert(S_ISDIR(n.st.st_mode));
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1);
	ck_assert(un_node_is_merged_dir(&n));
	/* a file of the lower seen through the merged directory */
	ck_assert_int_eq(lk(P("m/d/lf"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/lf"), P("m/d/lf"));
	ck_assert_uint_eq(n.parent_dirlayers, B_UP | B_L1);
}
END_TEST

START_TEST(test_lookup_dir_only_in_lower_not_merged)
{
	struct un_node n;

	mkd("l1/d");
	use_std();
	ck_assert_int_eq(lk(P("m/d"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
	ck_assert_uint_eq(n.dirlayers, B_L1);
	ck_assert(!un_node_is_merged_dir(&n));
}
END_TEST

START_TEST(test_lookup_upper_file_hides_lower_dir)
{
	struct un_node n;

	mkf("u/x", "file");
	mkf("l1/x/below", "hidden");
	use_std();
	ck_assert_int_eq(lk(P("m/x"), 0, &n), 0);
	expect_node(&n, 0, P("u/x"), P("m/x"));
	ck_assert(S_ISREG(n.st.st_mode));
	ck_assert_int_eq(lk(P("m/x/below"), 0, &n), -ENOTDIR);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Several lowers.                                                     */

START_TEST(test_lookup_lower1_hides_same_name_in_lower2)
{
	struct un_node n;

	mkf("l1/x", "one");
	mkf("l2/x", "two");
	use_std();
	ck_assert_int_eq(lk(P("m/x"), 0, &n), 0);
	expect_node(&n, 1, P("l1/x"), P("m/x"));
	ck_assert_str_eq(slurp(n.real), "one");
}
END_TEST

START_TEST(test_lookup_lower1_file_hides_lower2_dir)
{
	struct un_node n;

	mkf("l1/y", "file");
	mkf("l2/y/child", "hidden");
	use_std();
	ck_assert_int_eq(lk(P("m/y"), 0, &n), 0);
	expect_node(&n, 1, P("l1/y"), P("m/y"));
	ck_assert(S_ISREG(n.st.st_mode));
	ck_assert_int_eq(lk(P("m/y/child"), 0, &n), -ENOTDIR);
}
END_TEST

START_TEST(test_lookup_lower1_dir_stops_at_lower2_file)
{
	struct un_node n;

	mkf("l1/d/a", "a");
	mkf("l2/d", "a file below a directory");
	mkf("u/d/b", "b");
	use_std();
	ck_assert_int_eq(lk(P("m/d"), 0, &n), 0);
	expect_node(&n, 0, P("u/d"), P("m/d"));
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1);
}
END_TEST

START_TEST(test_lookup_dirs_merge_across_three_layers)
{
	struct un_node n;

	mkf("u/d/e/up", "u");
	mkf("l1/d/e/one", "1");
	mkf("l2/d/e/two", "2");
	mkf("l2/d/e/one", "hidden by l1");
	use_std();
	ck_assert_int_eq(lk(P("m/d/e"), 0, &n), 0);
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1 | B_L2);
	ck_assert_uint_eq(n.parent_dirlayers, B_UP | B_L1 | B_L2);
	ck_assert_int_eq(lk(P("m/d/e/up"), 0, &n), 0);
	expect_node(&n, 0, P("u/d/e/up"), P("m/d/e/up"));
	ck_assert_int_eq(lk(P("m/d/e/one"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/e/one"), P("m/d/e/one"));
	ck_assert_int_eq(lk(P("m/d/e/two"), 0, &n), 0);
	expect_node(&n, 2, P("l2/d/e/two"), P("m/d/e/two"));
}
END_TEST

START_TEST(test_lookup_dir_in_lowers_only_merges_lowers)
{
	struct un_node n;

	mkd("l1/d");
	mkf("l2/d/f", "2");
	use_std();
	ck_assert_int_eq(lk(P("m/d"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
	ck_assert_uint_eq(n.dirlayers, B_L1 | B_L2);
	ck_assert(un_node_is_merged_dir(&n));
	ck_assert_int_eq(lk(P("m/d/f"), 0, &n), 0);
	expect_node(&n, 2, P("l2/d/f"), P("m/d/f"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Whiteouts and opaque directories.                                   */

static bool make_ovl_whiteout(const char *rel)
{
	return mknod(P(rel), S_IFCHR | 0000, makedev(0, 0)) == 0;
}

START_TEST(test_lookup_ovl_whiteout_in_lower_hides_lower_below)
{
	struct un_node n;

	if (!am_root())
		SKIP("overlayfs whiteouts (char device 0/0) need root");
	mkf("l2/w", "hidden");
	if (!make_ovl_whiteout("l1/w"))
		SKIP("mknod 0/0: %s", strerror(errno));
	use_std();
	ck_assert_int_eq(lk(P("m/w"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_str_eq(n.real, P("u/w"));
	ck_assert_int_eq(lk(P("m/w/x"), 0, &n), -ENOENT);
}
END_TEST

START_TEST(test_lookup_ovl_whiteout_hides_lower_dir)
{
	struct un_node n;

	if (!am_root())
		SKIP("overlayfs whiteouts (char device 0/0) need root");
	mkf("l2/d/x", "hidden");
	mkd("l1/p");
	mkf("l2/p/q/x", "hidden");
	if (!make_ovl_whiteout("l1/d") || !make_ovl_whiteout("l1/p/q"))
		SKIP("mknod 0/0: %s", strerror(errno));
	use_std();
	ck_assert_int_eq(lk(P("m/d"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/d/x"), 0, &n), -ENOENT);
	ck_assert_int_eq(lk(P("m/p/q"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/p/q/x"), 0, &n), -ENOENT);
}
END_TEST

START_TEST(test_lookup_ovl_whiteout_stops_dir_merge)
{
	struct un_node n;

	if (!am_root())
		SKIP("overlayfs whiteouts (char device 0/0) need root");
	mkf("u/d/up", "u");
	mkd("l1");
	mkf("l2/d/x", "hidden");
	if (!make_ovl_whiteout("l1/d"))
		SKIP("mknod 0/0: %s", strerror(errno));
	use_std();
	ck_assert_int_eq(lk(P("m/d"), 0, &n), 0);
	expect_node(&n, 0, P("u/d"), P("m/d"));
	ck_assert_uint_eq(n.dirlayers, B_UP);
	ck_assert_int_eq(lk(P("m/d/x"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
}
END_TEST

START_TEST(test_lookup_ovl_opaque_user_xattr_hides_lower_below)
{
	struct un_node n;

	mkf("l1/od/seen", "seen");
	mkf("l2/od/hidden", "hidden");
	mkf("l2/od/seen", "hidden too");
	if (setxattr(P("l1/od"), "user.overlay.opaque", "y", 1, 0) < 0)
		SKIP("setxattr user.overlay.opaque on %s: %s", T,
		     strerror(errno));
	use_std();
	ck_assert_int_eq(lk(P("m/od"), 0, &n), 0);
	expect_node(&n, 1, P("l1/od"), P("m/od"));
	ck_assert_uint_eq(n.dirlayers, B_L1);
	ck_assert(!un_node_is_merged_dir(&n));
	ck_assert_int_eq(lk(P("m/od/hidden"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/od/seen"), 0, &n), 0);
	expect_node(&n, 1, P("l1/od/seen"), P("m/od/seen"));
	ck_assert(un_is_ovl_opaque(P("l1/od")));
	ck_assert(!un_is_ovl_opaque(P("l2/od")));
}
END_TEST

START_TEST(test_lookup_ovl_opaque_xattr_with_upper_dir)
{
	struct un_node n;

	mkd("u/od");
	mkd("l1/od");
	mkf("l2/od/hidden", "hidden");
	if (setxattr(P("l1/od"), "user.overlay.opaque", "y", 1, 0) < 0)
		SKIP("setxattr user.overlay.opaque on %s: %s", T,
		     strerror(errno));
	use_std();
	ck_assert_int_eq(lk(P("m/od"), 0, &n), 0);
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1);
	ck_assert_int_eq(lk(P("m/od/hidden"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
}
END_TEST

START_TEST(test_lookup_ovl_opaque_xattr_not_y_is_not_opaque)
{
	struct un_node n;

	mkd("l1/od");
	mkf("l2/od/seen", "seen");
	if (setxattr(P("l1/od"), "user.overlay.opaque", "n", 1, 0) < 0)
		SKIP("setxattr user.overlay.opaque on %s: %s", T,
		     strerror(errno));
	use_std();
	ck_assert_int_eq(lk(P("m/od/seen"), 0, &n), 0);
	expect_node(&n, 2, P("l2/od/seen"), P("m/od/seen"));
}
END_TEST

START_TEST(test_lookup_ovl_opaque_trusted_xattr)
{
	struct un_node n;

	if (!am_root())
		SKIP("trusted.* xattrs need root");
	mkd("l1/od");
	mkf("l2/od/hidden", "hidden");
	if (setxattr(P("l1/od"), "trusted.overlay.opaque", "y", 1, 0) < 0)
		SKIP("setxattr trusted.overlay.opaque on %s: %s", T,
		     strerror(errno));
	use_std();
	ck_assert_int_eq(lk(P("m/od/hidden"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
}
END_TEST

START_TEST(test_lookup_table_whiteout_hides_lower_name)
{
	struct un_node n;

	mkf("l1/tw", "one");
	mkf("l2/tw", "two");
	mkf("l1/twd/x", "x");
	use_std();
	ck_assert_int_eq(un_wtable_set(un_config.mount[0].wt, "tw",
				       UN_W_WHITEOUT), 0);
	ck_assert_int_eq(un_wtable_set(un_config.mount[0].wt, "twd",
				       UN_W_WHITEOUT), 0);
	ck_assert_int_eq(lk(P("m/tw"), 0, &n), 0);
	expect_node(&n, -1, P("u/tw"), P("m/tw"));
	ck_assert_int_eq(lk(P("m/twd"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/twd/x"), 0, &n), -ENOENT);
	/* removing the record shows the name again */
	ck_assert_int_eq(un_wtable_set(un_config.mount[0].wt, "tw",
				       UN_W_NONE), 0);
	ck_assert_int_eq(lk(P("m/tw"), 0, &n), 0);
	expect_node(&n, 1, P("l1/tw"), P("m/tw"));
}
END_TEST

START_TEST(test_lookup_table_whiteout_nested_name)
{
	struct un_node n;

	mkf("l1/d/gone", "x");
	mkf("l1/d/kept", "x");
	use_std();
	ck_assert_int_eq(un_wtable_set(un_config.mount[0].wt, "d/gone",
				       UN_W_WHITEOUT), 0);
	ck_assert_int_eq(lk(P("m/d/gone"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_str_eq(n.real, P("u/d/gone"));
	ck_assert_int_eq(lk(P("m/d/kept"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/kept"), P("m/d/kept"));
}
END_TEST

START_TEST(test_lookup_table_whiteout_does_not_hide_upper)
{
	struct un_node n;

	mkf("u/f", "recreated");
	mkf("l1/f", "old");
	use_std();
	ck_assert_int_eq(un_wtable_set(un_config.mount[0].wt, "f",
				       UN_W_WHITEOUT), 0);
	ck_assert_int_eq(lk(P("m/f"), 0, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
}
END_TEST

START_TEST(test_lookup_table_opaque_upper_dir_hides_lower_contents)
{
	struct un_node n;

	mkf("u/od/new", "new");
	mkf("l1/od/old", "old");
	mkf("l2/od/older", "older");
	use_std();
	ck_assert_int_eq(un_wtable_set(un_config.mount[0].wt, "od",
				       UN_W_OPAQUE), 0);
	ck_assert_int_eq(lk(P("m/od"), 0, &n), 0);
	expect_node(&n, 0, P("u/od"), P("m/od"));
	ck_assert_uint_eq(n.dirlayers, B_UP);
	ck_assert(!un_node_is_merged_dir(&n));
	ck_assert_int_eq(lk(P("m/od/old"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/od/older"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/od/new"), 0, &n), 0);
	expect_node(&n, 0, P("u/od/new"), P("m/od/new"));
}
END_TEST

START_TEST(test_lookup_union_meta_dir_at_root_absent)
{
	struct un_node n;

	mkf("l1/f", "x");
	use_std();	/* un_wtable_open made T/u/.union/whiteouts */
	ck_assert_int_eq(access(P("u/.union"), F_OK), 0);
	ck_assert_int_eq(lk(P("m/.union"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/.union/whiteouts"), 0, &n), -ENOENT);
	ck_assert_int_eq(lk(P("m/.union/"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_int_eq(lk(P("m/.union/."), 0, &n), -ENOENT);
	ck_assert_int_eq(lk(P("m/.union/.."), 0, &n), -ENOENT);
}
END_TEST

START_TEST(test_lookup_union_name_below_root_visible)
{
	struct un_node n;

	mkf("u/d/.union/x", "not reserved");
	use_std();
	ck_assert_int_eq(lk(P("m/d/.union/x"), 0, &n), 0);
	expect_node(&n, 0, P("u/d/.union/x"), P("m/d/.union/x"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* '.', '..' and slashes.                                              */

START_TEST(test_lookup_dot_components)
{
	struct un_node n;

	mkf("l1/d/f", "x");
	use_std();
	ck_assert_int_eq(lk(P("m/./d/./f"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/f"), P("m/d/f"));
	ck_assert_int_eq(lk(P("m/d/."), 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
	ck_assert_int_eq(lk(P("m/."), 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
}
END_TEST

START_TEST(test_lookup_dotdot_inside_union)
{
	struct un_node n;

	mkf("l1/d/e/f", "x");
	mkf("u/g", "g");
	use_std();
	ck_assert_int_eq(lk(P("m/d/e/../../g"), 0, &n), 0);
	expect_node(&n, 0, P("u/g"), P("m/g"));
	ck_assert_int_eq(lk(P("m/d/e/.."), 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
	ck_assert_uint_eq(n.dirlayers, B_L1);
	ck_assert_uint_eq(n.parent_dirlayers, B_UP | B_L1 | B_L2);
	ck_assert_int_eq(lk(P("m/d/.."), 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1 | B_L2);
}
END_TEST

/*
 * A directory's children, cached below it before this thread copied it
 * up, must not answer its old layers as their parent's afterwards (the
 * directory cache's run carries every other entry over the copy-up: its
 * children are dropped by their parent's slot in dirgen, dcache.c
 * un_dcache_dir_copied).  Their parent's layers decide whose permission
 * a change of the name asks (dir.c may_change_parent: the upper copy's,
 * not the lower's) and whether its copy-up makes the parent first.  The
 * lookups ending at the child itself ('..', '.') take them from the
 * cache as they are.
 */
START_TEST(test_lookup_dotdot_child_after_parent_copy_up)
{
	struct un_node n, d;

	mkf("l1/d/e/x/f", "x");
	mkf("l1/d/e2/g", "g");
	use_std();
	/* Cached: d/e and d/e2 (and d/e/x), d of the lower alone. */
	ck_assert_int_eq(lk(P("m/d/e/x/f"), 0, &n), 0);
	ck_assert_int_eq(lk(P("m/d/e2/g"), 0, &n), 0);
	ck_assert_int_eq(lk(P("m/d/e/x/.."), 0, &n), 0);
	ck_assert_uint_eq(n.dirlayers, B_L1);
	ck_assert_uint_eq(n.parent_dirlayers, B_L1);
	/* This thread copies d up. */
	ck_assert_int_eq(lk(P("m/d"), 0, &d), 0);
	ck_assert_int_eq(d.layer, 1);
	ck_assert_int_eq(un_copy_up(&d), 0);
	ck_assert_int_eq(d.layer, 0);
	ck_assert_int_eq(lk(P("m/d"), 0, &n), 0);
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1);
	/* Its children: d of both layers now. */
	ck_assert_int_eq(lk(P("m/d/e/x/.."), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/e"), P("m/d/e"));
	ck_assert_uint_eq(n.dirlayers, B_L1);
	ck_assert_uint_eq(n.parent_dirlayers, B_UP | B_L1);
	ck_assert_int_eq(lk(P("m/d/e2/."), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/e2"), P("m/d/e2"));
	ck_assert_uint_eq(n.parent_dirlayers, B_UP | B_L1);
	/* A grandchild's parent did not move. */
	ck_assert_int_eq(lk(P("m/d/e/x/."), 0, &n), 0);
	ck_assert_uint_eq(n.parent_dirlayers, B_L1);
}
END_TEST

START_TEST(test_lookup_dotdot_through_missing_dir_enoent)
{
	struct un_node n;

	mkf("u/g", "g");
	use_std();
	ck_assert_int_eq(lk(P("m/nodir/../g"), 0, &n), -ENOENT);
}
END_TEST

START_TEST(test_lookup_dotdot_out_of_merged_root_passes_through)
{
	struct un_node n;

	mkf("outside", "out");
	use_std();
	ck_assert_int_eq(lk(P("m/.."), 0, &n), 1);
	ck_assert_ptr_null(n.mnt);
	ck_assert_str_eq(n.kpath, T);
	ck_assert_int_eq(lk(P("m/../outside"), 0, &n), 1);
	ck_assert_str_eq(n.kpath, P("outside"));
	ck_assert_int_eq(lk(P("m/../l1/../outside"), 0, &n), 1);
	ck_assert_str_eq(n.kpath, P("outside"));
	ck_assert_int_eq(lk(P("m/../nope"), 0, &n), 1);
	ck_assert_str_eq(n.kpath, P("nope"));
	/* '..' out of the MERGED root reaches the real parent, not MERGED's
	   parent in some layer */
	ck_assert_int_eq(lk(P("m/../.."), 0, &n), 1);
	ck_assert_str_eq(n.kpath, base);
}
END_TEST

START_TEST(test_lookup_dotdot_out_and_back_in)
{
	struct un_node n;

	mkf("l2/f", "two");
	use_std();
	ck_assert_int_eq(lk(P("m/../m/f"), 0, &n), 0);
	expect_node(&n, 2, P("l2/f"), P("m/f"));
	ck_assert_int_eq(lk(P("m/../m"), 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
	ck_assert_int_eq(lk(P("u/../m/f"), 0, &n), 0);
	expect_node(&n, 2, P("l2/f"), P("m/f"));
}
END_TEST

START_TEST(test_lookup_repeated_slashes)
{
	struct un_node n;

	mkf("l1/d/f", "x");
	use_std();
	ck_assert_int_eq(lk(P("m//d///f"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/f"), P("m/d/f"));
	ck_assert(!n.trailing_slash);
	ck_assert_int_eq(lk(P("m///d"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
}
END_TEST

/* An empty, '.' or '..' component after a directory name of every
   length from 1 to 17: the directory part is checked eight bytes at a
   time (namei.c plain_dirs), so the bad one falls at every place of a
   word and across two. */
START_TEST(test_lookup_bad_component_at_every_offset)
{
	static const char *const bad[] = { "%s//e/f", "%s/./e/f",
					   "%s/../%s/e/f", "%s/e//f",
					   "%s/e/../e/f", "./%s/e/f" };
	struct un_node n;
	char d[18], rel[128], path[256], want[128];

	for (size_t k = 1; k < sizeof(d); k++) {
		memset(d, 'd', k);
		d[k] = '\0';
		snprintf(rel, sizeof(rel), "l1/%s/e/f", d);
		mkf(rel, "x");
	}
	use_std();
	for (size_t k = 1; k < sizeof(d); k++) {
		memset(d, 'd', k);
		d[k] = '\0';
		snprintf(want, sizeof(want), "m/%s/e/f", d);
		snprintf(rel, sizeof(rel), "l1/%s/e/f", d);
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			char tail[128];

			snprintf(tail, sizeof(tail), bad[b], d, d);
			snprintf(path, sizeof(path), "%s", P("m/"));
			strncat(path, tail, sizeof(path) - strlen(path) - 1);
			ck_assert_msg(lk(path, 0, &n) == 0, "%s", path);
			expect_node(&n, 1, P(rel), P(want));
		}
	}
}
END_TEST

START_TEST(test_lookup_trailing_slash_on_directory)
{
	struct un_node n;

	mkd("l1/d");
	use_std();
	ck_assert_int_eq(lk(P("m/d/"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
	ck_assert(n.trailing_slash);
	ck_assert_int_eq(lk(P("m/d///"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
	ck_assert(n.trailing_slash);
	ck_assert_int_eq(lk(P("m/"), 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
	ck_assert(n.trailing_slash);
}
END_TEST

START_TEST(test_lookup_trailing_slash_on_file_enotdir)
{
	struct un_node n;

	mkf("l1/f", "x");
	mkf("u/g", "x");
	use_std();
	ck_assert_int_eq(lk(P("m/f/"), 0, &n), -ENOTDIR);
	ck_assert_int_eq(lk(P("m/g/"), UN_LK_FOLLOW, &n), -ENOTDIR);
	ck_assert_int_eq(lk(P("m/g//"), 0, &n), -ENOTDIR);
}
END_TEST

START_TEST(test_lookup_trailing_slash_on_absent_name)
{
	struct un_node n;

	use_std();
	ck_assert_int_eq(lk(P("m/nope/"), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert(n.trailing_slash);
	ck_assert_str_eq(n.vpath, P("m/nope"));
}
END_TEST

/*
 * BUG: walk_start() tests the path as given against MERGED with
 * un_config_find(), a plain prefix compare; a path that spells the way to
 * MERGED differently ("//tmp/D/m/f", "/./tmp/D/m/f", "/tmp//D/m/f") has
 * no MERGED prefix and no '..', so it is handed to the kernel untouched
 * (returns 1, kpath == path) and escapes the union.  The kernel treats
 * them all as /tmp/D/m/f.  Expected: 0, the upper's file.
 */
START_TEST(test_lookup_absolute_path_double_slash_prefix_enters_union)
{
	struct un_node n;
	int rc;

	mkf("u/f", "upper");
	use_std();
	rc = lk(F("/%s/m/f", T), 0, &n);
	ck_assert_msg(rc == 0, "lookup of //T/m/f returned %d (kpath %s), "
		      "expected 0 (inside the union)", rc,
		      rc == 1 ? n.kpath : "-");
	expect_node(&n, 0, P("u/f"), P("m/f"));
}
END_TEST

START_TEST(test_lookup_absolute_path_dot_prefix_enters_union)
{
	struct un_node n;
	int rc;

	/* BUG: see above ("/./tmp/D/m/f") */
	mkf("u/f", "upper");
	use_std();
	rc = lk(F("/.%s/m/f", T), 0, &n);
	ck_assert_msg(rc == 0, "lookup of /./T/m/f returned %d (kpath %s), "
		      "expected 0 (inside the union)", rc,
		      rc == 1 ? n.kpath : "-");
	expect_node(&n, 0, P("u/f"), P("m/f"));
}
END_TEST

START_TEST(test_lookup_absolute_path_inner_double_slash_enters_union)
{
	struct un_node n;
	int rc;

	/* BUG: see above ("/tmp/D//m/f": the slash before MERGED's last
	   component doubled) */
	mkf("u/f", "upper");
	use_std();
	rc = lk(F("%s//m/f", T), 0, &n);
	ck_assert_msg(rc == 0, "lookup of T//m/f returned %d (kpath %s), "
		      "expected 0 (inside the union)", rc,
		      rc == 1 ? n.kpath : "-");
	expect_node(&n, 0, P("u/f"), P("m/f"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Symlinks.                                                           */

START_TEST(test_lookup_symlink_relative_from_merged_dir)
{
	struct un_node n;

	/* the link lies in the lower, its target only in the upper */
	mkl("target", "l1/d/link");
	mkf("u/d/target", "upper target");
	use_std();
	ck_assert_int_eq(lk(P("m/d/link"), UN_LK_FOLLOW, &n), 0);
	expect_node(&n, 0, P("u/d/target"), P("m/d/target"));
	ck_assert_str_eq(slurp(n.real), "upper target");
}
END_TEST

START_TEST(test_lookup_symlink_relative_dotdot_from_merged_dir)
{
	struct un_node n;

	/* ../f from a directory only the lower has: f lies in the upper */
	mkl("../f", "l2/d/link");
	mkf("u/f", "upper f");
	use_std();
	ck_assert_int_eq(lk(P("m/d/link"), UN_LK_FOLLOW, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
}
END_TEST

START_TEST(test_lookup_symlink_absolute_under_merged_comes_back)
{
	struct un_node n;

	mkl(P("m/f"), "l1/abs");
	mkf("u/f", "upper f");
	use_std();
	ck_assert_int_eq(lk(P("m/abs"), UN_LK_FOLLOW, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
	/* as a directory in the middle of a path too */
	mkl(P("m/d"), "l2/absdir");
	mkf("l2/d/x", "x");
	ck_assert_int_eq(lk(P("m/absdir/x"), 0, &n), 0);
	expect_node(&n, 2, P("l2/d/x"), P("m/d/x"));
}
END_TEST

START_TEST(test_lookup_symlink_absolute_outside_passes_through)
{
	struct un_node n;
	struct stat st;

	mkf("outside/file", "out");
	mkl(P("outside"), "l1/outdir");
	use_std();
	/* a directory outside, with the rest of the path after it */
	ck_assert_int_eq(lk(P("m/outdir/file"), 0, &n), 1);
	ck_assert_ptr_null(n.mnt);
	ck_assert_str_eq(n.kpath, P("outside/file"));
	ck_assert_int_eq(lk(P("m/outdir"), UN_LK_FOLLOW, &n), 1);
	ck_assert(n.kpath[0] == '/');
	ck_assert_int_eq(stat(n.kpath, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
}
END_TEST

/*
 * BUG: a symlink that is the last component (followed) and names a FILE
 * outside every union: splice_target() builds "target" + '/' + "" =
 * "target/", the outside walk hands that over whole, and kpath comes back
 * as "T/outside/file/" with a trailing slash, so the kernel answers
 * ENOTDIR (stat, open) for a path that never asked for a directory.
 * Expected kpath "T/outside/file" (a trailing slash only when the caller's
 * path had one).
 */
START_TEST(test_lookup_symlink_absolute_outside_file_no_trailing_slash)
{
	struct un_node n;
	struct stat st;
	int rc;

	mkf("outside/file", "out");
	mkl(P("outside/file"), "l1/out");
	use_std();
	rc = lk(P("m/out"), UN_LK_FOLLOW, &n);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_null(n.mnt);
	ck_assert_str_eq(n.kpath, P("outside/file"));
	ck_assert_int_eq(stat(n.kpath, &st), 0);
}
END_TEST

START_TEST(test_lookup_symlink_relative_outside_file_passes_through)
{
	struct un_node n;
	struct stat st;

	/* BUG: same as test_lookup_symlink_absolute_outside_file_no_trailing_
	   slash, with a relative target leading out through '..': kpath is
	   "T/outside/file/" */
	mkf("outside/file", "out");
	mkl("../outside/file", "l1/rel");
	use_std();
	ck_assert_int_eq(lk(P("m/rel"), UN_LK_FOLLOW, &n), 1);
	ck_assert_str_eq(n.kpath, P("outside/file"));
	ck_assert_int_eq(stat(n.kpath, &st), 0);
}
END_TEST

START_TEST(test_lookup_symlink_absolute_with_double_slash_under_merged)
{
	struct un_node n;
	int rc;

	/*
	 * BUG: a target spelled with a doubled slash ("/tmp/D//m/f"): the
	 * walk outside pushes the whole rest and asks un_config_find(),
	 * which misses the MERGED prefix, so the rest goes to the kernel
	 * (return 1) and the union is bypassed.  Expected: 0, the upper's
	 * file, as for "/tmp/D/m/f".
	 */
	mkl(F("%s//m/f", T), "l1/abs2");
	mkf("u/f", "upper f");
	use_std();
	rc = lk(P("m/abs2"), UN_LK_FOLLOW, &n);
	ck_assert_msg(rc == 0, "lookup returned %d (kpath %s), expected 0",
		      rc, rc == 1 ? n.kpath : "-");
	expect_node(&n, 0, P("u/f"), P("m/f"));
}
END_TEST

START_TEST(test_lookup_dotdot_after_symlink_resolves_from_target)
{
	struct un_node n;

	mkd("u/a/b");
	mkf("l1/a/f", "a/f");
	mkf("l1/f", "root f");
	mkl("a/b", "l1/ln");
	use_std();
	/* ln/.. is a (the parent of the target a/b), not the root */
	ck_assert_int_eq(lk(P("m/ln/../f"), 0, &n), 0);
	expect_node(&n, 1, P("l1/a/f"), P("m/a/f"));
	ck_assert_str_eq(slurp(n.real), "a/f");
	ck_assert_int_eq(lk(P("m/ln/.."), 0, &n), 0);
	expect_node(&n, 0, P("u/a"), P("m/a"));
	ck_assert_uint_eq(n.dirlayers, B_UP | B_L1);
}
END_TEST

START_TEST(test_lookup_symlink_loop_eloop)
{
	struct un_node n;

	mkl("lb", "u/la");
	mkl("la", "l1/lb");
	mkl("self", "l2/self");
	use_std();
	ck_assert_int_eq(lk(P("m/la"), UN_LK_FOLLOW, &n), -ELOOP);
	ck_assert_int_eq(lk(P("m/la/x"), 0, &n), -ELOOP);
	ck_assert_int_eq(lk(P("m/self"), UN_LK_FOLLOW, &n), -ELOOP);
	/* not following the last component: the link itself */
	ck_assert_int_eq(lk(P("m/la"), 0, &n), 0);
	expect_node(&n, 0, P("u/la"), P("m/la"));
	ck_assert(S_ISLNK(n.st.st_mode));
}
END_TEST

START_TEST(test_lookup_symlink_chain_40_ok_41_eloop)
{
	struct un_node n;
	char name[32], target[32];

	/* c0 -> c1 -> ... -> c40 -> f: from c1, 40 links; from c0, 41 */
	mkf("u/f", "end");
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "%s/c%d", i % 2 ? "u" : "l1", i);
		if (i == 40)
			snprintf(target, sizeof(target), "f");
		else
			snprintf(target, sizeof(target), "c%d", i + 1);
		mkl(target, name);
	}
	use_std();
	ck_assert_int_eq(lk(P("m/c1"), UN_LK_FOLLOW, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
	ck_assert_int_eq(lk(P("m/c0"), UN_LK_FOLLOW, &n), -ELOOP);
	/* (the kernel: cat c1 works, cat c0 gives ELOOP on such a chain) */
	ck_assert_int_eq(lk(P("m/c0"), 0, &n), 0);
	ck_assert(S_ISLNK(n.st.st_mode));
}
END_TEST

START_TEST(test_lookup_symlink_chain_counts_intermediate_links)
{
	struct un_node n;
	char name[32], target[32];

	/* d0 -> d1 -> ... -> d40 -> dir: "d0/x" needs 41 links */
	mkf("u/dir/x", "x");
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "u/d%d", i);
		if (i == 40)
			snprintf(target, sizeof(target), "dir");
		else
			snprintf(target, sizeof(target), "d%d", i + 1);
		mkl(target, name);
	}
	use_std();
	ck_assert_int_eq(lk(P("m/d1/x"), 0, &n), 0);
	expect_node(&n, 0, P("u/dir/x"), P("m/dir/x"));
	ck_assert_int_eq(lk(P("m/d0/x"), 0, &n), -ELOOP);
}
END_TEST

START_TEST(test_lookup_symlink_final_follow_vs_nofollow)
{
	struct un_node n;

	mkl("f", "l1/link");
	mkf("l2/f", "two");
	use_std();
	ck_assert_int_eq(lk(P("m/link"), 0, &n), 0);
	expect_node(&n, 1, P("l1/link"), P("m/link"));
	ck_assert(S_ISLNK(n.st.st_mode));
	ck_assert_int_eq(lk(P("m/link"), UN_LK_FOLLOW, &n), 0);
	expect_node(&n, 2, P("l2/f"), P("m/f"));
	ck_assert(S_ISREG(n.st.st_mode));
}
END_TEST

START_TEST(test_lookup_symlink_intermediate_always_followed)
{
	struct un_node n;

	mkl("real", "u/dl");
	mkf("l1/real/x", "x");
	use_std();
	ck_assert_int_eq(lk(P("m/dl/x"), 0, &n), 0);
	expect_node(&n, 1, P("l1/real/x"), P("m/real/x"));
}
END_TEST

START_TEST(test_lookup_symlink_trailing_slash_follows)
{
	struct un_node n;

	mkl("real", "u/dl");
	mkd("l1/real");
	mkl("f", "u/fl");
	mkf("u/f", "f");
	use_std();
	/* a trailing slash follows the last link even without FOLLOW */
	ck_assert_int_eq(lk(P("m/dl/"), 0, &n), 0);
	expect_node(&n, 1, P("l1/real"), P("m/real"));
	ck_assert(n.trailing_slash);
	/* ... and a link to a file with a trailing slash is ENOTDIR */
	ck_assert_int_eq(lk(P("m/fl/"), 0, &n), -ENOTDIR);
}
END_TEST

START_TEST(test_lookup_symlink_dangling_follow_absent)
{
	struct un_node n;

	mkl("nothere", "l1/dangling");
	use_std();
	ck_assert_int_eq(lk(P("m/dangling"), UN_LK_FOLLOW, &n), 0);
	expect_node(&n, -1, P("u/nothere"), P("m/nothere"));
	ck_assert_int_eq(lk(P("m/dangling/x"), 0, &n), -ENOENT);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Limits.                                                             */

START_TEST(test_lookup_component_longer_than_255_enametoolong)
{
	struct un_node n;
	char name[300];

	memset(name, 'a', 256);
	name[256] = '\0';
	use_std();
	ck_assert_int_eq(lk(F("%s/m/%s", T, name), 0, &n), -ENAMETOOLONG);
	ck_assert_int_eq(lk(F("%s/m/%s/x", T, name), 0, &n), -ENAMETOOLONG);
	name[255] = '\0';
	ck_assert_int_eq(lk(F("%s/m/%s", T, name), 0, &n), 0);
	ck_assert_int_eq(n.layer, -1);
	ck_assert_str_eq(n.real, F("%s/u/%s", T, name));
}
END_TEST

START_TEST(test_lookup_path_of_path_max_enametoolong)
{
	struct un_node n;
	char *path = malloc(PATH_MAX + 1);
	size_t len;

	use_std();
	/* MERGED followed by slashes: PATH_MAX - 1 bytes is fine... */
	len = strlen(P("m"));
	memcpy(path, P("m"), len);
	memset(path + len, '/', PATH_MAX - len);
	path[PATH_MAX - 1] = '\0';
	ck_assert_int_eq(lk(path, 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
	/* ... PATH_MAX bytes is not */
	path[PATH_MAX - 1] = '/';
	path[PATH_MAX] = '\0';
	ck_assert_int_eq(lk(path, 0, &n), -ENAMETOOLONG);
	/* outside the union too */
	memset(path, '/', PATH_MAX);
	ck_assert_int_eq(lk(path, 0, &n), -ENAMETOOLONG);
	free(path);
}
END_TEST

START_TEST(test_lookup_empty_path)
{
	struct un_node n;

	mkd("l1/d");
	use_std();
	ck_assert_int_eq(lk("", 0, &n), -ENOENT);
	un_cwd_set(P("m/d"), -1);
	ck_assert_int_eq(lk("", 0, &n), -ENOENT);
	ck_assert_int_eq(lk("", UN_LK_EMPTY, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Outside, MERGED on disk or not, several mounts.                     */

START_TEST(test_lookup_merged_not_on_disk)
{
	struct un_node n;

	mkf("l1/f", "x");
	use("%1$s/no/such/m=%1$s/u:%1$s/l1", T);
	ck_assert_int_ne(access(P("no"), F_OK), 0);
	ck_assert_int_eq(lk(P("no/such/m"), 0, &n), 0);
	expect_node(&n, 0, P("u"), P("no/such/m"));
	ck_assert(S_ISDIR(n.st.st_mode));
	ck_assert_int_eq(lk(P("no/such/m/f"), 0, &n), 0);
	expect_node(&n, 1, P("l1/f"), P("no/such/m/f"));
	ck_assert_int_eq(lk(P("no/such/m/../m/f"), 0, &n), 0);
	expect_node(&n, 1, P("l1/f"), P("no/such/m/f"));
}
END_TEST

START_TEST(test_lookup_merged_not_on_disk_reached_through_dotdot)
{
	struct un_node n;
	int rc;

	/*
	 * BUG (arguable): MERGED "need not exist on disk", and a path that
	 * reaches it lexically through '..' ("T/u/../no/m/f") is under
	 * MERGED for the kernel's walk; but the outside walk lstat()s
	 * "T/no", finds nothing and returns -ENOENT although it has just
	 * seen (un_config_find of the whole rest) that the rest lies under
	 * a MERGED.  Expected: 0, the lower's file.
	 */
	mkf("l1/f", "x");
	use("%1$s/no/m=%1$s/u:%1$s/l1", T);
	rc = lk(P("u/../no/m/f"), 0, &n);
	ck_assert_msg(rc == 0, "lookup returned %d, expected 0", rc);
	expect_node(&n, 1, P("l1/f"), P("no/m/f"));
}
END_TEST

START_TEST(test_lookup_outside_returns_path_given)
{
	struct un_node n;
	const char *path;

	mkf("u/f", "x");
	use_std();
	path = "/etc/passwd";
	ck_assert_int_eq(lk(path, 0, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
	ck_assert_ptr_null(n.mnt);
	path = P("nope/x");
	ck_assert_int_eq(lk(path, UN_LK_FOLLOW, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
	/* the layers themselves are outside the union */
	path = P("u/f");
	ck_assert_int_eq(lk(path, 0, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
	/* relative, with a cwd nowhere near a union */
	path = "some/relative";
	ck_assert_int_eq(lk(path, 0, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
}
END_TEST

START_TEST(test_lookup_prefix_not_on_component_boundary_outside)
{
	struct un_node n;
	const char *path;

	mkf("mm/f", "x");
	use_std();
	path = P("mm/f");
	ck_assert_int_eq(lk(path, 0, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
	path = P("m.x");
	ck_assert_int_eq(lk(path, 0, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
}
END_TEST

START_TEST(test_lookup_nested_mount_inner_wins)
{
	struct un_node n;

	mkd("u2");
	mkd("l3");
	mkf("l1/in/f", "outer");
	mkf("l3/f", "inner");
	mkf("l1/g", "outer g");
	use("%1$s/m=%1$s/u:%1$s/l1;%1$s/m/in=%1$s/u2:%1$s/l3", T);

	struct un_mount *outer = mnt_of(P("m")), *inner = mnt_of(P("m/in"));

	ck_assert_int_eq(lk(P("m/in/f"), 0, &n), 0);
	ck_assert_ptr_eq(n.mnt, inner);
	expect_node(&n, 1, P("l3/f"), P("m/in/f"));
	ck_assert_str_eq(slurp(n.real), "inner");
	ck_assert_str_eq(un_node_rel(&n), "f");
	/* the inner root */
	ck_assert_int_eq(lk(P("m/in"), 0, &n), 0);
	ck_assert_ptr_eq(n.mnt, inner);
	expect_node(&n, 0, P("u2"), P("m/in"));
	/* reached by walking from the outer union */
	ck_assert_int_eq(lk(P("m/./in/f"), 0, &n), 0);
	ck_assert_ptr_eq(n.mnt, inner);
	expect_node(&n, 1, P("l3/f"), P("m/in/f"));
	/* and back out with '..' */
	ck_assert_int_eq(lk(P("m/in/../g"), 0, &n), 0);
	ck_assert_ptr_eq(n.mnt, outer);
	expect_node(&n, 1, P("l1/g"), P("m/g"));
	ck_assert_int_eq(lk(P("m/in/.."), 0, &n), 0);
	ck_assert_ptr_eq(n.mnt, outer);
	expect_node(&n, 0, P("u"), P("m"));
}
END_TEST

START_TEST(test_lookup_nested_mount_via_symlink_in_outer)
{
	struct un_node n;

	mkd("u2");
	mkd("l3");
	mkf("l3/f", "inner");
	mkf("l1/in/f", "outer");
	mkl("in/f", "l1/toin");
	use("%1$s/m=%1$s/u:%1$s/l1;%1$s/m/in=%1$s/u2:%1$s/l3", T);
	ck_assert_int_eq(lk(P("m/toin"), UN_LK_FOLLOW, &n), 0);
	ck_assert_ptr_eq(n.mnt, mnt_of(P("m/in")));
	expect_node(&n, 1, P("l3/f"), P("m/in/f"));
}
END_TEST

START_TEST(test_lookup_in_place_merged_equals_lower)
{
	struct un_node n;

	mkf("l1/f", "lower");
	mkf("u/g", "upper");
	use("%1$s/l1=%1$s/u:%1$s/l1", T);
	ck_assert_int_eq(lk(P("l1/f"), 0, &n), 0);
	expect_node(&n, 1, P("l1/f"), P("l1/f"));
	ck_assert_int_eq(lk(P("l1/g"), 0, &n), 0);
	expect_node(&n, 0, P("u/g"), P("l1/g"));
	ck_assert_int_eq(lk(P("l1/h"), 0, &n), 0);
	expect_node(&n, -1, P("u/h"), P("l1/h"));
}
END_TEST

START_TEST(test_lookup_merged_is_root)
{
	struct un_node n;

	mkf("u/f", "upper");
	mkf("l1/d/g", "lower");
	use("/=%1$s/u:%1$s/l1", T);
	ck_assert_int_eq(lk("/f", 0, &n), 0);
	expect_node(&n, 0, P("u/f"), "/f");
	ck_assert_str_eq(un_node_rel(&n), "f");
	ck_assert_int_eq(lk("/d/g", 0, &n), 0);
	expect_node(&n, 1, P("l1/d/g"), "/d/g");
	ck_assert_int_eq(lk("/", 0, &n), 0);
	expect_node(&n, 0, P("u"), "/");
	ck_assert_int_eq(lk("/..", 0, &n), 0);
	expect_node(&n, 0, P("u"), "/");
	ck_assert_int_eq(lk("/d/../f", 0, &n), 0);
	expect_node(&n, 0, P("u/f"), "/f");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Relative paths: the cwd and directory descriptors.                  */

START_TEST(test_lookup_relative_from_merged_cwd)
{
	struct un_node n;

	mkf("l1/d/lf", "lf");
	mkf("u/f", "f");
	use_std();
	un_cwd_set(P("m/d"), -1);
	ck_assert_int_eq(lk("lf", 0, &n), 0);
	expect_node(&n, 1, P("l1/d/lf"), P("m/d/lf"));
	ck_assert_int_eq(lk("./lf", 0, &n), 0);
	expect_node(&n, 1, P("l1/d/lf"), P("m/d/lf"));
	ck_assert_int_eq(lk("../f", 0, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
	ck_assert_int_eq(lk(".", 0, &n), 0);
	expect_node(&n, 1, P("l1/d"), P("m/d"));
	ck_assert_int_eq(lk("nope", 0, &n), 0);
	expect_node(&n, -1, P("u/d/nope"), P("m/d/nope"));
	un_cwd_set(NULL, -1);
}
END_TEST

START_TEST(test_lookup_relative_dotdot_out_of_merged_cwd)
{
	struct un_node n;

	mkd("l1/d");
	mkf("outside", "o");
	use_std();
	un_cwd_set(P("m/d"), -1);
	ck_assert_int_eq(lk("../..", 0, &n), 1);
	ck_assert_str_eq(n.kpath, T);
	ck_assert_int_eq(lk("../../outside", 0, &n), 1);
	ck_assert_str_eq(n.kpath, P("outside"));
	un_cwd_set(NULL, -1);
}
END_TEST

START_TEST(test_lookup_relative_merged_cwd_not_on_disk)
{
	struct un_node n;

	mkf("l1/f", "x");
	use("%1$s/no/m=%1$s/u:%1$s/l1", T);
	un_cwd_set(P("no/m"), -1);
	ck_assert_int_eq(lk("f", 0, &n), 0);
	expect_node(&n, 1, P("l1/f"), P("no/m/f"));
	un_cwd_set(NULL, -1);
}
END_TEST

START_TEST(test_lookup_relative_from_real_cwd_near_union)
{
	struct un_node n;

	mkf("u/f", "upper");
	use_std();
	ck_assert_int_eq(chdir(T), 0);
	un_cwd_refresh();
	ck_assert(un_cwd_near_union());
	ck_assert_int_eq(lk("m/f", 0, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
	ck_assert_int_eq(lk("m", 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
	ck_assert_int_eq(lk("u/../m/f", 0, &n), 0);
	expect_node(&n, 0, P("u/f"), P("m/f"));
	ck_assert_int_eq(lk("u/f", 0, &n), 1);
}
END_TEST

START_TEST(test_lookup_relative_dot_slash_from_real_cwd_near_union)
{
	struct un_node n;
	int rc;

	/*
	 * BUG: from a real cwd just above MERGED ("m/f" works), "./m/f":
	 * walk_start() joins cwd and path into "T/./m/f" and asks
	 * un_config_find(), which misses; the path has no '..', so the
	 * lookup returns 1 and the kernel gets "./m/f" (outside the union).
	 * Expected: 0, the upper's file, as for "m/f".
	 */
	mkf("u/f", "upper");
	use_std();
	ck_assert_int_eq(chdir(T), 0);
	un_cwd_refresh();
	rc = lk("./m/f", 0, &n);
	ck_assert_msg(rc == 0, "lookup of ./m/f returned %d (kpath %s), "
		      "expected 0", rc, rc == 1 ? n.kpath : "-");
	expect_node(&n, 0, P("u/f"), P("m/f"));
}
END_TEST

/*
 * BUG: a real cwd that lies lexically inside a MERGED (merged cwd not set,
 * as after chdir through a real symlink "/tmp/alias/b" -> T/l1/b, which
 * un_lookup passes through and chdir answers with un_cwd_set(NULL)),
 * with another MERGED below it so that un_cwd_near_union() is true.
 * walk_start() joins cwd and path ("T/l1/b" + "x"), finds the OUTER
 * MERGED "T/l1" and computes
 *     *todo = path + strlen(path) - (w->vlen - m->merged_len)
 * = path + 1 - 4: a pointer 3 bytes BEFORE the caller's string, which it
 * then reads (AddressSanitizer: heap-buffer-overflow READ in un_lookup,
 * namei.c, strlen(p) after walk_start).  Here the bytes before "x" are
 * "QQQ", and the lookup answers for "T/l1/QQQx".
 * Expected: the union's T/l1/b/x (0, layer 1), or at least a
 * pass-through (1, kpath == path); never bytes outside the path.
 */
START_TEST(test_lookup_relative_from_real_cwd_inside_merged_no_overrun)
{
	struct un_node n;
	char buf[] = "QQQx";
	char cwd[PATH_MAX];
	const char *path = buf + 3;
	int rc;

	mkd("u2");
	mkd("l3");
	mkf("l1/b/x", "x");
	use("%1$s/l1=%1$s/u:%1$s/l1;%1$s/l1/b/c=%1$s/u2:%1$s/l3", T);
	ck_assert_int_eq(chdir(P("l1/b")), 0);
	un_cwd_refresh();
	/* A real cwd under a MERGED now counts as that merged directory;
	   either way the lookup must not read outside the path. */
	if (un_cwd_get(cwd, sizeof(cwd)) == -ENOENT)
		ck_assert(un_cwd_near_union());
	rc = lk(path, 0, &n);
	if (rc == 1) {
		ck_assert_ptr_eq(n.kpath, path);
	} else {
		ck_assert_msg(rc == 0, "lookup of x returned %d", rc);
		ck_assert_msg(!strcmp(n.vpath, P("l1/b/x")),
			      "lookup of \"x\" from real cwd %s answered "
			      "for %s (read before the path string)",
			      P("l1/b"), n.vpath);
		expect_node(&n, 1, P("l1/b/x"), P("l1/b/x"));
	}
}
END_TEST

START_TEST(test_lookup_relative_from_real_cwd_far_from_union)
{
	struct un_node n;
	const char *path = "f";

	mkf("l1/f", "x");
	use_std();
	ck_assert_int_eq(chdir(P("l1")), 0);
	un_cwd_refresh();
	ck_assert(!un_cwd_near_union());
	ck_assert_int_eq(lk(path, 0, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
	/* but '..' can lead into the union */
	ck_assert_int_eq(lk("../m/f", 0, &n), 0);
	expect_node(&n, 1, P("l1/f"), P("m/f"));
}
END_TEST

START_TEST(test_lookup_dirfd_recorded_merged_dir)
{
	struct un_node n;
	int fd;

	mkd("u/d");
	mkf("l1/d/lf", "lf");
	use_std();
	fd = open(P("u/d"), O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	un_fd_set(fd, P("m/d"), true);
	un_active = true;	/* the descriptor table answers only then */
	ck_assert_int_eq(un_lookup(fd, "lf", 0, &n), 0);
	expect_node(&n, 1, P("l1/d/lf"), P("m/d/lf"));
	ck_assert_int_eq(un_lookup(fd, "..", 0, &n), 0);
	expect_node(&n, 0, P("u"), P("m"));
	ck_assert_int_eq(un_lookup(fd, "", UN_LK_EMPTY, &n), 0);
	expect_node(&n, 0, P("u/d"), P("m/d"));
	/* an absolute path ignores dirfd */
	ck_assert_int_eq(un_lookup(fd, P("m/d/lf"), 0, &n), 0);
	expect_node(&n, 1, P("l1/d/lf"), P("m/d/lf"));
	un_active = false;
	un_fd_set(fd, NULL, false);
	close(fd);
}
END_TEST

START_TEST(test_lookup_dirfd_unrecorded_passes_through)
{
	struct un_node n;
	const char *path = "x";
	int fd;

	use_std();
	fd = open(T, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	un_fd_forget(fd);
	ck_assert_int_eq(un_lookup(fd, path, 0, &n), 1);
	ck_assert_ptr_eq(n.kpath, path);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *namei_suite(void)
{
	Suite *s = suite_create("namei");
	TCase *tc;

	tc = tcase_create("layers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_file_only_in_upper);
	tcase_add_test(tc, test_lookup_file_only_in_lower);
	tcase_add_test(tc, test_lookup_file_only_in_second_lower);
	tcase_add_test(tc, test_lookup_file_in_upper_and_lower_upper_wins);
	tcase_add_test(tc, test_lookup_absent_name_points_into_upper);
	tcase_add_test(tc, test_lookup_absent_name_read_only_union);
	tcase_add_test(tc, test_lookup_missing_parent_enoent);
	tcase_add_test(tc, test_lookup_file_used_as_directory_enotdir);
	tcase_add_test(tc, test_lookup_merged_root_is_merged_dir);
	tcase_add_test(tc, test_lookup_merged_dir_upper_and_lower);
	tcase_add_test(tc, test_lookup_dir_only_in_lower_not_merged);
	tcase_add_test(tc, test_lookup_upper_file_hides_lower_dir);
	tcase_add_test(tc, test_lookup_lower1_hides_same_name_in_lower2);
	tcase_add_test(tc, test_lookup_lower1_file_hides_lower2_dir);
	tcase_add_test(tc, test_lookup_lower1_dir_stops_at_lower2_file);
	tcase_add_test(tc, test_lookup_dirs_merge_across_three_layers);
	tcase_add_test(tc, test_lookup_dir_in_lowers_only_merges_lowers);
	suite_add_tcase(s, tc);

	tc = tcase_create("whiteouts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_ovl_whiteout_in_lower_hides_lower_below);
	tcase_add_test(tc, test_lookup_ovl_whiteout_hides_lower_dir);
	tcase_add_test(tc, test_lookup_ovl_whiteout_stops_dir_merge);
	tcase_add_test(tc, test_lookup_ovl_opaque_user_xattr_hides_lower_below);
	tcase_add_test(tc, test_lookup_ovl_opaque_xattr_with_upper_dir);
	tcase_add_test(tc, test_lookup_ovl_opaque_xattr_not_y_is_not_opaque);
	tcase_add_test(tc, test_lookup_ovl_opaque_trusted_xattr);
	tcase_add_test(tc, test_lookup_table_whiteout_hides_lower_name);
	tcase_add_test(tc, test_lookup_table_whiteout_nested_name);
	tcase_add_test(tc, test_lookup_table_whiteout_does_not_hide_upper);
	tcase_add_test(tc,
		       test_lookup_table_opaque_upper_dir_hides_lower_contents);
	tcase_add_test(tc, test_lookup_union_meta_dir_at_root_absent);
	tcase_add_test(tc, test_lookup_union_name_below_root_visible);
	suite_add_tcase(s, tc);

	tc = tcase_create("dots_and_slashes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_dot_components);
	tcase_add_test(tc, test_lookup_dotdot_inside_union);
	tcase_add_test(tc, test_lookup_dotdot_child_after_parent_copy_up);
	tcase_add_test(tc, test_lookup_dotdot_through_missing_dir_enoent);
	tcase_add_test(tc, test_lookup_dotdot_out_of_merged_root_passes_through);
	tcase_add_test(tc, test_lookup_dotdot_out_and_back_in);
	tcase_add_test(tc, test_lookup_repeated_slashes);
	tcase_add_test(tc, test_lookup_bad_component_at_every_offset);
	tcase_add_test(tc, test_lookup_trailing_slash_on_directory);
	tcase_add_test(tc, test_lookup_trailing_slash_on_file_enotdir);
	tcase_add_test(tc, test_lookup_trailing_slash_on_absent_name);
	tcase_add_test(tc,
		       test_lookup_absolute_path_double_slash_prefix_enters_union);
	tcase_add_test(tc, test_lookup_absolute_path_dot_prefix_enters_union);
	tcase_add_test(tc,
		       test_lookup_absolute_path_inner_double_slash_enters_union);
	suite_add_tcase(s, tc);

	tc = tcase_create("symlinks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_symlink_relative_from_merged_dir);
	tcase_add_test(tc, test_lookup_symlink_relative_dotdot_from_merged_dir);
	tcase_add_test(tc, test_lookup_symlink_absolute_under_merged_comes_back);
	tcase_add_test(tc, test_lookup_symlink_absolute_outside_passes_through);
	tcase_add_test(tc,
		       test_lookup_symlink_absolute_outside_file_no_trailing_slash);
	tcase_add_test(tc,
		       test_lookup_symlink_relative_outside_file_passes_through);
	tcase_add_test(tc,
		       test_lookup_symlink_absolute_with_double_slash_under_merged);
	tcase_add_test(tc, test_lookup_dotdot_after_symlink_resolves_from_target);
	tcase_add_test(tc, test_lookup_symlink_loop_eloop);
	tcase_add_test(tc, test_lookup_symlink_chain_40_ok_41_eloop);
	tcase_add_test(tc, test_lookup_symlink_chain_counts_intermediate_links);
	tcase_add_test(tc, test_lookup_symlink_final_follow_vs_nofollow);
	tcase_add_test(tc, test_lookup_symlink_intermediate_always_followed);
	tcase_add_test(tc, test_lookup_symlink_trailing_slash_follows);
	tcase_add_test(tc, test_lookup_symlink_dangling_follow_absent);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_component_longer_than_255_enametoolong);
	tcase_add_test(tc, test_lookup_path_of_path_max_enametoolong);
	tcase_add_test(tc, test_lookup_empty_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("mounts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_merged_not_on_disk);
	tcase_add_test(tc,
		       test_lookup_merged_not_on_disk_reached_through_dotdot);
	tcase_add_test(tc, test_lookup_outside_returns_path_given);
	tcase_add_test(tc, test_lookup_prefix_not_on_component_boundary_outside);
	tcase_add_test(tc, test_lookup_nested_mount_inner_wins);
	tcase_add_test(tc, test_lookup_nested_mount_via_symlink_in_outer);
	tcase_add_test(tc, test_lookup_in_place_merged_equals_lower);
	tcase_add_test(tc, test_lookup_merged_is_root);
	suite_add_tcase(s, tc);

	tc = tcase_create("relative");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_relative_from_merged_cwd);
	tcase_add_test(tc, test_lookup_relative_dotdot_out_of_merged_cwd);
	tcase_add_test(tc, test_lookup_relative_merged_cwd_not_on_disk);
	tcase_add_test(tc, test_lookup_relative_from_real_cwd_near_union);
	tcase_add_test(tc,
		       test_lookup_relative_dot_slash_from_real_cwd_near_union);
	tcase_add_test(tc, test_lookup_relative_from_real_cwd_far_from_union);
	tcase_add_test(tc,
		       test_lookup_relative_from_real_cwd_inside_merged_no_overrun);
	tcase_add_test(tc, test_lookup_dirfd_recorded_merged_dir);
	tcase_add_test(tc, test_lookup_dirfd_unrecorded_passes_through);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return unit_main(namei_suite(), base, sizeof(base), "namei");
}
