#!/bin/bash
# SPDX-License-Identifier: MIT
# Installs into a DESTDIR, then builds pkgconfig/consumer.c from nothing
# but pkg-config's answers: once against the shared library (checking the
# soname it records) and once with `pkg-config --static` against
# libnetkit.a. Both binaries must run. With the docs configured, the
# installed documentation must hold what the man pages name
# (doc/check-installed.py): netkit(7), the HTML reference, the examples.
# usage: check-install.sh SRCDIR BUILDDIR CC
set -eu
src=$1 build=$2 cc=$3
command -v pkg-config >/dev/null || { echo "pkg-config not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null
pc=$(find "$dest" -name netkit.pc | head -n 1)
[ -n "$pc" ] || { echo "netkit.pc was not installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
pcdir=$(dirname "$pc")
pkg() { PKG_CONFIG_PATH=$pcdir pkg-config --define-variable=prefix="$dest$prefix" "$@" netkit; }
libdir=$(pkg --variable=libdir)
for f in "$libdir/libnetkit.so.0" "$libdir/libnetkit.a" "$(pkg --variable=includedir)/netkit.h"; do
    [ -e "$f" ] || { echo "not installed: $f"; exit 1; }
done
echo "installed: $(cd "$dest" && find . -type f -o -type l | sort | tr '\n' ' ')"
if [ -f "$build/doc/Doxyfile" ]; then
    python3 "$src/doc/check-installed.py" "$dest" "$src"
fi

# shellcheck disable=SC2046
$cc -o "$tmp/app-shared" "$src/pkgconfig/consumer.c" $(pkg --cflags --libs)
readelf -d "$tmp/app-shared" | grep -q 'NEEDED.*\[libnetkit\.so\.0\]' ||
    { echo "app does not record libnetkit.so.0"; exit 1; }
LD_LIBRARY_PATH=$libdir "$tmp/app-shared"

# shellcheck disable=SC2046
$cc -o "$tmp/app-static" "$src/pkgconfig/consumer.c" $(pkg --static --cflags) \
    -Wl,-Bstatic $(pkg --static --libs) -Wl,-Bdynamic
if readelf -d "$tmp/app-static" | grep -q 'NEEDED.*libnetkit'; then
    echo "static app still needs libnetkit.so"; exit 1
fi
"$tmp/app-static"
echo "install + pkg-config: shared and static consumers ok"
