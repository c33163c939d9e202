/*
 * test-incident-correlate.c — alert events written through the sensor's own
 * store API (gl_store_open / gl_store_add) are correlated into incidents:
 * same host, shared fingerprint (two spellings of one JA3), campaign
 * indicator, the time window, duplicates merged with a count, severity
 * filter, the cursor, switchable rules, facts from the asset registry, and
 * the evidence check of `verify`.
 *
 * The expected grouping is worked out by hand in the comments from the
 * alerts below (T0 = 2026-03-02T01:00:00Z = 09:00 +08:00, window 60 min).
 */
#include "harness-incdb.h"
#include "output/store.h"

#define T0 1772413200LL /* 2026-03-02T01:00:00Z: 20514 days * 86400 + 3600 */

static const char *REGISTRY =
    "operator:\n"
    "  name: 某市大数据中心\n"
    "  route: other\n"
    "assets:\n"
    "  - name: 门户网站\n"
    "    owner: 办公室\n"
    "    site_kind: party_gov_portal\n"
    "    admin_level: prefecture\n"
    "    addresses: [10.0.0.0/24]\n"
    "  - name: 供水调度系统\n"
    "    owner: 调度中心\n"
    "    cii: true\n"
    "    population_served: 1200000\n"
    "    addresses: [10.1.0.5]\n";

static void add_alert(gl_store *s, int64_t sec, const char *src, const char *dst, const char *sig, int sid, int sev,
                      const char *extra)
{
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"timestamp\":\"t\",\"event_type\":\"alert\",\"src_ip\":\"%s\",\"dest_ip\":\"%s\",\"proto\":\"TCP\","
             "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":%d,\"rev\":1,\"signature\":\"%s\","
             "\"category\":\"Test\",\"severity\":%d}%s%s}",
             src, dst, sid, sig, sev, extra ? "," : "", extra ? extra : "");
    gl_event_meta m = { .ts_usec = (uint64_t)(T0 + sec) * 1000000u, .event_type = "alert", .src_ip = src,
                        .dest_ip = dst, .src_port = 40000, .dest_port = 443, .proto = "TCP" };
    CHECK(gl_store_add(s, &m, json, strlen(json)) == 0, "store add");
}

static void write_events(void)
{
    char err[256];
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = h_db;
    gl_store *s = gl_store_open(&cfg, err, sizeof(err));
    CHECK(s != NULL, "store open: %s", err);
    if (!s)
        exit(1);
    /* e1: new incident A on 10.0.0.10 (asset 门户网站) */
    add_alert(s, 0, "203.0.113.5", "10.0.0.10", "ET SCAN A", 1, 2, NULL);
    /* e2: same signature, same hosts, 60 s later: a duplicate of e1 in A */
    add_alert(s, 60, "203.0.113.5", "10.0.0.10", "ET SCAN A", 1, 2, NULL);
    /* e3: another attacker, same host 10.0.0.10 within the window: joins A */
    add_alert(s, 120, "198.51.100.7", "10.0.0.10", "ET EXPLOIT B", 2, 1, NULL);
    /* e4: the CII asset, a new host: incident B, keyed also by its JA3 */
    add_alert(s, 180, "10.1.0.5", "198.51.100.7", "C2 beacon", 3, 1,
              "\"guanlan\":{\"ja3\":\"e7d705a3286e19ea42f587b344ee6865\"}");
    /* e5: unregistered hosts, but the same JA3 (EVE tls spelling, upper case): joins B */
    add_alert(s, 240, "10.2.0.9", "192.0.2.77", "C2 beacon", 3, 1,
              "\"tls\":{\"ja3\":{\"hash\":\"E7D705A3286E19EA42F587B344EE6865\"}}");
    /* e6: severity 4 is above max_severity 3: ignored */
    add_alert(s, 250, "203.0.113.5", "10.0.0.10", "ET INFO", 4, 4, NULL);
    /* a non-alert event is never read */
    gl_event_meta dns = { .ts_usec = (uint64_t)(T0 + 260) * 1000000u, .event_type = "dns", .src_ip = "10.0.0.10",
                          .dest_ip = "8.8.8.8", .src_port = 5353, .dest_port = 53, .proto = "UDP" };
    const char *dj = "{\"event_type\":\"dns\"}";
    gl_store_add(s, &dns, dj, strlen(dj));
    /* e7, e8: two hosts nobody registered, one campaign indicator: incident C */
    add_alert(s, 400, "192.0.2.1", "172.16.0.1", "Campaign X", 4, 2, "\"guanlan\":{\"campaign\":\"op-x\"}");
    add_alert(s, 500, "192.0.2.2", "172.16.9.9", "Campaign X stage 2", 5, 2, "\"guanlan\":{\"campaign\":\"op-x\"}");
    /* e9: 10.0.0.10 again 3 h after A's last alert (09:02): outside the
     * 60 min window, so a new incident D */
    add_alert(s, 3 * 3600, "203.0.113.5", "10.0.0.10", "ET SCAN A", 1, 2, NULL);
    CHECK(gl_store_close(s, NULL) == 0, "store close");
}

static int64_t count(const char *sql)
{
    return atoll(h_sql1(sql));
}

static void test_correlation(const char *reg_path)
{
    h_result r;
    h_run(&r, "correlate", "--db", h_db, "--registry", reg_path, NULL);
    CHECK(r.rc == 0, "correlate rc %d: %s", r.rc, r.err);
    /* 9 alert events read (e1..e9), e6 ignored, A B C D created, one duplicate (e2) */
    CHECK(r.doc && json_integer_value(json_object_get(r.doc, "alerts_read")) == 9, "read: %s", r.out);
    CHECK(r.doc && json_integer_value(json_object_get(r.doc, "alerts_ignored")) == 1, "ignored: %s", r.out);
    CHECK(r.doc && json_integer_value(json_object_get(r.doc, "incidents_created")) == 4, "created: %s", r.out);
    CHECK(r.doc && json_integer_value(json_object_get(r.doc, "duplicates")) == 1, "dups: %s", r.out);
    h_free(&r);
    CHECK(count("SELECT count(*) FROM incidents") == 4, "4 incidents");
    /* A = 1: e1 (+e2 duplicate) and e3 */
    CHECK(count("SELECT alert_count FROM incidents WHERE id=1") == 3, "A alert_count");
    CHECK(count("SELECT count(*) FROM incident_alerts WHERE incident_id=1") == 2, "A rows");
    CHECK(count("SELECT duplicates FROM incident_alerts WHERE incident_id=1 AND signature='ET SCAN A'") == 1,
          "A duplicate count");
    CHECK(strcmp(h_sql1("SELECT asset FROM incidents WHERE id=1"), "门户网站") == 0, "A asset");
    CHECK(strcmp(h_sql1("SELECT discovered_at FROM incidents WHERE id=1"), "2026-03-02T09:00:00+08:00") == 0,
          "A discovered_at %s", h_sql1("SELECT discovered_at FROM incidents WHERE id=1"));
    CHECK(strcmp(h_sql1("SELECT json_extract(facts_json,'$.operator.name')||'/'||json_extract(facts_json,"
                        "'$.operator.route') FROM incidents WHERE id=1"), "某市大数据中心/other") == 0,
          "A operator from registry");
    /* B = 2: e4 + e5 by JA3; the asset is CII so the route is cii */
    CHECK(count("SELECT alert_count FROM incidents WHERE id=2") == 2, "B alert_count");
    CHECK(strcmp(h_sql1("SELECT matched_key FROM incident_alerts WHERE incident_id=2 AND dest_ip='192.0.2.77'"),
                 "ja3:e7d705a3286e19ea42f587b344ee6865") == 0, "B joined by ja3");
    CHECK(strcmp(h_sql1("SELECT json_extract(facts_json,'$.operator.route') FROM incidents WHERE id=2"), "cii") == 0,
          "B route cii");
    CHECK(strcmp(h_sql1("SELECT json_extract(details_json,'$.system.population_served') FROM incidents WHERE id=2"),
                 "1200000") == 0, "B population served in details");
    /* C = 3: e7 + e8 by campaign */
    CHECK(count("SELECT alert_count FROM incidents WHERE id=3") == 2, "C alert_count");
    CHECK(strcmp(h_sql1("SELECT matched_key FROM incident_alerts WHERE incident_id=3 AND dest_ip='172.16.9.9'"),
                 "campaign:op-x") == 0, "C joined by campaign");
    /* D = 4: e9 alone */
    CHECK(count("SELECT alert_count FROM incidents WHERE id=4") == 1, "D alert_count");
    CHECK(strcmp(h_sql1("SELECT origin||'/'||status FROM incidents WHERE id=4"), "correlation/open") == 0, "D origin");

    /* running again reads nothing new */
    h_run(&r, "correlate", "--db", h_db, "--registry", reg_path, NULL);
    CHECK(r.rc == 0 && r.doc && json_integer_value(json_object_get(r.doc, "alerts_read")) == 0, "rerun: %s", r.out);
    h_free(&r);
    h_run(&r, "verify", "--db", h_db, NULL);
    CHECK(r.rc == 0, "verify after correlation: %s", r.err);
    h_free(&r);
}

static void test_later_alert_and_evidence(const char *reg_path)
{
    char err[256];
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = h_db;
    gl_store *s = gl_store_open(&cfg, err, sizeof(err));
    if (!s)
        return;
    /* 10.0.0.10 at T0+3h+10min: within D's window (D seen at T0+3h), not A's */
    add_alert(s, 3 * 3600 + 600, "203.0.113.9", "10.0.0.10", "ET SCAN C", 7, 2, NULL);
    gl_store_close(s, NULL);
    h_result r;
    h_run(&r, "correlate", "--db", h_db, "--registry", reg_path, NULL);
    CHECK(r.rc == 0 && r.doc && json_integer_value(json_object_get(r.doc, "incidents_created")) == 0 &&
              json_integer_value(json_object_get(r.doc, "incidents_updated")) == 1, "later alert: %s", r.out);
    h_free(&r);
    CHECK(count("SELECT alert_count FROM incidents WHERE id=4") == 2, "D grew");
    CHECK(count("SELECT alert_count FROM incidents WHERE id=1") == 3, "A unchanged");
    /* evidence: the first alert event of A edited in the events table */
    h_sql("UPDATE events SET json=replace(json,'ET SCAN A','benign') WHERE id=1");
    h_run(&r, "verify", "--db", h_db, NULL);
    CHECK(r.rc == 3 && strstr(r.err, "events id 1 (evidence of incident 1): event modified"), "evidence: %d %s", r.rc,
          r.err);
    h_free(&r);
}

/* The rules can be switched: with same_host only, e5 (other hosts, same
 * JA3) cannot join B, and e8 cannot join e7's incident. */
static void test_rules_switch(void)
{
    char err[256];
    gl_corr_rules rules;
    CHECK(gl_corr_rules_parse(&rules, "rules: [same_host]\nwindow_minutes: 60\n", strlen("rules: [same_host]\nwindow_minutes: 60\n"), err, sizeof(err)), "rules: %s",
          err);
    CHECK(rules.same_host && !rules.fingerprint && !rules.indicator && rules.window_sec == 3600, "rules parsed");
    h_tmpdb();
    write_events();
    sqlite3 *db = gl_incdb_open(h_db, err, sizeof(err));
    gl_corr_stats st;
    CHECK(db && gl_correlate(db, &rules, NULL, "t", "data/calendar", &st, err, sizeof(err)), "correlate: %s", err);
    /* A(e1,e2,e3) B(e4) e5 e7 e8 D(e9): 6 incidents */
    CHECK(st.incidents_created == 6, "same_host only: %lld incidents", (long long)st.incidents_created);
    gl_incdb_close(db);
    h_cleanup();
    /* bad rules files name the field */
    CHECK(!gl_corr_rules_parse(&rules, "rules: [same_hots]\n", strlen("rules: [same_hots]\n"), err, sizeof(err)) && strstr(err, "rules"),
          "unknown rule: %s", err);
    CHECK(!gl_corr_rules_parse(&rules, "window_minutes: 0\n", strlen("window_minutes: 0\n"), err, sizeof(err)) && strstr(err, "window_minutes"),
          "zero window: %s", err);
    CHECK(!gl_corr_rules_parse(&rules, "offset: +8\n", strlen("offset: +8\n"), err, sizeof(err)) && strstr(err, "offset"), "offset: %s",
          err);
}

static void test_alert_parse(void)
{
    gl_corr_alert a;
    const char *ok = "{\"event_type\":\"alert\",\"src_ip\":\"1.2.3.4\",\"dest_ip\":\"5.6.7.8\",\"alert\":{\"signature\":"
                     "\"S\",\"severity\":1},\"tls\":{\"sni\":\"Evil.Example\",\"fingerprint\":\"AA:bb:01\"},"
                     "\"ssh\":{\"client\":{\"hassh\":{\"hash\":\"ABC\"}}}}";
    CHECK(gl_corr_parse_alert(ok, strlen(ok), &a), "parse alert");
    CHECK(a.n_keys == 3 && strcmp(a.keys[0], "sni:evil.example") == 0 && strcmp(a.keys[1], "cert_sha1:aabb01") == 0 &&
              strcmp(a.keys[2], "hassh:abc") == 0,
          "keys: %zu %s %s", a.n_keys, a.keys[0], a.n_keys > 1 ? a.keys[1] : "");
    CHECK(!gl_corr_parse_alert("{\"event_type\":\"dns\"}", 20, &a), "not an alert");
    CHECK(!gl_corr_parse_alert("{\"event_type\":\"alert\",\"alert\":{}}", 33, &a), "no signature");
    CHECK(!gl_corr_parse_alert("{\"event_type\":\"alert\"", 21, &a), "truncated JSON");
}

int main(int argc, char **argv)
{
    h_as_guanlan(argc, argv);
    test_alert_parse();
    h_tmpdb();
    char reg[400];
    snprintf(reg, sizeof(reg), "%s/assets.yaml", h_dir);
    FILE *fp = fopen(reg, "w");
    fputs(REGISTRY, fp);
    fclose(fp);
    write_events();
    test_correlation(reg);
    test_later_alert_and_evidence(reg);
    h_cleanup();
    test_rules_switch();
    return h_done("test-incident-correlate");
}
