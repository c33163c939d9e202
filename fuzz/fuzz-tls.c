/*
 * fuzz-tls.c — libFuzzer target for the TLS parser.
 *
 * Input framing: a sequence of [ctl][bytes...] where ctl's top bit picks the
 * direction (0 toserver, 1 toclient) and the low 7 bits + 1 give the chunk
 * length, so the fuzzer controls both interleaving and chunk boundaries.
 * Also runs probe() on each direction's first chunk, gap() when ctl is 0xff
 * with no bytes left, and flow_end() at the end, like the stream stage.
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/app-ctx.h"
#include "proto/app-layer.h"

static void emit(void *user, const gl_app_ctx *ctx, const char *type, gl_log_dir logdir,
                 gl_dir dir, const char *fields, size_t len)
{
    (void)user; (void)ctx; (void)type; (void)logdir; (void)dir;
    /* touch the output so ASan sees any bad length */
    volatile char sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= fields[i];
    (void)sink;
}

static void anomaly(void *user, const gl_app_ctx *ctx, const char *name)
{
    (void)user; (void)ctx; (void)name;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const gl_app_parser *p = &gl_parser_tls;
    gl_app_ctx ctx;
    gl_app_ctx_init(&ctx, emit, anomaly, NULL);
    ctx.info.ipproto = 6;
    void *st = p->state_new();
    bool probed[2] = { false, false };
    int rc = GL_APP_OK;
    size_t off = 0;
    while (off < size && rc == GL_APP_OK) {
        uint8_t ctl = data[off++];
        gl_dir dir = (ctl & 0x80) ? GL_DIR_TOCLIENT : GL_DIR_TOSERVER;
        size_t n = (size_t)(ctl & 0x7f) + 1;
        if (n > size - off)
            n = size - off;
        if (n == 0) {
            if (ctl == 0xff)
                p->gap(&ctx, st, dir, 100);
            break;
        }
        if (!probed[dir]) {
            probed[dir] = true;
            (void)p->probe(data + off, (uint32_t)n, dir);
        }
        rc = p->parse(&ctx, st, dir, data + off, (uint32_t)n);
        off += n;
    }
    if (rc == GL_APP_OK)
        p->flow_end(&ctx, st);
    p->state_free(st);
    gl_app_ctx_free(&ctx);
    return 0;
}
