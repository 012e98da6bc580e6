/*
 * check_nextsym.c - unit tests of nextsym.c: for every function libunion
 * wraps, the hash-table walk gives dlsym(RTLD_NEXT)'s answer or none.
 *
 * Linked into this program, the "objects after libunion" are those after
 * the test program itself, which is also where dlsym(RTLD_NEXT) called
 * from here looks: both must agree name by name.
 */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "unit.h"

static const char *const names[] = {
#define UN_SPECIAL(ret, name, params) #name,
#define UN_READ(ret, name, params, ...) #name,
#define UN_READ_AT(ret, name, params, ...) #name,
#define UN_CHANGE(ret, name, params, ...) #name,
#define UN_CHANGE_AT(ret, name, params, ...) #name,
#define UN_MAKE(ret, name, params, ...) #name,
#define UN_MAKE_AT(ret, name, params, ...) #name,
#include "syms.def"
};

#define NNAMES (sizeof(names) / sizeof(names[0]))

START_TEST(test_nextsym_agrees_with_dlsym)
{
	size_t found = 0;

	un_nextsym_init();
	for (size_t i = 0; i < NNAMES; i++) {
		void *walk = un_nextsym(names[i]);
		void *dl = dlsym(RTLD_NEXT, names[i]);

		if (!walk)
			continue;
		found++;
		ck_assert_msg(walk == dl, "%s: the walk found %p, dlsym %p",
			      names[i], walk, dl);
	}
	/* The walk must work on this machine, not fall back everywhere:
	   every wrapped function but the few this libc lacks or defines
	   as indirect functions. */
	ck_assert_msg(found * 10 >= NNAMES * 9, "the walk found %zu of %zu",
		      found, NNAMES);
}
END_TEST

START_TEST(test_nextsym_takes_the_default_version)
{
	/* libc has realpath@GLIBC_2.2.5 (hidden) and realpath@@GLIBC_2.3. */
	un_nextsym_init();
	ck_assert_ptr_nonnull(un_nextsym("realpath"));
	ck_assert_ptr_eq(un_nextsym("realpath"), dlsym(RTLD_NEXT, "realpath"));
}
END_TEST

START_TEST(test_nextsym_unknown_name)
{
	un_nextsym_init();
	ck_assert_ptr_null(un_nextsym("libunion_no_such_function"));
	ck_assert_ptr_null(un_nextsym(""));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nextsym");
	TCase *tc = tcase_create("nextsym");

	tcase_add_test(tc, test_nextsym_agrees_with_dlsym);
	tcase_add_test(tc, test_nextsym_takes_the_default_version);
	tcase_add_test(tc, test_nextsym_unknown_name);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
