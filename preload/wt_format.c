/*
 * wt_format.c - the whiteout table's record format: checking, encoding
 * and decoding the lines of UPPER/.union/whiteouts.
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
 * hold flock(LOCK_EX) on UPPER/.union/lock while they append, append
 * whole records with O_APPEND, and then add one to the generation
 * counter described below.  A rewrite (compaction) writes the live
 * records to UPPER/.union/whiteouts.tmp, fsyncs it, renames it over the
 * table and adds one to the epoch counter, all under the same lock.
 *
 * UPPER/.union/lock is a file of 4096 bytes; it starts with, in host byte
 * order, struct wt_gen (wtable.h): the magic "UNWTGEN1", a 64-bit generation
 * counter and a 64-bit epoch counter.  Each process maps it shared.
 */
#include <string.h>

#include "wtable.h"

/* NULL when rel is a valid record path, else why not. */
const char *path_invalid(const char *rel, size_t len)
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

/* Longest encoding of a record of a path of len bytes. */
size_t rec_max(size_t len)
{
	return 4 * len + 3;
}

/* Write "<op> <escaped path>\n" at out; returns its length. */
size_t rec_encode(char *out, char op, const char *key, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	size_t i;

	*p++ = op;
	*p++ = ' ';
	for (i = 0; i < len; i++) {
		unsigned char c = key[i];

		if (must_escape(c)) {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else {
			*p++ = c;
		}
	}
	*p++ = '\n';
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
 * Parse one record line (without its '\n'), decoding the path in place
 * at line + 2.  Returns NULL, or why the line is bad.
 */
const char *rec_decode(char *line, size_t len, char *op,
			      size_t *keylen)
{
	char *out = line + 2;
	size_t i;

	if (len == 0)
		return "empty line";
	if (line[0] != 'w' && line[0] != 'o' && line[0] != '-')
		return "unknown operation";
	if (len < 2 || line[1] != ' ')
		return "no space after the operation";
	for (i = 2; i < len; i++) {
		unsigned char c = line[i];
		int hi, lo;

		if (c == '\\') {
			if (i + 3 >= len || line[i + 1] != 'x')
				return "bad escape";
			hi = hexval(line[i + 2]);
			lo = hexval(line[i + 3]);
			if (hi < 0 || lo < 0)
				return "bad escape";
			*out++ = (char)(hi << 4 | lo);
			i += 3;
		} else if (must_escape(c)) {
			return "unescaped space or control byte";
		} else {
			*out++ = c;
		}
	}
	*op = line[0];
	*keylen = out - (line + 2);
	return path_invalid(line + 2, *keylen);
}

/* NULL when line (without its '\n') is our header, else why not. */
const char *header_invalid(const char *line, size_t len)
{
	size_t name = strlen(WT_HEADER_NAME);

	if (len == strlen(WT_HEADER) && memcmp(line, WT_HEADER, len) == 0)
		return NULL;
	if (len > name && memcmp(line, WT_HEADER_NAME, name) == 0)
		return "unsupported version";
	return "not a libunion-whiteouts header";
}

/* Decode the escaped path enc (enclen bytes) into out (cap bytes), without
   touching enc; its length, or -1 when it is bad or does not fit. */
long key_decode(const char *enc, size_t enclen, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < enclen; i++) {
		int c = (unsigned char)enc[i];

		if (c == '\\') {
			int hi, lo;

			if (i + 3 >= enclen || enc[i + 1] != 'x')
				return -1;
			hi = hexval(enc[i + 2]);
			lo = hexval(enc[i + 3]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 3;
		} else if (must_escape((unsigned char)c)) {
			return -1;
		}
		if (n >= cap)
			return -1;
		out[n++] = (char)c;
	}
	return (long)n;
}
