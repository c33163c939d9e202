/*
 * fuzz-http.c — libFuzzer target for the HTTP/1.x parser.
 *
 * Input layout (keeps seeds readable text files):
 *   byte 0        : schedule seed (PRNG for chunk sizes, direction order, gaps)
 *   bytes 1..     : toserver stream, then the marker "\n--8<--\n", then the
 *                   toclient stream (no marker: everything is toserver)
 * Both streams are fed in PRNG-sized chunks (1..64 bytes), interleaving the
 * directions; when bit 7 of the seed is set, some chunks are replaced by
 * gap() calls of the same length. probe() runs on each stream's prefix and
 * flow_end() runs at the end, so every entry point is exercised.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "proto/app-ctx.h"

static const char MARK[] = "\n--8<--\n";

static void emit(void *user, const gl_app_ctx *ctx, const char *event_type, gl_log_dir logdir,
                 gl_dir dir, const char *fields, size_t len)
{
    (void)user; (void)ctx; (void)logdir; (void)dir;
    /* every event must be a non-empty "http" object */
    if (strcmp(event_type, "http") != 0 || len < 8 || memcmp(fields, "\"http\":{", 8) != 0 ||
        fields[len - 1] != '}')
        __builtin_trap();
}

static void anomaly(void *user, const gl_app_ctx *ctx, const char *name)
{
    (void)user; (void)ctx;
    if (!name || !*name)
        __builtin_trap();
}

static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t seed = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    const uint8_t *cut = memmem(p, n, MARK, sizeof(MARK) - 1);
    const uint8_t *s[2] = { p, NULL };
    size_t len[2] = { n, 0 };
    if (cut) {
        len[0] = (size_t)(cut - p);
        s[1] = cut + sizeof(MARK) - 1;
        len[1] = n - len[0] - (sizeof(MARK) - 1);
    }
    const gl_app_parser *ps = &gl_parser_http;
    for (int d = 0; d < 2; d++)
        if (s[d])
            (void)ps->probe(s[d], (uint32_t)(len[d] < 64 ? len[d] : 64), (gl_dir)d);

    gl_app_ctx ctx;
    gl_app_ctx_init(&ctx, emit, anomaly, NULL);
    void *st = ps->state_new();
    uint32_t rng = 0x9e3779b9u ^ ((uint32_t)seed * 0x01000193u);
    size_t off[2] = { 0, 0 };
    bool dead = false;
    while (!dead && (off[0] < len[0] || off[1] < len[1])) {
        uint32_t r = next(&rng);
        int d = (r & 1) ? 1 : 0;
        if (off[d] >= len[d])
            d ^= 1;
        size_t chunk = 1 + ((r >> 1) & 63);
        if (chunk > len[d] - off[d])
            chunk = len[d] - off[d];
        if ((seed & 0x80) && ((r >> 8) & 15) == 0) {
            ps->gap(&ctx, st, (gl_dir)d, (uint32_t)chunk);
        } else {
            int rc = ps->parse(&ctx, st, (gl_dir)d, s[d] + off[d], (uint32_t)chunk);
            if (rc != GL_APP_OK)
                dead = true;
        }
        off[d] += chunk;
    }
    ps->flow_end(&ctx, st);
    ps->state_free(st);
    gl_app_ctx_free(&ctx);
    return 0;
}
