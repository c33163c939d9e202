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

/* Highest valid code per ICMPv4 type (RFC 792, 950, 1256, 1812), -1 for
 * unassigned types; Suricata raises the same unknown_type/unknown_code
 * events. Router advertisement also allows code 16 (RFC 2002). */
static int icmpv4_max_code(uint8_t type)
{
    switch (type) {
    case 0: case 4: case 8: case 10: case 13: case 14: case 15: case 16: case 17: case 18: return 0;
    case 3: return 15;  /* destination unreachable */
    case 5: return 3;   /* redirect */
    case 9: return 16;  /* router advertisement: 0 or 16 */
    case 11: return 1;  /* time exceeded */
    case 12: return 2;  /* parameter problem */
    default: return -1;
    }
}

/* ICMPv6 (RFC 4443, 4861, 3810, 2710): error types 1-4 and the common
 * informational ones; other informational types (>= 128) are not judged. */
static int icmpv6_max_code(uint8_t type)
{
    switch (type) {
    case 1: return 7;   /* destination unreachable */
    case 2: return 0;   /* packet too big */
    case 3: return 1;   /* time exceeded */
    case 4: return 3;   /* parameter problem */
    case 128: case 129: case 130: case 131: case 132: case 133: case 134: case 135: case 136:
    case 137: case 143: return 0;
    default: return type >= 128 || type == 100 || type == 101 || type == 127 ? 255 : -1;
    }
}

void gl_decode_icmpv4(gl_packet *p, const uint8_t *c, uint32_t len)
{
    if (!icmp_common(p, c, len)) {
        gl_dec_event(p, GL_EV_ICMPV4_PKT_TOO_SMALL);
        return;
    }
    /* a datagram cut short is already an anomaly; like Suricata, judge
     * type and code only of complete ones */
    if (gl_dec_has_event(p, GL_EV_IPV4_TRUNC_PKT))
        return;
    int max = icmpv4_max_code(c[0]);
    if (max < 0)
        gl_dec_event(p, GL_EV_ICMPV4_UNKNOWN_TYPE);
    else if (c[1] > max || (c[0] == 9 && c[1] != 0 && c[1] != 16))
        gl_dec_event(p, GL_EV_ICMPV4_UNKNOWN_CODE);
}

void gl_decode_icmpv6(gl_packet *p, const uint8_t *c, uint32_t len)
{
    if (!icmp_common(p, c, len)) {
        gl_dec_event(p, GL_EV_ICMPV6_PKT_TOO_SMALL);
        return;
    }
    if (gl_dec_has_event(p, GL_EV_IPV6_TRUNC_PKT))
        return;
    int max = icmpv6_max_code(c[0]);
    if (max < 0)
        gl_dec_event(p, GL_EV_ICMPV6_UNKNOWN_TYPE);
    else if (c[1] > max)
        gl_dec_event(p, GL_EV_ICMPV6_UNKNOWN_CODE);
}
