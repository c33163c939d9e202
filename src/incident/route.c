/*
 * route.c — who reports to whom, and by when (Measures art. 4, 7, 8).
 *
 * Only relatively_major and above are reportable. The operator's first
 * report is due a fixed number of minutes after discovery, printed in the
 * offset discovered_at was written in; for major and above the receiving
 * body passes it on within a fixed time "after receipt" (we cannot know
 * when that body received it, so no absolute time is invented). A CII
 * incident always takes the CII route, whatever else the operator is.
 * The summary report is due 30 days after handling ended (art. 8).
 */
#include "incident/incident.h"

#include <string.h>

typedef struct route_rule {
    const char *to[GL_INC_MAX_TO];
    size_t n_to;
    int within_minutes;
    const char *onward_by;
    const char *onward_to[GL_INC_MAX_TO];
    size_t n_onward_to;
    int onward_within_minutes;
} route_rule;

/* Indexed by gl_inc_route; the Measures' table of routes. */
static const route_rule RULES[] = {
    [GL_ROUTE_CII] = { { "protection_department", "public_security" }, 2, 60,
                       "protection_department", { "national_cac", "mps" }, 2, 30 },
    [GL_ROUTE_CENTRAL_STATE_ORGAN] = { { "department_cyberspace_body" }, 1, 120,
                                       "department_cyberspace_body", { "national_cac" }, 1, 60 },
    [GL_ROUTE_OTHER] = { { "provincial_cac" }, 1, 240, "provincial_cac", { "national_cac" }, 1, 60 },
};

#define SUMMARY_DAYS 30

static bool cii_involved(const gl_inc_facts *f)
{
    return f->has_cii_outage && (f->cii_whole_minutes > 0 || f->cii_main_function_minutes > 0);
}

void gl_inc_route_incident(const gl_inc_facts *f, gl_inc_level level, gl_inc_routing *r)
{
    memset(r, 0, sizeof(*r));
    r->route = f->route;
    r->route_reason = "operator.route";
    if (f->route != GL_ROUTE_CII && cii_involved(f)) {
        r->route = GL_ROUTE_CII;
        r->route_reason = "facts.cii_outage (an incident involving CII takes the cii route)";
    }
    r->reportable = level >= GL_INC_RELATIVELY_MAJOR;
    if (r->reportable) {
        const route_rule *rule = &RULES[r->route];
        gl_inc_obligation *o = &r->obligations[r->n_obligations++];
        o->by = "operator";
        memcpy(o->to, rule->to, sizeof(o->to));
        o->n_to = rule->n_to;
        o->within_minutes = rule->within_minutes;
        o->has_due = true;
        o->due = gl_inc_time_add(&f->discovered_at, (int64_t)rule->within_minutes * 60);
        if (level >= GL_INC_MAJOR) {
            o = &r->obligations[r->n_obligations++];
            o->by = rule->onward_by;
            memcpy(o->to, rule->onward_to, sizeof(o->to));
            o->n_to = rule->n_onward_to;
            o->within_minutes = rule->onward_within_minutes;
            o->after = "receipt";
        }
    }
    if (f->has_handling_ended) {
        r->has_summary_due = true;
        r->summary_due = gl_inc_time_add(&f->handling_ended_at, (int64_t)SUMMARY_DAYS * 86400);
    }
}
