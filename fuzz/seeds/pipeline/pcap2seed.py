#!/usr/bin/env python3
"""Cuts fuzz-pipeline seeds out of a pcap (normally gl-gen's sample:
   build-<name>/gl-gen --sample -o sample.pcap
   python3 fuzz/seeds/pipeline/pcap2seed.py sample.pcap fuzz/seeds/pipeline/

Packets are grouped by (unordered) IP address pair, which keeps every
session - fragments included - together. A few sessions per service port
become one seed each, plus a session with IPv4 fragments, one seed with the first packets of the capture
interleaved as captured, and one session re-framed as raw IP (no Ethernet).
Seed layout is documented in fuzz/fuzz-pipeline.c: 2 header bytes, then
records of linktype index, 16-bit length, signed 16-bit ms delta, frame.
"""
import os
import struct
import sys

LT_EN10MB, LT_RAW = 0, 1            # indexes into fuzz-pipeline.c's table
MAX_PKTS = 60                       # per seed: keeps seeds small
PER_SERVICE = 3


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("expected a little-endian pcap file")
    nano = magic == 0xA1B23C4D
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        off += 16
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        out.append((us, data[off:off + incl]))
        off += incl
    return out


def l3(frame):
    """(offset of the IP header, ethertype) after Ethernet and VLAN tags."""
    off, et = 12, None
    while off + 2 <= len(frame):
        et = struct.unpack(">H", frame[off:off + 2])[0]
        if et in (0x8100, 0x88A8):
            off += 4
            continue
        return off + 2, et
    return None, None


def key_and_port(frame):
    off, et = l3(frame)
    if et == 0x0800 and off + 20 <= len(frame):
        ihl = (frame[off] & 15) * 4
        src, dst, proto = frame[off + 12:off + 16], frame[off + 16:off + 20], frame[off + 9]
        l4 = off + ihl
    elif et == 0x86DD and off + 40 <= len(frame):
        src, dst, proto = frame[off + 8:off + 24], frame[off + 24:off + 40], frame[off + 6]
        l4 = off + 40
    else:
        return None, None, None
    port = None
    if proto in (6, 17) and l4 + 4 <= len(frame):
        sp, dp = struct.unpack(">HH", frame[l4:l4 + 4])
        port = min(sp, dp)
    return tuple(sorted((src, dst))), port, off


def is_fragment(frame):
    off, et = l3(frame)
    if et != 0x0800 or off + 20 > len(frame):
        return False
    return (struct.unpack(">H", frame[off + 6:off + 8])[0] & 0x3FFF) != 0


def record(lt, frame, delta_ms):
    delta_ms = max(-32768, min(32767, delta_ms))
    return bytes([lt]) + struct.pack(">Hh", len(frame), delta_ms) + frame


def seed(pkts, lt=LT_EN10MB, opt=0x03, mem=0x70, strip=False):
    out, prev = bytearray([opt, mem]), pkts[0][0]
    for us, frame in pkts[:MAX_PKTS]:
        if strip:
            frame = frame[l3(frame)[0]:]
        out += record(lt, frame, (us - prev) // 1000)
        prev = us
    return bytes(out)


def main():
    pkts, outdir = read_pcap(sys.argv[1]), sys.argv[2]
    groups, port_of, untagged = {}, {}, {}
    for us, frame in pkts:
        k, port, ipoff = key_and_port(frame)
        if k is None:
            continue
        groups.setdefault(k, []).append((us, frame))
        if port is not None:
            port_of.setdefault(k, port)
        untagged.setdefault(k, ipoff == 14)
    names = {22: "ssh", 53: "dns", 80: "http", 443: "tls"}
    taken, written = {}, set()
    for k, g in groups.items():
        svc = names.get(port_of.get(k), "other")
        n = taken.get(svc, 0)
        if n >= PER_SERVICE:
            continue
        taken[svc] = n + 1
        written.add(k)
        with open(os.path.join(outdir, "%s-%d" % (svc, n)), "wb") as f:
            f.write(seed(g, opt=0x03 if n % 2 == 0 else 0x04))
    with open(os.path.join(outdir, "interleaved"), "wb") as f:
        f.write(seed(pkts[:MAX_PKTS], opt=0x07, mem=0x00))
    frag = [k for k, g in groups.items() if k not in written and any(is_fragment(fr) for _, fr in g)]
    if frag:
        with open(os.path.join(outdir, "fragments"), "wb") as f:
            f.write(seed(groups[frag[0]]))
    raw = [k for k in groups if port_of.get(k) == 80 and untagged[k]]
    if raw:
        with open(os.path.join(outdir, "http-raw-ip"), "wb") as f:
            f.write(seed(groups[raw[0]], lt=LT_RAW, strip=True))


if __name__ == "__main__":
    main()
