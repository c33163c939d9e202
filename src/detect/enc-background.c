/*
 * enc-background.c — sub-model 4 (see enc-background.h) and the RITA-style
 * beacon score.
 *
 * Memory is fixed at creation: two LRU tables (hosts, client→destination
 * pairs) with preallocated slots, and a count-min sketch for fingerprint
 * counts. A flood of new hosts only evicts the least recently seen ones
 * (counted in the stats); nothing grows. Entries are identified by a 64-bit
 * hash of their key: a collision merges two histories, which at these
 * table sizes is far rarer than the noise the scores already tolerate.
 */
#include "enc-background.h"
#include "enc-submodels.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_HOSTS 16384
#define DEF_PAIRS 65536
#define CMS_ROWS 4
#define CMS_COLS 8192
#define BEACON_MIN_MEDIAN_US 1000000.0 /* faster "regularity" is connection pooling, not beaconing */
#define HISTORY_FOR_NEW_DEST 20

/* ---------- a fixed-capacity LRU index ---------- */

typedef struct lru {
    uint32_t cap, n, nb;
    uint32_t *bucket;    /* head slot + 1, 0 = empty */
    uint32_t *chain;     /* next slot + 1 in bucket */
    uint32_t *prev, *next; /* recency list, slot + 1 */
    uint32_t head, tail; /* most / least recent, slot + 1 */
    uint64_t *key;
    uint64_t evictions;
} lru;

static int lru_init(lru *l, uint32_t cap)
{
    memset(l, 0, sizeof(*l));
    l->cap = cap;
    l->nb = 1;
    while (l->nb < cap)
        l->nb <<= 1;
    l->bucket = calloc(l->nb, sizeof(uint32_t));
    l->chain = calloc(cap, sizeof(uint32_t));
    l->prev = calloc(cap, sizeof(uint32_t));
    l->next = calloc(cap, sizeof(uint32_t));
    l->key = calloc(cap, sizeof(uint64_t));
    return l->bucket && l->chain && l->prev && l->next && l->key ? 0 : -1;
}

static void lru_free(lru *l)
{
    free(l->bucket);
    free(l->chain);
    free(l->prev);
    free(l->next);
    free(l->key);
}

static void lru_unlink(lru *l, uint32_t s)
{
    uint32_t p = l->prev[s], n = l->next[s];
    if (p)
        l->next[p - 1] = n;
    else
        l->head = n;
    if (n)
        l->prev[n - 1] = p;
    else
        l->tail = p;
    l->prev[s] = l->next[s] = 0;
}

static void lru_push_front(lru *l, uint32_t s)
{
    l->prev[s] = 0;
    l->next[s] = l->head;
    if (l->head)
        l->prev[l->head - 1] = s + 1;
    l->head = s + 1;
    if (!l->tail)
        l->tail = s + 1;
}

static void bucket_remove(lru *l, uint32_t s)
{
    uint32_t *pp = &l->bucket[l->key[s] & (l->nb - 1)];
    while (*pp && *pp != s + 1)
        pp = &l->chain[*pp - 1];
    if (*pp)
        *pp = l->chain[s];
    l->chain[s] = 0;
}

/* Slot of key, creating it (evicting the least recent when full);
 * *fresh tells the caller to reset the slot's payload. */
static uint32_t lru_get(lru *l, uint64_t key, bool *fresh)
{
    uint32_t b = (uint32_t)(key & (l->nb - 1));
    for (uint32_t i = l->bucket[b]; i; i = l->chain[i - 1])
        if (l->key[i - 1] == key) {
            lru_unlink(l, i - 1);
            lru_push_front(l, i - 1);
            *fresh = false;
            return i - 1;
        }
    uint32_t s;
    if (l->n < l->cap) {
        s = l->n++;
    } else {
        s = l->tail - 1;
        lru_unlink(l, s);
        bucket_remove(l, s);
        l->evictions++;
    }
    l->key[s] = key;
    l->chain[s] = l->bucket[b];
    l->bucket[b] = s + 1;
    lru_push_front(l, s);
    *fresh = true;
    return s;
}

/* ---------- state ---------- */

typedef struct host_hist {
    uint64_t dest[ENC_BG_DEST_RING];
    uint32_t n_dest; /* total inserted (ring index = n_dest % RING) */
    uint32_t sessions;
} host_hist;

typedef struct pair_hist {
    uint64_t ts[ENC_BG_RING];
    uint32_t n;
} pair_hist;

struct enc_bg {
    pthread_mutex_t lock;
    lru hosts, pairs;
    host_hist *host;
    pair_hist *pair;
    uint32_t *cms; /* CMS_ROWS x CMS_COLS */
    uint64_t sessions;
};

enc_bg *enc_bg_new(size_t max_hosts, size_t max_pairs)
{
    if (!max_hosts)
        max_hosts = DEF_HOSTS;
    if (!max_pairs)
        max_pairs = DEF_PAIRS;
    if (max_hosts > (1u << 24) || max_pairs > (1u << 24))
        return NULL;
    enc_bg *bg = calloc(1, sizeof(*bg));
    if (!bg)
        return NULL;
    pthread_mutex_init(&bg->lock, NULL);
    bg->host = calloc(max_hosts, sizeof(host_hist));
    bg->pair = calloc(max_pairs, sizeof(pair_hist));
    bg->cms = calloc(CMS_ROWS * CMS_COLS, sizeof(uint32_t));
    if (!bg->host || !bg->pair || !bg->cms || lru_init(&bg->hosts, (uint32_t)max_hosts) != 0 ||
        lru_init(&bg->pairs, (uint32_t)max_pairs) != 0) {
        enc_bg_free(bg);
        return NULL;
    }
    return bg;
}

void enc_bg_free(enc_bg *bg)
{
    if (!bg)
        return;
    lru_free(&bg->hosts);
    lru_free(&bg->pairs);
    free(bg->host);
    free(bg->pair);
    free(bg->cms);
    pthread_mutex_destroy(&bg->lock);
    free(bg);
}

void enc_bg_get_stats(enc_bg *bg, enc_bg_stats *st)
{
    pthread_mutex_lock(&bg->lock);
    st->sessions = bg->sessions;
    st->hosts = bg->hosts.n;
    st->pairs = bg->pairs.n;
    st->host_evictions = bg->hosts.evictions;
    st->pair_evictions = bg->pairs.evictions;
    st->bytes = sizeof(*bg) + (size_t)bg->hosts.cap * (sizeof(host_hist) + 5 * sizeof(uint32_t) + 8) +
                (size_t)bg->pairs.cap * (sizeof(pair_hist) + 5 * sizeof(uint32_t) + 8) +
                CMS_ROWS * CMS_COLS * sizeof(uint32_t);
    pthread_mutex_unlock(&bg->lock);
}

/* ---------- beacon score ---------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of sorted v[0..n). */
static double median_sorted(const double *v, int n)
{
    if (n <= 0)
        return 0;
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double enc_beacon_score(const double *intervals, int n)
{
    double v[64], dev[64];
    if (n < 4)
        return 0;
    if (n > 64)
        n = 64;
    memcpy(v, intervals, (size_t)n * sizeof(double));
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    double med = median_sorted(v, n);
    if (!(med > 0))
        return 0;
    /* Tukey's hinges: medians of the lower and upper halves (without the
     * middle element when n is odd) */
    int h = n / 2;
    double q1 = median_sorted(v, h);
    double q3 = median_sorted(v + (n - h), h);
    double skew_score = 1.0;
    if (q3 - q1 > 0)
        skew_score = 1.0 - fabs((q3 + q1 - 2 * med) / (q3 - q1));
    for (int i = 0; i < n; i++)
        dev[i] = fabs(v[i] - med);
    qsort(dev, (size_t)n, sizeof(double), cmp_double);
    double madm = median_sorted(dev, n);
    double disp_score = 1.0 - 2.0 * madm / med;
    if (disp_score < 0)
        disp_score = 0;
    double count = n >= 8 ? 1.0 : n / 8.0;
    return enc_clamp01(count * (0.3 * skew_score + 0.7 * disp_score));
}

/* ---------- observe ---------- */

static uint64_t str_hash(const char *s, uint64_t seed)
{
    return gl_hash_bytes(s, strlen(s), seed);
}

/* Count-min estimate of how often fp was seen before, then count it. */
static uint32_t cms_seen_then_add(enc_bg *bg, uint64_t h)
{
    uint32_t est = UINT32_MAX;
    for (int r = 0; r < CMS_ROWS; r++) {
        uint32_t *c = &bg->cms[r * CMS_COLS + (gl_mix64(h + (uint64_t)r * 0x9e3779b97f4a7c15ull) % CMS_COLS)];
        if (*c < est)
            est = *c;
        if (*c < UINT32_MAX)
            (*c)++;
    }
    return est;
}

static double pair_beacon(pair_hist *p, uint64_t ts)
{
    p->ts[p->n % ENC_BG_RING] = ts;
    p->n++;
    int m = p->n < ENC_BG_RING ? (int)p->n : ENC_BG_RING;
    double t[ENC_BG_RING], iv[ENC_BG_RING];
    for (int i = 0; i < m; i++)
        t[i] = (double)p->ts[i];
    qsort(t, (size_t)m, sizeof(double), cmp_double);
    for (int i = 1; i < m; i++)
        iv[i - 1] = t[i] - t[i - 1];
    if (m - 1 < 4)
        return 0;
    double s[ENC_BG_RING];
    memcpy(s, iv, sizeof(double) * (size_t)(m - 1));
    qsort(s, (size_t)(m - 1), sizeof(double), cmp_double);
    if (median_sorted(s, m - 1) < BEACON_MIN_MEDIAN_US)
        return 0;
    return enc_beacon_score(iv, m - 1);
}

static void host_dest(host_hist *h, uint64_t dest, bool *is_new, uint32_t *distinct)
{
    uint32_t m = h->n_dest < ENC_BG_DEST_RING ? h->n_dest : ENC_BG_DEST_RING;
    *is_new = true;
    for (uint32_t i = 0; i < m; i++)
        if (h->dest[i] == dest)
            *is_new = false;
    h->dest[h->n_dest % ENC_BG_DEST_RING] = dest;
    h->n_dest++;
    m = h->n_dest < ENC_BG_DEST_RING ? h->n_dest : ENC_BG_DEST_RING;
    *distinct = 0;
    for (uint32_t i = 0; i < m; i++) {
        bool dup = false;
        for (uint32_t j = 0; j < i && !dup; j++)
            dup = h->dest[j] == h->dest[i];
        *distinct += !dup;
    }
    h->sessions++;
}

static void intel_check(const enc_intel *in, const enc_bg_obs *o, enc_result *out, char *desc, size_t dl)
{
    static const char *const fname[ENC_IOC_N] = { "intel_ja3", "intel_ja3s", "intel_ja4", "intel_rdfp",
                                                  "intel_cert_sha1", "intel_domain", "intel_ip" };
    const char *vals[ENC_IOC_N] = { o->ja3, o->ja3s, o->ja4, o->rdfp, o->cert_sha1, NULL, NULL };
    unsigned best = 0;
    for (int t = 0; t < ENC_IOC_N; t++) {
        enc_intel_hit hit;
        int found = 0;
        if (t == ENC_IOC_DOMAIN)
            found = o->sni && enc_intel_find_domain(in, o->sni, &hit);
        else if (t == ENC_IOC_IP)
            found = enc_intel_find_ip(in, &o->server, &hit);
        else
            found = vals[t] && enc_intel_find(in, t, vals[t], &hit);
        if (!found)
            continue;
        enc_result_add(out, fname[t], t == ENC_IOC_IP ? ENC_STAGE_TCP : ENC_STAGE_HANDSHAKE, hit.score / 100.0);
        if (hit.score > best && desc && dl) {
            best = hit.score;
            snprintf(desc, dl, "%s", hit.desc);
        }
    }
}

void enc_bg_observe(enc_bg *bg, const enc_intel *intel, const enc_bg_obs *o, enc_result *out,
                    char *intel_desc, size_t desclen)
{
    memset(out, 0, sizeof(*out));
    if (intel_desc && desclen)
        intel_desc[0] = 0;
    uint64_t chash = gl_hash_bytes(o->client.b, 16, 1);
    /* the destination is its name when there is one (C2 behind rotating
     * addresses), else address and port */
    uint64_t dest = o->sni && o->sni[0] ? str_hash(o->sni, 2)
                                        : gl_hash_bytes(o->server.b, 16, 3) ^ gl_mix64(o->server_port);
    const char *fp = o->rdfp ? o->rdfp : o->ja3;
    double beacon = 0;
    bool is_new = false, rare = false;
    uint32_t distinct = 0, sessions = 0;
    pthread_mutex_lock(&bg->lock);
    bg->sessions++;
    if (fp) {
        uint32_t seen = cms_seen_then_add(bg, str_hash(fp, 4));
        rare = bg->sessions >= 200 && seen <= 1;
    }
    bool fresh;
    uint32_t hs = lru_get(&bg->hosts, chash, &fresh);
    if (fresh)
        memset(&bg->host[hs], 0, sizeof(host_hist));
    sessions = bg->host[hs].sessions;
    host_dest(&bg->host[hs], dest, &is_new, &distinct);
    uint32_t ps = lru_get(&bg->pairs, gl_mix64(chash ^ dest), &fresh);
    if (fresh)
        memset(&bg->pair[ps], 0, sizeof(pair_hist));
    beacon = pair_beacon(&bg->pair[ps], o->ts_usec);
    pthread_mutex_unlock(&bg->lock);

    if (beacon >= 0.5)
        enc_result_add(out, "beacon", ENC_STAGE_TCP, beacon);
    if (rare)
        enc_result_add(out, "rare_fingerprint", ENC_STAGE_HANDSHAKE, 0.3);
    if (is_new && sessions >= HISTORY_FOR_NEW_DEST)
        enc_result_add(out, "new_destination", ENC_STAGE_TCP, 0.15);
    if (distinct >= 24)
        enc_result_add(out, "fan_out", ENC_STAGE_TCP, 0.35);
    if (intel)
        intel_check(intel, o, out, intel_desc, desclen);
    enc_result_noisy_or(out);
}
