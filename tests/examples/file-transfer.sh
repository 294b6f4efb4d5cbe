#!/bin/bash
# SPDX-License-Identifier: MIT
# file-server and file-client, on loopback. Proves: a 100 MiB file
# (4 MiB under valgrind memcheck, where 100 MiB of CRC takes minutes)
# arrives byte for byte (cmp) in two clients one after the other; the
# client prints its size and a CRC-32 equal to Python's zlib.crc32; and
# nc, as a client, gets the same bytes.
# Usage: file-transfer.sh FILE_SERVER FILE_CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
server=$1
client=$2
mib=100
[ -z "${NK_MEMCHECK:-}" ] || mib=4
head -c $((mib * 1048576)) /dev/urandom >"$NK_TMP/data"
size=$((mib * 1048576))
want_crc=""
if command -v python3 >/dev/null 2>&1; then
	nk_need_python
	want_crc=$("$NK_PY" -c 'import sys, zlib
c = 0
with open(sys.argv[1], "rb") as f:
	while b := f.read(1 << 20): c = zlib.crc32(b, c)
print("%08x" % c)' "$NK_TMP/data")
fi

nk_start_server server "${NK_C[@]}" "$server" "$NK_TMP/data" 127.0.0.1 @PORT@
for i in 1 2; do
	rc=0
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" "$NK_TMP/out$i" 127.0.0.1 \
		"$NK_PORT" >"$NK_TMP/client$i.out" 2>"$NK_TMP/client$i.err" || rc=$?
	cat "$NK_TMP/client$i.err" >&2
	nk_expect_status "client $i" "$rc" 0
	cmp "$NK_TMP/data" "$NK_TMP/out$i" || nk_fail "client $i: bytes differ"
	echo "ok: client $i got $size bytes, byte for byte"
	line=$(cat "$NK_TMP/client$i.out")
	case "$line" in
	"received $size bytes, crc32 "????????) ;;
	*) nk_fail "client $i printed: $line" ;;
	esac
	if [ -n "$want_crc" ]; then
		[ "${line##* }" = "$want_crc" ] ||
			nk_fail "crc32 ${line##* }, python says $want_crc"
		echo "ok: crc32 $want_crc as python's zlib.crc32"
	fi
done
if command -v nc >/dev/null 2>&1; then
	timeout "$NK_WAIT" nc -d 127.0.0.1 "$NK_PORT" >"$NK_TMP/nc.out" ||
		nk_fail "nc failed"
	cmp "$NK_TMP/data" "$NK_TMP/nc.out" || nk_fail "nc: bytes differ"
	echo "ok: nc got the same bytes"
fi
[ "$(grep -c "^sent $size bytes to 127.0.0.1:" "$NK_TMP/server.out")" -ge 2 ] ||
	{ cat "$NK_TMP/server.out" >&2; nk_fail "server did not report its sends"; }
nk_expect "server stderr" "$NK_TMP/server.err" ""
