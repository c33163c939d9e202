/*
 * gl-util.c — address/time formatting and a byte hash shared by all stages.
 */
#include "gl-util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <time.h>

const char *gl_addr_str(const gl_addr *a, char *buf)
{
    if (gl_addr_is_v4(a))
        inet_ntop(AF_INET, a->b + 12, buf, GL_ADDR_STRLEN);
    else
        inet_ntop(AF_INET6, a->b, buf, GL_ADDR_STRLEN);
    return buf;
}

void gl_format_ts(uint64_t ts_usec, char *buf, size_t buflen)
{
    time_t secs = (time_t)(ts_usec / 1000000ULL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(ts_usec % 1000000ULL));
}

void gl_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

uint64_t gl_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = gl_mix64(h ^ v);
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, n);
    return gl_mix64(h ^ tail ^ 0x5bd1e995ULL);
}
