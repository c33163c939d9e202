/*
 * enc-common.h — shared vocabulary of the encrypted-traffic detector: the
 * sub-model result (score in [0,1] plus findings for the fishbone), the
 * per-session features the sub-models read, and small helpers.
 */
#ifndef GL_ENC_COMMON_H
#define GL_ENC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/gl-util.h"
#include "enc-seqmodel.h"

/* The four sub-models, in the order of the fusion inputs. */
enum { ENC_SM_HANDSHAKE = 0, ENC_SM_CERT = 1, ENC_SM_SEQ = 2, ENC_SM_BACKGROUND = 3, ENC_SM_N = 4 };

/* Fishbone stages: where on the session's path a finding was seen. */
typedef enum enc_stage { ENC_STAGE_TCP = 0, ENC_STAGE_HANDSHAKE = 1, ENC_STAGE_APPDATA = 2 } enc_stage;

#define ENC_MAX_FINDINGS 12

typedef struct enc_finding {
    const char *name; /* static string, snake_case: "self_signed", "beacon", ... */
    uint8_t stage;    /* enc_stage */
    float conf;       /* confidence in [0,1] */
} enc_finding;

typedef struct enc_result {
    double score; /* [0,1] */
    enc_finding f[ENC_MAX_FINDINGS];
    int n;
} enc_result;

/* Add a finding (ignored when conf <= 0; the weakest is replaced when full). */
void enc_result_add(enc_result *r, const char *name, enc_stage stage, double conf);
/* score = 1 - prod(1 - conf_i): independent pieces of evidence (noisy-OR). */
double enc_result_noisy_or(enc_result *r);

const char *enc_submodel_name(int sm);

/* Every finding name any sub-model can report, with its sub-model: the
 * feature space of the fusion combiner. Ids are positions in this table and
 * never leave the process (files use the names). */
#define ENC_NFEAT 64
int enc_feature_count(void);
int enc_feature_id(const char *name);       /* -1 unknown */
const char *enc_feature_name(int id);
int enc_feature_submodel(int id);
bool enc_feature_fixed(int id);             /* intel matches: weight not learned */

/* What the fusion sees of one session. */
#define ENC_MAX_INPUTS (4 * ENC_MAX_FINDINGS)
typedef struct enc_inputs {
    double s[ENC_SM_N]; /* sub-model scores */
    double nn;          /* sequence network probability, -1 when none */
    int n;
    uint8_t id[ENC_MAX_INPUTS];
    float conf[ENC_MAX_INPUTS];
} enc_inputs;
/* Append r's findings (sequence_model excluded: that is nn). */
void enc_inputs_add(enc_inputs *in, const enc_result *r);
const char *enc_stage_name(int stage);

/* Shannon entropy in bits per character of s[0..n). */
double enc_entropy(const char *s, size_t n);
/* true when a DNS label looks machine-generated (entropy, consonant runs,
 * digit mix); exported for tests. */
bool enc_label_random(const char *label, size_t n);

/* "2017-02-23T05:13:52" (UTC) → seconds since epoch; false if malformed. */
bool enc_parse_utc(const char *s, int64_t *out);

static inline double enc_clamp01(double x)
{
    return x != x ? 0.0 : x < 0 ? 0.0 : x > 1 ? 1.0 : x;
}

#endif
