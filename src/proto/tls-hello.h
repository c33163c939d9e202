/*
 * tls-hello.h — decoded ClientHello / ServerHello (RFC 5246 §7.4.1, RFC 8446
 * §4.1) as plain structs, filled by bounds-checked parsers in tls-hello.c.
 *
 * Lists keep the wire order and include GREASE values (RFC 8701) so that the
 * logger can report GREASE use; fingerprint code filters them out itself.
 * Every list has a fixed cap: a hostile hello with 30000 "ciphers" is
 * truncated (and flagged) instead of growing memory.
 */
#ifndef GL_TLS_HELLO_H
#define GL_TLS_HELLO_H

#include <stdint.h>
#include <stdbool.h>

#define TLS_MAX_CIPHERS 512
#define TLS_MAX_EXTS 128
#define TLS_MAX_LIST 128 /* supported_groups, signature_algorithms */
#define TLS_MAX_SMALL 32 /* point formats, compression, versions, key shares */
#define TLS_MAX_ALPNS 8
#define TLS_MAX_ALPN_LEN 64 /* longer protocol names are truncated for logging */
#define TLS_MAX_SNI 255

/* Handshake message types we care about. */
enum {
    TLS_HS_CLIENT_HELLO = 1,
    TLS_HS_SERVER_HELLO = 2,
    TLS_HS_NEW_SESSION_TICKET = 4,
    TLS_HS_CERTIFICATE = 11,
    TLS_HS_SERVER_HELLO_DONE = 14,
};

/* Extension code points (IANA "TLS ExtensionType Values"). */
enum {
    TLS_EXT_SNI = 0,
    TLS_EXT_SUPPORTED_GROUPS = 10,
    TLS_EXT_EC_POINT_FORMATS = 11,
    TLS_EXT_SIG_ALGS = 13,
    TLS_EXT_ALPN = 16,
    TLS_EXT_SESSION_TICKET = 35,
    TLS_EXT_PRE_SHARED_KEY = 41,
    TLS_EXT_EARLY_DATA = 42,
    TLS_EXT_SUPPORTED_VERSIONS = 43,
    TLS_EXT_KEY_SHARE = 51,
};

typedef struct tls_alpn {
    uint8_t len;      /* bytes stored (≤ TLS_MAX_ALPN_LEN) */
    uint8_t wire_len; /* length on the wire */
    uint8_t first, last; /* first/last byte of the full wire value (JA4 needs these) */
    uint8_t s[TLS_MAX_ALPN_LEN];
} tls_alpn;

typedef struct tls_client_hello {
    uint16_t version; /* legacy_version (SSLv2-compat: the version field of the v2 hello) */
    uint8_t random[32];
    uint8_t random_len;
    uint8_t session_id[32];
    uint8_t session_id_len;
    uint16_t ciphers[TLS_MAX_CIPHERS];
    uint32_t n_ciphers;
    uint8_t compression[TLS_MAX_SMALL];
    uint32_t n_compression;
    uint16_t exts[TLS_MAX_EXTS];
    uint32_t n_exts;
    uint16_t groups[TLS_MAX_LIST];
    uint32_t n_groups;
    uint8_t point_formats[TLS_MAX_SMALL];
    uint32_t n_point_formats;
    uint16_t sigalgs[TLS_MAX_LIST];
    uint32_t n_sigalgs;
    uint16_t versions[TLS_MAX_SMALL]; /* supported_versions */
    uint32_t n_versions;
    uint16_t key_shares[TLS_MAX_SMALL]; /* key_share groups */
    uint32_t n_key_shares;
    tls_alpn alpns[TLS_MAX_ALPNS];
    uint32_t n_alpns;
    char sni[TLS_MAX_SNI + 1];
    uint16_t sni_len;
    bool has_sni, has_alpn, has_supported_versions;
    bool has_session_ticket; /* extension present */
    uint16_t session_ticket_len; /* non-zero: client offers a ticket (resumption) */
    bool has_psk;            /* pre_shared_key extension (TLS 1.3 resumption) */
    uint32_t n_psk_identities;
    bool has_early_data;
    bool multiple_sni;       /* more than one SNI extension: anomaly */
    bool sslv2;              /* came as an SSLv2-compatible record */
    bool truncated;          /* a list hit its cap */
} tls_client_hello;

typedef struct tls_server_hello {
    uint16_t version;          /* legacy_version */
    uint16_t selected_version; /* supported_versions extension, 0 if absent */
    uint8_t random[32];
    uint8_t session_id[32];
    uint8_t session_id_len;
    uint16_t cipher;
    uint8_t compression;
    uint16_t exts[TLS_MAX_EXTS];
    uint32_t n_exts;
    tls_alpn alpn;
    bool has_alpn;
    bool has_psk;          /* server accepted a PSK: TLS 1.3 resumption */
    bool has_session_ticket; /* server will send a NewSessionTicket */
    bool has_key_share;
    uint16_t key_share_group;
    bool is_hrr;           /* HelloRetryRequest (RFC 8446 §4.1.3 magic random) */
    bool truncated;
} tls_server_hello;

/* RFC 8701: 0x0A0A, 0x1A1A, ... 0xFAFA. */
static inline bool tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Parse the body of a handshake message (after the 4-byte header).
 * Return 0 on success, -1 on malformed input (the struct then holds what was
 * decoded before the error). */
int tls_parse_client_hello(const uint8_t *p, uint32_t len, tls_client_hello *ch);
int tls_parse_server_hello(const uint8_t *p, uint32_t len, tls_server_hello *sh);
/* SSLv2-compatible ClientHello body: everything after the 2-byte record
 * header, starting with msg_type (1). */
int tls_parse_sslv2_client_hello(const uint8_t *p, uint32_t len, tls_client_hello *ch);

/* Suricata's naming: "TLS 1.2", "TLSv1", "SSLv3", "TLS 1.3 draft-28", "0x1234". */
const char *tls_version_str(uint16_t v, char *buf, unsigned buflen);

#endif
