/*
 * capture-pcap.c — libpcap-backed packet sources (files, stdin, live).
 */
#include "capture.h"

#include <errno.h>
#include <signal.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct gl_capture {
    pcap_t *p;
    bool live;
    uint64_t total;   /* file size, 0 if unknown */
    uint64_t received;
    volatile int broken; /* gl_capture_break() was called */
    FILE *fp;            /* file opened by us (owned by pcap once opened) */
    char *iobuf;         /* its stdio buffer; freed after pcap_close */
};

gl_capture *gl_capture_open_file(const char *path, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    gl_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        c->p = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    } else {
        struct stat st;
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            free(c);
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s is a directory, not a capture file", path);
            free(c);
            return NULL;
        }
        c->total = (uint64_t)st.st_size;
        /* our own FILE with a 1 MiB buffer: libpcap's default stdio buffer
         * costs a read() every 4 KiB */
        c->fp = fopen(path, "rb");
        if (!c->fp) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            free(c);
            return NULL;
        }
        c->iobuf = malloc(1 << 20); /* glibc ignores the size unless we supply the buffer */
        if (c->iobuf)
            setvbuf(c->fp, c->iobuf, _IOFBF, 1 << 20);
        c->p = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
        if (!c->p) {
            fclose(c->fp);
            free(c->iobuf);
        }
    }
    if (!c->p) {
        snprintf(err, errlen, "%s: not a readable pcap/pcapng file (%s)", path, ebuf);
        free(c);
        return NULL;
    }
    return c;
}

gl_capture *gl_capture_open_live(const char *iface, unsigned snaplen, bool promisc, unsigned buffer_mb,
                                 char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    gl_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->live = true;
    c->p = pcap_create(iface, ebuf);
    if (!c->p) {
        snprintf(err, errlen, "interface %s: %s", iface, ebuf);
        free(c);
        return NULL;
    }
    pcap_set_snaplen(c->p, (int)snaplen);
    pcap_set_promisc(c->p, promisc);
    pcap_set_timeout(c->p, 100);
    pcap_set_buffer_size(c->p, (int)(buffer_mb * 1024 * 1024));
    pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(c->p);
    if (rc < 0) {
        snprintf(err, errlen, "interface %s: %s%s", iface, pcap_statustostr(rc),
                 rc == PCAP_ERROR_PERM_DENIED ? " (needs root or CAP_NET_RAW)" : "");
        if (rc == PCAP_ERROR)
            snprintf(err, errlen, "interface %s: %s", iface, pcap_geterr(c->p));
        pcap_close(c->p);
        free(c);
        return NULL;
    }
    return c;
}

int gl_capture_set_filter(gl_capture *c, const char *bpf, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(c->p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "BPF filter '%s': %s", bpf, pcap_geterr(c->p));
        return -1;
    }
    int rc = pcap_setfilter(c->p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "BPF filter '%s': %s", bpf, pcap_geterr(c->p));
        return -1;
    }
    return 0;
}

int gl_capture_linktype(const gl_capture *c)
{
    return pcap_datalink(c->p);
}

int gl_capture_next(gl_capture *c, gl_capture_pkt *pkt)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->p, &h, &data);
    switch (rc) {
    case 1:
        c->received++;
        pkt->ts_usec = (uint64_t)h->ts.tv_sec * 1000000ULL + (uint64_t)h->ts.tv_usec;
        pkt->caplen = h->caplen;
        pkt->wirelen = h->len;
        pkt->data = data;
        return GL_CAP_OK;
    case 0:
        return GL_CAP_TIMEOUT;
    case PCAP_ERROR_BREAK:
        /* for files libpcap also says "break" at end of file */
        return c->broken ? GL_CAP_BREAK : GL_CAP_EOF;
    default:
        return GL_CAP_ERROR;
    }
}

const char *gl_capture_error(gl_capture *c)
{
    return pcap_geterr(c->p);
}

void gl_capture_break(gl_capture *c)
{
    c->broken = 1;
    pcap_breakloop(c->p);
}

void gl_capture_progress(gl_capture *c, uint64_t *done, uint64_t *total)
{
    *total = c->total;
    *done = 0;
    if (!c->live && c->total) {
        FILE *f = pcap_file(c->p);
        long pos = f ? ftell(f) : -1;
        *done = pos > 0 ? (uint64_t)pos : 0;
    }
}

void gl_capture_stats_get(gl_capture *c, gl_capture_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->received = c->received;
    struct pcap_stat ps;
    if (c->live && pcap_stats(c->p, &ps) == 0) {
        st->kernel_drops = ps.ps_drop;
        st->iface_drops = ps.ps_ifdrop;
    }
}

void gl_capture_close(gl_capture *c)
{
    if (!c)
        return;
    pcap_close(c->p);
    free(c->iobuf);
    free(c);
}
