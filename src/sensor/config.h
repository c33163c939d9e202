/*
 * config.h — every tunable of the sensor in one table: name, type, default,
 * help text. The YAML file (-c), --set key=value and `guanlan run --help`
 * all go through the same table, so the help cannot drift from the code.
 */
#ifndef GL_CONFIG_H
#define GL_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include "../flow/flow-worker.h"
#include "../output/output.h"

typedef struct gl_config {
    gl_worker_config worker;
    gl_output_config output;
    unsigned threads;          /* workers (default 1) */
    unsigned queue_batches;    /* packet batches queued per worker (threads > 1) */
    unsigned snaplen;
    bool promisc;
    unsigned buffer_mb;        /* kernel ring for live capture */
    bool app_enabled[4];       /* dns, http, tls, ssh — same order as parser names below */
    bool progress;
} gl_config;

void gl_config_default(gl_config *c);
void gl_config_free(gl_config *c);

/* Load a YAML file of nested mappings; keys are the dotted option names
 * (e.g. flow: {memcap: 64mb}). Returns 0, or -1 with a one-line reason. */
int gl_config_load_yaml(gl_config *c, const char *path, char *err, size_t errlen);

/* Apply one "key=value" (from --set). Returns 0, or -1 with a reason. */
int gl_config_set(gl_config *c, const char *key, const char *value, char *err, size_t errlen);

/* Apply derived settings (parser enable flags) once loading is done. */
void gl_config_apply(const gl_config *c);

/* Print the option table with defaults for --help. */
void gl_config_print_help(FILE *out);

/* Parse a size like 64mb, 1g, 512k or a plain number. -1 on error. */
int gl_parse_size(const char *s, unsigned long long *out);

#endif
