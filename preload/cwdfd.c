/*
 * cwdfd.c - descriptors of the merged cwd's copy in each lower layer.
 *
 * The kernel's cwd of a process in a union stands on one layer's copy of
 * the merged cwd (the upper's when it has one).  A name relative to the
 * cwd that lives in another layer was looked up by that layer's whole
 * path ("/tmp/.../lower/d/s/f" for git's "d/s/f"), and the kernel walks
 * every component of it at each call.  Here a lookup relative to the
 * merged cwd (namei.c lookup_near, near_open) asks the lower layer i for
 * the name by fstatat/statx/openat on an O_PATH descriptor of the cwd's
 * copy in i, with the caller's relative name (bench/README.md "Session
 * 16 (cwdfd)").
 *
 * Only the lowers': a lower never changes, so the copy of the cwd's
 * merged path in a lower is the same directory for as long as the cwd's
 * merged path is the same, which is while the cwd's change count
 * (un_cwd_count) is: every write of the cwd's record (chdir, fchdir, a
 * rename of the cwd followed, its removal seen) moves it.  The upper's
 * copy may be removed and made again by any process, which the path
 * sees and a descriptor would not: its names keep the path.
 *
 * A slot per layer holds the count its descriptor was opened at and the
 * descriptor; a lookup at another count finds no descriptor there.  The
 * descriptor is opened at the 16th lookup that asks a layer at a count
 * (un_cwdfd_wait: a chdir costs nothing more for a program that never
 * looks up a name from its new cwd, nor for one that looks up a few),
 * never in signal mode nor in a vfork child (whose descriptors are not
 * the parent's), and closed when the cwd's record
 * changes (un_cwdfd_drop, from fdtab.c's writer section: no directory
 * held busy after the process left it).  A descriptor may be closed
 * under a lookup of another thread that read it: that lookup's count
 * moved, and lookup_threads throws its answer away (namei.c
 * lookup_settled).  A failure to open (EMFILE, ulimit -n below the
 * library's numbers) is kept for the count: the path answers, and no
 * open is tried again before the cwd changes.
 *
 * The descriptors are the library's own as the whiteout table's are
 * (high, close-on-exec, kept from the program's close, close_range,
 * closefrom and dup2: wrap_fd.c).  A dup2 onto one closes ours first
 * (un_cwdfd_vacate_fd): a lookup of another thread that read the number
 * just before may ask the program's new descriptor there (a number
 * from 900 up, which programs do not pick); libc's closefrom where
 * close_range fails closes them all (un_cwdfd_drop forgets them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "wrap.h"

#define CWDFD_MIN 900		/* where the library's own descriptors live */
#define CODE_BITS UN_CWDFD_CODE_BITS
#define CODE_MASK ((UINT64_C(1) << CODE_BITS) - 1)
enum { CODE_NONE = 0, CODE_FAILED = 1 };	/* else the descriptor + 2 */

/* Slot i - 1 for the lower layer i: count << CODE_BITS | code (read by
   internal.h's un_cwdfd_get). */
uint64_t un_cwdfd_slots[UN_CWDFD_LAYERS];
#define slots un_cwdfd_slots
static int nheld;	/* descriptors held: 0 makes close()'s look free */

static inline uint64_t tag_of(unsigned long seq)
{
	return (uint64_t)seq << CODE_BITS;
}

static void slot_close(uint64_t v)
{
	if ((v & CODE_MASK) >= 2) {
		/* (With fdtab.c's record of the number, if the program's
		   look at it made one.) */
		un_fd_close_own((int)(v & CODE_MASK) - 2);
		__atomic_sub_fetch(&nheld, 1, __ATOMIC_RELEASE);
	}
}

int un_cwdfd_open(unsigned long seq, int layer, const char *dir)
{
	uint64_t v, want;
	int fd, nfd;

	if (layer < 1 || layer > UN_CWDFD_LAYERS || un_in_signal() ||
	    un_fd_vfork_child())
		return -1;
	UN_SAVE_ERRNO;
	fd = real_open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fd < CWDFD_MIN) {
		/* (Never a low number: the program's next open expects
		   it.  Below the limit, EINVAL: a failure kept.) */
		nfd = real_fcntl(fd, F_DUPFD_CLOEXEC, CWDFD_MIN);
		real_close(fd);
		fd = nfd;
	}
	UN_RESTORE_ERRNO;
	if (fd >= (int)CODE_MASK - 2) {
		real_close(fd);
		fd = -1;
	}
	want = tag_of(seq) | (fd >= 0 ? (uint64_t)fd + 2 : CODE_FAILED);
	if (fd >= 0)
		__atomic_add_fetch(&nheld, 1, __ATOMIC_RELEASE);
	v = __atomic_load_n(&slots[layer - 1], __ATOMIC_ACQUIRE);
	for (;;) {
		if ((v & ~CODE_MASK) == tag_of(seq) &&
		    (v & CODE_MASK) != CODE_NONE) {
			/* Another thread's, at this count: theirs. */
			slot_close(want);
			return (v & CODE_MASK) == CODE_FAILED ?
				       -1 : (int)(v & CODE_MASK) - 2;
		}
		if ((v & ~CODE_MASK) > tag_of(seq)) {
			/* A newer count's: this lookup read the cwd before
			   a change and will look again (lookup_settled).
			   Closed, the newer one's number could be taken by
			   the next open (another layer's copy) under a
			   lookup that read it at a count that stands
			   (unit/check_cwdfd). */
			slot_close(want);
			return -1;
		}
		if (__atomic_compare_exchange_n(&slots[layer - 1], &v, want,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	/* (An older count's, or none: only lookups that will look again
	   use an older one.) */
	slot_close(v);
	return fd;
}

/*
 * A descriptor costs three system calls (the open, its move above 900,
 * the close of the low number) and saves ~0.1-0.2 us a lookup
 * (bench/README.md "Session 16 (cwdfd)"): it is opened at the
 * CWDFD_AFTER-th lookup a layer is asked by path at a count, so that a
 * short-lived process (a make recipe's shell, a compiler opening its
 * source) that looks up a few names pays nothing more.  By the thread
 * whose lookup is that one alone: git's twenty lstat threads reach it
 * together, and each opened one of its own (all but one closed again:
 * +88 calls a git status).  The lookups after it take the path until
 * that open is done.  (The reset at a new count may race another
 * thread's; at worst two open, and one closes its own.)
 */
#define CWDFD_AFTER 16
static struct {
	unsigned long seq;
	unsigned n;
} asked[UN_CWDFD_LAYERS];

bool un_cwdfd_wait(unsigned long seq, int layer)
{
	if ((unsigned)layer - 1 >= UN_CWDFD_LAYERS)
		return true;
	if (__atomic_load_n(&asked[layer - 1].seq, __ATOMIC_RELAXED) != seq) {
		__atomic_store_n(&asked[layer - 1].n, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&asked[layer - 1].seq, seq, __ATOMIC_RELAXED);
	}
	return __atomic_add_fetch(&asked[layer - 1].n, 1, __ATOMIC_RELAXED) !=
	       CWDFD_AFTER;
}

void un_cwdfd_drop(void)
{
	if (!__atomic_load_n(&nheld, __ATOMIC_ACQUIRE) ||
	    un_fd_vfork_child())	/* (the slots are the parent's) */
		return;
	UN_SAVE_ERRNO;
	for (int i = 0; i < UN_CWDFD_LAYERS; i++)
		if (__atomic_load_n(&slots[i], __ATOMIC_RELAXED))
			slot_close(__atomic_exchange_n(&slots[i], 0,
						       __ATOMIC_ACQ_REL));
	UN_RESTORE_ERRNO;
}

UN_EXEC_TEXT bool un_cwdfd_owns_fd(int fd)
{
	if (fd < CWDFD_MIN || !__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return false;
	for (int i = 0; i < UN_CWDFD_LAYERS; i++)
		if ((__atomic_load_n(&slots[i], __ATOMIC_ACQUIRE) &
		     CODE_MASK) == (uint64_t)fd + 2)
			return true;
	return false;
}

int un_cwdfd_fds(int *fds, int max)
{
	int n = 0;

	if (!__atomic_load_n(&nheld, __ATOMIC_ACQUIRE))
		return 0;
	for (int i = 0; i < UN_CWDFD_LAYERS && n < max; i++) {
		uint64_t code = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE) &
				CODE_MASK;

		if (code >= 2)
			fds[n++] = (int)code - 2;
	}
	return n;
}

UN_EXEC_TEXT void un_cwdfd_vacate_fd(int fd)
{
	if (!un_cwdfd_owns_fd(fd))
		return;
	/* The program takes the number: ours closed, opened again (at
	   another number) by the next lookup that asks. */
	for (int i = 0; i < UN_CWDFD_LAYERS; i++) {
		uint64_t v = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);

		if ((v & CODE_MASK) == (uint64_t)fd + 2 &&
		    __atomic_compare_exchange_n(&slots[i], &v, 0, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			slot_close(v);
	}
}
