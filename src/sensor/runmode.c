/*
 * runmode.c — capture loop, worker threads, batching, progress and the
 * end-of-run stats record.
 *
 * With N > 1 workers the capture thread copies packets into 320 KiB batches,
 * one open batch per worker, and queues full batches to that worker. A fixed
 * pool of batches bounds memory; when every batch is in use the capture
 * thread waits (a file is never read faster than it is analysed, and live
 * capture overflow shows up as kernel drops in the stats, never silently).
 */
#include "runmode.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_BYTES (320 * 1024)

typedef struct rec {
    uint64_t ts_usec;
    uint32_t caplen, wirelen;
} rec;

typedef struct batch {
    struct batch *next;
    int linktype;
    uint32_t used, n;
    uint64_t tick_us; /* != 0: a wall-clock tick, no packets */
    uint8_t data[BATCH_BYTES];
} batch;

typedef struct queue {
    pthread_mutex_t m;
    pthread_cond_t c;
    batch *head, *tail;
    bool closed;
} queue;

typedef struct worker_thread {
    gl_worker w;
    pthread_t tid;
    queue in;
    queue *pool;
} worker_thread;

static volatile sig_atomic_t stop_requested;
static gl_capture *volatile current_capture;

void gl_run_stop(void)
{
    stop_requested = 1;
    gl_capture *c = current_capture;
    if (c)
        gl_capture_break(c);
}

static uint64_t now_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- queues ---------------------------------------------------------- */

static void queue_init(queue *q)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->m, NULL);
    pthread_cond_init(&q->c, NULL);
}

static void queue_destroy(queue *q)
{
    batch *b = q->head;
    while (b) {
        batch *n = b->next;
        free(b);
        b = n;
    }
    pthread_mutex_destroy(&q->m);
    pthread_cond_destroy(&q->c);
}

static void queue_push(queue *q, batch *b)
{
    b->next = NULL;
    pthread_mutex_lock(&q->m);
    if (q->tail)
        q->tail->next = b;
    else
        q->head = b;
    q->tail = b;
    pthread_cond_signal(&q->c);
    pthread_mutex_unlock(&q->m);
}

/* Blocks until a batch is available; NULL once the queue is closed and empty. */
static batch *queue_pop(queue *q)
{
    pthread_mutex_lock(&q->m);
    while (!q->head && !q->closed)
        pthread_cond_wait(&q->c, &q->m);
    batch *b = q->head;
    if (b) {
        q->head = b->next;
        if (!q->head)
            q->tail = NULL;
    }
    pthread_mutex_unlock(&q->m);
    return b;
}

static void queue_close(queue *q)
{
    pthread_mutex_lock(&q->m);
    q->closed = true;
    pthread_cond_broadcast(&q->c);
    pthread_mutex_unlock(&q->m);
}

/* ---- workers ----------------------------------------------------------- */

static void process_batch(gl_worker *w, const batch *b)
{
    if (b->tick_us) {
        gl_worker_tick(w, b->tick_us);
        return;
    }
    uint32_t off = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        rec r;
        memcpy(&r, b->data + off, sizeof(r));
        off += sizeof(r);
        gl_worker_packet(w, b->linktype, b->data + off, r.caplen, r.wirelen, r.ts_usec);
        off += (r.caplen + 7u) & ~7u;
    }
}

static void *worker_main(void *arg)
{
    worker_thread *t = arg;
    batch *b;
    while ((b = queue_pop(&t->in)) != NULL) {
        process_batch(&t->w, b);
        b->n = b->used = 0;
        b->tick_us = 0;
        queue_push(t->pool, b);
    }
    gl_worker_finish(&t->w);
    return NULL;
}

/* ---- dispatch (capture thread side) ------------------------------------ */

typedef struct dispatcher {
    int nworkers;
    worker_thread *wt;   /* nworkers > 1 */
    gl_worker *inline_w; /* nworkers == 1 */
    batch **open;        /* open batch per worker */
    queue pool;
    int linktype;
    uint64_t truncated;  /* packets larger than a batch (cannot happen with snaplen <= 256 KiB) */
} dispatcher;

static void send_open(dispatcher *d, int i)
{
    if (d->open[i] && d->open[i]->n) {
        queue_push(&d->wt[i].in, d->open[i]);
        d->open[i] = NULL;
    }
}

static void dispatch_packet(dispatcher *d, const gl_capture_pkt *p)
{
    if (d->nworkers == 1) {
        gl_worker_packet(d->inline_w, d->linktype, p->data, p->caplen, p->wirelen, p->ts_usec);
        return;
    }
    uint32_t h = gl_decode_affinity_hash(d->linktype, p->data, p->caplen);
    int i = (int)(h % (uint32_t)d->nworkers);
    uint32_t caplen = p->caplen;
    if (caplen > BATCH_BYTES - sizeof(rec)) {
        caplen = BATCH_BYTES - sizeof(rec);
        d->truncated++;
    }
    uint32_t need = (uint32_t)sizeof(rec) + ((caplen + 7u) & ~7u);
    batch *b = d->open[i];
    if (b && b->used + need > BATCH_BYTES) {
        send_open(d, i);
        b = NULL;
    }
    if (!b) {
        b = d->open[i] = queue_pop(&d->pool);
        b->linktype = d->linktype;
    }
    rec r = { p->ts_usec, caplen, p->wirelen };
    memcpy(b->data + b->used, &r, sizeof(r));
    memcpy(b->data + b->used + sizeof(r), p->data, caplen);
    b->used += need;
    b->n++;
}

static void dispatch_flush(dispatcher *d)
{
    if (d->nworkers > 1)
        for (int i = 0; i < d->nworkers; i++)
            send_open(d, i);
}

static void dispatch_tick(dispatcher *d)
{
    uint64_t now = now_wall_us();
    if (d->nworkers == 1) {
        gl_worker_tick(d->inline_w, now);
        return;
    }
    dispatch_flush(d);
    for (int i = 0; i < d->nworkers; i++) {
        batch *b = queue_pop(&d->pool);
        b->tick_us = now;
        queue_push(&d->wt[i].in, b);
    }
}

/* ---- progress ---------------------------------------------------------- */

typedef struct progress {
    bool on;
    double start, last;
    uint64_t pkts, bytes;
} progress;

static void progress_print(progress *pr, gl_capture *c, const char *name, bool final)
{
    double t = mono_seconds();
    if (!final && t - pr->last < 1.0)
        return;
    pr->last = t;
    uint64_t done, total;
    gl_capture_progress(c, &done, &total);
    double el = t - pr->start > 1e-6 ? t - pr->start : 1e-6;
    char pct[16] = "";
    if (total)
        snprintf(pct, sizeof(pct), " %5.1f%%", 100.0 * (double)done / (double)total);
    fprintf(stderr, "\r%s:%s %llu pkts, %.1f MB, %.0f pkts/s, %.1f Mbit/s%s", name, pct,
            (unsigned long long)pr->pkts, (double)pr->bytes / 1e6, (double)pr->pkts / el,
            (double)pr->bytes * 8 / el / 1e6, final ? "\n" : "   ");
}

/* ---- one source -------------------------------------------------------- */

static int run_source(dispatcher *d, const gl_config *cfg, const gl_run_source *s, const char *bpf,
                      bool quiet, gl_run_totals *tot)
{
    char err[512];
    gl_capture *c = s->live ? gl_capture_open_live(s->path, cfg->snaplen, cfg->promisc, cfg->buffer_mb, err, sizeof(err))
                            : gl_capture_open_file(s->path, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "guanlan: %s\n", err);
        return -1;
    }
    if (bpf && gl_capture_set_filter(c, bpf, err, sizeof(err)) != 0) {
        fprintf(stderr, "guanlan: %s\n", err);
        gl_capture_close(c);
        return -1;
    }
    int lt = gl_capture_linktype(c);
    if (lt != d->linktype) {
        dispatch_flush(d);
        d->linktype = lt;
    }
    current_capture = c;
    if (stop_requested)
        gl_capture_break(c);
    progress pr = { .on = !quiet && cfg->progress && !s->live, .start = mono_seconds() };
    pr.last = pr.start;
    int result = 0;
    for (;;) {
        gl_capture_pkt p;
        int rc = gl_capture_next(c, &p);
        if (rc == GL_CAP_OK) {
            dispatch_packet(d, &p);
            pr.pkts++;
            pr.bytes += p.wirelen;
            if (pr.on && (pr.pkts & 4095) == 0)
                progress_print(&pr, c, s->path, false);
            continue;
        }
        if (rc == GL_CAP_TIMEOUT) {
            dispatch_tick(d);
            continue;
        }
        if (rc == GL_CAP_ERROR) {
            fprintf(stderr, "%sguanlan: %s: read error: %s (packets before it were analysed)\n",
                    pr.on ? "\n" : "", s->path, gl_capture_error(c));
            result = -1;
        }
        break; /* EOF or break */
    }
    current_capture = NULL;
    if (pr.on)
        progress_print(&pr, c, s->path, true);
    gl_capture_stats st;
    gl_capture_stats_get(c, &st);
    tot->capture.received += st.received;
    tot->capture.kernel_drops += st.kernel_drops;
    tot->capture.iface_drops += st.iface_drops;
    gl_capture_close(c);
    dispatch_flush(d);
    return result;
}

/* ---- totals and the stats record ------------------------------------------ */

static void add_worker(gl_run_totals *t, gl_worker *w)
{
    const gl_worker_stats *s = &w->stats;
    t->worker.packets += s->packets;
    t->worker.bytes += s->bytes;
    t->worker.no_ip += s->no_ip;
    t->worker.fragments += s->fragments;
    t->worker.decode_events += s->decode_events;
    t->worker.flow_alloc_fail += s->flow_alloc_fail;
    t->worker.tcp += s->tcp;
    t->worker.udp += s->udp;
    t->worker.icmp += s->icmp;
    t->worker.other += s->other;
    const gl_flow_stats *f = &w->flows.stats;
    t->flow.created += f->created;
    t->flow.ended += f->ended;
    t->flow.timed_out += f->timed_out;
    t->flow.evicted += f->evicted;
    t->flow.shutdown += f->shutdown;
    t->flow.max_active += f->max_active;
    t->flow.tcp_reuse += f->tcp_reuse;
    const gl_stream_stats *st = &w->stream.stats;
    t->stream.segments += st->segments;
    t->stream.in_order += st->in_order;
    t->stream.retransmitted += st->retransmitted;
    t->stream.overlaps += st->overlaps;
    t->stream.ooo_queued += st->ooo_queued;
    t->stream.gaps += st->gaps;
    t->stream.gap_bytes += st->gap_bytes;
    t->stream.depth_reached += st->depth_reached;
    t->stream.memcap_drops += st->memcap_drops;
    t->detect_memcap_drops += w->app.detect_memcap_drops;
    const gl_defrag_stats *df = gl_decoder_defrag_stats(w->dec);
    t->defrag.fragments += df->fragments;
    t->defrag.reassembled += df->reassembled;
    t->defrag.timeouts += df->timeouts;
    t->defrag.memcap_drops += df->memcap_drops;
    t->defrag.overlaps += df->overlaps;
    t->defrag.too_large += df->too_large;
}

static void write_stats_record(gl_output *out, const gl_run_totals *t, uint64_t ts)
{
    gl_json j;
    gl_json_init(&j);
    gl_event_meta meta;
    char strbuf[2 * GL_ADDR_STRLEN];
    gl_eve_hdr h = { .ts_usec = ts, .event_type = "stats", .sport = -1, .dport = -1, .icmp_type = -1, .icmp_code = -1 };
    gl_eve_begin(&j, &h, &meta, strbuf);
    gl_json_open_object(&j, "stats");
    gl_json_open_object(&j, "capture");
    gl_json_uint(&j, "packets", t->worker.packets);
    gl_json_uint(&j, "bytes", t->worker.bytes);
    gl_json_uint(&j, "kernel_drops", t->capture.kernel_drops);
    gl_json_uint(&j, "iface_drops", t->capture.iface_drops);
    gl_json_close_object(&j);
    gl_json_open_object(&j, "decoder");
    gl_json_uint(&j, "tcp", t->worker.tcp);
    gl_json_uint(&j, "udp", t->worker.udp);
    gl_json_uint(&j, "icmp", t->worker.icmp);
    gl_json_uint(&j, "other_ip", t->worker.other);
    gl_json_uint(&j, "no_ip", t->worker.no_ip);
    gl_json_uint(&j, "anomalies", t->worker.decode_events);
    gl_json_close_object(&j);
    gl_json_open_object(&j, "defrag");
    gl_json_uint(&j, "fragments", t->defrag.fragments);
    gl_json_uint(&j, "reassembled", t->defrag.reassembled);
    gl_json_uint(&j, "timeouts", t->defrag.timeouts);
    gl_json_uint(&j, "memcap_drops", t->defrag.memcap_drops);
    gl_json_uint(&j, "overlaps", t->defrag.overlaps);
    gl_json_close_object(&j);
    gl_json_open_object(&j, "flow");
    gl_json_uint(&j, "created", t->flow.created);
    gl_json_uint(&j, "timed_out", t->flow.timed_out);
    gl_json_uint(&j, "evicted", t->flow.evicted);
    gl_json_uint(&j, "ended_at_shutdown", t->flow.shutdown);
    gl_json_uint(&j, "max_active", t->flow.max_active);
    gl_json_uint(&j, "not_tracked_no_memory", t->worker.flow_alloc_fail);
    gl_json_uint(&j, "bytes_per_flow_entry", gl_flow_entry_size());
    gl_json_close_object(&j);
    gl_json_open_object(&j, "app");
    gl_json_uint(&j, "detect_memcap_drops", t->detect_memcap_drops);
    gl_json_close_object(&j);
    gl_json_open_object(&j, "stream");
    gl_json_uint(&j, "segments", t->stream.segments);
    gl_json_uint(&j, "retransmitted", t->stream.retransmitted);
    gl_json_uint(&j, "overlaps", t->stream.overlaps);
    gl_json_uint(&j, "out_of_order", t->stream.ooo_queued);
    gl_json_uint(&j, "gaps", t->stream.gaps);
    gl_json_uint(&j, "gap_bytes", t->stream.gap_bytes);
    gl_json_uint(&j, "depth_reached", t->stream.depth_reached);
    gl_json_uint(&j, "memcap_drops", t->stream.memcap_drops);
    gl_json_close_object(&j);
    gl_json_close_object(&j);
    gl_json_close_object(&j);
    gl_output_local l;
    gl_output_local_init(&l);
    gl_output_write(out, &l, GL_EVT_STATS, &meta, j.buf, j.len);
    gl_output_local_free(out, &l);
    gl_json_free(&j);
}

/* ---- entry -------------------------------------------------------------- */

int gl_run(const gl_config *cfg, const gl_run_source *src, int nsrc, const char *bpf, bool quiet,
           gl_run_totals *tot)
{
    char err[512];
    memset(tot, 0, sizeof(*tot));
    stop_requested = 0;
    gl_config_apply(cfg);
    gl_output *out = gl_output_open(&cfg->output, err, sizeof(err));
    if (!out) {
        fprintf(stderr, "guanlan: %s\n", err);
        return 2;
    }
    gl_worker_config wcfg = cfg->worker;
    if (!wcfg.detect.state_dir)
        wcfg.detect.state_dir = cfg->output.dir;
    dispatcher d = { .nworkers = (int)(cfg->threads ? cfg->threads : 1), .linktype = -1 };
    int n = d.nworkers;
    gl_worker inline_w;
    int rc = 0;
    double t0 = mono_seconds();
    if (n == 1) {
        if (gl_worker_init(&inline_w, 0, &wcfg, out) != 0) {
            fprintf(stderr, "guanlan: cannot initialise worker (flow.hash-size/memcap too large?)\n");
            gl_output_close(out);
            return 2;
        }
        d.inline_w = &inline_w;
    } else {
        d.wt = calloc((size_t)n, sizeof(*d.wt));
        d.open = calloc((size_t)n, sizeof(*d.open));
        queue_init(&d.pool);
        unsigned nbatches = cfg->queue_batches * (unsigned)n;
        for (unsigned i = 0; d.wt && d.open && i < nbatches; i++) {
            batch *b = malloc(sizeof(*b));
            if (!b)
                break;
            b->n = b->used = 0;
            b->tick_us = 0;
            queue_push(&d.pool, b);
        }
        for (int i = 0; d.wt && i < n; i++) {
            queue_init(&d.wt[i].in);
            d.wt[i].pool = &d.pool;
            if (gl_worker_init(&d.wt[i].w, i, &wcfg, out) != 0 ||
                pthread_create(&d.wt[i].tid, NULL, worker_main, &d.wt[i]) != 0) {
                fprintf(stderr, "guanlan: cannot start worker %d\n", i);
                exit(2);
            }
        }
    }

    for (int i = 0; i < nsrc && !stop_requested; i++) {
        if (run_source(&d, cfg, &src[i], bpf, quiet, tot) != 0) {
            tot->files_failed++;
            rc = 1;
        }
    }

    uint64_t last_ts = 0;
    if (n == 1) {
        gl_worker_finish(&inline_w);
        add_worker(tot, &inline_w);
        last_ts = inline_w.now_us;
    } else {
        dispatch_flush(&d);
        for (int i = 0; i < n; i++)
            queue_close(&d.wt[i].in);
        for (int i = 0; i < n; i++) {
            pthread_join(d.wt[i].tid, NULL);
            add_worker(tot, &d.wt[i].w);
            if (d.wt[i].w.now_us > last_ts)
                last_ts = d.wt[i].w.now_us;
        }
    }
    tot->seconds = mono_seconds() - t0;
    write_stats_record(out, tot, last_ts ? last_ts : now_wall_us());
    if (n == 1) {
        gl_worker_free(&inline_w);
    } else {
        for (int i = 0; i < n; i++) {
            gl_worker_free(&d.wt[i].w);
            queue_destroy(&d.wt[i].in);
        }
        queue_destroy(&d.pool);
        free(d.wt);
        free(d.open);
    }
    if (gl_output_close(out) != 0) {
        fprintf(stderr, "guanlan: writing the output failed (disk full?)\n");
        rc = rc ? rc : 1;
    }
    return rc;
}
