/*
 * proto-dns.c — DNS over UDP (one message per datagram) and TCP (RFC 1035
 * 4.2.2: 2-byte length prefix, messages split or batched across chunks).
 * Every request and every response becomes one EVE "dns" event in Suricata
 * 8's v3 layout; malformed messages become applayer anomalies instead.
 */
#include "app-layer.h"
#include "dns-wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPPROTO_UDP_NUM 17
#define DNS_TCP_MSG_MAX (2 + 65535)  /* length prefix + largest possible message */
#define DNS_TCP_MAX_BAD_IN_ROW 4     /* consecutive malformed TCP messages before giving up */

typedef struct dns_dirbuf {
    uint8_t *buf;      /* partial TCP message (prefix included), at most DNS_TCP_MSG_MAX */
    uint32_t len, cap;
    bool resync;       /* after a gap: wait for a chunk that starts a plausible message */
} dns_dirbuf;

typedef struct dns_state {
    dns_dirbuf dir[2];
    uint64_t tx_id;    /* Suricata's internal tx counter: one per logged message */
    dns_rr *rrs;       /* scratch record table, grown to the largest message seen */
    uint32_t rr_cap;
    unsigned bad_in_row;
} dns_state;

static const uint16_t dns_ports[] = { 53, 5353, 0 };

/* ---- detection ---------------------------------------------------------- */

/* A response (QR set) seen travelling toserver means the flow's first
 * packet came from the server: say so, the flow stage then swaps sides. */
static gl_probe_result dns_direction(const uint8_t *hdr, gl_dir dir)
{
    bool response = hdr[2] & 0x80;
    return response && dir == GL_DIR_TOSERVER ? GL_PROBE_REVERSE : GL_PROBE_YES;
}

static gl_probe_result dns_probe(const uint8_t *data, uint32_t len, gl_dir dir)
{
    /* probe() does not know the transport: try a bare datagram, then a
     * length-prefixed TCP message */
    if (dns_msg_plausible(data, len, true) == 1)
        return dns_direction(data, dir);
    if (len < 2)
        return GL_PROBE_MORE;
    uint32_t mlen = gl_be16(data);
    if (mlen < DNS_HDR_LEN)
        return GL_PROBE_NO;
    bool whole = len - 2 >= mlen;
    int r = dns_msg_plausible(data + 2, whole ? mlen : len - 2, whole);
    if (r == 1)
        return dns_direction(data + 2, dir);
    return r == 2 ? GL_PROBE_MORE : GL_PROBE_NO;
}

/* ---- state -------------------------------------------------------------- */

static void *dns_state_new(void)
{
    return calloc(1, sizeof(dns_state));
}

static void dns_state_free(void *s)
{
    dns_state *st = s;
    if (!st)
        return;
    free(st->dir[0].buf);
    free(st->dir[1].buf);
    free(st->rrs);
    free(st);
}

/* ---- rendering ---------------------------------------------------------- */

static void json_name(gl_json *j, const char *key, const uint8_t *msg, uint32_t len, uint32_t off,
                      uint32_t limit)
{
    dns_name n;
    uint32_t next;
    bool too_long = false;
    /* the message was validated by dns_msg_walk(), so this cannot fail */
    if (dns_read_name(msg, len, off, limit, &next, &n, &too_long) != DNS_OK)
        n.len = 0;
    gl_json_strn(j, key, n.text, n.len);
    if (n.truncated && key) { /* inside grouped arrays there is no place for a flag */
        char tkey[32];
        snprintf(tkey, sizeof(tkey), "%s_truncated", key);
        gl_json_bool(j, tkey, true);
    }
}

static void json_rrtype(gl_json *j, const char *key, uint16_t type)
{
    const char *name = dns_rrtype_name(type);
    char num[8];
    if (!name) {
        snprintf(num, sizeof(num), "%u", (unsigned)type);
        name = num;
    }
    gl_json_str(j, key, name);
}

/* Address text as Suricata prints it: dotted quad, or eight zero-padded
 * groups for 16 bytes; "" for any other length. */
static void json_addr(gl_json *j, const char *key, const uint8_t *p, uint32_t n)
{
    char buf[48] = "";
    if (n == 4) {
        snprintf(buf, sizeof(buf), "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    } else if (n == 16) {
        int o = 0;
        for (int i = 0; i < 16; i += 2)
            o += snprintf(buf + o, sizeof(buf) - (size_t)o, "%s%02x%02x", i ? ":" : "", p[i],
                          p[i + 1]);
    }
    gl_json_str(j, key, buf);
}

static void json_soa(gl_json *j, const char *key, const uint8_t *msg, uint32_t len, const dns_rr *rr)
{
    uint32_t end = rr->rdata_off + rr->rdlen, p = rr->rdata_off;
    uint32_t next;
    gl_json_open_object(j, key);
    json_name(j, "mname", msg, len, p, end);
    bool too_long;
    dns_read_name(msg, len, p, end, &next, NULL, &too_long);
    p = next;
    json_name(j, "rname", msg, len, p, end);
    dns_read_name(msg, len, p, end, &next, NULL, &too_long);
    p = next;
    gl_json_uint(j, "serial", gl_be32(msg + p));
    gl_json_uint(j, "refresh", gl_be32(msg + p + 4));
    gl_json_uint(j, "retry", gl_be32(msg + p + 8));
    gl_json_uint(j, "expire", gl_be32(msg + p + 12));
    gl_json_uint(j, "minimum", gl_be32(msg + p + 16));
    gl_json_close_object(j);
}

static void json_srv(gl_json *j, const char *key, const uint8_t *msg, uint32_t len, const dns_rr *rr)
{
    const uint8_t *p = msg + rr->rdata_off;
    gl_json_open_object(j, key);
    gl_json_uint(j, "priority", gl_be16(p));
    gl_json_uint(j, "weight", gl_be16(p + 2));
    gl_json_uint(j, "port", gl_be16(p + 4));
    json_name(j, "name", msg, len, rr->rdata_off + 6, rr->rdata_off + rr->rdlen);
    gl_json_close_object(j);
}

static void json_sshfp(gl_json *j, const char *key, const uint8_t *msg, const dns_rr *rr)
{
    const uint8_t *p = msg + rr->rdata_off;
    uint32_t n = rr->rdlen - 2;
    char *fp = malloc((size_t)n * 3 + 1);
    gl_json_open_object(j, key);
    if (fp) {
        size_t o = 0;
        for (uint32_t i = 0; i < n; i++)
            o += (size_t)snprintf(fp + o, 4, "%s%02x", i ? ":" : "", p[2 + i]);
        fp[o] = '\0';
        gl_json_str(j, "fingerprint", fp);
        free(fp);
    }
    gl_json_uint(j, "algo", p[0]);
    gl_json_uint(j, "type", p[1]);
    gl_json_close_object(j);
}

static void json_opt(gl_json *j, const uint8_t *msg, const dns_rr *rr)
{
    uint32_t p = rr->rdata_off, end = rr->rdata_off + rr->rdlen;
    gl_json_open_array(j, "opt");
    while (p + 4 <= end) {
        uint16_t olen = gl_be16(msg + p + 2);
        char *hex = malloc((size_t)olen * 2 + 1);
        gl_json_open_object(j, NULL);
        gl_json_uint(j, "code", gl_be16(msg + p));
        if (hex) {
            gl_hex(msg + p + 4, olen, hex);
            gl_json_str(j, "data", hex);
            free(hex);
        }
        gl_json_close_object(j);
        p += 4u + olen;
    }
    gl_json_close_array(j);
}

/* Write the value that goes into "rdata" (detailed) or a grouped array for
 * types whose rdata is a single string. txt_off: the TXT string to use. */
static bool json_rdata_string(gl_json *j, const char *key, const uint8_t *msg, uint32_t len,
                              const dns_rr *rr, uint32_t txt_off)
{
    uint32_t end = rr->rdata_off + rr->rdlen;
    switch (rr->type) {
    case DNS_T_A:
    case DNS_T_AAAA:
        json_addr(j, key, msg + rr->rdata_off, rr->rdlen);
        return true;
    case DNS_T_CNAME:
    case DNS_T_NS:
    case DNS_T_PTR:
        json_name(j, key, msg, len, rr->rdata_off, end);
        return true;
    case DNS_T_MX: /* Suricata logs the exchange only, not the preference */
        json_name(j, key, msg, len, rr->rdata_off + 2, end);
        return true;
    case DNS_T_TXT:
        if (txt_off >= end)
            return false;
        gl_json_strn(j, key, msg + txt_off + 1, msg[txt_off]);
        return true;
    case DNS_T_NULL:
        gl_json_strn(j, key, msg + rr->rdata_off, rr->rdlen);
        return true;
    default:
        return false;
    }
}

static void json_rr_detail(gl_json *j, const uint8_t *msg, uint32_t len, const dns_rr *rr,
                           uint32_t txt_off)
{
    gl_json_open_object(j, NULL);
    json_name(j, "rrname", msg, len, rr->name_off, len);
    json_rrtype(j, "rrtype", rr->type);
    gl_json_uint(j, "ttl", rr->ttl);
    if (!json_rdata_string(j, "rdata", msg, len, rr, txt_off)) {
        switch (rr->type) {
        case DNS_T_SOA: json_soa(j, "soa", msg, len, rr); break;
        case DNS_T_SRV: json_srv(j, "srv", msg, len, rr); break;
        case DNS_T_SSHFP: json_sshfp(j, "sshfp", msg, rr); break;
        case DNS_T_OPT: json_opt(j, msg, rr); break;
        default: break; /* other types: name, type and ttl only */
        }
    }
    gl_json_close_object(j);
}

/* TXT records expand to one entry per character-string, like Suricata. */
static void json_rr_entries(gl_json *j, const uint8_t *msg, uint32_t len, const dns_rr *rr)
{
    if (rr->type != DNS_T_TXT || rr->rdlen == 0) {
        json_rr_detail(j, msg, len, rr, rr->rdata_off);
        return;
    }
    uint32_t end = rr->rdata_off + rr->rdlen;
    for (uint32_t p = rr->rdata_off; p < end; p += 1u + msg[p])
        json_rr_detail(j, msg, len, rr, p);
}

static void json_section(gl_json *j, const char *key, const uint8_t *msg, uint32_t len,
                         const dns_rr *rrs, uint32_t n, uint8_t section)
{
    bool open = false;
    for (uint32_t i = 0; i < n; i++) {
        const dns_rr *rr = &rrs[i];
        if (rr->section != section)
            continue;
        /* Suricata leaves out EDNS OPT records without options */
        if (section == DNS_SEC_ADDITIONAL && rr->type == DNS_T_OPT && rr->rdlen == 0)
            continue;
        if (!open) {
            gl_json_open_array(j, key);
            open = true;
        }
        json_rr_entries(j, msg, len, rr);
    }
    if (open)
        gl_json_close_array(j);
}

/* "grouped": answers aggregated by type (Suricata's default "grouped" format). */
static void json_grouped(gl_json *j, const uint8_t *msg, uint32_t len, const dns_rr *rrs,
                         uint32_t n)
{
    static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_CNAME, DNS_T_MX, DNS_T_NS,
                                      DNS_T_PTR, DNS_T_TXT, DNS_T_NULL, DNS_T_SOA, DNS_T_SSHFP,
                                      DNS_T_SRV };
    gl_json_open_object(j, "grouped");
    for (size_t t = 0; t < GL_ARRAY_LEN(types); t++) {
        bool open = false;
        for (uint32_t i = 0; i < n; i++) {
            const dns_rr *rr = &rrs[i];
            if (rr->section != DNS_SEC_ANSWER || rr->type != types[t])
                continue;
            if (!open) {
                gl_json_open_array(j, dns_rrtype_name(types[t]));
                open = true;
            }
            uint32_t end = rr->rdata_off + rr->rdlen;
            if (rr->type == DNS_T_TXT) {
                for (uint32_t p = rr->rdata_off; p < end; p += 1u + msg[p])
                    json_rdata_string(j, NULL, msg, len, rr, p);
            } else if (rr->type == DNS_T_SOA) {
                json_soa(j, NULL, msg, len, rr);
            } else if (rr->type == DNS_T_SRV) {
                json_srv(j, NULL, msg, len, rr);
            } else if (rr->type == DNS_T_SSHFP) {
                json_sshfp(j, NULL, msg, rr);
            } else {
                json_rdata_string(j, NULL, msg, len, rr, rr->rdata_off);
            }
        }
        if (open)
            gl_json_close_array(j);
    }
    gl_json_close_object(j);
}

static void dns_log_message(gl_app_ctx *ctx, dns_state *st, gl_dir dir, const uint8_t *msg,
                            uint32_t len, const dns_hdr *h, uint32_t n)
{
    gl_json *j = gl_app_event_begin(ctx, "dns", GL_LOG_PACKET, dir);
    char flags[8];
    gl_json_open_object(j, "dns");
    gl_json_int(j, "version", 3);
    gl_json_str(j, "type", (h->flags & DNS_FLAG_QR) ? "response" : "request");
    gl_json_uint(j, "tx_id", st->tx_id++);
    gl_json_uint(j, "id", h->id);
    snprintf(flags, sizeof(flags), "%x", (unsigned)h->flags);
    gl_json_str(j, "flags", flags);
    static const struct { uint16_t bit; const char *key; } bools[] = {
        { DNS_FLAG_QR, "qr" }, { DNS_FLAG_AA, "aa" }, { DNS_FLAG_TC, "tc" },
        { DNS_FLAG_RD, "rd" }, { DNS_FLAG_RA, "ra" }, { DNS_FLAG_Z, "z" },
    };
    for (size_t i = 0; i < GL_ARRAY_LEN(bools); i++)
        if (h->flags & bools[i].bit)
            gl_json_bool(j, bools[i].key, true);
    gl_json_uint(j, "opcode", DNS_OPCODE(h->flags));
    const char *rcode = dns_rcode_name(DNS_RCODE(h->flags));
    char num[8];
    if (!rcode) {
        snprintf(num, sizeof(num), "%u", (unsigned)DNS_RCODE(h->flags));
        rcode = num;
    }
    gl_json_str(j, "rcode", rcode);

    if (h->qdcount) {
        gl_json_open_array(j, "queries");
        for (uint32_t i = 0; i < n; i++) {
            if (st->rrs[i].section != DNS_SEC_QUESTION)
                continue;
            gl_json_open_object(j, NULL);
            json_name(j, "rrname", msg, len, st->rrs[i].name_off, len);
            json_rrtype(j, "rrtype", st->rrs[i].type);
            gl_json_close_object(j);
        }
        gl_json_close_array(j);
    }
    if (h->ancount) {
        json_section(j, "answers", msg, len, st->rrs, n, DNS_SEC_ANSWER);
        json_grouped(j, msg, len, st->rrs, n);
    }
    json_section(j, "authorities", msg, len, st->rrs, n, DNS_SEC_AUTHORITY);
    json_section(j, "additionals", msg, len, st->rrs, n, DNS_SEC_ADDITIONAL);
    gl_json_close_object(j);
    gl_app_event_commit(ctx);
}

/* ---- message handling --------------------------------------------------- */

/* Validate one complete message and log it. Returns false if malformed. */
static bool dns_handle_message(gl_app_ctx *ctx, dns_state *st, gl_dir dir, const uint8_t *msg,
                               uint32_t len)
{
    dns_hdr h;
    uint32_t n = 0;
    bool long_names = false;
    dns_err e = dns_msg_walk(msg, len, &h, st->rrs, st->rr_cap, &n, &long_names);
    if (e == DNS_OK && n > st->rr_cap) {
        /* n is bounded by len / 5 (checked in dns_msg_walk) */
        dns_rr *nr = realloc(st->rrs, (size_t)n * sizeof(*nr));
        if (!nr)
            return true; /* out of memory: skip logging, not the peer's fault */
        st->rrs = nr;
        st->rr_cap = n;
        e = dns_msg_walk(msg, len, &h, st->rrs, st->rr_cap, &n, &long_names);
    }
    if (e != DNS_OK) {
        gl_app_anomaly(ctx, dns_err_anomaly(e));
        return false;
    }
    bool response = (h.flags & DNS_FLAG_QR) != 0;
    if (dir == GL_DIR_TOSERVER && response)
        gl_app_anomaly(ctx, "NOT_A_REQUEST");
    else if (dir == GL_DIR_TOCLIENT && !response)
        gl_app_anomaly(ctx, "NOT_A_RESPONSE");
    if (h.flags & DNS_FLAG_Z)
        gl_app_anomaly(ctx, "Z_FLAG_SET");
    if (long_names)
        gl_app_anomaly(ctx, "NAME_TOO_LONG"); /* logged anyway, names truncated + flagged */
    dns_log_message(ctx, st, dir, msg, len, &h, n);
    return true;
}

/* Returns GL_APP_ERROR once a TCP stream keeps producing garbage. */
static int dns_tcp_message(gl_app_ctx *ctx, dns_state *st, gl_dir dir, const uint8_t *msg,
                           uint32_t len)
{
    if (dns_handle_message(ctx, st, dir, msg, len)) {
        st->bad_in_row = 0;
        return GL_APP_OK;
    }
    return ++st->bad_in_row >= DNS_TCP_MAX_BAD_IN_ROW ? GL_APP_ERROR : GL_APP_OK;
}

static bool dirbuf_append(dns_dirbuf *b, const uint8_t *data, uint32_t n)
{
    uint32_t want = b->len + n;
    if (want > DNS_TCP_MSG_MAX)
        return false;
    if (want > b->cap) {
        uint32_t ncap = b->cap ? b->cap : 512;
        while (ncap < want)
            ncap *= 2;
        ncap = GL_MIN(ncap, (uint32_t)DNS_TCP_MSG_MAX);
        uint8_t *nb = realloc(b->buf, ncap);
        if (!nb)
            return false;
        b->buf = nb;
        b->cap = ncap;
    }
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    return true;
}

static int dns_parse_tcp(gl_app_ctx *ctx, dns_state *st, gl_dir dir, const uint8_t *data,
                         uint32_t len)
{
    dns_dirbuf *b = &st->dir[dir];
    int rc = GL_APP_OK;
    if (b->resync) {
        /* after a gap we only restart on a chunk that begins a message */
        if (len < 2)
            return GL_APP_OK;
        uint32_t mlen = gl_be16(data);
        bool whole = len - 2 >= mlen;
        if (mlen < DNS_HDR_LEN || dns_msg_plausible(data + 2, whole ? mlen : len - 2, whole) == 0)
            return GL_APP_OK;
        b->resync = false;
    }
    while (len > 0 && rc == GL_APP_OK) {
        if (b->len == 0 && len >= 2 && len - 2 >= gl_be16(data)) {
            /* fast path: a whole message in the chunk, parse in place */
            uint32_t mlen = gl_be16(data);
            rc = dns_tcp_message(ctx, st, dir, data + 2, mlen);
            data += 2 + mlen;
            len -= 2 + mlen;
            continue;
        }
        /* assemble: first the prefix, then the rest of the message */
        uint32_t need = b->len < 2 ? 2 - b->len : 2u + gl_be16(b->buf) - b->len;
        uint32_t take = GL_MIN(need, len);
        if (!dirbuf_append(b, data, take)) {
            b->len = 0;
            b->resync = true; /* cannot buffer: behave as after a gap */
            return GL_APP_OK;
        }
        data += take;
        len -= take;
        if (b->len >= 2 && b->len == 2u + gl_be16(b->buf)) {
            rc = dns_tcp_message(ctx, st, dir, b->buf + 2, b->len - 2);
            b->len = 0;
        }
    }
    return rc;
}

static int dns_parse(gl_app_ctx *ctx, void *state, gl_dir dir, const uint8_t *data, uint32_t len)
{
    dns_state *st = state;
    if (gl_app_flow(ctx)->ipproto == IPPROTO_UDP_NUM) {
        dns_handle_message(ctx, st, dir, data, len);
        return GL_APP_OK;
    }
    return dns_parse_tcp(ctx, st, dir, data, len);
}

static void dns_gap(gl_app_ctx *ctx, void *state, gl_dir dir, uint32_t len)
{
    (void)ctx;
    (void)len;
    dns_state *st = state;
    /* the partial message is lost; the next message boundary is unknown
     * until a chunk starts with something that looks like one */
    st->dir[dir].len = 0;
    st->dir[dir].resync = true;
}

static void dns_flow_end(gl_app_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    /* every message is logged as soon as it is complete: nothing pending
     * (a partial TCP message at the end is not a message) */
}

const gl_app_parser gl_parser_dns = {
    .name = "dns",
    .ipprotos = GL_APP_TCP | GL_APP_UDP,
    .ports = dns_ports,
    .probe = dns_probe,
    .state_new = dns_state_new,
    .state_free = dns_state_free,
    .parse = dns_parse,
    .gap = dns_gap,
    .flow_end = dns_flow_end,
};
