# Stress loops (docs/HACKING.md, "Stress loops"): races between the
# processes of one union.  race.py is the concurrency tester (N processes
# at once on overlapping names, kernel against libunion, judged by what
# any interleaving allows); run-ci.sh its bounded run (<= 60 s, fixed
# seeds, root then nobody).  create-fresh-dir.sh and name-flip.py are by
# hand only.
TESTS += tests/stress/run-ci.sh
dist_check_SCRIPTS += tests/stress/run-ci.sh tests/stress/race.py
EXTRA_DIST += tests/stress/name-flip.py
