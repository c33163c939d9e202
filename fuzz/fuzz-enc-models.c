/*
 * fuzz-enc-models.c — libFuzzer target for the encrypted-detection file
 * parsers: fusion model, feedback store, session journal lines, and the
 * restricted-domain fingerprint / certificate key walkers (the first input
 * byte picks the parser). Invariants: no crash; a fusion model that parses
 * has finite weights within the documented limit and survives a
 * save/parse round trip unchanged.
 */
#include "detect/enc-models.h"
#include "proto/tls-rdfp.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fusion(const char *buf, size_t len)
{
    enc_fusion f;
    char err[256];
    if (enc_fusion_parse(buf, len, &f, err, sizeof(err)) != 0)
        return;
    if (!isfinite(f.bias) || fabs(f.bias) > 50)
        __builtin_trap();
    for (int i = 0; i < ENC_NFEAT; i++)
        if (!isfinite(f.wf[i]) || fabs(f.wf[i]) > 50)
            __builtin_trap();
    enc_inputs in = { .s = { 0.5, 0.5, 0.5, 0.5 }, .nn = 0.5, .n = 1 };
    double p = enc_fusion_prob(&f, &in, NULL);
    if (!(p >= 0 && p <= 1))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0] % 5;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    char *z = malloc(len + 1); /* NUL-terminated copy for line parsers */
    if (!z)
        return 0;
    memcpy(z, buf, len);
    z[len] = 0;
    switch (which) {
    case 0:
        fusion(buf, len);
        break;
    case 1: {
        enc_feedback out[8];
        size_t n;
        char err[256];
        enc_feedback_parse_buf(buf, len, out, 8, &n, err, sizeof(err));
        break;
    }
    case 2: {
        enc_journal_rec r;
        if (enc_journal_parse(z, &r) == 0 && (r.seq.n > GL_SEQ_LEN || r.nf > ENC_MAX_INPUTS))
            __builtin_trap();
        break;
    }
    case 3: {
        char out[TLS_RDFP_STR_MAX];
        if (tls_rdfp_client(data + 1, (uint32_t)len, 0x0301, out, sizeof(out)) && strlen(out) >= sizeof(out))
            __builtin_trap();
        tls_rdfp_server(data + 1, (uint32_t)len, 0x0303, "rsa", 2048, out, sizeof(out));
        break;
    }
    case 4: {
        char alg[8];
        tls_cert_key_bits(data + 1, len, alg, sizeof(alg));
        break;
    }
    }
    free(z);
    return 0;
}
