#!/bin/bash
# perl-pi-lower: perl -pi and perl file I/O on lower files.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'perl -pi -e "s/lower/PERL/" "$M/f1" "$M/d/x1"; cat "$M/f1" "$M/d/x1"; st "$M/f1"'
	step 'perl -pi.orig -e "tr/a-z/A-Z/" "$M/both"; show "$M/both" "$M/both.orig"'
	step 'perl -i -ne "print unless /x2/" "$M/d/x2"; st "$M/d/x2"'
	stepx <<'SH'
perl -e 'open(my $f, ">>", $ARGV[0]) or die "$!\n"; print $f "perl\n"; close $f;
	opendir(my $d, $ARGV[1]) or die "$!\n"; print join(" ", sort grep { !/^\./ } readdir $d), "\n";
	rename($ARGV[0], "$ARGV[0].renamed") or die "$!\n"; print -e $ARGV[0] ? "still there\n" : "renamed\n";
	unlink("$ARGV[1]/x1") or die "$!\n"; mkdir("$ARGV[1]/pdir", 0700) or die "$!\n";
	print join(" ", sort map { s{.*/}{}r } glob("$ARGV[1]/*")), "\n";
	symlink("x", $ARGV[0]) or die "$!\n"; print readlink($ARGV[0]), "\n";
	rmdir($ARGV[1]) or print "rmdir: $!\n"' "$M/f2" "$M/d"
SH
}

compare_kernel_union perl-pi-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union perl-pi-lower-nobody setup action
un_done
