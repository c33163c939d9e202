/*
 * decode-mpls.c — MPLS label stack (RFC 3032). After the bottom-of-stack
 * label the payload type is guessed the usual way: explicit-null labels
 * name the family, otherwise the first nibble (4/6 = IP, 0 = pseudowire
 * control word followed by Ethernet, RFC 4385). The contract has no MPLS
 * event codes, so a short stack is reported as an Ethernet payload too small
 * for its ethertype (decoder.ethernet.pkt_too_small).
 */
#include "decode-internal.h"

#define MPLS_LABEL_LEN 4
#define MPLS_MAX_LABELS 16
#define MPLS_LABEL_IPV4_NULL 0
#define MPLS_LABEL_IPV6_NULL 2

void gl_decode_mpls(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    uint32_t label = 0;
    for (int n = 0;; n++) {
        if (len < MPLS_LABEL_LEN || n == MPLS_MAX_LABELS) {
            gl_dec_event(p, GL_EV_ETH_PKT_TOO_SMALL);
            return;
        }
        uint32_t word = gl_be32(data);
        label = word >> 12;
        data += MPLS_LABEL_LEN;
        len -= MPLS_LABEL_LEN;
        if (word & 0x100) /* bottom of stack */
            break;
    }
    if (label == MPLS_LABEL_IPV4_NULL) {
        gl_decode_ipv4(d, p, data, len);
        return;
    }
    if (label == MPLS_LABEL_IPV6_NULL) {
        gl_decode_ipv6(d, p, data, len);
        return;
    }
    if (len < 1) {
        gl_dec_event(p, GL_EV_ETH_PKT_TOO_SMALL);
        return;
    }
    switch (data[0] >> 4) {
    case 4: gl_decode_ipv4(d, p, data, len); break;
    case 6: gl_decode_ipv6(d, p, data, len); break;
    case 0: /* Ethernet pseudowire with a 4-byte control word */
        if (len < 4) {
            gl_dec_event(p, GL_EV_ETH_PKT_TOO_SMALL);
            return;
        }
        if (gl_tunnel_enter(p, len - 4))
            gl_decode_ethernet(d, p, data + 4, len - 4);
        break;
    default: break;
    }
}
