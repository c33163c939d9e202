/*
 * decode.c — entry point of the DECODE stage: owns the decoder object, picks
 * the link-layer decoder for a frame, names decode anomalies (Suricata's
 * "decoder.*" spelling) and computes the capture thread's worker-affinity
 * hash over the outermost IP pair.
 */
#include "decode-internal.h"

#include <stdlib.h>

static const char *const event_names[GL_EV_MAX] = {
    [GL_EV_NONE] = "decoder.none",
    [GL_EV_LINK_UNSUPPORTED] = "decoder.unsupported_linktype",
    [GL_EV_ETH_PKT_TOO_SMALL] = "decoder.ethernet.pkt_too_small",
    [GL_EV_VLAN_HEADER_TOO_SMALL] = "decoder.vlan.header_too_small",
    [GL_EV_VLAN_TOO_MANY_LAYERS] = "decoder.vlan.too_many_layers",
    [GL_EV_SLL_PKT_TOO_SMALL] = "decoder.sll.pkt_too_small",
    [GL_EV_SLL2_PKT_TOO_SMALL] = "decoder.sll2.pkt_too_small",
    /* Suricata calls the BSD NULL link "ltnull" */
    [GL_EV_NULL_PKT_TOO_SMALL] = "decoder.ltnull.pkt_too_small",
    [GL_EV_NULL_UNSUPPORTED_TYPE] = "decoder.ltnull.unsupported_type",
    [GL_EV_PPPOE_PKT_TOO_SMALL] = "decoder.pppoe.pkt_too_small",
    [GL_EV_PPPOE_WRONG_CODE] = "decoder.pppoe.wrong_code",
    [GL_EV_PPP_UNSUP_PROTO] = "decoder.ppp.unsup_proto",
    [GL_EV_IPV4_PKT_TOO_SMALL] = "decoder.ipv4.pkt_too_small",
    [GL_EV_IPV4_HLEN_TOO_SMALL] = "decoder.ipv4.hlen_too_small",
    [GL_EV_IPV4_IPLEN_SMALLER_THAN_HLEN] = "decoder.ipv4.iplen_smaller_than_hlen",
    [GL_EV_IPV4_TRUNC_PKT] = "decoder.ipv4.trunc_pkt",
    [GL_EV_IPV4_WRONG_IP_VER] = "decoder.ipv4.wrong_ip_version",
    [GL_EV_IPV4_OPT_INVALID] = "decoder.ipv4.opt_invalid",
    [GL_EV_IPV6_PKT_TOO_SMALL] = "decoder.ipv6.pkt_too_small",
    [GL_EV_IPV6_TRUNC_PKT] = "decoder.ipv6.trunc_pkt",
    [GL_EV_IPV6_TRUNC_EXTHDR] = "decoder.ipv6.trunc_exthdr",
    [GL_EV_IPV6_WRONG_IP_VER] = "decoder.ipv6.wrong_ip_version",
    /* one code covers a misplaced/duplicate hop-by-hop header and a chain
     * longer than we walk; Suricata's nearest name is the HBH duplicate */
    [GL_EV_IPV6_EXTHDR_TOO_MANY] = "decoder.ipv6.exthdr_dupl_hh",
    [GL_EV_TCP_PKT_TOO_SMALL] = "decoder.tcp.pkt_too_small",
    [GL_EV_TCP_HLEN_TOO_SMALL] = "decoder.tcp.hlen_too_small",
    [GL_EV_TCP_OPT_INVALID_LEN] = "decoder.tcp.invalid_optlen",
    [GL_EV_UDP_PKT_TOO_SMALL] = "decoder.udp.pkt_too_small",
    [GL_EV_UDP_HLEN_INVALID] = "decoder.udp.hlen_invalid",
    [GL_EV_ICMPV4_PKT_TOO_SMALL] = "decoder.icmpv4.pkt_too_small",
    [GL_EV_ICMPV6_PKT_TOO_SMALL] = "decoder.icmpv6.pkt_too_small",
    [GL_EV_ICMPV4_UNKNOWN_TYPE] = "decoder.icmpv4.unknown_type",
    [GL_EV_ICMPV4_UNKNOWN_CODE] = "decoder.icmpv4.unknown_code",
    [GL_EV_ICMPV6_UNKNOWN_TYPE] = "decoder.icmpv6.unknown_type",
    [GL_EV_ICMPV6_UNKNOWN_CODE] = "decoder.icmpv6.unknown_code",
    [GL_EV_GRE_PKT_TOO_SMALL] = "decoder.gre.pkt_too_small",
    [GL_EV_GRE_WRONG_VERSION] = "decoder.gre.wrong_version",
    [GL_EV_TUNNEL_TOO_DEEP] = "decoder.too_many_layers",
    /* the contract has one code for both families; v4 spelling used */
    [GL_EV_FRAG_OVERLAP] = "decoder.ipv4.frag_overlap",
    [GL_EV_FRAG_TOO_LARGE] = "decoder.ipv4.frag_pkt_too_large",
    [GL_EV_FRAG_IGNORED] = "decoder.ipv4.frag_ignored",
};

const char *gl_decode_event_name(gl_decode_event ev)
{
    if ((unsigned)ev >= GL_EV_MAX || event_names[ev] == NULL)
        return "decoder.unknown";
    return event_names[ev];
}

void gl_defrag_config_default(gl_defrag_config *cfg)
{
    cfg->memcap = 32u * 1024 * 1024;
    cfg->max_trackers = 65536;
    cfg->timeout_sec = 60;
    cfg->policy = GL_DEFRAG_POLICY_BSD; /* Suricata's default */
}

gl_decoder *gl_decoder_new(const gl_defrag_config *cfg)
{
    gl_decoder *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    if (cfg != NULL)
        d->cfg = *cfg;
    else
        gl_defrag_config_default(&d->cfg);
    d->defrag = gl_defrag_new(&d->cfg);
    if (d->defrag == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

void gl_decoder_free(gl_decoder *d)
{
    if (d == NULL)
        return;
    gl_defrag_free(d->defrag);
    for (size_t i = 0; i < GL_DECODE_MAX_OUT; i++)
        free(d->out[i]);
    free(d);
}

const gl_defrag_stats *gl_decoder_defrag_stats(const gl_decoder *d) { return &d->stats; }

uint8_t *gl_decoder_out_buffer(gl_decoder *d)
{
    if (d->out_used >= GL_DECODE_MAX_OUT)
        return NULL;
    uint32_t i = d->out_used;
    if (d->out[i] == NULL && (d->out[i] = malloc(GL_DECODE_OUT_SIZE)) == NULL)
        return NULL;
    d->out_used++;
    return d->out[i];
}

/* Raw IP link: the version nibble says which decoder applies. */
void gl_decode_raw(gl_decoder *d, gl_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 1) {
        gl_dec_event(p, GL_EV_IPV4_PKT_TOO_SMALL);
        return;
    }
    switch (data[0] >> 4) {
    case 4: gl_decode_ipv4(d, p, data, len); break;
    case 6: gl_decode_ipv6(d, p, data, len); break;
    default: gl_dec_event(p, GL_EV_IPV4_WRONG_IP_VER); break;
    }
}

bool gl_decode(gl_decoder *d, gl_packet *p, int linktype, const uint8_t *data, uint32_t caplen,
               uint32_t wirelen, uint64_t ts_usec)
{
    memset(p, 0, sizeof(*p));
    p->ts_usec = ts_usec;
    p->data = data;
    p->caplen = caplen;
    p->wirelen = wirelen;
    p->linktype = linktype;
    p->tcp_wscale = 0xff;
    if (data == NULL)
        caplen = 0;
    if (d != NULL)
        d->out_used = 0;

    switch (linktype) {
    case GL_DLT_EN10MB: gl_decode_ethernet(d, p, data, caplen); break;
    case GL_DLT_RAW:
    case GL_DLT_RAW_ALT:
    case GL_LINKTYPE_RAW: gl_decode_raw(d, p, data, caplen); break;
    case GL_DLT_IPV4: gl_decode_ipv4(d, p, data, caplen); break;
    case GL_DLT_IPV6: gl_decode_ipv6(d, p, data, caplen); break;
    case GL_DLT_NULL: gl_decode_null(d, p, data, caplen, false); break;
    case GL_DLT_LOOP: gl_decode_null(d, p, data, caplen, true); break;
    case GL_DLT_LINUX_SLL: gl_decode_sll(d, p, data, caplen); break;
    case GL_DLT_LINUX_SLL2: gl_decode_sll2(d, p, data, caplen); break;
    case GL_DLT_PPP_ETHER: gl_decode_pppoe_session(d, p, data, caplen); break;
    case GL_DLT_PPP:
    case GL_DLT_PPP_SERIAL: gl_decode_ppp_hdlc(d, p, data, caplen); break;
    default: gl_dec_event(p, GL_EV_LINK_UNSUPPORTED); break;
    }
    return p->ip_version != 0 && !p->is_fragment;
}

/* ---- affinity hash: a cut-down link walk that only finds the first IP header ---- */

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD

static bool is_vlan_type(uint16_t t) { return t == 0x8100 || t == 0x88A8 || t == 0x9100; }

/* PPP protocol (PPPoE session payload) to an ethertype; 0 when not IP. */
static uint16_t ppp_to_ethertype(const uint8_t *d, uint32_t len, uint32_t *hl)
{
    if (len >= 1 && (d[0] & 1)) {
        *hl = 1;
        return d[0] == 0x21 ? ETH_IPV4 : d[0] == 0x57 ? ETH_IPV6 : 0;
    }
    if (len < 2)
        return 0;
    *hl = 2;
    uint16_t proto = gl_be16(d);
    return proto == 0x0021 ? ETH_IPV4 : proto == 0x0057 ? ETH_IPV6 : 0;
}

/* Walks VLAN / PPPoE / MPLS after an ethertype; returns the IP ethertype
 * (or 0) and advances *off. */
static uint16_t hash_walk_ethertype(const uint8_t *data, uint32_t caplen, uint16_t type,
                                    uint32_t *off, uint64_t *vlans)
{
    for (int guard = 0; guard < 8; guard++) {
        if (is_vlan_type(type)) {
            if (*off + 4 > caplen)
                return 0;
            *vlans = (*vlans << 12) | (gl_be16(data + *off) & 0x0fff);
            type = gl_be16(data + *off + 2);
            *off += 4;
        } else if (type == 0x8864) {
            uint32_t hl = 0;
            if (*off + 6 > caplen || data[*off + 1] != 0)
                return 0;
            type = ppp_to_ethertype(data + *off + 6, caplen - *off - 6, &hl);
            *off += 6 + hl;
            return type;
        } else if (type == 0x8847 || type == 0x8848) {
            for (int labels = 0; labels < 16; labels++) {
                if (*off + 4 > caplen)
                    return 0;
                bool bos = data[*off + 2] & 1;
                *off += 4;
                if (bos) {
                    if (*off >= caplen)
                        return 0;
                    uint8_t v = data[*off] >> 4;
                    return v == 4 ? ETH_IPV4 : v == 6 ? ETH_IPV6 : 0;
                }
            }
            return 0;
        } else {
            return type;
        }
    }
    return 0;
}

static uint16_t null_af_to_ethertype(uint32_t af)
{
    if (af == 2)
        return ETH_IPV4;
    if (af == 24 || af == 28 || af == 30)
        return ETH_IPV6;
    return 0;
}

static uint16_t raw_version_to_ethertype(const uint8_t *data, uint32_t caplen)
{
    if (caplen < 1)
        return 0;
    return (data[0] >> 4) == 4 ? ETH_IPV4 : (data[0] >> 4) == 6 ? ETH_IPV6 : 0;
}

/* Finds the outermost IP header: returns its ethertype and offset. */
static uint16_t hash_find_ip(int linktype, const uint8_t *data, uint32_t caplen, uint32_t *off,
                             uint64_t *vlans)
{
    uint32_t hl = 0;
    *off = 0;
    switch (linktype) {
    case GL_DLT_EN10MB:
        if (caplen < 14)
            return 0;
        *off = 14;
        return hash_walk_ethertype(data, caplen, gl_be16(data + 12), off, vlans);
    case GL_DLT_LINUX_SLL:
        if (caplen < 16)
            return 0;
        *off = 16;
        return hash_walk_ethertype(data, caplen, gl_be16(data + 14), off, vlans);
    case GL_DLT_LINUX_SLL2:
        if (caplen < 20)
            return 0;
        *off = 20;
        return hash_walk_ethertype(data, caplen, gl_be16(data), off, vlans);
    case GL_DLT_NULL:
    case GL_DLT_LOOP: {
        if (caplen < 4)
            return 0;
        uint32_t af = linktype == GL_DLT_LOOP ? gl_be32(data) : gl_le32(data);
        if (linktype == GL_DLT_NULL && af > 0xffff)
            af = gl_be32(data);
        *off = 4;
        return null_af_to_ethertype(af);
    }
    case GL_DLT_RAW:
    case GL_DLT_RAW_ALT:
    case GL_LINKTYPE_RAW: return raw_version_to_ethertype(data, caplen);
    case GL_DLT_IPV4: return ETH_IPV4;
    case GL_DLT_IPV6: return ETH_IPV6;
    case GL_DLT_PPP_ETHER: {
        if (caplen < 6 || data[1] != 0)
            return 0;
        uint16_t t = ppp_to_ethertype(data + 6, caplen - 6, &hl);
        *off = 6 + hl;
        return t;
    }
    case GL_DLT_PPP:
    case GL_DLT_PPP_SERIAL: {
        uint32_t skip = (caplen >= 2 && data[0] == 0xff && data[1] == 0x03) ? 2 : 0;
        uint16_t t = ppp_to_ethertype(data + skip, caplen - skip, &hl);
        *off = skip + hl;
        return t;
    }
    default: return 0;
    }
}

/* Order-independent: the smaller address goes first, so A->B and B->A
 * feed identical input to the mixer. */
static uint32_t symmetric_mix(uint64_t a, uint64_t b, uint64_t vlans)
{
    if (a > b) {
        uint64_t t = a;
        a = b;
        b = t;
    }
    uint32_t h = (uint32_t)gl_mix64(a ^ gl_mix64(b ^ gl_mix64(vlans + 0x9e3779b97f4a7c15ULL)));
    return h ? h : 1;
}

static uint64_t fold_v6(const uint8_t *a)
{
    uint64_t hi, lo;
    memcpy(&hi, a, 8);
    memcpy(&lo, a + 8, 8);
    return gl_mix64(hi) ^ lo;
}

uint32_t gl_decode_affinity_hash(int linktype, const uint8_t *data, uint32_t caplen)
{
    uint32_t off = 0;
    uint64_t vlans = 0;
    if (data == NULL)
        return 0;
    uint16_t type = hash_find_ip(linktype, data, caplen, &off, &vlans);
    if (type == ETH_IPV4) {
        if (off > caplen || caplen - off < 20 || (data[off] >> 4) != 4)
            return 0;
        return symmetric_mix(gl_be32(data + off + 12), gl_be32(data + off + 16), vlans);
    }
    if (type == ETH_IPV6) {
        if (off > caplen || caplen - off < 40 || (data[off] >> 4) != 6)
            return 0;
        return symmetric_mix(fold_v6(data + off + 8), fold_v6(data + off + 24), vlans);
    }
    return 0;
}
