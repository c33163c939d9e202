/*
 * community-id.c — Community ID v1 flow hash (corelight/community-id-spec),
 * so guanlan events join with Zeek and Suricata logs of the same traffic:
 * "1:" + base64(sha1(seed16 | addr_lo | addr_hi | proto | 0 | port_lo | port_hi)).
 */
#include "output.h"

#include <openssl/evp.h>
#include <string.h>

/* ICMP types that have a reply counterpart: they become "ports" so both
 * directions of an exchange hash alike. */
static int icmp_counterpart(uint8_t proto, uint8_t type)
{
    static const uint8_t v4[][2] = { { 8, 0 }, { 0, 8 }, { 13, 14 }, { 14, 13 }, { 15, 16 }, { 16, 15 },
                                     { 10, 9 }, { 9, 10 }, { 17, 18 }, { 18, 17 } };
    static const uint8_t v6[][2] = { { 128, 129 }, { 129, 128 }, { 133, 134 }, { 134, 133 },
                                     { 135, 136 }, { 136, 135 }, { 130, 131 }, { 131, 130 },
                                     { 144, 145 }, { 145, 144 } };
    const uint8_t (*t)[2] = proto == 1 ? v4 : v6;
    size_t n = proto == 1 ? GL_ARRAY_LEN(v4) : GL_ARRAY_LEN(v6);
    for (size_t i = 0; i < n; i++)
        if (t[i][0] == type)
            return t[i][1];
    return -1;
}

void gl_community_id(unsigned seed, uint8_t proto, const gl_addr *src, const gl_addr *dst, uint16_t sport,
                     uint16_t dport, char out[GL_COMMUNITY_ID_LEN])
{
    bool v4 = gl_addr_is_v4(src);
    size_t alen = v4 ? 4 : 16;
    const uint8_t *a = v4 ? src->b + 12 : src->b, *b = v4 ? dst->b + 12 : dst->b;
    bool one_way = false;
    if (proto == 1 || proto == 58) {
        int cp = icmp_counterpart(proto, (uint8_t)sport);
        if (cp >= 0)
            dport = (uint16_t)cp;
        else
            one_way = true; /* (type, code) as given */
    }
    int c = memcmp(a, b, alen);
    if (!one_way && (c > 0 || (c == 0 && sport > dport))) {
        const uint8_t *t = a;
        a = b;
        b = t;
        uint16_t tp = sport;
        sport = dport;
        dport = tp;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, a, alen);
    n += alen;
    memcpy(buf + n, b, alen);
    n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    bool ports = proto == 6 || proto == 17 || proto == 1 || proto == 58 || proto == 132;
    if (ports) {
        buf[n++] = (uint8_t)(sport >> 8);
        buf[n++] = (uint8_t)sport;
        buf[n++] = (uint8_t)(dport >> 8);
        buf[n++] = (uint8_t)dport;
    }
    uint8_t md[20];
    unsigned int mdlen = 0;
    EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL);
    memcpy(out, "1:", 2);
    EVP_EncodeBlock((unsigned char *)out + 2, md, 20);
}
