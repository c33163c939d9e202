/*
 * cmd-explain.c — `guanlan explain FLOW_ID`: the fishbone view of an
 * encrypted-threat alert. The session's path is the spine (TCP connection →
 * TLS handshake → application data → verdict); every finding a sub-model
 * reported is a rib on the stage where it was seen, with its confidence.
 * Output: JSON (for the console and scripts) or a self-contained SVG (no
 * scripts, no external references).
 *
 * Everything comes from the alert record in guanlan.db (plus the tls and
 * flow records of the same flow for context), so explaining needs neither
 * the capture nor the models.
 */
#include "enc-cmd.h"
#include "enc-db.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RIBS 48

static const char *const stages[3] = { "tcp", "handshake", "appdata" };
static const char *const stage_labels[3] = { "TCP connection", "TLS handshake", "application data" };

typedef struct rib {
    const char *name, *submodel;
    double conf;
    int stage;
} rib;

typedef struct fishbone {
    unsigned long long flow_id;
    json_t *alert, *tls, *flow; /* owned */
    const char *signature, *src, *dest, *sni, *dominant;
    long long sport, dport, score, threshold, version;
    rib ribs[MAX_RIBS];
    int n;
} fishbone;

static void explain_usage(FILE *out)
{
    fprintf(out,
            "usage: guanlan explain FLOW_ID [--db FILE | -l DIR] [--format json|svg] [-o FILE]\n"
            "\n"
            "Fishbone explanation of the encrypted-threat alert of a flow: spine TCP connection ->\n"
            "TLS handshake -> application data, each finding a rib on its stage with its confidence.\n"
            "\n"
            "  --db FILE        event store (default ./guanlan.db); -l DIR uses DIR/guanlan.db\n"
            "  --format F       json (default) or svg (self-contained image)\n"
            "  -o FILE          write there instead of standard output\n"
            "\n"
            "Exit status: 0 shown; 1 no encrypted-threat alert for that flow or unreadable db; 2 usage.\n");
}

static json_t *fetch(sqlite3 *db, unsigned long long flow_id, const char *type)
{
    sqlite3_stmt *st;
    json_t *out = NULL;
    const char *sql = "SELECT json FROM events WHERE flow_id = ?1 AND event_type = ?2 ORDER BY id DESC";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)flow_id);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    while (!out && sqlite3_step(st) == SQLITE_ROW) {
        const char *txt = (const char *)sqlite3_column_text(st, 0);
        json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
        if (j && (strcmp(type, "alert") != 0 || json_object_get(json_object_get(j, "guanlan"), "encrypted")))
            out = j;
        else
            json_decref(j);
    }
    sqlite3_finalize(st);
    return out;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int stage_index(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, stages[i]) == 0)
            return i;
    return -1;
}

static int build(fishbone *fb)
{
    json_t *enc = json_object_get(json_object_get(fb->alert, "guanlan"), "encrypted");
    json_t *al = json_object_get(fb->alert, "alert");
    fb->signature = jstr(al, "signature");
    fb->src = jstr(fb->alert, "src_ip");
    fb->dest = jstr(fb->alert, "dest_ip");
    fb->sport = json_integer_value(json_object_get(fb->alert, "src_port"));
    fb->dport = json_integer_value(json_object_get(fb->alert, "dest_port"));
    fb->score = json_integer_value(json_object_get(enc, "score"));
    fb->threshold = json_integer_value(json_object_get(enc, "threshold"));
    fb->version = json_integer_value(json_object_get(enc, "model_version"));
    fb->dominant = jstr(enc, "dominant");
    fb->sni = fb->tls ? jstr(json_object_get(fb->tls, "tls"), "sni") : "";
    json_t *fs = json_object_get(enc, "findings");
    size_t i;
    json_t *f;
    json_array_foreach(fs, i, f)
    {
        int st = stage_index(jstr(f, "stage"));
        double c = json_number_value(json_object_get(f, "confidence"));
        if (st < 0 || fb->n >= MAX_RIBS || !(c >= 0 && c <= 1))
            continue;
        fb->ribs[fb->n++] = (rib){ jstr(f, "name"), jstr(f, "submodel"), c, st };
    }
    return 0;
}

static void print_json(FILE *out, const fishbone *fb)
{
    json_t *root = json_object();
    json_object_set_new(root, "flow_id", json_integer((json_int_t)fb->flow_id));
    json_object_set_new(root, "signature", json_string(fb->signature));
    json_object_set_new(root, "score", json_integer(fb->score));
    json_object_set_new(root, "threshold", json_integer(fb->threshold));
    json_object_set_new(root, "model_version", json_integer(fb->version));
    json_object_set_new(root, "dominant", json_string(fb->dominant));
    json_object_set_new(root, "src", json_sprintf("%s:%lld", fb->src, fb->sport));
    json_object_set_new(root, "dest", json_sprintf("%s:%lld", fb->dest, fb->dport));
    if (fb->sni[0])
        json_object_set_new(root, "sni", json_string(fb->sni));
    json_t *spine = json_array();
    for (int s = 0; s < 3; s++) {
        json_t *node = json_object(), *ribs = json_array();
        json_object_set_new(node, "stage", json_string(stages[s]));
        json_object_set_new(node, "label", json_string(stage_labels[s]));
        for (int k = 0; k < fb->n; k++) {
            if (fb->ribs[k].stage != s)
                continue;
            json_t *r = json_object();
            json_object_set_new(r, "finding", json_string(fb->ribs[k].name));
            json_object_set_new(r, "submodel", json_string(fb->ribs[k].submodel));
            json_object_set_new(r, "confidence", json_real(round(fb->ribs[k].conf * 1000) / 1000));
            json_array_append_new(ribs, r);
        }
        json_object_set_new(node, "ribs", ribs);
        json_array_append_new(spine, node);
    }
    json_object_set_new(root, "spine", spine);
    json_t *enc = json_object_get(json_object_get(fb->alert, "guanlan"), "encrypted");
    json_object_set(root, "submodels", json_object_get(enc, "submodels"));
    json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(4));
    fputc('\n', out);
    json_decref(root);
}

/* One rib: a slanted bone from the spine to its label; thickness and
 * colour grow with the confidence. */
static void svg_rib(FILE *out, double x, double y_spine, int up, const rib *r)
{
    double y2 = up ? y_spine - 120 : y_spine + 120;
    double x2 = x - 50;
    int shade = (int)(200 - 160 * r->conf);
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"rgb(220,%d,%d)\" "
            "stroke-width=\"%.1f\"/>\n",
            x, y_spine, x2, y2, shade, shade, 1.5 + 4 * r->conf);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">", x2,
            up ? y2 - 18 : y2 + 14);
    enc_xml_escape(out, r->name);
    fprintf(out, "</text>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#555\" text-anchor=\"middle\">",
            x2, up ? y2 - 6 : y2 + 26);
    enc_xml_escape(out, r->submodel);
    fprintf(out, " %.2f</text>\n", r->conf);
}

#define SLOT 130.0 /* horizontal room per rib pair (one up, one down) */

static void print_svg(FILE *out, const fishbone *fb)
{
    const double Y = 240, X0 = 30, H = 480;
    double seg[3], total = 0;
    int cnt[3] = { 0, 0, 0 };
    for (int k = 0; k < fb->n; k++)
        cnt[fb->ribs[k].stage]++;
    for (int s = 0; s < 3; s++) {
        seg[s] = 150 + SLOT * ((cnt[s] + 1) / 2);
        total += seg[s];
    }
    double W = X0 + total + 230;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
            "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H, W, H);
    fprintf(out, "<title>flow %llu fishbone</title>\n<text x=\"%.0f\" y=\"24\" font-size=\"15\" font-weight=\"bold\">",
            fb->flow_id, X0);
    enc_xml_escape(out, fb->signature);
    fprintf(out, "</text>\n<text x=\"%.0f\" y=\"44\" font-size=\"12\" fill=\"#333\">flow %llu  ", X0, fb->flow_id);
    enc_xml_escape(out, fb->src);
    fprintf(out, ":%lld → ", fb->sport);
    enc_xml_escape(out, fb->dest);
    fprintf(out, ":%lld", fb->dport);
    if (fb->sni[0]) {
        fputs("  sni ", out);
        enc_xml_escape(out, fb->sni);
    }
    fprintf(out, "</text>\n");
    double end = X0 + total;
    fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#222\" stroke-width=\"4\"/>\n", X0,
            Y, end, Y);
    fprintf(out, "<polygon points=\"%.0f,%.0f %.0f,%.0f %.0f,%.0f\" fill=\"#222\"/>\n", end, Y - 10, end + 18, Y,
            end, Y + 10);
    double x = X0;
    for (int s = 0; s < 3; s++) {
        fprintf(out,
                "<rect x=\"%.0f\" y=\"%.0f\" width=\"124\" height=\"22\" rx=\"4\" fill=\"#e8eef8\" stroke=\"#446\"/>\n"
                "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
                x + 4, Y - 11, x + 66, Y + 4, stage_labels[s]);
        if (cnt[s] == 0)
            fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" fill=\"#888\">no finding</text>\n", x + 8,
                    Y + 26);
        int i = 0;
        for (int k = 0; k < fb->n; k++) {
            if (fb->ribs[k].stage != s)
                continue;
            /* pairs share a slot: the upper rib and the lower one */
            double rx = x + 150 + SLOT * (i / 2) + 60;
            svg_rib(out, rx, Y, i % 2 == 0, &fb->ribs[k]);
            i++;
        }
        x += seg[s];
    }
    double hx = end + 28;
    int red = fb->score >= fb->threshold;
    fprintf(out,
            "<rect x=\"%.0f\" y=\"%.0f\" width=\"170\" height=\"60\" rx=\"8\" fill=\"%s\" stroke=\"#600\"/>\n"
            "<text x=\"%.0f\" y=\"%.0f\" font-size=\"13\" text-anchor=\"middle\">threat score</text>\n"
            "<text x=\"%.0f\" y=\"%.0f\" font-size=\"20\" font-weight=\"bold\" text-anchor=\"middle\">%lld / 100</text>\n",
            hx, Y - 30, red ? "#f6d0d0" : "#eee", hx + 85, Y - 10, hx + 85, Y + 18, fb->score);
    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"#333\">threshold %lld, model version %lld, "
                 "dominant sub-model: ", X0, H - 14, fb->threshold, fb->version);
    enc_xml_escape(out, fb->dominant);
    fprintf(out, "; bone thickness and colour = confidence</text>\n</svg>\n");
}

int gl_cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dbp = NULL, *dir = NULL, *format = "json", *outp = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hl:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dbp = optarg; break;
        case 'l': dir = optarg; break;
        case 'f': format = optarg; break;
        case 'o': outp = optarg; break;
        case 'h': explain_usage(stdout); return 0;
        default: explain_usage(stderr); return 2;
        }
    }
    char *e;
    if (optind + 1 != argc || (strcmp(format, "json") != 0 && strcmp(format, "svg") != 0) || !argv[optind][0] ||
        argv[optind][0] == '-') {
        explain_usage(stderr);
        return 2;
    }
    unsigned long long flow_id = strtoull(argv[optind], &e, 10);
    if (*e) {
        explain_usage(stderr);
        return 2;
    }
    char path[4096];
    enc_db_path(dbp, dir, path, sizeof(path));
    sqlite3 *db = enc_db_open(path, "guanlan explain");
    if (!db)
        return 1;
    fishbone fb = { .flow_id = flow_id };
    fb.alert = fetch(db, flow_id, "alert");
    if (!fb.alert) {
        fprintf(stderr, "guanlan explain: no encrypted-threat alert for flow %llu in %s\n", flow_id, path);
        sqlite3_close(db);
        return 1;
    }
    fb.tls = fetch(db, flow_id, "tls");
    sqlite3_close(db);
    build(&fb);
    FILE *out = outp ? fopen(outp, "w") : stdout;
    if (!out) {
        perror(outp);
        json_decref(fb.alert);
        json_decref(fb.tls);
        return 1;
    }
    if (strcmp(format, "svg") == 0)
        print_svg(out, &fb);
    else
        print_json(out, &fb);
    if (outp)
        fclose(out);
    json_decref(fb.alert);
    json_decref(fb.tls);
    return 0;
}
