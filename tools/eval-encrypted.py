#!/usr/bin/env python3
"""eval-encrypted.py — precision / recall / F1 / false-positive rate of the
encrypted-traffic detector, with the shipped models (or --model-dir).

(a) held-out generated traffic: gl-tlsgen with a held-out seed (>= 1000, never
    used for training), labels by 5-tuple; a session is "flagged" when the
    sensor wrote an Encrypted Threat alert for it. Goal F1 >= 0.95, FPR <= 1 %.
(b) the nDPI corpus, per pcap: malicious when nDPI's expected result
    (result/<pcap>.out) shows a TLS risk on a TLS flow (self-signed, obsolete
    version, weak cipher, certificate mismatch/expired, malicious JA3/SHA-1,
    malware host); flagged when we alert on any flow of it. Every
    disagreement is listed with nDPI's risks and our findings.

usage: tools/eval-encrypted.py [--build DIR] [--sessions N] [--seed N]
                               [--ndpi DIR] [--skip-ndpi] [--skip-generated]
                               [--model-dir DIR] [--threshold T] [-v]
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TLS_RISKS = ["Self-signed Cert", "Obsolete TLS", "Weak TLS Cipher", "TLS Cert Mismatch", "TLS Cert Expired",
             "Malicious Fingerpint", "Malicious Fingerprint", "Malicious SSL Cert", "Client Contacted A Malware Host"]


def prf(tp, fp, tn, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return p, r, f1, fpr


def line(title, tp, fp, tn, fn):
    p, r, f1, fpr = prf(tp, fp, tn, fn)
    print(f"{title}: precision {p:.4f}  recall {r:.4f}  F1 {f1:.4f}  FPR {fpr:.4f}  "
          f"(tp {tp} fp {fp} tn {tn} fn {fn})")
    return f1, fpr


def run_sensor(args, pcap, logdir):
    cmd = [args.guanlan, "run", "-q", "-r", pcap, "-l", logdir,
           "--set", f"detect.state-dir={logdir}"]
    if args.model_dir:
        cmd += ["--set", f"detect.model-dir={args.model_dir}"]
    if args.threshold is not None:
        cmd += ["--set", f"detect.threshold={args.threshold}"]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    alerts = []
    path = os.path.join(logdir, "eve.json")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for l in f:
                if '"event_type":"alert"' not in l:
                    continue
                e = json.loads(l)
                if e.get("alert", {}).get("category") == "Encrypted Threat":
                    alerts.append(e)
    return r.returncode, alerts


def generated(args, tmp):
    pcap, labels = os.path.join(tmp, "heldout.pcap"), os.path.join(tmp, "heldout.csv")
    subprocess.run([args.tlsgen, "-q", "-o", pcap, "--labels", labels, "--seed", str(args.seed),
                    "--sessions", str(args.sessions)], check=True)
    logdir = os.path.join(tmp, "gen")
    os.mkdir(logdir)
    rc, alerts = run_sensor(args, pcap, logdir)
    if rc != 0:
        sys.exit(f"guanlan run failed on {pcap}")
    flagged = {(a["src_ip"], a["src_port"], a["dest_ip"], a["dest_port"]) for a in alerts}
    tp = fp = tn = fn = 0
    fam = {}
    with open(labels) as f:
        for r in csv.DictReader(f):
            k = (r["src_ip"], int(r["src_port"]), r["dest_ip"], int(r["dest_port"]))
            mal, hit = r["label"] == "malicious", k in flagged
            tp += mal and hit
            fn += mal and not hit
            fp += (not mal) and hit
            tn += (not mal) and not hit
            d = fam.setdefault(r.get("family", "?"), [r["label"], 0, 0])
            d[1] += 1
            d[2] += hit
    print(f"(a) held-out generated traffic: gl-tlsgen --seed {args.seed} --sessions {args.sessions}")
    f1, fpr = line("    sessions", tp, fp, tn, fn)
    for k in sorted(fam):
        print(f"      {k:22s} {fam[k][0]:9s} {fam[k][1]:5d} sessions {fam[k][2]:5d} alerted")
    print("    goal F1 >= 0.95 and FPR <= 0.01: " + ("met" if f1 >= 0.95 and fpr <= 0.01 else "NOT met"))


def ndpi_truth(outfile):
    """(has TLS flows, set of TLS risks) from an nDPI expected result."""
    has_tls, risks = False, set()
    with open(outfile, errors="replace") as f:
        for l in f:
            if not re.match(r"\s*\d+\s+TCP ", l):
                continue
            m = re.search(r"\[proto: [^\]]*\]", l)
            if not m or "TLS" not in m.group(0):
                continue
            has_tls = True
            rm = re.search(r"\[Risk: ([^\]]*)\]", l)
            if rm:
                for r in TLS_RISKS:
                    if r in rm.group(1):
                        risks.add(r)
    return has_tls, risks


def ndpi(args, tmp):
    res = os.path.join(args.ndpi, "result")
    pcaps = os.path.join(args.ndpi, "pcap")
    rows = []
    for name in sorted(os.listdir(pcaps)):
        out = os.path.join(res, name + ".out")
        if not os.path.exists(out):
            continue
        has_tls, risks = ndpi_truth(out)
        if not has_tls:
            continue
        logdir = os.path.join(tmp, "ndpi-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name))
        os.mkdir(logdir)
        rc, alerts = run_sensor(args, os.path.join(pcaps, name), logdir)
        ours = sorted({a["alert"]["signature"].replace("GUANLAN Encrypted Threat: ", "") for a in alerts})
        rows.append((name, bool(risks), bool(alerts), sorted(risks), ours, rc))
    tp = sum(1 for r in rows if r[1] and r[2])
    fp = sum(1 for r in rows if not r[1] and r[2])
    tn = sum(1 for r in rows if not r[1] and not r[2])
    fn = sum(1 for r in rows if r[1] and not r[2])
    print(f"(b) nDPI corpus: {len(rows)} pcaps with TLS flows; malicious = a TLS risk in nDPI's result")
    line("    pcaps", tp, fp, tn, fn)
    agree = tp + tn
    print(f"    agreement {agree}/{len(rows)} = {agree / len(rows):.3f}" if rows else "    no pcaps")
    print("    disagreements (pcap: nDPI TLS risks | our alert signatures):")
    for name, mal, hit, risks, ours, rc in rows:
        if mal != hit or args.verbose:
            tag = "agree" if mal == hit else ("missed" if mal else "extra")
            print(f"      [{tag}] {name}: {', '.join(risks) or '-'} | {'; '.join(ours[:4]) or '-'}"
                  + (f" (run rc {rc})" if rc else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sessions", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--ndpi", default=os.path.join(ROOT, "..", "shared", "corpus", "ndpi"))
    ap.add_argument("--skip-ndpi", action="store_true")
    ap.add_argument("--skip-generated", action="store_true")
    ap.add_argument("--model-dir")
    ap.add_argument("--threshold", type=int)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    args.guanlan = os.path.join(args.build, "guanlan")
    args.tlsgen = os.path.join(args.build, "gl-tlsgen")
    if args.seed < 1000:
        print("warning: seeds below 1000 are training seeds (gl-tlsgen --help)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="guanlan-eval-") as tmp:
        if not args.skip_generated:
            generated(args, tmp)
        if not args.skip_ndpi and os.path.isdir(args.ndpi):
            ndpi(args, tmp)


if __name__ == "__main__":
    main()
