/*
 * nextsym.c - find the next definition of a function after libunion, as
 * dlsym(RTLD_NEXT) does, at a fraction of its cost.
 *
 * Every exec under the library resolves some 230 real functions.  Each
 * dlsym(RTLD_NEXT) walks the search list through the dynamic linker's
 * error-catching machinery (~850 instructions); all of them together were
 * over a third of the instructions a process spends in the library's
 * start-up.  Here the objects loaded after libunion (its link map's
 * successors: other preloaded libraries such as fakeroot's, then libc)
 * are read once, and each name is looked up in their GNU hash tables
 * directly (~100 instructions).
 *
 * The answer must be the one dlsym gives, or a wrapper would call the
 * wrong function.  So un_nextsym() answers NULL, and the caller asks
 * dlsym, whenever it is not sure: an object without a GNU hash table, an
 * indirect function (whose resolver dlsym would run), a name not found.
 * And un_nextsym_check() checks it against dlsym on a few names at the
 * first wrapper: any disagreement (an unusual load order) turns it off
 * for the process (real.c then finds every row again by dlsym).
 *
 * No libc call here: the first lookup may come from the constructor,
 * where each libc function the library first calls is bound by the
 * loader at some 800 instructions.
 *
 * Versions follow dlsym's rule for a name asked without one: a hidden
 * version (the old `realpath@GLIBC_2.2.5`) is never taken; the default
 * one (`realpath@@GLIBC_2.3`) or an unversioned definition is.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define MAX_OBJS 32

struct elf_obj {
	const ElfW(Sym) *symtab;
	const char *strtab;
	const ElfW(Half) *versym;	/* NULL: no versions */
	const uint32_t *gnu_hash;
	ElfW(Addr) base;
};

static struct elf_obj objs[MAX_OBJS];
static int nobjs;
static bool usable;

/* The dynamic linker rewrites most of an object's DT_* addresses to
   absolute ones; those of a read-only dynamic section (the vDSO's) stay
   offsets from the load address. */
UN_EXEC_TEXT static const void *dyn_addr(const struct link_map *l, ElfW(Addr) p)
{
	return (const void *)(p < l->l_addr ? p + l->l_addr : p);
}

UN_EXEC_TEXT static bool read_object(const struct link_map *l, struct elf_obj *o)
{
	*o = (struct elf_obj){ .base = l->l_addr };
	for (const ElfW(Dyn) *d = l->l_ld; d && d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB:
			o->symtab = dyn_addr(l, d->d_un.d_ptr);
			break;
		case DT_STRTAB:
			o->strtab = dyn_addr(l, d->d_un.d_ptr);
			break;
		case DT_VERSYM:
			o->versym = dyn_addr(l, d->d_un.d_ptr);
			break;
		case DT_GNU_HASH:
			o->gnu_hash = dyn_addr(l, d->d_un.d_ptr);
			break;
		}
	}
	return o->symtab && o->strtab && o->gnu_hash;
}

UN_EXEC_TEXT static uint32_t gnu_hash(const char *name)
{
	uint32_t h = 5381;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = h * 33 + *p;
	return h;
}

/* strcmp(a, b) == 0, by hand (see the head of the file). */
UN_EXEC_TEXT static bool same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

enum found { F_NONE, F_SYM, F_UNSURE };

/* The definition of name (hash h) in o that dlsym would take. */
UN_EXEC_TEXT static enum found lookup(const struct elf_obj *o, const char *name,
			 uint32_t h, void **addr)
{
	const uint32_t *ht = o->gnu_hash;
	uint32_t nbuckets = ht[0], symoffset = ht[1];
	uint32_t bloom_size = ht[2], bloom_shift = ht[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)&ht[4];
	const uint32_t *buckets = (const uint32_t *)&bloom[bloom_size];
	const uint32_t *chain = &buckets[nbuckets];
	const unsigned bits = sizeof(ElfW(Addr)) * 8;
	ElfW(Addr) word, mask;
	uint32_t i;

	if (!nbuckets || !bloom_size)
		return F_NONE;
	word = bloom[(h / bits) % bloom_size];
	mask = ((ElfW(Addr))1 << (h % bits)) |
	       ((ElfW(Addr))1 << ((h >> bloom_shift) % bits));
	if ((word & mask) != mask)
		return F_NONE;
	i = buckets[h % nbuckets];
	if (i < symoffset)
		return F_NONE;
	for (;; i++) {
		uint32_t h2 = chain[i - symoffset];
		const ElfW(Sym) *s = &o->symtab[i];

		if ((h | 1) == (h2 | 1) && same(o->strtab + s->st_name, name) &&
		    s->st_shndx != SHN_UNDEF &&
		    !(o->versym && (o->versym[i] & 0x8000))) {
			int type = ELF64_ST_TYPE(s->st_info);
			int bind = ELF64_ST_BIND(s->st_info);

			if (bind != STB_GLOBAL && bind != STB_WEAK)
				return F_UNSURE;
			if (type != STT_FUNC || !s->st_value)
				return F_UNSURE;	/* IFUNC, data... */
			*addr = (void *)(o->base + s->st_value);
			return F_SYM;
		}
		if (h2 & 1)
			return F_NONE;
	}
}

UN_EXEC_TEXT void *un_nextsym(const char *name)
{
	uint32_t h;

	if (!usable)
		return NULL;
	h = gnu_hash(name);
	for (int i = 0; i < nobjs; i++) {
		void *addr = NULL;

		switch (lookup(&objs[i], name, h, &addr)) {
		case F_SYM:
			return addr;
		case F_UNSURE:
			return NULL;
		case F_NONE:
			break;
		}
	}
	return NULL;
}

/* The ELF header of this object, where the linker put it: its address
   is the object's load address, l_addr of its link map. */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

static const char *self_path;

/*
 * This object's link map: found in the loader's list by its load
 * address (a few pointer compares), else by dladdr1 (which also looks
 * for the nearest symbol among all of ours: thousands of instructions).
 */
static struct link_map *self_map(void)
{
	struct link_map *self = NULL;
	Dl_info info;

	for (struct link_map *l = _r_debug.r_map; l; l = l->l_next)
		if (l->l_addr == (ElfW(Addr))&__ehdr_start &&
		    l->l_ld == _DYNAMIC)
			return l;
	if (!dladdr1((void *)un_nextsym_init, &info, (void **)&self,
		     RTLD_DL_LINKMAP))
		return NULL;
	return self;
}

bool un_nextsym_usable(void)
{
	return usable;
}

/* The relative name LD_PRELOAD gave the library by, when self_path was
   made whole from it (self_whole); else NULL. */
static const char *self_given;

const char *un_nextsym_self(void)
{
	return self_path;
}

const char *un_nextsym_self_given(void)
{
	return self_given;
}

/*
 * LD_PRELOAD named the library by a relative path (preload/.libs/
 * libunion.so), which the loader took from the cwd and kept as it is:
 * the children's LD_PRELOAD needs it whole, or a child started from
 * another cwd (or with an environment the program cleared) would run
 * without the library, on the real directories.  Made whole from the
 * cwd at the constructor, which is still the loader's.  NULL when that
 * cannot be done (then the children get the LD_PRELOAD they are given).
 */
static __attribute__((noinline)) const char *self_whole(const char *name)
{
	static char whole[PATH_MAX];
	UN_SAVE_ERRNO;	/* the program's, at a constructor */
	long n = syscall(SYS_getcwd, whole, sizeof(whole));
	size_t len, nlen = strlen(name);

	UN_RESTORE_ERRNO;
	if (n <= 0 || whole[0] != '/')
		return NULL;
	len = strlen(whole);
	if (len + 1 + nlen + 1 > sizeof(whole))
		return NULL;
	if (len > 1)
		whole[len++] = '/';
	memcpy(whole + len, name, nlen + 1);
	return whole;
}

UN_EXEC_TEXT void un_nextsym_init(void)
{
	struct link_map *self = self_map();

	usable = false;
	nobjs = 0;
	if (!self)
		return;
	if (self->l_name && self->l_name[0] == '/')
		self_path = self->l_name;
	else if (self->l_name && self->l_name[0] && !self_path) {
		self_path = self_whole(self->l_name);
		if (self_path)
			self_given = self->l_name;
	}
	for (const struct link_map *l = self->l_next; l; l = l->l_next) {
		if (nobjs == MAX_OBJS || !read_object(l, &objs[nobjs]))
			return;	/* one we cannot read: dlsym for all */
		nobjs++;
	}
	usable = true;
}

/*
 * Names every libc has, checked against dlsym before trusting the walk
 * for good: "stat" and "open" are also what fakeroot wraps.  Made at the
 * first wrapper, not at start: three dlsym are a tenth of what a process
 * that never calls a wrapper (a /bin/true) would spend in the library.
 */
void un_nextsym_check(void)
{
	static const char *const probes[] = { "open", "stat", "realpath" };

	for (size_t i = 0; usable && i < sizeof(probes) / sizeof(probes[0]);
	     i++)
		if (un_nextsym(probes[i]) != dlsym(RTLD_NEXT, probes[i]))
			usable = false;
}
