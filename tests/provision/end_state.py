"""Reads the end state that provisioning left in DynamoDB, for the tests
that compare it: integration.py, kill_resume.py and
tests/fault_provision_test.py.

The requests are signed here with SigV4 from the Python standard library,
so no code of schemareg-host reads back what it wrote. Every check raises
CheckFailed with a message that names what differed.
"""

import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.request

STATE_TABLE = "schemareg-state"
# Checkpoint attributes that differ from run to run by design.
RUN_SPECIFIC_ATTRIBUTES = ("run_id", "owner", "recorded_at", "detail")


class CheckFailed(Exception):
    """A check of the test failed; the message names what differed."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def check_equal(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


# --- Independent DynamoDB client -------------------------------------------

class DynamoDB:
    """A DynamoDB client for one endpoint, region and access key."""

    def __init__(self, endpoint, region, access_key_id, secret_access_key):
        self.endpoint = endpoint
        self.region = region
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key

    def sign_v4(self, body, target, now):
        """Returns the headers of a SigV4-signed DynamoDB POST to the endpoint."""
        host = self.endpoint.split("://", 1)[1].rstrip("/")
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = amz_date[:8]
        payload_hash = hashlib.sha256(body).hexdigest()
        headers = {
            "content-type": "application/x-amz-json-1.0",
            "host": host,
            "x-amz-date": amz_date,
            "x-amz-target": target,
        }
        signed = ";".join(sorted(headers))
        canonical = "\n".join(["POST", "/", ""] +
                              [f"{name}:{headers[name]}" for name in sorted(headers)] +
                              ["", signed, payload_hash])
        scope = f"{day}/{self.region}/dynamodb/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret_access_key).encode()
        for part in (day, self.region, "dynamodb", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key_id}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}")
        del headers["host"]
        return headers

    def call(self, operation, request):
        """Calls operation and returns (response, None) or (None, error type)."""
        body = json.dumps(request).encode()
        headers = self.sign_v4(body, f"DynamoDB_20120810.{operation}",
                               datetime.datetime.now(datetime.timezone.utc))
        http_request = urllib.request.Request(self.endpoint, data=body, headers=headers,
                                              method="POST")
        try:
            with urllib.request.urlopen(http_request, timeout=30) as response:
                return json.loads(response.read() or b"{}"), None
        except urllib.error.HTTPError as error:
            payload = json.loads(error.read() or b"{}")
            return None, payload.get("__type", "").rsplit("#", 1)[-1] or f"HTTP {error.code}"

    def call_ok(self, operation, request):
        response, error = self.call(operation, request)
        check(error is None, f"{operation} {request.get('TableName')} failed: {error}")
        return response

    def table_names(self):
        names = []
        request = {}
        while True:
            response = self.call_ok("ListTables", request)
            names.extend(response.get("TableNames", []))
            if "LastEvaluatedTableName" not in response:
                return names
            request["ExclusiveStartTableName"] = response["LastEvaluatedTableName"]

    def scan_all(self, table):
        items = []
        request = {"TableName": table, "ConsistentRead": True}
        while True:
            response = self.call_ok("Scan", request)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def state_items(self, capsule, state_table=STATE_TABLE):
        """Returns the capsule's items in the state table as stored, all pages,
        or [] when the state table does not exist."""
        request = {
            "TableName": state_table,
            "KeyConditionExpression": "#c = :c",
            "ExpressionAttributeNames": {"#c": "capsule"},
            "ExpressionAttributeValues": {":c": {"S": capsule}},
            "ConsistentRead": True,
        }
        items = []
        while True:
            response, error = self.call("Query", request)
            if error == "ResourceNotFoundException":
                return []
            check(error is None, f"Query {state_table} failed: {error}")
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# --- End state ------------------------------------------------------------------

def sort_items(items):
    """Returns items in the order that snapshot() lists them."""
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def snapshot(client, capsule):
    """Returns the capsule's tables by name without the capsule prefix, so
    that two capsules provisioned alike compare equal: status, key schema,
    attribute definitions, billing mode, GSIs, TTL and every item."""
    state = {}
    prefix = f"{capsule}-"
    for name in sorted(n for n in client.table_names() if n.startswith(prefix)):
        table = client.call_ok("DescribeTable", {"TableName": name})["Table"]
        ttl = client.call_ok("DescribeTimeToLive", {"TableName": name})
        gsis = [{"IndexName": g["IndexName"], "IndexStatus": g["IndexStatus"],
                 "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
                for g in table.get("GlobalSecondaryIndexes", [])]
        state[name[len(prefix):]] = {
            "status": table["TableStatus"],
            "keys": table["KeySchema"],
            "definitions": sorted(table["AttributeDefinitions"],
                                  key=lambda d: d["AttributeName"]),
            "billing": table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
            "gsis": sorted(gsis, key=lambda g: g["IndexName"]),
            "ttl": ttl.get("TimeToLiveDescription"),
            "items": sort_items(client.scan_all(name)),
        }
    return state


def checkpoints(client, capsule, state_table=STATE_TABLE):
    """Returns {step: record} of the capsule's checkpoint records. A batch
    item (step seeds#...) is the record of each seed it lists: every seed
    step maps to a copy of the batch item with the seed's key under "key".
    A seed recorded twice fails the check."""
    records = {}
    for item in client.state_items(capsule, state_table):
        step = item["step"]["S"]
        if "seeds" not in item:
            check(step not in records, f"capsule {capsule}: step {step} recorded twice")
            records[step] = item
            continue
        check(step.startswith("seeds#"), f"capsule {capsule}: batch item {step} lists seeds "
                                         "but its step does not start with seeds#")
        for seed_step, key in json.loads(item["seeds"]["S"]).items():
            check(seed_step not in records, f"capsule {capsule}: seed {seed_step} recorded twice")
            records[seed_step] = dict(item, key={"S": key})
    return records


def comparable_checkpoints(records, capsule):
    """Returns the records of checkpoints() as a sorted list that another
    capsule provisioned alike has too. Each step keeps one record, without
    the capsule, the attributes that name the run and the batch's seed
    list, and with the capsule prefix taken off table names. How seeds fall
    into batches depends on the run, so only each seed's record is compared."""
    comparable = []
    for step, record in records.items():
        entry = {name: value for name, value in record.items()
                 if name not in RUN_SPECIFIC_ATTRIBUTES and name not in ("capsule", "seeds")}
        entry["step"] = {"S": step}
        if "table_name" in entry:
            entry["table_name"] = {"S": entry["table_name"]["S"][len(capsule) + 1:]}
        comparable.append(entry)
    return sorted(comparable, key=lambda entry: json.dumps(entry, sort_keys=True))


def first_difference(expected, actual, path="state"):
    """Returns a one-line description of the first difference, or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                return f"{path}.{key} missing"
            if key not in expected:
                return f"{path}.{key} unexpected: {json.dumps(actual[key])[:300]}"
            difference = first_difference(expected[key], actual[key], f"{path}.{key}")
            if difference:
                return difference
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(actual)} entries, expected {len(expected)}"
        for index, (left, right) in enumerate(zip(expected, actual)):
            difference = first_difference(left, right, f"{path}[{index}]")
            if difference:
                return difference
        return None
    if expected != actual:
        return f"{path}: {json.dumps(actual)[:300]}, expected {json.dumps(expected)[:300]}"
    return None


# --- Checkpoints across a resumed run ---------------------------------------------

def done_records(records):
    return {step: record for step, record in records.items()
            if record["status"]["S"] == "done"}


def check_done_kept(before, after, label):
    """Checks that every record of before is still in after and that each
    done record is unchanged, because a step recorded done is never done or
    recorded again. A run may complete a record that was in progress."""
    for step, record in before.items():
        check(step in after, f"{label}: record {step} disappeared")
        if record["status"]["S"] == "done":
            check_equal(after[step], record, f"{label}: record {step}, done before the run")


def check_done_skipped(before, steps, label):
    """Checks that a run whose summary lists steps reports every step done
    in before as skipped. A seed step must be listed, and other steps are
    checked only when listed."""
    outcomes = {step["step"]: step["outcome"] for step in steps if "step" in step}
    for step in done_records(before):
        if step.startswith("seed#"):
            check(step in outcomes, f"{label}: no outcome for {step}, done before")
        if step in outcomes:
            check_equal(outcomes[step], "skipped", f"{label}: outcome of {step}, done before")
