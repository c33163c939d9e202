/*
 * fuzz-config.c — libFuzzer target for the YAML configuration loader
 * (gl_config_load_yaml) and --set parsing (gl_config_set).
 *
 * The input is written to a private temp file and loaded as YAML into a
 * default configuration; on failure the error must be a non-empty,
 * terminated line. The first line of the input is also tried as
 * "key=value" through gl_config_set, as --set would.
 *
 * Regression (found by this target; reproducer fuzz/crashers-config/err-newline.yaml):
 * a YAML plain scalar can span lines ("threads: 2\n\n  x" is "2\nx"), and error
 * messages used to quote it raw; they must stay one printable line.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor/config.h"

#define CHECK(c)                    \
    do {                            \
        if (!(c))                   \
            __builtin_trap();       \
    } while (0)

static char path[64];

static void check_err(int rc, const char *err, size_t cap)
{
    CHECK(rc == 0 || rc == -1);
    CHECK(memchr(err, 0, cap) != NULL);
    if (rc == -1) {
        CHECK(err[0] != 0);
#if 1 /* fixed: messages quote values through printable() */
        CHECK(strchr(err, '\n') == NULL);
#endif
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/gl-fuzz-config-%d.yaml", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);

    gl_config c;
    char err[256];
    gl_config_default(&c);
    memset(err, 0x55, sizeof(err));
    err[sizeof(err) - 1] = 0;
    int rc = gl_config_load_yaml(&c, path, err, sizeof(err));
    if (rc == -1 && err[0] == 0x55)
        __builtin_trap(); /* failure without a message */
    check_err(rc, err, sizeof(err));

    /* first line as key=value */
    const uint8_t *nl = memchr(data, '\n', size);
    size_t n = nl ? (size_t)(nl - data) : size;
    if (n < 512) {
        char line[512];
        memcpy(line, data, n);
        line[n] = 0;
        char *eq = strchr(line, '=');
        if (eq && strlen(line) == n) {
            *eq = 0;
            err[0] = 0;
            rc = gl_config_set(&c, line, eq + 1, err, sizeof(err));
            check_err(rc, err, sizeof(err));
        }
    }
    gl_config_free(&c);
    return 0;
}
