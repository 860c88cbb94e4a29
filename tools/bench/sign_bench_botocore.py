#!/usr/bin/python3
"""Count botocore SigV4Auth signatures per second for sign_request.json.

Signs the same PutItem request again and again for --seconds with
botocore.auth.SigV4Auth.add_auth, which replaces the previous
Authorization and X-Amz-Date headers each time, and prints the rate as
JSON. Run it with /usr/bin/python3 so that Debian's python3-botocore is
the botocore measured.
"""

import argparse
import json
import os
import sys
import time

import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DEFAULT_REQUEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sign_request.json")
BATCH = 64


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--request", default=DEFAULT_REQUEST)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()

    with open(args.request) as f:
        spec = json.load(f)
    host = dict(spec["headers"])["Host"]
    request = AWSRequest(method=spec["method"], url="https://%s%s" % (host, spec["path"]),
                         data=spec["body"].encode(), headers=dict(spec["headers"]))
    signer = SigV4Auth(Credentials(spec["access_key_id"], spec["secret_access_key"]),
                       spec["service"], spec["region"])

    signatures = 0
    started = time.perf_counter()
    deadline = started + args.seconds
    while time.perf_counter() < deadline:
        for _ in range(BATCH):
            signer.add_auth(request)
        signatures += BATCH
    elapsed = time.perf_counter() - started

    print(json.dumps({"signer": "botocore %s SigV4Auth" % botocore.__version__,
                      "signatures": signatures, "seconds": round(elapsed, 4),
                      "per_second": round(signatures / elapsed, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
