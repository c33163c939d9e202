#!/usr/bin/env python3
"""sv_selftest.py — unit tests of tools/sv-run.py, independent of guanlan.

The runner is itself a judge, so it is checked against hand-written EVE
records and checks whose expected outcome is worked out by hand from the
suricata-verify semantics (upstream run.py): a record matches a filter when
every `match` entry holds; the check passes when the number of matching
records equals `count`.  The end-to-end cases replace guanlan with a tiny
shell script whose "capture" is the eve.json it should write, so a whole
corpus walk (selection, requirements, exit codes, timeouts, pass rate) is
exercised without any sensor.
"""

import importlib.util
import io
import contextlib
import os
import shutil
import stat
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "..", "..", "tools", "sv-run.py")

spec = importlib.util.spec_from_file_location("sv_run", RUNNER)
sv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sv)

# Two DNS records and a flow record, shaped like Suricata 8 EVE output.
DNS_QUERY = {
    "event_type": "dns", "src_ip": "10.16.1.11", "src_port": 54888,
    "dest_ip": "8.8.8.8", "dest_port": 53, "pcap_cnt": 1,
    "dns": {"version": 3, "type": "request", "id": 1234,
            "queries": [{"rrname": "www.example.com", "rrtype": "A"}]},
}
DNS_ANSWER = {
    "event_type": "dns", "src_ip": "8.8.8.8", "src_port": 53,
    "dest_ip": "10.16.1.11", "dest_port": 54888, "pcap_cnt": 2,
    "dns": {"version": 3, "type": "response", "id": 1234, "rcode": "NOERROR",
            "answers": [{"rrname": "www.example.com", "rrtype": "A", "rdata": "93.184.216.34"},
                        {"rrname": "www.example.com", "rrtype": "A", "rdata": "93.184.216.35"}]},
}
FLOW = {
    "event_type": "flow", "proto": "TCP", "vlan": [1, 10], "app_proto": "http",
    "flow": {"pkts_toserver": 5, "pkts_toclient": 4, "bytes_toserver": 400,
             "state": "closed", "alerted": False},
}
RECORDS = [DNS_QUERY, DNS_ANSWER, FLOW]


class FindValue(unittest.TestCase):
    def test_dotted_and_indexed(self):
        self.assertEqual(sv.find_value("dns.answers[1].rdata", DNS_ANSWER), "93.184.216.35")
        self.assertEqual(sv.find_value("dns.queries[0].rrtype", DNS_QUERY), "A")
        self.assertEqual(sv.find_value("event_type", FLOW), "flow")

    def test_missing_is_none(self):
        self.assertIsNone(sv.find_value("dns.answers", DNS_QUERY))
        self.assertIsNone(sv.find_value("dns.answers[2].rdata", DNS_ANSWER))  # index past the end
        self.assertIsNone(sv.find_value("flow.pkts_toserver.x", FLOW))        # walking into an int
        self.assertIsNone(sv.find_value("dns[0]", DNS_QUERY))                 # indexing a dict

    def test_len(self):
        self.assertEqual(sv.find_value("dns.answers.__len", DNS_ANSWER), 2)
        self.assertEqual(sv.find_value("dns.type.__len", DNS_ANSWER), len("response"))
        self.assertEqual(sv.find_value("dns.id.__len", DNS_ANSWER), -1)       # numbers have no length
        self.assertIsNone(sv.find_value("dns.answers.__len", DNS_QUERY))      # missing before __len

    def test_operator_suffix_returns_value_reached(self):
        self.assertEqual(sv.find_value("dns.type.__startswith", DNS_QUERY), "request")
        self.assertEqual(sv.find_value("flow.pkts_toserver.__gt", FLOW), 5)


class MatchEntry(unittest.TestCase):
    def m(self, key, expected, rec):
        return sv.match_entry(key, expected, rec)

    def test_equality_is_typed(self):
        self.assertTrue(self.m("dest_port", 53, DNS_QUERY))
        self.assertFalse(self.m("dest_port", "53", DNS_QUERY))   # YAML string vs JSON number
        self.assertTrue(self.m("vlan", [1, 10], FLOW))
        self.assertFalse(self.m("vlan", [10, 1], FLOW))
        self.assertFalse(self.m("vlan", [1], FLOW))
        self.assertTrue(self.m("flow.alerted", False, FLOW))
        self.assertFalse(self.m("nonexistent", "x", FLOW))
        self.assertTrue(self.m("nonexistent", None, FLOW))      # YAML null equals a missing key

    def test_string_suffixes(self):
        self.assertTrue(self.m("dns.queries[0].rrname.__find", "example", DNS_QUERY))
        self.assertFalse(self.m("dns.queries[0].rrname.__find", "exmaple", DNS_QUERY))
        self.assertTrue(self.m("dns.queries[0].rrname.__startswith", "www.", DNS_QUERY))
        self.assertFalse(self.m("dns.queries[0].rrname.__startswith", "example", DNS_QUERY))
        self.assertTrue(self.m("dns.queries[0].rrname.__endswith", ".com", DNS_QUERY))
        self.assertFalse(self.m("dns.queries[0].rrname.__endswith", ".org", DNS_QUERY))
        # missing values never match a string operator
        self.assertFalse(self.m("dns.answers.__find", "x", DNS_QUERY))
        self.assertFalse(self.m("dns.answers.__endswith", "", DNS_QUERY))
        # __find/__startswith/__endswith compare the str() of non-strings
        self.assertTrue(self.m("dns.id.__startswith", "12", DNS_QUERY))

    def test_contains(self):
        self.assertTrue(self.m("vlan.__contains", 10, FLOW))
        self.assertFalse(self.m("vlan.__contains", 11, FLOW))
        self.assertTrue(self.m("dns.type.__contains", "spon", DNS_ANSWER))
        self.assertFalse(self.m("dns.id.__contains", 1, DNS_ANSWER))         # int: TypeError -> no match
        self.assertFalse(self.m("missing.__contains", 1, DNS_ANSWER))

    def test_comparisons(self):
        self.assertTrue(self.m("flow.pkts_toserver.__gt", 4, FLOW))
        self.assertFalse(self.m("flow.pkts_toserver.__gt", 5, FLOW))
        self.assertTrue(self.m("flow.pkts_toserver.__gte", 5, FLOW))
        self.assertTrue(self.m("flow.pkts_toserver.__lt", 6, FLOW))
        self.assertFalse(self.m("flow.pkts_toserver.__lt", 5, FLOW))
        self.assertTrue(self.m("flow.pkts_toserver.__lte", 5, FLOW))
        self.assertFalse(self.m("flow.alerted.__lt", 1, FLOW))               # booleans are not ordered
        self.assertFalse(self.m("flow.state.__gt", 1, FLOW))                 # strings are not ordered
        self.assertFalse(self.m("missing.__gt", 0, FLOW))

    def test_has_key(self):
        self.assertTrue(self.m("has-key", "dns.answers", DNS_ANSWER))
        self.assertFalse(self.m("has-key", "dns.answers", DNS_QUERY))
        self.assertTrue(self.m("has-key", ["dns.id", "dns.answers[1]"], DNS_ANSWER))
        self.assertFalse(self.m("has-key", ["dns.id", "dns.answers[2]"], DNS_ANSWER))
        self.assertTrue(self.m("not-has-key", "dns.answers", DNS_QUERY))
        self.assertFalse(self.m("not-has-key", ["tls", "dns.answers"], DNS_ANSWER))
        self.assertTrue(self.m("not-has-key", ["tls", "http"], DNS_ANSWER))
        # has-key of a key whose value is JSON false still "has" it
        self.assertTrue(self.m("has-key", "flow.alerted", FLOW))


class Counting(unittest.TestCase):
    def test_count_matches(self):
        self.assertEqual(sv.count_matches({"event_type": "dns"}, RECORDS), 2)
        self.assertEqual(sv.count_matches({"event_type": "dns", "dns.type": "response"}, RECORDS), 1)
        self.assertEqual(sv.count_matches({"event_type": "dns", "dest_port": 53, "pcap_cnt": 1}, RECORDS), 1)
        self.assertEqual(sv.count_matches({"event_type": "tls"}, RECORDS), 0)
        self.assertEqual(sv.count_matches({}, RECORDS), 3)  # empty match: every record

    def test_evaluate_checks(self):
        claim = sv.Claim("8.0.7", ["HAVE_JA4"])
        checks = [
            {"filter": {"count": 2, "match": {"event_type": "dns"}}},                      # pass
            {"filter": {"count": 1, "match": {"event_type": "dns", "dns.answers.__len": 2}}},  # pass
            {"filter": {"count": 1, "match": {"event_type": "flow", "vlan": [1]}}},        # fail: 0
            {"filter": {"requires": {"lt-version": 8}, "count": 9,
                        "match": {"event_type": "dns"}}},                                  # skipped
            {"filter": {"requires": {"features": ["HAVE_LUA"]}, "count": 9,
                        "match": {"event_type": "dns"}}},                                  # skipped
        ]
        p, f, s, msgs = sv.evaluate_checks(checks, RECORDS, claim)
        self.assertEqual((p, f, s), (2, 1, 2))
        self.assertIn("check #3: expected 1, got 0", msgs[0])

    def test_comment_is_reported(self):
        checks = [{"filter": {"count": 5, "comment": "five flows", "match": {"event_type": "flow"}}}]
        _, f, _, msgs = sv.evaluate_checks(checks, RECORDS, sv.Claim())
        self.assertEqual(f, 1)
        self.assertEqual(msgs[0], "check #1: expected 5, got 1: five flows")


class Versions(unittest.TestCase):
    ours = sv.parse_version("8.0.7")

    def sat(self, req, rel):
        return sv.version_satisfies(self.ours, req, rel)

    def test_parse(self):
        self.assertEqual(sv.parse_version("8"), (8, 0, 0))
        self.assertEqual(sv.parse_version(7.0), (7, 0, 0))  # YAML float 7.0
        self.assertEqual(sv.parse_version("7.0.12"), (7, 0, 12))
        self.assertEqual(sv.parse_version("8.1.0-dev"), (8, 1, 0))
        self.assertEqual(sv.parse_version("8", missing=None), (8, None, None))

    def test_relations(self):
        self.assertTrue(self.sat(8, "gte"))
        self.assertTrue(self.sat("8.0.7", "gte"))
        self.assertFalse(self.sat("8.0.8", "gte"))
        self.assertFalse(self.sat(9, "gte"))
        self.assertFalse(self.sat(8, "lt"))         # lt-version 8: a test for Suricata 7
        self.assertTrue(self.sat(9, "lt"))
        self.assertTrue(self.sat("8.0.8", "lt"))
        self.assertFalse(self.sat("8.0.7", "lt"))
        self.assertTrue(self.sat("7.0.99", "gt"))
        self.assertFalse(self.sat("8.0.7", "gt"))
        self.assertTrue(self.sat(8, "equal"))
        self.assertTrue(self.sat("8.0", "equal"))
        self.assertFalse(self.sat("8.0.5", "equal"))
        self.assertFalse(self.sat(7, "equal"))


class Requirements(unittest.TestCase):
    claim = sv.Claim("8.0.7", ["HAVE_JA4"])

    def ok(self, requires):
        try:
            sv.check_requires(requires, self.claim)
            return True
        except sv.Unsatisfied:
            return False

    def test_requires(self):
        self.assertTrue(self.ok(None))
        self.assertTrue(self.ok({"min-version": "7.0.12", "pcap": True}))
        self.assertTrue(self.ok({"features": ["HAVE_JA4"]}))
        self.assertFalse(self.ok({"features": ["HAVE_JA4", "HAVE_LUA"]}))
        self.assertFalse(self.ok({"lt-version": 8}))
        self.assertFalse(self.ok({"script": ["true"]}))     # never run: Suricata-source probes
        self.assertFalse(self.ok({"lambda": "True"}))
        self.assertFalse(self.ok({"no-such-key": 1}))
        self.assertTrue(self.ok({"os": "linux"}) == sys.platform.startswith("linux"))

    def test_skip(self):
        def skipped(skip):
            try:
                sv.check_skip(skip, self.claim)
                return False
            except sv.Unsatisfied:
                return True
        self.assertTrue(skipped(True))
        self.assertFalse(skipped(False))
        self.assertTrue(skipped([{"feature": "HAVE_JA4"}]))
        self.assertFalse(skipped([{"feature": "HAVE_LUA"}]))
        self.assertEqual(skipped([{"uid": os.getuid()}]), True)
        self.assertFalse(skipped([{"config": {"app-layer.*": "yes"}}]))


class ConfigTranslation(unittest.TestCase):
    """Settings a test asks Suricata for, mapped to guanlan --set options."""

    def test_suricata_yaml_and_args(self):
        tmp = tempfile.mkdtemp(prefix="sv-selftest-")
        try:
            with open(os.path.join(tmp, "suricata.yaml"), "w") as f:
                f.write("%YAML 1.1\n---\noutputs:\n  - fast:\n      enabled: yes\n"
                        "  - eve-log:\n      enabled: yes\n      ethernet: yes\n"
                        "      community-id: true\n      community-id-seed: 7\n")
            cfg = {"args": ["-k none --set stream.midstream=true", "--set app-layer.protocols.tls.ja4-fingerprints=yes"]}
            self.assertEqual(sv.guanlan_options(tmp, cfg), [
                "--set", "output.eve.ethernet=yes", "--set", "output.eve.community-id=yes",
                "--set", "output.eve.community-id-seed=7", "--set", "stream.midstream=yes"])
            # no suricata.yaml, nothing mappable: no options
            os.unlink(os.path.join(tmp, "suricata.yaml"))
            self.assertEqual(sv.guanlan_options(tmp, {"args": ["-k none"]}), [])
            self.assertEqual(sv.guanlan_options(tmp, {"args": ["--set stream.midstream=false"]}),
                             ["--set", "stream.midstream=no"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))


# The fake sensor: the "capture" holds the eve.json to write; a first line
# "#exit N" makes it fail, "#sleep N" makes it hang.
FAKE_GUANLAN = """#!/bin/sh
[ "$1" = run ] || exit 64
shift
while [ $# -gt 0 ]; do
  case "$1" in -r) pcap=$2; shift ;; -l) out=$2; shift ;; esac
  shift
done
first=$(head -n1 "$pcap")
case "$first" in
  "#exit "*) echo "boom" >&2; exit ${first#\\#exit } ;;
  "#sleep "*) sleep ${first#\\#sleep } ;;
esac
grep -v '^#' "$pcap" > "$out/eve.json"
"""


class EndToEnd(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sv-selftest-")
        self.corpus = os.path.join(self.tmp, "sv")
        self.bin = os.path.join(self.tmp, "fake-guanlan")
        write(self.bin, FAKE_GUANLAN)
        os.chmod(self.bin, stat.S_IRWXU)
        eve = "\n".join(__import__("json").dumps(r) for r in RECORDS) + "\n"
        # passes: 2 dns records, 1 flow
        write(self.corpus + "/a-pass/test.yaml", """
            requires:
              min-version: 7
            checks:
              - filter:
                  count: 2
                  match: {event_type: dns}
              - filter:
                  count: 1
                  match: {event_type: flow, vlan: [1, 10]}
            """)
        write(self.corpus + "/a-pass/input.pcap", eve)
        # fails: wrong count
        write(self.corpus + "/b-fail/test.yaml", """
            checks:
              - filter:
                  count: 3
                  match: {event_type: dns}
            """)
        write(self.corpus + "/b-fail/input.pcap", eve)
        # shares a-pass's capture: passes
        write(self.corpus + "/c-shared/test.yaml", """
            pcap: ../a-pass/input.pcap
            checks:
              - filter:
                  count: 1
                  match: {event_type: dns, dns.type: response}
            """)
        # out of scope: rules / alert checks / stats checks / other file
        write(self.corpus + "/d-rules/test.rules", "alert ip any any -> any any (sid:1;)\n")
        write(self.corpus + "/d-rules/test.yaml", "checks:\n  - filter:\n      count: 1\n      match: {event_type: dns}\n")
        write(self.corpus + "/d-rules/input.pcap", eve)
        write(self.corpus + "/e-alert/test.yaml", "checks:\n  - filter:\n      count: 1\n      match: {event_type: alert}\n")
        write(self.corpus + "/e-alert/input.pcap", eve)
        write(self.corpus + "/f-stats/test.yaml", "checks:\n  - stats:\n      decoder.pkts: 1\n")
        write(self.corpus + "/f-stats/input.pcap", eve)
        write(self.corpus + "/g-file/test.yaml",
              "checks:\n  - filter:\n      filename: dns.json\n      count: 1\n      match: {event_type: dns}\n")
        write(self.corpus + "/g-file/input.pcap", eve)
        # skipped: for old Suricata; all checks skipped; no capture
        write(self.corpus + "/h-old/test.yaml",
              "requires:\n  lt-version: 8\nchecks:\n  - filter:\n      count: 1\n      match: {event_type: dns}\n")
        write(self.corpus + "/h-old/input.pcap", eve)
        write(self.corpus + "/i-allskip/test.yaml", """
            checks:
              - filter:
                  requires: {min-version: 9}
                  count: 7
                  match: {event_type: dns}
            """)
        write(self.corpus + "/i-allskip/input.pcap", eve)
        write(self.corpus + "/j-nopcap/test.yaml", "checks:\n  - filter:\n      count: 0\n      match: {event_type: dns}\n")
        # failing sensor runs
        write(self.corpus + "/k-crash/test.yaml", "checks:\n  - filter:\n      count: 0\n      match: {event_type: dns}\n")
        write(self.corpus + "/k-crash/input.pcap", "#exit 3\n")
        write(self.corpus + "/l-hang/test.yaml", "checks:\n  - filter:\n      count: 0\n      match: {event_type: dns}\n")
        write(self.corpus + "/l-hang/input.pcap", "#sleep 30\n")
        write(self.corpus + "/m-badjson/test.yaml", "checks:\n  - filter:\n      count: 0\n      match: {event_type: dns}\n")
        write(self.corpus + "/m-badjson/input.pcap", '{"event_type": "dns"\n')
        # malformed: match is a list, not a mapping -> that test fails, the run goes on
        write(self.corpus + "/o-malformed/test.yaml", "checks:\n  - filter:\n      count: 1\n      match: [1, 2]\n")
        write(self.corpus + "/o-malformed/input.pcap", eve)
        # mixed: one dns check (ours) and one stats check (not ours)
        write(self.corpus + "/n-mixed/test.yaml", """
            checks:
              - filter:
                  count: 2
                  match: {event_type: dns}
              - stats:
                  decoder.pkts: 3
            """)
        write(self.corpus + "/n-mixed/input.pcap", eve)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_main(self, *extra):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = sv.main(["--bin", self.bin, "--corpus", self.corpus, "--timeout", "2", "-j", "2"] + list(extra))
        return rc, out.getvalue()

    def test_statuses(self):
        rc, out = self.run_main("-v")
        self.assertEqual(rc, 0, out)
        lines = {l.split(":")[0] for l in out.splitlines() if not l.startswith(("sv:", " "))}
        expected = {"PASS a-pass", "FAIL b-fail", "PASS c-shared", "OUT  d-rules", "OUT  e-alert",
                    "OUT  f-stats", "OUT  g-file", "SKIP h-old", "SKIP i-allskip", "SKIP j-nopcap",
                    "FAIL k-crash", "FAIL l-hang", "FAIL m-badjson", "OUT  n-mixed", "FAIL o-malformed"}
        self.assertEqual(lines, expected, out)
        self.assertIn("FAIL b-fail: check #1: expected 3, got 2", out)
        self.assertIn("status 3: boom", out)
        self.assertIn("timed out", out)
        self.assertIn("invalid JSON", out)
        # 2 passed of 7 applicable = 28.6 %; and the summary is the last line
        self.assertEqual(out.strip().splitlines()[-1], "sv: 2 passed, 5 failed, 3 skipped (28.6% of applicable)")

    def test_min_pass_rate(self):
        rc, out = self.run_main("--only", "a-pass", "--only", "b-fail", "--min-pass-rate", "0.5")
        self.assertEqual(rc, 0, out)
        self.assertIn("(50.0% of applicable)", out)
        rc, out = self.run_main("--only", "a-pass", "--only", "b-fail", "--min-pass-rate", "0.51")
        self.assertEqual(rc, 1, out)
        rc, out = self.run_main("--only", "h-old", "--min-pass-rate", "0.5")
        self.assertEqual(rc, 1, out)   # nothing applicable: a threshold cannot be met
        rc, out = self.run_main("--only", "h-old", "--min-pass-rate", "0")
        self.assertEqual(rc, 0, out)

    def test_malformed_yaml_is_contained(self):
        rc, out = self.run_main("--only", "o-malformed", "--only", "a-pass", "--partial")
        self.assertIn("PASS a-pass", out)
        self.assertIn("sv: 1 passed", out)

    def test_partial(self):
        rc, out = self.run_main("--only", "n-mixed")
        self.assertIn("sv: 0 passed, 0 failed, 0 skipped", out)
        rc, out = self.run_main("--only", "n-mixed", "--partial")
        self.assertIn("PASS n-mixed: 1 checks [partial: 1 of 2 checks]", out)

    def test_missing_corpus_skips(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = sv.main(["--bin", self.bin, "--corpus", os.path.join(self.tmp, "nope")])
        self.assertEqual(rc, 77)
        self.assertIn("SKIP", out.getvalue())

    def test_outdir_kept(self):
        keep = os.path.join(self.tmp, "keep")
        rc, _ = self.run_main("--only", "a-pass", "--outdir", keep)
        self.assertEqual(rc, 0)
        self.assertTrue(os.path.exists(os.path.join(keep, "a-pass", "eve.json")))


if __name__ == "__main__":
    unittest.main(verbosity=1)
