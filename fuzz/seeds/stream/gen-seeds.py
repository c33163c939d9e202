#!/usr/bin/env python3
"""Writes the seed inputs of fuzz-stream (see fuzz/fuzz-stream.c for the layout).

Each seed is a header (ooo_max unit, memcap unit, depth unit, options, base
seed) followed by 6-byte segment records: b0 = dir | stream<<1 | op<<2,
b1 = TCP flags, b2-b3 = seq offset, b4 = length, b5 = ack offset / 16.
"""
import os
import struct

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def hdr(ooo=64, mem=64, depth=0, opts=1, base=0x0102):
    return bytes([ooo, mem, depth, opts]) + struct.pack(">H", base)


def seg(d, flags, off, length, ack=0, k=0, op=0):
    return bytes([d | (k << 1) | (op << 2), flags]) + struct.pack(">HBB", off, length, ack)


def ctl(d, what, k=0):
    return bytes([d | (k << 1) | (3 << 2), what, 0, 0, 0, 0])


seeds = {
    # handshake, data both ways in order, FINs
    "in-order": hdr() + seg(0, SYN, 0, 0) + seg(1, SYN | ACK, 0, 0, 0)
    + seg(0, ACK | PSH, 1, 100) + seg(1, ACK | PSH, 1, 200, 7)
    + seg(0, ACK | PSH, 101, 50) + seg(0, FIN | ACK, 151, 0) + seg(1, FIN | ACK, 201, 0),
    # out of order then the hole filled; overlapping retransmissions
    "ooo-overlap": hdr() + seg(0, SYN, 0, 0) + seg(0, ACK, 201, 100) + seg(0, ACK, 101, 150)
    + seg(0, ACK, 1, 120) + seg(0, ACK, 50, 255) + seg(0, ACK, 301, 10),
    # hole acknowledged by the peer: gap on ack
    "gap-ack": hdr() + seg(0, SYN, 0, 0) + seg(0, ACK, 1, 10) + seg(0, ACK, 50, 40)
    + seg(1, ACK, 0, 0, 6) + seg(0, ACK, 90, 30),
    # tiny ooo_max and memcap: gaps by bound; two streams share the memcap
    "bounds": hdr(ooo=2, mem=3) + seg(0, SYN, 0, 0) + seg(0, ACK, 100, 40) + seg(0, ACK, 200, 40)
    + seg(0, SYN, 0, 0, k=1) + seg(0, ACK, 300, 60, k=1) + seg(0, ACK, 400, 60, k=1) + seg(0, ACK, 1, 99),
    # depth cap, and a consumer that refuses data every 3rd call
    "depth-refuse": hdr(depth=4, opts=1 | 2 | (3 << 2)) + seg(0, SYN, 0, 0)
    + b"".join(seg(0, ACK, 1 + 20 * i, 20) for i in range(6)) + seg(1, ACK, 5, 30) + seg(1, ACK, 35, 30),
    # midstream off: no SYN, nothing delivered; then stop/finish controls
    "no-midstream": hdr(opts=2) + seg(0, ACK, 10, 30) + seg(1, SYN | ACK, 0, 0) + seg(1, ACK, 1, 30)
    + seg(1, ACK, 60, 20) + ctl(1, 4) + ctl(0, 1) + seg(1, ACK, 31, 29),
    # bases next to the 2^32 wrap (odd base seed), SYN carrying data
    "wrap": hdr(base=0x01ff) + seg(0, SYN, 0, 60) + seg(0, ACK, 300, 80) + seg(0, ACK, 61, 255)
    + seg(1, SYN | ACK, 0, 0) + seg(1, ACK, 1, 255) + seg(1, ACK, 256, 255) + ctl(0, 2),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, data in seeds.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
