#!/bin/sh
# schemareg-lint warns about a plugin that searches its libraries through
# $ORIGIN, and only about that one; the warning does not fail the lint.
# Usage: lint_runpath_test.sh SCHEMAREG_LINT ORIGIN_PLUGIN.so PLAIN_PLUGIN.so
set -eu

lint=$1
origin=$2
plain=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/schemareg-runpath.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

status=0
"$lint" "$origin" "$plain" >"$work/out" 2>"$work/err" || status=$?
if [ "$status" -ne 0 ]; then
    echo "FAIL: exit $status, expected 0; $(cat "$work/out" "$work/err")" >&2
    exit 1
fi
if ! grep -q "warn: $origin: DT_RUNPATH \"\$ORIGIN/lib\" uses \$ORIGIN" "$work/err"; then
    echo "FAIL: no \$ORIGIN warning; stderr: $(cat "$work/err")" >&2
    exit 1
fi
if grep -q "$plain" "$work/err"; then
    echo "FAIL: a warning names $plain; stderr: $(cat "$work/err")" >&2
    exit 1
fi
echo "the \$ORIGIN warning names only $origin"
