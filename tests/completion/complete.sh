#!/bin/bash
# complete: the bash completion of union (completion/union) answers as a
# user pressing TAB expects, with bash alone (the helpers of the
# bash-completion package are not needed; where that package is
# installed the same questions are asked again with its helpers loaded),
# and it knows every subcommand and option tools/*.c accept, and no other.
#
# Each question sets COMP_WORDS/COMP_CWORD as bash would for the line,
# calls _union and reads COMPREPLY.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

COMPLETION=$TOP_SRCDIR/completion/union
[ -r "$COMPLETION" ] || fail "no $COMPLETION"

# A working directory with two directories, a file and a symlink to a
# directory: directory completion must offer dira/, dirb/ and linkd, not
# filec.
W=$T/w
mkdir -p "$W/dira" "$W/dirb"
: >"$W/filec"
ln -s dira "$W/linkd"

# comp [WORD]... '': the sorted completions of the last word (the line up
# to the cursor split into words, as bash would split it), one a line.
# Runs in a subshell with only the completion (and, with BC set, the
# bash-completion package) sourced.
comp() {
	(
		cd "$W"
		set +e
		if [ -n "${BC:-}" ]; then
			# shellcheck disable=SC1090
			. "$BC" >/dev/null 2>&1
		fi
		# shellcheck disable=SC1090
		. "$COMPLETION"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_union union "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" \
			2>"$T/comp.err"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort
	)
	# Nothing on the terminal but the completions; compopt complains
	# only here, outside a real completion (bash-completion calls it).
	if grep -v 'compopt: not currently executing completion function' \
		"$T/comp.err" >&2; then
		fail "'$*<TAB>' printed the errors above"
	fi
}

# expect WANTED WORD...: the completions of the line are exactly WANTED
# (space-separated, any order).
expect() {
	local want got
	want=$(printf '%s\n' $1 | sort)
	shift
	got=$(comp "$@") || { fail "'$*': the completion failed"; return; }
	if [ "$got" = "$want" ]; then
		printf 'ok: %s<TAB> -> %s\n' "$*" "$(echo $got)"
	else
		fail "'$*<TAB>': got '$(echo $got)', wanted '$(echo $want)'"
	fi
}

# expect_has WANTED WORD...: every word of WANTED is among the completions,
# and nothing that is not a directory when the last word is a DIR.
expect_has() {
	local w got
	got=$(comp "${@:2}") || { fail "'${*:2}': the completion failed"; return; }
	for w in $1; do
		grep -qxF -- "$w" <<<"$got" ||
			fail "'${*:2}<TAB>': '$w' is not offered (got '$(echo $got)')"
	done
	[ "$UN_FAILS" -gt 0 ] || printf 'ok: %s<TAB> offers %s\n' "${*:2}" "$1"
}

questions() {
	# The subcommands, and the command's own options.
	expect 'run diff export commit convert help' union ''
	expect 'commit convert' union co
	expect '-h --help -V --version' union -
	# Options of run and convert.
	expect '-l --lower -u --upper -m --merged -k --keep -h --help' union run -
	expect '--to-overlay --from-overlay --userxattr --lower --merged --help' \
		union convert --
	expect '--to-overlay' union convert --to
	expect '-o --output -z --gzip -l --lower -m --merged -h --help' union export -
	# Directories, and only directories, for -l/-u/-m and the long forms
	# (bash splits --lower=DIR at the '=').
	expect 'dira dirb linkd' union run -l ''
	expect 'dira dirb' union run -l di
	expect 'dira dirb linkd' union run -u ''
	expect 'dira dirb linkd' union run -l dira --merged ''
	expect 'dira dirb linkd' union run --lower = ''
	expect 'dira dirb' union run --lower = d
	expect 'dira dirb linkd' union run -kl ''
	expect 'dira dirb linkd' union diff -m ''
	expect 'dira dirb linkd' union commit --lower ''
	# The UPPER of diff, export, commit, convert is a directory; the
	# FILE of export -o any file.
	expect 'dira dirb linkd' union diff --json ''
	expect 'dira dirb linkd' union convert --to-overlay -l dira ''
	expect 'dira dirb filec linkd' union export -o ''
	# An option's argument is not the command (nor is -lDIR's).
	expect 'dira dirb linkd' union run -l dira -l ''
	# The command of run: after --, and after run's options.
	expect_has 'echo' union run -- ec
	expect_has 'echo' union run -l dira -u dirb -k ec
	expect_has 'echo' union run -ldira ec
	expect_has 'echo' union run --lower = dira ec
	expect_has 'echo' union run ec
	# After the command's name, no more of run's options.
	got=$(comp union run -- echo -)
	if grep -qx -- '--keep' <<<"$got"; then
		fail "'union run -- echo -<TAB>' offers run's options"
	else
		echo "ok: union run -- echo -<TAB> offers none of run's options"
	fi
}

echo "# with bash alone"
BC='' questions

# The same with the bash-completion package's helpers (_filedir,
# _command_offset), where it is installed.
BC=
for f in /usr/share/bash-completion/bash_completion /etc/bash_completion; do
	[ -r "$f" ] && { BC=$f; break; }
done
if [ -n "$BC" ]; then
	echo "# with $BC"
	questions
	# The command's own completion takes over after its name.
	expect_has 'dira' union run -- ls -d di
else
	echo "note: bash-completion is not installed: its helpers were not tried"
fi

# What tools/*.c accept, against what the completion offers: every
# subcommand of tools/union.c, every long option of each struct option
# table and every letter of each getopt string, and the reverse.  An
# option taking an argument must be one the completion completes (a
# directory or a file) and no other.
. "$COMPLETION"
subs=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", un_cmd_[a-z]* },.*/\1/p' \
	"$TOP_SRCDIR/tools/union.c")
[ "$(echo $subs)" = "run diff export commit convert" ] ||
	fail "tools/union.c's subcommands are '$(echo $subs)': update this test and the completion"
for s in $subs; do
	src=$TOP_SRCDIR/tools/$s.c
	offered=$(_union_opts "$s" | tr ' ' '\n' | sort)
	known=$(
		sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", \([a-z_]*\), NULL, .*/--\1 \2/p' "$src"
		sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p; s/.*\.shortopts = "\([^"]*\)".*/\1/p' "$src" |
			tr -d '+:' | grep -o . | sed 's/^/-/; s/$/ ?/'
	)
	[ -n "$known" ] || fail "$s: no options found in $src (has the parsing moved?)"
	while read -r opt arg; do
		grep -qxF -- "$opt" <<<"$offered" ||
			fail "union $s: $src accepts $opt, the completion does not offer it"
		case $arg in
		required_argument)
			[ -n "$(_union_arg_kind "$s" "$opt")" ] ||
				fail "union $s $opt takes an argument the completion does not complete" ;;
		no_argument)
			[ -z "$(_union_arg_kind "$s" "$opt")" ] ||
				fail "union $s $opt takes no argument, the completion completes one" ;;
		esac
	done <<<"$known"
	for opt in $offered; do
		grep -q -- "^$opt " <<<"$known" ||
			fail "union $s: the completion offers $opt, which $src does not accept"
	done
done
[ "$UN_FAILS" -gt 0 ] || echo "ok: the completion offers exactly the subcommands and options of tools/*.c"

un_done
