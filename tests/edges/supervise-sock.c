/*
 * supervise-sock.c - unix sockets named by a path, from a program built
 * -static at test time and run under the supervisor
 * (tests/edges/supervise-sock.sh).  Each command prints what it saw, so
 * the transcript can be compared with the kernel overlay's.
 *
 *	supervise-sock pair PATH     bind PATH (stream), listen with a
 *	                             backlog of 0; a child connects twice
 *	                             (the second waits for an accept) and
 *	                             writes on each; meanwhile the parent
 *	                             stats PATH (the supervisor must not
 *	                             wait with the child), then accepts
 *	                             and prints both messages
 *	supervise-sock cdpair DIR NAME   chdir DIR, then pair NAME
 *	supervise-sock intr PATH     as pair, but the child's second connect
 *	                             is interrupted by a signal (EINTR), a
 *	                             nonblocking one fails at once (EAGAIN)
 *	supervise-sock dgram PATH    a datagram socket bound at PATH; a
 *	                             child connects to it and sends
 *	supervise-sock sendto PATH   a datagram socket bound at PATH; an
 *	                             unbound one sends to it by PATH
 *	                             (sendto), by its name from its
 *	                             directory, to a missing name; a child
 *	                             then sends more than the receiver's
 *	                             queue holds (the last ones wait) while
 *	                             the parent stats PATH, then reads all
 *	supervise-sock abstract      the same as pair by an abstract name
 *	supervise-sock connect PATH  connect, print the error
 *	supervise-sock bind PATH     bind, print the error
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static socklen_t addr_of(const char *path, struct sockaddr_un *a,
			 bool abstract)
{
	size_t n = strlen(path);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		/* "\0name", no NUL at the end (the length says) */
		memcpy(a->sun_path + 1, path, n);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	}
	memcpy(a->sun_path, path, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static int sock_at(const char *path, int type, bool do_bind, bool abstract)
{
	struct sockaddr_un a;
	socklen_t len = addr_of(path, &a, abstract);
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0)
		return -1;
	if ((do_bind ? bind : connect)(fd, (struct sockaddr *)&a, len) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int child_status(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The child of pair and intr: connect twice, write on each. */
static int client(const char *path, bool abstract, bool intr)
{
	int a, b, nb;
	struct sockaddr_un sa;
	socklen_t len = addr_of(path, &sa, abstract);

	a = sock_at(path, SOCK_STREAM, false, abstract);
	if (a < 0) {
		printf("child connect 1: %s\n", strerror(errno));
		return 1;
	}
	if (write(a, "one", 3) != 3)
		return 1;
	if (intr) {
		/* the listener's backlog is full: a nonblocking connect
		   fails at once, a blocking one waits until a signal */
		struct sigaction act = { .sa_handler = on_alarm };
		struct itimerval it = { { 0, 0 }, { 0, 100000 } };

		nb = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(nb, (struct sockaddr *)&sa, len) < 0)
			printf("child nonblocking connect: %s\n",
			       strerror(errno));
		sigemptyset(&act.sa_mask);
		sigaction(SIGALRM, &act, NULL);	/* no SA_RESTART */
		setitimer(ITIMER_REAL, &it, NULL);
	}
	b = sock_at(path, SOCK_STREAM, false, abstract);
	if (b < 0) {
		printf("child connect 2: %s\n", strerror(errno));
		return intr ? 0 : 1;
	}
	if (write(b, "two", 3) != 3)
		return 1;
	return 0;
}

static void print_msg(int fd)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	printf("got \"%s\"\n", buf);
}

static int pair(const char *path, bool abstract, bool intr)
{
	struct stat st;
	int l, a, b, status;
	pid_t pid;

	l = sock_at(path, SOCK_STREAM, true, abstract);
	if (l < 0) {
		printf("bind %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (listen(l, 0) < 0)
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(client(path, abstract, intr));
	if (intr) {
		/* the child's second connect is interrupted: then take
		   the first */
		status = child_status(pid);
		a = accept(l, NULL, NULL);
		print_msg(a);
		printf("child status %d\n", status);
		return 0;
	}
	/* the child waits in its second connect now: a call of this
	   process must still be answered */
	usleep(100000);
	if (!abstract) {
		if (stat(path, &st) < 0)
			printf("stat: %s\n", strerror(errno));
		else
			printf("socket file: %s\n",
			       S_ISSOCK(st.st_mode) ? "yes" : "no");
	}
	a = accept(l, NULL, NULL);
	b = accept(l, NULL, NULL);
	if (a < 0 || b < 0)
		return 1;
	print_msg(a);
	print_msg(b);
	printf("child status %d\n", child_status(pid));
	return 0;
}

static int dgram(const char *path)
{
	int s = sock_at(path, SOCK_DGRAM, true, false), status;
	pid_t pid;

	if (s < 0) {
		printf("bind %s: %s\n", path, strerror(errno));
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int c = sock_at(path, SOCK_DGRAM, false, false);

		if (c < 0) {
			printf("child connect: %s\n", strerror(errno));
			_exit(1);
		}
		_exit(send(c, "datagram", 8, 0) == 8 ? 0 : 1);
	}
	status = child_status(pid);
	print_msg(s);
	printf("child status %d\n", status);
	return 0;
}

static const char *send_err(int fd, const char *path, const char *what)
{
	struct sockaddr_un a;
	socklen_t len = addr_of(path, &a, false);
	ssize_t n = sendto(fd, what, strlen(what), 0, (struct sockaddr *)&a,
			   len);

	return n < 0 ? strerror(errno) : "sent";
}

/* more than net.unix.max_dgram_qlen (10 by default) */
#define NDGRAMS 14

static int dgram_sendto(const char *path)
{
	int s = sock_at(path, SOCK_DGRAM, true, false), c, status, got = 0;
	const char *slash = strrchr(path, '/');
	char buf[16], dir[PATH_MAX];
	struct stat st;
	pid_t pid;

	if (s < 0) {
		printf("bind %s: %s\n", path, strerror(errno));
		return 1;
	}
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("sendto: %s\n", send_err(c, path, "one"));
	print_msg(s);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (chdir(dir) < 0)
		printf("chdir: %s\n", strerror(errno));
	printf("relative: %s\n", send_err(c, slash + 1, "two"));
	print_msg(s);
	printf("missing: %s\n", send_err(c, "nope", "x"));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int i;

		for (i = 0; i < NDGRAMS; i++)
			if (strcmp(send_err(c, slash + 1, "more"), "sent"))
				break;
		_exit(i);
	}
	/* the child waits for room: the supervisor must not */
	usleep(100000);
	printf("stat while the sender waits: %s\n",
	       stat(path, &st) < 0 ? strerror(errno) : "ok");
	while (got < NDGRAMS && recv(s, buf, sizeof(buf), 0) > 0)
		got++;
	status = child_status(pid);
	printf("received %d, child sent %d\n", got, status);
	return 0;
}

int main(int argc, char **argv)
{
	char name[64];
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a supervisor that waits with a connect would hang this */
	alarm(5);
	if (argc == 3 && !strcmp(argv[1], "pair"))
		return pair(argv[2], false, false);
	if (argc == 4 && !strcmp(argv[1], "cdpair")) {
		if (chdir(argv[2]) < 0) {
			printf("chdir: %s\n", strerror(errno));
			return 1;
		}
		return pair(argv[3], false, false);
	}
	if (argc == 3 && !strcmp(argv[1], "intr"))
		return pair(argv[2], false, true);
	if (argc == 3 && !strcmp(argv[1], "dgram"))
		return dgram(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "sendto"))
		return dgram_sendto(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "abstract")) {
		snprintf(name, sizeof(name), "libunion-test-%d", (int)getpid());
		return pair(name, true, false);
	}
	if (argc == 3 && (!strcmp(argv[1], "connect") ||
			  !strcmp(argv[1], "bind"))) {
		fd = sock_at(argv[2], SOCK_STREAM, argv[1][0] == 'b', false);
		printf("%s: %s\n", argv[1], fd < 0 ? strerror(errno) : "done");
		return 0;
	}
	fprintf(stderr, "usage: supervise-sock pair|cdpair|intr|dgram|sendto|"
			"abstract|connect|bind ...\n");
	return 2;
}
