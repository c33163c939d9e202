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

/* Every EVE record carries a timestamp, so this is on the output hot path:
 * the date/time part is formatted once per second per thread and reused. */
void gl_format_ts(uint64_t ts_usec, char *buf, size_t buflen)
{
    static _Thread_local uint64_t cached_sec = UINT64_MAX;
    static _Thread_local char cached[64]; /* "2009-11-24T21:27:09." */
    uint64_t sec = ts_usec / 1000000ULL;
    if (sec != cached_sec) {
        time_t secs = (time_t)sec;
        struct tm tm;
        if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
            snprintf(buf, buflen, "%llu.%06u", (unsigned long long)sec, (unsigned)(ts_usec % 1000000ULL));
            return;
        }
        snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_sec = sec;
    }
    if (buflen < 32) {
        if (buflen)
            buf[0] = 0;
        return;
    }
    memcpy(buf, cached, 20);
    unsigned us = (unsigned)(ts_usec % 1000000ULL);
    for (int i = 25; i >= 20; i--) {
        buf[i] = (char)('0' + us % 10);
        us /= 10;
    }
    memcpy(buf + 26, "+0000", 6);
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
