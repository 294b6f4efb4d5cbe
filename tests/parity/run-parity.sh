#!/bin/sh
# SPDX-License-Identifier: MIT
# Compares netkit with CPython's socket module on this machine: runs
# every case of cases.txt through the parity program and through
# parity.py, and fails on any answer that differs (see parity.py).
#
# usage: run-parity.sh PARITY_EXE CASES_DIR
#
# No case may touch the network. Cases of class "dns" may fall through
# the hosts file to the DNS servers of resolv.conf, so they run only in
# a fresh network namespace (unshare -n, or -rn without root), where
# nothing but a downed loopback exists and such lookups fail at once,
# the same way for both sides. Without one, those cases are skipped.
set -eu

exe=$1
dir=$2
cases=$dir/cases.txt
test -x "$exe" || { echo "missing parity program: $exe" >&2; exit 1; }
test -f "$cases" || { echo "missing $cases" >&2; exit 1; }

# Under valgrind (meson test --setup valgrind traces children), check
# netkit's side alone: Python under valgrind is slow and not ours.
case "${LD_PRELOAD:-}" in
*vgpreload*)
	"$exe" "$cases" local >/dev/null
	echo "valgrind: netkit side of the parity table ran clean"
	exit 0
	;;
esac

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not found; parity with Python's socket module not checked"
	exit 77
fi

# netkit answers as its C library's resolver and parsers do, as CPython
# does: the two sides compare only when both are built on glibc or both
# on another one. tests/parity/meson.build says whether netkit's is.
libc_name() { if [ "$1" = 1 ]; then echo glibc; else echo "a C library other than glibc (e.g. musl)"; fi; }
nk_glibc=${NETKIT_TEST_GLIBC:-1}
py_glibc=$(python3 -c 'import platform; print(int(platform.libc_ver()[0] == "glibc"))')
if [ "$nk_glibc" != "$py_glibc" ]; then
	echo "SKIP: netkit is built on $(libc_name "$nk_glibc"), python3 on $(libc_name "$py_glibc"): their resolvers and address parsers answer differently, so parity is not checked"
	exit 77
fi

if unshare -n true 2>/dev/null; then
	exec unshare -n python3 "$dir/parity.py" "$exe" "$cases" all
elif unshare -rn true 2>/dev/null; then
	exec unshare -rn python3 "$dir/parity.py" "$exe" "$cases" all
fi
echo "note: no network namespace available; cases that may query DNS are skipped"
exec python3 "$dir/parity.py" "$exe" "$cases" local
