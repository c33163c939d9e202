/*
 * enc-models.h — the trained parts of encrypted-traffic detection and where
 * they live: the fusion combiner (logistic-regression stacking over the four
 * sub-model scores, a small checksummed text file), the sequence network
 * (enc-seqmodel.h), their versions in the state directory (online learning,
 * list, rollback), the session journal that lets feedback and training find
 * a session's features again, and the analyst feedback store.
 */
#ifndef GL_ENC_MODELS_H
#define GL_ENC_MODELS_H

#include <stdio.h>

#include "enc-common.h"

#define ENC_FUSION_FILE "fusion.model"
#define ENC_SEQ_FILE "seq.model"
#define ENC_VERSIONS_DIR "encrypted-models"
#define ENC_JOURNAL_FILE "encrypted-sessions.log"
#define ENC_FEEDBACK_FILE "encrypted-feedback.csv"
#define ENC_JOURNAL_MAX (32u << 20) /* rotate to .1 beyond this */

/* ---------- fusion ---------- */

#define ENC_PRIOR_WEIGHT 4.0 /* prior weight of a finding (x = its confidence) */
#define ENC_INTEL_WEIGHT 8.0
/* The sequence network learns only from generated traffic and is the least
 * trustworthy witness on real networks (docs/encrypted-detection.md,
 * evaluation (b)): its weight is capped so that it cannot alert alone and
 * needs another sub-model's corroboration. */
#define ENC_NN_WEIGHT_MAX 4.0 /* intel matches: fixed, never learned from generated data */

typedef struct enc_fusion {
    double bias;
    double w[ENC_SM_N];      /* score-level weights: used when has_features is false */
    bool has_features;       /* finding-level stacking (trained models) */
    double w_nn;             /* weight of the sequence network's probability */
    double wf[ENC_NFEAT];    /* weight per finding (enc_feature_id) */
    uint64_t n_train;        /* samples the batch training saw */
    uint64_t n_feedback;     /* analyst verdicts applied online since */
} enc_fusion;

void enc_fusion_default(enc_fusion *f);
/* Switch to finding-level weights, every finding at its prior. */
void enc_fusion_init_features(enc_fusion *f);
/* P(malicious) = sigmoid(z). Score level: z = bias + sum w_i s_i. Finding
 * level: z = bias + w_nn nn + sum wf[f] conf_f. contrib[i] (may be NULL):
 * the part of z due to sub-model i. */
double enc_fusion_prob(const enc_fusion *f, const enc_inputs *in, double contrib[ENC_SM_N]);
/* One stochastic gradient step of the log-loss; L2 pulls every weight
 * towards its prior (so findings absent from training keep their prior). */
void enc_fusion_sgd(enc_fusion *f, const enc_inputs *in, int label, double lr, double l2);
int enc_fusion_parse(const char *buf, size_t len, enc_fusion *f, char *err, size_t errlen);
int enc_fusion_load(const char *path, enc_fusion *f, char *err, size_t errlen);
int enc_fusion_save(const enc_fusion *f, const char *path, char *err, size_t errlen);

/* ---------- model set and versions ---------- */

typedef struct gl_seqmodel gl_seqmodel;

typedef struct enc_models {
    enc_fusion fusion;
    gl_seqmodel *seq;      /* NULL: the sequence sub-model runs on its heuristics only */
    unsigned version;      /* 0 = shipped or built-in */
    char source[512];      /* what was loaded, for logs */
} enc_models;

/* Never fails: tries state_dir's CURRENT version, then older versions, then
 * model_dir/encrypted/, then built-in defaults. Every file rejected on the
 * way is described in warn ("" when the first choice loaded). */
void enc_models_load(const char *model_dir, const char *state_dir, enc_models *m, char *warn, size_t warnlen);
void enc_models_free(enc_models *m);
/* Write fusion (+ seq if not NULL) into dir/ (created if needed). */
int enc_models_save_dir(const char *dir, const enc_fusion *f, const gl_seqmodel *seq, char *err, size_t errlen);
/* New version in state_dir, made CURRENT; its number in *version. */
int enc_models_save_version(const char *state_dir, const enc_fusion *f, const gl_seqmodel *seq,
                            unsigned *version, char *err, size_t errlen);
int enc_models_list(const char *state_dir, FILE *out);
int enc_models_rollback(const char *state_dir, unsigned version, char *err, size_t errlen);

/* ---------- session journal ---------- */

typedef struct enc_journal_rec {
    uint64_t flow_id, ts_usec;
    char client[48], server[48];
    unsigned cport, sport;
    double hs, cert, heur, bg; /* sub-model scores (sequence: heuristics part) */
    double nn;                 /* sequence network, -1 when none was loaded */
    double score;              /* fused 0..100 */
    uint64_t bytes_up, bytes_down;
    gl_seq seq;
    int nf;                    /* findings (sequence_model excluded) */
    uint8_t fid[ENC_MAX_INPUTS];
    float fconf[ENC_MAX_INPUTS];
} enc_journal_rec;

/* The fusion inputs of a record, with the network's probability nn. */
void enc_journal_inputs(const enc_journal_rec *r, double nn, enc_inputs *in);

typedef struct enc_journal enc_journal;
enc_journal *enc_journal_open(const char *state_dir, char *err, size_t errlen);
void enc_journal_write(enc_journal *j, const enc_journal_rec *r); /* thread-safe */
void enc_journal_close(enc_journal *j);
/* Line text without newline into buf; returns length. */
size_t enc_journal_format(const enc_journal_rec *r, char *buf, size_t buflen);
int enc_journal_parse(const char *line, enc_journal_rec *r);
/* Calls cb for every valid record of state_dir's journal (.1 first). */
int enc_journal_each(const char *state_dir, int (*cb)(const enc_journal_rec *, void *), void *ctx);
/* Last record of flow_id; 0 found, -1 not found. */
int enc_journal_find(const char *state_dir, uint64_t flow_id, enc_journal_rec *out);

/* ---------- feedback store ---------- */

typedef struct enc_feedback {
    int label; /* 1 malicious, 0 benign */
    enc_journal_rec rec;
} enc_feedback;

int enc_feedback_append(const char *state_dir, const enc_feedback *fb, char *err, size_t errlen);
/* Load every verdict (newest last, at most max); -1 with "FILE:LINE: reason" on corruption. */
int enc_feedback_load(const char *state_dir, enc_feedback *out, size_t max, size_t *n, char *err, size_t errlen);
int enc_feedback_parse_buf(const char *buf, size_t len, enc_feedback *out, size_t max, size_t *n, char *err,
                           size_t errlen);

#endif
