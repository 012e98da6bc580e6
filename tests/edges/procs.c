/*
 * procs.c - processes, threads and signals inside a union (issue 6).
 *
 *   procs vfork M            vfork children that call wrapped functions
 *                            (stat, open, unlink) before they exec a
 *                            program named by a merged path
 *   procs forkthreads M N    N forks while other threads hammer the
 *                            union (and popen); each child does union
 *                            work and must exit
 *   procs signal M SECS      a fast SIGALRM whose handler stats and opens
 *                            merged paths while the main loop is inside
 *                            the library
 *   procs sigchange M SECS   the handler changes the union (deletes lower
 *                            files c<i>, makes some again) while the main
 *                            loop and another process change it too;
 *                            sigaction reads the program's handler back
 *   procs sigixbuild M UPPER a handler's change while the main code
 *                            writes the index of a big table (x<i>)
 *   procs sigwatch M         a handler's change while the main code reads
 *                            inotify events of the union (x<i>; run it
 *                            under strace delaying flock)
 *   procs cancel M ROUNDS    pthread_cancel of threads blocked in, or
 *                            looping over, wrapped calls
 *   procs stress M SECS      all of it at once, then the final view
 *                            against what the operations say
 *   procs stress-nocancel M SECS   the same without the cancellations
 *
 * The layers a scenario prepares (tests/edges/procs.sh):
 *   M/f          a lower file holding "hello\n"
 *   M/bin/cat    a lower copy of /bin/cat
 *   M/fifo       a lower FIFO (cancel)
 *   M/c<i>       lower files the fork children delete (forkthreads)
 *   M/lw<t>      lower files the threads delete and recreate
 *   M/k<i>       lower files the stress test deletes
 *   M/x<i>       lower files (IX_NAMES + 2) sigixbuild deletes
 *
 * Prints "ok: ..." and "FAIL: ..." lines (and "phase: ..." before each
 * step that might hang, so that a timeout says where); exits 0 when
 * everything was right, 1 otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *M;
static int failures;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(const char *kind, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	printf("%s: ", kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!strcmp(kind, "FAIL"))
		failures++;
	pthread_mutex_unlock(&out_lock);
}

#define OK(...) say("ok", __VA_ARGS__)
#define FAIL(...) say("FAIL", __VA_ARGS__)
#define PHASE(...) say("phase", __VA_ARGS__)
#define NOTE(...) say("note", __VA_ARGS__)

static char *mp(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A merged path: M + "/" + the formatted rest. */
static char *mp(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, len, "%s/", M);

	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Does path exist in the view (lstat)? */
static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int make_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Read the start of a file into buf (NUL-terminated); bytes or -1. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Wait for pid at most secs; -2 on a timeout (the child is killed). */
static int wait_bounded(pid_t pid, double secs)
{
	double end = now() + secs;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -2;
		}
		usleep(1000);
	}
}

static const char *status_str(int st)
{
	static char buf[64];

	if (st == -2)
		return "hung (killed after the timeout)";
	if (st == -1)
		return "waitpid failed";
	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "signal %d", WTERMSIG(st));
	else
		snprintf(buf, sizeof(buf), "status %#x", st);
	return buf;
}

/* This process's threads (/proc/self/status), 0 when unknown. */
static int threads_now(void)
{
	char buf[4096], *t;
	int fd = open("/proc/self/status", O_RDONLY), n;

	n = fd < 0 ? -1 : (int)read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	t = strstr(buf, "\nThreads:");
	return t ? atoi(t + 9) : 0;
}

/* ------------------------------------------------------------------ */
/* A watchdog: a hang is reported, not waited for.                     */

static volatile unsigned long beat;
static const char *volatile beat_phase = "start";

static void *watchdog_main(void *arg)
{
	unsigned long last = beat;
	sigset_t all;
	int idle = 0;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		sleep(1);
		if (beat != last) {
			last = beat;
			idle = 0;
		} else if (++idle >= 20) {
			char line[512];
			int n = snprintf(line, sizeof(line),
					 "FAIL: no progress for 20 s in: %s "
					 "(a hang)\n",
					 beat_phase);

			fflush(stdout);
			if (write(1, line, n) < 0)
				_exit(1);
			/* Children wedged with us would outlive us: end the
			   whole process group (timeout(1) gives the program
			   one of its own). */
			kill(0, SIGKILL);
			_exit(1);
		}
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_t t;

	pthread_create(&t, NULL, watchdog_main, NULL);
	pthread_detach(t);
}

/* ------------------------------------------------------------------ */
/* vfork                                                               */

static int do_vfork(void)
{
	char f[4096], cat[4096], g[4096], h[4096], buf[64];
	struct stat st;
	pid_t pid;
	int status;

	mp(f, sizeof(f), "f");
	mp(cat, sizeof(cat), "bin/cat");
	mp(g, sizeof(g), "vf-g");
	mp(h, sizeof(h), "vf-h");

	/* 1: stat and read a merged file, then exec a merged program. */
	PHASE("vfork child: stat, open, read, then execve of M/bin/cat");
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {(char *)"cat", f, NULL};
		char rbuf[16];
		int fd;

		if (stat(f, &st) != 0 || st.st_size != 6)
			_exit(10);
		fd = open(f, O_RDONLY);
		if (fd < 0)
			_exit(11);
		if (read(fd, rbuf, sizeof(rbuf)) != 6 ||
		    memcmp(rbuf, "hello\n", 6))
			_exit(12);
		close(fd);
		execve(cat, argv, environ);
		_exit(13);
	}
	status = wait_bounded(pid, 30);
	if (status == 0)
		OK("vfork child: stat, read and execve of a merged program");
	else
		FAIL("vfork child (stat/read/execve %s): %s (10: stat, 11: "
		     "open, 12: read, 13: execve)",
		     cat, status_str(status));

	/* The parent is not left inside the library by its child. */
	if (stat(f, &st) == 0 && st.st_size == 6 &&
	    read_file(f, buf, sizeof(buf)) == 6)
		OK("the parent still sees the union after the vfork child");
	else
		FAIL("the parent lost the union after a vfork child: %s",
		     strerror(errno));

	/* 2: a change in the vfork child, then exec. */
	PHASE("vfork child: unlink of a lower file, then execve");
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {(char *)"true", NULL};

		if (unlink(g) != 0)
			_exit(20);
		if (exists(g))
			_exit(21);
		execve("/bin/true", argv, environ);
		_exit(22);
	}
	status = wait_bounded(pid, 30);
	if (status == 0)
		OK("vfork child: unlink of a lower file, then execve");
	else
		FAIL("vfork child (unlink %s, execve /bin/true): %s", g,
		     status_str(status));
	if (!exists(g))
		OK("the parent sees its vfork child's deletion");
	else
		FAIL(
		    "the parent still sees %s after its vfork child deleted it",
		    g);

	/* The parent goes on changing the union. */
	if (unlink(h) == 0 && !exists(h))
		OK("the parent deletes after the vfork child");
	else
		FAIL("the parent's unlink of %s after the vfork child: %s", h,
		     strerror(errno));
	{
		char n[4096];

		if (make_file(mp(n, sizeof(n), "vf-new"), "new\n") == 0 &&
		    exists(n))
			OK("the parent creates after the vfork child");
		else
			FAIL("the parent's create of %s: %s", n,
			     strerror(errno));
	}

	/* 3: a vfork child that execs a merged program with its own envp. */
	PHASE("vfork child: execve with an envp of its own");
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {(char *)"cat", f, NULL};
		char *envp[] = {(char *)"PATH=/bin:/usr/bin", NULL};

		execve(cat, argv, envp);
		_exit(30);
	}
	status = wait_bounded(pid, 30);
	if (status == 0)
		OK("vfork child: execve with its own envp");
	else
		FAIL("vfork child with its own envp: %s", status_str(status));
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Threads that hammer the union.                                      */

static volatile int stop_hammer;

struct hammer {
	pthread_t th;
	int id;
	unsigned long ops;
	unsigned long errors;
	char firsterr[4400];
};

static void hammer_err(struct hammer *h, const char *what, const char *path)
{
	if (!h->errors++)
		snprintf(h->firsterr, sizeof(h->firsterr), "%s %s: %s", what,
			 path, strerror(errno));
}

/* Creates and deletes names of its own, deletes and recreates its lower
   file lw<id>: every round appends to the whiteout table. */
static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	char p[4096], lw[4096], f[4096];
	struct stat st;
	unsigned k = 0;

	mp(lw, sizeof(lw), "lw%d", h->id);
	mp(f, sizeof(f), "f");
	while (!__atomic_load_n(&stop_hammer, __ATOMIC_RELAXED)) {
		mp(p, sizeof(p), "t%d_%u", h->id, k++ % 8);
		if (make_file(p, "t\n") < 0)
			hammer_err(h, "create", p);
		if (unlink(p) < 0)
			hammer_err(h, "unlink", p);
		if (unlink(lw) < 0)
			hammer_err(h, "unlink", lw);
		if (make_file(lw, "again\n") < 0)
			hammer_err(h, "recreate", lw);
		if (stat(f, &st) < 0)
			hammer_err(h, "stat", f);
		h->ops++;
	}
	/* Leave lw<id> deleted. */
	if (unlink(lw) < 0)
		hammer_err(h, "final unlink", lw);
	return NULL;
}

static void *popen_main(void *arg)
{
	unsigned long *n = arg;

	while (!__atomic_load_n(&stop_hammer, __ATOMIC_RELAXED)) {
		FILE *p = popen("exit 0", "r");

		if (p)
			pclose(p);
		(*n)++;
	}
	return NULL;
}

static int start_hammers(struct hammer *h, int n)
{
	stop_hammer = 0;
	for (int i = 0; i < n; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].id = i;
		if (pthread_create(&h[i].th, NULL, hammer_main, &h[i])) {
			FAIL("pthread_create");
			return -1;
		}
	}
	return 0;
}

static void stop_hammers(struct hammer *h, int n)
{
	__atomic_store_n(&stop_hammer, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < n; i++) {
		pthread_join(h[i].th, NULL);
		if (h[i].errors)
			FAIL("thread %d: %lu of %lu rounds went wrong, first: "
			     "%s",
			     i, h[i].errors, h[i].ops, h[i].firsterr);
		else
			OK("thread %d: %lu rounds of create/unlink, no error",
			   i, h[i].ops);
	}
}

/* ------------------------------------------------------------------ */
/* fork in a multithreaded program                                     */

#define NHAMMER 4

static int do_forkthreads(int iters)
{
	struct hammer h[NHAMMER];
	char c[4096], p[4096];
	int hung = 0, bad = 0;
	pthread_t pt;
	unsigned long npopen = 0;

	PHASE("fork x%d while %d threads change the union", iters, NHAMMER);
	if (start_hammers(h, NHAMMER) < 0)
		return 1;
	for (int i = 0; i < iters && !hung; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			FAIL("fork: %s", strerror(errno));
			break;
		}
		if (pid == 0) {
			struct stat sb;

			if (stat(mp(p, sizeof(p), "f"), &sb) < 0)
				_exit(10);
			if (make_file(mp(p, sizeof(p), "child%d", i), "c\n") <
			    0)
				_exit(11);
			if (unlink(p) < 0)
				_exit(12);
			if (unlink(mp(c, sizeof(c), "c%d", i)) < 0)
				_exit(13);
			if (exists(c))
				_exit(14);
			_exit(0);
		}
		st = wait_bounded(pid, 20);
		if (st == -2) {
			hung++;
			FAIL("fork %d: the child hung (a lock held across "
			     "fork?)",
			     i);
		} else if (st != 0) {
			bad++;
			FAIL("fork %d: child %s (10: stat, 11: create, 12: "
			     "unlink own, 13: unlink lower, 14: still there)",
			     i, status_str(st));
		}
	}
	stop_hammers(h, NHAMMER);
	if (!hung && !bad)
		OK("%d forked children did their union work and exited", iters);

	/* Every child's deletion is seen by the parent. */
	{
		int missing = 0;

		for (int i = 0; i < iters; i++)
			if (exists(mp(c, sizeof(c), "c%d", i)))
				missing++;
		if (missing)
			FAIL("%d of the children's deletions are not seen by "
			     "the parent",
			     missing);
		else
			OK("the parent sees every child's deletion");
	}

	/* fork while another thread is inside popen. */
	PHASE("fork x%d while a thread loops over popen", iters / 4 + 1);
	stop_hammer = 0;
	if (pthread_create(&pt, NULL, popen_main, &npopen)) {
		FAIL("pthread_create");
		return 1;
	}
	hung = 0;
	for (int i = 0; i < iters / 4 + 1 && !hung; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			FILE *f = popen("echo x", "r");
			char line[16] = "";

			if (!f)
				_exit(20);
			if (!fgets(line, sizeof(line), f))
				_exit(21);
			if (pclose(f) != 0 || strcmp(line, "x\n"))
				_exit(22);
			_exit(0);
		}
		st = wait_bounded(pid, 10);
		if (st == -2) {
			hung++;
			FAIL(
			    "fork %d during popen: the child's popen hung (the "
			    "popen lock held across fork)",
			    i);
		} else if (st != 0) {
			FAIL("fork %d during popen: child %s", i,
			     status_str(st));
		}
	}
	__atomic_store_n(&stop_hammer, 1, __ATOMIC_RELAXED);
	pthread_join(pt, NULL);
	if (!hung)
		OK("children forked during popen (%lu popens) run popen",
		   npopen);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Signal handlers that call wrapped functions                         */

static char sig_f[4096], sig_d[4096];
static volatile sig_atomic_t sig_calls, sig_stat_bad, sig_open_bad,
    sig_read_bad, sig_first_errno;
static volatile sig_atomic_t sig_use_open = 1;

static void on_alarm(int sig)
{
	struct stat st;
	int saved = errno, fd;
	char buf[8];

	(void)sig;
	sig_calls++;
	if (stat(sig_f, &st) != 0 || st.st_size != 6) {
		if (!sig_first_errno)
			sig_first_errno = errno ? errno : -1;
		sig_stat_bad++;
	}
	if (sig_use_open) {
		fd = open(sig_f, O_RDONLY);
		if (fd < 0) {
			sig_open_bad++;
		} else {
			if (read(fd, buf, sizeof(buf)) != 6 ||
			    memcmp(buf, "hello\n", 6))
				sig_read_bad++;
			close(fd);
		}
	}
	errno = saved;
}

/* Installs HANDLER for SIGALRM (SA_RESTART) and starts the real-time
   timer IT; -1 (a FAIL said) when either call fails. */
static int arm_alarm(void (*handler)(int), const struct itimerval *it)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 ||
	    setitimer(ITIMER_REAL, it, NULL) < 0) {
		FAIL("setitimer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* on_alarm every USEC microseconds. */
static int start_alarm(long usec)
{
	struct itimerval it = {{0, usec}, {0, usec}};

	return arm_alarm(on_alarm, &it);
}

static void stop_alarm(void)
{
	struct itimerval it = {{0, 0}, {0, 0}};

	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_IGN);
}

/* One round of union work in the main code; returns the wrong answers. */
static int main_round(unsigned k)
{
	char p[4096], l[4096];
	struct stat st;
	int bad = 0;
	DIR *d;

	mp(p, sizeof(p), "sig%u", k % 16);
	if (make_file(p, "sig\n") < 0 || stat(p, &st) < 0 || st.st_size != 4)
		bad++;
	if (unlink(p) < 0 || exists(p))
		bad++;
	mp(l, sizeof(l), "lw0");
	if (unlink(l) < 0 || exists(l))
		bad++;
	if (make_file(l, "again\n") < 0 || !exists(l))
		bad++;
	d = opendir(sig_d);
	if (!d) {
		bad++;
	} else {
		int seen = 0;
		struct dirent *e;

		while ((e = readdir(d)))
			if (!strcmp(e->d_name, "f"))
				seen++;
		closedir(d);
		if (seen != 1)
			bad++;
	}
	/* plenty of malloc outside the library too */
	for (int i = 0; i < 16; i++) {
		void *q = malloc(64 + 512 * i);

		if (q)
			memset(q, i, 64);
		free(q);
	}
	return bad;
}

static int do_signal(double secs)
{
	double end;
	unsigned long rounds = 0, bad = 0;

	mp(sig_f, sizeof(sig_f), "f");
	snprintf(sig_d, sizeof(sig_d), "%s", M);
	PHASE("SIGALRM every 200us for %.0f s; the handler stats and reads "
	      "M/f while the main loop changes the union",
	      secs);
	watchdog_start();
	beat_phase = "the main loop's union calls under SIGALRM";
	if (start_alarm(200) < 0)
		return 1;
	end = now() + secs;
	while (now() < end) {
		bad += main_round(rounds);
		rounds++;
		beat++;
	}
	stop_alarm();
	if (bad)
		FAIL("the main loop got %lu wrong answers in %lu rounds", bad,
		     rounds);
	else
		OK("the main loop: %lu rounds, all answers right", rounds);
	if (sig_calls < 10)
		FAIL("the handler ran only %d times", (int)sig_calls);
	if (sig_stat_bad || sig_open_bad || sig_read_bad)
		FAIL("the handler's union calls went wrong: stat %d, open %d, "
		     "read %d of %d calls (first errno: %s)",
		     (int)sig_stat_bad, (int)sig_open_bad, (int)sig_read_bad,
		     (int)sig_calls,
		     sig_first_errno > 0 ? strerror(sig_first_errno)
					 : "none; a wrong size");
	else
		OK("the handler: %d calls of stat and open+read, all right",
		   (int)sig_calls);

	/* fork runs the library's atfork handlers, which take its locks:
	   a handler that comes in between must not find them half taken. */
	PHASE("SIGALRM every 200us for %.0f s while the main loop forks", secs);
	beat_phase = "fork under SIGALRM (the atfork handlers hold the "
		     "library's locks)";
	sig_use_open = 0;
	sig_calls = sig_stat_bad = 0;
	if (start_alarm(200) < 0)
		return 1;
	end = now() + secs;
	rounds = 0;
	while (now() < end) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			struct stat sb;

			_exit(stat(sig_f, &sb) == 0 ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0) {
			FAIL("fork %lu under SIGALRM: the child could not stat "
			     "M/f",
			     rounds);
			break;
		}
		rounds++;
		beat++;
	}
	stop_alarm();
	OK("%lu forks under SIGALRM (%d signals) finished", rounds,
	   (int)sig_calls);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* A handler's change while the main code holds the table's flock to   */
/* write the index of a big table (wt_file.c wt_ix_build_maybe)         */

#define IX_NAMES 2100	/* more whiteouts than WT_IX_MIN (2048) */

/* A SIGALRM handler's one change: the lower name one_victim deleted. */
static char one_victim[4096];
static volatile sig_atomic_t one_handled, one_errno;

static void on_alarm_unlink(int sig)
{
	int saved = errno;

	(void)sig;
	one_errno = unlink(one_victim) == 0 ? 0 : errno;
	one_handled++;
	errno = saved;
}

/* Arms the one SIGALRM, 0.3 s from now, whose handler deletes
   one_victim; -1 (a FAIL said) when it cannot. */
static int one_arm(void)
{
	struct itimerval it = {{0, 0}, {0, 300000}};

	return arm_alarm(on_alarm_unlink, &it);
}

/* Waits (5 s at most) for on_alarm_unlink to have run, and judges its
   change: it waited for SECTION, then went through. */
static void one_judge(const char *section)
{
	for (int i = 0; i < 5000 && !one_handled; i++)
		usleep(1000);
	if (!one_handled)
		FAIL("the handler never ran");
	else if (one_errno)
		FAIL("the handler's unlink: %s", strerror(one_errno));
	else if (exists(one_victim))
		FAIL("the handler's deletion is not seen");
	else
		OK("the handler's change waited for %s, then went through",
		   section);
}

static int do_sigixbuild(const char *upper)
{
	char p[4096], fifo[4096], ix[4096];
	struct stat st;
	pid_t pid, reader;
	int bad = 0, rst;

	PHASE("the main code deletes %d lower names x<i>", IX_NAMES);
	for (int i = 0; i < IX_NAMES; i++)
		if (unlink(mp(p, sizeof(p), "x%d", i)) < 0)
			bad++;
	if (bad) {
		FAIL("%d of the %d unlinks failed", bad, IX_NAMES);
		return 1;
	}
	/* Another process's change: this one's maps are behind, and its
	   next lookup catches up; with the table read whole and 2048
	   records or more, the catch-up writes the index, under the
	   flock. */
	pid = fork();
	if (pid == 0)
		_exit(unlink(mp(p, sizeof(p), "x%d", IX_NAMES)) == 0 ? 0 : 1);
	if ((rst = wait_bounded(pid, 20)) != 0) {
		FAIL("the other process's unlink: %s", status_str(rst));
		return 1;
	}
	/* The index's temporary file made a FIFO: its writer's open waits,
	   the flock held, until the reader comes 1 s later; the signal
	   comes at 0.3 s, inside the section every time. */
	snprintf(fifo, sizeof(fifo), "%s/.union/index.tmp", upper);
	snprintf(ix, sizeof(ix), "%s/.union/index", upper);
	if (mkfifo(fifo, 0644) < 0) {
		FAIL("mkfifo %s: %s", fifo, strerror(errno));
		return 1;
	}
	reader = fork();
	if (reader == 0) {
		char buf[4096];
		int fd;

		usleep(1000000);
		fd = open(fifo, O_RDONLY);
		if (fd < 0)
			_exit(1);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	mp(one_victim, sizeof(one_victim), "x%d", IX_NAMES + 1);
	/* (Threads only now: every fork above is of one thread.) */
	watchdog_start();
	PHASE("a lookup writes the index (its open waits 1 s on a FIFO, the "
	      "flock held); a SIGALRM handler deletes a lower name meanwhile");
	beat_phase = "a handler's change while the main code writes the "
		     "table's index, the flock held (the handler waits for "
		     "its own thread's flock?)";
	if (one_arm() < 0)
		return 1;
	if (stat(mp(p, sizeof(p), "x0"), &st) == 0 || errno != ENOENT)
		FAIL("a deleted lower name is still seen");
	/* The held signal's handler ran when the section ended. */
	one_judge("the index's section");
	beat_phase = "waiting for the FIFO's reader";
	/* Its open waits for a writer: none means the index was not
	   written, and this scenario did not reach the section. */
	rst = wait_bounded(reader, 10);
	if (rst != 0)
		FAIL("the FIFO's reader: %s (the index was not written: the "
		     "section was not reached)",
		     status_str(rst));
	else
		OK("the index was written through the FIFO (the section was "
		   "reached)");
	/* The FIFO (renamed to the index, maybe): gone before another
	   process opens it. */
	unlink(ix);
	unlink(fifo);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* A handler's change while the main code reads inotify events: the    */
/* emulation reads the table's new records under a LOCK_SH on its lock  */
/* file (watch_events.c table_event).  Run under strace delaying every  */
/* flock's return, so that the signal comes inside that section.       */

static int do_sigwatch(void)
{
	char p[4096], ev[4096];
	pid_t pid;
	int fd, rst;
	ssize_t n;

	fd = inotify_init1(0);
	if (fd < 0 || inotify_add_watch(fd, M, IN_DELETE | IN_CREATE) < 0) {
		FAIL("inotify on M: %s", strerror(errno));
		return 1;
	}
	/* Another process's deletion: a record appended to the table, whose
	   IN_MODIFY the emulation reads back at this process's read. */
	pid = fork();
	if (pid == 0)
		_exit(unlink(mp(p, sizeof(p), "x0")) == 0 ? 0 : 1);
	if ((rst = wait_bounded(pid, 20)) != 0) {
		FAIL("the other process's unlink: %s", status_str(rst));
		return 1;
	}
	mp(one_victim, sizeof(one_victim), "x1");
	watchdog_start();
	PHASE("a read of the inotify events (the table's LOCK_SH held, its "
	      "flock's return delayed); a SIGALRM handler deletes a lower "
	      "name meanwhile");
	beat_phase = "a handler's change while the main code reads inotify "
		     "events, the table's LOCK_SH held (the handler waits "
		     "for its own thread's flock?)";
	if (one_arm() < 0)
		return 1;
	n = read(fd, ev, sizeof(ev));
	if (n <= 0)
		FAIL("read of the inotify events: %s",
		     n < 0 ? strerror(errno) : "nothing");
	one_judge("the events' section");
	close(fd);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Signal handlers that change the union                               */

#define SIGCH_MAX 300 /* the handler deletes c0..c299, a child c399 down */

static volatile sig_atomic_t sc_next, sc_bad, sc_first_bad, sc_first_errno;
static volatile sig_atomic_t sc_calls, sc_every = 1;

/* Deletes lower file c<i>, checks it is gone, and makes the odd ones
   again (over the whiteout), checking they are back. */
static void on_alarm_change(int sig)
{
	int saved = errno, i = sc_next, fd, step = 0;
	char p[4096];
	struct stat st;

	(void)sig;
	/* Spread the changes over the run (the other signals only come in
	   on top of the main loop). */
	if (i >= SIGCH_MAX || ++sc_calls % sc_every)
		return;
	mp(p, sizeof(p), "c%d", i);
	if (unlink(p) != 0)
		step = 1;
	else if (lstat(p, &st) == 0 || errno != ENOENT)
		step = 2;
	else if (i % 2 == 1) {
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			step = 3;
		else if (write(fd, "re\n", 3) != 3 || close(fd) != 0)
			step = 4;
		else if (stat(p, &st) != 0 || st.st_size != 3)
			step = 5;
	}
	if (step) {
		if (!sc_bad++) {
			sc_first_bad = i * 10 + step;
			sc_first_errno = errno;
		}
	}
	sc_next = i + 1;
	errno = saved;
}

static volatile sig_atomic_t usr2_signo;

static void on_usr2(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)uc;
	usr2_signo = info ? info->si_signo : -1;
}

static int do_sigchange(double secs)
{
	struct sigaction sa, got;
	struct itimerval it = {{0, 300}, {0, 300}};
	double end;
	unsigned long rounds = 0, bad = 0;
	pid_t child;
	char p[4096];
	int missing = 0, wrong = 0, st;
	FILE *out;

	mp(sig_f, sizeof(sig_f), "f");
	snprintf(sig_d, sizeof(sig_d), "%s", M);
	/* about SIGCH_MAX changes in secs / 2, one signal every 300us */
	sc_every = (sig_atomic_t)(secs / 2 / 300e-6 / SIGCH_MAX) + 1;

	/* The program reads its own handler back, whatever the library
	   gives the kernel. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_change;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 ||
	    sigaction(SIGALRM, NULL, &got) < 0)
		FAIL("sigaction: %s", strerror(errno));
	else if (got.sa_handler != on_alarm_change ||
		 (got.sa_flags & SA_SIGINFO) || !(got.sa_flags & SA_RESTART))
		FAIL("sigaction reads back another handler or flags (%#x)",
		     (unsigned)got.sa_flags);
	else if (signal(SIGALRM, on_alarm_change) != on_alarm_change)
		FAIL("signal() does not return the previous handler");
	else
		OK("sigaction and signal read the program's own handler back");
	/* An SA_SIGINFO handler reads back as one, and gets its siginfo. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGUSR2, &sa, NULL) < 0 ||
	    sigaction(SIGUSR2, NULL, &got) < 0 || got.sa_sigaction != on_usr2 ||
	    !(got.sa_flags & SA_SIGINFO))
		FAIL("an SA_SIGINFO handler does not read back as itself");
	else if (raise(SIGUSR2) != 0 || usr2_signo != SIGUSR2)
		FAIL("an SA_SIGINFO handler got no siginfo (%d)",
		     (int)usr2_signo);
	else
		OK("an SA_SIGINFO handler reads back and gets its siginfo");

	PHASE("SIGALRM every 300us for %.0f s; the handler deletes and makes "
	      "names while the main loop and another process change the union",
	      secs);
	/* Another process changes the table meanwhile, so that this one's
	   copy of it is often behind when the handler looks.  Forked
	   before the watchdog's thread starts: a child forked while
	   another thread is inside malloc inherits the allocator's lock
	   held, which glibc resets in the child but the sanitizer
	   build's ASan allocator (gcc 12) does not, and the child's
	   first malloc of that size class hangs for ever (the watchdog
	   thread's start mallocs: CI's "no progress for 20 s" here,
	   ~1 run in 10 under load; docs/STATUS.md "Pitfalls"). */
	if (threads_now() != 1)
		FAIL("the other process is forked from a process with %d "
		     "threads (not fork-safe under ASan)",
		     threads_now());
	child = fork();
	if (child == 0) {
		signal(SIGALRM, SIG_IGN);
		for (int i = 399; i >= SIGCH_MAX; i--) {
			if (unlink(mp(p, sizeof(p), "c%d", i)) < 0)
				_exit(1);
			usleep((useconds_t)(secs * 1e6 / 150));
		}
		_exit(0);
	}
	watchdog_start();
	beat_phase = "the handler's changes under the main loop's";
	if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
		FAIL("setitimer: %s", strerror(errno));
		return 1;
	}
	end = now() + secs;
	while (now() < end || sc_next < SIGCH_MAX) {
		bad += main_round(rounds);
		rounds++;
		beat++;
		if (now() > end + 60)
			break;
	}
	stop_alarm();
	beat_phase = "waiting for the other process to end";
	st = wait_bounded(child, 15);
	if (st != 0)
		FAIL("the other process: %s", status_str(st));
	if (bad)
		FAIL("the main loop got %lu wrong answers in %lu rounds", bad,
		     rounds);
	else
		OK("the main loop: %lu rounds, all answers right", rounds);
	if (sc_bad)
		FAIL("the handler's changes went wrong %d times; first: c%d, "
		     "step %d (1 unlink, 2 still there, 3 create, 4 write, "
		     "5 stat), %s",
		     (int)sc_bad, (int)sc_first_bad / 10,
		     (int)sc_first_bad % 10, strerror(sc_first_errno));
	else
		OK("the handler deleted %d lower files and made half of them "
		   "again, every answer right",
		   (int)sc_next);

	/* This process's view: the ordinary path catches up. */
	out = fopen(getenv("PROCS_EXPECT") ? getenv("PROCS_EXPECT")
					   : "/dev/null",
		    "w");
	for (int i = 0; i < 400; i++) {
		bool want = i < SIGCH_MAX && i % 2 == 1;
		char buf[16];

		mp(p, sizeof(p), "c%d", i);
		if (exists(p) != want)
			missing++;
		else if (want && (read_file(p, buf, sizeof(buf)) != 3 ||
				  strcmp(buf, "re\n")))
			wrong++;
		if (want && out)
			fprintf(out, "c%d\n", i);
	}
	if (out)
		fclose(out);
	if (missing || wrong)
		FAIL("after the run, %d of the c<i> are (not) there against "
		     "the operations, %d hold the wrong text",
		     missing, wrong);
	else
		OK("this process sees every change of the handler and of "
		   "the other process");
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Thread cancellation                                                 */

static void *blocked_main(void *arg)
{
	const char *fifo = arg;
	int fd = open(fifo, O_RDONLY); /* blocks: no writer */

	if (fd >= 0)
		close(fd);
	return NULL;
}

static void *looper_main(void *arg)
{
	int id = (int)(long)arg;
	char p[4096], lw[4096], f[4096];
	struct stat st;
	unsigned k = 0;

	mp(lw, sizeof(lw), "lw%d", id);
	mp(f, sizeof(f), "f");
	for (;;) {
		DIR *d;

		mp(p, sizeof(p), "cx%d_%u", id, k++ % 4);
		make_file(p, "cx\n");
		unlink(p);
		unlink(lw);
		make_file(lw, "again\n");
		stat(f, &st);
		d = opendir(M);
		if (d) {
			while (readdir(d))
				;
			closedir(d);
		}
		pthread_testcancel();
	}
	return NULL;
}

/*
 * The checker: a process forked before any cancellation (so the fork
 * itself is safe), which does one round of union work for each byte it
 * reads and answers with a byte: 'y' done, 'n' failed.
 */
static int chk_req = -1, chk_ans = -1;
static pid_t chk_pid;

static void checker_loop(int in, int out)
{
	char c, p[4096];
	unsigned k = 0;

	while (read(in, &c, 1) == 1) {
		bool ok = true;

		alarm(
		    20); /* a hang ends this process, and the parent sees it */
		if (make_file(mp(p, sizeof(p), "chk%u", k++ % 4), "c\n") < 0 ||
		    unlink(p) < 0)
			ok = false;
		if (unlink(mp(p, sizeof(p), "lw9")) < 0 ||
		    make_file(p, "again\n") < 0)
			ok = false;
		alarm(0);
		c = ok ? 'y' : 'n';
		if (write(out, &c, 1) != 1)
			break;
	}
	_exit(0);
}

static int start_checker(void)
{
	int req[2], ans[2];

	if (pipe(req) < 0 || pipe(ans) < 0)
		return -1;
	chk_pid = fork();
	if (chk_pid < 0)
		return -1;
	if (chk_pid == 0) {
		close(req[1]);
		close(ans[0]);
		checker_loop(req[0], ans[1]);
	}
	close(req[0]);
	close(ans[1]);
	chk_req = req[1];
	chk_ans = ans[0];
	return 0;
}

/* Ask the checker for a round; 'y', 'n', or 't' for no answer in time. */
static char checker_round(void)
{
	char c = 'r';
	fd_set set;
	struct timeval tv = {25, 0};

	if (write(chk_req, &c, 1) != 1)
		return 'n';
	FD_ZERO(&set);
	FD_SET(chk_ans, &set);
	if (select(chk_ans + 1, &set, NULL, NULL, &tv) <= 0)
		return 't';
	if (read(chk_ans, &c, 1) != 1)
		return 'd'; /* it died (alarm: hung in the union) */
	return c;
}

static void *inproc_main(void *arg)
{
	char p[4096];

	(void)arg;
	if (make_file(mp(p, sizeof(p), "after-cancel"), "a\n") < 0 ||
	    unlink(p) < 0)
		return (void *)1;
	return NULL;
}

/* Join t within secs; false on a timeout. */
static bool join_bounded(pthread_t t, double secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)secs;
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/*
 * After a cancellation: union work in another process and in another
 * thread of this one, each bounded in time.  0 when both went right.
 */
static int after_cancel(const char *when)
{
	pthread_t t;
	void *res;
	char c;
	struct timespec ts;

	c = checker_round();
	if (c != 'y') {
		FAIL("%s: another process of the union %s", when,
		     c == 't' || c == 'd'
			 ? "hangs in a union call (the whiteout table's "
			   "flock is held by a cancelled thread?)"
			 : "got an error from a union call");
		return -1;
	}
	if (pthread_create(&t, NULL, inproc_main, NULL)) {
		FAIL("pthread_create");
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	if (pthread_timedjoin_np(t, &res, &ts) != 0) {
		FAIL("%s: a union call in another thread of this process "
		     "hangs (a lock held by the cancelled thread?)",
		     when);
		return -1;
	}
	if (res) {
		FAIL("%s: a union call in this process failed", when);
		return -1;
	}
	return 0;
}

static int do_cancel(int rounds)
{
	char fifo[4096], p[4096];
	pthread_t t;
	int ok_rounds = 0;

	if (start_checker() < 0) {
		FAIL("cannot start the checker process: %s", strerror(errno));
		return 1;
	}
	mp(fifo, sizeof(fifo), "fifo");
	PHASE("cancel a thread blocked in open of a merged FIFO");
	if (pthread_create(&t, NULL, blocked_main, fifo)) {
		FAIL("pthread_create");
		return 1;
	}
	usleep(200000);
	pthread_cancel(t);
	if (!join_bounded(t, 20))
		FAIL("a thread blocked in open(M/fifo) does not finish when "
		     "cancelled");
	else if (after_cancel("blocked open cancelled") == 0)
		OK("a thread blocked in open(M/fifo) cancels, the union works "
		   "on");

	PHASE("cancel threads looping over wrapped calls, %d rounds", rounds);
	srand(1);
	for (int r = 0; r < rounds; r++) {
		pthread_t th[4];
		bool joined = true;

		for (int i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, looper_main,
				       (void *)(long)i);
		usleep(1000 + rand() % 20000);
		for (int i = 0; i < 4; i++)
			pthread_cancel(th[i]);
		for (int i = 0; i < 4; i++)
			if (!join_bounded(th[i], 20))
				joined = false;
		if (!joined) {
			char c;

			FAIL("round %d: cancelled threads never finished (one "
			     "died holding a lock of the library that the "
			     "others wait for)",
			     r + 1);
			c = checker_round();
			if (c == 'y')
				OK("another process of the union still works");
			else
				FAIL("another process of the union %s",
				     c == 't' || c == 'd'
					 ? "hangs as well (the table's flock "
					   "is held by the cancelled thread)"
					 : "gets an error");
		}
		if (!joined || after_cancel("after cancelling looping "
					    "threads") < 0) {
			NOTE("stopped at round %d of %d", r + 1, rounds);
			/* This process is wedged: do not wait for it. */
			kill(chk_pid, SIGKILL);
			fflush(stdout);
			_exit(1);
		}
		ok_rounds++;
	}
	if (ok_rounds == rounds)
		OK("%d rounds of cancelling 4 looping threads: the union still "
		   "works in this process and in another",
		   rounds);
	/* The view is sane: f is still there. */
	if (!exists(mp(p, sizeof(p), "f")))
		FAIL("M/f is gone after the cancellations");
	close(chk_req);
	waitpid(chk_pid, NULL, 0);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Everything at once                                                  */

#define NWORK 4
#define KPER 64 /* lower files k<t>_<i> per worker */

struct worker {
	pthread_t th;
	int id;
	unsigned long rounds;
	unsigned long errors;
	char firsterr[4400];
};

static volatile int stop_work;

static void worker_err(struct worker *w, const char *what, const char *p)
{
	if (!w->errors++)
		snprintf(w->firsterr, sizeof(w->firsterr), "%s %s: %s", what, p,
			 strerror(errno));
}

/*
 * Worker t, round r: creates s<t>_<r> holding "r\n", deletes s<t>_<r-1>
 * when r is odd, deletes lower file k<t>_<r % KPER> when r < KPER,
 * makes directory d<t>_<r> and removes it again.  After the last round
 * the names left are: s<t>_<r> for each r with (r+1) not an odd round
 * that ran, i.e. what the program prints.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char p[4096], q[4096];
	unsigned long r;

	for (r = 0; !__atomic_load_n(&stop_work, __ATOMIC_RELAXED); r++) {
		char text[32];

		snprintf(text, sizeof(text), "%lu\n", r);
		if (make_file(mp(p, sizeof(p), "s%d_%lu", w->id, r), text) < 0)
			worker_err(w, "create", p);
		if (r % 2 == 1 &&
		    unlink(mp(q, sizeof(q), "s%d_%lu", w->id, r - 1)) < 0)
			worker_err(w, "unlink", q);
		if (r < KPER &&
		    unlink(mp(q, sizeof(q), "k%d_%lu", w->id, r)) < 0)
			worker_err(w, "unlink lower", q);
		if (mkdir(mp(q, sizeof(q), "d%d_%lu", w->id, r), 0755) < 0)
			worker_err(w, "mkdir", q);
		else if (rmdir(q) < 0)
			worker_err(w, "rmdir", q);
	}
	w->rounds = r;
	return NULL;
}

static void *statter_main(void *arg)
{
	char f[4096];
	struct stat st;

	(void)arg;
	mp(f, sizeof(f), "f");
	for (;;) {
		stat(f, &st);
		pthread_testcancel();
	}
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int do_stress(double secs, bool with_cancel)
{
	bool no_fork = getenv("PROCS_NO_FORK") != NULL;
	bool wedged = false;
	struct worker w[NWORK];
	double end;
	int forks = 0, fork_bad = 0, cancels = 0;
	char p[4096];

	mp(sig_f, sizeof(sig_f), "f");
	snprintf(sig_d, sizeof(sig_d), "%s", M);
	sig_use_open = 0; /* the stat-only handler (see procs signal) */
	PHASE("stress for %.0f s: %d workers, forks, SIGALRM%s", secs, NWORK,
	      with_cancel ? ", cancellations" : "");
	for (int i = 0; i < NWORK; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		pthread_create(&w[i].th, NULL, worker_main, &w[i]);
	}
	watchdog_start();
	beat_phase = "the stress loop (forks, cancellations, signals)";
	if (!getenv("PROCS_NO_ALARM") && start_alarm(1000) < 0)
		return 1;
	end = now() + secs;
	while (now() < end) {
		pthread_t st;
		pid_t pid;
		int status;

		beat++;
		/* a thread of stat calls, cancelled at a random moment */
		if (with_cancel) {
			pthread_create(&st, NULL, statter_main, NULL);
			usleep(2000 + rand() % 5000);
			pthread_cancel(st);
			if (!join_bounded(st, 20)) {
				FAIL("stress: a cancelled stat thread never "
				     "finished");
				wedged = true;
				break;
			}
			cancels++;
		} else {
			usleep(2000 + rand() % 5000);
		}

		/* a child that deletes a lower file of its own (not under
		   PROCS_NO_FORK: see procs-stress.sh) */
		if (forks >= 1000 || no_fork)
			continue;
		pid = fork();
		if (pid == 0) {
			alarm(0);
			signal(SIGALRM, SIG_IGN);
			if (unlink(mp(p, sizeof(p), "fk%d", forks)) < 0)
				_exit(1);
			_exit(exists(p) ? 2 : 0);
		}
		status = wait_bounded(pid, 20);
		if (status != 0) {
			fork_bad++;
			FAIL("stress: fork %d: child %s", forks,
			     status_str(status));
			if (status == -2) {
				wedged = true;
				break;
			}
		}
		forks++;
	}
	__atomic_store_n(&stop_work, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < NWORK; i++) {
		if (!join_bounded(w[i].th, 30)) {
			FAIL("stress: worker %d never finished (hung in the "
			     "library)",
			     i);
			wedged = true;
		}
	}
	if (wedged) {
		fflush(stdout);
		_exit(1);
	}
	for (int i = 0; i < NWORK; i++) {
		if (w[i].errors)
			FAIL("worker %d: %lu errors in %lu rounds, first: %s",
			     i, w[i].errors, w[i].rounds, w[i].firsterr);
	}
	stop_alarm();
	if (sig_stat_bad)
		NOTE("the SIGALRM handler's stat of M/f went wrong %d times "
		     "of %d (see procs signal)",
		     (int)sig_stat_bad, (int)sig_calls);
	OK("stress ran: %d forks (%d bad), %d cancellations, %d signals, "
	   "worker rounds %lu %lu %lu %lu",
	   forks, fork_bad, cancels, (int)sig_calls, w[0].rounds, w[1].rounds,
	   w[2].rounds, w[3].rounds);

	/* What the names must be, by the operations' own account. */
	{
		size_t cap = 1024, n = 0, got_n = 0;
		char **want = malloc(cap * sizeof(*want));
		char **got = NULL;
		size_t got_cap = 0;
		DIR *d;
		struct dirent *e;
		FILE *out;

#define PUSH(...)                                                              \
	do {                                                                   \
		if (n == cap)                                                  \
			want = realloc(want, (cap *= 2) * sizeof(*want));      \
		if (asprintf(&want[n], __VA_ARGS__) < 0)                       \
			abort();                                               \
		n++;                                                           \
	} while (0)

		/* files of the layers that nobody touches */
		PUSH("bin");
		PUSH("f");
		for (int i = forks; i < 1000; i++)
			PUSH("fk%d", i);
		for (int t = 0; t < NWORK; t++) {
			for (unsigned long r = w[t].rounds; r < KPER; r++)
				PUSH("k%d_%lu", t, r);
			for (unsigned long r = 0; r < w[t].rounds; r++) {
				bool deleted =
				    r % 2 == 0 && r + 1 < w[t].rounds;

				if (!deleted)
					PUSH("s%d_%lu", t, r);
			}
		}
		qsort(want, n, sizeof(*want), name_cmp);

		d = opendir(M);
		if (!d) {
			FAIL("opendir %s: %s", M, strerror(errno));
			return 1;
		}
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (got_n == got_cap) {
				got_cap = got_cap ? 2 * got_cap : 1024;
				got = realloc(got, got_cap * sizeof(*got));
			}
			got[got_n++] = strdup(e->d_name);
		}
		closedir(d);
		qsort(got, got_n, sizeof(*got), name_cmp);

		/* the expected listing, for the script to compare with
		   what a fresh process sees */
		out = fopen(getenv("PROCS_EXPECT") ? getenv("PROCS_EXPECT")
						   : "/dev/null",
			    "w");
		for (size_t i = 0; i < n; i++)
			if (out)
				fprintf(out, "%s\n", want[i]);
		if (out)
			fclose(out);

		size_t i = 0, j = 0;
		int diffs = 0;

		while (i < n || j < got_n) {
			int c = i == n	     ? 1
				: j == got_n ? -1
					     : strcmp(want[i], got[j]);

			if (c < 0) {
				if (diffs++ < 10)
					FAIL("stress: %s is missing from the "
					     "view (a lost change)",
					     want[i]);
				i++;
			} else if (c > 0) {
				if (diffs++ < 10)
					FAIL("stress: %s is in the view but "
					     "should not be",
					     got[j]);
				j++;
			} else {
				i++;
				j++;
			}
		}
		if (!diffs)
			OK("stress: the final view (%zu names) is what the "
			   "operations say",
			   n);
		/* the contents of the survivors */
		for (int t = 0; t < NWORK; t++) {
			unsigned long r = w[t].rounds ? w[t].rounds - 1 : 0;
			char buf[32], want_text[32];

			if (!w[t].rounds)
				continue;
			snprintf(want_text, sizeof(want_text), "%lu\n", r);
			if (read_file(mp(p, sizeof(p), "s%d_%lu", t, r), buf,
				      sizeof(buf)) < 0 ||
			    strcmp(buf, want_text))
				FAIL("stress: %s does not hold %lu", p, r);
		}
	}
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: procs vfork|forkthreads|signal|cancel|"
				"stress M [N]\n");
		return 2;
	}
	M = argv[2];
	if (!strcmp(argv[1], "vfork"))
		return do_vfork();
	if (!strcmp(argv[1], "forkthreads"))
		return do_forkthreads(argc > 3 ? atoi(argv[3]) : 200);
	if (!strcmp(argv[1], "signal"))
		return do_signal(argc > 3 ? atof(argv[3]) : 5);
	if (!strcmp(argv[1], "sigchange"))
		return do_sigchange(argc > 3 ? atof(argv[3]) : 5);
	if (!strcmp(argv[1], "sigixbuild") && argc > 3)
		return do_sigixbuild(argv[3]);
	if (!strcmp(argv[1], "sigwatch"))
		return do_sigwatch();
	if (!strcmp(argv[1], "cancel"))
		return do_cancel(argc > 3 ? atoi(argv[3]) : 50);
	if (!strcmp(argv[1], "stress"))
		return do_stress(argc > 3 ? atof(argv[3]) : 20, true);
	if (!strcmp(argv[1], "stress-nocancel"))
		return do_stress(argc > 3 ? atof(argv[3]) : 20, false);
	fprintf(stderr, "procs: unknown mode %s\n", argv[1]);
	return 2;
}
