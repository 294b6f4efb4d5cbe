#!/bin/bash
# SPDX-License-Identifier: MIT
# The built libnetkit.so keeps the ABI of every release: abidiff against
# the stored baseline (made by make-baseline.sh) must find no change but
# added symbols, and each added symbol must be in a version node newer
# than the baseline's (a new release's node, never an old one).
# abidiff's exit status is a bit set: 1 error, 2 usage error, 4 ABI
# change, 8 incompatible change (a removed symbol). Added symbols alone
# give 4, but so do changed types, so the first run hides the additions
# (--no-added-syms) and fails on any nonzero status; the second lists
# them for the version check.
# Opaque types (opaque.supp) are the library's own and not compared.
# usage: check-abi.sh BASELINE.abi LIBNETKIT_SO
set -u
base=$1 so=$2
if ! command -v abidiff >/dev/null; then
    [ -n "${CI:-}" ] && { echo "abidiff missing (CI installs abigail-tools)"; exit 1; }
    echo "SKIP: abidiff not installed (apt-get install abigail-tools)"
    exit 77
fi
if ! readelf -S "$so" | grep -q '\.debug_info'; then
    [ -n "${CI:-}" ] && { echo "$so has no debug info to compare"; exit 1; }
    echo "SKIP: $so built without debug info (-g); abidiff sees no types"
    exit 77
fi
supp=$(dirname "$0")/opaque.supp
out=$(abidiff --no-added-syms --suppressions "$supp" "$base" "$so" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
    printf '%s\n' "$out"
    [ $((rc & 8)) -ne 0 ] && echo "FAIL: incompatible ABI change against $(basename "$base")"
    [ $((rc & 8)) -eq 0 ] && [ $((rc & 4)) -ne 0 ] &&
        echo "FAIL: ABI change against $(basename "$base")"
    [ $((rc & 3)) -ne 0 ] && echo "FAIL: abidiff error (exit $rc)"
    exit 1
fi
old=$(grep '<elf-symbol ' "$base" | grep -o "version='[^']*'" | sort -u | sed "s/version='\(.*\)'/\1/")
out=$(abidiff "$base" "$so" 2>&1)
added=$(printf '%s\n' "$out" | sed -n 's/^ *\[A\].*{\([^}]*\)}.*/\1/p')
status=0
for sym in $added; do
    ver=${sym#*@@}
    if [ "$ver" = "$sym" ] || printf '%s\n' "$old" | grep -qxF -- "$ver"; then
        echo "FAIL: $sym is new since $(basename "$base") but not in a new version node"
        status=1
    fi
done
[ $status -eq 0 ] && echo "abi ok: no change against $(basename "$base"); $(printf '%s\n' "$added" | grep -c .) symbols added in new nodes"
exit $status
