/*
 * flow-worker.h — one worker: the per-packet pipeline
 *   decode → flow → (TCP state, reassembly) → app layer → outputs.
 * A worker owns its decoder, flow table and stream state; workers share only
 * the output. With --threads N the capture thread sends every packet of a
 * flow to the same worker (gl_decode_affinity_hash).
 */
#ifndef GL_FLOW_WORKER_H
#define GL_FLOW_WORKER_H

#include "flow.h"
#include "../decode/decode.h"
#include "../stream/stream-tcp.h"
#include "../proto/app-ctx.h"
#include "../output/output.h"
#include "../detect/detect-flow.h"

typedef struct gl_worker_config {
    gl_defrag_config defrag;
    gl_flow_config flow;
    gl_stream_config stream;
    gl_detect_config detect;
    size_t app_detect_memcap;       /* bytes of protocol-detection buffers per worker */
} gl_worker_config;

typedef struct gl_worker_stats {
    uint64_t packets, bytes;
    uint64_t no_ip;                 /* frames without a usable IP layer */
    uint64_t fragments;             /* fragments held for reassembly */
    uint64_t decode_events;         /* anomalies raised by the decoder */
    uint64_t flow_alloc_fail;       /* packets not tracked: no memory for a flow */
    uint64_t tcp, udp, icmp, other;
} gl_worker_stats;

typedef struct gl_worker {
    int id;
    gl_decoder *dec;
    gl_flow_table flows;
    gl_stream_ctx stream;
    gl_app_ctx app;
    gl_detect_ctx *det;
    gl_output *out;
    gl_output_local outl;
    gl_json line;                   /* scratch for composing EVE records */
    gl_packet pkt;
    gl_flow *cur;                   /* flow of the packet being processed */
    uint64_t now_us;                /* latest packet time seen */
    uint64_t next_expire_us;
    gl_worker_stats stats;
} gl_worker;

int gl_worker_init(gl_worker *w, int id, const gl_worker_config *cfg, gl_output *out);
void gl_worker_packet(gl_worker *w, int linktype, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, uint64_t ts_usec);
/* Expire idle flows using wall-clock time (live capture with no traffic). */
void gl_worker_tick(gl_worker *w, uint64_t now_us);
/* End of input: every flow ends (reason shutdown), outputs flushed. */
void gl_worker_finish(gl_worker *w);
void gl_worker_free(gl_worker *w);

#endif
