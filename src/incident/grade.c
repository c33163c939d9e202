/*
 * grade.c — the Cybersecurity Incident Grading Guide's criteria table
 * (CAC, annex to the Incident Reporting Management Measures, 2025).
 *
 * Each Guide item is one function that looks at its facts and returns the
 * highest level it reaches; every item that reaches a level is recorded with
 * a one-line reason so the operator can see *why* (the Guide's "以上" is
 * inclusive, hence every comparison is >=). The incident's level is the
 * highest over all items; nothing reached means "general" (IV).
 *
 * Thresholds live in the tables below, each row written as in the Guide:
 * { relatively_major, major, especially_major }.
 */
#include "incident/incident.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const LEVEL_ID[] = { "general", "relatively_major", "major", "especially_major" };
static const char *const LEVEL_CN[] = { "一般", "较大", "重大", "特别重大" };
static const char *const LEVEL_ROMAN[] = { "IV", "III", "II", "I" };

const char *gl_inc_level_id(gl_inc_level l) { return LEVEL_ID[l]; }
const char *gl_inc_level_cn(gl_inc_level l) { return LEVEL_CN[l]; }
const char *gl_inc_level_roman(gl_inc_level l) { return LEVEL_ROMAN[l]; }

const char *gl_inc_route_id(gl_inc_route r)
{
    static const char *const n[] = { "cii", "central_state_organ", "other" };
    return n[r];
}
const char *gl_inc_kind_id(gl_inc_kind k)
{
    static const char *const n[] = { "party_gov_portal", "enterprise_portal", "institution_portal",
                                     "key_news_site", "network_platform" };
    return n[k];
}
const char *gl_inc_admin_id(gl_inc_admin a)
{
    static const char *const n[] = { "county", "prefecture", "provincial", "central" };
    return n[a];
}
const char *gl_inc_psize_id(gl_inc_psize p)
{
    static const char *const n[] = { "other", "large", "super_large" };
    return p == GL_PSIZE_NONE ? "none" : n[p];
}

/* A threshold row: index 0 = relatively_major, 1 = major, 2 = especially_major. */
typedef struct { double at[3]; } thresholds;

/* Item 1 (hours, as minutes): website unreachable. */
static const thresholds SITE_OUTAGE_MIN = { { 2 * 60, 6 * 60, 24 * 60 } };
/* Item 2: CII whole system / main function outage (minutes). */
static const thresholds CII_WHOLE_MIN = { { 10, 60, 6 * 60 } };
static const thresholds CII_MAIN_MIN = { { 30, 3 * 60, 24 * 60 } };
/* Item 3: people whose daily life is affected; share of a prefecture's /
 * province's population (the province share is only named for level I). */
static const thresholds LIFE_PEOPLE = { { 100000, 1000000, 10000000 } };
static const thresholds LIFE_PREFECTURE_PCT = { { 30, 50, 1e300 } };
static const thresholds LIFE_PROVINCE_PCT = { { 1e300, 1e300, 50 } };
/* Item 5: citizens whose personal information leaked. */
static const thresholds PI_PEOPLE = { { 1000000, 10000000, 100000000 } };
/* Item 6a-6c: spread of defacement. */
static const thresholds SPREAD_HOME_MIN = { { 30, 2 * 60, 6 * 60 } };
static const thresholds SPREAD_OTHER_MIN = { { 2 * 60, 12 * 60, 24 * 60 } };
static const thresholds SPREAD_FORWARDS = { { 1000, 10000, 100000 } };
static const thresholds SPREAD_VIEWS = { { 10000, 100000, 1000000 } };
/* Item 7: direct economic loss (yuan). */
static const thresholds LOSS_YUAN = { { 5000000, 20000000, 100000000 } };

/* Highest level whose threshold v reaches (inclusive); GENERAL if none. */
static gl_inc_level reach(double v, const thresholds *t)
{
    for (int i = 2; i >= 0; i--)
        if (v >= t->at[i])
            return (gl_inc_level)(i + 1);
    return GL_INC_GENERAL;
}

static double threshold_of(const thresholds *t, gl_inc_level l)
{
    return t->at[l - 1];
}

/* "%.15g" prints whole numbers without a fraction and keeps 359.5 readable. */
static const char *num(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.15g", v);
    return buf;
}

static void add(gl_inc_grade *g, int item, gl_inc_level l, const char *fact, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add(gl_inc_grade *g, int item, gl_inc_level l, const char *fact, const char *fmt, ...)
{
    if (l == GL_INC_GENERAL || g->n_criteria >= GL_INC_MAX_CRITERIA)
        return;
    gl_inc_criterion *c = &g->criteria[g->n_criteria++];
    va_list ap;
    c->item = item;
    c->level = l;
    snprintf(c->fact, sizeof(c->fact), "%s", fact);
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    if (l > g->level)
        g->level = l;
}

static bool is_portal(gl_inc_kind k)
{
    return k == GL_KIND_PARTY_GOV_PORTAL || k == GL_KIND_ENTERPRISE_PORTAL || k == GL_KIND_INSTITUTION_PORTAL;
}

/* Item 1 scope: "party/government portal of provincial level or above, or a
 * central key news site" (I); "party/government, enterprise or institution
 * portal of prefecture level or above, or provincial-or-above key news site"
 * (II and III). */
static gl_inc_level site_scope(gl_inc_kind k, gl_inc_admin a)
{
    if ((k == GL_KIND_PARTY_GOV_PORTAL && a >= GL_ADM_PROVINCIAL) || (k == GL_KIND_KEY_NEWS_SITE && a == GL_ADM_CENTRAL))
        return GL_INC_ESPECIALLY_MAJOR;
    if ((is_portal(k) && a >= GL_ADM_PREFECTURE) || (k == GL_KIND_KEY_NEWS_SITE && a >= GL_ADM_PROVINCIAL))
        return GL_INC_MAJOR;
    return GL_INC_GENERAL;
}

static gl_inc_level lmin(gl_inc_level a, gl_inc_level b) { return a < b ? a : b; }

static void grade_site_outage(const gl_inc_facts *f, gl_inc_grade *g)
{
    for (size_t i = 0; i < f->n_site_outage; i++) {
        const gl_inc_site_outage *s = &f->site_outage[i];
        gl_inc_level scope = site_scope(s->kind, s->level);
        /* the major scope also covers relatively_major (same scope as major) */
        gl_inc_level l = scope == GL_INC_GENERAL ? GL_INC_GENERAL : lmin(reach(s->minutes, &SITE_OUTAGE_MIN), scope);
        char fact[48], a[32];
        snprintf(fact, sizeof(fact), "facts.site_outage[%zu]", i);
        if (l != GL_INC_GENERAL)
            add(g, 1, l, fact, "%s %s unreachable %s min (>= %.0f)", gl_inc_admin_id(s->level),
                gl_inc_kind_id(s->kind), num(s->minutes, a, sizeof(a)), threshold_of(&SITE_OUTAGE_MIN, l));
    }
}

static void grade_cii_outage(const gl_inc_facts *f, gl_inc_grade *g)
{
    if (!f->has_cii_outage)
        return;
    gl_inc_level w = reach(f->cii_whole_minutes, &CII_WHOLE_MIN);
    gl_inc_level m = reach(f->cii_main_function_minutes, &CII_MAIN_MIN);
    char a[32];
    if (w >= m && w != GL_INC_GENERAL)
        add(g, 2, w, "facts.cii_outage", "CII whole system out %s min (>= %.0f)",
            num(f->cii_whole_minutes, a, sizeof(a)), threshold_of(&CII_WHOLE_MIN, w));
    else if (m != GL_INC_GENERAL)
        add(g, 2, m, "facts.cii_outage", "CII main function out %s min (>= %.0f)",
            num(f->cii_main_function_minutes, a, sizeof(a)), threshold_of(&CII_MAIN_MIN, m));
}

static void grade_population(const gl_inc_facts *f, gl_inc_grade *g)
{
    gl_inc_level byp = reach(f->people, &LIFE_PEOPLE);
    gl_inc_level bypref = reach(f->prefecture_share_pct, &LIFE_PREFECTURE_PCT);
    gl_inc_level byprov = reach(f->province_share_pct, &LIFE_PROVINCE_PCT);
    char a[32];
    if (byprov != GL_INC_GENERAL && byprov >= byp && byprov >= bypref)
        add(g, 3, byprov, "facts.population", "daily life of %s%% of a province's population affected (>= 50%%)",
            num(f->province_share_pct, a, sizeof(a)));
    else if (byp != GL_INC_GENERAL && byp >= bypref)
        add(g, 3, byp, "facts.population", "daily life of %s people affected (>= %.0f)", num(f->people, a, sizeof(a)),
            threshold_of(&LIFE_PEOPLE, byp));
    else if (bypref != GL_INC_GENERAL)
        add(g, 3, bypref, "facts.population", "daily life of %s%% of a prefecture's population affected (>= %.0f%%)",
            num(f->prefecture_share_pct, a, sizeof(a)), threshold_of(&LIFE_PREFECTURE_PCT, bypref));
}

/* Item 4: core or important data. Levels I and II take any of the four
 * actions; level III names only "leaked or stolen". */
static void grade_data(const gl_inc_facts *f, gl_inc_grade *g)
{
    static const char *const cat[] = { "core", "important" };
    static const char *const act[] = { "leaked", "stolen", "tampered", "counterfeited" };
    static const char *const thr[] = { "some", "relatively serious", "serious", "especially serious" };
    if (!f->has_data)
        return;
    gl_inc_level l = GL_INC_GENERAL;
    if (f->data_threat == GL_THREAT_ESPECIALLY_SERIOUS)
        l = GL_INC_ESPECIALLY_MAJOR;
    else if (f->data_threat == GL_THREAT_SERIOUS)
        l = GL_INC_MAJOR;
    else if (f->data_threat == GL_THREAT_RELATIVELY_SERIOUS &&
             (f->data_action == GL_ACT_LEAKED || f->data_action == GL_ACT_STOLEN))
        l = GL_INC_RELATIVELY_MAJOR;
    add(g, 4, l, "facts.data", "%s data %s, %s threat to national security and social stability",
        cat[f->data_category], act[f->data_action], thr[f->data_threat]);
}

static void grade_pi(const gl_inc_facts *f, gl_inc_grade *g)
{
    gl_inc_level l = reach(f->pi_leaked_people, &PI_PEOPLE);
    char a[32];
    if (l != GL_INC_GENERAL)
        add(g, 5, l, "facts.pi_leaked_people", "personal information of %s people leaked (>= %.0f)",
            num(f->pi_leaked_people, a, sizeof(a)), threshold_of(&PI_PEOPLE, l));
}

/* Item 6 target: the highest level whose target list names this site. */
static gl_inc_level deface_target(gl_inc_kind k, gl_inc_admin a, gl_inc_psize ps)
{
    if (k == GL_KIND_NETWORK_PLATFORM)
        return ps == GL_PSIZE_SUPER_LARGE ? GL_INC_ESPECIALLY_MAJOR
               : ps == GL_PSIZE_LARGE     ? GL_INC_MAJOR
                                          : GL_INC_RELATIVELY_MAJOR;
    if ((k == GL_KIND_PARTY_GOV_PORTAL && a >= GL_ADM_PROVINCIAL) || (k == GL_KIND_KEY_NEWS_SITE && a == GL_ADM_CENTRAL))
        return GL_INC_ESPECIALLY_MAJOR;
    if ((is_portal(k) && a >= GL_ADM_PREFECTURE) || (k == GL_KIND_KEY_NEWS_SITE && a >= GL_ADM_PROVINCIAL))
        return GL_INC_MAJOR;
    return GL_INC_RELATIVELY_MAJOR; /* "any such portal, key news site or network platform" */
}

/* Item 6a-6d: the widest spread any one measure establishes, with a reason. */
static gl_inc_level deface_spread(const gl_inc_defacement *d, char *why, size_t n)
{
    static const char *const decl[] = { "", "relatively_wide", "wide", "especially_wide" };
    struct { gl_inc_level l; double v; const thresholds *t; const char *what; } m[4] = {
        { reach(d->homepage_minutes, &SPREAD_HOME_MIN), d->homepage_minutes, &SPREAD_HOME_MIN, "on home page %s min (>= %.0f)" },
        { reach(d->other_page_minutes, &SPREAD_OTHER_MIN), d->other_page_minutes, &SPREAD_OTHER_MIN, "on other pages %s min (>= %.0f)" },
        { reach(d->forwards, &SPREAD_FORWARDS), d->forwards, &SPREAD_FORWARDS, "%s forwards (>= %.0f)" },
        { reach(d->views, &SPREAD_VIEWS), d->views, &SPREAD_VIEWS, "%s views (>= %.0f)" },
    };
    gl_inc_level best = (gl_inc_level)d->declared_spread; /* 6d maps 1:1 onto levels */
    int besti = -1;
    for (int i = 0; i < 4; i++)
        if (m[i].l > best) {
            best = m[i].l;
            besti = i;
        }
    char a[32];
    if (besti >= 0) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(why, n, m[besti].what, num(m[besti].v, a, sizeof(a)), threshold_of(m[besti].t, best));
#pragma GCC diagnostic pop
    } else if (best != GL_INC_GENERAL) {
        snprintf(why, n, "declared %s by a provincial-or-above CAC office or police", decl[best]);
    }
    return best;
}

static void grade_defacement(const gl_inc_facts *f, gl_inc_grade *g)
{
    static const char *const spread_word[] = { "", "relatively wide", "wide", "especially wide" };
    for (size_t i = 0; i < f->n_defacement; i++) {
        const gl_inc_defacement *d = &f->defacement[i];
        char sw[120] = "", fact[48], target[64];
        gl_inc_level t = deface_target(d->kind, d->level, d->platform_size);
        gl_inc_level s = deface_spread(d, sw, sizeof(sw));
        gl_inc_level l = lmin(t, s);
        if (l == GL_INC_GENERAL)
            continue;
        snprintf(fact, sizeof(fact), "facts.defacement[%zu]", i);
        if (d->kind == GL_KIND_NETWORK_PLATFORM)
            snprintf(target, sizeof(target), "%s network_platform", gl_inc_psize_id(d->platform_size));
        else
            snprintf(target, sizeof(target), "%s %s", gl_inc_admin_id(d->level), gl_inc_kind_id(d->kind));
        add(g, 6, l, fact, "defacement of %s (target up to %s), spread %s: %s", target, gl_inc_level_id(t),
            spread_word[s], sw);
    }
}

static void grade_loss(const gl_inc_facts *f, gl_inc_grade *g)
{
    gl_inc_level l = reach(f->direct_loss_yuan, &LOSS_YUAN);
    char a[32];
    if (l != GL_INC_GENERAL)
        add(g, 7, l, "facts.direct_loss_yuan", "direct economic loss %s yuan (>= %.0f)",
            num(f->direct_loss_yuan, a, sizeof(a)), threshold_of(&LOSS_YUAN, l));
}

static void grade_assessed(const gl_inc_facts *f, gl_inc_grade *g)
{
    static const char *const thr[] = { "some", "relatively serious", "serious", "especially serious" };
    if (f->assessed_threat >= GL_THREAT_RELATIVELY_SERIOUS)
        add(g, 8, (gl_inc_level)f->assessed_threat, "facts.assessed_threat",
            "assessed %s threat or impact to national security, social order, economy or public interest",
            thr[f->assessed_threat]);
}

void gl_inc_grade_facts(const gl_inc_facts *f, gl_inc_grade *g)
{
    memset(g, 0, sizeof(*g));
    g->level = GL_INC_GENERAL;
    grade_site_outage(f, g);
    grade_cii_outage(f, g);
    grade_population(f, g);
    grade_data(f, g);
    grade_pi(f, g);
    grade_defacement(f, g);
    grade_loss(f, g);
    grade_assessed(f, g);
}
