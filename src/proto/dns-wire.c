/*
 * dns-wire.c — DNS wire format decoding (RFC 1035/3596/2782/6891): names with
 * loop-safe decompression, message validation and record walking.
 */
#include "dns-wire.h"

#include <string.h>
#include "../common/gl-util.h"

const char *dns_err_anomaly(dns_err e)
{
    switch (e) {
    case DNS_ERR_LOOP: return "INFINITE_LOOP";
    case DNS_ERR_NAME_LONG: return "NAME_TOO_LONG";
    case DNS_ERR_LABEL:
    case DNS_ERR_TRUNCATED:
    case DNS_ERR_RDATA:
    default: return "MALFORMED_DATA";
    }
}

void dns_read_header(const uint8_t *msg, dns_hdr *h)
{
    h->id = gl_be16(msg);
    h->flags = gl_be16(msg + 2);
    h->qdcount = gl_be16(msg + 4);
    h->ancount = gl_be16(msg + 6);
    h->nscount = gl_be16(msg + 8);
    h->arcount = gl_be16(msg + 10);
}

static void name_append_label(dns_name *out, const uint8_t *label, uint8_t n)
{
    /* wire length is checked by the caller, and text length <= wire length */
    if (out->len > 0)
        out->text[out->len++] = '.';
    memcpy(out->text + out->len, label, n);
    out->len = (uint16_t)(out->len + n);
    out->text[out->len] = '\0';
}

dns_err dns_read_name(const uint8_t *msg, uint32_t msglen, uint32_t off, uint32_t limit,
                      uint32_t *next, dns_name *out, bool *too_long)
{
    uint32_t pos = off;
    uint32_t seg_start = off;  /* start of the segment being read: pointers must go below it */
    uint32_t end = limit;      /* inline labels bound; after a jump, labels may run to msglen */
    uint32_t wire = 0;         /* RFC 1035 wire length so far (labels + length octets) */
    int jumps = 0;
    bool jumped = false, full = false;

    if (out) {
        out->len = 0;
        out->text[0] = '\0';
        out->truncated = false;
    }
    if (limit > msglen)
        return DNS_ERR_TRUNCATED;
    for (;;) {
        if (pos >= end)
            return DNS_ERR_TRUNCATED;
        uint8_t c = msg[pos];
        if (c == 0) {
            if (!jumped)
                *next = pos + 1;
            return DNS_OK;
        }
        if ((c & 0xC0) == 0xC0) {
            if (pos + 2 > end)
                return DNS_ERR_TRUNCATED;
            if (full) {
                /* over-long name: its end is known now, do not follow */
                if (!jumped)
                    *next = pos + 2;
                return DNS_OK;
            }
            uint32_t target = gl_be16(msg + pos) & 0x3FFF;
            /* strictly backwards from the current segment: every jump lowers
             * seg_start, so decompression always terminates */
            if (target >= seg_start || ++jumps > DNS_MAX_JUMPS)
                return DNS_ERR_LOOP;
            if (!jumped)
                *next = pos + 2;
            jumped = true;
            pos = seg_start = target;
            end = msglen;
            continue;
        }
        if (c & 0xC0) /* 0x40 (extended, RFC 6891 obsoleted) and 0x80 are reserved */
            return DNS_ERR_LABEL;
        if (pos + 1 + c > end)
            return DNS_ERR_TRUNCATED;
        if (!full && wire + 1u + c + 1 > DNS_NAME_WIRE_MAX) {
            /* RFC 1035 2.3.4 limit: an error unless the caller accepts a
             * truncated name (logged with a flag, so long names cannot be
             * used to hide a message from the log) */
            if (!too_long)
                return DNS_ERR_NAME_LONG;
            *too_long = true;
            full = true;
            if (out)
                out->truncated = true;
            if (jumped)
                return DNS_OK; /* the end of the inline part is already known */
        }
        if (!full) {
            wire += 1u + c;
            if (out)
                name_append_label(out, msg + pos + 1, c);
        }
        pos += 1u + c;
    }
}

/* Check that the rdata of one record has the layout its type requires.
 * Unknown types are opaque and always fine. */
static dns_err check_rdata(const uint8_t *msg, uint32_t msglen, const dns_rr *rr, bool *lt)
{
    uint32_t p = rr->rdata_off, end = rr->rdata_off + rr->rdlen, next;
    dns_err e;
    switch (rr->type) {
    case DNS_T_CNAME:
    case DNS_T_NS:
    case DNS_T_PTR:
        return dns_read_name(msg, msglen, p, end, &next, NULL, lt);
    case DNS_T_MX:
        if (rr->rdlen < 2)
            return DNS_ERR_RDATA;
        return dns_read_name(msg, msglen, p + 2, end, &next, NULL, lt);
    case DNS_T_SRV:
        if (rr->rdlen < 6)
            return DNS_ERR_RDATA;
        return dns_read_name(msg, msglen, p + 6, end, &next, NULL, lt);
    case DNS_T_SOA:
        if ((e = dns_read_name(msg, msglen, p, end, &next, NULL, lt)) != DNS_OK)
            return e;
        if ((e = dns_read_name(msg, msglen, next, end, &next, NULL, lt)) != DNS_OK)
            return e;
        return end - next >= 20 ? DNS_OK : DNS_ERR_RDATA;
    case DNS_T_TXT:
        /* RFC 1035 3.3.14: one or more <character-string>s filling the rdata */
        while (p < end) {
            if (p + 1u + msg[p] > end)
                return DNS_ERR_RDATA;
            p += 1u + msg[p];
        }
        return DNS_OK;
    case DNS_T_OPT:
        /* RFC 6891 6.1.2: {code(2), length(2), data} options */
        while (p < end) {
            if (end - p < 4 || end - p - 4 < gl_be16(msg + p + 2))
                return DNS_ERR_RDATA;
            p += 4u + gl_be16(msg + p + 2);
        }
        return DNS_OK;
    case DNS_T_SSHFP:
        return rr->rdlen >= 2 ? DNS_OK : DNS_ERR_RDATA;
    default:
        return DNS_OK;
    }
}

dns_err dns_msg_walk(const uint8_t *msg, uint32_t len, dns_hdr *h, dns_rr *rrs, uint32_t cap,
                     uint32_t *nrr, bool *long_names)
{
    bool lt = false;
    bool *ltp = long_names ? &lt : NULL;
    if (len < DNS_HDR_LEN)
        return DNS_ERR_TRUNCATED;
    dns_read_header(msg, h);
    const uint32_t counts[4] = { h->qdcount, h->ancount, h->nscount, h->arcount };
    /* a question takes >= 5 bytes and a record >= 11: reject impossible
     * counts before walking (bounds the work on hostile headers) */
    uint64_t min = (uint64_t)counts[0] * 5 + ((uint64_t)counts[1] + counts[2] + counts[3]) * 11;
    if (min > len - DNS_HDR_LEN)
        return DNS_ERR_TRUNCATED;

    uint32_t pos = DNS_HDR_LEN, n = 0;
    for (int sec = 0; sec < 4; sec++) {
        for (uint32_t i = 0; i < counts[sec]; i++) {
            dns_rr rr = { .section = (uint8_t)sec, .name_off = pos };
            dns_err e = dns_read_name(msg, len, pos, len, &pos, NULL, ltp);
            if (e != DNS_OK)
                return e;
            uint32_t fixed = sec == DNS_SEC_QUESTION ? 4 : 10;
            if (len - pos < fixed)
                return DNS_ERR_TRUNCATED;
            rr.type = gl_be16(msg + pos);
            rr.rclass = gl_be16(msg + pos + 2);
            pos += 4;
            if (sec != DNS_SEC_QUESTION) {
                rr.ttl = gl_be32(msg + pos);
                rr.rdlen = gl_be16(msg + pos + 4);
                pos += 6;
                if (len - pos < rr.rdlen)
                    return DNS_ERR_TRUNCATED;
                rr.rdata_off = pos;
                if ((e = check_rdata(msg, len, &rr, ltp)) != DNS_OK)
                    return e;
                pos += rr.rdlen;
            }
            if (rrs && n < cap)
                rrs[n] = rr;
            n++;
        }
    }
    /* trailing bytes after the last record are tolerated, as resolvers do */
    if (nrr)
        *nrr = n;
    if (long_names)
        *long_names = lt;
    return DNS_OK;
}

static bool plausible_class(uint16_t rclass)
{
    /* IN, CH, HS, NONE, ANY; mDNS uses the top bit (unicast-response / cache-flush) */
    switch (rclass & 0x7FFF) {
    case 1: case 3: case 4: case 254: case 255: return true;
    default: return false;
    }
}

int dns_msg_plausible(const uint8_t *msg, uint32_t n, bool whole)
{
    if (n < DNS_HDR_LEN)
        return whole ? 0 : 2;
    dns_hdr h;
    dns_read_header(msg, &h);
    unsigned opcode = DNS_OPCODE(h.flags);
    if (opcode == 3 || opcode > 6)
        return 0;
    bool response = (h.flags & DNS_FLAG_QR) != 0;
    if (!response && (DNS_RCODE(h.flags) != 0 || h.qdcount == 0))
        return 0;
    if (h.qdcount == 0 && h.ancount == 0 && h.nscount == 0)
        return 0;
    if (h.qdcount > 64)
        return 0;
    if (whole) {
        dns_hdr h2;
        bool long_names; /* tolerated: a long name must not hide a flow */
        return dns_msg_walk(msg, n, &h2, NULL, 0, NULL, &long_names) == DNS_OK ? 1 : 0;
    }
    /* partial (TCP prefix): check the first question or record */
    uint32_t next;
    bool long_name;
    dns_err e = dns_read_name(msg, n, DNS_HDR_LEN, n, &next, NULL, &long_name);
    if (e == DNS_ERR_TRUNCATED)
        return 2;
    if (e != DNS_OK)
        return 0;
    if (n - next < 4)
        return 2;
    uint16_t type = gl_be16(msg + next), rclass = gl_be16(msg + next + 2);
    if (type == 0)
        return 0;
    if (type != DNS_T_OPT && !plausible_class(rclass))
        return 0;
    return 1;
}

const char *dns_rrtype_name(uint16_t type)
{
    /* IANA DNS parameters, spelled as Suricata prints them */
    static const struct { uint16_t t; const char *n; } names[] = {
        { 1, "A" }, { 2, "NS" }, { 3, "MD" }, { 4, "MF" }, { 5, "CNAME" }, { 6, "SOA" },
        { 7, "MB" }, { 8, "MG" }, { 9, "MR" }, { 10, "NULL" }, { 11, "WKS" }, { 12, "PTR" },
        { 13, "HINFO" }, { 14, "MINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" },
        { 18, "AFSDB" }, { 19, "X25" }, { 20, "ISDN" }, { 21, "RT" }, { 22, "NSAP" },
        { 23, "NSAPPTR" }, { 24, "SIG" }, { 25, "KEY" }, { 26, "PX" }, { 27, "GPOS" },
        { 28, "AAAA" }, { 29, "LOC" }, { 30, "NXT" }, { 33, "SRV" }, { 34, "ATMA" },
        { 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 38, "A6" }, { 39, "DNAME" },
        { 41, "OPT" }, { 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" },
        { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
        { 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 55, "HIP" }, { 59, "CDS" }, { 60, "CDNSKEY" },
        { 65, "HTTPS" }, { 99, "SPF" }, { 249, "TKEY" }, { 250, "TSIG" }, { 254, "MAILA" },
        { 255, "ANY" }, { 256, "URI" },
    };
    for (size_t i = 0; i < GL_ARRAY_LEN(names); i++)
        if (names[i].t == type)
            return names[i].n;
    return NULL;
}

const char *dns_rcode_name(uint16_t rcode)
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    return rcode < GL_ARRAY_LEN(names) ? names[rcode] : NULL;
}
