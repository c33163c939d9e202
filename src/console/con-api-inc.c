/*
 * con-api-inc.c — incidents through the console: list with level, status and
 * the pending reporting deadline; detail (facts, grade with the reason for
 * each criterion, history, log, linked alerts, report versions); opening an
 * incident; editing one fact (re-graded at once); status moves; correlation
 * of new alerts; report versions (build, list, render md/html/json).
 *
 * All of it is the incident stage's library (gl_incdb_*, gl_report_*,
 * gl_correlate) called with the console user as "who", so the SM3 incident
 * chain covers console edits exactly as it covers CLI edits.
 */
#include "console/con-internal.h"
#include "incident/incident-db.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void who_str(con_call *k, char *buf, size_t len)
{
    snprintf(buf, len, "console:%s", k->who.user);
}

/* The pending deadline of each incident, as `guanlan incident list --due`
 * defines it (docs/incident-records.md): the first report while a reportable
 * incident is open; the summary report once handling has ended until a
 * summary version exists. */
static const char *const LIST_SQL =
    "SELECT i.id, i.title, i.status, coalesce(i.level, 'ungraded') AS level, i.reportable, i.asset,"
    " i.alert_count, i.discovered_at, i.grade_error, i.updated_at,"
    " CASE WHEN i.status = 'open' AND i.reportable = 1 THEN 'first_report'"
    "      WHEN i.summary_due IS NOT NULL AND i.reportable = 1 AND NOT EXISTS (SELECT 1 FROM incident_reports r"
    "           WHERE r.incident_id = i.id AND r.kind = 'summary') THEN 'summary_report' END AS duty,"
    " CASE WHEN i.status = 'open' AND i.reportable = 1 THEN i.first_report_due ELSE i.summary_due END AS due,"
    " CASE WHEN i.status = 'open' AND i.reportable = 1 THEN i.first_report_due_utc ELSE i.summary_due_utc END"
    "   AS due_utc"
    " FROM incidents i";

static void add_countdown(json_t *rows, int64_t now)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *duty = json_object_get(r, "duty"), *due = json_object_get(r, "due_utc");
        if (json_is_string(duty) && json_is_integer(due)) {
            int64_t rem = json_integer_value(due) - now;
            json_object_set_new(r, "remaining_seconds", json_integer(rem));
            json_object_set_new(r, "overdue", json_boolean(rem < 0));
        } else {
            json_object_set_new(r, "duty", json_null());
            json_object_set_new(r, "due", json_null());
        }
        json_object_del(r, "due_utc");
    }
}

json_t *con_incidents_due(gl_console *c, int limit)
{
    char sql[2048];
    snprintf(sql, sizeof(sql), "SELECT * FROM (%s) WHERE duty IS NOT NULL AND due_utc IS NOT NULL"
                               " ORDER BY due_utc, id LIMIT ?1", LIST_SQL);
    sqlite3_stmt *st = con_prepare(c->db, sql);
    if (!st)
        return json_array();
    sqlite3_bind_int(st, 1, limit);
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    add_countdown(rows, gl_con_now(c));
    return rows;
}

json_t *con_incidents_by_level(gl_console *c)
{
    sqlite3_stmt *st = con_prepare(c->db, "SELECT coalesce(level, 'ungraded') AS level, status, count(*) AS n"
                                          " FROM incidents GROUP BY 1, 2 ORDER BY 1, 2");
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    return rows;
}

void con_h_incidents(con_call *k)
{
    static const char *const allowed[] = { "status", "level", "due", "limit", "offset", NULL };
    static const char *const statuses[] = { "open", "reported", "handling", "closed", NULL };
    static const char *const levels[] = { "especially_major", "major", "relatively_major", "general", "ungraded",
                                          NULL };
    static const char *const yesno[] = { "1", "0", "true", "false", NULL };
    const char *status = NULL, *level = NULL, *due = NULL;
    int64_t limit, offset;
    if (!con_args_check(k, allowed) || !con_arg_enum(k, "status", statuses, &status) ||
        !con_arg_enum(k, "level", levels, &level) || !con_arg_enum(k, "due", yesno, &due) ||
        !con_args_page(k, &limit, &offset))
        return;
    bool only_due = due && (due[0] == '1' || due[0] == 't');
    char sql[2600];
    snprintf(sql, sizeof(sql),
             "SELECT * FROM (%s) WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR level = ?2)"
             " AND (?3 = 0 OR (duty IS NOT NULL AND due_utc IS NOT NULL))"
             " ORDER BY CASE WHEN ?3 = 1 THEN due_utc END, id DESC LIMIT ?4 OFFSET ?5",
             LIST_SQL);
    sqlite3_stmt *st = con_prepare(k->c->db, sql);
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    if (status)
        sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    if (level)
        sqlite3_bind_text(st, 2, level, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, only_due);
    sqlite3_bind_int64(st, 4, limit);
    sqlite3_bind_int64(st, 5, offset);
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    add_countdown(rows, gl_con_now(k->c));
    json_t *o = json_object();
    json_object_set_new(o, "limit", json_integer(limit));
    json_object_set_new(o, "offset", json_integer(offset));
    json_object_set_new(o, "incidents", rows);
    con_reply_json(k, 200, o);
}

static json_t *rows_for(sqlite3 *db, const char *sql, int64_t id, const char *const *jcols)
{
    sqlite3_stmt *st = con_prepare(db, sql);
    if (!st)
        return json_array();
    sqlite3_bind_int64(st, 1, id);
    json_t *rows = con_rows_json(st, jcols);
    sqlite3_finalize(st);
    return rows;
}

static json_t *incident_full(gl_console *c, int64_t id, char *err, size_t errlen)
{
    static const char *const jcols[] = { "detail", "old_value", "new_value", NULL };
    json_t *inc = gl_incdb_load(c->db, id, err, errlen);
    if (!inc)
        return NULL;
    json_object_set_new(inc, "facts_history",
                        rows_for(c->db, "SELECT id, at, who, path, old_value, new_value, reason FROM"
                                        " incident_facts_history WHERE incident_id = ?1 ORDER BY id", id, jcols));
    json_object_set_new(inc, "log", rows_for(c->db, "SELECT id, at, who, action, detail FROM incident_log"
                                                    " WHERE incident_id = ?1 ORDER BY id", id, jcols));
    json_object_set_new(inc, "alerts",
                        rows_for(c->db, "SELECT id, event_id, ts_usec, signature, signature_id, category, severity,"
                                        " src_ip, dest_ip, matched_key, duplicates, last_ts_usec FROM incident_alerts"
                                        " WHERE incident_id = ?1 ORDER BY ts_usec, id LIMIT 1000", id, NULL));
    json_object_set_new(inc, "reports", rows_for(c->db, "SELECT version, kind, created_at, who FROM"
                                                        " incident_reports WHERE incident_id = ?1 ORDER BY version",
                                                 id, NULL));
    char sql[2048];
    snprintf(sql, sizeof(sql), "SELECT duty, due, due_utc FROM (%s) WHERE id = ?1", LIST_SQL);
    json_t *one = rows_for(c->db, sql, id, NULL);
    add_countdown(one, gl_con_now(c));
    json_object_set(inc, "deadline", json_array_get(one, 0) ? json_array_get(one, 0) : json_null());
    json_decref(one);
    return inc;
}

static bool incident_param(con_call *k, int64_t *id)
{
    if (!con_param_id(k, 0, id))
        return false;
    snprintf(k->audit_target, sizeof(k->audit_target), "incident:%" PRId64, *id);
    return true;
}

void con_h_incident_get(con_call *k)
{
    int64_t id;
    char err[600];
    if (!con_args_check(k, NULL) || !con_param_id(k, 0, &id))
        return;
    json_t *inc = incident_full(k->c, id, err, sizeof(err));
    if (!inc) {
        con_reply_error(k, 404, "not_found", "no such incident");
        return;
    }
    con_reply_json(k, 200, inc);
}

static gl_asset_registry *registry(gl_console *c, char *err, size_t errlen)
{
    gl_asset_registry *reg = calloc(1, sizeof(*reg));
    char *text = con_assets_registry_text(c);
    if (!reg || !text || !gl_asset_registry_parse(reg, text, strlen(text), err, errlen)) {
        if (reg && text == NULL)
            snprintf(err, errlen, "registry could not be built");
        free(reg);
        reg = NULL;
    }
    free(text);
    return reg;
}

void con_h_incident_create(con_call *k)
{
    bool bad = false;
    const char *title = con_body_str(k, "title", 512, true, &bad);
    const char *asset = bad ? NULL : con_body_str(k, "asset", 255, false, &bad);
    const char *discovered = bad ? NULL : con_body_str(k, "discovered_at", 64, false, &bad);
    if (bad)
        return;
    json_t *jf = json_object_get(k->body, "facts"), *jd = json_object_get(k->body, "details");
    if ((jf && !json_is_object(jf)) || (jd && !json_is_object(jd)) || !title[0]) {
        con_reply_error(k, 400, "bad_body", "title: non-empty; facts, details: objects");
        return;
    }
    char err[600], who[96];
    json_t *facts = jf ? json_deep_copy(jf) : json_pack("{s:{},s:n,s:{}}", "operator", "handling_ended_at", "facts");
    json_t *details = jd ? json_deep_copy(jd) : json_object();
    gl_asset_registry *reg = NULL;
    sqlite3 *db = k->c->db;
    if (asset) {
        const gl_asset *a = NULL;
        reg = registry(k->c, err, sizeof(err));
        if (!reg || !(a = gl_asset_by_name(reg, asset))) {
            con_reply_error(k, 400, "bad_body", "asset: not in the asset registry");
            goto out;
        }
        gl_asset_fill_facts(reg, a, facts, details);
    }
    if (!json_is_object(json_object_get(facts, "operator")))
        json_object_set_new(facts, "operator", json_object());
    if (discovered) {
        json_object_set_new(facts, "discovered_at", json_string(discovered));
    } else if (!json_object_get(facts, "discovered_at")) {
        gl_inc_time now = gl_incdb_now();
        char buf[GL_INC_TIME_STRLEN];
        gl_incdb_time_str(&now, buf, sizeof(buf));
        json_object_set_new(facts, "discovered_at", json_string(buf));
    }
    /* must be gradable at once; the engine's own error names the field */
    char *text = json_dumps(facts, JSON_COMPACT);
    gl_inc_facts *parsed = malloc(sizeof(*parsed));
    bool ok = text && parsed && gl_inc_facts_parse(text, strlen(text), parsed, err, sizeof(err));
    free(text);
    free(parsed);
    if (!ok) {
        con_reply_error(k, 400, "bad_facts", "%s", err);
        goto out;
    }
    who_str(k, who, sizeof(who));
    gl_incdb_new n = { .title = title, .origin = "manual", .asset = asset, .facts = facts, .details = details,
                       .who = who };
    int64_t id = -1;
    if (gl_incdb_begin(db, err, sizeof(err))) {
        id = gl_incdb_create(db, &n, k->c->cfg.calendar_dir, err, sizeof(err));
        if (id < 0 || !gl_incdb_commit(db, err, sizeof(err))) {
            gl_incdb_rollback(db);
            id = -1;
        }
    }
    if (id < 0) {
        con_reply_error(k, 500, "internal", "incident could not be stored");
        goto out;
    }
    snprintf(k->audit_target, sizeof(k->audit_target), "incident:%" PRId64, id);
    k->audit_detail = json_pack("{s:s}", "title", title);
    json_t *inc = incident_full(k->c, id, err, sizeof(err));
    con_reply_json(k, 201, inc ? inc : json_pack("{s:I}", "id", (json_int_t)id));
out:
    free(reg);
    json_decref(facts);
    json_decref(details);
}

void con_h_incident_facts(con_call *k)
{
    int64_t id;
    bool bad = false;
    if (!incident_param(k, &id))
        return;
    const char *path = con_body_str(k, "path", 200, true, &bad);
    const char *reason = bad ? NULL : con_body_str(k, "reason", 2000, true, &bad);
    if (bad)
        return;
    json_t *value = json_object_get(k->body, "value");
    if (!value || !reason[0]) {
        con_reply_error(k, 400, "bad_body", "path, value and a non-empty reason are required");
        return;
    }
    char err[600], who[96];
    who_str(k, who, sizeof(who));
    k->audit_detail = json_pack("{s:s,s:O,s:s}", "path", path, "value", value, "reason", reason);
    json_t *before = gl_incdb_load(k->c->db, id, err, sizeof(err));
    if (!before) {
        con_reply_error(k, 404, "not_found", "no such incident");
        return;
    }
    int rc = gl_incdb_set_fact(k->c->db, id, path, value, who, reason, k->c->cfg.calendar_dir, err, sizeof(err));
    if (rc != GL_INC_EXIT_OK) {
        json_decref(before);
        if (rc == GL_INC_EXIT_BAD_INPUT)
            con_reply_error(k, 400, "bad_fact", "%s", err);
        else
            con_reply_error(k, 500, "internal", "fact could not be stored");
        return;
    }
    json_t *inc = incident_full(k->c, id, err, sizeof(err));
    json_t *o = json_object();
    json_object_set(o, "level_before", json_object_get(before, "level"));
    json_object_set(o, "level", inc ? json_object_get(inc, "level") : json_null());
    json_object_set(k->audit_detail, "level_before", json_object_get(before, "level"));
    json_object_set(k->audit_detail, "level", inc ? json_object_get(inc, "level") : json_null());
    json_object_set_new(o, "incident", inc ? inc : json_null());
    json_decref(before);
    con_reply_json(k, 200, o);
}

void con_h_incident_status(con_call *k)
{
    int64_t id;
    bool bad = false;
    if (!incident_param(k, &id))
        return;
    const char *status = con_body_str(k, "status", 16, true, &bad);
    const char *at = bad ? NULL : con_body_str(k, "at", 64, false, &bad);
    if (bad)
        return;
    char err[600], who[96];
    who_str(k, who, sizeof(who));
    k->audit_detail = json_pack("{s:s}", "status", status);
    int rc = gl_incdb_set_status(k->c->db, id, status, who, at, k->c->cfg.calendar_dir, err, sizeof(err));
    if (rc != GL_INC_EXIT_OK) {
        con_reply_error(k, rc == GL_INC_EXIT_BAD_INPUT ? 409 : 500, "bad_status", "%s", err);
        return;
    }
    json_t *inc = incident_full(k->c, id, err, sizeof(err));
    con_reply_json(k, 200, inc ? inc : json_pack("{s:I}", "id", (json_int_t)id));
}

void con_h_incident_correlate(con_call *k)
{
    char err[600], who[96];
    gl_corr_rules rules;
    gl_corr_rules_default(&rules);
    gl_asset_registry *reg = registry(k->c, err, sizeof(err));
    if (!reg) {
        con_reply_error(k, 500, "internal", "asset registry: %s", err);
        return;
    }
    who_str(k, who, sizeof(who));
    gl_corr_stats st;
    bool ok = gl_correlate(k->c->db, &rules, reg, who, k->c->cfg.calendar_dir, &st, err, sizeof(err));
    free(reg);
    if (!ok) {
        con_reply_error(k, 500, "internal", "correlation failed");
        return;
    }
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I}", "alerts_read", (json_int_t)st.alerts_read, "alerts_ignored",
                          (json_int_t)st.alerts_ignored, "incidents_created", (json_int_t)st.incidents_created,
                          "incidents_updated", (json_int_t)st.incidents_updated, "duplicates",
                          (json_int_t)st.duplicates);
    k->audit_detail = json_deep_copy(o);
    con_reply_json(k, 200, o);
}

/* ---------------------------------------------------------------- reports */

void con_h_reports_list(con_call *k)
{
    int64_t id;
    char err[600];
    if (!con_args_check(k, NULL) || !con_param_id(k, 0, &id))
        return;
    json_t *inc = gl_incdb_load(k->c->db, id, err, sizeof(err));
    if (!inc) {
        con_reply_error(k, 404, "not_found", "no such incident");
        return;
    }
    json_decref(inc);
    con_reply_json(k, 200, json_pack("{s:I,s:o}", "incident_id", (json_int_t)id, "reports",
                                     rows_for(k->c->db, "SELECT version, kind, created_at, who FROM incident_reports"
                                                        " WHERE incident_id = ?1 ORDER BY version", id, NULL)));
}

static int count_reports(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *st = con_prepare(db, "SELECT count(*) FROM incident_reports WHERE incident_id = ?1");
    int n = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

void con_h_reports_create(con_call *k)
{
    int64_t id;
    bool bad = false;
    char err[600], who[96];
    if (!incident_param(k, &id))
        return;
    const char *kind_in = con_body_str(k, "kind", 16, false, &bad);
    if (bad)
        return;
    if (kind_in && strcmp(kind_in, "summary") != 0 && strcmp(kind_in, "auto") != 0) {
        con_reply_error(k, 400, "bad_body", "kind: auto (initial, then supplements) or summary");
        return;
    }
    json_t *inc = gl_incdb_load(k->c->db, id, err, sizeof(err));
    if (!inc) {
        con_reply_error(k, 404, "not_found", "no such incident");
        return;
    }
    bool summary = kind_in && strcmp(kind_in, "summary") == 0;
    if (summary && json_is_null(json_object_get(inc, "handling_ended_at"))) {
        json_decref(inc);
        con_reply_error(k, 409, "handling_not_ended", "summary report: handling has not ended");
        return;
    }
    const char *kind = summary ? "summary" : count_reports(k->c->db, id) ? "supplement" : "initial";
    json_object_set_new(inc, "alerts",
                        rows_for(k->c->db, "SELECT id, event_id, ts_usec, signature, signature_id, category,"
                                           " severity, src_ip, dest_ip, matched_key, duplicates, last_ts_usec"
                                           " FROM incident_alerts WHERE incident_id = ?1 ORDER BY ts_usec, id", id,
                                 NULL));
    char at[GL_INC_TIME_STRLEN];
    gl_inc_time now = gl_incdb_now();
    gl_incdb_time_str(&now, at, sizeof(at));
    who_str(k, who, sizeof(who));
    json_t *content = gl_report_build(inc, kind, 0, at, who);
    json_decref(inc);
    int v = -1;
    if (content && gl_incdb_begin(k->c->db, err, sizeof(err))) {
        v = gl_report_store(k->c->db, id, content, err, sizeof(err));
        json_t *detail = json_pack("{s:i,s:s}", "version", v, "kind", kind);
        if (v < 0 || !gl_incdb_log(k->c->db, id, who, "report", detail, err, sizeof(err)) ||
            !gl_incdb_commit(k->c->db, err, sizeof(err))) {
            gl_incdb_rollback(k->c->db);
            v = -1;
        }
        json_decref(detail);
    }
    json_decref(content);
    if (v < 0) {
        con_reply_error(k, 500, "internal", "report could not be stored");
        return;
    }
    k->audit_detail = json_pack("{s:i,s:s}", "version", v, "kind", kind);
    con_reply_json(k, 201, json_pack("{s:I,s:i,s:s}", "incident_id", (json_int_t)id, "version", v, "kind", kind));
}

void con_h_report_get(con_call *k)
{
    static const char *const allowed[] = { "format", "lang", "download", NULL };
    static const char *const formats[] = { "json", "md", "html", NULL };
    static const char *const langs[] = { "zh", "en", "zh,en", NULL };
    static const char *const yesno[] = { "1", "0", "true", "false", NULL };
    const char *format = "json", *lang = "zh", *download = NULL;
    int64_t id, version;
    if (!con_args_check(k, allowed) || !con_arg_enum(k, "format", formats, &format) ||
        !con_arg_enum(k, "lang", langs, &lang) || !con_arg_enum(k, "download", yesno, &download) ||
        !con_param_id(k, 0, &id) || !con_param_id(k, 1, &version))
        return;
    sqlite3_stmt *st = con_prepare(k->c->db, "SELECT content_json FROM incident_reports WHERE incident_id = ?1"
                                             " AND version = ?2");
    json_t *content = NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, version);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            content = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    }
    sqlite3_finalize(st);
    if (!content) {
        con_reply_error(k, 404, "not_found", "no such report version");
        return;
    }
    gl_rep_format f = strcmp(format, "md") == 0 ? GL_REP_MD : strcmp(format, "html") == 0 ? GL_REP_HTML : GL_REP_JSON;
    char *text = gl_report_render(content, f, lang);
    json_decref(content);
    if (!text) {
        con_reply_error(k, 500, "internal", "report could not be rendered");
        return;
    }
    const char *ctype = f == GL_REP_MD     ? "text/markdown; charset=utf-8"
                        : f == GL_REP_HTML ? "text/html; charset=utf-8"
                                           : "application/json; charset=utf-8";
    if (download && (download[0] == '1' || download[0] == 't'))
        snprintf(k->resp->disposition, sizeof(k->resp->disposition),
                 "attachment; filename=\"incident-%" PRId64 "-v%" PRId64 ".%s\"", id, version, format);
    k->resp->sandbox = true;
    con_reply_raw(k, 200, ctype, text, strlen(text));
}
