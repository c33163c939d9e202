#!/usr/bin/env python3
"""Writes the seed corpus for fuzz-decode (hand-built frames, see fuzz-decode.c
for the input layout). Run from this directory: python3 gen.py"""
import struct

def ip4(proto, payload, ident=1, frag=0x4000, src=b'\x0a\x00\x00\x01', dst=b'\x0a\x00\x00\x02'):
    return struct.pack('!BBHHHBBH', 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0) + src + dst + payload

def ip6(nh, payload):
    return struct.pack('!IHBB', 0x60000000, len(payload), nh, 64) + b'\x20\x01' + b'\x00' * 13 + b'\x01' + \
        b'\x20\x01' + b'\x00' * 13 + b'\x02' + payload

def tcp(opts=b'', data=b''):
    return struct.pack('!HHIIBBHHH', 1234, 80, 1, 0, (20 + len(opts)) // 4 << 4, 2, 65535, 0, 0) + opts + data

def udp(data=b''):
    return struct.pack('!HHHH', 53, 1053, 8 + len(data), 0) + data

def eth(t, payload):
    return b'\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb' + struct.pack('!H', t) + payload

LT = {'eth': 0, 'raw': 1, 'null': 6, 'loop': 7, 'sll': 8, 'sll2': 9, 'pppether': 10, 'ppp': 11}
opts = b'\x02\x04\x05\xb4\x01\x03\x03\x07\x04\x02\x08\x0a' + b'\x00' * 8
seeds = {
    'eth-tcp': (LT['eth'], 0, eth(0x0800, ip4(6, tcp(opts, b'GET /')))),
    'eth-vlan-udp6': (LT['eth'], 0, eth(0x88a8, struct.pack('!HH', 10, 0x8100) + struct.pack('!HH', 20, 0x86dd) + ip6(17, udp(b'x')))),
    'eth-pppoe': (LT['eth'], 0, eth(0x8864, struct.pack('!BBHHH', 0x11, 0, 1, 2 + 28, 0x21) + ip4(17, udp()))),
    'eth-mpls': (LT['eth'], 0, eth(0x8847, struct.pack('!I', (100 << 12) | 0x100 | 64) + ip4(1, b'\x08\x00\x00\x00\x00\x01\x00\x01'))),
    'eth-gre-teb': (LT['eth'], 0, eth(0x0800, ip4(47, struct.pack('!HHI', 0x2000, 0x6558, 5) + eth(0x0800, ip4(17, udp()))))),
    'eth-erspan3': (LT['eth'], 0, eth(0x0800, ip4(47, struct.pack('!HHI', 0x1000, 0x22eb, 1) + struct.pack('!HHIHH', 0x2000, 1, 0, 0, 1) + b'\x00' * 8 + eth(0x86dd, ip6(6, tcp()))))),
    'eth-pptp': (LT['eth'], 0, eth(0x0800, ip4(47, struct.pack('!HHHHI', 0x3001, 0x880b, 0, 5, 1) + b'\xff\x03\x00\x21' + ip4(17, udp())))),
    'raw-ip6-ext': (LT['raw'], 0, ip6(0, bytes([60, 0, 1, 4, 0, 0, 0, 0]) + bytes([51, 0, 1, 4, 0, 0, 0, 0]) + bytes([6, 1, 0, 0]) + b'\x00' * 4 + tcp())),
    'raw-6in4': (LT['raw'], 0, ip4(41, ip6(58, b'\x80\x00\x00\x00\x00\x01\x00\x01'))),
    'null-le': (LT['null'], 0, b'\x02\x00\x00\x00' + ip4(6, tcp())),
    'null-v6-be': (LT['null'], 0, b'\x00\x00\x00\x1e' + ip6(17, udp())),
    'loop': (LT['loop'], 0, b'\x00\x00\x00\x18' + ip6(17, udp())),
    'sll': (LT['sll'], 0, struct.pack('!HHH', 0, 1, 6) + b'\x00' * 8 + b'\x08\x00' + ip4(17, udp())),
    'sll2': (LT['sll2'], 0, b'\x86\xdd\x00\x00' + struct.pack('!IHBB', 2, 1, 0, 6) + b'\x00' * 8 + ip6(17, udp())),
    'pppether': (LT['pppether'], 0, struct.pack('!BBHHH', 0x11, 0, 1, 2 + 40, 0x57) + ip6(17, udp())),
    'ppp': (LT['ppp'], 0, b'\xff\x03\x00\x21' + ip4(17, udp())),
}
# multi-frame seeds: fragments (v4 overlapping, v6 with HBH)
def multi(frames):
    return b''.join(struct.pack('!H', len(f)) + f for f in frames)
dg = udp(bytes(range(40)))
f4 = [eth(0x0800, ip4(17, dg[0:16], 7, 0x2000)), eth(0x0800, ip4(17, b'A' * 16, 7, 0x2001)),
      eth(0x0800, ip4(17, dg[8:24], 7, 0x2001)), eth(0x0800, ip4(17, dg[24:48], 7, 0x0003))]
seeds['frag4'] = (LT['eth'], 0x82, multi(f4))
def fh6(off, more, chunk):
    return ip6(0, bytes([44, 0, 1, 4, 0, 0, 0, 0]) + struct.pack('!BBHI', 17, 0, off | more, 99) + chunk)
f6 = [eth(0x86dd, fh6(24, 0, dg[24:48])), eth(0x86dd, fh6(0, 1, dg[0:24]))]
seeds['frag6'] = (LT['eth'], 0x83, multi(f6))

for name, (lt, flags, frame) in seeds.items():
    with open(name, 'wb') as fh:
        fh.write(bytes([lt, flags]) + frame)
