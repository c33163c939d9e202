/*
 * test-config.c — the option table: size parsing, every option type through
 * --set (gl_config_set), YAML loading (nested mappings, dotted keys, lists),
 * the error messages (with the YAML line number) and --help coverage.
 *
 * Expected values come from the documented syntax: sizes are powers of 1024
 * (k = 2^10, m = 2^20, g = 2^30, t = 2^40, optional trailing "b"), booleans
 * are yes/no/true/false/on/off/1/0, and each option's documented range.
 *
 * Regression (found by this test): "stream.depth=4g" used to be stored as 0
 *   ("no limit") because the 32-bit field truncated it; ranges are now
 *   clamped to the width of each field.
 */
#include "../check.h"
#include "sensor/config.h"

#include <stdlib.h>
#include <unistd.h>

/* ---- gl_parse_size ------------------------------------------------------- */

static void size_ok(const char *s, unsigned long long want)
{
    unsigned long long v = 12345;
    int rc = gl_parse_size(s, &v);
    T_EQ_U(rc, 0);
    if (rc != 0)
        fprintf(stderr, "  input was \"%s\"\n", s);
    T_EQ_U(v, want);
}

static void size_bad(const char *s)
{
    unsigned long long v = 12345;
    int rc = gl_parse_size(s, &v);
    T_CHECK(rc == -1);
    if (rc != -1)
        fprintf(stderr, "  \"%s\" was accepted as %llu\n", s, v);
    T_EQ_U(v, 12345); /* untouched on error */
}

static void test_parse_size(void)
{
    size_ok("0", 0);
    size_ok("1", 1);
    size_ok("65536", 65536);
    size_ok("512k", 512ULL * 1024);
    size_ok("512K", 512ULL * 1024);
    size_ok("512kb", 512ULL * 1024);
    size_ok("64mb", 64ULL * 1048576);
    size_ok("64MB", 64ULL * 1048576);
    size_ok("64 mb", 64ULL * 1048576);          /* blank before the unit */
    size_ok("1g", 1073741824ULL);
    size_ok("3G", 3ULL * 1073741824ULL);
    size_ok("2t", 2ULL * 1099511627776ULL);
    size_ok("18446744073709551615", 18446744073709551615ULL); /* 2^64-1, no unit */
    size_ok("17179869183g", 18446744072635809792ULL);        /* (2^34-1)*2^30 */
    size_bad("");
    size_bad("mb");
    size_bad("-1");
    size_bad("+1");
    size_bad(" 1");
    size_bad("1x");
    size_bad("1mbb");
    size_bad("1m b");
    size_bad("1.5g");
    size_bad("18446744073709551616");   /* 2^64: does not fit */
    size_bad("17179869184g");           /* 2^34 * 2^30 = 2^64: overflow */
    size_bad("16777216t");              /* 2^24 * 2^40 = 2^64 */
}

/* ---- gl_config_set: every option type ------------------------------------- */

static int set(gl_config *c, const char *k, const char *v, char *err)
{
    err[0] = 0;
    return gl_config_set(c, k, v, err, 256);
}

static void test_set_types(void)
{
    gl_config c;
    char err[256];
    gl_config_default(&c);

    /* OPT_UINT */
    T_EQ_U(set(&c, "threads", "8", err), 0);
    T_EQ_U(c.threads, 8);
    T_EQ_U(set(&c, "threads", "64", err), 0);   /* upper bound inclusive */
    T_EQ_U(c.threads, 64);
    T_CHECK(set(&c, "threads", "0", err) == -1);
    T_CHECK(strstr(err, "out of range [1, 64]") != NULL);
    T_CHECK(strstr(err, "'threads'") != NULL);
    T_CHECK(set(&c, "threads", "65", err) == -1);
    T_CHECK(set(&c, "threads", "2k", err) == -1);  /* plain numbers take no unit */
    T_CHECK(strstr(err, "not a valid number") != NULL);
    T_CHECK(set(&c, "threads", "two", err) == -1);
    T_CHECK(set(&c, "threads", "", err) == -1);
    T_EQ_U(c.threads, 64);                      /* failed sets leave the value */
    T_EQ_U(set(&c, "flow.hash-size", "1024", err), 0);
    T_EQ_U(c.worker.flow.hash_size, 1024);

    /* OPT_SECONDS */
    T_EQ_U(set(&c, "flow.timeout.tcp.new", "5", err), 0);
    T_EQ_U(c.worker.flow.timeout[GL_TC_TCP_NEW], 5);
    T_EQ_U(set(&c, "flow.timeout.tcp.closed", "0", err), 0); /* closed may be 0 */
    T_EQ_U(c.worker.flow.timeout[GL_TC_TCP_CLOSED], 0);
    T_CHECK(set(&c, "flow.timeout.udp.new", "0", err) == -1);
    T_CHECK(set(&c, "flow.timeout.udp.new", "86401", err) == -1);
    T_EQ_U(set(&c, "flow.timeout.icmp.established", "86400", err), 0);
    T_EQ_U(c.worker.flow.timeout[GL_TC_ICMP_EST], 86400);

    /* OPT_SIZE */
    T_EQ_U(set(&c, "flow.memcap", "64mb", err), 0);
    T_EQ_U(c.worker.flow.memcap, 64ULL << 20);
    T_EQ_U(set(&c, "flow.memcap", "65536", err), 0);
    T_EQ_U(c.worker.flow.memcap, 65536);
    T_CHECK(set(&c, "flow.memcap", "65535", err) == -1);
    T_CHECK(set(&c, "flow.memcap", "lots", err) == -1);
    T_CHECK(strstr(err, "size (e.g. 64mb)") != NULL);
    T_EQ_U(set(&c, "stream.depth", "0", err), 0);
    T_EQ_U(c.worker.stream.depth, 0);
    T_EQ_U(set(&c, "stream.depth", "1mb", err), 0);
    T_EQ_U(c.worker.stream.depth, 1048576);
    T_EQ_U(set(&c, "stream.ooo-max", "2g", err), 0);      /* max 2^31 */
    T_EQ_U(c.worker.stream.ooo_max, 2147483648ULL);
    T_CHECK(set(&c, "stream.ooo-max", "2147483649", err) == -1);
    T_EQ_U(set(&c, "defrag.memcap", "1t", err), 0);
    T_EQ_U(c.worker.defrag.memcap, 1ULL << 40);
    /* 4g = 2^32 is inside stream.depth's declared range [0, 2^32] but the
     * field is 32 bits: it must not silently become 0 ("no limit") */
    {
        int rc = set(&c, "stream.depth", "4g", err);
        T_CHECK(rc == -1 || c.worker.stream.depth == 4294967295u);
    }
    T_EQ_U(set(&c, "stream.depth", "4294967295", err), 0);
    T_EQ_U(c.worker.stream.depth, 4294967295u);

    /* OPT_BOOL */
    static const char *const yes[] = { "yes", "YES", "true", "True", "on", "1" };
    static const char *const no[] = { "no", "No", "false", "FALSE", "off", "0" };
    for (size_t i = 0; i < GL_ARRAY_LEN(yes); i++) {
        c.promisc = false;
        T_EQ_U(set(&c, "capture.promisc", yes[i], err), 0);
        T_CHECK(c.promisc);
        T_EQ_U(set(&c, "capture.promisc", no[i], err), 0);
        T_CHECK(!c.promisc);
    }
    T_CHECK(set(&c, "capture.promisc", "maybe", err) == -1);
    T_CHECK(strstr(err, "not yes/no") != NULL);
    T_CHECK(set(&c, "capture.promisc", "2", err) == -1);
    T_EQ_U(set(&c, "app.tls.enabled", "no", err), 0);
    T_CHECK(!c.app_enabled[2] && c.app_enabled[0] && c.app_enabled[1] && c.app_enabled[3]);
    T_EQ_U(set(&c, "output.eve.community-id", "yes", err), 0);
    T_CHECK(c.output.community_id);

    /* OPT_STR */
    T_EQ_S(c.output.eve_filename, "eve.json");
    T_EQ_U(set(&c, "output.eve.filename", "events.json", err), 0);
    T_EQ_S(c.output.eve_filename, "events.json");
    T_CHECK(set(&c, "output.eve.filename", "", err) == -1);
    T_CHECK(set(&c, "output.eve.filename", "a\nb", err) == -1);
    T_EQ_S(c.output.eve_filename, "events.json");

    /* OPT_POLICY */
    T_EQ_U(set(&c, "defrag.policy", "bsd", err), 0);
    T_EQ_U(c.worker.defrag.policy, GL_DEFRAG_POLICY_BSD);
    T_EQ_U(set(&c, "defrag.policy", "linux", err), 0);
    T_EQ_U(c.worker.defrag.policy, GL_DEFRAG_POLICY_LINUX);
    T_EQ_U(set(&c, "defrag.policy", "first", err), 0);
    T_EQ_U(c.worker.defrag.policy, GL_DEFRAG_POLICY_FIRST);
    T_CHECK(set(&c, "defrag.policy", "windows", err) == -1);
    T_CHECK(strstr(err, "first, last, bsd, linux") != NULL);

    /* OPT_TYPES */
    T_EQ_U(set(&c, "output.eve.types", "flow,dns", err), 0);
    T_EQ_U(c.output.eve_types, GL_EVT_FLOW | GL_EVT_DNS);
    T_EQ_U(set(&c, "output.eve.types", "[http, anomaly]", err), 0);
    T_EQ_U(c.output.eve_types, GL_EVT_HTTP | GL_EVT_ANOMALY);
    T_EQ_U(set(&c, "output.eve.types", "all", err), 0);
    T_EQ_U(c.output.eve_types, GL_EVT_ALL);
    T_CHECK(set(&c, "output.eve.types", "flow,bogus", err) == -1);
    T_CHECK(strstr(err, "'bogus'") != NULL);
    T_EQ_U(c.output.eve_types, GL_EVT_ALL);

    /* OPT_UINT with a 16-bit documented range */
    T_EQ_U(set(&c, "output.eve.community-id-seed", "65535", err), 0);
    T_EQ_U(c.output.community_id_seed, 65535);
    T_CHECK(set(&c, "output.eve.community-id-seed", "65536", err) == -1);

    /* unknown */
    T_CHECK(set(&c, "flow.memcapp", "1", err) == -1);
    T_CHECK(strstr(err, "unknown option 'flow.memcapp'") != NULL);
    T_CHECK(set(&c, "flow", "1", err) == -1);
    gl_config_free(&c);
}

/* ---- YAML ----------------------------------------------------------------- */

static char yaml_path[64];

static int load(gl_config *c, const char *yaml, char *err)
{
    strcpy(yaml_path, "/tmp/gl-test-config-XXXXXX");
    int fd = mkstemp(yaml_path);
    T_CHECK(fd >= 0);
    if (fd < 0)
        return -2;
    size_t n = strlen(yaml);
    T_CHECK(write(fd, yaml, n) == (ssize_t)n);
    close(fd);
    err[0] = 0;
    int rc = gl_config_load_yaml(c, yaml_path, err, 256);
    unlink(yaml_path);
    return rc;
}

/* err must read "<path>:<line>: ..." and contain what. */
static void check_err_line(const char *err, unsigned line, const char *what)
{
    char want[128];
    snprintf(want, sizeof(want), "%s:%u: ", yaml_path, line);
    T_CHECK(strncmp(err, want, strlen(want)) == 0);
    T_CHECK(strstr(err, what) != NULL);
    if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, what))
        fprintf(stderr, "  got \"%s\", wanted prefix \"%s\" and \"%s\"\n", err, want, what);
}

static void test_yaml_nested_and_dotted(void)
{
    gl_config c;
    char err[256];
    gl_config_default(&c);
    const char *y =
        "# comment\n"
        "threads: 4\n"
        "flow:\n"
        "  memcap: 32mb\n"
        "  timeout:\n"
        "    tcp:\n"
        "      new: 7\n"
        "      established: 700\n"
        "    udp.new: 9\n"              /* dotted key below a nested one */
        "stream.depth: 64kb\n"          /* dotted key at the top */
        "defrag: {policy: linux, memcap: 1mb}\n" /* flow style */
        "output:\n"
        "  eve:\n"
        "    types: [flow, dns, http]\n"
        "    community-id: yes\n"
        "  sqlite:\n"
        "    enabled: false\n"
        "    filename: \"x y.db\"\n";
    T_EQ_U(load(&c, y, err), 0);
    if (err[0])
        fprintf(stderr, "  %s\n", err);
    T_EQ_U(c.threads, 4);
    T_EQ_U(c.worker.flow.memcap, 32ULL << 20);
    T_EQ_U(c.worker.flow.timeout[GL_TC_TCP_NEW], 7);
    T_EQ_U(c.worker.flow.timeout[GL_TC_TCP_EST], 700);
    T_EQ_U(c.worker.flow.timeout[GL_TC_UDP_NEW], 9);
    T_EQ_U(c.worker.flow.timeout[GL_TC_UDP_EST], 300); /* default untouched */
    T_EQ_U(c.worker.stream.depth, 65536);
    T_EQ_U(c.worker.defrag.policy, GL_DEFRAG_POLICY_LINUX);
    T_EQ_U(c.worker.defrag.memcap, 1048576);
    T_EQ_U(c.output.eve_types, GL_EVT_FLOW | GL_EVT_DNS | GL_EVT_HTTP);
    T_CHECK(c.output.community_id);
    T_CHECK(!c.output.sqlite_enabled);
    T_EQ_S(c.output.sqlite_filename, "x y.db");
    gl_config_free(&c);

    /* block-style list, one entry */
    gl_config_default(&c);
    T_EQ_U(load(&c, "output:\n  eve:\n    types:\n      - anomaly\n", err), 0);
    T_EQ_U(c.output.eve_types, GL_EVT_ANOMALY);
    gl_config_free(&c);

    /* an empty file and a comment-only file change nothing */
    gl_config_default(&c);
    T_EQ_U(load(&c, "", err), 0);
    T_EQ_U(load(&c, "# nothing\n", err), 0);
    T_EQ_U(c.threads, 1);
    gl_config_free(&c);
}

static void test_yaml_errors(void)
{
    gl_config c;
    char err[256];
    gl_config_default(&c);

    T_CHECK(load(&c, "threads: 2\nflow:\n  memkap: 1mb\n", err) == -1);
    check_err_line(err, 3, "unknown option 'flow.memkap'");

    T_CHECK(load(&c, "capture:\n  promisc: perhaps\n", err) == -1);
    check_err_line(err, 2, "not yes/no");

    T_CHECK(load(&c, "\n\n\nthreads: 1000\n", err) == -1);
    check_err_line(err, 4, "out of range [1, 64]");

    /* unclosed flow sequence: libyaml reports the problem; the message must
     * carry a line number and say it is a YAML error */
    T_CHECK(load(&c, "output:\n  eve:\n    types: [flow, dns\n", err) == -1);
    T_CHECK(strstr(err, "YAML error") != NULL);
    T_CHECK(strncmp(err, yaml_path, strlen(yaml_path)) == 0 && err[strlen(yaml_path)] == ':');

    /* bad indentation */
    T_CHECK(load(&c, "flow:\n  memcap: 1mb\n hash-size: 1024\n", err) == -1);
    T_CHECK(strstr(err, "YAML error") != NULL);

    /* aliases are refused (no billion-laughs expansion) */
    T_CHECK(load(&c, "threads: &n 2\nqueue-batches: *n\n", err) == -1);
    check_err_line(err, 2, "aliases are not supported");

    /* a list where a mapping of options is expected, and vice versa */
    T_CHECK(load(&c, "- threads\n", err) == -1);
    check_err_line(err, 1, "only allowed as an option value");
    T_CHECK(load(&c, "output:\n  eve:\n    types:\n      - {a: b}\n", err) == -1);
    check_err_line(err, 4, "unexpected mapping");
    T_CHECK(load(&c, "output:\n  eve:\n    types: [[flow]]\n", err) == -1);
    check_err_line(err, 3, "only allowed as an option value");
    T_CHECK(load(&c, "just a scalar\n", err) == -1);
    check_err_line(err, 1, "expected a mapping");

    /* a list for an option that is not a list is still validated */
    T_CHECK(load(&c, "threads: [1, 2]\n", err) == -1);
    check_err_line(err, 1, "threads");

    /* nesting deeper than the option names can be */
    T_CHECK(load(&c, "a:\n b:\n  c:\n   d:\n    e:\n     f:\n      g:\n       h:\n        i:\n         j: 1\n",
                 err) == -1);
    T_CHECK(strstr(err, "unexpected mapping") != NULL);

    /* key too long */
    char y[256];
    snprintf(y, sizeof(y), "%0100d: 1\n", 0);
    T_CHECK(load(&c, y, err) == -1);
    check_err_line(err, 1, "key too long");

    /* missing file */
    T_CHECK(gl_config_load_yaml(&c, "/nonexistent/gl.yaml", err, sizeof(err)) == -1);
    T_CHECK(strstr(err, "cannot open config /nonexistent/gl.yaml") != NULL);

    T_EQ_U(c.threads, 2); /* from the first document of the alias test, applied before the error */
    gl_config_free(&c);
}

/* ---- --help --------------------------------------------------------------- */

/* Every option the documentation (config.h, docs) names, written out here
 * by hand: each must be accepted by gl_config_set and listed by --help, and
 * --help must list no option this test does not know. */
static const struct { const char *key, *value; } all_keys[] = {
    { "threads", "2" }, { "queue-batches", "64" }, { "capture.snaplen", "1500" },
    { "capture.promisc", "no" }, { "capture.buffer-mb", "8" }, { "progress", "no" },
    { "defrag.memcap", "1mb" }, { "defrag.max-trackers", "100" }, { "defrag.timeout", "30" },
    { "defrag.policy", "last" }, { "flow.memcap", "1mb" }, { "flow.hash-size", "4096" },
    { "flow.timeout.tcp.new", "1" }, { "flow.timeout.tcp.established", "1" },
    { "flow.timeout.tcp.closed", "1" }, { "flow.timeout.udp.new", "1" },
    { "flow.timeout.udp.established", "1" }, { "flow.timeout.icmp.new", "1" },
    { "flow.timeout.icmp.established", "1" }, { "flow.timeout.other.new", "1" },
    { "flow.timeout.other.established", "1" }, { "stream.depth", "1mb" },
    { "stream.ooo-max", "64kb" }, { "stream.memcap", "1mb" }, { "stream.midstream", "no" },
    { "app.detect-memcap", "1mb" }, { "app.dns.enabled", "no" }, { "app.http.enabled", "no" }, { "app.tls.enabled", "no" },
    { "app.ssh.enabled", "no" }, { "output.eve.enabled", "no" }, { "output.eve.filename", "e.json" },
    { "output.eve.types", "flow" }, { "output.eve.ethernet", "yes" }, { "output.eve.tls-session-resumption", "yes" }, { "output.sqlite.defer-indexes", "yes" },
    { "output.eve.community-id", "yes" }, { "output.eve.community-id-seed", "7" },
    { "output.sqlite.enabled", "no" }, { "output.sqlite.filename", "g.db" },
    { "output.sqlite.batch-events", "10" }, { "output.sqlite.batch-ms", "10" },
    { "output.sqlite.queue-max", "16" },
    /* detect stage options (docs: configuration, detect.*) */
    { "detect.encrypted.enabled", "no" }, { "detect.threshold", "80" }, { "detect.model-dir", "models" },
    { "detect.intel", "none" }, { "detect.state-dir", "state" },
};

static void test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    gl_config_print_help(f);
    fclose(f);
    T_CHECK(len > 0);

    gl_config c;
    char err[256];
    gl_config_default(&c);
    for (size_t i = 0; i < GL_ARRAY_LEN(all_keys); i++) {
        T_EQ_U(set(&c, all_keys[i].key, all_keys[i].value, err), 0);
        /* listed as "  <key> <default>" at the start of a line */
        char needle[80];
        snprintf(needle, sizeof(needle), "\n  %s ", all_keys[i].key);
        bool found = strstr(text, needle) != NULL ||
                     (strncmp(text, needle + 1, strlen(needle + 1)) == 0);
        T_CHECK(found);
        if (!found)
            fprintf(stderr, "  --help lacks %s\n", all_keys[i].key);
    }
    gl_config_free(&c);

    /* option lines are those starting with exactly two blanks then a name */
    unsigned listed = 0;
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (l[0] == ' ' && l[1] == ' ' && l[2] != ' ' && l[2] != '\n')
            listed++;
    T_EQ_U(listed, GL_ARRAY_LEN(all_keys));

    /* defaults shown as documented */
    T_CHECK(strstr(text, "flow.memcap") && strstr(text, "128mb"));
    free(text);
}

int main(void)
{
    test_parse_size();
    test_set_types();
    test_yaml_nested_and_dotted();
    test_yaml_errors();
    test_help();
    return t_report("test-config");
}
