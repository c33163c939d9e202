/*
 * enc-session.c — the session-behaviour side of sub-model 3: besides the
 * sequence network (enc-seqmodel.c), a few whole-session facts that a
 * 32-packet window cannot see — upload-heavy transfers (exfiltration),
 * heartbeat periodicity of the client's packets, long low-volume channels.
 */
#include "enc-submodels.h"

#include <string.h>

#define HEARTBEAT_MIN_GAP_US 500000 /* below this, periodicity is just TCP pacing */

static double heartbeat_score(const gl_seq *s)
{
    double iv[GL_SEQ_LEN];
    int n = 0;
    uint64_t t = 0, last_client = 0;
    bool have = false;
    for (int i = 0; i < s->n && i < GL_SEQ_LEN; i++) {
        t += s->p[i].gap_us;
        if (s->p[i].dir != 0)
            continue;
        if (have)
            iv[n++] = (double)(t - last_client);
        last_client = t;
        have = true;
    }
    if (n < 5)
        return 0;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += iv[i];
    if (sum / n < HEARTBEAT_MIN_GAP_US)
        return 0;
    return enc_beacon_score(iv, n);
}

double enc_session_eval(const gl_seq *s, double nn, uint64_t bytes_up, uint64_t bytes_down,
                        uint64_t duration_us, enc_result *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t total = bytes_up + bytes_down;
    if (bytes_up >= 65536 && total > 0) {
        double ratio = (double)bytes_up / (double)total;
        if (ratio >= 0.75)
            enc_result_add(out, "upload_heavy", ENC_STAGE_APPDATA, 0.4 + (ratio - 0.75) * 2.0);
    }
    double hb = heartbeat_score(s);
    if (hb >= 0.5)
        enc_result_add(out, "heartbeat", ENC_STAGE_APPDATA, 0.8 * hb);
    if (duration_us >= 300000000ull && total * 1000000ull / duration_us < 200)
        enc_result_add(out, "long_low_volume", ENC_STAGE_TCP, 0.3);
    double heur = enc_result_noisy_or(out);
    if (nn >= 0.5)
        enc_result_add(out, "sequence_model", ENC_STAGE_APPDATA, nn);
    /* with a network loaded its probability is the sub-model's score: it
     * sees the same packets and learned what the heuristics only guess
     * (benign uploads and push keep-alives look like exfiltration and
     * heartbeats to them); the heuristics remain as explanation and as
     * the score when no network is available */
    out->score = nn >= 0 ? enc_clamp01(nn) : heur;
    return heur;
}
