/*
 * test-incident-thresholds.c — every quantitative criterion of the Grading
 * Guide at its boundary (must reach the level: "以上" is inclusive) and one
 * unit below (must fall to the next level down), for every level.
 *
 * Expected levels are read off the Guide's table (reference §2) by hand:
 * hours are converted to minutes in the comments, e.g. 24 h = 1440 min.
 */
#include "harness-incident.h"

#define EM "especially_major"
#define MA "major"
#define RM "relatively_major"
#define GE "general"

static const char *site(const char *kind, const char *lvl, const char *minutes)
{
    static char b[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof(b[k]), "{\"site_outage\":[{\"kind\":\"%s\",\"level\":\"%s\",%s\"minutes\":%s}]}", kind, lvl,
             strcmp(kind, "network_platform") == 0 ? "\"platform_size\":\"super_large\"," : "", minutes);
    return b[k];
}

/* Item 1: I = provincial+ party/gov portal or central key news site >= 24 h
 * (1440 min); II = prefecture+ party/gov/enterprise/institution portal or
 * provincial+ key news site >= 6 h (360); III = same scope >= 2 h (120). */
static void item1(void)
{
    EXPECT_LEVEL(site("party_gov_portal", "provincial", "1440"), EM);
    EXPECT_LEVEL(site("party_gov_portal", "provincial", "1439"), MA);
    EXPECT_LEVEL(site("party_gov_portal", "central", "1440"), EM);
    EXPECT_LEVEL(site("key_news_site", "central", "1440"), EM);
    EXPECT_LEVEL(site("key_news_site", "central", "1439"), MA);
    /* outside the level-I scope: capped at major */
    EXPECT_LEVEL(site("key_news_site", "provincial", "1440"), MA);
    EXPECT_LEVEL(site("party_gov_portal", "prefecture", "100000"), MA);
    EXPECT_LEVEL(site("enterprise_portal", "central", "1440"), MA);
    EXPECT_LEVEL(site("institution_portal", "provincial", "1440"), MA);
    /* major / relatively major boundaries */
    EXPECT_LEVEL(site("enterprise_portal", "prefecture", "360"), MA);
    EXPECT_LEVEL(site("enterprise_portal", "prefecture", "359"), RM);
    EXPECT_LEVEL(site("institution_portal", "prefecture", "359.5"), RM);
    EXPECT_LEVEL(site("party_gov_portal", "prefecture", "120"), RM);
    EXPECT_LEVEL(site("party_gov_portal", "prefecture", "119"), GE);
    EXPECT_LEVEL(site("key_news_site", "provincial", "120"), RM);
    EXPECT_LEVEL(site("key_news_site", "provincial", "119.9"), GE);
    /* outside every scope */
    EXPECT_LEVEL(site("party_gov_portal", "county", "100000"), GE);
    EXPECT_LEVEL(site("key_news_site", "prefecture", "100000"), GE);
    EXPECT_LEVEL(site("network_platform", "central", "100000"), GE);
}

static const char *cii(const char *whole, const char *main_fn)
{
    static char b[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof(b[k]), "{\"cii_outage\":{\"whole_minutes\":%s,\"main_function_minutes\":%s}}", whole, main_fn);
    return b[k];
}

/* Item 2: whole system >= 6 h (360) / main function >= 24 h (1440) -> I;
 * whole >= 1 h (60) / main >= 3 h (180) -> II; whole >= 10 min / main >= 30 min -> III. */
static void item2(void)
{
    EXPECT_LEVEL(cii("360", "0"), EM);
    EXPECT_LEVEL(cii("359", "0"), MA);
    EXPECT_LEVEL(cii("60", "0"), MA);
    EXPECT_LEVEL(cii("59", "0"), RM);
    EXPECT_LEVEL(cii("10", "0"), RM);
    EXPECT_LEVEL(cii("9", "0"), GE);
    EXPECT_LEVEL(cii("0", "1440"), EM);
    EXPECT_LEVEL(cii("0", "1439"), MA);
    EXPECT_LEVEL(cii("0", "180"), MA);
    EXPECT_LEVEL(cii("0", "179"), RM);
    EXPECT_LEVEL(cii("0", "30"), RM);
    EXPECT_LEVEL(cii("0", "29"), GE);
    EXPECT_LEVEL(cii("9", "29"), GE);
    EXPECT_LEVEL(cii("59", "180"), MA); /* the higher sub-measure decides */
}

static const char *pop(const char *people, const char *prov, const char *pref)
{
    static char b[4][200];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof(b[k]),
             "{\"population\":{\"people\":%s,\"province_share_pct\":%s,\"prefecture_share_pct\":%s}}", people, prov, pref);
    return b[k];
}

/* Item 3: I = >= 50 % of a province or >= 10,000,000 people; II = >= 50 % of a
 * prefecture or >= 1,000,000; III = >= 30 % of a prefecture or >= 100,000. */
static void item3(void)
{
    EXPECT_LEVEL(pop("10000000", "0", "0"), EM);
    EXPECT_LEVEL(pop("9999999", "0", "0"), MA);
    EXPECT_LEVEL(pop("1000000", "0", "0"), MA);
    EXPECT_LEVEL(pop("999999", "0", "0"), RM);
    EXPECT_LEVEL(pop("100000", "0", "0"), RM);
    EXPECT_LEVEL(pop("99999", "0", "0"), GE);
    EXPECT_LEVEL(pop("0", "50", "0"), EM);
    EXPECT_LEVEL(pop("0", "49.9", "0"), GE); /* the province share is named only for level I */
    EXPECT_LEVEL(pop("0", "0", "50"), MA);
    EXPECT_LEVEL(pop("0", "0", "49.9"), RM);
    EXPECT_LEVEL(pop("0", "0", "30"), RM);
    EXPECT_LEVEL(pop("0", "0", "29.9"), GE);
    EXPECT_LEVEL(pop("0", "0", "100"), MA); /* a whole prefecture is still only II */
}

static const char *data(const char *cat, const char *act, const char *threat)
{
    static char b[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof(b[k]), "{\"data\":{\"category\":\"%s\",\"action\":\"%s\",\"threat\":\"%s\"}}", cat, act, threat);
    return b[k];
}

/* Item 4: I/II = core or important data leaked, stolen, tampered with or
 * counterfeited with an especially serious / serious threat; III = leaked or
 * stolen only, relatively serious threat. */
static void item4(void)
{
    EXPECT_LEVEL(data("core", "tampered", "especially_serious"), EM);
    EXPECT_LEVEL(data("important", "counterfeited", "especially_serious"), EM);
    EXPECT_LEVEL(data("important", "counterfeited", "serious"), MA);
    EXPECT_LEVEL(data("core", "leaked", "serious"), MA);
    EXPECT_LEVEL(data("important", "leaked", "relatively_serious"), RM);
    EXPECT_LEVEL(data("core", "stolen", "relatively_serious"), RM);
    EXPECT_LEVEL(data("important", "tampered", "relatively_serious"), GE);
    EXPECT_LEVEL(data("core", "counterfeited", "relatively_serious"), GE);
    EXPECT_LEVEL(data("core", "leaked", "some"), GE);
}

static const char *pi(const char *n)
{
    static char b[4][80];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof(b[k]), "{\"pi_leaked_people\":%s}", n);
    return b[k];
}

/* Item 5: >= 100,000,000 / 10,000,000 / 1,000,000 people. */
static void item5(void)
{
    EXPECT_LEVEL(pi("100000000"), EM);
    EXPECT_LEVEL(pi("99999999"), MA);
    EXPECT_LEVEL(pi("10000000"), MA);
    EXPECT_LEVEL(pi("9999999"), RM);
    EXPECT_LEVEL(pi("1000000"), RM);
    EXPECT_LEVEL(pi("999999"), GE);
    EXPECT_LEVEL(pi("1e6"), RM); /* exponent notation of a whole number */
}

static const char *def(const char *target, const char *spread)
{
    static char b[4][400];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof(b[k]), "{\"defacement\":[{%s%s%s}]}", target, spread[0] ? "," : "", spread);
    return b[k];
}

#define SUPER "\"kind\":\"network_platform\",\"level\":\"central\",\"platform_size\":\"super_large\""
#define LARGE "\"kind\":\"network_platform\",\"level\":\"central\",\"platform_size\":\"large\""
#define SMALLP "\"kind\":\"network_platform\",\"level\":\"county\",\"platform_size\":\"other\""

/* Item 6: the level is the lower of what the target and the spread reach.
 * Spread (6a-6d): home page >= 6 h (360) / 2 h (120) / 30 min; other pages
 * >= 24 h (1440) / 12 h (720) / 2 h (120); forwards >= 100,000 / 10,000 /
 * 1,000; views >= 1,000,000 / 100,000 / 10,000; or a declaration. */
static void item6(void)
{
    /* spread boundaries, with a super-large platform so the target never caps */
    EXPECT_LEVEL(def(SUPER, "\"homepage_minutes\":360"), EM);
    EXPECT_LEVEL(def(SUPER, "\"homepage_minutes\":359"), MA);
    EXPECT_LEVEL(def(SUPER, "\"homepage_minutes\":120"), MA);
    EXPECT_LEVEL(def(SUPER, "\"homepage_minutes\":119"), RM);
    EXPECT_LEVEL(def(SUPER, "\"homepage_minutes\":30"), RM);
    EXPECT_LEVEL(def(SUPER, "\"homepage_minutes\":29"), GE);
    EXPECT_LEVEL(def(SUPER, "\"other_page_minutes\":1440"), EM);
    EXPECT_LEVEL(def(SUPER, "\"other_page_minutes\":1439"), MA);
    EXPECT_LEVEL(def(SUPER, "\"other_page_minutes\":720"), MA);
    EXPECT_LEVEL(def(SUPER, "\"other_page_minutes\":719"), RM);
    EXPECT_LEVEL(def(SUPER, "\"other_page_minutes\":120"), RM);
    EXPECT_LEVEL(def(SUPER, "\"other_page_minutes\":119"), GE);
    EXPECT_LEVEL(def(SUPER, "\"forwards\":100000"), EM);
    EXPECT_LEVEL(def(SUPER, "\"forwards\":99999"), MA);
    EXPECT_LEVEL(def(SUPER, "\"forwards\":10000"), MA);
    EXPECT_LEVEL(def(SUPER, "\"forwards\":9999"), RM);
    EXPECT_LEVEL(def(SUPER, "\"forwards\":1000"), RM);
    EXPECT_LEVEL(def(SUPER, "\"forwards\":999"), GE);
    EXPECT_LEVEL(def(SUPER, "\"views\":1000000"), EM);
    EXPECT_LEVEL(def(SUPER, "\"views\":999999"), MA);
    EXPECT_LEVEL(def(SUPER, "\"views\":100000"), MA);
    EXPECT_LEVEL(def(SUPER, "\"views\":99999"), RM);
    EXPECT_LEVEL(def(SUPER, "\"views\":10000"), RM);
    EXPECT_LEVEL(def(SUPER, "\"views\":9999"), GE);
    EXPECT_LEVEL(def(SUPER, "\"declared_spread\":\"especially_wide\""), EM);
    EXPECT_LEVEL(def(SUPER, "\"declared_spread\":\"wide\""), MA);
    EXPECT_LEVEL(def(SUPER, "\"declared_spread\":\"relatively_wide\""), RM);
    EXPECT_LEVEL(def(SUPER, "\"declared_spread\":null"), GE);
    EXPECT_LEVEL(def(SUPER, ""), GE); /* a target with no spread is not enough */
    /* any one of 6a-6d establishes the spread: the widest counts */
    EXPECT_LEVEL(def(SUPER, "\"homepage_minutes\":30,\"views\":100000,\"forwards\":1"), MA);
    /* target caps, with the widest spread */
#define WIDEST "\"declared_spread\":\"especially_wide\""
    EXPECT_LEVEL(def(LARGE, WIDEST), MA);
    EXPECT_LEVEL(def(SMALLP, WIDEST), RM);
    EXPECT_LEVEL(def("\"kind\":\"party_gov_portal\",\"level\":\"provincial\"", WIDEST), EM);
    EXPECT_LEVEL(def("\"kind\":\"party_gov_portal\",\"level\":\"central\"", WIDEST), EM);
    EXPECT_LEVEL(def("\"kind\":\"party_gov_portal\",\"level\":\"prefecture\"", WIDEST), MA);
    EXPECT_LEVEL(def("\"kind\":\"party_gov_portal\",\"level\":\"county\"", WIDEST), RM);
    EXPECT_LEVEL(def("\"kind\":\"key_news_site\",\"level\":\"central\"", WIDEST), EM);
    EXPECT_LEVEL(def("\"kind\":\"key_news_site\",\"level\":\"provincial\"", WIDEST), MA);
    EXPECT_LEVEL(def("\"kind\":\"key_news_site\",\"level\":\"prefecture\"", WIDEST), RM);
    EXPECT_LEVEL(def("\"kind\":\"enterprise_portal\",\"level\":\"central\"", WIDEST), MA);
    EXPECT_LEVEL(def("\"kind\":\"institution_portal\",\"level\":\"prefecture\"", WIDEST), MA);
    EXPECT_LEVEL(def("\"kind\":\"enterprise_portal\",\"level\":\"county\"", WIDEST), RM);
    /* a weak spread on a high target stays low */
    EXPECT_LEVEL(def("\"kind\":\"party_gov_portal\",\"level\":\"central\"", "\"forwards\":1000"), RM);
}

static const char *loss(const char *n)
{
    static char b[4][80];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof(b[k]), "{\"direct_loss_yuan\":%s}", n);
    return b[k];
}

/* Item 7: >= 100,000,000 / 20,000,000 / 5,000,000 yuan. */
static void item7(void)
{
    EXPECT_LEVEL(loss("100000000"), EM);
    EXPECT_LEVEL(loss("99999999.99"), MA);
    EXPECT_LEVEL(loss("20000000"), MA);
    EXPECT_LEVEL(loss("19999999"), RM);
    EXPECT_LEVEL(loss("5000000"), RM);
    EXPECT_LEVEL(loss("4999999.99"), GE);
}

/* Item 8: analyst's assessment maps one to one. */
static void item8(void)
{
    EXPECT_LEVEL("{\"assessed_threat\":\"especially_serious\"}", EM);
    EXPECT_LEVEL("{\"assessed_threat\":\"serious\"}", MA);
    EXPECT_LEVEL("{\"assessed_threat\":\"relatively_serious\"}", RM);
    EXPECT_LEVEL("{\"assessed_threat\":\"some\"}", GE);
    EXPECT_LEVEL("{\"assessed_threat\":null}", GE);
    EXPECT_LEVEL("{}", GE);
}

/* The highest criterion wins, and every criterion that fired is listed with
 * its item number and level. */
static void all_criteria_listed(void)
{
    h_result r;
    h_grade(&r, h_doc("other", "2026-03-02T09:15:00+08:00", NULL,
                      "{\"site_outage\":[{\"kind\":\"enterprise_portal\",\"level\":\"prefecture\",\"minutes\":360},"
                      "{\"kind\":\"party_gov_portal\",\"level\":\"county\",\"minutes\":9999}],"
                      "\"pi_leaked_people\":100000000,\"direct_loss_yuan\":5000000,\"assessed_threat\":\"some\"}"));
    CHECK(r.rc == 0 && r.doc, "rc %d: %s", r.rc, r.err);
    if (!r.doc)
        return;
    CHECK(strcmp(h_str(r.doc, "level"), EM) == 0, "level %s", h_str(r.doc, "level"));
    CHECK(strcmp(h_str(r.doc, "level_cn"), "特别重大") == 0, "level_cn");
    CHECK(strcmp(h_str(r.doc, "level_roman"), "I") == 0, "roman");
    json_t *c = json_object_get(r.doc, "criteria");
    /* expected: item 1 major (360 >= 360), item 5 EM (1e8 >= 1e8), item 7 RM (5e6 >= 5e6);
     * the county portal and "some" threat do not fire */
    static const struct { int item; const char *level; } want[] = { { 1, MA }, { 5, EM }, { 7, RM } };
    CHECK(json_array_size(c) == 3, "criteria count %zu", json_array_size(c));
    for (size_t i = 0; i < 3 && i < json_array_size(c); i++) {
        json_t *e = json_array_get(c, i);
        CHECK(json_integer_value(json_object_get(e, "item")) == want[i].item, "criteria[%zu].item", i);
        CHECK(strcmp(h_str(e, "level"), want[i].level) == 0, "criteria[%zu].level %s", i, h_str(e, "level"));
        CHECK(strlen(h_str(e, "why")) > 10 && !strchr(h_str(e, "why"), '\n'), "criteria[%zu].why", i);
    }
    CHECK(strstr(h_str(json_array_get(c, 0), "why"), "(>= 360)") != NULL, "why names threshold: %s",
          h_str(json_array_get(c, 0), "why"));
    h_free(&r);

    /* levels II, III, IV spelled as the reference's table */
    struct { const char *facts, *id, *cn, *roman; } names[] = {
        { "{\"pi_leaked_people\":10000000}", MA, "重大", "II" },
        { "{\"pi_leaked_people\":1000000}", RM, "较大", "III" },
        { "{}", GE, "一般", "IV" },
    };
    for (size_t i = 0; i < 3; i++) {
        h_grade(&r, h_doc("other", "2026-03-02T09:15:00+08:00", NULL, names[i].facts));
        CHECK(r.doc && strcmp(h_str(r.doc, "level"), names[i].id) == 0, "level id %s", names[i].id);
        CHECK(r.doc && strcmp(h_str(r.doc, "level_cn"), names[i].cn) == 0, "level_cn %s", names[i].cn);
        CHECK(r.doc && strcmp(h_str(r.doc, "level_roman"), names[i].roman) == 0, "roman %s", names[i].roman);
        h_free(&r);
    }
}

int main(int argc, char **argv)
{
    h_as_guanlan(argc, argv);
    item1();
    item2();
    item3();
    item4();
    item5();
    item6();
    item7();
    item8();
    all_criteria_listed();
    return h_done("test-incident-thresholds");
}
