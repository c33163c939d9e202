/*
 * console.h — the analyst console's server side: a JSON REST API under
 * /api/v1 over guanlan.db, served by `guanlan console` (con-http.c).
 *
 * The HTTP transport (libmicrohttpd) only turns a request into a
 * gl_con_req and a gl_con_resp back into bytes; everything that matters for
 * security (authentication, roles, CSRF, input validation, audit) lives in
 * the handler layer behind gl_con_handle(), so tests and the fuzzer drive
 * exactly the code the server runs. Not a contract for other stages.
 */
#ifndef GL_CONSOLE_H
#define GL_CONSOLE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- roles (bit flags so a route can name the roles allowed) ---- */
#define GL_ROLE_ADMIN 1u    /* system administrator: users, configuration, assets */
#define GL_ROLE_OPERATOR 2u /* security operator: alerts, incidents, reports, feedback */
#define GL_ROLE_AUDITOR 4u  /* auditor: reads everything, changes nothing */
#define GL_ROLE_ALL (GL_ROLE_ADMIN | GL_ROLE_OPERATOR | GL_ROLE_AUDITOR)

const char *gl_con_role_name(unsigned role);
unsigned gl_con_role_parse(const char *s); /* 0 when unknown */

/* ---- limits ---- */
#define GL_CON_BODY_MAX (1024 * 1024) /* request bodies above it: 413 */
#define GL_CON_MAX_ARGS 32            /* query parameters; more: 400 */
#define GL_CON_ARG_MAX 512            /* bytes of one query value */
#define GL_CON_PATH_MAX 512
#define GL_CON_USER_MAX 64
#define GL_CON_PASSWORD_MIN 12
#define GL_CON_PASSWORD_MAX 128
#define GL_CON_SESSION_COOKIE "gl_session"
#define GL_CON_CSRF_HEADER "X-CSRF-Token"

typedef struct gl_con_config {
    const char *db_path;       /* guanlan.db (created with the sensor schema when missing) */
    const char *state_dir;     /* detector state for feedback (default: the db's directory) */
    const char *calendar_dir;  /* holiday calendars for the incident overlays (may be NULL) */
    const char *model_dir;     /* shipped models for feedback (may be NULL: detector default) */
    unsigned kdf_log2n;        /* scrypt cost N = 2^kdf_log2n (default 16; tests use less) */
    bool secure_cookies;       /* Secure flag on cookies (false only for plain-HTTP tests) */
    bool background_sync;      /* keep the summary tables current from a thread */
} gl_con_config;

void gl_con_config_default(gl_con_config *cfg);

typedef struct gl_console gl_console;

/* Opens the database (console tables created when missing). NULL + err. */
gl_console *gl_con_open(const gl_con_config *cfg, char *err, size_t errlen);
void gl_con_close(gl_console *c);
sqlite3 *gl_con_db(gl_console *c);

/* Tests fix the clock (seconds since 1970); 0 = the real clock. */
void gl_con_set_now(gl_console *c, int64_t now);
int64_t gl_con_now(gl_console *c);

/* ---- requests ---- */
typedef struct gl_con_kv {
    const char *key, *value;
} gl_con_kv;

typedef struct gl_con_req {
    const char *method;        /* GET, POST, PUT, PATCH, DELETE */
    const char *path;          /* decoded path without the query string */
    size_t n_args;
    gl_con_kv args[GL_CON_MAX_ARGS];
    bool too_many_args;        /* the transport saw more than GL_CON_MAX_ARGS */
    const char *cookie;        /* raw Cookie header or NULL */
    const char *csrf;          /* X-CSRF-Token header or NULL */
    const char *authorization; /* Authorization header or NULL */
    const char *user_agent;
    const char *client_ip;
    const char *content_type;
    const char *body;
    size_t body_len;
    bool body_too_large;       /* the transport stopped reading at GL_CON_BODY_MAX */
} gl_con_req;

#define GL_CON_MAX_COOKIES 2
typedef struct gl_con_resp {
    int status;
    char *body;                /* malloc'd */
    size_t len;
    char content_type[64];
    char disposition[160];     /* Content-Disposition, or "" */
    int n_cookies;
    char cookies[GL_CON_MAX_COOKIES][320];
    bool sandbox;              /* served document (report HTML, SVG): stricter CSP */
} gl_con_resp;

void gl_con_handle(gl_console *c, const gl_con_req *req, gl_con_resp *resp);
void gl_con_resp_free(gl_con_resp *r);

/* ---- accounts (con-auth.c) ---- */
/* Creates a user; password NULL = generate a one-time password into
 * temp_out (>= 33 bytes) and force a change at first login. */
bool gl_con_user_create(gl_console *c, const char *user, unsigned role, const char *password,
                        bool must_change, char *temp_out, char *err, size_t errlen);
size_t gl_con_user_count(gl_console *c);
/* "" when acceptable, else why not (static string). */
const char *gl_con_password_problem(const char *user, const char *pw);
/* One-time setup token printed at first start (no users yet); NULL after. */
const char *gl_con_setup_token(gl_console *c);

/* ---- primitives (con-crypto.c), exposed for tests ---- */
bool gl_con_random(void *buf, size_t n);
void gl_con_hex(const uint8_t *in, size_t n, char *out);
bool gl_con_sha256_hex(const void *data, size_t len, char out[65]);
/* "scrypt$LOG2N$R$P$SALT_HEX$HASH_HEX" */
bool gl_con_password_hash(const char *pw, unsigned log2n, char *out, size_t outlen);
bool gl_con_password_verify(const char *pw, const char *stored);
bool gl_con_scrypt(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen, uint64_t n, uint32_t r,
                   uint32_t p, uint8_t *out, size_t outlen);
/* RFC 6238 TOTP (HMAC-SHA1) of key at unix time t, step 30 s. */
uint32_t gl_con_totp(const uint8_t *key, size_t keylen, int64_t t, int digits);
/* RFC 4648 base32 without padding. */
size_t gl_con_base32_encode(const uint8_t *in, size_t n, char *out, size_t outlen);
int gl_con_base32_decode(const char *in, uint8_t *out, size_t outlen); /* bytes or -1 */
bool gl_con_utf8_valid(const char *s, size_t n);

/* ---- audit log (con-audit.c) ---- */
/* Walk the SM3 chain of console_audit; every problem one line on out.
 * Returns problems (0 = intact) or -1 on a database error. */
int gl_con_audit_verify(sqlite3 *db, FILE *out, char head[65], int64_t *n_links);

/* ---- summary tables (con-sync.c) ---- */
/* Folds events not yet summarised into the console's summary tables, at
 * most max_rows per call (0 = all). Returns rows folded, -1 on error. */
int64_t gl_con_sync(sqlite3 *db, int64_t max_rows);

/* ---- server and command (con-http.c, con-cmd.c) ---- */
int gl_cmd_console(int argc, char **argv);

#endif
