/*
 * escape.c - the two escapings the tool writes.
 *
 * The whiteout table and the layers file write a path with every byte
 * outside 0x21..0x7e, and the backslash, as `\xHH` (two lowercase hex
 * digits), so that any name but NUL round-trips through a line of text;
 * readers accept `\xHH` and nothing else after a backslash.  The code is
 * the library's own (include/union_format.c, with the grammar); here
 * it only gets the tool's allocation.
 *
 * UNION_LAYERS instead puts a backslash before each of `\ : ; =` inside
 * a path (DESIGN.md, "Configuration").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "union.h"

char *un_escape(const char *s, size_t len)
{
	char *out = un_xmalloc(un_fmt_escaped_max(len) + 1);

	out[un_fmt_escape(out, s, len)] = '\0';
	return out;
}

int un_unescape(const char *s, size_t len, char **out, size_t *outlen)
{
	char *buf = un_xmalloc(len + 1);

	if (un_fmt_unescape(s, len, buf, len, outlen)) {
		free(buf);
		return -EINVAL;
	}
	buf[*outlen] = '\0';
	*out = buf;
	return 0;
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
