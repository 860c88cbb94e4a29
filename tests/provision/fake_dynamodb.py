"""A scripted DynamoDB endpoint on 127.0.0.1 for tests of conditions that
DynamoDB Local cannot produce: replies that are lost, malformed, endless or
never finished, and statuses that never turn ACTIVE.

FakeDynamoDB(faults) serves the JSON 1.0 protocol from a thread. Without
faults it keeps tables and items in memory well enough for one provision
run: tables are ACTIVE at once with their indexes, PutItem honours
attribute_not_exists conditions (and the checkpoints' "OR #status =
:in_progress"), GetItem, Query (one page) and DeleteItem work, TTL can be
enabled. faults is a dict of the behaviours to change:

  query_repeat_key    Query always returns the same LastEvaluatedKey
  query_endless       Query returns a new LastEvaluatedKey on every page
  describe_body       bytes: the body of every DescribeTable on a user table
  describe_trickle    DescribeTable on a user table sends one byte a second
  table_status        the TableStatus of every user table
  index_status        the IndexStatus of every index
  hide_indexes        DescribeTable never lists the indexes
  lose_put_reply      the first PutItem per table (user or state) is
                      applied, then answered with HTTP 500
  lose_create_reply   the first CreateTable per user table is applied, then
                      answered with HTTP 500
  deny_all            every request fails with AccessDeniedException
  create_active       CreateTable replies with the table and its indexes
                      ACTIVE, as DynamoDB Local does, instead of CREATING

requests lists (operation, table name) per request received.
"""

import json
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE_TABLE_PREFIX = "schemareg-state"


def _error(kind, message, status=400):
    return status, {"__type": "com.amazonaws.dynamodb.v20120810#" + kind,
                    "message": message}


class FakeDynamoDB:
    def __init__(self, faults=None):
        self.faults = dict(faults or {})
        self.tables = {}
        self.items = {}
        self.ttl = {}
        self.requests = []
        self.counters = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this,
                # Nagle's algorithm delays the body by 40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                operation = self.headers.get("X-Amz-Target", "").split(".")[-1]
                try:
                    request = json.loads(self.rfile.read(length))
                except ValueError:
                    request = {}
                fake._serve(self, operation, request)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def count(self, operation, table=None):
        return sum(1 for op, name in self.requests
                   if op == operation and (table is None or name == table))

    def _first(self, key):
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key] == 1

    def _serve(self, handler, operation, request):
        name = request.get("TableName")
        user_table = name is not None and not name.startswith(STATE_TABLE_PREFIX)
        with self.lock:
            self.requests.append((operation, name))
        if operation == "DescribeTable" and user_table and name in self.tables:
            if self.faults.get("describe_trickle"):
                self._trickle(handler)
                return
            if "describe_body" in self.faults:
                self._send(handler, 200, self.faults["describe_body"])
                return
        with self.lock:
            status, body = self._respond(operation, request, user_table)
        self._send(handler, status, json.dumps(body).encode())

    def _respond(self, operation, request, user_table):
        faults = self.faults
        name = request.get("TableName")
        if faults.get("deny_all"):
            return _error("AccessDeniedException", "User is not authorized")
        if operation == "CreateTable":
            if name in self.tables:
                return _error("ResourceInUseException", "Table already exists: " + name)
            self.tables[name] = request
            self.items[name] = {}
            if user_table and faults.get("lose_create_reply") and self._first("create:" + name):
                return _error("InternalServerError", "reply lost", 500)
            # As DynamoDB does, the reply shows the new table and its
            # indexes CREATING; DescribeTable shows them as the faults set.
            description = self._describe(name)
            if user_table and not faults.get("create_active"):
                description["TableStatus"] = "CREATING"
                for index in description.get("GlobalSecondaryIndexes", []):
                    index["IndexStatus"] = "CREATING"
            return 200, {"TableDescription": description}
        if operation == "DescribeTable":
            if name not in self.tables:
                return _error("ResourceNotFoundException", "Requested resource not found")
            return 200, {"Table": self._describe(name)}

        if name not in self.tables:
            return _error("ResourceNotFoundException", "Requested resource not found")
        if operation == "PutItem":
            return self._put(request)
        if operation == "GetItem":
            item = self.items[name].get(self._key(name, request["Key"]))
            return 200, ({"Item": item} if item is not None else {})

        if operation == "DeleteItem":
            self.items[name].pop(self._key(name, request["Key"]), None)
            return 200, {}
        if operation == "Query":
            return self._query(request)
        if operation == "DescribeTimeToLive":
            attribute = self.ttl.get(name)
            description = {"TimeToLiveStatus": "ENABLED" if attribute else "DISABLED"}
            if attribute:
                description["AttributeName"] = attribute
            return 200, {"TimeToLiveDescription": description}
        if operation == "UpdateTimeToLive":
            specification = request["TimeToLiveSpecification"]
            self.ttl[name] = specification["AttributeName"]
            return 200, {"TimeToLiveSpecification": specification}
        if operation == "UpdateTable":
            return 200, {"TableDescription": self._describe(name)}
        return _error("UnknownOperationException", operation)

    def _describe(self, name):
        spec = self.tables[name]
        user_table = not name.startswith(STATE_TABLE_PREFIX)
        status = self.faults.get("table_status", "ACTIVE") if user_table else "ACTIVE"
        table = {
            "TableName": name,
            "TableStatus": status,
            "KeySchema": spec["KeySchema"],
            "AttributeDefinitions": spec["AttributeDefinitions"],
        }
        indexes = [dict(index, IndexStatus=self.faults.get("index_status", "ACTIVE"))
                   for index in spec.get("GlobalSecondaryIndexes", [])]
        if indexes and not self.faults.get("hide_indexes"):
            table["GlobalSecondaryIndexes"] = indexes
        return table

    def _key(self, name, item):
        names = [key["AttributeName"] for key in self.tables[name]["KeySchema"]]
        return json.dumps([item.get(key) for key in names], sort_keys=True)

    def _put(self, request):
        name = request["TableName"]
        item = request["Item"]
        key = self._key(name, item)
        existing = self.items[name].get(key)
        condition = request.get("ConditionExpression", "")
        allowed = existing is None or (
            ":in_progress" in condition and existing.get("status") == {"S": "in_progress"})
        if condition and not allowed:
            return _error("ConditionalCheckFailedException", "The conditional request failed")
        self.items[name][key] = item
        if self.faults.get("lose_put_reply") and self._first("put:" + name):
            return _error("InternalServerError", "reply lost", 500)
        return 200, {}

    def _query(self, request):
        name = request["TableName"]
        capsule = request["ExpressionAttributeValues"][":capsule"]
        page = {"Items": [item for item in self.items[name].values()
                          if item.get("capsule") == capsule]}
        if self.faults.get("query_repeat_key"):
            page["LastEvaluatedKey"] = {"capsule": capsule, "step": {"S": "same"}}
        elif self.faults.get("query_endless"):
            number = self.counters.get("query", 0) + 1
            self.counters["query"] = number
            page["Items"] = []
            page["LastEvaluatedKey"] = {"capsule": capsule, "step": {"S": "page%08d" % number}}
        page["Count"] = page["ScannedCount"] = len(page["Items"])
        return 200, page

    @staticmethod
    def _send(handler, status, data):
        handler.send_response(status)
        handler.send_header("Content-Type", "application/x-amz-json-1.0")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-amz-crc32", str(zlib.crc32(data) & 0xFFFFFFFF))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/x-amz-json-1.0")
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        handler.close_connection = True
        try:
            for _ in range(600):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(1)
        except OSError:
            pass
