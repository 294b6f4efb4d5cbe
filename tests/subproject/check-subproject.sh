#!/bin/bash
# SPDX-License-Identifier: MIT
# Vendoring libnetkit as a meson subproject works without installing it:
# an outside project (outer/) with subprojects/netkit linked to this
# checkout builds pkgconfig/consumer.c against the fallback dependency,
# once with the shared library and once with the static one, and runs
# it. The subproject builds only the library: no tests, docs, examples
# or benchmarks. Installing the outer project installs its program and
# the library it links, nothing of libnetkit's test or example programs.
# usage: check-subproject.sh SRCDIR
set -eu
src=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
proj=$tmp/outer
mkdir -p "$proj/subprojects"
cp "$src/tests/subproject/outer/meson.build" "$src/pkgconfig/consumer.c" "$proj/"
ln -s "$src" "$proj/subprojects/netkit"

# configure NAME ARGS...: builds the outer project in $tmp/NAME.
configure() {
    local dir=$tmp/$1
    shift
    if ! meson setup "$dir" "$proj" --wrap-mode=nodownload \
            --force-fallback-for=netkit "$@" > "$dir.log" 2>&1 ||
       ! meson compile -C "$dir" >> "$dir.log" 2>&1; then
        cat "$dir.log"
        echo "FAIL: the outer project does not build ($*)"
        exit 1
    fi
    grep -q 'Executing subproject netkit' "$dir.log" ||
        { echo "FAIL: netkit was not built as a subproject"; exit 1; }
}

configure shared
extra=$(meson introspect --targets "$tmp/shared" | python3 -c '
import json, sys
allowed = {"consumer", "netkit", "netkit-objects"}
print(" ".join(sorted(t["name"] for t in json.load(sys.stdin)
                      if t["build_by_default"] and t["name"] not in allowed)))')
[ -z "$extra" ] || { echo "FAIL: the subproject builds more than the library: $extra"; exit 1; }
readelf -d "$tmp/shared/consumer" | grep -q 'NEEDED.*\[libnetkit\.so\.0\]' ||
    { echo "FAIL: consumer does not link libnetkit.so.0"; exit 1; }
"$tmp/shared/consumer"

meson install -C "$tmp/shared" --destdir "$tmp/dest" --quiet > /dev/null
inst=$(cd "$tmp/dest" && find . -path '*/bin/*' | sort | tr '\n' ' ')
[ "$inst" = "./usr/local/bin/consumer " ] ||
    { echo "FAIL: installs programs other than the outer one: $inst"; exit 1; }

configure static -Dnetkit:default_library=static
if readelf -d "$tmp/static/consumer" | grep -q 'NEEDED.*libnetkit'; then
    echo "FAIL: the static subproject build still links libnetkit.so"; exit 1
fi
"$tmp/static/consumer"
echo "subproject ok: shared and static builds of the fallback dependency"
