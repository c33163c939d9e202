/*
 * con-auth.c — accounts and who is calling: first-start setup, login with
 * password + TOTP, lockout, sessions bound to the client, the forced
 * password change, TOTP enrolment, API tokens, and the administrator's user
 * management. Secrets are never stored: passwords as scrypt hashes, session
 * and API tokens as SHA-256 (they are 256-bit random, so a fast hash is
 * enough); only TOTP seeds are kept as such (the server must compute codes).
 */
#include "console/con-internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_PREFIX "glt_"
#define TOTP_SECRET_BYTES 20

/* ---------------------------------------------------------------- rules */

static bool username_ok(const char *u)
{
    size_t n = u ? strlen(u) : 0;
    if (n < 3 || n > GL_CON_USER_MAX || !(u[0] >= 'a' && u[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') || u[i] == '.' || u[i] == '_' ||
              u[i] == '-'))
            return false;
    return true;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; n && *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return false;
}

const char *gl_con_password_problem(const char *user, const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < GL_CON_PASSWORD_MIN)
        return "password: at least 12 characters";
    if (n > GL_CON_PASSWORD_MAX)
        return "password: at most 128 bytes";
    if (!gl_con_utf8_valid(pw, n))
        return "password: not valid UTF-8";
    int lower = 0, upper = 0, digit = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)pw[i];
        if (ch < 0x20 || ch == 0x7f)
            return "password: no control characters";
        lower |= islower(ch) != 0;
        upper |= isupper(ch) != 0;
        digit |= isdigit(ch) != 0;
        other |= !isalnum(ch);
    }
    if (lower + upper + digit + other < 3)
        return "password: use at least three of lower case, upper case, digits, other characters";
    if (user && strlen(user) >= 3 && contains_ci(pw, user))
        return "password: must not contain the user name";
    return "";
}

/* ---------------------------------------------------------------- helpers */

static bool new_token_hex(char out[CON_TOKEN_HEX + 1])
{
    uint8_t r[32];
    if (!gl_con_random(r, sizeof(r)))
        return false;
    gl_con_hex(r, sizeof(r), out);
    OPENSSL_cleanse(r, sizeof(r));
    return true;
}

/* 24 characters from 120 random bits, lower + upper + digits + '-'. */
static bool temp_password(char out[33])
{
    uint8_t r[15];
    char b[32];
    if (!gl_con_random(r, sizeof(r)) || gl_con_base32_encode(r, sizeof(r), b, sizeof(b)) != 24)
        return false;
    for (int i = 0; i < 12; i++)
        b[i] = (char)tolower((unsigned char)b[i]);
    snprintf(out, 33, "%.12s-%.12s-7", b, b + 12);
    return true;
}

void con_client_hash(const gl_con_req *req, char out[65])
{
    char buf[1200];
    int n = snprintf(buf, sizeof(buf), "%.64s|%.1024s", req->client_ip ? req->client_ip : "",
                     req->user_agent ? req->user_agent : "");
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof(buf) ? sizeof(buf) - 1 : (size_t)n;
    gl_con_sha256_hex(buf, len, out);
}

static bool exec_bind_user(sqlite3 *db, const char *sql, int64_t user_id)
{
    sqlite3_stmt *st = con_prepare(db, sql);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, user_id);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

typedef struct user_row {
    int64_t id;
    char name[GL_CON_USER_MAX + 1];
    unsigned role;
    char pw_hash[256];
    bool must_change, disabled;
    char totp_secret[64], totp_pending[64];
    int64_t totp_last_step, failed, locked_until;
} user_row;

static bool load_user(sqlite3 *db, const char *name, user_row *u)
{
    sqlite3_stmt *st = con_prepare(db, "SELECT id, username, role, pw_hash, must_change, coalesce(totp_secret,''),"
                                       " coalesce(totp_pending,''), totp_last_step, failed, locked_until, disabled"
                                       " FROM console_users WHERE username = ?1");
    bool found = false;
    if (!st)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = true;
        memset(u, 0, sizeof(*u));
        u->id = sqlite3_column_int64(st, 0);
        snprintf(u->name, sizeof(u->name), "%s", (const char *)sqlite3_column_text(st, 1));
        u->role = gl_con_role_parse((const char *)sqlite3_column_text(st, 2));
        snprintf(u->pw_hash, sizeof(u->pw_hash), "%s", (const char *)sqlite3_column_text(st, 3));
        u->must_change = sqlite3_column_int(st, 4) != 0;
        snprintf(u->totp_secret, sizeof(u->totp_secret), "%s", (const char *)sqlite3_column_text(st, 5));
        snprintf(u->totp_pending, sizeof(u->totp_pending), "%s", (const char *)sqlite3_column_text(st, 6));
        u->totp_last_step = sqlite3_column_int64(st, 7);
        u->failed = sqlite3_column_int64(st, 8);
        u->locked_until = sqlite3_column_int64(st, 9);
        u->disabled = sqlite3_column_int(st, 10) != 0;
    }
    sqlite3_finalize(st);
    return found;
}

size_t gl_con_user_count(gl_console *c)
{
    sqlite3_stmt *st = con_prepare(c->db, "SELECT count(*) FROM console_users");
    size_t n = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

bool gl_con_user_create(gl_console *c, const char *user, unsigned role, const char *password, bool must_change,
                        char *temp_out, char *err, size_t errlen)
{
    char temp[33], hash[256], at[40];
    if (!username_ok(user)) {
        snprintf(err, errlen, "username: 3..64 of a-z 0-9 . _ -, starting with a letter");
        return false;
    }
    if (!role || !strcmp(gl_con_role_name(role), "none")) {
        snprintf(err, errlen, "role: admin, operator or auditor");
        return false;
    }
    if (!password) {
        if (!temp_password(temp)) {
            snprintf(err, errlen, "no randomness");
            return false;
        }
        password = temp;
        must_change = true;
    } else if (gl_con_password_problem(user, password)[0]) {
        snprintf(err, errlen, "%s", gl_con_password_problem(user, password));
        return false;
    }
    if (!gl_con_password_hash(password, c->cfg.kdf_log2n, hash, sizeof(hash))) {
        snprintf(err, errlen, "password hashing failed");
        return false;
    }
    con_iso_time(gl_con_now(c), at, sizeof(at));
    sqlite3_stmt *st = con_prepare(c->db, "INSERT INTO console_users(username, role, pw_hash, must_change,"
                                          " created_at, created_by, pw_changed_at) VALUES (?1,?2,?3,?4,?5,?6,?7)");
    if (!st) {
        snprintf(err, errlen, "database error");
        return false;
    }
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, gl_con_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, must_change);
    sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, "setup", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, gl_con_now(c));
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, rc == SQLITE_CONSTRAINT ? "username: already exists" : "database error");
        return false;
    }
    if (temp_out && password == temp)
        snprintf(temp_out, 33, "%s", temp);
    c->setup_token[0] = '\0';
    return true;
}

/* ---------------------------------------------------------------- authentication */

static const char *cookie_value(const char *cookie, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    for (const char *p = cookie; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t len = strcspn(p + n + 1, ";");
            if (len >= outlen)
                return NULL;
            memcpy(out, p + n + 1, len);
            out[len] = '\0';
            return out;
        }
        p = strchr(p, ';');
    }
    return NULL;
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != CON_TOKEN_HEX)
        return false;
    for (size_t i = 0; i < CON_TOKEN_HEX; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void auth_token(con_call *k, const char *tok)
{
    char sha[65];
    if (strncmp(tok, TOKEN_PREFIX, 4) != 0 || !is_hex64(tok + 4))
        return;
    gl_con_sha256_hex(tok, strlen(tok), sha);
    sqlite3_stmt *st = con_prepare(k->c->db,
                                   "SELECT t.id, u.id, u.username, u.role, u.totp_secret IS NOT NULL FROM console_tokens t"
                                   " JOIN console_users u ON u.id = t.user_id WHERE t.token_sha = ?1 AND t.revoked = 0"
                                   " AND t.expires > ?2 AND u.disabled = 0");
    if (!st)
        return;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, gl_con_now(k->c));
    if (sqlite3_step(st) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(st, 0);
        k->who.user_id = sqlite3_column_int64(st, 1);
        snprintf(k->who.user, sizeof(k->who.user), "%s", (const char *)sqlite3_column_text(st, 2));
        k->who.role = gl_con_role_parse((const char *)sqlite3_column_text(st, 3));
        k->who.totp_enabled = sqlite3_column_int(st, 4) != 0;
        k->who.via_token = true;
        sqlite3_finalize(st);
        st = con_prepare(k->c->db, "UPDATE console_tokens SET last_used = ?2 WHERE id = ?1");
        if (st) {
            sqlite3_bind_int64(st, 1, tid);
            sqlite3_bind_int64(st, 2, gl_con_now(k->c));
            sqlite3_step(st);
        }
    }
    sqlite3_finalize(st);
}

static void auth_session(con_call *k, const char *tok)
{
    char sha[65];
    if (!is_hex64(tok))
        return;
    gl_con_sha256_hex(tok, strlen(tok), sha);
    sqlite3_stmt *st = con_prepare(k->c->db,
                                   "SELECT s.id, s.csrf, s.client_hash, s.created, s.last_seen, u.id, u.username, u.role,"
                                   " u.must_change, u.totp_secret IS NOT NULL, u.disabled FROM console_sessions s"
                                   " JOIN console_users u ON u.id = s.user_id WHERE s.token_sha = ?1");
    if (!st)
        return;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    int64_t now = gl_con_now(k->c), sid = 0;
    bool valid = false, expired = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        sid = sqlite3_column_int64(st, 0);
        const char *bound = (const char *)sqlite3_column_text(st, 2);
        int64_t created = sqlite3_column_int64(st, 3), last = sqlite3_column_int64(st, 4);
        expired = now - last > (int64_t)k->c->set.session_idle_min * 60 ||
                  now - created > (int64_t)k->c->set.session_max_hours * 3600 || sqlite3_column_int(st, 10);
        /* a session stolen to another client (other address or browser) is useless */
        bool same_client = bound && strlen(bound) == 64 && CRYPTO_memcmp(bound, k->client_hash, 64) == 0;
        if (!expired && same_client) {
            valid = true;
            k->who.session_id = sid;
            snprintf(k->who.csrf, sizeof(k->who.csrf), "%s", (const char *)sqlite3_column_text(st, 1));
            k->who.user_id = sqlite3_column_int64(st, 5);
            snprintf(k->who.user, sizeof(k->who.user), "%s", (const char *)sqlite3_column_text(st, 6));
            k->who.role = gl_con_role_parse((const char *)sqlite3_column_text(st, 7));
            k->who.must_change = sqlite3_column_int(st, 8) != 0;
            k->who.totp_enabled = sqlite3_column_int(st, 9) != 0;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (valid) {
        st = con_prepare(k->c->db, "UPDATE console_sessions SET last_seen = ?2 WHERE id = ?1");
    } else if (expired) {
        st = con_prepare(k->c->db, "DELETE FROM console_sessions WHERE id = ?1");
    }
    if (st) {
        sqlite3_bind_int64(st, 1, sid);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
}

void con_authenticate(con_call *k)
{
    const char *a = k->req->authorization;
    if (a && strncasecmp(a, "Bearer ", 7) == 0) {
        auth_token(k, a + 7);
        return; /* a presented token that fails is not silently replaced by a cookie */
    }
    char tok[CON_TOKEN_HEX + 2];
    if (k->req->cookie && cookie_value(k->req->cookie, GL_CON_SESSION_COOKIE, tok, sizeof(tok)))
        auth_session(k, tok);
}

/* ---------------------------------------------------------------- login */

static void set_failures(gl_console *c, user_row *u, bool failed)
{
    sqlite3_stmt *st =
        con_prepare(c->db, "UPDATE console_users SET failed = ?2, locked_until = ?3 WHERE id = ?1");
    if (!st)
        return;
    int64_t f = failed ? u->failed + 1 : 0, until = u->locked_until;
    if (f >= c->set.lockout_threshold) {
        until = gl_con_now(c) + (int64_t)c->set.lockout_min * 60;
        f = 0;
    }
    u->locked_until = until;
    sqlite3_bind_int64(st, 1, u->id);
    sqlite3_bind_int64(st, 2, f);
    sqlite3_bind_int64(st, 3, until);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

static bool totp_check(gl_console *c, const char *secret_b32, const char *code, int64_t last_step, int64_t *step_out)
{
    uint8_t key[64];
    int klen = gl_con_base32_decode(secret_b32, key, sizeof(key));
    if (klen <= 0 || !code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return false;
    uint32_t want = (uint32_t)strtoul(code, NULL, 10);
    int64_t now = gl_con_now(c);
    /* one step either way for clock drift; a step already used is refused (replay) */
    for (int d = -1; d <= 1; d++) {
        int64_t t = now + d * 30, step = t / 30;
        if (step > last_step && gl_con_totp(key, (size_t)klen, t, 6) == want) {
            *step_out = step;
            OPENSSL_cleanse(key, sizeof(key));
            return true;
        }
    }
    OPENSSL_cleanse(key, sizeof(key));
    return false;
}

static void identity_from_user(con_call *k, const user_row *u)
{
    k->who.user_id = u->id;
    snprintf(k->who.user, sizeof(k->who.user), "%s", u->name);
    k->who.role = u->role;
    k->who.must_change = u->must_change;
    k->who.totp_enabled = u->totp_secret[0] != 0;
}

static json_t *me_json(con_call *k)
{
    json_t *o = json_object();
    json_object_set_new(o, "user", json_string(k->who.user));
    json_object_set_new(o, "role", json_string(gl_con_role_name(k->who.role)));
    json_object_set_new(o, "must_change_password", json_boolean(k->who.must_change));
    json_object_set_new(o, "totp_enabled", json_boolean(k->who.totp_enabled));
    json_object_set_new(o, "totp_required", json_boolean(k->c->set.totp_required));
    json_object_set_new(o, "via_token", json_boolean(k->who.via_token));
    if (!k->who.via_token) {
        json_object_set_new(o, "csrf_token", json_string(k->who.csrf));
        json_object_set_new(o, "idle_timeout_seconds", json_integer(k->c->set.session_idle_min * 60));
    }
    return o;
}

static bool start_session(con_call *k, const user_row *u)
{
    char tok[CON_TOKEN_HEX + 1], sha[65];
    if (!new_token_hex(tok) || !new_token_hex(k->who.csrf))
        return false;
    gl_con_sha256_hex(tok, strlen(tok), sha);
    int64_t now = gl_con_now(k->c);
    /* drop this user's sessions that can no longer be used */
    sqlite3_stmt *st = con_prepare(k->c->db, "DELETE FROM console_sessions WHERE user_id = ?1 AND"
                                             " (last_seen < ?2 OR created < ?3)");
    if (st) {
        sqlite3_bind_int64(st, 1, u->id);
        sqlite3_bind_int64(st, 2, now - (int64_t)k->c->set.session_idle_min * 60);
        sqlite3_bind_int64(st, 3, now - (int64_t)k->c->set.session_max_hours * 3600);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    st = con_prepare(k->c->db, "INSERT INTO console_sessions(token_sha, user_id, csrf, client_hash, created,"
                               " last_seen) VALUES (?1,?2,?3,?4,?5,?5)");
    if (!st)
        return false;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, u->id);
    sqlite3_bind_text(st, 3, k->who.csrf, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->client_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    k->who.session_id = sqlite3_last_insert_rowid(k->c->db);
    sqlite3_finalize(st);
    if (ok)
        con_add_cookie(k, GL_CON_SESSION_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly;%s SameSite=Strict", tok,
                       k->c->set.session_max_hours * 3600, k->c->cfg.secure_cookies ? " Secure;" : "");
    OPENSSL_cleanse(tok, sizeof(tok));
    return ok;
}

void con_h_login(con_call *k)
{
    bool bad = false;
    const char *name = con_body_str(k, "username", GL_CON_USER_MAX, true, &bad);
    const char *pw = bad ? NULL : con_body_str(k, "password", GL_CON_PASSWORD_MAX, true, &bad);
    const char *code = bad ? NULL : con_body_str(k, "totp", 16, false, &bad);
    if (bad)
        return;
    json_t *d = json_object();
    if (gl_con_utf8_valid(name, strlen(name)))
        json_object_set_new(d, "username", json_string(name));
    k->audit_detail = d;
    snprintf(k->audit_target, sizeof(k->audit_target), "user:%.64s", username_ok(name) ? name : "?");
    user_row u;
    int64_t now = gl_con_now(k->c);
    if (!username_ok(name) || !load_user(k->c->db, name, &u) || u.disabled) {
        /* same work as a real check, so timing does not tell which names exist */
        char dummy[160];
        snprintf(dummy, sizeof(dummy), "scrypt$%u$8$1$%032d$%064d", k->c->cfg.kdf_log2n, 0, 0);
        gl_con_password_verify(pw, dummy);
        con_reply_error(k, 401, "invalid_credentials", "wrong user name or password");
        return;
    }
    if (u.locked_until > now) {
        json_object_set_new(d, "locked_until", json_integer(u.locked_until));
        con_reply_error(k, 423, "locked", "account locked after repeated failures; try again in %" PRId64 " s",
                        u.locked_until - now);
        return;
    }
    if (!gl_con_password_verify(pw, u.pw_hash)) {
        set_failures(k->c, &u, true);
        json_object_set_new(d, "reason", json_string("password"));
        if (u.locked_until > now)
            json_object_set_new(d, "locked_until", json_integer(u.locked_until));
        con_reply_error(k, 401, "invalid_credentials", "wrong user name or password");
        return;
    }
    if (u.totp_secret[0]) {
        int64_t step;
        if (!code) {
            json_object_set_new(d, "reason", json_string("totp missing"));
            con_reply_error(k, 401, "totp_required", "enter the code from your authenticator");
            return;
        }
        if (!totp_check(k->c, u.totp_secret, code, u.totp_last_step, &step)) {
            set_failures(k->c, &u, true);
            json_object_set_new(d, "reason", json_string("totp"));
            con_reply_error(k, 401, "invalid_totp", "wrong or already used authenticator code");
            return;
        }
        sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_users SET totp_last_step = ?2 WHERE id = ?1");
        if (st) {
            sqlite3_bind_int64(st, 1, u.id);
            sqlite3_bind_int64(st, 2, step);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
    }
    set_failures(k->c, &u, false);
    identity_from_user(k, &u);
    if (!start_session(k, &u)) {
        con_reply_error(k, 500, "internal", "session could not be created");
        return;
    }
    con_reply_json(k, 200, me_json(k));
}

void con_h_logout(con_call *k)
{
    if (k->who.session_id)
        exec_bind_user(k->c->db, "DELETE FROM console_sessions WHERE id = ?1", k->who.session_id);
    con_add_cookie(k, GL_CON_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly;%s SameSite=Strict",
                   k->c->cfg.secure_cookies ? " Secure;" : "");
    con_reply_json(k, 200, json_pack("{s:b}", "ok", 1));
}

void con_h_me(con_call *k)
{
    con_reply_json(k, 200, me_json(k));
}

void con_h_password(con_call *k)
{
    bool bad = false;
    const char *old = con_body_str(k, "old_password", GL_CON_PASSWORD_MAX, true, &bad);
    const char *pw = bad ? NULL : con_body_str(k, "new_password", GL_CON_PASSWORD_MAX + 1, true, &bad);
    if (bad)
        return;
    user_row u;
    if (k->who.via_token) {
        con_reply_error(k, 403, "forbidden", "API tokens cannot change passwords");
        return;
    }
    if (!load_user(k->c->db, k->who.user, &u)) {
        con_reply_error(k, 401, "unauthenticated", "no such user");
        return;
    }
    if (!gl_con_password_verify(old, u.pw_hash)) {
        set_failures(k->c, &u, true); /* a stolen session must not become a password oracle */
        con_reply_error(k, 403, "invalid_credentials", "old password is wrong");
        return;
    }
    const char *why = gl_con_password_problem(u.name, pw);
    if (why[0]) {
        con_reply_error(k, 400, "weak_password", "%s", why);
        return;
    }
    if (strcmp(old, pw) == 0) {
        con_reply_error(k, 400, "weak_password", "password: must differ from the old one");
        return;
    }
    char hash[256];
    if (!gl_con_password_hash(pw, k->c->cfg.kdf_log2n, hash, sizeof(hash))) {
        con_reply_error(k, 500, "internal", "hashing failed");
        return;
    }
    sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_users SET pw_hash = ?2, must_change = 0, failed = 0,"
                                             " pw_changed_at = ?3 WHERE id = ?1");
    bool ok = false;
    if (st) {
        sqlite3_bind_int64(st, 1, u.id);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, gl_con_now(k->c));
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_finalize(st);
    }
    /* every other session of this user ends */
    st = con_prepare(k->c->db, "DELETE FROM console_sessions WHERE user_id = ?1 AND id <> ?2");
    if (st) {
        sqlite3_bind_int64(st, 1, u.id);
        sqlite3_bind_int64(st, 2, k->who.session_id);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (!ok) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    k->who.must_change = false;
    con_reply_json(k, 200, me_json(k));
}

void con_h_totp_enroll(con_call *k)
{
    user_row u;
    if (k->who.via_token || !load_user(k->c->db, k->who.user, &u)) {
        con_reply_error(k, 403, "forbidden", "enrol from a logged-in session");
        return;
    }
    if (u.totp_secret[0]) {
        con_reply_error(k, 409, "already_enrolled", "TOTP already enrolled; an administrator can reset it");
        return;
    }
    uint8_t key[TOTP_SECRET_BYTES];
    char b32[64];
    if (!gl_con_random(key, sizeof(key)) || !gl_con_base32_encode(key, sizeof(key), b32, sizeof(b32))) {
        con_reply_error(k, 500, "internal", "no randomness");
        return;
    }
    OPENSSL_cleanse(key, sizeof(key));
    sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_users SET totp_pending = ?2 WHERE id = ?1");
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    sqlite3_bind_int64(st, 1, u.id);
    sqlite3_bind_text(st, 2, b32, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
    json_t *o = json_object();
    json_object_set_new(o, "secret", json_string(b32));
    json_object_set_new(o, "otpauth_uri", json_sprintf("otpauth://totp/guanlan:%s?secret=%s&issuer=guanlan&"
                                                       "algorithm=SHA1&digits=6&period=30",
                                                       u.name, b32));
    con_reply_json(k, 200, o);
}

void con_h_totp_confirm(con_call *k)
{
    bool bad = false;
    const char *code = con_body_str(k, "code", 16, true, &bad);
    user_row u;
    int64_t step;
    if (bad)
        return;
    if (k->who.via_token || !load_user(k->c->db, k->who.user, &u) || !u.totp_pending[0]) {
        con_reply_error(k, 409, "no_enrolment", "start with POST /api/v1/auth/totp/enroll");
        return;
    }
    if (!totp_check(k->c, u.totp_pending, code, u.totp_last_step, &step)) {
        con_reply_error(k, 400, "invalid_totp", "code does not match; check the authenticator's clock");
        return;
    }
    sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_users SET totp_secret = totp_pending,"
                                             " totp_pending = NULL, totp_last_step = ?2 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, u.id);
        sqlite3_bind_int64(st, 2, step);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    k->who.totp_enabled = true;
    con_reply_json(k, 200, me_json(k));
}

/* ---------------------------------------------------------------- setup */

void con_h_setup_get(con_call *k)
{
    con_reply_json(k, 200, json_pack("{s:b}", "setup_needed", gl_con_setup_token(k->c) != NULL));
}

void con_h_setup_post(con_call *k)
{
    bool bad = false;
    const char *tok = con_body_str(k, "token", 128, true, &bad);
    const char *name = bad ? NULL : con_body_str(k, "username", GL_CON_USER_MAX, true, &bad);
    const char *pw = bad ? NULL : con_body_str(k, "password", GL_CON_PASSWORD_MAX + 1, true, &bad);
    if (bad)
        return;
    const char *want = gl_con_setup_token(k->c);
    if (!want || gl_con_user_count(k->c) > 0) {
        con_reply_error(k, 409, "setup_done", "the console is already set up");
        return;
    }
    if (strlen(tok) != CON_TOKEN_HEX || CRYPTO_memcmp(tok, want, CON_TOKEN_HEX) != 0) {
        con_reply_error(k, 403, "bad_setup_token", "setup token does not match the one printed at start");
        return;
    }
    char err[256];
    if (!gl_con_user_create(k->c, name, GL_ROLE_ADMIN, pw, false, NULL, err, sizeof(err))) {
        con_reply_error(k, 400, "bad_body", "%s", err);
        return;
    }
    snprintf(k->audit_target, sizeof(k->audit_target), "user:%s", name);
    k->audit_detail = json_pack("{s:s,s:s}", "username", name, "role", "admin");
    con_reply_json(k, 201, json_pack("{s:s,s:s}", "user", name, "role", "admin"));
}

/* ---------------------------------------------------------------- API tokens */

void con_h_tokens_list(con_call *k)
{
    if (!con_args_check(k, NULL))
        return;
    sqlite3_stmt *st = con_prepare(k->c->db, "SELECT id, name, created, expires, last_used, revoked FROM"
                                             " console_tokens WHERE user_id = ?1 ORDER BY id");
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    sqlite3_bind_int64(st, 1, k->who.user_id);
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    con_reply_json(k, 200, json_pack("{s:o}", "tokens", rows));
}

void con_h_tokens_create(con_call *k)
{
    bool bad = false;
    const char *name = con_body_str(k, "name", 64, true, &bad);
    if (bad)
        return;
    json_t *jd = json_object_get(k->body, "days");
    int64_t days = jd ? json_integer_value(jd) : 30;
    if (k->who.via_token) {
        con_reply_error(k, 403, "forbidden", "API tokens are issued from a logged-in session, not by tokens");
        return;
    }
    if (!con_safe_text(name, 64) || (jd && !json_is_integer(jd)) || days < 1 || days > k->c->set.token_max_days) {
        con_reply_error(k, 400, "bad_body", "name: 1..64 plain characters; days: 1..%d", k->c->set.token_max_days);
        return;
    }
    char hex[CON_TOKEN_HEX + 1], tok[CON_TOKEN_HEX + 8], sha[65];
    if (!new_token_hex(hex)) {
        con_reply_error(k, 500, "internal", "no randomness");
        return;
    }
    snprintf(tok, sizeof(tok), TOKEN_PREFIX "%s", hex);
    gl_con_sha256_hex(tok, strlen(tok), sha);
    int64_t now = gl_con_now(k->c);
    sqlite3_stmt *st = con_prepare(k->c->db, "INSERT INTO console_tokens(token_sha, user_id, name, created, expires)"
                                             " VALUES (?1,?2,?3,?4,?5)");
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, k->who.user_id);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, now + days * 86400);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    int64_t id = sqlite3_last_insert_rowid(k->c->db);
    k->audit_detail = json_pack("{s:I,s:s,s:I}", "token_id", (json_int_t)id, "name", name, "days", (json_int_t)days);
    con_reply_json(k, 201, json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)id, "name", name, "token", tok,
                                     "expires", (json_int_t)(now + days * 86400)));
}

void con_h_tokens_delete(con_call *k)
{
    int64_t id;
    if (!con_param_id(k, 0, &id))
        return;
    sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_tokens SET revoked = 1 WHERE id = ?1 AND user_id = ?2");
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, k->who.user_id);
    sqlite3_step(st);
    int changed = sqlite3_changes(k->c->db);
    sqlite3_finalize(st);
    if (!changed) {
        con_reply_error(k, 404, "not_found", "no such token of yours");
        return;
    }
    con_reply_json(k, 200, json_pack("{s:b}", "revoked", 1));
}

/* ---------------------------------------------------------------- users (administrator) */

void con_h_users_list(con_call *k)
{
    if (!con_args_check(k, NULL))
        return;
    sqlite3_stmt *st = con_prepare(k->c->db,
                                   "SELECT id, username, role, must_change, totp_secret IS NOT NULL AS totp_enabled,"
                                   " failed, locked_until, disabled, created_at, created_by, pw_changed_at"
                                   " FROM console_users ORDER BY id");
    json_t *rows = con_rows_json(st, NULL);
    sqlite3_finalize(st);
    con_reply_json(k, 200, json_pack("{s:o}", "users", rows));
}

void con_h_users_create(con_call *k)
{
    bool bad = false;
    const char *name = con_body_str(k, "username", GL_CON_USER_MAX, true, &bad);
    const char *role = bad ? NULL : con_body_str(k, "role", 16, true, &bad);
    if (bad)
        return;
    char temp[33] = "", err[256];
    if (!gl_con_user_create(k->c, name, gl_con_role_parse(role), NULL, true, temp, err, sizeof(err))) {
        con_reply_error(k, strstr(err, "already") ? 409 : 400, "bad_body", "%s", err);
        return;
    }
    /* record who created the account (gl_con_user_create writes "setup") */
    sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_users SET created_by = ?2 WHERE username = ?1");
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, k->who.user, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    snprintf(k->audit_target, sizeof(k->audit_target), "user:%s", name);
    k->audit_detail = json_pack("{s:s,s:s}", "username", name, "role", role);
    con_reply_json(k, 201, json_pack("{s:s,s:s,s:s,s:b}", "user", name, "role", role, "temporary_password", temp,
                                     "must_change_password", 1));
}

static bool target_user(con_call *k, user_row *u)
{
    if (!username_ok(k->params[0]) || !load_user(k->c->db, k->params[0], u)) {
        con_reply_error(k, 404, "not_found", "no such user");
        return false;
    }
    snprintf(k->audit_target, sizeof(k->audit_target), "user:%s", u->name);
    return true;
}

static void end_sessions(gl_console *c, int64_t user_id)
{
    exec_bind_user(c->db, "DELETE FROM console_sessions WHERE user_id = ?1", user_id);
}

void con_h_users_update(con_call *k)
{
    user_row u;
    if (!target_user(k, &u))
        return;
    const char *key;
    json_t *v;
    json_object_foreach(k->body, key, v) {
        if (strcmp(key, "role") != 0 && strcmp(key, "disabled") != 0) {
            con_reply_error(k, 400, "bad_body", "only role and disabled can be changed");
            return;
        }
    }
    json_t *jr = json_object_get(k->body, "role"), *jd = json_object_get(k->body, "disabled");
    unsigned role = jr ? gl_con_role_parse(json_string_value(jr)) : u.role;
    if ((jr && !role) || (jd && !json_is_boolean(jd)) || (!jr && !jd)) {
        con_reply_error(k, 400, "bad_body", "role: admin|operator|auditor; disabled: true|false");
        return;
    }
    if (u.id == k->who.user_id) {
        con_reply_error(k, 409, "self", "administrators cannot change their own role or disable themselves");
        return;
    }
    sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_users SET role = ?2, disabled = ?3 WHERE id = ?1");
    if (!st) {
        con_reply_error(k, 500, "internal", "database error");
        return;
    }
    bool disabled = jd ? json_is_true(jd) : u.disabled;
    sqlite3_bind_int64(st, 1, u.id);
    sqlite3_bind_text(st, 2, gl_con_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, disabled);
    sqlite3_step(st);
    sqlite3_finalize(st);
    end_sessions(k->c, u.id); /* a changed role takes effect at once */
    k->audit_detail = json_pack("{s:s,s:s,s:b}", "old_role", gl_con_role_name(u.role), "role",
                                gl_con_role_name(role), "disabled", disabled);
    con_reply_json(k, 200, json_pack("{s:s,s:s,s:b}", "user", u.name, "role", gl_con_role_name(role), "disabled",
                                     disabled));
}

void con_h_users_reset_password(con_call *k)
{
    user_row u;
    if (!target_user(k, &u))
        return;
    if (u.id == k->who.user_id) {
        con_reply_error(k, 409, "self", "use POST /api/v1/auth/password for your own password");
        return;
    }
    char temp[33], hash[256];
    if (!temp_password(temp) || !gl_con_password_hash(temp, k->c->cfg.kdf_log2n, hash, sizeof(hash))) {
        con_reply_error(k, 500, "internal", "no randomness");
        return;
    }
    sqlite3_stmt *st = con_prepare(k->c->db, "UPDATE console_users SET pw_hash = ?2, must_change = 1, failed = 0,"
                                             " locked_until = 0 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, u.id);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    end_sessions(k->c, u.id);
    con_reply_json(k, 200, json_pack("{s:s,s:s,s:b}", "user", u.name, "temporary_password", temp,
                                     "must_change_password", 1));
}

void con_h_users_reset_totp(con_call *k)
{
    user_row u;
    if (!target_user(k, &u))
        return;
    exec_bind_user(k->c->db, "UPDATE console_users SET totp_secret = NULL, totp_pending = NULL WHERE id = ?1",
                   u.id);
    end_sessions(k->c, u.id);
    con_reply_json(k, 200, json_pack("{s:s,s:b}", "user", u.name, "totp_enabled", 0));
}

void con_h_users_unlock(con_call *k)
{
    user_row u;
    if (!target_user(k, &u))
        return;
    exec_bind_user(k->c->db, "UPDATE console_users SET failed = 0, locked_until = 0 WHERE id = ?1", u.id);
    con_reply_json(k, 200, json_pack("{s:s,s:b}", "user", u.name, "locked", 0));
}
