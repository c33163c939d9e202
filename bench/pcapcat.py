#!/usr/bin/env python3
"""pcapcat.py — concatenate captures into one Ethernet pcap with a sane clock.

The benchmark input is many small captures (the nDPI corpus) followed by
generated traffic.  Plain concatenation would make time jump backwards and
forwards by years between files (and within some nDPI files), which a flow
engine reads as instant timeouts or flows that never expire.  So timestamps are
rewritten: each file starts FILE_GAP seconds after the previous one ended, and
within a file the original inter-packet gaps are kept but clamped to
[0, --gap-cap] seconds.  Only captures with the wanted link type (Ethernet by
default) are used; pcapng files are converted with editcap when it exists.

Output: classic pcap, little-endian, microsecond timestamps, snaplen 262144.
Stdlib only.
"""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SNAPLEN = 262144
FILE_GAP_US = 1_000_000
MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
PCAPNG_SHB = 0x0A0D0D0A


def open_classic(path):
    """Returns (file, endian, nsec, linktype) or None if not a classic pcap."""
    f = open(path, "rb", buffering=1 << 20)
    hdr = f.read(24)
    if len(hdr) < 24:
        f.close()
        return None
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", hdr[:4])[0]
        if magic in (MAGIC_USEC, MAGIC_NSEC):
            linktype = struct.unpack(endian + "I", hdr[20:24])[0] & 0x0FFFFFFF
            return f, endian, magic == MAGIC_NSEC, linktype
    f.close()
    return None


def is_pcapng(path):
    with open(path, "rb") as f:
        head = f.read(4)
    return len(head) == 4 and struct.unpack("<I", head)[0] == PCAPNG_SHB


def convert_pcapng(path, tmpdir):
    """pcapng -> classic pcap via editcap; None when that is not possible."""
    if shutil.which("editcap") is None:
        return None
    out = os.path.join(tmpdir, os.path.basename(path) + ".pcap")
    rc = subprocess.run(["editcap", "-F", "pcap", path, out],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return out if rc == 0 and os.path.exists(out) else None


class Writer:
    def __init__(self, path, linktype):
        self.f = open(path, "wb", buffering=1 << 22)
        self.f.write(struct.pack("<IHHiIII", MAGIC_USEC, 2, 4, 0, 0, SNAPLEN, linktype))
        self.clock_us = None  # output time of the last packet written
        self.packets = 0
        self.bytes = 0

    def copy_file(self, f, endian, nsec, gap_cap_us, max_bytes):
        """Append every record of an open classic pcap; returns packets copied."""
        rec = struct.Struct(endian + "IIII")
        out = struct.Struct("<IIII")
        prev_in = None
        copied = 0
        while True:
            if max_bytes and self.bytes >= max_bytes:
                break
            h = f.read(16)
            if len(h) < 16:
                break
            sec, frac, caplen, origlen = rec.unpack(h)
            if caplen > SNAPLEN:
                break  # corrupt record: stop reading this file
            data = f.read(caplen)
            if len(data) < caplen:
                break  # truncated file
            in_us = sec * 1_000_000 + (frac // 1000 if nsec else frac)
            if self.clock_us is None:
                self.clock_us = in_us
            elif prev_in is None:
                self.clock_us += FILE_GAP_US
            else:
                self.clock_us += min(max(in_us - prev_in, 0), gap_cap_us)
            prev_in = in_us
            if origlen < caplen or origlen > SNAPLEN:
                origlen = caplen  # a bogus wire length would skew byte counters
            self.f.write(out.pack(self.clock_us // 1_000_000, self.clock_us % 1_000_000,
                                  caplen, origlen))
            self.f.write(data)
            self.packets += 1
            self.bytes += 16 + caplen
            copied += 1
        return copied

    def close(self):
        self.f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--linktype", type=int, default=1, help="keep captures of this DLT (1 = Ethernet)")
    ap.add_argument("--gap-cap", type=float, default=10.0, help="largest gap kept between packets, seconds")
    ap.add_argument("--start", type=int, default=1_700_000_000, help="output clock start, Unix seconds")
    ap.add_argument("--max-bytes", type=int, default=0, help="stop once the output reaches this size")
    ap.add_argument("inputs", nargs="+")
    opts = ap.parse_args()

    w = Writer(opts.output, opts.linktype)
    w.clock_us = opts.start * 1_000_000 - FILE_GAP_US
    used = skipped = 0
    tmpdir = tempfile.mkdtemp(prefix="pcapcat-")
    try:
        for path in opts.inputs:
            if opts.max_bytes and w.bytes >= opts.max_bytes:
                break
            src = path
            if is_pcapng(path):
                src = convert_pcapng(path, tmpdir)
                if src is None:
                    skipped += 1
                    continue
            opened = open_classic(src)
            if opened is None:
                skipped += 1
                continue
            f, endian, nsec, linktype = opened
            with f:
                if linktype != opts.linktype:
                    skipped += 1
                    continue
                w.copy_file(f, endian, nsec, int(opts.gap_cap * 1_000_000), opts.max_bytes)
                used += 1
            if src != path:
                os.unlink(src)
    finally:
        w.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
    print("pcapcat: %d files used, %d skipped (not link type %d or unreadable); %d packets, %d bytes -> %s"
          % (used, skipped, opts.linktype, w.packets, w.bytes + 24, opts.output), file=sys.stderr)
    return 0 if w.packets else 1


if __name__ == "__main__":
    sys.exit(main())
