/*
 * detect.c — the detector table and the per-flow state slots: routes app
 * events, packets of followed flows and flow ends to every enabled detector,
 * and turns their alerts into EVE records through the worker.
 */
#include "detect-flow.h"
#include "../proto/app-layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const gl_detector gl_detector_encrypted;

const gl_detector *const gl_detectors[] = {
    &gl_detector_encrypted,
    NULL,
};

#define MAX_DETECTORS 8

struct gl_detect_ctx {
    int n;                          /* detectors running */
    const gl_detector *det[MAX_DETECTORS];
    void *wstate[MAX_DETECTORS];
    gl_detect_emit_fn emit;
    void *user;
    gl_json json;
    gl_flow *cur;                   /* flow of the callback in progress */
    bool open;
};

/* Per-flow slots, allocated when the first detector follows the flow. */
typedef struct flow_slots {
    void *s[MAX_DETECTORS];
    uint8_t want_packets;   /* bit i: detector i still wants this flow's packets */
} flow_slots;

gl_detect_ctx *gl_detect_ctx_new(const gl_detect_config *cfg, gl_detect_emit_fn emit, void *user,
                                 char *err, size_t errlen)
{
    gl_detect_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctx->emit = emit;
    ctx->user = user;
    gl_json_init(&ctx->json);
    for (int i = 0; gl_detectors[i] && ctx->n < MAX_DETECTORS; i++) {
        const gl_detector *d = gl_detectors[i];
        if (strcmp(d->name, "encrypted") == 0 && !cfg->encrypted_enabled)
            continue;
        err[0] = 0;
        void *ws = d->worker_init ? d->worker_init(cfg, err, errlen) : NULL;
        if (!ws && err[0]) {
            gl_detect_ctx_free(ctx);
            return NULL;
        }
        ctx->det[ctx->n] = d;
        ctx->wstate[ctx->n] = ws;
        ctx->n++;
    }
    return ctx;
}

void gl_detect_ctx_free(gl_detect_ctx *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < ctx->n; i++)
        if (ctx->det[i]->worker_free)
            ctx->det[i]->worker_free(ctx->wstate[i]);
    gl_json_free(&ctx->json);
    free(ctx);
}

static void view_of(const gl_flow *f, gl_detect_flow *v)
{
    v->flow_id = f->flow_id;
    v->client = f->cli;
    v->server = f->srv;
    v->client_port = f->cport;
    v->server_port = f->sport;
    v->ipproto = f->proto;
    v->tcp_flags[0] = f->tcp_flags[0];
    v->tcp_flags[1] = f->tcp_flags[1];
    v->start_us = f->start_us;
    v->last_us = f->last_us;
    v->pkts[0] = f->pkts[0];
    v->pkts[1] = f->pkts[1];
    v->bytes[0] = f->bytes[0];
    v->bytes[1] = f->bytes[1];
    v->app_proto = f->app ? f->app->name : NULL;
}

void gl_detect_event(gl_detect_ctx *ctx, gl_flow *f, const char *event_type, const void *facts,
                     const char *eve, size_t eve_len)
{
    if (ctx->n == 0)
        return;
    gl_detect_flow v;
    view_of(f, &v);
    ctx->cur = f;
    for (int i = 0; i < ctx->n; i++) {
        if (!ctx->det[i]->on_event)
            continue;
        flow_slots *fs = f->detect;
        void *slot = fs ? fs->s[i] : NULL;
        ctx->det[i]->on_event(ctx, ctx->wstate[i], &v, &slot, event_type, facts, eve, eve_len);
        if (slot && !fs) {
            fs = f->detect = calloc(1, sizeof(*fs));
            if (!fs) { /* cannot follow: let the detector release it now */
                ctx->det[i]->on_flow_end(ctx, ctx->wstate[i], &v, slot);
                continue;
            }
        }
        if (fs) {
            if (slot && !fs->s[i] && ctx->det[i]->on_packet)
                fs->want_packets |= (uint8_t)(1u << i);
            fs->s[i] = slot;
        }
    }
    ctx->cur = NULL;
}

void gl_detect_packet(gl_detect_ctx *ctx, gl_flow *f, int dir, uint64_t ts_usec, uint32_t payload_len,
                      uint8_t tcp_flags)
{
    flow_slots *fs = f->detect;
    if (!fs || !fs->want_packets)
        return;
    gl_detect_flow v;
    view_of(f, &v);
    ctx->cur = f;
    for (int i = 0; i < ctx->n; i++) {
        uint8_t bit = (uint8_t)(1u << i);
        if ((fs->want_packets & bit) && fs->s[i] &&
            !ctx->det[i]->on_packet(ctx, ctx->wstate[i], &v, fs->s[i], dir, ts_usec, payload_len, tcp_flags))
            fs->want_packets &= (uint8_t)~bit;
    }
    ctx->cur = NULL;
}

void gl_detect_flow_end(gl_detect_ctx *ctx, gl_flow *f)
{
    flow_slots *fs = f->detect;
    if (!fs)
        return;
    gl_detect_flow v;
    view_of(f, &v);
    ctx->cur = f;
    for (int i = 0; i < ctx->n; i++)
        if (fs->s[i])
            ctx->det[i]->on_flow_end(ctx, ctx->wstate[i], &v, fs->s[i]);
    ctx->cur = NULL;
    free(fs);
    f->detect = NULL;
}

gl_json *gl_detect_alert_begin(gl_detect_ctx *ctx, const gl_detect_flow *f)
{
    (void)f;
    gl_json_reset(&ctx->json);
    ctx->open = true;
    return &ctx->json;
}

void gl_detect_alert_commit(gl_detect_ctx *ctx)
{
    if (!ctx->open || !ctx->cur)
        return;
    ctx->open = false;
    if (!ctx->json.oom)
        ctx->emit(ctx->user, ctx->cur, ctx->json.buf ? ctx->json.buf : "", ctx->json.len);
}
