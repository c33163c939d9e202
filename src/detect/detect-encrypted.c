/*
 * detect-encrypted.c — the "encrypted" detector: threat detection in TLS
 * sessions without decryption (docs/encrypted-detection.md).
 *
 * Per session: the tls event's facts feed the handshake and certificate
 * sub-models at once; the flow is then followed to collect the first
 * GL_SEQ_LEN data packets; at flow end the sequence sub-model, the shared
 * background model and the fusion combiner produce a 0–100 score, the
 * session goes to the journal (for feedback and training) and an alert is
 * raised at or above detect.threshold.
 *
 * Models, intel and background history are shared by all workers: loaded
 * once by the first worker (refcounted), read-only afterwards except the
 * background tables, which lock.
 */
#include "detect.h"
#include "enc-background.h"
#include "enc-intel.h"
#include "enc-models.h"
#include "enc-submodels.h"
#include "../proto/tls-facts.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_BASE 2300000 /* signature_id = SIG_BASE + 10 * dominant sub-model */

typedef struct enc_shared {
    int refs;
    enc_models models;
    enc_bg *bg;
    enc_intel *intel;
    enc_journal *journal;
} enc_shared;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static enc_shared *g_shared;

typedef struct enc_worker {
    enc_shared *sh;
    unsigned threshold;
} enc_worker;

typedef struct enc_flow {
    enc_result hs, cert;
    char sni[TLS_MAX_SNI + 1];
    char ja3[33], ja3s[33], ja4[40], rdfp[TLS_RDFP_HASH_LEN], sha1[64];
    uint64_t last_us;
    gl_seq seq;
} enc_flow;

/* ---------- shared state ---------- */

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", to);
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    fclose(in);
    if (fclose(out) != 0 || rc != 0 || rename(tmp, to) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

/* The intel file, or its last good copy in the state dir when it is broken. */
static enc_intel *load_intel(const gl_detect_config *cfg)
{
    const char *path = cfg->intel_file;
    char err[512], last[4200] = "";
    if (!path || !path[0] || strcmp(path, "none") == 0)
        return NULL;
    if (cfg->state_dir && cfg->state_dir[0])
        snprintf(last, sizeof(last), "%s/encrypted-intel.last-good.csv", cfg->state_dir);
    enc_intel *in = enc_intel_load(path, err, sizeof(err));
    if (in) {
        if (last[0])
            copy_file(path, last);
        return in;
    }
    fprintf(stderr, "guanlan: encrypted detection: intel rejected: %s\n", err);
    if (last[0] && (in = enc_intel_load(last, err, sizeof(err))) != NULL)
        fprintf(stderr, "guanlan: encrypted detection: using the last good intel copy %s (%zu entries)\n", last,
                enc_intel_count(in));
    else
        fprintf(stderr, "guanlan: encrypted detection: running without intel\n");
    return in;
}

static enc_shared *shared_acquire(const gl_detect_config *cfg, char *err, size_t errlen)
{
    pthread_mutex_lock(&g_lock);
    if (g_shared) {
        g_shared->refs++;
        pthread_mutex_unlock(&g_lock);
        return g_shared;
    }
    enc_shared *sh = calloc(1, sizeof(*sh));
    if (!sh || !(sh->bg = enc_bg_new(0, 0))) {
        free(sh);
        pthread_mutex_unlock(&g_lock);
        snprintf(err, errlen, "encrypted detection: out of memory");
        return NULL;
    }
    char warn[2048];
    enc_models_load(cfg->model_dir, cfg->state_dir, &sh->models, warn, sizeof(warn));
    if (warn[0])
        fprintf(stderr, "guanlan: encrypted detection: model files: %s\n", warn);
    /* silent when the first choice loaded; otherwise say what runs instead */
    if (warn[0])
        fprintf(stderr, "guanlan: encrypted detection: using %s\n", sh->models.source);
    sh->intel = load_intel(cfg);
    if (cfg->state_dir && cfg->state_dir[0]) {
        char e[512];
        sh->journal = enc_journal_open(cfg->state_dir, e, sizeof(e));
        if (!sh->journal)
            fprintf(stderr, "guanlan: encrypted detection: session journal disabled: %s\n", e);
    }
    sh->refs = 1;
    g_shared = sh;
    pthread_mutex_unlock(&g_lock);
    return sh;
}

static void shared_release(enc_shared *sh)
{
    pthread_mutex_lock(&g_lock);
    if (--sh->refs == 0) {
        enc_models_free(&sh->models);
        enc_bg_free(sh->bg);
        enc_intel_free(sh->intel);
        enc_journal_close(sh->journal);
        free(sh);
        g_shared = NULL;
    }
    pthread_mutex_unlock(&g_lock);
}

static void *worker_init(const gl_detect_config *cfg, char *err, size_t errlen)
{
    enc_worker *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "encrypted detection: out of memory");
        return NULL;
    }
    w->sh = shared_acquire(cfg, err, errlen);
    if (!w->sh) {
        free(w);
        return NULL;
    }
    w->threshold = cfg->threshold;
    return w;
}

static void worker_free(void *ws)
{
    enc_worker *w = ws;
    if (!w)
        return;
    shared_release(w->sh);
    free(w);
}

/* ---------- per session ---------- */

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static void on_event(gl_detect_ctx *ctx, void *ws, const gl_detect_flow *f, void **fstate, const char *event_type,
                     const void *facts, const char *eve, size_t eve_len)
{
    (void)ctx;
    (void)ws;
    (void)eve;
    (void)eve_len;
    if (*fstate || !facts || strcmp(event_type, "tls") != 0)
        return;
    const gl_tls_facts *fx = facts;
    enc_flow *ef = calloc(1, sizeof(*ef));
    if (!ef)
        return;
    enc_handshake_eval(fx, f->server_port, &ef->hs);
    enc_cert_eval(fx, (int64_t)(f->start_us / 1000000), &ef->cert);
    if (fx->ch && fx->ch->has_sni)
        copy_str(ef->sni, sizeof(ef->sni), fx->ch->sni);
    copy_str(ef->ja3, sizeof(ef->ja3), fx->ja3);
    copy_str(ef->ja3s, sizeof(ef->ja3s), fx->ja3s);
    copy_str(ef->ja4, sizeof(ef->ja4), fx->ja4);
    copy_str(ef->rdfp, sizeof(ef->rdfp), fx->rdfp);
    if (fx->cert)
        copy_str(ef->sha1, sizeof(ef->sha1), fx->cert->fingerprint);
    ef->last_us = f->last_us;
    *fstate = ef;
}

/* Collects the first GL_SEQ_LEN payload packets after the handshake, then
 * asks for no more (the rest of a bulk transfer costs nothing). */
static bool on_packet(gl_detect_ctx *ctx, void *ws, const gl_detect_flow *f, void *fstate, int dir,
                      uint64_t ts_usec, uint32_t payload_len, uint8_t tcp_flags)
{
    (void)ctx;
    (void)ws;
    (void)f;
    (void)tcp_flags;
    enc_flow *ef = fstate;
    if (ef->seq.n >= GL_SEQ_LEN)
        return false;
    if (payload_len == 0)
        return true;
    uint64_t gap = ts_usec > ef->last_us ? ts_usec - ef->last_us : 0;
    gl_seq_pkt *p = &ef->seq.p[ef->seq.n++];
    p->len = (uint16_t)(payload_len > 65535 ? 65535 : payload_len);
    p->dir = (uint8_t)(dir ? 1 : 0);
    p->gap_us = (uint32_t)(gap > UINT32_MAX ? UINT32_MAX : gap);
    ef->last_us = ts_usec;
    return ef->seq.n < GL_SEQ_LEN;
}

/* The sub-model with the largest push towards "malicious", and its
 * strongest finding. */
static int dominant(const double contrib[ENC_SM_N])
{
    int best = 0;
    for (int i = 1; i < ENC_SM_N; i++)
        if (contrib[i] > contrib[best])
            best = i;
    return best;
}

static const enc_finding *top_finding(const enc_result *r)
{
    const enc_finding *best = NULL;
    for (int i = 0; i < r->n; i++)
        if (!best || r->f[i].conf > best->conf)
            best = &r->f[i];
    return best;
}

static void write_alert(gl_detect_ctx *ctx, const gl_detect_flow *f, const enc_worker *w, unsigned score,
                        const enc_result *res[ENC_SM_N], const double contrib[ENC_SM_N], const char *intel_desc)
{
    int dom = dominant(contrib);
    const enc_finding *top = top_finding(res[dom]);
    char sig[160];
    if (top)
        snprintf(sig, sizeof(sig), "GUANLAN Encrypted Threat: %s (%s model)", top->name, enc_submodel_name(dom));
    else
        snprintf(sig, sizeof(sig), "GUANLAN Encrypted Threat: suspicious %s behaviour", enc_submodel_name(dom));
    gl_json *j = gl_detect_alert_begin(ctx, f);
    gl_json_open_object(j, "alert");
    gl_json_str(j, "action", "allowed");
    gl_json_uint(j, "gid", 1);
    gl_json_uint(j, "signature_id", SIG_BASE + 10u * (unsigned)dom);
    gl_json_uint(j, "rev", 1);
    gl_json_str(j, "signature", sig);
    gl_json_str(j, "category", "Encrypted Threat");
    gl_json_uint(j, "severity", score >= 90 ? 1 : score >= 80 ? 2 : 3);
    gl_json_close_object(j);
    gl_json_open_object(j, "guanlan");
    gl_json_open_object(j, "encrypted");
    gl_json_uint(j, "score", score);
    gl_json_uint(j, "threshold", w->threshold);
    gl_json_uint(j, "model_version", w->sh->models.version);
    gl_json_str(j, "dominant", enc_submodel_name(dom));
    gl_json_open_object(j, "submodels");
    for (int i = 0; i < ENC_SM_N; i++) {
        gl_json_open_object(j, enc_submodel_name(i));
        gl_json_double(j, "score", round(res[i]->score * 1000) / 1000);
        gl_json_double(j, "contribution", round(contrib[i] * 1000) / 1000);
        gl_json_close_object(j);
    }
    gl_json_close_object(j);
    gl_json_open_array(j, "findings");
    for (int i = 0; i < ENC_SM_N; i++)
        for (int k = 0; k < res[i]->n; k++) {
            gl_json_open_object(j, NULL);
            gl_json_str(j, "name", res[i]->f[k].name);
            gl_json_str(j, "stage", enc_stage_name(res[i]->f[k].stage));
            gl_json_str(j, "submodel", enc_submodel_name(i));
            gl_json_double(j, "confidence", round(res[i]->f[k].conf * 1000) / 1000);
            gl_json_close_object(j);
        }
    gl_json_close_array(j);
    if (intel_desc && intel_desc[0])
        gl_json_str(j, "intel", intel_desc);
    gl_json_close_object(j);
    gl_json_close_object(j);
    gl_detect_alert_commit(ctx);
}

static void journal_session(enc_shared *sh, const gl_detect_flow *f, const enc_flow *ef, const enc_inputs *in,
                            double heur, double nn, const enc_result *bg, unsigned score)
{
    if (!sh->journal)
        return;
    enc_journal_rec r;
    memset(&r, 0, sizeof(r));
    r.flow_id = f->flow_id;
    r.ts_usec = f->start_us;
    gl_addr_str(&f->client, r.client);
    gl_addr_str(&f->server, r.server);
    r.cport = f->client_port;
    r.sport = f->server_port;
    r.hs = ef->hs.score;
    r.cert = ef->cert.score;
    r.heur = heur;
    r.bg = bg->score;
    r.nn = nn;
    r.score = score;
    r.bytes_up = f->bytes[0];
    r.bytes_down = f->bytes[1];
    r.seq = ef->seq;
    r.nf = in->n;
    memcpy(r.fid, in->id, sizeof(r.fid));
    memcpy(r.fconf, in->conf, sizeof(r.fconf));
    enc_journal_write(sh->journal, &r);
}

static void on_flow_end(gl_detect_ctx *ctx, void *ws, const gl_detect_flow *f, void *fstate)
{
    enc_worker *w = ws;
    enc_flow *ef = fstate;
    enc_shared *sh = w->sh;
    double nn = sh->models.seq ? gl_seqmodel_predict(sh->models.seq, &ef->seq) : -1.0;
    if (!isfinite(nn))
        nn = -1.0;
    enc_result sess, bg;
    uint64_t dur = f->last_us > f->start_us ? f->last_us - f->start_us : 0;
    double heur = enc_session_eval(&ef->seq, nn, f->bytes[0], f->bytes[1], dur, &sess);
    enc_bg_obs o = { .client = f->client,
                     .server = f->server,
                     .server_port = f->server_port,
                     .ts_usec = f->start_us,
                     .sni = ef->sni[0] ? ef->sni : NULL,
                     .ja3 = ef->ja3[0] ? ef->ja3 : NULL,
                     .ja3s = ef->ja3s[0] ? ef->ja3s : NULL,
                     .ja4 = ef->ja4[0] ? ef->ja4 : NULL,
                     .rdfp = ef->rdfp[0] ? ef->rdfp : NULL,
                     .cert_sha1 = ef->sha1[0] ? ef->sha1 : NULL };
    char intel_desc[256];
    enc_bg_observe(sh->bg, sh->intel, &o, &bg, intel_desc, sizeof(intel_desc));
    enc_inputs in = { .s = { ef->hs.score, ef->cert.score, sess.score, bg.score }, .nn = nn };
    enc_inputs_add(&in, &ef->hs);
    enc_inputs_add(&in, &ef->cert);
    enc_inputs_add(&in, &sess);
    enc_inputs_add(&in, &bg);
    double contrib[ENC_SM_N];
    double p = enc_fusion_prob(&sh->models.fusion, &in, contrib);
    unsigned score = (unsigned)lround(p * 100.0);
    journal_session(sh, f, ef, &in, heur, nn, &bg, score);
    if (score >= w->threshold) {
        const enc_result *res[ENC_SM_N] = { &ef->hs, &ef->cert, &sess, &bg };
        write_alert(ctx, f, w, score, res, contrib, intel_desc);
    }
    free(ef);
}

const gl_detector gl_detector_encrypted = {
    .name = "encrypted",
    .worker_init = worker_init,
    .worker_free = worker_free,
    .on_event = on_event,
    .on_packet = on_packet,
    .on_flow_end = on_flow_end,
};
