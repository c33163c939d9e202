/*
 * test-flow.c — the flow table on hand-built packets (no decoder): one
 * flow per bidirectional tuple, VLAN separation, timeouts per class,
 * expiry, memcap eviction of the longest-idle flow, TCP tuple reuse,
 * SYN/ACK-first orientation, gl_flow_reverse, and the per-flow size budget.
 *
 * The worker normally updates counters and calls gl_flow_touch() after a
 * lookup; the helper packet() does the same so classes follow the data.
 * Expected values come from the contract in flow.h and the default
 * timeouts there (Suricata's flow-timeouts: tcp new 60 / est 600 / closed
 * 60, udp new 30 / est 300, ...), set explicitly below where a test relies
 * on them.
 */
#include "../check.h"
#include "flow/flow.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <stdlib.h>

#define SEC 1000000ULL

typedef struct ended {
    gl_flow f;
    gl_flow_end_reason reason;
} ended;

static ended log_[256];
static unsigned n_ended;

static void on_end(void *user, gl_flow *f, gl_flow_end_reason reason)
{
    (void)user;
    if (n_ended < GL_ARRAY_LEN(log_)) {
        log_[n_ended].f = *f;
        log_[n_ended].reason = reason;
    }
    n_ended++;
}

static void addr(const char *s, gl_addr *a)
{
    uint8_t b[16];
    if (inet_pton(AF_INET, s, b) == 1)
        gl_addr_from_v4(a, b);
    else
        T_CHECK(inet_pton(AF_INET6, s, a->b) == 1);
}

static gl_packet mk(const char *src, uint16_t sp, const char *dst, uint16_t dp, uint8_t proto,
                    uint8_t flags, uint64_t ts)
{
    gl_packet p;
    memset(&p, 0, sizeof(p));
    addr(src, &p.src);
    addr(dst, &p.dst);
    p.ip_version = strchr(src, ':') ? 6 : 4;
    p.sport = sp;
    p.dport = dp;
    p.proto = proto;
    p.tcp_flags = flags;
    p.ts_usec = ts;
    p.l4_valid = true;
    if (proto == GL_IPPROTO_ICMP || proto == GL_IPPROTO_ICMPV6) {
        p.icmp_type = (uint8_t)sp;
        p.icmp_code = (uint8_t)dp;
    }
    return p;
}

/* What the worker does per packet: lookup, count, timestamp, reclassify. */
static gl_flow *packet(gl_flow_table *t, const gl_packet *p, int *dir)
{
    int d = -1;
    gl_flow *f = gl_flow_lookup(t, p, &d);
    T_CHECK(f != NULL);
    if (!f)
        return NULL;
    f->pkts[d]++;
    f->bytes[d] += 100;
    f->tcp_flags[d] |= p->tcp_flags;
    if (p->ts_usec > f->last_us)
        f->last_us = p->ts_usec;
    gl_flow_touch(t, f);
    if (dir)
        *dir = d;
    return f;
}

static void table(gl_flow_table *t, size_t memcap, uint32_t hash_size)
{
    gl_flow_config cfg;
    gl_flow_config_default(&cfg);
    if (memcap)
        cfg.memcap = memcap;
    if (hash_size)
        cfg.hash_size = hash_size;
    n_ended = 0;
    T_EQ_U(gl_flow_table_init(t, &cfg, on_end, NULL), 0);
}

static void test_bidirectional(void)
{
    gl_flow_table t;
    table(&t, 0, 0);
    int d0, d1, d2;
    gl_packet a = mk("10.0.0.1", 40000, "10.0.0.2", 80, GL_IPPROTO_TCP, GL_TH_SYN, 1 * SEC);
    gl_packet b = mk("10.0.0.2", 80, "10.0.0.1", 40000, GL_IPPROTO_TCP, GL_TH_SYN | GL_TH_ACK, 1 * SEC + 1);
    gl_packet c = mk("10.0.0.1", 40000, "10.0.0.2", 80, GL_IPPROTO_TCP, GL_TH_ACK, 1 * SEC + 2);
    gl_flow *f0 = packet(&t, &a, &d0);
    gl_flow *f1 = packet(&t, &b, &d1);
    gl_flow *f2 = packet(&t, &c, &d2);
    T_CHECK(f0 == f1 && f1 == f2);
    T_EQ_U(d0, 0);
    T_EQ_U(d1, 1);
    T_EQ_U(d2, 0);
    T_EQ_U(t.stats.created, 1);
    T_EQ_U(t.stats.active, 1);
    T_EQ_U(f0->pkts[0], 2);
    T_EQ_U(f0->pkts[1], 1);
    T_EQ_U(f0->cport, 40000);
    T_EQ_U(f0->sport, 80);
    T_EQ_U(f0->start_us, 1 * SEC);
    T_EQ_U(f0->last_us, 1 * SEC + 2);

    /* any element of the 5-tuple differing makes another flow */
    gl_packet others[] = {
        mk("10.0.0.1", 40001, "10.0.0.2", 80, GL_IPPROTO_TCP, GL_TH_ACK, 2 * SEC),
        mk("10.0.0.1", 40000, "10.0.0.2", 81, GL_IPPROTO_TCP, GL_TH_ACK, 2 * SEC),
        mk("10.0.0.3", 40000, "10.0.0.2", 80, GL_IPPROTO_TCP, GL_TH_ACK, 2 * SEC),
        mk("10.0.0.1", 40000, "10.0.0.4", 80, GL_IPPROTO_TCP, GL_TH_ACK, 2 * SEC),
        mk("10.0.0.1", 40000, "10.0.0.2", 80, GL_IPPROTO_UDP, 0, 2 * SEC),
        /* ports swapped but not addresses: not the reverse direction */
        mk("10.0.0.1", 80, "10.0.0.2", 40000, GL_IPPROTO_TCP, GL_TH_ACK, 2 * SEC),
        /* IPv4-mapped IPv6 vs IPv4 is the same address by design; a real
         * IPv6 address is not */
        mk("2001:db8::1", 40000, "2001:db8::2", 80, GL_IPPROTO_TCP, GL_TH_ACK, 2 * SEC),
    };
    for (size_t i = 0; i < GL_ARRAY_LEN(others); i++) {
        gl_flow *g = packet(&t, &others[i], NULL);
        T_CHECK(g != f0);
    }
    T_EQ_U(t.stats.created, 1 + GL_ARRAY_LEN(others));

    /* IPv6 both ways */
    gl_packet v6r = mk("2001:db8::2", 80, "2001:db8::1", 40000, GL_IPPROTO_TCP, GL_TH_ACK, 3 * SEC);
    int dv6;
    gl_flow *g6 = packet(&t, &v6r, &dv6);
    T_EQ_U(dv6, 1);
    T_EQ_U(g6->pkts[0] + g6->pkts[1], 2);
    T_EQ_U(t.stats.created, 1 + GL_ARRAY_LEN(others));
    gl_flow_table_free(&t);
    /* every flow ends once at free, reason shutdown */
    T_EQ_U(n_ended, 1 + GL_ARRAY_LEN(others));
    for (unsigned i = 0; i < n_ended; i++)
        T_EQ_U(log_[i].reason, GL_END_SHUTDOWN);
}

static void test_vlan(void)
{
    gl_flow_table t;
    table(&t, 0, 0);
    const uint16_t tags[][3] = { { 0 }, { 10 }, { 20 }, { 10, 20 }, { 10, 30 }, { 10, 20, 30 }, { 10, 20, 40 } };
    const uint8_t counts[] = { 0, 1, 1, 2, 2, 3, 3 };
    gl_flow *flows[7];
    for (int i = 0; i < 7; i++) {
        gl_packet p = mk("10.0.0.1", 5000, "10.0.0.2", 53, GL_IPPROTO_UDP, 0, SEC);
        p.vlan_count = counts[i];
        memcpy(p.vlan, tags[i], sizeof(p.vlan));
        flows[i] = packet(&t, &p, NULL);
    }
    for (int i = 0; i < 7; i++)
        for (int k = i + 1; k < 7; k++)
            T_CHECK(flows[i] != flows[k]);
    T_EQ_U(t.stats.created, 7);
    /* the reply on each VLAN path finds its own flow */
    for (int i = 0; i < 7; i++) {
        gl_packet r = mk("10.0.0.2", 53, "10.0.0.1", 5000, GL_IPPROTO_UDP, 0, SEC + 5);
        r.vlan_count = counts[i];
        memcpy(r.vlan, tags[i], sizeof(r.vlan));
        int d;
        T_CHECK(packet(&t, &r, &d) == flows[i]);
        T_EQ_U(d, 1);
        T_EQ_U(flows[i]->vlan_count, counts[i]);
    }
    T_EQ_U(t.stats.created, 7);
    gl_flow_table_free(&t);
}

static void test_timeout_by_class(void)
{
    gl_flow_table t;
    table(&t, 0, 0);
    /* UDP, one way: class udp new (30 s). A packet exactly 30 s later is
     * still the same flow (expiry needs now > last + timeout)... */
    gl_packet q = mk("10.1.0.1", 1111, "10.1.0.2", 53, GL_IPPROTO_UDP, 0, 100 * SEC);
    gl_flow *f = packet(&t, &q, NULL);
    T_EQ_U(f->tclass, GL_TC_UDP_NEW);
    q.ts_usec = 130 * SEC;
    T_CHECK(packet(&t, &q, NULL) == f);
    T_EQ_U(t.stats.created, 1);
    /* ... one microsecond past last + 30 s it is a new flow */
    q.ts_usec = 160 * SEC + 1;
    uint64_t old_id = f->flow_id;
    gl_flow *g = packet(&t, &q, NULL);
    T_EQ_U(t.stats.created, 2);
    T_EQ_U(t.stats.timed_out, 1);
    T_EQ_U(t.stats.active, 1);
    T_EQ_U(n_ended, 1);
    T_EQ_U(log_[0].reason, GL_END_TIMEOUT);
    T_EQ_U(log_[0].f.pkts[0], 2);
    T_EQ_U(log_[0].f.last_us, 130 * SEC);
    T_EQ_U(log_[0].f.flow_id, old_id);
    T_EQ_U(g->pkts[0], 1);
    T_EQ_U(g->start_us, 160 * SEC + 1);

    /* seen both ways: udp established (300 s): 31 s of silence is fine */
    gl_packet r = mk("10.1.0.2", 53, "10.1.0.1", 1111, GL_IPPROTO_UDP, 0, 161 * SEC);
    T_CHECK(packet(&t, &r, NULL) == g);
    T_EQ_U(g->tclass, GL_TC_UDP_EST);
    r.ts_usec = 461 * SEC;                 /* exactly 300 s */
    T_CHECK(packet(&t, &r, NULL) == g);
    r.ts_usec = 761 * SEC + 1;             /* 300 s + 1 us */
    T_CHECK(packet(&t, &r, NULL) != g || t.stats.created == 3);
    T_EQ_U(t.stats.created, 3);
    T_EQ_U(t.stats.timed_out, 2);
    T_EQ_U(log_[1].reason, GL_END_TIMEOUT);

    /* TCP classes are driven by tcp_state (set by the worker) */
    gl_packet s = mk("10.2.0.1", 2222, "10.2.0.2", 443, GL_IPPROTO_TCP, GL_TH_SYN, 1000 * SEC);
    gl_flow *tf = packet(&t, &s, NULL);
    T_EQ_U(tf->tclass, GL_TC_TCP_NEW);
    tf->tcp_state = GL_TCP_ESTABLISHED;
    gl_flow_touch(&t, tf);
    T_EQ_U(tf->tclass, GL_TC_TCP_EST);
    s.tcp_flags = GL_TH_ACK;
    s.ts_usec = 1599 * SEC;                /* 599 s idle: < 600 */
    T_CHECK(packet(&t, &s, NULL) == tf);
    tf->tcp_state = GL_TCP_FIN_WAIT1;
    gl_flow_touch(&t, tf);
    T_EQ_U(tf->tclass, GL_TC_TCP_CLOSED);
    tf->tcp_state = GL_TCP_CLOSED;
    gl_flow_touch(&t, tf);
    T_EQ_U(tf->tclass, GL_TC_TCP_CLOSED);
    s.ts_usec = 1659 * SEC + 1;            /* closed: 60 s */
    unsigned before = n_ended;
    T_CHECK(packet(&t, &s, NULL) != tf || n_ended == before + 1);
    T_EQ_U(n_ended, before + 1);
    T_EQ_U(log_[before].reason, GL_END_TIMEOUT);
    T_EQ_U(log_[before].f.proto, GL_IPPROTO_TCP);

    /* ICMP new is 30 s, other (e.g. GRE 47) new is 30 s */
    gl_packet ic = mk("10.3.0.1", 8, "10.3.0.2", 0, GL_IPPROTO_ICMP, 0, 2000 * SEC);
    gl_flow *icf = packet(&t, &ic, NULL);
    T_EQ_U(icf->tclass, GL_TC_ICMP_NEW);
    T_EQ_U(icf->icmp_type, 8);
    gl_packet gre = mk("10.4.0.1", 0, "10.4.0.2", 0, 47, 0, 2000 * SEC);
    gl_flow *gf = packet(&t, &gre, NULL);
    T_EQ_U(gf->tclass, GL_TC_OTHER_NEW);
    gl_flow_table_free(&t);
}

static void test_expire(void)
{
    gl_flow_table t;
    gl_flow_config cfg;
    gl_flow_config_default(&cfg);
    cfg.timeout[GL_TC_UDP_NEW] = 10;
    cfg.timeout[GL_TC_UDP_EST] = 20;
    cfg.timeout[GL_TC_TCP_NEW] = 5;
    n_ended = 0;
    T_EQ_U(gl_flow_table_init(&t, &cfg, on_end, NULL), 0);

    /* u1, u2: udp new at t=0 and t=3; u3: udp est (both ways) at t=1;
     * t1: tcp new at t=2 */
    gl_packet u1 = mk("10.0.0.1", 1, "10.0.0.9", 53, GL_IPPROTO_UDP, 0, 0 * SEC);
    gl_packet u3a = mk("10.0.0.3", 3, "10.0.0.9", 53, GL_IPPROTO_UDP, 0, 1 * SEC);
    gl_packet u3b = mk("10.0.0.9", 53, "10.0.0.3", 3, GL_IPPROTO_UDP, 0, 1 * SEC);
    gl_packet t1 = mk("10.0.0.4", 4, "10.0.0.9", 80, GL_IPPROTO_TCP, GL_TH_SYN, 2 * SEC);
    gl_packet u2 = mk("10.0.0.2", 2, "10.0.0.9", 53, GL_IPPROTO_UDP, 0, 3 * SEC);
    packet(&t, &u1, NULL);
    packet(&t, &u3a, NULL);
    packet(&t, &u3b, NULL);
    packet(&t, &t1, NULL);
    packet(&t, &u2, NULL);
    T_EQ_U(t.stats.active, 4);

    gl_flow_expire(&t, 7 * SEC);          /* tcp new: 2+5 = 7, not past */
    T_EQ_U(n_ended, 0);
    gl_flow_expire(&t, 7 * SEC + 1);      /* tcp flow past */
    T_EQ_U(n_ended, 1);
    T_EQ_U(log_[0].f.cport, 4);
    gl_flow_expire(&t, 10 * SEC + 1);     /* u1 (0+10) past, u2 (3+10) not */
    T_EQ_U(n_ended, 2);
    T_EQ_U(log_[1].f.cport, 1);
    gl_flow_expire(&t, 13 * SEC + 1);     /* u2 */
    T_EQ_U(n_ended, 3);
    T_EQ_U(log_[2].f.cport, 2);
    gl_flow_expire(&t, 21 * SEC);         /* u3 est: 1+20 = 21, not past */
    T_EQ_U(n_ended, 3);
    gl_flow_expire(&t, 21 * SEC + 1);
    T_EQ_U(n_ended, 4);
    T_EQ_U(log_[3].f.cport, 3);
    for (int i = 0; i < 4; i++)
        T_EQ_U(log_[i].reason, GL_END_TIMEOUT);
    T_EQ_U(t.stats.timed_out, 4);
    T_EQ_U(t.stats.active, 0);
    T_EQ_U(t.stats.ended, 4);
    /* entries are recycled: a new flow reuses one without growing */
    packet(&t, &u1, NULL);
    T_EQ_U(t.stats.active, 1);
    T_EQ_U(t.stats.max_active, 4);
    gl_flow_table_free(&t);
}

static void test_memcap_eviction(void)
{
    gl_flow_table t;
    /* 16 buckets of 8 bytes + room for exactly 20 entries */
    size_t memcap = 16 * sizeof(gl_flow *) + 20 * gl_flow_entry_size();
    table(&t, memcap, 16);
    T_EQ_U(t.max_flows, 20);

    /* 20 flows of three classes; flow i is last active at 100+i s */
    gl_flow *f[20];
    for (int i = 0; i < 20; i++) {
        char src[32];
        snprintf(src, sizeof(src), "10.9.0.%d", i + 1);
        uint8_t proto = i % 3 == 0 ? GL_IPPROTO_TCP : i % 3 == 1 ? GL_IPPROTO_UDP : GL_IPPROTO_ICMP;
        gl_packet p = mk(src, proto == GL_IPPROTO_ICMP ? 8 : 1000, "10.9.1.1", proto == GL_IPPROTO_ICMP ? 0 : 80,
                         proto, proto == GL_IPPROTO_TCP ? GL_TH_SYN : 0, (100 + (uint64_t)i) * SEC);
        f[i] = packet(&t, &p, NULL);
    }
    T_EQ_U(t.stats.active, 20);
    T_EQ_U(n_ended, 0);
    /* flows 0 (tcp) and 1 (udp) become active again (within their new-flow
     * timeouts of 60 and 30 s): the longest idle is now flow 2 (icmp, last
     * 102 s), then 3 (tcp, 103 s) */
    gl_packet again0 = mk("10.9.0.1", 1000, "10.9.1.1", 80, GL_IPPROTO_TCP, GL_TH_ACK, 110 * SEC);
    gl_packet again1 = mk("10.9.1.1", 80, "10.9.0.2", 1000, GL_IPPROTO_UDP, 0, 111 * SEC);
    T_CHECK(packet(&t, &again0, NULL) == f[0]);
    T_CHECK(packet(&t, &again1, NULL) == f[1]);
    T_EQ_U(t.stats.created, 20);

    gl_packet nw = mk("10.9.2.1", 5, "10.9.1.1", 80, GL_IPPROTO_UDP, 0, 112 * SEC);
    packet(&t, &nw, NULL);
    T_EQ_U(t.stats.active, 20);
    T_EQ_U(t.stats.evicted, 1);
    T_EQ_U(n_ended, 1);
    T_EQ_U(log_[0].reason, GL_END_FORCED);
    T_EQ_U(log_[0].f.last_us, 102 * SEC);
    T_EQ_U(log_[0].f.proto, GL_IPPROTO_ICMP);

    gl_packet nw2 = mk("10.9.2.2", 5, "10.9.1.1", 80, GL_IPPROTO_UDP, 0, 113 * SEC);
    packet(&t, &nw2, NULL);
    T_EQ_U(t.stats.evicted, 2);
    T_EQ_U(log_[1].reason, GL_END_FORCED);
    T_EQ_U(log_[1].f.last_us, 103 * SEC);
    T_EQ_U(log_[1].f.proto, GL_IPPROTO_TCP);
    /* the evicted tuple comes back as a new flow, evicting the next one */
    gl_packet back = mk("10.9.0.3", 8, "10.9.1.1", 0, GL_IPPROTO_ICMP, 0, 114 * SEC);
    gl_flow *b = packet(&t, &back, NULL);
    T_EQ_U(b->pkts[0], 1);
    T_EQ_U(t.stats.evicted, 3);
    T_EQ_U(log_[2].f.last_us, 104 * SEC);
    T_EQ_U(t.stats.created, 23);
    T_EQ_U(t.stats.max_active, 20);
    gl_flow_table_free(&t);

    /* a tiny memcap still allows 16 flows */
    table(&t, 1, 16);
    T_EQ_U(t.max_flows, 16);
    gl_flow_table_free(&t);
}

static void test_tcp_reuse(void)
{
    gl_flow_table t;
    table(&t, 0, 0);
    gl_packet syn = mk("10.5.0.1", 3333, "10.5.0.2", 22, GL_IPPROTO_TCP, GL_TH_SYN, 10 * SEC);
    gl_flow *f = packet(&t, &syn, NULL);
    f->tcp_state = GL_TCP_CLOSED;
    gl_flow_touch(&t, f);
    /* a SYN from the server side, or a SYN/ACK, is not a new connection */
    gl_packet ssyn = mk("10.5.0.2", 22, "10.5.0.1", 3333, GL_IPPROTO_TCP, GL_TH_SYN, 11 * SEC);
    T_CHECK(packet(&t, &ssyn, NULL) == f);
    gl_packet synack = mk("10.5.0.1", 3333, "10.5.0.2", 22, GL_IPPROTO_TCP, GL_TH_SYN | GL_TH_ACK, 12 * SEC);
    T_CHECK(packet(&t, &synack, NULL) == f);
    T_EQ_U(t.stats.tcp_reuse, 0);
    /* a client SYN on the closed flow: the old flow ends, a new one starts */
    syn.ts_usec = 13 * SEC;
    gl_flow *g = packet(&t, &syn, NULL);
    T_EQ_U(t.stats.tcp_reuse, 1);
    T_EQ_U(t.stats.created, 2);
    T_EQ_U(t.stats.active, 1);
    T_EQ_U(n_ended, 1);
    T_EQ_U(log_[0].f.pkts[0] + log_[0].f.pkts[1], 3);
    T_EQ_U(g->pkts[0], 1);
    T_EQ_U(g->tcp_state, GL_TCP_NONE);
    T_EQ_U(g->start_us, 13 * SEC);
    /* same in TIME_WAIT; not in ESTABLISHED */
    g->tcp_state = GL_TCP_TIME_WAIT;
    syn.ts_usec = 14 * SEC;
    gl_flow *h = packet(&t, &syn, NULL);
    T_EQ_U(t.stats.tcp_reuse, 2);
    h->tcp_state = GL_TCP_ESTABLISHED;
    syn.ts_usec = 15 * SEC;
    T_CHECK(packet(&t, &syn, NULL) == h);
    T_EQ_U(t.stats.tcp_reuse, 2);
    gl_flow_table_free(&t);
}

static void test_synack_first(void)
{
    gl_flow_table t;
    table(&t, 0, 0);
    /* capture starts mid-handshake: the SYN/ACK from the server 10.6.0.2:80
     * to 10.6.0.1:4444 is the first packet; the client is its receiver */
    gl_packet sa = mk("10.6.0.2", 80, "10.6.0.1", 4444, GL_IPPROTO_TCP, GL_TH_SYN | GL_TH_ACK, SEC);
    int d;
    gl_flow *f = packet(&t, &sa, &d);
    T_EQ_U(d, 1);
    gl_addr cli, srv;
    addr("10.6.0.1", &cli);
    addr("10.6.0.2", &srv);
    T_CHECK(gl_addr_cmp(&f->cli, &cli) == 0);
    T_CHECK(gl_addr_cmp(&f->srv, &srv) == 0);
    T_EQ_U(f->cport, 4444);
    T_EQ_U(f->sport, 80);
    T_EQ_U(f->pkts[1], 1);
    T_EQ_U(f->pkts[0], 0);
    gl_packet ack = mk("10.6.0.1", 4444, "10.6.0.2", 80, GL_IPPROTO_TCP, GL_TH_ACK, SEC + 1);
    T_CHECK(packet(&t, &ack, &d) == f);
    T_EQ_U(d, 0);
    /* a plain ACK first (midstream): the sender is taken as client */
    gl_packet mid = mk("10.6.0.9", 80, "10.6.0.8", 5555, GL_IPPROTO_TCP, GL_TH_ACK, SEC);
    gl_flow *m = packet(&t, &mid, &d);
    T_EQ_U(d, 0);
    T_EQ_U(m->cport, 80);
    gl_flow_table_free(&t);
}

static void test_reverse(void)
{
    gl_flow f;
    memset(&f, 0, sizeof(f));
    addr("10.7.0.1", &f.cli);
    addr("10.7.0.2", &f.srv);
    f.cport = 1;
    f.sport = 2;
    f.tcp_flags[0] = 0x02;
    f.tcp_flags[1] = 0x12;
    f.pkts[0] = 3;
    f.pkts[1] = 4;
    f.bytes[0] = 500;
    f.bytes[1] = 600;
    f.isn[0] = 7;
    f.isn[1] = 8;
    f.fin_seq[0] = 9;
    f.fin_seq[1] = 10;
    f.icmp_type = 8;
    f.icmp_code = 1;
    f.icmp_rtype = 0;
    f.icmp_rcode = 2;
    f.tcp_bits = GL_TB_ISN0 | GL_TB_FIN0 | GL_TB_FINACK0 | GL_TB_STREAM_DONE; /* side 0 closed first */
    gl_tcp_stream st;
    memset(&st, 0, sizeof(st));
    st.d[0].next_seq = 100;
    st.d[1].next_seq = 200;
    f.stream = &st;
    gl_flow_macs macs;
    memset(&macs, 0, sizeof(macs));
    macs.n_src = 1;
    macs.n_dst = 2;
    macs.src[0][0] = 0xaa;
    macs.dst[0][0] = 0xbb;
    macs.dst[1][0] = 0xcc;
    f.macs = &macs;

    gl_flow_reverse(&f);
    gl_addr a1, a2;
    addr("10.7.0.1", &a1);
    addr("10.7.0.2", &a2);
    T_CHECK(gl_addr_cmp(&f.cli, &a2) == 0);
    T_CHECK(gl_addr_cmp(&f.srv, &a1) == 0);
    T_EQ_U(f.cport, 2);
    T_EQ_U(f.sport, 1);
    T_EQ_U(f.tcp_flags[0], 0x12);
    T_EQ_U(f.tcp_flags[1], 0x02);
    T_EQ_U(f.pkts[0], 4);
    T_EQ_U(f.pkts[1], 3);
    T_EQ_U(f.bytes[0], 600);
    T_EQ_U(f.bytes[1], 500);
    T_EQ_U(f.isn[0], 8);
    T_EQ_U(f.isn[1], 7);
    T_EQ_U(f.fin_seq[0], 10);
    T_EQ_U(f.fin_seq[1], 9);
    /* the request direction's ICMP type is now the reply's and vice versa */
    T_EQ_U(f.icmp_type, 0);
    T_EQ_U(f.icmp_code, 2);
    T_EQ_U(f.icmp_rtype, 8);
    T_EQ_U(f.icmp_rcode, 1);
    /* side 0 facts become side 1 facts; old side 0 closed first = new side 1 */
    T_EQ_U(f.tcp_bits, GL_TB_ISN1 | GL_TB_FIN1 | GL_TB_FINACK1 | GL_TB_STREAM_DONE | GL_TB_FIRST_FIN1);
    T_EQ_U(st.d[0].next_seq, 200);
    T_EQ_U(st.d[1].next_seq, 100);
    T_EQ_U(macs.n_src, 2);
    T_EQ_U(macs.n_dst, 1);
    T_EQ_U(macs.src[0][0], 0xbb);
    T_EQ_U(macs.src[1][0], 0xcc);
    T_EQ_U(macs.dst[0][0], 0xaa);

    /* twice is the identity */
    gl_flow_reverse(&f);
    T_CHECK(gl_addr_cmp(&f.cli, &a1) == 0);
    T_EQ_U(f.cport, 1);
    T_EQ_U(f.pkts[0], 3);
    T_EQ_U(f.tcp_bits, GL_TB_ISN0 | GL_TB_FIN0 | GL_TB_FINACK0 | GL_TB_STREAM_DONE);
    T_EQ_U(st.d[0].next_seq, 100);
    T_EQ_U(macs.src[0][0], 0xaa);

    /* no FIN seen: no "first FIN" side either way */
    f.tcp_bits = GL_TB_ISN0 | GL_TB_ISN1;
    gl_flow_reverse(&f);
    T_EQ_U(f.tcp_bits, GL_TB_ISN0 | GL_TB_ISN1);
    /* side 1 closed first, then both: after reversal side 0 did */
    f.tcp_bits = GL_TB_FIN0 | GL_TB_FIN1 | GL_TB_FIRST_FIN1;
    gl_flow_reverse(&f);
    T_EQ_U(f.tcp_bits, GL_TB_FIN0 | GL_TB_FIN1);

    /* a reversed flow is still found by both directions in a table */
    gl_flow_table t;
    table(&t, 0, 0);
    gl_packet p = mk("10.7.1.1", 53, "10.7.1.2", 5353, GL_IPPROTO_UDP, 0, SEC);
    int d;
    gl_flow *g = packet(&t, &p, &d);
    gl_flow_reverse(g);
    T_CHECK(packet(&t, &p, &d) == g);
    T_EQ_U(d, 1);
    gl_packet r = mk("10.7.1.2", 5353, "10.7.1.1", 53, GL_IPPROTO_UDP, 0, SEC + 1);
    T_CHECK(packet(&t, &r, &d) == g);
    T_EQ_U(d, 0);
    T_EQ_U(t.stats.created, 1);
    gl_flow_table_free(&t);
}

/* Many flows in few buckets: chains must keep every flow reachable. */
static void test_collisions(void)
{
    gl_flow_table t;
    table(&t, 0, 16);
    gl_flow *f[300];
    for (int i = 0; i < 300; i++) {
        gl_packet p = mk("10.8.0.1", (uint16_t)(1000 + i), "10.8.0.2", 80, GL_IPPROTO_TCP, GL_TH_SYN, SEC);
        f[i] = packet(&t, &p, NULL);
    }
    int wrong = 0;
    for (int i = 299; i >= 0; i--) {
        gl_packet r = mk("10.8.0.2", 80, "10.8.0.1", (uint16_t)(1000 + i), GL_IPPROTO_TCP, GL_TH_ACK, SEC + 1);
        int d;
        if (packet(&t, &r, &d) != f[i] || d != 1)
            wrong++;
    }
    T_EQ_U(wrong, 0);
    T_EQ_U(t.stats.created, 300);
    gl_flow_table_free(&t);
    T_EQ_U(n_ended, 300);
}

/* Budget: ≤ 256 bytes per entry; ≤ 512 bytes per idle TCP flow counting
 * the malloc chunk (usable size + 8-byte chunk header on glibc) and the
 * flow's share of the bucket array at the default sizing. An idle TCP flow
 * (handshake only, no payload) owns no stream, detection or MAC memory. */
static void test_entry_size(void)
{
    /* what flow.memcap charges per flow (entry + stream state + detector
     * slots, the worst case) stays within the 512-byte budget too */
    T_CHECK(sizeof(gl_flow) <= 256);
    T_CHECK(gl_flow_entry_size() <= 512);
    void *m = malloc(sizeof(gl_flow));
    size_t chunk = malloc_usable_size(m) + 8;
    free(m);
    gl_flow_config cfg;
    gl_flow_config_default(&cfg);
    gl_flow_table t;
    T_EQ_U(gl_flow_table_init(&t, &cfg, NULL, NULL), 0);
    double bucket_share = (double)(t.mask + 1) * sizeof(gl_flow *) / (double)t.max_flows;
    fprintf(stderr, "flow entry %zu bytes, chunk %zu, bucket share %.2f, max_flows %llu\n",
            gl_flow_entry_size(), chunk, bucket_share, (unsigned long long)t.max_flows);
    T_CHECK(chunk + bucket_share <= 512.0);

    /* an idle TCP flow as the table leaves it: no side allocations */
    gl_packet s = mk("10.10.0.1", 1, "10.10.0.2", 2, GL_IPPROTO_TCP, GL_TH_SYN, SEC);
    int d;
    gl_flow *f = gl_flow_lookup(&t, &s, &d);
    T_CHECK(f && !f->stream && !f->app_state && !f->app_detect && !f->macs);
    gl_flow_table_free(&t);
}

int main(void)
{
    test_bidirectional();
    test_vlan();
    test_timeout_by_class();
    test_expire();
    test_memcap_eviction();
    test_tcp_reuse();
    test_synack_first();
    test_reverse();
    test_collisions();
    test_entry_size();
    return t_report("test-flow");
}
