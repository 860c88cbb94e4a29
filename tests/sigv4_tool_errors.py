#!/usr/bin/env python3
"""Check that schemareg-sigv4 rejects bad input with exit status 2 and a
message that names the problem, without printing the secret or the token.

Usage: sigv4_tool_errors.py TOOL
"""
import subprocess
import sys

SECRET = "secret-value-0123456789"
TOKEN = "token-value-0123456789"
GOOD = b"GET / HTTP/1.1\nHost:example.com\n"
CREDENTIALS = ["--access-key", "AKID", "--secret-key", SECRET, "--session-token", TOKEN,
               "--region", "us-east-1", "--service", "dynamodb",
               "--time", "2015-08-30T12:36:00Z"]

# (name, request on standard input, extra arguments, expected text in stderr)
CASES = [
    ("no Host header", b"GET / HTTP/1.1\nX:y\n", [], "-: request has no Host header"),
    ("bad request line", b"GET /\n", [], "-: line 1: the request line does not end with"),
    ("header without colon", b"GET / HTTP/1.1\nHost:h\nBroken\n", [], "-: line 3: expected"),
    ("continuation first", b"GET / HTTP/1.1\n  folded\n", [], "-: line 2: a continuation line"),
    ("token header present", GOOD.replace(b"\n", b"\nX-Amz-Security-Token:" + TOKEN.encode() + b"\n", 1),
     [], "already has the header X-Amz-Security-Token"),
    ("bad query escape", b"GET /?a=%zz HTTP/1.1\nHost:h\n", [], "invalid percent-encoding at offset 2"),
    ("bad time", GOOD, ["--time", "2015-08-30 12:36:00"], "invalid time"),
    ("bad mode", GOOD, ["--mode", "cookie"], "invalid --mode"),
    ("bad print", GOOD, ["--print", "everything"], "invalid --print"),
    ("bad expires", GOOD, ["--mode", "query", "--expires", "604801"], "invalid expiry"),
    ("bad region", GOOD, ["--region", "us east"], "invalid region \"us east\""),
    ("unknown option", GOOD, ["--secret"], "unknown option"),
    ("missing context", GOOD, ["--context", "/nonexistent/context.json"],
     "/nonexistent/context.json"),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tool = sys.argv[1]
    failures = 0

    for name, stdin, extra, expected in CASES:
        command = [tool, "--request", "-", *CREDENTIALS, "--print", "signature", *extra]
        result = subprocess.run(command, input=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, check=False)
        errors = result.stderr.decode("utf-8", "replace")
        problems = []
        if result.returncode != 2:
            problems.append(f"exit status {result.returncode}, expected 2")
        if expected not in errors:
            problems.append(f"stderr lacks {expected!r}")
        if SECRET in errors or TOKEN in errors:
            problems.append("stderr contains the secret key or the token")
        if result.stdout:
            problems.append(f"unexpected output {result.stdout!r}")
        if problems:
            failures += 1
            print(f"FAIL {name}: {'; '.join(problems)}\n  stderr: {errors.strip()}")
        else:
            print(f"ok   {name}")

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
