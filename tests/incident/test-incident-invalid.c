/*
 * test-incident-invalid.c — bad FACTS documents are refused, never graded:
 * exit status 2, nothing on stdout, exactly one line on stderr, and that
 * line names the offending field.
 */
#include "harness-incident.h"

#define OP "\"operator\":{\"name\":\"x\",\"route\":\"other\"}"
#define AT "\"discovered_at\":\"2026-03-02T09:15:00+08:00\""
#define BASE OP "," AT
#define WITH_FACTS(f) "{" BASE ",\"facts\":" f "}"

typedef struct bad_case {
    const char *json;
    const char *field; /* must appear in the error line */
} bad_case;

static const bad_case BAD[] = {
    /* malformed JSON, trailing garbage, wrong root */
    { "", "input" },
    { "{", "input" },
    { "{" BASE ",\"facts\":{}", "input" },
    { "{" BASE ",\"facts\":{}} x", "input" },
    { "{" BASE ",\"facts\":{}}{}", "input" },
    { "{" BASE ",\"facts\":{},}", "input" },
    { "[]", "input" },
    { "{" BASE ",\"facts\":{\"pi_leaked_people\":01}}", "input" },
    { "{" BASE ",\"facts\":{\"pi_leaked_people\":NaN}}", "input" },
    { "{" BASE ",\"facts\":{\"pi_leaked_people\":1,\"pi_leaked_people\":2}}", "input" }, /* duplicate key */
    { "{\"operator\":{\"name\":\"\xff\",\"route\":\"other\"}," AT ",\"facts\":{}}", "input" }, /* bad UTF-8 */
    /* missing required members */
    { "{" AT ",\"facts\":{}}", "operator" },
    { "{\"operator\":{\"route\":\"other\"}," AT ",\"facts\":{}}", "operator.name" },
    { "{\"operator\":{\"name\":\"x\"}," AT ",\"facts\":{}}", "operator.route" },
    { "{" OP ",\"facts\":{}}", "discovered_at" },
    { "{" BASE "}", "facts" },
    { WITH_FACTS("{\"site_outage\":[{\"kind\":\"party_gov_portal\",\"level\":\"central\"}]}"), "facts.site_outage[0].minutes" },
    { WITH_FACTS("{\"site_outage\":[{\"level\":\"central\",\"minutes\":1}]}"), "facts.site_outage[0].kind" },
    { WITH_FACTS("{\"site_outage\":[{\"kind\":\"party_gov_portal\",\"minutes\":1}]}"), "facts.site_outage[0].level" },
    { WITH_FACTS("{\"data\":{\"category\":\"core\",\"action\":\"leaked\"}}"), "facts.data.threat" },
    { WITH_FACTS("{\"defacement\":[{\"kind\":\"network_platform\",\"level\":\"central\",\"views\":1}]}"),
      "facts.defacement[0].platform_size" },
    /* wrong types */
    { "{\"operator\":\"x\"," AT ",\"facts\":{}}", "operator" },
    { "{\"operator\":{\"name\":7,\"route\":\"other\"}," AT ",\"facts\":{}}", "operator.name" },
    { "{\"operator\":{\"name\":\"\",\"route\":\"other\"}," AT ",\"facts\":{}}", "operator.name" },
    { "{\"operator\":{\"name\":\"x\",\"route\":1}," AT ",\"facts\":{}}", "operator.route" },
    { "{" OP ",\"discovered_at\":1772414100,\"facts\":{}}", "discovered_at" },
    { "{" BASE ",\"facts\":[]}", "facts" },
    { WITH_FACTS("{\"pi_leaked_people\":\"1000000\"}"), "facts.pi_leaked_people" },
    { WITH_FACTS("{\"direct_loss_yuan\":true}"), "facts.direct_loss_yuan" },
    { WITH_FACTS("{\"site_outage\":{\"kind\":\"party_gov_portal\"}}"), "facts.site_outage" },
    { WITH_FACTS("{\"site_outage\":[5]}"), "facts.site_outage[0]" },
    { WITH_FACTS("{\"cii_outage\":[]}"), "facts.cii_outage" },
    { WITH_FACTS("{\"cii_outage\":{\"whole_minutes\":\"45\"}}"), "facts.cii_outage.whole_minutes" },
    { WITH_FACTS("{\"population\":{\"people\":[1]}}"), "facts.population.people" },
    { WITH_FACTS("{\"data\":\"core\"}"), "facts.data" },
    { WITH_FACTS("{\"assessed_threat\":3}"), "facts.assessed_threat" },
    { WITH_FACTS("{\"defacement\":[{\"kind\":\"key_news_site\",\"level\":\"central\",\"declared_spread\":true}]}"),
      "facts.defacement[0].declared_spread" },
    /* negative numbers */
    { WITH_FACTS("{\"pi_leaked_people\":-1}"), "facts.pi_leaked_people" },
    { WITH_FACTS("{\"direct_loss_yuan\":-0.5}"), "facts.direct_loss_yuan" },
    { WITH_FACTS("{\"site_outage\":[{\"kind\":\"party_gov_portal\",\"level\":\"central\",\"minutes\":-1440}]}"),
      "facts.site_outage[0].minutes" },
    { WITH_FACTS("{\"cii_outage\":{\"main_function_minutes\":-30}}"), "facts.cii_outage.main_function_minutes" },
    { WITH_FACTS("{\"defacement\":[{\"kind\":\"key_news_site\",\"level\":\"central\",\"forwards\":-1}]}"),
      "facts.defacement[0].forwards" },
    /* out of range / not whole */
    { WITH_FACTS("{\"population\":{\"prefecture_share_pct\":100.5}}"), "facts.population.prefecture_share_pct" },
    { WITH_FACTS("{\"pi_leaked_people\":1000000.5}"), "facts.pi_leaked_people" },
    { WITH_FACTS("{\"defacement\":[{\"kind\":\"key_news_site\",\"level\":\"central\",\"views\":1.5}]}"),
      "facts.defacement[0].views" },
    /* huge numbers: above 2^53, beyond int64, beyond double */
    { WITH_FACTS("{\"pi_leaked_people\":9007199254740993}"), "facts.pi_leaked_people" },
    { WITH_FACTS("{\"direct_loss_yuan\":99999999999999999999999999}"), "direct_loss_yuan" },
    { WITH_FACTS("{\"direct_loss_yuan\":1e999}"), "direct_loss_yuan" },
    { WITH_FACTS("{\"direct_loss_yuan\":1e300}"), "facts.direct_loss_yuan" },
    { WITH_FACTS("{\"cii_outage\":{\"whole_minutes\":-99999999999999999999999}}"), "whole_minutes" },
    /* unknown enum values */
    { "{\"operator\":{\"name\":\"x\",\"route\":\"bank\"}," AT ",\"facts\":{}}", "operator.route" },
    { "{\"operator\":{\"name\":\"x\",\"route\":\"CII\"}," AT ",\"facts\":{}}", "operator.route" },
    { WITH_FACTS("{\"site_outage\":[{\"kind\":\"blog\",\"level\":\"central\",\"minutes\":1}]}"), "facts.site_outage[0].kind" },
    { WITH_FACTS("{\"site_outage\":[{\"kind\":\"party_gov_portal\",\"level\":\"national\",\"minutes\":1}]}"),
      "facts.site_outage[0].level" },
    { WITH_FACTS("{\"defacement\":[{\"kind\":\"network_platform\",\"level\":\"central\",\"platform_size\":\"huge\"}]}"),
      "facts.defacement[0].platform_size" },
    { WITH_FACTS("{\"defacement\":[{\"kind\":\"key_news_site\",\"level\":\"central\",\"platform_size\":\"large\"}]}"),
      "facts.defacement[0]" },
    { WITH_FACTS("{\"data\":{\"category\":\"general\",\"action\":\"leaked\",\"threat\":\"serious\"}}"), "facts.data.category" },
    { WITH_FACTS("{\"data\":{\"category\":\"core\",\"action\":\"deleted\",\"threat\":\"serious\"}}"), "facts.data.action" },
    { WITH_FACTS("{\"data\":{\"category\":\"core\",\"action\":\"leaked\",\"threat\":\"grave\"}}"), "facts.data.threat" },
    { WITH_FACTS("{\"assessed_threat\":\"none\"}"), "facts.assessed_threat" },
    { WITH_FACTS("{\"defacement\":[{\"kind\":\"key_news_site\",\"level\":\"central\",\"declared_spread\":\"viral\"}]}"),
      "facts.defacement[0].declared_spread" },
    /* unknown (probably misspelt) members */
    { WITH_FACTS("{\"pi_leaked\":5}"), "facts" },
    { WITH_FACTS("{\"cii_outage\":{\"whole_minute\":500}}"), "facts.cii_outage" },
    { "{" BASE ",\"facts\":{},\"extra\":1}", "extra" },
    /* bad timestamps */
    { "{" OP ",\"discovered_at\":\"2026-03-02T09:15:00\",\"facts\":{}}", "discovered_at" },  /* no offset */
    { "{" OP ",\"discovered_at\":\"2026-03-02 09:15:00+08:00\",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":\"2026-02-29T09:15:00+08:00\",\"facts\":{}}", "discovered_at" }, /* 2026 not leap */
    { "{" OP ",\"discovered_at\":\"2100-02-29T09:15:00+08:00\",\"facts\":{}}", "discovered_at" }, /* 2100 not leap */
    { "{" OP ",\"discovered_at\":\"2026-04-31T09:15:00+08:00\",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":\"2026-13-01T09:15:00+08:00\",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":\"2026-03-02T24:00:00+08:00\",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":\"2026-03-02T09:15:00+24:00\",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":\"2026-03-02T09:15:00+0800\",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":\"2026-03-02T09:15:00+08:00 \",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":\"2026-03-02T09:15:60+08:00\",\"facts\":{}}", "discovered_at" },
    { "{" OP ",\"discovered_at\":null,\"facts\":{}}", "discovered_at" },
    { "{" BASE ",\"handling_ended_at\":\"2026-03-01T09:15:00+08:00\",\"facts\":{}}", "handling_ended_at" },
    { "{" BASE ",\"handling_ended_at\":\"yesterday\",\"facts\":{}}", "handling_ended_at" },
    /* overlays */
    { "{" BASE ",\"facts\":{},\"overlays\":{\"miit_data_security\":{\"self_assessed_level\":\"big\"}}}",
      "overlays.miit_data_security.self_assessed_level" },
    { "{" BASE ",\"facts\":{},\"overlays\":{\"nfra\":{\"fund_loss_yuan\":-5}}}", "overlays.nfra.fund_loss_yuan" },
    { "{" BASE ",\"facts\":{},\"overlays\":{\"nfra\":{\"serious_pi_infringement\":\"yes\"}}}",
      "overlays.nfra.serious_pi_infringement" },
    { "{" BASE ",\"facts\":{},\"overlays\":{\"sec\":{}}}", "overlays" },
};

static void check_bad(const bad_case *c)
{
    h_result r;
    h_grade(&r, c->json);
    const char *nl = strchr(r.err, '\n');
    CHECK(r.rc == 2, "rc %d for %s", r.rc, c->json);
    CHECK(r.out[0] == '\0', "stdout not empty for %s", c->json);
    CHECK(nl && nl[1] == '\0', "error not exactly one line: [%s] for %s", r.err, c->json);
    CHECK(strstr(r.err, c->field) != NULL, "error [%s] does not name %s", r.err, c->field);
    h_free(&r);
}

/* Arrays over the cap are refused rather than truncated. */
static void too_many_entries(void)
{
    static char buf[32768];
    size_t o = (size_t)snprintf(buf, sizeof(buf), "{" BASE ",\"facts\":{\"site_outage\":[");
    for (int i = 0; i < GL_INC_MAX_ENTRIES + 1; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s{\"kind\":\"party_gov_portal\",\"level\":\"county\",\"minutes\":1}",
                              i ? "," : "");
    snprintf(buf + o, sizeof(buf) - o, "]}}");
    bad_case c = { buf, "facts.site_outage" };
    check_bad(&c);
}

/* Valid edge inputs are accepted (so the refusals above are not blanket). */
static void good_edges(void)
{
    static const char *good[] = {
        WITH_FACTS("{}"),
        WITH_FACTS("{\"pi_leaked_people\":null,\"assessed_threat\":null,\"data\":null}"),
        WITH_FACTS("{\"pi_leaked_people\":9007199254740992}"),  /* exactly 2^53 */
        WITH_FACTS("{\"pi_leaked_people\":-0}"),
        WITH_FACTS("{\"population\":{\"prefecture_share_pct\":100}}"),
        "{" BASE ",\"handling_ended_at\":null,\"facts\":{}}",
        " \n{" BASE ",\"facts\":{}}\n\t ",
        "{" OP ",\"discovered_at\":\"2026-03-02t09:15:00z\",\"facts\":{}}",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        h_result r;
        h_grade(&r, good[i]);
        CHECK(r.rc == 0 && r.err[0] == '\0', "rejected valid input %s: %s", good[i], r.err);
        h_free(&r);
    }
}

int main(int argc, char **argv)
{
    h_as_guanlan(argc, argv);
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++)
        check_bad(&BAD[i]);
    too_many_entries();
    good_edges();
    return h_done("test-incident-invalid");
}
