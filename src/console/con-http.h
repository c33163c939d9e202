/*
 * con-http.h — the console's HTTPS server (con-http.c) as the command and
 * the tests start it.
 */
#ifndef GL_CON_HTTP_H
#define GL_CON_HTTP_H

#include "console/console.h"

#include <stdbool.h>
#include <sys/socket.h>

typedef struct gl_con_server gl_con_server;

/* cert_path NULL = plain HTTP (only for tests of the transport itself). */
gl_con_server *gl_con_server_start(gl_console *c, const struct sockaddr *addr, const char *cert_path,
                                   const char *key_path, char *err, size_t errlen);
int gl_con_server_port(gl_con_server *s);
void gl_con_server_stop(gl_con_server *s);

/* Self-signed P-256 certificate for localhost / 127.0.0.1 / ::1. Files are
 * created exclusively (an existing file is never overwritten); key 0600. */
bool gl_con_make_cert(const char *cert_path, const char *key_path, char *err, size_t errlen);
/* SHA-256 of the first certificate in pem, hex (out >= 65). */
bool gl_con_cert_fingerprint(const char *pem, char *out, size_t outlen);

#endif
