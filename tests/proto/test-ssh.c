/*
 * test-ssh.c — SSH parser unit tests: identification strings (RFC 4253 4.2)
 * split at every byte, hand-built SSH_MSG_KEXINIT packets (RFC 4253 6 and
 * 7.1) with HASSH strings written out by hand and their md5 computed here
 * with OpenSSL's EVP (independent of the parser), malformed lengths and
 * oversize lines.
 */
#include "harness.h"
#include "../../src/proto/app-layer.h"

#include <stdint.h>
#include <openssl/evp.h>

typedef struct buf {
    uint8_t b[8192];
    size_t n;
} buf;

static void put8(buf *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put32(buf *m, uint32_t v)
{
    put8(m, v >> 24); put8(m, (v >> 16) & 0xff); put8(m, (v >> 8) & 0xff); put8(m, v & 0xff);
}
static void putbytes(buf *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
static void putstr(buf *m, const char *s) { putbytes(m, s, strlen(s)); }
static void putlist(buf *m, const char *s) { put32(m, (uint32_t)strlen(s)); putstr(m, s); }

/* The algorithm lists of the hand-built KEXINITs. */
#define KEX "curve25519-sha256,diffie-hellman-group14-sha256"
#define HOSTKEY "ssh-ed25519,rsa-sha2-512"
#define ENC_C2S "aes128-ctr,aes256-ctr"
#define ENC_S2C "aes256-gcm@openssh.com"
#define MAC_C2S "hmac-sha2-256"
#define MAC_S2C "hmac-sha1"
#define COMP_C2S "none,zlib@openssh.com"
#define COMP_S2C "none"
/* HASSH = kex;enc;mac;comp with the client->server lists, HASSHServer with
 * the server->client lists (Salesforce's definition). */
#define HASSH_CLIENT KEX ";" ENC_C2S ";" MAC_C2S ";" COMP_C2S
#define HASSH_SERVER KEX ";" ENC_S2C ";" MAC_S2C ";" COMP_S2C

/* Binary packet (RFC 4253 6): uint32 packet_length, byte padding_length,
 * payload, padding; no MAC before NEWKEYS. Padding makes the total a
 * multiple of 8 with at least 4 bytes. */
static void put_packet(buf *m, const uint8_t *payload, size_t plen)
{
    size_t pad = 8 - ((4 + 1 + plen) % 8);
    if (pad < 4)
        pad += 8;
    put32(m, (uint32_t)(1 + plen + pad));
    put8(m, (unsigned)pad);
    putbytes(m, payload, plen);
    for (size_t i = 0; i < pad; i++)
        put8(m, 0);
}

static void put_kexinit(buf *m)
{
    buf p = { .n = 0 };
    put8(&p, 20); /* SSH_MSG_KEXINIT */
    for (int i = 0; i < 16; i++)
        put8(&p, 0x11); /* cookie */
    putlist(&p, KEX);
    putlist(&p, HOSTKEY);
    putlist(&p, ENC_C2S);
    putlist(&p, ENC_S2C);
    putlist(&p, MAC_C2S);
    putlist(&p, MAC_S2C);
    putlist(&p, COMP_C2S);
    putlist(&p, COMP_S2C);
    putlist(&p, ""); /* languages c2s */
    putlist(&p, ""); /* languages s2c */
    put8(&p, 0);     /* first_kex_packet_follows */
    put32(&p, 0);    /* reserved */
    put_packet(m, p.b, p.n);
}

static void md5_hex(const char *s, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL);
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void client_stream(buf *c)
{
    c->n = 0;
    putstr(c, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n");
    put_kexinit(c);
}

static void server_stream(buf *s)
{
    s->n = 0;
    putstr(s, "SSH-2.0-OpenSSH_7.4\r\n");
    put_kexinit(s);
}

static char expected_event[2048];

static void build_expected(void)
{
    char hc[33], hs[33];
    md5_hex(HASSH_CLIENT, hc);
    md5_hex(HASSH_SERVER, hs);
    snprintf(expected_event, sizeof(expected_event),
             "{\"event_type\":\"ssh\",\"logdir\":0,\"dir\":0,\"ssh\":{"
             "\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_8.9p1\","
             "\"hassh\":{\"hash\":\"%s\",\"string\":\"%s\"}},"
             "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_7.4\","
             "\"hassh\":{\"hash\":\"%s\",\"string\":\"%s\"}}}}",
             hc, HASSH_CLIENT, hs, HASSH_SERVER);
}

static int has_anomaly(const harness *h, const char *name)
{
    for (int i = 0; i < h->n_anomalies; i++)
        if (strcmp(h->anomalies[i], name) == 0)
            return 1;
    return 0;
}

static void test_full_session(void)
{
    buf c, s;
    client_stream(&c);
    server_stream(&s);
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, c.b, c.n) == GL_APP_OK);
    CHECK(h.n_events == 0);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, s.b, s.n) == GL_APP_DONE);
    CHECK(h.n_events == 1);
    CHECK(h.n_anomalies == 0);
    CHECK(h.n_events == 1 && strcmp(h.events[0], expected_event) == 0);
    if (h.n_events == 1 && strcmp(h.events[0], expected_event) != 0)
        fprintf(stderr, "got:  %s\nwant: %s\n", h.events[0], expected_event);
    h_end(&h); /* no second event at flow end */
    CHECK(h.n_events == 1);
    h_free(&h);
}

/* Both directions split at every byte boundary, interleaved. */
static void test_split_every_byte(void)
{
    buf c, s;
    client_stream(&c);
    server_stream(&s);
    int bad = 0;
    size_t max = c.n > s.n ? c.n : s.n;
    for (size_t k = 0; k <= max; k++) {
        harness h;
        h_init(&h, &gl_parser_ssh, 6);
        size_t kc = k < c.n ? k : c.n, ks = k < s.n ? k : s.n;
        int rc1 = h_feed(&h, GL_DIR_TOSERVER, c.b, kc);
        int rc2 = h_feed(&h, GL_DIR_TOCLIENT, s.b, ks);
        int rc3 = h_feed(&h, GL_DIR_TOSERVER, c.b + kc, c.n - kc);
        int rc4 = h_feed(&h, GL_DIR_TOCLIENT, s.b + ks, s.n - ks);
        int done = rc1 == GL_APP_DONE || rc2 == GL_APP_DONE || rc3 == GL_APP_DONE || rc4 == GL_APP_DONE;
        if (!done || h.n_events != 1 || h.n_anomalies != 0 || strcmp(h.events[0], expected_event))
            bad++;
        h_free(&h);
    }
    CHECK(bad == 0);
    /* one byte at a time */
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    h_feed_split(&h, GL_DIR_TOSERVER, c.b, c.n, 1);
    CHECK(h_feed_split(&h, GL_DIR_TOCLIENT, s.b, s.n, 1) == GL_APP_DONE);
    CHECK(h.n_events == 1 && strcmp(h.events[0], expected_event) == 0);
    h_free(&h);
}

static void test_banners_only_flow_end(void)
{
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    /* LF-only line ending and no comments; 1.99 announces v2 compatibility */
    static const char cb[] = "SSH-1.99-Cisco-1.25\n";
    static const char sb[] = "SSH-2.0-dropbear_2022.83\r\n";
    h_feed(&h, GL_DIR_TOSERVER, cb, strlen(cb));
    h_feed(&h, GL_DIR_TOCLIENT, sb, strlen(sb));
    CHECK(h.n_events == 0);
    h_end(&h);
    CHECK(h.n_events == 1);
    CHECK(h_find(&h, "\"ssh\":{\"client\":{\"proto_version\":\"1.99\",\"software_version\":\"Cisco-1.25\"},"
                     "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"dropbear_2022.83\"}}") == 0);
    h_free(&h);
}

static void test_server_pre_banner_lines(void)
{
    buf c, s = { .n = 0 };
    client_stream(&c);
    putstr(&s, "Welcome to host\r\nAuthorized use only\n");
    putstr(&s, "SSH-2.0-OpenSSH_7.4\r\n");
    put_kexinit(&s);
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    h_feed(&h, GL_DIR_TOSERVER, c.b, c.n);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, s.b, s.n) == GL_APP_DONE);
    CHECK(h.n_events == 1 && h.n_anomalies == 0 && strcmp(h.events[0], expected_event) == 0);
    h_free(&h);

    /* the client may not send other lines first */
    h_init(&h, &gl_parser_ssh, 6);
    static const char junk[] = "hello\r\nSSH-2.0-x\r\n";
    h_feed(&h, GL_DIR_TOSERVER, junk, strlen(junk));
    CHECK(has_anomaly(&h, "INVALID_BANNER"));
    h_end(&h);
    CHECK(h.n_events == 0);
    h_free(&h);

    /* neither side speaks SSH: error */
    h_init(&h, &gl_parser_ssh, 6);
    h_feed(&h, GL_DIR_TOSERVER, junk, strlen(junk));
    buf big = { .n = 0 };
    for (int i = 0; i < 100; i++)
        putstr(&big, "this is not an ssh server at all, just chatter...\r\n");
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, big.b, big.n) == GL_APP_ERROR);
    CHECK(h.n_events == 0);
    h_free(&h);
}

static void test_oversize_lines(void)
{
    /* client banner of 8 + 292 characters: LONG_BANNER, and the software
     * version is what fits in 254 octets before the LF: 254 - 8 = 246 */
    buf c = { .n = 0 }, s;
    putstr(&c, "SSH-2.0-");
    for (int i = 0; i < 292; i++)
        put8(&c, 'A');
    putstr(&c, "\r\n");
    put_kexinit(&c);
    server_stream(&s);
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    h_feed_split(&h, GL_DIR_TOSERVER, c.b, c.n, 7);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, s.b, s.n) == GL_APP_DONE);
    CHECK(has_anomaly(&h, "LONG_BANNER"));
    char want[300];
    memset(want, 'A', 246);
    want[246] = 0;
    char needle[400];
    snprintf(needle, sizeof(needle), "\"software_version\":\"%s\",\"hassh\"", want);
    CHECK(h_find(&h, needle) == 0);
    h_free(&h);

    /* oversize line before the server banner, then a normal banner */
    buf s2 = { .n = 0 };
    for (int i = 0; i < 1000; i++)
        put8(&s2, 'x');
    putstr(&s2, "\r\nSSH-2.0-OpenSSH_7.4\r\n");
    put_kexinit(&s2);
    client_stream(&c);
    h_init(&h, &gl_parser_ssh, 6);
    h_feed(&h, GL_DIR_TOSERVER, c.b, c.n);
    CHECK(h_feed_split(&h, GL_DIR_TOCLIENT, s2.b, s2.n, 100) == GL_APP_DONE);
    CHECK(has_anomaly(&h, "LONG_BANNER"));
    CHECK(h.n_events == 1 && strcmp(h.events[0], expected_event) == 0);
    h_free(&h);

    /* endless pre-banner chatter is cut off */
    h_init(&h, &gl_parser_ssh, 6);
    buf s3 = { .n = 0 };
    for (int i = 0; i < 8000; i++)
        put8(&s3, 'y');
    h_feed(&h, GL_DIR_TOCLIENT, s3.b, s3.n);
    CHECK(has_anomaly(&h, "INVALID_BANNER"));
    h_free(&h);
}

/* Malformed binary packets after a valid banner. */
static void run_bad_packet(const uint8_t *pkt, size_t n, const char *anomaly)
{
    harness h;
    buf c = { .n = 0 }, s;
    putstr(&c, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n");
    putbytes(&c, pkt, n);
    server_stream(&s);
    h_init(&h, &gl_parser_ssh, 6);
    h_feed(&h, GL_DIR_TOSERVER, c.b, c.n);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, s.b, s.n) == GL_APP_DONE);
    if (anomaly)
        CHECK(has_anomaly(&h, anomaly));
    CHECK(h.n_events == 1);
    /* client banner logged, no client hassh; server hassh present */
    CHECK(h_find(&h, "\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_8.9p1\"},\"server\"") == 0);
    CHECK(h_find(&h, "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_7.4\",\"hassh\"") == 0);
    h_free(&h);
}

static void test_malformed_packets(void)
{
    /* packet_length 0 and 1 cannot hold padding_length + message code */
    static const uint8_t len0[] = { 0, 0, 0, 0, 4, 20 };
    static const uint8_t len1[] = { 0, 0, 0, 1, 4, 20 };
    run_bad_packet(len0, sizeof(len0), "INVALID_RECORD");
    run_bad_packet(len1, sizeof(len1), "INVALID_RECORD");
    /* KEXINIT claiming 40000 bytes (> 35000, RFC 4253 6.1) */
    static const uint8_t huge[] = { 0, 0, 0x9c, 0x40, 4, 20 };
    run_bad_packet(huge, sizeof(huge), "LONG_KEX_RECORD");
    /* 0xffffffff length on an IGNORE message */
    static const uint8_t ffff[] = { 0xff, 0xff, 0xff, 0xff, 4, 2 };
    run_bad_packet(ffff, sizeof(ffff), "INVALID_RECORD");
    /* padding_length 200 > packet_length 16 - 2 */
    static const uint8_t pad[] = { 0, 0, 0, 16, 200, 20 };
    run_bad_packet(pad, sizeof(pad), "INVALID_RECORD");
    /* KEXINIT whose first name-list length runs past the payload */
    buf p = { .n = 0 }, k = { .n = 0 };
    put8(&p, 20);
    for (int i = 0; i < 16; i++)
        put8(&p, 0);
    put32(&p, 1000);
    putstr(&p, "curve25519-sha256");
    put_packet(&k, p.b, p.n);
    run_bad_packet(k.b, k.n, "INVALID_RECORD");
    /* KEXINIT missing the trailing boolean + reserved uint32 */
    p.n = 0;
    k.n = 0;
    put8(&p, 20);
    for (int i = 0; i < 16; i++)
        put8(&p, 0);
    for (int i = 0; i < 10; i++)
        putlist(&p, "a");
    put_packet(&k, p.b, p.n);
    run_bad_packet(k.b, k.n, "INVALID_RECORD");
    /* NEWKEYS before any KEXINIT: the side is encrypted from here, no anomaly */
    static const uint8_t newkeys[] = { 0, 0, 0, 12, 10, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    run_bad_packet(newkeys, sizeof(newkeys), NULL);
}

/* Other messages (IGNORE, DEBUG) before the KEXINIT are skipped. */
static void test_skip_other_messages(void)
{
    buf c = { .n = 0 }, s;
    putstr(&c, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n");
    static const uint8_t ignore[] = { 2, 0, 0, 0, 3, 'a', 'b', 'c' }; /* SSH_MSG_IGNORE "abc" */
    put_packet(&c, ignore, sizeof(ignore));
    put_kexinit(&c);
    server_stream(&s);
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    h_feed_split(&h, GL_DIR_TOSERVER, c.b, c.n, 3);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, s.b, s.n) == GL_APP_DONE);
    CHECK(h.n_events == 1 && strcmp(h.events[0], expected_event) == 0);
    h_free(&h);
}

/* SSH-1.5: banner logged, binary protocol not followed. */
static void test_ssh1(void)
{
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    static const char cb[] = "SSH-1.5-1.2.27\r\n";
    static const char sb[] = "SSH-1.5-OpenSSH_3.9\r\n\0\0\0\x10garbage";
    h_feed(&h, GL_DIR_TOSERVER, cb, strlen(cb));
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, sb, sizeof(sb) - 1) == GL_APP_DONE);
    CHECK(h_find(&h, "\"client\":{\"proto_version\":\"1.5\",\"software_version\":\"1.2.27\"},"
                     "\"server\":{\"proto_version\":\"1.5\",\"software_version\":\"OpenSSH_3.9\"}") == 0);
    h_free(&h);
}

static void test_gap(void)
{
    buf c, s;
    client_stream(&c);
    server_stream(&s);
    harness h;
    h_init(&h, &gl_parser_ssh, 6);
    h_feed(&h, GL_DIR_TOSERVER, c.b, 40); /* banner + start of the KEXINIT */
    gl_parser_ssh.gap(&h.ctx, h.state, GL_DIR_TOSERVER, 100);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, s.b, s.n) == GL_APP_DONE);
    CHECK(h.n_events == 1);
    CHECK(h_find(&h, "\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_8.9p1\"},") == 0);
    h_free(&h);
}

static void test_probe(void)
{
    static const char b[] = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n";
    CHECK(gl_parser_ssh.probe((const uint8_t *)b, sizeof(b) - 1, GL_DIR_TOSERVER) == GL_PROBE_YES);
    CHECK(gl_parser_ssh.probe((const uint8_t *)b, 2, GL_DIR_TOSERVER) == GL_PROBE_MORE);
    static const char pre[] = "Hello there\r\nSSH-2.0-x\r\n";
    CHECK(gl_parser_ssh.probe((const uint8_t *)pre, sizeof(pre) - 1, GL_DIR_TOCLIENT) == GL_PROBE_YES);
    CHECK(gl_parser_ssh.probe((const uint8_t *)pre, sizeof(pre) - 1, GL_DIR_TOSERVER) == GL_PROBE_NO);
    static const char http[] = "GET / HTTP/1.1\r\n";
    CHECK(gl_parser_ssh.probe((const uint8_t *)http, sizeof(http) - 1, GL_DIR_TOSERVER) == GL_PROBE_NO);
    CHECK(gl_parser_ssh.ipprotos == GL_APP_TCP && gl_parser_ssh.ports[0] == 22);
}

int main(void)
{
    build_expected();
    test_full_session();
    test_split_every_byte();
    test_banners_only_flow_end();
    test_server_pre_banner_lines();
    test_oversize_lines();
    test_malformed_packets();
    test_skip_other_messages();
    test_ssh1();
    test_gap();
    test_probe();
    return h_report("test-ssh");
}
