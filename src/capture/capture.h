/*
 * capture.h — packet sources: pcap/pcapng files (or stdin) and live
 * interfaces, both through libpcap (on Linux libpcap captures with an
 * AF_PACKET TPACKET_V3 memory-mapped ring, sized by capture.buffer-mb).
 */
#ifndef GL_CAPTURE_H
#define GL_CAPTURE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct gl_capture gl_capture;

typedef struct gl_capture_pkt {
    uint64_t ts_usec;
    uint32_t caplen, wirelen;
    const uint8_t *data;
} gl_capture_pkt;

typedef struct gl_capture_stats {
    uint64_t received, kernel_drops, iface_drops;
} gl_capture_stats;

enum { GL_CAP_OK = 1, GL_CAP_TIMEOUT = 0, GL_CAP_EOF = -1, GL_CAP_ERROR = -2, GL_CAP_BREAK = -3 };

/* path "-" reads standard input. */
gl_capture *gl_capture_open_file(const char *path, char *err, size_t errlen);
gl_capture *gl_capture_open_live(const char *iface, unsigned snaplen, bool promisc, unsigned buffer_mb,
                                 char *err, size_t errlen);
int gl_capture_set_filter(gl_capture *c, const char *bpf, char *err, size_t errlen);
int gl_capture_linktype(const gl_capture *c);
/* Next packet; GL_CAP_TIMEOUT only for live capture (no packet within 100 ms). */
int gl_capture_next(gl_capture *c, gl_capture_pkt *pkt);
const char *gl_capture_error(gl_capture *c);
/* Async-signal-safe: make gl_capture_next return GL_CAP_BREAK. */
void gl_capture_break(gl_capture *c);
/* Bytes read so far / total size (files only; total 0 when unknown, e.g. stdin). */
void gl_capture_progress(gl_capture *c, uint64_t *done, uint64_t *total);
void gl_capture_stats_get(gl_capture *c, gl_capture_stats *st);
void gl_capture_close(gl_capture *c);

#endif
