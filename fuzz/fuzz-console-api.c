/*
 * fuzz-console-api.c — libFuzzer target for the console's handler layer
 * (gl_con_handle: path hygiene, routing, authentication, roles, CSRF, query
 * parameters, JSON bodies and every handler behind them) with synthesized
 * requests against a small database of events, alerts and an incident.
 *
 * Input layout (all parts optional):
 *   byte 0   who: 0 anonymous, 1 admin, 2 operator, 3 auditor (session
 *            cookies), 4 operator API token
 *   byte 1   method: GET POST PUT PATCH DELETE, or other
 *   byte 2   flags: bit0 send the right CSRF token, bit1 JSON content type,
 *            bit2 body flagged oversized by the transport
 *   then     PATH "\n" QUERY "\n" BODY   (QUERY: k=v&k=v, up to 32)
 * The three sessions and the token are re-inserted before every input, so a
 * fuzzed logout, role change or password reset does not end exploration.
 */
#include "console/con-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gl_console *C;
static char dir[64];
static const char *const TOK[3] = {
    "1111111111111111111111111111111111111111111111111111111111111111",
    "2222222222222222222222222222222222222222222222222222222222222222",
    "3333333333333333333333333333333333333333333333333333333333333333",
};
static const char *const CSRF = "abababababababababababababababababababababababababababababababab";
static const char *const API_TOKEN = "glt_4444444444444444444444444444444444444444444444444444444444444444";

static void exec(const char *sql)
{
    sqlite3_exec(gl_con_db(C), sql, NULL, NULL, NULL);
}

static void seed_data(void)
{
    exec("INSERT INTO events(ts_usec, ts, event_type, flow_id, src_ip, src_port, dest_ip, dest_port, proto,"
         " app_proto, json) VALUES"
         " (1772413200000000, 'x', 'flow', 7, '10.0.0.1', 1, '192.0.2.1', 443, 'TCP', 'tls', '{\"flow\":{}}'),"
         " (1772413201000000, 'x', 'tls', 7, '10.0.0.1', 1, '192.0.2.1', 443, 'TCP', 'tls',"
         "  '{\"tls\":{\"ja3\":{\"hash\":\"abc\"},\"ja4\":\"t13d\"}}'),"
         " (1772413202000000, 'x', 'alert', 7, '10.0.0.1', 1, '192.0.2.1', 443, 'TCP', 'tls',"
         "  '{\"alert\":{\"signature\":\"s\",\"category\":\"Encrypted Threat\",\"severity\":1},"
         "\"guanlan\":{\"encrypted\":{\"score\":91,\"findings\":[{\"name\":\"n\",\"stage\":\"handshake\","
         "\"submodel\":\"handshake\",\"confidence\":0.9}]}}}'),"
         " (1772413203000000, 'x', 'stats', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{\"stats\":{}}')");
}

static void refresh_sessions(void)
{
    char sql[1024], sha[65];
    int64_t now = gl_con_now(C);
    for (int i = 0; i < 3; i++) {
        gl_con_sha256_hex(TOK[i], 64, sha);
        snprintf(sql, sizeof(sql),
                 "INSERT OR REPLACE INTO console_sessions(id, token_sha, user_id, csrf, client_hash, created,"
                 " last_seen) SELECT %d, '%s', id, '%s', '%s', %lld, %lld FROM console_users WHERE username = '%s'",
                 i + 1, sha, CSRF, "", (long long)now, (long long)now,
                 i == 0 ? "admin1" : i == 1 ? "oper1" : "audit1");
        exec(sql);
    }
    /* every fuzzed request comes from the same client: bind to its hash */
    gl_con_req q = { .client_ip = "127.0.0.1", .user_agent = "fuzz" };
    char h[65];
    con_client_hash(&q, h);
    snprintf(sql, sizeof(sql), "UPDATE console_sessions SET client_hash = '%s'", h);
    exec(sql);
    gl_con_sha256_hex(API_TOKEN, strlen(API_TOKEN), sha);
    snprintf(sql, sizeof(sql),
             "INSERT OR REPLACE INTO console_tokens(id, token_sha, user_id, name, created, expires, revoked)"
             " SELECT 1, '%s', id, 'fuzz', 0, %lld, 0 FROM console_users WHERE username = 'oper1'",
             sha, (long long)now + 86400);
    exec(sql);
    exec("UPDATE console_users SET disabled = 0, must_change = 0, locked_until = 0");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(dir, sizeof(dir), "/tmp/gl-fuzz-console-%d", (int)getpid());
    mkdir(dir, 0700);
    char path[128], err[512];
    snprintf(path, sizeof(path), "%s/guanlan.db", dir);
    unlink(path);
    gl_con_config cfg;
    gl_con_config_default(&cfg);
    cfg.db_path = path;
    cfg.kdf_log2n = 10;
    C = gl_con_open(&cfg, err, sizeof(err));
    if (!C) {
        fprintf(stderr, "fuzz-console-api: %s\n", err);
        abort();
    }
    gl_con_set_now(C, 1772413300);
    const char *roles[3] = { "admin1", "oper1", "audit1" };
    for (int i = 0; i < 3; i++)
        gl_con_user_create(C, roles[i], i == 0 ? GL_ROLE_ADMIN : i == 1 ? GL_ROLE_OPERATOR : GL_ROLE_AUDITOR,
                           "Fuzz-Password-123", false, NULL, err, sizeof(err));
    json_t *p = json_pack("{s:b}", "totp_required", 0);
    con_settings_apply(C, p);
    json_decref(p);
    seed_data();
    exec("INSERT INTO incidents(title, origin, status, facts_json, details_json, created_at, created_by, updated_at)"
         " VALUES ('t', 'manual', 'open', '{}', '{}', 'x', 'x', 'x')");
    return 0;
}

static char *take_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = malloc(n + 1);
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += n + (nl ? 1 : 0);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };
    if (size < 3)
        return 0;
    refresh_sessions();
    unsigned who = data[0] % 5, flags = data[2];
    const char *method = methods[data[1] % 6];
    const uint8_t *p = data + 3, *end = data + size;
    char *path = take_line(&p, end);
    char *query = take_line(&p, end);
    size_t body_len = (size_t)(end - p);
    char *body = malloc(body_len + 1);
    memcpy(body, p, body_len);
    body[body_len] = '\0';

    gl_con_req q;
    memset(&q, 0, sizeof(q));
    q.method = method;
    q.path = path;
    q.client_ip = "127.0.0.1";
    q.user_agent = "fuzz";
    char cookie[128];
    char bearer[96];
    if (who >= 1 && who <= 3) {
        snprintf(cookie, sizeof(cookie), "theme=x; gl_session=%s", TOK[who - 1]);
        q.cookie = cookie;
    } else if (who == 4) {
        snprintf(bearer, sizeof(bearer), "Bearer %s", API_TOKEN);
        q.authorization = bearer;
    }
    if (flags & 1)
        q.csrf = CSRF;
    q.content_type = (flags & 2) ? "application/json; charset=utf-8" : "text/plain";
    q.body_too_large = (flags & 4) != 0;
    q.body = body;
    q.body_len = body_len;
    char *save = NULL;
    for (char *kv = strtok_r(query, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        if (q.n_args >= GL_CON_MAX_ARGS) {
            q.too_many_args = true;
            break;
        }
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = '\0';
        q.args[q.n_args].key = kv;
        q.args[q.n_args++].value = eq ? eq + 1 : "";
    }
    gl_con_resp r;
    gl_con_handle(C, &q, &r);
    if (r.status < 100 || r.status > 599 || (r.len && !r.body))
        abort();
    gl_con_resp_free(&r);
    free(path);
    free(query);
    free(body);
    return 0;
}
