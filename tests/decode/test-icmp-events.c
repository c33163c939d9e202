/*
 * test-icmp-events.c — ICMP type/code validation (decoder.icmpv4/6.unknown_*):
 * valid codes per type come from RFC 792/950/1256/1812 (v4) and RFC 4443/4861
 * (v6), written out here; a truncated datagram raises only trunc_pkt, as
 * Suricata does (suricata-verify output-eve-anomaly-01 counts on it).
 */
#include "../check.h"
#include "decode/decode.h"

#include <stdlib.h>

/* raw IPv4 (DLT_RAW) carrying an 8-byte ICMP header; total length 28 */
static bool has(const gl_packet *p, gl_decode_event ev)
{
    for (int i = 0; i < p->n_events; i++)
        if (p->events[i] == ev)
            return true;
    return false;
}

static void v4(gl_decoder *d, uint8_t type, uint8_t code, gl_packet *p, uint16_t claimed_len)
{
    uint8_t b[28] = { 0x45, 0, (uint8_t)(claimed_len >> 8), (uint8_t)claimed_len, 0, 1, 0, 0, 64, 1, 0, 0,
                      10, 0, 0, 1, 10, 0, 0, 2, type, code, 0, 0, 0, 0, 0, 0 };
    gl_decode(d, p, GL_DLT_RAW, b, sizeof(b), sizeof(b), 1000000);
}

static void v6(gl_decoder *d, uint8_t type, uint8_t code, gl_packet *p)
{
    uint8_t b[48] = { 0x60, 0, 0, 0, 0, 8, 58, 64 };
    b[23] = 1;  /* src ::1 */
    b[39] = 2;  /* dst ::2 */
    b[40] = type;
    b[41] = code;
    gl_decode(d, p, GL_DLT_RAW, b, sizeof(b), sizeof(b), 1000000);
}

int main(void)
{
    gl_defrag_config cfg;
    gl_defrag_config_default(&cfg);
    gl_decoder *d = gl_decoder_new(&cfg);
    gl_packet p;
    struct { uint8_t type, code; bool bad_type, bad_code; } v4cases[] = {
        { 0, 0, false, false }, { 0, 1, false, true },    /* echo reply: code 0 only */
        { 3, 15, false, false }, { 3, 16, false, true },  /* unreachable: 0..15 */
        { 5, 3, false, false }, { 5, 4, false, true },    /* redirect: 0..3 */
        { 9, 16, false, false }, { 9, 8, false, true },   /* router advert: 0 or 16 */
        { 11, 1, false, false }, { 11, 2, false, true },  /* time exceeded: 0..1 */
        { 12, 2, false, false }, { 12, 3, false, true },  /* parameter problem: 0..2 */
        { 18, 0, false, false }, { 19, 0, true, false },  /* 19+ unassigned here */
        { 42, 0, true, false }, { 1, 0, true, false }, { 2, 0, true, false },
    };
    for (size_t i = 0; i < GL_ARRAY_LEN(v4cases); i++) {
        v4(d, v4cases[i].type, v4cases[i].code, &p, 28);
        T_CHECK(p.l4_valid);
        T_EQ_U(has(&p, GL_EV_ICMPV4_UNKNOWN_TYPE), v4cases[i].bad_type);
        T_EQ_U(has(&p, GL_EV_ICMPV4_UNKNOWN_CODE), v4cases[i].bad_code);
    }
    /* IP total length says 60, 28 captured: trunc_pkt only */
    v4(d, 42, 0, &p, 60);
    T_CHECK(has(&p, GL_EV_IPV4_TRUNC_PKT));
    T_CHECK(!has(&p, GL_EV_ICMPV4_UNKNOWN_TYPE));

    struct { uint8_t type, code; bool bad_type, bad_code; } v6cases[] = {
        { 1, 7, false, false }, { 1, 8, false, true },    /* unreachable: 0..7 */
        { 2, 0, false, false }, { 2, 1, false, true },    /* packet too big: 0 */
        { 3, 1, false, false }, { 3, 2, false, true },
        { 4, 3, false, false }, { 4, 4, false, true },
        { 128, 0, false, false }, { 128, 1, false, true },
        { 135, 0, false, false }, { 5, 0, true, false }, { 0, 0, true, false },
    };
    for (size_t i = 0; i < GL_ARRAY_LEN(v6cases); i++) {
        v6(d, v6cases[i].type, v6cases[i].code, &p);
        T_CHECK(p.l4_valid);
        T_EQ_U(has(&p, GL_EV_ICMPV6_UNKNOWN_TYPE), v6cases[i].bad_type);
        T_EQ_U(has(&p, GL_EV_ICMPV6_UNKNOWN_CODE), v6cases[i].bad_code);
    }
    T_EQ_S(gl_decode_event_name(GL_EV_ICMPV4_UNKNOWN_TYPE), "decoder.icmpv4.unknown_type");
    T_EQ_S(gl_decode_event_name(GL_EV_ICMPV6_UNKNOWN_CODE), "decoder.icmpv6.unknown_code");
    gl_decoder_free(d);
    return t_report("test-icmp-events");
}
