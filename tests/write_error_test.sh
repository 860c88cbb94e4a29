#!/bin/sh
# Every tool exits 1 with a message when its output cannot be written
# (stdout on /dev/full), and 0 when it can.
# Usage: write_error_test.sh SCHEMAREG_HOST SCHEMAREG_LINT SCHEMAREG_SIGV4 PLUGIN_DIR PLUGIN.so
set -eu

host=$1
lint=$2
sigv4=$3
plugin_dir=$4
plugin=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/schemareg-write.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
printf 'GET / HTTP/1.1\nHost:example.com\n' >"$work/request"
sign="$sigv4 --request $work/request --access-key AKID --secret-key s --region us-east-1
      --service dynamodb --time 2015-08-30T12:36:00Z --print signature"
failures=0

# check NAME COMMAND...: runs the command into /dev/full, then into a file.
check() {
    name=$1
    shift
    status=0
    "$@" >/dev/full 2>"$work/err" || status=$?
    if [ "$status" -ne 1 ]; then
        echo "FAIL: $name into /dev/full: exit $status, expected 1" >&2
        failures=$((failures + 1))
    fi
    if ! grep -q "error: cannot write to standard output" "$work/err"; then
        echo "FAIL: $name into /dev/full: no message; stderr: $(cat "$work/err")" >&2
        failures=$((failures + 1))
    fi
    status=0
    "$@" >"$work/out" 2>"$work/err" || status=$?
    if [ "$status" -ne 0 ] || [ ! -s "$work/out" ]; then
        echo "FAIL: $name into a file: exit $status, stdout $(wc -c <"$work/out") bytes" >&2
        failures=$((failures + 1))
    fi
}

check "schemareg-host list" "$host" --plugin-dir "$plugin_dir" list
check "schemareg-host list --json" "$host" --plugin-dir "$plugin_dir" list --json
check "schemareg-host --help" "$host" --help
check "schemareg-host validate" "$host" --plugin-dir "$plugin_dir" validate
check "schemareg-lint" "$lint" "$plugin"
check "schemareg-lint --json" "$lint" --json "$plugin"
check "schemareg-lint --version" "$lint" --version
# shellcheck disable=SC2086
check "schemareg-sigv4" $sign
check "schemareg-sigv4 --help" "$sigv4" --help

# A stdout closed on purpose with nothing written to it is not an error.
# An unknown command prints only to stderr and keeps its usage exit code 2.
status=0
"$host" frobnicate >&- 2>/dev/null || status=$?
if [ "$status" -ne 2 ]; then
    echo "FAIL: unknown command with stdout closed: exit $status, expected 2" >&2
    failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] || exit 1
echo "all write error checks passed"
