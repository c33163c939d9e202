/*
 * enc-cert.c — sub-model 2, certificate metadata: self-signed or
 * issuer==subject leaves, chain length, validity length and whether the
 * session falls inside it, SNI vs SAN/CN, key size, placeholder subjects
 * and tiny serial numbers. Only TLS ≤ 1.2 shows the certificate in the
 * clear; for TLS 1.3 this model has nothing to say (score 0), and the
 * fusion has learned that absence is not evidence.
 */
#include "enc-submodels.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* RFC 6125 §6.4.3: '*' only as the whole leftmost label, matching one label. */
bool enc_name_matches(const char *pattern, const char *name)
{
    if (!pattern || !name)
        return false;
    size_t pl = strlen(pattern), nl = strlen(name);
    while (nl && name[nl - 1] == '.')
        nl--;
    if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = memchr(name, '.', nl);
        if (!dot || dot == name)
            return false;
        size_t rest = nl - (size_t)(dot - name);
        return rest == pl - 1 && strncasecmp(dot, pattern + 1, rest) == 0;
    }
    return pl == nl && strncasecmp(pattern, name, nl) == 0;
}

/* Value of "CN=" in an OpenSSL one-line DN ("C=US, O=x, CN=host"), into buf. */
static bool dn_cn(const char *dn, char *buf, size_t buflen)
{
    if (!dn)
        return false;
    const char *p = dn;
    const char *hit = NULL;
    while ((p = strstr(p, "CN=")) != NULL) {
        if (p == dn || p[-1] == ' ' || p[-1] == ',')
            hit = p + 3; /* the last CN is the most specific */
        p += 3;
    }
    if (!hit)
        return false;
    size_t n = strcspn(hit, ",");
    if (n >= buflen)
        n = buflen - 1;
    memcpy(buf, hit, n);
    buf[n] = 0;
    return n > 0;
}

static bool placeholder_subject(const char *dn)
{
    static const char *const marks[] = { "Internet Widgits Pty Ltd", "Default Company Ltd", "CN=localhost",
                                         "Some-State", "O=Acme Co", "CN=example.com", NULL };
    if (!dn || !dn[0])
        return true;
    for (int i = 0; marks[i]; i++)
        if (strstr(dn, marks[i]))
            return true;
    return false;
}

static void eval_names(const gl_tls_facts *fx, enc_result *out)
{
    const tls_cert_info *c = fx->cert;
    char cn[256];
    bool has_cn = dn_cn(c->subject, cn, sizeof(cn));
    if (c->n_san == 0)
        enc_result_add(out, "no_san", ENC_STAGE_HANDSHAKE, 0.2);
    if (has_cn) {
        size_t n = strcspn(cn, ".");
        if (enc_label_random(cn, n))
            enc_result_add(out, "random_subject_cn", ENC_STAGE_HANDSHAKE, 0.4);
    }
    const tls_client_hello *ch = fx->ch;
    if (!ch || !ch->has_sni || ch->sni_len == 0)
        return;
    bool match = false;
    for (uint32_t i = 0; i < c->n_san && !match; i++)
        match = enc_name_matches(c->san[i], ch->sni);
    if (!match && c->n_san == 0 && has_cn)
        match = enc_name_matches(cn, ch->sni);
    if (!match)
        enc_result_add(out, "sni_cert_mismatch", ENC_STAGE_HANDSHAKE, 0.55);
}

static void eval_validity(const tls_cert_info *c, int64_t now, enc_result *out)
{
    int64_t nb, na;
    if (!enc_parse_utc(c->notbefore, &nb) || !enc_parse_utc(c->notafter, &na)) {
        enc_result_add(out, "bad_validity", ENC_STAGE_HANDSHAKE, 0.4);
        return;
    }
    int64_t days = (na - nb) / 86400;
    if (na < nb)
        enc_result_add(out, "bad_validity", ENC_STAGE_HANDSHAKE, 0.6);
    else if (days < 14)
        enc_result_add(out, "short_lived_cert", ENC_STAGE_HANDSHAKE, 0.45);
    else if (days > 825)
        enc_result_add(out, "long_validity", ENC_STAGE_HANDSHAKE, 0.35);
    if (now > 0 && now > na)
        enc_result_add(out, "expired_cert", ENC_STAGE_HANDSHAKE, 0.65);
    else if (now > 0 && now < nb)
        enc_result_add(out, "cert_not_yet_valid", ENC_STAGE_HANDSHAKE, 0.65);
}

static void eval_key(const gl_tls_facts *fx, enc_result *out)
{
    int bits = fx->cert_key_bits;
    const char *alg = fx->cert_key_alg;
    if (bits <= 0)
        return;
    if ((strcmp(alg, "rsa") == 0 || strcmp(alg, "dsa") == 0) && bits < 2048)
        enc_result_add(out, "weak_key", ENC_STAGE_HANDSHAKE, 0.6);
    else if (strcmp(alg, "ec") == 0 && bits < 256)
        enc_result_add(out, "weak_key", ENC_STAGE_HANDSHAKE, 0.5);
    else if (strcmp(alg, "rsa") == 0 && bits != 2048 && bits != 3072 && bits != 4096)
        enc_result_add(out, "unusual_key_size", ENC_STAGE_HANDSHAKE, 0.3);
}

void enc_cert_eval(const gl_tls_facts *fx, int64_t now_sec, enc_result *out)
{
    memset(out, 0, sizeof(*out));
    if (fx->cert_seen && !fx->cert) {
        enc_result_add(out, "undecodable_cert", ENC_STAGE_HANDSHAKE, 0.5);
    } else if (fx->cert) {
        const tls_cert_info *c = fx->cert;
        bool same = c->subject && c->issuer && strcmp(c->subject, c->issuer) == 0;
        if (same && fx->chain_len <= 1)
            enc_result_add(out, "self_signed", ENC_STAGE_HANDSHAKE, 0.75);
        else if (same)
            enc_result_add(out, "issuer_is_subject", ENC_STAGE_HANDSHAKE, 0.4);
        else if (fx->chain_len == 1)
            enc_result_add(out, "incomplete_chain", ENC_STAGE_HANDSHAKE, 0.15);
        if (placeholder_subject(c->subject) || placeholder_subject(c->issuer))
            enc_result_add(out, "placeholder_subject", ENC_STAGE_HANDSHAKE, 0.55);
        /* serial "01" or "00:8F": hand-made certificates; CAs use >= 64 random bits */
        if (c->serial && strlen(c->serial) <= 5)
            enc_result_add(out, "tiny_serial", ENC_STAGE_HANDSHAKE, 0.35);
        eval_validity(c, now_sec, out);
        eval_names(fx, out);
        eval_key(fx, out);
    }
    enc_result_noisy_or(out);
}
