/*
 * enc-submodels.h — the rule-based sub-models of encrypted-traffic
 * detection (handshake, certificate) and the session-behaviour heuristics
 * that accompany the sequence network. Each fills an enc_result: findings
 * with confidences, then a noisy-OR score.
 */
#ifndef GL_ENC_SUBMODELS_H
#define GL_ENC_SUBMODELS_H

#include "../proto/tls-facts.h"
#include "enc-common.h"

/* Sub-model 1: handshake spatio-temporal model (timeline, versions, ciphers,
 * extensions, SNI form). */
void enc_handshake_eval(const gl_tls_facts *fx, uint16_t server_port, enc_result *out);

/* Cipher suite classes used by the handshake model (exported for tests). */
bool enc_cipher_weak(uint16_t cs);

/* Sub-model 2: certificate metadata. now_sec: session time (seconds). */
void enc_cert_eval(const gl_tls_facts *fx, int64_t now_sec, enc_result *out);

/* true when name matches pattern (RFC 6125 wildcard in the leftmost label). */
bool enc_name_matches(const char *pattern, const char *name);

/* Sub-model 3's companion heuristics over the session as a whole: upload
 * ratio, in-session heartbeat periodicity, long low-volume channels.
 * nn: the sequence network's probability, or < 0 when no network is loaded.
 * Findings go to out; out->score is nn when a network is loaded, else the
 * heuristics' noisy-OR; returns the heuristic score alone. */
double enc_session_eval(const gl_seq *s, double nn, uint64_t bytes_up, uint64_t bytes_down,
                        uint64_t duration_us, enc_result *out);

/* RITA-style beacon score in [0,1] of inter-arrival times (any unit):
 * symmetric (Bowley skew) and tightly clustered (median absolute deviation
 * relative to the median) series score high; jitter of ±20 % still scores
 * ~0.8; random (exponential) arrivals score low. Needs n >= 4 intervals,
 * otherwise 0. */
double enc_beacon_score(const double *intervals, int n);

#endif
