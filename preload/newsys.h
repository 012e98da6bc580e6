/*
 * newsys.h - the system calls glibc gave a function only in a later
 * version, made through libc's syscall() instead.
 *
 * Each version of libc the library needs (GLIBC_2.7, 2.8, ...) is one
 * more entry the loader checks against libc's version definitions in
 * every process that loads the library, ~330 instructions each, whether
 * or not the process ever calls the function.  pipe2 (2.9),
 * process_vm_readv (2.15), getrandom (2.25), memfd_create and
 * copy_file_range (2.27) are each a system call with nothing of libc's
 * around it, so they go through real_syscall (syms.def's row for libc's
 * syscall(), 2.2.5): same arguments, same -1 and errno.
 */
#ifndef UN_NEWSYS_H
#define UN_NEWSYS_H

#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "internal.h"

static inline int un_pipe2(int fds[2], int flags)
{
	return (int)real_syscall(SYS_pipe2, fds, flags);
}

static inline ssize_t un_process_vm_readv(pid_t pid,
					  const struct iovec *local,
					  unsigned long nlocal,
					  const struct iovec *remote,
					  unsigned long nremote,
					  unsigned long flags)
{
	return real_syscall(SYS_process_vm_readv, pid, local, nlocal, remote,
			    nremote, flags);
}

static inline ssize_t un_getrandom(void *buf, size_t len, unsigned flags)
{
	return real_syscall(SYS_getrandom, buf, len, flags);
}

static inline int un_memfd_create(const char *name, unsigned flags)
{
	return (int)real_syscall(SYS_memfd_create, name, flags);
}

static inline ssize_t un_copy_file_range(int in, loff_t *in_off, int out,
					 loff_t *out_off, size_t len,
					 unsigned flags)
{
	return real_syscall(SYS_copy_file_range, in, in_off, out, out_off,
			    len, flags);
}

#endif
