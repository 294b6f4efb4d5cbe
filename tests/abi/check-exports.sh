#!/bin/bash
# SPDX-License-Identifier: MIT
# The shared library exports exactly the symbols of lib/netkit.sym, which
# are exactly the functions the public headers declare; every global of
# the static library starts with netkit_.
# usage: check-exports.sh SRCDIR LIBNETKIT_SO LIBNETKIT_A
set -eu
src=$1 so=$2 ar=$3
for f in "$so" "$ar" "$src/lib/netkit.sym"; do
    [ -e "$f" ] || { echo "missing: $f"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort > "$tmp/exported"
sed -n 's/^[[:space:]]*\(netkit_[a-z0-9_]*\);.*/\1/p' "$src/lib/netkit.sym" | sort > "$tmp/mapfile"
cat "$src"/include/netkit.h "$src"/include/netkit/*.h |
    tr '\n' ' ' | grep -o 'NETKIT_EXPORT[^;(]*(' |
    sed -n 's/.*[ *]\(netkit_[a-z0-9_]*\)[[:space:]]*($/\1/p' | sort > "$tmp/header"

n=$(wc -l < "$tmp/exported")
[ "$n" -gt 0 ] || { echo "no symbols exported"; exit 1; }
status=0
if ! diff -u "$tmp/mapfile" "$tmp/exported" > "$tmp/d1"; then
    echo "netkit.sym and the shared library disagree:"; cat "$tmp/d1"; status=1
fi
if ! diff -u "$tmp/header" "$tmp/exported" > "$tmp/d2"; then
    echo "the headers and the shared library disagree:"; cat "$tmp/d2"; status=1
fi
bad=$(nm -g --defined-only "$ar" | awk 'NF == 3 { print $3 }' | grep -v '^netkit_' || true)
if [ -n "$bad" ]; then
    echo "libnetkit.a defines globals outside the netkit_ namespace:"; echo "$bad"; status=1
fi
bad=$(grep -v '^netkit_[a-z]' "$tmp/exported" || true)
if [ -n "$bad" ]; then
    echo "exported symbols that are not public netkit_ names:"; echo "$bad"; status=1
fi
[ $status -eq 0 ] && echo "exports ok: $n symbols, all netkit_, map = header = library"
exit $status
