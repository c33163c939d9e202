/*
 * test-defrag.c — IPv4/IPv6 fragment reassembly: in order, reverse,
 * duplicated, overlapping under each policy (expected bytes derived by hand
 * from the policy definitions in defrag.c / Novak's paper), memcap and
 * tracker exhaustion, timeout by packet time, oversize datagrams.
 */
#include "frames.h"

static gl_packet P;

/* IPv4 fragment over Ethernet: offset in bytes (multiple of 8). */
static fb *frag4(uint32_t id, uint32_t off, bool more, const uint8_t *payload, uint32_t n)
{
    uint16_t fl = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
    return eth(0x0800, ipv4x(17, "192.0.2.1", "192.0.2.2", (uint16_t)id, fl, NULL, 0, raw(payload, n)));
}

/* IPv6 fragment: base header (nh = HBH) -> HBH (8 bytes, nh = 44) -> fragment header */
static fb *frag6(uint32_t id, uint32_t off, bool more, const uint8_t *payload, uint32_t n)
{
    fb *fh = fb_new();
    fb_u8(fh, 17);
    fb_u8(fh, 0);
    fb_u16(fh, (uint16_t)(off | (more ? 1 : 0)));
    fb_u32(fh, id);
    return eth(0x86DD, ipv6(0, 7, 8, ip6_opts8(44, fb_wrap(fh, raw(payload, n)))));
}

static bool feed(gl_decoder *d, fb *f, uint64_t ts)
{
    bool r = gl_decode(d, &P, GL_DLT_EN10MB, f->b, f->n, f->n, ts);
    free(f);
    return r;
}

/* UDP datagram bytes: header (ports 4000 -> 53, length 8 + n) + n payload bytes 0..n-1 */
static void make_udp(uint8_t *out, uint32_t n)
{
    uint32_t ulen = 8 + n;
    out[0] = 4000 >> 8; out[1] = 4000 & 0xff;
    out[2] = 0; out[3] = 53;
    out[4] = (uint8_t)(ulen >> 8); out[5] = (uint8_t)ulen;
    out[6] = out[7] = 0;
    for (uint32_t i = 0; i < n; i++)
        out[8 + i] = (uint8_t)(i * 7 + 1);
}

static void check_udp_result(const uint8_t *dg, uint32_t n)
{
    CHECK(P.reassembled && !P.is_fragment && P.l4_valid);
    CHECK(P.sport == 4000 && P.dport == 53 && P.payload_len == n);
    CHECK(P.payload_len == n && memcmp(P.payload, dg + 8, n) == 0);
}

static void test_v4_orders(void)
{
    uint8_t dg[8 + 40];
    make_udp(dg, 40); /* 48 bytes: fragments [0,16) [16,32) [32,48) */
    gl_decoder *d = gl_decoder_new(NULL);

    /* in order */
    CHECK(!feed(d, frag4(1, 0, true, dg, 16), 1));
    CHECK(P.is_fragment && P.ip_version == 4 && P.proto == 17 && !P.l4_valid);
    CHECK(!feed(d, frag4(1, 16, true, dg + 16, 16), 2));
    CHECK(feed(d, frag4(1, 32, false, dg + 32, 16), 3));
    check_udp_result(dg, 40);
    CHECK(P.ip_len == 20 + 48 && addr_is(&P.src, "192.0.2.1") && P.n_events == 0);

    /* reverse order */
    CHECK(!feed(d, frag4(2, 32, false, dg + 32, 16), 4));
    CHECK(!feed(d, frag4(2, 16, true, dg + 16, 16), 5));
    CHECK(feed(d, frag4(2, 0, true, dg, 16), 6));
    check_udp_result(dg, 40);

    /* duplicate middle fragment: same bytes, so any policy gives the original */
    CHECK(!feed(d, frag4(3, 0, true, dg, 16), 7));
    CHECK(!feed(d, frag4(3, 16, true, dg + 16, 16), 8));
    CHECK(!feed(d, frag4(3, 16, true, dg + 16, 16), 9));
    CHECK(has_event(&P, GL_EV_FRAG_OVERLAP));
    CHECK(feed(d, frag4(3, 32, false, dg + 32, 16), 10));
    check_udp_result(dg, 40);

    const gl_defrag_stats *st = gl_decoder_defrag_stats(d);
    CHECK(st->fragments == 10 && st->reassembled == 3 && st->overlaps == 1);
    gl_decoder_free(d);
}

static void test_v6(void)
{
    uint8_t dg[8 + 56];
    make_udp(dg, 56); /* 64 bytes: [0,24) [24,48) [48,64) */
    gl_decoder *d = gl_decoder_new(NULL);
    CHECK(!feed(d, frag6(0xabcdef01, 24, true, dg + 24, 24), 1));
    CHECK(P.is_fragment && P.ip_version == 6 && P.proto == 17);
    CHECK(!feed(d, frag6(0xabcdef01, 48, false, dg + 48, 16), 2));
    /* another datagram with a different id does not mix in */
    CHECK(!feed(d, frag6(0xabcdef02, 0, true, dg, 24), 2));
    CHECK(feed(d, frag6(0xabcdef01, 0, true, dg, 24), 3));
    check_udp_result(dg, 56);
    CHECK(P.ip_version == 6 && addr_is(&P.src, "2001:db8::7") && addr_is(&P.dst, "2001:db8::8"));
    /* rebuilt: 40 + HBH 8 + 64 */
    CHECK(P.ip_len == 40 + 8 + 64 && P.proto == 17);
    CHECK(gl_decoder_defrag_stats(d)->reassembled == 1);
    gl_decoder_free(d);
}

/*
 * Overlap pattern (payload offsets relative to the UDP payload start, i.e.
 * fragment offset - 8). Arrival order:
 *   U: off 0,  len 8   UDP header (ulen 40)
 *   X: off 16, len 16  'X' -> payload [8,24)
 *   Y: off 8,  len 16  'Y' -> payload [0,16)   overlaps X on [8,16), starts before X
 *   W: off 8,  len 8   'W' -> payload [0,8)    overlaps Y on [0,8), same start as Y
 *   Z: off 24, len 16  'Z' -> payload [16,32)  overlaps X on [16,24), starts after X; last
 * Per payload block, applying each policy to (later S, earlier O):
 *   [0,8):   O=Y, S=W (equal offsets)  FIRST Y, LAST W, BSD Y (not <), LINUX W (<=)
 *   [8,16):  O=X, S=Y (8 < 16)         FIRST X, LAST Y, BSD Y, LINUX Y
 *   [16,24): O=X, S=Z (24 > 16)        FIRST X, LAST Z, BSD X, LINUX X
 *   [24,32): only Z
 */
static void run_policy(int policy, const char *expect, int af)
{
    gl_defrag_config cfg;
    gl_defrag_config_default(&cfg);
    cfg.policy = policy;
    gl_decoder *d = gl_decoder_new(&cfg);
    uint8_t u[8 + 32], x[16], y[16], w[8], z[16]; /* only u[0..8) is sent */
    make_udp(u, 32);
    memset(x, 'X', 16);
    memset(y, 'Y', 16);
    memset(w, 'W', 8);
    memset(z, 'Z', 16);
    fb *(*mk)(uint32_t, uint32_t, bool, const uint8_t *, uint32_t) = af == 4 ? frag4 : frag6;
    feed(d, mk(9, 0, true, u, 8), 1);
    feed(d, mk(9, 16, true, x, 16), 1);
    feed(d, mk(9, 8, true, y, 16), 1);
    CHECK(has_event(&P, GL_EV_FRAG_OVERLAP));
    feed(d, mk(9, 8, true, w, 8), 1);
    bool done = feed(d, mk(9, 24, false, z, 16), 1);
    CHECK(done && P.reassembled && P.payload_len == 32);
    CHECK(has_event(&P, GL_EV_FRAG_OVERLAP));
    char got[33] = { 0 };
    if (P.payload_len == 32)
        memcpy(got, P.payload, 32);
    if (strcmp(got, expect) != 0)
        fprintf(stderr, "  policy %d af %d: got %s want %s\n", policy, af, got, expect);
    CHECK(strcmp(got, expect) == 0);
    CHECK(gl_decoder_defrag_stats(d)->overlaps == 3);
    gl_decoder_free(d);
}

static void test_policies(void)
{
    static const struct { int policy; const char *expect; } cases[] = {
        { GL_DEFRAG_POLICY_FIRST, "YYYYYYYYXXXXXXXXXXXXXXXXZZZZZZZZ" },
        { GL_DEFRAG_POLICY_LAST, "WWWWWWWWYYYYYYYYZZZZZZZZZZZZZZZZ" },
        { GL_DEFRAG_POLICY_BSD, "YYYYYYYYYYYYYYYYXXXXXXXXZZZZZZZZ" },
        { GL_DEFRAG_POLICY_LINUX, "WWWWWWWWYYYYYYYYXXXXXXXXZZZZZZZZ" },
    };
    for (size_t i = 0; i < GL_ARRAY_LEN(cases); i++) {
        run_policy(cases[i].policy, cases[i].expect, 4);
        run_policy(cases[i].policy, cases[i].expect, 6);
    }
}

static void test_memcap(void)
{
    gl_defrag_config cfg;
    gl_defrag_config_default(&cfg);
    cfg.memcap = 8192;
    gl_decoder *d = gl_decoder_new(&cfg);
    uint8_t big[1000];
    memset(big, 1, sizeof(big));
    int ignored = 0;
    /* 20 unfinished datagrams of 1000-byte first fragments: cannot all fit in 8 KiB */
    for (int i = 0; i < 20; i++) {
        feed(d, frag4((uint32_t)(100 + i), 0, true, big, 1000), 1);
        ignored += has_event(&P, GL_EV_FRAG_IGNORED);
        CHECK(P.is_fragment);
    }
    const gl_defrag_stats *st = gl_decoder_defrag_stats(d);
    CHECK(st->memcap_drops > 0 && ignored > 0 && (uint64_t)ignored == st->memcap_drops);
    CHECK(st->memcap_drops >= 20 - 8); /* at most 8 KiB / 1000 B kept */
    /* after the held ones time out, a new datagram reassembles again */
    uint8_t dg[8 + 8];
    make_udp(dg, 8);
    feed(d, frag4(7, 0, true, dg, 8), 120000000);
    CHECK(st->timeouts > 0);
    CHECK(feed(d, frag4(7, 8, false, dg + 8, 8), 120000001));
    check_udp_result(dg, 8);
    gl_decoder_free(d);
}

static void test_max_trackers(void)
{
    gl_defrag_config cfg;
    gl_defrag_config_default(&cfg);
    cfg.max_trackers = 2;
    gl_decoder *d = gl_decoder_new(&cfg);
    uint8_t dg[16];
    make_udp(dg, 8);
    feed(d, frag4(1, 0, true, dg, 8), 1);
    feed(d, frag4(2, 0, true, dg, 8), 2);
    feed(d, frag4(3, 0, true, dg, 8), 3); /* evicts id 1, the least recently active */
    CHECK(gl_decoder_defrag_stats(d)->memcap_drops == 1);
    CHECK(!feed(d, frag4(1, 8, false, dg + 8, 8), 4)); /* its first half is gone */
    CHECK(P.is_fragment);
    /* that re-created id 1 and evicted id 2; id 3 is still whole-able */
    CHECK(feed(d, frag4(3, 8, false, dg + 8, 8), 5));
    check_udp_result(dg, 8);
    gl_decoder_free(d);
}

static void test_timeout(void)
{
    gl_defrag_config cfg;
    gl_defrag_config_default(&cfg);
    cfg.timeout_sec = 60;
    gl_decoder *d = gl_decoder_new(&cfg);
    uint8_t dg[16];
    make_udp(dg, 8);
    /* 59 s apart (packet time): still reassembles */
    feed(d, frag4(1, 0, true, dg, 8), 1000000);
    CHECK(feed(d, frag4(1, 8, false, dg + 8, 8), 60000000));
    /* 61 s apart: the first half expired */
    feed(d, frag4(2, 0, true, dg, 8), 100000000);
    CHECK(!feed(d, frag4(2, 8, false, dg + 8, 8), 161000001));
    CHECK(gl_decoder_defrag_stats(d)->timeouts == 1);
    gl_decoder_free(d);
}

static void test_too_large_and_odd(void)
{
    gl_decoder *d = gl_decoder_new(NULL);
    uint8_t junk[200];
    memset(junk, 0, sizeof(junk));
    /* offset 8189*8 = 65512, +20 header +200 data > 65535 */
    CHECK(!feed(d, frag4(1, 65512, false, junk, 200), 1));
    CHECK(has_event(&P, GL_EV_FRAG_TOO_LARGE) && gl_decoder_defrag_stats(d)->too_large == 1);
    /* offset 65512 + 16 bytes + 20 = 65548 > 65535 too */
    CHECK(!feed(d, frag4(2, 65512, false, junk, 16), 1));
    CHECK(gl_decoder_defrag_stats(d)->too_large == 2);
    /* largest legal: 20 + 65504 + 8 = 65532 fits; built from 8 fragments of 8192 bytes */
    static uint8_t big[65512];
    make_udp(big, 65504);
    uint8_t *dgp = big;
    big[4] = (uint8_t)(65512 >> 8);
    big[5] = (uint8_t)(65512 & 0xff);
    bool done = false;
    for (uint32_t off = 0; off < 65512; off += 8192) {
        uint32_t n = 65512 - off < 8192 ? 65512 - off : 8192;
        done = feed(d, frag4(3, off, off + n < 65512, dgp + off, n), 2);
    }
    CHECK(done && P.reassembled && P.ip_len == 20 + 65512 && P.payload_len == 65504);
    CHECK(memcmp(P.payload, big + 8, 65504) == 0);
    /* decoder without defrag stages (NULL) still decodes fragments safely */
    CHECK(!gl_decode(NULL, &P, GL_DLT_EN10MB, NULL, 0, 0, 0));
    gl_decoder_free(d);
}

/* fragments arriving within a tunnel: inner datagram reassembled, depth kept */
static void test_tunnelled(void)
{
    gl_decoder *d = gl_decoder_new(NULL);
    uint8_t dg[8 + 16];
    make_udp(dg, 16);
    fb *a = eth(0x0800, ipv4(4, "198.51.100.1", "198.51.100.2",
                             ipv4x(17, "192.0.2.1", "192.0.2.2", 5, 0x2000, NULL, 0, raw(dg, 8))));
    fb *b = eth(0x0800, ipv4(4, "198.51.100.1", "198.51.100.2",
                             ipv4x(17, "192.0.2.1", "192.0.2.2", 5, 1, NULL, 0, raw(dg + 8, 16))));
    CHECK(!feed(d, a, 1) && P.is_fragment && P.tunnel_depth == 1);
    CHECK(feed(d, b, 2));
    check_udp_result(dg, 16);
    CHECK(P.tunnel_depth == 1 && addr_is(&P.src, "192.0.2.1"));
    gl_decoder_free(d);
}

/* IPv6 oversize, and fragments cut by the snap length (not tracked) */
static void test_v6_large_and_snapped(void)
{
    gl_decoder *d = gl_decoder_new(NULL);
    uint8_t junk[16] = { 0 };
    /* fragmentable part ends at 65528 + 16 = 65544; the rebuilt payload length would be
     * 8 (HBH) + 65544 > 65535 */
    CHECK(!feed(d, frag6(1, 65528, false, junk, 16), 1));
    CHECK(has_event(&P, GL_EV_FRAG_TOO_LARGE) && P.is_fragment);
    CHECK(gl_decoder_defrag_stats(d)->too_large == 1);

    uint8_t dg[8 + 8];
    make_udp(dg, 8);
    fb *a = frag4(4, 0, true, dg, 8);
    /* captured 4 bytes short of the IPv4 total length: trunc event, fragment, not stored */
    CHECK(!gl_decode(d, &P, GL_DLT_EN10MB, a->b, a->n - 4, a->n, 1));
    CHECK(P.is_fragment && has_event(&P, GL_EV_IPV4_TRUNC_PKT));
    free(a);
    CHECK(!feed(d, frag4(4, 8, false, dg + 8, 8), 2)); /* first half never stored */
    CHECK(gl_decoder_defrag_stats(d)->reassembled == 0);

    /* a fragment whose IP options are cut by the capture is still flagged as a fragment */
    static const uint8_t nops[8] = { 1, 1, 1, 1, 1, 1, 1, 0 };
    fb *b = eth(0x0800, ipv4x(17, "192.0.2.1", "192.0.2.2", 5, 0x2000, nops, 8, raw(dg, 8)));
    CHECK(!gl_decode(d, &P, GL_DLT_EN10MB, b->b, 14 + 24, b->n, 3));
    CHECK(P.is_fragment && P.ip_version == 4);
    free(b);
    gl_decoder_free(d);
}

int main(void)
{
    test_v4_orders();
    test_v6();
    test_policies();
    test_memcap();
    test_max_trackers();
    test_timeout();
    test_too_large_and_odd();
    test_tunnelled();
    test_v6_large_and_snapped();
    printf("test-defrag: %d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
