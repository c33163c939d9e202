/*
 * fuzz-incident-facts.c — libFuzzer target for the FACTS reader and the
 * whole grade pipeline behind it (grade, routes, overlays, rendering).
 *
 * Whatever the bytes, the parser must either refuse with a one-line error
 * or produce facts that grade into a JSON document jansson can read back.
 * A built-in calendar (2026 only, so the "calendar runs out" path is
 * exercised too) keeps the target independent of the working directory.
 */
#include "incident/incident.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char CAL_2026[] =
    "{\"year\":2026,\"source\":\"fuzz\",\"holidays\":["
    "{\"from\":\"2026-01-01\",\"to\":\"2026-01-03\",\"days\":3},"
    "{\"from\":\"2026-02-15\",\"to\":\"2026-02-23\",\"days\":9}],"
    "\"workdays\":[{\"date\":\"2026-01-04\"},{\"date\":\"2026-02-14\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gl_inc_facts f;
    static gl_inc_grade g;
    static gl_calendar cal;
    static bool cal_loaded;
    gl_inc_routing r;
    gl_inc_overlays o;
    char err[512];

    if (!cal_loaded) {
        if (!gl_cal_load_year_json(&cal, CAL_2026, sizeof(CAL_2026) - 1, err, sizeof(err)))
            abort();
        cal_loaded = true;
    }
    /* the calendar loader sees the same bytes as a calendar file */
    static gl_calendar scratch;
    memset(&scratch, 0, sizeof(scratch));
    (void)gl_cal_load_year_json(&scratch, (const char *)data, size, err, sizeof(err));

    if (!gl_inc_facts_parse((const char *)data, size, &f, err, sizeof(err))) {
        if (strchr(err, '\n') || err[0] == '\0')
            abort(); /* errors must be one non-empty line */
        return 0;
    }
    gl_inc_grade_facts(&f, &g);
    if (g.level > GL_INC_ESPECIALLY_MAJOR)
        abort();
    gl_inc_route_incident(&f, g.level, &r);
    if (!gl_inc_apply_overlays(&f, g.level, &cal, &o, err, sizeof(err)))
        return 0;
    char *doc = gl_inc_render_grade(&f, &g, &r, &o);
    if (doc) {
        json_error_t je;
        json_t *back = json_loads(doc, 0, &je);
        if (!back)
            abort(); /* we must always write valid JSON */
        json_decref(back);
        free(doc);
    }
    return 0;
}
