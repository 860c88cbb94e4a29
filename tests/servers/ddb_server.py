"""Starts and stops DynamoDB Local on 127.0.0.1 through the ddb-server
script beside this module, for the Python tests."""

import os
import subprocess
import sys

DDB_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ddb-server")
EXIT_SKIP = 77


def start_dynamodb_local():
    """Returns (port, pid); exits 77 (skipped) when the harness skips."""
    if not os.path.exists(DDB_SERVER):
        print(f"skipped: {DDB_SERVER} not found", file=sys.stderr)
        sys.exit(EXIT_SKIP)
    result = subprocess.run([DDB_SERVER, "start", "dynamodb-local"],
                            capture_output=True, text=True, check=False)
    if result.returncode == EXIT_SKIP:
        print(result.stderr, file=sys.stderr, end="")
        sys.exit(EXIT_SKIP)
    if result.returncode != 0:
        sys.exit(f"ddb-server start failed: {result.stderr}")
    port, pid = result.stdout.split()
    return int(port), pid


def stop(pid):
    """Stops the server started with pid; a server already gone is no error."""
    subprocess.run([DDB_SERVER, "stop", pid], check=False)
