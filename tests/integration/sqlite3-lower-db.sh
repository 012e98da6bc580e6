#!/bin/bash
# sqlite3-lower-db: sqlite3 on a database that lies in a lower (journal, WAL, locks).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd sqlite3

setup() {
	mkdir -p "$1/upper" "$1/lower1"
	sqlite3 "$1/lower1/db.sqlite" \
		"create table t (id integer primary key, v text); insert into t values (1, 'one'), (2, 'two'), (3, 'three');"
}

action() {
	step 'sqlite3 "$M/db.sqlite" "select * from t order by id"'
	step 'sqlite3 "$M/db.sqlite" "insert into t values (4, '\''four'\''); select count(*) from t; pragma integrity_check"'
	step 'sqlite3 "$M/db.sqlite" "begin; delete from t; rollback; select count(*) from t"'
	step 'sqlite3 "$M/db.sqlite" "pragma journal_mode=wal; insert into t values (5, '\''five'\''); select * from t order by id"; ls "$M"'
	step 'sqlite3 "$M/db.sqlite" "pragma journal_mode=delete; vacuum; select count(*) from t"; ls "$M"'
	step 'sqlite3 "$M/new.db" "create table x (a); insert into x values (1); select * from x"; ls "$M"'
	step 'cd "$M" && sqlite3 db.sqlite ".tables" && sqlite3 db.sqlite ".dump" | head -5'
}

compare_kernel_union sqlite3-lower-db setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union sqlite3-lower-db-nobody setup action
un_done
