#!/usr/bin/python3
"""Time the AWS CLI on a sample of the workload's calls and extrapolate.

The AWS CLI starts one process per call, so running all of a large
workload through it would take far longer than the rest of the benchmark.
This script runs a sample, one call at a time: for the first --tables
tables, create-table, wait table-exists and update-time-to-live, then
put-item for the first --seeds seeds of those tables. It measures each
call and extrapolates to the whole workload at the given concurrency:

    cpu  = sum over operations of (calls x mean CPU per call)
    wall = max(sum of (calls x mean wall per call) / concurrency,
               cpu / online CPUs)

The wall estimate assumes perfect overlap of the calls, bounded by the
CPU that the processes need, so a real run is at least that slow. Peak
memory is that of one CLI process; with concurrency N, N of them run at
once. Prints the result as JSON.
"""

import argparse
import json
import os
import sys

import measure

AWS = "/usr/bin/aws"


def cli_input(body):
    return ["--cli-input-json", json.dumps(body, separators=(",", ":"))]


def sample_calls(workload, prefix, table_count, seed_count):
    """Return [(operation, argv)] for the sample, in execution order."""
    tables = [t for p in workload["providers"] for t in p["tables"]][:table_count]
    calls = []
    for table in tables:
        name = "%s-%s" % (prefix, table["name"])
        calls.append(("create_table", ["create-table"] + cli_input({
            "TableName": name,
            "AttributeDefinitions": table["attribute_definitions"],
            "KeySchema": table["key_schema"],
            "BillingMode": table["billing_mode"],
            "GlobalSecondaryIndexes": table["global_secondary_indexes"],
        })))
        calls.append(("wait_table_exists", ["wait", "table-exists", "--table-name", name]))
        calls.append(("update_time_to_live", ["update-time-to-live"] + cli_input({
            "TableName": name,
            "TimeToLiveSpecification": {"AttributeName": table["ttl_attribute"],
                                        "Enabled": True},
        })))
    seeds = [(t, s) for t in tables for s in t["seeds"]][:seed_count]
    for table, seed in seeds:
        calls.append(("put_item", ["put-item"] + cli_input({
            "TableName": "%s-%s" % (prefix, table["name"]),
            "Item": seed["item"],
            "ConditionExpression": seed["condition_expression"],
        })))
    return calls


def workload_counts(workload):
    tables = [t for p in workload["providers"] for t in p["tables"]]
    return {
        "create_table": len(tables),
        "wait_table_exists": len(tables),
        "update_time_to_live": len(tables),
        "put_item": sum(len(t["seeds"]) for t in tables),
    }


def run_sample(calls, endpoint):
    """Run each call; return {operation: [Measurement, ...]}."""
    env = dict(os.environ, AWS_PAGER="", AWS_MAX_ATTEMPTS="3")
    results = {}
    for operation, argv in calls:
        command = [AWS, "dynamodb"] + argv + ["--endpoint-url", endpoint, "--output", "json"]
        m, _, _ = measure.run(command, env=env)
        results.setdefault(operation, []).append(m)
    return results


def extrapolate(results, counts, concurrency, cpus):
    per_operation = {}
    sequential_wall = 0.0
    total = measure.Measurement()
    for operation, runs in results.items():
        mean_wall = sum(m.wall for m in runs) / len(runs)
        mean_user = sum(m.user for m in runs) / len(runs)
        mean_sys = sum(m.system for m in runs) / len(runs)
        peak = max(m.max_rss_kb for m in runs)
        calls = counts[operation]
        per_operation[operation] = {"sampled": len(runs), "calls": calls,
                                    "mean_wall_s": round(mean_wall, 4),
                                    "mean_cpu_s": round(mean_user + mean_sys, 4),
                                    "max_rss_kb": peak}
        sequential_wall += calls * mean_wall
        total = total.add(measure.Measurement(0.0, calls * mean_user, calls * mean_sys, peak))
    total.wall = max(sequential_wall / concurrency, total.cpu / cpus)
    return total, per_operation


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", required=True, help="workload.json from gen_workload.py")
    parser.add_argument("--endpoint", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--prefix", required=True, help="table name prefix (capsule code)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--tables", type=int, default=2, help="tables in the sample")
    parser.add_argument("--seeds", type=int, default=6, help="seeds in the sample")
    args = parser.parse_args()
    if args.concurrency < 1 or args.tables < 1 or args.seeds < 1:
        parser.error("--concurrency, --tables and --seeds must be at least 1")

    with open(args.workload) as f:
        workload = json.load(f)
    calls = sample_calls(workload, args.prefix, args.tables, args.seeds)
    try:
        results = run_sample(calls, args.endpoint)
    except measure.CommandFailed as e:
        print("cli_sample: %s" % e, file=sys.stderr)
        return 1

    cpus = os.cpu_count() or 1
    total, per_operation = extrapolate(results, workload_counts(workload), args.concurrency, cpus)
    print(json.dumps({"estimate": total.as_dict(), "operations": per_operation,
                      "concurrency": args.concurrency, "cpus": cpus}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
