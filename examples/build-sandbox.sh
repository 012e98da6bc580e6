#!/bin/bash
# build-sandbox.sh - `make install` into a prefix you cannot write.
#
#   bash examples/build-sandbox.sh [path/to/union]
#
# A small autoconf project is configured for a prefix owned by root and
# installed into it by an ordinary user, through `union run`: the prefix
# looks writable to `make install`, every file it writes lands in an
# upper directory, and the prefix itself is untouched.  Then `union diff`
# shows what the installation changed, `union export` packs it as an OCI
# image layer, and the installed program runs from the union.
#
# As root, the build runs as the user nobody (uid 65534) over a prefix
# owned by root; as an ordinary user, over /usr/local.
# Needs autoconf and a C compiler.  Exit status 0 when every step holds,
# 1 otherwise, 77 when a tool is missing.

set -u

union=${1:-${UNION_CMD:-$(dirname "$0")/../tools/union}}
if [ ! -x "$union" ]; then
	union=$(command -v union) || {
		echo "build-sandbox: the union command is not built (make)" >&2
		exit 1
	}
fi
union=$(cd "$(dirname "$union")" && pwd)/$(basename "$union")
for tool in autoconf cc make tar; do
	command -v "$tool" >/dev/null 2>&1 || {
		printf '\nSKIP: build-sandbox: needs %s\n\n' "$tool" >&2
		exit 77
	}
done

T=$(mktemp -d "${TMPDIR:-/tmp}/build-sandbox.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
chmod 755 "$T"
status=0

# as_user CMD...: run CMD as the ordinary user of this example.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- \
			env HOME="$T/home" "$@"
	else
		"$@"
	fi
}

step() {
	printf '\n$ %s\n' "$*"
	as_user "$@"
}

check() {
	if eval "$2"; then
		echo "  ok: $1"
	else
		echo "  FAILED: $1" >&2
		status=1
	fi
}

# The prefix: root's, 0755, with a tree already there.  As an ordinary
# user, /usr/local is such a prefix (nothing is written to it).
if [ "$(id -u)" = 0 ]; then
	prefix=$T/prefix
	mkdir -p "$prefix/bin" "$prefix/share/man/man1"
	echo "an older tool" >"$prefix/bin/older"
else
	prefix=/usr/local
	if [ -w "$prefix" ] || [ -w "$prefix/bin" ]; then
		printf '\nSKIP: build-sandbox: %s is writable: no sandbox needed\n\n' \
			"$prefix" >&2
		exit 77
	fi
fi

# The user's own directory: the project, the upper, the layer.
mkdir -p "$T/home"
src=$T/home/src
mkdir -p "$src"
cat >"$src/configure.ac" <<'AC'
AC_INIT([hello-sandbox], [1.0])
AC_PROG_CC
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
AC
cat >"$src/Makefile.in" <<'MK'
prefix = @prefix@
exec_prefix = @exec_prefix@
bindir = @bindir@
datarootdir = @datarootdir@
mandir = @mandir@
CC = @CC@
CFLAGS = @CFLAGS@

all: hello-sandbox
hello-sandbox: hello-sandbox.c
	$(CC) $(CFLAGS) -o hello-sandbox hello-sandbox.c
install: all
	mkdir -p $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1
	install -m 755 hello-sandbox $(DESTDIR)$(bindir)/hello-sandbox
	install -m 644 hello-sandbox.1 $(DESTDIR)$(mandir)/man1/hello-sandbox.1
MK
cat >"$src/hello-sandbox.c" <<'C'
#include <stdio.h>
int main(void) { puts("hello from the sandbox"); return 0; }
C
printf '.TH HELLO-SANDBOX 1\n.SH NAME\nhello-sandbox \\- say hello\n' >"$src/hello-sandbox.1"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$T/home"
cd "$src" || exit 1

step autoconf
step ./configure -q --prefix="$prefix"
step make -s
step sh -c 'make install 2>&1 | tail -n 1'
check "without the union, make install fails" "[ ! -e '$prefix/bin/hello-sandbox' ]"

up=$T/home/up
step "$union" run -l "$prefix" -u "$up" -- make -s install
check "the prefix is untouched" "[ ! -e '$prefix/bin/hello-sandbox' ]"
check "the files are in the upper" "[ -x '$up/bin/hello-sandbox' ] && [ -f '$up/share/man/man1/hello-sandbox.1' ]"

step "$union" run -l "$prefix" -u "$up" -- "$prefix/bin/hello-sandbox"
check "the program runs from the union" \
	"[ \"\$(as_user '$union' run -l '$prefix' -u '$up' -- '$prefix/bin/hello-sandbox')\" = 'hello from the sandbox' ]"

step "$union" diff "$up"
check "union diff lists the new files" \
	"as_user '$union' diff '$up' | grep -qx 'A $prefix/bin/hello-sandbox'"

step "$union" export -o "$T/home/hello-layer.tar" "$up"
step tar -tvf "$T/home/hello-layer.tar"
check "the layer holds the program" "tar -tf '$T/home/hello-layer.tar' | grep -qx 'bin/hello-sandbox'"

echo
if [ "$status" = 0 ]; then
	echo "build-sandbox: every step holds"
else
	echo "build-sandbox: some steps did not hold" >&2
fi
exit "$status"
