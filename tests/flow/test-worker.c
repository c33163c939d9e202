/*
 * test-worker.c — the whole per-packet pipeline on hand-built frames:
 * decode → flow → TCP state/reassembly → HTTP/DNS parsers → EVE lines,
 * read back from eve.json with jansson.
 *
 * Traffic (Ethernet II / IPv4, checksums left zero: the sensor does not
 * verify them). Every frame length is 14 (Ethernet) + 20 (IPv4, no
 * options) + L4 header + payload:
 *
 *  A. TCP 128.232.110.120:34855 → 66.35.250.204:80, complete HTTP session
 *     (the tuple of the Community ID spec's example, so its published id
 *     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" — seed 1: "1:3V71V58M3Ksw/yuFALMcW0LAHvc="
 *     — is an independent oracle for the community_id field):
 *       #  dir  flags     seq        ack        payload  frame bytes
 *       1  c→s  SYN       1000       0          -        54
 *       2  s→c  SYN|ACK   5000       1001       -        54
 *       3  c→s  ACK       1001       5001       -        54
 *       4  c→s  PSH|ACK   1001       5001       REQ(69)  54+69 = 123
 *       5  s→c  ACK       5001       1070       -        54
 *       6  s→c  PSH|ACK   5001       1070       RSP(68)  54+68 = 122
 *       7  c→s  ACK       1070       5069       -        54
 *       8  c→s  FIN|ACK   1070       5069       -        54
 *       9  s→c  FIN|ACK   5069       1071       -        54
 *      10  c→s  ACK       1071       5070       -        54
 *     toserver: packets 1,3,4,7,8,10 = 6, bytes 5*54 + 123 = 393
 *     toclient: packets 2,5,6,9 = 4,     bytes 3*54 + 122 = 284
 *     flags each way SYN|PSH|ACK|FIN = 0x02|0x08|0x10|0x01 = 0x1b.
 *     FIN(8) then FIN(9) acking it (ack 1071 = FIN seq 1070 + 1) then ACK(10)
 *     acking the server's FIN (5070 = 5069 + 1): both FINs acknowledged, the
 *     connection is closed (RFC 793 state diagram: FIN-WAIT-1 → TIME-WAIT /
 *     LAST-ACK → CLOSED).
 *  B. UDP DNS 192.168.1.10:53000 → 192.168.1.1:53: query A example.com
 *     (id 0x1234, RD) = 12 + 13 (name) + 4 = 29 bytes → frame 14+20+8+29 = 71;
 *     response (flags 0x8180, one A answer 93.184.216.34 TTL 300, name as
 *     pointer 0xc00c) = 29 + 16 = 45 bytes → frame 87.
 *  C. UDP DNS, only the response 8.8.8.8:53 → 192.168.1.52:54585 is seen
 *     (45 bytes, frame 87): the flow must be turned around so that src_ip is
 *     the client 192.168.1.52 (spec vector: "1:d/FP5EW3wiY1vCndhwleRRKHowQ=").
 *  D. ICMP echo 192.168.0.89 → 192.168.0.1 (type 8) and reply (type 0), 8 + 4
 *     bytes each → frames 14+20+12 = 46 (spec vector "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=").
 *  E. A truncated IPv4 frame: header says total length 60, only 28 bytes of
 *     IP (20 + 8 UDP) present → decoder.ipv4.trunc_pkt anomaly.
 *
 * Regression (found by this test): flow.memcap used to count only the flow
 * entry while undecided flows each held a 4 KiB detection buffer (5000
 * one-byte "G" flows: ~22 MB against a 1 MiB cap). Now flow.memcap charges
 * entry + stream + detector slots, and detection buffers (512 B/direction)
 * have their own cap, app.detect-memcap, with a drop counter.
 */
#include "../check.h"
#include "flow/flow-worker.h"

#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#define T0 1700000000ULL /* 2023-11-14T22:13:20Z */
#define MS 1000ULL

static const char REQ[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\n\r\n";
static const char RSP[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";

/* ---- frame building ---------------------------------------------------- */

typedef struct frame {
    uint8_t b[2048];
    uint32_t n;
} frame;

static void put8(frame *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static void put16(frame *f, unsigned v) { put8(f, v >> 8); put8(f, v & 0xff); }
static void put32(frame *f, uint32_t v) { put16(f, v >> 16); put16(f, v & 0xffff); }
static void putbytes(frame *f, const void *p, uint32_t n)
{
    if (n)
        memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put_ip4(frame *f, const char *s)
{
    unsigned a, b, c, d;
    T_CHECK(sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) == 4);
    put8(f, a); put8(f, b); put8(f, c); put8(f, d);
}

/* Ethernet II + IPv4 header; l4len = bytes that follow the IP header. */
static void eth_ip4(frame *f, const char *src, const char *dst, uint8_t proto, uint32_t l4len)
{
    static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
    f->n = 0;
    putbytes(f, mac_b, 6);
    putbytes(f, mac_a, 6);
    put16(f, 0x0800);
    put8(f, 0x45);          /* version 4, IHL 5 */
    put8(f, 0);
    put16(f, 20 + l4len);   /* total length */
    put16(f, 1);            /* id */
    put16(f, 0x4000);       /* DF */
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);            /* checksum not verified */
    put_ip4(f, src);
    put_ip4(f, dst);
}

static void tcp_frame(frame *f, const char *src, uint16_t sp, const char *dst, uint16_t dp, uint32_t seq,
                      uint32_t ack, uint8_t flags, const char *payload)
{
    uint32_t plen = payload ? (uint32_t)strlen(payload) : 0;
    eth_ip4(f, src, dst, 6, 20 + plen);
    put16(f, sp);
    put16(f, dp);
    put32(f, seq);
    put32(f, ack);
    put8(f, 5 << 4);        /* data offset 5 words */
    put8(f, flags);
    put16(f, 65535);        /* window */
    put16(f, 0);            /* checksum */
    put16(f, 0);            /* urgent */
    if (plen)
        putbytes(f, payload, plen);
}

static void udp_frame(frame *f, const char *src, uint16_t sp, const char *dst, uint16_t dp, const uint8_t *pl,
                      uint32_t plen)
{
    eth_ip4(f, src, dst, 17, 8 + plen);
    put16(f, sp);
    put16(f, dp);
    put16(f, 8 + plen);
    put16(f, 0);
    putbytes(f, pl, plen);
}

static void icmp_frame(frame *f, const char *src, const char *dst, uint8_t type)
{
    eth_ip4(f, src, dst, 1, 12);
    put8(f, type);
    put8(f, 0);             /* code */
    put16(f, 0);            /* checksum */
    put16(f, 0x0042);       /* identifier */
    put16(f, 1);            /* sequence */
    putbytes(f, "ping", 4);
}

/* DNS query for example.com A (RFC 1035 §4.1): 29 bytes. */
static uint32_t dns_query(uint8_t *m)
{
    static const uint8_t q[] = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,         /* id, RD, qd=1 */
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, /* 13-byte name */
        0, 1, 0, 1,                                            /* A, IN */
    };
    memcpy(m, q, sizeof(q));
    return sizeof(q);
}

/* The matching response: QR|RD|RA (0x8180), an=1; answer = pointer to the
 * question name, A, IN, TTL 300, rdlength 4, 93.184.216.34: 45 bytes. */
static uint32_t dns_response(uint8_t *m)
{
    uint32_t n = dns_query(m);
    m[2] = 0x81;
    m[3] = 0x80;
    m[7] = 1; /* ancount */
    static const uint8_t an[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 93, 184, 216, 34 };
    memcpy(m + n, an, sizeof(an));
    return n + sizeof(an);
}

/* ---- running the pipeline ---------------------------------------------- */

typedef struct run {
    char dir[64];
    json_t *lines[256];
    unsigned n, bad;
} run;

static void feed(gl_worker *w, const frame *f, uint64_t ts)
{
    gl_worker_packet(w, GL_DLT_EN10MB, f->b, f->n, f->n, ts);
}

static void traffic(gl_worker *w)
{
    frame f;
    const char *C = "128.232.110.120", *S = "66.35.250.204";
    uint64_t t = T0 * 1000000ULL;
    const uint32_t R = (uint32_t)strlen(REQ), P = (uint32_t)strlen(RSP);
    tcp_frame(&f, C, 34855, S, 80, 1000, 0, GL_TH_SYN, NULL);                                 feed(w, &f, t + 0 * 10 * MS);
    tcp_frame(&f, S, 80, C, 34855, 5000, 1001, GL_TH_SYN | GL_TH_ACK, NULL);                  feed(w, &f, t + 1 * 10 * MS);
    tcp_frame(&f, C, 34855, S, 80, 1001, 5001, GL_TH_ACK, NULL);                              feed(w, &f, t + 2 * 10 * MS);
    tcp_frame(&f, C, 34855, S, 80, 1001, 5001, GL_TH_PSH | GL_TH_ACK, REQ);                   feed(w, &f, t + 3 * 10 * MS);
    tcp_frame(&f, S, 80, C, 34855, 5001, 1001 + R, GL_TH_ACK, NULL);                          feed(w, &f, t + 4 * 10 * MS);
    tcp_frame(&f, S, 80, C, 34855, 5001, 1001 + R, GL_TH_PSH | GL_TH_ACK, RSP);               feed(w, &f, t + 5 * 10 * MS);
    tcp_frame(&f, C, 34855, S, 80, 1001 + R, 5001 + P, GL_TH_ACK, NULL);                      feed(w, &f, t + 6 * 10 * MS);
    tcp_frame(&f, C, 34855, S, 80, 1001 + R, 5001 + P, GL_TH_FIN | GL_TH_ACK, NULL);          feed(w, &f, t + 7 * 10 * MS);
    tcp_frame(&f, S, 80, C, 34855, 5001 + P, 1002 + R, GL_TH_FIN | GL_TH_ACK, NULL);          feed(w, &f, t + 8 * 10 * MS);
    tcp_frame(&f, C, 34855, S, 80, 1002 + R, 5002 + P, GL_TH_ACK, NULL);                      feed(w, &f, t + 9 * 10 * MS);

    uint8_t m[128];
    uint32_t n = dns_query(m);
    udp_frame(&f, "192.168.1.10", 53000, "192.168.1.1", 53, m, n);
    T_EQ_U(f.n, 71);
    feed(w, &f, t + 1000 * MS);
    n = dns_response(m);
    udp_frame(&f, "192.168.1.1", 53, "192.168.1.10", 53000, m, n);
    T_EQ_U(f.n, 87);
    feed(w, &f, t + 1020 * MS);

    udp_frame(&f, "8.8.8.8", 53, "192.168.1.52", 54585, m, n);
    feed(w, &f, t + 2000 * MS);

    icmp_frame(&f, "192.168.0.89", "192.168.0.1", 8);
    T_EQ_U(f.n, 46);
    feed(w, &f, t + 3000 * MS);
    icmp_frame(&f, "192.168.0.1", "192.168.0.89", 0);
    feed(w, &f, t + 3001 * MS);

    /* E: total length 60 claimed, 20 + 8 present */
    udp_frame(&f, "10.0.0.1", 1234, "10.0.0.2", 5678, NULL, 0);
    f.b[16] = 0;
    f.b[17] = 60;
    feed(w, &f, t + 4000 * MS);
}

static void do_run(run *r, bool community_id, unsigned seed, unsigned types)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->dir, "/tmp/gl-test-worker-XXXXXX");
    T_CHECK(mkdtemp(r->dir) != NULL);
    gl_output_config oc;
    gl_output_config_default(&oc);
    free(oc.dir);
    oc.dir = strdup(r->dir);
    oc.sqlite_enabled = false;
    oc.community_id = community_id;
    oc.community_id_seed = seed;
    oc.eve_types = types;
    char err[256];
    gl_output *out = gl_output_open(&oc, err, sizeof(err));
    T_CHECK(out != NULL);
    if (!out) {
        fprintf(stderr, "gl_output_open: %s\n", err);
        gl_output_config_free(&oc);
        return;
    }
    gl_worker_config wc;
    memset(&wc, 0, sizeof(wc));
    gl_defrag_config_default(&wc.defrag);
    gl_flow_config_default(&wc.flow);
    gl_stream_config_default(&wc.stream);
    wc.flow.memcap = 1 << 20;
    wc.flow.hash_size = 1024;
    wc.app_detect_memcap = 512u << 10;
    gl_worker w;
    T_EQ_U(gl_worker_init(&w, 0, &wc, out), 0);
    traffic(&w);
    T_EQ_U(w.stats.packets, 10 + 2 + 1 + 2 + 1);
    gl_worker_finish(&w);
    gl_worker_free(&w);
    T_EQ_U(gl_output_close(out), 0);

    char path[128];
    snprintf(path, sizeof(path), "%s/eve.json", r->dir);
    FILE *f = fopen(path, "r");
    T_CHECK(f != NULL);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (f && (len = getline(&line, &cap, f)) > 0) {
        json_error_t e;
        json_t *j = json_loadb(line, (size_t)len, 0, &e);
        if (!j) {
            r->bad++;
            fprintf(stderr, "invalid EVE line: %s (%s)\n", line, e.text);
            continue;
        }
        if (r->n < GL_ARRAY_LEN(r->lines))
            r->lines[r->n++] = j;
        else
            json_decref(j);
    }
    free(line);
    if (f)
        fclose(f);
    unlink(path);
    rmdir(r->dir);
    gl_output_config_free(&oc);
}

static void free_run(run *r)
{
    for (unsigned i = 0; i < r->n; i++)
        json_decref(r->lines[i]);
}

static const char *sget(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "(missing)";
}
static long long iget(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

static unsigned count_type(const run *r, const char *type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->n; i++)
        n += strcmp(sget(r->lines[i], "event_type"), type) == 0;
    return n;
}

/* The k-th event of type whose src_ip is src (k from 0), or NULL. */
static json_t *find(const run *r, const char *type, const char *src, unsigned k)
{
    for (unsigned i = 0; i < r->n; i++) {
        json_t *j = r->lines[i];
        if (strcmp(sget(j, "event_type"), type) == 0 && (!src || strcmp(sget(j, "src_ip"), src) == 0)) {
            if (k-- == 0)
                return j;
        }
    }
    return NULL;
}

/* ---- checks -------------------------------------------------------------- */

static void check_http_flow(const run *r)
{
    json_t *ev = find(r, "flow", "128.232.110.120", 0);
    T_CHECK(ev != NULL);
    if (!ev)
        return;
    T_CHECK(find(r, "flow", "128.232.110.120", 1) == NULL);  /* exactly one */
    T_EQ_S(sget(ev, "dest_ip"), "66.35.250.204");
    T_EQ_U(iget(ev, "src_port"), 34855);
    T_EQ_U(iget(ev, "dest_port"), 80);
    T_EQ_S(sget(ev, "proto"), "TCP");
    T_EQ_S(sget(ev, "app_proto"), "http");
    T_EQ_S(sget(ev, "timestamp"), "2023-11-14T22:13:20.000000+0000");
    T_CHECK(iget(ev, "flow_id") > 0);
    json_t *fl = json_object_get(ev, "flow");
    T_EQ_U(iget(fl, "pkts_toserver"), 6);
    T_EQ_U(iget(fl, "pkts_toclient"), 4);
    T_EQ_U(iget(fl, "bytes_toserver"), 393);
    T_EQ_U(iget(fl, "bytes_toclient"), 284);
    T_EQ_S(sget(fl, "start"), "2023-11-14T22:13:20.000000+0000");
    T_EQ_S(sget(fl, "end"), "2023-11-14T22:13:20.090000+0000");
    T_EQ_U(iget(fl, "age"), 0);
    T_EQ_S(sget(fl, "state"), "closed");
    T_EQ_S(sget(fl, "reason"), "shutdown");
    T_CHECK(json_is_false(json_object_get(fl, "alerted")));
    json_t *tcp = json_object_get(ev, "tcp");
    T_EQ_S(sget(tcp, "tcp_flags"), "1b");
    T_EQ_S(sget(tcp, "tcp_flags_ts"), "1b");
    T_EQ_S(sget(tcp, "tcp_flags_tc"), "1b");
    T_CHECK(json_is_true(json_object_get(tcp, "syn")));
    T_CHECK(json_is_true(json_object_get(tcp, "fin")));
    T_CHECK(json_is_true(json_object_get(tcp, "psh")));
    T_CHECK(json_is_true(json_object_get(tcp, "ack")));
    T_CHECK(json_object_get(tcp, "rst") == NULL);
    T_EQ_S(sget(tcp, "state"), "closed");
}

static void check_http_event(const run *r)
{
    T_EQ_U(count_type(r, "http"), 1);
    json_t *ev = find(r, "http", NULL, 0);
    T_CHECK(ev != NULL);
    if (!ev)
        return;
    /* logged in flow direction: src is the client */
    T_EQ_S(sget(ev, "src_ip"), "128.232.110.120");
    T_EQ_U(iget(ev, "src_port"), 34855);
    T_EQ_S(sget(ev, "dest_ip"), "66.35.250.204");
    T_EQ_U(iget(ev, "dest_port"), 80);
    /* like Suricata's, protocol events carry no "app_proto" of their own */
    json_t *h = json_object_get(ev, "http");
    T_EQ_S(sget(h, "hostname"), "example.com");
    T_EQ_S(sget(h, "url"), "/index.html");
    T_EQ_S(sget(h, "http_user_agent"), "test/1.0");
    T_EQ_S(sget(h, "http_method"), "GET");
    T_EQ_S(sget(h, "protocol"), "HTTP/1.1");
    T_EQ_S(sget(h, "http_content_type"), "text/html");
    T_EQ_U(iget(h, "status"), 200);
    T_EQ_U(iget(h, "length"), 5);
    /* the flow record and the event share the flow id */
    json_t *fl = find(r, "flow", "128.232.110.120", 0);
    T_CHECK(fl && iget(fl, "flow_id") == iget(ev, "flow_id"));
}

static void check_dns(const run *r)
{
    json_t *ev = find(r, "flow", "192.168.1.10", 0);
    T_CHECK(ev != NULL);
    if (ev) {
        T_CHECK(find(r, "flow", "192.168.1.10", 1) == NULL);
        T_EQ_S(sget(ev, "dest_ip"), "192.168.1.1");
        T_EQ_U(iget(ev, "src_port"), 53000);
        T_EQ_U(iget(ev, "dest_port"), 53);
        T_EQ_S(sget(ev, "proto"), "UDP");
        T_EQ_S(sget(ev, "app_proto"), "dns");
        json_t *fl = json_object_get(ev, "flow");
        T_EQ_U(iget(fl, "pkts_toserver"), 1);
        T_EQ_U(iget(fl, "pkts_toclient"), 1);
        T_EQ_U(iget(fl, "bytes_toserver"), 71);
        T_EQ_U(iget(fl, "bytes_toclient"), 87);
        T_EQ_S(sget(fl, "state"), "established");
        T_EQ_S(sget(fl, "reason"), "shutdown");
        T_CHECK(json_object_get(ev, "tcp") == NULL);
    }
    /* request: logged by packet direction, src = client */
    json_t *q = find(r, "dns", "192.168.1.10", 0);
    T_CHECK(q != NULL);
    if (q) {
        json_t *d = json_object_get(q, "dns");
        T_EQ_S(sget(d, "type"), "request");
        T_EQ_U(iget(d, "id"), 0x1234);
        T_CHECK(json_is_true(json_object_get(d, "rd")));
        json_t *qq = json_array_get(json_object_get(d, "queries"), 0);
        T_EQ_S(sget(qq, "rrname"), "example.com");
        T_EQ_S(sget(qq, "rrtype"), "A");
        T_EQ_U(iget(q, "dest_port"), 53);
    }
    /* response: src = the server that sent it */
    json_t *a = find(r, "dns", "192.168.1.1", 0);
    T_CHECK(a != NULL);
    if (a) {
        json_t *d = json_object_get(a, "dns");
        T_EQ_S(sget(d, "type"), "response");
        T_EQ_U(iget(d, "id"), 0x1234);
        T_EQ_S(sget(d, "rcode"), "NOERROR");
        T_EQ_S(sget(d, "flags"), "8180");
        T_CHECK(json_is_true(json_object_get(d, "qr")));
        T_CHECK(json_is_true(json_object_get(d, "ra")));
        json_t *an = json_array_get(json_object_get(d, "answers"), 0);
        T_EQ_S(sget(an, "rrname"), "example.com");
        T_EQ_S(sget(an, "rrtype"), "A");
        T_EQ_U(iget(an, "ttl"), 300);
        T_EQ_S(sget(an, "rdata"), "93.184.216.34");
        T_EQ_U(iget(a, "src_port"), 53);
        T_EQ_U(iget(a, "dest_port"), 53000);
    }
}

static void check_reversed_dns(const run *r)
{
    /* only the response was seen: the flow is the client's anyway */
    json_t *ev = find(r, "flow", "192.168.1.52", 0);
    T_CHECK(ev != NULL);
    T_CHECK(find(r, "flow", "8.8.8.8", 0) == NULL);
    if (ev) {
        T_EQ_S(sget(ev, "dest_ip"), "8.8.8.8");
        T_EQ_U(iget(ev, "src_port"), 54585);
        T_EQ_U(iget(ev, "dest_port"), 53);
        json_t *fl = json_object_get(ev, "flow");
        T_EQ_U(iget(fl, "pkts_toserver"), 0);
        T_EQ_U(iget(fl, "pkts_toclient"), 1);
        T_EQ_U(iget(fl, "bytes_toserver"), 0);
        T_EQ_U(iget(fl, "bytes_toclient"), 87);
    }
    json_t *a = find(r, "dns", "8.8.8.8", 0);
    T_CHECK(a != NULL);
    if (a) {
        T_EQ_S(sget(json_object_get(a, "dns"), "type"), "response");
        T_EQ_S(sget(a, "dest_ip"), "192.168.1.52");
    }
    /* a response travelling to the client is not an anomaly */
    for (unsigned i = 0; i < r->n; i++) {
        json_t *an = json_object_get(r->lines[i], "anomaly");
        if (an)
            T_CHECK(strcmp(sget(an, "event"), "NOT_A_REQUEST") != 0);
    }
}

static void check_icmp(const run *r)
{
    json_t *ev = find(r, "flow", "192.168.0.89", 0);
    T_CHECK(ev != NULL);
    if (!ev)
        return;
    T_EQ_S(sget(ev, "proto"), "ICMP");
    T_CHECK(json_object_get(ev, "src_port") == NULL);
    T_EQ_U(iget(ev, "icmp_type"), 8);
    T_EQ_U(iget(ev, "icmp_code"), 0);
    T_EQ_U(iget(ev, "response_icmp_type"), 0);
    T_EQ_U(iget(ev, "response_icmp_code"), 0);
    json_t *fl = json_object_get(ev, "flow");
    T_EQ_U(iget(fl, "pkts_toserver"), 1);
    T_EQ_U(iget(fl, "pkts_toclient"), 1);
    T_EQ_U(iget(fl, "bytes_toserver"), 46);
    T_EQ_U(iget(fl, "bytes_toclient"), 46);
}

static void check_anomaly(const run *r)
{
    bool found = false;
    for (unsigned i = 0; i < r->n; i++) {
        json_t *j = r->lines[i];
        if (strcmp(sget(j, "event_type"), "anomaly") != 0)
            continue;
        json_t *an = json_object_get(j, "anomaly");
        if (strcmp(sget(an, "event"), "decoder.ipv4.trunc_pkt") == 0) {
            found = true;
            T_EQ_S(sget(an, "type"), "decode");
            T_EQ_S(sget(j, "src_ip"), "10.0.0.1");
            T_EQ_S(sget(j, "dest_ip"), "10.0.0.2");
            T_EQ_S(sget(j, "timestamp"), "2023-11-14T22:13:24.000000+0000");
        }
    }
    T_CHECK(found);
}

static void check_community_id(const run *r, unsigned seed)
{
    static const char *const http_id[2] = { "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" };
    static const char *const udp_id[2] = { "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" };
    static const char *const icmp_id[2] = { "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" };
    json_t *ev = find(r, "flow", "128.232.110.120", 0);
    T_EQ_S(ev ? sget(ev, "community_id") : NULL, http_id[seed]);
    ev = find(r, "http", NULL, 0);
    T_EQ_S(ev ? sget(ev, "community_id") : NULL, http_id[seed]);
    ev = find(r, "flow", "192.168.1.52", 0);
    T_EQ_S(ev ? sget(ev, "community_id") : NULL, udp_id[seed]);
    ev = find(r, "dns", "8.8.8.8", 0);
    T_EQ_S(ev ? sget(ev, "community_id") : NULL, udp_id[seed]);
    ev = find(r, "flow", "192.168.0.89", 0);
    T_EQ_S(ev ? sget(ev, "community_id") : NULL, icmp_id[seed]);
}

static void test_pipeline(void)
{
    T_EQ_U(strlen(REQ), 69);   /* 26 + 19 + 22 + 2, see the table above */
    T_EQ_U(strlen(RSP), 68);   /* 17 + 25 + 19 + 2 + 5 */
    run r;
    do_run(&r, false, 0, GL_EVT_ALL);
    T_EQ_U(r.bad, 0);
    /* flows: A, B, C, D, and E's (truncated, still tracked) */
    T_EQ_U(count_type(&r, "flow"), 5);
    T_EQ_U(count_type(&r, "dns"), 3);
    check_http_flow(&r);
    check_http_event(&r);
    check_dns(&r);
    check_reversed_dns(&r);
    check_icmp(&r);
    check_anomaly(&r);
    for (unsigned i = 0; i < r.n; i++)
        T_CHECK(json_object_get(r.lines[i], "community_id") == NULL);
    free_run(&r);

    for (unsigned seed = 0; seed < 2; seed++) {
        do_run(&r, true, seed, GL_EVT_ALL);
        T_EQ_U(r.bad, 0);
        check_community_id(&r, seed);
        free_run(&r);
    }

    /* output.eve.types: only flow records */
    do_run(&r, false, 0, GL_EVT_FLOW);
    T_EQ_U(r.bad, 0);
    T_EQ_U(r.n, 5);
    T_EQ_U(count_type(&r, "flow"), 5);
    free_run(&r);
}

/* N one-packet TCP flows, each carrying "G" to port 80 (HTTP probe: MORE),
 * into a worker with flow.memcap 1 MiB and no EVE file. */
static void test_memcap_covers_detection(void)
{
    gl_output_config oc;
    gl_output_config_default(&oc);
    free(oc.dir);
    oc.dir = strdup("/tmp");
    oc.eve_enabled = false;
    oc.sqlite_enabled = false;
    char err[256];
    gl_output *out = gl_output_open(&oc, err, sizeof(err));
    T_CHECK(out != NULL);
    if (!out)
        return;
    gl_worker_config wc;
    memset(&wc, 0, sizeof(wc));
    gl_defrag_config_default(&wc.defrag);
    gl_flow_config_default(&wc.flow);
    gl_stream_config_default(&wc.stream);
    wc.flow.memcap = 1 << 20;
    wc.flow.hash_size = 1024;
    wc.app_detect_memcap = 512u << 10;
    gl_worker w;
    T_EQ_U(gl_worker_init(&w, 0, &wc, out), 0);
    /* (1 MiB - 1024 buckets x 8 bytes) / entry size */
    uint64_t max_flows = ((1u << 20) - 1024 * sizeof(void *)) / gl_flow_entry_size();
    T_EQ_U(w.flows.max_flows, max_flows);

    size_t before = mallinfo2().uordblks;
    frame f;
    const unsigned N = 5000;
    uint64_t t = T0 * 1000000ULL;
    for (unsigned i = 0; i < N; i++) {
        char src[32];
        snprintf(src, sizeof(src), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        tcp_frame(&f, src, 40000, "198.18.0.1", 80, 1000, 1, GL_TH_PSH | GL_TH_ACK, "G");
        feed(&w, &f, t + i);
    }
    size_t grown = mallinfo2().uordblks - before;
    fprintf(stderr, "%u undecided TCP flows: %zu bytes held (flow.memcap %u, %zu bytes/flow)\n", N, grown,
            1u << 20, grown / N);
    T_EQ_U(w.flows.stats.active, N < max_flows ? N : max_flows);
    /* flow entries are charged to flow.memcap (1 MiB), detection buffers to
     * app.detect-memcap (512 KiB): what the flows hold stays within the two
     * caps plus allocator overhead (10 %) */
    T_CHECK(grown <= (size_t)((1u << 20) + (512u << 10)) * 11 / 10);
    T_CHECK(w.app.detect_memcap_drops > 0);

    /* past max_flows the table evicts: active stays at the bound */
    for (unsigned i = 0; i < 2 * max_flows; i++) {
        char src[32];
        snprintf(src, sizeof(src), "10.%u.%u.%u", 100 + ((i >> 16) & 127), (i >> 8) & 255, i & 255);
        tcp_frame(&f, src, 40001, "198.18.0.1", 80, 1000, 1, GL_TH_ACK, NULL);
        feed(&w, &f, t + N + i);
    }
    T_EQ_U(w.flows.stats.active, max_flows);
    T_EQ_U(w.flows.stats.evicted, N + 2 * max_flows - max_flows);
    gl_worker_finish(&w);
    gl_worker_free(&w);
    T_EQ_U(w.stream.stats.mem_in_use, 0);
    gl_output_close(out);
    gl_output_config_free(&oc);
}

int main(void)
{
    test_pipeline();
    test_memcap_covers_detection();
    return t_report("test-worker");
}
