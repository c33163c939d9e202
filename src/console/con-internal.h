/*
 * con-internal.h — what the console's own files share: the console context,
 * one API call as handlers see it, response and validation helpers, the
 * audit log and the account functions. Only src/console includes it.
 */
#ifndef GL_CON_INTERNAL_H
#define GL_CON_INTERNAL_H

#include "console/console.h"

#include <pthread.h>
#include <stdio.h>

#define CON_TOKEN_HEX 64 /* 32 random bytes as hex */

/* Settings an administrator may change (console_config). */
typedef struct con_settings {
    int session_idle_min;    /* idle timeout, minutes */
    int session_max_hours;   /* absolute session lifetime */
    int lockout_threshold;   /* consecutive failures before lockout */
    int lockout_min;         /* lockout duration */
    bool totp_required;      /* users must enrol TOTP before using the API */
    int token_max_days;      /* longest API token lifetime */
} con_settings;

struct gl_console {
    sqlite3 *db;
    gl_con_config cfg;
    char db_path[4096];
    char state_dir[4096];
    int64_t now_override;
    char setup_token[CON_TOKEN_HEX + 1]; /* "" once an account exists */
    con_settings set;
    pthread_t sync_thread;
    bool sync_running;
    volatile int sync_stop;
};

/* The caller as authenticated for this call. */
typedef struct con_identity {
    int64_t user_id;
    char user[GL_CON_USER_MAX + 1];
    unsigned role;               /* 0 = anonymous */
    bool via_token;              /* API token (no cookie, no CSRF) */
    int64_t session_id;
    char csrf[CON_TOKEN_HEX + 1];
    bool must_change;
    bool totp_enabled;
} con_identity;

#define CON_MAX_PARAMS 3
typedef struct con_route con_route;
typedef struct con_call {
    gl_console *c;
    const gl_con_req *req;
    gl_con_resp *resp;
    con_identity who;
    size_t n_params;
    char params[CON_MAX_PARAMS][129]; /* {…} segments of the route */
    json_t *body;                     /* parsed JSON body (object) or NULL */
    char client_hash[65];             /* SHA-256 of client ip + user agent */
    const con_route *route;
    json_t *audit_detail;             /* what a write handler wants recorded */
    char audit_target[160];           /* the object acted on ("" = the path) */
} con_call;

typedef void (*con_handler)(con_call *k);

struct con_route {
    const char *method;
    const char *pattern;   /* /api/v1/incidents/{id} */
    unsigned roles;        /* who may call it (0 = anyone, before login) */
    bool writes;           /* changes state: CSRF checked, audited */
    bool self;             /* account self-service: allowed before the forced
                            * password change / TOTP enrolment is done */
    con_handler fn;
};

extern const con_route gl_con_routes[];
extern const size_t gl_con_n_routes;

/* ---- responses (con-router.c) ---- */
void con_reply_json(con_call *k, int status, json_t *body);         /* steals body */
void con_reply_error(con_call *k, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void con_reply_raw(con_call *k, int status, const char *ctype, char *body, size_t len); /* steals */
void con_add_cookie(con_call *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- query parameters and body members (con-router.c) ---- */
/* Every query parameter must be in allowed (NULL-terminated); else 400. */
bool con_args_check(con_call *k, const char *const *allowed);
const char *con_arg(con_call *k, const char *name);
/* false after replying 400 when present but malformed; *out untouched when absent. */
bool con_arg_int(con_call *k, const char *name, int64_t lo, int64_t hi, int64_t *out);
bool con_arg_time(con_call *k, const char *name, int64_t *usec_out);
bool con_arg_ip(con_call *k, const char *name, char *out, size_t outlen);
bool con_arg_text(con_call *k, const char *name, size_t maxlen, const char **out);
bool con_arg_enum(con_call *k, const char *name, const char *const *values, const char **out);
/* Paging: limit (1..500, default 50) and offset (0..100000). */
bool con_args_page(con_call *k, int64_t *limit, int64_t *offset);
/* Text that may go into filters: valid UTF-8, no control characters, none
 * of ' " ; \ ` < > = and no "--" or "/ *" (defence in depth: SQL is bound). */
bool con_safe_text(const char *s, size_t maxlen);
bool con_param_id(con_call *k, size_t i, int64_t *out); /* positive integer route segment */
const char *con_body_str(con_call *k, const char *name, size_t maxlen, bool required, bool *bad);

/* ---- database helpers (con-db.c) ---- */
bool con_db_schema(sqlite3 *db, char *err, size_t errlen);
bool con_exec(sqlite3 *db, const char *sql);
sqlite3_stmt *con_prepare(sqlite3 *db, const char *sql);
json_t *con_rows_json(sqlite3_stmt *st, const char *const *json_columns);
void con_settings_load(gl_console *c);
json_t *con_settings_json(const con_settings *s);
const char *con_settings_apply(gl_console *c, json_t *patch); /* NULL ok, else why */
json_t *con_settings_limits(void);
void con_iso_time(int64_t t, char *buf, size_t len);             /* UTC RFC 3339 */

/* ---- audit (con-audit.c) ---- */
/* One record: who did what to which target, with what result. */
bool con_audit(gl_console *c, const char *actor, const char *role, const char *client, const char *action,
               const char *target, json_t *detail, const char *result);
void con_audit_call(con_call *k, const char *action, const char *target, json_t *detail, const char *result);

/* ---- accounts and sessions (con-auth.c) ---- */
void con_authenticate(con_call *k);   /* fills k->who from cookie / bearer token */
void con_client_hash(const gl_con_req *req, char out[65]);
void con_h_login(con_call *k);
void con_h_logout(con_call *k);
void con_h_me(con_call *k);
void con_h_password(con_call *k);
void con_h_totp_enroll(con_call *k);
void con_h_totp_confirm(con_call *k);
void con_h_setup_get(con_call *k);
void con_h_setup_post(con_call *k);
void con_h_tokens_list(con_call *k);
void con_h_tokens_create(con_call *k);
void con_h_tokens_delete(con_call *k);
void con_h_users_list(con_call *k);
void con_h_users_create(con_call *k);
void con_h_users_update(con_call *k);
void con_h_users_reset_password(con_call *k);
void con_h_users_reset_totp(con_call *k);
void con_h_users_unlock(con_call *k);

/* ---- administration (con-api-admin.c) ---- */
void con_h_config_get(con_call *k);
void con_h_config_put(con_call *k);
void con_h_assets_list(con_call *k);
void con_h_assets_get(con_call *k);
void con_h_assets_put(con_call *k);
void con_h_assets_delete(con_call *k);
void con_h_assets_export(con_call *k);
void con_h_audit_list(con_call *k);
void con_h_audit_verify(con_call *k);
/* The registry as JSON (also valid YAML) for the incident stage. malloc'd. */
char *con_assets_registry_text(gl_console *c);

/* ---- events, alerts, sessions (con-api-data.c) ---- */
void con_h_overview(con_call *k);
void con_h_alerts(con_call *k);
void con_h_alert_get(con_call *k);
void con_h_session(con_call *k);
void con_h_fishbone(con_call *k);
void con_h_feedback(con_call *k);
void con_h_health(con_call *k);

/* ---- incidents (con-api-inc.c) ---- */
void con_h_incidents(con_call *k);
void con_h_incident_get(con_call *k);
void con_h_incident_create(con_call *k);
void con_h_incident_facts(con_call *k);
void con_h_incident_status(con_call *k);
void con_h_incident_correlate(con_call *k);
void con_h_reports_list(con_call *k);
void con_h_reports_create(con_call *k);
void con_h_report_get(con_call *k);

/* ---- summary tables (con-sync.c) ---- */
bool con_sync_start(gl_console *c);
int64_t con_sync_lag(sqlite3 *db);  /* events not summarised yet */
json_t *con_incidents_due(gl_console *c, int limit);
json_t *con_incidents_by_level(gl_console *c);
void con_sync_stop(gl_console *c);

#endif
