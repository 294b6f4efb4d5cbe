#!/bin/bash
# SPDX-License-Identifier: MIT
# Every source file carries an SPDX licence identifier in its first
# three lines (C and headers, shell, Python, meson, suppression files).
# usage: spdx.sh SRCDIR
set -eu
src=$1
[ -f "$src/meson.build" ] || { echo "missing: $src/meson.build"; exit 1; }
cd "$src"
# From git when there is one; a dist tarball has none, so find then.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    list=$(git ls-files)
else
    list=$(find . -path ./build -prune -o -path './_*' -prune -o -path './build-*' -prune \
        -o -type f -print | sed 's|^\./||')
fi
bad=0 n=0
while IFS= read -r f; do
    case $f in
    debian/*) continue ;;
    *.c | *.h | *.sh | *.py | meson.build | */meson.build | meson_options.txt | \
        *.supp | run | .ci/run | doc/Doxyfile.in | doc/*.1.in) ;;
    *) continue ;;
    esac
    n=$((n + 1))
    if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
        echo "no SPDX identifier: $f"
        bad=1
    fi
done <<EOF_LIST
$list
EOF_LIST
[ "$n" -gt 0 ] || { echo "no source files found"; exit 1; }
[ $bad -eq 0 ] && echo "spdx ok: $n files"
exit $bad
