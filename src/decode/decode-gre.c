/*
 * decode-gre.c — GRE (RFC 2784/2890, RFC 1701 routing) version 0 carrying
 * IPv4, IPv6, transparent Ethernet bridging (0x6558) or ERSPAN type I/II
 * (0x88BE) and type III (0x22EB); and PPTP's enhanced GRE version 1
 * (RFC 2637) carrying PPP. Every hop into the payload crosses a tunnel
 * (gl_tunnel_enter), which bounds nesting.
 */
#include "decode-internal.h"

#define GRE_HDR_LEN 4
#define GRE_F_CSUM 0x8000
#define GRE_F_ROUTING 0x4000
#define GRE_F_KEY 0x2000
#define GRE_F_SEQ 0x1000
#define GRE_F_ACK 0x0080 /* version 1 only */
#define GRE_VERSION_MASK 0x0007

#define GRE_PROTO_PPP 0x880B
#define GRE_PROTO_TEB 0x6558
#define GRE_PROTO_ERSPAN2 0x88BE
#define GRE_PROTO_ERSPAN3 0x22EB

#define ERSPAN2_HDR_LEN 8
#define ERSPAN3_HDR_LEN 12
#define ERSPAN3_SUBHDR_LEN 8

/* RFC 1701 source route entries: (af, offset, length) + data, ended by an
 * entry with af 0 and length 0. Each step consumes >= 4 bytes. */
static bool gre_skip_sre(const uint8_t *g, uint32_t len, uint32_t *off)
{
    for (;;) {
        if (len - *off < 4)
            return false;
        uint16_t af = gl_be16(g + *off);
        uint8_t sre_len = g[*off + 3];
        *off += 4;
        if (af == 0 && sre_len == 0)
            return true;
        if (len - *off < sre_len)
            return false;
        *off += sre_len;
    }
}

/* Header length of a version-0 header; false if truncated. */
static bool gre_v0_header(const uint8_t *g, uint32_t len, uint16_t flags, uint32_t *off)
{
    *off = GRE_HDR_LEN;
    if (flags & (GRE_F_CSUM | GRE_F_ROUTING)) /* checksum + offset word */
        *off += 4;
    if (flags & GRE_F_KEY)
        *off += 4;
    if (flags & GRE_F_SEQ)
        *off += 4;
    if (*off > len)
        return false;
    if (flags & GRE_F_ROUTING)
        return gre_skip_sre(g, len, off);
    return true;
}

static void gre_erspan(gl_decoder *d, gl_packet *p, uint16_t flags, uint16_t proto,
                       const uint8_t *e, uint32_t len)
{
    uint32_t hl = 0;
    if (proto == GRE_PROTO_ERSPAN2) {
        /* type I has no sequence number and no ERSPAN header */
        if (flags & GRE_F_SEQ)
            hl = ERSPAN2_HDR_LEN;
    } else {
        hl = ERSPAN3_HDR_LEN;
        if (len >= ERSPAN3_HDR_LEN && (e[11] & 1)) /* O flag: platform sub-header */
            hl += ERSPAN3_SUBHDR_LEN;
    }
    if (len < hl) {
        gl_dec_event(p, GL_EV_GRE_PKT_TOO_SMALL);
        return;
    }
    if (gl_tunnel_enter(p, len - hl))
        gl_decode_ethernet(d, p, e + hl, len - hl);
}

void gl_decode_gre(gl_decoder *d, gl_packet *p, const uint8_t *g, uint32_t len)
{
    if (len < GRE_HDR_LEN) {
        gl_dec_event(p, GL_EV_GRE_PKT_TOO_SMALL);
        return;
    }
    uint16_t flags = gl_be16(g);
    uint16_t proto = gl_be16(g + 2);
    uint32_t off;

    switch (flags & GRE_VERSION_MASK) {
    case 0:
        if (!gre_v0_header(g, len, flags, &off)) {
            gl_dec_event(p, GL_EV_GRE_PKT_TOO_SMALL);
            return;
        }
        break;
    case 1:
        /* enhanced GRE: key (payload length + call id) is mandatory */
        if (proto != GRE_PROTO_PPP || !(flags & GRE_F_KEY))
            return;
        off = GRE_HDR_LEN + 4 + ((flags & GRE_F_SEQ) ? 4 : 0) + ((flags & GRE_F_ACK) ? 4 : 0);
        if (off > len) {
            gl_dec_event(p, GL_EV_GRE_PKT_TOO_SMALL);
            return;
        }
        if (off == len) /* ack-only packet, no payload */
            return;
        if (gl_tunnel_enter(p, len - off))
            gl_decode_ppp_hdlc(d, p, g + off, len - off);
        return;
    default: gl_dec_event(p, GL_EV_GRE_WRONG_VERSION); return;
    }

    const uint8_t *in = g + off;
    uint32_t inlen = len - off;
    switch (proto) {
    case 0x0800: gl_decode_tunnel_ip(d, p, 4, in, inlen); break;
    case 0x86DD: gl_decode_tunnel_ip(d, p, 6, in, inlen); break;
    case GRE_PROTO_TEB:
        if (gl_tunnel_enter(p, inlen))
            gl_decode_ethernet(d, p, in, inlen);
        break;
    case GRE_PROTO_ERSPAN2:
    case GRE_PROTO_ERSPAN3: gre_erspan(d, p, flags, proto, in, inlen); break;
    default: break;
    }
}
