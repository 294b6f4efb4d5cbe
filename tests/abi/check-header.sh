#!/bin/bash
# SPDX-License-Identifier: MIT
# <netkit.h> compiles on its own as strict C99 and as C++, with every
# warning an error.
# usage: check-header.sh SRCDIR CC [BUILD_INCLUDE]
# (BUILD_INCLUDE: the build tree's include/, where <netkit/features.h>
# is generated)
set -eu
src=$1 cc=$2
inc_build=${3:-$src/include}
[ -f "$src/include/netkit.h" ] || { echo "missing netkit.h"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <netkit.h>\nint main(void) { return netkit_version_string() == 0; }\n' > "$tmp/t.c"
$cc -std=c99 -pedantic -Wall -Wextra -Werror -I "$src/include" -I "$inc_build" -c "$tmp/t.c" -o "$tmp/c99.o"
echo "C99 -pedantic: ok"
if command -v g++ >/dev/null 2>&1; then
    cp "$tmp/t.c" "$tmp/t.cc"
    g++ -std=c++11 -pedantic -Wall -Wextra -Werror -I "$src/include" -I "$inc_build" -c "$tmp/t.cc" -o "$tmp/cxx.o"
    echo "C++11 -pedantic: ok"
else
    echo "C++: g++ not installed, not checked"
fi
