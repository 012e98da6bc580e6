/*
 * wrap_vfork.c - vfork: a flag for the child, which shares our memory.
 *
 * A vfork child runs in the parent's memory until its exec or _exit, so
 * what it does to the library's tables (a close, a dup2: Python's
 * subprocess makes both there) would be done to its parent's.  fdtab.c
 * tells such a child by comparing getpid() with the pid noted at the
 * vfork (elsewhere than x86-64: its table's); this flag keeps that system call off every other close.  It
 * is set in the calling thread's slot before libc's vfork runs, so the
 * child finds it set, and the parent too once it resumes: the parent's
 * first test then finds its own pid and clears it (un_vforked_clear).
 * Other threads of the parent never see it set.
 *
 * The wrapper cannot be C: vfork returns twice on the caller's stack,
 * and a frame of ours under it would be the child's to overwrite.  It
 * notes the caller's process id for fdtab.c (un_fd_vfork_note, a call
 * that returns before the vfork; with it exec.c's un_exec_vfork, the
 * real cwd's identity learnt once for every child), sets the flag and jumps to libc's
 * vfork (real_vfork, found as every row is), which then returns
 * straight to the caller, twice.  Elsewhere
 * than x86-64 vfork is not wrapped and the flag is always set (fdtab.c
 * then asks getpid() each time, as it did before).
 */
#include <stdbool.h>

#include "internal.h"

#if defined(__x86_64__)
/* What the parent notes before libc's vfork: its id for fdtab.c, and
   the real cwd's identity for the children's UNION_CWD (exec.c). */
UN_HIDDEN void un_vfork_note(void);

UN_HIDDEN void un_vfork_note(void)
{
	un_fd_vfork_note();
	un_exec_vfork();
}

/* Named from the assembly below: a hidden global, not a static, whose
   name a compiler may not keep (clang's fuzzer build dropped it). */
__thread int un_vforked_flag UN_HIDDEN __attribute__((used));

__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	.cfi_startproc\n"
	"	subq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	call un_vfork_note\n"
	"	addq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	movq un_vforked_flag@gottpoff(%rip), %rax\n"
	"	movl $1, %fs:(%rax)\n"
	"	jmp *real_vfork(%rip)\n"
	"	.cfi_endproc\n"
	".size vfork, .-vfork\n"
	".popsection\n");

UN_EXEC_TEXT bool un_vforked(void)
{
	return __atomic_load_n(&un_vforked_flag, __ATOMIC_RELAXED);
}

UN_EXEC_TEXT void un_vforked_clear(void)
{
	__atomic_store_n(&un_vforked_flag, 0, __ATOMIC_RELAXED);
}
#else
UN_EXEC_TEXT bool un_vforked(void)
{
	return true;
}

UN_EXEC_TEXT void un_vforked_clear(void)
{
}
#endif
