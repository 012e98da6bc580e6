#!/bin/bash
# tests/mutants/run.sh - deliberate bugs (mutants) that the tests must catch.
#
# Run by hand, as root (the scenarios compare with kernel overlay mounts);
# not part of make check (each mutant rebuilds the library and runs its
# scenarios: about a minute a mutant):
#
#	bash tests/mutants/run.sh             # every mutant
#	bash tests/mutants/run.sh NAME...     # the named ones
#	bash tests/mutants/run.sh --list      # their names and what they break
#
# Each mutant below names a source file, a sed expression that plants the
# bug in it, and the scenarios that must catch it (tests/integration/NAME,
# or tests/DIR/NAME where it names a directory: a reproducer of
# difftest/found, an edges test).  The checkout is never
# touched: its files (as they are, committed or not) are copied to a
# scratch directory and built there once; for each mutant the file is
# changed, the library rebuilt and the scenarios run until one fails
# ("caught"); then the file is put back.  A mutant that no scenario
# catches ("MISSED": a test stopped testing what it is for) or whose sed
# expression no longer changes its file ("STALE": the code moved; update
# the expression) makes the script exit 1.  A new test for a bug class
# deserves a row here: break the code the way the test guards against.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
MUTANTS=()

# mutant NAME FILE SED-EXPRESSION SCENARIO... (what it breaks, in NAME)
mutant() {
	MUTANTS+=("$1")
	eval "M_FILE_$1=\$2; M_SED_$1=\$3"
	shift 3
	eval "M_TESTS_${MUTANTS[-1]}=\"\$*\""
}

# A read-only union: a change through a descriptor skips the read-only
# check and reaches the lower file (issue 11's undetected mutant).
mutant ro_fd_copy_up preload/wrap_fd.c \
	's/\tif (n->layer > 0) {/\tif (n->layer > 0 \&\& n->mnt->upper) {/' \
	readonly-union-fd-changes
# utimensat(fd, "", AT_EMPTY_PATH) changes the descriptor's lower file.
mutant utimensat_empty_path preload/dir.c \
	's/rc = un_fd_copy_up(dirfd);/rc = 0;/' \
	readonly-union-fd-changes
# Copy-up under 0555 directories: a staged directory is given its mode
# before its rename (which needs it writable) ...
mutant staged_dir_mode preload/copy_up.c \
	's/mode |= S_IWUSR | S_IXUSR;/mode |= 0;/' \
	create-under-ro-lower-dir
# ... and an upper parent without the owner's w/x is not lifted.
mutant no_lift preload/copy_up.c \
	's/l->lifted = real_chmod(dir, l->mode | wx) == 0;/l->lifted = false;/' \
	create-under-ro-lower-dir
# The parent's permission is read from its bottom copy, not its topmost.
mutant parent_bottom_copy preload/dir.c \
	's/top = __builtin_ctzll(n->parent_dirlayers);/top = 63 - __builtin_clzll(n->parent_dirlayers);/' \
	create-under-ro-lower-dir
# Refused changes copy nothing up: creation checks after the copy-up ...
mutant create_copies_parent preload/dir.c \
	's/if (!(n->parent_dirlayers \& 1)) {/if (0) {/' \
	refused-change-copies-nothing
# ... truncate, open, xattrs, chown and bad times likewise.
mutant truncate_copies preload/wrap_simple.c \
	's/if (n->layer > 0 \&\& un_unprivileged() \&\& !(n->st.st_mode \& S_IWUSR))/if (0)/' \
	refused-change-copies-nothing
mutant open_copies preload/wrap_open.c \
	's/(!(n.st.st_mode \& S_IWUSR) ||/(0 ||/' \
	refused-change-copies-nothing
mutant xattr_copies preload/wrap_xattr.c \
	's/if (n->layer > 0 \&\& un_unprivileged()) {/if (0) {/' \
	refused-change-copies-nothing
mutant chown_copies preload/wrap_simple.c \
	's/if (uid != (uid_t)-1 \&\& uid != geteuid())/if (0 \&\& uid != geteuid())/' \
	refused-change-copies-nothing
mutant utimensat_bad_time_copies preload/dir.c \
	's/else if (times \&\& (nsec_bad/else if (0 \&\& (nsec_bad/' \
	refused-change-copies-nothing
# An empty file its owner may not read is opened for reading at copy-up.
mutant empty_file_read preload/copy_up.c \
	's/if (st->st_size > 0) {/if (1) {/' \
	copyup-unreadable-lower
# Fifos: the stand-in stays behind at copy-up (two fifos) ...
mutant fifo_stand_in_left preload/copy_up.c \
	's/un_fifo_copied_up(n->mnt, \&old, \&n->st, n->real);/(void)old;/' \
	fifo-held-across-copyup
# ... or an upper fifo opens directly (writes move its mtime).
mutant fifo_upper_direct preload/wrap_open.c \
	's/S_ISFIFO(n.st.st_mode) \&\& n.layer >= 0/S_ISFIFO(n.st.st_mode) \&\& n.layer > 0/' \
	fifo-held-across-copyup
# A read-only union's fifo: refused for writing (EROFS) as a file is ...
mutant fifo_ro_erofs preload/wrap_open.c \
	's/if (!n.mnt->upper \&\& S_ISREG(n.st.st_mode))/if (!n.mnt->upper)/' \
	fifo-readonly-union error-order
# ... or opened itself, with no stand-in (writes move the lower's mtime).
mutant fifo_ro_lower_own preload/wrap_open.c \
	's/n.layer >= 0 \&\& !(flags \& O_PATH)) {/n.layer >= 0 \&\& !(flags \& O_PATH) \&\& n.mnt->upper) {/' \
	fifo-readonly-union
# A change through a descriptor below a directory whose owner lost x:
# the upper's way is not lifted for the copy-up (EACCES) ...
mutant fd_no_lift preload/wrap_fd.c \
	's/\treturn un_upper_lift(m, vpath/\treturn 0 \&\& un_upper_lift(m, vpath/' \
	difftest/found/67-fd-change-below-unsearchable-dir
# ... nor for a fifo's (nor its O_PATH descriptor used).
mutant fifo_no_lift preload/wrap_fd.c \
	's/\t\t\trc = un_fifo_held(fd, \&n);/\t\t\trc = -EACCES;/' \
	difftest/found/68-fifo-change-below-unsearchable-dir
# A fifo's O_PATH descriptor is not used once no name shows the fifo ...
mutant fifo_unlinked_lost preload/fifo.c \
	's/? held_fifo(fd, n, true) : -ENOENT;/? (held_fifo(fd, n, true) ? -ENOENT : -ENOENT) : -ENOENT;/' \
	difftest/found/44-fifo-change-after-upper-unlink
# ... or the program's close_range closes it.
mutant fifo_held_closed preload/wrap_fd.c \
	's/\tn += un_fifo_fds(all + n, UN_MAX_LIB_FDS - n);/\t;/' \
	edges/fd-close-all
# A removed lower directory copied up over a directory made at its name:
# the kernel's checks (a chown refused the user) come after the copy ...
mutant dead_change_no_pre preload/wrap_fd.c \
	's/pre(\&n, prearg) : 0;/0 : 0;/' \
	difftest/found/72-removed-dir-copied-over-new
# ... or a new directory not empty is replaced as a race lost (ENOTEMPTY).
mutant dead_change_not_empty preload/copy_up.c \
	's/dst, true);/dst, false);/' \
	difftest/found/72-removed-dir-copied-over-new
# link's new name '..' taken in a removed directory: not EEXIST.
mutant dead_link_dots preload/dir.c \
	's/if (rc == -ENOENT \&\& dead_parent(newdirfd, newpath))/if (0 \&\& dead_parent(newdirfd, newpath))/' \
	difftest/found/73-link-dots-in-removed-dir
# stat('..') of a removed merged parent: the nlink of its real (deleted)
# upper copy, 0, not the kernel's 1.
mutant dead_parent_not_merged preload/namei.c \
	's/^\t\treturn un_dead_merged(dirfd);$/\t\treturn un_dead_merged(dirfd);\n\treturn false;/' \
	difftest/found/74-stat-dotdot-of-removed-parent
# A cwd another process removed: its merged-ness not worked out (nlink).
mutant other_removed_not_merged preload/namei.c \
	's/^\t\t    removed_merged(m, w->vpath, vlen, \&st));/\t\t    0 \&\& removed_merged(m, w->vpath, vlen, \&st));/' \
	removed-cwd-by-other
# A vfork child's close_range (Python's subprocess) empties the parent's
# table of descriptors.
mutant vfork_close_range preload/wrap_fd.c \
	's/if (!(flags \& CLOSE_RANGE_CLOEXEC) \&\& !un_fd_vfork_child()) {/if (!(flags \& CLOSE_RANGE_CLOEXEC)) {/' \
	fd-after-python-subprocess
# fstat of a descriptor whose directory another process removed: the
# real one's nlink.
mutant other_removed_fd_not_merged preload/wrap_stat.c \
	's/\t\t\t   un_removed_merged(vpath, st)) {/\t\t\t   0 \&\& un_removed_merged(vpath, st)) {/' \
	removed-cwd-by-other
# A table loaded from its file: a later record of a path (o, then w)
# does not replace the earlier one.
mutant wt_last_record_loses preload/wt_map.c \
	's/\t\tr->kind = (unsigned char)op;\t\/\* the last record wins \*\//\t\t(void)0;/' \
	rm-many-concurrent-whiteouts
# link whose old name is '.' of a removed directory: ENOENT (a lower
# one) or EXDEV (an upper one), not the kernel's EPERM or EEXIST.
mutant dead_link_old preload/dir.c \
	's/^\tif (odead) {$/\tif (0 \&\& odead) {/' \
	difftest/found/81-link-removed-dir-as-old-name
# rmdir('.') and rmdir('..') in a removed directory: ENOENT, not EINVAL
# and ENOTEMPTY.
mutant dead_rmdir_dots preload/dir.c \
	's/if (rc == -ENOENT \&\& dead_parent(dirfd, path))$/if (0 \&\& dead_parent(dirfd, path))/' \
	difftest/found/82-rmdir-dots-in-removed-dir
# listxattr('.') of a removed lower directory: ENOENT.
mutant dead_xattr_list preload/wrap_xattr.c \
	's/shown_list(real_listxattr(path, buf, sizeof(buf)), buf, list,/shown_list(un_fail(path ? -ENOENT : 0), buf, list,/' \
	difftest/found/83-xattr-of-removed-lower-dir
# removexattr('.') of a removed lower directory: the copy-up's ENOTDIR
# before the lower's ENODATA.
mutant dead_xattr_remove_pre preload/wrap_xattr.c \
	's/else if (dead != rc \&\& un_dead_lower(AT_FDCWD, path, \&n) == 0) {/else if (0) {/' \
	difftest/found/83-xattr-of-removed-lower-dir
# fremovexattr through a descriptor on a removed lower directory: the
# same, through fd_pre.
mutant dead_fd_pre preload/wrap_fd.c \
	's/^\([\t ]*\)un_dead_lower(fd, "\.", \&n) == 0 ?/\10 ?/' \
	difftest/found/83-xattr-of-removed-lower-dir
# lseek(SEEK_END) of a removed directory made merged by its copy-up:
# the real directory's end, not EINVAL.
mutant dead_seek_merged preload/wrap_fd.c \
	's/if (rc < 0 \&\& rc != -ESTALE)/if (rc < 0)/' \
	difftest/found/84-lseek-end-removed-dir-copied-over
# truncate('.') and chown('.') of a removed lower directory: the
# copy-up's ENOTDIR or EIO before EISDIR and EPERM.
mutant dead_change_pre preload/wrap_simple.c \
	's/if (un_dead < 0 \&\& un_dead != -ENOENT \&\&/if (0 \&\& un_dead < 0 \&\&/' \
	difftest/found/85-change-removed-lower-dir-checks-first
# readlink('.') of a removed directory: ENOENT, not EINVAL.
mutant dead_readlink preload/wrap_name.c \
	's/if (rc == -ENOENT \&\& un_dead_dots(dirfd, path, NULL, NULL))/if (0)/' \
	difftest/found/86-readlink-chmod-dots-of-removed-dir
# chmod('..') of a removed directory's removed parent (its upper copy,
# deleted): ENOENT, not the kernel's change of that copy.
mutant dead_dotdot_deleted preload/namei.c \
	's/real_fstatat(dirfd, popped ? path : "\.", \&st, 0)/real_fstatat(dirfd, popped ? "\/" : ".", \&st, 0)/' \
	difftest/found/86-readlink-chmod-dots-of-removed-dir
# rename: an old name led out of the union by a symlink, its parent
# missing: the new name's ENOTDIR before the old's ENOENT.
mutant rename_outside_old_first preload/dir.c \
	's/^\tif (rc < 0 \&\& orc > 0) {/\tif (0 \&\& rc < 0 \&\& orc > 0) {/' \
	difftest/found/87-rename-old-name-led-outside-first

if [ "${1-}" = --list ]; then
	for m in "${MUTANTS[@]}"; do
		eval "printf '%-26s %-22s %s\n' \"\$m\" \"\$M_FILE_$m\" \"\$M_TESTS_$m\""
	done
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (kernel overlay mounts)" >&2; exit 77; }
want=("$@")
[ ${#want[@]} -gt 0 ] || want=("${MUTANTS[@]}")

S=$(mktemp -d "${TMPDIR:-/tmp}/libunion-mutants.XXXXXX")
trap 'rm -rf "$S"' EXIT
echo "scratch copy in $S; building"
(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 tar -cf - --no-recursion) | (cd "$S" && tar -xf -)
chmod 755 "$S"
build_log=$S/build.log
if ! (cd "$S" && autoreconf -fi && ./configure -q && make -j2 &&
	make -j2 tests/prog/sysop tests/difftest/driver tests/edges/fdops) \
	>"$build_log" 2>&1; then
	tail -n 30 "$build_log"
	echo "run.sh: the unchanged tree does not build"
	exit 1
fi

bad=0
for m in "${want[@]}"; do
	file=$(eval "printf %s \"\${M_FILE_$m-}\"")
	if [ -z "$file" ]; then
		echo "unknown mutant $m"
		bad=1
		continue
	fi
	sedx=$(eval "printf %s \"\$M_SED_$m\"")
	tests=$(eval "printf %s \"\$M_TESTS_$m\"")
	cp "$S/$file" "$S/$file.orig"
	sed -i "$sedx" "$S/$file"
	if cmp -s "$S/$file" "$S/$file.orig"; then
		echo "STALE   $m: the expression no longer changes $file"
		bad=1
	elif ! (cd "$S" && make -j2 preload/libunion.la) >"$build_log" 2>&1; then
		echo "STALE   $m: the mutant does not build"
		tail -n 10 "$build_log"
		bad=1
	else
		caught=
		for t in $tests; do
			script=$S/tests/integration/$t.sh
			case $t in */*) script=$S/tests/$t.sh ;; esac
			(cd "$S" && LIBUNION=$S/preload/.libs/libunion.so \
				TESTPROG=$S/tests/prog TOP_SRCDIR=$S \
				DRIVER=$S/tests/difftest/driver \
				EDGEPROG=$S/tests/edges \
				bash "$script") >"$S/$m.${t##*/}.log" 2>&1
			rc=$?
			if [ $rc = 1 ]; then
				caught=$t
				break
			fi
		done
		if [ -n "$caught" ]; then
			echo "caught  $m (by $caught)"
		else
			echo "MISSED  $m: none of $tests failed"
			bad=1
		fi
	fi
	mv "$S/$file.orig" "$S/$file"
	touch "$S/$file"
done
(cd "$S" && make -j2 preload/libunion.la) >"$build_log" 2>&1
[ $bad = 0 ] && echo "every mutant caught" || echo "run.sh: some mutants were not caught"
exit $bad
