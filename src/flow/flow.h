/*
 * flow.h — the flow table: one entry per bidirectional 5-tuple (+ VLAN ids).
 *
 * Memory is bounded: the table holds at most max_flows entries, derived from
 * the configured memcap and the (fixed) size of a flow. When full, the flow
 * idle the longest is evicted (and logged, reason "forced"); evictions are
 * counted. Flows live on one of a few LRU lists, one per timeout class, so the
 * list head is always the next to time out and expiry is O(expired).
 *
 * A flow belongs to exactly one worker; nothing here is locked.
 */
#ifndef GL_FLOW_H
#define GL_FLOW_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "../common/gl-util.h"
#include "../decode/decode.h"
#include "../stream/stream-tcp.h"

struct gl_app_parser;

/* TCP connection states, named as Suricata's EVE prints them. */
typedef enum gl_tcp_state {
    GL_TCP_NONE = 0,
    GL_TCP_SYN_SENT,
    GL_TCP_SYN_RECV,
    GL_TCP_ESTABLISHED,
    GL_TCP_FIN_WAIT1,
    GL_TCP_FIN_WAIT2,
    GL_TCP_TIME_WAIT,
    GL_TCP_CLOSE_WAIT,
    GL_TCP_LAST_ACK,
    GL_TCP_CLOSING,
    GL_TCP_CLOSED,
} gl_tcp_state;

const char *gl_tcp_state_name(gl_tcp_state s);

/* Timeout classes: each is one LRU list with a single timeout value. */
typedef enum gl_flow_tclass {
    GL_TC_TCP_NEW, GL_TC_TCP_EST, GL_TC_TCP_CLOSED,
    GL_TC_UDP_NEW, GL_TC_UDP_EST,
    GL_TC_ICMP_NEW, GL_TC_ICMP_EST,
    GL_TC_OTHER_NEW, GL_TC_OTHER_EST,
    GL_TC_COUNT
} gl_flow_tclass;

/* Why a flow ended (EVE flow.reason). */
typedef enum gl_flow_end_reason {
    GL_END_TIMEOUT = 0, /* "timeout" */
    GL_END_FORCED,      /* "forced": evicted to stay under the memcap */
    GL_END_SHUTDOWN,    /* "shutdown": end of input / signal */
} gl_flow_end_reason;

#define GL_APP_DETECT_BUF 512 /* bytes kept per direction while a probe asks for more */

typedef struct gl_flow {
    struct gl_flow *hnext;             /* hash chain */
    struct gl_flow *prev, *next;       /* LRU list of its timeout class */
    gl_addr cli, srv;                  /* client = sender of the first packet seen (or SYN) */
    uint16_t cport, sport;
    uint16_t vlan[GL_MAX_VLAN];
    uint8_t vlan_count;
    uint8_t proto;
    uint8_t tclass;                    /* gl_flow_tclass */
    uint8_t tcp_state;                 /* gl_tcp_state */
    uint8_t tcp_flags[2];              /* OR of TCP flags per direction */
    uint8_t app_flags;                 /* GL_FA_* */
    uint8_t icmp_type, icmp_code;
    uint8_t tcp_bits;                  /* GL_TB_*: handshake/teardown facts */
    uint8_t icmp_rtype, icmp_rcode;    /* ICMP type/code of the reply direction */
    uint8_t detect_fail;               /* bit dir: no parser recognised that direction */
    uint32_t isn[2];                   /* initial sequence numbers (GL_TB_ISN0/1) */
    uint32_t fin_seq[2];               /* sequence number of each side's FIN */
    uint32_t hash;
    uint32_t pkts[2];
    uint64_t bytes[2];
    uint64_t start_us, last_us;
    uint64_t flow_id;
    const struct gl_app_parser *app;   /* first detected protocol, for the flow record */
    const struct gl_app_parser *app_cur; /* parser attached now (differs after a CONNECT/STARTTLS) */
    void *app_state;                   /* parser state; freed as soon as the parser is done */
    void *app_detect;                  /* detection buffers, only while detecting */
    gl_tcp_stream *stream;             /* reassembly state, allocated only for TCP with payload */
    struct gl_flow_macs *macs;         /* MAC addresses seen (only with output.eve.ethernet) */
    void *detect;                      /* detectors' per-flow state (only for followed flows) */
} gl_flow;

/* Distinct MAC addresses of a flow in order of first appearance, oriented
 * client→server: src = client side, dst = server side. */
#define GL_FLOW_MAX_MACS 4
typedef struct gl_flow_macs {
    uint8_t n_src, n_dst;
    uint8_t src[GL_FLOW_MAX_MACS][6];
    uint8_t dst[GL_FLOW_MAX_MACS][6];
} gl_flow_macs;

/* tcp_bits */
#define GL_TB_ISN0 0x01
#define GL_TB_ISN1 0x02
#define GL_TB_FIN0 0x04
#define GL_TB_FIN1 0x08
#define GL_TB_FINACK0 0x10 /* side 0's FIN acknowledged by side 1 */
#define GL_TB_FINACK1 0x20
#define GL_TB_STREAM_DONE 0x40 /* reassembly finished for good: never reallocate */
#define GL_TB_FIRST_FIN1 0x80 /* side 1 closed first */

/* app_flags */
#define GL_FA_DETECT_DONE_TS 0x01 /* toserver direction decided (or gave up) */
#define GL_FA_DETECT_DONE_TC 0x02
#define GL_FA_PARSER_DONE 0x04    /* parser wants nothing more */
#define GL_FA_PARSER_ERROR 0x08
#define GL_FA_DETECT_FAILED 0x10  /* no parser matched */
#define GL_FA_MISMATCH 0x20       /* directions disagreed */
#define GL_FA_DATA_SEEN 0x40      /* some payload was seen (orientation is settled) */
#define GL_FA_ALERTED 0x80        /* a detector raised an alert on this flow */

typedef struct gl_flow_config {
    size_t memcap;                     /* bytes for flow entries (default 128 MiB) */
    uint32_t hash_size;                /* buckets, power of two (default 65536) */
    uint32_t timeout[GL_TC_COUNT];     /* seconds */
} gl_flow_config;

typedef struct gl_flow_stats {
    uint64_t created, ended, timed_out, evicted, shutdown;
    uint64_t active, max_active;
    uint64_t tcp_reuse;                /* new SYN on a closed tuple: new flow */
} gl_flow_stats;

typedef void (*gl_flow_end_fn)(void *user, gl_flow *f, gl_flow_end_reason reason);

typedef struct gl_flow_table {
    gl_flow **buckets;
    uint32_t mask;
    uint64_t max_flows;
    gl_flow lru[GL_TC_COUNT];          /* list heads (sentinels) */
    gl_flow_config cfg;
    gl_flow_stats stats;
    gl_flow *free_list;                /* recycled entries: no malloc per flow in steady state */
    gl_flow_end_fn on_end;
    void *user;
} gl_flow_table;

void gl_flow_config_default(gl_flow_config *cfg);
int gl_flow_table_init(gl_flow_table *t, const gl_flow_config *cfg, gl_flow_end_fn on_end, void *user);
void gl_flow_table_free(gl_flow_table *t);

/* Find or create the flow of packet p (must have an IP layer). Sets *dir to
 * 0 when p goes client→server, 1 otherwise. May end an expired flow with the
 * same tuple first. Returns NULL only if an entry cannot be allocated. */
gl_flow *gl_flow_lookup(gl_flow_table *t, const gl_packet *p, int *dir);

/* Move f to the LRU tail of its (possibly new) timeout class after an update. */
void gl_flow_touch(gl_flow_table *t, gl_flow *f);

/* End every flow idle past its timeout at packet time now_us. */
void gl_flow_expire(gl_flow_table *t, uint64_t now_us);

/* End every flow (end of input). */
void gl_flow_flush(gl_flow_table *t);

/* Swap client and server (the first data showed we guessed the direction
 * wrong). Only valid before any payload was processed. */
void gl_flow_reverse(gl_flow *f);

/* Bytes one flow entry costs (for docs and per-flow memory reports). */
size_t gl_flow_entry_size(void);

#endif
