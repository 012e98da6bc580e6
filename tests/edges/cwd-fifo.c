/*
 * cwd-fifo: a relative call that blocks in the kernel does not hold up a
 * chdir for ever.  A thread opens the fifo "ff" of the cwd (outside
 * every union) for reading, relative: the library pins the cwd for that
 * call (fdtab.c, Pins), and chdir waits for pins, but only for a bound.
 * The main thread then changes directory into MERGED/d and back ROUNDS
 * times (the reader's open blocks meanwhile: no writer yet), and only
 * then opens the fifo for writing, which lets the reader go.  Without
 * the bound the first chdir would wait for the reader, which waits for
 * the main thread: a deadlock.  Prints "ok" and the reader's bytes.
 *
 *   cwd-fifo MERGED_DIR ROUNDS
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char got[16];

static void *reader(void *arg)
{
	int fd = open("ff", O_RDONLY);

	(void)arg;
	if (fd < 0 || read(fd, got, sizeof(got) - 1) < 0)
		perror("reader");
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec pause = { 0, 100000000L };
	char here[4096], ff[4200];
	pthread_t t;
	int rounds, fd;

	if (argc != 3 || !getcwd(here, sizeof(here)))
		return 2;
	rounds = atoi(argv[2]);
	unlink("ff");
	if (mkfifo("ff", 0600) < 0) {
		perror("mkfifo");
		return 2;
	}
	pthread_create(&t, NULL, reader, NULL);
	nanosleep(&pause, NULL);	/* (the reader's open under way) */
	for (int i = 0; i < rounds; i++)
		if (chdir(argv[1]) < 0 || chdir(here) < 0) {
			perror("chdir");
			return 1;
		}
	snprintf(ff, sizeof(ff), "%s/ff", here);
	fd = open(ff, O_WRONLY);
	if (fd < 0 || write(fd, "hi", 2) != 2) {
		perror(ff);
		return 1;
	}
	close(fd);
	pthread_join(t, NULL);
	unlink(ff);
	printf("ok %s\n", got);
	return 0;
}
