/*
 * incident-db.h — incidents kept in guanlan.db next to the sensor's events:
 * the tables (incident-store.c), the SM3 hash chain over every change
 * (chain.c), the asset registry (asset-registry.c), alert correlation
 * (correlate.c) and the Art. 7 / Art. 8 reports (report.c).
 *
 * Not a contract for other stages: only src/incident, its tests and fuzz
 * targets include it. The on-disk tables are documented in
 * docs/incident-records.md.
 */
#ifndef GL_INCIDENT_DB_H
#define GL_INCIDENT_DB_H

#include "incident/incident.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses shared by every `guanlan incident` sub-command. */
#define GL_INC_EXIT_OK 0
#define GL_INC_EXIT_INTERNAL 1
#define GL_INC_EXIT_BAD_INPUT 2
#define GL_INC_EXIT_TAMPERED 3 /* `incident verify`: the chain does not hold */

#define GL_INC_WHO_MAX 128
#define GL_INC_TEXT_MAX 8192   /* one narrative field of a report (bytes) */
#define GL_INC_MAX_KEYS 32     /* correlation keys remembered per incident */

/* ---- time ---- */
/* Now (or $GUANLAN_NOW when set, for reproducible tests) as an instant
 * written in +08:00, the offset the regulator works in. */
gl_inc_time gl_incdb_now(void);
void gl_incdb_time_str(const gl_inc_time *t, char *buf, size_t len);

/* ---- database (incident-store.c) ---- */
/* Open (creating when missing) a guanlan.db and make sure the incident
 * tables exist. A database that is not guanlan's is refused. */
sqlite3 *gl_incdb_open(const char *path, char *err, size_t errlen);
void gl_incdb_close(sqlite3 *db);
bool gl_incdb_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);
bool gl_incdb_begin(sqlite3 *db, char *err, size_t errlen);
bool gl_incdb_commit(sqlite3 *db, char *err, size_t errlen);
void gl_incdb_rollback(sqlite3 *db);

typedef struct gl_incdb_new {
    const char *title;
    const char *origin;        /* "manual" | "correlation" */
    const char *asset;         /* asset name or NULL */
    json_t *facts;             /* FACTS document (borrowed) */
    json_t *details;           /* report narrative (borrowed; may be NULL) */
    const char *who;
    json_t *keys;              /* correlation keys (array) or NULL */
    int64_t first_seen_usec, last_seen_usec;
} gl_incdb_new;

/* Insert an incident, grade it, log and chain everything. Caller holds a
 * transaction. Returns the new id, or -1 with err. */
int64_t gl_incdb_create(sqlite3 *db, const gl_incdb_new *n, const char *calendar_dir, char *err,
                        size_t errlen);

/* Grade the incident's current facts, store the result on the incident row
 * and record the grading in incident_log (who, trigger). Caller holds a
 * transaction. false + err only on database errors; facts that cannot be
 * graded leave the incident "ungraded" with the reason kept. */
bool gl_incdb_regrade(sqlite3 *db, int64_t id, const char *who, const char *trigger,
                      const char *calendar_dir, char *err, size_t errlen);

/* Record one entry of incident_log and chain it. */
bool gl_incdb_log(sqlite3 *db, int64_t id, const char *who, const char *action, json_t *detail,
                  char *err, size_t errlen);

/* Load one incident row as a JSON object (every column; facts, details,
 * grade and keys parsed). NULL + err when absent. */
json_t *gl_incdb_load(sqlite3 *db, int64_t id, char *err, size_t errlen);

/* Set one member of the facts or details document (path like
 * facts.cii_outage.whole_minutes, operator.route, details.cause), keep the
 * old and new value in incident_facts_history, re-grade. exit status. */
int gl_incdb_set_fact(sqlite3 *db, int64_t id, const char *path, json_t *value, const char *who,
                      const char *reason, const char *calendar_dir, char *err, size_t errlen);

/* Apply a dotted/indexed path assignment to doc. false + err naming the path. */
bool gl_incdb_json_set_path(json_t *doc, const char *path, json_t *value, json_t **old_out,
                            char *err, size_t errlen);

/* Move the incident to a new status. exit status. */
int gl_incdb_set_status(sqlite3 *db, int64_t id, const char *status, const char *who,
                        const char *at, const char *calendar_dir, char *err, size_t errlen);

/* ---- SM3 hash chain (chain.c) ---- */
#define GL_SM3_HEX 65
bool gl_sm3_hex(const void *data, size_t len, char out[GL_SM3_HEX]);
/* SM3 over the current contents of one row (column names, types, values). */
bool gl_chain_row_hash(sqlite3 *db, const char *table, int64_t rec_id, char out[GL_SM3_HEX],
                       bool *missing, char *err, size_t errlen);
/* Append a link for table/rec_id as it is now. */
bool gl_chain_append(sqlite3 *db, int64_t incident_id, const char *table, int64_t rec_id,
                     const char *action, char *err, size_t errlen);
/* Walk the chain; every problem is one line on out naming the record.
 * Returns the number of problems (0 = intact), -1 on a database error.
 * head gets the last link's hash, n_links the number of links. */
int gl_chain_verify(sqlite3 *db, FILE *out, char head[GL_SM3_HEX], int64_t *n_links, char *err,
                    size_t errlen);

/* ---- asset registry (asset-registry.c) ---- */
#define GL_ASSET_MAX 1024
#define GL_ASSET_MAX_ADDRS 16
#define GL_ASSET_STR 256

typedef struct gl_asset_addr {
    int family;            /* 4 or 6 */
    uint8_t addr[16];
    int prefix;            /* 0..32 / 0..128 */
} gl_asset_addr;

typedef struct gl_asset {
    char name[GL_ASSET_STR];
    char owner[GL_ASSET_STR];
    char description[GL_ASSET_STR];
    bool cii;
    int route;             /* gl_inc_route, or -1 to inherit the operator's */
    int site_kind;         /* gl_inc_kind, or -1 when not a website/platform */
    int admin_level;       /* gl_inc_admin, or -1 */
    int platform_size;     /* gl_inc_psize; GL_PSIZE_NONE when not a platform */
    double population_served; /* -1 when not given */
    size_t n_addrs;
    gl_asset_addr addrs[GL_ASSET_MAX_ADDRS];
} gl_asset;

typedef struct gl_asset_registry {
    char operator_name[GL_ASSET_STR];
    int operator_route;    /* gl_inc_route, or -1 */
    size_t n;
    gl_asset assets[GL_ASSET_MAX];
} gl_asset_registry;

/* Parse a registry (YAML) from memory / a file. false + err "FIELD: why". */
bool gl_asset_registry_parse(gl_asset_registry *reg, const char *text, size_t len, char *err,
                             size_t errlen);
bool gl_asset_registry_load(gl_asset_registry *reg, const char *path, char *err, size_t errlen);
const gl_asset *gl_asset_by_name(const gl_asset_registry *reg, const char *name);
/* The asset an IP address (text) belongs to (longest prefix), or NULL. */
const gl_asset *gl_asset_by_ip(const gl_asset_registry *reg, const char *ip);
/* The route an asset's incidents take: cii when the asset is CII, else the
 * asset's route, else the operator's; -1 when none is known. */
int gl_asset_effective_route(const gl_asset_registry *reg, const gl_asset *a);
/* Operator members and details.system for an incident on asset a. */
void gl_asset_fill_facts(const gl_asset_registry *reg, const gl_asset *a, json_t *facts,
                         json_t *details);
/* Seed for a new site_outage / defacement entry from the asset (kind,
 * level, platform_size), or NULL when the asset is not a site. */
json_t *gl_asset_site_seed(const gl_asset *a);

/* ---- correlation (correlate.c) ---- */
typedef struct gl_corr_rules {
    bool same_host, indicator, fingerprint;
    int64_t window_sec;        /* an alert joins an incident seen this recently */
    int max_severity;          /* alerts with severity above it are ignored (1 = highest) */
    int offset_min;            /* offset discovered_at is written in (+480) */
} gl_corr_rules;

void gl_corr_rules_default(gl_corr_rules *r);
bool gl_corr_rules_load(gl_corr_rules *r, const char *path, char *err, size_t errlen);
bool gl_corr_rules_parse(gl_corr_rules *r, const char *text, size_t len, char *err, size_t errlen);

/* What correlation reads from one EVE alert. */
typedef struct gl_corr_alert {
    char signature[256];
    int64_t signature_id;
    char category[128];
    int severity;
    char src_ip[64], dest_ip[64];
    size_t n_keys;
    char keys[8][160];         /* "indicator:…", "ja3:…", "ja4:…", "sni:…", "cert_sha1:…", "hassh:…" */
} gl_corr_alert;

/* Extract an alert from an EVE line. false when it is not a usable alert. */
bool gl_corr_parse_alert(const char *json, size_t len, gl_corr_alert *a);

typedef struct gl_corr_stats {
    int64_t alerts_read, alerts_ignored, incidents_created, incidents_updated, duplicates;
} gl_corr_stats;

/* Correlate every alert event not yet seen. reg may be NULL. */
bool gl_correlate(sqlite3 *db, const gl_corr_rules *rules, const gl_asset_registry *reg,
                  const char *who, const char *calendar_dir, gl_corr_stats *st, char *err,
                  size_t errlen);

/* ---- reports (report.c) ---- */
typedef enum { GL_REP_MD, GL_REP_JSON, GL_REP_HTML } gl_rep_format;

/* Build the content of a new report version from an incident (as loaded by
 * gl_incdb_load). kind: "initial" | "supplement" | "summary". */
json_t *gl_report_build(json_t *incident, const char *kind, int version, const char *created_at,
                        const char *who);
/* Render stored content. langs: "zh", "en" or "zh,en". malloc'd string. */
char *gl_report_render(json_t *content, gl_rep_format fmt, const char *langs);

/* Store a new version (immutable) and chain it. Returns version or -1. */
int gl_report_store(sqlite3 *db, int64_t incident_id, json_t *content, char *err, size_t errlen);

#endif
