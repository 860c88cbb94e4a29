#!/bin/sh
# schemareg-lint end to end: exit codes, one line per problem with its rule
# and plugin file, and the --json document.
# Usage: lint_test.sh SCHEMAREG_LINT BROKEN.so VALID.so...
set -eu

lint=$1
broken=$2
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/schemareg-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Runs schemareg-lint, stores stdout in $work/out and the exit code in $status.
run_lint() {
    status=0
    "$lint" "$@" >"$work/out" 2>"$work/err" || status=$?
    cat "$work/out" "$work/err"
}

run_lint "$@"
[ "$status" -eq 0 ] || fail "valid example plugins: exit $status, expected 0"
grep -q "^$# of $# plugin files valid$" "$work/out" || fail "missing the summary line"
run_lint "$1"
grep -q "^1 of 1 plugin file valid$" "$work/out" || fail "summary line for one file: $(cat "$work/out")"

run_lint "$broken"
[ "$status" -eq 1 ] || fail "broken plugin: exit $status, expected 1"
for rule in key-attribute unused-attribute table-name seed-table seed-condition; do
    grep -q "^$broken: service \"broken\": .*\[$rule\]$" "$work/out" ||
        fail "no [$rule] line naming $broken"
done
grep -q "problems in 1 plugin file$" "$work/out" || fail "missing the problem count"

run_lint
[ "$status" -eq 2 ] || fail "no arguments: exit $status, expected 2"
run_lint --no-such-option "$broken"
[ "$status" -eq 2 ] || fail "unknown option: exit $status, expected 2"
grep -q "^schemareg-lint: error: unknown option \"--no-such-option\"" "$work/err" ||
    fail "unknown option is not logged as schemareg-lint: error:"
run_lint --js "$broken"
[ "$status" -eq 2 ] || fail "abbreviated --js: exit $status, expected 2"
grep -q "unknown option --js; did you mean --json?" "$work/err" ||
    fail "abbreviated option is not named with its full form"
run_lint --log-level
[ "$status" -eq 2 ] || fail "--log-level without a value: exit $status, expected 2"
grep -q "option --log-level needs a value" "$work/err" || fail "missing value not named"
run_lint --help
[ "$status" -eq 0 ] || fail "--help: exit $status, expected 0"
grep -q "Exit codes" "$work/out" || fail "--help does not document exit codes"

echo "not a shared object" >"$work/junk.so"
chmod 600 "$work/junk.so"
run_lint --json "$broken" "$work/junk.so" "$@"
[ "$status" -eq 1 ] || fail "--json with problems: exit $status, expected 1"
/usr/bin/python3 - "$work/out" "$broken" "$work/junk.so" <<'PYTHON' || fail "--json document"
import json
import sys

path, broken, junk = sys.argv[1:]
with open(path) as stream:
    report = json.load(stream)
assert report["valid"] is False, report["valid"]
rules = {(p["rule"], p["plugin_path"]) for p in report["problems"]}
for rule in ("key-attribute", "unused-attribute", "table-name", "seed-table",
             "seed-condition"):
    assert (rule, broken) in rules, rule
assert ("load", junk) in rules, rules
assert report["problem_count"] == len(report["problems"])
assert all(p["service_id"] == "broken" for p in report["problems"]
           if p["rule"] != "load")
services = sorted(s for p in report["plugins"] for s in p["service_ids"])
assert "broken" in services and "billing" in services, services
PYTHON

echo "PASS"
