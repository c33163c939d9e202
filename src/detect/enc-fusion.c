/*
 * enc-fusion.c — the fusion combiner and the model set's files.
 *
 * Fusion is logistic-regression stacking over the four sub-model scores:
 * trained weights say how much each sub-model is worth on labelled traffic,
 * and because the output is a calibrated probability, online updates from
 * analyst feedback are plain SGD steps (docs/encrypted-detection.md says why
 * this beats a hand-weighted vote).
 *
 * File format (text, so analysts can read it; any deviation is rejected):
 *   guanlan-encrypted-fusion 1
 *   bias -4.0
 *   w.handshake 3.0
 *   w.cert 3.5
 *   w.sequence 4.0
 *   w.background 3.5
 *   trained 1234
 *   feedback 0
 *   check 0123456789abcdef      <- gl_hash_bytes of every byte above
 */
#include "enc-models.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUSION_MAGIC "guanlan-encrypted-fusion 1"
#define FUSION_MAX_FILE 8192
#define WEIGHT_LIMIT 50.0
#define CHECK_SEED 0x67756e6c616e3031ull

static size_t fusion_head(const enc_fusion *f, char *buf, size_t len);

void enc_fusion_default(enc_fusion *f)
{
    /* one sub-model fully convinced gives ~40, two give ~95: a single
     * noisy source of evidence should not alert on its own */
    f->bias = -4.0;
    f->w[ENC_SM_HANDSHAKE] = 3.0;
    f->w[ENC_SM_CERT] = 3.5;
    f->w[ENC_SM_SEQ] = 4.0;
    f->w[ENC_SM_BACKGROUND] = 3.5;
    f->n_train = 0;
    f->n_feedback = 0;
}

static double prior_of(int id)
{
    return enc_feature_fixed(id) ? ENC_INTEL_WEIGHT : ENC_PRIOR_WEIGHT;
}

void enc_fusion_init_features(enc_fusion *f)
{
    f->has_features = true;
    f->bias = -4.0;
    f->w_nn = ENC_PRIOR_WEIGHT;
    for (int i = 0; i < ENC_NFEAT; i++)
        f->wf[i] = i < enc_feature_count() ? prior_of(i) : 0;
}

static double clampw(double w)
{
    return w > WEIGHT_LIMIT ? WEIGHT_LIMIT : w < -WEIGHT_LIMIT ? -WEIGHT_LIMIT : w;
}

double enc_fusion_prob(const enc_fusion *f, const enc_inputs *in, double contrib[ENC_SM_N])
{
    double c[ENC_SM_N] = { 0 };
    if (f->has_features) {
        c[ENC_SM_SEQ] += f->w_nn * (in->nn > 0 ? in->nn : 0);
        for (int k = 0; k < in->n; k++)
            c[enc_feature_submodel(in->id[k])] += f->wf[in->id[k]] * in->conf[k];
    } else {
        for (int i = 0; i < ENC_SM_N; i++)
            c[i] = f->w[i] * enc_clamp01(in->s[i]);
    }
    double z = f->bias;
    for (int i = 0; i < ENC_SM_N; i++) {
        if (contrib)
            contrib[i] = c[i];
        z += c[i];
    }
    return 1.0 / (1.0 + exp(-z));
}

void enc_fusion_sgd(enc_fusion *f, const enc_inputs *in, int label, double lr, double l2)
{
    double p = enc_fusion_prob(f, in, NULL);
    double g = p - (label ? 1.0 : 0.0);
    f->bias = clampw(f->bias - lr * g);
    if (f->has_features) {
        f->w_nn = clampw(f->w_nn - lr * (g * (in->nn > 0 ? in->nn : 0) + l2 * (f->w_nn - ENC_PRIOR_WEIGHT)));
        if (f->w_nn < 0)
            f->w_nn = 0;
        if (f->w_nn > ENC_NN_WEIGHT_MAX)
            f->w_nn = ENC_NN_WEIGHT_MAX;
        for (int k = 0; k < in->n; k++) {
            int id = in->id[k];
            if (!enc_feature_fixed(id))
                f->wf[id] = clampw(f->wf[id] - lr * (g * in->conf[k] + l2 * (f->wf[id] - prior_of(id))));
            if (f->wf[id] < 0) /* findings are evidence of harm (see cmd-train.c) */
                f->wf[id] = 0;
        }
        return;
    }
    for (int i = 0; i < ENC_SM_N; i++)
        f->w[i] = clampw(f->w[i] - lr * (g * enc_clamp01(in->s[i]) + l2 * f->w[i]));
}

static size_t fusion_body(const enc_fusion *f, char *buf, size_t len)
{
    size_t base = fusion_head(f, buf, len);
    if (!base || !f->has_features)
        return base;
    int k = snprintf(buf + base, len - base, "w.nn %.17g\nfeatures %d\n", f->w_nn, enc_feature_count());
    if (k < 0 || (size_t)k >= len - base)
        return 0;
    base += (size_t)k;
    for (int i = 0; i < enc_feature_count(); i++) {
        k = snprintf(buf + base, len - base, "f.%s %.17g\n", enc_feature_name(i), f->wf[i]);
        if (k < 0 || (size_t)k >= len - base)
            return 0;
        base += (size_t)k;
    }
    return base;
}

static size_t fusion_head(const enc_fusion *f, char *buf, size_t len)
{
    int n = snprintf(buf, len,
                     FUSION_MAGIC "\nbias %.17g\nw.handshake %.17g\nw.cert %.17g\nw.sequence %.17g\n"
                                  "w.background %.17g\ntrained %llu\nfeedback %llu\n",
                     f->bias, f->w[0], f->w[1], f->w[2], f->w[3], (unsigned long long)f->n_train,
                     (unsigned long long)f->n_feedback);
    return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

/* Next line of buf at *off into a NUL-terminated copy; false at end. */
static bool next_line(const char *buf, size_t len, size_t *off, char *line, size_t linelen)
{
    if (*off >= len)
        return false;
    const char *s = buf + *off;
    const char *nl = memchr(s, '\n', len - *off);
    if (!nl)
        return false; /* every line ends in a newline: a missing one means truncation */
    size_t n = (size_t)(nl - s);
    if (n >= linelen)
        return false;
    memcpy(line, s, n);
    line[n] = 0;
    *off += n + 1;
    return true;
}

static bool read_num(const char *line, const char *key, double *v)
{
    size_t kl = strlen(key);
    if (strncmp(line, key, kl) != 0 || line[kl] != ' ')
        return false;
    char *e;
    errno = 0;
    *v = strtod(line + kl + 1, &e);
    return *e == 0 && e != line + kl + 1 && errno == 0 && isfinite(*v);
}

int enc_fusion_parse(const char *buf, size_t len, enc_fusion *out, char *err, size_t errlen)
{
    static const char *const keys[] = { "bias", "w.handshake", "w.cert", "w.sequence", "w.background",
                                        "trained", "feedback" };
    char line[256];
    size_t off = 0;
    double v[7];
    if (len > FUSION_MAX_FILE) {
        snprintf(err, errlen, "fusion model larger than %d bytes", FUSION_MAX_FILE);
        return -1;
    }
    if (!next_line(buf, len, &off, line, sizeof(line)) || strcmp(line, FUSION_MAGIC) != 0) {
        snprintf(err, errlen, "not a fusion model (expected first line '%s')", FUSION_MAGIC);
        return -1;
    }
    for (int i = 0; i < 7; i++) {
        if (!next_line(buf, len, &off, line, sizeof(line))) {
            snprintf(err, errlen, "fusion model truncated before '%s'", keys[i]);
            return -1;
        }
        if (!read_num(line, keys[i], &v[i])) {
            snprintf(err, errlen, "fusion model line %d: expected '%s NUMBER'", i + 2, keys[i]);
            return -1;
        }
        if (i < 5 && fabs(v[i]) > WEIGHT_LIMIT) {
            snprintf(err, errlen, "fusion model: %s out of range", keys[i]);
            return -1;
        }
        if (i >= 5 && (v[i] < 0 || v[i] > 1e15)) {
            snprintf(err, errlen, "fusion model: %s out of range", keys[i]);
            return -1;
        }
    }
    enc_fusion_default(out);
    out->has_features = false;
    size_t body = off;
    if (!next_line(buf, len, &off, line, sizeof(line))) {
        snprintf(err, errlen, "fusion model truncated before the check line");
        return -1;
    }
    if (strncmp(line, "w.nn ", 5) == 0) {
        double wn, nfeat;
        enc_fusion_init_features(out);
        if (!read_num(line, "w.nn", &wn) || fabs(wn) > WEIGHT_LIMIT) {
            snprintf(err, errlen, "fusion model: bad w.nn line");
            return -1;
        }
        out->w_nn = wn;
        if (!next_line(buf, len, &off, line, sizeof(line)) || !read_num(line, "features", &nfeat) || nfeat < 0 ||
            nfeat > ENC_NFEAT || nfeat != floor(nfeat)) {
            snprintf(err, errlen, "fusion model: expected 'features N' (N <= %d)", ENC_NFEAT);
            return -1;
        }
        for (int i = 0; i < (int)nfeat; i++) {
            char name[64];
            double wv;
            if (!next_line(buf, len, &off, line, sizeof(line))) {
                snprintf(err, errlen, "fusion model truncated in the feature list");
                return -1;
            }
            name[0] = 0;
            sscanf(line, "f.%63[a-z0-9_]", name);
            char key[80];
            snprintf(key, sizeof(key), "f.%s", name);
            int id = enc_feature_id(name);
            if (strncmp(line, "f.", 2) != 0 || id < 0 || !read_num(line, key, &wv) || fabs(wv) > WEIGHT_LIMIT) {
                snprintf(err, errlen, "fusion model: bad or unknown feature line %d", i + 1);
                return -1;
            }
            out->wf[id] = wv;
        }
        body = off;
        if (!next_line(buf, len, &off, line, sizeof(line))) {
            snprintf(err, errlen, "fusion model truncated before the check line");
            return -1;
        }
    }
    unsigned long long check = 0;
    char tail;
    if (sscanf(line, "check %16llx%c", &check, &tail) != 1 ||
        strlen(line) != 22) {
        snprintf(err, errlen, "fusion model: missing or malformed check line (truncated?)");
        return -1;
    }
    if (off != len) {
        snprintf(err, errlen, "fusion model: trailing data after check line");
        return -1;
    }
    if (gl_hash_bytes(buf, body, CHECK_SEED) != check) {
        snprintf(err, errlen, "fusion model: checksum mismatch (file corrupt or edited)");
        return -1;
    }
    out->bias = v[0];
    for (int i = 0; i < ENC_SM_N; i++)
        out->w[i] = v[1 + i];
    out->n_train = (uint64_t)v[5];
    out->n_feedback = (uint64_t)v[6];
    return 0;
}

static char *read_small_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    *len = buf ? fread(buf, 1, max + 1, fp) : 0;
    fclose(fp);
    if (!buf)
        snprintf(err, errlen, "%s: out of memory", path);
    return buf;
}

int enc_fusion_load(const char *path, enc_fusion *f, char *err, size_t errlen)
{
    size_t len;
    char e[200];
    char *buf = read_small_file(path, FUSION_MAX_FILE, &len, err, errlen);
    if (!buf)
        return -1;
    int rc = enc_fusion_parse(buf, len, f, e, sizeof(e));
    if (rc)
        snprintf(err, errlen, "%s: %s", path, e);
    free(buf);
    return rc;
}

int enc_fusion_save(const enc_fusion *f, const char *path, char *err, size_t errlen)
{
    char body[FUSION_MAX_FILE], tmp[4096];
    size_t n = fusion_body(f, body, sizeof(body));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    if (!fp || n == 0) {
        snprintf(err, errlen, "%s: %s", tmp, fp ? "formatting failed" : strerror(errno));
        if (fp)
            fclose(fp);
        return -1;
    }
    fwrite(body, 1, n, fp);
    fprintf(fp, "check %016llx\n", (unsigned long long)gl_hash_bytes(body, n, CHECK_SEED));
    if (fclose(fp) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---------- model sets ---------- */

static void append(char *buf, size_t len, const char *s)
{
    size_t have = strlen(buf);
    if (have + 1 < len)
        snprintf(buf + have, len - have, "%s%s", have ? "; " : "", s);
}

/* fusion.model (required) + seq.model (optional) from dir. */
static int load_set(const char *dir, enc_models *m, char *err, size_t errlen)
{
    char path[4096];
    enc_fusion f;
    snprintf(path, sizeof(path), "%s/" ENC_FUSION_FILE, dir);
    if (enc_fusion_load(path, &f, err, errlen) != 0)
        return -1;
    gl_seqmodel *seq = NULL;
    snprintf(path, sizeof(path), "%s/" ENC_SEQ_FILE, dir);
    if (access(path, F_OK) == 0) {
        char e[256];
        seq = gl_seqmodel_load(path, e, sizeof(e));
        if (!seq) {
            snprintf(err, errlen, "%.600s: %.300s", path, e);
            return -1;
        }
    }
    m->fusion = f;
    m->seq = seq;
    return 0;
}

static unsigned read_current(const char *state_dir)
{
    char path[4096], buf[32] = "";
    snprintf(path, sizeof(path), "%s/" ENC_VERSIONS_DIR "/CURRENT", state_dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = 0;
    char *e;
    unsigned long v = strtoul(buf, &e, 10);
    return (*e == '\n' || *e == 0) && v > 0 && v < 100000 ? (unsigned)v : 0;
}

void enc_models_load(const char *model_dir, const char *state_dir, enc_models *m, char *warn, size_t warnlen)
{
    char err[1024], dir[4096];
    memset(m, 0, sizeof(*m));
    warn[0] = 0;
    unsigned cur = state_dir && state_dir[0] ? read_current(state_dir) : 0;
    for (unsigned v = cur; v >= 1; v--) {
        snprintf(dir, sizeof(dir), "%s/" ENC_VERSIONS_DIR "/v%04u", state_dir, v);
        if (load_set(dir, m, err, sizeof(err)) == 0) {
            m->version = v;
            snprintf(m->source, sizeof(m->source), "%.400s (version %u)", dir, v);
            return;
        }
        append(warn, warnlen, err);
    }
    if (model_dir && model_dir[0]) {
        snprintf(dir, sizeof(dir), "%s/encrypted", model_dir);
        if (load_set(dir, m, err, sizeof(err)) == 0) {
            snprintf(m->source, sizeof(m->source), "%.400s (shipped)", dir);
            return;
        }
        append(warn, warnlen, err);
    }
    enc_fusion_default(&m->fusion);
    m->seq = NULL;
    snprintf(m->source, sizeof(m->source), "built-in defaults (no sequence network)");
}

void enc_models_free(enc_models *m)
{
    gl_seqmodel_free(m->seq);
    m->seq = NULL;
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int enc_models_save_dir(const char *dir, const enc_fusion *f, const gl_seqmodel *seq, char *err, size_t errlen)
{
    char path[4096];
    if (mkdir_p(dir) != 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (seq) {
        snprintf(path, sizeof(path), "%s/" ENC_SEQ_FILE, dir);
        if (gl_seqmodel_save(seq, path, err, errlen) != 0)
            return -1;
    }
    snprintf(path, sizeof(path), "%s/" ENC_FUSION_FILE, dir);
    return enc_fusion_save(f, path, err, errlen);
}

static unsigned highest_version(const char *state_dir)
{
    char path[4096];
    unsigned best = 0;
    snprintf(path, sizeof(path), "%s/" ENC_VERSIONS_DIR, state_dir);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned v;
        char tail;
        if (sscanf(e->d_name, "v%u%c", &v, &tail) == 1 && v > best && v < 100000)
            best = v;
    }
    closedir(d);
    return best;
}

static int write_current(const char *state_dir, unsigned v, char *err, size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof(path), "%s/" ENC_VERSIONS_DIR "/CURRENT", state_dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp || fprintf(fp, "%u\n", v) < 0 || fclose(fp) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int enc_models_save_version(const char *state_dir, const enc_fusion *f, const gl_seqmodel *seq,
                            unsigned *version, char *err, size_t errlen)
{
    char dir[4096];
    unsigned v = highest_version(state_dir) + 1;
    snprintf(dir, sizeof(dir), "%s/" ENC_VERSIONS_DIR "/v%04u", state_dir, v);
    if (enc_models_save_dir(dir, f, seq, err, errlen) != 0)
        return -1;
    if (write_current(state_dir, v, err, errlen) != 0)
        return -1;
    *version = v;
    return 0;
}

int enc_models_list(const char *state_dir, FILE *out)
{
    unsigned hi = highest_version(state_dir), cur = read_current(state_dir);
    if (hi == 0) {
        fprintf(out, "no learned versions in %s/" ENC_VERSIONS_DIR " (the shipped models are in use)\n",
                state_dir);
        return 0;
    }
    fprintf(out, "%-8s %-8s %-9s %-9s %s\n", "VERSION", "CURRENT", "TRAINED", "FEEDBACK", "STATUS");
    for (unsigned v = 1; v <= hi; v++) {
        char dir[4096], err[512];
        enc_models m;
        memset(&m, 0, sizeof(m));
        snprintf(dir, sizeof(dir), "%s/" ENC_VERSIONS_DIR "/v%04u", state_dir, v);
        struct stat sb;
        if (stat(dir, &sb) != 0)
            continue;
        int rc = load_set(dir, &m, err, sizeof(err));
        fprintf(out, "v%04u    %-8s %-9llu %-9llu %s\n", v, v == cur ? "*" : "",
                (unsigned long long)(rc ? 0 : m.fusion.n_train), (unsigned long long)(rc ? 0 : m.fusion.n_feedback),
                rc ? err : "ok");
        enc_models_free(&m);
    }
    return 0;
}

int enc_models_rollback(const char *state_dir, unsigned version, char *err, size_t errlen)
{
    char dir[4096], e[512];
    enc_models m;
    memset(&m, 0, sizeof(m));
    snprintf(dir, sizeof(dir), "%s/" ENC_VERSIONS_DIR "/v%04u", state_dir, version);
    if (load_set(dir, &m, e, sizeof(e)) != 0) {
        snprintf(err, errlen, "version %u is not usable: %s", version, e);
        return -1;
    }
    enc_models_free(&m);
    return write_current(state_dir, version, err, errlen);
}
