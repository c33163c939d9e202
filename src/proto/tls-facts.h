/*
 * tls-facts.h — the TLS parser's structured view of one session, handed to
 * detectors with the "tls" event (gl_app_event_facts, see detect.h).
 *
 * Everything here is what the parser saw in the clear: the hellos, the leaf
 * certificate, the timeline of handshake messages and the record-layer
 * details. Pointers stay valid only until the event is committed; a detector
 * copies what it needs.
 */
#ifndef GL_TLS_FACTS_H
#define GL_TLS_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "tls-cert.h"
#include "tls-hello.h"
#include "tls-rdfp.h"

#define GL_TLS_TIMELINE_MAX 16

/* Pseudo message types for the timeline: not handshake messages, but the
 * points where a side switched to encrypted records. */
enum {
    GL_TLS_TL_CCS = 254,     /* ChangeCipherSpec (not the TLS 1.3 compatibility one) */
    GL_TLS_TL_APPDATA = 255, /* first application_data record of the direction */
};

typedef struct gl_tls_tl_entry {
    uint8_t type;     /* handshake msg_type (1, 2, 11, 14, ...) or GL_TLS_TL_* */
    uint8_t dir;      /* TLS role of the sender: 0 client, 1 server */
    uint64_t ts_usec; /* packet time when the message was complete */
} gl_tls_tl_entry;

typedef struct gl_tls_facts {
    const tls_client_hello *ch;   /* NULL when no ClientHello was seen */
    const tls_server_hello *sh;   /* NULL when no ServerHello was seen */
    const tls_cert_info *cert;    /* leaf certificate, NULL when none or undecodable */
    bool cert_seen;               /* a Certificate message came (maybe undecodable) */
    uint32_t chain_len;           /* certificates in the server's chain (capped at 16) */
    int cert_key_bits;            /* leaf public key size, -1 unknown */
    char cert_key_alg[8];         /* "rsa", "ec", "ed25519", "dsa", "other", "" */
    uint16_t version;             /* negotiated (or offered) version, as logged */
    uint16_t record_version[2];   /* record-layer version of each side's first record (0 unseen) */
    bool hello_retry;             /* HelloRetryRequest seen */
    bool resumed;                 /* abbreviated / PSK handshake */
    bool sslv2;                   /* SSLv2 hello or session */
    uint32_t anomalies;           /* parser anomalies raised on the session so far */
    gl_tls_tl_entry timeline[GL_TLS_TIMELINE_MAX];
    uint8_t n_timeline;
    bool timeline_truncated;
    const char *ja3;              /* md5 hex, or NULL */
    const char *ja3s;
    const char *ja4;
    const char *rdfp;             /* restricted-domain fingerprint hash of the client (tls-rdfp.h) */
    const char *rdfp_server;      /* of the server hello, or NULL */
} gl_tls_facts;

#endif
