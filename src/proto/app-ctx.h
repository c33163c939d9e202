/*
 * app-ctx.h — the concrete gl_app_ctx: what a parser writes to. The flow
 * stage fills one per flow/packet; unit tests make their own with an emit
 * callback that collects events, so parsers are testable without a flow table.
 */
#ifndef GL_APP_CTX_H
#define GL_APP_CTX_H

#include "app-layer.h"

typedef void (*gl_app_emit_fn)(void *user, const gl_app_ctx *ctx, const char *event_type,
                               gl_log_dir logdir, gl_dir dir, const char *fields, size_t len);
typedef void (*gl_app_anomaly_fn)(void *user, const gl_app_ctx *ctx, const char *event_name);

struct gl_app_ctx {
    gl_app_flow_info info;
    gl_json json;             /* reused for every event of this context */
    const char *event_type;
    gl_log_dir logdir;
    gl_dir dir;
    bool open;
    const void *facts;        /* set by gl_app_event_facts() for the open event */
    size_t detect_mem;        /* bytes held in detection buffers by this worker */
    size_t detect_memcap;     /* ... at most this; beyond, detection gives up on the flow */
    uint64_t detect_memcap_drops;
    gl_app_emit_fn emit;
    gl_app_anomaly_fn anomaly;
    void *user;
};

void gl_app_ctx_init(gl_app_ctx *ctx, gl_app_emit_fn emit, gl_app_anomaly_fn anomaly, void *user);
void gl_app_ctx_free(gl_app_ctx *ctx);

#endif
