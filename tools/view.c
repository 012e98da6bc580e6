/*
 * view.c - lookups and listings through a stack of layers.
 *
 * The tool reads layers the way the library's namei.c does (and kernel
 * overlayfs's ovl_lookup), so that what `union diff` calls "the lowers
 * show X" and "the union shows X" means what a process in the union sees.
 * For each component, in the layers that make up the directory so far
 * (a bitmask, top first):
 *
 *   - the first layer that has the name decides its type;
 *   - a non-directory stops the search: layers below are hidden;
 *   - a directory collects every layer below that also has a directory
 *     of that name, until an opaque one or a non-directory;
 *   - a character device 0/0 (overlayfs's whiteout) hides the name in
 *     the layers below it; in the union view, a 'w' record of the table
 *     hides it in every lower, and an 'o' record makes the upper's
 *     directory opaque (in a lower, the overlayfs xattrs do);
 *   - ".union" at the root of a union is reserved: it does not exist;
 *   - with UNION_OCI_LOWERS=1 (as for the library, preload/namei.c), the
 *     lowers are extracted OCI layers too: a lower's `.wh.NAME` hides
 *     NAME in the layers below it (not its own NAME, which, a directory,
 *     is then opaque), its `.wh..wh..opq` makes its directory opaque,
 *     and the markers
 *     themselves never show (session 17: the commands read them as
 *     ordinary names, so diff, export and commit of a union over OCI
 *     layers spoke of `.wh.` files and of names the union hid).
 *
 * Symlinks are names like any other: a lookup never follows one (diff
 * and export speak of the tree's entries, not of what they point to).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "union.h"

void un_view_lowers(struct un_view *v, const struct un_layers *ly)
{
	memset(v, 0, sizeof(*v));
	v->nlayer = ly->nlower;
	for (int i = 0; i < ly->nlower; i++)
		v->root[i] = ly->lower[i];
}

void un_view_union(struct un_view *v, const struct un_layers *ly,
		   struct un_table *t)
{
	memset(v, 0, sizeof(*v));
	v->nlayer = ly->nlower + 1;
	v->root[0] = ly->upper;
	for (int i = 0; i < ly->nlower; i++)
		v->root[i + 1] = ly->lower[i];
	v->tbl = t;
}

static uint64_t all_layers(const struct un_view *v)
{
	return v->nlayer >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << v->nlayer) - 1;
}

#define OCI_WH ".wh."
#define OCI_OPQ ".wh..wh..opq"

/* UNION_OCI_LOWERS=1: the lowers' OCI markers are read (the library's
   switch, read the same way). */
bool un_oci_lowers(void)
{
	static int on = -1;

	if (on < 0) {
		const char *e = getenv("UNION_OCI_LOWERS");

		on = e && !strcmp(e, "1");
	}
	return on;
}

/* Is layer i of v a lower (not the union's upper)? */
static bool is_lower(const struct un_view *v, int i)
{
	return !(v->tbl && i == 0);
}

/* Does path exist (not followed)? */
static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The OCI whiteout beside real (real's directory/.wh.NAME): exists? */
static bool oci_whiteout(const char *real)
{
	const char *slash = strrchr(real, '/');
	char *p = un_xasprintf("%.*s/" OCI_WH "%s", (int)(slash - real), real,
			       slash + 1);
	bool ret = exists(p);

	free(p);
	return ret;
}

static bool is_opaque(const struct un_view *v, int layer, const char *rel,
		      const char *real)
{
	bool ret;
	char *p;

	if (layer == 0 && v->tbl)
		return un_table_get(v->tbl, rel) == UN_REC_OPAQUE;
	if (un_has_ovl_opaque(real))
		return true;
	if (!un_oci_lowers())
		return false;
	/* (Or the layer's .wh.NAME beside its own directory NAME: that
	   takes NAME from the layers below, as the image spec says.) */
	p = un_path_join(real, OCI_OPQ);
	ret = exists(p) || oci_whiteout(real);
	free(p);
	return ret;
}

/* Look the last component of rel up in the layers of dirmask. */
static int lookup_component(const struct un_view *v, uint64_t dirmask,
			    const char *rel, struct un_obj *o)
{
	bool table_checked = false;
	bool marker = un_oci_lowers() &&
		      !strncmp(un_rel_base(rel), OCI_WH, sizeof(OCI_WH) - 1);
	char real[PATH_MAX];
	struct stat st;
	int first_err = 0;

	o->layer = -1;
	o->dirmask = 0;
	if (!strcmp(rel, UN_FMT_META_DIR))
		return 0;
	for (int i = 0; i < v->nlayer; i++) {
		uint64_t bit = (uint64_t)1 << i;
		int n;

		if (!(dirmask & bit))
			continue;
		if (v->tbl && i > 0 && !table_checked) {
			table_checked = true;
			if (un_table_get(v->tbl, rel) == UN_REC_WHITEOUT)
				break;
		}
		n = snprintf(real, sizeof(real), "%s/%s",
			     strcmp(v->root[i], "/") ? v->root[i] : "", rel);
		if (n < 0 || n >= (int)sizeof(real))
			return un_fail(-ENAMETOOLONG, "'%s/%s'", v->root[i],
				       rel);
		/* An OCI layer's marker never shows. */
		if (marker && is_lower(v, i))
			continue;
		if (lstat(real, &st) < 0) {
			int err = errno;

			if (err != ENOENT && err != ENOTDIR && !first_err)
				first_err = un_fail(-err, "cannot read '%s'",
						    real);
			/* An OCI whiteout hides the name below. */
			if (err == ENOENT && un_oci_lowers() &&
			    is_lower(v, i) && oci_whiteout(real))
				break;
			continue;
		}
		if (un_is_whiteout_dev(&st))
			break;
		if (o->layer < 0) {
			o->layer = i;
			o->st = st;
			memcpy(o->real, real, n + 1);
			if (!S_ISDIR(st.st_mode))
				break;
		} else if (!S_ISDIR(st.st_mode)) {
			break;
		}
		o->dirmask |= bit;
		if ((dirmask >> (i + 1)) && is_opaque(v, i, rel, real))
			break;
	}
	if (o->layer < 0 && first_err)
		return first_err;
	return 0;
}

int un_view_lookup(const struct un_view *v, const char *rel,
		   struct un_obj *o)
{
	uint64_t mask = all_layers(v);
	char buf[PATH_MAX];
	size_t len = strlen(rel);
	int ret;

	if (!*rel) {
		o->layer = 0;
		o->dirmask = mask;
		snprintf(o->real, sizeof(o->real), "%s", v->root[0]);
		if (lstat(o->real, &o->st) < 0)
			return un_fail(-errno, "cannot read '%s'", o->real);
		return 0;
	}
	if (len >= sizeof(buf))
		return un_fail(-ENAMETOOLONG, "'%s'", rel);
	memcpy(buf, rel, len + 1);
	for (char *s = buf;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		ret = lookup_component(v, mask, buf, o);
		*s = c;
		if (ret < 0 || o->layer < 0)
			return ret;
		if (!c)
			return 0;
		if (!S_ISDIR(o->st.st_mode)) {
			o->layer = -1;
			return 0;
		}
		mask = o->dirmask;
	}
}

int un_view_list(const struct un_view *v, const char *rel,
		 const struct un_obj *dir, struct un_strv *names)
{
	struct un_strv all = { 0 };
	int ret = 0;

	for (int i = 0; i < v->nlayer; i++) {
		char *path;

		if (!(dir->dirmask & ((uint64_t)1 << i)))
			continue;
		path = un_path_join(v->root[i], rel);
		ret = un_list_dir(path, &all);
		free(path);
		if (ret < 0)
			goto out_free;
	}
	un_strv_sort(&all);
	for (size_t i = 0; i < all.n; i++) {
		struct un_obj o;
		char *child;

		if (i > 0 && !strcmp(all.v[i], all.v[i - 1]))
			continue;
		child = un_rel_join(rel, all.v[i]);
		ret = lookup_component(v, dir->dirmask, child, &o);
		free(child);
		if (ret < 0)
			goto out_free;
		if (o.layer >= 0)
			un_strv_push(names, all.v[i]);
	}
out_free:
	un_strv_release(&all);
	return ret;
}
