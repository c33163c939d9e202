/*
 * capture-pcap.c — packet sources: live interfaces, stdin and pcapng through
 * libpcap; classic pcap files through a memory-mapped reader of our own.
 *
 * Why a reader of our own: reading a file is the largest single cost of the
 * sensor on a warm page cache — stdio copies every byte out of the page cache
 * and libpcap copies it again. Mapping the file in sliding 16 MiB windows
 * hands packets to the decoder with no copy at all, and keeps resident
 * memory bounded by the window. The classic format is 24 bytes of header and
 * 16 per record; every length is checked against the file, like libpcap does.
 */
#include "capture.h"

#include <errno.h>
#include <signal.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAP_WINDOW (16u << 20)      /* bytes of file mapped at a time */
#define MAX_RECORD (16u + 262144u)  /* record header + the largest snaplen libpcap accepts */

/* The memory-mapped classic-pcap reader. */
typedef struct mapped {
    int fd;
    uint64_t size;       /* file size */
    uint64_t off;        /* next record header */
    uint64_t base;       /* file offset of the mapping */
    size_t maplen;
    uint8_t *map;
    bool swap;           /* file written with the other byte order */
    bool nsec;           /* nanosecond timestamps */
    uint32_t snaplen;
    int linktype;
    char err[160];
} mapped;

struct gl_capture {
    pcap_t *p;
    bool live;
    uint64_t total;   /* file size, 0 if unknown */
    uint64_t received;
    volatile int broken; /* gl_capture_break() was called */
    FILE *fp;            /* file opened by us (owned by pcap once opened) */
    char *iobuf;         /* its stdio buffer; freed after pcap_close */
    mapped *m;           /* classic pcap file read by mapping (p is NULL then) */
};

static uint32_t rd32(const mapped *m, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return m->swap ? __builtin_bswap32(v) : v;
}

/* Map the window that holds [off, off + MAX_RECORD). */
static bool map_window(mapped *m, uint64_t off)
{
    if (m->map)
        munmap(m->map, m->maplen);
    m->map = NULL;
    long pg = sysconf(_SC_PAGESIZE);
    m->base = off - off % (uint64_t)pg;
    uint64_t want = (uint64_t)MAP_WINDOW + MAX_RECORD + (uint64_t)pg;
    m->maplen = (size_t)(m->size - m->base < want ? m->size - m->base : want);
    if (m->maplen == 0)
        return true;
    void *p = mmap(NULL, m->maplen, PROT_READ, MAP_PRIVATE, m->fd, (off_t)m->base);
    if (p == MAP_FAILED) {
        snprintf(m->err, sizeof(m->err), "mmap: %s", strerror(errno));
        return false;
    }
    madvise(p, m->maplen, MADV_SEQUENTIAL);
    m->map = p;
    return true;
}

static void mapped_close(mapped *m)
{
    if (m->map)
        munmap(m->map, m->maplen);
    close(m->fd);
    free(m);
}

/* Open path as a classic pcap file; NULL (fd untouched) when it is not one,
 * so the caller falls back to libpcap (pcapng, compressed, odd cases). */
static mapped *mapped_open(const char *path, uint64_t size)
{
    static const uint32_t MAGIC_US = 0xa1b2c3d4u, MAGIC_NS = 0xa1b23c4du;
    if (size < 24)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    uint8_t h[24];
    if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
        close(fd);
        return NULL;
    }
    mapped *m = calloc(1, sizeof(*m));
    if (!m) {
        close(fd);
        return NULL;
    }
    m->fd = fd;
    m->size = size;
    uint32_t magic;
    memcpy(&magic, h, 4);
    if (magic == MAGIC_US || magic == MAGIC_NS) {
        m->nsec = magic == MAGIC_NS;
    } else if (__builtin_bswap32(magic) == MAGIC_US || __builtin_bswap32(magic) == MAGIC_NS) {
        m->swap = true;
        m->nsec = __builtin_bswap32(magic) == MAGIC_NS;
    } else {
        mapped_close(m);
        return NULL;
    }
    m->snaplen = rd32(m, h + 16);
    uint32_t lt = rd32(m, h + 20);
    /* upper bits carry FCS info some writers set; libpcap keeps the low 16 */
    m->linktype = (int)(lt & 0xffff);
    if (m->linktype == 101) /* LINKTYPE_RAW is DLT_RAW for the decoder */
        m->linktype = 12;
    m->off = 24;
    if (!map_window(m, m->off)) {
        mapped_close(m);
        return NULL;
    }
    return m;
}

static int mapped_next(mapped *m, gl_capture_pkt *pkt)
{
    if (m->off == m->size)
        return GL_CAP_EOF;
    if (m->size - m->off < 16) {
        snprintf(m->err, sizeof(m->err), "truncated dump file; %llu bytes of a record header",
                 (unsigned long long)(m->size - m->off));
        return GL_CAP_ERROR;
    }
    if (m->off + MAX_RECORD > m->base + m->maplen && m->base + m->maplen < m->size) {
        if (!map_window(m, m->off))
            return GL_CAP_ERROR;
    }
    const uint8_t *r = m->map + (m->off - m->base);
    uint32_t sec = rd32(m, r), frac = rd32(m, r + 4), caplen = rd32(m, r + 8), len = rd32(m, r + 12);
    if (caplen > MAX_RECORD - 16) {
        snprintf(m->err, sizeof(m->err), "invalid packet capture length %u at offset %llu", caplen,
                 (unsigned long long)m->off);
        return GL_CAP_ERROR;
    }
    if (m->size - m->off - 16 < caplen) {
        snprintf(m->err, sizeof(m->err), "truncated dump file; tried to read %u captured bytes, only got %llu",
                 caplen, (unsigned long long)(m->size - m->off - 16));
        return GL_CAP_ERROR;
    }
    pkt->ts_usec = (uint64_t)sec * 1000000ULL + (m->nsec ? frac / 1000u : frac);
    pkt->caplen = caplen;
    pkt->wirelen = len < caplen ? caplen : len;
    pkt->data = r + 16;
    m->off += 16u + caplen;
    return GL_CAP_OK;
}

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
        if (S_ISREG(st.st_mode) && (c->m = mapped_open(path, c->total)) != NULL)
            return c;
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
    return c->m ? c->m->linktype : pcap_datalink(c->p);
}

int gl_capture_next(gl_capture *c, gl_capture_pkt *pkt)
{
    if (c->m) {
        if (c->broken)
            return GL_CAP_BREAK;
        int r = mapped_next(c->m, pkt);
        if (r == GL_CAP_OK)
            c->received++;
        return r;
    }
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
    if (c->m)
        return c->m->err;
    return pcap_geterr(c->p);
}

void gl_capture_break(gl_capture *c)
{
    c->broken = 1;
    if (c->p)
        pcap_breakloop(c->p);
}

void gl_capture_progress(gl_capture *c, uint64_t *done, uint64_t *total)
{
    *total = c->total;
    *done = 0;
    if (c->m) {
        *done = c->m->off;
        return;
    }
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
    if (c->m)
        mapped_close(c->m);
    else
        pcap_close(c->p);
    free(c->iobuf);
    free(c);
}
