/*
 * union.h - the map of the `union` command.
 *
 * One section per file, in the order a command uses them:
 *
 *   union.c    main: the subcommands and the usage text
 *   util.c     messages, memory, string vectors, relative paths
 *   escape.c   the \xHH escaping of the table and the layers file (the
 *              library's, include/union_format.c, in the tool's memory),
 *              and the '\' escaping of UNION_LAYERS
 *   fsutil.c   file-system helpers: rm -rf, listing, copying data,
 *              metadata and xattrs, atomic writes
 *   layers.c   UPPER/.union/layers: which MERGED and lowers an upper
 *              belongs to
 *   table.c    UPPER/.union/whiteouts read and written from the tool,
 *              with the library's locking
 *   view.c     lookups and listings through a stack of layers, as the
 *              library (and kernel overlayfs) does them
 *   changes.c  the walk over what an upper changes: its objects, its
 *              whiteouts and opaque directories, in tree order
 *   library.c  finding libunion.so and checking that it loads
 *   options.c  the command line of the commands on an UPPER
 *   journal.c  metadata a command changes, noted to be put back
 *   lend.c     the upper's lock; modes lent for a reading command
 *   userns.c   a user namespace for the reading commands instead
 *   run.c      `union run`
 *   diff.c     `union diff`
 *   tar.c      a POSIX tar (ustar + pax) writer
 *   export.c   `union export`: the changes as an OCI image layer
 *   commit.c   `union commit`
 *   convert.c  `union convert`: the table <-> overlayfs's on-disk format
 *
 * Conventions (as in preload/): functions return 0 (or a count) or
 * -errno; a function that fails on a file says so on stderr itself
 * ("union: <what> '<path>': <reason>") and returns the error, so its
 * callers only pass it up.  Running out of memory ends the program
 * (un_xmalloc), as git's xmalloc does.  Paths "relative to the union"
 * (rel) have no leading '/'; the union's root is "".
 */
#ifndef UN_TOOL_H
#define UN_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "union_format.h"

/* Exit statuses: run's own failures use 125 (126/127: cannot execute). */
#define UN_EXIT_FAIL 1
#define UN_EXIT_USAGE 2
#define UN_EXIT_RUN_FAIL 125

/* ------------------------------------------------------------------ */
/* union.c                                                              */

int un_cmd_run(int argc, char **argv);
int un_cmd_diff(int argc, char **argv);
int un_cmd_export(int argc, char **argv);
int un_cmd_commit(int argc, char **argv);
int un_cmd_convert(int argc, char **argv);

/* ------------------------------------------------------------------ */
/* util.c                                                               */

/* "union: <message>\n" on stderr. */
void un_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* un_err with ": <strerror(-ret)>" appended; returns ret. */
int un_fail(int ret, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void *un_xmalloc(size_t n);
void *un_xrealloc(void *p, size_t n);
char *un_xstrdup(const char *s);
char *un_xstrndup(const char *s, size_t n);
char *un_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable vector of strings. */
struct un_strv {
	char **v;
	size_t n;
	size_t cap;
};

void un_strv_push(struct un_strv *sv, const char *s);
void un_strv_sort(struct un_strv *sv);
/* Binary search; sv must be sorted. */
bool un_strv_has(const struct un_strv *sv, const char *s);
void un_strv_release(struct un_strv *sv);

/* "dir/name" (just "name" when dir is ""); malloc'ed. */
char *un_rel_join(const char *dir, const char *name);
/* "root/rel" (just "root" when rel is ""); malloc'ed. */
char *un_path_join(const char *root, const char *rel);
/* The last component of rel, and everything before it ("" at the top). */
const char *un_rel_base(const char *rel);
char *un_rel_dir(const char *rel);
/*
 * An absolute, lexically normalised path for a path given by the user
 * (no "//", "." or trailing '/'; ".." is resolved by realpath when the
 * path exists, lexically otherwise).
 */
int un_abspath(const char *in, char **out);
/* A 64-bit FNV-1a hash (names of temporary files). */
uint64_t un_hash(const char *s);

/* ------------------------------------------------------------------ */
/* escape.c                                                             */

/* The table's escaping (un_fmt_escape), malloc'ed and NUL-terminated. */
char *un_escape(const char *s, size_t len);
/* Undo it (un_fmt_unescape): -EINVAL for anything but \xHH escapes of
   printable bytes; *out malloc'ed and NUL-terminated. */
int un_unescape(const char *s, size_t len, char **out, size_t *outlen);
/* UNION_LAYERS's escaping: '\' before '\', ':', ';' and '='. */
char *un_escape_spec(const char *s);

/* ------------------------------------------------------------------ */
/* journal.c                                                            */

/* The journals in UPPER/.union of commit and convert. */
#define UN_JOURNAL_COMMIT "commit-meta"
#define UN_JOURNAL_CONVERT "convert-meta"
/* Note path's metadata st (what the union shows) before changing it. */
int un_journal_note(const char *journal, const char *path,
		    const struct stat *st);
/* The same into the journal open at fd (O_APPEND). */
int un_journal_note_fd(int fd, const char *journal, const char *path,
		       const struct stat *st);
/* Put back every noted path's metadata, then remove the journal. */
int un_journal_replay(const char *journal);
/* Put back what the journal open at fd notes (the modes alone when
   mode_only), leaving the file be. */
int un_journal_replay_fd(int fd, const char *journal, bool mode_only);

/* ------------------------------------------------------------------ */
/* lend.c                                                               */

struct un_lent {
	char *path;
	mode_t mode;		/* to put back */
	off_t mark;		/* the journal's length before its note */
};

/* The lock on an upper, and the modes a command lent in it. */
struct un_lend {
	bool active;		/* un_lend_open was called */
	bool may;		/* this command lends (diff, export, convert) */
	int lockfd;		/* UPPER/.union, flock'ed; -1: none */
	char *journal;		/* UPPER/.union/lend-meta */
	int jfd;		/* the journal; -1 until the first lend */
	int watch;		/* the watcher's pipe; -1 until then */
	pid_t watcher;
	unsigned long count;	/* lends so far (the tests' abort) */
	struct un_lent *lent;	/* what is lent now, innermost last */
	size_t n, cap;
};

/* Lock the upper (absolute), and put back what a killed command lent. */
int un_lend_open(struct un_lend *l, const char *upper);
/*
 * Give path (st: its lstat) the owner bits it lacks of bits, noted
 * first, when l->may and it is the user's own (not root's): 1 when lent
 * (un_lend_return it), 0 when nothing was needed, or an error (said).
 */
int un_lend(struct un_lend *l, const char *path, const struct stat *st,
	    mode_t bits);
/* Put back the mode lent last. */
int un_lend_return(struct un_lend *l);
/* st (path's lstat) with the mode it has without a lend of ours: what a
   journal of the command's own must note (convert.c). */
void un_lend_unlent(const struct un_lend *l, const char *path,
		    struct stat *st);
/* Put back every mode lent, drop the lock (a no-op unless opened). */
int un_lend_close(struct un_lend *l);

/* ------------------------------------------------------------------ */
/* userns.c                                                             */

/*
 * Enter a user namespace mapping the caller's ids to 0 (not as root, nor
 * with UNION_TEST_NO_USERNS set): 1 when in it, 0 when not (unshare
 * refused: lend.c reads instead), or an error (said) that leaves the
 * command in no state to go on.  Call it before any thread or lock.
 */
int un_userns_enter(void);
/* Was un_userns_enter's namespace entered? */
bool un_userns_active(void);
/* Does the namespace give us read and search on st (the caller's own
   owner and group, st as seen inside)? */
bool un_userns_covers(const struct stat *st);
/* The caller's effective uid outside any namespace. */
uid_t un_real_euid(void);
/* st (path's lstat inside) given the owner and group it has outside. */
int un_userns_real_ids(const char *path, struct stat *st);
/* Does the namespace change the value of the xattr name (ids in it)? */
bool un_userns_xattr_has_ids(const char *name);
/* path's xattr name as read outside (into *val, realloc'd): its length,
   or -errno (said). */
ssize_t un_userns_getxattr(const char *path, const char *name, char **val);
/* Real ids (a journal's) as a chown inside takes them: the caller's to
   0, any other to -1 (left as it is: unmapped, it cannot be named). */
void un_userns_ids(uid_t *uid, gid_t *gid);

/* ------------------------------------------------------------------ */
/* fsutil.c                                                             */

/* rm -rf path (0 when it does not exist); fixes modes of its own dirs. */
int un_remove_tree(const char *path);
/* mkdir -p (0 when it exists as a directory). */
int un_mkdir_p(const char *path, mode_t mode);
/* The names in a directory (without "." and ".."), sorted. */
int un_list_dir(const char *path, struct un_strv *names);
/* In a child that outlives its command's output (lend.c's watcher,
   userns.c's oracle): stdio on /dev/null, every other descriptor closed
   but keep's n (sorted here), so that nobody waiting for the EOF of a
   pipe of the command's waits for the child too. */
void un_detach_fds(int *keep, size_t n);
/* Copy the rest of from into to. */
int un_copy_data(int from, int to, const char *what);
/* Copy the xattrs of from to to (neither followed); see fsutil.c. */
int un_copy_xattrs(const char *from, const char *to);
/*
 * Give path (not followed) st's owner (when we may), mode (not for a
 * symlink) and times.
 */
int un_set_meta(const char *path, const struct stat *st);
/* Read a whole file into a NUL-terminated buffer. */
int un_read_file(const char *path, char **buf, size_t *len);
/* The same from fd's offset to its end. */
int un_read_fd(int fd, char **buf, size_t *len);
/* Write a file whole or not at all (temp file, fsync, rename). */
int un_write_file_atomic(const char *path, const char *buf, size_t len);
/* An overlayfs whiteout: a character device 0/0. */
static inline bool un_is_whiteout_dev(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}
/* Does the directory carry an overlayfs opaque xattr set to "y"? */
bool un_has_ovl_opaque(const char *path);
/* An xattr that belongs to overlayfs itself (never copied or exported). */
bool un_xattr_is_overlay(const char *name);

/* ------------------------------------------------------------------ */
/* layers.c                                                             */

/* The layers of one union. */
struct un_layers {
	char *merged;
	char *upper;
	int nlower;
	char **lower;		/* top first */
};

/* Read UPPER/.union/layers (upper: an absolute path). */
int un_layers_read(const char *upper, struct un_layers *ly);
/* Write UPPER/.union/layers (creating UPPER/.union). */
int un_layers_write(const struct un_layers *ly);
void un_layers_release(struct un_layers *ly);
/*
 * The layers of the commands that take an UPPER: from the options when
 * lowers are given (merged: the option, else the file's, else the first
 * lower), else from the file.  Reports its errors.
 */
int un_layers_for(const char *upper_arg, const struct un_strv *lowers,
		  const char *merged, struct un_layers *ly);
/* One mount of UNION_LAYERS for ly. */
char *un_layers_spec(const struct un_layers *ly);
/* The absolute merged path of rel ("MERGED/rel"). */
char *un_layers_merged_path(const struct un_layers *ly, const char *rel);

/* ------------------------------------------------------------------ */
/* table.c                                                              */

enum un_kind {
	UN_REC_NONE = 0,
	UN_REC_WHITEOUT = 'w',
	UN_REC_OPAQUE = 'o',
};

struct un_rec {
	char *path;
	char kind;		/* 'w', 'o', or '-' (cancel) in an append */
};

struct un_table;

/* Read UPPER/.union/whiteouts (a missing table is an empty one). */
int un_table_load(const char *upper, struct un_table **out);
void un_table_release(struct un_table *t);
enum un_kind un_table_get(const struct un_table *t, const char *rel);
/* The live records, sorted by path; valid until the next change. */
size_t un_table_records(struct un_table *t, const struct un_rec **recs);
/* Append records (under the lock), and apply them to t. */
int un_table_append(struct un_table *t, const struct un_rec *recs, size_t n);
/*
 * Rewrite the table with its live records only (keep), or with none: a
 * compaction, seen by the library's processes at their next call.
 */
int un_table_rewrite(struct un_table *t, bool keep);

/* ------------------------------------------------------------------ */
/* view.c                                                               */

/* A stack of layers, looked up as overlayfs does. */
/* UNION_OCI_LOWERS=1 in the environment: lowers hold OCI markers. */
bool un_oci_lowers(void);

struct un_view {
	int nlayer;
	const char *root[64];
	struct un_table *tbl;	/* non-NULL: layer 0 is an upper with it */
};

/* What a path is in a view. */
struct un_obj {
	int layer;		/* topmost layer holding it; -1: nothing */
	uint64_t dirmask;	/* a directory: the layers that merge into it */
	struct stat st;		/* lstat of real */
	char real[PATH_MAX];	/* the object in that layer */
};

/* The lowers only (what the upper changes against). */
void un_view_lowers(struct un_view *v, const struct un_layers *ly);
/* The whole union: the upper with its table over the lowers. */
void un_view_union(struct un_view *v, const struct un_layers *ly,
		   struct un_table *t);
/* Look rel up; o->layer is -1 when the view shows nothing there. */
int un_view_lookup(const struct un_view *v, const char *rel,
		   struct un_obj *o);
/* The names the view shows in the directory rel (dir: its lookup). */
int un_view_list(const struct un_view *v, const char *rel,
		 const struct un_obj *dir, struct un_strv *names);

static inline bool un_obj_is_dir(const struct un_obj *o)
{
	return o->layer >= 0 && S_ISDIR(o->st.st_mode);
}

/* ------------------------------------------------------------------ */
/* changes.c                                                            */

/* What an upper changes, loaded once for a command. */
struct un_changes {
	struct un_layers ly;
	struct un_table *tbl;
	struct un_view lowers;	/* before: the lowers alone */
	struct un_view merged;	/* after: the union */
	struct un_lend lend;	/* the upper's lock (un_upper_changes_open);
				   lends where lend.may */
};

/* One path met by the walk. */
struct un_entry {
	const char *rel;	/* "" for the root */
	bool in_upper;		/* the upper holds it (st, upper_path) */
	struct stat st;
	const char *upper_path;
	struct un_obj before;	/* what the lowers show at rel */
	enum un_kind record;	/* the table's record of rel */
	bool opaque;		/* a directory that shows nothing of the
				   lowers below it (record, or the lowers
				   hold no directory there) */
	bool dev_whiteout;	/* a whiteout that is a 0/0 device in the
				   upper (overlayfs's format) */
};

/*
 * The walk, in tree order: dir_pre of a directory, then each whiteout
 * in it, then its other names sorted (object for a non-directory, the
 * whole walk of a subdirectory), then dir_post.  Directories are those
 * of the upper and those that hold table records (in_upper false).  A
 * callback returning non-zero stops the walk with that value.
 */
struct un_walk_ops {
	int (*dir_pre)(void *arg, const struct un_entry *e);
	int (*whiteout)(void *arg, const struct un_entry *e);
	int (*object)(void *arg, const struct un_entry *e);
	int (*dir_post)(void *arg, const struct un_entry *e);
};

int un_changes_open(const char *upper_arg, const struct un_strv *lowers,
		    const char *merged, struct un_changes *c);
void un_changes_release(struct un_changes *c);
int un_changes_walk(struct un_changes *c, const struct un_walk_ops *ops,
		    void *arg);

/* ------------------------------------------------------------------ */
/* options.c                                                            */

/* The options every command on an UPPER takes, and its operand. */
struct un_upper_args {
	struct un_strv lowers;	/* -l/--lower DIR, in order (top first) */
	const char *merged;	/* -m/--merged PATH, or NULL */
	const char *upper;	/* the operand */
};

struct option;

/*
 * A command on an UPPER: every option it takes, its own and the common
 * ones ('l', 'm' and 'h', which un_upper_args_parse handles), so that
 * each command's file shows its whole command line.
 */
struct un_cmd_opts {
	const char *name;		/* for messages ("export") */
	const char *usage;		/* its usage text */
	const char *shortopts;		/* getopt_long's, starting with ':' */
	const struct option *longopts;	/* getopt_long's */
	/* Take one of its own (optarg set): 0, or -1 after saying why not. */
	int (*opt)(int opt, void *arg);
	/* After them all, or NULL: -1 to go on, else the status to exit
	   with (after saying why). */
	int (*check)(void *arg);
	/* A reading command (diff, export): it reads the upper from a user
	   namespace of the caller's where it can (userns.c). */
	bool userns;
};

/*
 * Parse argv: -l, -m, -h, the command's own options, and exactly one
 * operand; then the command's check.  -1 when the command goes on; else
 * the status to exit with: 0 after --help, UN_EXIT_USAGE after a wrong
 * command line (said on stderr, with the usage), or the check's.
 * a->lowers is the caller's to release.
 */
int un_upper_args_parse(int argc, char **argv, const struct un_cmd_opts *cmd,
			void *arg, struct un_upper_args *a);
/* The same, then un_changes_open(c) on the upper: -1 when the command
   goes on (release c), else the status to exit with. */
int un_upper_changes_open(int argc, char **argv,
			  const struct un_cmd_opts *cmd, void *arg,
			  struct un_changes *c);

/* ------------------------------------------------------------------ */
/* library.c                                                            */

/* The libunion.so to preload; reports why when there is none. */
int un_library_find(char **path);
/* Check that it loads (in a child, without running anything else). */
int un_library_check(const char *path);

/* ------------------------------------------------------------------ */
/* tar.c                                                                */

struct un_tar {
	int fd;
	uint64_t written;
};

struct un_tar_entry {
	const char *name;	/* relative, no leading '/' */
	const struct stat *st;	/* type, mode, owner, size, times, rdev */
	const char *src;	/* the file to take data, target, xattrs
				   from (NULL: an empty file) */
	const char *hardlink;	/* a hard link to this earlier name */
};

void un_tar_init(struct un_tar *t, int fd);
int un_tar_add(struct un_tar *t, const struct un_tar_entry *e);
int un_tar_finish(struct un_tar *t);

#endif /* UN_TOOL_H */
