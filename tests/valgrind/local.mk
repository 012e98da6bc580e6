# valgrind memcheck over real programs in a union (issue 4): ls, cat,
# mkdir, cp, mv, sed -i, rm -rf, tar x, find, a shell, stat and a python
# of two threads, with libunion preloaded; any memcheck report fails.
# About 20 s (at load 10: 40 s, and 7 more for the python); skips (77)
# without valgrind and in a sanitizer build.  Run by hand:
#   bash tests/valgrind/memcheck.sh
TESTS += tests/valgrind/memcheck.sh
EXTRA_DIST += tests/valgrind/memcheck.sh
