/*
 * store.h — contract of the embedded SQLite event store (guanlan.db).
 *
 * Every EVE record the sensor writes to eve.json is also handed to the store.
 * gl_store_add() is thread-safe and cheap: it copies the record into a bounded
 * queue; one writer thread inserts queued records in batched transactions
 * (WAL mode), so a killed process loses at most the batch in flight plus what
 * was queued (both bounded by gl_store_config, documented in docs/database.md).
 */
#ifndef GL_STORE_H
#define GL_STORE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct gl_event_meta {
    uint64_t ts_usec;         /* event timestamp (packet time), microseconds since epoch */
    const char *event_type;   /* "flow", "dns", "tls", "http", "ssh", "anomaly", "stats", ... */
    uint64_t flow_id;         /* 0 when the event has none */
    const char *src_ip;       /* text form; NULL when none */
    const char *dest_ip;
    int src_port, dest_port;  /* -1 when none */
    const char *proto;        /* "TCP", "UDP", "ICMP", ... or NULL */
    const char *app_proto;    /* NULL when unknown */
} gl_event_meta;

typedef struct gl_store_config {
    const char *path;          /* database file */
    unsigned batch_events;     /* commit after this many inserts (default 2000) */
    unsigned batch_ms;         /* ... or after this many milliseconds (default 500) */
    unsigned queue_max;        /* records waiting for the writer; producers block when full,
                                * so nothing is dropped silently (default 65536) */
    bool defer_indexes;        /* a NEW database gets its secondary indexes at close, each
                                * built in one pass instead of row by row: less CPU in all
                                * but a serial tail (default off); a killed run leaves a
                                * valid db whose indexes the next open creates */
} gl_store_config;

typedef struct gl_store_stats {
    uint64_t inserted, batches, errors;
} gl_store_stats;

typedef struct gl_store gl_store;

void gl_store_config_default(gl_store_config *cfg);
/* Opens (creating schema if needed) and starts the writer thread. On error
 * returns NULL and writes a one-line reason to err. */
gl_store *gl_store_open(const gl_store_config *cfg, char *err, size_t errlen);
/* json: the complete EVE line without trailing newline. Returns 0 on success. */
int gl_store_add(gl_store *s, const gl_event_meta *m, const char *json, size_t len);
/* Flushes every queued record, stops the writer, closes the db. Returns 0 if
 * everything was written. */
int gl_store_close(gl_store *s, gl_store_stats *stats_out);

/* `guanlan query ...` subcommand (argv[0] == "query"). Returns exit status. */
int gl_cmd_query(int argc, char **argv);

#endif
