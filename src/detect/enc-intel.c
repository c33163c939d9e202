/*
 * enc-intel.c — loader and lookup table for the local intel CSV (format in
 * enc-intel.h). The file is hostile input: every line is length-checked,
 * every value validated against its type, sizes are capped; the table is
 * open addressing over one string arena, built once and then read-only, so
 * workers share it without locks.
 */
#include "enc-intel.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct ioc_slot {
    uint64_t h;       /* 0 = empty */
    uint32_t key_off; /* into arena */
    uint32_t desc_off;
    uint8_t type;
    uint8_t score;
} ioc_slot;

struct enc_intel {
    ioc_slot *slots;
    size_t cap, n;
    char *arena;
    size_t alen, acap;
};

static const char *const ioc_names[ENC_IOC_N] = { "ja3", "ja3s", "ja4", "rdfp", "sha1", "domain", "ip" };

const char *enc_ioc_name(int type)
{
    return type >= 0 && type < ENC_IOC_N ? ioc_names[type] : "?";
}

static uint64_t key_hash(int type, const char *k)
{
    uint64_t h = gl_hash_bytes(k, strlen(k), 0x9e3779b97f4a7c15ull + (uint64_t)type);
    return h ? h : 1;
}

static long arena_add(enc_intel *in, const char *s, size_t n)
{
    if (in->alen + n + 1 > in->acap) {
        size_t nc = in->acap ? in->acap * 2 : 4096;
        while (nc < in->alen + n + 1)
            nc *= 2;
        char *na = realloc(in->arena, nc);
        if (!na)
            return -1;
        in->arena = na;
        in->acap = nc;
    }
    memcpy(in->arena + in->alen, s, n);
    in->arena[in->alen + n] = 0;
    long off = (long)in->alen;
    in->alen += n + 1;
    return off;
}

static int grow(enc_intel *in)
{
    size_t nc = in->cap ? in->cap * 2 : 1024;
    ioc_slot *ns = calloc(nc, sizeof(*ns));
    if (!ns)
        return -1;
    for (size_t i = 0; i < in->cap; i++) {
        if (!in->slots[i].h)
            continue;
        size_t j = in->slots[i].h & (nc - 1);
        while (ns[j].h)
            j = (j + 1) & (nc - 1);
        ns[j] = in->slots[i];
    }
    free(in->slots);
    in->slots = ns;
    in->cap = nc;
    return 0;
}

static const ioc_slot *lookup(const enc_intel *in, int type, const char *k)
{
    if (!in || !in->cap)
        return NULL;
    uint64_t h = key_hash(type, k);
    for (size_t j = h & (in->cap - 1);; j = (j + 1) & (in->cap - 1)) {
        const ioc_slot *s = &in->slots[j];
        if (!s->h)
            return NULL;
        if (s->h == h && s->type == type && strcmp(in->arena + s->key_off, k) == 0)
            return s;
    }
}

/* Canonical form of a value of the given type into out; false if invalid. */
static bool normalise(int type, const char *v, size_t n, char *out, size_t outlen)
{
    if (n == 0 || n >= outlen)
        return false;
    size_t k = 0;
    switch (type) {
    case ENC_IOC_JA3:
    case ENC_IOC_JA3S:
        if (n != 32)
            return false;
        for (size_t i = 0; i < n; i++) {
            if (!isxdigit((unsigned char)v[i]))
                return false;
            out[k++] = (char)tolower((unsigned char)v[i]);
        }
        break;
    case ENC_IOC_SHA1:
        for (size_t i = 0; i < n; i++) {
            if (v[i] == ':')
                continue;
            if (!isxdigit((unsigned char)v[i]) || k >= 40)
                return false;
            out[k++] = (char)tolower((unsigned char)v[i]);
        }
        if (k != 40)
            return false;
        break;
    case ENC_IOC_JA4:
    case ENC_IOC_RDFP:
        if (n > 64)
            return false;
        for (size_t i = 0; i < n; i++) {
            if (!isalnum((unsigned char)v[i]) && v[i] != '_')
                return false;
            out[k++] = (char)tolower((unsigned char)v[i]);
        }
        break;
    case ENC_IOC_DOMAIN:
        if (n > 253)
            return false;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)v[i];
            if (!isalnum(c) && c != '-' && c != '.' && c != '_')
                return false;
            out[k++] = (char)tolower(c);
        }
        while (k && out[k - 1] == '.')
            k--;
        if (k == 0 || out[0] == '.')
            return false;
        break;
    case ENC_IOC_IP: {
        char tmp[64];
        unsigned char b[16];
        gl_addr a;
        if (n >= sizeof(tmp))
            return false;
        memcpy(tmp, v, n);
        tmp[n] = 0;
        if (inet_pton(AF_INET, tmp, b) == 1)
            gl_addr_from_v4(&a, b);
        else if (inet_pton(AF_INET6, tmp, b) == 1)
            memcpy(a.b, b, 16);
        else
            return false;
        char s[GL_ADDR_STRLEN];
        gl_addr_str(&a, s);
        snprintf(out, outlen, "%s", s);
        return true;
    }
    default:
        return false;
    }
    out[k] = 0;
    return true;
}

static int type_of(const char *s, size_t n)
{
    for (int t = 0; t < ENC_IOC_N; t++)
        if (strlen(ioc_names[t]) == n && strncasecmp(ioc_names[t], s, n) == 0)
            return t;
    return -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* One non-comment line; returns NULL on success or the reason. */
static const char *parse_line(enc_intel *in, const char *l, size_t n)
{
    const char *f[4];
    size_t fl[4];
    int nf = 0;
    const char *p = l, *end = l + n;
    while (nf < 4) {
        const char *c = nf < 3 ? memchr(p, ',', (size_t)(end - p)) : NULL;
        f[nf] = p;
        fl[nf] = (size_t)((c ? c : end) - p);
        trim(&f[nf], &fl[nf]);
        nf++;
        if (!c)
            break;
        p = c + 1;
    }
    if (nf < 2)
        return "expected type,value[,score[,description]]";
    int type = type_of(f[0], fl[0]);
    if (type < 0)
        return "unknown type (ja3, ja3s, ja4, rdfp, sha1, domain, ip)";
    char key[300];
    if (!normalise(type, f[1], fl[1], key, sizeof(key)))
        return "invalid value for its type";
    unsigned score = 90;
    if (nf >= 3 && fl[2]) {
        char sb[8];
        if (fl[2] > 3)
            return "score must be 1-100";
        memcpy(sb, f[2], fl[2]);
        sb[fl[2]] = 0;
        char *e;
        unsigned long v = strtoul(sb, &e, 10);
        if (*e || v < 1 || v > 100)
            return "score must be 1-100";
        score = (unsigned)v;
    }
    for (size_t i = 0; nf == 4 && i < fl[3]; i++)
        if ((unsigned char)f[3][i] < 0x20)
            return "control character in description";
    if (in->n >= ENC_INTEL_MAX_ENTRIES)
        return "too many entries";
    if (lookup(in, type, key))
        return NULL; /* duplicates are harmless: first one wins */
    if ((in->n + 1) * 2 > in->cap && grow(in) != 0)
        return "out of memory";
    long ko = arena_add(in, key, strlen(key));
    long dof = arena_add(in, nf == 4 ? f[3] : "", nf == 4 ? fl[3] : 0);
    if (ko < 0 || dof < 0 || (size_t)dof > UINT32_MAX)
        return "out of memory";
    uint64_t h = key_hash(type, key);
    size_t j = h & (in->cap - 1);
    while (in->slots[j].h)
        j = (j + 1) & (in->cap - 1);
    in->slots[j] = (ioc_slot){ h, (uint32_t)ko, (uint32_t)dof, (uint8_t)type, (uint8_t)score };
    in->n++;
    return NULL;
}

enc_intel *enc_intel_parse(const char *buf, size_t len, const char *name, char *err, size_t errlen)
{
    enc_intel *in = calloc(1, sizeof(*in));
    if (!in) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    if (len > ENC_INTEL_MAX_FILE) {
        snprintf(err, errlen, "%s: file larger than %u bytes", name, ENC_INTEL_MAX_FILE);
        enc_intel_free(in);
        return NULL;
    }
    size_t off = 0;
    unsigned line = 0;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        off = 3; /* UTF-8 BOM from spreadsheet exports */
    while (off < len) {
        line++;
        const char *l = buf + off;
        const char *nl = memchr(l, '\n', len - off);
        size_t n = nl ? (size_t)(nl - l) : len - off;
        off += n + (nl ? 1 : 0);
        if (n && l[n - 1] == '\r')
            n--;
        if (n > ENC_INTEL_MAX_LINE) {
            snprintf(err, errlen, "%s:%u: line longer than %d bytes", name, line, ENC_INTEL_MAX_LINE);
            enc_intel_free(in);
            return NULL;
        }
        if (memchr(l, 0, n)) {
            snprintf(err, errlen, "%s:%u: NUL byte", name, line);
            enc_intel_free(in);
            return NULL;
        }
        const char *t = l;
        size_t tn = n;
        trim(&t, &tn);
        if (tn == 0 || t[0] == '#')
            continue;
        const char *why = parse_line(in, t, tn);
        if (why) {
            snprintf(err, errlen, "%s:%u: %s", name, line, why);
            enc_intel_free(in);
            return NULL;
        }
    }
    return in;
}

enc_intel *enc_intel_load(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(ENC_INTEL_MAX_FILE + 1);
    size_t len = buf ? fread(buf, 1, ENC_INTEL_MAX_FILE + 1, fp) : 0;
    bool rerr = ferror(fp);
    fclose(fp);
    if (!buf || rerr) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        return NULL;
    }
    enc_intel *in = enc_intel_parse(buf, len, path, err, errlen);
    free(buf);
    return in;
}

void enc_intel_free(enc_intel *in)
{
    if (!in)
        return;
    free(in->slots);
    free(in->arena);
    free(in);
}

size_t enc_intel_count(const enc_intel *in)
{
    return in ? in->n : 0;
}

static int fill_hit(const enc_intel *in, const ioc_slot *s, enc_intel_hit *hit)
{
    if (!s)
        return 0;
    hit->type = s->type;
    hit->score = s->score;
    hit->desc = in->arena + s->desc_off;
    return 1;
}

int enc_intel_find(const enc_intel *in, int type, const char *value, enc_intel_hit *hit)
{
    char key[300];
    if (!in || !value || !normalise(type, value, strlen(value), key, sizeof(key)))
        return 0;
    return fill_hit(in, lookup(in, type, key), hit);
}

int enc_intel_find_domain(const enc_intel *in, const char *name, enc_intel_hit *hit)
{
    char key[300];
    if (!in || !name || !normalise(ENC_IOC_DOMAIN, name, strlen(name), key, sizeof(key)))
        return 0;
    /* the name, then each parent: a.b.example.com, b.example.com, example.com, com */
    for (const char *p = key; p;) {
        if (fill_hit(in, lookup(in, ENC_IOC_DOMAIN, p), hit))
            return 1;
        p = strchr(p, '.');
        if (p)
            p++;
    }
    return 0;
}

int enc_intel_find_ip(const enc_intel *in, const gl_addr *a, enc_intel_hit *hit)
{
    char s[GL_ADDR_STRLEN];
    if (!in)
        return 0;
    gl_addr_str(a, s);
    return fill_hit(in, lookup(in, ENC_IOC_IP, s), hit);
}
