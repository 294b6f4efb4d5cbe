#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The library, its Check suites and the examples built with musl-gcc
# -Werror and run (a phase of .ci/run; it also runs alone).
#   usage: bash .ci/musl.sh [DIR]     (DIR: default _ci/musl)
# Debian's check package is built on glibc (its libcheck_pic.a calls
# glibc's __fprintf_chk, __longjmp_chk... and libsubunit), so Check is
# built first from Debian's own source package of the installed version
# (apt-get source, through a private apt list of deb-src lines for this
# machine's Debian archive: the system's apt setup is left alone) with
# musl-gcc into DIR/check, once. The benchmark's libuv and libevent
# peers are left out: pkg-config sees only DIR/check. The abi suite is
# left out too: it checks the glibc build's packaging and ABI baseline
# (phase 1). Counts go to $NETKIT_TALLY (set by .ci/run), or are summed
# here when it is not set.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
dir=${1:-_ci/musl}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
own_tally=
if [ -z "${NETKIT_TALLY:-}" ]; then
    NETKIT_TALLY=$(mktemp)
    own_tally=$NETKIT_TALLY
    trap 'rm -f "$own_tally"' EXIT
fi
export NETKIT_TALLY

# fail WHAT LOG: prints the end of LOG and counts one failure.
fail() {
    [ -f "$2" ] && tail -n 40 "$2"
    echo "musl: $1 failed (log: $2)"
    echo "0 1 0 musl: $1" >>"$NETKIT_TALLY"
}

# The first Debian archive this machine's apt uses (deb822 or one-line).
debian_mirror() {
    {
        sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
        sed -n 's/^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*\).*/\2/p' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
    } | grep -E '^https?://.*/debian/?$' | head -n 1
}

# Debian's source of the installed check (the same version as the glibc
# build's), unpacked under DIR/src with Debian's patches applied.
fetch_check_source() {
    local apt=$dir/apt mirror codename version signed=""
    local -a aptget
    mirror=$(debian_mirror)
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || { echo "no VERSION_CODENAME in /etc/os-release"; return 1; }
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] &&
        signed="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
    rm -rf "$apt" "$dir/src"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$dir/src"
    echo "deb-src $signed${mirror:-http://deb.debian.org/debian} $codename main" >"$apt/sources.list"
    aptget=(apt-get -q -o Dir::Etc::SourceList="$apt/sources.list"
        -o Dir::Etc::SourceParts="$apt/parts" -o Dir::State::Lists="$apt/lists"
        -o Dir::Cache="$apt/cache")
    [ "$(id -u)" -ne 0 ] || aptget+=(-o APT::Sandbox::User=root)
    version=$(dpkg-query -W -f='${source:Version}' check 2>/dev/null)
    "${aptget[@]}" update || return 1
    cd "$dir/src" || return 1
    "${aptget[@]}" source "check${version:+=$version}" ||
        "${aptget[@]}" source check
    local rc=$?
    cd "$top" || return 1
    return $rc
}

# Check as a static, position-independent library (the tests are PIE),
# installed as Debian installs it: its check.pc links -lcheck_pic.
build_check() {
    local src
    src=$(echo "$dir"/src/check-*/)
    [ -f "$src/configure" ] || { echo "no Check source in $dir/src"; return 1; }
    rm -rf "$dir/check-build" "$dir/check"
    mkdir -p "$dir/check-build"
    (cd "$dir/check-build" &&
        CC=musl-gcc CFLAGS="-O2 -fPIC" "$src/configure" --prefix="$dir/check" \
            --disable-shared --disable-subunit --disable-build-docs &&
        make -j"$(nproc)" -C lib && make -j"$(nproc)" -C src &&
        make -C src install && make install-includeHEADERS install-pcdataDATA &&
        cp "$dir/check/lib/libcheck.a" "$dir/check/lib/libcheck_pic.a")
}

start=$(date +%s)
if ! ./run deps musl-tools dpkg-dev >"$dir/deps.log" 2>&1; then
    fail "installing musl-tools and dpkg-dev" "$dir/deps.log"
    exit 1
fi

t0=$(date +%s)
if [ -f "$dir/check/lib/libcheck_pic.a" ] && [ -f "$dir/check/lib/pkgconfig/check.pc" ]; then
    echo "musl: Check already built in $dir/check"
elif ! fetch_check_source >"$dir/check-source.log" 2>&1; then
    fail "apt-get source check" "$dir/check-source.log"
    exit 1
elif ! build_check >"$dir/check-build.log" 2>&1; then
    rm -rf "$dir/check"
    fail "building Check with musl-gcc" "$dir/check-build.log"
    exit 1
else
    echo "musl: Check $(sed -n 's/^Version: *//p' "$dir/check/lib/pkgconfig/check.pc") built with musl-gcc in $(( $(date +%s) - t0 )) s"
fi

# musl-gcc sees musl's headers only; the tests include <linux/...>,
# which come from the kernel's (linux-libc-dev), as on Alpine.
multiarch=$(gcc -print-multiarch)
mkdir -p "$dir/kernel-headers"
ln -sfn /usr/include/linux "$dir/kernel-headers/linux"
ln -sfn /usr/include/asm-generic "$dir/kernel-headers/asm-generic"
ln -sfn "/usr/include/$multiarch/asm" "$dir/kernel-headers/asm"
cat >"$dir/local.ini" <<EOF
[properties]
pkg_config_libdir = ['$dir/check/lib/pkgconfig']

[built-in options]
c_args = ['-isystem', '$dir/kernel-headers']
EOF

build=$dir/build
rm -rf "$build"
# TLS off: this machine's OpenSSL is built on glibc, not musl.
t0=$(date +%s)
if ! { meson setup "$build" --native-file .ci/musl.ini --native-file "$dir/local.ini" \
        --werror -Dtests=enabled -Ddocs=disabled -Dexamples=true -Dtls=disabled &&
        meson compile -C "$build"; } >"$dir/build.log" 2>&1; then
    fail "musl-gcc -Werror build" "$dir/build.log"
    exit 1
fi
echo "musl: library, suites, examples and benchmarks built with musl-gcc -Werror in $(( $(date +%s) - t0 )) s"

rc=0
meson test -C "$build" --no-suite abi --print-errorlogs || rc=$?
python3 .ci/tally.py add "$build/meson-logs/testlog.json" "$NETKIT_TALLY" "musl" || rc=1
# Each skip and its reason, from the log of the run.
python3 - "$build/meson-logs/testlog.json" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    rec = json.loads(line)
    text = (rec.get("stdout") or "") + "\n" + (rec.get("stderr") or "")
    for out in text.splitlines():
        if out.startswith("SKIP"):
            print("musl skip: " + rec["name"].split(" / ")[-1] + ": " + out)
EOF
echo "musl: the phase took $(( $(date +%s) - start )) s"
if [ -n "$own_tally" ]; then
    python3 .ci/tally.py sum "$NETKIT_TALLY" || rc=1
fi
exit $rc
