/*
 * report.c — the incident reports of the Measures: the eight-item report of
 * Art. 7 (first report and supplements) and the Art. 8 summary report after
 * handling ends, in Chinese with the Measures' own item headings and
 * optionally English, as Markdown, JSON or a printable HTML page.
 *
 * A version is built once from what is known at that moment (facts,
 * narrative details, grade, linked alerts) into a language-neutral JSON
 * content document that is stored, chained and never changed; every
 * rendering is a pure function of that content, so a version printed today
 * and in a year is the same text. Unknown items say "待补充" (to be
 * supplemented): Art. 7 lets items 1–2 go first and the rest follow.
 */
#include "incident/incident-db.h"

#include "common/gl-json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_FORMAT "guanlan-incident-report/1"
#define MAX_ALERT_LINES 20

/* Art. 7 items: the Measures' headings, and an English rendering. */
static const char *const ITEM_ZH[9] = {
    NULL,
    "事发单位名称及发生事件的设施、系统、平台的基本情况",
    "事件发现或者发生时间、地点、事件类型、级别、已造成的影响和危害，已采取的措施及效果（勒索软件攻击事件还应包括勒索金额、支付方式、日期等）",
    "事态发展趋势及可能进一步造成的影响和危害",
    "网络安全事件原因初步分析意见",
    "进一步调查分析所需的线索，包括可能的攻击者信息、攻击路径、存在的漏洞等",
    "拟进一步采取的应对措施以及请求支援事项",
    "网络安全事件现场保护情况",
    "其他应当报告的情况",
};
static const char *const ITEM_EN[9] = {
    NULL,
    "Name of the affected entity and basic facts of the affected facility, system or platform",
    "Time and place of discovery or occurrence, type, level, impact and harm so far, measures taken and their "
    "effect (for ransomware: ransom amount, payment method and date)",
    "Likely development and further impact and harm",
    "Preliminary analysis of the cause",
    "Leads for further investigation: possible attacker information, attack path, vulnerabilities",
    "Further measures planned and support requested",
    "Preservation of the scene",
    "Other matters to report",
};

/* Art. 8 summary report sections. */
static const char *const SUMMARY_KEYS[] = { "cause", "response", "harm", "accountability", "rectification",
                                            "lessons", NULL };

typedef struct label {
    const char *key, *zh, *en;
} label;

static const label LABELS[] = {
    { "entity", "事发单位", "Affected entity" },
    { "system", "系统名称", "System" },
    { "owner", "责任部门", "Owner" },
    { "description", "基本情况", "Description" },
    { "cii", "是否关键信息基础设施", "Critical information infrastructure" },
    { "population_served", "服务人口", "Population served" },
    { "site", "网站/平台", "Website / platform" },
    { "discovered_at", "发现时间", "Discovered at" },
    { "occurred_at", "发生时间", "Occurred at" },
    { "place", "地点", "Place" },
    { "type", "事件类型", "Incident type" },
    { "level", "事件级别", "Level" },
    { "criteria", "定级依据（《网络安全事件分级指南》）", "Grading basis (Grading Guide)" },
    { "impact", "已造成的影响和危害", "Impact and harm so far" },
    { "measures_taken", "已采取的措施", "Measures taken" },
    { "measures_effect", "措施效果", "Effect of the measures" },
    { "ransom_amount", "勒索金额", "Ransom amount" },
    { "ransom_payment_method", "支付方式", "Payment method" },
    { "ransom_demanded_at", "勒索日期", "Date demanded" },
    { "alerts", "监测告警", "Alerts observed" },
    { "development", "事态发展趋势", "Likely development" },
    { "cause", "原因分析", "Cause" },
    { "attacker", "可能的攻击者信息", "Possible attacker" },
    { "attack_path", "攻击路径", "Attack path" },
    { "vulnerabilities", "存在的漏洞", "Vulnerabilities" },
    { "indicators", "关联特征", "Indicators" },
    { "further_measures", "拟采取的应对措施", "Further measures" },
    { "support_requested", "请求支援事项", "Support requested" },
    { "scene_preservation", "现场保护情况", "Scene preservation" },
    { "other", "其他情况", "Other" },
    { "reporting", "报告对象及时限", "Reported to / deadline" },
    { "contact", "联系人", "Contact" },
    { "response", "应急处置情况", "Response" },
    { "harm", "造成的危害", "Harm" },
    { "accountability", "责任追究情况", "Accountability" },
    { "rectification", "整改情况", "Rectification" },
    { "lessons", "经验教训", "Lessons learned" },
    { "handling_ended_at", "处置结束时间", "Handling ended at" },
    { "summary_report_due", "总结报告期限", "Summary report due" },
    { NULL, NULL, NULL },
};

static const label *find_label(const char *key)
{
    for (size_t i = 0; LABELS[i].key; i++)
        if (strcmp(LABELS[i].key, key) == 0)
            return &LABELS[i];
    return NULL;
}

static const char *TO_ZH(const char *to)
{
    static const label names[] = {
        { "protection_department", "保护工作部门", "CII protection department" },
        { "public_security", "公安机关", "public security organ" },
        { "department_cyberspace_body", "本部门网信工作机构", "the department's cyberspace-affairs body" },
        { "provincial_cac", "属地省级网信部门", "provincial CAC office" },
        { "national_cac", "国家网信部门", "national CAC" },
        { "mps", "国务院公安部门", "Ministry of Public Security" },
        { NULL, NULL, NULL },
    };
    for (size_t i = 0; names[i].key; i++)
        if (strcmp(names[i].key, to) == 0)
            return names[i].zh;
    return to;
}

/* ---------------------------------------------------------------- build */

static json_t *get(json_t *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *cur = o;
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
        cur = json_object_get(cur, tok);
    return cur;
}

/* A field copied from src when it holds something. */
static void put(json_t *fields, const char *key, json_t *v)
{
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return;
    json_object_set(fields, key, v);
}

static void put_new(json_t *fields, const char *key, json_t *v)
{
    put(fields, key, v);
    json_decref(v);
}

static json_t *new_item(json_t *items, int n)
{
    json_t *it = json_object();
    json_object_set_new(it, "item", json_integer(n));
    json_object_set_new(it, "heading_zh", json_string(ITEM_ZH[n]));
    json_object_set_new(it, "heading_en", json_string(ITEM_EN[n]));
    json_object_set_new(it, "fields", json_object());
    json_array_append_new(items, it);
    return json_object_get(it, "fields");
}

static json_t *criteria_lines(json_t *grade)
{
    json_t *lines = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(grade, "criteria"), i, c) {
        char buf[320];
        snprintf(buf, sizeof(buf), "Guide item %" JSON_INTEGER_FORMAT " (%s): %s",
                 json_integer_value(json_object_get(c, "item")),
                 json_string_value(json_object_get(c, "level")) ?: "?",
                 json_string_value(json_object_get(c, "why")) ?: "");
        json_array_append_new(lines, json_string(buf));
    }
    return lines;
}

static json_t *site_text(json_t *site)
{
    if (!json_is_object(site))
        return NULL;
    char buf[200];
    const char *ps = json_string_value(json_object_get(site, "platform_size"));
    snprintf(buf, sizeof(buf), "%s, %s%s%s", json_string_value(json_object_get(site, "kind")) ?: "?",
             json_string_value(json_object_get(site, "level")) ?: "?", ps ? ", " : "", ps ? ps : "");
    return json_string(buf);
}

static json_t *alert_lines(json_t *alerts, json_t **indicators)
{
    json_t *lines = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(alerts, i, a) {
        if (i == MAX_ALERT_LINES) {
            char more[64];
            snprintf(more, sizeof(more), "... %zu more", json_array_size(alerts) - MAX_ALERT_LINES);
            json_array_append_new(lines, json_string(more));
            break;
        }
        char buf[600];
        snprintf(buf, sizeof(buf), "%s: %s -> %s, %s (x%" JSON_INTEGER_FORMAT ")",
                 json_string_value(json_object_get(a, "ts")) ?: "?",
                 json_string_value(json_object_get(a, "src_ip")) ?: "?",
                 json_string_value(json_object_get(a, "dest_ip")) ?: "?",
                 json_string_value(json_object_get(a, "signature")) ?: "?",
                 json_integer_value(json_object_get(a, "duplicates")) + 1);
        json_array_append_new(lines, json_string(buf));
    }
    *indicators = NULL;
    return lines;
}

static json_t *reporting_lines(json_t *grade)
{
    json_t *lines = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(grade, "obligations"), i, o) {
        char to[256] = "";
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(o, "to"), k, t) {
            size_t l = strlen(to);
            snprintf(to + l, sizeof(to) - l, "%s%s", k ? "、" : "", TO_ZH(json_string_value(t) ?: "?"));
        }
        char buf[400];
        const char *due = json_string_value(json_object_get(o, "due"));
        snprintf(buf, sizeof(buf), "%s -> %s: %" JSON_INTEGER_FORMAT " min%s%s",
                 TO_ZH(json_string_value(json_object_get(o, "by")) ?: "?"), to,
                 json_integer_value(json_object_get(o, "within_minutes")), due ? ", due " : " after receipt",
                 due ? due : "");
        json_array_append_new(lines, json_string(buf));
    }
    return lines;
}

static void build_items(json_t *content, json_t *inc)
{
    json_t *facts = json_object_get(inc, "facts"), *d = json_object_get(inc, "details");
    json_t *grade = json_object_get(inc, "grade"), *sys = json_object_get(d, "system");
    json_t *items = json_array(), *f, *indicators = NULL;
    json_object_set_new(content, "items", items);

    f = new_item(items, 1);
    put(f, "entity", get(facts, "operator.name"));
    put(f, "system", json_object_get(sys, "name") ? json_object_get(sys, "name") : json_object_get(inc, "asset"));
    put(f, "owner", json_object_get(sys, "owner"));
    put(f, "description", json_object_get(sys, "description"));
    put(f, "cii", json_object_get(sys, "cii"));
    put(f, "population_served", json_object_get(sys, "population_served"));
    put_new(f, "site", site_text(json_object_get(sys, "site")));

    f = new_item(items, 2);
    put(f, "discovered_at", json_object_get(facts, "discovered_at"));
    put(f, "occurred_at", json_object_get(d, "occurred_at"));
    put(f, "place", json_object_get(d, "place"));
    put(f, "type", json_object_get(d, "type"));
    if (json_is_string(json_object_get(grade, "level"))) {
        char lv[96];
        snprintf(lv, sizeof(lv), "%s (%s, %s)", json_string_value(json_object_get(grade, "level_cn")) ?: "",
                 json_string_value(json_object_get(grade, "level_roman")) ?: "",
                 json_string_value(json_object_get(grade, "level")));
        put_new(f, "level", json_string(lv));
    }
    if (grade)
        put_new(f, "criteria", criteria_lines(grade));
    put(f, "impact", json_object_get(d, "impact"));
    put(f, "measures_taken", json_object_get(d, "measures_taken"));
    put(f, "measures_effect", json_object_get(d, "measures_effect"));
    json_t *rw = json_object_get(d, "ransomware");
    const char *type = json_string_value(json_object_get(d, "type"));
    bool ransomware = json_object_size(rw) > 0 || (type && (strstr(type, "ransomware") || strstr(type, "勒索")));
    json_object_set_new(content, "ransomware", json_boolean(ransomware));
    if (ransomware) {
        /* Art. 7(2): these three are required for ransomware; an unknown
         * one is written as pending rather than left out. */
        json_t *p = json_string("待补充 / to be supplemented");
        json_object_set(f, "ransom_amount", json_object_get(rw, "amount") ?: p);
        json_object_set(f, "ransom_payment_method", json_object_get(rw, "payment_method") ?: p);
        json_object_set(f, "ransom_demanded_at", json_object_get(rw, "demanded_at") ?: p);
        json_decref(p);
    }
    json_t *alerts = json_object_get(inc, "alerts");
    if (json_array_size(alerts))
        put_new(f, "alerts", alert_lines(alerts, &indicators));

    f = new_item(items, 3);
    put(f, "development", json_object_get(d, "development"));
    f = new_item(items, 4);
    put(f, "cause", json_object_get(d, "cause"));
    f = new_item(items, 5);
    put(f, "attacker", get(d, "tracing.attacker"));
    put(f, "attack_path", get(d, "tracing.attack_path"));
    put(f, "vulnerabilities", get(d, "tracing.vulnerabilities"));
    if (json_array_size(json_object_get(inc, "correlation_keys")))
        put(f, "indicators", json_object_get(inc, "correlation_keys"));
    f = new_item(items, 6);
    put(f, "further_measures", json_object_get(d, "further_measures"));
    put(f, "support_requested", json_object_get(d, "support_requested"));
    f = new_item(items, 7);
    put(f, "scene_preservation", json_object_get(d, "scene_preservation"));
    f = new_item(items, 8);
    put(f, "other", json_object_get(d, "other"));
    put(f, "contact", json_object_get(d, "contact"));
    if (grade && json_array_size(json_object_get(grade, "obligations")))
        put_new(f, "reporting", reporting_lines(grade));
    json_decref(indicators);
}

static void build_summary(json_t *content, json_t *inc)
{
    json_t *d = json_object_get(inc, "details"), *facts = json_object_get(inc, "facts");
    json_t *s = json_object_get(d, "summary"), *f = json_object();
    json_object_set_new(content, "summary", f);
    put(f, "entity", get(facts, "operator.name"));
    put(f, "handling_ended_at", json_object_get(facts, "handling_ended_at"));
    put(f, "summary_report_due", get(inc, "grade.summary_report_due"));
    for (size_t i = 0; SUMMARY_KEYS[i]; i++)
        put(f, SUMMARY_KEYS[i], strcmp(SUMMARY_KEYS[i], "cause") == 0 ? json_object_get(d, "cause")
                                                                       : json_object_get(s, SUMMARY_KEYS[i]));
}

json_t *gl_report_build(json_t *inc, const char *kind, int version, const char *created_at, const char *who)
{
    json_t *c = json_object();
    json_t *grade = json_object_get(inc, "grade");
    json_object_set_new(c, "format", json_string(REPORT_FORMAT));
    json_object_set(c, "incident_id", json_object_get(inc, "id"));
    json_object_set(c, "title", json_object_get(inc, "title"));
    json_object_set_new(c, "version", json_integer(version));
    json_object_set_new(c, "kind", json_string(kind));
    json_object_set_new(c, "created_at", json_string(created_at));
    json_object_set_new(c, "created_by", json_string(who));
    json_object_set_new(c, "basis", json_string(strcmp(kind, "summary") == 0
                                                    ? "国家网络安全事件报告管理办法 第八条"
                                                    : "国家网络安全事件报告管理办法 第七条"));
    json_object_set(c, "level", json_object_get(grade, "level") ?: json_null());
    json_object_set(c, "level_cn", json_object_get(grade, "level_cn") ?: json_null());
    json_object_set(c, "level_roman", json_object_get(grade, "level_roman") ?: json_null());
    json_object_set(c, "reportable", json_object_get(grade, "reportable") ?: json_null());
    json_object_set(c, "route", json_object_get(grade, "route") ?: json_null());
    json_object_set(c, "first_report_due", json_object_get(inc, "first_report_due"));
    json_object_set(c, "grade_error", json_object_get(inc, "grade_error"));
    if (strcmp(kind, "summary") == 0)
        build_summary(c, inc);
    else
        build_items(c, inc);
    return c;
}

/* ---------------------------------------------------------------- render */

typedef struct out {
    gl_json b; /* used as a plain byte buffer */
    gl_rep_format fmt;
    bool zh, en;
} out;

static void add(out *o, const char *s)
{
    gl_json_append(&o->b, s, strlen(s));
}

static void addf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(out *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    add(o, buf);
}

/* Text as it must appear in the format: HTML-escaped, or with Markdown's
 * line-start specials neutralised so a value cannot forge a heading. */
static void add_text(out *o, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (o->fmt == GL_REP_HTML) {
            switch (c) {
            case '&': add(o, "&amp;"); continue;
            case '<': add(o, "&lt;"); continue;
            case '>': add(o, "&gt;"); continue;
            case '"': add(o, "&quot;"); continue;
            case '\'': add(o, "&#39;"); continue;
            case '\n': add(o, "<br>"); continue;
            default: break;
            }
        } else if (c == '\n') {
            add(o, "  \n  ");
            continue;
        } else if (strchr("\\`*_[]<>#|", c)) {
            gl_json_append(&o->b, "\\", 1);
        }
        gl_json_append(&o->b, &c, 1);
    }
}

static void add_bilingual(out *o, const char *zh, const char *en)
{
    if (o->zh)
        add_text(o, zh);
    if (o->zh && o->en)
        add(o, " / ");
    if (o->en)
        add_text(o, en);
}

static void add_value(out *o, json_t *v)
{
    char num[64];
    if (json_is_string(v)) {
        add_text(o, json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        add(o, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        add(o, num);
    } else if (json_is_boolean(v)) {
        add_bilingual(o, json_is_true(v) ? "是" : "否", json_is_true(v) ? "yes" : "no");
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            add(o, o->fmt == GL_REP_HTML ? (i ? "<br>" : "") : (i ? "; " : ""));
            add_value(o, e);
        }
    }
}

static void add_field(out *o, const char *key, json_t *v)
{
    const label *l = find_label(key);
    add(o, o->fmt == GL_REP_HTML ? "<tr><th>" : "- **");
    add_bilingual(o, l ? l->zh : key, l ? l->en : key);
    add(o, o->fmt == GL_REP_HTML ? "</th><td>" : "**: ");
    add_value(o, v);
    add(o, o->fmt == GL_REP_HTML ? "</td></tr>\n" : "\n");
}

static const char *NUM_ZH[9] = { "", "一", "二", "三", "四", "五", "六", "七", "八" };

static void heading(out *o, int level, const char *zh, const char *en)
{
    if (o->fmt == GL_REP_HTML) {
        addf(o, "<h%d>", level);
        add_bilingual(o, zh, en);
        addf(o, "</h%d>\n", level);
    } else {
        for (int i = 0; i < level; i++)
            add(o, "#");
        add(o, " ");
        add_bilingual(o, zh, en);
        add(o, "\n\n");
    }
}

static void render_fields(out *o, json_t *fields, const char *const *order)
{
    if (o->fmt == GL_REP_HTML)
        add(o, "<table>\n");
    if (order) {
        for (size_t i = 0; order[i]; i++)
            if (json_object_get(fields, order[i]))
                add_field(o, order[i], json_object_get(fields, order[i]));
    } else {
        /* insertion order of the build is the Measures' order */
        const char *key;
        json_t *v;
        json_object_foreach(fields, key, v)
            add_field(o, key, v);
    }
    if (o->fmt == GL_REP_HTML)
        add(o, "</table>\n");
}

static void pending(out *o)
{
    add(o, o->fmt == GL_REP_HTML ? "<p class=\"pending\">" : "");
    add_bilingual(o, "待补充（第七条：可先报告第一项、第二项内容，其他情况及时补报）",
                  "To be supplemented (Art. 7: items 1 and 2 may be reported first, the rest later)");
    add(o, o->fmt == GL_REP_HTML ? "</p>\n" : "\n");
}

static void render_meta(out *o, json_t *c)
{
    const char *kind = json_string_value(json_object_get(c, "kind")) ?: "?";
    const char *kzh = strcmp(kind, "summary") == 0 ? "总结报告" : strcmp(kind, "initial") == 0 ? "首次报告" : "补充报告";
    const char *ken = strcmp(kind, "summary") == 0 ? "Summary report" : strcmp(kind, "initial") == 0
                                                                          ? "First report" : "Supplementary report";
    char zh[256], en[256];
    snprintf(zh, sizeof(zh), "网络安全事件报告（%s，第%" JSON_INTEGER_FORMAT "版）", kzh,
             json_integer_value(json_object_get(c, "version")));
    snprintf(en, sizeof(en), "Cybersecurity incident report (%s, version %" JSON_INTEGER_FORMAT ")", ken,
             json_integer_value(json_object_get(c, "version")));
    heading(o, 1, zh, en);
    json_t *meta = json_object();
    char id[32];
    snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(c, "incident_id")));
    json_object_set_new(meta, "incident", json_string(id));
    put(meta, "title", json_object_get(c, "title"));
    put(meta, "basis", json_object_get(c, "basis"));
    put(meta, "created_at", json_object_get(c, "created_at"));
    put(meta, "created_by", json_object_get(c, "created_by"));
    if (json_is_string(json_object_get(c, "level"))) {
        char lv[128];
        snprintf(lv, sizeof(lv), "%s (%s, %s)", json_string_value(json_object_get(c, "level_cn")) ?: "",
                 json_string_value(json_object_get(c, "level_roman")) ?: "",
                 json_string_value(json_object_get(c, "level")));
        json_object_set_new(meta, "level", json_string(lv));
    } else {
        put(meta, "level", json_object_get(c, "grade_error"));
    }
    put(meta, "first_report_due", json_object_get(c, "first_report_due"));
    static const label meta_labels[] = {
        { "incident", "事件编号", "Incident" }, { "title", "事件名称", "Title" },
        { "basis", "依据", "Basis" }, { "created_at", "报告时间", "Reported at" },
        { "created_by", "报告人", "Reported by" }, { "level", "事件级别", "Level" },
        { "first_report_due", "首次报告时限", "First report due" }, { NULL, NULL, NULL },
    };
    if (o->fmt == GL_REP_HTML)
        add(o, "<table class=\"meta\">\n");
    for (size_t i = 0; meta_labels[i].key; i++) {
        json_t *v = json_object_get(meta, meta_labels[i].key);
        if (!v)
            continue;
        add(o, o->fmt == GL_REP_HTML ? "<tr><th>" : "- **");
        add_bilingual(o, meta_labels[i].zh, meta_labels[i].en);
        add(o, o->fmt == GL_REP_HTML ? "</th><td>" : "**: ");
        add_value(o, v);
        add(o, o->fmt == GL_REP_HTML ? "</td></tr>\n" : "\n");
    }
    if (o->fmt == GL_REP_HTML)
        add(o, "</table>\n");
    else
        add(o, "\n");
    json_decref(meta);
}

static void render_body(out *o, json_t *c)
{
    render_meta(o, c);
    json_t *summary = json_object_get(c, "summary");
    if (summary) {
        static const char *const order[] = { "entity", "handling_ended_at", "summary_report_due", "cause",
                                             "response", "harm", "accountability", "rectification", "lessons",
                                             NULL };
        heading(o, 2, "总结报告（第八条）", "Summary report (Art. 8)");
        render_fields(o, summary, order);
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(c, "items"), i, it) {
        json_int_t n = json_integer_value(json_object_get(it, "item"));
        if (n < 1 || n > 8)
            continue;
        char zh[400], en[400];
        snprintf(zh, sizeof(zh), "%s、%s", NUM_ZH[n], json_string_value(json_object_get(it, "heading_zh")) ?: "");
        snprintf(en, sizeof(en), "%" JSON_INTEGER_FORMAT ". %s", n,
                 json_string_value(json_object_get(it, "heading_en")) ?: "");
        heading(o, 2, zh, en);
        json_t *fields = json_object_get(it, "fields");
        if (json_object_size(fields))
            render_fields(o, fields, NULL);
        else
            pending(o);
        if (o->fmt == GL_REP_MD)
            add(o, "\n");
    }
}

static const char *HTML_HEAD =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
static const char *HTML_STYLE =
    "</title>\n<style>\n"
    "body{font-family:\"Noto Serif CJK SC\",\"SimSun\",serif;max-width:180mm;margin:auto;line-height:1.6}\n"
    "table{border-collapse:collapse;width:100%;margin-bottom:1em}\n"
    "th,td{border:1px solid #444;padding:4px 6px;vertical-align:top;text-align:left}\n"
    "th{width:30%;background:#f2f2f2}\n.pending{color:#a00}\n"
    "@media print{@page{size:A4;margin:20mm}h2{page-break-after:avoid}table{page-break-inside:avoid}}\n"
    "</style>\n</head>\n<body>\n";

char *gl_report_render(json_t *content, gl_rep_format fmt, const char *langs)
{
    out o = { .fmt = fmt };
    gl_json_init(&o.b);
    o.zh = !langs || strstr(langs, "zh") != NULL;
    o.en = langs && strstr(langs, "en") != NULL;
    if (fmt == GL_REP_JSON) {
        char *s = json_dumps(content, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!s)
            return NULL;
        add(&o, s);
        add(&o, "\n");
        free(s);
    } else if (fmt == GL_REP_HTML) {
        add(&o, HTML_HEAD);
        add_bilingual(&o, "网络安全事件报告", "Cybersecurity incident report");
        add(&o, HTML_STYLE);
        render_body(&o, content);
        add(&o, "</body>\n</html>\n");
    } else {
        render_body(&o, content);
    }
    if (o.b.oom) {
        gl_json_free(&o.b);
        return NULL;
    }
    gl_json_append(&o.b, "", 1); /* NUL */
    return o.b.buf;
}

/* ---------------------------------------------------------------- store */

int gl_report_store(sqlite3 *db, int64_t incident_id, json_t *content, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int version = 1;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) + 1 FROM incident_reports WHERE incident_id=?", -1,
                           &st, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_int64(st, 1, incident_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    json_object_set_new(content, "version", json_integer(version));
    char *text = json_dumps(content, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO incident_reports(incident_id, version, kind, created_at, who, content_json)"
                           " VALUES (?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        free(text);
        goto dberr;
    }
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int(st, 2, version);
    sqlite3_bind_text(st, 3, json_string_value(json_object_get(content, "kind")) ?: "?", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, json_string_value(json_object_get(content, "created_at")) ?: "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, json_string_value(json_object_get(content, "created_by")) ?: "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, text, -1, SQLITE_TRANSIENT);
    free(text);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto dberr;
    if (!gl_chain_append(db, incident_id, "incident_reports", sqlite3_last_insert_rowid(db), "report", err, errlen))
        return -1;
    return version;
dberr:
    snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
    return -1;
}
