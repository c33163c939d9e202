/*
 * test-stream.c — TCP reassembly: in-order, out-of-order, retransmission,
 * overlap policy ("first"), gaps (by ACK, by bound, at finish), depth cap,
 * sequence wraparound, midstream pickup. Expected byte streams are written
 * out by hand from the segment layout in each case.
 */
#include "../check.h"
#include "stream/stream-tcp.h"
#include "decode/decode.h"

#include <stdlib.h>

typedef struct sink {
    char out[2][4096];
    size_t len[2];
    unsigned gaps[2];
    unsigned gap_bytes[2];
    bool refuse; /* on_data returns false */
} sink;

static bool on_data(void *user, int dir, const uint8_t *data, uint32_t len)
{
    sink *k = user;
    if (k->len[dir] + len < sizeof(k->out[dir])) {
        memcpy(k->out[dir] + k->len[dir], data, len);
        k->len[dir] += len;
        k->out[dir][k->len[dir]] = 0;
    }
    return !k->refuse;
}

static void on_gap(void *user, int dir, uint32_t len)
{
    sink *k = user;
    k->gaps[dir]++;
    k->gap_bytes[dir] += len;
    /* mark the hole in the output so tests can see where it was */
    if (k->len[dir] + 1 < sizeof(k->out[dir])) {
        k->out[dir][k->len[dir]++] = '|';
        k->out[dir][k->len[dir]] = 0;
    }
}

typedef struct fixture {
    gl_stream_ctx c;
    gl_tcp_stream s;
    sink k;
} fixture;

static void setup(fixture *f, const gl_stream_config *cfg)
{
    gl_stream_config def;
    gl_stream_config_default(&def);
    memset(f, 0, sizeof(*f));
    gl_stream_ctx_init(&f->c, cfg ? cfg : &def, on_data, on_gap);
}

static void seg(fixture *f, int dir, uint8_t flags, uint32_t seq, const char *data)
{
    gl_stream_segment(&f->c, &f->s, dir, flags, seq, 0, (const uint8_t *)data, (uint32_t)strlen(data), &f->k);
}

static void ack(fixture *f, int dir, uint32_t ackno)
{
    gl_stream_segment(&f->c, &f->s, dir, GL_TH_ACK, 0, ackno, NULL, 0, &f->k);
}

static void teardown(fixture *f)
{
    gl_stream_free(&f->c, &f->s);
    T_EQ_U(f->c.stats.mem_in_use, 0);
}

static void test_in_order(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 1000, "");         /* ISN 1000: data starts at 1001 */
    seg(&f, 0, GL_TH_ACK, 1001, "hello ");
    seg(&f, 0, GL_TH_ACK, 1007, "world");
    T_EQ_S(f.k.out[0], "hello world");
    T_EQ_U(f.c.stats.in_order, 2);
    teardown(&f);
}

static void test_out_of_order(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, GL_TH_ACK, 7, "world"); /* bytes 7..11 arrive first */
    T_EQ_U(f.k.len[0], 0);
    T_EQ_U(f.c.stats.ooo_queued, 1);
    seg(&f, 0, GL_TH_ACK, 1, "hello ");  /* 1..6 fills the hole */
    T_EQ_S(f.k.out[0], "hello world");
    T_EQ_U(f.c.stats.mem_in_use, 0);
    teardown(&f);
}

static void test_retransmission(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, GL_TH_ACK, 1, "abc");
    seg(&f, 0, GL_TH_ACK, 1, "abc");  /* exact duplicate */
    seg(&f, 0, GL_TH_ACK, 2, "b");    /* inside delivered range */
    seg(&f, 0, GL_TH_ACK, 4, "def");
    T_EQ_S(f.k.out[0], "abcdef");
    T_EQ_U(f.c.stats.retransmitted, 2);
    teardown(&f);
}

/* Overlaps: the copy seen first wins.
 * delivered "AAAAA" at 1..5; then "BBBBBBBBBB" at 3..12 → only 6..12 new. */
static void test_overlap_delivered(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, 0, 1, "AAAAA");
    seg(&f, 0, 0, 3, "BBBBBBBBBB");
    T_EQ_S(f.k.out[0], "AAAAABBBBBBB");
    teardown(&f);
}

/* queued "XXXXX" at 11..15 first; then in-order "YYYYYYYYYYYYYYY" at 1..15:
 * bytes 11..15 keep the queued X's. Expected: 10 Y then 5 X. */
static void test_overlap_queued_wins(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, 0, 11, "XXXXX");
    seg(&f, 0, 0, 1, "YYYYYYYYYYYYYYY");
    T_EQ_S(f.k.out[0], "YYYYYYYYYYXXXXX");
    teardown(&f);
}

/* two queued segments overlapping each other: "PPPP" at 11..14 first, then
 * "QQQQQQQQ" at 9..16 → queue holds Q@9..10, P@11..14, Q@15..16.
 * Then "SSSSSSSS" at 1..8 closes the hole: SSSSSSSS QQ PPPP QQ. */
static void test_overlap_between_queued(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, 0, 11, "PPPP");
    seg(&f, 0, 0, 9, "QQQQQQQQ");
    seg(&f, 0, 0, 1, "SSSSSSSS");
    T_EQ_S(f.k.out[0], "SSSSSSSSQQPPPPQQ");
    teardown(&f);
}

/* Data 1..3 delivered, 8..10 queued, the peer ACKs 11: bytes 4..7 were lost
 * before the capture point → gap of 4, then "hij". */
static void test_gap_on_ack(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, 0, 1, "abc");
    seg(&f, 0, 0, 8, "hij");
    T_EQ_S(f.k.out[0], "abc");
    ack(&f, 1, 11);
    T_EQ_S(f.k.out[0], "abc|hij");
    T_EQ_U(f.k.gaps[0], 1);
    T_EQ_U(f.k.gap_bytes[0], 4);
    teardown(&f);
}

static void test_gap_at_finish(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 1, GL_TH_SYN | GL_TH_ACK, 500, "");
    seg(&f, 1, 0, 501, "ab");
    seg(&f, 1, 0, 510, "zz"); /* 503..509 never arrive */
    gl_stream_finish(&f.c, &f.s, &f.k);
    T_EQ_S(f.k.out[1], "ab|zz");
    T_EQ_U(f.k.gap_bytes[1], 7);
    teardown(&f);
}

/* ooo_max of 8 bytes: queuing 6 + 6 does not fit, the hole is abandoned. */
static void test_ooo_bound(void)
{
    gl_stream_config cfg;
    gl_stream_config_default(&cfg);
    cfg.ooo_max = 8;
    fixture f;
    setup(&f, &cfg);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, 0, 11, "KKKKKK"); /* 11..16 queued */
    seg(&f, 0, 0, 21, "LLLLLL"); /* does not fit: gap 1..10, deliver K; then L fits the queue */
    T_EQ_S(f.k.out[0], "|KKKKKK");
    T_EQ_U(f.s.d[0].ooo_bytes, 6);
    gl_stream_finish(&f.c, &f.s, &f.k); /* the hole 17..20 is never filled */
    T_EQ_S(f.k.out[0], "|KKKKKK|LLLLLL");
    T_EQ_U(f.k.gap_bytes[0], 10 + 4);
    T_EQ_U(f.c.stats.memcap_drops, 1);
    teardown(&f);
}

static void test_depth(void)
{
    gl_stream_config cfg;
    gl_stream_config_default(&cfg);
    cfg.depth = 8;
    fixture f;
    setup(&f, &cfg);
    seg(&f, 0, GL_TH_SYN, 0, "");
    seg(&f, 0, 0, 1, "12345");
    seg(&f, 0, 0, 6, "67890");
    seg(&f, 0, 0, 11, "abc");
    T_EQ_S(f.k.out[0], "12345678");
    T_CHECK(f.s.d[0].stopped);
    T_EQ_U(f.c.stats.depth_reached, 1);
    teardown(&f);
}

/* ISN 0xFFFFFFFD: data bytes at 0xFFFFFFFE, 0xFFFFFFFF, 0, 1, ... */
static void test_wraparound(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 0xFFFFFFFDu, "");
    seg(&f, 0, 0, 0x00000001u, "CD");  /* after the wrap: out of order */
    seg(&f, 0, 0, 0xFFFFFFFEu, "AB\x01"); /* 0xFFFFFFFE, 0xFFFFFFFF, 0 */
    T_EQ_S(f.k.out[0], "AB\x01" "CD");
    teardown(&f);
}

static void test_midstream_and_refusal(void)
{
    fixture f;
    setup(&f, NULL);
    seg(&f, 1, GL_TH_ACK, 777777, "resp");
    T_EQ_S(f.k.out[1], "resp");
    f.k.refuse = true; /* consumer done: the direction stops */
    seg(&f, 1, GL_TH_ACK, 777781, "more");
    seg(&f, 1, GL_TH_ACK, 777785, "ignored");
    T_EQ_S(f.k.out[1], "respmore");
    T_CHECK(f.s.d[1].stopped);
    teardown(&f);

    gl_stream_config cfg;
    gl_stream_config_default(&cfg);
    cfg.midstream = false;
    setup(&f, &cfg);
    seg(&f, 0, GL_TH_ACK, 5, "nope");
    T_EQ_U(f.k.len[0], 0);
    teardown(&f);
}

/* Pseudo-random segmentation of a known stream, delivered shuffled with
 * duplicates: the output must equal the input exactly. */
static void test_shuffled_exact(void)
{
    char src[2000];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (char)('a' + (i * 7 + i / 13) % 26);
    struct { uint32_t off, len; } segs[400];
    int n = 0;
    uint32_t off = 0, rnd = 12345;
    while (off < sizeof(src) && n < 400) {
        rnd = rnd * 1103515245u + 12345u;
        uint32_t len = 1 + (rnd >> 16) % 40;
        if (off + len > sizeof(src))
            len = (uint32_t)sizeof(src) - off;
        segs[n].off = off;
        segs[n].len = len;
        off += len;
        n++;
    }
    fixture f;
    setup(&f, NULL);
    seg(&f, 0, GL_TH_SYN, 99, "");
    /* send in an order that swaps neighbours and repeats every 5th */
    for (int i = 0; i < n; i += 2) {
        int order[2] = { i + 1 < n ? i + 1 : i, i };
        for (int k = 0; k < (i + 1 < n ? 2 : 1); k++) {
            int j = order[k];
            gl_stream_segment(&f.c, &f.s, 0, 0, 100 + segs[j].off, 0, (const uint8_t *)src + segs[j].off,
                              segs[j].len, &f.k);
            if (j % 5 == 0)
                gl_stream_segment(&f.c, &f.s, 0, 0, 100 + segs[j].off, 0,
                                  (const uint8_t *)src + segs[j].off, segs[j].len, &f.k);
        }
    }
    T_EQ_U(f.k.len[0], sizeof(src));
    T_CHECK(memcmp(f.k.out[0], src, sizeof(src)) == 0);
    T_EQ_U(f.k.gaps[0], 0);
    teardown(&f);
}

int main(void)
{
    test_in_order();
    test_out_of_order();
    test_retransmission();
    test_overlap_delivered();
    test_overlap_queued_wins();
    test_overlap_between_queued();
    test_gap_on_ack();
    test_gap_at_finish();
    test_ooo_bound();
    test_depth();
    test_wraparound();
    test_midstream_and_refusal();
    test_shuffled_exact();
    return t_report("test-stream");
}
