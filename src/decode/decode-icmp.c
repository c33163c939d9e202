/*
 * decode-icmp.c — ICMP (RFC 792) and ICMPv6 (RFC 4443): both start with
 * type, code, checksum and 4 type-specific bytes. For flow keying the type
 * goes into sport and the code into dport, as Suricata does.
 */
#include "decode-internal.h"

#define ICMP_HDR_LEN 8

static bool icmp_common(gl_packet *p, const uint8_t *c, uint32_t len)
{
    if (len < ICMP_HDR_LEN)
        return false;
    p->icmp_type = c[0];
    p->icmp_code = c[1];
    p->sport = c[0];
    p->dport = c[1];
    p->l4_valid = true;
    p->payload = c + ICMP_HDR_LEN;
    p->payload_len = len - ICMP_HDR_LEN;
    return true;
}

void gl_decode_icmpv4(gl_packet *p, const uint8_t *c, uint32_t len)
{
    if (!icmp_common(p, c, len))
        gl_dec_event(p, GL_EV_ICMPV4_PKT_TOO_SMALL);
}

void gl_decode_icmpv6(gl_packet *p, const uint8_t *c, uint32_t len)
{
    if (!icmp_common(p, c, len))
        gl_dec_event(p, GL_EV_ICMPV6_PKT_TOO_SMALL);
}
