/*
 * wrap_signal.c - signal handlers that call into the union (issue 6).
 *
 * A handler may interrupt its thread anywhere, the middle of a wrapper
 * included, and call stat or open itself (both async-signal-safe).  The
 * depth guard cannot tell such a call from libc calling an exported name
 * back, so the handler's entry is marked where it happens: every handler
 * the program installs (sigaction, signal and their relatives) is given
 * to the kernel as un_trampoline (un_trampoline_noinfo where signal()
 * installs it without SA_SIGINFO), which saves the thread's un_depth, sets
 * it to 0 and raises un_sigdepth around the program's handler.  Wrappers
 * then give the union's view, in signal mode (see internal.h).
 *
 * The program never sees the trampoline: an old action read back is the
 * program's own handler and flags.  The kernel calls a handler with three
 * arguments whether or not SA_SIGINFO is set (x86-64 and the other Linux
 * ABIs pass them in registers), so the trampoline calls the program's
 * handler the same way.  A handler that leaves by longjmp skips the
 * trampoline's return: the next wrapper notices that the stack is back
 * above the trampoline's frame and leaves signal mode (un_sig_check_left).
 *
 * Also here: blocking signals around the library's rare sections, and
 * memory that signal mode may take (mmap, never malloc).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "wrap.h"

__thread int un_sigdepth;
/* The trampoline's frame of the innermost handler (signal mode only). */
static __thread void *sig_frame;

/* The program's handler and flags for each signal the trampoline serves. */
static void *user_handler[NSIG];
static int user_flags[NSIG];

typedef void (*un_sigfn)(int, siginfo_t *, void *);

/*
 * Holding handlers back (un_sig_hold): a thread in such a section runs
 * no handler of the program's.  One that arrives is blocked in the mask
 * its return restores, queued again to this thread with its siginfo,
 * and remembered; leaving the section unblocks it, and the kernel
 * delivers it then, with its sa_mask and ucontext, as if it had been
 * blocked all along.  A handler installed with SA_RESETHAND cannot be
 * put back so (the kernel reset the action when it delivered it): once
 * the program installed one, sections block every signal instead.
 */
static __thread int hold_depth;
static __thread sigset_t held;		/* signals queued again */
static __thread bool held_any;
static bool resethand_seen;		/* sticky */

/* (user_flags and user_handler are written only when they change: a
   shell sets the same handlers around every fork, and its first write
   to their page after each fork is a page fault of its own:
   bench/README.md "Session 12 (exec)".) */
static void note_flags(int sig, int flags)
{
	if (__atomic_load_n(&user_flags[sig], __ATOMIC_RELAXED) != flags)
		__atomic_store_n(&user_flags[sig], flags, __ATOMIC_RELEASE);
	if ((flags & SA_RESETHAND) &&
	    !__atomic_load_n(&resethand_seen, __ATOMIC_RELAXED))
		__atomic_store_n(&resethand_seen, true, __ATOMIC_SEQ_CST);
}

/* In the trampoline, inside a section: put the signal back. */
static void hold_back(int sig, siginfo_t *info, ucontext_t *uc)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, sig);
	/* Blocked now (SA_NODEFER leaves it open in the handler) and after
	   the return, until the section ends. */
	pthread_sigmask(SIG_BLOCK, &one, NULL);
	sigaddset(&uc->uc_sigmask, sig);
	sigaddset(&held, sig);
	held_any = true;
	if (!info || syscall(SYS_rt_tgsigqueueinfo, un_self_pid(),
			     un_self_tid(), sig, info) < 0)
		syscall(SYS_tgkill, un_self_pid(), un_self_tid(), sig);
}

void un_sig_hold(struct un_sig_hold *h)
{
	h->blocked = __atomic_load_n(&resethand_seen, __ATOMIC_ACQUIRE);
	if (h->blocked) {
		un_sig_block(&h->mask);
		return;
	}
	hold_depth++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void un_sig_unhold(struct un_sig_hold *h)
{
	sigset_t set;

	if (h->blocked) {
		un_sig_restore(&h->mask);
		return;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (--hold_depth > 0 || !held_any)
		return;
	/* No handler writes held now (the depth is 0): take it, then let
	   the signals in. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	set = held;
	sigemptyset(&held);
	held_any = false;
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* The program's handler behind the trampoline.  info: what the kernel
   filled (SA_SIGINFO), or NULL, for the hold; the handler is given the
   kernel's argument either way, as without this file. */
static inline __attribute__((always_inline)) void
trampoline_run(int sig, siginfo_t *info, void *uc, siginfo_t *kinfo)
{
	int depth = un_depth;
	void *frame = sig_frame;
	void *h = __atomic_load_n(&user_handler[sig], __ATOMIC_ACQUIRE);
	bool pinned;

	if (hold_depth > 0 && uc) {
		int saved = errno;

		hold_back(sig, kinfo, uc);
		errno = saved;
		return;
	}
	/* A handler between a pinned lookup and its call: the chdir of
	   another thread waits for it (fdtab.c, Pins).  (The outermost
	   handler marks and unmarks.) */
	pinned = un_cwd_pinned != 0 && un_sigdepth == 0;
	if (__builtin_expect(pinned, 0))
		un_cwd_pin_handler(true);
	sig_frame = __builtin_frame_address(0);
	un_sigdepth++;
	un_depth = 0;
	if (h != (void *)SIG_DFL && h != (void *)SIG_IGN)
		((un_sigfn)h)(sig, info, uc);
	un_depth = depth;
	un_sigdepth--;
	sig_frame = frame;
	if (__builtin_expect(pinned, 0))
		un_cwd_pin_handler(false);
}

/* Given to the kernel with SA_SIGINFO (sigaction). */
static void un_trampoline(int sig, siginfo_t *info, void *uc)
{
	trampoline_run(sig, info, uc, info);
}

/* Given to the kernel by glibc's signal(), without SA_SIGINFO: the
   kernel passes the same three registers, but its siginfo is not
   filled in, so a held signal is queued again without it. */
static void un_trampoline_noinfo(int sig, siginfo_t *info, void *uc)
{
	trampoline_run(sig, info, uc, NULL);
}

/* Is h one of ours? */
UN_EXEC_TEXT static bool is_trampoline(const void *h)
{
	return h == (const void *)un_trampoline ||
	       h == (const void *)un_trampoline_noinfo;
}

void un_sig_check_left(void)
{
	/* The stack grows down: a wrapper called from the handler runs
	   below the trampoline's frame; above it, the handler is gone. */
	if ((uintptr_t)__builtin_frame_address(0) > (uintptr_t)sig_frame) {
		un_sigdepth = 0;
		sig_frame = NULL;
	}
}

void un_sig_block(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

void un_sig_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void *un_sig_alloc(size_t len)
{
	void *p;

	if (!un_in_signal())
		return malloc(len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void un_sig_free(void *p, size_t len)
{
	if (!p)
		return;
	if (un_in_signal())
		munmap(p, len);
	else
		free(p);
}

/* ------------------------------------------------------------------ */

UN_EXEC_TEXT static bool is_function(__sighandler_t h)
{
	return h != SIG_DFL && h != SIG_IGN && h != SIG_ERR
#ifdef SIG_HOLD
	       && h != SIG_HOLD
#endif
		;
}

/* Should handlers of sig go through the trampoline? */
UN_EXEC_TEXT static bool wanted(int sig)
{
	if (sig <= 0 || sig >= NSIG)
		return false;
	/* Not from a handler, nor from inside the library (our own start-up
	   may be what is running: pthread_once would wait for itself). */
	if (!un_in_signal() && un_depth == 0)
		un_init();
	return __atomic_load_n(&un_active, __ATOMIC_ACQUIRE);
}

/* The program's view of an action the kernel holds (prev: the handler
   and flags the trampoline served before the change). */
UN_EXEC_TEXT static void unwrap(struct sigaction *old, void *prev, int prevflags)
{
	/* (With SA_SIGINFO or not: signal() installs one without.) */
	if (!is_trampoline((void *)old->sa_sigaction))
		return;
	old->sa_flags = (old->sa_flags & ~SA_SIGINFO) |
			(prevflags & SA_SIGINFO);
	if (prevflags & SA_SIGINFO)
		old->sa_sigaction = (un_sigfn)prev;
	else
		old->sa_handler = (__sighandler_t)prev;
}

UN_EXEC_TEXT static int sigaction_common(int sig, const struct sigaction *act,
			    struct sigaction *old)
{
	struct sigaction mine, got;
	void *prev;
	int prevflags, rc;
	bool wrap;

	if (!real_sigaction)
		un_init();
	if (!real_sigaction) {
		errno = ENOSYS;
		return -1;
	}
	if (!wanted(sig))
		return real_sigaction(sig, act, old);
	prev = __atomic_load_n(&user_handler[sig], __ATOMIC_ACQUIRE);
	prevflags = __atomic_load_n(&user_flags[sig], __ATOMIC_ACQUIRE);
	/* The trampoline itself (read back by a raw rt_sigaction and given
	   back to us) keeps the handler it serves: it must not call itself. */
	wrap = act && is_function(act->sa_handler) &&
	       !is_trampoline((void *)act->sa_sigaction);
	if (wrap) {
		mine = *act;
		note_flags(sig, act->sa_flags);
		if (prev != (void *)act->sa_sigaction)
			__atomic_store_n(&user_handler[sig],
					 (void *)act->sa_sigaction,
					 __ATOMIC_RELEASE);
		mine.sa_flags |= SA_SIGINFO;
		mine.sa_sigaction = un_trampoline;
		act = &mine;
	}
	rc = real_sigaction(sig, act, &got);
	if (rc < 0) {
		if (wrap) {
			int saved = errno;

			__atomic_store_n(&user_handler[sig], prev,
					 __ATOMIC_RELEASE);
			__atomic_store_n(&user_flags[sig], prevflags,
					 __ATOMIC_RELEASE);
			errno = saved;
		}
		return rc;
	}
	if (old) {
		unwrap(&got, prev, prevflags);
		*old = got;
	}
	return rc;
}

UN_EXEC_TEXT UN_EXPORT int sigaction(int sig, const struct sigaction *act,
			struct sigaction *old)
{
	return sigaction_common(sig, act, old);
}

UN_EXEC_TEXT UN_EXPORT int __sigaction(int sig, const struct sigaction *act,
			  struct sigaction *old)
{
	return sigaction_common(sig, act, old);
}

/*
 * The signal() family.  signal, bsd_signal and ssignal (glibc's BSD
 * semantics, one sigaction: mask {sig}, SA_RESTART unless
 * siginterrupt said otherwise, never SA_RESETHAND) are given
 * un_trampoline_noinfo as the handler, so that glibc sets the action as
 * it means it in its one system call; the program's handler is noted
 * first, for a signal that comes at once.  The others (sysv_signal's
 * SA_RESETHAND, sigset's masks) let the real function set the action,
 * then move a function handler behind the trampoline (three system
 * calls: the moment in between runs the program's handler unwrapped,
 * as without this file).
 */
static __sighandler_t rewrap(int sig, __sighandler_t h, __sighandler_t r,
			     void *prev)
{
	struct sigaction cur;

	if (is_trampoline((void *)r))
		r = (__sighandler_t)prev;
	if (r == SIG_ERR || !is_function(h) || is_trampoline((void *)h) ||
	    real_sigaction(sig, NULL, &cur) < 0 || cur.sa_handler != h)
		return r;
	note_flags(sig, cur.sa_flags);
	__atomic_store_n(&user_handler[sig], (void *)h, __ATOMIC_RELEASE);
	cur.sa_flags |= SA_SIGINFO;
	cur.sa_sigaction = un_trampoline;
	real_sigaction(sig, &cur, NULL);
	return r;
}

typedef __sighandler_t (*signal_fn)(int, __sighandler_t);

/* The prelude of every signal() wrapper: the real function, after the
   library's start if it is not found yet; NULL with errno ENOSYS when
   libc has none (the wrapper answers SIG_ERR). */
static signal_fn signal_real(signal_fn *slot)
{
	if (!*slot)
		un_init();
	if (!*slot)
		errno = ENOSYS;
	return *slot;
}

#define UN_SIGNAL_LIKE(name)                                               \
	UN_EXPORT __sighandler_t name(int sig, __sighandler_t h)           \
	{                                                                  \
		signal_fn real = signal_real(&real_##name);                \
		void *prev;                                                \
		if (!real)                                                 \
			return SIG_ERR;                                    \
		if (!wanted(sig) || !real_sigaction)                       \
			return real(sig, h);                               \
		prev = __atomic_load_n(&user_handler[sig],                 \
				       __ATOMIC_ACQUIRE);                  \
		return rewrap(sig, h, real(sig, h), prev);                 \
	}

/* signal() with the trampoline handed to glibc itself (see above). */
static __sighandler_t signal_bsd(int sig, __sighandler_t h, signal_fn real)
{
	__sighandler_t r;
	int prevflags;
	void *prev;

	if (!is_function(h) || is_trampoline((void *)h)) {
		r = real(sig, h);
		return is_trampoline((void *)r) ?
			       (__sighandler_t)__atomic_load_n(
				       &user_handler[sig], __ATOMIC_ACQUIRE) :
			       r;
	}
	prev = __atomic_load_n(&user_handler[sig], __ATOMIC_ACQUIRE);
	prevflags = __atomic_load_n(&user_flags[sig], __ATOMIC_ACQUIRE);
	note_flags(sig, 0);	/* (only SA_SIGINFO and SA_RESETHAND count) */
	if (prev != (void *)h)
		__atomic_store_n(&user_handler[sig], (void *)h,
				 __ATOMIC_RELEASE);
	r = real(sig, (__sighandler_t)(void *)un_trampoline_noinfo);
	if (r == SIG_ERR) {
		int saved = errno;

		__atomic_store_n(&user_handler[sig], prev, __ATOMIC_RELEASE);
		__atomic_store_n(&user_flags[sig], prevflags,
				 __ATOMIC_RELEASE);
		errno = saved;
		return r;
	}
	return is_trampoline((void *)r) ? (__sighandler_t)prev : r;
}

#define UN_SIGNAL_BSD(name)                                                \
	UN_EXPORT __sighandler_t name(int sig, __sighandler_t h)           \
	{                                                                  \
		signal_fn real = signal_real(&real_##name);                \
		if (!real)                                                 \
			return SIG_ERR;                                    \
		if (!wanted(sig))                                          \
			return real(sig, h);                               \
		return signal_bsd(sig, h, real);                           \
	}

UN_SIGNAL_BSD(signal)
UN_SIGNAL_BSD(bsd_signal)
UN_SIGNAL_BSD(ssignal)
UN_SIGNAL_LIKE(sysv_signal)
UN_SIGNAL_LIKE(__sysv_signal)
UN_SIGNAL_LIKE(sigset)
