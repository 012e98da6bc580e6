/*
 * unwrapped.c - programs the preload cannot follow.
 *
 * LD_PRELOAD reaches only dynamically linked programs, and the loader
 * drops it for a program that gains privileges (setuid or setgid to
 * another identity, or file capabilities for a user other than root:
 * the kernel marks all of these AT_SECURE).  Such a program run from a
 * union would see, and write, the real directories: the lowers
 * included.  So exec refuses them, with one line on stderr naming the
 * program and why, and EPERM, unless the user says otherwise in
 * UNION_UNWRAPPED_EXEC:
 *
 *   (unset)  run a static or Go program under the seccomp supervisor
 *            (supervised.c) where $UNION_SUPERVISOR names one, as
 *            `union run` sets it; refuse it where none is named, and
 *            refuse every setuid or capable program;
 *   refuse   refuse every such program, supervisor or not;
 *   outside  run those that lie outside every MERGED (the user vouches
 *            that they touch no union);
 *   allow    run them all.
 *
 * A static program is an ELF executable without a PT_INTERP program
 * header (static-pie included).  A dynamically linked program can still
 * make its file calls by raw system calls: every Go program does (its
 * runtime calls the kernel itself, cgo or not; Debian's `go` command is
 * one), and is refused the same way.  A Go program is recognised by its
 * ELF note of the owner "Go" (.note.go.buildid, in a PT_NOTE segment)
 * or, where the build id was left out (-ldflags=-buildid=), by a section
 * named .go.buildinfo or .note.go.buildid.  A program that issues raw
 * system calls any other way (inline `syscall` instructions, another
 * runtime that bypasses libc, a Go program stripped of its section
 * headers and build id) cannot be told from its headers and runs loose.
 */
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "union_elf.h"
#include "wrap.h"

/*
 * Every exec makes this check, mostly in the child of a shell's fork,
 * so it calls libc through pointers the parent has already found
 * (real.c's un_real_fork): a libc function first called in the child
 * would be bound there by the loader, at a dozen page faults each time.
 * And through one function, syscall(): the child of a fork has none of
 * libc's code mapped, and each 64 KiB of it first run there is a page
 * fault (open, fstat, close and fgetxattr lie apart in libc; glibc's
 * fstat is fstatat(fd, "", ...), whose "" the kernel reads from one
 * more page of libc).
 */
UN_EXEC_TEXT static ssize_t read_at(int fd, void *buf, size_t len, uint64_t off)
{
	return real_syscall(SYS_pread64, fd, buf, len, (off_t)off);
}

UN_EXEC_TEXT static uid_t euid(void)
{
	return (uid_t)real_syscall(SYS_geteuid);
}

UN_EXEC_TEXT static gid_t egid(void)
{
	return (gid_t)real_syscall(SYS_getegid);
}

UN_EXEC_TEXT static int open_ro(const char *path)
{
	return (int)real_syscall(SYS_openat, AT_FDCWD, path,
				 O_RDONLY | O_CLOEXEC);
}

UN_EXEC_TEXT static void close_fd(int fd)
{
	real_syscall(SYS_close, fd);
}

UN_EXEC_TEXT static int fstat_fd(int fd, struct stat *st)
{
#if defined(__x86_64__)
	/* (the kernel's struct stat is libc's there) */
	return (int)real_syscall(SYS_fstat, fd, st);
#else
	return real_fstat(fd, st);
#endif
}

/*
 * The memo's stat of the program, in every exec a shell's child makes:
 * the system call itself, not by libc's syscall(), whose code lay in a
 * 64 KiB window of libc's text the child touched for nothing else, a
 * page fault of every exec (exec_str.h; bench/README.md "Session 16
 * (exec)").  The other calls here come after a miss of the memo only.
 */
UN_EXEC_TEXT static int stat_path(const char *path, struct stat *st)
{
#if defined(__x86_64__)
	long rc;
	register long r10 __asm__("r10") = 0;

	__asm__ volatile("syscall"
			 : "=a"(rc)
			 : "0"((long)SYS_newfstatat), "D"((long)AT_FDCWD),
			   "S"(path), "d"(st), "r"(r10)
			 : "rcx", "r11", "memory");
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return 0;
#else
	return real_stat(path, st);
#endif
}

/* ---- the programs checked already ---- */

/*
 * A shell's children exec the same few programs again and again, and
 * the check below costs each child six system calls (open, two reads,
 * fstat, geteuid, close).  So a dynamic ELF program that passed is
 * remembered by its file's identity: device, inode, size, and the times
 * of its last change of content (mtime) and of anything else (ctime: a
 * chmod, chown, a setxattr of security.capability, a link or rename).
 * The next exec of a file so identified costs one stat; a file changed
 * in any of these ways is a stranger, checked again.  The setuid and
 * setgid bits are looked at in that stat on every exec (whether they
 * matter depends on who runs it: no program that has one is
 * remembered), and file capabilities were looked for when the program
 * was remembered, whoever ran it (root's check skips that look).
 *
 * Remembered in this process's memory (memo), which a fork's child reads
 * without a page fault (the page is the parent's, shared until written),
 * and reported by a child, whose memory its exec throws away, through a
 * page shared with its parent (reports: MAP_SHARED, made at the
 * parent's first fork), which the parent takes into its memo before its
 * next fork (un_exec_memo_fork).  Each slot is written under its own
 * sequence count, odd while written: a writer that finds it odd leaves
 * it, a reader that sees it odd or moved takes it for empty (another
 * thread, a signal handler or a sibling may exec meanwhile).
 */
#define MEMO_SLOTS 8
#define ID_WORDS 7

struct memo_slot {
	unsigned long seq;	/* 0: never written; odd: being written */
	uint64_t id[ID_WORDS];
};

struct memo {
	unsigned long gen;	/* moved by each write */
	unsigned next;		/* the slot the next program takes */
	struct memo_slot slot[MEMO_SLOTS];
};

static struct memo memo;	/* this process's */
static struct memo *reports;	/* shared with the children, or NULL */
static unsigned long reports_seen; /* reports->gen at the last look */

UN_EXEC_TEXT static void prog_id(const struct stat *st,
				 uint64_t id[ID_WORDS])
{
	id[0] = (uint64_t)st->st_dev;
	id[1] = (uint64_t)st->st_ino;
	id[2] = (uint64_t)st->st_size;
	id[3] = (uint64_t)st->st_mtim.tv_sec;
	id[4] = (uint64_t)st->st_mtim.tv_nsec;
	id[5] = (uint64_t)st->st_ctim.tv_sec;
	id[6] = (uint64_t)st->st_ctim.tv_nsec;
}

/* The identity slot s holds, read whole, into id: false when empty or
   written meanwhile. */
UN_EXEC_TEXT static bool slot_read(struct memo_slot *s, uint64_t id[ID_WORDS])
{
	unsigned long seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	if (!seq || (seq & 1))
		return false;
	for (int i = 0; i < ID_WORDS; i++)
		id[i] = __atomic_load_n(&s->id[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
}

UN_EXEC_TEXT static bool memo_holds(struct memo *m,
				    const uint64_t id[ID_WORDS])
{
	uint64_t seen[ID_WORDS];

	for (int i = 0; i < MEMO_SLOTS; i++)
		if (slot_read(&m->slot[i], seen) &&
		    !memcmp(seen, id, sizeof(seen)))
			return true;
	return false;
}

/* Remember id in m, unless it is there (or its slot is being written). */
UN_EXEC_TEXT static void memo_put(struct memo *m,
				  const uint64_t id[ID_WORDS])
{
	struct memo_slot *s;
	unsigned long seq;

	if (memo_holds(m, id))
		return;
	s = &m->slot[__atomic_fetch_add(&m->next, 1, __ATOMIC_RELAXED) %
		     MEMO_SLOTS];
	seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	if ((seq & 1) ||
	    !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	/* (the odd count before the identity, for every reader) */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (int i = 0; i < ID_WORDS; i++)
		__atomic_store_n(&s->id[i], id[i], __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
	__atomic_fetch_add(&m->gen, 1, __ATOMIC_RELEASE);
}

/* A program that passed the check, as fstat of its descriptor saw it. */
UN_EXEC_TEXT static void memo_remember(const struct stat *st)
{
	uint64_t id[ID_WORDS];

	prog_id(st, id);
	memo_put(&memo, id);
	if (reports)
		memo_put(reports, id);
}

/* 1: the memo holds the program at real; 0: a stranger; -ENOENT or
   -ENOTDIR: nothing there, as the stat found (errno kept). */
UN_EXEC_TEXT static int memo_look(const char *real)
{
	uint64_t id[ID_WORDS];
	struct stat st;
	int saved = errno, rc;

	if (stat_path(real, &st) != 0) {
		rc = errno == ENOENT || errno == ENOTDIR ? -errno : 0;
		errno = saved;
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_ISUID | S_ISGID)))
		return 0;
	prog_id(&st, id);
	return memo_holds(&memo, id);
}

UN_EXEC_TEXT bool un_exec_known(const char *real)
{
	return memo_look(real) > 0;
}

UN_EXEC_TEXT bool un_exec_known_st(const struct stat *st)
{
	uint64_t id[ID_WORDS];

	if (!S_ISREG(st->st_mode) || (st->st_mode & (S_ISUID | S_ISGID)))
		return false;
	prog_id(st, id);
	return memo_holds(&memo, id);
}

void un_exec_memo_fork(void)
{
	uint64_t id[ID_WORDS];
	unsigned long gen;

	if (!reports) {
		struct memo *m, *none = NULL;
		UN_SAVE_ERRNO;

		if (un_in_signal())
			return;
		m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		UN_RESTORE_ERRNO;
		if (m == MAP_FAILED)
			return;
		if (!__atomic_compare_exchange_n(&reports, &none, m, false,
						 __ATOMIC_RELEASE,
						 __ATOMIC_RELAXED))
			munmap(m, sizeof(*m));	/* another thread's */
		return;
	}
	gen = __atomic_load_n(&reports->gen, __ATOMIC_ACQUIRE);
	if (gen == __atomic_load_n(&reports_seen, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&reports_seen, gen, __ATOMIC_RELAXED);
	for (int i = 0; i < MEMO_SLOTS; i++)
		if (slot_read(&reports->slot[i], id))
			memo_put(&memo, id);
}

/* What the ELF headers say about a program, for the refusal. */
enum elf_kind {
	ELF_PLAIN,	/* not ELF, or not a program: the exec will say */
	ELF_DYNAMIC,	/* dynamic, file calls through libc */
	ELF_STATIC,	/* no program interpreter */
	ELF_GO,		/* dynamic, but a Go program: raw system calls */
};

/*
 * len bytes of the file at off: from buf (the file's first n bytes) when
 * they lie there, else read into room (of at least len bytes).  NULL
 * when unreadable.
 */
UN_EXEC_TEXT static const unsigned char *file_bytes(int fd, const unsigned char *buf,
				       size_t n, uint64_t off, size_t len,
				       unsigned char *room)
{
	if (off <= n && len <= n - off)
		return buf + off;
	if (read_at(fd, room, len, off) != (ssize_t)len)
		return NULL;
	return room;
}

/* A 32- or 64-bit field of a header, in the file's own class. */
UN_EXEC_TEXT static uint64_t field(const unsigned char *p, bool is64, size_t off64,
		      size_t off32, size_t size32)
{
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	if (is64) {
		memcpy(&v64, p + off64, sizeof(v64));
		return v64;
	}
	if (size32 == 2) {
		memcpy(&v16, p + off32, sizeof(v16));
		return v16;
	}
	memcpy(&v32, p + off32, sizeof(v32));
	return v32;
}

#define PH_FIELD(p, f) \
	field(p, is64, offsetof(Elf64_Phdr, f), offsetof(Elf32_Phdr, f), 4)
#define SH_FIELD(p, f) \
	field(p, is64, offsetof(Elf64_Shdr, f), offsetof(Elf32_Shdr, f), 4)

/*
 * Does a section bear a Go name (.go.buildinfo, which every Go program
 * since Go 1.13 has even when its build id was left out, or
 * .note.go.buildid)?  The section headers and their string table lie at
 * the end of the file, the table just before the headers (as both the
 * GNU and the Go linkers write them): one read of the tail takes both.
 * One page of it (64 section headers, where a Go program has 15 to 40):
 * this runs in every child a shell forks, where each page of stack the
 * read fills costs a fault.
 */
UN_EXEC_TEXT static bool sections_have_go(int fd, bool is64, uint64_t shoff,
			     size_t shentsize, size_t shnum, size_t shstrndx)
{
	unsigned char tail[4096], room[1024];
	const unsigned char *sh, *names;
	uint64_t start, end, stroff, strsize;
	size_t minsize = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	ssize_t got;

	if (!shoff || !shnum || shentsize < minsize || shstrndx >= shnum ||
	    shnum > 4096)
		return false;
	end = shoff + (uint64_t)shentsize * shnum;
	start = end > sizeof(tail) ? end - sizeof(tail) : 0;
	if (start > shoff)
		return false;	/* over 64 sections: give up */
	got = read_at(fd, tail, end - start, start);
	if (got != (ssize_t)(end - start))
		return false;
	sh = tail + (shoff - start) + shstrndx * shentsize;
	stroff = SH_FIELD(sh, sh_offset);
	strsize = SH_FIELD(sh, sh_size);
	if (strsize > sizeof(room))
		strsize = sizeof(room);
	if (stroff >= start && stroff + strsize <= end)
		names = tail + (stroff - start);
	else if (read_at(fd, room, strsize, stroff) == (ssize_t)strsize)
		names = room;
	else
		return false;
	for (size_t i = 0; i < shnum; i++) {
		uint32_t name;	/* sh_name: 4 bytes first in both classes */
		const char *s;
		size_t left;

		memcpy(&name, tail + (shoff - start) + i * shentsize,
		       sizeof(name));
		if (name >= strsize)
			continue;
		s = (const char *)names + name;
		left = strsize - name;
		/* (most names fail at their second or seventh byte) */
		if (left < sizeof(".go.buildinfo") ||
		    (s[1] != 'g' && (s[1] != 'n' || s[6] != 'g')))
			continue;
		if ((left > sizeof(".go.buildinfo") - 1 &&
		     !memcmp(s, ".go.buildinfo", sizeof(".go.buildinfo"))) ||
		    (left > sizeof(".note.go.buildid") - 1 &&
		     !memcmp(s, ".note.go.buildid",
			     sizeof(".note.go.buildid"))))
			return true;
	}
	return false;
}

/*
 * What kind of program the ELF file is.  Every exec pays for this look:
 * the file's first n bytes (buf, read by un_exec_head_read) hold the
 * header and, in any usual program, every program header and note
 * segment with it; a dynamic program without a Go note costs one more
 * read, of its section headers and their names.
 */
UN_EXEC_TEXT static enum elf_kind elf_kind(int fd, const unsigned char *buf, size_t n)
{
	unsigned char room[512];
	uint64_t phoff, shoff;
	size_t phentsize, phnum, shentsize, shnum, shstrndx;
	bool is64, interp = false, go = false;
	uint16_t type;

	if (n < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return ELF_PLAIN;
	is64 = buf[EI_CLASS] == ELFCLASS64;
	if (is64 && n >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		type = eh.e_type;
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
		shoff = eh.e_shoff;
		shentsize = eh.e_shentsize;
		shnum = eh.e_shnum;
		shstrndx = eh.e_shstrndx;
	} else if (buf[EI_CLASS] == ELFCLASS32 && n >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		type = eh.e_type;
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
		shoff = eh.e_shoff;
		shentsize = eh.e_shentsize;
		shnum = eh.e_shnum;
		shstrndx = eh.e_shstrndx;
	} else {
		return ELF_PLAIN;
	}
	if (type != ET_EXEC && type != ET_DYN)
		return ELF_PLAIN;
	if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return ELF_PLAIN;
	for (size_t i = 0; i < phnum && i < 4096; i++) {
		const unsigned char *ph = file_bytes(fd, buf, n,
						     phoff + i * phentsize,
						     phentsize > sizeof(room) ?
						     sizeof(room) : phentsize,
						     room);
		uint32_t ptype;

		if (!ph)
			return ELF_PLAIN;
		memcpy(&ptype, ph, sizeof(ptype));
		if (ptype == PT_INTERP) {
			interp = true;
		} else if (ptype == PT_NOTE && !go) {
			uint64_t off = PH_FIELD(ph, p_offset);
			uint64_t len = PH_FIELD(ph, p_filesz);
			const unsigned char *note;

			if (len > sizeof(room))
				len = sizeof(room);
			note = file_bytes(fd, buf, n, off, len, room);
			go = note && union_notes_have_go(note, len);
		}
	}
	/* A shared library is ET_DYN without PT_INTERP too, but nobody
	   executes one; a static-pie executable is what this finds (and a
	   Go program linked by Go alone, without cgo). */
	if (!interp)
		return ELF_STATIC;
	if (go || sections_have_go(fd, is64, shoff, shentsize, shnum, shstrndx))
		return ELF_GO;
	return ELF_DYNAMIC;
}

/*
 * 1 when the file carries file capabilities (security.capability) that
 * the kernel grants at exec, so that it marks a program run by anyone
 * but root AT_SECURE and the loader ignores LD_PRELOAD.  Root already
 * holds every capability: nothing is gained, LD_PRELOAD is kept.
 */
UN_EXEC_TEXT static bool has_caps(int fd)
{
	return real_syscall(SYS_fgetxattr, fd, "security.capability", NULL,
			    0) > 0;
}

UN_EXEC_TEXT static int gains_caps(int fd, bool *looked)
{
	*looked = euid() != 0;
	return *looked && has_caps(fd);
}

/* The policy: in the environment the program gets, else in ours. */
extern char **environ;

/* The value of UNION_UNWRAPPED_EXEC in env, or NULL (by hand, as getenv
   would: see the head of this file). */
UN_EXEC_TEXT static const char *policy_in(char *const env[])
{
	static const char name[] UN_EXEC_RODATA = "UNION_UNWRAPPED_EXEC=";

	for (size_t i = 0; env && env[i]; i++) {
		const char *e = env[i], *n = name;

		if (*e != 'U')
			continue;
		while (*n && *e == *n) {
			e++;
			n++;
		}
		if (!*n)
			return e;
	}
	return NULL;
}

UN_EXEC_TEXT static const char *policy_of(char *const envp[])
{
	const char *policy = policy_in(envp);

	return policy ? policy : policy_in(environ);
}

/* Say why the program is refused (its own frame: the line is long, and
   the check itself runs in every child a shell forks). */
static __attribute__((noinline)) int refuse(const char *shown,
					    const char *why)
{
	char line[PATH_MAX + 256];
	int len;

	len = snprintf(line, sizeof(line),
		       "libunion: refusing to run %s: %s, so it would see "
		       "and change the real directories "
		       "(UNION_UNWRAPPED_EXEC=outside or =allow runs it)\n",
		       shown, why);
	if (len > 0 && write(2, line, (size_t)len < sizeof(line) ?
					      (size_t)len : sizeof(line) - 1) < 0)
		return -EPERM;
	return -EPERM;
}

/* Does the policy let the program run unchecked? */
UN_EXEC_TEXT static bool policy_lets(const char *policy, bool in_union)
{
	return policy && (!strcmp(policy, "allow") ||
			  (!strcmp(policy, "outside") && !in_union));
}

UN_EXEC_TEXT void un_exec_head_read(const char *real, struct un_exec_head *h)
{
	ssize_t got;

	h->n = 0;
	h->fd = open_ro(real);
	if (h->fd < 0)
		return;
	got = read_at(h->fd, h->buf, sizeof(h->buf), 0);
	if (got > 0)
		h->n = (size_t)got;
}

UN_EXEC_TEXT int un_exec_check(const char *real, const char *shown, bool in_union,
		  char *const argv[], char *const envp[])
{
	struct un_exec_head h;

	if (policy_lets(policy_of(envp), in_union) || un_exec_known(real))
		return 0;
	un_exec_head_read(real, &h);
	return un_exec_check_head(&h, real, shown, in_union, argv, envp);
}

/*
 * The same for a program named by a path outside every union, which
 * the exec hands the kernel as it is: a path that leads to nothing is
 * answered with the memo's stat's ENOENT or ENOTDIR, the exec's own
 * answer, without the open, the environment's build and the exec
 * itself.  A PATH search (execvp in a vfork child, posix_spawnp) tries
 * each directory in turn, and most of them hold no such name.
 */
UN_EXEC_TEXT int un_exec_check_outside(const char *real, const char *shown,
				       char *const argv[],
				       char *const envp[])
{
	struct un_exec_head h;
	int rc;

	if (policy_lets(policy_of(envp), false))
		return 0;
	rc = memo_look(real);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	un_exec_head_read(real, &h);
	return un_exec_check_head(&h, real, shown, false, argv, envp);
}

UN_EXEC_TEXT int un_exec_check_head(struct un_exec_head *h, const char *real,
		       const char *shown, bool in_union, char *const argv[],
		       char *const envp[])
{
	const char *policy = policy_of(envp);
	const char *why = NULL;
	bool supervisable = false, caps_looked = false, stated;
	enum elf_kind kind = ELF_PLAIN;
	struct stat st;
	int fd = h->fd;

	if (fd < 0)
		return 0;	/* the exec itself will say why */
	h->fd = -1;
	if (policy_lets(policy, in_union)) {
		close_fd(fd);
		return 0;
	}
	stated = fstat_fd(fd, &st) == 0;
	if (stated &&
	    (((st.st_mode & S_ISUID) && st.st_uid != euid()) ||
	     ((st.st_mode & S_ISGID) && st.st_gid != egid())))
		why = "it is setuid or setgid, and the loader drops LD_PRELOAD";
	else if (gains_caps(fd, &caps_looked))
		why = "it has file capabilities, and the loader drops "
		      "LD_PRELOAD";
	else
		switch ((kind = elf_kind(fd, h->buf, h->n))) {
		case ELF_STATIC:
			why = "it is statically linked, and LD_PRELOAD cannot "
			      "reach it";
			supervisable = true;
			break;
		case ELF_GO:
			why = "it is a Go program, whose file calls bypass "
			      "libc, and LD_PRELOAD cannot reach them";
			supervisable = true;
			break;
		case ELF_PLAIN:
		case ELF_DYNAMIC:
			break;
		}
	/* Only a dynamic ELF program is remembered: a script's #! line is
	   read on every exec (exec.c), and its interpreter checked. */
	if (!why && kind == ELF_DYNAMIC && stated && S_ISREG(st.st_mode) &&
	    !(st.st_mode & (S_ISUID | S_ISGID)) &&
	    (caps_looked || !has_caps(fd)))
		memo_remember(&st);
	close_fd(fd);
	if (!why)
		return 0;
	/* Under the supervisor (supervised.c), unless refused outright;
	   it does not return when it runs. */
	if (supervisable && !(policy && !strcmp(policy, "refuse"))) {
		int rc = un_exec_supervised(real, argv, envp);

		if (rc > 0)
			return 0;	/* supervised already */
		if (rc != -ENOENT)
			why = "the supervisor cannot be started";
	}
	return refuse(shown, why);
}
