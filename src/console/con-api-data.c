/*
 * con-api-data.c — read handlers over the sensor's events: the overview
 * aggregates, the alert list with server-side filters and paging, one alert,
 * one session (every protocol event of the flow), the fishbone explanation,
 * sensor health, and the analyst's benign/malicious verdict.
 *
 * The fishbone and the verdict are the detection stage's own commands
 * (gl_cmd_explain, gl_cmd_feedback) called in-process, so the console shows
 * and does exactly what `guanlan explain` / `guanlan feedback` do. Every SQL
 * text below is a constant or built from constant fragments; every value a
 * client sends is a bound parameter.
 */
#include "console/con-internal.h"
#include "detect/enc-cmd.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOUR_USEC 3600000000LL
#define MIN_USEC 60000000LL
#define FILE_CAP (4 * 1024 * 1024)


/* Handlers summarise first when no background thread does (tests, CLI). */
static void fresh_summaries(gl_console *c)
{
    if (!c->sync_running)
        gl_con_sync(c->db, 200000);
}

static int64_t max_minute(sqlite3 *db)
{
    sqlite3_stmt *st = con_prepare(db, "SELECT max(minute) FROM console_ev_min");
    int64_t m = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        m = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return m;
}

/* Bucket width for about 30..120 points over the range. */
static int64_t pick_bucket(int64_t range_sec, bool *hourly)
{
    static const int64_t minute_buckets[] = { 60, 300, 900, 1800, 3600 };
    static const int64_t hour_buckets[] = { 3600, 21600, 86400, 604800, 2592000 };
    *hourly = range_sec > 2 * 86400;
    const int64_t *b = *hourly ? hour_buckets : minute_buckets;
    for (int i = 0; i < 5; i++)
        if (range_sec / b[i] <= 120)
            return b[i];
    return b[4];
}

static json_t *series(sqlite3 *db, bool hourly, int64_t bucket, int64_t from, int64_t to)
{
    /* from/to in table units (minutes or hours), bucket in seconds */
    const char *sql = hourly ? "SELECT (hour * 3600 / ?3) * ?3 AS t, sum(n) AS events,"
                               " sum(CASE WHEN event_type = 'alert' THEN n ELSE 0 END) AS alerts"
                               " FROM console_ev_hour WHERE hour >= ?1 AND hour < ?2 GROUP BY t ORDER BY t"
                             : "SELECT (minute * 60 / ?3) * ?3 AS t, sum(n) AS events,"
                               " sum(CASE WHEN event_type = 'alert' THEN n ELSE 0 END) AS alerts"
                               " FROM console_ev_min WHERE minute >= ?1 AND minute < ?2 GROUP BY t ORDER BY t";
    sqlite3_stmt *st = con_prepare(db, sql);
    if (!st)
        return json_array();
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, bucket);
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    return rows;
}

static json_t *grouped(sqlite3 *db, const char *sql, int64_t from, int64_t to, int limit)
{
    sqlite3_stmt *st = con_prepare(db, sql);
    if (!st)
        return json_array();
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int(st, 3, limit);
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    return rows;
}

void con_h_overview(con_call *k)
{
    static const char *const allowed[] = { "since", "until", NULL };
    int64_t since = -1, until = -1;
    if (!con_args_check(k, allowed) || !con_arg_time(k, "since", &since) || !con_arg_time(k, "until", &until))
        return;
    fresh_summaries(k->c);
    sqlite3 *db = k->c->db;
    if (until < 0) {
        int64_t m = max_minute(db);
        until = m >= 0 ? (m + 1) * MIN_USEC : gl_con_now(k->c) * 1000000;
    }
    if (since < 0)
        since = until - 24 * HOUR_USEC;
    if (since >= until) {
        con_reply_error(k, 400, "bad_parameter", "since must be before until");
        return;
    }
    bool hourly;
    int64_t bucket = pick_bucket((until - since) / 1000000, &hourly);
    int64_t unit = hourly ? HOUR_USEC : MIN_USEC;
    int64_t from = since / unit, to = (until + unit - 1) / unit;
    int64_t hfrom = since / HOUR_USEC, hto = (until + HOUR_USEC - 1) / HOUR_USEC;
    json_t *o = json_object();
    json_object_set_new(o, "since_usec", json_integer(since));
    json_object_set_new(o, "until_usec", json_integer(until));
    json_object_set_new(o, "bucket_seconds", json_integer(bucket));
    json_object_set_new(o, "summary_lag_events", json_integer(con_sync_lag(db)));
    json_object_set_new(o, "over_time", series(db, hourly, bucket, from, to));
    json_object_set_new(o, "by_event_type",
                        grouped(db,
                                hourly ? "SELECT event_type, sum(n) AS n FROM console_ev_hour WHERE hour >= ?1 AND"
                                         " hour < ?2 GROUP BY 1 ORDER BY 2 DESC LIMIT ?3"
                                       : "SELECT event_type, sum(n) AS n FROM console_ev_min WHERE minute >= ?1 AND"
                                         " minute < ?2 GROUP BY 1 ORDER BY 2 DESC LIMIT ?3",
                                from, to, 32));
    json_object_set_new(o, "protocol_mix",
                        grouped(db,
                                hourly ? "SELECT proto, sum(n) AS flows FROM console_ev_hour WHERE hour >= ?1 AND"
                                         " hour < ?2 AND event_type = 'flow' GROUP BY 1 ORDER BY 2 DESC LIMIT ?3"
                                       : "SELECT proto, sum(n) AS flows FROM console_ev_min WHERE minute >= ?1 AND"
                                         " minute < ?2 AND event_type = 'flow' GROUP BY 1 ORDER BY 2 DESC LIMIT ?3",
                                from, to, 20));
    json_object_set_new(o, "top_talkers",
                        grouped(db, "SELECT ip, sum(n) AS flows FROM console_talkers_top WHERE hour >= ?1 AND"
                                    " hour < ?2 GROUP BY 1 ORDER BY 2 DESC LIMIT ?3",
                                hfrom, hto, 10));
    json_object_set_new(o, "top_tls_fingerprints",
                        grouped(db, "SELECT kind, fp, sum(n) AS sessions FROM console_tls_top WHERE hour >= ?1 AND"
                                    " hour < ?2 GROUP BY 1, 2 ORDER BY 3 DESC LIMIT ?3",
                                hfrom, hto, 20));
    json_object_set_new(o, "score_distribution",
                        grouped(db, "SELECT CASE WHEN score IS NULL THEN NULL ELSE min(max(score, 0), 99) / 10 * 10"
                                    " END AS score_from, count(*) AS alerts FROM console_alerts"
                                    " WHERE ts_usec >= ?1 AND ts_usec < ?2 GROUP BY 1 ORDER BY 1 LIMIT ?3",
                                since, until, 16));
    json_object_set_new(o, "incidents_by_level", con_incidents_by_level(k->c));
    json_object_set_new(o, "incidents_due", con_incidents_due(k->c, 10));
    con_reply_json(k, 200, o);
}

/* ---------------------------------------------------------------- alerts */

typedef struct sqlbuf {
    char text[2048];
    size_t len;
} sqlbuf;

static void sql_add(sqlbuf *b, const char *frag)
{
    size_t n = strlen(frag);
    if (b->len + n < sizeof(b->text)) {
        memcpy(b->text + b->len, frag, n + 1);
        b->len += n;
    }
}

typedef struct alert_filter {
    int64_t since, until, min_score, max_score, severity, flow;
    char host[64], src[64], dest[64];
    const char *category, *signature, *order;
} alert_filter;

/* WHERE fragments with numbered parameters; unused numbers stay unbound
 * (NULL) and their fragment is simply absent. */
static void alert_where(sqlbuf *b, const alert_filter *f)
{
    sql_add(b, " WHERE 1");
    if (f->since >= 0)
        sql_add(b, " AND ts_usec >= ?1");
    if (f->until >= 0)
        sql_add(b, " AND ts_usec < ?2");
    if (f->host[0])
        sql_add(b, " AND (src_ip = ?3 OR dest_ip = ?3)");
    if (f->src[0])
        sql_add(b, " AND src_ip = ?4");
    if (f->dest[0])
        sql_add(b, " AND dest_ip = ?5");
    if (f->category)
        sql_add(b, " AND category = ?6");
    if (f->signature)
        sql_add(b, " AND instr(signature, ?7) > 0");
    if (f->min_score >= 0)
        sql_add(b, " AND score >= ?8");
    if (f->max_score >= 0)
        sql_add(b, " AND score <= ?9");
    if (f->severity >= 0)
        sql_add(b, " AND severity = ?10");
    if (f->flow >= 0)
        sql_add(b, " AND flow_id = ?11");
}

static void alert_bind(sqlite3_stmt *st, const alert_filter *f)
{
    if (f->since >= 0)
        sqlite3_bind_int64(st, 1, f->since);
    if (f->until >= 0)
        sqlite3_bind_int64(st, 2, f->until);
    if (f->host[0])
        sqlite3_bind_text(st, 3, f->host, -1, SQLITE_STATIC);
    if (f->src[0])
        sqlite3_bind_text(st, 4, f->src, -1, SQLITE_STATIC);
    if (f->dest[0])
        sqlite3_bind_text(st, 5, f->dest, -1, SQLITE_STATIC);
    if (f->category)
        sqlite3_bind_text(st, 6, f->category, -1, SQLITE_STATIC);
    if (f->signature)
        sqlite3_bind_text(st, 7, f->signature, -1, SQLITE_STATIC);
    if (f->min_score >= 0)
        sqlite3_bind_int64(st, 8, f->min_score);
    if (f->max_score >= 0)
        sqlite3_bind_int64(st, 9, f->max_score);
    if (f->severity >= 0)
        sqlite3_bind_int64(st, 10, f->severity);
    if (f->flow >= 0)
        sqlite3_bind_int64(st, 11, f->flow);
}

static bool parse_alert_filter(con_call *k, alert_filter *f, int64_t *limit, int64_t *offset)
{
    static const char *const allowed[] = { "since", "until", "host", "src", "dest", "category", "signature",
                                           "min_score", "max_score", "severity", "flow_id", "order", "limit",
                                           "offset", NULL };
    static const char *const orders[] = { "desc", "asc", NULL };
    memset(f, 0, sizeof(*f));
    f->since = f->until = f->min_score = f->max_score = f->severity = f->flow = -1;
    f->order = "desc";
    return con_args_check(k, allowed) && con_arg_time(k, "since", &f->since) &&
           con_arg_time(k, "until", &f->until) && con_arg_ip(k, "host", f->host, sizeof(f->host)) &&
           con_arg_ip(k, "src", f->src, sizeof(f->src)) && con_arg_ip(k, "dest", f->dest, sizeof(f->dest)) &&
           con_arg_text(k, "category", 128, &f->category) && con_arg_text(k, "signature", 128, &f->signature) &&
           con_arg_int(k, "min_score", 0, 100, &f->min_score) && con_arg_int(k, "max_score", 0, 100, &f->max_score) &&
           con_arg_int(k, "severity", 1, 255, &f->severity) &&
           con_arg_int(k, "flow_id", 0, INT64_MAX, &f->flow) && con_arg_enum(k, "order", orders, &f->order) &&
           con_args_page(k, limit, offset);
}

void con_h_alerts(con_call *k)
{
    alert_filter f;
    int64_t limit, offset;
    if (!parse_alert_filter(k, &f, &limit, &offset))
        return;
    fresh_summaries(k->c);
    sqlbuf q = { .len = 0 }, cq = { .len = 0 };
    sql_add(&q, "SELECT event_id AS id, ts_usec, flow_id, src_ip, src_port, dest_ip, dest_port, proto, app_proto,"
                " signature, signature_id, category, severity, score,"
                " (SELECT label FROM console_feedback fb WHERE fb.flow_id = a.flow_id ORDER BY fb.id DESC LIMIT 1)"
                " AS verdict FROM console_alerts a");
    alert_where(&q, &f);
    sql_add(&q, strcmp(f.order, "asc") == 0 ? " ORDER BY ts_usec ASC, event_id ASC" : " ORDER BY ts_usec DESC, event_id DESC");
    sql_add(&q, " LIMIT ?12 OFFSET ?13");
    sql_add(&cq, "SELECT count(*) FROM (SELECT 1 FROM console_alerts");
    alert_where(&cq, &f);
    sql_add(&cq, " LIMIT 100001)");
    sqlite3_stmt *st = con_prepare(k->c->db, q.text), *cst = con_prepare(k->c->db, cq.text);
    if (!st || !cst) {
        sqlite3_finalize(st);
        sqlite3_finalize(cst);
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    alert_bind(st, &f);
    sqlite3_bind_int64(st, 12, limit);
    sqlite3_bind_int64(st, 13, offset);
    alert_bind(cst, &f);
    json_t *rows = con_rows_json(st, NULL);
    int64_t total = sqlite3_step(cst) == SQLITE_ROW ? sqlite3_column_int64(cst, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_finalize(cst);
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer(total));
    json_object_set_new(o, "total_capped", json_boolean(total > 100000));
    json_object_set_new(o, "limit", json_integer(limit));
    json_object_set_new(o, "offset", json_integer(offset));
    json_object_set_new(o, "alerts", rows);
    con_reply_json(k, 200, o);
}

static json_t *feedback_of_flow(sqlite3 *db, int64_t flow)
{
    sqlite3_stmt *st = con_prepare(db, "SELECT id, label, who, at, result FROM console_feedback WHERE flow_id = ?1"
                                       " ORDER BY id");
    if (!st)
        return json_array();
    sqlite3_bind_int64(st, 1, flow);
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    return rows;
}

void con_h_alert_get(con_call *k)
{
    int64_t id;
    if (!con_args_check(k, NULL) || !con_param_id(k, 0, &id))
        return;
    fresh_summaries(k->c);
    sqlite3_stmt *st = con_prepare(k->c->db, "SELECT a.event_id AS id, a.ts_usec, a.flow_id, a.src_ip, a.src_port,"
                                             " a.dest_ip, a.dest_port, a.proto, a.app_proto, a.signature,"
                                             " a.signature_id, a.category, a.severity, a.score, e.json AS eve,"
                                             " (SELECT group_concat(incident_id) FROM incident_alerts ia"
                                             "   WHERE ia.event_id = a.event_id) AS incidents"
                                             " FROM console_alerts a JOIN events e ON e.id = a.event_id"
                                             " WHERE a.event_id = ?1");
    static const char *const jcols[] = { "eve", NULL };
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    json_t *rows = con_rows_json(st, jcols);
    sqlite3_finalize(st);
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        con_reply_error(k, 404, "not_found", "no such alert");
        return;
    }
    json_t *a = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    json_t *flow = json_object_get(a, "flow_id");
    if (json_is_integer(flow))
        json_object_set_new(a, "feedback", feedback_of_flow(k->c->db, json_integer_value(flow)));
    con_reply_json(k, 200, a);
}

/* ---------------------------------------------------------------- sessions */

void con_h_session(con_call *k)
{
    int64_t flow;
    if (!con_args_check(k, NULL) || !con_param_id(k, 0, &flow))
        return;
    sqlite3_stmt *st = con_prepare(k->c->db, "SELECT id, ts_usec, event_type, src_ip, src_port, dest_ip, dest_port,"
                                             " proto, app_proto, json AS eve FROM events WHERE flow_id = ?1"
                                             " ORDER BY ts_usec, id LIMIT 500");
    static const char *const jcols[] = { "eve", NULL };
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    sqlite3_bind_int64(st, 1, flow);
    json_t *events = con_rows_json(st, jcols);
    sqlite3_finalize(st);
    if (json_array_size(events) == 0) {
        json_decref(events);
        con_reply_error(k, 404, "not_found", "no events for this flow");
        return;
    }
    bool has_alert = false;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        const char *t = json_string_value(json_object_get(e, "event_type"));
        json_t *enc = json_object_get(json_object_get(json_object_get(e, "eve"), "guanlan"), "encrypted");
        has_alert = has_alert || (t && strcmp(t, "alert") == 0 && enc);
    }
    json_t *o = json_object();
    json_object_set_new(o, "flow_id", json_integer(flow));
    json_object_set_new(o, "events", events);
    json_object_set_new(o, "fishbone_available", json_boolean(has_alert));
    json_object_set_new(o, "feedback", feedback_of_flow(k->c->db, flow));
    con_reply_json(k, 200, o);
}

static char *slurp_fd(int fd, size_t *len)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < 0 || sb.st_size > FILE_CAP)
        return NULL;
    char *buf = malloc((size_t)sb.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)sb.st_size) {
        ssize_t r = pread(fd, buf + got, (size_t)sb.st_size - got, (off_t)got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (buf)
        buf[got] = '\0';
    *len = got;
    return buf;
}

static int temp_file(char *path, size_t len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, len, "%s/guanlan-console-XXXXXX", dir && dir[0] == '/' ? dir : "/tmp");
    return mkstemp(path);
}

void con_h_fishbone(con_call *k)
{
    static const char *const allowed[] = { "format", NULL };
    static const char *const formats[] = { "json", "svg", NULL };
    const char *format = "json";
    int64_t flow;
    if (!con_args_check(k, allowed) || !con_arg_enum(k, "format", formats, &format) || !con_param_id(k, 0, &flow))
        return;
    char path[4200], flow_s[32];
    int fd = temp_file(path, sizeof(path));
    if (fd < 0) {
        con_reply_error(k, 500, "internal", "no temporary file");
        return;
    }
    snprintf(flow_s, sizeof(flow_s), "%" PRId64, flow);
    char *argv[] = { "explain", flow_s, "--db", k->c->db_path, "--format", (char *)format, "-o", path, NULL };
    int rc = gl_cmd_explain(8, argv);
    size_t len = 0;
    char *body = rc == 0 ? slurp_fd(fd, &len) : NULL;
    close(fd);
    unlink(path);
    if (rc == 1) {
        con_reply_error(k, 404, "not_found", "no encrypted-threat alert for this flow");
        return;
    }
    if (!body) {
        con_reply_error(k, 500, "internal", "explanation failed");
        return;
    }
    k->resp->sandbox = true;
    con_reply_raw(k, 200, strcmp(format, "svg") == 0 ? "image/svg+xml" : "application/json; charset=utf-8", body, len);
}

/* The detector's command prints its result on stdout; the console catches it
 * to return it. Handlers run on one thread, so swapping fd 1 is safe here. */
static int feedback_capture(gl_console *c, int64_t flow, const char *label, char *msg, size_t msglen)
{
    char path[4200], flow_s[32];
    int fd = temp_file(path, sizeof(path));
    if (fd < 0)
        return -1;
    snprintf(flow_s, sizeof(flow_s), "%" PRId64, flow);
    char *argv[] = { "feedback", flow_s, "--label", (char *)label, "-l", c->state_dir, "--model-dir",
                     (char *)(c->cfg.model_dir ? c->cfg.model_dir : ""), NULL };
    int argc = c->cfg.model_dir ? 8 : 6;
    if (!c->cfg.model_dir)
        argv[6] = NULL;
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int rc = -1;
    if (saved >= 0 && dup2(fd, STDOUT_FILENO) >= 0) {
        rc = gl_cmd_feedback(argc, argv);
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
    }
    if (saved >= 0)
        close(saved);
    size_t len = 0;
    char *out = slurp_fd(fd, &len);
    close(fd);
    unlink(path);
    snprintf(msg, msglen, "%s", out ? out : "");
    free(out);
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return rc;
}

void con_h_feedback(con_call *k)
{
    int64_t flow;
    bool bad = false;
    if (!con_param_id(k, 0, &flow))
        return;
    const char *label = con_body_str(k, "label", 16, true, &bad);
    if (bad)
        return;
    if (strcmp(label, "benign") != 0 && strcmp(label, "malicious") != 0) {
        con_reply_error(k, 400, "bad_body", "label: benign or malicious");
        return;
    }
    snprintf(k->audit_target, sizeof(k->audit_target), "flow:%" PRId64, flow);
    k->audit_detail = json_pack("{s:s}", "label", label);
    char msg[1024];
    int rc = feedback_capture(k->c, flow, label, msg, sizeof(msg));
    if (rc != 0) {
        con_reply_error(k, rc == 2 ? 400 : 422, "not_scored",
                        "flow %" PRId64 " was not scored by the encrypted-traffic detector (or its state is "
                        "unreadable); nothing recorded",
                        flow);
        return;
    }
    char at[40];
    con_iso_time(gl_con_now(k->c), at, sizeof(at));
    sqlite3_stmt *st = con_prepare(k->c->db, "INSERT INTO console_feedback(flow_id, label, who, at, result)"
                                             " VALUES (?1,?2,?3,?4,?5)");
    if (st) {
        sqlite3_bind_int64(st, 1, flow);
        sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, k->who.user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, msg, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    json_object_set_new(k->audit_detail, "result", json_string(gl_con_utf8_valid(msg, strlen(msg)) ? msg : ""));
    con_reply_json(k, 200, json_pack("{s:I,s:s,s:s}", "flow_id", (json_int_t)flow, "label", label, "result",
                                     gl_con_utf8_valid(msg, strlen(msg)) ? msg : ""));
}

/* ---------------------------------------------------------------- health */

void con_h_health(con_call *k)
{
    if (!con_args_check(k, NULL))
        return;
    sqlite3 *db = k->c->db;
    json_t *o = json_object();
    sqlite3_stmt *st = con_prepare(db, "SELECT id, ts_usec, ts, json AS eve FROM events WHERE event_type = 'stats'"
                                       " ORDER BY ts_usec DESC, id DESC LIMIT 1");
    static const char *const jcols[] = { "eve", NULL };
    json_t *rows = con_rows_json(st, jcols);
    sqlite3_finalize(st);
    json_t *last = json_array_get(rows, 0);
    json_object_set(o, "latest_stats", last ? last : json_null());
    json_decref(rows);
    st = con_prepare(db, "SELECT coalesce(max(id), 0) AS events_max_id, coalesce(max(ts_usec), 0) AS last_event_usec"
                         " FROM events WHERE id = (SELECT max(id) FROM events)");
    rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    json_object_set(o, "store", json_array_get(rows, 0) ? json_array_get(rows, 0) : json_null());
    json_decref(rows);
    st = con_prepare(db, "SELECT hour * 3600 AS t, sum(n) AS anomalies FROM console_ev_hour WHERE event_type ="
                         " 'anomaly' GROUP BY hour ORDER BY hour DESC LIMIT 48");
    json_object_set_new(o, "anomalies_per_hour", con_rows_json(st, NULL));
    sqlite3_finalize(st);
    json_object_set_new(o, "summary_lag_events", json_integer(con_sync_lag(db)));
    con_reply_json(k, 200, o);
}
