#!/bin/bash
# diff-userns-dir: an ordinary user's union diff, export and convert --from-overlay read a directory the user made 0600 (and a 0000 file in a 0300 one) from a user namespace of the user's own (tools/userns.c), changing no mode: a process of the union sees the directory 0600 while export reads it (the fallback, lend.c, shows it 0700 meanwhile: checked too, as the tests take it with UNION_TEST_NO_USERNS=1 and as a seccomp'd container refusing unshare makes it, tests/prog/nouserns).  The output is the fallback's and root's, byte for byte: a file of another owner and group in the upper keeps its real ids in the layer (inside the namespace they read as 65534), and so do the entries of its POSIX ACL, and convert's journal notes the real ids.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union
if ! is_root; then
	skip "needs root to become the user nobody"
fi
if ! as_nobody unshare -Ur true 2>/dev/null; then
	skip "the user nobody may not make a user namespace here"
fi
command -v python3 >/dev/null || skip "needs python3 (the pipe watcher)"
# A seccomp'd container that refuses user namespaces (tests/prog).
NOUSERNS=$TESTPROG/nouserns
[ -x "$NOUSERNS" ] || fail "not built: $NOUSERNS (make check builds it)"

D=$T/d
mkdir -p "$D/l1/d/e" "$D/up"
echo x >"$D/l1/d/x"
echo z >"$D/l1/d/e/z"
fix_times "$D"
chown -R 65534:65534 "$D"
as_nobody "$UNION_CMD" run -l "$D/l1" -u "$D/up" -m "$D/m" -- sh -c '
	cd "$1" && echo more >>d/x && echo n >d/n &&
	head -c 1048576 /dev/zero >d/big && echo o >d/other &&
	echo 0 >d/e/secret && chmod 000 d/e/secret && chmod 300 d/e &&
	chmod 600 d' sh "$D/m"
# Another owner's file in the user's upper (root gave it): unmapped in
# the namespace, its ids come from outside.
chown 1234:4321 "$D/up/d/other"
# An ACL naming ids: read in the namespace, its entries are the
# namespace's (the caller's 0, the others 65534); the layer has them as
# they are outside.
if command -v setfacl >/dev/null; then
	setfacl -m u:1234:r,g:4321:rw "$D/up/d/other"
else
	un_log "note: no setfacl: the ACL of a layer's file not tried"
fi
fix_times "$D/up/d"
modes() { stat -c %a "$D/up/d" "$D/up/d/e" "$D/up/d/e/secret" | tr '\n' ' '; }

want="C $D/m/d
A $D/m/d/big
C $D/m/d/e
A $D/m/d/e/secret
A $D/m/d/n
A $D/m/d/other
C $D/m/d/x"
out=$(as_nobody "$UNION_CMD" diff "$D/up" 2>"$T/err") ||
	fail "union diff as its owner failed: $(cat "$T/err")"
expect_eq "union diff as its owner" "$want" "$out"
expect_eq "the modes after diff" "600 300 0 " "$(modes)"

out=$(as_nobody "$NOUSERNS" "$UNION_CMD" diff "$D/up" 2>"$T/err") ||
	fail "union diff refused a namespace failed: $(cat "$T/err")"
expect_eq "union diff refused a namespace (lends)" "$want" "$out"
expect_eq "the modes after that diff" "600 300 0 " "$(modes)"

for how in userns lend seccomp root; do
	case $how in
	userns) as_nobody "$UNION_CMD" export -o "$D/$how.tar" "$D/up" ;;
	lend) UNION_TEST_NO_USERNS=1 as_nobody "$UNION_CMD" export \
		-o "$D/$how.tar" "$D/up" ;;
	seccomp) as_nobody "$NOUSERNS" "$UNION_CMD" export \
		-o "$D/$how.tar" "$D/up" ;;
	root) "$UNION_CMD" export -o "$D/$how.tar" "$D/up" ;;
	esac 2>"$T/err" || fail "union export ($how) failed: $(cat "$T/err")"
	expect_eq "the modes after export ($how)" "600 300 0 " "$(modes)"
done
expect_true "the namespace's layer is the fallback's" \
	cmp "$D/userns.tar" "$D/lend.tar"
expect_true "the namespace's layer is root's" \
	cmp "$D/userns.tar" "$D/root.tar"
expect_true "the namespace's layer is a seccomp'd fallback's" \
	cmp "$D/userns.tar" "$D/seccomp.tar"
expect_eq "the layer's owners" "1234/4321 d/other
65534/65534 d/x" "$(tar tvf "$D/userns.tar" --numeric-owner |
	awk '$6 == "d/other" || $6 == "d/x" { print $2, $6 }')"
expect_eq "the layer's d and d/e keep their modes" \
	"drw------- d/
d-wx------ d/e/" "$(tar tvf "$D/userns.tar" | awk '$6 == "d/" ||
	$6 == "d/e/" { print $1, $6 }')"
expect_eq "the layer's secret file" 0 \
	"$(tar xOf "$D/userns.tar" d/e/secret 2>&1)"
expect_eq "no lend journal" "" "$(ls "$D/up/.union" | grep lend || :)"

# A process of the union looks at d while export is inside it (blocked
# on a full pipe in the middle of d/big): the mode it sees.
mode_meanwhile() {
	rm -f "$T/fifo" && mkfifo "$T/fifo"
	"$@" >"$T/fifo" 2>"$T/err" &
	local pid=$!
	python3 - "$T/fifo" "$UNION_CMD" "$D" <<'EOF'
import fcntl, os, struct, subprocess, sys, termios, time
fifo, cmd, d = sys.argv[1:]
fd = os.open(fifo, os.O_RDONLY)
# The pipe full and staying so: the writer is blocked in d/big.
last, still = -1, 0
for _ in range(400):
    n = struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'\0' * 4))[0]
    still = still + 1 if n == last and n > 32768 else 0
    if still >= 5:
        break
    last = n
    time.sleep(0.05)
out = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534',
                      '--clear-groups', '--', cmd, 'run', '-l', d + '/l1',
                      '-u', d + '/up', '-m', d + '/m', '--', 'stat', '-c',
                      '%a', d + '/m/d'], capture_output=True, text=True)
print(out.stdout.strip() or out.stderr.strip())
while os.read(fd, 65536):
    pass
EOF
	wait "$pid" || fail "the export ($*) failed: $(cat "$T/err")"
}
expect_eq "d seen through the union while export reads it" 600 \
	"$(mode_meanwhile as_nobody "$UNION_CMD" export "$D/up")"
expect_eq "d seen through the union while the fallback reads it (lent)" \
	700 "$(UNION_TEST_NO_USERNS=1 mode_meanwhile as_nobody \
		"$UNION_CMD" export "$D/up")"
expect_eq "d seen through the union while a seccomp'd export reads it" \
	700 "$(mode_meanwhile as_nobody "$NOUSERNS" "$UNION_CMD" export \
		"$D/up")"
expect_eq "the modes after these" "600 300 0 " "$(modes)"

# convert --from-overlay over an upper of the kernel's format: a 0/0
# device in a 0600 directory (and one in a directory of another group)
# becomes a record, the modes, owners and times stay; the namespace's
# run leaves what the fallback's leaves.
state() {
	(cd "$1" && find . -path ./.union -prune -o \
		-printf '%p %M %U %G %T@\n' | sort && cat .union/whiteouts)
}
for how in userns lend; do
	K=$T/k-$how
	mkdir -p "$K/up/d" "$K/up/g"
	chown -R 65534:65534 "$K"
	chown 65534:4321 "$K/up/g"
	chmod 777 "$K/up/g"
	if ! as_nobody mknod "$K/up/d/gone" c 0 0 2>/dev/null; then
		un_log "note: nobody may not make a 0/0 device: convert not tried"
		break
	fi
	as_nobody mknod "$K/up/g/gone" c 0 0
	as_nobody chmod 600 "$K/up/d"
	fix_times "$K"
	if [ $how = lend ]; then
		export UNION_TEST_NO_USERNS=1
	fi
	# Killed after its second change, it left its journal: the owners
	# noted there are the real ones (a run as root may put them back),
	# the modes the user's (the fallback's lent 0700 noted as d's mode
	# was put back for good by the rerun before session 19).
	UNION_TEST_CONVERT_ABORT=2 as_nobody "$UNION_CMD" convert \
		--from-overlay "$K/up" >/dev/null 2>&1 &&
		fail "the abort hook did not kill union convert ($how)"
	expect_eq "what convert's journal notes ($how)" \
		"40600 65534 65534 ./d
40755 65534 65534 .
40777 65534 4321 ./g" "$(cd "$K/up" && while read -r m u g _ _ _ _ p; do
		echo "$m $u $g .${p#"$K/up"}"; done <.union/convert-meta |
		sort -u)"
	as_nobody "$UNION_CMD" convert --from-overlay "$K/up" 2>"$T/err" ||
		fail "union convert --from-overlay ($how) failed: $(cat "$T/err")"
	unset UNION_TEST_NO_USERNS
	expect_eq "the kernel upper's d after convert ($how)" 600 \
		"$(stat -c %a "$K/up/d")"
	expect_eq "the devices are gone ($how)" "" \
		"$(ls -A "$K/up/d" "$K/up/g" | grep gone || :)"
done
if [ -d "$T/k-lend/up/.union" ]; then
	expect_eq "convert from the namespace leaves what the fallback does" \
		"$(state "$T/k-lend/up")" "$(state "$T/k-userns/up")"
fi
un_done
