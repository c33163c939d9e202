/*
 * proto-tls.c — TLS/SSL handshake parser: record layer, handshake message
 * reassembly, session bookkeeping and the EVE "tls" event.
 *
 * Data flow per direction: stream chunks of any size -> record headers (5
 * bytes, possibly split across chunks) -> handshake record bodies appended
 * to a capped per-direction buffer -> complete handshake messages decoded
 * (ClientHello, ServerHello, Certificate, ServerHelloDone). Everything after
 * ChangeCipherSpec / application data is opaque to us; once both directions
 * are encrypted and the event is written we return GL_APP_DONE so the stream
 * stage stops reassembling (bulk TLS then costs nothing here).
 *
 * One event per session, written as soon as the interesting part of the
 * handshake is known: TLS 1.3 ServerHello, ServerHelloDone, the server's
 * ChangeCipherSpec (abbreviated handshake), an error, a gap, or flow end.
 */
#include "app-layer.h"
#include "tls-cert.h"
#include "tls-facts.h"
#include "tls-fingerprint.h"
#include "tls-hello.h"
#include "tls-rdfp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_REC_HDR 5
#define TLS_REC_MAX (16384 + 2048) /* TLSCiphertext upper bound (RFC 5246 §6.2.3) */
#define TLS_HS_HDR 4
#define TLS_HS_BUF_CAP (64 * 1024) /* per-direction handshake reassembly cap */
#define TLS_MAX_CHAIN 16            /* certificates counted beyond this are ignored */

enum {
    REC_CCS = 20,
    REC_ALERT = 21,
    REC_HANDSHAKE = 22,
    REC_APPDATA = 23,
    REC_HEARTBEAT = 24,
    REC_SSLV2 = 0x100, /* pseudo type: an SSLv2-format record */
};

typedef struct tls_dir {
    uint8_t hdr[TLS_REC_HDR];
    uint8_t hdr_have;
    int rec_type;         /* current record's type, valid while hdr_have == 5 */
    uint32_t body_left;   /* bytes of the current record body still to come */
    uint8_t *hs;          /* handshake reassembly buffer */
    uint32_t hs_len, hs_cap;
    uint32_t hs_skip;     /* bytes of an oversized handshake message to discard */
    uint64_t records;
    bool encrypted;       /* saw ChangeCipherSpec or application data */
    bool dead;            /* stopped parsing this direction */
} tls_dir;

typedef struct tls_state {
    tls_dir d[2];
    tls_client_hello *ch; /* first ClientHello, NULL until seen */
    tls_server_hello *sh; /* ServerHello (the one after a HelloRetryRequest) */
    tls_cert_info cert;   /* leaf of the server's Certificate message */
    bool cert_seen, cert_invalid;
    uint32_t chain_len;
    bool server_hello_done;
    bool hrr_seen;
    bool abbreviated;    /* server went to CCS without Certificate: resumption */
    bool sslv2_session;  /* peers continued in SSLv2 record format */
    bool logged;
    bool gave_up;
    bool roles_known;    /* first hello seen: we know who is the client */
    bool reversed;       /* flow "client" is the TLS server (midstream pickup) */
    /* facts for detectors (tls-facts.h) and the restricted-domain fingerprint */
    uint16_t rec_version[2]; /* record-layer version of each direction's first record */
    gl_tls_tl_entry timeline[GL_TLS_TIMELINE_MAX];
    uint8_t n_timeline;
    bool timeline_truncated;
    uint32_t anomalies;
    int key_bits;            /* leaf public key size, -1 unknown */
    char key_alg[8];
    char *rdfp_client;       /* rd1 string of the ClientHello (malloc'd) */
    char *rdfp_server;       /* rd1s string of the ServerHello, without the key part */
} tls_state;

/* Every parser anomaly also counts for the facts handed to detectors. */
static void tls_anomaly(gl_app_ctx *ctx, tls_state *st, const char *name)
{
    st->anomalies++;
    gl_app_anomaly(ctx, name);
}

static void timeline_add(gl_app_ctx *ctx, tls_state *st, uint8_t type, gl_dir role)
{
    if (st->n_timeline >= GL_TLS_TIMELINE_MAX) {
        st->timeline_truncated = true;
        return;
    }
    gl_tls_tl_entry *e = &st->timeline[st->n_timeline++];
    e->type = type;
    e->dir = (uint8_t)role;
    e->ts_usec = gl_app_flow(ctx)->ts_usec;
}

/* The TLS role of the side that sent data in flow direction dir. */
static gl_dir role_of(const tls_state *st, gl_dir dir)
{
    return st->reversed ? (gl_dir)(dir ^ 1) : dir;
}

/* ---------- probe ---------- */

static bool plausible_v3_header(const uint8_t *d, uint32_t len)
{
    if (d[0] != REC_HANDSHAKE)
        return false;
    if (len >= 2 && d[1] != 3)
        return false;
    if (len >= 3 && d[2] > 4)
        return false;
    return true;
}

/* SSLv2 CLIENT-HELLO: 2-byte header with the high bit set, msg_type 1 and
 * a version of 0x0002 or 0x03xx. */
static gl_probe_result probe_sslv2(const uint8_t *d, uint32_t len)
{
    if (len < 5)
        return GL_PROBE_MORE;
    uint32_t rec_len = ((uint32_t)(d[0] & 0x7f) << 8) | d[1];
    if (d[2] != 1 || rec_len < 9)
        return GL_PROBE_NO;
    if ((d[3] == 0 && d[4] == 2) || (d[3] == 3 && d[4] <= 4))
        return GL_PROBE_YES;
    return GL_PROBE_NO;
}

static gl_probe_result probe(const uint8_t *data, uint32_t len, gl_dir dir)
{
    if (len == 0)
        return GL_PROBE_MORE;
    if (dir == GL_DIR_TOSERVER && (data[0] & 0x80))
        return probe_sslv2(data, len);
    if (!plausible_v3_header(data, len))
        return GL_PROBE_NO;
    if (len < 6)
        return GL_PROBE_MORE;
    uint16_t rec_len = gl_be16(data + 3);
    /* the hello that matches the direction, or the other one when the flow
     * stage saw the server first (capture started mid-handshake) */
    if ((data[5] != TLS_HS_CLIENT_HELLO && data[5] != TLS_HS_SERVER_HELLO) || rec_len < TLS_HS_HDR ||
        rec_len > TLS_REC_MAX)
        return GL_PROBE_NO;
    bool client_hello = data[5] == TLS_HS_CLIENT_HELLO;
    /* the wrong hello for this direction: the flow stage may swap the sides */
    return client_hello == (dir == GL_DIR_TOSERVER) ? GL_PROBE_YES : GL_PROBE_REVERSE;
}

/* ---------- state ---------- */

static void *state_new(void)
{
    tls_state *st = calloc(1, sizeof(tls_state));
    if (st)
        st->key_bits = -1;
    return st;
}

static void state_free(void *state)
{
    tls_state *st = state;
    if (!st)
        return;
    for (int i = 0; i < 2; i++)
        free(st->d[i].hs);
    free(st->ch);
    free(st->sh);
    free(st->rdfp_client);
    free(st->rdfp_server);
    tls_cert_info_free(&st->cert);
    free(st);
}

/* ---------- event ---------- */

static void json_u16_array(gl_json *j, const char *key, const uint16_t *v, uint32_t n, bool grease)
{
    gl_json_open_array(j, key);
    for (uint32_t i = 0; i < n; i++)
        if (grease || !tls_is_grease(v[i]))
            gl_json_uint(j, NULL, v[i]);
    gl_json_close_array(j);
}

static void json_u8_array(gl_json *j, const char *key, const uint8_t *v, uint32_t n)
{
    gl_json_open_array(j, key);
    for (uint32_t i = 0; i < n; i++)
        gl_json_uint(j, NULL, v[i]);
    gl_json_close_array(j);
}

/* Logs {"hash","string"} and leaves the hash in md5 ("" when none). */
static void json_fingerprint(gl_json *j, const char *key, char *str, char md5[TLS_MD5_HEX_LEN])
{
    md5[0] = 0;
    if (!str)
        return;
    if (tls_md5_hex(str, md5)) {
        gl_json_open_object(j, key);
        gl_json_str(j, "hash", md5);
        gl_json_str(j, "string", str);
        gl_json_close_object(j);
    }
    free(str);
}

/* The version Suricata reports: the negotiated one when the server answered. */
static uint16_t session_version(const tls_state *st)
{
    if (st->sslv2_session)
        return 0x0002;
    if (st->sh)
        return st->sh->selected_version ? st->sh->selected_version : st->sh->version;
    return st->ch ? st->ch->version : 0;
}

/* How the session was resumed, or NULL for a full handshake. */
static const char *resumption_kind(const tls_state *st)
{
    const tls_client_hello *ch = st->ch;
    const tls_server_hello *sh = st->sh;
    if (!sh)
        return NULL;
    if (sh->selected_version == 0x0304)
        return sh->has_psk ? "psk" : NULL;
    if (!st->abbreviated)
        return NULL;
    /* a ticket wins: clients offering one also send a (random) session id
     * that the server echoes to signal acceptance (RFC 5077 §3.4) */
    if (ch && ch->session_ticket_len)
        return "ticket";
    if (ch && ch->session_id_len && ch->session_id_len == sh->session_id_len &&
        memcmp(ch->session_id, sh->session_id, ch->session_id_len) == 0)
        return "session_id";
    return "unknown";
}

static uint32_t count_grease(const uint16_t *v, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += tls_is_grease(v[i]);
    return k;
}

static void log_alpns(gl_json *j, const char *key, const tls_alpn *a, uint32_t n)
{
    gl_json_open_array(j, key);
    for (uint32_t i = 0; i < n; i++)
        gl_json_strn(j, NULL, a[i].s, a[i].len);
    gl_json_close_array(j);
}

static void log_certificate(gl_json *j, const tls_state *st)
{
    const tls_cert_info *c = &st->cert;
    if (!st->cert_seen || st->cert_invalid)
        return;
    if (c->subject)
        gl_json_str(j, "subject", c->subject);
    if (c->issuer)
        gl_json_str(j, "issuerdn", c->issuer);
    if (c->serial)
        gl_json_str(j, "serial", c->serial);
    if (c->fingerprint[0])
        gl_json_str(j, "fingerprint", c->fingerprint);
    if (c->notbefore[0])
        gl_json_str(j, "notbefore", c->notbefore);
    if (c->notafter[0])
        gl_json_str(j, "notafter", c->notafter);
}

/* Suricata 8 style "client_handshake" / "server_handshake" objects. */
static void log_handshakes(gl_json *j, const tls_state *st)
{
    char vb[32];
    if (st->ch && !st->ch->sslv2) {
        const tls_client_hello *ch = st->ch;
        gl_json_open_object(j, "client_handshake");
        gl_json_str(j, "version", tls_version_str(ch->version, vb, sizeof(vb)));
        json_u16_array(j, "ciphers", ch->ciphers, ch->n_ciphers, false);
        json_u16_array(j, "exts", ch->exts, ch->n_exts, false);
        json_u16_array(j, "sig_algs", ch->sigalgs, ch->n_sigalgs, false);
        gl_json_close_object(j);
    }
    if (st->sh) {
        const tls_server_hello *sh = st->sh;
        gl_json_open_object(j, "server_handshake");
        gl_json_str(j, "version", tls_version_str(sh->version, vb, sizeof(vb)));
        gl_json_uint(j, "cipher", sh->cipher);
        json_u16_array(j, "exts", sh->exts, sh->n_exts, false);
        gl_json_close_object(j);
    }
}

/* guanlan-only details for later consumers (encrypted-traffic analytics). */
static void log_rdfp(gl_json *j, const tls_state *st, char rdc[TLS_RDFP_HASH_LEN], char rds[TLS_RDFP_HASH_LEN]);

static void log_guanlan(gl_json *j, const tls_state *st, char rdc[TLS_RDFP_HASH_LEN], char rds[TLS_RDFP_HASH_LEN])
{
    const tls_client_hello *ch = st->ch;
    const tls_server_hello *sh = st->sh;
    const char *resumed = resumption_kind(st);
    gl_json_open_object(j, "guanlan");
    if (ch) {
        gl_json_open_object(j, "client");
        gl_json_uint(j, "version", ch->version);
        gl_json_bool(j, "sslv2_hello", ch->sslv2);
        gl_json_uint(j, "session_id_len", ch->session_id_len);
        json_u8_array(j, "compression", ch->compression, ch->n_compression);
        json_u16_array(j, "groups", ch->groups, ch->n_groups, false);
        json_u8_array(j, "point_formats", ch->point_formats, ch->n_point_formats);
        json_u16_array(j, "supported_versions", ch->versions, ch->n_versions, false);
        json_u16_array(j, "key_share_groups", ch->key_shares, ch->n_key_shares, false);
        gl_json_bool(j, "session_ticket", ch->has_session_ticket);
        gl_json_uint(j, "session_ticket_len", ch->session_ticket_len);
        gl_json_bool(j, "psk", ch->has_psk);
        gl_json_uint(j, "psk_identities", ch->n_psk_identities);
        gl_json_bool(j, "early_data", ch->has_early_data);
        uint32_t g = count_grease(ch->ciphers, ch->n_ciphers) + count_grease(ch->exts, ch->n_exts) +
                     count_grease(ch->groups, ch->n_groups) + count_grease(ch->versions, ch->n_versions) +
                     count_grease(ch->sigalgs, ch->n_sigalgs) +
                     count_grease(ch->key_shares, ch->n_key_shares);
        gl_json_bool(j, "grease", g > 0);
        gl_json_uint(j, "grease_values", g);
        if (ch->truncated)
            gl_json_bool(j, "truncated", true);
        gl_json_close_object(j);
    }
    if (sh) {
        gl_json_open_object(j, "server");
        gl_json_uint(j, "version", sh->version);
        if (sh->selected_version)
            gl_json_uint(j, "selected_version", sh->selected_version);
        gl_json_uint(j, "cipher", sh->cipher);
        gl_json_uint(j, "compression", sh->compression);
        gl_json_uint(j, "session_id_len", sh->session_id_len);
        if (sh->has_key_share)
            gl_json_uint(j, "key_share_group", sh->key_share_group);
        gl_json_bool(j, "psk", sh->has_psk);
        gl_json_bool(j, "hello_retry", st->hrr_seen);
        gl_json_close_object(j);
    }
    if (resumed)
        gl_json_str(j, "resumption", resumed);
    if (st->cert_seen) {
        gl_json_uint(j, "chain_length", st->chain_len);
        gl_json_bool(j, "cert_valid_der", !st->cert_invalid);
        if (!st->cert_invalid) {
            gl_json_open_array(j, "san");
            for (uint32_t i = 0; i < st->cert.n_san; i++)
                gl_json_str(j, NULL, st->cert.san[i]);
            gl_json_close_array(j);
        }
    }
    log_rdfp(j, st, rdc, rds);
    gl_json_close_object(j);
}

/* The restricted-domain fingerprints (tls-rdfp.h): hashes into the caller's
 * buffers, {"hash","string"} objects into tls.guanlan.rdfp / rdfp_server. */
static void log_rdfp(gl_json *j, const tls_state *st, char rdc[TLS_RDFP_HASH_LEN], char rds[TLS_RDFP_HASH_LEN])
{
    rdc[0] = rds[0] = 0;
    if (st->rdfp_client) {
        tls_rdfp_hash(st->rdfp_client, rdc);
        gl_json_open_object(j, "rdfp");
        gl_json_str(j, "hash", rdc);
        gl_json_str(j, "string", st->rdfp_client);
        gl_json_close_object(j);
    }
    if (st->rdfp_server) {
        char full[TLS_RDFP_STR_MAX + 32];
        if (st->key_bits > 0)
            snprintf(full, sizeof(full), "%s|k=%s%d", st->rdfp_server, st->key_alg, st->key_bits);
        else
            snprintf(full, sizeof(full), "%s", st->rdfp_server);
        tls_rdfp_hash(full, rds);
        gl_json_open_object(j, "rdfp_server");
        gl_json_str(j, "hash", rds);
        gl_json_str(j, "string", full);
        gl_json_close_object(j);
    }
}

static void fill_facts(gl_tls_facts *fx, const tls_state *st)
{
    memset(fx, 0, sizeof(*fx));
    fx->ch = st->ch;
    fx->sh = st->sh && !st->sh->is_hrr ? st->sh : NULL;
    fx->cert = st->cert_seen && !st->cert_invalid ? &st->cert : NULL;
    fx->cert_seen = st->cert_seen;
    fx->chain_len = st->chain_len;
    fx->cert_key_bits = st->key_bits;
    memcpy(fx->cert_key_alg, st->key_alg, sizeof(fx->cert_key_alg));
    fx->version = session_version(st);
    for (int d = 0; d < 2; d++)
        fx->record_version[role_of(st, (gl_dir)d)] = st->rec_version[d];
    fx->hello_retry = st->hrr_seen;
    fx->resumed = resumption_kind(st) != NULL;
    fx->sslv2 = st->sslv2_session || (st->ch && st->ch->sslv2);
    fx->anomalies = st->anomalies;
    memcpy(fx->timeline, st->timeline, sizeof(fx->timeline));
    fx->n_timeline = st->n_timeline;
    fx->timeline_truncated = st->timeline_truncated;
}

static void log_session(gl_app_ctx *ctx, tls_state *st, gl_dir dir)
{
    char vb[32];
    char ja3[TLS_MD5_HEX_LEN] = "", ja3s[TLS_MD5_HEX_LEN] = "", ja4[TLS_JA4_LEN] = "";
    char rdc[TLS_RDFP_HASH_LEN], rds[TLS_RDFP_HASH_LEN];
    if (st->logged || (!st->ch && !st->sh))
        return;
    st->logged = true;
    gl_json *j = gl_app_event_begin(ctx, "tls", GL_LOG_FLOW, dir);
    gl_json_open_object(j, "tls");
    log_certificate(j, st);
    if (st->ch && st->ch->has_sni)
        gl_json_strn(j, "sni", (const uint8_t *)st->ch->sni, st->ch->sni_len);
    gl_json_str(j, "version", tls_version_str(session_version(st), vb, sizeof(vb)));
    if (resumption_kind(st))
        gl_json_bool(j, "session_resumed", true);
    if (st->ch && !st->ch->sslv2) {
        json_fingerprint(j, "ja3", tls_ja3_string(st->ch), ja3);
        tls_ja4(st->ch, ja4);
        gl_json_str(j, "ja4", ja4);
    }
    if (st->sh)
        json_fingerprint(j, "ja3s", tls_ja3s_string(st->sh), ja3s);
    if (st->ch && st->ch->n_alpns)
        log_alpns(j, "client_alpns", st->ch->alpns, st->ch->n_alpns);
    if (st->sh && st->sh->has_alpn)
        log_alpns(j, "server_alpns", &st->sh->alpn, 1);
    log_handshakes(j, st);
    log_guanlan(j, st, rdc, rds);
    gl_json_close_object(j);
    gl_tls_facts fx;
    fill_facts(&fx, st);
    fx.ja3 = ja3[0] ? ja3 : NULL;
    fx.ja3s = ja3s[0] ? ja3s : NULL;
    fx.ja4 = ja4[0] ? ja4 : NULL;
    fx.rdfp = rdc[0] ? rdc : NULL;
    fx.rdfp_server = rds[0] ? rds : NULL;
    gl_app_event_facts(ctx, &fx);
    gl_app_event_commit(ctx);
}

/* ---------- handshake messages ---------- */

static void on_client_hello(gl_app_ctx *ctx, tls_state *st, const uint8_t *p, uint32_t len)
{
    if (st->ch)
        return; /* keep the first one (a second follows a HelloRetryRequest) */
    st->ch = calloc(1, sizeof(*st->ch));
    if (!st->ch)
        return;
    if (tls_parse_client_hello(p, len, st->ch) != 0)
        tls_anomaly(ctx, st, "INVALID_HANDSHAKE_MESSAGE");
    if (st->ch->multiple_sni)
        tls_anomaly(ctx, st, "MULTIPLE_SNI_EXTENSIONS");
    char rd[TLS_RDFP_STR_MAX];
    if (tls_rdfp_client(p, len, st->rec_version[st->reversed ? 1 : 0], rd, sizeof(rd)))
        st->rdfp_client = strdup(rd);
}

static void on_server_hello(gl_app_ctx *ctx, tls_state *st, const uint8_t *p, uint32_t len)
{
    if (st->sh && !st->sh->is_hrr)
        return;
    tls_server_hello *sh = calloc(1, sizeof(*sh));
    if (!sh)
        return;
    if (tls_parse_server_hello(p, len, sh) != 0)
        tls_anomaly(ctx, st, "INVALID_HANDSHAKE_MESSAGE");
    if (!sh->is_hrr) {
        char rd[TLS_RDFP_STR_MAX];
        free(st->rdfp_server);
        st->rdfp_server = NULL;
        if (tls_rdfp_server(p, len, st->rec_version[st->reversed ? 0 : 1], NULL, 0, rd, sizeof(rd)))
            st->rdfp_server = strdup(rd);
    }
    if (st->sh && st->sh->is_hrr) {
        st->hrr_seen = true;
        free(st->sh);
    }
    st->sh = sh;
    if (sh->is_hrr) {
        st->hrr_seen = true;
        return; /* the real ServerHello follows the client's second hello */
    }
    /* TLS 1.3: everything after ServerHello is encrypted, so we know all */
    if (sh->selected_version == 0x0304)
        log_session(ctx, st, GL_DIR_TOCLIENT);
}

/* TLS ≤ 1.2 Certificate: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
static void on_certificate(gl_app_ctx *ctx, tls_state *st, const uint8_t *p, uint32_t len)
{
    if (st->cert_seen)
        return;
    st->cert_seen = true;
    if (len < 3 || gl_be24(p) != len - 3) {
        tls_anomaly(ctx, st, "CERTIFICATE_INVALID_LENGTH");
        st->cert_invalid = true;
        return;
    }
    uint32_t off = 3;
    while (len - off >= 3) {
        uint32_t clen = gl_be24(p + off);
        off += 3;
        if (clen > len - off) {
            tls_anomaly(ctx, st, "CERTIFICATE_INVALID_LENGTH");
            break;
        }
        if (st->chain_len == 0)
            st->key_bits = tls_cert_key_bits(p + off, clen, st->key_alg, sizeof(st->key_alg));
        if (st->chain_len == 0 && !tls_cert_parse(p + off, clen, &st->cert)) {
            tls_anomaly(ctx, st, "INVALID_CERTIFICATE");
            st->cert_invalid = true;
        }
        if (st->chain_len < TLS_MAX_CHAIN)
            st->chain_len++;
        off += clen;
    }
    if (st->chain_len == 0)
        st->cert_invalid = true;
}

static void on_handshake_message(gl_app_ctx *ctx, tls_state *st, gl_dir dir, uint8_t type,
                                 const uint8_t *body, uint32_t len)
{
    if (!st->roles_known && (type == TLS_HS_CLIENT_HELLO || type == TLS_HS_SERVER_HELLO)) {
        st->roles_known = true;
        st->reversed = (type == TLS_HS_CLIENT_HELLO) != (dir == GL_DIR_TOSERVER);
    }
    dir = role_of(st, dir);
    timeline_add(ctx, st, type, dir);
    if (dir == GL_DIR_TOSERVER) {
        if (type == TLS_HS_CLIENT_HELLO)
            on_client_hello(ctx, st, body, len);
        return;
    }
    switch (type) {
    case TLS_HS_SERVER_HELLO:
        on_server_hello(ctx, st, body, len);
        break;
    case TLS_HS_CERTIFICATE:
        on_certificate(ctx, st, body, len);
        break;
    case TLS_HS_SERVER_HELLO_DONE:
        st->server_hello_done = true;
        log_session(ctx, st, dir);
        break;
    default:
        break;
    }
}

/* Decode every complete message in the direction's buffer, keep the rest. */
static bool drain_handshake_buffer(gl_app_ctx *ctx, tls_state *st, gl_dir dir)
{
    tls_dir *d = &st->d[dir];
    uint32_t off = 0;
    while (d->hs_len - off >= TLS_HS_HDR) {
        const uint8_t *m = d->hs + off;
        uint32_t mlen = gl_be24(m + 1);
        if (mlen > TLS_HS_BUF_CAP - TLS_HS_HDR) {
            /* too big to buffer: note it, then skip exactly this message so
             * the following ones (ServerHelloDone) are still seen */
            tls_anomaly(ctx, st, "HANDSHAKE_INVALID_LENGTH");
            if (m[0] == TLS_HS_CERTIFICATE && role_of(st, dir) == GL_DIR_TOCLIENT && !st->cert_seen) {
                st->cert_seen = true;
                st->cert_invalid = true;
            }
            uint32_t have = d->hs_len - off - TLS_HS_HDR;
            d->hs_skip = mlen - have;
            off = d->hs_len;
            break;
        }
        if (d->hs_len - off - TLS_HS_HDR < mlen)
            break;
        on_handshake_message(ctx, st, dir, m[0], m + TLS_HS_HDR, mlen);
        off += TLS_HS_HDR + mlen;
    }
    if (off > 0) {
        memmove(d->hs, d->hs + off, d->hs_len - off);
        d->hs_len -= off;
    }
    return true;
}

static bool hs_append(tls_dir *d, const uint8_t *data, uint32_t n)
{
    if (d->hs_len + n > d->hs_cap) {
        uint32_t ncap = d->hs_cap ? d->hs_cap : 4096;
        while (ncap < d->hs_len + n)
            ncap *= 2;
        if (ncap > TLS_HS_BUF_CAP)
            ncap = TLS_HS_BUF_CAP;
        if (d->hs_len + n > ncap)
            return false;
        uint8_t *nb = realloc(d->hs, ncap);
        if (!nb)
            return false;
        d->hs = nb;
        d->hs_cap = ncap;
    }
    memcpy(d->hs + d->hs_len, data, n);
    d->hs_len += n;
    return true;
}

/* Feed bytes of a plaintext handshake record body. Appends at most what
 * fits, draining complete messages in between, so a single large chunk
 * cannot push the buffer past its cap. */
static void on_handshake_bytes(gl_app_ctx *ctx, tls_state *st, gl_dir dir, const uint8_t *p,
                               uint32_t n)
{
    tls_dir *d = &st->d[dir];
    while (n > 0) {
        if (d->hs_skip) {
            uint32_t k = GL_MIN(d->hs_skip, n);
            d->hs_skip -= k;
            p += k;
            n -= k;
            continue;
        }
        uint32_t room = TLS_HS_BUF_CAP - d->hs_len;
        uint32_t k = GL_MIN(room, n);
        if (k == 0 || !hs_append(d, p, k)) {
            tls_anomaly(ctx, st, "HANDSHAKE_INVALID_LENGTH");
            d->dead = true;
            return;
        }
        p += k;
        n -= k;
        drain_handshake_buffer(ctx, st, dir);
    }
}

/* ---------- records ---------- */

/* An SSLv2-format record at the start of the client stream: buffer the
 * whole (≤ 32 KiB) hello, then decode it. */
static void on_sslv2_hello_complete(gl_app_ctx *ctx, tls_state *st)
{
    tls_dir *d = &st->d[GL_DIR_TOSERVER];
    if (st->ch)
        return;
    st->ch = calloc(1, sizeof(*st->ch));
    if (st->ch && tls_parse_sslv2_client_hello(d->hs, d->hs_len, st->ch) != 0)
        tls_anomaly(ctx, st, "INVALID_SSLV2_HEADER");
    d->hs_len = 0;
}

/* TLS 1.3 peers send a meaningless ChangeCipherSpec for middlebox
 * compatibility (RFC 8446 appendix D.4), possibly right after a
 * HelloRetryRequest with plaintext hellos still to come. There, encryption
 * is announced by application_data records instead. */
static bool is_tls13_dummy_ccs(const tls_state *st)
{
    return st->sh && (st->sh->is_hrr || st->sh->selected_version == 0x0304);
}

static void mark_encrypted(gl_app_ctx *ctx, tls_state *st, gl_dir dir, int rec_type)
{
    tls_dir *d = &st->d[dir];
    if (d->encrypted)
        return;
    d->encrypted = true;
    timeline_add(ctx, st, rec_type == REC_CCS ? GL_TLS_TL_CCS : GL_TLS_TL_APPDATA, role_of(st, dir));
    if (role_of(st, dir) != GL_DIR_TOCLIENT)
        return;
    /* server keys in use before any Certificate/ServerHelloDone: an
     * abbreviated (resumed) TLS <= 1.2 handshake */
    if (st->sh && !st->sh->is_hrr && !st->server_hello_done && !st->cert_seen &&
        st->sh->selected_version != 0x0304)
        st->abbreviated = true;
    /* no more plaintext handshake will come from the server */
    log_session(ctx, st, dir);
}

/* Validate a complete 5-byte header; returns false on a protocol violation. */
static bool start_record(gl_app_ctx *ctx, tls_state *st, gl_dir dir)
{
    tls_dir *d = &st->d[dir];
    const uint8_t *h = d->hdr;
    if (h[0] & 0x80) {
        /* SSLv2 record format. Accept the client's first record as a
         * v2-compatible hello; anything else means the session continues in
         * SSLv2, which we log as such and stop following. */
        if (dir == GL_DIR_TOSERVER && d->records == 0 && h[2] == 1) {
            uint32_t rec_len = ((uint32_t)(h[0] & 0x7f) << 8) | h[1];
            if (rec_len < 3)
                return false;
            d->rec_type = REC_SSLV2;
            d->body_left = rec_len - 3; /* msg_type + version already read */
            d->hs_len = 0;
            hs_append(d, h + 2, 3);
            d->records++;
            return true;
        }
        if (st->ch && st->ch->sslv2) {
            st->sslv2_session = true;
            d->dead = true;
            d->encrypted = true;
            return true;
        }
        tls_anomaly(ctx, st, "INVALID_SSLV2_HEADER");
        return false;
    }
    uint16_t rlen = gl_be16(h + 3);
    if (d->records == 0)
        st->rec_version[dir] = gl_be16(h + 1);
    if (h[0] < REC_CCS || h[0] > REC_HEARTBEAT) {
        tls_anomaly(ctx, st, "INVALID_RECORD_TYPE");
        return false;
    }
    if (h[1] != 3) {
        tls_anomaly(ctx, st, "INVALID_RECORD_VERSION");
        return false;
    }
    if (rlen > TLS_REC_MAX) {
        tls_anomaly(ctx, st, "INVALID_RECORD_LENGTH");
        return false;
    }
    d->rec_type = h[0];
    d->body_left = rlen;
    d->records++;
    if (h[0] == REC_APPDATA || (h[0] == REC_CCS && !is_tls13_dummy_ccs(st)))
        mark_encrypted(ctx, st, dir, h[0]);
    return true;
}

static void record_body(gl_app_ctx *ctx, tls_state *st, gl_dir dir, const uint8_t *p, uint32_t n)
{
    tls_dir *d = &st->d[dir];
    if (d->rec_type == REC_SSLV2) {
        if (!hs_append(d, p, n))
            d->dead = true;
        return;
    }
    if (d->rec_type == REC_HANDSHAKE && !d->encrypted)
        on_handshake_bytes(ctx, st, dir, p, n);
}

static void record_end(gl_app_ctx *ctx, tls_state *st, gl_dir dir)
{
    tls_dir *d = &st->d[dir];
    if (d->rec_type == REC_SSLV2 && !d->dead)
        on_sslv2_hello_complete(ctx, st);
    d->hdr_have = 0;
}

static bool session_finished(const tls_state *st)
{
    return st->gave_up || (st->logged && st->d[0].encrypted && st->d[1].encrypted);
}

static int give_up(gl_app_ctx *ctx, tls_state *st, gl_dir dir, int rc)
{
    log_session(ctx, st, dir);
    st->gave_up = true;
    return rc;
}

static int parse(gl_app_ctx *ctx, void *state, gl_dir dir, const uint8_t *data, uint32_t len)
{
    tls_state *st = state;
    tls_dir *d = &st->d[dir];
    if (session_finished(st))
        return GL_APP_DONE;
    while (len > 0 && !d->dead) {
        if (d->hdr_have < TLS_REC_HDR) {
            uint32_t k = GL_MIN((uint32_t)(TLS_REC_HDR - d->hdr_have), len);
            memcpy(d->hdr + d->hdr_have, data, k);
            d->hdr_have = (uint8_t)(d->hdr_have + k);
            data += k;
            len -= k;
            if (d->hdr_have < TLS_REC_HDR)
                break;
            if (!start_record(ctx, st, dir))
                return give_up(ctx, st, dir, GL_APP_ERROR);
            if (session_finished(st))
                return GL_APP_DONE;
            if (d->dead)
                break;
        }
        uint32_t k = GL_MIN(d->body_left, len);
        record_body(ctx, st, dir, data, k);
        d->body_left -= k;
        data += k;
        len -= k;
        if (d->body_left == 0)
            record_end(ctx, st, dir);
    }
    if (st->d[0].dead && st->d[1].dead)
        return give_up(ctx, st, dir, GL_APP_DONE);
    if (d->dead && (d->encrypted || st->logged))
        return give_up(ctx, st, dir, GL_APP_DONE);
    return session_finished(st) ? GL_APP_DONE : GL_APP_OK;
}

static void gap(gl_app_ctx *ctx, void *state, gl_dir dir, uint32_t len)
{
    tls_state *st = state;
    (void)len;
    /* record boundaries are lost; what we have is all we will get */
    give_up(ctx, st, dir, GL_APP_DONE);
}

static void flow_end(gl_app_ctx *ctx, void *state)
{
    log_session(ctx, state, GL_DIR_TOSERVER);
}

static const uint16_t tls_ports[] = { 443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443, 0 };

const gl_app_parser gl_parser_tls = {
    .name = "tls",
    .ipprotos = GL_APP_TCP,
    .ports = tls_ports,
    .probe = probe,
    .state_new = state_new,
    .state_free = state_free,
    .parse = parse,
    .gap = gap,
    .flow_end = flow_end,
};
