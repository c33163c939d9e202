/*
 * decode-sll.c — Linux "cooked" captures: SLL (DLT 113, 16-byte header,
 * protocol last) and SLL2 (DLT 276, 20-byte header, protocol first).
 * The protocol field is an ethertype for the link types we care about.
 */
#include "decode-internal.h"

#define SLL_HDR_LEN 16
#define SLL2_HDR_LEN 20
#define ARPHRD_NETLINK 824 /* netlink messages, never IP */

void gl_decode_sll(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < SLL_HDR_LEN) {
        gl_dec_event(p, GL_EV_SLL_PKT_TOO_SMALL);
        return;
    }
    if (gl_be16(data + 2) == ARPHRD_NETLINK)
        return;
    gl_decode_ethertype(d, p, gl_be16(data + 14), data + SLL_HDR_LEN, len - SLL_HDR_LEN);
}

void gl_decode_sll2(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < SLL2_HDR_LEN) {
        gl_dec_event(p, GL_EV_SLL2_PKT_TOO_SMALL);
        return;
    }
    if (gl_be16(data + 8) == ARPHRD_NETLINK)
        return;
    gl_decode_ethertype(d, p, gl_be16(data), data + SLL2_HDR_LEN, len - SLL2_HDR_LEN);
}
