/*
 * decode-internal.h — what the per-layer decoders of the DECODE stage share:
 * the decoder object, the event recorder and one entry point per layer.
 *
 * Every layer function takes (decoder, packet, bytes, length) where length is
 * what is really available (never beyond caplen); each checks its own header
 * against that length before reading.
 */
#ifndef GL_DECODE_INTERNAL_H
#define GL_DECODE_INTERNAL_H

#include "decode.h"

/* Encapsulations (IP-in-IP, GRE, PW Ethernet) followed before giving up:
 * bounds the recursion between layers. */
#define GL_MAX_TUNNEL_DEPTH 4
/* Reassembled datagrams one gl_decode() call can produce: one per IP layer. */
#define GL_DECODE_MAX_OUT (GL_MAX_TUNNEL_DEPTH + 2)
/* Size of one reassembly output buffer: largest IPv6 datagram (40 + 65535). */
#define GL_DECODE_OUT_SIZE (65535u + 40u)

/* Extra DLT values accepted besides the contract's enum. */
#define GL_DLT_PPP 9
#define GL_DLT_PPP_SERIAL 50

typedef struct gl_defrag gl_defrag;

struct gl_decoder {
    gl_defrag_config cfg;
    gl_defrag_stats stats;
    gl_defrag *defrag;
    uint8_t *out[GL_DECODE_MAX_OUT]; /* reassembly outputs, allocated on first use */
    uint32_t out_used;               /* outputs handed out during the current call */
};

/* Record an anomaly once; silently drops past GL_PKT_MAX_EVENTS. */
static inline void gl_dec_event(gl_packet *p, gl_decode_event ev)
{
    for (uint8_t i = 0; i < p->n_events; i++)
        if (p->events[i] == ev)
            return;
    if (p->n_events < GL_PKT_MAX_EVENTS)
        p->events[p->n_events++] = (uint16_t)ev;
}

static inline bool gl_dec_has_event(const gl_packet *p, gl_decode_event ev)
{
    for (uint8_t i = 0; i < p->n_events; i++)
        if (p->events[i] == ev)
            return true;
    return false;
}

/* Cross one encapsulation whose inner frame is inner_len bytes; false (and
 * an event) when too deep. */
static inline bool gl_tunnel_enter(gl_packet *p, uint32_t inner_len)
{
    if (p->tunnel_depth >= GL_MAX_TUNNEL_DEPTH) {
        gl_dec_event(p, GL_EV_TUNNEL_TOO_DEEP);
        return false;
    }
    p->tunnel_depth++;
    p->inner_len = inner_len;
    return true;
}

/* link layers */
void gl_decode_ethernet(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);
void gl_decode_ethertype(gl_decoder *d, gl_packet *p, uint16_t type, const uint8_t *data,
                         uint32_t len);
void gl_decode_vlan(gl_decoder *d, gl_packet *p, uint16_t type, const uint8_t *data, uint32_t len);
void gl_decode_mpls(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);
void gl_decode_sll(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);
void gl_decode_sll2(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);
void gl_decode_null(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len,
                    bool network_order);
void gl_decode_pppoe_session(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);
void gl_decode_ppp(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);
void gl_decode_ppp_hdlc(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);
void gl_decode_raw(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len);

/* network layers */
void gl_decode_ipv4(gl_decoder *d, gl_packet *p, const uint8_t *ip, uint32_t len);
void gl_decode_ipv6(gl_decoder *d, gl_packet *p, const uint8_t *ip, uint32_t len);
void gl_decode_tunnel_ip(gl_decoder *d, gl_packet *p, int version, const uint8_t *ip,
                         uint32_t len);

/* transport: avail = bytes present, declared = what the IP header announces */
void gl_decode_l4(gl_decoder *d, gl_packet *p, uint8_t proto, const uint8_t *data, uint32_t avail,
                  uint32_t declared);
void gl_decode_tcp(gl_packet *p, const uint8_t *t, uint32_t len);
void gl_decode_udp(gl_packet *p, const uint8_t *u, uint32_t avail, uint32_t declared);
/* VXLAN (UDP 4789) and Geneve (UDP 6081) carrying Ethernet: the packet
 * then describes the inner frame. Strict header checks keep ordinary traffic
 * on those ports from being misread. */
void gl_decode_udp_tunnel(gl_decoder *d, gl_packet *p);
void gl_decode_sctp(gl_packet *p, const uint8_t *s, uint32_t len);
void gl_decode_icmpv4(gl_packet *p, const uint8_t *c, uint32_t len);
void gl_decode_icmpv6(gl_packet *p, const uint8_t *c, uint32_t len);
void gl_decode_gre(gl_decoder *d, gl_packet *p, const uint8_t *g, uint32_t len);

/* fragment reassembly (defrag.c) */
typedef struct gl_frag_info {
    uint8_t af;               /* 4 or 6 */
    uint8_t proto;            /* IPv4 protocol (part of the v4 key) */
    uint32_t id;              /* identification (16 bit v4, 32 bit v6) */
    uint32_t off;             /* fragment offset in bytes */
    bool more;                /* MF / M flag */
    const uint8_t *hdr;       /* v4 header, or v6 unfragmentable part */
    uint32_t hdr_len;
    uint32_t nh_pos;          /* v6: index in hdr of the next-header byte to patch */
    uint8_t next_header;      /* v6: next header of the fragment header */
    const uint8_t *data;      /* fragment payload */
    uint32_t len;
} gl_frag_info;

gl_defrag *gl_defrag_new(const gl_defrag_config *cfg);
void gl_defrag_free(gl_defrag *df);
/* Insert a fragment; returns the whole datagram (in a decoder output
 * buffer) when it completes one, else NULL. */
const uint8_t *gl_defrag_insert(gl_decoder *d, gl_packet *p, const gl_frag_info *fi,
                                uint32_t *out_len);

/* A reassembly output buffer valid until the next gl_decode() call. */
uint8_t *gl_decoder_out_buffer(gl_decoder *d);

#endif
