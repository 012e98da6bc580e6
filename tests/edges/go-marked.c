/*
 * go-marked.c - a C program that carries what marks a Go program in its
 * ELF headers, for tests/edges/unwrapped-go-marked.sh (no Go toolchain
 * needed).  Built with one of:
 *
 *   -DMARK_NOTE       a note of the owner "Go" (type 4, the build id) in
 *                     a section named .note.marker: found only by reading
 *                     the PT_NOTE segment;
 *   -DMARK_BUILDINFO  a section .go.buildinfo and no note: found only by
 *                     reading the section headers;
 *   neither           an ordinary C program, never refused.
 *
 * Run, it writes its first argument's file (it must never get to, in a
 * union: exec refuses it) and says so.
 */
#include <stdio.h>

#ifdef MARK_NOTE
__asm__(".section .note.marker,\"a\",@note\n"
	".p2align 2\n"
	".long 3\n"		/* namesz: "Go" and its NUL */
	".long 8\n"		/* descsz */
	".long 4\n"		/* type: the Go build id */
	".asciz \"Go\"\n"
	".p2align 2\n"
	".ascii \"buildid!\"\n"
	".p2align 2\n"
	".previous\n");
#endif

#ifdef MARK_BUILDINFO
__attribute__((section(".go.buildinfo"), used))
static const char buildinfo[32] = "\xff Go buildinf:";
#endif

int main(int argc, char **argv)
{
	FILE *f;

	if (argc > 1) {
		f = fopen(argv[1], "w");
		if (!f) {
			perror(argv[1]);
			return 1;
		}
		fputs("written\n", f);
		fclose(f);
	}
	puts("marked program ran");
	return 0;
}
