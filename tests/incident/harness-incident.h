/*
 * harness-incident.h — shared helpers for the incident tests: grade a JSON
 * text in-process, capture stdout/stderr, and query the result with jansson.
 *
 * Every test program also runs as a stand-in for the `guanlan` binary when
 * called as `PROG --as-guanlan incident grade FILE`, so the shell tests and
 * the benchmark work before main.c dispatches `incident`.
 */
#ifndef HARNESS_INCIDENT_H
#define HARNESS_INCIDENT_H

#include "incident/incident.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int h_failures, h_checks;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        h_checks++;                                                                          \
        if (!(cond)) {                                                                       \
            h_failures++;                                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                             \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
        }                                                                                    \
    } while (0)

typedef struct h_result {
    int rc;
    char out[65536];
    char err[4096];
    json_t *doc; /* parsed stdout when rc == 0 */
} h_result;

static __attribute__((unused)) void h_slurp(FILE *fp, char *buf, size_t n)
{
    rewind(fp);
    size_t k = fread(buf, 1, n - 1, fp);
    buf[k] = '\0';
    fclose(fp);
}

/* Grade json in-process. */
static __attribute__((unused)) void h_grade(h_result *r, const char *json)
{
    FILE *out = tmpfile(), *err = tmpfile();
    if (!out || !err) {
        perror("tmpfile");
        exit(1);
    }
    r->rc = gl_inc_grade_json(json, strlen(json), "data/calendar", out, err);
    h_slurp(out, r->out, sizeof(r->out));
    h_slurp(err, r->err, sizeof(r->err));
    r->doc = NULL;
    if (r->rc == 0) {
        json_error_t je;
        r->doc = json_loads(r->out, 0, &je);
        if (!r->doc)
            fprintf(stderr, "output is not JSON: %s\n%s\n", je.text, r->out);
    }
}

static __attribute__((unused)) void h_free(h_result *r)
{
    json_decref(r->doc);
    r->doc = NULL;
}

/* Build a full FACTS document around a facts object body and discovery time. */
static __attribute__((unused)) const char *h_doc(const char *route, const char *discovered, const char *ended, const char *facts)
{
    static char buf[16384];
    snprintf(buf, sizeof(buf),
             "{\"operator\":{\"name\":\"测试运营者\",\"route\":\"%s\"},\"discovered_at\":\"%s\","
             "\"handling_ended_at\":%s%s%s,\"facts\":%s}",
             route, discovered, ended ? "\"" : "", ended ? ended : "null", ended ? "\"" : "", facts);
    return buf;
}

static __attribute__((unused)) const char *h_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

/* Level graded for a facts body (route other, fixed time); "ERROR" on failure. */
static __attribute__((unused)) const char *h_level_of(const char *facts)
{
    static char lvl[4200];
    h_result r;
    h_grade(&r, h_doc("other", "2026-03-02T09:15:00+08:00", NULL, facts));
    if (r.rc != 0 || !r.doc) {
        snprintf(lvl, sizeof(lvl), "ERROR rc=%d %s", r.rc, r.err);
        return lvl;
    }
    snprintf(lvl, sizeof(lvl), "%s", h_str(r.doc, "level"));
    h_free(&r);
    return lvl;
}

#define EXPECT_LEVEL(facts, want)                                                            \
    do {                                                                                     \
        const char *got_ = h_level_of(facts);                                                \
        CHECK(strcmp(got_, want) == 0, "%s: want %s, got %s", facts, want, got_);            \
    } while (0)

static __attribute__((unused)) int h_as_guanlan(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--as-guanlan") == 0) {
        exit(gl_cmd_incident(argc - 2, argv + 2));
    }
    return 0;
}

static __attribute__((unused)) int h_done(const char *name)
{
    printf("%s: %d checks, %d failures\n", name, h_checks, h_failures);
    return h_failures ? 1 : 0;
}

#endif
