/*
 * app-layer-flow.h — how the flow stage drives the application layer:
 * stream data, gaps and datagrams in; events out through the gl_app_ctx.
 */
#ifndef GL_APP_LAYER_FLOW_H
#define GL_APP_LAYER_FLOW_H

#include "app-layer.h"
#include "../flow/flow.h"

/* Enable/disable a parser by name before any worker starts; -1 if unknown. */
int gl_app_set_enabled(const char *name, bool enabled);

/* TCP: in-order bytes of one direction. Returns false when this flow needs no
 * more stream data (parser done, failed, or nothing detected). */
bool gl_app_on_data(gl_app_ctx *ctx, gl_flow *f, int dir, const uint8_t *data, uint32_t len);
void gl_app_on_gap(gl_app_ctx *ctx, gl_flow *f, int dir, uint32_t len);
/* UDP: one datagram. */
void gl_app_on_datagram(gl_app_ctx *ctx, gl_flow *f, int dir, const uint8_t *data, uint32_t len);
/* Flow ends: parsers log unfinished transactions; all app memory is freed. */
void gl_app_flow_end(gl_app_ctx *ctx, gl_flow *f);
/* Does the first payload of a flow read as server→client for dir? (some
 * parser answers GL_PROBE_REVERSE and none GL_PROBE_YES) */
bool gl_app_probe_reverse(const gl_app_flow_info *fi, const uint8_t *data, uint32_t len, int dir);

/* EVE app_proto of the flow: parser name, "failed", or NULL (no data seen). */
const char *gl_app_proto_name(const gl_flow *f);

#endif
