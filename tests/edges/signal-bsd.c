/*
 * signal-bsd: signal() behind the library's trampoline, as glibc sets it.
 * Usage: signal-bsd MERGEDFILE.  Installs a handler for SIGUSR1 with
 * signal(), reads the action back, raises the signal (the handler stats
 * MERGEDFILE, a name only the union shows: signal mode), installs it
 * again (signal() answers the handler, not the trampoline), then with
 * siginterrupt(SIGUSR1, 1) (no SA_RESTART), and SIG_IGN.  Prints one
 * line a step; exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *merged_file;
static volatile sig_atomic_t ran, found;

static void handler(int sig)
{
	struct stat st;

	ran = sig;
	found = stat(merged_file, &st) == 0 && S_ISREG(st.st_mode);
}

static void show(const char *what)
{
	struct sigaction cur;

	if (sigaction(SIGUSR1, NULL, &cur) < 0) {
		printf("%s: sigaction failed\n", what);
		return;
	}
	printf("%s: handler %s, siginfo %d, restart %d, mask has it %d\n", what,
	       cur.sa_handler == handler ? "ours" :
	       cur.sa_handler == SIG_IGN ? "ign" :
	       cur.sa_handler == SIG_DFL ? "dfl" : "OTHER",
	       !!(cur.sa_flags & SA_SIGINFO), !!(cur.sa_flags & SA_RESTART),
	       sigismember(&cur.sa_mask, SIGUSR1));
}

int main(int argc, char **argv)
{
	__sighandler_t old;

	if (argc != 2)
		return 2;
	merged_file = argv[1];
	old = signal(SIGUSR1, handler);
	printf("first: old %s\n", old == SIG_DFL ? "dfl" : "OTHER");
	show("installed");
	raise(SIGUSR1);
	printf("raised: ran %d, found %d\n", ran == SIGUSR1, (int)found);
	old = signal(SIGUSR1, handler);
	printf("again: old %s\n", old == handler ? "ours" : "OTHER");
	siginterrupt(SIGUSR1, 1);
	old = signal(SIGUSR1, handler);
	printf("interrupt: old %s\n", old == handler ? "ours" : "OTHER");
	show("interrupting");
	ran = found = 0;
	raise(SIGUSR1);
	printf("raised: ran %d, found %d\n", ran == SIGUSR1, (int)found);
	old = signal(SIGUSR1, SIG_IGN);
	printf("ignore: old %s\n", old == handler ? "ours" : "OTHER");
	show("ignored");
	return 0;
}
