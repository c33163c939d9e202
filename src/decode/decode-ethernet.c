/*
 * decode-ethernet.c — Ethernet II header and the ethertype dispatch shared by
 * every layer that names its payload with an ethertype (SLL, SLL2, VLAN,
 * GRE). 802.3 length frames (LLC) and non-IP ethertypes carry no IP layer
 * and are not anomalies.
 */
#include "decode-internal.h"

#define ETH_HDR_LEN 14

void gl_decode_ethernet(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < ETH_HDR_LEN) {
        gl_dec_event(p, GL_EV_ETH_PKT_TOO_SMALL);
        return;
    }
    /* keep the outermost MACs: an Ethernet inside a tunnel says little
     * about where the frame was captured */
    if (!p->has_eth) {
        p->has_eth = true;
        memcpy(p->eth_dst, data, 6);
        memcpy(p->eth_src, data + 6, 6);
    }
    gl_decode_ethertype(d, p, gl_be16(data + 12), data + ETH_HDR_LEN, len - ETH_HDR_LEN);
}

void gl_decode_ethertype(gl_decoder *d, gl_packet *p, uint16_t type, const uint8_t *data,
                         uint32_t len)
{
    switch (type) {
    case 0x0800: gl_decode_ipv4(d, p, data, len); break;
    case 0x86DD: gl_decode_ipv6(d, p, data, len); break;
    case 0x8100: /* 802.1Q */
    case 0x88A8: /* 802.1ad service tag */
    case 0x9100: /* pre-standard QinQ */
        gl_decode_vlan(d, p, type, data, len);
        break;
    case 0x8864: gl_decode_pppoe_session(d, p, data, len); break;
    case 0x8847: /* MPLS unicast */
    case 0x8848: /* MPLS multicast */
        gl_decode_mpls(d, p, data, len);
        break;
    default: break; /* ARP, LLDP, PPPoE discovery, 802.3 length ... */
    }
}
