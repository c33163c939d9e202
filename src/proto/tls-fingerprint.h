/*
 * tls-fingerprint.h — TLS client/server fingerprints computed from decoded
 * hellos: JA3 and JA3S (Salesforce, GREASE excluded) and JA4 (FoxIO).
 */
#ifndef GL_TLS_FINGERPRINT_H
#define GL_TLS_FINGERPRINT_H

#include <stddef.h>
#include "tls-hello.h"

#define TLS_JA4_LEN 37 /* "t13d1516h2_8daaf6152771_02713d6af862" + NUL */
#define TLS_MD5_HEX_LEN 33

/* JA3 string "771,4865-4866,0-10,29-23,0" into a malloc'd string (caller frees),
 * NULL on allocation failure. */
char *tls_ja3_string(const tls_client_hello *ch);
/* JA3S string "771,4865,43-51". */
char *tls_ja3s_string(const tls_server_hello *sh);
/* Lowercase hex MD5 of s into out[TLS_MD5_HEX_LEN]; false on digest failure. */
bool tls_md5_hex(const char *s, char out[TLS_MD5_HEX_LEN]);
/* JA4 (TCP flavour, prefix 't') into out[TLS_JA4_LEN]. */
void tls_ja4(const tls_client_hello *ch, char out[TLS_JA4_LEN]);

#endif
