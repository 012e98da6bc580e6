#!/bin/bash
# syscall-node-lower: Node.js over lower files: fs.statSync and fs.promises.stat (libuv stats by syscall(SYS_statx)), fs.cpSync, readdir, and npm install of a local package lying in a lower (a file: link and an installed copy), offline.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# Debian's nodejs and npm packages, or NodeSource's nodejs (npm inside).
command -v node >/dev/null 2>&1 ||
	skip "needs Node.js (Debian packages nodejs and npm): not installed"
command -v npm >/dev/null 2>&1 ||
	skip "needs npm (Debian package npm): not installed"

setup() {
	make_small_tree "$1"
	local l=$1/lower2
	mkf "$l/app/package.json" 644 '{ "name": "app", "version": "1.0.0", "dependencies": { "pkg": "file:../pkg" } }'
	mkf "$l/app2/package.json" 644 '{ "name": "app2", "version": "1.0.0" }'
	mkf "$l/pkg/package.json" 644 '{ "name": "pkg", "version": "0.1.0", "main": "index.js" }'
	mkf "$l/pkg/index.js" 644 'module.exports = "pkg says hi";'
	mkf "$l/pkg/lib/util.js" 755 'module.exports = 42;'
}

# The steps' scripts, in $T (outside the union; every user reads them).
# Each prints one line a result: a stat's type, mode and size (directory
# sizes differ between file systems), or the error code.
mkdir -p "$T/js"
cat >"$T/js/show.js" <<'JS'
const fs = require("fs");
const M = process.env.M;
exports.show = (p, s) => console.log(p, s.isDirectory() ? "dir" :
	s.isSymbolicLink() ? "link" : "file", (s.mode & 0o7777).toString(8),
	s.isDirectory() ? "" : s.size);
exports.code = (p, e) => console.log(p, e.code);
exports.statAll = (names, fn) => {
	for (const p of names) {
		try { exports.show(p, fn(M + "/" + p)); }
		catch (e) { exports.code(p, e); }
	}
};
JS
cat >"$T/js/stat-sync.js" <<'JS'
const fs = require("fs");
const { statAll } = require("./show.js");
const M = process.env.M;
const names = ["f1", "f2", "d", "d/x2", "link-f1", "link-d", "nope", "e2", "f1/x"];
statAll(names, fs.statSync);
statAll(names, fs.lstatSync);
console.log(fs.existsSync(M + "/d/x1"), fs.existsSync(M + "/nope"));
console.log(fs.readdirSync(M + "/d").sort().join(" "));
try { fs.accessSync(M + "/ro", fs.constants.W_OK); console.log("ro writable"); }
catch (e) { console.log("ro", e.code); }
JS
cat >"$T/js/stat-promises.js" <<'JS'
const fs = require("fs");
const { show, code } = require("./show.js");
const M = process.env.M;
(async () => {
	for (const p of ["f2", "d", "d/sub/y2", "nope", "link-f1"]) {
		try { show(p, await fs.promises.stat(M + "/" + p)); }
		catch (e) { code(p, e); }
	}
	const ents = await fs.promises.readdir(M, { withFileTypes: true });
	console.log(ents.map(e => e.name + (e.isDirectory() ? "/" : "")).sort().join(" "));
})();
JS
cat >"$T/js/cp.js" <<'JS'
const fs = require("fs");
const { statAll } = require("./show.js");
const M = process.env.M;
fs.cpSync(M + "/d", M + "/dcopy", { recursive: true, preserveTimestamps: true });
fs.cpSync(M + "/f1", M + "/d2/f1copy");
fs.cpSync(M + "/link-d", M + "/linkcopy", { verbatimSymlinks: true });
fs.renameSync(M + "/f2", M + "/f2moved");
fs.rmSync(M + "/d/x1");
fs.chmodSync(M + "/ro", 0o640);
fs.utimesSync(M + "/hl1", 1000000000, 1000000000);
statAll(["dcopy", "dcopy/x2", "dcopy/sub/y2", "d2/f1copy", "linkcopy",
	"f2moved", "f2", "ro", "hl1"], fs.lstatSync);
console.log(fs.statSync(M + "/hl1").mtimeMs);
JS

action() {
	step 'node "$T/js/stat-sync.js"'
	step 'node "$T/js/stat-promises.js"'
	step 'node "$T/js/cp.js"; names "$M/dcopy"; names "$M/d"'
	# npm: a file: dependency (a link) and a local directory installed as
	# a copy (--install-links), both lying in a lower; npm's cache in $HOME.
	step 'cd "$M/app" && npm install --offline --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null; echo "npm: $?"; node -e "console.log(require(\"pkg\"))"; st node_modules/pkg; cat package-lock.json'
	step 'cd "$M/app2" && npm install --offline --no-audit --no-fund --no-update-notifier --loglevel=error --install-links ../pkg >/dev/null; echo "npm: $?"; node -e "console.log(require(\"pkg\"), require(\"pkg/lib/util.js\"))"; st node_modules/pkg node_modules/pkg/lib/util.js; cat package.json'
}

compare_kernel_union syscall-node-lower setup action
# npm's cache, made by root's run, is root's: nobody's npm would stumble
# on it in a way that varies from run to run (EACCES on one side, a half
# install on the other, once in CI).  Each user starts with none.
rm -rf "$T/home/.npm"
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union syscall-node-lower-nobody setup action
un_done
