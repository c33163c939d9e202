/*
 * store-sqlite.c — the embedded SQLite event store (guanlan.db).
 *
 * Producers (packet threads) call gl_store_add(), which only copies the
 * record into a bounded FIFO queue. One writer thread drains the queue and
 * inserts with a single prepared statement inside one transaction per batch
 * (batch_events records or batch_ms milliseconds, whichever comes first).
 * Batching is what makes SQLite fast here: a commit costs a WAL append plus
 * lock traffic, so we pay it once per batch instead of once per row.
 *
 * Durability model (details in docs/database.md): WAL + synchronous=NORMAL.
 * A committed batch survives a process kill; a kill loses at most the open
 * transaction (<= batch_events rows) plus the queue (<= queue_max rows).
 * When the queue is full producers block instead of dropping.
 */
#include "output/store.h"
#include "output/store-internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Meta strings (event_type, addresses, protocol names) are short words we
 * produce ourselves; the cap only guards the queue against a caller bug. */
#define STORE_META_STR_MAX 128
/* One EVE line larger than this is refused (with an error, not silently):
 * it keeps queue memory bounded by queue_max * this in the worst case. */
#define STORE_JSON_MAX (16u * 1024u * 1024u)
/* Checkpoint once the WAL holds this many pages (16384 x 4 KiB = 64 MiB)
 * rather than SQLite's 1000: a batch of 2000 events with (ip, ts) indexes
 * dirties ~2000 scattered index pages, so with the default every commit
 * triggered a checkpoint; coalescing many commits per checkpoint cut the
 * bytes written per event from ~7 KB to ~4.6 KB in our benchmark. */
#define STORE_WAL_AUTOCHECKPOINT 16384
/* After a checkpoint the WAL file is truncated back to at most this size. */
#define STORE_WAL_SIZE_LIMIT (64 * 1024 * 1024)
/* Page cache of the writer connection, KiB: hot index pages stay resident. */
#define STORE_CACHE_KIB 32768

typedef struct store_rec {
    uint64_t ts_usec, flow_id;
    int src_port, dest_port;
    size_t json_len;
    const char *event_type, *src_ip, *dest_ip, *proto, *app_proto, *json;
    char data[]; /* the strings above point in here: one allocation per record */
} store_rec;

struct gl_store {
    sqlite3 *db;
    sqlite3_stmt *insert;
    gl_store_config cfg;
    char path[4096];
    bool indexes_deferred;  /* this run created the db: build its indexes at close */

    pthread_t writer;
    pthread_mutex_t lock;
    pthread_cond_t not_empty; /* writer waits on it (CLOCK_MONOTONIC) */
    pthread_cond_t not_full;  /* producers wait on it */
    store_rec **ring;
    size_t head, count;   /* FIFO: records live at ring[(head + i) % queue_max] */
    unsigned waiters;     /* producers blocked on a full queue */
    size_t wake_count;    /* queued records worth waking the writer for (SIZE_MAX: it is busy) */
    bool closing;

    /* writer-thread only */
    store_rec **batch;    /* records of the open transaction, freed at commit */
    store_rec **incoming; /* records just taken off the ring */
    size_t in_txn, txn_ok;
    char iso[64];         /* ts text of the last row, see iso_for() */
    uint64_t iso_sec;
    bool iso_valid;
    uint64_t txn_start_ms;

    /* written by the writer under lock, read by close after join */
    gl_store_stats stats;
};

/* ---------------------------------------------------------------- schema */

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS events ("
    "  id         INTEGER PRIMARY KEY,"
    "  ts_usec    INTEGER NOT NULL,"
    "  ts         TEXT NOT NULL,"
    "  event_type TEXT NOT NULL,"
    "  flow_id    INTEGER,"
    "  src_ip     TEXT,"
    "  src_port   INTEGER,"
    "  dest_ip    TEXT,"
    "  dest_port  INTEGER,"
    "  proto      TEXT,"
    "  app_proto  TEXT,"
    "  json       TEXT NOT NULL);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('application', 'guanlan');"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('created', strftime('%Y-%m-%dT%H:%M:%SZ','now'));";

static const char *const index_sql =
    "CREATE INDEX IF NOT EXISTS events_type_ts ON events(event_type, ts_usec);"
    "CREATE INDEX IF NOT EXISTS events_src_ts  ON events(src_ip, ts_usec);"
    "CREATE INDEX IF NOT EXISTS events_dest_ts ON events(dest_ip, ts_usec);"
    "CREATE INDEX IF NOT EXISTS events_flow    ON events(flow_id);"
    "CREATE INDEX IF NOT EXISTS events_ts      ON events(ts_usec);";

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

/* Reads a single integer from a one-row query; -1 on error. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        *out = 0;
    } else {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

int gl_store_schema_check(sqlite3 *db, char *err, size_t errlen)
{
    int64_t version, tables, ours;
    /* The first real read is where SQLite notices a non-database file. */
    if (query_int(db, "PRAGMA user_version", &version, err, errlen) < 0)
        return -1;
    if (query_int(db, "SELECT count(*) FROM sqlite_schema", &tables, err, errlen) < 0)
        return -1;
    if (tables == 0 && version == 0) {
        snprintf(err, errlen, "empty database (no guanlan schema yet)");
        return -1;
    }
    if (query_int(db,
                  "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='meta'",
                  &ours, err, errlen) < 0)
        return -1;
    if (ours == 1 &&
        query_int(db, "SELECT count(*) FROM meta WHERE key='application' AND value='guanlan'",
                  &ours, err, errlen) < 0)
        return -1;
    if (ours != 1) {
        snprintf(err, errlen, "SQLite database but not a guanlan database (no meta table)");
        return -1;
    }
    if (version > GL_STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "schema version %lld is newer than this guanlan understands (%d)",
                 (long long)version, GL_STORE_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

static int schema_ensure(sqlite3 *db, bool with_indexes, bool *was_new, char *err, size_t errlen);

int gl_store_schema_ensure(sqlite3 *db, char *err, size_t errlen)
{
    bool was_new;
    return schema_ensure(db, true, &was_new, err, errlen);
}

/* Tables always; the secondary indexes unless the caller builds them later
 * (only ever for a database this call created). */
static int schema_ensure(sqlite3 *db, bool with_indexes, bool *was_new, char *err, size_t errlen)
{
    int64_t version, tables;
    if (query_int(db, "PRAGMA user_version", &version, err, errlen) < 0)
        return -1;
    if (query_int(db, "SELECT count(*) FROM sqlite_schema", &tables, err, errlen) < 0)
        return -1;
    /* Only a brand-new file gets a schema; an existing database must
     * already be ours, so we never scribble tables into someone else's db. */
    if (tables > 0 && gl_store_schema_check(db, err, errlen) < 0)
        return -1;
    *was_new = tables == 0;
    if (!*was_new)
        with_indexes = true; /* an existing db keeps (or regains) every index */
    if (version > GL_STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "schema version %lld is newer than this guanlan understands (%d)",
                 (long long)version, GL_STORE_SCHEMA_VERSION);
        return -1;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", GL_STORE_SCHEMA_VERSION);
    if (exec_sql(db, "BEGIN IMMEDIATE", err, errlen) < 0)
        return -1;
    if (exec_sql(db, schema_sql, err, errlen) < 0 ||
        (with_indexes && exec_sql(db, index_sql, err, errlen) < 0) || exec_sql(db, sql, err, errlen) < 0 ||
        exec_sql(db,
                 "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', "
                 "(SELECT user_version FROM pragma_user_version))",
                 err, errlen) < 0) {
        char ignore[8];
        exec_sql(db, "ROLLBACK", ignore, sizeof ignore);
        return -1;
    }
    return exec_sql(db, "COMMIT", err, errlen);
}

void gl_store_format_iso(uint64_t ts_usec, char *buf, size_t buflen)
{
    time_t secs = (time_t)(ts_usec / 1000000ULL);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, buflen, "invalid");
        return;
    }
    snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(ts_usec % 1000000ULL));
}

/* ------------------------------------------------------------- open/close */

void gl_store_config_default(gl_store_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->path = "guanlan.db";
    cfg->batch_events = 2000;
    cfg->batch_ms = 500;
    cfg->queue_max = 65536;
}

static int configure_connection(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_busy_timeout(db, GL_STORE_BUSY_TIMEOUT_MS);
    sqlite3_stmt *st = NULL;
    /* journal_mode answers with the mode actually in effect: a db on a
     * filesystem without shared memory support may refuse WAL. */
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    int rc = sqlite3_step(st);
    const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    bool wal = mode && strcmp((const char *)mode, "wal") == 0;
    if (!wal)
        snprintf(err, errlen, "cannot enable WAL mode: %s",
                 rc == SQLITE_ROW ? (mode ? (const char *)mode : "?") : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (!wal)
        return -1;
    char sql[200];
    snprintf(sql, sizeof sql,
             "PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=%d; PRAGMA cache_size=-%d;"
             "PRAGMA wal_autocheckpoint=%d;",
             STORE_WAL_SIZE_LIMIT, STORE_CACHE_KIB, STORE_WAL_AUTOCHECKPOINT);
    return exec_sql(db, sql, err, errlen);
}

static const char *const insert_sql =
    "INSERT INTO events(ts_usec, ts, event_type, flow_id, src_ip, src_port, dest_ip, "
    "dest_port, proto, app_proto, json) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";

static void *writer_main(void *arg);

static void store_free(gl_store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_close(s->db);
    free(s->ring);
    free(s->batch);
    free(s->incoming);
    free(s);
}

gl_store *gl_store_open(const gl_store_config *cfg, char *err, size_t errlen)
{
    char why[512] = "";
    gl_store_config def;
    gl_store_config_default(&def);
    gl_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "store: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (!s->cfg.path || !*s->cfg.path)
        s->cfg.path = def.path;
    if (s->cfg.batch_events == 0)
        s->cfg.batch_events = def.batch_events;
    if (s->cfg.batch_ms == 0)
        s->cfg.batch_ms = def.batch_ms;
    if (s->cfg.queue_max == 0)
        s->cfg.queue_max = def.queue_max;
    snprintf(s->path, sizeof s->path, "%s", s->cfg.path);
    s->cfg.path = s->path;

    s->ring = calloc(s->cfg.queue_max, sizeof *s->ring);
    s->batch = calloc(s->cfg.batch_events, sizeof *s->batch);
    s->incoming = calloc(s->cfg.batch_events, sizeof *s->incoming);
    if (!s->ring || !s->batch || !s->incoming) {
        snprintf(err, errlen, "store: out of memory for queue of %u records", s->cfg.queue_max);
        store_free(s);
        return NULL;
    }
    /* NOMUTEX: after open the connection is used by the writer thread only. */
    int rc = sqlite3_open_v2(s->path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", s->path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        store_free(s);
        return NULL;
    }
    bool was_new = false;
    if (configure_connection(s->db, why, sizeof why) < 0 ||
        schema_ensure(s->db, !s->cfg.defer_indexes, &was_new, why, sizeof why) < 0) {
        snprintf(err, errlen, "cannot use database %s: %s", s->path, why);
        store_free(s);
        return NULL;
    }
    s->indexes_deferred = s->cfg.defer_indexes && was_new;
    if (sqlite3_prepare_v3(s->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->insert, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot prepare insert on %s: %s", s->path, sqlite3_errmsg(s->db));
        store_free(s);
        return NULL;
    }

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->not_empty, &ca);
    pthread_cond_init(&s->not_full, NULL);
    pthread_condattr_destroy(&ca);
    if ((rc = pthread_create(&s->writer, NULL, writer_main, s)) != 0) {
        snprintf(err, errlen, "cannot start store writer thread: %s", strerror(rc));
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->not_empty);
        pthread_cond_destroy(&s->not_full);
        store_free(s);
        return NULL;
    }
    return s;
}

int gl_store_close(gl_store *s, gl_store_stats *stats_out)
{
    if (!s) {
        if (stats_out)
            memset(stats_out, 0, sizeof *stats_out);
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    s->closing = true;
    pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->writer, NULL);

    if (s->indexes_deferred) {
        char why[256];
        if (exec_sql(s->db, index_sql, why, sizeof why) < 0) {
            fprintf(stderr, "guanlan: store: building indexes of %s: %s (the next open retries)\n",
                    s->path, why);
            s->stats.errors++;
        }
    }

    /* Fold the WAL back into the main file so a cleanly closed db is one
     * self-contained file; failure here loses nothing (the WAL stays). */
    sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

    gl_store_stats st = s->stats;
    if (stats_out)
        *stats_out = st;
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->not_empty);
    pthread_cond_destroy(&s->not_full);
    store_free(s);
    return st.errors == 0 ? 0 : -1;
}

/* --------------------------------------------------------------- producer */

static size_t bounded_len(const char *str)
{
    return str ? strnlen(str, STORE_META_STR_MAX) : 0;
}

/* Copies str (truncated to len) into *cursor and returns where it went. */
static const char *pack_str(char **cursor, const char *str, size_t len)
{
    if (!str)
        return NULL;
    char *dst = *cursor;
    memcpy(dst, str, len);
    dst[len] = '\0';
    *cursor += len + 1;
    return dst;
}

static store_rec *rec_copy(const gl_event_meta *m, const char *json, size_t len)
{
    size_t l_type = bounded_len(m->event_type), l_src = bounded_len(m->src_ip),
           l_dst = bounded_len(m->dest_ip), l_proto = bounded_len(m->proto),
           l_app = bounded_len(m->app_proto);
    size_t total = sizeof(store_rec) + l_type + l_src + l_dst + l_proto + l_app + len + 6;
    store_rec *r = malloc(total);
    if (!r)
        return NULL;
    char *cur = r->data;
    r->ts_usec = m->ts_usec;
    r->flow_id = m->flow_id;
    r->src_port = m->src_port;
    r->dest_port = m->dest_port;
    r->event_type = pack_str(&cur, m->event_type ? m->event_type : "unknown",
                             m->event_type ? l_type : 7);
    r->src_ip = pack_str(&cur, m->src_ip, l_src);
    r->dest_ip = pack_str(&cur, m->dest_ip, l_dst);
    r->proto = pack_str(&cur, m->proto, l_proto);
    r->app_proto = pack_str(&cur, m->app_proto, l_app);
    memcpy(cur, json, len);
    cur[len] = '\0';
    r->json = cur;
    r->json_len = len;
    return r;
}

int gl_store_add(gl_store *s, const gl_event_meta *m, const char *json, size_t len)
{
    if (!s || !m || (!json && len))
        return -1;
    if (!json)
        json = "";
    if (len > STORE_JSON_MAX) {
        pthread_mutex_lock(&s->lock);
        s->stats.errors++;
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    /* Copy outside the lock: producers contend only for the ring slot. */
    store_rec *r = rec_copy(m, json, len);
    pthread_mutex_lock(&s->lock);
    if (!r || s->closing) {
        s->stats.errors++;
        pthread_mutex_unlock(&s->lock);
        free(r);
        return -1;
    }
    /* Back-pressure rather than loss: wait for the writer to make room.
     * The writer does not exit while anyone waits here, even when closing. */
    s->waiters++;
    while (s->count == s->cfg.queue_max)
        pthread_cond_wait(&s->not_full, &s->lock);
    s->waiters--;
    s->ring[(s->head + s->count) % s->cfg.queue_max] = r;
    s->count++;
    /* Wake the writer only when what it waits for is there: a first record
     * when it sleeps with no transaction open, or enough to fill the open
     * batch (otherwise its batch deadline wakes it). Signalling every record
     * cost the packet thread a futex call and a context switch per event. */
    if (s->count >= s->wake_count)
        pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* ----------------------------------------------------------------- writer */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_store_error(gl_store *s, const char *what)
{
    /* Rate-limited: a full disk would otherwise print once per batch. */
    static const uint64_t every = 100;
    if (s->stats.errors < every || s->stats.errors % every == 0)
        fprintf(stderr, "guanlan: store %s: %s: %s\n", s->path, what, sqlite3_errmsg(s->db));
}

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *v)
{
    if (v)
        sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

static void bind_port(sqlite3_stmt *st, int col, int port)
{
    if (port >= 0)
        sqlite3_bind_int(st, col, port);
    else
        sqlite3_bind_null(st, col);
}

/* The ts column text. Events arrive in near time order, so the formatted
 * second ("2024-01-02T03:04:05.") is reused and only the microseconds are
 * rewritten: gmtime + printf per row showed up in profiles. */
static const char *iso_for(gl_store *s, uint64_t ts_usec)
{
    uint64_t sec = ts_usec / 1000000u;
    if (!s->iso_valid || sec != s->iso_sec) {
        gl_store_format_iso(sec * 1000000u, s->iso, sizeof s->iso);
        s->iso_sec = sec;
        s->iso_valid = strlen(s->iso) == 27; /* YYYY-MM-DDTHH:MM:SS.uuuuuuZ */
        if (!s->iso_valid) {
            gl_store_format_iso(ts_usec, s->iso, sizeof s->iso);
            return s->iso;
        }
    }
    uint32_t us = (uint32_t)(ts_usec % 1000000u);
    for (int i = 25; i >= 20; i--, us /= 10)
        s->iso[i] = (char)('0' + us % 10);
    return s->iso;
}

static int insert_rec(gl_store *s, const store_rec *r)
{
    sqlite3_stmt *st = s->insert;
    const char *iso = iso_for(s, r->ts_usec);
    /* SQLITE_STATIC is safe: every buffer outlives the step below. */
    sqlite3_bind_int64(st, 1, (sqlite3_int64)r->ts_usec);
    sqlite3_bind_text(st, 2, iso, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->event_type, -1, SQLITE_STATIC);
    if (r->flow_id)
        sqlite3_bind_int64(st, 4, (sqlite3_int64)r->flow_id);
    else
        sqlite3_bind_null(st, 4);
    bind_text_or_null(st, 5, r->src_ip);
    bind_port(st, 6, r->src_port);
    bind_text_or_null(st, 7, r->dest_ip);
    bind_port(st, 8, r->dest_port);
    bind_text_or_null(st, 9, r->proto);
    bind_text_or_null(st, 10, r->app_proto);
    sqlite3_bind_text(st, 11, r->json, (int)r->json_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void free_batch(gl_store *s)
{
    for (size_t i = 0; i < s->in_txn; i++)
        free(s->batch[i]);
    s->in_txn = 0;
    s->txn_ok = 0;
}

/* Inserts records taken off the queue into the open transaction (opening
 * one if needed). Records are kept until commit so that the statements'
 * SQLITE_STATIC bindings never dangle and a failed commit knows its size. */
static void insert_records(gl_store *s, store_rec **recs, size_t n)
{
    if (n == 0)
        return;
    if (s->in_txn == 0) {
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            pthread_mutex_lock(&s->lock);
            s->stats.errors += n;
            log_store_error(s, "begin failed, records lost");
            pthread_mutex_unlock(&s->lock);
            for (size_t i = 0; i < n; i++)
                free(recs[i]);
            return;
        }
        s->txn_start_ms = now_ms();
    }
    uint64_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (insert_rec(s, recs[i]) < 0)
            failed++;
        else
            s->txn_ok++;
        s->batch[s->in_txn++] = recs[i];
    }
    if (failed) {
        pthread_mutex_lock(&s->lock);
        s->stats.errors += failed;
        log_store_error(s, "insert failed");
        pthread_mutex_unlock(&s->lock);
    }
}

static void commit_batch(gl_store *s)
{
    if (s->in_txn == 0)
        return;
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    pthread_mutex_lock(&s->lock);
    if (rc == SQLITE_OK) {
        s->stats.inserted += s->txn_ok;
        s->stats.batches++;
    } else {
        s->stats.errors += s->txn_ok;
        log_store_error(s, "commit failed, batch lost");
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != SQLITE_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    free_batch(s);
}

/* Moves up to max records from the ring into out; caller holds the lock. */
static size_t take_records(gl_store *s, store_rec **out, size_t max)
{
    size_t n = s->count < max ? s->count : max;
    for (size_t i = 0; i < n; i++) {
        out[i] = s->ring[s->head];
        s->head = (s->head + 1) % s->cfg.queue_max;
    }
    s->count -= n;
    if (n && s->waiters)
        pthread_cond_broadcast(&s->not_full);
    return n;
}

static void deadline_to_timespec(uint64_t deadline_ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(deadline_ms / 1000u);
    ts->tv_nsec = (long)(deadline_ms % 1000u) * 1000000L;
}

/* Sleeps until there is work: queued records, an expired batch deadline, or
 * a close with nobody left blocked in gl_store_add. Caller holds the lock. */
static void wait_for_work(gl_store *s)
{
    while (s->count == 0 && !(s->closing && s->waiters == 0)) {
        if (s->in_txn == 0) {
            s->wake_count = 1;
            pthread_cond_wait(&s->not_empty, &s->lock);
            continue;
        }
        uint64_t deadline = s->txn_start_ms + s->cfg.batch_ms;
        if (now_ms() >= deadline)
            break;
        s->wake_count = s->in_txn < s->cfg.batch_events ? s->cfg.batch_events - s->in_txn : 1;
        struct timespec ts;
        deadline_to_timespec(deadline, &ts);
        pthread_cond_timedwait(&s->not_empty, &s->lock, &ts);
    }
    s->wake_count = SIZE_MAX;
}

static bool batch_due(const gl_store *s)
{
    return s->in_txn >= s->cfg.batch_events ||
           (s->in_txn > 0 && now_ms() >= s->txn_start_ms + s->cfg.batch_ms);
}

static void *writer_main(void *arg)
{
    gl_store *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        wait_for_work(s);
        /* Fill the open transaction up to batch_events, never beyond: the
         * in-flight loss on a kill stays bounded by batch_events. */
        size_t n = take_records(s, s->incoming, s->cfg.batch_events - s->in_txn);
        bool finished = s->count == 0 && s->closing && s->waiters == 0;
        pthread_mutex_unlock(&s->lock);

        insert_records(s, s->incoming, n);
        if (finished) {
            commit_batch(s);
            break;
        }
        if (batch_due(s))
            commit_batch(s);
    }
    return NULL;
}
