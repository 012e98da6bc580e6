/*
 * tar.c - a POSIX tar writer (ustar headers, pax extended headers).
 *
 * Each entry is a 512-byte ustar header, then the data of a regular
 * file padded to a multiple of 512; the archive ends with two zero
 * blocks.  What ustar cannot hold goes into a pax extended header
 * (typeflag 'x') just before the entry, as records "LEN KEY=VALUE\n":
 *
 *   path, linkpath   names longer than the 100 bytes of the header
 *   uid, gid, size,  numbers too large for their octal fields
 *   mtime
 *   SCHILY.xattr.N   each extended attribute N of the file, its value
 *                    byte for byte (as GNU tar and Go's archive/tar
 *                    write and read them); overlayfs's own attributes
 *                    are left out
 *
 * Types: regular files ('0'), hard links to an earlier entry ('1'),
 * symlinks ('2'), character and block devices ('3', '4', with the
 * device numbers), directories ('5', the name ending in '/') and fifos
 * ('6').  A socket cannot be archived: it is skipped with a warning.
 * Owners are numeric (uname and gname stay empty); times are whole
 * seconds.  A file that changes size while it is read is cut or padded
 * with zeros to the size in its header, so the archive stays readable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "union.h"

#define BLOCK 512

struct ustar {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6];
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};

_Static_assert(sizeof(struct ustar) == BLOCK, "a ustar header is 512 bytes");

/* The records of a pax extended header. */
struct pax {
	char *buf;
	size_t len, cap;
};

void un_tar_init(struct un_tar *t, int fd)
{
	t->fd = fd;
	t->written = 0;
}

static int out(struct un_tar *t, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(t->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return un_fail(-errno, "cannot write the archive");
		p += n;
		len -= n;
		t->written += n;
	}
	return 0;
}

static int pad(struct un_tar *t, uint64_t size)
{
	static const char zero[BLOCK];
	size_t rest = size % BLOCK;

	return rest ? out(t, zero, BLOCK - rest) : 0;
}

/* An octal field of len bytes (len - 1 digits and a NUL); false: too big. */
static bool octal(char *field, size_t len, uint64_t v)
{
	char tmp[32];

	if (len - 1 < 22 && v >> (3 * (len - 1)))
		return false;
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(len - 1),
		 (unsigned long long)v);
	memcpy(field, tmp, len);
	return true;
}

static void pax_add(struct pax *x, const char *key, const char *val,
		    size_t vlen)
{
	size_t klen = strlen(key), len = klen + vlen + 3, digits = 1, total;
	char head[32];

	/* The length counts its own digits. */
	for (;;) {
		total = len + digits;
		if (snprintf(head, sizeof(head), "%zu", total) == (int)digits)
			break;
		digits++;
	}
	if (x->len + total > x->cap) {
		x->cap = 2 * (x->len + total) + 256;
		x->buf = un_xrealloc(x->buf, x->cap);
	}
	x->len += sprintf(x->buf + x->len, "%zu %s=", total, key);
	memcpy(x->buf + x->len, val, vlen);
	x->len += vlen;
	x->buf[x->len++] = '\n';
}

static void pax_add_num(struct pax *x, const char *key, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	pax_add(x, key, num, strlen(num));
}

/* The xattrs of path as SCHILY.xattr records. */
static int pax_xattrs(struct pax *x, const char *path)
{
	ssize_t n = llistxattr(path, NULL, 0);
	char *names, *val = NULL;

	if (n <= 0)
		return n < 0 && errno != ENOTSUP ?
			       un_fail(-errno, "cannot list the xattrs of '%s'",
				       path) :
			       0;
	names = un_xmalloc(n);
	n = llistxattr(path, names, n);
	for (char *s = names; n > 0 && s < names + n; s += strlen(s) + 1) {
		ssize_t vlen;
		char *key;

		if (un_xattr_is_overlay(s))
			continue;
		vlen = lgetxattr(path, s, NULL, 0);
		if (vlen < 0)
			continue;
		val = un_xrealloc(val, vlen + 1);
		vlen = lgetxattr(path, s, val, vlen);
		if (vlen < 0)
			continue;
		/* (Read in a user namespace: the ids in it as outside.) */
		if (un_userns_xattr_has_ids(s)) {
			vlen = un_userns_getxattr(path, s, &val);
			if (vlen < 0) {
				free(names);
				free(val);
				return vlen;
			}
		}
		key = un_xasprintf("SCHILY.xattr.%s", s);
		pax_add(x, key, val, vlen);
		free(key);
	}
	free(names);
	free(val);
	return 0;
}

static void checksum(struct ustar *h)
{
	const unsigned char *p = (const unsigned char *)h;
	unsigned sum = 0;

	memset(h->chksum, ' ', sizeof(h->chksum));
	for (size_t i = 0; i < sizeof(*h); i++)
		sum += p[i];
	snprintf(h->chksum, sizeof(h->chksum), "%06o", sum);
	h->chksum[7] = ' ';
}

static void header_init(struct ustar *h, char type, mode_t mode,
			uint64_t mtime)
{
	memset(h, 0, sizeof(*h));
	h->typeflag = type;
	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
	octal(h->mode, sizeof(h->mode), mode & 07777);
	octal(h->uid, sizeof(h->uid), 0);
	octal(h->gid, sizeof(h->gid), 0);
	octal(h->size, sizeof(h->size), 0);
	if (!octal(h->mtime, sizeof(h->mtime), mtime))
		octal(h->mtime, sizeof(h->mtime), 0);
}

/* Write the pax header x for the entry name. */
static int write_pax(struct un_tar *t, const char *name, const struct pax *x,
		     uint64_t mtime)
{
	const char *base = strrchr(name, '/');
	struct ustar h;
	char *pname;
	int ret;

	base = base && base[1] ? base + 1 : name;
	pname = un_xasprintf("PaxHeaders/%.80s", base);
	header_init(&h, 'x', 0644, mtime);
	memcpy(h.name, pname, strlen(pname));
	octal(h.size, sizeof(h.size), x->len);
	checksum(&h);
	free(pname);
	ret = out(t, &h, sizeof(h));
	if (ret == 0)
		ret = out(t, x->buf, x->len);
	if (ret == 0)
		ret = pad(t, x->len);
	return ret;
}

/* Copy exactly size bytes of src, cut or padded with zeros. */
static int write_data(struct un_tar *t, const char *src, uint64_t size)
{
	char buf[65536];
	uint64_t left = size;
	int fd, ret = 0;

	fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return un_fail(-errno, "cannot read '%s'", src);
	while (left > 0) {
		size_t want = left < sizeof(buf) ? left : sizeof(buf);
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = un_fail(-errno, "cannot read '%s'", src);
			goto out_close;
		}
		if (n == 0) {
			un_err("warning: '%s' shrank while archived", src);
			memset(buf, 0, sizeof(buf));
			while (left > 0 && ret == 0) {
				want = left < sizeof(buf) ? left : sizeof(buf);
				ret = out(t, buf, want);
				left -= want;
			}
			goto out_close;
		}
		ret = out(t, buf, n);
		if (ret < 0)
			goto out_close;
		left -= n;
	}
	ret = pad(t, size);
out_close:
	close(fd);
	return ret;
}

int un_tar_add(struct un_tar *t, const struct un_tar_entry *e)
{
	const struct stat *st = e->st;
	struct stat own;
	struct pax x = { 0 };
	char *name, target[PATH_MAX] = "";
	uint64_t size = 0, mtime;
	struct ustar h;
	char type;
	int ret;

	/* Read from a user namespace (userns.c): its owner outside. */
	if (e->src && un_userns_active()) {
		own = *st;
		ret = un_userns_real_ids(e->src, &own);
		if (ret < 0)
			return ret;
		st = &own;
	}
	if (e->hardlink)
		type = '1';
	else if (S_ISREG(st->st_mode))
		type = '0';
	else if (S_ISDIR(st->st_mode))
		type = '5';
	else if (S_ISLNK(st->st_mode))
		type = '2';
	else if (S_ISCHR(st->st_mode))
		type = '3';
	else if (S_ISBLK(st->st_mode))
		type = '4';
	else if (S_ISFIFO(st->st_mode))
		type = '6';
	else {
		un_err("warning: '%s' is a socket: not archived", e->name);
		return 0;
	}

	name = un_xasprintf("%s%s", e->name, type == '5' ? "/" : "");
	if (type == '1') {
		snprintf(target, sizeof(target), "%s", e->hardlink);
	} else if (type == '2') {
		ssize_t n = readlink(e->src, target, sizeof(target) - 1);

		if (n < 0) {
			ret = un_fail(-errno, "cannot read the symlink '%s'",
				      e->src);
			goto out_free;
		}
		target[n] = '\0';
	}
	if (type == '0' && e->src)
		size = st->st_size;
	mtime = st->st_mtim.tv_sec < 0 ? 0 : st->st_mtim.tv_sec;

	header_init(&h, type, st->st_mode, mtime);
	if (strlen(name) <= sizeof(h.name))
		memcpy(h.name, name, strlen(name));
	else {
		memcpy(h.name, name, sizeof(h.name));
		pax_add(&x, "path", name, strlen(name));
	}
	if (strlen(target) <= sizeof(h.linkname))
		memcpy(h.linkname, target, strlen(target));
	else {
		memcpy(h.linkname, target, sizeof(h.linkname));
		pax_add(&x, "linkpath", target, strlen(target));
	}
	if (!octal(h.uid, sizeof(h.uid), st->st_uid))
		pax_add_num(&x, "uid", st->st_uid);
	if (!octal(h.gid, sizeof(h.gid), st->st_gid))
		pax_add_num(&x, "gid", st->st_gid);
	if (!octal(h.size, sizeof(h.size), size))
		pax_add_num(&x, "size", size);
	if (!octal(h.mtime, sizeof(h.mtime), mtime))
		pax_add_num(&x, "mtime", mtime);
	if (type == '3' || type == '4') {
		octal(h.devmajor, sizeof(h.devmajor), major(st->st_rdev));
		octal(h.devminor, sizeof(h.devminor), minor(st->st_rdev));
	}
	if (e->src && type != '1') {
		ret = pax_xattrs(&x, e->src);
		if (ret < 0)
			goto out_free;
	}
	checksum(&h);

	ret = 0;
	if (x.len)
		ret = write_pax(t, name, &x, mtime);
	if (ret == 0)
		ret = out(t, &h, sizeof(h));
	if (ret == 0 && size)
		ret = write_data(t, e->src, size);
out_free:
	free(x.buf);
	free(name);
	return ret;
}

int un_tar_finish(struct un_tar *t)
{
	static const char zero[2 * BLOCK];

	return out(t, zero, sizeof(zero));
}
