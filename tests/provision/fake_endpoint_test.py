#!/usr/bin/python3
"""schemareg-host against a scripted DynamoDB endpoint (fake_dynamodb.py)
that lies in ways DynamoDB Local cannot: pagination that never ends, replies
that never finish, malformed descriptions, statuses that never turn ACTIVE,
lost replies and indexes that never appear.

Usage: fake_endpoint_test.py CASE   (or "all")

The meson build sets SCHEMAREG_HOST and TEST_PLUGINS_BASE (two test plugins
with three tables, three indexes, TTL and three seeds). Each case prints
what it checks and exits 0 on success, 1 on failure.
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_dynamodb import FakeDynamoDB  # noqa: E402

HOST = os.environ.get("SCHEMAREG_HOST", "")
PLUGINS = os.environ.get("TEST_PLUGINS_BASE", "")
STATE_TABLE = "schemareg-state"
ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "AWS_ACCESS_KEY_ID": "AKIAFAKEENDPOINTTEST",
    "AWS_SECRET_ACCESS_KEY": "fakeendpointtestsecret",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}

failures = []


def check(condition, what):
    print(("ok      " if condition else "FAILED  ") + what)
    if not condition:
        failures.append(what)


def run(fake, command, *options, timeout=120):
    """Runs schemareg-host COMMAND --capsule t1 against fake. Returns
    (exit code, stdout, stderr, seconds taken)."""
    argv = [HOST, "--plugin-dir", PLUGINS, command, "--capsule", "t1",
            "--endpoint-url", fake.url] + list(options)
    start = time.monotonic()
    try:
        result = subprocess.run(argv, env=ENVIRONMENT, capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        check(False, f"{command} ends within {timeout} s")
        return None, "{}", "", time.monotonic() - start
    return result.returncode, result.stdout, result.stderr, time.monotonic() - start


def add_state_table(fake):
    """Creates the state table in fake, as an earlier run would have."""
    fake.tables[STATE_TABLE] = {
        "KeySchema": [{"AttributeName": "capsule", "KeyType": "HASH"},
                      {"AttributeName": "step", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "capsule", "AttributeType": "S"},
                                 {"AttributeName": "step", "AttributeType": "S"}],
    }
    fake.items[STATE_TABLE] = {}


def steps_of(stdout):
    """The steps of a --json run, as (kind, table, name, outcome, message)."""
    document = json.loads(stdout)
    if "capsules" not in document:
        return []
    return [(step["kind"], step["table"], step.get("name"), step["outcome"],
             step.get("message", ""))
            for capsule in document["capsules"] for step in capsule["steps"]]


def case_query_repeats_key():
    """F04: a Query page whose LastEvaluatedKey comes back ends the read."""
    for command in ("provision", "plan", "status"):
        with FakeDynamoDB({"query_repeat_key": True}) as fake:
            add_state_table(fake)
            code, out, err, seconds = run(fake, command, timeout=60)
            queries = fake.count("Query")
        check(code == 1, f"{command}: exit 1 (got {code})")
        check(queries == 2, f"{command}: stops at the repeated key after 2 Query calls "
              f"(got {queries})")
        check(f"state table {STATE_TABLE}" in err and "earlier page again" in err,
              f"{command}: the error names the state table and the repeated key: {err[-300:]}")


def case_query_endless():
    """F04: pagination that keeps going is cut off at the page limit."""
    with FakeDynamoDB({"query_endless": True}) as fake:
        add_state_table(fake)
        code, out, err, seconds = run(fake, "status", timeout=300)
        queries = fake.count("Query")
    check(code == 1, f"status: exit 1 (got {code})")
    check(queries == 10000, f"status: stops after 10000 pages (got {queries})")
    check("more than 10000 pages" in err and STATE_TABLE in err,
          f"status: the error names the page limit and the state table: {err[-300:]}")


def case_describe_never_finishes():
    """F06: a DescribeTable reply that never finishes ends with the wait."""
    with FakeDynamoDB() as fake:
        fake.faults["describe_trickle"] = True
        code, out, err, seconds = run(fake, "provision", "--wait-timeout", "4",
                                      "--table-concurrency", "3")
    check(code == 1, f"provision: exit 1 (got {code})")
    check(seconds < 15, f"provision --wait-timeout 4: ends within 15 s (took {seconds:.1f} s)")
    check("timed out" in out.lower() or "timed out" in err.lower(),
          f"provision: the failure says the request timed out: {out[-400:]}")

    with FakeDynamoDB() as fake:
        fake.tables["t1-plans"] = {"KeySchema": [], "AttributeDefinitions": []}
        fake.faults["describe_trickle"] = True
        code, out, err, seconds = run(fake, "plan", "--request-timeout", "1",
                                      "--max-attempts", "2")
    check(code == 1, f"plan: exit 1 (got {code})")
    # Two attempts of 1 s and at most 1 s of backoff between them.
    check(seconds < 8, f"plan --request-timeout 1 --max-attempts 2: ends within 8 s "
          f"(took {seconds:.1f} s)")


MALFORMED_DESCRIPTIONS = [
    # (body, field named in the message)
    (b"{}", "no Table object"),
    (b"[1,2,3]", "not a JSON object"),
    (b'{"Table": "ACTIVE"}', "Table is not an object"),
    (b'{"Table": {"TableStatus": 7}}', "Table.TableStatus is not a string"),
    (b'{"Table": {"TableStatus": "ACTIVE", "KeySchema": "pk"}}', "Table.KeySchema is not an array"),
    (b'{"Table": {"TableStatus": "ACTIVE", "KeySchema": [{"AttributeName": "plan_id"}], '
     b'"AttributeDefinitions": []}}', "Table.KeySchema[0].KeyType is missing"),
    (b'{"Table": {"TableStatus": "ACTIVE", "KeySchema": [{"AttributeName": "plan_id", '
     b'"KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "plan_id", '
     b'"AttributeType": "S"}], "GlobalSecondaryIndexes": "none"}}',
     "Table.GlobalSecondaryIndexes is not an array"),
]


def case_malformed_describe():
    """F08: a malformed DescribeTable reply is reported as such, never as drift."""
    for body, field in MALFORMED_DESCRIPTIONS:
        for command in ("provision", "plan"):
            with FakeDynamoDB() as fake:
                fake.tables["t1-plans"] = {"KeySchema": [], "AttributeDefinitions": []}
                fake.faults["describe_body"] = body
                code, out, err, seconds = run(fake, command, "--json")
            steps = [step for step in steps_of(out) if step[1] == "t1-plans"]
            message = steps[0][4] if steps else ""
            check(code == 1 and steps and steps[0][3] == "failed",
                  f"{command} {body[:40]!r}: t1-plans failed, exit 1 (got {code}, {steps[:1]})")
            check("malformed response from the endpoint" in message and "t1-plans" in message
                  and field in message, f"{command}: the message names the table and "
                  f"'{field}': {message}")
            check(not any(step[3] == "drift" for step in steps_of(out)),
                  f"{command}: nothing is reported as drift")


def case_terminal_status():
    """F19: statuses that never become ACTIVE end the wait at once."""
    cases = [("table_status", status) for status in
             ("DELETING", "ARCHIVING", "ARCHIVED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS",
              "BANANA")]
    cases += [("index_status", status) for status in ("DELETING", "BANANA")]
    for fault, status in cases:
        with FakeDynamoDB({fault: status}) as fake:
            code, out, err, seconds = run(fake, "provision", "--json", "--wait-timeout", "300")
        failed = [step for step in steps_of(out) if step[3] == "failed"]
        tables = {step[1] for step in failed}
        check(code == 1, f"{fault} {status}: exit 1 (got {code})")
        check(seconds < 20, f"{fault} {status}: ends at once, not at --wait-timeout "
              f"(took {seconds:.1f} s)")
        expected = {"t1-invoices", "t1-users"} if fault == "index_status" else \
            {"t1-invoices", "t1-plans", "t1-users"}
        check(tables == expected, f"{fault} {status}: failed tables {sorted(tables)}")
        check(all(status in step[4] and step[1] in step[4] for step in failed),
              f"{fault} {status}: each message names the table and the status: "
              f"{failed[0][4] if failed else ''}")


def case_lost_reply():
    """F18/F20: a write applied whose reply was lost counts as this run's."""
    with FakeDynamoDB({"lose_put_reply": True, "lose_create_reply": True}) as fake:
        code, out, err, seconds = run(fake, "provision", "--json", "--seed-concurrency", "1",
                                      "--table-concurrency", "1")
        document = json.loads(out)
        counts = document["capsules"][0]["counts"]
        steps = steps_of(out)
        check(code == 0, f"provision: exit 0 (got {code}): {err[-300:]}")
        check(document["result"] == "done", f"the JSON result agrees: {document['result']}")
        check(counts["written"] == 3 and counts["already_present"] == 0,
              f"the three seeds count as written, none as already present: {counts}")
        tables = [step for step in steps if step[0] == "table"]
        check(all(step[3] == "created" for step in tables),
              f"the tables count as created: {[step[3] for step in tables]}")
        check("another run" not in err, "no step is blamed on another run")
        check("was lost" in err, "the log says a reply was lost")

        # A second run finds everything recorded by the first.
        code, out, err, seconds = run(fake, "provision", "--json")
        counts = json.loads(out)["capsules"][0]["counts"]
    check(code == 0 and counts["skipped"] > 0 and counts["written"] == 0 and
          counts["created"] == 0, f"the re-run skips what the first recorded: {counts}")


def case_index_never_listed():
    """F23: an index that never appears is 'no progress', without blaming a product."""
    with FakeDynamoDB({"hide_indexes": True}) as fake:
        code, out, err, seconds = run(fake, "provision", "--json", "--wait-timeout", "3")
    failed = [step for step in steps_of(out) if step[3] == "failed"]
    messages = " ".join(step[4] for step in failed)
    check(code == 1, f"exit 1 (got {code})")
    check(failed and all("no progress" in step[4] for step in failed),
          f"the failures say no progress: {messages[:300]}")
    check("accepted the creation of index" in messages and "DescribeTable" in messages,
          "the message says what was observed")
    check("dynalite" not in messages.lower(), "the message names no server product")


def case_summary_agrees():
    """F18: summaries agree with the exit code when nothing can be done."""
    with FakeDynamoDB({"deny_all": True}) as fake:
        code, out, err, seconds = run(fake, "plan")
        check(code == 1 and "1 error(s)" in out, f"plan: exit 1 and 1 error: {out.strip()}")
        code, out, err, seconds = run(fake, "provision")
        check(code == 1 and "failed" in out and "1 failed" in out,
              f"provision: exit 1 and 1 failure: {out.strip()}")
        code, out, err, seconds = run(fake, "provision", "--json")
        document = json.loads(out)
        check(code == 1 and document["result"] == "failed" and document["exit_code"] == 1,
              f"provision --json: result failed, exit_code 1: {document['result']}")


def case_requests_not_repeated():
    """A table this run created gets no DescribeTimeToLive, and no wait when
    the CreateTable reply shows it ACTIVE."""
    for create_active in (False, True):
        with FakeDynamoDB({"create_active": create_active}) as fake:
            code, out, err, seconds = run(fake, "provision", "--json")
            check(code == 0, f"create_active={create_active}: exit 0 (got {code}): {err[-300:]}")
            created = [name for operation, name in fake.requests
                       if operation == "CreateTable" and name != STATE_TABLE]
            check(len(created) == 3, f"three user tables created: {created}")
            with_ttl = [table for table in created if fake.count("UpdateTimeToLive", table)]
            check(len(with_ttl) == 2, f"two of them get TTL: {with_ttl}")
            for table in created:
                # One DescribeTable finds the table missing; the wait adds more.
                describes = fake.count("DescribeTable", table)
                if create_active:
                    check(describes == 1, f"{table}: no wait after an ACTIVE reply, "
                          f"{describes} DescribeTable")
                else:
                    check(describes >= 2, f"{table}: waited after a CREATING reply, "
                          f"{describes} DescribeTable")
                check(fake.count("DescribeTimeToLive", table) == 0,
                      f"{table}: no DescribeTimeToLive on a table just created")
                check(fake.count("UpdateTimeToLive", table) <= 1,
                      f"{table}: TTL enabled with at most one UpdateTimeToLive")


CASES = {
    "query-repeats-key": case_query_repeats_key,
    "query-endless": case_query_endless,
    "describe-never-finishes": case_describe_never_finishes,
    "malformed-describe": case_malformed_describe,
    "terminal-status": case_terminal_status,
    "lost-reply": case_lost_reply,
    "index-never-listed": case_index_never_listed,
    "summary-agrees": case_summary_agrees,
    "requests-not-repeated": case_requests_not_repeated,
}


def main():
    if len(sys.argv) != 2 or (sys.argv[1] not in CASES and sys.argv[1] != "all"):
        print("usage: fake_endpoint_test.py CASE|all; cases: " + ", ".join(CASES),
              file=sys.stderr)
        return 2
    if not HOST or not PLUGINS:
        print("SCHEMAREG_HOST and TEST_PLUGINS_BASE must be set", file=sys.stderr)
        return 2
    names = list(CASES) if sys.argv[1] == "all" else [sys.argv[1]]
    for name in names:
        print(f"== {name}")
        CASES[name]()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
