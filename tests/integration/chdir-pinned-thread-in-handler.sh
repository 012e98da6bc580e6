#!/bin/bash
# chdir-pinned-thread-in-handler: a thread's relative mkdir decided from a cwd outside every union (handed to the kernel as it is, the cwd pinned: fdtab.c "Pins") is interrupted between its lookup and its system call by a signal whose handler sleeps (here: reads a pipe that the main thread writes after its chdir), while the main thread chdirs into a merged directory that only a lower holds.  The chdir's writer waits its bound (20 ms), sees the pinned thread asleep (S: taken for asleep inside its call, whose path the kernel resolved from the old cwd) and moves the real cwd into the LOWER's copy; the handler returns and the mkdir makes its name in the lower.  Made certain with an in-place union (MERGED = the lower), whose outside-path check (outside_inplace.c: an O_PATH open and a readlink of /proc/self/fd/N) makes system calls in the pinned window: strace delivers SIGUSR1 at the readlink's exit.  XFAIL (session 18, gaps18: bench/README.md "Session 18 (gaps18)" says why waiting longer does not fix it).  As root and as nobody who owns the layers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace
need_cmd "${CC:-cc}"
strace -f -qq -o /dev/null -e trace=getpid -e inject=getpid:signal=SIGUSR1 \
	true 2>/dev/null || skip "strace cannot inject a signal here"

cat >"$T/pinsig.c" <<'C'
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int pfd[2];

/* Asleep in a handler that came between the maker's lookup and its
   mkdir, woken by the main thread after its chdir. */
static void asleep(int sig)
{
	char c;

	(void)sig;
	if (read(pfd[0], &c, 1) < 0)
		_exit(3);
}

static void *maker(void *arg)
{
	(void)arg;
	if (mkdir("pa", 0755) < 0)
		printf("mkdir: %s\n", strerror(errno));
	else
		printf("mkdir ok\n");
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char lo[4096], pa[4096];
	struct stat st;
	pthread_t t;

	if (argc != 3 || pipe(pfd) < 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = asleep;
	sigaction(SIGUSR1, &sa, NULL);
	if (chdir(argv[2]) < 0)
		return 2;
	pthread_create(&t, NULL, maker, NULL);
	usleep(300000);
	snprintf(lo, sizeof(lo), "%s/lo", argv[1]);
	if (chdir(lo) < 0 || write(pfd[1], "x", 1) != 1)
		return 2;
	pthread_join(t, NULL);
	snprintf(pa, sizeof(pa), "%s/pa", argv[2]);
	printf("pa in out: %s\n", stat(pa, &st) == 0 ? "yes" : "no");
	return 0;
}
C
"${CC:-cc}" -O2 -pthread -o "$T/pinsig" "$T/pinsig.c" ||
	skip "cannot build the test program"
chmod 755 "$T" "$T/pinsig"

run() {
	local d=$T/$1 spec out
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/lo" "$d/out"
	echo keep >"$d/lower/lo/keep"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	# In place: MERGED is the lower itself.
	spec=$(un_spec "$d/lower" "$d/upper" "$d/lower")
	# (The table, and so .union/, made first.)
	$2 env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		ls "$d/lower" >/dev/null
	out=$($2 strace -f -qq -o /dev/null -e trace=readlink \
		-e inject=readlink:signal=SIGUSR1:when=1 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		"$T/pinsig" "$d/lower" "$d/out" 2>&1) || true
	expect_eq "$1: the mkdir is made in the old cwd, not the lower" \
		"$(printf 'mkdir ok\npa in out: yes')" "$out"
	lowers_check
}

run_self_then_nobody run
un_done
