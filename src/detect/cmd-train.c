/*
 * cmd-train.c — `guanlan train`: build the encrypted-traffic models from
 * labelled captures and report precision/recall/F1 on a held-out split.
 *
 * The capture is run through the real sensor (in-process `guanlan run`) so
 * training sees exactly the features the sensor computes; the detector's
 * session journal gives, per TLS session, the rule-based sub-model scores
 * and the packet sequence. Sessions are matched to the labels CSV by
 * 5-tuple and split deterministically by a hash of the 5-tuple:
 *   test (default 25 %)  — never seen by training, used for the report;
 *   train part A (70 %)  — the sequence network;
 *   train part B (30 %)  — the fusion combiner, on the network's
 *                          out-of-sample predictions (proper stacking).
 */
#include "enc-cmd.h"
#include "enc-models.h"
#include "../sensor/cmd-run.h"

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PCAPS 16
#define MAX_SAMPLES 200000

typedef struct label_ent {
    uint64_t key;
    int label;
    char family[32];
} label_ent;

typedef struct sample {
    enc_journal_rec rec;
    int label;
    int split; /* 0 test, 1 train A (network), 2 train B (fusion) */
    char family[32];
} sample;

typedef struct train_ctx {
    label_ent *labels;
    size_t n_labels, cap_labels;
    sample *s;
    size_t n, cap;
    unsigned test_pct;
    size_t unmatched;
} train_ctx;

static void train_usage(FILE *out)
{
    fprintf(out,
            "usage: guanlan train --pcap FILE [--pcap FILE...] --labels FILE.csv [options]\n"
            "\n"
            "Train the encrypted-traffic models (sequence network + fusion combiner) from labelled\n"
            "captures, report precision / recall / F1 / false-positive rate on a held-out split,\n"
            "and write the model files.\n"
            "\n"
            "  --pcap FILE        capture to learn from (repeatable)\n"
            "  --labels FILE      CSV with header: src_ip,src_port,dest_ip,dest_port,proto,label[,family]\n"
            "                     label benign|malicious (or 0|1); sessions not listed are ignored\n"
            "  --out DIR          where fusion.model and seq.model go (default ./guanlan-models)\n"
            "  --test-share PCT   held-out share, 5-50 (default 25)\n"
            "  --epochs N         sequence network epochs (default 40)\n"
            "  --seed N           network initialisation seed (default 1)\n"
            "  --threshold T      alert threshold for the report, 0-100 (default 70)\n"
            "  --work DIR         keep the sensor run's output there (default: a temporary dir)\n"
            "  -h, --help         this text\n");
}

static uint64_t tuple_key(const char *cip, unsigned cport, const char *sip, unsigned sport)
{
    char buf[160];
    int n = snprintf(buf, sizeof(buf), "%s|%u|%s|%u", cip, cport, sip, sport);
    return gl_hash_bytes(buf, (size_t)n, 77);
}

static int load_labels(train_ctx *t, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return -1;
    }
    char line[1024];
    unsigned ln = 0;
    while (fgets(line, sizeof(line), fp)) {
        ln++;
        char sip[64], dip[64], proto[16], lab[32], fam[32] = "";
        unsigned sp, dp;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#' || strncmp(line, "src_ip", 6) == 0)
            continue;
        int k = sscanf(line, "%63[^,],%u,%63[^,],%u,%15[^,],%31[^,],%31[^,]", sip, &sp, dip, &dp, proto, lab, fam);
        if (k < 6 || sp > 65535 || dp > 65535) {
            fprintf(stderr, "guanlan train: %s:%u: expected src_ip,src_port,dest_ip,dest_port,proto,label\n", path, ln);
            fclose(fp);
            return -1;
        }
        int label = strcmp(lab, "malicious") == 0 || strcmp(lab, "1") == 0 ? 1
                    : strcmp(lab, "benign") == 0 || strcmp(lab, "0") == 0  ? 0
                                                                            : -1;
        if (label < 0) {
            fprintf(stderr, "guanlan train: %s:%u: label must be benign or malicious\n", path, ln);
            fclose(fp);
            return -1;
        }
        if (t->n_labels == t->cap_labels) {
            size_t nc = t->cap_labels ? t->cap_labels * 2 : 1024;
            label_ent *nl = realloc(t->labels, nc * sizeof(*nl));
            if (!nl) {
                fclose(fp);
                return -1;
            }
            t->labels = nl;
            t->cap_labels = nc;
        }
        label_ent *e = &t->labels[t->n_labels++];
        e->key = tuple_key(sip, sp, dip, dp);
        e->label = label;
        snprintf(e->family, sizeof(e->family), "%s", fam);
    }
    fclose(fp);
    return 0;
}

static int cmp_label(const void *a, const void *b)
{
    uint64_t x = ((const label_ent *)a)->key, y = ((const label_ent *)b)->key;
    return x < y ? -1 : x > y;
}

static const label_ent *find_label(const train_ctx *t, uint64_t key)
{
    label_ent k = { .key = key };
    return bsearch(&k, t->labels, t->n_labels, sizeof(label_ent), cmp_label);
}

static int collect_cb(const enc_journal_rec *r, void *vctx)
{
    train_ctx *t = vctx;
    uint64_t key = tuple_key(r->client, r->cport, r->server, r->sport);
    const label_ent *l = find_label(t, key);
    if (!l) {
        t->unmatched++;
        return 0;
    }
    if (t->n == t->cap) {
        if (t->cap >= MAX_SAMPLES)
            return 0;
        size_t nc = t->cap ? t->cap * 2 : 1024;
        sample *ns = realloc(t->s, nc * sizeof(*ns));
        if (!ns)
            return 1;
        t->s = ns;
        t->cap = nc;
    }
    sample *s = &t->s[t->n++];
    s->rec = *r;
    s->label = l->label;
    snprintf(s->family, sizeof(s->family), "%s", l->family);
    uint64_t h = gl_mix64(key);
    s->split = (h % 100) < t->test_pct ? 0 : ((h >> 20) % 10) < 7 ? 1 : 2;
    return 0;
}

/* Mini-batch Adam over split A. */
static void train_network(gl_seqmodel *m, sample *s, size_t n, unsigned epochs, uint64_t seed)
{
    size_t *idx = malloc(n * sizeof(size_t)), na = 0;
    if (!idx)
        return;
    for (size_t i = 0; i < n; i++)
        if (s[i].split == 1)
            idx[na++] = i;
    uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 1;
    const gl_seq *batch[32];
    uint8_t lab[32];
    for (unsigned ep = 0; ep < epochs; ep++) {
        for (size_t i = na; i > 1; i--) { /* Fisher–Yates */
            rng = gl_mix64(rng + i);
            size_t j = rng % i;
            size_t tmp = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = tmp;
        }
        double lr = ep < epochs / 2 ? 3e-3 : 1e-3;
        for (size_t b = 0; b < na; b += 32) {
            size_t k = 0;
            for (; k < 32 && b + k < na; k++) {
                batch[k] = &s[idx[b + k]].rec.seq;
                lab[k] = (uint8_t)s[idx[b + k]].label;
            }
            gl_seqmodel_train_batch(m, batch, lab, k, lr);
        }
    }
    free(idx);
}

/* Full-batch gradient descent of the fusion's log-loss over split B, at
 * the level of findings: every finding's weight starts at its prior and
 * a weak L2 pulls it back there, so findings the training traffic never
 * shows (weak ciphers, SSLv3, intel hits) keep a sensible weight, while
 * rare but telling ones (a short-lived certificate) can still grow. Weights
 * stay non-negative. */
#define PRIOR_L2 0.0001
static void train_fusion(enc_fusion *f, const sample *s, const double *nn, size_t n)
{
    enc_fusion_default(f);
    enc_fusion_init_features(f);
    size_t nb = 0;
    for (size_t i = 0; i < n; i++)
        nb += s[i].split == 2;
    if (nb == 0)
        return;
    enc_inputs *in = malloc(nb * sizeof(*in));
    int *lab = malloc(nb * sizeof(int));
    if (!in || !lab) {
        free(in);
        free(lab);
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].split == 2) {
            enc_journal_inputs(&s[i].rec, nn[i], &in[m]);
            lab[m++] = s[i].label;
        }
    for (int it = 0; it < 20000; it++) {
        double gb = 0, gnn = 0, gw[ENC_NFEAT] = { 0 };
        for (size_t i = 0; i < m; i++) {
            double g = enc_fusion_prob(f, &in[i], NULL) - lab[i];
            gb += g;
            gnn += g * (in[i].nn > 0 ? in[i].nn : 0);
            for (int k = 0; k < in[i].n; k++)
                gw[in[i].id[k]] += g * in[i].conf[k];
        }
        double lr = 2.0;
        f->bias -= lr * gb / (double)m;
        f->w_nn -= lr * (gnn / (double)m + PRIOR_L2 * (f->w_nn - ENC_PRIOR_WEIGHT));
        for (int k = 0; k < enc_feature_count(); k++) {
            if (enc_feature_fixed(k))
                continue;
            f->wf[k] -= lr * (gw[k] / (double)m + PRIOR_L2 * (f->wf[k] - ENC_PRIOR_WEIGHT));
            /* a finding is evidence of harm by construction: a negative
             * weight would only encode an accident of the training traffic
             * (e.g. its CA's short serials) and not generalise */
            if (f->wf[k] < 0)
                f->wf[k] = 0;
        }
        if (f->w_nn < 0)
            f->w_nn = 0;
        if (f->w_nn > ENC_NN_WEIGHT_MAX)
            f->w_nn = ENC_NN_WEIGHT_MAX;
    }
    f->n_train = m;
    free(in);
    free(lab);
}

typedef struct metrics {
    size_t tp, fp, tn, fn;
} metrics;

static void report(const char *title, const metrics *m)
{
    double p = m->tp + m->fp ? (double)m->tp / (double)(m->tp + m->fp) : 0;
    double r = m->tp + m->fn ? (double)m->tp / (double)(m->tp + m->fn) : 0;
    double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
    double fpr = m->fp + m->tn ? (double)m->fp / (double)(m->fp + m->tn) : 0;
    printf("%-28s precision %.4f  recall %.4f  F1 %.4f  FPR %.4f  (tp %zu fp %zu tn %zu fn %zu)\n", title, p, r,
           f1, fpr, m->tp, m->fp, m->tn, m->fn);
}

/* Each sub-model alone, at its best threshold on the held-out split: what
 * the fusion has to beat. */
static void evaluate_single(const sample *s, const double *nn, size_t n)
{
    for (int k = 0; k < ENC_SM_N; k++) {
        double best_f1 = 0, best_t = 0;
        metrics best = { 0 };
        for (int ti = 1; ti < 100; ti++) {
            double t = ti / 100.0;
            metrics m = { 0 };
            for (size_t i = 0; i < n; i++) {
                if (s[i].split != 0)
                    continue;
                enc_inputs x;
                enc_journal_inputs(&s[i].rec, nn[i], &x);
                bool alert = x.s[k] >= t;
                if (s[i].label)
                    alert ? m.tp++ : m.fn++;
                else
                    alert ? m.fp++ : m.tn++;
            }
            double p = m.tp + m.fp ? (double)m.tp / (double)(m.tp + m.fp) : 0;
            double r = m.tp + m.fn ? (double)m.tp / (double)(m.tp + m.fn) : 0;
            double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
            if (f1 > best_f1) {
                best_f1 = f1;
                best_t = t;
                best = m;
            }
        }
        char title[64];
        snprintf(title, sizeof(title), "  %s alone (>= %.2f):", enc_submodel_name(k), best_t);
        report(title, &best);
    }
}

static void evaluate(const sample *s, const double *nn, size_t n, const enc_fusion *f, unsigned threshold)
{
    metrics all = { 0 };
    struct fam {
        char name[32];
        size_t n, flagged;
        int label;
    } fams[32];
    int nf = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].split != 0)
            continue;
        enc_inputs x;
        enc_journal_inputs(&s[i].rec, nn[i], &x);
        bool alert = lround(enc_fusion_prob(f, &x, NULL) * 100) >= (long)threshold;
        if (s[i].label)
            alert ? all.tp++ : all.fn++;
        else
            alert ? all.fp++ : all.tn++;
        int k = 0;
        while (k < nf && strcmp(fams[k].name, s[i].family) != 0)
            k++;
        if (k == nf && nf < 32) {
            snprintf(fams[nf].name, sizeof(fams[nf].name), "%s", s[i].family);
            fams[nf].n = fams[nf].flagged = 0;
            fams[nf].label = s[i].label;
            nf++;
        }
        if (k < nf) {
            fams[k].n++;
            fams[k].flagged += alert;
        }
    }
    char title[64];
    snprintf(title, sizeof(title), "held-out (threshold %u):", threshold);
    report(title, &all);
    for (int k = 0; k < nf; k++)
        if (fams[k].name[0])
            printf("  family %-22s %-9s %4zu sessions, %4zu alerted\n", fams[k].name,
                   fams[k].label ? "malicious" : "benign", fams[k].n, fams[k].flagged);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The temporary sensor output (eve.json, guanlan.db, journal) is not kept
 * unless --work named a directory. */
static void remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int run_sensor(const char *work, char **pcaps, int np)
{
    char *argv[64];
    char set_state[4200], set_model[4200];
    int a = 0;
    argv[a++] = "run";
    argv[a++] = "-q";
    argv[a++] = "-l";
    argv[a++] = (char *)work;
    for (int i = 0; i < np; i++) {
        argv[a++] = "-r";
        argv[a++] = pcaps[i];
    }
    snprintf(set_state, sizeof(set_state), "detect.state-dir=%s", work);
    snprintf(set_model, sizeof(set_model), "detect.model-dir=%s/no-models", work);
    argv[a++] = "--set";
    argv[a++] = "detect.encrypted.enabled=yes";
    argv[a++] = "--set";
    argv[a++] = set_state;
    argv[a++] = "--set";
    argv[a++] = set_model;
    argv[a] = NULL;
    /* gl_cmd_run edits its arguments in place (KEY=VALUE splitting) */
    char *copy[64];
    for (int i = 0; i < a; i++)
        copy[i] = strdup(argv[i]);
    copy[a] = NULL;
    for (int i = 0; i < a; i++)
        if (!copy[i])
            return -1;
    int rc = gl_cmd_run(a, copy);
    for (int i = 0; i < a; i++)
        free(copy[i]);
    return rc;
}

int gl_cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {
        { "pcap", required_argument, NULL, 'p' },   { "labels", required_argument, NULL, 'L' },
        { "out", required_argument, NULL, 'o' },    { "test-share", required_argument, NULL, 't' },
        { "epochs", required_argument, NULL, 'e' }, { "seed", required_argument, NULL, 's' },
        { "threshold", required_argument, NULL, 'T' }, { "work", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
    };
    char *pcaps[MAX_PCAPS];
    int np = 0, c;
    const char *labels = NULL, *out = "guanlan-models", *work = NULL;
    unsigned test_pct = 25, epochs = 40, threshold = 70;
    unsigned long long seed = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (np == MAX_PCAPS) {
                fprintf(stderr, "guanlan train: at most %d --pcap\n", MAX_PCAPS);
                return 2;
            }
            pcaps[np++] = optarg;
            break;
        case 'L': labels = optarg; break;
        case 'o': out = optarg; break;
        case 't': test_pct = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'e': epochs = (unsigned)strtoul(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'T': threshold = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'w': work = optarg; break;
        case 'h': train_usage(stdout); return 0;
        default: train_usage(stderr); return 2;
        }
    }
    if (!np || !labels || test_pct < 5 || test_pct > 50 || threshold > 100 || epochs == 0 || epochs > 10000) {
        train_usage(stderr);
        return 2;
    }
    train_ctx t = { .test_pct = test_pct };
    if (load_labels(&t, labels) != 0)
        return 1;
    qsort(t.labels, t.n_labels, sizeof(label_ent), cmp_label);
    char tmpl[] = "/tmp/guanlan-train-XXXXXX";
    bool own_work = !work;
    if (!work && !(work = mkdtemp(tmpl))) {
        perror("mkdtemp");
        return 1;
    }
    if (mkdir(work, 0700) != 0 && errno != EEXIST) {
        perror(work);
        return 1;
    }
    fprintf(stderr, "guanlan train: running the sensor over %d capture(s) in %s\n", np, work);
    if (run_sensor(work, pcaps, np) != 0) {
        fprintf(stderr, "guanlan train: the sensor run failed\n");
        if (own_work)
            remove_tree(work);
        return 1;
    }
    enc_journal_each(work, collect_cb, &t);
    if (own_work)
        remove_tree(work);
    size_t counts[3][2] = { { 0 } };
    for (size_t i = 0; i < t.n; i++)
        counts[t.s[i].split][t.s[i].label]++;
    fprintf(stderr,
            "guanlan train: %zu labelled TLS sessions (%zu without a label); network %zu+%zu, fusion %zu+%zu, "
            "held-out %zu+%zu (benign+malicious)\n",
            t.n, t.unmatched, counts[1][0], counts[1][1], counts[2][0], counts[2][1], counts[0][0], counts[0][1]);
    if (counts[1][0] == 0 || counts[1][1] == 0 || counts[2][0] == 0 || counts[2][1] == 0 || counts[0][0] + counts[0][1] == 0) {
        fprintf(stderr, "guanlan train: not enough labelled sessions of both classes\n");
        free(t.s);
        free(t.labels);
        return 1;
    }
    gl_seqmodel *m = gl_seqmodel_new(seed);
    double *nn = calloc(t.n, sizeof(double));
    if (!m || !nn) {
        fprintf(stderr, "guanlan train: out of memory\n");
        return 1;
    }
    train_network(m, t.s, t.n, epochs, seed);
    for (size_t i = 0; i < t.n; i++)
        nn[i] = gl_seqmodel_predict(m, &t.s[i].rec.seq);
    enc_fusion f;
    train_fusion(&f, t.s, nn, t.n);
    printf("fusion: bias %.3f  sequence network %.3f; findings:", f.bias, f.w_nn);
    for (int k = 0; k < enc_feature_count(); k++)
        if (fabs(f.wf[k] - ENC_PRIOR_WEIGHT) > 0.05 && !enc_feature_fixed(k))
            printf(" %s %.2f", enc_feature_name(k), f.wf[k]);
    printf("\n");
    evaluate(t.s, nn, t.n, &f, threshold);
    evaluate_single(t.s, nn, t.n);
    char err[512];
    int rc = enc_models_save_dir(out, &f, m, err, sizeof(err));
    if (rc)
        fprintf(stderr, "guanlan train: %s\n", err);
    else
        printf("models written to %s/" ENC_FUSION_FILE " and %s/" ENC_SEQ_FILE "\n", out, out);
    gl_seqmodel_free(m);
    free(nn);
    free(t.s);
    free(t.labels);
    return rc ? 1 : 0;
}
