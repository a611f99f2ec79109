#!/usr/bin/env python3
"""Combine chatbench's per-run JSON files (bench/results/STAMP/*.json) into one table and summary.json.

usage: bench_report.py RESULTS_DIR [--note TEXT]
The ratio column reads "how many times better chatctl is" (baseline/chatctl for costs and latencies,
chatctl/baseline for rates), so > 1 always favours chatctl.
"""
import glob
import json
import os
import sys


def load(d):
    runs = {}
    for path in sorted(glob.glob(os.path.join(d, "*.json"))):
        name = os.path.basename(path)[:-5]
        if name == "summary":
            continue
        try:
            with open(path) as f:
                text = f.read().strip().splitlines()
            runs[name] = json.loads(text[-1]) if text else {"error": "empty output"}
        except (OSError, ValueError) as e:
            runs[name] = {"error": str(e)}
    return runs


def get(runs, server, stem, *keys):
    r = runs.get(f"{server}-{stem}")
    if r is None:
        return None
    if "skipped" in r:
        return ("skip", r["skipped"])
    if "error" in r:
        return ("skip", r["error"])
    for k in keys:
        if isinstance(r, dict) and k in r:
            r = r[k]
        elif isinstance(r, list) and isinstance(k, int) and k < len(r):
            r = r[k]
        else:
            return None
    return r


def path_metric(runs, server, stem, path, key):
    r = runs.get(f"{server}-{stem}")
    if not r or "paths" not in r:
        return get(runs, server, stem, "paths")
    for p in r["paths"]:
        if p["path"] == path:
            if p["status"] != 200:
                return ("skip", f"HTTP {p['status']}")
            return p[key]
    return None


def fmt(v, digits):
    if v is None:
        return "-"
    if isinstance(v, tuple):
        return "n/a"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.{digits}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def main():
    d = sys.argv[1]
    note = ""
    if "--note" in sys.argv:
        note = sys.argv[sys.argv.index("--note") + 1]
    runs = load(d)
    conns = sorted({int(k.split("-")[-1]) for k in runs if "-connections-" in k})

    # (label, baseline value, chatctl value, better: "higher"|"lower"|None, digits)
    rows = []

    def add(label, stem_or_fn, keys=(), better=None, digits=2, scale=1.0):
        vals = []
        for server in ("baseline", "chatctl"):
            v = stem_or_fn(server) if callable(stem_or_fn) else get(runs, server, stem_or_fn, *keys)
            if isinstance(v, (int, float)) and scale != 1.0:
                v = v * scale
            vals.append(v)
        rows.append((label, vals[0], vals[1], better, digits))

    add("1 fan-out: deliveries/s (100 clients, 10 senders)", "fanout", ("deliveries_per_s",), "higher", 0)
    add("1 fan-out: messages/s", "fanout", ("messages_per_s",), "higher", 0)
    add("1 fan-out: lost", "fanout", ("lost",), None, 0)
    add("1 fan-out: duplicates", "fanout", ("duplicates",), None, 0)
    add("1 fan-out: server CPU µs/delivery", "fanout", ("server_cpu_us_per_delivery",), "lower", 3)
    add("1 fan-out: generator CPU (cores)", "fanout", ("gen_cpu_cores",), None, 2)
    add("2 latency: p50 ms (10 × 100 msg/s)", "latency", ("p50_us",), "lower", 3, 1e-3)
    add("2 latency: p99 ms", "latency", ("p99_us",), "lower", 3, 1e-3)
    add("2 latency: max ms", "latency", ("max_us",), "lower", 3, 1e-3)
    add("2 latency: undelivered after grace", "latency", ("lost",), None, 0)
    add("2 latency: server CPU µs/delivery", "latency", ("server_cpu_us_per_delivery",), "lower", 3)
    add("2 latency: generator CPU (cores)", "latency", ("gen_cpu_cores",), None, 3)
    add("2 light latency: p50 ms (10 × 10 msg/s)", "latency-10", ("p50_us",), "lower", 3, 1e-3)
    add("2 light latency: p99 ms", "latency-10", ("p99_us",), "lower", 3, 1e-3)
    add("2 light latency: max ms", "latency-10", ("max_us",), "lower", 3, 1e-3)
    add("2 light latency: server CPU µs/delivery", "latency-10", ("server_cpu_us_per_delivery",), "lower", 3)
    add("3 CPU s per million deliveries (fan-out)", "fanout", ("server_cpu_s_per_million_deliveries",), "lower", 3)
    add("3 CPU s per million deliveries (latency)", "latency", ("server_cpu_us_per_delivery",), "lower", 3)
    add("3 CPU ms per 1000 messages stored (1 client)", "store", ("server_cpu_ms_per_1000_messages",), "lower", 2)
    add("3 messages stored/s (1 client, window 64)", "store", ("messages_per_s",), "higher", 0)
    seeds = {}
    for k in runs:
        srv, _, rest = k.partition("-")
        if rest.startswith("seed-") and rest[5:].isdigit() and int(rest[5:]) > 100:
            seeds.setdefault(int(rest[5:]), set()).add(srv)
    common = [n for n, srvs in seeds.items() if srvs >= {"baseline", "chatctl"}]
    for n in sorted(common)[-1:]:
        add(f"3 messages stored/s over the WebSocket (seeding {n}, 1 client, window 256)",
            f"seed-{n}", ("messages_per_s",), "higher", 0)
        add(f"3 CPU ms per 1000 messages stored (seeding {n})", f"seed-{n}", ("server_cpu_ms_per_1000_messages",), "lower", 2)
    for n in conns:
        stem = f"connections-{n}"
        add(f"4 {n} conns: upgraded", stem, ("upgraded",), None, 0)
        add(f"4 {n} conns: time to upgrade all (s)", stem, ("upgrade_all_s",), "lower", 2)
        add(f"4 {n} conns: server RSS KB per connection", stem, ("server_rss_bytes_per_connection",), "lower", 2, 1 / 1024)
        add(f"4 {n} conns: log-in (s, reported apart)", stem, ("login_s",), None, 4)
    for stem, what in (("history-100", "100 stored"), ("history-mid", "same N"), ("history-big", "big")):
        add(f"5 history ({what}): stored messages", stem, ("stored",), None, 0)
        add(f"5 history ({what}): GET / p50 ms", lambda s, st=stem: path_metric(runs, s, st, "/", "p50_ms"), (), "lower", 3)
        add(f"5 history ({what}): GET / p99 ms", lambda s, st=stem: path_metric(runs, s, st, "/", "p99_ms"), (), "lower", 3)
        add(f"5 history ({what}): GET /api/messages p50 ms",
            lambda s, st=stem: path_metric(runs, s, st, "/api/messages?limit=100", "p50_ms"), (), "lower", 3)
        add(f"5 history ({what}): GET /api/messages p99 ms",
            lambda s, st=stem: path_metric(runs, s, st, "/api/messages?limit=100", "p99_ms"), (), "lower", 3)
        add(f"5 history ({what}): server peak RSS KB", stem, ("server_rss_kb_peak",), "lower", 0)
    add("6 import: messages/s", "export", ("import", "messages_per_s"), "higher", 0)
    add("6 import: peak RSS KB", "export", ("import", "max_rss_kb"), "lower", 0)
    add("6 export: messages/s", "export", ("export", "messages_per_s"), "higher", 0)
    add("6 export: peak RSS KB", "export", ("export", "max_rss_kb"), "lower", 0)

    # GET / at big vs at 100 (target: within 2x)
    big = path_metric(runs, "chatctl", "history-big", "/", "p50_ms")
    small = path_metric(runs, "chatctl", "history-100", "/", "p50_ms")

    out_rows = []
    w = max(len(r[0]) for r in rows)
    lines = [f"{'metric':<{w}}  {'baseline':>14}  {'chatctl':>14}  {'ratio':>9}"]
    lines.append("-" * len(lines[0]))
    for label, b, c, better, digits in rows:
        ratio = None
        if isinstance(b, (int, float)) and isinstance(c, (int, float)) and better:
            if better == "higher" and b > 0:
                ratio = c / b
            elif better == "lower" and c > 0:
                ratio = b / c
        if b is None and c is None:
            continue
        rtxt = f"{ratio:.1f}×" if ratio is not None else ""
        lines.append(f"{label:<{w}}  {fmt(b, digits):>14}  {fmt(c, digits):>14}  {rtxt:>9}")
        js = lambda v: {"skipped": v[1]} if isinstance(v, tuple) else v
        out_rows.append({"metric": label, "baseline": js(b), "chatctl": js(c), "better": better,
                         "ratio_in_favour_of_chatctl": ratio})
    if isinstance(big, float) and isinstance(small, float) and small > 0:
        lines.append(f"chatctl GET / at big history vs at 100 messages: {big / small:.2f}× (target ≤ 2×)")
    gens = [(k, v["gen_cpu_cores"]) for k, v in runs.items() if isinstance(v.get("gen_cpu_cores"), (int, float))]
    if gens:
        k, g = max(gens, key=lambda kv: kv[1])
        run = runs[k]
        server_cores = None
        if isinstance(run.get("server_cpu_s"), (int, float)) and run.get("duration_s"):
            server_cores = run["server_cpu_s"] / run["duration_s"]
        if g < 0.8:
            verdict = "it was not the bottleneck"
        elif server_cores is not None and server_cores >= 0.95:
            verdict = f"the server used {server_cores:.2f} of its core there, so the server was the limit"
        else:
            verdict = "WARNING: it may have been the bottleneck"
        lines.append(f"load generator: at most {g:.2f} of its core busy (in {k}): {verdict}")
    partial = [f"{k}: {v['upgraded']} of {v['asked']} upgraded within the time limit"
               for k, v in runs.items() if v.get("scenario") == "connections" and v.get("upgraded", 0) < v.get("asked", 0)]
    for p in partial:
        lines.append(p + " (the baseline broadcasts '<login> joined' to every socket on every connect: O(n²))")
    skipped = sorted({f"{k}: {v['skipped']}" for k, v in runs.items() if "skipped" in v})
    for s in skipped:
        lines.append(f"skipped {s}")
    if note:
        lines.append(note)
    lines.append("ratio: how many times better chatctl is (rates chatctl/baseline, costs baseline/chatctl)")
    print("\n" + "\n".join(lines), file=sys.stderr)
    summary = {"dir": d, "note": note, "rows": out_rows, "runs": runs}
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({"summary": os.path.join(d, "summary.json"), "rows": len(out_rows)}))


if __name__ == "__main__":
    main()
