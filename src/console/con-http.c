/*
 * con-http.c — the console's HTTPS transport on libmicrohttpd (GnuTLS):
 * reads one request (body capped at GL_CON_BODY_MAX, query arguments capped
 * at GL_CON_MAX_ARGS), hands it to gl_con_handle(), and writes the response
 * with the security headers every response carries. Also creates the
 * self-signed certificate (OpenSSL) at first start.
 *
 * One internal polling thread serves all connections, so handlers never run
 * concurrently (the detector commands the console calls use getopt state).
 */
#include "console/con-internal.h"
#include "console/con-http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEM_CAP (64 * 1024)

/* Per-connection state while a request body arrives. */
typedef struct conn_ctx {
    char *body;
    size_t len, cap;
    bool too_large;
} conn_ctx;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    gl_con_req *req = cls;
    if (req->n_args >= GL_CON_MAX_ARGS) {
        req->too_many_args = true;
        return MHD_NO;
    }
    req->args[req->n_args].key = key ? key : "";
    req->args[req->n_args].value = value ? value : "";
    req->n_args++;
    return MHD_YES;
}

static bool append_body(conn_ctx *cc, const char *data, size_t n)
{
    if (cc->too_large || cc->len + n > GL_CON_BODY_MAX) {
        cc->too_large = true; /* keep reading (and dropping) so the reply can still be sent */
        free(cc->body);
        cc->body = NULL;
        cc->len = cc->cap = 0;
        return true;
    }
    if (cc->len + n + 1 > cc->cap) {
        size_t cap = cc->cap ? cc->cap : 4096;
        while (cap < cc->len + n + 1)
            cap *= 2;
        char *nb = realloc(cc->body, cap);
        if (!nb)
            return false;
        cc->body = nb;
        cc->cap = cap;
    }
    memcpy(cc->body + cc->len, data, n);
    cc->len += n;
    cc->body[cc->len] = '\0';
    return true;
}

static void add_security_headers(struct MHD_Response *r, const gl_con_resp *resp, bool https)
{
    const char *csp = resp->sandbox
                          ? "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'none'"
                      : strncmp(resp->content_type, "text/html", 9) == 0
                          ? "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                            "frame-ancestors 'none'"
                          : "default-src 'none'; frame-ancestors 'none'";
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (https)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "-");
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out, (socklen_t)len);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out, (socklen_t)len);
}

typedef struct server {
    gl_console *c;
    struct MHD_Daemon *d;
    bool https;
} server;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    server *sv = cls;
    conn_ctx *cc = *con_cls;
    if (!cc) {
        cc = calloc(1, sizeof(*cc));
        if (!cc)
            return MHD_NO;
        *con_cls = cc;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!append_body(cc, upload, *upload_size))
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    gl_con_req req;
    memset(&req, 0, sizeof(req));
    char ip[INET6_ADDRSTRLEN + 1];
    client_ip(conn, ip, sizeof(ip));
    req.method = method;
    req.path = url;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &req);
    req.cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    req.csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, GL_CON_CSRF_HEADER);
    req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    req.user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
    req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    req.client_ip = ip;
    req.body = cc->body;
    req.body_len = cc->len;
    req.body_too_large = cc->too_large;
    gl_con_resp resp;
    gl_con_handle(sv->c, &req, &resp);
    struct MHD_Response *r = MHD_create_response_from_buffer(resp.len, resp.body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        gl_con_resp_free(&resp);
        return MHD_NO;
    }
    resp.body = NULL; /* owned by MHD now */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type);
    if (resp.disposition[0])
        MHD_add_response_header(r, "Content-Disposition", resp.disposition);
    for (int i = 0; i < resp.n_cookies; i++)
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp.cookies[i]);
    add_security_headers(r, &resp, sv->https);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp.status, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode tc)
{
    (void)cls, (void)conn, (void)tc;
    conn_ctx *cc = *con_cls;
    if (cc) {
        free(cc->body);
        free(cc);
        *con_cls = NULL;
    }
}

/* ---------------------------------------------------------------- certificate */

static bool write_pem(const char *path, bool private_key, EVP_PKEY *key, X509 *cert)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, private_key ? 0600 : 0644);
    if (fd < 0)
        return false;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return false;
    }
    bool ok = private_key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1
                          : PEM_write_X509(f, cert) == 1;
    return fclose(f) == 0 && ok;
}

static bool add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    bool ok = ex && X509_add_ext(cert, ex, -1) == 1;
    X509_EXTENSION_free(ex);
    return ok;
}

bool gl_con_make_cert(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    bool ok = key && cert;
    uint8_t serial[16];
    if (ok && gl_con_random(serial, sizeof(serial))) {
        serial[0] &= 0x7f;
        BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
        ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
        BN_free(bn);
    } else {
        ok = false;
    }
    ok = ok && X509_set_version(cert, 2) && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
         X509_gmtime_adj(X509_getm_notAfter(cert), 825L * 86400) && X509_set_pubkey(cert, key);
    X509_NAME *name = ok ? X509_get_subject_name(cert) : NULL;
    ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"guanlan", -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0) &&
         X509_set_issuer_name(cert, name) &&
         add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") &&
         add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(cert, NID_key_usage, "critical,digitalSignature") &&
         add_ext(cert, NID_ext_key_usage, "serverAuth") && X509_sign(cert, key, EVP_sha256()) > 0;
    if (ok && !(write_pem(key_path, true, key, NULL) && write_pem(cert_path, false, NULL, cert))) {
        snprintf(err, errlen, "cannot write %s / %s: %s", cert_path, key_path, strerror(errno));
        ok = false;
    } else if (!ok) {
        snprintf(err, errlen, "certificate generation failed");
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok;
}

bool gl_con_cert_fingerprint(const char *pem, char *out, size_t outlen)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    bool ok = x && X509_digest(x, EVP_sha256(), md, &n) && n == 32 && outlen >= 65;
    if (ok)
        gl_con_hex(md, 32, out);
    X509_free(x);
    BIO_free(b);
    return ok;
}

static char *read_small(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(PEM_CAP + 1) : NULL;
    size_t n = buf ? fread(buf, 1, PEM_CAP + 1, f) : 0;
    if (f)
        fclose(f);
    if (!buf || n == 0 || n > PEM_CAP) {
        snprintf(err, errlen, "%s: %s", path, !f ? strerror(errno) : "empty or over 64 KiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* ---------------------------------------------------------------- server */

struct gl_con_server {
    server sv;
    char *cert_pem, *key_pem;
};

gl_con_server *gl_con_server_start(gl_console *c, const struct sockaddr *addr, const char *cert_path,
                                   const char *key_path, char *err, size_t errlen)
{
    gl_con_server *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->sv.c = c;
    s->sv.https = cert_path != NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_POLL;
    if (addr->sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (s->sv.https) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            snprintf(err, errlen, "this libmicrohttpd has no TLS support");
            free(s);
            return NULL;
        }
        s->cert_pem = read_small(cert_path, err, errlen);
        s->key_pem = s->cert_pem ? read_small(key_path, err, errlen) : NULL;
        if (!s->key_pem) {
            gl_con_server_stop(s);
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem opts[] = {
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
        { MHD_OPTION_SOCK_ADDR, 0, (void *)addr },
        { MHD_OPTION_CONNECTION_LIMIT, 64, NULL },
        { MHD_OPTION_PER_IP_CONNECTION_LIMIT, 32, NULL },
        { MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL },
        { MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL },
        { s->sv.https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->cert_pem },
        { s->sv.https ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->key_pem },
        { s->sv.https ? MHD_OPTION_HTTPS_PRIORITIES : MHD_OPTION_END, 0,
          (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE" },
        { MHD_OPTION_END, 0, NULL },
    };
    s->sv.d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &s->sv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s->sv.d) {
        snprintf(err, errlen, "cannot listen (address in use, or bad certificate/key)");
        gl_con_server_stop(s);
        return NULL;
    }
    return s;
}

int gl_con_server_port(gl_con_server *s)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->sv.d, MHD_DAEMON_INFO_BIND_PORT);
    return di ? di->port : -1;
}

void gl_con_server_stop(gl_con_server *s)
{
    if (!s)
        return;
    if (s->sv.d)
        MHD_stop_daemon(s->sv.d);
    free(s->cert_pem);
    free(s->key_pem);
    free(s);
}
