#!/usr/bin/python3
"""Integration tests: the real schemareg-host against a real DynamoDB server.

Usage: integration.py CASE

Run it through tests/servers/ddb-server, which starts DynamoDB Local or
dynalite and sets SCHEMAREG_TEST_ENDPOINT, SCHEMAREG_TEST_SERVER and dummy
AWS credentials. The meson build also sets:

  SCHEMAREG_HOST          path of the schemareg-host binary
  TEST_PLUGINS_BASE       directory of the test plugins as first declared
  TEST_PLUGINS_EXTENDED   the same plugins with one more index on users and plans
  TEST_PLUGINS_INVALID    the billing plugin next to one that fails validation
  TEST_PLUGINS_EXAMPLES   the example plugins of plugins/
  TEST_PLUGINS_BULK       the generated plugin with 300 seeds over 6 tables

The end state is checked with an independent client: the AWS CLI
(/usr/bin/aws) and direct requests signed with SigV4 from the Python
standard library (end_state.py, which kill_resume.py and the fault test
share). Each case prints what it checks and exits 0 on success,
1 on failure.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import end_state
from end_state import (STATE_TABLE, CheckFailed, check, check_done_kept, check_done_skipped,
                       check_equal, done_records)

ENDPOINT = os.environ.get("SCHEMAREG_TEST_ENDPOINT", "")
SERVER = os.environ.get("SCHEMAREG_TEST_SERVER", "")
HOST = os.environ.get("SCHEMAREG_HOST", "")
PLUGINS_BASE = os.environ.get("TEST_PLUGINS_BASE", "")
PLUGINS_EXTENDED = os.environ.get("TEST_PLUGINS_EXTENDED", "")
PLUGINS_INVALID = os.environ.get("TEST_PLUGINS_INVALID", "")
PLUGINS_EXAMPLES = os.environ.get("TEST_PLUGINS_EXAMPLES", "")
PLUGINS_BULK = os.environ.get("TEST_PLUGINS_BULK", "")
AWS_CLI = "/usr/bin/aws"
REGION = os.environ.get("AWS_REGION", "us-east-1")
HOST_TIMEOUT_S = 300

# What the test plugins declare (tests/provision/plugins), written out by
# hand so the host's own reading of the plugins is not what is checked.
EXPECTED_TABLES = {
    "invoices": {
        "keys": [("pk", "HASH", "S"), ("sk", "RANGE", "S")],
        "billing": "PAY_PER_REQUEST",
        "gsis": {
            "by-customer": {
                "keys": [("customer", "HASH", "S"), ("issued_at", "RANGE", "N")],
                "projection": "ALL",
                "non_key": [],
            },
        },
        "ttl": "expires_at",
    },
    "plans": {
        "keys": [("plan_id", "HASH", "S")],
        "billing": "PROVISIONED",
        "throughput": (5, 2),
        "gsis": {},
        "ttl": None,
    },
    "users": {
        "keys": [("user_id", "HASH", "S")],
        "billing": "PAY_PER_REQUEST",
        "gsis": {
            "by-email": {
                "keys": [("email", "HASH", "S")],
                "projection": "KEYS_ONLY",
                "non_key": [],
            },
            "by-org": {
                "keys": [("org", "HASH", "S"), ("name", "RANGE", "S")],
                "projection": "INCLUDE",
                "non_key": ["role"],
            },
        },
        "ttl": "purge_at",
    },
}

EXTRA_GSIS = {
    "users": {
        "by-created": {
            "keys": [("org", "HASH", "S"), ("created_at", "RANGE", "N")],
            "projection": "ALL",
            "non_key": [],
        },
    },
    "plans": {
        "by-label": {
            "keys": [("label", "HASH", "S")],
            "projection": "KEYS_ONLY",
            "non_key": [],
        },
    },
}

EXPECTED_SEEDS = {
    "plans": [
        {"plan_id": {"S": "free"}, "price_cents": {"N": "0"}, "label": {"S": "Free"}},
        {"plan_id": {"S": "pro"}, "price_cents": {"N": "2500"}, "label": {"S": "Pro"}},
    ],
    "users": [
        {"user_id": {"S": "admin"}, "email": {"S": "admin@example.com"},
         "org": {"S": "root"}, "name": {"S": "Administrator"}, "role": {"S": "owner"}},
    ],
    "invoices": [],
}

# What the generated bulk plugin declares (tests/provision/plugins/
# generate_bulk.py): services in declaration order of the plugin, each
# with its tables in declaration order, and 50 seeds per table.
BULK_PROVIDERS = [("zeta", ["logs", "audit", "metrics"]), ("alpha", ["orders", "items", "events"])]
BULK_SEEDS_PER_TABLE = 50
BULK_STEP_COUNT = 6 + 6 * BULK_SEEDS_PER_TABLE

# Steps the checkpoints hold after a complete run of the base plugins.
BASE_STEP_COUNT = 3 + 3 + 2 + 3  # tables, indexes, TTL settings, seeds


# --- Independent DynamoDB client -------------------------------------------

DYNAMODB = end_state.DynamoDB(ENDPOINT, REGION, os.environ.get("AWS_ACCESS_KEY_ID", ""),
                              os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
ddb = DYNAMODB.call
ddb_ok = DYNAMODB.call_ok
table_names = DYNAMODB.table_names
scan_all = DYNAMODB.scan_all


def aws_cli(*args):
    """Runs the AWS CLI against the test endpoint and returns its JSON output."""
    command = [AWS_CLI, "dynamodb", *args, "--endpoint-url", ENDPOINT,
               "--region", REGION, "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    check(result.returncode == 0, f"{' '.join(args[:1])} failed: {result.stderr.strip()}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def state_items(capsule, state_table=STATE_TABLE):
    return DYNAMODB.state_items(capsule, state_table)


def checkpoints(capsule, state_table=STATE_TABLE):
    return end_state.checkpoints(DYNAMODB, capsule, state_table)


def snapshot(capsule):
    return end_state.snapshot(DYNAMODB, capsule)


# --- Running the host ---------------------------------------------------------

class Run:
    def __init__(self, returncode, stdout, stderr, elapsed):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed

    def summary(self):
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:
            raise CheckFailed(f"stdout is not JSON ({error}): {self.stdout[:500]}")

    def steps(self):
        return [step for capsule in self.summary()["capsules"] for step in capsule["steps"]]

    def count(self, outcome):
        return sum(1 for step in self.steps() if step["outcome"] == outcome)


def host(command, *args, plugins=None, env_extra=None, endpoint=ENDPOINT):
    """Runs schemareg-host; env_extra values of None remove a variable."""
    argv = [HOST, command, *args]
    if command != "list":
        argv += ["--endpoint-url", endpoint, "--region", REGION]
    env = dict(os.environ)
    env["SCHEMAREG_PLUGIN_PATH"] = plugins or PLUGINS_BASE
    for name, value in (env_extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    started = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, env=env,
                            timeout=HOST_TIMEOUT_S)
    run = Run(result.returncode, result.stdout, result.stderr, time.monotonic() - started)
    print(f"$ {' '.join(argv[1:])} -> exit {run.returncode} in {run.elapsed:.1f}s")
    return run


def provision(capsules, *args, wait_timeout=60, plugins=None, env_extra=None):
    capsule_args = [arg for capsule in capsules for arg in ("--capsule", capsule)]
    return host("provision", *capsule_args, "--json", "--wait-timeout", str(wait_timeout),
                *args, plugins=plugins, env_extra=env_extra)


def check_exit(run, expected, what):
    if run.returncode != expected:
        raise CheckFailed(f"{what}: exit {run.returncode}, expected {expected}\n"
                          f"stdout:\n{run.stdout[-3000:]}\nstderr:\n{run.stderr[-3000:]}")


# --- End-state checks -----------------------------------------------------------

def check_table_cli(capsule, bare, expected, gsis):
    """Checks one table field by field with the AWS CLI."""
    name = f"{capsule}-{bare}"
    table = aws_cli("describe-table", "--table-name", name)["Table"]
    definitions = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}

    check_equal(table["TableStatus"], "ACTIVE", f"{name} status")
    check_equal([(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]],
                [(n, role) for n, role, _ in expected["keys"]], f"{name} key schema")
    for attribute, _, attribute_type in expected["keys"]:
        check_equal(definitions.get(attribute), attribute_type, f"{name} type of {attribute}")

    billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    check_equal(billing, expected["billing"], f"{name} billing mode")
    if expected["billing"] == "PROVISIONED":
        throughput = table["ProvisionedThroughput"]
        check_equal((throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]),
                    expected["throughput"], f"{name} provisioned throughput")

    described = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
    check_equal(sorted(described), sorted(gsis), f"{name} index names")
    for index_name, index in gsis.items():
        actual = described[index_name]
        check_equal(actual["IndexStatus"], "ACTIVE", f"{name} {index_name} status")
        check_equal([(k["AttributeName"], k["KeyType"]) for k in actual["KeySchema"]],
                    [(n, role) for n, role, _ in index["keys"]], f"{name} {index_name} keys")
        for attribute, _, attribute_type in index["keys"]:
            check_equal(definitions.get(attribute), attribute_type,
                        f"{name} type of index key {attribute}")
        check_equal(actual["Projection"]["ProjectionType"], index["projection"],
                    f"{name} {index_name} projection")
        check_equal(sorted(actual["Projection"].get("NonKeyAttributes", [])),
                    index["non_key"], f"{name} {index_name} projected attributes")

    if expected["ttl"]:
        ttl = aws_cli("describe-time-to-live", "--table-name", name)["TimeToLiveDescription"]
        check(ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"),
              f"{name} TTL status is {ttl.get('TimeToLiveStatus')}")
        check_equal(ttl.get("AttributeName"), expected["ttl"], f"{name} TTL attribute")

    items = aws_cli("scan", "--table-name", name, "--consistent-read")["Items"]
    key_names = [n for n, _, _ in expected["keys"]]
    sort_key = lambda item: json.dumps([item[k] for k in key_names])
    check_equal(normalize_item(sorted(items, key=sort_key)),
                normalize_item(sorted(EXPECTED_SEEDS[bare], key=sort_key)), f"{name} items")


def check_capsule_cli(capsule, extra_gsi=False, ttl=True):
    for bare, expected in EXPECTED_TABLES.items():
        if not ttl:
            expected = dict(expected, ttl=None)
        gsis = dict(expected["gsis"])
        if extra_gsi:
            gsis.update(EXTRA_GSIS.get(bare, {}))
        check_table_cli(capsule, bare, expected, gsis)
    print(f"capsule {capsule}: every table, key, index, TTL and seed checked with the AWS CLI")


def normalize_item(value):
    """Sorts string, number and binary sets, whose order DynamoDB does not keep."""
    if isinstance(value, dict):
        return {key: sorted(inner) if key in ("SS", "NS", "BS") else normalize_item(inner)
                for key, inner in value.items()}
    if isinstance(value, list):
        return [normalize_item(inner) for inner in value]
    return value


def declared_examples():
    """Returns what the example plugins declare, as `schemareg-host list --json`
    reads it: a list of (table declaration, seed items) per table."""
    listing = host("list", "--json", plugins=PLUGINS_EXAMPLES)
    check_exit(listing, 0, "list the example plugins")
    tables = []
    for plugin in json.loads(listing.stdout)["plugins"]:
        for provider in plugin["providers"]:
            for table in provider["tables"]:
                seeds = [json.loads(seed["item_json"]) for seed in provider.get("seeds", [])
                         if seed["table"] == table["name"]]
                tables.append((table, seeds))
    return tables


def check_declared_table_cli(capsule, table, seeds):
    """Checks one declared table of the model field by field with the AWS CLI."""
    name = f"{capsule}-{table['name']}"
    types = {a["name"]: a["type"] for a in table["attributes"]}
    expected = {
        "keys": [(k["attribute_name"], k["key_type"], types[k["attribute_name"]])
                 for k in table["key_schema"]],
        "billing": table["billing_mode"],
        "throughput": (table["read_capacity_units"], table["write_capacity_units"]),
        "ttl": table["ttl_attribute"],
    }
    gsis = {
        g["index_name"]: {
            "keys": [(k["attribute_name"], k["key_type"], types[k["attribute_name"]])
                     for k in g["key_schema"]],
            "projection": g["projection_type"],
            "non_key": sorted(g["non_key_attributes"]),
        }
        for g in table["gsis"]
    }
    EXPECTED_SEEDS[table["name"]] = seeds
    check_table_cli(capsule, table["name"], expected, gsis)


# --- Cases ------------------------------------------------------------------------

def case_end_state():
    run = provision(["acme"])
    check_exit(run, 0, "provision acme")
    check_equal(run.count("failed"), 0, "failed steps")
    check_equal(run.count("created"), 3 + 3 + 2, "tables, indexes and TTL settings created")
    check_equal(run.count("written"), 3, "seeds written")
    check_capsule_cli("acme")

    records = checkpoints("acme")
    check_equal(len(records), BASE_STEP_COUNT, "checkpoint records")
    check(all(r["status"]["S"] == "done" for r in records.values()), "every record is done")
    check_equal(sorted(s for s in records if s.startswith("table#")),
                ["table#accounts#users", "table#billing#invoices", "table#billing#plans"],
                "table steps")


def case_examples_end_state():
    declared = declared_examples()
    check(len(declared) >= 3, f"the example plugins declare only {len(declared)} tables")

    run = provision(["acme"], plugins=PLUGINS_EXAMPLES)
    check_exit(run, 0, "provision the example plugins into acme")
    for table, seeds in declared:
        check_declared_table_cli("acme", table, seeds)
    print(f"capsule acme: {len(declared)} example tables checked with the AWS CLI")

    again = provision(["acme"], plugins=PLUGINS_EXAMPLES)
    check_exit(again, 0, "second provision of the example plugins")
    for outcome in ("created", "written", "failed"):
        check_equal(again.count(outcome), 0, f"second run steps {outcome}")


def case_second_run_writes_nothing():
    check_exit(provision(["acme"]), 0, "first provision")
    before = snapshot("acme")
    records_before = checkpoints("acme")

    run = provision(["acme"])
    check_exit(run, 0, "second provision")
    for outcome in ("created", "written", "failed"):
        check_equal(run.count(outcome), 0, f"second run steps {outcome}")
    check_equal(run.count("skipped"), BASE_STEP_COUNT, "second run steps skipped")
    check_equal(snapshot("acme"), before, "end state after the second run")
    check_equal(checkpoints("acme"), records_before, "checkpoint records after the second run")

    plan = host("plan", "--capsule", "acme", "--json")
    check_exit(plan, 0, "plan after provision")


def case_user_edit_kept():
    check_exit(provision(["acme"]), 0, "first provision")
    aws_cli("update-item", "--table-name", "acme-plans",
            "--key", json.dumps({"plan_id": {"S": "pro"}}),
            "--update-expression", "SET label = :l, price_cents = :p",
            "--expression-attribute-values",
            json.dumps({":l": {"S": "Pro (edited)"}, ":p": {"N": "1999"}}))

    run = provision(["acme"])
    check_exit(run, 0, "provision after the edit")
    # A new state table has no checkpoints, so every seed is written again
    # with its condition, which must keep the edited item.
    run = provision(["acme"], "--state-table", "schemareg-state-fresh")
    check_exit(run, 0, "provision with an empty state table")
    check_equal(run.count("written"), 0, "seeds written over existing items")
    check_equal(run.count("already_present") >= 3, True, "seeds found already present")

    item = aws_cli("get-item", "--table-name", "acme-plans", "--consistent-read",
                   "--key", json.dumps({"plan_id": {"S": "pro"}}))["Item"]
    check_equal(item["label"], {"S": "Pro (edited)"}, "edited label")
    check_equal(item["price_cents"], {"N": "1999"}, "edited price")
    print("the edited seed kept the user's values")


def case_two_capsules():
    run = provision(["acme", "beta"])
    check_exit(run, 0, "provision acme and beta")
    check_capsule_cli("acme")
    check_capsule_cli("beta")
    check_equal(snapshot("acme"), snapshot("beta"), "acme and beta end states")
    check_equal(len(checkpoints("acme")), BASE_STEP_COUNT, "acme checkpoint records")
    check_equal(len(checkpoints("beta")), BASE_STEP_COUNT, "beta checkpoint records")
    check(all(r["table_name"]["S"].startswith("beta-") for r in checkpoints("beta").values()),
          "beta's records name only beta tables")

    aws_cli("update-item", "--table-name", "beta-plans",
            "--key", json.dumps({"plan_id": {"S": "free"}}),
            "--update-expression", "SET label = :l",
            "--expression-attribute-values", json.dumps({":l": {"S": "beta only"}}))
    item = aws_cli("get-item", "--table-name", "acme-plans", "--consistent-read",
                   "--key", json.dumps({"plan_id": {"S": "free"}}))["Item"]
    check_equal(item["label"], {"S": "Free"}, "acme seed after editing beta")


def case_sigkill_resume():
    reference = provision(["ref"])
    check_exit(reference, 0, "reference provision")
    total = reference.summary()["requests"]
    expected_state = snapshot("ref")
    expected_steps = sorted(checkpoints("ref"))
    check(total >= 12, f"the reference run made only {total} requests")

    # A dozen kill points spread over the whole run, first and last included.
    points = sorted({1 + (total - 1) * i // 11 for i in range(12)})
    print(f"reference run: {total} requests; killing after {points}")
    for point in points:
        capsule = f"kill{point}"
        killed = provision([capsule], env_extra={
            "SCHEMAREG_TEST_KILL_AFTER_REQUESTS": str(point)})
        check_exit(killed, -signal.SIGKILL, f"run killed after request {point}")
        before = checkpoints(capsule)

        rerun = provision([capsule])
        check_exit(rerun, 0, f"re-run after the kill at request {point}")
        check_equal(snapshot(capsule), expected_state, f"end state after the kill at {point}")
        after = checkpoints(capsule)
        check_equal(sorted(after), expected_steps, f"checkpoint steps after the kill at {point}")

        # No step that a checkpoint recorded done is done or recorded again.
        check_done_kept(before, after, f"re-run after the kill at {point}")
        check_done_skipped(before, rerun.steps(), f"re-run after the kill at {point}")
        print(f"kill after request {point}: {len(before)} step(s) recorded before the kill; "
              f"re-run converged")


def case_drift_reported():
    aws_cli("create-table", "--table-name", "acme-plans",
            "--attribute-definitions", "AttributeName=id,AttributeType=N",
            "--key-schema", "AttributeName=id,KeyType=HASH",
            "--billing-mode", "PAY_PER_REQUEST")
    run = provision(["acme"])
    check_exit(run, 1, "provision with a drifted table")
    drift = [s for s in run.steps() if s["outcome"] == "drift"]
    check_equal([s["table"] for s in drift], ["acme-plans"], "drifted tables")
    check("plan_id" in drift[0]["message"] and "id (N)" in drift[0]["message"],
          f"drift message names both key schemas: {drift[0]['message']}")

    table = aws_cli("describe-table", "--table-name", "acme-plans")["Table"]
    check_equal(table["KeySchema"], [{"AttributeName": "id", "KeyType": "HASH"}],
                "drifted table left as it was")
    check_table_cli("acme", "users", EXPECTED_TABLES["users"], EXPECTED_TABLES["users"]["gsis"])

    human = host("provision", "--capsule", "acme")
    check_exit(human, 1, "provision without --json")
    check("acme-plans" in human.stdout and "drift" in human.stdout.lower(),
          f"human output names the drifted table:\n{human.stdout}")

    plan = host("plan", "--capsule", "acme")
    check_exit(plan, 1, "plan with a drifted table")


def case_missing_gsi_added():
    check_exit(provision(["acme"]), 0, "provision with the base plugins")
    plan = host("plan", "--capsule", "acme", "--json", plugins=PLUGINS_EXTENDED)
    check_exit(plan, 2, "plan with a new index declared")

    run = provision(["acme"], plugins=PLUGINS_EXTENDED)
    check_exit(run, 0, "provision with the extended plugins")
    created = [(s["table"], s["name"]) for s in run.steps()
               if s["kind"] == "gsi" and s["outcome"] == "created"]
    check_equal(created, [("acme-users", "by-created"), ("acme-plans", "by-label")],
                "indexes created")
    check_capsule_cli("acme", extra_gsi=True)
    records = checkpoints("acme")
    for step in ("gsi#accounts#users#by-created", "gsi#billing#plans#by-label"):
        check_equal(records[step]["status"]["S"], "done", f"checkpoint {step}")


def case_index_build_in_progress():
    check_exit(provision(["acme"]), 0, "provision with the base plugins")

    # DynamoDB Local with -delayTransientStatuses keeps a new index CREATING
    # for several seconds, longer than this wait.
    run = provision(["acme"], wait_timeout=2, plugins=PLUGINS_EXTENDED)
    check_exit(run, 3, "provision that times out on an index build")
    building = [(s["table"], s["name"]) for s in run.steps() if s["outcome"] == "in_progress"]
    check_equal(building, [("acme-users", "by-created"), ("acme-plans", "by-label")],
                "indexes in progress")
    records = checkpoints("acme")
    for step in ("gsi#accounts#users#by-created", "gsi#billing#plans#by-label"):
        check_equal(records[step]["status"]["S"], "in_progress", f"checkpoint {step}")
    check_equal(run.count("failed"), 0, "failed steps while the index is built")

    run = provision(["acme"], wait_timeout=120, plugins=PLUGINS_EXTENDED)
    check_exit(run, 0, "provision run again after the index build")
    check_capsule_cli("acme", extra_gsi=True)
    records = checkpoints("acme")
    for step in ("gsi#accounts#users#by-created", "gsi#billing#plans#by-label"):
        check_equal(records[step]["status"]["S"], "done", f"checkpoint {step}")


def case_deleted_table_recreated():
    check_exit(provision(["acme"]), 0, "first provision")
    ddb_ok("DeleteTable", {"TableName": "acme-plans"})
    for _ in range(100):
        if "acme-plans" not in table_names():
            break
        time.sleep(0.2)

    run = provision(["acme"])
    check_exit(run, 0, "provision after deleting a table")
    table_steps = [s for s in run.steps() if s["table"] == "acme-plans"]
    check_equal([(s["kind"], s["outcome"]) for s in table_steps],
                [("table", "created"), ("seed", "written"), ("seed", "written")],
                "steps of the deleted table")
    check_capsule_cli("acme")


def case_invalid_plugin_stops():
    run = provision(["acme"], plugins=PLUGINS_INVALID)
    check_exit(run, 1, "provision with an invalid plugin")
    check_equal(table_names(), [], "tables after a refused run")

    plan = host("plan", "--capsule", "acme", "--json", plugins=PLUGINS_INVALID)
    check_exit(plan, 1, "plan with an invalid plugin")
    plan = host("plan", "--capsule", "acme", "--json", "--skip-invalid",
                plugins=PLUGINS_INVALID)
    check_exit(plan, 2, "plan --skip-invalid: changes pending")
    check_equal(len(plan.summary()["skipped_plugins"]), 1, "plugins skipped by plan")
    tables = sorted({s["table"] for s in plan.steps()})
    check_equal(tables, ["acme-invoices", "acme-plans"], "tables planned")
    # 2 means "changes pending" for plan, so a usage error exits 1.
    for args in (["--bogus"], [], ["--capsule", "ACME"]):
        check_exit(host("plan", *args), 1, f"plan usage error {args}")

    run = provision(["acme"], "--skip-invalid", plugins=PLUGINS_INVALID)
    check_exit(run, 0, "provision --skip-invalid")
    check_equal(sorted(table_names()), ["acme-invoices", "acme-plans", STATE_TABLE],
                "tables of the valid plugin")


def case_plan_and_status():
    plan = host("plan", "--capsule", "acme", "--json")
    check_exit(plan, 2, "plan before provision")
    pending = [s for c in plan.summary()["capsules"] for s in c["steps"]
               if s["outcome"] == "pending"]
    check_equal(len(pending), 3 + 2 + 3, "pending tables, TTL settings and seeds")
    check_equal(table_names(), [], "tables after plan (plan writes nothing)")

    check_exit(provision(["acme"]), 0, "provision")
    status = host("status", "--capsule", "acme", "--json")
    check_exit(status, 0, "status")
    capsules = json.loads(status.stdout)["capsules"]
    check_equal([c["capsule"] for c in capsules], ["acme"], "status capsules")
    records = capsules[0]["records"]
    check_equal(len(records), BASE_STEP_COUNT, "status records")
    check(all(r["status"] == "done" for r in records), "status shows every step done")
    keys = sorted(r["key"] for r in records if r["step"].startswith("seed#"))
    check_equal(keys, ["plan_id=free", "plan_id=pro", "user_id=admin"], "status seed keys")

    human = host("status", "--capsule", "acme")
    seed_lines = [line for line in human.stdout.splitlines() if "seed#billing#plans#" in line]
    check_equal(len(seed_lines), 2, f"status lines of plans seeds:\n{human.stdout}")
    check(any(line.endswith("  plan_id=free") for line in seed_lines),
          f"status shows each seed's key next to its step:\n{human.stdout}")

    # A record changed by someone with write access to the state table must
    # not reach the terminal with its control characters.
    ddb_ok("PutItem", {"TableName": STATE_TABLE, "Item": {
        "capsule": {"S": "acme"}, "step": {"S": "note#\x1b[32mALL GOOD"},
        "status": {"S": "done"}, "detail": {"S": "line one\nforged: line two"}}})
    forged = host("status", "--capsule", "acme")
    check_exit(forged, 0, "status with a forged record")
    check("\x1b" not in forged.stdout, f"raw escape in status output:\n{forged.stdout!r}")
    check("note#\\x1b[32mALL GOOD" in forged.stdout,
          f"escaped step in status output:\n{forged.stdout!r}")
    check("line one\\x0aforged: line two" in forged.stdout,
          f"escaped newline in status output:\n{forged.stdout!r}")
    ddb_ok("DeleteItem", {"TableName": STATE_TABLE, "Key": {
        "capsule": {"S": "acme"}, "step": {"S": "note#\x1b[32mALL GOOD"}}})

    # Two capsules, one of them never provisioned: the same shape.
    both = host("status", "--capsule", "acme", "--capsule", "beta", "--json")
    check_exit(both, 0, "status of two capsules")
    capsules = json.loads(both.stdout)["capsules"]
    check_equal([(c["capsule"], len(c["records"])) for c in capsules],
                [("acme", BASE_STEP_COUNT), ("beta", 0)], "status of acme and beta")


def case_ttl_drift_reported():
    check_exit(provision(["acme"]), 0, "first provision")
    # Someone moves TTL of acme-users to another attribute and disables
    # it on acme-invoices, behind the checkpoints' back.
    aws_cli("update-time-to-live", "--table-name", "acme-users", "--time-to-live-specification",
            "Enabled=false,AttributeName=purge_at")
    aws_cli("update-time-to-live", "--table-name", "acme-users", "--time-to-live-specification",
            "Enabled=true,AttributeName=other_ttl")
    aws_cli("update-time-to-live", "--table-name", "acme-invoices",
            "--time-to-live-specification", "Enabled=false,AttributeName=expires_at")

    plan = host("plan", "--capsule", "acme", "--json")
    check_exit(plan, 1, "plan with TTL changed by hand")
    drift = {s["table"]: s["message"] for s in plan.steps() if s["outcome"] == "drift"}
    check_equal(sorted(drift), ["acme-invoices", "acme-users"], "tables with TTL drift (plan)")
    check("other_ttl" in drift["acme-users"], f"plan message: {drift['acme-users']}")
    check("DISABLED" in drift["acme-invoices"], f"plan message: {drift['acme-invoices']}")
    human = host("plan", "--capsule", "acme")
    check("capsule acme: 0 change(s) pending, 2 drift, 0 error(s)" in human.stdout,
          f"plan summary:\n{human.stdout}")

    run = provision(["acme"])
    check_exit(run, 1, "provision with TTL changed by hand")
    drift = {s["table"]: s["message"] for s in run.steps() if s["outcome"] == "drift"}
    check_equal(sorted(drift), ["acme-invoices", "acme-users"], "tables with TTL drift")
    check("other_ttl" in drift["acme-users"] and "purge_at" in drift["acme-users"],
          f"provision message: {drift['acme-users']}")
    check_equal(run.count("written") + run.count("created"), 0, "steps done by provision")

    ttl = aws_cli("describe-time-to-live", "--table-name", "acme-users")["TimeToLiveDescription"]
    check_equal(ttl.get("AttributeName"), "other_ttl", "TTL attribute left as found")

    # A recorded table replaced by hand with another key is drift too.
    ddb_ok("DeleteTable", {"TableName": "acme-plans"})
    for _ in range(100):
        if "acme-plans" not in table_names():
            break
        time.sleep(0.2)
    aws_cli("create-table", "--table-name", "acme-plans",
            "--attribute-definitions", "AttributeName=plan_id,AttributeType=N",
            "--key-schema", "AttributeName=plan_id,KeyType=HASH",
            "--billing-mode", "PAY_PER_REQUEST")
    check("table#billing#plans" in checkpoints("acme"), "acme-plans is recorded")
    for command in ("plan", "provision"):
        run = host(command, "--capsule", "acme", "--json")
        check_exit(run, 1, f"{command} with a recorded table of another key")
        drift = [s for s in run.steps() if s["outcome"] == "drift" and s["kind"] == "table"]
        check_equal([s["table"] for s in drift], ["acme-plans"], f"key drift ({command})")
        check("plan_id (N)" in drift[0]["message"], f"{command} message: {drift[0]['message']}")


def case_failures_counted():
    plan = host("plan", "--capsule", "acme", "--max-attempts", "1",
                endpoint="http://127.0.0.1:1")
    check_exit(plan, 1, "plan against an unreachable endpoint")
    check("capsule acme: 0 change(s) pending, 0 drift, 1 error(s)" in plan.stdout,
          f"plan counts the error:\n{plan.stdout}")
    check("127.0.0.1 port 1" in plan.stdout, f"plan prints the reason:\n{plan.stdout}")

    no_credentials = {name: None for name in (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")}
    no_credentials.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    run = host("provision", "--capsule", "acme", env_extra=no_credentials)
    check_exit(run, 1, "provision without credentials")
    check("capsule acme: failed (0 created, 0 written, 0 already present, 0 skipped, "
          "1 failed)" in run.stdout, f"provision counts the failure:\n{run.stdout}")
    check("credentials" in run.stdout, f"provision prints the reason:\n{run.stdout}")
    check_equal(table_names(), [], "tables after failed runs")


def case_nothing_to_provision():
    empty = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"schemareg-empty-{os.getpid()}")
    os.makedirs(empty, exist_ok=True)
    try:
        for command in ("provision", "plan"):
            run = host(command, "--capsule", "acme", "--plugin-dir", empty)
            check_exit(run, 1, f"{command} with an empty plugin directory")
            check("nothing to provision" in run.stderr and empty in run.stderr,
                  f"{command} names the directory searched:\n{run.stderr}")
            run = host(command, "--capsule", "acme", plugins=empty)
            check_exit(run, 1, f"{command} with an empty SCHEMAREG_PLUGIN_PATH")
            check(f"SCHEMAREG_PLUGIN_PATH={empty}" in run.stderr,
                  f"{command} names SCHEMAREG_PLUGIN_PATH:\n{run.stderr}")
    finally:
        os.rmdir(empty)
    check_equal(table_names(), [], "tables after runs with nothing to provision")


def case_dynalite_no_ttl_api():
    run = provision(["acme"])
    check_exit(run, 1, "provision on dynalite")
    ttl = [s for s in run.steps() if s["kind"] == "ttl"]
    check_equal(sorted(s["table"] for s in ttl), ["acme-invoices", "acme-users"], "TTL steps")
    for step in ttl:
        check_equal(step["outcome"], "failed", f"TTL outcome on {step['table']}")
        check("no TTL API" in step["message"], f"TTL message: {step['message']}")
    check_equal(run.count("written"), 3, "seeds written on dynalite")
    check_capsule_cli("acme", ttl=False)
    human = host("provision", "--capsule", "acme")
    check("no TTL API" in human.stdout + human.stderr, "human output explains the TTL failure")


def case_dynalite_index_no_progress():
    run = provision(["acme"])
    check_equal(run.count("written"), 3, "seeds written on dynalite")
    wait_timeout = 8
    run = provision(["acme"], wait_timeout=wait_timeout, plugins=PLUGINS_EXTENDED)
    check_exit(run, 1, "provision adding an index on dynalite")
    failed = {s["name"]: s["message"] for s in run.steps()
              if s["kind"] == "gsi" and s["outcome"] == "failed"}
    # dynalite 4 rejects an index without ProvisionedThroughput on an on-demand
    # table, and accepts one on a PROVISIONED table but never builds it.
    check_equal(sorted(failed), ["by-created", "by-label"], "failed indexes")
    check("ValidationException" in failed["by-created"],
          f"by-created message: {failed['by-created']}")
    check("no progress" in failed["by-label"], f"by-label message: {failed['by-label']}")
    check(run.elapsed < wait_timeout + 20, f"run took {run.elapsed:.1f}s")


def bulk_summary_order(capsule):
    """Returns the (kind, table, name) of every step of a run of the bulk
    plugin in the order the summary must list them: services by id, tables
    and seeds in declaration order."""
    order = []
    for service, tables in sorted(BULK_PROVIDERS):
        for table in tables:
            order.append(("table", f"{capsule}-{table}", None))
            order += [("seed", f"{capsule}-{table}", f"id=s{number:03d}")
                      for number in range(BULK_SEEDS_PER_TABLE)]
    return order


def summary_order(run):
    return [(s["kind"], s["table"], s.get("name")) for s in run.steps()]


def check_bulk_end_state(capsule):
    """Checks every bulk table with its 50 seeds, each present once, and
    every step recorded done."""
    for _, tables in BULK_PROVIDERS:
        for table in tables:
            items = scan_all(f"{capsule}-{table}")
            ids = sorted(item["id"]["S"] for item in items)
            check_equal(ids, [f"s{n:03d}" for n in range(BULK_SEEDS_PER_TABLE)],
                        f"seed ids in {capsule}-{table}")
    records = checkpoints(capsule)
    check_equal(len(records), BULK_STEP_COUNT, f"{capsule} checkpoint records")
    check(all(r["status"]["S"] == "done" for r in records.values()),
          f"every {capsule} record is done")


def case_many_seeds_concurrent():
    run = provision(["acme"], "--table-concurrency", "4", "--seed-concurrency", "16",
                    plugins=PLUGINS_BULK)
    check_exit(run, 0, "provision the bulk plugin concurrently")
    check_equal(run.count("written"), 6 * BULK_SEEDS_PER_TABLE, "seeds written")
    check_equal(run.count("created"), 6, "tables created")
    check_equal(summary_order(run), bulk_summary_order("acme"), "summary order of the first run")
    check_bulk_end_state("acme")
    # The seeds of a table are recorded in one batch item (50 < 100 per
    # batch), so a run needs little more than one request per seed.
    batches = [i for i in state_items("acme") if i["step"]["S"].startswith("seeds#")]
    check_equal(len(batches), 6, "batch checkpoint items")
    check(run.summary()["requests"] < 6 * BULK_SEEDS_PER_TABLE + 6 * 15,
          f"first run made {run.summary()['requests']} requests")
    print(f"first run: {run.summary()['requests']} requests in {run.elapsed:.1f}s")

    again = provision(["acme"], plugins=PLUGINS_BULK)
    check_exit(again, 0, "second provision of the bulk plugin")
    check_equal(again.count("skipped"), BULK_STEP_COUNT, "second run steps skipped")
    check_equal(summary_order(again), bulk_summary_order("acme"),
                "summary order of the second run")
    # The re-run reads the checkpoints and describes each table; no seed
    # is sent again.
    check(again.summary()["requests"] <= 6 + 4,
          f"second run made {again.summary()['requests']} requests")
    print(f"second run: {again.summary()['requests']} requests in {again.elapsed:.1f}s")

    serial = provision(["serial"], "--table-concurrency", "1", "--seed-concurrency", "1",
                       plugins=PLUGINS_BULK)
    check_exit(serial, 0, "provision the bulk plugin one request at a time")
    check_equal(summary_order(serial), bulk_summary_order("serial"), "summary order, serial")
    check_equal(snapshot("serial"), snapshot("acme"), "serial and concurrent end states")
    check_equal(sorted(checkpoints("serial")), sorted(checkpoints("acme")),
                "serial and concurrent checkpoint steps")
    print(f"serial run: {serial.summary()['requests']} requests in {serial.elapsed:.1f}s")

    human = host("provision", "--capsule", "acme", "--capsule", "beta",
                 plugins=PLUGINS_BULK)
    check_exit(human, 0, "provision acme and beta without --json")
    step_line = re.compile(r"^(table|seed) +(acme|beta)-[a-z]+( id=s\d{3})?: "
                           r"(created|written|skipped \(checkpoint\))$")
    lines = human.stdout.splitlines()
    steps = [line for line in lines if not line.startswith("capsule ")]
    check_equal(len(steps), 2 * BULK_STEP_COUNT, "step lines of acme and beta")
    for line in steps:
        check(step_line.match(line), f"step line is whole: {line!r}")
    check_bulk_end_state("beta")


def case_many_seeds_kill_resume():
    reference = provision(["ref"], plugins=PLUGINS_BULK)
    check_exit(reference, 0, "reference provision of the bulk plugin")
    total = reference.summary()["requests"]
    expected_state = snapshot("ref")
    expected_steps = sorted(checkpoints("ref"))

    points = sorted({1, 8, total // 4, total // 2, (3 * total) // 4, total - 1})
    print(f"reference run: {total} requests; killing after {points}")
    for point in points:
        capsule = f"kill{point}"
        killed = provision([capsule], plugins=PLUGINS_BULK, env_extra={
            "SCHEMAREG_TEST_KILL_AFTER_REQUESTS": str(point)})
        check_exit(killed, -signal.SIGKILL, f"run killed after request {point}")
        before = checkpoints(capsule)

        rerun = provision([capsule], plugins=PLUGINS_BULK)
        check_exit(rerun, 0, f"re-run after the kill at request {point}")
        check_equal(snapshot(capsule), expected_state, f"end state after the kill at {point}")
        after = checkpoints(capsule)
        check_equal(sorted(after), expected_steps, f"checkpoint steps after the kill at {point}")
        # The bulk plugin declares no index, so no record may be in progress.
        check_equal(sorted(done_records(before)), sorted(before),
                    f"steps recorded done before the re-run (kill at {point})")
        check_done_kept(before, after, f"re-run after the kill at {point}")
        check_done_skipped(before, rerun.steps(), f"re-run after the kill at {point}")
        print(f"kill after request {point}: {len(before)} step(s) recorded before the kill; "
              f"re-run converged")


CASES = {
    "end-state": case_end_state,
    "end-state-delayed": case_end_state,
    "examples-end-state": case_examples_end_state,
    "examples-end-state-delayed": case_examples_end_state,
    "second-run-writes-nothing": case_second_run_writes_nothing,
    "user-edit-kept": case_user_edit_kept,
    "two-capsules": case_two_capsules,
    "sigkill-resume": case_sigkill_resume,
    "drift-reported": case_drift_reported,
    "missing-gsi-added": case_missing_gsi_added,
    "index-build-in-progress": case_index_build_in_progress,
    "deleted-table-recreated": case_deleted_table_recreated,
    "invalid-plugin-stops": case_invalid_plugin_stops,
    "plan-and-status": case_plan_and_status,
    "ttl-drift-reported": case_ttl_drift_reported,
    "failures-counted": case_failures_counted,
    "nothing-to-provision": case_nothing_to_provision,
    "dynalite-no-ttl-api": case_dynalite_no_ttl_api,
    "dynalite-index-no-progress": case_dynalite_index_no_progress,
    "many-seeds-concurrent": case_many_seeds_concurrent,
    "many-seeds-kill-resume": case_many_seeds_kill_resume,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print(f"usage: {sys.argv[0]} CASE\ncases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    for name, value in (("SCHEMAREG_TEST_ENDPOINT", ENDPOINT), ("SCHEMAREG_HOST", HOST),
                        ("TEST_PLUGINS_BASE", PLUGINS_BASE)):
        if not value:
            print(f"{name} is not set: run this through tests/servers/ddb-server and meson",
                  file=sys.stderr)
            return 2
    try:
        CASES[sys.argv[1]]()
    except CheckFailed as failure:
        print(f"FAIL {sys.argv[1]} on {SERVER}: {failure}", file=sys.stderr)
        return 1
    print(f"PASS {sys.argv[1]} on {SERVER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
