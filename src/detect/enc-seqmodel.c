/*
 * enc-seqmodel.c — the session-behaviour sequence model (sub-model 3 of
 * encrypted-traffic detection): a small 1-D CNN over the first GL_SEQ_LEN
 * packets after a TLS handshake, with hand-written forward and backward
 * passes, Adam training and a versioned, SHA-256-checksummed model file.
 *
 * Network (sizes fixed at compile time, recorded in the file):
 *   input x[t] = (log1p(len)/log 65536, dir c2s -1 / s2c +1, log1p(gap)/log 1e8), t < n
 *   conv1 k=3, 3→16, zero padding, ReLU
 *   conv2 k=3, 16→16, zero padding, ReLU      (positions ≥ n are masked to 0)
 *   masked global max pool ‖ masked mean pool → 32
 *   dense 32→16 ReLU → dense 16→1 → sigmoid
 *
 * Why a CNN and not a GRU: the signals we want (heartbeat rhythm, request/
 * response size pairs, burst vs trickle) are local patterns that two k=3
 * convolutions (receptive field 5 packets) plus global pooling capture; a CNN
 * has no sequential dependency, so backprop is short and easy to check, and
 * inference is ~25k multiply-adds with no state to carry.
 *
 * Parameters are kept as doubles in memory (exact gradients, a clean gradient
 * check) but rounded to float32 after every update, so what is saved is
 * exactly what predicts: a save/load round trip changes no prediction.
 * Inference uses a stack workspace only (no allocation, read-only model).
 */
#include "enc-seqmodel.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>

/* ---------------------------------------------------------- architecture */

#define SM_IN 3
#define SM_K1 3
#define SM_C1 16
#define SM_K2 3
#define SM_C2 16
#define SM_POOL (2 * SM_C2)
#define SM_H 16

/* offsets of each tensor in the flat parameter vector */
#define OFF_W1 0                                /* [k][in][out] */
#define OFF_B1 (OFF_W1 + SM_K1 * SM_IN * SM_C1)
#define OFF_W2 (OFF_B1 + SM_C1)                 /* [k][in][out] */
#define OFF_B2 (OFF_W2 + SM_K2 * SM_C1 * SM_C2)
#define OFF_W3 (OFF_B2 + SM_C2)                 /* [in][out] */
#define OFF_B3 (OFF_W3 + SM_POOL * SM_H)
#define OFF_W4 (OFF_B3 + SM_H)
#define OFF_B4 (OFF_W4 + SM_H)
#define SM_NPARAMS (OFF_B4 + 1)

/* ------------------------------------------------------------ file format */

#define SM_MAGIC "GLSEQ\0\0\0"
#define SM_VERSION 1u
#define SM_HDR_LEN 80
#define SM_SHA_LEN 32
#define SM_FILE_LEN (SM_HDR_LEN + 4 * SM_NPARAMS + SM_SHA_LEN)
#define SM_MAX_ABS_WEIGHT 1e4 /* keeps every activation finite in double */

/* ---------------------------------------------------------- training knobs */

#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8
#define WEIGHT_DECAY 1e-4 /* decoupled (AdamW), weights only */
#define CLIP_NORM 5.0     /* global gradient norm: a hostile batch cannot blow up the model */

struct gl_seqmodel {
    double w[SM_NPARAMS];
    double g[SM_NPARAMS];               /* gradient accumulator (training only) */
    double adam_m[SM_NPARAMS], adam_v[SM_NPARAMS];
    float wf[SM_NPARAMS];               /* float32 copy for the inference fast path */
    uint64_t steps, samples, seed, saved_unix;
};

/* Activations of one sequence; lives on the stack. */
typedef struct sm_work {
    int n;
    double x[GL_SEQ_LEN][SM_IN];
    double h1[GL_SEQ_LEN][SM_C1];
    double h2[GL_SEQ_LEN][SM_C2];
    int argmax[SM_C2];
    double pool[SM_POOL];
    double z3[SM_H], a3[SM_H];
    double z4;
} sm_work;

/* ---------------------------------------------------------------- helpers */

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform in (-a, a), from 53 random bits: no libm, identical everywhere */
static double uniform_sym(uint64_t *s, double a)
{
    double u = (double)(splitmix(s) >> 11) / 9007199254740992.0;
    return (2.0 * u - 1.0) * a;
}

static double sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* log(1 + e^z) without overflow */
static double softplus(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static void round_to_float(double *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (double)(float)w[i];
}

/* the inference copy follows every change of the weights */
static void sync_float(gl_seqmodel *m)
{
    for (size_t i = 0; i < SM_NPARAMS; i++)
        m->wf[i] = (float)m->w[i];
}

/* ------------------------------------------------------------------- model */

gl_seqmodel *gl_seqmodel_new(uint64_t seed)
{
    gl_seqmodel *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->seed = seed;
    uint64_t s = seed ^ 0x5e9a0de1c0ffee00ULL;
    /* He-uniform for layers followed by ReLU, Xavier-uniform for the output */
    double a1 = sqrt(6.0 / (SM_K1 * SM_IN)), a2 = sqrt(6.0 / (SM_K2 * SM_C1));
    double a3 = sqrt(6.0 / SM_POOL), a4 = sqrt(6.0 / (SM_H + 1));
    for (int i = 0; i < SM_K1 * SM_IN * SM_C1; i++)
        m->w[OFF_W1 + i] = uniform_sym(&s, a1);
    for (int i = 0; i < SM_K2 * SM_C1 * SM_C2; i++)
        m->w[OFF_W2 + i] = uniform_sym(&s, a2);
    for (int i = 0; i < SM_POOL * SM_H; i++)
        m->w[OFF_W3 + i] = uniform_sym(&s, a3);
    for (int i = 0; i < SM_H; i++)
        m->w[OFF_W4 + i] = uniform_sym(&s, a4);
    /* small positive conv biases: fewer units start dead on all-padding input */
    for (int i = 0; i < SM_C1; i++)
        m->w[OFF_B1 + i] = 0.01;
    for (int i = 0; i < SM_C2; i++)
        m->w[OFF_B2 + i] = 0.01;
    round_to_float(m->w, SM_NPARAMS);
    sync_float(m);
    return m;
}

void gl_seqmodel_free(gl_seqmodel *m)
{
    free(m);
}

size_t gl_seqmodel_param_count(const gl_seqmodel *m)
{
    (void)m;
    return SM_NPARAMS;
}

/* ----------------------------------------------------------------- forward */

static void encode_input(const gl_seq *s, sm_work *wk)
{
    static const double inv_len = 1.0 / 11.090354888959125; /* 1 / log(65536) */
    static const double inv_gap = 1.0 / 18.420680743952367; /* 1 / log(1e8) */
    int n = s->n > GL_SEQ_LEN ? GL_SEQ_LEN : s->n;
    wk->n = n;
    for (int t = 0; t < n; t++) {
        wk->x[t][0] = log1p((double)s->p[t].len) * inv_len;
        wk->x[t][1] = s->p[t].dir ? 1.0 : -1.0;
        wk->x[t][2] = log1p((double)s->p[t].gap_us) * inv_gap;
    }
}

/* out[t] = ReLU(b + Σ_k Σ_i in[t+k-1][i] · W[k][i][·]) for t < n; inputs
 * outside [0, n) are zero (padding and masked positions alike) */
static void conv_relu(const double *in, int cin, double *out, int cout, const double *W,
                      const double *b, int n)
{
    for (int t = 0; t < n; t++) {
        double acc[SM_C2 > SM_C1 ? SM_C2 : SM_C1];
        for (int o = 0; o < cout; o++)
            acc[o] = b[o];
        for (int k = 0; k < 3; k++) {
            int s = t + k - 1;
            if (s < 0 || s >= n)
                continue;
            const double *xi = in + (size_t)s * (size_t)cin;
            const double *wk = W + (size_t)k * (size_t)cin * (size_t)cout;
            for (int i = 0; i < cin; i++) {
                double v = xi[i];
                const double *wr = wk + (size_t)i * (size_t)cout;
                for (int o = 0; o < cout; o++)
                    acc[o] += v * wr[o];
            }
        }
        for (int o = 0; o < cout; o++)
            out[(size_t)t * (size_t)cout + (size_t)o] = acc[o] > 0 ? acc[o] : 0;
    }
}

static double forward(const double *w, const gl_seq *s, sm_work *wk)
{
    encode_input(s, wk);
    int n = wk->n;
    conv_relu(&wk->x[0][0], SM_IN, &wk->h1[0][0], SM_C1, w + OFF_W1, w + OFF_B1, n);
    conv_relu(&wk->h1[0][0], SM_C1, &wk->h2[0][0], SM_C2, w + OFF_W2, w + OFF_B2, n);
    for (int o = 0; o < SM_C2; o++) {
        double mx = 0, sum = 0;
        int am = -1;
        for (int t = 0; t < n; t++) {
            double v = wk->h2[t][o];
            sum += v;
            if (am < 0 || v > mx) {
                mx = v;
                am = t;
            }
        }
        wk->argmax[o] = am;
        wk->pool[o] = mx;
        wk->pool[SM_C2 + o] = n ? sum / n : 0;
    }
    for (int j = 0; j < SM_H; j++)
        wk->z3[j] = w[OFF_B3 + j];
    for (int i = 0; i < SM_POOL; i++) {
        double v = wk->pool[i];
        const double *wr = w + OFF_W3 + i * SM_H;
        for (int j = 0; j < SM_H; j++)
            wk->z3[j] += v * wr[j];
    }
    double z4 = w[OFF_B4];
    for (int j = 0; j < SM_H; j++) {
        wk->a3[j] = wk->z3[j] > 0 ? wk->z3[j] : 0;
        z4 += wk->a3[j] * w[OFF_W4 + j];
    }
    wk->z4 = z4;
    return z4;
}

/* Inference in float32 with every size a compile-time constant, so the
 * inner loops over output channels vectorise. Padded rows (index 0 and n+1)
 * hold zeros, which removes the border tests from the loops. Same maths as
 * forward(); only rounding differs (float vs double accumulation). */
typedef float v4sf __attribute__((vector_size(16)));
#if SM_C2 != 16 || SM_C1 != 16
#error "forward_fast assumes 16 conv2 channels"
#endif

static double forward_fast(const float *w, const gl_seq *s)
{
    static const float inv_len = (float)(1.0 / 11.090354888959125);
    static const float inv_gap = (float)(1.0 / 18.420680743952367);
    int n = s->n > GL_SEQ_LEN ? GL_SEQ_LEN : s->n;
    float x[GL_SEQ_LEN + 2][SM_IN];
    float h1[GL_SEQ_LEN + 2][SM_C1];
    float mx[SM_C2], sum[SM_C2];
    memset(x[0], 0, sizeof(x[0]));
    memset(x[n + 1], 0, sizeof(x[0]));
    memset(h1[0], 0, sizeof(h1[0]));
    memset(h1[n + 1], 0, sizeof(h1[0]));
    for (int t = 0; t < n; t++) {
        x[t + 1][0] = log1pf((float)s->p[t].len) * inv_len;
        x[t + 1][1] = s->p[t].dir ? 1.0f : -1.0f;
        x[t + 1][2] = log1pf((float)s->p[t].gap_us) * inv_gap;
    }
    v4sf w1[SM_K1 * SM_IN][4], b1[4];
    memcpy(w1, w + OFF_W1, sizeof(w1));
    memcpy(b1, w + OFF_B1, sizeof(b1));
    for (int t = 0; t < n; t++) {
        v4sf a[4] = {b1[0], b1[1], b1[2], b1[3]};
        const float *xrow = x[t]; /* rows t, t+1, t+2 are contiguous */
        for (int ki = 0; ki < SM_K1 * SM_IN; ki++) {
            float v = xrow[ki];
            a[0] += v * w1[ki][0];
            a[1] += v * w1[ki][1];
            a[2] += v * w1[ki][2];
            a[3] += v * w1[ki][3];
        }
        memcpy(h1[t + 1], a, sizeof(a));
        for (int o = 0; o < SM_C1; o++)
            h1[t + 1][o] = h1[t + 1][o] > 0 ? h1[t + 1][o] : 0;
    }
    for (int o = 0; o < SM_C2; o++)
        mx[o] = sum[o] = 0; /* ReLU outputs are >= 0, so 0 is a safe max seed */
    for (int t = 0; t < n; t++) {
        /* 16 accumulators as four 4-lane vectors held in registers: the
         * conv2 loop is ~75% of the work */
        v4sf a[4];
        memcpy(a, w + OFF_B2, sizeof(a));
        const float *hrow = h1[t];
        const float *wr = w + OFF_W2;
        for (int ki = 0; ki < SM_K2 * SM_C1; ki++, wr += SM_C2) {
            v4sf wv[4];
            memcpy(wv, wr, sizeof(wv));
            float v = hrow[ki]; /* rows t, t+1, t+2 are contiguous in h1 */
            a[0] += v * wv[0];
            a[1] += v * wv[1];
            a[2] += v * wv[2];
            a[3] += v * wv[3];
        }
        float acc[SM_C2];
        memcpy(acc, a, sizeof(acc));
        for (int o = 0; o < SM_C2; o++) {
            float v = acc[o] > 0 ? acc[o] : 0;
            sum[o] += v;
            mx[o] = v > mx[o] ? v : mx[o];
        }
    }
    float pool[SM_POOL], z3[SM_H];
    float inv_n = n ? 1.0f / (float)n : 0.0f;
    for (int o = 0; o < SM_C2; o++) {
        pool[o] = mx[o];
        pool[SM_C2 + o] = sum[o] * inv_n;
    }
    memcpy(z3, w + OFF_B3, sizeof(z3));
    for (int i = 0; i < SM_POOL; i++)
        for (int j = 0; j < SM_H; j++)
            z3[j] += pool[i] * w[OFF_W3 + i * SM_H + j];
    double z4 = w[OFF_B4];
    for (int j = 0; j < SM_H; j++)
        z4 += (double)(z3[j] > 0 ? z3[j] : 0) * (double)w[OFF_W4 + j];
    return z4;
}

double gl_seqmodel_predict(const gl_seqmodel *m, const gl_seq *s)
{
    if (!m || !s)
        return 0.0;
    return sigmoid(forward_fast(m->wf, s));
}

/* ---------------------------------------------------------------- backward */

/* adds d(loss)/d(w) of one sequence to g, given dz4 = d(loss)/d(logit) */
static void backward(const double *w, const sm_work *wk, double dz4, double *g)
{
    int n = wk->n;
    double dz3[SM_H], dpool[SM_POOL];
    g[OFF_B4] += dz4;
    for (int j = 0; j < SM_H; j++) {
        g[OFF_W4 + j] += dz4 * wk->a3[j];
        dz3[j] = wk->z3[j] > 0 ? dz4 * w[OFF_W4 + j] : 0;
        g[OFF_B3 + j] += dz3[j];
    }
    for (int i = 0; i < SM_POOL; i++) {
        double acc = 0;
        for (int j = 0; j < SM_H; j++) {
            g[OFF_W3 + i * SM_H + j] += wk->pool[i] * dz3[j];
            acc += w[OFF_W3 + i * SM_H + j] * dz3[j];
        }
        dpool[i] = acc;
    }
    if (n == 0)
        return;
    /* pooling → conv2 pre-activation gradient */
    double dz2[GL_SEQ_LEN][SM_C2];
    for (int t = 0; t < n; t++)
        for (int o = 0; o < SM_C2; o++) {
            double d = dpool[SM_C2 + o] / n + (wk->argmax[o] == t ? dpool[o] : 0);
            dz2[t][o] = wk->h2[t][o] > 0 ? d : 0;
        }
    /* conv2 weights, bias, and gradient into h1 */
    double dh1[GL_SEQ_LEN][SM_C1];
    memset(dh1, 0, sizeof(dh1));
    for (int t = 0; t < n; t++) {
        for (int o = 0; o < SM_C2; o++)
            g[OFF_B2 + o] += dz2[t][o];
        for (int k = 0; k < SM_K2; k++) {
            int s = t + k - 1;
            if (s < 0 || s >= n)
                continue;
            for (int i = 0; i < SM_C1; i++) {
                const double *wr = w + OFF_W2 + (k * SM_C1 + i) * SM_C2;
                double *gr = g + OFF_W2 + (k * SM_C1 + i) * SM_C2;
                double hv = wk->h1[s][i], acc = 0;
                for (int o = 0; o < SM_C2; o++) {
                    gr[o] += hv * dz2[t][o];
                    acc += wr[o] * dz2[t][o];
                }
                dh1[s][i] += acc;
            }
        }
    }
    /* conv1 */
    for (int t = 0; t < n; t++) {
        double dz1[SM_C1];
        for (int o = 0; o < SM_C1; o++) {
            dz1[o] = wk->h1[t][o] > 0 ? dh1[t][o] : 0;
            g[OFF_B1 + o] += dz1[o];
        }
        for (int k = 0; k < SM_K1; k++) {
            int s = t + k - 1;
            if (s < 0 || s >= n)
                continue;
            for (int i = 0; i < SM_IN; i++) {
                double *gr = g + OFF_W1 + (k * SM_IN + i) * SM_C1;
                for (int o = 0; o < SM_C1; o++)
                    gr[o] += wk->x[s][i] * dz1[o];
            }
        }
    }
}

/* Mean BCE loss of the batch; its gradient (mean over the batch) lands in
 * grad. Exported for the gradient-check test (declared there, not in the
 * contract header). */
double gl_seqmodel_debug_loss_grad(const gl_seqmodel *m, const double *w, const gl_seq *const *batch,
                                   const uint8_t *labels, size_t n, double *grad);
double gl_seqmodel_debug_loss_grad(const gl_seqmodel *m, const double *w, const gl_seq *const *batch,
                                   const uint8_t *labels, size_t n, double *grad)
{
    (void)m;
    if (grad)
        memset(grad, 0, sizeof(double) * SM_NPARAMS);
    double loss = 0;
    size_t used = 0;
    for (size_t b = 0; b < n; b++) {
        if (!batch[b])
            continue;
        sm_work wk;
        double z = forward(w, batch[b], &wk);
        double y = labels[b] ? 1.0 : 0.0;
        loss += softplus(z) - y * z; /* = BCE(sigmoid(z), y) */
        if (grad)
            backward(w, &wk, sigmoid(z) - y, grad);
        used++;
    }
    if (!used)
        return 0;
    if (grad)
        for (size_t i = 0; i < SM_NPARAMS; i++)
            grad[i] /= (double)used;
    return loss / (double)used;
}

/* Parameter vector access for tests (gradient check). */
double *gl_seqmodel_debug_params(gl_seqmodel *m);
double *gl_seqmodel_debug_params(gl_seqmodel *m)
{
    return m->w;
}

static int is_weight(size_t i)
{
    return (i < OFF_B1) || (i >= OFF_W2 && i < OFF_B2) || (i >= OFF_W3 && i < OFF_B3) ||
           (i >= OFF_W4 && i < OFF_B4);
}

static void adam_step(gl_seqmodel *m, double lr)
{
    double norm = 0;
    for (size_t i = 0; i < SM_NPARAMS; i++)
        norm += m->g[i] * m->g[i];
    norm = sqrt(norm);
    double scale = norm > CLIP_NORM ? CLIP_NORM / norm : 1.0;
    m->steps++;
    double c1 = 1.0 - pow(ADAM_B1, (double)m->steps);
    double c2 = 1.0 - pow(ADAM_B2, (double)m->steps);
    for (size_t i = 0; i < SM_NPARAMS; i++) {
        double g = m->g[i] * scale;
        m->adam_m[i] = ADAM_B1 * m->adam_m[i] + (1 - ADAM_B1) * g;
        m->adam_v[i] = ADAM_B2 * m->adam_v[i] + (1 - ADAM_B2) * g * g;
        double upd = (m->adam_m[i] / c1) / (sqrt(m->adam_v[i] / c2) + ADAM_EPS);
        double w = m->w[i] - lr * upd;
        if (is_weight(i))
            w -= lr * WEIGHT_DECAY * m->w[i];
        if (w > SM_MAX_ABS_WEIGHT)
            w = SM_MAX_ABS_WEIGHT;
        if (w < -SM_MAX_ABS_WEIGHT)
            w = -SM_MAX_ABS_WEIGHT;
        m->w[i] = (double)(float)w;
    }
    sync_float(m);
}

double gl_seqmodel_train_batch(gl_seqmodel *m, const gl_seq *const *batch, const uint8_t *labels,
                               size_t n, double learning_rate)
{
    if (!m || !batch || !labels || n == 0 || !(learning_rate > 0) || !isfinite(learning_rate))
        return 0.0;
    double loss = gl_seqmodel_debug_loss_grad(m, m->w, batch, labels, n, m->g);
    for (size_t i = 0; i < SM_NPARAMS; i++)
        if (!isfinite(m->g[i]))
            return loss; /* cannot happen with bounded weights; never poison the model */
    adam_step(m, learning_rate);
    m->samples += n;
    return loss;
}

/* ------------------------------------------------------------- model file */

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* architecture fields at offsets 12..44, in the order the docs list them */
static const uint32_t ARCH[] = {GL_SEQ_LEN, SM_IN, SM_C1, SM_K1, SM_C2, SM_K2, SM_H, SM_NPARAMS};
static const char *const ARCH_NAMES[] = {"seq_len", "input channels", "conv1 channels", "conv1 kernel",
                                         "conv2 channels", "conv2 kernel", "hidden units",
                                         "parameter count"};

static int sha256(const uint8_t *d, size_t n, uint8_t out[SM_SHA_LEN])
{
    unsigned int len = 0;
    return EVP_Digest(d, n, out, &len, EVP_sha256(), NULL) == 1 && len == SM_SHA_LEN;
}

static uint64_t save_time(void)
{
    /* reproducible builds: a fixed date when SOURCE_DATE_EPOCH is set */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(sde, &end, 10);
        if (!errno && !*end)
            return v;
    }
    time_t t = time(NULL);
    return t > 0 ? (uint64_t)t : 0;
}

static int serialize(const gl_seqmodel *m, uint8_t *buf, uint64_t when)
{
    memset(buf, 0, SM_FILE_LEN);
    memcpy(buf, SM_MAGIC, 8);
    put_le32(buf + 8, SM_VERSION);
    for (size_t i = 0; i < sizeof(ARCH) / sizeof(ARCH[0]); i++)
        put_le32(buf + 12 + 4 * i, ARCH[i]);
    put_le32(buf + 44, 0); /* flags: reserved */
    put_le64(buf + 48, when);
    put_le64(buf + 56, m->samples);
    put_le64(buf + 64, m->seed);
    put_le64(buf + 72, m->steps);
    for (size_t i = 0; i < SM_NPARAMS; i++) {
        float f = (float)m->w[i];
        uint32_t u;
        memcpy(&u, &f, 4);
        put_le32(buf + SM_HDR_LEN + 4 * i, u);
    }
    return sha256(buf, SM_FILE_LEN - SM_SHA_LEN, buf + SM_FILE_LEN - SM_SHA_LEN);
}

/* Parse and validate a whole model file image. Exported for the fuzzer. */
gl_seqmodel *gl_seqmodel_load_mem(const uint8_t *d, size_t n, char *err, size_t errlen);
gl_seqmodel *gl_seqmodel_load_mem(const uint8_t *d, size_t n, char *err, size_t errlen)
{
    if (!d || n < 12) {
        set_err(err, errlen, "model file truncated: %zu bytes, header needs %d", n, SM_HDR_LEN);
        return NULL;
    }
    if (memcmp(d, SM_MAGIC, 8) != 0) {
        set_err(err, errlen, "not a sequence model file (bad magic)");
        return NULL;
    }
    uint32_t ver = get_le32(d + 8);
    if (ver != SM_VERSION) {
        set_err(err, errlen, "unsupported sequence model version %u (this build reads %u)", ver, SM_VERSION);
        return NULL;
    }
    if (n < SM_HDR_LEN) {
        set_err(err, errlen, "model file truncated: %zu bytes, header needs %d", n, SM_HDR_LEN);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(ARCH) / sizeof(ARCH[0]); i++) {
        uint32_t v = get_le32(d + 12 + 4 * i);
        if (v != ARCH[i]) {
            set_err(err, errlen, "model architecture mismatch: %s is %u, this build has %u", ARCH_NAMES[i],
                    v, ARCH[i]);
            return NULL;
        }
    }
    if (n != SM_FILE_LEN) {
        set_err(err, errlen, "model file %s: %zu bytes, expected %d", n < SM_FILE_LEN ? "truncated" : "has trailing data",
                n, SM_FILE_LEN);
        return NULL;
    }
    uint8_t md[SM_SHA_LEN];
    if (!sha256(d, SM_FILE_LEN - SM_SHA_LEN, md)) {
        set_err(err, errlen, "SHA-256 unavailable");
        return NULL;
    }
    if (memcmp(md, d + SM_FILE_LEN - SM_SHA_LEN, SM_SHA_LEN) != 0) {
        set_err(err, errlen, "model file checksum mismatch (corrupt or edited)");
        return NULL;
    }
    if (get_le32(d + 44) != 0) {
        set_err(err, errlen, "model file uses unknown flags 0x%x", get_le32(d + 44));
        return NULL;
    }
    gl_seqmodel *m = calloc(1, sizeof(*m));
    if (!m) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < SM_NPARAMS; i++) {
        uint32_t u = get_le32(d + SM_HDR_LEN + 4 * i);
        float f;
        memcpy(&f, &u, 4);
        if (!isfinite(f) || fabsf(f) > (float)SM_MAX_ABS_WEIGHT) {
            set_err(err, errlen, "model parameter %zu is %s", i,
                    isfinite(f) ? "out of range (|w| > 1e4)" : "not finite (NaN or Inf)");
            free(m);
            return NULL;
        }
        m->w[i] = (double)f;
    }
    sync_float(m);
    m->saved_unix = get_le64(d + 48);
    m->samples = get_le64(d + 56);
    m->seed = get_le64(d + 64);
    m->steps = 0; /* Adam moments are not stored: fine-tuning restarts them */
    return m;
}

gl_seqmodel *gl_seqmodel_load(const char *path, char *err, size_t errlen)
{
    if (!path) {
        set_err(err, errlen, "no model path");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    /* read one byte more than a valid file so trailing data is noticed */
    uint8_t buf[SM_FILE_LEN + 1];
    size_t n = fread(buf, 1, sizeof(buf), f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        set_err(err, errlen, "%s: read error", path);
        return NULL;
    }
    char why[200];
    gl_seqmodel *m = gl_seqmodel_load_mem(buf, n, why, sizeof(why));
    if (!m)
        set_err(err, errlen, "%s: %s", path, why);
    return m;
}

int gl_seqmodel_save(const gl_seqmodel *m, const char *path, char *err, size_t errlen)
{
    if (!m || !path) {
        set_err(err, errlen, "no model or path");
        return -1;
    }
    uint8_t buf[SM_FILE_LEN];
    if (!serialize(m, buf, save_time())) {
        set_err(err, errlen, "SHA-256 unavailable");
        return -1;
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
        set_err(err, errlen, "model path too long");
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        set_err(err, errlen, "%s: cannot create temporary file: %s", path, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < sizeof(buf)) {
        ssize_t w = write(fd, buf + off, sizeof(buf) - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            set_err(err, errlen, "%s: write failed: %s", tmp, w < 0 ? strerror(errno) : "no progress");
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    /* data on disk before the rename makes it visible: a crash leaves the
     * old file or the new one, never a torn one */
    int bad = fchmod(fd, 0644) != 0 || fsync(fd) != 0;
    int saved_errno = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        saved_errno = errno;
    }
    if (bad) {
        set_err(err, errlen, "%s: %s", tmp, strerror(saved_errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        set_err(err, errlen, "%s: rename failed: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
