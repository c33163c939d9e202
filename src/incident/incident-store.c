/*
 * incident-store.c — incidents in guanlan.db: the tables, creation, facts
 * with their edit history, automatic re-grading, the status workflow
 * open → reported → handling → closed.
 *
 * The tables live next to the sensor's `events` in the same file; they are
 * created here (CREATE ... IF NOT EXISTS) when an incident command opens the
 * database, so the sensor's store never needs to know about incidents.
 * Every write goes through a transaction that also appends the SM3 chain
 * links (chain.c) for the rows it touched, so the chain and the tables can
 * never disagree except by tampering.
 */
#include "incident/incident-db.h"

#include "output/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BEIJING_MIN (8 * 60)

static const char *const INCIDENT_SCHEMA =
    "CREATE TABLE IF NOT EXISTS incidents ("
    "  id INTEGER PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  origin TEXT NOT NULL,"
    "  asset TEXT,"
    "  status TEXT NOT NULL,"
    "  level TEXT,"
    "  reportable INTEGER,"
    "  grade_error TEXT,"
    "  discovered_at TEXT,"
    "  first_report_due TEXT,"
    "  first_report_due_utc INTEGER,"
    "  reported_at TEXT,"
    "  handling_ended_at TEXT,"
    "  summary_due TEXT,"
    "  summary_due_utc INTEGER,"
    "  facts_json TEXT NOT NULL,"
    "  details_json TEXT NOT NULL,"
    "  grade_json TEXT,"
    "  correlation_keys TEXT,"
    "  alert_count INTEGER NOT NULL DEFAULT 0,"
    "  first_seen_usec INTEGER,"
    "  last_seen_usec INTEGER,"
    "  created_at TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS incidents_status ON incidents(status);"
    "CREATE TABLE IF NOT EXISTS incident_facts_history ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL,"
    "  at TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  old_value TEXT,"
    "  new_value TEXT,"
    "  reason TEXT);"
    "CREATE INDEX IF NOT EXISTS incident_facts_history_inc ON incident_facts_history(incident_id);"
    "CREATE TABLE IF NOT EXISTS incident_log ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL,"
    "  at TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  detail TEXT);"
    "CREATE INDEX IF NOT EXISTS incident_log_inc ON incident_log(incident_id);"
    "CREATE TABLE IF NOT EXISTS incident_alerts ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL,"
    "  event_id INTEGER NOT NULL,"
    "  event_sm3 TEXT NOT NULL,"
    "  ts_usec INTEGER NOT NULL,"
    "  signature TEXT,"
    "  signature_id INTEGER,"
    "  category TEXT,"
    "  severity INTEGER,"
    "  src_ip TEXT,"
    "  dest_ip TEXT,"
    "  matched_key TEXT,"
    "  duplicates INTEGER NOT NULL DEFAULT 0,"
    "  last_ts_usec INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS incident_alerts_inc ON incident_alerts(incident_id);"
    "CREATE TABLE IF NOT EXISTS incident_reports ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  content_json TEXT NOT NULL,"
    "  UNIQUE(incident_id, version));"
    "CREATE TABLE IF NOT EXISTS incident_chain ("
    "  seq INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  incident_id INTEGER NOT NULL,"
    "  record_table TEXT NOT NULL,"
    "  record_id INTEGER NOT NULL,"
    "  action TEXT NOT NULL,"
    "  row_sm3 TEXT NOT NULL,"
    "  prev_sm3 TEXT NOT NULL,"
    "  sm3 TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS incident_chain_rec ON incident_chain(record_table, record_id);"
    "CREATE TABLE IF NOT EXISTS incident_correlation_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  last_event_id INTEGER NOT NULL);"
    /* Report versions, history and the chain are append-only. A determined
     * user can drop these triggers; the chain still catches the edit. */
    "CREATE TRIGGER IF NOT EXISTS incident_reports_no_update BEFORE UPDATE ON incident_reports"
    "  BEGIN SELECT RAISE(ABORT, 'incident_reports: report versions are immutable'); END;"
    "CREATE TRIGGER IF NOT EXISTS incident_reports_no_delete BEFORE DELETE ON incident_reports"
    "  BEGIN SELECT RAISE(ABORT, 'incident_reports: report versions are immutable'); END;"
    "CREATE TRIGGER IF NOT EXISTS incident_facts_history_no_update BEFORE UPDATE ON incident_facts_history"
    "  BEGIN SELECT RAISE(ABORT, 'incident_facts_history is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS incident_facts_history_no_delete BEFORE DELETE ON incident_facts_history"
    "  BEGIN SELECT RAISE(ABORT, 'incident_facts_history is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS incident_log_no_update BEFORE UPDATE ON incident_log"
    "  BEGIN SELECT RAISE(ABORT, 'incident_log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS incident_chain_no_update BEFORE UPDATE ON incident_chain"
    "  BEGIN SELECT RAISE(ABORT, 'incident_chain is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS incident_chain_no_delete BEFORE DELETE ON incident_chain"
    "  BEGIN SELECT RAISE(ABORT, 'incident_chain is append-only'); END;";

/* ---------------------------------------------------------------- time */

gl_inc_time gl_incdb_now(void)
{
    gl_inc_time t;
    char err[128];
    const char *fixed = getenv("GUANLAN_NOW");
    if (fixed && *fixed && gl_inc_time_parse(fixed, &t, err, sizeof(err)))
        return t;
    memset(&t, 0, sizeof(t));
    t.utc = (int64_t)time(NULL);
    t.offset_min = BEIJING_MIN;
    return t;
}

void gl_incdb_time_str(const gl_inc_time *t, char *buf, size_t len)
{
    if (!gl_inc_time_format(t, buf, len))
        snprintf(buf, len, "out-of-range");
}

static void now_str(char *buf, size_t len)
{
    gl_inc_time t = gl_incdb_now();
    gl_incdb_time_str(&t, buf, len);
}

/* ---------------------------------------------------------------- db */

bool gl_incdb_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    snprintf(err, errlen, "database: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return false;
}

bool gl_incdb_begin(sqlite3 *db, char *err, size_t errlen)
{
    return gl_incdb_exec(db, "BEGIN IMMEDIATE", err, errlen);
}

bool gl_incdb_commit(sqlite3 *db, char *err, size_t errlen)
{
    return gl_incdb_exec(db, "COMMIT", err, errlen);
}

void gl_incdb_rollback(sqlite3 *db)
{
    char ignore[64];
    gl_incdb_exec(db, "ROLLBACK", ignore, sizeof(ignore));
}

/* A missing or empty file becomes a guanlan.db through the store's own API,
 * so the events schema is exactly the sensor's. */
static bool create_store_if_missing(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && sb.st_size > 0)
        return true;
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = path;
    gl_store *s = gl_store_open(&cfg, err, errlen);
    if (!s)
        return false;
    return gl_store_close(s, NULL) == 0;
}

static bool is_guanlan_db(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM meta WHERE key='application' AND value='guanlan'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return ok;
}

sqlite3 *gl_incdb_open(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (!create_store_if_missing(path, err, errlen))
        return NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    if (!is_guanlan_db(db)) {
        snprintf(err, errlen, "%s: not a guanlan database", path);
        sqlite3_close(db);
        return NULL;
    }
    if (!gl_incdb_exec(db, INCIDENT_SCHEMA, err, errlen)) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

void gl_incdb_close(sqlite3 *db)
{
    sqlite3_close(db);
}

/* ---------------------------------------------------------------- helpers */

static bool step_done(sqlite3 *db, sqlite3_stmt *st, char *err, size_t errlen)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return false;
    }
    sqlite3_finalize(st);
    return true;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Compact, key-sorted JSON text (stable: the chain hashes it). */
static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

bool gl_incdb_log(sqlite3 *db, int64_t id, const char *who, const char *action, json_t *detail,
                  char *err, size_t errlen)
{
    char at[GL_INC_TIME_STRLEN];
    now_str(at, sizeof(at));
    sqlite3_stmt *st = prepare(db, "INSERT INTO incident_log(incident_id, at, who, action, detail) VALUES (?,?,?,?,?)",
                               err, errlen);
    if (!st)
        return false;
    char *d = detail ? dump(detail) : NULL;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 5, d);
    free(d);
    if (!step_done(db, st, err, errlen))
        return false;
    return gl_chain_append(db, id, "incident_log", sqlite3_last_insert_rowid(db), action, err, errlen);
}

/* ---------------------------------------------------------------- grading */

/* Run the grading engine exactly as `incident grade` does; the document
 * (or the one-line error without the command prefix) comes back malloc'd. */
static int grade_facts(json_t *facts, const char *calendar_dir, char **doc, char **error)
{
    char *in = dump(facts);
    char *obuf = NULL, *ebuf = NULL;
    size_t olen = 0, elen = 0;
    FILE *out = open_memstream(&obuf, &olen), *errf = open_memstream(&ebuf, &elen);
    int rc = GL_INC_EXIT_INTERNAL;
    if (in && out && errf)
        rc = gl_inc_grade_json(in, strlen(in), calendar_dir, out, errf);
    if (out)
        fclose(out);
    if (errf)
        fclose(errf);
    free(in);
    *doc = obuf;
    *error = ebuf;
    if (ebuf) {
        const char *prefix = "guanlan incident grade: ";
        size_t pl = strlen(prefix);
        if (strncmp(ebuf, prefix, pl) == 0)
            memmove(ebuf, ebuf + pl, strlen(ebuf + pl) + 1);
        ebuf[strcspn(ebuf, "\n")] = '\0';
    }
    return rc;
}

static int64_t time_utc(const char *s)
{
    gl_inc_time t;
    char e[128];
    return s && gl_inc_time_parse(s, &t, e, sizeof(e)) ? t.utc : INT64_MIN;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool gl_incdb_regrade(sqlite3 *db, int64_t id, const char *who, const char *trigger,
                      const char *calendar_dir, char *err, size_t errlen)
{
    json_t *inc = gl_incdb_load(db, id, err, errlen);
    if (!inc)
        return false;
    char *doc = NULL, *gerr = NULL;
    int rc = grade_facts(json_object_get(inc, "facts"), calendar_dir, &doc, &gerr);
    json_t *g = rc == GL_INC_EXIT_OK && doc ? json_loads(doc, 0, NULL) : NULL;
    const char *level_before = jstr(inc, "level");
    json_t *detail = json_pack("{s:s, s:s?}", "trigger", trigger, "level_before", level_before);
    const char *level = NULL, *due = NULL, *summary = NULL, *ended = NULL;
    int reportable = -1;
    if (g) {
        level = jstr(g, "level");
        reportable = json_is_true(json_object_get(g, "reportable"));
        json_t *ob = json_array_get(json_object_get(g, "obligations"), 0);
        due = ob ? jstr(ob, "due") : NULL;
        summary = jstr(g, "summary_report_due");
        json_object_set(detail, "grade", g);
    } else {
        json_object_set_new(detail, "error", json_string(gerr ? gerr : "grading failed"));
    }
    ended = jstr(json_object_get(inc, "facts"), "handling_ended_at");
    json_object_set_new(detail, "level", level ? json_string(level) : json_null());
    char at[GL_INC_TIME_STRLEN];
    now_str(at, sizeof(at));
    sqlite3_stmt *st = prepare(db,
                               "UPDATE incidents SET level=?, reportable=?, grade_error=?, discovered_at=?,"
                               " first_report_due=?, first_report_due_utc=?, handling_ended_at=?, summary_due=?,"
                               " summary_due_utc=?, grade_json=?, updated_at=? WHERE id=?",
                               err, errlen);
    bool ok = st != NULL;
    if (ok) {
        bind_text_or_null(st, 1, level);
        if (reportable >= 0)
            sqlite3_bind_int(st, 2, reportable);
        bind_text_or_null(st, 3, g ? NULL : (gerr ? gerr : "grading failed"));
        bind_text_or_null(st, 4, jstr(json_object_get(inc, "facts"), "discovered_at"));
        bind_text_or_null(st, 5, due);
        if (due && time_utc(due) != INT64_MIN)
            sqlite3_bind_int64(st, 6, time_utc(due));
        bind_text_or_null(st, 7, ended);
        bind_text_or_null(st, 8, summary);
        if (summary && time_utc(summary) != INT64_MIN)
            sqlite3_bind_int64(st, 9, time_utc(summary));
        char *gtext = g ? dump(g) : NULL;
        bind_text_or_null(st, 10, gtext);
        free(gtext);
        sqlite3_bind_text(st, 11, at, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 12, id);
        ok = step_done(db, st, err, errlen) && gl_chain_append(db, id, "incidents", id, "graded", err, errlen) &&
             gl_incdb_log(db, id, who, "graded", detail, err, errlen);
    }
    json_decref(detail);
    json_decref(g);
    json_decref(inc);
    free(doc);
    free(gerr);
    return ok;
}

/* ---------------------------------------------------------------- create */

int64_t gl_incdb_create(sqlite3 *db, const gl_incdb_new *n, const char *calendar_dir, char *err,
                        size_t errlen)
{
    char at[GL_INC_TIME_STRLEN];
    now_str(at, sizeof(at));
    sqlite3_stmt *st = prepare(db,
                               "INSERT INTO incidents(title, origin, asset, status, facts_json, details_json,"
                               " correlation_keys, alert_count, first_seen_usec, last_seen_usec, created_at,"
                               " created_by, updated_at) VALUES (?,?,?,'open',?,?,?,0,?,?,?,?,?)",
                               err, errlen);
    if (!st)
        return -1;
    json_t *empty = json_object();
    char *facts = dump(n->facts), *details = dump(n->details ? n->details : empty);
    char *keys = n->keys ? dump(n->keys) : NULL;
    json_decref(empty);
    sqlite3_bind_text(st, 1, n->title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, n->origin, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, n->asset);
    bind_text_or_null(st, 4, facts);
    bind_text_or_null(st, 5, details);
    bind_text_or_null(st, 6, keys);
    if (n->first_seen_usec > 0) {
        sqlite3_bind_int64(st, 7, n->first_seen_usec);
        sqlite3_bind_int64(st, 8, n->last_seen_usec);
    }
    sqlite3_bind_text(st, 9, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, n->who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, at, -1, SQLITE_TRANSIENT);
    free(facts);
    free(details);
    free(keys);
    if (!facts || !details) {
        sqlite3_finalize(st);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!step_done(db, st, err, errlen))
        return -1;
    int64_t id = sqlite3_last_insert_rowid(db);
    json_t *detail = json_pack("{s:s, s:s, s:s?}", "origin", n->origin, "title", n->title, "asset", n->asset);
    bool ok = gl_chain_append(db, id, "incidents", id, "created", err, errlen) &&
              gl_incdb_log(db, id, n->who, "created", detail, err, errlen) &&
              gl_incdb_regrade(db, id, n->who, "created", calendar_dir, err, errlen);
    json_decref(detail);
    return ok ? id : -1;
}

/* ---------------------------------------------------------------- load */

static json_t *parse_or_null(const unsigned char *t)
{
    json_t *v = t ? json_loads((const char *)t, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_null();
}

json_t *gl_incdb_load(sqlite3 *db, int64_t id, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare(db, "SELECT * FROM incidents WHERE id=?", err, errlen);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "incident %" PRId64 ": no such incident", id);
        sqlite3_finalize(st);
        return NULL;
    }
    json_t *o = json_object();
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *name = sqlite3_column_name(st, i);
        json_t *v;
        if (strcmp(name, "facts_json") == 0 || strcmp(name, "details_json") == 0 ||
            strcmp(name, "grade_json") == 0 || strcmp(name, "correlation_keys") == 0) {
            v = parse_or_null(sqlite3_column_text(st, i));
            char key[32];
            snprintf(key, sizeof(key), "%.*s", (int)strcspn(name, "_"), name);
            if (strcmp(name, "correlation_keys") == 0)
                snprintf(key, sizeof(key), "correlation_keys");
            json_object_set_new(o, key, v);
            continue;
        }
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, i)); break;
        case SQLITE_NULL: v = json_null(); break;
        default: v = json_string((const char *)sqlite3_column_text(st, i)); break;
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    sqlite3_finalize(st);
    if (json_is_integer(json_object_get(o, "reportable")))
        json_object_set_new(o, "reportable", json_boolean(json_integer_value(json_object_get(o, "reportable"))));
    return o;
}

/* ---------------------------------------------------------------- paths */

/* One step of a path: a member name, or [index] into an array. */
typedef struct step {
    char name[64];
    long index; /* -1: a member name */
} step;

#define MAX_STEPS 8

static int split_path(const char *path, step *steps, char *err, size_t errlen)
{
    int n = 0;
    const char *p = path;
    while (*p) {
        if (n == MAX_STEPS) {
            snprintf(err, errlen, "%.200s: path too deep", path);
            return -1;
        }
        if (*p == '[') {
            char *end;
            errno = 0;
            long k = strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || k < 0 || k >= GL_INC_MAX_ENTRIES || errno) {
                snprintf(err, errlen, "%.200s: bad array index", path);
                return -1;
            }
            steps[n].name[0] = '\0';
            steps[n++].index = k;
            p = end + 1;
            if (*p == '.')
                p++;
            continue;
        }
        size_t len = strcspn(p, ".[");
        if (len == 0 || len >= sizeof(steps[0].name)) {
            snprintf(err, errlen, "%.200s: bad path", path);
            return -1;
        }
        memcpy(steps[n].name, p, len);
        steps[n].name[len] = '\0';
        steps[n++].index = -1;
        p += len;
        if (*p == '.') {
            p++;
            if (!*p) {
                snprintf(err, errlen, "%.200s: bad path", path);
                return -1;
            }
        }
    }
    if (n == 0)
        snprintf(err, errlen, "path: empty");
    return n ? n : -1;
}

bool gl_incdb_json_set_path(json_t *doc, const char *path, json_t *value, json_t **old_out,
                            char *err, size_t errlen)
{
    step s[MAX_STEPS];
    int n = split_path(path, s, err, errlen);
    *old_out = NULL;
    if (n < 0)
        return false;
    json_t *cur = doc;
    for (int i = 0; i < n; i++) {
        bool last = i == n - 1;
        json_t *next;
        if (s[i].index >= 0) {
            if (!json_is_array(cur)) {
                snprintf(err, errlen, "%.200s: not an array", path);
                return false;
            }
            size_t k = (size_t)s[i].index, sz = json_array_size(cur);
            if (k > sz) {
                snprintf(err, errlen, "%.200s: index %zu past the end (%zu entries)", path, k, sz);
                return false;
            }
            if (last) {
                if (k < sz)
                    *old_out = json_incref(json_array_get(cur, k));
                return k < sz ? json_array_set(cur, k, value) == 0 : json_array_append(cur, value) == 0;
            }
            if (k == sz && json_array_append_new(cur, s[i + 1].index >= 0 ? json_array() : json_object()) != 0) {
                snprintf(err, errlen, "%.200s: out of memory", path);
                return false;
            }
            next = json_array_get(cur, k);
        } else {
            if (!json_is_object(cur)) {
                snprintf(err, errlen, "%.200s: %s is not an object", path, s[i].name);
                return false;
            }
            if (last) {
                json_t *old = json_object_get(cur, s[i].name);
                *old_out = old ? json_incref(old) : NULL;
                if (json_object_set(cur, s[i].name, value) != 0) {
                    snprintf(err, errlen, "path: member name is not valid UTF-8");
                    return false;
                }
                return true;
            }
            next = json_object_get(cur, s[i].name);
            if (!next || json_is_null(next)) {
                next = s[i + 1].index >= 0 ? json_array() : json_object();
                /* jansson refuses (and frees next) for a name that is not UTF-8 */
                if (json_object_set_new(cur, s[i].name, next) != 0) {
                    snprintf(err, errlen, "path: member name is not valid UTF-8");
                    return false;
                }
            }
        }
        cur = next;
    }
    return false;
}

/* ---------------------------------------------------------------- facts */

/* Narrative members of the report (details.*): strings, or null. */
static const char *const DETAIL_PATHS[] = {
    "details.type", "details.place", "details.occurred_at", "details.impact", "details.measures_taken",
    "details.measures_effect", "details.development", "details.cause", "details.tracing.attacker",
    "details.tracing.attack_path", "details.tracing.vulnerabilities", "details.further_measures",
    "details.support_requested", "details.scene_preservation", "details.other", "details.ransomware.amount",
    "details.ransomware.payment_method", "details.ransomware.demanded_at", "details.summary.response",
    "details.summary.harm", "details.summary.accountability", "details.summary.rectification",
    "details.summary.lessons", "details.contact", NULL
};

static bool check_detail(const char *path, json_t *value, char *err, size_t errlen)
{
    bool known = false;
    for (size_t i = 0; DETAIL_PATHS[i]; i++)
        if (strcmp(path, DETAIL_PATHS[i]) == 0)
            known = true;
    if (!known) {
        snprintf(err, errlen, "%.200s: unknown report detail (see docs/incident-records.md)", path);
        return false;
    }
    if (!json_is_string(value) && !json_is_null(value)) {
        snprintf(err, errlen, "%.200s: must be a string or null", path);
        return false;
    }
    if (json_is_string(value) && json_string_length(value) > GL_INC_TEXT_MAX) {
        snprintf(err, errlen, "%.200s: longer than %d bytes", path, GL_INC_TEXT_MAX);
        return false;
    }
    return true;
}

/* The field an engine error names ("facts.x.y: why" -> "facts.x.y"). */
static bool error_names_path(const char *gerr, const char *path)
{
    size_t pl = strlen(path);
    if (strncmp(gerr, path, pl) == 0 && (gerr[pl] == ':' || gerr[pl] == '.' || gerr[pl] == '['))
        return true;
    /* a parent named for a bad child: "facts.data: missing category" */
    size_t el = strcspn(gerr, ":");
    return el < pl && strncmp(gerr, path, el) == 0 && (path[el] == '.' || path[el] == '[');
}

/* Array entries of site_outage/defacement created by set-fact start from
 * the asset's site description, so kind/level/platform_size come from the
 * registry instead of being retyped. */
static void seed_new_entry(json_t *facts, json_t *details, const char *path)
{
    static const char *const arrays[] = { "facts.site_outage[", "facts.defacement[", NULL };
    json_t *site = json_object_get(json_object_get(details, "system"), "site");
    if (!json_is_object(site))
        return;
    for (size_t i = 0; arrays[i]; i++) {
        size_t al = strlen(arrays[i]);
        if (strncmp(path, arrays[i], al) != 0)
            continue;
        char *end;
        long k = strtol(path + al, &end, 10);
        if (*end != ']' || end[1] != '.')
            return;
        char name[32];
        snprintf(name, sizeof(name), "%.*s", (int)(al - 7), arrays[i] + 6);
        json_t *arr = json_object_get(json_object_get(facts, "facts"), name);
        if (k != (long)(arr ? json_array_size(arr) : 0))
            return;
        char base[64];
        snprintf(base, sizeof(base), "%.*s%ld]", (int)al - 1, arrays[i], k);
        json_t *old = NULL;
        char e[128];
        json_t *seed = json_deep_copy(site);
        gl_incdb_json_set_path(facts, base + 0, seed, &old, e, sizeof(e));
        json_decref(seed);
        json_decref(old);
    }
}

static bool update_doc_column(sqlite3 *db, int64_t id, const char *column, json_t *doc, char *err, size_t errlen)
{
    char sql[96], at[GL_INC_TIME_STRLEN];
    now_str(at, sizeof(at));
    snprintf(sql, sizeof(sql), "UPDATE incidents SET %s=?, updated_at=? WHERE id=?", column);
    sqlite3_stmt *st = prepare(db, sql, err, errlen);
    if (!st)
        return false;
    char *t = dump(doc);
    bind_text_or_null(st, 1, t);
    free(t);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, id);
    return step_done(db, st, err, errlen);
}

static bool add_history(sqlite3 *db, int64_t id, const char *who, const char *path, json_t *old, json_t *new,
                        const char *reason, char *err, size_t errlen)
{
    char at[GL_INC_TIME_STRLEN];
    now_str(at, sizeof(at));
    sqlite3_stmt *st = prepare(db,
                               "INSERT INTO incident_facts_history(incident_id, at, who, path, old_value, new_value,"
                               " reason) VALUES (?,?,?,?,?,?,?)",
                               err, errlen);
    if (!st)
        return false;
    char *o = old ? dump(old) : NULL, *nw = new ? dump(new) : NULL;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, path, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 5, o);
    bind_text_or_null(st, 6, nw);
    bind_text_or_null(st, 7, reason);
    free(o);
    free(nw);
    if (!step_done(db, st, err, errlen))
        return false;
    return gl_chain_append(db, id, "incident_facts_history", sqlite3_last_insert_rowid(db), "fact", err, errlen);
}

static bool is_facts_path(const char *path)
{
    static const char *const roots[] = { "operator.", "discovered_at", "handling_ended_at", "facts.", "overlays.",
                                         NULL };
    for (size_t i = 0; roots[i]; i++) {
        size_t l = strlen(roots[i]);
        if (strncmp(path, roots[i], l) == 0 && (roots[i][l - 1] == '.' || path[l] == '\0'))
            return true;
    }
    return false;
}

int gl_incdb_set_fact(sqlite3 *db, int64_t id, const char *path, json_t *value, const char *who,
                      const char *reason, const char *calendar_dir, char *err, size_t errlen)
{
    bool details = strncmp(path, "details.", 8) == 0;
    if (!details && !is_facts_path(path)) {
        snprintf(err, errlen, "%.200s: not a fact (operator.*, discovered_at, handling_ended_at, facts.*, "
                 "overlays.* or details.*)", path);
        return GL_INC_EXIT_BAD_INPUT;
    }
    if (details && !check_detail(path, value, err, errlen))
        return GL_INC_EXIT_BAD_INPUT;
    json_t *inc = gl_incdb_load(db, id, err, errlen);
    if (!inc)
        return GL_INC_EXIT_BAD_INPUT;
    json_t *doc = json_deep_copy(json_object_get(inc, details ? "details" : "facts"));
    json_t *old = NULL;
    int rc = GL_INC_EXIT_BAD_INPUT;
    if (!json_is_object(doc)) {
        json_decref(doc);
        doc = json_object();
    }
    if (!details)
        seed_new_entry(doc, json_object_get(inc, "details"), path);
    if (!gl_incdb_json_set_path(doc, details ? path + 8 : path, value, &old, err, errlen))
        goto out;
    if (!details) {
        /* Refuse a value the grading engine would refuse; other gaps (an
         * operator not yet known) may be filled in by later edits. */
        char *gdoc = NULL, *gerr = NULL;
        int grc = grade_facts(doc, calendar_dir, &gdoc, &gerr);
        bool reject = grc == GL_INC_EXIT_BAD_INPUT && gerr && error_names_path(gerr, path);
        if (reject)
            snprintf(err, errlen, "%s", gerr);
        free(gdoc);
        free(gerr);
        if (reject)
            goto out;
    }
    if (!gl_incdb_begin(db, err, errlen)) {
        rc = GL_INC_EXIT_INTERNAL;
        goto out;
    }
    if (!update_doc_column(db, id, details ? "details_json" : "facts_json", doc, err, errlen) ||
        !gl_chain_append(db, id, "incidents", id, "fact", err, errlen) ||
        !add_history(db, id, who, path, old, value, reason, err, errlen) ||
        (!details && !gl_incdb_regrade(db, id, who, path, calendar_dir, err, errlen)) ||
        !gl_incdb_commit(db, err, errlen)) {
        gl_incdb_rollback(db);
        rc = GL_INC_EXIT_INTERNAL;
        goto out;
    }
    rc = GL_INC_EXIT_OK;
out:
    json_decref(old);
    json_decref(doc);
    json_decref(inc);
    return rc;
}

/* ---------------------------------------------------------------- status */

static bool transition_allowed(const char *from, const char *to, bool reportable)
{
    if (strcmp(from, "open") == 0)
        return strcmp(to, "reported") == 0 || (strcmp(to, "handling") == 0 && !reportable);
    if (strcmp(from, "reported") == 0)
        return strcmp(to, "handling") == 0;
    if (strcmp(from, "handling") == 0)
        return strcmp(to, "closed") == 0;
    return false;
}

int gl_incdb_set_status(sqlite3 *db, int64_t id, const char *status, const char *who,
                        const char *at, const char *calendar_dir, char *err, size_t errlen)
{
    static const char *const known[] = { "open", "reported", "handling", "closed", NULL };
    bool ok_name = false;
    for (size_t i = 0; known[i]; i++)
        ok_name |= strcmp(status, known[i]) == 0;
    if (!ok_name) {
        snprintf(err, errlen, "status: unknown status \"%.40s\" (open, reported, handling, closed)", status);
        return GL_INC_EXIT_BAD_INPUT;
    }
    char when[GL_INC_TIME_STRLEN];
    gl_inc_time t;
    if (at) {
        if (!gl_inc_time_parse(at, &t, err, errlen)) {
            char why[160];
            snprintf(why, sizeof(why), "%s", err);
            snprintf(err, errlen, "--at: %s", why);
            return GL_INC_EXIT_BAD_INPUT;
        }
    } else {
        t = gl_incdb_now();
    }
    gl_incdb_time_str(&t, when, sizeof(when));
    json_t *inc = gl_incdb_load(db, id, err, errlen);
    if (!inc)
        return GL_INC_EXIT_BAD_INPUT;
    const char *from = jstr(inc, "status");
    bool reportable = json_is_true(json_object_get(inc, "reportable"));
    int rc = GL_INC_EXIT_BAD_INPUT;
    if (!transition_allowed(from ? from : "", status, reportable)) {
        snprintf(err, errlen, "status: cannot go from %s to %s%s", from ? from : "?", status,
                 strcmp(from ? from : "", "open") == 0 && strcmp(status, "handling") == 0
                     ? " (a reportable incident must be reported first)" : "");
        goto out;
    }
    json_t *ended = json_object_get(json_object_get(inc, "facts"), "handling_ended_at");
    if (strcmp(status, "closed") == 0 && (!ended || json_is_null(ended))) {
        /* Closing ends handling: the 30-day summary deadline starts here. */
        json_t *v = json_string(when);
        rc = gl_incdb_set_fact(db, id, "handling_ended_at", v, who, "status closed", calendar_dir, err, errlen);
        json_decref(v);
        if (rc != GL_INC_EXIT_OK)
            goto out;
        rc = GL_INC_EXIT_BAD_INPUT;
    }
    if (!gl_incdb_begin(db, err, errlen)) {
        rc = GL_INC_EXIT_INTERNAL;
        goto out;
    }
    sqlite3_stmt *st = prepare(db,
                               strcmp(status, "reported") == 0
                                   ? "UPDATE incidents SET status=?, reported_at=?, updated_at=? WHERE id=?"
                                   : "UPDATE incidents SET status=?, updated_at=?, updated_at=? WHERE id=?",
                               err, errlen);
    json_t *detail = json_pack("{s:s, s:s, s:s}", "from", from, "to", status, "at", when);
    char now[GL_INC_TIME_STRLEN];
    now_str(now, sizeof(now));
    bool ok = st != NULL;
    if (ok) {
        sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, strcmp(status, "reported") == 0 ? when : now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, id);
        ok = step_done(db, st, err, errlen) && gl_chain_append(db, id, "incidents", id, "status", err, errlen) &&
             gl_incdb_log(db, id, who, "status", detail, err, errlen) && gl_incdb_commit(db, err, errlen);
    }
    json_decref(detail);
    if (!ok) {
        gl_incdb_rollback(db);
        rc = GL_INC_EXIT_INTERNAL;
        goto out;
    }
    rc = GL_INC_EXIT_OK;
out:
    json_decref(inc);
    return rc;
}
