#!/bin/bash
# SPDX-License-Identifier: MIT
# file-server and file-client, on loopback. Proves: a 100 MiB file
# (4 MiB under valgrind memcheck, where 100 MiB of CRC takes minutes)
# arrives byte for byte (cmp) in two clients one after the other; the
# client prints its size and a CRC-32 equal to Python's zlib.crc32 (the
# server's header said the same); a transfer cut short is an error that
# says how much came, and running the client again fetches the rest.
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

# A cut transfer: a server that announces the whole file and sends only
# part of it, then closes. The client fails, saying how much arrived,
# and keeps those bytes; run again against the real server, it asks for
# the rest only, and the file is whole.
cut=$((size / 3))
if [ -n "$want_crc" ]; then
	"$NK_PY" -c 'import socket, sys, zlib
data = open(sys.argv[1], "rb").read()
with socket.create_server(("127.0.0.1", 0)) as srv:
	print(srv.getsockname()[1], flush=True)
	c, _ = srv.accept()
	with c:
		offset = int(c.makefile("rb").readline())
		c.sendall(b"%20d %08x\n" % (len(data), zlib.crc32(data)))
		c.sendall(data[offset:int(sys.argv[2])])' \
		"$NK_TMP/data" "$cut" >"$NK_TMP/cut.port" &
	NK_PIDS="$NK_PIDS $!"
	for _ in $(seq 1 100); do
		[ -s "$NK_TMP/cut.port" ] && break
		sleep 0.05
	done
	rc=0
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" "$NK_TMP/out3" 127.0.0.1 \
		"$(cat "$NK_TMP/cut.port")" >"$NK_TMP/client3.out" \
		2>"$NK_TMP/client3.err" || rc=$?
	nk_expect_status "cut client" "$rc" 1
	grep -q "^file-client: received $cut of $size bytes" \
		"$NK_TMP/client3.err" ||
		{ cat "$NK_TMP/client3.err" >&2; nk_fail "cut: no count"; }
	[ "$(stat -c %s "$NK_TMP/out3")" = "$cut" ] ||
		nk_fail "cut: OUT does not hold the $cut bytes that came"
	echo "ok: a cut transfer fails: $(cat "$NK_TMP/client3.err")"
	rc=0
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" "$NK_TMP/out3" 127.0.0.1 \
		"$NK_PORT" >"$NK_TMP/client4.out" 2>"$NK_TMP/client4.err" ||
		rc=$?
	cat "$NK_TMP/client4.err" >&2
	nk_expect_status "resuming client" "$rc" 0
	cmp "$NK_TMP/data" "$NK_TMP/out3" || nk_fail "resumed: bytes differ"
	nk_expect "resumed" "$NK_TMP/client4.out" \
		"received $size bytes, crc32 $want_crc"$'\n'
	grep -q "^sent $((size - cut)) bytes to 127.0.0.1:" \
		"$NK_TMP/server.out" ||
		{ cat "$NK_TMP/server.out" >&2; nk_fail "server: no resumed send"; }
	echo "ok: run again, the client got the other $((size - cut)) bytes"
fi
[ "$(grep -c "^sent $size bytes to 127.0.0.1:" "$NK_TMP/server.out")" -ge 2 ] ||
	{ cat "$NK_TMP/server.out" >&2; nk_fail "server did not report its sends"; }
nk_expect "server stderr" "$NK_TMP/server.err" ""
