/*
 * fuzz-stream.c — libFuzzer target for TCP reassembly (gl_stream_segment).
 *
 * Every payload byte is a fixed pseudo-random function of its direction and
 * absolute sequence number, so whatever the overlap policy keeps, a correct
 * reassembler can only ever deliver f(dir, seq) for consecutive seqs. The
 * consumer checks that, which catches wrong offsets, double delivery of a
 * range and bytes that were never sent; it also checks delivered counts
 * against bytes sent and the depth cap, memory bounds after every segment,
 * and that mem_in_use returns to 0 once both streams are freed.
 *
 * Input layout:
 *   header (6 bytes): ooo_max unit, memcap unit, depth unit, options
 *                     (bit0 midstream, bit1 finish before free, bits 2-7
 *                     refuse period), base seq seed (2 bytes)
 *   records (6 bytes each):
 *     b0  bit0 dir, bit1 stream (two streams share one context: the
 *         global memcap is shared), bits 2-3 op (0-2 segment, 3 control)
 *     b1  TCP flags (control op: bit0 stop dir, bit1 stop both, bit2 finish)
 *     b2,b3 seq offset from the direction's base (big endian)
 *     b4  payload length
 *     b5  ack offset (×16) from the other direction's base
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stream/stream-tcp.h"
#include "decode/decode.h"

#define CHECK(c)                    \
    do {                            \
        if (!(c))                   \
            __builtin_trap();       \
    } while (0)

typedef struct consumer {
    gl_tcp_stream *s;
    gl_stream_ctx *ctx;
    uint32_t expect[2];   /* seq of the next byte this consumer expects */
    bool known[2];
    uint64_t delivered[2], sent[2];
    unsigned calls, refuse_period;
} consumer;

static uint8_t pattern(int dir, uint32_t seq)
{
    uint32_t x = seq * 2654435761u ^ (uint32_t)dir * 0x9e3779b9u;
    x ^= x >> 15;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    return (uint8_t)x;
}

static bool on_data(void *user, int dir, const uint8_t *data, uint32_t len)
{
    consumer *c = user;
    const gl_tcp_dir *d = &c->s->d[dir];
    CHECK(dir == 0 || dir == 1);
    CHECK(len > 0);
    if (!c->known[dir]) {
        /* deliver() advanced next_seq by the whole chunk and counted the
         * n delivered bytes; unless the depth cap cut the chunk, they
         * are the same and the chunk started at next_seq - len */
        bool cut = c->ctx->cfg.depth && d->delivered >= c->ctx->cfg.depth;
        if (!cut) {
            c->expect[dir] = d->next_seq - len;
            c->known[dir] = true;
        }
    }
    if (c->known[dir]) {
        for (uint32_t i = 0; i < len; i++)
            CHECK(data[i] == pattern(dir, c->expect[dir] + i));
        c->expect[dir] += len;
    }
    c->delivered[dir] += len;
    CHECK(c->delivered[dir] <= c->sent[dir]);
    if (c->ctx->cfg.depth)
        CHECK(c->delivered[dir] <= c->ctx->cfg.depth);
    c->calls++;
    return !(c->refuse_period && c->calls % c->refuse_period == 0);
}

static void on_gap(void *user, int dir, uint32_t len)
{
    consumer *c = user;
    CHECK(len > 0);
    if (c->known[dir])
        c->expect[dir] += len;
}

static void check_bounds(const gl_stream_ctx *ctx, gl_tcp_stream *const s[2])
{
    size_t held = 0;
    for (int k = 0; k < 2; k++) {
        for (int d = 0; d < 2; d++) {
            uint32_t sum = 0;
            uint32_t prev_end = 0;
            bool first = true;
            for (const gl_tcp_seg *g = s[k]->d[d].ooo; g; g = g->next) {
                CHECK(g->len > 0);
                /* sorted, non-overlapping */
                if (!first)
                    CHECK((int32_t)(g->seq - prev_end) >= 0);
                /* every queued byte is a byte that was sent */
                for (uint32_t i = 0; i < g->len; i++)
                    CHECK(g->data[i] == pattern(d, g->seq + i));
                prev_end = g->seq + g->len;
                first = false;
                sum += g->len;
            }
            CHECK(sum == s[k]->d[d].ooo_bytes);
            CHECK(sum <= ctx->cfg.ooo_max);
            held += sum;
        }
    }
    CHECK(held == ctx->stats.mem_in_use);
    CHECK(ctx->stats.mem_in_use <= ctx->cfg.memcap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    gl_stream_config cfg;
    cfg.ooo_max = 1u + (uint32_t)data[0] * 16u;
    cfg.memcap = 1u + (size_t)data[1] * 24u;
    cfg.depth = (uint32_t)data[2] * 8u;   /* 0 = unlimited */
    cfg.midstream = data[3] & 1;
    bool finish = data[3] & 2;
    unsigned refuse = data[3] >> 2;
    uint32_t base_seed = ((uint32_t)data[4] << 8) | data[5];
    /* put the bases near the 2^32 wrap half the time */
    uint32_t base[2] = { (base_seed & 1) ? 0xffffff00u + (base_seed >> 8) : base_seed * 7919u,
                         base_seed * 104729u };

    gl_stream_ctx ctx;
    gl_tcp_stream st[2];
    gl_tcp_stream *sp[2] = { &st[0], &st[1] };
    consumer cons[2];
    memset(st, 0, sizeof(st));
    memset(cons, 0, sizeof(cons));
    gl_stream_ctx_init(&ctx, &cfg, on_data, on_gap);
    for (int k = 0; k < 2; k++) {
        cons[k].s = &st[k];
        cons[k].ctx = &ctx;
        cons[k].refuse_period = refuse;
    }

    uint8_t payload[256];
    for (size_t off = 6; off + 6 <= size; off += 6) {
        const uint8_t *r = data + off;
        int dir = r[0] & 1, k = (r[0] >> 1) & 1, op = (r[0] >> 2) & 3;
        if (op == 3) {
            if (r[1] & 1)
                gl_stream_stop(&ctx, &st[k], dir);
            if (r[1] & 2)
                gl_stream_stop(&ctx, &st[k], -1);
            if (r[1] & 4)
                gl_stream_finish(&ctx, &st[k], &cons[k]);
            check_bounds(&ctx, sp);
            continue;
        }
        uint8_t flags = r[1];
        uint32_t seq = base[dir] + (((uint32_t)r[2] << 8) | r[3]);
        uint32_t len = r[4];
        uint32_t ack = base[!dir] + (uint32_t)r[5] * 16u;
        /* the SYN occupies seq; data follows it at seq + 1 */
        uint32_t first = seq + ((flags & GL_TH_SYN) ? 1 : 0);
        for (uint32_t i = 0; i < len; i++)
            payload[i] = pattern(dir, first + i);
        cons[k].sent[dir] += len;
        gl_stream_segment(&ctx, &st[k], dir, flags, seq, ack, payload, len, &cons[k]);
        check_bounds(&ctx, sp);
    }
    for (int k = 0; k < 2; k++) {
        if (finish)
            gl_stream_finish(&ctx, &st[k], &cons[k]);
        gl_stream_free(&ctx, &st[k]);
    }
    CHECK(ctx.stats.mem_in_use == 0);
    return 0;
}
