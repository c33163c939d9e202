/*
 * con-cmd.c — `guanlan console`: serve the analyst console over HTTPS, and
 * the offline sub-commands (verify-audit, sync). Options are documented in
 * docs/console.md and by `guanlan console --help`.
 */
#include "console/con-http.h"
#include "console/con-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: guanlan console [--db FILE | -l DIR] [--listen ADDR:PORT] [--cert FILE --key FILE]\n"
            "                       [--init-admin USER] [--state-dir DIR] [--calendar DIR] [--model-dir DIR]\n"
            "       guanlan console verify-audit [--db FILE | -l DIR] [--expect-head SM3]\n"
            "       guanlan console sync [--db FILE | -l DIR]\n"
            "\n"
            "Serves the analyst console (JSON API under /api/v1, docs/openapi.yaml) over HTTPS.\n"
            "\n"
            "  --db FILE          guanlan.db (default ./guanlan.db); -l DIR uses DIR/guanlan.db\n"
            "  --listen A:P       address and port (default 127.0.0.1:8443; [::1]:8443 for IPv6;\n"
            "                     port 0 picks a free port, printed at start)\n"
            "  --cert/--key FILE  PEM certificate and key; without them a self-signed certificate is\n"
            "                     created once as STATE/console-cert.pem and console-key.pem (0600)\n"
            "  --init-admin USER  create an administrator with a one-time password (printed once;\n"
            "                     it must be changed at first login), then serve\n"
            "  --state-dir DIR    detector state (feedback) and certificate (default: the db's dir)\n"
            "  --calendar DIR     holiday calendars for incident overlays\n"
            "  --model-dir DIR    shipped detection models (feedback)\n"
            "  --kdf-cost N       scrypt cost 2^N for new password hashes (10..20, default 16)\n"
            "\n"
            "With no account yet and no --init-admin, a one-time setup link is printed.\n"
            "verify-audit: check the SM3 chain of the console's audit log (exit 3 if broken).\n"
            "sync: bring the overview's summary tables up to date now and print how many events.\n"
            "Exit status: 0 ok, 1 error, 2 usage, 3 audit chain broken.\n");
}

typedef struct cmd_opts {
    const char *db, *dir, *listen, *cert, *key, *init_admin, *state, *calendar, *models, *expect_head;
    unsigned kdf;
} cmd_opts;

static bool parse(int argc, char **argv, cmd_opts *o, int *rc)
{
    static const struct option lo[] = {
        { "db", required_argument, NULL, 'd' },         { "listen", required_argument, NULL, 'L' },
        { "cert", required_argument, NULL, 'c' },       { "key", required_argument, NULL, 'k' },
        { "init-admin", required_argument, NULL, 'i' }, { "state-dir", required_argument, NULL, 's' },
        { "calendar", required_argument, NULL, 'C' },   { "model-dir", required_argument, NULL, 'm' },
        { "expect-head", required_argument, NULL, 'e' }, { "kdf-cost", required_argument, NULL, 'K' },
        { "help", no_argument, NULL, 'h' },             { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof(*o));
    o->listen = "127.0.0.1:8443";
    o->kdf = 16;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "hl:", lo, NULL)) != -1) {
        switch (ch) {
        case 'd': o->db = optarg; break;
        case 'l': o->dir = optarg; break;
        case 'L': o->listen = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'k': o->key = optarg; break;
        case 'i': o->init_admin = optarg; break;
        case 's': o->state = optarg; break;
        case 'C': o->calendar = optarg; break;
        case 'm': o->models = optarg; break;
        case 'e': o->expect_head = optarg; break;
        case 'K': {
            char *e;
            long v = strtol(optarg, &e, 10);
            if (*e || v < 10 || v > 20) {
                fprintf(stderr, "guanlan console: --kdf-cost: 10..20\n");
                *rc = 2;
                return false;
            }
            o->kdf = (unsigned)v;
            break;
        }
        case 'h': usage(stdout); *rc = 0; return false;
        default: usage(stderr); *rc = 2; return false;
        }
    }
    if ((o->cert == NULL) != (o->key == NULL)) {
        fprintf(stderr, "guanlan console: --cert and --key go together\n");
        *rc = 2;
        return false;
    }
    return true;
}

static void db_path(const cmd_opts *o, char *out, size_t len)
{
    if (o->db)
        snprintf(out, len, "%s", o->db);
    else if (o->dir)
        snprintf(out, len, "%s/guanlan.db", o->dir);
    else
        snprintf(out, len, "guanlan.db");
}

/* "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:443" */
static bool parse_listen(const char *s, struct sockaddr_storage *ss, bool *loopback)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
        return false;
    char *e;
    long port = strtol(colon + 1, &e, 10);
    if (!colon[1] || *e || port < 0 || port > 65535)
        return false;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    memset(ss, 0, sizeof(*ss));
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']')
            return false;
        host[n - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return false;
        *loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
        return true;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return false;
    *loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    return true;
}

static bool ensure_cert(const gl_console *c, const cmd_opts *o, char *cert, char *key, size_t len)
{
    if (o->cert) {
        snprintf(cert, len, "%s", o->cert);
        snprintf(key, len, "%s", o->key);
        return true;
    }
    snprintf(cert, len, "%s/console-cert.pem", c->state_dir);
    snprintf(key, len, "%s/console-key.pem", c->state_dir);
    struct stat sb;
    if (stat(cert, &sb) == 0 && stat(key, &sb) == 0)
        return true;
    char err[512];
    if (!gl_con_make_cert(cert, key, err, sizeof(err))) {
        fprintf(stderr, "guanlan console: self-signed certificate: %s\n", err);
        return false;
    }
    printf("guanlan console: created self-signed certificate %s (key %s)\n", cert, key);
    return true;
}

static void print_fingerprint(const char *cert_path)
{
    FILE *f = fopen(cert_path, "rb");
    char pem[16384], fp[65];
    size_t n = f ? fread(pem, 1, sizeof(pem) - 1, f) : 0;
    if (f)
        fclose(f);
    pem[n] = '\0';
    if (n && gl_con_cert_fingerprint(pem, fp, sizeof(fp)))
        printf("guanlan console: certificate SHA-256 %s\n", fp);
}

static int serve(const cmd_opts *o)
{
    char path[4096], err[600], cert[4200], key[4200];
    struct sockaddr_storage ss;
    bool loopback = false;
    if (!parse_listen(o->listen, &ss, &loopback)) {
        fprintf(stderr, "guanlan console: --listen: ADDR:PORT, e.g. 127.0.0.1:8443 or [::1]:8443\n");
        return 2;
    }
    db_path(o, path, sizeof(path));
    gl_con_config cfg;
    gl_con_config_default(&cfg);
    cfg.db_path = path;
    cfg.state_dir = o->state;
    cfg.calendar_dir = o->calendar;
    cfg.model_dir = o->models;
    cfg.kdf_log2n = o->kdf;
    cfg.background_sync = true;
    gl_console *c = gl_con_open(&cfg, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "guanlan console: %s\n", err);
        return 1;
    }
    if (o->init_admin) {
        char temp[33];
        if (!gl_con_user_create(c, o->init_admin, GL_ROLE_ADMIN, NULL, true, temp, err, sizeof(err))) {
            fprintf(stderr, "guanlan console: --init-admin: %s\n", err);
            gl_con_close(c);
            return 2;
        }
        con_audit(c, "cli", "-", "local", "init-admin", o->init_admin, NULL, "ok");
        printf("guanlan console: administrator '%s' created; one-time password: %s\n"
               "guanlan console: it must be changed at first login\n",
               o->init_admin, temp);
    }
    if (!ensure_cert(c, o, cert, key, sizeof(cert))) {
        gl_con_close(c);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    gl_con_server *s = gl_con_server_start(c, (struct sockaddr *)&ss, cert, key, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "guanlan console: %s: %s\n", o->listen, err);
        gl_con_close(c);
        return 1;
    }
    int port = gl_con_server_port(s);
    char host[64];
    snprintf(host, sizeof(host), "%.*s", (int)(strrchr(o->listen, ':') - o->listen), o->listen);
    if (!loopback)
        printf("guanlan console: WARNING: listening on %s, not on a loopback address\n", host);
    print_fingerprint(cert);
    const char *tok = gl_con_setup_token(c);
    if (tok)
        printf("guanlan console: first start, no account yet. Create the administrator within this run at\n"
               "guanlan console: https://%s:%d/setup#token=%s\n"
               "guanlan console: (API: POST /api/v1/setup {\"token\":\"%s\",\"username\":…,\"password\":…})\n",
               host, port, tok, tok);
    printf("guanlan console: listening on https://%s:%d/\n", host, port);
    fflush(stdout);
    while (!stop_requested)
        pause();
    printf("guanlan console: stopping\n");
    gl_con_server_stop(s);
    gl_con_close(c);
    return 0;
}

static int verify_audit(const cmd_opts *o)
{
    char path[4096], err[600], head[65];
    db_path(o, path, sizeof(path));
    gl_con_config cfg;
    gl_con_config_default(&cfg);
    cfg.db_path = path;
    gl_console *c = gl_con_open(&cfg, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "guanlan console verify-audit: %s\n", err);
        return 1;
    }
    int64_t n = 0;
    int problems = gl_con_audit_verify(c->db, stderr, head, &n);
    gl_con_close(c);
    if (problems < 0)
        return 1;
    if (o->expect_head && strcmp(o->expect_head, head) != 0) {
        fprintf(stderr, "console_audit: head %s is not the expected %.64s (records removed from the end?)\n", head,
                o->expect_head);
        problems++;
    }
    if (problems) {
        fprintf(stderr, "guanlan console verify-audit: chain broken: %d problem(s)\n", problems);
        return 3;
    }
    printf("{\"ok\":true,\"records\":%lld,\"head\":\"%s\"}\n", (long long)n, head);
    return 0;
}

static int sync_now(const cmd_opts *o)
{
    char path[4096], err[600];
    db_path(o, path, sizeof(path));
    gl_con_config cfg;
    gl_con_config_default(&cfg);
    cfg.db_path = path;
    gl_console *c = gl_con_open(&cfg, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "guanlan console sync: %s\n", err);
        return 1;
    }
    int64_t n = gl_con_sync(c->db, 0);
    gl_con_close(c);
    if (n < 0) {
        fprintf(stderr, "guanlan console sync: failed\n");
        return 1;
    }
    printf("{\"events_summarised\":%lld}\n", (long long)n);
    return 0;
}

int gl_cmd_console(int argc, char **argv)
{
    cmd_opts o;
    int rc = 2;
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (sub && strcmp(sub, "verify-audit") != 0 && strcmp(sub, "sync") != 0 && strcmp(sub, "serve") != 0) {
        fprintf(stderr, "guanlan console: unknown sub-command '%s'\n", sub);
        usage(stderr);
        return 2;
    }
    if (!parse(sub ? argc - 1 : argc, sub ? argv + 1 : argv, &o, &rc))
        return rc;
    if (optind != (sub ? argc - 1 : argc)) {
        usage(stderr);
        return 2;
    }
    if (sub && strcmp(sub, "verify-audit") == 0)
        return verify_audit(&o);
    if (sub && strcmp(sub, "sync") == 0)
        return sync_now(&o);
    return serve(&o);
}
