/*
 * tls-hello.c — bounds-checked decoders for ClientHello and ServerHello
 * bodies and their extensions. Every read goes through a cursor that refuses
 * to step past its end, so a hostile length can only make a parse fail.
 */
#include "tls-hello.h"

#include <stdio.h>
#include <string.h>

/* A read cursor over [p, p+len). Once err is set every read returns 0/NULL. */
typedef struct rd {
    const uint8_t *p;
    uint32_t len, off;
    bool err;
} rd;

static rd rd_make(const uint8_t *p, uint32_t len)
{
    rd r = { p, len, 0, false };
    return r;
}

static uint32_t rd_left(const rd *r) { return r->err ? 0 : r->len - r->off; }

static const uint8_t *rd_bytes(rd *r, uint32_t n)
{
    if (r->err || r->len - r->off < n) {
        r->err = true;
        return NULL;
    }
    const uint8_t *s = r->p + r->off;
    r->off += n;
    return s;
}

static uint8_t rd_u8(rd *r)
{
    const uint8_t *s = rd_bytes(r, 1);
    return s ? s[0] : 0;
}

static uint16_t rd_u16(rd *r)
{
    const uint8_t *s = rd_bytes(r, 2);
    return s ? (uint16_t)((s[0] << 8) | s[1]) : 0;
}

/* Sub-cursor over the next n bytes (a length-prefixed vector). */
static rd rd_sub(rd *r, uint32_t n)
{
    const uint8_t *s = rd_bytes(r, n);
    rd sub = rd_make(s, s ? n : 0);
    sub.err = s == NULL;
    return sub;
}

/* Append v to a capped list; sets *truncated instead of overflowing. */
static void push16(uint16_t *list, uint32_t *n, uint32_t cap, uint16_t v, bool *truncated)
{
    if (*n < cap)
        list[(*n)++] = v;
    else
        *truncated = true;
}

static void push8(uint8_t *list, uint32_t *n, uint32_t cap, uint8_t v, bool *truncated)
{
    if (*n < cap)
        list[(*n)++] = v;
    else
        *truncated = true;
}

/* Read a vector of u16 values whose byte length is given by a prefix of
 * prefix_bytes (1 or 2). */
static bool read_u16_vector(rd *r, int prefix_bytes, uint16_t *list, uint32_t *n, uint32_t cap,
                            bool *truncated)
{
    uint32_t blen = prefix_bytes == 1 ? rd_u8(r) : rd_u16(r);
    rd v = rd_sub(r, blen);
    if (v.err || (blen & 1))
        return false;
    while (rd_left(&v) >= 2)
        push16(list, n, cap, rd_u16(&v), truncated);
    return true;
}

static void store_alpn(tls_alpn *a, const uint8_t *s, uint8_t n)
{
    a->wire_len = n;
    a->len = n > TLS_MAX_ALPN_LEN ? TLS_MAX_ALPN_LEN : n;
    memcpy(a->s, s, a->len);
    a->first = n ? s[0] : 0;
    a->last = n ? s[n - 1] : 0;
}

/* RFC 6066 §3: a list of (type, name); we keep the first host_name. */
static bool parse_sni(rd *r, tls_client_hello *ch)
{
    if (ch->has_sni)
        ch->multiple_sni = true;
    ch->has_sni = true;
    rd list = rd_sub(r, rd_u16(r));
    while (!list.err && rd_left(&list) > 0) {
        uint8_t type = rd_u8(&list);
        uint16_t n = rd_u16(&list);
        const uint8_t *name = rd_bytes(&list, n);
        if (!name)
            return false;
        if (type == 0 && ch->sni_len == 0) {
            ch->sni_len = n > TLS_MAX_SNI ? TLS_MAX_SNI : n;
            memcpy(ch->sni, name, ch->sni_len);
            ch->sni[ch->sni_len] = '\0';
        }
    }
    return !list.err;
}

/* RFC 7301 §3.1: ProtocolNameList of 1-byte-length strings. */
static bool parse_client_alpn(rd *r, tls_client_hello *ch)
{
    ch->has_alpn = true;
    rd list = rd_sub(r, rd_u16(r));
    while (!list.err && rd_left(&list) > 0) {
        uint8_t n = rd_u8(&list);
        const uint8_t *s = rd_bytes(&list, n);
        if (!s)
            return false;
        if (ch->n_alpns < TLS_MAX_ALPNS)
            store_alpn(&ch->alpns[ch->n_alpns++], s, n);
        else
            ch->truncated = true;
    }
    return !list.err;
}

/* RFC 8446 §4.2.8: KeyShareClientHello = vector of (group, key_exchange). */
static bool parse_client_key_share(rd *r, tls_client_hello *ch)
{
    rd list = rd_sub(r, rd_u16(r));
    while (!list.err && rd_left(&list) > 0) {
        uint16_t group = rd_u16(&list);
        rd_bytes(&list, rd_u16(&list));
        if (!list.err)
            push16(ch->key_shares, &ch->n_key_shares, TLS_MAX_SMALL, group, &ch->truncated);
    }
    return !list.err;
}

/* RFC 8446 §4.2.11: OfferedPsks = identities<7..>, binders<33..>. */
static bool parse_client_psk(rd *r, tls_client_hello *ch)
{
    ch->has_psk = true;
    rd ids = rd_sub(r, rd_u16(r));
    while (!ids.err && rd_left(&ids) > 0) {
        rd_bytes(&ids, rd_u16(&ids)); /* identity */
        rd_bytes(&ids, 4);            /* obfuscated_ticket_age */
        if (!ids.err)
            ch->n_psk_identities++;
    }
    return !ids.err;
}

static bool parse_client_ext(tls_client_hello *ch, uint16_t type, rd *e)
{
    switch (type) {
    case TLS_EXT_SNI:
        return parse_sni(e, ch);
    case TLS_EXT_SUPPORTED_GROUPS:
        return read_u16_vector(e, 2, ch->groups, &ch->n_groups, TLS_MAX_LIST, &ch->truncated);
    case TLS_EXT_EC_POINT_FORMATS: {
        rd v = rd_sub(e, rd_u8(e));
        while (!v.err && rd_left(&v) > 0)
            push8(ch->point_formats, &ch->n_point_formats, TLS_MAX_SMALL, rd_u8(&v), &ch->truncated);
        return !v.err;
    }
    case TLS_EXT_SIG_ALGS:
        return read_u16_vector(e, 2, ch->sigalgs, &ch->n_sigalgs, TLS_MAX_LIST, &ch->truncated);
    case TLS_EXT_ALPN:
        return parse_client_alpn(e, ch);
    case TLS_EXT_SUPPORTED_VERSIONS:
        ch->has_supported_versions = true;
        return read_u16_vector(e, 1, ch->versions, &ch->n_versions, TLS_MAX_SMALL, &ch->truncated);
    case TLS_EXT_SESSION_TICKET:
        ch->has_session_ticket = true;
        ch->session_ticket_len = (uint16_t)e->len;
        return true;
    case TLS_EXT_PRE_SHARED_KEY:
        return parse_client_psk(e, ch);
    case TLS_EXT_EARLY_DATA:
        ch->has_early_data = true;
        return true;
    case TLS_EXT_KEY_SHARE:
        return parse_client_key_share(e, ch);
    default:
        return true;
    }
}

/* Walk an extensions block; the callback decodes the ones it knows. The
 * extension type is recorded even when its body is malformed, because
 * fingerprints only depend on the type list. */
static bool parse_client_exts(rd *r, tls_client_hello *ch)
{
    rd exts = rd_sub(r, rd_u16(r));
    bool ok = !exts.err;
    while (!exts.err && rd_left(&exts) >= 4) {
        uint16_t type = rd_u16(&exts);
        rd body = rd_sub(&exts, rd_u16(&exts));
        if (body.err)
            return false;
        push16(ch->exts, &ch->n_exts, TLS_MAX_EXTS, type, &ch->truncated);
        if (!parse_client_ext(ch, type, &body))
            ok = false;
    }
    return ok && rd_left(&exts) == 0;
}

int tls_parse_client_hello(const uint8_t *p, uint32_t len, tls_client_hello *ch)
{
    rd r = rd_make(p, len);
    ch->version = rd_u16(&r);
    const uint8_t *random = rd_bytes(&r, 32);
    if (random) {
        memcpy(ch->random, random, 32);
        ch->random_len = 32;
    }
    uint8_t sid_len = rd_u8(&r);
    const uint8_t *sid = rd_bytes(&r, sid_len);
    if (!sid || sid_len > 32)
        return -1;
    memcpy(ch->session_id, sid, sid_len);
    ch->session_id_len = sid_len;

    rd ciphers = rd_sub(&r, rd_u16(&r));
    if (ciphers.err || (ciphers.len & 1))
        return -1;
    while (rd_left(&ciphers) >= 2)
        push16(ch->ciphers, &ch->n_ciphers, TLS_MAX_CIPHERS, rd_u16(&ciphers), &ch->truncated);

    rd comp = rd_sub(&r, rd_u8(&r));
    if (comp.err)
        return -1;
    while (rd_left(&comp) > 0)
        push8(ch->compression, &ch->n_compression, TLS_MAX_SMALL, rd_u8(&comp), &ch->truncated);

    if (rd_left(&r) == 0)
        return 0; /* extensions are optional (SSLv3, old TLS) */
    return parse_client_exts(&r, ch) ? 0 : -1;
}

static bool parse_server_ext(tls_server_hello *sh, uint16_t type, rd *e)
{
    switch (type) {
    case TLS_EXT_SUPPORTED_VERSIONS:
        sh->selected_version = rd_u16(e);
        return !e->err;
    case TLS_EXT_ALPN: {
        rd list = rd_sub(e, rd_u16(e));
        uint8_t n = rd_u8(&list);
        const uint8_t *s = rd_bytes(&list, n);
        if (!s)
            return false;
        sh->has_alpn = true;
        store_alpn(&sh->alpn, s, n);
        return true;
    }
    case TLS_EXT_PRE_SHARED_KEY:
        sh->has_psk = true;
        return true;
    case TLS_EXT_SESSION_TICKET:
        sh->has_session_ticket = true;
        return true;
    case TLS_EXT_KEY_SHARE:
        sh->has_key_share = true;
        sh->key_share_group = rd_u16(e);
        return !e->err;
    default:
        return true;
    }
}

/* SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3. */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

int tls_parse_server_hello(const uint8_t *p, uint32_t len, tls_server_hello *sh)
{
    rd r = rd_make(p, len);
    sh->version = rd_u16(&r);
    const uint8_t *random = rd_bytes(&r, 32);
    if (!random)
        return -1;
    memcpy(sh->random, random, 32);
    sh->is_hrr = memcmp(random, hrr_random, 32) == 0;
    uint8_t sid_len = rd_u8(&r);
    const uint8_t *sid = rd_bytes(&r, sid_len);
    if (!sid || sid_len > 32)
        return -1;
    memcpy(sh->session_id, sid, sid_len);
    sh->session_id_len = sid_len;
    sh->cipher = rd_u16(&r);
    sh->compression = rd_u8(&r);
    if (r.err)
        return -1;
    if (rd_left(&r) == 0)
        return 0;

    rd exts = rd_sub(&r, rd_u16(&r));
    bool ok = !exts.err;
    while (!exts.err && rd_left(&exts) >= 4) {
        uint16_t type = rd_u16(&exts);
        rd body = rd_sub(&exts, rd_u16(&exts));
        if (body.err)
            return -1;
        push16(sh->exts, &sh->n_exts, TLS_MAX_EXTS, type, &sh->truncated);
        if (!parse_server_ext(sh, type, &body))
            ok = false;
    }
    return ok && rd_left(&exts) == 0 ? 0 : -1;
}

/* SSLv2 CLIENT-HELLO (draft-hickman-netscape-ssl-00, RFC 5246 appendix E.2):
 * msg_type(1) version(2) cipher_spec_length(2) session_id_length(2)
 * challenge_length(2) cipher_specs(3 each) session_id challenge. V2 cipher
 * kinds whose first byte is 0 are TLS cipher suites; we keep those plus the
 * low 16 bits of the rest so the list length stays truthful. */
int tls_parse_sslv2_client_hello(const uint8_t *p, uint32_t len, tls_client_hello *ch)
{
    rd r = rd_make(p, len);
    if (rd_u8(&r) != 1)
        return -1;
    ch->sslv2 = true;
    ch->version = rd_u16(&r);
    uint16_t cs_len = rd_u16(&r);
    uint16_t sid_len = rd_u16(&r);
    uint16_t ch_len = rd_u16(&r);
    rd specs = rd_sub(&r, cs_len);
    if (specs.err || cs_len % 3)
        return -1;
    while (rd_left(&specs) >= 3) {
        const uint8_t *s = rd_bytes(&specs, 3);
        push16(ch->ciphers, &ch->n_ciphers, TLS_MAX_CIPHERS, (uint16_t)((s[1] << 8) | s[2]),
               &ch->truncated);
    }
    const uint8_t *sid = rd_bytes(&r, sid_len);
    if (!sid)
        return -1;
    if (sid_len <= 32) {
        memcpy(ch->session_id, sid, sid_len);
        ch->session_id_len = (uint8_t)sid_len;
    }
    const uint8_t *challenge = rd_bytes(&r, ch_len);
    if (!challenge)
        return -1;
    /* the challenge is right-aligned into the 32-byte v3 random (E.2) */
    uint32_t n = ch_len > 32 ? 32 : ch_len;
    memset(ch->random, 0, 32);
    memcpy(ch->random + 32 - n, challenge + ch_len - n, n);
    ch->random_len = 32;
    return 0;
}

const char *tls_version_str(uint16_t v, char *buf, unsigned buflen)
{
    switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0200: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: break;
    }
    if ((v >> 8) == 0x7f)
        snprintf(buf, buflen, "TLS 1.3 draft-%u", v & 0xff);
    else
        snprintf(buf, buflen, "0x%04x", v);
    return buf;
}
