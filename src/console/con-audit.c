/*
 * con-audit.c — the console's audit log: one row per state-changing action
 * (and per refused or failed attempt), hash-chained with SM3 so that an edit,
 * a deletion or an insertion made behind the console's back is detected by
 * `guanlan console verify-audit`.
 *
 *   sm3 = SM3(prev_sm3 "|" seq "|" len:at "|" len:actor "|" len:role "|"
 *             len:client "|" len:action "|" len:target "|" len:detail "|"
 *             len:result)
 *
 * Every text field is length-prefixed so no two different records can give
 * the same input (a '|' inside a field cannot shift the boundaries). The
 * first record's prev_sm3 is 64 zeros. SM3 comes from chain.c (OpenSSL 3
 * EVP_sm3), the same primitive that chains incidents.
 */
#include "console/con-internal.h"
#include "incident/incident-db.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct audit_rec {
    int64_t seq;
    const char *at, *actor, *role, *client, *action, *target, *detail, *result, *prev;
} audit_rec;

static void put_field(char **p, size_t *left, const char *s)
{
    size_t n = strlen(s);
    int w = snprintf(*p, *left, "|%zu:", n);
    if (w < 0 || (size_t)w >= *left)
        return;
    *p += w;
    *left -= (size_t)w;
    if (n >= *left)
        n = *left - 1;
    memcpy(*p, s, n);
    *p += n;
    *left -= n;
    **p = '\0';
}

static bool audit_hash(const audit_rec *r, char out[GL_SM3_HEX])
{
    size_t cap = 256 + strlen(r->at) + strlen(r->actor) + strlen(r->role) + strlen(r->client) +
                 strlen(r->action) + strlen(r->target) + strlen(r->detail) + strlen(r->result);
    char *buf = malloc(cap), *p = buf;
    if (!buf)
        return false;
    size_t left = cap;
    int w = snprintf(p, left, "%s|%" PRId64, r->prev, r->seq);
    p += w;
    left -= (size_t)w;
    const char *fields[] = { r->at, r->actor, r->role, r->client, r->action, r->target, r->detail, r->result };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        put_field(&p, &left, fields[i]);
    bool ok = gl_sm3_hex(buf, (size_t)(p - buf), out);
    free(buf);
    return ok;
}

static bool last_link(sqlite3 *db, int64_t *seq, char prev[GL_SM3_HEX])
{
    sqlite3_stmt *st = con_prepare(db, "SELECT seq, sm3 FROM console_audit ORDER BY seq DESC LIMIT 1");
    if (!st)
        return false;
    *seq = 0;
    snprintf(prev, GL_SM3_HEX, "%s", GENESIS);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        const char *h = (const char *)sqlite3_column_text(st, 1);
        snprintf(prev, GL_SM3_HEX, "%s", h ? h : "");
    }
    sqlite3_finalize(st);
    return true;
}

/* Appends inside the caller's transaction when there is one, else in its
 * own (the read of the last link and the insert must not interleave with
 * another writer). */
bool con_audit(gl_console *c, const char *actor, const char *role, const char *client, const char *action,
               const char *target, json_t *detail, const char *result)
{
    bool own_tx = sqlite3_get_autocommit(c->db);
    if (own_tx && !con_exec(c->db, "BEGIN IMMEDIATE"))
        return false;
    char *dtext = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char at[40], prev[GL_SM3_HEX], sm3[GL_SM3_HEX];
    con_iso_time(gl_con_now(c), at, sizeof(at));
    int64_t seq = 0;
    bool ok = last_link(c->db, &seq, prev);
    audit_rec r = { seq + 1, at, actor ? actor : "-", role ? role : "-", client ? client : "-", action,
                    target ? target : "", dtext ? dtext : "{}", result, prev };
    ok = ok && audit_hash(&r, sm3);
    sqlite3_stmt *st = ok ? con_prepare(c->db, "INSERT INTO console_audit(seq, at, actor, role, client, action,"
                                               " target, detail, result, prev_sm3, sm3)"
                                               " VALUES (?,?,?,?,?,?,?,?,?,?,?)")
                          : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, r.seq);
        const char *v[] = { r.at, r.actor, r.role, r.client, r.action, r.target, r.detail, r.result, r.prev, sm3 };
        for (int i = 0; i < 10; i++)
            sqlite3_bind_text(st, i + 2, v[i], -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_finalize(st);
    } else {
        ok = false;
    }
    free(dtext);
    if (own_tx) {
        if (ok)
            ok = con_exec(c->db, "COMMIT");
        if (!ok)
            con_exec(c->db, "ROLLBACK");
    }
    if (!ok)
        fprintf(stderr, "guanlan console: audit record '%s' could not be written\n", action);
    return ok;
}

void con_audit_call(con_call *k, const char *action, const char *target, json_t *detail, const char *result)
{
    char client[160];
    snprintf(client, sizeof(client), "%.64s%s%.16s", k->req->client_ip ? k->req->client_ip : "-",
             k->who.via_token ? " token " : " session ", k->client_hash);
    con_audit(k->c, k->who.role ? k->who.user : "anonymous", k->who.role ? gl_con_role_name(k->who.role) : "-",
              client, action, target, detail, result);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

int gl_con_audit_verify(sqlite3 *db, FILE *out, char head[65], int64_t *n_links)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, at, actor, role, client, action, target, detail, result, prev_sm3, sm3"
                           " FROM console_audit ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        if (out)
            fprintf(out, "console_audit: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    char prev[GL_SM3_HEX];
    snprintf(prev, sizeof(prev), "%s", GENESIS);
    int64_t expect = 1, n = 0;
    int problems = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        audit_rec r = { sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4), col(st, 5),
                        col(st, 6), col(st, 7), col(st, 8), col(st, 9) };
        const char *stored = col(st, 10);
        char want[GL_SM3_HEX];
        n++;
        if (r.seq != expect) {
            problems++;
            if (out)
                fprintf(out, "console_audit seq %" PRId64 ": expected seq %" PRId64 " (record removed?)\n", r.seq,
                        expect);
        }
        if (strcmp(r.prev, prev) != 0) {
            problems++;
            if (out)
                fprintf(out, "console_audit seq %" PRId64 ": prev_sm3 does not match the previous record\n", r.seq);
        }
        if (!audit_hash(&r, want) || strcmp(want, stored) != 0) {
            problems++;
            if (out)
                fprintf(out, "console_audit seq %" PRId64 ": record modified (sm3 mismatch)\n", r.seq);
        }
        /* continue from the stored hash so one edit is reported once */
        snprintf(prev, sizeof(prev), "%s", stored);
        expect = r.seq + 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        if (out)
            fprintf(out, "console_audit: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    if (head)
        snprintf(head, 65, "%s", prev);
    if (n_links)
        *n_links = n;
    return problems;
}
