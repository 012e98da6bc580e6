/*
 * escape.c - the two escapings the tool writes.
 *
 * The whiteout table and the layers file write a path with every byte
 * outside 0x21..0x7e, and the backslash, as `\xHH` (two lowercase hex
 * digits), so that any name but NUL round-trips through a line of text;
 * readers accept `\xHH` and nothing else after a backslash (the grammar
 * at the head of preload/wt_format.c).
 *
 * UNION_LAYERS instead puts a backslash before each of `\ : ; =` inside
 * a path (DESIGN.md, "Configuration").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "union.h"

static bool must_escape(unsigned char c)
{
	return c < 0x21 || c > 0x7e || c == '\\';
}

char *un_escape(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *out = un_xmalloc(4 * len + 1), *p = out;

	for (size_t i = 0; i < len; i++) {
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
	*p = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int un_unescape(const char *s, size_t len, char **out, size_t *outlen)
{
	char *buf = un_xmalloc(len + 1), *p = buf;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '\\') {
			int hi, lo;

			if (i + 3 >= len || s[i + 1] != 'x')
				goto out_bad;
			hi = hexval(s[i + 2]);
			lo = hexval(s[i + 3]);
			if (hi < 0 || lo < 0)
				goto out_bad;
			*p++ = (char)(hi << 4 | lo);
			i += 3;
		} else if (must_escape(c)) {
			goto out_bad;
		} else {
			*p++ = c;
		}
	}
	*p = '\0';
	*out = buf;
	*outlen = p - buf;
	return 0;

out_bad:
	free(buf);
	return -EINVAL;
}

const char *un_rel_invalid(const char *rel, size_t len)
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

char *un_escape_spec(const char *s)
{
	char *out = un_xmalloc(2 * strlen(s) + 1), *p = out;

	for (; *s; s++) {
		if (strchr("\\:;=", *s))
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	return out;
}
