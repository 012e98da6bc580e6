#!/bin/bash
# check-deb.sh - the Debian package, built, linted, installed and used.
#
#   bash tests/package/check-deb.sh        (root; run by .ci/run, not by make check)
#
# From a clean copy of the tree (the files git tracks): dpkg-buildpackage
# -us -uc -b, lintian (an error fails), then dpkg -i (apt-get install -f
# for the dependencies), then, against the installed files only (PATH
# the system's, UNION_LIBRARY unset, run from outside the tree):
#   - union run finds the installed library with nothing set;
#   - the seed walkthrough (/usr/share/doc/libunion/examples), as root
#     (its kernel overlay step included) and as the user nobody;
#   - one union run as nobody over a lower nobody owns: the write and the
#     deletion land in the upper, the lower is unchanged, union diff says so;
#   - the man page and the bash completion are where man and bash look.
# Then dpkg --purge libunion, whatever happened, so that the machine is
# left as it was.  It refuses to run where libunion is installed already.
#
# Needs: dpkg-dev, debhelper, lintian (and the Build-Depends of
# debian/control: apt-get build-dep installs what is missing), git.
# Exit status: 0 pass, 1 fail, 77 skip (not root, a tool missing).

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
start=$(date +%s)
lap() { echo "--- $1 ($(($(date +%s) - start)) s since the start)"; }
die() { echo "FAIL: check-deb: $*" >&2; exit 1; }
skip() { printf '\nSKIP: check-deb: %s\n\n' "$*" >&2; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i)"
for c in dpkg-buildpackage dh lintian git setpriv; do
	command -v "$c" >/dev/null || skip "needs the command '$c' (dpkg-dev, debhelper, lintian, git, util-linux)"
done
if dpkg-query -W -f='${Status}' libunion 2>/dev/null | grep -q 'installed'; then
	die "the package libunion is installed already: this check installs and purges it, remove it first (dpkg --purge libunion)"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/check-deb.XXXXXX")
chmod 755 "$W"	# nobody's steps read below it
installed=
cleanup() {
	local rc=$?
	set +e
	if [ -n "$installed" ]; then
		dpkg --purge libunion >/dev/null || { echo "FAIL: check-deb: dpkg --purge libunion" >&2; rc=1; }
	fi
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT

# A clean copy: the files git tracks, as they are in the working tree.
mkdir "$W/src"
git -C "$top" ls-files -z | (cd "$top" && xargs -0 tar -cf -) | tar -xf - -C "$W/src"

lap "building the package"
if ! (cd "$W/src" && dpkg-checkbuilddeps) 2>/dev/null; then
	echo "installing the Build-Depends"
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq \
		--no-install-recommends "$W/src" >/dev/null
fi
(cd "$W/src" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 || {
	tail -50 "$W/build.log"
	die "dpkg-buildpackage -us -uc -b failed"
}
deb=$(ls "$W"/libunion_*.deb)
changes=$(ls "$W"/libunion_*.changes)
grep -E '^(PASS|FAIL|SKIP|ERROR):' "$W/build.log" || true
# The package builds without -Werror (debian/rules); the project's own
# rule holds here, under Debian's flags (_FORTIFY_SOURCE=2 among them).
if grep -E '\.[ch]:[0-9]+:[0-9]+: (warning|error):' "$W/build.log"; then
	die "the compiler warns under Debian's build flags (above)"
fi
lap "built $(basename "$deb")"

# lintian: every tag is shown; an error fails.  The tags kept, and why:
#   W initial-upload-closes-no-bugs: the package is not uploaded to
#     Debian, so there is no ITP bug for the first changelog entry to close;
#   I hardening-no-fortify-functions on libunion.so is overridden
#     (debian/libunion.lintian-overrides says why).
lint_rc=0
lintian --fail-on error -I "$changes" >"$W/lintian.log" 2>&1 || lint_rc=$?
grep -v 'running with root privileges' "$W/lintian.log" || true
[ "$lint_rc" = 0 ] || die "lintian reports errors (status $lint_rc)"
lap "lintian"

installed=1
if ! dpkg -i "$deb"; then
	DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq
fi
dpkg-query -W -f='${Status}\n' libunion | grep -q 'install ok installed' ||
	die "libunion is not installed after dpkg -i and apt-get install -f"
lap "installed"

# From here on, the installed files only.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset UNION_LIBRARY UNION_LAYERS LD_PRELOAD
cd /
[ "$(command -v union)" = /usr/bin/union ] || die "union is not /usr/bin/union: $(command -v union)"
lib=$(dpkg -L libunion | grep '/libunion\.so$')
case $lib in
/usr/lib/*/libunion/libunion.so) ;;
*) die "the library is not in a private directory under the multiarch libdir: '$lib'" ;;
esac
ex=/usr/share/doc/libunion/examples
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- env HOME=/ "$@"; }

# The seed walkthrough, as root (with its kernel overlay step), then as nobody.
bash "$ex/seed-walkthrough.sh" "$lib" >"$W/walk-root.log" 2>&1 || {
	cat "$W/walk-root.log"
	die "the seed walkthrough (root) failed against the installed library"
}
tail -1 "$W/walk-root.log"
nobody bash "$ex/seed-walkthrough.sh" "$lib" >"$W/walk-nobody.log" 2>&1 || {
	cat "$W/walk-nobody.log"
	die "the seed walkthrough (nobody) failed against the installed library"
}
tail -1 "$W/walk-nobody.log"
lap "seed walkthrough"

# union run as nobody, over a lower nobody owns, with nothing set.
mkdir "$W/lower" "$W/upper"
echo "from the lower" >"$W/lower/f"
echo "to delete" >"$W/lower/k"
chown -R 65534:65534 "$W/lower" "$W/upper"
before=$(cd "$W/lower" && find . -printf '%p %s %m %u\n' | sort; cat f k)
out=$(nobody union run -l "$W/lower" -u "$W/upper" -- sh -c \
	'cd "$0" && cat f && echo new >g && rm k && ls && echo "$LD_PRELOAD"' \
	"$W/lower" 2>&1) || die "union run as nobody failed: $out"
expect="from the lower
f
g
$lib"
[ "$out" = "$expect" ] || die "union run as nobody printed '$out', not '$expect'"
[ "$(cat "$W/upper/g" 2>/dev/null)" = new ] || die "the upper did not get the write (upper/g)"
[ ! -e "$W/lower/g" ] || die "the lower got the write (lower/g)"
after=$(cd "$W/lower" && find . -printf '%p %s %m %u\n' | sort; cat f k)
[ "$before" = "$after" ] || die "the lower changed"
diff=$(nobody union diff "$W/upper")
[ "$diff" = "A $W/lower/g
D $W/lower/k" ] || die "union diff printed '$diff'"
echo "ok: union run as nobody: the upper got the write and the deletion, the lower did not"
lap "union run as nobody"

# The man pages and the bash completion where man and bash-completion look.
if command -v man >/dev/null; then
	man -w union >/dev/null && man -w 7 libunion >/dev/null || die "man -w union / libunion(7) finds no page"
	echo "ok: man union, man 7 libunion"
fi
comp=$(dpkg -L libunion | grep '/bash-completion/completions/union$') ||
	die "no bash completion in the package"
bash -c '. "$1" && complete -p union' _ "$comp" | grep -q -- '-F _union union' ||
	die "the installed completion does not register _union for union"
if [ -r /usr/share/bash-completion/bash_completion ]; then
	# bash-completion loads it on demand, by the command's name.
	bash -c '. /usr/share/bash-completion/bash_completion &&
		__load_completion union && complete -p union' | grep -q -- '-F _union union' ||
		die "bash-completion does not load the completion of union"
	echo "ok: bash-completion loads $comp"
else
	echo "ok: $comp registers _union (bash-completion is not installed: its loading not tried)"
fi

lap "done; purging"
dpkg --purge libunion >/dev/null
installed=
if dpkg-query -W -f='${Status}' libunion 2>/dev/null | grep -q installed ||
	[ -e /usr/bin/union ] || [ -e "$lib" ] || [ -e "$comp" ]; then
	die "dpkg --purge libunion left files or the package behind"
fi
echo "PASS: check-deb: built, linted, installed, used and purged in $(($(date +%s) - start)) s"
