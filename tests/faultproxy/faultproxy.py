#!/usr/bin/python3
"""Fault-injecting HTTP/1.1 reverse proxy for the schemareg tests.

The proxy listens on 127.0.0.1 and forwards each request to an upstream
DynamoDB-compatible server on 127.0.0.1. For a fraction of the requests
(--rate) it injects one fault kind chosen from --kinds instead of passing
the exchange through unchanged:

  ProvisionedThroughputExceededException, ThrottlingException,
  LimitExceededException
                   return 400 with a DynamoDB JSON error body; the request
                   is not forwarded
  http_500         return 500 with an InternalServerError JSON body; the
                   request is not forwarded
  http_503         return 503 with a plain-text body; not forwarded
  reset_before     reset the client connection (RST) without forwarding
  reset_after      forward, read the whole upstream response, then reset the
                   client connection, so the server applied the request but
                   the client never sees the response
  truncate         forward, then send the response headers and only half of
                   the body (half of the headers for an empty body) and
                   close the connection
  bad_crc32        forward, then pass the response with a wrong x-amz-crc32
  delay            forward, then hold the response for --delay-ms before
                   sending it, which is meant to be longer than the client's
                   request timeout

Requests whose JSON body names a table given with --pass-table are always
passed through, so a test can keep, say, the state table reachable while
every other request fails.

Every request draws the same two numbers from one random generator seeded
with --seed, so for a given seed and request sequence the injected faults
are the same on every run. With concurrent client connections the sequence
is the order in which requests finish arriving.

On start the proxy prints its listening port on stdout. With --stats it
writes a JSON object of counts to FILE every second, on SIGTERM, SIGINT and
at exit:
  {"requests": N, "passed": N, "spared": N, "injected": {"<kind>": N, ...}}
where spared counts the requests passed because of --pass-table.

Only for tests: it listens on and connects to 127.0.0.1 and nothing else.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import struct
import sys
import zlib

LOOPBACK = "127.0.0.1"
ERROR_TYPE_PREFIX = "com.amazonaws.dynamodb.v20120810#"
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"

THROTTLE_KINDS = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "LimitExceededException",
)
FORWARDING_KINDS = ("reset_after", "truncate", "bad_crc32", "delay")
ALL_KINDS = THROTTLE_KINDS + ("http_500", "http_503", "reset_before") + FORWARDING_KINDS

MAX_HEADER_BYTES = 64 * 1024
STATS_INTERVAL_S = 1.0


class ProtocolError(Exception):
    """A peer sent something that is not HTTP/1.1 as this proxy reads it."""


class UpstreamClosed(Exception):
    """The upstream closed the connection before sending any response byte."""


class Message:
    """One HTTP request or response: the start line and headers exactly as
    received, the parsed headers, and the body as it went on the wire (raw
    chunked framing included)."""

    def __init__(self, head, start_line, headers, body):
        self.head = head
        self.start_line = start_line
        self.headers = headers
        self.body = body

    def header(self, name):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def wants_close(self):
        connection = (self.header("connection") or "").lower()
        return "close" in [token.strip() for token in connection.split(",")]


def parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    start_line = lines[0]
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolError(f"invalid header line {line!r}")
        headers.append((name, value.strip()))
    return start_line, headers


async def read_head(reader):
    """Reads a start line and headers; returns None on a clean EOF before
    the first byte."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise ProtocolError("connection closed inside the message headers") from error
    except asyncio.LimitOverrunError as error:
        raise ProtocolError(f"headers longer than {MAX_HEADER_BYTES} bytes") from error
    return head


async def read_chunked(reader):
    """Reads a chunked body, returning it with its framing unchanged."""
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        parts.append(size_line)
        size_text = size_line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError as error:
            raise ProtocolError(f"invalid chunk size {size_text!r}") from error
        if size == 0:
            break
        parts.append(await reader.readexactly(size + 2))
    while True:
        trailer = await reader.readuntil(b"\r\n")
        parts.append(trailer)
        if trailer == b"\r\n":
            return b"".join(parts)


async def read_body(reader, message, until_eof):
    transfer_encoding = (message.header("transfer-encoding") or "").lower()
    if "chunked" in transfer_encoding:
        return await read_chunked(reader)
    length = message.header("content-length")
    if length is not None:
        try:
            count = int(length)
        except ValueError as error:
            raise ProtocolError(f"invalid Content-Length {length!r}") from error
        if count < 0:
            raise ProtocolError(f"invalid Content-Length {length!r}")
        return await reader.readexactly(count)
    if until_eof:
        return await reader.read()
    return b""


async def read_request(reader, writer):
    """Reads one request. A client that sends "Expect: 100-continue" gets
    the interim response from the proxy, and the header is not forwarded,
    because the proxy needs the whole body before it decides on a fault."""
    head = await read_head(reader)
    if head is None:
        return None
    start_line, headers = parse_head(head)
    request = Message(head, start_line, headers, b"")
    if (request.header("expect") or "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        request.headers = [(name, value) for name, value in headers
                           if name.lower() != "expect"]
        request.head = serialize_head(start_line, request.headers)
    request.body = await read_body(reader, request, until_eof=False)
    return request


def response_has_body(request, status):
    if request.start_line.split(" ", 1)[0] == "HEAD":
        return False
    return not (100 <= status < 200 or status in (204, 304))


async def read_response(reader, request):
    """Reads one final response; interim 1xx responses are returned in
    front of it, as raw bytes."""
    interim = b""
    while True:
        head = await read_head(reader)
        if head is None:
            if interim:
                raise ProtocolError("upstream closed the connection after a 1xx response")
            raise UpstreamClosed()
        start_line, headers = parse_head(head)
        fields = start_line.split(" ", 2)
        if len(fields) < 2 or not fields[0].startswith("HTTP/1.") or not fields[1].isdigit():
            raise ProtocolError(f"invalid status line {start_line!r}")
        status = int(fields[1])
        response = Message(head, start_line, headers, b"")
        if 100 <= status < 200 and status != 101:
            interim += head
            continue
        if response_has_body(request, status):
            response.body = await read_body(reader, response, until_eof=True)
        response.status = status
        return interim, response


def serialize_head(start_line, headers):
    lines = [start_line] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def json_error_response(status, reason, error_type, message):
    body = json.dumps({"__type": ERROR_TYPE_PREFIX + error_type,
                       "message": message}).encode()
    headers = [
        ("x-amzn-RequestId", "faultproxy-" + error_type),
        ("Content-Type", JSON_CONTENT_TYPE),
        ("x-amz-crc32", str(zlib.crc32(body))),
        ("Content-Length", str(len(body))),
    ]
    return serialize_head(f"HTTP/1.1 {status} {reason}", headers) + body


def plain_error_response(status, reason):
    body = f"{reason}\n".encode()
    headers = [
        ("Content-Type", "text/plain"),
        ("Content-Length", str(len(body))),
    ]
    return serialize_head(f"HTTP/1.1 {status} {reason}", headers) + body


def canned_response(kind):
    if kind in THROTTLE_KINDS:
        return json_error_response(400, "Bad Request", kind,
                                   f"injected by faultproxy: {kind}")
    if kind == "http_500":
        return json_error_response(500, "Internal Server Error", "InternalServerError",
                                   "injected by faultproxy: internal server error")
    if kind == "http_503":
        return plain_error_response(503, "Service Unavailable")
    raise ValueError(kind)


def with_wrong_crc32(response):
    """Returns the response bytes with x-amz-crc32 set to a value that does
    not match the body (added when upstream sent none)."""
    wrong = (zlib.crc32(response.body) ^ 0x5A5A5A5A) & 0xFFFFFFFF
    headers = [(name, value) for name, value in response.headers
               if name.lower() != "x-amz-crc32"]
    headers.append(("x-amz-crc32", str(wrong)))
    return serialize_head(response.start_line, headers) + response.body


def reset(writer):
    """Closes the client connection with a TCP RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def request_table(request):
    """Returns the TableName of a DynamoDB JSON request body, or None."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return body.get("TableName")


class FaultPlan:
    """Decides, request by request, whether to inject a fault and which."""

    def __init__(self, rate, seed, kinds, pass_tables):
        self.rate = rate
        self.kinds = kinds
        self.pass_tables = set(pass_tables)
        self.random = random.Random(seed)
        self.requests = 0
        self.passed = 0
        self.spared = 0
        self.injected = {kind: 0 for kind in kinds}

    def next_fault(self, request):
        self.requests += 1
        draw = self.random.random()
        index = self.random.randrange(len(self.kinds))
        if self.pass_tables and request_table(request) in self.pass_tables:
            self.passed += 1
            self.spared += 1
            return None
        if draw < self.rate:
            kind = self.kinds[index]
            self.injected[kind] += 1
            return kind
        self.passed += 1
        return None

    def stats(self):
        return {"requests": self.requests, "passed": self.passed, "spared": self.spared,
                "injected": dict(self.injected)}


class StatsWriter:
    def __init__(self, path, plan):
        self.path = path
        self.plan = plan
        self.last = None

    def write(self):
        if self.path is None:
            return
        stats = self.plan.stats()
        if stats == self.last:
            return
        temporary = f"{self.path}.tmp{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(stats, file, sort_keys=True)
            file.write("\n")
        os.replace(temporary, self.path)
        self.last = stats

    async def run_periodically(self):
        while True:
            await asyncio.sleep(STATS_INTERVAL_S)
            self.write()


class Proxy:
    def __init__(self, upstream_port, plan, delay_ms):
        self.upstream_port = upstream_port
        self.plan = plan
        self.delay_s = delay_ms / 1000.0

    async def handle_client(self, client_reader, client_writer):
        upstream = None
        try:
            while True:
                request = await read_request(client_reader, client_writer)
                if request is None:
                    break
                kind = self.plan.next_fault(request)
                upstream, keep_going = await self.exchange(
                    request, kind, upstream, client_writer)
                if not keep_going:
                    break
        except (ProtocolError, UpstreamClosed, ConnectionError,
                asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            print(f"faultproxy: connection dropped: {error}", file=sys.stderr)
        finally:
            if upstream is not None:
                upstream[1].close()
            if not client_writer.transport.is_closing():
                client_writer.close()

    async def open_upstream(self):
        return await asyncio.open_connection(LOOPBACK, self.upstream_port,
                                             limit=MAX_HEADER_BYTES)

    async def forward(self, request, upstream):
        """Sends the request upstream and returns (upstream, interim, response).
        When a kept-alive upstream connection turns out to be closed by the
        server before any response byte, the request is sent once more on a
        new connection, as HTTP clients do for idle connections."""
        reused = upstream is not None
        if upstream is None:
            upstream = await self.open_upstream()
        try:
            writer = upstream[1]
            writer.write(request.head + request.body)
            await writer.drain()
            interim, response = await read_response(upstream[0], request)
            return upstream, interim, response
        except (ConnectionResetError, BrokenPipeError, UpstreamClosed):
            upstream[1].close()
            if not reused:
                raise
        return await self.forward(request, None)

    async def exchange(self, request, kind, upstream, client_writer):
        """Handles one request; returns (upstream, keep the client
        connection open)."""
        if kind is not None and kind not in FORWARDING_KINDS:
            if kind == "reset_before":
                reset(client_writer)
                return upstream, False
            client_writer.write(canned_response(kind))
            await client_writer.drain()
            return upstream, not request.wants_close()

        upstream, interim, response = await self.forward(request, upstream)
        close_after = request.wants_close() or response.wants_close()
        has_length = (response.header("content-length") is not None
                      or "chunked" in (response.header("transfer-encoding") or "").lower()
                      or not response_has_body(request, response.status))
        if close_after or not has_length:
            upstream[1].close()
            upstream = None
            close_after = True

        if kind == "reset_after":
            reset(client_writer)
            return upstream, False
        if kind == "truncate":
            # An empty body cannot be cut short, so the headers are instead.
            if response.body:
                cut = response.head + response.body[: len(response.body) // 2]
            else:
                cut = response.head[: len(response.head) // 2]
            client_writer.write(interim + cut)
            await client_writer.drain()
            client_writer.close()
            return upstream, False
        if kind == "delay":
            await asyncio.sleep(self.delay_s)

        if kind == "bad_crc32":
            client_writer.write(interim + with_wrong_crc32(response))
        else:
            client_writer.write(interim + response.head + response.body)
        await client_writer.drain()
        return upstream, not close_after


def parse_upstream(text):
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = LOOPBACK, text
    if host not in (LOOPBACK, "localhost"):
        raise argparse.ArgumentTypeError(
            f"upstream host {host!r} rejected: the proxy only forwards to {LOOPBACK}")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise argparse.ArgumentTypeError(f"invalid upstream port {port_text!r}")
    return int(port_text)


def parse_rate(text):
    try:
        rate = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid rate {text!r}") from error
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"rate {text} is outside 0.0 to 1.0")
    return rate


def parse_kinds(text):
    if text == "all":
        return list(ALL_KINDS)
    kinds = [kind.strip() for kind in text.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in ALL_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unknown fault kind(s) {', '.join(unknown) or '(none)'}; "
            f"use 'all' or a comma-separated list of: {', '.join(ALL_KINDS)}")
    return kinds


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Fault-injecting HTTP/1.1 proxy in front of a DynamoDB-compatible "
                    "server on 127.0.0.1 (test use only).")
    parser.add_argument("--upstream", required=True, type=parse_upstream, metavar="PORT",
                        help="upstream port on 127.0.0.1 (or 127.0.0.1:PORT)")
    parser.add_argument("--port", type=int, default=0,
                        help="listening port on 127.0.0.1; 0 (default) picks a free one")
    parser.add_argument("--rate", type=parse_rate, default=0.2,
                        help="fraction of requests that get a fault, 0.0 to 1.0 (default 0.2)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--kinds", type=parse_kinds, default=list(ALL_KINDS),
                        help="'all' (default) or a comma-separated list of: "
                             + ", ".join(ALL_KINDS))
    parser.add_argument("--delay-ms", type=int, default=5000,
                        help="how long the delay fault holds a response, in ms (default 5000)")
    parser.add_argument("--pass-table", action="append", default=[], metavar="NAME",
                        help="never inject a fault into requests on table NAME (repeatable)")
    parser.add_argument("--stats", metavar="FILE",
                        help="write the JSON fault counts to FILE every second and at exit")
    arguments = parser.parse_args(argv)
    if arguments.delay_ms < 0:
        parser.error("--delay-ms must be 0 or more")
    return arguments


async def serve(arguments):
    plan = FaultPlan(arguments.rate, arguments.seed, arguments.kinds, arguments.pass_table)
    stats = StatsWriter(arguments.stats, plan)
    proxy = Proxy(arguments.upstream, plan, arguments.delay_ms)
    server = await asyncio.start_server(proxy.handle_client, LOOPBACK, arguments.port,
                                        limit=MAX_HEADER_BYTES)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    stats.write()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    periodic = asyncio.create_task(stats.run_periodically())
    try:
        async with server:
            await stop.wait()
    finally:
        periodic.cancel()
        stats.write()


def main(argv):
    arguments = parse_arguments(argv)
    asyncio.run(serve(arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
