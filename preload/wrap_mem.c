/*
 * wrap_mem.c - strings the caller hands in, read only where the kernel
 * could read them.
 *
 * The kernel answers EFAULT for a path (or an xattr name, a socket
 * address) it cannot read; the library reads the caller's string itself
 * before any system call, so an unreadable one would crash the program
 * instead.  un_user_str() (internal.h) decides first, cheaply:
 *
 *   - an address in the first page (NULL, (char *)1) is never mapped;
 *   - a page this thread already found readable, whose NUL lies in it,
 *     needs no system call: a per-thread cache of 16 pages (one slot for
 *     each page number modulo 16), forgotten
 *     whenever the program unmaps or protects memory (munmap, mremap and
 *     mprotect are wrapped here only to bump a generation counter);
 *   - anything else is copied with process_vm_readv from this process
 *     (the kernel's own reading: EFAULT exactly where it would fail), a
 *     page at a time up to the NUL or PATH_MAX bytes, and the pages read
 *     are remembered.  The same call reads a byte of each of the next
 *     AHEAD pages too, and the thread remembers the run of them found
 *     readable as one range, asked before any system call: git's
 *     threads stat names that lie one after another in large blocks of
 *     malloc's own mappings (the index), a new page every forty names,
 *     where the 16 pages missed one call in forty (bench/README.md
 *     "Session 9 (walks)").
 *
 *   - a string in the main heap, below sbrk(0), needs no system call
 *     either: the brk area is one readable mapping from the kernel's
 *     start_brk up.  That start is read from /proc/self/stat once the
 *     process missed the page cache a few times (a short-lived process
 *     never pays for it); an munmap, mprotect (without PROT_READ) or
 *     mremap that touches the heap makes the library stop trusting it
 *     for the rest of the process.  A heap shrunk by malloc's trim moves
 *     sbrk(0) down with it.
 *
 * What the cache cannot know: memory that libc unmaps by itself (free()
 * of a large block, a thread stack or a library going away) without
 * calling the exported munmap, and mappings made over known memory with
 * MAP_FIXED or guard pages installed by madvise.  A path left in such
 * memory is a use after free in the program; it is read as if still
 * there, and may crash where the kernel would answer EFAULT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "newsys.h"
#include "wrap.h"

unsigned long un_mem_gen = 1;
__thread uintptr_t un_mem_page[UN_MEM_SLOTS];
__thread unsigned long un_mem_page_gen;

/* Pages after a missed one read in the same call (one byte each). */
#define AHEAD 63
/* Misses of a thread before it reads ahead.  A byte of each page ahead
   faults that page in (get_user_pages: untouched heap, .rodata of a
   33 MiB cc1), ~14 us a call where a page alone costs ~1: a compiler's
   process misses some six times in its life and never came back to the
   pages read ahead.  A thread that misses this often is walking names
   (find's) and reads ahead from here on. */
#define AHEAD_AFTER 16
static __thread unsigned thread_misses;

static bool read_ahead_now(void)
{
	/* A process of threads reads ahead at once: git status's lstat
	   threads, sixteen misses each first, made +60 calls. */
	if (thread_misses >= AHEAD_AFTER || !__libc_single_threaded)
		return true;
	thread_misses++;
	return false;
}
/* The last run of pages found readable: [run_lo, run_hi), while
   un_mem_gen is run_gen. */
static __thread uintptr_t run_lo, run_hi;
static __thread unsigned long run_gen;

/* This process's pid for process_vm_readv: the cached one, but in a
   vfork child its own (reading the memory it shares with its parent
   as the parent's may be refused: Yama's ptrace scope). */
static pid_t self_for_read(void)
{
	return un_vforked() ? getpid() : un_self_pid();
}

uintptr_t un_heap_lo = UINTPTR_MAX;

/* The heap's state: not known yet (counting misses), being learnt, in
   un_heap_lo, or not trusted for good. */
enum { HEAP_UNKNOWN, HEAP_LEARNING, HEAP_ON, HEAP_OFF };
static int heap_state;
static unsigned heap_misses;

/* Misses of the page cache before the heap's start is read: a program
   that passes a few paths pays nothing for it. */
#define HEAP_LEARN_AFTER 8

/* The kernel's start_brk (field 47 of /proc/self/stat), or 0. */
static uintptr_t read_start_brk(void)
{
	char buf[1024];
	ssize_t len;
	char *p;
	int fd, field;

	fd = real_open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = real_read(fd, buf, sizeof(buf) - 1);
	real_close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* The name (field 2) may hold anything but ends at the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; field < 47; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return 0;
	}
	return (uintptr_t)strtoul(p + 1, NULL, 10);
}

/* After a miss of the page cache: learn the heap's start when the time
   has come (not in signal mode: it opens a file). */
static void heap_missed(void)
{
	int state = HEAP_UNKNOWN;
	uintptr_t lo;

	if (__atomic_load_n(&heap_state, __ATOMIC_RELAXED) != HEAP_UNKNOWN ||
	    un_in_signal() ||
	    __atomic_add_fetch(&heap_misses, 1, __ATOMIC_RELAXED) <
		    HEAP_LEARN_AFTER ||
	    !__atomic_compare_exchange_n(&heap_state, &state, HEAP_LEARNING,
					 false, __ATOMIC_SEQ_CST,
					 __ATOMIC_RELAXED))
		return;
	lo = read_start_brk();
	if (!lo || lo > (uintptr_t)sbrk(0)) {
		__atomic_store_n(&heap_state, HEAP_OFF, __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_store_n(&un_heap_lo, lo, __ATOMIC_SEQ_CST);
	state = HEAP_LEARNING;
	if (!__atomic_compare_exchange_n(&heap_state, &state, HEAP_ON, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		/* Dropped meanwhile (heap_touched). */
		__atomic_store_n(&un_heap_lo, UINTPTR_MAX, __ATOMIC_SEQ_CST);
}

/*
 * Before a fork: learn the heap now if it is still unknown.  A shell's
 * children pass it paths that lie in its heap (the program to exec),
 * but the shell itself seldom does: each child missed on its own, with
 * a getpid, a process_vm_readv and a page of its own written for the
 * count, and the parent never learnt.  A process that forks reads
 * /proc/self/stat once for all its children.
 */
void un_heap_learn(void)
{
	if (__atomic_load_n(&heap_state, __ATOMIC_RELAXED) != HEAP_UNKNOWN)
		return;
	__atomic_store_n(&heap_misses, HEAP_LEARN_AFTER, __ATOMIC_RELAXED);
	heap_missed();
}

/* The program unmaps, protects or moves [addr, addr + len): if that
   touches the heap (or, before its start is known, anything below the
   break), stop trusting the heap. */
static void heap_touched(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, lo;

	if (__atomic_load_n(&heap_state, __ATOMIC_SEQ_CST) == HEAP_OFF)
		return;
	lo = __atomic_load_n(&un_heap_lo, __ATOMIC_SEQ_CST);
	if (lo == UINTPTR_MAX)
		lo = 0;
	if (a >= (uintptr_t)sbrk(0) || (len && a + len <= lo))
		return;
	__atomic_store_n(&heap_state, HEAP_OFF, __ATOMIC_SEQ_CST);
	__atomic_store_n(&un_heap_lo, UINTPTR_MAX, __ATOMIC_SEQ_CST);
}

static void remember(uintptr_t page)
{
	unsigned long gen = __atomic_load_n(&un_mem_gen, __ATOMIC_ACQUIRE);

	if (un_mem_page_gen != gen) {
		memset(un_mem_page, 0, sizeof(un_mem_page));
		un_mem_page_gen = gen;
	}
	un_mem_page[(page / UN_PAGE_SIZE) % UN_MEM_SLOTS] = page;
}

/* Can this page be read?  (mincore: mapped or not; the fallback where
   process_vm_readv is refused, by a seccomp filter say.) */
static bool page_mapped(uintptr_t page)
{
	unsigned char vec;

	return mincore((void *)page, 1, &vec) == 0 || errno != ENOMEM;
}

/* s lies in the run of pages found readable last, its NUL too: its
   length, else -1. */
static ssize_t in_run(const char *s)
{
	uintptr_t a = (uintptr_t)s;
	size_t len;

	if (a < run_lo || a >= run_hi ||
	    run_gen != __atomic_load_n(&un_mem_gen, __ATOMIC_ACQUIRE))
		return -1;
	len = strnlen(s, run_hi - a < PATH_MAX ? run_hi - a : PATH_MAX);
	if (len == run_hi - a || len >= PATH_MAX)
		return -1;
	return (ssize_t)len;
}

ssize_t un_user_str_slow(const char *s)
{
	uintptr_t a = (uintptr_t)s, page_size = UN_PAGE_SIZE;
	size_t total = 0;
	char chunk[512], ahead[AHEAD];
	struct iovec local[2], remote[1 + AHEAD];
	pid_t pid;
	UN_SAVE_ERRNO;
	ssize_t rc = -ENAMETOOLONG;

	if (a < page_size) {
		rc = -EFAULT;
		goto out;
	}
	rc = in_run(s);
	if (rc >= 0) {
		remember(a & ~(page_size - 1));
		goto out;
	}
	rc = -ENAMETOOLONG;
	pid = self_for_read();
	while (total < PATH_MAX) {
		uintptr_t page = a & ~(page_size - 1);
		size_t n = page + page_size - a;
		int nahead = 0;
		ssize_t got;
		const char *nul;

		if (n > sizeof(chunk))
			n = sizeof(chunk);
		if (n > PATH_MAX - total)
			n = PATH_MAX - total;
		local[0].iov_base = chunk;
		local[0].iov_len = n;
		remote[0].iov_base = (void *)a;
		remote[0].iov_len = n;
		/* At the first page: a byte of each of the next pages (the
		   kernel stops at the first it cannot read: whole elements
		   only). */
		if (total == 0 && !un_in_signal() && read_ahead_now()) {
			for (; nahead < AHEAD; nahead++) {
				uintptr_t next = page + (uintptr_t)(nahead + 1) *
							       page_size;

				if (next < page)
					break;
				remote[1 + nahead].iov_base = (void *)next;
				remote[1 + nahead].iov_len = 1;
			}
			local[1].iov_base = ahead;
			local[1].iov_len = (size_t)nahead;
		}
		got = un_process_vm_readv(pid, local, nahead ? 2 : 1, remote,
					  1 + (unsigned long)nahead, 0);
		if (nahead && got >= (ssize_t)n) {
			/* The pages up to the first that failed. */
			run_lo = page;
			run_hi = page + (uintptr_t)(1 + (size_t)got - n) *
						page_size;
			run_gen = __atomic_load_n(&un_mem_gen,
						  __ATOMIC_ACQUIRE);
			got = (ssize_t)n;
		}
		if (got < 0 && errno != EFAULT) {
			/* Not allowed here: ask only whether it is mapped. */
			if (!page_mapped(page)) {
				rc = -EFAULT;
				goto out;
			}
			nul = memchr((const void *)a, 0, n);
		} else if (got != (ssize_t)n) {
			rc = -EFAULT;
			goto out;
		} else {
			nul = memchr(chunk, 0, n);
		}
		remember(page);
		if (nul) {
			rc = (ssize_t)(total + (size_t)(nul - (got < 0 ?
					(const char *)a : chunk)));
			goto out;
		}
		a += n;
		total += n;
	}
out:
	if (rc != -EFAULT)
		heap_missed();
	UN_RESTORE_ERRNO;
	return rc;
}

static bool known(uintptr_t page)
{
	return un_mem_page[(page / UN_PAGE_SIZE) % UN_MEM_SLOTS] == page &&
	       un_mem_page_gen == __atomic_load_n(&un_mem_gen,
						  __ATOMIC_RELAXED);
}

int un_user_mem(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, mask = ~(uintptr_t)(UN_PAGE_SIZE - 1);
	char chunk[256];
	UN_SAVE_ERRNO;
	int rc = 0;

	if (!len)
		return 0;
	if (a < UN_PAGE_SIZE || a + len < a)
		return -EFAULT;
	if (known(a & mask) && known((a + len - 1) & mask))
		return 0;
	/* (ls -la hands lgetxattr a heap buffer for every name.) */
	if (a >= __atomic_load_n(&un_heap_lo, __ATOMIC_ACQUIRE) &&
	    a + len <= (uintptr_t)sbrk(0))
		return 0;
	/* Every page the range touches: one byte of each. */
	for (uintptr_t page = a & mask; page <= ((a + len - 1) & mask);
	     page += UN_PAGE_SIZE) {
		uintptr_t at = page < a ? a : page;
		struct iovec local = { chunk, 1 }, remote = { (void *)at, 1 };

		if (un_process_vm_readv(self_for_read(), &local, 1, &remote, 1,
					0) != 1 &&
		    (errno == EFAULT || !page_mapped(page))) {
			rc = -EFAULT;
			break;
		}
		remember(page);
	}
	if (!rc)
		heap_missed();
	UN_RESTORE_ERRNO;
	return rc;
}

/* ---- the wrappers that make the cache forget ---- */

static void forget_pages(void)
{
	__atomic_add_fetch(&un_mem_gen, 1, __ATOMIC_RELEASE);
}

/* (Reached before the library is initialised too, from an allocator:
   then straight to the system call.) */
UN_EXPORT int munmap(void *addr, size_t len)
{
	forget_pages();
	heap_touched(addr, len);
	if (real_munmap)
		return real_munmap(addr, len);
	return (int)syscall(SYS_munmap, addr, len);
}

UN_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	forget_pages();
	if (!(prot & PROT_READ))
		heap_touched(addr, len);
	if (real_mprotect)
		return real_mprotect(addr, len, prot);
	return (int)syscall(SYS_mprotect, addr, len, prot);
}

UN_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags,
		       ...)
{
	void *new_addr = NULL;

	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		va_list ap;

		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	forget_pages();
	heap_touched(old, old_len);
	if (flags & MREMAP_FIXED)
		heap_touched(new_addr, new_len);
	if (real_mremap)
		return real_mremap(old, old_len, new_len, flags, new_addr);
	return (void *)syscall(SYS_mremap, old, old_len, new_len, flags,
			       new_addr);
}
