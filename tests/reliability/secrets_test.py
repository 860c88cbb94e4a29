#!/usr/bin/python3
"""Checks that no secret appears in any output of schemareg-host.

Usage: secrets_test.py --host PATH --plugin-dir DIR --faultproxy PATH

Run it through tests/servers/ddb-server, which starts DynamoDB Local and
sets SCHEMAREG_TEST_ENDPOINT. Every command runs with --log-level trace and
--trace-http, with credentials made of random strings, from each source:
environment, command line, credential_process and a container credentials
endpoint. The runs cover list, validate, plan, provision (first run and
re-run) and status. They also cover these failure paths: an endpoint with
no server, a server that rejects every signature, and throttling on every
request (through faultproxy.py). Credentials fail too: a credential_process
that fails or prints invalid JSON, and a container endpoint that fails,
prints invalid JSON or rejects its authorization token.

DynamoDB requests go through a recording proxy in this script, which keeps
the Signature of every Authorization header. The test fails when any
output (stdout or stderr) of any run contains a secret access key, a
session token, the container authorization token or a signature, or any
16-character piece of one. It also fails when a run does not end as
expected or the trace lines are missing, so the secrets were really
exercised. Exits 77 (skipped) when DynamoDB Local is not available.
"""

import argparse
import http.client
import http.server
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading

EXIT_SKIP = 77
PYTHON = "/usr/bin/python3"
REGION = "us-east-1"
HOST_TIMEOUT_S = 180
# Length of the pieces of each secret that must not appear either.
PIECE_LENGTH = 16
MAX_LEAKS_SHOWN = 20
SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")
# DynamoDB Local keeps a separate database per access key ID, so every
# credential source uses this one and reads the same tables.
ACCESS_KEY_ID = "ASIASECRETSTEST"

UNSET_VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
    "SCHEMAREG_PLUGIN_PATH",
)


class Failure(Exception):
    pass


def random_secret(prefix):
    """Returns a random string that cannot appear in any output by chance."""
    return prefix + secrets.token_urlsafe(30).replace("-", "x").replace("_", "y")


class Credentials:
    def __init__(self, label):
        self.access_key_id = ACCESS_KEY_ID
        self.secret_access_key = random_secret("Sk")
        self.session_token = random_secret("Tk")
        self.label = label

    def secrets(self):
        return [self.secret_access_key, self.session_token]


# --- Servers run by this test ---------------------------------------------------------

class RecordingProxy:
    """Forwards DynamoDB requests to upstream (host, port) and records every
    signature and session token sent. With reply set to (status, body), it
    returns that response to every request instead."""

    def __init__(self, upstream=None, reply=None):
        self.signatures = set()
        self.tokens = set()
        self.requests = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy.record(self.headers)
                if reply is not None:
                    status, payload = reply
                    self.answer(status, {"Content-Type": "application/x-amz-json-1.0"},
                                payload.encode())
                    return
                status, headers, payload = proxy.forward(upstream, self.path, self.headers,
                                                         body)
                self.answer(status, headers, payload)

            def answer(self, status, headers, payload):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, headers):
        self.requests += 1
        self.signatures.update(SIGNATURE.findall(headers.get("Authorization", "")))
        if headers.get("X-Amz-Security-Token"):
            self.tokens.add(headers["X-Amz-Security-Token"])

    @staticmethod
    def forward(upstream, path, headers, body):
        connection = http.client.HTTPConnection(*upstream, timeout=60)
        try:
            sent = {name: value for name, value in headers.items()
                    if name.lower() not in ("connection", "content-length")}
            connection.request("POST", path, body=body, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            passed = {name: value for name, value in response.getheaders()
                    if name.lower() in ("content-type", "x-amz-crc32", "x-amzn-requestid")}
            return response.status, passed, payload
        finally:
            connection.close()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class ContainerEndpoint:
    """A container credentials endpoint: GET /MODE, where MODE is good
    (credentials as JSON), error (HTTP 500) or badjson (a truncated document
    that contains a secret). It returns 401 unless the Authorization header
    equals token."""

    def __init__(self, credentials, broken_secret, token):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.headers.get("Authorization") != token:
                    self.answer(401, '{"code": "AccessDenied", "message": "token rejected"}')
                elif self.path == "/good":
                    self.answer(200, json.dumps({
                        "AccessKeyId": credentials.access_key_id,
                        "SecretAccessKey": credentials.secret_access_key,
                        "Token": credentials.session_token,
                        "Expiration": "2099-01-01T00:00:00Z",
                    }))
                elif self.path == "/badjson":
                    self.answer(200, '{"AccessKeyId": "ASIABROKEN", "SecretAccessKey": "'
                                     + broken_secret)
                else:
                    self.answer(500, '{"code": "InternalError", "message": "unavailable"}')

            def answer(self, status, text):
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class FaultProxy:
    """faultproxy.py throttling every request."""

    def __init__(self, script, upstream_port):
        self.process = subprocess.Popen(
            [PYTHON, script, "--upstream", str(upstream_port), "--rate", "1.0",
             "--kinds", "ThrottlingException,ProvisionedThroughputExceededException"],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.process.stdout.close()


def free_port():
    """Returns a loopback port that nothing listens on (closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Credential files ---------------------------------------------------------------------

def write_executable(path, text):
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    os.chmod(path, 0o700)


def write_credential_processes(directory, good, failing_secret, broken_secret):
    """Writes three credential_process scripts and a config file with one
    profile each; returns the config file's path."""
    good_json = json.dumps({"Version": 1, "AccessKeyId": good.access_key_id,
                            "SecretAccessKey": good.secret_access_key,
                            "SessionToken": good.session_token,
                            "Expiration": "2099-01-01T00:00:00Z"})
    scripts = {
        "good": f"#!/bin/sh\ncat <<'EOF'\n{good_json}\nEOF\n",
        # Prints credentials, then fails: the host must not use or show them.
        "failing": ("#!/bin/sh\n"
                    f"echo '{{\"Version\": 1, \"AccessKeyId\": \"ASIAFAIL\", "
                    f"\"SecretAccessKey\": \"{failing_secret}\"}}'\n"
                    "echo 'credential helper: login required' >&2\nexit 1\n"),
        "broken": ("#!/bin/sh\n"
                   f"printf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"ASIABROKEN\", "
                   f"\"SecretAccessKey\": \"{broken_secret}'\n"),
    }
    config = []
    for name, text in scripts.items():
        path = os.path.join(directory, f"credential-process-{name}.sh")
        write_executable(path, text)
        config.append(f"[profile {name}]\nregion = {REGION}\ncredential_process = {path}\n")
    config_path = os.path.join(directory, "config")
    with open(config_path, "w", encoding="utf-8") as file:
        file.write("\n".join(config))
    return config_path


# --- Runs -----------------------------------------------------------------------------------

class Run:
    def __init__(self, label, argv, result):
        self.label = label
        self.argv = argv
        self.returncode = result.returncode
        self.output = result.stdout + result.stderr


class Tester:
    def __init__(self, host, plugin_dir, config_path):
        self.host = host
        self.plugin_dir = plugin_dir
        self.config_path = config_path
        self.runs = []

    def environment(self, extra):
        environment = {name: value for name, value in os.environ.items()
                       if name not in UNSET_VARIABLES}
        environment.update({
            "AWS_CONFIG_FILE": self.config_path,
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_REGION": REGION,
        })
        environment.update(extra)
        return environment

    def run(self, label, command, *args, env=None, expected=(0,), endpoint=None):
        """Runs one command with full tracing; checks its exit status is one
        of expected and keeps its output for the secret search."""
        argv = [self.host, "--log-level", "trace", "--trace-http", command,
                "--plugin-dir", self.plugin_dir, *args]
        if endpoint is not None:
            argv += ["--endpoint-url", endpoint, "--region", REGION]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=HOST_TIMEOUT_S,
                                env=self.environment(env or {}))
        run = Run(label, argv, result)
        self.runs.append(run)
        print(f"{label}: exit {run.returncode}, {len(run.output)} bytes of output")
        if run.returncode not in expected:
            raise Failure(f"{label}: exit {run.returncode}, expected one of {expected}\n"
                          f"{run.output[-3000:]}")
        return run


def environment_credentials(credentials):
    return {"AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_SESSION_TOKEN": credentials.session_token}


def check_traced(run):
    """Checks that a run traced its requests with the secrets redacted."""
    for line in ("http: > Authorization: <redacted>", "http: > X-Amz-Security-Token: <redacted>",
                 "http: < "):
        if line not in run.output:
            raise Failure(f"{run.label}: no trace line \"{line}\" in the output")


def successful_runs(tester, proxy, env_credentials, command_line_credentials):
    env = environment_credentials(env_credentials)
    tester.run("list", "list", env=env)
    tester.run("list --json", "list", "--json", env=env)
    tester.run("validate", "validate", env=env)
    tester.run("plan before provision", "plan", "--capsule", "sec", env=env, expected=(2,),
               endpoint=proxy.endpoint)
    check_traced(tester.run("provision", "provision", "--capsule", "sec", env=env,
                            endpoint=proxy.endpoint))
    tester.run("provision --json (re-run)", "provision", "--capsule", "sec", "--json", env=env,
               endpoint=proxy.endpoint)
    tester.run("status", "status", "--capsule", "sec", env=env, endpoint=proxy.endpoint)
    tester.run("status --json", "status", "--capsule", "sec", "--json", env=env,
               endpoint=proxy.endpoint)
    tester.run("plan after provision", "plan", "--capsule", "sec", env=env,
               endpoint=proxy.endpoint)
    check_traced(tester.run(
        "plan with credentials on the command line", "plan", "--capsule", "sec",
        "--access-key-id", command_line_credentials.access_key_id,
        "--secret-access-key", command_line_credentials.secret_access_key,
        "--session-token", command_line_credentials.session_token,
        endpoint=proxy.endpoint))


def endpoint_failures(tester, env_credentials, upstream_port, faultproxy_script):
    env = environment_credentials(env_credentials)
    tester.run("provision, no server at the endpoint", "provision", "--capsule", "nosrv",
               "--max-attempts", "2", env=env, expected=(1,),
               endpoint=f"http://127.0.0.1:{free_port()}")

    rejecting = RecordingProxy(reply=(400, json.dumps({
        "__type": "com.amazon.coral.service#InvalidSignatureException",
        "message": "The request signature we calculated does not match the signature "
                   "you provided."})))
    try:
        check_traced(tester.run("provision, signature rejected", "provision", "--capsule",
                                "rejected", env=env, expected=(1,),
                                endpoint=rejecting.endpoint))
    finally:
        rejecting.stop()

    faults = FaultProxy(faultproxy_script, upstream_port)
    throttled = RecordingProxy(upstream=("127.0.0.1", faults.port))
    try:
        check_traced(tester.run("provision, every request throttled", "provision",
                                "--capsule", "throttled", "--max-attempts", "2",
                                "--wait-timeout", "5", env=env, expected=(1,),
                                endpoint=throttled.endpoint))
    finally:
        throttled.stop()
        faults.stop()
    return [rejecting, throttled]


def credential_process_runs(tester, proxy):
    check_traced(tester.run("plan, credential_process", "plan", "--capsule", "sec",
                            "--profile", "good", endpoint=proxy.endpoint))
    tester.run("plan, credential_process fails", "plan", "--capsule", "sec",
               "--profile", "failing", expected=(1,), endpoint=proxy.endpoint)
    tester.run("plan, credential_process prints invalid JSON", "plan", "--capsule", "sec",
               "--profile", "broken", expected=(1,), endpoint=proxy.endpoint)


def container_runs(tester, proxy, container, authorization_token):
    def env(mode, token=authorization_token):
        return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{container.url}/{mode}",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}

    check_traced(tester.run("plan, container credentials", "plan", "--capsule", "sec",
                            env=env("good"), endpoint=proxy.endpoint))
    tester.run("plan, container endpoint fails", "plan", "--capsule", "sec",
               env=env("error"), expected=(1,), endpoint=proxy.endpoint)
    tester.run("plan, container endpoint prints invalid JSON", "plan", "--capsule", "sec",
               env=env("badjson"), expected=(1,), endpoint=proxy.endpoint)
    tester.run("plan, container token rejected", "plan", "--capsule", "sec",
               env=env("good", token=random_secret("Wrong")), expected=(1,),
               endpoint=proxy.endpoint)


def pieces(secret):
    if len(secret) <= PIECE_LENGTH:
        return [secret]
    return [secret[i:i + PIECE_LENGTH] for i in range(len(secret) - PIECE_LENGTH + 1)]


def find_leaks(runs, named_secrets):
    """Returns one line per (run, secret) where a piece of the secret appears."""
    leaks = []
    for run in runs:
        for name, secret in named_secrets:
            found = next((piece for piece in pieces(secret) if piece in run.output), None)
            if found is not None:
                line = next(line for line in run.output.splitlines() if found in line)
                leaks.append(f"{run.label}: {name} appears in: {line[:300]}")
    return leaks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", required=True, help="path of schemareg-host")
    parser.add_argument("--plugin-dir", required=True, help="directory of the example plugins")
    parser.add_argument("--faultproxy", required=True, help="path of faultproxy.py")
    arguments = parser.parse_args()
    endpoint = os.environ.get("SCHEMAREG_TEST_ENDPOINT")
    if not endpoint:
        print("SCHEMAREG_TEST_ENDPOINT is not set: run this through tests/servers/ddb-server",
              file=sys.stderr)
        return 2
    upstream_port = int(endpoint.rsplit(":", 1)[1].rstrip("/"))

    env_credentials = Credentials("environment")
    command_line_credentials = Credentials("command line")
    process_credentials = Credentials("credential_process")
    container_credentials = Credentials("container endpoint")
    authorization_token = random_secret("Auth")
    failing_process_secret = random_secret("Fail")
    broken_process_secret = random_secret("Broken")
    broken_container_secret = random_secret("BrokenContainer")

    named_secrets = [("container authorization token", authorization_token),
                     ("secret of the failing credential_process", failing_process_secret),
                     ("secret in the invalid credential_process JSON", broken_process_secret),
                     ("secret in the invalid container JSON", broken_container_secret)]
    for credentials in (env_credentials, command_line_credentials, process_credentials,
                        container_credentials):
        named_secrets += [(f"secret access key ({credentials.label})",
                           credentials.secret_access_key),
                          (f"session token ({credentials.label})", credentials.session_token)]

    proxy = RecordingProxy(upstream=("127.0.0.1", upstream_port))
    container = ContainerEndpoint(container_credentials, broken_container_secret,
                                  authorization_token)
    with tempfile.TemporaryDirectory(prefix="secrets-test-") as directory:
        config_path = write_credential_processes(directory, process_credentials,
                                                 failing_process_secret, broken_process_secret)
        tester = Tester(arguments.host, arguments.plugin_dir, config_path)
        try:
            successful_runs(tester, proxy, env_credentials, command_line_credentials)
            other_proxies = endpoint_failures(tester, env_credentials, upstream_port,
                                              arguments.faultproxy)
            credential_process_runs(tester, proxy)
            container_runs(tester, proxy, container, authorization_token)
        except Failure as failure:
            print(f"FAIL: {failure}", file=sys.stderr)
            return 1
        finally:
            proxy.stop()
            container.stop()

    sent_tokens = set(proxy.tokens)
    signatures = set(proxy.signatures)
    for other in other_proxies:
        sent_tokens |= other.tokens
        signatures |= other.signatures
    for credentials in (env_credentials, command_line_credentials, process_credentials,
                        container_credentials):
        if credentials.session_token not in sent_tokens:
            print(f"FAIL: no request carried the session token from the {credentials.label}",
                  file=sys.stderr)
            return 1
    named_secrets += [(f"signature {signature[:8]}...", signature) for signature in signatures]

    leaks = find_leaks(tester.runs, named_secrets)
    output_bytes = sum(len(run.output) for run in tester.runs)
    print(f"{len(tester.runs)} runs, {output_bytes} bytes of output searched for "
          f"{len(named_secrets) - len(signatures)} secrets and {len(signatures)} signatures "
          f"(and every {PIECE_LENGTH}-character piece of each)")
    for leak in leaks[:MAX_LEAKS_SHOWN]:
        print(f"FAIL: {leak}", file=sys.stderr)
    if len(leaks) > MAX_LEAKS_SHOWN:
        print(f"FAIL: {len(leaks) - MAX_LEAKS_SHOWN} more leaks", file=sys.stderr)
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
