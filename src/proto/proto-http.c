/*
 * proto-http.c — placeholder, being written (see issue 2).
 */
#include "app-layer.h"
#include <stdlib.h>

static gl_probe_result probe(const uint8_t *data, uint32_t len, gl_dir dir)
{
    (void)data; (void)len; (void)dir;
    return GL_PROBE_NO;
}
static void *state_new(void) { return calloc(1, 1); }
static void state_free(void *s) { free(s); }
static int parse(gl_app_ctx *ctx, void *state, gl_dir dir, const uint8_t *data, uint32_t len)
{
    (void)ctx; (void)state; (void)dir; (void)data; (void)len;
    return GL_APP_DONE;
}

const gl_app_parser gl_parser_http = {
    .name = "http", .ipprotos = GL_APP_TCP, .probe = probe,
    .state_new = state_new, .state_free = state_free, .parse = parse,
};
