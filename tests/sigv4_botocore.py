#!/usr/bin/python3
"""Compare schemareg-sigv4 with botocore's SigV4Auth on generated requests.

Usage: sigv4_botocore.py TOOL [COUNT]

Generates COUNT (default 2000) requests from a fixed seed, signs each with
botocore and with the tool (header mode), and checks that the canonical
requests and the signatures are equal. A mismatch prints the request as the
tool read it and both canonical requests. Exits 77 (skipped) when botocore
is not installed, 1 when any request differs.

botocore and the AWS SigV4 test suite differ in a few places. The suite
decides what the signer does, so this test only generates requests where
both agree:
- botocore does not decode and encode again a query taken from the URL,
  while the suite does. botocore gets the decoded parameters through
  AWSRequest.params instead, which it encodes once.
- botocore always normalizes the path, so the tool runs without
  --no-normalize-path.
- botocore always signs the session token, so --omit-session-token is not
  used, and it adds no x-amz-content-sha256 header, so --sign-body is not
  used either.
- botocore's value trimming splits on every Unicode space character, the
  suite's on spaces and tabs only, so header values use only those two.
"""
import concurrent.futures
import datetime
import os
import random
import subprocess
import sys

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("botocore is not installed (Debian package python3-botocore); skipping")
    sys.exit(77)

SEED = 20150830

PATH_SEGMENTS = [
    "a", "b", "Example", "item-1", "x_y", "~user", "-._~",
    ".", "..", "", "...", ".hidden", "a..b",
    "a b", "a+b", "a=b", "a&b", "a;b", "a,b", "a:b", "a@b", "a!b", "a$b",
    "a'b", "a(b)", "a*b", "[x]", "{y}", "a|b", "a^b", "a`b", "a\"b", "<c>",
    "%20", "%2F", "%2f", "%41", "%25", "%7E", "a%2Bb", "100%", "%zz", "%",
    "\u00e9t\u00e9", "\u1234", "\u65e5\u672c", "\U0001f600", "caf\u00e9 au lait",
]

QUERY_KEYS = [
    "id", "id-type", "id_type", "idx", "Id", "ID", "a", "b", "Param", "Param1",
    "list[]", "list[0]", "map[key]", "a b", "a+b", "a=b", "~k", "k~", "%", "100%",
    "\u00e9", "\u1234", "x/y", "x?y", "x&y", "", "X-Amz-Meta",
]

QUERY_VALUES = [
    "", "1", "v", "value", "a b", "a  b", "1+1", "x=y", "==", "~tilde", "100%", "%20",
    "\u00e9", "\u65e5\u672c", "a/b", "a?b", "a&b", "[1]", "'quoted'", "-._~", "*",
]

HEADER_NAMES = [
    "X-Amz-Target", "Content-Type", "X-Custom", "My-Header", "my-header", "MY-HEADER",
    "X-Amz-Meta-Name", "Accept", "X-Forwarded-For", "Content-Encoding", "User-Agent",
    "Expect", "X-Amzn-Trace-Id", "a", "x-1",
]

HEADER_WORDS = [
    "value", "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0",
    "text/plain; charset=utf-8", "\"a   b\"", "1", "a,b", "gzip", "*/*", "x=y;z",
]

HOSTS = ["example.amazonaws.com", "dynamodb.us-east-1.amazonaws.com", "localhost",
         "127.0.0.1", "my-bucket.s3.eu-west-1.amazonaws.com"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]
SERVICES = ["dynamodb", "service", "execute-api", "sts", "s3"]
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def random_path(rng):
    count = rng.randint(0, 6)
    segments = [rng.choice(PATH_SEGMENTS) for _ in range(count)]
    path = "/" + "/".join(segments)
    if rng.random() < 0.25:
        path += "/"
    if rng.random() < 0.1:
        path = "/" + path  # a leading double slash
    return path


def encode_for_wire(rng, text, in_key):
    """Percent-encode text the way some client might: always the characters
    that would change the query's structure, the rest at random."""
    out = []
    for char in text:
        structural = char in "&#%" or (in_key and char == "=")
        if structural or char in " \"<>\\^`{|}" and rng.random() < 0.5 or rng.random() < 0.15:
            out.extend(f"%{byte:02{rng.choice('Xx')}}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def random_query(rng):
    """Returns the decoded parameters and the query as sent on the wire."""
    params = []
    pieces = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5, 8])):
        key = rng.choice(QUERY_KEYS)
        if params and rng.random() < 0.2:
            key = rng.choice(params)[0]  # a duplicate key
        wire_key = encode_for_wire(rng, key, True)
        if rng.random() < 0.1 and key:
            params.append((key, ""))
            pieces.append(wire_key)  # no '='
            continue
        value = rng.choice(QUERY_VALUES)
        params.append((key, value))
        pieces.append(wire_key + "=" + encode_for_wire(rng, value, False))
    return params, "&".join(pieces)


def random_header_value(rng):
    words = [rng.choice(HEADER_WORDS) for _ in range(rng.randint(0, 3))]
    spaces = [rng.choice([" ", "  ", "\t", " \t "]) for _ in words]
    value = "".join(w + s for w, s in zip(words, spaces)).rstrip(" \t")
    return rng.choice(["", " ", "  ", "\t"]) + value + rng.choice(["", " ", "\t "])


def random_headers(rng):
    """Returns (name, value, raw lines) triples; some values are folded
    over continuation lines."""
    headers = []
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(HEADER_NAMES)
        if rng.random() < 0.15:
            parts = [random_header_value(rng).strip(" \t") or "x" for _ in range(rng.randint(2, 3))]
            lines = [f"{name}: {parts[0]}"] + [rng.choice(["  ", "\t", "     "]) + p for p in parts[1:]]
            headers.append((name, " ".join(parts), lines))
        else:
            value = random_header_value(rng)
            headers.append((name, value, [f"{name}:{value}"]))
    return headers


def random_case(rng, index):
    scheme = rng.choice(["https", "http"])
    host = rng.choice(HOSTS)
    default_port = 443 if scheme == "https" else 80
    port = rng.choice([None, None, default_port, 8000, 8443, 4566])
    netloc = host if port is None else f"{host}:{port}"
    host_header = host if port in (None, default_port) else f"{host}:{port}"

    method = rng.choice(["GET", "GET", "POST", "PUT", "DELETE", "HEAD"])
    body = b""
    if method in ("POST", "PUT") and rng.random() < 0.8:
        body = rng.choice([b"{}", b'{"TableName":"T"}\n', "caf\u00e9\r\n".encode(), b"a=1&b=2",
                           bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))])
    params, wire_query = random_query(rng)
    token = None
    if rng.random() < 0.4:
        token = "".join(rng.choice(TOKEN_CHARS) for _ in range(rng.randint(16, 400)))
    when = datetime.datetime(2015, 8, 30, 12, 36, 0) + datetime.timedelta(
        seconds=rng.randint(0, 400 * 86400))

    return {
        "index": index,
        "scheme": scheme,
        "netloc": netloc,
        "host_header": host_header,
        "method": method,
        "path": random_path(rng),
        "params": params,
        "wire_query": wire_query,
        "headers": random_headers(rng),
        "body": body,
        "access_key": rng.choice(["AKIDEXAMPLE", "ASIAEXAMPLE123", "AKIA" + str(index)]),
        "secret_key": rng.choice(["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "s3cr3t+/=",
                                  "secret-" + str(index)]),
        "token": token,
        "region": rng.choice(REGIONS),
        "service": rng.choice(SERVICES),
        "time": when,
    }


def request_text(case):
    target = case["path"] + ("?" + case["wire_query"] if case["wire_query"] else "")
    lines = [f"{case['method']} {target} HTTP/1.1", f"Host:{case['host_header']}"]
    for _, _, raw_lines in case["headers"]:
        lines.extend(raw_lines)
    return ("\n".join(lines) + "\n\n").encode("utf-8") + case["body"]


def sign_with_botocore(case):
    url = f"{case['scheme']}://{case['netloc']}{case['path']}"
    request = AWSRequest(method=case["method"], url=url, data=case["body"],
                         params=case["params"] or {})
    for name, value, _ in case["headers"]:
        request.headers[name] = value  # HTTPHeaders keeps repeated names
    credentials = Credentials(case["access_key"], case["secret_key"], case["token"])
    auth = SigV4Auth(credentials, case["service"], case["region"])

    # The steps of SigV4Auth.add_auth, with a fixed time instead of now.
    request.context["timestamp"] = case["time"].strftime("%Y%m%dT%H%M%SZ")
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    return canonical, signature


def run_tool(tool, case, text, output):
    command = [tool, "--request", "-", "--access-key", case["access_key"],
               "--secret-key", case["secret_key"], "--region", case["region"],
               "--service", case["service"], "--time", case["time"].strftime("%Y-%m-%dT%H:%M:%SZ"),
               "--print", output]
    if case["token"]:
        command += ["--session-token", case["token"]]
    result = subprocess.run(command, input=text, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        return None, result.stderr.decode("utf-8", "replace").strip()
    return result.stdout.decode("utf-8").removesuffix("\n"), None


def check_case(tool, case):
    """Returns None when both signers agree, else a report of the difference."""
    text = request_text(case)
    expected_canonical, expected_signature = sign_with_botocore(case)
    canonical, error = run_tool(tool, case, text, "canonical-request")
    signature = None
    if error is None:
        signature, error = run_tool(tool, case, text, "signature")
    if error is None and canonical == expected_canonical and signature == expected_signature:
        return None

    report = [f"request {case['index']} differs; the tool read:", repr(text),
              f"botocore params: {case['params']!r}",
              f"region {case['region']}, service {case['service']}, "
              f"time {case['time']:%Y-%m-%dT%H:%M:%SZ}, token: {case['token'] is not None}"]
    if error is not None:
        report.append(f"tool failed: {error}")
    else:
        report += ["botocore canonical request:", expected_canonical,
                   "tool canonical request:", canonical,
                   f"signatures equal: {signature == expected_signature}"]
    return "\n".join(report)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    tool = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) == 3 else 2000
    rng = random.Random(SEED)
    cases = [random_case(rng, i) for i in range(count)]

    # Two workers, because each case mostly waits for two runs of the tool.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        reports = [r for r in pool.map(lambda c: check_case(tool, c), cases) if r]

    for report in reports[:10]:
        print(report, end="\n\n")
    print(f"{count - len(reports)} of {count} requests agree with botocore")
    sys.exit(1 if reports else 0)


if __name__ == "__main__":
    main()
