/*
 * fuzz_namei.c - path lookup (un_lookup, preload/namei.c) against a
 * model of overlay lookup.
 *
 * From the input it builds, in a scratch directory, an upper and one to
 * three lowers holding files, directories, symlinks (relative, absolute
 * into the union, absolute to nowhere), overlayfs whiteouts (character
 * devices 0/0, as root) and opaque directories (the xattr in a lower,
 * the table's 'o' record in the upper), plus whiteout records in the
 * upper's table; then it looks up paths under MERGED with every
 * combination of the lookup flags and compares what un_lookup says with
 * an in-memory model of the same layers:
 *
 *  - a name is looked up in the layers of its directory, upper first;
 *    the first layer that has it decides its type; a non-directory, a
 *    whiteout (device 0/0, or the table's record before the lowers) or
 *    an opaque directory ends the search; a directory merges every
 *    directory of that name above such a stop;
 *  - ".union" at the root of the union does not exist;
 *  - symlinks are spliced in front of the rest of the path (relative
 *    from the link's directory, absolute from '/'); 41 links is ELOOP;
 *  - '..' at the root of the union leaves it for MERGED's parent, from
 *    which MERGED's name leads back in and anything else is left to
 *    the kernel;
 *  - a missing directory is ENOENT, a non-directory used as one (or a
 *    trailing slash after one) ENOTDIR.
 *
 * Compared: the return value or errno; for a node in the union its
 * layer, merged path, real path, the layers of it and of its parent,
 * the trailing-slash flag and the inode of what it found.  Half the
 * time a directory found is also opened and a second path looked up
 * relative to its descriptor, which must find what the absolute lookup
 * finds (and un_node_at's short path must name the same file).
 *
 * MERGED is a new name for every input (it never exists on disk), so
 * that the per-thread cache of directory layers (dcache.c) cannot answer
 * from the previous input's tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"
#include "fuzz.h"

/* Every path here is a short name under a short scratch directory:
   gcc cannot see that, and would warn at every snprintf. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define MAX_LOWER 3
#define MAX_ENTS 48
#define MAX_RECS 16
#define MAX_COMPS 64
#define MAX_SYMLINKS_MODEL 40	/* the kernel's limit, and namei.c's */

enum kind { K_NONE, K_REG, K_DIR, K_LNK, K_WH };

struct ent {
	int layer;
	char path[32];		/* relative to the layer's root */
	enum kind kind;
	char target[PATH_MAX];
	bool opaque;		/* a lower directory with the xattr */
};

struct rec {
	char path[32];
	char kind;		/* 'w' or 'o' */
};

static char base[PATH_MAX];	/* holds "t" (the layers) and MERGED */
static char tdir[PATH_MAX];	/* base/t */
static char merged[PATH_MAX];	/* base/mN, never on disk */
static char mname[32];		/* its last component */
static char layer_root[MAX_LOWER + 1][PATH_MAX];
static int nlayer;		/* upper + lowers */
static bool root;
static unsigned long serial;

static struct ent ents[MAX_ENTS];
static int nent;
static struct rec recs[MAX_RECS];
static int nrec;

static void cleanup(void)
{
	if (base[0])
		fuzz_rm_tree(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char tmpl[PATH_MAX];
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	snprintf(tmpl, sizeof(tmpl), "%s/libunion-fuzz-namei.XXXXXX", tmp);
	if (!mkdtemp(tmpl) || !realpath(tmpl, base)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(tdir, sizeof(tdir), "%s/t", base);
	root = geteuid() == 0;
	un_real_early();
	un_real_late();
	atexit(cleanup);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The model's layers.                                                 */

static struct ent *ent_find(int layer, const char *path)
{
	for (int i = 0; i < nent; i++)
		if (ents[i].layer == layer && !strcmp(ents[i].path, path))
			return &ents[i];
	return NULL;
}

static char rec_kind(const char *path)
{
	for (int i = 0; i < nrec; i++)
		if (!strcmp(recs[i].path, path))
			return recs[i].kind;
	return 0;
}

struct found {
	int layer;		/* -1: absent */
	enum kind kind;
	uint64_t dirlayers;
};

/* Overlay lookup of rel in the layers of its directory, mask. */
static struct found model_component(const char *rel, uint64_t mask)
{
	struct found f = { -1, K_NONE, 0 };
	bool table_checked = false;

	for (int i = 0; i < nlayer; i++) {
		const struct ent *e;

		if (!(mask & (1u << i)))
			continue;
		if (i > 0 && !table_checked) {
			table_checked = true;
			if (rec_kind(rel) == 'w')
				break;
		}
		e = ent_find(i, rel);
		if (!e)
			continue;
		if (e->kind == K_WH)
			break;
		if (f.layer < 0) {
			f.layer = i;
			f.kind = e->kind;
			if (e->kind != K_DIR)
				break;
		} else if (e->kind != K_DIR) {
			break;
		}
		f.dirlayers |= 1u << i;
		if (i == 0 ? rec_kind(rel) == 'o' : e->opaque)
			break;
	}
	return f;
}

/* ------------------------------------------------------------------ */
/* Building the layers from the input.                                 */

/* Few names, so that layers, records and lookups meet often. */
static const char *const names[] = { "a", "b", "c" };

static void lpath(char *buf, int layer, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", layer_root[layer], rel);
}

static void add_ent(int layer, const char *path, enum kind kind)
{
	struct ent *e = &ents[nent++];

	memset(e, 0, sizeof(*e));
	e->layer = layer;
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->kind = kind;
}

/* Make the parents of rel in layer as directories; false when one of
   them is something else there. */
static bool make_parents(int layer, const char *rel)
{
	char sub[32], real[PATH_MAX];

	for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
		const struct ent *e;

		snprintf(sub, sizeof(sub), "%.*s", (int)(s - rel), rel);
		e = ent_find(layer, sub);
		if (e) {
			if (e->kind != K_DIR)
				return false;
			continue;
		}
		if (nent == MAX_ENTS)
			return false;
		lpath(real, layer, sub);
		FUZZ_CHECK(mkdir(real, 0755) == 0, "mkdir %s: %s", real,
			   strerror(errno));
		add_ent(layer, sub, K_DIR);
	}
	return true;
}

/* A relative path of 1 to 3 of the names (mostly short ones, and the
   third name seldom). */
static void gen_rel(struct fuzz_in *in, char *buf, size_t size)
{
	static const int depths[] = { 1, 1, 2, 2, 2, 3, 1, 2 };
	int depth = depths[fuzz_pick(in, 8)];

	buf[0] = '\0';
	for (int i = 0; i < depth; i++) {
		unsigned c = fuzz_pick(in, 8);

		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
			 i ? "/" : "", names[c < 4 ? 0 : c < 7 ? 1 : 2]);
	}
}

static void gen_target(struct fuzz_in *in, char *buf, size_t size)
{
	static const char *const comps[] = { "a", "b", "c", ".", ".." };
	int how = fuzz_pick(in, 4), n;

	buf[0] = '\0';
	if (how == 3) {
		snprintf(buf, size, "/nonexistent-libunion-fuzz%s",
			 fuzz_pick(in, 2) ? "/a" : "");
		return;
	}
	if (how == 2)
		snprintf(buf, size, "%s", merged);
	n = (how == 2 ? 0 : 1) + fuzz_pick(in, 3);
	for (int i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
			 (i || how == 2) ? "/" : "", comps[fuzz_pick(in, 5)]);
	if (fuzz_pick(in, 4) == 0)
		snprintf(buf + strlen(buf), size - strlen(buf), "/");
}

/* Record path's table record in the model; false when it is full, and
   the table must not get the record either (the model would miss it). */
static bool model_set_rec(const char *path, char kind)
{
	int i;

	for (i = 0; i < nrec && strcmp(recs[i].path, path); i++)
		;
	if (i == MAX_RECS)
		return false;
	if (i == nrec)
		nrec++;
	snprintf(recs[i].path, sizeof(recs[i].path), "%s", path);
	recs[i].kind = kind;
	return true;
}

static void build_one(struct fuzz_in *in, struct un_wtable *wt)
{
	int layer = fuzz_pick(in, nlayer);
	unsigned what = fuzz_pick(in, 8);
	char rel[32], real[PATH_MAX];
	struct ent *e;
	int fd;

	gen_rel(in, rel, sizeof(rel));
	if (what >= 6) {
		/* A record of the upper's table, whatever lies there. */
		char kind = what == 6 ? 'w' : 'o';

		if (!model_set_rec(rel, kind))
			return;
		FUZZ_CHECK(un_wtable_set(wt, rel, (enum un_wkind)kind) == 0,
			   "un_wtable_set %s", rel);
		return;
	}
	if (ent_find(layer, rel) || !make_parents(layer, rel) ||
	    nent == MAX_ENTS)
		return;
	lpath(real, layer, rel);
	switch (what) {
	case 0:
		fd = open(real, O_WRONLY | O_CREAT | O_EXCL, 0644);
		FUZZ_CHECK(fd >= 0, "create %s: %s", real, strerror(errno));
		close(fd);
		add_ent(layer, rel, K_REG);
		break;
	case 1:
	case 5:
		FUZZ_CHECK(mkdir(real, 0755) == 0, "mkdir %s", real);
		add_ent(layer, rel, K_DIR);
		if (what == 5 && layer > 0)
			ents[nent - 1].opaque =
				setxattr(real, root ? "trusted.overlay.opaque" :
						      "user.overlay.opaque",
					 "y", 1, 0) == 0;
		/* The upper's opaque directory is a table record (left a
		   plain directory when the model has no room for it). */
		if (what == 5 && layer == 0 && model_set_rec(rel, 'o'))
			FUZZ_CHECK(un_wtable_set(wt, rel, UN_W_OPAQUE) == 0,
				   "un_wtable_set %s", rel);
		break;
	case 2:
	case 3:
		add_ent(layer, rel, K_LNK);
		e = &ents[nent - 1];
		gen_target(in, e->target, sizeof(e->target));
		FUZZ_CHECK(symlink(e->target, real) == 0, "symlink %s",
			   real);
		break;
	case 4:
		if (!root || mknod(real, S_IFCHR | 0600, makedev(0, 0)) < 0)
			return;
		add_ent(layer, rel, K_WH);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The model's walk.                                                   */

struct answer {
	int rc;			/* 0, 1 (outside), -errno; 2: not modelled */
	int layer;
	enum kind kind;
	char rel[PATH_MAX];
	uint64_t dirlayers, parent;
	bool trailing;
};

/* Split p into comps (skipping empty ones), after those already there. */
static int split(const char *p, char comps[][NAME_MAX + 1], int n)
{
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len && n < MAX_COMPS) {
			snprintf(comps[n], NAME_MAX + 1, "%.*s", (int)len, p);
			n++;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	return n;
}

static bool ends_slash(const char *p)
{
	size_t l = strlen(p);

	return l > 1 && p[l - 1] == '/';
}

/*
 * Walk the components after MERGED (sub: the path's text after it) the
 * way the model says.  Returns the answer.
 */
static void model_lookup(const char *sub, int flags, struct answer *a)
{
	static char todo[MAX_COMPS][NAME_MAX + 1], spliced[MAX_COMPS][NAME_MAX + 1];
	char stack[16][NAME_MAX + 1];
	uint64_t mask[17];
	int depth = 0, ntodo, links = 0;
	bool trail = sub[0] && sub[strlen(sub) - 1] == '/';
	enum { IN, AT_BASE } where = IN;

	memset(a, 0, sizeof(*a));
	a->trailing = trail;
	mask[0] = (1u << nlayer) - 1;
	ntodo = split(sub, todo, 0);
	for (int i = 0; i < ntodo; i++) {
		const char *x = todo[i];
		bool last = i == ntodo - 1;
		bool want_dir = last && trail;
		/* Creation stops at a name a slash follows (the kernel
		   answers EISDIR there), even one spliced from a link. */
		bool follow = !last ||
			      ((flags & UN_LK_FOLLOW) &&
			       !(want_dir && (flags & UN_LK_PARENT))) ||
			      (want_dir && !(flags & (UN_LK_PARENT |
						      UN_LK_NOFOLLOW_SLASH)));

		if (where == AT_BASE) {
			if (!strcmp(x, "."))
				continue;
			if (!strcmp(x, "..")) {
				a->rc = 2;
				return;
			}
			if (!strcmp(x, mname)) {
				where = IN;
				depth = 0;
				continue;
			}
			/* base/x does not exist: the kernel's to say,
			   unless a '..' makes the library walk on. */
			a->rc = 1;
			for (int j = i; j < ntodo; j++)
				if (!strcmp(todo[j], ".."))
					a->rc = -ENOENT;
			return;
		}
		if (!strcmp(x, "."))
			continue;
		if (!strcmp(x, "..")) {
			if (depth == 0)
				where = AT_BASE;
			else
				depth--;
			continue;
		}

		char rel[PATH_MAX] = "";

		for (int d = 0; d < depth; d++)
			snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel),
				 "%s/", stack[d]);
		snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "%s",
			 x);

		struct found f = { -1, K_NONE, 0 };

		if (depth > 0 || strcmp(x, UN_META_DIR))
			f = model_component(rel, mask[depth]);
		if (f.layer < 0) {
			if (!last) {
				a->rc = -ENOENT;
				return;
			}
			a->layer = -1;
			snprintf(a->rel, sizeof(a->rel), "%s", rel);
			a->parent = mask[depth];
			a->trailing = want_dir;
			return;
		}
		if (f.kind == K_LNK && follow) {
			const struct ent *e = ent_find(f.layer, rel);
			const char *t = e->target;
			int n = 0;

			if (++links > MAX_SYMLINKS_MODEL) {
				a->rc = -ELOOP;
				return;
			}
			if (t[0] == '/') {
				size_t ml = strlen(merged);

				if (strncmp(t, merged, ml) ||
				    (t[ml] && t[ml] != '/')) {
					/* Nowhere: the kernel's, unless a
					   '..' follows the missing name. */
					a->rc = 1;
					for (int j = i + 1; j < ntodo; j++)
						if (!strcmp(todo[j], ".."))
							a->rc = -ENOENT;
					return;
				}
				depth = 0;
				t += ml;
			}
			n = split(t, spliced, 0);
			if (last)
				trail = want_dir || ends_slash(e->target);
			for (int j = i + 1; j < ntodo && n < MAX_COMPS; j++)
				memcpy(spliced[n++], todo[j], NAME_MAX + 1);
			memcpy(todo, spliced, sizeof(spliced));
			ntodo = n;
			i = -1;
			continue;
		}
		if (f.kind != K_DIR &&
		    (!last || (want_dir && !(flags & UN_LK_PARENT)))) {
			a->rc = -ENOTDIR;
			return;
		}
		if (last) {
			a->layer = f.layer;
			a->kind = f.kind;
			snprintf(a->rel, sizeof(a->rel), "%s", rel);
			a->dirlayers = f.dirlayers;
			a->parent = mask[depth];
			a->trailing = want_dir;
			return;
		}
		snprintf(stack[depth], NAME_MAX + 1, "%s", x);
		mask[depth + 1] = f.dirlayers;
		depth++;
	}
	if (where == AT_BASE) {
		a->rc = 1;
		return;
	}
	/* Ended on a directory. */
	a->rel[0] = '\0';
	for (int d = 0; d < depth; d++)
		snprintf(a->rel + strlen(a->rel), sizeof(a->rel) - strlen(a->rel),
			 "%s%s", d ? "/" : "", stack[d]);
	a->layer = __builtin_ctzll(mask[depth]);
	a->kind = K_DIR;
	a->dirlayers = mask[depth];
	a->parent = depth ? mask[depth - 1] : 0;
}

/* ------------------------------------------------------------------ */
/* The lookups.                                                        */

/*
 * A path under MERGED: half the time one the layers or the table name
 * (so that lookups meet what was built), with more components after it
 * or not; else components drawn at random.
 */
static void gen_query(struct fuzz_in *in, char *sub, size_t size)
{
	static const char *const comps[] = { "a", "b", "c", "a", "b", "a",
					     ".", "..", UN_META_DIR, NULL };
	unsigned how = fuzz_pick(in, 4);
	int n = fuzz_pick(in, how < 2 ? 3 : 6);

	sub[0] = '\0';
	if (how == 0 && nent)
		snprintf(sub, size, "/%s", ents[fuzz_pick(in, nent)].path);
	if (how == 1 && nrec)
		snprintf(sub, size, "/%s", recs[fuzz_pick(in, nrec)].path);
	for (int i = 0; i < n; i++) {
		unsigned c = fuzz_byte(in);
		const char *name = comps[c % 10] ? comps[c % 10] : mname;

		snprintf(sub + strlen(sub), size - strlen(sub), "%s%s",
			 c & 0x80 ? "//" : "/", name);
	}
	if (fuzz_pick(in, 4) == 0)
		snprintf(sub + strlen(sub), size - strlen(sub), "/");
}

/* What the input built, for FUZZ_NAMEI_DUMP=1 when replaying a failure. */
static void dump_layers(void)
{
	static const char *const kinds[] = { "none", "file", "dir", "symlink",
					     "whiteout" };

	fprintf(stderr, "layers: %d (0 is the upper)\n", nlayer);
	for (int i = 0; i < nent; i++)
		fprintf(stderr, "  layer %d: %s %s%s%s%s\n", ents[i].layer,
			ents[i].path, kinds[ents[i].kind],
			ents[i].opaque ? " opaque" : "",
			ents[i].kind == K_LNK ? " -> " : "", ents[i].target);
	for (int i = 0; i < nrec; i++)
		fprintf(stderr, "  table: %c %s\n", recs[i].kind, recs[i].path);
}

static void check_query(const char *sub, int flags)
{
	char path[PATH_MAX], real[PATH_MAX], vpath[PATH_MAX];
	struct answer a;
	struct un_node n;
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "%s%s", merged, sub);
	memset(&n, 0x5a, sizeof(n));
	rc = un_lookup(AT_FDCWD, path, flags, &n);
	model_lookup(sub, flags, &a);
	if (a.rc == 2) {
		FUZZ_CHECK(rc <= 1, "%s: returned %d", path, rc);
		return;
	}
	FUZZ_CHECK(rc == a.rc, "%s (flags %#x): un_lookup %d (%s), the model "
		   "%d (%s)", path, flags, rc, rc < 0 ? strerror(-rc) : "",
		   a.rc, a.rc < 0 ? strerror(-a.rc) : "");
	if (rc != 0)
		return;

	if (a.rel[0])
		snprintf(vpath, sizeof(vpath), "%s/%s", merged, a.rel);
	else
		snprintf(vpath, sizeof(vpath), "%s", merged);
	FUZZ_CHECK(n.mnt == &un_config.mount[0], "%s: mount", path);
	FUZZ_CHECK(!strcmp(n.vpath, vpath), "%s: vpath %s, the model %s",
		   path, n.vpath, vpath);
	FUZZ_CHECK(!strcmp(un_node_rel(&n), a.rel), "%s: rel '%s', the "
		   "model '%s'", path, un_node_rel(&n), a.rel);
	FUZZ_CHECK(n.layer == a.layer, "%s (flags %#x): layer %d, the model %d",
		   path, flags, n.layer, a.layer);
	FUZZ_CHECK(n.dirlayers == a.dirlayers, "%s: dirlayers %#llx, the "
		   "model %#llx", path, (unsigned long long)n.dirlayers,
		   (unsigned long long)a.dirlayers);
	FUZZ_CHECK(n.parent_dirlayers == a.parent, "%s: parent layers %#llx, "
		   "the model %#llx", path,
		   (unsigned long long)n.parent_dirlayers,
		   (unsigned long long)a.parent);
	FUZZ_CHECK(n.trailing_slash == a.trailing, "%s (flags %#x): trailing "
		   "slash %d, the model %d", path, flags, n.trailing_slash,
		   a.trailing);
	lpath(real, a.layer < 0 ? 0 : a.layer, a.rel);
	if (!a.rel[0])
		snprintf(real, sizeof(real), "%s", layer_root[a.layer]);
	FUZZ_CHECK(!strcmp(n.real, real), "%s: real %s, the model %s", path,
		   n.real, real);
	FUZZ_CHECK(n.kpath == n.real, "%s: kpath", path);
	if (a.layer < 0)
		return;
	FUZZ_CHECK(lstat(real, &st) == 0, "lstat %s", real);
	FUZZ_CHECK(st.st_ino == n.st.st_ino && st.st_dev == n.st.st_dev,
		   "%s: st of another file", path);
	FUZZ_CHECK((a.kind == K_DIR && S_ISDIR(st.st_mode)) ||
			   (a.kind == K_REG && S_ISREG(st.st_mode)) ||
			   (a.kind == K_LNK && S_ISLNK(st.st_mode)),
		   "%s: found a %o, the model kind %d", path,
		   st.st_mode & S_IFMT, a.kind);
}

/*
 * The same lookups relative to a descriptor of a merged directory: the
 * library resolves names below it in the layer the descriptor stands in
 * relative to it (struct at_base in namei.c), and must find what the
 * absolute lookup finds.  dir: a path under MERGED that names a
 * directory in the union; rel: a path relative to it.
 */
static void check_relative(const char *dir, const char *rel, int flags)
{
	char path[PATH_MAX];
	struct un_node d, a, r;
	struct stat st, at;
	int fd, rca, rcr;

	if (!*rel)
		return;		/* "" is ENOENT, not the directory */
	snprintf(path, sizeof(path), "%s%s", merged, dir);
	if (un_lookup(AT_FDCWD, path, UN_LK_FOLLOW, &d) != 0 || d.layer < 0 ||
	    !S_ISDIR(d.st.st_mode))
		return;
	fd = real_open(d.real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "open %s: %s", d.real, strerror(errno));
	un_fd_set(fd, d.vpath, un_node_is_merged_dir(&d));
	un_fd_mark_layer(fd, d.layer);
	un_active = true;	/* the descriptor table answers only then */

	snprintf(path, sizeof(path), "%s/%s", d.vpath, rel);
	rca = un_lookup(AT_FDCWD, path, flags, &a);
	rcr = un_lookup(fd, rel, flags, &r);
	FUZZ_CHECK(rca == rcr, "%s from %s (flags %#x): %d, absolute %d", rel,
		   d.vpath, flags, rcr, rca);
	if (rcr == 0) {
		FUZZ_CHECK(!strcmp(r.vpath, a.vpath) && r.layer == a.layer &&
				   !strcmp(r.real, a.real) &&
				   r.dirlayers == a.dirlayers &&
				   r.parent_dirlayers == a.parent_dirlayers &&
				   r.trailing_slash == a.trailing_slash,
			   "%s from %s: %s layer %d real %s, absolute %s layer "
			   "%d real %s", rel, d.vpath, r.vpath, r.layer, r.real,
			   a.vpath, a.layer, a.real);
		if (r.layer >= 0) {
			const char *kp;
			int at_fd = un_node_at(&r, &kp);

			FUZZ_CHECK(r.st.st_ino == a.st.st_ino &&
					   r.st.st_dev == a.st.st_dev,
				   "%s from %s: st of another file", rel,
				   d.vpath);
			/* (The kernel's own stats: the library's fstatat
			   through a merged directory's descriptor answers a
			   merged subdirectory's identity as its topmost lower
			   copy's, as the kernel overlay does.) */
			FUZZ_CHECK(syscall(SYS_newfstatat, AT_FDCWD, r.real,
					   &st, AT_SYMLINK_NOFOLLOW) == 0 &&
					   syscall(SYS_newfstatat, at_fd, kp,
						   &at,
						   AT_SYMLINK_NOFOLLOW) == 0 &&
					   st.st_ino == at.st_ino,
				   "%s from %s: %s relative to %d is not %s", rel,
				   d.vpath, kp, at_fd, r.real);
		}
	}
	un_active = false;
	un_fd_set(fd, NULL, false);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char value[4 * PATH_MAX], err[PATH_MAX + 256];
	int nbuild, nquery, rc;

	if (size > 1024)
		return 0;
	nlayer = 2 + fuzz_pick(&in, MAX_LOWER);
	nent = nrec = 0;
	serial++;
	snprintf(mname, sizeof(mname), "m%lu", serial);
	snprintf(merged, sizeof(merged), "%s/%s", base, mname);
	FUZZ_CHECK(mkdir(tdir, 0755) == 0, "mkdir %s: %s", tdir,
		   strerror(errno));
	snprintf(value, sizeof(value), "%s=", merged);
	for (int i = 0; i < nlayer; i++) {
		snprintf(layer_root[i], PATH_MAX, "%s/%c%d", tdir,
			 i ? 'l' : 'u', i);
		FUZZ_CHECK(mkdir(layer_root[i], 0755) == 0, "mkdir %s",
			   layer_root[i]);
		snprintf(value + strlen(value), sizeof(value) - strlen(value),
			 "%s%s", i > 1 ? ":" : "", layer_root[i]);
		if (i == 0)
			strcat(value, ":");
	}
	rc = un_config_parse(value, &un_config, true, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "UNION_LAYERS=%s: %s", value, err);
	rc = un_wtable_open(un_config.mount[0].upper, &un_config.mount[0].wt);
	FUZZ_CHECK(rc == 0, "un_wtable_open: %s", strerror(-rc));

	nbuild = fuzz_pick(&in, 32);
	for (int i = 0; i < nbuild; i++)
		build_one(&in, un_config.mount[0].wt);

	if (getenv("FUZZ_NAMEI_DUMP"))
		dump_layers();
	nquery = 1 + fuzz_pick(&in, 16);
	for (int i = 0; i < nquery; i++) {
		char sub[PATH_MAX];
		int flags = fuzz_pick(&in, 16) &
			    (UN_LK_FOLLOW | UN_LK_PARENT | UN_LK_NOFOLLOW_SLASH);

		gen_query(&in, sub, sizeof(sub));
		check_query(sub, flags);
		if (fuzz_pick(&in, 2)) {
			char rel[PATH_MAX];
			int rflags = fuzz_pick(&in, 16) &
				     (UN_LK_FOLLOW | UN_LK_PARENT |
				      UN_LK_NOFOLLOW_SLASH);

			gen_query(&in, rel, sizeof(rel));
			check_relative(sub, rel + strspn(rel, "/"), rflags);
		}
	}

	un_config_release(&un_config);
	fuzz_rm_tree(tdir);
	return 0;
}
