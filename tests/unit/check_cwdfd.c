/*
 * check_cwdfd.c - unit tests of cwdfd.c's slots: a descriptor of the
 * cwd's copy in a lower, published at the cwd's change count, is closed
 * only when that count is over (un_cwdfd_drop) or the program takes its
 * number (un_cwdfd_vacate_fd).  A lookup of another thread may hold the
 * number it read from the slot until its system call: a descriptor
 * closed under it while the count stands would let that call ask
 * whatever opens at the number next (another layer's copy), an answer
 * nothing throws away.  The wrappers stay inactive: "/" and "/tmp"
 * stand for two copies.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "unit.h"

/* A lookup that read an older count (its thread stopped between its
   16th ask and the open, the cwd changed meanwhile and another thread
   published the new count's descriptor) leaves the new one in place,
   open. */
START_TEST(older_count_leaves_newer)
{
	int now = un_cwdfd_open(6, 1, "/");
	int old;

	ck_assert_int_ge(now, 900);
	ck_assert_int_eq(un_cwdfd_get(6, 1), now);
	old = un_cwdfd_open(4, 1, "/tmp");
	ck_assert_int_ne(old, now);
	ck_assert_int_eq(un_cwdfd_get(6, 1), now);
	ck_assert_int_ge(fcntl(now, F_GETFD), 0);
	ck_assert(un_cwdfd_owns_fd(now));
	/* (The old count's answer is thrown away by its caller: a
	   descriptor it got is never published.) */
	ck_assert_int_eq(un_cwdfd_get(4, 1), -2);
	un_cwdfd_drop();
	ck_assert_int_eq(un_cwdfd_get(6, 1), -2);
	ck_assert_int_lt(fcntl(now, F_GETFD), 0);
}
END_TEST

/* A newer count replaces an older one's descriptor (closed: no lookup
   at the new count read it). */
START_TEST(newer_count_replaces_older)
{
	int old = un_cwdfd_open(8, 2, "/tmp");
	int now;

	ck_assert_int_ge(old, 900);
	now = un_cwdfd_open(10, 2, "/");
	ck_assert_int_ge(now, 900);
	ck_assert_int_eq(un_cwdfd_get(10, 2), now);
	ck_assert_int_eq(un_cwdfd_get(8, 2), -2);
	ck_assert(!un_cwdfd_owns_fd(old) || old == now);
	un_cwdfd_drop();
}
END_TEST

/* Two lookups at one count: the second takes the first's. */
START_TEST(same_count_shares)
{
	int a = un_cwdfd_open(12, 3, "/");
	int b = un_cwdfd_open(12, 3, "/tmp");

	ck_assert_int_ge(a, 900);
	ck_assert_int_eq(b, a);
	ck_assert_int_eq(un_cwdfd_get(12, 3), a);
	un_cwdfd_drop();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cwdfd");
	TCase *tc = tcase_create("slots");

	tcase_add_test(tc, older_count_leaves_newer);
	tcase_add_test(tc, newer_count_replaces_older);
	tcase_add_test(tc, same_count_shares);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
