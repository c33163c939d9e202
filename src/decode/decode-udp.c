/*
 * decode-udp.c — UDP header (RFC 768). The UDP length must agree with the
 * length the IP layer announces; when it does not we record
 * decoder.udp.hlen_invalid and trust the smaller of the two (never more
 * than was captured).
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
