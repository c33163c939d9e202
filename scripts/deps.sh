#!/bin/bash
# scripts/deps.sh — make sure the Debian 12 packages guanlan needs are present.
#
#   scripts/deps.sh build   packages to build and run the sensor
#   scripts/deps.sh test    + what the test suite uses (clang/libFuzzer, tshark and
#                           ndpiReader as oracles, python3-yaml for the verify runner)
#
# As root, missing packages are installed with apt-get. Otherwise the exact
# command to run is printed and the script fails.
set -eu
mode=${1:-build}
build_pkgs="build-essential cmake pkg-config libpcap-dev libssl-dev libsqlite3-dev libyaml-dev libjansson-dev libmicrohttpd-dev"
test_pkgs="clang libclang-rt-dev python3 python3-yaml tshark libndpi-bin sqlite3 iproute2"
pkgs=$build_pkgs
[ "$mode" = test ] && pkgs="$build_pkgs $test_pkgs"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "guanlan: missing Debian packages:$missing" >&2
    echo "install them with:  sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "guanlan: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# refresh the package lists only when they are missing or older than a day
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null
