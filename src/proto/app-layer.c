/*
 * app-layer.c — the parser table, content-based protocol detection and the
 * dispatch of stream data to the chosen parser.
 *
 * Detection probes every enabled parser on the first bytes of each direction
 * (ports only break ties), buffering up to GL_APP_DETECT_BUF bytes per
 * direction while a probe asks for more. The buffer exists only during
 * detection; afterwards the flow carries just the parser's own state, and
 * once the parser says it is done the state is freed and the stream stage
 * stops reassembling the flow.
 */
#include "app-layer-flow.h"
#include "app-ctx.h"

#include <stdlib.h>
#include <string.h>

const gl_app_parser *const gl_app_parsers[] = {
    &gl_parser_tls, &gl_parser_http, &gl_parser_ssh, &gl_parser_dns, NULL,
};

static bool parser_disabled[8];

int gl_app_set_enabled(const char *name, bool enabled)
{
    for (int i = 0; gl_app_parsers[i]; i++) {
        if (strcmp(gl_app_parsers[i]->name, name) == 0) {
            parser_disabled[i] = !enabled;
            return 0;
        }
    }
    return -1;
}

#define GL_APP_UDP_PROBE_PKTS 8 /* datagrams probed before a UDP flow is "failed" */

typedef struct gl_app_detect {
    uint16_t len[2];
    uint8_t have_first, first_dir;
    uint8_t buf[2][GL_APP_DETECT_BUF];
} gl_app_detect;

static bool port_hint(const gl_app_parser *p, uint16_t a, uint16_t b)
{
    if (!p->ports)
        return false;
    for (const uint16_t *pp = p->ports; *pp; pp++)
        if (*pp == a || *pp == b)
            return true;
    return false;
}

/* Probe every enabled parser. Returns the parser (YES), or NULL with *more
 * set when some parser still needs bytes. */
static const gl_app_parser *probe_all(const gl_app_flow_info *fi, const uint8_t *data, uint32_t len,
                                      int dir, bool *more)
{
    uint8_t want = fi->ipproto == GL_IPPROTO_TCP ? GL_APP_TCP : GL_APP_UDP;
    const gl_app_parser *first_yes = NULL;
    *more = false;
    for (int i = 0; gl_app_parsers[i]; i++) {
        const gl_app_parser *p = gl_app_parsers[i];
        if (parser_disabled[i] || !(p->ipprotos & want) || !p->probe)
            continue;
        gl_probe_result r = p->probe(data, len, (gl_dir)dir);
        if (r == GL_PROBE_YES || r == GL_PROBE_REVERSE) {
            if (port_hint(p, fi->client_port, fi->server_port))
                return p;
            if (!first_yes)
                first_yes = p;
        } else if (r == GL_PROBE_MORE) {
            *more = true;
        }
    }
    return first_yes;
}

bool gl_app_probe_reverse(const gl_app_flow_info *fi, const uint8_t *data, uint32_t len, int dir)
{
    uint8_t want = fi->ipproto == GL_IPPROTO_TCP ? GL_APP_TCP : GL_APP_UDP;
    bool reverse = false;
    for (int i = 0; gl_app_parsers[i]; i++) {
        const gl_app_parser *p = gl_app_parsers[i];
        if (parser_disabled[i] || !(p->ipprotos & want) || !p->probe)
            continue;
        gl_probe_result r = p->probe(data, len, (gl_dir)dir);
        if (r == GL_PROBE_YES)
            return false;
        if (r == GL_PROBE_REVERSE)
            reverse = true;
    }
    return reverse;
}

static void detach_parser(gl_flow *f)
{
    if (f->app_cur && f->app_state)
        f->app_cur->state_free(f->app_state);
    f->app_state = NULL;
    f->app_cur = NULL;
}

/* Act on a parser's return code; false = stop sending data. */
static bool parser_result(gl_app_ctx *ctx, gl_flow *f, int rc)
{
    switch (rc) {
    case GL_APP_OK:
        return true;
    case GL_APP_DONE:
        f->app_flags |= GL_FA_PARSER_DONE;
        detach_parser(f);
        return false;
    case GL_APP_REDETECT:
        /* f->app stays the flow's first protocol (for the flow record);
         * detection restarts on the following bytes */
        detach_parser(f);
        f->app_flags &= (uint8_t) ~(GL_FA_DETECT_DONE_TS | GL_FA_DETECT_DONE_TC);
        return true;
    default:
        f->app_flags |= GL_FA_PARSER_ERROR;
        gl_app_anomaly(ctx, "APPLAYER_PARSER_ERROR");
        detach_parser(f);
        return false;
    }
}

static bool feed(gl_app_ctx *ctx, gl_flow *f, int dir, const uint8_t *data, uint32_t len)
{
    if (!f->app_state || len == 0)
        return f->app_state != NULL;
    int rc = f->app_cur->parse(ctx, f->app_state, (gl_dir)dir, data, len);
    return parser_result(ctx, f, rc);
}

static void start_parser(gl_app_ctx *ctx, gl_flow *f, const gl_app_parser *p)
{
    if (!f->app)
        f->app = p;
    f->app_cur = p;
    f->app_state = p->state_new();
    if (!f->app_state) {
        f->app_flags |= GL_FA_PARSER_ERROR;
        gl_app_anomaly(ctx, "APPLAYER_PARSER_ERROR");
    }
}

/* After detection succeeds in one direction, the other direction's first
 * bytes are still probed once: disagreement is an anomaly worth logging. */
static void check_mismatch(gl_app_ctx *ctx, gl_flow *f, int dir, const uint8_t *data, uint32_t len)
{
    uint8_t bit = dir == 0 ? GL_FA_DETECT_DONE_TS : GL_FA_DETECT_DONE_TC;
    if (f->app_flags & bit)
        return;
    f->app_flags |= bit;
    bool more;
    const gl_app_parser *p = probe_all(&ctx->info, data, len, dir, &more);
    if (p && p != f->app_cur) {
        f->app_flags |= GL_FA_MISMATCH;
        gl_app_anomaly(ctx, "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS");
    }
}

static void free_detect(gl_app_ctx *ctx, gl_flow *f)
{
    if (f->app_detect) {
        free(f->app_detect);
        ctx->detect_mem -= sizeof(gl_app_detect);
        f->app_detect = NULL;
    }
}

static void detection_failed(gl_app_ctx *ctx, gl_flow *f)
{
    free_detect(ctx, f);
    f->app_flags |= GL_FA_DETECT_FAILED | GL_FA_DETECT_DONE_TS | GL_FA_DETECT_DONE_TC;
}

/* No parser recognises direction dir; the flow fails once both have. */
static bool direction_failed(gl_app_ctx *ctx, gl_flow *f, int dir)
{
    f->detect_fail |= (uint8_t)(1u << dir);
    if (f->detect_fail == 3)
        detection_failed(ctx, f);
    return !(f->app_flags & GL_FA_DETECT_FAILED);
}

/* The first bytes of a direction decide on their own (the usual case):
 * no buffer is needed. */
static bool detect_without_buffer(gl_app_ctx *ctx, gl_flow *f, int dir, const uint8_t *data, uint32_t len,
                                  bool *handled)
{
    bool more;
    const gl_app_parser *p = probe_all(&ctx->info, data, len, dir, &more);
    *handled = true;
    if (p) {
        start_parser(ctx, f, p);
        f->app_flags |= dir == 0 ? GL_FA_DETECT_DONE_TS : GL_FA_DETECT_DONE_TC;
        return feed(ctx, f, dir, data, len);
    }
    if (!more)
        return direction_failed(ctx, f, dir);
    if (ctx->detect_mem + sizeof(gl_app_detect) > ctx->detect_memcap) {
        /* bounded memory: too many flows undecided at once (a flood of
         * 1-byte first segments); give up on this one and count it */
        ctx->detect_memcap_drops++;
        return direction_failed(ctx, f, dir);
    }
    *handled = false;
    return true;
}

bool gl_app_on_data(gl_app_ctx *ctx, gl_flow *f, int dir, const uint8_t *data, uint32_t len)
{
    if (f->app_flags & (GL_FA_PARSER_DONE | GL_FA_PARSER_ERROR | GL_FA_DETECT_FAILED))
        return false;
    if (f->app_state) {
        check_mismatch(ctx, f, dir, data, len);
        return feed(ctx, f, dir, data, len);
    }

    if (f->detect_fail & (1u << dir))
        return true; /* keep the other direction going */
    gl_app_detect *d = f->app_detect;
    if (!d) {
        bool handled;
        bool rc = detect_without_buffer(ctx, f, dir, data, len, &handled);
        if (handled)
            return rc;
        d = f->app_detect = calloc(1, sizeof(*d));
        if (!d) {
            detection_failed(ctx, f);
            return false;
        }
        ctx->detect_mem += sizeof(*d);
    }
    if (!d->have_first) {
        d->have_first = 1;
        d->first_dir = (uint8_t)dir;
    }
    uint32_t room = GL_APP_DETECT_BUF - d->len[dir];
    uint32_t take = len < room ? len : room;
    memcpy(d->buf[dir] + d->len[dir], data, take);
    d->len[dir] = (uint16_t)(d->len[dir] + take);

    bool more;
    const gl_app_parser *p = probe_all(&ctx->info, d->buf[dir], d->len[dir], dir, &more);
    if (!p) {
        if (!more || d->len[dir] >= GL_APP_DETECT_BUF)
            return direction_failed(ctx, f, dir);
        return true;
    }

    /* Detected. Replay what was buffered, earliest direction first, then
     * the rest of this chunk that did not fit the buffer. */
    start_parser(ctx, f, p);
    f->app_flags |= dir == 0 ? GL_FA_DETECT_DONE_TS : GL_FA_DETECT_DONE_TC;
    f->app_detect = NULL;
    bool ok = true;
    int order[2] = { d->first_dir, !d->first_dir };
    for (int k = 0; k < 2 && ok; k++) {
        int dd = order[k];
        if (d->len[dd] == 0)
            continue;
        if (dd != dir)
            check_mismatch(ctx, f, dd, d->buf[dd], d->len[dd]);
        ok = feed(ctx, f, dd, d->buf[dd], d->len[dd]);
    }
    if (ok && take < len)
        ok = feed(ctx, f, dir, data + take, len - take);
    free(d);
    ctx->detect_mem -= sizeof(*d);
    return ok;
}

void gl_app_on_gap(gl_app_ctx *ctx, gl_flow *f, int dir, uint32_t len)
{
    if (f->app_state) {
        const gl_app_parser *p = f->app_cur;
        if (p->gap)
            p->gap(ctx, f->app_state, (gl_dir)dir, len);
        return;
    }
    if (f->app_detect || !(f->app_flags & (GL_FA_DETECT_DONE_TS | GL_FA_DETECT_DONE_TC)))
        direction_failed(ctx, f, dir); /* a hole before we could decide */
}

void gl_app_on_datagram(gl_app_ctx *ctx, gl_flow *f, int dir, const uint8_t *data, uint32_t len)
{
    if (f->app_flags & (GL_FA_PARSER_DONE | GL_FA_PARSER_ERROR | GL_FA_DETECT_FAILED) || len == 0)
        return;
    if (!f->app_state) {
        bool more;
        const gl_app_parser *p = probe_all(&ctx->info, data, len, dir, &more);
        if (!p) {
            /* a junk datagram first is common (scanners, malformed
             * retries): keep trying for the first few of the flow */
            if (f->pkts[0] + f->pkts[1] >= GL_APP_UDP_PROBE_PKTS)
                f->app_flags |= GL_FA_DETECT_FAILED;
            return;
        }
        f->app_flags |= dir == 0 ? GL_FA_DETECT_DONE_TS : GL_FA_DETECT_DONE_TC;
        start_parser(ctx, f, p);
    } else {
        check_mismatch(ctx, f, dir, data, len);
    }
    feed(ctx, f, dir, data, len);
}

void gl_app_flow_end(gl_app_ctx *ctx, gl_flow *f)
{
    if (f->app_state) {
        const gl_app_parser *p = f->app_cur;
        if (p->flow_end)
            p->flow_end(ctx, f->app_state);
        p->state_free(f->app_state);
        f->app_state = NULL;
        f->app_cur = NULL;
    }
    free_detect(ctx, f);
}

const char *gl_app_proto_name(const gl_flow *f)
{
    if (f->app)
        return f->app->name;
    if (f->app_flags & GL_FA_DETECT_FAILED)
        return "failed";
    return NULL;
}
