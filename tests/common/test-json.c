/*
 * test-json.c — the EVE JSON writer: string escaping per RFC 8259 §7,
 * UTF-8 validation per RFC 3629 §3-4 (overlongs, surrogates, > U+10FFFF and
 * truncated sequences are not UTF-8), structure and comma placement,
 * numbers and doubles. Every rendered document is also parsed back with
 * jansson (an independent RFC 8259 parser): the writer's promise is that its
 * output is always valid JSON, whatever bytes it is given.
 *
 * Expected strings are written by hand from the RFCs: '"' and '\\' must be
 * escaped; U+0000..U+001F must be escaped (\n, \r, \t short forms or
 * \u00XX); valid multi-byte UTF-8 may pass through unchanged; bytes that are
 * not valid UTF-8 become \u00XX (the writer's documented choice: the byte
 * value taken as a Latin-1 code point).
 */
#include "../check.h"
#include "common/gl-json.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

/* Parse j's buffer with jansson; returns the root (caller decrefs) or NULL. */
static json_t *parse_back(const gl_json *j)
{
    json_error_t e;
    json_t *root = json_loadb(j->buf, j->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!root)
        fprintf(stderr, "jansson rejected [%.*s]: %s at %d\n", (int)j->len, j->buf, e.text, e.position);
    return root;
}

/* Render one string value (as [ "..." ]), compare the exact text with
 * want_json, and check jansson decodes it to want_utf8 (want_n bytes). */
static void check_string(const char *in, size_t n, const char *want_json, const char *want_utf8,
                         size_t want_n)
{
    gl_json j;
    gl_json_init(&j);
    gl_json_open_array(&j, NULL);
    gl_json_strn(&j, NULL, (const uint8_t *)in, n);
    gl_json_close_array(&j);
    char want[1024];
    snprintf(want, sizeof(want), "[%s]", want_json);
    T_EQ_S(j.buf, want);
    T_EQ_U(j.len, strlen(want));
    json_t *root = parse_back(&j);
    T_CHECK(root != NULL);
    if (root) {
        json_t *s = json_array_get(root, 0);
        T_CHECK(json_is_string(s));
        T_EQ_U(json_string_length(s), want_n);
        T_CHECK(json_string_length(s) == want_n && memcmp(json_string_value(s), want_utf8, want_n) == 0);
        json_decref(root);
    }
    gl_json_free(&j);
}
#define STR(lit, want_json, want_utf8) \
    check_string(lit, sizeof(lit) - 1, want_json, want_utf8, sizeof(want_utf8) - 1)

static void test_escapes(void)
{
    STR("plain", "\"plain\"", "plain");
    STR("", "\"\"", "");
    STR("a\"b", "\"a\\\"b\"", "a\"b");             /* quotation mark: \" */
    STR("a\\b", "\"a\\\\b\"", "a\\b");              /* reverse solidus: \\ */
    STR("/", "\"/\"", "/");                         /* solidus may stay as is */
    STR("\n\r\t", "\"\\n\\r\\t\"", "\n\r\t");       /* short forms */
    /* other C0 controls: \u00XX (\b and \f have short forms too; the long
     * form is equally valid per §7) */
    STR("\x01", "\"\\u0001\"", "\x01");
    STR("\b\f", "\"\\u0008\\u000c\"", "\b\f");
    STR("\x1f", "\"\\u001f\"", "\x1f");
    STR("\x7f", "\"\x7f\"", "\x7f");                /* DEL is not a control in JSON */
    /* NUL inside a counted string must not end it */
    check_string("a\0b", 3, "\"a\\u0000b\"", "a\0b", 3);
    STR("\"\\\"", "\"\\\"\\\\\\\"\"", "\"\\\"");
}

static void test_utf8(void)
{
    /* valid sequences pass through: U+00E9 (2 bytes), U+20AC (3), U+1D11E (4),
     * and the extremes U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF */
    STR("caf\xc3\xa9", "\"caf\xc3\xa9\"", "caf\xc3\xa9");
    STR("\xe2\x82\xac", "\"\xe2\x82\xac\"", "\xe2\x82\xac");
    STR("\xf0\x9d\x84\x9e", "\"\xf0\x9d\x84\x9e\"", "\xf0\x9d\x84\x9e");
    STR("\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"", "\xc2\x80\xdf\xbf");
    STR("\xe0\xa0\x80\xef\xbf\xbf", "\"\xe0\xa0\x80\xef\xbf\xbf\"", "\xe0\xa0\x80\xef\xbf\xbf");
    STR("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
        "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");

    /* invalid bytes → \u00XX, which jansson decodes to the code point U+00XX,
     * i.e. the UTF-8 pair C2/C3 xx */
    STR("\x80", "\"\\u0080\"", "\xc2\x80");                 /* lone continuation */
    STR("\xff", "\"\\u00ff\"", "\xc3\xbf");                 /* never valid */
    STR("\xf8\x88\x80\x80\x80", "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"",
        "\xc3\xb8\xc2\x88\xc2\x80\xc2\x80\xc2\x80");       /* 5-byte form */
    STR("\xc0\xaf", "\"\\u00c0\\u00af\"", "\xc3\x80\xc2\xaf");  /* overlong '/' */
    STR("\xc1\xbf", "\"\\u00c1\\u00bf\"", "\xc3\x81\xc2\xbf");  /* overlong U+007F */
    STR("\xe0\x9f\xbf", "\"\\u00e0\\u009f\\u00bf\"",
        "\xc3\xa0\xc2\x9f\xc2\xbf");                          /* overlong U+07FF */
    STR("\xf0\x8f\xbf\xbf", "\"\\u00f0\\u008f\\u00bf\\u00bf\"",
        "\xc3\xb0\xc2\x8f\xc2\xbf\xc2\xbf");                  /* overlong U+FFFF */
    STR("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"",
        "\xc3\xad\xc2\xa0\xc2\x80");                          /* surrogate U+D800 */
    STR("\xed\xbf\xbf", "\"\\u00ed\\u00bf\\u00bf\"",
        "\xc3\xad\xc2\xbf\xc2\xbf");                          /* surrogate U+DFFF */
    STR("\xed\x9f\xbf", "\"\xed\x9f\xbf\"", "\xed\x9f\xbf");  /* U+D7FF: valid */
    STR("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"",
        "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80");                  /* U+110000 */
    /* truncated sequence at the end, and cut by an ASCII byte */
    STR("x\xe2\x82", "\"x\\u00e2\\u0082\"", "x\xc3\xa2\xc2\x82");
    STR("\xc3" "A", "\"\\u00c3A\"", "\xc3\x83" "A");
    /* an invalid lead byte must not swallow the valid sequence after it */
    STR("\x80\xc3\xa9", "\"\\u0080\xc3\xa9\"", "\xc2\x80\xc3\xa9");
}

/* Every byte value, alone and in every pair: the output must always parse. */
static void test_all_bytes_valid_json(void)
{
    gl_json j;
    gl_json_init(&j);
    int bad = 0;
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            uint8_t s[3] = { (uint8_t)a, (uint8_t)b, (uint8_t)(a ^ b) };
            gl_json_reset(&j);
            gl_json_open_object(&j, NULL);
            gl_json_strn(&j, "k", s, 3);
            gl_json_close_object(&j);
            json_t *r = json_loadb(j.buf, j.len, JSON_ALLOW_NUL, NULL);
            if (!r)
                bad++;
            json_decref(r);
        }
    }
    T_EQ_U(bad, 0);
    gl_json_free(&j);
}

static void test_structure(void)
{
    gl_json j;
    gl_json_init(&j);
    gl_json_open_object(&j, NULL);
    gl_json_uint(&j, "a", 1);
    gl_json_open_array(&j, "b");
    gl_json_int(&j, NULL, 1);
    gl_json_int(&j, NULL, -2);
    gl_json_open_object(&j, NULL);
    gl_json_str(&j, "c", "x");
    gl_json_close_object(&j);
    gl_json_open_array(&j, NULL);
    gl_json_close_array(&j);
    gl_json_close_array(&j);
    gl_json_open_object(&j, "d");
    gl_json_close_object(&j);
    gl_json_bool(&j, "t", true);
    gl_json_bool(&j, "f", false);
    gl_json_null(&j, "n");
    gl_json_str(&j, "s", NULL);          /* NULL string → null */
    gl_json_raw(&j, "r", "[1,2]", 5);
    gl_json_str(&j, "k\"q", "v");        /* keys are escaped too */
    gl_json_close_object(&j);
    T_EQ_S(j.buf, "{\"a\":1,\"b\":[1,-2,{\"c\":\"x\"},[]],\"d\":{},\"t\":true,\"f\":false,"
                  "\"n\":null,\"s\":null,\"r\":[1,2],\"k\\\"q\":\"v\"}");
    json_t *r = parse_back(&j);
    T_CHECK(r != NULL);
    if (r) {
        T_EQ_U(json_integer_value(json_array_get(json_object_get(r, "b"), 1)), (unsigned long long)-2);
        T_EQ_S(json_string_value(json_object_get(json_array_get(json_object_get(r, "b"), 2), "c")), "x");
        T_CHECK(json_is_null(json_object_get(r, "s")));
        T_EQ_S(json_string_value(json_object_get(r, "k\"q")), "v");
        json_decref(r);
    }

    /* reset starts a fresh document: no stray comma from the previous one */
    gl_json_reset(&j);
    gl_json_open_object(&j, NULL);
    gl_json_uint(&j, "x", 7);
    gl_json_close_object(&j);
    T_EQ_S(j.buf, "{\"x\":7}");
    gl_json_free(&j);
}

/* Deeper than GL_JSON_MAX_DEPTH: the writer stops tracking levels but the
 * output must still be well formed, commas included. */
static void test_deep_nesting(void)
{
    gl_json j;
    gl_json_init(&j);
    const int deep = GL_JSON_MAX_DEPTH + 8;
    for (int i = 0; i < deep; i++)
        gl_json_open_array(&j, NULL);
    gl_json_uint(&j, NULL, 1);
    gl_json_uint(&j, NULL, 2);
    gl_json_close_array(&j);
    gl_json_uint(&j, NULL, 3); /* sibling of the innermost array */
    for (int i = 1; i < deep; i++) {
        gl_json_close_array(&j);
        if (i == deep / 2)
            gl_json_str(&j, NULL, "mid");
    }
    json_t *r = parse_back(&j);
    T_CHECK(r != NULL);
    json_decref(r);

    /* expected text, built independently: deep '[' then 1,2 ] ,3 ... */
    char want[512] = "";
    for (int i = 0; i < deep; i++)
        strcat(want, "[");
    strcat(want, "1,2],3");
    for (int i = 1; i < deep; i++) {
        strcat(want, "]");
        if (i == deep / 2)
            strcat(want, ",\"mid\"");
    }
    T_EQ_S(j.buf, want);
    gl_json_free(&j);
}

static void test_numbers(void)
{
    gl_json j;
    gl_json_init(&j);
    gl_json_open_array(&j, NULL);
    gl_json_int(&j, NULL, INT64_MIN);
    gl_json_int(&j, NULL, INT64_MAX);
    gl_json_uint(&j, NULL, 0);
    gl_json_uint(&j, NULL, UINT64_MAX);
    gl_json_close_array(&j);
    T_EQ_S(j.buf, "[-9223372036854775808,9223372036854775807,0,18446744073709551615]");
    /* jansson's integers are 64-bit signed: decode as reals to accept 2^64-1 */
    json_t *r = json_loadb(j.buf, j.len, JSON_DECODE_INT_AS_REAL, NULL);
    T_CHECK(r != NULL);
    json_decref(r);

    /* doubles: %.6g-style text; NaN and infinities are not JSON numbers
     * (RFC 8259 §6) and become null */
    gl_json_reset(&j);
    gl_json_open_array(&j, NULL);
    gl_json_double(&j, NULL, 0.5);
    gl_json_double(&j, NULL, -2.25);
    gl_json_double(&j, NULL, 1e300);
    gl_json_double(&j, NULL, NAN);
    gl_json_double(&j, NULL, INFINITY);
    gl_json_double(&j, NULL, -INFINITY);
    gl_json_double(&j, NULL, 0.0);
    gl_json_double(&j, NULL, 1e-7);
    gl_json_close_array(&j);
    T_EQ_S(j.buf, "[0.5,-2.25,1e+300,null,null,null,0,1e-07]");
    r = parse_back(&j);
    T_CHECK(r != NULL);
    if (r) {
        T_CHECK(json_real_value(json_array_get(r, 0)) == 0.5);
        T_CHECK(json_real_value(json_array_get(r, 1)) == -2.25);
        T_CHECK(json_is_null(json_array_get(r, 3)));
        T_CHECK(json_is_null(json_array_get(r, 5)));
        json_decref(r);
    }
    gl_json_free(&j);
}

/* A long value crosses many buffer growths; length is exact. */
static void test_growth(void)
{
    size_t n = 100000;
    uint8_t *s = malloc(n);
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 10 == 9) ? '"' : 'a'; /* 10% of bytes need 2 output bytes */
    gl_json j;
    gl_json_init(&j);
    gl_json_strn(&j, NULL, s, n);
    T_EQ_U(j.len, 2 + n + n / 10);
    T_CHECK(!j.oom);
    json_t *r = parse_back(&j);
    T_CHECK(r && json_string_length(r) == n);
    json_decref(r);
    gl_json_free(&j);
    free(s);
}

int main(void)
{
    test_escapes();
    test_utf8();
    test_all_bytes_valid_json();
    test_structure();
    test_deep_nesting();
    test_numbers();
    test_growth();
    return t_report("test-json");
}
