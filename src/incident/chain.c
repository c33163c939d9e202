/*
 * chain.c — the SM3 hash chain over every incident change and report
 * version (GB/T 32905 SM3 via OpenSSL 3's EVP_sm3).
 *
 * Each change to an incident row, each facts-history entry, log entry,
 * linked alert and report version appends one link to incident_chain:
 *
 *   row_sm3 = SM3(canonical bytes of the row as it is now)
 *   sm3     = SM3(prev_sm3 "|" seq "|" at "|" incident_id "|" table "|"
 *                 record_id "|" action "|" row_sm3)
 *
 * Why rows are hashed rather than copied into the chain: the tables stay the
 * single place where data lives; the chain only vouches for them. Verifying
 * walks the links (a changed or removed link breaks every later hash), then
 * checks that every chained row still hashes to its latest link and that no
 * row exists that was never chained. Evidence (the alert events an incident
 * links) is checked against the SM3 taken when it was linked.
 */
#include "incident/incident-db.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Tables whose rows the chain vouches for; only these names ever reach SQL
 * text (never user input). */
static const char *const CHAINED_TABLES[] = { "incidents", "incident_facts_history", "incident_log",
                                              "incident_alerts", "incident_reports", NULL };

static bool chained_table(const char *t)
{
    for (size_t i = 0; CHAINED_TABLES[i]; i++)
        if (strcmp(t, CHAINED_TABLES[i]) == 0)
            return true;
    return false;
}

bool gl_sm3_hex(const void *data, size_t len, char out[GL_SM3_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const EVP_MD *sm3 = EVP_sm3();
    if (!sm3 || !EVP_Digest(data, len, md, &mdlen, sm3, NULL) || mdlen != 32) {
        out[0] = '\0';
        return false;
    }
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return true;
}

/* Growable byte buffer for the canonical form of a row. */
typedef struct canon {
    char *buf;
    size_t len, cap;
    bool oom;
} canon;

static void canon_add(canon *c, const void *p, size_t n)
{
    if (c->oom)
        return;
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < c->len + n + 1)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (!b) {
            c->oom = true;
            return;
        }
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
}

/* Length-prefixed so no value can imitate a separator. */
static void canon_field(canon *c, char type, const void *p, size_t n)
{
    char hdr[32];
    int k = snprintf(hdr, sizeof(hdr), "%c%zu:", type, n);
    canon_add(c, hdr, (size_t)k);
    canon_add(c, p, n);
    canon_add(c, ";", 1);
}

bool gl_chain_row_hash(sqlite3 *db, const char *table, int64_t rec_id, char out[GL_SM3_HEX],
                       bool *missing, char *err, size_t errlen)
{
    char sql[128];
    sqlite3_stmt *st = NULL;
    *missing = false;
    if (!chained_table(table)) {
        snprintf(err, errlen, "%s: not a chained table", table);
        return false;
    }
    snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE id=?", table);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return false;
    }
    sqlite3_bind_int64(st, 1, rec_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc == SQLITE_DONE) {
            *missing = true;
            return true;
        }
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return false;
    }
    canon c = { 0 };
    canon_field(&c, 'T', table, strlen(table));
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *name = sqlite3_column_name(st, i);
        canon_field(&c, 'N', name, strlen(name));
        char num[64];
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            snprintf(num, sizeof(num), "%" PRId64, (int64_t)sqlite3_column_int64(st, i));
            canon_field(&c, 'i', num, strlen(num));
            break;
        case SQLITE_FLOAT:
            snprintf(num, sizeof(num), "%.17g", sqlite3_column_double(st, i));
            canon_field(&c, 'r', num, strlen(num));
            break;
        case SQLITE_NULL:
            canon_field(&c, 'n', "", 0);
            break;
        case SQLITE_BLOB:
            canon_field(&c, 'b', sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
            break;
        default:
            canon_field(&c, 't', sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
            break;
        }
    }
    sqlite3_finalize(st);
    bool ok = !c.oom && gl_sm3_hex(c.buf, c.len, out);
    free(c.buf);
    if (!ok)
        snprintf(err, errlen, "SM3 of %s id %" PRId64 " failed", table, rec_id);
    return ok;
}

static void link_hash(const char *prev, int64_t seq, const char *at, int64_t incident_id,
                      const char *table, int64_t rec_id, const char *action, const char *row_sm3,
                      char out[GL_SM3_HEX])
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "%s|%" PRId64 "|%s|%" PRId64 "|%s|%" PRId64 "|%s|%s", prev, seq,
                     at, incident_id, table, rec_id, action, row_sm3);
    if (n < 0 || (size_t)n >= sizeof(buf) || !gl_sm3_hex(buf, (size_t)n, out))
        out[0] = '\0';
}

bool gl_chain_append(sqlite3 *db, int64_t incident_id, const char *table, int64_t rec_id,
                     const char *action, char *err, size_t errlen)
{
    char row[GL_SM3_HEX], prev[GL_SM3_HEX] = GENESIS, h[GL_SM3_HEX], at[GL_INC_TIME_STRLEN];
    bool missing;
    int64_t seq = 1;
    if (!gl_chain_row_hash(db, table, rec_id, row, &missing, err, errlen))
        return false;
    if (missing) {
        snprintf(err, errlen, "%s id %" PRId64 ": no such row to chain", table, rec_id);
        return false;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT seq, sm3 FROM incident_chain ORDER BY seq DESC LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return false;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        snprintf(prev, sizeof(prev), "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    gl_inc_time now = gl_incdb_now();
    gl_incdb_time_str(&now, at, sizeof(at));
    link_hash(prev, seq, at, incident_id, table, rec_id, action, row, h);
    if (!h[0]) {
        snprintf(err, errlen, "SM3 unavailable");
        return false;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO incident_chain(seq, at, incident_id, record_table, record_id,"
                           " action, row_sm3, prev_sm3, sm3) VALUES (?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return false;
    }
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, incident_id);
    sqlite3_bind_text(st, 4, table, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, rec_id);
    sqlite3_bind_text(st, 6, action, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, row, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, prev, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, h, -1, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (!ok)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ok;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* Pass 1: the links themselves — numbering, back-pointers, hashes. */
static int verify_links(sqlite3 *db, FILE *out, char head[GL_SM3_HEX], int64_t *n_links)
{
    sqlite3_stmt *st = NULL;
    int problems = 0;
    char prev[GL_SM3_HEX] = GENESIS, h[GL_SM3_HEX];
    int64_t want_seq = 1;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, at, incident_id, record_table, record_id, action, row_sm3,"
                           " prev_sm3, sm3 FROM incident_chain ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        if (seq != want_seq) {
            fprintf(out, "incident_chain seq %" PRId64 ": expected seq %" PRId64 " (links removed)\n", seq,
                    want_seq);
            problems++;
        }
        if (strcmp(col_text(st, 7), prev) != 0) {
            fprintf(out, "incident_chain seq %" PRId64 ": prev_sm3 does not match the link before it\n", seq);
            problems++;
        }
        link_hash(col_text(st, 7), seq, col_text(st, 1), sqlite3_column_int64(st, 2), col_text(st, 3),
                  sqlite3_column_int64(st, 4), col_text(st, 5), col_text(st, 6), h);
        if (strcmp(h, col_text(st, 8)) != 0) {
            fprintf(out, "incident_chain seq %" PRId64 ": SM3 does not match the link's contents (%s id %" PRId64
                    ")\n", seq, col_text(st, 3), (int64_t)sqlite3_column_int64(st, 4));
            problems++;
        }
        snprintf(prev, sizeof(prev), "%s", col_text(st, 8));
        want_seq = seq + 1;
    }
    sqlite3_finalize(st);
    snprintf(head, GL_SM3_HEX, "%s", prev);
    *n_links = want_seq - 1;
    return problems;
}

/* Pass 2: every chained row still hashes to its latest link. */
static int verify_rows(sqlite3 *db, FILE *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int problems = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT c.record_table, c.record_id, c.row_sm3, c.incident_id FROM incident_chain c"
                           " JOIN (SELECT record_table t, record_id r, max(seq) m FROM incident_chain"
                           " GROUP BY record_table, record_id) l ON c.seq = l.m ORDER BY c.seq",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *table = col_text(st, 0);
        int64_t rec = sqlite3_column_int64(st, 1);
        char h[GL_SM3_HEX];
        bool missing;
        if (!chained_table(table)) {
            fprintf(out, "incident_chain: link names unknown table \"%.64s\"\n", table);
            problems++;
            continue;
        }
        if (!gl_chain_row_hash(db, table, rec, h, &missing, err, errlen)) {
            sqlite3_finalize(st);
            return -1;
        }
        if (missing) {
            fprintf(out, "%s id %" PRId64 " (incident %" PRId64 "): row deleted\n", table, rec,
                    (int64_t)sqlite3_column_int64(st, 3));
            problems++;
        } else if (strcmp(h, col_text(st, 2)) != 0) {
            fprintf(out, "%s id %" PRId64 " (incident %" PRId64 "): row modified (SM3 %s, chained %s)\n", table,
                    rec, (int64_t)sqlite3_column_int64(st, 3), h, col_text(st, 2));
            problems++;
        }
    }
    sqlite3_finalize(st);
    return problems;
}

/* Pass 3: no row was slipped in without a link. */
static int verify_unchained(sqlite3 *db, FILE *out)
{
    int problems = 0;
    for (size_t i = 0; CHAINED_TABLES[i]; i++) {
        char sql[256];
        sqlite3_stmt *st = NULL;
        snprintf(sql, sizeof(sql),
                 "SELECT id FROM %s WHERE id NOT IN (SELECT record_id FROM incident_chain WHERE record_table='%s')",
                 CHAINED_TABLES[i], CHAINED_TABLES[i]);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            return -1;
        while (sqlite3_step(st) == SQLITE_ROW) {
            fprintf(out, "%s id %" PRId64 ": row not in the chain (inserted outside guanlan)\n", CHAINED_TABLES[i],
                    (int64_t)sqlite3_column_int64(st, 0));
            problems++;
        }
        sqlite3_finalize(st);
    }
    return problems;
}

/* Pass 4: the alert events an incident links are still what was linked. */
static int verify_evidence(sqlite3 *db, FILE *out)
{
    sqlite3_stmt *st = NULL;
    int problems = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT a.id, a.incident_id, a.event_id, a.event_sm3, e.json FROM incident_alerts a"
                           " LEFT JOIN events e ON e.id = a.event_id ORDER BY a.id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t eid = sqlite3_column_int64(st, 2);
        if (sqlite3_column_type(st, 4) == SQLITE_NULL) {
            fprintf(out, "events id %" PRId64 " (evidence of incident %" PRId64 "): event deleted\n", eid,
                    (int64_t)sqlite3_column_int64(st, 1));
            problems++;
            continue;
        }
        char h[GL_SM3_HEX];
        gl_sm3_hex(sqlite3_column_text(st, 4), (size_t)sqlite3_column_bytes(st, 4), h);
        if (strcmp(h, col_text(st, 3)) != 0) {
            fprintf(out, "events id %" PRId64 " (evidence of incident %" PRId64 "): event modified\n", eid,
                    (int64_t)sqlite3_column_int64(st, 1));
            problems++;
        }
    }
    sqlite3_finalize(st);
    return problems;
}

int gl_chain_verify(sqlite3 *db, FILE *out, char head[GL_SM3_HEX], int64_t *n_links, char *err,
                    size_t errlen)
{
    err[0] = '\0';
    int a = verify_links(db, out, head, n_links);
    int b = a < 0 ? -1 : verify_rows(db, out, err, errlen);
    int c = b < 0 ? -1 : verify_unchained(db, out);
    int d = c < 0 ? -1 : verify_evidence(db, out);
    if (a < 0 || b < 0 || c < 0 || d < 0) {
        if (!err[0])
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    return a + b + c + d;
}
