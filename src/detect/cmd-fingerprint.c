/*
 * cmd-fingerprint.c — `guanlan fingerprint cluster`: group the TLS
 * sessions in guanlan.db into families by restricted-domain fingerprint
 * (tls.guanlan.rdfp, the client implementation) plus behaviour (direction
 * of the volume, duration and size class of the flow), and list each
 * family's members. Same tool + same way of talking = same family; a
 * browser fingerprint doing beacon-shaped uploads lands in a family of its
 * own instead of hiding among browser sessions.
 */
#include "enc-cmd.h"
#include "enc-db.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SESSIONS 1000000

typedef struct member {
    long long flow_id, sport, dport;
    char src[48], dest[48], sni[96];
    char key[96]; /* rdfp + behaviour */
    char rdfp[32], behaviour[48];
    int alerted;
} member;

static void cluster_usage(FILE *out)
{
    fprintf(out,
            "usage: guanlan fingerprint cluster [--db FILE | -l DIR] [--min-size N] [--members N]\n"
            "                                   [--format table|json]\n"
            "\n"
            "Group TLS sessions into families: same restricted-domain fingerprint (tls.guanlan.rdfp)\n"
            "and same behaviour class (volume direction upload|download|balanced, duration\n"
            "short <2s|medium <60s|long, size small <10kB|medium <1MB|large). Largest first.\n"
            "\n"
            "  --db FILE      event store (default ./guanlan.db); -l DIR uses DIR/guanlan.db\n"
            "  --min-size N   only families with at least N sessions (default 1)\n"
            "  --members N    members listed per family (default 20, 0 = all)\n"
            "  --format F     table (default) or json\n");
}

static void behaviour(long long up, long long down, double age, char *out, size_t n)
{
    long long tot = up + down;
    const char *dir = tot <= 0 ? "none" : up * 10 >= tot * 7 ? "upload" : up * 10 <= tot * 3 ? "download" : "balanced";
    const char *dur = age < 2 ? "short" : age < 60 ? "medium" : "long";
    const char *size = tot < 10000 ? "small" : tot < 1000000 ? "medium" : "large";
    snprintf(out, n, "%s/%s/%s", dir, dur, size);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const member *)a)->key, ((const member *)b)->key);
}

typedef struct family {
    size_t start, n;
} family;

static int cmp_family(const void *a, const void *b)
{
    const family *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n ? 1 : -1) : (x->start < y->start ? -1 : 1);
}

static void copy(char *dst, size_t n, const unsigned char *src)
{
    snprintf(dst, n, "%s", src ? (const char *)src : "");
}

int gl_cmd_fingerprint(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },      { "min-size", required_argument, NULL, 'm' },
        { "members", required_argument, NULL, 'M' }, { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
    };
    const char *dbp = NULL, *dir = NULL, *format = "table";
    unsigned long min_size = 1, show = 20;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hl:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dbp = optarg; break;
        case 'l': dir = optarg; break;
        case 'm': min_size = strtoul(optarg, NULL, 10); break;
        case 'M': show = strtoul(optarg, NULL, 10); break;
        case 'f': format = optarg; break;
        case 'h': cluster_usage(stdout); return 0;
        default: cluster_usage(stderr); return 2;
        }
    }
    bool json = strcmp(format, "json") == 0;
    if (optind + 1 != argc || strcmp(argv[optind], "cluster") != 0 || (!json && strcmp(format, "table") != 0)) {
        cluster_usage(stderr);
        return 2;
    }
    char path[4096];
    enc_db_path(dbp, dir, path, sizeof(path));
    sqlite3 *db = enc_db_open(path, "guanlan fingerprint");
    if (!db)
        return 1;
    const char *sql =
        "SELECT t.flow_id, t.src_ip, t.src_port, t.dest_ip, t.dest_port,"
        " json_extract(t.json, '$.tls.guanlan.rdfp.hash'), json_extract(t.json, '$.tls.sni'),"
        " json_extract(f.json, '$.flow.bytes_toserver'), json_extract(f.json, '$.flow.bytes_toclient'),"
        " json_extract(f.json, '$.flow.age'),"
        " EXISTS(SELECT 1 FROM events a WHERE a.flow_id = t.flow_id AND a.event_type = 'alert')"
        " FROM events t LEFT JOIN events f ON f.flow_id = t.flow_id AND f.event_type = 'flow'"
        " WHERE t.event_type = 'tls' ORDER BY t.id";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "guanlan fingerprint: %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    member *m = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < MAX_SESSIONS) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            member *nm = realloc(m, nc * sizeof(*m));
            if (!nm)
                break;
            m = nm;
            cap = nc;
        }
        member *x = &m[n++];
        memset(x, 0, sizeof(*x));
        x->flow_id = sqlite3_column_int64(st, 0);
        copy(x->src, sizeof(x->src), sqlite3_column_text(st, 1));
        x->sport = sqlite3_column_int64(st, 2);
        copy(x->dest, sizeof(x->dest), sqlite3_column_text(st, 3));
        x->dport = sqlite3_column_int64(st, 4);
        copy(x->rdfp, sizeof(x->rdfp), sqlite3_column_text(st, 5));
        if (!x->rdfp[0])
            snprintf(x->rdfp, sizeof(x->rdfp), "none");
        copy(x->sni, sizeof(x->sni), sqlite3_column_text(st, 6));
        behaviour(sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8), sqlite3_column_double(st, 9),
                  x->behaviour, sizeof(x->behaviour));
        x->alerted = sqlite3_column_int(st, 10);
        snprintf(x->key, sizeof(x->key), "%s %s", x->rdfp, x->behaviour);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        fprintf(stderr, "guanlan fingerprint: %s: %s\n", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    qsort(m, n, sizeof(*m), cmp_key);
    family *fam = calloc(n + 1, sizeof(*fam));
    size_t nf = 0;
    for (size_t i = 0; fam && i < n; i++) {
        if (i == 0 || strcmp(m[i].key, m[i - 1].key) != 0)
            fam[nf++] = (family){ i, 0 };
        fam[nf - 1].n++;
    }
    if (fam)
        qsort(fam, nf, sizeof(*fam), cmp_family);
    if (json)
        printf("[");
    size_t shown = 0;
    for (size_t k = 0; fam && k < nf; k++) {
        if (fam[k].n < min_size)
            continue;
        const member *f0 = &m[fam[k].start];
        size_t alerted = 0;
        for (size_t i = 0; i < fam[k].n; i++)
            alerted += f0[i].alerted > 0;
        if (json) {
            printf("%s\n {\"family\":\"F%zu\",\"rdfp\":\"%s\",\"behaviour\":\"%s\",\"sessions\":%zu,\"alerted\":%zu,"
                   "\"members\":[",
                   shown ? "," : "", k + 1, f0->rdfp, f0->behaviour, fam[k].n, alerted);
        } else {
            printf("family F%zu: %zu sessions, %zu alerted  rdfp %s  behaviour %s\n", k + 1, fam[k].n, alerted,
                   f0->rdfp, f0->behaviour);
        }
        for (size_t i = 0; i < fam[k].n && (show == 0 || i < show); i++) {
            const member *x = &f0[i];
            if (json) {
                printf("%s{\"flow_id\":%lld,\"src\":\"%s:%lld\",\"dest\":\"%s:%lld\",\"sni\":\"", i ? "," : "",
                       x->flow_id, x->src, x->sport, x->dest, x->dport);
                for (const char *p = x->sni; *p; p++) /* SNI comes from the wire */
                    if ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\' && (unsigned char)*p < 0x7f)
                        putchar(*p);
                printf("\",\"alerted\":%s}", x->alerted ? "true" : "false");
            } else {
                printf("  %-20lld %s:%lld -> %s:%lld  ", x->flow_id, x->src, x->sport, x->dest, x->dport);
                for (const char *p = x->sni; *p; p++)
                    putchar((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?');
                printf("%s\n", x->alerted ? "  [alert]" : "");
            }
        }
        if (json)
            printf("]}");
        else if (show && fam[k].n > show)
            printf("  ... %zu more\n", fam[k].n - show);
        shown++;
    }
    if (json)
        printf("\n]\n");
    else
        printf("%zu families, %zu TLS sessions\n", shown, n);
    free(fam);
    free(m);
    return 0;
}
