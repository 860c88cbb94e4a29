#!/usr/bin/env python3
"""Check schemareg-sigv4 against one case of the AWS SigV4 test suite.

Usage: sigv4_suite.py TOOL CASE_DIR

Runs the tool for header and query signing and each of the four outputs,
and compares its standard output byte for byte with the expected file plus
the newline the tool prints. Prints one line per comparison and, for a
mismatch, both texts. Exits 1 when any comparison fails.
"""
import os
import subprocess
import sys

MODES = ("header", "query")
OUTPUTS = ("canonical-request", "string-to-sign", "signature", "signed-request")


def run_tool(tool, case_dir, mode, output):
    command = [
        tool,
        "--request", os.path.join(case_dir, "request.txt"),
        "--context", os.path.join(case_dir, "context.json"),
        "--mode", mode,
        "--print", output,
    ]
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            check=False)
    return result.returncode, result.stdout, result.stderr.decode("utf-8", "replace")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tool, case_dir = sys.argv[1], sys.argv[2]
    case = os.path.basename(os.path.normpath(case_dir))
    failures = 0

    for mode in MODES:
        for output in OUTPUTS:
            with open(os.path.join(case_dir, f"{mode}-{output}.txt"), "rb") as file:
                expected = file.read() + b"\n"
            status, actual, errors = run_tool(tool, case_dir, mode, output)
            if status == 0 and actual == expected:
                print(f"ok   {case} {mode} {output}")
                continue
            failures += 1
            print(f"FAIL {case} {mode} {output}: exit status {status}")
            if errors:
                print(f"  stderr: {errors.strip()}")
            print(f"  expected: {expected!r}")
            print(f"  actual:   {actual!r}")

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
