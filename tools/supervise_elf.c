/*
 * supervise_elf.c - what kind of program an executable is, for the
 * supervisor: a process of a dynamic program that has libunion loaded
 * is the library's, every other one is supervised.  Go programs make
 * raw system calls even when dynamically linked: they are known by
 * their ELF note of the owner "Go" (.note.go.buildid).  This is the
 * test preload/unwrapped.c makes at exec, reduced to what a running
 * program's file needs (64-bit, notes in the first page).
 */
#include <elf.h>
#include <string.h>
#include <unistd.h>

#include "union_elf.h"
#include "supervise.h"

enum sv_elf sv_elf_kind(int fd)
{
	unsigned char buf[4096], note[1024];
	Elf64_Ehdr eh;
	bool interp = false, go = false;
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (n < (ssize_t)sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG) ||
	    buf[EI_CLASS] != ELFCLASS64)
		return SV_ELF_PLAIN;
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_phentsize < sizeof(Elf64_Phdr))
		return SV_ELF_PLAIN;
	for (size_t i = 0; i < eh.e_phnum && i < 256; i++) {
		Elf64_Phdr ph;
		uint64_t off = eh.e_phoff + i * eh.e_phentsize;
		ssize_t got;

		if (off + sizeof(ph) > (uint64_t)n)
			break;
		memcpy(&ph, buf + off, sizeof(ph));
		if (ph.p_type == PT_INTERP) {
			interp = true;
		} else if (ph.p_type == PT_NOTE && !go) {
			size_t len = ph.p_filesz < sizeof(note) ?
					     ph.p_filesz : sizeof(note);

			got = pread(fd, note, len, (off_t)ph.p_offset);
			go = got == (ssize_t)len &&
			     union_notes_have_go(note, len);
		}
	}
	if (!interp)
		return SV_ELF_STATIC;
	return go ? SV_ELF_GO : SV_ELF_PLAIN;
}
