/*
 * test-incident-report.c — the asset registry (format, strictness, address
 * lookup, routes) and the Art. 7 / Art. 8 reports (items 1–2 first,
 * supplements as new immutable versions, ransomware fields, English,
 * Markdown/JSON/HTML with escaping).
 *
 * Expected headings are the Measures' Art. 7 items as listed in the
 * reference (§3); the registry expectations follow docs/assets.md.
 */
#include "harness-incdb.h"

static const char *REG =
    "operator: {name: 某市供水集团, route: other}\n"
    "assets:\n"
    "  - name: 调度系统\n"
    "    owner: 调度中心\n"
    "    cii: true\n"
    "    population_served: 1200000\n"
    "    addresses: [10.1.0.0/16, 10.1.2.0/24, '2001:db8::/32']\n"
    "  - name: 门户\n"
    "    site_kind: party_gov_portal\n"
    "    admin_level: provincial\n"
    "    addresses: [10.1.2.3]\n"
    "  - name: 平台\n"
    "    route: central_state_organ\n"
    "    site_kind: network_platform\n"
    "    admin_level: central\n"
    "    platform_size: super_large\n";

static void expect_reg_error(const char *yaml, const char *want)
{
    static gl_asset_registry reg;
    char err[300] = "";
    bool ok = gl_asset_registry_parse(&reg, yaml, strlen(yaml), err, sizeof(err));
    CHECK(!ok && strstr(err, want), "registry error: want \"%s\", got %s \"%s\"", want, ok ? "ok" : "", err);
}

static void test_registry(void)
{
    static gl_asset_registry reg;
    char err[300];
    CHECK(gl_asset_registry_parse(&reg, REG, strlen(REG), err, sizeof(err)), "parse: %s", err);
    CHECK(reg.n == 3 && strcmp(reg.operator_name, "某市供水集团") == 0, "n=%zu", reg.n);
    /* longest prefix: 10.1.2.3 is in /16, /24 (调度系统) and /32 (门户) -> 门户 */
    const gl_asset *a = gl_asset_by_ip(&reg, "10.1.2.3");
    CHECK(a && strcmp(a->name, "门户") == 0, "10.1.2.3 -> %s", a ? a->name : "none");
    a = gl_asset_by_ip(&reg, "10.1.2.4");
    CHECK(a && strcmp(a->name, "调度系统") == 0, "10.1.2.4 -> %s", a ? a->name : "none");
    a = gl_asset_by_ip(&reg, "2001:db8:ffff::1");
    CHECK(a && strcmp(a->name, "调度系统") == 0, "v6 -> %s", a ? a->name : "none");
    CHECK(gl_asset_by_ip(&reg, "10.2.0.1") == NULL, "10.2.0.1 unknown");
    CHECK(gl_asset_by_ip(&reg, "2001:db9::1") == NULL, "2001:db9::1 unknown");
    /* routes: CII takes precedence; else the asset's; else the operator's */
    CHECK(gl_asset_effective_route(&reg, gl_asset_by_name(&reg, "调度系统")) == GL_ROUTE_CII, "cii route");
    CHECK(gl_asset_effective_route(&reg, gl_asset_by_name(&reg, "平台")) == GL_ROUTE_CENTRAL_STATE_ORGAN, "asset route");
    CHECK(gl_asset_effective_route(&reg, gl_asset_by_name(&reg, "门户")) == GL_ROUTE_OTHER, "operator route");
    json_t *seed = gl_asset_site_seed(gl_asset_by_name(&reg, "平台"));
    char *s = json_dumps(seed, JSON_SORT_KEYS | JSON_COMPACT);
    CHECK(s && strcmp(s, "{\"kind\":\"network_platform\",\"level\":\"central\",\"platform_size\":\"super_large\"}") == 0,
          "seed %s", s);
    free(s);
    json_decref(seed);

    expect_reg_error("assets:\n  - name: a\n    colour: red\n", "assets[0]: unknown key \"colour\"");
    expect_reg_error("assets:\n  - name: a\n    route: cni\n", "assets[0].route: unknown value \"cni\"");
    expect_reg_error("assets:\n  - name: a\n    cii: yes\n", "assets[0].cii: must be true or false");
    expect_reg_error("assets:\n  - name: a\n    site_kind: key_news_site\n", "site_kind and admin_level go together");
    expect_reg_error("assets:\n  - name: a\n    site_kind: network_platform\n    admin_level: central\n",
                     "platform_size is required");
    expect_reg_error("assets:\n  - name: a\n    platform_size: large\n", "only for site_kind network_platform");
    expect_reg_error("assets:\n  - name: a\n    addresses: [10.0.0.0/33]\n", "assets[0].addresses[0]");
    expect_reg_error("assets:\n  - name: a\n    population_served: -5\n", "assets[0].population_served");
    expect_reg_error("assets:\n  - name: a\n  - name: a\n", "assets[1].name: duplicate name");
    expect_reg_error("assets:\n  - owner: x\n", "assets[0]: name is required");
    expect_reg_error("operator: {name: x, route: nope}\n", "operator.route: unknown value");
    expect_reg_error("assets: [\n", "input: YAML error");
    expect_reg_error("foo: 1\n", "input: unknown key \"foo\"");
}

static json_t *item(json_t *content, int n)
{
    return json_object_get(json_array_get(json_object_get(content, "items"), (size_t)n - 1), "fields");
}

static void test_reports(const char *reg_path)
{
    h_result r;
    h_run(&r, "new", "--db", h_db, "--title", "勒索软件攻击", "--asset", "调度系统", "--registry", reg_path,
          "--discovered", "2026-02-28T23:30:00+08:00", NULL);
    CHECK(r.rc == 0, "new: %s", r.err);
    h_free(&r);
    /* the asset is CII: route cii (operator name from the registry) */
    CHECK(strcmp(h_sql1("SELECT json_extract(facts_json,'$.operator.route')||'/'||"
                        "json_extract(facts_json,'$.operator.name') FROM incidents"), "cii/某市供水集团") == 0,
          "facts from registry");
    /* item 1 and 2 only: first report, items 3..8 empty (to be supplemented) */
    h_run(&r, "set-fact", "--db", h_db, "1", "facts.cii_outage.main_function_minutes=30", "details.type=勒索软件",
          "details.ransomware.amount=5 BTC", NULL);
    CHECK(r.rc == 0, "set-fact: %s", r.err);
    h_free(&r);
    h_run(&r, "report", "--db", h_db, "1", "--format", "json", NULL);
    CHECK(r.rc == 0 && r.doc, "report json: %s", r.err);
    json_t *c = r.doc;
    CHECK(c && strcmp(h_str(c, "kind"), "initial") == 0 && json_integer_value(json_object_get(c, "version")) == 1,
          "v1 initial");
    CHECK(c && json_array_size(json_object_get(c, "items")) == 8, "eight items");
    CHECK(c && strcmp(h_str(json_array_get(json_object_get(c, "items"), 3), "heading_zh"),
                      "网络安全事件原因初步分析意见") == 0, "item 4 heading");
    CHECK(c && strcmp(h_str(item(c, 1), "entity"), "某市供水集团") == 0 && strcmp(h_str(item(c, 1), "system"), "调度系统") == 0,
          "item 1 fields");
    /* 30 min main function: relatively_major (Guide item 2: main >= 30 min) */
    CHECK(c && strcmp(h_str(item(c, 2), "level"), "较大 (III, relatively_major)") == 0, "item 2 level: %s",
          h_str(item(c, 2), "level"));
    CHECK(c && strcmp(h_str(item(c, 2), "ransom_amount"), "5 BTC") == 0, "ransom amount");
    CHECK(c && strstr(h_str(item(c, 2), "ransom_payment_method"), "待补充"), "ransom payment pending");
    CHECK(c && strstr(h_str(item(c, 2), "ransom_demanded_at"), "待补充"), "ransom date pending");
    for (int i = 3; i <= 7; i++)
        CHECK(c && json_object_size(item(c, i)) == 0, "item %d empty in the first report", i);
    /* item 8 carries the reporting chain: operator -> protection dept + police, due 00:30 the next day
     * (23:30 + 60 min crosses midnight into 2026-03-01: 2026 is not a leap year) */
    json_t *rep = json_object_get(item(c, 8), "reporting");
    CHECK(rep && strstr(json_string_value(json_array_get(rep, 0)), "2026-03-01T00:30:00+08:00"), "due in item 8");
    h_free(&r);

    /* Markdown: pending items say so */
    h_run(&r, "report", "--db", h_db, "1", "--version", "1", NULL);
    CHECK(r.rc == 0 && strstr(r.out, "## 三、事态发展趋势及可能进一步造成的影响和危害") && strstr(r.out, "待补充"),
          "markdown v1: %s", r.err);
    CHECK(!strstr(r.out, "Likely development"), "Chinese only by default");
    h_free(&r);

    /* a supplement with the cause known and a hostile string */
    h_run(&r, "set-fact", "--db", h_db, "1", "details.cause=<script>alert(1)</script> & 弱口令", NULL);
    h_free(&r);
    h_run(&r, "report", "--db", h_db, "1", "--format", "html", "--lang", "zh,en", NULL);
    CHECK(r.rc == 0 && strstr(r.out, "<!DOCTYPE html>") && strstr(r.out, "@media print"), "html: %s", r.err);
    CHECK(!strstr(r.out, "<script>") && strstr(r.out, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 弱口令"),
          "html escaped");
    CHECK(strstr(r.out, "补充报告") && strstr(r.out, "Preliminary analysis of the cause"), "bilingual supplement");
    h_free(&r);
    CHECK(strcmp(h_sql1("SELECT group_concat(version||kind, ',') FROM incident_reports"), "1initial,2supplement") == 0,
          "versions");
    /* version 1 unchanged by later facts */
    h_run(&r, "report", "--db", h_db, "1", "--version", "1", "--format", "json", NULL);
    CHECK(r.doc && json_object_size(item(r.doc, 4)) == 0, "v1 still without a cause");
    h_free(&r);
    h_run(&r, "report", "--db", h_db, "1", "--version", "9", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "--version"), "missing version: %d %s", r.rc, r.err);
    h_free(&r);
    h_run(&r, "report", "--db", h_db, "1", "--format", "pdf", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "--format"), "bad format: %s", r.err);
    h_free(&r);
    /* summary refused until handling ended */
    h_run(&r, "report", "--db", h_db, "1", "--summary", NULL);
    CHECK(r.rc == 2 && strstr(r.err, "handling has not ended"), "early summary: %s", r.err);
    h_free(&r);
    h_run(&r, "set-fact", "--db", h_db, "1", "handling_ended_at=\"2026-03-31T12:00:00+08:00\"",
          "details.summary.lessons=加强口令管理", NULL);
    CHECK(r.rc == 0, "end handling: %s", r.err);
    h_free(&r);
    /* 2026-03-31 + 30 days = 2026-04-30 */
    h_run(&r, "report", "--db", h_db, "1", "--summary", "--format", "md", "--lang", "en", NULL);
    CHECK(r.rc == 0 && strstr(r.out, "Summary report (Art. 8)") && strstr(r.out, "2026-04-30T12:00:00+08:00") &&
              strstr(r.out, "加强口令管理"),
          "summary: %s %s", r.out, r.err);
    h_free(&r);
    h_run(&r, "verify", "--db", h_db, NULL);
    CHECK(r.rc == 0, "verify: %s", r.err);
    h_free(&r);
}

int main(int argc, char **argv)
{
    h_as_guanlan(argc, argv);
    test_registry();
    h_tmpdb();
    char reg[400];
    snprintf(reg, sizeof(reg), "%s/assets.yaml", h_dir);
    FILE *fp = fopen(reg, "w");
    fputs(REG, fp);
    fclose(fp);
    setenv("GUANLAN_NOW", "2026-03-01T00:10:00+08:00", 1);
    test_reports(reg);
    h_cleanup();
    return h_done("test-incident-report");
}
