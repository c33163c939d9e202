/*
 * test-tls-build.h — helpers for TLS parser tests: assemble ClientHello /
 * ServerHello / Certificate messages byte by byte, wrap them in handshake
 * and record headers, and hash hand-derived strings with OpenSSL.
 */
#ifndef GL_TEST_TLS_BUILD_H
#define GL_TEST_TLS_BUILD_H

#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

typedef struct tbuf {
    uint8_t b[80000];
    size_t n;
} tbuf;

static inline void t8(tbuf *t, uint8_t v) { t->b[t->n++] = v; }
static inline void t16(tbuf *t, uint16_t v) { t8(t, (uint8_t)(v >> 8)); t8(t, (uint8_t)v); }
static inline void t24(tbuf *t, uint32_t v) { t8(t, (uint8_t)(v >> 16)); t16(t, (uint16_t)v); }
static inline void tbytes(tbuf *t, const void *p, size_t n)
{
    if (n)
        memcpy(t->b + t->n, p, n);
    t->n += n;
}
static inline void tstr(tbuf *t, const char *s) { tbytes(t, s, strlen(s)); }

/* Patch a length field of `width` bytes at `at` to cover everything after it. */
static inline void tpatch(tbuf *t, size_t at, int width)
{
    size_t len = t->n - at - (size_t)width;
    for (int i = width - 1; i >= 0; i--) {
        t->b[at + (size_t)i] = (uint8_t)len;
        len >>= 8;
    }
}

typedef struct text {
    uint16_t type;
    const uint8_t *body;
    size_t len;
} text;

/* Handshake message body of a ClientHello. */
static inline void t_client_hello(tbuf *t, uint16_t version, const uint8_t *sid, uint8_t sid_len,
                                  const uint16_t *ciphers, size_t nc, const text *exts, size_t ne)
{
    t16(t, version);
    for (int i = 0; i < 32; i++)
        t8(t, (uint8_t)i);
    t8(t, sid_len);
    tbytes(t, sid, sid_len);
    t16(t, (uint16_t)(2 * nc));
    for (size_t i = 0; i < nc; i++)
        t16(t, ciphers[i]);
    t8(t, 1);
    t8(t, 0); /* null compression */
    if (ne == 0)
        return;
    size_t at = t->n;
    t16(t, 0);
    for (size_t i = 0; i < ne; i++) {
        t16(t, exts[i].type);
        t16(t, (uint16_t)exts[i].len);
        tbytes(t, exts[i].body, exts[i].len);
    }
    tpatch(t, at, 2);
}

static inline void t_server_hello(tbuf *t, uint16_t version, const uint8_t *sid, uint8_t sid_len,
                                  uint16_t cipher, const text *exts, size_t ne)
{
    t16(t, version);
    for (int i = 0; i < 32; i++)
        t8(t, (uint8_t)(0x80 + i));
    t8(t, sid_len);
    tbytes(t, sid, sid_len);
    t16(t, cipher);
    t8(t, 0);
    if (ne == 0)
        return;
    size_t at = t->n;
    t16(t, 0);
    for (size_t i = 0; i < ne; i++) {
        t16(t, exts[i].type);
        t16(t, (uint16_t)exts[i].len);
        tbytes(t, exts[i].body, exts[i].len);
    }
    tpatch(t, at, 2);
}

/* Wrap body as handshake message `type` inside a single record. */
static inline void t_record_hs(tbuf *out, uint8_t type, const tbuf *body)
{
    t8(out, 22);
    t16(out, 0x0301);
    t16(out, (uint16_t)(body->n + 4));
    t8(out, type);
    t24(out, (uint32_t)body->n);
    tbytes(out, body->b, body->n);
}

static inline void t_record(tbuf *out, uint8_t type, const void *body, size_t n)
{
    t8(out, type);
    t16(out, 0x0303);
    t16(out, (uint16_t)n);
    tbytes(out, body, n);
}

/* Lowercase hex digest of a string (md5 / sha256) truncated to hexlen chars. */
static inline void t_digest(const EVP_MD *md, const char *s, char *out, size_t hexlen)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    EVP_Digest(s, strlen(s), d, &dl, md, NULL);
    for (size_t i = 0; i < hexlen; i++)
        out[i] = "0123456789abcdef"[(i & 1) ? (d[i / 2] & 15) : (d[i / 2] >> 4)];
    out[hexlen] = '\0';
}

#endif
