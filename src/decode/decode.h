/*
 * decode.h — contract between capture and the rest of the pipeline.
 *
 * capture hands a raw frame (link type + bytes + timestamp) to gl_decode(),
 * which fills a gl_packet: addresses, ports, L4 header fields and the L4
 * payload. Decoding never reads outside [data, data+caplen). Anything
 * malformed or truncated is recorded in p->events (decode anomalies) and the
 * packet is still returned with whatever layers were valid, so flows and the
 * anomaly log both see it.
 *
 * IP fragments are reassembled inside the decoder (defrag.c). When the last
 * fragment completes a datagram, gl_decode() returns the reassembled datagram
 * in the packet (p->payload points into storage owned by the decoder, valid
 * until the next gl_decode() call on the same decoder).
 *
 * Tunnels (GRE, IP-in-IP, IPv6-in-IPv4, 6in6, Teredo is not decoded) are
 * followed: the packet describes the innermost IP/L4 layers;
 * p->tunnel_depth says how many encapsulations were crossed.
 */
#ifndef GL_DECODE_H
#define GL_DECODE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "../common/gl-util.h"

/* libpcap DLT values we decode (kept numerically identical to pcap's). */
enum {
    GL_DLT_NULL = 0,        /* BSD loopback, host-endian AF value */
    GL_DLT_EN10MB = 1,      /* Ethernet */
    GL_DLT_RAW = 12,        /* raw IP (OpenBSD value 14 also accepted) */
    GL_DLT_RAW_ALT = 14,
    GL_DLT_PPP_ETHER = 51,  /* PPPoE session without Ethernet header */
    GL_DLT_LOOP = 108,      /* OpenBSD loopback, network-endian AF */
    GL_DLT_LINUX_SLL = 113,
    GL_DLT_IPV4 = 228,
    GL_DLT_IPV6 = 229,
    GL_DLT_LINUX_SLL2 = 276,
    GL_LINKTYPE_RAW = 101,  /* pcap file LINKTYPE_RAW (libpcap maps it to DLT_RAW) */
};

/* Decode anomaly codes. Names (gl_decode_event_name) follow Suricata's
 * "decoder.<layer>.<what>" spelling so EVE consumers see familiar strings. */
typedef enum gl_decode_event {
    GL_EV_NONE = 0,
    GL_EV_LINK_UNSUPPORTED,       /* decoder.unsupported_linktype */
    GL_EV_ETH_PKT_TOO_SMALL,      /* decoder.ethernet.pkt_too_small */
    GL_EV_VLAN_HEADER_TOO_SMALL,  /* decoder.vlan.header_too_small */
    GL_EV_VLAN_TOO_MANY_LAYERS,   /* decoder.vlan.too_many_layers */
    GL_EV_SLL_PKT_TOO_SMALL,      /* decoder.sll.pkt_too_small */
    GL_EV_SLL2_PKT_TOO_SMALL,     /* decoder.sll2.pkt_too_small */
    GL_EV_NULL_PKT_TOO_SMALL,     /* decoder.null.pkt_too_small */
    GL_EV_NULL_UNSUPPORTED_TYPE,  /* decoder.null.unsupported_type */
    GL_EV_PPPOE_PKT_TOO_SMALL,    /* decoder.pppoe.pkt_too_small */
    GL_EV_PPPOE_WRONG_CODE,       /* decoder.pppoe.wrong_code */
    GL_EV_PPP_UNSUP_PROTO,        /* decoder.ppp.unsup_proto */
    GL_EV_IPV4_PKT_TOO_SMALL,     /* decoder.ipv4.pkt_too_small */
    GL_EV_IPV4_HLEN_TOO_SMALL,    /* decoder.ipv4.hlen_too_small */
    GL_EV_IPV4_IPLEN_SMALLER_THAN_HLEN, /* decoder.ipv4.iplen_smaller_than_hlen */
    GL_EV_IPV4_TRUNC_PKT,         /* decoder.ipv4.trunc_pkt */
    GL_EV_IPV4_WRONG_IP_VER,      /* decoder.ipv4.wrong_ip_version */
    GL_EV_IPV4_OPT_INVALID,       /* decoder.ipv4.opt_invalid */
    GL_EV_IPV6_PKT_TOO_SMALL,     /* decoder.ipv6.pkt_too_small */
    GL_EV_IPV6_TRUNC_PKT,         /* decoder.ipv6.trunc_pkt */
    GL_EV_IPV6_TRUNC_EXTHDR,      /* decoder.ipv6.trunc_exthdr */
    GL_EV_IPV6_WRONG_IP_VER,      /* decoder.ipv6.wrong_ip_version */
    GL_EV_IPV6_EXTHDR_TOO_MANY,   /* decoder.ipv6.exthdr_dupl_hh / too many */
    GL_EV_TCP_PKT_TOO_SMALL,      /* decoder.tcp.pkt_too_small */
    GL_EV_TCP_HLEN_TOO_SMALL,     /* decoder.tcp.hlen_too_small */
    GL_EV_TCP_OPT_INVALID_LEN,    /* decoder.tcp.invalid_optlen */
    GL_EV_UDP_PKT_TOO_SMALL,      /* decoder.udp.pkt_too_small */
    GL_EV_UDP_HLEN_INVALID,       /* decoder.udp.hlen_invalid */
    GL_EV_ICMPV4_PKT_TOO_SMALL,   /* decoder.icmpv4.pkt_too_small */
    GL_EV_ICMPV6_PKT_TOO_SMALL,   /* decoder.icmpv6.pkt_too_small */
    GL_EV_ICMPV4_UNKNOWN_TYPE,    /* decoder.icmpv4.unknown_type */
    GL_EV_ICMPV4_UNKNOWN_CODE,    /* decoder.icmpv4.unknown_code */
    GL_EV_ICMPV6_UNKNOWN_TYPE,    /* decoder.icmpv6.unknown_type */
    GL_EV_ICMPV6_UNKNOWN_CODE,    /* decoder.icmpv6.unknown_code */
    GL_EV_GRE_PKT_TOO_SMALL,      /* decoder.gre.pkt_too_small */
    GL_EV_GRE_WRONG_VERSION,      /* decoder.gre.wrong_version */
    GL_EV_TUNNEL_TOO_DEEP,        /* decoder.too_many_layers */
    GL_EV_FRAG_OVERLAP,           /* decoder.ipv4/6.frag_overlap (overlap seen, policy applied) */
    GL_EV_FRAG_TOO_LARGE,         /* decoder.ipv4.frag_pkt_too_large */
    GL_EV_FRAG_IGNORED,           /* decoder.ipv4.frag_ignored (defrag memcap hit: dropped) */
    GL_EV_MAX
} gl_decode_event;

const char *gl_decode_event_name(gl_decode_event ev);

#define GL_PKT_MAX_EVENTS 4
#define GL_MAX_VLAN 3

/* IP protocol numbers used across stages */
#define GL_IPPROTO_ICMP 1
#define GL_IPPROTO_TCP 6
#define GL_IPPROTO_UDP 17
#define GL_IPPROTO_ICMPV6 58
#define GL_IPPROTO_SCTP 132

/* TCP flag bits as on the wire */
#define GL_TH_FIN 0x01
#define GL_TH_SYN 0x02
#define GL_TH_RST 0x04
#define GL_TH_PSH 0x08
#define GL_TH_ACK 0x10
#define GL_TH_URG 0x20
#define GL_TH_ECE 0x40
#define GL_TH_CWR 0x80

typedef struct gl_packet {
    /* raw frame */
    uint64_t ts_usec;
    const uint8_t *data;
    uint32_t caplen, wirelen;
    int linktype;

    /* link layer */
    uint16_t vlan[GL_MAX_VLAN]; /* outer first */
    uint8_t vlan_count;
    bool has_eth;
    uint8_t eth_src[6], eth_dst[6];

    /* innermost IP layer; ip_version 0 when there is none */
    uint8_t ip_version;
    uint8_t ip_ttl;           /* TTL / hop limit */
    gl_addr src, dst;
    uint8_t proto;            /* L4 protocol number (after IPv6 ext headers) */
    uint32_t ip_len;          /* total IP datagram length (header+payload) as decoded */
    uint8_t tunnel_depth;
    uint32_t inner_len;       /* tunnel_depth > 0: bytes of the innermost encapsulated frame
                               * (what flow byte counters use, as Suricata does) */
    bool reassembled;         /* datagram rebuilt from fragments */
    bool is_fragment;         /* a fragment that did not (yet) complete a datagram */

    /* L4 */
    uint16_t sport, dport;    /* ICMP: sport=type, dport=code (as Suricata does for flows) */
    uint8_t tcp_flags;
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_win;
    uint8_t tcp_wscale;       /* 0xff when absent */
    bool tcp_sack_permitted;
    bool tcp_has_ts;
    uint32_t tcp_tsval, tcp_tsecr;
    uint8_t icmp_type, icmp_code;
    bool l4_valid;            /* L4 header decoded completely */

    const uint8_t *payload;   /* L4 payload (may point into decoder-owned defrag buffer) */
    uint32_t payload_len;

    /* anomalies found while decoding this frame */
    uint8_t n_events;
    uint16_t events[GL_PKT_MAX_EVENTS];
} gl_packet;

typedef struct gl_defrag_config {
    size_t memcap;            /* bytes held in partial datagrams; default 32 MiB */
    uint32_t max_trackers;    /* datagrams being rebuilt at once; default 65536 */
    uint32_t timeout_sec;     /* drop an unfinished datagram after this; default 60 */
    int policy;               /* GL_DEFRAG_POLICY_* overlap policy */
} gl_defrag_config;

enum { GL_DEFRAG_POLICY_FIRST = 0, GL_DEFRAG_POLICY_LAST = 1, GL_DEFRAG_POLICY_BSD = 2,
       GL_DEFRAG_POLICY_LINUX = 3 };

typedef struct gl_defrag_stats {
    uint64_t fragments, reassembled, timeouts, memcap_drops, overlaps, too_large;
} gl_defrag_stats;

typedef struct gl_decoder gl_decoder;

void gl_defrag_config_default(gl_defrag_config *cfg);
gl_decoder *gl_decoder_new(const gl_defrag_config *cfg);
void gl_decoder_free(gl_decoder *d);
const gl_defrag_stats *gl_decoder_defrag_stats(const gl_decoder *d);

/* Decode one frame. Always fills p (zeroed first). Returns true when the
 * packet carries an IP layer usable by the flow stage (ip_version != 0 and
 * not an incomplete fragment), false otherwise (events may still be set). */
bool gl_decode(gl_decoder *d, gl_packet *p, int linktype, const uint8_t *data, uint32_t caplen,
               uint32_t wirelen, uint64_t ts_usec);

/* Cheap symmetric hash over the outermost IP address pair (and VLAN ids),
 * used by the capture thread to pick a worker: both directions of a flow, and
 * all fragments of a datagram, land on the same worker. Returns 0 for frames
 * without an IP header. Never reads beyond caplen. */
uint32_t gl_decode_affinity_hash(int linktype, const uint8_t *data, uint32_t caplen);

#endif
