/*
 * decode-ipv6.c — IPv6 header (RFC 8200) and its extension-header chain:
 * hop-by-hop, routing, destination options (8-octet units), AH (RFC 4302,
 * 4-octet units) and the fragment header, which hands the fragmentable part
 * to defrag.c. The chain walk is bounded (GL_IPV6_MAX_EXTHDRS) and every
 * header length is checked against what was captured and what the payload
 * length announces.
 */
#include "decode-internal.h"

#define IPV6_HDR_LEN 40
#define IPV6_MAX_EXTHDRS 8

#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60

static void ipv6_fragment(gl_decoder *d, gl_packet *p, const uint8_t *ip, uint32_t off,
                          uint32_t nh_pos, uint32_t avail, uint32_t end)
{
    const uint8_t *fh = ip + off;
    p->proto = fh[0];
    p->is_fragment = true;
    if (d == NULL || avail < end)
        return;
    uint16_t fl = gl_be16(fh + 2);
    gl_frag_info fi = {
        .af = 6,
        .id = gl_be32(fh + 4),
        .off = fl & 0xfff8u,
        .more = (fl & 1) != 0,
        .hdr = ip,
        .hdr_len = off,
        .nh_pos = nh_pos,
        .next_header = fh[0],
        .data = fh + 8,
        .len = end - off - 8,
    };
    uint32_t dlen = 0;
    const uint8_t *dg = gl_defrag_insert(d, p, &fi, &dlen);
    if (dg == NULL)
        return;
    p->is_fragment = false;
    p->reassembled = true;
    gl_decode_ipv6(d, p, dg, dlen); /* rebuilt without a fragment header */
}

void gl_decode_ipv6(gl_decoder *d, gl_packet *p, const uint8_t *ip, uint32_t len)
{
    if (len < IPV6_HDR_LEN) {
        gl_dec_event(p, GL_EV_IPV6_PKT_TOO_SMALL);
        return;
    }
    if ((ip[0] >> 4) != 6) {
        gl_dec_event(p, GL_EV_IPV6_WRONG_IP_VER);
        return;
    }
    uint32_t end = IPV6_HDR_LEN + gl_be16(ip + 4); /* datagram end per header */
    uint32_t avail = end;
    if (end > len) {
        gl_dec_event(p, GL_EV_IPV6_TRUNC_PKT);
        avail = len;
    }
    p->ip_version = 6;
    p->ip_ttl = ip[7];
    p->ip_len = end;
    memcpy(p->src.b, ip + 8, 16);
    memcpy(p->dst.b, ip + 24, 16);

    uint8_t nh = ip[6];
    uint32_t off = IPV6_HDR_LEN, nh_pos = 6;
    for (int n = 0;; n++) {
        p->proto = nh;
        bool is_ext = nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_DSTOPTS || nh == NH_AH ||
                      nh == NH_FRAGMENT;
        if (!is_ext)
            break;
        if (n == IPV6_MAX_EXTHDRS || (nh == NH_HOPOPTS && n > 0)) {
            /* RFC 8200 4.1: hop-by-hop only first; long chains are evasion */
            gl_dec_event(p, GL_EV_IPV6_EXTHDR_TOO_MANY);
            return;
        }
        uint32_t elen;
        if (nh == NH_FRAGMENT) {
            elen = 8;
        } else {
            if (avail - off < 2) {
                gl_dec_event(p, GL_EV_IPV6_TRUNC_EXTHDR);
                return;
            }
            elen = nh == NH_AH ? ((uint32_t)ip[off + 1] + 2) * 4 : ((uint32_t)ip[off + 1] + 1) * 8;
        }
        if (avail - off < elen) {
            gl_dec_event(p, GL_EV_IPV6_TRUNC_EXTHDR);
            return;
        }
        if (nh == NH_FRAGMENT) {
            uint16_t fl = gl_be16(ip + off + 2);
            if ((fl & 0xfff8) != 0 || (fl & 1)) {
                ipv6_fragment(d, p, ip, off, nh_pos, avail, end);
                return;
            }
            /* atomic fragment (RFC 6946): processed as a whole datagram */
        }
        nh_pos = off;
        nh = ip[off];
        off += elen;
    }
    gl_decode_l4(d, p, nh, ip + off, avail - off, end - off);
}
