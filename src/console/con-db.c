/*
 * con-db.c — the console's tables in guanlan.db (accounts, sessions, API
 * tokens, the audit log, settings, the asset registry, feedback and the
 * summary tables that keep the overview fast) and small SQLite helpers.
 * Schema is documented in docs/console.md.
 */
#include "console/con-internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const CONSOLE_SCHEMA =
    "CREATE TABLE IF NOT EXISTS console_users ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('admin','operator','auditor')),"
    "  pw_hash TEXT NOT NULL,"
    "  must_change INTEGER NOT NULL DEFAULT 1,"
    "  totp_secret TEXT,"
    "  totp_pending TEXT,"
    "  totp_last_step INTEGER NOT NULL DEFAULT 0,"
    "  failed INTEGER NOT NULL DEFAULT 0,"
    "  locked_until INTEGER NOT NULL DEFAULT 0,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  pw_changed_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS console_sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  token_sha TEXT NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL,"
    "  csrf TEXT NOT NULL,"
    "  client_hash TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS console_tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  token_sha TEXT NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  last_used INTEGER,"
    "  revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS console_audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  client TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  result TEXT NOT NULL,"
    "  prev_sm3 TEXT NOT NULL,"
    "  sm3 TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS console_audit_actor ON console_audit(actor, seq);"
    "CREATE TRIGGER IF NOT EXISTS console_audit_no_update BEFORE UPDATE ON console_audit"
    "  BEGIN SELECT RAISE(ABORT, 'console_audit is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS console_audit_no_delete BEFORE DELETE ON console_audit"
    "  BEGIN SELECT RAISE(ABORT, 'console_audit is append-only'); END;"
    "CREATE TABLE IF NOT EXISTS console_config (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS console_assets ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  doc TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  updated_by TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS console_feedback ("
    "  id INTEGER PRIMARY KEY,"
    "  flow_id INTEGER NOT NULL,"
    "  label TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  result TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS console_feedback_flow ON console_feedback(flow_id);"
    /* summary tables, rebuilt from events by con-sync.c */
    "CREATE TABLE IF NOT EXISTS console_sync (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  last_event_id INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS console_alerts ("
    "  event_id INTEGER PRIMARY KEY,"
    "  ts_usec INTEGER NOT NULL,"
    "  flow_id INTEGER,"
    "  src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER,"
    "  proto TEXT, app_proto TEXT,"
    "  signature TEXT, signature_id INTEGER, category TEXT, severity INTEGER,"
    "  score INTEGER);"
    /* (time, score) covers the overview's score distribution without row lookups */
    "DROP INDEX IF EXISTS console_alerts_ts;"
    "CREATE INDEX IF NOT EXISTS console_alerts_ts_score ON console_alerts(ts_usec, score);"
    "CREATE INDEX IF NOT EXISTS console_alerts_src ON console_alerts(src_ip, ts_usec);"
    "CREATE INDEX IF NOT EXISTS console_alerts_dest ON console_alerts(dest_ip, ts_usec);"
    "CREATE INDEX IF NOT EXISTS console_alerts_cat ON console_alerts(category, ts_usec);"
    "CREATE INDEX IF NOT EXISTS console_alerts_score ON console_alerts(score, ts_usec);"
    "CREATE INDEX IF NOT EXISTS console_alerts_flow ON console_alerts(flow_id);"
    "CREATE TABLE IF NOT EXISTS console_ev_min (minute INTEGER NOT NULL, event_type TEXT NOT NULL,"
    "  proto TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (minute, event_type, proto)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS console_ev_hour (hour INTEGER NOT NULL, event_type TEXT NOT NULL,"
    "  proto TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, event_type, proto)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS console_talkers_hour (hour INTEGER NOT NULL, ip TEXT NOT NULL,"
    "  n INTEGER NOT NULL, PRIMARY KEY (hour, ip)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS console_tls_hour (hour INTEGER NOT NULL, kind TEXT NOT NULL,"
    "  fp TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, kind, fp)) WITHOUT ROWID;"
    /* the 100 largest of each hour, what the overview sums over a range */
    "CREATE TABLE IF NOT EXISTS console_talkers_top (hour INTEGER NOT NULL, ip TEXT NOT NULL,"
    "  n INTEGER NOT NULL, PRIMARY KEY (hour, ip)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS console_tls_top (hour INTEGER NOT NULL, kind TEXT NOT NULL,"
    "  fp TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, kind, fp)) WITHOUT ROWID;";

bool con_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "guanlan console: database: %s\n", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc == SQLITE_OK;
}

bool con_db_schema(sqlite3 *db, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, CONSOLE_SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "console schema: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return false;
    }
    return true;
}

sqlite3_stmt *con_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "guanlan console: prepare: %s\n", sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

static bool is_json_column(const char *name, const char *const *json_columns)
{
    for (size_t i = 0; json_columns && json_columns[i]; i++)
        if (strcmp(name, json_columns[i]) == 0)
            return true;
    return false;
}

/* Every remaining row of st as an object keyed by column name; columns
 * named in json_columns hold JSON text and are embedded parsed. */
json_t *con_rows_json(sqlite3_stmt *st, const char *const *json_columns)
{
    json_t *arr = json_array();
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_t *r = json_object();
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *name = sqlite3_column_name(st, i);
            json_t *v;
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, i)); break;
            case SQLITE_FLOAT: v = json_real(sqlite3_column_double(st, i)); break;
            case SQLITE_NULL: v = json_null(); break;
            default: {
                const char *t = (const char *)sqlite3_column_text(st, i);
                v = is_json_column(name, json_columns) ? json_loads(t ? t : "", JSON_DECODE_ANY, NULL) : NULL;
                if (!v)
                    v = json_string(t ? t : "");
                if (!v) /* not UTF-8 (written by something else): keep the row, drop the value */
                    v = json_null();
            }
            }
            json_object_set_new(r, name, v);
        }
        json_array_append_new(arr, r);
    }
    return arr;
}

void con_iso_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "%lld", (long long)t);
}

/* ---- settings ---- */

typedef struct setting_def {
    const char *key;
    int lo, hi, def;
    size_t off;
} setting_def;

static const setting_def SETTINGS[] = {
    { "session_idle_minutes", 1, 240, 15, offsetof(con_settings, session_idle_min) },
    { "session_max_hours", 1, 24, 8, offsetof(con_settings, session_max_hours) },
    { "lockout_threshold", 3, 20, 5, offsetof(con_settings, lockout_threshold) },
    { "lockout_minutes", 1, 1440, 15, offsetof(con_settings, lockout_min) },
    { "token_max_days", 1, 365, 90, offsetof(con_settings, token_max_days) },
};

void con_settings_load(gl_console *c)
{
    for (size_t i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++)
        *(int *)((char *)&c->set + SETTINGS[i].off) = SETTINGS[i].def;
    c->set.totp_required = true;
    sqlite3_stmt *st = con_prepare(c->db, "SELECT key, value FROM console_config");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        if (!k || !v)
            continue;
        if (strcmp(k, "totp_required") == 0)
            c->set.totp_required = strcmp(v, "0") != 0;
        for (size_t i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++) {
            long x = strtol(v, NULL, 10);
            if (strcmp(k, SETTINGS[i].key) == 0 && x >= SETTINGS[i].lo && x <= SETTINGS[i].hi)
                *(int *)((char *)&c->set + SETTINGS[i].off) = (int)x;
        }
    }
    sqlite3_finalize(st);
}

json_t *con_settings_json(const con_settings *s)
{
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++)
        json_object_set_new(o, SETTINGS[i].key, json_integer(*(const int *)((const char *)s + SETTINGS[i].off)));
    json_object_set_new(o, "totp_required", json_boolean(s->totp_required));
    return o;
}

static bool store_setting(sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st = con_prepare(db, "INSERT INTO console_config(key, value) VALUES (?1, ?2)"
                                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!st)
        return false;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

/* Validate every member first, then store: a bad member changes nothing. */
const char *con_settings_apply(gl_console *c, json_t *patch)
{
    const char *key;
    json_t *v;
    if (!json_is_object(patch) || json_object_size(patch) == 0)
        return "body: an object with at least one setting";
    json_object_foreach(patch, key, v) {
        bool known = false;
        if (strcmp(key, "totp_required") == 0) {
            if (!json_is_boolean(v))
                return "totp_required: true or false";
            known = true;
        }
        for (size_t i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++)
            if (strcmp(key, SETTINGS[i].key) == 0) {
                if (!json_is_integer(v) || json_integer_value(v) < SETTINGS[i].lo ||
                    json_integer_value(v) > SETTINGS[i].hi)
                    return "setting out of range (see GET /api/v1/config/limits)";
                known = true;
            }
        if (!known)
            return "unknown setting";
    }
    if (!con_exec(c->db, "BEGIN IMMEDIATE"))
        return "database busy";
    bool ok = true;
    json_object_foreach(patch, key, v) {
        char buf[32];
        if (json_is_boolean(v))
            snprintf(buf, sizeof(buf), "%d", json_is_true(v) ? 1 : 0);
        else
            snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
        ok = ok && store_setting(c->db, key, buf);
    }
    if (!ok || !con_exec(c->db, "COMMIT")) {
        con_exec(c->db, "ROLLBACK");
        return "database error";
    }
    con_settings_load(c);
    return NULL;
}

json_t *con_settings_limits(void)
{
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++)
        json_object_set_new(o, SETTINGS[i].key,
                            json_pack("{s:i,s:i,s:i}", "min", SETTINGS[i].lo, "max", SETTINGS[i].hi, "default",
                                      SETTINGS[i].def));
    return o;
}
