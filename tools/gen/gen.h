/*
 * gen.h — shared types of gl-gen, the synthetic traffic generator. The
 * generator is one program (tools/gl-gen.c) that #includes the files in
 * tools/gen/; this header lists what they share: the seeded RNG, growable
 * byte buffers, the per-session packet slot, the network path of a session and
 * the TCP conversation engine every TCP protocol builds on.
 */
#ifndef GL_GEN_H
#define GL_GEN_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* ---- deterministic randomness (splitmix64): same seed, same bytes ---- */
typedef struct Rng {
    uint64_t s;
} Rng;

static inline uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform in [0, n) without modulo bias worth caring about (n < 2^32) */
static inline uint32_t rng_below(Rng *r, uint32_t n)
{
    return n ? (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32) : 0;
}

/* uniform in [lo, hi] */
static inline uint32_t rng_range(Rng *r, uint32_t lo, uint32_t hi)
{
    return hi <= lo ? lo : lo + rng_below(r, hi - lo + 1);
}

static inline int rng_pct(Rng *r, uint32_t pct)
{
    return rng_below(r, 100) < pct;
}

#define PICK(r, arr) ((arr)[rng_below((r), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- growable byte buffer ---- */
typedef struct Buf {
    uint8_t *p;
    size_t len, cap;
} Buf;

/* ---- one session's packets, rendered ahead and merged by time on output ----
 * Records are stored exactly as pcap records except that the first 8 bytes
 * hold the time relative to the session start; they are rewritten to
 * ts_sec/ts_usec when the record is written, so output is a single fwrite. */
typedef struct Slot {
    Buf b;
    size_t rd;         /* read offset of the next record to write */
    uint64_t start_us; /* absolute start time of the session */
    int busy;
} Slot;

#define REC_HDR 16

/* ---- a conversation's endpoints as seen on the wire ---- */
typedef struct Path {
    int v6;
    uint8_t ip[2][16];  /* [0] client, [1] server (IPv4 uses the first 4 bytes) */
    uint8_t mac[2][6];
    uint16_t port[2];
    uint16_t vlan;      /* 0 = untagged */
    uint8_t ttl[2];
    uint16_t ipid[2];
    uint32_t flowlabel;
} Path;

enum { DIR_C2S = 0, DIR_S2C = 1 };

/* ---- TCP conversation state ---- */
typedef struct Tcp {
    struct Gen *g;
    Slot *s;
    Path *p;
    uint32_t seq[2];  /* next sequence number each side sends */
    uint64_t t;       /* current time relative to session start, us */
    uint32_t rtt_us;  /* capture point sits next to the client: server packets lag by an RTT */
    uint32_t byte_ns; /* serialization time per byte (session bandwidth) */
    uint16_t mss;
    uint16_t win[2];
} Tcp;

/* ---- command line ---- */
enum { K_TLS, K_HTTP, K_DNS, K_SSH, K_OTHER, K_NKINDS, K_IDLE = K_NKINDS, K_FRAG };

typedef struct Net {
    int v6;
    uint8_t base[16];
    int prefix;
} Net;

typedef struct Opts {
    const char *out;
    uint64_t seed;
    uint64_t sessions;
    int sessions_set;
    uint64_t bytes;      /* 0 = not given */
    uint32_t mix[K_NKINDS];
    uint32_t ipv6_pct;
    int vlan;
    uint64_t fragment;
    uint64_t idle_flows;
    uint32_t concurrency;
    int sample;
    int quiet;
    uint32_t max_records;  /* cap on TLS download records per session (0 = template's) */
    uint32_t max_body;     /* cap on HTTP bodies / SSH bulk bytes */
    uint32_t gap_us;       /* mean gap before a slot starts its next session */
    Net cnet4, snet4, cnet6, snet6;
} Opts;

typedef struct Stats {
    uint64_t sessions[K_FRAG + 1];
    uint64_t tls_clienthello;
    uint64_t http_requests;
    uint64_t dns_queries, dns_tcp_queries;
    uint64_t ssh_banners;
    uint64_t icmp_echo, udp_datagrams;
    uint64_t fragmented;
    uint64_t tcp_rst;
    uint64_t vlan_sessions, v6_sessions;
    uint64_t packets, bytes;
} Stats;

struct TlsTemplate;

typedef struct Gen {
    Rng rng;
    Opts o;
    Stats st;
    FILE *out;
    uint8_t *noise;      /* pool of random bytes: ciphertext-looking payloads */
    size_t noise_len;
    char *text;          /* pool of lowercase words: text bodies */
    size_t text_len;
    struct TlsTemplate *tls;
    int ntls;
    uint64_t tuple_ctr;  /* drives client ports so concurrent tuples never collide */
    uint64_t frag_left;
    uint64_t idle_done;
} Gen;

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#endif
