/*
 * static-hello.c - built with `cc -static` at run time by
 * unwrapped-static.sh: a program LD_PRELOAD cannot reach.  It writes a
 * file with the real system calls, as a
 * static tool would: the file named by $STATIC_HELLO_WRITE, if set.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	const char *out = getenv("STATIC_HELLO_WRITE");

	if (out) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, "static\n", 7) != 7)
			return 3;
		close(fd);
	}
	puts("static ran");
	return 0;
}
