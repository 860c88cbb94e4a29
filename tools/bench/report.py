"""Format benchmark results (the dict that tools/bench/run builds) as Markdown."""

import statistics

CLIENT_LABELS = [
    ("schemareg", "schemareg-host provision, first run"),
    ("noop", "schemareg-host provision, no-op re-run"),
    ("floor", "curl --parallel replay (floor)"),
    ("sdk", "AWS SDK for JavaScript v3"),
    ("aws-cli", "AWS CLI, extrapolated from a sample"),
]

# Target limits, which targets() checks the results against.
PROVISION_VS_FLOOR_MAX = 1.3
SDK_VS_PROVISION_MIN = 4.0
PROVISION_MAX_RSS_KB = 16 * 1024
SIGNER_VS_PEERS_MIN = 20.0
LIST_500_MAX_S = 0.5


def mib(kb):
    return "%.1f" % (kb / 1024)


def ratio(value, base):
    if not base:
        return "n/a"
    return "%.2fx" % (value / base)


def size_table(size):
    clients = size["clients"]
    base = clients.get("schemareg")
    lines = [
        "### %d tables x %d seeds (%d products x %d tables, %d seed writes)" % (
            size["tables"], size["seeds_per_table"], size["products"],
            size["tables_per_product"], size["seeds"]),
        "",
        "| Client | Wall (s) | CPU (s) | Peak RSS (MiB) | Wall / schemareg | CPU / schemareg "
        "| RSS / schemareg | Requests | Server CPU (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in CLIENT_LABELS:
        c = clients.get(key)
        if c is None:
            continue
        server_cpu = c.get("server_cpu_s")
        lines.append("| %s | %.3f | %.3f | %s | %s | %s | %s | %s | %s |" % (
            label, c["wall_s"], c["cpu_s"], mib(c["max_rss_kb"]),
            ratio(c["wall_s"], base and base["wall_s"]),
            ratio(c["cpu_s"], base and base["cpu_s"]),
            ratio(c["max_rss_kb"], base and base["max_rss_kb"]),
            c.get("requests", "n/a"),
            "%.2f" % server_cpu if server_cpu is not None else "n/a"))
    if "schemareg_skipped" in size:
        lines += ["", "schemareg skipped: %s." % size["schemareg_skipped"]]
    lines.append("")
    return lines


def list_table(results):
    if not results or "skipped" in results:
        return ["schemareg-host list skipped: %s." % (results or {}).get("skipped", "not run"), ""]
    lines = ["| Command | Plugins | Wall (s) | CPU (s) | Peak RSS (MiB) |",
             "|---|---:|---:|---:|---:|"]
    for count, commands in results.items():
        for command, m in commands.items():
            lines.append("| `%s` | %s | %.3f | %.3f | %s |" % (
                command, count, m["wall_s"], m["cpu_s"], mib(m["max_rss_kb"])))
    return lines + [""]


def median_rate(run):
    """Return the median of a signer's rounds (the best alone in older results)."""
    return statistics.median(run.get("per_second_all") or [run["per_second"]])


def signer_table(results):
    base = results.get("schemareg")
    lines = ["| Signer | Signatures per second, best | median | schemareg / this, best | median |",
             "|---|---:|---:|---:|---:|"]
    for key in ("hash_floor", "schemareg", "botocore", "smithy"):
        r = results.get(key)
        if r is None:
            continue
        lines.append("| %s | %.0f | %.0f | %s | %s |" % (
            r["signer"], r["per_second"], median_rate(r),
            ratio(base["per_second"], r["per_second"]) if base else "n/a",
            ratio(median_rate(base), median_rate(r)) if base else "n/a"))
    if "hash_floor" in results:
        lines += ["", "The hashing-only row is the SHA-256 and HMAC work of one signature "
                  "and nothing else (tools/bench/sigv4_hash_floor.c): a signer that "
                  "hashes through OpenSSL's EVP interface cannot go much faster."]
    if "schemareg_skipped" in results:
        lines += ["", "schemareg signer skipped: %s." % results["schemareg_skipped"]]
    return lines + [""]


def check(rows, target, measured, met):
    rows.append("| %s | %s | %s |" % (target, measured, "met" if met else "**missed**"))


def targets(results):
    rows = ["| Target | Measured | Result |", "|---|---|---|"]
    for size in results["sizes"]:
        c = size["clients"]
        name = "%d x %d" % (size["tables"], size["seeds_per_table"])
        sr = c.get("schemareg")
        if sr is None:
            rows.append("| provisioning targets, %s | not measured | n/a |" % name)
            continue
        vs_floor = sr["wall_s"] / c["floor"]["wall_s"]
        check(rows, "wall <= %.1fx curl floor, %s" % (PROVISION_VS_FLOOR_MAX, name),
              "%.2fx" % vs_floor, vs_floor <= PROVISION_VS_FLOOR_MAX)
        vs_sdk = c["sdk"]["wall_s"] / sr["wall_s"]
        check(rows, ">= %.0fx faster than the JS SDK, %s" % (SDK_VS_PROVISION_MIN, name),
              "%.2fx" % vs_sdk, vs_sdk >= SDK_VS_PROVISION_MIN)
        check(rows, "no-op re-run no slower than first run, %s" % name,
              "%.3f s vs %.3f s" % (c["noop"]["wall_s"], sr["wall_s"]),
              c["noop"]["wall_s"] <= sr["wall_s"])
        if size["size"] == "large":
            check(rows, "peak RSS <= 16 MiB, %s" % name, "%s MiB" % mib(sr["max_rss_kb"]),
                  sr["max_rss_kb"] <= PROVISION_MAX_RSS_KB)

    signers = results.get("signers") or {}
    if "schemareg" in signers:
        peer = max(signers["botocore"]["per_second"], signers["smithy"]["per_second"])
        speedup = signers["schemareg"]["per_second"] / peer
        check(rows, "signer >= %.0fx the faster peer" % SIGNER_VS_PEERS_MIN,
              "%.1fx" % speedup, speedup >= SIGNER_VS_PEERS_MIN)
    else:
        rows.append("| signer >= 20x the faster peer | not measured | n/a |")

    listing = results.get("list") or {}
    if "500" in listing:
        # The slower command counts: list --providers includes isolation.
        command, m = max(listing["500"].items(), key=lambda item: item[1]["wall_s"])
        check(rows, "list over 500 plugins < %.1f s, isolation included" % LIST_500_MAX_S,
              "%.3f s (`%s`)" % (m["wall_s"], command), m["wall_s"] < LIST_500_MAX_S)
    else:
        rows.append("| list over 500 plugins < 0.5 s | not measured | n/a |")
    return rows + [""]


def markdown(results):
    m = results["machine"]
    lines = [
        "## Results",
        "",
        "Machine: %d CPUs (%s), %.1f GiB memory, load average %s at the start. "
        "Concurrency %d for every client; "
        "wall time is the median of %d runs, CPU time and peak RSS are from that run, "
        "and signer rates are the best run." % (
            m["nproc"], m["cpu_model"] or "unknown model", m["memory_gib"],
            " / ".join("%.2f" % x for x in m.get("load_average_at_start", [])) or "unknown",
            results["concurrency"], results["repeat"]),
        "Ratios divide the client's figure by schemareg's first run: above 1.00x "
        "means schemareg is faster or smaller. Server CPU is what DynamoDB Local "
        "spent during the run; client and server share the %d CPUs." % m["nproc"],
        "",
    ]
    for size in results["sizes"]:
        lines += size_table(size)
    lines += ["### schemareg-host list", ""] + list_table(results.get("list"))
    lines += ["### SigV4 signer, one PutItem request", ""] + signer_table(
        results.get("signers") or {})
    lines += ["### Targets", ""] + targets(results)
    return "\n".join(lines)
