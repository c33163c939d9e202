/*
 * test-ssh-corpus.c — replays suricata-verify SSH captures through the SSH
 * parser and checks the HASSH values and banners their test.yaml expect
 * (the oracle is Suricata's test suite). Skips when the corpus is absent.
 */
#include "test-dns-pcap.h"

static rp_replay R;

static int count1(const char *a) { const char *n[] = { a }; return rp_count(&R, n, 1); }
static int count2(const char *a, const char *b) { const char *n[] = { a, b }; return rp_count(&R, n, 2); }

static bool load_path(const char *path)
{
    rp_free(&R);
    if (!rp_run(&R, &gl_parser_ssh, path)) {
        fprintf(stderr, "skip: %s not found\n", path);
        return false;
    }
    return true;
}

static bool load(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), RP_CORPUS "%s", rel);
    return load_path(path);
}

int main(void)
{
    int ran = 0;
    /* KEXINIT spread over two segments; only the client's is complete */
    if (load("ssh-hassh-incomplete/input.pcap")) {
        ran++;
        CHECK(count1("\"event_type\":\"ssh\"") == 1);
        CHECK(count1("\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_6.7p1\","
                     "\"hassh\":{\"hash\":\"46c5bd9748882f1a5d75753fb7d47a61\"") == 1);
    }
    if (load("ssh-hassh-only/input.pcap")) {
        ran++;
        CHECK(count1("\"event_type\":\"ssh\"") == 1);
        CHECK(count2("\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_for_Windows_7.7\","
                     "\"hassh\":{\"hash\":\"2dd6531c7e89d3c925db9214711be76a\"",
                     "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_7.4\","
                     "\"hassh\":{\"hash\":\"6832f1ce43d4397c2c0a3e2f8c94334e\"") == 1);
    }
    if (load("ssh-hassh-reassembled/input.pcap")) {
        ran++;
        CHECK(count1("\"event_type\":\"ssh\"") == 1);
        CHECK(count2("\"client\":{\"proto_version\":\"1.99\",\"software_version\":\"Cisco-1.25\","
                     "\"hassh\":{\"hash\":\"3cc67862bceac0f334c62ad1b76895b4\"",
                     "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"Cisco-1.25\","
                     "\"hassh\":{\"hash\":\"3cc67862bceac0f334c62ad1b76895b4\"") == 1);
    }
    /* ssh-frames reuses ssh-newkeys' capture: client software libssh-0.7.2 */
    if (load("ssh-newkeys/input.pcap")) {
        ran++;
        CHECK(count1("\"software_version\":\"libssh-0.7.2\"") == 1);
    }
    /* nDPI's ssh.pcap: its expected output (result/ssh.pcap.out) lists
     * HASSH-C 21B457A3..., HASSH-S B1C6C0D5... and the server banner
     * SSH-2.0-OpenSSH_5.3 for the port-22 flow */
    if (load_path("/work/shared/corpus/ndpi/pcap/ssh.pcap")) {
        ran++;
        CHECK(count2("\"hassh\":{\"hash\":\"21b457a327ce7a2d4fce5ef2c42400bd\"",
                     "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_5.3\","
                     "\"hassh\":{\"hash\":\"b1c6c0d56317555b85c7005a3de29325\"") == 1);
    }
    rp_free(&R);
    if (!ran) {
        fprintf(stderr, "test-ssh-corpus: corpus absent, skipped\n");
        return 0;
    }
    return h_report("test-ssh-corpus");
}
