/*
 * detect.h — contract between the flow stage and detection modules.
 *
 * Data flows one way: the worker shows each detector what the sensor saw of a
 * flow — the app-layer events it logged (with the parser's structured facts),
 * the packets of flows the detector chose to follow, and the flow's end — and
 * a detector may answer with alerts, which go to the same outputs as every
 * other EVE record. Detectors never reach back into decoding or parsing.
 *
 * One file per detector under src/detect/ exports one gl_detector; detect.c
 * keeps the table and the per-flow state slots.
 *
 * Threading: worker_init() runs once per worker thread and its state is used
 * only by that worker. State shared across workers (per-host history, models
 * updated online) must do its own locking; it is touched once per session,
 * never per packet.
 */
#ifndef GL_DETECT_H
#define GL_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../common/gl-json.h"
#include "../common/gl-util.h"

/* Read-only view of a flow. Directions: 0 = client→server, 1 = server→client. */
typedef struct gl_detect_flow {
    uint64_t flow_id;
    gl_addr client, server;
    uint16_t client_port, server_port;
    uint8_t ipproto;
    uint8_t tcp_flags[2];
    uint64_t start_us, last_us;
    uint32_t pkts[2];
    uint64_t bytes[2];
    const char *app_proto;     /* "tls", "http", ... or NULL */
} gl_detect_flow;

typedef struct gl_detect_ctx gl_detect_ctx; /* one per worker, owned by detect.c */

/* Start an alert about flow f. The detector writes, into the returned writer
 * (positioned inside the top-level EVE object), the "alert" object
 * ({"action":"allowed","signature_id":N,"signature":"...","category":"...",
 * "severity":1..3}) and any extra objects (e.g. "guanlan":{...}); commit emits
 * it with the flow's common EVE header and marks the flow alerted. */
gl_json *gl_detect_alert_begin(gl_detect_ctx *ctx, const gl_detect_flow *f);
void gl_detect_alert_commit(gl_detect_ctx *ctx);

/* Configuration a detector reads at worker_init (from `detect.*` keys). */
typedef struct gl_detect_config {
    bool encrypted_enabled;
    const char *model_dir;     /* directory of model files (detect.model-dir) */
    const char *intel_file;    /* local threat-intel CSV, NULL/"" for none */
    const char *state_dir;     /* where online-learning state lives (log dir by default) */
    unsigned threshold;        /* alert threshold on the 0–100 score */
} gl_detect_config;

typedef struct gl_detector {
    const char *name;
    /* Per worker. Returns the worker state (may be NULL on purpose; set *err
     * and return NULL to refuse to start, e.g. on a corrupt model file when
     * no previous good model exists). */
    void *(*worker_init)(const gl_detect_config *cfg, char *err, size_t errlen);
    void (*worker_free)(void *wstate);
    /* An app-layer record of the flow was logged. facts is the parser's
     * structured view for that event type (for "tls": const gl_tls_facts *,
     * see proto/tls-facts.h) or NULL; eve is the EVE line written. Set
     * *fstate (initially NULL) to follow the flow: then on_packet and
     * on_flow_end are called for it. */
    void (*on_event)(gl_detect_ctx *ctx, void *wstate, const gl_detect_flow *f, void **fstate,
                     const char *event_type, const void *facts, const char *eve, size_t eve_len);
    /* Every later packet of a followed flow (payload_len may be 0), until
     * it returns false: then no more packets of this flow are shown to this
     * detector (bulk transfers cost nothing once it has what it needs);
     * on_flow_end still comes. */
    bool (*on_packet)(gl_detect_ctx *ctx, void *wstate, const gl_detect_flow *f, void *fstate, int dir,
                      uint64_t ts_usec, uint32_t payload_len, uint8_t tcp_flags);
    /* The flow ended (before its flow record is written): final verdict,
     * alerts, and freeing fstate. Called only for followed flows. */
    void (*on_flow_end)(gl_detect_ctx *ctx, void *wstate, const gl_detect_flow *f, void *fstate);
} gl_detector;

/* Table of detectors (detect.c), NULL-terminated. */
extern const gl_detector *const gl_detectors[];

#endif
