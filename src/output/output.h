/*
 * output.h — where finished EVE records go: eve.json and the SQLite store.
 *
 * Workers compose complete EVE lines themselves (eve-header.c writes the
 * common fields) and hand them to gl_output_write() with their metadata.
 * Each worker has a gl_output_local buffer so the shared file lock is taken
 * once per ~64 KiB, not once per event.
 */
#ifndef GL_OUTPUT_H
#define GL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include "store.h"
#include "../common/gl-json.h"
#include "../common/gl-util.h"

/* Event types a user can switch on/off (output.eve.types). */
enum {
    GL_EVT_FLOW = 1 << 0, GL_EVT_DNS = 1 << 1, GL_EVT_TLS = 1 << 2, GL_EVT_HTTP = 1 << 3,
    GL_EVT_SSH = 1 << 4, GL_EVT_ANOMALY = 1 << 5, GL_EVT_STATS = 1 << 6, GL_EVT_ALERT = 1 << 7,
    GL_EVT_ALL = 0xff,
};
/* Bit of an event type name, 0 if unknown. */
unsigned gl_event_type_bit(const char *name);

typedef struct gl_output_config {
    char *dir;                /* log directory (-l) */
    bool eve_enabled;
    char *eve_filename;       /* relative to dir unless absolute; default eve.json */
    unsigned eve_types;       /* GL_EVT_* mask */
    bool ethernet;            /* add "ether" (MAC addresses) to events */
    bool tls_resumed;         /* log tls records of resumed sessions (Suricata: session-resumption) */
    bool community_id;        /* add "community_id" (Community ID v1) to flow-related events */
    unsigned community_id_seed;
    bool sqlite_enabled;
    char *sqlite_filename;    /* default guanlan.db */
    gl_store_config store;
} gl_output_config;

typedef struct gl_output_counters {
    uint64_t events[8];       /* by GL_EVT_* bit index */
    uint64_t lines, bytes, write_errors;
} gl_output_counters;

typedef struct gl_output {
    gl_output_config cfg;
    FILE *eve;
    pthread_mutex_t lock;
    gl_store *store;
    gl_output_counters c;
} gl_output;

typedef struct gl_output_local {
    char *buf;
    size_t len, cap;
    gl_output_counters c;     /* merged into the shared counters on flush */
} gl_output_local;

void gl_output_config_default(gl_output_config *cfg);
void gl_output_config_free(gl_output_config *cfg);
/* Opens eve.json (truncating) and the store. NULL + one-line reason on error. */
gl_output *gl_output_open(const gl_output_config *cfg, char *err, size_t errlen);
/* Flushes and closes everything; returns 0 when nothing was lost. */
int gl_output_close(gl_output *o);

void gl_output_local_init(gl_output_local *l);
void gl_output_local_flush(gl_output *o, gl_output_local *l);
void gl_output_local_free(gl_output *o, gl_output_local *l);

/* Emit one complete EVE record (line without newline) of event type bit. */
void gl_output_write(gl_output *o, gl_output_local *l, unsigned type_bit, const gl_event_meta *m,
                     const char *line, size_t len);

/* Common EVE header. Opens the top-level object and writes timestamp,
 * flow_id, event_type, vlan, src/dest ip and port, proto (and icmp type/code).
 * Fills meta (pointing into strbuf, which must hold 2*GL_ADDR_STRLEN). */
typedef struct gl_eve_hdr {
    uint64_t ts_usec;
    uint64_t flow_id;         /* 0: omitted */
    const char *event_type;
    const gl_addr *src, *dst; /* NULL: omitted */
    int sport, dport;         /* -1: omitted */
    uint8_t proto;
    const uint16_t *vlan;
    uint8_t vlan_count;
    int icmp_type, icmp_code; /* -1: omitted */
    const char *app_proto;    /* NULL: omitted */
} gl_eve_hdr;

void gl_eve_begin(gl_json *j, const gl_eve_hdr *h, gl_event_meta *meta, char *strbuf);
const char *gl_proto_name(uint8_t proto, char *buf8);

/* Community ID v1 string ("1:" + 28 base64 chars + NUL). */
#define GL_COMMUNITY_ID_LEN 32
void gl_community_id(unsigned seed, uint8_t proto, const gl_addr *src, const gl_addr *dst, uint16_t sport,
                     uint16_t dport, char out[GL_COMMUNITY_ID_LEN]);

#endif
