/*
 * asset-registry.c — the operator's list of systems (YAML, docs/assets.md):
 * who owns each one, whether it is critical information infrastructure,
 * which reporting route it takes, what kind of site it is and at which
 * administrative level, how large a platform, how many people it serves,
 * and which addresses it has (so an alert's host can be named).
 *
 * Read as strictly as the FACTS file: an unknown key or value is an error
 * naming it ("assets[3].route: unknown value"), because a registry entry
 * decides the reporting route and so the deadline.
 */
#include "incident/incident-db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define REG_MAX_BYTES (4u << 20)

static const char *const ROUTES[] = { "cii", "central_state_organ", "other", NULL };
static const char *const KINDS[] = { "party_gov_portal", "enterprise_portal", "institution_portal", "key_news_site",
                                     "network_platform", NULL };
static const char *const ADMINS[] = { "county", "prefecture", "provincial", "central", NULL };
static const char *const PSIZES[] = { "other", "large", "super_large", NULL };

typedef struct reader {
    yaml_document_t *doc;
    char *err;
    size_t errlen;
} reader;

static bool fail(reader *r, const char *path, const char *why, const char *val)
{
    char q[48];
    size_t o = 0;
    for (size_t i = 0; val && val[i] && o + 5 < sizeof(q); i++) {
        unsigned char c = (unsigned char)val[i];
        if (i >= 32) {
            snprintf(q + o, sizeof(q) - o, "...");
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '"')
            q[o++] = (char)c;
        else
            o += (size_t)snprintf(q + o, sizeof(q) - o, "\\x%02x", c);
    }
    q[o < sizeof(q) ? o : sizeof(q) - 1] = '\0';
    if (val)
        snprintf(r->err, r->errlen, "%s: %s \"%s\"", path, why, q);
    else
        snprintf(r->err, r->errlen, "%s: %s", path, why);
    return false;
}

static const char *scalar(reader *r, yaml_node_t *n)
{
    (void)r;
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool read_string(reader *r, yaml_node_t *n, const char *path, char *out, size_t outlen)
{
    const char *s = scalar(r, n);
    if (!s)
        return fail(r, path, "must be a string", NULL);
    if (strlen(s) >= outlen)
        return fail(r, path, "too long", NULL);
    snprintf(out, outlen, "%s", s);
    return true;
}

static bool read_enum(reader *r, yaml_node_t *n, const char *path, const char *const *names, int *out)
{
    const char *s = scalar(r, n);
    if (!s)
        return fail(r, path, "must be a string", NULL);
    for (int i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return true;
        }
    return fail(r, path, "unknown value", s);
}

static bool read_bool(reader *r, yaml_node_t *n, const char *path, bool *out)
{
    const char *s = scalar(r, n);
    if (s && strcmp(s, "true") == 0)
        *out = true;
    else if (s && strcmp(s, "false") == 0)
        *out = false;
    else
        return fail(r, path, "must be true or false, not", s ? s : "(not a scalar)");
    return true;
}

static bool read_count(reader *r, yaml_node_t *n, const char *path, double *out)
{
    const char *s = scalar(r, n);
    char *end;
    if (!s || !*s)
        return fail(r, path, "must be a number", NULL);
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v) || v < 0 || v != floor(v) || v > GL_INC_MAX_NUMBER)
        return fail(r, path, "must be a whole number between 0 and 2^53, not", s);
    *out = v;
    return true;
}

/* "192.0.2.1", "10.0.0.0/8", "2001:db8::/32" */
static bool parse_addr(const char *s, gl_asset_addr *a)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, buf, a->addr) == 1)
        a->family = 4;
    else if (inet_pton(AF_INET6, buf, a->addr) == 1)
        a->family = 6;
    else
        return false;
    int max = a->family == 4 ? 32 : 128;
    a->prefix = max;
    if (slash) {
        char *end;
        errno = 0;
        long p = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || errno || p < 0 || p > max)
            return false;
        a->prefix = (int)p;
    }
    return true;
}

static bool read_addrs(reader *r, yaml_node_t *n, const char *path, gl_asset *a)
{
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fail(r, path, "must be a list", NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        char p[160];
        snprintf(p, sizeof(p), "%.120s[%zu]", path, a->n_addrs);
        if (a->n_addrs == GL_ASSET_MAX_ADDRS)
            return fail(r, p, "too many addresses (maximum 16)", NULL);
        const char *s = scalar(r, yaml_document_get_node(r->doc, *it));
        if (!s || !parse_addr(s, &a->addrs[a->n_addrs]))
            return fail(r, p, "not an IP address or prefix", s);
        a->n_addrs++;
    }
    return true;
}

static bool read_asset(reader *r, yaml_node_t *n, size_t idx, gl_asset *a)
{
    char path[64];
    snprintf(path, sizeof(path), "assets[%zu]", idx);
    if (!n || n->type != YAML_MAPPING_NODE)
        return fail(r, path, "must be a mapping", NULL);
    memset(a, 0, sizeof(*a));
    a->route = a->site_kind = a->admin_level = -1;
    a->platform_size = GL_PSIZE_NONE;
    a->population_served = -1;
    bool has_ps = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *key = scalar(r, yaml_document_get_node(r->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        char fp[128];
        snprintf(fp, sizeof(fp), "%s.%.40s", path, key ? key : "?");
        bool ok;
        int e = 0;
        if (!key)
            return fail(r, path, "keys must be strings", NULL);
        if (strcmp(key, "name") == 0)
            ok = read_string(r, v, fp, a->name, sizeof(a->name));
        else if (strcmp(key, "owner") == 0)
            ok = read_string(r, v, fp, a->owner, sizeof(a->owner));
        else if (strcmp(key, "description") == 0)
            ok = read_string(r, v, fp, a->description, sizeof(a->description));
        else if (strcmp(key, "cii") == 0)
            ok = read_bool(r, v, fp, &a->cii);
        else if (strcmp(key, "route") == 0)
            ok = read_enum(r, v, fp, ROUTES, &a->route);
        else if (strcmp(key, "site_kind") == 0)
            ok = read_enum(r, v, fp, KINDS, &a->site_kind);
        else if (strcmp(key, "admin_level") == 0)
            ok = read_enum(r, v, fp, ADMINS, &a->admin_level);
        else if (strcmp(key, "platform_size") == 0) {
            ok = read_enum(r, v, fp, PSIZES, &e);
            a->platform_size = e;
            has_ps = true;
        } else if (strcmp(key, "population_served") == 0)
            ok = read_count(r, v, fp, &a->population_served);
        else if (strcmp(key, "addresses") == 0)
            ok = read_addrs(r, v, fp, a);
        else
            return fail(r, path, "unknown key", key);
        if (!ok)
            return false;
    }
    if (!a->name[0])
        return fail(r, path, "name is required", NULL);
    /* Same rules as the grading contract: a site has kind and level; a
     * platform size belongs to network platforms only. */
    if ((a->site_kind >= 0) != (a->admin_level >= 0))
        return fail(r, path, "site_kind and admin_level go together", NULL);
    if (a->site_kind == GL_KIND_NETWORK_PLATFORM && !has_ps)
        return fail(r, path, "platform_size is required for a network_platform", NULL);
    if (a->site_kind != GL_KIND_NETWORK_PLATFORM && has_ps)
        return fail(r, path, "platform_size is only for site_kind network_platform", NULL);
    return true;
}

static bool read_operator(reader *r, yaml_node_t *n, gl_asset_registry *reg)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return fail(r, "operator", "must be a mapping", NULL);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *key = scalar(r, yaml_document_get_node(r->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        bool ok;
        if (key && strcmp(key, "name") == 0)
            ok = read_string(r, v, "operator.name", reg->operator_name, sizeof(reg->operator_name));
        else if (key && strcmp(key, "route") == 0)
            ok = read_enum(r, v, "operator.route", ROUTES, &reg->operator_route);
        else
            return fail(r, "operator", "unknown key", key ? key : "(not a string)");
        if (!ok)
            return false;
    }
    return true;
}

static bool read_root(reader *r, gl_asset_registry *reg)
{
    yaml_node_t *root = yaml_document_get_root_node(r->doc);
    if (!root)
        return fail(r, "input", "empty document", NULL);
    if (root->type != YAML_MAPPING_NODE)
        return fail(r, "input", "must be a mapping with operator and assets", NULL);
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        const char *key = scalar(r, yaml_document_get_node(r->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        if (key && strcmp(key, "operator") == 0) {
            if (!read_operator(r, v, reg))
                return false;
        } else if (key && strcmp(key, "assets") == 0) {
            if (!v || v->type != YAML_SEQUENCE_NODE)
                return fail(r, "assets", "must be a list", NULL);
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                if (reg->n == GL_ASSET_MAX)
                    return fail(r, "assets", "too many assets (maximum 1024)", NULL);
                if (!read_asset(r, yaml_document_get_node(r->doc, *it), reg->n, &reg->assets[reg->n]))
                    return false;
                for (size_t k = 0; k < reg->n; k++)
                    if (strcmp(reg->assets[k].name, reg->assets[reg->n].name) == 0) {
                        char path[48];
                        snprintf(path, sizeof(path), "assets[%zu].name", reg->n);
                        return fail(r, path, "duplicate name", reg->assets[k].name);
                    }
                reg->n++;
            }
        } else {
            return fail(r, "input", "unknown key", key ? key : "(not a string)");
        }
    }
    return true;
}

bool gl_asset_registry_parse(gl_asset_registry *reg, const char *text, size_t len, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    memset(reg, 0, sizeof(*reg));
    reg->operator_route = -1;
    if (len > REG_MAX_BYTES) {
        snprintf(err, errlen, "input: larger than %u bytes", REG_MAX_BYTES);
        return false;
    }
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "input: out of memory");
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "input: YAML error at line %zu: %s", parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "syntax");
        yaml_parser_delete(&parser);
        return false;
    }
    reader r = { &doc, err, errlen };
    bool ok = read_root(&r, reg);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return ok;
}

bool gl_asset_registry_load(gl_asset_registry *reg, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    char *buf = malloc(REG_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, REG_MAX_BYTES + 1, fp) : 0;
    fclose(fp);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    char why[400];
    bool ok = gl_asset_registry_parse(reg, buf, n, why, sizeof(why));
    if (!ok)
        snprintf(err, errlen, "%.200s: %s", path, why);
    free(buf);
    return ok;
}

const gl_asset *gl_asset_by_name(const gl_asset_registry *reg, const char *name)
{
    for (size_t i = 0; reg && name && i < reg->n; i++)
        if (strcmp(reg->assets[i].name, name) == 0)
            return &reg->assets[i];
    return NULL;
}

static bool prefix_match(const gl_asset_addr *a, int family, const uint8_t *ip)
{
    if (a->family != family)
        return false;
    int full = a->prefix / 8, rest = a->prefix % 8;
    if (memcmp(a->addr, ip, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a->addr[full] & mask) == (ip[full] & mask);
}

const gl_asset *gl_asset_by_ip(const gl_asset_registry *reg, const char *ip)
{
    uint8_t b[16];
    int family;
    if (!reg || !ip)
        return NULL;
    if (inet_pton(AF_INET, ip, b) == 1)
        family = 4;
    else if (inet_pton(AF_INET6, ip, b) == 1)
        family = 6;
    else
        return NULL;
    const gl_asset *best = NULL;
    int best_len = -1;
    for (size_t i = 0; i < reg->n; i++)
        for (size_t k = 0; k < reg->assets[i].n_addrs; k++) {
            const gl_asset_addr *a = &reg->assets[i].addrs[k];
            if (a->prefix > best_len && prefix_match(a, family, b)) {
                best = &reg->assets[i];
                best_len = a->prefix;
            }
        }
    return best;
}

int gl_asset_effective_route(const gl_asset_registry *reg, const gl_asset *a)
{
    if (a && a->cii)
        return GL_ROUTE_CII;
    if (a && a->route >= 0)
        return a->route;
    return reg ? reg->operator_route : -1;
}

json_t *gl_asset_site_seed(const gl_asset *a)
{
    if (!a || a->site_kind < 0)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(KINDS[a->site_kind]));
    json_object_set_new(o, "level", json_string(ADMINS[a->admin_level]));
    if (a->platform_size != GL_PSIZE_NONE)
        json_object_set_new(o, "platform_size", json_string(PSIZES[a->platform_size]));
    return o;
}

void gl_asset_fill_facts(const gl_asset_registry *reg, const gl_asset *a, json_t *facts, json_t *details)
{
    json_t *op = json_object_get(facts, "operator");
    if (!json_is_object(op)) {
        op = json_object();
        json_object_set_new(facts, "operator", op);
    }
    const char *name = reg && reg->operator_name[0] ? reg->operator_name : (a && a->owner[0] ? a->owner : NULL);
    if (name)
        json_object_set_new(op, "name", json_string(name));
    int route = gl_asset_effective_route(reg, a);
    if (route >= 0)
        json_object_set_new(op, "route", json_string(ROUTES[route]));
    if (!a || !details)
        return;
    json_t *sys = json_object();
    json_object_set_new(sys, "name", json_string(a->name));
    if (a->owner[0])
        json_object_set_new(sys, "owner", json_string(a->owner));
    if (a->description[0])
        json_object_set_new(sys, "description", json_string(a->description));
    json_object_set_new(sys, "cii", json_boolean(a->cii));
    if (a->population_served >= 0)
        json_object_set_new(sys, "population_served", json_integer((json_int_t)a->population_served));
    json_t *site = gl_asset_site_seed(a);
    if (site)
        json_object_set_new(sys, "site", site);
    json_object_set_new(details, "system", sys);
}
