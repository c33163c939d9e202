/*
 * harness.h — shared test scaffolding for parser unit tests: feed bytes to a
 * parser through a real gl_app_ctx and collect the events it emits as JSON
 * text ({"event_type":"x","logdir":..,"dir":..,<fields>}) for assertions.
 */
#ifndef GL_TEST_HARNESS_H
#define GL_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/app-ctx.h"
#include "../../src/common/gl-json.h"

#define H_MAX_EVENTS 256

typedef struct harness {
    gl_app_ctx ctx;
    const gl_app_parser *parser;
    void *state;
    char *events[H_MAX_EVENTS];
    int n_events;
    char *anomalies[H_MAX_EVENTS];
    int n_anomalies;
} harness;

static int h_failures = 0;
static int h_checks = 0;

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        h_checks++;                                                                         \
        if (!(cond)) {                                                                      \
            h_failures++;                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);        \
        }                                                                                   \
    } while (0)

static void h_emit(void *user, const gl_app_ctx *ctx, const char *event_type, gl_log_dir logdir,
                   gl_dir dir, const char *fields, size_t len)
{
    (void)ctx;
    harness *h = user;
    if (h->n_events >= H_MAX_EVENTS)
        return;
    size_t cap = len + strlen(event_type) + 64;
    char *s = malloc(cap);
    snprintf(s, cap, "{\"event_type\":\"%s\",\"logdir\":%d,\"dir\":%d%s%.*s}", event_type,
             (int)logdir, (int)dir, len ? "," : "", (int)len, fields);
    h->events[h->n_events++] = s;
}

static void h_anomaly(void *user, const gl_app_ctx *ctx, const char *name)
{
    (void)ctx;
    harness *h = user;
    if (h->n_anomalies < H_MAX_EVENTS)
        h->anomalies[h->n_anomalies++] = strdup(name);
}

static inline void h_init(harness *h, const gl_app_parser *p, uint8_t ipproto)
{
    memset(h, 0, sizeof(*h));
    gl_app_ctx_init(&h->ctx, h_emit, h_anomaly, h);
    h->ctx.info.ipproto = ipproto;
    h->ctx.info.client_port = 40000;
    h->ctx.info.server_port = 443;
    h->parser = p;
    h->state = p->state_new();
}

static inline int h_feed(harness *h, gl_dir dir, const void *data, size_t len)
{
    return h->parser->parse(&h->ctx, h->state, dir, (const uint8_t *)data, (uint32_t)len);
}

/* Feed in chunks of `step` bytes to exercise message splitting. */
static inline int h_feed_split(harness *h, gl_dir dir, const void *data, size_t len, size_t step)
{
    int rc = GL_APP_OK;
    const uint8_t *p = data;
    for (size_t off = 0; off < len && rc == GL_APP_OK; off += step) {
        size_t n = len - off < step ? len - off : step;
        rc = h_feed(h, dir, p + off, n);
    }
    return rc;
}

static inline void h_end(harness *h)
{
    if (h->parser->flow_end)
        h->parser->flow_end(&h->ctx, h->state);
}

static inline void h_free(harness *h)
{
    h->parser->state_free(h->state);
    for (int i = 0; i < h->n_events; i++)
        free(h->events[i]);
    for (int i = 0; i < h->n_anomalies; i++)
        free(h->anomalies[i]);
    gl_app_ctx_free(&h->ctx);
}

/* Does any event contain needle? Returns index or -1. */
static inline int h_find(const harness *h, const char *needle)
{
    for (int i = 0; i < h->n_events; i++)
        if (strstr(h->events[i], needle))
            return i;
    return -1;
}

static inline int h_report(const char *name)
{
    if (h_checks == 0) {
        fprintf(stderr, "%s: no checks ran\n", name);
        return 1;
    }
    fprintf(stderr, "%s: %d checks, %d failed\n", name, h_checks, h_failures);
    return h_failures ? 1 : 0;
}

#endif
