#!/usr/bin/env python3
"""sv-run.py — run the Suricata-verify tests that guanlan can be judged by.

Suricata-verify (OISF) is Suricata's own regression suite: one directory per
test with a capture, a test.yaml holding requirements and `checks:` on the EVE
output, and sometimes rules or a suricata.yaml fragment.  guanlan writes the
same EVE event types for the protocols it decodes, so a subset of that suite is
an independent oracle for it: the expected counts were written by Suricata's
developers against Suricata, not against us.

Which tests are in scope (the rest are counted as "out of scope", not run):
  * no rules: no *.rules file in the directory, no `rules` inlined in test.yaml
    (rules produce alerts and change logging; guanlan has no Suricata rule engine);
  * no custom `command` and no `setup` scripts;
  * every check is a `filter` check on eve.json whose `match` names an
    `event_type` guanlan produces (flow, dns, tls, http, ssh, anomaly).

Which in-scope tests are skipped (not applicable to guanlan):
  * requirements guanlan does not meet, judged the way upstream run.py judges
    them, with guanlan claiming to be Suricata --suricata-version (8.0.7 by
    default) built with --feature (HAVE_JA3, HAVE_JA4 by default); `lt-version:
    8` therefore means "test for old Suricata" and skips;
  * `requires: script` / `lambda` (they probe a Suricata source tree: never run);
  * a non-zero `exit-code` (tests Suricata's own error paths), no capture.
`args` and suricata.yaml fragments are honoured where guanlan has an
equivalent setting (EVE ethernet and community-id output, stream.midstream:
see guanlan_options); anything else is ignored and the test runs anyway.

Check semantics follow upstream run.py (filter checks): a check counts the EVE
records satisfying every `match` entry and compares with `count`.  Keys are
dotted paths with [N] list indexes; suffixes __len, __find, __contains,
__startswith, __endswith, __gt, __gte, __lt, __lte; has-key / not-has-key take a
key or a list of keys; a per-check `requires` that is unmet skips that check.
A test passes when no check fails and at least one ran; it is skipped when all
its checks were skipped.

--partial widens the scope to rule-less tests with at least one such check,
evaluating only those checks (the others need protocols or outputs guanlan
does not have); it is a development aid, not the judged number.

Exit status: 0, or 1 when --min-pass-rate is not reached or a test could not
be evaluated; 77 when the corpus is absent.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the host
    print("sv-run: PyYAML is missing (Debian: apt-get install python3-yaml)", file=sys.stderr)
    sys.exit(2)

GUANLAN_EVENT_TYPES = frozenset(["flow", "dns", "tls", "http", "ssh", "anomaly"])
DEFAULT_VERSION = "8.0.7"
DEFAULT_FEATURES = ("HAVE_JA3", "HAVE_JA4")
DEFAULT_TIMEOUT_S = 120

COMPARISON_SUFFIXES = ("__gt", "__gte", "__lt", "__lte")
STRING_SUFFIXES = ("__contains", "__find", "__startswith", "__endswith")

SKIP_EXIT = 77


class Unsatisfied(Exception):
    """A requirement guanlan (as the claimed Suricata) does not meet: skip."""


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------

def parse_version(text, missing=0):
    """'8' -> (8, missing, missing); '7.0.12' -> (7, 0, 12); None if no number.

    Missing parts default to 0 for ordering comparisons; for `version:` (equal)
    upstream leaves them unset so that '7' matches every 7.x.y — pass None."""
    m = re.search(r"(?:Suricata version |^)(\d+)\.?(\d+)?\.?(\d+)?", str(text).strip())
    if not m:
        return None
    return tuple(int(g) if g is not None else missing for g in m.groups())


def version_satisfies(ours, required, relation):
    """Does our version stand in `relation` (gte, gt, lt, equal) to `required`?

    Ordering uses plain tuple comparison.  (Upstream's is_lt mis-orders e.g.
    8.1.0 vs 8.0.5; for an x.0.z claim like ours both agree.)"""
    if relation == "equal":
        req = parse_version(required, missing=None)
        if req is None:
            raise Unsatisfied("unparsable version %r" % (required,))
        return all(r is None or r == o for r, o in zip(req, ours))
    req = parse_version(required)
    if req is None:
        raise Unsatisfied("unparsable version %r" % (required,))
    if relation == "gte":
        return ours >= req
    if relation == "gt":
        return ours > req
    if relation == "lt":
        return ours < req
    raise ValueError(relation)


# --------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------

class Claim:
    """What guanlan claims to be when judged by the suite."""

    def __init__(self, version=DEFAULT_VERSION, features=DEFAULT_FEATURES):
        self.version = parse_version(version)
        self.version_text = version
        self.features = set(features)


def check_requires(requires, claim, test_dir=None):
    """Raise Unsatisfied when a `requires:` mapping rules the test (or check) out."""
    if not requires:
        return
    if not isinstance(requires, dict):
        raise Unsatisfied("malformed requires")
    for key, value in requires.items():
        if key == "min-version":
            if not version_satisfies(claim.version, value, "gte"):
                raise Unsatisfied("requires at least version %s" % value)
        elif key == "lt-version":
            if not version_satisfies(claim.version, value, "lt"):
                raise Unsatisfied("for version less than %s" % value)
        elif key == "gt-version":
            if not version_satisfies(claim.version, value, "gt"):
                raise Unsatisfied("for version greater than %s" % value)
        elif key == "version":
            if not version_satisfies(claim.version, value, "equal"):
                raise Unsatisfied("only for version %s" % value)
        elif key == "features":
            for feature in value or []:
                if feature not in claim.features:
                    raise Unsatisfied("requires feature %s" % feature)
        elif key == "env":
            for name in value or []:
                if name not in os.environ:
                    raise Unsatisfied("requires env var %s" % name)
        elif key == "files":
            for name in value or []:
                path = name if os.path.isabs(name) or not test_dir else os.path.join(test_dir, name)
                if not os.path.exists(path):
                    raise Unsatisfied("requires file %s" % name)
        elif key == "command":
            for name in value or []:
                if shutil.which(str(name)) is None:
                    raise Unsatisfied("requires command %s" % name)
        elif key == "os":
            if not platform.system().lower().startswith(str(value).lower()):
                raise Unsatisfied("requires os %s" % value)
        elif key == "arch":
            if not platform.machine().lower().startswith(str(value).lower()):
                raise Unsatisfied("requires arch %s" % value)
        elif key == "pcap":
            pass  # handled when the capture is located
        elif key in ("script", "lambda"):
            # These probe a Suricata build or source tree; guanlan has neither.
            raise Unsatisfied("requires %s (Suricata-specific probe)" % key)
        else:
            raise Unsatisfied("unknown requirement %s" % key)


def check_skip(skip, claim):
    """The test.yaml `skip:` list (or boolean), as upstream interprets it."""
    if not skip:
        return
    if skip is True:
        raise Unsatisfied("skipped by default")
    if not isinstance(skip, list):
        return
    for entry in skip:
        if not isinstance(entry, dict):
            continue
        msg = entry.get("msg")
        if "uid" in entry and os.getuid() == entry["uid"]:
            raise Unsatisfied(msg or "not for uid %s" % entry["uid"])
        if "feature" in entry and entry["feature"] in claim.features:
            raise Unsatisfied(msg or "not for feature %s" % entry["feature"])
        # `config` entries compare against Suricata's --dump-config; we have
        # no Suricata config, so they never match.


# --------------------------------------------------------------------------
# Matching EVE records
# --------------------------------------------------------------------------

_INDEXED = re.compile(r"^(.*)\[(\d+)\]$")


def find_value(path, record):
    """Follow a dotted path ('dns.answers[0].rrname', 'http.request_headers.__len').

    Returns None when a step is missing; `__len` returns len() of the value
    reached (-1 when it has none); an operator suffix stops the walk and the
    value reached so far is returned for the caller to compare."""
    obj = record
    for part in str(path).split("."):
        if part == "__len":
            try:
                return len(obj)
            except TypeError:
                return -1
        if part in STRING_SUFFIXES or part in COMPARISON_SUFFIXES:
            break
        m = _INDEXED.match(part)
        key, index = (m.group(1), int(m.group(2))) if m else (part, None)
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
        if index is not None:
            try:
                obj = obj[index]
            except (IndexError, KeyError, TypeError):
                return None
    return obj


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _compare_numbers(actual, expected, suffix):
    # bool is an int in Python; upstream refuses to order booleans.
    for v in (actual, expected):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
    if suffix == "__gt":
        return actual > expected
    if suffix == "__gte":
        return actual >= expected
    if suffix == "__lt":
        return actual < expected
    return actual <= expected


def match_entry(key, expected, record):
    """Does one `match:` entry hold for this record?"""
    if key == "has-key":
        return all(find_value(k, record) is not None for k in _as_list(expected))
    if key == "not-has-key":
        return all(find_value(k, record) is None for k in _as_list(expected))
    value = find_value(key, record)
    last = str(key).rsplit(".", 1)[-1]
    if last == "__find":
        return value is not None and str(value).find(str(expected)) >= 0
    if last == "__contains":
        if value is None:
            return False
        try:
            return expected in value
        except TypeError:
            return False
    if last == "__startswith":
        return value is not None and str(value).startswith(str(expected))
    if last == "__endswith":
        return value is not None and str(value).endswith(str(expected))
    if last in COMPARISON_SUFFIXES:
        return _compare_numbers(value, expected, last)
    # Plain equality with Python semantics, as upstream (so 1 == 1.0, [6] == [6]).
    return value == expected


def match_record(match, record):
    return all(match_entry(k, v, record) for k, v in (match or {}).items())


def count_matches(match, records):
    return sum(1 for r in records if match_record(match, r))


def load_eve(path):
    """Parse eve.json (one JSON object per line).  Returns (records, error)."""
    records = []
    try:
        with open(path, "r", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                try:
                    records.append(json.loads(line))
                except ValueError as err:
                    return records, "%s:%d: invalid JSON: %s" % (path, lineno, err)
    except OSError as err:
        return records, "cannot read %s: %s" % (path, err)
    except UnicodeDecodeError as err:
        return records, "%s is not UTF-8: %s" % (path, err)
    return records, None


def describe_check(flt):
    if flt.get("comment"):
        return str(flt["comment"])
    return "match %s" % json.dumps(flt.get("match"), sort_keys=True, default=str)


def evaluate_checks(checks, records, claim, test_dir=None):
    """Evaluate filter checks against parsed EVE records.

    Returns (passed, failed, skipped, messages) where messages lists the
    failures (and, after them, the reasons checks were skipped)."""
    passed = failed = skipped = 0
    failures, skips = [], []
    for num, check in enumerate(checks, 1):
        flt = check.get("filter") if isinstance(check, dict) else None
        if not isinstance(flt, dict):
            failed += 1
            failures.append("check #%d: not a filter check" % num)
            continue
        try:
            check_requires(flt.get("requires"), claim, test_dir)
        except Unsatisfied as why:
            skipped += 1
            skips.append("check #%d skipped: %s" % (num, why))
            continue
        if "count" not in flt or "match" not in flt:
            failed += 1
            failures.append("check #%d: filter without count/match" % num)
            continue
        got = count_matches(flt["match"], records)
        if got == flt["count"]:
            passed += 1
        else:
            failed += 1
            failures.append("check #%d: expected %s, got %d: %s" %
                            (num, flt["count"], got, describe_check(flt)))
    return passed, failed, skipped, failures + skips


# --------------------------------------------------------------------------
# Selecting tests
# --------------------------------------------------------------------------

def load_test_yaml(test_dir):
    with open(os.path.join(test_dir, "test.yaml"), "rb") as f:
        cfg = yaml.safe_load(f)
    return cfg if isinstance(cfg, dict) else {}


def is_guanlan_check(check):
    """A filter check on eve.json about an event type guanlan writes."""
    if not isinstance(check, dict) or list(check.keys()) != ["filter"]:
        return False
    flt = check["filter"]
    if not isinstance(flt, dict) or flt.get("filename", "eve.json") != "eve.json":
        return False
    return (flt.get("match") or {}).get("event_type") in GUANLAN_EVENT_TYPES


def why_not_guanlan_check(check):
    if not isinstance(check, dict) or list(check.keys()) != ["filter"]:
        return "check type %s" % (",".join(check.keys()) if isinstance(check, dict) else "?")
    flt = check["filter"] or {}
    if flt.get("filename", "eve.json") != "eve.json":
        return "checks output file %s" % flt.get("filename")
    return "event_type %s" % (flt.get("match") or {}).get("event_type")


def out_of_scope_reason(test_dir, cfg, partial=False):
    """None when guanlan can be judged by this test, else why not.

    With partial, a test whose checks are only partly about guanlan's event
    types is in scope too; the caller then evaluates only those checks."""
    if glob.glob(os.path.join(test_dir, "*.rules")):
        return "has rules"
    if cfg.get("rules"):
        return "has inline rules"
    if "command" in cfg:
        return "custom command"
    if cfg.get("setup"):
        return "setup script"
    checks = cfg.get("checks")
    if not checks or not isinstance(checks, list):
        return "no checks"
    ours = [c for c in checks if is_guanlan_check(c)]
    if partial and ours:
        return None
    for check in checks:
        if not is_guanlan_check(check):
            return why_not_guanlan_check(check)
    return None


def find_capture(test_dir, cfg):
    """Path of the capture to replay; raises Unsatisfied when there is none."""
    requires = cfg.get("requires") or {}
    pcap = cfg.get("pcap")
    if pcap is False or (isinstance(requires, dict) and requires.get("pcap") is False):
        raise Unsatisfied("test runs without a capture")
    if pcap:
        path = os.path.realpath(os.path.join(test_dir, str(pcap)))
        if not os.path.exists(path):
            raise Unsatisfied("capture %s does not exist" % pcap)
        return path
    found = sorted(glob.glob(os.path.join(test_dir, "*.pcap")) +
                   glob.glob(os.path.join(test_dir, "*.pcapng")))
    if not found:
        raise Unsatisfied("no pcap file found")
    if len(found) > 1:
        raise Unsatisfied("more than one pcap file")
    return found[0]


def applicability(test_dir, cfg, claim):
    """Returns the capture path, or raises Unsatisfied."""
    check_requires(cfg.get("requires"), claim, test_dir)
    check_skip(cfg.get("skip"), claim)
    if cfg.get("exit-code", 0) != 0:
        raise Unsatisfied("expects Suricata exit code %s" % cfg.get("exit-code"))
    return find_capture(test_dir, cfg)


def discover(corpus):
    """All test directories (holding test.yaml), sorted by name."""
    tests = []
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=True):
        dirnames.sort()
        if "test.yaml" in filenames and dirpath != corpus:
            tests.append(dirpath)
            dirnames[:] = []  # a test's subfolders are its own data
    return sorted(tests)


# --------------------------------------------------------------------------
# Running one test
# --------------------------------------------------------------------------

class Result:
    def __init__(self, name, status, detail="", messages=None):
        self.name = name
        self.status = status  # PASS FAIL SKIP OUT
        self.detail = detail
        self.messages = messages or []


# Suricata settings a test may set (in its suricata.yaml or with --set in
# `args`) that have a guanlan equivalent: suricata key -> guanlan key.
SET_EQUIVALENTS = {
    "stream.midstream": "stream.midstream",
}


def _yaml_bool(v):
    return "yes" if v in (True, "yes", "true", "on", 1) else "no"


def guanlan_options(test_dir, cfg):
    """`--set` options that honour the parts of a test's configuration guanlan
    has an equivalent for: EVE ethernet and community-id output, and the
    --set arguments listed in SET_EQUIVALENTS. Everything else is ignored."""
    out = []
    path = os.path.join(test_dir, "suricata.yaml")
    if os.path.exists(path):
        try:
            with open(path) as f:
                text = f.read()
            # suricata.yaml fragments start with a %YAML 1.1 directive
            sy = yaml.safe_load(text.split("---", 1)[1] if text.startswith("%YAML") else text) or {}
        except (OSError, yaml.YAMLError, IndexError):
            sy = {}
        for output in (sy.get("outputs") or []) if isinstance(sy, dict) else []:
            eve = output.get("eve-log") if isinstance(output, dict) else None
            if not isinstance(eve, dict):
                continue
            if "ethernet" in eve:
                out += ["--set", "output.eve.ethernet=" + _yaml_bool(eve["ethernet"])]
            if "community-id" in eve:
                out += ["--set", "output.eve.community-id=" + _yaml_bool(eve["community-id"])]
            if isinstance(eve.get("community-id-seed"), int):
                out += ["--set", "output.eve.community-id-seed=%d" % eve["community-id-seed"]]
            for t in eve.get("types") or []:
                tls = t.get("tls") if isinstance(t, dict) else None
                if isinstance(tls, dict) and "session-resumption" in tls:
                    out += ["--set", "output.eve.tls-session-resumption=" + _yaml_bool(tls["session-resumption"])]
    args = cfg.get("args") or []
    words = " ".join(a for a in args if isinstance(a, str)).split()
    for i, w in enumerate(words[:-1]):
        if w == "--set" and "=" in words[i + 1]:
            key, value = words[i + 1].split("=", 1)
            if key in SET_EQUIVALENTS:
                out += ["--set", "%s=%s" % (SET_EQUIVALENTS[key], _yaml_bool(value.lower()))]
    return out


def run_guanlan(binary, pcap, outdir, timeout, extra=()):
    """Returns an error string, or None when guanlan exited 0."""
    os.makedirs(outdir, exist_ok=True)
    cmd = [binary, "run", "-q", "-r", pcap, "-l", outdir] + list(extra)
    log_path = os.path.join(outdir, "guanlan.log")
    try:
        with open(log_path, "wb") as log:
            # own session, so a timeout can kill everything the run started
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return "guanlan timed out after %ds" % timeout
    except OSError as err:
        return "cannot run %s: %s" % (binary, err)
    if proc.returncode != 0:
        tail = ""
        try:
            with open(log_path, "r", errors="replace") as log:
                lines = log.read().strip().splitlines()
            tail = (": " + " | ".join(lines[-3:])) if lines else ""
        except OSError:
            pass
        return "guanlan exited with status %d%s" % (proc.returncode, tail)
    return None


def test_name(test_dir, corpus):
    """Path below the corpus root: most tests sit at the top, some in groups (http-evader/...)."""
    return os.path.relpath(test_dir, corpus)


def run_test(test_dir, opts):
    name = test_name(test_dir, opts.corpus)
    try:
        cfg = load_test_yaml(test_dir)
    except (OSError, yaml.YAMLError) as err:
        return Result(name, "OUT", "unreadable test.yaml: %s" % err)
    reason = out_of_scope_reason(test_dir, cfg, opts.partial)
    if reason:
        return Result(name, "OUT", reason)
    checks = [c for c in cfg["checks"] if is_guanlan_check(c)]
    note = "" if len(checks) == len(cfg["checks"]) else " [partial: %d of %d checks]" % (len(checks), len(cfg["checks"]))
    try:
        pcap = applicability(test_dir, cfg, opts.claim)
    except Unsatisfied as why:
        return Result(name, "SKIP", str(why))

    outdir = os.path.join(opts.outdir, name.replace(os.sep, "__"))
    if os.path.exists(outdir):
        shutil.rmtree(outdir)
    err = run_guanlan(opts.bin, pcap, outdir, opts.timeout, guanlan_options(test_dir, cfg))
    if err:
        return Result(name, "FAIL", err)
    records, err = load_eve(os.path.join(outdir, "eve.json"))
    if err:
        return Result(name, "FAIL", err)
    passed, failed, skipped, messages = evaluate_checks(checks, records, opts.claim, test_dir)
    if failed:
        more = " (+%d more failing)" % (failed - 1) if failed > 1 else ""
        return Result(name, "FAIL", messages[0] + more + note, messages)
    if skipped and not passed:
        return Result(name, "SKIP", "all checks skipped: " + messages[0] + note, messages)
    return Result(name, "PASS", "%d checks" % passed + (", %d skipped" % skipped if skipped else "") + note,
                  messages)


def run_test_safely(test_dir, opts):
    """run_test, but a malformed test.yaml fails that one test, not the run."""
    try:
        return run_test(test_dir, opts)
    except Exception as err:  # noqa: BLE001 - reported, never hidden
        return Result(test_name(test_dir, opts.corpus), "FAIL",
                      "runner error: %s: %s" % (type(err).__name__, err))


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv):
    p = argparse.ArgumentParser(description="Run the Suricata-verify tests guanlan can be judged by.")
    p.add_argument("--bin", default=os.environ.get("GUANLAN_BIN"),
                   help="guanlan binary (default: $GUANLAN_BIN)")
    p.add_argument("--corpus", default=os.path.join(repo_root(), "..", "shared", "corpus", "suricata-verify"),
                   help="suricata-verify directory (default: ../shared/corpus/suricata-verify)")
    p.add_argument("--outdir", help="keep per-test output here (default: a temporary directory, removed)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only this test (directory path below the corpus, e.g. dns-udp-nxdomain-soa; repeatable)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="tests to run in parallel")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S, help="seconds per guanlan run")
    p.add_argument("--min-pass-rate", type=float, default=None,
                   help="exit 1 when passed/(passed+failed) is below this (0..1)")
    p.add_argument("--suricata-version", default=DEFAULT_VERSION,
                   help="Suricata version guanlan is judged as (default %s)" % DEFAULT_VERSION)
    p.add_argument("--feature", action="append", default=None,
                   help="claimed Suricata build feature (repeatable; default: %s)" % ", ".join(DEFAULT_FEATURES))
    p.add_argument("--partial", action="store_true",
                   help="also run tests whose checks are only partly about guanlan's event types, "
                        "evaluating just those checks (a wider, weaker signal; not the default)")
    p.add_argument("--list", action="store_true", help="list in-scope tests and their status without running")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print out-of-scope tests and every failing check")
    return p.parse_args(argv)


def print_result(res, verbose):
    if res.status == "OUT" and not verbose:
        return
    print("%-4s %s: %s" % (res.status, res.name, res.detail), flush=True)
    if verbose and res.status == "FAIL":
        for m in res.messages[1:]:
            print("       %s" % m)


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    opts.claim = Claim(opts.suricata_version, opts.feature if opts.feature is not None else DEFAULT_FEATURES)
    corpus = opts.corpus = os.path.realpath(opts.corpus)
    if not os.path.isdir(corpus):
        print("*" * 72)
        print("SKIP: suricata-verify corpus not found at %s" % corpus)
        print("      (expected ../shared/corpus/suricata-verify next to the repository)")
        print("*" * 72)
        return SKIP_EXIT

    tests = discover(corpus)
    if opts.only:
        wanted = set(opts.only)
        tests = [t for t in tests if test_name(t, corpus) in wanted]
        missing = wanted - {test_name(t, corpus) for t in tests}
        if missing:
            print("sv-run: no such test: %s" % ", ".join(sorted(missing)), file=sys.stderr)
            return 2

    if opts.list:
        for t in tests:
            cfg = load_test_yaml(t)
            reason = out_of_scope_reason(t, cfg, opts.partial)
            if reason:
                if opts.verbose:
                    print("OUT  %s: %s" % (test_name(t, corpus), reason))
                continue
            try:
                pcap = applicability(t, cfg, opts.claim)
                print("RUN  %s: %s" % (test_name(t, corpus), os.path.relpath(pcap, corpus)))
            except Unsatisfied as why:
                print("SKIP %s: %s" % (test_name(t, corpus), why))
        return 0

    if not opts.bin:
        print("sv-run: no guanlan binary (use --bin or set GUANLAN_BIN)", file=sys.stderr)
        return 2
    opts.bin = os.path.abspath(opts.bin)
    if not os.access(opts.bin, os.X_OK):
        print("sv-run: %s is not executable" % opts.bin, file=sys.stderr)
        return 2

    temp_out = opts.outdir is None
    opts.outdir = tempfile.mkdtemp(prefix="sv-run-") if temp_out else os.path.abspath(opts.outdir)
    os.makedirs(opts.outdir, exist_ok=True)
    results = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            # map keeps the corpus order in the printout while running in parallel
            for res in pool.map(lambda t: run_test_safely(t, opts), tests):
                print_result(res, opts.verbose)
                results.append(res)
    finally:
        if temp_out:
            shutil.rmtree(opts.outdir, ignore_errors=True)

    n = {s: sum(1 for r in results if r.status == s) for s in ("PASS", "FAIL", "SKIP", "OUT")}
    applicable = n["PASS"] + n["FAIL"]
    rate = (n["PASS"] / applicable) if applicable else 0.0
    print("sv: %d tests out of scope (rules, custom commands, or event types guanlan does not log)" % n["OUT"])
    status = 0
    if opts.min_pass_rate is not None:
        if applicable == 0 and opts.min_pass_rate > 0:
            print("sv: no applicable test ran; required pass rate %.2f not reached" % opts.min_pass_rate)
            status = 1
        elif rate < opts.min_pass_rate:
            print("sv: pass rate %.3f is below the required %.3f" % (rate, opts.min_pass_rate))
            status = 1
    print("sv: %d passed, %d failed, %d skipped (%.1f%% of applicable)" %
          (n["PASS"], n["FAIL"], n["SKIP"], 100.0 * rate))
    return status

if __name__ == "__main__":
    sys.exit(main())
