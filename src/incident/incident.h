/*
 * incident.h — the incident stage: grading a set of observed facts against
 * the CAC Cybersecurity Incident Grading Guide, and working out who must
 * report to whom by when under the Incident Reporting Management Measures
 * (in force 2025-11-01), plus the MIIT and NFRA sector overlays.
 *
 * The pipeline is: facts JSON --(incident-facts.c)--> gl_inc_facts
 *   --(grade.c)--> level + fired criteria --(route.c)--> obligations
 *   --(overlay.c)--> sector obligations --(incident-output.c)--> JSON.
 * Every step is a pure function of its input so the same facts always give
 * byte-identical output.
 */
#ifndef GL_INCIDENT_H
#define GL_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- levels (Guide §1). Ordered so that max() picks the more severe. ---- */
typedef enum {
    GL_INC_GENERAL = 0,          /* IV  一般 (also "no criterion reached") */
    GL_INC_RELATIVELY_MAJOR = 1, /* III 较大 */
    GL_INC_MAJOR = 2,            /* II  重大 */
    GL_INC_ESPECIALLY_MAJOR = 3, /* I   特别重大 */
} gl_inc_level;

const char *gl_inc_level_id(gl_inc_level l);
const char *gl_inc_level_cn(gl_inc_level l);
const char *gl_inc_level_roman(gl_inc_level l);

/* ---- enumerations of the input contract ---- */
typedef enum { GL_ROUTE_CII, GL_ROUTE_CENTRAL_STATE_ORGAN, GL_ROUTE_OTHER } gl_inc_route;
typedef enum {
    GL_KIND_PARTY_GOV_PORTAL,
    GL_KIND_ENTERPRISE_PORTAL,
    GL_KIND_INSTITUTION_PORTAL,
    GL_KIND_KEY_NEWS_SITE,
    GL_KIND_NETWORK_PLATFORM,
} gl_inc_kind;
/* administrative level, ordered so that >= means "at or above" */
typedef enum { GL_ADM_COUNTY, GL_ADM_PREFECTURE, GL_ADM_PROVINCIAL, GL_ADM_CENTRAL } gl_inc_admin;
typedef enum { GL_PSIZE_NONE = -1, GL_PSIZE_OTHER = 0, GL_PSIZE_LARGE = 1, GL_PSIZE_SUPER_LARGE = 2 } gl_inc_psize;
typedef enum { GL_DATA_CORE, GL_DATA_IMPORTANT } gl_inc_data_category;
typedef enum { GL_ACT_LEAKED, GL_ACT_STOLEN, GL_ACT_TAMPERED, GL_ACT_COUNTERFEITED } gl_inc_data_action;
/* threat degree, ordered; NONE = null / not given */
typedef enum {
    GL_THREAT_NONE = -1,
    GL_THREAT_SOME = 0,
    GL_THREAT_RELATIVELY_SERIOUS = 1,
    GL_THREAT_SERIOUS = 2,
    GL_THREAT_ESPECIALLY_SERIOUS = 3,
} gl_inc_threat;
/* declared spread (6d), ordered; NONE = null */
typedef enum {
    GL_SPREAD_NONE = 0,
    GL_SPREAD_RELATIVELY_WIDE = 1,
    GL_SPREAD_WIDE = 2,
    GL_SPREAD_ESPECIALLY_WIDE = 3,
} gl_inc_spread;

const char *gl_inc_route_id(gl_inc_route r);
const char *gl_inc_kind_id(gl_inc_kind k);
const char *gl_inc_admin_id(gl_inc_admin a);
const char *gl_inc_psize_id(gl_inc_psize p);

/* ---- time: an RFC 3339 instant that remembers how it was written ---- */
typedef struct gl_inc_time {
    int64_t utc;       /* seconds since 1970-01-01T00:00:00Z */
    int offset_min;    /* local offset east of UTC, minutes */
    bool zulu;         /* written as "Z" rather than "+00:00" */
    bool neg_zero;     /* written as "-00:00" (RFC 3339: offset unknown) */
    char frac[11];     /* ".123" fractional seconds as written, or "" */
} gl_inc_time;

#define GL_INC_TIME_STRLEN 40
/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)". false + err on failure. */
bool gl_inc_time_parse(const char *s, gl_inc_time *t, char *err, size_t errlen);
/* Format in the instant's own offset. buf >= GL_INC_TIME_STRLEN. false if the
 * year left 0001..9999. */
bool gl_inc_time_format(const gl_inc_time *t, char *buf, size_t buflen);
/* Same offset and spelling, shifted by sec seconds. */
gl_inc_time gl_inc_time_add(const gl_inc_time *t, int64_t sec);

/* Proleptic Gregorian helpers (days since 1970-01-01). */
int64_t gl_inc_days_from_civil(int64_t y, unsigned m, unsigned d);
void gl_inc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
bool gl_inc_is_leap(int64_t y);
unsigned gl_inc_days_in_month(int64_t y, unsigned m);

/* ---- facts ---- */
#define GL_INC_MAX_ENTRIES 64   /* per array: more is rejected, not truncated */
#define GL_INC_NAME_MAX 512     /* bytes of operator.name */
#define GL_INC_MAX_NUMBER 9007199254740992.0 /* 2^53: above it doubles lose integers */

typedef struct gl_inc_site_outage {
    gl_inc_kind kind;
    gl_inc_admin level;
    gl_inc_psize platform_size;
    double minutes;
} gl_inc_site_outage;

typedef struct gl_inc_defacement {
    gl_inc_kind kind;
    gl_inc_admin level;
    gl_inc_psize platform_size;
    double homepage_minutes, other_page_minutes, forwards, views;
    gl_inc_spread declared_spread;
} gl_inc_defacement;

/* NFRA operational-risk overlay facts (banking and insurance). */
typedef struct gl_inc_nfra {
    bool present;
    bool has_interruption;
    double interruption_provinces; /* provinces where branches/e-channels were interrupted */
    double interruption_minutes;
    double fund_loss_yuan;
    bool serious_pi_infringement;
} gl_inc_nfra;

/* MIIT industrial/IT-sector data-security overlay: the processor's own
 * self-assessed level (the reference carries no MIIT criteria table, so we
 * never derive it). */
typedef struct gl_inc_miit {
    bool present;
    gl_inc_level self_assessed;
} gl_inc_miit;

typedef struct gl_inc_facts {
    char operator_name[GL_INC_NAME_MAX + 1];
    gl_inc_route route;
    gl_inc_time discovered_at;
    bool has_handling_ended;
    gl_inc_time handling_ended_at;

    size_t n_site_outage;
    gl_inc_site_outage site_outage[GL_INC_MAX_ENTRIES];

    bool has_cii_outage;
    double cii_whole_minutes, cii_main_function_minutes;

    double people, province_share_pct, prefecture_share_pct;

    bool has_data;
    gl_inc_data_category data_category;
    gl_inc_data_action data_action;
    gl_inc_threat data_threat;

    double pi_leaked_people;

    size_t n_defacement;
    gl_inc_defacement defacement[GL_INC_MAX_ENTRIES];

    double direct_loss_yuan;
    gl_inc_threat assessed_threat;

    gl_inc_miit miit;
    gl_inc_nfra nfra;
} gl_inc_facts;

/* Parse a FACTS document. Returns true on success. On failure err holds one
 * line "FIELD: what is wrong" (FIELD a dotted path such as
 * facts.site_outage[0].minutes, or "input" for malformed JSON). */
bool gl_inc_facts_parse(const char *json, size_t len, gl_inc_facts *f, char *err, size_t errlen);

/* ---- grading ---- */
#define GL_INC_MAX_CRITERIA (2 * GL_INC_MAX_ENTRIES + 16)

typedef struct gl_inc_criterion {
    int item;           /* the Guide's item number, 1..8 */
    gl_inc_level level;
    char fact[48];      /* which input member fired: "facts.site_outage[0]" */
    char why[200];      /* one line, English, with the threshold it met */
} gl_inc_criterion;

typedef struct gl_inc_grade {
    gl_inc_level level;
    size_t n_criteria;
    gl_inc_criterion criteria[GL_INC_MAX_CRITERIA];
} gl_inc_grade;

void gl_inc_grade_facts(const gl_inc_facts *f, gl_inc_grade *g);

/* ---- routing and deadlines ---- */
#define GL_INC_MAX_TO 3
#define GL_INC_MAX_OBLIGATIONS 4

typedef struct gl_inc_obligation {
    const char *by;
    const char *to[GL_INC_MAX_TO];
    size_t n_to;
    int within_minutes;
    bool has_due;          /* operator's duty: absolute due time */
    gl_inc_time due;
    const char *after;     /* onward duty: "receipt" */
} gl_inc_obligation;

typedef struct gl_inc_routing {
    gl_inc_route route;    /* effective route (CII takes precedence) */
    const char *route_reason;
    bool reportable;
    size_t n_obligations;
    gl_inc_obligation obligations[GL_INC_MAX_OBLIGATIONS];
    bool has_summary_due;
    gl_inc_time summary_due;
} gl_inc_routing;

void gl_inc_route_incident(const gl_inc_facts *f, gl_inc_level level, gl_inc_routing *r);

/* ---- working-day calendar (holidays and make-up workdays) ---- */
#define GL_CAL_MAX_YEARS 16
#define GL_CAL_MAX_DAYS 64

typedef struct gl_cal_year {
    int year;
    size_t n_holidays, n_workdays;
    int64_t holidays[GL_CAL_MAX_DAYS]; /* days since epoch */
    int64_t workdays[GL_CAL_MAX_DAYS]; /* weekend days that are worked */
    char source[256];
} gl_cal_year;

typedef struct gl_calendar {
    size_t n_years;
    gl_cal_year years[GL_CAL_MAX_YEARS];
} gl_calendar;

/* Load one year's file (data/calendar/cn-YYYY.json) into cal. */
bool gl_cal_load_year_file(gl_calendar *cal, const char *path, char *err, size_t errlen);
/* Parse one year's JSON document (exposed for tests and fuzzing). */
bool gl_cal_load_year_json(gl_calendar *cal, const char *json, size_t len, char *err, size_t errlen);
/* Load cn-YYYY.json for every year in [from, to] from dir. */
bool gl_cal_load_dir(gl_calendar *cal, const char *dir, int from_year, int to_year, char *err,
                     size_t errlen);
bool gl_cal_covers(const gl_calendar *cal, int year);
/* 1 working day, 0 rest day, -1 year not covered by the calendar. */
int gl_cal_is_workday(const gl_calendar *cal, int64_t day);
/* The n-th working day after day (day itself not counted: Civil Code
 * art. 201). -1 when the calendar runs out. */
int64_t gl_cal_add_workdays(const gl_calendar *cal, int64_t day, int n);

/* ---- sector overlays ---- */
#define GL_INC_MAX_OVERLAY_TRIGGERS 4

typedef struct gl_inc_overlay_duty {
    const char *regime;    /* "miit_data_security" | "nfra_operational_risk" */
    bool applies;
    size_t n_triggers;
    char triggers[GL_INC_MAX_OVERLAY_TRIGGERS][160];
    const char *by;
    const char *to;
    const char *within;    /* "immediately" | "5_working_days" */
    int within_working_days;
    bool has_due;
    gl_inc_time due;
    char due_date[16];     /* NFRA: the last working day, Beijing date */
} gl_inc_overlay_duty;

typedef struct gl_inc_overlays {
    size_t n;
    gl_inc_overlay_duty duty[2];
} gl_inc_overlays;

/* cal may be NULL when no NFRA overlay is present. false + err when the
 * calendar does not cover the dates needed. */
bool gl_inc_apply_overlays(const gl_inc_facts *f, gl_inc_level cac_level, const gl_calendar *cal,
                           gl_inc_overlays *o, char *err, size_t errlen);

/* ---- output ---- */
/* Render the grade document (see docs/incident-grading.md). Returns a
 * malloc'd NUL-terminated string, or NULL on allocation failure. */
char *gl_inc_render_grade(const gl_inc_facts *f, const gl_inc_grade *g, const gl_inc_routing *r,
                          const gl_inc_overlays *o);

/* ---- whole command ---- */
/* Grade the FACTS document in json. Exit status: 0 graded (document on out),
 * 2 bad input (one line on err), 1 internal error. calendar_dir may be NULL
 * (then $GUANLAN_CALENDAR_DIR, then "data/calendar"). */
int gl_inc_grade_json(const char *json, size_t len, const char *calendar_dir, FILE *out, FILE *err);

/* `guanlan incident <sub-command> ...`; argv[0] == "incident". */
int gl_cmd_incident(int argc, char **argv);

#endif
