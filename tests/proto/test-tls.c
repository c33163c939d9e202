/*
 * test-tls.c — TLS parser unit tests on hand-built handshakes. Expected
 * JA3/JA3S/JA4 strings are derived by hand in comments next to each check;
 * only the final md5/sha256 step is done by OpenSSL. Two JA4 vectors come
 * from suricata-verify expectations (bug-5713-02-ja4, ja4-tls), rebuilt
 * from the cipher/extension lists tshark shows for those pcaps.
 */
#include "harness.h"
#include "test-tls-build.h"

#include <stdio.h>

static const uint8_t ext_sni[] = { 0x00, 0x0e, 0x00, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
                                   '.', 'c', 'o', 'm' };
static const uint8_t ext_groups[] = { 0x00, 0x06, 0x2a, 0x2a, 0x00, 0x1d, 0x00, 0x17 };
static const uint8_t ext_pf[] = { 0x01, 0x00 };
static const uint8_t ext_sigalgs[] = { 0x00, 0x04, 0x04, 0x03, 0x08, 0x04 };
static const uint8_t ext_alpn[] = { 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1',
                                    '.', '1' };
static const uint8_t ext_versions[] = { 0x06, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03 };
static const uint8_t ext_empty[] = { 0 };

/* A Chrome-like TLS 1.3 ClientHello with GREASE in ciphers, extensions,
 * groups and versions. */
static void build_ch13(tbuf *rec, const uint8_t *sid, uint8_t sid_len)
{
    static const uint16_t ciphers[] = { 0x0a0a, 0x1301, 0xc02b, 0x002f };
    uint8_t ks[38] = { 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20 };
    text exts[] = {
        { 0x1a1a, ext_empty, 0 },
        { 0, ext_sni, sizeof(ext_sni) },
        { 10, ext_groups, sizeof(ext_groups) },
        { 11, ext_pf, sizeof(ext_pf) },
        { 13, ext_sigalgs, sizeof(ext_sigalgs) },
        { 16, ext_alpn, sizeof(ext_alpn) },
        { 43, ext_versions, sizeof(ext_versions) },
        { 51, ks, sizeof(ks) },
        { 35, ext_empty, 0 },
    };
    tbuf body = { .n = 0 };
    t_client_hello(&body, 0x0303, sid, sid_len, ciphers, 4, exts, GL_ARRAY_LEN(exts));
    t_record_hs(rec, 1, &body);
}

static void build_sh13(tbuf *rec)
{
    static const uint8_t sv[] = { 0x03, 0x04 };
    uint8_t ks[36] = { 0x00, 0x1d, 0x00, 0x20 };
    text exts[] = { { 43, sv, 2 }, { 51, ks, sizeof(ks) } };
    tbuf body = { .n = 0 };
    t_server_hello(&body, 0x0303, NULL, 0, 0x1301, exts, 2);
    t_record_hs(rec, 2, &body);
}

static void expect_fp(const harness *h, const char *key, const char *str)
{
    char md5[33], needle[1024];
    t_digest(EVP_md5(), str, md5, 32);
    snprintf(needle, sizeof(needle), "\"%s\":{\"hash\":\"%s\",\"string\":\"%s\"}", key, md5, str);
    CHECK(h_find(h, needle) >= 0);
    if (h_find(h, needle) < 0)
        fprintf(stderr, "  wanted %s\n  in %s\n", needle, h->n_events ? h->events[0] : "(none)");
}

static void expect_ja4(const harness *h, const char *a, const char *b_raw, const char *c_raw)
{
    char hb[13], hc[13], needle[128];
    t_digest(EVP_sha256(), b_raw, hb, 12);
    t_digest(EVP_sha256(), c_raw, hc, 12);
    snprintf(needle, sizeof(needle), "\"ja4\":\"%s_%s_%s\"", a, hb, hc);
    CHECK(h_find(h, needle) >= 0);
    if (h_find(h, needle) < 0)
        fprintf(stderr, "  wanted %s\n  in %s\n", needle, h->n_events ? h->events[0] : "(none)");
}

static void test_probe(void)
{
    tbuf ch = { .n = 0 }, sh = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    build_sh13(&sh);
    const gl_app_parser *p = &gl_parser_tls;
    CHECK(p->probe(ch.b, (uint32_t)ch.n, GL_DIR_TOSERVER) == GL_PROBE_YES);
    CHECK(p->probe(ch.b, 3, GL_DIR_TOSERVER) == GL_PROBE_MORE);
    CHECK(p->probe(ch.b, 0, GL_DIR_TOSERVER) == GL_PROBE_MORE);
    CHECK(p->probe(sh.b, (uint32_t)sh.n, GL_DIR_TOCLIENT) == GL_PROBE_YES);
    /* flow stage saw the server first (midstream): the probe says so, and the
     * flow stage swaps the sides (the parser also copes if it cannot) */
    CHECK(p->probe(sh.b, (uint32_t)sh.n, GL_DIR_TOSERVER) == GL_PROBE_REVERSE);
    CHECK(p->probe(ch.b, (uint32_t)ch.n, GL_DIR_TOCLIENT) == GL_PROBE_REVERSE);
    CHECK(p->probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, GL_DIR_TOSERVER) == GL_PROBE_NO);
    CHECK(p->probe((const uint8_t *)"SSH-2.0-x", 9, GL_DIR_TOSERVER) == GL_PROBE_NO);
    /* SSLv2-compatible hello: len 0x2e, CLIENT-HELLO, version 3.1 */
    static const uint8_t v2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15 };
    CHECK(p->probe(v2, sizeof(v2), GL_DIR_TOSERVER) == GL_PROBE_YES);
    CHECK(p->probe(v2, 2, GL_DIR_TOSERVER) == GL_PROBE_MORE);
}

/* TLS 1.3 session; the event is due right after ServerHello. */
static void test_tls13_fingerprints(void)
{
    harness h;
    tbuf ch = { .n = 0 }, sh = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    build_sh13(&sh);
    h_init(&h, &gl_parser_tls, 6);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n) == GL_APP_OK);
    CHECK(h.n_events == 0);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, sh.b, sh.n) == GL_APP_OK);
    CHECK(h.n_events == 1);
    CHECK(h_find(&h, "\"version\":\"TLS 1.3\"") >= 0);
    CHECK(h_find(&h, "\"sni\":\"example.com\"") >= 0);
    CHECK(h_find(&h, "\"client_alpns\":[\"h2\",\"http/1.1\"]") >= 0);
    /* JA3: legacy version 0x0303=771; ciphers minus GREASE 0x0a0a: 0x1301=4865,
     * 0xc02b=49195, 0x002f=47; extensions in wire order minus GREASE 0x1a1a:
     * 0,10,11,13,16,43,51,35; groups minus 0x2a2a: 0x1d=29, 0x17=23; point formats 0 */
    expect_fp(&h, "ja3", "771,4865-49195-47,0-10-11-13-16-43-51-35,29-23,0");
    /* JA3S: 771, cipher 0x1301=4865, extensions 43,51 */
    expect_fp(&h, "ja3s", "771,4865,43-51");
    /* JA4 a: t, highest supported_version 0x0304 -> "13", SNI -> d, 3 ciphers,
     * 8 extensions (GREASE excluded, SNI/ALPN included), ALPN "h2" -> h2.
     * b: sorted cipher hex. c: sorted exts without 0000/0010, '_', sigalgs in order. */
    expect_ja4(&h, "t13d0308h2", "002f,1301,c02b", "000a,000b,000d,0023,002b,0033_0403,0804");
    CHECK(h_find(&h, "\"client_handshake\":{\"version\":\"TLS 1.2\",\"ciphers\":[4865,49195,47],"
                     "\"exts\":[0,10,11,13,16,43,51,35],\"sig_algs\":[1027,2052]}") >= 0);
    CHECK(h_find(&h, "\"server_handshake\":{\"version\":\"TLS 1.2\",\"cipher\":4865,\"exts\":[43,51]}") >= 0);
    CHECK(h_find(&h, "\"key_share_groups\":[29]") >= 0);
    CHECK(h_find(&h, "\"supported_versions\":[772,771]") >= 0);
    CHECK(h_find(&h, "\"grease\":true") >= 0);
    CHECK(h_find(&h, "\"grease_values\":4") >= 0);
    CHECK(h_find(&h, "session_resumed") < 0);
    /* dummy CCS + encrypted records both ways -> done, no second event */
    static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
    static const uint8_t app[] = { 0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb };
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, ccs, sizeof(ccs)) == GL_APP_OK);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, app, sizeof(app)) == GL_APP_OK);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, ccs, sizeof(ccs)) == GL_APP_OK);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, app, sizeof(app)) == GL_APP_DONE);
    h_end(&h);
    CHECK(h.n_events == 1);
    CHECK(h.n_anomalies == 0);
    h_free(&h);
}

/* The same transcript cut into every chunk size gives the same event. */
static void test_chunking(void)
{
    harness ref;
    tbuf ch = { .n = 0 }, sh = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    build_sh13(&sh);
    h_init(&ref, &gl_parser_tls, 6);
    h_feed(&ref, GL_DIR_TOSERVER, ch.b, ch.n);
    h_feed(&ref, GL_DIR_TOCLIENT, sh.b, sh.n);
    CHECK(ref.n_events == 1);
    for (size_t step = 1; step <= 40; step++) {
        harness h;
        h_init(&h, &gl_parser_tls, 6);
        h_feed_split(&h, GL_DIR_TOSERVER, ch.b, ch.n, step);
        h_feed_split(&h, GL_DIR_TOCLIENT, sh.b, sh.n, step);
        CHECK(h.n_events == 1 && ref.n_events == 1 && strcmp(h.events[0], ref.events[0]) == 0);
        h_free(&h);
    }
    h_free(&ref);
}

/* ClientHello split over three records, with the record boundaries falling
 * inside the handshake header and inside the cipher list. */
static void test_hello_across_records(void)
{
    tbuf ch = { .n = 0 }, frag = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    const uint8_t *hs = ch.b + 5;
    size_t hs_len = ch.n - 5;
    size_t cuts[] = { 0, 2, 45, hs_len };
    for (int i = 0; i < 3; i++)
        t_record(&frag, 22, hs + cuts[i], cuts[i + 1] - cuts[i]);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, frag.b, frag.n) == GL_APP_OK);
    h_end(&h);
    CHECK(h.n_events == 1);
    expect_fp(&h, "ja3", "771,4865-49195-47,0-10-11-13-16-43-51-35,29-23,0");
    /* no ServerHello: version is the client's */
    CHECK(h_find(&h, "\"version\":\"TLS 1.2\"") >= 0);
    CHECK(h_find(&h, "ja3s") < 0);
    h_free(&h);
}

/* Suricata-verify bug-5713-02-ja4 expects t10i070600_c50f5591e341_ce66f3b797c1
 * for a TLSv1 ClientHello whose JA3 (per tshark) is
 * 769,49162-49161-49172-49171-53-47-10,5-10-11-35-23-65281,29-23-24,0 and
 * that carries no signature_algorithms (so c hashes "...,ff01_"). */
static void test_suricata_ja4_tls10(void)
{
    static const uint16_t ciphers[] = { 49162, 49161, 49172, 49171, 53, 47, 10 };
    static const uint8_t status[] = { 1, 0, 0, 0, 0 };
    static const uint8_t groups[] = { 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18 };
    static const uint8_t reneg[] = { 0 };
    text exts[] = { { 5, status, 5 }, { 10, groups, 8 }, { 11, ext_pf, 2 },
                    { 35, ext_empty, 0 }, { 23, ext_empty, 0 }, { 65281, reneg, 1 } };
    tbuf body = { .n = 0 }, rec = { .n = 0 };
    t_client_hello(&body, 0x0301, NULL, 0, ciphers, 7, exts, 6);
    t_record_hs(&rec, 1, &body);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    h_feed(&h, GL_DIR_TOSERVER, rec.b, rec.n);
    h_end(&h);
    CHECK(h_find(&h, "\"ja4\":\"t10i070600_c50f5591e341_ce66f3b797c1\"") >= 0);
    CHECK(h_find(&h, "\"version\":\"TLSv1\"") >= 0); /* Suricata's name, bug-5713-01 */
    expect_fp(&h, "ja3", "769,49162-49161-49172-49171-53-47-10,5-10-11-35-23-65281,29-23-24,0");
    h_free(&h);
}

/* Suricata-verify ja4-tls expects t12i1810s1_27d4652c4487_06a4338d0495; tshark
 * shows 18 ciphers, 10 extensions, ALPN spdy/3.1,http/1.1 and the
 * signature algorithms 0401,0501,0201,0403,0503,0203,0402,0202. */
static void test_suricata_ja4_tls12(void)
{
    static const uint16_t ciphers[] = { 49195, 49199, 158, 49162, 49161, 49171, 49172, 49159, 49169,
                                        51, 50, 57, 156, 47, 53, 10, 5, 4 };
    static const uint8_t groups[] = { 0x00, 0x06, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19 };
    static const uint8_t reneg[] = { 0 };
    static const uint8_t alpn[] = { 0x00, 0x12, 8, 's', 'p', 'd', 'y', '/', '3', '.', '1',
                                    8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    static const uint8_t status[] = { 1, 0, 0, 0, 0 };
    static const uint8_t sig[] = { 0x00, 0x10, 4, 1, 5, 1, 2, 1, 4, 3, 5, 3, 2, 3, 4, 2, 2, 2 };
    text exts[] = { { 65281, reneg, 1 }, { 10, groups, 8 },      { 11, ext_pf, 2 },
                    { 35, ext_empty, 0 }, { 13172, ext_empty, 0 }, { 16, alpn, sizeof(alpn) },
                    { 30032, ext_empty, 0 }, { 5, status, 5 },     { 18, ext_empty, 0 },
                    { 13, sig, sizeof(sig) } };
    tbuf body = { .n = 0 }, rec = { .n = 0 };
    t_client_hello(&body, 0x0303, NULL, 0, ciphers, 18, exts, 10);
    t_record_hs(&rec, 1, &body);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    h_feed_split(&h, GL_DIR_TOSERVER, rec.b, rec.n, 3);
    h_end(&h);
    CHECK(h_find(&h, "\"ja4\":\"t12i1810s1_27d4652c4487_06a4338d0495\"") >= 0);
    CHECK(h_find(&h, "\"client_alpns\":[\"spdy/3.1\",\"http/1.1\"]") >= 0);
    CHECK(h.n_anomalies == 0);
    h_free(&h);
}

/* TLS 1.2 full handshake: SH + Certificate + ServerHelloDone in ONE record;
 * the certificate list holds two non-X.509 blobs. */
static void test_tls12_full(void)
{
    static const uint16_t ciphers[] = { 0xc02f, 0x009c };
    text cexts[] = { { 0, ext_sni, sizeof(ext_sni) } };
    static const uint8_t reneg[] = { 0 };
    static const uint8_t salpn[] = { 0x00, 0x03, 0x02, 'h', '2' };
    text sexts[] = { { 65281, reneg, 1 }, { 11, ext_pf, 2 }, { 35, ext_empty, 0 },
                     { 16, salpn, sizeof(salpn) } };
    tbuf chb = { .n = 0 }, ch = { .n = 0 }, shb = { .n = 0 }, flight = { .n = 0 };
    t_client_hello(&chb, 0x0303, NULL, 0, ciphers, 2, cexts, 1);
    t_record_hs(&ch, 1, &chb);
    t_server_hello(&shb, 0x0303, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32, 0xc02f,
                   sexts, 4);
    /* one record: SH, Certificate(2 bogus certs), ServerHelloDone */
    t8(&flight, 22);
    t16(&flight, 0x0303);
    size_t rl = flight.n;
    t16(&flight, 0);
    t8(&flight, 2);
    t24(&flight, (uint32_t)shb.n);
    tbytes(&flight, shb.b, shb.n);
    t8(&flight, 11);
    size_t ml = flight.n;
    t24(&flight, 0);
    size_t cl = flight.n;
    t24(&flight, 0);
    t24(&flight, 3);
    tstr(&flight, "abc");
    t24(&flight, 2);
    tstr(&flight, "de");
    tpatch(&flight, cl, 3);
    tpatch(&flight, ml, 3);
    t8(&flight, 14);
    t24(&flight, 0);
    tpatch(&flight, rl, 2);

    harness h;
    h_init(&h, &gl_parser_tls, 6);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n) == GL_APP_OK);
    CHECK(h_feed_split(&h, GL_DIR_TOCLIENT, flight.b, flight.n, 7) == GL_APP_OK);
    CHECK(h.n_events == 1); /* written at ServerHelloDone */
    CHECK(h_find(&h, "\"version\":\"TLS 1.2\"") >= 0);
    expect_fp(&h, "ja3", "771,49199-156,0,,");
    expect_fp(&h, "ja3s", "771,49199,65281-11-35-16");
    CHECK(h_find(&h, "\"server_alpns\":[\"h2\"]") >= 0);
    CHECK(h_find(&h, "\"chain_length\":2") >= 0);
    CHECK(h_find(&h, "\"subject\"") < 0);
    CHECK(h.n_anomalies == 1 && strcmp(h.anomalies[0], "INVALID_CERTIFICATE") == 0);
    /* t12: no supported_versions; d: SNI; 2 ciphers; 1 extension; no ALPN -> 00;
     * c: no extensions left after dropping SNI -> "_" only... but the count of
     * extensions is 1, so c = sha256("_") */
    expect_ja4(&h, "t12d020100", "009c,c02f", "_");
    static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
    static const uint8_t fin[] = { 0x16, 0x03, 0x03, 0x00, 0x04, 0x9a, 0x8b, 0x7c, 0x6d };
    CHECK(h_feed(&h, GL_DIR_TOSERVER, ccs, sizeof(ccs)) == GL_APP_OK);
    CHECK(h_feed(&h, GL_DIR_TOSERVER, fin, sizeof(fin)) == GL_APP_OK); /* encrypted Finished */
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, ccs, sizeof(ccs)) == GL_APP_DONE);
    CHECK(h.n_events == 1);
    CHECK(h_find(&h, "session_resumed") < 0);
    h_end(&h);
    CHECK(h.n_events == 1);
    h_free(&h);
}

/* Abbreviated TLS 1.2 handshake: the server echoes the session id and goes
 * straight to ChangeCipherSpec. */
static void test_resumption_session_id(void)
{
    static const uint16_t ciphers[] = { 0xc02f };
    const uint8_t *sid = (const uint8_t *)"SESSIONIDSESSIONIDSESSIONIDSESSI";
    tbuf chb = { .n = 0 }, ch = { .n = 0 }, shb = { .n = 0 }, sh = { .n = 0 };
    t_client_hello(&chb, 0x0303, sid, 32, ciphers, 1, NULL, 0);
    t_record_hs(&ch, 1, &chb);
    t_server_hello(&shb, 0x0303, sid, 32, 0xc02f, NULL, 0);
    t_record_hs(&sh, 2, &shb);
    static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
    tbytes(&sh, ccs, sizeof(ccs));
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n);
    h_feed(&h, GL_DIR_TOCLIENT, sh.b, sh.n);
    CHECK(h.n_events == 1);
    CHECK(h_find(&h, "\"session_resumed\":true") >= 0);
    CHECK(h_find(&h, "\"resumption\":\"session_id\"") >= 0);
    /* no extensions at all: JA3 has empty trailing fields, JA4 c is zeros */
    expect_fp(&h, "ja3", "771,49199,,,");
    CHECK(h_find(&h, "_000000000000\"") >= 0);
    h_free(&h);
}

/* HelloRetryRequest, with the dummy CCS right after it: the real ServerHello
 * must still be parsed. */
static void test_hello_retry(void)
{
    static const uint8_t hrr_random[32] = {
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    };
    tbuf ch = { .n = 0 }, hrrb = { .n = 0 }, hrr = { .n = 0 }, sh = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    t16(&hrrb, 0x0303);
    tbytes(&hrrb, hrr_random, 32);
    t8(&hrrb, 0);
    t16(&hrrb, 0x1302);
    t8(&hrrb, 0);
    t16(&hrrb, 12);
    t16(&hrrb, 43); t16(&hrrb, 2); t16(&hrrb, 0x0304);
    t16(&hrrb, 51); t16(&hrrb, 2); t16(&hrrb, 0x0017);
    t_record_hs(&hrr, 2, &hrrb);
    static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
    tbytes(&hrr, ccs, sizeof(ccs));
    build_sh13(&sh);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n);
    h_feed(&h, GL_DIR_TOCLIENT, hrr.b, hrr.n);
    CHECK(h.n_events == 0);
    h_feed(&h, GL_DIR_TOSERVER, ccs, sizeof(ccs));
    h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n); /* second ClientHello */
    h_feed(&h, GL_DIR_TOCLIENT, sh.b, sh.n);
    CHECK(h.n_events == 1);
    CHECK(h_find(&h, "\"hello_retry\":true") >= 0);
    CHECK(h_find(&h, "\"cipher\":4865") >= 0); /* from the real ServerHello */
    h_free(&h);
}

/* A certificate message larger than the 64 KiB buffer is skipped with an
 * anomaly; the ServerHelloDone after it is still seen. */
static void test_oversized_certificate(void)
{
    static tbuf flight;
    tbuf ch = { .n = 0 }, shb = { .n = 0 }, sh = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    t_server_hello(&shb, 0x0303, NULL, 0, 0xc02f, NULL, 0);
    t_record_hs(&sh, 2, &shb);
    /* handshake stream: Certificate of 70000 bytes + ServerHelloDone, cut in
     * records of 16000 bytes */
    static uint8_t hs[70000 + 8];
    memset(hs, 0x41, sizeof(hs));
    hs[0] = 11;
    hs[1] = (70000 >> 16) & 0xff;
    hs[2] = (70000 >> 8) & 0xff;
    hs[3] = 70000 & 0xff;
    hs[70004] = 14;
    hs[70005] = hs[70006] = hs[70007] = 0;
    flight.n = 0;
    for (size_t off = 0; off < sizeof(hs); off += 16000) {
        size_t n = sizeof(hs) - off < 16000 ? sizeof(hs) - off : 16000;
        t_record(&flight, 22, hs + off, n);
    }
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n);
    h_feed(&h, GL_DIR_TOCLIENT, sh.b, sh.n);
    CHECK(h_feed_split(&h, GL_DIR_TOCLIENT, flight.b, flight.n, 1000) == GL_APP_OK);
    CHECK(h.n_events == 1);
    CHECK(h.n_anomalies == 1 && strcmp(h.anomalies[0], "HANDSHAKE_INVALID_LENGTH") == 0);
    CHECK(h_find(&h, "\"cert_valid_der\":false") >= 0);
    h_free(&h);
}

/* Capture started mid-handshake: the flow's "client" is the TLS server. */
static void test_reversed_flow(void)
{
    tbuf ch = { .n = 0 }, sh = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    build_sh13(&sh);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    h_feed(&h, GL_DIR_TOCLIENT, ch.b, ch.n);
    h_feed(&h, GL_DIR_TOSERVER, sh.b, sh.n);
    h_end(&h);
    CHECK(h.n_events == 1);
    expect_fp(&h, "ja3", "771,4865-49195-47,0-10-11-13-16-43-51-35,29-23,0");
    expect_fp(&h, "ja3s", "771,4865,43-51");
    CHECK(h_find(&h, "\"version\":\"TLS 1.3\"") >= 0);
    h_free(&h);
}

static void test_sslv2(void)
{
    /* v2 CLIENT-HELLO, version 0x0002, 2 cipher specs, no session id,
     * 16-byte challenge; then the server answers in SSLv2 too */
    tbuf r = { .n = 0 };
    t8(&r, 0x80);
    t8(&r, 0);
    t8(&r, 1);
    t16(&r, 0x0002);
    t16(&r, 6);
    t16(&r, 0);
    t16(&r, 16);
    static const uint8_t specs[] = { 0x01, 0x00, 0x80, 0x07, 0x00, 0xc0 };
    tbytes(&r, specs, 6);
    for (int i = 0; i < 16; i++)
        t8(&r, (uint8_t)i);
    r.b[1] = (uint8_t)(r.n - 2);
    static const uint8_t srv[] = { 0x80, 0x05, 0x04, 0x00, 0x01, 0x00, 0x02 };
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    CHECK(gl_parser_tls.probe(r.b, (uint32_t)r.n, GL_DIR_TOSERVER) == GL_PROBE_YES);
    CHECK(h_feed_split(&h, GL_DIR_TOSERVER, r.b, r.n, 2) == GL_APP_OK);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, srv, sizeof(srv)) == GL_APP_DONE);
    CHECK(h.n_events == 1);
    CHECK(h_find(&h, "\"version\":\"SSLv2\"") >= 0);
    CHECK(h_find(&h, "\"sslv2_hello\":true") >= 0);
    CHECK(h_find(&h, "ja3") < 0);
    h_free(&h);
}

static void test_gap_and_errors(void)
{
    tbuf ch = { .n = 0 };
    build_ch13(&ch, NULL, 0);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n);
    gl_parser_tls.gap(&h.ctx, h.state, GL_DIR_TOCLIENT, 1000);
    CHECK(h.n_events == 1);
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, "xyz", 3) == GL_APP_DONE);
    h_end(&h);
    CHECK(h.n_events == 1);
    h_free(&h);

    /* invalid record type after a valid hello: error, event still written */
    h_init(&h, &gl_parser_tls, 6);
    h_feed(&h, GL_DIR_TOSERVER, ch.b, ch.n);
    static const uint8_t bad[] = { 0x63, 0x03, 0x03, 0x00, 0x01, 0x00 };
    CHECK(h_feed(&h, GL_DIR_TOCLIENT, bad, sizeof(bad)) == GL_APP_ERROR);
    CHECK(h.n_events == 1);
    CHECK(h.n_anomalies == 1 && strcmp(h.anomalies[0], "INVALID_RECORD_TYPE") == 0);
    h_free(&h);

    /* every truncation of the hello, then flow end */
    for (size_t cut = 0; cut < ch.n; cut++) {
        h_init(&h, &gl_parser_tls, 6);
        h_feed(&h, GL_DIR_TOSERVER, ch.b, cut);
        h_end(&h);
        CHECK(h.n_events == 0);
        h_free(&h);
    }
    /* the hello body truncated inside its own (consistent) lengths */
    for (size_t cut = 4; cut < ch.n - 5; cut++) {
        tbuf t = { .n = 0 };
        t8(&t, 22);
        t16(&t, 0x0301);
        t16(&t, (uint16_t)cut);
        tbytes(&t, ch.b + 5, cut);
        t.b[6] = 0;
        t.b[7] = (uint8_t)((cut - 4) >> 8);
        t.b[8] = (uint8_t)(cut - 4);
        h_init(&h, &gl_parser_tls, 6);
        h_feed(&h, GL_DIR_TOSERVER, t.b, t.n);
        h_end(&h);
        CHECK(h.n_events == 1);
        h_free(&h);
    }
    /* pseudo-random garbage after a valid record header */
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        uint8_t g[600];
        memcpy(g, ch.b, 5);
        for (size_t i = 5; i < sizeof(g); i++) {
            x = x * 1103515245u + 12345u;
            g[i] = (uint8_t)(x >> 16);
        }
        h_init(&h, &gl_parser_tls, 6);
        h_feed_split(&h, GL_DIR_TOSERVER, g, sizeof(g), 1 + round % 13);
        h_feed_split(&h, GL_DIR_TOCLIENT, g, sizeof(g), 1 + round % 7);
        h_end(&h);
        h_free(&h);
    }
    CHECK(1);
}

int main(void)
{
    test_probe();
    test_tls13_fingerprints();
    test_chunking();
    test_hello_across_records();
    test_suricata_ja4_tls10();
    test_suricata_ja4_tls12();
    test_tls12_full();
    test_resumption_session_id();
    test_hello_retry();
    test_oversized_certificate();
    test_reversed_flow();
    test_sslv2();
    test_gap_and_errors();
    return h_report("test-tls");
}
