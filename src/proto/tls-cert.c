/*
 * tls-cert.c — leaf certificate facts via OpenSSL 3's X.509 decoder.
 *
 * Why OpenSSL and not our own ASN.1: certificates are the most complex thing
 * on the TLS wire and d2i_X509 is decades-hardened and continuously fuzzed.
 * We only format its results: names as "C=US, ST=..., CN=x" (RDNs in
 * certificate order, ", " between RDNs, " + " inside multi-valued RDNs, no
 * RFC 2253 escaping — Suricata's tls.subject / tls.issuerdn format), the
 * serial as colon-separated uppercase DER content bytes, the SHA-1 over the
 * DER as lowercase colon-separated hex, and validity times as UTC
 * "YYYY-MM-DDTHH:MM:SS".
 */
#include "tls-cert.h"

#include <pthread.h>
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAME_MAX_LEN 4096 /* a subject longer than this is truncated */

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static void sbuf_add(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        n = b->cap - b->len - 1;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Short attribute name (CN, O, ...) or the dotted OID for unknown ones. */
static void add_attr_name(strbuf *b, const ASN1_OBJECT *obj)
{
    int nid = OBJ_obj2nid(obj);
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    char oid[80];
    if (!sn) {
        if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
            snprintf(oid, sizeof(oid), "UNKNOWN");
        sn = oid;
    }
    sbuf_add(b, sn, strlen(sn));
}

static char *name_to_string(const X509_NAME *name)
{
    strbuf b = { malloc(NAME_MAX_LEN), 0, NAME_MAX_LEN };
    if (!b.s)
        return NULL;
    b.s[0] = '\0';
    int prev_set = -1;
    for (int i = 0; i < X509_NAME_entry_count(name); i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(e);
        if (i > 0)
            sbuf_add(&b, set == prev_set ? " + " : ", ", set == prev_set ? 3 : 2);
        prev_set = set;
        add_attr_name(&b, X509_NAME_ENTRY_get_object(e));
        sbuf_add(&b, "=", 1);
        unsigned char *utf8 = NULL;
        int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        if (n > 0)
            sbuf_add(&b, (const char *)utf8, (size_t)n);
        OPENSSL_free(utf8);
    }
    return b.s;
}

/* Serial as the DER INTEGER content octets (keeps a leading 00 pad byte). */
static char *serial_to_string(const ASN1_INTEGER *serial)
{
    unsigned char *der = NULL;
    int n = i2d_ASN1_INTEGER(serial, &der);
    if (n < 2) {
        OPENSSL_free(der);
        return NULL;
    }
    /* skip tag and (short or long form) length */
    size_t off = 2;
    if (der[1] & 0x80)
        off += der[1] & 0x7f;
    char *out = NULL;
    if ((size_t)n > off) {
        size_t cnt = (size_t)n - off;
        out = malloc(cnt * 3);
        if (out) {
            static const char hex[] = "0123456789ABCDEF";
            for (size_t i = 0; i < cnt; i++) {
                out[i * 3] = hex[der[off + i] >> 4];
                out[i * 3 + 1] = hex[der[off + i] & 15];
                out[i * 3 + 2] = i + 1 < cnt ? ':' : '\0';
            }
        }
    }
    OPENSSL_free(der);
    return out;
}

static void sha1_fingerprint(const uint8_t *der, size_t len, char out[60])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    out[0] = '\0';
    if (!EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
        return;
    for (unsigned i = 0; i < 20; i++) {
        out[i * 3] = hex[md[i] >> 4];
        out[i * 3 + 1] = hex[md[i] & 15];
        out[i * 3 + 2] = i < 19 ? ':' : '\0';
    }
}

static void time_to_string(const ASN1_TIME *t, char out[24])
{
    struct tm tm;
    out[0] = '\0';
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return;
    char tmp[96];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    size_t n = strlen(tmp);
    if (n > 23)
        n = 23; /* only a year beyond 9999 can get here */
    memcpy(out, tmp, n);
    out[n] = '\0';
}

static void collect_dns_sans(X509 *x, tls_cert_info *ci)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!names)
        return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != GEN_DNS)
            continue;
        if (ci->n_san >= TLS_CERT_MAX_SAN) {
            ci->san_truncated = true;
            break;
        }
        const ASN1_IA5STRING *s = gn->d.dNSName;
        int n = ASN1_STRING_length(s);
        char *copy = malloc((size_t)n + 1);
        if (!copy)
            break;
        memcpy(copy, ASN1_STRING_get0_data(s), (size_t)n);
        copy[n] = '\0';
        ci->san[ci->n_san++] = copy;
    }
    GENERAL_NAMES_free(names);
}

static bool parse_uncached(const uint8_t *der, size_t len, tls_cert_info *out)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return false;
    out->subject = name_to_string(X509_get_subject_name(x));
    out->issuer = name_to_string(X509_get_issuer_name(x));
    out->serial = serial_to_string(X509_get0_serialNumber(x));
    time_to_string(X509_get0_notBefore(x), out->notbefore);
    time_to_string(X509_get0_notAfter(x), out->notafter);
    collect_dns_sans(x, out);
    X509_free(x);
    return true;
}

/* ---- cache ----------------------------------------------------------------
 * d2i_X509 in OpenSSL 3 decodes the public key through the provider decoder
 * machinery, which costs far more than everything else the sensor does for a
 * TLS session (a third of all CPU time on the benchmark). Servers present
 * the same certificate to every client, so parsed results are cached by the
 * SHA-1 of the DER (computed anyway for the fingerprint): a direct-mapped,
 * fixed-size table shared by the workers, behind one mutex (taken once per
 * certificate, never per packet). */

#define CERT_CACHE_SLOTS 512

typedef struct cert_slot {
    bool used, ok;
    size_t len;
    char fp[60];
    tls_cert_info info;
} cert_slot;

static cert_slot cert_cache[CERT_CACHE_SLOTS];
static pthread_mutex_t cert_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void copy_info(tls_cert_info *dst, const tls_cert_info *src)
{
    *dst = *src;
    dst->subject = dup_or_null(src->subject);
    dst->issuer = dup_or_null(src->issuer);
    dst->serial = dup_or_null(src->serial);
    for (uint32_t i = 0; i < src->n_san; i++)
        dst->san[i] = dup_or_null(src->san[i]);
}

static unsigned slot_of(const char *fp)
{
    /* fingerprint text "ab:cd:..": its first hex digits are uniform enough */
    unsigned h = 0;
    for (int i = 0; i < 12; i++)
        h = h * 31 + (unsigned char)fp[i];
    return h % CERT_CACHE_SLOTS;
}

bool tls_cert_parse(const uint8_t *der, size_t len, tls_cert_info *out)
{
    memset(out, 0, sizeof(*out));
    if (len > 0x7fffffff)
        return false;
    char fp[60];
    sha1_fingerprint(der, len, fp);
    if (!fp[0])
        return parse_uncached(der, len, out) && (memcpy(out->fingerprint, fp, sizeof(fp)), true);

    cert_slot *s = &cert_cache[slot_of(fp)];
    pthread_mutex_lock(&cert_cache_lock);
    if (s->used && s->len == len && strcmp(s->fp, fp) == 0) {
        bool ok = s->ok;
        if (ok)
            copy_info(out, &s->info);
        pthread_mutex_unlock(&cert_cache_lock);
        return ok;
    }
    pthread_mutex_unlock(&cert_cache_lock);

    bool ok = parse_uncached(der, len, out);
    if (ok)
        memcpy(out->fingerprint, fp, sizeof(fp));
    else
        tls_cert_info_free(out);

    pthread_mutex_lock(&cert_cache_lock);
    if (s->used)
        tls_cert_info_free(&s->info);
    s->used = true;
    s->ok = ok;
    s->len = len;
    memcpy(s->fp, fp, sizeof(fp));
    if (ok)
        copy_info(&s->info, out);
    pthread_mutex_unlock(&cert_cache_lock);
    return ok;
}

void tls_cert_info_free(tls_cert_info *ci)
{
    free(ci->subject);
    free(ci->issuer);
    free(ci->serial);
    for (uint32_t i = 0; i < ci->n_san; i++)
        free(ci->san[i]);
    memset(ci, 0, sizeof(*ci));
}
