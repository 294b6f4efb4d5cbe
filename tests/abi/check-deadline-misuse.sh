#!/bin/bash
# SPDX-License-Identifier: MIT
# A timeout, a wall-clock time or an int64_t passed where a deadline is
# expected does not compile (issue 14), in C99 and in C++11; the right
# forms compile with every warning an error.
# Each case of deadline-misuse.c is compiled twice per language:
# - with -DWRONG it must fail, with an error on the line after its
#   "refused: <name> <what>" comment, and a message naming <what>;
# - without, it must compile: a header that no longer compiles fails
#   here instead of passing for a refusal.
# usage: check-deadline-misuse.sh SRCDIR CC [BUILD_INCLUDE]
# (BUILD_INCLUDE: the build tree's include/, where <netkit/features.h>
# is generated)
set -eu
src=$1 cc=$2
inc_build=${3:-$src/include}
file=$src/tests/abi/deadline-misuse.c
[ -f "$file" ] || { echo "missing $file"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$file" "$tmp/t.c"
cp "$file" "$tmp/t.cc"
bad=0

# compile LANG ARGS...: cc or g++ on the copy, output in $tmp/out.
compile() {
    local lang=$1
    shift
    if [ "$lang" = c ]; then
        $cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
            -I "$src/include" -I "$inc_build" "$@" "$tmp/t.c" >"$tmp/out" 2>&1
    else
        g++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only \
            -I "$src/include" -I "$inc_build" "$@" "$tmp/t.cc" >"$tmp/out" 2>&1
    fi
}

fail() {
    echo "FAIL: $*"
    sed 's/^/    /' "$tmp/out"
    bad=1
}

langs=c
if command -v g++ >/dev/null 2>&1; then
    langs="c c++"
else
    echo "C++: g++ not installed, not checked"
fi

# The refused cases: "refused: <name> <what>" on the line before the call.
cases=$(sed -n 's|.*/\* refused: \([a-z0-9_]*\) .*|\1|p' "$file")
[ "$(echo "$cases" | wc -w)" -ge 6 ] || { echo "cases missing: $cases"; exit 1; }
for lang in $langs; do
    ext=c
    [ "$lang" = c++ ] && ext=cc
    for name in $cases forms; do
        if compile "$lang" "-DCASE_$name"; then
            echo "$lang $name: compiles without -DWRONG"
        else
            fail "$lang $name: does not compile without -DWRONG"
        fi
        [ "$name" = forms ] && continue
        marker=$(grep -n "/\* refused: $name " "$file")
        line=$(( ${marker%%:*} + 1 ))
        what=$(echo "$marker" | sed "s|.*refused: $name \(.*\) \*/.*|\1|")
        if compile "$lang" "-DCASE_$name" -DWRONG; then
            fail "$lang $name: compiled (line $line)"
        elif ! grep -Eq "t\.$ext:$line:[0-9]+: error" "$tmp/out"; then
            fail "$lang $name: no error on line $line"
        elif ! grep -Eq "$what" "$tmp/out"; then
            fail "$lang $name: the message does not name $what"
        else
            echo "$lang $name: refused: $(grep -m1 -E "t\.$ext:$line:[0-9]+: error" "$tmp/out" | sed 's/^[^ ]* //')"
        fi
    done
done
exit $bad
