#!/usr/bin/python3
"""Kill-and-resume test: schemareg-host killed with SIGKILL at many points.

Usage: kill_resume.py [--points N]

Run it like integration.py, through tests/servers/ddb-server with the
environment that meson sets (see integration.py). It provisions the example
plugins together with the bulk test plugin (300 seeds), so most kill points
land between seed writes.

1. A clean reference run into capsule "ref" counts its requests R and
   records the end state (end_state.py): tables, key schemas, billing
   modes, GSIs, TTL, every item, and the names of the checkpointed steps.
2. Fresh capsules: for N kill points spread evenly over 1..R, a run into a
   new capsule is killed after that many completed requests
   (SCHEMAREG_TEST_KILL_AFTER_REQUESTS), then run again to completion.
3. One capsule: a run is killed, resumed and killed again N times in
   succession, each time a little further along the same provisioning, then
   run to completion. These runs write one request at a time
   (--table-concurrency 1 --seed-concurrency 1), so every kill point and
   what it interrupts are the same on every run of the test.

After every kill, no checkpoint record that was "done" before the run may
change: a step once recorded done is never done again. Each completed run
reports such steps as skipped, and its end state must equal the reference.
Between some kills, a seed item is edited with the AWS CLI as a user would:
either a seed already written, or a seed not yet written (the user creates
it first). Each edit must survive to the end state unchanged.
"""

import argparse
import copy
import json
import signal
import sys

import integration
from end_state import (CheckFailed, check, check_done_kept, check_done_skipped, check_equal,
                       done_records, first_difference, sort_items)
from integration import (AWS_CLI, ENDPOINT, REGION, check_exit, checkpoints, ddb, ddb_ok,
                         provision, snapshot, table_names)

KILL_VARIABLE = "SCHEMAREG_TEST_KILL_AFTER_REQUESTS"
SERIAL_OPTIONS = ("--table-concurrency", "1", "--seed-concurrency", "1")
DEFAULT_POINTS = 50
# Every EDIT_INTERVAL-th kill point is followed by a user edit, alternating
# between a seed already written and one not yet written.
EDIT_INTERVAL = 5


def plugin_path():
    return f"{integration.PLUGINS_EXAMPLES}:{integration.PLUGINS_BULK}"


def run(capsule, *args, kill_after=None):
    env = {KILL_VARIABLE: str(kill_after)} if kill_after else None
    return provision([capsule], *args, plugins=plugin_path(), env_extra=env)


def check_state(capsule, expected, label):
    difference = first_difference(expected, snapshot(capsule))
    check(difference is None, f"{label}: end state differs from the reference: {difference}")


def drop_capsule(capsule):
    """Deletes the capsule's tables so that the server stays small."""
    for name in table_names():
        if name.startswith(f"{capsule}-"):
            ddb_ok("DeleteTable", {"TableName": name})


# --- User edits -----------------------------------------------------------------

class Seeds:
    """The seed items of the reference end state, in a fixed order, with the
    key attribute names of their tables."""

    def __init__(self, reference):
        self.items = []
        self.key_names = {}
        for bare in sorted(reference):
            self.key_names[bare] = [key["AttributeName"] for key in reference[bare]["keys"]]
            self.items += [(bare, item) for item in reference[bare]["items"]]

    def key_of(self, bare, item):
        return {name: item[name] for name in self.key_names[bare]}


def item_present(table, key):
    response, error = ddb("GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
    check(error is None, f"GetItem on {table} failed: {error}")
    return "Item" in response


def put_item_as_user(table, item):
    integration.aws_cli("put-item", "--table-name", table, "--item", json.dumps(item))


def edit_seed(capsule, seeds, number, written, edited_before=()):
    """Puts a user's version of one seed item into the capsule with the AWS
    CLI: a seed already written when written is true, else a seed not yet
    written in a table that exists. Seeds in edited_before, a list of
    (bare table, item), are left alone. Returns (bare table, item) or None
    when no seed qualifies yet."""
    already_edited = [(bare, seeds.key_of(bare, item)) for bare, item in edited_before]
    existing = set(table_names())
    count = len(seeds.items)
    for offset in range(count):
        bare, item = seeds.items[(number * 37 + offset) % count]
        table = f"{capsule}-{bare}"
        if table not in existing:
            continue
        key = seeds.key_of(bare, item)
        if (bare, key) in already_edited or item_present(table, key) != written:
            continue
        edited = dict(key, edited_by={"S": "user"}, edit_number={"N": str(number)})
        put_item_as_user(table, edited)
        print(f"  user edit {number}: {'rewrote' if written else 'created'} {table} "
              f"{json.dumps(key)} with the AWS CLI")
        return bare, edited
    return None


def with_edits(reference, seeds, edits):
    """Returns the reference end state with each edited item in place of
    the seed of the same key."""
    expected = copy.deepcopy(reference)
    for bare, edited in edits:
        key = seeds.key_of(bare, edited)
        items = [item for item in expected[bare]["items"] if seeds.key_of(bare, item) != key]
        items.append(edited)
        expected[bare]["items"] = sort_items(items)
    return expected


def check_edits_kept(capsule, edits):
    for bare, edited in edits:
        table = f"{capsule}-{bare}"
        item = ddb_ok("GetItem", {"TableName": table, "ConsistentRead": True,
                                  "Key": {name: edited[name] for name in edited
                                          if name not in ("edited_by", "edit_number")}})
        check_equal(item.get("Item"), edited, f"user's item in {table} at the end")


# --- Kill points ----------------------------------------------------------------

def spread_points(total, count):
    """Returns count distinct request numbers spread evenly over 1..total,
    first and last included."""
    check(total >= count, f"the reference run made only {total} requests, fewer than "
                          f"the {count} kill points")
    return sorted({1 + (total - 1) * i // (count - 1) for i in range(count)})


def fresh_capsule_kills(points, reference, seeds, expected_steps):
    """Kills one run per point, each into a new capsule, then completes it.
    Returns the number of user edits made."""
    edits_made = 0
    for index, point in enumerate(points):
        capsule = f"k{point}"
        label = f"kill after request {point}"
        killed = run(capsule, kill_after=point)
        check_exit(killed, -signal.SIGKILL, label)
        before = checkpoints(capsule)

        edits = []
        if index % EDIT_INTERVAL == EDIT_INTERVAL - 1:
            edit = edit_seed(capsule, seeds, index, written=(index // EDIT_INTERVAL) % 2 == 0)
            edits = [edit] if edit else []
            edits_made += len(edits)

        completed = run(capsule)
        check_exit(completed, 0, f"re-run after the {label}")
        after = checkpoints(capsule)
        check_done_kept(before, after, f"re-run after the {label}")
        check_done_skipped(before, completed.steps(), f"re-run after the {label}")
        check_equal(sorted(after), expected_steps, f"checkpointed steps after the {label}")
        check(all(r["status"]["S"] == "done" for r in after.values()),
              f"every record is done after the re-run ({label})")
        check_state(capsule, with_edits(reference, seeds, edits), label)
        check_edits_kept(capsule, edits)
        print(f"{label}: {len(done_records(before))} step(s) done before the kill, "
              f"{completed.count('skipped')} skipped by the re-run; end state equal")
        drop_capsule(capsule)
    return edits_made


def successive_kills(count, overhead, requests_per_step, total_steps, reference, seeds,
                     expected_steps):
    """Kills one capsule count times along one provisioning, resuming each
    time, then completes it. Returns the user edits made."""
    capsule = "chain"
    edits = []
    for index in range(count):
        before = checkpoints(capsule)
        remaining = total_steps - len(done_records(before))
        # Past the requests that re-read finished work, spread what is left
        # over the kills still to come, so the last kill still interrupts.
        progress = max(1, round(remaining * requests_per_step / (count - index + 1)))
        point = overhead + progress
        label = f"successive kill {index + 1} (after request {point})"

        killed = run(capsule, *SERIAL_OPTIONS, kill_after=point)
        check_exit(killed, -signal.SIGKILL, label)
        after = checkpoints(capsule)
        check_done_kept(before, after, label)
        print(f"{label}: {len(done_records(after))} of {total_steps} step(s) done")

        if index % EDIT_INTERVAL == EDIT_INTERVAL - 1:
            edit = edit_seed(capsule, seeds, 100 + index,
                             written=(index // EDIT_INTERVAL) % 2 == 1, edited_before=edits)
            edits += [edit] if edit else []

    before = checkpoints(capsule)
    completed = run(capsule, *SERIAL_OPTIONS)
    check_exit(completed, 0, f"run after {count} successive kills")
    after = checkpoints(capsule)
    check_done_kept(before, after, "final run of the successive kills")
    check_done_skipped(before, completed.steps(), "final run of the successive kills")
    check_equal(sorted(after), expected_steps, "checkpointed steps after the successive kills")
    check_state(capsule, with_edits(reference, seeds, edits), "successive kills")
    check_edits_kept(capsule, edits)
    print(f"final run: {completed.count('skipped')} step(s) skipped, end state equal")
    return edits


def kill_resume(point_count):
    reference_run = run("ref")
    check_exit(reference_run, 0, "reference provision")
    total = reference_run.summary()["requests"]
    reference = snapshot("ref")
    expected_steps = sorted(checkpoints("ref"))
    seeds = Seeds(reference)

    again = run("ref")
    check_exit(again, 0, "second reference provision")
    overhead = again.summary()["requests"]
    requests_per_step = (total - overhead) / len(expected_steps)
    print(f"reference run: {total} requests, {len(expected_steps)} steps, "
          f"{len(seeds.items)} seed items; a run with nothing to do makes {overhead} requests")

    points = spread_points(total, point_count)
    print(f"fresh capsules: killing after requests {points}")
    fresh_edits = fresh_capsule_kills(points, reference, seeds, expected_steps)

    print(f"one capsule: {point_count} successive kills")
    chain_edits = successive_kills(point_count, overhead, requests_per_step,
                                   len(expected_steps), reference, seeds, expected_steps)

    edits = fresh_edits + len(chain_edits)
    check(fresh_edits >= 2 and len(chain_edits) >= 2,
          f"too few user edits: {fresh_edits} in fresh capsules, {len(chain_edits)} "
          f"in one capsule")
    print(f"kill points exercised: {len(points) + point_count} ({len(points)} in fresh "
          f"capsules, {point_count} in succession in one capsule); {edits} user edits "
          f"kept; every end state equal to the reference")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=DEFAULT_POINTS,
                        help=f"kill points per part, at least 2 (default {DEFAULT_POINTS})")
    arguments = parser.parse_args()
    if arguments.points < 2:
        parser.error("--points must be at least 2")
    for name, value in (("SCHEMAREG_TEST_ENDPOINT", ENDPOINT),
                        ("SCHEMAREG_HOST", integration.HOST),
                        ("TEST_PLUGINS_EXAMPLES", integration.PLUGINS_EXAMPLES),
                        ("TEST_PLUGINS_BULK", integration.PLUGINS_BULK)):
        if not value:
            print(f"{name} is not set: run this through tests/servers/ddb-server and meson",
                  file=sys.stderr)
            return 2
    try:
        kill_resume(arguments.points)
    except CheckFailed as failure:
        print(f"FAIL kill-resume on {integration.SERVER}: {failure}", file=sys.stderr)
        return 1
    print(f"PASS kill-resume on {integration.SERVER} ({AWS_CLI}, region {REGION})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
