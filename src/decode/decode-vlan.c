/*
 * decode-vlan.c — 802.1Q / 802.1ad (QinQ) tags. Tags are walked in a loop
 * rather than by recursion; the first GL_MAX_VLAN ids are recorded (outer
 * first), deeper stacks raise decoder.vlan.too_many_layers but decoding of
 * the payload goes on so the IP layer is still seen.
 */
#include "decode-internal.h"

#define VLAN_TAG_LEN 4
/* tags walked before giving up: a frame of nothing but tags must not make
 * us look for an IP layer forever (it cannot, lengths shrink, but this keeps
 * the work per frame small) */
#define VLAN_MAX_WALK 8

static bool is_vlan(uint16_t type) { return type == 0x8100 || type == 0x88A8 || type == 0x9100; }

void gl_decode_vlan(gl_decoder *d, gl_packet *p, uint16_t type, const uint8_t *data, uint32_t len)
{
    int walked = 0;
    while (is_vlan(type)) {
        if (len < VLAN_TAG_LEN) {
            gl_dec_event(p, GL_EV_VLAN_HEADER_TOO_SMALL);
            return;
        }
        if (walked++ == VLAN_MAX_WALK) {
            gl_dec_event(p, GL_EV_VLAN_TOO_MANY_LAYERS);
            return;
        }
        uint16_t vid = gl_be16(data) & 0x0fff;
        if (p->vlan_count < GL_MAX_VLAN)
            p->vlan[p->vlan_count++] = vid;
        else
            gl_dec_event(p, GL_EV_VLAN_TOO_MANY_LAYERS);
        type = gl_be16(data + 2);
        data += VLAN_TAG_LEN;
        len -= VLAN_TAG_LEN;
    }
    gl_decode_ethertype(d, p, type, data, len);
}
