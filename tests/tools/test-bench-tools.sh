#!/bin/bash
# test-bench-tools.sh — the benchmark's helpers must be right before their
# numbers mean anything.
#
# 1. bench/pcapcat.py on hand-made captures: expected timestamps worked out by
#    hand from its rule (file starts --start, next file 1 s after the previous
#    one's last packet, gaps kept but clamped to [0, gap-cap]), nanosecond input
#    converted to microseconds, other link types skipped, big-endian input read,
#    bogus wire lengths replaced by the captured length.
# 2. pcap-readloop's packet and byte counts against capinfos (Wireshark) on
#    a few corpus captures, when both are available.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/bench-tools.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

echo "== pcapcat.py"
python3 - "$root/bench/pcapcat.py" "$tmp" <<'EOF' || fail=1
import struct, subprocess, sys
pcapcat, tmp = sys.argv[1], sys.argv[2]

def write(path, endian, magic, linktype, records):
    with open(path, "wb") as f:
        f.write(struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype))
        for sec, frac, data, origlen in records:
            f.write(struct.pack(endian + "IIII", sec, frac, len(data), origlen))
            f.write(data)

# a: usec, little-endian, Ethernet; gaps 0.5 s, then -3 s (backwards), then 100 s
write(tmp + "/a.pcap", "<", 0xA1B2C3D4, 1, [
    (1000, 0, b"A" * 60, 60), (1000, 500000, b"B" * 61, 61),
    (997, 500000, b"C" * 62, 62), (1097, 500000, b"D" * 63, 4000000000)])
# b: Linux cooked (113): must be skipped
write(tmp + "/b.pcap", "<", 0xA1B2C3D4, 113, [(5, 0, b"X" * 40, 40)])
# c: nsec, big-endian, Ethernet; gap 0.25 s = 250000000 ns
write(tmp + "/c.pcap", ">", 0xA1B23C4D, 1, [(50, 999, b"E" * 64, 64), (50, 250000999, b"F" * 65, 80)])

rc = subprocess.run([sys.executable, pcapcat, "-o", tmp + "/out.pcap", "--start", "2000",
                     "--gap-cap", "10", tmp + "/a.pcap", tmp + "/b.pcap", tmp + "/c.pcap"]).returncode
assert rc == 0, rc
with open(tmp + "/out.pcap", "rb") as f:
    magic, vmaj, vmin, _, _, snap, link = struct.unpack("<IHHiIII", f.read(24))
    assert (magic, vmaj, vmin, link) == (0xA1B2C3D4, 2, 4, 1), (hex(magic), link)
    got = []
    while True:
        h = f.read(16)
        if not h:
            break
        sec, usec, caplen, origlen = struct.unpack("<IIII", h)
        got.append((sec, usec, caplen, origlen, f.read(caplen)[:1]))
# by hand: a starts at 2000.0; +0.5 -> 2000.5; backwards -> +0 -> 2000.5;
# +100 s clamped to 10 -> 2010.5 (origlen 4e9 -> caplen 63);
# b skipped; c starts 1 s after -> 2011.5; +0.25 -> 2011.75 (origlen 80 kept)
want = [(2000, 0, 60, 60, b"A"), (2000, 500000, 61, 61, b"B"), (2000, 500000, 62, 62, b"C"),
        (2010, 500000, 63, 63, b"D"), (2011, 500000, 64, 64, b"E"), (2011, 750000, 65, 80, b"F")]
assert got == want, "\n got %s\nwant %s" % (got, want)
print("pcapcat: ok")
EOF

echo "== pcap-readloop vs capinfos"
loop=${GUANLAN_BUILD:+$GUANLAN_BUILD/pcap-readloop}
corpus="$root/../shared/corpus/ndpi/pcap"
if [ -z "$loop" ] || [ ! -x "$loop" ] || ! command -v capinfos >/dev/null || [ ! -d "$corpus" ]; then
    echo "skipped (needs GUANLAN_BUILD/pcap-readloop, capinfos and the nDPI corpus)"
else
    for name in 1kxun.pcap http-lines-split.pcap quic-33.pcapng; do
        f="$corpus/$name"
        [ -f "$f" ] || continue
        want_pkts=$(capinfos -M -c "$f" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
        want_bytes=$(capinfos -M -d "$f" | awk -F: '/Data size/ {gsub(/[^0-9]/,"",$2); print $2}')
        got=$("$loop" "$f")
        read -r _ got_pkts _ got_bytes _ <<<"$got"
        if [ "$got_pkts" = "$want_pkts" ] && [ "$got_bytes" = "$want_bytes" ]; then
            echo "$name: $got_pkts packets, $got_bytes bytes: ok"
        else
            echo "FAIL $name: readloop '$got'; capinfos $want_pkts packets, $want_bytes bytes"
            fail=1
        fi
    done
fi
exit $fail
