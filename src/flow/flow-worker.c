/*
 * flow-worker.c — the per-packet pipeline of one worker thread, and the
 * events it writes that belong to no parser: flow records and anomalies.
 */
#include "flow-worker.h"
#include "../proto/app-layer-flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

/* ---- events ---------------------------------------------------------- */

static void write_record(gl_worker *w, unsigned type_bit, gl_event_meta *meta)
{
    gl_output_write(w->out, &w->outl, type_bit, meta, w->line.buf, w->line.len);
}

static void mac_json(gl_json *j, const char *key, const uint8_t *mac)
{
    char s[18];
    snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    gl_json_str(j, key, s);
}

/* "ether": a flow record lists every MAC seen; other events the first pair,
 * oriented like the event's addresses. */
static void ether_json(gl_json *j, const gl_flow *f, bool flow_record, bool rev)
{
    const gl_flow_macs *m = f->macs;
    if (!m || !m->n_src || !m->n_dst)
        return;
    gl_json_open_object(j, "ether");
    if (flow_record) {
        gl_json_open_array(j, "src_macs");
        for (int i = 0; i < m->n_src; i++)
            mac_json(j, NULL, m->src[i]);
        gl_json_close_array(j);
        gl_json_open_array(j, "dest_macs");
        for (int i = 0; i < m->n_dst; i++)
            mac_json(j, NULL, m->dst[i]);
        gl_json_close_array(j);
    } else {
        mac_json(j, "src_mac", rev ? m->dst[0] : m->src[0]);
        mac_json(j, "dest_mac", rev ? m->src[0] : m->dst[0]);
    }
    gl_json_close_object(j);
}

static void remember_mac(uint8_t set[][6], uint8_t *n, const uint8_t *mac)
{
    for (int i = 0; i < *n; i++)
        if (memcmp(set[i], mac, 6) == 0)
            return;
    if (*n < GL_FLOW_MAX_MACS)
        memcpy(set[(*n)++], mac, 6);
}

static void track_macs(gl_flow *f, const gl_packet *p, int dir)
{
    if (!f->macs && !(f->macs = calloc(1, sizeof(*f->macs))))
        return;
    gl_flow_macs *m = f->macs;
    /* client-side MACs: source of toserver frames, destination of toclient ones */
    remember_mac(dir ? m->dst : m->src, dir ? &m->n_dst : &m->n_src, p->eth_src);
    remember_mac(dir ? m->src : m->dst, dir ? &m->n_src : &m->n_dst, p->eth_dst);
}

/* Header for an event about flow f, addresses oriented by logdir/dir. */
static void begin_flow_event(gl_worker *w, const gl_flow *f, const char *type, gl_log_dir logdir,
                             int dir, uint64_t ts, const char *app_proto, gl_event_meta *meta,
                             char *strbuf)
{
    bool rev = logdir == GL_LOG_PACKET && dir == 1;
    bool icmp = f->proto == GL_IPPROTO_ICMP || f->proto == GL_IPPROTO_ICMPV6;
    gl_eve_hdr h = {
        .ts_usec = ts,
        .flow_id = f->flow_id,
        .event_type = type,
        .src = rev ? &f->srv : &f->cli,
        .dst = rev ? &f->cli : &f->srv,
        .sport = icmp ? -1 : (rev ? f->sport : f->cport),
        .dport = icmp ? -1 : (rev ? f->cport : f->sport),
        .proto = f->proto,
        .vlan = f->vlan,
        .vlan_count = f->vlan_count,
        .icmp_type = icmp ? f->icmp_type : -1,
        .icmp_code = icmp ? f->icmp_code : -1,
        .app_proto = app_proto,
    };
    gl_eve_begin(&w->line, &h, meta, strbuf);
    const gl_output_config *oc = &w->out->cfg;
    if (oc->community_id) {
        char cid[GL_COMMUNITY_ID_LEN];
        gl_community_id(oc->community_id_seed, f->proto, &f->cli, &f->srv, icmp ? f->icmp_type : f->cport,
                        icmp ? f->icmp_code : f->sport, cid);
        gl_json_str(&w->line, "community_id", cid);
    }
    if (oc->ethernet)
        ether_json(&w->line, f, strcmp(type, "flow") == 0, rev);
}

/* Suricata logs resumed TLS sessions only when asked (tls
 * session-resumption: yes); EVE consumers count on that, so the same
 * default applies here. Detectors still see the session. */
static bool suppressed_by_policy(const gl_worker *w, unsigned bit, const char *fields, size_t len)
{
    static const char resumed[] = "\"session_resumed\":true";
    return bit == GL_EVT_TLS && !w->out->cfg.tls_resumed && memmem(fields, len, resumed, sizeof(resumed) - 1);
}

/* gl_app_ctx emit callback: a parser finished an event. */
static void emit_app_event(void *user, const gl_app_ctx *ctx, const char *event_type,
                           gl_log_dir logdir, gl_dir dir, const char *fields, size_t len)
{
    gl_worker *w = user;
    gl_event_meta meta;
    char strbuf[2 * GL_ADDR_STRLEN];
    const gl_flow *f = w->cur;
    begin_flow_event(w, f, event_type, logdir, dir, ctx->info.ts_usec, NULL, &meta, strbuf);
    meta.app_proto = gl_app_proto_name(f);
    if (len) {
        gl_json_append(&w->line, ",", 1);
        gl_json_append(&w->line, fields, len);
    }
    gl_json_close_object(&w->line);
    unsigned bit = gl_event_type_bit(event_type);
    if (!suppressed_by_policy(w, bit, fields, len))
        write_record(w, bit ? bit : GL_EVT_ALL, &meta);
    gl_detect_event(w->det, w->cur, event_type, ctx->facts, w->line.buf, w->line.len);
}

/* gl_detect emit callback: a detector raised an alert on flow f. */
static void emit_alert(void *user, gl_flow *f, const char *fields, size_t len)
{
    gl_worker *w = user;
    gl_event_meta meta;
    char strbuf[2 * GL_ADDR_STRLEN];
    begin_flow_event(w, f, "alert", GL_LOG_FLOW, 0, w->now_us > f->last_us ? f->last_us : w->now_us,
                     gl_app_proto_name(f), &meta, strbuf);
    if (len) {
        gl_json_append(&w->line, ",", 1);
        gl_json_append(&w->line, fields, len);
    }
    gl_json_close_object(&w->line);
    f->app_flags |= GL_FA_ALERTED;
    write_record(w, GL_EVT_ALERT, &meta);
}

/* gl_app_ctx anomaly callback (EVE anomaly, type applayer). */
static void emit_app_anomaly(void *user, const gl_app_ctx *ctx, const char *name)
{
    gl_worker *w = user;
    gl_event_meta meta;
    char strbuf[2 * GL_ADDR_STRLEN];
    const gl_flow *f = w->cur;
    const char *app = gl_app_proto_name(f);
    begin_flow_event(w, f, "anomaly", GL_LOG_FLOW, 0, ctx->info.ts_usec, app, &meta, strbuf);
    gl_json_open_object(&w->line, "anomaly");
    if (app)
        gl_json_str(&w->line, "app_proto", app);
    gl_json_str(&w->line, "type", "applayer");
    gl_json_str(&w->line, "event", name);
    gl_json_str(&w->line, "layer", strncmp(name, "APPLAYER_", 9) == 0 ? "proto_detect" : "proto_parser");
    gl_json_close_object(&w->line);
    gl_json_close_object(&w->line);
    write_record(w, GL_EVT_ANOMALY, &meta);
}

static void emit_decode_anomalies(gl_worker *w, const gl_packet *p)
{
    for (int i = 0; i < p->n_events; i++) {
        gl_event_meta meta;
        char strbuf[2 * GL_ADDR_STRLEN];
        bool has_ip = p->ip_version != 0;
        bool ports = has_ip && (p->proto == GL_IPPROTO_TCP || p->proto == GL_IPPROTO_UDP) && p->l4_valid;
        gl_eve_hdr h = {
            .ts_usec = p->ts_usec,
            .event_type = "anomaly",
            .src = has_ip ? &p->src : NULL,
            .dst = has_ip ? &p->dst : NULL,
            .sport = ports ? p->sport : -1,
            .dport = ports ? p->dport : -1,
            .proto = p->proto,
            .vlan = p->vlan,
            .vlan_count = p->vlan_count,
            .icmp_type = -1,
            .icmp_code = -1,
        };
        gl_eve_begin(&w->line, &h, &meta, strbuf);
        gl_json_open_object(&w->line, "anomaly");
        gl_json_str(&w->line, "type", "decode");
        gl_json_str(&w->line, "event", gl_decode_event_name((gl_decode_event)p->events[i]));
        gl_json_close_object(&w->line);
        gl_json_close_object(&w->line);
        write_record(w, GL_EVT_ANOMALY, &meta);
        w->stats.decode_events++;
    }
}

static void tcp_flags_json(gl_json *j, const char *key, uint8_t flags)
{
    char hex[3];
    gl_hex(&flags, 1, hex);
    gl_json_str(j, key, hex);
}

static const char *flow_state_name(const gl_flow *f)
{
    if (f->proto == GL_IPPROTO_TCP) {
        if (f->tcp_state >= GL_TCP_FIN_WAIT1)
            return "closed";
        if (f->tcp_state == GL_TCP_ESTABLISHED)
            return "established";
        return "new";
    }
    return f->pkts[0] && f->pkts[1] ? "established" : "new";
}

static void emit_flow_record(gl_worker *w, gl_flow *f, gl_flow_end_reason reason)
{
    static const char *const reasons[] = { "timeout", "forced", "shutdown" };
    gl_event_meta meta;
    char strbuf[2 * GL_ADDR_STRLEN], start[48], end[48];
    const char *app = gl_app_proto_name(f);
    begin_flow_event(w, f, "flow", GL_LOG_FLOW, 0, f->start_us, app, &meta, strbuf);
    gl_json *j = &w->line;
    gl_format_ts(f->start_us, start, sizeof(start));
    gl_format_ts(f->last_us, end, sizeof(end));
    gl_json_open_object(j, "flow");
    gl_json_uint(j, "pkts_toserver", f->pkts[0]);
    gl_json_uint(j, "pkts_toclient", f->pkts[1]);
    gl_json_uint(j, "bytes_toserver", f->bytes[0]);
    gl_json_uint(j, "bytes_toclient", f->bytes[1]);
    gl_json_str(j, "start", start);
    gl_json_str(j, "end", end);
    gl_json_uint(j, "age", (f->last_us - f->start_us) / 1000000ULL);
    gl_json_str(j, "state", flow_state_name(f));
    gl_json_str(j, "reason", reasons[reason]);
    gl_json_bool(j, "alerted", (f->app_flags & GL_FA_ALERTED) != 0);
    gl_json_close_object(j);
    if ((f->proto == GL_IPPROTO_ICMP || f->proto == GL_IPPROTO_ICMPV6) && f->pkts[1]) {
        gl_json_int(j, "response_icmp_type", f->icmp_rtype);
        gl_json_int(j, "response_icmp_code", f->icmp_rcode);
    }
    if (f->proto == GL_IPPROTO_TCP) {
        uint8_t all = f->tcp_flags[0] | f->tcp_flags[1];
        gl_json_open_object(j, "tcp");
        tcp_flags_json(j, "tcp_flags", all);
        tcp_flags_json(j, "tcp_flags_ts", f->tcp_flags[0]);
        tcp_flags_json(j, "tcp_flags_tc", f->tcp_flags[1]);
        if (all & GL_TH_SYN) gl_json_bool(j, "syn", true);
        if (all & GL_TH_FIN) gl_json_bool(j, "fin", true);
        if (all & GL_TH_RST) gl_json_bool(j, "rst", true);
        if (all & GL_TH_PSH) gl_json_bool(j, "psh", true);
        if (all & GL_TH_ACK) gl_json_bool(j, "ack", true);
        if (all & GL_TH_URG) gl_json_bool(j, "urg", true);
        if (all & GL_TH_ECE) gl_json_bool(j, "ecn", true);
        if (all & GL_TH_CWR) gl_json_bool(j, "cwr", true);
        gl_json_str(j, "state", gl_tcp_state_name((gl_tcp_state)f->tcp_state));
        gl_json_close_object(j);
    }
    gl_json_close_object(j);
    write_record(w, GL_EVT_FLOW, &meta);
}

/* ---- application layer glue --------------------------------------------- */

static void set_app_info(gl_worker *w, const gl_flow *f, uint64_t ts)
{
    gl_app_flow_info *fi = &w->app.info;
    fi->client = f->cli;
    fi->server = f->srv;
    fi->client_port = f->cport;
    fi->server_port = f->sport;
    fi->ipproto = f->proto;
    fi->ts_usec = ts;
}

static bool stream_data(void *user, int dir, const uint8_t *data, uint32_t len)
{
    gl_worker *w = user;
    return gl_app_on_data(&w->app, w->cur, dir, data, len);
}

static void stream_gap(void *user, int dir, uint32_t len)
{
    gl_worker *w = user;
    gl_app_on_gap(&w->app, w->cur, dir, len);
}

static void release_stream(gl_worker *w, gl_flow *f)
{
    if (f->stream) {
        gl_stream_free(&w->stream, f->stream);
        free(f->stream);
        f->stream = NULL;
    }
    f->tcp_bits |= GL_TB_STREAM_DONE;
}

static void on_flow_end(void *user, gl_flow *f, gl_flow_end_reason reason)
{
    gl_worker *w = user;
    gl_flow *saved = w->cur;
    w->cur = f;
    set_app_info(w, f, f->last_us);
    if (f->stream)
        gl_stream_finish(&w->stream, f->stream, w);
    release_stream(w, f);
    gl_app_flow_end(&w->app, f);
    gl_detect_flow_end(w->det, f);
    emit_flow_record(w, f, reason);
    free(f->macs);
    f->macs = NULL;
    w->cur = saved == f ? NULL : saved;
}

/* ---- TCP ------------------------------------------------------------------ */

static void tcp_update_state(gl_flow *f, const gl_packet *p, int dir)
{
    uint8_t fl = p->tcp_flags;
    if (fl & GL_TH_RST) {
        f->tcp_state = GL_TCP_CLOSED;
        return;
    }
    if ((fl & (GL_TH_SYN | GL_TH_ACK)) == GL_TH_SYN) {
        if (f->tcp_state == GL_TCP_NONE)
            f->tcp_state = GL_TCP_SYN_SENT;
    } else if ((fl & (GL_TH_SYN | GL_TH_ACK)) == (GL_TH_SYN | GL_TH_ACK)) {
        if (f->tcp_state <= GL_TCP_SYN_SENT)
            f->tcp_state = GL_TCP_SYN_RECV;
    } else if (f->tcp_state == GL_TCP_SYN_RECV && (fl & GL_TH_ACK) && dir == 0) {
        f->tcp_state = GL_TCP_ESTABLISHED;
    } else if (f->tcp_state == GL_TCP_NONE || f->tcp_state == GL_TCP_SYN_SENT) {
        f->tcp_state = GL_TCP_ESTABLISHED; /* midstream pickup */
    }
    if (fl & GL_TH_SYN) {
        f->isn[dir] = p->tcp_seq;
        f->tcp_bits |= dir ? GL_TB_ISN1 : GL_TB_ISN0;
    }
    if (fl & GL_TH_FIN) {
        uint8_t bit = dir ? GL_TB_FIN1 : GL_TB_FIN0;
        if (!(f->tcp_bits & (GL_TB_FIN0 | GL_TB_FIN1)) && dir)
            f->tcp_bits |= GL_TB_FIRST_FIN1;
        if (!(f->tcp_bits & bit)) {
            f->tcp_bits |= bit;
            f->fin_seq[dir] = p->tcp_seq + p->payload_len + ((fl & GL_TH_SYN) ? 1 : 0);
        }
    }
    /* an ACK covering the other side's FIN acknowledges it */
    uint8_t ofin = dir ? GL_TB_FIN0 : GL_TB_FIN1;
    if ((fl & GL_TH_ACK) && (f->tcp_bits & ofin) && SEQ_GEQ(p->tcp_ack, f->fin_seq[!dir] + 1))
        f->tcp_bits |= dir ? GL_TB_FINACK0 : GL_TB_FINACK1;

    if (!(f->tcp_bits & (GL_TB_FIN0 | GL_TB_FIN1)))
        return;
    int first = (f->tcp_bits & GL_TB_FIRST_FIN1) ? 1 : 0;
    bool fin_first = f->tcp_bits & (first ? GL_TB_FIN1 : GL_TB_FIN0);
    bool fin_second = f->tcp_bits & (first ? GL_TB_FIN0 : GL_TB_FIN1);
    bool ack_first = f->tcp_bits & (first ? GL_TB_FINACK1 : GL_TB_FINACK0);
    bool ack_second = f->tcp_bits & (first ? GL_TB_FINACK0 : GL_TB_FINACK1);
    if (fin_first && !fin_second)
        f->tcp_state = ack_first ? GL_TCP_FIN_WAIT2 : GL_TCP_FIN_WAIT1;
    else if (ack_first && ack_second)
        f->tcp_state = GL_TCP_CLOSED;
    else if (ack_first)
        f->tcp_state = GL_TCP_TIME_WAIT;
    else
        f->tcp_state = GL_TCP_CLOSING;
}

static void tcp_packet(gl_worker *w, gl_flow *f, const gl_packet *p, int dir)
{
    f->tcp_flags[dir] |= p->tcp_flags;
    tcp_update_state(f, p, dir);
    if (f->tcp_bits & GL_TB_STREAM_DONE)
        return;
    if (f->app_flags & (GL_FA_PARSER_DONE | GL_FA_PARSER_ERROR | GL_FA_DETECT_FAILED)) {
        release_stream(w, f);
        return;
    }
    if (!f->stream) {
        if (p->payload_len == 0)
            return; /* no payload yet: an idle connection costs no stream memory */
        f->stream = calloc(1, sizeof(*f->stream));
        if (!f->stream) {
            release_stream(w, f);
            return;
        }
        for (int d = 0; d < 2; d++) {
            if (f->tcp_bits & (d ? GL_TB_ISN1 : GL_TB_ISN0)) {
                f->stream->d[d].next_seq = f->isn[d] + 1;
                f->stream->d[d].seq_known = 1;
            }
        }
    }
    gl_stream_segment(&w->stream, f->stream, dir, p->tcp_flags, p->tcp_seq, p->tcp_ack, p->payload,
                      p->payload_len, w);
    if (f->stream && f->stream->d[0].stopped && f->stream->d[1].stopped)
        release_stream(w, f);
}

/* ---- per packet -------------------------------------------------------- */

/* First payload of a flow whose handshake we did not see: if it reads as
 * travelling server→client (a DNS response, say), the first packet's
 * sender was the server after all. Returns the packet's direction. */
static int settle_direction(gl_worker *w, gl_flow *f, const gl_packet *p, int dir)
{
    f->app_flags |= GL_FA_DATA_SEEN;
    bool handshake_seen = f->tcp_bits & (GL_TB_ISN0 | GL_TB_ISN1);
    if (handshake_seen || (f->pkts[!dir] > 0 && f->proto != GL_IPPROTO_TCP))
        return dir;
    set_app_info(w, f, p->ts_usec);
    if (!gl_app_probe_reverse(&w->app.info, p->payload, p->payload_len, dir))
        return dir;
    gl_flow_reverse(f);
    return !dir;
}

static void maybe_expire(gl_worker *w, uint64_t ts)
{
    if (ts > w->now_us)
        w->now_us = ts;
    if (w->now_us >= w->next_expire_us) {
        gl_flow_expire(&w->flows, w->now_us);
        w->next_expire_us = w->now_us + 1000000ULL;
    }
}

void gl_worker_packet(gl_worker *w, int linktype, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, uint64_t ts_usec)
{
    gl_packet *p = &w->pkt;
    w->stats.packets++;
    w->stats.bytes += wirelen;
    bool ok = gl_decode(w->dec, p, linktype, data, caplen, wirelen, ts_usec);
    if (p->n_events)
        emit_decode_anomalies(w, p);
    maybe_expire(w, ts_usec);
    if (!ok) {
        if (p->is_fragment)
            w->stats.fragments++;
        else
            w->stats.no_ip++;
        return;
    }
    int dir;
    gl_flow *f = gl_flow_lookup(&w->flows, p, &dir);
    if (!f) {
        w->stats.flow_alloc_fail++;
        return;
    }
    w->cur = f;
    if (p->payload_len && !(f->app_flags & GL_FA_DATA_SEEN))
        dir = settle_direction(w, f, p, dir);
    if (w->out->cfg.ethernet && p->has_eth)
        track_macs(f, p, dir);
    f->pkts[dir]++;
    /* inside a tunnel the flow is the inner one: count its frames, not the carrier's */
    f->bytes[dir] += p->tunnel_depth ? p->inner_len : caplen;
    if (ts_usec > f->last_us)
        f->last_us = ts_usec;
    set_app_info(w, f, ts_usec);
    switch (p->proto) {
    case GL_IPPROTO_TCP:
        w->stats.tcp++;
        if (p->l4_valid)
            tcp_packet(w, f, p, dir);
        break;
    case GL_IPPROTO_UDP:
        w->stats.udp++;
        if (p->l4_valid && p->payload_len)
            gl_app_on_datagram(&w->app, f, dir, p->payload, p->payload_len);
        break;
    case GL_IPPROTO_ICMP:
    case GL_IPPROTO_ICMPV6:
        w->stats.icmp++;
        if (dir == 1) {
            f->icmp_rtype = p->icmp_type;
            f->icmp_rcode = p->icmp_code;
        }
        break;
    default:
        w->stats.other++;
        break;
    }
    if (f->detect)
        gl_detect_packet(w->det, f, dir, ts_usec, p->payload_len, p->tcp_flags);
    gl_flow_touch(&w->flows, f);
    w->cur = NULL;
}

void gl_worker_tick(gl_worker *w, uint64_t now_us)
{
    if (now_us > w->now_us) {
        w->now_us = now_us;
        gl_flow_expire(&w->flows, now_us);
    }
    gl_output_local_flush(w->out, &w->outl);
}

int gl_worker_init(gl_worker *w, int id, const gl_worker_config *cfg, gl_output *out)
{
    memset(w, 0, sizeof(*w));
    w->id = id;
    w->out = out;
    w->dec = gl_decoder_new(&cfg->defrag);
    if (!w->dec)
        return -1;
    if (gl_flow_table_init(&w->flows, &cfg->flow, on_flow_end, w) != 0) {
        gl_decoder_free(w->dec);
        return -1;
    }
    gl_stream_ctx_init(&w->stream, &cfg->stream, stream_data, stream_gap);
    gl_app_ctx_init(&w->app, emit_app_event, emit_app_anomaly, w);
    if (cfg->app_detect_memcap)
        w->app.detect_memcap = cfg->app_detect_memcap;
    char err[256];
    w->det = gl_detect_ctx_new(&cfg->detect, emit_alert, w, err, sizeof(err));
    if (!w->det) {
        fprintf(stderr, "guanlan: detection: %s\n", err);
        gl_flow_table_free(&w->flows);
        gl_decoder_free(w->dec);
        gl_app_ctx_free(&w->app);
        return -1;
    }
    gl_output_local_init(&w->outl);
    gl_json_init(&w->line);
    return 0;
}

void gl_worker_finish(gl_worker *w)
{
    gl_flow_flush(&w->flows);
    gl_output_local_flush(w->out, &w->outl);
}

void gl_worker_free(gl_worker *w)
{
    gl_flow_table_free(&w->flows);
    gl_detect_ctx_free(w->det);
    gl_output_local_free(w->out, &w->outl);
    gl_app_ctx_free(&w->app);
    gl_json_free(&w->line);
    gl_decoder_free(w->dec);
}
