#!/usr/bin/env bash
# Runs schemareg-host end to end under valgrind memcheck against DynamoDB
# Local and fails on any memory error or definite or indirect leak.
#
# Usage: valgrind_provision.sh HOST LOADER PLUGIN_DIR SANITIZE
#
# HOST and LOADER are schemareg-host and schemareg-plugin-loader, PLUGIN_DIR
# contains the example plugins and SANITIZE is the b_sanitize option of the
# build. Run it through tests/servers/ddb-server, which sets
# SCHEMAREG_TEST_ENDPOINT and dummy credentials.
#
# Under valgrind: provision (first run and re-run), plan, status and a
# provision against an endpoint with no server, each with the host under
# valgrind and the plugin loader run natively (--trace-children=no). Then
# one provision with the loader and its per-plugin children under valgrind
# (SCHEMAREG_PLUGIN_LOADER points to a wrapper) and the host run natively.
#
# Exits 77 (skipped) when valgrind is missing or the build uses sanitizers,
# which valgrind cannot run.
set -euo pipefail

readonly EXIT_SKIP=77
readonly VALGRIND_ERROR=99

if [[ $# -ne 4 ]]; then
    echo "usage: $0 HOST LOADER PLUGIN_DIR SANITIZE" >&2
    exit 2
fi
host=$1
loader=$2
plugin_dir=$3
sanitize=$4

if [[ $sanitize != none ]]; then
    echo "skipped: built with -Db_sanitize=$sanitize, and valgrind cannot run sanitized binaries"
    exit "$EXIT_SKIP"
fi
valgrind=$(command -v valgrind) || {
    echo "skipped: valgrind is not installed"
    exit "$EXIT_SKIP"
}
: "${SCHEMAREG_TEST_ENDPOINT:?run this through tests/servers/ddb-server}"

work=$(mktemp -d "${TMPDIR:-/tmp}/schemareg-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT

memcheck=("$valgrind" --error-exitcode=$VALGRIND_ERROR --leak-check=full
    --errors-for-leak-kinds=definite,indirect --track-fds=no --trace-children=no)
# The loader and its children start slowly under valgrind.
common=(--plugin-dir "$plugin_dir" --plugin-timeout 120 --region us-east-1)
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# Prints each of the memcheck reports LOGS that counts errors or leaks.
show_reports() {
    local log
    for log in "$@"; do
        if grep -q "ERROR SUMMARY: [1-9]" "$log"; then
            echo "--- $log"
            cat "$log"
        fi
    done
}

# Runs one host command under valgrind. EXPECTED is its exit status.
host_under_valgrind() {
    local label=$1 expected=$2
    shift 2
    local logs="$work/${label// /-}"
    mkdir -p "$logs"

    local status=0
    "${memcheck[@]}" --log-file="$logs/memcheck.%p.log" "$host" "$@" "${common[@]}" \
        >"$logs/stdout" 2>"$logs/stderr" || status=$?

    local summary
    summary=$(grep -h "ERROR SUMMARY" "$logs"/memcheck.*.log | head -n 1)
    echo "$label: exit $status; ${summary#==*== }"
    if [[ $status -eq $VALGRIND_ERROR ]] || grep -q "ERROR SUMMARY: [1-9]" "$logs"/memcheck.*.log; then
        fail "$label: valgrind reported errors or leaks"
        show_reports "$logs"/memcheck.*.log
    elif [[ $status -ne $expected ]]; then
        fail "$label: exit $status, expected $expected"
        cat "$logs/stderr"
    fi
}

# Runs provision natively with the plugin loader under valgrind.
loader_under_valgrind() {
    local logs="$work/loader"
    mkdir -p "$logs"
    cat >"$logs/loader.sh" <<EOF
#!/bin/sh
exec $(printf '%q ' "${memcheck[@]}") --log-file=$(printf '%q' "$logs")/memcheck.%p.log \\
    $(printf '%q' "$loader") "\$@"
EOF
    chmod +x "$logs/loader.sh"

    local status=0
    SCHEMAREG_PLUGIN_LOADER="$logs/loader.sh" "$host" provision --capsule vg-loader \
        --endpoint-url "$SCHEMAREG_TEST_ENDPOINT" "${common[@]}" \
        >"$logs/stdout" 2>"$logs/stderr" || status=$?

    local reports=("$logs"/memcheck.*.log)
    # One report from the loader and one from each forked plugin child.
    echo "provision with the loader under valgrind: exit $status; ${#reports[@]} memcheck reports"
    if [[ ! -f ${reports[0]} ]]; then
        fail "the plugin loader did not run under valgrind"
    elif grep -q "ERROR SUMMARY: [1-9]" "${reports[@]}"; then
        fail "valgrind reported errors or leaks in the plugin loader"
        show_reports "${reports[@]}"
    elif [[ ${#reports[@]} -lt 2 ]]; then
        fail "no plugin loader child ran under valgrind"
    fi
    if [[ $status -ne 0 ]]; then
        fail "provision with the loader under valgrind: exit $status, expected 0"
        cat "$logs/stderr"
    fi
}

endpoint=(--endpoint-url "$SCHEMAREG_TEST_ENDPOINT")
host_under_valgrind "provision first run" 0 provision --capsule vg --json "${endpoint[@]}"
host_under_valgrind "provision re-run" 0 provision --capsule vg "${endpoint[@]}"
host_under_valgrind "plan" 0 plan --capsule vg --json "${endpoint[@]}"
host_under_valgrind "status" 0 status --capsule vg "${endpoint[@]}"

# A port that nothing listens on: every request fails to connect.
closed_port=$(/usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
host_under_valgrind "provision, no server" 1 provision --capsule vg --max-attempts 1 \
    --endpoint-url "http://127.0.0.1:$closed_port"

loader_under_valgrind

if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "PASS: no memcheck errors and no definite or indirect leaks"
