/*
 * gen-misc.c — background traffic for gl-gen: ICMP/ICMPv6 echo (ping), NTP
 * client/server exchanges (RFC 5905), syslog over UDP (RFC 5424), opaque UDP
 * between high ports, oversized UDP datagrams sent as IPv4 fragments
 * (--fragment) and TCP handshakes that never close (--idle-flows).
 */

static void render_ping(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    Path p;
    path_new(g, &p, want_v6(g), 0);
    p.port[0] = p.port[1] = 0;
    uint16_t id = (uint16_t)rng_next(r);
    uint32_t n = rng_range(r, 1, 4), rtt = rng_range(r, 300, 60000);
    uint64_t t = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (int dir = 0; dir < 2; dir++) {
            /* Linux ping: 8-byte timestamp then 0x10, 0x11, ... (56 bytes of data) */
            uint8_t h[8], d[56];
            h[0] = p.v6 ? (dir ? 129 : 128) : (dir ? 0 : 8);
            h[1] = h[2] = h[3] = 0;
            put_be16(h + 4, id);
            put_be16(h + 6, (uint16_t)(i + 1));
            uint64_t ts = GEN_EPOCH + (s->start_us + t) / 1000000;
            memcpy(d, &ts, 8);
            for (int k = 8; k < 56; k++)
                d[k] = (uint8_t)(k + 8);
            emit_l4(g, s, t, &p, dir, p.v6 ? 58 : 1, h, 8, d, 56);
            t += dir ? 0 : rtt;
        }
        g->st.icmp_echo++;
        t += g->o.sample ? rng_range(r, 100000, 300000) : rng_range(r, 200000, 1000000);
    }
}

static void render_ntp(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    Path p;
    path_new(g, &p, want_v6(g), 123);
    if (rng_pct(r, 50))
        p.port[0] = 123; /* ntpd talks port to port, SNTP clients use ephemeral ports */
    uint8_t m[48];
    memset(m, 0, sizeof(m));
    m[0] = 0x23; /* LI 0, version 4, mode 3 (client) */
    uint32_t secs = (uint32_t)(GEN_EPOCH + 2208988800ULL + s->start_us / 1000000);
    put_be32(m + 40, secs);
    put_be32(m + 44, (uint32_t)rng_next(r));
    emit_udp(g, s, 0, &p, DIR_C2S, m, 48);
    uint8_t a[48];
    memset(a, 0, sizeof(a));
    a[0] = 0x24; /* mode 4 (server) */
    a[1] = 2;    /* stratum */
    a[2] = 3;    /* poll */
    a[3] = 0xe9; /* precision */
    put_be32(a + 4, rng_range(r, 100, 2000));
    put_be32(a + 8, rng_range(r, 100, 4000));
    memcpy(a + 12, p.v6 ? p.ip[1] + 12 : p.ip[1], 4); /* reference id */
    put_be32(a + 16, secs - 30);
    memcpy(a + 24, m + 40, 8); /* origin = client's transmit */
    put_be32(a + 32, secs);
    put_be32(a + 36, (uint32_t)rng_next(r));
    put_be32(a + 40, secs);
    put_be32(a + 44, (uint32_t)rng_next(r));
    emit_udp(g, s, rng_range(r, 500, 50000), &p, DIR_S2C, a, 48);
}

static void render_syslog(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    static const char *apps[] = {"sshd", "kernel", "cron", "nginx", "systemd"};
    static const char *msgs[] = {"session opened for user admin", "link is up",
                                 "job started", "upstream timed out", "Started Daily apt activities."};
    Path p;
    path_new(g, &p, want_v6(g), 514);
    uint64_t t = 0;
    Buf m = {0};
    uint32_t n = rng_range(r, 1, 3);
    for (uint32_t i = 0; i < n; i++) {
        m.len = 0;
        uint64_t now = s->start_us + t;
        uint32_t pri = rng_range(r, 1, 191), host = rng_below(r, 50);
        const char *app = PICK(r, apps);
        uint32_t pid = rng_range(r, 100, 9999);
        const char *msg = PICK(r, msgs);
        time_t secs = (time_t)(GEN_EPOCH + now / 1000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char stamp[32];
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
        buf_printf(&m, "<%u>1 %s.%06uZ host%u %s %u - - %s", pri, stamp, (unsigned)(now % 1000000),
                   host, app, pid, msg);
        emit_udp(g, s, t, &p, DIR_C2S, m.p, m.len);
        t += rng_range(r, 1000, 300000);
    }
    free(m.p);
}

/* opaque UDP between high ports (games, VPNs, telemetry): random payloads */
static void render_udp_noise(Gen *g, Slot *s, int fragmented)
{
    Rng *r = &g->rng;
    Path p;
    uint16_t port = (uint16_t)rng_range(r, 40000, 48000); /* separate draws: see body_json */
    path_new(g, &p, fragmented ? 0 : want_v6(g), port);
    uint64_t t = 0;
    Buf m = {0};
    uint32_t n = fragmented ? 1 : rng_range(r, 1, 6);
    for (uint32_t i = 0; i < n; i++) {
        int dir = (int)(i & 1);
        m.len = 0;
        if (fragmented) {
            fill_noise(g, &m, rng_range(r, 1600, 6000));
            emit_udp4_fragmented(g, s, &t, &p, dir, m.p, m.len);
            g->st.udp_datagrams++;
        } else {
            fill_noise(g, &m, rng_range(r, 40, p.v6 ? 1200 : 1400));
            emit_udp(g, s, t, &p, dir, m.p, m.len);
        }
        t += rng_range(r, 100, 30000);
    }
    free(m.p);
}

static void render_other(Gen *g, Slot *s)
{
    uint32_t x = rng_below(&g->rng, 100);
    if (g->frag_left && rng_pct(&g->rng, 50)) {
        g->frag_left--;
        render_udp_noise(g, s, 1);
    } else if (x < 35)
        render_ping(g, s);
    else if (x < 55)
        render_ntp(g, s);
    else if (x < 70)
        render_syslog(g, s);
    else
        render_udp_noise(g, s, 0);
}

/* A handshake that never closes. Idle flows get their own port space
 * (1024-32767) and a client address derived from their index, so they never
 * share a 5-tuple with each other or with ordinary sessions. */
static void render_idle(Gen *g, Slot *s)
{
    uint64_t i = g->idle_done++;
    Path p;
    path_new(g, &p, 0, 443);
    net_host(&g->o.cnet4, 1000003ULL * (i / 31744) + 7, p.ip[0]);
    mac_for(p.ip[0], 4, 0x10, p.mac[0]);
    p.port[0] = (uint16_t)(1024 + i % 31744);
    Tcp c;
    tcp_init(&c, g, s, &p);
    tcp_handshake(&c);
}
