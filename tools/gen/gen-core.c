/*
 * gen-core.c — the wire layer of gl-gen: byte buffers, Internet checksums,
 * Ethernet/802.1Q/IPv4/IPv6 framing, IPv4 fragmentation, session endpoints
 * (addresses from the configured ranges) and the TCP engine (handshake,
 * MSS segmentation with correct seq/ack, delayed ACKs, FIN or RST teardown).
 * Every packet is written straight into its session's Slot with checksums
 * computed in place, so bulk output costs one copy of the payload.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gl-gen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---------------------------------------------------------------- buffers */

static void buf_reserve(Buf *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        die("out of memory (%zu bytes)", cap);
    b->p = p;
    b->cap = cap;
}

static void buf_put(Buf *b, const void *d, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void buf_u8(Buf *b, uint8_t v) { buf_put(b, &v, 1); }

static void buf_be16(Buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    buf_put(b, x, 2);
}

static void buf_be32(Buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    buf_put(b, x, 4);
}

static void buf_str(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("format error");
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* random bytes / words out of the pre-built pools (generation speed) */
static void fill_noise(Gen *g, Buf *b, size_t n)
{
    while (n) {
        size_t k = n < g->noise_len / 2 ? n : g->noise_len / 2;
        buf_put(b, g->noise + rng_below(&g->rng, (uint32_t)(g->noise_len - k)), k);
        n -= k;
    }
}

static void fill_text(Gen *g, Buf *b, size_t n)
{
    while (n) {
        size_t k = n < g->text_len / 2 ? n : g->text_len / 2;
        buf_put(b, g->text + rng_below(&g->rng, (uint32_t)(g->text_len - k)), k);
        n -= k;
    }
}

/* -------------------------------------------------------------- checksums */

/* RFC 1071 sum in host order over 8-byte words with end-around carry; the
 * ones' complement sum is byte-order independent, so storing the folded value
 * in host order yields the right bytes on the wire. Callers only split sums at
 * even offsets. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        sum += v;
        sum += sum < v;
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        sum += v;
        sum += sum < v;
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        sum += v;
        sum += sum < v;
        p += 2;
        n -= 2;
    }
    if (n) {
        uint16_t v = 0;
        memcpy(&v, p, 1);
        sum += v;
        sum += sum < v;
    }
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

static void csum_store(uint8_t *at, uint16_t c) { memcpy(at, &c, 2); }

/* pseudo-header sum for TCP/UDP/ICMPv6 (RFC 793, RFC 8200 8.1) */
static uint64_t pseudo_sum(const Path *p, int dir, uint8_t proto, size_t l4len)
{
    uint8_t ph[40];
    size_t n;
    if (p->v6) {
        memcpy(ph, p->ip[dir], 16);
        memcpy(ph + 16, p->ip[!dir], 16);
        put_be32(ph + 32, (uint32_t)l4len);
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = proto;
        n = 40;
    } else {
        memcpy(ph, p->ip[dir], 4);
        memcpy(ph + 4, p->ip[!dir], 4);
        ph[8] = 0;
        ph[9] = proto;
        put_be16(ph + 10, (uint16_t)l4len);
        n = 12;
    }
    return csum_add(0, ph, n);
}

/* --------------------------------------------------------------- framing */

#define MAX_FRAME 1600

static uint8_t *slot_begin(Slot *s, uint64_t t_rel, size_t maxlen)
{
    buf_reserve(&s->b, REC_HDR + maxlen);
    uint8_t *r = s->b.p + s->b.len;
    memcpy(r, &t_rel, 8);
    return r + REC_HDR;
}

static void slot_end(Slot *s, size_t framelen)
{
    uint8_t *r = s->b.p + s->b.len;
    uint32_t l = (uint32_t)framelen;
    memcpy(r + 8, &l, 4);
    memcpy(r + 12, &l, 4);
    s->b.len += REC_HDR + framelen;
}

static size_t put_l2(uint8_t *f, const Path *p, int dir)
{
    memcpy(f, p->mac[!dir], 6);
    memcpy(f + 6, p->mac[dir], 6);
    size_t o = 12;
    if (p->vlan) {
        put_be16(f + o, 0x8100);
        put_be16(f + o + 2, p->vlan & 0x0fff);
        o += 4;
    }
    put_be16(f + o, p->v6 ? 0x86dd : 0x0800);
    return o + 2;
}

/* IPv4 header; frag = flags|offset field. Returns header length. */
static size_t put_ipv4(uint8_t *h, Path *p, int dir, uint8_t proto, size_t payload, uint16_t id,
                       uint16_t frag)
{
    h[0] = 0x45;
    h[1] = 0;
    put_be16(h + 2, (uint16_t)(20 + payload));
    put_be16(h + 4, id);
    put_be16(h + 6, frag);
    h[8] = p->ttl[dir];
    h[9] = proto;
    h[10] = h[11] = 0;
    memcpy(h + 12, p->ip[dir], 4);
    memcpy(h + 16, p->ip[!dir], 4);
    csum_store(h + 10, csum_fold(csum_add(0, h, 20)));
    return 20;
}

static size_t put_ipv6(uint8_t *h, const Path *p, int dir, uint8_t proto, size_t payload)
{
    put_be32(h, 0x60000000u | (p->flowlabel & 0xfffff));
    put_be16(h + 4, (uint16_t)payload);
    h[6] = proto;
    h[7] = p->ttl[dir];
    memcpy(h + 8, p->ip[dir], 16);
    memcpy(h + 24, p->ip[!dir], 16);
    return 40;
}

/* checksum offset within the L4 header, and whether a pseudo-header is summed */
static size_t l4_csum_off(uint8_t proto)
{
    return proto == 6 ? 16 : proto == 17 ? 6 : 2;
}

/* One IP packet: hdr (L4 header with zero checksum) + payload. */
static void emit_l4(Gen *g, Slot *s, uint64_t t, Path *p, int dir, uint8_t proto,
                    const uint8_t *hdr, size_t hlen, const uint8_t *pay, size_t plen)
{
    size_t l4len = hlen + plen;
    uint8_t *f = slot_begin(s, t, 18 + 40 + l4len);
    size_t o = put_l2(f, p, dir);
    if (p->v6)
        o += put_ipv6(f + o, p, dir, proto, l4len);
    else
        o += put_ipv4(f + o, p, dir, proto, l4len, p->ipid[dir]++, proto == 6 ? 0x4000 : 0);
    uint8_t *l4 = f + o;
    memcpy(l4, hdr, hlen);
    if (plen)
        memcpy(l4 + hlen, pay, plen);
    uint64_t sum = (proto == 1) ? 0 : pseudo_sum(p, dir, proto, l4len);
    uint16_t c = csum_fold(csum_add(sum, l4, l4len));
    if (proto == 17 && c == 0)
        c = 0xffff; /* RFC 768: zero means "no checksum" */
    csum_store(l4 + l4_csum_off(proto), c);
    slot_end(s, o + l4len);
    g->st.packets++;
}

/* A UDP datagram over IPv4 cut into fragments that fit a 1500-byte MTU
 * (RFC 791: every fragment but the last carries a multiple of 8 bytes). The
 * UDP checksum covers the whole datagram, computed before cutting. */
static void emit_udp4_fragmented(Gen *g, Slot *s, uint64_t *t, Path *p, int dir,
                                 const uint8_t *pay, size_t plen)
{
    size_t dlen = 8 + plen;
    uint8_t *d = malloc(dlen);
    if (!d)
        die("out of memory");
    put_be16(d, p->port[dir]);
    put_be16(d + 2, p->port[!dir]);
    put_be16(d + 4, (uint16_t)dlen);
    d[6] = d[7] = 0;
    memcpy(d + 8, pay, plen);
    uint16_t c = csum_fold(csum_add(pseudo_sum(p, dir, 17, dlen), d, dlen));
    csum_store(d + 6, c ? c : 0xffff);
    uint16_t id = p->ipid[dir]++;
    for (size_t off = 0; off < dlen;) {
        size_t n = dlen - off;
        int more = n > 1480;
        if (more)
            n = 1480;
        uint8_t *f = slot_begin(s, *t, 18 + 20 + n);
        size_t o = put_l2(f, p, dir);
        o += put_ipv4(f + o, p, dir, 17, n, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
        memcpy(f + o, d + off, n);
        slot_end(s, o + n);
        g->st.packets++;
        off += n;
        *t += 12 + n / 100; /* back to back on the wire */
    }
    free(d);
    g->st.fragmented++;
}

static void emit_udp(Gen *g, Slot *s, uint64_t t, Path *p, int dir, const uint8_t *pay, size_t plen)
{
    uint8_t h[8];
    put_be16(h, p->port[dir]);
    put_be16(h + 2, p->port[!dir]);
    put_be16(h + 4, (uint16_t)(8 + plen));
    h[6] = h[7] = 0;
    emit_l4(g, s, t, p, dir, 17, h, 8, pay, plen);
    g->st.udp_datagrams++;
}

/* ------------------------------------------------------------- endpoints */

/* host number `n` inside the network (skipping the all-zero and, for IPv4,
 * the broadcast address) */
static void net_host(const Net *net, uint64_t n, uint8_t out[16])
{
    int bits = (net->v6 ? 128 : 32) - net->prefix;
    if (bits > 62)
        bits = 62;
    uint64_t span = bits >= 62 ? (1ULL << 62) : (1ULL << bits);
    uint64_t room = span > 3 ? span - 2 : 1;
    uint64_t h = span > 3 ? 1 + n % room : n % span;
    memcpy(out, net->base, 16);
    int len = net->v6 ? 16 : 4;
    uint64_t carry = h;
    for (int i = len - 1; i >= 0 && carry; i--) {
        uint64_t v = out[i] + (carry & 0xff);
        out[i] = (uint8_t)v;
        carry = (carry >> 8) + (v >> 8);
    }
}

/* locally administered MAC derived from an address, stable per host */
static void mac_for(const uint8_t *ip, int len, uint8_t tag, uint8_t mac[6])
{
    uint64_t h = 1469598103934665603ULL ^ tag;
    for (int i = 0; i < len; i++)
        h = (h ^ ip[i]) * 1099511628211ULL;
    mac[0] = 0x02;
    mac[1] = tag;
    for (int i = 2; i < 6; i++)
        mac[i] = (uint8_t)(h >> (8 * i));
}

static const uint8_t SERVER_TTLS[] = {64, 57, 54, 49, 118, 113, 243, 238};

static uint16_t next_client_port(Gen *g)
{
    /* 7919 is coprime to 28232: walks every port before repeating one */
    uint64_t i = g->tuple_ctr++;
    return (uint16_t)(32768 + (i * 7919) % 28232);
}

/* New path for one session: random client and server hosts from the ranges. */
static void path_new(Gen *g, Path *p, int v6, uint16_t server_port)
{
    memset(p, 0, sizeof(*p));
    p->v6 = v6;
    const Net *cn = v6 ? &g->o.cnet6 : &g->o.cnet4;
    const Net *sn = v6 ? &g->o.snet6 : &g->o.snet4;
    net_host(cn, rng_next(&g->rng), p->ip[0]);
    net_host(sn, rng_below(&g->rng, 4096), p->ip[1]);
    int len = v6 ? 16 : 4;
    mac_for(p->ip[0], len, 0x10, p->mac[0]);
    mac_for(p->ip[1], len, 0x20, p->mac[1]); /* the router's port facing that server */
    p->port[0] = next_client_port(g);
    p->port[1] = server_port;
    p->ttl[0] = 64;
    p->ttl[1] = PICK(&g->rng, SERVER_TTLS);
    p->ipid[0] = (uint16_t)rng_next(&g->rng);
    p->ipid[1] = (uint16_t)rng_next(&g->rng);
    p->flowlabel = (uint32_t)rng_next(&g->rng) & 0xfffff;
    if (g->o.vlan && rng_pct(&g->rng, 30)) {
        static const uint16_t vids[] = {10, 20, 100, 101, 200};
        p->vlan = PICK(&g->rng, vids);
        g->st.vlan_sessions++;
    }
    if (v6)
        g->st.v6_sessions++;
}

static int want_v6(Gen *g) { return rng_pct(&g->rng, g->o.ipv6_pct); }

/* ------------------------------------------------------------ TCP engine */

static void tcp_init(Tcp *c, Gen *g, Slot *s, Path *p)
{
    memset(c, 0, sizeof(*c));
    c->g = g;
    c->s = s;
    c->p = p;
    c->seq[0] = (uint32_t)rng_next(&g->rng);
    c->seq[1] = (uint32_t)rng_next(&g->rng);
    c->rtt_us = rng_range(&g->rng, 2000, 90000);
    /* 20..400 Mbit/s: byte time 20..400 ns */
    c->byte_ns = rng_range(&g->rng, 20, 400);
    c->mss = p->v6 ? 1440 : 1460;
    c->win[0] = 502; /* scaled windows after the handshake (shift 8 and 7) */
    c->win[1] = 501;
}

/* one segment from `dir` at the current time */
static void tcp_seg(Tcp *c, int dir, uint8_t flags, const uint8_t *data, size_t len)
{
    uint8_t h[32];
    size_t hl = 20;
    put_be16(h, c->p->port[dir]);
    put_be16(h + 2, c->p->port[!dir]);
    put_be32(h + 4, c->seq[dir]);
    put_be32(h + 8, (flags & TH_ACK) ? c->seq[!dir] : 0);
    h[13] = flags;
    put_be16(h + 14, c->win[dir]);
    h[16] = h[17] = h[18] = h[19] = 0;
    if (flags & TH_SYN) {
        /* MSS, NOP, window scale, NOP, NOP, SACK permitted */
        uint8_t o[12] = {2, 4, (uint8_t)(c->mss >> 8), (uint8_t)c->mss, 1, 3, 3,
                         (uint8_t)(dir ? 7 : 8), 1, 1, 4, 2};
        memcpy(h + 20, o, 12);
        hl = 32;
        put_be16(h + 14, 64240);
    }
    h[12] = (uint8_t)((hl / 4) << 4);
    emit_l4(c->g, c->s, c->t, c->p, dir, 6, h, hl, data, len);
    c->seq[dir] += (uint32_t)len + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);
}

/* how long the receiver of `dir`'s data takes to show its ACK at the capture point */
static uint32_t ack_lag(Tcp *c, int dir)
{
    return dir == DIR_C2S ? c->rtt_us : rng_range(&c->g->rng, 15, 60);
}

static void tcp_handshake(Tcp *c)
{
    tcp_seg(c, DIR_C2S, TH_SYN, NULL, 0);
    c->t += c->rtt_us;
    tcp_seg(c, DIR_S2C, TH_SYN | TH_ACK, NULL, 0);
    c->t += rng_range(&c->g->rng, 20, 80);
    tcp_seg(c, DIR_C2S, TH_ACK, NULL, 0);
}

/* One application message from `dir`, `delay` us after the previous packet:
 * MSS-sized segments paced by the session bandwidth, the receiver ACKs every
 * second segment and the end of the message. */
static void tcp_msg(Tcp *c, int dir, const uint8_t *data, size_t len, uint32_t delay)
{
    c->t += delay;
    int nseg = 0;
    for (size_t off = 0; off < len;) {
        size_t n = len - off < c->mss ? len - off : c->mss;
        int last = off + n == len;
        tcp_seg(c, dir, (uint8_t)(TH_ACK | (last ? TH_PSH : 0)), data + off, n);
        off += n;
        nseg++;
        c->t += 1 + (n + 58) * c->byte_ns / 1000;
        if (nseg % 2 == 0 && !last) {
            /* timestamps within a session must not go backwards, so an
             * upload waits for the server's ACK: uploads here are small */
            c->t += ack_lag(c, dir);
            tcp_seg(c, !dir, TH_ACK, NULL, 0);
        }
    }
    c->t += ack_lag(c, dir);
    tcp_seg(c, !dir, TH_ACK, NULL, 0);
}

/* FIN/ACK exchange started by `who`, or a RST from `who` */
static void tcp_close(Tcp *c, int who, int rst)
{
    Rng *r = &c->g->rng;
    c->t += rng_range(r, 100, 20000);
    if (rst) {
        tcp_seg(c, who, TH_RST | TH_ACK, NULL, 0);
        c->g->st.tcp_rst++;
        return;
    }
    tcp_seg(c, who, TH_FIN | TH_ACK, NULL, 0);
    c->t += who == DIR_C2S ? c->rtt_us : rng_range(r, 30, 200);
    tcp_seg(c, !who, TH_FIN | TH_ACK, NULL, 0);
    c->t += who == DIR_C2S ? rng_range(r, 15, 60) : c->rtt_us;
    tcp_seg(c, who, TH_ACK, NULL, 0);
}

/* the usual ending: mostly client FIN, some server FIN, ~4% RST */
static void tcp_finish(Tcp *c)
{
    Rng *r = &c->g->rng;
    uint32_t x = rng_below(r, 100);
    if (x < 2)
        tcp_close(c, DIR_S2C, 1);
    else if (x < 4)
        tcp_close(c, DIR_C2S, 1);
    else if (x < 30)
        tcp_close(c, DIR_S2C, 0);
    else
        tcp_close(c, DIR_C2S, 0);
}
