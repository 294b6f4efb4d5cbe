#!/bin/bash
# SPDX-License-Identifier: MIT
# debian/libnetkit0.symbols lists exactly the symbols of lib/netkit.sym,
# each with the version of the node that added it (NETKIT_0.2 -> 0.2.0),
# so that dpkg-gensymbols (-c4) agrees with the library.
# usage: symbols-file.sh SRCDIR [--write]   (--write regenerates it)
set -eu
src=$1
sym=$src/lib/netkit.sym
out=$src/debian/libnetkit0.symbols
[ -f "$sym" ] || { echo "missing: $sym"; exit 1; }
[ -f "$out" ] || { echo "SKIP: no debian/ here"; exit 77; }
want=$(mktemp)
trap 'rm -f "$want"' EXIT
{
    echo "libnetkit.so.0 libnetkit0 #MINVER#"
    echo "* Build-Depends-Package: libnetkit-dev"
    awk '
        /^NETKIT_[0-9.]+ *\{/ { node = $1; sub(/ *\{.*/, "", node)
                                v = substr(node, 8) ".0"; nodes[node] = v; next }
        /^[ \t]*netkit_[a-z0-9_]+;/ { s = $1; sub(/;/, "", s); print s "@" node " " v }
        END { for (n in nodes) print n "@" n " " nodes[n] }
    ' "$sym" | LC_ALL=C sort
} | awk 'NR <= 2 { print; next } { print " " $0 }' > "$want"
if [ "${2:-}" = --write ]; then
    cp "$want" "$out"
    echo "wrote $out"
    exit 0
fi
if ! diff -u "$out" "$want"; then
    echo "debian/libnetkit0.symbols and lib/netkit.sym disagree;"
    echo "regenerate with: bash tests/abi/symbols-file.sh . --write"
    exit 1
fi
echo "symbols file ok: $(($(wc -l < "$out") - 2)) entries"
