/*
 * enc-handshake.c — sub-model 1, the handshake spatio-temporal model: what
 * the client offered and the server chose (versions, ciphers, extensions,
 * compression, SNI form), the order and timing of handshake messages, and
 * the number of round trips. Each deviation from how mainstream TLS stacks
 * behave is a finding with a confidence; the score is their noisy-OR.
 * The confidences are priors set by hand (documented in
 * docs/encrypted-detection.md); the trained fusion decides how much the
 * whole sub-model counts.
 */
#include "enc-submodels.h"

#include <string.h>

/* NULL, anonymous, EXPORT, RC4, single DES and 3DES suites (IANA registry). */
bool enc_cipher_weak(uint16_t cs)
{
    static const uint16_t weak[] = {
        0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0009, 0x000a, 0x000b, 0x000c,
        0x000d, 0x000e, 0x000f, 0x0010, 0x0011, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0017, 0x0018,
        0x0019, 0x001a, 0x001b, 0x002c, 0x002d, 0x002e, 0x0034, 0x003a, 0x003b, 0x006c, 0x006d, 0x0064,
        0x0062, 0x0063, 0x0065, 0x0066, 0xc001, 0xc002, 0xc003, 0xc006, 0xc007, 0xc008, 0xc00b, 0xc00c,
        0xc00d, 0xc010, 0xc011, 0xc012, 0xc015, 0xc016, 0xc017, 0xc018, 0xc019,
    };
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
        if (weak[i] == cs)
            return true;
    return false;
}

static bool std_tls_port(uint16_t p)
{
    static const uint16_t ports[] = { 443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443, 5223, 0 };
    for (int i = 0; ports[i]; i++)
        if (ports[i] == p)
            return true;
    return false;
}

static uint16_t offered_max_version(const tls_client_hello *ch)
{
    uint16_t v = ch->version;
    for (uint32_t i = 0; i < ch->n_versions; i++)
        if (!tls_is_grease(ch->versions[i]) && ch->versions[i] > v && ch->versions[i] <= 0x0304)
            v = ch->versions[i];
    return v;
}

static bool is_ip_literal(const char *s, size_t n)
{
    bool colon = false, dots = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ':')
            colon = true;
        else if (c == '.')
            dots = true;
        else if (!((c >= '0' && c <= '9') || (colon && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))))
            return false;
    }
    return colon || dots;
}

/* SNI form: IP literal, punycode, random-looking labels. */
static void eval_sni(const tls_client_hello *ch, enc_result *out)
{
    if (!ch->has_sni || ch->sni_len == 0) {
        enc_result_add(out, "no_sni", ENC_STAGE_HANDSHAKE, 0.25);
        return;
    }
    const char *s = ch->sni;
    size_t n = ch->sni_len;
    if (is_ip_literal(s, n)) {
        enc_result_add(out, "sni_ip_literal", ENC_STAGE_HANDSHAKE, 0.5);
        return;
    }
    /* judge every label but the last (the TLD) */
    size_t start = 0, last_dot = n;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '.') {
            last_dot = i - 1;
            break;
        }
    bool puny = false, random = false;
    for (size_t i = 0; i <= last_dot && i <= n; i++) {
        if (i == last_dot || s[i] == '.') {
            size_t len = i - start;
            if (len >= 4 && strncmp(s + start, "xn--", 4) == 0)
                puny = true;
            else if (enc_label_random(s + start, len))
                random = true;
            start = i + 1;
        }
    }
    if (random)
        enc_result_add(out, "sni_random_label", ENC_STAGE_HANDSHAKE, 0.5);
    if (puny)
        enc_result_add(out, "sni_punycode", ENC_STAGE_HANDSHAKE, 0.2);
}

static void eval_client_offer(const tls_client_hello *ch, enc_result *out)
{
    uint32_t nc = 0, weak = 0, ne = 0;
    bool heartbeat = false;
    for (uint32_t i = 0; i < ch->n_ciphers; i++)
        if (!tls_is_grease(ch->ciphers[i])) {
            nc++;
            weak += enc_cipher_weak(ch->ciphers[i]);
        }
    for (uint32_t i = 0; i < ch->n_exts; i++)
        if (!tls_is_grease(ch->exts[i])) {
            ne++;
            heartbeat |= ch->exts[i] == 15;
        }
    uint16_t maxv = offered_max_version(ch);
    if (ch->sslv2 || maxv < 0x0301)
        enc_result_add(out, "offers_ssl", ENC_STAGE_HANDSHAKE, 0.7);
    else if (maxv < 0x0303)
        enc_result_add(out, "offers_only_old_tls", ENC_STAGE_HANDSHAKE, 0.45);
    if (nc > 0 && nc <= 4)
        enc_result_add(out, "few_ciphers", ENC_STAGE_HANDSHAKE, 0.3);
    if (nc > 0 && weak * 2 > nc)
        enc_result_add(out, "mostly_weak_ciphers", ENC_STAGE_HANDSHAKE, 0.5);
    if (!ch->sslv2 && ne <= 3)
        enc_result_add(out, "few_extensions", ENC_STAGE_HANDSHAKE, 0.35);
    if (!ch->sslv2 && maxv >= 0x0303 && !ch->has_alpn)
        enc_result_add(out, "no_alpn", ENC_STAGE_HANDSHAKE, 0.1);
    for (uint32_t i = 0; i < ch->n_compression; i++)
        if (ch->compression[i] != 0) {
            enc_result_add(out, "compression_offered", ENC_STAGE_HANDSHAKE, 0.4);
            break;
        }
    if (heartbeat)
        enc_result_add(out, "heartbeat_ext", ENC_STAGE_HANDSHAKE, 0.25);
    if (ch->truncated)
        enc_result_add(out, "oversized_hello", ENC_STAGE_HANDSHAKE, 0.5);
    eval_sni(ch, out);
}

static void eval_server_choice(const tls_client_hello *ch, const tls_server_hello *sh, enc_result *out)
{
    uint16_t v = sh->selected_version ? sh->selected_version : sh->version;
    if (v < 0x0301)
        enc_result_add(out, "ssl_negotiated", ENC_STAGE_HANDSHAKE, 0.8);
    else if (v < 0x0303)
        enc_result_add(out, "obsolete_tls_negotiated", ENC_STAGE_HANDSHAKE, 0.5);
    if (ch && v < 0x0303 && offered_max_version(ch) >= 0x0303)
        enc_result_add(out, "version_downgrade", ENC_STAGE_HANDSHAKE, 0.5);
    if (enc_cipher_weak(sh->cipher))
        enc_result_add(out, "weak_cipher_chosen", ENC_STAGE_HANDSHAKE, 0.7);
    if (sh->compression != 0)
        enc_result_add(out, "compression_chosen", ENC_STAGE_HANDSHAKE, 0.5);
    if (ch) { /* a server must pick what the client offered (RFC 8446 §4.1.3) */
        bool offered = false;
        for (uint32_t i = 0; i < ch->n_ciphers && !offered; i++)
            offered = ch->ciphers[i] == sh->cipher;
        if (!offered && !ch->truncated && !ch->sslv2)
            enc_result_add(out, "cipher_not_offered", ENC_STAGE_HANDSHAKE, 0.6);
    }
}

/* Order and timing: server messages before its ServerHello, repeated
 * hellos, many direction changes before encryption, very slow answers. */
static void eval_timeline(const gl_tls_facts *fx, enc_result *out)
{
    bool sh_seen = false, bad_order = false;
    int ch_count = 0, switches = 0;
    uint64_t t_ch = 0, t_sh = 0;
    for (int i = 0; i < fx->n_timeline; i++) {
        const gl_tls_tl_entry *e = &fx->timeline[i];
        if (i > 0 && e->dir != fx->timeline[i - 1].dir)
            switches++;
        if (e->type == TLS_HS_CLIENT_HELLO && e->dir == 0) {
            ch_count++;
            if (!t_ch)
                t_ch = e->ts_usec;
        } else if (e->type == TLS_HS_SERVER_HELLO && e->dir == 1) {
            sh_seen = true;
            if (!t_sh)
                t_sh = e->ts_usec;
        } else if (e->dir == 1 && !sh_seen && e->type != GL_TLS_TL_CCS && e->type != GL_TLS_TL_APPDATA) {
            bad_order = true;
        }
    }
    if (bad_order)
        enc_result_add(out, "handshake_out_of_order", ENC_STAGE_HANDSHAKE, 0.6);
    if (ch_count > 1 && !fx->hello_retry)
        enc_result_add(out, "repeated_client_hello", ENC_STAGE_HANDSHAKE, 0.5);
    if (switches > 5)
        enc_result_add(out, "extra_round_trips", ENC_STAGE_HANDSHAKE, 0.3);
    if (t_ch && t_sh > t_ch && t_sh - t_ch > 3000000)
        enc_result_add(out, "slow_server_hello", ENC_STAGE_HANDSHAKE, 0.2);
}

void enc_handshake_eval(const gl_tls_facts *fx, uint16_t server_port, enc_result *out)
{
    memset(out, 0, sizeof(*out));
    if (!std_tls_port(server_port))
        enc_result_add(out, "nonstandard_port", ENC_STAGE_TCP, 0.2);
    if (fx->ch)
        eval_client_offer(fx->ch, out);
    if (fx->sh)
        eval_server_choice(fx->ch, fx->sh, out);
    else if (fx->ch && !fx->sslv2)
        enc_result_add(out, "no_server_hello", ENC_STAGE_HANDSHAKE, 0.2);
    if (fx->anomalies)
        enc_result_add(out, "parser_anomaly", ENC_STAGE_HANDSHAKE, 0.5);
    if (fx->record_version[0] && fx->record_version[0] > 0x0303)
        enc_result_add(out, "odd_record_version", ENC_STAGE_HANDSHAKE, 0.4);
    eval_timeline(fx, out);
    enc_result_noisy_or(out);
}
