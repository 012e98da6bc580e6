#!/bin/bash
# bench/run.sh - libunion's benchmark in one command.
#
#   bench/run.sh [--scale small|medium|large] [--files N --dirs N --bigfile-mb N]
#                [--runs N] [--systems native,libunion,kernel,fuse-overlayfs,unionfs-fuse]
#                [--workloads a,b,...] [--tmpdir DIR] [--tsv FILE] [--lib libunion.so]
#                [--keep] [--strace] [--no-micro | --micro-only]
#
# Runs the workloads of issue 7 (bench/bench.py) and then the per-call
# micro-benchmarks (bench/micro.py).  Mounts need root; what cannot run is
# skipped with a note.  See bench/README.md.
here=$(cd "$(dirname "$0")" && pwd)
macro=1 micro=1
args=()
for a in "$@"; do
	case $a in
	--no-micro) micro=0 ;;
	--micro-only) macro=0 ;;
	--strace) micro=0; args+=("$a") ;;
	-h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0"; python3 "$here/bench.py" --help; exit 0 ;;
	*) args+=("$a") ;;
	esac
done
rc=0
if [ $macro = 1 ]; then
	python3 "$here/bench.py" "${args[@]}" || rc=$?
fi
if [ $micro = 1 ]; then
	python3 "$here/micro.py" "${args[@]}" || rc=$?
fi
exit $rc
