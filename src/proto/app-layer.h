/*
 * app-layer.h — contract between the stream stage and protocol parsers.
 *
 * Like nDPI, every protocol lives in one file (proto-<name>.c) that exports
 * one gl_app_parser; app-layer.c keeps the table. The stream stage hands each
 * parser the bytes of one direction in order (TCP: reassembled stream chunks
 * of arbitrary size; UDP: one datagram per call). Parsers must cope with a
 * message split at any byte boundary and must never read beyond len.
 *
 * Parsers do not know about output formats beyond EVE field names: to log a
 * transaction they open an event with gl_app_event_begin(), write their own
 * object ("dns": {...}) into the returned gl_json and commit it. The glue
 * (flow/app-layer.c) adds the common EVE header (timestamp, flow_id, addresses,
 * ports, proto) and routes the record to every output.
 */
#ifndef GL_APP_LAYER_H
#define GL_APP_LAYER_H

#include <stdint.h>
#include <stdbool.h>
#include "../common/gl-json.h"
#include "../common/gl-util.h"

typedef enum gl_dir { GL_DIR_TOSERVER = 0, GL_DIR_TOCLIENT = 1 } gl_dir;

typedef enum gl_probe_result {
    GL_PROBE_NO = 0,   /* definitely not this protocol */
    GL_PROBE_YES = 1,  /* this protocol */
    GL_PROBE_MORE = 2, /* need more bytes to decide */
    GL_PROBE_REVERSE = 3, /* this protocol, but these bytes travel the other way (e.g. a DNS
                           * response or TLS ServerHello seen as the flow's first data): the
                           * flow stage swaps client and server when the handshake was not seen */
} gl_probe_result;

/* parse() return codes */
enum {
    GL_APP_OK = 0,      /* keep sending data */
    GL_APP_DONE = 1,    /* parser has everything it wants from this flow (both directions):
                         * the stream stage stops reassembling, which is what keeps
                         * bulk TLS/SSH transfer cheap */
    GL_APP_ERROR = -1,  /* protocol violation: parser is detached, an applayer anomaly is logged */
    GL_APP_REDETECT = 2,/* the bytes after this chunk are another protocol (HTTP CONNECT tunnel,
                         * STARTTLS): the parser is finished and protocol detection runs again
                         * on the following data, so e.g. the TLS inside a CONNECT is parsed */
};

#define GL_APP_TCP 0x1
#define GL_APP_UDP 0x2

/* Which addresses an event's src/dest fields carry. */
typedef enum gl_log_dir {
    GL_LOG_FLOW = 0,   /* src = flow initiator (client), like Suricata's LOG_DIR_FLOW */
    GL_LOG_PACKET = 1, /* src = sender of the data that completed the event (dir argument) */
} gl_log_dir;

/* Read-only facts about the flow a parser may use (ports for heuristics). */
typedef struct gl_app_flow_info {
    gl_addr client, server;
    uint16_t client_port, server_port;
    uint8_t ipproto;
    uint64_t ts_usec; /* timestamp of the packet being processed */
} gl_app_flow_info;

typedef struct gl_app_ctx gl_app_ctx;

const gl_app_flow_info *gl_app_flow(const gl_app_ctx *ctx);

/* Start an event of event_type; returns a writer positioned inside the
 * top-level EVE object (add "dns": {...} etc.). Exactly one event may be open
 * at a time; call gl_app_event_commit() to emit it. */
gl_json *gl_app_event_begin(gl_app_ctx *ctx, const char *event_type, gl_log_dir logdir, gl_dir dir);
void gl_app_event_commit(gl_app_ctx *ctx);
/* Optionally, before commit: the parser's structured view of what the event
 * describes, handed to detectors with the EVE text (for "tls": a
 * gl_tls_facts, see tls-facts.h). Must stay valid until commit returns. */
void gl_app_event_facts(gl_app_ctx *ctx, const void *facts);

/* Record an application-layer anomaly (EVE anomaly, type "applayer").
 * event_name is Suricata-style, e.g. "INVALID_RECORD_TYPE". */
void gl_app_anomaly(gl_app_ctx *ctx, const char *event_name);

typedef struct gl_app_parser {
    const char *name;       /* EVE app_proto / event_type, e.g. "tls" */
    uint8_t ipprotos;       /* GL_APP_TCP | GL_APP_UDP */
    const uint16_t *ports;  /* well-known ports, 0-terminated; used only as a tie-breaker */
    /* Content-based detection on the first bytes of one direction. Must be
     * cheap and must not allocate. len may be tiny. */
    gl_probe_result (*probe)(const uint8_t *data, uint32_t len, gl_dir dir);
    void *(*state_new)(void);
    void (*state_free)(void *state);
    int (*parse)(gl_app_ctx *ctx, void *state, gl_dir dir, const uint8_t *data, uint32_t len);
    /* len bytes of this direction were lost; parser resynchronises or gives up. */
    void (*gap)(gl_app_ctx *ctx, void *state, gl_dir dir, uint32_t len);
    /* Flow is ending: log unfinished transactions (e.g. request without response). */
    void (*flow_end)(gl_app_ctx *ctx, void *state);
} gl_app_parser;

/* Parsers (one file each). */
extern const gl_app_parser gl_parser_dns;
extern const gl_app_parser gl_parser_http;
extern const gl_app_parser gl_parser_tls;
extern const gl_app_parser gl_parser_ssh;

/* Table in detection order; NULL-terminated. */
extern const gl_app_parser *const gl_app_parsers[];

#endif
