#!/bin/bash
# SPDX-License-Identifier: MIT
# Writes the ABI baseline of a release: builds that release's commit in a
# temporary worktree and dumps its libnetkit.so with abidw. Run it only
# at a release, and say why in NEWS.md; tests/abi/check-abi.sh compares
# every build against the baseline.
# usage: tests/abi/make-baseline.sh COMMIT OUTPUT.abi
#   e.g. tests/abi/make-baseline.sh f51def3 tests/abi/netkit-0.1.0.abi
set -eu
commit=$1
out=$(realpath -m "$2")
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$tmp/src" 2>/dev/null || true; rm -rf "$tmp"' EXIT
git -C "$top" worktree add --detach "$tmp/src" "$commit" >/dev/null
# The prefix map keeps this machine's paths out of the baseline.
meson setup "$tmp/build" "$tmp/src" -Dtests=disabled -Ddocs=disabled \
    -Dexamples=false -Dbuildtype=debugoptimized \
    "-Dc_args=-fdebug-prefix-map=$tmp/src=. -fdebug-prefix-map=$tmp/build=build" \
    >/dev/null
meson compile -C "$tmp/build" >/dev/null
abidw --no-corpus-path "$tmp/build/lib/libnetkit.so" > "$out"
echo "wrote $out: $(grep -c '<elf-symbol ' "$out") symbols of $commit"
