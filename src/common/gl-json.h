/*
 * gl-json.h — a tiny append-only JSON writer used for every EVE line.
 *
 * Why not a library: EVE records are written once per event on the hot path;
 * building a DOM (jansson) just to serialise it again costs allocations we do
 * not need. This writer appends to a growable byte buffer, escapes strings per
 * RFC 8259 (invalid UTF-8 bytes become \u00XX so output is always valid JSON),
 * and tracks whether a comma is needed.
 */
#ifndef GL_JSON_H
#define GL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define GL_JSON_MAX_DEPTH 32

typedef struct gl_json {
    char *buf;
    size_t len, cap;
    int depth;
    bool need_comma[GL_JSON_MAX_DEPTH];
    bool oom; /* set when an allocation failed: output is then truncated */
} gl_json;

void gl_json_init(gl_json *j);
void gl_json_free(gl_json *j);
void gl_json_reset(gl_json *j);

/* Structure. Keys are plain C strings (ASCII identifiers chosen by us). */
void gl_json_open_object(gl_json *j, const char *key); /* key NULL inside arrays / top level */
void gl_json_close_object(gl_json *j);
void gl_json_open_array(gl_json *j, const char *key);
void gl_json_close_array(gl_json *j);

/* Values; key NULL when appending to an array. */
void gl_json_str(gl_json *j, const char *key, const char *s);
void gl_json_strn(gl_json *j, const char *key, const uint8_t *s, size_t n);
void gl_json_int(gl_json *j, const char *key, int64_t v);
void gl_json_uint(gl_json *j, const char *key, uint64_t v);
void gl_json_double(gl_json *j, const char *key, double v);
void gl_json_bool(gl_json *j, const char *key, bool v);
void gl_json_null(gl_json *j, const char *key);
/* Append a pre-rendered JSON value (object, array, number...) verbatim. */
void gl_json_raw(gl_json *j, const char *key, const char *raw, size_t n);

/* Raw byte append without any separator logic (used by writers). */
void gl_json_append(gl_json *j, const char *s, size_t n);

#endif
