/*
 * decode-null.c — BSD loopback links. DLT_NULL carries the address family
 * as a 4-byte word in the *capturing host's* byte order, so a file written
 * on a big-endian host reads "backwards" on ours: a value that does not fit
 * 16 bits is taken as byte-swapped. DLT_LOOP (OpenBSD) is always network
 * order. AF_INET is 2 everywhere; AF_INET6 differs per BSD: 24
 * (NetBSD/OpenBSD), 28 (FreeBSD/DragonFly), 30 (Darwin).
 */
#include "decode-internal.h"

#define NULL_HDR_LEN 4

void gl_decode_null(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len,
                    bool network_order)
{
    if (len < NULL_HDR_LEN) {
        gl_dec_event(p, GL_EV_NULL_PKT_TOO_SMALL);
        return;
    }
    uint32_t af = network_order ? gl_be32(data) : gl_le32(data);
    if (!network_order && af > 0xffff)
        af = gl_be32(data);
    switch (af) {
    case 2: gl_decode_ipv4(d, p, data + NULL_HDR_LEN, len - NULL_HDR_LEN); break;
    case 24:
    case 28:
    case 30: gl_decode_ipv6(d, p, data + NULL_HDR_LEN, len - NULL_HDR_LEN); break;
    default: gl_dec_event(p, GL_EV_NULL_UNSUPPORTED_TYPE); break;
    }
}
