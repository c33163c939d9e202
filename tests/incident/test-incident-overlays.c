/*
 * test-incident-overlays.c — the working-day calendar (State Council
 * holiday notices for 2025 and 2026) and the NFRA / MIIT overlays.
 *
 * Expected working days are counted by hand from the notices (dates and
 * weekdays as printed there), starting the day after discovery (Civil Code
 * art. 201), in Beijing time.
 */
#include "harness-incident.h"

static int64_t day(int y, unsigned m, unsigned d) { return gl_inc_days_from_civil(y, m, d); }

static void calendar_days(void)
{
    static gl_calendar cal;
    char err[256];
    memset(&cal, 0, sizeof(cal));
    CHECK(gl_cal_load_dir(&cal, "data/calendar", 2025, 2026, err, sizeof(err)), "load: %s", err);
    struct { int y; unsigned m, d; int want; const char *why; } c[] = {
        { 2025, 1, 1, 0, "元旦 (Wed)" },
        { 2025, 1, 2, 1, "ordinary Thursday" },
        { 2025, 1, 25, 0, "ordinary Saturday" },
        { 2025, 1, 26, 1, "make-up workday (Sun)" },
        { 2025, 1, 28, 0, "春节 first day (除夕)" },
        { 2025, 2, 4, 0, "春节 last day" },
        { 2025, 2, 5, 1, "after 春节" },
        { 2025, 2, 8, 1, "make-up workday (Sat)" },
        { 2025, 4, 27, 1, "make-up workday (Sun)" },
        { 2025, 5, 5, 0, "劳动节 last day (Mon)" },
        { 2025, 6, 2, 0, "端午 (Mon)" },
        { 2025, 9, 28, 1, "make-up workday (Sun)" },
        { 2025, 10, 8, 0, "国庆中秋 last day (Wed)" },
        { 2025, 10, 11, 1, "make-up workday (Sat)" },
        { 2026, 1, 2, 0, "元旦 (Fri)" },
        { 2026, 1, 4, 1, "make-up workday (Sun)" },
        { 2026, 2, 14, 1, "make-up workday (Sat)" },
        { 2026, 2, 23, 0, "春节 last day (Mon)" },
        { 2026, 2, 28, 1, "make-up workday (Sat)" },
        { 2026, 4, 6, 0, "清明 (Mon)" },
        { 2026, 5, 9, 1, "make-up workday (Sat)" },
        { 2026, 6, 19, 0, "端午 (Fri)" },
        { 2026, 9, 20, 1, "make-up workday (Sun)" },
        { 2026, 9, 25, 0, "中秋 (Fri)" },
        { 2026, 10, 7, 0, "国庆 last day (Wed)" },
        { 2026, 10, 10, 1, "make-up workday (Sat)" },
        { 2026, 12, 31, 1, "ordinary Thursday" },
        { 2027, 1, 4, -1, "not covered" },
        { 2024, 12, 31, -1, "not covered" },
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        int w = gl_cal_is_workday(&cal, day(c[i].y, c[i].m, c[i].d));
        CHECK(w == c[i].want, "%04d-%02u-%02u %s: got %d want %d", c[i].y, c[i].m, c[i].d, c[i].why, w, c[i].want);
    }
    /* Thu 2026-02-12 + 5: Fri 13 (1), Sat 14 make-up (2), 15..23 holiday, Tue 24 (3), Wed 25 (4), Thu 26 (5) */
    CHECK(gl_cal_add_workdays(&cal, day(2026, 2, 12), 5) == day(2026, 2, 26), "spring festival 2026");
    /* Mon 2026-12-28 + 5 runs past 2026 into an uncovered year */
    CHECK(gl_cal_add_workdays(&cal, day(2026, 12, 28), 5) == -1, "runs out of calendar");
}

static void calendar_loader_checks(void)
{
    static gl_calendar cal;
    char err[256];
    const char *bad[] = {
        "{\"year\":2030,\"source\":\"x\",\"holidays\":[{\"from\":\"2030-01-01\",\"to\":\"2030-01-03\",\"days\":2}],\"workdays\":[]}",
        "{\"year\":2030,\"source\":\"x\",\"holidays\":[],\"workdays\":[{\"date\":\"2030-01-02\"}]}", /* a Wednesday */
        "{\"year\":2030,\"source\":\"x\",\"holidays\":[{\"from\":\"2031-01-01\",\"to\":\"2031-01-01\",\"days\":1}],\"workdays\":[]}",
        "{\"year\":2030,\"holidays\":[],\"workdays\":[]}", /* no source cited */
        "{\"year\":2030,\"source\":\"x\",\"holidays\":[{\"from\":\"2030-02-30\",\"to\":\"2030-03-01\",\"days\":1}],\"workdays\":[]}",
        "{\"year\":2030,\"source\":\"x\",\"holidays\":{},\"workdays\":[]}",
        "[",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&cal, 0, sizeof(cal));
        CHECK(!gl_cal_load_year_json(&cal, bad[i], strlen(bad[i]), err, sizeof(err)), "accepted bad calendar %zu", i);
        CHECK(cal.n_years == 0, "bad calendar %zu left a year loaded", i);
    }
    /* 2030-01-05 is a Saturday: a valid make-up workday */
    const char *good = "{\"year\":2030,\"source\":\"x\",\"holidays\":[{\"from\":\"2030-01-01\",\"to\":\"2030-01-01\",\"days\":1}],"
                       "\"workdays\":[{\"date\":\"2030-01-05\"}]}";
    memset(&cal, 0, sizeof(cal));
    CHECK(gl_cal_load_year_json(&cal, good, strlen(good), err, sizeof(err)), "good calendar: %s", err);
}

static const char *nfra_doc(const char *discovered, const char *nfra)
{
    static char buf[2048];
    snprintf(buf, sizeof(buf),
             "{\"operator\":{\"name\":\"某银行\",\"route\":\"other\"},\"discovered_at\":\"%s\",\"facts\":{},"
             "\"overlays\":{\"nfra\":%s}}",
             discovered, nfra);
    return buf;
}

static json_t *first_overlay(h_result *r)
{
    return r->doc ? json_array_get(json_object_get(r->doc, "overlay_obligations"), 0) : NULL;
}

static void check_nfra(const char *discovered, const char *nfra, bool applies, const char *due_date, const char *due)
{
    h_result r;
    h_grade(&r, nfra_doc(discovered, nfra));
    json_t *o = first_overlay(&r);
    CHECK(r.rc == 0 && o, "nfra %s %s: rc %d %s", discovered, nfra, r.rc, r.err);
    if (o) {
        CHECK(json_is_true(json_object_get(o, "applies")) == applies, "nfra %s: applies", nfra);
        CHECK(strcmp(h_str(o, "regime"), "nfra_operational_risk") == 0, "regime");
        if (applies) {
            CHECK(strcmp(h_str(o, "due_date"), due_date) == 0, "nfra %s: due_date %s want %s", discovered,
                  h_str(o, "due_date"), due_date);
            CHECK(strcmp(h_str(o, "due"), due) == 0, "nfra %s: due %s want %s", discovered, h_str(o, "due"), due);
            CHECK(json_integer_value(json_object_get(o, "within_working_days")) == 5, "5 working days");
        } else {
            CHECK(json_is_null(json_object_get(o, "due")), "nfra not applying has null due");
        }
    }
    /* the CAC part is independent: no facts -> general, no CAC obligations */
    CHECK(r.doc && json_array_size(json_object_get(r.doc, "obligations")) == 0, "CAC obligations stay empty");
    h_free(&r);
}

static void nfra(void)
{
    const char *loss = "{\"fund_loss_yuan\":10000000}";
    /* triggers at the boundary and one below */
    check_nfra("2026-03-02T09:15:00+08:00", "{\"important_system_interruption\":{\"provinces\":1,\"minutes\":180}}", true,
               /* Mon Mar 2 + 5: Tue 3, Wed 4, Thu 5, Fri 6, Mon 9 */ "2026-03-09", "2026-03-09T23:59:59+08:00");
    check_nfra("2026-03-02T09:15:00+08:00", "{\"important_system_interruption\":{\"provinces\":1,\"minutes\":179}}", false, NULL, NULL);
    check_nfra("2026-03-02T09:15:00+08:00", "{\"important_system_interruption\":{\"provinces\":2,\"minutes\":30}}", true,
               "2026-03-09", "2026-03-09T23:59:59+08:00");
    check_nfra("2026-03-02T09:15:00+08:00", "{\"important_system_interruption\":{\"provinces\":3,\"minutes\":29}}", false, NULL, NULL);
    check_nfra("2026-03-02T09:15:00+08:00", loss, true, "2026-03-09", "2026-03-09T23:59:59+08:00");
    check_nfra("2026-03-02T09:15:00+08:00", "{\"fund_loss_yuan\":9999999.99}", false, NULL, NULL);
    check_nfra("2026-03-02T09:15:00+08:00", "{\"serious_pi_infringement\":true}", true, "2026-03-09",
               "2026-03-09T23:59:59+08:00");
    check_nfra("2026-03-02T09:15:00+08:00", "{\"serious_pi_infringement\":false}", false, NULL, NULL);
    /* Spring Festival 2026: Thu Feb 12 -> Fri 13 (1), Sat 14 make-up (2), Tue 24 (3), Wed 25 (4), Thu 26 (5) */
    check_nfra("2026-02-12T10:00:00+08:00", loss, true, "2026-02-26", "2026-02-26T23:59:59+08:00");
    /* National Day 2025: Fri Sep 26 -> Sun 28 make-up (1), Mon 29 (2), Tue 30 (3), Oct 1-8 off, Thu 9 (4), Fri 10 (5) */
    check_nfra("2025-09-26T18:00:00+08:00", loss, true, "2025-10-10", "2025-10-10T23:59:59+08:00");
    /* across New Year: Mon 2025-12-29 -> Tue 30 (1), Wed 31 (2), Jan 1-3 off, Sun Jan 4 make-up (3), Mon 5 (4), Tue 6 (5) */
    check_nfra("2025-12-29T09:00:00+08:00", loss, true, "2026-01-06", "2026-01-06T23:59:59+08:00");
    /* other offset: 2026-04-30T20:00-05:00 = May 1 09:00 Beijing (holiday). From May 2: 2-5 off, Wed 6 (1),
     * Thu 7 (2), Fri 8 (3), Sat 9 make-up (4), Sun 10 off, Mon 11 (5). 23:59:59+08:00 = 10:59:59-05:00 */
    check_nfra("2026-04-30T20:00:00-05:00", loss, true, "2026-05-11", "2026-05-11T10:59:59-05:00");
    /* Beijing date differs from UTC date: 2026-02-13T17:00Z = Sat Feb 14 01:00 Beijing (make-up workday, not
     * counted as the start day). From Feb 15: 15-23 off, Tue 24 (1), 25 (2), 26 (3), Fri 27 (4), Sat 28 make-up (5) */
    check_nfra("2026-02-13T17:00:00Z", loss, true, "2026-02-28", "2026-02-28T15:59:59Z");

    /* a deadline the shipped calendars cannot reach is an error, not a guess */
    h_result r;
    h_grade(&r, nfra_doc("2026-12-28T09:00:00+08:00", loss));
    CHECK(r.rc == 2 && strstr(r.err, "overlays.nfra"), "uncovered calendar: rc %d %s", r.rc, r.err);
    h_free(&r);
    h_grade(&r, nfra_doc("2031-06-01T09:00:00+08:00", loss));
    CHECK(r.rc == 2 && strstr(r.err, "overlays.nfra"), "no calendar year: rc %d %s", r.rc, r.err);
    h_free(&r);
}

static void miit(void)
{
    static const struct { const char *lvl; bool applies; } c[] = {
        { "especially_major", true }, { "major", true }, { "relatively_major", true }, { "general", false },
    };
    for (size_t i = 0; i < 4; i++) {
        char buf[512];
        h_result r;
        snprintf(buf, sizeof(buf),
                 "{\"operator\":{\"name\":\"x\",\"route\":\"other\"},\"discovered_at\":\"2026-03-02T09:15:00+03:00\","
                 "\"facts\":{},\"overlays\":{\"miit_data_security\":{\"self_assessed_level\":\"%s\"}}}",
                 c[i].lvl);
        h_grade(&r, buf);
        json_t *o = first_overlay(&r);
        CHECK(o && json_is_true(json_object_get(o, "applies")) == c[i].applies, "miit %s applies", c[i].lvl);
        if (o && c[i].applies) {
            CHECK(strcmp(h_str(o, "within"), "immediately") == 0, "miit immediately");
            CHECK(strcmp(h_str(o, "due"), "2026-03-02T09:15:00+03:00") == 0, "miit due = discovery");
            CHECK(strcmp(json_string_value(json_array_get(json_object_get(o, "to"), 0)), "local_sector_regulator") == 0,
                  "miit to");
        }
        h_free(&r);
    }
}

int main(int argc, char **argv)
{
    h_as_guanlan(argc, argv);
    calendar_days();
    calendar_loader_checks();
    nfra();
    miit();
    return h_done("test-incident-overlays");
}
