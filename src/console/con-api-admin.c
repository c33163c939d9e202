/*
 * con-api-admin.c — the administrator's configuration and asset registry,
 * and the auditor's view of the audit log.
 *
 * The asset registry lives in console_assets, one JSON document per asset.
 * Every change is validated by the incident stage's own registry parser
 * (gl_asset_registry_parse) on the whole registry as it would be after the
 * change — JSON is valid YAML, so the document the console hands to the
 * parser is also what GET /api/v1/assets/registry returns for
 * `guanlan incident ... --registry FILE`.
 */
#include "console/con-internal.h"
#include "incident/incident-db.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- config */

static json_t *stored_operator(gl_console *c)
{
    sqlite3_stmt *st = con_prepare(c->db, "SELECT value FROM console_config WHERE key = 'operator'");
    json_t *op = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        op = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_finalize(st);
    return json_is_object(op) ? op : (json_decref(op), json_object());
}

void con_h_config_get(con_call *k)
{
    if (!con_args_check(k, NULL))
        return;
    json_t *o = json_object();
    json_object_set_new(o, "settings", con_settings_json(&k->c->set));
    json_object_set_new(o, "limits", con_settings_limits());
    json_object_set_new(o, "operator", stored_operator(k->c));
    con_reply_json(k, 200, o);
}

/* The registry document for a given operator and asset list. */
static json_t *registry_doc(json_t *op, json_t *assets)
{
    json_t *doc = json_object();
    if (op && json_object_size(op))
        json_object_set(doc, "operator", op);
    json_object_set(doc, "assets", assets);
    return doc;
}

static json_t *all_assets(gl_console *c, int64_t except_id)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = con_prepare(c->db, "SELECT doc FROM console_assets WHERE id <> ?1 ORDER BY id");
    if (!st)
        return arr;
    sqlite3_bind_int64(st, 1, except_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *d = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        if (d)
            json_array_append_new(arr, d);
    }
    sqlite3_finalize(st);
    return arr;
}

static bool registry_valid(json_t *op, json_t *assets, char *err, size_t errlen)
{
    json_t *doc = registry_doc(op, assets);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    gl_asset_registry *reg = calloc(1, sizeof(*reg));
    bool ok = text && reg && gl_asset_registry_parse(reg, text, strlen(text), err, errlen);
    if (!text || !reg)
        snprintf(err, errlen, "out of memory");
    free(reg);
    free(text);
    return ok;
}

char *con_assets_registry_text(gl_console *c)
{
    json_t *op = stored_operator(c), *assets = all_assets(c, 0);
    json_t *doc = registry_doc(op, assets);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    json_decref(op);
    json_decref(assets);
    return text;
}

void con_h_config_put(con_call *k)
{
    char err[600];
    json_t *patch = json_deep_copy(k->body);
    json_t *op = json_incref(json_object_get(patch, "operator"));
    json_object_del(patch, "operator");
    k->audit_detail = json_deep_copy(k->body);
    if (op) {
        json_t *assets = all_assets(k->c, 0);
        bool ok = json_is_object(op) && registry_valid(op, assets, err, sizeof(err));
        json_decref(assets);
        if (!ok) {
            con_reply_error(k, 400, "bad_body", "operator: %s", json_is_object(op) ? err : "an object");
            goto out;
        }
    }
    if (json_object_size(patch)) {
        const char *why = con_settings_apply(k->c, patch);
        if (why) {
            con_reply_error(k, 400, "bad_body", "%s", why);
            goto out;
        }
    } else if (!op) {
        con_reply_error(k, 400, "bad_body", "nothing to change");
        goto out;
    }
    if (op) {
        char *text = json_dumps(op, JSON_COMPACT);
        sqlite3_stmt *st = con_prepare(k->c->db, "INSERT INTO console_config(key, value) VALUES ('operator', ?1)"
                                                 " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        if (st && text) {
            sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
            sqlite3_step(st);
        }
        sqlite3_finalize(st);
        free(text);
    }
    con_h_config_get(k);
out:
    json_decref(patch);
    json_decref(op);
}

/* ---------------------------------------------------------------- assets */

void con_h_assets_list(con_call *k)
{
    int64_t limit, offset;
    static const char *const allowed[] = { "limit", "offset", NULL };
    if (!con_args_check(k, allowed) || !con_args_page(k, &limit, &offset))
        return;
    sqlite3_stmt *st = con_prepare(k->c->db, "SELECT id, name, doc, updated_at, updated_by FROM console_assets"
                                             " ORDER BY id LIMIT ?1 OFFSET ?2");
    static const char *const jcols[] = { "doc", NULL };
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    sqlite3_bind_int64(st, 1, limit);
    sqlite3_bind_int64(st, 2, offset);
    json_t *rows = con_rows_json(st, jcols);
    sqlite3_finalize(st);
    con_reply_json(k, 200, json_pack("{s:o,s:I,s:I}", "assets", rows, "limit", (json_int_t)limit, "offset",
                                     (json_int_t)offset));
}

static json_t *asset_row(gl_console *c, int64_t id)
{
    sqlite3_stmt *st = con_prepare(c->db, "SELECT id, name, doc, updated_at, updated_by FROM console_assets"
                                          " WHERE id = ?1");
    static const char *const jcols[] = { "doc", NULL };
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *rows = con_rows_json(st, jcols);
    sqlite3_finalize(st);
    json_t *r = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return r;
}

void con_h_assets_get(con_call *k)
{
    int64_t id;
    if (!con_args_check(k, NULL) || !con_param_id(k, 0, &id))
        return;
    json_t *r = asset_row(k->c, id);
    if (!r) {
        con_reply_error(k, 404, "not_found", "no such asset");
        return;
    }
    con_reply_json(k, 200, r);
}

/* POST /assets (create) and PUT /assets/{id} (replace). */
void con_h_assets_put(con_call *k)
{
    int64_t id = 0;
    char err[600], at[40];
    if (k->n_params && !con_param_id(k, 0, &id))
        return;
    json_t *existing = id ? asset_row(k->c, id) : NULL;
    if (id && !existing) {
        con_reply_error(k, 404, "not_found", "no such asset");
        return;
    }
    json_decref(existing);
    json_t *doc = k->body;
    const char *name = json_string_value(json_object_get(doc, "name"));
    json_t *others = all_assets(k->c, id ? id : -1);
    json_array_append(others, doc);
    json_t *op = stored_operator(k->c);
    bool ok = name && registry_valid(op, others, err, sizeof(err));
    json_decref(op);
    if (!ok) {
        size_t idx = json_array_size(others) - 1;
        json_decref(others);
        /* the parser names the entry by index; say "asset" instead */
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "assets[%zu].", idx);
        const char *msg = strncmp(err, prefix, strlen(prefix)) == 0 ? err + strlen(prefix) : err;
        con_reply_error(k, 400, "bad_asset", "%s", name ? msg : "name: required");
        return;
    }
    json_decref(others);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    con_iso_time(gl_con_now(k->c), at, sizeof(at));
    sqlite3_stmt *st = con_prepare(k->c->db, id ? "UPDATE console_assets SET name = ?2, doc = ?3, updated_at = ?4,"
                                                  " updated_by = ?5 WHERE id = ?1"
                                                : "INSERT INTO console_assets(name, doc, updated_at, updated_by)"
                                                  " VALUES (?2, ?3, ?4, ?5)");
    int rc = SQLITE_ERROR;
    if (st && text) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, k->who.user, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    free(text);
    if (rc != SQLITE_DONE) {
        con_reply_error(k, rc == SQLITE_CONSTRAINT ? 409 : 500, "bad_asset", "name already used or database error");
        return;
    }
    if (!id)
        id = sqlite3_last_insert_rowid(k->c->db);
    snprintf(k->audit_target, sizeof(k->audit_target), "asset:%" PRId64, id);
    k->audit_detail = json_deep_copy(doc);
    json_t *r = asset_row(k->c, id);
    con_reply_json(k, k->n_params ? 200 : 201, r ? r : json_null());
}

void con_h_assets_delete(con_call *k)
{
    int64_t id;
    if (!con_param_id(k, 0, &id))
        return;
    snprintf(k->audit_target, sizeof(k->audit_target), "asset:%" PRId64, id);
    json_t *r = asset_row(k->c, id);
    if (!r) {
        con_reply_error(k, 404, "not_found", "no such asset");
        return;
    }
    k->audit_detail = json_incref(json_object_get(r, "doc"));
    json_decref(r);
    sqlite3_stmt *st = con_prepare(k->c->db, "DELETE FROM console_assets WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    con_reply_json(k, 200, json_pack("{s:b}", "deleted", 1));
}

void con_h_assets_export(con_call *k)
{
    if (!con_args_check(k, NULL))
        return;
    char *text = con_assets_registry_text(k->c);
    if (!text) {
        con_reply_error(k, 500, "internal", "out of memory");
        return;
    }
    con_reply_raw(k, 200, "application/json; charset=utf-8", text, strlen(text));
}

/* ---------------------------------------------------------------- audit */

void con_h_audit_list(con_call *k)
{
    static const char *const allowed[] = { "actor", "action", "result", "limit", "offset", NULL };
    const char *actor = NULL, *action = NULL, *result = NULL;
    int64_t limit, offset;
    if (!con_args_check(k, allowed) || !con_arg_text(k, "actor", 64, &actor) ||
        !con_arg_text(k, "action", 96, &action) || !con_arg_text(k, "result", 32, &result) ||
        !con_args_page(k, &limit, &offset))
        return;
    sqlite3_stmt *st = con_prepare(k->c->db, "SELECT seq, at, actor, role, client, action, target, detail, result,"
                                             " sm3 FROM console_audit WHERE (?1 IS NULL OR actor = ?1)"
                                             " AND (?2 IS NULL OR instr(action, ?2) > 0)"
                                             " AND (?3 IS NULL OR instr(result, ?3) = 1)"
                                             " ORDER BY seq DESC LIMIT ?4 OFFSET ?5");
    static const char *const jcols[] = { "detail", NULL };
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    if (actor)
        sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
    if (action)
        sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
    if (result)
        sqlite3_bind_text(st, 3, result, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, limit);
    sqlite3_bind_int64(st, 5, offset);
    json_t *rows = con_rows_json(st, jcols);
    sqlite3_finalize(st);
    con_reply_json(k, 200, json_pack("{s:o,s:I,s:I}", "records", rows, "limit", (json_int_t)limit, "offset",
                                     (json_int_t)offset));
}

void con_h_audit_verify(con_call *k)
{
    if (!con_args_check(k, NULL))
        return;
    char *buf = NULL, head[65] = "";
    size_t len = 0;
    int64_t n = 0;
    FILE *mem = open_memstream(&buf, &len);
    int problems = gl_con_audit_verify(k->c->db, mem, head, &n);
    if (mem)
        fclose(mem);
    json_t *lines = json_array();
    for (char *save = NULL, *line = buf ? strtok_r(buf, "\n", &save) : NULL; line && json_array_size(lines) < 100;
         line = strtok_r(NULL, "\n", &save))
        json_array_append_new(lines, json_string(line));
    free(buf);
    if (problems < 0) {
        json_decref(lines);
        con_reply_error(k, 500, "internal", "audit log unreadable");
        return;
    }
    con_reply_json(k, 200, json_pack("{s:b,s:I,s:s,s:o}", "ok", problems == 0, "records", (json_int_t)n, "head",
                                     head, "problems", lines));
}
