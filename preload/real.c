/*
 * real.c - resolve the real libc functions behind every syms.def row.
 *
 * The next definition after libunion in the search order: libc's (or
 * another preloaded library's, such as fakeroot's, which then chains
 * on), found by nextsym.c's walk of the hash tables, or by
 * dlsym(RTLD_NEXT) where that walk is not sure.
 *
 * Each is found when it is first called, not at start: a process calls
 * a handful of the 186, and looking them all up was a fifth of the
 * instructions a /bin/true spends under the library.  On x86-64 every
 * real_<name> starts out pointing at a stub of its own (two instructions
 * below) that hands the pointer's address and the name to
 * un_real_resolve(), with the caller's argument registers saved, then
 * jumps to the function found; the pointer then holds it, and later
 * calls go straight there.  So a real_<name> is never NULL and never
 * needs to be checked before a call, before the constructor ran or in a
 * signal handler alike: nextsym.c's lookup only reads memory.  Two
 * threads resolving one name store the same address.
 *
 * dlsym is not safe everywhere (a failed one allocates for dlerror, and
 * it takes the loader's lock): where the walk turns out off for the
 * process (nextsym.c; un_real_late, at the first wrapper) every row is
 * found again by dlsym, as the constructor did for every row before.  Elsewhere than x86-64 that is
 * done for every row at start.
 */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if defined(__x86_64__)
#define UN_LAZY 1
#else
#define UN_LAZY 0
#endif

#if UN_LAZY
/* The stubs: un_stub_<name> loads &real_<name> into %r11 and the name
   into %r10 (neither carries an argument) and goes to un_lazy_common.
   The names lie with the exec's code (UN_EXEC_RODATA's section): the
   constructor's first stat resolves one, and in .rodata that read was
   a page fault of its own in every process's start-up. */
#define UN_SPECIAL(ret, name, params)					\
	extern void un_stub_##name(void) UN_HIDDEN;			\
	__asm__(".pushsection .text.hot.libunion_exec_ro,\"ax\",@progbits\n" \
		"un_name_" #name ": .string \"" #name "\"\n"		\
		".popsection\n"						\
		".pushsection .text.hot.libunion_exec,\"ax\",@progbits\n"					\
		".p2align 4\n"						\
		".hidden un_stub_" #name "\n"				\
		".type un_stub_" #name ", @function\n"			\
		"un_stub_" #name ":\n"					\
		"	leaq real_" #name "(%rip), %r11\n"		\
		"	leaq un_name_" #name "(%rip), %r10\n"		\
		"	jmp un_lazy_common\n"				\
		".size un_stub_" #name ", .-un_stub_" #name "\n"	\
		".popsection\n");					\
	ret(*real_##name) params = (ret(*) params)un_stub_##name;
#else
#define UN_SPECIAL(ret, name, params) ret(*real_##name) params;
#endif
#define UN_READ(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_READ_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_CHANGE(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_CHANGE_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_MAKE(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_MAKE_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#include "syms.def"
#undef UN_SPECIAL

/*
 * nextsym.c's walk is set up by the first lookup, whichever thread or
 * handler makes it: a thread that finds another one at it asks dlsym
 * meanwhile (the same answer, dearer) rather than wait for it, which a
 * signal handler interrupting the setup could not.
 */
enum { NEXTSYM_NONE, NEXTSYM_BUSY, NEXTSYM_READY };
static int nextsym_state;

UN_EXEC_TEXT static bool nextsym_ready(void)
{
	int state = __atomic_load_n(&nextsym_state, __ATOMIC_ACQUIRE);

	if (state == NEXTSYM_NONE &&
	    __atomic_compare_exchange_n(&nextsym_state, &state, NEXTSYM_BUSY,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		un_nextsym_init();
		state = NEXTSYM_READY;
		__atomic_store_n(&nextsym_state, state, __ATOMIC_RELEASE);
	}
	return state == NEXTSYM_READY;
}

/* The walk's answer, else dlsym's; errno as it was (the walk touches
   none, and the errno of a library is a libc call away: bound by the
   loader at its first call, which the constructor's stat need not pay). */
UN_EXEC_TEXT static void *next(const char *name)
{
	void *addr = nextsym_ready() ? un_nextsym(name) : NULL;
	int saved;

	if (addr)
		return addr;
	saved = errno;
	addr = dlsym(RTLD_NEXT, name);
	errno = saved;
	return addr;
}

#if UN_LAZY
void *un_real_resolve(void **slot, const char *name) UN_HIDDEN;

/* A function that is not there: what the wrappers answered for a NULL
   pointer (never on a glibc that can load the library: see above). */
UN_EXEC_TEXT static long no_function(void)
{
	errno = ENOSYS;
	return -1;
}

/* Called by a stub, with the caller's arguments saved: the function,
   which the stub then jumps to; from now on *slot holds it. */
UN_EXEC_TEXT void *un_real_resolve(void **slot, const char *name)
{
	void *addr = next(name);

	__atomic_store_n(slot, addr, __ATOMIC_RELAXED);
	return addr ? addr : (void *)no_function;
}

/*
 * The stubs' common part: save the argument registers (%rax too: the
 * count of vector registers of a variadic call), call un_real_resolve on
 * an aligned stack, restore them and jump to what it found, as if the
 * caller had called that function itself.
 */
__asm__(".pushsection .text.hot.libunion_exec,\"ax\",@progbits\n"
	".p2align 4\n"
	".hidden un_lazy_common\n"
	".type un_lazy_common, @function\n"
	"un_lazy_common:\n"
	"	.cfi_startproc\n"
	"	pushq %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	andq $-16, %rsp\n"
	"	subq $192, %rsp\n"
	"	movq %rdi, 0(%rsp)\n"
	"	movq %rsi, 8(%rsp)\n"
	"	movq %rdx, 16(%rsp)\n"
	"	movq %rcx, 24(%rsp)\n"
	"	movq %r8, 32(%rsp)\n"
	"	movq %r9, 40(%rsp)\n"
	"	movq %rax, 48(%rsp)\n"
	"	movaps %xmm0, 64(%rsp)\n"
	"	movaps %xmm1, 80(%rsp)\n"
	"	movaps %xmm2, 96(%rsp)\n"
	"	movaps %xmm3, 112(%rsp)\n"
	"	movaps %xmm4, 128(%rsp)\n"
	"	movaps %xmm5, 144(%rsp)\n"
	"	movaps %xmm6, 160(%rsp)\n"
	"	movaps %xmm7, 176(%rsp)\n"
	"	movq %r11, %rdi\n"
	"	movq %r10, %rsi\n"
	"	call un_real_resolve\n"
	"	movq %rax, %r11\n"
	"	movq 0(%rsp), %rdi\n"
	"	movq 8(%rsp), %rsi\n"
	"	movq 16(%rsp), %rdx\n"
	"	movq 24(%rsp), %rcx\n"
	"	movq 32(%rsp), %r8\n"
	"	movq 40(%rsp), %r9\n"
	"	movq 48(%rsp), %rax\n"
	"	movaps 64(%rsp), %xmm0\n"
	"	movaps 80(%rsp), %xmm1\n"
	"	movaps 96(%rsp), %xmm2\n"
	"	movaps 112(%rsp), %xmm3\n"
	"	movaps 128(%rsp), %xmm4\n"
	"	movaps 144(%rsp), %xmm5\n"
	"	movaps 160(%rsp), %xmm6\n"
	"	movaps 176(%rsp), %xmm7\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	jmp *%r11\n"
	"	.cfi_endproc\n"
	".size un_lazy_common, .-un_lazy_common\n"
	".popsection\n");
#endif

/*
 * The libc functions the library calls by name (through its PLT, not a
 * real_* pointer) on the way a fork's child goes to exec a program of a
 * union (the lookup, the program's check) are bound by the loader at
 * their first call in each process: in every child a shell forks, when
 * the shell never called them, each time a look through libc's symbol
 * tables and the GOT written, ~11 page faults (LD_DEBUG=bindings showed
 * these in every child of `bash -c 'for ...; do ./lowerbin; done'`; a
 * function the lookup starts to call by name belongs here too:
 * tests/edges/exec-child-bind looks for those a child binds).
 * Called here once, in the parent, they are bound for all its children.
 * (The arguments are opaque, so that the compiler keeps the calls.)
 */
static void bind_for_children(void)
{
	char a[2] = "", b[2] = "";
	char *pa = a, *pb = b;
	size_t one = 1;

	__asm__("" : "+r"(pa), "+r"(pb), "+r"(one));
	if (memcmp(pa, pb, one) == 0 && strcspn(pa, pb) == 0 &&
	    *strchrnul(pa, '/') == '\0' && !memrchr(pa, '/', one))
		strcpy(stpcpy(pa, pb), pb);
	/* (malloc's arena is not for a signal handler; and the compiler
	   drops an allocation that nothing uses) */
	if (!un_in_signal()) {
		void *p = calloc(one, one);

		__asm__("" : "+r"(p));
		free(p);
	}
}

/*
 * Before a fork (the fork wrapper, init.c: never from an atfork handler,
 * where another allocator may hold its locks): the real functions a child
 * calls to exec are found now,
 * once, in the parent.  Found in the child, they would be looked up
 * again in every child a shell forks, each first read of a page of
 * libc's symbol tables a fault there.
 */
void *const *un_brk_at;

void un_real_fork(void)
{
	static bool done, brk_sought;

	/* glibc's break, which a child's exec reads (un_user_str_body):
	   by dlsym here, once, not by a relocation (a symbol lookup at
	   every start, ~670 instructions of /bin/true).  Not in signal
	   mode, where dlsym is not safe (a later fork looks then). */
	if (!brk_sought && !un_in_signal()) {
		UN_SAVE_ERRNO;

		brk_sought = true;
		__atomic_store_n(&un_brk_at, dlsym(RTLD_DEFAULT, "__curbrk"),
				 __ATOMIC_RELEASE);
		UN_RESTORE_ERRNO;
	}
	if (done || !nextsym_ready())
		return;
	done = true;
	bind_for_children();
#if UN_LAZY
#define READY(name)							\
	do {								\
		if ((void (*)(void))real_##name == un_stub_##name)	\
			real_##name = next(#name);			\
	} while (0)
	READY(execve);
	READY(execveat);
	READY(fexecve);
	READY(open);
	READY(openat);
	/* a shell's child redirects before it execs */
	READY(dup2);
	READY(dup3);
	READY(fcntl);
	READY(fstat);
	READY(stat);
	/* the lookup of a program in a union */
	READY(lstat);
	READY(fstatat);
	READY(statx);
	READY(access);
	READY(faccessat);
	READY(readlink);
	READY(close);
	READY(syscall);
#undef READY
#endif
}

/*
 * At the first wrapper (init.c's init_late): the walk checked against
 * dlsym on a few names (nextsym.c).  Where the walk is off (a disagreement, an object it
 * cannot read), or elsewhere than x86-64, every row is found now by
 * dlsym, as before the stubs; whatever a stub found earlier with the
 * walk (the layers' stat in the constructor) is found again.
 */
void un_real_late(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	/* Another thread setting the walk up finishes within microseconds:
	   wait for it, so that the walk is never trusted unchecked (not in
	   a handler, which may have interrupted this very thread there). */
	while (!nextsym_ready() && !un_in_signal())
		sched_yield();
	if (nextsym_ready())
		un_nextsym_check();
	if (UN_LAZY && un_nextsym_usable())
		return;
#define UN_SPECIAL(ret, name, params) \
	real_##name = (ret(*) params)next(#name);
#include "syms.def"
#undef UN_SPECIAL
#undef UN_READ
#undef UN_READ_AT
#undef UN_CHANGE
#undef UN_CHANGE_AT
#undef UN_MAKE
#undef UN_MAKE_AT
}

/*
 * At start: nothing on x86-64 (every row is found at its first call).
 * Elsewhere every row must be found before the first call.  Every row
 * names a function the glibc the library needs (2.34: pthread and dlsym
 * live in libc there) has, so no wrapper tests for one that is missing
 * (close_range, closefrom and fcntl64 came with 2.34 and 2.28); a
 * dlsym that failed would allocate (dlerror), which a wrapper reached
 * from an allocator's start-up must not do (INTERPOSITION.md).
 */
UN_EXEC_TEXT void un_real_early(void)
{
	if (!UN_LAZY)
		un_real_late();
}
