/*
 * gen-dns.c — DNS for gl-gen (RFC 1035, EDNS0 per RFC 6891): stub resolver
 * queries over UDP and a few over TCP (2-byte length prefix, RFC 7766), with
 * answers of type A, AAAA, CNAME (+A of the target), MX, TXT, and NXDOMAIN
 * carrying the zone's SOA. Answer owner names use compression pointers into
 * the question like real servers do.
 */

static const char *DNS_ZONES[] = {"example.com", "example.net", "example.org", "example-cdn.net",
                                  "example.io", "example.co.uk"};
static const char *DNS_LABELS[] = {"www", "api", "mail", "cdn", "static", "img", "login",
                                   "app", "m", "news", "smtp", "vpn", "portal", "ntp"};

enum { DQ_A = 1, DQ_CNAME = 5, DQ_SOA = 6, DQ_MX = 15, DQ_TXT = 16, DQ_AAAA = 28, DQ_OPT = 41 };

/* a name as labels; returns its offset in the message */
static size_t dns_put_name(Buf *b, const char *name)
{
    size_t at = b->len;
    for (const char *l = name; *l;) {
        const char *dot = strchr(l, '.');
        size_t n = dot ? (size_t)(dot - l) : strlen(l);
        buf_u8(b, (uint8_t)n);
        buf_put(b, l, n);
        l += n + (dot ? 1 : 0);
    }
    buf_u8(b, 0);
    return at;
}

static void dns_rr_head(Buf *b, uint16_t name_ptr, uint16_t type, uint32_t ttl)
{
    buf_be16(b, (uint16_t)(0xc000 | name_ptr));
    buf_be16(b, type);
    buf_be16(b, 1); /* IN */
    buf_be32(b, ttl);
}

/* reserve RDLENGTH, return where to patch it */
static size_t dns_rdlen_begin(Buf *b)
{
    buf_be16(b, 0);
    return b->len;
}

static void dns_rdlen_end(Buf *b, size_t start)
{
    put_be16(b->p + start - 2, (uint16_t)(b->len - start));
}

static void dns_opt(Buf *b)
{
    buf_u8(b, 0);          /* root */
    buf_be16(b, DQ_OPT);
    buf_be16(b, 1232);     /* UDP payload size */
    buf_be32(b, 0);        /* extended rcode, version, flags */
    buf_be16(b, 0);
}

static void dns_header(Buf *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                       uint16_t ar)
{
    buf_be16(b, id);
    buf_be16(b, flags);
    buf_be16(b, qd);
    buf_be16(b, an);
    buf_be16(b, ns);
    buf_be16(b, ar);
}

static void dns_query(Buf *b, uint16_t id, const char *name, uint16_t qtype, int edns)
{
    dns_header(b, id, 0x0100, 1, 0, 0, edns ? 1 : 0);
    dns_put_name(b, name);
    buf_be16(b, qtype);
    buf_be16(b, 1);
    if (edns)
        dns_opt(b);
}

static void dns_put_addr(Gen *g, Buf *b, int v6)
{
    uint8_t a[16];
    Net n = v6 ? g->o.snet6 : g->o.snet4;
    net_host(&n, rng_below(&g->rng, 4096), a);
    buf_put(b, a, v6 ? 16 : 4);
}

/* response to dns_query(); nx = answer NXDOMAIN */
static void dns_response(Gen *g, Buf *b, uint16_t id, const char *name, const char *zone,
                         uint16_t qtype, int edns, int nx)
{
    Rng *r = &g->rng;
    size_t base = b->len; /* pointers are relative to the DNS message */
    size_t hdr = b->len;
    dns_header(b, id, (uint16_t)(0x8180 | (nx ? 3 : 0)), 1, 0, 0, edns ? 1 : 0);
    size_t qname = dns_put_name(b, name) - base;
    buf_be16(b, qtype);
    buf_be16(b, 1);
    size_t zone_off = qname + (strlen(name) - strlen(zone)); /* the zone's labels inside qname */
    uint16_t an = 0, ns = 0;
    uint32_t ttl = rng_range(r, 30, 86400);
    if (nx) {
        dns_rr_head(b, (uint16_t)zone_off, DQ_SOA, 900);
        size_t rd = dns_rdlen_begin(b);
        buf_u8(b, 3), buf_str(b, "ns1");
        buf_be16(b, (uint16_t)(0xc000 | zone_off));
        buf_u8(b, 10), buf_str(b, "hostmaster");
        buf_be16(b, (uint16_t)(0xc000 | zone_off));
        buf_be32(b, 2024030101);
        buf_be32(b, 7200), buf_be32(b, 3600), buf_be32(b, 1209600), buf_be32(b, 300);
        dns_rdlen_end(b, rd);
        ns = 1;
    } else if (qtype == DQ_A || qtype == DQ_AAAA) {
        int v6 = qtype == DQ_AAAA;
        uint16_t owner = (uint16_t)qname;
        if (rng_pct(r, 35)) { /* CNAME to a CDN edge, then the edge's addresses */
            dns_rr_head(b, owner, DQ_CNAME, ttl);
            size_t rd = dns_rdlen_begin(b);
            owner = (uint16_t)(b->len - base);
            char edge[32];
            snprintf(edge, sizeof(edge), "edge-%u", rng_below(r, 64));
            buf_u8(b, (uint8_t)strlen(edge));
            buf_str(b, edge);
            buf_u8(b, 3), buf_str(b, "cdn");
            buf_be16(b, (uint16_t)(0xc000 | zone_off));
            dns_rdlen_end(b, rd);
            an++;
        }
        uint32_t n = rng_range(r, 1, 4);
        for (uint32_t i = 0; i < n; i++, an++) {
            dns_rr_head(b, owner, qtype, rng_range(r, 20, 300));
            size_t rd = dns_rdlen_begin(b);
            dns_put_addr(g, b, v6);
            dns_rdlen_end(b, rd);
        }
    } else if (qtype == DQ_MX) {
        uint32_t n = rng_range(r, 1, 3);
        for (uint32_t i = 0; i < n; i++, an++) {
            dns_rr_head(b, (uint16_t)zone_off, DQ_MX, ttl);
            size_t rd = dns_rdlen_begin(b);
            buf_be16(b, (uint16_t)(10 * (i + 1)));
            char mx[16];
            snprintf(mx, sizeof(mx), "mx%u", i + 1);
            buf_u8(b, (uint8_t)strlen(mx));
            buf_str(b, mx);
            buf_be16(b, (uint16_t)(0xc000 | zone_off));
            dns_rdlen_end(b, rd);
        }
    } else if (qtype == DQ_TXT) {
        static const char *txts[] = {"v=spf1 include:_spf.example.com ip4:192.0.2.0/24 ~all",
                                     "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com",
                                     "site-verification=4f6b2a9c0d1e8f7a6b5c4d3e2f1a0b9c"};
        uint32_t n = rng_range(r, 1, 3);
        for (uint32_t i = 0; i < n; i++, an++) {
            dns_rr_head(b, (uint16_t)zone_off, DQ_TXT, ttl);
            size_t rd = dns_rdlen_begin(b);
            const char *t = txts[i % 3];
            buf_u8(b, (uint8_t)strlen(t));
            buf_str(b, t);
            dns_rdlen_end(b, rd);
        }
    }
    if (edns)
        dns_opt(b);
    put_be16(b->p + hdr + 6, an);
    put_be16(b->p + hdr + 8, ns);
}

/* picks a name and type for one lookup */
static void dns_pick(Gen *g, char *name, size_t cap, const char **zone, uint16_t *qtype, int *nx)
{
    Rng *r = &g->rng;
    static const uint16_t types[] = {DQ_A, DQ_A, DQ_A, DQ_A, DQ_AAAA, DQ_AAAA, DQ_MX, DQ_TXT};
    *qtype = PICK(r, types);
    *zone = PICK(r, DNS_ZONES);
    if (*qtype == DQ_MX || *qtype == DQ_TXT) { /* those are asked of the zone itself */
        snprintf(name, cap, "%s", *zone);
        *nx = 0;
        return;
    }
    *nx = rng_pct(r, 12);
    if (*nx) { /* random-looking label: typos, DGA-style names */
        char l[16];
        uint32_t n = rng_range(r, 6, 14);
        for (uint32_t i = 0; i < n; i++)
            l[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rng_below(r, 36)];
        l[n] = 0;
        snprintf(name, cap, "%s.%s", l, *zone);
    } else {
        snprintf(name, cap, "%s.%s", PICK(r, DNS_LABELS), *zone);
    }
}

static void render_dns_udp(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    Path p;
    path_new(g, &p, want_v6(g), 53);
    uint64_t t = 0;
    char name[96];
    const char *zone;
    uint16_t qtype;
    int nx;
    dns_pick(g, name, sizeof(name), &zone, &qtype, &nx);
    int edns = rng_pct(r, 60);
    /* stub resolvers ask A and AAAA back to back */
    uint32_t nq = (qtype == DQ_A && rng_pct(r, 50)) ? 2 : 1;
    Buf m = {0};
    for (uint32_t i = 0; i < nq; i++) {
        uint16_t qt = i ? DQ_AAAA : qtype;
        uint16_t id = (uint16_t)rng_next(r);
        m.len = 0;
        dns_query(&m, id, name, qt, edns);
        emit_udp(g, s, t, &p, DIR_C2S, m.p, m.len);
        g->st.dns_queries++;
        t += rng_range(r, 300, 40000);
        m.len = 0;
        dns_response(g, &m, id, name, zone, qt, edns, nx);
        emit_udp(g, s, t, &p, DIR_S2C, m.p, m.len);
        t += rng_range(r, 20, 2000);
    }
    free(m.p);
}

static void render_dns_tcp(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    Path p;
    path_new(g, &p, want_v6(g), 53);
    Tcp c;
    tcp_init(&c, g, s, &p);
    tcp_handshake(&c);
    uint32_t nq = rng_range(r, 1, 2);
    Buf m = {0};
    for (uint32_t i = 0; i < nq; i++) {
        char name[96];
        const char *zone;
        uint16_t qtype;
        int nx;
        dns_pick(g, name, sizeof(name), &zone, &qtype, &nx);
        uint16_t id = (uint16_t)rng_next(r);
        m.len = 0;
        buf_be16(&m, 0);
        dns_query(&m, id, name, qtype, 0);
        put_be16(m.p, (uint16_t)(m.len - 2));
        tcp_msg(&c, DIR_C2S, m.p, m.len, rng_range(r, 30, 300));
        g->st.dns_queries++;
        g->st.dns_tcp_queries++;
        m.len = 0;
        buf_be16(&m, 0);
        dns_response(g, &m, id, name, zone, qtype, 0, nx);
        put_be16(m.p, (uint16_t)(m.len - 2));
        tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 200, 20000));
    }
    free(m.p);
    tcp_finish(&c);
}

static void render_dns(Gen *g, Slot *s)
{
    if (rng_pct(&g->rng, 8))
        render_dns_tcp(g, s);
    else
        render_dns_udp(g, s);
}
