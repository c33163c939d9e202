/*
 * test-store-writer.c — crash-safety driver and throughput benchmark for the
 * event store.
 *
 *   test-store-writer                 unit test: drive + check a small db
 *   test-store-writer --drive DB      write forever (until killed) from two
 *                                     producer threads, resuming after the
 *                                     highest sequence number already stored
 *   test-store-writer --check DB      integrity_check + prefix consistency;
 *                                     prints "rows=N", exit 0 ok / 1 broken
 *   test-store-writer --bench N DB [SRC_POOL DST_POOL]
 *                                     time N inserts with the default config
 *                                     (addresses from pools, default 1000 and
 *                                     10000 distinct src / dest addresses)
 *
 * Prefix consistency: producer k writes seq 1, 2, 3, ... with
 * flow_id = k * 1e12 + seq. The store keeps per-producer FIFO order and
 * commits whole transactions, so after any kill the surviving rows of each
 * producer must be exactly seq 1..max: no gaps, no duplicates, and every
 * row's columns must match its JSON. tests/output/test-store-kill.sh kills
 * --drive with SIGKILL at random moments and runs --check after each kill.
 */
#include "output/store.h"

#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#define PRODUCERS 2
#define SEQ_SPACE INT64_C(1000000000000) /* flow_id = producer * SEQ_SPACE + seq */
#define TS_BASE 1704164645000000ULL

static double cpu_sec(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* Bytes this process passed to write()/read() so far (Linux /proc/self/io):
 * a load-independent measure of the store's I/O amplification. */
static void io_bytes(uint64_t *wchar, uint64_t *rchar)
{
    *wchar = *rchar = 0;
    FILE *f = fopen("/proc/self/io", "r");
    if (!f)
        return;
    char line[128];
    unsigned long long v;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "wchar: %llu", &v) == 1)
            *wchar = v;
        else if (sscanf(line, "rchar: %llu", &v) == 1)
            *rchar = v;
    }
    fclose(f);
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The row producer k writes for seq; the checker rebuilds it the same way. */
static int make_json(char *buf, size_t len, int k, int64_t seq)
{
    return snprintf(buf, len,
                    "{\"timestamp\":\"x\",\"flow_id\":%" PRId64 ",\"event_type\":\"%s\","
                    "\"src_ip\":\"10.%d.%d.%d\",\"seq\":%" PRId64 "}",
                    (int64_t)k * SEQ_SPACE + seq, seq % 2 ? "dns" : "flow", k,
                    (int)((seq >> 8) & 255), (int)(seq & 255), seq);
}

/* ------------------------------------------------------------- checker */

static int64_t scalar(sqlite3 *db, const char *sql, int64_t k)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_bind_parameter_count(st) >= 1)
            sqlite3_bind_int64(st, 1, k * SEQ_SPACE);
        if (sqlite3_bind_parameter_count(st) >= 2)
            sqlite3_bind_int64(st, 2, (k + 1) * SEQ_SPACE);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static bool integrity_ok(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        ok = r && strcmp(r, "ok") == 0;
        if (!ok)
            fprintf(stderr, "integrity_check: %s\n", r ? r : "(null)");
    } else {
        fprintf(stderr, "integrity_check failed: %s\n", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return ok;
}

/* Every row's JSON, event_type and ts_usec match what make_json wrote. */
static int64_t rows_mismatching(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t bad = 0;
    if (sqlite3_prepare_v2(db, "SELECT flow_id, event_type, ts_usec, json FROM events", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t fid = sqlite3_column_int64(st, 0);
        int k = (int)(fid / SEQ_SPACE);
        int64_t seq = fid % SEQ_SPACE;
        char want[256];
        make_json(want, sizeof want, k, seq);
        const char *json = (const char *)sqlite3_column_text(st, 3);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        if (!json || strcmp(json, want) != 0 || !type ||
            strcmp(type, seq % 2 ? "dns" : "flow") != 0 ||
            sqlite3_column_int64(st, 2) != (int64_t)(TS_BASE + (uint64_t)seq))
            bad++;
    }
    sqlite3_finalize(st);
    return bad;
}

static int check_db(const char *path, int64_t *rows_out)
{
    sqlite3 *db = NULL;
    *rows_out = 0;
    if (access(path, F_OK) != 0)
        return 0; /* killed before the database file was created */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "check: cannot open %s\n", path);
        sqlite3_close(db);
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    int fail = 0;
    if (!integrity_ok(db))
        fail = 1;
    int64_t total = scalar(db, "SELECT count(*) FROM events", 0);
    if (total < 0) {
        /* killed before the schema transaction committed: an empty db */
        if (scalar(db, "SELECT count(*) FROM sqlite_schema", 0) != 0) {
            fprintf(stderr, "check: schema present but events unreadable\n");
            fail = 1;
        }
        total = 0;
    } else {
        for (int k = 0; k < PRODUCERS; k++) {
            const char *w = " FROM events WHERE flow_id > ?1 AND flow_id < ?2";
            char q[3][160];
            snprintf(q[0], sizeof q[0], "SELECT count(*)%s", w);
            snprintf(q[1], sizeof q[1], "SELECT count(DISTINCT flow_id)%s", w);
            snprintf(q[2], sizeof q[2], "SELECT coalesce(max(flow_id) - ?1, 0)%s", w);
            int64_t n = scalar(db, q[0], k), distinct = scalar(db, q[1], k), max = scalar(db, q[2], k);
            if (n != distinct || n != max) {
                fprintf(stderr, "check: producer %d: %" PRId64 " rows, %" PRId64
                                " distinct, max seq %" PRId64 " (not a prefix)\n",
                        k, n, distinct, max);
                fail = 1;
            }
        }
        int64_t bad = rows_mismatching(db);
        if (bad != 0) {
            fprintf(stderr, "check: %" PRId64 " rows differ from what was written\n", bad);
            fail = 1;
        }
    }
    sqlite3_close(db);
    *rows_out = total;
    return fail;
}

/* -------------------------------------------------------------- driver */

typedef struct drive_arg {
    gl_store *s;
    int k;
    int64_t next_seq, count; /* count < 0: forever */
} drive_arg;

static void *drive_producer(void *p)
{
    drive_arg *a = p;
    for (int64_t n = 0; a->count < 0 || n < a->count; n++, a->next_seq++) {
        int64_t seq = a->next_seq;
        char json[256], src[32];
        int len = make_json(json, sizeof json, a->k, seq);
        snprintf(src, sizeof src, "10.%d.%d.%d", a->k, (int)((seq >> 8) & 255), (int)(seq & 255));
        gl_event_meta m = { .ts_usec = TS_BASE + (uint64_t)seq,
                            .event_type = seq % 2 ? "dns" : "flow",
                            .flow_id = (uint64_t)((int64_t)a->k * SEQ_SPACE + seq),
                            .src_ip = src, .dest_ip = "192.0.2.1", .src_port = 1234,
                            .dest_port = 53, .proto = "UDP", .app_proto = "dns" };
        if (gl_store_add(a->s, &m, json, (size_t)len) != 0) {
            fprintf(stderr, "drive: add failed\n");
            return NULL;
        }
    }
    return NULL;
}

/* Highest seq of producer k already in the db (0 for a new db). */
static int64_t resume_seq(const char *path, int k)
{
    sqlite3 *db = NULL;
    int64_t v = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        v = scalar(db, "SELECT coalesce(max(flow_id) - ?1, 0) FROM events "
                       "WHERE flow_id > ?1 AND flow_id < ?2", k);
    }
    sqlite3_close(db);
    return v < 0 ? 0 : v;
}

/* Small batches and a short timer make many commits per second, so random
 * kills land inside transactions, between them, and during checkpoints. */
static int drive(const char *path, int64_t per_producer, int *failed_out)
{
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    cfg.batch_events = 97;
    cfg.batch_ms = 20;
    cfg.queue_max = 1000;
    char err[512];
    drive_arg args[PRODUCERS];
    for (int k = 0; k < PRODUCERS; k++)
        args[k] = (drive_arg){ .k = k, .next_seq = resume_seq(path, k) + 1,
                               .count = per_producer };
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "drive: %s\n", err);
        return 1;
    }
    pthread_t th[PRODUCERS];
    for (int k = 0; k < PRODUCERS; k++) {
        args[k].s = s;
        pthread_create(&th[k], NULL, drive_producer, &args[k]);
    }
    for (int k = 0; k < PRODUCERS; k++)
        pthread_join(th[k], NULL);
    gl_store_stats st;
    int rc = gl_store_close(s, &st);
    *failed_out = (int)st.errors;
    return rc == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------- bench */

/* src/dest addresses are drawn from pools of the given sizes: a B-tree
 * index on (ip, ts) has one insertion point per distinct address, so the
 * pool sizes decide how many index pages each batch dirties. */
static int bench(const char *path, int64_t n, int src_pool, int dst_pool)
{
    static const char *const types[] = { "flow", "dns", "tls", "http", "flow", "dns" };
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    char err[512];
    unlink(path);
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    /* A realistic ~330-byte flow record, varied per row so indexes see
     * distinct keys. */
    uint64_t w0, r0, w1, r1;
    io_bytes(&w0, &r0);
    double t0 = now_sec(), c0 = cpu_sec();
    for (int64_t i = 0; i < n; i++) {
        char json[512], src[32], dst[32];
        uint64_t hs = (uint64_t)i * 0x9e3779b97f4a7c15ULL, hd = hs ^ (hs >> 29);
        int si = (int)((hs >> 40) % (uint64_t)src_pool), di = (int)((hd >> 20) % (uint64_t)dst_pool);
        snprintf(src, sizeof src, "10.%d.%d.%d", (si >> 16) & 255, (si >> 8) & 255, si & 255);
        snprintf(dst, sizeof dst, "198.%d.%d.%d", (di >> 16) & 255, (di >> 8) & 255, di & 255);
        int len = snprintf(json, sizeof json,
                           "{\"timestamp\":\"2024-01-02T03:04:05.123456+0000\",\"flow_id\":%" PRId64
                           ",\"event_type\":\"%s\",\"src_ip\":\"%s\",\"src_port\":%d,"
                           "\"dest_ip\":\"%s\",\"dest_port\":443,\"proto\":\"TCP\","
                           "\"app_proto\":\"tls\",\"flow\":{\"pkts_toserver\":12,"
                           "\"pkts_toclient\":10,\"bytes_toserver\":1834,\"bytes_toclient\":"
                           "6120,\"start\":\"2024-01-02T03:04:05.123456+0000\",\"end\":"
                           "\"2024-01-02T03:04:07.000001+0000\",\"age\":2,\"state\":\"closed\","
                           "\"reason\":\"timeout\",\"alerted\":false}}",
                           i + 1, types[i % 6], src, (int)(1024 + i % 60000), dst);
        gl_event_meta m = { .ts_usec = TS_BASE + (uint64_t)i * 10, .event_type = types[i % 6],
                            .flow_id = (uint64_t)i + 1, .src_ip = src, .dest_ip = dst,
                            .src_port = (int)(1024 + i % 60000), .dest_port = 443,
                            .proto = "TCP", .app_proto = "tls" };
        if (gl_store_add(s, &m, json, (size_t)len) != 0)
            return 1;
    }
    double t_add = now_sec() - t0;
    gl_store_stats st;
    int rc = gl_store_close(s, &st);
    double dt = now_sec() - t0, cpu = cpu_sec() - c0;
    io_bytes(&w1, &r1);
    printf("bench: %" PRId64 " events in %.3f s wall (adds done at %.3f s) = %.0f events/s; "
           "%.3f s CPU (all threads, user+sys) = %.0f events per CPU-second; "
           "%" PRIu64 " batches, %" PRIu64 " errors; I/O per event: %.0f bytes written, "
           "%.0f read\n",
           n, dt, t_add, (double)n / dt, cpu, (double)n / cpu, st.batches, st.errors,
           (double)(w1 - w0) / (double)n, (double)(r1 - r0) / (double)n);
    return rc == 0 && st.inserted == (uint64_t)n ? 0 : 1;
}

/* ------------------------------------------------------------ self-test */

static int self_test(void)
{
    char dir[] = "/tmp/gl-store-writer-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[128];
    snprintf(path, sizeof path, "%s/guanlan.db", dir);
    int failed = 0, fail = 0;
    int64_t rows = 0;
    /* Two runs: the second resumes after the first's last seq. */
    fail |= drive(path, 3000, &failed) != 0 || failed != 0;
    fail |= drive(path, 2000, &failed) != 0 || failed != 0;
    fail |= check_db(path, &rows) != 0;
    fail |= rows != PRODUCERS * 5000;
    printf("self-test: rows=%" PRId64 " (want %d) %s\n", rows, PRODUCERS * 5000,
           fail ? "FAIL" : "ok");
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return fail;
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return self_test();
    if (argc == 3 && !strcmp(argv[1], "--drive")) {
        int failed = 0;
        return drive(argv[2], -1, &failed);
    }
    if (argc == 3 && !strcmp(argv[1], "--check")) {
        int64_t rows = 0;
        int rc = check_db(argv[2], &rows);
        printf("rows=%" PRId64 "\n", rows);
        return rc;
    }
    if ((argc == 4 || argc == 6) && !strcmp(argv[1], "--bench")) {
        int sp = argc == 6 ? atoi(argv[4]) : 1000, dp = argc == 6 ? atoi(argv[5]) : 10000;
        return bench(argv[3], atoll(argv[2]), sp > 0 ? sp : 1, dp > 0 ? dp : 1);
    }
    fprintf(stderr, "usage: %s [--drive DB | --check DB | --bench N DB [SRC_POOL DST_POOL]]\n",
            argv[0]);
    return 2;
}
