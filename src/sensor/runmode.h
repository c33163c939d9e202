/*
 * runmode.h — drives capture sources through the workers: inline with one
 * worker, or one capture thread feeding N worker threads in batches, every
 * flow pinned to one worker by the affinity hash.
 */
#ifndef GL_RUNMODE_H
#define GL_RUNMODE_H

#include "config.h"
#include "../capture/capture.h"

typedef struct gl_run_totals {
    gl_worker_stats worker;
    gl_flow_stats flow;
    gl_stream_stats stream;
    gl_defrag_stats defrag;
    gl_capture_stats capture;
    uint64_t files_failed;
    uint64_t detect_memcap_drops;
    double seconds;
} gl_run_totals;

typedef struct gl_run_source {
    const char *path;  /* file ("-" = stdin) or interface */
    bool live;
} gl_run_source;

/* Runs all sources in order. Returns 0 on success, 1 if a source failed
 * (after processing the others), 2 on a setup error. */
int gl_run(const gl_config *cfg, const gl_run_source *src, int nsrc, const char *bpf, bool quiet,
           gl_run_totals *tot);

/* Called from the signal handler. */
void gl_run_stop(void);

#endif
