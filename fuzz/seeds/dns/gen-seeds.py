#!/usr/bin/env python3
"""Writes the DNS fuzz seeds (hand-built messages) next to this script.
Format: see fuzz/fuzz-dns.c (byte 0 even = UDP datagram, odd = TCP chunks)."""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))

def name(n):
    out = b""
    for l in n.split("."):
        if l:
            out += bytes([len(l)]) + l.encode()
    return out + b"\0"

def hdr(i, flags, qd, an, ns, ar):
    return struct.pack(">HHHHHH", i, flags, qd, an, ns, ar)

def rr(owner, t, ttl, rdata):
    return owner + struct.pack(">HHIH", t, 1, ttl, len(rdata)) + rdata

PTR = b"\xc0\x0c"
query = hdr(0x1234, 0x0100, 1, 0, 0, 1) + name("www.example.com") + struct.pack(">HH", 1, 1) \
    + b"\0" + struct.pack(">HHIH", 41, 4096, 0, 0)
resp = hdr(0x1234, 0x8180, 1, 6, 1, 0) + name("example.com") + struct.pack(">HH", 255, 1) \
    + rr(PTR, 1, 300, bytes([93, 184, 216, 34])) \
    + rr(PTR, 28, 300, bytes(15) + b"\1") \
    + rr(PTR, 5, 300, b"\3www" + PTR) \
    + rr(PTR, 15, 300, b"\0\x0a\4mail" + PTR) \
    + rr(PTR, 16, 300, b"\6v=spf1\5hello") \
    + rr(PTR, 33, 300, struct.pack(">HHH", 10, 60, 5060) + b"\3sip" + PTR) \
    + rr(PTR, 6, 3600, b"\3ns1" + PTR + b"\12hostmaster" + PTR + struct.pack(">IIIII", 1, 2, 3, 4, 5))

def tcp(*msgs):
    return b"".join(struct.pack(">H", len(m)) + m for m in msgs)

def chunks(stream, d, size):
    out = b""
    for i in range(0, len(stream), size):
        c = stream[i:i + size]
        out += bytes([((len(c) - 1) << 1) | d]) + c
    return out

seeds = {
    "udp-query": b"\x00" + query,
    "udp-response": b"\x02" + resp,
    "tcp-whole": b"\x01" + bytes([0x80]) + tcp(query, query),
    "tcp-chunked": b"\x01" + chunks(tcp(query), 0, 7) + chunks(tcp(resp), 1, 13),
    "tcp-gap": b"\x01" + chunks(tcp(query), 0, 20)[:15] + b"\xfe" + chunks(tcp(query), 0, 64),
}
for k, v in seeds.items():
    with open(os.path.join(HERE, k), "wb") as f:
        f.write(v)
