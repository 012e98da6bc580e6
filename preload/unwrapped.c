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
 *   refuse   (the default) refuse every such program;
 *   outside  run those that lie outside every MERGED (the user vouches
 *            that they touch no union);
 *   allow    run them all.
 *
 * A static program is an ELF executable without a PT_INTERP program
 * header (static-pie included).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "wrap.h"

/*
 * The 4-byte type of the program header at off, from buf (the file's
 * first n bytes) when it lies there, else read; -1 when unreadable.
 */
static int64_t ph_type(int fd, const unsigned char *buf, size_t n,
		       size_t off)
{
	uint32_t ptype;

	if (off + sizeof(ptype) <= n)
		memcpy(&ptype, buf + off, sizeof(ptype));
	else if (pread(fd, &ptype, sizeof(ptype), off) != sizeof(ptype))
		return -1;
	return ptype;
}

/*
 * 1 when the ELF file has no program interpreter, 0 otherwise.  Every
 * exec pays for this look: one read takes the header and, in any usual
 * program, every program header with it.
 */
static int is_static_elf(int fd)
{
	unsigned char buf[1024];
	size_t phoff, phentsize, phnum, n;
	ssize_t got = pread(fd, buf, sizeof(buf), 0);
	uint16_t type;

	if (got < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return 0;
	n = got;
	if (buf[EI_CLASS] == ELFCLASS64 && n >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		type = eh.e_type;
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
	} else if (buf[EI_CLASS] == ELFCLASS32 && n >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		type = eh.e_type;
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
	} else {
		return 0;
	}
	if (type != ET_EXEC && type != ET_DYN)
		return 0;
	for (size_t i = 0; i < phnum && i < 4096; i++) {
		int64_t ptype = ph_type(fd, buf, n, phoff + i * phentsize);

		if (ptype == PT_INTERP || ptype < 0)
			return 0;
	}
	/* A shared library is ET_DYN without PT_INTERP too, but nobody
	   executes one; a static-pie executable is what this finds. */
	return 1;
}

/*
 * 1 when the file carries file capabilities (security.capability) that
 * the kernel grants at exec, so that it marks a program run by anyone
 * but root AT_SECURE and the loader ignores LD_PRELOAD.  Root already
 * holds every capability: nothing is gained, LD_PRELOAD is kept.
 */
static int gains_caps(int fd)
{
	if (geteuid() == 0)
		return 0;
	return fgetxattr(fd, "security.capability", NULL, 0) > 0;
}

/* The policy: in the environment the program gets, else in ours. */
static const char *policy_of(char *const envp[])
{
	static const char name[] = "UNION_UNWRAPPED_EXEC=";

	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, sizeof(name) - 1))
			return envp[i] + sizeof(name) - 1;
	return getenv("UNION_UNWRAPPED_EXEC");
}

int un_exec_check(const char *real, const char *shown, bool in_union,
		  char *const envp[])
{
	const char *policy = policy_of(envp);
	const char *why = NULL;
	struct stat st;
	char line[PATH_MAX + 256];
	int fd, len;

	if (policy && !strcmp(policy, "allow"))
		return 0;
	if (policy && !strcmp(policy, "outside") && !in_union)
		return 0;
	fd = real_open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* the exec itself will say why */
	if (real_fstat(fd, &st) == 0 &&
	    (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
	     ((st.st_mode & S_ISGID) && st.st_gid != getegid())))
		why = "it is setuid or setgid, and the loader drops LD_PRELOAD";
	else if (gains_caps(fd))
		why = "it has file capabilities, and the loader drops "
		      "LD_PRELOAD";
	else if (is_static_elf(fd))
		why = "it is statically linked, and LD_PRELOAD cannot reach it";
	real_close(fd);
	if (!why)
		return 0;
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
