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

typedef struct feat {
    const char *name;
    int sm;
} feat;

static const feat features[] = {
    { "nonstandard_port", ENC_SM_HANDSHAKE }, { "offers_ssl", ENC_SM_HANDSHAKE },
    { "offers_only_old_tls", ENC_SM_HANDSHAKE }, { "few_ciphers", ENC_SM_HANDSHAKE },
    { "mostly_weak_ciphers", ENC_SM_HANDSHAKE }, { "few_extensions", ENC_SM_HANDSHAKE },
    { "no_alpn", ENC_SM_HANDSHAKE }, { "compression_offered", ENC_SM_HANDSHAKE },
    { "heartbeat_ext", ENC_SM_HANDSHAKE }, { "oversized_hello", ENC_SM_HANDSHAKE },
    { "no_sni", ENC_SM_HANDSHAKE }, { "sni_ip_literal", ENC_SM_HANDSHAKE },
    { "sni_random_label", ENC_SM_HANDSHAKE }, { "sni_punycode", ENC_SM_HANDSHAKE },
    { "ssl_negotiated", ENC_SM_HANDSHAKE }, { "obsolete_tls_negotiated", ENC_SM_HANDSHAKE },
    { "version_downgrade", ENC_SM_HANDSHAKE }, { "weak_cipher_chosen", ENC_SM_HANDSHAKE },
    { "compression_chosen", ENC_SM_HANDSHAKE }, { "cipher_not_offered", ENC_SM_HANDSHAKE },
    { "no_server_hello", ENC_SM_HANDSHAKE }, { "parser_anomaly", ENC_SM_HANDSHAKE },
    { "odd_record_version", ENC_SM_HANDSHAKE }, { "handshake_out_of_order", ENC_SM_HANDSHAKE },
    { "repeated_client_hello", ENC_SM_HANDSHAKE }, { "extra_round_trips", ENC_SM_HANDSHAKE },
    { "slow_server_hello", ENC_SM_HANDSHAKE },
    { "undecodable_cert", ENC_SM_CERT }, { "self_signed", ENC_SM_CERT }, { "issuer_is_subject", ENC_SM_CERT },
    { "incomplete_chain", ENC_SM_CERT }, { "placeholder_subject", ENC_SM_CERT }, { "tiny_serial", ENC_SM_CERT },
    { "bad_validity", ENC_SM_CERT }, { "short_lived_cert", ENC_SM_CERT }, { "long_validity", ENC_SM_CERT },
    { "expired_cert", ENC_SM_CERT }, { "cert_not_yet_valid", ENC_SM_CERT }, { "no_san", ENC_SM_CERT },
    { "random_subject_cn", ENC_SM_CERT }, { "sni_cert_mismatch", ENC_SM_CERT }, { "weak_key", ENC_SM_CERT },
    { "unusual_key_size", ENC_SM_CERT },
    { "upload_heavy", ENC_SM_SEQ }, { "heartbeat", ENC_SM_SEQ }, { "long_low_volume", ENC_SM_SEQ },
    { "beacon", ENC_SM_BACKGROUND }, { "rare_fingerprint", ENC_SM_BACKGROUND },
    { "new_destination", ENC_SM_BACKGROUND }, { "fan_out", ENC_SM_BACKGROUND },
    { "intel_ja3", ENC_SM_BACKGROUND }, { "intel_ja3s", ENC_SM_BACKGROUND }, { "intel_ja4", ENC_SM_BACKGROUND },
    { "intel_rdfp", ENC_SM_BACKGROUND }, { "intel_cert_sha1", ENC_SM_BACKGROUND },
    { "intel_domain", ENC_SM_BACKGROUND }, { "intel_ip", ENC_SM_BACKGROUND },
};

int enc_feature_count(void)
{
    return (int)(sizeof(features) / sizeof(features[0]));
}

int enc_feature_id(const char *name)
{
    for (int i = 0; i < enc_feature_count(); i++)
        if (strcmp(features[i].name, name) == 0)
            return i;
    return -1;
}

const char *enc_feature_name(int id)
{
    return id >= 0 && id < enc_feature_count() ? features[id].name : "?";
}

int enc_feature_submodel(int id)
{
    return id >= 0 && id < enc_feature_count() ? features[id].sm : 0;
}

bool enc_feature_fixed(int id)
{
    return strncmp(enc_feature_name(id), "intel_", 6) == 0;
}

void enc_inputs_add(enc_inputs *in, const enc_result *r)
{
    for (int i = 0; i < r->n && in->n < ENC_MAX_INPUTS; i++) {
        int id = enc_feature_id(r->f[i].name);
        if (id < 0)
            continue;
        in->id[in->n] = (uint8_t)id;
        in->conf[in->n] = r->f[i].conf;
        in->n++;
    }
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
