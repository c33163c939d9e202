/*
 * app-ctx.c — event plumbing between parsers and whoever consumes events
 * (the flow stage in the sensor, a collector in unit tests).
 */
#include "app-ctx.h"

#include <string.h>

void gl_app_ctx_init(gl_app_ctx *ctx, gl_app_emit_fn emit, gl_app_anomaly_fn anomaly, void *user)
{
    memset(ctx, 0, sizeof(*ctx));
    gl_json_init(&ctx->json);
    ctx->emit = emit;
    ctx->anomaly = anomaly;
    ctx->user = user;
    ctx->detect_memcap = 16u << 20;
}

void gl_app_ctx_free(gl_app_ctx *ctx)
{
    gl_json_free(&ctx->json);
}

const gl_app_flow_info *gl_app_flow(const gl_app_ctx *ctx)
{
    return &ctx->info;
}

gl_json *gl_app_event_begin(gl_app_ctx *ctx, const char *event_type, gl_log_dir logdir, gl_dir dir)
{
    gl_json_reset(&ctx->json);
    ctx->event_type = event_type;
    ctx->logdir = logdir;
    ctx->dir = dir;
    ctx->open = true;
    ctx->facts = NULL;
    return &ctx->json;
}

void gl_app_event_commit(gl_app_ctx *ctx)
{
    if (!ctx->open)
        return;
    ctx->open = false;
    if (ctx->emit && !ctx->json.oom)
        ctx->emit(ctx->user, ctx, ctx->event_type, ctx->logdir, ctx->dir,
                  ctx->json.buf ? ctx->json.buf : "", ctx->json.len);
}

void gl_app_event_facts(gl_app_ctx *ctx, const void *facts)
{
    ctx->facts = facts;
}

void gl_app_anomaly(gl_app_ctx *ctx, const char *event_name)
{
    if (ctx->anomaly)
        ctx->anomaly(ctx->user, ctx, event_name);
}
