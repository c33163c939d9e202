/*
 * store-query.c — `guanlan query`: search the event store from the shell.
 *
 * Opens guanlan.db read-only (WAL lets it run while the sensor writes),
 * turns the command line filters into one SELECT whose values are all bound
 * parameters (a filter value can never change the SQL), and prints either
 * the stored EVE lines verbatim, an aligned table, or counts per event type.
 * Exit status: 0 ok, 1 runtime error (cannot open/read the db), 2 bad usage.
 */
#include "output/store.h"
#include "output/store-internal.h"
#include "common/gl-json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUERY_MAX_TYPES 32
#define QUERY_DEFAULT_LIMIT 100
#define QUERY_SQL_MAX 4096
#define QUERY_MAX_BINDS 64
/* The table view buffers this many rows to compute column widths. */
#define TABLE_CHUNK_ROWS 256
/* Epoch seconds of 10000-01-01T00:00:00Z: the first instant ISO 8601's
 * four-digit years cannot write. */
#define QUERY_MAX_EPOCH 253402300800LL

enum query_format { FORMAT_JSON, FORMAT_TABLE };

typedef struct query_opts {
    char db[4096];
    const char *types[QUERY_MAX_TYPES];
    int ntypes;
    char host[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN], dest[INET6_ADDRSTRLEN];
    int port;             /* -1: no filter */
    bool has_flow, has_since, has_until;
    int64_t flow_id, since_usec, until_usec;
    int64_t limit;        /* 0: no limit */
    enum query_format format;
    bool count, reverse, help;
} query_opts;

static const char usage_text[] =
    "usage: guanlan query [options]\n"
    "\n"
    "Search the events stored in guanlan.db. The database is opened read-only,\n"
    "so this works while the sensor is writing to it.\n"
    "\n"
    "Where:\n"
    "  --db PATH         database file (default ./guanlan.db)\n"
    "  -l DIR            same as --db DIR/guanlan.db (the sensor's log directory)\n"
    "\n"
    "Filters (all given filters must match; values are never parsed as SQL):\n"
    "  --type TYPE       event_type equals TYPE (flow, dns, tls, http, ssh, alert,\n"
    "                    anomaly, stats, ...); repeat to match any of several types\n"
    "  --host IP         src_ip or dest_ip equals IP\n"
    "  --src IP          src_ip equals IP\n"
    "  --dest IP         dest_ip equals IP\n"
    "  --port N          src_port or dest_port equals N (0-65535)\n"
    "  --flow-id N       flow_id equals N\n"
    "  --since TIME      event time >= TIME\n"
    "  --until TIME      event time <= TIME\n"
    "                    TIME is ISO 8601: 2024-01-02, 2024-01-02T03:04:05Z,\n"
    "                    2024-01-02T03:04:05.250+08:00 (no offset means UTC), or\n"
    "                    epoch seconds: 1704164645 or 1704164645.25\n"
    "                    IPs must be literal IPv4/IPv6 addresses; they are compared\n"
    "                    in canonical text form (2001:DB8:0::1 finds 2001:db8::1).\n"
    "\n"
    "Output:\n"
    "  --limit N         print at most N events, oldest first (default 100;\n"
    "                    0 = no limit). Ignored with --count.\n"
    "  --reverse         newest first (with --limit: the N newest)\n"
    "  --format json     one line per event: exactly the stored EVE JSON (default)\n"
    "  --format table    aligned columns: ts, type, src, dst, proto, app_proto,\n"
    "                    summary (control characters shown as '?')\n"
    "  --count           instead of events, print how many events of each\n"
    "                    event_type match (most frequent first)\n"
    "  -h, --help        this text\n"
    "\n"
    "Options take their value as the next argument or after '=' (--type=dns).\n"
    "Exit status: 0 success (also when nothing matched), 1 the database cannot be\n"
    "opened or read, 2 bad arguments.\n";

/* ---------------------------------------------------------------- errors */

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "guanlan query: %s (see guanlan query --help)\n", msg);
    return 2;
}

static int runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int runtime_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "guanlan query: %s\n", msg);
    return 1;
}

/* ------------------------------------------------------- value parsing */

/* Decimal integer in [min, max], nothing else (no sign unless min < 0). */
static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!*s || (*s == '-' && min >= 0) || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Literal IP → the text form the sensor stores (inet_ntop, IPv4-mapped IPv6
 * shown as IPv4, as gl_addr_str does). */
static bool canonical_ip(const char *in, char *out, size_t outlen)
{
    unsigned char b[16];
    if (inet_pton(AF_INET, in, b) == 1)
        return inet_ntop(AF_INET, b, out, (socklen_t)outlen) != NULL;
    if (inet_pton(AF_INET6, in, b) == 1) {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(b, mapped, 12) == 0)
            return inet_ntop(AF_INET, b + 12, out, (socklen_t)outlen) != NULL;
        return inet_ntop(AF_INET6, b, out, (socklen_t)outlen) != NULL;
    }
    return false;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days
 * inverse: shift the year to start in March so the leap day is last). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* ".123456789" → microseconds (digits past the sixth are ignored). */
static bool fraction_usec(const char **p, int64_t *usec)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    int64_t v = 0, scale = 100000;
    for (; *s >= '0' && *s <= '9'; s++) {
        v += (*s - '0') * scale;
        scale /= 10;
    }
    *p = s;
    *usec = v;
    return true;
}

static bool parse_epoch(const char *s, int64_t *usec)
{
    int64_t secs = 0, frac = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        secs = secs * 10 + (*p - '0');
        if (secs >= QUERY_MAX_EPOCH)
            return false;
    }
    if (*p == '.') {
        p++;
        if (!fraction_usec(&p, &frac))
            return false;
    }
    if (*p)
        return false;
    *usec = secs * 1000000 + frac;
    return true;
}

/* Z, ±HH, ±HHMM or ±HH:MM → offset east of UTC in seconds. */
static bool parse_offset(const char *p, int64_t *off_sec)
{
    if ((p[0] == 'Z' || p[0] == 'z') && !p[1]) {
        *off_sec = 0;
        return true;
    }
    if (p[0] != '+' && p[0] != '-')
        return false;
    int sign = p[0] == '-' ? -1 : 1, hh, mm = 0;
    p++;
    if (!digits(&p, 2, &hh))
        return false;
    if (*p == ':')
        p++;
    if (*p && !digits(&p, 2, &mm))
        return false;
    if (*p || hh > 23 || mm > 59)
        return false;
    *off_sec = sign * (hh * 3600 + mm * 60);
    return true;
}

/* ISO 8601 date, optionally with time and UTC offset, or epoch seconds. */
static bool parse_time(const char *s, int64_t *usec)
{
    if (strchr(s, '-') == NULL) /* dates always have dashes, epochs never */
        return parse_epoch(s, usec);
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0, off = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return false;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return false;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return false;
            if ((*p == '.' || *p == ',')) {
                p++;
                if (!fraction_usec(&p, &frac))
                    return false;
            }
        }
        if (h > 23 || mi > 59 || sec > 60) /* 60: a leap second */
            return false;
        if (*p && !parse_offset(p, &off))
            return false;
    } else if (*p) {
        return false;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    if (secs < 0) /* e.g. 1970-01-01T00:30+01:00 */
        return false;
    *usec = secs * 1000000 + frac;
    return true;
}

/* -------------------------------------------------------- command line */

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past the value. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

static int set_ip(const char *opt, const char *v, char *dst)
{
    if (!canonical_ip(v, dst, INET6_ADDRSTRLEN))
        return usage_error("%s: '%.64s' is not an IPv4 or IPv6 address", opt, v);
    return 0;
}

/* One option with a value; returns 0, 2 (usage error) or -1 (not ours). */
static int apply_option(query_opts *o, const char *opt, const char *v)
{
    int64_t n;
    uint64_t u;
    if (!strcmp(opt, "--db")) {
        if (!*v)
            return usage_error("--db: empty path");
        snprintf(o->db, sizeof o->db, "%s", v);
    } else if (!strcmp(opt, "-l")) {
        if (!*v)
            return usage_error("-l: empty directory");
        snprintf(o->db, sizeof o->db, "%s/guanlan.db", v);
    } else if (!strcmp(opt, "--type")) {
        if (!*v)
            return usage_error("--type: empty event type");
        if (o->ntypes == QUERY_MAX_TYPES)
            return usage_error("--type: at most %d types", QUERY_MAX_TYPES);
        o->types[o->ntypes++] = v;
    } else if (!strcmp(opt, "--host")) {
        return set_ip(opt, v, o->host);
    } else if (!strcmp(opt, "--src")) {
        return set_ip(opt, v, o->src);
    } else if (!strcmp(opt, "--dest")) {
        return set_ip(opt, v, o->dest);
    } else if (!strcmp(opt, "--port")) {
        if (!parse_int(v, 0, 65535, &n))
            return usage_error("--port: '%.64s' is not a port number 0-65535", v);
        o->port = (int)n;
    } else if (!strcmp(opt, "--flow-id")) {
        if (!parse_u64(v, &u))
            return usage_error("--flow-id: '%.64s' is not an unsigned integer", v);
        o->has_flow = true;
        o->flow_id = (int64_t)u; /* stored the same way (two's complement) */
    } else if (!strcmp(opt, "--since")) {
        if (!parse_time(v, &o->since_usec))
            return usage_error("--since: '%.64s' is not an ISO 8601 time or epoch seconds", v);
        o->has_since = true;
    } else if (!strcmp(opt, "--until")) {
        if (!parse_time(v, &o->until_usec))
            return usage_error("--until: '%.64s' is not an ISO 8601 time or epoch seconds", v);
        o->has_until = true;
    } else if (!strcmp(opt, "--limit")) {
        if (!parse_int(v, 0, INT64_MAX, &n))
            return usage_error("--limit: '%.64s' is not a non-negative integer", v);
        o->limit = n;
    } else if (!strcmp(opt, "--format")) {
        if (!strcmp(v, "json"))
            o->format = FORMAT_JSON;
        else if (!strcmp(v, "table"))
            o->format = FORMAT_TABLE;
        else
            return usage_error("--format: '%.64s' is not json or table", v);
    } else {
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, query_opts *o)
{
    static const char *const with_value[] = { "--db", "-l", "--type", "--host", "--src",
                                              "--dest", "--port", "--flow-id", "--since",
                                              "--until", "--limit", "--format" };
    memset(o, 0, sizeof *o);
    snprintf(o->db, sizeof o->db, "guanlan.db");
    o->port = -1;
    o->limit = QUERY_DEFAULT_LIMIT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            o->help = true;
            return 0;
        }
        if (!strcmp(a, "--count")) {
            o->count = true;
            continue;
        }
        if (!strcmp(a, "--reverse")) {
            o->reverse = true;
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0] && !known; k++) {
            const char *v = NULL;
            int m = option_value(argc, argv, &i, with_value[k], &v);
            if (m < 0)
                return usage_error("%s needs a value", with_value[k]);
            if (m == 0)
                continue;
            known = true;
            if (apply_option(o, with_value[k], v) != 0)
                return 2;
        }
        if (!known)
            return usage_error("unknown argument '%.64s'", a);
    }
    if (o->has_since && o->has_until && o->since_usec > o->until_usec)
        return usage_error("--since is later than --until");
    return 0;
}

/* ---------------------------------------------------------- SQL building */

typedef struct bind_val {
    bool is_text;
    const char *text;
    int64_t num;
} bind_val;

typedef struct sql_builder {
    char sql[QUERY_SQL_MAX];
    size_t len;
    bind_val binds[QUERY_MAX_BINDS];
    int nbinds;
} sql_builder;

/* Only ever appends our own constant fragments; values go to binds. */
static void sql_add(sql_builder *b, const char *frag)
{
    size_t n = strlen(frag);
    if (b->len + n < sizeof b->sql) {
        memcpy(b->sql + b->len, frag, n + 1);
        b->len += n;
    }
}

static void bind_text(sql_builder *b, const char *t)
{
    if (b->nbinds < QUERY_MAX_BINDS)
        b->binds[b->nbinds++] = (bind_val){ .is_text = true, .text = t };
}

static void bind_num(sql_builder *b, int64_t v)
{
    if (b->nbinds < QUERY_MAX_BINDS)
        b->binds[b->nbinds++] = (bind_val){ .is_text = false, .num = v };
}

static void build_where(sql_builder *b, const query_opts *o)
{
    sql_add(b, " WHERE 1");
    if (o->ntypes) {
        sql_add(b, " AND event_type IN (");
        for (int i = 0; i < o->ntypes; i++) {
            sql_add(b, i ? ",?" : "?");
            bind_text(b, o->types[i]);
        }
        sql_add(b, ")");
    }
    if (*o->host) {
        sql_add(b, " AND (src_ip = ? OR dest_ip = ?)");
        bind_text(b, o->host);
        bind_text(b, o->host);
    }
    if (*o->src) {
        sql_add(b, " AND src_ip = ?");
        bind_text(b, o->src);
    }
    if (*o->dest) {
        sql_add(b, " AND dest_ip = ?");
        bind_text(b, o->dest);
    }
    if (o->port >= 0) {
        sql_add(b, " AND (src_port = ? OR dest_port = ?)");
        bind_num(b, o->port);
        bind_num(b, o->port);
    }
    if (o->has_flow) {
        sql_add(b, " AND flow_id = ?");
        bind_num(b, o->flow_id);
    }
    if (o->has_since) {
        sql_add(b, " AND ts_usec >= ?");
        bind_num(b, o->since_usec);
    }
    if (o->has_until) {
        sql_add(b, " AND ts_usec <= ?");
        bind_num(b, o->until_usec);
    }
}

/* One-line human summary per event type, pulled from the stored JSON by
 * SQLite's JSON functions; json_valid() guards against a damaged row
 * aborting the whole query. */
#define JX(path) "json_extract(json,'" path "')"
/* " value" when the field exists, "" when not: summaries have no gaps. */
#define W(expr) "coalesce(' ' || " expr ",'')"
static const char summary_sql[] =
    "CASE WHEN json_valid(json) THEN ltrim(CASE event_type"
    " WHEN 'dns' THEN " W(JX("$.dns.type"))
    "   || " W("coalesce(" JX("$.dns.rrname") "," JX("$.dns.queries[0].rrname") ")")
    "   || " W("coalesce(" JX("$.dns.rrtype") "," JX("$.dns.queries[0].rrtype") ")")
    "   || " W(JX("$.dns.rcode"))
    " WHEN 'tls' THEN " W(JX("$.tls.sni")) " || " W(JX("$.tls.version"))
    " WHEN 'http' THEN " W(JX("$.http.http_method"))
    "   || " W("coalesce(" JX("$.http.hostname") ",'') || coalesce(" JX("$.http.url") ",'')")
    "   || " W(JX("$.http.status"))
    " WHEN 'ssh' THEN " W(JX("$.ssh.client.software_version"))
    "   || ' ->' || " W(JX("$.ssh.server.software_version"))
    " WHEN 'flow' THEN printf('pkts %d/%d bytes %d/%d', " JX("$.flow.pkts_toserver") ","
    "   " JX("$.flow.pkts_toclient") "," JX("$.flow.bytes_toserver") ","
    "   " JX("$.flow.bytes_toclient") ") || " W(JX("$.flow.state"))
    " WHEN 'alert' THEN " W(JX("$.alert.signature"))
    " WHEN 'anomaly' THEN " W(JX("$.anomaly.type")) " || " W(JX("$.anomaly.event"))
    " WHEN 'fileinfo' THEN " W(JX("$.fileinfo.filename"))
    " ELSE '' END) ELSE '(invalid json)' END";

static void build_select(sql_builder *b, const query_opts *o)
{
    if (o->count) {
        sql_add(b, "SELECT event_type, count(*) FROM events");
        build_where(b, o);
        sql_add(b, " GROUP BY event_type ORDER BY 2 DESC, 1");
        return;
    }
    if (o->format == FORMAT_JSON) {
        sql_add(b, "SELECT json FROM events");
    } else {
        sql_add(b, "SELECT ts, event_type, src_ip, src_port, dest_ip, dest_port, proto, "
                   "app_proto, ");
        sql_add(b, summary_sql);
        sql_add(b, " FROM events");
    }
    build_where(b, o);
    sql_add(b, o->reverse ? " ORDER BY ts_usec DESC, id DESC" : " ORDER BY ts_usec, id");
    sql_add(b, " LIMIT ?");
    bind_num(b, o->limit > 0 ? o->limit : -1); /* negative: SQLite's "no limit" */
}

/* ---------------------------------------------------------------- output */

/* Copies a cell for the terminal: control characters (C0, DEL and the C1
 * range, which some terminals obey as escapes) become '?', since event
 * fields come from hostile traffic. */
static char *sanitize_cell(const char *in)
{
    if (!in)
        in = "-";
    size_t n = strlen(in);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == 0xc2 && i + 1 < n && (unsigned char)in[i + 1] >= 0x80 &&
            (unsigned char)in[i + 1] <= 0x9f) {
            out[j++] = '?';
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            out[j++] = '?';
        } else {
            out[j++] = (char)c;
        }
    }
    out[j] = '\0';
    return out;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void endpoint_text(sqlite3_stmt *st, int ip_col, int port_col, char *buf, size_t len)
{
    const char *ip = (const char *)sqlite3_column_text(st, ip_col);
    if (!ip) {
        snprintf(buf, len, "-");
        return;
    }
    bool v6 = strchr(ip, ':') != NULL;
    if (sqlite3_column_type(st, port_col) == SQLITE_NULL)
        snprintf(buf, len, "%.200s", ip);
    else
        snprintf(buf, len, v6 ? "[%.200s]:%d" : "%.200s:%d", ip, sqlite3_column_int(st, port_col));
}

#define TABLE_COLS 7
typedef struct table {
    char *cells[TABLE_CHUNK_ROWS][TABLE_COLS];
    int rows;
    size_t width[TABLE_COLS]; /* only grows, so columns stay put between chunks */
    bool header_done;
} table;

static const char *const table_header[TABLE_COLS] = { "TS", "TYPE", "SRC", "DST",
                                                      "PROTO", "APP_PROTO", "SUMMARY" };

static void table_print_row(const table *t, const char *const *cells)
{
    for (int c = 0; c < TABLE_COLS; c++) {
        if (c == TABLE_COLS - 1) {
            fputs(cells[c], stdout);
            break;
        }
        fputs(cells[c], stdout);
        for (size_t w = display_width(cells[c]); w < t->width[c] + 2; w++)
            putchar(' ');
    }
    putchar('\n');
}

static void table_flush(table *t)
{
    for (int c = 0; c < TABLE_COLS; c++) {
        size_t w = strlen(table_header[c]);
        if (w > t->width[c])
            t->width[c] = w;
    }
    for (int r = 0; r < t->rows; r++)
        for (int c = 0; c < TABLE_COLS; c++) {
            size_t w = display_width(t->cells[r][c]);
            if (w > t->width[c])
                t->width[c] = w;
        }
    if (!t->header_done) {
        table_print_row(t, table_header);
        t->header_done = true;
    }
    for (int r = 0; r < t->rows; r++) {
        table_print_row(t, (const char *const *)t->cells[r]);
        for (int c = 0; c < TABLE_COLS; c++)
            free(t->cells[r][c]);
    }
    t->rows = 0;
}

static int table_add_row(table *t, sqlite3_stmt *st)
{
    char src[256], dst[256];
    endpoint_text(st, 2, 3, src, sizeof src);
    endpoint_text(st, 4, 5, dst, sizeof dst);
    const char *vals[TABLE_COLS] = {
        (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
        src, dst, (const char *)sqlite3_column_text(st, 6),
        (const char *)sqlite3_column_text(st, 7), (const char *)sqlite3_column_text(st, 8),
    };
    char **row = t->cells[t->rows];
    for (int c = 0; c < TABLE_COLS; c++) {
        row[c] = sanitize_cell(vals[c]);
        if (!row[c]) {
            while (c-- > 0)
                free(row[c]);
            return -1;
        }
    }
    if (++t->rows == TABLE_CHUNK_ROWS)
        table_flush(t);
    return 0;
}

static int print_count_row(sqlite3_stmt *st, const query_opts *o)
{
    const char *type = (const char *)sqlite3_column_text(st, 0);
    int64_t n = sqlite3_column_int64(st, 1);
    if (o->format == FORMAT_TABLE) {
        char *clean = sanitize_cell(type);
        if (!clean)
            return -1;
        printf("%-16s %" PRId64 "\n", clean, n);
        free(clean);
        return 0;
    }
    gl_json j;
    gl_json_init(&j);
    gl_json_open_object(&j, NULL);
    gl_json_str(&j, "event_type", type ? type : "");
    gl_json_int(&j, "count", n);
    gl_json_close_object(&j);
    int rc = j.oom ? -1 : 0;
    if (!j.oom) {
        fwrite(j.buf, 1, j.len, stdout);
        putchar('\n');
    }
    gl_json_free(&j);
    return rc;
}

/* ------------------------------------------------------------------ run */

/* "file:" URI for path with immutable=1. Percent-encodes everything but
 * unreserved characters and '/', so '?', '#' and '%' in names stay data. */
static bool immutable_uri(const char *path, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = (size_t)snprintf(out, outlen, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~/", *p);
        if (j + 4 >= outlen)
            return false;
        if (plain) {
            out[j++] = (char)*p;
        } else {
            out[j++] = '%';
            out[j++] = hex[*p >> 4];
            out[j++] = hex[*p & 15];
        }
    }
    return (size_t)snprintf(out + j, outlen - j, "?immutable=1") < outlen - j;
}

/* A cleanly closed WAL database has no -wal/-shm files, and a reader that
 * may not create files next to it (read-only directory, another user's log
 * dir) cannot create the -shm SQLite needs. Without a -wal file nothing is
 * pending, so reading the main file as immutable is exact. */
static bool can_read_immutable(const char *path, int rc)
{
    char wal[4200];
    if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN)
        return false;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return access(wal, F_OK) != 0 && access(path, R_OK) == 0;
}

static int open_readonly(const char *path, sqlite3 **db)
{
    char why[512];
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK)
        return runtime_error("cannot open database %s: %s", path,
                             *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    sqlite3_busy_timeout(*db, GL_STORE_BUSY_TIMEOUT_MS);
    if (gl_store_schema_check(*db, why, sizeof why) == 0)
        return 0;
    char uri[8500];
    if (can_read_immutable(path, sqlite3_extended_errcode(*db)) &&
        immutable_uri(path, uri, sizeof uri)) {
        sqlite3_close(*db);
        *db = NULL;
        rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
        if (rc == SQLITE_OK && gl_store_schema_check(*db, why, sizeof why) == 0)
            return 0;
        if (rc != SQLITE_OK)
            snprintf(why, sizeof why, "%s", *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    }
    return runtime_error("cannot use database %s: %s", path, why);
}

static int run_query(sqlite3 *db, const query_opts *o)
{
    sql_builder b;
    memset(&b, 0, sizeof b);
    build_select(&b, o);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, b.sql, -1, &st, NULL) != SQLITE_OK)
        return runtime_error("query failed: %s", sqlite3_errmsg(db));
    for (int i = 0; i < b.nbinds; i++) {
        if (b.binds[i].is_text)
            sqlite3_bind_text(st, i + 1, b.binds[i].text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, i + 1, b.binds[i].num);
    }
    table *t = NULL;
    if (!o->count && o->format == FORMAT_TABLE && !(t = calloc(1, sizeof *t))) {
        sqlite3_finalize(st);
        return runtime_error("out of memory");
    }
    int rc, status = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int r;
        if (o->count) {
            r = print_count_row(st, o);
        } else if (t) {
            r = table_add_row(t, st);
        } else {
            const void *json = sqlite3_column_text(st, 0);
            int len = sqlite3_column_bytes(st, 0);
            if (json)
                fwrite(json, 1, (size_t)len, stdout);
            r = putchar('\n') == EOF ? -1 : 0;
        }
        if (r < 0) {
            status = runtime_error("cannot write output");
            break;
        }
    }
    if (status == 0 && rc != SQLITE_DONE)
        status = runtime_error("query failed: %s", sqlite3_errmsg(db));
    if (t) {
        table_flush(t); /* also prints the header when nothing matched */
        free(t);
    }
    sqlite3_finalize(st);
    if (fflush(stdout) != 0 && status == 0)
        status = runtime_error("cannot write output: %s", strerror(errno));
    return status;
}

int gl_cmd_query(int argc, char **argv)
{
    query_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.help) {
        fputs(usage_text, stdout);
        fflush(stdout);
        return 0;
    }
    sqlite3 *db = NULL;
    rc = open_readonly(o.db, &db);
    if (rc == 0)
        rc = run_query(db, &o);
    sqlite3_close(db);
    return rc;
}
