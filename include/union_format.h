/*
 * union_format.h - the files that libunion keeps in an upper directory.
 *
 * Everything below UPPER/.union/ is libunion's, never part of the merged
 * view.  The names and constants here are the on-disk contract between
 * the library (preload/whiteout.c and its wt_*.c) and the `union`
 * command (tools/), and what any other program needs to read or write
 * them:
 *
 *   UPPER/.union/whiteouts  the whiteout table, "libunion-whiteouts 1":
 *                           one record a line, `<op> <escaped path>`,
 *                           ops 'w' (whiteout), 'o' (opaque) and '-'
 *                           (cancel); the full grammar is at the head of
 *                           include/union_format.c, which reads and
 *                           writes it for the library and the tool
 *   UPPER/.union/lock       serialises the table's writers (flock) and
 *                           holds struct un_fmt_gen at offset 0; version 2
 *                           ("UNWTGEN2") adds the writers' `begun` counter
 *   UPPER/.union/index      the library's persistent index of the table
 *                           (preload/wt_index.c): a derived cache that
 *                           only the library reads; ignored whenever it
 *                           does not match the table, so any writer that
 *                           rewrites the table may simply remove it, and
 *                           must never change it in place
 *   UPPER/.union/work/      the library's staging area for copy-ups
 *   UPPER/.union/layers     written by `union run`: the MERGED path and
 *                           the lowers the upper was last used with
 *   UPPER/.union/commit     present while `union commit` is under way
 *
 * The layers file, version 1: '\n'-terminated lines; the first is exactly
 * "libunion-layers 1", then one `merged <path>` line and one or more
 * `lower <path>` lines, top lower first.  Paths are absolute and escaped
 * as in the whiteout table: every byte outside 0x21..0x7e, and the
 * backslash, is written `\xHH` with two lowercase hexadecimal digits.
 */
#ifndef UNION_FORMAT_H
#define UNION_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define UN_FMT_META "union"		/* with a leading '.': ".union" */
#define UN_FMT_META_DIR "." UN_FMT_META

#define UN_FMT_TABLE "whiteouts"
#define UN_FMT_TABLE_TMP "whiteouts.tmp"
#define UN_FMT_TABLE_HEADER "libunion-whiteouts 1"

#define UN_FMT_LOCK "lock"
/* What a new lock file starts with: version 2 (writers raise `begun`). */
#define UN_FMT_LOCK_MAGIC "UNWTGEN2"
/* Version 1 (no `begun`): still read and written, never created. */
#define UN_FMT_LOCK_MAGIC_V1 "UNWTGEN1"
#define UN_FMT_LOCK_SIZE 4096

#define UN_FMT_WORK "work"

#define UN_FMT_INDEX "index"
#define UN_FMT_INDEX_TMP "index.tmp"

#define UN_FMT_LAYERS "layers"
#define UN_FMT_LAYERS_HEADER "libunion-layers 1"

#define UN_FMT_COMMIT "commit"
#define UN_FMT_COMMIT_HEADER "libunion-commit 1"

/* The xattr every regular copy-up sets on the copy: its lower file's
   st_dev and st_ino (preload/internal.h UN_ORIGIN_XATTR, struct
   un_origin).  It means nothing outside its upper: `union export` and
   `commit` leave it out, `convert --to-overlay` removes it. */
#define UN_FMT_ORIGIN_XATTR "user.libunion.origin"
/* The mark of a directory copy-up's copy until the copy-up has looked at
   the table (preload/internal.h UN_STAGED_XATTR); left on one only by a
   kill.  Means nothing outside its upper, as UN_FMT_ORIGIN_XATTR. */
#define UN_FMT_STAGED_XATTR "user.libunion.staged"

/* The head of UPPER/.union/lock, in host byte order; mapped shared.  The
   bytes after it, up to UN_FMT_LOCK_SIZE, are the library's own (counts
   of directory renames and removals, which a process compares before it
   trusts its cwd's or a descriptor's path): leave them; zeros there cost
   a process one getcwd. */
struct un_fmt_gen {
	char magic[8];		/* UN_FMT_LOCK_MAGIC(_V1), no NUL */
	uint64_t generation;	/* raised after every append to the table */
	uint64_t epoch;		/* raised after every rewrite of the table */
	uint64_t lib[2];	/* the library's own counters: leave them */
	uint64_t begun;		/* raised by every writer once it holds the
				   lock, before it changes the table file
				   (version 2; a version 1 writer does not) */
};

/* Is magic (8 bytes) a lock file's, of either version?  2, 1 or 0. */
static inline int un_fmt_lock_version(const char *magic)
{
	if (!memcmp(magic, UN_FMT_LOCK_MAGIC, 8))
		return 2;
	return !memcmp(magic, UN_FMT_LOCK_MAGIC_V1, 8);
}

/*
 * union_format.c: the records of the table.  Each function answers NULL
 * for a good input, else why not (a short phrase for a message).
 */

/* Is rel a valid record path (non-empty, relative, no NUL, no empty,
   "." or ".." component)? */
const char *un_fmt_path_invalid(const char *rel, size_t len);
/* Escape len bytes of s into out (room for un_fmt_escaped_max(len));
   returns the length written (no NUL). */
size_t un_fmt_escape(char *out, const char *s, size_t len);
/* Unescape enc into out (cap bytes; out may be enc), *outlen its length;
   any byte may come out, NUL too: un_fmt_path_invalid checks a path. */
const char *un_fmt_unescape(const char *enc, size_t enclen, char *out,
			    size_t cap, size_t *outlen);
/* Write the record "<op> <escaped path>\n" (un_fmt_rec_max(len) bytes at
   most) at out; returns its length. */
size_t un_fmt_rec_encode(char *out, char op, const char *path, size_t len);
/* Check the record line (without its '\n') and decode its path in place
   at line + 2 (*pathlen bytes); *op is 'w', 'o' or '-'. */
const char *un_fmt_rec_decode(char *line, size_t len, char *op,
			      size_t *pathlen);
/* Is line (without its '\n') the table's first line? */
const char *un_fmt_header_invalid(const char *line, size_t len);

static inline size_t un_fmt_escaped_max(size_t len)
{
	return 4 * len;
}

static inline size_t un_fmt_rec_max(size_t len)
{
	return un_fmt_escaped_max(len) + 3;
}

#endif /* UNION_FORMAT_H */
