// Counts @smithy/signature-v4 signatures per second for sign_request.json.
//
//   node sign_bench_smithy.mjs [--request FILE] [--seconds N]
//
// Uses the SHA-256 of @smithy/hash-node (Node's crypto), as the AWS SDK
// for JavaScript v3 does on Node, and prints the rate as JSON.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

const BATCH = 64;

const { values } = parseArgs({
  options: {
    request: { type: "string", default: new URL("sign_request.json", import.meta.url).pathname },
    seconds: { type: "string", default: "2" },
  },
});
const spec = JSON.parse(readFileSync(values.request, "utf8"));
const headers = Object.fromEntries(spec.headers);
const signer = new SignatureV4({
  credentials: { accessKeyId: spec.access_key_id, secretAccessKey: spec.secret_access_key },
  region: spec.region,
  service: spec.service,
  sha256: Hash.bind(null, "sha256"),
});
const request = new HttpRequest({
  method: spec.method,
  protocol: "https:",
  hostname: headers.Host,
  path: spec.path,
  headers,
  body: spec.body,
});
const signingDate = new Date(spec.time * 1000);

let signatures = 0;
const started = performance.now();
const deadline = started + Number(values.seconds) * 1000;
while (performance.now() < deadline) {
  for (let i = 0; i < BATCH; i++) {
    await signer.sign(request, { signingDate });
  }
  signatures += BATCH;
}
const elapsed = (performance.now() - started) / 1000;

const version = createRequire(import.meta.url)("@smithy/signature-v4/package.json").version;
console.log(
  JSON.stringify({
    signer: `@smithy/signature-v4 ${version}`,
    signatures,
    seconds: Number(elapsed.toFixed(4)),
    per_second: Number((signatures / elapsed).toFixed(1)),
  }),
);
