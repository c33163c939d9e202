/*
 * incident-cli.c — `guanlan incident <sub-command>`: `grade` here; the
 * sub-commands on stored incidents (new, list, show, set-fact, status,
 * correlate, report, verify) are in incident-cmd.c.
 *
 *   guanlan incident grade [--calendar DIR] FACTS.json|-
 *
 * Exit status: 0 graded, 2 bad input or usage (one line on stderr naming
 * the field), 1 internal error (out of memory, cannot write output).
 */
#include "incident/incident.h"
#include "incident/incident-cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GL_INC_EXIT_OK 0
#define GL_INC_EXIT_INTERNAL 1
#define GL_INC_EXIT_BAD_INPUT 2
#define GL_INC_READ_CAP (1u << 20)
#define BEIJING_OFFSET_SEC (8 * 3600)

static const char *const GRADE_PREFIX = "guanlan incident grade";

static void usage(FILE *err)
{
    fprintf(err, "usage: guanlan incident grade [--calendar DIR] FACTS.json|-\n");
}

/* Beijing calendar year of an instant: the year whose holiday file counts. */
static int beijing_year(int64_t utc)
{
    int64_t local = utc + BEIJING_OFFSET_SEC;
    int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t y;
    unsigned m, d;
    gl_inc_civil_from_days(day, &y, &m, &d);
    return (int)y;
}

/* The NFRA overlay counts working days: load the discovery year's calendar
 * and, when it exists, the next one (5 working days can cross New Year). */
static bool load_calendar(const gl_inc_facts *f, const char *dir, gl_calendar *cal, char *err, size_t errlen)
{
    int y = beijing_year(f->discovered_at.utc);
    char path[4096];
    if (!dir)
        dir = getenv("GUANLAN_CALENDAR_DIR");
    if (!dir || !*dir)
        dir = "data/calendar";
    snprintf(path, sizeof(path), "%s/cn-%04d.json", dir, y);
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "overlays.nfra: no holiday calendar for %d (%.300s)", y, path);
        return false;
    }
    if (!gl_cal_load_year_file(cal, path, err, errlen))
        return false;
    snprintf(path, sizeof(path), "%s/cn-%04d.json", dir, y + 1);
    if (y < 9999 && access(path, R_OK) == 0 && !gl_cal_load_year_file(cal, path, err, errlen))
        return false;
    return true;
}

int gl_inc_grade_json(const char *json, size_t len, const char *calendar_dir, FILE *out, FILE *err)
{
    static gl_inc_facts f;   /* ~20 KB each: kept off the stack */
    static gl_inc_grade g;
    static gl_calendar cal;
    gl_inc_routing r;
    gl_inc_overlays o;
    char msg[512];

    if (!gl_inc_facts_parse(json, len, &f, msg, sizeof(msg))) {
        fprintf(err, "%s: %s\n", GRADE_PREFIX, msg);
        return GL_INC_EXIT_BAD_INPUT;
    }
    gl_inc_grade_facts(&f, &g);
    gl_inc_route_incident(&f, g.level, &r);
    memset(&cal, 0, sizeof(cal));
    if (f.nfra.present && !load_calendar(&f, calendar_dir, &cal, msg, sizeof(msg))) {
        fprintf(err, "%s: %s\n", GRADE_PREFIX, msg);
        return GL_INC_EXIT_BAD_INPUT;
    }
    if (!gl_inc_apply_overlays(&f, g.level, &cal, &o, msg, sizeof(msg))) {
        fprintf(err, "%s: %s\n", GRADE_PREFIX, msg);
        return GL_INC_EXIT_BAD_INPUT;
    }
    char *doc = gl_inc_render_grade(&f, &g, &r, &o);
    if (!doc) {
        fprintf(err, "%s: out of memory\n", GRADE_PREFIX);
        return GL_INC_EXIT_INTERNAL;
    }
    int rc = fputs(doc, out) < 0 || fflush(out) != 0 ? GL_INC_EXIT_INTERNAL : GL_INC_EXIT_OK;
    free(doc);
    return rc;
}

/* Read at most GL_INC_READ_CAP bytes; *too_big when the input is longer. */
static char *read_input(const char *path, size_t *len, bool *too_big)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = malloc(GL_INC_READ_CAP + 1);
    size_t n = 0;
    if (buf) {
        n = fread(buf, 1, GL_INC_READ_CAP + 1, fp);
        if (ferror(fp)) {
            free(buf);
            buf = NULL;
        }
    }
    if (fp != stdin)
        fclose(fp);
    *too_big = n > GL_INC_READ_CAP;
    *len = n;
    return buf;
}

static int cmd_grade(int argc, char **argv)
{
    const char *calendar_dir = NULL, *path = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--calendar") == 0 && i + 1 < argc) {
            calendar_dir = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return GL_INC_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "%s: unknown option %s\n", GRADE_PREFIX, argv[i]);
            return GL_INC_EXIT_BAD_INPUT;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "%s: more than one FACTS file given\n", GRADE_PREFIX);
            return GL_INC_EXIT_BAD_INPUT;
        }
    }
    if (!path) {
        usage(stderr);
        return GL_INC_EXIT_BAD_INPUT;
    }
    size_t len;
    bool too_big;
    char *json = read_input(path, &len, &too_big);
    if (!json) {
        fprintf(stderr, "%s: input: cannot read %s\n", GRADE_PREFIX, path);
        return GL_INC_EXIT_BAD_INPUT;
    }
    if (too_big) {
        fprintf(stderr, "%s: input: larger than %u bytes\n", GRADE_PREFIX, GL_INC_READ_CAP);
        free(json);
        return GL_INC_EXIT_BAD_INPUT;
    }
    int rc = gl_inc_grade_json(json, len, calendar_dir, stdout, stderr);
    free(json);
    return rc;
}

int gl_cmd_incident(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        gl_inc_cmd_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? GL_INC_EXIT_BAD_INPUT : GL_INC_EXIT_OK;
    }
    if (strcmp(argv[1], "grade") == 0)
        return cmd_grade(argc, argv);
    int rc = gl_inc_cmd_db(argc, argv);
    if (rc >= 0)
        return rc;
    fprintf(stderr, "guanlan incident: unknown sub-command \"%s\" (known: grade, new, list, show, set-fact, "
                    "status, correlate, report, verify)\n", argv[1]);
    return GL_INC_EXIT_BAD_INPUT;
}
