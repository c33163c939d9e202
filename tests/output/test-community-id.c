/*
 * test-community-id.c — Community ID v1 against the spec's own published
 * baseline (corelight/community-id-spec, baseline/baseline_deflt.json for
 * seed 0 and baseline/baseline_seed1.json for seed 1). Each vector below is
 * copied from those files: (proto, saddr, daddr, sport, dport) → id. The
 * files list both orientations of every bidirectional tuple with the same
 * id, which checks the endpoint ordering; the ICMP/ICMPv6 rows check the
 * type→counterpart mapping and one-way types (port pair = type, code).
 *
 * gl_community_id() receives, for ICMP, (type, code) as (sport, dport) —
 * that is what the flow stage passes. The spec's ICMP rows list
 * (type, counterpart type) for paired types; since the implementation
 * derives the counterpart from the type and ignores the code for paired
 * types, we pass the spec's dport unchanged: either way the expected id is
 * the spec's.
 */
#include "../check.h"
#include "output/output.h"

#include <arpa/inet.h>

typedef struct vec {
    uint8_t proto;
    const char *saddr, *daddr;
    uint16_t sport, dport;
    const char *id_seed0, *id_seed1;
} vec;

static const vec vectors[] = {
    /* ICMPv6 neighbour solicitation/advertisement (135/136), both orders */
    { 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
    { 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
    /* the solicitation sent by the other host is a different conversation */
    { 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
      "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
    { 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135,
      "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
    /* ICMPv6 time exceeded (3/0) and destination unreachable (1/4): one-way */
    { 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
      "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=" },
    { 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
      "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=" },
    /* ICMPv6 echo request/reply (128/129) */
    { 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
      "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
    { 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128,
      "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
    /* router solicitation/advertisement to multicast (133/134) */
    { 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134,
      "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=" },
    { 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133,
      "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=" },
    /* ICMP echo request/reply (8/0) */
    { 1, "192.168.0.89", "192.168.0.1", 8, 0,
      "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
    { 1, "192.168.0.1", "192.168.0.89", 0, 8,
      "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
    /* ICMP time exceeded (11/0): one-way */
    { 1, "10.0.0.1", "10.0.0.2", 11, 0,
      "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20=" },
    /* TCP over IPv6 */
    { 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
      "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
    { 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
      "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
    /* SCTP, equal ports: ordering by address only */
    { 132, "192.168.170.8", "192.168.170.56", 7, 7,
      "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
    { 132, "192.168.170.56", "192.168.170.8", 7, 7,
      "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
    /* TCP over IPv4 (the spec README's example) */
    { 6, "128.232.110.120", "66.35.250.204", 34855, 80,
      "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
    { 6, "66.35.250.204", "128.232.110.120", 80, 34855,
      "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
    /* UDP */
    { 17, "192.168.1.52", "8.8.8.8", 54585, 53,
      "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
    { 17, "8.8.8.8", "192.168.1.52", 53, 54585,
      "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
    /* RSVP (46): no ports in the hash; the spec lists ports as null, the
     * values passed here must not matter */
    { 46, "10.1.12.1", "10.1.12.2", 0, 0,
      "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
    { 46, "10.1.12.2", "10.1.12.1", 1234, 5678,
      "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
};

static void parse_addr(const char *s, gl_addr *a)
{
    uint8_t b[16];
    if (inet_pton(AF_INET, s, b) == 1) {
        gl_addr_from_v4(a, b);
        return;
    }
    int ok = inet_pton(AF_INET6, s, a->b);
    T_CHECK(ok == 1);
}

static void test_spec_baseline(void)
{
    for (size_t i = 0; i < GL_ARRAY_LEN(vectors); i++) {
        const vec *v = &vectors[i];
        gl_addr s, d;
        char out[GL_COMMUNITY_ID_LEN];
        parse_addr(v->saddr, &s);
        parse_addr(v->daddr, &d);
        memset(out, 'X', sizeof(out));
        gl_community_id(0, v->proto, &s, &d, v->sport, v->dport, out);
        T_EQ_S(out, v->id_seed0);
        gl_community_id(1, v->proto, &s, &d, v->sport, v->dport, out);
        T_EQ_S(out, v->id_seed1);
        T_EQ_U(strlen(out), 30); /* "1:" + 28 base64 chars: 20-byte SHA-1 */
    }
}

/* ICMP as the flow stage calls it: (type, code). An echo reply (0/0) must
 * hash like the request row above (8/0 ↔ counterpart), whichever side
 * sends it — the spec's row lists the reply as (0, 8). */
static void test_icmp_reply_with_code(void)
{
    gl_addr s, d;
    char out[GL_COMMUNITY_ID_LEN];
    parse_addr("192.168.0.1", &s);
    parse_addr("192.168.0.89", &d);
    gl_community_id(0, 1, &s, &d, 0, 0, out);
    T_EQ_S(out, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
}

int main(void)
{
    test_spec_baseline();
    test_icmp_reply_with_code();
    return t_report("test-community-id");
}
