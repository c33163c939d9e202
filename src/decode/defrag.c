/*
 * defrag.c — IPv4 and IPv6 fragment reassembly.
 *
 * A tracker holds the fragments of one datagram, keyed by (family, src,
 * dst, id, IPv4 protocol, VLAN ids). Fragments are copied (the capture
 * buffer is reused) and kept on two lists: by offset, to see whether the
 * datagram is complete, and by arrival, to replay them through the overlap
 * policy when it is.
 *
 * Resource bounds (all counted in gl_defrag_stats):
 *   - memcap: bytes held in trackers + fragment copies. A fragment that
 *     would exceed it is dropped (memcap_drops, decoder.ipv4.frag_ignored).
 *   - max_trackers: when all are in use the least recently active tracker is
 *     evicted (also counted in memcap_drops: it is a drop for lack of room).
 *   - fragments per datagram: DEFRAG_MAX_FRAGS, dropped like memcap.
 *   - timeout: a tracker idle for timeout_sec of *packet* time is freed
 *     (timeouts). Trackers sit on an LRU list, so expiry only looks at the
 *     oldest ones.
 *   - datagram size: fragment end beyond 65535 is rejected (too_large,
 *     decoder.ipv4.frag_pkt_too_large).
 *
 * Overlap policies (Novak, "Target-Based Fragmentation Reassembly", 2005).
 * Whenever a later-arriving fragment S covers bytes already covered by an
 * earlier fragment O, the policy decides per byte who wins:
 *   FIRST: O always wins (Windows-like "first data received is kept").
 *   LAST:  S always wins (the newest data overwrites).
 *   BSD:   O wins, unless S starts at a lower offset than O
 *          (S.off < O.off), in which case S wins.
 *   LINUX: like BSD, but S also wins when it starts at the same offset
 *          (S.off <= O.off).
 * With several overlapping fragments the rule is applied in arrival order
 * against the current owner of each byte. Any overlap raises
 * decoder.ipv4.frag_overlap on the packet that caused it.
 */
#include "decode-internal.h"

#include <stdlib.h>
#include <time.h>

#define DEFRAG_MAX_FRAGS 1024   /* legit datagrams need <= 45 at 1500 MTU */
#define DEFRAG_MAX_HDR 256      /* v4 header / v6 unfragmentable part kept */
#define DEFRAG_MAX_BUCKETS 65536u
#define IP_MAX_LEN 65535u

typedef struct frag {
    struct frag *next_off; /* sorted by offset */
    struct frag *next_arr; /* arrival order */
    uint32_t off, len;
    uint8_t data[];
} frag;

typedef struct dkey {
    gl_addr src, dst;
    uint32_t id;
    uint16_t vlan[GL_MAX_VLAN];
    uint8_t af, proto;
    uint8_t pad[2];
} dkey;

typedef struct tracker {
    struct tracker *hnext;         /* hash chain */
    struct tracker *older, *newer; /* LRU list */
    dkey key;
    uint32_t bucket;
    uint64_t last_ts;
    frag *by_off, *arr_head, *arr_tail;
    uint32_t nfrags;
    uint32_t max_end;     /* highest fragment end seen */
    uint32_t total;       /* fragmentable length, once the last fragment is seen */
    bool seen_last, have_first;
    uint8_t next_header;  /* v6: from the offset-0 fragment */
    uint32_t hdr_len, nh_pos;
    size_t mem;
    uint8_t hdr[DEFRAG_MAX_HDR];
} tracker;

struct gl_defrag {
    tracker **buckets;
    uint32_t mask;
    uint64_t seed;
    tracker *oldest, *newest;
    uint32_t ntrackers;
    size_t mem;
    uint16_t *owner; /* reassembly scratch: per byte, winning fragment off/8 + 1 */
};

gl_defrag *gl_defrag_new(const gl_defrag_config *cfg)
{
    gl_defrag *df = calloc(1, sizeof(*df));
    if (df == NULL)
        return NULL;
    uint32_t want = cfg->max_trackers < DEFRAG_MAX_BUCKETS ? cfg->max_trackers : DEFRAG_MAX_BUCKETS;
    uint32_t n = 16;
    while (n < want)
        n <<= 1;
    df->buckets = calloc(n, sizeof(*df->buckets));
    if (df->buckets == NULL) {
        free(df);
        return NULL;
    }
    df->mask = n - 1;
    /* keyed hash so chains cannot be lined up by a remote sender */
    df->seed = gl_mix64((uint64_t)(uintptr_t)df ^ (uint64_t)time(NULL));
    return df;
}

static void tracker_free_frags(tracker *t)
{
    frag *f = t->arr_head;
    while (f != NULL) {
        frag *n = f->next_arr;
        free(f);
        f = n;
    }
}

static void tracker_remove(gl_defrag *df, tracker *t)
{
    tracker **pp = &df->buckets[t->bucket];
    while (*pp != t)
        pp = &(*pp)->hnext;
    *pp = t->hnext;
    if (t->older)
        t->older->newer = t->newer;
    else
        df->oldest = t->newer;
    if (t->newer)
        t->newer->older = t->older;
    else
        df->newest = t->older;
    df->ntrackers--;
    df->mem -= t->mem;
    tracker_free_frags(t);
    free(t);
}

void gl_defrag_free(gl_defrag *df)
{
    if (df == NULL)
        return;
    while (df->oldest != NULL)
        tracker_remove(df, df->oldest);
    free(df->buckets);
    free(df->owner);
    free(df);
}

static bool tracker_expired(const gl_decoder *d, const tracker *t, uint64_t now)
{
    uint64_t limit = (uint64_t)d->cfg.timeout_sec * 1000000ULL;
    return now > t->last_ts && now - t->last_ts > limit;
}

static void expire_trackers(gl_decoder *d, uint64_t now)
{
    gl_defrag *df = d->defrag;
    while (df->oldest != NULL && tracker_expired(d, df->oldest, now)) {
        tracker_remove(df, df->oldest);
        d->stats.timeouts++;
    }
}

static void lru_touch(gl_defrag *df, tracker *t, uint64_t now)
{
    t->last_ts = now;
    if (df->newest == t)
        return;
    /* unlink */
    if (t->older)
        t->older->newer = t->newer;
    else
        df->oldest = t->newer;
    t->newer->older = t->older;
    /* append as newest */
    t->older = df->newest;
    t->newer = NULL;
    df->newest->newer = t;
    df->newest = t;
}

static void key_from(dkey *k, const gl_packet *p, const gl_frag_info *fi)
{
    memset(k, 0, sizeof(*k));
    k->src = p->src;
    k->dst = p->dst;
    k->id = fi->id;
    memcpy(k->vlan, p->vlan, sizeof(k->vlan));
    k->af = fi->af;
    k->proto = fi->af == 4 ? fi->proto : 0; /* RFC 8200: v6 key has no protocol */
}

static tracker *tracker_lookup(gl_defrag *df, const dkey *k, uint32_t bucket)
{
    for (tracker *t = df->buckets[bucket]; t != NULL; t = t->hnext)
        if (memcmp(&t->key, k, sizeof(*k)) == 0)
            return t;
    return NULL;
}

static tracker *tracker_create(gl_decoder *d, gl_packet *p, const dkey *k, uint32_t bucket,
                               uint64_t now)
{
    gl_defrag *df = d->defrag;
    if (df->ntrackers >= d->cfg.max_trackers) {
        if (df->oldest == NULL) { /* max_trackers == 0: defrag disabled */
            d->stats.memcap_drops++;
            gl_dec_event(p, GL_EV_FRAG_IGNORED);
            return NULL;
        }
        tracker_remove(df, df->oldest);
        d->stats.memcap_drops++;
    }
    if (df->mem + sizeof(tracker) > d->cfg.memcap) {
        d->stats.memcap_drops++;
        gl_dec_event(p, GL_EV_FRAG_IGNORED);
        return NULL;
    }
    tracker *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        d->stats.memcap_drops++;
        gl_dec_event(p, GL_EV_FRAG_IGNORED);
        return NULL;
    }
    t->key = *k;
    t->bucket = bucket;
    t->last_ts = now;
    t->mem = sizeof(tracker);
    df->mem += t->mem;
    t->hnext = df->buckets[bucket];
    df->buckets[bucket] = t;
    t->older = df->newest;
    if (df->newest)
        df->newest->newer = t;
    else
        df->oldest = t;
    df->newest = t;
    df->ntrackers++;
    return t;
}

/* Fragments that contradict what the tracker already knows about the
 * datagram's end are dropped: they cannot belong to a consistent datagram. */
static bool fragment_consistent(const tracker *t, const gl_frag_info *fi)
{
    uint32_t end = fi->off + fi->len;
    if (t->seen_last && end > t->total)
        return false;
    if (!fi->more) {
        if (t->seen_last && end != t->total)
            return false;
        if (end < t->max_end)
            return false;
    }
    return true;
}

static bool fragment_overlaps(const tracker *t, uint32_t off, uint32_t end)
{
    for (const frag *f = t->by_off; f != NULL && f->off < end; f = f->next_off)
        if (off < f->off + f->len)
            return true;
    return false;
}

static void fragment_link(tracker *t, frag *nf)
{
    frag **pp = &t->by_off;
    while (*pp != NULL && (*pp)->off <= nf->off)
        pp = &(*pp)->next_off;
    nf->next_off = *pp;
    *pp = nf;
    if (t->arr_tail)
        t->arr_tail->next_arr = nf;
    else
        t->arr_head = nf;
    t->arr_tail = nf;
    t->nfrags++;
}

static bool tracker_complete(const tracker *t)
{
    if (!t->seen_last || !t->have_first)
        return false;
    uint32_t covered = 0;
    for (const frag *f = t->by_off; f != NULL; f = f->next_off) {
        if (f->off > covered)
            return false; /* hole */
        if (f->off + f->len > covered)
            covered = f->off + f->len;
    }
    return covered >= t->total;
}

static bool new_data_wins(int policy, uint32_t new_off, uint32_t old_off)
{
    switch (policy) {
    case GL_DEFRAG_POLICY_FIRST: return false;
    case GL_DEFRAG_POLICY_LAST: return true;
    case GL_DEFRAG_POLICY_LINUX: return new_off <= old_off;
    case GL_DEFRAG_POLICY_BSD:
    default: return new_off < old_off;
    }
}

/* Replays fragments in arrival order onto out, byte ownership decided by
 * the policy. */
static void replay_fragments(const tracker *t, int policy, uint16_t *owner, uint8_t *out)
{
    memset(owner, 0, (size_t)t->total * sizeof(*owner));
    for (const frag *f = t->arr_head; f != NULL; f = f->next_arr) {
        uint16_t me = (uint16_t)(f->off / 8 + 1);
        for (uint32_t i = 0; i < f->len; i++) {
            uint32_t pos = f->off + i;
            uint16_t cur = owner[pos];
            /* equal start offsets compare equal, so LAST/LINUX let the newer
             * one win and FIRST/BSD keep the older */
            if (cur == 0 || new_data_wins(policy, f->off, (uint32_t)(cur - 1) * 8)) {
                out[pos] = f->data[i];
                owner[pos] = me;
            }
        }
    }
}

static const uint8_t *tracker_reassemble(gl_decoder *d, gl_packet *p, tracker *t,
                                         uint32_t *out_len)
{
    gl_defrag *df = d->defrag;
    uint32_t payload_room = t->key.af == 4 ? IP_MAX_LEN - t->hdr_len : IP_MAX_LEN + 40 - t->hdr_len;
    if (t->total > payload_room) {
        d->stats.too_large++;
        gl_dec_event(p, GL_EV_FRAG_TOO_LARGE);
        tracker_remove(df, t);
        return NULL;
    }
    if (df->owner == NULL && (df->owner = malloc(IP_MAX_LEN * sizeof(*df->owner))) == NULL) {
        tracker_remove(df, t);
        return NULL;
    }
    uint8_t *out = gl_decoder_out_buffer(d);
    if (out == NULL) {
        tracker_remove(df, t);
        return NULL;
    }
    memcpy(out, t->hdr, t->hdr_len);
    replay_fragments(t, d->cfg.policy, df->owner, out + t->hdr_len);
    uint32_t len = t->hdr_len + t->total;
    if (t->key.af == 4) {
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        out[6] &= 0x40; /* keep DF, clear MF and the offset */
        out[7] = 0;
    } else {
        uint32_t plen = len - 40;
        out[4] = (uint8_t)(plen >> 8);
        out[5] = (uint8_t)plen;
        out[t->nh_pos] = t->next_header; /* unlink the fragment header */
    }
    *out_len = len;
    d->stats.reassembled++;
    tracker_remove(df, t);
    return out;
}

static void drop_fragment(gl_decoder *d, gl_packet *p, tracker *t)
{
    d->stats.memcap_drops++;
    gl_dec_event(p, GL_EV_FRAG_IGNORED);
    if (t->nfrags == 0)
        tracker_remove(d->defrag, t);
}

const uint8_t *gl_defrag_insert(gl_decoder *d, gl_packet *p, const gl_frag_info *fi,
                                uint32_t *out_len)
{
    gl_defrag *df = d->defrag;
    uint64_t now = p->ts_usec;
    d->stats.fragments++;

    /* IPv4: header + offset + data must fit the 16-bit total length;
     * IPv6: the fragmentable part must fit the 16-bit payload length */
    uint32_t end = fi->off + fi->len;
    uint32_t limit = fi->af == 4 ? IP_MAX_LEN - fi->hdr_len : IP_MAX_LEN + 40 - fi->hdr_len;
    if (end > limit) {
        d->stats.too_large++;
        gl_dec_event(p, GL_EV_FRAG_TOO_LARGE);
        return NULL;
    }
    if (fi->len == 0)
        return NULL;

    expire_trackers(d, now);
    dkey k;
    key_from(&k, p, fi);
    uint32_t bucket = (uint32_t)gl_hash_bytes(&k, sizeof(k), df->seed) & df->mask;
    tracker *t = tracker_lookup(df, &k, bucket);
    if (t != NULL && tracker_expired(d, t, now)) {
        tracker_remove(df, t);
        d->stats.timeouts++;
        t = NULL;
    }
    if (t == NULL && (t = tracker_create(d, p, &k, bucket, now)) == NULL)
        return NULL;
    lru_touch(df, t, now);

    if (!fragment_consistent(t, fi))
        return NULL;
    if (fi->off == 0 && !t->have_first && fi->hdr_len > DEFRAG_MAX_HDR) {
        drop_fragment(d, p, t); /* v6 unfragmentable part too long to keep */
        return NULL;
    }
    size_t need = sizeof(frag) + fi->len;
    if (t->nfrags >= DEFRAG_MAX_FRAGS || df->mem + need > d->cfg.memcap) {
        drop_fragment(d, p, t);
        return NULL;
    }
    frag *nf = malloc(need);
    if (nf == NULL) {
        drop_fragment(d, p, t);
        return NULL;
    }
    if (fragment_overlaps(t, fi->off, end)) {
        d->stats.overlaps++;
        gl_dec_event(p, GL_EV_FRAG_OVERLAP);
    }
    nf->off = fi->off;
    nf->len = fi->len;
    nf->next_off = nf->next_arr = NULL;
    memcpy(nf->data, fi->data, fi->len);
    fragment_link(t, nf);
    t->mem += need;
    df->mem += need;
    if (end > t->max_end)
        t->max_end = end;

    if (fi->off == 0 && !t->have_first) {
        memcpy(t->hdr, fi->hdr, fi->hdr_len);
        t->hdr_len = fi->hdr_len;
        t->nh_pos = fi->nh_pos;
        t->next_header = fi->next_header;
        t->have_first = true;
    }
    if (!fi->more) {
        t->seen_last = true;
        t->total = end;
    }
    if (!tracker_complete(t))
        return NULL;
    return tracker_reassemble(d, p, t, out_len);
}
