/*
 * decode-pppoe.c — PPPoE session frames (RFC 2516, ethertype 0x8864 and
 * DLT_PPP_ETHER) and the PPP protocol field (RFC 1661) that follows them,
 * also used for DLT_PPP/PPP_SERIAL captures and PPTP's enhanced GRE.
 * The contract has no "PPP too small" code, so a missing PPP protocol field
 * is reported as decoder.pppoe.pkt_too_small.
 */
#include "decode-internal.h"

#define PPPOE_HDR_LEN 6
#define PPPOE_CODE_SESSION 0x00

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

void gl_decode_ppp(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    uint16_t proto;
    uint32_t hl;
    if (len >= 1 && (data[0] & 1)) {
        /* protocol-field compression (RFC 1661 6.5): an odd first byte is
         * the whole protocol number */
        proto = data[0];
        hl = 1;
    } else if (len >= 2) {
        proto = gl_be16(data);
        hl = 2;
    } else {
        gl_dec_event(p, GL_EV_PPPOE_PKT_TOO_SMALL);
        return;
    }
    switch (proto) {
    case PPP_IPV4: gl_decode_ipv4(d, p, data + hl, len - hl); break;
    case PPP_IPV6: gl_decode_ipv6(d, p, data + hl, len - hl); break;
    default:
        /* 0x8000-0xffff are control protocols (LCP, IPCP, PAP, CHAP...):
         * normal session chatter, not an anomaly */
        if (!(proto & 0x8000))
            gl_dec_event(p, GL_EV_PPP_UNSUP_PROTO);
        break;
    }
}

/* DLT_PPP / PPP_SERIAL: optional HDLC address/control (ff 03) first. */
void gl_decode_ppp_hdlc(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    if (len >= 2 && data[0] == 0xff && data[1] == 0x03) {
        data += 2;
        len -= 2;
    }
    gl_decode_ppp(d, p, data, len);
}

void gl_decode_pppoe_session(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < PPPOE_HDR_LEN) {
        gl_dec_event(p, GL_EV_PPPOE_PKT_TOO_SMALL);
        return;
    }
    if (data[1] != PPPOE_CODE_SESSION) {
        gl_dec_event(p, GL_EV_PPPOE_WRONG_CODE);
        return;
    }
    /* the PPPoE length field bounds the PPP frame: anything after it is
     * Ethernet padding */
    uint32_t plen = gl_be16(data + 4);
    uint32_t avail = len - PPPOE_HDR_LEN;
    if (plen < avail)
        avail = plen;
    gl_decode_ppp(d, p, data + PPPOE_HDR_LEN, avail);
}
