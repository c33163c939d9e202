/*
 * decode-ipv4.c — IPv4 header (RFC 791): version/IHL/total-length checks,
 * safe option walk, fragment hand-off to defrag.c, then the L4 payload.
 *
 * Lengths: `len` is what was captured from the IP header on. The total
 * length field bounds the datagram (bytes beyond it are Ethernet padding);
 * when the capture is shorter than the total length we record
 * decoder.ipv4.trunc_pkt and decode what is there.
 */
#include "decode-internal.h"

#define IPV4_HDR_LEN 20
#define IPV4_OPT_EOL 0
#define IPV4_OPT_NOP 1
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

/* Options are only skipped, but a length byte that points outside the
 * option area is an anomaly worth reporting. */
static void ipv4_check_options(gl_packet *p, const uint8_t *o, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint8_t type = o[i];
        if (type == IPV4_OPT_EOL)
            return;
        if (type == IPV4_OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i) {
            gl_dec_event(p, GL_EV_IPV4_OPT_INVALID);
            return;
        }
        i += o[i + 1];
    }
}

static void ipv4_fragment(gl_decoder *d, gl_packet *p, const uint8_t *ip, uint32_t hlen,
                          uint32_t avail, uint32_t total)
{
    p->is_fragment = true;
    /* a fragment cut short by the snap length cannot be rebuilt faithfully */
    if (d == NULL || avail < total)
        return;
    uint16_t fl = gl_be16(ip + 6);
    gl_frag_info fi = {
        .af = 4,
        .proto = ip[9],
        .id = gl_be16(ip + 4),
        .off = (uint32_t)(fl & IPV4_OFFSET_MASK) * 8u,
        .more = (fl & IPV4_MF) != 0,
        .hdr = ip,
        .hdr_len = hlen,
        .data = ip + hlen,
        .len = total - hlen,
    };
    uint32_t dlen = 0;
    const uint8_t *dg = gl_defrag_insert(d, p, &fi, &dlen);
    if (dg == NULL)
        return;
    p->is_fragment = false;
    p->reassembled = true;
    /* the rebuilt header has MF and offset cleared, so this does not come
     * back here */
    gl_decode_ipv4(d, p, dg, dlen);
}

void gl_decode_ipv4(gl_decoder *d, gl_packet *p, const uint8_t *ip, uint32_t len)
{
    if (len < IPV4_HDR_LEN) {
        gl_dec_event(p, GL_EV_IPV4_PKT_TOO_SMALL);
        return;
    }
    if ((ip[0] >> 4) != 4) {
        gl_dec_event(p, GL_EV_IPV4_WRONG_IP_VER);
        return;
    }
    uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4u;
    if (hlen < IPV4_HDR_LEN) {
        gl_dec_event(p, GL_EV_IPV4_HLEN_TOO_SMALL);
        return;
    }
    uint32_t total = gl_be16(ip + 2);
    if (total < hlen) {
        gl_dec_event(p, GL_EV_IPV4_IPLEN_SMALLER_THAN_HLEN);
        return;
    }
    uint32_t avail = total;
    if (total > len) {
        gl_dec_event(p, GL_EV_IPV4_TRUNC_PKT);
        avail = len;
    }

    p->ip_version = 4;
    p->ip_ttl = ip[8];
    p->proto = ip[9];
    p->ip_len = total;
    gl_addr_from_v4(&p->src, ip + 12);
    gl_addr_from_v4(&p->dst, ip + 16);

    bool fragment = (gl_be16(ip + 6) & (IPV4_MF | IPV4_OFFSET_MASK)) != 0;
    if (hlen > avail) { /* options cut by the snap length: addresses are all we have */
        p->is_fragment = fragment;
        return;
    }
    if (hlen > IPV4_HDR_LEN)
        ipv4_check_options(p, ip + IPV4_HDR_LEN, hlen - IPV4_HDR_LEN);

    if (fragment) {
        ipv4_fragment(d, p, ip, hlen, avail, total);
        return;
    }
    gl_decode_l4(d, p, ip[9], ip + hlen, avail - hlen, total - hlen);
}

/* IP-in-IP, 6in4, 4in6, 6in6 and GRE-carried IP all come through here so
 * the depth bound applies to every encapsulation. */
void gl_decode_tunnel_ip(gl_decoder *d, gl_packet *p, int version, const uint8_t *ip,
                         uint32_t len)
{
    if (!gl_tunnel_enter(p, len))
        return;
    if (version == 4)
        gl_decode_ipv4(d, p, ip, len);
    else
        gl_decode_ipv6(d, p, ip, len);
}
