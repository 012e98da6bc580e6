/*
 * wrap_simple.c - the wrappers generated from syms.def's template rows.
 *
 * Each template is one pattern of the overlay (read an object where it
 * lies; copy it up and change it; make a new name in the upper).  In a
 * row's args, the parameter names `path` and `dirfd` are rebound, in an
 * inner block, to the translated path and descriptor before the real
 * function is called, so each row reads like the call it forwards.
 */
#include <unistd.h>

#include "wrap.h"

#define UN_SPECIAL(ret, name, params)

#define UN_READ(ret, name, params, path, args, lkflags, fix, fixarg)        \
	UN_EXPORT ret name params                                          \
	{                                                                  \
		struct un_node un_n;                                       \
		ret un_r;                                                  \
		int un_rc;                                                 \
		if (!un_enter())                                           \
			return real_##name args;                           \
		un_rc = un_lookup(AT_FDCWD, path, lkflags, &un_n);         \
		if (un_rc > 0) {                                           \
			const char *path = un_n.kpath;                     \
			un_r = real_##name args;                           \
		} else if (un_rc < 0) {                                    \
			un_r = un_fail(un_rc);                             \
		} else if (un_n.layer < 0) {                               \
			un_r = un_fail(-ENOENT);                           \
		} else {                                                   \
			const char *path = un_n.real;                      \
			un_r = real_##name args;                           \
			if (un_r >= 0)                                     \
				fix(&un_n, fixarg);                        \
		}                                                          \
		un_leave();                                                \
		return un_r;                                               \
	}

#define UN_CHANGE_BODY(ret, name, dirfd_lookup, path, args, lkflags,       \
		       rebind_dirfd)                                       \
	{                                                                  \
		struct un_node un_n;                                       \
		ret un_r;                                                  \
		int un_rc;                                                 \
		if (!un_enter())                                           \
			return real_##name args;                           \
		un_rc = un_lookup(dirfd_lookup, path, lkflags, &un_n);     \
		if (un_rc > 0) {                                           \
			const char *path = un_n.kpath;                     \
			un_r = real_##name args;                           \
		} else if (un_rc < 0) {                                    \
			un_r = un_fail(un_rc);                             \
		} else if (un_n.layer < 0) {                               \
			un_r = un_fail(-ENOENT);                           \
		} else if ((un_rc = un_copy_up(&un_n)) < 0) {              \
			un_r = un_fail(un_rc);                             \
		} else {                                                   \
			rebind_dirfd                                       \
			const char *path = un_n.real;                      \
			un_r = real_##name args;                           \
		}                                                          \
		un_leave();                                                \
		return un_r;                                               \
	}

#define UN_CHANGE(ret, name, params, path, args, lkflags)                  \
	UN_EXPORT ret name params UN_CHANGE_BODY(ret, name, AT_FDCWD, path, \
						 args, lkflags, )

#define UN_CHANGE_AT(ret, name, params, dirfd, path, args, lkflags)        \
	UN_EXPORT ret name params UN_CHANGE_BODY(                          \
		ret, name, dirfd, path, args, lkflags,                     \
		int dirfd = AT_FDCWD; (void)dirfd;)

#define UN_MAKE_BODY(ret, name, dirfd_lookup, path, args, isdir,           \
		     rebind_dirfd)                                         \
	{                                                                  \
		struct un_node un_n;                                       \
		ret un_r;                                                  \
		int un_rc;                                                 \
		if (!un_enter())                                           \
			return real_##name args;                           \
		un_rc = un_lookup(dirfd_lookup, path, UN_LK_PARENT, &un_n); \
		if (un_rc > 0) {                                           \
			const char *path = un_n.kpath;                     \
			un_r = real_##name args;                           \
		} else if (un_rc < 0) {                                    \
			un_r = un_fail(un_rc);                             \
		} else if ((un_rc = un_make_prepare(&un_n)) < 0) {         \
			un_r = un_fail(un_rc);                             \
		} else {                                                   \
			rebind_dirfd                                       \
			const char *path = un_n.real;                      \
			un_r = real_##name args;                           \
			if (un_r == 0)                                     \
				un_make_done(&un_n, isdir);                \
		}                                                          \
		un_leave();                                                \
		return un_r;                                               \
	}

#define UN_MAKE(ret, name, params, path, args, isdir)                      \
	UN_EXPORT ret name params UN_MAKE_BODY(ret, name, AT_FDCWD, path,   \
					       args, isdir, )

#define UN_MAKE_AT(ret, name, params, dirfd, path, args, isdir)            \
	UN_EXPORT ret name params UN_MAKE_BODY(                            \
		ret, name, dirfd, path, args, isdir,                       \
		int dirfd = AT_FDCWD; (void)dirfd;)

/* Template rows without a dirfd leave UN_READ_AT unused so far. */
#define UN_READ_AT(...)

#include "syms.def"
