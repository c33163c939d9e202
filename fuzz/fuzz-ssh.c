/*
 * fuzz-ssh.c — libFuzzer target for the SSH parser: a TCP conversation where
 * each chunk is prefixed by a control byte (direction, chunk length, or a
 * gap), so banners and packets get split at arbitrary points in both
 * directions. Every emitted event must be valid JSON; at most one ssh event
 * per flow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../src/proto/app-ctx.h"

/* Minimal JSON syntax check (depth-limited): catches broken output. */
static const char *js_value(const char *p, const char *e, int depth);
static const char *js_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}
static const char *js_string(const char *p, const char *e)
{
    if (p >= e || *p != '"')
        return NULL;
    for (p++; p < e; p++) {
        if (*p == '"')
            return p + 1;
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (p >= e)
                return NULL;
            if (*p == 'u') {
                if (e - p < 5)
                    return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return NULL;
}
static const char *js_container(const char *p, const char *e, int depth, char close, int obj)
{
    p = js_ws(p + 1, e);
    if (p < e && *p == close)
        return p + 1;
    for (;;) {
        if (obj) {
            p = js_string(js_ws(p, e), e);
            if (!p)
                return NULL;
            p = js_ws(p, e);
            if (p >= e || *p != ':')
                return NULL;
            p++;
        }
        p = js_value(p, e, depth + 1);
        if (!p)
            return NULL;
        p = js_ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        return p < e && *p == close ? p + 1 : NULL;
    }
}
static const char *js_value(const char *p, const char *e, int depth)
{
    if (depth > 64)
        return NULL;
    p = js_ws(p, e);
    if (p >= e)
        return NULL;
    switch (*p) {
    case '{': return js_container(p, e, depth, '}', 1);
    case '[': return js_container(p, e, depth, ']', 0);
    case '"': return js_string(p, e);
    case 't': return e - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : NULL;
    case 'f': return e - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : NULL;
    case 'n': return e - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : NULL;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            p++;
            while (p < e && strchr("0123456789.eE+-", *p))
                p++;
            return p;
        }
        return NULL;
    }
}

static void on_event(void *user, const gl_app_ctx *ctx, const char *type, gl_log_dir logdir,
                     gl_dir dir, const char *fields, size_t len)
{
    (void)ctx; (void)type; (void)logdir; (void)dir;
    if (++*(int *)user > 1)
        abort(); /* one event per flow */
    /* fields are members of the top-level object: wrap them */
    char *s = malloc(len + 2);
    s[0] = '{';
    memcpy(s + 1, fields, len);
    s[len + 1] = '}';
    const char *end = js_value(s, s + len + 2, 0);
    if (!end || js_ws(end, s + len + 2) != s + len + 2)
        abort();
    free(s);
}

static void on_anomaly(void *user, const gl_app_ctx *ctx, const char *name)
{
    (void)user; (void)ctx;
    if (!name || !*name)
        abort();
}

extern const gl_app_parser gl_parser_ssh;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const gl_app_parser *p = &gl_parser_ssh;
    gl_app_ctx ctx;
    int events = 0;
    gl_app_ctx_init(&ctx, on_event, on_anomaly, &events);
    ctx.info.ipproto = 6;
    void *st = p->state_new();
    p->probe(data, (uint32_t)size, GL_DIR_TOSERVER);
    p->probe(data, (uint32_t)size, GL_DIR_TOCLIENT);
    size_t off = 0;
    int rc = GL_APP_OK;
    while (off < size && rc == GL_APP_OK) {
        uint8_t c = data[off++];
        gl_dir dir = (gl_dir)(c & 1);
        if (c == 0xff || c == 0xfe) {
            p->gap(&ctx, st, dir, 10);
            continue;
        }
        size_t n = (size_t)(c >> 1) + 1;
        if (c & 0x80)
            n = size - off; /* rest of the input in one chunk */
        if (n > size - off)
            n = size - off;
        rc = p->parse(&ctx, st, dir, data + off, (uint32_t)n);
        off += n;
    }
    p->flow_end(&ctx, st);
    p->state_free(st);
    gl_app_ctx_free(&ctx);
    return 0;
}
