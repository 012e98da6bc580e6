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
 *                           preload/wt_format.c
 *   UPPER/.union/lock       serialises the table's writers (flock) and
 *                           holds struct un_fmt_gen at offset 0
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

#include <stdint.h>

#define UN_FMT_META "union"		/* with a leading '.': ".union" */
#define UN_FMT_META_DIR "." UN_FMT_META

#define UN_FMT_TABLE "whiteouts"
#define UN_FMT_TABLE_TMP "whiteouts.tmp"
#define UN_FMT_TABLE_HEADER "libunion-whiteouts 1"

#define UN_FMT_LOCK "lock"
#define UN_FMT_LOCK_MAGIC "UNWTGEN1"
#define UN_FMT_LOCK_SIZE 4096

#define UN_FMT_WORK "work"

#define UN_FMT_LAYERS "layers"
#define UN_FMT_LAYERS_HEADER "libunion-layers 1"

#define UN_FMT_COMMIT "commit"
#define UN_FMT_COMMIT_HEADER "libunion-commit 1"

/* The head of UPPER/.union/lock, in host byte order; mapped shared. */
struct un_fmt_gen {
	char magic[8];		/* UN_FMT_LOCK_MAGIC, no NUL */
	uint64_t generation;	/* raised after every append to the table */
	uint64_t epoch;		/* raised after every rewrite of the table */
};

#endif /* UNION_FORMAT_H */
