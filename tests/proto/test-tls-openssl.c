/*
 * test-tls-openssl.c — real TLS 1.2 and 1.3 handshakes made in-process by
 * OpenSSL over memory BIOs, recorded per direction and fed to the parser in
 * 1-byte, 7-byte and whole-segment chunks.
 *
 * Oracles are OpenSSL's own views of the same session: the server's
 * ClientHello callback (legacy version, cipher list, extension order,
 * supported_groups, ec_point_formats, signature_algorithms, ALPN) for
 * JA3/JA4, X509_NAME_print_ex / X509_digest / the serial BIGNUM for the
 * certificate fields, SSL_CIPHER_get_protocol_id for the chosen cipher and
 * SSL_session_reused for resumption.
 */
#include "harness.h"
#include "test-tls-build.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_SEGS 128

typedef struct seg {
    gl_dir dir;
    uint8_t *data;
    size_t len;
} seg;

typedef struct transcript {
    seg s[MAX_SEGS];
    int n;
} transcript;

/* What the server's ClientHello callback saw. */
typedef struct hello_oracle {
    unsigned version;
    uint16_t ciphers[256];
    size_t n_ciphers;
    int exts[64];
    size_t n_exts;
    uint16_t groups[64];
    size_t n_groups;
    uint8_t pf[16];
    size_t n_pf;
    uint16_t sigalgs[64];
    size_t n_sigalgs;
    uint16_t versions[16];
    size_t n_versions;
    char alpn0[64];
    bool has_sni;
} hello_oracle;

static X509 *g_cert;
static EVP_PKEY *g_key;
static hello_oracle g_oracle;
static SSL_CTX *g_sctx;

/* ---------- certificate ---------- */

static void add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

static void make_cert(void)
{
    g_key = EVP_EC_gen("P-256");
    g_cert = X509_new();
    X509_set_version(g_cert, 2);
    BIGNUM *bn = NULL;
    BN_hex2bn(&bn, "8264A6C307A18F80"); /* top bit set: DER needs a 00 pad byte */
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(g_cert));
    BN_free(bn);
    ASN1_TIME_set_string_X509(X509_getm_notBefore(g_cert), "20240102030405Z");
    ASN1_TIME_set_string_X509(X509_getm_notAfter(g_cert), "20340607080910Z");
    X509_NAME *name = X509_get_subject_name(g_cert);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "ST", MBSTRING_ASC, (const unsigned char *)"California", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Guanlan, Inc.", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"test.example", -1, -1, 0);
    X509_set_issuer_name(g_cert, name);
    X509_set_pubkey(g_cert, g_key);
    add_ext(g_cert, NID_subject_alt_name, "DNS:test.example,DNS:www.test.example,IP:10.0.0.1");
    X509_sign(g_cert, g_key, EVP_sha256());
}

/* ---------- ClientHello oracle ---------- */

static size_t u16_list(const unsigned char *p, size_t len, uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < len && n < cap; i += 2)
        out[n++] = (uint16_t)((p[i] << 8) | p[i + 1]);
    return n;
}

static int client_hello_cb(SSL *s, int *al, void *arg)
{
    (void)al;
    (void)arg;
    hello_oracle *o = &g_oracle;
    const unsigned char *p;
    size_t len;
    memset(o, 0, sizeof(*o));
    o->version = SSL_client_hello_get0_legacy_version(s);
    len = SSL_client_hello_get0_ciphers(s, &p);
    o->n_ciphers = u16_list(p, len, o->ciphers, 256);
    int *exts = NULL;
    SSL_client_hello_get1_extensions_present(s, &exts, &o->n_exts);
    for (size_t i = 0; i < o->n_exts && i < 64; i++)
        o->exts[i] = exts[i];
    OPENSSL_free(exts);
    if (SSL_client_hello_get0_ext(s, 10, &p, &len) && len >= 2)
        o->n_groups = u16_list(p + 2, len - 2, o->groups, 64);
    if (SSL_client_hello_get0_ext(s, 11, &p, &len) && len >= 1)
        for (size_t i = 1; i < len && o->n_pf < 16; i++)
            o->pf[o->n_pf++] = p[i];
    if (SSL_client_hello_get0_ext(s, 13, &p, &len) && len >= 2)
        o->n_sigalgs = u16_list(p + 2, len - 2, o->sigalgs, 64);
    if (SSL_client_hello_get0_ext(s, 43, &p, &len) && len >= 1)
        o->n_versions = u16_list(p + 1, len - 1, o->versions, 16);
    if (SSL_client_hello_get0_ext(s, 16, &p, &len) && len >= 3 && p[2] + 3u <= len && p[2] < 64) {
        memcpy(o->alpn0, p + 3, p[2]);
        o->alpn0[p[2]] = '\0';
    }
    o->has_sni = SSL_client_hello_get0_ext(s, 0, &p, &len) == 1;
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)s;
    (void)arg;
    static const unsigned char h2[] = { 2, 'h', '2' };
    unsigned char *o = NULL;
    if (SSL_select_next_proto(&o, outlen, h2, sizeof(h2), in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = o;
    return SSL_TLSEXT_ERR_OK;
}

/* JA3 string assembled from the oracle: the definition applied to OpenSSL's
 * own decoding of the same ClientHello (no GREASE in OpenSSL's hellos). */
static void oracle_ja3(char *out, size_t cap)
{
    const hello_oracle *o = &g_oracle;
    size_t n = (size_t)snprintf(out, cap, "%u,", o->version);
    for (size_t i = 0; i < o->n_ciphers; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%u", i ? "-" : "", o->ciphers[i]);
    n += (size_t)snprintf(out + n, cap - n, ",");
    for (size_t i = 0; i < o->n_exts; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%d", i ? "-" : "", o->exts[i]);
    n += (size_t)snprintf(out + n, cap - n, ",");
    for (size_t i = 0; i < o->n_groups; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%u", i ? "-" : "", o->groups[i]);
    n += (size_t)snprintf(out + n, cap - n, ",");
    for (size_t i = 0; i < o->n_pf; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%u", i ? "-" : "", o->pf[i]);
}

static int cmp16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* JA4 per FoxIO's JA4.md from the oracle's lists. */
static void oracle_ja4(char *out, size_t cap)
{
    const hello_oracle *o = &g_oracle;
    uint16_t v = 0, sorted[256];
    for (size_t i = 0; i < o->n_versions; i++)
        if (o->versions[i] > v)
            v = o->versions[i];
    if (!v)
        v = (uint16_t)o->version;
    const char *ver = v == 0x0304 ? "13" : v == 0x0303 ? "12" : "??";
    char alpn[3] = "00";
    size_t al = strlen(o->alpn0);
    if (al) {
        alpn[0] = o->alpn0[0];
        alpn[1] = o->alpn0[al - 1];
    }
    char raw_b[2048] = "", raw_c[2048] = "", hb[13], hc[13];
    memcpy(sorted, o->ciphers, o->n_ciphers * 2);
    qsort(sorted, o->n_ciphers, 2, cmp16);
    size_t n = 0;
    for (size_t i = 0; i < o->n_ciphers; i++)
        n += (size_t)snprintf(raw_b + n, sizeof(raw_b) - n, "%s%04x", i ? "," : "", sorted[i]);
    size_t k = 0;
    for (size_t i = 0; i < o->n_exts; i++)
        if (o->exts[i] != 0 && o->exts[i] != 16)
            sorted[k++] = (uint16_t)o->exts[i];
    qsort(sorted, k, 2, cmp16);
    n = 0;
    for (size_t i = 0; i < k; i++)
        n += (size_t)snprintf(raw_c + n, sizeof(raw_c) - n, "%s%04x", i ? "," : "", sorted[i]);
    n += (size_t)snprintf(raw_c + n, sizeof(raw_c) - n, "_");
    for (size_t i = 0; i < o->n_sigalgs; i++)
        n += (size_t)snprintf(raw_c + n, sizeof(raw_c) - n, "%s%04x", i ? "," : "", o->sigalgs[i]);
    t_digest(EVP_sha256(), raw_b, hb, 12);
    t_digest(EVP_sha256(), raw_c, hc, 12);
    snprintf(out, cap, "t%s%c%02zu%02zu%c%c_%s_%s", ver, o->has_sni ? 'd' : 'i', o->n_ciphers,
             o->n_exts, alpn[0], alpn[1], hb, hc);
}

/* ---------- handshake over memory BIOs ---------- */

static void move_bytes(BIO *from, BIO *to, gl_dir dir, transcript *t)
{
    size_t pending = BIO_ctrl_pending(from);
    if (pending == 0 || t->n >= MAX_SEGS)
        return;
    uint8_t *buf = malloc(pending);
    int n = BIO_read(from, buf, (int)pending);
    BIO_write(to, buf, n);
    t->s[t->n].dir = dir;
    t->s[t->n].data = buf;
    t->s[t->n].len = (size_t)n;
    t->n++;
}

typedef struct session_result {
    transcript t;
    uint16_t cipher_id;
    bool reused;
    SSL_SESSION *session; /* for a later resumption */
} session_result;

static void run_session(int max_version, SSL_SESSION *resume, session_result *r)
{
    /* one server context for all sessions, so its ticket key survives */
    if (!g_sctx) {
        g_sctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(g_sctx, g_cert);
        SSL_CTX_use_PrivateKey(g_sctx, g_key);
        SSL_CTX_set_client_hello_cb(g_sctx, client_hello_cb, NULL);
        SSL_CTX_set_alpn_select_cb(g_sctx, alpn_select, NULL);
        SSL_CTX_set_session_id_context(g_sctx, (const unsigned char *)"gl", 2);
    }
    SSL_CTX *sctx = g_sctx;
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(cctx, max_version);
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, "test.example");
    static const unsigned char alpns[] = { 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    SSL_set_alpn_protos(c, alpns, sizeof(alpns));
    if (resume)
        CHECK(SSL_set_session(c, resume) == 1);
    memset(&r->t, 0, sizeof(r->t));
    for (int i = 0; i < 20 && !(SSL_is_init_finished(c) && SSL_is_init_finished(s)); i++) {
        SSL_do_handshake(c);
        move_bytes(c_out, s_in, GL_DIR_TOSERVER, &r->t);
        SSL_do_handshake(s);
        move_bytes(s_out, c_in, GL_DIR_TOCLIENT, &r->t);
    }
    CHECK(SSL_is_init_finished(c) && SSL_is_init_finished(s));
    char buf[64];
    SSL_write(c, "GET / HTTP/1.1\r\n\r\n", 18);
    move_bytes(c_out, s_in, GL_DIR_TOSERVER, &r->t);
    CHECK(SSL_read(s, buf, sizeof(buf)) == 18);
    SSL_write(s, "HTTP/1.1 200 OK\r\n\r\n", 19);
    move_bytes(s_out, c_in, GL_DIR_TOCLIENT, &r->t);
    CHECK(SSL_read(c, buf, sizeof(buf)) == 19); /* also consumes TLS 1.3 tickets */
    r->cipher_id = (uint16_t)SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(c));
    r->reused = SSL_session_reused(c) == 1;
    r->session = SSL_get1_session(c);
    if (getenv("TLS_TEST_DEBUG"))
        fprintf(stderr, "resumable=%d reused=%d\n", SSL_SESSION_is_resumable(r->session), r->reused);
    SSL_shutdown(c); /* an unclean close would mark the session unresumable */
    SSL_shutdown(s);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
}

static void free_transcript(transcript *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->s[i].data);
}

/* Feed the transcript in `step`-byte chunks; stop at GL_APP_DONE the way the
 * stream stage would. Returns the last parse() result. */
static int replay(harness *h, const transcript *t, size_t step)
{
    int rc = GL_APP_OK;
    for (int i = 0; i < t->n && rc == GL_APP_OK; i++)
        rc = h_feed_split(h, t->s[i].dir, t->s[i].data, t->s[i].len, step);
    if (rc == GL_APP_OK)
        h_end(h);
    return rc;
}

static void check_in(const harness *h, const char *needle)
{
    CHECK(h_find(h, needle) >= 0);
    if (h_find(h, needle) < 0)
        fprintf(stderr, "  wanted %s\n  in %s\n", needle, h->n_events ? h->events[0] : "(none)");
}

/* Expected certificate fields from OpenSSL's APIs. */
static void expected_cert_fields(char *subject, char *serial, char *sha1)
{
    BIO *b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, X509_get_subject_name(g_cert), 0, XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN);
    int n = BIO_read(b, subject, 255);
    subject[n > 0 ? n : 0] = '\0';
    BIO_free(b);

    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(g_cert), NULL);
    char *hex = BN_bn2hex(bn);
    /* Suricata prints the DER content octets: a leading 00 when the top bit
     * is set, then the big-endian bytes, "XX:" separated */
    char padded[128];
    snprintf(padded, sizeof(padded), "%s%s", strchr("89ABCDEF", hex[0]) ? "00" : "", hex);
    size_t k = 0;
    for (size_t i = 0; padded[i]; i += 2) {
        if (i)
            serial[k++] = ':';
        serial[k++] = padded[i];
        serial[k++] = padded[i + 1];
    }
    serial[k] = '\0';
    OPENSSL_free(hex);
    BN_free(bn);

    unsigned char md[20];
    unsigned int mdlen = 0;
    X509_digest(g_cert, EVP_sha1(), md, &mdlen);
    for (unsigned i = 0; i < 20; i++)
        sprintf(sha1 + i * 3, "%02x%s", md[i], i < 19 ? ":" : "");
}

static void test_tls12(void)
{
    session_result r;
    run_session(TLS1_2_VERSION, NULL, &r);
    char subject[256], serial[128], sha1[64], needle[2300], ja3[2048], ja4[64];
    expected_cert_fields(subject, serial, sha1);
    oracle_ja3(ja3, sizeof(ja3));
    oracle_ja4(ja4, sizeof(ja4));
    char md5[33];
    t_digest(EVP_md5(), ja3, md5, 32);
    CHECK(strcmp(subject, "C=US, ST=California, O=Guanlan, Inc., CN=test.example") == 0);
    CHECK(strcmp(serial, "00:82:64:A6:C3:07:A1:8F:80") == 0);

    char *first = NULL;
    size_t steps[] = { 1, 7, (size_t)-1 };
    for (int si = 0; si < 3; si++) {
        harness h;
        h_init(&h, &gl_parser_tls, 6);
        int rc = replay(&h, &r.t, steps[si]);
        CHECK(rc == GL_APP_DONE); /* both sides encrypted: reassembly can stop */
        CHECK(h.n_events == 1);
        CHECK(h.n_anomalies == 0);
        snprintf(needle, sizeof(needle), "\"subject\":\"%s\"", subject);
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"issuerdn\":\"%s\"", subject);
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"serial\":\"%s\"", serial);
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"fingerprint\":\"%s\"", sha1);
        check_in(&h, needle);
        check_in(&h, "\"notbefore\":\"2024-01-02T03:04:05\"");
        check_in(&h, "\"notafter\":\"2034-06-07T08:09:10\"");
        check_in(&h, "\"san\":[\"test.example\",\"www.test.example\"]");
        check_in(&h, "\"chain_length\":1");
        check_in(&h, "\"sni\":\"test.example\"");
        check_in(&h, "\"version\":\"TLS 1.2\"");
        check_in(&h, "\"client_alpns\":[\"h2\",\"http/1.1\"]");
        check_in(&h, "\"server_alpns\":[\"h2\"]");
        snprintf(needle, sizeof(needle), "\"ja3\":{\"hash\":\"%s\",\"string\":\"%s\"}", md5, ja3);
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"ja4\":\"%s\"", ja4);
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"ja3s\":{\"hash\":\"");
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"string\":\"771,%u,", r.cipher_id);
        check_in(&h, needle);
        CHECK(h_find(&h, "session_resumed") < 0);
        if (h.n_events == 1) {
            if (!first)
                first = strdup(h.events[0]);
            else
                CHECK(strcmp(first, h.events[0]) == 0);
        }
        h_free(&h);
    }
    free(first);
    free_transcript(&r.t);

    /* resume it: abbreviated handshake with the ticket */
    session_result r2;
    run_session(TLS1_2_VERSION, r.session, &r2);
    CHECK(r2.reused);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    CHECK(replay(&h, &r2.t, 7) == GL_APP_DONE);
    CHECK(h.n_events == 1);
    check_in(&h, "\"session_resumed\":true");
    check_in(&h, "\"resumption\":\"ticket\"");
    CHECK(h_find(&h, "\"subject\"") < 0);
    h_free(&h);
    free_transcript(&r2.t);
    SSL_SESSION_free(r.session);
    SSL_SESSION_free(r2.session);
}

static void test_tls13(void)
{
    session_result r;
    run_session(TLS1_3_VERSION, NULL, &r);
    char ja3[2048], ja4[64], md5[33], needle[2300];
    oracle_ja3(ja3, sizeof(ja3));
    oracle_ja4(ja4, sizeof(ja4));
    t_digest(EVP_md5(), ja3, md5, 32);
    CHECK(strncmp(ja4, "t13d", 4) == 0);
    size_t steps[] = { 1, 7, (size_t)-1 };
    for (int si = 0; si < 3; si++) {
        harness h;
        h_init(&h, &gl_parser_tls, 6);
        CHECK(replay(&h, &r.t, steps[si]) == GL_APP_DONE);
        CHECK(h.n_events == 1);
        CHECK(h.n_anomalies == 0);
        check_in(&h, "\"version\":\"TLS 1.3\"");
        snprintf(needle, sizeof(needle), "\"ja3\":{\"hash\":\"%s\",\"string\":\"%s\"}", md5, ja3);
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"ja4\":\"%s\"", ja4);
        check_in(&h, needle);
        snprintf(needle, sizeof(needle), "\"server_handshake\":{\"version\":\"TLS 1.2\",\"cipher\":%u,",
                 r.cipher_id);
        check_in(&h, needle);
        /* ALPN answer and certificate travel in encrypted messages in 1.3 */
        CHECK(h_find(&h, "server_alpns") < 0);
        CHECK(h_find(&h, "\"subject\"") < 0);
        h_free(&h);
    }
    free_transcript(&r.t);

    session_result r2;
    run_session(TLS1_3_VERSION, r.session, &r2);
    CHECK(r2.reused);
    harness h;
    h_init(&h, &gl_parser_tls, 6);
    CHECK(replay(&h, &r2.t, 1) == GL_APP_DONE);
    check_in(&h, "\"session_resumed\":true");
    check_in(&h, "\"resumption\":\"psk\"");
    h_free(&h);
    free_transcript(&r2.t);
    SSL_SESSION_free(r.session);
    SSL_SESSION_free(r2.session);
}

/* Corrupt single bytes of a real transcript: must never crash. */
static void test_mutations(void)
{
    session_result r;
    run_session(TLS1_2_VERSION, NULL, &r);
    uint32_t x = 7;
    for (int round = 0; round < 300; round++) {
        transcript t = r.t;
        uint8_t *copies[MAX_SEGS];
        for (int i = 0; i < t.n; i++) {
            copies[i] = malloc(t.s[i].len);
            memcpy(copies[i], t.s[i].data, t.s[i].len);
            t.s[i].data = copies[i];
        }
        for (int k = 0; k < 3; k++) {
            x = x * 1103515245u + 12345u;
            int si = (int)((x >> 8) % (uint32_t)t.n);
            x = x * 1103515245u + 12345u;
            t.s[si].data[(x >> 4) % t.s[si].len] ^= (uint8_t)(1u << (x % 8));
        }
        harness h;
        h_init(&h, &gl_parser_tls, 6);
        replay(&h, &t, 1 + (size_t)round % 11);
        CHECK(h.n_events <= 1);
        h_free(&h);
        for (int i = 0; i < t.n; i++)
            free(copies[i]);
    }
    free_transcript(&r.t);
    SSL_SESSION_free(r.session);
}

int main(void)
{
    make_cert();
    test_tls12();
    test_tls13();
    test_mutations();
    SSL_CTX_free(g_sctx);
    X509_free(g_cert);
    EVP_PKEY_free(g_key);
    return h_report("test-tls-openssl");
}
