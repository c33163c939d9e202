/*
 * fuzz-decode.c — libFuzzer target for the DECODE stage.
 *
 * Input: byte 0 picks the link type, byte 1 the defrag policy (low 2 bits)
 * and the framing: with bit 7 clear the rest is one frame; with it set the
 * rest is a sequence of [u16 big-endian length][frame] so fragment
 * reassembly, overlaps and evictions get exercised across frames. Every
 * frame is copied into an exact-size heap buffer so ASan sees overreads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "decode/decode.h"

static const int linktypes[] = {
    GL_DLT_EN10MB, GL_DLT_RAW, GL_DLT_RAW_ALT, GL_LINKTYPE_RAW, GL_DLT_IPV4, GL_DLT_IPV6,
    GL_DLT_NULL, GL_DLT_LOOP, GL_DLT_LINUX_SLL, GL_DLT_LINUX_SLL2, GL_DLT_PPP_ETHER, 9, 50, 147,
};

static void decode_one(gl_decoder *d, int lt, const uint8_t *frame, size_t n, uint64_t ts)
{
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, frame, n);
    gl_packet p;
    gl_decode(d, &p, lt, copy, (uint32_t)n, (uint32_t)n, ts);
    /* a payload inside the frame must end inside the frame */
    if (p.payload >= copy && p.payload <= copy + n &&
        (size_t)(p.payload - copy) + p.payload_len > n)
        abort();
    if (p.n_events > GL_PKT_MAX_EVENTS || p.vlan_count > GL_MAX_VLAN)
        abort();
    for (int i = 0; i < p.n_events; i++)
        (void)gl_decode_event_name((gl_decode_event)p.events[i]);
    (void)gl_decode_affinity_hash(lt, copy, (uint32_t)n);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    gl_defrag_config cfg;
    gl_defrag_config_default(&cfg);
    cfg.policy = data[1] & 3;
    cfg.max_trackers = 4;      /* small, so eviction paths run */
    cfg.memcap = 64 * 1024;
    cfg.timeout_sec = 2;
    gl_decoder *d = gl_decoder_new(&cfg);
    if (d == NULL)
        return 0;
    data += 2;
    size -= 2;
    if (!(data[-1] & 0x80)) {
        decode_one(d, lt, data, size, 1);
    } else {
        uint64_t ts = 0;
        while (size >= 2) {
            size_t n = ((size_t)data[0] << 8) | data[1];
            data += 2;
            size -= 2;
            if (n > size)
                n = size;
            ts += 500000; /* half a second per frame: timeouts happen too */
            decode_one(d, lt, data, n, ts);
            data += n;
            size -= n;
        }
    }
    gl_decoder_free(d);
    return 0;
}
