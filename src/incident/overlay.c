/*
 * overlay.c — sector regulators' reporting rules applied on top of the CAC
 * Measures ("sector regulators' own rules apply on top").
 *
 * MIIT (industrial and IT-sector data security): levels I..IV like the
 * Guide; the data processor self-assesses at once and reports relatively
 * major or above immediately to the local sector regulator. Our reference
 * carries no MIIT criteria table, so the level is the processor's own
 * self-assessment, taken from the input and never derived.
 *
 * NFRA (banking and insurance operational risk, in force 2024-07-01):
 * report within 5 working days when an important system failure or attack
 * interrupts branches or e-channels in one province >= 3 h or across >= 2
 * provinces >= 30 min, or fund losses >= 10,000,000 yuan, or personal
 * information is seriously infringed. Working days are counted on the
 * Beijing calendar from the day after discovery (Civil Code art. 201: the
 * first day is not counted), the period ending at the end of the last day.
 */
#include "incident/incident.h"

#include <stdio.h>
#include <string.h>

#define NFRA_WORKING_DAYS 5
#define NFRA_ONE_PROVINCE_MIN (3 * 60)
#define NFRA_MULTI_PROVINCE_MIN 30
#define NFRA_FUND_LOSS_YUAN 10000000.0
#define BEIJING_OFFSET_MIN (8 * 60)

static void trigger(gl_inc_overlay_duty *d, const char *fmt, double a, double b)
    __attribute__((format(printf, 2, 0)));
static void trigger(gl_inc_overlay_duty *d, const char *fmt, double a, double b)
{
    if (d->n_triggers >= GL_INC_MAX_OVERLAY_TRIGGERS)
        return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(d->triggers[d->n_triggers++], sizeof(d->triggers[0]), fmt, a, b);
#pragma GCC diagnostic pop
}

static void apply_miit(const gl_inc_facts *f, gl_inc_overlay_duty *d)
{
    d->regime = "miit_data_security";
    d->by = "data_processor";
    d->to = "local_sector_regulator";
    d->within = "immediately";
    if (f->miit.self_assessed >= GL_INC_RELATIVELY_MAJOR) {
        d->applies = true;
        d->n_triggers = 1;
        snprintf(d->triggers[0], sizeof(d->triggers[0]), "self-assessed %s (>= relatively_major)",
                 gl_inc_level_id(f->miit.self_assessed));
        d->has_due = true;
        d->due = f->discovered_at; /* "immediately": no grace period to add */
    }
}

static bool nfra_due(const gl_inc_facts *f, const gl_calendar *cal, gl_inc_overlay_duty *d, char *err,
                     size_t errlen)
{
    int64_t bj_local = f->discovered_at.utc + BEIJING_OFFSET_MIN * 60;
    int64_t day = bj_local >= 0 ? bj_local / 86400 : -((-bj_local + 86399) / 86400);
    int64_t last = cal ? gl_cal_add_workdays(cal, day, NFRA_WORKING_DAYS) : -1;
    int64_t y;
    unsigned m, dd;
    if (last < 0) {
        gl_inc_civil_from_days(day, &y, &m, &dd);
        snprintf(err, errlen, "overlays.nfra: no holiday calendar covers %04d-%02u-%02u onwards (need data/calendar/cn-YYYY.json)",
                 (int)y, m, dd);
        return false;
    }
    gl_inc_civil_from_days(last, &y, &m, &dd);
    snprintf(d->due_date, sizeof(d->due_date), "%04d-%02u-%02u", (int)y, m, dd);
    d->has_due = true;
    d->due = f->discovered_at;
    d->due.frac[0] = '\0';
    /* 23:59:59 Beijing time on the last day, shown in the input's offset */
    d->due.utc = last * 86400 + 86399 - BEIJING_OFFSET_MIN * 60;
    return true;
}

static bool apply_nfra(const gl_inc_facts *f, const gl_calendar *cal, gl_inc_overlay_duty *d, char *err,
                       size_t errlen)
{
    const gl_inc_nfra *n = &f->nfra;
    d->regime = "nfra_operational_risk";
    d->by = "institution";
    d->to = "nfra";
    d->within = "5_working_days";
    d->within_working_days = NFRA_WORKING_DAYS;
    if (n->has_interruption && n->interruption_provinces >= 2 && n->interruption_minutes >= NFRA_MULTI_PROVINCE_MIN)
        trigger(d, "important system interruption across %.0f provinces for %.15g min (>= 30)",
                n->interruption_provinces, n->interruption_minutes);
    else if (n->has_interruption && n->interruption_provinces == 1 && n->interruption_minutes >= NFRA_ONE_PROVINCE_MIN)
        trigger(d, "important system interruption within %.0f province for %.15g min (>= 180)",
                n->interruption_provinces, n->interruption_minutes);
    if (n->fund_loss_yuan >= NFRA_FUND_LOSS_YUAN)
        trigger(d, "fund loss %.15g yuan (>= %.0f)", n->fund_loss_yuan, NFRA_FUND_LOSS_YUAN);
    if (n->serious_pi_infringement)
        trigger(d, "serious infringement of personal information", 0, 0);
    d->applies = d->n_triggers > 0;
    return !d->applies || nfra_due(f, cal, d, err, errlen);
}

bool gl_inc_apply_overlays(const gl_inc_facts *f, gl_inc_level cac_level, const gl_calendar *cal,
                           gl_inc_overlays *o, char *err, size_t errlen)
{
    (void)cac_level; /* sector duties stand on their own criteria */
    memset(o, 0, sizeof(*o));
    if (f->miit.present)
        apply_miit(f, &o->duty[o->n++]);
    if (f->nfra.present && !apply_nfra(f, cal, &o->duty[o->n++], err, errlen))
        return false;
    return true;
}
