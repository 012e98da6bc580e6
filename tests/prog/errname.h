/*
 * errname.h - the symbolic name of an errno value, for test programs whose
 * output is compared between a kernel overlay mount and libunion (names
 * read better in a diff than numbers, and do not depend on the locale).
 */
#ifndef UN_TEST_ERRNAME_H
#define UN_TEST_ERRNAME_H

#include <errno.h>
#include <stdio.h>

static inline const char *errname(int e)
{
	static char buf[32];

	switch (e) {
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG)
	E(ENOEXEC) E(EBADF) E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES)
	E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR)
	E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY)
	E(EFBIG) E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE)
	E(ERANGE) E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY) E(ELOOP)
	E(ENODATA) E(EOPNOTSUPP) E(EOVERFLOW)
#undef E
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

#endif /* UN_TEST_ERRNAME_H */
