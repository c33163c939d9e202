/*
 * tls-fingerprint.c — JA3/JA3S (github.com/salesforce/ja3) and JA4
 * (github.com/FoxIO-LLC/ja4, technical_details/JA4.md) from decoded hellos.
 *
 * JA3  = md5("Version,Ciphers,Extensions,Groups,PointFormats"), decimal
 *        values joined by '-', GREASE removed from every list.
 * JA3S = md5("Version,Cipher,Extensions").
 * JA4  = a_b_c where a = t<ver><d|i><#ciphers><#exts><alpn first+last>,
 *        b = sha256(sorted cipher hex list)[:12],
 *        c = sha256(sorted ext hex list minus SNI/ALPN "_" sigalgs)[:12].
 * One interpretation choice: with no signature algorithms the '_' is still
 * appended before hashing — that is what Suricata emits and what the
 * suricata-verify test bug-5713-02-ja4 expects (t10i070600_..._ce66f3b797c1).
 */
#include "tls-fingerprint.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tiny bounded string builder; the caller sizes it from the list lengths. */
typedef struct sb {
    char *s;
    size_t len, cap;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_dec(sb *b, unsigned v)
{
    char tmp[12];
    int n = snprintf(tmp, sizeof(tmp), "%u", v);
    if (n > 0)
        sb_add(b, tmp, (size_t)n);
}

static void sb_hex4(sb *b, uint16_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[4] = { hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15] };
    sb_add(b, tmp, 4);
}

static void sb_putc(sb *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->s[b->len++] = c;
        b->s[b->len] = '\0';
    }
}

static void sb_u16_list(sb *b, const uint16_t *v, uint32_t n)
{
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i]))
            continue;
        if (!first)
            sb_putc(b, '-');
        sb_dec(b, v[i]);
        first = false;
    }
}

static bool sb_alloc(sb *b, size_t cap)
{
    b->s = malloc(cap);
    b->len = 0;
    b->cap = cap;
    if (b->s)
        b->s[0] = '\0';
    return b->s != NULL;
}

char *tls_ja3_string(const tls_client_hello *ch)
{
    sb b;
    /* each value is at most 5 digits plus a separator */
    size_t cap = 6 * ((size_t)ch->n_ciphers + ch->n_exts + ch->n_groups + ch->n_point_formats) + 16;
    if (!sb_alloc(&b, cap))
        return NULL;
    sb_dec(&b, ch->version);
    sb_putc(&b, ',');
    sb_u16_list(&b, ch->ciphers, ch->n_ciphers);
    sb_putc(&b, ',');
    sb_u16_list(&b, ch->exts, ch->n_exts);
    sb_putc(&b, ',');
    sb_u16_list(&b, ch->groups, ch->n_groups);
    sb_putc(&b, ',');
    for (uint32_t i = 0; i < ch->n_point_formats; i++) {
        if (i)
            sb_putc(&b, '-');
        sb_dec(&b, ch->point_formats[i]);
    }
    return b.s;
}

char *tls_ja3s_string(const tls_server_hello *sh)
{
    sb b;
    if (!sb_alloc(&b, 6 * (size_t)sh->n_exts + 24))
        return NULL;
    sb_dec(&b, sh->version);
    sb_putc(&b, ',');
    sb_dec(&b, sh->cipher);
    sb_putc(&b, ',');
    sb_u16_list(&b, sh->exts, sh->n_exts);
    return b.s;
}

static bool digest_hex(const EVP_MD *md, const void *data, size_t n, char *out, size_t hexchars)
{
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (!EVP_Digest(data, n, dig, &dlen, md, NULL))
        return false;
    size_t i;
    for (i = 0; i < hexchars && i / 2 < dlen; i++)
        out[i] = hex[(i & 1) ? (dig[i / 2] & 15) : (dig[i / 2] >> 4)];
    out[i] = '\0';
    return true;
}

bool tls_md5_hex(const char *s, char out[TLS_MD5_HEX_LEN])
{
    return digest_hex(EVP_md5(), s, strlen(s), out, 32);
}

/* JA4 version code: highest non-GREASE supported_versions entry, else the
 * legacy version. */
static const char *ja4_version(const tls_client_hello *ch)
{
    uint16_t v = 0;
    for (uint32_t i = 0; i < ch->n_versions; i++)
        if (!tls_is_grease(ch->versions[i]) && ch->versions[i] > v)
            v = ch->versions[i];
    if (v == 0)
        v = ch->version;
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN value; when either byte is
 * not alphanumeric, the first hex digit of the first byte and the last hex
 * digit of the last byte instead (JA4.md, "ALPN Extension Value"). */
static void ja4_alpn(const tls_client_hello *ch, char out[2])
{
    static const char hex[] = "0123456789abcdef";
    out[0] = out[1] = '0';
    if (ch->n_alpns == 0 || ch->alpns[0].wire_len == 0)
        return;
    uint8_t f = ch->alpns[0].first, l = ch->alpns[0].last;
    if (is_alnum(f) && is_alnum(l)) {
        out[0] = (char)f;
        out[1] = (char)l;
    } else {
        out[0] = hex[f >> 4];
        out[1] = hex[l & 15];
    }
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Copy non-GREASE values (optionally also dropping SNI/ALPN) and sort. */
static uint32_t filtered_sorted(const uint16_t *in, uint32_t n, bool drop_sni_alpn, uint16_t *out)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (tls_is_grease(in[i]))
            continue;
        if (drop_sni_alpn && (in[i] == TLS_EXT_SNI || in[i] == TLS_EXT_ALPN))
            continue;
        out[k++] = in[i];
    }
    qsort(out, k, sizeof(*out), cmp_u16);
    return k;
}

static uint32_t count_non_grease(const uint16_t *v, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += !tls_is_grease(v[i]);
    return k;
}

static void sb_hex_list(sb *b, const uint16_t *v, uint32_t n, bool skip_grease)
{
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
        if (skip_grease && tls_is_grease(v[i]))
            continue;
        if (!first)
            sb_putc(b, ',');
        sb_hex4(b, v[i]);
        first = false;
    }
}

/* sha256(list)[:12], or twelve zeros when the list is empty. */
static void ja4_hash12(const sb *b, bool empty, char out[13])
{
    if (empty || !digest_hex(EVP_sha256(), b->s, b->len, out, 12))
        memcpy(out, "000000000000", 13);
}

void tls_ja4(const tls_client_hello *ch, char out[TLS_JA4_LEN])
{
    uint16_t sorted[TLS_MAX_CIPHERS > TLS_MAX_EXTS ? TLS_MAX_CIPHERS : TLS_MAX_EXTS];
    char alpn[2], hb[13], hc[13];
    uint32_t nc = count_non_grease(ch->ciphers, ch->n_ciphers);
    uint32_t ne = count_non_grease(ch->exts, ch->n_exts);
    ja4_alpn(ch, alpn);

    char buf[5 * (TLS_MAX_CIPHERS + TLS_MAX_EXTS + TLS_MAX_LIST) + 8];
    sb b = { buf, 0, sizeof(buf) };
    buf[0] = '\0';
    uint32_t k = filtered_sorted(ch->ciphers, ch->n_ciphers, false, sorted);
    sb_hex_list(&b, sorted, k, false);
    ja4_hash12(&b, k == 0, hb);

    b.len = 0;
    buf[0] = '\0';
    k = filtered_sorted(ch->exts, ch->n_exts, true, sorted);
    sb_hex_list(&b, sorted, k, false);
    sb_putc(&b, '_');
    sb_hex_list(&b, ch->sigalgs, ch->n_sigalgs, true);
    ja4_hash12(&b, ne == 0, hc);

    snprintf(out, TLS_JA4_LEN, "t%s%c%02u%02u%c%c_%s_%s", ja4_version(ch), ch->has_sni ? 'd' : 'i',
             nc > 99 ? 99 : nc, ne > 99 ? 99 : ne, alpn[0], alpn[1], hb, hc);
}
