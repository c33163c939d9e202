/*
 * gl-json.c — append-only JSON writer (see gl-json.h for why it exists).
 */
#include "gl-json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <inttypes.h>

void gl_json_init(gl_json *j)
{
    memset(j, 0, sizeof(*j));
}

void gl_json_free(gl_json *j)
{
    free(j->buf);
    memset(j, 0, sizeof(*j));
}

void gl_json_reset(gl_json *j)
{
    j->len = 0;
    j->depth = 0;
    j->need_comma[0] = false;
    j->oom = false;
}

static bool reserve(gl_json *j, size_t extra)
{
    if (j->oom)
        return false;
    if (j->len + extra + 1 <= j->cap)
        return true;
    size_t ncap = j->cap ? j->cap : 512;
    while (ncap < j->len + extra + 1)
        ncap *= 2;
    char *nb = realloc(j->buf, ncap);
    if (!nb) {
        j->oom = true;
        return false;
    }
    j->buf = nb;
    j->cap = ncap;
    return true;
}

void gl_json_append(gl_json *j, const char *s, size_t n)
{
    if (!reserve(j, n))
        return;
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void putc_(gl_json *j, char c)
{
    if (!reserve(j, 1))
        return;
    j->buf[j->len++] = c;
    j->buf[j->len] = '\0';
}

/* Length of a valid UTF-8 sequence starting at s (max n bytes), 0 if invalid. */
static size_t utf8_seq_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* reject overlong forms, surrogates and out-of-range code points */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static void put_escaped(gl_json *j, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    putc_(j, '"');
    if (!reserve(j, n + 2))
        return;
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            /* fast path: run of plain ASCII */
            size_t k = i;
            while (k < n && s[k] >= 0x20 && s[k] != '"' && s[k] != '\\' && s[k] < 0x80)
                k++;
            gl_json_append(j, (const char *)s + i, k - i);
            i = k;
            continue;
        }
        switch (c) {
        case '"': gl_json_append(j, "\\\"", 2); i++; continue;
        case '\\': gl_json_append(j, "\\\\", 2); i++; continue;
        case '\n': gl_json_append(j, "\\n", 2); i++; continue;
        case '\r': gl_json_append(j, "\\r", 2); i++; continue;
        case '\t': gl_json_append(j, "\\t", 2); i++; continue;
        default: break;
        }
        if (c >= 0x80) {
            size_t l = utf8_seq_len(s + i, n - i);
            if (l > 0) {
                gl_json_append(j, (const char *)s + i, l);
                i += l;
                continue;
            }
        }
        /* control byte or invalid UTF-8 byte: emit as \u00XX */
        char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
        gl_json_append(j, esc, 6);
        i++;
    }
    putc_(j, '"');
}

static void sep_key(gl_json *j, const char *key)
{
    if (j->need_comma[j->depth])
        putc_(j, ',');
    j->need_comma[j->depth] = true;
    if (key) {
        put_escaped(j, (const uint8_t *)key, strlen(key));
        putc_(j, ':');
    }
}

void gl_json_open_object(gl_json *j, const char *key)
{
    sep_key(j, key);
    putc_(j, '{');
    if (j->depth < GL_JSON_MAX_DEPTH - 1)
        j->depth++;
    j->need_comma[j->depth] = false;
}

void gl_json_close_object(gl_json *j)
{
    putc_(j, '}');
    if (j->depth > 0)
        j->depth--;
}

void gl_json_open_array(gl_json *j, const char *key)
{
    sep_key(j, key);
    putc_(j, '[');
    if (j->depth < GL_JSON_MAX_DEPTH - 1)
        j->depth++;
    j->need_comma[j->depth] = false;
}

void gl_json_close_array(gl_json *j)
{
    putc_(j, ']');
    if (j->depth > 0)
        j->depth--;
}

void gl_json_str(gl_json *j, const char *key, const char *s)
{
    sep_key(j, key);
    if (!s) {
        gl_json_append(j, "null", 4);
        return;
    }
    put_escaped(j, (const uint8_t *)s, strlen(s));
}

void gl_json_strn(gl_json *j, const char *key, const uint8_t *s, size_t n)
{
    sep_key(j, key);
    put_escaped(j, s, n);
}

/* Decimal digits of v, right-aligned in tmp[0..24); returns the start. */
static char *u64_digits(uint64_t v, char tmp[24])
{
    char *p = tmp + 24;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

void gl_json_int(gl_json *j, const char *key, int64_t v)
{
    char tmp[24];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = u64_digits(mag, tmp);
    if (v < 0)
        *--p = '-';
    sep_key(j, key);
    gl_json_append(j, p, (size_t)(tmp + 24 - p));
}

void gl_json_uint(gl_json *j, const char *key, uint64_t v)
{
    char tmp[24];
    char *p = u64_digits(v, tmp);
    sep_key(j, key);
    gl_json_append(j, p, (size_t)(tmp + 24 - p));
}

void gl_json_double(gl_json *j, const char *key, double v)
{
    char tmp[64];
    sep_key(j, key);
    if (!isfinite(v)) {
        gl_json_append(j, "null", 4);
        return;
    }
    int n = snprintf(tmp, sizeof(tmp), "%.6g", v);
    gl_json_append(j, tmp, (size_t)n);
}

void gl_json_bool(gl_json *j, const char *key, bool v)
{
    sep_key(j, key);
    if (v)
        gl_json_append(j, "true", 4);
    else
        gl_json_append(j, "false", 5);
}

void gl_json_null(gl_json *j, const char *key)
{
    sep_key(j, key);
    gl_json_append(j, "null", 4);
}

void gl_json_raw(gl_json *j, const char *key, const char *raw, size_t n)
{
    sep_key(j, key);
    gl_json_append(j, raw, n);
}
