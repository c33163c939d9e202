/*
 * fuzz-store-query.c — libFuzzer target for `guanlan query` argument
 * handling: option parsing, ISO 8601 / epoch time parsing, IP literals, and
 * the SQL it builds and runs against a small fixed database (table and
 * json output, --count).
 *
 * Input: newline-separated arguments (at most 32). A fixed "--db PATH" is
 * appended last so the fuzzer can never point the query at another file
 * (a later --db wins; if a fuzzed option swallows it, the run just fails
 * with a usage error before opening anything).
 */
#include "output/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 32

static char db_path[128];

static void add_event(gl_store *s, uint64_t sec, const char *type, const char *src,
                      const char *dst, int sport, int dport, const char *json)
{
    gl_event_meta m = { .ts_usec = sec * 1000000u, .event_type = type, .flow_id = sec % 7,
                        .src_ip = src, .dest_ip = dst, .src_port = sport, .dest_port = dport,
                        .proto = "UDP", .app_proto = NULL };
    gl_store_add(s, &m, json, strlen(json));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(db_path, sizeof db_path, "/tmp/gl-fuzz-store-query-%d.db", (int)getpid());
    unlink(db_path);
    gl_store_config cfg;
    gl_store_config_default(&cfg);
    cfg.path = db_path;
    char err[256];
    gl_store *s = gl_store_open(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "fuzz-store-query: %s\n", err);
        abort();
    }
    add_event(s, 1704164645, "dns", "10.0.0.1", "10.0.0.53", 4000, 53,
              "{\"event_type\":\"dns\",\"dns\":{\"type\":\"query\",\"rrname\":\"a\\u001b\"}}");
    add_event(s, 1704164705, "http", "2001:db8::1", "2001:db8::2", 5000, 80,
              "{\"event_type\":\"http\",\"http\":{\"hostname\":\"h\",\"url\":\"/\"}}");
    add_event(s, 1704164765, "flow", NULL, NULL, -1, -1, "{not json");
    add_event(s, 1704164825, "tls\"'; --", "10.0.0.2", "192.0.2.1", 1, 443,
              "{\"event_type\":\"tls\",\"tls\":{\"sni\":\"\\u009b2J\"}}");
    gl_store_close(s, NULL);
    /* Query output is not what we test here; keep the fuzzer's log clean. */
    if (!freopen("/dev/null", "w", stdout))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 4];
    int argc = 0;
    argv[argc++] = "query";
    char *p = buf;
    while (argc < MAX_ARGS && p <= buf + size) {
        char *nl = memchr(p, '\n', (size_t)(buf + size - p));
        if (nl)
            *nl = '\0';
        argv[argc++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    argv[argc++] = "--db";
    argv[argc++] = db_path;
    argv[argc] = NULL;
    gl_cmd_query(argc, argv);
    free(buf);
    return 0;
}
