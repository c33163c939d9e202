/*
 * test-http.c — unit tests for the HTTP/1.x parser (proto-http.c).
 *
 * Expected values are worked out by hand from RFC 9112 (message framing),
 * RFC 9110 (field semantics) and Suricata's EVE http schema / suricata-verify
 * expectations; each test states its derivation next to the check.
 */
#include "harness.h"

#include "../../src/proto/app-layer.h"

static const gl_dir TS = GL_DIR_TOSERVER, TC = GL_DIR_TOCLIENT;

static int count_anomaly(const harness *h, const char *name)
{
    int n = 0;
    for (int i = 0; i < h->n_anomalies; i++)
        if (strcmp(h->anomalies[i], name) == 0)
            n++;
    return n;
}

static bool ev_has(const harness *h, int i, const char *needle)
{
    return i >= 0 && i < h->n_events && strstr(h->events[i], needle) != NULL;
}

static void feed_str(harness *h, gl_dir dir, const char *s)
{
    h_feed(h, dir, s, strlen(s));
}

/* Feed s as two pieces split at k. */
static int feed_split_at(harness *h, gl_dir dir, const char *s, size_t k)
{
    size_t n = strlen(s);
    int rc = GL_APP_OK;
    if (k > 0)
        rc = h_feed(h, dir, s, k);
    if (rc == GL_APP_OK && k < n)
        rc = h_feed(h, dir, s + k, n - k);
    return rc;
}

/* ------------------------------------------------------------------ */
/* 1. One request/response pair; exact EVE object, split at every byte. */

static const char *REQ1 = "GET /index.html?x=1 HTTP/1.1\r\n"
                          "Host: Example.COM:8080\r\n"
                          "User-Agent: test/1.0\r\n"
                          "Referer: http://a/b\r\n"
                          "\r\n";
static const char *RESP1 = "HTTP/1.1 200 OK\r\n"
                           "Content-Type: text/html; charset=utf-8\r\n"
                           "Content-Length: 5\r\n"
                           "\r\n"
                           "hello";
/* By hand: hostname is the Host value without port, lowercased (host names
 * are case-insensitive, RFC 9110 4.2.3; Suricata/libhtp normalise to lower
 * case); http_port 8080 from Host; url is the raw request-target; content type
 * is the media type without parameters (Suricata); length = Content-Length 5.
 * The event is logged FLOW-direction, completed by the response (dir 1). */
static const char *EXPECT1 =
    "{\"event_type\":\"http\",\"logdir\":0,\"dir\":1,\"http\":{"
    "\"hostname\":\"example.com\",\"http_port\":8080,\"url\":\"/index.html?x=1\","
    "\"http_user_agent\":\"test/1.0\",\"http_content_type\":\"text/html\","
    "\"http_refer\":\"http://a/b\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\","
    "\"status\":200,\"length\":5,"
    "\"request_headers\":[{\"name\":\"Host\",\"value\":\"Example.COM:8080\"},"
    "{\"name\":\"User-Agent\",\"value\":\"test/1.0\"},{\"name\":\"Referer\",\"value\":\"http://a/b\"}],"
    "\"response_headers\":[{\"name\":\"Content-Type\",\"value\":\"text/html; charset=utf-8\"},"
    "{\"name\":\"Content-Length\",\"value\":\"5\"}]}}";

static void test_pair_every_split(void)
{
    size_t rn = strlen(REQ1), pn = strlen(RESP1);
    int bad = 0;
    for (size_t k = 0; k <= rn; k++) {
        for (size_t m = 0; m <= pn; m++) {
            harness h;
            h_init(&h, &gl_parser_http, 6);
            int rc1 = feed_split_at(&h, TS, REQ1, k);
            int rc2 = feed_split_at(&h, TC, RESP1, m);
            /* response complete -> event emitted without waiting for flow end */
            if (rc1 != GL_APP_OK || rc2 != GL_APP_OK || h.n_events != 1 ||
                strcmp(h.events[0], EXPECT1) != 0 || h.n_anomalies != 0) {
                if (bad++ < 3)
                    fprintf(stderr, "split %zu/%zu: n=%d anom=%d %s\n", k, m, h.n_events,
                            h.n_anomalies, h.n_events ? h.events[0] : "-");
            }
            h_end(&h);
            CHECK(h.n_events == 1); /* flow_end must not log it twice */
            h_free(&h);
        }
    }
    CHECK(bad == 0);
    /* byte-at-a-time feeding both directions */
    harness h;
    h_init(&h, &gl_parser_http, 6);
    h_feed_split(&h, TS, REQ1, rn, 1);
    h_feed_split(&h, TC, RESP1, pn, 1);
    CHECK(h.n_events == 1 && strcmp(h.events[0], EXPECT1) == 0);
    h_free(&h);
}

/* ------------------------------------------------------------------ */
/* 2. Pipelining: three requests before any response, matched in order. */

static void test_pipelined(void)
{
    const char *reqs = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                       "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
                       "GET /c HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *resps = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                        "HTTP/1.1 301 Moved\r\nLocation: /c/\r\nContent-Length: 3\r\n\r\nabc";
    size_t rn = strlen(reqs), pn = strlen(resps);
    for (size_t step = 1; step <= rn; step += 3) {
        harness h;
        h_init(&h, &gl_parser_http, 6);
        h_feed_split(&h, TS, reqs, rn, step);
        CHECK(h.n_events == 0); /* nothing answered yet */
        h_feed_split(&h, TC, resps, pn, step);
        CHECK(h.n_events == 3);
        /* order of events = order of requests; the POST body (3 bytes by
         * Content-Length) must not be taken as the start of request 3 */
        CHECK(ev_has(&h, 0, "\"url\":\"/a\"") && ev_has(&h, 0, "\"status\":200") &&
              ev_has(&h, 0, "\"length\":2"));
        CHECK(ev_has(&h, 1, "\"url\":\"/b\"") && ev_has(&h, 1, "\"http_method\":\"POST\"") &&
              ev_has(&h, 1, "\"status\":404") && ev_has(&h, 1, "\"length\":0"));
        CHECK(ev_has(&h, 2, "\"url\":\"/c\"") && ev_has(&h, 2, "\"status\":301") &&
              ev_has(&h, 2, "\"redirect\":\"/c/\"") && ev_has(&h, 2, "\"length\":3"));
        CHECK(h.n_anomalies == 0);
        h_end(&h);
        CHECK(h.n_events == 3);
        h_free(&h);
    }
}

/* ------------------------------------------------------------------ */
/* 3. Chunked bodies with extensions and trailers. */

static void test_chunked(void)
{
    /* Chunk sizes are hex (RFC 9112 7.1): 4 + 5 + 0xE(14) + 0x1A(26) = 49 data
     * bytes: "Wiki" "pedia" " in\r\n\r\nchunks." (3+2+2+7 = 14) "a..z" (26). Extensions after ';'
     * are ignored; the trailer section ends at the empty line. Then a second
     * response must parse cleanly (framing ended exactly). */
    const char *req = "GET /w HTTP/1.1\r\nHost: w\r\n\r\nGET /next HTTP/1.1\r\nHost: w\r\n\r\n";
    const char *resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                       "4;name=value\r\nWiki\r\n"
                       "5 ; quoted=\"a;b\"\r\npedia\r\n"
                       "e\r\n in\r\n\r\nchunks.\r\n"
                       "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                       "000\r\nExpires: never\r\nX-Trailer: 1\r\n\r\n"
                       "HTTP/1.1 204 No Content\r\n\r\n";
    size_t pn = strlen(resp);
    for (size_t k = 0; k <= pn; k++) {
        harness h;
        h_init(&h, &gl_parser_http, 6);
        feed_str(&h, TS, req);
        feed_split_at(&h, TC, resp, k);
        CHECK(h.n_events == 2);
        CHECK(ev_has(&h, 0, "\"url\":\"/w\"") && ev_has(&h, 0, "\"length\":49"));
        /* trailers are not response headers of the message */
        CHECK(!ev_has(&h, 0, "Expires"));
        CHECK(ev_has(&h, 1, "\"url\":\"/next\"") && ev_has(&h, 1, "\"status\":204"));
        CHECK(h.n_anomalies == 0);
        h_free(&h);
    }
    /* chunked request with an extension: Suricata flags REQUEST_CHUNK_EXTENSION;
     * 0x10 = 16 data bytes, then the next request follows directly */
    harness h;
    h_init(&h, &gl_parser_http, 6);
    const char *creq = "POST /up HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "10;x=y\r\n0123456789abcdef\r\n0\r\n\r\n"
                       "GET /after HTTP/1.1\r\nHost: u\r\n\r\n";
    h_feed_split(&h, TS, creq, strlen(creq), 7);
    feed_str(&h, TC, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nZ");
    CHECK(h.n_events == 2);
    CHECK(ev_has(&h, 0, "\"url\":\"/up\"") && ev_has(&h, 1, "\"url\":\"/after\""));
    CHECK(ev_has(&h, 1, "\"length\":1"));
    CHECK(count_anomaly(&h, "REQUEST_CHUNK_EXTENSION") == 1 && h.n_anomalies == 1);
    h_free(&h);
}

/* Transfer-Encoding overrides Content-Length (RFC 9112 6.3 item 3); the pair
 * is a smuggling indicator. Invalid chunk size is flagged. */
static void test_te_cl_and_bad_chunk(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "POST /s HTTP/1.1\r\nHost: s\r\nContent-Length: 100\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                     "GET /t HTTP/1.1\r\nHost: s\r\n\r\n");
    feed_str(&h, TC, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    CHECK(count_anomaly(&h, "REQUEST_SMUGGLING") == 1);
    /* second request was found right after the 3-byte chunked body */
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"url\":\"/s\""));
    CHECK(count_anomaly(&h, "INVALID_RESPONSE_CHUNK_LEN") == 1);
    /* framing of response 2 is unknown -> body until close; logged at end */
    h_end(&h);
    CHECK(h.n_events == 2 && ev_has(&h, 1, "\"url\":\"/t\""));
    h_free(&h);
}

/* ------------------------------------------------------------------ */
/* 4. Responses without body: HEAD, 1xx, 204, 304 (RFC 9112 6.3 item 1). */

static void test_no_body_responses(void)
{
    const char *req = "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /nm HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"e\"\r\n\r\n"
                      "POST /nc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                      "GET /last HTTP/1.1\r\nHost: x\r\n\r\n";
    /* Content-Length on HEAD/304 describes the would-be body: no bytes follow.
     * If the parser read 1000 or 50 body bytes it would swallow later responses. */
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                       "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"
                       "HTTP/1.1 100 Continue\r\n\r\n"
                       "HTTP/1.1 100 Continue\r\n\r\n"
                       "HTTP/1.1 204 No Content\r\n\r\n"
                       "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast";
    size_t pn = strlen(resp);
    for (size_t k = 0; k <= pn; k++) {
        harness h;
        h_init(&h, &gl_parser_http, 6);
        feed_str(&h, TS, req);
        feed_split_at(&h, TC, resp, k);
        CHECK(h.n_events == 4);
        CHECK(ev_has(&h, 0, "\"http_method\":\"HEAD\"") && ev_has(&h, 0, "\"status\":200") &&
              ev_has(&h, 0, "\"length\":0"));
        CHECK(ev_has(&h, 1, "\"url\":\"/nm\"") && ev_has(&h, 1, "\"status\":304"));
        /* two interim 100s belong to /nc; its final status is 204 */
        CHECK(ev_has(&h, 2, "\"url\":\"/nc\"") && ev_has(&h, 2, "\"status\":204"));
        CHECK(ev_has(&h, 3, "\"url\":\"/last\"") && ev_has(&h, 3, "\"length\":4"));
        h_free(&h);
    }
}

/* ------------------------------------------------------------------ */
/* 5. Body delimited by close (RFC 9112 6.3 item 8). */

static void test_body_until_close(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /c HTTP/1.0\r\n\r\n");
    feed_str(&h, TC, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nabc");
    feed_str(&h, TC, "def\r\nHTTP/1.1 200 OK\r\n"); /* still body: only close ends it */
    CHECK(h.n_events == 0);
    h_end(&h);
    /* 3 + 5 + 17 = 25 bytes: "abc", "def\r\n", "HTTP/1.1 200 OK\r\n" */
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"length\":25") &&
          ev_has(&h, 0, "\"protocol\":\"HTTP/1.0\"") &&
          ev_has(&h, 0, "\"http_content_type\":\"text/plain\""));
    /* HTTP/1.0 request without Host is fine (Host is required in 1.1 only) */
    CHECK(count_anomaly(&h, "MISSING_HOST_HEADER") == 0);
    h_free(&h);
}

/* Unanswered request: logged at flow end, with no status, length 0. */
static void test_unanswered(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /u HTTP/1.1\r\n\r\n");
    CHECK(h.n_events == 0);
    CHECK(count_anomaly(&h, "MISSING_HOST_HEADER") == 1); /* RFC 9112 3.2: MUST send Host */
    h_end(&h);
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"url\":\"/u\"") && !ev_has(&h, 0, "\"status\"") &&
          ev_has(&h, 0, "\"length\":0") && !ev_has(&h, 0, "hostname"));
    h_free(&h);
}

/* ------------------------------------------------------------------ */
/* 6. Header edge cases: folding, bare LF, invalid status, oversize. */

static void test_folding_and_bare_lf(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    /* obs-fold: "foo" + CRLF + "   bar" -> "foo bar" (RFC 9112 5.2: replace
     * each obs-fold with SP; we also drop the fold's extra whitespace) */
    feed_str(&h, TS, "GET / HTTP/1.1\r\nHost: f\r\nUser-Agent: foo\r\n   bar\r\n\tbaz\r\n\r\n");
    /* suricata-verify http1-noint-status: bare LF line ends, status "2XX",
     * "Content-Length:4" without space; Suricata logs status_string "2XX" */
    feed_str(&h, TC, "HTTP/1.0 2XX OK\nServer: POC\nContent-Length:4\n\ntoto");
    CHECK(h.n_events == 1);
    CHECK(ev_has(&h, 0, "\"http_user_agent\":\"foo bar baz\""));
    CHECK(ev_has(&h, 0, "\"status_string\":\"2XX\"") && !ev_has(&h, 0, "\"status\":"));
    CHECK(ev_has(&h, 0, "\"length\":4"));
    CHECK(count_anomaly(&h, "RESPONSE_INVALID_STATUS") == 1);
    h_free(&h);
}

static void test_oversized(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    /* a 20000-byte header line is over the 16384-byte line cap */
    size_t big = 20000;
    char *line = malloc(big + 64);
    strcpy(line, "X-Big: ");
    memset(line + 7, 'A', big);
    strcpy(line + 7 + big, "\r\n");
    feed_str(&h, TS, "GET /big HTTP/1.1\r\nHost: b\r\n");
    h_feed_split(&h, TS, line, strlen(line), 1000);
    feed_str(&h, TS, "\r\n");
    CHECK(count_anomaly(&h, "REQUEST_FIELD_TOO_LONG") == 1);
    /* 300 headers > the 256 cap: one anomaly, message still framed correctly */
    feed_str(&h, TS, "GET /many HTTP/1.1\r\nHost: b\r\n");
    for (int i = 0; i < 300; i++)
        feed_str(&h, TS, "X-H: v\r\n");
    feed_str(&h, TS, "\r\nGET /ok HTTP/1.1\r\nHost: b\r\n\r\n");
    CHECK(count_anomaly(&h, "REQUEST_TOO_MANY_HEADERS") == 1);
    feed_str(&h, TC, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CHECK(h.n_events == 3 && ev_has(&h, 0, "/big") && ev_has(&h, 1, "/many") &&
          ev_has(&h, 2, "/ok"));
    free(line);
    h_free(&h);
}

/* ------------------------------------------------------------------ */
/* 7. CONNECT: after 2xx the bytes are a tunnel, not HTTP. */

static void test_connect(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    /* suricata-verify bug-2430: hostname from the authority-form target */
    static const char creq[] = "CONNECT QAGpublic.example.com:443 HTTP/1.1\r\n"
                              "Host: qagpublic.example.com:443\r\n\r\n\x16\x03\x01";
    static const char cresp[] = "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03\x00";
    int rc = h_feed(&h, TS, creq, sizeof(creq) - 1);
    CHECK(rc == GL_APP_OK);
    rc = h_feed(&h, TC, cresp, sizeof(cresp) - 1);
    CHECK(rc == GL_APP_REDETECT /* the tunnel carries another protocol */);
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"http_method\":\"CONNECT\"") &&
          ev_has(&h, 0, "\"hostname\":\"qagpublic.example.com\"") &&
          ev_has(&h, 0, "\"http_port\":443") && ev_has(&h, 0, "\"status\":200"));
    CHECK(h.n_anomalies == 0);
    h_end(&h);
    CHECK(h.n_events == 1);
    h_free(&h);

    /* refused CONNECT: the client speaks HTTP again */
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n");
    feed_str(&h, TC, "HTTP/1.1 407 Proxy Auth\r\nContent-Length: 0\r\n\r\n");
    feed_str(&h, TS, "GET http://b.example/x HTTP/1.1\r\nHost: b.example\r\n\r\n");
    feed_str(&h, TC, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CHECK(h.n_events == 2 && ev_has(&h, 0, "\"status\":407") &&
          ev_has(&h, 1, "\"hostname\":\"b.example\"") &&
          ev_has(&h, 1, "\"url\":\"http://b.example/x\""));
    h_free(&h);
}

/* ------------------------------------------------------------------ */
/* 8. Gaps: inside a body framing survives; elsewhere we resynchronise. */

static void test_gaps(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /1 HTTP/1.1\r\nHost: g\r\n\r\nGET /2 HTTP/1.1\r\nHost: g\r\n\r\n");
    feed_str(&h, TC, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    h.parser->gap(&h.ctx, h.state, TC, 80); /* 10 + 80 seen/lost, 10 left */
    feed_str(&h, TC, "0123456789HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    CHECK(h.n_events == 2 && ev_has(&h, 0, "\"length\":100") && ev_has(&h, 1, "\"url\":\"/2\"") &&
          ev_has(&h, 1, "\"length\":2"));
    /* gap in the middle of request headers: finish /3 as is, then skip the
     * tail of the lost message until the next request line */
    feed_str(&h, TS, "GET /3 HTTP/1.1\r\nHost: g\r\nAcc");
    h.parser->gap(&h.ctx, h.state, TS, 500);
    feed_str(&h, TS, "ept: */*\r\nCookie: a\r\n\r\nGET /4 HTTP/1.1\r\nHost: g\r\n\r\n");
    feed_str(&h, TC, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                     "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    CHECK(h.n_events == 4 && ev_has(&h, 2, "\"url\":\"/3\"") && ev_has(&h, 3, "\"url\":\"/4\"") &&
          ev_has(&h, 3, "\"status\":201"));
    /* resync skipping is silent */
    CHECK(h.n_anomalies == 0);
    h_free(&h);
}

/* ------------------------------------------------------------------ */
/* 9. Garbage and odd peers. */

static void test_garbage(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    uint8_t junk[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(junk); i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (uint8_t)(x >> 16);
    }
    int rc = GL_APP_OK;
    for (int i = 0; i < 64 && rc == GL_APP_OK; i++)
        rc = h_feed(&h, TS, junk, sizeof(junk));
    /* ~1/256 of random bytes are LF: each junk line is REQUEST_LINE_INVALID and
     * after 16 of them the parser gives up with a protocol violation */
    CHECK(rc == GL_APP_ERROR);
    CHECK(count_anomaly(&h, "REQUEST_LINE_INVALID") == 1); /* once per junk run */
    CHECK(h_feed(&h, TC, junk, sizeof(junk)) == GL_APP_ERROR);
    h_end(&h);
    h_free(&h);

    /* capture started inside a response body: once a valid request was seen
     * the flow is HTTP, so 40 junk lines are lost sync (one anomaly), not a
     * reason to give up; the next status line is picked up */
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /1 HTTP/1.1\r\nHost: m\r\n\r\n");
    rc = GL_APP_OK;
    for (int i = 0; i < 40 && rc == GL_APP_OK; i++)
        rc = h_feed(&h, TC, "\x89PNG\x01\x02 junk\n", 12);
    CHECK(rc == GL_APP_OK);
    rc = h_feed(&h, TC, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38);
    CHECK(rc == GL_APP_OK);
    CHECK(count_anomaly(&h, "RESPONSE_INVALID_PROTOCOL") == 1 && h.n_anomalies == 1);
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"url\":\"/1\"") && ev_has(&h, 0, "\"status\":200"));
    h_free(&h);

    /* response with no request: logged, flagged */
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TC, "HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nx");
    CHECK(count_anomaly(&h, "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST") == 1);
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"status\":500") && !ev_has(&h, 0, "\"url\""));
    h_free(&h);

    /* invalid / duplicate Content-Length in requests (RFC 9112 6.3 item 5) */
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 12x\r\n\r\n"
                     "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"
                     "POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nab"
                     "GET /d HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(count_anomaly(&h, "INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST") == 1);
    CHECK(count_anomaly(&h, "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST") == 1);
    h_end(&h);
    /* "2, 2" is a valid list of identical values: 2 body bytes, then /d */
    CHECK(h.n_events == 4 && ev_has(&h, 3, "\"url\":\"/d\""));
    h_free(&h);

    /* HTTP/0.9: "GET /" without version; response has no status line */
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /old\r\n");
    feed_str(&h, TC, "<html>hi</html>\n");
    h_end(&h);
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"url\":\"/old\"") && ev_has(&h, 0, "\"length\":16") &&
          !ev_has(&h, 0, "protocol"));
    h_free(&h);
}

/* suricata-verify bug-3844: client sends "GET /" (no line end) and resets;
 * the server answered "<html>hi</html>". Suricata logs url "/". At flow end
 * the unterminated line is all there is: an HTTP/0.9 request, whose
 * response (no status line) is 15 body bytes. */
static void test_unterminated_at_end(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /");
    feed_str(&h, TC, "<html>hi</html>");
    CHECK(h.n_events == 0);
    h_end(&h);
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"url\":\"/\"") && ev_has(&h, 0, "\"length\":15"));
    h_free(&h);
    /* request cut inside its headers: what arrived is still logged */
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /cut HTTP/1.1\r\nHost: cut.example\r\nUser-Agent: a");
    h_end(&h);
    CHECK(h.n_events == 1 && ev_has(&h, 0, "\"hostname\":\"cut.example\"") &&
          ev_has(&h, 0, "\"http_user_agent\":\"a\""));
    h_free(&h);
}

/* Pipelined flood without responses: queue is bounded, nothing is lost
 * silently (the oldest are logged as they stand). */
static void test_pending_cap(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    for (int i = 0; i < 100; i++)
        feed_str(&h, TS, "GET /p HTTP/1.1\r\nHost: p\r\n\r\n");
    CHECK(h.n_events == 100 - 32);
    h_end(&h);
    CHECK(h.n_events == 100);
    h_free(&h);
}

/* suricata-verify http-all-headers: request_headers[0] is Host, order kept. */
static void test_header_arrays(void)
{
    harness h;
    h_init(&h, &gl_parser_http, 6);
    feed_str(&h, TS, "GET /download.html HTTP/1.1\r\nHost: www.ethereal.com\r\n"
                     "Accept: */*\r\n\r\n");
    feed_str(&h, TC, "HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 1\r\n\r\nA");
    CHECK(h.n_events == 1 &&
          ev_has(&h, 0, "\"request_headers\":[{\"name\":\"Host\",\"value\":\"www.ethereal.com\"},"
                        "{\"name\":\"Accept\",\"value\":\"*/*\"}]") &&
          ev_has(&h, 0, "\"response_headers\":[{\"name\":\"Date\",\"value\":\"x\"},"
                        "{\"name\":\"Content-Length\",\"value\":\"1\"}]"));
    h_free(&h);
}

static void test_probe(void)
{
    const gl_app_parser *p = &gl_parser_http;
    CHECK(p->probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, TS) == GL_PROBE_YES);
    CHECK(p->probe((const uint8_t *)"GE", 2, TS) == GL_PROBE_MORE);
    CHECK(p->probe((const uint8_t *)"PROPFIND /x", 11, TS) == GL_PROBE_YES);
    CHECK(p->probe((const uint8_t *)"GET", 3, TS) == GL_PROBE_MORE);
    CHECK(p->probe((const uint8_t *)"GETX / HTTP/1.1\r\n", 17, TS) == GL_PROBE_NO);
    CHECK(p->probe((const uint8_t *)"\x16\x03\x01\x02\x00", 5, TS) == GL_PROBE_NO);
    /* RTSP shares OPTIONS/GET... but its version token is RTSP/1.0 */
    CHECK(p->probe((const uint8_t *)"OPTIONS rtsp://a/ RTSP/1.0\r\n", 28, TS) == GL_PROBE_NO);
    CHECK(p->probe((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, TC) == GL_PROBE_YES);
    CHECK(p->probe((const uint8_t *)"HTTP/", 5, TC) == GL_PROBE_MORE);
    CHECK(p->probe((const uint8_t *)"RTSP/1.0 200 OK\r\n", 17, TC) == GL_PROBE_NO);
    CHECK(p->probe((const uint8_t *)"", 0, TS) == GL_PROBE_MORE);
    CHECK(p->ipprotos == GL_APP_TCP && strcmp(p->name, "http") == 0);
    bool has80 = false;
    for (const uint16_t *port = p->ports; *port; port++)
        has80 |= *port == 80;
    CHECK(has80);
}

int main(void)
{
    test_probe();
    test_pair_every_split();
    test_pipelined();
    test_chunked();
    test_te_cl_and_bad_chunk();
    test_no_body_responses();
    test_body_until_close();
    test_unanswered();
    test_folding_and_bare_lf();
    test_oversized();
    test_connect();
    test_gaps();
    test_garbage();
    test_unterminated_at_end();
    test_pending_cap();
    test_header_arrays();
    return h_report("test-http");
}
