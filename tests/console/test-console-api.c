/*
 * test-console-api.c — the console's API through its handler layer
 * (gl_con_handle, exactly what the HTTPS server calls):
 *
 *  - the authorisation matrix: every endpoint × every role (and no login),
 *    from this file's own copy of the matrix in docs/console.md, including
 *    that the auditor's writes are refused and change nothing;
 *  - first-start setup, login, forced password change, TOTP enrolment and
 *    login with TOTP (replayed code refused), lockout and its expiry;
 *  - CSRF rejection, session idle timeout, session bound to the client;
 *  - API tokens (bearer, not usable to mint tokens, revocable);
 *  - audit chain verification and tamper detection;
 *  - hostile input: malformed JSON, oversized and non-UTF-8 bodies, path
 *    traversal, SQL metacharacters in every filter -> 4xx, no state change;
 *  - alert filters and overview counts over events inserted here, and an
 *    incident whose facts edit regrades it (thresholds from the Grading
 *    Guide as quoted in docs/incident-grading.md).
 */
#include "../check.h"
#include "console/con-internal.h"
#include "incident/incident-db.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#define T0 1772413200 /* 2026-03-02T01:00:00Z, a fixed clock */

static gl_console *C;
static char dir[] = "/tmp/test-console-api-XXXXXX";

typedef struct sess {
    char cookie[128];
    char csrf[80];
    const char *ua, *ip;
    char bearer[96];
} sess;

typedef struct res {
    int status;
    json_t *j;
    char error[64];
    char cookie[128];
} res;

static void res_free(res *r)
{
    json_decref(r->j);
    memset(r, 0, sizeof(*r));
}

/* query: "a=1&b=2" (no decoding: tests use plain values) */
static res call_ex(sess *s, const char *method, const char *path, const char *query, const char *body, size_t blen,
                   const char *ctype, bool send_csrf)
{
    gl_con_req q;
    memset(&q, 0, sizeof(q));
    char qbuf[2048];
    q.method = method;
    q.path = path;
    if (query) {
        snprintf(qbuf, sizeof(qbuf), "%s", query);
        char *save = NULL;
        for (char *p = strtok_r(qbuf, "&", &save); p && q.n_args < GL_CON_MAX_ARGS; p = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(p, '=');
            if (eq)
                *eq = '\0';
            q.args[q.n_args].key = p;
            q.args[q.n_args++].value = eq ? eq + 1 : "";
        }
    }
    if (s) {
        q.cookie = s->cookie[0] ? s->cookie : NULL;
        q.csrf = send_csrf && s->csrf[0] ? s->csrf : NULL;
        q.user_agent = s->ua;
        q.client_ip = s->ip;
        q.authorization = s->bearer[0] ? s->bearer : NULL;
    }
    q.body = body;
    q.body_len = body ? blen : 0;
    q.content_type = ctype;
    gl_con_resp r;
    gl_con_handle(C, &q, &r);
    res out;
    memset(&out, 0, sizeof(out));
    out.status = r.status;
    if (strncmp(r.content_type, "application/json", 16) == 0)
        out.j = json_loadb(r.body, r.len, 0, NULL);
    const char *e = json_string_value(json_object_get(out.j, "error"));
    snprintf(out.error, sizeof(out.error), "%s", e ? e : "");
    for (int i = 0; i < r.n_cookies; i++)
        if (strncmp(r.cookies[i], "gl_session=", 11) == 0)
            snprintf(out.cookie, sizeof(out.cookie), "%.*s", (int)strcspn(r.cookies[i], ";"), r.cookies[i]);
    gl_con_resp_free(&r);
    return out;
}

static res call(sess *s, const char *method, const char *path, const char *query, const char *body)
{
    return call_ex(s, method, path, query, body, body ? strlen(body) : 0, body ? "application/json" : NULL, true);
}

static int status_of(sess *s, const char *method, const char *path, const char *query, const char *body)
{
    res r = call(s, method, path, query, body);
    int st = r.status;
    res_free(&r);
    return st;
}

static int64_t count(const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(gl_con_db(C), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* A fingerprint of everything a write could change (not the audit log,
 * which records refused attempts too). */
static void state_fingerprint(char *out, size_t len)
{
    snprintf(out, len, "%lld/%lld/%lld/%lld/%lld/%lld/%lld/%lld",
             (long long)count("SELECT count(*) || sum(length(pw_hash)) || sum(must_change) || sum(disabled) ||"
                              " group_concat(role) FROM console_users"),
             (long long)count("SELECT count(*) FROM incidents"),
             (long long)count("SELECT count(*) FROM incident_facts_history"),
             (long long)count("SELECT count(*) FROM incident_reports"),
             (long long)count("SELECT count(*) FROM console_assets"),
             (long long)count("SELECT count(*) FROM console_config"),
             (long long)count("SELECT count(*) FROM console_tokens WHERE revoked = 0"),
             (long long)count("SELECT count(*) FROM console_feedback"));
}

static uint32_t totp_now(const char *secret_b32, int64_t t)
{
    uint8_t key[64];
    int n = gl_con_base32_decode(secret_b32, key, sizeof(key));
    return gl_con_totp(key, (size_t)n, t, 6);
}

static char secrets[3][64];

/* Log in (password, then TOTP if enrolled) and fill s. Returns status. */
static int login(sess *s, const char *user, const char *pw, const char *secret)
{
    char body[512];
    if (secret)
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\",\"totp\":\"%06u\"}", user, pw,
                 totp_now(secret, gl_con_now(C)));
    else
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    res r = call(s, "POST", "/api/v1/auth/login", NULL, body);
    if (r.status == 200) {
        snprintf(s->cookie, sizeof(s->cookie), "%s", r.cookie);
        snprintf(s->csrf, sizeof(s->csrf), "%s", json_string_value(json_object_get(r.j, "csrf_token")));
    }
    int st = r.status;
    res_free(&r);
    return st;
}

/* Enrol TOTP for a logged-in session; returns the secret in out. */
static bool enrol(sess *s, char *out)
{
    res r = call(s, "POST", "/api/v1/auth/totp/enroll", NULL, "{}");
    const char *sec = json_string_value(json_object_get(r.j, "secret"));
    bool ok = r.status == 200 && sec;
    if (ok)
        snprintf(out, 64, "%s", sec);
    res_free(&r);
    if (!ok)
        return false;
    char body[64];
    snprintf(body, sizeof(body), "{\"code\":\"%06u\"}", totp_now(out, gl_con_now(C)));
    return status_of(s, "POST", "/api/v1/auth/totp/confirm", NULL, body) == 200;
}

static void advance(int64_t sec)
{
    gl_con_set_now(C, gl_con_now(C) + sec);
}

static sess S_ADMIN = { .ua = "ua-admin", .ip = "127.0.0.1" }, S_OP = { .ua = "ua-op", .ip = "127.0.0.1" },
            S_AUD = { .ua = "ua-aud", .ip = "127.0.0.1" };
static const char *const PW[3] = { "Admin-Passw0rd-1", "Operator-Pass-22", "Auditor-Pass-333" };
static const char *const USERS[3] = { "admin1", "oper1", "audit1" };
static sess *const SESS[3] = { &S_ADMIN, &S_OP, &S_AUD };

/* ---------------------------------------------------------------- setup */

static void test_setup(void)
{
    T_CHECK(gl_con_setup_token(C) != NULL);
    res r = call(NULL, "GET", "/api/v1/setup", NULL, NULL);
    T_EQ_U(r.status, 200);
    T_CHECK(json_is_true(json_object_get(r.j, "setup_needed")));
    res_free(&r);
    /* wrong token: refused, no account */
    T_EQ_U(status_of(NULL, "POST", "/api/v1/setup", NULL,
                     "{\"token\":\"0000000000000000000000000000000000000000000000000000000000000000\","
                     "\"username\":\"admin1\",\"password\":\"Admin-Passw0rd-1\"}"),
           403);
    T_EQ_U(gl_con_user_count(C), 0);
    char body[512];
    /* weak password refused */
    snprintf(body, sizeof(body), "{\"token\":\"%s\",\"username\":\"admin1\",\"password\":\"weak\"}",
             gl_con_setup_token(C));
    T_EQ_U(status_of(NULL, "POST", "/api/v1/setup", NULL, body), 400);
    snprintf(body, sizeof(body), "{\"token\":\"%s\",\"username\":\"admin1\",\"password\":\"%s\"}",
             gl_con_setup_token(C), PW[0]);
    T_EQ_U(status_of(NULL, "POST", "/api/v1/setup", NULL, body), 201);
    T_EQ_U(gl_con_user_count(C), 1);
    T_CHECK(gl_con_setup_token(C) == NULL);
    T_EQ_U(status_of(NULL, "POST", "/api/v1/setup", NULL, body), 409); /* one-time */
}

/* Admin logs in (TOTP required: everything but self-service is refused
 * until enrolled), enrols, creates the other two accounts; they change
 * their one-time passwords and enrol. */
static void test_accounts(void)
{
    T_EQ_U(login(&S_ADMIN, USERS[0], PW[0], NULL), 200);
    res r = call(&S_ADMIN, "GET", "/api/v1/users", NULL, NULL);
    T_EQ_U(r.status, 403);
    T_EQ_S(r.error, "totp_enrollment_required");
    res_free(&r);
    T_CHECK(enrol(&S_ADMIN, secrets[0]));
    T_EQ_U(status_of(&S_ADMIN, "GET", "/api/v1/users", NULL, NULL), 200);
    for (int i = 1; i < 3; i++) {
        char body[128], temp[64];
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"role\":\"%s\"}", USERS[i], i == 1 ? "operator" : "auditor");
        r = call(&S_ADMIN, "POST", "/api/v1/users", NULL, body);
        T_EQ_U(r.status, 201);
        snprintf(temp, sizeof(temp), "%s", json_string_value(json_object_get(r.j, "temporary_password")));
        res_free(&r);
        T_EQ_U(login(SESS[i], USERS[i], temp, NULL), 200);
        r = call(SESS[i], "GET", "/api/v1/incidents", NULL, NULL);
        T_EQ_U(r.status, 403);
        T_EQ_S(r.error, "password_change_required");
        res_free(&r);
        snprintf(body, sizeof(body), "{\"old_password\":\"%s\",\"new_password\":\"short\"}", temp);
        T_EQ_U(status_of(SESS[i], "POST", "/api/v1/auth/password", NULL, body), 400);
        char body2[256];
        snprintf(body2, sizeof(body2), "{\"old_password\":\"%s\",\"new_password\":\"%s\"}", temp, PW[i]);
        T_EQ_U(status_of(SESS[i], "POST", "/api/v1/auth/password", NULL, body2), 200);
        T_CHECK(enrol(SESS[i], secrets[i]));
    }
    T_EQ_U(status_of(&S_ADMIN, "POST", "/api/v1/users", NULL, "{\"username\":\"oper1\",\"role\":\"operator\"}"), 409);
    /* TOTP now needed at login; the confirm code's step cannot be replayed */
    advance(30);
    T_EQ_U(login(&S_OP, USERS[1], PW[1], NULL), 401); /* no code: totp_required */
    for (int i = 0; i < 3; i++)
        T_EQ_U(login(SESS[i], USERS[i], PW[i], secrets[i]), 200);
}

static void test_totp_replay(void)
{
    sess s = { .ua = "ua-replay", .ip = "127.0.0.1" };
    advance(30);
    T_EQ_U(login(&s, USERS[2], PW[2], secrets[2]), 200);
    sess s2 = { .ua = "ua-replay", .ip = "127.0.0.1" };
    T_EQ_U(login(&s2, USERS[2], PW[2], secrets[2]), 401); /* same code, same step: replay */
    char body[160];
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\",\"totp\":\"000000\"}", USERS[2], PW[2]);
    res r = call(&s2, "POST", "/api/v1/auth/login", NULL, body);
    T_EQ_U(r.status, 401);
    res_free(&r);
}

/* ---------------------------------------------------------------- matrix */

#define A GL_ROLE_ADMIN
#define O GL_ROLE_OPERATOR
#define U GL_ROLE_AUDITOR

/* This file's own copy of the matrix (docs/console.md, "Roles"). */
static const struct {
    const char *method, *path;
    unsigned roles;
    bool writes;
} MATRIX[] = {
    { "GET", "/api/v1/auth/me", A | O | U, false },
    { "GET", "/api/v1/tokens", A | O | U, false },
    { "GET", "/api/v1/overview", O | U, false },
    { "GET", "/api/v1/alerts", O | U, false },
    { "GET", "/api/v1/alerts/1", O | U, false },
    { "GET", "/api/v1/sessions/1", O | U, false },
    { "GET", "/api/v1/sessions/1/fishbone", O | U, false },
    { "POST", "/api/v1/sessions/1/feedback", O, true },
    { "GET", "/api/v1/health", A | O | U, false },
    { "GET", "/api/v1/incidents", O | U, false },
    { "POST", "/api/v1/incidents", O, true },
    { "POST", "/api/v1/incidents/correlate", O, true },
    { "GET", "/api/v1/incidents/1", O | U, false },
    { "PATCH", "/api/v1/incidents/1/facts", O, true },
    { "POST", "/api/v1/incidents/1/status", O, true },
    { "GET", "/api/v1/incidents/1/reports", O | U, false },
    { "POST", "/api/v1/incidents/1/reports", O, true },
    { "GET", "/api/v1/incidents/1/reports/1", O | U, false },
    { "GET", "/api/v1/users", A | U, false },
    { "POST", "/api/v1/users", A, true },
    { "PATCH", "/api/v1/users/nosuchuser", A, true },
    { "POST", "/api/v1/users/nosuchuser/reset-password", A, true },
    { "POST", "/api/v1/users/nosuchuser/reset-totp", A, true },
    { "POST", "/api/v1/users/nosuchuser/unlock", A, true },
    { "GET", "/api/v1/config", A | U, false },
    { "PUT", "/api/v1/config", A, true },
    { "GET", "/api/v1/assets", A | O | U, false },
    { "POST", "/api/v1/assets", A, true },
    { "GET", "/api/v1/assets/registry", A | O | U, false },
    { "GET", "/api/v1/assets/1", A | O | U, false },
    { "PUT", "/api/v1/assets/1", A, true },
    { "DELETE", "/api/v1/assets/1", A, true },
    { "GET", "/api/v1/audit", U, false },
    { "GET", "/api/v1/audit/verify", U, false },
};

static void test_matrix(void)
{
    /* the server's table and ours list the same endpoints */
    T_EQ_U(gl_con_n_routes, sizeof(MATRIX) / sizeof(MATRIX[0]) + 9); /* + login, setup x2, logout, me is in, ... */
    char before[512], after[512];
    for (size_t i = 0; i < sizeof(MATRIX) / sizeof(MATRIX[0]); i++) {
        const char *body = MATRIX[i].writes ? "{}" : NULL;
        /* no login: 401 everywhere */
        res r = call(NULL, MATRIX[i].method, MATRIX[i].path, NULL, body);
        if (r.status != 401)
            fprintf(stderr, "anonymous %s %s -> %d\n", MATRIX[i].method, MATRIX[i].path, r.status);
        T_EQ_U(r.status, 401);
        res_free(&r);
        for (int k = 0; k < 3; k++) {
            unsigned role = k == 0 ? A : k == 1 ? O : U;
            bool allowed = (MATRIX[i].roles & role) != 0;
            state_fingerprint(before, sizeof(before));
            r = call(SESS[k], MATRIX[i].method, MATRIX[i].path, NULL, body);
            state_fingerprint(after, sizeof(after));
            bool forbidden = r.status == 403 && strcmp(r.error, "forbidden") == 0;
            if (forbidden == allowed)
                fprintf(stderr, "%s %s as %s -> %d %s\n", MATRIX[i].method, MATRIX[i].path,
                        gl_con_role_name(role), r.status, r.error);
            T_CHECK(forbidden != allowed);
            T_CHECK(r.status != 401 && r.status < 500);
            if (!allowed)
                T_EQ_S(after, before); /* a refused write changes nothing */
            res_free(&r);
        }
    }
}

/* Real writes per role: each role does its own work; the others cannot. */
static void test_separation(void)
{
    char before[512], after[512];
    /* admin cannot create or edit incidents; auditor cannot either */
    const char *inc = "{\"title\":\"t\",\"facts\":{\"operator\":{\"name\":\"n\",\"route\":\"cii\"},"
                      "\"discovered_at\":\"2026-03-02T09:15:00+08:00\",\"handling_ended_at\":null,\"facts\":{}}}";
    state_fingerprint(before, sizeof(before));
    T_EQ_U(status_of(&S_ADMIN, "POST", "/api/v1/incidents", NULL, inc), 403);
    T_EQ_U(status_of(&S_AUD, "POST", "/api/v1/incidents", NULL, inc), 403);
    /* operator cannot manage users or assets; auditor cannot either */
    T_EQ_U(status_of(&S_OP, "POST", "/api/v1/users", NULL, "{\"username\":\"evil\",\"role\":\"admin\"}"), 403);
    T_EQ_U(status_of(&S_AUD, "POST", "/api/v1/users", NULL, "{\"username\":\"evil\",\"role\":\"admin\"}"), 403);
    T_EQ_U(status_of(&S_OP, "POST", "/api/v1/assets", NULL, "{\"name\":\"x\"}"), 403);
    T_EQ_U(status_of(&S_AUD, "PUT", "/api/v1/config", NULL, "{\"lockout_threshold\":3}"), 403);
    T_EQ_U(status_of(&S_ADMIN, "GET", "/api/v1/audit", NULL, NULL), 403);
    T_EQ_U(status_of(&S_ADMIN, "GET", "/api/v1/alerts", NULL, NULL), 403);
    state_fingerprint(after, sizeof(after));
    T_EQ_S(after, before);
    /* each does its own work */
    T_EQ_U(status_of(&S_OP, "POST", "/api/v1/incidents", NULL, inc), 201);
    T_EQ_U(status_of(&S_ADMIN, "POST", "/api/v1/assets", NULL,
                     "{\"name\":\"门户网站\",\"owner\":\"办公室\",\"site_kind\":\"enterprise_portal\","
                     "\"admin_level\":\"prefecture\",\"addresses\":[\"203.0.113.10\"]}"),
           201);
    T_EQ_U(status_of(&S_ADMIN, "POST", "/api/v1/assets", NULL, "{\"name\":\"bad\",\"route\":\"cni\"}"), 400);
    T_EQ_U(status_of(&S_ADMIN, "PUT", "/api/v1/config", NULL, "{\"lockout_threshold\":5}"), 200);
    /* the auditor sees the operator's and the administrator's actions */
    res r = call(&S_AUD, "GET", "/api/v1/audit", "actor=oper1", NULL);
    T_EQ_U(r.status, 200);
    json_t *recs = json_object_get(r.j, "records");
    bool saw_incident = false;
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec) saw_incident |=
        strcmp(json_string_value(json_object_get(rec, "action")), "POST /api/v1/incidents") == 0 &&
        strncmp(json_string_value(json_object_get(rec, "result")), "ok", 2) == 0;
    T_CHECK(saw_incident);
    res_free(&r);
    r = call(&S_AUD, "GET", "/api/v1/audit", "actor=admin1&action=assets", NULL);
    T_CHECK(json_array_size(json_object_get(r.j, "records")) >= 2); /* the 201 and the refused 400 */
    res_free(&r);
}

/* ---------------------------------------------------------------- sessions */

static void test_csrf_and_session(void)
{
    /* CSRF: a cookie alone does not authorise a write */
    res r = call_ex(&S_OP, "POST", "/api/v1/incidents/correlate", NULL, "{}", 2, "application/json", false);
    T_EQ_U(r.status, 403);
    T_EQ_S(r.error, "csrf");
    res_free(&r);
    sess wrong = S_OP;
    snprintf(wrong.csrf, sizeof(wrong.csrf), "%064d", 0);
    T_EQ_U(status_of(&wrong, "POST", "/api/v1/incidents/correlate", NULL, "{}"), 403);
    T_EQ_U(status_of(&S_OP, "POST", "/api/v1/incidents/correlate", NULL, "{}"), 200);
    /* bound to the client: same cookie from another browser or address */
    sess other_ua = S_OP, other_ip = S_OP;
    other_ua.ua = "curl/8";
    other_ip.ip = "10.9.8.7";
    T_EQ_U(status_of(&other_ua, "GET", "/api/v1/incidents", NULL, NULL), 401);
    T_EQ_U(status_of(&other_ip, "GET", "/api/v1/incidents", NULL, NULL), 401);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/incidents", NULL, NULL), 200);
    /* idle timeout (15 min default): 14 min fine, then 16 min idle ends it */
    advance(14 * 60);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/incidents", NULL, NULL), 200);
    advance(16 * 60);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/incidents", NULL, NULL), 401);
    char sha[65], q[200];
    gl_con_sha256_hex(S_OP.cookie + 11, strlen(S_OP.cookie + 11), sha);
    snprintf(q, sizeof(q), "SELECT count(*) FROM console_sessions WHERE token_sha = '%s'", sha);
    T_EQ_U(count(q), 0); /* and the expired session row is gone */
    for (int i = 0; i < 3; i++) {
        advance(30);
        T_EQ_U(login(SESS[i], USERS[i], PW[i], secrets[i]), 200);
    }
    /* logout ends the session */
    sess tmp = { .ua = "ua-tmp", .ip = "127.0.0.1" };
    advance(30);
    T_EQ_U(login(&tmp, USERS[2], PW[2], secrets[2]), 200);
    T_EQ_U(status_of(&tmp, "POST", "/api/v1/auth/logout", NULL, "{}"), 200);
    T_EQ_U(status_of(&tmp, "GET", "/api/v1/incidents", NULL, NULL), 401);
}

static void test_lockout(void)
{
    sess s = { .ua = "ua-lock", .ip = "127.0.0.1" };
    char body[160];
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"Wrong-Password-1\"}", USERS[2]);
    for (int i = 0; i < 5; i++)
        T_EQ_U(status_of(&s, "POST", "/api/v1/auth/login", NULL, body), 401);
    advance(30);
    T_EQ_U(login(&s, USERS[2], PW[2], secrets[2]), 423); /* right password, still locked */
    T_CHECK(count("SELECT locked_until FROM console_users WHERE username = 'audit1'") > gl_con_now(C));
    /* an administrator may unlock; or the lock expires (15 min) */
    advance(15 * 60 + 1);
    T_EQ_U(login(&s, USERS[2], PW[2], secrets[2]), 200);
    /* unknown user: same answer as a wrong password */
    res u = call(&s, "POST", "/api/v1/auth/login", NULL, "{\"username\":\"nobody\",\"password\":\"Whatever-123\"}");
    T_EQ_U(u.status, 401);
    T_EQ_S(u.error, "invalid_credentials");
    res_free(&u);
    for (int i = 0; i < 3; i++) {
        advance(30);
        T_EQ_U(login(SESS[i], USERS[i], PW[i], secrets[i]), 200);
    }
}

static void test_tokens(void)
{
    res r = call(&S_AUD, "POST", "/api/v1/tokens", NULL, "{\"name\":\"siem export\",\"days\":7}");
    T_EQ_U(r.status, 201);
    sess bearer = { .ua = "script", .ip = "127.0.0.1" };
    snprintf(bearer.bearer, sizeof(bearer.bearer), "Bearer %s", json_string_value(json_object_get(r.j, "token")));
    int64_t id = json_integer_value(json_object_get(r.j, "id"));
    res_free(&r);
    T_EQ_U(status_of(&bearer, "GET", "/api/v1/audit", NULL, NULL), 200);
    T_EQ_U(status_of(&bearer, "POST", "/api/v1/incidents", NULL, "{\"title\":\"x\"}"), 403); /* still an auditor */
    T_EQ_U(status_of(&bearer, "POST", "/api/v1/tokens", NULL, "{\"name\":\"more\"}"), 403);
    sess forged = bearer;
    snprintf(forged.bearer, sizeof(forged.bearer), "Bearer glt_%064d", 1);
    T_EQ_U(status_of(&forged, "GET", "/api/v1/audit", NULL, NULL), 401);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/tokens/%lld", (long long)id);
    T_EQ_U(status_of(&S_OP, "DELETE", path, NULL, NULL), 404); /* not the operator's token */
    T_EQ_U(status_of(&S_AUD, "DELETE", path, NULL, NULL), 200);
    T_EQ_U(status_of(&bearer, "GET", "/api/v1/audit", NULL, NULL), 401);
}

/* ---------------------------------------------------------------- hostile input */

static void test_hostile(void)
{
    char before[512], after[512];
    state_fingerprint(before, sizeof(before));
    int64_t audit_before = count("SELECT count(*) FROM console_audit");
    /* malformed, non-object, duplicate keys, bad UTF-8, NUL */
    const char *bodies[] = { "{", "[]", "\"x\"", "{\"title\":\"a\",\"title\":\"b\"}", "{\"title\":\"\xff\xfe\"}",
                             "{\"title\":\"\\u0000\"}", "{\"title\":1e999999}", "" };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        res r = call(&S_OP, "POST", "/api/v1/incidents", NULL, bodies[i]);
        T_CHECK(r.status >= 400 && r.status < 500);
        res_free(&r);
    }
    /* wrong content type */
    res r = call_ex(&S_OP, "POST", "/api/v1/incidents", NULL, "{\"title\":\"x\"}", 13, "text/plain", true);
    T_EQ_U(r.status, 415);
    res_free(&r);
    /* oversized: flagged by the transport, or over the cap */
    gl_con_req q;
    memset(&q, 0, sizeof(q));
    q.method = "POST";
    q.path = "/api/v1/incidents";
    q.cookie = S_OP.cookie;
    q.csrf = S_OP.csrf;
    q.user_agent = S_OP.ua;
    q.client_ip = S_OP.ip;
    q.content_type = "application/json";
    q.body_too_large = true;
    gl_con_resp resp;
    gl_con_handle(C, &q, &resp);
    T_EQ_U(resp.status, 413);
    gl_con_resp_free(&resp);
    size_t big = GL_CON_BODY_MAX + 10;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    r = call_ex(&S_OP, "POST", "/api/v1/incidents", NULL, huge, big, "application/json", true);
    T_EQ_U(r.status, 413);
    res_free(&r);
    free(huge);
    /* deep nesting */
    char deep[4100];
    memset(deep, '[', 2000);
    memset(deep + 2000, ']', 2000);
    snprintf(deep + 4000, 100, "%s", "");
    r = call(&S_OP, "POST", "/api/v1/incidents", NULL, deep);
    T_CHECK(r.status == 400);
    res_free(&r);
    /* path traversal in any spelling the transport may decode to */
    const char *paths[] = { "/api/v1/../../etc/passwd", "/api/v1/assets/..", "/api/v1//users", "/api/v1/users/.x",
                            "/api/v1/assets/1%2f..", "/api/v1/assets/\\..\\", "/api/v1/incidents/1\xc0\xaf",
                            "/../api/v1/users", "/api/v1/incidents/ 1", "" };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        r = call(&S_AUD, "GET", paths[i], NULL, NULL);
        T_CHECK(r.status == 400 || r.status == 404);
        res_free(&r);
    }
    /* SQL metacharacters in every filter */
    const char *sqli[] = { "1' OR '1'='1", "1; DROP TABLE events", "x\" OR 1=1 --", "1/**/OR/**/1", "%27" };
    const char *alert_filters[] = { "since", "until", "host", "src", "dest", "category", "signature", "min_score",
                                    "max_score", "severity", "flow_id", "order", "limit", "offset" };
    for (size_t f = 0; f < sizeof(alert_filters) / sizeof(alert_filters[0]); f++)
        for (size_t i = 0; i < 4; i++) {
            char query[256];
            snprintf(query, sizeof(query), "%s=%s", alert_filters[f], sqli[i]);
            r = call(&S_OP, "GET", "/api/v1/alerts", query, NULL);
            if (r.status != 400)
                fprintf(stderr, "alerts %s -> %d\n", query, r.status);
            T_EQ_U(r.status, 400);
            res_free(&r);
        }
    const char *other[][2] = { { "/api/v1/incidents", "status" }, { "/api/v1/incidents", "level" },
                               { "/api/v1/incidents", "limit" },  { "/api/v1/audit", "actor" },
                               { "/api/v1/audit", "action" },     { "/api/v1/audit", "result" },
                               { "/api/v1/overview", "since" },   { "/api/v1/overview", "until" },
                               { "/api/v1/assets", "offset" } };
    for (size_t f = 0; f < sizeof(other) / sizeof(other[0]); f++)
        for (size_t i = 0; i < 4; i++) {
            char query[256];
            snprintf(query, sizeof(query), "%s=%s", other[f][1], sqli[i]);
            sess *s = strstr(other[f][0], "audit") ? &S_AUD : &S_OP;
            r = call(s, "GET", other[f][0], query, NULL);
            if (r.status != 400)
                fprintf(stderr, "%s %s -> %d\n", other[f][0], query, r.status);
            T_EQ_U(r.status, 400);
            res_free(&r);
        }
    /* unknown, repeated and non-UTF-8 parameters */
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/alerts", "nosuch=1", NULL), 400);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/alerts", "limit=1&limit=2", NULL), 400);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/alerts", "category=\xff", NULL), 400);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/alerts", "limit=501", NULL), 400);
    /* SQL metacharacters in write bodies are data, and still no state change when refused */
    T_EQ_U(status_of(&S_ADMIN, "POST", "/api/v1/users", NULL, "{\"username\":\"x' OR 1=1 --\",\"role\":\"admin\"}"),
           400);
    T_EQ_U(status_of(&S_OP, "PATCH", "/api/v1/incidents/1/facts", NULL,
                     "{\"path\":\"facts'); DROP TABLE incidents;--\",\"value\":1,\"reason\":\"r\"}"),
           400);
    state_fingerprint(after, sizeof(after));
    T_EQ_S(after, before);
    T_CHECK(count("SELECT count(*) FROM console_audit") > audit_before); /* refused writes are audited */
    T_EQ_U(count("SELECT count(*) FROM sqlite_master WHERE name = 'events'"), 1);
}

/* ---------------------------------------------------------------- data */

static void add_event(int64_t ts_usec, const char *type, int64_t flow, const char *src, const char *dst,
                      const char *json)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(gl_con_db(C),
                       "INSERT INTO events(ts_usec, ts, event_type, flow_id, src_ip, src_port, dest_ip, dest_port,"
                       " proto, app_proto, json) VALUES (?1, 'x', ?2, ?3, ?4, 1234, ?5, 443, 'TCP', 'tls', ?6)",
                       -1, &st, NULL);
    sqlite3_bind_int64(st, 1, ts_usec);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, flow);
    sqlite3_bind_text(st, 4, src, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, dst, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, json, -1, SQLITE_STATIC);
    T_EQ_U(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static void test_alerts(void)
{
    const int64_t base = (int64_t)T0 * 1000000;
    /* 3 alerts: scores 95 / 70 / none; two categories; two source hosts */
    add_event(base + 1000000, "flow", 11, "10.0.0.1", "192.0.2.1", "{\"flow\":{}}");
    add_event(base + 2000000, "tls", 11, "10.0.0.1", "192.0.2.1", "{\"tls\":{\"ja3\":{\"hash\":\"aaa\"},\"ja4\":\"t13\"}}");
    add_event(base + 3000000, "alert", 11, "10.0.0.1", "192.0.2.1",
              "{\"alert\":{\"signature\":\"GUANLAN Encrypted Threat: beacon\",\"category\":\"Encrypted Threat\","
              "\"severity\":1,\"signature_id\":9000001},\"guanlan\":{\"encrypted\":{\"score\":95}}}");
    add_event(base + 4000000, "alert", 12, "10.0.0.2", "192.0.2.1",
              "{\"alert\":{\"signature\":\"ET POLICY x\",\"category\":\"Potential Corporate Privacy Violation\","
              "\"severity\":2},\"guanlan\":{\"encrypted\":{\"score\":70}}}");
    add_event(base + 120000000, "alert", 13, "10.0.0.2", "198.51.100.9",
              "{\"alert\":{\"signature\":\"ET POLICY y\",\"category\":\"Encrypted Threat\",\"severity\":3}}");
    add_event(base + 130000000, "alert", 14, "10.0.0.3", "198.51.100.9", "not json at all");
    res r = call(&S_OP, "GET", "/api/v1/alerts", NULL, NULL);
    T_EQ_U(r.status, 200);
    T_EQ_U(json_integer_value(json_object_get(r.j, "total")), 4); /* the malformed row is still listed */
    /* newest first */
    T_EQ_U(json_integer_value(json_object_get(json_array_get(json_object_get(r.j, "alerts"), 0), "flow_id")), 14);
    res_free(&r);
    struct {
        const char *q;
        int64_t n;
    } cases[] = {
        { "min_score=80", 1 },                       /* only 95 */
        { "min_score=60&max_score=80", 1 },           /* only 70 */
        { "host=10.0.0.2", 2 },                       /* flows 12, 13 */
        { "dest=198.51.100.9", 2 },                   /* flows 13, 14 */
        { "category=Encrypted Threat", 2 },           /* flows 11, 13 */
        { "severity=2", 1 },
        { "signature=POLICY", 2 },
        { "since=1772413260", 2 },                    /* T0 + 60 s: flows 13, 14 */
        { "until=2026-03-02T09:00:03+08:00", 0 },     /* before T0+3 s (exclusive) */
        { "until=2026-03-02T09:00:04+08:00", 1 },
        { "flow_id=12", 1 },
        { "host=::ffff:10.0.0.2", 2 },                /* mapped form = dotted quad */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = call(&S_AUD, "GET", "/api/v1/alerts", cases[i].q, NULL);
        if (json_integer_value(json_object_get(r.j, "total")) != cases[i].n)
            fprintf(stderr, "alerts?%s: total %lld\n", cases[i].q,
                    (long long)json_integer_value(json_object_get(r.j, "total")));
        T_EQ_U(json_integer_value(json_object_get(r.j, "total")), cases[i].n);
        res_free(&r);
    }
    r = call(&S_OP, "GET", "/api/v1/alerts", "limit=1&offset=1&order=asc", NULL);
    T_EQ_U(json_array_size(json_object_get(r.j, "alerts")), 1);
    T_EQ_U(json_integer_value(json_object_get(json_array_get(json_object_get(r.j, "alerts"), 0), "flow_id")), 12);
    res_free(&r);
    /* overview over T0-1h .. T0+1h: 6 events, 4 alerts, one flow, tls fingerprints */
    r = call(&S_OP, "GET", "/api/v1/overview", "since=1772409600&until=1772416800", NULL);
    T_EQ_U(r.status, 200);
    int64_t ev = 0, al = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r.j, "over_time"), i, p) {
        ev += json_integer_value(json_object_get(p, "events"));
        al += json_integer_value(json_object_get(p, "alerts"));
    }
    T_EQ_U(ev, 6);
    T_EQ_U(al, 4);
    json_t *fp = json_array_get(json_object_get(r.j, "top_tls_fingerprints"), 0);
    T_CHECK(fp && json_integer_value(json_object_get(fp, "sessions")) == 1);
    json_t *talk = json_object_get(r.j, "top_talkers");
    T_EQ_U(json_array_size(talk), 2); /* the flow's two ends */
    json_t *sd = json_object_get(r.j, "score_distribution");
    int64_t scored90 = 0, scored70 = 0, unscored = 0;
    json_array_foreach(sd, i, p) {
        json_t *from = json_object_get(p, "score_from");
        int64_t n = json_integer_value(json_object_get(p, "alerts"));
        if (json_is_null(from))
            unscored += n;
        else if (json_integer_value(from) == 90)
            scored90 += n;
        else if (json_integer_value(from) == 70)
            scored70 += n;
    }
    T_EQ_U(scored90, 1);
    T_EQ_U(scored70, 1);
    T_EQ_U(unscored, 2);
    res_free(&r);
    /* one alert with its EVE record; a session with all its events */
    r = call(&S_OP, "GET", "/api/v1/sessions/11", NULL, NULL);
    T_EQ_U(r.status, 200);
    T_EQ_U(json_array_size(json_object_get(r.j, "events")), 3);
    T_CHECK(json_is_true(json_object_get(r.j, "fishbone_available")));
    res_free(&r);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/sessions/999", NULL, NULL), 404);
    /* feedback for a flow the detector never scored: refused, nothing stored */
    T_EQ_U(status_of(&S_OP, "POST", "/api/v1/sessions/11/feedback", NULL, "{\"label\":\"benign\"}"), 422);
    T_EQ_U(status_of(&S_OP, "POST", "/api/v1/sessions/11/feedback", NULL, "{\"label\":\"maybe\"}"), 400);
    T_EQ_U(count("SELECT count(*) FROM console_feedback"), 0);
    T_EQ_U(status_of(&S_OP, "GET", "/api/v1/health", NULL, NULL), 200);
}

/* ---------------------------------------------------------------- incidents */

static int gl_chain_verify_wrapper(char head[65], int64_t *links, char *err)
{
    FILE *devnull = fopen("/dev/null", "w");
    int n = gl_chain_verify(gl_con_db(C), devnull, head, links, err, 128);
    if (devnull)
        fclose(devnull);
    return n;
}

static void test_incident_regrade(void)
{
    /* route cii, discovered 09:15 +08:00, no facts: general (IV), not reportable */
    res r = call(&S_OP, "POST", "/api/v1/incidents", NULL,
                 "{\"title\":\"portal down\",\"facts\":{\"operator\":{\"name\":\"某市供水集团\",\"route\":\"cii\"},"
                 "\"discovered_at\":\"2026-03-02T09:15:00+08:00\",\"handling_ended_at\":null,\"facts\":{}}}");
    T_EQ_U(r.status, 201);
    int64_t id = json_integer_value(json_object_get(r.j, "id"));
    T_EQ_S(json_string_value(json_object_get(r.j, "level")), "general");
    res_free(&r);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/incidents/%lld/facts", (long long)id);
    /* Guide item 1: a provincial party/government portal unreachable >= 360 min is major (II);
     * cii route: the operator reports within 60 min of discovery -> 10:15 +08:00 */
    r = call(&S_OP, "PATCH", path, NULL,
             "{\"path\":\"facts.site_outage[0]\",\"value\":{\"kind\":\"party_gov_portal\",\"level\":\"provincial\","
             "\"minutes\":400},\"reason\":\"monitoring shows 400 min outage\"}");
    T_EQ_U(r.status, 200);
    T_EQ_S(json_string_value(json_object_get(r.j, "level_before")), "general");
    T_EQ_S(json_string_value(json_object_get(r.j, "level")), "major");
    json_t *inc = json_object_get(r.j, "incident");
    T_EQ_S(json_string_value(json_object_get(inc, "first_report_due")), "2026-03-02T10:15:00+08:00");
    json_t *crit = json_object_get(json_object_get(inc, "grade"), "criteria");
    T_CHECK(json_array_size(crit) == 1 &&
            strstr(json_string_value(json_object_get(json_array_get(crit, 0), "why")), ">= 360"));
    T_EQ_U(json_array_size(json_object_get(inc, "facts_history")), 1);
    res_free(&r);
    /* a value the grading engine refuses: 400, nothing stored */
    r = call(&S_OP, "PATCH", path, NULL, "{\"path\":\"facts.site_outage[0].minutes\",\"value\":-5,\"reason\":\"x\"}");
    T_EQ_U(r.status, 400);
    res_free(&r);
    T_EQ_U(count("SELECT count(*) FROM incident_facts_history"), 1);
    /* report versions: build, list, render, download */
    snprintf(path, sizeof(path), "/api/v1/incidents/%lld/reports", (long long)id);
    T_EQ_U(status_of(&S_OP, "POST", path, NULL, "{}"), 201);
    T_EQ_U(status_of(&S_OP, "POST", path, NULL, "{\"kind\":\"summary\"}"), 409); /* handling not ended */
    r = call(&S_AUD, "GET", path, NULL, NULL);
    T_EQ_U(json_array_size(json_object_get(r.j, "reports")), 1);
    res_free(&r);
    char vpath[128];
    snprintf(vpath, sizeof(vpath), "%s/1", path);
    gl_con_req q;
    memset(&q, 0, sizeof(q));
    q.method = "GET";
    q.path = vpath;
    q.cookie = S_AUD.cookie;
    q.user_agent = S_AUD.ua;
    q.client_ip = S_AUD.ip;
    q.args[0].key = "format";
    q.args[0].value = "md";
    q.args[1].key = "download";
    q.args[1].value = "1";
    q.n_args = 2;
    gl_con_resp resp;
    gl_con_handle(C, &q, &resp);
    T_EQ_U(resp.status, 200);
    T_CHECK(strstr(resp.content_type, "text/markdown") != NULL);
    T_CHECK(strstr(resp.disposition, "attachment") && strstr(resp.disposition, ".md"));
    T_CHECK(resp.body && strstr(resp.body, "事发单位") != NULL); /* Art. 7 item 1 heading */
    gl_con_resp_free(&resp);
    /* overview shows it due */
    r = call(&S_OP, "GET", "/api/v1/incidents", "due=1", NULL);
    json_t *row = json_array_get(json_object_get(r.j, "incidents"), 0);
    T_EQ_S(json_string_value(json_object_get(row, "duty")), "first_report");
    res_free(&r);
    /* the incident's own SM3 chain still verifies after console edits */
    char head[65], err[128];
    int64_t links;
    T_EQ_U(gl_chain_verify_wrapper(head, &links, err), 0);
}

/* ---------------------------------------------------------------- audit */

static void test_audit_chain(void)
{
    char head[65];
    int64_t n = 0;
    T_EQ_U(gl_con_audit_verify(gl_con_db(C), stderr, head, &n), 0);
    T_CHECK(n > 20);
    res r = call(&S_AUD, "GET", "/api/v1/audit/verify", NULL, NULL);
    T_CHECK(json_is_true(json_object_get(r.j, "ok")));
    res_free(&r);
    /* the append-only triggers stop a plain edit */
    T_CHECK(sqlite3_exec(gl_con_db(C), "UPDATE console_audit SET actor = 'x' WHERE seq = 2", NULL, NULL, NULL) !=
            SQLITE_OK);
    /* with the triggers dropped, an edit is found by the chain */
    sqlite3_exec(gl_con_db(C), "DROP TRIGGER console_audit_no_update; DROP TRIGGER console_audit_no_delete", NULL,
                 NULL, NULL);
    T_EQ_U(sqlite3_exec(gl_con_db(C), "UPDATE console_audit SET actor = 'mallory' WHERE seq = 3", NULL, NULL, NULL),
           SQLITE_OK);
    FILE *devnull = fopen("/dev/null", "w");
    T_CHECK(gl_con_audit_verify(gl_con_db(C), devnull, head, &n) > 0);
    r = call(&S_AUD, "GET", "/api/v1/audit/verify", NULL, NULL);
    T_CHECK(json_is_false(json_object_get(r.j, "ok")));
    T_CHECK(strstr(json_string_value(json_array_get(json_object_get(r.j, "problems"), 0)), "seq 3") != NULL);
    res_free(&r);
    /* restoring the value makes it verify again; deleting a record breaks it */
    sqlite3_exec(gl_con_db(C), "UPDATE console_audit SET actor = (SELECT actor FROM console_audit WHERE seq = 3)",
                 NULL, NULL, NULL);
    char sql[] = "DELETE FROM console_audit WHERE seq = 5";
    T_EQ_U(sqlite3_exec(gl_con_db(C), sql, NULL, NULL, NULL), SQLITE_OK);
    T_CHECK(gl_con_audit_verify(gl_con_db(C), devnull, head, &n) > 0);
    fclose(devnull);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    char path[256], err[512];
    snprintf(path, sizeof(path), "%s/guanlan.db", dir);
    gl_con_config cfg;
    gl_con_config_default(&cfg);
    cfg.db_path = path;
    cfg.kdf_log2n = 10; /* tests: cheap hashes; the format and code path are the same */
    C = gl_con_open(&cfg, err, sizeof(err));
    if (!C) {
        fprintf(stderr, "open: %s\n", err);
        return 1;
    }
    gl_con_set_now(C, T0);
    test_setup();
    test_accounts();
    test_totp_replay();
    test_matrix();
    test_separation();
    test_csrf_and_session();
    test_lockout();
    test_tokens();
    test_hostile();
    test_alerts();
    test_incident_regrade();
    test_audit_chain();
    gl_con_close(C);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return t_report("test-console-api");
}
