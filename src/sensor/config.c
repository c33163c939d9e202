/*
 * config.c — the option table, YAML loading (libyaml) and --set handling.
 */
#include "config.h"
#include "../proto/app-layer-flow.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#ifndef GUANLAN_MODEL_DIR
#define GUANLAN_MODEL_DIR "/usr/local/share/guanlan/models"
#endif

typedef enum { OPT_UINT, OPT_SIZE, OPT_BOOL, OPT_STR, OPT_POLICY, OPT_TYPES, OPT_SECONDS } opt_type;

typedef struct opt {
    const char *name;
    opt_type type;
    size_t off;          /* offset in gl_config */
    size_t width;        /* sizeof the field for integers */
    unsigned long long min, max;
    const char *help;
} opt;

#define F(field) offsetof(gl_config, field), sizeof(((gl_config *)0)->field)
#define TO(cls) F(worker.flow.timeout[cls])

static const opt options[] = {
    { "threads", OPT_UINT, F(threads), 1, 64, "worker threads; packets of one flow always go to the same worker" },
    { "queue-batches", OPT_UINT, F(queue_batches), 2, 4096, "packet batches (256 KiB each) queued per worker when threads > 1" },
    { "capture.snaplen", OPT_UINT, F(snaplen), 64, 262144, "live capture: bytes kept per packet" },
    { "capture.promisc", OPT_BOOL, F(promisc), 0, 1, "live capture: promiscuous mode" },
    { "capture.buffer-mb", OPT_UINT, F(buffer_mb), 1, 4096, "live capture: kernel ring buffer (AF_PACKET TPACKET_V3 via libpcap), MiB" },
    { "progress", OPT_BOOL, F(progress), 0, 1, "progress line on stderr for files (-q turns it off)" },
    { "defrag.memcap", OPT_SIZE, F(worker.defrag.memcap), 65536, 1ULL << 40, "bytes of IP fragments held per worker; beyond, fragments are dropped and counted" },
    { "defrag.max-trackers", OPT_UINT, F(worker.defrag.max_trackers), 1, 1u << 24, "datagrams being reassembled at once per worker" },
    { "defrag.timeout", OPT_SECONDS, F(worker.defrag.timeout_sec), 1, 3600, "seconds an incomplete datagram is kept" },
    { "defrag.policy", OPT_POLICY, F(worker.defrag.policy), 0, 3, "overlap policy: first, last, bsd, linux" },
    { "flow.memcap", OPT_SIZE, F(worker.flow.memcap), 65536, 1ULL << 40, "bytes of flow table per worker; when full the longest-idle flow is evicted (counted, logged reason=forced)" },
    { "flow.hash-size", OPT_UINT, F(worker.flow.hash_size), 1024, 1u << 28, "hash buckets per worker (rounded up to a power of two)" },
    { "flow.timeout.tcp.new", OPT_SECONDS, TO(GL_TC_TCP_NEW), 1, 86400, "seconds: TCP before the handshake completes" },
    { "flow.timeout.tcp.established", OPT_SECONDS, TO(GL_TC_TCP_EST), 1, 86400, "seconds: established TCP" },
    { "flow.timeout.tcp.closed", OPT_SECONDS, TO(GL_TC_TCP_CLOSED), 0, 86400, "seconds: TCP after FIN/RST" },
    { "flow.timeout.udp.new", OPT_SECONDS, TO(GL_TC_UDP_NEW), 1, 86400, "seconds: UDP seen one way" },
    { "flow.timeout.udp.established", OPT_SECONDS, TO(GL_TC_UDP_EST), 1, 86400, "seconds: UDP seen both ways" },
    { "flow.timeout.icmp.new", OPT_SECONDS, TO(GL_TC_ICMP_NEW), 1, 86400, "seconds: ICMP seen one way" },
    { "flow.timeout.icmp.established", OPT_SECONDS, TO(GL_TC_ICMP_EST), 1, 86400, "seconds: ICMP seen both ways" },
    { "flow.timeout.other.new", OPT_SECONDS, TO(GL_TC_OTHER_NEW), 1, 86400, "seconds: other IP protocols, one way" },
    { "flow.timeout.other.established", OPT_SECONDS, TO(GL_TC_OTHER_EST), 1, 86400, "seconds: other IP protocols, both ways" },
    { "stream.depth", OPT_SIZE, F(worker.stream.depth), 0, 1ULL << 32, "bytes reassembled per direction of a TCP flow (0 = no limit)" },
    { "stream.ooo-max", OPT_SIZE, F(worker.stream.ooo_max), 1024, 1ULL << 31, "out-of-order bytes held per direction before declaring a gap" },
    { "stream.memcap", OPT_SIZE, F(worker.stream.memcap), 65536, 1ULL << 40, "out-of-order bytes held per worker across all flows" },
    { "stream.midstream", OPT_BOOL, F(worker.stream.midstream), 0, 1, "reassemble TCP flows whose handshake was not seen" },
    { "app.detect-memcap", OPT_SIZE, F(worker.app_detect_memcap), 4096, 1ULL << 40, "bytes of protocol-detection buffers per worker (flows whose first bytes are not yet conclusive); beyond, detection gives up on new such flows (counted)" },
    { "app.dns.enabled", OPT_BOOL, F(app_enabled[0]), 0, 1, "DNS parser (UDP and TCP)" },
    { "app.http.enabled", OPT_BOOL, F(app_enabled[1]), 0, 1, "HTTP/1.x parser" },
    { "app.tls.enabled", OPT_BOOL, F(app_enabled[2]), 0, 1, "TLS parser (JA3/JA3S/JA4, certificates)" },
    { "app.ssh.enabled", OPT_BOOL, F(app_enabled[3]), 0, 1, "SSH parser (banners, HASSH)" },
    { "detect.encrypted.enabled", OPT_BOOL, F(worker.detect.encrypted_enabled), 0, 1, "encrypted-traffic threat detection (TLS, DoH, DoT) without decryption" },
    { "detect.threshold", OPT_UINT, F(worker.detect.threshold), 0, 100, "alert when a session's threat score (0-100) reaches this" },
    { "detect.model-dir", OPT_STR, F(worker.detect.model_dir), 0, 0, "directory of the detection model files" },
    { "detect.intel", OPT_STR, F(worker.detect.intel_file), 0, 0, "local threat-intelligence CSV (JA3/JA4, certificate SHA-1, domains, IPs); 'none' for none" },
    { "detect.state-dir", OPT_STR, F(worker.detect.state_dir), 0, 0, "where analyst feedback and online-learned model versions live; default: the log directory" },
    { "output.eve.enabled", OPT_BOOL, F(output.eve_enabled), 0, 1, "write EVE JSON" },
    { "output.eve.filename", OPT_STR, F(output.eve_filename), 0, 0, "EVE file, relative to the log directory" },
    { "output.eve.types", OPT_TYPES, F(output.eve_types), 0, 0, "event types written: list of flow, dns, tls, http, ssh, anomaly, stats (or all)" },
    { "output.eve.tls-session-resumption", OPT_BOOL, F(output.tls_resumed), 0, 1, "also log tls records of resumed sessions (no certificate exchanged); off by default, as in Suricata" },
    { "output.eve.ethernet", OPT_BOOL, F(output.ethernet), 0, 1, "add MAC addresses (\"ether\") to events; flows list every MAC seen" },
    { "output.eve.community-id", OPT_BOOL, F(output.community_id), 0, 1, "add the Community ID v1 flow hash (\"community_id\") to flow-related events" },
    { "output.eve.community-id-seed", OPT_UINT, F(output.community_id_seed), 0, 65535, "seed of the Community ID hash" },
    { "output.sqlite.enabled", OPT_BOOL, F(output.sqlite_enabled), 0, 1, "write the SQLite store" },
    { "output.sqlite.filename", OPT_STR, F(output.sqlite_filename), 0, 0, "SQLite file, relative to the log directory" },
    { "output.sqlite.batch-events", OPT_UINT, F(output.store.batch_events), 1, 1000000, "commit after this many events" },
    { "output.sqlite.batch-ms", OPT_UINT, F(output.store.batch_ms), 1, 600000, "... or after this many milliseconds" },
    { "output.sqlite.defer-indexes", OPT_BOOL, F(output.store.defer_indexes), 0, 1, "a new database gets its indexes once at the end of the run instead of row by row: less CPU in all, but a serial tail; for batch analysis on a busy machine (the db is queryable, slowly, meanwhile)" },
    { "output.sqlite.queue-max", OPT_UINT, F(output.store.queue_max), 16, 1u << 24, "events waiting for the SQLite writer; producers wait when full (nothing dropped)" },
};

static const char *const app_names[4] = { "dns", "http", "tls", "ssh" };
static const char *const policy_names[4] = { "first", "last", "bsd", "linux" };

void gl_config_default(gl_config *c)
{
    memset(c, 0, sizeof(*c));
    gl_defrag_config_default(&c->worker.defrag);
    gl_flow_config_default(&c->worker.flow);
    gl_stream_config_default(&c->worker.stream);
    gl_output_config_default(&c->output);
    c->threads = 1;
    c->queue_batches = 64;
    c->snaplen = 65535;
    c->promisc = true;
    c->buffer_mb = 64;
    for (int i = 0; i < 4; i++)
        c->app_enabled[i] = true;
    c->progress = true;
    c->worker.app_detect_memcap = 16u << 20;
    c->worker.detect.encrypted_enabled = true;
    c->worker.detect.threshold = 70;
    c->worker.detect.model_dir = strdup(GUANLAN_MODEL_DIR);
    c->worker.detect.intel_file = strdup("none");
    c->worker.detect.state_dir = NULL; /* the log directory, filled in by gl_run */
}

void gl_config_free(gl_config *c)
{
    gl_output_config_free(&c->output);
    free((char *)c->worker.detect.model_dir);
    free((char *)c->worker.detect.intel_file);
    free((char *)c->worker.detect.state_dir);
}

void gl_config_apply(const gl_config *c)
{
    for (int i = 0; i < 4; i++)
        gl_app_set_enabled(app_names[i], c->app_enabled[i]);
}

int gl_parse_size(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s))
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned long long mul = 1;
    while (*end == ' ')
        end++;
    switch (tolower((unsigned char)*end)) {
    case 0: break;
    case 'k': mul = 1ULL << 10; end++; break;
    case 'm': mul = 1ULL << 20; end++; break;
    case 'g': mul = 1ULL << 30; end++; break;
    case 't': mul = 1ULL << 40; end++; break;
    default: return -1;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end != 0 || (mul > 1 && v > ~0ULL / mul))
        return -1;
    *out = v * mul;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "yes", "true", "on", "1" };
    static const char *const no[] = { "no", "false", "off", "0" };
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = true; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

/* Error messages quote what the user wrote; keep them one printable line
 * whatever the input (a YAML scalar may span lines). */
static const char *printable(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 4 < n; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (s[i])
        memcpy(buf + i, "...", 3), i += 3;
    buf[i] = 0;
    return buf;
}

static int parse_types(const char *s, unsigned *out, char *err, size_t errlen)
{
    unsigned mask = 0;
    char *dup = strdup(s), *save = NULL;
    if (!dup)
        return -1;
    for (char *tok = strtok_r(dup, ", []", &save); tok; tok = strtok_r(NULL, ", []", &save)) {
        unsigned bit = strcmp(tok, "all") == 0 ? GL_EVT_ALL : gl_event_type_bit(tok);
        if (!bit) {
            char tbuf[80];
            snprintf(err, errlen, "unknown event type '%s' (known: flow, dns, tls, http, ssh, anomaly, stats, alert, all)",
                     printable(tok, tbuf, sizeof(tbuf)));
            free(dup);
            return -1;
        }
        mask |= bit;
    }
    free(dup);
    *out = mask;
    return 0;
}

static void store_uint(void *p, size_t width, unsigned long long v)
{
    switch (width) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: *(uint16_t *)p = (uint16_t)v; break;
    case 4: *(uint32_t *)p = (uint32_t)v; break;
    default: *(uint64_t *)p = v; break;
    }
}

static unsigned long long load_uint(const void *p, size_t width)
{
    switch (width) {
    case 1: return *(const uint8_t *)p;
    case 2: return *(const uint16_t *)p;
    case 4: return *(const uint32_t *)p;
    default: return *(const uint64_t *)p;
    }
}

static unsigned long long width_max(size_t width)
{
    return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

int gl_config_set(gl_config *c, const char *key, const char *value_raw, char *err, size_t errlen)
{
    char vbuf[80], kbuf[80];
    const char *value = printable(value_raw, vbuf, sizeof(vbuf));
    key = printable(key, kbuf, sizeof(kbuf));
    const opt *o = NULL;
    for (size_t i = 0; i < GL_ARRAY_LEN(options); i++)
        if (strcmp(options[i].name, key) == 0)
            o = &options[i];
    if (!o) {
        snprintf(err, errlen, "unknown option '%s' (see guanlan run --help)", key);
        return -1;
    }
    void *p = (char *)c + o->off;
    unsigned long long v;
    bool b;
    switch (o->type) {
    case OPT_UINT:
    case OPT_SECONDS:
    case OPT_SIZE:
        /* plain numbers must be all digits; sizes may carry a k/m/g suffix */
        if (gl_parse_size(value_raw, &v) != 0 ||
            (o->type != OPT_SIZE && strspn(value_raw, "0123456789") != strlen(value_raw))) {
            snprintf(err, errlen, "option '%s': '%s' is not a valid %s", key, value,
                     o->type == OPT_SIZE ? "size (e.g. 64mb)" : "number");
            return -1;
        }
        unsigned long long max = o->max < width_max(o->width) ? o->max : width_max(o->width);
        if (v < o->min || v > max) {
            snprintf(err, errlen, "option '%s': %s is out of range [%llu, %llu]", key, value, o->min, max);
            return -1;
        }
        store_uint(p, o->width, v);
        return 0;
    case OPT_BOOL:
        if (parse_bool(value_raw, &b) != 0) {
            snprintf(err, errlen, "option '%s': '%s' is not yes/no", key, value);
            return -1;
        }
        *(bool *)p = b;
        return 0;
    case OPT_STR: {
        bool control = false;
        for (const char *q = value_raw; *q; q++)
            control |= (unsigned char)*q < 0x20 || *q == 0x7f;
        if (!*value_raw || control) {
            snprintf(err, errlen, "option '%s': empty or invalid value", key);
            return -1;
        }
        char *dup = strdup(value_raw);
        if (!dup)
            return -1;
        free(*(char **)p);
        *(char **)p = dup;
        return 0;
    }
    case OPT_POLICY:
        for (int i = 0; i < 4; i++) {
            if (strcmp(value_raw, policy_names[i]) == 0) {
                *(int *)p = i;
                return 0;
            }
        }
        snprintf(err, errlen, "option '%s': '%s' is not one of first, last, bsd, linux", key, value);
        return -1;
    case OPT_TYPES:
        return parse_types(value_raw, (unsigned *)p, err, errlen);
    }
    return -1;
}

static void print_default(FILE *out, const gl_config *d, const opt *o)
{
    const void *p = (const char *)d + o->off;
    switch (o->type) {
    case OPT_UINT:
    case OPT_SECONDS:
        fprintf(out, "%llu", load_uint(p, o->width));
        break;
    case OPT_SIZE: {
        unsigned long long v = load_uint(p, o->width);
        if (v && v % (1ULL << 20) == 0)
            fprintf(out, "%llumb", v >> 20);
        else if (v && v % 1024 == 0)
            fprintf(out, "%llukb", v >> 10);
        else
            fprintf(out, "%llu", v);
        break;
    }
    case OPT_BOOL: fputs(*(const bool *)p ? "yes" : "no", out); break;
    case OPT_STR: fputs(*(char *const *)p ? *(char *const *)p : "(the log directory)", out); break;
    case OPT_POLICY: fputs(policy_names[*(const int *)p & 3], out); break;
    case OPT_TYPES: fputs(*(const unsigned *)p == GL_EVT_ALL ? "all" : "(custom)", out); break;
    }
}

void gl_config_print_help(FILE *out)
{
    gl_config d;
    gl_config_default(&d);
    for (size_t i = 0; i < GL_ARRAY_LEN(options); i++) {
        fprintf(out, "  %-32s ", options[i].name);
        print_default(out, &d, &options[i]);
        fprintf(out, "\n      %s\n", options[i].help);
    }
    gl_config_free(&d);
}

/* ---- YAML ---------------------------------------------------------------- */

#define MAX_DEPTH 8

typedef struct yaml_walk {
    gl_config *c;
    const char *path;
    char *err;
    size_t errlen;
    char keys[MAX_DEPTH][64];
    int depth;
    char list[512];      /* sequence values joined with commas */
    bool in_list;
} yaml_walk;

static void dotted(const yaml_walk *w, char *buf, size_t n)
{
    buf[0] = 0;
    for (int i = 0; i < w->depth; i++) {
        if (i)
            strncat(buf, ".", n - strlen(buf) - 1);
        strncat(buf, w->keys[i], n - strlen(buf) - 1);
    }
}

static int apply_scalar(yaml_walk *w, const char *value, size_t line)
{
    char key[MAX_DEPTH * 64];
    char err[256];
    dotted(w, key, sizeof(key));
    if (gl_config_set(w->c, key, value, err, sizeof(err)) != 0) {
        snprintf(w->err, w->errlen, "%s:%zu: %s", w->path, line + 1, err);
        return -1;
    }
    return 0;
}

/* Walk the events of a document. keys[0..mdepth-1] is the path to the value
 * being read: a scalar in key position names the current level, a scalar
 * or list in value position is applied to the dotted path. */
static int walk(yaml_walk *w, yaml_parser_t *parser)
{
    yaml_event_t ev;
    bool expect_key[MAX_DEPTH + 1] = { false };
    int mdepth = 0;
    for (;;) {
        if (!yaml_parser_parse(parser, &ev)) {
            snprintf(w->err, w->errlen, "%s:%zu: YAML error: %s", w->path,
                     parser->problem_mark.line + 1, parser->problem ? parser->problem : "?");
            return -1;
        }
        int rc = 0;
        size_t line = ev.start_mark.line;
        bool value_pos = mdepth > 0 && !expect_key[mdepth];
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            return 0;
        case YAML_MAPPING_START_EVENT:
            if (w->in_list || mdepth >= MAX_DEPTH || (mdepth > 0 && !value_pos)) {
                snprintf(w->err, w->errlen, "%s:%zu: unexpected mapping here", w->path, line + 1);
                rc = -1;
                break;
            }
            mdepth++;
            expect_key[mdepth] = true;
            break;
        case YAML_MAPPING_END_EVENT:
            mdepth--;
            if (mdepth > 0)
                expect_key[mdepth] = true;
            break;
        case YAML_SEQUENCE_START_EVENT:
            if (w->in_list || !value_pos) {
                snprintf(w->err, w->errlen, "%s:%zu: a list is only allowed as an option value", w->path, line + 1);
                rc = -1;
                break;
            }
            w->in_list = true;
            w->list[0] = 0;
            break;
        case YAML_SEQUENCE_END_EVENT:
            w->in_list = false;
            w->depth = mdepth;
            rc = apply_scalar(w, w->list, line);
            expect_key[mdepth] = true;
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            if (w->in_list) {
                if (strlen(w->list) + strlen(v) + 2 >= sizeof(w->list)) {
                    snprintf(w->err, w->errlen, "%s:%zu: list too long", w->path, line + 1);
                    rc = -1;
                    break;
                }
                if (w->list[0])
                    strcat(w->list, ",");
                strcat(w->list, v);
            } else if (mdepth == 0) {
                if (v[0]) {
                    snprintf(w->err, w->errlen, "%s:%zu: expected a mapping of options", w->path, line + 1);
                    rc = -1;
                }
            } else if (expect_key[mdepth]) {
                if (strlen(v) >= sizeof(w->keys[0])) {
                    snprintf(w->err, w->errlen, "%s:%zu: key too long", w->path, line + 1);
                    rc = -1;
                    break;
                }
                strcpy(w->keys[mdepth - 1], v);
                expect_key[mdepth] = false;
            } else {
                w->depth = mdepth;
                rc = apply_scalar(w, v, line);
                expect_key[mdepth] = true;
            }
            break;
        }
        case YAML_ALIAS_EVENT:
            snprintf(w->err, w->errlen, "%s:%zu: YAML aliases are not supported", w->path, line + 1);
            rc = -1;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc)
            return rc;
    }
}

int gl_config_load_yaml(gl_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open config %s: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_file(&parser, f);
    yaml_walk w = { .c = c, .path = path, .err = err, .errlen = errlen };
    int rc = walk(&w, &parser);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}
