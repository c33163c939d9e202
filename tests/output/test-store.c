/*
 * test-store.c — unit tests of the SQLite event store and `guanlan query`.
 *
 * Rows are written through the store API and read back through raw sqlite3
 * calls (an independent path); expected column values are derived by hand
 * from how each test event was generated, never from our own output.
 * Time oracle: 1704164645 is 2024-01-02T03:04:05Z (checked with GNU
 * `date -u -d @1704164645`).
 */
#include "output/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (0)

#define BASE_SEC 1704164645ULL /* 2024-01-02T03:04:05Z */

static char tmpdir[256];

static void path_in_tmp(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* ------------------------------------------------------ raw sqlite oracle */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "raw open %s: %s\n", path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (db && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "raw_int(%s): %s\n", sql, db ? sqlite3_errmsg(db) : "no db");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static bool col_eq_text(sqlite3_stmt *st, int col, const char *want)
{
    const char *got = (const char *)sqlite3_column_text(st, col);
    if (!want)
        return sqlite3_column_type(st, col) == SQLITE_NULL;
    return got && strcmp(got, want) == 0;
}

static bool col_eq_int(sqlite3_stmt *st, int col, int64_t want, bool null_expected)
{
    if (null_expected)
        return sqlite3_column_type(st, col) == SQLITE_NULL;
    return sqlite3_column_type(st, col) == SQLITE_INTEGER && sqlite3_column_int64(st, col) == want;
}

/* --------------------------------------------- generated events (t, i) */

static const char *const gen_types[4] = { "flow", "dns", "tls", "http" };

typedef struct gen_event {
    gl_event_meta m;
    char src[32], dst[32], json[256], ts[64];
} gen_event;

/* Event number i of producer t. Every column is a simple function of (t,i)
 * so the verifier can recompute it independently. */
static void gen_make(gen_event *e, int t, int i)
{
    memset(e, 0, sizeof *e);
    snprintf(e->src, sizeof e->src, "10.%d.%d.%d", t, (i >> 8) & 255, i & 255);
    snprintf(e->dst, sizeof e->dst, "2001:db8::%x", i + 1);
    e->m.ts_usec = (BASE_SEC + (uint64_t)t) * 1000000ULL + (uint64_t)i;
    e->m.event_type = gen_types[i % 4];
    e->m.flow_id = (uint64_t)t * 1000000ULL + (uint64_t)i + 1;
    e->m.src_ip = e->src;
    e->m.dest_ip = i % 5 == 0 ? NULL : e->dst;
    e->m.src_port = i % 7 == 0 ? -1 : 1024 + i % 60000;
    e->m.dest_port = i % 7 == 0 ? -1 : 53;
    e->m.proto = i % 2 ? "UDP" : "TCP";
    e->m.app_proto = i % 3 == 0 ? NULL : "dns";
    snprintf(e->json, sizeof e->json,
             "{\"t\":%d,\"i\":%d,\"event_type\":\"%s\",\"note\":\"it's \\\"quoted\\\"\"}", t, i,
             gen_types[i % 4]);
    /* 03:04:05 + t seconds; i < 1e6 is the microsecond part */
    snprintf(e->ts, sizeof e->ts, "2024-01-02T03:04:%02d.%06dZ", 5 + t, i);
}

typedef struct producer_arg {
    gl_store *s;
    int t, n, failed;
} producer_arg;

static void *producer_main(void *p)
{
    producer_arg *a = p;
    for (int i = 0; i < a->n; i++) {
        gen_event e;
        gen_make(&e, a->t, i);
        if (gl_store_add(a->s, &e.m, e.json, strlen(e.json)) != 0)
            a->failed++;
    }
    return NULL;
}

/* Runs nthreads producers of n events each into s; returns failures. */
static int produce(gl_store *s, int nthreads, int n)
{
    pthread_t th[16];
    producer_arg args[16];
    int failed = 0;
    for (int t = 0; t < nthreads; t++) {
        args[t] = (producer_arg){ .s = s, .t = t, .n = n };
        pthread_create(&th[t], NULL, producer_main, &args[t]);
    }
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        failed += args[t].failed;
    }
    return failed;
}

/* Checks every row against gen_make(t, i) recomputed from flow_id, that each
 * (t, i) appears exactly once, and per-producer FIFO order (id grows with i). */
static void verify_generated(const char *path, int nthreads, int n)
{
    sqlite3 *db = raw_open(path);
    CHECK(db != NULL);
    if (!db)
        return;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT id, ts_usec, ts, event_type, flow_id, src_ip, src_port, "
                                "dest_ip, dest_port, proto, app_proto, json FROM events ORDER BY id",
                                -1, &st, NULL);
    CHECK(rc == SQLITE_OK);
    unsigned char *seen = calloc((size_t)nthreads * (size_t)n, 1);
    int64_t *last_id = calloc((size_t)nthreads, sizeof *last_id);
    int rows = 0, bad = 0, dup = 0, order = 0;
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        int64_t fid = sqlite3_column_int64(st, 4);
        int t = (int)((fid - 1) / 1000000), i = (int)((fid - 1) % 1000000);
        if (t < 0 || t >= nthreads || i >= n) {
            bad++;
            continue;
        }
        gen_event e;
        gen_make(&e, t, i);
        bool ok = col_eq_int(st, 1, (int64_t)e.m.ts_usec, false) && col_eq_text(st, 2, e.ts) &&
                  col_eq_text(st, 3, e.m.event_type) && col_eq_text(st, 5, e.m.src_ip) &&
                  col_eq_int(st, 6, e.m.src_port, e.m.src_port < 0) &&
                  col_eq_text(st, 7, e.m.dest_ip) &&
                  col_eq_int(st, 8, e.m.dest_port, e.m.dest_port < 0) &&
                  col_eq_text(st, 9, e.m.proto) && col_eq_text(st, 10, e.m.app_proto) &&
                  col_eq_text(st, 11, e.json);
        if (!ok && bad < 3)
            fprintf(stderr, "row id %lld (t=%d i=%d) differs\n",
                    (long long)sqlite3_column_int64(st, 0), t, i);
        bad += !ok;
        if (seen[(size_t)t * (size_t)n + (size_t)i]++)
            dup++;
        int64_t id = sqlite3_column_int64(st, 0);
        if (id <= last_id[t])
            order++;
        last_id[t] = id;
    }
    CHECK(rows == nthreads * n);
    CHECK(bad == 0);
    CHECK(dup == 0);
    CHECK(order == 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(seen);
    free(last_id);
}

/* ------------------------------------------------------------- API tests */

static void test_multithread_insert(void)
{
    char path[512];
    path_in_tmp(path, sizeof path, "mt.db");
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    char err[512] = "";
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "open: %s\n", err);
        return;
    }
    enum { THREADS = 4, PER = 50000 };
    double t0 = now_sec();
    CHECK(produce(s, THREADS, PER) == 0);
    gl_store_stats st;
    CHECK(gl_store_close(s, &st) == 0);
    double dt = now_sec() - t0;
    fprintf(stderr, "multithread: %d rows in %.3f s = %.0f rows/s, %llu batches\n",
            THREADS * PER, dt, THREADS * PER / dt, (unsigned long long)st.batches);
    CHECK(st.inserted == THREADS * PER);
    CHECK(st.errors == 0);
    /* 200000 rows in batches of <= 2000 need at least 100 commits */
    CHECK(st.batches >= 100);
    verify_generated(path, THREADS, PER);
    CHECK(raw_int(path, "PRAGMA user_version") == 1);
    CHECK(raw_int(path, "SELECT count(*) FROM meta WHERE key='application' AND value='guanlan'") == 1);
    /* The indexes the query patterns need exist. */
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE type='index' AND name IN "
                        "('events_type_ts','events_src_ts','events_dest_ts','events_flow',"
                        "'events_ts')") == 5);
    CHECK(raw_int(path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode='wal'") == 1);

    /* Reopen the existing database: rows are kept and appended to. */
    s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        gen_event e;
        gen_make(&e, 9, 0);
        for (int k = 0; k < 10; k++)
            CHECK(gl_store_add(s, &e.m, e.json, strlen(e.json)) == 0);
        CHECK(gl_store_close(s, &st) == 0);
        CHECK(st.inserted == 10);
    }
    CHECK(raw_int(path, "SELECT count(*) FROM events") == THREADS * PER + 10);
    CHECK(raw_int(path, "SELECT count(*) FROM events WHERE flow_id = 9000001") == 10);
}

/* Commit by count: with batch_events=100 and a one-minute batch_ms, 250 rows
 * become visible as exactly 200 (two full batches); the last 50 only at close. */
static void test_batch_by_count(void)
{
    char path[512];
    path_in_tmp(path, sizeof path, "count.db");
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    cfg.batch_events = 100;
    cfg.batch_ms = 60000;
    char err[512] = "";
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(produce(s, 1, 250) == 0);
    int64_t visible = -1;
    for (int w = 0; w < 250 && visible != 200; w++) {
        sleep_ms(20);
        visible = raw_int(path, "SELECT count(*) FROM events");
    }
    CHECK(visible == 200);
    sleep_ms(300);
    CHECK(raw_int(path, "SELECT count(*) FROM events") == 200);
    gl_store_stats st;
    CHECK(gl_store_close(s, &st) == 0);
    CHECK(st.inserted == 250);
    CHECK(st.batches == 3);
    verify_generated(path, 1, 250);
}

/* Commit by time: batch_events is huge, batch_ms=300, so 10 rows appear only
 * after about 300 ms, in one batch. */
static void test_batch_by_time(void)
{
    char path[512];
    path_in_tmp(path, sizeof path, "time.db");
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    cfg.batch_events = 1000000;
    cfg.batch_ms = 300;
    char err[512] = "";
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    double t0 = now_sec();
    CHECK(produce(s, 1, 10) == 0);
    int64_t early = raw_int(path, "SELECT count(*) FROM events");
    double t_early = now_sec() - t0;
    if (t_early < 0.2) /* only meaningful if this thread was not descheduled */
        CHECK(early == 0);
    int64_t visible = 0;
    double t_seen = 0;
    while (visible != 10 && now_sec() - t0 < 5) {
        sleep_ms(10);
        visible = raw_int(path, "SELECT count(*) FROM events");
        t_seen = now_sec() - t0;
    }
    CHECK(visible == 10);
    CHECK(t_seen >= 0.25); /* the 300 ms batch timer, minus the first add's lead */
    CHECK(t_seen < 3.0);
    gl_store_stats st;
    CHECK(gl_store_close(s, &st) == 0);
    CHECK(st.inserted == 10);
    CHECK(st.batches == 1);
}

/* A 4-slot queue with 3 fast producers: producers block constantly; every
 * row must still arrive exactly once, in per-producer order. */
static void test_queue_full_blocks(void)
{
    char path[512];
    path_in_tmp(path, sizeof path, "full.db");
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    cfg.queue_max = 4;
    cfg.batch_events = 3;
    char err[512] = "";
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(produce(s, 3, 3000) == 0);
    gl_store_stats st;
    CHECK(gl_store_close(s, &st) == 0);
    CHECK(st.inserted == 9000);
    CHECK(st.errors == 0);
    CHECK(st.batches >= 3000); /* <= 3 rows per batch */
    verify_generated(path, 3, 3000);
}

static bool write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static void test_refuse_foreign_files(void)
{
    char path[512], err[512] = "";
    gl_store_config cfg;
    gl_store_config_default(&cfg);

    /* A text file: SQLite's header check fails; the file must stay intact. */
    path_in_tmp(path, sizeof path, "notadb.txt");
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = "this is not a database\n"[i % 23];
    CHECK(write_file(path, junk, sizeof junk));
    cfg.path = path;
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s == NULL);
    CHECK(strstr(err, "not a database") != NULL);
    CHECK(strstr(err, path) != NULL);
    CHECK(strchr(err, '\n') == NULL);
    fprintf(stderr, "expected refusal: %s\n", err);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && sb.st_size == (off_t)sizeof junk);
    if (s)
        gl_store_close(s, NULL);

    /* Another application's SQLite database: refused, not extended. */
    path_in_tmp(path, sizeof path, "other.db");
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "CREATE TABLE foo(x); INSERT INTO foo VALUES (1);", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(db);
    err[0] = '\0';
    cfg.path = path;
    s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s == NULL);
    CHECK(strstr(err, "not a guanlan database") != NULL);
    fprintf(stderr, "expected refusal: %s\n", err);
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE name='events'") == 0);
    if (s)
        gl_store_close(s, NULL);

    /* A directory that does not exist. */
    path_in_tmp(path, sizeof path, "no/such/dir/guanlan.db");
    err[0] = '\0';
    cfg.path = path;
    s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s == NULL);
    CHECK(strstr(err, "cannot open database") != NULL);
    if (s)
        gl_store_close(s, NULL);
}

/* ------------------------------------------------------------ query tests */

typedef struct qresult {
    int rc;
    char out[65536];
    char errout[4096];
} qresult;

static void read_all(FILE *f, char *buf, size_t len)
{
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
}

/* Runs gl_cmd_query("query", args..., NULL) capturing stdout and stderr. */
static void run_query(qresult *r, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "query";
    va_list ap;
    va_start(ap, r);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && argc < 63)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;

    fflush(stdout);
    fflush(stderr);
    FILE *fo = tmpfile(), *fe = tmpfile();
    int so = dup(1), se = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    r->rc = gl_cmd_query(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    read_all(fo, r->out, sizeof r->out);
    read_all(fe, r->errout, sizeof r->errout);
    fclose(fo);
    fclose(fe);
}

/* The hand-made query fixture. Times are BASE (03:04:05Z) + minutes. */
typedef struct qev {
    int minute;
    const char *type, *src, *dst;
    int sport, dport;
    uint64_t flow;
    const char *proto, *app, *json;
} qev;

static const qev qevents[] = {
    /* 0 */ { 0, "dns", "10.0.0.1", "10.0.0.53", 40000, 53, 11, "UDP", "dns",
              "{\"event_type\":\"dns\",\"dns\":{\"type\":\"query\",\"rrname\":\"a.example\",\"rrtype\":\"A\"}}" },
    /* 1 */ { 1, "tls", "10.0.0.2", "192.0.2.7", 50000, 443, 12, "TCP", "tls",
              "{\"event_type\":\"tls\",\"tls\":{\"sni\":\"x.example\",\"version\":\"TLS 1.3\"}}" },
    /* 2 */ { 2, "dns", "10.0.0.53", "10.0.0.1", 53, 40000, 11, "UDP", "dns",
              "{\"event_type\":\"dns\",\"dns\":{\"type\":\"answer\",\"rrname\":\"a.example\",\"rcode\":\"NOERROR\"}}" },
    /* 3 */ { 3, "flow", "10.0.0.1", "10.0.0.53", 40000, 53, 11, "UDP", "dns",
              "{\"event_type\":\"flow\",\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":1,\"bytes_toserver\":70,\"bytes_toclient\":86,\"state\":\"established\"}}" },
    /* 4 */ { 4, "http", "2001:db8::1", "2001:db8::80", 51000, 80, 13, "TCP", "http",
              "{\"event_type\":\"http\",\"http\":{\"hostname\":\"h.example\",\"url\":\"/\\u001b[31mx\",\"http_method\":\"GET\",\"status\":200}}" },
    /* 5 */ { 5, "stats", NULL, NULL, -1, -1, 0, NULL, NULL,
              "{\"event_type\":\"stats\",\"stats\":{\"uptime\":300}}" },
    /* 6 */ { 6, "dns", "10.0.0.3", "10.0.0.53", 40001, 53, 14, "UDP", "dns",
              "{\"event_type\":\"dns\",\"dns\":{\"type\":\"query\",\"rrname\":\"b.example\",\"rrtype\":\"AAAA\"}}" },
    /* 7 */ { 7, "we'ird\"; DROP TABLE events; --", "10.0.0.9", "10.0.0.10", 1, 2, 15, "TCP",
              NULL, "{\"event_type\":\"weird\"}" },
};
#define NQ ((int)(sizeof qevents / sizeof qevents[0]))

static void build_query_db(const char *path)
{
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    char err[512] = "";
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    for (int k = 0; k < NQ; k++) {
        const qev *q = &qevents[k];
        gl_event_meta m = { .ts_usec = (BASE_SEC + 60ULL * (uint64_t)q->minute) * 1000000ULL,
                            .event_type = q->type, .flow_id = q->flow, .src_ip = q->src,
                            .dest_ip = q->dst, .src_port = q->sport, .dest_port = q->dport,
                            .proto = q->proto, .app_proto = q->app };
        CHECK(gl_store_add(s, &m, q->json, strlen(q->json)) == 0);
    }
    CHECK(gl_store_close(s, NULL) == 0);
}

/* Expected output of --format json: the stored lines of the given rows. */
static void expect_rows(const qresult *r, const int *rows, int n)
{
    char want[8192] = "";
    for (int k = 0; k < n; k++) {
        strcat(want, qevents[rows[k]].json);
        strcat(want, "\n");
    }
    CHECK(r->rc == 0);
    if (strcmp(r->out, want) != 0)
        fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", r->out, want);
    CHECK(strcmp(r->out, want) == 0);
}

#define EXPECT(r, ...)                                                                     \
    do {                                                                                   \
        static const int rows_[] = { __VA_ARGS__ };                                        \
        expect_rows(r, rows_, (int)(sizeof rows_ / sizeof rows_[0]));                      \
    } while (0)
#define EXPECT_NONE(r)                                                                     \
    do {                                                                                   \
        CHECK((r)->rc == 0);                                                               \
        CHECK((r)->out[0] == '\0');                                                        \
    } while (0)

static void expect_usage_error(const qresult *r)
{
    CHECK(r->rc == 2);
    CHECK(r->out[0] == '\0');
    /* exactly one line on stderr */
    const char *nl = strchr(r->errout, '\n');
    CHECK(nl != NULL && nl[1] == '\0');
    CHECK(strncmp(r->errout, "guanlan query: ", 15) == 0);
}

static void test_query_filters(const char *db)
{
    static qresult r;
    char dbopt[600];
    snprintf(dbopt, sizeof dbopt, "--db=%s", db);

    run_query(&r, "--db", db, NULL);
    EXPECT(&r, 0, 1, 2, 3, 4, 5, 6, 7);
    run_query(&r, dbopt, "--type", "dns", NULL);
    EXPECT(&r, 0, 2, 6);
    run_query(&r, dbopt, "--type", "dns", "--type=tls", NULL);
    EXPECT(&r, 0, 1, 2, 6);
    run_query(&r, dbopt, "--host", "10.0.0.1", NULL);
    EXPECT(&r, 0, 2, 3);
    run_query(&r, dbopt, "--src", "10.0.0.1", NULL);
    EXPECT(&r, 0, 3);
    run_query(&r, dbopt, "--dest", "10.0.0.53", NULL);
    EXPECT(&r, 0, 3, 6);
    run_query(&r, dbopt, "--host", "10.0.0.53", "--type", "dns", NULL);
    EXPECT(&r, 0, 2, 6);
    /* non-canonical IPv6 spelling finds the canonical stored text */
    run_query(&r, dbopt, "--host", "2001:DB8:0:0::80", NULL);
    EXPECT(&r, 4);
    run_query(&r, dbopt, "--src", "::ffff:10.0.0.2", NULL);
    EXPECT(&r, 1);
    run_query(&r, dbopt, "--port", "53", NULL);
    EXPECT(&r, 0, 2, 3, 6);
    run_query(&r, dbopt, "--port", "443", NULL);
    EXPECT(&r, 1);
    run_query(&r, dbopt, "--flow-id", "11", NULL);
    EXPECT(&r, 0, 2, 3);
    /* 03:06:05Z .. 03:08:05Z inclusive = minutes 2..4; +08:00 offset form */
    run_query(&r, dbopt, "--since", "2024-01-02T11:06:05+08:00", "--until",
              "2024-01-02T03:08:05Z", NULL);
    EXPECT(&r, 2, 3, 4);
    /* epoch seconds: BASE+300 = minute 5 onwards */
    run_query(&r, dbopt, "--since", "1704164945", NULL);
    EXPECT(&r, 5, 6, 7);
    /* one microsecond after minute 5 excludes it */
    run_query(&r, dbopt, "--since", "1704164945.000001", NULL);
    EXPECT(&r, 6, 7);
    run_query(&r, dbopt, "--since", "2024-01-02T03:09:05.000001Z", NULL);
    EXPECT(&r, 6, 7);
    /* -0130 offset: 01:37:05-01:30 = 03:07:05Z = minute 3 */
    run_query(&r, dbopt, "--until", "2024-01-02T01:37:05-0130", NULL);
    EXPECT(&r, 0, 1, 2, 3);
    /* a date alone is midnight UTC */
    run_query(&r, dbopt, "--until", "2024-01-02", NULL);
    EXPECT_NONE(&r);
    run_query(&r, dbopt, "--since", "2024-01-03", NULL);
    EXPECT_NONE(&r);
    run_query(&r, dbopt, "--limit", "2", NULL);
    EXPECT(&r, 0, 1);
    run_query(&r, dbopt, "--limit", "2", "--reverse", NULL);
    EXPECT(&r, 7, 6);
    run_query(&r, dbopt, "--limit", "0", "--type", "flow", NULL);
    EXPECT(&r, 3);

    /* SQL metacharacters in values are data, nothing else. */
    run_query(&r, dbopt, "--type", "dns' OR '1'='1", NULL);
    EXPECT_NONE(&r);
    run_query(&r, dbopt, "--type", "x\"); DROP TABLE events; --", NULL);
    EXPECT_NONE(&r);
    run_query(&r, dbopt, "--type", qevents[7].type, NULL);
    EXPECT(&r, 7);
    CHECK(raw_int(db, "SELECT count(*) FROM events") == NQ);

    /* --count: dns 3; each other type 1, ties ordered by name */
    run_query(&r, dbopt, "--count", NULL);
    CHECK(r.rc == 0);
    const char *want_count =
        "{\"event_type\":\"dns\",\"count\":3}\n"
        "{\"event_type\":\"flow\",\"count\":1}\n"
        "{\"event_type\":\"http\",\"count\":1}\n"
        "{\"event_type\":\"stats\",\"count\":1}\n"
        "{\"event_type\":\"tls\",\"count\":1}\n"
        "{\"event_type\":\"we'ird\\\"; DROP TABLE events; --\",\"count\":1}\n";
    if (strcmp(r.out, want_count) != 0)
        fprintf(stderr, "count got:\n%s", r.out);
    CHECK(strcmp(r.out, want_count) == 0);
    run_query(&r, dbopt, "--count", "--host", "10.0.0.1", "--format", "table", NULL);
    CHECK(r.rc == 0);
    CHECK(strcmp(r.out, "dns              2\nflow             1\n") == 0);
}

/* Byte offset where column c starts in line (columns split by 2+ spaces). */
static int col_start(const char *line, int c)
{
    int pos = 0, col = 0;
    while (col < c && line[pos] && line[pos] != '\n') {
        if (line[pos] == ' ' && line[pos + 1] == ' ') {
            while (line[pos] == ' ')
                pos++;
            col++;
        } else {
            pos++;
        }
    }
    return col == c ? pos : -1;
}

static void test_query_table(const char *db)
{
    static qresult r;
    run_query(&r, "--db", db, "--format", "table", "--type", "dns", "--type", "http", NULL);
    CHECK(r.rc == 0);
    /* header + 4 rows (minutes 0, 2, 4, 6) */
    const char *lines[8];
    int n = 0;
    for (const char *p = r.out; *p && n < 8; p = strchr(p, '\n') + 1) {
        lines[n++] = p;
        if (!strchr(p, '\n'))
            break;
    }
    CHECK(n == 5);
    if (n != 5) {
        fprintf(stderr, "table:\n%s", r.out);
        return;
    }
    CHECK(strncmp(lines[0], "TS  ", 4) == 0 || strncmp(lines[0], "TS ", 3) == 0);
    CHECK(strncmp(lines[1], "2024-01-02T03:04:05.000000Z  dns", 32) == 0);
    CHECK(strncmp(lines[3], "2024-01-02T03:08:05.000000Z  http", 33) == 0);
    /* IPv6 endpoints in brackets with the port */
    CHECK(strstr(lines[3], "[2001:db8::1]:51000") != NULL);
    CHECK(strstr(lines[1], "10.0.0.1:40000") != NULL);
    /* summaries from the JSON; the ESC from the URL is neutralised */
    CHECK(strstr(lines[1], "query a.example A") != NULL);
    CHECK(strstr(lines[2], "answer a.example NOERROR") != NULL);
    CHECK(strstr(lines[3], "GET h.example/?[31mx 200") != NULL);
    CHECK(strchr(r.out, 0x1b) == NULL);
    /* aligned: every column starts at the same offset on every line */
    for (int c = 1; c < 7; c++) {
        int c0 = col_start(lines[0], c);
        for (int k = 1; k < n; k++)
            CHECK(col_start(lines[k], c) == c0);
    }
    /* nothing matched: just the header */
    run_query(&r, "--db", db, "--format", "table", "--type", "nope", NULL);
    CHECK(r.rc == 0);
    CHECK(strncmp(r.out, "TS", 2) == 0 && strchr(r.out, '\n') == r.out + strlen(r.out) - 1);
}

static void test_query_errors(const char *db)
{
    static qresult r;
    char notdb[512], missing[512];
    path_in_tmp(notdb, sizeof notdb, "notadb.txt");
    path_in_tmp(missing, sizeof missing, "missing.db");
    const char *bad[][4] = {
        { "--port", "70000" },       { "--port", "-1" },          { "--port", "12a" },
        { "--since", "yesterday" },  { "--since", "2024-13-01" }, { "--since", "2023-02-29" },
        { "--until", "2024-01-02T25:00:00Z" },                    { "--until", "2024-01-02T03:04:05+2" },
        { "--limit", "-1" },         { "--limit", "ten" },        { "--format", "xml" },
        { "--host", "999.1.1.1" },   { "--src", "example.com" },  { "--flow-id", "-5" },
        { "--bogus" },               { "--type" },                { "--type", "" },
        { "extra" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        if (bad[k][1])
            run_query(&r, "--db", db, bad[k][0], bad[k][1], NULL);
        else
            run_query(&r, "--db", db, bad[k][0], NULL);
        if (r.rc != 2)
            fprintf(stderr, "bad arg %s %s: rc %d\n", bad[k][0], bad[k][1] ? bad[k][1] : "", r.rc);
        expect_usage_error(&r);
    }
    run_query(&r, "--db", db, "--since", "2024-01-03", "--until", "2024-01-02", NULL);
    expect_usage_error(&r);

    /* runtime errors: exit 1, and the missing db is not created */
    run_query(&r, "--db", missing, NULL);
    CHECK(r.rc == 1);
    CHECK(access(missing, F_OK) != 0);
    run_query(&r, "--db", notdb, NULL);
    CHECK(r.rc == 1);
    CHECK(strstr(r.errout, "not a database") != NULL);

    /* -l DIR means DIR/guanlan.db */
    run_query(&r, "-l", tmpdir, "--type", "tls", NULL);
    EXPECT(&r, 1);

    /* --help documents every option the parser accepts */
    run_query(&r, "--help", NULL);
    CHECK(r.rc == 0);
    const char *opts[] = { "--db", "-l DIR", "--type", "--host", "--src", "--dest", "--port",
                           "--flow-id", "--since", "--until", "--limit", "--reverse",
                           "--format json", "--format table", "--count", "--help" };
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
        CHECK(strstr(r.out, opts[k]) != NULL);
}

/* The query opens read-only and works while a store holds the db open. */
static void test_query_while_writing(void)
{
    static qresult r;
    char path[512];
    path_in_tmp(path, sizeof path, "live.db");
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    cfg.batch_ms = 50;
    char err[512] = "";
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(produce(s, 1, 40) == 0);
    int64_t n = 0;
    for (int w = 0; w < 500 && n != 40; w++) {
        sleep_ms(10);
        n = raw_int(path, "SELECT count(*) FROM events");
    }
    CHECK(n == 40);
    run_query(&r, "--db", path, "--type", "dns", "--limit", "0", NULL);
    CHECK(r.rc == 0);
    int lines = 0;
    for (const char *p = r.out; (p = strchr(p, '\n')); p++)
        lines++;
    CHECK(lines == 10); /* i % 4 == 1 for i < 40 */
    CHECK(strncmp(r.out, "{\"t\":0,\"i\":1,", 13) == 0);
    CHECK(gl_store_close(s, NULL) == 0);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gl-test-store-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_multithread_insert();
    test_batch_by_count();
    test_batch_by_time();
    test_queue_full_blocks();
    test_refuse_foreign_files();

    char qdb[512];
    path_in_tmp(qdb, sizeof qdb, "guanlan.db");
    build_query_db(qdb);
    test_query_filters(qdb);
    test_query_table(qdb);
    test_query_errors(qdb);
    test_query_while_writing();

    fprintf(stderr, "test-store: %d checks, %d failures\n", checks, failures);
    if (failures == 0) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return failures ? 1 : 0;
}
