/*
 * decode-tcp.c — TCP header (RFC 9293) and the options the stream stage
 * needs: MSS (validated only: gl_packet has no field for it), window scale
 * (RFC 7323, raw shift count kept, 0xff = absent), SACK-permitted (RFC 2018)
 * and timestamps (RFC 7323). A malformed option list stops the walk and
 * records decoder.tcp.invalid_optlen; the header itself stays valid.
 */
#include "decode-internal.h"

#define TCP_HDR_LEN 20
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACKOK 4
#define TCPOPT_TS 8

static void tcp_options(gl_packet *p, const uint8_t *o, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint8_t kind = o[i];
        if (kind == TCPOPT_EOL)
            return;
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i) {
            gl_dec_event(p, GL_EV_TCP_OPT_INVALID_LEN);
            return;
        }
        uint8_t olen = o[i + 1];
        bool bad = false;
        switch (kind) {
        case TCPOPT_MSS: bad = olen != 4; break;
        case TCPOPT_WS:
            if (olen == 3)
                p->tcp_wscale = o[i + 2];
            else
                bad = true;
            break;
        case TCPOPT_SACKOK:
            if (olen == 2)
                p->tcp_sack_permitted = true;
            else
                bad = true;
            break;
        case TCPOPT_TS:
            if (olen == 10) {
                p->tcp_has_ts = true;
                p->tcp_tsval = gl_be32(o + i + 2);
                p->tcp_tsecr = gl_be32(o + i + 6);
            } else {
                bad = true;
            }
            break;
        default: break;
        }
        if (bad)
            gl_dec_event(p, GL_EV_TCP_OPT_INVALID_LEN);
        i += olen;
    }
}

void gl_decode_tcp(gl_packet *p, const uint8_t *t, uint32_t len)
{
    if (len < TCP_HDR_LEN) {
        gl_dec_event(p, GL_EV_TCP_PKT_TOO_SMALL);
        return;
    }
    uint32_t hlen = (uint32_t)(t[12] >> 4) * 4u;
    p->sport = gl_be16(t);
    p->dport = gl_be16(t + 2);
    p->tcp_seq = gl_be32(t + 4);
    p->tcp_ack = gl_be32(t + 8);
    p->tcp_flags = t[13];
    p->tcp_win = gl_be16(t + 14);
    if (hlen < TCP_HDR_LEN) {
        gl_dec_event(p, GL_EV_TCP_HLEN_TOO_SMALL);
        return;
    }
    if (hlen > len) {
        gl_dec_event(p, GL_EV_TCP_PKT_TOO_SMALL);
        return;
    }
    if (hlen > TCP_HDR_LEN)
        tcp_options(p, t + TCP_HDR_LEN, hlen - TCP_HDR_LEN);
    p->l4_valid = true;
    p->payload = t + hlen;
    p->payload_len = len - hlen;
}
