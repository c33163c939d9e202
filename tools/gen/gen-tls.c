/*
 * gen-tls.c — TLS sessions for gl-gen. At start-up a small CA→leaf chain (EC
 * P-256) is created and real OpenSSL client/server pairs run complete
 * handshakes over memory BIOs, one per template: client profiles differ in
 * version (1.2 / 1.3), cipher lists, groups, ALPN, SNI and extensions so
 * JA3/JA4 fingerprints differ. Each template keeps the handshake flights, an
 * encrypted request, the server's download as a list of whole records, and the
 * client's close_notify. Sessions replay a template over a fresh TCP
 * conversation (new addresses, ports, ISNs, timing), which is how --bytes 1G
 * stays fast. OpenSSL's RNG is replaced by the seeded generator so the bytes
 * are reproducible; the keys are therefore not secret, which is fine for
 * synthetic traffic.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* RAND_set_rand_method: the only reproducible RNG hook */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define TLS_MAX_MSG 16

typedef struct TlsTemplate {
    Buf data;
    int nmsg;
    struct {
        uint8_t dir;
        uint32_t off, len;
    } msg[TLS_MAX_MSG];         /* handshake flights, then the encrypted request */
    uint32_t dl_off;            /* server download records start here */
    uint32_t nrec;
    uint32_t *rec_end;          /* end offset of each download record */
    uint32_t close_off, close_len; /* client close_notify alert */
    const char *profile, *sni;
    int tls13;
} TlsTemplate;

/* ---- reproducible randomness for OpenSSL ---- */
static Rng tls_rng;

static int det_bytes(unsigned char *buf, int num)
{
    for (int i = 0; i < num;) {
        uint64_t v = rng_next(&tls_rng);
        for (int k = 0; k < 8 && i < num; k++, i++)
            buf[i] = (unsigned char)(v >> (8 * k));
    }
    return 1;
}
static int det_seed(const void *b, int n) { (void)b; (void)n; return 1; }
static int det_add(const void *b, int n, double e) { (void)b; (void)n; (void)e; return 1; }
static int det_status(void) { return 1; }
static RAND_METHOD det_rand = {det_seed, det_bytes, NULL, det_add, det_bytes, det_status};

static void ssl_die(const char *what)
{
    ERR_print_errors_fp(stderr);
    die("OpenSSL: %s failed", what);
}

/* ---- certificates ---- */
static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!e || !X509_add_ext(x, e, -1))
        ssl_die("X509 extension");
    X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, long serial)
{
    X509 *x = X509_new();
    if (!x)
        ssl_die("X509_new");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    /* fixed validity: wall-clock time would make the output irreproducible */
    ASN1_TIME_set(X509_getm_notBefore(x), 1704067200);  /* 2024-01-01 */
    ASN1_TIME_set(X509_getm_notAfter(x), 1830297600);   /* 2028-01-01 */
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"CN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Guanlan Synthetic", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509 *iss = issuer ? issuer : x;
    if (!issuer) {
        add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, iss, NID_basic_constraints, "CA:FALSE");
        add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
        add_ext(x, iss, NID_ext_key_usage, "serverAuth");
        add_ext(x, iss, NID_subject_alt_name,
                "DNS:*.example.com,DNS:*.example.net,DNS:*.example.org,DNS:example.com");
    }
    add_ext(x, iss, NID_subject_key_identifier, "hash");
    if (!X509_sign(x, signer, EVP_sha256()))
        ssl_die("X509_sign");
    return x;
}

/* ---- client profiles: what makes fingerprints differ ---- */
typedef struct TlsProfile {
    const char *name;
    int max_version;
    const char *ciphers12; /* NULL = OpenSSL default */
    const char *suites13;
    const char *groups;
    const char *alpn;      /* comma separated, NULL = no ALPN */
    int no_ticket, status_request, sni;
    const char *sigalgs;
} TlsProfile;

static const TlsProfile TLS_PROFILES[] = {
    {"browser", TLS1_3_VERSION,
     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
     "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
     "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384",
     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
     "X25519:P-256:P-384", "h2,http/1.1", 0, 1, 1, NULL},
    {"curl", TLS1_3_VERSION, NULL, NULL, NULL, "h2,http/1.1", 0, 0, 1, NULL},
    {"python", TLS1_2_VERSION, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL", NULL,
     "X25519:P-256", "http/1.1", 1, 0, 1, NULL},
    {"java8", TLS1_2_VERSION,
     "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:"
     "ECDHE-ECDSA-AES256-SHA:AES128-SHA256:AES128-SHA",
     NULL, "P-256:P-384:P-521", NULL, 1, 0, 1,
     "ECDSA+SHA256:RSA+SHA256:ECDSA+SHA384:RSA+SHA384:ECDSA+SHA1:RSA+SHA1"},
    {"iot", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-CCM8", NULL, "P-256",
     NULL, 1, 0, 0, NULL},
    {"go", TLS1_3_VERSION,
     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305",
     "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
     "X25519:P-256:P-384:P-521", "h2,http/1.1", 0, 0, 1, NULL},
    {"okhttp", TLS1_3_VERSION,
     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384",
     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384", "X25519:P-256", "http/1.1", 0, 0, 1, NULL},
};
#define N_PROFILES (int)(sizeof(TLS_PROFILES) / sizeof(TLS_PROFILES[0]))

static const char *TLS_SNIS[] = {
    "www.example.com",      "api.example.com",        "cdn.example.net",     "login.example.org",
    "mail.example.com",     "static.example.net",     "update.example.org",  "telemetry.example.com",
    "docs.example.org",     "files.example.net",      "chat.example.com",    "ads.example.net",
    "auth.example.com",     "video.example.net",      "pay.example.org",     "push.example.com",
    "git.example.org",      "registry.example.com",   "s3.example.net",      "time.example.org",
};
#define N_SNIS (int)(sizeof(TLS_SNIS) / sizeof(TLS_SNIS[0]))

/* the server picks the first protocol it knows from the client's list */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    for (unsigned int i = 0; i < inlen;) {
        unsigned int l = in[i];
        if (i + 1 + l > inlen)
            break;
        if ((l == 2 && !memcmp(in + i + 1, "h2", 2)) || (l == 8 && !memcmp(in + i + 1, "http/1.1", 8))) {
            *out = in + i + 1;
            *outlen = (unsigned char)l;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + l;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static SSL_CTX *server_ctx(X509 *leaf, EVP_PKEY *leafkey, X509 *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        ssl_die("SSL_CTX_new");
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    if (!SSL_CTX_use_certificate(ctx, leaf) || !SSL_CTX_use_PrivateKey(ctx, leafkey) ||
        !SSL_CTX_add1_chain_cert(ctx, ca))
        ssl_die("server certificate");
    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:"
                                 "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-CCM8");
    /* tickets carry the wall-clock time: they would break reproducibility */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    return ctx;
}

static SSL_CTX *client_ctx(const TlsProfile *pr)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        ssl_die("SSL_CTX_new");
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, pr->max_version);
    if (pr->ciphers12 && !SSL_CTX_set_cipher_list(ctx, pr->ciphers12))
        ssl_die("cipher list");
    if (pr->suites13 && !SSL_CTX_set_ciphersuites(ctx, pr->suites13))
        ssl_die("ciphersuites");
    if (pr->groups && !SSL_CTX_set1_groups_list(ctx, pr->groups))
        ssl_die("groups");
    if (pr->sigalgs && !SSL_CTX_set1_sigalgs_list(ctx, pr->sigalgs))
        ssl_die("sigalgs");
    if (pr->no_ticket)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (pr->alpn) {
        unsigned char wire[64];
        size_t n = 0;
        for (const char *a = pr->alpn; *a;) {
            const char *e = strchr(a, ',');
            size_t l = e ? (size_t)(e - a) : strlen(a);
            wire[n++] = (unsigned char)l;
            memcpy(wire + n, a, l);
            n += l;
            a += l + (e ? 1 : 0);
        }
        if (SSL_CTX_set_alpn_protos(ctx, wire, (unsigned int)n) != 0)
            ssl_die("alpn");
    }
    return ctx;
}

/* move what `from` wrote into `to`'s input; record it as one message */
static size_t tls_pump(TlsTemplate *t, BIO *from, BIO *to, int dir, int as_msg)
{
    size_t start = t->data.len;
    uint8_t tmp[16384];
    int n;
    while ((n = BIO_read(from, tmp, sizeof(tmp))) > 0) {
        buf_put(&t->data, tmp, (size_t)n);
        if (to)
            BIO_write(to, tmp, n);
    }
    size_t len = t->data.len - start;
    if (as_msg && len) {
        if (t->nmsg == TLS_MAX_MSG)
            die("TLS template: too many flights");
        t->msg[t->nmsg].dir = (uint8_t)dir;
        t->msg[t->nmsg].off = (uint32_t)start;
        t->msg[t->nmsg].len = (uint32_t)len;
        t->nmsg++;
    }
    return len;
}

static uint32_t download_records(Gen *g, int i)
{
    uint32_t n;
    switch (i % 4) {
    case 0: n = 1; break;                              /* API call */
    case 1: n = rng_range(&g->rng, 2, 4); break;       /* page */
    case 2: n = rng_range(&g->rng, 8, 24); break;      /* assets */
    default: n = rng_range(&g->rng, 32, 64); break;    /* download */
    }
    if (g->o.max_records && n > g->o.max_records)
        n = g->o.max_records;
    return n;
}

static void tls_build_template(Gen *g, TlsTemplate *t, SSL_CTX *sctx, SSL_CTX *cctx,
                               const TlsProfile *pr, const char *sni, uint32_t nrec)
{
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    if (!c || !s || !c_in || !c_out || !s_in || !s_out)
        ssl_die("SSL_new");
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    if (pr->sni)
        SSL_set_tlsext_host_name(c, sni);
    if (pr->status_request)
        SSL_set_tlsext_status_type(c, TLSEXT_STATUSTYPE_ocsp);
    t->profile = pr->name;
    t->sni = pr->sni ? sni : "";

    int cdone = 0, sdone = 0;
    for (int round = 0; round < 10 && !(cdone && sdone); round++) {
        if (!cdone) {
            int r = SSL_do_handshake(c);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
                ssl_die("client handshake");
        }
        tls_pump(t, c_out, s_in, DIR_C2S, 1);
        if (!sdone) {
            int r = SSL_do_handshake(s);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
                ssl_die("server handshake");
        }
        tls_pump(t, s_out, c_in, DIR_S2C, 1);
    }
    if (!cdone || !sdone)
        die("TLS template handshake did not finish");
    t->tls13 = SSL_version(c) == TLS1_3_VERSION;

    /* request: an HTTP-sized record from the client */
    char req[640];
    memset(req, 'a', sizeof(req)); /* padding after the request line: realistic header bulk */
    int rl = snprintf(req, sizeof(req),
                      "GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n\r\n",
                      "resource", sni, pr->name);
    size_t reqlen = (size_t)rl + rng_below(&g->rng, 300);
    if (reqlen > sizeof(req))
        reqlen = sizeof(req);
    if (SSL_write(c, req, (int)reqlen) <= 0)
        ssl_die("SSL_write request");
    tls_pump(t, c_out, s_in, DIR_C2S, 1);
    char sink[1024];
    while (SSL_read(s, sink, sizeof(sink)) > 0)
        ;

    /* download: whole records, so a session may replay any prefix of them */
    t->dl_off = (uint32_t)t->data.len;
    t->nrec = nrec;
    t->rec_end = malloc(sizeof(uint32_t) * nrec);
    if (!t->rec_end)
        die("out of memory");
    for (uint32_t i = 0; i < nrec; i++) {
        size_t len = (i + 1 < nrec) ? 16384 : rng_range(&g->rng, 200, 16384);
        if (SSL_write(s, g->noise, (int)len) <= 0)
            ssl_die("SSL_write download");
        tls_pump(t, s_out, NULL, DIR_S2C, 0);
        t->rec_end[i] = (uint32_t)t->data.len;
    }
    /* the client's close_notify follows only its own records, so it stays
     * valid whichever download prefix a session replays */
    SSL_shutdown(c);
    t->close_off = (uint32_t)t->data.len;
    t->close_len = (uint32_t)tls_pump(t, c_out, NULL, DIR_C2S, 0);
    SSL_free(c);
    SSL_free(s);
}

#define N_TLS_TEMPLATES 56

static void tls_init(Gen *g)
{
    tls_rng.s = g->o.seed ^ 0x746c73746c73ULL;
    if (!RAND_set_rand_method(&det_rand))
        ssl_die("RAND_set_rand_method");
    EVP_PKEY *cakey = EVP_EC_gen("P-256");
    EVP_PKEY *leafkey = EVP_EC_gen("P-256");
    if (!cakey || !leafkey)
        ssl_die("EC key generation");
    X509 *ca = make_cert(cakey, cakey, NULL, "Guanlan Synthetic Root CA", 1);
    X509 *leaf = make_cert(leafkey, cakey, ca, "*.example.com", 2);
    SSL_CTX *sctx = server_ctx(leaf, leafkey, ca);
    SSL_CTX *cctx[N_PROFILES];
    for (int i = 0; i < N_PROFILES; i++)
        cctx[i] = client_ctx(&TLS_PROFILES[i]);

    g->ntls = N_TLS_TEMPLATES;
    g->tls = calloc((size_t)g->ntls, sizeof(TlsTemplate));
    if (!g->tls)
        die("out of memory");
    for (int i = 0; i < g->ntls; i++) {
        int p = i % N_PROFILES;
        tls_build_template(g, &g->tls[i], sctx, cctx[p], &TLS_PROFILES[p],
                           TLS_SNIS[(i * 7) % N_SNIS], download_records(g, i));
    }
    for (int i = 0; i < N_PROFILES; i++)
        SSL_CTX_free(cctx[i]);
    SSL_CTX_free(sctx);
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(leafkey);
    EVP_PKEY_free(cakey);
}

static void tls_free(Gen *g)
{
    for (int i = 0; i < g->ntls; i++) {
        free(g->tls[i].data.p);
        free(g->tls[i].rec_end);
    }
    free(g->tls);
}

/* One TLS session: a template replayed over a fresh TCP conversation. */
static void render_tls(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    TlsTemplate *t = &g->tls[rng_below(r, (uint32_t)g->ntls)];
    static const uint16_t ports[] = {443, 443, 443, 443, 443, 443, 443, 8443};
    Path p;
    uint16_t port = PICK(r, ports); /* separate statement: argument order is unspecified */
    path_new(g, &p, want_v6(g), port);
    Tcp c;
    tcp_init(&c, g, s, &p);
    tcp_handshake(&c);
    for (int i = 0; i < t->nmsg; i++) {
        int dir = t->msg[i].dir;
        uint32_t think = dir == DIR_C2S ? rng_range(r, 30, 600) : rng_range(r, 100, 3000);
        tcp_msg(&c, dir, t->data.p + t->msg[i].off, t->msg[i].len, think);
    }
    g->st.tls_clienthello++;
    /* any prefix of whole records, mostly the larger part */
    uint32_t k = t->nrec - rng_below(r, t->nrec / 2 + 1);
    if (k == 0)
        k = 1;
    tcp_msg(&c, DIR_S2C, t->data.p + t->dl_off, t->rec_end[k - 1] - t->dl_off, rng_range(r, 500, 30000));
    if (rng_pct(r, 70))
        tcp_msg(&c, DIR_C2S, t->data.p + t->close_off, t->close_len, rng_range(r, 200, 50000));
    tcp_finish(&c);
}
