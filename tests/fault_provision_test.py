#!/usr/bin/python3
"""Provisions the example plugins through faultproxy.py and checks that the
end state equals the one of a clean run.

  fault_provision_test.py --host PATH --plugin-dir DIR [--seeds 1,2,3,4,5]
                          [--rate 0.2]

1. A clean run provisions capsule "clean" straight into DynamoDB Local.
2. For each seed, a run provisions capsule "fault-sN" through the proxy at
   --rate faults, with --request-timeout 2 while the delay fault holds a
   response for 3 s. It must exit 0, and its tables, key schemas, GSIs, TTL,
   items and checkpoint records must equal those of "clean". The faults
   injected per kind are printed; a run that ends in the clean state has
   survived every one of them.
3. Runs at 100% faults, of every kind but delay, must give up before their deadline with a non-zero
   exit. With every request failing, the error names the state table. With
   every request but those on the state table failing, the errors name
   every table. A clean run of the same capsule afterwards must complete
   and reach the clean end state.

The end state is read by tests/provision/end_state.py, with requests signed
by the Python standard library, from DynamoDB Local directly with dummy
credentials. The test exits 77 (skipped) when DynamoDB Local
cannot be started or "schemareg-host provision" is not implemented.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "faultproxy"))
sys.path.insert(0, os.path.join(HERE, "provision"))
sys.path.insert(0, os.path.join(HERE, "servers"))
import ddb_server  # noqa: E402
import end_state  # noqa: E402
import faultproxy  # noqa: E402
from end_state import STATE_TABLE, CheckFailed, first_difference  # noqa: E402
PROXY = os.path.join(HERE, "faultproxy", "faultproxy.py")
PYTHON = "/usr/bin/python3"
EXIT_SKIP = 77

# Attempts per call at 20% faults: a call fails for good with probability
# 0.2^8, about 3e-6, per call.
FAULT_RUN_MAX_ATTEMPTS = 8
FAULT_RUN_WAIT_TIMEOUT_S = 120
DOOMED_MAX_ATTEMPTS = 3
DOOMED_WAIT_TIMEOUT_S = 20
# The whole 100% run must end within this many seconds.
DOOMED_DEADLINE_S = 240
# The faulted runs pass --request-timeout, and the delay fault sends its
# response later than that, so the client gives the attempt up and retries
# a request that the server has already applied.
FAULT_RUN_REQUEST_TIMEOUT_S = 2
FAULT_RUN_DELAY_MS = 3000

TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "AKIAFAULTTEST",
    "AWS_SECRET_ACCESS_KEY": "faulttestsecretkey",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PAGER": "",
}
UNSET_VARIABLES = (
    "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
)


def isolated_environment():
    environment = {name: value for name, value in os.environ.items()
                   if name not in UNSET_VARIABLES}
    environment.update(TEST_ENVIRONMENT)
    return environment


class Upstream:
    def __init__(self, port):
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.dynamodb = end_state.DynamoDB(
            self.endpoint, TEST_ENVIRONMENT["AWS_REGION"],
            TEST_ENVIRONMENT["AWS_ACCESS_KEY_ID"], TEST_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"])


def capsule_state(upstream, capsule):
    """Returns everything provisioning left for capsule, keyed by the bare
    table name, so that two capsules compare equal when provisioned alike."""
    records = end_state.checkpoints(upstream.dynamodb, capsule)
    return {"tables": end_state.snapshot(upstream.dynamodb, capsule),
            "checkpoints": end_state.comparable_checkpoints(records, capsule)}


def state_difference(upstream, clean, capsule):
    """Returns the first difference between the end state of capsule and
    clean, or None. A check that fails while reading it, such as a seed
    recorded twice, is returned as the difference."""
    try:
        return first_difference(clean, capsule_state(upstream, capsule))
    except CheckFailed as failure:
        return str(failure)


class Host:
    def __init__(self, path, plugin_dir):
        self.path = path
        self.plugin_dir = plugin_dir

    def provision(self, capsule, endpoint, max_attempts, wait_timeout_s, timeout_s=600,
                  request_timeout_s=None):
        command = [self.path, "provision", "--capsule", capsule,
                   "--endpoint-url", endpoint, "--plugin-dir", self.plugin_dir,
                   "--max-attempts", str(max_attempts),
                   "--wait-timeout", str(wait_timeout_s), "--json"]
        if request_timeout_s is not None:
            command += ["--request-timeout", str(request_timeout_s)]
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True,
                                env=isolated_environment(), timeout=timeout_s, check=False)
        result.elapsed_s = time.monotonic() - started
        return result

    def provision_is_implemented(self):
        """Runs provision without a capsule, which an implemented command
        rejects as a usage error before it sends any request."""
        result = subprocess.run([self.path, "provision", "--plugin-dir", self.plugin_dir],
                                capture_output=True, text=True, env=isolated_environment(),
                                timeout=60, check=False)
        return "not implemented" not in (result.stdout + result.stderr).lower()


class Proxy:
    def __init__(self, upstream_port, rate, seed, kinds, delay_ms, pass_tables=()):
        self.stats_path = tempfile.mktemp(prefix="fault-provision-stats-", suffix=".json")
        pass_options = [option for table in pass_tables for option in ("--pass-table", table)]
        self.process = subprocess.Popen(
            [PYTHON, PROXY, "--upstream", str(upstream_port), "--rate", str(rate),
             "--seed", str(seed), "--kinds", kinds, "--delay-ms", str(delay_ms),
             "--stats", self.stats_path, *pass_options],
            stdout=subprocess.PIPE, text=True)
        self.endpoint = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.process.stdout.close()
        with open(self.stats_path, encoding="utf-8") as file:
            stats = json.load(file)
        os.unlink(self.stats_path)
        return stats


def print_run(label, result):
    print(f"--- {label}: exit {result.returncode} after {result.elapsed_s:.1f} s")
    if result.returncode != 0:
        print(result.stdout[-4000:])
        print(result.stderr[-4000:])


def print_fault_table(rows, kinds):
    print(f"{'kind':40} {'injected':>9} {'survived':>9}")
    for kind in kinds:
        injected = sum(row["injected"].get(kind, 0) for row in rows)
        survived = sum(row["injected"].get(kind, 0) for row in rows if row["survived"])
        print(f"{kind:40} {injected:9} {survived:9}")
    total_injected = sum(sum(row["injected"].values()) for row in rows)
    total_survived = sum(sum(row["injected"].values()) for row in rows if row["survived"])
    total_requests = sum(row["requests"] for row in rows)
    print(f"{'total':40} {total_injected:9} {total_survived:9}"
          f"   ({total_requests} requests through the proxy)")


def fault_runs(host, upstream, clean, seeds, rate, kinds):
    """Runs one faulted provision per seed; returns the failures."""
    failures = []
    rows = []
    for seed in seeds:
        capsule = f"fault-s{seed}"
        proxy = Proxy(upstream.port, rate, seed, kinds, delay_ms=FAULT_RUN_DELAY_MS)
        try:
            result = host.provision(capsule, proxy.endpoint, FAULT_RUN_MAX_ATTEMPTS,
                                    FAULT_RUN_WAIT_TIMEOUT_S,
                                    request_timeout_s=FAULT_RUN_REQUEST_TIMEOUT_S)
        finally:
            stats = proxy.stop()
        print_run(f"seed {seed} at rate {rate}", result)
        print(f"    faults: {json.dumps({k: v for k, v in stats['injected'].items() if v})}"
              f" in {stats['requests']} requests")

        problem = None
        if result.returncode != 0:
            problem = f"seed {seed}: provision exited {result.returncode}"
        else:
            difference = state_difference(upstream, clean, capsule)
            if difference:
                problem = f"seed {seed}: end state differs from the clean run: {difference}"
        if problem:
            failures.append(problem)
        rows.append({"injected": stats["injected"], "requests": stats["requests"],
                     "survived": problem is None})
    print_fault_table(rows, sorted(rows[0]["injected"]) if rows else [])
    return failures


def doomed_provision(host, upstream, capsule, kinds, pass_tables):
    """Runs provision at 100% faults; returns the result and fault stats."""
    proxy = Proxy(upstream.port, 1.0, 1, kinds, delay_ms=0, pass_tables=pass_tables)
    try:
        result = host.provision(capsule, proxy.endpoint, DOOMED_MAX_ATTEMPTS,
                                DOOMED_WAIT_TIMEOUT_S, timeout_s=DOOMED_DEADLINE_S + 60)
    finally:
        stats = proxy.stop()
    return result, stats


def check_gave_up(result, label, names):
    """Returns the failures of a run that should have given up in time with
    an error naming each of names."""
    failures = []
    if result.returncode == 0:
        failures.append(f"{label}: provision exited 0")
    if result.elapsed_s > DOOMED_DEADLINE_S:
        failures.append(f"{label}: provision took {result.elapsed_s:.0f} s, "
                        f"more than the {DOOMED_DEADLINE_S} s deadline")
    output = result.stdout + result.stderr
    for name in names:
        if name not in output:
            failures.append(f"{label}: no error names {name}")
    return failures


def doomed_run(host, upstream, clean, kinds):
    """Runs provision at 100% faults, first on every request and then on
    every request but those on the state table, then a clean run of the
    same capsule."""
    failures = []
    capsule = "doomed"

    result, stats = doomed_provision(host, upstream, capsule, kinds, [])
    print_run("rate 1.0", result)
    print(f"    faults: {json.dumps({k: v for k, v in stats['injected'].items() if v})}")
    failures += check_gave_up(result, "100% faults", [STATE_TABLE])

    result, stats = doomed_provision(host, upstream, capsule, kinds, [STATE_TABLE])
    print_run(f"rate 1.0 except on {STATE_TABLE}", result)
    print(f"    faults: {json.dumps({k: v for k, v in stats['injected'].items() if v})}")
    tables = [f"{capsule}-{table}" for table in clean["tables"]]
    failures += check_gave_up(result, f"100% faults except on {STATE_TABLE}", tables)

    recovery = host.provision(capsule, upstream.endpoint, FAULT_RUN_MAX_ATTEMPTS,
                              FAULT_RUN_WAIT_TIMEOUT_S)
    print_run("clean run after 100% faults", recovery)
    if recovery.returncode != 0:
        failures.append(f"clean run after 100% faults exited {recovery.returncode}")
    else:
        difference = state_difference(upstream, clean, capsule)
        if difference:
            failures.append(f"clean run after 100% faults: end state differs: {difference}")
    return failures


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", required=True, help="path of schemareg-host")
    parser.add_argument("--plugin-dir", required=True, help="directory of the example plugins")
    parser.add_argument("--seeds", default="1,2,3,4,5",
                        help="comma-separated proxy seeds, one faulted run each")
    parser.add_argument("--rate", type=float, default=0.2, help="fault rate of the seeded runs")
    parser.add_argument("--kinds", default="all", help="fault kinds, as faultproxy.py --kinds")
    return parser.parse_args()


def main():
    arguments = parse_arguments()
    host = Host(arguments.host, arguments.plugin_dir)
    if not os.access(host.path, os.X_OK):
        print(f"skipped: {host.path} not built", file=sys.stderr)
        return EXIT_SKIP
    if not host.provision_is_implemented():
        print("skipped: schemareg-host provision is not implemented", file=sys.stderr)
        return EXIT_SKIP

    server_pid = None
    if os.environ.get("SCHEMAREG_TEST_UPSTREAM_PORT"):
        port = int(os.environ["SCHEMAREG_TEST_UPSTREAM_PORT"])
    else:
        port, server_pid = ddb_server.start_dynamodb_local()
    upstream = Upstream(port)
    seeds = [int(seed) for seed in arguments.seeds.split(",")]
    kinds = arguments.kinds
    if kinds == "all":
        kinds = ",".join(faultproxy.ALL_KINDS)
    # At 100% faults every attempt of every request would wait out the
    # request timeout, which tests nothing that the other kinds do not.
    doomed_kinds = ",".join(kind for kind in kinds.split(",") if kind != "delay")

    failures = []
    try:
        clean_run = host.provision("clean", upstream.endpoint, FAULT_RUN_MAX_ATTEMPTS,
                                   FAULT_RUN_WAIT_TIMEOUT_S)
        print_run("clean run", clean_run)
        if clean_run.returncode != 0:
            raise CheckFailed(f"the clean run exited {clean_run.returncode}")
        clean = capsule_state(upstream, "clean")
        if not clean["tables"]:
            raise CheckFailed("the clean run created no tables")
        print(f"clean end state: {len(clean['tables'])} tables, "
              f"{sum(len(t['items']) for t in clean['tables'].values())} items, "
              f"{len(clean['checkpoints'])} checkpoints")

        failures += fault_runs(host, upstream, clean, seeds, arguments.rate, kinds)
        failures += doomed_run(host, upstream, clean, doomed_kinds)
    except CheckFailed as failure:
        failures.append(str(failure))
    finally:
        if server_pid is not None:
            ddb_server.stop(server_pid)

    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
