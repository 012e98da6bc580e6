/*
 * union_format.c - the record format of the whiteout table: checking,
 * escaping and unescaping paths, encoding and decoding its lines.
 *
 * Compiled into both the library (preload/, where every function here
 * must stay async-signal-safe: no malloc, no lock, no system call) and
 * the `union` command (tools/), so that the two read and write the same
 * format by the same code.  The layers file (union_format.h) escapes its
 * paths in the same way.
 *
 * File format, version 1 (UPPER/.union/whiteouts)
 * -----------------------------------------------
 *
 * A text file of lines, each ended by '\n' (0x0a).  The first line is
 * exactly
 *
 *	libunion-whiteouts 1
 *
 * Every following line is one record, `<op> <path>`: a one-byte
 * operation, one space (0x20), the escaped path:
 *
 *	w <path>	path is deleted (a whiteout)
 *	o <path>	path is an opaque directory
 *	- <path>	cancel any earlier record of path
 *
 * Reading replays the records in order; a later record of a path
 * replaces the earlier one, so the table is what remains at the end.
 * A path appears at most once in the result.  Escaping: every byte of
 * the path outside 0x21..0x7e, and the backslash itself, is written as
 * `\xHH`, two lowercase hexadecimal digits (a space is `\x20`, a
 * newline `\x0a`, a backslash `\x5c`); every other byte stands for
 * itself.  Readers accept `\xHH` for any byte but no other escape.  A
 * decoded path must be non-empty, must not hold a NUL byte, start or
 * end with '/', or hold an empty, "." or ".." component.
 *
 * A last line without its '\n' is a write that a kill cut short: readers
 * ignore it, and the next writer truncates the file back to the end of
 * the last whole line before it appends.  An empty file (or one whose
 * only content is such an unfinished line) is an empty table.  Anything
 * else that does not follow this grammar (another header, another
 * version, an unknown operation, a bad escape, an invalid path, a blank
 * line) makes the whole file corrupt: libunion then refuses to use the
 * union rather than guess.
 *
 * Writers (processes of the union; a tool that writes must do the same)
 * hold flock(LOCK_EX) on UPPER/.union/lock while they append; once they
 * hold it, and before they change the table file in any way (append,
 * cut, rewrite), they add one to the `begun` counter described below;
 * they append whole records with O_APPEND, and then add one to the
 * generation counter.  A rewrite (compaction) writes the live records to
 * UPPER/.union/whiteouts.tmp, fsyncs it, renames it over the table and
 * adds one to the epoch counter, all under the same lock.
 *
 * UPPER/.union/lock is a file of 4096 bytes; it starts with, in host
 * byte order, struct un_fmt_gen (union_format.h): the magic "UNWTGEN2",
 * a 64-bit generation counter and a 64-bit epoch counter at offsets 8
 * and 16, two 64-bit counters of the library's own at 24 and 32 (others
 * leave them alone) and the 64-bit `begun` counter at 40.  Each process
 * maps it shared.  `begun` lets a writer that finds it where its own
 * last change left it skip re-reading the table: no writer has touched
 * the file since (a writer killed mid-way has raised it too).
 *
 * Version 1 of the lock file ("UNWTGEN1", written by libunion before
 * 2026-12-06) has the same layout, but its writers do not raise `begun`:
 * a version 1 file is still read and written (with `begun` raised as
 * well), never with the shortcut, and never turned into version 2 (a
 * writer of version 1 may be running).  A new lock file is version 2,
 * which a writer of version 1 refuses ("not a libunion lock file") and
 * so cannot corrupt.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "union_format.h"

const char *un_fmt_path_invalid(const char *rel, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return "empty path";
	if (rel[0] == '/')
		return "path starts with '/'";
	while (i <= len) {
		size_t start = i;

		while (i < len && rel[i] != '/') {
			if (rel[i] == '\0')
				return "NUL byte in path";
			i++;
		}
		if (i == start)
			return "empty path component";
		if (rel[start] == '.' && (i - start == 1 ||
		    (i - start == 2 && rel[start + 1] == '.')))
			return "'.' or '..' in path";
		i++;
	}
	return NULL;
}

static bool must_escape(unsigned char c)
{
	return c < 0x21 || c > 0x7e || c == '\\';
}

/*
 * Does any byte of the eight in w need an escape?  (Byte-parallel
 * tests, exact for "any": a byte below 0x21, a byte above 0x7e, a
 * backslash.)
 */
static bool word_must_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull,
		       highs = 0x8080808080808080ull;
	uint64_t below = (w - ones * 0x21) & ~w & highs;
	uint64_t above = ((w + ones * (127 - 0x7e)) | w) & highs;
	uint64_t bs = w ^ (ones * '\\');

	return below | above | ((bs - ones) & ~bs & highs);
}

size_t un_fmt_escape(char *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	size_t i = 0;

	/* Eight bytes a step while none needs escaping (a path seldom
	   has one): every whiteout record is encoded, rm -rf's twice
	   (its record, and its '-' line when its directory goes), and
	   byte by byte it was 6% of rm -rf's instructions. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (word_must_escape(w))
			break;
		memcpy(p, s + i, 8);
		p += 8;
	}
	for (; i < len; i++) {
		unsigned char c = s[i];

		if (must_escape(c)) {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else {
			*p++ = c;
		}
	}
	return p - out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * out may be enc itself: each byte is written at or before the place
 * its escape was read from, and never ahead of what is still to read.
 */
const char *un_fmt_unescape(const char *enc, size_t enclen, char *out,
			    size_t cap, size_t *outlen)
{
	size_t i, n = 0;

	for (i = 0; i < enclen; i++) {
		int c = (unsigned char)enc[i];

		if (c == '\\') {
			int hi, lo;

			if (i + 3 >= enclen || enc[i + 1] != 'x')
				return "bad escape";
			hi = hexval(enc[i + 2]);
			lo = hexval(enc[i + 3]);
			if (hi < 0 || lo < 0)
				return "bad escape";
			c = hi << 4 | lo;
			i += 3;
		} else if (must_escape((unsigned char)c)) {
			return "unescaped space or control byte";
		}
		if (n >= cap)
			return "path too long";
		out[n++] = (char)c;
	}
	*outlen = n;
	return NULL;
}

size_t un_fmt_rec_encode(char *out, char op, const char *path, size_t len)
{
	char *p = out;

	*p++ = op;
	*p++ = ' ';
	p += un_fmt_escape(p, path, len);
	*p++ = '\n';
	return p - out;
}

/*
 * un_fmt_unescape and then un_fmt_path_invalid, in one pass, for a path
 * without a backslash (nearly every record: a table of 100,000 is read
 * whole by every process that opens it).  The same answers, the byte
 * error first as there; *escaped (and NULL) at a backslash, which the
 * caller then decodes the long way.
 */
static const char *plain_path_invalid(const char *s, size_t len,
				      bool *escaped)
{
	const char *p = s, *end = s + len, *path_why = NULL;

	*escaped = false;
	if (len == 0)
		return "empty path";
	if (*s == '/')
		path_why = "path starts with '/'";
	for (;;) {
		const char *c = p;	/* a component: [p, c) */
		size_t n;

		for (; c < end && *c != '/'; c++) {
			/* must_escape, but for '\\', in one comparison */
			if ((unsigned char)(*c - 0x21) > 0x7e - 0x21)
				return "unescaped space or control byte";
			if (*c == '\\') {
				*escaped = true;
				return NULL;
			}
		}
		n = c - p;
		if (!path_why && n == 0)
			path_why = "empty path component";
		if (!path_why && *p == '.' && (n == 1 || (n == 2 && p[1] == '.')))
			path_why = "'.' or '..' in path";
		if (c == end)
			return path_why;
		p = c + 1;
	}
}

const char *un_fmt_rec_decode(char *line, size_t len, char *op,
			      size_t *pathlen)
{
	const char *why;

	if (len == 0)
		return "empty line";
	if (line[0] != 'w' && line[0] != 'o' && line[0] != '-')
		return "unknown operation";
	if (len < 2 || line[1] != ' ')
		return "no space after the operation";
	if (len > 2) {
		bool escaped;

		why = plain_path_invalid(line + 2, len - 2, &escaped);
		if (!escaped) {
			*op = line[0];
			*pathlen = len - 2;
			return why;
		}
	}
	why = un_fmt_unescape(line + 2, len - 2, line + 2, len - 2, pathlen);
	if (why)
		return why;
	*op = line[0];
	return un_fmt_path_invalid(line + 2, *pathlen);
}

const char *un_fmt_header_invalid(const char *line, size_t len)
{
	/* "libunion-whiteouts ": the name, without the version. */
	size_t name = strlen(UN_FMT_TABLE_HEADER) - 1;

	if (len == strlen(UN_FMT_TABLE_HEADER) &&
	    memcmp(line, UN_FMT_TABLE_HEADER, len) == 0)
		return NULL;
	if (len > name && memcmp(line, UN_FMT_TABLE_HEADER, name) == 0)
		return "unsupported version";
	return "not a libunion-whiteouts header";
}
