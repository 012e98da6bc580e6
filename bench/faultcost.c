/*
 * faultcost.c - what a minor page fault and a trivial system call cost
 * this machine in CPU time: an exec is ~100-130 faults and ~60-80 calls,
 * so their prices decide how the exec rows' counts show in time (issue
 * 13; bench/README.md "Session 18 (audit18)": a VM where a fault costs
 * 10x a call).
 *
 * Build: cc -O2 -o faultcost bench/faultcost.c
 * Use:   ./faultcost     (medians of 11 rounds: the first touch of each
 *                         of 4,096 anonymous pages, 100,000 getppid)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { PAGES = 4096, CALLS = 100000, ROUNDS = 11 };

static double cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	size_t len = (size_t)PAGES * 4096;
	double fault[ROUNDS], call[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		double t0;

		if (m == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		/* one fault a page, not one a 2 MiB folio */
		madvise(m, len, MADV_NOHUGEPAGE);
		t0 = cpu_ns();
		for (size_t i = 0; i < PAGES; i++)
			m[i * 4096] = 1;
		fault[r] = (cpu_ns() - t0) / PAGES;
		munmap(m, len);
		t0 = cpu_ns();
		for (int i = 0; i < CALLS; i++)
			syscall(SYS_getppid);
		call[r] = (cpu_ns() - t0) / CALLS;
	}
	qsort(fault, ROUNDS, sizeof(fault[0]), by_value);
	qsort(call, ROUNDS, sizeof(call[0]), by_value);
	printf("minor fault %.0f ns, getppid %.0f ns (CPU time, medians of %d)\n",
	       fault[ROUNDS / 2], call[ROUNDS / 2], ROUNDS);
	return 0;
}
