/*
 * fuzz-pipeline.c — libFuzzer target for a whole worker: decode → flow →
 * TCP state and reassembly → every app-layer parser → EVE output. The
 * EVE stream goes to memory and every line must parse as one JSON object
 * (jansson); flow/stream memory must be back to zero after the worker is
 * freed.
 *
 * Input: a 2-byte header, then records
 *   header: b0 options (bit0 community_id, bit1 ethernet, bit2 call
 *           gl_worker_tick between records, bit3 midstream off),
 *           b1 small-memcap selector
 *   record: linktype index (1 byte, modulo the table below),
 *           frame length (2 bytes BE), time delta in ms (2 bytes BE,
 *           signed: capture clocks may step back), frame bytes
 * Seeds (fuzz/seeds/pipeline/) are sessions cut from gl-gen's sample pcap by
 * fuzz/seeds/pipeline/pcap2seed.py.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "flow/flow-worker.h"

#define CHECK(c)                    \
    do {                            \
        if (!(c))                   \
            __builtin_trap();       \
    } while (0)

static const int linktypes[] = {
    GL_DLT_EN10MB, GL_DLT_RAW, GL_DLT_NULL, GL_DLT_LOOP, GL_DLT_LINUX_SLL, GL_DLT_LINUX_SLL2,
    GL_DLT_PPP_ETHER, GL_DLT_IPV4, GL_DLT_IPV6, GL_DLT_RAW_ALT, GL_LINKTYPE_RAW, 9 /* PPP */, 999,
};

static void check_eve(const char *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        const char *nl = memchr(buf + off, '\n', len - off);
        CHECK(nl != NULL); /* every record ends with a newline */
        size_t n = (size_t)(nl - (buf + off));
        json_error_t e;
        /* \u0000 is valid JSON (RFC 8259 §7); jansson wants it allowed */
        json_t *j = json_loadb(buf + off, n, JSON_ALLOW_NUL, &e);
        if (!j) {
            fprintf(stderr, "invalid EVE line: %.*s\n(%s)\n", (int)n, buf + off, e.text);
            __builtin_trap();
        }
        CHECK(json_is_object(j));
        CHECK(json_is_string(json_object_get(j, "event_type")));
        CHECK(json_is_string(json_object_get(j, "timestamp")));
        json_decref(j);
        off += n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t opt = data[0], mem = data[1];

    gl_output_config oc;
    gl_output_config_default(&oc);
    free(oc.dir);
    oc.dir = strdup("/tmp");
    oc.eve_enabled = false;  /* no file: the EVE stream goes to memory below */
    oc.sqlite_enabled = false;
    oc.community_id = opt & 1;
    oc.ethernet = opt & 2;
    char err[256];
    gl_output *out = gl_output_open(&oc, err, sizeof(err));
    CHECK(out != NULL);
    char *eve = NULL;
    size_t eve_len = 0;
    out->eve = open_memstream(&eve, &eve_len);
    CHECK(out->eve != NULL);

    gl_worker_config wc;
    memset(&wc, 0, sizeof(wc));
    wc.detect.encrypted_enabled = true;
#ifdef FUZZ_PIPELINE_WITH_MODELS
    /* fuzz-enc-pipeline: shipped models, and threshold 0 so every scored
     * TLS session writes an alert */
    wc.detect.model_dir = getenv("GUANLAN_MODEL_DIR") ? getenv("GUANLAN_MODEL_DIR") : "models";
    wc.detect.threshold = 0;
#else
    /* detectors run too, on their built-in defaults (no model files read) */
    wc.detect.threshold = 70;
#endif
    gl_defrag_config_default(&wc.defrag);
    gl_flow_config_default(&wc.flow);
    gl_stream_config_default(&wc.stream);
    /* small bounds so eviction, memcap gaps and defrag drops happen */
    wc.flow.memcap = 1024 + (size_t)(mem & 15) * 512;  /* → the 16-flow minimum or a few more */
    wc.flow.hash_size = 64;
    for (int i = 0; i < GL_TC_COUNT; i++)
        wc.flow.timeout[i] = 1 + (mem >> 4);
    wc.flow.timeout[GL_TC_TCP_CLOSED] = 0;
    wc.stream.ooo_max = 2048;
    wc.stream.memcap = 8192;
    wc.stream.depth = (mem & 0x80) ? 4096 : 0;
    wc.stream.midstream = !(opt & 8);
    wc.defrag.memcap = 16384;
    wc.defrag.max_trackers = 8;
    wc.defrag.timeout_sec = 2;

    gl_worker w;
    CHECK(gl_worker_init(&w, 0, &wc, out) == 0);
    uint64_t ts = 1700000000ULL * 1000000ULL;
    size_t off = 2;
    while (off + 5 <= size) {
        int lt = linktypes[data[off] % (sizeof(linktypes) / sizeof(linktypes[0]))];
        uint32_t len = ((uint32_t)data[off + 1] << 8) | data[off + 2];
        int16_t delta = (int16_t)(((uint16_t)data[off + 3] << 8) | data[off + 4]);
        off += 5;
        if (len > size - off)
            len = (uint32_t)(size - off);
        ts += (int64_t)delta * 1000;
        /* an exact-size heap copy so ASan sees any read past caplen */
        uint8_t *frame = malloc(len ? len : 1);
        CHECK(frame != NULL);
        memcpy(frame, data + off, len);
        gl_worker_packet(&w, lt, frame, len, len, ts);
        free(frame);
        off += len;
        if (opt & 4)
            gl_worker_tick(&w, ts + 500000);
    }
    gl_worker_finish(&w);
    CHECK(w.flows.stats.active == 0);
    gl_worker_free(&w);
    CHECK(w.stream.stats.mem_in_use == 0);
    /* closing the memstream finalises eve/eve_len */
    CHECK(gl_output_close(out) == 0);
    check_eve(eve, eve_len);
    free(eve);
    gl_output_config_free(&oc);
    return 0;
}
