#!/bin/bash
# SPDX-License-Identifier: MIT
# Every source file carries an SPDX licence identifier in its first
# three lines (C and headers, shell, Python, meson, suppression files).
# usage: spdx.sh SRCDIR
set -eu
src=$1
[ -f "$src/meson.build" ] || { echo "missing: $src/meson.build"; exit 1; }
cd "$src"
# From git when this is a checkout's top; a dist tarball or a copy
# (the package build's, even inside another checkout) is read with find.
top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
    list=$(git ls-files)
else
    list=$( { ls -d meson.build meson_options.txt run .ci/* 2>/dev/null
        find lib include tests examples bench doc pkgconfig -type f \
            2>/dev/null; } | sort -u)
fi
bad=0 n=0
while IFS= read -r f; do
    case $f in
    debian/*) continue ;;
    *.c | *.h | *.sh | *.py | meson.build | */meson.build | meson_options.txt | \
        *.supp | run | .ci/run | doc/Doxyfile.in | doc/*.[1-8].in) ;;
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
