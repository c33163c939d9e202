/*
 * cmd-feedback.c — `guanlan feedback` (an analyst's verdict on one TLS
 * session, applied online to the models) and `guanlan model` (list the
 * learned versions, roll back to one).
 *
 * Online learning, not retraining: the current version's weights are the
 * starting point; a few SGD passes over the accumulated verdicts (newest
 * 256) move the fusion combiner, and a few small Adam steps move the
 * sequence network. The result is saved as a new version and made current;
 * the sensor picks it up at its next start. Older versions stay for
 * `guanlan model rollback`.
 */
#include "enc-cmd.h"
#include "enc-models.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GUANLAN_MODEL_DIR
#define GUANLAN_MODEL_DIR "models"
#endif

#define REPLAY_MAX 256
#define FUSION_PASSES 5
#define FUSION_LR 0.05
#define SEQ_LR 5e-4

static void feedback_usage(FILE *out)
{
    fprintf(out,
            "usage: guanlan feedback FLOW_ID --label benign|malicious [options]\n"
            "\n"
            "Record an analyst's verdict on a TLS session scored by the encrypted-traffic detector and\n"
            "update the models online from all verdicts so far. The session is looked up in the\n"
            "detector's journal (STATE/encrypted-sessions.log); the verdict is appended to\n"
            "STATE/encrypted-feedback.csv; the updated models become a new version in\n"
            "STATE/encrypted-models/ (see 'guanlan model list').\n"
            "\n"
            "  --label L          benign (false positive) or malicious (confirmed / missed detection)\n"
            "  -l, --state-dir D  the sensor's detect.state-dir (default: its log dir; here: .)\n"
            "  --model-dir D      shipped models, used when no version exists yet (default %s)\n"
            "  -h, --help         this text\n",
            GUANLAN_MODEL_DIR);
}

static int parse_flow_id(const char *s, uint64_t *out)
{
    char *e;
    if (!s || !*s || *s == '-')
        return -1;
    *out = strtoull(s, &e, 10);
    return *e ? -1 : 0;
}

static double session_score(const enc_models *m, const enc_journal_rec *r)
{
    enc_inputs in;
    double nn = m->seq ? gl_seqmodel_predict(m->seq, &r->seq) : -1;
    enc_journal_inputs(r, nn, &in);
    return enc_fusion_prob(&m->fusion, &in, NULL) * 100;
}

static void online_update(enc_models *m, const enc_feedback *fb, size_t n)
{
    if (m->seq) {
        const gl_seq *batch[32];
        uint8_t lab[32];
        size_t k = 0;
        for (size_t i = n > 32 ? n - 32 : 0; i < n; i++, k++) {
            batch[k] = &fb[i].rec.seq;
            lab[k] = (uint8_t)fb[i].label;
        }
        for (int step = 0; step < 3 && k; step++)
            gl_seqmodel_train_batch(m->seq, batch, lab, k, SEQ_LR);
    }
    for (int pass = 0; pass < FUSION_PASSES; pass++)
        for (size_t i = 0; i < n; i++) {
            enc_inputs in;
            double nn = m->seq ? gl_seqmodel_predict(m->seq, &fb[i].rec.seq) : -1;
            enc_journal_inputs(&fb[i].rec, nn, &in);
            enc_fusion_sgd(&m->fusion, &in, fb[i].label, FUSION_LR, 1e-3);
        }
    m->fusion.n_feedback++;
}

int gl_cmd_feedback(int argc, char **argv)
{
    static const struct option opts[] = {
        { "label", required_argument, NULL, 'L' },     { "state-dir", required_argument, NULL, 'l' },
        { "model-dir", required_argument, NULL, 'm' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *label = NULL, *state = ".", *model_dir = GUANLAN_MODEL_DIR;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hl:", opts, NULL)) != -1) {
        switch (c) {
        case 'L': label = optarg; break;
        case 'l': state = optarg; break;
        case 'm': model_dir = optarg; break;
        case 'h': feedback_usage(stdout); return 0;
        default: feedback_usage(stderr); return 2;
        }
    }
    uint64_t flow_id;
    if (optind + 1 != argc || parse_flow_id(argv[optind], &flow_id) != 0 || !label ||
        (strcmp(label, "benign") != 0 && strcmp(label, "malicious") != 0)) {
        feedback_usage(stderr);
        return 2;
    }
    enc_feedback fb = { .label = strcmp(label, "malicious") == 0 };
    if (enc_journal_find(state, flow_id, &fb.rec) != 0) {
        fprintf(stderr,
                "guanlan feedback: flow %llu is not in %s/" ENC_JOURNAL_FILE
                " (only TLS sessions the encrypted detector scored can get a verdict)\n",
                (unsigned long long)flow_id, state);
        return 1;
    }
    char err[1024];
    enc_feedback *all = calloc(REPLAY_MAX, sizeof(*all));
    size_t n = 0;
    if (!all) {
        fprintf(stderr, "guanlan feedback: out of memory\n");
        return 1;
    }
    /* validate the store before adding to it: never learn from a corrupt file */
    if (enc_feedback_load(state, all, REPLAY_MAX, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "guanlan feedback: feedback store rejected: %s; models not updated\n", err);
        free(all);
        return 1;
    }
    if (enc_feedback_append(state, &fb, err, sizeof(err)) != 0) {
        fprintf(stderr, "guanlan feedback: %s\n", err);
        free(all);
        return 1;
    }
    if (n == REPLAY_MAX) {
        memmove(all, all + 1, (REPLAY_MAX - 1) * sizeof(*all));
        n--;
    }
    all[n++] = fb;
    enc_models m;
    char warn[2048];
    enc_models_load(model_dir, state, &m, warn, sizeof(warn));
    if (warn[0])
        fprintf(stderr, "guanlan feedback: model files: %s\n", warn);
    unsigned from = m.version;
    double before = session_score(&m, &fb.rec);
    online_update(&m, all, n);
    double after = session_score(&m, &fb.rec);
    unsigned v;
    int rc = enc_models_save_version(state, &m.fusion, m.seq, &v, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "guanlan feedback: %s\n", err);
    } else {
        printf("flow %llu labelled %s (%zu verdicts so far)\n", (unsigned long long)flow_id, label, n);
        printf("models: version %u (from %s%u), this session's score %.0f -> %.0f\n", v, from ? "version " : "",
               from, before, after);
    }
    enc_models_free(&m);
    free(all);
    return rc ? 1 : 0;
}

static void model_usage(FILE *out)
{
    fprintf(out,
            "usage: guanlan model list [-l STATE_DIR]\n"
            "       guanlan model rollback VERSION [-l STATE_DIR]\n"
            "\n"
            "Versions of the encrypted-traffic models learned online from feedback\n"
            "(STATE_DIR/encrypted-models/vNNNN; default STATE_DIR '.'). rollback makes VERSION\n"
            "current again after checking that its files load; the sensor uses it at its next\n"
            "start. Newer versions are kept.\n");
}

int gl_cmd_model(int argc, char **argv)
{
    static const struct option opts[] = {
        { "state-dir", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *state = ".";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hl:", opts, NULL)) != -1) {
        switch (c) {
        case 'l': state = optarg; break;
        case 'h': model_usage(stdout); return 0;
        default: model_usage(stderr); return 2;
        }
    }
    if (optind < argc && strcmp(argv[optind], "list") == 0 && optind + 1 == argc)
        return enc_models_list(state, stdout) == 0 ? 0 : 1;
    if (optind + 2 == argc && strcmp(argv[optind], "rollback") == 0) {
        char *e, err[1024];
        const char *vs = argv[optind + 1];
        if (*vs == 'v')
            vs++;
        unsigned long v = strtoul(vs, &e, 10);
        if (*e || v == 0 || v > 99999) {
            model_usage(stderr);
            return 2;
        }
        if (enc_models_rollback(state, (unsigned)v, err, sizeof(err)) != 0) {
            fprintf(stderr, "guanlan model: %s\n", err);
            return 1;
        }
        printf("version %lu is current\n", v);
        return 0;
    }
    model_usage(stderr);
    return 2;
}
