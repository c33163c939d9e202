/*
 * con-sync.c — summary tables that keep the overview and the alert list
 * fast on a large guanlan.db (10 million events): counts per minute and per
 * hour by event type and protocol, flows and bytes per host per hour, TLS
 * fingerprints per hour, and one row per alert with its filter columns
 * pulled out of the EVE JSON (category, severity, score) and indexed.
 *
 * Why summaries and not more indexes on events: the events table belongs to
 * the sensor's writer, and every index there slows every insert; grouping
 * ten million rows per request is far over the 200 ms budget whatever the
 * index. Summaries are folded in incrementally by event id (the cursor in
 * console_sync), in bounded chunks, each chunk one transaction, either by
 * a background thread (the server) or before a query (tests, small dbs).
 */
#include "console/con-internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 100000

/* ?1 = first id (exclusive), ?2 = last id (inclusive). json_valid() guards
 * every json_extract: a malformed row written by something else must not
 * stop the summaries. */
static const char *const FOLD_SQL[] = {
    "INSERT INTO console_ev_min(minute, event_type, proto, n)"
    " SELECT ts_usec / 60000000, event_type, coalesce(app_proto, proto, '-'), count(*) FROM events"
    " WHERE id > ?1 AND id <= ?2 GROUP BY 1, 2, 3"
    " ON CONFLICT(minute, event_type, proto) DO UPDATE SET n = n + excluded.n",

    "INSERT INTO console_ev_hour(hour, event_type, proto, n)"
    " SELECT ts_usec / 3600000000, event_type, coalesce(app_proto, proto, '-'), count(*) FROM events"
    " WHERE id > ?1 AND id <= ?2 GROUP BY 1, 2, 3"
    " ON CONFLICT(hour, event_type, proto) DO UPDATE SET n = n + excluded.n",

    "INSERT INTO console_talkers_hour(hour, ip, n)"
    " SELECT h, ip, count(*) FROM ("
    "   SELECT ts_usec / 3600000000 AS h, src_ip AS ip FROM events"
    "    WHERE id > ?1 AND id <= ?2 AND event_type = 'flow' AND src_ip IS NOT NULL"
    "   UNION ALL"
    "   SELECT ts_usec / 3600000000, dest_ip FROM events"
    "    WHERE id > ?1 AND id <= ?2 AND event_type = 'flow' AND dest_ip IS NOT NULL)"
    " WHERE true GROUP BY 1, 2"
    " ON CONFLICT(hour, ip) DO UPDATE SET n = n + excluded.n",

    "INSERT INTO console_tls_hour(hour, kind, fp, n)"
    " SELECT h, kind, fp, count(*) FROM ("
    "   SELECT ts_usec / 3600000000 AS h, 'ja3' AS kind, json_extract(json, '$.tls.ja3.hash') AS fp FROM events"
    "    WHERE id > ?1 AND id <= ?2 AND event_type = 'tls' AND json_valid(json)"
    "   UNION ALL"
    "   SELECT ts_usec / 3600000000, 'ja4', json_extract(json, '$.tls.ja4') FROM events"
    "    WHERE id > ?1 AND id <= ?2 AND event_type = 'tls' AND json_valid(json))"
    " WHERE typeof(fp) = 'text' AND length(fp) BETWEEN 1 AND 128 GROUP BY 1, 2, 3"
    " ON CONFLICT(hour, kind, fp) DO UPDATE SET n = n + excluded.n",

    /* top 100 per hour of the hours this chunk touched, recomputed from the
     * exact per-hour tables: keeps "top talkers / fingerprints over a range"
     * a sum over at most 100 rows per hour whatever the address count */
    "DELETE FROM console_talkers_top WHERE hour IN"
    " (SELECT DISTINCT ts_usec / 3600000000 FROM events WHERE id > ?1 AND id <= ?2 AND event_type = 'flow')",

    "INSERT INTO console_talkers_top(hour, ip, n) SELECT hour, ip, n FROM"
    " (SELECT hour, ip, n, row_number() OVER (PARTITION BY hour ORDER BY n DESC, ip) AS r"
    "  FROM console_talkers_hour WHERE hour IN"
    "  (SELECT DISTINCT ts_usec / 3600000000 FROM events WHERE id > ?1 AND id <= ?2 AND event_type = 'flow'))"
    " WHERE r <= 100",

    "DELETE FROM console_tls_top WHERE hour IN"
    " (SELECT DISTINCT ts_usec / 3600000000 FROM events WHERE id > ?1 AND id <= ?2 AND event_type = 'tls')",

    "INSERT INTO console_tls_top(hour, kind, fp, n) SELECT hour, kind, fp, n FROM"
    " (SELECT hour, kind, fp, n, row_number() OVER (PARTITION BY hour, kind ORDER BY n DESC, fp) AS r"
    "  FROM console_tls_hour WHERE hour IN"
    "  (SELECT DISTINCT ts_usec / 3600000000 FROM events WHERE id > ?1 AND id <= ?2 AND event_type = 'tls'))"
    " WHERE r <= 100",

    /* a malformed alert row is still listed (its columns), with no JSON fields;
     * CASE evaluates lazily, so json_extract never sees invalid JSON */
    "INSERT OR IGNORE INTO console_alerts(event_id, ts_usec, flow_id, src_ip, src_port, dest_ip, dest_port,"
    " proto, app_proto, signature, signature_id, category, severity, score)"
    " SELECT id, ts_usec, flow_id, src_ip, src_port, dest_ip, dest_port, proto, app_proto,"
    "  CASE WHEN ok THEN CASE WHEN typeof(json_extract(json, '$.alert.signature')) = 'text'"
    "       THEN substr(json_extract(json, '$.alert.signature'), 1, 512) END END,"
    "  CASE WHEN ok THEN CASE WHEN typeof(json_extract(json, '$.alert.signature_id')) = 'integer'"
    "       THEN json_extract(json, '$.alert.signature_id') END END,"
    "  CASE WHEN ok THEN CASE WHEN typeof(json_extract(json, '$.alert.category')) = 'text'"
    "       THEN substr(json_extract(json, '$.alert.category'), 1, 256) END END,"
    "  CASE WHEN ok THEN CASE WHEN typeof(json_extract(json, '$.alert.severity')) = 'integer'"
    "       THEN json_extract(json, '$.alert.severity') END END,"
    "  CASE WHEN ok THEN CASE WHEN typeof(json_extract(json, '$.guanlan.encrypted.score')) IN ('integer', 'real')"
    "       THEN CAST(json_extract(json, '$.guanlan.encrypted.score') AS INTEGER) END END"
    " FROM (SELECT *, json_valid(json) AS ok FROM events WHERE id > ?1 AND id <= ?2 AND event_type = 'alert')",
};

static bool query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = con_prepare(db, sql);
    bool ok = st && sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok;
}

static bool fold(sqlite3 *db, int64_t lo, int64_t hi)
{
    for (size_t i = 0; i < sizeof(FOLD_SQL) / sizeof(FOLD_SQL[0]); i++) {
        sqlite3_stmt *st = con_prepare(db, FOLD_SQL[i]);
        if (!st)
            return false;
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "guanlan console: summary: %s\n", sqlite3_errmsg(db));
            return false;
        }
    }
    sqlite3_stmt *st = con_prepare(db, "INSERT INTO console_sync(id, last_event_id) VALUES (1, ?1)"
                                       " ON CONFLICT(id) DO UPDATE SET last_event_id = excluded.last_event_id");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, hi);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

int64_t gl_con_sync(sqlite3 *db, int64_t max_rows)
{
    int64_t done = 0;
    for (;;) {
        int64_t lo = 0, top = 0;
        if (!con_exec(db, "BEGIN IMMEDIATE"))
            return done ? done : -1;
        if (!query_int(db, "SELECT coalesce((SELECT last_event_id FROM console_sync WHERE id = 1), 0)", &lo) ||
            !query_int(db, "SELECT coalesce(max(id), 0) FROM events", &top)) {
            con_exec(db, "ROLLBACK");
            return -1;
        }
        int64_t hi = top;
        int64_t room = max_rows ? max_rows - done : CHUNK;
        if (hi - lo > CHUNK)
            hi = lo + CHUNK;
        if (hi - lo > room)
            hi = lo + room;
        if (hi <= lo) {
            con_exec(db, "COMMIT");
            return done;
        }
        if (!fold(db, lo, hi) || !con_exec(db, "COMMIT")) {
            con_exec(db, "ROLLBACK");
            return done ? done : -1;
        }
        done += hi - lo;
        if (max_rows && done >= max_rows)
            return done;
    }
}

/* Events in the database the summaries do not include yet. */
int64_t con_sync_lag(sqlite3 *db)
{
    int64_t lo = 0, top = 0;
    query_int(db, "SELECT coalesce((SELECT last_event_id FROM console_sync WHERE id = 1), 0)", &lo);
    query_int(db, "SELECT coalesce(max(id), 0) FROM events", &top);
    return top > lo ? top - lo : 0;
}

static void *sync_main(void *arg)
{
    gl_console *c = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(c->db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "guanlan console: summary thread: cannot open %s\n", c->db_path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    while (!c->sync_stop) {
        int64_t n = gl_con_sync(db, CHUNK);
        if (n <= 0)
            for (int i = 0; i < 10 && !c->sync_stop; i++)
                usleep(100 * 1000);
    }
    sqlite3_close(db);
    return NULL;
}

bool con_sync_start(gl_console *c)
{
    c->sync_stop = 0;
    if (pthread_create(&c->sync_thread, NULL, sync_main, c) != 0)
        return false;
    c->sync_running = true;
    return true;
}

void con_sync_stop(gl_console *c)
{
    if (!c->sync_running)
        return;
    c->sync_stop = 1;
    pthread_join(c->sync_thread, NULL);
    c->sync_running = false;
}
