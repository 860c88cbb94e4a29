#!/bin/sh
# tests/servers/ddb-server --help prints its usage to stdout and exits 0; a
# usage error prints it to stderr and exits 2.
# Usage: ddb_server_usage_test.sh DDB_SERVER
set -eu

server=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/schemareg-ddb-usage.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

status=0
"$server" --help >"$work/out" 2>"$work/err" || status=$?
[ "$status" -eq 0 ] || fail "--help exited $status, expected 0"
[ ! -s "$work/err" ] || fail "--help wrote to stderr: $(cat "$work/err")"
head -n 1 "$work/out" | grep -q "^Usage: ddb-server " || fail "--help lacks a Usage: line"
grep -q "ddb-server run KIND" "$work/out" || fail "--help lacks the run command"
grep -q "set -euo\|^readonly\|()" "$work/out" && fail "--help prints script code: $(cat "$work/out")"

status=0
"$server" >"$work/out" 2>"$work/err" || status=$?
[ "$status" -eq 2 ] || fail "no arguments exited $status, expected 2"
[ ! -s "$work/out" ] || fail "a usage error wrote to stdout"
grep -q "^Usage: ddb-server " "$work/err" || fail "a usage error does not print the usage"

echo "PASS"
