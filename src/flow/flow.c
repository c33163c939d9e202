/*
 * flow.c — flow table: lookup by symmetric 5-tuple hash, LRU lists per
 * timeout class, memcap-driven eviction, expiry by packet time.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

static const char *const tcp_state_names[] = {
    [GL_TCP_NONE] = "new",          [GL_TCP_SYN_SENT] = "syn_sent",
    [GL_TCP_SYN_RECV] = "syn_recv", [GL_TCP_ESTABLISHED] = "established",
    [GL_TCP_FIN_WAIT1] = "fin_wait1", [GL_TCP_FIN_WAIT2] = "fin_wait2",
    [GL_TCP_TIME_WAIT] = "time_wait", [GL_TCP_CLOSE_WAIT] = "close_wait",
    [GL_TCP_LAST_ACK] = "last_ack", [GL_TCP_CLOSING] = "closing",
    [GL_TCP_CLOSED] = "closed",
};

const char *gl_tcp_state_name(gl_tcp_state s)
{
    return (unsigned)s < GL_ARRAY_LEN(tcp_state_names) ? tcp_state_names[s] : "unknown";
}

void gl_flow_config_default(gl_flow_config *cfg)
{
    cfg->memcap = 128u * 1024 * 1024;
    cfg->hash_size = 65536;
    /* Suricata's defaults (suricata.yaml flow-timeouts), in seconds */
    cfg->timeout[GL_TC_TCP_NEW] = 60;
    cfg->timeout[GL_TC_TCP_EST] = 600;
    cfg->timeout[GL_TC_TCP_CLOSED] = 60;
    cfg->timeout[GL_TC_UDP_NEW] = 30;
    cfg->timeout[GL_TC_UDP_EST] = 300;
    cfg->timeout[GL_TC_ICMP_NEW] = 30;
    cfg->timeout[GL_TC_ICMP_EST] = 300;
    cfg->timeout[GL_TC_OTHER_NEW] = 30;
    cfg->timeout[GL_TC_OTHER_EST] = 300;
}

#define SWAP(a, b)                \
    do {                          \
        __typeof__(a) tmp_ = (a); \
        (a) = (b);                \
        (b) = tmp_;               \
    } while (0)

void gl_flow_reverse(gl_flow *f)
{
    SWAP(f->cli, f->srv);
    SWAP(f->cport, f->sport);
    SWAP(f->tcp_flags[0], f->tcp_flags[1]);
    SWAP(f->pkts[0], f->pkts[1]);
    SWAP(f->bytes[0], f->bytes[1]);
    SWAP(f->isn[0], f->isn[1]);
    SWAP(f->fin_seq[0], f->fin_seq[1]);
    SWAP(f->icmp_type, f->icmp_rtype);
    SWAP(f->icmp_code, f->icmp_rcode);
    uint8_t b = f->tcp_bits;
    uint8_t nb = b & (GL_TB_STREAM_DONE);
    if (b & GL_TB_ISN0) nb |= GL_TB_ISN1;
    if (b & GL_TB_ISN1) nb |= GL_TB_ISN0;
    if (b & GL_TB_FIN0) nb |= GL_TB_FIN1;
    if (b & GL_TB_FIN1) nb |= GL_TB_FIN0;
    if (b & GL_TB_FINACK0) nb |= GL_TB_FINACK1;
    if (b & GL_TB_FINACK1) nb |= GL_TB_FINACK0;
    if (!(b & GL_TB_FIRST_FIN1) && (b & (GL_TB_FIN0 | GL_TB_FIN1))) nb |= GL_TB_FIRST_FIN1;
    f->tcp_bits = nb;
    if (f->stream)
        SWAP(f->stream->d[0], f->stream->d[1]);
    if (f->macs) {
        gl_flow_macs *m = f->macs;
        uint8_t tmp[GL_FLOW_MAX_MACS][6];
        memcpy(tmp, m->src, sizeof(tmp));
        memcpy(m->src, m->dst, sizeof(tmp));
        memcpy(m->dst, tmp, sizeof(tmp));
        SWAP(m->n_src, m->n_dst);
    }
}

/* What one flow may hold besides its entry: TCP reassembly state and the
 * detectors' slot array (8 pointers), each with a malloc header. Charging
 * them to flow.memcap up front keeps the cap honest for the worst case. */
size_t gl_flow_entry_size(void)
{
    return sizeof(gl_flow) + sizeof(gl_tcp_stream) + 8 * sizeof(void *) + 3 * 16;
}

static void lru_unlink(gl_flow *f)
{
    f->prev->next = f->next;
    f->next->prev = f->prev;
}

static void lru_append(gl_flow *head, gl_flow *f)
{
    f->prev = head->prev;
    f->next = head;
    head->prev->next = f;
    head->prev = f;
}

int gl_flow_table_init(gl_flow_table *t, const gl_flow_config *cfg, gl_flow_end_fn on_end, void *user)
{
    memset(t, 0, sizeof(*t));
    t->cfg = *cfg;
    uint32_t n = 1;
    while (n < cfg->hash_size && n < (1u << 30))
        n <<= 1;
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets)
        return -1;
    t->mask = n - 1;
    size_t bucket_bytes = (size_t)n * sizeof(*t->buckets);
    size_t usable = cfg->memcap > bucket_bytes ? cfg->memcap - bucket_bytes : 0;
    t->max_flows = usable / gl_flow_entry_size();
    if (t->max_flows < 16)
        t->max_flows = 16;
    for (int i = 0; i < GL_TC_COUNT; i++)
        t->lru[i].prev = t->lru[i].next = &t->lru[i];
    t->on_end = on_end;
    t->user = user;
    return 0;
}

/* ICMP types with a reply type: an echo request (8) and its reply (0) are
 * one flow, as in Suricata; other ICMP messages key on (type, code). */
static int icmp_reply_type(uint8_t proto, uint8_t type)
{
    static const uint8_t v4[][2] = { { 8, 0 }, { 0, 8 }, { 13, 14 }, { 14, 13 }, { 15, 16 },
                                     { 16, 15 }, { 17, 18 }, { 18, 17 }, { 10, 9 }, { 9, 10 } };
    static const uint8_t v6[][2] = { { 128, 129 }, { 129, 128 }, { 133, 134 }, { 134, 133 },
                                     { 135, 136 }, { 136, 135 }, { 130, 131 }, { 131, 130 } };
    const uint8_t (*t)[2] = proto == GL_IPPROTO_ICMP ? v4 : v6;
    size_t n = proto == GL_IPPROTO_ICMP ? GL_ARRAY_LEN(v4) : GL_ARRAY_LEN(v6);
    for (size_t i = 0; i < n; i++)
        if (t[i][0] == type)
            return t[i][1];
    return -1;
}

/* The two 16-bit "ports" of the flow key: L4 ports, or for ICMP the type
 * and the reply type (else the code). */
static void key_ports(const gl_packet *p, uint16_t *sp, uint16_t *dp)
{
    if (p->proto == GL_IPPROTO_ICMP || p->proto == GL_IPPROTO_ICMPV6) {
        int r = icmp_reply_type(p->proto, p->icmp_type);
        *sp = p->icmp_type;
        *dp = r >= 0 ? (uint16_t)r : p->icmp_code;
        return;
    }
    *sp = p->sport;
    *dp = p->dport;
}

static uint32_t tuple_hash(const gl_packet *p)
{
    /* symmetric: order the two endpoints so both directions hash alike */
    const gl_addr *a = &p->src, *b = &p->dst;
    uint16_t pa, pb;
    key_ports(p, &pa, &pb);
    int c = gl_addr_cmp(a, b);
    if (c > 0 || (c == 0 && pa > pb)) {
        a = &p->dst;
        b = &p->src;
        uint16_t t = pa;
        pa = pb;
        pb = t;
    }
    uint64_t h = gl_hash_bytes(a->b, 16, 0x51ed2701u);
    h = gl_hash_bytes(b->b, 16, h);
    uint64_t rest = ((uint64_t)pa << 48) | ((uint64_t)pb << 32) | ((uint64_t)p->proto << 24) |
                    ((uint64_t)(p->vlan_count > 0 ? p->vlan[0] : 0) << 12) |
                    (p->vlan_count > 1 ? p->vlan[1] : 0);
    return (uint32_t)gl_mix64(h ^ rest);
}

static bool vlan_equal(const gl_flow *f, const gl_packet *p)
{
    if (f->vlan_count != p->vlan_count)
        return false;
    for (int i = 0; i < f->vlan_count; i++)
        if (f->vlan[i] != p->vlan[i])
            return false;
    return true;
}

/* 0: same direction as the flow's client, 1: reverse, -1: other tuple */
static int match_dir(const gl_flow *f, const gl_packet *p)
{
    if (f->proto != p->proto || !vlan_equal(f, p))
        return -1;
    uint16_t sp, dp;
    key_ports(p, &sp, &dp);
    if (f->cport == sp && f->sport == dp && gl_addr_cmp(&f->cli, &p->src) == 0 &&
        gl_addr_cmp(&f->srv, &p->dst) == 0)
        return 0;
    if (f->cport == dp && f->sport == sp && gl_addr_cmp(&f->cli, &p->dst) == 0 &&
        gl_addr_cmp(&f->srv, &p->src) == 0)
        return 1;
    return -1;
}

static void unhash(gl_flow_table *t, gl_flow *f)
{
    gl_flow **pp = &t->buckets[f->hash & t->mask];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
}

static void end_flow(gl_flow_table *t, gl_flow *f, gl_flow_end_reason reason)
{
    unhash(t, f);
    lru_unlink(f);
    if (t->on_end)
        t->on_end(t->user, f, reason);
    t->stats.ended++;
    t->stats.active--;
    switch (reason) {
    case GL_END_TIMEOUT: t->stats.timed_out++; break;
    case GL_END_FORCED: t->stats.evicted++; break;
    case GL_END_SHUTDOWN: t->stats.shutdown++; break;
    }
    f->hnext = t->free_list;
    t->free_list = f;
}

static gl_flow_tclass class_of(const gl_flow *f)
{
    bool both = f->pkts[0] > 0 && f->pkts[1] > 0;
    switch (f->proto) {
    case GL_IPPROTO_TCP:
        if (f->tcp_state >= GL_TCP_FIN_WAIT1)
            return GL_TC_TCP_CLOSED;
        return f->tcp_state == GL_TCP_ESTABLISHED ? GL_TC_TCP_EST : GL_TC_TCP_NEW;
    case GL_IPPROTO_UDP:
        return both ? GL_TC_UDP_EST : GL_TC_UDP_NEW;
    case GL_IPPROTO_ICMP:
    case GL_IPPROTO_ICMPV6:
        return both ? GL_TC_ICMP_EST : GL_TC_ICMP_NEW;
    default:
        return both ? GL_TC_OTHER_EST : GL_TC_OTHER_NEW;
    }
}

void gl_flow_touch(gl_flow_table *t, gl_flow *f)
{
    lru_unlink(f);
    f->tclass = (uint8_t)class_of(f);
    lru_append(&t->lru[f->tclass], f);
}

static bool expired(const gl_flow_table *t, const gl_flow *f, uint64_t now_us)
{
    return now_us > f->last_us + (uint64_t)t->cfg.timeout[f->tclass] * 1000000ULL;
}

/* Oldest-idle flow across all classes: the eviction victim. */
static gl_flow *oldest_flow(gl_flow_table *t)
{
    gl_flow *best = NULL;
    for (int i = 0; i < GL_TC_COUNT; i++) {
        gl_flow *f = t->lru[i].next;
        if (f != &t->lru[i] && (!best || f->last_us < best->last_us))
            best = f;
    }
    return best;
}

static gl_flow *alloc_flow(gl_flow_table *t)
{
    if (t->stats.active >= t->max_flows) {
        gl_flow *victim = oldest_flow(t);
        if (victim)
            end_flow(t, victim, GL_END_FORCED);
    }
    gl_flow *f = t->free_list;
    if (f)
        t->free_list = f->hnext;
    else
        f = malloc(sizeof(*f));
    return f;
}

/* The first packet normally comes from the client; a SYN/ACK seen first
 * (capture started mid-handshake) comes from the server. */
static bool first_packet_from_server(const gl_packet *p)
{
    return p->proto == GL_IPPROTO_TCP && (p->tcp_flags & (GL_TH_SYN | GL_TH_ACK)) == (GL_TH_SYN | GL_TH_ACK);
}

static gl_flow *create_flow(gl_flow_table *t, const gl_packet *p, uint32_t hash, int *dir)
{
    gl_flow *f = alloc_flow(t);
    if (!f)
        return NULL;
    memset(f, 0, sizeof(*f));
    bool rev = first_packet_from_server(p);
    *dir = rev ? 1 : 0;
    uint16_t sp, dp;
    key_ports(p, &sp, &dp);
    f->cli = rev ? p->dst : p->src;
    f->srv = rev ? p->src : p->dst;
    f->cport = rev ? dp : sp;
    f->sport = rev ? sp : dp;
    f->proto = p->proto;
    f->vlan_count = p->vlan_count;
    memcpy(f->vlan, p->vlan, sizeof(f->vlan));
    f->hash = hash;
    f->start_us = f->last_us = p->ts_usec;
    /* Deterministic id: same flow, same id, whatever the thread count. */
    f->flow_id = gl_mix64(((uint64_t)hash << 20) ^ p->ts_usec) & 0x3fffffffffffffULL;
    if (f->proto == GL_IPPROTO_ICMP || f->proto == GL_IPPROTO_ICMPV6) {
        f->icmp_type = p->icmp_type;
        f->icmp_code = p->icmp_code;
    }
    f->hnext = t->buckets[hash & t->mask];
    t->buckets[hash & t->mask] = f;
    f->tclass = (uint8_t)class_of(f);
    lru_append(&t->lru[f->tclass], f);
    t->stats.created++;
    t->stats.active++;
    if (t->stats.active > t->stats.max_active)
        t->stats.max_active = t->stats.active;
    return f;
}

/* A SYN (without ACK) from the client side on a flow that already finished
 * is a new connection reusing the tuple. */
static bool is_tcp_reuse(const gl_flow *f, const gl_packet *p, int dir)
{
    return f->proto == GL_IPPROTO_TCP && dir == 0 && (p->tcp_flags & (GL_TH_SYN | GL_TH_ACK)) == GL_TH_SYN &&
           (f->tcp_state == GL_TCP_CLOSED || f->tcp_state == GL_TCP_TIME_WAIT);
}

gl_flow *gl_flow_lookup(gl_flow_table *t, const gl_packet *p, int *dir)
{
    uint32_t hash = tuple_hash(p);
    for (gl_flow *f = t->buckets[hash & t->mask]; f; f = f->hnext) {
        if (f->hash != hash)
            continue;
        int d = match_dir(f, p);
        if (d < 0)
            continue;
        if (expired(t, f, p->ts_usec)) {
            end_flow(t, f, GL_END_TIMEOUT);
            break;
        }
        if (is_tcp_reuse(f, p, d)) {
            t->stats.tcp_reuse++;
            end_flow(t, f, GL_END_TIMEOUT);
            break;
        }
        *dir = d;
        return f;
    }
    return create_flow(t, p, hash, dir);
}

void gl_flow_expire(gl_flow_table *t, uint64_t now_us)
{
    for (int i = 0; i < GL_TC_COUNT; i++) {
        gl_flow *head = &t->lru[i];
        while (head->next != head && expired(t, head->next, now_us))
            end_flow(t, head->next, GL_END_TIMEOUT);
    }
}

void gl_flow_flush(gl_flow_table *t)
{
    /* end in start order within each class so logs read naturally */
    for (int i = 0; i < GL_TC_COUNT; i++) {
        gl_flow *head = &t->lru[i];
        while (head->next != head)
            end_flow(t, head->next, GL_END_SHUTDOWN);
    }
}

void gl_flow_table_free(gl_flow_table *t)
{
    gl_flow_flush(t);
    gl_flow *f = t->free_list;
    while (f) {
        gl_flow *n = f->hnext;
        free(f);
        f = n;
    }
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}
