/*
 * enc-background.h — sub-model 4, background-traffic correlation: per-host
 * history with bounded memory (LRU tables with hard caps and eviction
 * counters), beacon periodicity per client→destination pair, fan-out and
 * new destinations per client, fingerprint rarity on this network
 * (count-min sketch) and reputation from the local intel list.
 * One instance is shared by all workers (mutex), touched once per session.
 */
#ifndef GL_ENC_BACKGROUND_H
#define GL_ENC_BACKGROUND_H

#include "enc-common.h"
#include "enc-intel.h"

#define ENC_BG_RING 16        /* connection start times kept per pair */
#define ENC_BG_DEST_RING 32   /* recent destinations kept per host */

typedef struct enc_bg enc_bg;

typedef struct enc_bg_obs {
    gl_addr client, server;
    uint16_t server_port;
    uint64_t ts_usec;       /* session start */
    const char *sni;        /* NULL when none; the others too */
    const char *ja3, *ja3s, *ja4, *rdfp, *cert_sha1;
} enc_bg_obs;

typedef struct enc_bg_stats {
    uint64_t sessions;
    uint64_t hosts, pairs;                 /* live entries */
    uint64_t host_evictions, pair_evictions;
    size_t bytes;                          /* memory reserved for the tables */
} enc_bg_stats;

/* max_hosts / max_pairs: hard caps (0 = defaults 16384 / 65536). */
enc_bg *enc_bg_new(size_t max_hosts, size_t max_pairs);
void enc_bg_free(enc_bg *bg);

/* Record the session and score it. intel may be NULL. intel_desc receives
 * the description of the strongest intel match ("" if none). */
void enc_bg_observe(enc_bg *bg, const enc_intel *intel, const enc_bg_obs *o, enc_result *out,
                    char *intel_desc, size_t desclen);

void enc_bg_get_stats(enc_bg *bg, enc_bg_stats *st);

#endif
