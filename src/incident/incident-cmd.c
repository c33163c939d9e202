/*
 * incident-cmd.c — the `guanlan incident` sub-commands that work on the
 * incidents stored in guanlan.db: new, list [--due], show, set-fact,
 * status, correlate, report, verify (`grade` lives in incident-cli.c).
 *
 * Exit status, as for `incident grade`: 0 done, 2 bad input or usage (one
 * line on stderr, "guanlan incident SUB: FIELD: what is wrong"), 1 internal
 * or database error; `verify` exits 3 when the chain does not hold.
 */
#include "incident/incident-cmd.h"
#include "incident/incident-db.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct opts {
    const char *sub;
    const char *db, *calendar, *who, *registry, *rules;
    const char *title, *asset, *operator_name, *route, *discovered, *facts_file;
    const char *status_filter, *now, *at, *reason, *format, *lang, *output, *expect_head, *kind;
    bool due, json, summary;
    int version;
    int npos;
    const char *pos[64];
    char dbbuf[4096];
} opts;

static int fail(const opts *o, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(const opts *o, int rc, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "guanlan incident %s: %s\n", o->sub, msg);
    return rc;
}

static const char *const USAGE =
    "usage: guanlan incident SUB-COMMAND [options]   (common: --db PATH | -l DIR, --who NAME, --calendar DIR)\n"
    "  grade [--calendar DIR] FACTS.json|-          grade a FACTS document (docs/incident-grading.md)\n"
    "  new --title T [--asset NAME --registry FILE] [--operator NAME] [--route R]\n"
    "      [--discovered TIME] [--facts FACTS.json]  open an incident by hand\n"
    "  list [--due] [--status S] [--now TIME] [--json] incidents; --due: deadlines with countdown\n"
    "  show ID                                      one incident with history, alerts, reports\n"
    "  set-fact ID PATH=VALUE... [--reason R] [--registry FILE]\n"
    "                                               edit facts/details (kept with who and when), re-grade\n"
    "  status ID open|reported|handling|closed [--at TIME]\n"
    "  correlate [--rules FILE] [--registry FILE]   turn new alert events into incidents\n"
    "  report ID [--summary] [--format md|json|html] [--lang zh|en|zh,en] [--output FILE]\n"
    "      [--version N]                           new report version (or show version N)\n"
    "  verify [--expect-head SM3]                   check the SM3 hash chain (exit 3 on tampering)\n"
    "See docs/incident-records.md and docs/assets.md.\n";

static bool parse_opts(int argc, char **argv, opts *o, int *rc)
{
    static const char *const with_value[] = { "--db", "-l", "--calendar", "--who", "--registry", "--rules",
                                              "--title", "--asset", "--operator", "--route", "--discovered",
                                              "--facts", "--status", "--now", "--at", "--reason", "--format",
                                              "--lang", "--output", "--expect-head", "--version", "--kind", NULL };
    memset(o, 0, sizeof(*o));
    o->sub = argv[1];
    o->db = "guanlan.db";
    o->format = "md";
    o->lang = "zh";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool takes = false;
        for (size_t k = 0; with_value[k]; k++)
            takes |= strcmp(a, with_value[k]) == 0;
        if (takes) {
            if (i + 1 >= argc) {
                *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "%s: needs a value", a);
                return false;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--db")) o->db = v;
            else if (!strcmp(a, "-l")) {
                snprintf(o->dbbuf, sizeof(o->dbbuf), "%s/guanlan.db", v);
                o->db = o->dbbuf;
            } else if (!strcmp(a, "--calendar")) o->calendar = v;
            else if (!strcmp(a, "--who")) o->who = v;
            else if (!strcmp(a, "--registry")) o->registry = v;
            else if (!strcmp(a, "--rules")) o->rules = v;
            else if (!strcmp(a, "--title")) o->title = v;
            else if (!strcmp(a, "--asset")) o->asset = v;
            else if (!strcmp(a, "--operator")) o->operator_name = v;
            else if (!strcmp(a, "--route")) o->route = v;
            else if (!strcmp(a, "--discovered")) o->discovered = v;
            else if (!strcmp(a, "--facts")) o->facts_file = v;
            else if (!strcmp(a, "--status")) o->status_filter = v;
            else if (!strcmp(a, "--now")) o->now = v;
            else if (!strcmp(a, "--at")) o->at = v;
            else if (!strcmp(a, "--reason")) o->reason = v;
            else if (!strcmp(a, "--format")) o->format = v;
            else if (!strcmp(a, "--lang")) o->lang = v;
            else if (!strcmp(a, "--output")) o->output = v;
            else if (!strcmp(a, "--expect-head")) o->expect_head = v;
            else if (!strcmp(a, "--kind")) o->kind = v;
            else if (!strcmp(a, "--version")) {
                char *end;
                long n = strtol(v, &end, 10);
                if (*end || n < 1 || n > 1000000) {
                    *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "--version: must be a positive number");
                    return false;
                }
                o->version = (int)n;
            }
        } else if (!strcmp(a, "--due")) {
            o->due = true;
        } else if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (!strcmp(a, "--summary")) {
            o->summary = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            *rc = GL_INC_EXIT_OK;
            return false;
        } else if (a[0] == '-' && a[1] && o->npos == 0 && strcmp(o->sub, "set-fact") != 0) {
            *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "unknown option %s", a);
            return false;
        } else if (a[0] == '-' && a[1] && strcmp(o->sub, "set-fact") != 0) {
            *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "unknown option %s", a);
            return false;
        } else {
            if (o->npos == (int)(sizeof(o->pos) / sizeof(o->pos[0]))) {
                *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "too many arguments");
                return false;
            }
            o->pos[o->npos++] = a;
        }
    }
    if (!o->who) {
        const char *u = getenv("GUANLAN_USER");
        if (!u || !*u)
            u = getenv("USER");
        o->who = u && *u ? u : "unknown";
    }
    if (strlen(o->who) > GL_INC_WHO_MAX) {
        *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "--who: longer than %d bytes", GL_INC_WHO_MAX);
        return false;
    }
    return true;
}

static bool parse_id(const opts *o, const char *s, int64_t *id, int *rc)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || v < 1) {
        *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "ID: \"%.40s\" is not an incident number", s ? s : "");
        return false;
    }
    *id = v;
    return true;
}

static sqlite3 *open_db(const opts *o, int *rc)
{
    char err[512];
    sqlite3 *db = gl_incdb_open(o->db, err, sizeof(err));
    if (!db)
        *rc = fail(o, GL_INC_EXIT_INTERNAL, "%s", err);
    return db;
}

static char *slurp(const char *path, size_t cap, size_t *len)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = malloc(cap + 1);
    size_t n = buf ? fread(buf, 1, cap + 1, fp) : 0;
    if (fp != stdin)
        fclose(fp);
    if (buf && n > cap) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static gl_asset_registry *load_registry(const opts *o, int *rc)
{
    char err[600];
    gl_asset_registry *reg = malloc(sizeof(*reg));
    if (!reg) {
        *rc = fail(o, GL_INC_EXIT_INTERNAL, "out of memory");
        return NULL;
    }
    if (!gl_asset_registry_load(reg, o->registry, err, sizeof(err))) {
        *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "registry: %s", err);
        free(reg);
        return NULL;
    }
    return reg;
}

static void print_json(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        puts(s);
        free(s);
    }
}

/* ---------------------------------------------------------------- new */

static int cmd_new(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    char err[600];
    json_t *facts = NULL, *details = json_object();
    gl_asset_registry *reg = NULL;
    sqlite3 *db = NULL;
    if (!o->title || !*o->title) {
        rc = fail(o, GL_INC_EXIT_BAD_INPUT, "--title: required");
        goto out;
    }
    if (o->facts_file) {
        size_t len;
        char *text = slurp(o->facts_file, 1u << 20, &len);
        json_error_t je;
        facts = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &je) : NULL;
        free(text);
        if (!json_is_object(facts)) {
            rc = fail(o, GL_INC_EXIT_BAD_INPUT, "--facts: cannot read a JSON object from %s", o->facts_file);
            goto out;
        }
    } else {
        facts = json_object();
        json_object_set_new(facts, "operator", json_object());
        json_object_set_new(facts, "handling_ended_at", json_null());
        json_object_set_new(facts, "facts", json_object());
    }
    if (o->asset) {
        if (!o->registry) {
            rc = fail(o, GL_INC_EXIT_BAD_INPUT, "--asset: needs --registry FILE");
            goto out;
        }
        if (!(reg = load_registry(o, &rc)))
            goto out;
        const gl_asset *a = gl_asset_by_name(reg, o->asset);
        if (!a) {
            rc = fail(o, GL_INC_EXIT_BAD_INPUT, "--asset: \"%.100s\" is not in %s", o->asset, o->registry);
            goto out;
        }
        gl_asset_fill_facts(reg, a, facts, details);
    }
    json_t *op = json_object_get(facts, "operator");
    if (!json_is_object(op)) {
        op = json_object();
        json_object_set_new(facts, "operator", op);
    }
    if (o->operator_name)
        json_object_set_new(op, "name", json_string(o->operator_name));
    if (o->route)
        json_object_set_new(op, "route", json_string(o->route));
    if (o->discovered) {
        json_object_set_new(facts, "discovered_at", json_string(o->discovered));
    } else if (!json_object_get(facts, "discovered_at")) {
        gl_inc_time now = gl_incdb_now();
        char buf[GL_INC_TIME_STRLEN];
        gl_incdb_time_str(&now, buf, sizeof(buf));
        json_object_set_new(facts, "discovered_at", json_string(buf));
    }
    /* A hand-made incident must be gradable at once: the engine's own
     * error names the field. */
    char *text = json_dumps(facts, JSON_COMPACT);
    static gl_inc_facts parsed;
    bool ok = text && gl_inc_facts_parse(text, strlen(text), &parsed, err, sizeof(err));
    free(text);
    if (!ok) {
        rc = fail(o, GL_INC_EXIT_BAD_INPUT, "%s", err);
        goto out;
    }
    if (!(db = open_db(o, &rc)))
        goto out;
    gl_incdb_new n = { .title = o->title, .origin = "manual", .asset = o->asset, .facts = facts,
                       .details = details, .who = o->who };
    int64_t id = -1;
    if (gl_incdb_begin(db, err, sizeof(err))) {
        id = gl_incdb_create(db, &n, o->calendar, err, sizeof(err));
        if (id < 0 || !gl_incdb_commit(db, err, sizeof(err))) {
            gl_incdb_rollback(db);
            id = -1;
        }
    }
    if (id < 0) {
        rc = fail(o, GL_INC_EXIT_INTERNAL, "%s", err);
        goto out;
    }
    json_t *inc = gl_incdb_load(db, id, err, sizeof(err));
    json_t *res = json_pack("{s:I, s:O, s:O, s:O, s:O}", "id", (json_int_t)id, "status", json_object_get(inc, "status"),
                            "level", json_object_get(inc, "level"), "reportable", json_object_get(inc, "reportable"),
                            "first_report_due", json_object_get(inc, "first_report_due"));
    print_json(res);
    json_decref(res);
    json_decref(inc);
out:
    json_decref(facts);
    json_decref(details);
    free(reg);
    if (db)
        gl_incdb_close(db);
    return rc;
}

/* ---------------------------------------------------------------- list */

static void countdown(int64_t remaining, char *buf, size_t len)
{
    int64_t a = remaining < 0 ? -remaining : remaining;
    int64_t d = a / 86400, h = a % 86400 / 3600, m = a % 3600 / 60;
    char span[64];
    if (d)
        snprintf(span, sizeof(span), "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m", d, h, m);
    else
        snprintf(span, sizeof(span), "%" PRId64 "h%02" PRId64 "m", h, m);
    snprintf(buf, len, "%s%.40s", remaining < 0 ? "OVERDUE by " : "in ", span);
}

static int cmd_list(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    gl_inc_time now;
    char err[256];
    if (o->now) {
        if (!gl_inc_time_parse(o->now, &now, err, sizeof(err)))
            return fail(o, GL_INC_EXIT_BAD_INPUT, "--now: %s", err);
    } else {
        now = gl_incdb_now();
    }
    sqlite3 *db = open_db(o, &rc);
    if (!db)
        return rc;
    /* The pending deadline: the first report while a reportable incident is
     * still open; the summary report once handling has ended, until a
     * summary version exists. */
    const char *sql =
        "SELECT i.id, i.status, coalesce(i.level, 'ungraded'), i.title,"
        " CASE WHEN i.status='open' AND i.reportable=1 THEN 'first_report'"
        "      WHEN i.summary_due IS NOT NULL AND NOT EXISTS (SELECT 1 FROM incident_reports r"
        "           WHERE r.incident_id=i.id AND r.kind='summary') AND i.reportable=1 THEN 'summary_report'"
        " END AS duty,"
        " CASE WHEN i.status='open' AND i.reportable=1 THEN i.first_report_due ELSE i.summary_due END,"
        " CASE WHEN i.status='open' AND i.reportable=1 THEN i.first_report_due_utc ELSE i.summary_due_utc END,"
        " i.alert_count, i.grade_error"
        " FROM incidents i WHERE (?1 IS NULL OR i.status=?1) ORDER BY i.id";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = fail(o, GL_INC_EXIT_INTERNAL, "database: %s", sqlite3_errmsg(db));
        gl_incdb_close(db);
        return rc;
    }
    if (o->status_filter)
        sqlite3_bind_text(st, 1, o->status_filter, -1, SQLITE_STATIC);
    json_t *rows = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *duty = (const char *)sqlite3_column_text(st, 4);
        bool has_due = duty && sqlite3_column_type(st, 6) != SQLITE_NULL;
        if (o->due && !has_due)
            continue;
        json_t *r = json_object();
        json_object_set_new(r, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(r, "status", json_string((const char *)sqlite3_column_text(st, 1)));
        json_object_set_new(r, "level", json_string((const char *)sqlite3_column_text(st, 2)));
        json_object_set_new(r, "title", json_string((const char *)sqlite3_column_text(st, 3)));
        json_object_set_new(r, "alerts", json_integer(sqlite3_column_int64(st, 7)));
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            json_object_set_new(r, "grade_error", json_string((const char *)sqlite3_column_text(st, 8)));
        if (has_due) {
            int64_t remaining = sqlite3_column_int64(st, 6) - now.utc;
            char cd[80];
            countdown(remaining, cd, sizeof(cd));
            json_object_set_new(r, "duty", json_string(duty));
            json_object_set_new(r, "due", json_string((const char *)sqlite3_column_text(st, 5)));
            json_object_set_new(r, "remaining_seconds", json_integer(remaining));
            json_object_set_new(r, "overdue", json_boolean(remaining < 0));
            json_object_set_new(r, "countdown", json_string(cd));
        }
        json_array_append_new(rows, r);
    }
    sqlite3_finalize(st);
    gl_incdb_close(db);
    if (o->due) {
        /* most urgent first */
        size_t n = json_array_size(rows);
        for (size_t i = 1; i < n; i++)
            for (size_t k = i; k > 0; k--) {
                json_t *a = json_array_get(rows, k - 1), *b = json_array_get(rows, k);
                if (json_integer_value(json_object_get(a, "remaining_seconds")) <=
                    json_integer_value(json_object_get(b, "remaining_seconds")))
                    break;
                json_incref(a);
                json_array_set(rows, k - 1, b);
                json_array_set_new(rows, k, a);
            }
    }
    if (o->json) {
        print_json(rows);
    } else {
        size_t i;
        json_t *r;
        printf("%-5s %-9s %-17s %-15s %-26s %-26s %s\n", "ID", "STATUS", "LEVEL", "DUTY", "DUE", "COUNTDOWN",
               "TITLE");
        json_array_foreach(rows, i, r) {
            printf("%-5" JSON_INTEGER_FORMAT " %-9s %-17s %-15s %-26s %-26s %s\n",
                   json_integer_value(json_object_get(r, "id")), json_string_value(json_object_get(r, "status")),
                   json_string_value(json_object_get(r, "level")),
                   json_object_get(r, "duty") ? json_string_value(json_object_get(r, "duty")) : "-",
                   json_object_get(r, "due") ? json_string_value(json_object_get(r, "due")) : "-",
                   json_object_get(r, "countdown") ? json_string_value(json_object_get(r, "countdown")) : "-",
                   json_string_value(json_object_get(r, "title")));
        }
    }
    json_decref(rows);
    return rc;
}

/* ---------------------------------------------------------------- show */

static json_t *rows_as_json(sqlite3 *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return arr;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *r = json_object();
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *name = sqlite3_column_name(st, i);
            json_t *v;
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, i)); break;
            case SQLITE_NULL: v = json_null(); break;
            default: {
                const char *t = (const char *)sqlite3_column_text(st, i);
                /* JSON-valued columns are shown as JSON */
                v = (strcmp(name, "detail") == 0 || strcmp(name, "old_value") == 0 || strcmp(name, "new_value") == 0)
                        ? json_loads(t, JSON_DECODE_ANY, NULL) : json_string(t);
                if (!v)
                    v = json_string(t);
            }
            }
            json_object_set_new(r, name, v);
        }
        json_array_append_new(arr, r);
    }
    sqlite3_finalize(st);
    return arr;
}

static json_t *linked_alerts(sqlite3 *db, int64_t id)
{
    json_t *a = rows_as_json(db,
                             "SELECT id, event_id, ts_usec, signature, signature_id, category, severity, src_ip,"
                             " dest_ip, matched_key, duplicates, last_ts_usec FROM incident_alerts WHERE incident_id=?"
                             " ORDER BY ts_usec, id",
                             id);
    size_t i;
    json_t *r;
    json_array_foreach(a, i, r) {
        gl_inc_time t = { .utc = json_integer_value(json_object_get(r, "ts_usec")) / 1000000, .offset_min = 480 };
        char buf[GL_INC_TIME_STRLEN];
        gl_incdb_time_str(&t, buf, sizeof(buf));
        json_object_set_new(r, "ts", json_string(buf));
    }
    return a;
}

static int cmd_show(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    int64_t id;
    char err[256];
    if (o->npos != 1)
        return fail(o, GL_INC_EXIT_BAD_INPUT, "usage: guanlan incident show ID");
    if (!parse_id(o, o->pos[0], &id, &rc))
        return rc;
    sqlite3 *db = open_db(o, &rc);
    if (!db)
        return rc;
    json_t *inc = gl_incdb_load(db, id, err, sizeof(err));
    if (!inc) {
        gl_incdb_close(db);
        return fail(o, GL_INC_EXIT_BAD_INPUT, "%s", err);
    }
    json_object_set_new(inc, "facts_history",
                        rows_as_json(db, "SELECT id, at, who, path, old_value, new_value, reason FROM"
                                         " incident_facts_history WHERE incident_id=? ORDER BY id", id));
    json_object_set_new(inc, "log", rows_as_json(db, "SELECT id, at, who, action, detail FROM incident_log"
                                                     " WHERE incident_id=? ORDER BY id", id));
    json_object_set_new(inc, "alerts", linked_alerts(db, id));
    json_object_set_new(inc, "reports", rows_as_json(db, "SELECT version, kind, created_at, who FROM"
                                                         " incident_reports WHERE incident_id=? ORDER BY version", id));
    char *s = json_dumps(inc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
    json_decref(inc);
    gl_incdb_close(db);
    return rc;
}

/* ---------------------------------------------------------------- set-fact */

/* VALUE is JSON when it parses as JSON (400, null, "x", {...}); any other
 * text is a string. "@asset.FIELD" takes the field from the registry. */
static json_t *parse_value(const opts *o, const char *v, const char *asset, const gl_asset_registry *reg, int *rc)
{
    if (strncmp(v, "@asset.", 7) == 0) {
        const gl_asset *a = gl_asset_by_name(reg, asset);
        if (!reg || !a) {
            *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "%s: needs --registry with the incident's asset", v);
            return NULL;
        }
        if (strcmp(v + 7, "population_served") == 0 && a->population_served >= 0)
            return json_integer((json_int_t)a->population_served);
        if (strcmp(v + 7, "owner") == 0 && a->owner[0])
            return json_string(a->owner);
        if (strcmp(v + 7, "name") == 0)
            return json_string(a->name);
        *rc = fail(o, GL_INC_EXIT_BAD_INPUT, "%s: the asset has no such field", v);
        return NULL;
    }
    json_t *j = json_loads(v, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    return j ? j : json_string(v);
}

static int cmd_set_fact(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    int64_t id;
    char err[600];
    if (o->npos < 2)
        return fail(o, GL_INC_EXIT_BAD_INPUT, "usage: guanlan incident set-fact ID PATH=VALUE...");
    if (!parse_id(o, o->pos[0], &id, &rc))
        return rc;
    gl_asset_registry *reg = NULL;
    if (o->registry && !(reg = load_registry(o, &rc)))
        return rc;
    sqlite3 *db = open_db(o, &rc);
    if (!db) {
        free(reg);
        return rc;
    }
    json_t *inc = gl_incdb_load(db, id, err, sizeof(err));
    if (!inc) {
        rc = fail(o, GL_INC_EXIT_BAD_INPUT, "%s", err);
        goto out;
    }
    for (int i = 1; i < o->npos; i++) {
        const char *eq = strchr(o->pos[i], '=');
        if (!eq || eq == o->pos[i]) {
            rc = fail(o, GL_INC_EXIT_BAD_INPUT, "%.200s: expected PATH=VALUE", o->pos[i]);
            goto out;
        }
        char path[256];
        snprintf(path, sizeof(path), "%.*s", (int)(eq - o->pos[i]), o->pos[i]);
        json_t *v = parse_value(o, eq + 1, json_string_value(json_object_get(inc, "asset")), reg, &rc);
        if (!v)
            goto out;
        rc = gl_incdb_set_fact(db, id, path, v, o->who, o->reason, o->calendar, err, sizeof(err));
        json_decref(v);
        if (rc != GL_INC_EXIT_OK) {
            fail(o, rc, "%s", err);
            goto out;
        }
    }
    json_decref(inc);
    inc = gl_incdb_load(db, id, err, sizeof(err));
    json_t *res = json_pack("{s:I, s:O, s:O, s:O, s:O}", "id", (json_int_t)id, "level", json_object_get(inc, "level"),
                            "reportable", json_object_get(inc, "reportable"), "first_report_due",
                            json_object_get(inc, "first_report_due"), "grade_error", json_object_get(inc, "grade_error"));
    print_json(res);
    json_decref(res);
out:
    json_decref(inc);
    free(reg);
    gl_incdb_close(db);
    return rc;
}

/* ---------------------------------------------------------------- status */

static int cmd_status(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    int64_t id;
    char err[600];
    if (o->npos != 2)
        return fail(o, GL_INC_EXIT_BAD_INPUT, "usage: guanlan incident status ID open|reported|handling|closed");
    if (!parse_id(o, o->pos[0], &id, &rc))
        return rc;
    sqlite3 *db = open_db(o, &rc);
    if (!db)
        return rc;
    rc = gl_incdb_set_status(db, id, o->pos[1], o->who, o->at, o->calendar, err, sizeof(err));
    if (rc != GL_INC_EXIT_OK)
        fail(o, rc, "%s", err);
    else
        printf("{\"id\":%" PRId64 ",\"status\":\"%s\"}\n", id, o->pos[1]);
    gl_incdb_close(db);
    return rc;
}

/* ---------------------------------------------------------------- correlate */

static int cmd_correlate(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    char err[600];
    gl_corr_rules rules;
    gl_corr_rules_default(&rules);
    if (o->rules && !gl_corr_rules_load(&rules, o->rules, err, sizeof(err)))
        return fail(o, GL_INC_EXIT_BAD_INPUT, "rules: %s", err);
    gl_asset_registry *reg = NULL;
    if (o->registry && !(reg = load_registry(o, &rc)))
        return rc;
    sqlite3 *db = open_db(o, &rc);
    if (!db) {
        free(reg);
        return rc;
    }
    gl_corr_stats st;
    if (!gl_correlate(db, &rules, reg, o->who, o->calendar, &st, err, sizeof(err))) {
        rc = fail(o, GL_INC_EXIT_INTERNAL, "%s", err);
    } else {
        printf("{\"alerts_read\":%" PRId64 ",\"alerts_ignored\":%" PRId64 ",\"incidents_created\":%" PRId64
               ",\"incidents_updated\":%" PRId64 ",\"duplicates\":%" PRId64 "}\n",
               st.alerts_read, st.alerts_ignored, st.incidents_created, st.incidents_updated, st.duplicates);
    }
    free(reg);
    gl_incdb_close(db);
    return rc;
}

/* ---------------------------------------------------------------- report */

static bool parse_format(const char *s, gl_rep_format *f)
{
    if (!strcmp(s, "md") || !strcmp(s, "markdown"))
        *f = GL_REP_MD;
    else if (!strcmp(s, "json"))
        *f = GL_REP_JSON;
    else if (!strcmp(s, "html"))
        *f = GL_REP_HTML;
    else
        return false;
    return true;
}

static json_t *stored_report(sqlite3 *db, int64_t id, int version)
{
    sqlite3_stmt *st = NULL;
    json_t *c = NULL;
    if (sqlite3_prepare_v2(db, "SELECT content_json FROM incident_reports WHERE incident_id=? AND version=?", -1, &st,
                           NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, version);
    if (sqlite3_step(st) == SQLITE_ROW)
        c = json_loads((const char *)sqlite3_column_text(st, 0), JSON_DECODE_ANY, NULL);
    sqlite3_finalize(st);
    return c;
}

static int count_reports(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM incident_reports WHERE incident_id=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static int cmd_report(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    int64_t id;
    char err[600];
    gl_rep_format fmt;
    if (o->npos != 1)
        return fail(o, GL_INC_EXIT_BAD_INPUT, "usage: guanlan incident report ID [--format md|json|html]");
    if (!parse_id(o, o->pos[0], &id, &rc))
        return rc;
    if (!parse_format(o->format, &fmt))
        return fail(o, GL_INC_EXIT_BAD_INPUT, "--format: \"%.20s\" (md, json, html)", o->format);
    if (strcmp(o->lang, "zh") && strcmp(o->lang, "en") && strcmp(o->lang, "zh,en") && strcmp(o->lang, "en,zh"))
        return fail(o, GL_INC_EXIT_BAD_INPUT, "--lang: \"%.20s\" (zh, en, zh,en)", o->lang);
    sqlite3 *db = open_db(o, &rc);
    if (!db)
        return rc;
    json_t *content = NULL, *inc = NULL;
    if (o->version) {
        content = stored_report(db, id, o->version);
        if (!content) {
            rc = fail(o, GL_INC_EXIT_BAD_INPUT, "--version: incident %" PRId64 " has no report version %d", id,
                      o->version);
            goto out;
        }
    } else {
        inc = gl_incdb_load(db, id, err, sizeof(err));
        if (!inc) {
            rc = fail(o, GL_INC_EXIT_BAD_INPUT, "%s", err);
            goto out;
        }
        const char *kind = o->summary ? "summary" : count_reports(db, id) ? "supplement" : "initial";
        if (o->summary && json_is_null(json_object_get(inc, "handling_ended_at"))) {
            rc = fail(o, GL_INC_EXIT_BAD_INPUT,
                      "--summary: handling has not ended (set handling_ended_at or close the incident)");
            goto out;
        }
        json_object_set_new(inc, "alerts", linked_alerts(db, id));
        char at[GL_INC_TIME_STRLEN];
        gl_inc_time now = gl_incdb_now();
        gl_incdb_time_str(&now, at, sizeof(at));
        content = gl_report_build(inc, kind, 0, at, o->who);
        int v = -1;
        if (gl_incdb_begin(db, err, sizeof(err))) {
            v = gl_report_store(db, id, content, err, sizeof(err));
            json_t *detail = json_pack("{s:i, s:s}", "version", v, "kind", kind);
            if (v < 0 || !gl_incdb_log(db, id, o->who, "report", detail, err, sizeof(err)) ||
                !gl_incdb_commit(db, err, sizeof(err))) {
                gl_incdb_rollback(db);
                v = -1;
            }
            json_decref(detail);
        }
        if (v < 0) {
            rc = fail(o, GL_INC_EXIT_INTERNAL, "%s", err);
            goto out;
        }
    }
    char *text = gl_report_render(content, fmt, o->lang);
    if (!text) {
        rc = fail(o, GL_INC_EXIT_INTERNAL, "out of memory");
        goto out;
    }
    FILE *fp = o->output ? fopen(o->output, "wb") : stdout;
    if (!fp || fputs(text, fp) < 0 || (fp != stdout ? fclose(fp) : fflush(fp)) != 0)
        rc = fail(o, GL_INC_EXIT_INTERNAL, "%s: cannot write", o->output ? o->output : "stdout");
    free(text);
out:
    json_decref(content);
    json_decref(inc);
    gl_incdb_close(db);
    return rc;
}

/* ---------------------------------------------------------------- verify */

static int cmd_verify(const opts *o)
{
    int rc = GL_INC_EXIT_OK;
    char err[600], head[GL_SM3_HEX];
    int64_t n = 0;
    sqlite3 *db = open_db(o, &rc);
    if (!db)
        return rc;
    int problems = gl_chain_verify(db, stderr, head, &n, err, sizeof(err));
    gl_incdb_close(db);
    if (problems < 0)
        return fail(o, GL_INC_EXIT_INTERNAL, "%s", err);
    if (o->expect_head && strcmp(o->expect_head, head) != 0) {
        fprintf(stderr, "incident_chain: head %s is not the expected %.64s (links removed from the end?)\n", head,
                o->expect_head);
        problems++;
    }
    if (problems) {
        fail(o, GL_INC_EXIT_TAMPERED, "chain broken: %d problem(s)", problems);
        return GL_INC_EXIT_TAMPERED;
    }
    printf("{\"ok\":true,\"links\":%" PRId64 ",\"head\":\"%s\"}\n", n, head);
    return rc;
}

int gl_inc_cmd_db(int argc, char **argv)
{
    opts o;
    int rc = GL_INC_EXIT_BAD_INPUT;
    if (!parse_opts(argc, argv, &o, &rc))
        return rc;
    if (!strcmp(o.sub, "new")) return cmd_new(&o);
    if (!strcmp(o.sub, "list")) return cmd_list(&o);
    if (!strcmp(o.sub, "show")) return cmd_show(&o);
    if (!strcmp(o.sub, "set-fact")) return cmd_set_fact(&o);
    if (!strcmp(o.sub, "status")) return cmd_status(&o);
    if (!strcmp(o.sub, "correlate")) return cmd_correlate(&o);
    if (!strcmp(o.sub, "report")) return cmd_report(&o);
    if (!strcmp(o.sub, "verify")) return cmd_verify(&o);
    return -1;
}

void gl_inc_cmd_usage(FILE *out)
{
    fputs(USAGE, out);
}
