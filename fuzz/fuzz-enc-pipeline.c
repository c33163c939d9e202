/*
 * fuzz-enc-pipeline.c — libFuzzer target for a whole worker WITH the
 * encrypted-traffic detector on (shipped models from ./models, threshold 0
 * so every scored TLS session writes an alert): TLS facts, RDFP, all
 * sub-models, fusion and the alert writer on hostile traffic. Same input
 * format and invariants as fuzz-pipeline.c (every EVE line, alerts
 * included, must be one JSON object), whose seeds it shares; plus seeds cut
 * from gl-tlsgen traffic in fuzz/seeds/enc-pipeline/.
 *
 * Input: a 2-byte header, then records
 *   header: b0 options (bit0 community_id, bit1 ethernet, bit2 call
 *           gl_worker_tick between records, bit3 midstream off),
 *           b1 small-memcap selector
 *   record: linktype index (1 byte, modulo the table below),
 *           frame length (2 bytes BE), time delta in ms (2 bytes BE,
 *           signed: capture clocks may step back), frame bytes
 * Seeds (fuzz/seeds/pipeline/) are sessions cut from gl-gen's sample pcap by
 * fuzz/seeds/pipeline/pcap2seed.py.
 */
#define FUZZ_PIPELINE_WITH_MODELS 1
#include "fuzz-pipeline.c"
