/*
 * decode.c — placeholder entry point, being written (see issue 2).
 */
#include "decode.h"
#include <stdlib.h>

struct gl_decoder { gl_defrag_stats stats; };

void gl_defrag_config_default(gl_defrag_config *cfg) { memset(cfg, 0, sizeof(*cfg)); }
gl_decoder *gl_decoder_new(const gl_defrag_config *cfg) { (void)cfg; return calloc(1, sizeof(gl_decoder)); }
void gl_decoder_free(gl_decoder *d) { free(d); }
const gl_defrag_stats *gl_decoder_defrag_stats(const gl_decoder *d) { return &d->stats; }
const char *gl_decode_event_name(gl_decode_event ev) { (void)ev; return "decoder.unknown"; }
bool gl_decode(gl_decoder *d, gl_packet *p, int linktype, const uint8_t *data, uint32_t caplen,
               uint32_t wirelen, uint64_t ts_usec)
{
    (void)d; memset(p, 0, sizeof(*p)); p->linktype = linktype; p->data = data; p->caplen = caplen;
    p->wirelen = wirelen; p->ts_usec = ts_usec; return false;
}
uint32_t gl_decode_affinity_hash(int linktype, const uint8_t *data, uint32_t caplen)
{
    (void)linktype; (void)data; (void)caplen; return 0;
}
