/*
 * test-incident-routes.c — reporting routes, reportability, the operator's
 * first-report deadline and the onward chain (Measures art. 4, 7), and the
 * 30-day summary deadline (art. 8), including offsets other than +08:00,
 * month ends, year ends and leap days.
 *
 * Expected due times are computed by hand in the comments (add the route's
 * minutes to the wall clock in the same offset, carrying into the next day,
 * month or year).
 */
#include "harness-incident.h"

#define RM_FACTS "{\"pi_leaked_people\":1000000}"     /* item 5, >= 1,000,000 -> III */
#define MA_FACTS "{\"pi_leaked_people\":10000000}"    /* item 5, >= 10,000,000 -> II */
#define EM_FACTS "{\"pi_leaked_people\":100000000}"   /* item 5, >= 100,000,000 -> I */
#define GE_FACTS "{\"pi_leaked_people\":999999}"      /* below every threshold -> IV */

static bool to_is(json_t *ob, const char *a, const char *b)
{
    json_t *to = json_object_get(ob, "to");
    size_t want = b ? 2 : 1;
    if (json_array_size(to) != want)
        return false;
    if (!json_is_string(json_array_get(to, 0)) || strcmp(json_string_value(json_array_get(to, 0)), a) != 0)
        return false;
    return !b || (json_is_string(json_array_get(to, 1)) && strcmp(json_string_value(json_array_get(to, 1)), b) == 0);
}

typedef struct route_case {
    const char *route;
    const char *first_to[2];
    int first_minutes;
    const char *due; /* 2026-03-02T09:15:00+08:00 + first_minutes */
    const char *onward_by;
    const char *onward_to[2];
    int onward_minutes;
} route_case;

static const route_case ROUTES[] = {
    /* cii: 60 min -> 10:15; onward protection dept -> CAC + MPS within 30 min */
    { "cii", { "protection_department", "public_security" }, 60, "2026-03-02T10:15:00+08:00",
      "protection_department", { "national_cac", "mps" }, 30 },
    /* central/state organ: 120 min -> 11:15; onward body -> national CAC within 60 */
    { "central_state_organ", { "department_cyberspace_body", NULL }, 120, "2026-03-02T11:15:00+08:00",
      "department_cyberspace_body", { "national_cac", NULL }, 60 },
    /* other: 240 min -> 13:15; onward provincial CAC -> national CAC within 60 */
    { "other", { "provincial_cac", NULL }, 240, "2026-03-02T13:15:00+08:00",
      "provincial_cac", { "national_cac", NULL }, 60 },
};

static void check_route(const route_case *rc, const char *facts, int want_obligations)
{
    h_result r;
    h_grade(&r, h_doc(rc->route, "2026-03-02T09:15:00+08:00", NULL, facts));
    CHECK(r.rc == 0 && r.doc, "%s: rc %d %s", rc->route, r.rc, r.err);
    if (!r.doc)
        return;
    json_t *obs = json_object_get(r.doc, "obligations");
    CHECK(json_is_array(obs) && json_array_size(obs) == (size_t)want_obligations, "%s %s: %zu obligations, want %d",
          rc->route, facts, json_array_size(obs), want_obligations);
    CHECK(json_is_boolean(json_object_get(r.doc, "reportable")) &&
              json_is_true(json_object_get(r.doc, "reportable")) == (want_obligations > 0),
          "%s: reportable", rc->route);
    CHECK(json_is_null(json_object_get(r.doc, "summary_report_due")), "summary null when not ended");
    if (want_obligations >= 1 && json_array_size(obs) >= 1) {
        json_t *o = json_array_get(obs, 0);
        CHECK(strcmp(h_str(o, "by"), "operator") == 0, "%s: operator first", rc->route);
        CHECK(to_is(o, rc->first_to[0], rc->first_to[1]), "%s: first to", rc->route);
        CHECK(json_integer_value(json_object_get(o, "within_minutes")) == rc->first_minutes, "%s: minutes", rc->route);
        CHECK(strcmp(h_str(o, "due"), rc->due) == 0, "%s: due %s want %s", rc->route, h_str(o, "due"), rc->due);
    }
    if (want_obligations >= 2 && json_array_size(obs) >= 2) {
        json_t *o = json_array_get(obs, 1);
        CHECK(strcmp(h_str(o, "by"), rc->onward_by) == 0, "%s: onward by %s", rc->route, h_str(o, "by"));
        CHECK(to_is(o, rc->onward_to[0], rc->onward_to[1]), "%s: onward to", rc->route);
        CHECK(json_integer_value(json_object_get(o, "within_minutes")) == rc->onward_minutes, "%s: onward minutes",
              rc->route);
        CHECK(strcmp(h_str(o, "after"), "receipt") == 0, "%s: after receipt", rc->route);
        CHECK(json_object_get(o, "due") == NULL, "%s: onward has no invented absolute due", rc->route);
    }
    h_free(&r);
}

static void every_route_every_level(void)
{
    for (size_t i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]); i++) {
        check_route(&ROUTES[i], GE_FACTS, 0); /* general: not reportable */
        check_route(&ROUTES[i], RM_FACTS, 1); /* relatively major: operator only */
        check_route(&ROUTES[i], MA_FACTS, 2); /* major: plus onward */
        check_route(&ROUTES[i], EM_FACTS, 2); /* especially major: plus onward */
    }
}

/* Due time of the operator's report for one route and discovery time. */
static void check_due(const char *route, const char *discovered, const char *want)
{
    h_result r;
    h_grade(&r, h_doc(route, discovered, NULL, RM_FACTS));
    json_t *o = r.doc ? json_array_get(json_object_get(r.doc, "obligations"), 0) : NULL;
    CHECK(o && strcmp(h_str(o, "due"), want) == 0, "%s %s: due %s, want %s (%s)", route, discovered,
          o ? h_str(o, "due") : "-", want, r.err);
    h_free(&r);
}

static void deadlines_across_offsets_and_calendar(void)
{
    /* 2026 is not a leap year: Feb 28 23:30 + 240 min = Mar 1 03:30, offset kept */
    check_due("other", "2026-02-28T23:30:00-05:00", "2026-03-01T03:30:00-05:00");
    /* 2028 is a leap year: Feb 28 22:00 + 120 min = Feb 29 00:00 */
    check_due("central_state_organ", "2028-02-28T22:00:00+05:30", "2028-02-29T00:00:00+05:30");
    /* Feb 29 23:30 + 60 min = Mar 1 00:30 */
    check_due("cii", "2028-02-29T23:30:00+05:30", "2028-03-01T00:30:00+05:30");
    /* 2100 is not a leap year (divisible by 100, not 400): Feb 28 23:00 + 60 = Mar 1 00:00 */
    check_due("cii", "2100-02-28T23:00:00+08:00", "2100-03-01T00:00:00+08:00");
    /* 2000 is a leap year (divisible by 400) */
    check_due("cii", "2000-02-28T23:00:00+08:00", "2000-02-29T00:00:00+08:00");
    /* year end in UTC written as Z: 22:30 + 240 min = 02:30 next year, still Z */
    check_due("other", "2025-12-31T22:30:00Z", "2026-01-01T02:30:00Z");
    /* +00:00 is kept as written */
    check_due("other", "2025-12-31T22:30:00+00:00", "2026-01-01T02:30:00+00:00");
    /* 30-day month end: Apr 30 23:59 + 60 = May 1 00:59 at +09:00 */
    check_due("cii", "2026-04-30T23:59:00+09:00", "2026-05-01T00:59:00+09:00");
    /* half-hour negative offset: Jun 30 21:00 + 240 = Jul 1 01:00 */
    check_due("other", "2026-06-30T21:00:00-09:30", "2026-07-01T01:00:00-09:30");
    /* +14:00 (Kiribati) and -12:00 extremes */
    check_due("central_state_organ", "2026-12-31T23:00:00+14:00", "2027-01-01T01:00:00+14:00");
    check_due("central_state_organ", "2026-01-31T22:30:00-12:00", "2026-02-01T00:30:00-12:00");
    /* fractional seconds are kept */
    check_due("cii", "2026-03-02T09:15:00.250+08:00", "2026-03-02T10:15:00.250+08:00");
    /* discovery in Beijing shortly after midnight, written in UTC: 16:30Z + 60 = 17:30Z */
    check_due("cii", "2026-03-01T16:30:00Z", "2026-03-01T17:30:00Z");
}

static void check_summary(const char *discovered, const char *ended, const char *want)
{
    h_result r;
    h_grade(&r, h_doc("other", discovered, ended, RM_FACTS));
    CHECK(r.doc && strcmp(h_str(r.doc, "summary_report_due"), want) == 0, "ended %s: summary %s, want %s (%s)", ended,
          r.doc ? h_str(r.doc, "summary_report_due") : "-", want, r.err);
    h_free(&r);
}

static void summary_report(void)
{
    /* Jan 31 + 30 days in 2026 (Feb has 28): Feb 1 is +1, Feb 28 +28, Mar 1 +29, Mar 2 +30 */
    check_summary("2026-01-20T08:00:00+08:00", "2026-01-31T18:00:00+08:00", "2026-03-02T18:00:00+08:00");
    /* 2028 (Feb has 29): Feb 29 is +29, Mar 1 +30 */
    check_summary("2028-01-20T08:00:00+08:00", "2028-01-31T18:00:00+08:00", "2028-03-01T18:00:00+08:00");
    /* Dec 15 + 30: Dec 31 is +16, Jan 14 is +30; offset of handling_ended_at kept */
    check_summary("2025-12-01T08:00:00+08:00", "2025-12-15T08:00:00-03:00", "2026-01-14T08:00:00-03:00");
    /* handling ended on Feb 29 2028: + 30 = Mar 30 */
    check_summary("2028-02-01T08:00:00+08:00", "2028-02-29T23:59:59+08:00", "2028-03-30T23:59:59+08:00");
    /* ended at the very instant of discovery is allowed */
    check_summary("2026-05-01T00:00:00+08:00", "2026-05-01T00:00:00+08:00", "2026-05-31T00:00:00+08:00");
}

/* A CII outage means the incident involves CII: the cii route takes
 * precedence over what the operator declared. */
static void cii_precedence(void)
{
    h_result r;
    h_grade(&r, h_doc("central_state_organ", "2026-03-02T09:15:00+08:00", NULL,
                      "{\"cii_outage\":{\"main_function_minutes\":45}}")); /* >= 30 -> III */
    json_t *o = r.doc ? json_array_get(json_object_get(r.doc, "obligations"), 0) : NULL;
    CHECK(o && to_is(o, "protection_department", "public_security"), "cii precedence: to");
    CHECK(o && strcmp(h_str(o, "due"), "2026-03-02T10:15:00+08:00") == 0, "cii precedence: due 60 min");
    CHECK(r.doc && strcmp(h_str(r.doc, "route"), "cii") == 0, "cii precedence: route");
    h_free(&r);
    /* a zero CII outage does not involve CII */
    h_grade(&r, h_doc("other", "2026-03-02T09:15:00+08:00", NULL,
                      "{\"cii_outage\":{\"whole_minutes\":0},\"pi_leaked_people\":1000000}"));
    o = r.doc ? json_array_get(json_object_get(r.doc, "obligations"), 0) : NULL;
    CHECK(o && to_is(o, "provincial_cac", NULL), "zero cii outage keeps the declared route");
    h_free(&r);
}

/* Same input, byte-identical output. */
static void deterministic(void)
{
    h_result a, b;
    const char *doc = h_doc("cii", "2026-03-02T09:15:00+08:00", "2026-03-05T12:00:00+08:00", EM_FACTS);
    h_grade(&a, doc);
    h_grade(&b, doc);
    CHECK(a.rc == 0 && strcmp(a.out, b.out) == 0, "output not deterministic");
    h_free(&a);
    h_free(&b);
}

int main(int argc, char **argv)
{
    h_as_guanlan(argc, argv);
    every_route_every_level();
    deadlines_across_offsets_and_calendar();
    summary_report();
    cii_precedence();
    deterministic();
    return h_done("test-incident-routes");
}
