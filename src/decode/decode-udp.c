/*
 * decode-udp.c — UDP header (RFC 768). The UDP length must agree with the
 * length the IP layer announces; when it does not we record
 * decoder.udp.hlen_invalid and trust the smaller of the two (never more
 * than was captured). VXLAN and Geneve tunnels over UDP are followed.
 */
#include "decode-internal.h"

#define UDP_HDR_LEN 8

void gl_decode_udp(gl_packet *p, const uint8_t *u, uint32_t avail, uint32_t declared)
{
    if (avail < UDP_HDR_LEN) {
        gl_dec_event(p, GL_EV_UDP_PKT_TOO_SMALL);
        return;
    }
    p->sport = gl_be16(u);
    p->dport = gl_be16(u + 2);
    uint32_t ulen = gl_be16(u + 4);
    uint32_t plen = avail - UDP_HDR_LEN;
    if (ulen < UDP_HDR_LEN || ulen != declared)
        gl_dec_event(p, GL_EV_UDP_HLEN_INVALID);
    if (ulen >= UDP_HDR_LEN && ulen - UDP_HDR_LEN < plen)
        plen = ulen - UDP_HDR_LEN;
    p->l4_valid = true;
    p->payload = u + UDP_HDR_LEN;
    p->payload_len = plen;
}

#define VXLAN_PORT 4789
#define GENEVE_PORT 6081
#define VXLAN_HDR_LEN 8
#define GENEVE_HDR_LEN 8
#define ETH_HDR_LEN 14
#define ETHERTYPE_TEB 0x6558

/* The inner frame must look like Ethernet carrying IPv4/IPv6 (with the right
 * version nibble) before we give up the outer UDP view of the packet. */
static bool inner_ethernet_plausible(const uint8_t *e, uint32_t len)
{
    if (len < ETH_HDR_LEN + 20)
        return false;
    uint16_t type = gl_be16(e + 12);
    uint8_t ver = e[ETH_HDR_LEN] >> 4;
    return (type == 0x0800 && ver == 4) || (type == 0x86DD && ver == 6) ||
           type == 0x8100 || type == 0x88A8;
}

static void enter_inner_ethernet(gl_decoder *d, gl_packet *p, const uint8_t *e, uint32_t len)
{
    if (!inner_ethernet_plausible(e, len) || !gl_tunnel_enter(p, len))
        return;
    /* the inner frame replaces the outer L4 view */
    p->l4_valid = false;
    p->payload = NULL;
    p->payload_len = 0;
    p->sport = p->dport = 0;
    uint8_t src[6], dst[6];
    bool had_eth = p->has_eth;
    memcpy(src, p->eth_src, 6);
    memcpy(dst, p->eth_dst, 6);
    gl_decode_ethernet(d, p, e, len);
    if (had_eth) { /* MAC addresses stay the outermost (what the sensor's port sees) */
        p->has_eth = true;
        memcpy(p->eth_src, src, 6);
        memcpy(p->eth_dst, dst, 6);
    }
}

void gl_decode_udp_tunnel(gl_decoder *d, gl_packet *p)
{
    const uint8_t *u = p->payload;
    uint32_t len = p->payload_len;
    if (p->dport == VXLAN_PORT && len >= VXLAN_HDR_LEN) {
        /* RFC 7348: flags 0x08 (I), 24 reserved bits, VNI, 8 reserved bits */
        if (u[0] == 0x08 && u[1] == 0 && u[2] == 0 && u[3] == 0 && u[7] == 0)
            enter_inner_ethernet(d, p, u + VXLAN_HDR_LEN, len - VXLAN_HDR_LEN);
    } else if (p->dport == GENEVE_PORT && len >= GENEVE_HDR_LEN) {
        /* RFC 8926: version 0, options length in 4-byte words, protocol type */
        uint32_t opt = (uint32_t)(u[0] & 0x3f) * 4u;
        if ((u[0] >> 6) == 0 && gl_be16(u + 2) == ETHERTYPE_TEB && GENEVE_HDR_LEN + opt <= len)
            enter_inner_ethernet(d, p, u + GENEVE_HDR_LEN + opt, len - GENEVE_HDR_LEN - opt);
    }
}
