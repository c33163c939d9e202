/*
 * correlate.c — turns EVE "alert" events in guanlan.db into incidents.
 *
 * An alert joins an open incident (one not closed, created by correlation)
 * when they share a key and the alert falls within the time window of the
 * incident's alerts; otherwise it opens a new incident. Keys, each rule
 * switchable in the rules file (docs/incident-records.md):
 *   same_host   — "host:IP": the address that belongs to a registered asset,
 *                 else the alert's dest_ip (the host the rule says was hit);
 *   indicator   — "campaign:…", "indicator:…" from guanlan.campaign /
 *                 guanlan.indicator;
 *   fingerprint — "ja3:", "ja4:", "sni:", "cert_sha1:", "hassh:" from the
 *                 guanlan.* members, or the tls/ssh objects of the event.
 * The same signature between the same two hosts inside one incident is a
 * duplicate: counted on the first alert's row, not stored again.
 *
 * Progress is a cursor (the last events.id read) so each alert is read once;
 * every batch is one transaction with its chain links.
 */
#include "incident/incident-db.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CORR_BATCH 2000          /* alerts per transaction */
#define CORR_MAX_OPEN 4096       /* open incidents considered at once */
#define CORR_MAX_EVENT_BYTES (1u << 20)
#define CORR_MAX_VALUE 120       /* longer indicator values are keyed by their SM3 */

void gl_corr_rules_default(gl_corr_rules *r)
{
    r->same_host = r->indicator = r->fingerprint = true;
    r->window_sec = 3600;
    r->max_severity = 3;
    r->offset_min = 8 * 60;
}

/* ---------------------------------------------------------------- rules */

static bool rules_fail(char *err, size_t errlen, const char *field, const char *why)
{
    snprintf(err, errlen, "%s: %s", field, why);
    return false;
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_offset(const char *s, int *out)
{
    int h, m;
    char sign, tail;
    if (!s || sscanf(s, "%c%2d:%2d%c", &sign, &h, &m, &tail) != 3 || (sign != '+' && sign != '-') ||
        strlen(s) != 6 || h > 23 || m > 59 || h < 0 || m < 0)
        return false;
    *out = (sign == '-' ? -1 : 1) * (h * 60 + m);
    return true;
}

static bool read_rule_list(yaml_document_t *d, yaml_node_t *v, gl_corr_rules *r, char *err, size_t errlen)
{
    if (!v || v->type != YAML_SEQUENCE_NODE)
        return rules_fail(err, errlen, "rules", "must be a list");
    r->same_host = r->indicator = r->fingerprint = false;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *n = yaml_document_get_node(d, *it);
        const char *s = n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
        if (strcmp(s, "same_host") == 0)
            r->same_host = true;
        else if (strcmp(s, "indicator") == 0)
            r->indicator = true;
        else if (strcmp(s, "fingerprint") == 0)
            r->fingerprint = true;
        else
            return rules_fail(err, errlen, "rules", "unknown rule (same_host, indicator, fingerprint)");
    }
    return true;
}

bool gl_corr_rules_parse(gl_corr_rules *r, const char *text, size_t len, char *err, size_t errlen)
{
    yaml_parser_t p;
    yaml_document_t d;
    gl_corr_rules_default(r);
    if (!yaml_parser_initialize(&p))
        return rules_fail(err, errlen, "input", "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &d)) {
        snprintf(err, errlen, "input: YAML error at line %zu: %s", p.problem_mark.line + 1,
                 p.problem ? p.problem : "syntax");
        yaml_parser_delete(&p);
        return false;
    }
    bool ok = true;
    yaml_node_t *root = yaml_document_get_root_node(&d);
    if (!root || root->type != YAML_MAPPING_NODE)
        ok = rules_fail(err, errlen, "input", "must be a mapping");
    for (yaml_node_pair_t *pr = ok ? root->data.mapping.pairs.start : NULL; ok && pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(&d, pr->key), *v = yaml_document_get_node(&d, pr->value);
        const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
        const char *val = v && v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;
        long n = 0;
        if (strcmp(key, "window_minutes") == 0) {
            ok = parse_int(val, 1, 7 * 24 * 60, &n) ||
                 rules_fail(err, errlen, "window_minutes", "must be a whole number 1..10080");
            r->window_sec = n * 60;
        } else if (strcmp(key, "max_severity") == 0) {
            ok = parse_int(val, 1, 255, &n) || rules_fail(err, errlen, "max_severity", "must be 1..255");
            r->max_severity = (int)n;
        } else if (strcmp(key, "offset") == 0) {
            ok = parse_offset(val, &r->offset_min) ||
                 rules_fail(err, errlen, "offset", "must be +HH:MM or -HH:MM");
        } else if (strcmp(key, "rules") == 0) {
            ok = read_rule_list(&d, v, r, err, errlen);
        } else {
            ok = rules_fail(err, errlen, "input", "unknown key (window_minutes, max_severity, offset, rules)");
        }
    }
    yaml_document_delete(&d);
    yaml_parser_delete(&p);
    return ok;
}

bool gl_corr_rules_load(gl_corr_rules *r, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%.200s: cannot open: %s", path, strerror(errno));
        return false;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf), fp);
    fclose(fp);
    if (n == sizeof(buf)) {
        snprintf(err, errlen, "%.200s: larger than 64 KiB", path);
        return false;
    }
    char why[300];
    if (!gl_corr_rules_parse(r, buf, n, why, sizeof(why))) {
        snprintf(err, errlen, "%.200s: %s", path, why);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- alerts */

static const char *str_at(json_t *o, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

/* "kind:value", values normalised (lower case; colons dropped from
 * hex fingerprints) so the guanlan.* and tls.* spellings match. */
static void add_key(gl_corr_alert *a, const char *kind, const char *value, bool hex)
{
    if (!value || a->n_keys == sizeof(a->keys) / sizeof(a->keys[0]))
        return;
    char norm[CORR_MAX_VALUE + 1];
    size_t o = 0, len = strlen(value);
    if (len > CORR_MAX_VALUE) {
        gl_sm3_hex(value, len, norm);
        o = strlen(norm);
    } else {
        for (size_t i = 0; value[i]; i++) {
            unsigned char c = (unsigned char)value[i];
            if (hex && c == ':')
                continue;
            norm[o++] = (char)tolower(c);
        }
    }
    norm[o] = '\0';
    if (!o)
        return;
    char key[160];
    snprintf(key, sizeof(key), "%s:%s", kind, norm);
    for (size_t i = 0; i < a->n_keys; i++)
        if (strcmp(a->keys[i], key) == 0)
            return;
    snprintf(a->keys[a->n_keys++], sizeof(a->keys[0]), "%s", key);
}

bool gl_corr_parse_alert(const char *json, size_t len, gl_corr_alert *a)
{
    memset(a, 0, sizeof(*a));
    if (len > CORR_MAX_EVENT_BYTES)
        return false;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    bool ok = false;
    json_t *al = json_object_get(root, "alert");
    const char *et = str_at(root, "event_type", NULL, NULL);
    const char *sig = str_at(al, "signature", NULL, NULL);
    if (!json_is_object(root) || !et || strcmp(et, "alert") != 0 || !json_is_object(al) || !sig)
        goto out;
    snprintf(a->signature, sizeof(a->signature), "%s", sig);
    json_t *sid = json_object_get(al, "signature_id");
    a->signature_id = json_is_integer(sid) ? (int64_t)json_integer_value(sid) : -1;
    const char *cat = str_at(al, "category", NULL, NULL);
    snprintf(a->category, sizeof(a->category), "%s", cat ? cat : "");
    json_t *sev = json_object_get(al, "severity");
    a->severity = json_is_integer(sev) && json_integer_value(sev) >= 1 && json_integer_value(sev) <= 255
                      ? (int)json_integer_value(sev) : 3;
    const char *s = str_at(root, "src_ip", NULL, NULL), *d = str_at(root, "dest_ip", NULL, NULL);
    snprintf(a->src_ip, sizeof(a->src_ip), "%s", s ? s : "");
    snprintf(a->dest_ip, sizeof(a->dest_ip), "%s", d ? d : "");
    add_key(a, "campaign", str_at(root, "guanlan", "campaign", NULL), false);
    add_key(a, "indicator", str_at(root, "guanlan", "indicator", NULL), false);
    const char *ja3 = str_at(root, "guanlan", "ja3", NULL);
    add_key(a, "ja3", ja3 ? ja3 : str_at(root, "tls", "ja3", "hash"), true);
    const char *ja4 = str_at(root, "guanlan", "ja4", NULL);
    add_key(a, "ja4", ja4 ? ja4 : str_at(root, "tls", "ja4", NULL), false);
    const char *sni = str_at(root, "guanlan", "sni", NULL);
    add_key(a, "sni", sni ? sni : str_at(root, "tls", "sni", NULL), false);
    const char *cert = str_at(root, "guanlan", "cert_sha1", NULL);
    add_key(a, "cert_sha1", cert ? cert : str_at(root, "tls", "fingerprint", NULL), true);
    /* EVE ssh: ssh.client.hassh.hash */
    json_t *ssh_hassh = json_object_get(json_object_get(json_object_get(root, "ssh"), "client"), "hassh");
    const char *hassh = str_at(root, "guanlan", "hassh", NULL);
    add_key(a, "hassh", hassh ? hassh : str_at(ssh_hassh, "hash", NULL, NULL), true);
    ok = true;
out:
    json_decref(root);
    return ok;
}

static bool key_enabled(const gl_corr_rules *r, const char *key)
{
    if (strncmp(key, "host:", 5) == 0)
        return r->same_host;
    if (strncmp(key, "campaign:", 9) == 0 || strncmp(key, "indicator:", 10) == 0)
        return r->indicator;
    return r->fingerprint;
}

/* ---------------------------------------------------------------- state */

typedef struct open_inc {
    int64_t id;
    int64_t first_usec, last_usec;
    json_t *keys;       /* array of strings, at most GL_INC_MAX_KEYS */
    int64_t added;      /* alerts attached in this batch (duplicates included) */
    bool touched;
} open_inc;

typedef struct corr {
    sqlite3 *db;
    const gl_corr_rules *rules;
    const gl_asset_registry *reg;
    const char *who, *calendar_dir;
    gl_corr_stats *st;
    open_inc *inc;
    size_t n_inc;
    int64_t (*touched_alerts)[2]; /* (incident_alerts id, incident id) to chain at batch end */
    size_t n_touched, cap_touched;
    char *err;
    size_t errlen;
} corr;

static bool load_open(corr *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT id, first_seen_usec, last_seen_usec, correlation_keys FROM incidents"
                           " WHERE origin='correlation' AND status <> 'closed' ORDER BY id DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
        return false;
    }
    sqlite3_bind_int(st, 1, CORR_MAX_OPEN);
    while (sqlite3_step(st) == SQLITE_ROW) {
        open_inc *o = &c->inc[c->n_inc++];
        memset(o, 0, sizeof(*o));
        o->id = sqlite3_column_int64(st, 0);
        o->first_usec = sqlite3_column_int64(st, 1);
        o->last_usec = sqlite3_column_int64(st, 2);
        const unsigned char *k = sqlite3_column_text(st, 3);
        o->keys = k ? json_loads((const char *)k, 0, NULL) : NULL;
        if (!json_is_array(o->keys)) {
            json_decref(o->keys);
            o->keys = json_array();
        }
    }
    sqlite3_finalize(st);
    return true;
}

static bool has_key(json_t *keys, const char *k)
{
    size_t i;
    json_t *v;
    json_array_foreach(keys, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), k) == 0)
            return true;
    return false;
}

static open_inc *find_incident(corr *c, char keys[][160], size_t n_keys, int64_t ts)
{
    int64_t w = c->rules->window_sec * 1000000;
    open_inc *best = NULL;
    for (size_t i = 0; i < c->n_inc; i++) {
        open_inc *o = &c->inc[i];
        if (ts > o->last_usec + w || ts < o->first_usec - w)
            continue;
        for (size_t k = 0; k < n_keys; k++)
            if (has_key(o->keys, keys[k]) && (!best || o->id < best->id)) {
                best = o;
                break;
            }
    }
    return best;
}

static bool note_touched(corr *c, int64_t alert_row, int64_t incident_id)
{
    for (size_t i = 0; i < c->n_touched; i++)
        if (c->touched_alerts[i][0] == alert_row)
            return true;
    if (c->n_touched == c->cap_touched) {
        size_t cap = c->cap_touched ? c->cap_touched * 2 : 64;
        int64_t(*p)[2] = realloc(c->touched_alerts, cap * sizeof(*p));
        if (!p) {
            snprintf(c->err, c->errlen, "out of memory");
            return false;
        }
        c->touched_alerts = p;
        c->cap_touched = cap;
    }
    c->touched_alerts[c->n_touched][0] = alert_row;
    c->touched_alerts[c->n_touched++][1] = incident_id;
    return true;
}

/* The first alert's row carries the duplicate count. */
static bool attach_alert(corr *c, open_inc *o, int64_t event_id, int64_t ts, const char *json, size_t len,
                         const gl_corr_alert *a, const char *matched)
{
    sqlite3_stmt *st = NULL;
    int64_t row = -1;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT id FROM incident_alerts WHERE incident_id=? AND signature=? AND signature_id IS ?"
                           " AND src_ip=? AND dest_ip=? LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_text(st, 2, a->signature, -1, SQLITE_STATIC);
    if (a->signature_id >= 0)
        sqlite3_bind_int64(st, 3, a->signature_id);
    sqlite3_bind_text(st, 4, a->src_ip, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->dest_ip, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        row = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (row >= 0) {
        if (sqlite3_prepare_v2(c->db,
                               "UPDATE incident_alerts SET duplicates=duplicates+1, last_ts_usec=max(last_ts_usec, ?)"
                               " WHERE id=?",
                               -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int64(st, 1, ts);
        sqlite3_bind_int64(st, 2, row);
        c->st->duplicates++;
    } else {
        char h[GL_SM3_HEX];
        gl_sm3_hex(json, len, h);
        if (sqlite3_prepare_v2(c->db,
                               "INSERT INTO incident_alerts(incident_id, event_id, event_sm3, ts_usec, signature,"
                               " signature_id, category, severity, src_ip, dest_ip, matched_key, duplicates,"
                               " last_ts_usec) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?)",
                               -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int64(st, 1, o->id);
        sqlite3_bind_int64(st, 2, event_id);
        sqlite3_bind_text(st, 3, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, ts);
        sqlite3_bind_text(st, 5, a->signature, -1, SQLITE_STATIC);
        if (a->signature_id >= 0)
            sqlite3_bind_int64(st, 6, a->signature_id);
        sqlite3_bind_text(st, 7, a->category, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, a->severity);
        sqlite3_bind_text(st, 9, a->src_ip, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, a->dest_ip, -1, SQLITE_STATIC);
        if (matched)
            sqlite3_bind_text(st, 11, matched, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 12, ts);
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        goto dberr;
    }
    sqlite3_finalize(st);
    if (!note_touched(c, row >= 0 ? row : sqlite3_last_insert_rowid(c->db), o->id))
        return false;
    o->added++;
    o->touched = true;
    if (ts > o->last_usec)
        o->last_usec = ts;
    if (ts < o->first_usec)
        o->first_usec = ts;
    return true;
dberr:
    snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
    return false;
}

static void merge_keys(open_inc *o, char keys[][160], size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (json_array_size(o->keys) < GL_INC_MAX_KEYS && !has_key(o->keys, keys[k]))
            json_array_append_new(o->keys, json_string(keys[k]));
}

static bool flush_incidents(corr *c);

static open_inc *new_incident(corr *c, const gl_corr_alert *a, const char *host, int64_t ts)
{
    if (c->n_inc == CORR_MAX_OPEN) {
        /* Forget the incident seen least recently (its pending changes are
         * written first): later alerts for it open a new incident. */
        if (!flush_incidents(c))
            return NULL;
        size_t old = 0;
        for (size_t i = 1; i < c->n_inc; i++)
            if (c->inc[i].last_usec < c->inc[old].last_usec)
                old = i;
        json_decref(c->inc[old].keys);
        c->inc[old] = c->inc[--c->n_inc];
    }
    const gl_asset *asset = gl_asset_by_ip(c->reg, host);
    json_t *facts = json_object(), *details = json_object();
    gl_inc_time t = { .utc = ts >= 0 ? ts / 1000000 : -((-ts + 999999) / 1000000),
                      .offset_min = c->rules->offset_min };
    char when[GL_INC_TIME_STRLEN], title[400];
    gl_incdb_time_str(&t, when, sizeof(when));
    gl_asset_fill_facts(c->reg, asset, facts, details);
    json_object_set_new(facts, "discovered_at", json_string(when));
    json_object_set_new(facts, "handling_ended_at", json_null());
    json_object_set_new(facts, "facts", json_object());
    snprintf(title, sizeof(title), "%.250s (%.100s)", a->signature, asset ? asset->name : host);
    gl_incdb_new n = { .title = title, .origin = "correlation", .asset = asset ? asset->name : NULL,
                       .facts = facts, .details = details, .who = c->who, .keys = NULL,
                       .first_seen_usec = ts, .last_seen_usec = ts };
    int64_t id = gl_incdb_create(c->db, &n, c->calendar_dir, c->err, c->errlen);
    json_decref(facts);
    json_decref(details);
    if (id < 0)
        return NULL;
    open_inc *o = &c->inc[c->n_inc++];
    memset(o, 0, sizeof(*o));
    o->id = id;
    o->first_usec = o->last_usec = ts;
    o->keys = json_array();
    c->st->incidents_created++;
    return o;
}

/* One UPDATE and one chain link per touched incident per batch. */
static bool flush_incidents(corr *c)
{
    for (size_t i = 0; i < c->n_touched; i++)
        if (!gl_chain_append(c->db, c->touched_alerts[i][1], "incident_alerts", c->touched_alerts[i][0], "alert",
                             c->err, c->errlen))
            return false;
    c->n_touched = 0;
    for (size_t i = 0; i < c->n_inc; i++) {
        open_inc *o = &c->inc[i];
        if (!o->touched)
            continue;
        sqlite3_stmt *st = NULL;
        char *keys = json_dumps(o->keys, JSON_COMPACT);
        if (sqlite3_prepare_v2(c->db,
                               "UPDATE incidents SET alert_count=alert_count+?, first_seen_usec=?, last_seen_usec=?,"
                               " correlation_keys=? WHERE id=?",
                               -1, &st, NULL) != SQLITE_OK) {
            free(keys);
            snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
            return false;
        }
        sqlite3_bind_int64(st, 1, o->added);
        sqlite3_bind_int64(st, 2, o->first_usec);
        sqlite3_bind_int64(st, 3, o->last_usec);
        sqlite3_bind_text(st, 4, keys ? keys : "[]", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, o->id);
        free(keys);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
            return false;
        }
        if (!gl_chain_append(c->db, o->id, "incidents", o->id, "alerts", c->err, c->errlen))
            return false;
        if (o->added)
            c->st->incidents_updated++;
        o->added = 0;
        o->touched = false;
    }
    return true;
}

static bool handle_alert(corr *c, int64_t event_id, int64_t ts, const char *json, size_t len)
{
    gl_corr_alert a;
    c->st->alerts_read++;
    if (!gl_corr_parse_alert(json, len, &a) || a.severity > c->rules->max_severity) {
        c->st->alerts_ignored++;
        return true;
    }
    const char *host = a.dest_ip;
    if (gl_asset_by_ip(c->reg, a.src_ip) && !gl_asset_by_ip(c->reg, a.dest_ip))
        host = a.src_ip;
    char keys[10][160];
    size_t n = 0;
    if (host[0])
        snprintf(keys[n++], sizeof(keys[0]), "host:%.150s", host);
    for (size_t i = 0; i < a.n_keys; i++)
        snprintf(keys[n++], sizeof(keys[0]), "%s", a.keys[i]);
    /* only the rules switched on may join alerts */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (key_enabled(c->rules, keys[i]))
            memmove(keys[m++], keys[i], sizeof(keys[0]));
    open_inc *o = find_incident(c, keys, m, ts);
    const char *matched = NULL;
    if (o) {
        for (size_t k = 0; k < m && !matched; k++)
            if (has_key(o->keys, keys[k]))
                matched = keys[k];
    } else {
        o = new_incident(c, &a, host[0] ? host : "unknown host", ts);
        if (!o)
            return false;
    }
    char matched_copy[160] = "";
    if (matched)
        snprintf(matched_copy, sizeof(matched_copy), "%.*s", (int)sizeof(matched_copy) - 1, matched);
    merge_keys(o, keys, m);
    return attach_alert(c, o, event_id, ts, json, len, &a, matched ? matched_copy : NULL);
}

static bool read_cursor(corr *c, int64_t *cursor)
{
    sqlite3_stmt *st = NULL;
    *cursor = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT last_event_id FROM incident_correlation_state WHERE id=1", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
        return false;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        *cursor = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return true;
}

static bool write_cursor(corr *c, int64_t cursor)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO incident_correlation_state(id, last_event_id) VALUES (1, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
        return false;
    }
    sqlite3_bind_int64(st, 1, cursor);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
    return ok;
}

/* One batch in one transaction. *more when the batch was full. */
static bool run_batch(corr *c, bool *more)
{
    int64_t cursor;
    int n = 0;
    *more = false;
    if (!gl_incdb_begin(c->db, c->err, c->errlen))
        return false;
    if (!read_cursor(c, &cursor))
        goto fail;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT id, ts_usec, json FROM events WHERE event_type='alert' AND id > ? ORDER BY id"
                           " LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
        goto fail;
    }
    sqlite3_bind_int64(st, 1, cursor);
    sqlite3_bind_int(st, 2, CORR_BATCH);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *json = (const char *)sqlite3_column_text(st, 2);
        if (!handle_alert(c, id, sqlite3_column_int64(st, 1), json ? json : "", (size_t)sqlite3_column_bytes(st, 2))) {
            sqlite3_finalize(st);
            goto fail;
        }
        cursor = id;
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(c->err, c->errlen, "database: %s", sqlite3_errmsg(c->db));
        goto fail;
    }
    if (!flush_incidents(c) || !write_cursor(c, cursor) || !gl_incdb_commit(c->db, c->err, c->errlen))
        goto fail;
    *more = n == CORR_BATCH;
    return true;
fail:
    gl_incdb_rollback(c->db);
    return false;
}

bool gl_correlate(sqlite3 *db, const gl_corr_rules *rules, const gl_asset_registry *reg,
                  const char *who, const char *calendar_dir, gl_corr_stats *st, char *err,
                  size_t errlen)
{
    corr c = { .db = db, .rules = rules, .reg = reg, .who = who, .calendar_dir = calendar_dir, .st = st,
               .err = err, .errlen = errlen };
    memset(st, 0, sizeof(*st));
    c.inc = calloc(CORR_MAX_OPEN, sizeof(*c.inc));
    if (!c.inc) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool ok = load_open(&c), more = ok;
    while (ok && more)
        ok = run_batch(&c, &more);
    for (size_t i = 0; i < c.n_inc; i++)
        json_decref(c.inc[i].keys);
    free(c.inc);
    free(c.touched_alerts);
    return ok;
}
