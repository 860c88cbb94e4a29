#!/usr/bin/python3
"""Pre-build the benchmark's DynamoDB requests as curl config files.

The floor of the benchmark is the same HTTP requests that provisioning
sends, built ahead of time and replayed by curl --parallel, so no client
work is left but HTTP itself. Three config files are written, one per
phase, to be replayed in order:

    tables.curl   CreateTable with the GSI, one per table
    ttl.curl      UpdateTimeToLive, one per table
    seeds.curl    conditional PutItem, one per seed

Each request prints its HTTP status on a line of its own, so the caller
can check that every request succeeded.

DynamoDB Local does not verify signatures, so every request carries one
static, well-formed Authorization header instead of a fresh signature.
The access key and region in it must match the other clients', because
DynamoDB Local keeps one database per access key and region.
"""

import argparse
import json
import os
import sys

TARGET_PREFIX = "DynamoDB_20120810."
AMZ_DATE = "20250101T000000Z"
STATIC_SIGNATURE = "0" * 64


def authorization(access_key_id, region):
    return ("AWS4-HMAC-SHA256 Credential=%s/%s/%s/dynamodb/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%s"
            % (access_key_id, AMZ_DATE[:8], region, STATIC_SIGNATURE))


def config_string(text):
    """Return text quoted for a curl config file."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_entry(endpoint, auth, operation, body):
    """Return the curl config lines of one request."""
    data = json.dumps(body, separators=(",", ":"))
    return "\n".join([
        "url = " + config_string(endpoint + "/"),
        "header = " + config_string("Content-Type: application/x-amz-json-1.0"),
        "header = " + config_string("X-Amz-Target: " + TARGET_PREFIX + operation),
        "header = " + config_string("X-Amz-Date: " + AMZ_DATE),
        "header = " + config_string("Authorization: " + auth),
        "data-binary = " + config_string(data),
        "output = \"/dev/null\"",
        "write-out = \"%{http_code}\\n\"",
        "",
    ])


def phase_requests(workload, prefix):
    """Return (phase, operation, body) for every request, in phase order."""
    tables = [t for p in workload["providers"] for t in p["tables"]]
    requests = []
    for table in tables:
        requests.append(("tables", "CreateTable", {
            "TableName": "%s-%s" % (prefix, table["name"]),
            "AttributeDefinitions": table["attribute_definitions"],
            "KeySchema": table["key_schema"],
            "BillingMode": table["billing_mode"],
            "GlobalSecondaryIndexes": table["global_secondary_indexes"],
        }))
    for table in tables:
        requests.append(("ttl", "UpdateTimeToLive", {
            "TableName": "%s-%s" % (prefix, table["name"]),
            "TimeToLiveSpecification": {"AttributeName": table["ttl_attribute"],
                                        "Enabled": True},
        }))
    for table in tables:
        for seed in table["seeds"]:
            requests.append(("seeds", "PutItem", {
                "TableName": "%s-%s" % (prefix, table["name"]),
                "Item": seed["item"],
                "ConditionExpression": seed["condition_expression"],
            }))
    return requests


def build(workload, endpoint, prefix, access_key_id, region, out):
    """Write tables.curl, ttl.curl and seeds.curl into out; return their paths."""
    auth = authorization(access_key_id, region)
    os.makedirs(out, exist_ok=True)
    paths = {phase: os.path.join(out, phase + ".curl") for phase in ("tables", "ttl", "seeds")}
    files = {phase: open(path, "w") for phase, path in paths.items()}
    started = set()
    try:
        for phase, operation, body in phase_requests(workload, prefix):
            # "next" separates requests; one after the last would start an
            # empty request that curl rejects.
            if phase in started:
                files[phase].write("next\n")
            started.add(phase)
            files[phase].write(config_entry(endpoint, auth, operation, body))
    finally:
        for f in files.values():
            f.close()
    return [paths["tables"], paths["ttl"], paths["seeds"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", required=True, help="workload.json from gen_workload.py")
    parser.add_argument("--endpoint", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--prefix", required=True, help="table name prefix (capsule code)")
    parser.add_argument("--out", required=True, help="directory for the config files")
    parser.add_argument("--access-key-id", default=os.environ.get("AWS_ACCESS_KEY_ID", ""))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    args = parser.parse_args()
    if not args.access_key_id:
        parser.error("set --access-key-id or AWS_ACCESS_KEY_ID")

    with open(args.workload) as f:
        workload = json.load(f)
    for path in build(workload, args.endpoint.rstrip("/"), args.prefix,
                      args.access_key_id, args.region, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
