/*
 * tls-rdfp.c — restricted-domain fingerprint strings (see tls-rdfp.h) and a
 * small bounded DER walk for the certificate's public key size.
 *
 * The hello is walked again from its raw bytes instead of from the decoded
 * tls_client_hello because the quirks we want (extension lengths, empty
 * extensions, PSK modes, padding) are exactly what the decoder drops.
 * Every read is bounds-checked; nothing allocates.
 */
#include "tls-rdfp.h"
#include "tls-hello.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* ---------- a bounded string builder ---------- */

typedef struct sbuf {
    char *s;
    size_t cap, len;
    bool cut;
} sbuf;

static void sb_put(sbuf *b, const char *t)
{
    size_t n = strlen(t);
    if (b->cut)
        return;
    if (b->len + n + 2 > b->cap) { /* keep room for '~' and NUL */
        b->cut = true;
        b->s[b->len++] = '~';
        b->s[b->len] = 0;
        return;
    }
    memcpy(b->s + b->len, t, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_hex16(sbuf *b, uint16_t v, bool first)
{
    char t[8];
    if (tls_is_grease(v))
        snprintf(t, sizeof(t), "%sG", first ? "" : "-");
    else
        snprintf(t, sizeof(t), "%s%04x", first ? "" : "-", v);
    sb_put(b, t);
}

static void sb_hex8(sbuf *b, uint8_t v, bool first)
{
    char t[6];
    snprintf(t, sizeof(t), "%s%02x", first ? "" : "-", v);
    sb_put(b, t);
}

/* A 16-bit list "len(2) items(2 each)" inside an extension, as "a-b-G-c". */
static void sb_u16_list(sbuf *b, const char *key, const uint8_t *p, uint32_t n, uint32_t lenbytes)
{
    sb_put(b, key);
    if (n < lenbytes)
        return;
    uint32_t l = lenbytes == 2 ? (uint32_t)(p[0] << 8 | p[1]) : p[0];
    p += lenbytes;
    n -= lenbytes;
    if (l > n)
        l = n;
    for (uint32_t i = 0; i + 1 < l; i += 2)
        sb_hex16(b, (uint16_t)(p[i] << 8 | p[i + 1]), i == 0);
}

/* ---------- a bounded reader ---------- */

typedef struct rd {
    const uint8_t *p;
    uint32_t len, off;
    bool bad;
} rd;

static const uint8_t *rd_take(rd *r, uint32_t n)
{
    if (r->bad || r->len - r->off < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

static uint32_t rd_u8(rd *r)
{
    const uint8_t *q = rd_take(r, 1);
    return q ? q[0] : 0;
}

static uint32_t rd_u16(rd *r)
{
    const uint8_t *q = rd_take(r, 2);
    return q ? (uint32_t)(q[0] << 8 | q[1]) : 0;
}

/* ---------- client ---------- */

/* Extension details that JA3/JA4 lose: lists in wire order with GREASE
 * positions, PSK modes, empty extensions, the padding target. */
static void client_ext_detail(sbuf *det, uint16_t type, const uint8_t *d, uint32_t n)
{
    switch (type) {
    case TLS_EXT_SUPPORTED_GROUPS:
        sb_u16_list(det, "|g=", d, n, 2);
        break;
    case TLS_EXT_SIG_ALGS:
        sb_u16_list(det, "|s=", d, n, 2);
        break;
    case TLS_EXT_SUPPORTED_VERSIONS:
        sb_u16_list(det, "|v=", d, n, 1);
        break;
    case TLS_EXT_EC_POINT_FORMATS:
        sb_put(det, "|pf=");
        for (uint32_t i = 1; i < n && i <= d[0]; i++)
            sb_hex8(det, d[i], i == 1);
        break;
    case 45: /* psk_key_exchange_modes */
        sb_put(det, "|pm=");
        for (uint32_t i = 1; i < n && i <= d[0]; i++)
            sb_hex8(det, d[i], i == 1);
        break;
    case TLS_EXT_KEY_SHARE: {
        /* client_shares<0..2^16-1> of (group(2), key_exchange<1..2^16-1>) */
        sb_put(det, "|ks=");
        if (n < 2)
            break;
        rd r = { d + 2, n - 2, 0, false };
        bool first = true;
        while (r.off < r.len && !r.bad) {
            uint16_t g = (uint16_t)rd_u16(&r);
            uint32_t kl = rd_u16(&r);
            if (r.bad || !rd_take(&r, kl))
                break;
            char t[16];
            if (tls_is_grease(g))
                snprintf(t, sizeof(t), "%sG", first ? "" : "-");
            else
                snprintf(t, sizeof(t), "%s%04x:%u", first ? "" : "-", g, kl);
            sb_put(det, t);
            first = false;
        }
        break;
    }
    default:
        break;
    }
}

bool tls_rdfp_client(const uint8_t *body, uint32_t len, uint16_t record_version, char *out, size_t outlen)
{
    if (!out || outlen < 8)
        return false;
    out[0] = 0;
    rd r = { body, len, 0, false };
    char t[64];
    uint16_t hv = (uint16_t)rd_u16(&r);
    rd_take(&r, 32);
    uint32_t sidl = rd_u8(&r);
    rd_take(&r, sidl);
    uint32_t cl = rd_u16(&r);
    const uint8_t *c = rd_take(&r, cl);
    uint32_t coml = rd_u8(&r);
    const uint8_t *com = rd_take(&r, coml);
    if (r.bad)
        return false;
    sbuf b = { out, outlen, 0, false };
    snprintf(t, sizeof(t), "rd1|rv=%04x|hv=%04x|sid=%u|c=", record_version, hv, sidl);
    sb_put(&b, t);
    for (uint32_t i = 0; i + 1 < cl; i += 2)
        sb_hex16(&b, (uint16_t)(c[i] << 8 | c[i + 1]), i == 0);
    if (cl & 1)
        sb_put(&b, "-odd");
    sb_put(&b, "|cm=");
    for (uint32_t i = 0; i < coml; i++)
        sb_hex8(&b, com[i], i == 0);
    /* extensions: order (with GREASE positions and empties), then details */
    char detail[TLS_RDFP_STR_MAX];
    detail[0] = 0;
    sbuf det = { detail, sizeof(detail), 0, false };
    sb_put(&b, "|x=");
    if (r.off == r.len) {
        sb_put(&b, "none");
    } else {
        uint32_t el = rd_u16(&r);
        if (el > r.len - r.off) { /* truncated extension block: keep what is there */
            el = r.len - r.off;
            sb_put(&det, "|trunc");
        }
        rd e = { r.p + r.off, el, 0, false };
        bool first = true;
        while (e.off < e.len) {
            uint16_t type = (uint16_t)rd_u16(&e);
            uint32_t n = rd_u16(&e);
            const uint8_t *d = rd_take(&e, n);
            if (e.bad) {
                sb_put(&det, "|badext");
                break;
            }
            sb_hex16(&b, type, first);
            if (n == 0 && !tls_is_grease(type))
                sb_put(&b, "e"); /* empty: e.g. session_ticket without ticket */
            first = false;
            if (type == 21) { /* padding: the length the hello was padded to is the quirk */
                snprintf(t, sizeof(t), "|pad=%u", len + 4);
                sb_put(&det, t);
            } else if (tls_is_grease(type) && n) {
                snprintf(t, sizeof(t), "|gx=%u", n); /* GREASE extension with a body */
                sb_put(&det, t);
            } else {
                client_ext_detail(&det, type, d, n);
            }
        }
        if (r.off + el < r.len)
            sb_put(&det, "|trail");
    }
    sb_put(&b, detail);
    return true;
}

/* ---------- server ---------- */

bool tls_rdfp_server(const uint8_t *body, uint32_t len, uint16_t record_version, const char *key_alg,
                     int key_bits, char *out, size_t outlen)
{
    if (!out || outlen < 8)
        return false;
    out[0] = 0;
    rd r = { body, len, 0, false };
    char t[96];
    uint16_t hv = (uint16_t)rd_u16(&r);
    rd_take(&r, 32);
    uint32_t sidl = rd_u8(&r);
    rd_take(&r, sidl);
    uint16_t cipher = (uint16_t)rd_u16(&r);
    uint32_t comp = rd_u8(&r);
    if (r.bad)
        return false;
    sbuf b = { out, outlen, 0, false };
    snprintf(t, sizeof(t), "rd1s|rv=%04x|hv=%04x|sid=%u|c=%04x|cm=%02x|x=", record_version, hv, sidl, cipher,
             comp);
    sb_put(&b, t);
    if (r.off == r.len) {
        sb_put(&b, "none");
    } else {
        uint32_t el = rd_u16(&r);
        if (el > r.len - r.off)
            el = r.len - r.off;
        rd e = { r.p + r.off, el, 0, false };
        bool first = true;
        while (e.off < e.len) {
            uint16_t type = (uint16_t)rd_u16(&e);
            uint32_t n = rd_u16(&e);
            if (!rd_take(&e, n) || e.bad)
                break;
            sb_hex16(&b, type, first);
            if (n == 0)
                sb_put(&b, "e");
            first = false;
        }
    }
    if (key_bits > 0 && key_alg && key_alg[0]) {
        snprintf(t, sizeof(t), "|k=%.8s%d", key_alg, key_bits);
        sb_put(&b, t);
    }
    return true;
}

void tls_rdfp_hash(const char *s, char out[TLS_RDFP_HASH_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hx[] = "0123456789abcdef";
    memcpy(out, "rd1_", 4);
    if (!EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) || mdlen < 12) {
        memset(out + 4, '0', 24);
    } else {
        for (int i = 0; i < 12; i++) {
            out[4 + 2 * i] = hx[md[i] >> 4];
            out[5 + 2 * i] = hx[md[i] & 15];
        }
    }
    out[28] = 0;
}

/* ---------- certificate public key size (bounded DER walk) ---------- */

typedef struct der {
    uint8_t tag;
    const uint8_t *v; /* value */
    uint32_t vlen;
} der;

/* Read one TLV at *off; single-byte tags, definite lengths up to 4 bytes. */
static bool der_next(const uint8_t *p, uint32_t len, uint32_t *off, der *out)
{
    if (*off >= len || len - *off < 2)
        return false;
    uint32_t o = *off;
    out->tag = p[o++];
    if ((out->tag & 0x1f) == 0x1f)
        return false;
    uint32_t l = p[o++];
    if (l & 0x80) {
        uint32_t nb = l & 0x7f;
        if (nb == 0 || nb > 4 || len - o < nb)
            return false;
        l = 0;
        for (uint32_t i = 0; i < nb; i++)
            l = (l << 8) | p[o++];
    }
    if (l > len - o)
        return false;
    out->v = p + o;
    out->vlen = l;
    *off = o + l;
    return true;
}

static int int_bits(const uint8_t *v, uint32_t n)
{
    while (n > 0 && v[0] == 0) {
        v++;
        n--;
    }
    if (n == 0)
        return 0;
    int b = 0;
    for (uint8_t x = v[0]; x; x >>= 1)
        b++;
    return (int)((n - 1) * 8) + b;
}

static bool oid_is(const der *d, const uint8_t *oid, uint32_t n)
{
    return d->tag == 0x06 && d->vlen == n && memcmp(d->v, oid, n) == 0;
}

static int spki_bits(const der *spki, char *alg, size_t alglen)
{
    static const uint8_t rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
    static const uint8_t rsapss[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a };
    static const uint8_t ec[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
    static const uint8_t dsa[] = { 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01 };
    static const uint8_t ed25519[] = { 0x2b, 0x65, 0x70 };
    static const uint8_t ed448[] = { 0x2b, 0x65, 0x71 };
    static const uint8_t p256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
    static const uint8_t p384[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
    static const uint8_t p521[] = { 0x2b, 0x81, 0x04, 0x00, 0x23 };
    uint32_t off = 0;
    der algid, bits, oid, params = { 0 };
    if (!der_next(spki->v, spki->vlen, &off, &algid) || algid.tag != 0x30 ||
        !der_next(spki->v, spki->vlen, &off, &bits) || bits.tag != 0x03 || bits.vlen < 1)
        return -1;
    uint32_t ao = 0;
    if (!der_next(algid.v, algid.vlen, &ao, &oid))
        return -1;
    bool has_params = der_next(algid.v, algid.vlen, &ao, &params);
    const uint8_t *key = bits.v + 1; /* skip the unused-bits byte */
    uint32_t klen = bits.vlen - 1;
    if (oid_is(&oid, rsa, sizeof(rsa)) || oid_is(&oid, rsapss, sizeof(rsapss))) {
        snprintf(alg, alglen, "rsa");
        uint32_t o = 0, o2 = 0;
        der seq, n;
        if (!der_next(key, klen, &o, &seq) || seq.tag != 0x30 || !der_next(seq.v, seq.vlen, &o2, &n) ||
            n.tag != 0x02)
            return -1;
        return int_bits(n.v, n.vlen);
    }
    if (oid_is(&oid, ec, sizeof(ec))) {
        snprintf(alg, alglen, "ec");
        if (has_params && oid_is(&params, p256, sizeof(p256)))
            return 256;
        if (has_params && oid_is(&params, p384, sizeof(p384)))
            return 384;
        if (has_params && oid_is(&params, p521, sizeof(p521)))
            return 521;
        if (klen < 1)
            return -1;
        return key[0] == 0x04 ? (int)((klen - 1) / 2 * 8) : (int)((klen - 1) * 8);
    }
    if (oid_is(&oid, ed25519, sizeof(ed25519))) {
        snprintf(alg, alglen, "ed25519");
        return 256;
    }
    if (oid_is(&oid, ed448, sizeof(ed448))) {
        snprintf(alg, alglen, "ed448");
        return 456;
    }
    if (oid_is(&oid, dsa, sizeof(dsa))) {
        snprintf(alg, alglen, "dsa");
        uint32_t o = 0;
        der pp;
        if (has_params && params.tag == 0x30 && der_next(params.v, params.vlen, &o, &pp) && pp.tag == 0x02)
            return int_bits(pp.v, pp.vlen);
        return -1;
    }
    snprintf(alg, alglen, "other");
    return (int)(klen * 8);
}

int tls_cert_key_bits(const uint8_t *der_bytes, size_t len, char *alg, size_t alglen)
{
    if (alg && alglen)
        alg[0] = 0;
    if (!der_bytes || len > 0xffffffu || !alg || alglen < 8)
        return -1;
    uint32_t off = 0;
    der cert, tbs, f;
    if (!der_next(der_bytes, (uint32_t)len, &off, &cert) || cert.tag != 0x30)
        return -1;
    off = 0;
    if (!der_next(cert.v, cert.vlen, &off, &tbs) || tbs.tag != 0x30)
        return -1;
    /* tbsCertificate: [0] version?, serial, signature, issuer, validity, subject, spki */
    uint32_t o = 0;
    int idx = 0;
    while (der_next(tbs.v, tbs.vlen, &o, &f)) {
        if (idx == 0 && f.tag == 0xa0)
            continue; /* explicit version */
        if (idx == 5)
            return f.tag == 0x30 ? spki_bits(&f, alg, alglen) : -1;
        idx++;
    }
    return -1;
}
