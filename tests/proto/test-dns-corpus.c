/*
 * test-dns-corpus.c — replays suricata-verify captures through the DNS parser
 * and checks the expectations written in their test.yaml (the oracle is
 * Suricata's own test suite). Skips quietly when the corpus is absent.
 */
#include "test-dns-pcap.h"

static rp_replay R;

static int count1(const char *a) { const char *n[] = { a }; return rp_count(&R, n, 1); }
static int count2(const char *a, const char *b) { const char *n[] = { a, b }; return rp_count(&R, n, 2); }

/* Entries in the "answers" array of an event (each starts with {"rrname"). */
static int answers_len(const char *ev)
{
    const char *a = strstr(ev, "\"answers\":[");
    if (!a)
        return 0;
    const char *end = strstr(a, "],\"grouped\"");
    int n = 0;
    for (const char *p = a; (p = strstr(p, "{\"rrname\"")) && (!end || p < end); p++)
        n++;
    return n;
}

/* Events containing both needles in flows to server port 53 only (the
 * captures also carry mDNS, which Suricata 8 logs as "mdns", not "dns"). */
static int count_port53(const char *a, const char *b)
{
    int c = 0;
    for (int i = 0; i < R.n; i++)
        for (int e = 0; R.flows[i].bp == 53 && e < R.flows[i].h.n_events; e++)
            c += strstr(R.flows[i].h.events[e], a) && strstr(R.flows[i].h.events[e], b);
    return c;
}

static bool load(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), RP_CORPUS "%s", rel);
    rp_free(&R);
    if (!rp_run(&R, &gl_parser_dns, path)) {
        fprintf(stderr, "skip: %s not found\n", path);
        return false;
    }
    return true;
}

int main(void)
{
    int ran = 0;
    /* dns-udp-nxdomain-soa / dns-eve-v2-udp-nxdomain-soa */
    if (load("dns-eve-v2-udp-nxdomain-soa/dns-udp-nxdomain-soa.pcap")) {
        ran++;
        CHECK(count1("\"rcode\":\"NXDOMAIN\"") == 1);
        CHECK(count1("\"authorities\":[{\"rrname\":\"oisf.net\",\"rrtype\":\"SOA\",\"ttl\":899,"
                     "\"soa\":{\"mname\":\"ns-110.awsdns-13.com\",\"rname\":\"awsdns-hostmaster.amazon.com\","
                     "\"serial\":1,\"refresh\":7200,\"retry\":900,\"expire\":1209600,\"minimum\":86400}}") == 1);
    }
    /* dns-udp-junkrequest-first: one request for catenacyber.Fr */
    if (load("dns-udp-junkrequest-first/input.pcap")) {
        ran++;
        CHECK(count1("\"type\":\"request\"") == 1);
        CHECK(count2("\"type\":\"request\"", "\"queries\":[{\"rrname\":\"catenacyber.Fr\"") == 1);
    }
    /* dns-tcp-ts-gap: 2 requests, 3 responses with 12 answers each */
    if (load("dns-tcp-ts-gap/input.pcap")) {
        ran++;
        CHECK(count1("\"type\":\"request\"") == 2);
        CHECK(count1("\"type\":\"response\"") == 3);
        int twelve = 0;
        for (int i = 0; i < R.n; i++)
            for (int e = 0; e < R.flows[i].h.n_events; e++)
                twelve += strstr(R.flows[i].h.events[e], "\"type\":\"response\"") &&
                          answers_len(R.flows[i].h.events[e]) == 12;
        CHECK(twelve == 3);
    }
    /* ethernet-eve: 5 requests sent by 10.16.1.11 and 5 responses to it
     * (logdir packet: request dir 0, response dir 1) */
    if (load("ethernet-eve/test.pcap")) {
        ran++;
        CHECK(count_port53("\"dir\":0", "\"type\":\"request\"") == 5);
        CHECK(count_port53("\"dir\":1", "\"type\":\"response\"") == 5);
        CHECK(count_port53("\"dir\":0", "\"type\":\"response\"") == 0);
    }
    if (load("mac-eve-single-disabled/test.pcap")) {
        ran++;
        CHECK(count1("\"event_type\":\"dns\"") == 1);
    }
    if (load("detect-bytetest-03/input.pcap")) {
        ran++;
        CHECK(count1("\"event_type\":\"dns\"") == 1);
    }
    if (load("bug-5197/input.pcap")) {
        ran++;
        CHECK(count1("\"event_type\":\"dns\"") == 2);
    }
    if (load("bug-5162/input.pcap")) {
        ran++;
        CHECK(count1("\"event_type\":\"dns\"") == 4);
    }
    rp_free(&R);
    if (!ran) {
        fprintf(stderr, "test-dns-corpus: corpus absent, skipped\n");
        return 0;
    }
    return h_report("test-dns-corpus");
}
