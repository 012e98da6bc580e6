/*
 * errno-at-main: print errno as main() finds it, after every
 * constructor (the preloaded library's too) has run: "errno 0" unless
 * one of them left the program's errno changed.
 */
#include <errno.h>
#include <stdio.h>

int main(void)
{
	int e = errno;

	printf("errno %d\n", e);
	return 0;
}
