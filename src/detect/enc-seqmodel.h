/*
 * enc-seqmodel.h — contract of the session-behaviour sequence model
 * (sub-model 3 of encrypted-traffic detection): a small 1-D convolutional
 * network over the first GL_SEQ_LEN packets of a session after its TLS
 * handshake, each described by (payload length, direction, gap since the
 * previous packet). Training (backpropagation) and inference are both plain C;
 * weights live in a versioned, checksummed model file.
 *
 * Thread safety: a loaded gl_seqmodel is read-only during inference and can
 * be shared by workers; training works on a model no worker is using.
 */
#ifndef GL_ENC_SEQMODEL_H
#define GL_ENC_SEQMODEL_H

#include <stddef.h>
#include <stdint.h>

#define GL_SEQ_LEN 32 /* packets after the handshake that the model sees */

/* One packet of the sequence. Sessions shorter than GL_SEQ_LEN are padded
 * with zero entries (n says how many are real). */
typedef struct gl_seq_pkt {
    uint16_t len;     /* payload bytes (TLS records: on-the-wire payload of the packet) */
    uint8_t dir;      /* 0 client→server, 1 server→client */
    uint32_t gap_us;  /* time since the previous packet of the session, microseconds */
} gl_seq_pkt;

typedef struct gl_seq {
    gl_seq_pkt p[GL_SEQ_LEN];
    uint8_t n;
} gl_seq;

typedef struct gl_seqmodel gl_seqmodel;

/* A new, randomly initialised model (deterministic for a given seed). */
gl_seqmodel *gl_seqmodel_new(uint64_t seed);
void gl_seqmodel_free(gl_seqmodel *m);

/* Load a model file. NULL with a one-line reason in err on any problem:
 * missing file, wrong magic, unsupported version, wrong sizes, checksum
 * mismatch, truncation, non-finite weights. Never crashes on hostile files. */
gl_seqmodel *gl_seqmodel_load(const char *path, char *err, size_t errlen);
/* Write atomically (temp file + rename). 0 on success. */
int gl_seqmodel_save(const gl_seqmodel *m, const char *path, char *err, size_t errlen);

/* Probability in [0,1] that the session is malicious. */
double gl_seqmodel_predict(const gl_seqmodel *m, const gl_seq *s);

/* Training. label: 1 malicious, 0 benign. One call = one SGD/Adam step over
 * the given mini-batch; returns the mean loss (binary cross-entropy). */
double gl_seqmodel_train_batch(gl_seqmodel *m, const gl_seq *const *batch, const uint8_t *labels,
                               size_t n, double learning_rate);

/* Number of trainable parameters (for docs and sanity checks). */
size_t gl_seqmodel_param_count(const gl_seqmodel *m);

#endif
