/*
 * stream-tcp.h — TCP reassembly: turns segments into in-order byte streams.
 *
 * In-order data is handed to the consumer straight from the packet (no copy).
 * Only out-of-order segments are copied, into a per-direction sorted list
 * bounded per flow (ooo_max) and globally (memcap); when a bound is hit, or
 * when the peer acknowledges data we never saw, the hole is declared a gap and
 * the consumer is told its size. Retransmitted bytes are dropped; overlapping
 * bytes keep the first copy seen ("first" policy — what Suricata's default
 * and most stacks deliver to the application in practice, and what cannot be
 * rewritten by a later injected segment). A per-direction depth cap stops
 * reassembly after that many bytes.
 */
#ifndef GL_STREAM_TCP_H
#define GL_STREAM_TCP_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct gl_tcp_seg {
    struct gl_tcp_seg *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
} gl_tcp_seg;

typedef struct gl_tcp_dir {
    uint32_t next_seq;       /* next byte expected in order */
    uint32_t delivered;      /* bytes delivered (saturating), for the depth cap */
    uint32_t ooo_bytes;      /* bytes held in ooo */
    uint8_t seq_known : 1;   /* next_seq valid */
    uint8_t fin : 1;         /* FIN seen */
    uint8_t stopped : 1;     /* no more delivery (depth reached or consumer done) */
    gl_tcp_seg *ooo;         /* out-of-order segments sorted by seq */
} gl_tcp_dir;

typedef struct gl_tcp_stream {
    gl_tcp_dir d[2];
} gl_tcp_stream;

typedef struct gl_stream_config {
    uint32_t depth;          /* bytes per direction reassembled (0 = unlimited); default 1 MiB */
    uint32_t ooo_max;        /* out-of-order bytes held per direction; default 256 KiB */
    size_t memcap;           /* all out-of-order bytes of one worker; default 64 MiB */
    bool midstream;          /* pick up flows whose handshake was not seen; default true */
} gl_stream_config;

typedef struct gl_stream_stats {
    uint64_t segments, in_order, retransmitted, overlaps, ooo_queued, gaps, gap_bytes;
    uint64_t depth_reached, memcap_drops;
    size_t mem_in_use;
} gl_stream_stats;

/* Consumer callbacks: data delivered in order, or a gap of len bytes.
 * Return false from on_data to stop this direction's reassembly. */
typedef bool (*gl_stream_data_fn)(void *user, int dir, const uint8_t *data, uint32_t len);
typedef void (*gl_stream_gap_fn)(void *user, int dir, uint32_t len);

typedef struct gl_stream_ctx {
    gl_stream_config cfg;
    gl_stream_stats stats;
    gl_stream_data_fn on_data;
    gl_stream_gap_fn on_gap;
} gl_stream_ctx;

void gl_stream_config_default(gl_stream_config *cfg);
void gl_stream_ctx_init(gl_stream_ctx *c, const gl_stream_config *cfg, gl_stream_data_fn on_data,
                        gl_stream_gap_fn on_gap);

/* Process one segment of direction dir. flags are TCP flags; user is passed
 * to callbacks. */
void gl_stream_segment(gl_stream_ctx *c, gl_tcp_stream *s, int dir, uint8_t flags, uint32_t seq,
                       uint32_t ack, const uint8_t *data, uint32_t len, void *user);

/* Flow ending: deliver what is queued (declaring gaps for holes). */
void gl_stream_finish(gl_stream_ctx *c, gl_tcp_stream *s, void *user);

/* Stop a direction (or both with dir = -1) and release its queued memory. */
void gl_stream_stop(gl_stream_ctx *c, gl_tcp_stream *s, int dir);

void gl_stream_free(gl_stream_ctx *c, gl_tcp_stream *s);

#endif
