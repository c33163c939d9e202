/*
 * decode-l4.c — dispatch of an IP payload by protocol number to the
 * transport decoders and the tunnel decoders (GRE, IP-in-IP, IPv6-in-IP),
 * plus SCTP's common header (ports only).
 */
#include "decode-internal.h"

#define IPPROTO_IPIP 4
#define IPPROTO_IPV6_ENCAP 41
#define IPPROTO_GRE 47
#define SCTP_HDR_LEN 12

void gl_decode_l4(gl_decoder *d, gl_packet *p, uint8_t proto, const uint8_t *data, uint32_t avail,
                  uint32_t declared)
{
    switch (proto) {
    case GL_IPPROTO_TCP: gl_decode_tcp(p, data, avail); break;
    case GL_IPPROTO_UDP:
        gl_decode_udp(p, data, avail, declared);
        if (p->l4_valid)
            gl_decode_udp_tunnel(d, p);
        break;
    case GL_IPPROTO_ICMP: gl_decode_icmpv4(p, data, avail); break;
    case GL_IPPROTO_ICMPV6: gl_decode_icmpv6(p, data, avail); break;
    case GL_IPPROTO_SCTP: gl_decode_sctp(p, data, avail); break;
    case IPPROTO_GRE: gl_decode_gre(d, p, data, avail); break;
    case IPPROTO_IPIP: gl_decode_tunnel_ip(d, p, 4, data, avail); break;
    case IPPROTO_IPV6_ENCAP: gl_decode_tunnel_ip(d, p, 6, data, avail); break;
    default: break;
    }
}

/* RFC 9260 common header: ports, verification tag, checksum. No SCTP event
 * exists in the contract; a short header just leaves l4_valid false. */
void gl_decode_sctp(gl_packet *p, const uint8_t *s, uint32_t len)
{
    if (len < SCTP_HDR_LEN)
        return;
    p->sport = gl_be16(s);
    p->dport = gl_be16(s + 2);
    p->l4_valid = true;
    p->payload = s + SCTP_HDR_LEN;
    p->payload_len = len - SCTP_HDR_LEN;
}
