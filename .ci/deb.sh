#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages from a copy of this tree the way a
# distribution would: an orig tarball without debian/, then
# `dpkg-buildpackage -us -uc` (which runs the test suite), lintian with
# no errors and no warnings, every file the man pages name shipped
# (doc/check-installed.py on the .debs unpacked together), the .debs
# installed, `man netkit` found, pkgconfig/consumer.c built against the
# installed package and run, and the installed examples built.
# usage: .ci/deb.sh WORKDIR    (WORKDIR is emptied first)
# Needs root (it installs the packages) and the Build-Depends.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
work=$1
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=${version%-*}
tree=$work/netkit-$upstream
# Tracked and new (not ignored) files, so that a local run sees local
# changes; in CI that is the clean checkout.
mkdir -p "$tree"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
        if [ -e "$f" ] || [ -L "$f" ]; then cp -a --parents "$f" "$tree"; fi
    done)
tar -C "$work" --exclude="netkit-$upstream/debian" -cJf \
    "$work/netkit_$upstream.orig.tar.xz" "netkit-$upstream"

(cd "$tree" && dpkg-checkbuilddeps) || { echo "deb: install the Build-Depends first"; exit 1; }
echo "deb: dpkg-buildpackage -us -uc in $tree"
(cd "$tree" && dpkg-buildpackage -us -uc) > "$work/build.log" 2>&1 || {
    tail -150 "$work/build.log"; echo "deb: dpkg-buildpackage failed"; exit 1; }
grep -E '^(Ok|Fail|Skipped|Expected Fail|Unexpected Pass|Timeout):' \
    "$work/build.log" || true

changes=$(ls "$work"/netkit_*.changes)
echo "deb: lintian $(lintian --version)"
lintian --fail-on error,warning --info --display-info "$changes" ||
    { echo "deb: lintian reports errors or warnings"; exit 1; }
for deb in "$work"/*.deb; do
    echo "deb: dpkg -c $(basename "$deb")"
    dpkg -c "$deb"
done
echo "deb: what the man pages name is in the packages"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
python3 "$tree/doc/check-installed.py" "$work/root" "$tree" ||
    { echo "deb: the packages lack files their man pages name"; exit 1; }

echo "deb: installing the packages"
# --reinstall: the same version may be installed already (an earlier
# build on this machine), and apt would keep that one.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$work"/*.deb >/dev/null
page=$(man -w netkit) && [ "$page" = /usr/share/man/man7/netkit.7.gz ] ||
    { echo "deb: man netkit finds ${page:-nothing}, not netkit(7)"; exit 1; }
warn=$(MANWIDTH=80 man --warnings netkit 2>&1 >/dev/null)
[ -z "$warn" ] || { echo "deb: man netkit warns: $warn"; exit 1; }
cc -o "$work/consumer" "$src/pkgconfig/consumer.c" $(pkg-config --cflags --libs netkit)
readelf -d "$work/consumer" | grep -q 'NEEDED.*\[libnetkit\.so\.0\]' ||
    { echo "deb: consumer does not link libnetkit.so.0"; exit 1; }
"$work/consumer"
# netkit(7) tells readers to build the installed examples this way.
for ex in /usr/share/doc/libnetkit-dev/examples/*.c; do
    # shellcheck disable=SC2046
    cc -o "$work/example" "$ex" $(pkg-config --cflags --libs netkit) ||
        { echo "deb: $ex does not build against the packages"; exit 1; }
done
echo "deb: packages build, pass lintian, install, and link"
