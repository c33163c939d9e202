#!/usr/bin/env python3
"""Generate seed inputs for fuzz/fuzz-tls.c (framing: ctl byte, top bit =
direction, low 7 bits + 1 = chunk length). Run from this directory:
    python3 gen-seeds.py
Needs the openssl CLI for a throwaway self-signed certificate."""
import os, struct, subprocess, tempfile

def u16(v): return struct.pack('>H', v)
def u24(v): return struct.pack('>I', v)[1:]

def ext(t, body): return u16(t) + u16(len(body)) + body

def hs(t, body): return bytes([t]) + u24(len(body)) + body

def record(t, body, ver=0x0303): return bytes([t]) + u16(ver) + u16(len(body)) + body

def client_hello(tls13=True, alpn=True, sid=b''):
    exts = ext(0x1a1a, b'')
    name = b'example.com'
    exts += ext(0, u16(len(name) + 3) + b'\x00' + u16(len(name)) + name)
    exts += ext(10, u16(6) + u16(0x2a2a) + u16(29) + u16(23))
    exts += ext(11, b'\x01\x00')
    exts += ext(13, u16(4) + u16(0x0403) + u16(0x0804))
    if alpn:
        exts += ext(16, u16(12) + b'\x02h2\x08http/1.1')
    if tls13:
        exts += ext(43, b'\x04' + u16(0x0304) + u16(0x0303))
        exts += ext(51, u16(36) + u16(29) + u16(32) + bytes(32))
    exts += ext(35, b'')
    ciphers = [0x0a0a, 0x1301, 0xc02b, 0x002f]
    body = u16(0x0303) + bytes(range(32)) + bytes([len(sid)]) + sid
    body += u16(2 * len(ciphers)) + b''.join(u16(c) for c in ciphers) + b'\x01\x00'
    body += u16(len(exts)) + exts
    return record(22, hs(1, body), 0x0301)

def server_hello(tls13, sid=b''):
    exts = ext(43, u16(0x0304)) + ext(51, u16(29) + u16(32) + bytes(32)) if tls13 else \
        ext(0xff01, b'\x00') + ext(16, u16(3) + b'\x02h2')
    body = u16(0x0303) + bytes(range(32, 64)) + bytes([len(sid)]) + sid + u16(0x1301 if tls13 else 0xc02f) + b'\x00'
    body += u16(len(exts)) + exts
    return hs(2, body)

def make_cert():
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                        '-nodes', '-keyout', os.path.join(d, 'k'), '-out', os.path.join(d, 'c'), '-outform', 'DER',
                        '-subj', '/C=US/ST=CA/O=Seed, Inc./CN=seed.example', '-days', '30',
                        '-addext', 'subjectAltName=DNS:seed.example'], check=True, capture_output=True)
        return open(os.path.join(d, 'c'), 'rb').read()

def frame(segments, chunk=128):
    out = b''
    for d, data in segments:
        for i in range(0, len(data), chunk):
            piece = data[i:i + chunk]
            out += bytes([(0x80 if d else 0) | (len(piece) - 1)]) + piece
    return out

CCS = record(20, b'\x01')
APP = record(23, b'\xaa' * 8)

def main():
    cert = make_cert()
    cert_msg = hs(11, u24(len(cert) + 3) + u24(len(cert)) + cert)
    seeds = {
        'tls13.bin': [(0, client_hello()), (1, record(22, server_hello(True)) + CCS + APP), (0, CCS + APP)],
        'tls12-cert.bin': [(0, client_hello(False)),
                           (1, record(22, server_hello(False) + cert_msg + hs(14, b''))),
                           (0, CCS + record(22, bytes(16))), (1, CCS + APP)],
        'tls12-resume.bin': [(0, client_hello(False, sid=b'S' * 32)),
                             (1, record(22, server_hello(False, sid=b'S' * 32)) + CCS)],
        'sslv2.bin': [(0, bytes([0x80, 0x1f, 1, 3, 1, 0, 6, 0, 0, 0, 16, 0, 0, 0x2f, 0, 0, 0x35]) + bytes(16)),
                      (1, bytes([0x80, 3, 4, 0, 1]))],
        'split-chunks.bin': None,
    }
    for name, segs in seeds.items():
        if segs is None:
            data = frame([(0, client_hello())], chunk=3) + frame([(1, record(22, server_hello(True)))], chunk=7)
        else:
            data = frame(segs)
        open(name, 'wb').write(data)

if __name__ == '__main__':
    main()
