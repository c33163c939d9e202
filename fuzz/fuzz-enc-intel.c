/*
 * fuzz-enc-intel.c — libFuzzer target for the local intel CSV loader
 * (enc-intel.c): any bytes must load or be rejected with a reason, never
 * crash; a loaded table must answer lookups of every type.
 */
#include "detect/enc-intel.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    enc_intel *in = enc_intel_parse((const char *)data, size, "fuzz.csv", err, sizeof(err));
    if (!in) {
        if (!err[0])
            __builtin_trap(); /* a rejection always says why */
        return 0;
    }
    enc_intel_hit h;
    char val[80];
    size_t n = size < sizeof(val) - 1 ? size : sizeof(val) - 1;
    memcpy(val, data, n);
    val[n] = 0;
    for (int t = 0; t < ENC_IOC_N; t++)
        enc_intel_find(in, t, val, &h);
    enc_intel_find_domain(in, val, &h);
    enc_intel_find_domain(in, "a.b.evil.example", &h);
    gl_addr a = { { 0 } };
    enc_intel_find_ip(in, &a, &h);
    enc_intel_free(in);
    return 0;
}
