/*
 * con-crypto.c — the console's cryptographic primitives, all through
 * OpenSSL 3: random tokens, SHA-256 of tokens, scrypt password hashes
 * (memory-hard, EVP_KDF "SCRYPT"), RFC 6238 TOTP, base32 for authenticator
 * apps, and a strict UTF-8 check for everything that comes from a client.
 */
#include "console/con-internal.h"

#include <inttypes.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define SALT_LEN 16
#define HASH_LEN 32

bool gl_con_random(void *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1;
}

void gl_con_hex(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

static bool unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool gl_con_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        out[0] = '\0';
        return false;
    }
    gl_con_hex(md, 32, out);
    return true;
}

bool gl_con_scrypt(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen, uint64_t n, uint32_t r,
                   uint32_t p, uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    bool ok = false;
    if (ctx) {
        /* 128·r·N bytes of work memory plus slack; OpenSSL's default cap
         * (32 MiB) is below the cost we use. */
        uint64_t maxmem = 128ull * r * n * (p ? p : 1) + (16u << 20);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, pwlen),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
            OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
            OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
            OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
            OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
            OSSL_PARAM_construct_end(),
        };
        ok = EVP_KDF_derive(ctx, out, outlen, params) == 1;
    }
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok;
}

bool gl_con_password_hash(const char *pw, unsigned log2n, char *out, size_t outlen)
{
    uint8_t salt[SALT_LEN], h[HASH_LEN];
    char salt_hex[2 * SALT_LEN + 1], h_hex[2 * HASH_LEN + 1];
    if (log2n < 10 || log2n > 20 || !gl_con_random(salt, sizeof(salt)) ||
        !gl_con_scrypt(pw, strlen(pw), salt, sizeof(salt), 1ull << log2n, 8, 1, h, sizeof(h)))
        return false;
    gl_con_hex(salt, sizeof(salt), salt_hex);
    gl_con_hex(h, sizeof(h), h_hex);
    OPENSSL_cleanse(h, sizeof(h));
    return (size_t)snprintf(out, outlen, "scrypt$%u$8$1$%s$%s", log2n, salt_hex, h_hex) < outlen;
}

bool gl_con_password_verify(const char *pw, const char *stored)
{
    unsigned log2n, r, p;
    char salt_hex[2 * SALT_LEN + 1], h_hex[2 * HASH_LEN + 1];
    uint8_t salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
    if (!stored || sscanf(stored, "scrypt$%u$%u$%u$%32[0-9a-f]$%64[0-9a-f]", &log2n, &r, &p, salt_hex, h_hex) != 5)
        return false;
    if (log2n < 10 || log2n > 20 || r != 8 || p != 1 || !unhex(salt_hex, strlen(salt_hex), salt, SALT_LEN) ||
        !unhex(h_hex, strlen(h_hex), want, HASH_LEN))
        return false;
    if (!gl_con_scrypt(pw, strlen(pw), salt, SALT_LEN, 1ull << log2n, r, p, got, sizeof(got)))
        return false;
    bool ok = CRYPTO_memcmp(got, want, HASH_LEN) == 0;
    OPENSSL_cleanse(got, sizeof(got));
    return ok;
}

/* RFC 6238 §4 with RFC 4226 §5.3 dynamic truncation; T0 = 0, X = 30 s. */
uint32_t gl_con_totp(const uint8_t *key, size_t keylen, int64_t t, int digits)
{
    uint64_t counter = t < 0 ? 0 : (uint64_t)t / 30;
    uint8_t msg[8], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    for (int i = 7; i >= 0; i--, counter >>= 8)
        msg[i] = (uint8_t)(counter & 0xff);
    if (!HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), md, &mdlen) || mdlen != 20)
        return UINT32_MAX;
    unsigned off = md[19] & 0x0f;
    uint32_t bin = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
                   ((uint32_t)md[off + 2] << 8) | md[off + 3];
    uint32_t mod = 1;
    for (int i = 0; i < digits && i < 9; i++)
        mod *= 10;
    return bin % mod;
}

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t gl_con_base32_encode(const uint8_t *in, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    uint32_t buf = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        buf = (buf << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            if (o + 1 >= outlen)
                return 0;
            out[o++] = B32[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) {
        if (o + 1 >= outlen)
            return 0;
        out[o++] = B32[(buf << (5 - bits)) & 31];
    }
    out[o] = '\0';
    return o;
}

int gl_con_base32_decode(const char *in, uint8_t *out, size_t outlen)
{
    uint32_t buf = 0;
    int bits = 0;
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        const char *q = *p ? strchr(B32, *p >= 'a' && *p <= 'z' ? *p - 32 : *p) : NULL;
        if (!q)
            return -1;
        buf = (buf << 5) | (uint32_t)(q - B32);
        bits += 5;
        if (bits >= 8) {
            if (o >= outlen)
                return -1;
            out[o++] = (uint8_t)(buf >> (bits - 8));
            bits -= 8;
        }
    }
    return (int)o;
}

/* RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF, no NUL. */
bool gl_con_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min, cp;
        if ((c & 0xe0) == 0xc0) {
            len = 2, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}
