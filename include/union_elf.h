/*
 * union_elf.h - how a Go program is known by its ELF notes, for the
 * library's exec check (preload/unwrapped.c) and the supervisor's
 * (tools/supervise_elf.c), which must agree on what runs supervised.
 */
#ifndef UNION_ELF_H
#define UNION_ELF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * Does a note segment (len bytes) hold a note of the owner "Go"?  The Go
 * linker writes its build id there (.note.go.buildid), also when the
 * host's linker links a cgo program; it pads the owner's name to
 * "Go\0\0" (namesz 4), where the ELF convention would give 3.
 */
static inline bool union_notes_have_go(const unsigned char *p, size_t len)
{
	size_t off = 0;

	while (off + 12 <= len) {
		uint32_t namesz, descsz;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		off += 12;
		if (namesz > len - off)
			return false;
		if ((namesz == 3 || namesz == 4) && !memcmp(p + off, "Go", 3))
			return true;
		off += ((size_t)namesz + 3) & ~(size_t)3;
		if (descsz > len - off)
			return false;
		off += ((size_t)descsz + 3) & ~(size_t)3;
	}
	return false;
}

#endif
