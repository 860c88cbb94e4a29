#!/bin/bash
# 200 plugins under a limit of 64 open files: the loader closes each
# checked descriptor once the plugin loader process has its copy, so list,
# validate and then DynamoDB requests all work.
# Usage: many_plugins_test.sh SCHEMAREG_HOST BENCH_PLUGIN.so PYTHON3
set -euo pipefail

host=$1
template=$2
python=$3
count=200
work=$(mktemp -d "${TMPDIR:-/tmp}/schemareg-many.XXXXXX")
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

mkdir -m 0700 "$work/plugins"
for ((i = 0; i < count; i++)); do
    name=$(printf 'bench-%08d' "$i")
    LC_ALL=C sed "s/bench-XXXXXXXX/$name/g" "$template" >"$work/plugins/$name.so"
done
chmod 0644 "$work/plugins"/*.so

# A DynamoDB stand-in on 127.0.0.1: no table exists, the state table is empty.
cat >"$work/server.py" <<'PY'
import http.server, json, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "")
        if target.endswith(".Query"):
            status, body = 200, {"Items": [], "Count": 0}
        else:
            status, body = 400, {"__type": "com.amazonaws.dynamodb.v20120810#"
                                 "ResourceNotFoundException", "message": "not found"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
"$python" "$work/server.py" >"$work/port" &
server_pid=$!
for _ in $(seq 50); do [[ -s $work/port ]] && break; sleep 0.1; done
port=$(cat "$work/port")
[[ -n $port ]] || fail "the DynamoDB stand-in did not start"

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=example-secret AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB

ulimit -n 64
status=0
"$host" --plugin-dir "$work/plugins" list --json >"$work/list.json" 2>"$work/list.err" || status=$?
[[ $status -eq 0 ]] || fail "list --json: exit $status: $(head -3 "$work/list.err")"
"$python" - "$work/list.json" "$count" <<'PY' || fail "list --json output"
import json, sys
document = json.load(open(sys.argv[1]))
assert len(document["plugins"]) == int(sys.argv[2]), len(document["plugins"])
assert document["errors"] == [], document["errors"][:3]
PY

status=0
"$host" --plugin-dir "$work/plugins" validate >"$work/validate.out" 2>&1 || status=$?
[[ $status -eq 0 ]] || fail "validate: exit $status: $(head -3 "$work/validate.out")"
grep -q "^$count plugins valid$" "$work/validate.out" || fail "validate: $(tail -1 "$work/validate.out")"

# plan exits 2 (changes pending) only when every request got a response.
status=0
"$host" --plugin-dir "$work/plugins" plan --capsule acme --endpoint-url "http://127.0.0.1:$port" \
    >"$work/plan.out" 2>"$work/plan.err" || status=$?
[[ $status -eq 2 ]] || fail "plan: exit $status: $(grep -m3 error "$work/plan.err")"
if grep -q "Too many open files" "$work/plan.err"; then
    fail "plan ran out of descriptors"
fi
echo "list, validate and plan work with $count plugins under ulimit -n 64"
