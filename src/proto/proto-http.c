/*
 * proto-http.c — HTTP/1.x parser (RFC 9112 message framing).
 *
 * Each direction is a small state machine fed stream chunks of any size:
 * start line -> header lines -> body (Content-Length, chunked, or until close)
 * -> next message. Lines are accumulated in a capped per-direction buffer, so a
 * message split at any byte boundary parses exactly like a whole one. Body
 * bytes are counted, never stored.
 *
 * Requests create transactions in a bounded queue; responses attach to the
 * oldest transaction without a final response, which is how pipelined
 * requests are matched in order. A transaction is logged as one EVE "http"
 * event once both its request and its response are complete (or at flow end).
 * CONNECT with a 2xx answer and 101 Switching Protocols end HTTP on the flow:
 * everything is logged and GL_APP_REDETECT is returned, so the protocol inside
 * the tunnel (usually TLS) is detected and parsed on the following bytes.
 */
#include "app-layer.h"

#include <stdlib.h>
#include <string.h>

/* Caps: every one of them bounds memory or work per flow on hostile input. */
#define HTTP_MAX_LINE 16384u      /* start line, header line incl. folded continuations */
#define HTTP_MAX_HEADERS 256u     /* header fields per message (plus trailers) */
#define HTTP_MAX_PENDING 32u      /* transactions waiting for their response */
#define HTTP_MAX_FIELD 4096u      /* logged string fields are truncated to this */
#define HTTP_MAX_HDR_LOG 8192u    /* bytes of header name/values kept per message for logging */
#define HTTP_MAX_JUNK_LINES 16u   /* invalid start lines, none valid yet: not HTTP, give up */
#define HTTP_MAX_RESYNC (1u << 20) /* bytes skipped looking for a message start after a gap */
#define HTTP_MAX_CHUNK_DIGITS 15u  /* significant hex digits of a chunk size: < 2^60 */
#define HTTP_MAX_CL 0x3fffffffffffffffULL

typedef enum http_phase {
    PH_LINE = 0,    /* waiting for a request line / status line */
    PH_HEADERS,     /* header section */
    PH_BODY_CL,     /* Content-Length body, ds->remaining bytes left */
    PH_CHUNK_SIZE,  /* chunk-size [; ext] line */
    PH_CHUNK_DATA,  /* chunk data, ds->remaining bytes left */
    PH_CHUNK_END,   /* CRLF after chunk data */
    PH_TRAILERS,    /* trailer section after the last chunk */
    PH_BODY_CLOSE,  /* response body delimited by connection close */
    PH_WAIT_TUNNEL, /* request side after CONNECT, until its response says yes or no */
} http_phase;

/* Growable byte buffer; callers enforce the cap. */
typedef struct http_buf {
    uint8_t *p;
    uint32_t n, cap;
} http_buf;

/* A logged string: bytes may be anything (JSON writer escapes them). */
typedef struct http_str {
    uint8_t *p;
    uint32_t n;
} http_str;

typedef struct http_tx {
    http_str method, uri, protocol, host, ua, referer; /* request side */
    http_str ctype, location, status_str;              /* response side */
    int32_t port;       /* -1: no port in URI / Host */
    int32_t status;     /* -1: no final response or status not numeric */
    uint64_t resp_len;  /* response body bytes (de-chunked) */
    uint64_t req_len;   /* request body bytes (de-chunked) */
    http_buf req_hdrs, resp_hdrs; /* [u16 nlen][name][u16 vlen][value]... */
    uint16_t n_req_hdrs, n_resp_hdrs;
    bool req_done, resp_done, resp_seen;
    bool http09;        /* request line without version: response has no headers */
} http_tx;

typedef struct http_dir {
    http_phase phase;
    http_buf line;       /* current line, without CR LF */
    http_buf hdr;        /* last header line, kept until we know it is not folded */
    uint32_t line_raw;   /* wire bytes of the current line (incl. discarded and CRLF) */
    bool line_overflow;  /* current line passed HTTP_MAX_LINE: rest discarded */
    bool hdr_pending;
    bool resync;         /* after a gap: silently skip until a plausible start line */
    uint64_t resync_bytes;
    uint32_t junk_lines; /* invalid start lines since the last valid one */
    uint64_t remaining;  /* body bytes left in PH_BODY_CL / PH_CHUNK_DATA */
    uint32_t n_headers;
    http_tx *tx;         /* transaction of the message in progress (NULL if evicted) */
    /* framing facts of the message in progress */
    bool te_present, te_chunked, cl_present, cl_invalid, saw_host;
    bool too_many_headers;
    uint64_t cl;
    bool msg_head, msg_connect, msg_http11; /* request method HEAD / CONNECT, HTTP/1.1 */
    int32_t status;      /* response status of the message in progress */
} http_dir;

typedef struct http_state {
    http_dir d[2];
    http_tx *txs[HTTP_MAX_PENDING];
    uint32_t n_txs;
    bool done;  /* no more HTTP on this flow (tunnel, gave up) */
    bool tunnel; /* ... because a CONNECT/upgrade tunnel carries another protocol */
    bool error; /* gave up because of garbage: report GL_APP_ERROR */
    bool seen_valid; /* a valid start line was seen: the flow is HTTP, junk is lost sync */
} http_state;

static const uint16_t http_ports[] = { 80, 8080, 8000, 3128, 8008, 8081, 8888, 591, 0 };

/* Methods accepted by probe() and by resynchronisation after a gap. */
static const char *const http_methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
    "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
    NULL,
};

/* ---- small byte helpers (locale independent) ---- */

static inline uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }
static inline bool is_ws(uint8_t c) { return c == ' ' || c == '\t'; }
static inline bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static int hex_val(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* RFC 9110 tchar: what a method or header name may be made of. */
static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool ieq(const uint8_t *a, uint32_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return false;
    for (uint32_t i = 0; i < an; i++)
        if (lower(a[i]) != lower((uint8_t)b[i]))
            return false;
    return true;
}

static bool iprefix(const uint8_t *a, uint32_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an < bn)
        return false;
    for (size_t i = 0; i < bn; i++)
        if (lower(a[i]) != lower((uint8_t)b[i]))
            return false;
    return true;
}

static void trim(const uint8_t **p, uint32_t *n)
{
    while (*n && is_ws(**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && is_ws((*p)[*n - 1]))
        (*n)--;
}

static bool known_method(const uint8_t *m, uint32_t n)
{
    for (int i = 0; http_methods[i]; i++)
        if (strlen(http_methods[i]) == n && memcmp(m, http_methods[i], n) == 0)
            return true;
    return false;
}

/* ---- buffers and strings ---- */

static bool buf_append(http_buf *b, const void *p, uint32_t n)
{
    if (n == 0)
        return true;
    if (b->n + n > b->cap) {
        uint32_t cap = b->cap ? b->cap : 128;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return false;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return true;
}

static void buf_free(http_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static void str_set(http_str *s, const uint8_t *p, uint32_t n)
{
    free(s->p);
    s->p = NULL;
    s->n = 0;
    if (n > HTTP_MAX_FIELD)
        n = HTTP_MAX_FIELD;
    s->p = malloc(n ? n : 1);
    if (!s->p)
        return;
    memcpy(s->p, p, n);
    s->n = n;
}

static void str_free(http_str *s)
{
    free(s->p);
    s->p = NULL;
    s->n = 0;
}

/* ---- transactions ---- */

static void tx_reset_response(http_tx *tx)
{
    str_free(&tx->ctype);
    str_free(&tx->location);
    str_free(&tx->status_str);
    tx->status = -1;
    tx->resp_len = 0;
    tx->resp_hdrs.n = 0;
    tx->n_resp_hdrs = 0;
}

static void tx_free(http_tx *tx)
{
    http_str *strs[] = { &tx->method, &tx->uri, &tx->protocol, &tx->host, &tx->ua,
                         &tx->referer, &tx->ctype, &tx->location, &tx->status_str };
    for (size_t i = 0; i < GL_ARRAY_LEN(strs); i++)
        str_free(strs[i]);
    buf_free(&tx->req_hdrs);
    buf_free(&tx->resp_hdrs);
    free(tx);
}

static void log_headers(gl_json *j, const char *key, const http_buf *b)
{
    gl_json_open_array(j, key);
    uint32_t off = 0;
    while (off + 2 <= b->n) {
        uint32_t nl = gl_le16(b->p + off);
        if (off + 2 + nl + 2 > b->n)
            break;
        const uint8_t *name = b->p + off + 2;
        uint32_t vl = gl_le16(b->p + off + 2 + nl);
        if (off + 4 + nl + vl > b->n)
            break;
        gl_json_open_object(j, NULL);
        gl_json_strn(j, "name", name, nl);
        gl_json_strn(j, "value", b->p + off + 4 + nl, vl);
        gl_json_close_object(j);
        off += 4 + nl + vl;
    }
    gl_json_close_array(j);
}

static void log_str(gl_json *j, const char *key, const http_str *s)
{
    if (s->p)
        gl_json_strn(j, key, s->p, s->n);
}

/* One EVE http record, field order as Suricata writes it. */
static void log_tx(gl_app_ctx *ctx, const http_tx *tx)
{
    gl_json *j = gl_app_event_begin(ctx, "http", GL_LOG_FLOW,
                                    tx->resp_seen ? GL_DIR_TOCLIENT : GL_DIR_TOSERVER);
    gl_json_open_object(j, "http");
    log_str(j, "hostname", &tx->host);
    if (tx->port >= 0)
        gl_json_uint(j, "http_port", (uint64_t)tx->port);
    log_str(j, "url", &tx->uri);
    log_str(j, "http_user_agent", &tx->ua);
    log_str(j, "http_content_type", &tx->ctype);
    log_str(j, "http_refer", &tx->referer);
    log_str(j, "http_method", &tx->method);
    log_str(j, "protocol", &tx->protocol);
    if (tx->status >= 0)
        gl_json_uint(j, "status", (uint64_t)tx->status);
    else
        log_str(j, "status_string", &tx->status_str);
    log_str(j, "redirect", &tx->location);
    gl_json_uint(j, "length", tx->resp_len);
    if (tx->n_req_hdrs)
        log_headers(j, "request_headers", &tx->req_hdrs);
    if (tx->n_resp_hdrs)
        log_headers(j, "response_headers", &tx->resp_hdrs);
    gl_json_close_object(j);
    gl_app_event_commit(ctx);
}

static void tx_remove(http_state *st, uint32_t i)
{
    http_tx *tx = st->txs[i];
    for (int d = 0; d < 2; d++)
        if (st->d[d].tx == tx)
            st->d[d].tx = NULL;
    tx_free(tx);
    memmove(&st->txs[i], &st->txs[i + 1], (st->n_txs - i - 1) * sizeof(st->txs[0]));
    st->n_txs--;
}

/* Log and drop every transaction that is complete in both directions. */
static void log_finished(gl_app_ctx *ctx, http_state *st)
{
    for (uint32_t i = 0; i < st->n_txs;) {
        if (st->txs[i]->req_done && st->txs[i]->resp_done) {
            log_tx(ctx, st->txs[i]);
            tx_remove(st, i);
        } else {
            i++;
        }
    }
}

static void log_all(gl_app_ctx *ctx, http_state *st)
{
    while (st->n_txs) {
        log_tx(ctx, st->txs[0]);
        tx_remove(st, 0);
    }
}

/* New transaction at the end of the queue; when the queue is full the oldest
 * is logged as it stands, so a client that never reads cannot grow it. */
static http_tx *tx_new(gl_app_ctx *ctx, http_state *st)
{
    if (st->n_txs == HTTP_MAX_PENDING) {
        log_tx(ctx, st->txs[0]);
        tx_remove(st, 0);
    }
    http_tx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return NULL;
    tx->port = -1;
    tx->status = -1;
    st->txs[st->n_txs++] = tx;
    return tx;
}

/* ---- anomalies ---- */

static void anomaly(gl_app_ctx *ctx, gl_dir dir, const char *req, const char *resp)
{
    gl_app_anomaly(ctx, dir == GL_DIR_TOSERVER ? req : resp);
}

/* ---- header field semantics ---- */

/* Content-Length: 1*DIGIT, or a list of identical values (RFC 9110 8.6). */
static bool parse_content_length(const uint8_t *v, uint32_t n, uint64_t *out)
{
    bool have = false;
    uint64_t first = 0;
    uint32_t i = 0;
    while (i <= n) {
        uint32_t s = i;
        while (i < n && v[i] != ',')
            i++;
        const uint8_t *e = v + s;
        uint32_t en = i - s;
        trim(&e, &en);
        if (en == 0)
            return false;
        uint64_t val = 0;
        for (uint32_t k = 0; k < en; k++) {
            if (!is_digit(e[k]))
                return false;
            val = val * 10 + (uint64_t)(e[k] - '0');
            if (val > HTTP_MAX_CL)
                return false;
        }
        if (have && val != first)
            return false;
        first = val;
        have = true;
        i++; /* skip ',' (or step past the end) */
    }
    *out = first;
    return have;
}

/* Is "chunked" the final transfer coding of this Transfer-Encoding value? */
static bool te_final_is_chunked(const uint8_t *v, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        if (v[i] == ',')
            s = i + 1;
    const uint8_t *last = v + s;
    uint32_t ln = n - s;
    trim(&last, &ln);
    /* a coding may carry parameters (";q=..") which chunked never has */
    return ieq(last, ln, "chunked");
}

/* authority = host [ ":" port ]; host may be an IPv6 literal in brackets.
 * Hostname is lowercased and loses trailing dots, like libhtp does. */
static void set_authority(gl_app_ctx *ctx, http_tx *tx, const uint8_t *a, uint32_t n)
{
    uint32_t at = n;
    for (uint32_t i = 0; i < n; i++) /* userinfo@ (URI form only; harmless for Host) */
        if (a[i] == '@')
            at = i;
    if (at < n) {
        a += at + 1;
        n -= at + 1;
    }
    uint32_t hn = n, colon = n;
    if (n && a[0] == '[') {
        const uint8_t *rb = memchr(a, ']', n);
        if (rb) {
            hn = (uint32_t)(rb - a) + 1;
            if (hn < n && a[hn] == ':')
                colon = hn;
        }
    } else {
        const uint8_t *c = memchr(a, ':', n);
        if (c && !memchr(c + 1, ':', n - (uint32_t)(c - a) - 1)) { /* exactly one ':' */
            colon = (uint32_t)(c - a);
            hn = colon;
        }
    }
    while (hn && a[hn - 1] == '.')
        hn--;
    uint8_t tmp[256];
    uint32_t tn = hn < sizeof(tmp) ? hn : (uint32_t)sizeof(tmp);
    for (uint32_t i = 0; i < tn; i++)
        tmp[i] = lower(a[i]);
    if (tn)
        str_set(&tx->host, tmp, tn);
    tx->port = -1;
    if (colon < n) {
        const uint8_t *p = a + colon + 1;
        uint32_t pn = n - colon - 1;
        uint32_t port = 0;
        bool ok = pn > 0 && pn <= 5;
        for (uint32_t i = 0; ok && i < pn; i++) {
            ok = is_digit(p[i]);
            port = port * 10 + (uint32_t)(p[i] - '0');
        }
        if (ok && port >= 1 && port <= 65535)
            tx->port = (int32_t)port;
        else if (pn > 0)
            gl_app_anomaly(ctx, "INVALID_AUTHORITY_PORT");
    }
}

/* Hostname from an absolute-form (http://host/...) or authority-form target. */
static bool uri_authority(const uint8_t *u, uint32_t n, bool connect, const uint8_t **a, uint32_t *an)
{
    if (connect) {
        *a = u;
        *an = n;
        return n > 0;
    }
    uint32_t skip;
    if (iprefix(u, n, "http://"))
        skip = 7;
    else if (iprefix(u, n, "https://"))
        skip = 8;
    else
        return false;
    uint32_t e = skip;
    while (e < n && u[e] != '/' && u[e] != '?' && u[e] != '#')
        e++;
    *a = u + skip;
    *an = e - skip;
    return *an > 0;
}

static void record_header(http_tx *tx, gl_dir dir, const uint8_t *name, uint32_t nn,
                          const uint8_t *val, uint32_t vn)
{
    http_buf *b = dir == GL_DIR_TOSERVER ? &tx->req_hdrs : &tx->resp_hdrs;
    uint16_t *count = dir == GL_DIR_TOSERVER ? &tx->n_req_hdrs : &tx->n_resp_hdrs;
    if (b->n + 4 + nn + vn > HTTP_MAX_HDR_LOG)
        return; /* logging keeps a bounded prefix of the header list */
    uint8_t l[2];
    uint32_t start = b->n;
    l[0] = (uint8_t)(nn & 0xff);
    l[1] = (uint8_t)(nn >> 8);
    bool ok = buf_append(b, l, 2) && buf_append(b, name, nn);
    l[0] = (uint8_t)(vn & 0xff);
    l[1] = (uint8_t)(vn >> 8);
    ok = ok && buf_append(b, l, 2) && buf_append(b, val, vn);
    if (ok)
        (*count)++;
    else
        b->n = start;
}

static void on_framing_header(gl_app_ctx *ctx, http_dir *ds, gl_dir dir, const uint8_t *name,
                              uint32_t nn, const uint8_t *val, uint32_t vn)
{
    if (ieq(name, nn, "content-length")) {
        uint64_t cl;
        if (!parse_content_length(val, vn, &cl)) {
            anomaly(ctx, dir, "INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST",
                    "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE");
            ds->cl_invalid = true;
        } else if (ds->cl_present && cl != ds->cl) {
            anomaly(ctx, dir, "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST",
                    "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE");
            ds->cl_invalid = true;
        }
        ds->cl_present = true;
        if (!ds->cl_invalid)
            ds->cl = cl;
    } else if (ieq(name, nn, "transfer-encoding")) {
        ds->te_present = true;
        ds->te_chunked = te_final_is_chunked(val, vn);
    }
}

/* A complete (unfolded) header field of the message in progress. */
static void on_header(gl_app_ctx *ctx, http_dir *ds, gl_dir dir, const uint8_t *line, uint32_t n,
                      bool trailer)
{
    const uint8_t *colon = memchr(line, ':', n);
    if (!colon) {
        anomaly(ctx, dir, "REQUEST_FIELD_MISSING_COLON", "RESPONSE_FIELD_MISSING_COLON");
        return;
    }
    if (++ds->n_headers > HTTP_MAX_HEADERS) {
        if (!ds->too_many_headers)
            anomaly(ctx, dir, "REQUEST_TOO_MANY_HEADERS", "RESPONSE_TOO_MANY_HEADERS");
        ds->too_many_headers = true;
        return;
    }
    const uint8_t *name = line;
    uint32_t nn = (uint32_t)(colon - line);
    const uint8_t *val = colon + 1;
    uint32_t vn = n - nn - 1;
    trim(&name, &nn);
    trim(&val, &vn);
    if (nn == 0) {
        anomaly(ctx, dir, "REQUEST_HEADER_INVALID", "RESPONSE_HEADER_INVALID");
        return;
    }
    if (trailer)
        return; /* trailers never change framing (RFC 9112 7.1.2) and are not logged */
    on_framing_header(ctx, ds, dir, name, nn, val, vn);
    http_tx *tx = ds->tx;
    if (!tx)
        return;
    record_header(tx, dir, name, nn, val, vn);
    if (dir == GL_DIR_TOSERVER) {
        if (ieq(name, nn, "host")) {
            if (!ds->saw_host && !tx->host.p)
                set_authority(ctx, tx, val, vn);
            else if (ds->saw_host)
                gl_app_anomaly(ctx, "REQUEST_HEADER_REPETITION");
            ds->saw_host = true;
        } else if (ieq(name, nn, "user-agent")) {
            if (!tx->ua.p)
                str_set(&tx->ua, val, vn);
        } else if (ieq(name, nn, "referer")) {
            if (!tx->referer.p)
                str_set(&tx->referer, val, vn);
        }
    } else {
        if (ieq(name, nn, "content-type")) {
            /* Suricata logs the media type without parameters */
            const uint8_t *semi = memchr(val, ';', vn);
            uint32_t cn = semi ? (uint32_t)(semi - val) : vn;
            trim(&val, &cn);
            if (!tx->ctype.p)
                str_set(&tx->ctype, val, cn);
        } else if (ieq(name, nn, "location")) {
            if (!tx->location.p)
                str_set(&tx->location, val, vn);
        }
    }
}

/* ---- message lifecycle ---- */

static void reset_message(http_dir *ds)
{
    ds->tx = NULL;
    ds->n_headers = 0;
    ds->too_many_headers = false;
    ds->te_present = ds->te_chunked = ds->cl_present = ds->cl_invalid = ds->saw_host = false;
    ds->cl = 0;
    ds->remaining = 0;
    ds->hdr_pending = false;
    ds->hdr.n = 0;
}

/* End HTTP on this flow: a tunnel or upgrade carries another protocol now. */
static void stop_flow(gl_app_ctx *ctx, http_state *st)
{
    log_all(ctx, st);
    st->done = true;
    st->tunnel = true;
}

static void request_complete(gl_app_ctx *ctx, http_state *st, http_dir *ds)
{
    if (ds->tx)
        ds->tx->req_done = true;
    bool connect = ds->msg_connect;
    reset_message(ds);
    /* bytes after CONNECT belong to the tunnel if the proxy says yes */
    ds->phase = connect ? PH_WAIT_TUNNEL : PH_LINE;
    log_finished(ctx, st);
}

static void response_complete(gl_app_ctx *ctx, http_state *st, http_dir *ds)
{
    http_tx *tx = ds->tx;
    int32_t status = ds->status;
    bool connect = ds->msg_connect;
    if (tx)
        tx->resp_done = true;
    reset_message(ds);
    ds->phase = PH_LINE;
    if (status == 101 || (connect && status >= 200 && status <= 299)) {
        stop_flow(ctx, st);
        return;
    }
    if (connect && st->d[GL_DIR_TOSERVER].phase == PH_WAIT_TUNNEL)
        st->d[GL_DIR_TOSERVER].phase = PH_LINE; /* proxy refused: client speaks HTTP again */
    log_finished(ctx, st);
}

static void message_complete(gl_app_ctx *ctx, http_state *st, gl_dir dir)
{
    if (dir == GL_DIR_TOSERVER)
        request_complete(ctx, st, &st->d[dir]);
    else
        response_complete(ctx, st, &st->d[dir]);
}

/* Body framing for a request (RFC 9112 6.3 items 4-7). */
static void request_headers_done(gl_app_ctx *ctx, http_state *st, http_dir *ds)
{
    if (ds->msg_http11 && !ds->saw_host && !(ds->tx && ds->tx->host.p))
        gl_app_anomaly(ctx, "MISSING_HOST_HEADER");
    if (ds->te_present) {
        if (ds->cl_present)
            gl_app_anomaly(ctx, "REQUEST_SMUGGLING");
        if (ds->te_chunked) {
            ds->phase = PH_CHUNK_SIZE;
            return;
        }
        gl_app_anomaly(ctx, "INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST");
    } else if (ds->cl_present && !ds->cl_invalid && ds->cl > 0) {
        ds->phase = PH_BODY_CL;
        ds->remaining = ds->cl;
        return;
    }
    request_complete(ctx, st, ds);
}

/* Body framing for a response (RFC 9112 6.3 items 1-3, 4-8). */
static void response_headers_done(gl_app_ctx *ctx, http_state *st, http_dir *ds)
{
    int32_t s = ds->status;
    if (s >= 100 && s <= 199 && s != 101) {
        /* interim response: the final one for the same request follows */
        reset_message(ds);
        ds->phase = PH_LINE;
        return;
    }
    if (s == 101 || ds->msg_head || s == 204 || s == 304 ||
        (ds->msg_connect && s >= 200 && s <= 299)) {
        response_complete(ctx, st, ds);
        return;
    }
    if (ds->te_present) {
        if (ds->te_chunked) {
            ds->phase = PH_CHUNK_SIZE;
            return;
        }
        gl_app_anomaly(ctx, "INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE");
        ds->phase = PH_BODY_CLOSE;
        return;
    }
    if (ds->cl_present && !ds->cl_invalid) {
        if (ds->cl == 0) {
            response_complete(ctx, st, ds);
            return;
        }
        ds->phase = PH_BODY_CL;
        ds->remaining = ds->cl;
        return;
    }
    ds->phase = PH_BODY_CLOSE;
}

/* A gap or hopeless framing: finish what we have, then look for a new start line. */
static void lose_sync(gl_app_ctx *ctx, http_state *st, gl_dir dir)
{
    http_dir *ds = &st->d[dir];
    ds->line.n = 0;
    ds->line_raw = 0;
    ds->line_overflow = false;
    if (ds->phase != PH_LINE)
        message_complete(ctx, st, dir);
    ds = &st->d[dir];
    if (ds->phase == PH_LINE)
        ds->resync = true;
}

/* ---- start lines ---- */

static void on_request_line(gl_app_ctx *ctx, http_state *st, http_dir *ds, const uint8_t *l,
                            uint32_t n, bool overflow)
{
    if (n == 0)
        return; /* RFC 9112 2.2: ignore empty lines before a request line */
    bool lead = false;
    while (n && is_ws(*l)) {
        l++;
        n--;
        lead = true;
    }
    uint32_t ml = 0;
    while (ml < n && is_tchar(l[ml]))
        ml++;
    bool valid = ml > 0 && ml < n && is_ws(l[ml]);
    const uint8_t *rest = l + ml;
    uint32_t rn = n - ml;
    trim(&rest, &rn);
    valid = valid && rn > 0;
    /* protocol is the last token when it looks like HTTP-version */
    const uint8_t *proto = NULL;
    uint32_t pn = 0;
    const uint8_t *uri = rest;
    uint32_t un = rn;
    for (uint32_t i = rn; i > 0; i--) {
        if (is_ws(rest[i - 1])) {
            if (iprefix(rest + i, rn - i, "HTTP/")) {
                proto = rest + i;
                pn = rn - i;
                un = i - 1;
                trim(&uri, &un);
            }
            break;
        }
    }
    bool known = valid && known_method(l, ml);
    /* without a version this is HTTP/0.9 — only believable with a known method */
    if (valid && !proto && !known && !overflow)
        valid = false;
    if (!valid || (ds->resync && !(known && proto))) {
        /* one anomaly per run of junk; then skip silently (and count the
         * bytes) until a believable request line shows up */
        if (!ds->resync)
            gl_app_anomaly(ctx, "REQUEST_LINE_INVALID");
        ds->resync = true;
        ds->junk_lines++;
        return;
    }
    if (lead)
        gl_app_anomaly(ctx, "REQUEST_LINE_LEADING_WHITESPACE");
    ds->resync = false;
    ds->resync_bytes = 0;
    ds->junk_lines = 0;
    st->seen_valid = true;
    reset_message(ds);
    http_tx *tx = tx_new(ctx, st);
    ds->tx = tx;
    ds->msg_connect = ml == 7 && memcmp(l, "CONNECT", 7) == 0;
    ds->msg_head = ml == 4 && memcmp(l, "HEAD", 4) == 0;
    ds->msg_http11 = proto && pn == 8 && memcmp(proto, "HTTP/1.1", 8) == 0;
    if (tx) {
        str_set(&tx->method, l, ml);
        str_set(&tx->uri, uri, un);
        if (proto)
            str_set(&tx->protocol, proto, pn);
        const uint8_t *a;
        uint32_t an;
        if (uri_authority(uri, un, ds->msg_connect, &a, &an))
            set_authority(ctx, tx, a, an);
        tx->http09 = !proto && !overflow;
    }
    if (!proto && !overflow) {
        request_complete(ctx, st, ds); /* HTTP/0.9: no headers, no body */
        return;
    }
    ds->phase = PH_HEADERS;
}

/* Oldest transaction still waiting for its final response, or a new orphan. */
static http_tx *response_target(gl_app_ctx *ctx, http_state *st)
{
    for (uint32_t i = 0; i < st->n_txs; i++)
        if (!st->txs[i]->resp_done)
            return st->txs[i];
    gl_app_anomaly(ctx, "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST");
    http_tx *tx = tx_new(ctx, st);
    if (tx)
        tx->req_done = true;
    return tx;
}

static bool request_is(const http_tx *tx, const char *m)
{
    return tx && ieq(tx->method.p, tx->method.n, m);
}

static void on_status_line(gl_app_ctx *ctx, http_state *st, http_dir *ds, const uint8_t *l,
                           uint32_t n)
{
    if (n == 0)
        return;
    while (n && is_ws(*l)) {
        l++;
        n--;
    }
    if (!iprefix(l, n, "HTTP/")) {
        http_tx *first = NULL;
        for (uint32_t i = 0; i < st->n_txs && !first; i++)
            if (!st->txs[i]->resp_done)
                first = st->txs[i];
        if (first && first->http09 && !ds->resync) {
            /* HTTP/0.9 response: no status line, body runs until close */
            reset_message(ds);
            ds->tx = first;
            first->resp_seen = true;
            first->resp_len += ds->line_raw;
            ds->status = -1;
            ds->msg_connect = false;
            ds->phase = PH_BODY_CLOSE;
            return;
        }
        if (!ds->resync)
            gl_app_anomaly(ctx, "RESPONSE_INVALID_PROTOCOL");
        ds->resync = true;
        ds->junk_lines++;
        return;
    }
    ds->resync = false;
    ds->resync_bytes = 0;
    ds->junk_lines = 0;
    st->seen_valid = true;
    reset_message(ds);
    uint32_t pl = 0;
    while (pl < n && !is_ws(l[pl]))
        pl++;
    const uint8_t *code = l + pl;
    uint32_t cn = n - pl;
    while (cn && is_ws(*code)) {
        code++;
        cn--;
    }
    uint32_t ce = 0;
    while (ce < cn && !is_ws(code[ce]))
        ce++;
    int32_t status = -1;
    if (ce == 3 && is_digit(code[0]) && is_digit(code[1]) && is_digit(code[2]))
        status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    else
        gl_app_anomaly(ctx, "RESPONSE_INVALID_STATUS");
    http_tx *tx = response_target(ctx, st);
    ds->tx = tx;
    ds->status = status;
    ds->msg_head = request_is(tx, "HEAD");
    ds->msg_connect = request_is(tx, "CONNECT");
    if (tx) {
        tx_reset_response(tx);
        tx->resp_seen = true;
        tx->status = status;
        if (status < 0 && ce)
            str_set(&tx->status_str, code, ce);
    }
    ds->phase = PH_HEADERS;
}

/* ---- header section ---- */

static void flush_pending_header(gl_app_ctx *ctx, http_dir *ds, gl_dir dir, bool trailer)
{
    if (!ds->hdr_pending)
        return;
    ds->hdr_pending = false;
    on_header(ctx, ds, dir, ds->hdr.p, ds->hdr.n, trailer);
    ds->hdr.n = 0;
}

static void on_header_line(gl_app_ctx *ctx, http_state *st, gl_dir dir, bool trailer)
{
    http_dir *ds = &st->d[dir];
    const uint8_t *l = ds->line.p;
    uint32_t n = ds->line.n;
    if (n && is_ws(l[0])) {
        /* obs-fold (RFC 9112 5.2): continuation joins the previous field with one SP */
        if (!ds->hdr_pending) {
            anomaly(ctx, dir, "INVALID_REQUEST_FIELD_FOLDING", "INVALID_RESPONSE_FIELD_FOLDING");
            return;
        }
        trim(&l, &n);
        uint32_t room = HTTP_MAX_LINE - ds->hdr.n;
        if (n + 1 > room) {
            anomaly(ctx, dir, "REQUEST_FIELD_TOO_LONG", "RESPONSE_FIELD_TOO_LONG");
            n = room > 1 ? room - 1 : 0;
        }
        if (n && buf_append(&ds->hdr, " ", 1))
            (void)buf_append(&ds->hdr, l, n);
        return;
    }
    flush_pending_header(ctx, ds, dir, trailer);
    if (n == 0) {
        if (trailer)
            message_complete(ctx, st, dir);
        else if (dir == GL_DIR_TOSERVER)
            request_headers_done(ctx, st, ds);
        else
            response_headers_done(ctx, st, ds);
        return;
    }
    /* keep this line until the next one tells whether it is folded */
    http_buf t = ds->hdr;
    ds->hdr = ds->line;
    ds->line = t;
    ds->hdr_pending = true;
}

/* ---- chunked ---- */

static void on_chunk_size(gl_app_ctx *ctx, http_state *st, gl_dir dir)
{
    http_dir *ds = &st->d[dir];
    const uint8_t *l = ds->line.p;
    uint32_t n = ds->line.n;
    uint32_t i = 0;
    while (i < n && is_ws(l[i]))
        i++;
    uint64_t size = 0;
    uint32_t digits = 0, sig = 0;
    while (i < n && hex_val(l[i]) >= 0) {
        size = (size << 4) | (uint64_t)hex_val(l[i]);
        if (size)
            sig++;
        digits++;
        i++;
    }
    while (i < n && is_ws(l[i]))
        i++;
    bool ext = i < n && l[i] == ';';
    if (digits == 0 || sig > HTTP_MAX_CHUNK_DIGITS || (i < n && !ext) || ds->line_overflow) {
        anomaly(ctx, dir, "INVALID_REQUEST_CHUNK_LEN", "INVALID_RESPONSE_CHUNK_LEN");
        if (dir == GL_DIR_TOCLIENT) {
            ds->phase = PH_BODY_CLOSE; /* framing unknown: the rest is body until close */
        } else {
            lose_sync(ctx, st, dir); /* message ends here; look for the next request */
        }
        return;
    }
    if (ext && dir == GL_DIR_TOSERVER)
        gl_app_anomaly(ctx, "REQUEST_CHUNK_EXTENSION");
    if (size == 0) {
        ds->phase = PH_TRAILERS;
        return;
    }
    ds->remaining = size;
    ds->phase = PH_CHUNK_DATA;
}

/* ---- the byte pump ---- */

/* Accumulate one line; returns bytes consumed (>= 1 when len >= 1). */
static uint32_t take_line(gl_app_ctx *ctx, http_dir *ds, gl_dir dir, const uint8_t *data,
                          uint32_t len, bool *complete)
{
    const uint8_t *lf = memchr(data, '\n', len);
    uint32_t n = lf ? (uint32_t)(lf - data) : len;
    uint32_t room = HTTP_MAX_LINE - ds->line.n;
    uint32_t copy = n < room ? n : room;
    if (copy && !buf_append(&ds->line, data, copy))
        copy = 0;
    if (copy < n && !ds->line_overflow) {
        ds->line_overflow = true;
        if (!ds->resync)
            anomaly(ctx, dir, "REQUEST_FIELD_TOO_LONG", "RESPONSE_FIELD_TOO_LONG");
    }
    uint32_t used = lf ? n + 1 : n;
    ds->line_raw += used;
    *complete = lf != NULL;
    if (lf && ds->line.n && ds->line.p[ds->line.n - 1] == '\r')
        ds->line.n--;
    return used;
}

static void count_body(http_dir *ds, gl_dir dir, uint64_t n)
{
    if (!ds->tx)
        return;
    if (dir == GL_DIR_TOSERVER)
        ds->tx->req_len += n;
    else
        ds->tx->resp_len += n;
}

static void on_line(gl_app_ctx *ctx, http_state *st, gl_dir dir)
{
    http_dir *ds = &st->d[dir];
    switch (ds->phase) {
    case PH_LINE:
        if (dir == GL_DIR_TOSERVER)
            on_request_line(ctx, st, ds, ds->line.p, ds->line.n, ds->line_overflow);
        else
            on_status_line(ctx, st, ds, ds->line.p, ds->line.n);
        break;
    case PH_HEADERS:
        on_header_line(ctx, st, dir, false);
        break;
    case PH_TRAILERS:
        on_header_line(ctx, st, dir, true);
        break;
    case PH_CHUNK_SIZE:
        on_chunk_size(ctx, st, dir);
        break;
    case PH_CHUNK_END:
        /* CRLF expected; anything else means the chunk was longer than declared */
        if (ds->line.n)
            anomaly(ctx, dir, "INVALID_REQUEST_CHUNK_LEN", "INVALID_RESPONSE_CHUNK_LEN");
        ds->phase = PH_CHUNK_SIZE;
        break;
    default:
        break;
    }
}

static uint32_t step(gl_app_ctx *ctx, http_state *st, gl_dir dir, const uint8_t *data, uint32_t len)
{
    http_dir *ds = &st->d[dir];
    switch (ds->phase) {
    case PH_BODY_CL:
    case PH_CHUNK_DATA: {
        uint32_t n = ds->remaining < len ? (uint32_t)ds->remaining : len;
        count_body(ds, dir, n);
        ds->remaining -= n;
        if (ds->remaining == 0) {
            if (ds->phase == PH_CHUNK_DATA)
                ds->phase = PH_CHUNK_END;
            else
                message_complete(ctx, st, dir);
        }
        return n;
    }
    case PH_BODY_CLOSE:
        count_body(ds, dir, len);
        return len;
    case PH_WAIT_TUNNEL:
        return len;
    default: {
        bool complete;
        uint32_t used = take_line(ctx, ds, dir, data, len, &complete);
        if (ds->resync)
            ds->resync_bytes += used;
        if (complete) {
            on_line(ctx, st, dir);
            ds = &st->d[dir];
            ds->line.n = 0;
            ds->line_raw = 0;
            ds->line_overflow = false;
        }
        return used;
    }
    }
}

/* ---- parser interface ---- */

static gl_probe_result probe_response(const uint8_t *data, uint32_t len)
{
    static const char pfx[] = "HTTP/1.";
    uint32_t n = len < 7 ? len : 7;
    if (memcmp(data, pfx, n) != 0)
        return GL_PROBE_NO;
    return len < 7 ? GL_PROBE_MORE : GL_PROBE_YES;
}

static gl_probe_result probe_request(const uint8_t *data, uint32_t len)
{
    bool maybe = false;
    for (int i = 0; http_methods[i]; i++) {
        uint32_t ml = (uint32_t)strlen(http_methods[i]);
        if (len <= ml) {
            if (memcmp(data, http_methods[i], len) == 0)
                maybe = true;
            continue;
        }
        if (memcmp(data, http_methods[i], ml) != 0 || data[ml] != ' ')
            continue;
        /* With the whole line visible, reject RTSP/SIP which share methods. */
        const uint8_t *lf = memchr(data + ml, '\n', len - ml);
        if (!lf)
            return GL_PROBE_YES;
        const uint8_t *e = lf;
        while (e > data + ml && (e[-1] == '\r' || is_ws(e[-1])))
            e--;
        const uint8_t *s = e;
        while (s > data + ml && !is_ws(s[-1]))
            s--;
        if (s == data + ml + 1 || iprefix(s, (uint32_t)(e - s), "HTTP/"))
            return GL_PROBE_YES; /* "GET /" (HTTP/0.9) or "... HTTP/x.y" */
        return GL_PROBE_NO;
    }
    return maybe ? GL_PROBE_MORE : GL_PROBE_NO;
}

/* A status line travelling toserver (or a request toclient) means the flow
 * stage guessed the sides wrong: GL_PROBE_REVERSE lets it swap them. */
static gl_probe_result probe(const uint8_t *data, uint32_t len, gl_dir dir)
{
    gl_probe_result same = dir == GL_DIR_TOCLIENT ? probe_response(data, len) : probe_request(data, len);
    if (same != GL_PROBE_NO)
        return same;
    gl_probe_result other = dir == GL_DIR_TOCLIENT ? probe_request(data, len) : probe_response(data, len);
    return other == GL_PROBE_YES ? GL_PROBE_REVERSE : other;
}

static void *state_new(void)
{
    return calloc(1, sizeof(http_state));
}

static void state_free(void *state)
{
    http_state *st = state;
    if (!st)
        return;
    while (st->n_txs)
        tx_remove(st, 0);
    for (int d = 0; d < 2; d++) {
        buf_free(&st->d[d].line);
        buf_free(&st->d[d].hdr);
    }
    free(st);
}

static int parse(gl_app_ctx *ctx, void *state, gl_dir dir, const uint8_t *data, uint32_t len)
{
    http_state *st = state;
    uint32_t off = 0;
    while (off < len && !st->done) {
        uint32_t used = step(ctx, st, dir, data + off, len - off);
        if (used == 0)
            used = len - off; /* cannot happen; never spin on input */
        off += used;
        http_dir *ds = &st->d[dir];
        if (ds->junk_lines > HTTP_MAX_JUNK_LINES && !st->seen_valid) {
            log_all(ctx, st);
            st->done = st->error = true;
        } else if (ds->resync_bytes > HTTP_MAX_RESYNC) {
            log_all(ctx, st);
            st->done = true;
        }
    }
    if (st->done)
        return st->error ? GL_APP_ERROR : st->tunnel ? GL_APP_REDETECT : GL_APP_DONE;
    return GL_APP_OK;
}

static void gap(gl_app_ctx *ctx, void *state, gl_dir dir, uint32_t len)
{
    http_state *st = state;
    if (st->done)
        return;
    http_dir *ds = &st->d[dir];
    switch (ds->phase) {
    case PH_BODY_CL:
    case PH_CHUNK_DATA:
        if (len <= ds->remaining) {
            /* the hole lies inside the body: framing survives */
            count_body(ds, dir, len);
            ds->remaining -= len;
            if (ds->remaining == 0) {
                if (ds->phase == PH_CHUNK_DATA)
                    ds->phase = PH_CHUNK_END;
                else
                    message_complete(ctx, st, dir);
            }
            return;
        }
        count_body(ds, dir, ds->remaining);
        lose_sync(ctx, st, dir);
        return;
    case PH_BODY_CLOSE:
        count_body(ds, dir, len);
        return;
    case PH_WAIT_TUNNEL:
        return;
    default:
        lose_sync(ctx, st, dir);
        return;
    }
}

/* At flow end an unterminated line is all the peer will ever send: take it
 * as if its line end had arrived ("GET /" with no CRLF is a request). */
static void finish_partial_line(gl_app_ctx *ctx, http_state *st, gl_dir dir)
{
    http_dir *ds = &st->d[dir];
    if (st->done || ds->resync || ds->line.n == 0)
        return;
    if (ds->phase == PH_LINE) {
        on_line(ctx, st, dir);
    } else if (ds->phase == PH_HEADERS) {
        on_header_line(ctx, st, dir, false);
        flush_pending_header(ctx, &st->d[dir], dir, false);
    }
    ds = &st->d[dir];
    ds->line.n = 0;
    ds->line_raw = 0;
}

static void flow_end(gl_app_ctx *ctx, void *state)
{
    http_state *st = state;
    finish_partial_line(ctx, st, GL_DIR_TOSERVER);
    finish_partial_line(ctx, st, GL_DIR_TOCLIENT);
    if (st->done)
        return;
    http_dir *rs = &st->d[GL_DIR_TOCLIENT];
    if (rs->phase == PH_BODY_CLOSE && rs->tx)
        rs->tx->resp_done = true; /* close is what ends this body */
    log_all(ctx, st);
}

const gl_app_parser gl_parser_http = {
    .name = "http",
    .ipprotos = GL_APP_TCP,
    .ports = http_ports,
    .probe = probe,
    .state_new = state_new,
    .state_free = state_free,
    .parse = parse,
    .gap = gap,
    .flow_end = flow_end,
};
