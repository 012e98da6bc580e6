/*
 * check_config.c - unit tests of config.c: parsing UNION_LAYERS and the
 * mount table.
 *
 *   UNION_LAYERS := mount (';' mount)*
 *   mount        := MERGED '=' [UPPER] ':' LOWER (':' LOWER)*
 *
 * Every test works in its own directory made by mkdtemp under /tmp (T
 * below); the layers are directories inside it.  Values are built with
 * "%1$s" standing for T.  Error tests check the return value (-1), the
 * exact one-line message, and that the configuration is left empty.
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
#include <unistd.h>

#include "internal.h"
#include "unit.h"

static char T[128];

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

/* T/rel, in one of several rotating buffers. */
static const char *P(const char *rel)
{
	static char buf[8][PATH_MAX];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", T, rel);
	return p;
}

/* A value or a message built from fmt, where %1$s is T. */
static const char *V(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *V(const char *fmt, ...)
{
	static char buf[4][8192];
	static int next;
	char *p = buf[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, 8192, fmt, ap);
	va_end(ap);
	return p;
}

static void mkd(const char *rel)
{
	ck_assert_msg(mkdir(P(rel), 0755) == 0 || errno == EEXIST,
		      "mkdir %s: %s", P(rel), strerror(errno));
}

static void mkf(const char *rel)
{
	int fd = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_msg(fd >= 0, "create %s: %s", P(rel), strerror(errno));
	close(fd);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

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
	mkd("m");
	mkd("u");
	mkd("l1");
	mkd("l2");
	mkd("l3");
	mkf("file");
}

static void teardown(void)
{
	un_config_release(&un_config);
	remove_tmp();
}

/* Parse into the global table (so that un_config_find sees it). */
static void parse_ok(const char *value, bool check_dirs)
{
	char err[PATH_MAX + 256] = "";
	int rc = un_config_parse(value, &un_config, check_dirs, err,
				 sizeof(err));

	ck_assert_msg(rc == 0, "parse of \"%s\" failed (%d): %s", value, rc,
		      err);
}

/* The value must be refused with exactly msg, leaving cfg empty. */
static void expect_error(const char *value, bool check_dirs, const char *msg)
{
	struct un_config cfg;
	char err[PATH_MAX + 256];
	int rc;

	memset(&cfg, 0x5a, sizeof(cfg));
	strcpy(err, "<no message written>");
	rc = un_config_parse(value, &cfg, check_dirs, err, sizeof(err));
	ck_assert_msg(rc == -1, "parse of \"%s\" returned %d, expected -1",
		      value, rc);
	ck_assert_str_eq(err, msg);
	ck_assert_int_eq(cfg.nmount, 0);
	ck_assert_ptr_null(cfg.mount);
}

static struct un_mount *mount_of(const char *merged)
{
	for (int i = 0; i < un_config.nmount; i++)
		if (!strcmp(un_config.mount[i].merged, merged))
			return &un_config.mount[i];
	ck_abort_msg("no mount with MERGED %s", merged);
	return NULL;
}

/* Every string has the length recorded beside it. */
static void assert_lengths(const struct un_mount *m)
{
	ck_assert_uint_eq(m->merged_len, strlen(m->merged));
	if (m->upper)
		ck_assert_uint_eq(m->upper_len, strlen(m->upper));
	else
		ck_assert_uint_eq(m->upper_len, 0);
	for (int i = 0; i < m->nlower; i++)
		ck_assert_uint_eq(m->lower_len[i], strlen(m->lower[i]));
}

/* ------------------------------------------------------------------ */
/* Unset, empty, the simple forms.                                     */

START_TEST(test_config_null_value_no_mounts)
{
	char err[64] = "";

	memset(&un_config, 0x5a, sizeof(un_config));
	ck_assert_int_eq(un_config_parse(NULL, &un_config, true, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(un_config.nmount, 0);
	ck_assert_ptr_null(un_config.mount);
	ck_assert_ptr_null(un_config_find("/"));
	ck_assert_ptr_null(un_config_find("/tmp"));
}
END_TEST

START_TEST(test_config_empty_value_no_mounts)
{
	char err[64] = "";

	memset(&un_config, 0x5a, sizeof(un_config));
	ck_assert_int_eq(un_config_parse("", &un_config, true, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(un_config.nmount, 0);
	ck_assert_ptr_null(un_config.mount);
	ck_assert_ptr_null(un_config_find("/"));
}
END_TEST

START_TEST(test_config_one_mount)
{
	parse_ok(V("%1$s/m=%1$s/u:%1$s/l1", T), true);
	ck_assert_int_eq(un_config.nmount, 1);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->merged, P("m"));
	ck_assert_str_eq(m->upper, P("u"));
	ck_assert_int_eq(m->nlower, 1);
	ck_assert_str_eq(m->lower[0], P("l1"));
	ck_assert_ptr_null(m->wt);
	assert_lengths(m);
	ck_assert_str_eq(un_layer_root(m, 0), P("u"));
	ck_assert_str_eq(un_layer_root(m, 1), P("l1"));
	ck_assert_uint_eq(un_layer_len(m, 1), strlen(P("l1")));
	ck_assert_ptr_eq(un_config_find(P("m")), m);
	ck_assert_ptr_eq(un_config_find(P("m/x/y")), m);
	ck_assert_ptr_null(un_config_find(T));
	ck_assert_ptr_null(un_config_find(P("u")));
}
END_TEST

START_TEST(test_config_several_mounts_separated_by_semicolon)
{
	mkd("m2");
	mkd("u2");
	mkd("u3");
	parse_ok(V("%1$s/m=%1$s/u:%1$s/l1;%1$s/m2=%1$s/u2:%1$s/l2;"
		   "%1$s/m3=%1$s/u3:%1$s/l3", T), true);
	ck_assert_int_eq(un_config.nmount, 3);

	struct un_mount *a = mount_of(P("m")), *b = mount_of(P("m2")),
			*c = mount_of(P("m3"));

	ck_assert_str_eq(a->upper, P("u"));
	ck_assert_str_eq(a->lower[0], P("l1"));
	ck_assert_str_eq(b->upper, P("u2"));
	ck_assert_str_eq(b->lower[0], P("l2"));
	ck_assert_str_eq(c->upper, P("u3"));
	ck_assert_str_eq(c->lower[0], P("l3"));
	for (int i = 0; i < 3; i++) {
		assert_lengths(&un_config.mount[i]);
		ck_assert_int_eq(un_config.mount[i].nlower, 1);
	}
	ck_assert_ptr_eq(un_config_find(P("m/f")), a);
	ck_assert_ptr_eq(un_config_find(P("m2/f")), b);
	ck_assert_ptr_eq(un_config_find(P("m3")), c);
	ck_assert_ptr_null(un_config_find(P("m4")));
}
END_TEST

START_TEST(test_config_escapes_in_paths)
{
	mkd("m=x");
	mkd("u:1");
	mkd("l:a");
	mkd("l;b");
	mkd("l=c");
	mkd("l\\d");
	mkd("e\\");
	/* \: \; \= \\ in every role; a literal '\' last in a path. */
	parse_ok(V("%1$s/m\\=x=%1$s/u\\:1:%1$s/l\\:a:%1$s/l\\;b:%1$s/l\\=c:"
		   "%1$s/l\\\\d:%1$s/e\\\\", T), true);
	ck_assert_int_eq(un_config.nmount, 1);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->merged, P("m=x"));
	ck_assert_str_eq(m->upper, P("u:1"));
	ck_assert_int_eq(m->nlower, 5);
	ck_assert_str_eq(m->lower[0], P("l:a"));
	ck_assert_str_eq(m->lower[1], P("l;b"));
	ck_assert_str_eq(m->lower[2], P("l=c"));
	ck_assert_str_eq(m->lower[3], P("l\\d"));
	ck_assert_str_eq(m->lower[4], P("e\\"));
	assert_lengths(m);
}
END_TEST

START_TEST(test_config_escaped_semicolon_does_not_split_mounts)
{
	mkd("u;v");
	parse_ok(V("%1$s/m=%1$s/u\\;v:%1$s/l1", T), true);
	ck_assert_int_eq(un_config.nmount, 1);
	ck_assert_str_eq(un_config.mount[0].upper, P("u;v"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Normalisation.                                                      */

START_TEST(test_config_normalise_repeated_slashes)
{
	parse_ok(V("/%1$s//m=%1$s///u:/%1$s//l1", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->merged, P("m"));
	ck_assert_str_eq(m->upper, P("u"));
	ck_assert_str_eq(m->lower[0], P("l1"));
	assert_lengths(m);
}
END_TEST

START_TEST(test_config_normalise_trailing_slash)
{
	parse_ok(V("%1$s/m/=%1$s/u//:%1$s/l1/:%1$s/l2///", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->merged, P("m"));
	ck_assert_str_eq(m->upper, P("u"));
	ck_assert_str_eq(m->lower[0], P("l1"));
	ck_assert_str_eq(m->lower[1], P("l2"));
	assert_lengths(m);
	ck_assert_ptr_eq(un_config_find(P("m")), m);
}
END_TEST

START_TEST(test_config_normalise_dot_components)
{
	parse_ok(V("%1$s/./m/.=%1$s/u/.:/./%1$s/./l1/./.", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->merged, P("m"));
	ck_assert_str_eq(m->upper, P("u"));
	ck_assert_str_eq(m->lower[0], P("l1"));
	assert_lengths(m);
}
END_TEST

START_TEST(test_config_normalise_dotted_names_kept)
{
	/* ".x", "..x" and "x.." are names, not '.' or '..'. */
	mkd("..l");
	mkd(".l");
	mkd("l..");
	parse_ok(V("%1$s/m=%1$s/u:%1$s/..l:%1$s/.l:%1$s/l..", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->lower[0], P("..l"));
	ck_assert_str_eq(m->lower[1], P(".l"));
	ck_assert_str_eq(m->lower[2], P("l.."));
}
END_TEST

START_TEST(test_config_merged_root)
{
	parse_ok(V("/=%1$s/u:%1$s/l1", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->merged, "/");
	ck_assert_uint_eq(m->merged_len, 1);
	ck_assert_ptr_eq(un_config_find("/"), m);
	ck_assert_ptr_eq(un_config_find("/etc/passwd"), m);
	ck_assert_ptr_eq(un_config_find(P("x")), m);
}
END_TEST

START_TEST(test_config_merged_root_spelled_with_slashes_and_dots)
{
	parse_ok(V("//./=%1$s/u:%1$s/l1", T), true);
	ck_assert_str_eq(un_config.mount[0].merged, "/");
	ck_assert_uint_eq(un_config.mount[0].merged_len, 1);
}
END_TEST

START_TEST(test_config_merged_root_nested_mount_wins)
{
	parse_ok(V("/=%1$s/u:%1$s/l1;%1$s/m=:%1$s/l2", T), true);
	ck_assert_int_eq(un_config.nmount, 2);
	ck_assert_str_eq(un_config_find(P("m/x"))->merged, P("m"));
	ck_assert_str_eq(un_config_find(P("mx"))->merged, "/");
	ck_assert_str_eq(un_config_find("/usr")->merged, "/");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Nesting and un_config_find.                                         */

START_TEST(test_config_nested_sorted_longest_prefix_wins)
{
	mkd("m/b");
	/* given shortest first, and mixed */
	parse_ok(V("%1$s/m=:%1$s/l1;%1$s/m/b/c=:%1$s/l3;%1$s/m/b=:%1$s/l2",
		   T), true);
	ck_assert_int_eq(un_config.nmount, 3);
	/* sorted by decreasing MERGED length */
	for (int i = 1; i < un_config.nmount; i++)
		ck_assert_uint_ge(un_config.mount[i - 1].merged_len,
				  un_config.mount[i].merged_len);
	ck_assert_str_eq(un_config_find(P("m/b/c/d"))->merged, P("m/b/c"));
	ck_assert_str_eq(un_config_find(P("m/b/c"))->merged, P("m/b/c"));
	ck_assert_str_eq(un_config_find(P("m/b/x"))->merged, P("m/b"));
	ck_assert_str_eq(un_config_find(P("m/b"))->merged, P("m/b"));
	ck_assert_str_eq(un_config_find(P("m/x"))->merged, P("m"));
	ck_assert_str_eq(un_config_find(P("m"))->merged, P("m"));
	ck_assert_str_eq(un_config_find(P("m/b/c"))->lower[0], P("l3"));
}
END_TEST

START_TEST(test_config_find_on_component_boundaries)
{
	mkd("a");
	parse_ok(V("%1$s/a=:%1$s/l1;%1$s/a/b=:%1$s/l2", T), true);
	/* /a/b vs /a/bc: /a/bc lies in /a, not in /a/b */
	ck_assert_str_eq(un_config_find(P("a/bc"))->merged, P("a"));
	ck_assert_str_eq(un_config_find(P("a/bc/d"))->merged, P("a"));
	ck_assert_str_eq(un_config_find(P("a/b"))->merged, P("a/b"));
	ck_assert_str_eq(un_config_find(P("a/b/"))->merged, P("a/b"));
	ck_assert_str_eq(un_config_find(P("a/b/c"))->merged, P("a/b"));
	/* /ab and /a-b are not under /a */
	ck_assert_ptr_null(un_config_find(P("ab")));
	ck_assert_ptr_null(un_config_find(P("a-b/x")));
	ck_assert_ptr_null(un_config_find(T));
	ck_assert_ptr_null(un_config_find("/"));
}
END_TEST

START_TEST(test_config_same_length_mounts_both_found)
{
	mkd("ma");
	mkd("mb");
	parse_ok(V("%1$s/ma=:%1$s/l1;%1$s/mb=:%1$s/l2", T), true);
	ck_assert_str_eq(un_config_find(P("ma/x"))->lower[0], P("l1"));
	ck_assert_str_eq(un_config_find(P("mb/x"))->lower[0], P("l2"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Upper and lowers.                                                   */

START_TEST(test_config_empty_upper_is_read_only)
{
	parse_ok(V("%1$s/m=:%1$s/l1:%1$s/l2", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_ptr_null(m->upper);
	ck_assert_uint_eq(m->upper_len, 0);
	ck_assert_ptr_null(m->wt);
	ck_assert_ptr_null(un_layer_root(m, 0));
	ck_assert_int_eq(m->nlower, 2);
	ck_assert_str_eq(m->lower[0], P("l1"));
}
END_TEST

START_TEST(test_config_several_lowers_in_order)
{
	mkd("l4");
	parse_ok(V("%1$s/m=%1$s/u:%1$s/l3:%1$s/l1:%1$s/l4:%1$s/l2", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_int_eq(m->nlower, 4);
	ck_assert_str_eq(m->lower[0], P("l3"));
	ck_assert_str_eq(m->lower[1], P("l1"));
	ck_assert_str_eq(m->lower[2], P("l4"));
	ck_assert_str_eq(m->lower[3], P("l2"));
	for (int i = 1; i <= 4; i++)
		ck_assert_str_eq(un_layer_root(m, i), m->lower[i - 1]);
	assert_lengths(m);
}
END_TEST

START_TEST(test_config_max_lowers_accepted)
{
	char *value = malloc(UN_MAX_LOWERS * 16 + 64);
	char *p = value;

	p += sprintf(p, "/m=/u");
	for (int i = 0; i < UN_MAX_LOWERS; i++)
		p += sprintf(p, ":/l%d", i);
	parse_ok(value, false);
	ck_assert_int_eq(un_config.mount[0].nlower, UN_MAX_LOWERS);
	ck_assert_str_eq(un_config.mount[0].lower[UN_MAX_LOWERS - 1],
			 V("/l%d", UN_MAX_LOWERS - 1));
	free(value);
}
END_TEST

START_TEST(test_config_error_too_many_lowers)
{
	char *value = malloc(UN_MAX_LOWERS * 16 + 64);
	char *p = value;

	p += sprintf(p, "/m=/u");
	for (int i = 0; i <= UN_MAX_LOWERS; i++)
		p += sprintf(p, ":/l%d", i);
	expect_error(value, false, "mount '/m' has more than 62 lowers");
	free(value);
}
END_TEST

START_TEST(test_config_in_place_merged_is_a_lower)
{
	parse_ok(V("%1$s/l1=%1$s/u:%1$s/l1:%1$s/l2", T), true);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->merged, P("l1"));
	ck_assert_str_eq(m->lower[0], P("l1"));
	ck_assert_str_eq(m->lower[1], P("l2"));
	ck_assert_ptr_eq(un_config_find(P("l1/x")), m);
}
END_TEST

START_TEST(test_config_merged_need_not_exist)
{
	parse_ok(V("%1$s/nowhere/m=%1$s/u:%1$s/l1", T), true);
	ck_assert_str_eq(un_config.mount[0].merged, P("nowhere/m"));
	ck_assert(!exists(P("nowhere")));
}
END_TEST

START_TEST(test_config_missing_upper_is_created)
{
	parse_ok(V("%1$s/m=%1$s/new/deep/up:%1$s/l1", T), true);
	ck_assert_str_eq(un_config.mount[0].upper, P("new/deep/up"));
	ck_assert(is_dir(P("new")));
	ck_assert(is_dir(P("new/deep")));
	ck_assert(is_dir(P("new/deep/up")));
}
END_TEST

START_TEST(test_config_existing_upper_kept)
{
	mkf("u/keep");
	parse_ok(V("%1$s/m=%1$s/u:%1$s/l1", T), true);
	ck_assert(exists(P("u/keep")));
}
END_TEST

START_TEST(test_config_check_dirs_false_skips_existence_checks)
{
	/* missing lowers, a file as lower, a missing upper: all accepted,
	   and the upper is not created */
	parse_ok(V("%1$s/m=%1$s/nope/up:%1$s/missing:%1$s/file", T), false);

	struct un_mount *m = &un_config.mount[0];

	ck_assert_str_eq(m->upper, P("nope/up"));
	ck_assert_str_eq(m->lower[0], P("missing"));
	ck_assert_str_eq(m->lower[1], P("file"));
	ck_assert(!exists(P("nope")));
}
END_TEST

START_TEST(test_config_check_dirs_false_still_checks_syntax)
{
	expect_error("/m=/u:rel", false,
		     "lower 'rel' is not an absolute path");
	expect_error("/m=/u:/a/../b", false,
		     "lower '/a/../b' must not contain '..'");
	expect_error("/m=/u", false,
		     "mount '/m' has no lower (MERGED=UPPER:LOWER)");
}
END_TEST

START_TEST(test_config_release_empties)
{
	parse_ok(V("%1$s/m=%1$s/u:%1$s/l1;%1$s/l2=:%1$s/l2", T), true);
	un_config_release(&un_config);
	ck_assert_int_eq(un_config.nmount, 0);
	ck_assert_ptr_null(un_config.mount);
	ck_assert_ptr_null(un_config_find(P("m")));
	un_config_release(&un_config);	/* twice is harmless */
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors.                                                             */

START_TEST(test_config_error_relative_merged)
{
	expect_error(V("m=%1$s/u:%1$s/l1", T), true,
		     "merged 'm' is not an absolute path");
}
END_TEST

START_TEST(test_config_error_relative_upper)
{
	expect_error(V("%1$s/m=u:%1$s/l1", T), true,
		     "upper 'u' is not an absolute path");
}
END_TEST

START_TEST(test_config_error_relative_lower_tilde)
{
	expect_error(V("%1$s/m=%1$s/u:~/lower", T), true,
		     "lower '~/lower' is not an absolute path");
}
END_TEST

START_TEST(test_config_error_relative_second_lower)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1:./l2", T), true,
		     "lower './l2' is not an absolute path");
}
END_TEST

START_TEST(test_config_error_missing_lower)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/x", T), true,
		     V("lower '%1$s/x' does not exist", T));
}
END_TEST

START_TEST(test_config_error_missing_second_lower)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1:%1$s/x", T), true,
		     V("lower '%1$s/x' does not exist", T));
}
END_TEST

START_TEST(test_config_error_lower_is_a_file)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/file", T), true,
		     V("lower '%1$s/file' is not a directory", T));
}
END_TEST

START_TEST(test_config_error_upper_is_a_file)
{
	expect_error(V("%1$s/m=%1$s/file:%1$s/l1", T), true,
		     V("upper '%1$s/file' is not a directory", T));
}
END_TEST

START_TEST(test_config_error_upper_under_a_file)
{
	/* stat says ENOTDIR (not ENOENT): no attempt to create it */
	expect_error(V("%1$s/m=%1$s/file/up:%1$s/l1", T), true,
		     V("upper '%1$s/file/up': %2$s", T, strerror(ENOTDIR)));
}
END_TEST

START_TEST(test_config_error_upper_cannot_be_created)
{
	/* a dangling symlink on the way: stat ENOENT, mkdir -p fails */
	ck_assert_int_eq(symlink(P("gone"), P("dangling")), 0);
	expect_error(V("%1$s/m=%1$s/dangling/up:%1$s/l1", T), true,
		     V("cannot create upper '%1$s/dangling/up': %2$s", T,
		       strerror(ENOENT)));
}
END_TEST

START_TEST(test_config_error_empty_merged)
{
	expect_error(V("=%1$s/u:%1$s/l1", T), true,
		     "empty MERGED path before '='");
}
END_TEST

START_TEST(test_config_error_double_semicolon)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1;;%1$s/m2=%1$s/u:%1$s/l2", T),
		     true, "empty mount (nothing between ';')");
}
END_TEST

START_TEST(test_config_error_leading_semicolon)
{
	expect_error(V(";%1$s/m=%1$s/u:%1$s/l1", T), true,
		     "empty mount (nothing between ';')");
}
END_TEST

START_TEST(test_config_error_trailing_semicolon)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1;", T), true,
		     "empty mount after the last ';'");
}
END_TEST

START_TEST(test_config_error_dangling_backslash)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1\\", T), true,
		     "dangling '\\' at the end of the value");
}
END_TEST

START_TEST(test_config_error_dangling_backslash_in_merged)
{
	expect_error("/m\\", true, "dangling '\\' at the end of the value");
}
END_TEST

/* A backslash escapes only the four bytes DESIGN.md names: "\\b" is
   not a guess at "b". */
START_TEST(test_config_error_backslash_before_other_byte)
{
	expect_error("/m=/u:/l\\b", false,
		     "'\\b': '\\' escapes only '\\', ':', ';' and '='");
}
END_TEST

/* '=' inside UPPER or a LOWER, ':' inside MERGED: only escaped. */
START_TEST(test_config_error_unescaped_specials_inside_paths)
{
	expect_error("/m=/u=x:/l", false,
		     "unescaped '=' inside a path (write '\\=')");
	expect_error("/m=/u:/l=x", false,
		     "unescaped '=' inside a path (write '\\=')");
	expect_error("/a:b=/u:/l", false,
		     "unescaped ':' inside a path (write '\\:')");
}
END_TEST

START_TEST(test_config_error_no_lower)
{
	expect_error(V("%1$s/m=%1$s/u", T), true,
		     V("mount '%1$s/m' has no lower (MERGED=UPPER:LOWER)", T));
}
END_TEST

START_TEST(test_config_error_no_lower_before_semicolon)
{
	expect_error(V("%1$s/m=%1$s/u;%1$s/m2=%1$s/u:%1$s/l1", T), true,
		     V("mount '%1$s/m' has no lower (MERGED=UPPER:LOWER)", T));
}
END_TEST

START_TEST(test_config_error_no_lower_and_no_upper)
{
	expect_error(V("%1$s/m=", T), true,
		     V("mount '%1$s/m' has no lower (MERGED=UPPER:LOWER)", T));
}
END_TEST

START_TEST(test_config_error_empty_lower)
{
	expect_error(V("%1$s/m=%1$s/u:", T), true,
		     V("mount '%1$s/m' has an empty lower", T));
}
END_TEST

START_TEST(test_config_error_empty_lower_after_a_lower)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1:", T), true,
		     V("mount '%1$s/m' has an empty lower", T));
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1::%1$s/l2", T), true,
		     V("mount '%1$s/m' has an empty lower", T));
	expect_error(V("%1$s/m=%1$s/u:;%1$s/m2=:%1$s/l2", T), true,
		     V("mount '%1$s/m' has an empty lower", T));
}
END_TEST

START_TEST(test_config_error_no_equals)
{
	expect_error(V("%1$s/m", T), true,
		     V("mount '%1$s/m' has no '=' (MERGED=UPPER:LOWER)", T));
}
END_TEST

START_TEST(test_config_error_no_equals_second_mount)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1;%1$s/m2", T), true,
		     V("mount '%1$s/m2' has no '=' (MERGED=UPPER:LOWER)", T));
}
END_TEST

START_TEST(test_config_error_same_merged_twice)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1;%1$s/m=:%1$s/l2", T), true,
		     V("merged '%1$s/m' is given twice", T));
}
END_TEST

START_TEST(test_config_error_same_merged_twice_after_normalisation)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1;%1$s//./m/=:%1$s/l2", T), true,
		     V("merged '%1$s/m' is given twice", T));
}
END_TEST

START_TEST(test_config_error_dotdot_in_merged)
{
	expect_error(V("%1$s/x/../m=%1$s/u:%1$s/l1", T), true,
		     V("merged '%1$s/x/../m' must not contain '..'", T));
}
END_TEST

START_TEST(test_config_error_dotdot_in_upper)
{
	expect_error(V("%1$s/m=%1$s/u/..:%1$s/l1", T), true,
		     V("upper '%1$s/u/..' must not contain '..'", T));
}
END_TEST

START_TEST(test_config_error_dotdot_in_lower)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l2/../l1", T), true,
		     V("lower '%1$s/l2/../l1' must not contain '..'", T));
}
END_TEST

/*
 * BUG: normalise() rewrites the path in place and stops half-way at '..',
 * so when something before the '..' was shortened (a repeated slash, a
 * '.'), the message quotes a mangled path that the user never wrote:
 * lower "//tmp/D/x/../l1" is reported as "lower '/tmp/D/xx/../l1' must
 * not contain '..'" (every shortening duplicates the last kept byte).
 * Expected: the path as given, "lower '//tmp/D/x/../l1' ...".
 */
START_TEST(test_config_error_dotdot_message_quotes_path_as_given)
{
	expect_error(V("%1$s/m=%1$s/u:/%1$s/x/../l1", T), true,
		     V("lower '/%1$s/x/../l1' must not contain '..'", T));
}
END_TEST

START_TEST(test_config_error_dotdot_message_after_dot_component)
{
	/* BUG (same as above): "/./a/.." is mangled to "/a/a/.." */
	expect_error("/m=/u:/./a/..", false,
		     "lower '/./a/..' must not contain '..'");
}
END_TEST

START_TEST(test_config_error_in_second_mount_releases_first)
{
	expect_error(V("%1$s/m=%1$s/u:%1$s/l1;%1$s/m2=%1$s/u:%1$s/gone", T),
		     true, V("lower '%1$s/gone' does not exist", T));
}
END_TEST

START_TEST(test_config_error_message_truncated_to_errlen)
{
	struct un_config cfg;
	char err[8];

	memset(err, 'X', sizeof(err));
	ck_assert_int_eq(un_config_parse("rel=/u:/l", &cfg, false, err,
					 sizeof(err)), -1);
	ck_assert_str_eq(err, "merged ");
}
END_TEST

/* A MERGED that is, or lies in, a layer's own directory of any mount
   (`union run` without --merged) marks the configuration in place
   (outside_inplace.c); a MERGED elsewhere, or one a layer lies in, or a
   name that only begins like a layer's, does not. */
START_TEST(test_config_inplace_marked)
{
	parse_ok("/m=/u:/l", false);
	ck_assert(!un_config.inplace);
	un_config_release(&un_config);
	parse_ok("/l=/u:/l", false);
	ck_assert(un_config.inplace);
	un_config_release(&un_config);
	parse_ok("/l/sub=/u:/l", false);
	ck_assert(un_config.inplace);
	un_config_release(&un_config);
	parse_ok("/lx=/u:/l", false);
	ck_assert(!un_config.inplace);
	un_config_release(&un_config);
	parse_ok("/a=/a/u:/a/l", false);
	ck_assert(!un_config.inplace);
	un_config_release(&un_config);
	parse_ok("/m=/u:/l;/l2/in=/u2:/l2", false);
	ck_assert(un_config.inplace);
	un_config_release(&un_config);
	parse_ok("/m=/u:/l;/u/in=/u2:/l2", false);
	ck_assert(un_config.inplace);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("forms");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_null_value_no_mounts);
	tcase_add_test(tc, test_config_empty_value_no_mounts);
	tcase_add_test(tc, test_config_one_mount);
	tcase_add_test(tc, test_config_inplace_marked);
	tcase_add_test(tc, test_config_several_mounts_separated_by_semicolon);
	tcase_add_test(tc, test_config_escapes_in_paths);
	tcase_add_test(tc, test_config_escaped_semicolon_does_not_split_mounts);
	suite_add_tcase(s, tc);

	tc = tcase_create("normalise");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_normalise_repeated_slashes);
	tcase_add_test(tc, test_config_normalise_trailing_slash);
	tcase_add_test(tc, test_config_normalise_dot_components);
	tcase_add_test(tc, test_config_normalise_dotted_names_kept);
	tcase_add_test(tc, test_config_merged_root);
	tcase_add_test(tc, test_config_merged_root_spelled_with_slashes_and_dots);
	tcase_add_test(tc, test_config_merged_root_nested_mount_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("find");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_nested_sorted_longest_prefix_wins);
	tcase_add_test(tc, test_config_find_on_component_boundaries);
	tcase_add_test(tc, test_config_same_length_mounts_both_found);
	suite_add_tcase(s, tc);

	tc = tcase_create("layers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_empty_upper_is_read_only);
	tcase_add_test(tc, test_config_several_lowers_in_order);
	tcase_add_test(tc, test_config_max_lowers_accepted);
	tcase_add_test(tc, test_config_in_place_merged_is_a_lower);
	tcase_add_test(tc, test_config_merged_need_not_exist);
	tcase_add_test(tc, test_config_missing_upper_is_created);
	tcase_add_test(tc, test_config_existing_upper_kept);
	tcase_add_test(tc, test_config_check_dirs_false_skips_existence_checks);
	tcase_add_test(tc, test_config_check_dirs_false_still_checks_syntax);
	tcase_add_test(tc, test_config_release_empties);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_error_relative_merged);
	tcase_add_test(tc, test_config_error_relative_upper);
	tcase_add_test(tc, test_config_error_relative_lower_tilde);
	tcase_add_test(tc, test_config_error_relative_second_lower);
	tcase_add_test(tc, test_config_error_missing_lower);
	tcase_add_test(tc, test_config_error_missing_second_lower);
	tcase_add_test(tc, test_config_error_lower_is_a_file);
	tcase_add_test(tc, test_config_error_upper_is_a_file);
	tcase_add_test(tc, test_config_error_upper_under_a_file);
	tcase_add_test(tc, test_config_error_upper_cannot_be_created);
	tcase_add_test(tc, test_config_error_empty_merged);
	tcase_add_test(tc, test_config_error_double_semicolon);
	tcase_add_test(tc, test_config_error_leading_semicolon);
	tcase_add_test(tc, test_config_error_trailing_semicolon);
	tcase_add_test(tc, test_config_error_dangling_backslash);
	tcase_add_test(tc, test_config_error_dangling_backslash_in_merged);
	tcase_add_test(tc, test_config_error_backslash_before_other_byte);
	tcase_add_test(tc, test_config_error_unescaped_specials_inside_paths);
	tcase_add_test(tc, test_config_error_no_lower);
	tcase_add_test(tc, test_config_error_no_lower_before_semicolon);
	tcase_add_test(tc, test_config_error_no_lower_and_no_upper);
	tcase_add_test(tc, test_config_error_empty_lower);
	tcase_add_test(tc, test_config_error_empty_lower_after_a_lower);
	tcase_add_test(tc, test_config_error_no_equals);
	tcase_add_test(tc, test_config_error_no_equals_second_mount);
	tcase_add_test(tc, test_config_error_same_merged_twice);
	tcase_add_test(tc,
		       test_config_error_same_merged_twice_after_normalisation);
	tcase_add_test(tc, test_config_error_dotdot_in_merged);
	tcase_add_test(tc, test_config_error_dotdot_in_upper);
	tcase_add_test(tc, test_config_error_dotdot_in_lower);
	tcase_add_test(tc,
		       test_config_error_dotdot_message_quotes_path_as_given);
	tcase_add_test(tc, test_config_error_dotdot_message_after_dot_component);
	tcase_add_test(tc, test_config_error_too_many_lowers);
	tcase_add_test(tc, test_config_error_in_second_mount_releases_first);
	tcase_add_test(tc, test_config_error_message_truncated_to_errlen);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return unit_main(config_suite(), base, sizeof(base), "config");
}
