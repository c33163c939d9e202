/*
 * stream-tcp.c — TCP segment reassembly into in-order byte streams.
 *
 * See stream-tcp.h for the policy. The per-packet cost for the common case
 * (next in-order segment) is a few compares and one callback: no copy, no
 * allocation. Copies happen only for out-of-order segments.
 */
#include "stream-tcp.h"
#include "../decode/decode.h"

#include <stdlib.h>
#include <string.h>

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)

void gl_stream_config_default(gl_stream_config *cfg)
{
    cfg->depth = 1024 * 1024;
    cfg->ooo_max = 256 * 1024;
    cfg->memcap = 64 * 1024 * 1024;
    cfg->midstream = true;
}

void gl_stream_ctx_init(gl_stream_ctx *c, const gl_stream_config *cfg, gl_stream_data_fn on_data,
                        gl_stream_gap_fn on_gap)
{
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->on_data = on_data;
    c->on_gap = on_gap;
}

static void free_ooo(gl_stream_ctx *c, gl_tcp_dir *d)
{
    gl_tcp_seg *s = d->ooo;
    while (s) {
        gl_tcp_seg *n = s->next;
        c->stats.mem_in_use -= s->len;
        free(s);
        s = n;
    }
    d->ooo = NULL;
    d->ooo_bytes = 0;
}

void gl_stream_stop(gl_stream_ctx *c, gl_tcp_stream *s, int dir)
{
    for (int i = 0; i < 2; i++) {
        if (dir >= 0 && dir != i)
            continue;
        s->d[i].stopped = 1;
        free_ooo(c, &s->d[i]);
    }
}

void gl_stream_free(gl_stream_ctx *c, gl_tcp_stream *s)
{
    if (!s)
        return;
    free_ooo(c, &s->d[0]);
    free_ooo(c, &s->d[1]);
}

/* Hand len in-order bytes at next_seq to the consumer, honouring the depth cap. */
static void deliver(gl_stream_ctx *c, gl_tcp_stream *s, int dir, const uint8_t *data, uint32_t len,
                    void *user)
{
    gl_tcp_dir *d = &s->d[dir];
    d->next_seq += len;
    if (d->stopped)
        return;
    uint32_t n = len;
    if (c->cfg.depth) {
        uint32_t room = d->delivered < c->cfg.depth ? c->cfg.depth - d->delivered : 0;
        if (n > room)
            n = room;
    }
    if (n > 0) {
        c->stats.in_order++;
        d->delivered += n;
        if (!c->on_data(user, dir, data, n)) {
            gl_stream_stop(c, s, dir);
            return;
        }
    }
    if (n < len) {
        c->stats.depth_reached++;
        gl_stream_stop(c, s, dir);
    }
}

static void declare_gap(gl_stream_ctx *c, gl_tcp_stream *s, int dir, uint32_t upto, void *user)
{
    gl_tcp_dir *d = &s->d[dir];
    uint32_t len = upto - d->next_seq;
    if (len == 0 || SEQ_LT(upto, d->next_seq))
        return;
    d->next_seq = upto;
    c->stats.gaps++;
    c->stats.gap_bytes += len;
    if (!d->stopped && c->on_gap)
        c->on_gap(user, dir, len);
}

/* Deliver queued segments that have become contiguous with next_seq. */
static void drain(gl_stream_ctx *c, gl_tcp_stream *s, int dir, void *user)
{
    gl_tcp_dir *d = &s->d[dir];
    while (d->ooo && SEQ_LEQ(d->ooo->seq, d->next_seq)) {
        gl_tcp_seg *seg = d->ooo;
        d->ooo = seg->next;
        d->ooo_bytes -= seg->len;
        c->stats.mem_in_use -= seg->len;
        uint32_t end = seg->seq + seg->len;
        if (SEQ_GT(end, d->next_seq)) {
            uint32_t skip = d->next_seq - seg->seq;
            if (skip)
                c->stats.overlaps++;
            deliver(c, s, dir, seg->data + skip, seg->len - skip, user);
        } else {
            c->stats.retransmitted++;
        }
        free(seg);
    }
}

static bool insert_piece(gl_stream_ctx *c, gl_tcp_dir *d, gl_tcp_seg **pp, uint32_t seq,
                         const uint8_t *data, uint32_t len)
{
    gl_tcp_seg *seg = malloc(sizeof(*seg) + len);
    if (!seg)
        return false;
    seg->seq = seq;
    seg->len = len;
    memcpy(seg->data, data, len);
    seg->next = *pp;
    *pp = seg;
    d->ooo_bytes += len;
    c->stats.mem_in_use += len;
    return true;
}

/* Copy an out-of-order segment into the sorted, non-overlapping queue,
 * keeping bytes already queued ("first" policy): only the parts of
 * [seq, seq+len) no queued segment covers are inserted. Returns false when
 * the bounds do not allow it. */
static bool queue_ooo(gl_stream_ctx *c, gl_tcp_dir *d, uint32_t seq, const uint8_t *data, uint32_t len)
{
    if (d->ooo_bytes + (uint64_t)len > c->cfg.ooo_max || c->stats.mem_in_use + len > c->cfg.memcap)
        return false;
    uint32_t cur = seq, end = seq + len;
    bool overlapped = false;
    gl_tcp_seg **pp = &d->ooo;
    while (SEQ_LT(cur, end)) {
        gl_tcp_seg *q = *pp;
        if (!q || SEQ_LEQ(end, q->seq)) {
            if (!insert_piece(c, d, pp, cur, data + (cur - seq), end - cur))
                return false;
            break;
        }
        uint32_t qend = q->seq + q->len;
        if (SEQ_LT(cur, q->seq)) {
            /* gap before q: insert it, then skip what q already holds */
            if (!insert_piece(c, d, pp, cur, data + (cur - seq), q->seq - cur))
                return false;
            pp = &(*pp)->next;
        }
        if (SEQ_LT(cur, qend) && SEQ_LT(q->seq, end))
            overlapped = true;
        if (SEQ_LT(cur, qend))
            cur = qend;
        pp = &q->next;
    }
    if (overlapped)
        c->stats.overlaps++;
    c->stats.ooo_queued++;
    return true;
}

/* The peer acknowledged bytes we never saw while later bytes wait in the
 * queue: they will not come (lost before our capture point), so skip them. */
static void gap_on_ack(gl_stream_ctx *c, gl_tcp_stream *s, int dir, uint32_t ack, void *user)
{
    gl_tcp_dir *d = &s->d[dir];
    if (!d->seq_known || !d->ooo || !SEQ_GT(ack, d->next_seq))
        return;
    uint32_t upto = SEQ_LT(ack, d->ooo->seq) ? ack : d->ooo->seq;
    declare_gap(c, s, dir, upto, user);
    drain(c, s, dir, user);
}

/* Deliver a segment starting at or before next_seq. Bytes already queued
 * out of order win over this copy ("first" policy): deliver only up to the
 * first queued segment, then the queue, then what is still new. */
static void deliver_in_order(gl_stream_ctx *c, gl_tcp_stream *s, int dir, uint32_t seq,
                             const uint8_t *data, uint32_t len, void *user)
{
    gl_tcp_dir *d = &s->d[dir];
    while (len > 0 && !d->stopped) {
        if (SEQ_LEQ(seq + len, d->next_seq)) {
            c->stats.retransmitted++;
            return;
        }
        if (SEQ_LT(seq, d->next_seq)) {
            uint32_t skip = d->next_seq - seq;
            c->stats.overlaps++;
            data += skip;
            len -= skip;
            seq = d->next_seq;
        }
        uint32_t n = len;
        if (d->ooo && SEQ_LT(d->ooo->seq, seq + len))
            n = d->ooo->seq - seq; /* > 0: drain() leaves the queue head beyond next_seq */
        deliver(c, s, dir, data, n, user);
        drain(c, s, dir, user);
        data += n;
        seq += n;
        len -= n;
    }
}

void gl_stream_segment(gl_stream_ctx *c, gl_tcp_stream *s, int dir, uint8_t flags, uint32_t seq,
                       uint32_t ack, const uint8_t *data, uint32_t len, void *user)
{
    gl_tcp_dir *d = &s->d[dir];

    if (flags & GL_TH_SYN) {
        seq += 1; /* SYN occupies one sequence number; any data follows it */
        if (!d->seq_known) {
            d->next_seq = seq;
            d->seq_known = 1;
        }
    }
    if ((flags & GL_TH_ACK) && !(flags & GL_TH_RST))
        gap_on_ack(c, s, !dir, ack, user);
    if (flags & GL_TH_FIN)
        d->fin = 1;
    if (len == 0)
        return;
    c->stats.segments++;
    if (!d->seq_known) {
        if (!c->cfg.midstream) {
            d->stopped = 1;
            return;
        }
        d->next_seq = seq; /* midstream pickup: start at the first byte we see */
        d->seq_known = 1;
    }
    if (d->stopped)
        return;
    if (SEQ_LEQ(seq, d->next_seq)) {
        deliver_in_order(c, s, dir, seq, data, len, user);
        return;
    }
    /* out of order: queue it; if the bounds say no, give up on the hole */
    while (!queue_ooo(c, d, seq, data, len)) {
        c->stats.memcap_drops++;
        uint32_t upto = (d->ooo && SEQ_LT(d->ooo->seq, seq)) ? d->ooo->seq : seq;
        declare_gap(c, s, dir, upto, user);
        drain(c, s, dir, user);
        if (d->stopped)
            return;
        if (SEQ_LEQ(seq, d->next_seq)) {
            deliver_in_order(c, s, dir, seq, data, len, user);
            return;
        }
    }
}

void gl_stream_finish(gl_stream_ctx *c, gl_tcp_stream *s, void *user)
{
    for (int dir = 0; dir < 2; dir++) {
        gl_tcp_dir *d = &s->d[dir];
        while (d->ooo && !d->stopped) {
            declare_gap(c, s, dir, d->ooo->seq, user);
            drain(c, s, dir, user);
        }
        free_ooo(c, d);
    }
}
