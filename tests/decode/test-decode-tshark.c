/*
 * test-decode-tshark.c — cross-checks gl_decode against an independent
 * dissector: hand-built frames of every link type and tunnel are written to
 * pcap files, tshark prints the addresses and ports it sees
 * (-T fields), and the innermost values must match ours. Skipped (exit 0)
 * when tshark is not installed.
 */
#include "frames.h"

#include <unistd.h>

typedef struct tcase {
    const char *name;
    int linktype; /* pcap file link type */
    fb *frame;
} tcase;

static void write_pcap(const char *path, int linktype, const fb *f)
{
    FILE *o = fopen(path, "wb");
    uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, (uint32_t)linktype };
    fwrite(gh, 4, 6, o);
    uint32_t rh[4] = { 1700000000, 0, f->n, f->n };
    fwrite(rh, 4, 4, o);
    fwrite(f->b, 1, f->n, o);
    fclose(o);
}

/* last comma-separated element of a tshark field (innermost layer) */
static void last_elem(const char *field, char *out, size_t n)
{
    const char *c = strrchr(field, ',');
    snprintf(out, n, "%s", c ? c + 1 : field);
}

static bool run_tshark(const char *path, char fields[8][128])
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "tshark -r %s -T fields -E separator=/t -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst "
             "-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport 2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return false;
    char line[2048] = { 0 };
    bool ok = fgets(line, sizeof(line), p) != NULL;
    pclose(p);
    if (!ok)
        return false;
    line[strcspn(line, "\n")] = 0;
    char *s = line;
    for (int i = 0; i < 8; i++) {
        char *tab = strchr(s, '\t');
        if (tab)
            *tab = 0;
        last_elem(s, fields[i], 128);
        s = tab ? tab + 1 : s + strlen(s);
    }
    return true;
}

static void check_case(gl_decoder *d, const tcase *c, const char *dir)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s.pcap", dir, c->name);
    write_pcap(path, c->linktype, c->frame);
    char f[8][128];
    bool got = run_tshark(path, f);
    CHECK(got);
    gl_packet p;
    int lt = c->linktype == 101 ? GL_DLT_RAW : c->linktype;
    bool ok = gl_decode(d, &p, lt, c->frame->b, c->frame->n, c->frame->n, 1);
    CHECK(ok);
    if (!got || !ok)
        return;
    char src[GL_ADDR_STRLEN], dst[GL_ADDR_STRLEN];
    gl_addr_str(&p.src, src);
    gl_addr_str(&p.dst, dst);
    const char *osrc = p.ip_version == 4 ? f[0] : f[2];
    const char *odst = p.ip_version == 4 ? f[1] : f[3];
    const char *osp = p.proto == GL_IPPROTO_TCP ? f[4] : f[6];
    const char *odp = p.proto == GL_IPPROTO_TCP ? f[5] : f[7];
    bool match = strcmp(src, osrc) == 0 && strcmp(dst, odst) == 0 && (unsigned)atoi(osp) == p.sport &&
                 (unsigned)atoi(odp) == p.dport;
    if (!match)
        fprintf(stderr, "  %s: ours %s:%u -> %s:%u, tshark %s:%s -> %s:%s\n", c->name, src, p.sport,
                dst, p.dport, osrc, osp, odst, odp);
    CHECK(match);
}

int main(void)
{
    if (system("tshark -v >/dev/null 2>&1") != 0) {
        printf("test-decode-tshark: tshark not installed, skipped\n");
        return 0;
    }
    char dir[] = "/tmp/gl-decode-tshark-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;

    static const uint8_t opts[] = { 2, 4, 5, 0xb4, 1, 3, 3, 7 };
    static const uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00 };
    static const uint8_t sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6 };
    static const uint8_t null_le[4] = { 2, 0, 0, 0 }, loop6[4] = { 0, 0, 0, 24 };
    static const uint8_t null6[4] = { 30, 0, 0, 0 };
    static const uint8_t pppoe[8] = { 0x11, 0, 0, 1, 0, 2 + 31, 0x00, 0x21 };
    static const uint8_t ppp[4] = { 0xff, 0x03, 0x00, 0x57 };
    fb *gre = fb_new();
    fb_u16(gre, 0x2000);
    fb_u16(gre, 0x6558);
    fb_u32(gre, 9);
    fb *ersp = fb_new();
    fb_u16(ersp, 0x1000);
    fb_u16(ersp, 0x88BE);
    fb_u32(ersp, 1);
    fb_u16(ersp, 0x1000 | 7);
    fb_u16(ersp, 1);
    fb_u32(ersp, 0);
    fb *mpls = fb_new();
    fb_u32(mpls, (1000u << 12) | 64);
    fb_u32(mpls, (2000u << 12) | 0x100 | 64);

    tcase cases[] = {
        { "eth-tcp", 1, eth(0x0800, ipv4(6, "192.168.7.1", "10.9.8.7",
                                         tcp(51000, 8443, 1, 0, 2, opts, 8, data("x")))) },
        { "qinq-udp6", 1, eth(0x88A8, vlan(10, 0x8100, vlan(20, 0x86DD,
                                      ipv6(17, 0x31, 0x32, udp(5353, 5353, data("mdns")))))) },
        { "ipv6-ext", 1, eth(0x86DD, ipv6(0, 1, 2, ip6_opts8(60, ip6_opts8(6,
                                      tcp(40001, 22, 1, 0, 2, NULL, 0, NULL))))) },
        { "pppoe", 1, eth(0x8864, fb_wrap(raw(pppoe, 8),
                                      ipv4(17, "100.64.0.1", "100.64.0.2", udp(4500, 500, data("ike"))))) },
        { "mpls", 1, eth(0x8847, fb_wrap(mpls, ipv4(6, "172.20.0.1", "172.20.0.9",
                                      tcp(1111, 2222, 1, 0, 2, NULL, 0, NULL)))) },
        { "gre-teb", 1, eth(0x0800, ipv4(47, "1.1.1.1", "2.2.2.2", fb_wrap(gre,
                                      eth(0x0800, ipv4(17, "10.10.10.1", "10.10.10.2", udp(67, 68, NULL)))))) },
        { "erspan2", 1, eth(0x0800, ipv4(47, "1.1.1.1", "2.2.2.2", fb_wrap(ersp,
                                      eth(0x86DD, ipv6(6, 5, 6, tcp(80, 60000, 1, 1, 0x12, NULL, 0, NULL)))))) },
        { "ipip", 1, eth(0x0800, ipv4(4, "198.51.100.1", "198.51.100.2",
                                      ipv4(17, "192.0.2.10", "192.0.2.20", udp(123, 123, data("ntp"))))) },
        { "6in4", 1, eth(0x0800, ipv4(41, "198.51.100.1", "198.51.100.2",
                                      ipv6(6, 0xa, 0xb, tcp(443, 50123, 5, 6, 0x10, NULL, 0, NULL)))) },
        { "sll", 113, fb_wrap(raw(sll, 16), ipv4(17, "127.0.0.1", "127.0.0.53", udp(40000, 53, data("q")))) },
        { "sll2", 276, fb_wrap(raw(sll2, 20), ipv6(6, 1, 1, tcp(1, 2, 3, 4, 2, NULL, 0, NULL))) },
        { "null", 0, fb_wrap(raw(null_le, 4), ipv4(6, "127.0.0.1", "127.0.0.1", tcp(5432, 60000, 1, 1, 0x18, NULL, 0, data("s")))) },
        { "null6", 0, fb_wrap(raw(null6, 4), ipv6(17, 1, 1, udp(9, 10, NULL))) },
        { "loop6", 108, fb_wrap(raw(loop6, 4), ipv6(17, 3, 1, udp(19, 20, NULL))) },
        { "raw4", 101, ipv4(17, "203.0.113.5", "203.0.113.6", udp(161, 162, data("snmp"))) },
        { "ppp6", 9, fb_wrap(raw(ppp, 4), ipv6(6, 8, 9, tcp(179, 33000, 1, 0, 2, NULL, 0, NULL))) },
    };
    gl_decoder *d = gl_decoder_new(NULL);
    for (size_t i = 0; i < GL_ARRAY_LEN(cases); i++) {
        check_case(d, &cases[i], dir);
        free(cases[i].frame);
    }
    gl_decoder_free(d);
    char rm[300];
    snprintf(rm, sizeof(rm), "rm -rf %s", dir);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    printf("test-decode-tshark: %d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
