/*
 * enc-common.c — helpers shared by the encrypted-traffic sub-models:
 * finding lists, noisy-OR scoring, label randomness, certificate times.
 */
#include "enc-common.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void enc_result_add(enc_result *r, const char *name, enc_stage stage, double conf)
{
    conf = enc_clamp01(conf);
    if (conf <= 0)
        return;
    int slot = r->n;
    if (r->n >= ENC_MAX_FINDINGS) {
        /* full: keep the strongest evidence */
        slot = 0;
        for (int i = 1; i < r->n; i++)
            if (r->f[i].conf < r->f[slot].conf)
                slot = i;
        if (r->f[slot].conf >= conf)
            return;
    } else {
        r->n++;
    }
    r->f[slot].name = name;
    r->f[slot].stage = (uint8_t)stage;
    r->f[slot].conf = (float)conf;
}

double enc_result_noisy_or(enc_result *r)
{
    double keep = 1.0;
    for (int i = 0; i < r->n; i++)
        keep *= 1.0 - r->f[i].conf;
    r->score = enc_clamp01(1.0 - keep);
    return r->score;
}

const char *enc_submodel_name(int sm)
{
    static const char *const names[ENC_SM_N] = { "handshake", "cert", "sequence", "background" };
    return sm >= 0 && sm < ENC_SM_N ? names[sm] : "?";
}

const char *enc_stage_name(int stage)
{
    static const char *const names[] = { "tcp", "handshake", "appdata" };
    return stage >= 0 && stage <= 2 ? names[stage] : "?";
}

double enc_entropy(const char *s, size_t n)
{
    unsigned cnt[256] = { 0 };
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        cnt[(unsigned char)s[i]]++;
    double h = 0;
    for (int c = 0; c < 256; c++)
        if (cnt[c]) {
            double p = (double)cnt[c] / (double)n;
            h -= p * log2(p);
        }
    return h;
}

static bool is_vowel(int c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* Heuristics, each one a property natural-language labels rarely have:
 * long runs of consonants, letters and digits interleaved, or near-maximal
 * character entropy for the label's length. */
bool enc_label_random(const char *label, size_t n)
{
    if (n < 8)
        return false;
    if (n >= 4 && strncmp(label, "xn--", 4) == 0)
        return false; /* punycode is judged separately */
    int run = 0, maxrun = 0, digits = 0, letters = 0, switches = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)label[i]);
        int cls = isdigit(c) ? 1 : isalpha(c) ? 2 : 3;
        if (cls == 1)
            digits++;
        if (cls == 2)
            letters++;
        if (prev && cls != prev && cls != 3 && prev != 3)
            switches++;
        prev = cls;
        if (cls == 2 && !is_vowel(c)) {
            if (++run > maxrun)
                maxrun = run;
        } else {
            run = 0;
        }
    }
    if (maxrun >= 5)
        return true;
    if (digits >= 2 && letters >= 2 && switches >= 4)
        return true;
    /* a random string over [a-z0-9] of length n has entropy close to log2(n)
     * for small n; English words fall well below */
    double h = enc_entropy(label, n);
    double hmax = log2((double)(n < 36 ? n : 36));
    return n >= 12 && h >= 0.9 * hmax;
}

bool enc_parse_utc(const char *s, int64_t *out)
{
    int Y, M, D, h, m, sec;
    char tail;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &Y, &M, &D, &h, &m, &sec, &tail) != 6)
        return false;
    if (Y < 1950 || Y > 9999 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return false;
    struct tm tm = { 0 };
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm);
    return true;
}
