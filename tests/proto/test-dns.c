/*
 * test-dns.c — DNS parser unit tests on hand-built messages. Expected values
 * come from the RFC layouts (RFC 1035 4.1, RFC 3596 AAAA, RFC 2782 SRV) worked
 * out by hand next to each message, and from Suricata 8's v3 EVE layout
 * (rust/src/dns/log.rs) for field names and order.
 */
#include "harness.h"
#include "../../src/proto/app-layer.h"

#include <stdint.h>

/* ---- message builder ---------------------------------------------------- */

typedef struct mb {
    uint8_t b[4096];
    size_t n;
} mb;

static void put8(mb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(mb *m, unsigned v) { put8(m, v >> 8); put8(m, v & 0xff); }
static void put32(mb *m, uint32_t v) { put16(m, v >> 16); put16(m, v & 0xffff); }
static void putbytes(mb *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }

/* Labels of a dotted name, without the terminating zero (so a pointer or a
 * zero can follow). */
static void putlabels(mb *m, const char *dotted)
{
    while (*dotted) {
        const char *dot = strchr(dotted, '.');
        size_t l = dot ? (size_t)(dot - dotted) : strlen(dotted);
        put8(m, (unsigned)l);
        putbytes(m, dotted, l);
        dotted += l + (dot ? 1 : 0);
    }
}
static void putname(mb *m, const char *dotted) { putlabels(m, dotted); put8(m, 0); }
static void putptr(mb *m, unsigned off) { put16(m, 0xC000 | off); }

static void header(mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
                   unsigned ar)
{
    m->n = 0;
    put16(m, id); put16(m, flags); put16(m, qd); put16(m, an); put16(m, ns); put16(m, ar);
}

/* RR header with rdlength patched later by rr_end(). Returns rdlength offset. */
static size_t rr_begin(mb *m, unsigned type, uint32_t ttl)
{
    put16(m, type); put16(m, 1 /* IN */); put32(m, ttl);
    size_t at = m->n;
    put16(m, 0);
    return at;
}
static void rr_end(mb *m, size_t at)
{
    size_t rdlen = m->n - at - 2;
    m->b[at] = (uint8_t)(rdlen >> 8);
    m->b[at + 1] = (uint8_t)rdlen;
}

static const char *ev(const harness *h, int i) { return i < h->n_events ? h->events[i] : ""; }
static int has(const harness *h, int i, const char *needle) { return strstr(ev(h, i), needle) != NULL; }
static int has_anomaly(const harness *h, const char *name)
{
    for (int i = 0; i < h->n_anomalies; i++)
        if (strcmp(h->anomalies[i], name) == 0)
            return 1;
    return 0;
}

/* ---- messages ----------------------------------------------------------- */

/* Query: id 0x1234, flags 0x0100 (RD only), 1 question www.example.com A IN. */
static void build_query(mb *m, unsigned id)
{
    header(m, id, 0x0100, 1, 0, 0, 0);
    putname(m, "www.example.com");
    put16(m, 1); put16(m, 1);
}

/*
 * Response carrying every supported RR type. Offsets (for pointers):
 *   12: question name "example.com" (8 "example" 3 "com" 0), type ANY(255) IN
 * All owner names are the pointer 0xC00C -> "example.com".
 */
static void build_all_types(mb *m)
{
    size_t at;
    header(m, 0xbeef, 0x8180, 1, 10, 1, 1); /* QR|RD|RA, NOERROR */
    putname(m, "example.com");
    put16(m, 255); put16(m, 1);
    /* A 93.184.216.34 (RFC 1035 3.4.1: 4 octets) */
    putptr(m, 12); at = rr_begin(m, 1, 300); put8(m, 93); put8(m, 184); put8(m, 216); put8(m, 34); rr_end(m, at);
    /* AAAA 2001:db8::1 (RFC 3596 2.2: 16 octets, network order) */
    putptr(m, 12); at = rr_begin(m, 28, 301);
    put16(m, 0x2001); put16(m, 0x0db8); put32(m, 0); put32(m, 0); put16(m, 0); put16(m, 1); rr_end(m, at);
    /* CNAME www.example.com: "www" then a pointer to example.com */
    putptr(m, 12); at = rr_begin(m, 5, 302); putlabels(m, "www"); putptr(m, 12); rr_end(m, at);
    /* MX preference 10, exchange mail.example.com (RFC 1035 3.3.9) */
    putptr(m, 12); at = rr_begin(m, 15, 303); put16(m, 10); putlabels(m, "mail"); putptr(m, 12); rr_end(m, at);
    /* NS ns1.example.com */
    putptr(m, 12); at = rr_begin(m, 2, 304); putlabels(m, "ns1"); putptr(m, 12); rr_end(m, at);
    /* PTR host.example.com */
    putptr(m, 12); at = rr_begin(m, 12, 305); putlabels(m, "host"); putptr(m, 12); rr_end(m, at);
    /* TXT with two character-strings "v=spf1" and "hello" (RFC 1035 3.3.14) */
    putptr(m, 12); at = rr_begin(m, 16, 306);
    put8(m, 6); putbytes(m, "v=spf1", 6); put8(m, 5); putbytes(m, "hello", 5); rr_end(m, at);
    /* SRV priority 10 weight 60 port 5060 target sip.example.com (RFC 2782) */
    putptr(m, 12); at = rr_begin(m, 33, 307);
    put16(m, 10); put16(m, 60); put16(m, 5060); putlabels(m, "sip"); putptr(m, 12); rr_end(m, at);
    /* unknown type 65280 with 3 opaque bytes: logged without rdata */
    putptr(m, 12); at = rr_begin(m, 65280, 308); put8(m, 1); put8(m, 2); put8(m, 3); rr_end(m, at);
    /* SSHFP algo 1 (RSA) type 1 (SHA-1), fingerprint de:ad:be:ef (RFC 4255) */
    putptr(m, 12); at = rr_begin(m, 44, 309); put8(m, 1); put8(m, 1); put32(m, 0xdeadbeef); rr_end(m, at);
    /* authority: SOA ns1.example.com hostmaster.example.com 2024010101 7200 3600 1209600 300 */
    putptr(m, 12); at = rr_begin(m, 6, 3600);
    putlabels(m, "ns1"); putptr(m, 12); putlabels(m, "hostmaster"); putptr(m, 12);
    put32(m, 2024010101u); put32(m, 7200); put32(m, 3600); put32(m, 1209600); put32(m, 300);
    rr_end(m, at);
    /* additional: EDNS0 OPT at root, udp size 4096, no options -> not logged */
    put8(m, 0); put16(m, 41); put16(m, 4096); put32(m, 0); put16(m, 0);
}

/* NXDOMAIN response modelled on suricata-verify dns-udp-nxdomain-soa's
 * expectations: dne.oisf.net A, authority oisf.net SOA ttl 899. */
static void build_nxdomain(mb *m)
{
    size_t at;
    header(m, 0x8295, 0x8183, 1, 0, 1, 0);
    putname(m, "dne.oisf.net");           /* offset 12; "oisf.net" starts at 16 */
    put16(m, 1); put16(m, 1);
    putptr(m, 16); at = rr_begin(m, 6, 899);
    putname(m, "ns-110.awsdns-13.com");
    putname(m, "awsdns-hostmaster.amazon.com");
    put32(m, 1); put32(m, 7200); put32(m, 900); put32(m, 1209600); put32(m, 86400);
    rr_end(m, at);
}

static void feed_udp(harness *h, gl_dir dir, const mb *m)
{
    h_feed(h, dir, m->b, m->n);
}

/* ---- tests -------------------------------------------------------------- */

static void test_query(void)
{
    harness h;
    mb m;
    h_init(&h, &gl_parser_dns, 17);
    build_query(&m, 0x1234);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 1);
    CHECK(h.n_anomalies == 0);
    /* 0x1234 = 4660; flags 0x0100 -> "100" and rd:true; everything else off */
    CHECK(has(&h, 0, "\"event_type\":\"dns\",\"logdir\":1,\"dir\":0,"));
    CHECK(has(&h, 0, "\"dns\":{\"version\":3,\"type\":\"request\",\"tx_id\":0,\"id\":4660,"
                     "\"flags\":\"100\",\"rd\":true,\"opcode\":0,\"rcode\":\"NOERROR\","
                     "\"queries\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"A\"}]}"));
    h_free(&h);
}

static void test_all_types(void)
{
    harness h;
    mb m;
    h_init(&h, &gl_parser_dns, 17);
    build_all_types(&m);
    feed_udp(&h, GL_DIR_TOCLIENT, &m);
    CHECK(h.n_events == 1);
    CHECK(h.n_anomalies == 0);
    /* 0xbeef = 48879; 0x8180 = QR|RD|RA */
    CHECK(has(&h, 0, "\"type\":\"response\",\"tx_id\":0,\"id\":48879,\"flags\":\"8180\","
                     "\"qr\":true,\"rd\":true,\"ra\":true,\"opcode\":0,\"rcode\":\"NOERROR\","));
    CHECK(has(&h, 0, "\"queries\":[{\"rrname\":\"example.com\",\"rrtype\":\"ANY\"}]"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"93.184.216.34\"}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"AAAA\",\"ttl\":301,"
                     "\"rdata\":\"2001:0db8:0000:0000:0000:0000:0000:0001\"}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"CNAME\",\"ttl\":302,\"rdata\":\"www.example.com\"}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"MX\",\"ttl\":303,\"rdata\":\"mail.example.com\"}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"NS\",\"ttl\":304,\"rdata\":\"ns1.example.com\"}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"PTR\",\"ttl\":305,\"rdata\":\"host.example.com\"}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"TXT\",\"ttl\":306,\"rdata\":\"v=spf1\"},"
                     "{\"rrname\":\"example.com\",\"rrtype\":\"TXT\",\"ttl\":306,\"rdata\":\"hello\"}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"SRV\",\"ttl\":307,"
                     "\"srv\":{\"priority\":10,\"weight\":60,\"port\":5060,\"name\":\"sip.example.com\"}}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"65280\",\"ttl\":308}"));
    CHECK(has(&h, 0, "{\"rrname\":\"example.com\",\"rrtype\":\"SSHFP\",\"ttl\":309,"
                     "\"sshfp\":{\"fingerprint\":\"de:ad:be:ef\",\"algo\":1,\"type\":1}}"));
    CHECK(has(&h, 0, "\"authorities\":[{\"rrname\":\"example.com\",\"rrtype\":\"SOA\",\"ttl\":3600,"
                     "\"soa\":{\"mname\":\"ns1.example.com\",\"rname\":\"hostmaster.example.com\","
                     "\"serial\":2024010101,\"refresh\":7200,\"retry\":3600,\"expire\":1209600,"
                     "\"minimum\":300}}]"));
    /* grouped view of the same answers */
    CHECK(has(&h, 0, "\"grouped\":{\"A\":[\"93.184.216.34\"],"
                     "\"AAAA\":[\"2001:0db8:0000:0000:0000:0000:0000:0001\"],"
                     "\"CNAME\":[\"www.example.com\"],\"MX\":[\"mail.example.com\"],"
                     "\"NS\":[\"ns1.example.com\"],\"PTR\":[\"host.example.com\"],"
                     "\"TXT\":[\"v=spf1\",\"hello\"],"
                     "\"SSHFP\":[{\"fingerprint\":\"de:ad:be:ef\",\"algo\":1,\"type\":1}],"
                     "\"SRV\":[{\"priority\":10,\"weight\":60,\"port\":5060,\"name\":\"sip.example.com\"}]}"));
    /* empty EDNS OPT is not logged as an additional */
    CHECK(!has(&h, 0, "additionals"));
    h_free(&h);
}

static void test_nxdomain_soa(void)
{
    harness h;
    mb m;
    h_init(&h, &gl_parser_dns, 17);
    build_nxdomain(&m);
    feed_udp(&h, GL_DIR_TOCLIENT, &m);
    CHECK(h.n_events == 1);
    CHECK(has(&h, 0, "\"rcode\":\"NXDOMAIN\""));
    CHECK(has(&h, 0, "\"authorities\":[{\"rrname\":\"oisf.net\",\"rrtype\":\"SOA\",\"ttl\":899,"
                     "\"soa\":{\"mname\":\"ns-110.awsdns-13.com\",\"rname\":\"awsdns-hostmaster.amazon.com\","
                     "\"serial\":1,\"refresh\":7200,\"retry\":900,\"expire\":1209600,\"minimum\":86400}}]"));
    CHECK(!has(&h, 0, "\"answers\""));
    h_free(&h);
}

static void test_opt_with_option_and_rcodes(void)
{
    harness h;
    mb m;
    h_init(&h, &gl_parser_dns, 17);
    /* REFUSED (5), AA|TC|Z set: flags = 0x8000|0x0400|0x0200|0x0040|5 = 0x8645 */
    header(&m, 1, 0x8645, 1, 0, 0, 1);
    putname(&m, "a.b");
    put16(&m, 1); put16(&m, 1);
    /* OPT with one option: code 10 (cookie), 2 bytes 0xab 0xcd -> data "abcd" */
    put8(&m, 0); put16(&m, 41); put16(&m, 1232); put32(&m, 0); put16(&m, 6);
    put16(&m, 10); put16(&m, 2); put8(&m, 0xab); put8(&m, 0xcd);
    feed_udp(&h, GL_DIR_TOCLIENT, &m);
    CHECK(h.n_events == 1);
    CHECK(has(&h, 0, "\"flags\":\"8645\",\"qr\":true,\"aa\":true,\"tc\":true,\"z\":true,\"opcode\":0,\"rcode\":\"REFUSED\""));
    CHECK(has(&h, 0, "\"additionals\":[{\"rrname\":\"\",\"rrtype\":\"OPT\",\"ttl\":0,"
                     "\"opt\":[{\"code\":10,\"data\":\"abcd\"}]}]"));
    CHECK(has_anomaly(&h, "Z_FLAG_SET"));
    /* rcode 11 has no name: printed as a number string; opcode 2 (STATUS) */
    header(&m, 2, 0x8000 | (2 << 11) | 11, 1, 0, 0, 0);
    putname(&m, "x");
    put16(&m, 1); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOCLIENT, &m);
    CHECK(h.n_events == 2);
    CHECK(has(&h, 1, "\"tx_id\":1,\"id\":2,\"flags\":\"900b\",\"qr\":true,\"opcode\":2,\"rcode\":\"11\""));
    h_free(&h);
}

/* Compression: valid chains, forward pointer, self loop, mutual loop. */
static void test_compression(void)
{
    harness h;
    mb m;
    size_t at;

    /* valid two-hop chain: q name "example.com" at 12; answer 1 owner
     * "www" + ptr(12) at offset 29; answer 2 owner = ptr(29) -> "www" -> ptr(12) */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 7, 0x8180, 1, 2, 0, 0);
    putname(&m, "example.com"); put16(&m, 1); put16(&m, 1);
    CHECK(m.n == 29);
    putlabels(&m, "www"); putptr(&m, 12); at = rr_begin(&m, 1, 1); put32(&m, 0x01020304); rr_end(&m, at);
    putptr(&m, 29); at = rr_begin(&m, 1, 2); put32(&m, 0x05060708); rr_end(&m, at);
    feed_udp(&h, GL_DIR_TOCLIENT, &m);
    CHECK(h.n_events == 1 && h.n_anomalies == 0);
    CHECK(has(&h, 0, "{\"rrname\":\"www.example.com\",\"rrtype\":\"A\",\"ttl\":1,\"rdata\":\"1.2.3.4\"},"
                     "{\"rrname\":\"www.example.com\",\"rrtype\":\"A\",\"ttl\":2,\"rdata\":\"5.6.7.8\"}"));
    h_free(&h);

    /* forward pointer: question name at 12 points to 20 (after itself) */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 8, 0x0100, 1, 0, 0, 0);
    putptr(&m, 20); put16(&m, 1); put16(&m, 1);
    putname(&m, "x");
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 0);
    CHECK(has_anomaly(&h, "INFINITE_LOOP"));
    h_free(&h);

    /* self loop: pointer at 12 pointing to 12 */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 9, 0x0100, 1, 0, 0, 0);
    putptr(&m, 12); put16(&m, 1); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 0);
    CHECK(has_anomaly(&h, "INFINITE_LOOP"));
    h_free(&h);

    /* mutual loop: question name at 12 is "a" + ptr(20) (12..15, type/class
     * 16..19); the answer owner at 20 is "b" + ptr(12). Each points at the
     * other, so following them would never end. */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 10, 0x8180, 1, 1, 0, 0);
    putlabels(&m, "a"); putptr(&m, 20); put16(&m, 1); put16(&m, 1); /* 12..19 */
    CHECK(m.n == 20);
    putlabels(&m, "b"); putptr(&m, 12); at = rr_begin(&m, 1, 1); put32(&m, 0); rr_end(&m, at);
    feed_udp(&h, GL_DIR_TOCLIENT, &m);
    CHECK(h.n_events == 0);
    CHECK(has_anomaly(&h, "INFINITE_LOOP"));
    h_free(&h);

    /* pointer past the end of the message */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 11, 0x0100, 1, 0, 0, 0);
    putptr(&m, 0x3fff); put16(&m, 1); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 0 && h.n_anomalies == 1);
    h_free(&h);
}

/* Name limits (RFC 1035 2.3.4): labels <= 63, names <= 255 octets. */
static void test_name_limits(void)
{
    harness h;
    mb m;
    char l63[64], l61[62], l62[63];
    memset(l63, 'a', 63); l63[63] = 0;
    memset(l61, 'b', 61); l61[61] = 0;
    memset(l62, 'c', 62); l62[62] = 0;

    /* 63+63+63+61 labels: wire = 3*(1+63) + (1+61) + 1 = 255 -> accepted */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 1, 0x0100, 1, 0, 0, 0);
    putlabels(&m, l63); putlabels(&m, l63); putlabels(&m, l63); putlabels(&m, l61); put8(&m, 0);
    put16(&m, 1); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 1 && h.n_anomalies == 0);
    /* text form: 63+1+63+1+63+1+61 = 253 characters */
    char expect[600];
    snprintf(expect, sizeof(expect), "\"rrname\":\"%s.%s.%s.%s\"", l63, l63, l63, l61);
    CHECK(has(&h, 0, expect));
    h_free(&h);

    /* 63+63+63+62: wire = 3*64 + 63 + 1 = 256 -> NAME_TOO_LONG; the message
     * is still logged (so a long name cannot hide it) with the labels that
     * fit (3*64 + 1 = 193 octets: l63.l63.l63) and a truncation flag */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 1, 0x0100, 1, 0, 0, 0);
    putlabels(&m, l63); putlabels(&m, l63); putlabels(&m, l63); putlabels(&m, l62); put8(&m, 0);
    put16(&m, 28); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 1);
    CHECK(has_anomaly(&h, "NAME_TOO_LONG"));
    snprintf(expect, sizeof(expect), "\"queries\":[{\"rrname\":\"%s.%s.%s\",\"rrname_truncated\":true,"
             "\"rrtype\":\"AAAA\"}]", l63, l63, l63);
    CHECK(has(&h, 0, expect));
    h_free(&h);

    /* too long only through compression: owner "x"*63 x3 + ptr to a 62-byte
     * label name earlier in the message -> 3*64 + 63 + 1 = 256 */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 1, 0x8180, 1, 1, 0, 0);
    putname(&m, l62); put16(&m, 1); put16(&m, 1); /* name at 12 */
    putlabels(&m, l63); putlabels(&m, l63); putlabels(&m, l63); putptr(&m, 12);
    size_t at = rr_begin(&m, 1, 1); put32(&m, 0); rr_end(&m, at);
    feed_udp(&h, GL_DIR_TOCLIENT, &m);
    CHECK(h.n_events == 1);
    CHECK(has_anomaly(&h, "NAME_TOO_LONG"));
    snprintf(expect, sizeof(expect), "\"answers\":[{\"rrname\":\"%s.%s.%s\",\"rrname_truncated\":true,"
             "\"rrtype\":\"A\",\"ttl\":1,\"rdata\":\"0.0.0.0\"}]", l63, l63, l63);
    CHECK(has(&h, 0, expect));
    h_free(&h);

    /* a long name does not break the framing: the next question is intact
     * (over-long inline name of 5 labels of 63, then "ok.example") */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 1, 0x0100, 2, 0, 0, 0);
    for (int i = 0; i < 5; i++)
        putlabels(&m, l63);
    put8(&m, 0); put16(&m, 1); put16(&m, 1);
    putname(&m, "ok.example"); put16(&m, 16); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 1 && h.n_anomalies == 1);
    CHECK(has(&h, 0, "\"rrname_truncated\":true,\"rrtype\":\"A\"},{\"rrname\":\"ok.example\",\"rrtype\":\"TXT\"}]"));
    h_free(&h);

    /* label length 64 (0x40) is a reserved label type, not a long label */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 1, 0x0100, 1, 0, 0, 0);
    put8(&m, 64); for (int i = 0; i < 64; i++) put8(&m, 'd'); put8(&m, 0);
    put16(&m, 1); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 0);
    CHECK(has_anomaly(&h, "MALFORMED_DATA"));
    h_free(&h);

    /* root name is logged as an empty string */
    h_init(&h, &gl_parser_dns, 17);
    header(&m, 1, 0x0100, 1, 0, 0, 0);
    put8(&m, 0); put16(&m, 2); put16(&m, 1);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(has(&h, 0, "\"queries\":[{\"rrname\":\"\",\"rrtype\":\"NS\"}]"));
    h_free(&h);
}

/* Every proper prefix of a valid message is malformed: no event, one anomaly. */
static void test_truncated_every_byte(void)
{
    mb m;
    build_all_types(&m);
    int bad = 0;
    for (size_t k = 0; k < m.n; k++) {
        harness h;
        h_init(&h, &gl_parser_dns, 17);
        h_feed(&h, GL_DIR_TOCLIENT, m.b, k);
        if (h.n_events != 0 || h.n_anomalies != 1)
            bad++;
        h_free(&h);
    }
    CHECK(bad == 0);
    /* the same truncations framed for TCP (length prefix says the full size)
     * produce nothing at all: the parser is waiting for the rest */
    bad = 0;
    for (size_t k = 0; k < m.n; k++) {
        harness h;
        uint8_t buf[4100];
        buf[0] = (uint8_t)(m.n >> 8);
        buf[1] = (uint8_t)m.n;
        memcpy(buf + 2, m.b, k);
        h_init(&h, &gl_parser_dns, 6);
        h_feed(&h, GL_DIR_TOCLIENT, buf, k + 2);
        h_end(&h);
        if (h.n_events != 0 || h.n_anomalies != 0)
            bad++;
        h_free(&h);
    }
    CHECK(bad == 0);
}

/* TCP stream: query and response, split at every byte boundary, and fed one
 * byte at a time; output must equal the unsplit output. */
static void tcp_frame(mb *out, const mb *msg)
{
    put16(out, (unsigned)msg->n);
    putbytes(out, msg->b, msg->n);
}

static void test_tcp_splits(void)
{
    mb q, r, sq = { .n = 0 }, sr = { .n = 0 };
    build_query(&q, 0x1234);
    build_all_types(&r);
    tcp_frame(&sq, &q);
    tcp_frame(&sr, &r);

    harness ref;
    h_init(&ref, &gl_parser_dns, 6);
    CHECK(h_feed(&ref, GL_DIR_TOSERVER, sq.b, sq.n) == GL_APP_OK);
    CHECK(h_feed(&ref, GL_DIR_TOCLIENT, sr.b, sr.n) == GL_APP_OK);
    CHECK(ref.n_events == 2 && ref.n_anomalies == 0);
    CHECK(has(&ref, 0, "\"type\":\"request\",\"tx_id\":0,\"id\":4660"));
    CHECK(has(&ref, 1, "\"type\":\"response\",\"tx_id\":1,\"id\":48879"));

    int bad = 0;
    for (size_t s = 0; s <= sr.n; s++) {
        harness h;
        h_init(&h, &gl_parser_dns, 6);
        size_t sq_split = s < sq.n ? s : sq.n;
        h_feed(&h, GL_DIR_TOSERVER, sq.b, sq_split);
        h_feed(&h, GL_DIR_TOSERVER, sq.b + sq_split, sq.n - sq_split);
        h_feed(&h, GL_DIR_TOCLIENT, sr.b, s);
        h_feed(&h, GL_DIR_TOCLIENT, sr.b + s, sr.n - s);
        if (h.n_events != 2 || h.n_anomalies != 0 || strcmp(ev(&h, 0), ev(&ref, 0)) ||
            strcmp(ev(&h, 1), ev(&ref, 1)))
            bad++;
        h_free(&h);
    }
    CHECK(bad == 0);

    harness h;
    h_init(&h, &gl_parser_dns, 6);
    h_feed_split(&h, GL_DIR_TOSERVER, sq.b, sq.n, 1);
    h_feed_split(&h, GL_DIR_TOCLIENT, sr.b, sr.n, 1);
    CHECK(h.n_events == 2 && !strcmp(ev(&h, 0), ev(&ref, 0)) && !strcmp(ev(&h, 1), ev(&ref, 1)));
    h_free(&h);
    h_free(&ref);
}

static void test_tcp_two_in_one_chunk(void)
{
    mb q1, q2, s = { .n = 0 };
    build_query(&q1, 1);
    build_query(&q2, 2);
    tcp_frame(&s, &q1);
    tcp_frame(&s, &q2);
    tcp_frame(&s, &q1); /* and half of a third one */
    harness h;
    h_init(&h, &gl_parser_dns, 6);
    h_feed(&h, GL_DIR_TOSERVER, s.b, s.n - 10);
    CHECK(h.n_events == 2);
    CHECK(has(&h, 0, "\"tx_id\":0,\"id\":1,"));
    CHECK(has(&h, 1, "\"tx_id\":1,\"id\":2,"));
    h_feed(&h, GL_DIR_TOSERVER, s.b + s.n - 10, 10);
    CHECK(h.n_events == 3);
    CHECK(has(&h, 2, "\"tx_id\":2,\"id\":1,"));
    h_free(&h);
}

/* Gap in the to-server direction (like suricata-verify dns-tcp-ts-gap):
 * the message cut by the gap is lost, the next whole one is parsed. */
static void test_tcp_gap(void)
{
    mb q1, q2, q3, s1 = { .n = 0 }, s3 = { .n = 0 };
    build_query(&q1, 1);
    build_query(&q2, 2);
    build_query(&q3, 3);
    tcp_frame(&s1, &q1);
    tcp_frame(&s3, &q3);
    harness h;
    h_init(&h, &gl_parser_dns, 6);
    h_feed(&h, GL_DIR_TOSERVER, s1.b, s1.n);
    gl_parser_dns.gap(&h.ctx, h.state, GL_DIR_TOSERVER, (uint32_t)q2.n + 2);
    h_feed(&h, GL_DIR_TOSERVER, s3.b, s3.n);
    CHECK(h.n_events == 2);
    CHECK(has(&h, 0, "\"id\":1,"));
    CHECK(has(&h, 1, "\"id\":3,"));
    /* gap in the middle of a message: the tail that follows is skipped */
    gl_parser_dns.gap(&h.ctx, h.state, GL_DIR_TOSERVER, 5);
    h_feed(&h, GL_DIR_TOSERVER, q2.b + 5, q2.n - 5);
    h_feed(&h, GL_DIR_TOSERVER, s1.b, s1.n);
    CHECK(h.n_events == 3);
    CHECK(has(&h, 2, "\"id\":1,"));
    h_free(&h);
}

/* A TCP peer that keeps sending garbage is given up on. */
static void test_tcp_garbage(void)
{
    uint8_t junk[14 * 4];
    for (int i = 0; i < 4; i++) {
        junk[i * 14] = 0;
        junk[i * 14 + 1] = 12;
        memset(junk + i * 14 + 2, 0xff, 12); /* header only, but claims 65535 questions */
    }
    harness h;
    h_init(&h, &gl_parser_dns, 6);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, junk, sizeof(junk)) == GL_APP_ERROR);
    CHECK(h.n_events == 0 && h.n_anomalies == 4);
    h_free(&h);
}

static void test_direction_mismatch(void)
{
    harness h;
    mb m;
    h_init(&h, &gl_parser_dns, 17);
    build_nxdomain(&m);
    feed_udp(&h, GL_DIR_TOSERVER, &m);
    CHECK(h.n_events == 1 && has(&h, 0, "\"type\":\"response\""));
    CHECK(has_anomaly(&h, "NOT_A_REQUEST"));
    h_free(&h);
}

static void test_probe(void)
{
    mb q, r, t = { .n = 0 };
    build_query(&q, 0x1234);
    build_all_types(&r);
    tcp_frame(&t, &q);
    CHECK(gl_parser_dns.probe(q.b, (uint32_t)q.n, GL_DIR_TOSERVER) == GL_PROBE_YES);
    CHECK(gl_parser_dns.probe(r.b, (uint32_t)r.n, GL_DIR_TOCLIENT) == GL_PROBE_YES);
    CHECK(gl_parser_dns.probe(t.b, (uint32_t)t.n, GL_DIR_TOSERVER) == GL_PROBE_YES);
    /* TCP prefix with only part of the question: need more */
    CHECK(gl_parser_dns.probe(t.b, 16, GL_DIR_TOSERVER) == GL_PROBE_MORE);
    CHECK(gl_parser_dns.probe(t.b, 1, GL_DIR_TOSERVER) == GL_PROBE_MORE);
    static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    CHECK(gl_parser_dns.probe((const uint8_t *)http, sizeof(http) - 1, GL_DIR_TOSERVER) == GL_PROBE_NO);
    static const char ssh[] = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n";
    CHECK(gl_parser_dns.probe((const uint8_t *)ssh, sizeof(ssh) - 1, GL_DIR_TOCLIENT) == GL_PROBE_NO);
    /* TLS ClientHello record start */
    static const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03,
                                   0x03, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99 };
    CHECK(gl_parser_dns.probe(tls, sizeof(tls), GL_DIR_TOSERVER) == GL_PROBE_NO);
    /* a BER SEQUENCE (SNMP-like): 30 40 02 01 03 30 ... -> flags 0x0201 has an
     * rcode in a query, and 0x0330 questions cannot fit */
    static const uint8_t ber[] = { 0x30, 0x40, 0x02, 0x01, 0x03, 0x30, 0x0f, 0x02, 0x03, 0x00,
                                   0x91, 0xc8, 0x02, 0x02, 0x05, 0xdc, 0x04, 0x01, 0x04, 0x02 };
    CHECK(gl_parser_dns.probe(ber, sizeof(ber), GL_DIR_TOSERVER) == GL_PROBE_NO);
    /* query with a pointer loop is not DNS-looking */
    mb bad;
    header(&bad, 1, 0x0100, 1, 0, 0, 0);
    putptr(&bad, 12); put16(&bad, 1); put16(&bad, 1);
    CHECK(gl_parser_dns.probe(bad.b, (uint32_t)bad.n, GL_DIR_TOSERVER) == GL_PROBE_NO);
    CHECK(gl_parser_dns.ipprotos == (GL_APP_TCP | GL_APP_UDP));
    CHECK(gl_parser_dns.ports[0] == 53 && gl_parser_dns.ports[1] == 5353);
}

int main(void)
{
    test_query();
    test_all_types();
    test_nxdomain_soa();
    test_opt_with_option_and_rcodes();
    test_compression();
    test_name_limits();
    test_truncated_every_byte();
    test_tcp_splits();
    test_tcp_two_in_one_chunk();
    test_tcp_gap();
    test_tcp_garbage();
    test_direction_mismatch();
    test_probe();
    return h_report("test-dns");
}
