/*
 * output-eve.c — writes EVE lines to eve.json and forwards them to the
 * SQLite store. Lines are batched per worker and appended under one lock.
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LOCAL_FLUSH_BYTES (64 * 1024)

static const char *const type_names[8] = { "flow", "dns", "tls", "http", "ssh", "anomaly", "stats", "alert" };

unsigned gl_event_type_bit(const char *name)
{
    for (unsigned i = 0; i < GL_ARRAY_LEN(type_names); i++)
        if (strcmp(name, type_names[i]) == 0)
            return 1u << i;
    return 0;
}

void gl_output_config_default(gl_output_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->dir = strdup(".");
    cfg->eve_enabled = true;
    cfg->eve_filename = strdup("eve.json");
    cfg->eve_types = GL_EVT_ALL;
    cfg->sqlite_enabled = true;
    cfg->sqlite_filename = strdup("guanlan.db");
    gl_store_config_default(&cfg->store);
}

void gl_output_config_free(gl_output_config *cfg)
{
    free(cfg->dir);
    free(cfg->eve_filename);
    free(cfg->sqlite_filename);
    memset(cfg, 0, sizeof(*cfg));
}

static char *join_path(const char *dir, const char *name)
{
    if (name[0] == '/')
        return strdup(name);
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

gl_output *gl_output_open(const gl_output_config *cfg, char *err, size_t errlen)
{
    gl_output *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->cfg = *cfg;
    pthread_mutex_init(&o->lock, NULL);
    struct stat st;
    if (stat(cfg->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "log directory '%s' does not exist or is not a directory", cfg->dir);
        free(o);
        return NULL;
    }
    if (cfg->eve_enabled) {
        char *path = join_path(cfg->dir, cfg->eve_filename);
        o->eve = path ? fopen(path, "w") : NULL;
        if (!o->eve) {
            snprintf(err, errlen, "cannot open %s for writing: %s", path ? path : "eve.json",
                     strerror(errno));
            free(path);
            free(o);
            return NULL;
        }
        setvbuf(o->eve, NULL, _IOFBF, 1 << 20);
        free(path);
    }
    if (cfg->sqlite_enabled) {
        char *path = join_path(cfg->dir, cfg->sqlite_filename);
        gl_store_config sc = cfg->store;
        sc.path = path;
        o->store = gl_store_open(&sc, err, errlen);
        free(path);
        if (!o->store) {
            if (o->eve)
                fclose(o->eve);
            free(o);
            return NULL;
        }
    }
    return o;
}

int gl_output_close(gl_output *o)
{
    int rc = 0;
    if (o->eve) {
        if (fclose(o->eve) != 0)
            rc = -1;
    }
    if (o->store && gl_store_close(o->store, NULL) != 0)
        rc = -1;
    if (o->c.write_errors)
        rc = -1;
    pthread_mutex_destroy(&o->lock);
    free(o);
    return rc;
}

void gl_output_local_init(gl_output_local *l)
{
    memset(l, 0, sizeof(*l));
}

void gl_output_local_flush(gl_output *o, gl_output_local *l)
{
    pthread_mutex_lock(&o->lock);
    if (l->len && o->eve) {
        if (fwrite(l->buf, 1, l->len, o->eve) != l->len)
            l->c.write_errors++;
    }
    for (int i = 0; i < 8; i++)
        o->c.events[i] += l->c.events[i];
    o->c.lines += l->c.lines;
    o->c.bytes += l->c.bytes;
    o->c.write_errors += l->c.write_errors;
    pthread_mutex_unlock(&o->lock);
    memset(&l->c, 0, sizeof(l->c));
    l->len = 0;
}

void gl_output_local_free(gl_output *o, gl_output_local *l)
{
    gl_output_local_flush(o, l);
    free(l->buf);
    memset(l, 0, sizeof(*l));
}

static bool local_append(gl_output_local *l, const char *line, size_t len)
{
    if (l->len + len + 1 > l->cap) {
        size_t ncap = l->cap ? l->cap : LOCAL_FLUSH_BYTES * 2;
        while (ncap < l->len + len + 1)
            ncap *= 2;
        char *nb = realloc(l->buf, ncap);
        if (!nb)
            return false;
        l->buf = nb;
        l->cap = ncap;
    }
    memcpy(l->buf + l->len, line, len);
    l->buf[l->len + len] = '\n';
    l->len += len + 1;
    return true;
}

void gl_output_write(gl_output *o, gl_output_local *l, unsigned type_bit, const gl_event_meta *m,
                     const char *line, size_t len)
{
    if (!(o->cfg.eve_types & type_bit))
        return;
    for (int i = 0; i < 8; i++)
        if (type_bit == (1u << i))
            l->c.events[i]++;
    l->c.lines++;
    l->c.bytes += len + 1;
    if (o->eve && !local_append(l, line, len))
        l->c.write_errors++;
    if (o->store && gl_store_add(o->store, m, line, len) != 0)
        l->c.write_errors++;
    if (l->len >= LOCAL_FLUSH_BYTES)
        gl_output_local_flush(o, l);
}

const char *gl_proto_name(uint8_t proto, char *buf8)
{
    switch (proto) {
    case 1: return "ICMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 58: return "IPv6-ICMP";
    case 132: return "SCTP";
    case 47: return "GRE";
    default: snprintf(buf8, 8, "%03u", proto); return buf8;
    }
}

void gl_eve_begin(gl_json *j, const gl_eve_hdr *h, gl_event_meta *meta, char *strbuf)
{
    char ts[48], pbuf[8];
    gl_format_ts(h->ts_usec, ts, sizeof(ts));
    memset(meta, 0, sizeof(*meta));
    meta->ts_usec = h->ts_usec;
    meta->event_type = h->event_type;
    meta->flow_id = h->flow_id;
    meta->src_port = meta->dest_port = -1;
    meta->app_proto = h->app_proto;

    gl_json_reset(j);
    gl_json_open_object(j, NULL);
    gl_json_str(j, "timestamp", ts);
    if (h->flow_id)
        gl_json_uint(j, "flow_id", h->flow_id);
    gl_json_str(j, "event_type", h->event_type);
    if (h->vlan_count) {
        gl_json_open_array(j, "vlan");
        for (int i = 0; i < h->vlan_count; i++)
            gl_json_uint(j, NULL, h->vlan[i]);
        gl_json_close_array(j);
    }
    if (h->src && h->dst) {
        char *s = strbuf, *d = strbuf + GL_ADDR_STRLEN;
        gl_addr_str(h->src, s);
        gl_addr_str(h->dst, d);
        meta->src_ip = s;
        meta->dest_ip = d;
        gl_json_str(j, "src_ip", s);
        if (h->sport >= 0) {
            gl_json_int(j, "src_port", h->sport);
            meta->src_port = h->sport;
        }
        gl_json_str(j, "dest_ip", d);
        if (h->dport >= 0) {
            gl_json_int(j, "dest_port", h->dport);
            meta->dest_port = h->dport;
        }
        meta->proto = gl_proto_name(h->proto, pbuf);
        gl_json_str(j, "proto", meta->proto);
        /* meta->proto must outlive pbuf: use the static names or "other" */
        if (meta->proto == pbuf)
            meta->proto = "other";
        if (h->icmp_type >= 0) {
            gl_json_int(j, "icmp_type", h->icmp_type);
            gl_json_int(j, "icmp_code", h->icmp_code);
        }
    }
    if (h->app_proto)
        gl_json_str(j, "app_proto", h->app_proto);
}
