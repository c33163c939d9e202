/*
 * detect-flow.h — how the flow stage drives the detectors (detect.c).
 */
#ifndef GL_DETECT_FLOW_H
#define GL_DETECT_FLOW_H

#include "detect.h"
#include "../flow/flow.h"

/* The worker writes an alert record for flow f; fields are the members the
 * detector wrote (without braces). */
typedef void (*gl_detect_emit_fn)(void *user, gl_flow *f, const char *fields, size_t len);

/* NULL with *err set when a detector refuses to start. With no detector
 * enabled, returns a context whose calls cost nothing. */
gl_detect_ctx *gl_detect_ctx_new(const gl_detect_config *cfg, gl_detect_emit_fn emit, void *user,
                                 char *err, size_t errlen);
void gl_detect_ctx_free(gl_detect_ctx *ctx);

void gl_detect_event(gl_detect_ctx *ctx, gl_flow *f, const char *event_type, const void *facts,
                     const char *eve, size_t eve_len);
void gl_detect_packet(gl_detect_ctx *ctx, gl_flow *f, int dir, uint64_t ts_usec, uint32_t payload_len,
                      uint8_t tcp_flags);
void gl_detect_flow_end(gl_detect_ctx *ctx, gl_flow *f);

#endif
