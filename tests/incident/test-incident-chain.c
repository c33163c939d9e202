/*
 * test-incident-chain.c — stored incidents: creation, facts history with who
 * and when, automatic re-grading, status workflow, deadlines with countdown,
 * and the SM3 chain catching edits made behind guanlan's back.
 *
 * Expected values: SM3 vectors from GB/T 32905-2016 Appendix A; levels and
 * deadlines from the reference tables (derivations in the comments).
 */
#include "harness-incdb.h"

static void test_sm3_vectors(void)
{
    char h[GL_SM3_HEX];
    /* GB/T 32905-2016 A.1: "abc" */
    CHECK(gl_sm3_hex("abc", 3, h) && strcmp(h, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0") == 0,
          "SM3(abc) = %s", h);
    /* A.2: "abcd" x 16 (64 bytes) */
    char m[65] = "";
    for (int i = 0; i < 16; i++)
        strcat(m, "abcd");
    CHECK(gl_sm3_hex(m, 64, h) && strcmp(h, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732") == 0,
          "SM3(abcd*16) = %s", h);
}

static int64_t new_cii_incident(void)
{
    h_result r;
    h_run(&r, "new", "--db", h_db, "--title", "供水调度系统中断", "--operator", "某市供水集团", "--route", "cii",
          "--discovered", "2026-03-02T09:15:00+08:00", "--who", "alice", NULL);
    CHECK(r.rc == 0, "new: rc %d %s", r.rc, r.err);
    /* no facts yet: general, not reportable, no due */
    CHECK(r.doc && strcmp(h_str(r.doc, "level"), "general") == 0, "new level %s", r.out);
    CHECK(r.doc && json_is_false(json_object_get(r.doc, "reportable")), "new reportable %s", r.out);
    int64_t id = r.doc ? json_integer_value(json_object_get(r.doc, "id")) : -1;
    h_free(&r);
    return id;
}

static void test_facts_and_regrade(void)
{
    h_result r;
    int64_t id = new_cii_incident();
    CHECK(id == 1, "first id %lld", (long long)id);
    /* whole CII out 65 min: >= 60 -> major (Guide item 2); route cii: 60 min
     * from 09:15 -> due 10:15 +08:00 */
    h_run(&r, "set-fact", "--db", h_db, "1", "facts.cii_outage.whole_minutes=65", "--who", "bob", "--reason",
          "SCADA log", NULL);
    CHECK(r.rc == 0, "set-fact rc %d %s", r.rc, r.err);
    CHECK(r.doc && strcmp(h_str(r.doc, "level"), "major") == 0, "regraded level %s", r.out);
    CHECK(r.doc && strcmp(h_str(r.doc, "first_report_due"), "2026-03-02T10:15:00+08:00") == 0, "due %s", r.out);
    h_free(&r);
    /* history keeps who, path, old and new value */
    CHECK(strcmp(h_sql1("SELECT who||'|'||path||'|'||coalesce(old_value,'NULL')||'|'||new_value||'|'||reason"
                        " FROM incident_facts_history WHERE incident_id=1"),
                 "bob|facts.cii_outage.whole_minutes|NULL|65|SCADA log") == 0,
          "history row: %s", h_sql1("SELECT path FROM incident_facts_history"));
    CHECK(h_sql1("SELECT at FROM incident_facts_history")[0] != '\0', "history has a time");
    /* the re-grading is logged: created (general) then after the edit (major) */
    CHECK(strcmp(h_sql1("SELECT group_concat(json_extract(detail,'$.level'),',') FROM incident_log"
                        " WHERE action='graded' AND incident_id=1"), "general,major") == 0,
          "graded log: %s", h_sql1("SELECT group_concat(detail,' ') FROM incident_log WHERE action='graded'"));
    CHECK(strcmp(h_sql1("SELECT json_extract(detail,'$.trigger')||'/'||who FROM incident_log WHERE action='graded'"
                        " ORDER BY id DESC LIMIT 1"), "facts.cii_outage.whole_minutes/bob") == 0,
          "regrade trigger: %s", h_sql1("SELECT detail FROM incident_log ORDER BY id DESC LIMIT 1"));
    /* a second edit: 59 min is one below the major threshold, >= 10 -> relatively_major */
    h_run(&r, "set-fact", "--db", h_db, "1", "facts.cii_outage.whole_minutes=59", "--who", "carol", NULL);
    CHECK(r.rc == 0 && r.doc && strcmp(h_str(r.doc, "level"), "relatively_major") == 0, "59 min: %s %s", r.out, r.err);
    h_free(&r);
    CHECK(strcmp(h_sql1("SELECT old_value||'>'||new_value||'@'||who FROM incident_facts_history ORDER BY id DESC"
                        " LIMIT 1"), "65>59@carol") == 0, "second history row");
    /* refused values name the field, exit 2, and change nothing */
    h_run(&r, "set-fact", "--db", h_db, "1", "facts.cii_outage.whole_minutes=-1", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "facts.cii_outage.whole_minutes") && strstr(r.err, "negative"),
          "negative: rc %d %s", r.rc, r.err);
    h_free(&r);
    h_run(&r, "set-fact", "--db", h_db, "1", "operator.route=bogus", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "operator.route"), "bad route: rc %d %s", r.rc, r.err);
    h_free(&r);
    h_run(&r, "set-fact", "--db", h_db, "1", "details.nonsense=1", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "details.nonsense"), "unknown detail: rc %d %s", r.rc, r.err);
    h_free(&r);
    h_run(&r, "set-fact", "--db", h_db, "9", "facts.pi_leaked_people=1", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "no such incident"), "missing incident: rc %d %s", r.rc, r.err);
    h_free(&r);
    CHECK(strcmp(h_sql1("SELECT count(*) FROM incident_facts_history"), "2") == 0, "refused edits leave no history");
    /* a narrative detail is history too but does not change the level */
    h_run(&r, "set-fact", "--db", h_db, "1", "details.cause=弱口令被利用", NULL);
    CHECK(r.rc == 0 && r.doc && strcmp(h_str(r.doc, "level"), "relatively_major") == 0, "detail: %s %s", r.out, r.err);
    h_free(&r);
}

static void test_due_countdown(void)
{
    h_result r;
    /* due 10:15 +08:00. At 09:30 +08:00: 45 min left. At 02:20Z = 10:20 +08:00: 5 min overdue. */
    h_run(&r, "list", "--db", h_db, "--due", "--json", "--now", "2026-03-02T09:30:00+08:00", NULL);
    json_t *row = r.doc ? json_array_get(r.doc, 0) : NULL;
    CHECK(row && json_integer_value(json_object_get(row, "remaining_seconds")) == 45 * 60, "remaining: %s", r.out);
    CHECK(row && json_is_false(json_object_get(row, "overdue")), "not overdue: %s", r.out);
    CHECK(row && strcmp(h_str(row, "countdown"), "in 0h45m") == 0, "countdown: %s", r.out);
    h_free(&r);
    h_run(&r, "list", "--db", h_db, "--due", "--json", "--now", "2026-03-02T02:20:00Z", NULL);
    row = r.doc ? json_array_get(r.doc, 0) : NULL;
    CHECK(row && json_is_true(json_object_get(row, "overdue")) &&
              json_integer_value(json_object_get(row, "remaining_seconds")) == -5 * 60,
          "overdue: %s", r.out);
    CHECK(row && strcmp(h_str(row, "countdown"), "OVERDUE by 0h05m") == 0, "overdue countdown: %s", r.out);
    h_free(&r);
    h_run(&r, "list", "--db", h_db, "--due", "--now", "2026-03-02T09:30:00", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "--now"), "--now without offset: rc %d %s", r.rc, r.err);
    h_free(&r);
}

static void test_status_workflow(void)
{
    h_result r;
    /* reportable: open -> handling is refused until reported */
    h_run(&r, "status", "--db", h_db, "1", "handling", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "reported first"), "skip reported: rc %d %s", r.rc, r.err);
    h_free(&r);
    h_run(&r, "status", "--db", h_db, "1", "finished", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "unknown status"), "bad status: rc %d %s", r.rc, r.err);
    h_free(&r);
    h_run(&r, "status", "--db", h_db, "1", "reported", "--at", "2026-03-02T10:05:00+08:00", NULL);
    CHECK(r.rc == 0, "reported: rc %d %s", r.rc, r.err);
    h_free(&r);
    CHECK(strcmp(h_sql1("SELECT reported_at FROM incidents WHERE id=1"), "2026-03-02T10:05:00+08:00") == 0,
          "reported_at");
    /* reported: no first-report duty left */
    h_run(&r, "list", "--db", h_db, "--due", "--json", "--now", "2026-03-02T11:00:00+08:00", NULL);
    CHECK(r.doc && json_array_size(r.doc) == 0, "no duty after reporting: %s", r.out);
    h_free(&r);
    h_run(&r, "status", "--db", h_db, "1", "closed", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "cannot go from reported to closed"), "reported->closed: %s", r.err);
    h_free(&r);
    h_run(&r, "status", "--db", h_db, "1", "handling", NULL);
    CHECK(r.rc == 0, "handling: %s", r.err);
    h_free(&r);
    /* closing at 2026-03-10T18:00+08:00 ends handling: summary due 30 days
     * later = 2026-04-09T18:00:00+08:00 (March has 31 days: 10+30 = 40 -> April 9). */
    h_run(&r, "status", "--db", h_db, "1", "closed", "--at", "2026-03-10T18:00:00+08:00", NULL);
    CHECK(r.rc == 0, "closed: %s", r.err);
    h_free(&r);
    CHECK(strcmp(h_sql1("SELECT summary_due FROM incidents WHERE id=1"), "2026-04-09T18:00:00+08:00") == 0,
          "summary due %s", h_sql1("SELECT summary_due FROM incidents WHERE id=1"));
    h_run(&r, "list", "--db", h_db, "--due", "--json", "--now", "2026-04-08T18:00:00+08:00", NULL);
    json_t *row = r.doc ? json_array_get(r.doc, 0) : NULL;
    CHECK(row && strcmp(h_str(row, "duty"), "summary_report") == 0 &&
              json_integer_value(json_object_get(row, "remaining_seconds")) == 86400,
          "summary duty: %s", r.out);
    h_free(&r);
    h_run(&r, "status", "--db", h_db, "1", "open", NULL);
    CHECK(r.rc == 2, "closed is final: %s", r.err);
    h_free(&r);
    CHECK(strcmp(h_sql1("SELECT group_concat(json_extract(detail,'$.to'),',') FROM incident_log WHERE action='status'"),
                 "reported,handling,closed") == 0, "status log");
    /* a summary report ends the summary duty */
    h_run(&r, "report", "--db", h_db, "1", "--summary", "--format", "json", NULL);
    CHECK(r.rc == 0, "summary report: %s", r.err);
    h_free(&r);
    h_run(&r, "list", "--db", h_db, "--due", "--json", "--now", "2026-04-08T18:00:00+08:00", NULL);
    CHECK(r.doc && json_array_size(r.doc) == 0, "no duty after summary: %s", r.out);
    h_free(&r);
    /* a non-reportable incident may go to handling without a report */
    h_run(&r, "new", "--db", h_db, "--title", "minor", "--operator", "x", "--route", "other", "--discovered",
          "2026-03-02T09:15:00+08:00", NULL);
    h_free(&r);
    h_run(&r, "status", "--db", h_db, "2", "handling", NULL);
    CHECK(r.rc == 0, "general incident open->handling: %s", r.err);
    h_free(&r);
}

static void expect_verify(const char *what, int want_rc, const char *want_text)
{
    h_result r;
    h_run(&r, "verify", "--db", h_db, NULL);
    CHECK(r.rc == want_rc, "%s: verify rc %d want %d: %s", what, r.rc, want_rc, r.err);
    if (want_text)
        CHECK(strstr(r.err, want_text) != NULL, "%s: stderr lacks \"%s\": %s", what, want_text, r.err);
    h_free(&r);
}

static void test_tamper(void)
{
    expect_verify("intact", 0, NULL);
    /* report versions are immutable: the trigger stops a plain UPDATE */
    CHECK(h_sql("UPDATE incident_reports SET who='mallory' WHERE id=1") != SQLITE_OK, "report update refused");
    CHECK(h_sql("DELETE FROM incident_chain WHERE seq=3") != SQLITE_OK, "chain delete refused");
    expect_verify("after refused edits", 0, NULL);

    /* 1. an incident row changed with the sqlite3 shell */
    h_sql("UPDATE incidents SET level='general' WHERE id=1");
    expect_verify("incident level", 3, "incidents id 1 (incident 1): row modified");
    h_sql("UPDATE incidents SET level='relatively_major' WHERE id=1");
    expect_verify("restored", 0, NULL);

    /* 2. drop the trigger, rewrite a report version */
    h_sql("DROP TRIGGER incident_reports_no_update");
    h_sql("UPDATE incident_reports SET content_json=replace(content_json,'某市','某县') WHERE id=1");
    expect_verify("report", 3, "incident_reports id 1 (incident 1): row modified");

    /* 3. a history entry rewritten: who made the change */
    h_sql("DROP TRIGGER incident_facts_history_no_update");
    h_sql("UPDATE incident_facts_history SET who='nobody' WHERE id=1");
    expect_verify("history", 3, "incident_facts_history id 1 (incident 1): row modified");

    /* 4. a link removed from the middle of the chain */
    h_sql("DROP TRIGGER incident_chain_no_delete");
    h_sql("DELETE FROM incident_chain WHERE seq=2");
    expect_verify("link removed", 3, "incident_chain seq 3: expected seq 2");

    /* 5. a row slipped in without a link */
    h_sql("INSERT INTO incident_log(incident_id, at, who, action) VALUES (1, 'x', 'm', 'forged')");
    expect_verify("forged row", 3, "not in the chain");
}

int main(int argc, char **argv)
{
    h_as_guanlan(argc, argv);
    test_sm3_vectors();
    h_tmpdb();
    setenv("GUANLAN_NOW", "2026-03-02T09:20:00+08:00", 1);
    test_facts_and_regrade();
    test_due_countdown();
    test_status_workflow();
    test_tamper();
    h_cleanup();
    return h_done("test-incident-chain");
}
