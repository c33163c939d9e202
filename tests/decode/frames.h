/*
 * frames.h — hand-rolled frame builders for the decode tests. Each builder
 * writes one header exactly as its RFC lays it out, byte by byte, in front
 * of an inner payload, so tests can derive expected fields from the values
 * they pass in rather than from the decoder's output.
 */
#ifndef GL_TEST_FRAMES_H
#define GL_TEST_FRAMES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/decode/decode.h"

static int t_failures = 0, t_checks = 0;
#define CHECK(cond)                                                                         \
    do {                                                                                    \
        t_checks++;                                                                         \
        if (!(cond)) {                                                                      \
            t_failures++;                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);        \
        }                                                                                   \
    } while (0)

typedef struct fb {
    uint8_t b[70000];
    uint32_t n;
} fb;

static inline fb *fb_new(void) { return calloc(1, sizeof(fb)); }
static inline void fb_bytes(fb *f, const void *p, uint32_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}
static inline void fb_u8(fb *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static inline void fb_u16(fb *f, unsigned v) { fb_u8(f, v >> 8); fb_u8(f, v & 0xff); }
static inline void fb_u32(fb *f, uint32_t v) { fb_u16(f, v >> 16); fb_u16(f, v & 0xffff); }
static inline void fb_fill(fb *f, uint8_t c, uint32_t n) { memset(f->b + f->n, c, n); f->n += n; }

/* Returns a new buffer: hdr followed by inner. Frees inner. */
static inline fb *fb_wrap(fb *hdr, fb *inner)
{
    if (inner) {
        fb_bytes(hdr, inner->b, inner->n);
        free(inner);
    }
    return hdr;
}

static const uint8_t MAC_DST[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_SRC[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

static inline fb *eth(uint16_t type, fb *inner)
{
    fb *h = fb_new();
    fb_bytes(h, MAC_DST, 6);
    fb_bytes(h, MAC_SRC, 6);
    fb_u16(h, type);
    return fb_wrap(h, inner);
}

static inline fb *vlan(uint16_t tci, uint16_t type, fb *inner)
{
    fb *h = fb_new();
    fb_u16(h, tci);
    fb_u16(h, type);
    return fb_wrap(h, inner);
}

/* RFC 791 header, no options unless opt given; total = hlen + inner. */
static inline fb *ipv4x(uint8_t proto, const char *src, const char *dst, uint16_t id, uint16_t frag,
                 const uint8_t *opt, uint32_t optlen, fb *inner)
{
    unsigned a[4], b[4];
    sscanf(src, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    sscanf(dst, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
    uint32_t hlen = 20 + optlen;
    fb *h = fb_new();
    fb_u8(h, 0x40 | (hlen / 4));
    fb_u8(h, 0);
    fb_u16(h, hlen + (inner ? inner->n : 0));
    fb_u16(h, id);
    fb_u16(h, frag);
    fb_u8(h, 64);      /* TTL */
    fb_u8(h, proto);
    fb_u16(h, 0);      /* checksum: not verified by the decoder */
    for (int i = 0; i < 4; i++)
        fb_u8(h, a[i]);
    for (int i = 0; i < 4; i++)
        fb_u8(h, b[i]);
    if (optlen)
        fb_bytes(h, opt, optlen);
    return fb_wrap(h, inner);
}
static inline fb *ipv4(uint8_t proto, const char *src, const char *dst, fb *inner)
{
    return ipv4x(proto, src, dst, 0x1234, 0x4000 /* DF */, NULL, 0, inner);
}

/* 16-byte address from a short hex spec: "2001:db8::N" style given as
 * prefix 2001:0db8 + last byte */
static inline void v6addr(uint8_t *a, uint8_t last)
{
    memset(a, 0, 16);
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = 0xb8;
    a[15] = last;
}

/* RFC 8200 fixed header; payload length = inner. */
static inline fb *ipv6(uint8_t nh, uint8_t src_last, uint8_t dst_last, fb *inner)
{
    uint8_t a[16];
    fb *h = fb_new();
    fb_u32(h, 0x60000000);
    fb_u16(h, inner ? inner->n : 0);
    fb_u8(h, nh);
    fb_u8(h, 55); /* hop limit */
    v6addr(a, src_last);
    fb_bytes(h, a, 16);
    v6addr(a, dst_last);
    fb_bytes(h, a, 16);
    return fb_wrap(h, inner);
}

/* generic 8-octet-unit option header (HBH/dstopts) of 8 bytes: nh, len 0, PadN */
static inline fb *ip6_opts8(uint8_t nh, fb *inner)
{
    fb *h = fb_new();
    fb_u8(h, nh);
    fb_u8(h, 0);
    fb_u8(h, 1); /* PadN */
    fb_u8(h, 4);
    fb_fill(h, 0, 4);
    return fb_wrap(h, inner);
}

/* TCP header; opts appended (must be a multiple of 4). */
static inline fb *tcp(uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags,
               const uint8_t *opts, uint32_t optlen, fb *inner)
{
    fb *h = fb_new();
    fb_u16(h, sp);
    fb_u16(h, dp);
    fb_u32(h, seq);
    fb_u32(h, ack);
    fb_u8(h, ((20 + optlen) / 4) << 4);
    fb_u8(h, flags);
    fb_u16(h, 65535);  /* window */
    fb_u16(h, 0);      /* checksum */
    fb_u16(h, 0);      /* urgent */
    if (optlen)
        fb_bytes(h, opts, optlen);
    return fb_wrap(h, inner);
}

static inline fb *udp(uint16_t sp, uint16_t dp, fb *inner)
{
    fb *h = fb_new();
    fb_u16(h, sp);
    fb_u16(h, dp);
    fb_u16(h, 8 + (inner ? inner->n : 0));
    fb_u16(h, 0);
    return fb_wrap(h, inner);
}

static inline fb *icmp(uint8_t type, uint8_t code, fb *inner)
{
    fb *h = fb_new();
    fb_u8(h, type);
    fb_u8(h, code);
    fb_u16(h, 0);
    fb_u32(h, 0x00010002); /* echo id 1, seq 2 */
    return fb_wrap(h, inner);
}

static inline fb *data(const char *s)
{
    fb *h = fb_new();
    fb_bytes(h, s, (uint32_t)strlen(s));
    return h;
}

static inline fb *raw(const uint8_t *p, uint32_t n)
{
    fb *h = fb_new();
    fb_bytes(h, p, n);
    return h;
}

static inline bool has_event(const gl_packet *p, gl_decode_event ev)
{
    for (int i = 0; i < p->n_events; i++)
        if (p->events[i] == ev)
            return true;
    return false;
}

static inline bool addr_is(const gl_addr *a, const char *text)
{
    char buf[GL_ADDR_STRLEN];
    return strcmp(gl_addr_str(a, buf), text) == 0;
}

#endif
