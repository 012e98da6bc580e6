/*
 * check_fdtab.c - unit tests of fdtab.c's records of descriptors: a dup
 * shares its number's record (a reference more) until one number's
 * marks change, which copies it for that number alone (entry_own); in
 * signal mode (no malloc) such a change empties that number's slot
 * instead.  The wrappers stay inactive (un_active is never set): the
 * numbers below are never opened, only recorded.
 */
#include <check.h>
#include <stdlib.h>

#include "internal.h"
#include "unit.h"

/* Numbers far above what the test process holds. */
enum { A = 900, B, C, D };

static void forget_all(void)
{
	un_sigdepth = 0;
	un_fd_forget_range(A, D);
}

/* One number's mark is its own, as when each had a copy. */
START_TEST(dup_marks_own)
{
	un_fd_set(A, "/m/d", false);
	un_fd_mark_layer(A, 1);
	un_fd_dup(A, B);
	ck_assert(!un_fd_is_stream(B));
	un_fd_mark_stream(A);
	ck_assert(un_fd_is_stream(A));
	ck_assert(!un_fd_is_stream(B));
	un_fd_mark_upper(B);
	ck_assert(un_fd_in_upper(B));
	ck_assert(!un_fd_in_upper(A));
	/* A copy-up's re-point of one number: the count of moves one
	   more, not quiet until the move ends; then was_lower 1, the
	   other number's own record untouched.  (The layer itself is
	   read through un_fd_get_at, which needs the wrappers active:
	   integration/held-dir-copyup-race.) */
	un_fd_dup(B, C);
	unsigned long moves = un_fd_moves();

	ck_assert(un_fd_moves_quiet(moves));
	ck_assert_int_eq(un_fd_moving(C), 1);
	ck_assert(un_fd_moves() == moves + 1);
	ck_assert(!un_fd_moves_quiet(moves + 1));
	un_fd_moved(C, 1, true);
	ck_assert(un_fd_moves_quiet(moves + 1));
	ck_assert_int_eq(un_fd_was_lower(C), 1);
	ck_assert_int_eq(un_fd_was_lower(B), -1);
	/* A move given up (a stream's: fd left on the lower's copy): its
	   layer again (1: moving answers it), no was_lower. */
	un_fd_dup(B, D);
	ck_assert_int_eq(un_fd_moving(D), 1);
	un_fd_moved(D, 1, false);
	ck_assert_int_eq(un_fd_was_lower(D), -1);
	ck_assert_int_eq(un_fd_moving(D), 1);
	un_fd_moved(D, 1, false);
	forget_all();
}
END_TEST

/* A dup taken after a mark has it; closing either number leaves the
   other's record whole. */
START_TEST(dup_then_close)
{
	un_fd_set(A, "/m/d", false);
	un_fd_mark_fifo(A);
	un_fd_dup(A, B);
	un_fd_dup(B, C);
	ck_assert(un_fd_is_fifo(B) && un_fd_is_fifo(C));
	un_fd_forget(A);
	ck_assert(!un_fd_is_fifo(A));
	ck_assert(un_fd_is_fifo(B));
	un_fd_forget(B);
	ck_assert(un_fd_is_fifo(C));
	/* A dup onto a number that shares the record already. */
	un_fd_dup(C, D);
	un_fd_dup(C, D);
	un_fd_forget(C);
	ck_assert(un_fd_is_fifo(D));
	forget_all();
}
END_TEST

/* In signal mode a dup shares too (no malloc), and a change of a
   shared record empties that number's slot: the other keeps its own. */
START_TEST(dup_signal_mode)
{
	un_fd_set(A, "/m/d", false);
	un_fd_mark_upper(A);
	un_sigdepth = 1;
	un_fd_dup(A, B);
	ck_assert(un_fd_in_upper(B));
	un_fd_mark_stream(B);
	ck_assert(!un_fd_is_stream(B));
	ck_assert(!un_fd_in_upper(B));
	ck_assert(un_fd_in_upper(A));
	ck_assert(!un_fd_is_stream(A));
	un_sigdepth = 0;
	/* Out of signal mode, one number alone changes in place. */
	un_fd_mark_stream(A);
	ck_assert(un_fd_is_stream(A));
	forget_all();
}
END_TEST

/* A rename moves every number's record, shared or not. */
START_TEST(dup_renamed)
{
	un_fd_set(A, "/m/d", false);
	un_fd_mark_upper(A);
	un_fd_dup(A, B);
	un_fd_renamed("/m/d", "/m/e");
	ck_assert(un_fd_in_upper(A) && un_fd_in_upper(B));
	un_fd_mark_stream(A);
	ck_assert(!un_fd_is_stream(B));
	forget_all();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdtab");
	TCase *tc = tcase_create("dup");

	tcase_add_test(tc, dup_marks_own);
	tcase_add_test(tc, dup_then_close);
	tcase_add_test(tc, dup_signal_mode);
	tcase_add_test(tc, dup_renamed);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
