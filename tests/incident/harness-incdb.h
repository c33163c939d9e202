/*
 * harness-incdb.h — helpers for the tests of stored incidents: a fresh
 * guanlan.db in a temporary directory, running `guanlan incident ...`
 * in-process with captured stdout/stderr, and small SQL probes.
 */
#ifndef HARNESS_INCDB_H
#define HARNESS_INCDB_H

#include "harness-incident.h"
#include "incident/incident-db.h"

#include <sqlite3.h>
#include <unistd.h>

static char h_dir[256], h_db[300];

static __attribute__((unused)) void h_tmpdb(void)
{
    snprintf(h_dir, sizeof(h_dir), "/tmp/gl-incdb-XXXXXX");
    if (!mkdtemp(h_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(h_db, sizeof(h_db), "%s/guanlan.db", h_dir);
    setenv("GUANLAN_CALENDAR_DIR", "data/calendar", 1);
    setenv("GUANLAN_USER", "tester", 1);
}

static __attribute__((unused)) void h_cleanup(void)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", h_dir);
}

/* Run `guanlan incident ARGS...` (NULL-terminated) in-process. */
static __attribute__((unused)) int h_run(h_result *r, ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, r);
    argv[argc++] = (char *)"incident";
    for (char *a; argc < 63 && (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    FILE *out = tmpfile(), *err = tmpfile();
    int so = dup(1), se = dup(2);
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    r->rc = gl_cmd_incident(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    h_slurp(out, r->out, sizeof(r->out));
    h_slurp(err, r->err, sizeof(r->err));
    r->doc = r->rc == 0 ? json_loads(r->out, JSON_DECODE_ANY, NULL) : NULL;
    return r->rc;
}

/* Execute SQL on the test db with a separate connection (as an attacker
 * with the sqlite3 shell would). Returns the sqlite3_exec status. */
static __attribute__((unused)) int h_sql(const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    sqlite3_open(h_db, &db);
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (msg)
        sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

/* First column of the first row as text ("" when none). */
static __attribute__((unused)) const char *h_sql1(const char *sql)
{
    static char buf[4096];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    sqlite3_open(h_db, &db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

#endif
