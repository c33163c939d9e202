/*
 * test-dns-pcap.h — replays the app payloads of a capture into one parser
 * for the corpus tests (test-dns-corpus.c, test-ssh-corpus.c): Ethernet /
 * SLL / raw IP, IPv4/IPv6, UDP datagrams and in-order TCP with gaps reported
 * to the parser. Deliberately tiny; the real stream stage lives elsewhere.
 * Flows are picked by the parser's well-known ports.
 */
#ifndef TEST_DNS_PCAP_H
#define TEST_DNS_PCAP_H

#include "harness.h"
#include <pcap/pcap.h>

#define RP_MAX_FLOWS 64

typedef struct rp_flow {
    uint8_t proto;
    uint8_t a[16], b[16]; /* a = client */
    uint16_t ap, bp;
    bool seq_known[2];
    uint32_t next_seq[2];
    bool done;
    harness h;
} rp_flow;

typedef struct rp_replay {
    rp_flow flows[RP_MAX_FLOWS];
    int n;
} rp_replay;

static bool rp_port_match(const gl_app_parser *p, uint16_t port)
{
    for (const uint16_t *q = p->ports; q && *q; q++)
        if (*q == port)
            return true;
    return false;
}

static rp_flow *rp_lookup(rp_replay *r, const gl_app_parser *p, uint8_t proto, const uint8_t *src,
                          const uint8_t *dst, uint16_t sp, uint16_t dp, gl_dir *dir)
{
    for (int i = 0; i < r->n; i++) {
        rp_flow *f = &r->flows[i];
        if (f->proto != proto)
            continue;
        if (!memcmp(f->a, src, 16) && !memcmp(f->b, dst, 16) && f->ap == sp && f->bp == dp) {
            *dir = GL_DIR_TOSERVER;
            return f;
        }
        if (!memcmp(f->a, dst, 16) && !memcmp(f->b, src, 16) && f->ap == dp && f->bp == sp) {
            *dir = GL_DIR_TOCLIENT;
            return f;
        }
    }
    if (r->n >= RP_MAX_FLOWS || !(rp_port_match(p, dp) || rp_port_match(p, sp)))
        return NULL;
    rp_flow *f = &r->flows[r->n++];
    memset(f, 0, sizeof(*f));
    f->proto = proto;
    /* the server is the side on the well-known port */
    bool swap = !rp_port_match(p, dp) && rp_port_match(p, sp);
    memcpy(f->a, swap ? dst : src, 16);
    memcpy(f->b, swap ? src : dst, 16);
    f->ap = swap ? dp : sp;
    f->bp = swap ? sp : dp;
    *dir = swap ? GL_DIR_TOCLIENT : GL_DIR_TOSERVER;
    h_init(&f->h, p, proto);
    f->h.ctx.info.client_port = f->ap;
    f->h.ctx.info.server_port = f->bp;
    return f;
}

static void rp_feed(rp_flow *f, gl_dir dir, const uint8_t *data, uint32_t len)
{
    if (f->done || len == 0)
        return;
    int rc = h_feed(&f->h, dir, data, len);
    if (rc != GL_APP_OK)
        f->done = true;
}

static void rp_tcp(rp_flow *f, gl_dir dir, uint32_t seq, uint8_t flags, const uint8_t *pl,
                   uint32_t len)
{
    if (flags & 0x02) { /* SYN */
        f->seq_known[dir] = true;
        f->next_seq[dir] = seq + 1;
        return;
    }
    if (!len)
        return;
    if (!f->seq_known[dir]) {
        f->seq_known[dir] = true;
        f->next_seq[dir] = seq;
    }
    int32_t d = (int32_t)(seq - f->next_seq[dir]);
    if (d < 0) { /* retransmission / overlap: keep only new bytes */
        if ((uint32_t)-d >= len)
            return;
        pl += -d;
        len -= (uint32_t)-d;
    } else if (d > 0) {
        if (!f->done && f->h.parser->gap)
            f->h.parser->gap(&f->h.ctx, f->h.state, dir, (uint32_t)d);
    }
    rp_feed(f, dir, pl, len);
    f->next_seq[dir] = seq + (d < 0 ? (uint32_t)-d : 0) + len;
}

static void rp_packet(rp_replay *r, const gl_app_parser *p, int dlt, const uint8_t *pkt,
                      uint32_t caplen)
{
    uint32_t off = 0;
    uint16_t et = 0;
    if (dlt == DLT_EN10MB) {
        if (caplen < 14)
            return;
        et = (uint16_t)((pkt[12] << 8) | pkt[13]);
        off = 14;
        while ((et == 0x8100 || et == 0x88a8) && caplen >= off + 4) {
            et = (uint16_t)((pkt[off + 2] << 8) | pkt[off + 3]);
            off += 4;
        }
    } else if (dlt == DLT_LINUX_SLL) {
        if (caplen < 16)
            return;
        et = (uint16_t)((pkt[14] << 8) | pkt[15]);
        off = 16;
    } else if (dlt == DLT_RAW || dlt == 12 || dlt == 14) {
        if (caplen < 1)
            return;
        et = (pkt[0] >> 4) == 6 ? 0x86dd : 0x0800;
    } else if (dlt == DLT_NULL) {
        if (caplen < 4)
            return;
        off = 4;
        et = (pkt[4] >> 4) == 6 ? 0x86dd : 0x0800;
    } else {
        return;
    }
    uint8_t src[16] = { 0 }, dst[16] = { 0 }, proto;
    uint32_t l4, end;
    if (et == 0x0800) {
        if (caplen < off + 20)
            return;
        const uint8_t *ip = pkt + off;
        uint32_t ihl = (ip[0] & 0xf) * 4u, tot = (uint32_t)((ip[2] << 8) | ip[3]);
        if (((ip[6] & 0x3f) | ip[7]) != 0)
            return; /* fragments: not needed for these captures */
        proto = ip[9];
        src[10] = src[11] = dst[10] = dst[11] = 0xff;
        memcpy(src + 12, ip + 12, 4);
        memcpy(dst + 12, ip + 16, 4);
        l4 = off + ihl;
        end = GL_MIN(caplen, off + tot);
    } else if (et == 0x86dd) {
        if (caplen < off + 40)
            return;
        const uint8_t *ip = pkt + off;
        proto = ip[6];
        memcpy(src, ip + 8, 16);
        memcpy(dst, ip + 24, 16);
        l4 = off + 40;
        end = GL_MIN(caplen, off + 40 + (uint32_t)((ip[4] << 8) | ip[5]));
    } else {
        return;
    }
    gl_dir dir;
    if (proto == 17 && end >= l4 + 8) {
        const uint8_t *u = pkt + l4;
        rp_flow *f = rp_lookup(r, p, 17, src, dst, (uint16_t)((u[0] << 8) | u[1]),
                               (uint16_t)((u[2] << 8) | u[3]), &dir);
        if (f && (p->ipprotos & GL_APP_UDP))
            rp_feed(f, dir, u + 8, end - l4 - 8);
    } else if (proto == 6 && end >= l4 + 20) {
        const uint8_t *t = pkt + l4;
        uint32_t doff = (t[12] >> 4) * 4u;
        if (end < l4 + doff)
            return;
        rp_flow *f = rp_lookup(r, p, 6, src, dst, (uint16_t)((t[0] << 8) | t[1]),
                               (uint16_t)((t[2] << 8) | t[3]), &dir);
        if (f && (p->ipprotos & GL_APP_TCP))
            rp_tcp(f, dir, gl_be32(t + 4), t[13], t + doff, end - l4 - doff);
    }
}

/* Replays path; returns false if the file cannot be opened (corpus absent). */
static bool rp_run(rp_replay *r, const gl_app_parser *p, const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        return false;
    memset(r, 0, sizeof(*r));
    int dlt = pcap_datalink(pc);
    struct pcap_pkthdr *ph;
    const u_char *pkt;
    while (pcap_next_ex(pc, &ph, &pkt) == 1)
        rp_packet(r, p, dlt, pkt, ph->caplen);
    pcap_close(pc);
    for (int i = 0; i < r->n; i++)
        h_end(&r->flows[i].h);
    return true;
}

/* Number of events (all flows) containing every one of the needles. */
static int rp_count(const rp_replay *r, const char *const *needles, int nn)
{
    int c = 0;
    for (int i = 0; i < r->n; i++) {
        const harness *h = &r->flows[i].h;
        for (int e = 0; e < h->n_events; e++) {
            int ok = 1;
            for (int k = 0; k < nn && ok; k++)
                ok = strstr(h->events[e], needles[k]) != NULL;
            c += ok;
        }
    }
    return c;
}

static void rp_free(rp_replay *r)
{
    for (int i = 0; i < r->n; i++)
        h_free(&r->flows[i].h);
    r->n = 0;
}

#define RP_CORPUS "/work/shared/corpus/suricata-verify/"

#endif
