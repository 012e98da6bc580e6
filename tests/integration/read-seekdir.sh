#!/bin/bash
# read-seekdir: directory streams: telldir, seekdir and rewinddir on merged directories.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_rich_tree "$1"
	local i
	for i in $(seq 1 40); do
		echo "$i" >"$1/lower$((i % 3 + 1))/dir/many-$i"
	done
	for i in $(seq 30 45); do echo "u$i" >"$1/upper/dir/many-$i"; done
	# A directory of one lower (read as it goes, not merged).
	mkdir "$1/lower2/solo"
	for i in $(seq 1 30); do echo "$i" >"$1/lower2/solo/s-$i"; done
}

cat >"$T/seek.pl" <<'PL'
use strict;
my $dir = shift;
opendir(my $d, $dir) or die "opendir: $!\n";
my @first;
push @first, scalar readdir $d for 1 .. 7;
my $pos = telldir $d;
my @next;
push @next, scalar readdir $d for 1 .. 5;
seekdir $d, $pos;
my @again;
push @again, scalar readdir $d for 1 .. 5;
print "seekdir: ", ("@next" eq "@again" ? "same names again" : "DIFFERENT: @next / @again"), "\n";
rewinddir $d;
my @all = readdir $d;
print "rewinddir: ", scalar(@all), " entries, first 7 ",
    ("@first" eq "@all[0 .. 6]" ? "as before" : "DIFFERENT"), "\n";
my %seen;
$seen{$_}++ for @all;
print "duplicates: ", join(" ", grep { $seen{$_} > 1 } sort keys %seen) || "none", "\n";
print join(" ", sort @all), "\n";
closedir $d;
PL

action() {
	step 'perl "$T/seek.pl" "$M/dir"'
	step 'perl "$T/seek.pl" "$M"'
	step 'cd "$M/dir" && perl "$T/seek.pl" .'
	step 'perl "$T/seek.pl" "$M/solo"'
}

compare_kernel_union read-seekdir setup action
un_done
