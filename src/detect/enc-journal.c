/*
 * enc-journal.c — the session journal and the analyst feedback store.
 *
 * The sensor appends one line per scored TLS session to
 * STATE/encrypted-sessions.log (rotated to .1 at 32 MiB, so disk use is
 * bounded): the sub-model scores and the packet sequence. That is what
 * `guanlan feedback` and `guanlan train` need to learn from a session
 * without re-reading the capture. Feedback lines carry a checksum each, so
 * a corrupt or hand-mangled store is detected and reported by line.
 *
 *   J1 FLOW_ID TS_US CLIENT CPORT SERVER SPORT HS CERT HEUR BG NN SCORE UP DOWN N SEQ
 *   SEQ = len:dir:gap,... ("-" when empty)
 *   feedback: LABEL(0|1) <journal line> #CHECK16HEX
 */
#include "enc-models.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LINE_MAX_LEN 2048
#define FB_SEED 0x666565646261636bull

struct enc_journal {
    pthread_mutex_t lock;
    FILE *fp;
    char path[4096];
    size_t size;
};

void enc_journal_inputs(const enc_journal_rec *r, double nn, enc_inputs *in)
{
    memset(in, 0, sizeof(*in));
    in->s[ENC_SM_HANDSHAKE] = r->hs;
    in->s[ENC_SM_CERT] = r->cert;
    in->s[ENC_SM_SEQ] = nn >= 0 ? enc_clamp01(nn) : enc_clamp01(r->heur); /* as enc_session_eval */
    in->s[ENC_SM_BACKGROUND] = r->bg;
    in->nn = nn;
    in->n = r->nf;
    memcpy(in->id, r->fid, sizeof(in->id));
    memcpy(in->conf, r->fconf, sizeof(in->conf));
}

enc_journal *enc_journal_open(const char *state_dir, char *err, size_t errlen)
{
    enc_journal *j = calloc(1, sizeof(*j));
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(j->path, sizeof(j->path), "%s/" ENC_JOURNAL_FILE, state_dir);
    j->fp = fopen(j->path, "a");
    if (!j->fp) {
        snprintf(err, errlen, "%s: %s", j->path, strerror(errno));
        free(j);
        return NULL;
    }
    struct stat sb;
    j->size = fstat(fileno(j->fp), &sb) == 0 ? (size_t)sb.st_size : 0;
    pthread_mutex_init(&j->lock, NULL);
    return j;
}

size_t enc_journal_format(const enc_journal_rec *r, char *buf, size_t buflen)
{
    int n = snprintf(buf, buflen, "J1 %llu %llu %s %u %s %u %.4f %.4f %.4f %.4f %.4f %.1f %llu %llu %u ",
                     (unsigned long long)r->flow_id, (unsigned long long)r->ts_usec, r->client, r->cport, r->server,
                     r->sport, r->hs, r->cert, r->heur, r->bg, r->nn, r->score, (unsigned long long)r->bytes_up,
                     (unsigned long long)r->bytes_down, r->seq.n);
    if (n < 0 || (size_t)n >= buflen)
        return 0;
    size_t off = (size_t)n;
    if (r->seq.n == 0) {
        off += (size_t)snprintf(buf + off, buflen - off, "-");
    }
    for (int i = 0; i < r->seq.n && i < GL_SEQ_LEN; i++) {
        int k = snprintf(buf + off, buflen - off, "%s%u:%u:%u", i ? "," : "", r->seq.p[i].len, r->seq.p[i].dir,
                         r->seq.p[i].gap_us);
        if (k < 0 || (size_t)k >= buflen - off)
            return 0;
        off += (size_t)k;
    }
    for (int i = 0; i <= r->nf && i < ENC_MAX_INPUTS + 1; i++) {
        int k;
        if (r->nf == 0)
            k = snprintf(buf + off, buflen - off, " -");
        else if (i == r->nf)
            break;
        else
            k = snprintf(buf + off, buflen - off, "%s%s:%.3f", i ? "," : " ", enc_feature_name(r->fid[i]),
                         (double)r->fconf[i]);
        if (k < 0 || (size_t)k >= buflen - off)
            return 0;
        off += (size_t)k;
        if (r->nf == 0)
            break;
    }
    return off < buflen ? off : 0;
}

/* " name:conf,name:conf" or " -" after the sequence. */
static int parse_findings(const char *p, enc_journal_rec *r)
{
    if (*p != ' ')
        return -1;
    p++;
    if (strncmp(p, "-", 1) == 0)
        return (p[1] == 0 || p[1] == '\n') ? 0 : -1;
    while (*p && *p != '\n') {
        char name[64];
        double c;
        int k = 0;
        if (r->nf >= ENC_MAX_INPUTS || sscanf(p, "%63[a-z0-9_]:%lf%n", name, &c, &k) != 2 || !(c >= 0 && c <= 1))
            return -1;
        int id = enc_feature_id(name);
        if (id < 0)
            return -1;
        r->fid[r->nf] = (uint8_t)id;
        r->fconf[r->nf] = (float)c;
        r->nf++;
        p += k;
        if (*p == ',')
            p++;
        else if (*p && *p != '\n')
            return -1;
    }
    return 0;
}

void enc_journal_write(enc_journal *j, const enc_journal_rec *r)
{
    char line[LINE_MAX_LEN];
    size_t n = enc_journal_format(r, line, sizeof(line) - 1);
    if (!j || !n)
        return;
    line[n++] = '\n';
    pthread_mutex_lock(&j->lock);
    if (j->fp && j->size + n > ENC_JOURNAL_MAX) {
        char old[4200];
        fclose(j->fp);
        snprintf(old, sizeof(old), "%s.1", j->path);
        rename(j->path, old);
        j->fp = fopen(j->path, "a");
        j->size = 0;
    }
    if (j->fp && fwrite(line, 1, n, j->fp) == n)
        j->size += n;
    pthread_mutex_unlock(&j->lock);
}

void enc_journal_close(enc_journal *j)
{
    if (!j)
        return;
    if (j->fp)
        fclose(j->fp);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

static bool score01(double v)
{
    return isfinite(v) && v >= 0 && v <= 1;
}

int enc_journal_parse(const char *line, enc_journal_rec *r)
{
    memset(r, 0, sizeof(*r));
    unsigned long long fid, ts, up, down;
    unsigned n;
    int pos = 0;
    if (strlen(line) > LINE_MAX_LEN)
        return -1;
    if (sscanf(line, "J1 %llu %llu %47s %u %47s %u %lf %lf %lf %lf %lf %lf %llu %llu %u %n", &fid, &ts, r->client,
               &r->cport, r->server, &r->sport, &r->hs, &r->cert, &r->heur, &r->bg, &r->nn, &r->score, &up, &down,
               &n, &pos) != 15 || pos == 0)
        return -1;
    if (!score01(r->hs) || !score01(r->cert) || !score01(r->heur) || !score01(r->bg) || !isfinite(r->nn) ||
        r->nn > 1 || !isfinite(r->score) || r->score < 0 || r->score > 100 || n > GL_SEQ_LEN ||
        r->cport > 65535 || r->sport > 65535)
        return -1;
    r->flow_id = fid;
    r->ts_usec = ts;
    r->bytes_up = up;
    r->bytes_down = down;
    const char *p = line + pos;
    if (n == 0) {
        if (*p != '-')
            return -1;
        return parse_findings(p + 1, r);
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned len, dir;
        unsigned long gap;
        int k = 0;
        if (sscanf(p, "%u:%u:%lu%n", &len, &dir, &gap, &k) != 3 || len > 65535 || dir > 1 || gap > UINT32_MAX)
            return -1;
        r->seq.p[i].len = (uint16_t)len;
        r->seq.p[i].dir = (uint8_t)dir;
        r->seq.p[i].gap_us = (uint32_t)gap;
        p += k;
        if (i + 1 < n) {
            if (*p != ',')
                return -1;
            p++;
        }
    }
    r->seq.n = (uint8_t)n;
    return parse_findings(p, r);
}

static int each_file(const char *path, int (*cb)(const enc_journal_rec *, void *), void *ctx)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    char line[LINE_MAX_LEN + 2];
    enc_journal_rec r;
    int rc = 0;
    while (fgets(line, sizeof(line), fp)) {
        if (enc_journal_parse(line, &r) == 0 && (rc = cb(&r, ctx)) != 0)
            break;
    }
    fclose(fp);
    return rc;
}

int enc_journal_each(const char *state_dir, int (*cb)(const enc_journal_rec *, void *), void *ctx)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/" ENC_JOURNAL_FILE ".1", state_dir);
    int rc = each_file(path, cb, ctx);
    if (rc)
        return rc;
    snprintf(path, sizeof(path), "%s/" ENC_JOURNAL_FILE, state_dir);
    return each_file(path, cb, ctx);
}

typedef struct find_ctx {
    uint64_t flow_id;
    enc_journal_rec *out;
    bool found;
} find_ctx;

static int find_cb(const enc_journal_rec *r, void *ctx)
{
    find_ctx *f = ctx;
    if (r->flow_id == f->flow_id) {
        *f->out = *r;
        f->found = true;
    }
    return 0;
}

int enc_journal_find(const char *state_dir, uint64_t flow_id, enc_journal_rec *out)
{
    find_ctx f = { flow_id, out, false };
    enc_journal_each(state_dir, find_cb, &f);
    return f.found ? 0 : -1;
}

/* ---------- feedback ---------- */

int enc_feedback_append(const char *state_dir, const enc_feedback *fb, char *err, size_t errlen)
{
    char path[4200], line[LINE_MAX_LEN + 64];
    int k = snprintf(line, sizeof(line), "%d ", fb->label ? 1 : 0);
    size_t n = enc_journal_format(&fb->rec, line + k, sizeof(line) - (size_t)k - 24);
    if (!n) {
        snprintf(err, errlen, "cannot format feedback record");
        return -1;
    }
    n += (size_t)k;
    snprintf(line + n, sizeof(line) - n, " #%016llx\n", (unsigned long long)gl_hash_bytes(line, n, FB_SEED));
    snprintf(path, sizeof(path), "%s/" ENC_FEEDBACK_FILE, state_dir);
    FILE *fp = fopen(path, "a");
    if (!fp || fputs(line, fp) < 0 || fclose(fp) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int enc_feedback_parse_buf(const char *buf, size_t len, enc_feedback *out, size_t max, size_t *n, char *err,
                           size_t errlen)
{
    size_t off = 0, have = 0;
    unsigned lineno = 0;
    *n = 0;
    while (off < len) {
        lineno++;
        const char *l = buf + off;
        const char *nl = memchr(l, '\n', len - off);
        if (!nl) {
            snprintf(err, errlen, "line %u: truncated (no newline)", lineno);
            return -1;
        }
        size_t ln = (size_t)(nl - l);
        off += ln + 1;
        if (ln == 0)
            continue;
        char line[LINE_MAX_LEN + 64];
        if (ln >= sizeof(line)) {
            snprintf(err, errlen, "line %u: too long", lineno);
            return -1;
        }
        memcpy(line, l, ln);
        line[ln] = 0;
        if (memchr(l, 0, ln)) {
            snprintf(err, errlen, "line %u: NUL byte", lineno);
            return -1;
        }
        char *hash = strrchr(line, '#');
        unsigned long long want;
        char tail;
        if (!hash || hash == line || hash[-1] != ' ' || sscanf(hash + 1, "%16llx%c", &want, &tail) != 1 ||
            strlen(hash + 1) != 16) {
            snprintf(err, errlen, "line %u: missing checksum", lineno);
            return -1;
        }
        size_t body = (size_t)(hash - 1 - line);
        if (gl_hash_bytes(line, body, FB_SEED) != want) {
            snprintf(err, errlen, "line %u: checksum mismatch (corrupt or edited)", lineno);
            return -1;
        }
        line[body] = 0;
        enc_feedback fb;
        if ((line[0] != '0' && line[0] != '1') || line[1] != ' ' || enc_journal_parse(line + 2, &fb.rec) != 0) {
            snprintf(err, errlen, "line %u: malformed record", lineno);
            return -1;
        }
        fb.label = line[0] == '1';
        /* keep the newest max verdicts */
        if (max == 0)
            continue;
        if (have < max) {
            out[have++] = fb;
        } else {
            memmove(out, out + 1, (max - 1) * sizeof(*out));
            out[max - 1] = fb;
        }
    }
    *n = have;
    return 0;
}

int enc_feedback_load(const char *state_dir, enc_feedback *out, size_t max, size_t *n, char *err, size_t errlen)
{
    char path[4200], e[256];
    snprintf(path, sizeof(path), "%s/" ENC_FEEDBACK_FILE, state_dir);
    *n = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
    size_t cap = 16u << 20;
    char *buf = malloc(cap + 1);
    size_t len = buf ? fread(buf, 1, cap + 1, fp) : 0;
    fclose(fp);
    if (!buf || len > cap) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path, buf ? "larger than 16 MiB" : "out of memory");
        return -1;
    }
    int rc = enc_feedback_parse_buf(buf, len, out, max, n, e, sizeof(e));
    free(buf);
    if (rc)
        snprintf(err, errlen, "%s: %s", path, e);
    return rc;
}
