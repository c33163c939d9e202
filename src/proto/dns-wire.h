/*
 * dns-wire.h — DNS message wire format (RFC 1035 section 4): header, names
 * with compression, question and resource-record walking. No allocation and
 * no logging here: proto-dns.c validates a whole message with dns_msg_walk()
 * first and only then renders it, so a malformed message never produces a
 * half-written event.
 */
#ifndef GL_DNS_WIRE_H
#define GL_DNS_WIRE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define DNS_HDR_LEN 12
#define DNS_NAME_WIRE_MAX 255  /* RFC 1035 2.3.4: names are at most 255 octets */
#define DNS_LABEL_MAX 63
#define DNS_MAX_JUMPS 64       /* far more than any real message; bounds pointer chasing */
/* Text form: labels joined with '.', never longer than the wire form. */
#define DNS_NAME_TEXT_MAX DNS_NAME_WIRE_MAX

/* Header flag bits (RFC 1035 4.1.1, RFC 4035 for AD/CD). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_Z 0x0040
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags) ((flags) & 0xf)

enum {
    DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_NULL = 10,
    DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SRV = 33,
    DNS_T_OPT = 41, DNS_T_SSHFP = 44,
};

/* Result codes; the names double as anomaly names (Suricata's dns events). */
typedef enum dns_err {
    DNS_OK = 0,
    DNS_ERR_TRUNCATED,  /* ran past the end of the message / rdata */
    DNS_ERR_LOOP,       /* pointer not strictly backwards, or too many jumps */
    DNS_ERR_NAME_LONG,  /* name longer than 255 octets */
    DNS_ERR_LABEL,      /* reserved label type (0x40/0x80) */
    DNS_ERR_RDATA,      /* rdata does not match its type's layout */
} dns_err;

const char *dns_err_anomaly(dns_err e);

typedef struct dns_hdr {
    uint16_t id, flags, qdcount, ancount, nscount, arcount;
} dns_hdr;

typedef struct dns_name {
    uint8_t text[DNS_NAME_TEXT_MAX + 1];
    uint16_t len;
    bool truncated; /* longer than 255 octets: text holds the labels that fit */
} dns_name;

enum { DNS_SEC_QUESTION = 0, DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL };

/* One question or resource record, as offsets into the message. */
typedef struct dns_rr {
    uint8_t section;
    uint16_t type, rclass;
    uint32_t ttl;
    uint32_t name_off;             /* where the owner name starts */
    uint32_t rdata_off, rdlen;     /* 0 for questions */
} dns_rr;

void dns_read_header(const uint8_t *msg, dns_hdr *h); /* msg has >= 12 bytes */

/* Decode the name at off. Inline labels must end before limit (end of the
 * rdata or message); compression pointers must point strictly before the
 * segment being read, which guarantees termination. *next is the offset after
 * the inline part. out may be NULL (validate only). A name over 255 octets is
 * DNS_ERR_NAME_LONG if too_long is NULL; otherwise *too_long is set and the
 * name is returned truncated to the labels that fit. */
dns_err dns_read_name(const uint8_t *msg, uint32_t msglen, uint32_t off, uint32_t limit,
                      uint32_t *next, dns_name *out, bool *too_long);

/* Validate the whole message (header, every name, per-type rdata layout).
 * If rrs is non-NULL, fills up to cap records in message order; *nrr gets
 * the total count. Over-long names are tolerated (truncated when rendered)
 * and reported through *long_names; with long_names NULL they are errors. */
dns_err dns_msg_walk(const uint8_t *msg, uint32_t len, dns_hdr *h, dns_rr *rrs, uint32_t cap,
                     uint32_t *nrr, bool *long_names);

/* Cheap plausibility check of a message prefix for protocol detection.
 * whole: n is the complete message. Returns 1 yes, 0 no, 2 need more. */
int dns_msg_plausible(const uint8_t *msg, uint32_t n, bool whole);

const char *dns_rrtype_name(uint16_t type); /* NULL if unknown */
const char *dns_rcode_name(uint16_t rcode); /* NULL if unknown */

#endif
