#!/usr/bin/env python3
"""measure.py — time guanlan against its peers on one capture, print one table.

Peers, all reading the same file through libpcap:
  * guanlan run --threads 1 and --threads 2 (full pipeline: decode, flows,
    TCP reassembly, app-layer parsers, EVE + SQLite output);
  * ndpiReader -i FILE (nDPI's demo reader: flow tracking + protocol
    detection, its default per-flow packet limits, summary on stdout);
  * pcap-readloop (bench/pcap-readloop.c: libpcap alone, the floor).

Each tool runs --runs times, interleaved (tool A, B, C, A, B, C, ...) so drift
hits everyone alike, after the file was read once to warm the page cache; the
table shows the median wall time and the peak RSS (from /usr/bin/time -v) of
that median run.  Packet and byte counts for the rates come from the read loop,
so every tool is credited with the same work.

Flows: guanlan = flows created, from its final `stats` EVE record (fallback:
number of flow records); ndpiReader = its "Unique flows".  "flow entry B" is
what each tool says one flow costs (guanlan stats bytes_per_flow_entry,
ndpiReader "Flow Memory (per flow)").  "RSS/flow" is peak RSS divided by flows: an
upper bound mixing fixed costs and per-flow state, comparable only between
runs on the same file.  The clean per-flow figure is the idle-flow test
(--idle-pcap): RSS(N idle TCP handshakes) - RSS(1 handshake), divided by N.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


def warm_cache(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def run_timed(cmd, stdout_path, cwd=None):
    """Run cmd under /usr/bin/time -v; returns (wall_s, peak_rss_kib, exit status)."""
    time_path = stdout_path + ".time"
    full = ["/usr/bin/time", "-v", "-o", time_path] + cmd
    with open(stdout_path, "wb") as out:
        t0 = time.monotonic()
        rc = subprocess.run(full, stdout=out, stderr=subprocess.STDOUT, cwd=cwd).returncode
        wall = time.monotonic() - t0
    rss = None
    try:
        with open(time_path) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
            rss = int(m.group(1)) if m else None
    except OSError:
        pass
    return wall, rss, rc


def last_stats(eve_path):
    """guanlan's final `stats` EVE record (it is written last), or None."""
    try:
        with open(eve_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - (1 << 20)))
            tail = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(tail):
        if b'"event_type":"stats"' in line or b'"event_type": "stats"' in line:
            try:
                return json.loads(line).get("stats")
            except ValueError:
                return None
    return None


def count_flow_records(eve_path):
    n = 0
    with open(eve_path, "rb") as f:
        for line in f:
            if b'"event_type":"flow"' in line or b'"event_type": "flow"' in line:
                n += 1
    return n


def guanlan_flow_facts(eve_path):
    """{flows, evicted, timed_out, max_active, entry_bytes} from guanlan's stats
    record; falls back to counting flow records when there is none."""
    stats = last_stats(eve_path)
    flow = (stats or {}).get("flow") or {}
    if "created" in flow:
        return {"flows": flow.get("created"), "evicted": flow.get("evicted"),
                "timed_out": flow.get("timed_out"), "max_active": flow.get("max_active"),
                "entry_bytes": flow.get("bytes_per_flow_entry")}
    try:
        return {"flows": count_flow_records(eve_path)}
    except OSError:
        return {}


class Tool:
    def __init__(self, name, kind, argv_fn):
        self.name = name
        self.kind = kind          # guanlan, ndpi, readloop
        self.argv_fn = argv_fn    # (pcap, outdir) -> argv
        self.runs = []            # (wall, rss_kib, flows)
        self.failed = None


def run_tool(tool, pcap, workdir, index):
    outdir = os.path.join(workdir, "%s-%d" % (tool.name.replace(" ", "_"), index))
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    log = os.path.join(outdir, "stdout.log")
    wall, rss, rc = run_timed(tool.argv_fn(pcap, outdir), log)
    if rc != 0:
        with open(log, errors="replace") as f:
            tail = f.read()[-600:]
        tool.failed = "exit status %d: %s" % (rc, tail.strip())
        return None
    flows = None
    extra = {}
    if tool.kind == "guanlan":
        extra = guanlan_flow_facts(os.path.join(outdir, "eve.json"))
        flows = extra.get("flows")
    elif tool.kind == "ndpi":
        with open(log, errors="replace") as f:
            text = f.read()
        m = re.search(r"Unique flows:\s+(\d+)", text)
        flows = int(m.group(1)) if m else None
        m = re.search(r"Flow Memory \(per flow\):\s+([\d.]+)\s*(B|KB|MB)", text)
        if m:
            extra["entry_bytes"] = float(m.group(1)) * {"B": 1, "KB": 1024, "MB": 1 << 20}[m.group(2)]
    elif tool.kind == "readloop":
        with open(log) as f:
            m = re.search(r"packets (\d+) bytes (\d+)", f.read())
        if m:
            extra["packets"], extra["bytes"] = int(m.group(1)), int(m.group(2))
    shutil.rmtree(outdir, ignore_errors=True)
    tool.runs.append((wall, rss, flows, extra))
    return tool.runs[-1]


def median_run(tool):
    walls = sorted(r[0] for r in tool.runs)
    med = statistics.median_low(walls)
    return next(r for r in tool.runs if r[0] == med)


def fmt(v, spec, none="N/A"):
    return none if v is None else format(v, spec)


def table(tools, packets, nbytes):
    by_kind = {}
    for t in tools:
        if t.runs and not t.failed:
            by_kind.setdefault(t.kind, median_run(t))
    base_ndpi = by_kind.get("ndpi")
    base_loop = by_kind.get("readloop")
    head = ("tool", "wall s", "Mpkt/s", "Gbit/s", "peak RSS MiB", "flows", "flow entry B", "RSS/flow B",
            "speed vs ndpiReader", "speed vs readloop")
    rows = []
    for t in tools:
        if t.failed or not t.runs:
            rows.append((t.name, "FAILED", "", "", "", "", "", "", "", ""))
            continue
        wall, rss, flows, extra = median_run(t)
        rss_b = rss * 1024 if rss is not None else None
        per_flow = rss_b / flows if rss_b is not None and flows else None
        rows.append((
            t.name, "%.3f" % wall, "%.3f" % (packets / wall / 1e6), "%.3f" % (nbytes * 8 / wall / 1e9),
            fmt(rss / 1024 if rss is not None else None, ".1f"), fmt(flows, "d"),
            fmt(extra.get("entry_bytes"), ".0f"), fmt(per_flow, ".0f"),
            ("%.2fx" % (base_ndpi[0] / wall)) if base_ndpi else "N/A",
            ("%.2fx" % (base_loop[0] / wall)) if base_loop else "N/A",
        ))
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description="Benchmark guanlan vs ndpiReader vs a bare libpcap loop.")
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--guanlan", required=True)
    ap.add_argument("--readloop", required=True)
    ap.add_argument("--ndpireader", default=shutil.which("ndpiReader"))
    ap.add_argument("--threads", default="1,2", help="guanlan --threads values to run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", required=True, help="scratch space for outputs")
    ap.add_argument("--idle-pcap", help="capture of N idle TCP handshakes")
    ap.add_argument("--tiny-pcap", help="capture of 1 idle TCP handshake (baseline)")
    ap.add_argument("--idle-n", type=int, default=0)
    ap.add_argument("--guanlan-arg", action="append", default=[], help="extra argument for guanlan run")
    ap.add_argument("--idle-arg", action="append", default=[],
                    help="extra guanlan argument for the idle-flow runs only")
    opts = ap.parse_args()
    os.makedirs(opts.workdir, exist_ok=True)

    def guanlan_argv(threads):
        return lambda pcap, out: [opts.guanlan, "run", "-q", "-r", pcap, "-l", out,
                                  "--threads", str(threads)] + opts.guanlan_arg

    tools = [Tool("guanlan --threads %s" % n, "guanlan", guanlan_argv(n))
             for n in opts.threads.split(",") if n]
    # issue 3: the cost of encrypted-traffic detection, side by side
    tools.append(Tool("guanlan -t1 no-detect", "guanlan",
                      lambda pcap, out: guanlan_argv(1)(pcap, out) +
                      ["--set", "detect.encrypted.enabled=no"]))
    if opts.ndpireader:
        tools.append(Tool("ndpiReader", "ndpi", lambda pcap, out: [opts.ndpireader, "-i", pcap]))
    else:
        print("measure: ndpiReader not found (Debian package libndpi-bin); its row is left out")
    tools.append(Tool("pcap-readloop", "readloop", lambda pcap, out: [opts.readloop, pcap]))

    size = os.path.getsize(opts.pcap)
    print("measure: %s (%.1f MiB), %d runs each, interleaved" % (opts.pcap, size / 2**20, opts.runs))
    warm_cache(opts.pcap)
    for i in range(opts.runs):
        for t in tools:
            if t.failed:
                continue
            r = run_tool(t, opts.pcap, opts.workdir, i)
            if r is None:
                print("  run %d %-22s FAILED: %s" % (i + 1, t.name, t.failed))
            else:
                print("  run %d %-22s %8.3f s  %8s KiB  flows %s" % (i + 1, t.name, r[0], r[1], r[2]),
                      flush=True)

    loop = next((t for t in tools if t.kind == "readloop" and t.runs), None)
    if loop is None:
        print("measure: the read loop failed; no packet count to compute rates")
        return 1
    extra = loop.runs[0][3]
    packets, nbytes = extra["packets"], extra["bytes"]
    print()
    print("File: %s: %d packets, %d captured bytes (%.1f MiB on disk); median of %d runs"
          % (os.path.basename(opts.pcap), packets, nbytes, size / 2**20, opts.runs))
    print(table(tools, packets, nbytes))
    with_det = next((t for t in tools if t.name == "guanlan --threads 1" and t.runs and not t.failed), None)
    no_det = next((t for t in tools if t.name == "guanlan -t1 no-detect" and t.runs and not t.failed), None)
    if with_det and no_det:
        print("encrypted detection on: %.0f%% of the throughput with it off (goal >= 80%%)"
              % (100.0 * median_run(no_det)[0] / median_run(with_det)[0]))
    for t in tools:
        if t.kind == "guanlan" and t.runs and t.runs[0][3].get("evicted"):
            print("note: %s evicted %d flows to stay under its flow memcap" % (t.name, t.runs[0][3]["evicted"]))

    status = 0 if not any(t.failed for t in tools) else 1
    if opts.idle_pcap and opts.tiny_pcap and opts.idle_n:
        print()
        print("Idle TCP flows: guanlan --threads 1, %d handshakes vs 1, median of %d runs" % (opts.idle_n, opts.runs))
        idle_argv = lambda pcap, out: guanlan_argv(1)(pcap, out) + opts.idle_arg
        base = Tool("guanlan idle-1", "guanlan", idle_argv)
        idle = Tool("guanlan idle-N", "guanlan", idle_argv)
        warm_cache(opts.idle_pcap)
        for i in range(opts.runs):
            run_tool(base, opts.tiny_pcap, opts.workdir, i)
            run_tool(idle, opts.idle_pcap, opts.workdir, i)
        if base.failed or idle.failed:
            print("  FAILED: %s" % (base.failed or idle.failed))
            return 1
        rss0 = statistics.median(r[1] for r in base.runs)
        rss1 = statistics.median(r[1] for r in idle.runs)
        facts0, facts1 = base.runs[0][3], idle.runs[0][3]
        held = (facts1.get("max_active") or 0) - (facts0.get("max_active") or 0)
        print("  peak RSS: %.1f MiB (1 idle flow) -> %.1f MiB (%d idle flows)" % (rss0 / 1024, rss1 / 1024, opts.idle_n))
        print("  guanlan stats: max_active %s vs %s, evicted %s, timed_out %s, flow entry %s B"
              % (facts1.get("max_active"), facts0.get("max_active"), facts1.get("evicted"),
                 facts1.get("timed_out"), facts1.get("entry_bytes")))
        # the baseline capture already holds one idle flow: the difference is N - 1 flows
        extra_flows = max(1, opts.idle_n - 1)
        print("  memory per idle TCP flow: %.0f bytes" % ((rss1 - rss0) * 1024 / extra_flows))
        if facts1.get("max_active") is not None and held < extra_flows:
            print("  WARNING: only %d extra flows were held at once (evicted or timed out);"
                  " the figure above is not per flow" % held)
    return status


if __name__ == "__main__":
    sys.exit(main())
