/*
 * cmd-run.c — `guanlan run`: argument parsing, signals, and the summary.
 */
#include "cmd-run.h"
#include "runmode.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: guanlan run (-r FILE... | -i IFACE) -l DIR [options] [BPF filter]\n"
            "\n"
            "Analyse captures or live traffic; write DIR/eve.json (Suricata EVE JSON, one object\n"
            "per line: flow, dns, tls, http, ssh, anomaly, stats) and DIR/guanlan.db (SQLite).\n"
            "\n"
            "  -r FILE          pcap or pcapng file; '-' reads standard input; repeat for several\n"
            "                   files, processed in order as one run (flows continue across files)\n"
            "  -i IFACE         live capture from IFACE (libpcap, AF_PACKET ring on Linux);\n"
            "                   SIGINT/SIGTERM stop it cleanly: every open flow is ended and logged\n"
            "  -l DIR           log directory (must exist; default: current directory)\n"
            "  -c FILE          YAML configuration file (keys below, nested or dotted)\n"
            "  -f EXPR          BPF filter (same as trailing arguments)\n"
            "  --threads N      worker threads (default 1); a flow always stays on one worker, and\n"
            "                   output is the same as with one thread (line order may differ)\n"
            "  --set KEY=VALUE  override one configuration key (repeatable; applied after -c)\n"
            "  -q               quiet: no progress line and no summary on stderr\n"
            "  -h, --help       this text\n"
            "\n"
            "Configuration keys and defaults:\n");
    gl_config_print_help(out);
    fprintf(out,
            "\n"
            "Exit status: 0 success; 1 a source could not be read completely (the others were\n"
            "analysed) or output failed; 2 usage or setup error.\n");
}

static void on_signal(int sig)
{
    (void)sig;
    gl_run_stop();
}

static void print_summary(const gl_run_totals *t, const gl_config *cfg)
{
    fprintf(stderr,
            "guanlan: %llu packets, %.1f MB in %.2f s (%.0f pkts/s, %.2f Gbit/s)\n"
            "  flows: %llu created, %llu timed out, %llu evicted (memcap), %llu ended at shutdown; "
            "peak %llu active\n"
            "  decoder: %llu anomalies, %llu frames without IP, %llu fragments (%llu datagrams rebuilt, "
            "%llu dropped by memcap)\n"
            "  stream: %llu segments, %llu retransmitted, %llu out of order, %llu gaps\n",
            (unsigned long long)t->worker.packets, (double)t->worker.bytes / 1e6, t->seconds,
            t->seconds > 0 ? (double)t->worker.packets / t->seconds : 0.0,
            t->seconds > 0 ? (double)t->worker.bytes * 8 / t->seconds / 1e9 : 0.0,
            (unsigned long long)t->flow.created, (unsigned long long)t->flow.timed_out,
            (unsigned long long)t->flow.evicted, (unsigned long long)t->flow.shutdown,
            (unsigned long long)t->flow.max_active, (unsigned long long)t->worker.decode_events,
            (unsigned long long)t->worker.no_ip, (unsigned long long)t->defrag.fragments,
            (unsigned long long)t->defrag.reassembled, (unsigned long long)t->defrag.memcap_drops,
            (unsigned long long)t->stream.segments, (unsigned long long)t->stream.retransmitted,
            (unsigned long long)t->stream.ooo_queued, (unsigned long long)t->stream.gaps);
    if (t->capture.kernel_drops || t->capture.iface_drops)
        fprintf(stderr, "  capture: %llu packets dropped by the kernel, %llu by the interface\n",
                (unsigned long long)t->capture.kernel_drops, (unsigned long long)t->capture.iface_drops);
    fprintf(stderr, "  output: %s/%s, %s/%s\n", cfg->output.dir, cfg->output.eve_filename,
            cfg->output.dir, cfg->output.sqlite_filename);
}

int gl_cmd_run(int argc, char **argv)
{
    enum { OPT_THREADS = 1000, OPT_SET };
    static const struct option longopts[] = {
        { "threads", required_argument, NULL, OPT_THREADS },
        { "set", required_argument, NULL, OPT_SET },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    gl_config cfg;
    gl_config_default(&cfg);
    gl_run_source *src = calloc((size_t)argc, sizeof(*src));
    int nsrc = 0, nlive = 0;
    const char *conf = NULL, *bpf = NULL, *threads = NULL;
    char *joined = NULL; /* BPF filter built from trailing arguments */
    char **sets = calloc((size_t)argc, sizeof(*sets));
    int nsets = 0;
    bool quiet = false;
    char err[512];
    int rc = 2;
    if (!src || !sets)
        goto out;

    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+r:i:l:c:f:qhk:", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': src[nsrc++] = (gl_run_source){ optarg, false }; break;
        case 'i': src[nsrc++] = (gl_run_source){ optarg, true }; nlive++; break;
        case 'l':
            free(cfg.output.dir);
            cfg.output.dir = strdup(optarg);
            break;
        case 'c': conf = optarg; break;
        case 'f': bpf = optarg; break;
        case 'q': quiet = true; break;
        case 'k': break; /* Suricata's checksum mode: checksums are never enforced here */
        case OPT_THREADS: threads = optarg; break;
        case OPT_SET: sets[nsets++] = optarg; break;
        case 'h':
            run_usage(stdout);
            rc = 0;
            goto out;
        default:
            fprintf(stderr, "guanlan run: see 'guanlan run --help'\n");
            goto out;
        }
    }
    if (optind < argc) {
        /* trailing arguments form the BPF filter, as with tcpdump and Suricata */
        size_t n = 1;
        for (int i = optind; i < argc; i++)
            n += strlen(argv[i]) + 1;
        joined = calloc(1, n);
        for (int i = optind; joined && i < argc; i++) {
            if (i > optind)
                strcat(joined, " ");
            strcat(joined, argv[i]);
        }
        if (bpf) {
            fprintf(stderr, "guanlan run: give the BPF filter either with -f or as arguments, not both\n");
            goto out;
        }
        bpf = joined;
    }
    if (nsrc == 0) {
        fprintf(stderr, "guanlan run: nothing to analyse: give -r FILE or -i IFACE (see --help)\n");
        goto out;
    }
    if (nlive && nsrc > nlive) {
        fprintf(stderr, "guanlan run: -r and -i cannot be mixed in one run\n");
        goto out;
    }
    if (nlive > 1) {
        fprintf(stderr, "guanlan run: one -i interface per run\n");
        goto out;
    }
    if (conf && gl_config_load_yaml(&cfg, conf, err, sizeof(err)) != 0) {
        fprintf(stderr, "guanlan run: %s\n", err);
        goto out;
    }
    for (int i = 0; i < nsets; i++) {
        char *eq = strchr(sets[i], '=');
        if (!eq) {
            fprintf(stderr, "guanlan run: --set wants KEY=VALUE, got '%s'\n", sets[i]);
            goto out;
        }
        *eq = 0;
        if (gl_config_set(&cfg, sets[i], eq + 1, err, sizeof(err)) != 0) {
            fprintf(stderr, "guanlan run: %s\n", err);
            goto out;
        }
    }
    if (threads && gl_config_set(&cfg, "threads", threads, err, sizeof(err)) != 0) {
        fprintf(stderr, "guanlan run: --threads: %s\n", err);
        goto out;
    }
    struct stat st;
    if (stat(cfg.output.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "guanlan run: log directory '%s' does not exist (create it first)\n", cfg.output.dir);
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    gl_run_totals tot;
    rc = gl_run(&cfg, src, nsrc, bpf, quiet, &tot);
    if (!quiet && rc != 2)
        print_summary(&tot, &cfg);
out:
    free(joined);
    free(src);
    free(sets);
    gl_config_free(&cfg);
    return rc;
}
