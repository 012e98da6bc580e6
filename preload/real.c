/*
 * real.c - resolve the real libc functions behind every syms.def row.
 *
 * The next definition after libunion in the search order: libc's (or
 * another preloaded library's, such as fakeroot's, which then chains
 * on), found by nextsym.c's walk of the hash tables, or by
 * dlsym(RTLD_NEXT) where that walk is not sure.  A failed dlsym allocates
 * for dlerror, so everything is resolved once, at initialisation, never
 * from inside a wrapper that malloc might reach.  A symbol this libc
 * lacks stays NULL and its wrapper answers ENOSYS.
 */
#include <dlfcn.h>

#include "internal.h"

#define UN_SPECIAL(ret, name, params) ret(*real_##name) params;
#define UN_READ(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_READ_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_CHANGE(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_CHANGE_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_MAKE(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#define UN_MAKE_AT(ret, name, params, ...) UN_SPECIAL(ret, name, params)
#include "syms.def"
#undef UN_SPECIAL

static void *next(const char *name)
{
	void *addr = un_nextsym(name);

	return addr ? addr : dlsym(RTLD_NEXT, name);
}

void un_real_init(void)
{
	un_nextsym_init();
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
