/*
 * gl-util.h — small shared helpers: bounds-safe big-endian reads, address
 * type, time formatting. Everything here is inline or trivial; parsers
 * include it instead of re-writing byte readers.
 */
#ifndef GL_UTIL_H
#define GL_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>

#define GL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GL_MAX(a, b) ((a) > (b) ? (a) : (b))

static inline uint16_t gl_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t gl_be24(const uint8_t *p) { return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2]; }
static inline uint32_t gl_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint16_t gl_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t gl_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one
 * 16-byte compare/hash covers both families. */
typedef struct gl_addr {
    uint8_t b[16];
} gl_addr;

static inline void gl_addr_from_v4(gl_addr *a, const uint8_t *v4)
{
    memset(a->b, 0, 10);
    a->b[10] = 0xff;
    a->b[11] = 0xff;
    memcpy(a->b + 12, v4, 4);
}
static inline bool gl_addr_is_v4(const gl_addr *a)
{
    static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return memcmp(a->b, pfx, 12) == 0;
}
static inline int gl_addr_cmp(const gl_addr *a, const gl_addr *b) { return memcmp(a->b, b->b, 16); }

/* Text form as Suricata prints it (dotted quad, or RFC 5952 IPv6).
 * buf must hold GL_ADDR_STRLEN bytes. */
#define GL_ADDR_STRLEN 48
const char *gl_addr_str(const gl_addr *a, char *buf);

/* Suricata EVE timestamp: 2009-11-24T21:27:09.534255+0000 (UTC). buf >= 40. */
void gl_format_ts(uint64_t ts_usec, char *buf, size_t buflen);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void gl_hex(const uint8_t *in, size_t n, char *out);

/* 64-bit mixing hash (splitmix-style finaliser). */
static inline uint64_t gl_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

uint64_t gl_hash_bytes(const void *data, size_t n, uint64_t seed);

#endif
