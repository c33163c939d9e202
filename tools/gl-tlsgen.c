/*
 * gl-tlsgen.c — labelled TLS training traffic for encrypted-traffic
 * detection. Writes a pcap of TLS sessions plus a labels CSV (one line per
 * TCP connection: src_ip,src_port,dest_ip,dest_port,proto,label,family).
 *
 * Every session is a real OpenSSL handshake between an in-process client
 * and server over memory BIOs, followed by real encrypted application
 * records, replayed into a TCP conversation by gl-gen's wire layer
 * (tools/gen/gen-core.c, #included like gl-gen.c does). Certificates are
 * made at start-up: a root → intermediate → leaf PKI for ordinary servers,
 * plus self-signed, short-lived, expired, mismatched-SAN and weak-key ones.
 *
 * Families (see docs/encrypted-training-data.md) are generator profiles:
 * benign ones (browsers, bulk downloads, API clients, uploads, internal
 * self-signed servers, push keep-alives, periodic update checks) and
 * malicious-like ones (jittered beacons over repeated or kept-alive
 * connections, tool-like clients, exfiltration uploads, sites with bad
 * certificates). They overlap on purpose — benign uploads, a benign
 * self-signed server, benign periodic pollers, malware with a browser
 * fingerprint or a valid certificate — so no single feature decides.
 *
 * Output depends only on the arguments (seeded splitmix64, also for
 * OpenSSL's RNG through gen-tls.c's RAND_METHOD).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "gen/gen.h"
/* gl-gen's builders: only part of them is used here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "gen/gen-core.c"
#include "gen/gen-tls.c"
#pragma GCC diagnostic pop

#define TG_EPOCH 1709294400LL /* capture clock start: 2024-03-01 12:00:00 UTC (as gl-gen) */
#define DAY 86400LL

/* ------------------------------------------------------------ randomness */

static Rng *R; /* the generator's stream (g.rng) */

static uint32_t rr(uint32_t lo, uint32_t hi) { return rng_range(R, lo, hi); }
static int pct(uint32_t p) { return rng_pct(R, p); }
static double unif(void) { return (double)(rng_next(R) >> 11) / 9007199254740992.0; }

/* log-uniform in [lo, hi]: human think times and sizes span decades */
static uint32_t logu(uint32_t lo, uint32_t hi)
{
    double v = exp(log((double)lo) + unif() * (log((double)hi) - log((double)lo)));
    return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

/* period ± frac (e.g. 0.2 = ±20%) */
static uint32_t jitter(uint32_t period, double frac)
{
    double f = 1.0 + frac * (2.0 * unif() - 1.0);
    return (uint32_t)(period * f);
}

/* ------------------------------------------------------------ certificates */

typedef enum {
    CERT_CHAIN,        /* root → intermediate → leaf, valid, SAN matches */
    CERT_SELF_INTERNAL,/* benign self-signed intranet appliance, long validity */
    CERT_SELF_C2,      /* self-signed, generic subject, name unrelated to SNI */
    CERT_SHORTLIVED,   /* 2–7 days validity from an unknown issuer */
    CERT_EXPIRED,      /* chain-signed but expired before the capture */
    CERT_MISMATCH,     /* valid chain, SAN for a different domain than the SNI */
    CERT_WEAKKEY,      /* self-signed RSA-1024 */
    CERT_NKINDS
} CertKind;

static const char *CERT_NAMES[] = {"chain", "self-internal", "self-c2", "shortlived", "expired",
                                   "mismatch", "weakkey"};

typedef struct Pki {
    EVP_PKEY *root_key, *inter_key, *ec_key, *rsa_key, *rsa1024, *other_ca_key;
    X509 *root, *inter;
    long serial;
} Pki;

static Pki pki;

static void name_add(X509_NAME *n, const char *f, const char *v)
{
    if (v && *v)
        X509_NAME_add_entry_by_txt(n, f, MBSTRING_ASC, (const unsigned char *)v, -1, -1, 0);
}

/* issuer == NULL: self-signed with `key`. san: "DNS:a,DNS:b" or NULL. */
static X509 *mk_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *org, const char *cn,
                     const char *san, int64_t not_before, int64_t not_after, int ca)
{
    X509 *x = X509_new();
    if (!x)
        ssl_die("X509_new");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ++pki.serial);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    name_add(n, "C", "CN");
    name_add(n, "O", org);
    name_add(n, "CN", cn);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509 *iss = issuer ? issuer : x;
    if (ca) {
        add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, iss, NID_basic_constraints, "CA:FALSE");
        add_ext(x, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        add_ext(x, iss, NID_ext_key_usage, "serverAuth");
    }
    if (san)
        add_ext(x, iss, NID_subject_alt_name, san);
    add_ext(x, iss, NID_subject_key_identifier, "hash");
    if (!X509_sign(x, signer, EVP_sha256()))
        ssl_die("X509_sign");
    return x;
}

static EVP_PKEY *rsa_key(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);
    if (!k)
        ssl_die("RSA key generation");
    return k;
}

static void pki_init(void)
{
    pki.root_key = EVP_EC_gen("P-256");
    pki.inter_key = EVP_EC_gen("P-256");
    pki.ec_key = EVP_EC_gen("P-256");
    pki.other_ca_key = EVP_EC_gen("P-256");
    if (!pki.root_key || !pki.inter_key || !pki.ec_key || !pki.other_ca_key)
        ssl_die("EC key generation");
    pki.rsa_key = rsa_key(2048);
    pki.rsa1024 = rsa_key(1024);
    pki.root = mk_cert(pki.root_key, pki.root_key, NULL, "Guanlan Synthetic Trust", "Guanlan Synthetic Root R1",
                       NULL, TG_EPOCH - 2000 * DAY, TG_EPOCH + 5000 * DAY, 1);
    pki.inter = mk_cert(pki.inter_key, pki.root_key, pki.root, "Guanlan Synthetic Trust",
                        "Guanlan Synthetic Issuing CA 2", NULL, TG_EPOCH - 900 * DAY, TG_EPOCH + 1500 * DAY, 1);
}

static void pki_free(void)
{
    X509_free(pki.root);
    X509_free(pki.inter);
    EVP_PKEY *keys[] = {pki.root_key, pki.inter_key, pki.ec_key, pki.rsa_key, pki.rsa1024, pki.other_ca_key};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        EVP_PKEY_free(keys[i]);
}

/* ------------------------------------------------------------- host names */

static const char *SYL[] = {"lan", "tern", "ri", "ver", "har", "bour", "sig", "nal", "gre", "en", "qui",
                            "et", "win", "dow", "mor", "ning", "sta", "tion", "bri", "dge", "pa", "per",
                            "sto", "ne", "clo", "ud", "ka", "zo", "mi", "ra", "te", "lo"};
static const char *TLD[] = {"com", "net", "org", "io", "cn", "de"};
static const char *SUB[] = {"www", "api", "cdn", "static", "login", "mail", "img", "app", "m", "update"};

static void word(char *out, size_t n, int syl)
{
    out[0] = 0;
    for (int i = 0; i < syl; i++)
        strncat(out, PICK(R, SYL), n - strlen(out) - 1);
}

/* a random-looking DGA-ish label */
static void rand_label(char *out, int len)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < len; i++)
        out[i] = al[rng_below(R, (uint32_t)(i == 0 ? 26 : 36))];
    out[len] = 0;
}

/* ----------------------------------------------------------------- servers */

typedef struct Server {
    uint8_t ip[4];
    char host[96];      /* name clients put in SNI */
    char domain[80];    /* registered domain */
    CertKind kind;
    int rsa;            /* key type of the leaf */
    int max_tls13;      /* server speaks TLS 1.3 */
    SSL_CTX *ctx;
} Server;

static uint32_t server_ctr;

static void server_ip(uint8_t ip[4])
{
    /* 198.18.0.0/15 (RFC 2544 benchmarking range), like gl-gen; counter keeps them distinct */
    uint32_t h = 0xC6120000u + 1 + (server_ctr++ * 2654435761u) % 130000u;
    ip[0] = (uint8_t)(h >> 24);
    ip[1] = (uint8_t)(h >> 16);
    ip[2] = (uint8_t)(h >> 8);
    ip[3] = (uint8_t)h;
}

static SSL_CTX *server_ctx_for(X509 *leaf, EVP_PKEY *key, X509 *chain1, int tls13)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        ssl_die("SSL_CTX_new");
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    if (!SSL_CTX_use_certificate(ctx, leaf) || !SSL_CTX_use_PrivateKey(ctx, key))
        ssl_die("server certificate");
    if (chain1 && !SSL_CTX_add1_chain_cert(ctx, chain1))
        ssl_die("server chain");
    if (!SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0"))
        ssl_die("server ciphers");
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    return ctx;
}

/* New server of a certificate kind; `sni_host` = name clients will ask for. */
static void server_new(Server *s, CertKind kind, int rsa, int tls13)
{
    memset(s, 0, sizeof(*s));
    server_ip(s->ip);
    s->kind = kind;
    s->rsa = rsa;
    s->max_tls13 = tls13;
    char w[40], lab[24];
    word(w, sizeof(w), (int)rr(2, 3));
    switch (kind) {
    case CERT_SELF_INTERNAL:
        snprintf(s->domain, sizeof(s->domain), "corp.internal");
        snprintf(s->host, sizeof(s->host), "%s-%u.corp.internal", w, rr(1, 40));
        break;
    case CERT_SELF_C2:
    case CERT_SHORTLIVED:
    case CERT_WEAKKEY:
        if (pct(50)) {
            rand_label(lab, (int)rr(8, 16));
            snprintf(s->domain, sizeof(s->domain), "%s.%s", lab, PICK(R, TLD));
        } else {
            snprintf(s->domain, sizeof(s->domain), "%s%u.%s", w, rr(1, 99), PICK(R, TLD));
        }
        snprintf(s->host, sizeof(s->host), "%s%s", pct(40) ? "www." : "", s->domain);
        break;
    default:
        snprintf(s->domain, sizeof(s->domain), "%s.%s", w, PICK(R, TLD));
        snprintf(s->host, sizeof(s->host), "%s.%s", PICK(R, SUB), s->domain);
        break;
    }
    EVP_PKEY *key = kind == CERT_WEAKKEY ? pki.rsa1024 : rsa ? pki.rsa_key : pki.ec_key;
    int64_t now = TG_EPOCH;
    char san[256];
    snprintf(san, sizeof(san), "DNS:%s,DNS:*.%s", s->domain, s->domain);
    X509 *leaf = NULL, *chain = NULL;
    switch (kind) {
    case CERT_CHAIN: {
        int64_t nb = now - (int64_t)rr(5, 300) * DAY;
        int64_t life = pct(50) ? 90 : pct(50) ? 397 : 365;
        if (nb + life * DAY <= now + DAY)
            nb = now - (life / 2) * DAY;
        leaf = mk_cert(key, pki.inter_key, pki.inter, pct(60) ? NULL : "Synthetic Web Services", s->host, san, nb,
                       nb + life * DAY, 0);
        chain = pki.inter;
        break;
    }
    case CERT_SELF_INTERNAL: {
        char cn[128];
        snprintf(cn, sizeof(cn), "%s", s->host);
        snprintf(san, sizeof(san), "DNS:%s", s->host);
        int64_t nb = now - (int64_t)rr(30, 1500) * DAY;
        leaf = mk_cert(key, key, NULL, PICK(R, ((const char *[]){"Example Storage Appliance", "IT Department",
                                                                   "Printer Web Admin"})),
                       cn, san, nb, nb + (int64_t)rr(5, 20) * 365 * DAY, 0);
        break;
    }
    case CERT_SELF_C2:
    case CERT_WEAKKEY: {
        /* generic or empty subject, nothing to do with the SNI most of the time */
        static const char *cns[] = {"localhost", "server", "admin", "default", "test", "", "ssl"};
        const char *cn = pct(30) ? s->host : PICK(R, cns);
        int64_t nb = now - (int64_t)rr(1, 400) * DAY;
        leaf = mk_cert(key, key, NULL, pct(50) ? NULL : "Default Org", cn, NULL, nb,
                       nb + (int64_t)PICK(R, ((const int[]){365, 3650, 825, 30})) * DAY, 0);
        (void)san;
        break;
    }
    case CERT_SHORTLIVED: {
        X509 *oca = mk_cert(pki.other_ca_key, pki.other_ca_key, NULL, "Free Quick Certs", "Quick Issuing CA",
                            NULL, now - 400 * DAY, now + 400 * DAY, 1);
        int64_t nb = now - (int64_t)rr(0, 2) * DAY - rr(0, 80000);
        leaf = mk_cert(key, pki.other_ca_key, oca, NULL, s->host, san, nb, nb + (int64_t)rr(2, 7) * DAY, 0);
        X509_free(oca); /* the unknown issuer is not sent: chain length 1 */
        break;
    }
    case CERT_EXPIRED: {
        int64_t na = now - (int64_t)rr(3, 400) * DAY;
        leaf = mk_cert(key, pki.inter_key, pki.inter, NULL, s->host, san, na - 365 * DAY, na, 0);
        chain = pki.inter;
        break;
    }
    case CERT_MISMATCH: {
        char other[80], w2[40], osan[200];
        word(w2, sizeof(w2), 3);
        snprintf(other, sizeof(other), "%s.%s", w2, PICK(R, TLD));
        snprintf(osan, sizeof(osan), "DNS:%s,DNS:www.%s", other, other);
        int64_t nb = now - (int64_t)rr(5, 200) * DAY;
        leaf = mk_cert(key, pki.inter_key, pki.inter, NULL, other, osan, nb, nb + 365 * DAY, 0);
        chain = pki.inter;
        break;
    }
    default:
        die("bad certificate kind");
    }
    s->ctx = server_ctx_for(leaf, key, chain, tls13);
    X509_free(leaf);
}

static void server_free(Server *s)
{
    SSL_CTX_free(s->ctx);
    s->ctx = NULL;
}

/* ------------------------------------------------------------ client side */

typedef struct Client {
    const char *name;
    int tool;                 /* tool-like fingerprint */
    int min_ver, max_ver;
    const char *ciphers12, *suites13, *groups, *sigalgs, *alpn;
    int sni;                  /* 1 name, 0 none, 2 IP literal */
    int grease;               /* GREASE extensions (first and last) */
    int status_request, padding, no_ticket, no_ems, no_etm;
    const unsigned *extra;    /* additional extension types sent empty/with fixed data */
} Client;

static const unsigned EXT_CHROMIUM[] = {27 /* compress_certificate */, 17513 /* application_settings */, 0};
static const unsigned EXT_FIREFOX[] = {28 /* record_size_limit */, 34 /* delegated_credentials */, 0};
static const unsigned EXT_SAFARI[] = {27, 0};
static const unsigned EXT_NONE[] = {0};

#define BROWSER12 "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
                  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
                  "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA"

static const Client CLIENTS[] = {
    /* browser-like */
    {"chromium-like", 0, TLS1_2_VERSION, TLS1_3_VERSION, BROWSER12,
     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", "X25519:P-256:P-384",
     "ECDSA+SHA256:RSA-PSS+SHA256:RSA+SHA256:ECDSA+SHA384:RSA-PSS+SHA384:RSA+SHA384:RSA-PSS+SHA512:RSA+SHA512",
     "h2,http/1.1", 1, 1, 1, 1, 0, 0, 0, EXT_CHROMIUM},
    {"firefox-like", 0, TLS1_2_VERSION, TLS1_3_VERSION, BROWSER12,
     "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384", "X25519:P-256:P-384:P-521",
     NULL, "h2,http/1.1", 1, 0, 1, 0, 0, 0, 0, EXT_FIREFOX},
    {"safari-like", 0, TLS1_2_VERSION, TLS1_3_VERSION,
     "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
     "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:"
     "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES128-GCM-SHA256",
     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", "X25519:P-256:P-384:P-521",
     NULL, "h2,http/1.1", 1, 1, 1, 1, 0, 0, 0, EXT_SAFARI},
    /* API / software clients */
    {"curl-like", 0, TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL, NULL, NULL, "h2,http/1.1", 1, 0, 0, 0, 0, 0, 0,
     EXT_NONE},
    {"python-like", 0, TLS1_2_VERSION, TLS1_3_VERSION, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL", NULL,
     "X25519:P-256:P-384", NULL, "http/1.1", 1, 0, 0, 0, 0, 0, 0, EXT_NONE},
    {"go-like", 0, TLS1_2_VERSION, TLS1_3_VERSION,
     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
     "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", "X25519:P-256:P-384:P-521", NULL,
     "h2,http/1.1", 1, 0, 0, 0, 1, 0, 0, EXT_NONE},
    {"okhttp-like", 0, TLS1_2_VERSION, TLS1_3_VERSION,
     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
     "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256",
     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", "X25519:P-256:P-384", NULL,
     "h2,http/1.1", 1, 0, 0, 0, 0, 0, 0, EXT_NONE},
    {"java-like", 0, TLS1_2_VERSION, TLS1_2_VERSION,
     "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
     "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:AES256-GCM-SHA384:AES128-SHA",
     NULL, "P-256:P-384:P-521", NULL, NULL, 1, 0, 1, 0, 0, 0, 0, EXT_NONE},
    /* tool-like: invented defaults of imaginary offensive tools — old versions,
     * odd cipher order, few extensions, no GREASE, no SNI or an IP literal */
    {"tool-legacy", 1, TLS1_VERSION, TLS1_VERSION, "ECDHE-RSA-AES256-SHA:AES256-SHA:ECDHE-ECDSA-AES256-SHA:AES128-SHA:DES-CBC3-SHA",
     NULL, "P-256", NULL, NULL, 0, 0, 0, 0, 1, 1, 1, EXT_NONE},
    {"tool-oddorder", 1, TLS1_VERSION, TLS1_2_VERSION,
     "AES128-SHA:AES256-SHA256:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
     "ECDHE-ECDSA-AES128-GCM-SHA256",
     NULL, "P-384:P-256", "RSA+SHA1:ECDSA+SHA1:RSA+SHA256:ECDSA+SHA256:RSA+SHA512", NULL, 2, 0, 0, 1, 1, 0, 1,
     EXT_NONE},
    {"tool-tls11", 1, TLS1_1_VERSION, TLS1_1_VERSION, "AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:AES128-SHA",
     NULL, "P-256:P-521", NULL, NULL, 0, 0, 0, 1, 0, 1, 0, EXT_NONE},
    {"tool-minimal13", 1, TLS1_2_VERSION, TLS1_3_VERSION, "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384",
     "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", "P-521:P-384:X25519", NULL, NULL, 2, 0, 0, 0, 1, 1, 1,
     EXT_NONE},
};
#define N_CLIENTS (int)(sizeof(CLIENTS) / sizeof(CLIENTS[0]))
enum { CL_CHROMIUM, CL_FIREFOX, CL_SAFARI, CL_CURL, CL_PYTHON, CL_GO, CL_OKHTTP, CL_JAVA, CL_TOOL0 };

static int pick_browser(void) { return (int)rr(CL_CHROMIUM, CL_SAFARI); }
static int pick_api(void) { return (int)rr(CL_CURL, CL_JAVA); }
static int pick_tool(void) { return (int)rr(CL_TOOL0, N_CLIENTS - 1); }

/* GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa */
static unsigned grease_value(void) { return 0x0a0a + 0x1010 * rr(0, 15); }

static int ext_add_cb(SSL *s, unsigned int type, unsigned int ctx, const unsigned char **out, size_t *outlen,
                      X509 *x, size_t ci, int *al, void *arg)
{
    (void)s; (void)ctx; (void)x; (void)ci; (void)al;
    static const unsigned char one_zero[1] = {0};
    static const unsigned char compress[3] = {2, 0, 2};       /* brotli */
    static const unsigned char alps[5] = {0, 3, 2, 'h', '2'};
    static const unsigned char rsl[2] = {0x40, 0x01};         /* 16385 */
    static const unsigned char dc[10] = {0, 8, 4, 3, 5, 3, 6, 3, 2, 3};
    *out = NULL;
    *outlen = 0;
    if ((type & 0x0f0f) == 0x0a0a) {
        if ((uintptr_t)arg == 2) { /* the trailing GREASE carries one zero byte, like browsers */
            *out = one_zero;
            *outlen = 1;
        }
        return 1;
    }
    switch (type) {
    case 27: *out = compress; *outlen = sizeof(compress); break;
    case 17513: *out = alps; *outlen = sizeof(alps); break;
    case 28: *out = rsl; *outlen = sizeof(rsl); break;
    case 34: *out = dc; *outlen = sizeof(dc); break;
    default: break;
    }
    return 1;
}

static void add_client_ext(SSL_CTX *ctx, unsigned type, uintptr_t arg)
{
    if (!SSL_CTX_add_custom_ext(ctx, type, SSL_EXT_CLIENT_HELLO, ext_add_cb, NULL, (void *)arg, NULL, NULL))
        ssl_die("custom extension");
}

/* A client context per session: GREASE values vary per connection, like browsers. */
static SSL_CTX *client_ctx_for(const Client *c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        ssl_die("SSL_CTX_new");
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_min_proto_version(ctx, c->min_ver);
    SSL_CTX_set_max_proto_version(ctx, c->max_ver);
    if (c->ciphers12 && !SSL_CTX_set_cipher_list(ctx, c->ciphers12))
        ssl_die("client cipher list");
    if (c->suites13 && !SSL_CTX_set_ciphersuites(ctx, c->suites13))
        ssl_die("client ciphersuites");
    if (c->groups && !SSL_CTX_set1_groups_list(ctx, c->groups))
        ssl_die("client groups");
    if (c->sigalgs && !SSL_CTX_set1_sigalgs_list(ctx, c->sigalgs))
        ssl_die("client sigalgs");
    uint64_t opts = 0;
    if (c->no_ticket)
        opts |= SSL_OP_NO_TICKET;
    if (c->padding)
        opts |= SSL_OP_TLSEXT_PADDING;
    if (c->no_ems)
        opts |= SSL_OP_NO_EXTENDED_MASTER_SECRET;
    if (c->no_etm)
        opts |= SSL_OP_NO_ENCRYPT_THEN_MAC;
    SSL_CTX_set_options(ctx, opts);
    if (c->alpn) {
        unsigned char wire[64];
        size_t n = 0;
        for (const char *a = c->alpn; *a;) {
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
    if (c->grease) {
        unsigned g1 = grease_value(), g2 = grease_value();
        if (g2 == g1)
            g2 = 0x0a0a + ((g1 - 0x0a0a + 0x1010) % 0x10000);
        add_client_ext(ctx, g1, 1);
        for (const unsigned *e = c->extra; *e; e++)
            add_client_ext(ctx, *e, 0);
        add_client_ext(ctx, g2, 2);
    } else {
        for (const unsigned *e = c->extra; *e; e++)
            add_client_ext(ctx, *e, 0);
    }
    return ctx;
}

/* ---------------------------------------------------------------- scripts */

/* application data after the handshake: who sends how much after what pause */
typedef struct Step {
    uint8_t dir;
    uint32_t len;    /* plaintext bytes */
    uint32_t delay;  /* us after the previous message ended */
} Step;

#define MAX_STEPS 400

typedef struct Script {
    int n;
    Step s[MAX_STEPS];
} Script;

static void step(Script *sc, int dir, uint32_t len, uint32_t delay)
{
    if (sc->n < MAX_STEPS && len)
        sc->s[sc->n++] = (Step){(uint8_t)dir, len, delay};
}

/* -------------------------------------------------------------- the output */

static FILE *labels_out;
static Gen g;

static uint64_t fam_count[32];
static uint64_t label_count[2];

/* one TLS session over a new TCP connection, starting at c->t */
static void run_session(Tcp *c, const Client *cl, Server *sv, const Script *sc)
{
    SSL_CTX *cctx = client_ctx_for(cl);
    SSL *cs = SSL_new(cctx), *ss = SSL_new(sv->ctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    if (!cs || !ss || !c_in || !c_out || !s_in || !s_out)
        ssl_die("SSL_new");
    SSL_set_bio(cs, c_in, c_out);
    SSL_set_bio(ss, s_in, s_out);
    SSL_set_connect_state(cs);
    SSL_set_accept_state(ss);
    char ipname[20];
    if (cl->sni == 1)
        SSL_set_tlsext_host_name(cs, sv->host);
    else if (cl->sni == 2) {
        snprintf(ipname, sizeof(ipname), "%u.%u.%u.%u", sv->ip[0], sv->ip[1], sv->ip[2], sv->ip[3]);
        SSL_set_tlsext_host_name(cs, ipname);
    }
    if (cl->status_request)
        SSL_set_tlsext_status_type(cs, TLSEXT_STATUSTYPE_ocsp);

    Buf b = {0};
    uint8_t tmp[16384];
    int cdone = 0, sdone = 0;
    for (int round = 0; round < 10 && !(cdone && sdone); round++) {
        if (!cdone) {
            int r = SSL_do_handshake(cs);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(cs, r) != SSL_ERROR_WANT_READ)
                ssl_die("client handshake");
        }
        b.len = 0;
        int n;
        while ((n = BIO_read(c_out, tmp, sizeof(tmp))) > 0) {
            buf_put(&b, tmp, (size_t)n);
            BIO_write(s_in, tmp, n);
        }
        if (b.len)
            tcp_msg(c, DIR_C2S, b.p, b.len, rr(30, 600));
        if (!sdone) {
            int r = SSL_do_handshake(ss);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(ss, r) != SSL_ERROR_WANT_READ)
                ssl_die("server handshake");
        }
        b.len = 0;
        while ((n = BIO_read(s_out, tmp, sizeof(tmp))) > 0) {
            buf_put(&b, tmp, (size_t)n);
            BIO_write(c_in, tmp, n);
        }
        if (b.len)
            tcp_msg(c, DIR_S2C, b.p, b.len, rr(100, 3000));
    }
    if (!cdone || !sdone)
        die("handshake %s -> %s did not finish", cl->name, CERT_NAMES[sv->kind]);

    /* application records: encrypted for real, never decrypted (nobody reads them) */
    for (int i = 0; i < sc->n; i++) {
        const Step *st = &sc->s[i];
        SSL *from = st->dir == DIR_C2S ? cs : ss;
        BIO *out = st->dir == DIR_C2S ? c_out : s_out;
        b.len = 0;
        for (uint32_t left = st->len; left;) {
            uint32_t k = left < 65536 ? left : 65536;
            const uint8_t *src = g.noise + rng_below(R, (uint32_t)(g.noise_len - k));
            if (SSL_write(from, src, (int)k) <= 0)
                ssl_die("SSL_write");
            int n;
            while ((n = BIO_read(out, tmp, sizeof(tmp))) > 0)
                buf_put(&b, tmp, (size_t)n);
            left -= k;
        }
        tcp_msg(c, st->dir, b.p, b.len, st->delay);
    }
    if (pct(75)) {
        SSL_shutdown(cs);
        b.len = 0;
        int n;
        while ((n = BIO_read(c_out, tmp, sizeof(tmp))) > 0)
            buf_put(&b, tmp, (size_t)n);
        if (b.len)
            tcp_msg(c, DIR_C2S, b.p, b.len, rr(200, 50000));
    }
    tcp_finish(c);
    free(b.p);
    SSL_free(cs);
    SSL_free(ss);
    SSL_CTX_free(cctx);
}

/* -------------------------------------------------------------- families */

typedef struct Family {
    const char *name;
    int malicious;
    uint32_t weight;
} Family;

enum {
    F_BROWSER, F_BULK, F_API, F_UPLOAD, F_INTERNAL, F_PUSH, F_POLL,
    F_BEACON_CONN, F_BEACON_KA, F_TOOL, F_EXFIL, F_MALCERT, F_NFAM
};

static const Family FAMILIES[F_NFAM] = {
    /* weights are per job; jobs of browser/api/internal average ~1.6
     * connections, update-poll ~5.5, beacon-conn ~10 — the weights aim at
     * session shares of roughly 34/8/20/8/10/8/12 % (benign) and
     * 25/15/18/18/22 % (malicious) */
    {"browser", 0, 21},          {"bulk-download", 0, 8}, {"api-client", 0, 12}, {"benign-upload", 0, 8},
    {"internal-selfsigned", 0, 6}, {"push-keepalive", 0, 8}, {"update-poll", 0, 2},
    {"beacon-conn", 1, 3},       {"beacon-keepalive", 1, 15}, {"tool-client", 1, 18}, {"exfil", 1, 18},
    {"malcert-site", 1, 16},
};

/* benign servers are shared by many clients, like real sites */
#define N_SITES 40
static Server sites[N_SITES];
#define N_INTERNAL 4
static Server internal_sites[N_INTERNAL];

static void sites_init(void)
{
    for (int i = 0; i < N_SITES; i++)
        server_new(&sites[i], CERT_CHAIN, pct(30), pct(55));
    for (int i = 0; i < N_INTERNAL; i++)
        server_new(&internal_sites[i], CERT_SELF_INTERNAL, pct(50), pct(30));
}

/* certificate of a malicious-like server: mostly anomalous, sometimes clean */
static CertKind malicious_cert(int allow_clean)
{
    uint32_t x = rr(0, 99);
    if (allow_clean && x < 20)
        return CERT_CHAIN;
    if (x < 45)
        return CERT_SELF_C2;
    if (x < 65)
        return CERT_SHORTLIVED;
    if (x < 78)
        return CERT_EXPIRED;
    if (x < 90)
        return CERT_MISMATCH;
    return CERT_WEAKKEY;
}

/* client address: benign hosts come from the lower part of the client
 * range, infected hosts are drawn from the same range (no shortcut) */
static void client_ip(uint8_t ip[4])
{
    uint32_t h = 0x0A000000u + rr(1, 250) * 256 + rr(2, 254);
    ip[0] = (uint8_t)(h >> 24);
    ip[1] = (uint8_t)(h >> 16);
    ip[2] = (uint8_t)(h >> 8);
    ip[3] = (uint8_t)h;
}

static void set_path(Path *p, const uint8_t cip[4], const Server *sv, uint16_t port)
{
    path_new(&g, p, 0, port);
    memcpy(p->ip[0], cip, 4);
    memcpy(p->ip[1], sv->ip, 4);
    mac_for(p->ip[0], 4, 0x10, p->mac[0]);
    mac_for(p->ip[1], 4, 0x20, p->mac[1]);
}

static void write_label(const Path *p, int fam)
{
    fprintf(labels_out, "%u.%u.%u.%u,%u,%u.%u.%u.%u,%u,TCP,%s,%s\n", p->ip[0][0], p->ip[0][1], p->ip[0][2],
            p->ip[0][3], p->port[0], p->ip[1][0], p->ip[1][1], p->ip[1][2], p->ip[1][3], p->port[1],
            FAMILIES[fam].malicious ? "malicious" : "benign", FAMILIES[fam].name);
    fam_count[fam]++;
    label_count[FAMILIES[fam].malicious]++;
}

/* ---- scripts per behaviour ---- */

/* human browsing: page loads separated by irregular think times */
static void script_browse(Script *sc)
{
    int pages = (int)rr(1, 6);
    for (int p = 0; p < pages; p++) {
        uint32_t think = p == 0 ? rr(1000, 40000) : logu(400000, 90000000);
        step(sc, DIR_C2S, rr(250, 1500), think);
        step(sc, DIR_S2C, logu(1500, 200000), rr(2000, 120000));
        int sub = (int)rr(0, 4);
        for (int k = 0; k < sub; k++) {
            step(sc, DIR_C2S, rr(200, 900), rr(2000, 250000));
            step(sc, DIR_S2C, logu(300, 120000), rr(2000, 80000));
        }
    }
}

static void script_bulk(Script *sc)
{
    step(sc, DIR_C2S, rr(200, 800), rr(1000, 30000));
    step(sc, DIR_S2C, logu(200000, 1500000), rr(5000, 100000));
}

static void script_api(Script *sc)
{
    int calls = (int)rr(1, 8);
    for (int i = 0; i < calls; i++) {
        step(sc, DIR_C2S, logu(150, 3000), i ? logu(20000, 8000000) : rr(1000, 20000));
        step(sc, DIR_S2C, logu(80, 12000), rr(3000, 200000));
    }
}

static void script_upload(Script *sc, uint32_t lo, uint32_t hi, int chunked)
{
    step(sc, DIR_C2S, rr(300, 1200), rr(1000, 30000));
    uint32_t total = logu(lo, hi);
    int parts = chunked ? (int)rr(2, 8) : 1;
    for (int i = 0; i < parts; i++) {
        step(sc, DIR_C2S, total / (uint32_t)parts, rr(500, 20000));
        if (chunked)
            step(sc, DIR_S2C, rr(30, 120), rr(2000, 60000));
    }
    step(sc, DIR_S2C, rr(100, 900), rr(5000, 300000));
}

/* long-lived channel: a heartbeat every period ± jit, sometimes bigger pushes/tasks */
static void script_heartbeat(Script *sc, uint32_t period, double jit, int beats, int task_pct, int push)
{
    step(sc, DIR_C2S, rr(60, 400), rr(1000, 20000)); /* hello / registration */
    step(sc, DIR_S2C, rr(40, 300), rr(2000, 100000));
    for (int i = 0; i < beats; i++) {
        step(sc, DIR_C2S, rr(30, 220), jitter(period, jit));
        step(sc, DIR_S2C, rr(25, 200), rr(2000, 150000));
        if (pct((uint32_t)task_pct)) {
            if (push) {
                step(sc, DIR_S2C, logu(200, 4000), logu(1000000, period));
            } else {
                step(sc, DIR_S2C, logu(2000, 60000), rr(1000, 50000));
                step(sc, DIR_C2S, logu(500, 30000), logu(200000, 5000000));
                step(sc, DIR_S2C, rr(25, 120), rr(2000, 80000));
            }
        }
    }
}

/* interactive tool: small commands, small/medium answers, short irregular gaps */
static void script_shell(Script *sc)
{
    int n = (int)rr(4, 30);
    step(sc, DIR_C2S, rr(80, 300), rr(1000, 10000));
    step(sc, DIR_S2C, rr(100, 2000), rr(2000, 60000));
    for (int i = 0; i < n; i++) {
        step(sc, DIR_S2C, rr(30, 200), logu(100000, 8000000));
        step(sc, DIR_C2S, logu(40, 4000), rr(2000, 400000));
    }
}

/* one beacon check-in per connection: tiny request, tiny answer, rare task */
static void script_checkin(Script *sc)
{
    step(sc, DIR_C2S, rr(80, 450), rr(500, 15000));
    step(sc, DIR_S2C, rr(40, 320), rr(2000, 150000));
    if (pct(15)) {
        step(sc, DIR_S2C, logu(1000, 50000), rr(1000, 30000));
        step(sc, DIR_C2S, logu(300, 20000), logu(100000, 4000000));
        step(sc, DIR_S2C, rr(30, 100), rr(2000, 60000));
    }
}

/* ---- jobs: one family instance, one or more connections ---- */

typedef struct Job {
    uint64_t start;
    int fam;
    uint32_t conns;
    uint32_t idx;
} Job;

static Script sc;

static uint16_t pick_port(int malicious)
{
    if (malicious && pct(12))
        return 8443;
    return pct(3) ? 8443 : 443;
}

/* renders a job's sessions (sequential connections) into the slot */
static void render_job(Slot *s, const Job *j)
{
    uint8_t cip[4];
    client_ip(cip);
    int fam = j->fam;
    Server own, *sv;
    int own_used = 0;
    int ci;
    uint64_t t = 0;
    uint32_t period = 0;
    double jit = 0;
    switch (fam) {
    case F_BROWSER: ci = pick_browser(); sv = &sites[rr(0, N_SITES - 1)]; break;
    case F_BULK: ci = pct(50) ? pick_browser() : (int)PICK(R, ((const int[]){CL_CURL, CL_PYTHON, CL_GO})); sv = &sites[rr(0, N_SITES - 1)]; break;
    case F_API: ci = pick_api(); sv = &sites[rr(0, N_SITES - 1)]; break;
    case F_UPLOAD: ci = pct(60) ? pick_browser() : pick_api(); sv = &sites[rr(0, N_SITES - 1)]; break;
    case F_INTERNAL: ci = pct(70) ? pick_browser() : pick_api(); sv = &internal_sites[rr(0, N_INTERNAL - 1)]; break;
    case F_PUSH: ci = pct(60) ? CL_OKHTTP : pick_api(); sv = &sites[rr(0, N_SITES - 1)]; break;
    case F_POLL:
        ci = pick_api();
        sv = &sites[rr(0, N_SITES - 1)];
        period = logu(60, 3600) * 1000000u;
        jit = 0.05 + 0.5 * unif(); /* some pollers are as regular as beacons */
        break;
    case F_BEACON_CONN:
    case F_BEACON_KA: {
        uint32_t x = rr(0, 99);
        ci = x < 45 ? pick_tool() : x < 80 ? pick_browser() : pick_api();
        CertKind k = malicious_cert(1);
        int tool = CLIENTS[ci].tool;
        server_new(&own, k, tool ? 1 : pct(70), tool ? 0 : pct(35));
        own_used = 1;
        sv = &own;
        period = (fam == F_BEACON_CONN ? rr(30, 300) : rr(5, 120)) * 1000000u;
        jit = 0.05 + 0.25 * unif(); /* 5–30 %, e.g. 60 s ± 20 % */
        break;
    }
    case F_TOOL:
        ci = pick_tool();
        server_new(&own, malicious_cert(0), 1, 0);
        own_used = 1;
        sv = &own;
        break;
    case F_EXFIL: {
        uint32_t x = rr(0, 99);
        ci = x < 40 ? pick_browser() : x < 70 ? pick_api() : pick_tool();
        int tool = CLIENTS[ci].tool;
        server_new(&own, malicious_cert(1), tool ? 1 : pct(60), tool ? 0 : pct(35));
        own_used = 1;
        sv = &own;
        break;
    }
    case F_MALCERT:
    default:
        ci = pct(85) ? pick_browser() : pick_api();
        /* certificate anomalies must be visible: TLS 1.2 server */
        server_new(&own, malicious_cert(0), pct(50), 0);
        own_used = 1;
        sv = &own;
        break;
    }
    uint16_t port = pick_port(FAMILIES[fam].malicious);
    for (uint32_t k = 0; k < j->conns; k++) {
        sc.n = 0;
        switch (fam) {
        case F_BROWSER: case F_INTERNAL: case F_MALCERT: script_browse(&sc); break;
        case F_BULK: script_bulk(&sc); break;
        case F_API: script_api(&sc); break;
        case F_UPLOAD: script_upload(&sc, 80000, 1000000, 0); break;
        case F_EXFIL: script_upload(&sc, 300000, 2500000, pct(60)); break;
        case F_PUSH: script_heartbeat(&sc, rr(30, 270) * 1000000u, 0.02 + 0.1 * unif(), (int)rr(6, 30), 35, 1); break;
        case F_BEACON_KA: script_heartbeat(&sc, period, jit, (int)rr(10, 40), 10, 0); break;
        case F_TOOL: script_shell(&sc); break;
        case F_POLL: script_api(&sc); if (sc.n > 4) sc.n = 4; break;
        case F_BEACON_CONN: default: script_checkin(&sc); break;
        }
        Path p;
        set_path(&p, cip, sv, port);
        Tcp c;
        tcp_init(&c, &g, s, &p);
        c.t = t;
        tcp_handshake(&c);
        write_label(&p, fam);
        run_session(&c, &CLIENTS[ci], sv, &sc);
        if (period)
            t += jitter(period, jit);
        else
            t = c.t + logu(2000000, 600000000); /* repeated visits: irregular */
        if (t < c.t + 1000)
            t = c.t + 1000;
    }
    if (own_used)
        server_free(&own);
}

/* ----------------------------------------------------------------- merge */

static void write_pcap_header(FILE *f)
{
    struct {
        uint32_t magic;
        uint16_t major, minor;
        int32_t zone;
        uint32_t sigfigs, snaplen, linktype;
    } h = {0xa1b2c3d4, 2, 4, 0, 0, 65535, 1};
    if (fwrite(&h, sizeof(h), 1, f) != 1)
        die("write failed: %s", strerror(errno));
}

static uint64_t out_bytes;

static uint64_t slot_time(const Slot *s)
{
    uint64_t rel;
    memcpy(&rel, s->b.p + s->rd, 8);
    return s->start_us + rel;
}

static void slot_emit(FILE *f, Slot *s)
{
    uint8_t *r = s->b.p + s->rd;
    uint64_t t = slot_time(s);
    uint32_t len;
    memcpy(&len, r + 8, 4);
    uint32_t sec = (uint32_t)(TG_EPOCH + t / 1000000), usec = (uint32_t)(t % 1000000);
    memcpy(r, &sec, 4);
    memcpy(r + 4, &usec, 4);
    if (fwrite(r, REC_HDR + len, 1, f) != 1)
        die("write failed: %s", strerror(errno));
    out_bytes += REC_HDR + len;
    s->rd += REC_HDR + len;
}

/* TCP records of one session must stay in order: a slot's records are
 * appended in time order per connection, and connections of one job follow
 * each other, so each slot is itself sorted; a linear scan over the live
 * slots (few hundred at most) picks the earliest. */
static void merge_run(FILE *f, Job *jobs, size_t njobs)
{
    size_t cap = 64, nlive = 0, next = 0;
    Slot **live = calloc(cap, sizeof(Slot *));
    if (!live)
        die("out of memory");
    for (;;) {
        /* earliest pending packet among live slots */
        size_t best = SIZE_MAX;
        uint64_t bt = UINT64_MAX;
        for (size_t i = 0; i < nlive; i++) {
            uint64_t t = slot_time(live[i]);
            if (t < bt) {
                bt = t;
                best = i;
            }
        }
        if (next < njobs && jobs[next].start <= bt) {
            Slot *s = calloc(1, sizeof(Slot));
            if (!s)
                die("out of memory");
            s->start_us = jobs[next].start;
            render_job(s, &jobs[next]);
            next++;
            if (!s->b.len) {
                free(s);
                continue;
            }
            if (nlive == cap) {
                cap *= 2;
                Slot **nl = realloc(live, cap * sizeof(Slot *));
                if (!nl)
                    die("out of memory");
                live = nl;
            }
            live[nlive++] = s;
            continue;
        }
        if (best == SIZE_MAX)
            break;
        Slot *s = live[best];
        slot_emit(f, s);
        if (s->rd >= s->b.len) {
            free(s->b.p);
            free(s);
            live[best] = live[--nlive];
        }
    }
    free(live);
}

/* --------------------------------------------------------------- planning */

/* jobs with exactly `total` connections, `mal` of them malicious */
static Job *plan(uint64_t total, uint64_t mal, size_t *njobs, uint64_t span_us)
{
    uint64_t left[2] = {total - mal, mal};
    size_t cap = 256, n = 0;
    Job *jobs = malloc(cap * sizeof(Job));
    if (!jobs)
        die("out of memory");
    uint32_t wsum[2] = {0, 0};
    for (int f = 0; f < F_NFAM; f++)
        wsum[FAMILIES[f].malicious] += FAMILIES[f].weight;
    while (left[0] + left[1]) {
        int m = rng_below(R, (uint32_t)(left[0] + left[1] > UINT32_MAX ? UINT32_MAX : left[0] + left[1])) < left[1];
        uint32_t x = rng_below(R, wsum[m]);
        int fam = 0;
        for (int f = 0; f < F_NFAM; f++) {
            if (FAMILIES[f].malicious != m)
                continue;
            if (x < FAMILIES[f].weight) {
                fam = f;
                break;
            }
            x -= FAMILIES[f].weight;
        }
        uint32_t conns = 1;
        if (fam == F_BEACON_CONN)
            conns = rr(4, 16);
        else if (fam == F_POLL)
            conns = rr(3, 8);
        else if (fam == F_BROWSER || fam == F_API || fam == F_INTERNAL)
            conns = pct(30) ? rr(2, 4) : 1;
        if (conns > left[m])
            conns = (uint32_t)left[m];
        left[m] -= conns;
        if (n == cap) {
            cap *= 2;
            Job *nj = realloc(jobs, cap * sizeof(Job));
            if (!nj)
                die("out of memory");
            jobs = nj;
        }
        jobs[n] = (Job){(uint64_t)(unif() * (double)span_us), fam, conns, (uint32_t)n};
        n++;
    }
    /* by start time; index breaks ties so the order is total */
    for (size_t i = 1; i < n; i++) {
        Job v = jobs[i];
        size_t k = i;
        while (k > 0 && (jobs[k - 1].start > v.start || (jobs[k - 1].start == v.start && jobs[k - 1].idx > v.idx))) {
            jobs[k] = jobs[k - 1];
            k--;
        }
        jobs[k] = v;
    }
    *njobs = n;
    return jobs;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fputs("usage: gl-tlsgen [options] -o OUT.pcap --labels OUT.csv\n"
          "Writes labelled synthetic TLS traffic (real OpenSSL handshakes) for training and\n"
          "evaluating encrypted-traffic detection.\n"
          "\n"
          "  -o FILE            pcap output (required)\n"
          "  --labels FILE      labels CSV: src_ip,src_port,dest_ip,dest_port,proto,label,family\n"
          "  --seed N           random seed (default 1); same arguments give identical bytes.\n"
          "                     Convention: training seeds 1-999, held-out seeds 1000 and up\n"
          "  --sessions N       number of labelled TLS sessions (TCP connections) (default 500)\n"
          "  --malicious PCT    share of malicious sessions, 0-100 (default 35)\n"
          "  --span SECONDS     capture duration over which jobs start (default: sessions x 2 s)\n"
          "  -q                 no summary on stderr\n"
          "  -h, --help         this text\n"
          "\n"
          "Families (label): browser, bulk-download, api-client, benign-upload,\n"
          "internal-selfsigned, push-keepalive, update-poll (benign); beacon-conn,\n"
          "beacon-keepalive, tool-client, exfil, malcert-site (malicious).\n",
          f);
}

static uint64_t num(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        die("%s: not a number: '%s'", opt, s);
    return v;
}

int main(int argc, char **argv)
{
    enum { O_SEED = 256, O_SESS, O_MAL, O_LABELS, O_SPAN };
    static const struct option lo[] = {
        {"seed", required_argument, 0, O_SEED},   {"sessions", required_argument, 0, O_SESS},
        {"malicious", required_argument, 0, O_MAL}, {"labels", required_argument, 0, O_LABELS},
        {"span", required_argument, 0, O_SPAN},   {"output", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, 'q'},           {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL, *labels = NULL;
    uint64_t seed = 1, sessions = 500, malpct = 35, span = 0;
    int quiet = 0, c;
    while ((c = getopt_long(argc, argv, "o:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case O_SEED: seed = num("--seed", optarg); break;
        case O_SESS: sessions = num("--sessions", optarg); break;
        case O_MAL: malpct = num("--malicious", optarg); break;
        case O_LABELS: labels = optarg; break;
        case O_SPAN: span = num("--span", optarg); break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc)
        die("unexpected argument '%s'", argv[optind]);
    if (!out || !labels)
        die("-o and --labels are required (see --help)");
    if (malpct > 100)
        die("--malicious: 0..100");
    if (sessions > 1000000)
        die("--sessions: at most 1000000");
    if (!span)
        span = sessions * 2 + 60;
    if (span > 30 * DAY)
        die("--span: at most 30 days");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    g.rng.s = seed;
    R = &g.rng;
    g.o.seed = seed;
    g.o.ipv6_pct = 0;
    g.noise_len = 1 << 20;
    g.noise = malloc(g.noise_len);
    if (!g.noise)
        die("out of memory");
    for (size_t i = 0; i < g.noise_len; i += 8) {
        uint64_t v = rng_next(R);
        memcpy(g.noise + i, &v, 8);
    }
    tls_rng.s = seed ^ 0x746c7367656e3231ULL;
    if (!RAND_set_rand_method(&det_rand))
        ssl_die("RAND_set_rand_method");
    pki_init();
    sites_init();

    FILE *pf = fopen(out, "wb");
    if (!pf)
        die("%s: %s", out, strerror(errno));
    labels_out = fopen(labels, "w");
    if (!labels_out)
        die("%s: %s", labels, strerror(errno));
    static char obuf[1 << 20];
    setvbuf(pf, obuf, _IOFBF, sizeof(obuf));
    fputs("src_ip,src_port,dest_ip,dest_port,proto,label,family\n", labels_out);
    write_pcap_header(pf);
    out_bytes = 24;

    size_t njobs;
    uint64_t mal = (sessions * malpct + 50) / 100;
    Job *jobs = plan(sessions, mal, &njobs, span * 1000000ULL);
    merge_run(pf, jobs, njobs);
    free(jobs);
    if (fflush(pf) != 0 || fclose(pf) != 0)
        die("%s: %s", out, strerror(errno));
    if (fflush(labels_out) != 0 || fclose(labels_out) != 0)
        die("%s: %s", labels, strerror(errno));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!quiet) {
        fprintf(stderr, "gl-tlsgen: %llu sessions (benign=%llu malicious=%llu), %llu packets, %llu bytes in %.2f s\n",
                (unsigned long long)(label_count[0] + label_count[1]), (unsigned long long)label_count[0],
                (unsigned long long)label_count[1], (unsigned long long)g.st.packets,
                (unsigned long long)out_bytes, secs);
        fputs("gl-tlsgen: families", stderr);
        for (int f = 0; f < F_NFAM; f++)
            fprintf(stderr, " %s=%llu", FAMILIES[f].name, (unsigned long long)fam_count[f]);
        fputc('\n', stderr);
    }
    for (int i = 0; i < N_SITES; i++)
        server_free(&sites[i]);
    for (int i = 0; i < N_INTERNAL; i++)
        server_free(&internal_sites[i]);
    pki_free();
    free(g.noise);
    return 0;
}
