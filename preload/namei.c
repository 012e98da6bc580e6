/*
 * namei.c - lookup of a path through the layers.
 *
 * A path is walked one component at a time in the merged namespace,
 * as the kernel walks it, keeping the merged path reached so far (vpath)
 * free of symlinks, so that '..' simply drops its last component.
 *
 * Under a MERGED directory, a component is looked up in the layers that
 * make up the current directory (a bitmask, upper first, then each lower
 * in order), as overlayfs's ovl_lookup does:
 *
 *   - the first layer that has the name decides its type;
 *   - a non-directory stops the search: layers below are hidden;
 *   - a directory collects every layer below that also has a directory
 *     of that name, until an opaque directory (the table's 'o' record,
 *     or an overlayfs opaque xattr in a lower) or a non-directory;
 *   - before the lowers are searched, a whiteout record in the table
 *     hides the name in all of them; in a lower, a character device 0/0
 *     (an overlayfs whiteout) hides the name in the lowers below it;
 *   - UPPER/.union is reserved: ".union" at the root of a union does
 *     not exist.
 *
 * A symlink met on the way (or at the end, when following) is read from
 * the layer that holds it, and its target is spliced in front of what
 * is left of the path: a relative target from the merged directory that
 * holds the link, an absolute one from the root, so that a target under
 * a MERGED comes back through the union.  40 links make ELOOP.
 *
 * Outside every MERGED the kernel does the walking: as soon as nothing
 * left in the path can lead back into a union (no '..', no prefix of a
 * MERGED ahead), the rest is handed over untouched.  A path that never
 * touches a union costs a prefix test.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

#define MAX_SYMLINKS 40

/* Does the path name a '..' component anywhere?  (strchr, not strstr:
   most names hold no dot at all, and this runs on every path that may
   stay outside.) */
/* by_byte: exec_str.h's strchr (un_path_outside_exec). */
static inline __attribute__((always_inline)) bool
has_dotdot_by(const char *p, bool by_byte)
{
	for (const char *s = p;
	     (s = by_byte ? ex_strchr(s, '.') : strchr(s, '.')); s++)
		if (s[1] == '.' && (s == p || s[-1] == '/') &&
		    (s[2] == '/' || s[2] == '\0'))
			return true;
	return false;
}

UN_EXEC_TEXT static bool has_dotdot(const char *p)
{
	return has_dotdot_by(p, false);
}

bool un_path_has_dotdot(const char *p)
{
	return has_dotdot(p);
}

/* un_path_outside's body; by_byte: exec_str.h's loops for libc's
   string functions (un_path_outside_exec). */
static inline __attribute__((always_inline)) int
path_outside(const char *path, bool by_byte)
{
	ssize_t len = un_user_str_body(path, by_byte);

	if (len < 0)
		return (int)len;
	if (path[0] != '/' || len >= PATH_MAX ||
	    (by_byte ? has_dotdot_by(path, true) : has_dotdot(path)) ||
	    un_config_find(path))
		return 0;
	/* A descriptor's magic link leads where the descriptor stands,
	   perhaps into a union (proc_fd_path, the lookup's to follow).
	   (The prefixes beside this code, not in .rodata: a shell's child
	   redirecting to /dev/null read a page of it, a fault.) */
	static const char proc[] UN_EXEC_RODATA = "/proc/",
			  dev_fd[] UN_EXEC_RODATA = "/dev/fd/",
			  dev_std[] UN_EXEC_RODATA = "/dev/std";

	if (by_byte)
		return !((path[1] == 'p' && (size_t)len >= sizeof(proc) - 1 &&
			  !ex_memcmp(path, proc, sizeof(proc) - 1)) ||
			 (path[1] == 'd' &&
			  (((size_t)len >= sizeof(dev_fd) - 1 &&
			    !ex_memcmp(path, dev_fd, sizeof(dev_fd) - 1)) ||
			   ((size_t)len >= sizeof(dev_std) - 1 &&
			    !ex_memcmp(path, dev_std, sizeof(dev_std) - 1)))));
	return !((path[1] == 'p' && !strncmp(path, proc, sizeof(proc) - 1)) ||
		 (path[1] == 'd' &&
		  (!strncmp(path, dev_fd, sizeof(dev_fd) - 1) ||
		   !strncmp(path, dev_std, sizeof(dev_std) - 1))));
}

UN_EXEC_TEXT int un_path_outside(const char *path)
{
	return path_outside(path, false);
}

UN_EXEC_TEXT int un_path_outside_exec(const char *path)
{
	return path_outside(path, true);
}

/* un_path_join of a rel whose length the caller knows (rel[rel_len] is
   its NUL): a lookup's component is joined to a layer root at each
   stat. */
static inline int path_join_n(char *buf, size_t len, const char *root,
			      size_t root_len, const char *rel, size_t rel_len)
{
	if (root_len + 1 + rel_len >= len)
		return -ENAMETOOLONG;
	memcpy(buf, root, root_len);
	if (rel_len) {
		buf[root_len] = '/';
		memcpy(buf + root_len + 1, rel, rel_len + 1);
	} else {
		buf[root_len] = '\0';
	}
	return 0;
}

int un_path_join(char *buf, size_t len, const char *root, size_t root_len,
		 const char *rel)
{
	return path_join_n(buf, len, root, root_len, rel, strlen(rel));
}

static const char *rel_of(const struct un_mount *m, const char *vpath,
			  size_t vlen);

/*
 * Into buf (PATH_MAX bytes), real's path from the copy in layer of the
 * merged directory start (where a descriptor or the real cwd stands),
 * through '..' where real lies beside it; NULL when there is no such
 * copy or the path does not fit.  in_layer: NULL too when real does not
 * lie in that layer (no way out of the layer's root and back in).
 */
static const char *kreal_from_up(const char *start, int layer,
				 const char *real, char *buf, bool in_layer,
				 size_t live);

static const char *kreal_from(const char *start, int layer, const char *real,
			      char *buf, bool in_layer)
{
	return kreal_from_up(start, layer, real, buf, in_layer, SIZE_MAX);
}

/* kreal_from, climbing at least to start's first live bytes (a removed
   start's live parent: its removed part has no name to come back by). */
static const char *kreal_from_up(const char *start, int layer,
				 const char *real, char *buf, bool in_layer,
				 size_t live)
{
	char from[UN_VPATH_MAX];
	const struct un_mount *m = un_config_find(start);
	const char *rest;
	size_t i, common = 0, ups = 0;

	if (!m || layer < 0 || layer > m->nlower || !un_layer_root(m, layer) ||
	    un_path_join(from, sizeof(from), un_layer_root(m, layer),
			 un_layer_len(m, layer),
			 rel_of(m, start, strlen(start))) < 0)
		return NULL;
	if (in_layer) {
		size_t rl = un_layer_len(m, layer);

		if (strncmp(real, un_layer_root(m, layer), rl) ||
		    (real[rl] && real[rl] != '/'))
			return NULL;
	}
	/* The longest common prefix on a component boundary. */
	for (i = 0; from[i] && from[i] == real[i]; i++)
		if (from[i] == '/')
			common = i;
	if ((!from[i] && (real[i] == '/' || !real[i])) ||
	    (!real[i] && from[i] == '/'))
		common = i;
	if (live != SIZE_MAX) {
		/* The live part's length in from (a component boundary). */
		size_t cap = un_layer_len(m, layer);
		const char *lrel = rel_of(m, start, live);

		/* (At or above MERGED: up to the layer's root.) */
		if (live > m->merged_len)
			cap += 1 + (size_t)(start + live - lrel);
		if (common > cap)
			common = cap;
	}
	for (const char *s = from + common; *s; s++)
		ups += *s == '/';
	rest = real + common;
	while (*rest == '/')
		rest++;
	if (3 * ups + strlen(rest) + 2 >= PATH_MAX)
		return NULL;
	for (size_t k = 0; k < ups; k++)
		memcpy(buf + 3 * k, "../", 4);
	if (*rest)
		strcpy(buf + 3 * ups, rest);
	else if (ups)
		buf[3 * ups - 1] = '\0';	/* "..", not "../" */
	else
		strcpy(buf, ".");
	return buf;
}

void un_kbuf_close(struct un_kbuf *k)
{
	UN_SAVE_ERRNO;

	real_close(k->fd);
	k->fd = -1;
	UN_RESTORE_ERRNO;
}

/*
 * A descriptor on a directory deep in real (absolute, PATH_MAX bytes or
 * more), opened a piece of fewer than room bytes at a time, and into
 * *rest what is left of real below it (fewer than room bytes); or
 * AT_FDCWD; -ENAMETOOLONG when a piece cannot be cut.  The kernel holds
 * a directory at any depth: only a path argument is limited.  When a
 * piece cannot be opened (a directory missing, not one, not searchable)
 * the whole path fails at it with the same errno: *rest is then that
 * piece and "/." (in piece, PATH_MAX bytes), which fails the same way
 * from the last descriptor returned, and never makes a name.
 */
static int deep_open(const char *real, size_t room, char *piece,
		     const char **rest)
{
	const char *p = real;
	int fd = AT_FDCWD;

	while (strlen(p) >= room) {
		size_t cut = room - 3;	/* room for "/." */
		int nfd;

		while (cut > 0 && p[cut] != '/')
			cut--;
		if (cut == 0) {
			if (fd >= 0)
				real_close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(piece, p, cut);
		piece[cut] = '\0';
		nfd = real_openat(fd, piece,
				  O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (nfd < 0) {
			memcpy(piece + cut, "/.", 3);
			*rest = piece;
			return fd;
		}
		if (fd >= 0)
			real_close(fd);
		fd = nfd;
		for (p += cut; *p == '/'; p++)
			;
	}
	*rest = *p ? p : ".";
	return fd;
}

/* "/proc/self/fd/N/" and its number: what un_kreal_long puts in front. */
#define PROC_FD_ROOM 32

const char *un_kreal_long(const char *real, struct un_kbuf *k)
{
	char cwd[UN_VPATH_MAX], piece[PATH_MAX];
	const char *rest;
	int layer, fd, n;

	un_kbuf_done(k);	/* k may be reused for another path */
	if (un_cwd_get_at(cwd, sizeof(cwd), &layer, NULL) == 0 &&
	    kreal_from(cwd, layer, real, k->path, false))
		return k->path;
	fd = deep_open(real, PATH_MAX - PROC_FD_ROOM, piece, &rest);
	if (fd == -ENAMETOOLONG)
		return real;
	if (fd == AT_FDCWD) {	/* the first piece failed: absolute */
		memcpy(k->path, rest, strlen(rest) + 1);
		return k->path;
	}
	n = snprintf(k->path, sizeof(k->path), "/proc/self/fd/%d/%s", fd,
		     rest);
	k->fd = fd;
	if (n < 0 || (size_t)n >= sizeof(k->path)) {
		un_kbuf_close(k);
		return real;
	}
	return k->path;
}

int un_kreal_at(int fd, const char *real, struct un_kbuf *k,
		const char **path)
{
	char vpath[UN_VPATH_MAX], cwd[UN_VPATH_MAX];
	int layer, dfd;

	*path = real;
	if (__builtin_expect(strlen(real) < PATH_MAX, 1))
		return AT_FDCWD;
	un_kbuf_done(k);
	if (fd >= 0 && un_fd_get_at(fd, vpath, sizeof(vpath), &layer,
				    NULL) == 0 &&
	    (*path = kreal_from(vpath, layer, real, k->path, false)))
		return fd;
	if (un_cwd_get_at(cwd, sizeof(cwd), &layer, NULL) == 0 &&
	    (*path = kreal_from(cwd, layer, real, k->path, false)))
		return AT_FDCWD;
	/* Deeper than any path from where the caller stands. */
	dfd = deep_open(real, PATH_MAX, k->path, path);
	if (dfd == -ENAMETOOLONG) {
		*path = real;
		return AT_FDCWD;
	}
	if (dfd >= 0)
		k->fd = dfd;
	return dfd;
}

const char *un_kat_path(struct un_kbuf *k, int fd, const char *path)
{
	char rest[PATH_MAX];
	int n;

	if (fd == AT_FDCWD)
		return path;
	/* path may lie in k->path. */
	memcpy(rest, path, strlen(path) + 1);
	n = snprintf(k->path, sizeof(k->path), "/proc/self/fd/%d/%s", fd,
		     rest);
	if (n < 0 || (size_t)n >= sizeof(k->path))
		memcpy(k->path, rest, strlen(rest) + 1);	/* ENAMETOOLONG */
	return k->path;
}

static bool route_from(int start, const char *real, char *buf, size_t top);

int un_node_kat_long(const struct un_node *n, struct un_kbuf *k,
		     const char **path)
{
	/* Reached by its route from the start (route_again): the same
	   route for the call, the kernel's own (its whole path answered
	   EACCES). */
	if (n->routed && !n->at_off) {
		un_kbuf_done(k);
		if (route_from(n->start_fd, n->real, k->path, n->route_top)) {
			*path = k->path;
			return n->start_fd;
		}
	}
	if (n->at_off && strlen(n->real + n->at_off) < PATH_MAX)
		return un_node_at(n, path);
	return un_kreal_at(n->start_fd, n->real, k, path);
}

/*
 * A call made by n->real's whole path (un_node_kat's common answer) met
 * errno: when that is EACCES and n lies at or below where the lookup
 * started, in its layer (n->at_off), the call again from there
 * (un_node_at: the kernel asks nothing above a cwd or a dirfd; user
 * seeds absent:1982 `chmod .`, 1648 faccessat, two:1047 mkdir, below a
 * directory that lost its x).  Asked only after the refusal: the whole
 * path costs the kernel no more.  true with *fd and *path for the call
 * again (errno put back to saved); false when there is nothing to try.
 */
bool un_node_retry_at(const struct un_node *n, int saved, struct un_kbuf *k,
		      int *fd, const char **path)
{
	if (errno != EACCES || n->routed || strlen(n->real) >= PATH_MAX)
		return false;	/* (un_node_kat took the start's way) */
	if (n->at_off && !(n->at_fd == AT_FDCWD && !__libc_single_threaded)) {
		*fd = un_node_at(n, path);
	} else if (n->relative &&
		   (n->start_fd >= 0 ||
		    (n->start_fd == AT_FDCWD && __libc_single_threaded))) {
		/* Copied up since the lookup (the start re-pointed into
		   the upper with it): by the route from the start, as
		   route_again's (user seeds inplace:1517, absent:1146). */
		un_kbuf_done(k);
		if (!route_from(n->start_fd, n->real, k->path, n->route_top))
			return false;
		*fd = n->start_fd;
		*path = k->path;
	} else {
		return false;
	}
	errno = saved;
	return true;
}

/*
 * real, a path in a layer (n's parent's copy, say), by the route of n's
 * lookup from its start (route_from), for a call that met EACCES by its
 * whole path: into buf (PATH_MAX bytes), with the descriptor to use (or
 * AT_FDCWD); -1 when the lookup was not relative (no route: n->routed
 * and n->at_off say it was) or its start stands in another layer.
 */
int un_node_route(const struct un_node *n, const char *real, char *buf)
{
	if ((!n->routed && !n->at_off && !n->relative) ||
	    (n->start_fd < 0 && n->start_fd != AT_FDCWD) ||
	    !route_from(n->start_fd, real, buf, n->route_top))
		return -1;
	return n->start_fd;
}

/* Does the kernel mark the directory at path (one it takes) opaque? */
static bool ovl_opaque_at(const char *path)
{
	char v[4];
	ssize_t n;

	n = real_lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));
	if (n == 1 && v[0] == 'y')
		return true;
	n = real_lgetxattr(path, "user.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/* The same for a path too long for the kernel (a lower's directory
   deeper than PATH_MAX: its mark was missed, and the names of the
   lowers below it shown), by the path un_kreal gives.  (Out of line:
   its 4 KiB are in no frame of the common lookup.) */
static __attribute__((noinline, cold)) bool ovl_opaque_long(const char *real)
{
	UN_KBUF(kbuf);

	return ovl_opaque_at(un_kreal_long(real, &kbuf));
}

bool un_is_ovl_opaque(const char *real)
{
	if (__builtin_expect(strlen(real) >= PATH_MAX, 0))
		return ovl_opaque_long(real);
	return ovl_opaque_at(real);
}

/* The layers present at the root of m (every layer is a directory). */
static uint64_t root_layers(const struct un_mount *m)
{
	/* Bits 1 to nlower (at most UN_MAX_LOWERS, 62), and 0 for the
	   upper. */
	return ((((uint64_t)1 << m->nlower) - 1) << 1) | (m->upper != NULL);
}

/* An OCI layer's marker file: dir/.wh.NAME or dir/.wh..wh..opq.  (Its
   own frame: a layer's path may be longer than PATH_MAX, a tree made
   one level at a time; integration/oci-lowers-deep.) */
static __attribute__((noinline)) bool oci_marker(const char *real,
						 const char *name)
{
	char buf[UN_VPATH_MAX];
	const char *slash = strrchr(real, '/');
	UN_KBUF(kbuf);
	struct stat st;
	int n;

	if (name)	/* real is the directory; the marker is inside */
		n = snprintf(buf, sizeof(buf), "%s/%s", real, name);
	else		/* real is the name; its .wh. beside it */
		n = snprintf(buf, sizeof(buf), "%.*s/" UN_OCI_WH "%s",
			     (int)(slash - real), real, slash + 1);
	return n > 0 && (size_t)n < sizeof(buf) &&
	       real_lstat(un_kreal(buf, &kbuf), &st) == 0;
}

static bool is_opaque(struct un_mount *m, int layer, const char *rel,
		      size_t rel_len, const char *real)
{
	if (layer == 0)
		return m->wt && un_wtable_get(m->wt, rel, rel_len) == UN_W_OPAQUE;
	/* (OCI: .wh..wh..opq inside; or the layer's .wh.NAME beside its
	   own directory NAME, which takes NAME from the layers below:
	   the image spec; session 17, integration/oci-lowers-same-layer.) */
	return un_is_ovl_opaque(real) ||
	       (un_config.oci_lowers && (oci_marker(real, UN_OCI_OPQ) ||
					 oci_marker(real, NULL)));
}

/* Is the last component of rel an OCI whiteout file's own name? */
static bool oci_name(const char *rel, size_t rel_len)
{
	const char *base = rel + rel_len;

	while (base > rel && base[-1] != '/')
		base--;
	return !strncmp(base, UN_OCI_WH, sizeof(UN_OCI_WH) - 1);
}

/* What one component resolves to inside a union. */
struct comp {
	int layer;		/* topmost layer holding it; -1 absent */
	uint64_t dirlayers;	/* for a directory: the layers merged */
	bool guessed;		/* a layer refused EACCES (base's sub NULL) */
	bool upper_lacks;	/* in: the upper's name set has no such name
				   (asked once, by lookup_component's caller) */
	uint64_t nstamp;	/* in, with upper_lacks: the names stamp it was
				   asked at, read before the stats (an upper's
				   miss is remembered at it) */
	bool no_records;	/* in, lookup_single's: the table was known
				   empty when the caller read the stamps
				   (un_dcache_stamps) */
	struct stat *st;	/* the caller's, as real: a lookup's last
				   name is stat'ed straight into its node */
	char *real;		/* UN_VPATH_MAX bytes, the caller's: a lookup's
				   last name is found straight into its node */
};

/*
 * Where the lookup started: the caller's directory descriptor, or the
 * cwd (AT_FDCWD), when it stands in the copy of that directory in
 * `layer` of m (fdtab.c knows).  A name below it in that layer is then
 * stat'ed relative to it, by its path `sub` from there: a walk of one or
 * two components for the kernel instead of the layer's whole path (find
 * and tar stat every name relative to the directory they read, git every
 * index entry relative to the cwd).
 */
struct at_base {
	const struct un_mount *m;
	int fd;
	int layer;
	const char *sub;	/* NULL: see lookup_component's `above` */
};

/*
 * The descriptor (or AT_FDCWD) the lookup under way started from, for a
 * path in a layer too long for the kernel (un_kreal_at).  A lookup
 * inside another (fdtab's discovery of a descriptor, a signal handler's)
 * may leave its own here: the path made from it is still right (it is
 * made from that descriptor's own place), only perhaps too long.
 */
static __thread int lk_start = AT_FDCWD;

/*
 * The lookup under way is relative (to lk_start) and has not jumped to
 * the root by an absolute symlink since; lk_routes counts the routes
 * (route_from) its calls took.  (A lookup inside another may leave its
 * own, as lk_start: the route is then still a path to the same object.)
 */
static __thread bool lk_relative;
static __thread unsigned lk_routes;

/*
 * The shortest merged path (its length) the lookup under way climbed to
 * by '..' (SIZE_MAX: none): an ancestor of its start.  The kernel's walk
 * passes there and asks the search permission of what it passes, so a
 * route (route_from) climbs at least as high, never lexically shorter
 * (`../f` from f/f is not `.`: the kernel asks f's x; user seed
 * absent:1787).
 */
static __thread size_t lk_top = SIZE_MAX;

/*
 * lk_routes at the start of the lookup under way: once it took a route
 * (past an ancestor that refused it, as the kernel's walk from the start
 * does), nothing it finds goes into the directory cache, whose answer a
 * walk from the root takes without asking those ancestors (user seed
 * absent:1146: `ls ../d/f` from below an unsearchable b, then an
 * absolute path through b/e/d/f, ENOENT for EACCES).
 */
static __thread unsigned lk_routes0;

/*
 * What the lookup under way finds is not for the caches either (one
 * flag, set at its start and by settle_walk: a load fewer in
 * lk_may_put, which every lookup of a file asks):
 * - it settled a directory past a refusal (settle_walk: lookup_
 *   component's guess, an ancestor of its start that lost its search
 *   permission): what it finds below holds for a walk from its start,
 *   not for one from the root, which the directory cache's answer
 *   spares the ancestors' search (user seed inplace:3574, found/177:
 *   `ls ..` from below a MERGED root that lost x put the subdirectories
 *   it checked, an absolute path through the root then ENOENT for
 *   EACCES);
 * - this thread lifted the upper's way (un_upper_lift, around the
 *   lookup): what is found then is not what the user may reach (user
 *   seed inplace:4966, found/199: the memo of a lower file put by a
 *   copy-up's lookup under a lift, an open by the whole path through a
 *   MERGED root that lost x then took it, ok for EACCES).
 */
static __thread bool lk_noput;

static inline bool lk_may_put(void)
{
	return lk_routes == lk_routes0 && !lk_noput;
}

/*
 * A relative lookup from a directory (a descriptor's or the cwd, start)
 * whose copy in a layer stands below one that lost its search
 * permission: the layer's whole paths answer EACCES, where the kernel's
 * walk goes from the start through '..' and down, and asks the search
 * permission of what it passes alone (user seeds absent:1464, 1146:
 * `chdir c/a/f; chmod c 600; chmod ../.. 640`).  Into buf (PATH_MAX
 * bytes) real's path from start, when start stands in the layer real
 * lies in; false when it does not.  Asked only after an EACCES: the
 * whole path costs the kernel less, and answers the same when it can.
 */
static int start_layer(int start, const struct un_mount *m);

static __attribute__((noinline, cold)) bool route_from(int start,
						       const char *real,
						       char *buf, size_t top)
{
	char vpath[UN_VPATH_MAX];
	size_t dead_at = 0, live = SIZE_MAX;
	int layer, rc;

	if (start >= 0)
		rc = un_fd_get_at(start, vpath, sizeof(vpath), &layer,
				  &dead_at);
	else if (start == AT_FDCWD)
		rc = un_cwd_get_at(vpath, sizeof(vpath), &layer, &dead_at);
	else
		return false;
	/* A removed start (dead_start's) keeps no layer: its real one's.
	   Its real '..'s still lead where its merged path's do (a deleted
	   directory keeps its parent), up to the live parent of what was
	   removed (its first dead_at bytes), and down from there. */
	if (rc == -ESTALE) {
		const struct un_mount *m = un_config_find(vpath);

		if (!m || dead_at <= m->merged_len || dead_at > strlen(vpath))
			return false;
		layer = start_layer(start, m);
		live = dead_at;
		while (live > m->merged_len && vpath[live - 1] != '/')
			live--;
		if (live > m->merged_len && live > 1)
			live--;		/* (the slash) */
		rc = 0;
	}
	if (rc != 0)
		return false;
	if (top < live)
		live = top;
	if (live != SIZE_MAX && live > strlen(vpath))
		live = SIZE_MAX;
	return layer >= 0 && kreal_from_up(vpath, layer, real, buf, true, live);
}

/*
 * The layer of m that holds the real directory start (a descriptor, or
 * AT_FDCWD: the real cwd) stands in, by its real path (/proc: a removed
 * start, a deleted upper directory or a hidden lower one, keeps no
 * record of it), or -1.  The longest layer root that is a prefix wins.
 */
static __attribute__((noinline, cold)) int start_layer(int start,
							const struct un_mount *m)
{
	char link[40], real[PATH_MAX];
	size_t best = 0;
	ssize_t n;
	int layer = -1;

	if (!m)
		return -1;
	if (start == AT_FDCWD)
		strcpy(link, "/proc/self/cwd");
	else
		snprintf(link, sizeof(link), "/proc/self/fd/%d", start);
	n = real_readlink(link, real, sizeof(real) - 1);
	if (n <= 0)
		return -1;
	real[n] = '\0';
	for (int i = 0; i <= m->nlower; i++) {
		const char *root = un_layer_root(m, i);
		size_t len = un_layer_len(m, i);

		if (root && len > best && !strncmp(real, root, len) &&
		    (real[len] == '/' || real[len] == ' ' || !real[len])) {
			best = len;
			layer = i;
		}
	}
	return layer;
}

enum route_op { ROUTE_LSTAT, ROUTE_STATX, ROUTE_SEARCH };

/*
 * The whole path real (in a layer) answered EACCES: the call again by
 * the lookup's route from its start, when it is relative (route_from);
 * else EACCES.  -1 and errno, or 0, as the call's.
 */
static __attribute__((noinline, cold)) int route_again(const char *real,
						       enum route_op op,
						       struct stat *st,
						       struct statx *stx,
						       unsigned mask, int flags)
{
	char buf[PATH_MAX];
	int start = lk_start;

	if (!lk_relative || !route_from(start, real, buf, lk_top)) {
		errno = EACCES;
		return -1;
	}
	lk_routes++;
	switch (op) {
	case ROUTE_LSTAT:
		return real_fstatat(start, buf, st, AT_SYMLINK_NOFOLLOW);
	case ROUTE_STATX:
		return real_statx(start, buf, flags, mask, stx);
	default:
		return real_faccessat(start, buf, X_OK, AT_EACCESS);
	}
}

/* The readlink of a symlink real (in a layer) answered EACCES by its
   whole path: again by the lookup's route from its start, as
   route_again (user seed inplace:4024, found/194: `a -> .` in a cwd
   below a directory that lost x, EACCES for the cwd itself). */
static __attribute__((noinline, cold)) ssize_t link_route(const char *real,
							  char *target,
							  size_t size)
{
	char buf[PATH_MAX];

	if (!lk_relative || !route_from(lk_start, real, buf, lk_top)) {
		errno = EACCES;
		return -1;
	}
	lk_routes++;
	return real_readlinkat(lk_start, buf, target, size);
}

/*
 * The base of lookup_near (or near_open's near_last) under way in this
 * thread, and the cwd's count it read: a name of sub from the merged cwd
 * in a lower layer other than the real cwd's is asked of the descriptor
 * of the cwd's copy there (cwdfd.c), with sub, instead of by the layer's
 * whole path (bench/README.md "Session 16 (cwdfd)").  Set for that
 * base's stats alone and cleared after them: a handler's lookup clears
 * it (the interrupted one takes the path), and no other base, a walk's
 * nor a descriptor's, is ever that live object.  What makes it right is
 * what makes the base's own fstatat(AT_FDCWD, sub) right: the merged
 * path looked up is the cwd's and sub, lexically, so real in every
 * layer is that layer's copy of the cwd, '/' and sub.
 */
static __thread const struct at_base *lk_cwd_base;
static __thread unsigned long lk_cwd_seq;

/* The descriptor of the cwd's copy in layer i opened from real (its
   path, '/' and sub), or -1.  (Out of line: a path's buffer, and once
   a count at most.) */
static __attribute__((noinline, cold)) int cwd_fd_open(int i,
						       const char *real,
						       const char *sub)
{
	char dir[PATH_MAX];
	size_t rl = strlen(real), sl = strlen(sub);

	if (rl <= sl + 1 || rl - sl - 1 >= sizeof(dir) ||
	    real[rl - sl - 1] != '/' || memcmp(real + rl - sl, sub, sl))
		return -1;
	memcpy(dir, real, rl - sl - 1);
	dir[rl - sl - 1] = '\0';
	return un_cwdfd_open(lk_cwd_seq, i, dir);
}

/* For a name of base in layer i (whose path is real): the descriptor
   of the cwd's copy in i, to ask with base->sub, or -1 (the path).
   (The caller saw base set and not standing in i.  lk_cwd_base's sub
   is the caller's path, never empty; its layer is the real cwd's,
   never -1: lookup_near and near_last pass no base then.) */
static inline int cwd_fd(const struct at_base *base, int i, const char *real,
			 bool maybe_long)
{
	int fd;

	if (base != lk_cwd_base || maybe_long)
		return -1;
	fd = un_cwdfd_get(lk_cwd_seq, i);	/* (-1 for the upper) */
	/* (No open in signal mode, nor its frame on a handler's stack.) */
	if (__builtin_expect(fd == -2, 0))
		fd = un_in_signal() || un_cwdfd_wait(lk_cwd_seq, i) ?
			     -1 :
			     cwd_fd_open(i, real, base->sub);
	return fd;
}

/* lstat of real, a path in a layer (from the lookup's start when it is
   too long for the kernel, or by its route: route_again). */
static int k_lstat(const char *real, struct stat *st)
{
	UN_KBUF(kbuf);
	const char *kp;
	int kfd = un_kreal_at(lk_start, real, &kbuf, &kp);

	if (real_fstatat(kfd, kp, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != EACCES)
		return -1;
	return route_again(real, ROUTE_LSTAT, st, NULL, 0, 0);
}

/* lstat of real, a name in layer i, relative to base when it may ("":
   the base itself).  maybe_long: real may be PATH_MAX bytes or more (a
   rel that long, under m's longest layer root: see long_rel). */
static int layer_lstat(const struct at_base *base, int i, const char *real,
		       bool maybe_long, struct stat *st)
{
	int fd;

	if (!base) {
		/* (the path, below) */
	} else if (base->layer == i && base->sub) {
		return real_fstatat(base->fd, base->sub, st,
				    AT_SYMLINK_NOFOLLOW |
				    (*base->sub ? 0 : AT_EMPTY_PATH));
	} else if ((fd = cwd_fd(base, i, real, maybe_long)) >= 0) {
		/* (Any other error, EACCES, EBADF: the path's answer.) */
		if (real_fstatat(fd, base->sub, st, AT_SYMLINK_NOFOLLOW) == 0)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR)
			return -1;
	}
	if (__builtin_expect(!maybe_long, 1)) {
		if (real_lstat(real, st) == 0)
			return 0;
		if (errno != EACCES)
			return -1;
		return route_again(real, ROUTE_LSTAT, st, NULL, 0, 0);
	}
	return k_lstat(real, st);
}

/*
 * A statx caller's request, answered by the lookup's own stat of the
 * last name (un_lookup's UN_LK_STATX): the layer's statx fills the
 * caller's buffer, and st is made from it, so that `ls -la` costs one
 * call a name, as on the kernel's overlay, not an lstat and a statx.
 * got: the layer whose answer the buffer holds last (-1: none).
 */
struct stx_req {
	struct statx *buf;
	unsigned mask;
	int flags;		/* AT_STATX_SYNC_* of the caller */
	int got;
};

/* struct stat from a statx answer, as glibc makes it where stat is
   statx (the fields the basic mask fills). */
static void stat_of_statx(const struct statx *x, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(x->stx_dev_major, x->stx_dev_minor);
	st->st_ino = x->stx_ino;
	st->st_mode = x->stx_mode;
	st->st_nlink = x->stx_nlink;
	st->st_uid = x->stx_uid;
	st->st_gid = x->stx_gid;
	st->st_rdev = makedev(x->stx_rdev_major, x->stx_rdev_minor);
	st->st_size = (off_t)x->stx_size;
	st->st_blksize = x->stx_blksize;
	st->st_blocks = (blkcnt_t)x->stx_blocks;
	st->st_atim.tv_sec = x->stx_atime.tv_sec;
	st->st_atim.tv_nsec = x->stx_atime.tv_nsec;
	st->st_mtim.tv_sec = x->stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = x->stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = x->stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = x->stx_ctime.tv_nsec;
}

/* statx of real, a path in a layer that may be PATH_MAX bytes or more:
   out of line, so that the kernel buffer's 4 KiB (and the store of its
   descriptor, a stack page written of its own in every lookup) are in
   no frame of the common lookup. */
static __attribute__((noinline, cold)) int statx_long(const char *real,
						      int fl, unsigned mask,
						      struct statx *buf)
{
	UN_KBUF(kbuf);	/* real may be deeper than PATH_MAX */
	const char *kp;
	int kfd = un_kreal_at(lk_start, real, &kbuf, &kp);

	if (real_statx(kfd, kp, fl, mask, buf) == 0)
		return 0;
	if (errno != EACCES || kp != real)
		return -1;
	return route_again(real, ROUTE_STATX, NULL, buf, mask, fl);
}

/* layer_lstat, by statx into x's buffer where x asks for it.  (Inline
   in its callers, lookup_component and lookup_single: a call of its own
   cost a merged directory's stat ~40 instructions.) */
static inline __attribute__((always_inline)) int
layer_stat(const struct at_base *base, int i, const char *real,
	   bool maybe_long, struct stat *st, struct stx_req *x)
{
	const char *kp = real;
	int kfd = AT_FDCWD, fl;
	unsigned mask;

	if (!x)
		return layer_lstat(base, i, real, maybe_long, st);
	fl = x->flags | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;
	mask = x->mask | STATX_BASIC_STATS;
	if (base && base->layer != i &&
	    (kfd = cwd_fd(base, i, real, maybe_long)) >= 0) {
		/* (As layer_lstat's.) */
		if (real_statx(kfd, base->sub, fl, mask, x->buf) == 0)
			goto got;
		if (errno == ENOENT || errno == ENOTDIR)
			return -1;
	}
	kfd = AT_FDCWD;
	if (base && base->layer == i && base->sub) {
		kfd = base->fd;
		kp = base->sub;
		if (!*kp)
			fl |= AT_EMPTY_PATH;
	} else if (__builtin_expect(maybe_long, 0)) {
		if (statx_long(real, fl, mask, x->buf) < 0)
			return -1;
		goto got;
	}
	if (real_statx(kfd, kp, fl, mask, x->buf) < 0 &&
	    (errno != EACCES || kp != real ||
	     route_again(real, ROUTE_STATX, NULL, x->buf, mask,
			 fl & ~AT_EMPTY_PATH) < 0))
		return -1;
got:
	stat_of_statx(x->buf, st);
	x->got = i;
	return 0;
}

/*
 * The directory cache, asked by lookup_component for a name to stat
 * only once its first layer showed a directory with layers left below
 * (vpath, vlen bytes: rel's merged path): a file's answer never was in
 * the cache, and its probe (a hash of the whole merged path, eight
 * ways compared) cost ~150 instructions a stat of every upper file,
 * and of every lower one whose directory's upper names were not known.
 * hit: the layers were the cache's (nothing to put).
 */
struct dir_probe {
	const char *vpath;
	size_t vlen;
	bool hit;
};

/* May rel (rel_len bytes) joined to a layer root of m reach PATH_MAX? */
static inline bool long_rel(const struct un_mount *m, size_t rel_len)
{
	return m->root_max + 1 + rel_len >= PATH_MAX;
}

/*
 * Look rel (the path under m's root, its last component new) up in the
 * layers of dirmask.  Returns 0 (c->layer may be -1) or -errno.
 *
 * base with a NULL sub: rel is the starting directory of a relative
 * lookup or one of its ancestors, which the kernel does not walk (its
 * cwd and descriptors hold their layers): a layer whose copy cannot be
 * reached by its whole path (EACCES: an ancestor there lost its owner's
 * search permission) is taken as a directory in base->layer, where the
 * start stands below it, and as absent in the others (a copy made there
 * since the start was entered, behind an unsearchable directory, is
 * missed).
 *
 * c->upper_lacks, set by the caller: the upper's name set says it has
 * no rel (un_dcache_upper_lacks, asked once: the caller may decide from
 * it first).
 *
 * pr (or NULL): once the first layer holding rel shows a directory, with
 * layers below, the cache's layers for it are taken when their topmost
 * is that very layer (what lookup_cached's hit would have stat'ed first
 * and found a directory): the stats of the layers below are spared.
 */
static int lookup_component(struct un_mount *m, uint64_t dirmask,
			    const char *rel, size_t rel_len,
			    const struct at_base *base, struct comp *c,
			    struct stx_req *x, struct dir_probe *pr);

/*
 * lookup_component's work.  real: UN_VPATH_MAX bytes for the paths of
 * the layers below the first that holds rel, or NULL: they go into
 * c->real's tail, after that layer's path, and 1 is returned when one
 * has no room there (the caller goes again with a buffer).  An 8 KiB
 * buffer in lookup_component's frame put its scalars a stack page
 * below its caller's: one more page written by a shell's child at its
 * exec's lookup (bench/README.md, "Session 14 (exec)").
 */
static inline __attribute__((always_inline)) int
component_in(struct un_mount *m, uint64_t dirmask, const char *rel,
	     size_t rel_len, const struct at_base *base, struct comp *c,
	     struct stx_req *x, struct dir_probe *pr, char *real)
{
	int first_err = 0, top = __builtin_ctzll(dirmask), rc;
	bool table_checked = false, maybe_long = long_rel(m, rel_len);
	char *rp;
	size_t room;
	struct stat below, *st;

	c->layer = -1;
	c->dirlayers = 0;
	c->guessed = false;
	if (rel_len == sizeof(UN_META_DIR) - 1 &&
	    !memcmp(rel, UN_META_DIR, rel_len))
		return 0;

	for (int i = 0; i <= m->nlower; i++) {
		uint64_t bit = (uint64_t)1 << i;

		if (!(dirmask & bit))
			continue;
		/* The upper's names of a directory listed lately. */
		if (i == 0 && c->upper_lacks)
			continue;
		if (i > 0 && !table_checked) {
			table_checked = true;
			if (m->wt && un_wtable_get(m->wt, rel, rel_len) ==
					     UN_W_WHITEOUT) {
				/* The upper's directory beside the record:
				   a killed copy-up's, maybe (un_copy_left). */
				if (c->layer == 0 && S_ISDIR(c->st->st_mode) &&
				    un_copy_left(m, c->real)) {
					c->layer = -1;
					c->dirlayers = 0;
				}
				break;
			}
		}
		if (i > 0 && un_config.oci_lowers && oci_name(rel, rel_len))
			continue;	/* an OCI layer's marker never shows */
		/* Into c->real until a layer holds it (no copy then), and
		   the same for the stat (c->st means nothing while c->layer
		   is -1: no copy of 144 bytes then). */
		room = UN_VPATH_MAX;
		if (c->layer < 0) {
			rp = c->real;
			st = c->st;
		} else {
			rp = real;
			st = &below;
			if (!rp) {
				/* (c->real: its layer's root, '/', rel and
				   a NUL) */
				size_t used = un_layer_len(m, c->layer) +
					      (rel_len ? rel_len + 1 : 0) + 1;

				rp = c->real + used;
				room -= used;
			}
		}
		if (path_join_n(rp, room, un_layer_root(m, i),
				un_layer_len(m, i), rel, rel_len) < 0)
			return room < UN_VPATH_MAX ? 1 : -ENAMETOOLONG;
		rc = layer_stat(base, i, rp, maybe_long, st, x);
		if (rc < 0 && errno == EACCES && base && !base->sub) {
			c->guessed = true;
			if (base->layer != i)
				continue;
			memset(st, 0, sizeof(*st));
			st->st_mode = S_IFDIR;
			rc = 0;
		}
		if (rc < 0) {
			/* (un_dcache_upper_missed may read the directory:
			   errno is the stat's.) */
			int err = errno;

			/* Search permission of a merged directory is its
			   topmost copy's, for the names below it too. */
			if (i == top && err == EACCES)
				return -EACCES;
			if (i == 0 && err == ENOENT && (dirmask >> 1))
				un_dcache_upper_missed(m, rel, rel_len,
						       c->nstamp,
						       lk_may_put());
			if (err != ENOENT && err != ENOTDIR && !first_err)
				first_err = -err;
			/* An OCI whiteout hides the name in the layers below. */
			if (err == ENOENT && i > 0 && un_config.oci_lowers &&
			    oci_marker(rp, NULL))
				break;
			continue;
		}
		if (un_is_ovl_whiteout(st))
			break;
		if (c->layer < 0) {
			uint64_t mask, pmask;

			c->layer = i;	/* (c->st is its stat) */
			if (!S_ISDIR(st->st_mode))
				break;
			if (pr && !c->guessed && (dirmask >> (i + 1)) &&
			    un_dcache_get(m, pr->vpath, pr->vlen, &mask,
					  &pmask) == 0 &&
			    pmask == dirmask && mask &&
			    __builtin_ctzll(mask) == i) {
				c->dirlayers = mask;
				pr->hit = true;
				return 0;
			}
		} else if (!S_ISDIR(st->st_mode)) {
			break;
		}
		c->dirlayers |= bit;
		/* Opacity matters only when some layer is left below. */
		if ((dirmask >> (i + 1)) && is_opaque(m, i, rel, rel_len, rp))
			break;
	}
	if (c->layer < 0 && first_err)
		return first_err;
	return 0;
}

/* lookup_component where a lower layer's path had no room in c->real's
   tail: again, with a buffer (out of line, with its frame). */
static __attribute__((noinline, cold)) int
component_long(struct un_mount *m, uint64_t dirmask, const char *rel,
	       size_t rel_len, const struct at_base *base, struct comp *c,
	       struct stx_req *x, struct dir_probe *pr)
{
	char real[UN_VPATH_MAX];

	return component_in(m, dirmask, rel, rel_len, base, c, x, pr, real);
}

static int lookup_component(struct un_mount *m, uint64_t dirmask,
			    const char *rel, size_t rel_len,
			    const struct at_base *base, struct comp *c,
			    struct stx_req *x, struct dir_probe *pr)
{
	int rc = component_in(m, dirmask, rel, rel_len, base, c, x, pr, NULL);

	if (__builtin_expect(rc > 0, 0))
		rc = component_long(m, dirmask, rel, rel_len, base, c, x, pr);
	return rc;
}

/*
 * An open of a directory for reading (UN_LK_OPENDIR): the caller's
 * flags, and the descriptor open_single opened (-1: none).
 */
struct open_req {
	int flags;
	int fd;
};

/*
 * May a step of the walk that read the union's stamp (stamp, before its
 * own stats) put what it found?  Its parent's layers (the walk's
 * dirmask) were learned at *wstamp: a change since (another thread's
 * copy-up of the parent, say) leaves them stale, and the step's answer
 * with them; put with the later stamp, it stood as valid (a directory
 * of a lower alone, its upper copy made meanwhile: every later listing
 * and lookup of it missed the upper's names; found with
 * integration/held-dir-copyup-race under load).  Then nothing is put,
 * and the older stamp stays for the steps below.  NULL: the caller read
 * its stamp before its layers (near_last).  0: layers that never
 * change (a union's root).
 */
static inline bool walk_stamp_holds(uint64_t *wstamp, uint64_t stamp)
{
	if (!wstamp)
		return true;
	if (*wstamp && *wstamp != stamp)
		return false;
	*wstamp = stamp;
	return true;
}

/*
 * The last name of an open for reading of a directory (find's, fts's
 * openat(dirfd, name, O_DIRECTORY) of every directory it walks), when
 * the cache does not know it and one layer alone may hold it: the
 * upper alone, or a lower alone below a directory whose upper part
 * lacks the name (the upper's name set) and with no table record for
 * it.  The open in that layer, with O_NOFOLLOW, is then the lookup: it
 * succeeds only on a directory there, which is the union's answer (the
 * layers of a directory are among its parent's), and the kernel makes
 * the same checks on the way to it as the lstat it replaces, by the
 * same path (a trailing slash, git's opendir("dir/"), asks for a
 * directory: one is what it found).  Anything else (absent, a symlink,
 * a whiteout device, not a directory, refused) fails it, and the
 * caller looks the name up the usual way.  0 and op->fd on success (c filled as lookup_cached's
 * cache hit fills it, and the directory put in the cache), else -1.
 */
static int open_single(struct un_mount *m, uint64_t dirmask,
		       const char *vpath, size_t vlen, const char *rel,
		       size_t rel_len, const struct at_base *base,
		       struct comp *c, struct open_req *op, uint64_t *wstamp)
{
	uint64_t may = c->upper_lacks ? dirmask & ~(uint64_t)1 : dirmask;
	uint64_t stamp;
	const char *kp;
	int i, kfd = AT_FDCWD, fd;

	if (!may || (may & (may - 1)) || long_rel(m, rel_len) ||
	    un_config.oci_lowers ||
	    (rel_len == sizeof(UN_META_DIR) - 1 &&
	     !memcmp(rel, UN_META_DIR, rel_len)))
		return -1;
	i = __builtin_ctzll(may);
	if (i > 0 && m->wt && un_wtable_get(m->wt, rel, rel_len) != UN_W_NONE)
		return -1;
	if (un_path_join(c->real, UN_VPATH_MAX, un_layer_root(m, i),
			 un_layer_len(m, i), rel) < 0)
		return -1;
	kp = c->real;
	if (base && base->layer == i && base->sub && *base->sub) {
		kfd = base->fd;
		kp = base->sub;
	} else if (base && (fd = cwd_fd(base, i, c->real, false)) >= 0) {
		kfd = fd;
		kp = base->sub;
	}
	/* (Read before the open: a change since leaves the entry stale.) */
	stamp = un_dcache_stamp(m);
	UN_SAVE_ERRNO;
	fd = real_openat(kfd, kp, op->flags | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0) {
		UN_RESTORE_ERRNO;
		return -1;
	}
	c->layer = i;
	c->dirlayers = (uint64_t)1 << i;
	c->guessed = false;
	memset(c->st, 0, sizeof(*c->st));
	c->st->st_mode = S_IFDIR;
	if (lk_may_put() && walk_stamp_holds(wstamp, stamp))
		un_dcache_put(m, vpath, vlen, c->dirlayers, dirmask, stamp);
	op->fd = fd;
	return 0;
}

/*
 * The layers of dirmask that may hold the name c is about: all of them,
 * but the upper when c->upper_lacks says it lacks the name (its name
 * set, or dcache.c's memo of the last name it lacked: one lower name
 * stat'ed again and again).  One layer alone: lookup_single's way, as
 * for a directory of that layer alone (the stat through the start's
 * descriptor standing in it, no table asked while it is empty), where
 * lookup_component's loop skipped the upper and found the same answer
 * in that one layer with ~90 instructions more (bench/README.md
 * "Session 19 (stat19)").
 */
static inline uint64_t near_may(uint64_t dirmask, const struct comp *c)
{
	return c->upper_lacks ? dirmask & ~(uint64_t)1 : dirmask;
}

static inline __attribute__((always_inline)) int
lookup_single(struct un_mount *m, int i, const char *rel, size_t rel_len,
	      const struct at_base *base, struct comp *c, struct stx_req *x,
	      bool statonly);

/*
 * lookup_component, through the cache: a directory walked lately is
 * known with its layers (for the same layers of its parent), so only its
 * topmost layer is stat'ed, for st, and not even that when the caller
 * needs only the type (nostat: a directory on the way, or the last name
 * of an open for reading); a directory found the long way is
 * remembered.  vpath (vlen bytes) is rel's merged path.  nstamp: the
 * names stamp un_lookup read for this last name, and nstamp[1] the
 * union's stamp read with it (NULL: read them here).
 * op: an open of a directory for reading, tried first where the cache
 * misses (open_single).  wstamp: the walk's stamp (walk_stamp_holds;
 * NULL: near_last's, which read theirs before their layers).  Inlined
 * in its two callers, the walk and near_last: called, the walk's last
 * step cost git status ~0.2M more.
 */
static inline __attribute__((always_inline)) int
lookup_cached(struct un_mount *m, uint64_t dirmask, const char *vpath,
	      size_t vlen, const char *rel, size_t rel_len,
	      const struct at_base *base, struct comp *c, bool nostat,
	      struct stx_req *x, const uint64_t *nstamp, struct open_req *op,
	      uint64_t *wstamp)
{
	uint64_t mask, pmask, stamp, may;
	bool asked = false;	/* c->upper_lacks set */
	struct dir_probe pr = { vpath, vlen, false }, *prp = NULL;
	int rc;

	/* A name to stat: its first layer is stat'ed whatever the cache
	   says (its hit stat'ed the topmost layer of its answer), so the
	   cache is asked only once that showed a directory with layers
	   below (lookup_component's pr; one layer alone, a lower name the
	   upper lacks below a directory of two, never asks). */
	if (!nostat && !op) {
		if (nstamp)
			c->nstamp = *nstamp;
		c->upper_lacks = (dirmask & 1) &&
				 (nstamp ? un_dcache_upper_lacks_at(m, rel,
						rel_len, *nstamp) :
					   un_dcache_upper_lacks(m, rel,
						rel_len, &c->nstamp));
		/* One layer may hold it (near_may): lookup_single's way,
		   which lookup_component's loop answers alike for one
		   layer, where a start's sub is set (its guess past a
		   refusal is for a NULL sub).  c->no_records: the
		   caller's. */
		may = near_may(dirmask, c);
		if (!(may & (may - 1)) && may && !un_config.oci_lowers &&
		    (!base || base->sub)) {
			stamp = nstamp ? nstamp[1] : un_dcache_stamp(m);
			rc = lookup_single(m, __builtin_ctzll(may), rel,
					   rel_len, base, c, x, false);
			goto put;
		}
		asked = true;
		prp = &pr;
		goto uncached;
	}
	if (un_dcache_get(m, vpath, vlen, &mask, &pmask) == 0 &&
	    pmask == dirmask && mask) {
		int layer = __builtin_ctzll(mask);

		if (path_join_n(c->real, UN_VPATH_MAX,
				un_layer_root(m, layer), un_layer_len(m, layer),
				rel, rel_len) == 0) {
			if (nostat) {
				memset(c->st, 0, sizeof(*c->st));
				c->st->st_mode = S_IFDIR;
			}
			if (nostat ||
			    (layer_lstat(base, layer, c->real,
					 long_rel(m, rel_len), c->st) == 0 &&
				       S_ISDIR(c->st->st_mode))) {
				c->layer = layer;
				c->dirlayers = mask;
				return 0;
			}
		}
	}
	if (!asked)
		c->upper_lacks = (dirmask & 1) &&
				 un_dcache_upper_lacks(m, rel, rel_len,
						       &c->nstamp);
	if (op && open_single(m, dirmask, vpath, vlen, rel, rel_len, base, c,
			      op, wstamp) == 0)
		return 0;
uncached:
	/* (Read before the stats: a change since leaves the entry stale.) */
	stamp = nstamp ? nstamp[1] : un_dcache_stamp(m);
	rc = lookup_component(m, dirmask, rel, rel_len, base, c, x, prp);
put:
	if (rc == 0 && !pr.hit && c->layer >= 0 && S_ISDIR(c->st->st_mode) &&
	    lk_may_put() && walk_stamp_holds(wstamp, stamp))
		un_dcache_put(m, vpath, vlen, c->dirlayers, dirmask, stamp);
	return rc;
}

/* The walk's state. */
struct walk {
	size_t vlen;
	struct un_mount *m;	/* the union vpath lies in, or NULL */
	uint64_t dirmask;	/* layers of the directory vpath names */
	uint64_t parentmask;	/* layers of its parent directory */
	int links;
	int relooks;	/* names looked up again (walk_link) */
	/* Where the walk started (dirfd or cwd), while vpath still lies
	   at or below it (never popped since, same union): base.layer -1
	   when none; base_vlen the length of its merged path. */
	struct at_base base;
	size_t base_vlen;
	/* While vpath[0, up_vlen) is the start or one of its ancestors
	   (reached by '..' alone), the start's layer (else -1): '..' there
	   settles as settle_start does, the kernel's dentries held. */
	int up_layer;
	size_t up_vlen;
	bool sure;		/* settle_in's layers are the union's (not
				   guessed past a refusal) */
	/* The union's stamp when what the walk knows of dirmask was
	   learned (0: layers that never change, a root's, or a source
	   not followed): walk_stamp_holds. */
	uint64_t stamp;
	/* UN_VPATH_MAX bytes settle_walk may write its layer paths into
	   (lookup_path's node's real, which the walk's own lookups fill
	   anyway), or NULL: settle_walk_own's buffer then.  A buffer of
	   its own was a stack page more written by every walk that
	   settles (a shell child's exec: bench/README.md, "Session 14
	   (exec)"). */
	char *scratch;
	/* Last, as un_node's paths (internal.h): the fields and the
	   path's head in one page of the stack. */
	char vpath[UN_VPATH_MAX]; /* merged path so far, symlink-free */
};

/* Is the walk's directory at or below its starting point still? */
static bool walk_in_base(const struct walk *w)
{
	return w->base.layer >= 0 && w->m == w->base.m &&
	       w->vlen >= w->base_vlen;
}

/* The walk just pushed a name below its starting point: into here, the
   base with that name's path from there. */
static const struct at_base *walk_base(const struct walk *w,
				       struct at_base *here)
{
	*here = w->base;
	here->sub = w->vpath + w->base_vlen;
	if (*here->sub == '/')
		here->sub++;
	return here;
}

/* The part of a merged path under the root of m ("" at the root). */
static const char *rel_of(const struct un_mount *m, const char *vpath,
			  size_t vlen)
{
	if (vlen <= m->merged_len)
		return vpath + vlen;
	return vpath + m->merged_len + (m->merged_len > 1);
}

/*
 * The union vpath lies in: the walk's own while vpath still lies in it
 * and no other MERGED lies below it (a walk that went on down from a
 * MERGED, the commonest case: no test of the configuration again), else
 * the configuration's answer.  vpath is canonical, so lying in it is a
 * matter of its prefix.
 */
static struct un_mount *walk_mount(const struct walk *w)
{
	struct un_mount *m = w->m;

	if (m && !m->has_inner && w->vlen >= m->merged_len &&
	    (w->vlen == m->merged_len || m->merged_len == 1 ||
	     w->vpath[m->merged_len] == '/') &&
	    !memcmp(w->vpath, m->merged, m->merged_len))
		return m;
	return un_config_find(w->vpath);
}

/*
 * Settle the walk on vpath, a directory: find its union and the layers
 * that make it up, from the cache or by walking its components from the
 * union's root.  Used at the start, after '..' and after an absolute
 * symlink target, where vpath is free of symlinks.  A symlink met on the
 * way returns 2 when links_ok (walk_jump then walks the path properly),
 * else -ENOENT (the tree changed under a path that was free of them).
 * start: vpath is where a relative lookup starts (the cwd, a dirfd), in
 * w->base.layer when that is >= 0: the kernel checks no search
 * permission on the way there (lookup_component's NULL sub).
 */
static int settle_walk(struct walk *w, const char *rel, bool links_ok,
		       bool start, char *creal);
static int settle_walk_own(struct walk *w, const char *rel, bool links_ok,
			   bool start);

static int settle_in_m(struct walk *w, struct un_mount *m, bool links_ok,
		       bool start)
{
	const char *rel;

	w->sure = false;
	w->m = m;
	w->stamp = 0;
	if (!m)
		return 0;
	w->dirmask = root_layers(m);
	w->parentmask = 0;
	rel = rel_of(m, w->vpath, w->vlen);
	w->sure = true;
	if (!*rel)
		return 0;
	/* (w->stamp: the one the cache's answer holds at, or settle_walk's,
	   read before its stats.) */
	if (un_dcache_get_at(m, w->vpath, w->vlen, &w->dirmask,
			     &w->parentmask, &w->stamp) == 0)
		return 0;
	w->sure = false;
	if (w->scratch)
		return settle_walk(w, rel, links_ok, start, w->scratch);
	return settle_walk_own(w, rel, links_ok, start);
}

static int settle_in(struct walk *w, bool links_ok, bool start)
{
	return settle_in_m(w, walk_mount(w), links_ok, start);
}

/*
 * settle_in's walk from the union's root, the cache having missed: out
 * of line (its stack probes were paid by every lookup when settle_in
 * had its buffers: git status settles twice a name, from the cache).
 * creal: UN_VPATH_MAX bytes for the layer paths (the walk's scratch).
 */
static __attribute__((noinline)) int settle_walk(struct walk *w,
						 const char *rel,
						 bool links_ok, bool start,
						 char *creal)
{
	struct at_base above = w->base;
	struct comp c;
	struct stat cst;
	/* rel lies in w->vpath: each prefix of it looked up is ended in
	   place for the time of its lookup (no copy: a buffer of 8 KiB
	   less, and a stack page less written at every walk). */
	char *relbuf = w->vpath + (rel - w->vpath);

	if (above.layer < 0)
		above.layer = w->up_layer;	/* (see struct walk) */
	size_t rlen;
	uint64_t stamp;
	bool guessed = false;

	c.real = creal;
	c.st = &cst;
	stamp = un_dcache_stamp(w->m);
	w->stamp = stamp;	/* (walk_stamp_holds) */
	while (*rel) {
		size_t len = (size_t)(strchrnul(rel, '/') - rel);
		char end;
		int rc;

		rlen = (size_t)(rel + len - relbuf);
		end = relbuf[rlen];
		relbuf[rlen] = '\0';
		above.sub = NULL;
		c.upper_lacks = (w->dirmask & 1) &&
				un_dcache_upper_lacks(w->m, relbuf, rlen,
						      &c.nstamp);
		rc = lookup_component(w->m, w->dirmask, relbuf, rlen,
				      start ? &above : NULL, &c, NULL, NULL);
		relbuf[rlen] = end;
		if (rc < 0)
			return rc;
		guessed |= c.guessed;
		if (c.layer < 0)
			return -ENOENT;
		if (S_ISLNK(c.st->st_mode))
			return links_ok ? 2 : -ENOENT;
		if (!S_ISDIR(c.st->st_mode))
			return -ENOTDIR;
		w->parentmask = w->dirmask;
		w->dirmask = c.dirlayers;
		rel += len;
		if (*rel == '/')
			rel++;
	}
	/* (What was guessed past a refusal, or found after a route, is
	   not for the strict walks; nor what the lookup finds below.) */
	if (guessed)
		lk_noput = true;
	guessed |= !lk_may_put();
	if (!guessed)
		un_dcache_put(w->m, w->vpath, w->vlen, w->dirmask,
			      w->parentmask, stamp);
	w->sure = !guessed;
	return 0;
}

/* settle_walk for a walk without scratch: the buffer on a frame of its
   own. */
static __attribute__((noinline)) int settle_walk_own(struct walk *w,
						     const char *rel,
						     bool links_ok, bool start)
{
	char creal[UN_VPATH_MAX];

	return settle_walk(w, rel, links_ok, start, creal);
}

static int settle(struct walk *w, bool links_ok)
{
	return settle_in(w, links_ok, false);
}

static int walk_settle(struct walk *w)
{
	return settle(w, false);
}

/* Settle the walk on its starting directory (see settle_in). */
static int settle_start(struct walk *w)
{
	return settle_in(w, false, w->base.layer >= 0);
}

/*
 * settle_start for a walk from the cwd, read at its change count seq
 * with its union m (un_cwd_get_walk: un_config_find of that very path,
 * so no walk_mount); the layers found are kept for the cwd's next
 * lookups (cwd_kept) once cwd_check saw it alive at this count and the
 * union's stamp: every relative lookup settles on the cwd, and a hit
 * stands for that check and for the directory cache's probe (a hash of
 * the cwd's path, a compare), once a cwd and not once a name.
 */
static int settle_cwd(struct walk *w, struct un_mount *m, unsigned long seq)
{
	bool start = w->base.layer >= 0;
	uint64_t stamp;
	unsigned long now;
	int rc;

	if (!m || !m->wt || w->vlen <= m->merged_len)
		return settle_in_m(w, m, false, start);
	stamp = un_dcache_stamp(m);
	rc = settle_in_m(w, m, false, start);
	if (rc == 0 && w->sure && w->m == m &&
	    un_cwd_seen(m, stamp, &now) && now == seq)
		un_dcache_cwd_put(m, seq, stamp, w->dirmask, w->parentmask);
	return rc;
}

/*
 * The cwd (m, vlen bytes, read at count seq) settled from what this
 * thread kept (settle_cwd): seen alive at that count and stamp, and
 * its layers then.  Spares cwd_check and settle_cwd their work.
 */
static bool cwd_kept(struct walk *w, struct un_mount *m, size_t vlen,
		     unsigned long seq)
{
	uint64_t stamp;

	if (!m || !m->wt || vlen <= m->merged_len)
		return false;
	stamp = un_dcache_stamp(m);
	if (un_dcache_cwd_get(m, seq, stamp, &w->dirmask, &w->parentmask) != 0)
		return false;
	w->m = m;
	w->stamp = stamp;
	w->sure = true;
	return true;
}

/*
 * settle_start for a walk from the descriptor fd: the layers kept with
 * it (k, un_fd_get_walk's) while the union's stamp is still the one
 * they were found at, which every process bumps at any change of a
 * directory of the upper or of the table (dcache.c's rule); else
 * settle_start's answer, kept with it.  find, du and tar stat every
 * name relative to the directory they read: the directory cache's
 * probe (a hash of the whole merged path, a compare) once a directory,
 * not once a name.
 */
static bool fd_dir_moved(struct walk *w, int dirfd, bool alone);
static bool places_own(const struct un_mount *m, uint64_t from,
		       uint64_t to);

/* look: may ask whether another process moved or removed the directory
   (not twice in one lookup). */
static int settle_fd(struct walk *w, int fd, const struct un_fd_masks *k,
		     bool look)
{
	/* w->m: un_fd_get_walk's hint, un_config_find of this very path
	   kept with the descriptor's record (a record's path never
	   changes: a move replaces the record, hint unset), so it is what
	   walk_mount would find (~55 instructions: its compare of MERGED).
	   NULL (no record: a handler's descriptor) asks walk_mount. */
	struct un_mount *m = w->m;
	struct un_fd_masks put;
	int rc;

	if (!m)
		return settle_start(w);
	put.stamp = un_dcache_stamp(m);
	if (k->set && k->stamp == put.stamp) {
		w->dirmask = k->mask;
		w->parentmask = k->pmask;
		w->stamp = put.stamp;
		return 0;
	}
	rc = settle_in_m(w, m, false, w->base.layer >= 0);
	/* A directory of the upper another process renamed or removed,
	   then made again at its path (mv A B or rm -rf A; mkdir A): the
	   path leads somewhere, to the wrong directory.  Looked at when
	   the union's count of places (renames and rmdirs of directories)
	   moved since the descriptor was last found where its path says
	   (read before the look: a change after it is seen at the next
	   lookup) or since its open (un_fd_set_at; a record without: when
	   the count is not 0), by another process's change (places_own).
	   (integration/fd-dir-renamed-made-again, -removed-made-again) */
	put.moves = 0;
	if (rc == 0 && w->base.layer == 0 && m->wt &&
	    w->vlen > m->merged_len) {
		put.moves = un_wtable_places(m->wt);
		if (look && put.moves != k->moves &&
		    !places_own(m, k->moves, put.moves) &&
		    fd_dir_moved(w, fd, true))
			return -EAGAIN;
	}
	if (rc == 0 && w->sure && w->m == m) {
		put.mask = w->dirmask;
		put.pmask = w->parentmask;
		un_fd_masks_put(fd, &put);
	}
	return rc;
}

/* Drop the last component of vpath ('..' on a symlink-free path). */
static void walk_pop(struct walk *w)
{
	w->base.layer = -1;
	while (w->vlen > 1 && w->vpath[w->vlen - 1] != '/')
		w->vlen--;
	if (w->vlen > 1)
		w->vlen--;
	w->vpath[w->vlen] = '\0';
	if (w->vlen <= w->up_vlen)
		w->up_vlen = w->vlen;	/* an ancestor of the start */
}

/* Settle the walk after a '..': as on its start when it is one of the
   start's ancestors in the start's union (struct walk's up_layer). */
static int walk_settle_up(struct walk *w)
{
	struct un_mount *m = walk_mount(w);

	return settle_in_m(w, m, false,
			   w->up_layer >= 0 && w->vlen == w->up_vlen &&
				   m == w->base.m);
}

static int walk_push(struct walk *w, const char *name, size_t len)
{
	if (w->vlen + 1 + len >= UN_VPATH_MAX)
		return -ENAMETOOLONG;
	if (w->vlen > 1)
		w->vpath[w->vlen++] = '/';
	memcpy(w->vpath + w->vlen, name, len);
	w->vlen += len;
	w->vpath[w->vlen] = '\0';
	return 0;
}

/* The bytes of w equal to c: the high bit of each such byte (exact, no
   borrow from one byte into the next). */
static inline uint64_t bytes_eq(uint64_t w, unsigned char c)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t x = w ^ (0x0101010101010101ULL * c);

	return ~(((x & low7) + low7) | x | low7);
}

/*
 * Is s[0, n), a directory part ending in '/', free of empty, '.' and '..'
 * components?  Eight bytes a step (a byte at a time cost ~90
 * instructions a stat): a '/' or a '.' right after a '/' (or at the
 * start) sends to the exact test, which lets names like ".git" through.
 */
static bool plain_dirs(const char *s, size_t n)
{
	uint64_t before = 0x80;	/* as if a '/' came first */

	/* (The shifts take s[0] for the lowest byte of a word.) */
	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		goto exact;
	for (size_t i = 0; n >= 8 && i < n; i += 8) {
		uint64_t w, sl;

		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
		} else {
			/* The last bytes, loaded with some already seen,
			   shifted out (s has n bytes at least). */
			memcpy(&w, s + n - 8, 8);
			w >>= 8 * (8 - (n - i));
		}
		sl = bytes_eq(w, '/');
		if (((sl << 8) | before) & (sl | bytes_eq(w, '.')))
			goto exact;
		before = (sl >> 56) & 0x80;
	}
	if (n >= 8)
		return true;
exact:
	for (size_t i = 0, c = 0; i < n; i++) {
		if (s[i] == '/') {
			if (i == c || (i - c == 1 && s[c] == '.') ||
			    (i - c == 2 && s[c] == '.' && s[c + 1] == '.'))
				return false;
			c = i + 1;
		}
	}
	return true;
}

/*
 * Start the walk in the directory part of todo when it is plain (no
 * empty, '.' or '..' component): base (vpath, a merged directory) plus
 * that part is then a path the cache may know.  todo is len bytes (its
 * strlen, which the caller knows).  Leaves todo with the
 * last component.  Returns 0 when settled there, 1 when the caller is
 * to walk todo from base as usual, or -errno.  from_base: base is where
 * a relative lookup starts (settle_start).
 */
static int walk_jump_dir(struct walk *w, char *todo, size_t len, size_t dir,
			 bool from_base, const unsigned long *cwd_seq);

static inline int walk_jump(struct walk *w, char *todo, size_t len,
			    bool from_base, const unsigned long *cwd_seq)
{
	size_t end = len, dir;
	const char *slash;

	while (end > 0 && todo[end - 1] == '/')
		end--;
	/* (memrchr: a byte at a time cost ~45 instructions a stat.) */
	slash = end ? memrchr(todo, '/', end) : NULL;
	dir = slash ? (size_t)(slash - todo) + 1 : 0;
	if (dir <= 1)
		return 1;	/* a single component */
	return walk_jump_dir(w, todo, len, dir, from_base, cwd_seq);
}

/* walk_jump's work where todo holds a directory part (its first dir
   bytes, ending in '/'): out of line, so that a single name (the
   commonest relative lookup) pays no frame for it (~25 instructions). */
static __attribute__((noinline)) int walk_jump_dir(struct walk *w, char *todo,
						   size_t len, size_t dir,
						   bool from_base,
						   const unsigned long *cwd_seq)
{
	size_t save = w->vlen;
	struct un_mount *m0 = w->m;
	uint64_t stamp = 0;
	bool keep = false;
	int rc;

	/* From the cwd (settled, seen alive at *cwd_seq): the directory
	   of the last such part, kept with the count and the stamp
	   (dcache.c un_dcache_rel_get), spares plain_dirs and the cache's
	   probe of its whole merged path (git status: "dir/sub/name"). */
	if (cwd_seq && m0 && m0->wt && !m0->has_inner &&
	    dir - 1 <= UN_DCACHE_PART_MAX) {
		uint64_t mask, pmask;

		keep = true;
		stamp = un_dcache_stamp(m0);
		if (un_dcache_rel_get(m0, *cwd_seq, stamp, todo, dir - 1,
				      &mask, &pmask) == 0 &&
		    walk_push(w, todo, dir - 1) == 0) {
			w->dirmask = mask;
			w->parentmask = pmask;
			w->stamp = stamp;
			w->sure = true;
			memmove(todo, todo + dir, len - dir + 1);
			return 0;
		}
	}
	if (!plain_dirs(todo, dir))
		return 1;
	if (todo[0] == '/' || walk_push(w, todo, dir - 1) < 0) {
		w->vlen = save;
		w->vpath[save] = '\0';
		return 1;
	}
	/* (Plain names pushed below a directory of w->m, which holds no
	   other union: still w->m's, no search of the configuration.) */
	rc = settle_in_m(w, w->m && !w->m->has_inner ? w->m : walk_mount(w),
			 true, false);
	if (rc == 0 && w->m) {
		if (keep && w->sure && w->m == m0)
			un_dcache_rel_put(m0, *cwd_seq, stamp, todo, dir - 1,
					  w->dirmask, w->parentmask, w->vpath,
					  w->vlen, w->base.layer);
		memmove(todo, todo + dir, len - dir + 1);
		return 0;
	}
	/* A symlink on the way, or an error: walk it the long way from
	   base, which follows links and reports the right error. */
	w->vlen = save;
	w->vpath[save] = '\0';
	rc = from_base ? settle_start(w) : walk_settle(w);
	return rc < 0 ? rc : 1;
}

/* Replace the walk's remaining path by target + '/' + rest. */
static int splice_target(char *todo, size_t size, const char *target,
		  const char *rest)
{
	size_t tl = strlen(target), rl = strlen(rest);

	if (tl + 1 + rl >= size || tl + 1 + rl >= PATH_MAX)
		return -ENAMETOOLONG;
	memmove(todo + tl + (rl ? 1 : 0), rest, rl + 1);
	memcpy(todo, target, tl);
	if (rl)
		todo[tl] = '/';
	return 0;
}

/* walk_link's answer when the link is gone: look the name up again. */
#define WALK_AGAIN 1

/* readlink of a link whose path in its layer is too long for the
   kernel (below a directory deeper than PATH_MAX: a stat that follows
   it failed ENAMETOOLONG), by the path un_kreal gives.  (Out of line:
   its 4 KiB are in no frame of the common lookup.) */
static __attribute__((noinline, cold)) ssize_t
readlink_long(const char *real, char *buf, size_t size)
{
	UN_KBUF(kbuf);

	return real_readlink(un_kreal_long(real, &kbuf), buf, size);
}

static __attribute__((noinline, cold)) int proc_target(char *target,
						       size_t size);

/* Follow a symlink whose real location is real; the link's name is the
 * last component of vpath.  0 (todo holds the rest of the walk),
 * WALK_AGAIN or -errno. */
static int walk_link(struct walk *w, const char *real, char *todo,
		     size_t size, const char *rest)
{
	char target[PATH_MAX];
	ssize_t tl = __builtin_expect(strlen(real) < PATH_MAX, 1) ?
			     real_readlink(real, target, sizeof(target) - 1) :
			     readlink_long(real, target, sizeof(target) - 1);
	int rc;

	if (tl < 0 && errno == EACCES)
		tl = link_route(real, target, sizeof(target) - 1);

	if (tl < 0) {
		/* A symlink at the lookup, not now: another process
		   removed the name or put a file there since (an
		   open(O_CREAT) of it, say).  The kernel takes a name as
		   it is at one instant, never this EINVAL or ENOENT: the
		   name is looked up again (as many times as links may be
		   followed: the links' own count is not spent, a loop
		   k -> k ends in ELOOP, not this EINVAL).  (tests/stress/race.py found it;
		   integration/symlink-replaced-during-lookup-race.) */
		if ((errno == EINVAL || errno == ENOENT) &&
		    ++w->relooks <= MAX_SYMLINKS) {
			walk_pop(w);
			rc = walk_settle(w);
			return rc < 0 ? rc : WALK_AGAIN;
		}
		return -errno;
	}
	if (tl == 0)
		return -ENOENT;
	target[tl] = '\0';
	if (++w->links > MAX_SYMLINKS)
		return -ELOOP;
	int base_layer = w->base.layer;

	/* A link to /proc/self/fd/N or /proc/self/cwd (/dev/stdin's): the
	   kernel follows the magic link to the real object, a lower's. */
	if (target[0] == '/' && (target[1] == 'p' || target[1] == 'd')) {
		rc = proc_target(target, sizeof(target));
		if (rc < 0)
			return rc;
	}
	walk_pop(w);
	if (target[0] == '/') {
		lk_relative = false;	/* the kernel goes on from the root */
		w->up_layer = -1;
		w->vpath[0] = '/';
		w->vpath[1] = '\0';
		w->vlen = 1;
	} else if (w->m) {
		/* A relative target goes on from the link's directory, the
		   one the walk stands in (its layers unchanged since it was
		   entered), and from the start still when that is at or
		   below it: the kernel asks nothing above it.  A settle
		   from the root asked the search permission of every
		   ancestor (user seed two:3948, found/176: a dangling link
		   in a cwd below a directory that lost x, EACCES for
		   ENOENT). */
		if (base_layer >= 0 && w->vlen >= w->base_vlen)
			w->base.layer = base_layer;
		return splice_target(todo, size, target, rest);
	}
	rc = walk_settle(w);
	if (rc < 0)
		return rc;
	return splice_target(todo, size, target, rest);
}

/* May the caller search the directory the walk stands in?  Asked of
   its topmost copy relative to where the lookup started, when it may:
   the kernel checks nothing above a cwd or a dirfd.  (Out of line: its
   12 KiB, for '.' and '..' only, in no frame of the common lookup.) */
static __attribute__((noinline)) int may_search(const struct walk *w)
{
	char real[UN_VPATH_MAX];
	int layer = __builtin_ctzll(w->dirmask);
	struct at_base here;

	if (walk_in_base(w) && w->base.layer == layer) {
		walk_base(w, &here);
		if (real_faccessat(here.fd, *here.sub ? here.sub : ".", X_OK,
				   AT_EACCESS) < 0)
			return errno == ENOENT ? 0 : -errno;
		return 0;
	}
	if (un_path_join(real, sizeof(real), un_layer_root(w->m, layer),
			 un_layer_len(w->m, layer),
			 rel_of(w->m, w->vpath, w->vlen)) < 0)
		return -ENAMETOOLONG;
	UN_KBUF(kbuf);
	const char *kp;
	int kfd = un_kreal_at(lk_start, real, &kbuf, &kp);

	if (real_faccessat(kfd, kp, X_OK, AT_EACCESS) < 0 &&
	    (errno != EACCES ||
	     route_again(real, ROUTE_SEARCH, NULL, NULL, 0, 0) < 0))
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

/* The walk ended on the directory vpath itself. */
static int fill_dir(struct walk *w, struct un_node *n)
{
	const char *rel = rel_of(w->m, w->vpath, w->vlen);
	int layer = __builtin_ctzll(w->dirmask);

	n->mnt = w->m;
	memcpy(n->vpath, w->vpath, w->vlen + 1);
	n->rel_off = rel - w->vpath;
	n->layer = layer;
	n->dirlayers = w->dirmask;
	n->parent_dirlayers = w->parentmask;
	if (un_path_join(n->real, sizeof(n->real), un_layer_root(w->m, layer),
			 un_layer_len(w->m, layer), rel) < 0)
		return -ENAMETOOLONG;
	/* At or below where the lookup started, in its layer: relative to
	   it (its ancestors there may be unsearchable: see settle_in). */
	if (walk_in_base(w) && w->base.layer == layer) {
		struct at_base here;

		walk_base(w, &here);
		if (layer_lstat(&here, layer, n->real, false, &n->st) < 0)
			return -errno;
		n->at_fd = here.fd;
		n->at_off = strlen(n->real) - strlen(here.sub);
		return 0;
	}
	if (k_lstat(n->real, &n->st) < 0)
		return -errno;
	return 0;
}

/* The walk left every union: the kernel takes vpath + rest. */
static int hand_over(struct walk *w, const char *rest, struct un_node *n)
{
	size_t rl = strlen(rest);

	if (w->vlen + 1 + rl >= sizeof(n->real))
		return -ENAMETOOLONG;
	memcpy(n->real, w->vpath, w->vlen);
	if (rl) {
		size_t off = w->vlen;

		if (off > 1)
			n->real[off++] = '/';
		memcpy(n->real + off, rest, rl + 1);
	} else {
		n->real[w->vlen] = '\0';
		/* A trailing slash asks the kernel for a directory too. */
		if (n->trailing_slash && w->vlen > 1 &&
		    w->vlen + 1 < sizeof(n->real))
			strcpy(n->real + w->vlen, "/");
	}
	n->kpath = n->real;
	n->mnt = NULL;
	return 1;
}

/*
 * If path is /proc/self/fd/N[/rest] (or /dev/fd/N, /proc/thread-self/fd/N,
 * /proc/PID/fd/N of this process) and N was opened in a union, write its
 * merged path (and rest) into buf and return 0; 1 otherwise.
 */
static __attribute__((noinline)) int proc_fd_path_in(const char *path,
						      char *buf, size_t size,
						      bool follow);

static inline int proc_fd_path(const char *path, char *buf, size_t size,
			       bool follow)
{
	if (path[1] != 'p' && path[1] != 'd')
		return 1;	/* most paths: one test */
	return proc_fd_path_in(path, buf, size, follow);
}

/* The descriptor N of path /proc/self/fd/N[/rest] (or /dev/fd/N,
   /proc/thread-self/fd/N, /proc/PID/fd/N of this process), *end at
   rest; -1 for any other path, and for the link itself (!follow). */
static int proc_fd_num(const char *path, bool follow, const char **end)
{
	char pid[40];
	const char *p = NULL;
	char *e;
	long fd;
	int n;

	/* /dev/stdin, stdout, stderr: links to /proc/self/fd/0, 1, 2 (an
	   `echo x >/dev/stdin` with stdin read-only on a lower file wrote
	   the lower's; integration/proc-self-cwd-lower). */
	static const char std[][12] = { "/dev/stdin", "/dev/stdout",
					"/dev/stderr" };

	if (!strncmp(path, "/dev/std", 8)) {
		for (int i = 0; i < 3; i++) {
			size_t k = strlen(std[i]);

			if (!strncmp(path, std[i], k) &&
			    ((!path[k] && follow) || path[k] == '/')) {
				*end = path + k;
				return i;
			}
		}
		return -1;
	}
	if (!strncmp(path, "/proc/self/fd/", 14))
		p = path + 14;
	else if (!strncmp(path, "/dev/fd/", 8))
		p = path + 8;
	else if (!strncmp(path, "/proc/thread-self/fd/", 21))
		p = path + 21;
	else if (!strncmp(path, "/proc/", 6) && path[6] >= '0' &&
		 path[6] <= '9' &&	/* (getpid is a system call) */
		 (n = snprintf(pid, sizeof(pid), "/proc/%d/fd/",
			       (int)getpid())) > 0 &&
		 !strncmp(path, pid, n))
		p = path + n;
	if (!p || *p < '0' || *p > '9')
		return -1;
	fd = strtol(p, &e, 10);
	/* The link itself (lstat, readlink) stays the kernel's. */
	if ((*e && *e != '/') || (!*e && !follow) || fd > INT_MAX)
		return -1;
	*end = e;
	return (int)fd;
}

/*
 * path is /proc/PID/cwd[/rest] or /proc/PID/fd/N[/rest] of another
 * process, or /proc/{PID,self}/task/TID/... of any thread: the kernel follows the magic link to the real object, a
 * layer's when that process runs in a union (its cwd a lower's
 * directory, its descriptor a lower's file: `echo x
 * >/proc/$PPID/cwd/new` made new in the LOWER; integration/
 * proc-other-cwd-lower).  0 with the merged path the link's target
 * stands for (and rest) in buf, as discover does for a descriptor of
 * this process; 1 for any other path, a target in no layer, or one the
 * kernel says is deleted (no lower's: a lower never changes).  Its own
 * frame; cold: rare paths.
 */
static __attribute__((noinline, cold)) int proc_other(const char *path,
						      char *buf, size_t size,
						      bool follow)
{
	char link[96], real[PATH_MAX];
	const char *p = path + 6, *end;
	ssize_t got;
	long pid = -1;	/* (-1: this process's, by a thread's task) */
	bool task;

	if (strncmp(path, "/proc/", 6))
		return 1;
	if (!strncmp(p, "self/", 5))
		end = p + 4;
	else if (*p >= '0' && *p <= '9')
		pid = strtol(p, (char **)&end, 10);
	else
		return 1;
	/* /proc/PID/task/TID/..., /proc/self/task/TID/...: a thread's. */
	task = !strncmp(end, "/task/", 6) && end[6] >= '0' && end[6] <= '9';
	if (task)
		for (end += 6; *end >= '0' && *end <= '9'; end++)
			;
	else if (pid < 0)
		return 1;	/* (/proc/self/...: proc_fd_num's, proc_cwd's) */
	if (!strncmp(end, "/cwd", 4)) {
		end += 4;
	} else if (!strncmp(end, "/fd/", 4) && end[4] >= '0' &&
		   end[4] <= '9') {
		for (end += 4; *end >= '0' && *end <= '9'; end++)
			;
	} else {
		return 1;
	}
	/* (The link itself, lstat's or readlink's, stays the kernel's.) */
	if ((*end && *end != '/') || (!*end && !follow) ||
	    (size_t)(end - path) >= sizeof(link) ||
	    (!task && pid == (long)getpid()))	/* (proc_fd_num's...) */
		return 1;
	memcpy(link, path, (size_t)(end - path));
	link[end - path] = '\0';
	UN_SAVE_ERRNO;
	got = real_readlink(link, real, sizeof(real));
	UN_RESTORE_ERRNO;
	if (got <= 0 || real[0] != '/')
		return 1;	/* (none, a pipe's, a socket's) */
	if ((size_t)got >= sizeof(real))
		return -ENAMETOOLONG;	/* (cut: maybe a layer's) */
	real[got] = '\0';
	if (un_path_unreal(real, buf, size) < 0)
		return 1;
	if (got > 10 && !strcmp(real + got - 10, " (deleted)")) {
		struct stat st;
		int e0 = errno;

		/* (A name that ends so, or the kernel's mark of a removed
		   object: then the upper's, gone, left to the kernel.) */
		if (real_lstat(real, &st) < 0) {
			errno = e0;
			return 1;
		}
	}
	if (strlen(buf) + strlen(end) >= size)
		return -ENAMETOOLONG;
	strcat(buf, end);
	return 0;
}

/* (Out of line: its 4 KiB are in no frame of the common lookup.) */
static int proc_fd_path_in(const char *path, char *buf, size_t size,
			   bool follow)
{
	char vpath[PATH_MAX];
	const char *end;
	int fd = proc_fd_num(path, follow, &end);
	int rc;

	if (fd < 0)
		return path[1] == 'p' ? proc_other(path, buf, size, follow) :
					1;
	/* A dead directory's magic link would reach a lower one. */
	rc = un_fd_get(fd, vpath, sizeof(vpath), NULL);
	if (rc == -ESTALE)
		return -ENOENT;
	/* A descriptor of a union whose merged path is PATH_MAX bytes or
	   more (a tree made one level at a time) is not one outside: the
	   kernel would follow its link to the layer's object, a lower's
	   (an O_RDWR reopen, a chmod, a create below it).  Refused, as
	   the lookup of a path that long is (the walk's path is shorter
	   than PATH_MAX), where proc_fd_deep did not take it: a file's
	   own link (integration/long-fd-proc-reopen). */
	if (rc == -ENAMETOOLONG)
		return rc;
	if (rc < 0)
		return 1;
	if (strlen(vpath) + strlen(end) >= size)
		return -ENAMETOOLONG;
	strcpy(stpcpy(buf, vpath), end);
	return 0;
}

/*
 * A relative path from a directory removed from the merged view (a dead
 * cwd or descriptor, w->vpath; the directory removed is its first
 * dead_at bytes).  Nothing can be found in it, as in the kernel's deleted
 * directory, but '..' leads back to where it stood: the walk goes on
 * from the live parent of the directory removed, whatever now has its
 * name (rm -r d; mkdir d leaves a dead d/sub's '..' dead too).  The
 * directory itself ("." or "") goes to the kernel when the real one is
 * gone too (it was the upper's); never when it is a lower directory that
 * the union hid, which a change must not reach.
 */
/*
 * dead_start's '..' led back to the live directory w->vpath; rest is
 * the path left.  Settled by its whole path, as any directory; where an
 * ancestor refuses the search (EACCES), as the kernel's walk reaches
 * it: from the removed start by '..', which asks nothing above it (as a
 * live start's ancestor: walk_settle_up, with the layer the real start
 * stands in; the names below then take their routes from the start too,
 * route_from).
 */
static __attribute__((noinline, cold)) int dead_start_live(struct walk *w,
							    int dirfd,
							    const char *rest,
							    char *todo,
							    size_t size)
{
	int rc;

	if (strlen(rest) >= size)
		return -ENAMETOOLONG;
	strcpy(todo, rest);
	rc = walk_settle(w);
	if (rc != -EACCES || !w->m)
		return rc;
	w->up_layer = start_layer(dirfd, w->m);
	if (w->up_layer < 0)
		return rc;
	w->up_vlen = w->vlen;
	w->base.m = w->m;
	return walk_settle_up(w);
}

/* Does the removed directory the first n bytes of path lead to from
   dirfd refuse the caller's search?  (buf, size bytes: scratch.) */
static bool dead_dir_refuses(int dirfd, const char *path, size_t n,
			     char *buf, size_t size)
{
	if (n >= size)
		return false;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return real_faccessat(dirfd, buf, X_OK, AT_EACCESS) < 0 &&
	       errno == EACCES;
}

static int dead_start(struct walk *w, int dirfd, const char *path,
		      size_t dead_at, char *todo, size_t size)
{
	const char *p = path;
	bool popped = false;
	struct stat st;

	w->vlen = strlen(w->vpath);
	/* The walk's first step needs search permission on the removed
	   directory itself (may_lookup), '.' and '..' alike. */
	if (path[strspn(path, "/")] &&
	    real_faccessat(dirfd, ".", X_OK, AT_EACCESS) < 0 &&
	    errno == EACCES)
		return -EACCES;
	for (;;) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len > 2 || p[0] != '.' || (len == 2 && p[1] != '.'))
			return -ENOENT;
		p += len;
		if (len == 2) {
			popped = true;
			walk_pop(w);
			if (w->vlen < lk_top)
				lk_top = w->vlen;
			if (w->vlen < dead_at)
				return dead_start_live(w, dirfd, p, todo, size);
			/* Still in a removed directory, whose search
			   permission the next step needs too (its real
			   one's: path so far from the start, into todo). */
			if (p[strspn(p, "/")] &&
			    dead_dir_refuses(dirfd, path, p - path, todo,
					     size))
				return -EACCES;
		}
	}
	/* A removed ancestor reached by '..' goes to the kernel too when
	   its real one is deleted (the upper copy the removed directory's
	   '..' leads to, as the kernel's dentry's); a live one may be
	   anything by now (a lower's parent, say). */
	if (real_fstatat(dirfd, popped ? path : ".", &st, 0) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_nlink == 0)
		return 1;
	return -ENOENT;
}

/* The merged path of w leads nowhere: the length of its shortest prefix
   that leads nowhere either (w is left as it was). */
static size_t dead_prefix(struct walk *w, const struct un_mount *m)
{
	char save[UN_VPATH_MAX];
	size_t vlen = strlen(w->vpath), dead_at = vlen;
	int layer = w->base.layer;

	memcpy(save, w->vpath, vlen + 1);
	w->vlen = vlen;
	while (w->vlen > m->merged_len) {
		walk_pop(w);
		if (walk_settle(w) == 0)
			break;
		dead_at = w->vlen;
	}
	memcpy(w->vpath, save, vlen + 1);
	w->vlen = vlen;
	w->base.layer = layer;
	return dead_at;
}

/* Does the real directory real hold any entry besides '.' and '..'?
   (Not asked in a signal handler: opendir mallocs.) */
static bool real_has_entries(const char *real)
{
	struct dirent64 *e;
	bool any = false;
	DIR *d;

	if (un_in_signal() || !(d = real_opendir(real)))
		return false;
	while (!any && (e = real_readdir64(d))) {
		struct stat st;

		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		/* An overlay whiteout of the lower's own is no entry of the
		   merged view: its removal needed no copy (root seed
		   absent:5485: a change through a descriptor of such a
		   directory, removed, made a copy where the kernel answers
		   ENOTDIR). */
		if (any && (e->d_type == DT_CHR || e->d_type == DT_UNKNOWN) &&
		    real_fstatat(dirfd(d), e->d_name, &st,
				 AT_SYMLINK_NOFOLLOW) == 0 &&
		    un_is_ovl_whiteout(&st))
			any = false;
	}
	real_closedir(d);
	return any;
}

/*
 * The merged directory vpath of m, which another process removed, was
 * merged from several layers then (the kernel's stat of it keeps nlink
 * 1)?  here is the real one the cwd stands in.  A deleted one was the
 * upper copy: merged when a lower holds the directory too.  A lower one
 * was merged when two lowers hold it, or when its lower held entries:
 * their removal needed an upper copy (whiteouts) before its own.
 */
static bool removed_merged(const struct un_mount *m, const char *vpath,
			   size_t vlen, const struct stat *here)
{
	char real[UN_VPATH_MAX];
	const char *rel = rel_of(m, vpath, vlen);
	struct stat st;
	int lowers = 0;
	bool full = false;

	for (int l = 1; l <= m->nlower; l++) {
		if (!un_layer_root(m, l) ||
		    un_path_join(real, sizeof(real), un_layer_root(m, l),
				 un_layer_len(m, l), rel) < 0 ||
		    k_lstat(real, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		lowers++;
		if (!full && here->st_nlink)
			full = real_has_entries(real);
	}
	if (here->st_nlink == 0)
		return lowers > 0;
	return lowers > 1 || full;
}

bool un_removed_merged(const char *vpath, const struct stat *here)
{
	const struct un_mount *m = un_config_find(vpath);
	size_t len = strlen(vpath);

	return m && m->upper && len > m->merged_len &&
	       removed_merged(m, vpath, len, here);
}

/*
 * The cwd vpath (vlen bytes, of m), its real one an upper directory
 * found deleted (another process removed it): the length of its
 * shortest prefix whose real directory is deleted too, climbing the
 * real cwd's '..' while they are (an rm -rf of an ancestor: the kernel's
 * '..' from the cwd reaches those deleted ancestors, never a directory
 * made at a name since: ENOENT to a create there).  cwd_check's dead_at
 * (integration/dotdot-from-cwd-removed-by-other).
 */
static __attribute__((noinline, cold)) size_t
dead_upper_prefix(const char *vpath, size_t vlen, const struct un_mount *m)
{
	char up[PATH_MAX];
	size_t dead_at = vlen, n = 0;
	struct stat st;

	for (;;) {
		size_t p = dead_at;

		while (p > 1 && vpath[p - 1] != '/')
			p--;
		if (p > 1)
			p--;
		if (p <= m->merged_len || n + 4 > sizeof(up))
			break;	/* the union's root is never removed */
		memcpy(up + n, "../", 4);
		n += 3;
		if (real_stat(up, &st) < 0 || st.st_nlink != 0)
			break;
		dead_at = p;
	}
	return dead_at;
}

/*
 * real (size bytes), a real directory's path: when it lies under m's
 * upper (not its .union, nor an inner union's), the merged path it
 * stands for, in place: true.  For a cwd or descriptor whose directory
 * another process renamed.
 */
static bool upper_to_merged(const struct un_mount *m, char *real,
			    size_t size)
{
	size_t ul = m->upper_len, rl;
	const char *meta = real + ul + 1;

	if (!m->upper || strncmp(real, m->upper, ul) || real[ul] != '/')
		return false;
	if (!strncmp(meta, UN_META_DIR, sizeof(UN_META_DIR) - 1) &&
	    (!meta[sizeof(UN_META_DIR) - 1] ||
	     meta[sizeof(UN_META_DIR) - 1] == '/'))
		return false;
	rl = strlen(real + ul);
	if (m->merged_len + rl >= size)
		return false;
	memmove(real + m->merged_len, real + ul, rl + 1);
	memcpy(real, m->merged, m->merged_len);
	return un_config_find(real) == m;
}

/*
 * The cwd vpath (of m), read at count seq, its real one a live upper
 * directory, once the union's stamp moved: did another process rename
 * it or an ancestor (`mv "$PWD" x` by a child)?  The kernel's cwd
 * follows the directory: the real cwd's path (the getcwd system call)
 * against the upper's copy of vpath, and when it lies elsewhere under
 * the upper the cwd takes the merged path that stands for
 * (un_cwd_follow): true, the caller reads the cwd again.  Not under the
 * upper (a symlink in its path, a move out of it), or too deep to say:
 * left as it was.  (integration/cwd-renamed-by-child)
 */
static __attribute__((noinline, cold)) bool
cwd_renamed(const char *vpath, const struct un_mount *m, unsigned long seq)
{
	char real[PATH_MAX];
	size_t ul = m->upper_len;
	int saved = errno;
	long n = real_syscall(SYS_getcwd, real, sizeof(real));

	errno = saved;
	if (n <= 0 || real[0] != '/' || !m->upper ||
	    (!strncmp(real, m->upper, ul) &&
	     !strcmp(real + ul, vpath + m->merged_len)) ||
	    !upper_to_merged(m, real, sizeof(real)))
		return false;
	return un_cwd_follow(vpath, real, seq);
}

/* The count of directory moves (un_wtable_moves) at which the cwd was
   last found where its path says (cwd_renamed).  0 at start: a cwd
   taken then is where its path says (an inherited one was checked:
   fdtab.c inherited_moved); a process that starts after moves pays one
   getcwd at its first look. */
static uint64_t cwd_moves_seen;

/*
 * The counts of places (un_wtable_places) this process's own renames and
 * rmdirs raised, with their union: its records follow those changes
 * themselves (fdtab.c un_fd_renamed, un_fd_removed), so settle_fd need
 * not look through /proc for them (rm -rf: a look at each rmdir through
 * the parent's descriptor).  The last few, in a ring; a slot's seq is odd
 * while it is written (a torn one is not trusted: one look more).  The
 * cwd's own count is left (cwd_check's getcwd after this process's own
 * rename, as before; a removal needs none).
 */
#define OWN_PLACES 8
static struct {
	unsigned long seq;
	const struct un_mount *m;
	uint64_t count;
} own_places[OWN_PLACES];
static unsigned own_places_next;

void un_moves_own(const struct un_mount *m, uint64_t after)
{
	unsigned i;
	unsigned long seq;

	if (!after)
		return;
	i = __atomic_fetch_add(&own_places_next, 1, __ATOMIC_RELAXED) %
	    OWN_PLACES;
	seq = __atomic_load_n(&own_places[i].seq, __ATOMIC_RELAXED);
	/* (A writer already at this slot: this count is left out.) */
	if ((seq & 1) ||
	    !__atomic_compare_exchange_n(&own_places[i].seq, &seq, seq + 1,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&own_places[i].m, m, __ATOMIC_RELAXED);
	__atomic_store_n(&own_places[i].count, after, __ATOMIC_RELAXED);
	__atomic_store_n(&own_places[i].seq, seq + 2, __ATOMIC_RELEASE);
}

/* Was count of m raised by this process (un_moves_own)? */
static bool place_own(const struct un_mount *m, uint64_t count)
{
	for (unsigned i = 0; i < OWN_PLACES; i++) {
		unsigned long seq = __atomic_load_n(&own_places[i].seq,
						    __ATOMIC_ACQUIRE);
		bool hit = !(seq & 1) &&
			   __atomic_load_n(&own_places[i].m,
					   __ATOMIC_RELAXED) == m &&
			   __atomic_load_n(&own_places[i].count,
					   __ATOMIC_RELAXED) == count;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (hit && __atomic_load_n(&own_places[i].seq,
					   __ATOMIC_RELAXED) == seq)
			return true;
	}
	return false;
}

/* Were all of m's counts of places in (from, to] this process's own? */
static bool places_own(const struct un_mount *m, uint64_t from,
		       uint64_t to)
{
	if (!from || to <= from || to - from > OWN_PLACES)
		return false;
	for (uint64_t c = from + 1; c <= to; c++)
		if (!place_own(m, c))
			return false;
	return true;
}

/*
 * The cwd holds its directory as the kernel's does, also when another
 * process removed it.  When a directory of the union changed since the
 * cwd was last seen alive (the stamp dcache.c trusts), it is looked at
 * again: a real cwd deleted (it was the upper's), a merged path that
 * leads nowhere now, or a directory there that no longer holds the
 * layer the real cwd stands in (rm -r d; mkdir d) make it dead.  w holds
 * the cwd's merged path, base.layer its layer.  Returns -ESTALE and
 * *dead_at then (the shortest prefix that leads nowhere), else 0.
 */
static int cwd_check(struct walk *w, struct un_mount *m, size_t vlen,
		     size_t *dead_at)
{
	unsigned long seq;
	uint64_t stamp, moves;
	struct stat st;
	int layer = w->base.layer, rc = 0;
	bool dead;

	/* (settle_start's walk_mount takes it: no second search.) */
	w->m = m;
	if (!m || !m->wt || vlen <= m->merged_len)
		return 0;	/* a read-only union; a union's root */
	stamp = un_wtable_stamp(m->wt);
	if (un_cwd_seen(m, stamp, &seq))
		return 0;
	w->vlen = vlen;
	/* A lower's copy is never removed through a union: the walk below
	   says whether the merged directory still holds it (no stat of
	   "." a process in make's cwd, which it entered before the copy-up
	   of that directory; the stat waits for a death, below). */
	if (layer > 0 || real_stat(".", &st) < 0)
		st.st_nlink = 1;	/* (not known: as a live lower one) */
	dead = st.st_nlink == 0;
	/* (A real cwd in the upper dies deleted, whoever removes it: one
	   system call, what a tar x from its cwd pays at each mkdir.) */
	if (!dead && layer != 0) {
		rc = settle_start(w);
		if (rc < 0 && rc != -ENOENT && rc != -ENOTDIR)
			return 0;	/* the walk will say */
		dead = rc < 0 ||
		       (layer >= 0 && !((w->dirmask >> layer) & 1));
	}
	w->base.layer = layer;
	/* Live in the upper: another process may have moved it, when some
	   directory moved since the last look (dir.c raises the count of
	   moves before the stamp; a copy-up or mkdir moves only the
	   stamp: no getcwd at each of tar x's). */
	moves = un_wtable_moves(m->wt);
	if (!dead && layer == 0 &&
	    moves != __atomic_load_n(&cwd_moves_seen, __ATOMIC_RELAXED)) {
		if (cwd_renamed(w->vpath, m, seq))
			return -EAGAIN;
		/* (Racing threads may store an older count: one more look.) */
		__atomic_store_n(&cwd_moves_seen, moves, __ATOMIC_RELAXED);
	}
	if (!dead) {
		un_cwd_saw(m, stamp, seq);
		return 0;
	}
	if (rc < 0)
		*dead_at = dead_prefix(w, m);
	else if (layer <= 0 && st.st_nlink == 0)
		*dead_at = dead_upper_prefix(w->vpath, vlen, m);
	else
		*dead_at = vlen;
	if (layer > 0 && real_stat(".", &st) < 0)
		st.st_nlink = 1;
	un_cwd_kill(w->vpath, *dead_at, seq,
		    removed_merged(m, w->vpath, vlen, &st));
	return -ESTALE;
}

void un_cwd_check(void)
{
	struct un_mount *m;
	struct walk w;
	size_t dead_at, vlen;

	w.links = 0;
	w.relooks = 0;
	w.m = NULL;
	w.up_layer = -1;
	w.up_vlen = 0;
	w.scratch = NULL;
	if (un_cwd_get_walk(w.vpath, sizeof(w.vpath), &w.base.layer, NULL,
			    &m, &vlen, NULL) == 0)
		(void)cwd_check(&w, m, vlen, &dead_at);
}

struct un_mount *un_dead_self(int dirfd, const char *path, char *vpath,
			      size_t *dead_at)
{
	char buf[UN_VPATH_MAX];
	size_t at = 0, len;
	int rc;

	if (!path || !*path || path[0] == '/')
		return NULL;
	if (!vpath)
		vpath = buf;
	rc = dirfd == AT_FDCWD ?
		     un_cwd_get_at(vpath, UN_VPATH_MAX, NULL, &at) :
		     un_fd_get_at(dirfd, vpath, UN_VPATH_MAX, &(int){ 0 }, &at);
	if (rc != -ESTALE)
		return NULL;
	len = strlen(vpath);
	for (const char *p = path; *p; p += strspn(p, "/")) {
		size_t n = strcspn(p, "/");

		if (n > 2 || p[0] != '.' || (n == 2 && p[1] != '.'))
			return NULL;
		if (n == 2) {	/* as walk_pop */
			while (len > 1 && vpath[len - 1] != '/')
				len--;
			if (len > 1)
				len--;
			if (len < at)
				return NULL;	/* back in a live one */
		}
		p += n;
	}
	vpath[len] = '\0';
	if (dead_at)
		*dead_at = at;
	return un_config_find(vpath);
}

struct un_mount *un_dead_dots(int dirfd, const char *path, char *vpath,
			      size_t *dead_at)
{
	for (const char *p = path; *p; p++)
		if (*p != '.' && *p != '/')
			return NULL;
	return path[0] == '.' ? un_dead_self(dirfd, path, vpath, dead_at)
			      : NULL;
}

bool un_dead_dots_merged(int dirfd, const char *path)
{
	char vpath[UN_VPATH_MAX], real[UN_VPATH_MAX];
	struct un_mount *m;
	struct stat st;
	const char *rel;

	if (!has_dotdot(path))
		return un_dead_merged(dirfd);
	m = un_dead_dots(dirfd, path, vpath, NULL);
	if (!m || !m->upper)
		return false;
	/* A removed ancestor had an upper copy (its child's removal made
	   one, for the whiteout or the rmdir): merged when a lower holds
	   a directory at its name too. */
	rel = rel_of(m, vpath, strlen(vpath));
	for (int l = 1; l <= m->nlower; l++)
		if (un_layer_root(m, l) &&
		    un_path_join(real, sizeof(real), un_layer_root(m, l),
				 un_layer_len(m, l), rel) == 0 &&
		    k_lstat(real, &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	return false;
}

/*
 * The kernel copies a removed directory up as it does a live one: a
 * copy made in the work directory is renamed to its name in its
 * parent's upper copy.  A directory of the upper needs no copy (a
 * removed one is reached through the kernel: its real one is deleted
 * too, see dead_start); for a lower one, the rename meets the whiteout
 * that its removal left there (or a non-directory made since): ENOTDIR;
 * when the parent was removed as well, its upper copy is gone: EIO.
 * Over a directory made at its name since, the rename replaces that one
 * (ENOTEMPTY when it is not empty, from the rename itself): n is then
 * the removed directory, in the lower whose copy dirfd (or the real
 * cwd) holds, for the caller's checks and un_copy_up_dead.
 */
/* The removed directory rel of m had an upper copy when it was removed,
   though none is at its name now (another process removed it, after the
   entries that a lower holds there: their whiteouts needed the copy). */
static bool had_copy(const struct un_mount *m, const char *rel)
{
	char real[UN_VPATH_MAX];
	struct stat st;

	if (!m->wt || un_wtable_get(m->wt, rel, strlen(rel)) != UN_W_WHITEOUT)
		return false;
	for (int l = 1; l <= m->nlower; l++)
		if (un_layer_root(m, l) &&
		    un_path_join(real, sizeof(real), un_layer_root(m, l),
				 un_layer_len(m, l), rel) == 0 &&
		    k_lstat(real, &st) == 0 && S_ISDIR(st.st_mode) &&
		    real_has_entries(real))
			return true;
	return false;
}

/* n (real and st filled) is the removed directory vpath of m, its copy
   in layer: un_dead_change's 0. */
static int dead_node(struct un_node *n, struct un_mount *m, const char *vpath,
		     size_t len, const char *rel, int layer, int dirfd)
{
	memcpy(n->vpath, vpath, len + 1);
	n->mnt = m;
	n->rel_off = (size_t)(rel - vpath);
	n->layer = layer;
	n->dirlayers = (1ULL << layer) | 1;
	n->parent_dirlayers = 1;	/* the new one's parent */
	n->trailing_slash = false;
	n->kpath = NULL;
	n->at_fd = AT_FDCWD;
	n->at_off = 0;
	n->routed = false;
	n->relative = false;
	n->start_fd = dirfd;
	n->stx = NULL;
	n->stx_done = false;
	return 0;
}

/* n is the removed directory vpath of m (rel its part below MERGED) in
   the lower that holds here, the real one dirfd (or the cwd) stands in:
   0, else -ENOENT. */
static int dead_in_lower(struct un_node *n, struct un_mount *m,
			 const char *vpath, size_t len, const char *rel,
			 const struct stat *here, int dirfd)
{
	for (int l = 1; l <= m->nlower; l++) {
		if (!un_layer_root(m, l) ||
		    un_path_join(n->real, sizeof(n->real), un_layer_root(m, l),
				 un_layer_len(m, l), rel) < 0 ||
		    k_lstat(n->real, &n->st) < 0 ||
		    n->st.st_dev != here->st_dev ||
		    n->st.st_ino != here->st_ino)
			continue;
		return dead_node(n, m, vpath, len, rel, l, dirfd);
	}
	return -ENOENT;
}

/*
 * un_dead_change's upper copy real refused by its whole path (an
 * ancestor lost x: a MERGED root's is a limit, README): when the real
 * directory dirfd (or the cwd) stands in is that very copy, live, by its
 * /proc link, it is the removed directory's copy (un_copy_up_dead
 * re-pointed it), and the change goes through dirfd as the kernel's
 * through its dentry: 0 and n.  Else -EACCES: the checks on the lower's
 * copy first (user seed inplace:4595, found/196: truncate of '.',
 * EISDIR; chown's EPERM).  (Out of line: its buffers, a cold case.)
 */
static __attribute__((noinline, cold)) int
dead_upper_by_start(struct un_node *n, struct un_mount *m, const char *vpath,
		    size_t len, const char *rel, const char *real, int dirfd)
{
	char link[40], at[UN_VPATH_MAX];
	struct stat here;
	ssize_t k;

	if (dirfd == AT_FDCWD)
		strcpy(link, "/proc/self/cwd");
	else
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	k = real_readlink(link, at, sizeof(at) - 1);
	if (k <= 0 || (size_t)k != strlen(real) || memcmp(at, real, k) ||
	    (dirfd == AT_FDCWD ? real_stat(".", &here)
			       : real_fstat(dirfd, &here)) < 0 ||
	    !S_ISDIR(here.st_mode) || here.st_nlink == 0)
		return -EACCES;
	memcpy(n->real, real, (size_t)k + 1);
	n->st = here;
	return dead_node(n, m, vpath, len, rel, 0, dirfd);
}

int un_dead_change(int dirfd, const char *path, int rc, struct un_node *n)
{
	char vpath[UN_VPATH_MAX], real[UN_VPATH_MAX];
	struct un_mount *m;
	struct stat st, here;
	const char *rel;
	size_t at, len;

	if (has_dotdot(path))
		return rc;
	m = un_dead_self(dirfd, path, vpath, &at);
	if (!m || !m->upper)
		return rc;
	len = strlen(vpath);
	if (at < len)
		return -EIO;
	rel = rel_of(m, vpath, len);
	if (un_path_join(real, sizeof(real), m->upper, m->upper_len, rel) < 0)
		return rc;
	if (k_lstat(real, &st) < 0) {
		/* The upper out of reach (a MERGED root that lost x, a
		   limit: README): not known to be absent.  The caller
		   makes the checks on the lower's copy first (truncate's
		   EISDIR: user seed inplace:4595, found/196). */
		if (errno == EACCES)
			return dead_upper_by_start(n, m, vpath, len, rel,
						   real, dirfd);
		/* Nothing at its name in the upper: ENOTDIR, unless
		   another process's removal of its entries made the
		   upper copy that the kernel's dentry keeps, deleted:
		   the change reaches that (made again: had_copy). */
		if (!had_copy(m, rel) ||
		    (dirfd == AT_FDCWD ? real_stat(".", &here)
				       : real_fstat(dirfd, &here)) < 0 ||
		    !S_ISDIR(here.st_mode) || here.st_nlink == 0)
			return -ENOTDIR;
		goto lower;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* The real directory the removed one stands in: a lower's, live
	   (a deleted one was the upper's: the change reached it). */
	if ((dirfd == AT_FDCWD ? real_stat(".", &here)
			       : real_fstat(dirfd, &here)) < 0 ||
	    !S_ISDIR(here.st_mode) || here.st_nlink == 0)
		return rc;
	/* Copied up already (un_copy_up_dead re-pointed it): the change
	   goes to the copy, as the kernel's to the removed directory's
	   upper one. */
	if (here.st_dev == st.st_dev && here.st_ino == st.st_ino) {
		memcpy(n->real, real, strlen(real) + 1);
		n->st = st;
		return dead_node(n, m, vpath, len, rel, 0, dirfd);
	}
lower:
	return dead_in_lower(n, m, vpath, len, rel, &here, dirfd) == 0 ? 0 :
									 rc;
}

int un_dead_lower(int dirfd, const char *path, struct un_node *n)
{
	char vpath[UN_VPATH_MAX];
	struct un_mount *m;
	struct stat here;
	size_t len;

	if (has_dotdot(path))
		return -ENOENT;
	m = un_dead_self(dirfd, path, vpath, NULL);
	if (!m || (dirfd == AT_FDCWD ? real_stat(".", &here)
				     : real_fstat(dirfd, &here)) < 0 ||
	    !S_ISDIR(here.st_mode) || here.st_nlink == 0)
		return -ENOENT;
	len = strlen(vpath);
	return dead_in_lower(n, m, vpath, len, rel_of(m, vpath, len), &here,
			     dirfd);
}

/* The length of the MERGED prefix abs[0, consumed) without the '.'
   components at its end (MERGED's own components are names). */
static size_t keep_dots(const char *abs, size_t consumed)
{
	for (;;) {
		size_t end = consumed;

		while (end > 0 && abs[end - 1] == '/')
			end--;
		if (end < 2 || abs[end - 1] != '.' || abs[end - 2] != '/')
			return consumed;
		consumed = end - 1;
	}
}

/*
 * A path relative to a descriptor far from every union, real its real
 * path as the kernel gives it (/proc/self/fd: no symlink, no '.' or '..'
 * in it), path holding a '..': does the path surely stay outside?  True
 * when its leading '.' and '..' lead to a directory neither in a union
 * nor above a MERGED, and no '..' follows.  fts climbs out of a
 * directory by openat(fd, ".."): this spares that an lstat of every
 * component of the real path.
 * (Out of line: its 4 KiB in no frame of the common lookup.)
 */
static __attribute__((noinline)) bool dotdot_stays_outside(const char *real,
							 const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(real);
	const char *p = path;

	if (len >= sizeof(dir))
		return false;
	memcpy(dir, real, len + 1);
	for (;;) {
		while (*p == '/')
			p++;
		if (p[0] == '.' && (p[1] == '/' || !p[1])) {
			p++;
		} else if (p[0] == '.' && p[1] == '.' &&
			   (p[2] == '/' || !p[2])) {
			while (len > 1 && dir[len - 1] != '/')
				len--;
			if (len > 1)
				len--;	/* the slash, but for the root's */
			dir[len] = '\0';
			p += 2;
		} else {
			break;
		}
	}
	return !has_dotdot(p) && !un_config_find(dir) &&
	       !un_config_is_ancestor(dir);
}

/*
 * An absolute path holding '..', whose string names no MERGED: does it
 * surely stay outside every union?  True when the part up to its last
 * '..' holds no symlink (the kernel resolves it with openat2's
 * RESOLVE_NO_SYMLINKS: each '..' then drops the name before it, as in
 * the string) and neither a directory the path leaves by '..' (nor any
 * above a MERGED) nor the one it ends in lies in a union.  gcc names its programs and
 * directories so (/usr/lib/gcc/x86_64-linux-gnu/12/../../../../
 * x86_64-linux-gnu/bin/as, some twenty names a compiler driver): the
 * walk from "/" paid an lstat of each directory before the '..', five
 * there; this is two system calls.  A symlink (ELOOP), or a kernel
 * without openat2, goes the walk's way.
 */
static __attribute__((noinline)) bool dotdot_lexically_outside(
	const char *abs)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	char dir[PATH_MAX];
	size_t len = 1, last = 0;
	const char *p = abs;
	bool ok = false;
	long fd;
	UN_SAVE_ERRNO;

	if (strlen(abs) >= sizeof(dir))
		return false;
	dir[0] = '/';
	while (*p) {
		const char *e;
		size_t n;

		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			dir[len] = '\0';
			/* (Above a MERGED absent on disk too: the walk's.) */
			if (un_config_find(dir) || un_config_is_ancestor(dir))
				return false;
			while (len > 1 && dir[len - 1] != '/')
				len--;
			if (len > 1)
				len--;	/* the slash, but for the root's */
			last = (size_t)(e - abs);
		} else if (n && !(n == 1 && p[0] == '.')) {
			if (len > 1)
				dir[len++] = '/';
			memcpy(dir + len, p, n);
			len += n;
		}
		p = e;
	}
	dir[len] = '\0';
	if (!last || un_config_find(dir))
		return false;
	memcpy(dir, abs, last);
	dir[last] = '\0';
	fd = real_syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	if (fd >= 0) {
		real_close((int)fd);
		ok = true;
	} else if (errno == ENOENT || errno == ENOTDIR) {
		/* A name missing, or not a directory, before any symlink:
		   the kernel stops there too, on the whole path, as the
		   walk would (gcc's ../../../../x86_64-linux-gnu/lib/..). */
		ok = true;
	}
	UN_RESTORE_ERRNO;
	return ok;
}

/*
 * Drop the '.' components that start todo, a path relative to a merged
 * directory, when a component follows them: "./d/e" is "d/e" (ls -R
 * and make name files so).  A '.' asks the search permission of the
 * directory it stands in, which the component after it asks too: by
 * its lookup, or, from the directory cache, as "d/e" is trusted (an
 * entry is put by a lookup or a listing that could search, and every
 * change of a directory's mode moves the stamp).  A '.' kept for
 * itself was a faccessat (may_search) and the walk a component at a
 * time (walk_jump takes plain paths only).  A '.' last, "." or "./",
 * stays: nothing else asks for it.
 */
static __attribute__((noinline)) void drop_lead_dots(char *todo)
{
	size_t i = 0, j;

	while (todo[i] == '.' && todo[i + 1] == '/') {
		for (j = i + 1; todo[j] == '/'; j++)
			;
		if (!todo[j])
			break;
		i = j;
	}
	if (i)
		memmove(todo, todo + i, strlen(todo + i) + 1);
}

/*
 * dirfd alone takes the merged path vpath (fd_dir_moved where the old
 * path leads to another directory, made there after the move: the
 * descriptors and the cwd on that one, or below the old path, are not
 * moved; each of those looks for itself, its count of moves being old
 * too).  Its marks kept (an upper-only directory's: no layers below).
 */
static __attribute__((noinline, cold)) void fd_follow_alone(int dirfd,
							    const char *vpath)
{
	bool upper = un_fd_in_upper(dirfd), stream = un_fd_is_stream(dirfd);

	un_fd_set_at(dirfd, vpath, false, NULL, 0);
	if (upper)
		un_fd_mark_upper(dirfd);
	if (stream)
		un_fd_mark_stream(dirfd);
}

/*
 * The descriptor dirfd's directory, w's path, leads nowhere: did another
 * process rename it (or an ancestor) rather than remove it?  The kernel's
 * descriptor holds the directory wherever it goes: when its real one is
 * a live upper directory that /proc/self/fd places elsewhere under the
 * upper, every descriptor and the cwd at or below the old path take the
 * new one (as after a rename of this process's own): true, the caller
 * looks again.  (integration/fd-dir-renamed-by-other; race15's
 * held-dir-renamed-by-other)  alone: the path leads to another
 * directory (settle_fd): dirfd alone follows (fd_follow_alone), or, its
 * directory removed (rm -rf A; mkdir A), dies alone.
 */
static __attribute__((noinline, cold)) bool fd_dir_moved(struct walk *w,
							 int dirfd, bool alone)
{
	char real[PATH_MAX], old[PATH_MAX];
	const struct un_mount *m = w->m;
	struct stat st;
	int saved = errno;
	bool moved = false;

	if (w->base.layer != 0 || !m->upper || w->vlen >= sizeof(old) ||
	    real_fstat(dirfd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errno = saved;
		return false;
	}
	memcpy(old, w->vpath, w->vlen);
	old[w->vlen] = '\0';
	/* Removed, its path made again (rm -rf A; mkdir A): dead, alone
	   (the descriptors on the new A live). */
	if (alone && st.st_nlink == 0) {
		un_fd_set_dead(dirfd, old, w->vlen, false);
		moved = true;
	} else if (st.st_nlink > 0 &&
		   un_fd_real(dirfd, real, sizeof(real)) == 0 &&
		   upper_to_merged(m, real, sizeof(real))) {
		if (strcmp(old, real)) {
			if (alone)
				fd_follow_alone(dirfd, real);
			else
				un_fd_renamed(old, real);
			moved = true;
		}
	}
	errno = saved;
	return moved;
}

/* A descriptor's directory another process removed (w its walk):
   it and every one on it or below are marked dead; the length of the
   prefix that leads nowhere.  Out of line: its 8 KiB are in no frame
   of the common lookup. */
static __attribute__((noinline, cold)) size_t fd_dir_gone(struct walk *w)
{
	char gone[UN_VPATH_MAX];
	size_t dead_at = dead_prefix(w, w->m);

	memcpy(gone, w->vpath, dead_at);
	gone[dead_at] = '\0';
	un_fd_removed(gone, false);
	return dead_at;
}

/*
 * Where a lookup starts: fills w, and todo with the path left to walk.
 * Returns 1 when the path cannot reach a union (the caller's path goes
 * to the kernel as it is).
 */
static int walk_start(struct walk *w, int dirfd, const char *path,
		      size_t plen, char *todo, size_t size, bool follow,
		      unsigned long *cwd_seq)
{
	const char *abs = path;
	size_t consumed;
	struct un_mount *m;
	struct un_fd_masks fdk;
	int rc;

	w->links = 0;
	w->relooks = 0;
	w->m = NULL;
	w->stamp = 0;
	w->base.layer = -1;
	w->up_layer = -1;
	w->up_vlen = 0;
	/* /proc/self/fd/N and /dev/fd/N of a descriptor opened in a union
	   stand for its merged path: the kernel would follow the magic link
	   to the real file, a lower one included. */
	if (path[0] == '/') {
		rc = proc_fd_path(path, todo, size, follow);
		if (rc < 0)
			return rc;
		if (rc == 0)
			abs = todo;
	}
	if (abs[0] != '/') {
		size_t dead_at = 0, vlen = 0, plen0 = plen;
		unsigned long seq = 0;
		bool kept = false;	/* the cwd settled (cwd_kept) */
		bool fd_moved = false;	/* followed a rename (fd_dir_moved) */

		if (dirfd == AT_FDCWD) {
			rc = un_cwd_get_walk(w->vpath, sizeof(w->vpath),
					     &w->base.layer, &dead_at, &m,
					     &vlen, &seq);
			if (cwd_seq)
				*cwd_seq = seq;
			w->base.fd = AT_FDCWD;
			if (rc == 0 && cwd_kept(w, m, vlen, seq))
				kept = true;
			else if (rc == 0)
				rc = cwd_check(w, m, vlen, &dead_at);
			if (rc == -EAGAIN) {
				/* Another process renamed it: its new path
				   (once; a second move meanwhile is taken as
				   it stands). */
				rc = un_cwd_get_walk(w->vpath,
						     sizeof(w->vpath),
						     &w->base.layer, &dead_at,
						     &m, &vlen, &seq);
				if (cwd_seq)
					*cwd_seq = seq;
				if (rc == 0)
					rc = cwd_check(w, m, vlen, &dead_at);
				if (rc == -EAGAIN)
					rc = un_cwd_get_walk(
						w->vpath, sizeof(w->vpath),
						&w->base.layer, &dead_at, &m,
						&vlen, &seq);
				if (cwd_seq)
					*cwd_seq = seq;
			}
			if (rc == -ESTALE)
				return dead_start(w, dirfd, path, dead_at,
						  todo, size);
			if (rc < 0 && rc != -ENOENT)
				return rc;
		} else if (dirfd < 0) {
			return -EBADF;
		} else {
fd_again:
			rc = un_fd_get_walk(dirfd, w->vpath, sizeof(w->vpath),
					    &w->base.layer, &dead_at, &w->m,
					    &fdk);
			w->base.fd = dirfd;
			lk_start = dirfd; /* (un_fd_get_at may look up) */
			/* (-ENAMETOOLONG: a union's descriptor deeper than a
			   page met in signal mode, or a path past the walk's
			   buffer: never one outside, whose calls would reach
			   a layer's directory, a lower's.) */
			if (rc == -EBADF || rc == -ENAMETOOLONG)
				return rc;
			if (rc == -ESTALE)
				return dead_start(w, dirfd, path, dead_at,
						  todo, size);
		}
		if (rc == 0) {
			/* From a merged directory. */
			if (plen >= size)
				return -ENAMETOOLONG;
			memcpy(todo, path, plen + 1);
			if (todo[0] == '.') {
				drop_lead_dots(todo);
				plen = strlen(todo);
			}
			w->vlen = dirfd == AT_FDCWD ? vlen : fdk.vlen;
			rc = kept ? 0 :
			     dirfd == AT_FDCWD ? settle_cwd(w, m, seq) :
						 settle_fd(w, dirfd, &fdk,
							   !fd_moved);
			if (rc == -EAGAIN) {
				/* Renamed or removed, and made again: it
				   follows, or dies. */
				fd_moved = true;
				plen = plen0;
				goto fd_again;
			}
			/* A descriptor's directory another process removed:
			   it and every one on it or below are dead. */
			if ((rc == -ENOENT || rc == -ENOTDIR) &&
			    dirfd != AT_FDCWD && w->m &&
			    w->vlen > w->m->merged_len) {
				/* Or renamed: it follows (once). */
				if (!fd_moved &&
				    fd_dir_moved(w, dirfd, false)) {
					fd_moved = true;
					plen = plen0;
					goto fd_again;
				}
				dead_at = fd_dir_gone(w);
				return dead_start(w, dirfd, path, dead_at,
						  todo, size);
			}
			if (rc != 0)
				return rc;
			w->base.m = w->m;
			w->base_vlen = w->vlen;
			w->up_layer = w->base.layer;
			w->up_vlen = w->vlen;
			rc = walk_jump(w, todo, plen, true,
				       dirfd == AT_FDCWD ? &seq : NULL);
			return rc < 0 ? rc : 0;
		}
		/* A real directory: only '..' or a MERGED below it can lead
		   the path into a union.  Then go on from the joined path. */
		if (dirfd == AT_FDCWD) {
			if (!un_cwd_near_union() && !has_dotdot(path))
				return 1;
			if (un_cwd_real(w->vpath, sizeof(w->vpath)) < 0)
				return 1;
		} else if (un_fd_near(dirfd, w->vpath, sizeof(w->vpath)) < 0) {
			/* (The real path of a descriptor far from every
			   union is asked of the kernel only for a '..'.) */
			if (!has_dotdot(path) ||
			    un_fd_real(dirfd, w->vpath, sizeof(w->vpath)) < 0 ||
			    dotdot_stays_outside(w->vpath, path))
				return 1;
		}
		if (strlen(w->vpath) + 1 + strlen(path) >= size)
			return -ENAMETOOLONG;
		strcpy(stpcpy(stpcpy(todo, w->vpath), "/"), path);
		abs = todo;
	}
	m = un_config_match(abs, &consumed);
	if (m) {
		/* A MERGED prefix stands for the union whatever is on disk;
		   the '.' components right after it are left to the walk,
		   which asks MERGED's search permission for them
		   (link_path_walk's may_lookup: "$M/." is EACCES in a MERGED
		   the caller may not search). */
		consumed = keep_dots(abs, consumed);
		size_t rest = strlen(abs + consumed);

		memmove(todo, abs + consumed, rest + 1);
		memcpy(w->vpath, m->merged, m->merged_len + 1);
		w->vlen = m->merged_len;
		/* Settled on MERGED itself (what settle_in finds there,
		   without asking the configuration again). */
		w->m = m;
		w->dirmask = root_layers(m);
		w->parentmask = 0;
		w->stamp = 0;
		rc = walk_jump(w, todo, rest, false, NULL);
		return rc < 0 ? rc : 0;
	}
	if (!has_dotdot(abs))
		return 1;
	if (abs == path && dotdot_lexically_outside(abs))
		return 1;
	if (abs != todo) {
		if (strlen(abs) >= size)
			return -ENAMETOOLONG;
		strcpy(todo, abs);
	}
	strcpy(w->vpath, "/");
	w->vlen = 1;
	return walk_settle(w);
}

/*
 * lookup_component's answer where dirmask is one layer i alone (below a
 * fresh upper every directory git status names is a lower's alone):
 * the same steps for that layer without the loop's (the table's record
 * of a lower name, the upper's name set, the stat, a whiteout device;
 * no opacity nor cache probe, which ask for layers below).  The caller
 * gives a base with its sub set (lookup_component's guess past a
 * refusal is for a NULL sub) and no OCI lowers.  statonly: the
 * caller's lookup is a stat's (UN_LK_STATONLY): a name the start
 * reaches in layer i (find's descriptor standing in i, or the cwd's
 * open descriptor of its copy in i) is stat'ed through it with no path
 * joined (c->real left "": ~58 instructions a lstat of git status);
 * the path's way on any other answer but the name's absence.
 */
static inline __attribute__((always_inline)) int lookup_single(struct un_mount *m, int i, const char *rel,
				size_t rel_len, const struct at_base *base,
				struct comp *c, struct stx_req *x,
				bool statonly)
{
	c->layer = -1;
	c->dirlayers = 0;
	c->guessed = false;
	if ((rel_len == sizeof(UN_META_DIR) - 1 &&
	     !memcmp(rel, UN_META_DIR, rel_len)) ||
	    (i == 0 && c->upper_lacks) ||
	    (i > 0 && m->wt && !c->no_records &&
	     un_wtable_get(m->wt, rel, rel_len) == UN_W_WHITEOUT))
		return 0;
	if (statonly && !x && base && base->sub && *base->sub &&
	    !long_rel(m, rel_len)) {
		/* The start standing in layer i (find's descriptor, a cwd
		   in i), or cwd_fd's descriptor of the cwd's copy in i
		   where it is open already (-1 for the upper, -2 while not
		   opened, which the path's way below does). */
		int fd = base->layer == i ? base->fd :
			 base == lk_cwd_base ?
				 un_cwdfd_get(lk_cwd_seq, i) : -1;

		if (fd >= 0 || (fd == AT_FDCWD && base->layer == i)) {
			if (real_fstatat(fd, base->sub, c->st,
					 AT_SYMLINK_NOFOLLOW) == 0) {
				c->real[0] = '\0';
				goto found;
			}
			if (errno == ENOENT || errno == ENOTDIR)
				return 0;
		}
	}
	if (path_join_n(c->real, UN_VPATH_MAX, un_layer_root(m, i),
			un_layer_len(m, i), rel, rel_len) < 0)
		return -ENAMETOOLONG;
	/* (layer_lstat's call for an lstat: layer_stat's frame holds a
	   path for statx past PATH_MAX.) */
	if ((x ? layer_stat(base, i, c->real, long_rel(m, rel_len), c->st, x) :
		 layer_lstat(base, i, c->real, long_rel(m, rel_len), c->st)) <
	    0) {
		int err = errno;

		/* (Its topmost copy's search permission: EACCES; the
		   errors of a name absent, ENOENT and ENOTDIR, none.) */
		if (err == ENOENT || err == ENOTDIR)
			return 0;
		return -err;
	}
found:
	if (un_is_ovl_whiteout(c->st))
		return 0;
	c->layer = i;
	if (S_ISDIR(c->st->st_mode))
		c->dirlayers = (uint64_t)1 << i;
	return 0;
}

/* lookup_near's flag for near_open: the caller's path had slashes
   after the name, not counted in its length (none of UN_LK_*). */
#define LK_SLASHED 0x40000000
static int near_open(struct un_mount *m, int layer, const char *path,
		     size_t plen, int flags, struct un_node *n,
		     uint64_t mask, const uint64_t *stamp, size_t vlen);

/*
 * The commonest lookup of a warm git status, kept short: a plain name
 * relative to the merged cwd ("name", or "dir/sub/name" whose "dir/sub"
 * is the relative part this thread reached last: dcache.c
 * un_dcache_rel_get), the cwd and that directory still as this thread
 * kept them (the cwd's change count and the union's stamp unchanged).
 * What lookup_path does there, without its walk: no copy of the path
 * to walk, none of the merged path (the cwd is read into the node),
 * one read of the stamps, the last name looked up by lookup_cached as
 * the walk's last step does.  The same for an open of a directory for
 * reading (UN_LK_OPENDIR: git's opendir("dir/sub/") of each directory
 * it reads, after its lstat threads put them in their caches), by
 * near_open.  Anything else (a '.' or '..', an empty name, a trailing
 * slash but an opendir's, a symlink to follow, a cwd removed or in a
 * union holding another, a memo missed) returns 2: the caller walks
 * from the start, as if this had not been tried (what it told the
 * caches is what the walk tells them).  x: lookup_path's.
 */
static __attribute__((noinline)) int lookup_near(const char *path,
						 size_t plen, int flags,
						 struct un_node *n,
						 struct stx_req *x,
						 unsigned long *cwd_seq)
{
	const char *name = path, *slash, *rel;
	size_t dlen = 0, nlen, vlen, dead_at, rel_len;
	struct dir_probe pr = { NULL, 0, false };
	struct un_mount *m;
	unsigned long seq;
	uint64_t mask, pmask, stamp[2], may;
	struct at_base base;
	struct comp c;
	bool empty;
	int layer, rc;

	if (path[plen - 1] == '/')
		return 2;
	/* (Acquire: the cwd's record read after it is at least this
	   count's; odd, a writer at work, never matches a memo.) */
	seq = __atomic_load_n(&un_cwd_count, __ATOMIC_ACQUIRE);
	slash = memrchr(path, '/', plen);
	if (slash) {
		name = slash + 1;
		dlen = (size_t)(slash - path);
	}
	nlen = plen - (size_t)(name - path);
	if (nlen > NAME_MAX ||
	    (name[0] == '.' && (nlen == 1 || (nlen == 2 && name[1] == '.'))))
		return 2;
	if (dlen) {
		/* The directory's merged path kept with the part: no read
		   of the cwd's record, unchanged while the count is. */
		struct un_rel_dir rd;
		uint64_t kept;

		m = un_dcache_rel_dir(seq, path, dlen, n->vpath, &rd);
		if (!m && plain_dirs(path, dlen + 1))
			m = un_dcache_rel_near(seq, path, dlen, n->vpath, &rd);
		if (!m || m->has_inner || !m->wt ||
		    rd.vlen + 1 + nlen >= sizeof(n->vpath))
			return 2;
		vlen = rd.vlen;
		layer = rd.layer;
		mask = rd.mask;
		pmask = rd.pmask;
		stamp[0] = un_dcache_stamps(m, &stamp[1], &empty);
		if (rd.stamp != stamp[1])
			return 2;
		/* The cwd: seen alive at this count and stamp, or the
		   union's root (always alive: cwd_check). */
		if (vlen - dlen - 1 > m->merged_len &&
		    un_dcache_cwd_get(m, seq, stamp[1], &kept, &kept) != 0)
			return 2;
		n->vpath[vlen++] = '/';
		memcpy(n->vpath + vlen, name, nlen);
		vlen += nlen;
		n->vpath[vlen] = '\0';
	} else {
		if (!un_dcache_near(seq) ||
		    un_cwd_get_walk(n->vpath, sizeof(n->vpath), &layer,
				    &dead_at, &m, &vlen, &seq) != 0 ||
		    !m || !m->wt || m->has_inner ||
		    vlen + 1 + plen >= sizeof(n->vpath))
			return 2;
		/* (Both stamps read once, before the stats, as the walk
		   reads them for its last name; the memos are compared with
		   the union's.) */
		stamp[0] = un_dcache_stamps(m, &stamp[1], &empty);
		if (vlen <= m->merged_len) {
			/* The union's root: always alive (cwd_check), its
			   layers the root's (settle_in_m). */
			mask = root_layers(m);
			pmask = 0;
		} else if (un_dcache_cwd_get(m, seq, stamp[1], &mask,
					     &pmask) != 0) {
			return 2; /* not seen alive at this count and stamp */
		}
		if (vlen > 1)
			n->vpath[vlen++] = '/';
		memcpy(n->vpath + vlen, path, plen);
		vlen += plen;
		n->vpath[vlen] = '\0';
	}
	if (cwd_seq)
		*cwd_seq = seq;
	lk_cwd_seq = seq;	/* (near_last sets lk_cwd_base) */
	if (flags & UN_LK_OPENDIR)
		return near_open(m, layer, path, plen, flags, n, mask, stamp,
				 vlen);
	/* The start: the cwd, and the name's path from it (the caller's:
	   the merged path ends in it). */
	base.m = m;
	base.fd = AT_FDCWD;
	base.layer = layer;
	base.sub = path;
	rel = rel_of(m, n->vpath, vlen);
	pr.vpath = n->vpath;
	pr.vlen = vlen;
	c.real = n->real;
	c.st = &n->st;
	if (x)
		x->got = -1;
	/* (lookup_cached's way for a name to stat, without its call.) */
	rel_len = vlen - (size_t)(rel - n->vpath);
	c.nstamp = stamp[0];
	c.upper_lacks = (mask & 1) &&
			un_dcache_upper_lacks_at(m, rel, rel_len, stamp[0]);
	c.no_records = empty;
	lk_cwd_base = &base;
	/* One layer may hold it: lookup_single's way (see near_may). */
	may = near_may(mask, &c);
	if (!(may & (may - 1)) && may && !un_config.oci_lowers)
		rc = lookup_single(m, __builtin_ctzll(may), rel, rel_len,
				   layer >= 0 ? &base : NULL, &c,
				   (flags & UN_LK_FOLLOW) ? NULL : x,
				   flags & UN_LK_STATONLY);
	else
		rc = lookup_component(m, mask, rel, rel_len,
				      layer >= 0 ? &base : NULL, &c,
				      (flags & UN_LK_FOLLOW) ? NULL : x, &pr);
	lk_cwd_base = NULL;
	if (rc < 0)
		return rc;
	if (!pr.hit && c.layer >= 0 && S_ISDIR(c.st->st_mode) && lk_may_put())
		un_dcache_put(m, n->vpath, vlen, c.dirlayers, mask, stamp[1]);
	if (c.layer >= 0 && S_ISLNK(c.st->st_mode) && (flags & UN_LK_FOLLOW))
		return 2;	/* the walk follows it */
	n->mnt = m;
	n->rel_off = (size_t)(rel - n->vpath);
	n->layer = c.layer;
	n->parent_dirlayers = mask;
	n->trailing_slash = false;
	n->kpath = n->real;
	n->routed = lk_routes != lk_routes0;
	n->route_top = lk_top;
	n->relative = true;
	if (c.layer < 0) {
		n->dirlayers = 0;
		n->real[0] = '\0';
		if (m->upper &&
		    un_path_join(n->real, sizeof(n->real), m->upper,
				 m->upper_len, rel) < 0)
			return -ENAMETOOLONG;
		/* (As lookup_path's: where the upper would hold it.) */
		if (m->upper && layer == 0) {
			n->at_fd = AT_FDCWD;
			n->at_off = strlen(n->real) - plen;
		}
		return 0;
	}
	n->dirlayers = c.dirlayers;
	if (!S_ISDIR(c.st->st_mode) && lk_may_put())
		un_dcache_memo_put(m, n->vpath, vlen, mask, c.layer, c.st,
				   stamp[0]);
	n->stx_done = x && x->got == c.layer && !S_ISDIR(c.st->st_mode);
	if (layer == c.layer) {
		/* (n->real is the layer's root, '/' and rel, which ends in
		   the caller's path.) */
		n->at_fd = AT_FDCWD;
		n->at_off = un_layer_len(m, c.layer) + 1 +
			    (vlen - n->rel_off) - plen;
	}
	return 0;
}

/*
 * The last name of lookup_fd_near: path (plen bytes) from the start
 * fd standing in layer (-1: none) of m, whose merged path is n->vpath
 * (vlen bytes, path's at its end), in a directory of layers mask;
 * nstamp, dstamp: the names stamp and the union's, read before (empty:
 * the table known empty then, un_dcache_stamps).  What
 * the walk's last step does (lookup_cached's way for a name to stat, or
 * for UN_LK_NOSTAT the memo's answer or lookup_cached, the memo of the
 * file, the node's fields); 2 for a symlink to follow (the walk follows
 * it).  lookup_near's own tail is the same steps for the cwd, kept
 * apart: inlined there too, this cost git status's lstat ~11
 * instructions more (the compiler's registers).
 */
static inline __attribute__((always_inline)) int
near_last(struct un_mount *m, int fd, int layer, const char *path,
	  size_t plen, int flags, struct un_node *n, struct stx_req *x,
	  uint64_t mask, uint64_t nstamp, uint64_t dstamp, bool empty,
	  size_t vlen)
{
	struct dir_probe pr = { NULL, 0, false };
	struct at_base base;
	struct comp c;
	const char *rel;
	size_t rel_len;
	bool memo = true;	/* the memo of the last file put */
	uint64_t may;
	int rc;

	base.m = m;
	base.fd = fd;
	base.layer = layer;
	base.sub = path;
	if (fd == AT_FDCWD)
		lk_cwd_base = &base;	/* (near_open's: it clears it) */
	rel = rel_of(m, n->vpath, vlen);
	pr.vpath = n->vpath;
	pr.vlen = vlen;
	c.real = n->real;
	c.st = &n->st;
	if (x)
		x->got = -1;
	rel_len = vlen - (size_t)(rel - n->vpath);
	if (__builtin_expect(flags & UN_LK_NOSTAT, 0)) {
		/* An open for reading (tar's openat(dirfd, name) after its
		   fstatat, find's of each directory it walks): the walk's
		   last step for a caller that needs only the place and
		   type, the memo of the last file, else lookup_cached (the
		   cache's layers, or the open in the one layer that may
		   hold it, n->open_fd). */
		struct open_req orq = {
			(flags & UN_LK_OPENDIR) ? n->open_flags : 0, -1
		};
		uint64_t st2[2] = { nstamp, dstamp };

		if (un_dcache_memo_get(m, n->vpath, vlen, mask, rel, rel_len,
				       &c.layer, c.st, c.real, UN_VPATH_MAX,
				       nstamp) == 0 &&
		    (c.layer > 0 || ((flags & UN_LK_REALONLY) &&
				     S_ISREG(c.st->st_mode)))) {
			c.dirlayers = 0;	/* (a non-directory) */
			memo = false;
		} else {
			rc = lookup_cached(m, mask, n->vpath, vlen, rel,
					   rel_len, layer >= 0 ? &base : NULL,
					   &c, true,
					   (flags & UN_LK_FOLLOW) ? NULL : x,
					   st2,
					   (flags & UN_LK_OPENDIR) ? &orq :
								     NULL,
					   NULL);
			if (rc < 0)
				return rc;
			n->open_fd = orq.fd;
		}
	} else {
		/* (lookup_cached's way for a name to stat, without its
		   call.) */
		c.nstamp = nstamp;
		c.upper_lacks = (mask & 1) &&
				un_dcache_upper_lacks_at(m, rel, rel_len,
							 nstamp);
		c.no_records = empty;
		may = near_may(mask, &c);
		if (!(may & (may - 1)) && may && !un_config.oci_lowers)
			rc = lookup_single(m, __builtin_ctzll(may), rel,
					   rel_len, layer >= 0 ? &base : NULL,
					   &c,
					   (flags & UN_LK_FOLLOW) ? NULL : x,
					   flags & UN_LK_STATONLY);
		else
			rc = lookup_component(m, mask, rel, rel_len,
					      layer >= 0 ? &base : NULL, &c,
					      (flags & UN_LK_FOLLOW) ? NULL : x,
					      &pr);
		if (rc < 0)
			return rc;
		if (!pr.hit && c.layer >= 0 && S_ISDIR(c.st->st_mode) &&
		    lk_may_put())
			un_dcache_put(m, n->vpath, vlen, c.dirlayers, mask,
				      dstamp);
	}
	if (c.layer >= 0 && S_ISLNK(c.st->st_mode) && (flags & UN_LK_FOLLOW))
		return 2;	/* the walk follows it */
	n->mnt = m;
	n->rel_off = (size_t)(rel - n->vpath);
	n->layer = c.layer;
	n->parent_dirlayers = mask;
	n->trailing_slash = false;
	n->kpath = n->real;
	n->routed = lk_routes != lk_routes0;
	n->route_top = lk_top;
	n->relative = true;
	if (c.layer < 0) {
		n->dirlayers = 0;
		n->real[0] = '\0';
		if (m->upper &&
		    un_path_join(n->real, sizeof(n->real), m->upper,
				 m->upper_len, rel) < 0)
			return -ENAMETOOLONG;
		/* (As lookup_path's: where the upper would hold it.) */
		if (m->upper && layer == 0) {
			n->at_fd = fd;
			n->at_off = strlen(n->real) - plen;
		}
		return 0;
	}
	n->dirlayers = c.dirlayers;
	if (memo && !S_ISDIR(c.st->st_mode) && lk_may_put())
		un_dcache_memo_put(m, n->vpath, vlen, mask, c.layer, c.st,
				   nstamp);
	n->stx_done = x && x->got == c.layer && !S_ISDIR(c.st->st_mode);
	if (layer == c.layer) {
		/* (n->real is the layer's root, '/' and rel, which ends in
		   the caller's path.) */
		n->at_fd = fd;
		n->at_off = un_layer_len(m, c.layer) + 1 +
			    (vlen - n->rel_off) - plen;
	}
	return 0;
}

/* lookup_near's last name for an open of a directory for reading, from
   the cwd (near_last, out of line: lookup_near's stat keeps its own
   registers). */
static __attribute__((noinline)) int near_open(struct un_mount *m, int layer,
					       const char *path, size_t plen,
					       int flags, struct un_node *n,
					       uint64_t mask,
					       const uint64_t *stamp,
					       size_t vlen)
{
	bool slashed = flags & LK_SLASHED;
	int rc;

	/* (A slashed path is not the layer's path from the cwd, whose
	   lstat there would follow a symlink: no start then.) */
	rc = near_last(m, AT_FDCWD, slashed ? -1 : layer, path, plen, flags,
		       n, NULL, mask, stamp[0], stamp[1], false, vlen);
	lk_cwd_base = NULL;
	if (rc == 0 && slashed) {
		if (n->layer >= 0 && !S_ISDIR(n->st.st_mode))
			return 2;	/* (ENOTDIR: the walk's) */
		n->trailing_slash = true;
	}
	return rc;
}

/*
 * lookup_near's way for a plain name relative to a directory descriptor
 * (find's, fts's fstatat(dirfd, "name", AT_SYMLINK_NOFOLLOW) of every
 * name it reads; du's, tar's): the descriptor's merged path and layer
 * from its record (un_fd_get_kept, copied straight into the node), its
 * layers those kept with it (settle_fd's un_fd_masks_put) while the
 * union's stamp is the one they were found at, the name looked up as
 * the walk's last step does.  That is all the walk does there once
 * settle_fd's kept layers stand (no check that the directory is alive:
 * the stamp moves at any change of a directory of the upper or of the
 * table, by any process, and a descriptor found dead is -ESTALE).
 * The same for an open of the name for reading (UN_LK_NOSTAT, and
 * UN_LK_OPENDIR: tar's openat(dirfd, name) after its fstatat, find's
 * openat(dirfd, name, O_DIRECTORY) of each directory it walks).
 * Anything else (a '/' in the name, '.' or '..', a name too long, no
 * record or no layers kept, a dead descriptor, a union holding another,
 * a symlink to follow, an exclusive create) returns 2: the walk, which
 * keeps the layers for the next name.
 */
static __attribute__((noinline)) int lookup_fd_near(int dirfd,
						    const char *path,
						    size_t plen, int flags,
						    struct un_node *n,
						    struct stx_req *x)
{
	struct un_fd_masks fdk;
	struct un_mount *m;
	uint64_t stamp[2];
	size_t vlen;
	bool empty;
	int layer;

	if (plen > NAME_MAX || memchr(path, '/', plen) ||
	    (path[0] == '.' && (plen == 1 || (plen == 2 && path[1] == '.'))))
		return 2;
	if (un_fd_get_kept(dirfd, n->vpath, sizeof(n->vpath), &layer, &m,
			   &fdk) != 0 ||
	    !m->wt || m->has_inner ||
	    fdk.vlen + 1 + plen >= sizeof(n->vpath))
		return 2;
	/* (Both stamps read once, before the stats, as the walk reads them
	   for its last name; the kept layers are the union's stamp's.) */
	stamp[0] = un_dcache_stamps(m, &stamp[1], &empty);
	vlen = fdk.vlen;
	if (!fdk.set || fdk.stamp != stamp[1]) {
		/* settle_fd's answer where the directory cache knows the
		   descriptor's directory (fts opened it a moment ago, and
		   the open put it there), kept for the next names as it
		   keeps it; the walk where it does not.  (The stamp read
		   before the cache's answer: a change since leaves what is
		   kept stale.) */
		struct un_fd_masks put = { 0, 0, stamp[1], true, 0, 0 };

		/* (A directory moved since: settle_fd looks whether it was
		   this one.) */
		if (layer == 0 && vlen > m->merged_len &&
		    (put.moves = un_wtable_places(m->wt)) != fdk.moves &&
		    !places_own(m, fdk.moves, put.moves))
			return 2;
		if (vlen <= m->merged_len)
			put.mask = root_layers(m);
		else if (un_dcache_get(m, n->vpath, vlen, &put.mask,
				       &put.pmask) != 0)
			return 2;
		un_fd_masks_put(dirfd, &put);
		fdk.mask = put.mask;
	}
	if (vlen > 1)
		n->vpath[vlen++] = '/';
	memcpy(n->vpath + vlen, path, plen + 1);
	vlen += plen;
	return near_last(m, dirfd, layer, path, plen, flags, n, x, fdk.mask,
			 stamp[0], stamp[1], empty, vlen);
}

/*
 * path is /proc/self/cwd[/rest] (or /proc/thread-self/cwd, /proc/PID/cwd
 * of this process): 0 with rest ("." for the link itself, followed) to
 * be looked up from the cwd, as the kernel follows the link to the
 * real cwd, a lower's directory when the merged cwd is one of a lower
 * (a create, a write there went to the lower); 1 for any other path.
 */
static __attribute__((noinline, cold)) int proc_cwd(const char *path,
						    bool follow,
						    const char **rest)
{
	char pid[40];
	const char *p = NULL;
	int n;

	if (!strncmp(path, "/proc/self/cwd", 14))
		p = path + 14;
	else if (!strncmp(path, "/proc/thread-self/cwd", 21))
		p = path + 21;
	else if (!strncmp(path, "/proc/", 6) && path[6] >= '0' &&
		 path[6] <= '9' &&
		 (n = snprintf(pid, sizeof(pid), "/proc/%d/cwd",
			       (int)getpid())) > 0 &&
		 !strncmp(path, pid, n))
		p = path + n;
	/* (The link itself, lstat's or readlink's, stays the kernel's.) */
	if (!p || (*p && *p != '/') || (!*p && !follow))
		return 1;
	while (*p == '/')
		p++;
	*rest = *p ? p : ".";
	return 0;
}

/*
 * path is /proc/self/root/rest (thread-self, PID of this process) while
 * the process's root is '/': 0 with *out the path from the root (an
 * in-place union's MERGED, a lower's own path, reached so was the
 * lower's).  1 for any other path, the root link itself included.
 */
static __attribute__((noinline, cold)) int proc_root(const char *path,
						     const char **out)
{
	char pid[40], link[4];
	const char *p = NULL;
	ssize_t got;
	int n;

	if (!strncmp(path, "/proc/self/root", 15))
		p = path + 15;
	else if (!strncmp(path, "/proc/thread-self/root", 22))
		p = path + 22;
	else if (!strncmp(path, "/proc/", 6) && path[6] >= '0' &&
		 path[6] <= '9' &&
		 (n = snprintf(pid, sizeof(pid), "/proc/%d/root",
			       (int)getpid())) > 0 &&
		 !strncmp(path, pid, n))
		p = path + n;
	if (!p || *p != '/')
		return 1;
	UN_SAVE_ERRNO;
	got = real_readlink("/proc/self/root", link, sizeof(link));
	UN_RESTORE_ERRNO;
	if (got != 1 || link[0] != '/')
		return 1;	/* (chrooted: the kernel's) */
	*out = p;
	return 0;
}

/*
 * A symlink's target (size bytes) that is /proc/self/fd/N[/rest] of a
 * descriptor of a union, or /proc/self/cwd[/rest] with the cwd in one
 * (/dev/stdin -> /proc/self/fd/0): rewritten as the merged path the
 * link stands for (an `echo x >/dev/stdin` with stdin read-only on a
 * lower file wrote the lower's); 0, else -errno: removed (ENOENT), or
 * deeper than the target may hold (refused).  Others are left as they
 * are.  Its own frame; cold: rare links.
 */
static __attribute__((noinline, cold)) int proc_target(char *target,
						       size_t size)
{
	char buf[PATH_MAX];
	const char *rest;
	size_t n;
	int rc = proc_fd_path_in(target, buf, sizeof(buf), true);

	if (rc == 1 && proc_cwd(target, true, &rest) == 0) {
		rc = un_cwd_get(buf, sizeof(buf));
		if (rc == -ESTALE)
			return -ENOENT;
		if (rc == -ENOENT)
			return 0;	/* a cwd outside every union */
		if (rc < 0)
			return rc;
		n = strlen(buf);
		if (strcmp(rest, ".") &&
		    (n + 1 + strlen(rest) >= sizeof(buf) ||
		     !strcpy(stpcpy(buf + n, "/"), rest)))
			return -ENAMETOOLONG;
	}
	if (rc < 0 || rc == 1)
		return rc < 0 ? rc : 0;
	if (strlen(buf) >= size)
		return -ENAMETOOLONG;
	strcpy(target, buf);
	return 0;
}

/*
 * path is /proc/self/fd/N/rest (or /dev/fd/N...) of a directory
 * descriptor N of a union whose merged path is PATH_MAX bytes or more:
 * 0 with rest (its '/' skipped; "." for the directory's own link) to be
 * looked up from N, as the kernel follows the link to N's directory
 * (proc_fd_path_in cannot write that path whole: a create below a lower
 * directory that deep went to the lower).  1 for any other path.  Its
 * own frame (the buffer); cold: a rare depth.
 */
static __attribute__((noinline, cold)) int proc_fd_deep(const char *path,
							bool follow, int *fd,
							const char **rest)
{
	char vpath[PATH_MAX];
	const char *end;
	struct stat st;
	int n = proc_fd_num(path, follow, &end);

	/* (*fd and *rest written only on 0: they are the lookup's own.) */
	if (n < 0 ||
	    un_fd_get(n, vpath, sizeof(vpath), NULL) != -ENAMETOOLONG ||
	    real_fstat(n, &st) < 0 || !S_ISDIR(st.st_mode))
		return 1;
	while (*end == '/')
		end++;
	*fd = n;
	*rest = *end ? end : ".";
	return 0;
}

/*
 * The lookup.  *cwd_seq (when cwd_seq is not NULL): the cwd's change
 * count at which a path relative to the cwd read the cwd's record, else
 * left as it was (1, odd, from lookup_threads).  Its system calls
 * relative to the real cwd (AT_FDCWD, stat(".")) are that record's cwd
 * if the count is the same after them: chdir moves the real cwd while
 * the count is odd (un_cwd_chdir).
 */
static __attribute__((noinline)) int lookup_path(int dirfd, const char *path,
						int flags, struct un_node *n,
						unsigned long *cwd_seq)
{
	/* The path left to walk, in the node's vpath (PATH_MAX + 8 of its
	   8 KiB): only the walk's ends write n->vpath (fill_dir, the last
	   name's two returns), done with todo by then, and its head's page
	   is written there anyway.  A buffer of its own was a stack page
	   more written by every walk (a shell child's exec: bench/README.md
	   "Session 14 (exec)").  So a caller's path never lies in the
	   node's vpath (lookup_near writes it first too). */
	char *const todo = n->vpath;
	const size_t todo_size = PATH_MAX + 8;
	const char *p;
	struct walk w;
	struct comp c;
	size_t plen;
	ssize_t slen;
	bool follow_last = flags & UN_LK_FOLLOW;
	struct stx_req xr, *x = NULL;
	unsigned routes = lk_routes;
	int rc;

	lk_routes0 = routes;
	lk_noput = un_upper_lifts != 0;
	n->mnt = NULL;
	n->kpath = path;
	n->at_off = 0;
	n->routed = false;
	n->relative = false;
	c.real = n->real;
	c.st = &n->st;
	n->start_fd = dirfd;
	n->stx_done = false;
	n->open_fd = -1;
	if (flags & UN_LK_STATX) {
		xr.buf = n->stx;
		xr.mask = n->stx_mask;
		xr.flags = n->stx_flags;
		x = &xr;
	}
	lk_start = dirfd;
	slen = un_user_str(path);
	if (slen < 0)
		return (int)slen;
	/* (One test for most paths: proc_fd_path's.)  The path goes on
	   relative to the descriptor or cwd the link names; n->kpath stays
	   the caller's path, the kernel's way when that leads outside. */
	if (path[0] == '/' && (path[1] == 'p' || path[1] == 'd')) {
		bool follow = follow_last || path[slen - 1] == '/';

		if (proc_fd_deep(path, follow, &dirfd, &path) == 0 ||
		    (path[1] == 'p' &&
		     proc_cwd(path, follow, &path) == 0 &&
		     (dirfd = AT_FDCWD, true))) {
			slen = (ssize_t)strlen(path);
			n->start_fd = dirfd;
			lk_start = dirfd;
		} else if (path[1] == 'p' && proc_root(path, &path) == 0) {
			slen = (ssize_t)strlen(path);
		}
	}
	lk_relative = path[0] != '/';
	lk_top = SIZE_MAX;
	/* The commonest call of all, kept short (find's fstatat of every
	   name): a name relative to a descriptor far from every union. */
	if (un_far_name(dirfd, path)) {
		n->trailing_slash = false;
		return 1;
	}
	plen = (size_t)slen;
	if (plen >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!plen && !(flags & UN_LK_EMPTY))
		return -ENOENT;
	/* "" with AT_EMPTY_PATH names the descriptor's own object: the
	   kernel takes it as it is (callers that change it copy it up
	   through the descriptor first). */
	if (!plen && dirfd != AT_FDCWD) {
		struct stat st;

		if (real_fstat(dirfd, &st) == 0 && !S_ISDIR(st.st_mode))
			return 1;
	}
	n->trailing_slash = plen > 1 && path[plen - 1] == '/';
	if (dirfd == AT_FDCWD && plen && path[0] != '/' &&
	    !(flags & (UN_LK_EXCL | UN_LK_NOSTAT))) {
		rc = lookup_near(path, plen, flags, n, x, cwd_seq);
		if (rc != 2)
			return rc;
	} else if (dirfd == AT_FDCWD && plen && path[0] != '/' &&
		   (flags & UN_LK_OPENDIR) && !(flags & UN_LK_EXCL)) {
		/* (opendir("dir/"): the name without its slashes, which
		   must then be a directory: near_open.) */
		size_t nlen = plen;

		while (nlen > 1 && path[nlen - 1] == '/')
			nlen--;
		rc = lookup_near(path, nlen,
				 flags | (nlen < plen ? LK_SLASHED : 0), n, x,
				 cwd_seq);
		if (rc != 2)
			return rc;
	} else if (dirfd >= 0 && plen && path[0] != '/' &&
		   !(flags & UN_LK_EXCL)) {
		rc = lookup_fd_near(dirfd, path, plen, flags, n, x);
		if (rc != 2)
			return rc;
	}

	/* (n->real is the walk's scratch: its lookups fill it until the
	   last name's, and a settle's are done with before the next.) */
	w.scratch = n->real;
	rc = walk_start(&w, dirfd, path, plen, todo, todo_size,
			follow_last || (plen > 1 && path[plen - 1] == '/'),
			cwd_seq);
	if (rc != 0)
		return rc;
	p = todo;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		/* (strchrnul: strcspn's set costs ~25 more a name.) */
		size_t len = (size_t)(strchrnul(p, '/') - p);
		const char *rest = p + len;
		bool last, want_dir, follow;

		while (*rest == '/')
			rest++;
		last = !*rest;
		/*
		 * A slash after the last name (in the path, or in a symlink's
		 * target spliced in) asks for a directory: a symlink there is
		 * followed, and anything else is ENOTDIR; except for creation
		 * (the name may be absent, EEXIST decides) and for the calls
		 * that never follow their last name (rename, unlink, rmdir).
		 * Creation that follows a last symlink (open with O_CREAT)
		 * stops at a name with a slash after it, even one spliced in
		 * from a link's target (self -> self/): the kernel answers
		 * EISDIR there before it looks the name up.
		 */
		want_dir = last && p[len] == '/';
		follow = !last ||
			 (follow_last && !(want_dir && (flags & UN_LK_PARENT))) ||
			 (want_dir &&
			  !(flags & (UN_LK_PARENT | UN_LK_NOFOLLOW_SLASH)));
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		if (len <= 2 && p[0] == '.' && (len == 1 || p[1] == '.') &&
		    w.m) {
			/* '.' and '..' need search permission, as any name. */
			rc = may_search(&w);
			if (rc < 0)
				return rc;
		}
		if (len == 1 && p[0] == '.') {
			p = rest;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			walk_pop(&w);
			if (w.vlen < lk_top)
				lk_top = w.vlen;
			rc = walk_settle_up(&w);
			if (rc < 0)
				return rc;
			p = rest;
			continue;
		}

		if (!w.m) {
			/* Outside: can the rest lead into a union at all? */
			size_t save = w.vlen;

			if (!has_dotdot(p)) {
				rc = walk_push(&w, p, strlen(p));
				if (rc < 0)
					return rc;
				if (!un_config_find(w.vpath)) {
					w.vlen = save;
					w.vpath[save] = '\0';
					return hand_over(&w, p, n);
				}
				w.vlen = save;
				w.vpath[save] = '\0';
			}
			rc = walk_push(&w, p, len);
			if (rc < 0)
				return rc;
			if (un_config_find(w.vpath)) {
				/* A MERGED root, whatever is on disk there. */
				rc = walk_settle(&w);
				if (rc < 0)
					return rc;
				p = rest;
				continue;
			}
			struct stat st;

			if (real_lstat(w.vpath, &st) < 0) {
				/* On the way to a MERGED not on disk. */
				if (errno == ENOENT &&
				    un_config_is_ancestor(w.vpath)) {
					p = rest;
					continue;
				}
				n->trailing_slash = want_dir;
				if (errno == ENOENT && last)
					return hand_over(&w, "", n);
				return -errno;
			}
			if (S_ISLNK(st.st_mode) && follow) {
				rc = walk_link(&w, w.vpath, todo, todo_size,
					       want_dir ? "/" : rest);
				if (rc < 0)
					return rc;
				if (rc == 0)
					p = todo;
				continue;
			}
			if (!last && !S_ISDIR(st.st_mode))
				return -ENOTDIR;
			if (last) {
				n->trailing_slash = want_dir;
				return hand_over(&w, "", n);
			}
			p = rest;
			continue;
		}

		/* Inside a union. */
		size_t save = w.vlen;
		bool in_base = walk_in_base(&w);
		const struct at_base *base = NULL;
		struct at_base here;

		rc = walk_push(&w, p, len);
		if (rc < 0)
			return rc;
		if (in_base)
			base = walk_base(&w, &here);
		struct un_mount *inner = w.m->has_inner ?
			un_config_find(w.vpath) : w.m;

		if (inner != w.m) {
			/* The root of a nested union. */
			rc = walk_settle(&w);
			if (rc < 0)
				return rc;
			p = rest;
			continue;
		}

		const char *rel = rel_of(w.m, w.vpath, w.vlen);
		size_t rel_len = w.vlen - (rel - w.vpath);

		/* (The names stamp, and the union's for lookup_cached;
		   c.no_records, the table known empty with them, for its
		   lookup_single.) */
		uint64_t stamp[2] = { 0, 0 };

		c.no_records = false;
		if (last)
			stamp[0] = un_dcache_stamps(w.m, &stamp[1],
						    &c.no_records);

		if (x)
			x->got = -1;
		/* An exclusive create in a directory of the upper alone: the
		   kernel's O_EXCL tells whether the name is there (tar x). */
		if (last && (flags & UN_LK_EXCL) && w.dirmask == 1 &&
		    !want_dir && w.m->wt &&
		    un_wtable_get(w.m->wt, rel, rel_len) == UN_W_NONE) {
			c.layer = -1;
		} else if (last && (flags & UN_LK_NOSTAT) && !w.relooks &&
			   un_dcache_memo_get(w.m, w.vpath, w.vlen, w.dirmask,
					      rel, rel_len, &c.layer, c.st,
					      c.real, UN_VPATH_MAX,
					      stamp[0]) == 0 &&
			   (c.layer > 0 ||
			    ((flags & UN_LK_REALONLY) && !want_dir &&
			     S_ISREG(c.st->st_mode)))) {
			c.dirlayers = 0;	/* the non-directory just looked up */
		} else {
			/* (orq set only where it is asked for: its two ints
			   set together were a load of their constant from
			   .rodata, a page fault in a shell's child.) */
			bool opendir = last && (flags & UN_LK_OPENDIR);
			struct open_req orq;

			if (opendir) {
				orq.flags = n->open_flags;
				orq.fd = -1;
			}

			/* (statx's buffer: the kernel fills it only when it
			   answers, so not for a name the walk may go on
			   from, a link followed or a trailing slash.) */
			rc = lookup_cached(w.m, w.dirmask, w.vpath, w.vlen, rel,
					   rel_len, base, &c,
					   !last || (flags & UN_LK_NOSTAT),
					   last && !want_dir && !follow ?
						   x : NULL,
					   last ? stamp : NULL,
					   opendir ? &orq : NULL, &w.stamp);
			if (rc < 0)
				return rc;
			n->open_fd = opendir ? orq.fd : -1;
			if (last && c.layer >= 0 &&
			    !S_ISDIR(c.st->st_mode) && lk_may_put() &&
			    walk_stamp_holds(&w.stamp, stamp[1]))
				un_dcache_memo_put(w.m, w.vpath, w.vlen,
						   w.dirmask, c.layer, c.st,
						   stamp[0]);
		}
		if (c.layer < 0) {
			if (!last)
				return -ENOENT;
			n->mnt = w.m;
			memcpy(n->vpath, w.vpath, w.vlen + 1);
			n->rel_off = rel - w.vpath;
			n->layer = -1;
			n->dirlayers = 0;
			n->parent_dirlayers = w.dirmask;
			n->trailing_slash = want_dir;
			n->real[0] = '\0';
			if (w.m->upper &&
			    un_path_join(n->real, sizeof(n->real), w.m->upper,
					 w.m->upper_len, rel) < 0)
				return -ENAMETOOLONG;
			/* Where the upper would hold it, from a start that
			   stands in the upper (see un_node_kat). */
			if (w.m->upper && base && base->layer == 0) {
				n->at_fd = base->fd;
				n->at_off = strlen(n->real) - strlen(base->sub);
			}
			n->kpath = n->real;
			n->routed = lk_routes != routes;
			n->route_top = lk_top;
			n->relative = lk_relative;
			return 0;
		}
		if (S_ISLNK(c.st->st_mode) && follow) {
			rc = walk_link(&w, c.real, todo, todo_size,
				       want_dir ? "/" : rest);
			if (rc < 0)
				return rc;
			if (rc == 0)
				p = todo;
			continue;
		}
		if (!S_ISDIR(c.st->st_mode) &&
		    (!last || (want_dir && !(flags & UN_LK_PARENT))))
			return -ENOTDIR;
		if (last) {
			n->trailing_slash = want_dir;
			n->mnt = w.m;
			memcpy(n->vpath, w.vpath, w.vlen + 1);
			n->rel_off = rel - w.vpath;
			n->layer = c.layer;
			n->dirlayers = c.dirlayers;
			n->parent_dirlayers = w.dirmask;
			/* (c.real is n->real, c.st &n->st) */
			n->kpath = n->real;
			/* A non-directory stops the search at its layer:
			   the buffer holds that layer's answer. */
			n->stx_done = x && x->got == c.layer &&
				      !S_ISDIR(c.st->st_mode);
			if (base && base->layer == c.layer) {
				/* (n->real is the layer's root, '/' and rel,
				   which ends in base->sub: no strlen.) */
				n->at_fd = base->fd;
				n->at_off = un_layer_len(w.m, c.layer) + 1 +
					    rel_len -
					    (w.vlen - (size_t)(base->sub -
							       w.vpath));
			}
			n->routed = lk_routes != routes;
			n->route_top = lk_top;
			n->relative = lk_relative;
			return 0;
		}
		(void)save;
		w.parentmask = w.dirmask;
		w.dirmask = c.dirlayers;
		p = rest;
	}

	/* The walk ended on a directory: a root, '.', '..' or "". */
	if (!w.m)
		return hand_over(&w, "", n);
	rc = fill_dir(&w, n);
	n->kpath = n->real;
	n->routed = lk_routes != routes;
	n->route_top = lk_top;
	n->relative = lk_relative;
	return rc;
}

/*
 * Does a lookup with threads (lookup_path's cwd_seq: seq) stand?  One
 * that read the cwd (seq even) stands if the cwd did not change since.
 * One that hands the kernel a path relative to the real cwd (outside
 * every union, or "" of AT_EMPTY_PATH) is decided only when the system
 * call is made, after the lookup: the cwd is pinned until the wrapper's
 * un_leave (fdtab.c, Pins), and the pin tells whether it moved.
 */
static inline bool lookup_settled(int dirfd, int rc, const struct un_node *n,
				  unsigned long seq, unsigned long moves)
{
	/* A copy-up moved a directory's descriptor meanwhile: one the
	   walk used as a lower's copy may be the upper's now (fdtab.c,
	   Moves). */
	if (dirfd >= 0 && __builtin_expect(un_fd_moves() != moves, 0))
		return false;
	if (seq & 1)
		return true;
	if (rc > 0 && dirfd == AT_FDCWD && n->kpath[0] != '/')
		return un_cwd_pin(seq);
	return !un_cwd_moved(seq);
}

/*
 * A lookup in a process with threads.  One that started from the merged
 * cwd while another thread's chdir moved it (lookup_path's cwd_seq) may
 * have asked the kernel about the wrong directory: its answer, the
 * descriptor it opened, and what it told this thread's caches are thrown
 * away, and it looks again, until a look sees no change (each time
 * round another thread's change of the cwd ended:
 * tests/integration/chdir-threads-layers).  So does one from a directory's
 * descriptor that a copy-up moved meanwhile (fdtab.c, Moves).
 */
static __attribute__((noinline, cold)) int lookup_again(int dirfd,
						       const char *path,
						       int flags,
						       struct un_node *n)
{
	unsigned long seq, moves;
	int rc;

	for (int round = 0;; round++) {
		if (n->open_fd >= 0) {
			UN_SAVE_ERRNO;
			real_close(n->open_fd);
			UN_RESTORE_ERRNO;
		}
		if (!un_in_signal())
			un_dcache_forget();
		if (round >= 2)
			sched_yield();
		seq = 1;
		moves = un_fd_moves();
		rc = lookup_path(dirfd, path, flags, n, &seq);
		if (lookup_settled(dirfd, rc, n, seq, moves))
			return rc;
	}
}

static __attribute__((noinline)) int lookup_threads(int dirfd,
						   const char *path,
						   int flags,
						   struct un_node *n)
{
	unsigned long seq = 1, moves = un_fd_moves();
	int rc = lookup_path(dirfd, path, flags, n, &seq);

	if (__builtin_expect(lookup_settled(dirfd, rc, n, seq, moves), 1))
		return rc;
	return lookup_again(dirfd, path, flags, n);
}

int un_lookup_nosave(int dirfd, const char *path, int flags,
		     struct un_node *n)
{
	/* One thread: no other moves the real cwd under the lookup (a
	   handler's chdir in the middle of one is not looked for). */
	if (__builtin_expect(!__libc_single_threaded, 0))
		return lookup_threads(dirfd, path, flags, n);
	return lookup_path(dirfd, path, flags, n, NULL);
}

int un_lookup(int dirfd, const char *path, int flags, struct un_node *n)
{
	int rc;

	UN_ERRNO_IN;
	rc = un_lookup_nosave(dirfd, path, flags, n);
	/* The answer is rc: what the layers' lstats failed with on the
	   way (a name a lower lacks) is not the caller's errno, which a
	   call that succeeds leaves as it was (cmake's kwsys zeroes errno
	   before opendir and takes one set after readdir's loop for a
	   failure). */
	UN_ERRNO_OUT(true);
	return rc;
}

/*
 * The last component of path, when it is '.' (1) or '..' (2), trailing
 * slashes left aside; 0 for a name.  The kernel answers a change of such
 * a name by its kind alone (LAST_DOT, LAST_DOTDOT), after walking the
 * rest of the path: rmdir ENOTEMPTY or EINVAL, unlink EISDIR, rename
 * EBUSY, a creation EEXIST.
 */
int un_path_last_dots(const char *path)
{
	ssize_t slen = un_user_str(path);
	size_t len;

	if (slen < 0)
		return (int)slen;
	len = (size_t)slen;

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= 1 && path[len - 1] == '.' &&
	    (len == 1 || path[len - 2] == '/'))
		return 1;
	if (len >= 2 && path[len - 1] == '.' && path[len - 2] == '.' &&
	    (len == 2 || path[len - 3] == '/'))
		return 2;
	return 0;
}

int un_lookup_dots(int dirfd, const char *path, struct un_mount **mnt,
		   char *kpath, size_t size)
{
	char dir[UN_VPATH_MAX];
	struct un_node n;
	size_t len = strlen(path), cut;
	int rc;

	*mnt = NULL;
	while (len > 1 && path[len - 1] == '/')
		len--;
	cut = len;
	while (cut > 0 && path[cut - 1] != '/')
		cut--;
	/* The directory the component is taken in, as "DIR/.": walked as
	   the kernel walks it, with search permission asked of it too
	   (link_path_walk's may_lookup before the last component). */
	if (cut + 2 > sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, cut);
	strcpy(dir + cut, ".");
	rc = un_lookup(dirfd, dir, UN_LK_FOLLOW, &n);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if (n.layer < 0)
			return -ENOENT;
		if (!S_ISDIR(n.st.st_mode))
			return -ENOTDIR;
		*mnt = n.mnt;
		return 0;
	}
	/* Outside every union: the kernel takes the same component in the
	   real directory the walk reached (the caller's own path when the
	   walk left it as it was). */
	if (n.kpath == dir) {
		if (strlen(path) >= size)
			return -ENAMETOOLONG;
		strcpy(kpath, path);
		return 1;
	}
	if (strlen(n.kpath) + 1 + strlen(path + cut) >= size)
		return -ENAMETOOLONG;
	strcpy(stpcpy(stpcpy(kpath, n.kpath), "/"), path + cut);
	return 1;
}

/* n as un_dir_cached fills it, for the directory vpath of union m
   (rel: its part under MERGED) whose layers n->dirlayers holds. */
static int dir_node_fill(struct un_mount *m, const char *vpath, size_t len,
			 const char *rel, struct un_node *n)
{
	int layer = __builtin_ctzll(n->dirlayers);

	if (un_path_join(n->real, sizeof(n->real), un_layer_root(m, layer),
			 un_layer_len(m, layer), rel) < 0)
		return -ENOENT;
	n->mnt = m;
	n->at_off = 0;
	n->routed = false;
	n->relative = false;
	n->start_fd = AT_FDCWD;
	memcpy(n->vpath, vpath, len + 1);
	n->rel_off = rel - vpath;
	n->layer = layer;
	n->trailing_slash = false;
	n->kpath = n->real;
	memset(&n->st, 0, sizeof(n->st));
	n->st.st_mode = S_IFDIR;
	return 0;
}

int un_dir_cached(const char *vpath, struct un_node *n)
{
	return un_dir_cached_in(un_config_find(vpath), vpath, n);
}

int un_dir_cached_in(struct un_mount *m, const char *vpath,
		     struct un_node *n)
{
	size_t len = strlen(vpath);
	const char *rel;

	if (!m || len >= sizeof(n->vpath))
		return -ENOENT;
	rel = rel_of(m, vpath, len);
	if (!*rel) {
		n->dirlayers = root_layers(m);
		n->parent_dirlayers = 0;
	} else if (un_dcache_get(m, vpath, len, &n->dirlayers,
				 &n->parent_dirlayers) < 0 || !n->dirlayers) {
		return -ENOENT;
	}
	return dir_node_fill(m, vpath, len, rel, n);
}

int un_dir_single(const char *vpath, int layer, struct un_node *n)
{
	size_t len = strlen(vpath);
	struct un_mount *m = un_config_find(vpath);

	if (!m || len >= sizeof(n->vpath) || layer < 0 || layer > m->nlower)
		return -ENOENT;
	n->dirlayers = (uint64_t)1 << layer;
	n->parent_dirlayers = 0;
	return dir_node_fill(m, vpath, len, rel_of(m, vpath, len), n);
}

/* (un_node_dir_origin's part out of line, with its frame.) */
__attribute__((noinline)) bool un_node_dir_origin_of(const struct un_node *n,
						    dev_t *dev, ino_t *ino)
{
	char buf[UN_VPATH_MAX];
	UN_KBUF(kbuf);
	struct stat st;
	int layer, e0 = errno;
	size_t vlen = strlen(n->vpath);

	if (un_dcache_origin_get(n->mnt, n->vpath, vlen, dev, ino) == 0)
		return true;
	layer = __builtin_ctzll(n->dirlayers >> 1) + 1;
	if (un_path_join(buf, sizeof(buf), un_layer_root(n->mnt, layer),
			 un_layer_len(n->mnt, layer), un_node_rel(n)) < 0 ||
	    real_lstat(un_kreal(buf, &kbuf), &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		errno = e0;
		return false;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	un_dcache_origin_put(n->mnt, n->vpath, vlen, st.st_dev, st.st_ino);
	return true;
}

int un_path_unreal(const char *real, char *buf, size_t len)
{
	for (int i = 0; i < un_config.nmount; i++) {
		const struct un_mount *m = &un_config.mount[i];

		for (int l = 0; l <= m->nlower; l++) {
			const char *root = un_layer_root(m, l);
			size_t rl = un_layer_len(m, l);

			if (!root || strncmp(real, root, rl) ||
			    (real[rl] != '/' && real[rl] != '\0'))
				continue;
			if (l == 0 && !strncmp(real + rl, "/" UN_META_DIR,
					       sizeof(UN_META_DIR)) &&
			    (real[rl + sizeof(UN_META_DIR)] == '/' ||
			     real[rl + sizeof(UN_META_DIR)] == '\0'))
				return -ENOENT;
			if (m->merged_len + strlen(real + rl) >= len)
				return -ENAMETOOLONG;
			if (m->merged_len == 1 && real[rl] == '/')
				buf[0] = '\0';
			else
				memcpy(buf, m->merged, m->merged_len + 1);
			strcat(buf, real + rl);
			if (!buf[0])
				strcpy(buf, "/");
			return 0;
		}
	}
	return -ENOENT;
}
