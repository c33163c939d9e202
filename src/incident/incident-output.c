/*
 * incident-output.c — renders a graded incident as the JSON document of the
 * `guanlan incident grade` contract (see docs/incident-grading.md).
 *
 * Member order is fixed and numbers are integers, so the same facts always
 * give byte-identical output (tests and the hash chain rely on that).
 */
#include "incident/incident.h"

#include "common/gl-json.h"

#include <stdlib.h>
#include <string.h>

static void put_time(gl_json *j, const char *key, const gl_inc_time *t)
{
    char buf[GL_INC_TIME_STRLEN];
    if (gl_inc_time_format(t, buf, sizeof(buf)))
        gl_json_str(j, key, buf);
    else
        gl_json_null(j, key); /* past year 9999: cannot be written in RFC 3339 */
}

static void put_criteria(gl_json *j, const gl_inc_grade *g)
{
    gl_json_open_array(j, "criteria");
    for (size_t i = 0; i < g->n_criteria; i++) {
        const gl_inc_criterion *c = &g->criteria[i];
        gl_json_open_object(j, NULL);
        gl_json_int(j, "item", c->item);
        gl_json_str(j, "level", gl_inc_level_id(c->level));
        gl_json_str(j, "why", c->why);
        gl_json_str(j, "fact", c->fact);
        gl_json_close_object(j);
    }
    gl_json_close_array(j);
}

static void put_obligations(gl_json *j, const gl_inc_routing *r)
{
    gl_json_open_array(j, "obligations");
    for (size_t i = 0; i < r->n_obligations; i++) {
        const gl_inc_obligation *o = &r->obligations[i];
        gl_json_open_object(j, NULL);
        gl_json_str(j, "by", o->by);
        gl_json_open_array(j, "to");
        for (size_t k = 0; k < o->n_to; k++)
            gl_json_str(j, NULL, o->to[k]);
        gl_json_close_array(j);
        gl_json_int(j, "within_minutes", o->within_minutes);
        if (o->has_due)
            put_time(j, "due", &o->due);
        if (o->after)
            gl_json_str(j, "after", o->after);
        gl_json_close_object(j);
    }
    gl_json_close_array(j);
}

static void put_overlays(gl_json *j, const gl_inc_overlays *o)
{
    gl_json_open_array(j, "overlay_obligations");
    for (size_t i = 0; o && i < o->n; i++) {
        const gl_inc_overlay_duty *d = &o->duty[i];
        gl_json_open_object(j, NULL);
        gl_json_str(j, "regime", d->regime);
        gl_json_bool(j, "applies", d->applies);
        gl_json_open_array(j, "triggers");
        for (size_t k = 0; k < d->n_triggers; k++)
            gl_json_str(j, NULL, d->triggers[k]);
        gl_json_close_array(j);
        gl_json_str(j, "by", d->by);
        gl_json_open_array(j, "to");
        gl_json_str(j, NULL, d->to);
        gl_json_close_array(j);
        gl_json_str(j, "within", d->within);
        if (d->within_working_days)
            gl_json_int(j, "within_working_days", d->within_working_days);
        if (d->due_date[0])
            gl_json_str(j, "due_date", d->due_date);
        if (d->has_due)
            put_time(j, "due", &d->due);
        else
            gl_json_null(j, "due");
        gl_json_close_object(j);
    }
    gl_json_close_array(j);
}

char *gl_inc_render_grade(const gl_inc_facts *f, const gl_inc_grade *g, const gl_inc_routing *r,
                          const gl_inc_overlays *o)
{
    gl_json j;
    gl_json_init(&j);
    gl_json_open_object(&j, NULL);
    gl_json_str(&j, "level", gl_inc_level_id(g->level));
    gl_json_str(&j, "level_cn", gl_inc_level_cn(g->level));
    gl_json_str(&j, "level_roman", gl_inc_level_roman(g->level));
    gl_json_bool(&j, "reportable", r->reportable);
    put_criteria(&j, g);
    put_obligations(&j, r);
    if (r->has_summary_due)
        put_time(&j, "summary_report_due", &r->summary_due);
    else
        gl_json_null(&j, "summary_report_due");
    /* members beyond the required ones */
    gl_json_str(&j, "route", gl_inc_route_id(r->route));
    gl_json_str(&j, "route_from", r->route_reason);
    gl_json_str(&j, "operator", f->operator_name);
    put_time(&j, "discovered_at", &f->discovered_at);
    put_overlays(&j, o);
    gl_json_str(&j, "grading_basis", "CAC Cybersecurity Incident Grading Guide (2025), Measures in force 2025-11-01");
    gl_json_close_object(&j);
    gl_json_append(&j, "\n", 1);
    if (j.oom) {
        gl_json_free(&j);
        return NULL;
    }
    return j.buf; /* ownership passes to the caller */
}
