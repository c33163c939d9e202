/*
 * con-router.c — one API request from start to finish: path and parameter
 * hygiene, route lookup, authentication, the role check (the only place
 * roles are enforced, so no handler can forget it), CSRF, JSON body parsing,
 * the handler, and the audit record of every write. Also the console's
 * open/close and the helpers handlers use to read parameters and reply.
 */
#include "console/con-internal.h"
#include "incident/incident-db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define A GL_ROLE_ADMIN
#define O GL_ROLE_OPERATOR
#define U GL_ROLE_AUDITOR

/* The authorisation matrix. docs/console.md and docs/openapi.yaml list the
 * same table; tests/console/test-console-api.c checks it from its own copy. */
const con_route gl_con_routes[] = {
    { "POST", "/api/v1/auth/login", 0, true, true, con_h_login },
    { "GET", "/api/v1/setup", 0, false, true, con_h_setup_get },
    { "POST", "/api/v1/setup", 0, true, true, con_h_setup_post },
    { "POST", "/api/v1/auth/logout", A | O | U, true, true, con_h_logout },
    { "GET", "/api/v1/auth/me", A | O | U, false, true, con_h_me },
    { "POST", "/api/v1/auth/password", A | O | U, true, true, con_h_password },
    { "POST", "/api/v1/auth/totp/enroll", A | O | U, true, true, con_h_totp_enroll },
    { "POST", "/api/v1/auth/totp/confirm", A | O | U, true, true, con_h_totp_confirm },
    { "GET", "/api/v1/tokens", A | O | U, false, false, con_h_tokens_list },
    { "POST", "/api/v1/tokens", A | O | U, true, false, con_h_tokens_create },
    { "DELETE", "/api/v1/tokens/{id}", A | O | U, true, false, con_h_tokens_delete },

    { "GET", "/api/v1/overview", O | U, false, false, con_h_overview },
    { "GET", "/api/v1/alerts", O | U, false, false, con_h_alerts },
    { "GET", "/api/v1/alerts/{id}", O | U, false, false, con_h_alert_get },
    { "GET", "/api/v1/sessions/{flow}", O | U, false, false, con_h_session },
    { "GET", "/api/v1/sessions/{flow}/fishbone", O | U, false, false, con_h_fishbone },
    { "POST", "/api/v1/sessions/{flow}/feedback", O, true, false, con_h_feedback },
    { "GET", "/api/v1/health", A | O | U, false, false, con_h_health },

    { "GET", "/api/v1/incidents", O | U, false, false, con_h_incidents },
    { "POST", "/api/v1/incidents", O, true, false, con_h_incident_create },
    { "POST", "/api/v1/incidents/correlate", O, true, false, con_h_incident_correlate },
    { "GET", "/api/v1/incidents/{id}", O | U, false, false, con_h_incident_get },
    { "PATCH", "/api/v1/incidents/{id}/facts", O, true, false, con_h_incident_facts },
    { "POST", "/api/v1/incidents/{id}/status", O, true, false, con_h_incident_status },
    { "GET", "/api/v1/incidents/{id}/reports", O | U, false, false, con_h_reports_list },
    { "POST", "/api/v1/incidents/{id}/reports", O, true, false, con_h_reports_create },
    { "GET", "/api/v1/incidents/{id}/reports/{version}", O | U, false, false, con_h_report_get },

    { "GET", "/api/v1/users", A | U, false, false, con_h_users_list },
    { "POST", "/api/v1/users", A, true, false, con_h_users_create },
    { "PATCH", "/api/v1/users/{name}", A, true, false, con_h_users_update },
    { "POST", "/api/v1/users/{name}/reset-password", A, true, false, con_h_users_reset_password },
    { "POST", "/api/v1/users/{name}/reset-totp", A, true, false, con_h_users_reset_totp },
    { "POST", "/api/v1/users/{name}/unlock", A, true, false, con_h_users_unlock },
    { "GET", "/api/v1/config", A | U, false, false, con_h_config_get },
    { "PUT", "/api/v1/config", A, true, false, con_h_config_put },
    { "GET", "/api/v1/assets", A | O | U, false, false, con_h_assets_list },
    { "POST", "/api/v1/assets", A, true, false, con_h_assets_put },
    { "GET", "/api/v1/assets/registry", A | O | U, false, false, con_h_assets_export },
    { "GET", "/api/v1/assets/{id}", A | O | U, false, false, con_h_assets_get },
    { "PUT", "/api/v1/assets/{id}", A, true, false, con_h_assets_put },
    { "DELETE", "/api/v1/assets/{id}", A, true, false, con_h_assets_delete },

    { "GET", "/api/v1/audit", U, false, false, con_h_audit_list },
    { "GET", "/api/v1/audit/verify", U, false, false, con_h_audit_verify },
};
const size_t gl_con_n_routes = sizeof(gl_con_routes) / sizeof(gl_con_routes[0]);

/* ---------------------------------------------------------------- roles */

const char *gl_con_role_name(unsigned role)
{
    switch (role) {
    case GL_ROLE_ADMIN: return "admin";
    case GL_ROLE_OPERATOR: return "operator";
    case GL_ROLE_AUDITOR: return "auditor";
    default: return "none";
    }
}

unsigned gl_con_role_parse(const char *s)
{
    if (!s)
        return 0;
    if (strcmp(s, "admin") == 0)
        return GL_ROLE_ADMIN;
    if (strcmp(s, "operator") == 0)
        return GL_ROLE_OPERATOR;
    if (strcmp(s, "auditor") == 0)
        return GL_ROLE_AUDITOR;
    return 0;
}

/* ---------------------------------------------------------------- console */

void gl_con_config_default(gl_con_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->db_path = "guanlan.db";
    cfg->kdf_log2n = 16;
    cfg->secure_cookies = true;
}

gl_console *gl_con_open(const gl_con_config *cfg, char *err, size_t errlen)
{
    gl_console *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    snprintf(c->db_path, sizeof(c->db_path), "%s", cfg->db_path);
    if (cfg->state_dir) {
        snprintf(c->state_dir, sizeof(c->state_dir), "%s", cfg->state_dir);
    } else {
        const char *slash = strrchr(c->db_path, '/');
        if (slash)
            snprintf(c->state_dir, sizeof(c->state_dir), "%.*s", (int)(slash - c->db_path), c->db_path);
        else
            snprintf(c->state_dir, sizeof(c->state_dir), ".");
    }
    c->cfg.db_path = c->db_path;
    c->cfg.state_dir = c->state_dir;
    c->db = gl_incdb_open(c->db_path, err, errlen);
    if (!c->db || !con_db_schema(c->db, err, errlen)) {
        gl_con_close(c);
        return NULL;
    }
    con_settings_load(c);
    if (gl_con_user_count(c) == 0) {
        uint8_t r[32];
        if (!gl_con_random(r, sizeof(r))) {
            snprintf(err, errlen, "no randomness");
            gl_con_close(c);
            return NULL;
        }
        gl_con_hex(r, sizeof(r), c->setup_token);
    }
    if (cfg->background_sync && !con_sync_start(c)) {
        snprintf(err, errlen, "cannot start the summary thread");
        gl_con_close(c);
        return NULL;
    }
    return c;
}

void gl_con_close(gl_console *c)
{
    if (!c)
        return;
    con_sync_stop(c);
    if (c->db)
        gl_incdb_close(c->db);
    free(c);
}

sqlite3 *gl_con_db(gl_console *c)
{
    return c->db;
}

void gl_con_set_now(gl_console *c, int64_t now)
{
    c->now_override = now;
}

int64_t gl_con_now(gl_console *c)
{
    return c && c->now_override ? c->now_override : (int64_t)time(NULL);
}

const char *gl_con_setup_token(gl_console *c)
{
    return c->setup_token[0] ? c->setup_token : NULL;
}

/* ---------------------------------------------------------------- replies */

void con_reply_raw(con_call *k, int status, const char *ctype, char *body, size_t len)
{
    free(k->resp->body);
    k->resp->status = status;
    k->resp->body = body;
    k->resp->len = len;
    snprintf(k->resp->content_type, sizeof(k->resp->content_type), "%s", ctype);
}

void con_reply_json(con_call *k, int status, json_t *body)
{
    /* JSON_ESCAPE_SLASH keeps "</script>" out of any page that might embed it */
    char *s = body ? json_dumps(body, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (!s) {
        s = strdup("{\"error\":\"internal\",\"message\":\"response could not be built\"}");
        status = 500;
    }
    con_reply_raw(k, status, "application/json; charset=utf-8", s, s ? strlen(s) : 0);
}

void con_reply_error(con_call *k, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* messages may quote client input: never let invalid UTF-8 through */
    if (!gl_con_utf8_valid(msg, strlen(msg)))
        snprintf(msg, sizeof(msg), "invalid input");
    json_t *o = json_object();
    json_object_set_new(o, "error", json_string(code));
    json_object_set_new(o, "message", json_string(msg));
    con_reply_json(k, status, o);
}

void con_add_cookie(con_call *k, const char *fmt, ...)
{
    if (k->resp->n_cookies >= GL_CON_MAX_COOKIES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->resp->cookies[k->resp->n_cookies++], sizeof(k->resp->cookies[0]), fmt, ap);
    va_end(ap);
}

void gl_con_resp_free(gl_con_resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* ---------------------------------------------------------------- parameters */

const char *con_arg(con_call *k, const char *name)
{
    for (size_t i = 0; i < k->req->n_args; i++)
        if (k->req->args[i].key && strcmp(k->req->args[i].key, name) == 0)
            return k->req->args[i].value ? k->req->args[i].value : "";
    return NULL;
}

bool con_args_check(con_call *k, const char *const *allowed)
{
    for (size_t i = 0; i < k->req->n_args; i++) {
        const char *key = k->req->args[i].key;
        bool ok = false;
        for (size_t a = 0; key && allowed && allowed[a]; a++)
            ok = ok || strcmp(key, allowed[a]) == 0;
        if (!ok) {
            con_reply_error(k, 400, "bad_parameter", "unknown query parameter");
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(k->req->args[j].key, key) == 0) {
                con_reply_error(k, 400, "bad_parameter", "%s: given twice", key);
                return false;
            }
    }
    return true;
}

bool con_arg_int(con_call *k, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
    const char *v = con_arg(k, name);
    if (!v)
        return true;
    char *e;
    errno = 0;
    long long x = strtoll(v, &e, 10);
    if (!*v || *e || errno || x < lo || x > hi || (*v != '-' && (*v < '0' || *v > '9'))) {
        con_reply_error(k, 400, "bad_parameter", "%s: an integer %" PRId64 "..%" PRId64, name, lo, hi);
        return false;
    }
    *out = x;
    return true;
}

/* Epoch seconds (integer) or an RFC 3339 instant with an offset. */
bool con_arg_time(con_call *k, const char *name, int64_t *usec_out)
{
    const char *v = con_arg(k, name);
    if (!v)
        return true;
    char *e;
    errno = 0;
    long long x = strtoll(v, &e, 10);
    if (*v >= '0' && *v <= '9' && !*e && !errno && x <= 253402300799LL) {
        *usec_out = (int64_t)x * 1000000;
        return true;
    }
    gl_inc_time t;
    char err[128];
    if (strlen(v) < 64 && gl_inc_time_parse(v, &t, err, sizeof(err))) {
        *usec_out = t.utc * 1000000;
        return true;
    }
    con_reply_error(k, 400, "bad_parameter", "%s: epoch seconds or RFC 3339 time with offset", name);
    return false;
}

bool con_arg_ip(con_call *k, const char *name, char *out, size_t outlen)
{
    const char *v = con_arg(k, name);
    if (!v)
        return true;
    unsigned char a[16];
    if (strlen(v) < 64) {
        if (inet_pton(AF_INET, v, a) == 1 && inet_ntop(AF_INET, a, out, (socklen_t)outlen))
            return true;
        if (inet_pton(AF_INET6, v, a) == 1) {
            static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
            /* stored like EVE: IPv4-mapped addresses in dotted-quad form */
            if (memcmp(a, mapped, 12) == 0 ? inet_ntop(AF_INET, a + 12, out, (socklen_t)outlen) != NULL
                                           : inet_ntop(AF_INET6, a, out, (socklen_t)outlen) != NULL)
                return true;
        }
    }
    con_reply_error(k, 400, "bad_parameter", "%s: an IPv4 or IPv6 address", name);
    return false;
}

bool con_safe_text(const char *s, size_t maxlen)
{
    size_t n = strlen(s);
    if (n == 0 || n > maxlen || !gl_con_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f || strchr("'\";\\`<>=", ch))
            return false;
        if ((ch == '-' && s[i + 1] == '-') || (ch == '/' && s[i + 1] == '*'))
            return false;
    }
    return true;
}

bool con_arg_text(con_call *k, const char *name, size_t maxlen, const char **out)
{
    const char *v = con_arg(k, name);
    if (!v)
        return true;
    if (!con_safe_text(v, maxlen)) {
        con_reply_error(k, 400, "bad_parameter", "%s: 1..%zu characters, no quotes, ;, =, <, > or controls", name,
                        maxlen);
        return false;
    }
    *out = v;
    return true;
}

bool con_arg_enum(con_call *k, const char *name, const char *const *values, const char **out)
{
    const char *v = con_arg(k, name);
    if (!v)
        return true;
    for (size_t i = 0; values[i]; i++)
        if (strcmp(v, values[i]) == 0) {
            *out = values[i];
            return true;
        }
    con_reply_error(k, 400, "bad_parameter", "%s: not an allowed value", name);
    return false;
}

bool con_args_page(con_call *k, int64_t *limit, int64_t *offset)
{
    *limit = 50;
    *offset = 0;
    return con_arg_int(k, "limit", 1, 500, limit) && con_arg_int(k, "offset", 0, 100000, offset);
}

bool con_param_id(con_call *k, size_t i, int64_t *out)
{
    const char *s = i < k->n_params ? k->params[i] : "";
    char *e;
    errno = 0;
    unsigned long long x = strtoull(s, &e, 10);
    if (!*s || *e || errno || *s < '0' || *s > '9' || x == 0 || x > (unsigned long long)INT64_MAX) {
        con_reply_error(k, 400, "bad_id", "not a positive integer id");
        return false;
    }
    *out = (int64_t)x;
    return true;
}

const char *con_body_str(con_call *k, const char *name, size_t maxlen, bool required, bool *bad)
{
    json_t *v = json_object_get(k->body, name);
    if (!v || json_is_null(v)) {
        if (required) {
            con_reply_error(k, 400, "bad_body", "%s: required", name);
            *bad = true;
        }
        return NULL;
    }
    const char *s = json_string_value(v);
    if (!s || strlen(s) > maxlen || strlen(s) != json_string_length(v)) {
        con_reply_error(k, 400, "bad_body", "%s: a string of at most %zu bytes", name, maxlen);
        *bad = true;
        return NULL;
    }
    return s;
}

/* ---------------------------------------------------------------- routing */

/* Only these characters ever reach the router; percent-decoding happened in
 * the transport, so "..", "//" and "\" are refused here whatever their
 * spelling on the wire. */
static bool path_clean(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > GL_CON_PATH_MAX || p[0] != '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '/' ||
                  ch == '-' || ch == '_' || ch == '.';
        if (!ok)
            return false;
        if (ch == '/' && p[i + 1] == '/')
            return false;
        if (ch == '.' && (i == 0 || p[i - 1] == '/' || p[i + 1] == '.'))
            return false;
    }
    return true;
}

/* Segment-wise match; {x} captures one non-empty segment. */
static bool route_match(const char *pattern, const char *path, con_call *k)
{
    size_t np = 0;
    const char *a = pattern, *b = path;
    while (*a && *b) {
        if (*a == '{') {
            const char *close = strchr(a, '}');
            size_t len = strcspn(b, "/");
            if (!close || len == 0 || len >= sizeof(k->params[0]) || np >= CON_MAX_PARAMS)
                return false;
            memcpy(k->params[np], b, len);
            k->params[np++][len] = '\0';
            a = close + 1;
            b += len;
            continue;
        }
        if (*a != *b)
            return false;
        a++, b++;
    }
    if (*a || *b)
        return false;
    k->n_params = np;
    return true;
}

static const con_route *find_route(con_call *k, const char *method, const char *path, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < gl_con_n_routes; i++) {
        if (!route_match(gl_con_routes[i].pattern, path, k))
            continue;
        *path_known = true;
        if (strcmp(gl_con_routes[i].method, method) == 0)
            return &gl_con_routes[i];
    }
    return NULL;
}

static bool args_clean(con_call *k)
{
    if (k->req->too_many_args || k->req->n_args > GL_CON_MAX_ARGS) {
        con_reply_error(k, 400, "bad_parameter", "too many query parameters");
        return false;
    }
    for (size_t i = 0; i < k->req->n_args; i++) {
        const char *key = k->req->args[i].key, *v = k->req->args[i].value ? k->req->args[i].value : "";
        if (!key || strlen(key) > 32 || !gl_con_utf8_valid(key, strlen(key)) || strlen(v) > GL_CON_ARG_MAX ||
            !gl_con_utf8_valid(v, strlen(v))) {
            con_reply_error(k, 400, "bad_parameter", "query parameter too long or not UTF-8");
            return false;
        }
    }
    return true;
}

static bool content_type_json(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static bool parse_body(con_call *k)
{
    const gl_con_req *r = k->req;
    if (strcmp(r->method, "DELETE") == 0 || strcmp(r->method, "GET") == 0) {
        if (r->body_len || r->body_too_large) {
            con_reply_error(k, 400, "bad_body", "%s takes no body", r->method);
            return false;
        }
        return true;
    }
    if (r->body_too_large || r->body_len > GL_CON_BODY_MAX) {
        con_reply_error(k, 413, "too_large", "request body over %d bytes", GL_CON_BODY_MAX);
        return false;
    }
    if (!content_type_json(r->content_type)) {
        con_reply_error(k, 415, "unsupported_media_type", "Content-Type must be application/json");
        return false;
    }
    json_error_t je;
    /* jansson refuses invalid UTF-8 and NUL in strings (no JSON_ALLOW_NUL) */
    k->body = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(k->body)) {
        json_decref(k->body);
        k->body = NULL;
        con_reply_error(k, 400, "bad_json", "body must be one JSON object (valid UTF-8, no duplicate keys)");
        return false;
    }
    return true;
}

static bool csrf_ok(con_call *k)
{
    if (k->who.via_token)
        return true; /* bearer tokens are not sent by browsers on their own */
    const char *h = k->req->csrf;
    return h && strlen(h) == CON_TOKEN_HEX && k->who.csrf[0] &&
           CRYPTO_memcmp(h, k->who.csrf, CON_TOKEN_HEX) == 0;
}

static void audit_write(con_call *k)
{
    char result[32];
    snprintf(result, sizeof(result), "%s %d", k->resp->status < 400 ? "ok" : "refused", k->resp->status);
    char action[96];
    snprintf(action, sizeof(action), "%s %s", k->route->method, k->route->pattern);
    con_audit_call(k, action, k->audit_target[0] ? k->audit_target : k->req->path, k->audit_detail, result);
}

static void dispatch(con_call *k)
{
    const gl_con_req *r = k->req;
    if (!r->method || !r->path) {
        con_reply_error(k, 400, "bad_request", "no method or path");
        return;
    }
    if (!path_clean(r->path)) {
        con_reply_error(k, 400, "bad_path", "path refused");
        return;
    }
    bool path_known;
    const con_route *rt = find_route(k, r->method, r->path, &path_known);
    if (!rt) {
        if (path_known)
            con_reply_error(k, 405, "method_not_allowed", "method not allowed here");
        else
            con_reply_error(k, 404, "not_found", "no such endpoint");
        return;
    }
    k->route = rt;
    if (!args_clean(k))
        return;
    con_client_hash(r, k->client_hash);
    con_authenticate(k);
    if (rt->roles) {
        if (!k->who.role) {
            con_reply_error(k, 401, "unauthenticated", "log in or present an API token");
            return;
        }
        if (!(rt->roles & k->who.role)) {
            con_reply_error(k, 403, "forbidden", "the %s role may not do this", gl_con_role_name(k->who.role));
            if (rt->writes)
                audit_write(k);
            return;
        }
        if (!rt->self && k->who.must_change) {
            con_reply_error(k, 403, "password_change_required", "change your password first");
            return;
        }
        if (!rt->self && !k->who.via_token && k->c->set.totp_required && !k->who.totp_enabled) {
            con_reply_error(k, 403, "totp_enrollment_required", "enrol a TOTP authenticator first");
            return;
        }
    }
    if (rt->writes && rt->roles && !csrf_ok(k)) {
        con_reply_error(k, 403, "csrf", "missing or wrong " GL_CON_CSRF_HEADER " header");
        audit_write(k);
        return;
    }
    if (!parse_body(k)) {
        if (rt->writes)
            audit_write(k);
        return;
    }
    rt->fn(k);
    if (rt->writes)
        audit_write(k);
}

/* A small landing page until the pages are served (a later round). */
static void landing(con_call *k)
{
    static const char page[] =
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>guanlan console</title></head>"
        "<body><h1>guanlan console</h1><p>API: <code>/api/v1</code> (see docs/openapi.yaml).</p></body></html>\n";
    char *s = strdup(page);
    con_reply_raw(k, 200, "text/html; charset=utf-8", s, s ? strlen(s) : 0);
}

void gl_con_handle(gl_console *c, const gl_con_req *req, gl_con_resp *resp)
{
    memset(resp, 0, sizeof(*resp));
    con_call k;
    memset(&k, 0, sizeof(k));
    k.c = c;
    k.req = req;
    k.resp = resp;
    if (req->path && strcmp(req->path, "/") == 0 && req->method && strcmp(req->method, "GET") == 0)
        landing(&k);
    else if (req->path && strncmp(req->path, "/api/", 5) != 0 && strcmp(req->path, "/api") != 0)
        con_reply_error(&k, 404, "not_found", "no such page");
    else
        dispatch(&k);
    if (!resp->status)
        con_reply_error(&k, 500, "internal", "no response");
    json_decref(k.body);
    json_decref(k.audit_detail);
}
