#!/usr/bin/env python3
"""Check that schemareg-sigv4 rejects bad input with exit status 2 and a
message that names the problem, without printing the secret or the token.
Then check its other command-line behaviour: --version, --help, both
--time forms and credentials from the environment.

Usage: sigv4_tool_errors.py TOOL
"""
import os
import re
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
    ("unknown option", GOOD, ["--no-such-option"],
     "schemareg-sigv4: error: unknown option \"--no-such-option\""),
    ("unknown option with value", GOOD, ["--secret-kye=" + SECRET],
     "unknown option \"--secret-kye\""),
    ("abbreviated option", GOOD, ["--reg", "us-east-1"],
     "unknown option --reg; did you mean --region?"),
    ("missing value", GOOD, ["--print"], "option --print needs a value"),
    ("missing context", GOOD, ["--context", "/nonexistent/context.json"],
     "cannot read /nonexistent/context.json: No such file or directory"),
    ("two Host headers", b"GET / HTTP/1.1\nHost:a.com\nX:y\nhost: b.com\n", [],
     "-: line 4: a second Host header; HTTP/1.1 allows one per request"),
    ("bad compact time", GOOD, ["--time", "20150830T12360Z"], "invalid time"),
    ("signed compact time", GOOD, ["--time", "2015083+T123600Z"], "invalid time"),
]

# Every long option, each of which --help must describe on a line of its own.
OPTIONS = ["request", "print", "context", "access-key", "secret-key", "session-token",
           "region", "service", "time", "no-normalize-path", "sign-body",
           "omit-session-token", "mode", "expires", "help", "version"]

# The environment without any AWS_* variable of the caller.
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def run(args, env=None, stdin=GOOD):
    return subprocess.run(args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=CLEAN_ENV if env is None else env, check=False)


def signature(tool, args, env=None):
    """Returns the signature of GOOD for dynamodb in us-east-1 with args added."""
    result = run([tool, "--request", "-", "--region", "us-east-1", "--service", "dynamodb",
                  "--print", "signature", *args], env)
    if result.returncode != 0:
        raise AssertionError(f"{args}: exit {result.returncode}: {result.stderr!r}")
    return result.stdout.strip()


def check_behaviour(tool):
    """Yields (name, problem or None) for each behaviour check."""
    version = run([tool, "--version"])
    yield "--version", (None if version.returncode == 0 and
                        re.fullmatch(rb"schemareg-sigv4 \d+\.\d+\.\d+\n", version.stdout)
                        else f"exit {version.returncode}, output {version.stdout!r}")

    help_text = run([tool, "--help"]).stdout.decode()
    undocumented = [o for o in OPTIONS if not re.search(rf"^  --{o}\b", help_text, re.M)]
    yield "--help describes every option", (
        f"no line for {undocumented}" if undocumented else None)

    iso = signature(tool, ["--access-key", "AKID", "--secret-key", SECRET,
                           "--time", "2015-08-30T12:36:00Z"])
    compact = signature(tool, ["--access-key", "AKID", "--secret-key", SECRET,
                               "--time", "20150830T123600Z"])
    yield "X-Amz-Date time form", None if iso == compact else f"{compact!r} != {iso!r}"

    with_token = signature(tool, ["--access-key", "AKID", "--secret-key", SECRET,
                                  "--session-token", TOKEN, "--time", "20150830T123600Z"])
    env = dict(CLEAN_ENV, AWS_ACCESS_KEY_ID="AKID", AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_SESSION_TOKEN=TOKEN)
    from_env = signature(tool, ["--time", "20150830T123600Z"], env)
    yield "credentials from the environment", (
        None if from_env == with_token else f"{from_env!r} != {with_token!r}")

    # A stale AWS_SESSION_TOKEN is not added to keys from the command line.
    stale = dict(CLEAN_ENV, AWS_SESSION_TOKEN=TOKEN)
    flags_only = signature(tool, ["--access-key", "AKID", "--secret-key", SECRET,
                                  "--time", "20150830T123600Z"], stale)
    yield "options win over the environment", (
        None if flags_only == compact else "the environment's token was used")

    # An 8,200-byte method, longer than the fixed part of the output buffer,
    # works for every step.
    long_method = b"P" * 8200 + b" / HTTP/1.1\nHost:example.com\n"
    for step in ("canonical-request", "string-to-sign", "signature", "signed-request"):
        result = run([tool, "--request", "-", *CREDENTIALS, "--print", step], stdin=long_method)
        yield f"long method, {step}", (
            None if result.returncode == 0 and result.stdout.startswith(b"P" * 100)
            or (step in ("string-to-sign", "signature") and result.returncode == 0)
            else f"exit {result.returncode}, stderr {result.stderr!r}")

    missing = run([tool, "--request", "-", "--region", "us-east-1", "--service", "dynamodb",
                   "--print", "signature"])
    errors = missing.stderr.decode()
    yield "missing credentials named", (
        None if missing.returncode == 2 and "--access-key (or AWS_ACCESS_KEY_ID)" in errors
        else f"exit {missing.returncode}, stderr {errors!r}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tool = sys.argv[1]
    failures = 0

    for name, stdin, extra, expected in CASES:
        command = [tool, "--request", "-", *CREDENTIALS, "--print", "signature", *extra]
        result = run(command, stdin=stdin)
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

    for name, problem in check_behaviour(tool):
        if problem:
            failures += 1
            print(f"FAIL {name}: {problem}")
        else:
            print(f"ok   {name}")

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
