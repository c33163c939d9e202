/*
 * fuzz-seqmodel-load.c — libFuzzer target for the sequence-model file loader
 * (src/detect/enc-seqmodel.c). Each input is tried twice: as is (almost
 * always stopped by the SHA-256 check) and with its last 32 bytes replaced
 * by the correct SHA-256 of the rest, so the checks behind the checksum
 * (flags, finite and bounded weights) see fuzzed data too. A model that
 * loads must predict a probability in [0, 1] for any sequence, survive a
 * training step, and save/load to the same predictions.
 *
 * Seeds: fuzz/seeds/seqmodel-load/ (see its README).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../src/detect/enc-seqmodel.h"

gl_seqmodel *gl_seqmodel_load_mem(const uint8_t *d, size_t n, char *err, size_t errlen);

static void exercise(gl_seqmodel *m, const uint8_t *data, size_t size)
{
    gl_seq s;
    memset(&s, 0, sizeof(s));
    /* a sequence made of the input bytes: weights and inputs both fuzzed */
    s.n = size ? data[0] : 0;
    for (int t = 0; t < GL_SEQ_LEN; t++) {
        size_t o = (size_t)t * 7 + 1;
        if (o + 7 > size)
            break;
        s.p[t].len = (uint16_t)(data[o] | data[o + 1] << 8);
        s.p[t].dir = data[o + 2];
        memcpy(&s.p[t].gap_us, data + o + 3, 4);
    }
    double p = gl_seqmodel_predict(m, &s);
    if (!(p >= 0.0 && p <= 1.0))
        abort();
    const gl_seq *b[1] = {&s};
    uint8_t lab[1] = {1};
    double l = gl_seqmodel_train_batch(m, b, lab, 1, 0.01);
    if (!isfinite(l) || l < 0)
        abort();
    p = gl_seqmodel_predict(m, &s);
    if (!(p >= 0.0 && p <= 1.0))
        abort();

    static char path[64];
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/fuzz-seqmodel-%d.model", (int)getpid());
    char err[256];
    if (gl_seqmodel_save(m, path, err, sizeof(err)) != 0)
        abort();
    gl_seqmodel *r = gl_seqmodel_load(path, err, sizeof(err));
    if (!r || gl_seqmodel_predict(r, &s) != p)
        abort();
    gl_seqmodel_free(r);
}

static void try_load(const uint8_t *data, size_t size)
{
    char err[256];
    err[0] = 0;
    gl_seqmodel *m = gl_seqmodel_load_mem(data, size, err, sizeof(err));
    if (!m) {
        if (!err[0] || strchr(err, '\n'))
            abort(); /* every rejection carries a one-line reason */
        return;
    }
    exercise(m, data, size);
    gl_seqmodel_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_load(data, size);
    if (size >= 32 && size <= 1 << 16) {
        uint8_t *d = malloc(size);
        if (!d)
            return 0;
        memcpy(d, data, size);
        unsigned int len = 0;
        EVP_Digest(d, size - 32, d + size - 32, &len, EVP_sha256(), NULL);
        try_load(d, size);
        free(d);
    }
    return 0;
}
