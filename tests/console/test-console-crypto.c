/*
 * test-console-crypto.c — the console's primitives against published
 * vectors: TOTP (RFC 6238 appendix B, SHA-1 rows), scrypt (RFC 7914 §12),
 * base32 (RFC 4648 §10), strict UTF-8 (RFC 3629 examples), the password
 * rules and the stored hash format.
 */
#include "../check.h"
#include "console/console.h"

#include <stdlib.h>

static void test_totp_rfc6238(void)
{
    /* Appendix B: seed = ASCII "12345678901234567890", SHA-1, 8 digits */
    const uint8_t *key = (const uint8_t *)"12345678901234567890";
    static const struct {
        int64_t t;
        uint32_t code;
    } v[] = {
        { 59, 94287082 },         { 1111111109, 7081804 },  { 1111111111, 14050471 },
        { 1234567890, 89005924 }, { 2000000000, 69279037 }, { 20000000000LL, 65353130 },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        T_EQ_U(gl_con_totp(key, 20, v[i].t, 8), v[i].code);
    /* 6 digits = the last six of the 8-digit value (both are bin mod 10^d) */
    T_EQ_U(gl_con_totp(key, 20, 59, 6), 287082);
    /* same 30 s step, same code; next step differs */
    T_EQ_U(gl_con_totp(key, 20, 30, 8), gl_con_totp(key, 20, 59, 8));
    T_CHECK(gl_con_totp(key, 20, 60, 8) != gl_con_totp(key, 20, 59, 8));
}

static void test_scrypt_rfc7914(void)
{
    /* §12 second vector: P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64 */
    static const char want[] = "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                               "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
    uint8_t out[64];
    char hex[129];
    T_CHECK(gl_con_scrypt("password", 8, (const uint8_t *)"NaCl", 4, 1024, 8, 16, out, sizeof(out)));
    gl_con_hex(out, sizeof(out), hex);
    T_EQ_S(hex, want);
}

static void test_base32_rfc4648(void)
{
    /* §10: BASE32("foobar") = "MZXW6YTBOI======" (we omit padding) */
    char out[64];
    uint8_t back[16];
    T_EQ_U(gl_con_base32_encode((const uint8_t *)"foobar", 6, out, sizeof(out)), 10);
    T_EQ_S(out, "MZXW6YTBOI");
    gl_con_base32_encode((const uint8_t *)"f", 1, out, sizeof(out));
    T_EQ_S(out, "MY");
    T_EQ_U(gl_con_base32_decode("MZXW6YTBOI", back, sizeof(back)), 6);
    T_CHECK(memcmp(back, "foobar", 6) == 0);
    T_CHECK(gl_con_base32_decode("MZ1W", back, sizeof(back)) < 0); /* '1' is not in the alphabet */
    T_CHECK(gl_con_base32_decode("MZXW6YTBOIMZXW6YTBOIMZXW6YTBOI", back, 4) < 0); /* no overflow */
}

static void test_utf8(void)
{
    T_CHECK(gl_con_utf8_valid("abc", 3));
    T_CHECK(gl_con_utf8_valid("\xe8\xa7\x82\xe6\xbe\x9c", 6));       /* 观澜 */
    T_CHECK(gl_con_utf8_valid("\xf0\x9f\x98\x80", 4));               /* U+1F600 */
    T_CHECK(!gl_con_utf8_valid("\xc0\xaf", 2));                      /* overlong '/' */
    T_CHECK(!gl_con_utf8_valid("\xed\xa0\x80", 3));                  /* surrogate D800 */
    T_CHECK(!gl_con_utf8_valid("\xf4\x90\x80\x80", 4));              /* > U+10FFFF */
    T_CHECK(!gl_con_utf8_valid("\xe8\xa7", 2));                      /* truncated */
    T_CHECK(!gl_con_utf8_valid("a\0b", 3));                          /* NUL */
    T_CHECK(!gl_con_utf8_valid("\xff", 1));
}

static void test_passwords(void)
{
    T_CHECK(gl_con_password_problem("alice", "short1A!")[0] != 0);          /* < 12 */
    T_CHECK(gl_con_password_problem("alice", "alllowercaseletters")[0] != 0); /* one class */
    T_CHECK(gl_con_password_problem("alice", "xxAlice-2024-yy")[0] != 0);   /* contains the name */
    T_EQ_S(gl_con_password_problem("alice", "Correct-Horse-9"), "");
    char stored[256];
    T_CHECK(gl_con_password_hash("Correct-Horse-9", 10, stored, sizeof(stored)));
    T_CHECK(strncmp(stored, "scrypt$10$8$1$", 14) == 0);
    T_CHECK(gl_con_password_verify("Correct-Horse-9", stored));
    T_CHECK(!gl_con_password_verify("Correct-Horse-8", stored));
    char other[256];
    T_CHECK(gl_con_password_hash("Correct-Horse-9", 10, other, sizeof(other)));
    T_CHECK(strcmp(stored, other) != 0); /* random salt */
    T_CHECK(!gl_con_password_verify("x", "scrypt$99$8$1$00$00"));
    T_CHECK(!gl_con_password_verify("x", "plain"));
    T_CHECK(!gl_con_password_hash("x", 30, other, sizeof(other))); /* cost out of range */
}

int main(void)
{
    test_totp_rfc6238();
    test_scrypt_rfc7914();
    test_base32_rfc4648();
    test_utf8();
    test_passwords();
    return t_report("test-console-crypto");
}
