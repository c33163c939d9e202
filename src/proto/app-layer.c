/*
 * app-layer.c — the parser table (detection order) and protocol detection.
 */
#include "app-layer.h"

const gl_app_parser *const gl_app_parsers[] = {
    &gl_parser_tls, &gl_parser_http, &gl_parser_ssh, &gl_parser_dns, NULL,
};
