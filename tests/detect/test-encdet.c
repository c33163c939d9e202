/*
 * test-encdet.c — unit tests of encrypted-traffic detection with
 * independent expectations: beacon scores and sub-model scores computed by
 * hand in the comments, the intel CSV (valid and hostile lines), bounded
 * host history under a flood, model/feedback files (round trip, corruption,
 * truncation, fallback to the last good version), the restricted-domain
 * fingerprint of a hand-built ClientHello and certificate key sizes of keys
 * generated here by OpenSSL.
 */
#include "../check.h"
#include "detect/enc-background.h"
#include "detect/enc-intel.h"
#include "detect/enc-models.h"
#include "detect/enc-submodels.h"
#include "proto/tls-rdfp.h"

#include <math.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NEAR(a, b) (fabs((a) - (b)) < 1e-6)

static void test_beacon(void)
{
    /* constant: median 60, hinges 60/60 -> skew score 1; MAD 0 -> dispersion 1;
     * 8 intervals -> count 1: 0.3 + 0.7 = 1 */
    double c[8] = { 60, 60, 60, 60, 60, 60, 60, 60 };
    T_CHECK(NEAR(enc_beacon_score(c, 8), 1.0));
    /* ±10 jitter: sorted 50x4,70x4; median 60; hinges 50 and 70 -> Bowley 0
     * -> skew 1; |x-60| = 10 for all -> MAD 10 -> dispersion 1 - 20/60 = 2/3;
     * 0.3 + 0.7 * 2/3 = 0.766667 */
    double j[8] = { 50, 70, 50, 70, 50, 70, 50, 70 };
    T_CHECK(NEAR(enc_beacon_score(j, 8), 0.3 + 0.7 * 2.0 / 3.0));
    /* 4 intervals: count factor 4/8 */
    T_CHECK(NEAR(enc_beacon_score(c, 4), 0.5));
    T_CHECK(enc_beacon_score(c, 3) == 0);
    /* doubling series: median (8+16)/2 = 12; hinges 3 and 48 -> Bowley
     * (48+3-24)/45 = 0.6 -> skew 0.4; deviations 11,10,8,4,4,20,52,116 ->
     * MAD (10+11)/2 = 10.5 -> dispersion 1 - 21/12 < 0 -> 0; 0.3*0.4 = 0.12 */
    double e[8] = { 1, 2, 4, 8, 16, 32, 64, 128 };
    T_CHECK(NEAR(enc_beacon_score(e, 8), 0.12));
    double z[5] = { 0, 0, 0, 0, 0 };
    T_CHECK(enc_beacon_score(z, 5) == 0);
}

static void test_noisy_or(void)
{
    enc_result r = { 0 };
    enc_result_add(&r, "a", ENC_STAGE_TCP, 0.5);
    enc_result_add(&r, "b", ENC_STAGE_TCP, 0.5);
    enc_result_add(&r, "c", ENC_STAGE_TCP, 0); /* ignored */
    T_EQ_U(r.n, 2);
    T_CHECK(NEAR(enc_result_noisy_or(&r), 0.75));
}

static void test_handshake(void)
{
    static tls_client_hello ch;
    static tls_server_hello sh;
    memset(&ch, 0, sizeof(ch));
    memset(&sh, 0, sizeof(sh));
    ch.version = 0x0301;
    ch.ciphers[0] = 0x0004; /* RC4-MD5 */
    ch.ciphers[1] = 0x000a; /* DES-CBC3-SHA */
    ch.n_ciphers = 2;
    ch.exts[0] = 0x000b;
    ch.exts[1] = 0xff01;
    ch.n_exts = 2;
    ch.compression[0] = 0;
    ch.n_compression = 1;
    sh.version = 0x0301;
    sh.cipher = 0x0004;
    gl_tls_facts fx = { .ch = &ch, .sh = &sh, .cert_key_bits = -1, .version = 0x0301 };
    enc_result r;
    enc_handshake_eval(&fx, 443, &r);
    /* findings: offers_only_old_tls .45, few_ciphers .3, mostly_weak_ciphers
     * .5, few_extensions .35, no_sni .25, obsolete_tls_negotiated .5,
     * weak_cipher_chosen .7 (no ALPN finding below TLS 1.2 offers);
     * 1 - .55*.7*.5*.65*.75*.5*.3 = 1 - 0.0140765625 */
    T_EQ_U(r.n, 7);
    T_CHECK(NEAR(r.score, 1 - 0.0140765625));
    /* a modern browser-like offer on 443 finds nothing */
    memset(&ch, 0, sizeof(ch));
    ch.version = 0x0303;
    uint16_t cs[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c };
    memcpy(ch.ciphers, cs, sizeof(cs));
    ch.n_ciphers = 6;
    uint16_t ex[] = { 0, 10, 11, 13, 16, 43, 51 };
    memcpy(ch.exts, ex, sizeof(ex));
    ch.n_exts = 7;
    ch.has_sni = true;
    strcpy(ch.sni, "www.example.org");
    ch.sni_len = 15;
    ch.has_alpn = true;
    ch.versions[0] = 0x0304;
    ch.n_versions = 1;
    sh.version = 0x0303;
    sh.selected_version = 0x0304;
    sh.cipher = 0x1301;
    enc_handshake_eval(&fx, 443, &r);
    T_EQ_U(r.n, 0);
    T_CHECK(r.score == 0);
    /* random-looking and IP-literal SNI */
    strcpy(ch.sni, "xkqzvbtrwp.example.org");
    ch.sni_len = (uint16_t)strlen(ch.sni);
    enc_handshake_eval(&fx, 443, &r);
    T_CHECK(r.n == 1 && strcmp(r.f[0].name, "sni_random_label") == 0);
    strcpy(ch.sni, "192.0.2.7");
    ch.sni_len = 9;
    enc_handshake_eval(&fx, 8080, &r); /* + nonstandard_port .2: 1 - .8*.5 = .6 */
    T_CHECK(NEAR(r.score, 0.6));
}

static void test_cert(void)
{
    tls_cert_info ci = { 0 };
    ci.subject = "CN=a";
    ci.issuer = "CN=a";
    ci.serial = "01";
    strcpy(ci.notbefore, "2020-01-01T00:00:00");
    strcpy(ci.notafter, "2020-01-05T00:00:00");
    gl_tls_facts fx = { .cert = &ci, .cert_seen = true, .chain_len = 1, .cert_key_bits = -1 };
    enc_result r;
    /* self_signed .75, tiny_serial .35, short_lived_cert .45 (4 days),
     * expired_cert .65 (session in 2021), no_san .2:
     * 1 - .25*.65*.55*.35*.8 = 1 - 0.025025 */
    enc_cert_eval(&fx, 1609459200 /* 2021-01-01 */, &r);
    T_EQ_U(r.n, 5);
    T_CHECK(NEAR(r.score, 1 - 0.025025));
    /* inside validity: expired drops out: 1 - .25*.65*.55*.8 */
    enc_cert_eval(&fx, 1577923200 /* 2020-01-02 */, &r);
    T_CHECK(NEAR(r.score, 1 - 0.25 * 0.65 * 0.55 * 0.8));
    T_CHECK(enc_name_matches("*.example.com", "a.example.com"));
    T_CHECK(!enc_name_matches("*.example.com", "example.com"));
    T_CHECK(!enc_name_matches("*.example.com", "a.b.example.com"));
    T_CHECK(enc_name_matches("Example.COM", "example.com."));
    int64_t t;
    T_CHECK(enc_parse_utc("1970-01-02T00:00:00", &t) && t == 86400);
    T_CHECK(!enc_parse_utc("2020-13-01T00:00:00", &t));
    T_CHECK(!enc_parse_utc("garbage", &t));
}

static enc_intel *intel_of(const char *text, char *err)
{
    return enc_intel_parse(text, strlen(text), "intel.csv", err, 256);
}

static void test_intel(void)
{
    char err[256];
    const char *ok = "\xef\xbb\xbf# local intel\r\n"
                     "ja3,E7D705A3286E19EA42F587B344EE6865,95,Trickbot loader\r\n"
                     "sha1,6E:D9:BC:D8:AA:B5:1D:0F:8A:94:25:F0:A4:7B:E7:1F:C2:E0:3C:21\n"
                     "\n"
                     "domain,evil.example.\n"
                     "ip,192.0.2.66,40\n"
                     "ja4,t13d1516h2_8daaf6152771_02713d6af862\n";
    enc_intel *in = intel_of(ok, err);
    T_CHECK(in != NULL);
    if (!in) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    T_EQ_U(enc_intel_count(in), 5);
    enc_intel_hit h;
    T_CHECK(enc_intel_find(in, ENC_IOC_JA3, "e7d705a3286e19ea42f587b344ee6865", &h) && h.score == 95 &&
            strcmp(h.desc, "Trickbot loader") == 0);
    T_CHECK(enc_intel_find(in, ENC_IOC_SHA1, "6ed9bcd8aab51d0f8a9425f0a47be71fc2e03c21", &h) && h.score == 90);
    T_CHECK(enc_intel_find_domain(in, "a.b.EVIL.example", &h));
    T_CHECK(!enc_intel_find_domain(in, "notevil.example", &h));
    T_CHECK(enc_intel_find(in, ENC_IOC_JA4, "T13D1516H2_8DAAF6152771_02713D6AF862", &h));
    gl_addr a;
    uint8_t v4[4] = { 192, 0, 2, 66 };
    gl_addr_from_v4(&a, v4);
    T_CHECK(enc_intel_find_ip(in, &a, &h) && h.score == 40);
    v4[3] = 67;
    gl_addr_from_v4(&a, v4);
    T_CHECK(!enc_intel_find_ip(in, &a, &h));
    enc_intel_free(in);
    /* hostile lines: each rejects the file, naming the line */
    static const struct {
        const char *text, *want;
    } bad[] = {
        { "ja3,abc\n", "intel.csv:1: invalid value" },
        { "# x\nmd5,e7d705a3286e19ea42f587b344ee6865\n", "intel.csv:2: unknown type" },
        { "ip,999.1.1.1\n", "intel.csv:1: invalid value" },
        { "domain,evil.example,0\n", "intel.csv:1: score" },
        { "domain,evil.example,101\n", "intel.csv:1: score" },
        { "domain,evil.example,90,bell\a\n", "intel.csv:1: control character" },
        { "domain,evil example\n", "intel.csv:1: invalid value" },
        { "sha1,6ed9bcd8aab51d0f8a9425f0a47be71fc2e03c2\n", "intel.csv:1: invalid value" },
        { "justoneword\n", "intel.csv:1: expected" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in = intel_of(bad[i].text, err);
        T_CHECK(in == NULL);
        T_CHECK(strncmp(err, bad[i].want, strlen(bad[i].want)) == 0);
        if (strncmp(err, bad[i].want, strlen(bad[i].want)) != 0)
            fprintf(stderr, "  got '%s' for case %zu\n", err, i);
        enc_intel_free(in);
    }
    /* NUL byte and an overlong line */
    in = enc_intel_parse("ip,1.2.3.4\0x\n", 13, "intel.csv", err, sizeof(err));
    T_CHECK(!in && strstr(err, "NUL"));
    char *longl = malloc(3000);
    memset(longl, 'a', 2999);
    longl[2999] = 0;
    memcpy(longl, "domain,", 7);
    in = intel_of(longl, err);
    T_CHECK(!in && strstr(err, "longer than"));
    free(longl);
}

static void test_background_bounded(void)
{
    enc_bg *bg = enc_bg_new(64, 128);
    T_CHECK(bg != NULL);
    if (!bg)
        return;
    enc_bg_stats st0, st;
    enc_bg_get_stats(bg, &st0);
    enc_result r;
    for (uint32_t i = 0; i < 100000; i++) {
        enc_bg_obs o = { .server_port = 443, .ts_usec = (uint64_t)i * 1000 };
        uint8_t c[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
        uint8_t s[4] = { 192, 0, 2, 1 };
        gl_addr_from_v4(&o.client, c);
        gl_addr_from_v4(&o.server, s);
        enc_bg_observe(bg, NULL, &o, &r, NULL, 0);
    }
    enc_bg_get_stats(bg, &st);
    /* every new client past the cap evicts the least recent one */
    T_EQ_U(st.hosts, 64);
    T_EQ_U(st.pairs, 128);
    T_EQ_U(st.host_evictions, 100000 - 64);
    T_EQ_U(st.pair_evictions, 100000 - 128);
    T_EQ_U(st.sessions, 100000);
    T_EQ_U(st.bytes, st0.bytes);
    /* a beacon every 60 s ± nothing from one client: intervals all 60 s,
     * 8+ intervals -> beacon score 1 on the 9th connection */
    enc_bg_obs o = { .server_port = 443, .sni = "c2.example" };
    uint8_t c[4] = { 10, 9, 9, 9 }, s[4] = { 198, 51, 100, 7 };
    gl_addr_from_v4(&o.client, c);
    gl_addr_from_v4(&o.server, s);
    bool seen = false;
    for (int k = 0; k < 9; k++) {
        o.ts_usec = 1700000000000000ull + (uint64_t)k * 60000000ull;
        enc_bg_observe(bg, NULL, &o, &r, NULL, 0);
    }
    for (int i = 0; i < r.n; i++)
        if (strcmp(r.f[i].name, "beacon") == 0 && NEAR(r.f[i].conf, 1.0))
            seen = true;
    T_CHECK(seen);
    enc_bg_free(bg);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(data, 1, n, fp);
        fclose(fp);
    }
}

static void test_fusion_files(const char *dir)
{
    char path[512], err[512], buf[16384];
    enc_fusion f, g;
    enc_fusion_default(&f);
    enc_fusion_init_features(&f);
    f.bias = -3.25;
    f.wf[enc_feature_id("self_signed")] = 1.5;
    snprintf(path, sizeof(path), "%s/f.model", dir);
    T_CHECK(enc_fusion_save(&f, path, err, sizeof(err)) == 0);
    T_CHECK(enc_fusion_load(path, &g, err, sizeof(err)) == 0);
    T_CHECK(g.has_features && g.bias == -3.25 && g.wf[enc_feature_id("self_signed")] == 1.5);
    FILE *fp = fopen(path, "rb");
    size_t n = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
    if (fp)
        fclose(fp);
    T_CHECK(n > 100);
    /* one flipped digit in a weight: checksum */
    char *w = strstr(buf, "bias -3.25");
    if (w) {
        w[6] = '4';
        T_CHECK(enc_fusion_parse(buf, n, &g, err, sizeof(err)) != 0 && strstr(err, "checksum"));
        w[6] = '3';
    }
    T_CHECK(enc_fusion_parse(buf, n, &g, err, sizeof(err)) == 0);
    for (size_t cut = 0; cut < n; cut += 7) /* every truncation is rejected */
        T_CHECK(enc_fusion_parse(buf, cut, &g, err, sizeof(err)) != 0);
    T_CHECK(enc_fusion_parse("hello\n", 6, &g, err, sizeof(err)) != 0 && strstr(err, "not a fusion model"));
    /* score-level fusion by hand: z = -4 + 3*1 + 3.5*0 + 4*0.5 + 3.5*0 = 1 */
    enc_fusion d;
    enc_fusion_default(&d);
    enc_inputs in = { .s = { 1, 0, 0.5, 0 }, .nn = -1 };
    double contrib[ENC_SM_N];
    T_CHECK(NEAR(enc_fusion_prob(&d, &in, contrib), 1 / (1 + exp(-1.0))));
    T_CHECK(NEAR(contrib[ENC_SM_SEQ], 2.0));
    /* version fallback: CURRENT names a corrupt v0002; v0001 is good */
    char sd[512], vdir[600];
    snprintf(sd, sizeof(sd), "%s/state", dir);
    unsigned v1 = 0, v2 = 0;
    T_CHECK(enc_models_save_version(sd, &f, NULL, &v1, err, sizeof(err)) == 0 && v1 == 1);
    T_CHECK(enc_models_save_version(sd, &d, NULL, &v2, err, sizeof(err)) == 0 && v2 == 2);
    snprintf(vdir, sizeof(vdir), "%s/" ENC_VERSIONS_DIR "/v0002/" ENC_FUSION_FILE, sd);
    write_file(vdir, "guanlan-encrypted-fusion 1\nbias 1\n", 34);
    enc_models m;
    char warn[2048];
    enc_models_load(NULL, sd, &m, warn, sizeof(warn));
    T_EQ_U(m.version, 1);
    T_CHECK(strstr(warn, "v0002") != NULL);
    enc_models_free(&m);
    T_CHECK(enc_models_rollback(sd, 2, err, sizeof(err)) != 0); /* refuses a broken version */
    T_CHECK(enc_models_rollback(sd, 1, err, sizeof(err)) == 0);
    /* nothing anywhere: built-in defaults, still running */
    enc_models_load("/nonexistent", "/nonexistent", &m, warn, sizeof(warn));
    T_EQ_U(m.version, 0);
    T_CHECK(m.seq == NULL && !m.fusion.has_features);
    enc_models_free(&m);
}

static void test_journal_feedback(const char *dir)
{
    enc_journal_rec r = { .flow_id = 42, .ts_usec = 7, .cport = 5555, .sport = 443, .hs = 0.5, .nn = -1, .score = 12 };
    strcpy(r.client, "10.0.0.1");
    strcpy(r.server, "192.0.2.1");
    r.seq.n = 2;
    r.seq.p[0] = (gl_seq_pkt){ 100, 0, 0 };
    r.seq.p[1] = (gl_seq_pkt){ 1400, 1, 250000 };
    r.nf = 1;
    r.fid[0] = (uint8_t)enc_feature_id("self_signed");
    r.fconf[0] = 0.75f;
    char line[4096];
    T_CHECK(enc_journal_format(&r, line, sizeof(line)) > 0);
    T_EQ_S(line, "J1 42 7 10.0.0.1 5555 192.0.2.1 443 0.5000 0.0000 0.0000 0.0000 -1.0000 12.0 0 0 2 "
                 "100:0:0,1400:1:250000 self_signed:0.750");
    enc_journal_rec p;
    T_CHECK(enc_journal_parse(line, &p) == 0 && p.seq.n == 2 && p.seq.p[1].gap_us == 250000 && p.nf == 1);
    T_CHECK(enc_journal_parse("J1 1 2 a 1 b 2 0.5 0 0 0 -1 0 0 0 40 -", &p) != 0); /* n > GL_SEQ_LEN */
    T_CHECK(enc_journal_parse("J1 1 2 a 1 b 2 7 0 0 0 -1 0 0 0 0 -", &p) != 0);   /* score > 1 */
    char sd[512], err[512];
    snprintf(sd, sizeof(sd), "%s/fb", dir);
    mkdir(sd, 0755);
    enc_feedback fb = { .label = 1, .rec = r };
    T_CHECK(enc_feedback_append(sd, &fb, err, sizeof(err)) == 0);
    T_CHECK(enc_feedback_append(sd, &fb, err, sizeof(err)) == 0);
    enc_feedback out[4];
    size_t n;
    T_CHECK(enc_feedback_load(sd, out, 4, &n, err, sizeof(err)) == 0 && n == 2 && out[1].label == 1);
    /* corrupt the second line */
    char path[600], buf[8192];
    snprintf(path, sizeof(path), "%s/" ENC_FEEDBACK_FILE, sd);
    FILE *fp = fopen(path, "rb");
    size_t len = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
    if (fp)
        fclose(fp);
    char *second = memchr(buf, '\n', len);
    if (second && second + 4 < buf + len)
        second[3] = second[3] == '4' ? '5' : '4';
    T_CHECK(enc_feedback_parse_buf(buf, len, out, 4, &n, err, sizeof(err)) != 0 && strstr(err, "line 2"));
    T_CHECK(enc_feedback_parse_buf(buf, len - 1, out, 4, &n, err, sizeof(err)) != 0); /* truncated */
}

static void test_rdfp(void)
{
    /* ClientHello body: version 0303, random, empty session id, ciphers
     * {GREASE 1a1a, 1301}, compression {00}, extensions GREASE 0a0a (empty),
     * supported_versions {0304}, session_ticket (empty) */
    uint8_t b[128];
    size_t n = 0;
    b[n++] = 3, b[n++] = 3;
    memset(b + n, 0, 32), n += 32;
    b[n++] = 0;
    b[n++] = 0, b[n++] = 4, b[n++] = 0x1a, b[n++] = 0x1a, b[n++] = 0x13, b[n++] = 0x01;
    b[n++] = 1, b[n++] = 0;
    uint8_t ext[] = { 0x0a, 0x0a, 0, 0, 0, 43, 0, 3, 2, 3, 4, 0, 0x23, 0, 0 };
    b[n++] = 0, b[n++] = sizeof(ext);
    memcpy(b + n, ext, sizeof(ext)), n += sizeof(ext);
    char out[TLS_RDFP_STR_MAX];
    T_CHECK(tls_rdfp_client(b, (uint32_t)n, 0x0301, out, sizeof(out)));
    T_EQ_S(out, "rd1|rv=0301|hv=0303|sid=0|c=G-1301|cm=00|x=G-002b-0023e|v=0304");
    T_CHECK(!tls_rdfp_client(b, 20, 0x0301, out, sizeof(out))); /* truncated before ciphers */
    char h1[TLS_RDFP_HASH_LEN], h2[TLS_RDFP_HASH_LEN];
    tls_rdfp_hash(out, h1);
    tls_rdfp_hash(out, h2);
    T_CHECK(strlen(h1) == 28 && strncmp(h1, "rd1_", 4) == 0 && strcmp(h1, h2) == 0);
}

/* Key sizes of certificates whose keys we generate here (the oracle is the
 * key generation parameter, not our parser). */
static int cert_bits(EVP_PKEY *k, char *alg)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"t", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    int bits = tls_cert_key_bits(der, (size_t)len, alg, 8);
    char scratch[8];
    for (int cut = 0; cut < len; cut += 13) /* truncations never crash */
        tls_cert_key_bits(der, (size_t)cut, scratch, sizeof(scratch));
    OPENSSL_free(der);
    X509_free(x);
    return bits;
}

static void test_key_bits(void)
{
    char alg[8];
    EVP_PKEY *rsa = EVP_RSA_gen(1024);
    T_CHECK(rsa && cert_bits(rsa, alg) == 1024);
    T_EQ_S(alg, "rsa");
    EVP_PKEY_free(rsa);
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    T_CHECK(ec && cert_bits(ec, alg) == 256);
    T_EQ_S(alg, "ec");
    EVP_PKEY_free(ec);
}

int main(void)
{
    char dir[] = "/tmp/test-encdet-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    test_beacon();
    test_noisy_or();
    test_handshake();
    test_cert();
    test_intel();
    test_background_bounded();
    test_fusion_files(dir);
    test_journal_feedback(dir);
    test_rdfp();
    test_key_bits();
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return t_report("test-encdet");
}
