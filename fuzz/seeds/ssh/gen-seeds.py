#!/usr/bin/env python3
"""Writes the SSH fuzz seeds (hand-built banners + KEXINIT) next to this script.
Format: see fuzz/fuzz-ssh.c (control byte: bit0 = direction, (c>>1)+1 = length)."""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))

def packet(payload):
    pad = 8 - ((5 + len(payload)) % 8)
    if pad < 4:
        pad += 8
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + bytes(pad)

def nl(s):
    return struct.pack(">I", len(s)) + s

def kexinit():
    lists = [b"curve25519-sha256,diffie-hellman-group14-sha256", b"ssh-ed25519",
             b"aes128-ctr,aes256-ctr", b"aes256-gcm@openssh.com", b"hmac-sha2-256",
             b"hmac-sha1", b"none,zlib@openssh.com", b"none", b"", b""]
    return packet(b"\x14" + b"\x11" * 16 + b"".join(nl(x) for x in lists) + b"\0\0\0\0\0")

def chunks(stream, d, size):
    out = b""
    for i in range(0, len(stream), size):
        c = stream[i:i + size]
        out += bytes([((len(c) - 1) << 1) | d]) + c
    return out

cli = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n" + packet(b"\x02\0\0\0\3abc") + kexinit()
srv = b"Welcome\r\nSSH-2.0-OpenSSH_7.4\r\n" + kexinit() + packet(b"\x15")
seeds = {
    "session": chunks(cli, 0, 64) + chunks(srv, 1, 64),
    "interleaved": b"".join(a + b for a, b in zip(
        [chunks(cli[i:i + 9], 0, 9) for i in range(0, len(cli), 9)],
        [chunks(srv[i:i + 11], 1, 11) for i in range(0, len(srv), 11)])),
    "banners": chunks(b"SSH-1.99-Cisco-1.25\n", 0, 64) + chunks(b"SSH-2.0-x y z\r\n", 1, 64),
}
for k, v in seeds.items():
    with open(os.path.join(HERE, k), "wb") as f:
        f.write(v)
