#!/usr/bin/python3
"""Self-test of faultproxy.py, with curl as the client.

  faultproxy_test.py stub   pass-through byte for byte in front of a canned
                            upstream, option checks, determinism
  faultproxy_test.py ddb    every fault kind at rate 1.0 in front of
                            DynamoDB Local, and pass-through at rate 0

The ddb part starts DynamoDB Local with tests/servers/ddb-server, or uses
the server on 127.0.0.1:$SCHEMAREG_TEST_UPSTREAM_PORT when that is set. It
exits 77 (skipped) when the server cannot be started for lack of Java or
node_modules.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
import ddb_server  # noqa: E402
PROXY = os.path.join(HERE, "faultproxy.py")
PYTHON = "/usr/bin/python3"
CURL = "curl"
EXIT_SKIP = 77

ERROR_TYPE_PREFIX = "com.amazonaws.dynamodb.v20120810#"
CURL_PARTIAL_FILE = 18
CURL_TIMEOUT = 28
CURL_EMPTY_REPLY = 52
CURL_RECV_ERROR = 56

upstream_port = None


class ProxyProcess:
    """A faultproxy.py child process; the context manager stops it."""

    def __init__(self, upstream, *options):
        self.stats_path = tempfile.mktemp(prefix="faultproxy-stats-", suffix=".json")
        self.process = subprocess.Popen(
            [PYTHON, PROXY, "--upstream", str(upstream), "--stats", self.stats_path,
             *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.process.kill()
            raise RuntimeError(f"faultproxy did not print its port: {line!r} "
                               f"{self.process.stderr.read()}")
        self.port = int(line)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()
        with open(self.stats_path, encoding="utf-8") as file:
            stats = json.load(file)
        os.unlink(self.stats_path)
        return stats

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.stop()


class Reply:
    def __init__(self, exit_code, status, headers, body):
        self.exit_code = exit_code
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


def parse_header_dump(text):
    """Returns the headers of the last response in a curl -D dump."""
    headers = {}
    for line in text.split("\r\n"):
        if line.startswith("HTTP/"):
            headers = {}
        elif ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return headers


def ddb_request(port, operation, payload, max_time=10):
    """Sends one signed DynamoDB request with curl and returns a Reply."""
    with tempfile.TemporaryDirectory() as directory:
        header_path = os.path.join(directory, "headers")
        body_path = os.path.join(directory, "body")
        result = subprocess.run(
            [CURL, "--silent", "--max-time", str(max_time),
             "--aws-sigv4", "aws:amz:us-east-1:dynamodb",
             "--user", "AKIAFAULTPROXYTEST:faultproxytestsecret",
             "--header", "Content-Type: application/x-amz-json-1.0",
             "--header", f"X-Amz-Target: DynamoDB_20120810.{operation}",
             "--data-binary", json.dumps(payload),
             "--dump-header", header_path, "--output", body_path,
             "--write-out", "%{http_code}",
             f"http://127.0.0.1:{port}/"],
            capture_output=True, text=True, check=False)
        headers = {}
        body = b""
        if os.path.exists(header_path):
            with open(header_path, encoding="latin-1", newline="") as file:
                headers = parse_header_dump(file.read())
        if os.path.exists(body_path):
            with open(body_path, "rb") as file:
                body = file.read()
    status = int(result.stdout) if result.stdout.isdigit() else 0
    return Reply(result.returncode, status, headers, body)


class CannedUpstream:
    """A raw TCP server on 127.0.0.1 that sends the n-th canned response,
    byte for byte, for the n-th request on a connection."""

    def __init__(self, responses):
        self.responses = responses
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection):
        buffer = b""
        with connection:
            for response in self.responses:
                while b"\r\n\r\n" not in buffer:
                    data = connection.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                while len(buffer) < length:
                    buffer += connection.recv(65536)
                buffer = buffer[length:]
                connection.sendall(response)

    def close(self):
        self.listener.close()


CANNED_BODY = bytes(range(256)) + b"\r\n\r\n{\"TableNames\":[]}"
CANNED_RESPONSES = [
    # Binary body with Content-Length and odd header spacing.
    b"HTTP/1.1 200 OK\r\nx-amz-crc32: 12345\r\nX-Odd:   spaced  \r\n"
    b"Content-Length: " + str(len(CANNED_BODY)).encode() + b"\r\n\r\n" + CANNED_BODY,
    # Chunked body with a chunk extension and a trailer.
    b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
    # Empty body.
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
]


class StubTest(unittest.TestCase):
    def test_passthrough_is_byte_exact(self):
        upstream = CannedUpstream(CANNED_RESPONSES)
        try:
            with ProxyProcess(upstream.port, "--rate", "0") as proxy:
                url = f"http://127.0.0.1:{proxy.port}/"
                result = subprocess.run(
                    [CURL, "--silent", "--include", "--raw", url, url, url],
                    capture_output=True, check=False)
                stats = proxy.stop()
        finally:
            upstream.close()
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, b"".join(CANNED_RESPONSES))
        self.assertEqual(stats["requests"], 3)
        self.assertEqual(stats["passed"], 3)
        self.assertEqual(sum(stats["injected"].values()), 0)

    def test_non_loopback_upstream_rejected(self):
        for upstream in ("10.0.0.1:8000", "169.254.169.254:80", "example.com:80"):
            with self.subTest(upstream=upstream):
                result = subprocess.run([PYTHON, PROXY, "--upstream", upstream],
                                        capture_output=True, text=True, timeout=10,
                                        check=False)
                self.assertEqual(result.returncode, 2)
                self.assertIn("rejected", result.stderr)

    def test_invalid_options_rejected(self):
        cases = [
            ["--rate", "1.5"],
            ["--rate", "x"],
            ["--kinds", "nosuchkind"],
            ["--delay-ms", "-1"],
        ]
        for options in cases:
            with self.subTest(options=options):
                result = subprocess.run([PYTHON, PROXY, "--upstream", "1", *options],
                                        capture_output=True, text=True, timeout=10,
                                        check=False)
                self.assertEqual(result.returncode, 2)

    def test_pass_table_spared(self):
        body = b'{}'
        response = (b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode()
                    + b"\r\n\r\n" + body)
        upstream = CannedUpstream([response])
        try:
            with ProxyProcess(upstream.port, "--rate", "1.0", "--kinds", "http_503",
                              "--pass-table", "kept") as proxy:
                kept = ddb_request(proxy.port, "DescribeTable", {"TableName": "kept"})
                faulted = ddb_request(proxy.port, "DescribeTable", {"TableName": "other"})
                stats = proxy.stop()
        finally:
            upstream.close()
        self.assertEqual(kept.status, 200)
        self.assertEqual(faulted.status, 503)
        self.assertEqual(stats["spared"], 1)
        self.assertEqual(stats["injected"], {"http_503": 1})

    def test_same_seed_same_faults(self):
        body = b'{"TableNames":[]}'
        response = (b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode()
                    + b"\r\n\r\n" + body)
        upstream = CannedUpstream([response])
        outcomes = []
        try:
            for seed in (7, 7, 8):
                with ProxyProcess(upstream.port, "--rate", "0.5", "--seed", str(seed),
                                  "--delay-ms", "0") as proxy:
                    codes = [ddb_request(proxy.port, "ListTables", {}).status
                             for _ in range(40)]
                    outcomes.append((codes, proxy.stop()))
        finally:
            upstream.close()
        self.assertEqual(outcomes[0], outcomes[1])
        self.assertNotEqual(outcomes[0][0], outcomes[2][0])
        self.assertGreater(outcomes[0][1]["passed"], 0)
        self.assertGreater(sum(outcomes[0][1]["injected"].values()), 0)


def put_item_payload(table, key):
    return {"TableName": table, "Item": {"pk": {"S": key}, "v": {"N": "1"}}}


def item_exists(table, key):
    reply = ddb_request(upstream_port, "GetItem",
                        {"TableName": table, "Key": {"pk": {"S": key}},
                         "ConsistentRead": True})
    if reply.status != 200:
        raise RuntimeError(f"GetItem on upstream failed: {reply.status} {reply.body!r}")
    return "Item" in json.loads(reply.body)


def expect_throttle(test, reply, kind):
    test.assertEqual(reply.exit_code, 0)
    test.assertEqual(reply.status, 400)
    test.assertEqual(json.loads(reply.body)["__type"], ERROR_TYPE_PREFIX + kind)
    test.assertEqual(int(reply.header("x-amz-crc32")), zlib.crc32(reply.body))


def expect_500(test, reply, _kind):
    test.assertEqual(reply.status, 500)
    test.assertEqual(json.loads(reply.body)["__type"], ERROR_TYPE_PREFIX + "InternalServerError")


def expect_503(test, reply, _kind):
    test.assertEqual(reply.status, 503)
    test.assertEqual(reply.body, b"Service Unavailable\n")


def expect_reset(test, reply, _kind):
    test.assertIn(reply.exit_code, (CURL_RECV_ERROR, CURL_EMPTY_REPLY))
    test.assertEqual(reply.status, 0)


def expect_truncated(test, reply, _kind):
    test.assertEqual(reply.exit_code, CURL_PARTIAL_FILE)
    test.assertEqual(reply.status, 200)
    test.assertLess(len(reply.body), int(reply.header("content-length")))


def expect_bad_crc32(test, reply, _kind):
    test.assertEqual(reply.exit_code, 0)
    test.assertEqual(reply.status, 200)
    test.assertNotEqual(int(reply.header("x-amz-crc32")), zlib.crc32(reply.body))


def expect_timeout(test, reply, _kind):
    test.assertEqual(reply.exit_code, CURL_TIMEOUT)


# kind, check of the client's result, whether the server applied the request.
FAULT_CASES = [
    ("ProvisionedThroughputExceededException", expect_throttle, False),
    ("ThrottlingException", expect_throttle, False),
    ("LimitExceededException", expect_throttle, False),
    ("http_500", expect_500, False),
    ("http_503", expect_503, False),
    ("reset_before", expect_reset, False),
    ("reset_after", expect_reset, True),
    ("truncate", expect_truncated, True),
    ("bad_crc32", expect_bad_crc32, True),
    ("delay", expect_timeout, True),
]

DELAY_MS = 2500
CLIENT_TIMEOUT_S = 1


class DynamoDBTest(unittest.TestCase):
    table = None

    @classmethod
    def setUpClass(cls):
        cls.table = "faultproxy-" + uuid.uuid4().hex[:12]
        reply = ddb_request(upstream_port, "CreateTable", {
            "TableName": cls.table,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        })
        if reply.status != 200:
            raise RuntimeError(f"CreateTable failed: {reply.status} {reply.body!r}")

    @classmethod
    def tearDownClass(cls):
        ddb_request(upstream_port, "DeleteTable", {"TableName": cls.table})

    def test_each_kind_at_full_rate(self):
        for kind, expect, applied in FAULT_CASES:
            with self.subTest(kind=kind):
                key = f"{kind}-{uuid.uuid4().hex[:8]}"
                with ProxyProcess(upstream_port, "--rate", "1.0", "--kinds", kind,
                                  "--delay-ms", str(DELAY_MS)) as proxy:
                    reply = ddb_request(proxy.port, "PutItem",
                                        put_item_payload(self.table, key),
                                        max_time=CLIENT_TIMEOUT_S)
                    stats = proxy.stop()
                expect(self, reply, kind)
                self.assertEqual(item_exists(self.table, key), applied)
                self.assertEqual(stats["requests"], 1)
                self.assertEqual(stats["injected"], {kind: 1})

    def test_passthrough_at_rate_zero(self):
        key = "passthrough-" + uuid.uuid4().hex[:8]
        get_payload = {"TableName": self.table, "Key": {"pk": {"S": key}},
                       "ConsistentRead": True}
        with ProxyProcess(upstream_port, "--rate", "0") as proxy:
            put = ddb_request(proxy.port, "PutItem", put_item_payload(self.table, key))
            through_proxy = ddb_request(proxy.port, "GetItem", get_payload)
            missing = ddb_request(proxy.port, "DescribeTable", {"TableName": "no-such-table"})
            stats = proxy.stop()
        direct = ddb_request(upstream_port, "GetItem", get_payload)
        direct_missing = ddb_request(upstream_port, "DescribeTable",
                                     {"TableName": "no-such-table"})

        self.assertEqual(put.status, 200)
        self.assertEqual(through_proxy.status, 200)
        self.assertEqual(through_proxy.body, direct.body)
        self.assertEqual(through_proxy.header("x-amz-crc32"), direct.header("x-amz-crc32"))
        self.assertEqual(int(through_proxy.header("x-amz-crc32")),
                         zlib.crc32(through_proxy.body))
        self.assertEqual(missing.status, 400)
        self.assertEqual(missing.body, direct_missing.body)
        self.assertEqual(stats["passed"], 3)
        self.assertEqual(sum(stats["injected"].values()), 0)


def main():
    global upstream_port

    part = sys.argv[1] if len(sys.argv) > 1 else ""
    if part == "stub":
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(StubTest)
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        return 0 if result.wasSuccessful() else 1
    if part != "ddb":
        sys.exit("usage: faultproxy_test.py stub|ddb")

    server_pid = None
    if os.environ.get("SCHEMAREG_TEST_UPSTREAM_PORT"):
        upstream_port = int(os.environ["SCHEMAREG_TEST_UPSTREAM_PORT"])
    else:
        upstream_port, server_pid = ddb_server.start_dynamodb_local()
    try:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(DynamoDBTest)
        result = unittest.TextTestRunner(verbosity=2).run(suite)
    finally:
        if server_pid is not None:
            ddb_server.stop(server_pid)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    started = time.monotonic()
    status = main()
    print(f"faultproxy_test: {time.monotonic() - started:.1f} s", file=sys.stderr)
    sys.exit(status)
