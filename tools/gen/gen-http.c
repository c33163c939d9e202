/*
 * gen-http.c — HTTP/1.1 sessions for gl-gen: keep-alive connections carrying
 * 1-3 request/response exchanges (GET and POST with Host, User-Agent,
 * Content-Type, Content-Length), responses framed by Content-Length or chunked
 * transfer coding, redirects, 304 and 404s. Bodies are valid for the media
 * type they claim (JSON parses, forms are urlencoded) so dissectors that look
 * inside them find nothing malformed.
 */
#include <time.h>

/* the capture's wall clock: 2024-03-01 12:00:00 UTC plus the packet's offset */
#define GEN_EPOCH 1709294400ULL

static const char *HTTP_HOSTS[] = {
    "www.example.com", "shop.example.net", "news.example.org", "intranet.example.com",
    "cdn.example.net", "api.example.org",  "wiki.example.com", "updates.example.net",
};
static const char *HTTP_UAS[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Microsoft-CryptoAPI/10.0",
};
static const char *HTTP_SERVERS[] = {"nginx/1.24.0", "Apache/2.4.58 (Debian)", "Microsoft-IIS/10.0",
                                     "cloudflare", "gunicorn"};
static const char *WORDS[] = {"alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar",
                              "tango", "zulu", "sierra", "victor", "yankee"};

enum { R_PAGE, R_API, R_CSS, R_JS, R_DOWNLOAD, R_LOGIN, R_POST_JSON, R_MISSING, R_REDIRECT,
       R_NOT_MODIFIED, R_NKINDS };

static void http_date(Buf *b, const char *name, uint64_t abs_us)
{
    time_t secs = (time_t)(GEN_EPOCH + abs_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char d[64];
    strftime(d, sizeof(d), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    buf_printf(b, "%s: %s\r\n", name, d);
}

static uint32_t cap_body(Gen *g, uint32_t n)
{
    return g->o.max_body && n > g->o.max_body ? g->o.max_body : n;
}

static void body_html(Gen *g, Buf *b, size_t n)
{
    buf_str(b, "<!DOCTYPE html>\n<html><head><title>Example</title></head><body>\n<p>");
    fill_text(g, b, n);
    buf_str(b, "</p>\n</body></html>\n");
}

static void body_json(Gen *g, Buf *b, size_t n)
{
    Rng *r = &g->rng;
    size_t start = b->len;
    buf_str(b, "{\"status\":\"ok\",\"items\":[");
    for (int i = 0; b->len - start < n || i == 0; i++) {
        /* one draw per statement: argument evaluation order is unspecified
         * in C and would make the bytes depend on the compiler */
        uint32_t id = rng_below(r, 100000);
        const char *word = PICK(r, WORDS);
        uint32_t units = rng_below(r, 100);
        uint32_t cents = rng_below(r, 100);
        buf_printf(b, "%s{\"id\":%u,\"name\":\"%s\",\"score\":%u.%02u}", i ? "," : "", id, word,
                   units, cents);
    }
    buf_str(b, "]}");
}

static void body_comment_code(Gen *g, Buf *b, size_t n, const char *tail)
{
    buf_str(b, "/* ");
    fill_text(g, b, n); /* the text pool never contains '*' */
    buf_str(b, " */\n");
    buf_str(b, tail);
}

/* request line, headers and body for one exchange; returns the kind */
static int http_request(Gen *g, Buf *b, const char *host, const char *ua, int first)
{
    Rng *r = &g->rng;
    int kind = (int)rng_below(r, R_NKINDS);
    if (first && (kind == R_NOT_MODIFIED))
        kind = R_PAGE;
    static const char *pages[] = {"/", "/index.html", "/news/today", "/products?page=2", "/about"};
    static const char *apis[] = {"/api/v1/items", "/api/v2/status", "/api/v1/users/42/orders"};
    const char *method = "GET", *path = PICK(r, pages), *ctype = NULL;
    Buf body = {0};
    switch (kind) {
    case R_API: path = PICK(r, apis); break;
    case R_CSS: path = "/static/site.css"; break;
    case R_JS: path = "/static/app.js"; break;
    case R_DOWNLOAD: path = "/download/package.bin"; break;
    case R_LOGIN: {
        method = "POST", path = "/login", ctype = "application/x-www-form-urlencoded";
        const char *user = PICK(r, WORDS);
        uint32_t uid = rng_below(r, 1000);
        const char *pw = PICK(r, WORDS);
        uint32_t pwn = rng_below(r, 100000);
        buf_printf(&body, "user=%s%u&password=%s%u&remember=1", user, uid, pw, pwn);
        break;
    }
    case R_POST_JSON:
        method = "POST", path = PICK(r, apis), ctype = "application/json";
        body_json(g, &body, rng_range(r, 20, cap_body(g, 3000)));
        break;
    case R_MISSING: path = "/wp-login.php"; break;
    case R_REDIRECT: path = "/old-page"; break;
    default: break;
    }
    buf_printf(b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n", method, path, host, ua);
    buf_str(b, "Accept: */*\r\nAccept-Language: en-US,en;q=0.9\r\n");
    if (kind == R_NOT_MODIFIED)
        buf_printf(b, "If-None-Match: \"%08x\"\r\n", (unsigned)rng_next(r));
    if (ctype)
        buf_printf(b, "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, body.len);
    buf_str(b, "Connection: keep-alive\r\n\r\n");
    if (body.len)
        buf_put(b, body.p, body.len);
    free(body.p);
    g->st.http_requests++;
    return kind;
}

static void http_chunked(Gen *g, Buf *b, const Buf *body)
{
    for (size_t off = 0; off < body->len;) {
        size_t n = rng_range(&g->rng, 512, 8192);
        if (n > body->len - off)
            n = body->len - off;
        buf_printf(b, "%zx\r\n", n);
        buf_put(b, body->p + off, n);
        buf_str(b, "\r\n");
        off += n;
    }
    buf_str(b, "0\r\n\r\n");
}

static void http_response(Gen *g, Buf *b, int kind, const char *host, const char *server,
                          uint64_t abs_us)
{
    Rng *r = &g->rng;
    Buf body = {0};
    const char *status = "200 OK", *ctype = NULL;
    switch (kind) {
    case R_PAGE: case R_LOGIN:
        ctype = "text/html; charset=utf-8";
        body_html(g, &body, rng_range(r, 500, cap_body(g, 40000)));
        break;
    case R_API: case R_POST_JSON:
        ctype = "application/json";
        body_json(g, &body, rng_range(r, 50, cap_body(g, 12000)));
        break;
    case R_CSS:
        ctype = "text/css";
        body_comment_code(g, &body, rng_range(r, 200, cap_body(g, 20000)), "body{margin:0}\n");
        break;
    case R_JS:
        ctype = "application/javascript";
        body_comment_code(g, &body, rng_range(r, 200, cap_body(g, 60000)), "console.log(1);\n");
        break;
    case R_DOWNLOAD:
        ctype = "application/octet-stream";
        fill_noise(g, &body, rng_range(r, 10000, cap_body(g, 400000)));
        break;
    case R_MISSING:
        status = "404 Not Found", ctype = "text/html";
        buf_str(&body, "<html><body><h1>404 Not Found</h1></body></html>\n");
        break;
    case R_REDIRECT:
        status = "301 Moved Permanently", ctype = "text/html";
        buf_str(&body, "<html><body>Moved</body></html>\n");
        break;
    case R_NOT_MODIFIED:
        status = "304 Not Modified";
        break;
    }
    buf_printf(b, "HTTP/1.1 %s\r\n", status);
    http_date(b, "Date", abs_us);
    buf_printf(b, "Server: %s\r\n", server);
    if (kind == R_REDIRECT)
        buf_printf(b, "Location: https://%s/new-page\r\n", host);
    int chunked = ctype && body.len > 1000 && rng_pct(r, 35);
    if (ctype) {
        buf_printf(b, "Content-Type: %s\r\n", ctype);
        if (chunked)
            buf_str(b, "Transfer-Encoding: chunked\r\n");
        else
            buf_printf(b, "Content-Length: %zu\r\n", body.len);
    }
    if (kind == R_CSS || kind == R_JS)
        buf_printf(b, "Cache-Control: max-age=86400\r\nETag: \"%08x\"\r\n", (unsigned)rng_next(r));
    buf_str(b, "Connection: keep-alive\r\n\r\n");
    if (chunked)
        http_chunked(g, b, &body);
    else if (body.len)
        buf_put(b, body.p, body.len);
    free(body.p);
}

static void render_http(Gen *g, Slot *s)
{
    Rng *r = &g->rng;
    static const uint16_t ports[] = {80, 80, 80, 80, 80, 8080};
    Path p;
    uint16_t port = PICK(r, ports); /* one draw per statement: see body_json */
    path_new(g, &p, want_v6(g), port);
    Tcp c;
    tcp_init(&c, g, s, &p);
    tcp_handshake(&c);
    const char *host = PICK(r, HTTP_HOSTS), *ua = PICK(r, HTTP_UAS), *server = PICK(r, HTTP_SERVERS);
    uint32_t n = rng_pct(r, 15) ? 1 : rng_range(r, 2, 3);
    Buf m = {0};
    for (uint32_t i = 0; i < n; i++) {
        m.len = 0;
        int kind = http_request(g, &m, host, ua, i == 0);
        tcp_msg(&c, DIR_C2S, m.p, m.len, i == 0 ? rng_range(r, 30, 400) : rng_range(r, 2000, 80000));
        m.len = 0;
        http_response(g, &m, kind, host, server, s->start_us + c.t);
        tcp_msg(&c, DIR_S2C, m.p, m.len, rng_range(r, 200, 20000));
    }
    free(m.p);
    tcp_finish(&c);
}
