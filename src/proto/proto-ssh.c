/*
 * proto-ssh.c — SSH (RFC 4253): identification strings of both sides, then
 * the cleartext binary packet protocol just far enough to read each side's
 * SSH_MSG_KEXINIT for HASSH / HASSHServer (Salesforce: md5 of
 * "kex;enc;mac;comp", client-to-server lists for the client, server-to-client
 * lists for the server). One EVE "ssh" event per flow; once both KEXINITs
 * (or NEWKEYS) are seen the rest is encrypted, so the parser returns
 * GL_APP_DONE and the stream stage can stop reassembling.
 */
#include "app-layer.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#define SSH_LINE_MAX 255         /* RFC 4253 4.2: identification line incl. CR LF */
#define SSH_PRE_BANNER_MAX 4096  /* server lines before the banner, bytes in total */
#define SSH_RECORD_MAX 35000     /* RFC 4253 6.1: packets every implementation handles */
#define SSH_RECORDS_BEFORE_KEX 16

#define SSH_MSG_KEXINIT 20
#define SSH_MSG_NEWKEYS 21

enum ssh_phase { SSH_BANNER, SSH_RECORDS, SSH_FINISHED };

typedef struct ssh_dir {
    enum ssh_phase phase;
    /* identification line assembly */
    uint8_t line[SSH_LINE_MAX];
    uint32_t line_len;
    bool line_long;              /* current line overflowed: discarding to LF */
    enum ssh_phase after_long;   /* phase to enter once the long line ends */
    uint32_t pre_banner;         /* bytes of non-banner lines seen (server) */
    bool have_banner;
    uint8_t proto[SSH_LINE_MAX], soft[SSH_LINE_MAX];
    uint32_t proto_len, soft_len;
    /* binary packets */
    uint8_t hdr[6];              /* packet_length(4) padding_length(1) msg code(1) */
    uint32_t hdr_len;
    uint32_t skip;               /* bytes of the current packet still to skip */
    uint8_t *kex;                /* KEXINIT payload after the message code */
    uint32_t kex_len, kex_need;
    uint32_t records;
    /* result */
    char *hassh_string;
    char hassh[33];
} ssh_dir;

typedef struct ssh_state {
    ssh_dir d[2];
    bool logged;
} ssh_state;

static const uint16_t ssh_ports[] = { 22, 0 };

/* ---- detection ---------------------------------------------------------- */

static gl_probe_result ssh_probe(const uint8_t *data, uint32_t len, gl_dir dir)
{
    static const char magic[] = "SSH-";
    uint32_t n = GL_MIN(len, 4u);
    if (memcmp(data, magic, n) == 0)
        return len >= 4 ? GL_PROBE_YES : GL_PROBE_MORE;
    /* RFC 4253 4.2: a server may send other lines before its version */
    if (dir == GL_DIR_TOCLIENT && memmem(data, GL_MIN(len, (uint32_t)SSH_PRE_BANNER_MAX), "\nSSH-", 5))
        return GL_PROBE_YES;
    return GL_PROBE_NO;
}

/* ---- state -------------------------------------------------------------- */

static void *ssh_state_new(void)
{
    return calloc(1, sizeof(ssh_state));
}

static void ssh_state_free(void *s)
{
    ssh_state *st = s;
    if (!st)
        return;
    for (int i = 0; i < 2; i++) {
        free(st->d[i].kex);
        free(st->d[i].hassh_string);
    }
    free(st);
}

/* ---- event -------------------------------------------------------------- */

static void json_side(gl_json *j, const char *key, const ssh_dir *d)
{
    if (!d->have_banner)
        return;
    gl_json_open_object(j, key);
    gl_json_strn(j, "proto_version", d->proto, d->proto_len);
    if (d->soft_len)
        gl_json_strn(j, "software_version", d->soft, d->soft_len);
    if (d->hassh_string) {
        gl_json_open_object(j, "hassh");
        gl_json_str(j, "hash", d->hassh);
        gl_json_str(j, "string", d->hassh_string);
        gl_json_close_object(j);
    }
    gl_json_close_object(j);
}

static void ssh_log(gl_app_ctx *ctx, ssh_state *st)
{
    if (st->logged || (!st->d[0].have_banner && !st->d[1].have_banner))
        return;
    st->logged = true;
    gl_json *j = gl_app_event_begin(ctx, "ssh", GL_LOG_FLOW, GL_DIR_TOSERVER);
    gl_json_open_object(j, "ssh");
    json_side(j, "client", &st->d[GL_DIR_TOSERVER]);
    json_side(j, "server", &st->d[GL_DIR_TOCLIENT]);
    gl_json_close_object(j);
    gl_app_event_commit(ctx);
}

/* ---- identification string ---------------------------------------------- */

/* "SSH-protoversion-softwareversion SP comments": software ends at the first
 * space; comments are not part of Suricata's schema and are not kept. */
static bool ssh_parse_banner(ssh_dir *d, const uint8_t *line, uint32_t n)
{
    if (n < 4 || memcmp(line, "SSH-", 4) != 0)
        return false;
    const uint8_t *p = line + 4, *end = line + n;
    const uint8_t *dash = memchr(p, '-', (size_t)(end - p));
    if (!dash || dash == p)
        return false;
    d->proto_len = (uint32_t)(dash - p);
    memcpy(d->proto, p, d->proto_len);
    p = dash + 1;
    const uint8_t *sp = memchr(p, ' ', (size_t)(end - p));
    d->soft_len = (uint32_t)((sp ? sp : end) - p);
    memcpy(d->soft, p, d->soft_len);
    d->have_banner = true;
    return true;
}

static bool ssh_proto_is_v2(const ssh_dir *d)
{
    /* "1.99" announces a v2-capable v1 peer (RFC 4253 5.1) */
    return (d->proto_len == 3 && memcmp(d->proto, "2.0", 3) == 0) ||
           (d->proto_len == 4 && memcmp(d->proto, "1.99", 4) == 0);
}

/* A complete line (without CR LF, possibly truncated to SSH_LINE_MAX). */
static void ssh_line_done(gl_app_ctx *ctx, ssh_dir *d, gl_dir dir, const uint8_t *line, uint32_t n)
{
    if (ssh_parse_banner(d, line, n)) {
        d->phase = ssh_proto_is_v2(d) ? SSH_RECORDS : SSH_FINISHED;
        return;
    }
    /* only the server may send other lines first, and not too many */
    d->pre_banner += n + 1;
    if (dir == GL_DIR_TOSERVER || d->pre_banner > SSH_PRE_BANNER_MAX) {
        gl_app_anomaly(ctx, "INVALID_BANNER");
        d->phase = SSH_FINISHED;
    }
}

/* Consume banner-phase bytes; returns how many were used. */
static uint32_t ssh_feed_banner(gl_app_ctx *ctx, ssh_dir *d, gl_dir dir, const uint8_t *data,
                                uint32_t len)
{
    uint32_t used = 0;
    while (used < len && d->phase == SSH_BANNER) {
        const uint8_t *lf = memchr(data + used, '\n', len - used);
        uint32_t chunk = lf ? (uint32_t)(lf - (data + used)) : len - used;
        if (d->line_long) {
            /* skipping the rest of an oversize line, bounded like other lines */
            d->pre_banner += chunk;
            if (d->pre_banner > SSH_PRE_BANNER_MAX) {
                gl_app_anomaly(ctx, "INVALID_BANNER");
                d->phase = SSH_FINISHED;
                return len;
            }
        } else if (chunk > SSH_LINE_MAX - 1 - d->line_len) {
            /* with its LF the line would exceed 255 octets: judge it by what
             * fits (a banner is kept truncated), then skip to the LF */
            uint32_t room = SSH_LINE_MAX - 1 - d->line_len;
            memcpy(d->line + d->line_len, data + used, room);
            gl_app_anomaly(ctx, "LONG_BANNER");
            ssh_line_done(ctx, d, dir, d->line, d->line_len + room);
            d->line_len = 0;
            if (d->phase == SSH_FINISHED && !d->have_banner)
                return len;
            d->after_long = d->phase;
            d->phase = SSH_BANNER;
            d->line_long = true;
            d->pre_banner += chunk - room;
            if (d->pre_banner > SSH_PRE_BANNER_MAX) {
                gl_app_anomaly(ctx, "INVALID_BANNER");
                d->phase = SSH_FINISHED;
                return len;
            }
        } else {
            memcpy(d->line + d->line_len, data + used, chunk);
            d->line_len += chunk;
        }
        if (!lf)
            return len;
        used += chunk + 1;
        if (d->line_long) {
            d->line_long = false;
            d->phase = d->after_long;
            continue;
        }
        uint32_t n = d->line_len;
        if (n > 0 && d->line[n - 1] == '\r')
            n--;
        d->line_len = 0;
        ssh_line_done(ctx, d, dir, d->line, n);
    }
    return used;
}

/* ---- KEXINIT / HASSH ---------------------------------------------------- */

typedef struct name_list {
    const uint8_t *p;
    uint32_t n;
} name_list;

/* RFC 4253 7.1: cookie(16), ten name-lists, boolean, uint32. */
static bool ssh_parse_kexinit(const uint8_t *p, uint32_t n, name_list lists[10])
{
    uint32_t off = 16;
    if (n < off)
        return false;
    for (int i = 0; i < 10; i++) {
        if (n - off < 4)
            return false;
        uint32_t l = gl_be32(p + off);
        off += 4;
        if (l > n - off)
            return false;
        lists[i].p = p + off;
        lists[i].n = l;
        off += l;
    }
    return n - off >= 5;
}

static void ssh_hassh(gl_app_ctx *ctx, ssh_dir *d, gl_dir dir)
{
    name_list l[10];
    if (!ssh_parse_kexinit(d->kex, d->kex_len, l)) {
        gl_app_anomaly(ctx, "INVALID_RECORD");
        return;
    }
    /* lists: 0 kex, 1 hostkey, 2/3 enc c2s/s2c, 4/5 mac c2s/s2c, 6/7 comp c2s/s2c */
    int s = dir == GL_DIR_TOSERVER ? 0 : 1;
    const name_list *parts[4] = { &l[0], &l[2 + s], &l[4 + s], &l[6 + s] };
    size_t total = 4;
    for (int i = 0; i < 4; i++)
        total += parts[i]->n;
    char *str = malloc(total);
    if (!str)
        return;
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        if (i)
            str[o++] = ';';
        memcpy(str + o, parts[i]->p, parts[i]->n);
        o += parts[i]->n;
    }
    str[o] = '\0';
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(str, o, md, &mdlen, EVP_md5(), NULL) || mdlen != 16) {
        free(str);
        return;
    }
    gl_hex(md, 16, d->hassh);
    free(d->hassh_string);
    d->hassh_string = str;
}

/* ---- binary packets ----------------------------------------------------- */

static uint32_t ssh_feed_records(gl_app_ctx *ctx, ssh_dir *d, gl_dir dir, const uint8_t *data,
                                 uint32_t len)
{
    uint32_t used = 0;
    while (used < len && d->phase == SSH_RECORDS) {
        if (d->skip) {
            uint32_t n = GL_MIN(d->skip, len - used);
            d->skip -= n;
            used += n;
            continue;
        }
        if (d->kex_need) {
            uint32_t n = GL_MIN(d->kex_need - d->kex_len, len - used);
            memcpy(d->kex + d->kex_len, data + used, n);
            d->kex_len += n;
            used += n;
            if (d->kex_len == d->kex_need) {
                ssh_hassh(ctx, d, dir);
                free(d->kex);
                d->kex = NULL;
                d->kex_need = d->kex_len = 0;
                d->phase = SSH_FINISHED; /* everything we want from this side */
            }
            continue;
        }
        uint32_t n = GL_MIN((uint32_t)sizeof(d->hdr) - d->hdr_len, len - used);
        memcpy(d->hdr + d->hdr_len, data + used, n);
        d->hdr_len += n;
        used += n;
        if (d->hdr_len < sizeof(d->hdr))
            continue;
        d->hdr_len = 0;
        uint32_t pkt_len = gl_be32(d->hdr);
        uint8_t pad = d->hdr[4], code = d->hdr[5];
        /* packet_length covers padding_length, payload (>= msg code) and padding */
        if (pkt_len < 2 || pkt_len > SSH_RECORD_MAX || pad > pkt_len - 2) {
            gl_app_anomaly(ctx, pkt_len > SSH_RECORD_MAX && code == SSH_MSG_KEXINIT
                                    ? "LONG_KEX_RECORD" : "INVALID_RECORD");
            d->phase = SSH_FINISHED;
            break;
        }
        uint32_t body = pkt_len - 2 - pad; /* payload after the message code */
        if (code == SSH_MSG_NEWKEYS) {
            d->phase = SSH_FINISHED; /* from here on the stream is encrypted */
            break;
        }
        if (code == SSH_MSG_KEXINIT) {
            /* only the payload is needed: this side is finished after it,
             * so the padding is never read */
            d->kex = body ? malloc(body) : NULL;
            if (!d->kex) {
                gl_app_anomaly(ctx, "INVALID_RECORD");
                d->phase = SSH_FINISHED;
                break;
            }
            d->kex_need = body;
            d->kex_len = 0;
            continue;
        }
        if (++d->records > SSH_RECORDS_BEFORE_KEX) {
            d->phase = SSH_FINISHED; /* not a key exchange we can follow */
            break;
        }
        d->skip = pkt_len - 2;
    }
    return used;
}

/* ---- parser entry points ------------------------------------------------ */

static int ssh_parse(gl_app_ctx *ctx, void *state, gl_dir dir, const uint8_t *data, uint32_t len)
{
    ssh_state *st = state;
    ssh_dir *d = &st->d[dir];
    uint32_t used = 0;
    while (used < len && d->phase != SSH_FINISHED) {
        if (d->phase == SSH_BANNER)
            used += ssh_feed_banner(ctx, d, dir, data + used, len - used);
        else
            used += ssh_feed_records(ctx, d, dir, data + used, len - used);
    }
    if (st->d[0].phase != SSH_FINISHED || st->d[1].phase != SSH_FINISHED)
        return GL_APP_OK;
    if (!st->d[0].have_banner && !st->d[1].have_banner)
        return GL_APP_ERROR; /* neither side ever spoke SSH */
    ssh_log(ctx, st);
    return GL_APP_DONE;
}

static void ssh_gap(gl_app_ctx *ctx, void *state, gl_dir dir, uint32_t len)
{
    (void)len;
    ssh_state *st = state;
    ssh_dir *d = &st->d[dir];
    /* without the lost bytes the packet framing is gone: stop this side and
     * log what we have */
    if (d->phase != SSH_FINISHED) {
        free(d->kex);
        d->kex = NULL;
        d->kex_need = d->kex_len = 0;
        d->phase = SSH_FINISHED;
    }
    if (st->d[0].phase == SSH_FINISHED && st->d[1].phase == SSH_FINISHED)
        ssh_log(ctx, st);
}

static void ssh_flow_end(gl_app_ctx *ctx, void *state)
{
    ssh_log(ctx, state);
}

const gl_app_parser gl_parser_ssh = {
    .name = "ssh",
    .ipprotos = GL_APP_TCP,
    .ports = ssh_ports,
    .probe = ssh_probe,
    .state_new = ssh_state_new,
    .state_free = ssh_state_free,
    .parse = ssh_parse,
    .gap = ssh_gap,
    .flow_end = ssh_flow_end,
};
