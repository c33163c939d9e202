/*
 * test-decode.c — unit tests for gl_decode over every link type and layer,
 * with hand-built frames (frames.h) whose expected fields come from the
 * values written into them per the RFC layouts; truncations of every frame
 * at every length; tunnels; event names; the affinity hash.
 */
#include "frames.h"

static gl_decoder *D;
static gl_packet P;

static bool dec(int lt, const fb *f) { return gl_decode(D, &P, lt, f->b, f->n, f->n, 1000000); }

/* A frame typed out by hand, independent of the builders:
 * Ethernet 00:11:22:33:44:55 <- 66:77:88:99:aa:bb, type 0x0800;
 * IPv4 ihl 5, total 44 (20 IP + 24 TCP), id 1, DF, ttl 64, proto 6,
 * 192.168.1.10 -> 10.0.0.2; TCP 40000 -> 443, seq 0x01020304, ack 0,
 * doff 6 (24 bytes), SYN, win 29200, option MSS 1460 (02 04 05 b4). */
static const uint8_t LITERAL_SYN[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
    0xc0, 0xa8, 0x01, 0x0a, 0x0a, 0x00, 0x00, 0x02,
    0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x60, 0x02, 0x72, 0x10, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
};

static void test_literal_syn(void)
{
    CHECK(gl_decode(D, &P, GL_DLT_EN10MB, LITERAL_SYN, sizeof(LITERAL_SYN), 60, 5));
    CHECK(P.has_eth && memcmp(P.eth_src, MAC_SRC, 6) == 0 && memcmp(P.eth_dst, MAC_DST, 6) == 0);
    CHECK(P.ip_version == 4 && P.ip_ttl == 64 && P.proto == 6 && P.ip_len == 44);
    CHECK(addr_is(&P.src, "192.168.1.10") && addr_is(&P.dst, "10.0.0.2"));
    CHECK(P.sport == 40000 && P.dport == 443);
    CHECK(P.tcp_seq == 0x01020304 && P.tcp_ack == 0 && P.tcp_flags == GL_TH_SYN);
    CHECK(P.tcp_win == 29200 && P.tcp_wscale == 0xff && !P.tcp_has_ts);
    CHECK(P.l4_valid && P.payload_len == 0 && P.n_events == 0);
    CHECK(P.caplen == sizeof(LITERAL_SYN) && P.wirelen == 60 && P.ts_usec == 5);
}

static void test_tcp_options_payload(void)
{
    /* MSS 1460 | NOP | WS 7 | SACK-permitted | TS 0x11223344 0x55667788 = 20 bytes */
    static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2,
                                    8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    fb *f = eth(0x0800, ipv4(6, "1.2.3.4", "5.6.7.8",
                             tcp(1234, 80, 100, 200, GL_TH_ACK | GL_TH_PSH, opts, sizeof(opts),
                                 data("GET / HTTP/1.0\r\n\r\n"))));
    CHECK(dec(GL_DLT_EN10MB, f));
    CHECK(P.tcp_wscale == 7 && P.tcp_sack_permitted && P.tcp_has_ts);
    CHECK(P.tcp_tsval == 0x11223344 && P.tcp_tsecr == 0x55667788);
    CHECK(P.tcp_flags == (GL_TH_ACK | GL_TH_PSH) && P.tcp_seq == 100 && P.tcp_ack == 200);
    CHECK(P.payload_len == 18 && memcmp(P.payload, "GET / HTTP/1.0\r\n\r\n", 18) == 0);
    CHECK(P.ip_len == 20 + 40 + 18 && P.n_events == 0);
    free(f);

    /* option with length running past the header: event, header still valid */
    static const uint8_t bad[] = { 8, 12, 0, 0 };
    f = eth(0x0800, ipv4(6, "1.2.3.4", "5.6.7.8", tcp(1, 2, 0, 0, GL_TH_SYN, bad, 4, NULL)));
    CHECK(dec(GL_DLT_EN10MB, f));
    CHECK(has_event(&P, GL_EV_TCP_OPT_INVALID_LEN) && P.l4_valid && !P.tcp_has_ts);
    free(f);
    /* window scale with a wrong length (4 instead of 3) */
    static const uint8_t badws[] = { 3, 4, 7, 0 };
    f = eth(0x0800, ipv4(6, "1.2.3.4", "5.6.7.8", tcp(1, 2, 0, 0, GL_TH_SYN, badws, 4, NULL)));
    CHECK(dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_TCP_OPT_INVALID_LEN) && P.tcp_wscale == 0xff);
    free(f);
}

static void test_ipv4_padding_and_trunc(void)
{
    /* 14 + 20 + 20 = 54 bytes, padded to the 60-byte Ethernet minimum */
    fb *f = eth(0x0800, ipv4(6, "10.1.1.1", "10.1.1.2", tcp(5, 6, 0, 0, GL_TH_RST, NULL, 0, NULL)));
    fb_fill(f, 0xee, 6);
    CHECK(dec(GL_DLT_EN10MB, f));
    CHECK(P.payload_len == 0 && P.n_events == 0 && P.ip_len == 40);
    free(f);

    /* capture shorter than total length: 100 payload bytes, only 30 captured */
    fb *pl = fb_new();
    fb_fill(pl, 'x', 100);
    f = eth(0x0800, ipv4(17, "10.1.1.1", "10.1.1.2", udp(53, 5353, pl)));
    uint32_t cut = 14 + 20 + 8 + 30;
    CHECK(gl_decode(D, &P, GL_DLT_EN10MB, f->b, cut, f->n, 1));
    CHECK(has_event(&P, GL_EV_IPV4_TRUNC_PKT));
    CHECK(P.l4_valid && P.sport == 53 && P.dport == 5353 && P.payload_len == 30);
    CHECK(P.ip_len == 128);
    free(f);

    /* options: NOP NOP + router alert (148, len 4) = 8 bytes; then a bad option */
    static const uint8_t ra[] = { 1, 1, 148, 4, 0, 0, 0, 0 };
    f = eth(0x0800, ipv4x(17, "1.1.1.1", "2.2.2.2", 7, 0, ra, 8, udp(1, 2, data("hi"))));
    CHECK(dec(GL_DLT_EN10MB, f) && P.n_events == 0 && P.payload_len == 2 && P.sport == 1);
    free(f);
    static const uint8_t badopt[] = { 7, 40, 0, 0 };
    f = eth(0x0800, ipv4x(17, "1.1.1.1", "2.2.2.2", 7, 0, badopt, 4, udp(1, 2, data("hi"))));
    CHECK(dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_IPV4_OPT_INVALID) && P.payload_len == 2);
    free(f);

    /* header field anomalies */
    f = eth(0x0800, ipv4(6, "1.1.1.1", "2.2.2.2", tcp(1, 2, 0, 0, 0, NULL, 0, NULL)));
    f->b[14] = 0x44; /* IHL 4 */
    CHECK(!dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_IPV4_HLEN_TOO_SMALL));
    f->b[14] = 0x55; /* version 5 */
    CHECK(!dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_IPV4_WRONG_IP_VER));
    f->b[14] = 0x45;
    f->b[16] = 0;
    f->b[17] = 10; /* total length 10 < 20 */
    CHECK(!dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_IPV4_IPLEN_SMALLER_THAN_HLEN));
    free(f);
}

static void test_udp_icmp(void)
{
    fb *f = eth(0x0800, ipv4(17, "8.8.8.8", "192.0.2.1", udp(53, 33000, data("abcd"))));
    CHECK(dec(GL_DLT_EN10MB, f) && P.proto == 17 && P.sport == 53 && P.dport == 33000);
    CHECK(P.payload_len == 4 && memcmp(P.payload, "abcd", 4) == 0 && P.n_events == 0);
    /* UDP length 20 while IP carries 12 bytes of UDP */
    f->b[14 + 20 + 5] = 20;
    CHECK(dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_UDP_HLEN_INVALID) && P.payload_len == 4);
    f->b[14 + 20 + 5] = 3; /* < 8 */
    CHECK(dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_UDP_HLEN_INVALID));
    free(f);

    /* ICMP echo request: type 8 code 0 -> sport 8 dport 0 */
    f = eth(0x0800, ipv4(1, "10.0.0.1", "10.0.0.2", icmp(8, 0, data("ping"))));
    CHECK(dec(GL_DLT_EN10MB, f) && P.icmp_type == 8 && P.icmp_code == 0);
    CHECK(P.sport == 8 && P.dport == 0 && P.payload_len == 4 && P.l4_valid);
    free(f);
    /* ICMP port unreachable 3/3 */
    f = eth(0x0800, ipv4(1, "10.0.0.1", "10.0.0.2", icmp(3, 3, NULL)));
    CHECK(dec(GL_DLT_EN10MB, f) && P.sport == 3 && P.dport == 3 && P.payload_len == 0);
    free(f);
    /* ICMPv6 echo request 128/0 */
    f = eth(0x86DD, ipv6(58, 1, 2, icmp(128, 0, data("x"))));
    CHECK(dec(GL_DLT_EN10MB, f) && P.ip_version == 6 && P.proto == 58);
    CHECK(P.icmp_type == 128 && P.sport == 128 && P.dport == 0 && P.payload_len == 1);
    CHECK(addr_is(&P.src, "2001:db8::1") && addr_is(&P.dst, "2001:db8::2") && P.ip_ttl == 55);
    free(f);
    /* SCTP common header: ports only */
    fb *s = fb_new();
    fb_u16(s, 2905);
    fb_u16(s, 2906);
    fb_u32(s, 0xdeadbeef);
    fb_u32(s, 0);
    f = eth(0x0800, ipv4(132, "10.0.0.1", "10.0.0.2", s));
    CHECK(dec(GL_DLT_EN10MB, f) && P.sport == 2905 && P.dport == 2906 && P.l4_valid);
    free(f);
}

static void test_ipv6_exthdrs(void)
{
    /* HBH -> dstopts -> routing (type 0 segsleft 0, 8 bytes) -> AH (len 4 = 24 bytes) -> TCP */
    fb *rh = fb_new();
    fb_u8(rh, 51);
    fb_u8(rh, 0);
    fb_u8(rh, 0);
    fb_u8(rh, 0);
    fb_u32(rh, 0);
    fb *ah = fb_new();
    fb_u8(ah, 6);
    fb_u8(ah, 4); /* (4 + 2) * 4 = 24 bytes */
    fb_u16(ah, 0);
    fb_u32(ah, 0x100); /* SPI */
    fb_u32(ah, 1);     /* seq */
    fb_fill(ah, 0xab, 12); /* ICV */
    fb *l4 = tcp(5000, 22, 7, 0, GL_TH_SYN, NULL, 0, data("ssh"));
    fb_bytes(ah, l4->b, l4->n);
    free(l4);
    fb_bytes(rh, ah->b, ah->n);
    free(ah);
    fb *f = eth(0x86DD, ipv6(0, 10, 20, ip6_opts8(60, ip6_opts8(43, rh))));
    CHECK(dec(GL_DLT_EN10MB, f));
    CHECK(P.proto == 6 && P.sport == 5000 && P.dport == 22 && P.payload_len == 3);
    CHECK(P.ip_len == 40 + 8 + 8 + 8 + 24 + 20 + 3 && P.n_events == 0);
    /* truncate inside the AH header: payload length still claims it all */
    CHECK(gl_decode(D, &P, GL_DLT_EN10MB, f->b, 14 + 40 + 24 + 10, f->n, 1));
    CHECK(has_event(&P, GL_EV_IPV6_TRUNC_PKT) && has_event(&P, GL_EV_IPV6_TRUNC_EXTHDR));
    CHECK(!P.l4_valid);
    free(f);

    /* HBH not first: event */
    f = eth(0x86DD, ipv6(60, 1, 2, ip6_opts8(0, ip6_opts8(17, udp(1, 2, NULL)))));
    CHECK(dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_IPV6_EXTHDR_TOO_MANY) && !P.l4_valid);
    free(f);
    /* 9 destination-option headers: chain longer than we walk */
    fb *inner = udp(1, 2, NULL);
    inner = ip6_opts8(17, inner);
    for (int i = 0; i < 8; i++)
        inner = ip6_opts8(60, inner);
    f = eth(0x86DD, ipv6(60, 1, 2, inner));
    CHECK(dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_IPV6_EXTHDR_TOO_MANY));
    free(f);
    /* atomic fragment (offset 0, M=0): decoded in place */
    fb *fh = fb_new();
    fb_u8(fh, 17);
    fb_u8(fh, 0);
    fb_u16(fh, 0);
    fb_u32(fh, 99);
    f = eth(0x86DD, ipv6(44, 1, 2, fb_wrap(fh, udp(7, 9, data("a")))));
    CHECK(dec(GL_DLT_EN10MB, f) && !P.is_fragment && P.sport == 7 && P.payload_len == 1);
    free(f);
    /* wrong version */
    f = eth(0x86DD, ipv6(17, 1, 2, udp(1, 2, NULL)));
    f->b[14] = 0x40;
    CHECK(!dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_IPV6_WRONG_IP_VER));
    free(f);
}

static fb *v4udp(void) { return ipv4(17, "172.16.0.1", "172.16.0.2", udp(1000, 2000, data("xyz"))); }
static fb *v6udp(void) { return ipv6(17, 3, 4, udp(1000, 2000, data("xyz"))); }

static void expect_v4udp(const char *what)
{
    bool ok = P.ip_version == 4 && addr_is(&P.src, "172.16.0.1") && addr_is(&P.dst, "172.16.0.2") &&
              P.sport == 1000 && P.dport == 2000 && P.payload_len == 3 && P.n_events == 0;
    if (!ok)
        fprintf(stderr, "  (%s)\n", what);
    CHECK(ok);
}
static void expect_v6udp(const char *what)
{
    bool ok = P.ip_version == 6 && addr_is(&P.src, "2001:db8::3") && addr_is(&P.dst, "2001:db8::4") &&
              P.sport == 1000 && P.dport == 2000 && P.payload_len == 3 && P.n_events == 0;
    if (!ok)
        fprintf(stderr, "  (%s)\n", what);
    CHECK(ok);
}

static void test_link_types(void)
{
    fb *f;
    /* 802.1Q vid 100 (TCI 0x2064: prio 1, vid 100) */
    f = eth(0x8100, vlan(0x2064, 0x0800, v4udp()));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("vlan");
    CHECK(P.vlan_count == 1 && P.vlan[0] == 100);
    free(f);
    /* QinQ: 802.1ad outer 10, 802.1Q inner 20 */
    f = eth(0x88A8, vlan(10, 0x8100, vlan(20, 0x86DD, v6udp())));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v6udp("qinq");
    CHECK(P.vlan_count == 2 && P.vlan[0] == 10 && P.vlan[1] == 20);
    free(f);
    /* three tags: all recorded (GL_MAX_VLAN is 3) */
    f = eth(0x88A8, vlan(1, 0x8100, vlan(2, 0x8100, vlan(3, 0x0800, v4udp()))));
    CHECK(dec(GL_DLT_EN10MB, f) && P.vlan_count == 3 && P.vlan[2] == 3);
    CHECK(!has_event(&P, GL_EV_VLAN_TOO_MANY_LAYERS) && P.sport == 1000);
    free(f);
    /* four tags: the first three recorded, event, IP still decoded */
    f = eth(0x88A8, vlan(1, 0x8100, vlan(2, 0x8100, vlan(3, 0x8100, vlan(4, 0x0800, v4udp())))));
    CHECK(dec(GL_DLT_EN10MB, f) && P.vlan_count == 3 && P.vlan[0] == 1 && P.vlan[2] == 3);
    CHECK(has_event(&P, GL_EV_VLAN_TOO_MANY_LAYERS) && P.sport == 1000);
    free(f);

    /* SLL: pkttype 0, ARPHRD_ETHER 1, addr len 6, addr (8), protocol 0x0800 */
    fb *h = fb_new();
    fb_u16(h, 0);
    fb_u16(h, 1);
    fb_u16(h, 6);
    fb_bytes(h, MAC_SRC, 6);
    fb_u16(h, 0);
    fb_u16(h, 0x0800);
    f = fb_wrap(h, v4udp());
    CHECK(dec(GL_DLT_LINUX_SLL, f) && !P.has_eth);
    expect_v4udp("sll");
    free(f);
    /* SLL2: protocol 0x86DD, reserved, ifindex 2, ARPHRD 1, pkttype 4, addrlen 6, addr(8) */
    h = fb_new();
    fb_u16(h, 0x86DD);
    fb_u16(h, 0);
    fb_u32(h, 2);
    fb_u16(h, 1);
    fb_u8(h, 4);
    fb_u8(h, 6);
    fb_bytes(h, MAC_SRC, 6);
    fb_u16(h, 0);
    f = fb_wrap(h, v6udp());
    CHECK(dec(GL_DLT_LINUX_SLL2, f));
    expect_v6udp("sll2");
    free(f);

    /* NULL: AF_INET little-endian (02 00 00 00) and written by a big-endian host (00 00 00 02) */
    static const uint8_t af_le[] = { 2, 0, 0, 0 }, af_be[] = { 0, 0, 0, 2 };
    f = fb_wrap(raw(af_le, 4), v4udp());
    CHECK(dec(GL_DLT_NULL, f));
    expect_v4udp("null le");
    free(f);
    f = fb_wrap(raw(af_be, 4), v4udp());
    CHECK(dec(GL_DLT_NULL, f));
    expect_v4udp("null be");
    free(f);
    static const uint8_t af6[3] = { 24, 28, 30 };
    for (int i = 0; i < 3; i++) {
        uint8_t le[4] = { af6[i], 0, 0, 0 }, be[4] = { 0, 0, 0, af6[i] };
        f = fb_wrap(raw(le, 4), v6udp());
        CHECK(dec(GL_DLT_NULL, f));
        expect_v6udp("null v6 le");
        free(f);
        f = fb_wrap(raw(be, 4), v6udp());
        CHECK(dec(GL_DLT_NULL, f));
        expect_v6udp("null v6 be");
        CHECK(dec(GL_DLT_LOOP, f)); /* LOOP is network order */
        expect_v6udp("loop");
        free(f);
    }
    static const uint8_t af_bad[] = { 7, 0, 0, 0 };
    f = fb_wrap(raw(af_bad, 4), v4udp());
    CHECK(!dec(GL_DLT_NULL, f) && has_event(&P, GL_EV_NULL_UNSUPPORTED_TYPE));
    free(f);

    /* raw IP under every raw DLT */
    static const int raws[] = { GL_DLT_RAW, GL_DLT_RAW_ALT, GL_LINKTYPE_RAW };
    for (int i = 0; i < 3; i++) {
        f = v4udp();
        CHECK(dec(raws[i], f));
        expect_v4udp("raw4");
        free(f);
        f = v6udp();
        CHECK(dec(raws[i], f));
        expect_v6udp("raw6");
        free(f);
    }
    f = v4udp();
    CHECK(dec(GL_DLT_IPV4, f));
    expect_v4udp("dlt ipv4");
    free(f);
    f = v6udp();
    CHECK(dec(GL_DLT_IPV6, f));
    expect_v6udp("dlt ipv6");
    free(f);

    /* PPPoE session: ver/type 0x11, code 0, session 0x0001, length = 2 + IP */
    fb *ip = v4udp();
    uint32_t iplen = ip->n;
    h = fb_new();
    fb_u8(h, 0x11);
    fb_u8(h, 0);
    fb_u16(h, 1);
    fb_u16(h, 2 + iplen);
    fb_u16(h, 0x0021);
    fb *pppoe = fb_wrap(h, ip);
    f = eth(0x8864, raw(pppoe->b, pppoe->n));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("pppoe eth");
    free(f);
    CHECK(gl_decode(D, &P, GL_DLT_PPP_ETHER, pppoe->b, pppoe->n, pppoe->n, 1));
    expect_v4udp("dlt ppp_ether");
    pppoe->b[1] = 0x09; /* PADI code in a session frame */
    CHECK(!gl_decode(D, &P, GL_DLT_PPP_ETHER, pppoe->b, pppoe->n, pppoe->n, 1));
    CHECK(has_event(&P, GL_EV_PPPOE_WRONG_CODE));
    pppoe->b[1] = 0;
    pppoe->b[6] = 0x00;
    pppoe->b[7] = 0x2b; /* PPP protocol 0x002b (IPX): unsupported */
    CHECK(!gl_decode(D, &P, GL_DLT_PPP_ETHER, pppoe->b, pppoe->n, pppoe->n, 1));
    CHECK(has_event(&P, GL_EV_PPP_UNSUP_PROTO));
    free(pppoe);

    /* DLT_PPP: ff 03 00 57 + IPv6; and compressed protocol 0x21 */
    static const uint8_t ppp6[] = { 0xff, 0x03, 0x00, 0x57 };
    f = fb_wrap(raw(ppp6, 4), v6udp());
    CHECK(dec(9, f));
    expect_v6udp("dlt ppp");
    free(f);
    static const uint8_t pppc[] = { 0x21 };
    f = fb_wrap(raw(pppc, 1), v4udp());
    CHECK(dec(9, f));
    expect_v4udp("ppp compressed");
    free(f);

    /* MPLS: label 1000 (not BoS), label 2000 BoS, then IPv4 */
    h = fb_new();
    fb_u32(h, (1000u << 12) | 64);
    fb_u32(h, (2000u << 12) | 0x100 | 64);
    f = eth(0x8847, fb_wrap(h, v4udp()));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("mpls");
    free(f);

    /* unsupported link type, ARP */
    f = v4udp();
    CHECK(!dec(147, f) && has_event(&P, GL_EV_LINK_UNSUPPORTED));
    free(f);
    fb *arp = fb_new();
    fb_fill(arp, 0, 28);
    f = eth(0x0806, arp);
    CHECK(!dec(GL_DLT_EN10MB, f) && P.n_events == 0 && P.has_eth && P.ip_version == 0);
    free(f);
}

static void test_tunnels(void)
{
    fb *f;
    /* IPv4-in-IPv4 */
    f = eth(0x0800, ipv4(4, "198.51.100.1", "198.51.100.2", v4udp()));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("ipip");
    CHECK(P.tunnel_depth == 1);
    free(f);
    /* 6in4 */
    f = eth(0x0800, ipv4(41, "198.51.100.1", "198.51.100.2", v6udp()));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v6udp("6in4");
    CHECK(P.tunnel_depth == 1);
    free(f);
    /* 6in6 and 4in6 */
    f = eth(0x86DD, ipv6(41, 9, 9, v6udp()));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v6udp("6in6");
    free(f);
    f = eth(0x86DD, ipv6(4, 9, 9, v4udp()));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("4in6");
    free(f);

    /* GRE v0 with key (K bit 0x2000) and seq (0x1000): 4 + 4 + 4 bytes, IPv4 */
    fb *g = fb_new();
    fb_u16(g, 0x3000);
    fb_u16(g, 0x0800);
    fb_u32(g, 42);
    fb_u32(g, 7);
    f = eth(0x0800, ipv4(47, "203.0.113.1", "203.0.113.2", fb_wrap(g, v4udp())));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("gre key seq");
    CHECK(P.tunnel_depth == 1);
    free(f);
    /* GRE with checksum (C 0x8000 -> +4) carrying IPv6 */
    g = fb_new();
    fb_u16(g, 0x8000);
    fb_u16(g, 0x86DD);
    fb_u32(g, 0);
    f = eth(0x0800, ipv4(47, "203.0.113.1", "203.0.113.2", fb_wrap(g, v6udp())));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v6udp("gre csum v6");
    free(f);
    /* GRE TEB: inner Ethernet with VLAN 5 */
    g = fb_new();
    fb_u16(g, 0);
    fb_u16(g, 0x6558);
    f = eth(0x0800, ipv4(47, "203.0.113.1", "203.0.113.2",
                         fb_wrap(g, eth(0x8100, vlan(5, 0x0800, v4udp())))));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("gre teb");
    CHECK(P.vlan_count == 1 && P.vlan[0] == 5);
    free(f);
    /* ERSPAN type II: GRE S bit, proto 0x88BE, seq; ERSPAN hdr ver 1 */
    g = fb_new();
    fb_u16(g, 0x1000);
    fb_u16(g, 0x88BE);
    fb_u32(g, 1);
    fb_u16(g, 0x1000 | 7); /* ver 1, vlan 7 */
    fb_u16(g, 0x0001);     /* session 1 */
    fb_u32(g, 0);
    f = eth(0x0800, ipv4(47, "203.0.113.1", "203.0.113.2", fb_wrap(g, eth(0x0800, v4udp()))));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("erspan2");
    free(f);
    /* ERSPAN type III with O flag -> 12 + 8 bytes */
    g = fb_new();
    fb_u16(g, 0x1000);
    fb_u16(g, 0x22EB);
    fb_u32(g, 1);
    fb_u16(g, 0x2000); /* ver 2 */
    fb_u16(g, 1);
    fb_u32(g, 0);      /* timestamp */
    fb_u16(g, 0);      /* SGT */
    fb_u16(g, 1);      /* O flag */
    fb_fill(g, 0, 8);  /* platform sub-header */
    f = eth(0x0800, ipv4(47, "203.0.113.1", "203.0.113.2", fb_wrap(g, eth(0x86DD, v6udp()))));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v6udp("erspan3");
    free(f);
    /* PPTP enhanced GRE v1: flags K|S (0x3001), proto 0x880B, key (len, call id), seq,
     * then PPP ff 03 00 21 + IPv4 */
    g = fb_new();
    fb_u16(g, 0x3001);
    fb_u16(g, 0x880B);
    fb_u16(g, 0);
    fb_u16(g, 5);
    fb_u32(g, 1);
    fb_u32(g, 0xff030021);
    f = eth(0x0800, ipv4(47, "203.0.113.1", "203.0.113.2", fb_wrap(g, v4udp())));
    CHECK(dec(GL_DLT_EN10MB, f));
    expect_v4udp("pptp");
    free(f);
    /* GRE version 3 */
    g = fb_new();
    fb_u16(g, 3);
    fb_u16(g, 0x0800);
    f = eth(0x0800, ipv4(47, "203.0.113.1", "203.0.113.2", fb_wrap(g, v4udp())));
    CHECK(dec(GL_DLT_EN10MB, f) && has_event(&P, GL_EV_GRE_WRONG_VERSION));
    CHECK(addr_is(&P.src, "203.0.113.1")); /* outer layer stays */
    free(f);

    /* too deep: 6 nested IP-in-IP layers */
    fb *in = v4udp();
    for (int i = 0; i < 6; i++)
        in = ipv4(4, "198.51.100.1", "198.51.100.2", in);
    f = eth(0x0800, in);
    dec(GL_DLT_EN10MB, f);
    CHECK(has_event(&P, GL_EV_TUNNEL_TOO_DEEP) && P.tunnel_depth == 4);
    free(f);
}

/* Every prefix of a well-formed frame must decode without crashing and must
 * report at least one anomaly (all frames declare their full lengths). */
static void truncate_all(int lt, fb *f, const char *what)
{
    CHECK(gl_decode(D, &P, lt, f->b, f->n, f->n, 1));
    if (P.n_events != 0)
        fprintf(stderr, "  full frame %s has events\n", what);
    CHECK(P.n_events == 0);
    for (uint32_t len = 0; len < f->n; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact-size copy so ASan sees overreads */
        memcpy(copy, f->b, len);
        gl_decode(D, &P, lt, copy, len, f->n, 1);
        if (P.n_events == 0)
            fprintf(stderr, "  %s truncated to %u: no event\n", what, len);
        CHECK(P.n_events > 0);
        free(copy);
    }
    free(f);
}

static void test_truncations(void)
{
    static const uint8_t opts[] = { 2, 4, 5, 0xb4, 1, 3, 3, 7 };
    truncate_all(GL_DLT_EN10MB,
                 eth(0x0800, ipv4(6, "1.2.3.4", "5.6.7.8", tcp(1, 2, 3, 4, 0x18, opts, 8, data("pay")))),
                 "eth/ipv4/tcp");
    truncate_all(GL_DLT_EN10MB, eth(0x8100, vlan(1, 0x88A8, vlan(2, 0x86DD,
                 ipv6(0, 1, 2, ip6_opts8(17, udp(1, 2, data("u"))))))), "qinq/ipv6/hbh/udp");
    truncate_all(GL_DLT_EN10MB, eth(0x0800, ipv4(1, "1.1.1.1", "2.2.2.2", icmp(8, 0, data("p")))),
                 "icmp");
    truncate_all(GL_DLT_RAW, ipv6(58, 1, 2, icmp(128, 0, NULL)), "raw icmpv6");
    fb *g = fb_new();
    fb_u16(g, 0x2000);
    fb_u16(g, 0x6558);
    fb_u32(g, 9);
    truncate_all(GL_DLT_EN10MB, eth(0x0800, ipv4(47, "1.1.1.1", "2.2.2.2",
                 fb_wrap(g, eth(0x0800, ipv4(4, "3.3.3.3", "4.4.4.4", v4udp()))))), "gre teb ipip");
    static const uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00 };
    truncate_all(GL_DLT_LINUX_SLL, fb_wrap(raw(sll, 16), v4udp()), "sll");
    static const uint8_t sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6 };
    truncate_all(GL_DLT_LINUX_SLL2, fb_wrap(raw(sll2, 20), v6udp()), "sll2");
    static const uint8_t nul[4] = { 2, 0, 0, 0 };
    truncate_all(GL_DLT_NULL, fb_wrap(raw(nul, 4), v4udp()), "null");
    static const uint8_t pppoe[8] = { 0x11, 0, 0, 1, 0, 2 + 31, 0x00, 0x21 };
    truncate_all(GL_DLT_EN10MB, eth(0x8864, fb_wrap(raw(pppoe, 8), v4udp())), "pppoe");
    fb *m = fb_new();
    fb_u32(m, (16u << 12) | 0x100 | 1);
    truncate_all(GL_DLT_EN10MB, eth(0x8847, fb_wrap(m, v6udp())), "mpls");
    static const uint8_t ppp[4] = { 0xff, 0x03, 0x00, 0x21 };
    truncate_all(9, fb_wrap(raw(ppp, 4), v4udp()), "dlt ppp");
}

static void test_event_names(void)
{
    CHECK(strcmp(gl_decode_event_name(GL_EV_IPV4_TRUNC_PKT), "decoder.ipv4.trunc_pkt") == 0);
    CHECK(strcmp(gl_decode_event_name(GL_EV_ETH_PKT_TOO_SMALL), "decoder.ethernet.pkt_too_small") == 0);
    CHECK(strcmp(gl_decode_event_name(GL_EV_VLAN_TOO_MANY_LAYERS), "decoder.vlan.too_many_layers") == 0);
    CHECK(strcmp(gl_decode_event_name(GL_EV_NULL_PKT_TOO_SMALL), "decoder.ltnull.pkt_too_small") == 0);
    CHECK(strcmp(gl_decode_event_name(GL_EV_UDP_HLEN_INVALID), "decoder.udp.hlen_invalid") == 0);
    CHECK(strcmp(gl_decode_event_name(GL_EV_FRAG_OVERLAP), "decoder.ipv4.frag_overlap") == 0);
    CHECK(strcmp(gl_decode_event_name(GL_EV_MAX), "decoder.unknown") == 0);
    for (int e = 1; e < GL_EV_MAX; e++)
        CHECK(strncmp(gl_decode_event_name((gl_decode_event)e), "decoder.", 8) == 0 &&
              strcmp(gl_decode_event_name((gl_decode_event)e), "decoder.unknown") != 0);
}

static void test_affinity(void)
{
    fb *a = eth(0x8100, vlan(7, 0x0800, ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1, 2, 0, 0, 2, NULL, 0, NULL))));
    fb *b = eth(0x8100, vlan(7, 0x0800, ipv4(6, "10.0.0.2", "10.0.0.1", tcp(2, 1, 0, 0, 0x12, NULL, 0, NULL))));
    uint32_t ha = gl_decode_affinity_hash(GL_DLT_EN10MB, a->b, a->n);
    uint32_t hb = gl_decode_affinity_hash(GL_DLT_EN10MB, b->b, b->n);
    CHECK(ha != 0 && ha == hb);
    /* a fragment of the same pair (no L4 header) lands on the same worker */
    fb *c = eth(0x8100, vlan(7, 0x0800, ipv4x(6, "10.0.0.2", "10.0.0.1", 9, 0x00b9, NULL, 0, data("zz"))));
    CHECK(gl_decode_affinity_hash(GL_DLT_EN10MB, c->b, c->n) == ha);
    /* the outermost pair is used: tunnel inner addresses do not matter */
    fb *t1 = eth(0x0800, ipv4(4, "1.1.1.1", "2.2.2.2", ipv4(17, "9.9.9.9", "8.8.8.8", udp(1, 2, NULL))));
    fb *t2 = eth(0x0800, ipv4(4, "2.2.2.2", "1.1.1.1", ipv4(17, "7.7.7.7", "6.6.6.6", udp(1, 2, NULL))));
    CHECK(gl_decode_affinity_hash(GL_DLT_EN10MB, t1->b, t1->n) ==
          gl_decode_affinity_hash(GL_DLT_EN10MB, t2->b, t2->n));
    fb *v6a = ipv6(17, 1, 2, udp(1, 2, NULL)), *v6b = ipv6(17, 2, 1, udp(2, 1, NULL));
    uint32_t h6 = gl_decode_affinity_hash(GL_DLT_RAW, v6a->b, v6a->n);
    CHECK(h6 != 0 && h6 == gl_decode_affinity_hash(GL_DLT_RAW, v6b->b, v6b->n));
    fb *arp = eth(0x0806, data("0123456789012345678901234567"));
    CHECK(gl_decode_affinity_hash(GL_DLT_EN10MB, arp->b, arp->n) == 0);
    CHECK(gl_decode_affinity_hash(GL_DLT_EN10MB, a->b, 20) == 0); /* IP header cut */
    free(a); free(b); free(c); free(t1); free(t2); free(v6a); free(v6b); free(arp);
}

int main(void)
{
    D = gl_decoder_new(NULL);
    test_literal_syn();
    test_tcp_options_payload();
    test_ipv4_padding_and_trunc();
    test_udp_icmp();
    test_ipv6_exthdrs();
    test_link_types();
    test_tunnels();
    test_truncations();
    test_event_names();
    test_affinity();
    gl_decoder_free(D);
    printf("test-decode: %d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
