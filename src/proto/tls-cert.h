/*
 * tls-cert.h — the facts about an X.509 certificate that the TLS logger
 * reports, extracted with OpenSSL 3 and formatted the way Suricata's EVE
 * output formats them.
 */
#ifndef GL_TLS_CERT_H
#define GL_TLS_CERT_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define TLS_CERT_MAX_SAN 64

typedef struct tls_cert_info {
    char *subject;     /* "C=US, ST=California, O=Example, CN=example.com" */
    char *issuer;
    char *serial;      /* "00:82:64:66:C3" (uppercase, DER content bytes) */
    char fingerprint[60]; /* SHA-1 of the DER: "e4:9d:...:cd" */
    char notbefore[24];   /* "2017-02-23T05:13:52" (UTC) */
    char notafter[24];
    char *san[TLS_CERT_MAX_SAN]; /* dNSName entries */
    uint32_t n_san;
    bool san_truncated;
} tls_cert_info;

/* Decode one DER certificate. false when OpenSSL rejects it (out is then
 * left empty). Free with tls_cert_info_free() in every case. */
bool tls_cert_parse(const uint8_t *der, size_t len, tls_cert_info *out);
void tls_cert_info_free(tls_cert_info *ci);

#endif
