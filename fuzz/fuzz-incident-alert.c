/*
 * fuzz-incident-alert.c — libFuzzer target for what correlation reads from
 * an EVE alert line (signature, hosts, indicators, fingerprints), for the
 * set-fact path assignment, and for report rendering of hostile text.
 *
 * The input is split at the first NUL: before it an EVE line, after it a
 * "PATH=VALUE" edit applied to a FACTS-shaped document.
 */
#include "incident/incident-db.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_alert(const char *json, size_t len)
{
    gl_corr_alert a;
    if (!gl_corr_parse_alert(json, len, &a))
        return;
    if (a.n_keys > sizeof(a.keys) / sizeof(a.keys[0]))
        abort();
    for (size_t i = 0; i < a.n_keys; i++)
        if (!memchr(a.keys[i], '\0', sizeof(a.keys[i])) || !strchr(a.keys[i], ':'))
            abort();
}

static void check_edit(const char *edit, size_t len)
{
    char buf[512];
    if (len >= sizeof(buf))
        len = sizeof(buf) - 1;
    memcpy(buf, edit, len);
    buf[len] = '\0';
    char *eq = strchr(buf, '=');
    if (!eq)
        return;
    *eq = '\0';
    json_t *doc = json_loads("{\"operator\":{\"name\":\"x\"},\"facts\":{\"site_outage\":[]}}", 0, NULL);
    json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
    if (!v)
        v = json_string(eq + 1);
    json_t *old = NULL;
    char err[300];
    if (v && gl_incdb_json_set_path(doc, buf, v, &old, err, sizeof(err))) {
        /* the edited document renders as a report without trouble */
        json_t *inc = json_pack("{s:i, s:s, s:O, s:{s:O}}", "id", 1, "title", "t", "facts", doc, "details", "cause", v);
        json_t *c = inc ? gl_report_build(inc, "initial", 1, "2026-01-01T00:00:00+08:00", "f") : NULL;
        for (int f = GL_REP_MD; c && f <= GL_REP_HTML; f++)
            free(gl_report_render(c, (gl_rep_format)f, "zh,en"));
        json_decref(c);
        json_decref(inc);
    }
    json_decref(old);
    json_decref(v);
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nul = memchr(s, '\0', size);
    size_t first = nul ? (size_t)(nul - s) : size;
    check_alert(s, first);
    if (nul)
        check_edit(nul + 1, size - first - 1);
    return 0;
}
