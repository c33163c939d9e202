/*
 * tls-rdfp.h — the restricted-domain fingerprint (RDFP, "限定域指纹"):
 * a TLS fingerprint that keeps the implementation quirks JA3/JA4 discard —
 * record-layer version, extension order with GREASE positions, empty
 * extensions, padding target, PSK modes, compression list, the exact order
 * of groups/versions/signature algorithms — so sessions of one tool or
 * threat family link together even when their JA3/JA4 match a browser's.
 * Format (version rd1) is documented in docs/encrypted-detection.md and
 * must stay stable: changing it renames every family.
 */
#ifndef GL_TLS_RDFP_H
#define GL_TLS_RDFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_RDFP_STR_MAX 2048 /* longer strings are cut and end in '~' */
#define TLS_RDFP_HASH_LEN 29  /* "rd1_" + 24 hex + NUL */

/* Client fingerprint string from the raw ClientHello body (after the 4-byte
 * handshake header) and the record-layer version of the record carrying it.
 * Returns false (out = "") when the body is not a parseable hello. */
bool tls_rdfp_client(const uint8_t *body, uint32_t len, uint16_t record_version, char *out, size_t outlen);

/* Server fingerprint string from the raw ServerHello body; key_alg/key_bits
 * of the leaf certificate are appended when known (key_bits > 0). */
bool tls_rdfp_server(const uint8_t *body, uint32_t len, uint16_t record_version, const char *key_alg,
                     int key_bits, char *out, size_t outlen);

/* "rd1_" + the first 24 hex digits of SHA-256(s). */
void tls_rdfp_hash(const char *s, char out[TLS_RDFP_HASH_LEN]);

/* Public key algorithm ("rsa", "ec", "ed25519", "ed448", "dsa", "other") and
 * size in bits of a DER certificate, read with a bounded DER walk (no
 * allocation). Returns bits, or -1 when the certificate cannot be walked. */
int tls_cert_key_bits(const uint8_t *der, size_t len, char *alg, size_t alglen);

#endif
